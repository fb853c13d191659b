import Foundation
import TieoutPostgres

/// The tables of one schema as the loader sees them: columns, types, keys, option-set columns and foreign keys.
struct Catalog {
    struct Column {
        var name: String
        /// `format_type` of the column: `uuid`, `numeric`, `integer`, `timestamp with time zone`, …
        var type: String
        /// NOT NULL without a default: a file must have it.
        var required: Bool
        /// An identity column (F&O record ids).
        var isIdentity: Bool
        /// The column holds option-set codes (`load.optionset_label` knows its labels).
        var isOptionSet: Bool
        /// The default of a NOT NULL column that has one: an empty value in a file takes it.
        var defaultExpression: String?
        /// The option-set labels of the column as `load.optionset_label` spells them, with their codes.
        var labels: [(label: String, code: Int)] = []

        /// SQL that turns the text `field` of the staging row `s` into this column's value, or stops the load through
        /// `load.reject` naming the record, the column and the value. `parsed` names the value of
        /// ``parseExpression(of:table:)`` when the statement computes it once per row (a lateral subquery); nil
        /// repeats the parse here.
        func conversion(of field: String, parsed: String? = nil, table: Table) -> String {
            let converted = value(of: field, parsed: parsed, table: table)
            guard let defaultExpression else { return converted }
            return "coalesce(\(converted), \(defaultExpression))"
        }

        /// Like ``conversion(of:parsed:table:)``, but reading the common shapes of values with PostgreSQL's own input
        /// functions: labels and codes of an option set as literals, a GUID of 36 characters (38 in braces) as
        /// `uuid`, a number without separators or letters as `numeric`, an ISO 8601 or M/D/YYYY date (year not 1900)
        /// as `date` / `timestamptz` under the load's DateStyle ISO, MDY and TimeZone UTC, True/False/Yes/No/1/0 as
        /// booleans. Other shapes go through the same `load.parse_*` functions as the precise conversion, and an
        /// invalid value is rejected the same way. What the fast reading cannot take (a 36-character text that is no
        /// GUID, 02/30/2026) raises PostgreSQL's own error instead: the loader then runs the precise conversion, which
        /// names the record, column and value. Each value is read once (no lateral subquery needed).
        func fastConversion(of field: String, table: Table) -> String {
            let columnLiteral = "'\(name)'"
            let (_, expected) = parser(of: field, table: table)
            var value: String
            if let fast = fastParse(of: field, table: table) {
                let valid =
                    isOptionSet
                    ? "load.is_valid_optionset('\(table.schema)', '\(table.name)', '\(name)', \(field))"
                    : "load.is_valid('\(validityType)', \(field))"
                var cases: [String] = []
                if required { cases.append("WHEN nullif(btrim(\(field)), '') IS NULL THEN \(rejectRequired(field))") }
                cases.append(
                    "WHEN NOT \(valid) THEN load.reject(s._record, \(columnLiteral), \(field), '\(expected)')::\(type)")
                // A valid value that reads as empty (F&O's empty date) cannot go into a required column either.
                if required { cases.append("ELSE \(rejectRequired(field))") }
                // An empty unquoted field (NULL in the staging table, most optional columns of an export) is
                // settled before any parsing: NULL, or the required column's rejection.
                let empty = required ? rejectRequired(field) : "NULL"
                value =
                    "CASE WHEN \(field) IS NULL THEN \(empty) "
                    + "ELSE coalesce(\(fast), CASE \(cases.joined(separator: " ")) END) END"
            } else {
                value = self.value(of: field, parsed: nil, table: table)
            }
            guard let defaultExpression else { return value }
            return "coalesce(\(value), \(defaultExpression))"
        }

        /// The fast reading of ``fastConversion(of:table:)``; nil for text and for types read only the precise way.
        func fastParse(of field: String, table: Table) -> String? {
            // A date or time PostgreSQL reads as written: ISO 8601 (YYYY-MM-DD…) or M/D/YYYY with a four-digit year,
            // alone or before a blank and the time. Year 1900 (F&O's empty date) takes the precise way. LIKE is the
            // cheapest test PostgreSQL has (a regex costs several times more than the cast it guards).
            let dateShape = """
                ((\(field) LIKE '____-__-__%' AND \(field) NOT LIKE '1900%') \
                OR ((\(field) LIKE '%/%/____' OR \(field) LIKE '%/%/____ %') AND \(field) NOT LIKE '%/1900%'))
                """
            switch type {
            case "uuid":
                return """
                    CASE WHEN octet_length(\(field)) = 36 OR (octet_length(\(field)) = 38 AND left(\(field), 1) = '{') \
                    THEN \(field)::uuid ELSE load.parse_uuid(\(field)) END
                    """
            case "numeric", "double precision", "real":
                let plain = ["','", "'e'", "'E'", "'n'", "'N'"].map { "strpos(\(field), \($0)) = 0" }
                return "CASE WHEN \(plain.joined(separator: " AND ")) THEN nullif(\(field), '')::numeric "
                    + "ELSE load.parse_numeric(\(field)) END::\(type)"
            case "integer", "smallint":
                guard isOptionSet else { return "nullif(\(field), '')::\(type)" }
                var seen: Set<String> = []
                var whens: [String] = []
                for (label, code) in labels {
                    for spelling in [label, String(code)] where seen.insert(spelling).inserted {
                        whens.append("WHEN '\(spelling.replacingOccurrences(of: "'", with: "''"))' THEN \(code)")
                    }
                }
                let fallback = "load.parse_optionset('\(table.schema)', '\(table.name)', '\(name)', \(field))"
                guard !whens.isEmpty else { return "\(fallback)::\(type)" }
                return "CASE \(field) \(whens.joined(separator: " ")) ELSE \(fallback) END::\(type)"
            case "bigint":
                return "nullif(\(field), '')::bigint"
            case "boolean":
                let spellings = [
                    ("True", true), ("False", false), ("true", true), ("false", false), ("Yes", true),
                    ("No", false), ("1", true), ("0", false),
                ]
                let whens = spellings.map { "WHEN '\($0.0)' THEN \($0.1)" }.joined(separator: " ")
                return "CASE \(field) \(whens) ELSE load.parse_boolean(\(field)) END"
            case "date":
                return "CASE WHEN \(dateShape) THEN \(field)::date ELSE load.parse_date(\(field)) END"
            case "timestamp with time zone":
                return "CASE WHEN \(dateShape) THEN \(field)::timestamptz ELSE load.parse_timestamp(\(field)) END"
            case "timestamp without time zone":
                return "(CASE WHEN \(dateShape) THEN \(field)::timestamptz ELSE load.parse_timestamp(\(field)) END "
                    + "AT TIME ZONE 'UTC')"
            default:
                return nil
            }
        }

        /// The parse of `field` into this column's type; nil for text, which needs none.
        func parseExpression(of field: String, table: Table) -> String? { parser(of: field, table: table).0 }

        func value(of field: String, parsed: String?, table: Table) -> String {
            let (parse, expected) = parser(of: field, table: table)
            let columnLiteral = "'\(name)'"
            var cases: [String] = []
            if required { cases.append("WHEN nullif(btrim(\(field)), '') IS NULL THEN \(rejectRequired(field))") }
            guard let parse else {
                return cases.isEmpty ? field : "CASE \(cases.joined(separator: " ")) ELSE \(field) END"
            }
            let value = parsed ?? parse
            // Only a value that parsed to NULL is tested for validity, by its own test: a valid value may parse to
            // NULL (F&O's empty date 1900-01-01), and most values are checked by parsing them once.
            let valid =
                isOptionSet
                ? "load.is_valid_optionset('\(table.schema)', '\(table.name)', '\(name)', \(field))"
                : "load.is_valid('\(validityType)', \(field))"
            cases.append(
                "WHEN \(value) IS NULL AND NOT \(valid) "
                    + "THEN load.reject(s._record, \(columnLiteral), \(field), '\(expected)')::\(type)")
            // A valid value that reads as empty (F&O's empty date) cannot go into a required column either.
            if required { cases.append("WHEN \(value) IS NULL THEN \(rejectRequired(field))") }
            return "CASE \(cases.joined(separator: " ")) ELSE \(value) END"
        }

        /// Stops the load on an empty value (or one that reads as empty) of this required column; the loader words it
        /// as ``Rejection/requiredValue``.
        func rejectRequired(_ field: String) -> String {
            "load.reject(s._record, '\(name)', coalesce(\(field), ''), '\(Rejection.requiredValue)')::\(type)"
        }

        /// The type name `load.is_valid` checks this column's values against.
        var validityType: String {
            switch type {
            case "double precision", "real": return "numeric"
            case "smallint": return "integer"
            case "timestamp with time zone", "timestamp without time zone": return "timestamptz"
            default: return type
            }
        }

        /// The parse expression and what a valid value is, in words; nil for text.
        func parser(of field: String, table: Table) -> (String?, String) {
            switch type {
            case "text", "character varying", "character", "name":
                return (nil, "")
            case "uuid":
                return ("load.parse_uuid(\(field))", "a GUID")
            case "numeric", "double precision", "real":
                return ("load.parse_numeric(\(field))::\(type)", "a number")
            case "integer", "smallint":
                if isOptionSet {
                    return (
                        "load.parse_optionset('\(table.schema)', '\(table.name)', '\(name)', \(field))::\(type)",
                        "a code or label of \(name)"
                    )
                }
                return ("load.parse_integer(\(field))::\(type)", "a whole number")
            case "bigint":
                return ("load.parse_bigint(\(field))", "a whole number")
            case "boolean":
                return ("load.parse_boolean(\(field))", "true or false")
            case "date":
                return ("load.parse_date(\(field))", "a date")
            case "timestamp with time zone":
                return ("load.parse_timestamp(\(field))", "a date and time")
            case "timestamp without time zone":
                return ("(load.parse_timestamp(\(field)) AT TIME ZONE 'UTC')", "a date and time")
            default:
                return ("CAST(nullif(btrim(\(field)), '') AS \(type))", "a value of type \(type)")
            }
        }
    }

    struct Table {
        var schema: String
        var name: String
        var columns: [Column]
        var primaryKey: [String]
        /// The primary key first, then every other unique index on plain columns (no expression, not partial).
        var uniqueKeys: [[String]] = []
        /// Tables of the same schema this one refers to by foreign key.
        var parents: Set<String>
        /// The table's own foreign keys (this table is the child), for the bulk path and for naming a violation.
        var foreignKeys: [ForeignKey] = []
        /// Indexes that back no constraint and are not unique: the bulk path drops and rebuilds them.
        var secondaryIndexes: [Index] = []

        func column(_ name: String) -> Column? { columns.first { $0.name == name } }
    }

    /// A foreign key of a table: `columns` refer to `parentColumns` of `parent` (schema-qualified, quoted).
    struct ForeignKey {
        var name: String
        var columns: [String]
        var parent: String
        var parentColumns: [String]
        /// `pg_get_constraintdef`: what `ALTER TABLE … ADD CONSTRAINT name` takes to re-create it exactly.
        var definition: String
        var comment: String?
    }

    /// An index as `pg_get_indexdef` writes it.
    struct Index {
        var name: String
        var definition: String
        var comment: String?
    }

    var tables: [String: Table]

    static func read(schema: String, on connection: PostgresConnection) throws -> Catalog {
        var tables: [String: Table] = [:]
        var keys: [String: [(Int, String)]] = [:]
        // Tables only; generated columns are never written, so a load has nothing to put in them.
        for catalogColumn in try connection.catalogColumns(schema: schema)
        where catalogColumn.isTable && !catalogColumn.isGenerated {
            let tableName = catalogColumn.table
            let column = Column(
                name: catalogColumn.name, type: catalogColumn.baseType,
                required: catalogColumn.notNull && !catalogColumn.hasDefault, isIdentity: catalogColumn.isIdentity,
                isOptionSet: false,
                defaultExpression: catalogColumn.notNull && !catalogColumn.isIdentity
                    ? catalogColumn.defaultExpression : nil)
            tables[tableName, default: Table(schema: schema, name: tableName, columns: [], primaryKey: [], parents: [])]
                .columns.append(column)
            if let position = catalogColumn.primaryKeyPosition {
                keys[tableName, default: []].append((position, column.name))
            }
        }
        for (table, parts) in keys { tables[table]?.primaryKey = parts.sorted { $0.0 < $1.0 }.map(\.1) }
        let uniques = try connection.query(
            """
            SELECT c.relname AS table_name,
                   array_agg(a.attname::text ORDER BY k.position) AS columns
              FROM pg_index i
              JOIN pg_class c ON c.oid = i.indrelid
              JOIN pg_namespace n ON n.oid = c.relnamespace
              CROSS JOIN LATERAL unnest(i.indkey::smallint[]) WITH ORDINALITY AS k(attnum, position)
              JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
             WHERE n.nspname = \(schema) AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
               AND k.position <= i.indnkeyatts
             GROUP BY c.relname, i.indexrelid, i.indisprimary
             ORDER BY c.relname, i.indisprimary DESC, i.indexrelid
            """)
        for row in uniques {
            let table: String = try row.decode("table_name")
            tables[table]?.uniqueKeys.append(try row.decode("columns"))
        }
        let references = try connection.query(
            """
            SELECT c.relname AS child, p.relname AS parent
              FROM pg_constraint f
              JOIN pg_class c ON c.oid = f.conrelid
              JOIN pg_class p ON p.oid = f.confrelid
              JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE f.contype = 'f' AND n.nspname = \(schema) AND p.relnamespace = c.relnamespace
            """)
        for row in references {
            let child: String = try row.decode("child")
            let parent: String = try row.decode("parent")
            if child != parent { tables[child]?.parents.insert(parent) }
        }
        let labels = try connection.query(
            """
            SELECT table_name, column_name, label, code FROM load.optionset_label
             WHERE schema_name = \(schema) ORDER BY table_name, column_name, code
            """)
        for row in labels {
            let tableName: String = try row.decode("table_name")
            let columnName: String = try row.decode("column_name")
            guard let index = tables[tableName]?.columns.firstIndex(where: { $0.name == columnName }) else { continue }
            tables[tableName]?.columns[index].labels.append((try row.decode("label"), try row.decode("code")))
            tables[tableName]?.columns[index].isOptionSet = true
        }
        let foreignKeys = try connection.query(
            """
            SELECT c.relname AS table_name, f.conname AS name,
                   array_agg(a.attname::text ORDER BY k.position) AS columns,
                   format('%I.%I', pn.nspname, p.relname) AS parent,
                   array_agg(pa.attname::text ORDER BY k.position) AS parent_columns,
                   pg_get_constraintdef(f.oid) AS definition,
                   obj_description(f.oid, 'pg_constraint') AS comment
              FROM pg_constraint f
              JOIN pg_class c ON c.oid = f.conrelid
              JOIN pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_class p ON p.oid = f.confrelid
              JOIN pg_namespace pn ON pn.oid = p.relnamespace
             CROSS JOIN LATERAL unnest(f.conkey, f.confkey) WITH ORDINALITY AS k(attnum, parent_attnum, position)
              JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
              JOIN pg_attribute pa ON pa.attrelid = p.oid AND pa.attnum = k.parent_attnum
             WHERE f.contype = 'f' AND n.nspname = \(schema)
             GROUP BY c.relname, f.oid, f.conname, pn.nspname, p.relname
             ORDER BY c.relname, f.conname
            """)
        for row in foreignKeys {
            let tableName: String = try row.decode("table_name")
            tables[tableName]?.foreignKeys.append(
                ForeignKey(
                    name: try row.decode("name"), columns: try row.decode("columns"), parent: try row.decode("parent"),
                    parentColumns: try row.decode("parent_columns"), definition: try row.decode("definition"),
                    comment: try row.decode("comment")))
        }
        let indexes = try connection.query(
            """
            SELECT c.relname AS table_name, x.relname AS name, pg_get_indexdef(i.indexrelid) AS definition,
                   obj_description(i.indexrelid, 'pg_class') AS comment
              FROM pg_index i
              JOIN pg_class c ON c.oid = i.indrelid
              JOIN pg_class x ON x.oid = i.indexrelid
              JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = \(schema) AND NOT i.indisunique AND NOT i.indisclustered AND NOT i.indisreplident
               AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
               AND NOT EXISTS (SELECT 1 FROM pg_depend d
                                WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = i.indexrelid
                                  AND d.deptype = 'n')
             ORDER BY c.relname, x.relname
            """)
        for row in indexes {
            let tableName: String = try row.decode("table_name")
            tables[tableName]?.secondaryIndexes.append(
                Index(
                    name: try row.decode("name"), definition: try row.decode("definition"),
                    comment: try row.decode("comment")))
        }
        return Catalog(tables: tables)
    }

    /// The files in an order where every table comes after the tables it refers to (then by name).
    func parentsFirst<File>(_ plan: [(File, Table)]) -> [(File, Table)] {
        var remaining = plan
        var ordered: [(File, Table)] = []
        var done: Set<String> = []
        let loading = Set(plan.map(\.1.name))
        while !remaining.isEmpty {
            let index =
                remaining.firstIndex { entry in
                    entry.1.parents.allSatisfy { done.contains($0) || !loading.contains($0) }
                }
                ?? 0
            let entry = remaining.remove(at: index)
            done.insert(entry.1.name)
            ordered.append(entry)
        }
        return ordered
    }
}
