import ArgumentParser
import Foundation
import TieoutLoad
import TieoutPostgres

#if canImport(Glibc)
    import Glibc
#endif

/// `tieout load dataverse|fno DIR`: load real CSV extracts.
struct LoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load Dataverse or F&O CSV extracts (one file per table, named after it) into their schema.",
        discussion: """
            Headers match the table's columns in any case; extra columns are ignored and listed. Option sets may be \
            codes or English labels; dates ISO 8601 or the exports' formats; amounts exact. Rows are upserted by \
            primary key, so loading the same extract twice changes nothing. The whole load is one transaction: a bad \
            row aborts it with the file, line, column and value, and nothing is written. Changes are captured for \
            the sync like any other write. Two loads of one schema take turns: the second waits up to --wait seconds.
            """,
        subcommands: [Dataverse.self, Finance.self, Lake.self]
    )

    struct Options: ParsableArguments {
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: ArgumentHelp("Folder of CSV files.", valueName: "dir"), completion: .directory)
        var directory: String
        @Flag(name: .long, help: "Reload each table completely: rows whose key is not in its file are deleted.")
        var replace = false
        @Option(
            name: .long,
            help: ArgumentHelp(
                "Only files modified on or after this date or time (incremental extracts; UTC without a zone).",
                valueName: "timestamp"))
        var since: String?
        @Option(
            name: .long,
            help: ArgumentHelp(
                "Seconds to wait for another load of the same schema to finish; 0 refuses at once.",
                valueName: "seconds"))
        var wait = 600

        func run(_ side: Loader.Side) throws {
            try reportingErrors {
                guard wait >= 0 else { throw LoadError("--wait \(wait) is negative; give the seconds to wait, or 0") }
                let connection = try connection.open("tieout.load")
                let since: Date? = try self.since.map { text in
                    do {
                        return try connection.query("SELECT CAST(\(text) AS timestamptz)").scalar(Date.self)
                    } catch {
                        throw LoadError(
                            "--since \(LoadError.quoted(text)) is not a date or timestamp (e.g. 2026-11-20)")
                    }
                }
                let loader = Loader(connection: connection, logger: self.connection.makeLogger("tieout.load"))
                let summaries = try loader.load(
                    side, from: URL(fileURLWithPath: directory),
                    options: .init(replace: replace, since: since, wait: .seconds(wait)))
                guard !summaries.isEmpty else {
                    print("no files to load")
                    return
                }
                var rows = [
                    ["table", "file", "rows", "inserted", "updated", "unchanged", "deleted", "ignored columns"]
                ]
                for summary in summaries {
                    rows.append([
                        summary.table, summary.file, "\(summary.rows)", "\(summary.inserted)", "\(summary.updated)",
                        "\(summary.unchanged)", "\(summary.deleted)",
                        summary.ignoredColumns.isEmpty ? "-" : summary.ignoredColumns.joined(separator: ", "),
                    ])
                }
                printTable(rows)
            }
        }
    }

    struct Dataverse: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dataverse", abstract: "Load Dataverse table exports (logical names as headers).")
        @OptionGroup var options: Options
        func run() throws { try options.run(.dataverse) }
    }

    struct Finance: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fno", abstract: "Load F&O data entity exports (field names as headers).")
        @OptionGroup var options: Options
        func run() throws { try options.run(.fno) }
    }

    struct Lake: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lake",
            abstract: "Load an Azure Synapse Link lake folder (Dataverse and F&O tables, full and incremental).",
            discussion: """
                DIR is a local copy of the Synapse Link container (azcopy sync or rclone sync). Loads the root \
                layout's snapshot when its model.json is new, then every finished timestamp folder not loaded yet, \
                oldest first, each in one transaction; the folder Changelog/changelog.info names is left for the \
                next run. Per key the newest version wins; IsDelete rows delete. A rerun changes nothing. See \
                docs/lake.md.
                """)
        @OptionGroup var connection: ConnectionOptions
        @Argument(
            help: ArgumentHelp("The lake folder (the container's local copy).", valueName: "dir"),
            completion: .directory)
        var directory: String
        @Option(
            name: .long,
            help: ArgumentHelp(
                "Seconds to wait for another load of the schemas to finish; 0 refuses at once.", valueName: "seconds"))
        var wait = 600

        func run() throws {
            try reportingErrors {
                guard wait >= 0 else { throw LoadError("--wait \(wait) is negative; give the seconds to wait, or 0") }
                let connection = try connection.open("tieout.load")
                let loader = LakeLoader(connection: connection, logger: self.connection.makeLogger("tieout.load"))
                let terminal = isatty(STDERR_FILENO) == 1
                let started = ContinuousClock.now
                let summary = try loader.load(
                    from: URL(fileURLWithPath: directory), options: .init(wait: .seconds(wait))
                ) { progress in
                    guard terminal else { return }
                    let elapsed = (ContinuousClock.now - started).components.seconds
                    FileHandle.standardError.write(
                        Data(
                            "\r\u{1B}[K\(progress.folder) \(progress.table): \(progress.step), \(progress.rows) rows (\(elapsed) s)"
                                .utf8))
                }
                if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
                var rows = [
                    [
                        "folder", "table", "files", "rows", "inserted", "updated", "unchanged", "deleted",
                        "superseded", "ignored columns",
                    ]
                ]
                for folder in summary.loaded {
                    for table in folder.tables {
                        rows.append([
                            folder.folder, table.table, "\(table.files)", "\(table.rows)", "\(table.inserted)",
                            "\(table.updated)", "\(table.unchanged)", "\(table.deleted)", "\(table.superseded)",
                            table.ignoredColumns.isEmpty ? "-" : table.ignoredColumns.joined(separator: ", "),
                        ])
                    }
                }
                if summary.loaded.isEmpty {
                    print("no new folders to load (\(summary.alreadyLoaded) loaded before)")
                } else {
                    print("loaded \(summary.loaded.count) folder\(summary.loaded.count == 1 ? "" : "s")")
                    printTable(rows)
                }
                if !summary.skippedEntities.isEmpty {
                    print(
                        "skipped \(summary.skippedEntities.count) entities tieout has no table for: "
                            + summary.skippedEntities.joined(separator: ", "))
                }
                if let inProgress = summary.inProgress {
                    print("left for the next run: \(inProgress) (still being written, Changelog/changelog.info)")
                }
            }
        }
    }
}
