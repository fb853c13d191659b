import Foundation
import Logging
import Testing
import TieoutLoad
import TieoutMaps
import TieoutPostgres
import TieoutRecon
import TieoutSync
import TieoutTestSupport

let fixtures = packageRoot.appendingPathComponent("Tests/TieoutLoadTests/Fixtures")

var quietLogger: Logger {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return logger
}

/// A migrated database with the sync engine's change capture installed, as a production database has it.
func withLoadDatabase<Result>(_ body: (PostgresConnection, Loader) throws -> Result) throws -> Result {
    try TestDatabase.withMigratedDatabase { connection, _ in
        _ = try SyncEngine(
            maps: MapSet.load(directory: packageRoot.appendingPathComponent("maps")),
            databases: SyncDatabases(single: connection), logger: quietLogger)
        return try body(connection, Loader(connection: connection, logger: quietLogger))
    }
}

/// Rows of a query, columns joined with `|` (NULL as `∅`).
func rows(_ connection: PostgresConnection, _ sql: String) throws -> [String] {
    let result = try connection.query(PostgresQuery(unescaped: sql))
    return result.map { row in (0..<result.columns.count).map { row[$0] ?? "∅" }.joined(separator: "|") }
}

/// A copy of a fixture folder that a test may change.
func copyOfFixtures(_ side: String) throws -> URL {
    let directory = try makeTemporaryDirectory()
    for name in try FileManager.default.contentsOfDirectory(atPath: fixtures.appendingPathComponent(side).path) {
        try FileManager.default.copyItem(
            at: fixtures.appendingPathComponent(side).appendingPathComponent(name),
            to: directory.appendingPathComponent(name))
    }
    return directory
}

@Suite("loading extracts")
struct LoaderTests {
    @Test func dataverseExportsLoadWithLabelsOddHeadersExtraColumnsAndQuotedFields() throws {
        try withLoadDatabase { connection, loader in
            let summaries = try loader.load(.dataverse, from: fixtures.appendingPathComponent("dataverse"))
            let shown = summaries.map {
                "\($0.table) \($0.file) rows=\($0.rows) inserted=\($0.inserted) updated=\($0.updated) "
                    + "unchanged=\($0.unchanged) ignored=\($0.ignoredColumns.joined(separator: ","))"
            }
            #expect(
                shown == [
                    "dataverse.account account.csv rows=2 inserted=2 updated=0 unchanged=0 ignored=@odata.etag",
                    "dataverse.salesorder salesorder.csv rows=1 inserted=1 updated=0 unchanged=0 ignored=",
                    "dataverse.msdyn_project msdyn_project.csv rows=1 inserted=1 updated=0 unchanged=0 ignored=",
                    "dataverse.salesorderdetail salesorderdetail.csv rows=1 inserted=1 updated=0 unchanged=0 ignored=",
                    "dataverse.msdyn_actual msdyn_actual.csv rows=3 inserted=3 updated=0 unchanged=0 ignored=owneridname",
                ])
            let accounts = try rows(
                connection,
                "SELECT accountid, name, accountnumber, statecode, createdon FROM dataverse.account ORDER BY 3")
            #expect(
                accounts == [
                    "6f9619ff-8b86-d011-b42d-00c04fc964f1|Contoso, Ltd.|C-100001|0|2026-11-02 09:15:00+00",
                    "7a1c2b3d-0000-4000-8000-000000000002|Fabrikam GmbH|C-100002|0|2026-11-02 09:16:00+00",
                ])
            let project = try rows(connection, "SELECT msdyn_description FROM dataverse.msdyn_project")
            #expect(project == ["Phase 1, \"pilot\"\nsecond line of the description"])
            let line = try rows(
                connection,
                """
                SELECT msdyn_billingmethod, msdyn_includetime, msdyn_includematerial, baseamount
                  FROM dataverse.salesorderdetail
                """)
            #expect(line == ["192350000|t|f|1250.00"])
            let actuals = try rows(
                connection,
                """
                SELECT msdyn_description, msdyn_transactiontypecode, msdyn_transactionclassification, msdyn_billingtype,
                       msdyn_billingstatus, msdyn_quantity, msdyn_price, msdyn_amount, msdyn_documentdate,
                       msdyn_skipsync, createdon
                  FROM dataverse.msdyn_actual ORDER BY msdyn_actualid
                """)
            #expect(
                actuals == [
                    "Design workshop, day 1|192350000|192350000|192350003|∅|8.0000|95.00|760.00|2026-11-03|f|"
                        + "2026-11-03 17:00:00+00",
                    "Design workshop, day 1|192350005|192350000|192350001|192350000|8.0000|156.25|1250.00|2026-11-03|f|"
                        + "2026-11-03 17:00:00+00",
                    "Travel: \"Lisbon\" to client|192350000|192350001|192350003|∅|1|312.40|312.40|2026-11-04|f|"
                        + "2026-11-04 18:30:00+00",
                ])
        }
    }

    @Test func loadingTheSameExtractTwiceChangesNothingAndTheFirstLoadIsCaptured() throws {
        try withLoadDatabase { connection, loader in
            _ = try loader.load(.dataverse, from: fixtures.appendingPathComponent("dataverse"))
            let captured = try connection.query("SELECT count(*) FROM sync.change_log").scalar(Int.self)
            let before = try rows(
                connection, "SELECT msdyn_actualid, modifiedon FROM dataverse.msdyn_actual ORDER BY 1")
            let again = try loader.load(.dataverse, from: fixtures.appendingPathComponent("dataverse"))
            #expect(again.map(\.inserted) == [0, 0, 0, 0, 0])
            #expect(again.map(\.updated) == [0, 0, 0, 0, 0])
            #expect(again.map(\.unchanged) == [2, 1, 1, 1, 3])
            let after = try rows(connection, "SELECT msdyn_actualid, modifiedon FROM dataverse.msdyn_actual ORDER BY 1")
            #expect(after == before)
            // The first load's changes wait for the sync (one per map reading each table); the second adds none.
            #expect(captured > 0)
            let capturedAgain = try connection.query("SELECT count(*) FROM sync.change_log").scalar(Int.self)
            #expect(capturedAgain == captured)
            let actualsQueued = try connection.query(
                "SELECT count(DISTINCT pk) FROM sync.change_log WHERE map = 'actuals'"
            ).scalar(Int.self)
            #expect(actualsQueued == 3)
        }
    }

    @Test func aChangedRowIsUpdatedAndReplaceDeletesWhatTheFileNoLongerHas() throws {
        try withLoadDatabase { connection, loader in
            let directory = try copyOfFixtures("dataverse")
            defer { try? FileManager.default.removeItem(at: directory) }
            _ = try loader.load(.dataverse, from: directory)
            // The extract of the next day: Fabrikam renamed; the project file only; Contoso's line unchanged.
            let accounts = directory.appendingPathComponent("account.csv")
            let text = try String(contentsOf: accounts, encoding: .utf8)
                .replacingOccurrences(of: "Fabrikam GmbH", with: "Fabrikam SE")
            try text.write(to: accounts, atomically: true, encoding: .utf8)
            let again = try loader.load(.dataverse, from: directory)
            #expect(again[0].updated == 1)
            #expect(again[0].unchanged == 1)
            #expect(
                try rows(connection, "SELECT name FROM dataverse.account ORDER BY name") == [
                    "Contoso, Ltd.", "Fabrikam SE",
                ])

            // --replace: a bookable resource no longer in its file goes.
            let only = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: only) }
            try
                "bookableresourceid,name\n11111111-0000-4000-8000-000000000001,Ana Costa\n22222222-0000-4000-8000-000000000002,Ben Ode\n"
                .write(to: only.appendingPathComponent("bookableresource.csv"), atomically: true, encoding: .utf8)
            _ = try loader.load(.dataverse, from: only)
            try "bookableresourceid,name\n11111111-0000-4000-8000-000000000001,Ana Costa\n"
                .write(to: only.appendingPathComponent("bookableresource.csv"), atomically: true, encoding: .utf8)
            let replaced = try loader.load(.dataverse, from: only, options: .init(replace: true))
            #expect(replaced.map(\.deleted) == [1])
            #expect(try rows(connection, "SELECT name FROM dataverse.bookableresource") == ["Ana Costa"])
        }
    }

    @Test(arguments: [
        (
            "msdyn_actual.csv", "156.25,1250.00", "156.25,12.5.3",
            "msdyn_actual.csv line 3, column msdyn_amount: '12.5.3' is not a number"
        ),
        (
            "msdyn_actual.csv", "Unbilled Sales,Time", "Unbiled Sales,Time",
            "msdyn_actual.csv line 3, column msdyn_transactiontypecode: 'Unbiled Sales' is not a code or label of msdyn_transactiontypecode"
        ),
        (
            "msdyn_actual.csv", "2026-11-04,2026-11-04", "2026-11-31,2026-11-04",
            "msdyn_actual.csv line 4, column msdyn_documentdate: '2026-11-31' is not a date"
        ),
        (
            "msdyn_actual.csv", "2026-11-04,2026-11-04", " ,2026-11-04",
            "msdyn_actual.csv line 4, column msdyn_documentdate: the value is empty, and the column is required"
        ),
        (
            "msdyn_actual.csv", "2026-11-04,2026-11-04", "1900-01-01,2026-11-04",
            "msdyn_actual.csv line 4, column msdyn_documentdate: '1900-01-01' reads as empty, and the column is required"
        ),
        (
            "msdyn_actual.csv", "2026-11-04,2026-11-04", "1/1/1900,2026-11-04",
            "msdyn_actual.csv line 4, column msdyn_documentdate: '1/1/1900' reads as empty, and the column is required"
        ),
        (
            "msdyn_actual.csv", "a0000000-0000-4000-8000-000000000002,\"Design", ",\"Design",
            "msdyn_actual.csv line 3, column msdyn_actualid: the value is empty, and the column is required"
        ),
        (
            "msdyn_actual.csv", "156.25,1250.00", "156.25,\"12\n50\"",
            "msdyn_actual.csv line 3, column msdyn_amount: '12\\n50' is not a number"
        ),
        (
            "account.csv", "EUR,0,1,", "EUR,7,1,",
            "account.csv line 3, column statecode: '7' is not allowed by check account_statecode_check: "
                + "statecode = ANY (ARRAY[0, 1])"
        ),
        (
            "account.csv", "C-100002,EUR,", "C-100002,eur,",
            "account.csv line 3, column isocurrencycode: 'eur' is not allowed by check "
                + "account_isocurrencycode_check: isocurrencycode ~ '^[A-Z]{3}$'::text"
        ),
        (
            "salesorder.csv", "Contoso rollout,PC-100001", "Contoso rollout,\"PC-100001",
            "salesorder.csv line 2: unterminated CSV quoted field (the quote opened on this line is never closed)"
        ),
    ])
    func aBadValueNamesFileLineColumnAndValueAndNothingIsWritten(
        _ file: String, _ original: String, _ broken: String, _ message: String
    ) throws {
        try withLoadDatabase { connection, loader in
            let directory = try copyOfFixtures("dataverse")
            defer { try? FileManager.default.removeItem(at: directory) }
            let url = directory.appendingPathComponent(file)
            let text = try String(contentsOf: url, encoding: .utf8)
            #expect(text.contains(original))
            try text.replacingOccurrences(of: original, with: broken).write(to: url, atomically: true, encoding: .utf8)
            let error = #expect(throws: LoadError.self) {
                try loader.load(.dataverse, from: directory)
            }
            #expect(error?.description == message)
            let counts = try rows(
                connection,
                """
                SELECT (SELECT count(*) FROM dataverse.account), (SELECT count(*) FROM dataverse.msdyn_actual),
                       (SELECT count(*) FROM sync.change_log)
                """)
            #expect(counts == ["0|0|0"])
        }
    }

    /// A record with a field too many is named by the line it starts on, counting every line break inside quotes
    /// (PostgreSQL's COPY counts only those of the file's own kind: here LF inside a CRLF file).
    @Test func aRecordWithTheWrongNumberOfFieldsIsNamedByItsLine() throws {
        try withLoadDatabase { connection, loader in
            let directory = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            try
                ("accountid,name\r\n7a1c2b3d-0000-4000-8000-000000000001,\"Contoso\nLtd.\"\r\n"
                + "7a1c2b3d-0000-4000-8000-000000000002,Fabrikam,GmbH\r\n").write(
                    to: directory.appendingPathComponent("account.csv"), atomically: true, encoding: .utf8)
            let error = #expect(throws: LoadError.self) { try loader.load(.dataverse, from: directory) }
            #expect(error?.description == "account.csv line 4: 3 fields where the header has 2")
            #expect(try rows(connection, "SELECT count(*) FROM dataverse.account") == ["0"])
        }
    }

    @Test func aMissingKeyOrRequiredColumnIsNamed() throws {
        try withLoadDatabase { _, loader in
            let directory = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            try "Name,AccountNumber\nContoso,C-1\n"
                .write(to: directory.appendingPathComponent("account.csv"), atomically: true, encoding: .utf8)
            let noKey = #expect(throws: LoadError.self) { try loader.load(.dataverse, from: directory) }
            #expect(noKey?.description == "account.csv: the header lacks the table's key; it needs accountid")
            try "accountid,AccountNumber\n6f9619ff-8b86-d011-b42d-00c04fc964f1,C-1\n"
                .write(to: directory.appendingPathComponent("account.csv"), atomically: true, encoding: .utf8)
            let noName = #expect(throws: LoadError.self) { try loader.load(.dataverse, from: directory) }
            #expect(noName?.description == "account.csv: the required column name is missing from the header")
            try "accountid,name\n1,x\n"
                .write(to: directory.appendingPathComponent("acount.csv"), atomically: true, encoding: .utf8)
            let unknown = #expect(throws: LoadError.self) { try loader.load(.dataverse, from: directory) }
            #expect(
                unknown?.description
                    == "acount.csv: there is no table dataverse.acount (files are named after the table)")
        }
    }

    /// A real extract holds confirmed proformas with their lines and details, which the guards refuse to anyone
    /// else: a load writes them; outside a load the same insert is still refused.
    @Test func aConfirmedProformaWithItsLinesLoadsButStaysGuardedOutsideALoad() throws {
        try withLoadDatabase { connection, loader in
            _ = try loader.load(.dataverse, from: fixtures.appendingPathComponent("dataverse"))
            let loaded = try loader.load(.dataverse, from: fixtures.appendingPathComponent("dataverse-invoice"))
            #expect(
                loaded.map(\.table) == [
                    "dataverse.invoice", "dataverse.invoicedetail", "dataverse.msdyn_invoicelinetransaction",
                ])
            #expect(loaded.map(\.inserted) == [1, 1, 1])
            let invoice = try rows(
                connection, "SELECT invoicenumber, msdyn_projectinvoicestatus, msdyn_invoicedate FROM dataverse.invoice"
            )
            #expect(invoice == ["INV-100001|192350002|2026-11-05"])
            let refused = #expect(throws: PostgresError.self) {
                try connection.query(
                    """
                    INSERT INTO dataverse.msdyn_invoicelinetransaction (
                           msdyn_invoicelinetransactionid, msdyn_invoice, msdyn_invoicelineid,
                           msdyn_transactionclassification, isocurrencycode)
                    VALUES ('e0000000-0000-4000-8000-000000000002', 'b0000000-0000-4000-8000-000000000001',
                            'd0000000-0000-4000-8000-000000000001', 192350000, 'USD')
                    """)
            }
            #expect(refused?.code == .raiseException)
            // Loading the same files again still changes nothing, confirmed or not.
            let again = try loader.load(.dataverse, from: fixtures.appendingPathComponent("dataverse-invoice"))
            #expect(again.map(\.unchanged) == [1, 1, 1])
        }
    }

    /// `--since` loads only the files modified since then.
    @Test func sinceLoadsOnlyNewerFiles() throws {
        try withLoadDatabase { connection, loader in
            let directory = try copyOfFixtures("dataverse")
            defer { try? FileManager.default.removeItem(at: directory) }
            let old = Date(timeIntervalSince1970: 1_790_000_000)  // 2026-09-21
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
                try FileManager.default.setAttributes(
                    [.modificationDate: old], ofItemAtPath: directory.appendingPathComponent(name).path)
            }
            let none = try loader.load(
                .dataverse, from: directory, options: .init(since: Date(timeIntervalSince1970: 1_795_000_000)))
            #expect(none.isEmpty)
            try FileManager.default.setAttributes(
                [.modificationDate: Date()], ofItemAtPath: directory.appendingPathComponent("account.csv").path)
            let newer = try loader.load(
                .dataverse, from: directory, options: .init(since: Date(timeIntervalSince1970: 1_795_000_000)))
            #expect(newer.map(\.table) == ["dataverse.account"])
            #expect(try rows(connection, "SELECT count(*) FROM dataverse.account") == ["2"])
        }
    }

    /// F&O exports: upper-case field names, enum labels, no RecId on the proposal (matched on dataareaid and
    /// proposalid), a RecId on staging rows (the identity continues above it); then the reconciliation reports on
    /// what was loaded.
    @Test func financeExportsLoadAndTheReconciliationReportsOnThem() throws {
        try withLoadDatabase { connection, loader in
            _ = try loader.load(.dataverse, from: fixtures.appendingPathComponent("dataverse"))
            let loaded = try loader.load(.fno, from: fixtures.appendingPathComponent("fno"))
            #expect(loaded.map(\.table) == ["fno.projcdsactualsimport", "fno.projproposaljour"])
            #expect(loaded.map(\.inserted) == [2, 1])
            #expect(loaded.map { $0.ignoredColumns } == [[], ["PARTITION"]])
            let staging = try rows(
                connection,
                """
                SELECT recid, transtype, billingtype, amount, isprocessed, documentdate, accountingdate
                  FROM fno.projcdsactualsimport ORDER BY recid
                """)
            #expect(
                staging == [
                    // F&O's empty date 1900-01-01 is empty
                    "5637146001|192350000|192350003|760.00|t|2026-11-03|∅",
                    "5637146002|192350005|192350001|1250.00|t|2026-11-03|∅",
                ])
            let next = try connection.query(
                "SELECT nextval(pg_get_serial_sequence('fno.projcdsactualsimport', 'recid'))"
            )
            .scalar(Int.self)
            #expect(next == 5_637_146_003)

            let maps = try MapSet.load(directory: packageRoot.appendingPathComponent("maps"))
            let run = try Reconciliation(connection: connection, maps: maps, logger: quietLogger)
                .run(.init(grace: "0"))
            let findings = try rows(
                connection,
                """
                SELECT category, proposalid, actualid, field FROM recon.finding WHERE run_id = \(run.runID)
                 ORDER BY finding_no
                """
            )
            #expect(
                findings == [
                    // the extract has the two imported staging rows but not their integration journal lines
                    "JOURNAL_LINE_MISMATCH|∅|a0000000-0000-4000-8000-000000000001|projadvancedjournalline",
                    "JOURNAL_LINE_MISMATCH|∅|a0000000-0000-4000-8000-000000000002|projadvancedjournalline",
                    "PROPOSAL_WITHOUT_CONFIRMED_PROFORMA|INV-100001|∅|∅",
                    // F&O's staging rows have an empty accounting date and lack the contract line and customer the
                    // actuals map sends
                    "STAGING_FIELD_MISMATCH|∅|a0000000-0000-4000-8000-000000000001|accountingdate",
                    "STAGING_FIELD_MISMATCH|∅|a0000000-0000-4000-8000-000000000001|contractline",
                    "STAGING_FIELD_MISMATCH|∅|a0000000-0000-4000-8000-000000000001|customeraccountnumber",
                    "STAGING_FIELD_MISMATCH|∅|a0000000-0000-4000-8000-000000000002|accountingdate",
                    "STAGING_FIELD_MISMATCH|∅|a0000000-0000-4000-8000-000000000002|contractline",
                    "STAGING_FIELD_MISMATCH|∅|a0000000-0000-4000-8000-000000000002|customeraccountnumber",
                    // the third actual has not reached F&O
                    "ACTUAL_NOT_STAGED|∅|a0000000-0000-4000-8000-000000000003|∅",
                    // open since 2026-11-05, past the 3-day threshold
                    "PROPOSAL_STUCK_UNPOSTED|INV-100001|∅|∅",
                ])
        }
    }
}
