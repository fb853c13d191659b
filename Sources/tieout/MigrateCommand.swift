import ArgumentParser
import Foundation
import TieoutCluster
import TieoutMigrations
import TieoutPostgres

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending schema migrations, or list them with --status.",
        discussion:
            "Each migration runs in its own transaction and is recorded with its SHA-256 checksum in tieout.schema_migration. A second run does nothing. If a migration that was already applied has changed since, nothing is applied and the command fails naming the file."
    )

    @OptionGroup var connection: ConnectionOptions

    @Flag(name: .long, help: "List applied and pending migrations instead of applying them.")
    var status = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Apply the .sql files of this folder instead of the copy of sql/ built into tieout.",
            valueName: "folder"
        ),
        completion: .directory
    )
    var sqlDir: String?

    func run() throws {
        try reportingErrors {
            let logger = connection.makeLogger("tieout.migrate")
            let set =
                try sqlDir.map { try MigrationSet.load(directory: URL(fileURLWithPath: $0)) } ?? MigrationSet.embedded()
            let configuration = try ConnectionTarget.resolve(db: connection.db)
            let conn = try PostgresConnection(configuration: configuration, logger: logger)
            let migrator = Migrator(connection: conn, logger: logger)
            if status {
                let entries = try migrator.status(of: set)
                let width = entries.map(\.name.count).max() ?? 0
                for entry in entries {
                    let state = entry.state.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
                    guard let appliedAt = entry.appliedAt else {
                        print("\(state) \(entry.name)")
                        continue
                    }
                    let name = entry.name.padding(toLength: width, withPad: " ", startingAt: 0)
                    print("\(state) \(name)  \(appliedAt.postgresText)")
                }
                let pending = entries.filter { $0.state == .pending }.count
                let problems = entries.filter { $0.state == .changed || $0.state == .missing }.count
                print(
                    "\(entries.count - pending - problems) applied, \(pending) pending, \(problems) changed or missing")
                if problems > 0 { throw ExitCode(1) }
            } else {
                let applied = try migrator.migrate(set)
                for migration in applied { print("applied \(migration.name)") }
                print(applied.isEmpty ? "database is up to date" : "\(applied.count) migration(s) applied")
            }
        }
    }
}
