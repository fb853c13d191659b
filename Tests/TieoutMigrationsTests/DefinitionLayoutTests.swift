import Testing
import TieoutMigrations
import TieoutPostgres
import TieoutTestSupport

/// The layout rules of `sql/`: tables in migrations, every function, view and trigger in exactly one definition
/// file, option-set codes named in one place, functions short enough to read.
@Suite("sql/ layout")
struct DefinitionLayoutTests {
    /// The schemas tieout's SQL creates objects in.
    static let schemas = "'dataverse', 'fno', 'optionset', 'sync', 'process', 'recon', 'load', 'lake'"

    /// Every function, view and trigger of tieout's schemas, as `pg_identify_object` names it.
    static let liveObjects = """
        SELECT (pg_identify_object('pg_proc'::regclass, p.oid, 0)).identity, 'function' AS type, p.prosrc AS body
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname IN (\(schemas))
        UNION ALL
        SELECT (pg_identify_object('pg_class'::regclass, c.oid, 0)).identity, 'view', pg_get_viewdef(c.oid)
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname IN (\(schemas)) AND c.relkind = 'v'
        UNION ALL
        SELECT (pg_identify_object('pg_trigger'::regclass, t.oid, 0)).identity, 'trigger', pg_get_triggerdef(t.oid)
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname IN (\(schemas)) AND NOT t.tgisinternal
        """

    @Test func everyFunctionViewAndTriggerComesFromExactlyOneDefinitionFile() throws {
        try TestDatabase.withFreshDatabase { _, configuration in
            let conn = try PostgresConnection(configuration: configuration)
            try conn.query("SET client_min_messages = warning")
            // An event trigger records which file created (or replaced) what, file by file.
            try conn.executeScript(
                """
                CREATE SCHEMA layout_test;
                CREATE TABLE layout_test.created (file text, object_type text, identity text);
                CREATE FUNCTION layout_test.record() RETURNS event_trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO layout_test.created
                    SELECT current_setting('layout_test.file'), c.object_type, c.object_identity
                      FROM pg_event_trigger_ddl_commands() c
                     WHERE c.object_type IN ('function', 'view', 'trigger');
                END
                $$;
                CREATE EVENT TRIGGER layout_test_record ON ddl_command_end EXECUTE FUNCTION layout_test.record();
                """)
            let set = try MigrationSet.embedded()
            let files = set.migrations.map { ($0.path, $0.sql) } + set.definitions.map { ($0.path, $0.sql) }
            for (path, sql) in files {
                try conn.query("SELECT set_config('layout_test.file', \(path), false)")
                try conn.executeScript(sql)
            }
            try conn.query("DROP EVENT TRIGGER layout_test_record")

            let fromMigrations = try conn.query(
                "SELECT DISTINCT file || ': ' || identity AS what FROM layout_test.created WHERE file LIKE 'migrations/%' ORDER BY 1"
            ).map { try $0.decode("what", as: String.self) }
            #expect(fromMigrations == [])

            let notOnce = try conn.query(
                """
                SELECT l.identity || ' from ' || coalesce(string_agg(DISTINCT c.file, ', '), 'no file') AS what
                  FROM (\(unescaped: Self.liveObjects)) l (identity, type, body)
                  LEFT JOIN layout_test.created c ON c.identity = l.identity
                 WHERE l.identity NOT LIKE 'layout_test.%'
                 GROUP BY l.identity
                HAVING count(DISTINCT c.file) <> 1
                 ORDER BY 1
                """
            ).map { try $0.decode("what", as: String.self) }
            #expect(notOnce == [])

            let counts = try conn.query(
                """
                SELECT count(*) FILTER (WHERE type = 'function') AS functions,
                       count(*) FILTER (WHERE type = 'view') AS views,
                       count(*) FILTER (WHERE type = 'trigger' AND identity NOT LIKE 'recon_dirty_%') AS triggers,
                       count(*) FILTER (WHERE type = 'trigger' AND identity LIKE 'recon_dirty_%') AS capture
                  FROM (\(unescaped: Self.liveObjects)) l (identity, type, body)
                """
            )
            let created = try conn.query(
                "SELECT count(DISTINCT identity) FROM layout_test.created WHERE file NOT LIKE 'migrations/%'"
            ).scalar(Int.self)
            let functions = try counts[0].decode("functions", as: Int.self)
            let views = try counts[0].decode("views", as: Int.self)
            let triggers = try counts[0].decode("triggers", as: Int.self)
            let capture = try counts[0].decode("capture", as: Int.self)
            #expect(functions + views + triggers + capture == created)
            #expect(triggers == 17)
            // recon/capture.sql's loop: insert, update, delete and truncate on the 15 inputs and 3 reference
            // tables, less the inserts a column list rules out and the two capture-only Dataverse tables' share.
            #expect(capture == 81)
            #expect(views >= 10)
        }
    }

    @Test func noFunctionViewOrTriggerSpellsAnOptionSetCodeOutsideOptionset() throws {
        try TestDatabase.withMigratedDatabase { conn, _ in
            // Codes of four digits or more anywhere in a body, and any option-set column compared with a number.
            let offenders = try conn.query(
                """
                WITH big AS (
                    SELECT '\\m(' || string_agg(DISTINCT code::text, '|') || ')\\M' AS pattern
                      FROM optionset.value WHERE code >= 1000),
                     compared AS (
                    SELECT '\\m(' || string_agg(DISTINCT column_name, '|') || ')\\s*(=|<>|!=|IN\\s*\\()\\s*''?[0-9]'
                           AS pattern
                      FROM optionset.column_set)
                SELECT l.identity
                  FROM (\(unescaped: Self.liveObjects)) l (identity, type, body), big, compared
                 WHERE l.identity NOT LIKE 'optionset.%'
                   AND (l.body ~ big.pattern OR l.body ~* compared.pattern)
                 ORDER BY 1
                """
            ).map { try $0.decode("identity", as: String.self) }
            #expect(offenders == [])
            // The check can fail: the numbers it looks for are where they belong.
            let named = try conn.query(
                """
                SELECT count(*) FROM (\(unescaped: Self.liveObjects)) l (identity, type, body)
                 WHERE l.identity LIKE 'optionset.%' AND l.body ~ '\\m192350006\\M'
                """
            ).scalar(Int.self)
            #expect(named == 1)
        }
    }

    @Test func noFunctionIsLongerThan150Lines() throws {
        try TestDatabase.withMigratedDatabase { conn, _ in
            let long = try conn.query(
                """
                SELECT l.identity || ' ' || array_length(string_to_array(l.body, E'\\n'), 1) AS what
                  FROM (\(unescaped: Self.liveObjects)) l (identity, type, body)
                 WHERE l.type = 'function' AND array_length(string_to_array(l.body, E'\\n'), 1) > 150
                 ORDER BY 1
                """
            ).map { try $0.decode("what", as: String.self) }
            #expect(long == [])
        }
    }
}
