import Foundation
import Testing
import TieoutMigrations
import TieoutPostgres
import TieoutTestSupport

@Suite("migrations")
struct MigratorTests {
    @Test func theEmbeddedSetIsTheSQLFolderInOrder() throws {
        let embedded = try MigrationSet.embedded()
        let onDisk = try MigrationSet.load(directory: packageRoot.appendingPathComponent("sql"))
        #expect(embedded.migrations == onDisk.migrations)
        #expect(embedded.definitions == onDisk.definitions)
        #expect(embedded.definitions.first?.path == "optionset/option_sets.sql")
        #expect(
            embedded.migrations.map(\.name).prefix(3) == ["0001_schemas.sql", "0002_dataverse.sql", "0003_fno.sql"])
        #expect(embedded.migrations.map(\.version) == embedded.migrations.map(\.version).sorted())
    }

    @Test func checksumsAreSHA256OfTheFileText() throws {
        #expect(
            try Migration(name: "0001_a.sql", sql: "abc").checksum
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        )
        #expect(
            try Migration(name: "0001_a.sql", sql: "").checksum
                == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
        let long = String(repeating: "a", count: 1_000)
        #expect(
            try Migration(name: "0001_a.sql", sql: long).checksum
                == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"
        )
    }

    @Test func badFileNamesAndDuplicateVersionsAreRefused() throws {
        #expect(throws: MigrationError.self) { try Migration(name: "1_short.sql", sql: "") }
        #expect(throws: MigrationError.self) { try Migration(name: "0001-dash.sql", sql: "") }
        #expect(throws: MigrationError.self) { try Migration(name: "0001_Upper.sql", sql: "") }
        let error = #expect(throws: MigrationError.self) {
            try MigrationSet(
                [Migration(name: "0002_a.sql", sql: ""), Migration(name: "0002_b.sql", sql: "")], origin: "sql/")
        }
        #expect(error?.description == "0002_a.sql and 0002_b.sql have the same version number 2")
    }

    @Test func migrateAppliesEverythingOnceAndRecordsChecksums() throws {
        try TestDatabase.withFreshDatabase { _, configuration in
            let conn = try PostgresConnection(configuration: configuration)
            let migrator = Migrator(connection: conn)
            let set = try MigrationSet.embedded()
            #expect(try migrator.status(of: set).allSatisfy { $0.state == .pending })
            let applied = try migrator.migrate(set)
            #expect(applied.migrations.map(\.name) == set.migrations.map(\.name))
            #expect(applied.definitions.map(\.path) == set.definitions.map(\.path))
            #expect(try migrator.migrate(set).isEmpty)
            #expect(
                try migrator.status(of: set).map(\.state)
                    == Array(repeating: .applied, count: set.migrations.count + set.definitions.count))
            let recorded = try conn.query("SELECT name, checksum FROM tieout.schema_migration ORDER BY version")
                .map { "\(try $0.decode("name", as: String.self)) \(try $0.decode("checksum", as: String.self))" }
            #expect(recorded == set.migrations.map { "\($0.name) \($0.checksum)" })
            let durations = try conn.query(
                "SELECT count(*) FROM tieout.schema_migration WHERE duration_ms >= 0 AND applied_at <= now()"
            ).scalar(Int.self)
            #expect(durations == set.migrations.count)
        }
    }

    @Test func anEditedAppliedMigrationStopsTheRunAndNamesTheFile() throws {
        try TestDatabase.withFreshDatabase { _, configuration in
            let conn = try PostgresConnection(configuration: configuration)
            let migrator = Migrator(connection: conn)
            let first = try MigrationSet(
                [Migration(name: "0001_one.sql", sql: "CREATE TABLE one (a int);")],
                origin: "/tmp/m/"
            )
            try migrator.migrate(first)
            let edited = try MigrationSet(
                [
                    Migration(name: "0001_one.sql", sql: "CREATE TABLE one (a int, b int);"),
                    Migration(name: "0002_two.sql", sql: "CREATE TABLE two (a int);"),
                ],
                origin: "/tmp/m/"
            )
            let error = #expect(throws: MigrationError.self) { try migrator.migrate(edited) }
            #expect(
                error?.description.hasPrefix("/tmp/m/migrations/0001_one.sql has changed since it was applied") == true)
            #expect(try conn.query("SELECT to_regclass('two') IS NULL").scalar(Bool.self))
            #expect(try migrator.status(of: edited).map(\.state) == [.changed, .pending])
        }
    }

    @Test func aFailingMigrationRollsBackTheWholeRunAndNamesTheFile() throws {
        try TestDatabase.withFreshDatabase { _, configuration in
            let conn = try PostgresConnection(configuration: configuration)
            let migrator = Migrator(connection: conn)
            let set = try MigrationSet(
                [
                    Migration(name: "0001_good.sql", sql: "CREATE TABLE good (a int);"),
                    Migration(name: "0002_bad.sql", sql: "CREATE TABLE half (a int); SELECT * FROM missing_table;"),
                    Migration(name: "0003_later.sql", sql: "CREATE TABLE later (a int);"),
                ],
                origin: "sql/"
            )
            let error = #expect(throws: MigrationError.self) { try migrator.migrate(set) }
            #expect(
                error?.description.hasPrefix(
                    "sql/migrations/0002_bad.sql failed, and the whole migrate was rolled back: relation \"missing_table\" does not exist"
                ) == true)
            #expect(try migrator.status(of: set).map(\.state) == [.pending, .pending, .pending])
            #expect(
                try conn.query(
                    "SELECT to_regclass('good') IS NULL AND to_regclass('half') IS NULL AND to_regclass('later') IS NULL"
                ).scalar(Bool.self))
        }
    }

    @Test func aMigrationMissingFromTheBuildIsReported() throws {
        try TestDatabase.withFreshDatabase { _, configuration in
            let conn = try PostgresConnection(configuration: configuration)
            let migrator = Migrator(connection: conn)
            try migrator.migrate(MigrationSet([Migration(name: "0001_one.sql", sql: "SELECT 1;")], origin: "sql/"))
            let older = try MigrationSet([], origin: "sql/")
            let error = #expect(throws: MigrationError.self) { try migrator.migrate(older) }
            #expect(
                error?.description.hasPrefix(
                    "0001_one.sql was applied to this database but sql/migrations/ has no migration with version 1")
                    == true)
            #expect(try migrator.status(of: older).map(\.state) == [.missing])
        }
    }

    /// A small tree: one table, two definition files where the second uses the first.
    static func tree(_ functions: String = "SELECT 1", view: String = "SELECT f() AS one") -> [(
        path: String, text: String
    )] {
        [
            ("migrations/0001_t.sql", "CREATE TABLE t (a int);"),
            ("order", "# comment\narea/functions.sql\n\narea/views.sql\n"),
            ("area/functions.sql", "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ \(functions) $$;"),
            ("area/views.sql", "CREATE OR REPLACE VIEW v AS \(view);"),
        ]
    }

    @Test func aChangedDefinitionFileIsAppliedAgainAloneInOrder() throws {
        try TestDatabase.withFreshDatabase { _, configuration in
            let conn = try PostgresConnection(configuration: configuration)
            let migrator = Migrator(connection: conn)
            let first = try MigrationSet(files: Self.tree(), origin: "/tmp/s/")
            #expect(first.definitions.map(\.path) == ["area/functions.sql", "area/views.sql"])
            let applied = try migrator.migrate(first)
            #expect(applied.migrations.map(\.name) == ["0001_t.sql"])
            #expect(applied.definitions.map(\.path) == ["area/functions.sql", "area/views.sql"])
            #expect(try conn.query("SELECT one FROM v").scalar(Int.self) == 1)
            let before = try conn.query("SELECT applied_at FROM tieout.schema_definition WHERE path = 'area/views.sql'")
                .scalar(Date.self)

            let changed = try MigrationSet(files: Self.tree("SELECT 2"), origin: "/tmp/s/")
            #expect(try migrator.status(of: changed).map(\.state) == [.applied, .changed, .applied])
            #expect(try migrator.status(of: changed).map(\.isPending) == [false, true, false])
            let again = try migrator.migrate(changed)
            #expect(again.migrations.isEmpty)
            #expect(again.definitions.map(\.path) == ["area/functions.sql"])
            #expect(try conn.query("SELECT one FROM v").scalar(Int.self) == 2)
            let after = try conn.query("SELECT applied_at FROM tieout.schema_definition WHERE path = 'area/views.sql'")
                .scalar(Date.self)
            #expect(after == before)
            #expect(
                try conn.query("SELECT checksum FROM tieout.schema_definition WHERE path = 'area/functions.sql'")
                    .scalar(String.self) == changed.definitions[0].checksum)
            #expect(try migrator.migrate(changed).isEmpty)

            // A new migration applies every definition file again: it may have dropped what they build on.
            let migrated = try MigrationSet(
                files: Self.tree("SELECT 2") + [("migrations/0002_u.sql", "DROP VIEW v; ALTER TABLE t ADD b int;")],
                origin: "/tmp/s/")
            let all = try migrator.migrate(migrated)
            #expect(all.migrations.map(\.name) == ["0002_u.sql"])
            #expect(all.definitions.map(\.path) == ["area/functions.sql", "area/views.sql"])
            #expect(try conn.query("SELECT one FROM v").scalar(Int.self) == 2)
        }
    }

    @Test func aFailingDefinitionFileRollsBackTheWholeRunAndNamesTheFile() throws {
        try TestDatabase.withFreshDatabase { _, configuration in
            let conn = try PostgresConnection(configuration: configuration)
            let migrator = Migrator(connection: conn)
            var files = Self.tree(view: "SELECT f() AS one FROM missing_table")
            files.append(("migrations/0002_u.sql", "CREATE TABLE u (a int);"))
            let set = try MigrationSet(files: files, origin: "/tmp/s/")
            let error = #expect(throws: MigrationError.self) { try migrator.migrate(set) }
            #expect(
                error?.description
                    == "/tmp/s/area/views.sql failed, and the whole migrate was rolled back: relation \"missing_table\" does not exist (SQLSTATE 42P01)"
            )
            #expect(
                try conn.query(
                    "SELECT to_regclass('t') IS NULL AND to_regclass('u') IS NULL AND to_regprocedure('f()') IS NULL"
                ).scalar(Bool.self))
            #expect(try migrator.status(of: set).allSatisfy { $0.state == .pending })
        }
    }

    @Test func theTreeMustListEveryDefinitionFileOnceAndKeepMigrationsInTheirFolder() throws {
        func error(_ files: [(path: String, text: String)]) -> String? {
            #expect(throws: MigrationError.self) { try MigrationSet(files: files, origin: "sql/") }?.description
        }
        #expect(error(Self.tree() + [("area/extra.sql", "")]) == "sql/area/extra.sql is not listed in sql/order")
        #expect(
            error(Self.tree().filter { $0.path != "area/views.sql" })
                == "sql/order line 4: sql/area/views.sql does not exist")
        #expect(
            error(Self.tree().map { $0.path == "order" ? ("order", $0.text + "area/views.sql\n") : $0 })
                == "sql/order line 5: lists area/views.sql twice")
        #expect(
            error(Self.tree() + [("0002_flat.sql", "")])
                == "sql/0002_flat.sql: put a migration in sql/migrations/ and code in an area folder such as sql/recon/"
        )
    }

    @Test func aDatabaseOfTheOldLayoutIsRefusedInOneLine() throws {
        try TestDatabase.withFreshDatabase { _, configuration in
            let conn = try PostgresConnection(configuration: configuration)
            try conn.executeScript(
                """
                CREATE SCHEMA tieout;
                CREATE TABLE tieout.schema_migration (version integer PRIMARY KEY, name text NOT NULL,
                    checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), duration_ms integer NOT NULL);
                INSERT INTO tieout.schema_migration (version, name, checksum, duration_ms)
                VALUES (7, '0007_dataverse_processes.sql', 'abc', 1);
                """)
            let migrator = Migrator(connection: conn)
            let set = try MigrationSet.embedded()
            let expected =
                "this database was migrated by an older tieout whose sql/ layout cannot be upgraded in place; start over with an empty database (`tieout db reset` for tieout's own server, or DROP DATABASE and CREATE DATABASE), then run tieout migrate"
            #expect(#expect(throws: MigrationError.self) { try migrator.migrate(set) }?.description == expected)
            #expect(#expect(throws: MigrationError.self) { try migrator.status(of: set) }?.description == expected)
            #expect(try conn.query("SELECT to_regclass('tieout.schema_definition') IS NULL").scalar(Bool.self))
            #expect(try conn.query("SELECT to_regnamespace('dataverse') IS NULL").scalar(Bool.self))
        }
    }
}
