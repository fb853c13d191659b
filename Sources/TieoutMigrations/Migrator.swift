public import Foundation
public import Logging
public import TieoutPostgres

/// Applies a ``MigrationSet`` to a database: the pending migrations, then every definition file whose text
/// differs from the one applied last (every definition file when a migration was applied), all in one
/// transaction, recorded with their checksums in `tieout.schema_migration` and `tieout.schema_definition`.
///
/// - A failing file rolls back the whole run: the database stays as it was, and the error names the file.
/// - A migration that was applied and whose file has changed since (or disappeared) stops the run
///   before anything is applied. A changed definition file is simply applied again.
/// - A database migrated by a tieout from before the split into migrations and definitions is refused with
///   a one-line error that says how to start over.
/// - A session-level advisory lock keeps two migrators from racing.
public struct Migrator {
    let connection: PostgresConnection
    let logger: Logger

    /// The advisory lock key that serializes migrators (arbitrary, fixed).
    static let lockKey = 7_100_215_001

    public init(connection: PostgresConnection, logger: Logger = Logger(label: "tieout.migrate")) {
        self.connection = connection
        self.logger = logger
    }

    /// Where one file stands.
    public enum State: String, Sendable {
        /// Applied, and the file is unchanged.
        case applied
        /// Not applied yet.
        case pending
        /// Applied, but the file has changed since: an error for a migration, a re-apply for a definition file.
        case changed
        /// Applied, but the file no longer exists: an error for a migration; a definition file's objects stay.
        case missing
    }

    /// One line of `tieout migrate --status`.
    public struct Entry: Sendable, Equatable {
        /// The migration's version, nil for a definition file.
        public var version: Int?
        /// A migration's file name (`0002_dataverse.sql`) or a definition file's path (`dataverse/guards.sql`).
        public var name: String
        public var state: State
        public var appliedAt: Date?

        /// Whether this line stops `tieout migrate`: a changed or missing migration.
        public var isProblem: Bool { version != nil && (state == .changed || state == .missing) }
        /// Whether `tieout migrate` would apply this file.
        public var isPending: Bool { state == .pending || (version == nil && state == .changed) }
    }

    /// What one run applied.
    public struct Applied: Sendable {
        public var migrations: [Migration] = []
        public var definitions: [Definition] = []
        public var isEmpty: Bool { migrations.isEmpty && definitions.isEmpty }
    }

    struct Record {
        var version: Int
        var name: String
        var checksum: String
        var appliedAt: Date
    }

    struct DefinitionRecord {
        var path: String
        var checksum: String
        var appliedAt: Date
    }

    /// Every migration of the set and every recorded one in version order, then the definition files in order.
    public func status(of set: MigrationSet) throws -> [Entry] {
        try refuseOldLayout()
        return entries(set: set, records: try appliedRecords(), definitions: try definitionRecords())
    }

    /// Applies the pending migrations in order, then the definition files that are new or changed, in one
    /// transaction; returns what it applied (empty when the database is up to date). Throws, applying nothing,
    /// when an applied migration changed or when any file fails.
    @discardableResult
    public func migrate(_ set: MigrationSet) throws -> Applied {
        try connection.query("SELECT pg_advisory_lock(\(Self.lockKey))")
        defer { _ = try? connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))") }
        try refuseOldLayout()
        var applied = Applied()
        try connection.withTransaction { conn in
            try bootstrap(conn)
            let records = try appliedRecords()
            try verify(set: set, records: records)
            let appliedVersions = Set(records.map(\.version))
            for migration in set.migrations where !appliedVersions.contains(migration.version) {
                let milliseconds = try apply(migration.sql, file: set.origin + migration.path, on: conn)
                try conn.query(
                    """
                    INSERT INTO tieout.schema_migration (version, name, checksum, duration_ms)
                    VALUES (\(migration.version), \(migration.name), \(migration.checksum), \(milliseconds))
                    """
                )
                applied.migrations.append(migration)
            }
            // A migration may have dropped what a definition builds on (a view over a changed column is dropped
            // by the migration that changes it): after any migration every definition file is applied again.
            let recorded = Dictionary(uniqueKeysWithValues: try definitionRecords().map { ($0.path, $0.checksum) })
            let all = !applied.migrations.isEmpty
            for definition in set.definitions where all || recorded[definition.path] != definition.checksum {
                let milliseconds = try apply(definition.sql, file: set.origin + definition.path, on: conn)
                try conn.query(
                    """
                    INSERT INTO tieout.schema_definition (path, checksum, duration_ms)
                    VALUES (\(definition.path), \(definition.checksum), \(milliseconds))
                    ON CONFLICT (path) DO UPDATE
                       SET checksum = excluded.checksum, applied_at = excluded.applied_at,
                           duration_ms = excluded.duration_ms
                    """
                )
                applied.definitions.append(definition)
            }
            // A definition file taken out of sql/order leaves its objects behind; only its record goes.
            let listed = set.definitions.map(\.path)
            for path in recorded.keys.sorted() where !listed.contains(path) {
                try conn.query("DELETE FROM tieout.schema_definition WHERE path = \(path)")
                logger.warning(
                    "a definition file applied earlier is gone; its objects stay", metadata: ["file": .string(path)])
            }
        }
        for migration in applied.migrations {
            logger.info("applied migration", metadata: ["migration": .string(migration.name)])
        }
        for definition in applied.definitions {
            logger.info("applied definitions", metadata: ["file": .string(definition.path)])
        }
        return applied
    }

    /// Runs one file's script inside the migration transaction, naming the file when it fails; returns how
    /// many milliseconds it took.
    private func apply(_ sql: String, file: String, on conn: PostgresConnection) throws -> Int {
        let started = ContinuousClock.now
        do {
            try conn.executeScript(sql)
        } catch {
            throw MigrationError("\(file) failed, and the whole migrate was rolled back: \(error)")
        }
        let elapsed = ContinuousClock.now - started
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }

    /// A database migrated before `sql/` was split into migrations and definitions has `tieout.schema_migration`
    /// rows but no `tieout.schema_definition`: nothing in it can be upgraded in place.
    func refuseOldLayout() throws {
        let old = try connection.query(
            """
            SELECT to_regclass('tieout.schema_migration') IS NOT NULL
               AND to_regclass('tieout.schema_definition') IS NULL
            """
        ).scalar(Bool.self)
        guard old, try connection.query("SELECT count(*) FROM tieout.schema_migration").scalar(Int.self) > 0 else {
            return
        }
        throw MigrationError(
            "this database was migrated by an older tieout whose sql/ layout cannot be upgraded in place; start over with an empty database (`tieout db reset` for tieout's own server, or DROP DATABASE and CREATE DATABASE), then run tieout migrate"
        )
    }

    /// Refuses to go on when an applied migration no longer matches its file.
    func verify(set: MigrationSet, records: [Record]) throws(MigrationError) {
        let byVersion = Dictionary(uniqueKeysWithValues: set.migrations.map { ($0.version, $0) })
        for record in records {
            guard let migration = byVersion[record.version] else {
                throw MigrationError(
                    "\(record.name) was applied to this database but \(set.origin)\(MigrationSet.migrationFolder)/ has no migration with version \(record.version); this build is older than the database"
                )
            }
            if migration.name != record.name {
                throw MigrationError(
                    "\(set.origin)\(migration.path) has version \(record.version), which was applied as \(record.name); never rename an applied migration"
                )
            }
            if migration.checksum != record.checksum {
                throw MigrationError(
                    "\(set.origin)\(migration.path) has changed since it was applied (recorded checksum \(record.checksum.prefix(12)), file \(migration.checksum.prefix(12))); restore it and put the change in a new migration"
                )
            }
        }
    }

    func entries(set: MigrationSet, records: [Record], definitions: [DefinitionRecord]) -> [Entry] {
        let recordByVersion = Dictionary(uniqueKeysWithValues: records.map { ($0.version, $0) })
        var result: [Entry] = set.migrations.map { migration in
            guard let record = recordByVersion[migration.version] else {
                return Entry(version: migration.version, name: migration.name, state: .pending, appliedAt: nil)
            }
            let same = record.checksum == migration.checksum && record.name == migration.name
            return Entry(
                version: migration.version,
                name: migration.name,
                state: same ? .applied : .changed,
                appliedAt: record.appliedAt
            )
        }
        let known = Set(set.migrations.map(\.version))
        for record in records where !known.contains(record.version) {
            result.append(
                Entry(version: record.version, name: record.name, state: .missing, appliedAt: record.appliedAt))
        }
        result.sort { ($0.version ?? 0) < ($1.version ?? 0) }
        let definitionByPath = Dictionary(uniqueKeysWithValues: definitions.map { ($0.path, $0) })
        for definition in set.definitions {
            let record = definitionByPath[definition.path]
            let state: State = record == nil ? .pending : record?.checksum == definition.checksum ? .applied : .changed
            result.append(Entry(version: nil, name: definition.path, state: state, appliedAt: record?.appliedAt))
        }
        let listed = Set(set.definitions.map(\.path))
        for record in definitions where !listed.contains(record.path) {
            result.append(Entry(version: nil, name: record.path, state: .missing, appliedAt: record.appliedAt))
        }
        return result
    }

    func appliedRecords() throws -> [Record] {
        let exists = try connection.query("SELECT to_regclass('tieout.schema_migration') IS NOT NULL").scalar(Bool.self)
        guard exists else { return [] }
        return try connection.query(
            "SELECT version, name, checksum, applied_at FROM tieout.schema_migration ORDER BY version"
        ).map { row in
            Record(
                version: try row.decode("version"),
                name: try row.decode("name"),
                checksum: try row.decode("checksum"),
                appliedAt: try row.decode("applied_at")
            )
        }
    }

    func definitionRecords() throws -> [DefinitionRecord] {
        let exists = try connection.query("SELECT to_regclass('tieout.schema_definition') IS NOT NULL")
            .scalar(Bool.self)
        guard exists else { return [] }
        return try connection.query("SELECT path, checksum, applied_at FROM tieout.schema_definition ORDER BY path")
            .map { row in
                DefinitionRecord(
                    path: try row.decode("path"),
                    checksum: try row.decode("checksum"),
                    appliedAt: try row.decode("applied_at")
                )
            }
    }

    /// Creates the bookkeeping schema and tables if they are missing (inside the migrate transaction).
    func bootstrap(_ conn: PostgresConnection) throws {
        try conn.executeScript(
            """
            CREATE SCHEMA IF NOT EXISTS tieout;
            COMMENT ON SCHEMA tieout IS 'tieout''s own bookkeeping: applied migrations and definition files.';
            CREATE TABLE IF NOT EXISTS tieout.schema_migration (
                version     integer     PRIMARY KEY,
                name        text        NOT NULL,
                checksum    text        NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now(),
                duration_ms integer     NOT NULL
            );
            COMMENT ON TABLE tieout.schema_migration IS 'One row per applied migration file of sql/migrations/, written in the same transaction as the migration.';
            COMMENT ON COLUMN tieout.schema_migration.version IS 'The number the file name starts with (0001_… is 1).';
            COMMENT ON COLUMN tieout.schema_migration.name IS 'The file name when it was applied.';
            COMMENT ON COLUMN tieout.schema_migration.checksum IS 'SHA-256 (hex) of the file as applied; tieout migrate refuses to run if the file has changed since.';
            COMMENT ON COLUMN tieout.schema_migration.applied_at IS 'When the migration was applied (the start of its tieout migrate transaction).';
            COMMENT ON COLUMN tieout.schema_migration.duration_ms IS 'How long the migration took, in milliseconds.';
            CREATE TABLE IF NOT EXISTS tieout.schema_definition (
                path        text        PRIMARY KEY,
                checksum    text        NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now(),
                duration_ms integer     NOT NULL
            );
            COMMENT ON TABLE tieout.schema_definition IS 'One row per definition file of sql/ (functions, views, triggers of an area), as last applied: tieout migrate applies a file again whenever its checksum differs.';
            COMMENT ON COLUMN tieout.schema_definition.path IS 'The file''s path under sql/, e.g. dataverse/guards.sql.';
            COMMENT ON COLUMN tieout.schema_definition.checksum IS 'SHA-256 (hex) of the file as last applied.';
            COMMENT ON COLUMN tieout.schema_definition.applied_at IS 'When the file was last applied (the start of that tieout migrate transaction).';
            COMMENT ON COLUMN tieout.schema_definition.duration_ms IS 'How long applying it took, in milliseconds.';
            """
        )
    }
}
