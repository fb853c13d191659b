import Foundation
import TieoutLake
import TieoutPostgres

/// One entity of a lake folder, planned before anything is written: the table it loads into, which CSV position
/// holds the key (`Id`), the delete flag and the version, which positions fill which columns, and its partition files.
struct EntityPlan {
    var entity: LakeModel.Entity
    var table: Catalog.Table
    /// The table's primary key column (`msdyn_actualid`, `recid`): filled from `Id`.
    var keyColumn: Catalog.Column
    /// F&O: the key is the RecId `Id` stands for.
    var isFinance: Bool
    var idPosition: Int
    var deletePosition: Int?
    var versionPosition: Int
    var mapped: [(position: Int, column: Catalog.Column)]
    var ignored: [String]
    var files: [CSVFile]
    /// The number of attributes: the width of every record.
    var width: Int
    /// The staging table's name, unquoted.
    var stageName: String

    /// Attributes Synapse Link adds that tieout reads for the key, version and delete, or not at all.
    static let systemColumns: Set<String> = [
        "id", "isdelete", "versionnumber", "sysrowversion", "sinkcreatedon", "sinkmodifiedon", "tableid",
        "sysdatastatecode",
    ]

    init(
        entity: LakeModel.Entity, table catalogTable: Catalog.Table, modelName: String,
        folder: LakeLoader.PendingFolder, layout: LakeLayout, planIndex: Int
    ) throws {
        var table = catalogTable
        self.entity = entity
        isFinance = table.schema == "fno"
        guard table.primaryKey.count == 1, let key = table.column(table.primaryKey[0]) else {
            throw LoadError("\(modelName): entity \(entity.name): \(table.schema).\(table.name) has no one-column key")
        }
        var keyColumn = key
        keyColumn.required = true
        keyColumn.defaultExpression = nil
        self.keyColumn = keyColumn
        var positions: [String: Int] = [:]
        var id: Int?
        var delete: Int?
        var versionNumber: Int?
        var rowVersion: Int?
        var mapped: [(position: Int, column: Catalog.Column)] = []
        var ignored: [String] = []
        for (position, attribute) in entity.attributes.enumerated() {
            let name = attribute.name.lowercased()
            if let earlier = positions[name] {
                throw LoadError(
                    "\(modelName): entity \(entity.name) lists the attribute \(attribute.name) twice "
                        + "(attributes \(earlier + 1) and \(position + 1))")
            }
            positions[name] = position
            switch name {
            case "id": id = position
            case "isdelete": delete = position
            case "versionnumber": versionNumber = position
            case "sysrowversion": rowVersion = position
            default: break
            }
            if Self.systemColumns.contains(name) || name == keyColumn.name { continue }
            // F&O renames: its ID field is FnO_Id, SQL reserved words gain a trailing _ (Resource_).
            var columnName = name
            if name == "fno_id" {
                columnName = "id"
            } else if name.hasSuffix("_"), table.column(name) == nil, table.column(String(name.dropLast())) != nil {
                columnName = String(name.dropLast())
            }
            guard let column = table.column(columnName) else {
                // F&O's createdon / modifiedon are system copies of createddatetime / modifieddatetime.
                if isFinance && (name == "createdon" || name == "modifiedon") { continue }
                ignored.append(attribute.name)
                continue
            }
            if let other = mapped.first(where: { $0.column.name == column.name }) {
                throw LoadError(
                    "\(modelName): entity \(entity.name) has two attributes for the column \(column.name) "
                        + "(\(entity.attributes[other.position].name) and \(attribute.name))")
            }
            mapped.append((position, column))
        }
        guard let id else {
            throw LoadError("\(modelName): entity \(entity.name) has no Id attribute (the key of every lake row)")
        }
        guard let version = versionNumber ?? rowVersion else {
            throw LoadError(
                "\(modelName): entity \(entity.name) has neither versionnumber nor sysrowversion, so the newest "
                    + "version of a row cannot be told")
        }
        let mappedNames = Set(mapped.map(\.column.name))
        for column in table.columns
        where column.required && column.name != keyColumn.name && !mappedNames.contains(column.name) {
            throw LoadError(
                "\(modelName): entity \(entity.name) lacks the column \(column.name), which "
                    + "\(table.schema).\(table.name) requires")
        }
        // The key comes from Id, never from a default.
        if let index = table.columns.firstIndex(where: { $0.name == keyColumn.name }) {
            table.columns[index] = keyColumn
        }
        self.table = table
        idPosition = id
        deletePosition = delete
        versionPosition = version
        self.mapped = mapped
        self.ignored = ignored
        width = entity.attributes.count
        stageName = "lake_stage_\(planIndex)"
        var files: [CSVFile] = []
        for partition in entity.partitions {
            let url = layout.localFile(forLocation: partition.location, modelFolder: folder.url)
            let shown = Self.shown(url, under: layout.root)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
                throw LoadError(
                    "\(modelName): entity \(entity.name) lists the partition \(partition.name), but \(shown) is "
                        + "missing (location \(partition.location))")
            }
            _ = try FileProblem.checkFile(url.path)
            files.append(CSVFile(url: url, shownAs: shown))
        }
        self.files = files
    }

    /// A file's path under the lake folder, as messages name it.
    static func shown(_ url: URL, under root: URL) -> String {
        let rootPath = root.standardizedFileURL.path
        let path = url.standardizedFileURL.path
        guard path.hasPrefix(rootPath + "/") else { return path }
        return String(path.dropFirst(rootPath.count + 1))
    }

    /// The staging field of a CSV position.
    func field(_ position: Int) -> String { "s.f\(position + 1)" }
}

/// The records of an entity's staging table: record numbers are the file's number times 2⁴⁰ plus the record's number
/// in its file (files have no header), so a record names its file and line.
struct LakeSource: RecordSource {
    var name: String
    var files: [CSVFile]

    static let fileStride = 1 << 40

    func place(ofRecord record: Int) -> String {
        let index = record / Self.fileStride - 1
        let number = record % Self.fileStride
        guard files.indices.contains(index) else { return "\(name) record \(record)" }
        let file = files[index]
        return "\(file.name) line \((try? file.line(ofRecord: number)) ?? number)"
    }

    func places(ofRecords first: Int, _ second: Int) -> String {
        "\(place(ofRecord: first)) and \(place(ofRecord: second))"
    }
}

/// An entity staged and being applied.
struct StagedEntity {
    var plan: EntityPlan
    var context: FileContext
    var summary: LakeLoader.TableSummary
    /// The rows table (quoted): per key the newest row, converted (``LakeLoader/convertRows(_:labels:progress:)``).
    var rows: String
    /// The folder's name, for progress lines.
    var folder: String
    var liveRows = 0
    var deleteRows = 0
    /// The table's number in lake.table_number, and whether lake.row_version held versions of it before this folder.
    var tableNumber = 0
    var hasVersions = false
}

extension LakeLoader {
    /// COPYs the entity's partition files into its staging table: text columns f1…fN (one per attribute) and a record
    /// number. A file with rows shorter than the model (written before a column was added) is sent again padded.
    func stage(_ plan: EntityPlan, folder: String, progress: (Progress) -> Void) throws -> StagedEntity {
        let stage = try connection.quoteIdentifier(plan.stageName)
        let fields = (1...max(plan.width, 1)).map { "f\($0)" }
        try connection.query(
            PostgresQuery(
                unescaped: """
                    CREATE TEMPORARY TABLE \(stage) (
                        _record bigint GENERATED ALWAYS AS IDENTITY,
                        \(fields.map { "\($0) text" }.joined(separator: ", "))
                    ) ON COMMIT DROP
                    """))
        let tableName = "\(plan.table.schema).\(plan.table.name)"
        var summary = LakeLoader.TableSummary(table: tableName)
        summary.files = plan.files.count
        summary.ignoredColumns = plan.ignored
        let copy = "COPY \(stage) (\(fields.joined(separator: ", "))) FROM STDIN (FORMAT csv, ENCODING 'UTF8')"
        let attributes = plan.entity.attributes.map(\.name)
        for (index, file) in plan.files.enumerated() {
            progress(Progress(folder: folder, table: tableName, step: "reading \(file.name)", rows: summary.rows))
            let restart =
                "ALTER TABLE \(stage) ALTER COLUMN _record RESTART WITH \((index + 1) * LakeSource.fileStride + 1)"
            try connection.query(PostgresQuery(unescaped: restart))
            do {
                summary.rows += try connection.withSavepoint { connection in
                    try connection.copyIn(PostgresQuery(unescaped: copy)) { writer in try file.send(to: writer) }
                }
            } catch let error as PostgresError {
                guard error.code?.rawValue == "22P04" else {
                    throw Loader.copyError(error, file: file, columns: attributes)
                }
                let counts = try file.fieldCounts(expected: plan.width)
                if let longer = counts.longer {
                    throw LoadError(
                        "\(file.name) line \(longer.line): \(longer.fields) fields where the model has "
                            + "\(plan.width) attributes")
                }
                guard counts.hasShorter else {
                    if let line = try file.unterminatedQuoteLine() {
                        throw LoadError(
                            "\(file.name) line \(line): unterminated CSV quoted field (the quote opened on this line "
                                + "is never closed)")
                    }
                    throw Loader.copyError(error, file: file, columns: attributes)
                }
                // Rows from before a column was added: padded with empty fields, which read as NULL.
                try connection.query(PostgresQuery(unescaped: restart))
                do {
                    summary.rows += try connection.withSavepoint { connection in
                        try connection.copyIn(PostgresQuery(unescaped: copy)) { writer in
                            try file.forEachPaddedChunk(expected: plan.width, size: 256 * 1024) { chunk in
                                try writer.write(bytes: chunk)
                            }
                        }
                    }
                } catch let error as PostgresError {
                    throw Loader.copyError(error, file: file, columns: attributes)
                }
            }
        }
        var fieldsByColumn: [String: Int] = [:]
        for (position, column) in plan.mapped { fieldsByColumn[column.name] = position }
        let source = LakeSource(name: "\(folder == "." ? "" : folder + "/")\(plan.entity.name)", files: plan.files)
        let context = FileContext(
            file: source, table: plan.table, stage: stage, key: [plan.keyColumn.name], fields: fieldsByColumn,
            target:
                "\(try connection.quoteIdentifier(plan.table.schema)).\(try connection.quoteIdentifier(plan.table.name))",
            keysTable: "", missingFromFile: "false")
        return StagedEntity(
            plan: plan, context: context, summary: summary,
            rows: try connection.quoteIdentifier("lake_rows_\(plan.stageName.dropFirst("lake_stage_".count))"),
            folder: folder)
    }

    /// An option-set value that is a whole number but not a code tieout knows for the column: a one-line error with
    /// the label the lake's OptionsetMetadata gives it. Looked for only when converting or writing the entity failed
    /// (such a code fails the column's check), so a good folder pays nothing for it. Nil when there is none.
    func unknownOptionCode(_ entity: StagedEntity, labels: OptionsetMetadata) -> LoadError? {
        let plan = entity.plan
        let checked = plan.mapped.filter { $0.column.isOptionSet && !$0.column.labels.isEmpty }
        guard !checked.isEmpty else { return nil }
        var conditions: [String] = []
        var whens: [String] = []
        for (position, column) in checked {
            let field = plan.field(position)
            let codes = Set(column.labels.map { "'\($0.code)'" }).sorted().joined(separator: ", ")
            let condition = "(\(field) NOT IN (\(codes)) AND \(field) ~ '^\\s*[-+]?[0-9]+\\s*$')"
            conditions.append(condition)
            whens.append("WHEN \(condition) THEN '\(column.name)'")
        }
        let values = zip(conditions, checked).map { "WHEN \($0) THEN \(plan.field($1.position))" }
        let sql = """
            SELECT s._record AS record, CASE \(whens.joined(separator: " ")) END AS column_name,
                   CASE \(values.joined(separator: " ")) END AS value
              FROM \(entity.context.stage) s
             WHERE \(conditions.joined(separator: " OR "))
             ORDER BY s._record LIMIT 1
            """
        guard let row = try? connection.withSavepoint({ try $0.query(PostgresQuery(unescaped: sql)).first }),
            let record = try? row.decode("record", as: Int.self),
            let columnName = try? row.decode("column_name", as: String.self),
            let value = try? row.decode("value", as: String.self),
            let column = checked.first(where: { $0.column.name == columnName })?.column
        else { return nil }
        var text = "\(entity.context.file.place(ofRecord: record)), column \(columnName): \(quoted(value)) is not a "
        text += "code tieout knows for \(plan.table.schema).\(plan.table.name).\(columnName)"
        if let code = Int(value.trimmingCharacters(in: .whitespaces)),
            let label = labels.label(entity: plan.entity.name, column: columnName, code: code)
        {
            text += " (OptionsetMetadata labels it \(quoted(label)))"
        }
        let known = column.labels.sorted { $0.code < $1.code }.map { "\($0.code) \($0.label)" }
        text += "; known: " + known.joined(separator: ", ")
        return LoadError(text)
    }

    /// Converts the staged rows and keeps, per key, the newest (highest version; a row without one counts as newest;
    /// on a tie a delete, then the later line) in the rows table, sorted by key: `_record`, `k` (the key), `id` (the
    /// lake Id), `v` (version), `d` (delete), `c1…` (the mapped columns, NULL on a delete). Then the keys whose loaded
    /// version is newer are dropped. The fast conversion runs first; when PostgreSQL's input refuses a value, the
    /// precise one names the record.
    func convertRows(_ entity: inout StagedEntity, labels: OptionsetMetadata, progress: (Progress) -> Void) throws {
        let plan = entity.plan
        let table = plan.table
        progress(
            Progress(folder: entity.folder, table: entity.summary.table, step: "converting", rows: entity.summary.rows))
        let idColumn = Catalog.Column(
            name: "Id", type: "uuid", required: true, isIdentity: false, isOptionSet: false, defaultExpression: nil)
        let versionColumn = Catalog.Column(
            name: plan.entity.attributes[plan.versionPosition].name, type: "bigint", required: false,
            isIdentity: false, isOptionSet: false, defaultExpression: nil)
        let deleteColumn = Catalog.Column(
            name: "IsDelete", type: "boolean", required: false, isIdentity: false, isOptionSet: false,
            defaultExpression: nil)
        let idField = plan.field(plan.idPosition)
        let versionField = plan.field(plan.versionPosition)
        func statement(fast: Bool) -> String {
            func convert(_ column: Catalog.Column, _ field: String, parsed: String? = nil) -> String {
                fast
                    ? column.fastConversion(of: field, table: table)
                    : column.conversion(of: field, parsed: parsed, table: table)
            }
            var delete = "false"
            if let position = plan.deletePosition {
                delete = "coalesce(\(convert(deleteColumn, plan.field(position))), false)"
            }
            let id = convert(idColumn, idField)
            var values = [
                "s._record", "\(plan.isFinance ? "lake.recid(\(id))" : id) AS k", "\(id) AS id",
                "\(convert(versionColumn, versionField)) AS v", "s._d AS d",
            ]
            var parses: [String] = []
            for (index, (position, column)) in plan.mapped.enumerated() {
                let field = plan.field(position)
                var parsed: String?
                if !fast, let parse = column.parseExpression(of: field, table: table) {
                    parses.append("\(parse) AS p\(position + 1)")
                    parsed = "p.p\(position + 1)"
                }
                values.append(
                    "CASE WHEN s._d THEN NULL ELSE \(convert(column, field, parsed: parsed)) END AS c\(index + 1)")
            }
            let lateral =
                parses.isEmpty ? "" : "CROSS JOIN LATERAL (SELECT \(parses.joined(separator: ", ")) OFFSET 0) p"
            return """
                CREATE TEMPORARY TABLE \(entity.rows) ON COMMIT DROP AS
                SELECT DISTINCT ON (x.k) x.*
                  FROM (SELECT \(values.joined(separator: ",\n               "))
                          FROM (SELECT s.*, \(delete) AS _d FROM \(entity.context.stage) s OFFSET 0) s \(lateral)) x
                 ORDER BY x.k, x.v DESC NULLS FIRST, x.d DESC, x._record DESC
                """
        }
        do {
            _ = try loader.upsert(fast: statement(fast: true), precise: statement(fast: false), entity.context)
        } catch {
            throw unknownOptionCode(entity, labels: labels) ?? error
        }
        // The table's number (numbered on its first load), and whether any version of it was loaded before.
        let number = try connection.query(
            """
            WITH new AS (INSERT INTO lake.table_number (table_name) VALUES (\(entity.summary.table))
                         ON CONFLICT DO NOTHING RETURNING table_no),
                 known AS (SELECT table_no FROM new
                           UNION ALL SELECT table_no FROM lake.table_number WHERE table_name = \(entity.summary.table))
            SELECT k.table_no, EXISTS (SELECT 1 FROM lake.row_version v WHERE v.table_no = k.table_no) AS has_versions
              FROM known k LIMIT 1
            """
        ).first!
        entity.tableNumber = try number.decode("table_no")
        entity.hasVersions = try number.decode("has_versions")
        if entity.hasVersions {
            // The root snapshot is older than every timestamp folder: a row a folder deleted with an Id-only row
            // (no version to compare) does not come back from it.
            let versionlessDelete = entity.folder == "." ? " OR v.version IS NULL" : ""
            // A nightly folder's few keys are looked up one by one by row_version's key: the planner, misled by a
            // freshly grown row_version, would scan all of it for them. A big folder is joined with all of it.
            let few = entity.summary.rows < 100_000
            if few { try connection.executeScript("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off") }
            try connection.query(
                """
                DELETE FROM \(unescaped: entity.rows) r USING lake.row_version v
                 WHERE v.table_no = \(entity.tableNumber) AND v.id = r.id
                   AND (r.v < v.version\(unescaped: versionlessDelete))
                """)
            if few { try connection.executeScript("SET LOCAL enable_hashjoin = on; SET LOCAL enable_mergejoin = on") }
        }
        let counts = try connection.query(
            PostgresQuery(
                unescaped:
                    "SELECT count(*) FILTER (WHERE NOT d) AS live, count(*) FILTER (WHERE d) AS deletes FROM \(entity.rows)"
            )
        ).first!
        entity.liveRows = try counts.decode("live")
        entity.deleteRows = try counts.decode("deletes")
    }

    /// Upserts the live rows by key, changing only rows that differ; the bulk path for a big entity, as `tieout load`
    /// takes it. The rows table is in key order, so the key's index grows at its right edge.
    func upsertRows(
        _ entity: inout StagedEntity, labels: OptionsetMetadata, options: Options, progress: (Progress) -> Void
    )
        throws
    {
        guard entity.liveRows > 0 else { return }
        let plan = entity.plan
        let table = plan.table
        let context = entity.context
        progress(Progress(folder: entity.folder, table: entity.summary.table, step: "writing", rows: entity.liveRows))
        let columns = [plan.keyColumn] + plan.mapped.map(\.column)
        let columnList = try columns.map { try connection.quoteIdentifier($0.name) }
        let keyName = try connection.quoteIdentifier(plan.keyColumn.name)
        let nonKey = Array(columnList.dropFirst())
        let values = ["r.k"] + plan.mapped.indices.map { "r.c\($0 + 1)" }
        let conflict: String
        if nonKey.isEmpty {
            conflict = "ON CONFLICT (\(keyName)) DO NOTHING"
        } else {
            conflict = """
                ON CONFLICT (\(keyName)) DO UPDATE
                   SET \(nonKey.map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", "))
                 WHERE (\(nonKey.map { "t.\($0)" }.joined(separator: ", "))) IS DISTINCT FROM
                       (\(nonKey.map { "EXCLUDED.\($0)" }.joined(separator: ", ")))
                """
        }
        let sql = """
            WITH up AS (
                INSERT INTO \(context.target) AS t (\(columnList.joined(separator: ", ")))
                SELECT \(values.joined(separator: ", ")) FROM \(entity.rows) r WHERE NOT r.d
                \(conflict)
                RETURNING (xmax = 0) AS inserted)
            SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated FROM up
            """
        let loadOptions = Loader.Options(bulkMinimumRows: options.bulkMinimumRows)
        let bulk = try loader.usesBulkPath(
            table, target: context.target, stagedRows: entity.liveRows, options: loadOptions)
        if bulk { try loader.dropForBulk(table, target: context.target) }
        let counts: (inserted: Int, updated: Int)
        do {
            counts = try loader.upsert(fast: sql, precise: sql, context)
            if bulk { try loader.restoreAfterBulk(table, target: context.target, context) }
        } catch {
            throw unknownOptionCode(entity, labels: labels) ?? error
        }
        entity.summary.inserted = counts.inserted
        entity.summary.updated = counts.updated
        entity.summary.unchanged = entity.liveRows - counts.inserted - counts.updated
        try loader.bumpIdentities(of: table, target: context.target)
    }

    /// Deletes the rows whose newest lake row is an `IsDelete` row, recording each in `lake.deleted_row`.
    func applyDeletes(_ entity: inout StagedEntity, loadID: Int) throws {
        guard entity.deleteRows > 0 else { return }
        let context = entity.context
        let keyName = try connection.quoteIdentifier(entity.plan.keyColumn.name)
        let sql = """
            WITH gone AS (
                DELETE FROM \(context.target) t USING \(entity.rows) r
                 WHERE r.d AND t.\(keyName) = r.k
                RETURNING r.k, r.v)
            INSERT INTO lake.deleted_row (load_id, table_name, row_key, version)
            SELECT \(loadID), '\(entity.summary.table)', k::text, v FROM gone
            """
        do {
            entity.summary.deleted = try connection.withSavepoint {
                try $0.query(PostgresQuery(unescaped: sql)).affectedRows ?? 0
            }
        } catch let error as PostgresError where !Loader.isConflict(error) {
            var text = "\(context.file.name): applying its IsDelete rows fails: \(serverMessage(error.message))"
            if let detail = error.detail { text += " (\(serverMessage(detail)))" }
            throw LoadError(text)
        }
    }

    /// Records the version of every key the folder had (deletes included), so an older row in a later folder is
    /// skipped.
    func recordVersions(_ entity: StagedEntity, loadID: Int) throws {
        // A table's first load has no versions to replace: a plain insert, in key order, is much cheaper.
        let conflict =
            entity.hasVersions
            ? "ON CONFLICT (table_no, id) DO UPDATE SET version = EXCLUDED.version, load_id = EXCLUDED.load_id" : ""
        try connection.query(
            """
            INSERT INTO lake.row_version (table_no, id, version, load_id)
            SELECT \(entity.tableNumber), r.id, r.v, \(loadID) FROM \(unescaped: entity.rows) r
            \(unescaped: conflict)
            """)
    }
}
