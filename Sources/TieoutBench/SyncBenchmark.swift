import Foundation
public import Logging
public import TieoutMaps
import TieoutMigrations
public import TieoutPostgres
import TieoutSync

/// One benchmark result: `bench <name> rows=<N> seconds=<S> baseline_seconds=<B> ratio=<S/B> …`.
public struct BenchmarkResult: Sendable, CustomStringConvertible {
    public var name: String
    public var rows: Int
    public var seconds: Double
    public var baselineSeconds: Double
    /// Human-readable extras (`key=value`).
    public var details: [(String, String)] = []

    public var ratio: Double { baselineSeconds > 0 ? seconds / baselineSeconds : 0 }

    public var description: String {
        var line =
            "bench \(name) rows=\(rows) seconds=\(Self.format(seconds)) baseline_seconds=\(Self.format(baselineSeconds)) ratio=\(Self.format(ratio))"
        for (key, value) in details { line += " \(key)=\(value)" }
        return line
    }

    static func format(_ value: Double) -> String { String(format: "%.3f", value) }
}

/// The sync benchmarks. Each builds its data in a database of its own (created, migrated, and
/// dropped afterwards), runs the engine and a plain-SQL baseline of the same work in the same
/// process, and reports both.
///
/// - `sync-initial`: initial sync of `rows` actuals through the `actuals` map, against a bare
///   `INSERT INTO … SELECT` of the same mapping.
/// - `sync-live`: `changes` captured updates drained by the engine, against a bare set-based
///   outbox drain (delete a chunk of keys, join the source, update the target).
public struct SyncBenchmark {
    public var rows: Int
    public var changes: Int
    /// The table maps (parsed; each engine and run checks them against its database).
    public var maps: MapSet
    public var logger: Logger
    /// Leave the scratch database for inspection instead of dropping it.
    public var keepDatabase = false

    public init(rows: Int, changes: Int, maps: MapSet, logger: Logger) {
        self.rows = rows
        self.changes = changes
        self.maps = maps
        self.logger = logger
    }

    /// Runs both benchmarks against a scratch database on the server `admin` is connected to,
    /// calling `report` with each result as soon as it is known.
    public func run(
        admin: PostgresConnection, server: ConnectionConfiguration, database: String, report: (BenchmarkResult) -> Void
    ) throws {
        try BenchSupport.withScratchDatabase(
            admin: admin, server: server, database: database, keep: keepDatabase, logger: logger
        ) { connection in
            try generateScenario(connection)

            // Only the maps the actuals map needs: the benchmark measures one map, not the write-back.
            let all = maps
            var needed: Set<String> = ["actuals"]
            var frontier = ["actuals"]
            while let name = frontier.popLast() {
                for dependency in all[name]?.dependsOn ?? [] where needed.insert(dependency).inserted {
                    frontier.append(dependency)
                }
            }
            let set = try MapSet(all.maps.filter { needed.contains($0.name) })
            var configuration = SyncEngine.Configuration()
            configuration.initialBatchSize = 100_000
            configuration.batchSize = 10_000
            let engine = try SyncEngine(
                maps: set, databases: SyncDatabases(single: connection), configuration: configuration, logger: logger)
            for name in set.maps.map(\.name) where name != "actuals" { try engine.initialSync(name) }
            let actuals = try engine.map(named: "actuals")

            // sync-initial
            try connection.query("VACUUM ANALYZE")
            let baseline = try BenchSupport.time { try connection.query(actuals.bareInsert()) }
            let baselineRows = try connection.query("SELECT count(*) FROM fno.projcdsactualsimport").scalar(Int.self)
            try connection.query("TRUNCATE fno.projcdsactualsimport")
            try connection.query("VACUUM ANALYZE fno.projcdsactualsimport")
            var written = 0
            let initial = try BenchSupport.time { written = try engine.initialSync("actuals").counts.written }
            guard written == rows, baselineRows == rows else {
                throw SyncError(
                    "benchmark check failed: expected \(rows) rows, engine wrote \(written), baseline \(baselineRows)")
            }
            report(
                BenchmarkResult(
                    name: "sync-initial", rows: rows, seconds: initial, baselineSeconds: baseline,
                    details: [
                        ("rows_per_s", String(Int(Double(rows) / initial))),
                        ("baseline_rows_per_s", String(Int(Double(rows) / baseline))),
                        ("max_rss_mb", String(BenchSupport.peakResidentMegabytes())),
                    ]))

            // sync-live: the same updates, drained by the engine and by a bare outbox drain.
            try connection.query("VACUUM ANALYZE")
            try connection.query(
                """
                UPDATE dataverse.msdyn_actual SET msdyn_description = 'changed once'
                 WHERE msdyn_actualid IN (SELECT msdyn_actualid FROM dataverse.msdyn_actual ORDER BY msdyn_documentdate, msdyn_actualid LIMIT \(changes))
                """)
            var applied = 0
            var batches = 0
            let live = try BenchSupport.time {
                let run = try engine.drain(["actuals"]).first
                applied = run?.changes ?? 0
                batches = run?.batches ?? 0
            }
            let changedRows = try connection.query(
                "SELECT count(*) FROM fno.projcdsactualsimport WHERE description = 'changed once'"
            ).scalar(Int.self)
            guard applied == changes, changedRows == changes else {
                throw SyncError(
                    "benchmark check failed: \(changes) changes, engine applied \(applied), target shows \(changedRows)"
                )
            }
            try connection.query(
                """
                CREATE TABLE bench_outbox (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, key uuid NOT NULL);
                """)
            try connection.query(
                """
                INSERT INTO bench_outbox (key)
                SELECT msdyn_actualid FROM dataverse.msdyn_actual ORDER BY msdyn_documentdate, msdyn_actualid LIMIT \(changes)
                """)
            try connection.query(
                "UPDATE dataverse.msdyn_actual SET msdyn_description = 'changed twice' WHERE msdyn_description = 'changed once'"
            )
            try connection.query("DELETE FROM sync.change_log")
            try connection.query("VACUUM ANALYZE")
            let chunk = 1_000
            let bare = try BenchSupport.time {
                while true {
                    let done = try connection.withTransaction { connection in
                        try connection.query(
                            """
                            WITH chunk AS (
                                DELETE FROM bench_outbox WHERE id IN (SELECT id FROM bench_outbox ORDER BY id LIMIT \(chunk))
                                RETURNING key)
                            UPDATE fno.projcdsactualsimport AS t SET description = a.msdyn_description
                              FROM chunk JOIN dataverse.msdyn_actual AS a ON a.msdyn_actualid = chunk.key
                             WHERE t.actualid = a.msdyn_actualid AND t.description IS DISTINCT FROM a.msdyn_description
                            """
                        ).affectedRows ?? 0
                    }
                    if done == 0 { break }
                }
            }
            report(
                BenchmarkResult(
                    name: "sync-live", rows: changes, seconds: live, baselineSeconds: bare,
                    details: [
                        ("changes_per_s", String(Int(Double(changes) / live))),
                        ("baseline_changes_per_s", String(Int(Double(changes) / bare))),
                        ("mean_batch_ms", String(batches > 0 ? Int(live * 1000 / Double(batches)) : 0)),
                        ("batch_size", String(configuration.batchSize)),
                        ("max_rss_mb", String(BenchSupport.peakResidentMegabytes())),
                    ]))
        }
    }

    /// Reference data and `rows` actuals spread over 100 projects and one month, deterministic.
    func generateScenario(_ connection: PostgresConnection) throws {
        try connection.executeScript(BenchSupport.referenceData)
        try connection.query(
            """
            INSERT INTO dataverse.msdyn_actual (msdyn_actualid, msdyn_transactiontypecode, msdyn_transactionclassification,
                   msdyn_billingtype, msdyn_billingstatus, msdyn_quantity, msdyn_price, msdyn_amount, isocurrencycode,
                   msdyn_project, msdyn_salescontract, msdyn_salescontractlineid, msdyn_accountcustomer,
                   msdyn_documentdate, msdyn_accountingdate, msdyn_description)
            SELECT md5('actual' || g)::uuid,
                   CASE WHEN g % 2 = 0 THEN 192350000 ELSE 192350005 END,
                   (ARRAY[192350000, 192350001, 192350002])[1 + g % 3],
                   CASE WHEN g % 2 = 0 THEN NULL ELSE 192350001 END,
                   CASE WHEN g % 2 = 0 THEN NULL ELSE 192350000 END,
                   1 + g % 8, 100.25, (1 + g % 8) * 100.25, 'USD',
                   md5('project' || (1 + g % 100))::uuid, '00000000-0000-0000-0000-000000000002',
                   md5('line' || (1 + g % 100))::uuid, '00000000-0000-0000-0000-000000000001',
                   DATE '2026-10-01' + g % 30, DATE '2026-10-01' + g % 30, 'Bench actual ' || g
              FROM generate_series(1, CAST(\(rows) AS integer)) AS g
            """)
    }
}
