import Foundation
public import TieoutPostgres

/// A validated map with the catalog facts it was checked against, and the set-based SQL it
/// compiles to. Every identifier is quoted by libpq (`\(identifier:)`) and every constant is a bind
/// parameter; only the map's own expressions and filter are spliced in as SQL, and the validator has
/// made the server check those.
///
/// The apply pipeline works on a per-connection temporary *stage* table with one row per source key:
/// `_key` (source primary key as text[]), `_present` (the source row exists), `_include` (it passes the
/// filter), `_sqlstate`/`_problem` (why it cannot be written), then one column per mapped target column.
public struct CompiledMap: Sendable {
    public let map: TableMap
    public let sourceTable: TableCatalog
    public let targetTable: TableCatalog
    let lookupTables: [String: TableCatalog]

    init(map: TableMap, sourceTable: TableCatalog, targetTable: TableCatalog, lookupTables: [String: TableCatalog]) {
        self.map = map
        self.sourceTable = sourceTable
        self.targetTable = targetTable
        self.lookupTables = lookupTables
    }

    public var name: String { map.name }

    /// Mapped target columns, in field order.
    public var columns: [String] { map.fields.map(\.target) }

    /// The target column's type.
    func targetType(_ column: String) -> String { targetTable.column(column)?.type ?? "text" }

    /// The type of a field's value before the value map and the cast.
    func valueType(_ field: TableMap.Field) -> String? {
        switch field.value {
        case .column(let reference):
            let table = reference.alias.flatMap { lookupTables[$0] } ?? sourceTable
            return table.column(reference.column)?.type
        case .expression, .constant:
            return nil
        }
    }

    // MARK: - Source side

    /// `"schema"."source" AS src LEFT JOIN "schema"."lookup" AS "alias" ON … ` (used by the validator).
    static func fromClause(
        _ map: TableMap, joinSourceOn condition: String? = nil, reading source: (schema: String, name: String)? = nil
    ) -> PostgresQuery {
        let source = source ?? (map.source.schema, map.source.name)
        var query: PostgresQuery = "\(identifier: source.schema, source.name) AS src"
        if let condition { query.append(" ON \(unescaped: condition)") }
        query.append(lookupJoins(map))
        return query
    }

    static func lookupJoins(_ map: TableMap) -> PostgresQuery {
        var query: PostgresQuery = ""
        for lookup in map.lookups {
            query.append(
                "\nLEFT JOIN \(identifier: lookup.table.schema, lookup.table.name) AS \(identifier: lookup.alias) ON ")
            for (index, pair) in lookup.on.enumerated() {
                if index > 0 { query.append(" AND ") }
                query.append(
                    "\(identifier: lookup.alias).\(identifier: pair.lookupColumn) = src.\(identifier: pair.sourceColumn)"
                )
            }
        }
        return query
    }

    /// The value of a field as SQL, cast to its target column's type.
    func valueSQL(_ field: TableMap.Field) -> PostgresQuery {
        var base: PostgresQuery?
        switch field.value {
        case .column(let reference):
            base = "\(identifier: reference.alias ?? "src").\(identifier: reference.column)"
        case .expression(let sql):
            base = "(\(unescaped: sql))"
        case .constant:
            base = nil
        }
        if let valueMap = field.valueMap, let source = base {
            // Compared in the source value's text form, exactly like the problem check below.
            var mapped: PostgresQuery = "CASE (\(fragment: source))::text"
            for entry in valueMap { mapped.append(" WHEN \(entry.source) THEN \(entry.target)") }
            mapped.append(" END")
            base = mapped
        }
        let value: PostgresQuery
        switch (base, field.defaultValue) {
        case (let base?, let fallback?): value = "COALESCE(\(fragment: base), \(fallback))"
        case (let base?, nil): value = base
        case (nil, let constant?): value = "\(constant)"
        case (nil, nil): value = "NULL"
        }
        return "CAST(\(fragment: value) AS \(unescaped: targetType(field.target)))"
    }

    /// Why a row cannot be mapped (no value-map entry), or NULL.
    func problemSQL() -> PostgresQuery {
        var parts: [PostgresQuery] = []
        for field in map.fields {
            guard let valueMap = field.valueMap else { continue }
            let source: PostgresQuery
            switch field.value {
            case .column(let reference):
                source = "\(identifier: reference.alias ?? "src").\(identifier: reference.column)"
            case .expression(let sql): source = "(\(unescaped: sql))"
            case .constant: continue
            }
            let known = valueMap.map(\.source)
            let message = "\(field.target): no value-map entry for source value "
            parts.append(
                """
                CASE WHEN \(fragment: source) IS NOT NULL AND NOT ((\(fragment: source))::text = ANY (CAST(\(known) AS text[]))) \
                THEN \(message)::text || (\(fragment: source))::text END
                """
            )
        }
        guard !parts.isEmpty else { return "NULL::text" }
        var query: PostgresQuery = "NULLIF(concat_ws('; '"
        for part in parts { query.append(", \(fragment: part)") }
        query.append("), '')")
        return query
    }

    /// The select list shared by every projection.
    func projectionList(key: PostgresQuery, present: PostgresQuery) -> PostgresQuery {
        var query: PostgresQuery = "SELECT \(fragment: key) AS _key, \(fragment: present) AS _present, "
        if let filter = map.filter {
            query.append("COALESCE((\(unescaped: filter)), false) AS _include, ")
        } else {
            query.append("\(fragment: present) AS _include, ")
        }
        query.append("\(fragment: problemSQL()) AS _problem")
        for field in map.fields {
            query.append(",\n       \(fragment: valueSQL(field)) AS \(identifier: field.target)")
        }
        return query
    }

    /// The mapped rows for a list of source keys (each key a text[] literal as the change log stores
    /// it). A key whose source row is gone yields a row with `_present` false.
    public func projection(keys: [String]) -> PostgresQuery {
        // Not `src IS NOT NULL`: for a row that is true only when every column is non-null.
        let present: PostgresQuery = "(src.\(identifier: sourceTable.primaryKey.first ?? "") IS NOT NULL)"
        var query = projectionList(key: "CAST(_k._key AS text[])", present: present)
        query.append("\nFROM unnest(CAST(\(keys) AS text[])) AS _k(_key)")
        query.append("\nLEFT JOIN \(identifier: map.source.schema, map.source.name) AS src ON \(fragment: keyJoin())")
        query.append(Self.lookupJoins(map))
        return query
    }

    /// `src.pk1 = <key element 1> AND …`: the source row of the text[] key `_k._key`.
    func keyJoin() -> PostgresQuery {
        sourceTable.primaryKey.enumerated().map { index, column -> PostgresQuery in
            "src.\(identifier: column) = CAST((CAST(_k._key AS text[]))[\(unescaped: String(index + 1))] AS \(unescaped: sourceType(column)))"
        }.joined(separator: " AND ")
    }

    func sourceType(_ column: String) -> String { sourceTable.column(column)?.type ?? "text" }

    /// The mapped rows of a primary-key range of the source: after `lower` (exclusive, nil for the
    /// start) up to `upper` (inclusive, nil for the end). Used by the initial sync.
    public func projection(after lower: [String]?, through upper: [String]?) -> PostgresQuery {
        var query = projectionList(key: primaryKeyArray(), present: "true")
        query.append("\nFROM \(identifier: map.source.schema, map.source.name) AS src")
        query.append(Self.lookupJoins(map))
        query.append(rangeCondition(after: lower, through: upper))
        return query
    }

    /// The primary keys (text[] literals) of a range of the source, in key order.
    public func rangeKeys(after lower: [String]?, through upper: [String]?) -> PostgresQuery {
        """
        SELECT \(fragment: primaryKeyArray())::text FROM \(identifier: map.source.schema, map.source.name) AS src\
        \(fragment: rangeCondition(after: lower, through: upper)) ORDER BY \(fragment: primaryKeyColumns())
        """
    }

    /// The primary key (as a text[]) of the source row `count` rows after `lower`, or the last one
    /// when fewer remain: the upper bound of the next initial-sync batch.
    public func nextBoundary(after lower: [String]?, count: Int) -> PostgresQuery {
        """
        SELECT \(fragment: primaryKeyArray()) AS key
          FROM (SELECT \(fragment: primaryKeyColumns()) FROM \(identifier: map.source.schema, map.source.name) AS src\
        \(fragment: rangeCondition(after: lower, through: nil))
                 ORDER BY \(fragment: primaryKeyColumns()) LIMIT \(count)) AS src
         ORDER BY \(fragment: primaryKeyColumns(descending: true)) LIMIT 1
        """
    }

    /// `src.pk1, src.pk2` (optionally each DESC).
    func primaryKeyColumns(descending: Bool = false) -> PostgresQuery {
        sourceTable.primaryKey.map { "src.\(identifier: $0)\(unescaped: descending ? " DESC" : "")" }
            .joined(separator: ", ")
    }

    /// `ARRAY[src.pk1::text, …]`: the key as the change log stores it.
    func primaryKeyArray() -> PostgresQuery {
        "ARRAY[\(fragment: sourceTable.primaryKey.map { "src.\(identifier: $0)::text" }.joined(separator: ", "))]"
    }

    /// ` WHERE (pk) > (lower) AND (pk) <= (upper)`, or nothing without bounds.
    func rangeCondition(after lower: [String]?, through upper: [String]?) -> PostgresQuery {
        func values(_ key: [String]) -> PostgresQuery {
            let casts = sourceTable.primaryKey.enumerated().map { index, column -> PostgresQuery in
                "CAST(\(index < key.count ? key[index] : "") AS \(unescaped: sourceType(column)))"
            }
            return "(\(fragment: casts.joined(separator: ", ")))"
        }
        var conditions: [PostgresQuery] = []
        if let lower { conditions.append("(\(fragment: primaryKeyColumns())) > \(fragment: values(lower))") }
        if let upper { conditions.append("(\(fragment: primaryKeyColumns())) <= \(fragment: values(upper))") }
        return conditions.isEmpty ? "" : "\nWHERE \(fragment: conditions.joined(separator: " AND "))"
    }

    /// Every source row as the map would write it (included rows only, no problems): what the
    /// target should hold. Used by tests, the benchmark's baseline and reconciliation.
    public func mappedSource() -> PostgresQuery {
        var query: PostgresQuery = "SELECT "
        query.append(mappedColumns())
        query.append("\nFROM \(fragment: Self.fromClause(map))")
        if let filter = map.filter { query.append("\nWHERE COALESCE((\(unescaped: filter)), false)") }
        return query
    }

    /// The source rows as the map would write them, for reconciliation: with `includingFiltered`, also the rows
    /// the map's filter leaves out, and a leading boolean column `_include` that says whether the filter lets the
    /// row through (to tell a record the map does not send, such as a skip-sync actual, from one that is missing).
    /// Each column of `carrying` is a source column passed along unmapped as `_src_<column>` (timestamps, keys).
    /// `source` reads the source rows from another relation with the source table's columns (reconciliation's
    /// inputs); the lookups still read their tables.
    public func mappedSource(
        includingFiltered: Bool, carrying: [String] = [], reading source: (schema: String, name: String)? = nil
    ) -> PostgresQuery {
        var query: PostgresQuery = "SELECT "
        if includingFiltered {
            if let filter = map.filter {
                query.append("COALESCE((\(unescaped: filter)), false) AS _include,\n       ")
            } else {
                query.append("true AS _include,\n       ")
            }
        }
        for column in carrying {
            query.append("src.\(identifier: column) AS \(identifier: "_src_" + column),\n       ")
        }
        query.append(mappedColumns())
        query.append("\nFROM \(fragment: Self.fromClause(map, reading: source))")
        if !includingFiltered, let filter = map.filter {
            query.append("\nWHERE COALESCE((\(unescaped: filter)), false)")
        }
        return query
    }

    /// `<value> AS "target", …` for every field, in field order.
    func mappedColumns() -> PostgresQuery {
        var query: PostgresQuery = ""
        for (index, field) in map.fields.enumerated() {
            if index > 0 { query.append(",\n       ") }
            query.append("\(fragment: valueSQL(field)) AS \(identifier: field.target)")
        }
        return query
    }

    /// `INSERT INTO target (…) <mappedSource>`: the bare set-based copy the benchmark compares with.
    public func bareInsert() -> PostgresQuery {
        "INSERT INTO \(identifier: map.target.schema, map.target.name) (\(fragment: columnList())) \(fragment: mappedSource())"
    }

    // MARK: - Target side

    /// The stage table's name (temporary, per connection).
    public var stageName: String { "tieout_stage_" + map.name.replacingOccurrences(of: "-", with: "_") }

    func columnList(prefix: String? = nil) -> PostgresQuery {
        columns.map { column -> PostgresQuery in
            prefix.map { "\(identifier: $0).\(identifier: column)" } ?? "\(identifier: column)"
        }.joined(separator: ", ")
    }

    /// Creates the stage table if this connection has none yet.
    public func createStage() -> PostgresQuery {
        var query: PostgresQuery = """
            CREATE TEMPORARY TABLE IF NOT EXISTS \(identifier: stageName) (
                _key text[] NOT NULL, _present boolean NOT NULL, _include boolean NOT NULL,
                _sqlstate text, _problem text
            """
        for column in columns { query.append(",\n    \(identifier: column) \(unescaped: targetType(column))") }
        query.append("\n) ON COMMIT DELETE ROWS")
        return query
    }

    /// The stage's column list, in projection order (for COPY).
    public func stageColumns() -> PostgresQuery {
        "_key, _present, _include, _problem, \(fragment: columnList())"
    }

    /// Fills the stage from a projection run on the same connection.
    public func fillStage(from projection: PostgresQuery) -> PostgresQuery {
        "INSERT INTO \(identifier: stageName) (\(fragment: stageColumns())) \(fragment: projection)"
    }

    /// Target-side checks, in order: key columns present, references exist, and (update mode) the
    /// target row exists. Each marks failing stage rows with a SQLSTATE and a message.
    public func stageChecks() -> [PostgresQuery] {
        var checks: [PostgresQuery] = []
        var keyIsNull: PostgresQuery = ""
        for (index, column) in map.key.enumerated() {
            if index > 0 { keyIsNull.append(" OR ") }
            keyIsNull.append("\(identifier: column) IS NULL")
        }
        checks.append(
            """
            UPDATE \(identifier: stageName) SET _sqlstate = '23502',
                   _problem = \("key of \(map.target) would be NULL (\(map.key.joined(separator: ", ")))")
             WHERE _include AND _problem IS NULL AND (\(fragment: keyIsNull))
            """)
        for reference in map.references {
            var notNull: PostgresQuery = ""
            var match: PostgresQuery = ""
            var label: PostgresQuery = "concat_ws(', '"
            for (index, pair) in reference.columns.enumerated() {
                if index > 0 {
                    notNull.append(" AND ")
                    match.append(" AND ")
                }
                notNull.append("s.\(identifier: pair.targetColumn) IS NOT NULL")
                match.append("r.\(identifier: pair.referencedColumn) = s.\(identifier: pair.targetColumn)")
                label.append(", \("\(pair.referencedColumn) = ")::text || s.\(identifier: pair.targetColumn)::text")
            }
            label.append(")")
            checks.append(
                """
                UPDATE \(identifier: stageName) AS s SET _sqlstate = '23503',
                       _problem = \("missing reference: \(reference.table) has no row with ")::text || \(fragment: label)
                 WHERE s._include AND s._problem IS NULL AND \(fragment: notNull)
                   AND NOT EXISTS (SELECT 1 FROM \(identifier: reference.table.schema, reference.table.name) AS r
                                    WHERE \(fragment: match))
                """)
        }
        if map.mode == .update {
            var label: PostgresQuery = "concat_ws(', '"
            for column in map.key {
                label.append(", \("\(column) = ")::text || s.\(identifier: column)::text")
            }
            label.append(")")
            checks.append(
                """
                UPDATE \(identifier: stageName) AS s SET _sqlstate = '23503',
                       _problem = \("missing reference: \(map.target) has no row with ")::text || \(fragment: label)
                 WHERE s._include AND s._problem IS NULL
                   AND NOT EXISTS (SELECT 1 FROM \(identifier: map.target.schema, map.target.name) AS t
                                    WHERE \(fragment: keyMatch()))
                """)
        }
        return checks
    }

    func keyMatch() -> PostgresQuery {
        map.key.map { "t.\(identifier: $0) = s.\(identifier: $0)" }.joined(separator: " AND ")
    }

    /// Records every stage row that has a problem in `sync.error` (one open error per key) and
    /// returns their keys.
    public func recordStageProblems() -> PostgresQuery {
        """
        INSERT INTO sync.error AS e (map, key, sqlstate, message)
        SELECT \(map.name), _key, COALESCE(_sqlstate, '22023'), _problem
          FROM \(identifier: stageName) WHERE _include AND _problem IS NOT NULL
        ON CONFLICT (map, key) WHERE status = 'open' DO UPDATE
           SET attempts = e.attempts + 1, last_failed_at = now(), sqlstate = EXCLUDED.sqlstate,
               message = EXCLUDED.message, detail = NULL
        RETURNING key::text
        """
    }

    /// Writes the good stage rows to the target: inserts new ones (upsert mode) and updates changed
    /// ones. Rows that would not change are skipped (`IS DISTINCT FROM`), so a re-run writes nothing.
    public func merge() -> PostgresQuery {
        let nonKey = columns.filter { !map.key.contains($0) }
        var query: PostgresQuery = """
            MERGE INTO \(identifier: map.target.schema, map.target.name) AS t
            USING (SELECT \(fragment: columnList()) FROM \(identifier: stageName)
                    WHERE _include AND _problem IS NULL) AS s
               ON \(fragment: keyMatch())
            """
        if !nonKey.isEmpty {
            var old: PostgresQuery = "("
            var new: PostgresQuery = "("
            var set: PostgresQuery = ""
            for (index, column) in nonKey.enumerated() {
                if index > 0 {
                    old.append(", ")
                    new.append(", ")
                    set.append(", ")
                }
                old.append("t.\(identifier: column)")
                new.append("s.\(identifier: column)")
                set.append("\(identifier: column) = s.\(identifier: column)")
            }
            for column in map.touch { set.append(", \(identifier: column) = now()") }
            old.append(")")
            new.append(")")
            query.append(
                "\nWHEN MATCHED AND \(fragment: old) IS DISTINCT FROM \(fragment: new) THEN UPDATE SET \(fragment: set)"
            )
        }
        if map.mode == .upsert {
            var touchColumns: PostgresQuery = ""
            var touchValues: PostgresQuery = ""
            for column in map.touch {
                touchColumns.append(", \(identifier: column)")
                touchValues.append(", now()")
            }
            query.append(
                """

                WHEN NOT MATCHED THEN INSERT (\(fragment: columnList())\(fragment: touchColumns))
                     VALUES (\(fragment: columnList(prefix: "s"))\(fragment: touchValues))
                """)
        }
        return query
    }

    /// Deletes target rows whose source row is gone (maps with `deletes: propagate`), or nil.
    public func propagateDeletes() -> PostgresQuery? {
        guard map.deletes == .propagate else { return nil }
        var match: PostgresQuery = ""
        for (index, column) in map.key.enumerated() {
            guard case .column(let reference)? = map.field(for: column)?.value,
                let position = sourceTable.primaryKey.firstIndex(of: reference.column)
            else { return nil }
            if index > 0 { match.append(" AND ") }
            match.append(
                "t.\(identifier: column) = CAST(s._key[\(unescaped: String(position + 1))] AS \(unescaped: targetType(column)))"
            )
        }
        return """
            DELETE FROM \(identifier: map.target.schema, map.target.name) AS t
             USING \(identifier: stageName) AS s
             WHERE NOT s._present AND \(fragment: match)
            """
    }

    /// The source rows of some keys as JSON (the payload of an error), as (key literal, json) rows.
    public func sourcePayloads(keys: [String]) -> PostgresQuery {
        """
        SELECT _k._key AS key, to_jsonb(src)::text AS payload
          FROM unnest(CAST(\(keys) AS text[])) AS _k(_key)
          JOIN \(identifier: map.source.schema, map.source.name) AS src ON \(fragment: keyJoin())
        """
    }
}

extension Array where Element == PostgresQuery {
    /// The queries one after the other, `separator` between them.
    func joined(separator: String) -> PostgresQuery {
        var result: PostgresQuery = ""
        for (index, query) in enumerated() {
            if index > 0 { result.append(PostgresQuery(unescaped: separator)) }
            result.append(query)
        }
        return result
    }
}
