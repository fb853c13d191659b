import Foundation
public import Logging
import TieoutLoad
public import TieoutMaps
import TieoutMigrations
public import TieoutPostgres
import TieoutSync

/// The load benchmark (`tieout bench load`): `tieout load dataverse` of one file of `rows` actuals against a bare
/// `COPY` of the same file into an unindexed, logged table of text columns.
///
/// Data: in a database of its own (created, migrated, dropped afterwards unless kept), with the sync engine's change
/// capture installed from the table maps (as in production: the load's writes are captured), the rows the actuals
/// refer to (an account, a contract, 100 projects and 100 contract lines) are inserted directly. The server writes
/// `msdyn_actual.csv` in Dataverse's export format (option-set labels, US dates, quoted descriptions with commas and
/// quotes, an extra column `owneridname`) with `COPY … TO STDOUT`, streamed into a file of a temporary folder.
///
/// Measurement: the baseline (a new table of one text column per header column, then `COPY … FROM STDIN` streaming
/// the file) and the load (`Loader.load(.dataverse, from:)`: every row an insert, through the bulk path from 10,000
/// rows on; `path=` in the output says which) alternate, twice each, and the best
/// of the two of each side counts. Then the floor: the same load, twice, into msdyn_actual stripped to its primary key
/// (`floor_seconds`, `floor_ratio` to the baseline). Before every round the actuals and the change log are emptied (actuals are deleted
/// with `session_replication_role = replica`: the delete guard refuses otherwise) and rewritten (`VACUUM FULL`), so
/// each round starts from the same state, and a `CHECKPOINT` runs before each timed step.
public struct LoadBenchmark {
    public var rows: Int
    /// The table maps (parsed; each engine and run checks them against its database).
    public var maps: MapSet
    public var logger: Logger
    /// Leave the scratch database (and the generated file) for inspection instead of removing them.
    public var keepDatabase = false
    /// Called with each timed step (round, side, seconds), for the human-readable detail.
    public var stepTimings: (Int, String, Double) -> Void = { _, _, _ in }

    public init(rows: Int, maps: MapSet, logger: Logger) {
        self.rows = rows
        self.maps = maps
        self.logger = logger
    }

    /// The header of the generated file, in the order of Dataverse's export (the loader's fixture).
    static let header = [
        "msdyn_actualid", "msdyn_description", "msdyn_transactiontypecode", "msdyn_transactionclassification",
        "msdyn_billingtype", "msdyn_billingstatus", "msdyn_quantity", "msdyn_price", "msdyn_amount", "isocurrencycode",
        "msdyn_project", "msdyn_salescontract", "msdyn_salescontractlineid", "msdyn_accountcustomer",
        "msdyn_documentdate", "msdyn_accountingdate", "msdyn_skipsync", "statecode", "statuscode", "createdon",
        "modifiedon", "owneridname",
    ]

    /// Builds the data in `database` on the server `admin` is connected to, measures, and calls `report` with the
    /// result. Throws when a load does not insert every row or its writes are not captured.
    public func run(
        admin: PostgresConnection, server: ConnectionConfiguration, database: String, report: (BenchmarkResult) -> Void
    ) throws {
        try BenchSupport.withScratchDatabase(
            admin: admin, server: server, database: database, keep: keepDatabase, logger: logger
        ) { connection in

            // Change capture as in production: the engine installs it on every source table of the maps.
            _ = try SyncEngine(
                maps: maps, databases: SyncDatabases(single: connection),
                logger: logger)
            let captureTriggers = try connection.query(
                """
                SELECT count(*) FROM pg_trigger
                 WHERE tgrelid = 'dataverse.msdyn_actual'::regclass AND tgname = 'tieout_capture_insert' AND tgenabled <> 'D'
                """
            ).scalar(Int.self)
            guard captureTriggers == 1 else {
                throw BenchmarkError(
                    "benchmark check failed: no change capture on dataverse.msdyn_actual (check --maps)")
            }
            try insertReferences(connection)

            // The file, written by the server and streamed to disk.
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
                "tieout-bench-load-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer {
                if keepDatabase {
                    logger.notice("bench load: the file is kept", metadata: ["folder": "\(folder.path)"])
                } else {
                    try? FileManager.default.removeItem(at: folder)
                }
            }
            let file = folder.appendingPathComponent("msdyn_actual.csv")
            let generated = ContinuousClock.now
            try writeFile(connection, to: file)
            let fileBytes =
                (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.intValue ?? 0
            logger.info(
                "bench load: file written",
                metadata: [
                    "rows": "\(rows)", "bytes": "\(fileBytes)",
                    "seconds": "\(BenchSupport.seconds(ContinuousClock.now - generated))",
                ])

            let loader = Loader(connection: connection, logger: logger)
            var baselineBest = Double.infinity
            var loadBest = Double.infinity
            var captured = 0
            var path = ""
            for round in 1...2 {
                try reset(connection)
                _ = try? connection.query("CHECKPOINT")
                var copied = 0
                let baseline = try BenchSupport.time { copied = try copyBaseline(connection, from: file) }
                guard copied == rows else {
                    throw BenchmarkError(
                        "benchmark check failed: the baseline COPY took \(copied) rows, expected \(rows)")
                }
                stepTimings(round, "baseline", baseline)
                baselineBest = min(baselineBest, baseline)

                _ = try? connection.query("CHECKPOINT")
                var summaries: [Loader.TableSummary] = []
                let load = try BenchSupport.time { summaries = try loader.load(.dataverse, from: folder) }
                let inserted = summaries.reduce(0) { $0 + $1.inserted }
                guard summaries.count == 1, inserted == rows else {
                    throw BenchmarkError(
                        "benchmark check failed: the load inserted \(inserted) rows, expected \(rows) (a fresh load inserts every row)"
                    )
                }
                captured = try connection.query(
                    "SELECT count(DISTINCT pk) FROM sync.change_log WHERE op = 'I'"
                ).scalar(Int.self)
                guard captured == rows else {
                    throw BenchmarkError(
                        "benchmark check failed: the change log holds \(captured) inserted keys, expected \(rows)")
                }
                path = summaries[0].bulk ? "bulk" : "rows"
                stepTimings(round, "load", load)
                loadBest = min(loadBest, load)
            }

            // The floor: the same load into msdyn_actual stripped to its primary key (no foreign keys, secondary
            // indexes, checks or triggers, so nothing to rebuild, validate or capture). What is left is the design
            // the loader must have: COPY into staging, reading labels and US dates, upserting by key.
            try stripToPrimaryKey(connection)
            var floorBest = Double.infinity
            for round in 1...2 {
                try reset(connection)
                _ = try? connection.query("CHECKPOINT")
                var summaries: [Loader.TableSummary] = []
                let floor = try BenchSupport.time { summaries = try loader.load(.dataverse, from: folder) }
                let inserted = summaries.reduce(0) { $0 + $1.inserted }
                guard inserted == rows else {
                    throw BenchmarkError(
                        "benchmark check failed: the floor's load inserted \(inserted) rows, expected \(rows)")
                }
                stepTimings(round, "floor", floor)
                floorBest = min(floorBest, floor)
            }
            report(
                BenchmarkResult(
                    name: "load", rows: rows, seconds: loadBest, baselineSeconds: baselineBest,
                    details: [
                        ("rows_per_s", String(Int(Double(rows) / loadBest))),
                        ("file_mb", String(format: "%.1f", Double(fileBytes) / 1_048_576)),
                        ("rss_mb", String(BenchSupport.peakResidentMegabytes())),
                        ("capture", "on"),
                        ("path", path),
                        ("captured_keys", String(captured)),
                        ("baseline", "copy_into_logged_unindexed_text_table"),
                        ("floor_seconds", String(format: "%.3f", floorBest)),
                        ("floor_ratio", String(format: "%.3f", floorBest / baselineBest)),
                        ("floor", "same_load_into_msdyn_actual_with_only_its_primary_key"),
                        ("timing", "best_of_2"),
                    ]))
        }
    }

    /// The rows the actuals refer to: one account, one contract, 100 projects and one contract line per project.
    func insertReferences(_ connection: PostgresConnection) throws {
        try connection.executeScript(BenchSupport.referenceData)
    }

    /// `rows` actuals in Dataverse's export format: labels for the option sets (codes in some rows, as exports mix
    /// them), an empty billing status for costs, US dates and times, exact amounts with two decimals, descriptions with commas and quotes, GUIDs upper
    /// case in braces in some rows, and the extra column owneridname. Half the rows are costs, half unbilled sales.
    func writeFile(_ connection: PostgresConnection, to file: URL) throws {
        guard FileManager.default.createFile(atPath: file.path, contents: nil),
            let handle = FileHandle(forWritingAtPath: file.path)
        else { throw BenchmarkError("cannot create \(file.path)") }
        defer { try? handle.close() }
        let select = """
            SELECT CASE WHEN g % 7 = 0 THEN '{' || upper(md5('actual' || g)::uuid::text) || '}'
                        ELSE md5('actual' || g)::uuid::text END AS msdyn_actualid,
                   CASE WHEN g % 10 = 0 THEN 'Travel: "Lisbon" to client, trip ' || g
                        WHEN g % 3 = 0 THEN 'Design workshop, day ' || (1 + g % 5)
                        ELSE 'Consulting hours ' || g END AS msdyn_description,
                   CASE WHEN g % 2 = 0 THEN 'Cost' ELSE 'Unbilled Sales' END AS msdyn_transactiontypecode,
                   CASE WHEN g % 100 = 0 THEN '192350001' WHEN g % 5 = 0 THEN 'Expense' ELSE 'Time' END
                       AS msdyn_transactionclassification,
                   CASE WHEN g % 2 = 0 THEN 'Not Available' WHEN g % 9 = 0 THEN 'Non Chargeable' ELSE 'Chargeable' END
                       AS msdyn_billingtype,
                   CASE WHEN g % 2 = 0 THEN NULL ELSE 'Unbilled Sales Created' END AS msdyn_billingstatus,
                   q.quantity::text AS msdyn_quantity,
                   q.price::text AS msdyn_price,
                   (q.quantity * q.price)::numeric(14, 2)::text AS msdyn_amount,
                   'USD' AS isocurrencycode,
                   md5('project' || (1 + g % 100))::uuid::text AS msdyn_project,
                   '00000000-0000-0000-0000-000000000002' AS msdyn_salescontract,
                   md5('line' || (1 + g % 100))::uuid::text AS msdyn_salescontractlineid,
                   '00000000-0000-0000-0000-000000000001' AS msdyn_accountcustomer,
                   to_char(d.day, 'MM/DD/YYYY') AS msdyn_documentdate,
                   to_char(d.day, 'MM/DD/YYYY') AS msdyn_accountingdate,
                   'False' AS msdyn_skipsync,
                   CASE WHEN g % 4 = 0 THEN 'Active' ELSE '0' END AS statecode,
                   CASE WHEN g % 4 = 0 THEN 'Active' ELSE '1' END AS statuscode,
                   to_char(d.stamp, 'MM/DD/YYYY FMHH12:MI AM') AS createdon,
                   to_char(d.stamp, 'MM/DD/YYYY FMHH12:MI AM') AS modifiedon,
                   (ARRAY['Ana Costa', 'Ben Okafor', 'Chloé Martin', 'Dev Patel'])[1 + g % 4] AS owneridname
              FROM generate_series(1, \(rows)) AS g
             CROSS JOIN LATERAL (SELECT (1 + g % 8)::numeric(12, 4) AS quantity,
                                        ((9500 + g % 5000) / 100.0)::numeric(12, 2) AS price) q
             CROSS JOIN LATERAL (SELECT DATE '2026-10-01' + g % 30 AS day,
                                        TIMESTAMP '2026-10-01 08:00' + (g % 30) * interval '1 day'
                                            + (g % 600) * interval '1 minute' AS stamp) d
            """
        _ = try connection.copyOut(
            PostgresQuery(unescaped: "COPY (\(select)) TO STDOUT (FORMAT csv, HEADER true, ENCODING 'UTF8')"),
            to: handle)
    }

    /// Empties the actuals and the change log and rewrites both with their indexes, and drops the baseline table.
    /// Drops every foreign key, check, secondary index and trigger of dataverse.msdyn_actual; its primary key stays.
    func stripToPrimaryKey(_ connection: PostgresConnection) throws {
        try connection.query(
            """
            DO $$
            DECLARE
                object record;
            BEGIN
                FOR object IN SELECT conname FROM pg_constraint
                               WHERE conrelid = 'dataverse.msdyn_actual'::regclass AND contype IN ('f', 'c') LOOP
                    EXECUTE format('ALTER TABLE dataverse.msdyn_actual DROP CONSTRAINT %I', object.conname);
                END LOOP;
                FOR object IN SELECT indexrelid::regclass AS name FROM pg_index
                               WHERE indrelid = 'dataverse.msdyn_actual'::regclass AND NOT indisprimary LOOP
                    EXECUTE format('DROP INDEX %s', object.name);
                END LOOP;
                FOR object IN SELECT tgname FROM pg_trigger
                               WHERE tgrelid = 'dataverse.msdyn_actual'::regclass AND NOT tgisinternal LOOP
                    EXECUTE format('DROP TRIGGER %I ON dataverse.msdyn_actual', object.tgname);
                END LOOP;
            END
            $$
            """)
    }

    func reset(_ connection: PostgresConnection) throws {
        try connection.query("DROP TABLE IF EXISTS public.bench_load_baseline")
        try connection.query("SET session_replication_role = replica")
        try connection.query("DELETE FROM dataverse.msdyn_actual")
        try connection.query("SET session_replication_role = DEFAULT")
        try connection.query("DELETE FROM sync.change_log")
        try connection.query("VACUUM (FULL, ANALYZE) dataverse.msdyn_actual")
        try connection.query("VACUUM (FULL, ANALYZE) sync.change_log")
    }

    /// The baseline: a logged table without indexes, one text column per header column, and a bare COPY of the file.
    func copyBaseline(_ connection: PostgresConnection, from file: URL) throws -> Int {
        let columns = try Self.header.map { "\(try connection.quoteIdentifier($0)) text" }
        try connection.query(
            PostgresQuery(
                unescaped: "CREATE TABLE public.bench_load_baseline (\(columns.joined(separator: ", ")))"))
        return try BenchSupport.copy(
            file, with: "COPY public.bench_load_baseline FROM STDIN (FORMAT csv, HEADER true, ENCODING 'UTF8')",
            on: connection)
    }
}
