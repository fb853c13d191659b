import Foundation
import Logging
import Testing
import TieoutLake
import TieoutLoad
import TieoutPostgres
import TieoutTestSupport

/// The first write: 2026-11-24T08:07:17Z.
private let firstWrite = Date(timeIntervalSince1970: 1_795_507_637)
/// The second write: 2026-11-25T15:30:05Z (an afternoon, for the Sink columns' PM).
private let secondWrite = Date(timeIntervalSince1970: 1_795_620_605)

private let firstSink = "\"11/24/2026 8:07:17 AM\""
private let secondSink = "\"11/25/2026 3:30:05 PM\""

private let a1 = "00000000-0000-0000-0000-0000000000a1"
private let a2 = "00000000-0000-0000-0000-0000000000a2"
private let a3 = "00000000-0000-0000-0000-0000000000a3"
private let s1 = "00000000-0000-0000-0000-0000000000b1"
private let p1 = "00000000-0000-0000-0000-0000000000c1"
private let d1 = "00000000-0000-0000-0000-0000000000d1"
/// lake.fno_id of RecIds 5637144576 and 5637144577.
private let r1 = "00000000-0000-0000-0000-005001000000"
private let r2 = "00000000-0000-0000-0100-005001000000"
/// The `tableid` the writer gives fno.custtrans (a hash of the name: the same in every database).
private let custtransTableID = "37756"

private var quietLogger: Logger {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return logger
}

/// A migrated database with a few hand-made rows, dated so that nothing depends on today: two accounts (one created
/// on the last evening of 2025 in UTC, already 2026 in Auckland), a contract, a project, a contract line, and two
/// F&O customer transactions.
private func withLakeDatabase<Result>(_ body: (PostgresConnection, URL) throws -> Result) throws -> Result {
    try TestDatabase.withMigratedDatabase { connection, _ in
        try connection.executeScript(
            """
            INSERT INTO dataverse.account (accountid, name, accountnumber, isocurrencycode, statecode, statuscode,
                                           createdon, modifiedon)
            VALUES ('\(a1)', 'Contoso, "Ltd."', 'C-001', NULL, 0, 1,
                    '2026-11-24 09:52:01.123456+00', '2026-11-24 10:00:00+00'),
                   ('\(a2)', 'Fabrikam', 'C-002', 'EUR', 0, 1, '2025-12-31 23:30:00+00', '2025-12-31 23:30:00+00');
            INSERT INTO dataverse.salesorder (salesorderid, name, ordernumber, customerid, isocurrencycode, exchangerate,
                                              totallineitemamount, totalamount, createdon, modifiedon)
            VALUES ('\(s1)', 'Contract 1', 'PC-001', '\(a1)', 'USD', 1.0000000000, 1250.00, 1250.00,
                    '2026-11-20 12:00:00+00', '2026-11-20 12:00:00+00');
            INSERT INTO dataverse.msdyn_project (msdyn_projectid, msdyn_subject, msdyn_description, msdyn_customer,
                                                 msdyn_scheduledstart, isocurrencycode, createdon, modifiedon,
                                                 msdyn_projectnumber)
            VALUES ('\(p1)', 'Project 1', E'Phase 1\nsecond line', '\(a1)', '2026-11-24', 'USD',
                    '2026-11-24 08:00:00+00', '2026-11-24 08:00:00+00', 'PRJ-001');
            INSERT INTO dataverse.salesorderdetail (salesorderdetailid, salesorderid, productdescription, lineitemnumber,
                                                    msdyn_billingmethod, msdyn_project, msdyn_includetime,
                                                    msdyn_includefee, priceperunit, baseamount, extendedamount,
                                                    isocurrencycode, createdon, modifiedon)
            VALUES ('\(d1)', '\(s1)', 'T&M line', 1, 192350000, '\(p1)', true, true, 99.995, 1250.00, 1250.00, 'USD',
                    '2026-11-20 12:00:00.5+00', '2026-11-20 12:00:00.5+00');
            INSERT INTO fno.custtrans (recid, dataareaid, accountnum, invoice, voucher, transdate, duedate, amountcur,
                                       amountmst, currencycode, exchrate, txt, closed, createddatetime,
                                       modifieddatetime)
            VALUES (5637144576, 'usmf', 'C-001', 'INV-001', 'V-001', '2026-11-24', NULL, 1234.5600, 1234.5600, 'USD',
                    NULL, 'Invoice, "A"', NULL, '2026-11-24 09:52:01.123456+00', '2026-11-24 09:52:01.123456+00'),
                   (5637144577, 'usmf', 'C-002', 'INV-002', 'V-002', '2026-11-25', '2026-12-25', 10, 10, 'EUR',
                    1.0825, NULL, '2026-11-30', '2026-11-25 00:00:00+00', '2026-11-25 00:00:00+00');
            """)
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        return try body(connection, directory.appendingPathComponent("lake"))
    }
}

private func writer(_ connection: PostgresConnection, maxRowsPerFile: Int = 5_000_000) -> LakeWriter {
    LakeWriter(connection: connection, logger: quietLogger, options: .init(maxRowsPerFile: maxRowsPerFile))
}

private func text(_ url: URL) throws -> String {
    String(decoding: try Data(contentsOf: url), as: UTF8.self)
}

private func model(_ url: URL) throws -> LakeModel {
    try JSONDecoder().decode(LakeModel.self, from: try Data(contentsOf: url.appendingPathComponent("model.json")))
}

/// Every file under `url`, relative, sorted.
private func files(_ url: URL) throws -> [String] {
    guard let enumerator = FileManager.default.enumerator(atPath: url.path) else { return [] }
    var names: [String] = []
    while let name = enumerator.nextObject() as? String {
        var isFolder: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path, isDirectory: &isFolder)
        if !isFolder.boolValue { names.append(name) }
    }
    return names.sorted()
}

/// CSV records from fields (nil: an empty, unquoted field).
private func csv(_ records: [[String?]]) -> String {
    records.map { $0.map { $0 ?? "" }.joined(separator: ",") + "\n" }.joined()
}

private func quoted(_ value: String) -> String { "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

private func scalar(_ connection: PostgresConnection, _ sql: String) throws -> Int {
    try connection.query(PostgresQuery(unescaped: sql)).scalar(Int.self)
}

/// Counts progress reports.
private final class ProgressLog {
    var last: LakeWriter.Progress?
}

@Suite("lake writer")
struct LakeWriterTests {
    @Test func initialFolderHoldsEveryRowInSynapseLinksShapes() throws {
        try withLakeDatabase { connection, lake in
            // Values are UTC whatever the session's time zone.
            try connection.query("SET TimeZone = 'Pacific/Auckland'")
            let log = ProgressLog()
            let summary = try writer(connection).write(to: lake, now: firstWrite) { log.last = $0 }
            #expect(summary.folder == "2026-11-24T08.07.17Z")
            #expect(summary.isInitial)
            #expect(summary.nextFolder == "2026-11-24T08.07.18Z")
            #expect(summary.rows == 7 && summary.deletes == 0)
            #expect(log.last?.rowsWritten == 7 && log.last?.rowsTotal == 7)
            let changed = summary.tables.filter { $0.rows > 0 }.map { "\($0.name) \($0.rows) \($0.files)" }
            #expect(
                changed == [
                    "dataverse.account 2 [\"2025.csv\", \"2026.csv\"]", "dataverse.msdyn_project 1 [\"2026.csv\"]",
                    "dataverse.salesorder 1 [\"2026.csv\"]", "dataverse.salesorderdetail 1 [\"2026.csv\"]",
                    "fno.custtrans 2 [\"2026.csv\"]",
                ])

            let folder = lake.appendingPathComponent("2026-11-24T08.07.17Z")
            #expect(
                try files(folder) == [
                    "account/2025.csv", "account/2026.csv", "custtrans/2026.csv", "model.json",
                    "msdyn_project/2026.csv",
                    "salesorder/2026.csv", "salesorderdetail/2026.csv",
                ])

            // model.json: every table of both schemas, Dataverse first; attributes in CSV column order.
            let written = try model(folder)
            let tableCount = try scalar(
                connection,
                """
                SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname IN ('dataverse', 'fno') AND c.relkind = 'r'
                """)
            #expect(written.entities.count == tableCount)
            #expect(written.entities.first?.name == "account")
            #expect(written.entities.last?.name == "taxtable")
            let account = try #require(written.entities.first { $0.name == "account" })
            #expect(
                account.attributes.map { "\($0.name):\($0.dataType)\($0.maxLength.map { "(\($0))" } ?? "")" } == [
                    "Id:guid", "SinkCreatedOn:dateTime", "SinkModifiedOn:dateTime", "accountid:guid",
                    "name:string(-1)", "accountnumber:string(-1)", "isocurrencycode:string(-1)", "statecode:int64",
                    "statuscode:int64", "createdon:dateTime", "modifiedon:dateTime", "versionnumber:int64",
                    "IsDelete:boolean",
                ])
            #expect(
                account.partitions == [
                    LakeModel.Partition(
                        name: "2025",
                        location:
                            "https://tieoutsim.dfs.core.windows.net/dataverse-tieoutsim/2026-11-24T08.07.17Z/account/2025.csv"
                    ),
                    LakeModel.Partition(
                        name: "2026",
                        location:
                            "https://tieoutsim.dfs.core.windows.net/dataverse-tieoutsim/2026-11-24T08.07.17Z/account/2026.csv"
                    ),
                ])
            let custtrans = try #require(written.entities.first { $0.name == "custtrans" })
            #expect(
                custtrans.attributes.map { "\($0.name):\($0.dataType)" } == [
                    "Id:guid", "SinkCreatedOn:dateTime", "SinkModifiedOn:dateTime", "dataareaid:string",
                    "accountnum:string", "invoice:string", "voucher:string", "transdate:dateTime", "duedate:dateTime",
                    "amountcur:decimal", "amountmst:decimal", "currencycode:string", "exchrate:decimal", "txt:string",
                    "closed:dateTime", "createddatetime:dateTime", "modifieddatetime:dateTime", "sysrowversion:int64",
                    "recid:int64", "tableid:int64", "versionnumber:int64", "createdon:dateTimeOffset",
                    "modifiedon:dateTimeOffset", "sysdatastatecode:int64", "IsDelete:boolean",
                ])
            let amount = try #require(custtrans.attributes.first { $0.name == "amountcur" })
            #expect(
                amount.traits == [
                    LakeModel.Trait(
                        traitReference: "is.dataFormat.numeric.shaped",
                        arguments: [.init(name: "precision", value: 38), .init(name: "scale", value: 10)])
                ])
            let invoice = try #require(written.entities.first { $0.name == "invoice" })
            #expect(invoice.partitions.isEmpty)

            // The partitions, exactly: versions in table order, then key order within the year.
            #expect(
                try text(folder.appendingPathComponent("account/2025.csv"))
                    == csv([
                        [
                            a2, firstSink, firstSink, a2, "\"Fabrikam\"", "\"C-002\"", "\"EUR\"", "0", "1",
                            "\"2025-12-31T23:30:00.0000000Z\"", "\"2025-12-31T23:30:00.0000000Z\"", "1", nil,
                        ]
                    ]))
            #expect(
                try text(folder.appendingPathComponent("account/2026.csv"))
                    == csv([
                        [
                            a1, firstSink, firstSink, a1, "\"Contoso, \"\"Ltd.\"\"\"", "\"C-001\"", nil, "0", "1",
                            "\"2026-11-24T09:52:01.1234560Z\"", "\"2026-11-24T10:00:00.0000000Z\"", "2", nil,
                        ]
                    ]))
            #expect(
                try text(folder.appendingPathComponent("msdyn_project/2026.csv"))
                    == csv([
                        [
                            p1, firstSink, firstSink, p1, "\"Project 1\"", "\"Phase 1\nsecond line\"", a1, nil,
                            "\"2026-11-24T00:00:00.0000000Z\"", nil, "\"USD\"", "0", "1",
                            "\"2026-11-24T08:00:00.0000000Z\"", "\"2026-11-24T08:00:00.0000000Z\"", "\"PRJ-001\"", "3",
                            nil,
                        ]
                    ]))
            #expect(
                try text(folder.appendingPathComponent("salesorder/2026.csv"))
                    == csv([
                        [
                            s1, firstSink, firstSink, s1, "\"Contract 1\"", "\"PC-001\"", nil, a1, nil, "\"USD\"",
                            "1.0000000000", "1250.00", "0", "1250.00", "0", "1", "\"2026-11-20T12:00:00.0000000Z\"",
                            "\"2026-11-20T12:00:00.0000000Z\"", nil, "4", nil,
                        ]
                    ]))
            #expect(
                try text(folder.appendingPathComponent("salesorderdetail/2026.csv"))
                    == csv([
                        [
                            d1, firstSink, firstSink, d1, s1, "\"T&M line\"", nil, "1", "192350000", p1, "True",
                            "False",
                            "False", "True", nil, "99.995", "1250.00", "0", "1250.00", "\"USD\"", nil,
                            "\"2026-11-20T12:00:00.5000000Z\"", "\"2026-11-20T12:00:00.5000000Z\"", "5", nil,
                        ]
                    ]))
            // F&O: no zone, the empty date for NULL dates, the system columns after the table's.
            let empty = "\"1900-01-01T00:00:00.0000000\""
            #expect(
                try text(folder.appendingPathComponent("custtrans/2026.csv"))
                    == csv([
                        [
                            r1, firstSink, firstSink, "\"usmf\"", "\"C-001\"", "\"INV-001\"", "\"V-001\"",
                            "\"2026-11-24T00:00:00.0000000\"", empty, "1234.5600", "1234.5600", "\"USD\"", nil,
                            "\"Invoice, \"\"A\"\"\"", empty, "\"2026-11-24T09:52:01.1234560\"",
                            "\"2026-11-24T09:52:01.1234560\"", "6", "5637144576", custtransTableID, "6",
                            "\"2026-11-24T09:52:01.1234560+00:00\"", "\"2026-11-24T09:52:01.1234560+00:00\"", "0", nil,
                        ],
                        [
                            r2, firstSink, firstSink, "\"usmf\"", "\"C-002\"", "\"INV-002\"", "\"V-002\"",
                            "\"2026-11-25T00:00:00.0000000\"", "\"2026-12-25T00:00:00.0000000\"", "10", "10", "\"EUR\"",
                            "1.0825", nil, "\"2026-11-30T00:00:00.0000000\"", "\"2026-11-25T00:00:00.0000000\"",
                            "\"2026-11-25T00:00:00.0000000\"", "7", "5637144577", custtransTableID, "7",
                            "\"2026-11-25T00:00:00.0000000+00:00\"", "\"2026-11-25T00:00:00.0000000+00:00\"", "0", nil,
                        ],
                    ]))
            #expect(
                try scalar(connection, "SELECT count(*) FROM lake.export_row") == 7
                    && scalar(connection, "SELECT count(*) FROM lake.export_folder") == 1)
        }
    }

    @Test func theNextFolderStaysOpenAndEmptyUntilTheNextWrite() throws {
        try withLakeDatabase { connection, lake in
            _ = try writer(connection).write(to: lake, now: firstWrite)
            #expect(try text(lake.appendingPathComponent("Changelog/changelog.info")) == "2026-11-24T08.07.18Z")
            let open = lake.appendingPathComponent("2026-11-24T08.07.18Z")
            #expect(try files(open) == ["model.json"])
            #expect(try Data(contentsOf: open.appendingPathComponent("model.json")).isEmpty)
            // What a reader sees: one completed folder, the open one left for later.
            let layout = try LakeLayout(root: lake)
            #expect(layout.completed.map(\.name) == ["2026-11-24T08.07.17Z"])
            #expect(layout.inProgress == "2026-11-24T08.07.18Z")
            #expect(
                try files(lake).filter { !$0.hasPrefix("2026-11-24T08.07.17Z/") } == [
                    "2026-11-24T08.07.18Z/model.json", "Changelog/changelog.info",
                    "OptionsetMetadata/GlobalOptionsetMetadata.csv", "OptionsetMetadata/OptionsetMetadata.csv",
                ])
        }
    }

    @Test func incrementalFolderHoldsOnlyTheChangesAndTheDeletes() throws {
        try withLakeDatabase { connection, lake in
            _ = try writer(connection).write(to: lake, now: firstWrite)
            try connection.executeScript(
                """
                UPDATE dataverse.account SET name = 'Contoso Ltd', modifiedon = '2026-11-25 10:00:00+00'
                 WHERE accountid = '\(a1)';
                INSERT INTO dataverse.account (accountid, name, accountnumber, createdon, modifiedon)
                VALUES ('\(a3)', 'Northwind', 'C-003', '2026-11-25 11:00:00+00', '2026-11-25 11:00:00+00');
                DELETE FROM dataverse.salesorderdetail WHERE salesorderdetailid = '\(d1)';
                UPDATE fno.custtrans SET closed = '2026-11-25', modifieddatetime = '2026-11-25 12:00:00+00'
                 WHERE recid = 5637144576;
                DELETE FROM fno.custtrans WHERE recid = 5637144577;
                """)
            let summary = try writer(connection).write(to: lake, now: secondWrite)
            // The open folder is filled; the next one opens at the write time.
            #expect(summary.folder == "2026-11-24T08.07.18Z")
            #expect(!summary.isInitial)
            #expect(summary.nextFolder == "2026-11-25T15.30.05Z")
            let changed = summary.tables.filter { $0.rows + $0.deletes > 0 }
                .map { "\($0.name) \($0.rows) \($0.deletes)" }
            #expect(changed == ["dataverse.account 2 0", "dataverse.salesorderdetail 0 1", "fno.custtrans 1 1"])

            let folder = lake.appendingPathComponent("2026-11-24T08.07.18Z")
            #expect(
                try files(folder) == [
                    "account/2026.csv", "custtrans/2026.csv", "model.json", "salesorderdetail/2026.csv",
                ])
            let written = try model(folder)
            #expect(try #require(written.entities.first { $0.name == "msdyn_project" }).partitions.isEmpty)
            #expect(
                try #require(written.entities.first { $0.name == "account" }).partitions.map(\.location) == [
                    "https://tieoutsim.dfs.core.windows.net/dataverse-tieoutsim/2026-11-24T08.07.18Z/account/2026.csv"
                ])
            // Versions continue after the initial folder's 1-7.
            #expect(
                try text(folder.appendingPathComponent("account/2026.csv"))
                    == csv([
                        [
                            a1, secondSink, secondSink, a1, "\"Contoso Ltd\"", "\"C-001\"", nil, "0", "1",
                            "\"2026-11-24T09:52:01.1234560Z\"", "\"2026-11-25T10:00:00.0000000Z\"", "8", nil,
                        ],
                        [
                            a3, secondSink, secondSink, a3, "\"Northwind\"", "\"C-003\"", nil, "0", "1",
                            "\"2026-11-25T11:00:00.0000000Z\"", "\"2026-11-25T11:00:00.0000000Z\"", "9", nil,
                        ],
                    ]))
            // A Dataverse delete: Id, the Sink times, the version and IsDelete; in the partition of the folder's year.
            #expect(
                try text(folder.appendingPathComponent("salesorderdetail/2026.csv"))
                    == csv([[d1, secondSink, secondSink] + Array(repeating: nil, count: 20) + ["10", "True"]]))
            // An F&O delete: only Id and IsDelete.
            let empty = "\"1900-01-01T00:00:00.0000000\""
            #expect(
                try text(folder.appendingPathComponent("custtrans/2026.csv"))
                    == csv([
                        [
                            r1, secondSink, secondSink, "\"usmf\"", "\"C-001\"", "\"INV-001\"", "\"V-001\"",
                            "\"2026-11-24T00:00:00.0000000\"", empty, "1234.5600", "1234.5600", "\"USD\"", nil,
                            "\"Invoice, \"\"A\"\"\"", "\"2026-11-25T00:00:00.0000000\"",
                            "\"2026-11-24T09:52:01.1234560\"",
                            "\"2026-11-25T12:00:00.0000000\"", "11", "5637144576", custtransTableID, "11",
                            "\"2026-11-24T09:52:01.1234560+00:00\"", "\"2026-11-25T12:00:00.0000000+00:00\"", "0", nil,
                        ],
                        [r2] + Array(repeating: nil, count: 23) + ["True"],
                    ]))
            #expect(try text(lake.appendingPathComponent("Changelog/changelog.info")) == "2026-11-25T15.30.05Z")
            #expect(try files(lake.appendingPathComponent("2026-11-25T15.30.05Z")) == ["model.json"])
            // The state: the deleted rows are no longer exported rows; two folders written.
            #expect(try scalar(connection, "SELECT count(*) FROM lake.export_row") == 6)
            #expect(try scalar(connection, "SELECT max(version) FROM lake.export_row") == 11)
            #expect(
                try scalar(
                    connection,
                    "SELECT count(*) FROM lake.export_folder WHERE rows = 3 AND deletes = 2 "
                        + "AND next_folder = '2026-11-25T15.30.05Z'") == 1)
        }
    }

    @Test func noChangesWritesNoFolderAndTheOpenFolderStaysOpen() throws {
        try withLakeDatabase { connection, lake in
            try connection.query("SET TimeZone = 'Pacific/Auckland'")
            _ = try writer(connection).write(to: lake, now: firstWrite)
            let before = try files(lake)
            // Another session time zone changes no row's text.
            try connection.query("SET TimeZone = 'America/New_York'")
            let summary = try writer(connection).write(to: lake, now: secondWrite)
            #expect(summary.folder == nil)
            #expect(summary.nextFolder == "2026-11-24T08.07.18Z")
            #expect(summary.rows == 0 && summary.deletes == 0)
            #expect(try files(lake) == before)
            #expect(try text(lake.appendingPathComponent("Changelog/changelog.info")) == "2026-11-24T08.07.18Z")
            #expect(try scalar(connection, "SELECT count(*) FROM lake.export_folder") == 1)

            // The next change goes into that same open folder.
            try connection.query(
                "UPDATE dataverse.account SET accountnumber = 'C-002b' WHERE accountid = CAST(\(a2) AS uuid)")
            let next = try writer(connection).write(to: lake, now: secondWrite)
            #expect(next.folder == "2026-11-24T08.07.18Z")
            #expect(next.rows == 1)
            #expect(
                try files(lake.appendingPathComponent("2026-11-24T08.07.18Z")) == ["account/2025.csv", "model.json"])
        }
    }

    @Test func optionsetMetadataListsEveryLabel() throws {
        try withLakeDatabase { connection, lake in
            _ = try writer(connection).write(to: lake, now: firstWrite)
            func expected(_ schema: String, _ fields: ([String]) -> [String]) throws -> String {
                let labels = try connection.query(
                    """
                    SELECT table_name, column_name, code::text AS code_text, label FROM load.optionset_label
                     WHERE schema_name = \(schema) ORDER BY table_name, column_name, code
                    """)
                return labels.map { row in
                    fields((0..<4).map { row[$0] ?? "" }).joined(separator: ",") + "\n"
                }.joined()
            }
            let dataverse = try expected("dataverse") {
                [quoted($0[0]), quoted($0[1]), $0[2], "False", "1033", quoted($0[3])]
            }
            let fno = try expected("fno") {
                [quoted($0[1]), $0[2], "False", "1033", quoted($0[3]), quoted($0[1]), quoted($0[0])]
            }
            let metadata = lake.appendingPathComponent("OptionsetMetadata")
            #expect(try text(metadata.appendingPathComponent("OptionsetMetadata.csv")) == dataverse)

            #expect(try text(metadata.appendingPathComponent("GlobalOptionsetMetadata.csv")) == fno)
            // Spot checks of the shapes.
            #expect(dataverse.hasPrefix("\"account\",\"statecode\",0,False,1033,\"Active\"\n"))
            #expect(
                fno.contains(
                    "\"billingmethod\",0,False,1033,\"Time and material\",\"billingmethod\",\"psacontractlineitems\"\n")
            )
        }
    }

    @Test func aYearLargerThanTheLimitIsSplitIntoNumberedFilesInKeyOrder() throws {
        try withLakeDatabase { connection, lake in
            try connection.executeScript(
                """
                INSERT INTO dataverse.account (accountid, name, createdon, modifiedon)
                SELECT ('00000000-0000-0000-0000-0000000001' || lpad(i::text, 2, '0'))::uuid, 'Account ' || i,
                       '2026-06-01 00:00:00+00', '2026-06-01 00:00:00+00'
                  FROM generate_series(1, 3) i;
                """)
            let summary = try writer(connection, maxRowsPerFile: 2).write(to: lake, now: firstWrite)
            let account = try #require(summary.tables.first { $0.name == "dataverse.account" })
            // a1 and the three new accounts in 2026 (a2 is 2025's).
            #expect(account.files == ["2025.csv", "2026_001.csv", "2026_002.csv"])
            let folder = lake.appendingPathComponent("2026-11-24T08.07.17Z/account")
            let ids = try ["2026_001.csv", "2026_002.csv"].map { name in
                try text(folder.appendingPathComponent(name)).split(separator: "\n").map { String($0.prefix(36)) }
            }
            #expect(
                ids == [
                    [a1, "00000000-0000-0000-0000-000000000101"],
                    ["00000000-0000-0000-0000-000000000102", "00000000-0000-0000-0000-000000000103"],
                ])
            let entity = try #require(
                try model(lake.appendingPathComponent("2026-11-24T08.07.17Z")).entities.first { $0.name == "account" })
            #expect(entity.partitions.map(\.name) == ["2025", "2026_001", "2026_002"])
        }
    }

    @Test func theLakeLoaderReadsBackExactlyTheTables() throws {
        try withLakeDatabase { connection, lake in
            _ = try writer(connection).write(to: lake, now: firstWrite)
            try connection.executeScript(
                """
                UPDATE dataverse.account SET name = 'Contoso Ltd' WHERE accountid = '\(a1)';
                DELETE FROM dataverse.salesorderdetail;
                DELETE FROM fno.custtrans WHERE recid = 5637144577;
                UPDATE fno.custtrans SET duedate = '2026-12-24', exchrate = 1.123456789012345678 WHERE recid = 5637144576;
                """)
            _ = try writer(connection).write(to: lake, now: secondWrite)
            let tables = try connection.query(
                """
                SELECT format('%I.%I', n.nspname, c.relname) AS name
                  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname IN ('dataverse', 'fno') AND c.relkind = 'r' ORDER BY 1
                """
            ).map { try $0.decode(0, as: String.self) }
            func contents(_ connection: PostgresConnection) throws -> [String] {
                try tables.flatMap { table in
                    try connection.query(PostgresQuery(unescaped: "SELECT t::text FROM \(table) t ORDER BY 1"))
                        .map { "\(table) \($0[0] ?? "")" }
                }
            }
            let written = try contents(connection)
            #expect(written.count == 5)
            try TestDatabase.withMigratedDatabase { loaded, _ in
                let summary = try LakeLoader(connection: loaded, logger: quietLogger).load(from: lake)
                #expect(summary.loaded.map(\.folder) == ["2026-11-24T08.07.17Z", "2026-11-24T08.07.18Z"])
                #expect(summary.inProgress == "2026-11-25T15.30.05Z")
                #expect(try contents(loaded) == written)
            }
        }
    }

    @Test func badFoldersAreOneLineErrorsAndWriteNothing() throws {
        try withLakeDatabase { connection, lake in
            let parent = lake.deletingLastPathComponent()
            // A file where the folder should be.
            let file = parent.appendingPathComponent("file")
            try Data("x".utf8).write(to: file)
            var error = try #require(throws: LakeError.self) { try writer(connection).write(to: file, now: firstWrite) }
            #expect(error.description == "\(file.path): not a folder")
            error = try #require(throws: LakeError.self) {
                try writer(connection).write(to: file.appendingPathComponent("lake"), now: firstWrite)
            }
            #expect(error.description == "\(file.path)/lake: a part of the path is not a folder")

            // A folder holding another lake.
            let other = parent.appendingPathComponent("other")
            try FileManager.default.createDirectory(
                at: other.appendingPathComponent("2026-01-01T00.00.00Z"), withIntermediateDirectories: true)
            try Data("{}".utf8).write(to: other.appendingPathComponent("2026-01-01T00.00.00Z/model.json"))
            error = try #require(throws: LakeError.self) { try writer(connection).write(to: other, now: firstWrite) }
            #expect(
                error.description
                    == "\(other.path): holds lake folders this database did not write (2026-01-01T00.00.00Z); "
                    + "give an empty or new folder")
            #expect(try scalar(connection, "SELECT count(*) FROM lake.export_folder") == 0)
            #expect(try scalar(connection, "SELECT count(*) FROM lake.export_row") == 0)
            #expect(!FileManager.default.fileExists(atPath: other.appendingPathComponent("Changelog").path))

            // A database that wrote one lake does not write a second one.
            _ = try writer(connection).write(to: lake, now: firstWrite)
            let second = parent.appendingPathComponent("second")
            error = try #require(throws: LakeError.self) { try writer(connection).write(to: second, now: secondWrite) }
            #expect(
                error.description
                    == "\(second.path): does not hold 2026-11-24T08.07.17Z, the last folder this database wrote "
                    + "(lake.export_folder); a database writes one lake, give the folder it wrote")
            #expect(try scalar(connection, "SELECT count(*) FROM lake.export_folder") == 1)
            #expect(!FileManager.default.fileExists(atPath: second.path))
        }
    }

    @Test func interruptedWritesAreRedoneOrFinished() throws {
        try withLakeDatabase { connection, lake in
            // An initial write that died before its commit left its open folder with a partial partition.
            let dead = lake.appendingPathComponent("2026-11-23T00.00.00Z")
            try FileManager.default.createDirectory(
                at: dead.appendingPathComponent("account"), withIntermediateDirectories: true)
            try Data().write(to: dead.appendingPathComponent("model.json"))
            try Data("partial".utf8).write(to: dead.appendingPathComponent("account/2026.csv"))
            try FileManager.default.createDirectory(
                at: lake.appendingPathComponent("Changelog"), withIntermediateDirectories: true)
            try Data(dead.lastPathComponent.utf8).write(to: lake.appendingPathComponent("Changelog/changelog.info"))
            _ = try writer(connection).write(to: lake, now: firstWrite)
            #expect(!FileManager.default.fileExists(atPath: dead.path))
            #expect(try LakeLayout(root: lake).completed.map(\.name) == ["2026-11-24T08.07.17Z"])

            // A write that committed but died before its model.json replaced the empty one and the next folder opened.
            try connection.query(
                "UPDATE dataverse.account SET name = 'Fabrikam AG' WHERE accountid = CAST(\(a2) AS uuid)")
            _ = try writer(connection).write(to: lake, now: secondWrite)
            let folder = lake.appendingPathComponent("2026-11-24T08.07.18Z")
            let complete = try Data(contentsOf: folder.appendingPathComponent("model.json"))
            try FileManager.default.moveItem(
                at: folder.appendingPathComponent("model.json"), to: folder.appendingPathComponent("model.json.tmp"))
            try Data().write(to: folder.appendingPathComponent("model.json"))
            try FileManager.default.removeItem(at: lake.appendingPathComponent("2026-11-25T15.30.05Z"))
            try Data(folder.lastPathComponent.utf8).write(to: lake.appendingPathComponent("Changelog/changelog.info"))
            let summary = try writer(connection).write(to: lake, now: secondWrite.addingTimeInterval(60))
            #expect(summary.folder == nil)
            #expect(try Data(contentsOf: folder.appendingPathComponent("model.json")) == complete)
            #expect(try text(lake.appendingPathComponent("Changelog/changelog.info")) == "2026-11-25T15.30.05Z")
            #expect(try files(lake.appendingPathComponent("2026-11-25T15.30.05Z")) == ["model.json"])
        }
    }
}
