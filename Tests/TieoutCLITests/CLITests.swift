import Foundation
import Testing
import TieoutPostgres
import TieoutTestSupport

/// Runs the built `tieout` binary end to end and checks its output and exit code.
struct Tieout {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// True when a signal ended the process (then `status` is the signal number).
        var killedBySignal = false
    }

    static var binary: URL {
        if let override = ProcessInfo.processInfo.environment["TIEOUT_BIN"] { return URL(fileURLWithPath: override) }
        return packageRoot.appendingPathComponent(".build/debug/tieout")
    }

    /// Runs `tieout arguments…` in `directory`. `environment` replaces the PG* variables: pass
    /// `[:]` to run with none, as on a machine where only the private cluster exists.
    static func run(
        _ arguments: [String], in directory: URL? = nil, pgEnvironment: [String: String]? = nil,
        environment extra: [String: String] = [:]
    ) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if let pgEnvironment {
            var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
            environment.merge(pgEnvironment) { $1 }
            process.environment = environment
        }
        if !extra.isEmpty {
            process.environment = (process.environment ?? ProcessInfo.processInfo.environment).merging(extra) { $1 }
        }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self),
            killedBySignal: process.terminationReason == .uncaughtSignal
        )
    }
}

@Suite("tieout migrate")
struct MigrateCommandTests {
    @Test func runningTwiceTheSecondRunIsANoOp() throws {
        try TestDatabase.withFreshDatabase { name, _ in
            let db = TestDatabase.conninfo(database: name)
            let first = try Tieout.run(["migrate", "--db", db])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(
                first.stdout.hasPrefix("applied 0001_schemas.sql\napplied 0002_dataverse.sql\napplied 0003_fno.sql\n"))
            let second = try Tieout.run(["migrate", "--db", db])
            #expect(second.status == 0)
            #expect(second.stdout == "database is up to date\n")
            #expect(second.stderr == "")
            let status = try Tieout.run(["migrate", "--status", "--db", db])
            #expect(status.status == 0)
            #expect(
                status.stdout.split(separator: "\n").first?.hasPrefix("applied  0001_schemas.sql                   20")
                    == true)
            #expect(status.stdout.hasSuffix("0 pending, 0 changed or missing\n"))
        }
    }

    @Test func anEditedAppliedFileFailsNamingTheFile() throws {
        try withMigratedCopyOfTheSQLTree { db, folder in

            let edited = folder.appendingPathComponent("migrations/0002_dataverse.sql")
            let text = try String(contentsOf: edited, encoding: .utf8)
            try (text + "\nCOMMENT ON SCHEMA dataverse IS 'edited';\n").write(
                to: edited, atomically: true, encoding: .utf8)
            let pending = "CREATE TABLE fno.added_later (id int);"
            try pending.write(
                to: folder.appendingPathComponent("migrations/0099_later.sql"), atomically: true, encoding: .utf8)

            let result = try Tieout.run(["migrate", "--sql-dir", folder.path, "--db", db])
            #expect(result.status == 1)
            #expect(result.stdout == "")
            #expect(
                result.stderr.hasPrefix(
                    "tieout: error: \(folder.path)/migrations/0002_dataverse.sql has changed since it was applied"))
            #expect(result.stderr.split(separator: "\n").count == 1)

            let status = try Tieout.run(["migrate", "--status", "--sql-dir", folder.path, "--db", db])
            #expect(status.status == 1)
            #expect(status.stdout.contains("changed  0002_dataverse.sql"))
            #expect(status.stdout.contains("pending  0099_later.sql"))
            let conn = try PostgresConnection(configuration: .conninfo(db))
            #expect(try conn.query("SELECT to_regclass('fno.added_later') IS NULL").scalar(Bool.self))
        }
    }

    @Test func aChangedFunctionFileIsTheOnlyFileAppliedAgain() throws {
        try withMigratedCopyOfTheSQLTree { db, folder in

            let file = folder.appendingPathComponent("dataverse/helpers.sql")
            let text = try String(contentsOf: file, encoding: .utf8)
            try text.replacingOccurrences(
                of: "lpad(p_number::text, p_width, '0')", with: "lpad(p_number::text, p_width, '#')"
            )
            .write(to: file, atomically: true, encoding: .utf8)
            let status = try Tieout.run(["migrate", "--status", "--sql-dir", folder.path, "--db", db])
            #expect(status.status == 0)
            #expect(status.stdout.contains("changed  dataverse/helpers.sql"))
            #expect(status.stdout.hasSuffix(" applied, 1 pending, 0 changed or missing\n"))

            let result = try Tieout.run(["migrate", "--sql-dir", folder.path, "--db", db])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(
                result.stdout == "applied dataverse/helpers.sql\n0 migration(s) and 1 definition file(s) applied\n")
            let conn = try PostgresConnection(configuration: .conninfo(db))
            #expect(try conn.query("SELECT process.dv_number('INV-', 42, 6)").scalar(String.self) == "INV-####42")

            try "SELECT 1 FROM nowhere;".write(
                to: folder.appendingPathComponent("fno/guards.sql"), atomically: true, encoding: .utf8)
            try (text + "\n").write(to: file, atomically: true, encoding: .utf8)
            let failed = try Tieout.run(["migrate", "--sql-dir", folder.path, "--db", db])
            #expect(failed.status == 1)
            #expect(
                failed.stderr.hasPrefix(
                    "tieout: error: \(folder.path)/fno/guards.sql failed, and the whole migrate was rolled back: relation \"nowhere\" does not exist"
                ))
            #expect(try conn.query("SELECT process.dv_number('INV-', 42, 6)").scalar(String.self) == "INV-####42")
        }
    }

    /// A fresh database migrated with `tieout migrate --sql-dir` from a copy of the package's `sql/` tree;
    /// `body` gets its conninfo and the copy's folder.
    func withMigratedCopyOfTheSQLTree(_ body: (_ db: String, _ folder: URL) throws -> Void) throws {
        try TestDatabase.withFreshDatabase { name, _ in
            let db = TestDatabase.conninfo(database: name)
            let folder = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: folder) }
            let source = packageRoot.appendingPathComponent("sql")
            for item in try FileManager.default.contentsOfDirectory(atPath: source.path) {
                try FileManager.default.copyItem(
                    at: source.appendingPathComponent(item), to: folder.appendingPathComponent(item))
            }
            #expect(try Tieout.run(["migrate", "--sql-dir", folder.path, "--db", db]).status == 0)
            try body(db, folder)
        }
    }
}

@Suite("connection errors")
struct ConnectionErrorTests {
    func expectOneLineError(_ arguments: [String], naming target: String) throws {
        let result = try Tieout.run(arguments)
        #expect(result.status == 1)
        #expect(result.stdout == "")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("tieout: error: cannot connect to \(target)"), "\(result.stderr)")
        #expect(!result.stderr.contains("Sup3rS3cret"))
        #expect(!result.stderr.contains("Fatal error"))
        #expect(!result.stderr.contains("Stack dump"))
    }

    @Test func wrongDatabase() throws {
        let db = TestDatabase.conninfo(database: "no_such_database") + " password=Sup3rS3cret"
        try expectOneLineError(["migrate", "--db", db], naming: "database \"no_such_database\"")
    }

    @Test func wrongPort() throws {
        try expectOneLineError(
            ["migrate", "--db", "postgresql://tieout:Sup3rS3cret@127.0.0.1:1/tieout?connect_timeout=5"],
            naming: "database \"tieout\" on 127.0.0.1:1 as user \"tieout\""
        )
    }

    @Test func wrongHost() throws {
        try expectOneLineError(
            [
                "migrate", "--status", "--db",
                "host=/nonexistent/socket/dir port=5432 dbname=tieout password=Sup3rS3cret",
            ],
            naming: "database \"tieout\" on /nonexistent/socket/dir:5432"
        )
    }

    @Test func malformedConninfo() throws {
        let result = try Tieout.run(["migrate", "--db", "host=x password=Sup3rS3cret garbage"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("tieout: error: invalid connection string: "))
        #expect(!result.stderr.contains("Sup3rS3cret"))
    }

    @Test func noDatabaseConfiguredAndNoPrivateCluster() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try Tieout.run(["migrate"], in: folder, pgEnvironment: [:])
        #expect(result.status == 1)
        #expect(
            result.stderr
                == "tieout: error: no database configured: run `tieout db start` to create a private cluster here, or set PG* variables, or pass --db\n"
        )
    }
}

@Suite("tieout db: the private cluster")
struct PrivateClusterTests {
    @Test func startStatusStopKeepsDataAcrossRestarts() throws {
        let folder = try makeTemporaryDirectory()
        defer {
            _ = try? Tieout.run(["db", "stop"], in: folder, pgEnvironment: [:])
            try? FileManager.default.removeItem(at: folder)
        }
        let before = try Tieout.run(["db", "status"], in: folder, pgEnvironment: [:])
        #expect(before.status == 3)
        #expect(before.stdout.hasPrefix("state: not created"))

        let start = try Tieout.run(["db", "start", "--throwaway"], in: folder, pgEnvironment: [:])
        #expect(start.status == 0, "\(start.stderr)")
        #expect(start.stdout.hasPrefix("created and started the private PostgreSQL in \(folder.path)/.tieout\n"))
        let again = try Tieout.run(["db", "start"], in: folder, pgEnvironment: [:])
        #expect(again.stdout.hasPrefix("the private PostgreSQL in \(folder.path)/.tieout is already running"))

        let status = try Tieout.run(["db", "status"], in: folder, pgEnvironment: [:])
        #expect(status.status == 0)
        #expect(status.stdout.hasPrefix("state: running (pid "))
        let socket = "\(folder.path)/.tieout/run"
        #expect(status.stdout.contains("conninfo: host=\(socket) port=5432 user=tieout dbname=tieout\n"))
        #expect(status.stdout.contains("PGHOST=\(socket)\nPGPORT=5432\nPGUSER=tieout\nPGDATABASE=tieout\n"))
        let shell = try Tieout.run(["db", "status", "--shell"], in: folder, pgEnvironment: [:])
        #expect(
            shell.stdout
                == "export PGHOST='\(socket)'\nexport PGPORT='5432'\nexport PGUSER='tieout'\nexport PGDATABASE='tieout'\n"
        )

        // With no PG* variables and no --db, commands use the private cluster.
        let migrate = try Tieout.run(["migrate"], in: folder, pgEnvironment: [:])
        #expect(migrate.status == 0, "\(migrate.stderr)")
        let sqlFiles = try FileManager.default.subpathsOfDirectory(
            atPath: packageRoot.appendingPathComponent("sql").path
        )
        .filter { $0.hasSuffix(".sql") }
        let migrations = sqlFiles.filter { $0.hasPrefix("migrations/") }.count
        #expect(
            migrate.stdout.hasSuffix(
                "\(migrations) migration(s) and \(sqlFiles.count - migrations) definition file(s) applied\n"))

        // It accepts no TCP connections: only the private socket.
        let conn = try PostgresConnection(
            configuration: .conninfo("host=\(socket) port=5432 user=tieout dbname=tieout"))
        #expect(try conn.query("SHOW listen_addresses").scalar(String.self) == "")
        try conn.query("CREATE TABLE public.kept (note text)")
        try conn.query("INSERT INTO public.kept VALUES (\("survives restarts"))")
        conn.close()

        let stop = try Tieout.run(["db", "stop"], in: folder, pgEnvironment: [:])
        #expect(stop.stdout == "stopped the private PostgreSQL\n")
        let stopped = try Tieout.run(["db", "status"], in: folder, pgEnvironment: [:])
        #expect(stopped.status == 3)
        #expect(stopped.stdout.hasPrefix("state: stopped\n"))
        let refused = try Tieout.run(["migrate", "--status"], in: folder, pgEnvironment: [:])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("is stopped: run `tieout db start`"))

        let restart = try Tieout.run(["db", "start"], in: folder, pgEnvironment: [:])
        #expect(restart.stdout.hasPrefix("started the private PostgreSQL in "))
        let reopened = try PostgresConnection(
            configuration: .conninfo("host=\(socket) port=5432 user=tieout dbname=tieout"))
        #expect(try reopened.query("SELECT note FROM public.kept").scalar(String.self) == "survives restarts")
        let upToDate = try Tieout.run(["migrate"], in: folder, pgEnvironment: [:])
        #expect(upToDate.stdout == "database is up to date\n")
        reopened.close()

        // db reset: only with --yes, then the database is empty and migrates from the start.
        let unconfirmed = try Tieout.run(["db", "reset"], in: folder, pgEnvironment: [:])
        #expect(unconfirmed.status == 64)
        #expect(
            unconfirmed.stderr.hasPrefix(
                "tieout: error: tieout db reset drops the tieout database with all its data; add --yes to go ahead"))
        let reset = try Tieout.run(["db", "reset", "--yes"], in: folder, pgEnvironment: [:])
        #expect(reset.status == 0, "\(reset.stderr)")
        #expect(reset.stdout == "the tieout database of \(folder.path)/.tieout is empty now; run `tieout migrate`\n")
        let emptied = try PostgresConnection(
            configuration: .conninfo("host=\(socket) port=5432 user=tieout dbname=tieout"))
        #expect(try emptied.query("SELECT to_regclass('public.kept') IS NULL").scalar(Bool.self))
        let pending = try Tieout.run(["migrate", "--status"], in: folder, pgEnvironment: [:])
        #expect(pending.stdout.hasSuffix("0 applied, \(sqlFiles.count) pending, 0 changed or missing\n"))
    }

    @Test func badOptionsAreOneLineUsageErrors() throws {
        let result = try Tieout.run(["migrate", "--log-level", "loud", "--db", "x"])
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("tieout: error: unknown log level 'loud'"))
    }
}
