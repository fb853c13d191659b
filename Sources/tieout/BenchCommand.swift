import ArgumentParser
import Foundation
import Logging
import TieoutBench
import TieoutCluster
import TieoutPostgres

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run benchmarks that print figures against a plain-SQL baseline.",
        subcommands: [SyncBench.self, ReconBench.self, LoadBench.self, LakeBench.self]
    )

    struct SyncBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sync",
            abstract: "Initial and live sync of the actuals map, each against a bare set-based SQL baseline.",
            discussion:
                "Builds its data in a scratch database (dropped afterwards) on the server of --db. Prints one line per benchmark: bench <name> rows=<N> seconds=<S> baseline_seconds=<B> ratio=<S/B> …"
        )

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .long, help: "Actuals to create and copy in the initial sync.") var rows = 1_000_000
        @Option(name: .long, help: "Captured changes to drain in the live benchmark.") var changes = 200_000
        @OptionGroup var maps: MapsOptions
        @Option(name: .long, help: "Name of the scratch database.") var database = "tieout_bench"
        @Flag(name: .long, help: "Keep the scratch database afterwards (for inspection).") var keep = false

        func validate() throws {
            guard rows > 0, changes > 0, changes <= rows else {
                throw ValidationError("--rows and --changes must be positive, with --changes at most --rows")
            }
        }

        func run() throws {
            try reportingErrors {
                let (logger, server, admin) = try benchServer(connection)
                var benchmark = SyncBenchmark(
                    rows: rows, changes: changes, maps: try maps.load(), logger: logger)
                benchmark.keepDatabase = keep
                try benchmark.run(admin: admin, server: server, database: database, report: printResult)
            }
        }
    }

    struct ReconBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "recon",
            abstract: "A full reconciliation run against plain SQL joins that make the same comparisons.",
            discussion:
                "Builds a clean company in a scratch database (dropped afterwards) on the server of --db: tieout seed --scale 1 and a business day every third day of the month, then copies it set-based (keys remapped) to at least 1,000,000 actuals and 100,000 proformas, and checks that it reconciles with zero findings. Runs the baseline and the reconciliation alternately, twice each, and counts the best of each. Prints bench recon rows=<actuals> seconds=<S> baseline_seconds=<B> ratio=<S/B> …; then, five times, touches every actual of 1% of the contracts and times the incremental run that follows: bench recon-incremental … seconds=<best I> baseline_seconds=<S> ratio=<I/S> … median_seconds=<median I> …. The baseline's time per check goes to standard error."
        )

        @OptionGroup var connection: ConnectionOptions
        @Option(
            name: .long,
            help: "Copies of the scenario (1 = as built); default enough for 1,000,000 actuals and 100,000 proformas.")
        var copies: Int?
        @OptionGroup var maps: MapsOptions
        @Option(name: .long, help: "Name of the scratch database.") var database = "tieout_bench_recon"
        @Flag(name: .long, help: "Keep the scratch database afterwards (for inspection).") var keep = false

        func validate() throws {
            if let copies, copies < 1 { throw ValidationError("--copies must be at least 1") }
        }

        func run() throws {
            try reportingErrors {
                let (logger, server, admin) = try benchServer(connection)
                var benchmark = ReconBenchmark(
                    copies: copies, maps: try maps.load(), logger: logger)
                benchmark.keepDatabase = keep
                benchmark.checkTimings = { name, seconds in
                    FileHandle.standardError.write(
                        Data("  baseline \(name) seconds=\(String(format: "%.3f", seconds))\n".utf8))
                }
                try benchmark.run(admin: admin, server: server, database: database, report: printResult)
            }
        }
    }

    struct LoadBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "load",
            abstract: "tieout load of one file of actuals against a bare COPY of the same file.",
            discussion:
                "In a scratch database (dropped afterwards) on the server of --db, with the sync engine's change capture installed from --maps, writes msdyn_actual.csv of --rows actuals in Dataverse's export format (labels, US dates) to a temporary folder, then alternates a bare COPY of the file into a logged table of text columns without indexes and tieout load dataverse of the folder (every row an insert), twice each, and counts the best of each. Then it loads the folder twice more into msdyn_actual stripped to its primary key (no foreign keys, secondary indexes, checks or triggers): the floor. Prints bench load rows=<N> seconds=<S> baseline_seconds=<B> ratio=<S/B> … floor_seconds=<F> floor_ratio=<F/B> …; the time of every step goes to standard error."
        )

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .long, help: "Actuals in the file.") var rows = 1_000_000
        @OptionGroup var maps: MapsOptions
        @Option(name: .long, help: "Name of the scratch database.") var database = "tieout_bench_load"
        @Flag(name: .long, help: "Keep the scratch database and the file afterwards (for inspection).") var keep = false

        func validate() throws {
            guard rows > 0 else { throw ValidationError("--rows must be positive") }
        }

        func run() throws {
            try reportingErrors {
                let (logger, server, admin) = try benchServer(connection)
                var benchmark = LoadBenchmark(rows: rows, maps: try maps.load(), logger: logger)
                benchmark.keepDatabase = keep
                benchmark.stepTimings = printStepTiming
                try benchmark.run(admin: admin, server: server, database: database, report: printResult)
            }
        }
    }
}

extension Bench {
    struct LakeBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lake",
            abstract: "tieout load lake of an initial folder of actuals against a bare COPY of its partition file.",
            discussion:
                "On the server of --db, in scratch databases (dropped afterwards): inserts --rows actuals into a source database and writes its lake folder with tieout lake write; then, twice, in a fresh clone of a migrated database with the sync engine's change capture installed from --maps, a bare COPY of the actuals' partition file into a logged table of text columns without indexes, and tieout load lake of the folder; the best of each counts. Then 1% of the actuals change, the writer writes the next folder and it is loaded (incremental_seconds, incremental_ratio to the initial load). The whole initial load runs once first at a tenth of the size, for the peak memory at two sizes. Prints bench lake rows=<N> seconds=<S> baseline_seconds=<B> ratio=<S/B> … incremental_ratio=<I/S> rss_mb_at_<N/10>=… rss_mb=…; the time of every step goes to standard error."
        )

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .long, help: "Actuals in the initial folder.") var rows = 1_000_000
        @OptionGroup var maps: MapsOptions
        @Option(name: .long, help: "Prefix of the scratch databases' names.") var database = "tieout_bench_lake"
        @Flag(name: .long, help: "Keep the scratch databases and the lake folder afterwards (for inspection).")
        var keep = false

        func validate() throws {
            guard rows > 0 else { throw ValidationError("--rows must be positive") }
        }

        func run() throws {
            try reportingErrors {
                let (logger, server, admin) = try benchServer(connection)
                var benchmark = LakeBenchmark(rows: rows, maps: try maps.load(), logger: logger)
                benchmark.keepDatabase = keep
                benchmark.stepTimings = printStepTiming
                try benchmark.run(admin: admin, server: server, database: database, report: printResult)
            }
        }
    }
}

/// The logger of a benchmark, the server of --db, and a connection to it that creates and drops the scratch database.
private func benchServer(
    _ connection: ConnectionOptions
) throws -> (Logger, ConnectionConfiguration, PostgresConnection) {
    let logger = connection.makeLogger("tieout.bench")
    let server = try ConnectionTarget.resolve(db: connection.db)
    return (logger, server, try PostgresConnection(configuration: server, logger: logger))
}

/// One timed step of a benchmark (round, step, seconds), on standard error, for the human-readable detail.
private func printStepTiming(_ round: Int, _ step: String, _ seconds: Double) {
    FileHandle.standardError.write(Data("  round \(round) \(step) seconds=\(String(format: "%.3f", seconds))\n".utf8))
}

/// A benchmark's result line, unbuffered, so each shows as soon as its benchmark ends.
private func printResult(_ result: BenchmarkResult) {
    FileHandle.standardOutput.write(Data("\(result)\n".utf8))
}
