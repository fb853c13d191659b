import Foundation
public import TieoutPostgres

/// Checks maps against the live catalog, like dual-write's pre-run validation, and compiles the
/// valid ones.
///
/// Source-side checks (source and lookup tables, expressions, filter) run on the connection that
/// holds the source schema; target-side checks (target columns, type compatibility, references) on
/// the one that holds the target schema. Both may be the same connection.
public struct MapValidator {
    /// The connection holding each schema (`dataverse`, `fno`).
    public let connections: [String: PostgresConnection]

    public init(connections: [String: PostgresConnection]) {
        self.connections = connections
    }

    /// One connection for every schema.
    public init(connection: PostgresConnection) {
        self.connections = ["dataverse": connection, "fno": connection]
    }

    /// Validates every map; throws ``InvalidMapsError`` listing every problem, or returns the
    /// compiled maps in apply order.
    public func compile(_ set: MapSet) throws -> [CompiledMap] {
        var problems: [MapProblem] = []
        var compiled: [CompiledMap] = []
        let catalog = CatalogCache()
        for map in set.maps {
            let result = try check(map, catalog: catalog)
            problems += result.problems
            if let map = result.compiled { compiled.append(map) }
        }
        guard problems.isEmpty else { throw InvalidMapsError(problems) }
        return compiled
    }

    /// The problems of one map (empty when it is valid).
    public func problems(in map: TableMap) throws -> [MapProblem] { try check(map, catalog: CatalogCache()).problems }

    private func connection(for table: QualifiedName) -> PostgresConnection? { connections[table.schema] }

    private func check(_ map: TableMap, catalog: CatalogCache) throws -> (
        compiled: CompiledMap?, problems: [MapProblem]
    ) {
        var problems: [MapProblem] = []
        func report(_ location: SourceLocation, _ message: String) { problems.append(MapProblem(location, message)) }

        guard let sourceConnection = connection(for: map.source) else {
            report(map.location(of: "source"), "no database is configured for schema '\(map.source.schema)'")
            return (nil, problems)
        }
        guard let targetConnection = connection(for: map.target) else {
            report(map.location(of: "target"), "no database is configured for schema '\(map.target.schema)'")
            return (nil, problems)
        }
        let sourceTable = try catalog.table(map.source, on: sourceConnection)
        let targetTable = try catalog.table(map.target, on: targetConnection)
        if sourceTable == nil { report(map.location(of: "source"), "source table \(map.source) does not exist") }
        if targetTable == nil { report(map.location(of: "target"), "target table \(map.target) does not exist") }
        guard let sourceTable, let targetTable else { return (nil, problems) }
        if sourceTable.primaryKey.isEmpty {
            report(
                map.location(of: "source"),
                "source table \(map.source) has no primary key, so changes cannot be captured")
        }

        // Lookups.
        var lookupTables: [String: TableCatalog] = [:]
        for lookup in map.lookups {
            guard let table = try catalog.table(lookup.table, on: sourceConnection) else {
                report(lookup.location, "lookup '\(lookup.alias)': table \(lookup.table) does not exist")
                continue
            }
            lookupTables[lookup.alias] = table
            for pair in lookup.on {
                if table.column(pair.lookupColumn) == nil {
                    report(
                        lookup.location,
                        "lookup '\(lookup.alias)': \(lookup.table) has no column '\(pair.lookupColumn)'")
                }
                if sourceTable.column(pair.sourceColumn) == nil {
                    report(
                        lookup.location,
                        "lookup '\(lookup.alias)': source \(map.source) has no column '\(pair.sourceColumn)'")
                }
            }
        }
        let lookupsAreValid = lookupTables.count == map.lookups.count && problems.isEmpty

        // Fields: target columns exist, sources exist, and values fit.
        var sourceTypes: [String: String] = [:]  // target column → type of the value before the cast
        for field in map.fields {
            guard let column = targetTable.column(field.target) else {
                report(field.location, "target \(map.target) has no column '\(field.target)'")
                continue
            }
            switch field.value {
            case .column(let reference):
                let table = reference.alias.map { lookupTables[$0] } ?? sourceTable
                guard let table else {
                    if map.lookup(reference.alias ?? "") == nil {
                        report(
                            field.location,
                            "source of '\(field.target)' names an unknown lookup '\(reference.alias ?? "")'")
                    }
                    continue
                }
                guard let sourceColumn = table.column(reference.column) else {
                    report(
                        field.location,
                        "source \(table.name) has no column '\(reference.column)' (mapped to '\(field.target)')")
                    continue
                }
                sourceTypes[field.target] = sourceColumn.type
                if let valueMap = field.valueMap, reference.alias == nil,
                    let codes = sourceTable.optionSets[reference.column]
                {
                    let missing = codes.filter { code in !valueMap.contains { $0.source == code } }
                    if !missing.isEmpty {
                        report(
                            field.location,
                            "value map of '\(field.target)' has no entry for option-set code(s) \(missing.joined(separator: ", ")) of \(map.source).\(reference.column)"
                        )
                    }
                }
            case .expression(let sql):
                guard lookupsAreValid else { continue }
                let what = "expression of '\(field.target)'"
                do {
                    sourceTypes[field.target] = try expressionType(sql, map: map, on: sourceConnection)
                    let problems = try readingProblems(
                        what, condition: "(\(unescaped: sql)) IS NULL", map: map, on: sourceConnection)
                    for problem in problems { report(field.location, problem) }
                    if !problems.isEmpty { continue }
                } catch let error as PostgresError where error.kind == .server {
                    report(field.location, "\(what) does not work: \(Self.withoutWhere(error.message))")
                    continue
                }
            case .constant:
                break
            }
            // Type compatibility: the server decides whether the value may be assigned to the column.
            if let valueMap = field.valueMap {
                for entry in valueMap {
                    if let type = sourceTypes[field.target],
                        let message = try castProblem(entry.source, to: type, on: sourceConnection)
                    {
                        report(entry.location, "value-map key \(entry.source) of '\(field.target)': \(message)")
                    }
                    if let message = try castProblem(entry.target, to: column.type, on: targetConnection) {
                        report(entry.location, "value-map value \(entry.target) of '\(field.target)': \(message)")
                    } else if let allowed = targetTable.optionSets[field.target], !allowed.contains(entry.target) {
                        report(
                            entry.location,
                            "value-map value \(entry.target) of '\(field.target)' is not an allowed code of \(map.target).\(field.target) (\(allowed.joined(separator: ", ")))"
                        )
                    }
                }
            } else if let type = sourceTypes[field.target],
                let message = try assignmentProblem(from: type, to: field.target, of: map.target, on: targetConnection)
            {
                report(field.location, "type mismatch for '\(field.target)': \(message)")
            }
            if let value = field.defaultValue,
                let message = try castProblem(value, to: column.type, on: targetConnection)
            {
                report(field.location, "default of '\(field.target)': \(message)")
            }
        }

        // Key, NOT NULL coverage, touch columns.
        for column in map.key {
            if targetTable.column(column) == nil {
                report(map.location(of: "key"), "key column '\(column)' does not exist in \(map.target)")
            } else if map.field(for: column) == nil {
                report(map.location(of: "key"), "key column '\(column)' is not mapped by any field")
            }
        }
        if map.mode == .upsert {
            for column in targetTable.columns where column.notNull && !column.hasDefault {
                if map.field(for: column.name) == nil && !map.touch.contains(column.name) {
                    report(
                        map.location(of: "fields"),
                        "\(map.target).\(column.name) is NOT NULL without a default and is not mapped or given a default"
                    )
                }
            }
        }
        for column in map.touch {
            if targetTable.column(column) == nil {
                report(map.location(of: "touch"), "touch column '\(column)' does not exist in \(map.target)")
            } else if map.field(for: column) != nil {
                report(map.location(of: "touch"), "touch column '\(column)' is also mapped by a field")
            }
        }
        if map.deletes == .propagate {
            for column in map.key {
                guard case .column(let reference)? = map.field(for: column)?.value, reference.alias == nil,
                    sourceTable.primaryKey.contains(reference.column), map.field(for: column)?.valueMap == nil
                else {
                    report(
                        map.location(of: "deletes"),
                        "deletes: propagate needs key column '\(column)' to be mapped from a primary key column of \(map.source)"
                    )
                    continue
                }
            }
        }

        // References.
        for reference in map.references {
            guard let table = try catalog.table(reference.table, on: targetConnection) else {
                report(reference.location, "referenced table \(reference.table) does not exist")
                continue
            }
            for pair in reference.columns {
                if map.field(for: pair.targetColumn) == nil {
                    report(
                        reference.location,
                        "reference to \(reference.table): '\(pair.targetColumn)' is not a mapped column")
                }
                if table.column(pair.referencedColumn) == nil {
                    report(
                        reference.location,
                        "referenced table \(reference.table) has no column '\(pair.referencedColumn)'")
                }
            }
        }

        // The filter parses, is a condition, and reads only what it may.
        if let filter = map.filter, lookupsAreValid {
            do {
                let problems = try readingProblems(
                    "filter", condition: "COALESCE((\(unescaped: filter)), false)", map: map, on: sourceConnection)
                for problem in problems { report(map.location(of: "filter"), problem) }
            } catch let error as PostgresError where error.kind == .server {
                report(map.location(of: "filter"), "filter does not work: \(Self.withoutWhere(error.message))")
            }
        }

        guard problems.isEmpty else { return (nil, problems) }
        return (
            CompiledMap(map: map, sourceTable: sourceTable, targetTable: targetTable, lookupTables: lookupTables),
            []
        )
    }

    /// What is wrong with what a filter or an expression (`what`, for the messages) reads and calls, from the
    /// server: `condition`, the text as the engine uses it, becomes the WHERE clause of a temporary view over the
    /// source row and its lookups (so an aggregate, window or set-returning function outside a subquery is refused,
    /// as it would not give one value per row), and the view's dependencies (`pg_depend`, and its stored query tree
    /// for the built-in objects pg_depend leaves out) name every table it reads and function it calls, operators'
    /// functions included. It may read only tables of the source's schema and the map's lookups, and
    /// call only built-in functions (schema `pg_catalog`) that are not volatile and do not read tables by name (the
    /// `*_to_xml` family). Throws the server's error when the text does not parse or type-check.
    private func readingProblems(
        _ what: String, condition: PostgresQuery, map: TableMap, on connection: PostgresConnection
    ) throws -> [String] {
        try connectionCheck(connection) { connection in
            try connection.query(
                """
                CREATE TEMPORARY VIEW tieout_map_check AS
                SELECT 1 AS one FROM \(fragment: CompiledMap.fromClause(map)) WHERE \(fragment: condition)
                """)
            // Built-in objects are pinned, so pg_depend has no rows for them: the functions (and the tables of
            // pg_catalog) come from the view's stored query tree as well.
            let rows = try connection.query(
                #"""
                WITH rule AS (
                    SELECT r.oid, r.ev_class, r.ev_action::text AS tree FROM pg_rewrite r
                     WHERE r.ev_class = 'pg_temp.tieout_map_check'::regclass),
                relations AS (
                    SELECT d.refobjid AS oid FROM pg_depend d JOIN rule ON d.objid = rule.oid
                     WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
                    UNION
                    SELECT m[1]::oid FROM rule, regexp_matches(rule.tree, ':relid (\d+)', 'g') AS m),
                functions AS (
                    SELECT d.refobjid AS oid FROM pg_depend d JOIN rule ON d.objid = rule.oid
                     WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_proc'::regclass
                    UNION
                    SELECT m[1]::oid
                      FROM rule, regexp_matches(rule.tree, ':(?:funcid|opfuncid|aggfnoid|winfnoid) (\d+)', 'g') AS m)
                SELECT 'relation' AS kind, n.nspname::text AS schema, c.relname::text AS name,
                       NULL::text AS volatility
                  FROM relations JOIN pg_class c ON c.oid = relations.oid
                  JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.oid <> 'pg_temp.tieout_map_check'::regclass
                UNION ALL
                SELECT 'function', n.nspname::text, p.oid::regprocedure::text, p.provolatile::text
                  FROM functions JOIN pg_proc p ON p.oid = functions.oid
                  JOIN pg_namespace n ON n.oid = p.pronamespace
                 ORDER BY 1, 2, 3
                """#)
            try connection.query("DROP VIEW pg_temp.tieout_map_check")
            var problems: [String] = []
            for row in rows {
                let kind: String = try row.decode("kind")
                let schema: String = try row.decode("schema")
                let name: String = try row.decode("name")
                let volatility: String? = try row.decode("volatility")
                if kind == "relation" {
                    let table = QualifiedName(schema: schema, name: name)
                    guard schema != map.source.schema, !map.lookups.contains(where: { $0.table == table }) else {
                        continue
                    }
                    problems.append(
                        "\(what) reads \(table); filters and expressions may read only tables of schema "
                            + "\(map.source.schema) and the map's lookups")
                } else if schema != "pg_catalog" {
                    problems.append(
                        "\(what) calls \(name), a function outside pg_catalog; only built-in functions and operators "
                            + "are allowed")
                } else if volatility == "v" {
                    problems.append(
                        "\(what) calls \(name), a volatile function; filters and expressions may call only immutable "
                            + "or stable functions")
                } else if name.contains("_to_xml") {
                    problems.append("\(what) calls \(name), which reads tables by name; it is not allowed")
                }
            }
            return problems
        }
    }

    /// The server's message about a condition the validator wrapped in a WHERE clause, without that clause:
    /// `aggregate functions are not allowed` (in WHERE).
    static func withoutWhere(_ message: String) -> String {
        message.replacingOccurrences(of: " in WHERE", with: "")
    }

    /// The type of an expression over the source row, from the server.
    private func expressionType(_ sql: String, map: TableMap, on connection: PostgresConnection) throws -> String {
        try connectionCheck(connection) { connection in
            try connection.query(
                """
                SELECT pg_typeof(\(unescaped: sql))::text FROM (SELECT 1) AS _one
                  LEFT JOIN \(fragment: CompiledMap.fromClause(map, joinSourceOn: "false"))
                """
            ).scalar(String.self)
        }
    }

    /// Why `value` cannot be read as `type`, or nil when it can.
    private func castProblem(_ value: String, to type: String, on connection: PostgresConnection) throws -> String? {
        do {
            try connectionCheck(connection) { connection in
                try connection.query("SELECT CAST(\(value) AS \(unescaped: type))")
            }
            return nil
        } catch let error as PostgresError where error.kind == .server {
            return error.message
        }
    }

    /// Why a value of `type` cannot be assigned to `column` of `table`, or nil when it can.
    /// PREPARE runs the parser's type checks of an INSERT without running it.
    private func assignmentProblem(
        from type: String, to column: String, of table: QualifiedName, on connection: PostgresConnection
    ) throws -> String? {
        do {
            try connectionCheck(connection) { connection in
                try connection.query(
                    """
                    PREPARE tieout_assignment_check AS INSERT INTO \(identifier: table.schema, table.name)
                        (\(identifier: column)) VALUES (CAST(NULL AS \(unescaped: type)))
                    """)
                try connection.query("DEALLOCATE tieout_assignment_check")
            }
            return nil
        } catch let error as PostgresError where error.kind == .server {
            return error.message
        }
    }

    /// Runs a check inside a savepoint when a transaction is open, so a failed check does not
    /// abort the caller's transaction.
    @discardableResult
    private func connectionCheck<Result>(
        _ connection: PostgresConnection, _ body: (PostgresConnection) throws -> Result
    ) throws -> Result {
        if connection.transactionStatus == .inTransaction {
            return try connection.withSavepoint(body)
        }
        return try connection.withTransaction(readOnly: false) { connection in try body(connection) }
    }
}

/// Tables read once per validation: the maps share many of them (accounts, contracts, actuals).
private final class CatalogCache {
    private struct Key: Hashable {
        let connection: ObjectIdentifier
        let name: QualifiedName
    }

    private var tables: [Key: TableCatalog?] = [:]

    func table(_ name: QualifiedName, on connection: PostgresConnection) throws -> TableCatalog? {
        let key = Key(connection: ObjectIdentifier(connection), name: name)
        if let cached = tables[key] { return cached }
        let table = try CatalogReader.table(name, on: connection)
        tables[key] = table
        return table
    }
}
