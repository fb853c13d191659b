import ArgumentParser
import Foundation
import TieoutBench
import TieoutCluster
import TieoutPostgres

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run benchmarks that print figures against a plain-SQL baseline.",
        subcommands: [SyncBench.self]
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
        @Option(name: .long, help: ArgumentHelp("Folder of the table maps.", valueName: "folder")) var maps = "maps"
        @Option(name: .long, help: "Name of the scratch database.") var database = "tieout_bench"
        @Flag(name: .long, help: "Keep the scratch database afterwards (for inspection).") var keep = false

        func validate() throws {
            guard rows > 0, changes > 0, changes <= rows else {
                throw ValidationError("--rows and --changes must be positive, with --changes at most --rows")
            }
        }

        func run() throws {
            try reportingErrors {
                let logger = connection.makeLogger("tieout.bench")
                let server = try ConnectionTarget.resolve(db: connection.db)
                let admin = try PostgresConnection(configuration: server, logger: logger)
                var benchmark = SyncBenchmark(
                    rows: rows, changes: changes, mapsDirectory: URL(fileURLWithPath: maps), logger: logger)
                benchmark.keepDatabase = keep
                try benchmark.run(admin: admin, server: server, database: database) { result in
                    // Unbuffered, so each line shows as soon as its benchmark ends.
                    FileHandle.standardOutput.write(Data("\(result)\n".utf8))
                }
            }
        }
    }
}
