import Foundation
public import TieoutPostgres

/// What the database says about one table: its columns, primary key and option sets.
public struct TableCatalog: Sendable {
    /// One column.
    public struct Column: Sendable, Hashable {
        public var name: String
        /// The type as PostgreSQL spells it (`format_type`), e.g. `numeric`, `character varying(20)`.
        public var type: String
        public var notNull: Bool
        /// A default, identity or generated value fills the column when it is not given.
        public var hasDefault: Bool
    }

    public var name: QualifiedName
    /// Columns in table order.
    public var columns: [Column]
    /// Primary key columns in key order (empty when the table has none).
    public var primaryKey: [String]
    /// Option-set codes per column, from single-column `CHECK (col IN (…))` constraints.
    public var optionSets: [String: [String]]

    public func column(_ name: String) -> Column? { columns.first { $0.name == name } }
}

/// Reads table definitions from the live catalog.
public enum CatalogReader {
    /// The table's definition, or nil when the table does not exist.
    public static func table(_ name: QualifiedName, on connection: PostgresConnection) throws -> TableCatalog? {
        let relation = name.regclass
        let columns = try connection.catalogColumns(schema: name.schema, table: name.name)
        guard !columns.isEmpty else {
            let exists = try connection.query("SELECT \(fragment: relation) IS NOT NULL").scalar(Bool.self)
            return exists ? TableCatalog(name: name, columns: [], primaryKey: [], optionSets: [:]) : nil
        }
        var result = TableCatalog(name: name, columns: [], primaryKey: [], optionSets: [:])
        var keyed: [(Int, String)] = []
        for catalogColumn in columns {
            let column = TableCatalog.Column(
                name: catalogColumn.name, type: catalogColumn.type, notNull: catalogColumn.notNull,
                hasDefault: catalogColumn.hasDefault)
            result.columns.append(column)
            if let position = catalogColumn.primaryKeyPosition { keyed.append((position, column.name)) }
        }
        result.primaryKey = keyed.sorted { $0.0 < $1.0 }.map(\.1)
        let checks = try connection.query(
            """
            SELECT a.attname, pg_get_constraintdef(c.oid) AS definition
              FROM pg_constraint c
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
             WHERE c.conrelid = \(fragment: relation) AND c.contype = 'c' AND cardinality(c.conkey) = 1
            """)
        for row in checks {
            let column: String = try row.decode("attname")
            if let codes = optionSetCodes(in: try row.decode("definition")) { result.optionSets[column] = codes }
        }
        return result
    }

    /// The integer codes of `CHECK ((col = ANY (ARRAY[1, 2, 3])))`, or nil for any other check.
    static func optionSetCodes(in definition: String) -> [String]? {
        guard definition.contains("= ANY (ARRAY["),
            let open = definition.range(of: "ARRAY["),
            let close = definition.range(of: "]", range: open.upperBound..<definition.endIndex)
        else { return nil }
        let items = definition[open.upperBound..<close.lowerBound].split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard !items.isEmpty, items.allSatisfy({ Int($0) != nil }) else { return nil }
        return items
    }
}

extension QualifiedName {
    /// `to_regclass(…)` of this table, each part quoted by the server: its oid, or NULL when it
    /// does not exist.
    public var regclass: PostgresQuery {
        "to_regclass(format('%I.%I', \(schema)::text, \(name)::text))"
    }
}
