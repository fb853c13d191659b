import Foundation
import Synchronization
import Testing
import TieoutPostgres
import TieoutTestSupport

/// Polls `condition` every 50 ms for at most `seconds`; returns whether it became true.
func eventually(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return try condition()
}

/// The live engine under the failures of a real deployment: crashes of its own process under a concurrent
/// writer, deadlocks with application transactions, and a restart of the server.
@Suite("sync engine resilience")
struct SyncResilienceTests {
    static let maps = packageRoot.appendingPathComponent("maps").path

    /// Counts every change-log row ever written per map (rows are deleted once applied, so the log itself
    /// cannot tell), to compare with the changes the engine says it applied.
    static let countCaptures = """
        CREATE TABLE public.test_captured (map text PRIMARY KEY, n bigint NOT NULL);
        CREATE FUNCTION public.test_count_capture() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO public.test_captured VALUES (NEW.map, 1) ON CONFLICT (map) DO UPDATE SET n = test_captured.n + 1;
          RETURN NULL;
        END $$;
        CREATE TRIGGER test_count_capture AFTER INSERT ON sync.change_log
          FOR EACH ROW EXECUTE FUNCTION public.test_count_capture();
        """

    /// Actuals in Dataverse whose staging row in F&O is missing or differs in quantity, amount or description.
    static let actualsOutOfStep = """
        SELECT count(*) FROM dataverse.msdyn_actual a
          LEFT JOIN fno.projcdsactualsimport s ON s.actualid = a.msdyn_actualid
         WHERE s.actualid IS NULL OR s.quantity IS DISTINCT FROM a.msdyn_quantity
            OR s.amount IS DISTINCT FROM a.msdyn_amount OR s.description IS DISTINCT FROM a.msdyn_description
        """

    /// Kills `sync run --follow` with SIGKILL at seeded random moments while another connection keeps
    /// inserting and changing actuals; each restart must start (no "being synced by another process"), and
    /// after a final drain F&O equals Dataverse and every captured change was applied exactly once.
    @Test func killedAtRandomUnderAConcurrentWriterLosesNothingAndAppliesNothingTwice() throws {
        let seed: UInt64 = 20_261_202
        try TestDatabase.withMigratedDatabase { connection, name in
            let db = TestDatabase.conninfo(database: name)
            let base = ["--db", db, "--maps", Self.maps]
            #expect(try Tieout.run(["sync", "status"] + base).status == 0)  // installs capture
            try connection.executeScript(Self.countCaptures)
            // Each write to F&O's staging table takes a while, so that many kills land in the middle of a
            // statement, when the killed engine's session still holds the map's lock.
            try connection.executeScript(
                """
                CREATE FUNCTION public.test_slow_write() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN PERFORM pg_sleep(0.3); RETURN NULL; END $$;
                CREATE TRIGGER test_slow_write AFTER INSERT OR UPDATE ON fno.projcdsactualsimport
                  FOR EACH STATEMENT EXECUTE FUNCTION public.test_slow_write();
                """)
            try SampleProject.insertReferenceData(connection)

            // The writer: 120 short transactions (new actuals, changed quantities and descriptions).
            let writes = 120
            let writerDone = Atomic<Bool>(false)
            let writerError = Mutex<String?>(nil)
            let writer = Thread {
                do {
                    let conn = try PostgresConnection(configuration: .parameters([("dbname", name)]))
                    var random = SeededGenerator(seed: seed)
                    var ids: [String] = []
                    for step in 0..<writes {
                        if ids.isEmpty || Int.random(in: 0..<10, using: &random) < 5 {
                            ids.append(
                                try SampleProject.insertActual(conn, quantity: Int.random(in: 1...40, using: &random)))
                        } else {
                            let id = ids[Int.random(in: 0..<ids.count, using: &random)]
                            let hours = Int.random(in: 1...40, using: &random)
                            try conn.query(
                                """
                                UPDATE dataverse.msdyn_actual
                                   SET msdyn_quantity = \(hours), msdyn_amount = \(hours) * 100.25,
                                       msdyn_description = \("change \(step)")
                                 WHERE msdyn_actualid = CAST(\(id) AS uuid)
                                """)
                        }
                        Thread.sleep(forTimeInterval: Double(Int.random(in: 5...40, using: &random)) / 1000)
                    }
                } catch {
                    writerError.withLock { $0 = "\(error)" }
                }
                writerDone.store(true, ordering: .sequentiallyConsistent)
            }
            writer.start()

            // The engine: started, killed at a random moment, started again, at least 6 times and until the
            // writer is done.
            var random = SeededGenerator(seed: seed ^ 0xFFFF)
            var kills = 0
            while kills < 6 || !writerDone.load(ordering: .sequentiallyConsistent) {
                let engine = try BackgroundTieout(
                    ["sync", "run", "--follow", "--poll-interval", "1", "--batch-size", "7"] + base)
                Thread.sleep(forTimeInterval: Double(Int.random(in: 150...1200, using: &random)) / 1000)
                #expect(engine.process.isRunning, "seed \(seed), restart \(kills): \(engine.stderr)")
                guard engine.process.isRunning else { break }
                engine.stop(SIGKILL)
                kills += 1
                #expect(kills < 60, "seed \(seed): the writer never finished")
                if kills >= 60 { break }
            }
            #expect(writerError.withLock { $0 } == nil, "seed \(seed)")

            let drain = try Tieout.run(["sync", "run"] + base)
            #expect(drain.status == 0, "seed \(seed): \(drain.stderr)")
            #expect(try connection.query(PostgresQuery(unescaped: Self.actualsOutOfStep)).scalar(Int.self) == 0)
            let written = try connection.query("SELECT count(*) FROM dataverse.msdyn_actual").scalar(Int.self)
            #expect(try connection.query("SELECT count(*) FROM fno.projcdsactualsimport").scalar(Int.self) == written)
            // Every change-log row was consumed exactly once: none left, none counted twice.
            let ledger = try connection.query(
                """
                SELECT m.map, m.applied_changes, coalesce(c.n, 0) AS captured,
                       (SELECT count(*) FROM sync.change_log l WHERE l.map = m.map) AS queued
                  FROM sync.map_state m LEFT JOIN public.test_captured c USING (map)
                 WHERE m.map = 'actuals'
                """)
            #expect(try ledger[0].decode("queued", as: Int.self) == 0)
            #expect(try ledger[0].decode("captured", as: Int.self) >= writes)
            #expect(
                try ledger[0].decode("applied_changes", as: Int.self) == ledger[0].decode("captured", as: Int.self),
                "seed \(seed)")
        }
    }

    /// An application transaction and a sync batch deadlock; the server aborts the batch. The engine rolls it
    /// back, logs it and tries again, and the run ends normally.
    @Test func aBatchThatLosesADeadlockIsRetried() throws {
        try TestDatabase.withMigratedDatabase { connection, name in
            let db = TestDatabase.conninfo(database: name)
            let base = ["--db", db, "--maps", Self.maps]
            #expect(try Tieout.run(["sync", "status"] + base).status == 0)
            try insertScenario(connection, actuals: 2)
            #expect(try Tieout.run(["sync", "run"] + base).status == 0)
            let first = try connection.query(
                "SELECT msdyn_actualid::text FROM dataverse.msdyn_actual ORDER BY msdyn_quantity LIMIT 1"
            ).scalar(String.self)
            try connection.query("UPDATE dataverse.msdyn_actual SET msdyn_quantity = msdyn_quantity + 10")

            // The batch writes both staging rows and is held open before it records its progress in the map's
            // state row. The application takes that state row, then wants a staging row the batch holds: a
            // deadlock. The application's deadlock_timeout is longer, so the server picks the batch as the victim.
            let engine = try BackgroundTieout(
                ["sync", "run", "--map", "actuals"] + base,
                environment: ["TIEOUT_FAILPOINT": "before-commit:1:sleep=3000"])
            let probe = try PostgresConnection(configuration: .parameters([("dbname", name)]))
            var probed = ""
            let held = try eventually(seconds: 30) {
                do {
                    try probe.withTransaction { conn in
                        probed = try conn.query(
                            "SELECT quantity::text FROM fno.projcdsactualsimport WHERE actualid = CAST(\(first) AS uuid) FOR UPDATE NOWAIT"
                        ).map { $0[0] ?? "" }.joined()
                    }
                    return false
                } catch let error as PostgresError where error.code == .lockNotAvailable {
                    return true
                }
            }
            #expect(held, "the batch never locked the staging row (\(probed)): \(engine.stdout) \(engine.stderr)")
            let application = Thread {
                do {
                    let conn = try PostgresConnection(configuration: .parameters([("dbname", name)]))
                    try conn.withTransaction { conn in
                        try conn.query("SET LOCAL deadlock_timeout = '20s'")
                        try conn.query(
                            "UPDATE sync.map_state SET last_applied_at = last_applied_at WHERE map = 'actuals'")
                        try conn.query(
                            """
                            UPDATE fno.projcdsactualsimport SET description = description
                             WHERE actualid = CAST(\(first) AS uuid)
                            """)
                    }
                } catch {
                    Issue.record("the application transaction failed: \(error)")
                }
            }
            application.start()

            #expect(engine.wait(seconds: 60))
            #expect(engine.process.terminationStatus == 0, "\(engine.stderr)")
            #expect(engine.stdout == "actuals: 2 changes in 1 batches, 2 written, 0 deleted, 0 failed\n")
            #expect(engine.stderr.contains("batch rolled back after a conflict; trying again"), "\(engine.stderr)")
            #expect(engine.stderr.contains("40P01"), "\(engine.stderr)")
            #expect(try connection.query(PostgresQuery(unescaped: Self.actualsOutOfStep)).scalar(Int.self) == 0)
        }
    }

    /// The server of a live engine restarts (fast shutdown, then start): the engine logs the loss, reconnects
    /// with backoff and syncs what changed after the restart; SIGTERM still stops it cleanly.
    @Test func followRidesOutAServerRestart() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let start = try Tieout.run(["db", "start", "--throwaway"], in: folder)
        #expect(start.status == 0, "\(start.stderr)")
        defer { _ = try? Tieout.run(["db", "stop"], in: folder) }
        let status = try Tieout.run(["db", "status", "--shell"], in: folder)
        var environment: [String: String] = [:]
        for line in status.stdout.split(separator: "\n") {
            // export NAME='value'
            let assignment = line.dropFirst("export ".count)
            guard let equals = assignment.firstIndex(of: "=") else { continue }
            environment[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
                .trimmingCharacters(in: CharacterSet(charactersIn: "'"))
        }
        let maps = ["--maps", Self.maps]
        #expect(try Tieout.run(["migrate"], pgEnvironment: environment).status == 0)
        let parameters = [
            ("host", environment["PGHOST"] ?? ""), ("port", environment["PGPORT"] ?? ""),
            ("user", environment["PGUSER"] ?? ""), ("dbname", environment["PGDATABASE"] ?? ""),
        ]
        func staged() throws -> Int {
            let connection = try PostgresConnection(configuration: .parameters(parameters))
            return try connection.query("SELECT count(*) FROM fno.projcdsactualsimport").scalar(Int.self)
        }

        // Capture first (any sync command installs it), then the company and three actuals, queued for the engine.
        let db = parameters.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        #expect(try Tieout.run(["sync", "status", "--db", db] + maps).status == 0)
        do {
            let connection = try PostgresConnection(configuration: .parameters(parameters))
            try insertScenario(connection, actuals: 3)
        }
        let engine = try BackgroundTieout(
            ["sync", "run", "--follow", "--poll-interval", "1", "--db", db, "--log-level", "notice"] + maps)
        #expect(try eventually(seconds: 30) { try staged() == 3 })

        let stop = try Tieout.run(["db", "stop"], in: folder)
        #expect(stop.status == 0, "\(stop.stderr)")
        Thread.sleep(forTimeInterval: 1.5)  // the engine tries and fails to reconnect meanwhile
        let restart = try Tieout.run(["db", "start"], in: folder)
        #expect(restart.status == 0, "\(restart.stderr)")
        #expect(engine.process.isRunning, "the engine ended when the server went away: \(engine.stderr)")

        do {
            let connection = try PostgresConnection(configuration: .parameters(parameters))
            for hours in 11...13 { _ = try SampleProject.insertActual(connection, quantity: hours) }
        }
        #expect(try eventually(seconds: 60) { try staged() == 6 }, "\(engine.stderr)")
        engine.stop(SIGTERM)
        #expect(engine.process.terminationReason == .exit)
        #expect(engine.process.terminationStatus == 0, "\(engine.stderr)")
        #expect(engine.stdout.hasSuffix("stopped\n"))
        let log = engine.stderr
        #expect(log.contains("lost the database connection; reconnecting"), "\(log)")
        #expect(log.contains("reconnect failed; trying again"), "\(log)")
        #expect(log.contains("reconnected"), "\(log)")
        #expect(!log.contains("rollback then failed"), "\(log)")
    }
}
