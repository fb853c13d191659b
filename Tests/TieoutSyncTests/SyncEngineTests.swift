import Foundation
import Logging
import Testing
import TieoutMaps
import TieoutPostgres
import TieoutSync
import TieoutTestSupport

/// Engines, comparisons and counts for the sync tests (the data comes from `SampleProject`).
enum Scenario {
    static var mapsDirectory: URL { packageRoot.appendingPathComponent("maps") }

    static func engine(
        _ databases: SyncDatabases, maps: URL = mapsDirectory,
        configure: (inout SyncEngine.Configuration) -> Void = { _ in }
    ) throws -> SyncEngine {
        var configuration = SyncEngine.Configuration()
        configure(&configuration)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return try SyncEngine(
            maps: MapSet.load(directory: maps), databases: databases, configuration: configuration, logger: logger)
    }

    /// Rows of `map`'s target that differ from the mapped source, both ways (empty when in step);
    /// for update-mode maps, mapped rows missing from the target.
    static func differences(
        _ engine: SyncEngine, map name: String, source: PostgresConnection, target: PostgresConnection
    )
        throws -> [String]
    {
        let map = try engine.map(named: name)
        let columns = map.columns.map { "\"\($0)\"" }.joined(separator: ", ")
        let expected = try source.query(
            "SELECT \(unescaped: columns) FROM (\(fragment: map.mappedSource())) AS m ORDER BY 1, 2")
        let actual = try target.query(
            "SELECT \(unescaped: columns) FROM \(identifier: map.map.target.schema, map.map.target.name) ORDER BY 1, 2")
        let render = { (result: PostgresResult) in
            result.map { row in (0..<result.columns.count).map { row[$0] ?? "NULL" }.joined(separator: "|") }
        }
        let want = render(expected)
        let have = render(actual)
        // An update-mode map owns only the columns it maps, of rows that exist anyway.
        if map.map.mode == .update { return want.filter { !have.contains($0) }.map { "missing: \($0)" } }
        return want.filter { !have.contains($0) }.map { "missing: \($0)" }
            + have.filter { !want.contains($0) }.map { "extra: \($0)" }
    }

    static func count(_ connection: PostgresConnection, _ sql: String) throws -> Int {
        try connection.query(PostgresQuery(unescaped: sql)).scalar(Int.self)
    }
}

struct SimulatedCrash: Error {}

@Suite("sync engine")
struct SyncEngineTests {
    @Test func everyShippedMapEndToEndWithValueMapsDefaultsAndWriteBack() throws {
        try TestDatabase.withMigratedDatabase { connection, _ in
            let engine = try Scenario.engine(SyncDatabases(single: connection))
            try SampleProject.insertReferenceData(connection)
            let reversal = "00000000-0000-0000-0000-00000000f001"
            let actual = try SampleProject.insertActual(connection)
            try SampleProject.insertActual(connection, id: reversal, quantity: -8, skipSync: true)
            try connection.executeScript(
                """
                INSERT INTO dataverse.invoice (invoiceid, invoicenumber, name, salesorderid, customerid, isocurrencycode,
                                               msdyn_projectinvoicestatus, msdyn_invoicedate)
                VALUES ('00000000-0000-0000-0000-0000000000e1', 'INV-001', 'Invoice 1', '\(SampleProject.contract)',
                        '\(SampleProject.customer)', 'USD', 192350000, DATE '2026-11-30'),
                       ('00000000-0000-0000-0000-0000000000e2', 'INV-002', 'Draft', '\(SampleProject.contract)',
                        '\(SampleProject.customer)', 'USD', 192350000, NULL);
                -- INV-001 bills a chargeable detail and is confirmed (a proforma with nothing chargeable is not sent).
                INSERT INTO dataverse.invoicedetail (invoicedetailid, invoiceid, salesorderdetailid, msdyn_billingmethod, isocurrencycode)
                VALUES ('00000000-0000-0000-0000-0000000000e3', '00000000-0000-0000-0000-0000000000e1',
                        '\(SampleProject.line)', 192350000, 'USD');
                INSERT INTO dataverse.msdyn_invoicelinetransaction (msdyn_invoice, msdyn_invoicelineid,
                       msdyn_transactionclassification, msdyn_billingtype, msdyn_quantity, msdyn_price, msdyn_amount,
                       isocurrencycode)
                VALUES ('00000000-0000-0000-0000-0000000000e1', '00000000-0000-0000-0000-0000000000e3', 192350000,
                        192350001, 8, 100.25, 802.00, 'USD');
                UPDATE dataverse.invoice SET msdyn_projectinvoicestatus = 192350002 WHERE invoicenumber = 'INV-001';
                INSERT INTO dataverse.msdyn_transactionconnection (msdyn_transaction1, msdyn_transaction1type,
                                                                   msdyn_transaction2, msdyn_transaction2type)
                VALUES ('\(actual)', 'msdyn_actual', '\(reversal)', 'msdyn_actual');
                """)
            let runs = try engine.drain()
            #expect(runs.allSatisfy { $0.counts.failed == 0 })
            for map in engine.maps.map(\.name) {
                #expect(
                    try Scenario.differences(engine, map: map, source: connection, target: connection) == [], "\(map)")
            }
            // Exact values: keys, lookups, value maps, constants.
            let staged = try connection.query(
                """
                SELECT dataareaid, projectid, contractid, contractline, transtype, billingtype, quantity::text, amount::text,
                       customeraccountnumber
                  FROM fno.projcdsactualsimport
                """)
            #expect(staged.count == 1, "the skip-sync reversal never reaches staging")
            #expect(
                staged.first.map { row in (0..<9).map { row[$0] ?? "NULL" } }
                    == [
                        "usmf", "PRJ-001", "PC-001", SampleProject.line, "192350005", "192350001", "8", "802.00",
                        "C-001",
                    ])
            #expect(
                try Scenario.count(
                    connection, "SELECT count(*) FROM fno.projcdsactualsimport WHERE actualid = '\(reversal)'") == 0)
            #expect(
                try connection.query(
                    "SELECT proposalid, projinvoiceprojid, invoiceaccount, currencyid FROM fno.projproposaljour"
                )
                .map { row in (0..<4).map { row[$0] ?? "NULL" } } == [["INV-001", "PC-001", "C-001", "USD"]])
            #expect(
                try connection.query("SELECT billingmethod FROM fno.psacontractlineitems").scalar(Int.self) == 0,
                "value map 192350000 → 0")

            // Write-back: F&O posts the journal line and stamps the staging row; the map carries it back.
            try connection.query(
                """
                UPDATE fno.projcdsactualsimport SET vouchernumber = 'V-0001', accountingamount = 802.00,
                       exchangerate = 1.0, salestaxamount = 0.00, isjournalized = true
                 WHERE actualid = CAST(\(actual) AS uuid)
                """)
            // Posted invoice export: the invoice gets its posted fields and status Posted.
            try connection.query(
                """
                INSERT INTO fno.projinvoicejour (dataareaid, projinvoiceid, invoicedate, proposalid, projinvoiceprojid,
                                                currencyid, invoiceamount, sumtax)
                VALUES ('usmf', 'PINV-0001', DATE '2026-12-01', 'INV-001', 'PC-001', 'USD', 802.00, 40.10)
                """)
            let second = try engine.drain()
            #expect(second.first { $0.map == "actuals-writeback" }?.counts.written == 1)
            #expect(
                try connection.query(
                    """
                    SELECT msdyn_externalreferenceid, msdyn_amount_base::text, msdyn_isjournalized::text
                      FROM dataverse.msdyn_actual WHERE msdyn_actualid = CAST(\(actual) AS uuid)
                    """
                ).map { row in (0..<3).map { row[$0] ?? "NULL" } } == [["V-0001", "802.00", "true"]])
            #expect(
                try connection.query(
                    """
                    SELECT msdyn_customerinvoicenumber, msdyn_customerinvoicedate::text, msdyn_customerinvoicetaxamount::text,
                           msdyn_projectinvoicestatus::text
                      FROM dataverse.invoice WHERE invoicenumber = 'INV-001'
                    """
                ).map { row in (0..<4).map { row[$0] ?? "NULL" } } == [
                    ["PINV-0001", "2026-12-01", "40.10", "192350004"]
                ])
            // The write-back changed the actual, which the actuals map sees again: it writes nothing.
            let third = try engine.drain()
            #expect(third.map(\.counts.written).reduce(0, +) == 0)
            #expect(third.map(\.counts.failed).reduce(0, +) == 0)
        }
    }

    @Test func aReRunWithNoRealChangeWritesNothing() throws {
        try TestDatabase.withMigratedDatabase { connection, _ in
            let engine = try Scenario.engine(SyncDatabases(single: connection))
            try SampleProject.insertReferenceData(connection)
            for _ in 0..<3 { try SampleProject.insertActual(connection) }
            #expect(try engine.drain(["actuals"]).first?.counts.written == 0, "projects are not synced yet")
            _ = try engine.drain()
            #expect(try engine.retry() == RetryResult(resolved: 3, stillFailing: 0))
            #expect(try Scenario.count(connection, "SELECT count(*) FROM fno.projcdsactualsimport") == 3)
            try connection.query("UPDATE dataverse.msdyn_actual SET msdyn_description = msdyn_description")
            let rerun = try engine.drain(["actuals"]).first
            #expect(rerun?.changes == 3)
            #expect(rerun?.counts == ApplyCounts(written: 0, deleted: 0, failed: 0))
            let modified = try Scenario.count(
                connection, "SELECT count(DISTINCT modifieddatetime) FROM fno.projcdsactualsimport")
            #expect(modified == 1)
        }
    }

    @Test func pauseQueuesChangesAndResumeAppliesThem() throws {
        try TestDatabase.withMigratedDatabase { connection, _ in
            let engine = try Scenario.engine(SyncDatabases(single: connection))
            try SampleProject.insertReferenceData(connection)
            _ = try engine.drain()
            try engine.pause("actuals", reason: "month-end freeze")
            let id = try SampleProject.insertActual(connection)
            let paused = try engine.drain(["actuals"]).first
            #expect(paused?.changes == 0)
            #expect(paused?.pausedReason == "month-end freeze")
            let status = try engine.status().first { $0.map == "actuals" }
            #expect(status?.state == "paused")
            #expect(status?.queued == 1)
            #expect(status?.pauseReason == "month-end freeze")
            #expect(try Scenario.count(connection, "SELECT count(*) FROM fno.projcdsactualsimport") == 0)
            try engine.resume("actuals")
            #expect(try engine.drain(["actuals"]).first?.counts.written == 1)
            #expect(
                try Scenario.count(connection, "SELECT count(*) FROM fno.projcdsactualsimport WHERE actualid = '\(id)'")
                    == 1)
            #expect(try engine.status().first { $0.map == "actuals" }?.queued == 0)
        }
    }

    @Test func aPoisonRowIsIsolatedLaterChangesWaitAndARetryAfterTheFixAppliesIt() throws {
        try TestDatabase.withMigratedDatabase { connection, _ in
            // A project without a project number: its actuals have no F&O project id (NOT NULL in staging).
            try connection.query(
                """
                INSERT INTO dataverse.msdyn_project (msdyn_projectid, msdyn_subject, isocurrencycode)
                VALUES ('00000000-0000-0000-0000-0000000000c2', 'Unnumbered', 'USD')
                """)
            let engine = try Scenario.engine(SyncDatabases(single: connection))
            try SampleProject.insertReferenceData(connection)
            try connection.query("UPDATE dataverse.msdyn_project SET msdyn_subject = msdyn_subject")
            _ = try engine.drain()
            let good = try (0..<5).map { _ in try SampleProject.insertActual(connection) }
            let poison = try SampleProject.insertActual(
                connection, quantity: 3, project: "00000000-0000-0000-0000-0000000000c2")
            let run = try engine.drain(["actuals"]).first
            #expect(run?.counts == ApplyCounts(written: 5, deleted: 0, failed: 1))
            let errors = try engine.errors(["actuals"])
            #expect(errors.count == 1)
            #expect(errors.first?.key == "{\(poison)}")
            #expect(errors.first?.sqlstate == "23502")
            #expect(errors.first?.message.contains("projectid") == true)
            #expect(errors.first?.payload?.contains("\"msdyn_quantity\": 3") == true)
            for id in good {
                #expect(
                    try Scenario.count(
                        connection, "SELECT count(*) FROM fno.projcdsactualsimport WHERE actualid = '\(id)'") == 1)
            }
            // A later change of the poisoned key waits behind its error.
            try connection.query(
                "UPDATE dataverse.msdyn_actual SET msdyn_quantity = 4, msdyn_amount = 401.00 WHERE msdyn_actualid = CAST(\(poison) AS uuid)"
            )
            #expect(try engine.drain(["actuals"]).first?.counts == ApplyCounts())
            #expect(try engine.errors(["actuals"]).first?.heldChanges == 1)
            #expect(try engine.retry(["actuals"]) == RetryResult(resolved: 0, stillFailing: 1))
            // Fix the cause, sync the project, retry: the row applies with its latest values.
            try connection.query(
                "UPDATE dataverse.msdyn_project SET msdyn_projectnumber = 'PRJ-002' WHERE msdyn_projectid = '00000000-0000-0000-0000-0000000000c2'"
            )
            _ = try engine.drain(["projects"])
            #expect(try engine.retry(["actuals"], ids: [errors[0].id]) == RetryResult(resolved: 1, stillFailing: 0))
            #expect(
                try connection.query(
                    "SELECT projectid, quantity::text FROM fno.projcdsactualsimport WHERE actualid = CAST(\(poison) AS uuid)"
                )
                .map { [$0[0] ?? "", $0[1] ?? ""] } == [["PRJ-002", "4"]])
            #expect(try engine.errors(["actuals"]).isEmpty)
            #expect(try engine.errors(["actuals"], all: true).first?.status == "resolved")
        }
    }

    @Test func aMissingValueMapEntryIsAnErrorRowAndTheThresholdPausesTheMap() throws {
        try TestDatabase.withMigratedDatabase { connection, _ in
            let folder = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: folder) }
            for file in try FileManager.default.contentsOfDirectory(atPath: Scenario.mapsDirectory.path) {
                var text = try String(contentsOf: Scenario.mapsDirectory.appendingPathComponent(file), encoding: .utf8)
                if file == "actuals.yaml" {
                    // Drop Time from the classification value map and pause after two failures.
                    text = text.replacingOccurrences(
                        of:
                            "values: {192350000: 192350000, 192350001: 192350001, 192350002: 192350002, 192350003: 192350003, 192350004: 192350004, 690970002: 690970002}",
                        with:
                            "values: {192350001: 192350001, 192350002: 192350002, 192350003: 192350003, 192350004: 192350004, 690970002: 690970002}"
                    )
                    text += "pauseAfter: {errors: 2, within: 1h}\n"
                }
                try text.write(to: folder.appendingPathComponent(file), atomically: true, encoding: .utf8)
            }
            // The validator refuses the incomplete value map, so the engine does not start.
            #expect(throws: InvalidMapsError.self) {
                try Scenario.engine(SyncDatabases(single: connection), maps: folder)
            }
            // Declare the gap deliberately by checking only what the map says: drop the CHECK.
            try connection.query(
                "ALTER TABLE dataverse.msdyn_actual DROP CONSTRAINT msdyn_actual_msdyn_transactionclassification_check")
            let engine = try Scenario.engine(SyncDatabases(single: connection), maps: folder)
            try SampleProject.insertReferenceData(connection)
            _ = try engine.drain()
            for _ in 0..<3 { try SampleProject.insertActual(connection) }
            let run = try engine.drain(["actuals"]).first
            #expect(run?.counts.failed == 3)
            #expect(run?.pausedReason == "paused automatically: 3 failed rows within 1h (threshold 2)")
            let errors = try engine.errors(["actuals"])
            #expect(errors.map(\.sqlstate) == ["22023", "22023", "22023"])
            #expect(errors.first?.message == "transactionclassification: no value-map entry for source value 192350000")
            let status = try engine.status().first { $0.map == "actuals" }
            #expect(status?.state == "paused")
            #expect(status?.pauseReason == "paused automatically: 3 failed rows within 1h (threshold 2)")
            #expect(status?.openErrors == 3)
            #expect(try engine.skip(["actuals"]) == 3)
            #expect(try engine.errors(["actuals"]).isEmpty)
        }
    }

    @Test func aCrashBetweenApplyAndCommitLosesNothingAndAppliesNothingTwice() throws {
        try TestDatabase.withMigratedDatabase { connection, _ in
            let plain = try Scenario.engine(SyncDatabases(single: connection))
            try SampleProject.insertReferenceData(connection)
            _ = try plain.drain()
            for _ in 0..<25 { try SampleProject.insertActual(connection) }
            let crashing = try Scenario.engine(SyncDatabases(single: connection)) { configuration in
                configuration.batchSize = 10
                configuration.failpoint = { point in if point == "before-commit" { throw SimulatedCrash() } }
            }
            #expect(throws: SimulatedCrash.self) { try crashing.drain(["actuals"]) }
            try crashing.unlockAll()
            #expect(try Scenario.count(connection, "SELECT count(*) FROM fno.projcdsactualsimport") == 0)
            #expect(try plain.status().first { $0.map == "actuals" }?.queued == 25)
            let run = try plain.drain(["actuals"]).first
            #expect(run?.counts.written == 25)
            #expect(try Scenario.differences(plain, map: "actuals", source: connection, target: connection) == [])
            #expect(
                try Scenario.count(
                    connection, "SELECT count(*) - count(DISTINCT actualid) FROM fno.projcdsactualsimport") == 0)
        }
    }

    @Test func aChangeThatCommitsAfterAHigherNumberedOneIsNotSkipped() throws {
        try TestDatabase.withMigratedDatabase { connection, name in
            let engine = try Scenario.engine(SyncDatabases(single: connection))
            try SampleProject.insertReferenceData(connection)
            _ = try engine.drain()
            let slow = try PostgresConnection(configuration: .parameters([("dbname", name)]))
            let fast = try PostgresConnection(configuration: .parameters([("dbname", name)]))
            // The slow transaction logs its change first (lower log id) but commits last.
            try slow.query("BEGIN")
            let early = try SampleProject.insertActual(slow)
            let late = try SampleProject.insertActual(fast)
            let visible = try connection.query(
                "SELECT pk[1], id FROM sync.change_log WHERE map = 'actuals' ORDER BY id")
            #expect(
                try visible.map { try $0.decode(0, as: String.self) } == [late], "the uncommitted change is invisible")
            let lateID = try visible[0].decode(1, as: Int64.self)
            #expect(try engine.drain(["actuals"]).first?.counts.written == 1)
            try slow.query("COMMIT")
            let logged = try connection.query("SELECT pk[1], id FROM sync.change_log WHERE map = 'actuals' ORDER BY id")
            #expect(try logged.map { try $0.decode(0, as: String.self) } == [early])
            #expect(try logged[0].decode(1, as: Int64.self) < lateID, "the change that committed last has the lower id")
            #expect(try engine.drain(["actuals"]).first?.counts.written == 1)
            for id in [early, late] {
                #expect(
                    try Scenario.count(
                        connection, "SELECT count(*) FROM fno.projcdsactualsimport WHERE actualid = '\(id)'") == 1)
            }
        }
    }

    @Test func initialSyncCopiesExistingRowsAndResumesAfterACrash() throws {
        try TestDatabase.withMigratedDatabase { connection, _ in
            try SampleProject.insertReferenceData(connection)
            for quantity in 1...25 { try SampleProject.insertActual(connection, quantity: quantity) }
            // Rows that existed before capture was installed are only reachable by the initial sync.
            try connection.query("DELETE FROM sync.change_log")
            let engine = try Scenario.engine(SyncDatabases(single: connection)) { $0.initialBatchSize = 10 }
            for map in ["customers", "contracts", "projects", "contract-lines"] { try engine.initialSync(map) }
            let crashing = try Scenario.engine(SyncDatabases(single: connection)) { configuration in
                configuration.initialBatchSize = 10
                let count = Counter()
                configuration.failpoint = { _ in if count.next() == 2 { throw SimulatedCrash() } }
            }
            #expect(throws: SimulatedCrash.self) { try crashing.initialSync("actuals") }
            try crashing.unlockAll()
            #expect(try Scenario.count(connection, "SELECT count(*) FROM fno.projcdsactualsimport") == 10)
            #expect(try engine.status().first { $0.map == "actuals" }?.initialStatus == "running")
            let done = try engine.initialSync("actuals")
            #expect(done.rows == 25)
            #expect(done.finished)
            #expect(try Scenario.differences(engine, map: "actuals", source: connection, target: connection) == [])
            #expect(try Scenario.count(connection, "SELECT count(*) FROM fno.projcdsactualsimport") == 25)
            #expect(throws: SyncError.self) { try engine.initialSync("actuals") }
            #expect(try engine.initialSync("actuals", restart: true).counts.written == 0, "a restart rewrites nothing")
        }
    }

    @Test func deletesPropagateWhenTheMapSaysSo() throws {
        try TestDatabase.withMigratedDatabase { connection, _ in
            let folder = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: folder) }
            try """
            name: mirror
            version: 1
            source: dataverse.msdyn_transactionconnection
            target: fno.projcdstransactionconnectionimport
            deletes: propagate
            key: [transactionconnectionid]
            fields:
              - {target: dataareaid, default: usmf}
              - {target: transactionconnectionid, source: msdyn_transactionconnectionid}
              - {target: transaction1, source: msdyn_transaction1}
              - {target: transaction1type, source: msdyn_transaction1type}
              - {target: transaction2, source: msdyn_transaction2}
              - {target: transaction2type, source: msdyn_transaction2type}
            """.write(to: folder.appendingPathComponent("mirror.yaml"), atomically: true, encoding: .utf8)
            let engine = try Scenario.engine(SyncDatabases(single: connection), maps: folder)
            try connection.executeScript(
                """
                INSERT INTO dataverse.msdyn_transactionconnection (msdyn_transactionconnectionid, msdyn_transaction1,
                       msdyn_transaction1type, msdyn_transaction2, msdyn_transaction2type)
                SELECT md5('link' || g)::uuid, gen_random_uuid(), 'msdyn_actual', gen_random_uuid(), 'msdyn_actual'
                  FROM generate_series(1, 3) AS g;
                """)
            #expect(try engine.drain().first?.counts == ApplyCounts(written: 3, deleted: 0, failed: 0))
            try connection.query(
                "DELETE FROM dataverse.msdyn_transactionconnection WHERE msdyn_transactionconnectionid = md5('link2')::uuid"
            )
            #expect(try engine.drain().first?.counts == ApplyCounts(written: 0, deleted: 1, failed: 0))
            let mirrored = try connection.query(
                "SELECT transactionconnectionid::text FROM fno.projcdstransactionconnectionimport ORDER BY 1"
            ).map { $0[0] ?? "" }
            let remaining = try connection.query(
                "SELECT md5('link' || g)::uuid::text FROM generate_series(1, 3) g WHERE g <> 2 ORDER BY 1"
            ).map { $0[0] ?? "" }
            #expect(mirrored == remaining)
            #expect(mirrored.count == 2)
        }
    }

    @Test func aSecondEngineOnTheSameMapExitsWithAClearMessage() throws {
        try TestDatabase.withMigratedDatabase { connection, name in
            let first = try Scenario.engine(SyncDatabases(single: connection))
            try first.lock(first.select(["actuals"]))
            let other = try PostgresConnection(configuration: .parameters([("dbname", name)]))
            let second = try Scenario.engine(SyncDatabases(single: other))
            do {
                _ = try second.drain(["actuals"])
                Issue.record("the second engine ran")
            } catch let error as SyncError {
                #expect(
                    error.description.hasPrefix(
                        "map 'actuals' is being synced by another process (server pid \(connection.backendPID))"))
            }
            try first.unlockAll()
            #expect(try second.drain(["actuals"]).first?.changes == 0)
        }
    }

    @Test func twoDatabasesKeepTheSameGuarantees() throws {
        try TestDatabase.withMigratedDatabase { dataverse, _ in
            try TestDatabase.withMigratedDatabase { fno, _ in
                let databases = SyncDatabases(dataverse: dataverse, fno: fno)
                let engine = try Scenario.engine(databases) { $0.batchSize = 4 }
                try SampleProject.insertReferenceData(dataverse)
                _ = try engine.drain()
                let ids = try (0..<10).map { _ in try SampleProject.insertActual(dataverse) }
                try SampleProject.insertActual(dataverse, skipSync: true)
                // A crash before the target commits leaves the target and its checkpoint untouched.
                let crashing = try Scenario.engine(databases) { configuration in
                    configuration.batchSize = 4
                    let count = Counter()
                    configuration.failpoint = { _ in if count.next() == 2 { throw SimulatedCrash() } }
                }
                #expect(throws: SimulatedCrash.self) { try crashing.drain(["actuals"]) }
                try crashing.unlockAll()
                #expect(try Scenario.count(fno, "SELECT count(*) FROM fno.projcdsactualsimport") == 4)
                #expect(try Scenario.count(dataverse, "SELECT count(*) FROM fno.projcdsactualsimport") == 0)
                #expect(try engine.drain(["actuals"]).first?.counts.written == 6)
                #expect(try Scenario.differences(engine, map: "actuals", source: dataverse, target: fno) == [])
                // Write-back crosses the other way: staging in the fno database, actuals in dataverse.
                try fno.query("UPDATE fno.projcdsactualsimport SET vouchernumber = 'V-' || left(actualid::text, 8)")
                #expect(try engine.drain(["actuals-writeback"]).first?.counts.written == 10)
                #expect(
                    try Scenario.count(
                        dataverse,
                        "SELECT count(*) FROM dataverse.msdyn_actual WHERE msdyn_externalreferenceid = 'V-' || left(msdyn_actualid::text, 8)"
                    ) == 10)
                // The write-back touched the actuals, so the actuals map has work again; it writes nothing.
                #expect(try engine.drain().map(\.counts.written).reduce(0, +) == 0)
                #expect(try Scenario.count(dataverse, "SELECT count(*) FROM sync.change_log") == 0)
                #expect(try Scenario.count(fno, "SELECT count(*) FROM sync.change_log") == 0)
                #expect(ids.count == 10)
            }
        }
    }
}

/// A thread-safe counter for failpoints.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
