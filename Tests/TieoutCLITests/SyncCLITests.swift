import Foundation
import Testing
import TieoutPostgres
import TieoutTestSupport

/// The sample company and `count` unbilled-sales actuals of 1…count hours.
func insertScenario(_ connection: PostgresConnection, actuals count: Int) throws {
    try SampleProject.insertReferenceData(connection)
    for hours in 1...count { try SampleProject.insertActual(connection, quantity: hours) }
}

@Suite("tieout maps and sync")
struct SyncCommandTests {
    static let maps = packageRoot.appendingPathComponent("maps").path

    @Test func validateAcceptsTheShippedMaps() throws {
        try TestDatabase.withMigratedDatabase { _, name in
            let result = try Tieout.run([
                "maps", "validate", "--db", TestDatabase.conninfo(database: name), "--maps", Self.maps,
            ])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(
                result.stdout
                    == "10 maps valid; apply order: customers, contracts, contract-funding-sources, invoice-proposal-v2, posted-invoices, projects, contract-lines, actuals, actuals-writeback, transaction-connections\n"
            )
        }
    }

    @Test func validateListsEachProblemWithFileAndLineAndSyncRefusesToStart() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        for file in try FileManager.default.contentsOfDirectory(atPath: Self.maps) {
            var text = try String(contentsOfFile: "\(Self.maps)/\(file)", encoding: .utf8)
            if file == "actuals.yaml" {
                text = text.replacingOccurrences(of: "source: msdyn_description}", with: "source: msdyn_descriptio}")
                    .replacingOccurrences(
                        of: "{target: quantity, source: msdyn_quantity}",
                        with: "{target: quantity, source: msdyn_documentdate}"
                    )
                    .replacingOccurrences(
                        of: "192350002: 192350002, 192350003: 192350003}\n  - target: billingstatusid",
                        with: "192350002: 192350002}\n  - target: billingstatusid")
            }
            try text.write(to: folder.appendingPathComponent(file), atomically: true, encoding: .utf8)
        }
        let lines = try String(contentsOfFile: "\(Self.maps)/actuals.yaml", encoding: .utf8).components(
            separatedBy: "\n")
        func line(_ needle: String) -> Int { lines.firstIndex { $0.contains(needle) }! + 1 }
        let file = folder.appendingPathComponent("actuals.yaml").path
        try TestDatabase.withMigratedDatabase { _, name in
            let db = TestDatabase.conninfo(database: name)
            let result = try Tieout.run(["maps", "validate", "--db", db, "--maps", folder.path])
            #expect(result.status == 1)
            #expect(
                result.stdout == """
                    \(file):\(line("target: billingtype")): value map of 'billingtype' has no entry for option-set code(s) 192350003 of dataverse.msdyn_actual.msdyn_billingtype
                    \(file):\(line("target: description")): source dataverse.msdyn_actual has no column 'msdyn_descriptio' (mapped to 'description')
                    \(file):\(line("target: quantity")): type mismatch for 'quantity': column "quantity" is of type numeric but expression is of type date
                    3 problems found

                    """)
            let run = try Tieout.run(["sync", "run", "--db", db, "--maps", folder.path])
            #expect(run.status == 1)
            #expect(run.stdout == "")
            #expect(run.stderr.hasPrefix("tieout: error: invalid table maps (3 problems):\n\(file):"))
        }
    }

    @Test func aKilledProcessLosesNothingAndDuplicatesNothing() throws {
        try TestDatabase.withMigratedDatabase { connection, name in
            let db = TestDatabase.conninfo(database: name)
            // Starting any sync command installs capture; changes made after it are queued.
            #expect(try Tieout.run(["sync", "status", "--db", db, "--maps", Self.maps]).status == 0)
            try insertScenario(connection, actuals: 35)
            let killed = try Tieout.run(
                ["sync", "run", "--db", db, "--maps", Self.maps, "--batch-size", "10"],
                environment: ["TIEOUT_FAILPOINT": "before-commit:7"])
            #expect(killed.killedBySignal)
            #expect(killed.status == SIGKILL)
            // The reference maps took the first batches; the kill came before an actuals batch committed.
            let partial = try connection.query("SELECT count(*) FROM fno.projcdsactualsimport").scalar(Int.self)
            #expect(partial > 0 && partial < 35 && partial % 10 == 0, "\(partial)")
            let rerun = try Tieout.run(["sync", "run", "--db", db, "--maps", Self.maps, "--batch-size", "10"])
            #expect(rerun.status == 0, "\(rerun.stderr)")
            let rest = 35 - partial
            #expect(
                rerun.stdout.contains(
                    "actuals: \(rest) changes in \((rest + 9) / 10) batches, \(rest) written, 0 deleted, 0 failed\n"))
            let counts = try connection.query(
                """
                SELECT count(*) AS rows, count(DISTINCT s.actualid) AS actuals,
                       count(*) FILTER (WHERE s.amount = a.msdyn_amount AND s.quantity = a.msdyn_quantity) AS exact
                  FROM fno.projcdsactualsimport s JOIN dataverse.msdyn_actual a ON a.msdyn_actualid = s.actualid
                """)
            #expect(try counts[0].decode("rows", as: Int.self) == 35)
            #expect(try counts[0].decode("actuals", as: Int.self) == 35)
            #expect(try counts[0].decode("exact", as: Int.self) == 35)
        }
    }

    @Test func statusPauseResumeErrorsRetryAndSkip() throws {
        try TestDatabase.withMigratedDatabase { connection, name in
            let db = TestDatabase.conninfo(database: name)
            let base = ["--db", db, "--maps", Self.maps]
            #expect(
                try Tieout.run(["sync", "pause", "--map", "projects", "--reason", "waiting for numbers"] + base).stdout
                    == "projects: paused\n")
            try insertScenario(connection, actuals: 2)
            let first = try Tieout.run(["sync", "run"] + base)
            #expect(
                first.stdout.contains(
                    "projects: 0 changes in 0 batches, 0 written, 0 deleted, 0 failed (waiting for numbers)\n"))
            #expect(first.stdout.contains("actuals: 2 changes in 1 batches, 0 written, 0 deleted, 2 failed\n"))
            let status = try Tieout.run(["sync", "status"] + base)
            #expect(status.status == 0)
            let projects = status.stdout.components(separatedBy: "\n").first { $0.hasPrefix("projects ") } ?? ""
            #expect(
                projects.split(separator: " ", omittingEmptySubsequences: true).prefix(3) == [
                    "projects", "paused", "1",
                ])
            #expect(status.stdout.contains("\nprojects is paused: waiting for numbers\n"))
            let errors = try Tieout.run(["sync", "errors"] + base)
            // Both actuals and the contract line wait for their project.
            let missing = errors.stdout.components(separatedBy: "\n").filter {
                $0.contains("open SQLSTATE 23503: missing reference: fno.projtable has no row with projid = PRJ-001")
            }
            #expect(missing.filter { $0.contains(" actuals key {") }.count == 2)
            #expect(
                missing.filter { $0.contains(" contract-lines key {00000000-0000-0000-0000-0000000000d1}") }.count == 1)
            #expect(errors.stdout.hasSuffix("3 errors\n"))
            #expect(try Tieout.run(["sync", "retry"] + base).stdout == "0 resolved, 3 still failing\n")
            #expect(try Tieout.run(["sync", "resume", "--map", "projects"] + base).stdout == "projects: resumed\n")
            _ = try Tieout.run(["sync", "run"] + base)
            #expect(try Tieout.run(["sync", "retry"] + base).stdout == "3 resolved, 0 still failing\n")
            #expect(try connection.query("SELECT count(*) FROM fno.projcdsactualsimport").scalar(Int.self) == 2)
            let noSelection = try Tieout.run(["sync", "skip"] + base)
            #expect(noSelection.status == 64)
            #expect(noSelection.stderr == "tieout: error: name the errors to skip with --id, or pass --all\n")
            let unknown = try Tieout.run(["sync", "skip", "--id", "999"] + base)
            #expect(unknown.status == 1)
            #expect(unknown.stderr == "tieout: error: no open sync error with id 999 (see `tieout sync errors`)\n")
        }
    }

    @Test func followStaysLiveUntilTerminated() throws {
        try TestDatabase.withMigratedDatabase { connection, name in
            let process = Process()
            process.executableURL = Tieout.binary
            process.arguments = [
                "sync", "run", "--follow", "--poll-interval", "60", "--db", TestDatabase.conninfo(database: name),
                "--maps", Self.maps,
            ]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Wait until the engine has installed capture, then make a change and see it arrive.
            var installed = false
            for _ in 0..<100 where !installed {
                installed =
                    try connection.query("SELECT count(*) FROM pg_trigger WHERE tgname = 'tieout_capture_insert'")
                    .scalar(Int.self) > 0
                if !installed { Thread.sleep(forTimeInterval: 0.1) }
            }
            #expect(installed)
            Thread.sleep(forTimeInterval: 2)  // let it finish its first drain and LISTEN
            try insertScenario(connection, actuals: 3)
            var staged = 0
            let started = Date()
            while staged < 3 && Date().timeIntervalSince(started) < 20 {
                Thread.sleep(forTimeInterval: 0.1)
                staged = try connection.query("SELECT count(*) FROM fno.projcdsactualsimport").scalar(Int.self)
            }
            #expect(staged == 3, "NOTIFY woke the engine long before its 60 s poll")
            process.terminate()
            process.waitUntilExit()
            #expect(process.terminationReason == .exit)
            #expect(process.terminationStatus == 0)
            let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(output.hasSuffix("stopped\n"))
        }
    }
}
