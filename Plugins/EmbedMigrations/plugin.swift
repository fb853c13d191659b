import Foundation
import PackagePlugin

/// Embeds the package's `sql/*.sql` migrations into the target that uses this plugin.
///
/// The tool reads the folder itself, so it always embeds what is there when it runs. The folder and
/// every `.sql` file are declared as inputs, so editing, adding or removing one re-runs it on the
/// next build. As a second guard, `MigrationSet.embedded()` compares the embedded copy with the
/// checkout's `sql/` folder when that folder exists, and refuses a stale binary.
@main
struct EmbedMigrations: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
        let sqlDirectory = context.package.directoryURL.appending(path: "sql", directoryHint: .isDirectory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: sqlDirectory.path())) ?? []
        let files = names.filter { $0.hasSuffix(".sql") }.sorted().map {
            sqlDirectory.appending(path: $0, directoryHint: .notDirectory)
        }
        // The folder itself is an input too, so adding or removing a file re-runs the command.
        let folderExists = FileManager.default.fileExists(atPath: sqlDirectory.path())
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) migrations from sql/",
                executable: try context.tool(named: "EmbedSQL").url,
                arguments: [output.path(), sqlDirectory.path()],
                inputFiles: files + (folderExists ? [sqlDirectory] : []),
                outputFiles: [output]
            )
        ]
    }
}
