import ArgumentParser
import Foundation
import TieoutLake
import TieoutPostgres

#if canImport(Glibc)
    import Glibc
#endif

/// `tieout lake write DIR`: the simulator's Azure Synapse Link export.
struct LakeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lake",
        abstract: "Azure Synapse Link lake folders (docs/lake.md).",
        subcommands: [Write.self]
    )

    struct Write: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "write",
            abstract: "Write the dataverse and fno tables into a lake folder as Azure Synapse Link does.",
            discussion: """
                The first call writes an initial timestamp folder with every row; each later call writes one \
                incremental folder with the rows changed since the last call (inserts and updates as their new \
                version, deletes as IsDelete rows), or nothing when nothing changed. model.json lists every table; \
                partitions are headerless CSV, one file per year of the rows' creation. Changelog/changelog.info \
                names the next, still empty, folder. What was exported is kept in the database (lake.export_folder, \
                lake.export_row), so a database writes one lake.
                """
        )

        @OptionGroup var connection: ConnectionOptions
        @Argument(
            help: ArgumentHelp("The lake folder (created when missing).", valueName: "dir"), completion: .directory)
        var directory: String
        @Option(
            name: .long,
            help: ArgumentHelp(
                "Split a year of a table's rows into files of at most this many rows (2026_001.csv, …).",
                valueName: "n"))
        var maxRowsPerFile = 5_000_000

        func validate() throws {
            guard maxRowsPerFile > 0 else { throw ValidationError("--max-rows-per-file must be positive") }
        }

        func run() throws {
            try reportingErrors {
                let database = try connection.open("tieout.lake")
                let writer = LakeWriter(
                    connection: database, logger: connection.makeLogger("tieout.lake"),
                    options: .init(maxRowsPerFile: maxRowsPerFile))
                let progress = TerminalProgress()
                defer { progress.clear() }
                let summary = try writer.write(to: URL(fileURLWithPath: directory)) { step in
                    progress.show(
                        "lake write \(step.folder): \(step.rowsWritten)/\(step.rowsTotal) rows "
                            + "(\(step.table) \(step.file))")
                }
                progress.clear()
                guard let folder = summary.folder else {
                    print("nothing changed; \(summary.nextFolder) stays open")
                    return
                }
                var rows = [["folder", "table", "rows", "deletes"]]
                for table in summary.tables where table.rows + table.deletes > 0 {
                    rows.append([folder, table.name, "\(table.rows)", "\(table.deletes)"])
                }
                rows.append([folder, "total", "\(summary.rows)", "\(summary.deletes)"])
                printTable(rows)
                print(
                    "\(summary.isInitial ? "initial" : "incremental") folder \(folder); next folder \(summary.nextFolder)"
                )
            }
        }
    }
}

/// One line of progress on standard error, rewritten in place, when standard error is a terminal; nothing otherwise
/// (a log or a pipe gets only the result).
final class TerminalProgress {
    let enabled = isatty(STDERR_FILENO) == 1
    private var last = ContinuousClock.now
    private var shown = false

    /// Shows `line`, at most ten times a second.
    func show(_ line: String) {
        guard enabled, ContinuousClock.now - last >= .milliseconds(100) || !shown else { return }
        last = ContinuousClock.now
        shown = true
        FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
    }

    /// Removes the line.
    func clear() {
        guard enabled, shown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        shown = false
    }
}
