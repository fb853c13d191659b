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

        /// SQL that turns the text `field` of the staging row `s` into this column's value, or stops the load through
        /// `load.reject` naming the record, the column and the value. `parsed` names the value of
        /// ``parseExpression(of:table:)`` when the statement computes it once per row (a lateral subquery); nil
        /// repeats the parse here.
        func conversion(of field: String, parsed: String? = nil, table: Table) -> String {
            let converted = value(of: field, parsed: parsed, table: table)
            guard let defaultExpression else { return converted }
            return "coalesce(\(converted), \(defaultExpression))"
        }

        /// The parse of `field` into this column's type; nil for text, which needs none.
        func parseExpression(of field: String, table: Table) -> String? { parser(of: field, table: table).0 }

        func value(of field: String, parsed: String?, table: Table) -> String {
            let (parse, expected) = parser(of: field, table: table)
            let columnLiteral = "'\(name)'"
            var cases: [String] = []
            if required {
                cases.append(
                    "WHEN nullif(btrim(\(field)), '') IS NULL THEN load.reject(s._record, \(columnLiteral), "
                        + "coalesce(\(field), ''), 'empty (the column is required)')::\(type)")
            }
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
            return "CASE \(cases.joined(separator: " ")) ELSE \(value) END"
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

        func column(_ name: String) -> Column? { columns.first { $0.name == name } }
    }

    var tables: [String: Table]

    static func read(schema: String, on connection: PostgresConnection) throws -> Catalog {
        let rows = try connection.query(
            """
            SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, NULL) AS type,
                   a.attnotnull AND NOT a.atthasdef AND a.attidentity = '' AND a.attgenerated = '' AS required,
                   a.attidentity <> '' AS is_identity,
                   EXISTS (SELECT 1 FROM load.optionset_label o
                            WHERE o.schema_name = n.nspname AND o.table_name = c.relname
                              AND o.column_name = a.attname) AS is_optionset,
                   coalesce(a.attnum = ANY (i.indkey::smallint[]), false) AS in_key,
                   array_position(i.indkey::smallint[], a.attnum) AS key_position,
                   CASE WHEN a.attnotnull AND a.atthasdef THEN pg_get_expr(d.adbin, d.adrelid) END AS default_expression
              FROM pg_class c
              JOIN pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
              LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
              LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
             WHERE n.nspname = \(schema) AND c.relkind IN ('r', 'p') AND a.attgenerated = ''
             ORDER BY c.relname, a.attnum
            """)
        var tables: [String: Table] = [:]
        var keys: [String: [(Int, String)]] = [:]
        for row in rows {
            let tableName: String = try row.decode("table_name")
            let column = Column(
                name: try row.decode("column_name"), type: try row.decode("type"), required: try row.decode("required"),
                isIdentity: try row.decode("is_identity"), isOptionSet: try row.decode("is_optionset"),
                defaultExpression: try row.decode("default_expression"))
            tables[tableName, default: Table(schema: schema, name: tableName, columns: [], primaryKey: [], parents: [])]
                .columns.append(column)
            if try row.decode("in_key", as: Bool.self) {
                keys[tableName, default: []].append((try row.decode("key_position"), column.name))
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
