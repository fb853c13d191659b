public import Foundation
public import Logging
public import TieoutPostgres

/// Loads real extracts (`tieout load dataverse|fno DIR`): one CSV file per table, named after it
/// (`msdyn_actual.csv`), with the table's column names as headers in any case.
///
/// Per file: the header is matched to the table's columns (extra columns are ignored and reported, a missing key or
/// required column is an error naming the file and the column); the rows go through `COPY … FROM STDIN` into a
/// temporary table of text columns. With `--replace`, rows the files no longer have are deleted, children before
/// parents. Then, parents before children, one `INSERT … SELECT … ON CONFLICT (key) DO UPDATE` per file, in key
/// order, converts the rows and upserts them, changing only rows that differ. The conversion reads the common
/// shapes of values with PostgreSQL's own input functions and the rest with the `load.parse_*` functions of
/// `sql/load/` (option-set labels, export date formats, exact amounts); when PostgreSQL's input refuses a value,
/// the statement runs again with the parse functions alone, which name the record. A big file takes the bulk path:
/// the table's foreign keys and secondary indexes are dropped and re-created after the rows, set-based. Everything
/// is one transaction: a bad value, a missing parent or a repeated key aborts the whole load with the file and line
/// named, and nothing is written. The load's writes fire the change capture like any other write, so a following
/// sync and reconciliation see them.
public struct Loader {
    /// Which schema a folder of files loads into.
    public enum Side: String, Sendable, CaseIterable {
        case dataverse, fno
    }

    public struct Options: Sendable {
        /// Reload each table completely: rows whose key is not in the file are deleted.
        public var replace = false
        /// Only files modified at or after this time (incremental extracts); nil for all.
        public var since: Date?
        /// The bulk path (foreign keys and secondary indexes dropped, then re-created set-based) needs a file of at
        /// least this many rows, and at least a quarter of the rows the table has.
        public var bulkMinimumRows = 10_000

        /// How long a load waits for another load of the same schema to finish before it gives up; zero refuses at
        /// once.
        public var wait: Duration = .seconds(600)

        public init(
            replace: Bool = false, since: Date? = nil, bulkMinimumRows: Int = 10_000, wait: Duration = .seconds(600)
        ) {
            self.replace = replace
            self.since = since
            self.bulkMinimumRows = bulkMinimumRows
            self.wait = wait
        }
    }

    /// What a load did to one table.
    public struct TableSummary: Sendable, Equatable {
        public var table: String
        public var file: String
        public var rows = 0
        public var inserted = 0
        public var updated = 0
        public var unchanged = 0
        public var deleted = 0
        /// Header columns the table does not have, ignored.
        public var ignoredColumns: [String] = []
        /// The table took the bulk path: its foreign keys and secondary indexes were dropped for the load and
        /// re-created after it (validated and built set-based).
        public var bulk = false
    }

    let connection: PostgresConnection
    let logger: Logger

    public init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Loads every `*.csv` of `directory` into the schema of `side`, in one transaction, parents before children.
    /// Returns one summary per file, in load order. Throws ``LoadError`` for a bad file or value.
    public func load(_ side: Side, from directory: URL, options: Options = Options()) throws -> [TableSummary] {
        let files = try csvFiles(in: directory, since: options.since)
        guard !files.isEmpty else {
            if options.since != nil { return [] }
            throw LoadError("\(directory.path): no CSV files (one per table, named after it: msdyn_actual.csv)")
        }
        // A deadlock or serialization failure (with a sync, say) rolls the whole load back: it runs again, from the
        // files, a few times before the error counts.
        var attempt = 1
        while true {
            do {
                return try load(side, files: files, options: options)
            } catch let error as PostgresError where Self.isConflict(error) && attempt < Self.attempts {
                logger.warning(
                    "load: the transaction was rolled back by a conflict, loading again",
                    metadata: ["sqlstate": "\(error.code?.rawValue ?? "")", "attempt": "\(attempt + 1)"])
                attempt += 1
            }
        }
    }

    /// How many times a load runs when a deadlock or serialization failure rolls it back.
    static let attempts = 3

    /// A deadlock or serialization failure: the transaction lost to a concurrent one and may succeed when run again.
    static func isConflict(_ error: PostgresError) -> Bool {
        error.code == .serializationFailure || error.code == .deadlockDetected
    }

    /// The load of `files` into `side`'s schema, in one transaction.
    func load(_ side: Side, files: [CSVFile], options: Options) throws -> [TableSummary] {
        try connection.withTransaction { connection in
            try lockSchema(side, wait: options.wait)
            try prepareTransaction(origin: "load:" + side.rawValue)
            let catalog = try Catalog.read(schema: side.rawValue, on: connection)
            var plan: [(CSVFile, Catalog.Table)] = []
            for file in files {
                let tableName = file.url.deletingPathExtension().lastPathComponent.lowercased()
                guard let table = catalog.tables[tableName] else {
                    throw LoadError(
                        "\(file.name): there is no table \(side.rawValue).\(tableName) (files are named after the table)"
                    )
                }
                plan.append((file, table))
            }
            plan = catalog.parentsFirst(plan)
            var staged: [StagedFile] = []
            for (index, (file, table)) in plan.enumerated() {
                staged.append(try stage(file, for: table, as: "load_stage_\(index)"))
            }
            // --replace deletes children before parents, so a parent whose children go too can go.
            if options.replace {
                for index in staged.indices.reversed() { try deleteMissing(&staged[index]) }
            }
            var summaries: [TableSummary] = []
            for file in staged { summaries.append(try upsertRows(of: file, options: options)) }
            try connection.analyze(
                plan.map { "\(side.rawValue).\($0.1.name)" },
                afterChanging: summaries.reduce(0) { $0 + $1.inserted + $1.updated + $1.deleted })
            return summaries
        }
    }

    /// Sets up a load's transaction: its origin (which the guards and the capture read) and the settings its
    /// statements need.
    func prepareTransaction(origin: String) throws {
        try connection.query("SELECT set_config('tieout.origin', \(origin), true)")
        // The statements are big and run once: compiling them costs more than it saves.
        try connection.query("SET LOCAL jit = off")
        // The fast conversion reads M/D/YYYY month first and a time without a zone as UTC, as the exports
        // write them; sorting a big file by its key and building indexes get the memory to do it at once.
        try connection.query("SET LOCAL DateStyle = 'ISO, MDY'")
        try connection.query("SET LOCAL TimeZone = 'UTC'")
        try connection.query("SET LOCAL work_mem = '256MB'")
        try connection.query("SET LOCAL maintenance_work_mem = '512MB'")
    }

    /// Takes the schema's load lock for the transaction, so two loads of one schema run one after the other: another
    /// load drops and re-creates the foreign keys and indexes the loader reads from the catalog, and each load's
    /// bulk path must lock the parent tables the other is writing (a deadlock). Waits up to `wait` for a load that
    /// holds it (saying so on the log at warning level), then gives up with a ``LoadError`` naming the other load's
    /// server pid. Loads of the two schemas do not wait for each other. The wait asks again every
    /// ``lockPollInterval`` a bounded number of times, rather than relying on the server's `lock_timeout`.
    func lockSchema(_ side: Side, wait: Duration) throws {
        let schema = side.rawValue
        func tryLock() throws -> Bool {
            try connection.query("SELECT pg_try_advisory_xact_lock(hashtext('tieout.load'), hashtext(\(schema)))")
                .scalar(Bool.self)
        }
        if try tryLock() { return }
        let holder = try connection.advisoryLockHolder(namespace: "tieout.load", key: schema)
        var other = "another tieout load of schema \(schema)"
        if let holder { other += " (server pid \(holder))" }
        guard wait > .zero else {
            throw LoadError("\(other) is running; nothing was loaded, try again when it has finished")
        }
        let seconds = wait.components.seconds
        logger.warning("load: waiting up to \(seconds) s for \(other) to finish")
        let tries = Int((wait / Self.lockPollInterval).rounded(.up))
        for _ in 0..<tries {
            Thread.sleep(forTimeInterval: Double(Self.lockPollInterval.components.attoseconds) / 1e18)
            if try tryLock() { return }
        }
        throw LoadError("\(other) still ran after \(seconds) s; nothing was loaded, try again when it has finished")
    }

    /// How often a load that waits for another asks for the lock again.
    static let lockPollInterval: Duration = .milliseconds(200)

    /// The `*.csv` files of `directory` (modified since `since`, when given), each checked to be a readable file
    /// before the load starts: a folder, a broken link, a missing or unreadable file is a ``LoadError`` naming its
    /// path, and nothing is written.
    func csvFiles(in directory: URL, since: Date?) throws -> [CSVFile] {
        try FileProblem.checkFolder(directory.path)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw LoadError("\(directory.path): cannot read the folder")
        }
        var files: [CSVFile] = []
        for name in names.sorted() where name.lowercased().hasSuffix(".csv") && !name.hasPrefix(".") {
            let url = directory.appendingPathComponent(name)
            let modified = try FileProblem.checkFile(url.path)
            if let since, modified < since { continue }
            files.append(CSVFile(url: url))
        }
        return files
    }

    /// One file, staged: its summary so far, the table (key columns required), the key it is matched on, the header
    /// position of each column, and the staging table.
    struct StagedFile {
        var summary: TableSummary
        var table: Catalog.Table
        var mapped: [(position: Int, column: Catalog.Column)]
        var context: FileContext
    }

    /// Reads one file's header, matches it to the table's columns and COPYs the file into a temporary table `stage`
    /// of text columns f1, f2, … (one per header field) and a record number.
    func stage(_ file: CSVFile, for catalogTable: Catalog.Table, as stage: String) throws -> StagedFile {
        var table = catalogTable
        let summary = TableSummary(table: "\(table.schema).\(table.name)", file: file.name)
        let header = try file.header()
        var seen: [String: Int] = [:]
        var mapped: [(position: Int, column: Catalog.Column)] = []
        var ignored: [String] = []
        for (position, name) in header.enumerated() {
            let key = name.lowercased()
            if let earlier = seen[key] {
                throw LoadError(
                    "\(file.name) line 1: column \(quoted(name)) appears twice (columns \(earlier + 1) and \(position + 1))"
                )
            }
            seen[key] = position
            if let column = table.column(key) {
                mapped.append((position, column))
            } else {
                ignored.append(name)
            }
        }
        for column in table.columns where column.required && seen[column.name] == nil {
            throw LoadError("\(file.name): the required column \(column.name) is missing from the header")
        }
        // Rows are matched on the primary key, or, when the file lacks it (F&O entity exports carry no RecId), on
        // the first unique key the file has, such as (dataareaid, proposalid).
        guard let key = table.uniqueKeys.first(where: { $0.allSatisfy { seen[$0] != nil } }) else {
            let keys = table.uniqueKeys.map { $0.count == 1 ? $0[0] : "(\($0.joined(separator: ", ")))" }
            throw LoadError(
                "\(file.name): the header lacks the table's key; it needs \(keys.joined(separator: " or "))")
        }
        // A row's key comes from the file: an empty one is an error, never a generated GUID or record id (that
        // would add a new row on every load).
        for index in table.columns.indices where key.contains(table.columns[index].name) {
            table.columns[index].required = true
            table.columns[index].defaultExpression = nil
        }
        mapped = mapped.map { ($0.position, table.column($0.column.name)!) }

        let fields = header.indices.map { "f\($0 + 1)" }
        try connection.query(
            """
            CREATE TEMPORARY TABLE \(identifier: stage) (
                _record bigint GENERATED ALWAYS AS IDENTITY (START WITH 2),
                \(unescaped: fields.map { "\($0) text" }.joined(separator: ", "))
            ) ON COMMIT DROP
            """)
        let keysTable = try connection.quoteIdentifier("\(stage)_keys")
        let keyMatch = try key.map { part -> String in
            let name = try connection.quoteIdentifier(part)
            return "t.\(name) = k.\(name)"
        }.joined(separator: " AND ")
        var staged = StagedFile(
            summary: summary, table: table, mapped: mapped,
            context: FileContext(
                file: file, table: table, stage: try connection.quoteIdentifier(stage), key: key, fields: seen,
                target: "\(try connection.quoteIdentifier(table.schema)).\(try connection.quoteIdentifier(table.name))",
                keysTable: keysTable,
                missingFromFile: "NOT EXISTS (SELECT 1 FROM \(keysTable) k WHERE \(keyMatch))")
        )
        staged.summary.ignoredColumns = ignored
        do {
            staged.summary.rows = try connection.copyIn(
                "COPY \(identifier: stage) (\(unescaped: fields.joined(separator: ", "))) FROM STDIN (FORMAT csv, HEADER true, ENCODING 'UTF8')"
            ) { writer in try file.send(to: writer) }
        } catch let error as PostgresError {
            throw try copyFailure(error, file: file, header: header)
        }
        return staged
    }

    /// `--replace`: deletes the rows of the table whose key the file does not have. The file's keys are converted
    /// once into a temporary table, so the delete is one anti-join.
    func deleteMissing(_ staged: inout StagedFile) throws {
        let context = staged.context
        let table = staged.table
        let conversions = try context.key.map { part -> String in
            let conversion = table.column(part)!.conversion(of: context.field(part)!, table: table)
            return "\(conversion) AS \(try connection.quoteIdentifier(part))"
        }
        _ = try run(
            file: context.file,
            "CREATE TEMPORARY TABLE \(context.keysTable) ON COMMIT DROP AS SELECT \(conversions.joined(separator: ", ")) FROM \(context.stage) s"
        )
        try connection.query(PostgresQuery(unescaped: "ANALYZE \(context.keysTable)"))
        do {
            staged.summary.deleted = try connection.withSavepoint {
                try $0.query(
                    PostgresQuery(
                        unescaped:
                            "DELETE FROM \(context.target) AS t WHERE \(context.missingFromFile)"
                    )
                ).affectedRows ?? 0
            }
        } catch {
            throw stillReferenced(error, context) ?? translate(error, source: context.file)
        }
    }

    /// Converts the rows of a staged file and upserts them into its table.
    func upsertRows(of staged: StagedFile, options: Options) throws -> TableSummary {
        let context = staged.context
        let table = staged.table
        let mapped = staged.mapped
        let key = context.key
        var summary = staged.summary

        // Convert and upsert, in one statement, twice written: the fast conversion reads the common shapes of
        // values with PostgreSQL's own input functions; when one of those raises (a value of the right shape that is
        // still invalid), the precise conversion runs instead and names the record, column and value. A value that
        // does not parse either way stops the statement through load.reject.
        let columns = mapped.map(\.column)
        let fast = mapped.map { $0.column.fastConversion(of: "s.f\($0.position + 1)", table: table) }
        var precise: [String] = []
        var parses: [String] = []
        for (position, column) in mapped {
            let field = "s.f\(position + 1)"
            if let parse = column.parseExpression(of: field, table: table) {
                parses.append("\(parse) AS p\(position + 1)")
                precise.append(column.conversion(of: field, parsed: "p.p\(position + 1)", table: table))
            } else {
                precise.append(column.conversion(of: field, table: table))
            }
        }
        // Each value is parsed once in the precise statement: the parses are a lateral subquery (OFFSET 0 keeps the
        // planner from copying them into every place they are used), the CASE around each only reads the result.
        let parsedRows =
            parses.isEmpty
            ? ""
            : "CROSS JOIN LATERAL (SELECT \(parses.joined(separator: ", ")) OFFSET 0) p"
        let target = context.target
        let columnList = try columns.map { try connection.quoteIdentifier($0.name) }
        let keyList = try key.map { try connection.quoteIdentifier($0) }
        let nonKey = columnList.enumerated().filter { !key.contains(columns[$0.offset].name) }.map(\.element)
        let conflict: String
        if nonKey.isEmpty {
            conflict = "ON CONFLICT (\(keyList.joined(separator: ", "))) DO NOTHING"
        } else {
            conflict = """
                ON CONFLICT (\(keyList.joined(separator: ", "))) DO UPDATE
                   SET \(nonKey.map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", "))
                 WHERE (\(nonKey.map { "t.\($0)" }.joined(separator: ", "))) IS DISTINCT FROM
                       (\(nonKey.map { "EXCLUDED.\($0)" }.joined(separator: ", ")))
                """
        }
        // Rows in key order: the key's index grows at its right edge instead of at random places.
        let keyPositions = key.compactMap { part in columns.firstIndex { $0.name == part } }.map { String($0 + 1) }
        func statement(_ values: [String], from: String) -> String {
            """
            WITH up AS (
                INSERT INTO \(target) AS t (\(columnList.joined(separator: ", ")))
                SELECT \(values.joined(separator: ",\n       ")) FROM \(context.stage) s \(from)
                 ORDER BY \(keyPositions.joined(separator: ", "))
                \(conflict)
                RETURNING (xmax = 0) AS inserted)
            SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated FROM up
            """
        }
        let bulk = try usesBulkPath(table, target: target, stagedRows: summary.rows, options: options)
        if bulk { try dropForBulk(table, target: target) }
        let counts = try upsert(fast: statement(fast, from: ""), precise: statement(precise, from: parsedRows), context)
        if bulk { try restoreAfterBulk(table, target: target, context) }
        summary.bulk = bulk
        summary.inserted = counts.inserted
        summary.updated = counts.updated
        summary.unchanged = summary.rows - summary.inserted - summary.updated
        try bumpIdentities(of: table, target: target)
        logger.info(
            "load: table loaded",
            metadata: [
                "table": "\(summary.table)", "rows": "\(summary.rows)", "inserted": "\(summary.inserted)",
                "updated": "\(summary.updated)", "deleted": "\(summary.deleted)",
            ])
        return summary
    }

    /// Runs a load statement that returns no rows (the table of the file's keys for `--replace`); a rejected value
    /// becomes a ``LoadError`` with the line. Returns the rows it affected.
    func run(file: any RecordSource, _ sql: String) throws -> Int {
        do {
            return try connection.query(PostgresQuery(unescaped: sql)).affectedRows ?? 0
        } catch {
            throw translate(error, source: file)
        }
    }

    /// The user's version of a failed load statement.
    func translate(_ error: any Error, source file: any RecordSource) -> any Error {
        // A deadlock or serialization failure is not the file's fault: the load runs again.
        guard let failure = error as? PostgresError, !Self.isConflict(failure) else { return error }
        if failure.code == .raiseException, let rejection = Rejection(failure.message) {
            return LoadError(
                "\(file.place(ofRecord: rejection.record)), column \(rejection.column): \(rejection.problem)")
        }
        if failure.code?.rawValue == "21000" {
            return LoadError("\(file.name): a key appears on more than one line; each row must have its own key")
        }
        return LoadError("\(file.name): \(serverMessage(failure.message))")
    }

    /// After rows came with explicit identity values (F&O record ids), the identity continues above them.
    func bumpIdentities(of table: Catalog.Table, target: String) throws {
        for column in table.columns where column.isIdentity {
            let name = try connection.quoteIdentifier(column.name)
            let qualified = "\(table.schema).\(table.name)"
            try connection.query(
                """
                SELECT setval(pg_get_serial_sequence(\(qualified), \(column.name)), x.m)
                  FROM (SELECT max(\(unescaped: name)) AS m FROM \(unescaped: target)) x
                 WHERE x.m > coalesce(pg_sequence_last_value(
                                          pg_get_serial_sequence(\(qualified), \(column.name))::regclass), 0)
                """)
        }
    }

    /// The user's version of a failed COPY of a file into its staging table. For a malformed file (SQLSTATE 22P04,
    /// whatever the server's language) the file itself is read: a quote that is never closed names the line it opened
    /// on, a record with more or fewer fields than the header the line it starts on (PostgreSQL counts only line
    /// breaks of the file's own kind inside quotes, so its line number can be off). Otherwise the server's message,
    /// with its line.
    func copyFailure(_ error: PostgresError, file: CSVFile, header: [String]) throws -> LoadError {
        if error.code?.rawValue == "22P04" {
            if let line = try file.unterminatedQuoteLine() {
                return LoadError(
                    "\(file.name) line \(line): unterminated CSV quoted field (the quote opened on this line is never closed)"
                )
            }
            if let record = try file.firstRecord(notHaving: header.count) {
                return LoadError(
                    "\(file.name) line \(record.line): \(record.fields) field\(record.fields == 1 ? "" : "s") where the "
                        + "header has \(header.count)")
            }
        }
        return Self.copyError(error, file: file, columns: header, utf8Advice: "; export the file as UTF-8")
    }

    /// A COPY error in the user's words: the file, the line and column the server names (`columns` are the names of
    /// the staging table's f1, f2, …), and its message; a file that is not UTF-8 said so, with `utf8Advice` after.
    static func copyError(_ error: PostgresError, file: CSVFile, columns: [String], utf8Advice: String = "")
        -> LoadError
    {
        let location = copyLocation(error, header: columns)
        let place = "\(file.name)\(location.isEmpty ? "" : " " + location)"
        if error.code?.rawValue == "22021" {
            // invalid byte sequence for encoding "UTF8": 0xff
            return LoadError("\(place): not UTF-8 (\(serverMessage(error.message)))\(utf8Advice)")
        }
        return LoadError("\(place): \(serverMessage(error.message))")
    }

    /// "line 7, column msdyn_amount" from a COPY error's context (`COPY stage, line 7, column f3: "…"`).
    static func copyLocation(_ error: PostgresError, header: [String]) -> String {
        guard let context = error.context, let lineRange = context.range(of: ", line ") else { return "" }
        let afterLine = context[lineRange.upperBound...]
        let digits = afterLine.prefix { $0.isNumber }
        guard !digits.isEmpty else { return "" }
        var text = "line \(digits)"
        let rest = afterLine.dropFirst(digits.count)
        if rest.hasPrefix(", column f") {
            let field = rest.dropFirst(", column f".count).prefix { $0.isNumber }
            if let index = Int(field), header.indices.contains(index - 1) { text += ", column \(header[index - 1])" }
        }
        return text
    }
}

/// A bad file or value: one line for the user, naming the file (and line, column, value when there is one).
public struct LoadError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }

    /// A value in single quotes, cut when it is long, as every message of the loader quotes one (``quoted(_:)``).
    public static func quoted(_ value: String) -> String { TieoutLoad.quoted(value) }
}

/// The message `load.reject` raises: `load rejected record <n> column <c> expected <what> value <v>`.
struct Rejection {
    var record: Int
    var column: String
    var expected: String
    var value: String

    init?(_ message: String) {
        let prefix = "load rejected record "
        guard message.hasPrefix(prefix) else { return nil }
        let rest = message.dropFirst(prefix.count)
        guard let columnMark = rest.range(of: " column "),
            let expectedMark = rest.range(of: " expected ", range: columnMark.upperBound..<rest.endIndex),
            let valueMark = rest.range(of: " value ", range: expectedMark.upperBound..<rest.endIndex),
            let record = Int(rest[..<columnMark.lowerBound])
        else { return nil }
        self.record = record
        column = String(rest[columnMark.upperBound..<expectedMark.lowerBound])
        expected = String(rest[expectedMark.upperBound..<valueMark.lowerBound])
        value = String(rest[valueMark.upperBound...])
    }

    /// What `expected` says when a required column's value is empty or reads as empty.
    static let requiredValue = "required"

    /// The rejection in words: `'12.5.3' is not a number`, `the value is empty, and the column is required`.
    var problem: String {
        guard expected == Self.requiredValue else { return "\(quoted(value)) is not \(expected)" }
        if value.allSatisfy(\.isWhitespace) { return "the value is empty, and the column is required" }
        return "\(quoted(value)) reads as empty, and the column is required"
    }
}

/// A value of a file in single quotes for a one-line message, escaped and cut (``MessageText/quoted(_:quote:limit:)``).
/// Every message of the loader that shows a value from a file quotes it through this.
func quoted(_ value: String) -> String { MessageText.quoted(value) }

/// A message of the server for the user, which may quote a value of a file in double quotes: on one line, each quoted
/// value shown as ``quoted(_:)`` shows it (in the server's double quotes), the rest cut after 300 characters.
func serverMessage(_ message: String) -> String {
    var result = ""
    var rest = message[...]
    func plain(_ text: Substring) {
        let (shownText, cut) = MessageText.escaped(text, limit: 300)
        result += shownText + (cut ? "…" : "")
    }
    while let open = rest.firstIndex(of: "\""),
        let close = rest[rest.index(after: open)...].firstIndex(of: "\"")
    {
        plain(rest[..<open])
        result += MessageText.quoted(rest[rest.index(after: open)..<close], quote: "\"")
        rest = rest[rest.index(after: close)...]
    }
    plain(rest)
    return result
}
