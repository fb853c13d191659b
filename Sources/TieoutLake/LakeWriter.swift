public import Foundation
public import Logging
public import TieoutPostgres

/// The simulator's lake writer (`tieout lake write DIR`): exports the `dataverse` and `fno` tables of a database as
/// Azure Synapse Link for Dataverse does (docs/lake.md, "Writing").
///
/// The first call writes an initial timestamp folder with every row; each later call fills the folder the previous
/// call left open with the rows that changed since (new and updated rows as their new version, `IsDelete` rows for
/// rows gone), or leaves it open when nothing changed. What was exported is kept in `lake.export_row` and
/// `lake.export_folder`, updated in the same REPEATABLE READ transaction that reads the rows, so the files and the
/// state agree. Change detection, value formatting and partitioning are SQL; each partition file is a
/// `COPY (SELECT …) TO STDOUT` streamed into the file, in constant memory.
public struct LakeWriter {
    public struct Options: Sendable {
        /// A year of rows larger than this is split into `2026_001.csv`, `2026_002.csv`, …
        public var maxRowsPerFile: Int
        /// The storage account and container the partition `location` URLs name.
        public var account: String
        public var container: String

        public init(
            maxRowsPerFile: Int = 5_000_000, account: String = "tieoutsim", container: String = "dataverse-tieoutsim"
        ) {
            self.maxRowsPerFile = maxRowsPerFile
            self.account = account
            self.container = container
        }
    }

    /// Where a write is: reported after every 100,000 rows and at the end of every file.
    public struct Progress: Sendable, Equatable {
        /// The folder being written.
        public var folder: String
        /// The table (`dataverse.msdyn_actual`) and partition file (`2026.csv`) being written.
        public var table: String
        public var file: String
        /// Rows (deletes included) written to the folder so far, and in all.
        public var rowsWritten: Int
        public var rowsTotal: Int
    }

    let connection: PostgresConnection
    let logger: Logger
    public var options: Options

    public init(connection: PostgresConnection, logger: Logger, options: Options = Options()) {
        self.connection = connection
        self.logger = logger
        self.options = options
    }

    /// Writes the next folder of the lake in `directory` (created when missing) and returns what it wrote. `now` is
    /// the write time: the initial folder's name, the `SinkCreatedOn`/`SinkModifiedOn` of every row and the name of
    /// the next, still empty, folder (at least a second after the folder written).
    ///
    /// A problem with the folder (a file in its place, not writable, a lake this database did not write) is a
    /// one-line ``LakeError`` naming the path; nothing is then written to the database.
    public func write(to directory: URL, now: Date = Date(), progress: (Progress) -> Void = { _ in }) throws
        -> WriteSummary
    {
        guard options.maxRowsPerFile > 0 else {
            throw LakeError("the maximum rows per file must be positive, not \(options.maxRowsPerFile)")
        }
        let root = directory.standardizedFileURL
        let created = try LakeFiles.kind(of: root) == .missing
        try LakeFiles.makeFolder(root)
        do {
            return try write(root: root, now: now, progress: progress)
        } catch {
            // A folder this call created and then refused (another database's lake, say) is not left behind.
            if created { LakeFiles.removeIfEmpty(root) }
            throw error
        }
    }

    private func write(root: URL, now: Date, progress: (Progress) -> Void) throws -> WriteSummary {
        try LakeFiles.checkWritable(root)

        // One writer per database: two would fill the same folder.
        let locked = try connection.query("SELECT pg_try_advisory_lock(hashtext('tieout.lake'), hashtext('write'))")
            .scalar(Bool.self)
        guard locked else {
            let holder = try connection.advisoryLockHolder(namespace: "tieout.lake", key: "write")
            throw LakeError(
                "another tieout lake write is running on this database\(holder.map { " (server pid \($0))" } ?? "")"
                    + "; try again when it has finished")
        }
        defer { _ = try? connection.query("SELECT pg_advisory_unlock(hashtext('tieout.lake'), hashtext('write'))") }

        let result: Export = try connection.withTransaction(isolation: .repeatableRead) { _ in
            try export(root: root, now: now, progress: progress)
        }
        // Committed: the folder is complete. Its model.json replaces the empty one, then the next folder opens.
        if let folder = result.summary.folder {
            try Self.finish(root: root, folder: folder, next: result.summary.nextFolder)
        }
        return result.summary
    }

    // MARK: - The export

    struct Export {
        var summary: WriteSummary
    }

    private func export(root: URL, now: Date, progress: (Progress) -> Void) throws -> Export {
        // A row's text (its hash) and every formatted value must not depend on the session's settings.
        try connection.executeScript(
            "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; "
                + "SET LOCAL extra_float_digits = 1; SET LOCAL bytea_output = 'hex'")
        let last = try connection.query(
            "SELECT folder, next_folder FROM lake.export_folder ORDER BY folder DESC LIMIT 1"
        ).first
        let target: FolderName
        let isInitial = last == nil
        if let last {
            let folder: String = try last.decode("folder")
            let next: String = try last.decode("next_folder")
            guard try LakeFiles.kind(of: root.appendingPathComponent(folder)) == .folder else {
                throw LakeError(
                    "\(root.path): does not hold \(folder), the last folder this database wrote (lake.export_folder); "
                        + "a database writes one lake, give the folder it wrote")
            }
            // A write interrupted after its commit: finish it before going on.
            try Self.finish(root: root, folder: folder, next: next)
            guard let name = FolderName(next) else {
                throw LakeError("lake.export_folder: \(next) is not a folder name (YYYY-MM-DDTHH.MM.SSZ)")
            }
            target = name
        } else {
            try Self.checkEmptyLake(root)
            target = FolderName(time: now)
        }

        let tables = try readTables()
        let folderYear = Self.year(of: target.time)
        try connection.query(
            """
            CREATE TEMP TABLE lake_change (
                table_name text    NOT NULL,
                row_key    text    NOT NULL,
                row_hash   text,
                version    bigint  NOT NULL,
                is_delete  boolean NOT NULL,
                year       integer NOT NULL,
                position   bigint  NOT NULL,
                PRIMARY KEY (table_name, year, position)
            ) ON COMMIT DROP
            """)
        for table in tables {
            try connection.query(changesQuery(table, folderYear: folderYear))
        }
        var counts: [String: [(year: Int, rows: Int, deletes: Int)]] = [:]
        var total = 0
        for row in try connection.query(
            """
            SELECT table_name, year, count(*) AS rows, count(*) FILTER (WHERE is_delete) AS deletes
              FROM pg_temp.lake_change GROUP BY table_name, year ORDER BY table_name, year
            """)
        {
            let table: String = try row.decode("table_name")
            let rows: Int = try row.decode("rows")
            counts[table, default: []].append((try row.decode("year"), rows, try row.decode("deletes")))
            total += rows
        }
        if !isInitial && total == 0 {
            // Synapse Link writes a folder only for an interval with changes: the open folder stays open.
            logger.info("lake write: nothing changed; \(target.name) stays open")
            return Export(
                summary: WriteSummary(
                    folder: nil, isInitial: false, nextFolder: target.name,
                    tables: tables.map { WriteSummary.Table(name: $0.qualified, rows: 0, deletes: 0, files: []) }))
        }

        let next = FolderName(time: max(now, target.time.addingTimeInterval(1)))
        let folderURL = root.appendingPathComponent(target.name)
        try prepare(folderURL, root: root, isInitial: isInitial)

        let sink = try connection.quoteLiteral(Self.sinkTime(now))
        var entities: [LakeModel.Entity] = []
        var tableSummaries: [WriteSummary.Table] = []
        let counter = RowCounter(total: total)
        for table in tables {
            let columns = try layout(table, sink: sink)
            var partitions: [LakeModel.Partition] = []
            var summary = WriteSummary.Table(name: table.qualified, rows: 0, deletes: 0, files: [])
            let tableFolder = folderURL.appendingPathComponent(table.name)
            let years = counts[table.qualified] ?? []
            if !years.isEmpty { try LakeFiles.makeFolder(tableFolder) }
            for year in years {
                summary.rows += year.rows - year.deletes
                summary.deletes += year.deletes
                for file in Self.files(year: year.year, rows: year.rows, maximum: options.maxRowsPerFile) {
                    let url = tableFolder.appendingPathComponent("\(file.name).csv")
                    try copy(table, columns: columns, year: year.year, positions: file.positions, to: url) {
                        counter.rowsWritten += 1
                        if counter.rowsWritten % 100_000 == 0 {
                            progress(
                                Progress(
                                    folder: target.name, table: table.qualified, file: "\(file.name).csv",
                                    rowsWritten: counter.rowsWritten, rowsTotal: total))
                        }
                    }
                    progress(
                        Progress(
                            folder: target.name, table: table.qualified, file: "\(file.name).csv",
                            rowsWritten: counter.rowsWritten, rowsTotal: total))
                    partitions.append(
                        LakeModel.Partition(
                            name: file.name,
                            location: "https://\(options.account).dfs.core.windows.net/\(options.container)/"
                                + "\(target.name)/\(table.name)/\(file.name).csv"))
                    summary.files.append("\(file.name).csv")
                }
            }
            entities.append(
                LakeModel.Entity(name: table.name, attributes: columns.map(\.attribute), partitions: partitions))
            tableSummaries.append(summary)
        }
        if isInitial { try writeOptionsetMetadata(root: root) }

        // The model is complete but stays under a temporary name until the state has committed (finish).
        let model = LakeModel(modifiedTime: Self.isoTime(now), entities: entities)
        try LakeFiles.write(try model.encoded(), to: folderURL.appendingPathComponent(Self.pendingModel))

        let rows = tableSummaries.reduce(0) { $0 + $1.rows }
        let deletes = tableSummaries.reduce(0) { $0 + $1.deletes }
        try connection.query(
            """
            INSERT INTO lake.export_row (table_name, row_key, row_hash, version)
            SELECT table_name, row_key, row_hash, version FROM pg_temp.lake_change WHERE NOT is_delete
            ON CONFLICT (table_name, row_key) DO UPDATE SET row_hash = EXCLUDED.row_hash, version = EXCLUDED.version
            """)
        try connection.query(
            """
            DELETE FROM lake.export_row e USING pg_temp.lake_change c
             WHERE c.is_delete AND e.table_name = c.table_name AND e.row_key = c.row_key
            """)
        try connection.query(
            """
            INSERT INTO lake.export_folder (folder, written_at, rows, deletes, next_folder)
            VALUES (\(target.name), \(now), \(rows), \(deletes), \(next.name))
            """)
        logger.info("lake write: \(target.name) holds \(rows) rows and \(deletes) deletes; next folder \(next.name)")
        return Export(
            summary: WriteSummary(
                folder: target.name, isInitial: isInitial, nextFolder: next.name, tables: tableSummaries))
    }

    /// Counts the rows streamed into the folder's files.
    final class RowCounter {
        let total: Int
        var rowsWritten = 0
        init(total: Int) { self.total = total }
    }

    /// The file names of one year of a table's changes, with the positions (1-based, in key order) each holds.
    static func files(year: Int, rows: Int, maximum: Int) -> [(name: String, positions: ClosedRange<Int>)] {
        guard rows > maximum else { return [("\(year)", 1...rows)] }
        let count = (rows + maximum - 1) / maximum
        return (0..<count).map { index in
            let number = String(index + 1)
            let padded = String(repeating: "0", count: max(0, 3 - number.count)) + number
            return ("\(year)_\(padded)", (index * maximum + 1)...min(rows, (index + 1) * maximum))
        }
    }

    /// Streams one partition file: the rows of `table` at `positions` of `year` in pg_temp.lake_change.
    private func copy(
        _ table: ExportTable, columns: [OutputColumn], year: Int, positions: ClosedRange<Int>, to url: URL,
        eachRow: () -> Void
    ) throws {
        let keyType = table.side == .dataverse ? "uuid" : "bigint"
        let select = columns.enumerated().map { "\($0.element.expression) AS f\($0.offset + 1)" }
            .joined(separator: ",\n       ")
        let quoted = columns.enumerated().filter(\.element.quoted).map { "f\($0.offset + 1)" }
        let forceQuote = quoted.isEmpty ? "" : ", FORCE_QUOTE (\(quoted.joined(separator: ", ")))"
        let statement = """
            COPY (SELECT \(select)
                    FROM pg_temp.lake_change c
                    LEFT JOIN \(try qualified(table)) t
                           ON NOT c.is_delete AND t.\(try connection.quoteIdentifier(table.key)) = c.row_key::\(keyType)
                   WHERE c.table_name = \(try connection.quoteLiteral(table.qualified)) AND c.year = \(year)
                     AND c.position BETWEEN \(positions.lowerBound) AND \(positions.upperBound)
                   ORDER BY c.position)
              TO STDOUT (FORMAT csv\(forceQuote), ENCODING 'UTF8')
            """
        let file = try FileSink(creating: url)
        try connection.copyOut(PostgresQuery(unescaped: statement)) { chunk in
            try file.write(chunk)
            eachRow()
        }
        try file.close()
    }

    /// Inserts into pg_temp.lake_change the rows of `table` whose text changed since the last export (or that are
    /// new) and the exported rows that are gone (deletes, in the folder's year), each with the next
    /// `lake.export_version` value, numbered in key order within their year.
    private func changesQuery(_ table: ExportTable, folderYear: Int) throws -> PostgresQuery {
        let keyType = table.side == .dataverse ? "uuid" : "bigint"
        let key = try connection.quoteIdentifier(table.key)
        let yearColumn = table.side == .dataverse ? "createdon" : "createddatetime"
        var year = "NULL::integer"
        if let column = table.columns.first(where: { $0.name == yearColumn }) {
            let reference = "t.\(try connection.quoteIdentifier(column.name))"
            switch column.kind {
            case .dateTime(zoned: true): year = "extract(year FROM \(reference) AT TIME ZONE 'UTC')::integer"
            case .dateTime(zoned: false), .date: year = "extract(year FROM \(reference))::integer"
            default: break
            }
        }
        let name = table.qualified
        return """
            INSERT INTO pg_temp.lake_change (table_name, row_key, row_hash, version, is_delete, year, position)
            SELECT \(name), c.row_key, c.row_hash, nextval('lake.export_version'), c.is_delete, c.year,
                   row_number() OVER (PARTITION BY c.year ORDER BY c.sort_key)
              FROM (SELECT r.sort_key::text AS row_key, r.row_hash, false AS is_delete,
                           coalesce(r.year, \(folderYear)) AS year, r.sort_key
                      FROM (SELECT t.\(unescaped: key) AS sort_key, md5(t::text) AS row_hash, \(unescaped: year) AS year
                              FROM \(unescaped: try qualified(table)) t) r
                      LEFT JOIN lake.export_row e ON e.table_name = \(name) AND e.row_key = r.sort_key::text
                     WHERE e.row_hash IS DISTINCT FROM r.row_hash
                    UNION ALL
                    SELECT e.row_key, NULL, true, \(folderYear), e.row_key::\(unescaped: keyType)
                      FROM lake.export_row e
                     WHERE e.table_name = \(name)
                       AND NOT EXISTS (SELECT 1 FROM \(unescaped: try qualified(table)) t
                                        WHERE t.\(unescaped: key) = e.row_key::\(unescaped: keyType))) c
            """
    }

    private func qualified(_ table: ExportTable) throws -> String {
        "\(try connection.quoteIdentifier(table.side.rawValue)).\(try connection.quoteIdentifier(table.name))"
    }

    // MARK: - The folders

    /// The temporary name of a folder's model until the state that goes with it has committed.
    static let pendingModel = "model.json.tmp"

    /// Completes a written folder: its model replaces the empty `model.json`, the next folder is created with an
    /// empty `model.json`, and `Changelog/changelog.info` names it. Safe to run again (a write interrupted after its
    /// commit is finished by the next one).
    static func finish(root: URL, folder: String, next: String) throws {
        let folderURL = root.appendingPathComponent(folder)
        let pending = folderURL.appendingPathComponent(pendingModel)
        if try LakeFiles.kind(of: pending) != .missing {
            try LakeFiles.move(pending, to: folderURL.appendingPathComponent("model.json"))
        }
        let nextURL = root.appendingPathComponent(next)
        try LakeFiles.makeFolder(nextURL)
        let nextModel = nextURL.appendingPathComponent("model.json")
        if try LakeFiles.kind(of: nextModel) == .missing { try LakeFiles.write(Data(), to: nextModel) }
        try openChangelog(root: root, folder: next)
    }

    /// Writes `Changelog/changelog.info` naming `folder`, the one being written.
    static func openChangelog(root: URL, folder: String) throws {
        let changelog = root.appendingPathComponent("Changelog")
        try LakeFiles.makeFolder(changelog)
        try LakeFiles.replace(changelog.appendingPathComponent("changelog.info"), with: Data(folder.utf8))
    }

    /// A lake this database has not written to yet must hold no lake: no timestamp folder, no root `model.json`.
    /// The one exception is what an interrupted first write leaves: a single folder, the one changelog.info names,
    /// with an empty (or no) model.json; it is removed.
    static func checkEmptyLake(_ root: URL) throws {
        let folders = try LakeFiles.names(in: root).filter { name in
            FolderName.looksLikeTimestamp(name)
                && (try? LakeFiles.kind(of: root.appendingPathComponent(name))) == .folder
        }
        if try LakeFiles.kind(of: root.appendingPathComponent("model.json")) != .missing {
            throw LakeError(
                "\(root.path): holds a lake (model.json) this database did not write; give an empty or new folder")
        }
        guard !folders.isEmpty else { return }
        let changelog = root.appendingPathComponent("Changelog").appendingPathComponent("changelog.info")
        var open: String?
        if case .file = try LakeFiles.kind(of: changelog),
            let data = FileManager.default.contents(atPath: changelog.path)
        {
            open = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if folders.count == 1, folders[0] == open {
            let model = root.appendingPathComponent(folders[0]).appendingPathComponent("model.json")
            let kind = try LakeFiles.kind(of: model)
            if kind == .missing || kind == .file(size: 0) {
                try LakeFiles.remove(root.appendingPathComponent(folders[0]))
                return
            }
        }
        let shown = folders.prefix(3).joined(separator: ", ") + (folders.count > 3 ? ", …" : "")
        throw LakeError(
            "\(root.path): holds lake folders this database did not write (\(shown)); give an empty or new folder")
    }

    /// Makes `folder` the empty folder being written: an initial folder is created and named in changelog.info; the
    /// open folder of an incremental write is emptied of what a failed write left (its model.json must be empty:
    /// a complete folder this database has no record of is never overwritten).
    private func prepare(_ folder: URL, root: URL, isInitial: Bool) throws {
        let model = folder.appendingPathComponent("model.json")
        switch try LakeFiles.kind(of: folder) {
        case .file: throw LakeError("\(folder.path): not a folder")
        case .missing: try LakeFiles.makeFolder(folder)
        case .folder:
            let kind = try LakeFiles.kind(of: model)
            guard kind == .missing || kind == .file(size: 0) else {
                throw LakeError(
                    "\(model.path): the folder is complete, but this database has no record of writing it "
                        + "(lake.export_folder); it is not overwritten")
            }
            for name in try LakeFiles.names(in: folder) {
                try LakeFiles.remove(folder.appendingPathComponent(name))
            }
        }
        try LakeFiles.write(Data(), to: model)
        if isInitial { try Self.openChangelog(root: root, folder: folder.lastPathComponent) }
    }

    /// `OptionsetMetadata/OptionsetMetadata.csv` (Dataverse option sets) and `GlobalOptionsetMetadata.csv` (F&O
    /// enums) from `load.optionset_label`.
    private func writeOptionsetMetadata(root: URL) throws {
        let folder = root.appendingPathComponent("OptionsetMetadata")
        try LakeFiles.makeFolder(folder)
        let statements: [(String, String)] = [
            (
                "OptionsetMetadata.csv",
                """
                COPY (SELECT table_name AS f1, column_name AS f2, code AS f3, 'False' AS f4, 1033 AS f5, label AS f6
                        FROM load.optionset_label WHERE schema_name = 'dataverse'
                       ORDER BY table_name, column_name, code)
                  TO STDOUT (FORMAT csv, FORCE_QUOTE (f1, f2, f6), ENCODING 'UTF8')
                """
            ),
            (
                "GlobalOptionsetMetadata.csv",
                """
                COPY (SELECT column_name AS f1, code AS f2, 'False' AS f3, 1033 AS f4, label AS f5, column_name AS f6,
                             table_name AS f7
                        FROM load.optionset_label WHERE schema_name = 'fno'
                       ORDER BY table_name, column_name, code)
                  TO STDOUT (FORMAT csv, FORCE_QUOTE (f1, f5, f6, f7), ENCODING 'UTF8')
                """
            ),
        ]
        for (name, statement) in statements {
            let file = try FileSink(creating: folder.appendingPathComponent(name))
            try connection.copyOut(PostgresQuery(unescaped: statement)) { chunk in try file.write(chunk) }
            try file.close()
        }
    }

    // MARK: - Times

    static var utc: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }

    static func year(of date: Date) -> Int { utc.component(.year, from: date) }

    /// The Sink columns' US format: `11/24/2026 8:07:17 AM` (UTC, no leading zeros, 12-hour clock).
    static func sinkTime(_ date: Date) -> String {
        let c = utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let hour = c.hour ?? 0
        let twelve = hour % 12 == 0 ? 12 : hour % 12
        func two(_ value: Int?) -> String { (value ?? 0) < 10 ? "0\(value ?? 0)" : "\(value ?? 0)" }
        return "\(c.month ?? 1)/\(c.day ?? 1)/\(c.year ?? 1970) \(twelve):\(two(c.minute)):\(two(c.second)) "
            + (hour < 12 ? "AM" : "PM")
    }

    /// `2026-11-24T08:07:17Z`, for the model's modifiedTime.
    static func isoTime(_ date: Date) -> String {
        let c = utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { (value ?? 0) < 10 ? "0\(value ?? 0)" : "\(value ?? 0)" }
        return "\(c.year ?? 1970)-\(two(c.month))-\(two(c.day))T\(two(c.hour)):\(two(c.minute)):\(two(c.second))Z"
    }
}

/// What one ``LakeWriter/write(to:now:progress:)`` wrote.
public struct WriteSummary: Sendable, Equatable {
    /// One table's rows in the folder.
    public struct Table: Sendable, Equatable {
        /// `dataverse.msdyn_actual`, `fno.projproposaljour`.
        public var name: String
        /// Rows written as inserts or updates.
        public var rows: Int
        /// `IsDelete` rows written.
        public var deletes: Int
        /// The partition files written (`2026.csv`), in the model's order.
        public var files: [String]

        public init(name: String, rows: Int, deletes: Int, files: [String]) {
            self.name = name
            self.rows = rows
            self.deletes = deletes
            self.files = files
        }
    }

    /// The folder written; nil when nothing changed since the last write (no folder is written then).
    public var folder: String?
    /// Whether it is the initial folder (every row).
    public var isInitial: Bool
    /// The open folder `Changelog/changelog.info` names, which the next write fills.
    public var nextFolder: String
    /// Every table, in the model's order.
    public var tables: [Table]

    public var rows: Int { tables.reduce(0) { $0 + $1.rows } }
    public var deletes: Int { tables.reduce(0) { $0 + $1.deletes } }

    public init(folder: String?, isInitial: Bool, nextFolder: String, tables: [Table]) {
        self.folder = folder
        self.isInitial = isInitial
        self.nextFolder = nextFolder
        self.tables = tables
    }
}
