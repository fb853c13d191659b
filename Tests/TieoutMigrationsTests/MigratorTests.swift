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
            #expect(applied.map(\.name) == set.migrations.map(\.name))
            #expect(try migrator.migrate(set).isEmpty)
            #expect(
                try migrator.status(of: set).map(\.state) == Array(repeating: .applied, count: set.migrations.count))
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
            #expect(error?.description.hasPrefix("/tmp/m/0001_one.sql has changed since it was applied") == true)
            #expect(try conn.query("SELECT to_regclass('two') IS NULL").scalar(Bool.self))
            #expect(try migrator.status(of: edited).map(\.state) == [.changed, .pending])
        }
    }

    @Test func aFailingMigrationRollsBackAloneAndNamesTheFile() throws {
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
                    "sql/0002_bad.sql failed and was rolled back: relation \"missing_table\" does not exist") == true)
            #expect(try migrator.status(of: set).map(\.state) == [.applied, .pending, .pending])
            #expect(
                try conn.query("SELECT to_regclass('half') IS NULL AND to_regclass('later') IS NULL").scalar(Bool.self))
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
                    "0001_one.sql was applied to this database but sql/ has no migration with version 1") == true)
            #expect(try migrator.status(of: older).map(\.state) == [.missing])
        }
    }
}
