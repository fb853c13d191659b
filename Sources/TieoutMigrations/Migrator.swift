public import Foundation
public import Logging
public import TieoutPostgres

/// Applies a ``MigrationSet`` to a database and records each migration with its checksum in
/// `tieout.schema_migration`.
///
/// - Each pending migration runs in its own transaction together with its bookkeeping row, so a
///   failing file leaves no trace and the ones before it stay applied.
/// - A migration that was applied and whose file has changed since (or disappeared) stops the run
///   before anything is applied.
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

    /// Where one migration stands.
    public enum State: String, Sendable {
        /// Applied, and the file is unchanged.
        case applied
        /// Not applied yet.
        case pending
        /// Applied, but the file has changed since.
        case changed
        /// Applied, but no file of this version exists any more.
        case missing
    }

    /// One line of `tieout migrate --status`.
    public struct Entry: Sendable, Equatable {
        public var version: Int
        public var name: String
        public var state: State
        public var appliedAt: Date?
    }

    struct Record {
        var version: Int
        var name: String
        var checksum: String
        var appliedAt: Date
    }

    /// Every migration of the set and every recorded one, in version order.
    public func status(of set: MigrationSet) throws -> [Entry] {
        let records = try appliedRecords()
        return entries(set: set, records: records)
    }

    /// Applies the pending migrations in order; returns the ones it applied (empty when the
    /// database is up to date). Throws, applying nothing, when an applied migration changed.
    @discardableResult
    public func migrate(_ set: MigrationSet) throws -> [Migration] {
        try connection.query("SELECT pg_advisory_lock(\(Self.lockKey))")
        defer { _ = try? connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))") }
        try bootstrap()

        let records = try appliedRecords()
        try verify(set: set, records: records)
        let appliedVersions = Set(records.map(\.version))
        var applied: [Migration] = []
        for migration in set.migrations where !appliedVersions.contains(migration.version) {
            do {
                try connection.withTransaction { conn in
                    try conn.executeScript(migration.sql)
                    try conn.query(
                        """
                        INSERT INTO tieout.schema_migration (version, name, checksum, duration_ms)
                        VALUES (\(migration.version), \(migration.name), \(migration.checksum),
                                -- now() is when this migration's transaction began
                                (extract(epoch FROM clock_timestamp() - now()) * 1000)::integer)
                        """
                    )
                }
            } catch {
                throw MigrationError("\(set.origin)\(migration.name) failed and was rolled back: \(error)")
            }
            logger.info("applied migration", metadata: ["migration": .string(migration.name)])
            applied.append(migration)
        }
        return applied
    }

    /// Refuses to go on when an applied migration no longer matches its file.
    func verify(set: MigrationSet, records: [Record]) throws(MigrationError) {
        let byVersion = Dictionary(uniqueKeysWithValues: set.migrations.map { ($0.version, $0) })
        for record in records {
            guard let migration = byVersion[record.version] else {
                throw MigrationError(
                    "\(record.name) was applied to this database but \(set.origin) has no migration with version \(record.version); this build is older than the database"
                )
            }
            if migration.name != record.name {
                throw MigrationError(
                    "\(set.origin)\(migration.name) has version \(record.version), which was applied as \(record.name); never rename an applied migration"
                )
            }
            if migration.checksum != record.checksum {
                throw MigrationError(
                    "\(set.origin)\(migration.name) has changed since it was applied (recorded checksum \(record.checksum.prefix(12)), file \(migration.checksum.prefix(12))); restore it and put the change in a new migration"
                )
            }
        }
    }

    func entries(set: MigrationSet, records: [Record]) -> [Entry] {
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
        return result.sorted { $0.version < $1.version }
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

    /// Creates the bookkeeping schema and table if they are missing.
    func bootstrap() throws {
        try connection.executeScript(
            """
            CREATE SCHEMA IF NOT EXISTS tieout;
            COMMENT ON SCHEMA tieout IS 'tieout''s own bookkeeping: applied migrations and, later, sync state.';
            CREATE TABLE IF NOT EXISTS tieout.schema_migration (
                version     integer     PRIMARY KEY,
                name        text        NOT NULL,
                checksum    text        NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now(),
                duration_ms integer     NOT NULL
            );
            COMMENT ON TABLE tieout.schema_migration IS 'One row per applied migration file of sql/, written in the same transaction as the migration.';
            COMMENT ON COLUMN tieout.schema_migration.version IS 'The number the file name starts with (0001_… is 1).';
            COMMENT ON COLUMN tieout.schema_migration.name IS 'The file name when it was applied.';
            COMMENT ON COLUMN tieout.schema_migration.checksum IS 'SHA-256 (hex) of the file as applied; tieout migrate refuses to run if the file has changed since.';
            COMMENT ON COLUMN tieout.schema_migration.applied_at IS 'When the migration was applied.';
            COMMENT ON COLUMN tieout.schema_migration.duration_ms IS 'How long the migration took, in milliseconds.';
            """
        )
    }
}
