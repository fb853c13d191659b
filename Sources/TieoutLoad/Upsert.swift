import Foundation
import Logging
import TieoutPostgres

/// Where the records of a staging table came from, to name a bad one: a CSV file with a header (record 1), or the
/// partition files of a lake entity.
protocol RecordSource {
    /// What a message names when it has no record: the file (`msdyn_actual.csv`).
    var name: String { get }
    /// Where record `record` of the staging table starts: `msdyn_actual.csv line 7`.
    func place(ofRecord record: Int) -> String
    /// Where two records start: `msdyn_actual.csv lines 3 and 9`.
    func places(ofRecords first: Int, _ second: Int) -> String
}

extension CSVFile: RecordSource {
    func place(ofRecord record: Int) -> String { "\(name) line \((try? line(ofRecord: record)) ?? record)" }

    func places(ofRecords first: Int, _ second: Int) -> String {
        "\(name) lines \((try? line(ofRecord: first)) ?? first) and \((try? line(ofRecord: second)) ?? second)"
    }
}

/// What the statements of one file's load need to name a bad row: the file, the table, the staging table (quoted),
/// the key, the header position of each column and the quoted target.
struct FileContext {
    var file: any RecordSource
    var table: Catalog.Table
    var stage: String
    var key: [String]
    var fields: [String: Int]
    var target: String
    /// `--replace`: the temporary table of the file's keys (quoted), converted, one column per key column.
    var keysTable: String
    /// `--replace`: true for a row `t` of the target whose key is not in ``keysTable``.
    var missingFromFile: String

    /// The staging field of a table column (`s.f3`), nil when the file lacks the column.
    func field(_ column: String) -> String? { fields[column].map { "s.f\($0 + 1)" } }
}

extension Loader {
    /// Runs the fast upsert; when PostgreSQL's own input rejects a value (a data exception) runs the precise one
    /// instead. Either runs inside a savepoint, so a failure leaves the transaction usable for finding the line of a
    /// missing parent or a repeated key. Returns the rows inserted and updated.
    func upsert(fast: String, precise: String, _ context: FileContext) throws -> (inserted: Int, updated: Int) {
        switch attempt(fast) {
        case .success(let counts):
            return counts
        case .failure(let error):
            guard Self.isDataException(error) else { throw explain(error, context) }
            logger.debug("load: a value needs the precise conversion", metadata: ["file": "\(context.file.name)"])
        }
        switch attempt(precise) {
        case .success(let counts): return counts
        case .failure(let error): throw explain(error, context)
        }
    }

    func attempt(_ sql: String) -> Result<(inserted: Int, updated: Int), any Error> {
        do {
            let result = try connection.withSavepoint { try $0.query(PostgresQuery(unescaped: sql)) }
            guard let row = result.first else { return .success((0, 0)) }
            return .success((try row.decode("inserted"), try row.decode("updated")))
        } catch {
            return .failure(error)
        }
    }

    /// A value PostgreSQL's input functions did not take (class 22), or a required value missing (23502): the
    /// precise conversion tells which record and column.
    static func isDataException(_ error: any Error) -> Bool {
        guard let failure = error as? PostgresError, let code = failure.code else { return false }
        return code.class.rawValue == "22" || code.rawValue == "23502"
    }

    /// The user's version of a failed statement of a file's load: a rejected value, a missing parent or a repeated
    /// key with its lines; anything else with the file named.
    func explain(_ error: any Error, _ context: FileContext) -> any Error {
        guard let failure = error as? PostgresError, !Self.isConflict(failure) else { return error }
        switch failure.code?.rawValue {
        case "23503":
            return missingParent(failure.constraint, context) ?? translate(error, source: context.file)
        case "21000":
            return repeatedKey(context) ?? translate(error, source: context.file)
        case "23505":
            return repeatedKey(context) ?? uniqueClash(failure.constraint, context)
                ?? translate(error, source: context.file)
        case "23514":
            return checkViolation(failure.constraint, context) ?? translate(error, source: context.file)
        default:
            return translate(error, source: context.file)
        }
    }

    /// Runs `sql`, a query of the staging rows that returns the first offending `record` and the file's text of its
    /// offending fields as `value` (an array), inside a savepoint; the line that record starts on and the values,
    /// quoted, or nil when no row offends.
    func firstOffence(_ sql: String, _ context: FileContext) throws -> (place: String, values: String)? {
        let row = try connection.withSavepoint { try $0.query(PostgresQuery(unescaped: sql)).first }
        guard let row else { return nil }
        let record: Int = try row.decode("record")
        let values = try row.decode("value", as: [String].self).map(quoted).joined(separator: ", ")
        return (context.file.place(ofRecord: record), values)
    }

    /// The first line whose value of foreign key `constraint` (or of any foreign key, when nil) refers to no row.
    func missingParent(_ constraint: String?, _ context: FileContext) -> LoadError? {
        let keys = context.table.foreignKeys.filter { constraint == nil || $0.name == constraint }
        for foreignKey in keys {
            let fields = foreignKey.columns.map { context.field($0) }
            guard !fields.contains(nil) else { continue }
            do {
                let values = zip(foreignKey.columns, fields).map { column, field in
                    context.table.column(column)!.conversion(of: field!, table: context.table)
                }
                let parentColumns = try foreignKey.parentColumns.map { try connection.quoteIdentifier($0) }
                let present = values.map { "\($0) IS NOT NULL" }.joined(separator: " AND ")
                let match = zip(parentColumns, values).map { "p.\($0) = \($1)" }.joined(separator: " AND ")
                let sql = """
                    SELECT s._record AS record, ARRAY[\(fields.map { $0! }.joined(separator: ", "))] AS value
                      FROM \(context.stage) s
                     WHERE \(present) AND NOT EXISTS (SELECT 1 FROM \(foreignKey.parent) p WHERE \(match))
                     ORDER BY s._record LIMIT 1
                    """
                guard let (place, value) = try firstOffence(sql, context) else { continue }
                let names = foreignKey.parentColumns.joined(separator: ", ")
                return LoadError(
                    "\(place), column \(foreignKey.columns.joined(separator: ", ")): "
                        + "\(value) is not in \(foreignKey.parent) (no row has that \(names))")
            } catch {
                continue
            }
        }
        return nil
    }

    /// The first two lines that have the same key (the file's key, or `key`).
    func repeatedKey(_ context: FileContext, key: [String]? = nil) -> LoadError? {
        let key = key ?? context.key
        let conversions = key.compactMap { part in
            context.field(part).map { context.table.column(part)!.conversion(of: $0, table: context.table) }
        }
        guard conversions.count == key.count else { return nil }
        do {
            let result = try connection.withSavepoint {
                try $0.query(
                    PostgresQuery(
                        unescaped: """
                            SELECT (array_agg(s._record::text ORDER BY s._record))[1:2] AS records FROM \(context.stage) s
                             GROUP BY \(conversions.joined(separator: ", ")) HAVING count(*) > 1
                             ORDER BY min(s._record) LIMIT 1
                            """))
            }
            guard let row = result.first else { return nil }
            let records = try row.decode("records", as: [String].self).compactMap { Int($0) }
            guard records.count == 2 else { return nil }
            return LoadError(
                "\(context.file.places(ofRecords: records[0], records[1])): the same key "
                    + "(\(key.joined(separator: ", "))); each row must have its own key")
        } catch {
            return nil
        }
    }

    /// A row of the file whose values of another unique key (`constraint`, not the one the file is matched on) are
    /// on two lines, or already belong to another row of the table.
    func uniqueClash(_ constraint: String?, _ context: FileContext) -> LoadError? {
        guard let constraint else { return nil }
        do {
            let columns = try connection.query(
                """
                SELECT \(unescaped: Self.columnNames("(i.indkey::int2[])[0:i.indnkeyatts - 1]", of: "i.indrelid")) AS columns
                  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                 WHERE i.indrelid = \(context.target)::regclass AND c.relname = \(constraint)
                """
            ).first.map { try $0.decode("columns", as: [String].self) }
            guard let columns, !columns.isEmpty, columns != context.key else { return nil }
            if let repeated = repeatedKey(context, key: columns) { return repeated }
            let fields = columns.map { context.field($0) }
            let keyFields = context.key.map { context.field($0) }
            guard !fields.contains(nil), !keyFields.contains(nil) else { return nil }
            func converted(_ column: String, _ field: String?) -> String {
                context.table.column(column)!.conversion(of: field!, table: context.table)
            }
            let quotedColumns = try columns.map { try connection.quoteIdentifier($0) }
            let quotedKey = try context.key.map { try connection.quoteIdentifier($0) }
            let same = zip(quotedColumns, zip(columns, fields)).map { "t.\($0) = \(converted($1.0, $1.1))" }
            let other = zip(quotedKey, zip(context.key, keyFields)).map { "t.\($0) = \(converted($1.0, $1.1))" }
            let sql = """
                SELECT s._record AS record, ARRAY[\(fields.map { $0! }.joined(separator: ", "))] AS value
                  FROM \(context.stage) s
                 WHERE EXISTS (SELECT 1 FROM \(context.target) t
                                WHERE \(same.joined(separator: " AND ")) AND NOT (\(other.joined(separator: " AND "))))
                 ORDER BY s._record LIMIT 1
                """
            guard let (place, values) = try firstOffence(sql, context) else { return nil }
            return LoadError(
                "\(place), column \(columns.joined(separator: ", ")): \(values) already "
                    + "belongs to another row of \(context.table.schema).\(context.table.name) (\(constraint) is unique)"
            )
        } catch {
            return nil
        }
    }

    /// The first line whose values break check constraint `constraint` of the table.
    func checkViolation(_ constraint: String?, _ context: FileContext) -> LoadError? {
        guard let constraint else { return nil }
        do {
            guard
                let check = try connection.query(
                    """
                    SELECT pg_get_expr(k.conbin, k.conrelid) AS expression,
                           \(unescaped: Self.columnNames("k.conkey", of: "k.conrelid")) AS columns
                      FROM pg_constraint k
                     WHERE k.conrelid = \(context.target)::regclass AND k.conname = \(constraint) AND k.contype = 'c'
                    """
                ).first
            else { return nil }
            let expression: String = try check.decode("expression")
            let columns = try check.decode("columns", as: [String].self)
            var values: [String] = []
            var shown: [(column: String, field: String)] = []
            for name in columns {
                guard let column = context.table.column(name) else { return nil }
                let quotedName = try connection.quoteIdentifier(name)
                if let field = context.field(name) {
                    values.append("\(column.conversion(of: field, table: context.table)) AS \(quotedName)")
                    shown.append((name, field))
                } else {
                    values.append("\(column.defaultExpression ?? "NULL")::\(column.type) AS \(quotedName)")
                }
            }
            guard !shown.isEmpty else { return nil }
            let sql = """
                SELECT s._record AS record, ARRAY[\(shown.map(\.field).joined(separator: ", "))] AS value
                  FROM \(context.stage) s CROSS JOIN LATERAL (SELECT \(values.joined(separator: ", ")) OFFSET 0) v
                 WHERE NOT (\(expression))
                 ORDER BY s._record LIMIT 1
                """
            guard let (place, value) = try firstOffence(sql, context) else { return nil }
            return LoadError(
                "\(place), column \(shown.map(\.column).joined(separator: ", ")): \(value) is "
                    + "not allowed by check \(constraint): \(Self.withoutOuterParentheses(expression))")
        } catch {
            return nil
        }
    }

    /// SQL for the names of the columns numbered `numbers` (an int2[] expression) of relation `relation` (an oid
    /// expression), in order, as a text[].
    static func columnNames(_ numbers: String, of relation: String) -> String {
        """
        array(SELECT a.attname::text FROM unnest(\(numbers)) WITH ORDINALITY AS c(attnum, position)
                JOIN pg_attribute a ON a.attrelid = \(relation) AND a.attnum = c.attnum
               ORDER BY c.position)
        """
    }

    /// `(a = 1)` as `a = 1`; `(a) OR (b)` stays as it is.
    static func withoutOuterParentheses(_ expression: String) -> String {
        guard expression.hasPrefix("("), expression.hasSuffix(")") else { return expression }
        var depth = 0
        for (offset, character) in expression.enumerated() {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if depth == 0 && offset < expression.count - 1 { return expression }
        }
        return String(expression.dropFirst().dropLast())
    }

    /// `--replace` would delete a row another table still refers to (foreign key violation 23503 on the delete): names
    /// the row's key and the table that refers to it.
    func stillReferenced(_ error: any Error, _ context: FileContext) -> LoadError? {
        guard let failure = error as? PostgresError, failure.code?.rawValue == "23503",
            let constraint = failure.constraint
        else { return nil }
        do {
            guard
                let reference = try connection.query(
                    """
                    SELECT k.conrelid::regclass::text AS child,
                           \(unescaped: Self.columnNames("k.conkey", of: "k.conrelid")) AS columns,
                           \(unescaped: Self.columnNames("k.confkey", of: "k.confrelid")) AS parent_columns
                      FROM pg_constraint k
                     WHERE k.confrelid = \(context.target)::regclass AND k.conname = \(constraint) AND k.contype = 'f'
                    """
                ).first
            else { return nil }
            let child: String = try reference.decode("child")
            let columns = try reference.decode("columns", as: [String].self).map { try connection.quoteIdentifier($0) }
            let parentNames = try reference.decode("parent_columns", as: [String].self)
            let parentColumns = try parentNames.map { try connection.quoteIdentifier($0) }
            let refers = zip(columns, parentColumns).map { "c.\($0) = t.\($1)" }.joined(separator: " AND ")
            let row = try connection.query(
                PostgresQuery(
                    unescaped: """
                        SELECT ARRAY[\(parentColumns.map { "t.\($0)::text" }.joined(separator: ", "))] AS value
                          FROM \(context.target) t
                         WHERE \(context.missingFromFile)
                           AND EXISTS (SELECT 1 FROM \(child) c WHERE \(refers))
                         LIMIT 1
                        """)
            ).first
            guard let row else { return nil }
            let value = try row.decode("value", as: [String].self).map(quoted).joined(separator: ", ")
            return LoadError(
                "\(context.file.name): --replace would delete the row with \(parentNames.joined(separator: ", ")) "
                    + "\(value), but \(child) still refers to it; keep it in the file, or load \(child)'s file "
                    + "without the rows that refer to it")
        } catch {
            return nil
        }
    }

    // MARK: The bulk path

    /// Whether a file of `stagedRows` rows loads `table` through the bulk path: at least
    /// ``Options/bulkMinimumRows`` rows and a quarter of the table's rows, a table with foreign keys or secondary
    /// indexes to rebuild, owned by the loading role (it drops and re-creates them), which may reference the parents.
    func usesBulkPath(_ table: Catalog.Table, target: String, stagedRows: Int, options: Options) throws -> Bool {
        guard stagedRows >= options.bulkMinimumRows, !table.foreignKeys.isEmpty || !table.secondaryIndexes.isEmpty
        else { return false }
        // A foreign key marked NOT VALID would come back NOT VALID, and the loaded rows would never be checked.
        guard !table.foreignKeys.contains(where: { $0.definition.hasSuffix("NOT VALID") }) else { return false }
        let parents = Array(Set(table.foreignKeys.map(\.parent)))
        let row = try connection.query(
            """
            SELECT pg_has_role(c.relowner, 'USAGE')
                   AND coalesce(bool_and(has_table_privilege(p, 'REFERENCES')), true) AS allowed,
                   CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint END AS estimate
              FROM pg_class c
              LEFT JOIN unnest(\(parents)::text[]) AS p ON true
             WHERE c.oid = \(target)::regclass
             GROUP BY c.relowner, c.reltuples
            """
        ).first
        guard let row, try row.decode("allowed", as: Bool.self) else { return false }
        var existing: Int? = try row.decode("estimate")
        if existing == nil {
            // Never analyzed or vacuumed: count.
            existing = try connection.query("SELECT count(*) FROM \(unescaped: target)").scalar(Int.self)
        }
        return stagedRows * 4 >= existing ?? 0
    }

    /// Drops the table's foreign keys and secondary indexes (re-created by ``restoreAfterBulk(_:target:_:)`` in the
    /// same transaction).
    func dropForBulk(_ table: Catalog.Table, target: String) throws {
        logger.info(
            "load: bulk path, foreign keys and indexes are rebuilt after the rows",
            metadata: [
                "table": "\(table.schema).\(table.name)", "foreign_keys": "\(table.foreignKeys.count)",
                "indexes": "\(table.secondaryIndexes.count)",
            ])
        if !table.foreignKeys.isEmpty {
            let drops = try table.foreignKeys.map { "DROP CONSTRAINT \(try connection.quoteIdentifier($0.name))" }
            try connection.query(PostgresQuery(unescaped: "ALTER TABLE \(target) \(drops.joined(separator: ", "))"))
        }
        if !table.secondaryIndexes.isEmpty {
            let schema = try connection.quoteIdentifier(table.schema)
            let names = try table.secondaryIndexes.map { "\(schema).\(try connection.quoteIdentifier($0.name))" }
            try connection.query(PostgresQuery(unescaped: "DROP INDEX \(names.joined(separator: ", "))"))
        }
    }

    /// Re-creates what ``dropForBulk(_:target:)`` dropped, with their comments: the indexes built from the whole
    /// table, the foreign keys validated by one join each. A row that refers to no parent stops the load with its
    /// line.
    func restoreAfterBulk(_ table: Catalog.Table, target: String, _ context: FileContext) throws {
        let schema = try connection.quoteIdentifier(table.schema)
        for index in table.secondaryIndexes {
            try connection.query(PostgresQuery(unescaped: index.definition))
            if let comment = index.comment {
                try connection.query(
                    "COMMENT ON INDEX \(unescaped: schema).\(identifier: index.name) IS \(unescaped: try connection.inlineText("\(comment)"))"
                )
            }
        }
        guard !table.foreignKeys.isEmpty else { return }
        let adds = try table.foreignKeys.map {
            "ADD CONSTRAINT \(try connection.quoteIdentifier($0.name)) \($0.definition)"
        }
        do {
            _ = try connection.withSavepoint {
                try $0.query(PostgresQuery(unescaped: "ALTER TABLE \(target) \(adds.joined(separator: ", "))"))
            }
        } catch {
            throw explain(error, context)
        }
        for foreignKey in table.foreignKeys {
            guard let comment = foreignKey.comment else { continue }
            try connection.query(
                "COMMENT ON CONSTRAINT \(identifier: foreignKey.name) ON \(unescaped: target) IS \(unescaped: try connection.inlineText("\(comment)"))"
            )
        }
    }
}
