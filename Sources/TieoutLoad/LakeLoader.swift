public import Foundation
public import Logging
import TieoutLake
public import TieoutPostgres

/// Loads an Azure Synapse Link lake folder (`tieout load lake DIR`, docs/lake.md) into the `dataverse` and `fno`
/// schemas: the root layout's snapshot when its model.json is new, then every completed timestamp folder not loaded
/// yet, oldest first, each in one transaction and recorded in `lake.loaded_folder`, so a nightly run loads each folder
/// exactly once and a rerun changes nothing.
///
/// Per folder, per entity tieout has a table for (parents before children): the partition files go through
/// `COPY … FROM STDIN` into a temporary table of text columns, one per model attribute (rows written before a column
/// was added are padded); per key the newest version wins (`DISTINCT ON`, set-based), and versions older than the
/// one already loaded are dropped; the rest are converted and upserted by the same conversion and upsert as
/// `tieout load`, and `IsDelete` rows delete (children first), each delete recorded in `lake.deleted_row`. A bad file,
/// value or model stops at that folder with the file, line, column and value; it and every later folder stay
/// unloaded.
public struct LakeLoader {
    public struct Options: Sendable {
        /// How long a load waits for another load of the schemas to finish; zero refuses at once.
        public var wait: Duration
        /// The bulk path (foreign keys and secondary indexes dropped and re-created) needs at least this many rows.
        public var bulkMinimumRows: Int

        public init(wait: Duration = .seconds(600), bulkMinimumRows: Int = 10_000) {
            self.wait = wait
            self.bulkMinimumRows = bulkMinimumRows
        }
    }

    /// What a folder's load did to one table.
    public struct TableSummary: Sendable, Equatable {
        public var table: String
        public var files = 0
        public var rows = 0
        public var inserted = 0
        public var updated = 0
        public var unchanged = 0
        public var deleted = 0
        /// Rows not applied: an older version of a key, or a delete of a row the table does not have.
        public var superseded = 0
        /// Model attributes the table has no column for, ignored.
        public var ignoredColumns: [String] = []
    }

    /// One folder loaded.
    public struct FolderSummary: Sendable, Equatable {
        /// The folder's name, `.` for the root layout.
        public var folder: String
        public var tables: [TableSummary]
        public var rows: Int { tables.reduce(0) { $0 + $1.rows } }
    }

    /// What a run did.
    public struct Summary: Sendable, Equatable {
        public var loaded: [FolderSummary] = []
        /// Completed folders an earlier run loaded.
        public var alreadyLoaded = 0
        /// Entities of the loaded folders tieout has no table for, skipped.
        public var skippedEntities: [String] = []
        /// The folder Synapse Link is still writing (`Changelog/changelog.info`), left for a later run.
        public var inProgress: String?
    }

    /// What a run is doing, for a progress line on a terminal.
    public struct Progress: Sendable {
        public var folder: String
        public var table: String
        public var step: String
        public var rows: Int
    }

    let connection: PostgresConnection
    let logger: Logger
    let loader: Loader

    public init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
        loader = Loader(connection: connection, logger: logger)
    }

    /// A folder to load: its name, the folder of its model.json, the time its name gives (nil for the root).
    struct PendingFolder {
        var name: String
        var url: URL
        var time: Date?
        var checksum: String
        var modelData: Data
    }

    /// Loads the folders of `directory` not loaded yet. Throws ``LoadError`` for a bad lake; folders before the bad
    /// one stay loaded.
    public func load(
        from directory: URL, options: Options = Options(), progress: (Progress) -> Void = { _ in }
    ) throws -> Summary {
        try FileProblem.checkFolder(directory.path)
        let layout: LakeLayout
        do {
            layout = try LakeLayout(root: directory)
        } catch let error as LakeError {
            throw LoadError(error.description)
        }
        var summary = Summary(inProgress: layout.inProgress)
        // A big folder's staging and converted rows live in temporary tables: with room for them in memory they are
        // not written to and read back from disk. PostgreSQL takes this only before the session's first temporary
        // table (a connection that already had one keeps its setting).
        _ = try? connection.query("SET temp_buffers = '1GB'")
        let pending = try pendingFolders(layout, summary: &summary)
        let labels = OptionsetMetadata(root: directory)
        var skipped: Set<String> = []
        for folder in pending {
            var attempt = 1
            while true {
                do {
                    let (loaded, skippedHere) = try connection.withTransaction { _ in
                        try loadFolder(folder, layout: layout, labels: labels, options: options, progress: progress)
                    }
                    summary.loaded.append(loaded)
                    skipped.formUnion(skippedHere)
                    break
                } catch let error as PostgresError where Loader.isConflict(error) && attempt < Loader.attempts {
                    logger.warning(
                        "load lake: the transaction was rolled back by a conflict, loading the folder again",
                        metadata: ["folder": "\(folder.name)", "attempt": "\(attempt + 1)"])
                    attempt += 1
                } catch let error as LoadError where !summary.loaded.isEmpty {
                    // The folders before the bad one stay loaded: say so, since the summary is not printed.
                    let count = summary.loaded.count
                    throw LoadError(
                        "\(error.description) (this run loaded the \(count) folder\(count == 1 ? "" : "s") before it)")
                }
            }
        }
        summary.skippedEntities = skipped.sorted()
        return summary
    }

    /// The folders to load, in order, after checking them against what is loaded: the root layout when its model.json
    /// is new, then the completed timestamp folders not loaded yet. A folder older than the newest one loaded is an
    /// error, before anything is written.
    func pendingFolders(_ layout: LakeLayout, summary: inout Summary) throws -> [PendingFolder] {
        let rows = try connection.query(
            "SELECT folder, folder_time, model_checksum FROM lake.loaded_folder ORDER BY id")
        var loadedTimes: Set<Date> = []
        var rootChecksums: Set<String> = []
        var newest: (name: String, time: Date)?
        for row in rows {
            let name: String = try row.decode("folder")
            let time: Date? = try row.decode("folder_time")
            if let time {
                loadedTimes.insert(time)
                if newest == nil || time > newest!.time { newest = (name, time) }
            } else {
                rootChecksums.insert(try row.decode("model_checksum"))
            }
        }
        var pending: [PendingFolder] = []
        if layout.hasRootModel {
            let url = layout.root.appendingPathComponent("model.json")
            let data = try readModel(url, shownAs: "model.json")
            let checksum = try self.checksum(data)
            if !rootChecksums.contains(checksum) {
                pending.append(
                    PendingFolder(name: ".", url: layout.root, time: nil, checksum: checksum, modelData: data))
            }
        }
        for folder in layout.completed {
            if loadedTimes.contains(folder.time) {
                summary.alreadyLoaded += 1
                continue
            }
            if let newest, folder.time < newest.time {
                throw LoadError(
                    "\(folder.name): older than \(newest.name), which is already loaded; lake folders load in time "
                        + "order, so this one came too late (nothing was loaded; is this the lake loaded before?)")
            }
            let url = layout.root.appendingPathComponent(folder.name)
            let data = try readModel(url.appendingPathComponent("model.json"), shownAs: "\(folder.name)/model.json")
            pending.append(
                PendingFolder(
                    name: folder.name, url: url, time: folder.time, checksum: try checksum(data), modelData: data))
        }
        return pending
    }

    /// The bytes of a model.json, or a ``LoadError`` naming it.
    func readModel(_ url: URL, shownAs name: String) throws -> Data {
        do {
            return try LakeModel.contents(of: url, shownAs: name)
        } catch let error as LakeError {
            throw LoadError(error.description)
        }
    }

    /// Loads one folder inside the caller's transaction; returns its summary and the entities it skipped.
    func loadFolder(
        _ folder: PendingFolder, layout: LakeLayout, labels: OptionsetMetadata, options: Options,
        progress: (Progress) -> Void
    ) throws -> (FolderSummary, Set<String>) {
        let modelName = folder.name == "." ? "model.json" : "\(folder.name)/model.json"
        let model: LakeModel
        do {
            model = try LakeModel.decode(folder.modelData, shownAs: modelName)
        } catch let error as LakeError {
            throw LoadError(error.description)
        }
        try loader.lockSchema(.dataverse, wait: options.wait)
        try loader.lockSchema(.fno, wait: options.wait)
        try loader.prepareTransaction(origin: "load:lake")
        // Sorting a million converted rows by key in memory rather than in merge runs on disk.
        try connection.query("SET LOCAL work_mem = '1GB'")
        let catalogs = [
            "dataverse": try Catalog.read(schema: "dataverse", on: connection),
            "fno": try Catalog.read(schema: "fno", on: connection),
        ]
        // Every entity is planned (routed, its columns matched, its files found) before anything is written.
        var plans: [EntityPlan] = []
        var skipped: Set<String> = []
        var seen: Set<String> = []
        for entity in model.entities {
            let name = entity.name.lowercased()
            guard seen.insert(name).inserted else {
                throw LoadError("\(modelName): the entity \(entity.name) is listed twice")
            }
            let routed = ["dataverse", "fno"].compactMap { schema in catalogs[schema]?.tables[name] }
            guard let table = routed.first else {
                skipped.insert(entity.name)
                continue
            }
            guard routed.count == 1 else {
                throw LoadError("\(modelName): entity \(entity.name) matches a table in both dataverse and fno")
            }
            guard !entity.partitions.isEmpty else { continue }
            plans.append(
                try EntityPlan(
                    entity: entity, table: table, modelName: modelName, folder: folder, layout: layout,
                    planIndex: plans.count))
        }
        let loadID = try connection.query(
            """
            INSERT INTO lake.loaded_folder (folder, folder_time, model_checksum, rows)
            VALUES (\(folder.name), \(folder.time), \(folder.checksum), 0) RETURNING id
            """
        ).scalar(Int.self)

        // Parents before children for the rows, children before parents for the deletes.
        var ordered: [EntityPlan] = []
        for schema in ["dataverse", "fno"] {
            let mine = plans.filter { $0.table.schema == schema }
            ordered += catalogs[schema]!.parentsFirst(mine.map { ($0, $0.table) }).map(\.0)
        }
        var staged: [StagedEntity] = []
        for plan in ordered {
            var entity = try stage(plan, folder: folder.name, progress: progress)
            try convertRows(&entity, labels: labels, progress: progress)
            try upsertRows(&entity, labels: labels, options: options, progress: progress)
            staged.append(entity)
        }
        for index in staged.indices.reversed() {
            try applyDeletes(&staged[index], loadID: loadID)
        }
        var tables: [TableSummary] = []
        for entity in staged {
            try recordVersions(entity, loadID: loadID)
            var summary = entity.summary
            summary.superseded = summary.rows - summary.inserted - summary.updated - summary.unchanged - summary.deleted
            try connection.query(
                """
                INSERT INTO lake.loaded_table
                       (load_id, table_name, files, rows, inserted, updated, unchanged, deleted, superseded)
                VALUES (\(loadID), \(summary.table), \(summary.files), \(summary.rows), \(summary.inserted),
                        \(summary.updated), \(summary.unchanged), \(summary.deleted), \(summary.superseded))
                """)
            tables.append(summary)
        }
        let result = FolderSummary(folder: folder.name, tables: tables)
        try connection.query("UPDATE lake.loaded_folder SET rows = \(result.rows) WHERE id = \(loadID)")
        // A table the folder changed much (10,000 rows and a quarter of it, or never analyzed) is analyzed now, for
        // tonight's reconciliation; a nightly folder's few changes of a big table are left to autovacuum.
        for (entity, summary) in zip(staged, tables) {
            let changed = summary.inserted + summary.updated + summary.deleted
            guard changed >= 10_000 else { continue }
            let estimate = try connection.query(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = \(entity.context.target)::regclass"
            ).scalar(Int.self)
            if estimate < 0 || changed * 4 >= estimate {
                try connection.query(PostgresQuery(unescaped: "ANALYZE \(entity.context.target)"))
            }
        }
        logger.info(
            "load lake: folder loaded", metadata: ["folder": "\(folder.name)", "rows": "\(result.rows)"])
        return (result, skipped)
    }
}

extension LakeLoader {
    /// SHA-256 in hex of a model.json, computed by the server (which has it; Foundation on Linux does not).
    func checksum(_ data: Data) throws -> String {
        try connection.query("SELECT encode(sha256(decode(\(data.base64EncodedString()), 'base64')), 'hex')")
            .scalar(String.self)
    }
}
