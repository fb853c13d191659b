import ArgumentParser
import Foundation
import Logging
import Synchronization
import TieoutCluster
import TieoutMaps
import TieoutPostgres
import TieoutSync

/// Where the maps are and which databases hold the two schemas.
struct SyncOptions: ParsableArguments {
    @OptionGroup var connection: ConnectionOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Database (conninfo) of the dataverse schema when it is not the --db one.", valueName: "conninfo"))
    var dataverseDB: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Database (conninfo) of the fno schema when it is not the --db one.", valueName: "conninfo"))
    var fnoDB: String?

    @OptionGroup var maps: MapsOptions

    func loadMaps() throws -> MapSet { try maps.load() }

    /// One connection for both schemas, or one per schema when --dataverse-db or --fno-db is given.
    func openDatabases(logger: Logger) throws -> SyncDatabases {
        guard dataverseDB != nil || fnoDB != nil else {
            return SyncDatabases(
                single: try PostgresConnection(
                    configuration: ConnectionTarget.resolve(db: connection.db), logger: logger))
        }
        let dataverse =
            try dataverseDB.map { ConnectionConfiguration.conninfo($0) }
            ?? ConnectionTarget.resolve(db: connection.db)
        let fno = try fnoDB.map { ConnectionConfiguration.conninfo($0) } ?? ConnectionTarget.resolve(db: connection.db)
        return SyncDatabases(
            dataverse: try PostgresConnection(configuration: dataverse, logger: logger),
            fno: try PostgresConnection(configuration: fno, logger: logger))
    }

    func makeEngine(_ label: String, configure: (inout SyncEngine.Configuration) -> Void = { _ in }) throws
        -> SyncEngine
    {
        let logger = connection.makeLogger(label)
        let set = try loadMaps()
        var configuration = SyncEngine.Configuration()
        configuration.failpoint = Failpoint.fromEnvironment()
        configure(&configuration)
        return try SyncEngine(
            maps: set, databases: try openDatabases(logger: logger), configuration: configuration, logger: logger)
    }
}

struct Maps: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with the table maps in maps/.",
        subcommands: [Validate.self]
    )

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every table map against the live catalog and list each problem as file:line.",
            discussion:
                "Checks that tables and columns exist, types are compatible, the key is mapped, NOT NULL columns are covered, no column is mapped twice, filters and expressions parse, and value maps cover the option sets. Exit code 1 when a map is invalid."
        )

        @OptionGroup var options: SyncOptions

        func run() throws {
            try reportingErrors {
                let logger = options.connection.makeLogger("tieout.maps")
                let set: MapSet
                do {
                    set = try options.loadMaps()
                } catch let error as InvalidMapsError {
                    report(error.problems)
                    throw ExitCode(1)
                }
                let databases = try options.openDatabases(logger: logger)
                do {
                    let compiled = try MapValidator(connections: databases.bySchema).compile(set)
                    print("\(compiled.count) maps valid; apply order: \(compiled.map(\.name).joined(separator: ", "))")
                } catch let error as InvalidMapsError {
                    report(error.problems)
                    throw ExitCode(1)
                }
            }
        }

        func report(_ problems: [MapProblem]) {
            for problem in problems { print(problem) }
            print("\(problems.count) problem\(problems.count == 1 ? "" : "s") found")
        }
    }
}

struct Sync: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the dual-write sync engine between the dataverse and fno schemas.",
        subcommands: [Run.self, Initial.self, Status.self, Pause.self, Resume.self, Errors.self, Retry.self, Skip.self]
    )

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply every queued change, then exit (or stay live with --follow).")

        @OptionGroup var options: SyncOptions
        @Option(name: .long, help: "Only this map (repeatable); default all, in apply order.") var map: [String] = []
        @Flag(name: .long, help: "Stay live: wake on NOTIFY from the capture triggers, poll as a fallback.")
        var follow = false
        @Option(name: .long, help: "Change-log rows per batch.") var batchSize = 5_000
        @Option(name: .long, help: "Seconds between polls in --follow mode.") var pollInterval = 1
        @Flag(name: .long, help: "Wait for another engine that holds a map for as long as it takes.") var wait = false
        @Option(name: .long, help: "Seconds to wait for another engine that holds a map before failing.")
        var lockWait = 30
        @Option(name: .long, help: "Tries of a batch that loses a deadlock or serialization conflict.")
        var conflictAttempts = 5
        @Option(
            name: .long,
            help: "With --follow: seconds to keep reconnecting after the database connection is lost before giving up.")
        var reconnectFor = 300

        func validate() throws {
            guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
            guard pollInterval > 0 else { throw ValidationError("--poll-interval must be positive") }
            guard lockWait >= 0 else { throw ValidationError("--lock-wait must be 0 or more seconds") }
            guard conflictAttempts > 0 else { throw ValidationError("--conflict-attempts must be positive") }
            guard reconnectFor >= 0 else { throw ValidationError("--reconnect-for must be 0 or more seconds") }
        }

        func run() throws {
            try reportingErrors {
                let engine = try options.makeEngine("tieout.sync") {
                    $0.batchSize = batchSize
                    $0.pollInterval = .seconds(pollInterval)
                    $0.lockWait = wait ? nil : .seconds(lockWait)
                    $0.conflictAttempts = conflictAttempts
                    $0.reconnectFor = .seconds(reconnectFor)
                }
                if follow {
                    StopSignal.install()
                    try engine.follow(map, shouldStop: StopSignal.requested) { runs in
                        for run in runs where run.changes > 0 { print(Self.describe(run)) }
                    }
                    print("stopped")
                } else {
                    for run in try engine.drain(map) { print(Self.describe(run)) }
                }
            }
        }

        static func describe(_ run: SyncEngine.MapRun) -> String {
            var line =
                "\(run.map): \(run.changes) changes in \(run.batches) batches, \(run.counts.written) written, \(run.counts.deleted) deleted, \(run.counts.failed) failed"
            if let reason = run.pausedReason { line += " (\(reason))" }
            return line
        }
    }

    struct Initial: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the rows that already exist in a map's source; resumes after an interruption.")

        @OptionGroup var options: SyncOptions
        @Option(name: .long, help: "The map to copy.") var map: String
        @Flag(name: .long, help: "Start again from the first row even if a copy finished or is half done.")
        var restart = false
        @Option(name: .long, help: "Source rows per batch.") var batchSize = 50_000

        func validate() throws {
            guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        }

        func run() throws {
            try reportingErrors {
                let engine = try options.makeEngine("tieout.sync") { $0.initialBatchSize = batchSize }
                let started = ContinuousClock.now
                let result = try engine.initialSync(map, restart: restart) { progress in
                    let seconds =
                        Double((ContinuousClock.now - started).components.attoseconds) / 1e18
                        + Double((ContinuousClock.now - started).components.seconds)
                    FileHandle.standardError.write(
                        Data(
                            "initial \(progress.map): \(progress.rows) rows read, \(progress.counts.written) written (\(seconds > 0 ? Int(Double(progress.counts.written) / seconds) : 0) rows/s)\n"
                                .utf8))
                }
                print(
                    "\(result.map): initial sync done, \(result.rows) rows read, \(result.counts.written) written, \(result.counts.failed) failed"
                )
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show each map's state, queued changes, lag, last applied batch and open errors.")

        @OptionGroup var options: SyncOptions

        func run() throws {
            try reportingErrors {
                let engine = try options.makeEngine("tieout.sync")
                let rows = try engine.status()
                let header = ["MAP", "STATE", "QUEUED", "LAG", "LAST APPLIED", "ERRORS", "INITIAL"]
                var table = [header]
                for status in rows {
                    table.append([
                        status.map, status.state, String(status.queued),
                        status.lagMilliseconds.map { Self.lag($0) } ?? "-",
                        status.lastAppliedAt.map { Self.timestamp($0) } ?? "never", String(status.openErrors),
                        status.initialStatus == "none" ? "-" : "\(status.initialStatus) (\(status.initialRows) rows)",
                    ])
                }
                printTable(table)
                for status in rows where status.paused {
                    print("\(status.map) is paused: \(status.pauseReason ?? "no reason given")")
                }
            }
        }

        static func lag(_ milliseconds: Int64) -> String {
            milliseconds < 1000
                ? "\(milliseconds)ms" : milliseconds < 120_000 ? "\(milliseconds / 1000)s" : "\(milliseconds / 60_000)m"
        }

        static func timestamp(_ date: Date) -> String {
            let formatter = ISO8601DateFormatter()
            return formatter.string(from: date)
        }
    }

    struct Pause: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pause a map: its changes queue until it is resumed.")

        @OptionGroup var options: SyncOptions
        @Option(name: .long, help: "The map to pause.") var map: String
        @Option(name: .long, help: "Why (shown by status).") var reason: String?

        func run() throws {
            try reportingErrors {
                try options.makeEngine("tieout.sync").pause(map, reason: reason)
                print("\(map): paused")
            }
        }
    }

    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resume a paused map.")

        @OptionGroup var options: SyncOptions
        @Option(name: .long, help: "The map to resume.") var map: String

        func run() throws {
            try reportingErrors {
                try options.makeEngine("tieout.sync").resume(map)
                print("\(map): resumed")
            }
        }
    }

    struct Errors: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List rows that failed to sync.")

        @OptionGroup var options: SyncOptions
        @Option(name: .long, help: "Only this map (repeatable).") var map: [String] = []
        @Flag(name: .long, help: "Include resolved and skipped errors.") var all = false

        func run() throws {
            try reportingErrors {
                let records = try options.makeEngine("tieout.sync").errors(map, all: all)
                for record in records {
                    var line =
                        "#\(record.id) \(record.map) key \(record.key) \(record.status) SQLSTATE \(record.sqlstate): \(record.message)"
                    if let detail = record.detail { line += " (\(detail))" }
                    line += " [attempts \(record.attempts), held changes \(record.heldChanges)]"
                    print(line)
                }
                print("\(records.count) error\(records.count == 1 ? "" : "s")")
            }
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply failed rows again with their current source values (after fixing the cause).")

        @OptionGroup var options: SyncOptions
        @Option(name: .long, help: "Only this map (repeatable).") var map: [String] = []
        @Option(name: .long, help: "Only this error id (repeatable).") var id: [Int64] = []

        func run() throws {
            try reportingErrors {
                let result = try options.makeEngine("tieout.sync").retry(map, ids: id)
                print("\(result.resolved) resolved, \(result.stillFailing) still failing")
            }
        }
    }

    struct Skip: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give up on failed rows; changes that waited behind them are queued again.")

        @OptionGroup var options: SyncOptions
        @Option(name: .long, help: "Only this map (repeatable).") var map: [String] = []
        @Option(name: .long, help: "This error id (repeatable).") var id: [Int64] = []
        @Flag(name: .long, help: "Skip every open error of the selected maps.") var all = false

        func validate() throws {
            guard all || !id.isEmpty else { throw ValidationError("name the errors to skip with --id, or pass --all") }
        }

        func run() throws {
            try reportingErrors {
                let skipped = try options.makeEngine("tieout.sync").skip(map, ids: id)
                print("\(skipped) skipped")
            }
        }
    }
}

/// SIGINT/SIGTERM ask `--follow` to stop after the current batch.
enum StopSignal {
    static let flag = Atomic<Bool>(false)

    static func install() {
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber) { _ in StopSignal.flag.store(true, ordering: .relaxed) }
            sigaddset(&unblock, signalNumber)
        }
        // A parent may have started us with these signals blocked (Foundation's Process does when
        // its own threads block them); a service must still stop on SIGTERM.
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }

    static func requested() -> Bool { flag.load(ordering: .relaxed) }
}

/// `TIEOUT_FAILPOINT=before-commit:N` kills the process with SIGKILL the N-th time the engine
/// reaches that point: a real crash between applying a batch and committing it, for tests.
/// `TIEOUT_FAILPOINT=before-commit:N:sleep=MS` instead holds the N-th batch open (its rows locked) for MS
/// milliseconds, so a test can make another transaction collide with it.
enum Failpoint {
    static let hits = Atomic<Int>(0)

    static func fromEnvironment() -> (@Sendable (String) throws -> Void)? {
        guard let spec = ProcessInfo.processInfo.environment["TIEOUT_FAILPOINT"] else { return nil }
        let parts = spec.split(separator: ":")
        let point = String(parts[0])
        let after = parts.count > 1 ? Int(parts[1]) ?? 1 : 1
        let sleep = parts.count > 2 && parts[2].hasPrefix("sleep=") ? Int(parts[2].dropFirst(6)) : nil
        return { name in
            guard name == point else { return }
            let (count, hit) = hits.add(1, ordering: .relaxed)
            if let sleep {
                if hit == after { Thread.sleep(forTimeInterval: Double(sleep) / 1000) }
            } else if count >= after {
                kill(getpid(), SIGKILL)
            }
        }
    }
}
