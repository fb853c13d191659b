/// One column of a table as the system catalog describes it. The one place tieout reads table definitions: the table
/// maps' validator (TieoutMaps) and the loader (TieoutLoad) both build on ``PostgresConnection/catalogColumns(schema:table:)``.
public struct CatalogColumn: Sendable, Hashable {
    /// The table's name (without its schema).
    public var table: String
    /// Whether the relation is a table (or a partitioned one), not a view, materialized view or foreign table.
    public var isTable: Bool
    public var name: String
    /// The type as PostgreSQL spells it, with modifiers (`format_type`): `numeric`, `character varying(20)`.
    public var type: String
    /// The type without modifiers: `character varying`.
    public var baseType: String
    public var notNull: Bool
    /// The column's default expression (`pg_get_expr`), if it has one.
    public var defaultExpression: String?
    /// An identity column (`GENERATED … AS IDENTITY`), such as F&O's record ids.
    public var isIdentity: Bool
    /// A generated column (`GENERATED ALWAYS AS (…) STORED`): never written.
    public var isGenerated: Bool
    /// The column's position in the primary key (1-based), nil when it is not part of it.
    public var primaryKeyPosition: Int?

    /// A default, identity or generation fills the column when a row does not give it.
    public var hasDefault: Bool { defaultExpression != nil || isIdentity || isGenerated }
}

extension PostgresConnection {
    /// The columns of the tables, views and foreign tables of `schema`, or of its one relation `table`, in name and
    /// column order. Empty when there is no such relation.
    public func catalogColumns(schema: String, table: String? = nil) throws -> [CatalogColumn] {
        try query(
            """
            SELECT c.relname AS table_name, c.relkind IN ('r', 'p') AS is_table, a.attname AS column_name,
                   format_type(a.atttypid, a.atttypmod) AS type, format_type(a.atttypid, NULL) AS base_type,
                   a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default_expression,
                   a.attidentity <> '' AS is_identity, a.attgenerated <> '' AS is_generated,
                   array_position(pk.conkey, a.attnum) AS primary_key_position
              FROM pg_class c
              JOIN pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
              LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
              LEFT JOIN pg_constraint pk ON pk.conrelid = c.oid AND pk.contype = 'p'
             WHERE n.nspname = \(schema) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
               AND (\(table)::text IS NULL OR c.relname = \(table))
             ORDER BY c.relname, a.attnum
            """
        ).map { row in
            CatalogColumn(
                table: try row.decode("table_name"), isTable: try row.decode("is_table"),
                name: try row.decode("column_name"), type: try row.decode("type"),
                baseType: try row.decode("base_type"), notNull: try row.decode("not_null"),
                defaultExpression: try row.decode("default_expression"), isIdentity: try row.decode("is_identity"),
                isGenerated: try row.decode("is_generated"),
                primaryKeyPosition: try row.decode("primary_key_position"))
        }
    }
}
