import Foundation
import Testing
import TieoutPostgres
import TieoutTestSupport

/// `tieout load` runs of one schema take turns (the schema's load lock); neither fails with an internal error.
@Suite("concurrent loads")
struct LoadConcurrencyTests {
    static let fixtures = packageRoot.appendingPathComponent("Tests/TieoutLoadTests/Fixtures/dataverse")
    /// Enough actuals for the bulk path (10,000 rows or more), which drops and re-creates foreign keys and indexes.
    static let actuals = 12_000

    /// The fixtures' parents and `actuals` actuals made from the fixtures' first one, each with its own id.
    static func makeFolder() throws -> URL {
        let folder = try makeTemporaryDirectory()
        for name in ["account.csv", "salesorder.csv", "msdyn_project.csv", "salesorderdetail.csv"] {
            try FileManager.default.copyItem(
                at: fixtures.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let lines = try String(contentsOf: fixtures.appendingPathComponent("msdyn_actual.csv"), encoding: .utf8)
            .components(separatedBy: "\n")
        let template = lines[1]
        let id = "a0000000-0000-4000-8000-000000000001"
        #expect(template.hasPrefix(id))
        var text = lines[0] + "\n"
        for number in 1...actuals {
            let suffix = String(number)
            text +=
                "a0000000-0000-4000-8000-" + String(repeating: "0", count: 12 - suffix.count) + suffix
                + template.dropFirst(id.count) + "\n"
        }
        try Data(text.utf8).write(to: folder.appendingPathComponent("msdyn_actual.csv"))
        return folder
    }

    /// The summary line of msdyn_actual from a load's output.
    static func actualsLine(_ stdout: String) -> String? {
        stdout.components(separatedBy: "\n").first { $0.hasPrefix("dataverse.msdyn_actual ") }
    }

    static func squeezed(_ line: String?) -> String {
        (line ?? "").split(separator: " ").joined(separator: " ")
    }

    /// Without the lock, loads like these deadlock (each holds row locks on parents the other's bulk path must lock
    /// to drop and re-create its foreign keys) or read foreign keys and indexes another load is re-creating.
    @Test func threeLoadsOfTheSameFolderAtOnceAllSucceedOneAfterTheOther() throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try TestDatabase.withMigratedDatabase { connection, name in
            let db = TestDatabase.conninfo(database: name)
            let before = try Self.definitions(connection)
            #expect(before.count >= 8)
            let arguments = ["load", "dataverse", folder.path, "--replace", "--db", db]
            let running = try (1...3).map { _ in try BackgroundTieout(arguments) }
            let results = running.map { $0.finish() }
            for result in results {
                #expect(result.status == 0, "\(result.stderr)")
                // Nothing on stderr but, for a load that had to wait, the line that says so: no internal error, no
                // deadlock and no load run again after one.
                let lines = result.stderr.split(separator: "\n")
                #expect(lines.count <= 1, "\(result.stderr)")
                #expect(
                    lines.allSatisfy {
                        $0.contains(
                            "load: waiting up to 600 s for another tieout load of schema dataverse (server pid ")
                    }, "\(result.stderr)")
            }
            #expect(results.filter { $0.stderr.isEmpty }.count >= 1)
            // One inserted every actual, the others found them all unchanged: the same as loading three times in a row.
            let lines = results.map { Self.squeezed(Self.actualsLine($0.stdout)) }.sorted()
            #expect(
                lines == [
                    "dataverse.msdyn_actual msdyn_actual.csv 12000 0 0 12000 0 owneridname",
                    "dataverse.msdyn_actual msdyn_actual.csv 12000 0 0 12000 0 owneridname",
                    "dataverse.msdyn_actual msdyn_actual.csv 12000 12000 0 0 0 owneridname",
                ])
            #expect(try connection.query("SELECT count(*) FROM dataverse.msdyn_actual").scalar(Int.self) == 12_000)
            // The bulk path put the foreign keys and indexes back as they were.
            #expect(try Self.definitions(connection) == before)
        }
    }

    /// The foreign keys and indexes of dataverse.msdyn_actual, as the catalog defines them.
    static func definitions(_ connection: PostgresConnection) throws -> [String] {
        try connection.query(
            """
            SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
             WHERE conrelid = 'dataverse.msdyn_actual'::regclass AND contype = 'f'
            UNION ALL
            SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'dataverse.msdyn_actual'::regclass
             ORDER BY 1
            """
        ).map { try $0.decode(0, as: String.self) }
    }

    @Test func aLoadWaitsForTheLoadOfItsSchemaOrIsRefusedNamingIt() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["account.csv", "salesorder.csv", "msdyn_project.csv"] {
            try FileManager.default.copyItem(
                at: Self.fixtures.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        try TestDatabase.withMigratedDatabase { connection, name in
            let db = TestDatabase.conninfo(database: name)
            // This session plays the other load: it holds the dataverse schema's load lock.
            let other = try PostgresConnection(configuration: .conninfo(db))
            defer { other.close() }
            try other.query("BEGIN")
            try other.query("SELECT pg_advisory_xact_lock(hashtext('tieout.load'), hashtext('dataverse'))")
            let pid = try other.query("SELECT pg_backend_pid()").scalar(Int.self)

            let refused = try Tieout.run(["load", "dataverse", folder.path, "--wait", "0", "--db", db])
            #expect(refused.status == 1)
            #expect(
                refused.stderr
                    == "tieout: error: another tieout load of schema dataverse (server pid \(pid)) is running; nothing "
                    + "was loaded, try again when it has finished\n")
            #expect(refused.stdout == "")

            let timedOut = try Tieout.run(["load", "dataverse", folder.path, "--wait", "1", "--db", db])
            #expect(timedOut.status == 1)
            #expect(
                timedOut.stderr.hasSuffix(
                    "load: waiting up to 1 s for another tieout load of schema dataverse (server pid \(pid)) to finish\n"
                        + "tieout: error: another tieout load of schema dataverse (server pid \(pid)) still ran after 1 s; "
                        + "nothing was loaded, try again when it has finished\n"))
            #expect(timedOut.stderr.filter { $0 == "\n" }.count == 2)

            // F&O loads do not wait for Dataverse loads.
            let fno = try Tieout.run(
                [
                    "load", "fno", packageRoot.appendingPathComponent("Tests/TieoutLoadTests/Fixtures/fno").path,
                    "--wait", "0", "--db", db,
                ])
            #expect(fno.status == 0, "\(fno.stderr)")

            // With the default wait, a load waits, and goes on when the other ends.
            let waiting = try BackgroundTieout(["load", "dataverse", folder.path, "--db", db])
            var waited = false
            for _ in 0..<300 where !waited {
                waited = waiting.stderr.contains("load: waiting up to 600 s")
                if !waited { Thread.sleep(forTimeInterval: 0.1) }
            }
            #expect(waited)
            #expect(try connection.query("SELECT count(*) FROM dataverse.account").scalar(Int.self) == 0)
            try other.query("COMMIT")
            let result = waiting.finish()
            #expect(result.status == 0, "\(result.stderr)")
            #expect(
                result.stderr.hasSuffix(
                    "load: waiting up to 600 s for another tieout load of schema dataverse (server pid \(pid)) to finish\n"
                ))
            #expect(result.stderr.filter { $0 == "\n" }.count == 1)
            #expect(try connection.query("SELECT count(*) FROM dataverse.account").scalar(Int.self) == 2)
        }
    }
}
