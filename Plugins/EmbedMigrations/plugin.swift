import Foundation
import PackagePlugin

/// Embeds the package's SQL tree (`sql/migrations/*.sql`, the area folders' `.sql` files and `sql/order`) into the
/// target that uses this plugin.
///
/// The tool reads the folder itself, so it always embeds what is there when it runs. Every folder and file of the
/// tree is declared as an input, so editing, adding or removing one re-runs it on the next build. As a second
/// guard, `MigrationSet.embedded()` compares the embedded copy with the checkout's `sql/` folder when that folder
/// exists, and refuses a stale binary.
@main
struct EmbedMigrations: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
        let sqlDirectory = context.package.directoryURL.appending(path: "sql", directoryHint: .isDirectory)
        let paths = (try? FileManager.default.subpathsOfDirectory(atPath: sqlDirectory.path())) ?? []
        var inputs: [URL] = FileManager.default.fileExists(atPath: sqlDirectory.path()) ? [sqlDirectory] : []
        var fileCount = 0
        for path in paths.sorted() {
            var isDirectory: ObjCBool = false
            let url = sqlDirectory.appending(path: path)
            guard FileManager.default.fileExists(atPath: url.path(), isDirectory: &isDirectory) else { continue }
            // A folder is an input too, so adding or removing a file in it re-runs the command.
            if isDirectory.boolValue {
                inputs.append(url)
            } else if path.hasSuffix(".sql") || path == "order" {
                inputs.append(url)
                fileCount += 1
            }
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(fileCount) files of sql/",
                executable: try context.tool(named: "EmbedSQL").url,
                arguments: [output.path(), sqlDirectory.path()],
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
