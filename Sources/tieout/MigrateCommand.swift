import ArgumentParser
import Foundation
import TieoutCluster
import TieoutMigrations
import TieoutPostgres

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending migrations and changed definition files, or list them with --status.",
        discussion:
            "sql/migrations/ holds the tables (applied once, in version order, never edited afterwards); the area folders of sql/ hold the functions, views and triggers, applied again whenever a file changes, in the order of sql/order. One run applies the pending migrations and then the new or changed definition files in one transaction, and records each file with its SHA-256 checksum (tieout.schema_migration, tieout.schema_definition). A second run does nothing. If a file fails, or a migration that was already applied has changed since, nothing is applied and the command fails naming the file."
    )

    @OptionGroup var connection: ConnectionOptions

    @Flag(name: .long, help: "List applied and pending migrations instead of applying them.")
    var status = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Apply the SQL tree of this folder (laid out like sql/) instead of the copy of sql/ built into tieout.",
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
                let applied = entries.filter { $0.state == .applied }.count
                let pending = entries.filter(\.isPending).count
                let problems = entries.filter(\.isProblem).count
                print("\(applied) applied, \(pending) pending, \(problems) changed or missing")
                if problems > 0 { throw ExitCode(1) }
            } else {
                let applied = try migrator.migrate(set)
                for migration in applied.migrations { print("applied \(migration.name)") }
                for definition in applied.definitions { print("applied \(definition.path)") }
                if applied.isEmpty {
                    print("database is up to date")
                } else {
                    print(
                        "\(applied.migrations.count) migration(s) and \(applied.definitions.count) definition file(s) applied"
                    )
                }
            }
        }
    }
}
