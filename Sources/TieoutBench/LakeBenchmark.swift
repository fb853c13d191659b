import Foundation
public import Logging
import TieoutLake
import TieoutLoad
public import TieoutMaps
import TieoutMigrations
public import TieoutPostgres
import TieoutSync

/// The lake benchmark (`tieout bench lake`): `tieout load lake` of an initial Synapse Link folder of `rows` actuals
/// against a bare `COPY` of the same partition file, then of an incremental folder with 1% of the rows changed against
/// the initial load, and the peak memory at two sizes.
///
/// Data: a source database of its own gets the reference rows and `rows` actuals (set-based), and the lake writer
/// writes its initial folder into a temporary folder. A target template (migrated, with the sync engine's change
/// capture installed from the maps, as in production) is cloned for each round.
///
/// Measurement: per round, in a fresh clone, the baseline (a logged table of one text column per model attribute, then
/// `COPY … FROM STDIN` of the actuals' partition files) and the load (`LakeLoader.load`: every row an insert); two
/// rounds, the best of each counts. Then 1% of the source's actuals change, the writer writes the next folder, and the
/// last round's database loads it (`incremental_seconds`, `incremental_ratio` to the initial load). First the whole
/// initial load runs once at a tenth of the size, so the peak memory (`VmHWM`) is known at two sizes: rows never pass
/// through Swift, so it must not grow with them.
public struct LakeBenchmark {
    public var rows: Int
    /// The table maps (parsed; each engine and run checks them against its database).
    public var maps: MapSet
    public var logger: Logger
    /// Leave the scratch databases (and the lake folder) for inspection instead of removing them.
    public var keepDatabase = false
    /// Called with each timed step (round, step, seconds), for the human-readable detail.
    public var stepTimings: (Int, String, Double) -> Void = { _, _, _ in }

    public init(rows: Int, maps: MapSet, logger: Logger) {
        self.rows = rows
        self.maps = maps
        self.logger = logger
    }

    /// What one size measured.
    struct Measurement {
        var load = Double.infinity
        var baseline = Double.infinity
        var incremental = 0.0
        var incrementalRows = 0
        var fileBytes = 0
    }

    public func run(
        admin: PostgresConnection, server: ConnectionConfiguration, database: String, report: (BenchmarkResult) -> Void
    ) throws {
        let small = rows / 10
        var smallMemory: Int?
        if small >= 1000 {
            _ = try measure(rows: small, rounds: 1, admin: admin, server: server, database: database)
            smallMemory = BenchSupport.peakResidentMegabytes()
        }
        let result = try measure(rows: rows, rounds: 2, admin: admin, server: server, database: database)
        var details: [(String, String)] = [
            ("rows_per_s", String(Int(Double(rows) / result.load))),
            ("file_mb", String(format: "%.1f", Double(result.fileBytes) / 1_048_576)),
            ("incremental_rows", String(result.incrementalRows)),
            ("incremental_seconds", String(format: "%.3f", result.incremental)),
            ("incremental_ratio", String(format: "%.4f", result.incremental / result.load)),
        ]
        if let smallMemory { details.append(("rss_mb_at_\(small)", String(smallMemory))) }
        details += [
            ("rss_mb", String(BenchSupport.peakResidentMegabytes())),
            ("capture", "on"),
            ("baseline", "copy_of_the_partition_file_into_logged_unindexed_text_table"),
            ("timing", "best_of_2"),
        ]
        report(
            BenchmarkResult(
                name: "lake", rows: rows, seconds: result.load, baselineSeconds: result.baseline, details: details))
    }

    func measure(
        rows: Int, rounds: Int, admin: PostgresConnection, server: ConnectionConfiguration, database: String
    ) throws -> Measurement {
        let lake = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tieout-bench-lake-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: lake, withIntermediateDirectories: true)
        defer {
            if keepDatabase {
                logger.notice("bench lake: the lake folder is kept", metadata: ["folder": "\(lake.path)"])
            } else {
                try? FileManager.default.removeItem(at: lake)
            }
        }
        var measurement = Measurement()
        let template = "\(database)_target"
        try BenchSupport.withScratchDatabase(
            admin: admin, server: server, database: "\(database)_source", keep: keepDatabase, logger: logger
        ) { source in
            try source.executeScript(BenchSupport.referenceData)
            try insertActuals(source, rows: rows)
            let writer = LakeWriter(connection: source, logger: logger)
            let start = Date(timeIntervalSince1970: 1_795_507_637)  // 2026-11-24T08:07:17Z
            let initial = try writer.write(to: lake, now: start)
            guard let folder = initial.folder else { throw BenchmarkError("the lake writer wrote no folder") }
            let partitions = try actualPartitions(lake.appendingPathComponent(folder))
            measurement.fileBytes = try partitions.reduce(0) {
                $0 + ((try FileManager.default.attributesOfItem(atPath: $1.path)[.size] as? NSNumber)?.intValue ?? 0)
            }
            let width = try attributeCount(lake.appendingPathComponent(folder).appendingPathComponent("model.json"))

            try makeTemplate(template, admin: admin, server: server)
            defer { _ = try? admin.query("DROP DATABASE IF EXISTS \(identifier: template) WITH (FORCE)") }
            var last: String?
            for round in 1...rounds {
                let clone = "\(database)_round\(round)"
                try admin.query("DROP DATABASE IF EXISTS \(identifier: clone) WITH (FORCE)")
                try admin.query("CREATE DATABASE \(identifier: clone) TEMPLATE \(identifier: template)")
                if let last, !keepDatabase {
                    _ = try? admin.query("DROP DATABASE IF EXISTS \(identifier: last) WITH (FORCE)")
                }
                last = clone
                let target = try PostgresConnection(configuration: server.database(clone), logger: logger)
                defer { target.close() }
                _ = try? target.query("CHECKPOINT")
                var copied = 0
                let baseline = try BenchSupport.time { copied = try copyBaseline(target, width: width, partitions) }
                guard copied == rows else {
                    throw BenchmarkError(
                        "benchmark check failed: the baseline COPY took \(copied) rows, expected \(rows)")
                }
                stepTimings(round, "baseline", baseline)
                measurement.baseline = min(measurement.baseline, baseline)
                try target.query("DROP TABLE public.bench_lake_baseline")
                _ = try? target.query("CHECKPOINT")
                var summary: LakeLoader.Summary?
                let load = try BenchSupport.time {
                    summary = try LakeLoader(connection: target, logger: logger).load(from: lake)
                }
                let inserted = (summary?.loaded ?? []).flatMap(\.tables).filter { $0.table == "dataverse.msdyn_actual" }
                    .reduce(0) { $0 + $1.inserted }
                guard inserted == rows else {
                    throw BenchmarkError(
                        "benchmark check failed: the load inserted \(inserted) actuals, expected \(rows)")
                }
                let captured = try target.query(
                    "SELECT count(DISTINCT pk) FROM sync.change_log WHERE op = 'I' AND map = 'actuals'"
                )
                .scalar(Int.self)
                guard captured == rows else {
                    throw BenchmarkError(
                        "benchmark check failed: the change log holds \(captured) inserted actuals, expected \(rows)")
                }
                stepTimings(round, "load", load)
                measurement.load = min(measurement.load, load)
            }

            // The next folder: 1% of the actuals change.
            let changed = max(rows / 100, 1)
            try source.query(
                """
                UPDATE dataverse.msdyn_actual SET msdyn_description = msdyn_description || ' (revised)',
                       msdyn_quantity = msdyn_quantity + 1, modifiedon = modifiedon + interval '1 day'
                 WHERE msdyn_actualid IN (SELECT msdyn_actualid FROM dataverse.msdyn_actual
                                           ORDER BY msdyn_actualid LIMIT \(changed))
                """)
            let next = try writer.write(to: lake, now: start.addingTimeInterval(86_400))
            guard next.folder != nil else { throw BenchmarkError("the lake writer wrote no incremental folder") }
            let target = try PostgresConnection(configuration: server.database(last!), logger: logger)
            defer {
                target.close()
                if !keepDatabase { _ = try? admin.query("DROP DATABASE IF EXISTS \(identifier: last!) WITH (FORCE)") }
            }
            _ = try? target.query("CHECKPOINT")
            var summary: LakeLoader.Summary?
            measurement.incremental = try BenchSupport.time {
                summary = try LakeLoader(connection: target, logger: logger).load(from: lake)
            }
            let updated = (summary?.loaded ?? []).flatMap(\.tables).filter { $0.table == "dataverse.msdyn_actual" }
                .reduce(0) { $0 + $1.updated }
            guard summary?.loaded.count == 1, updated == changed else {
                throw BenchmarkError(
                    "benchmark check failed: the incremental load changed \(updated) actuals, expected \(changed)")
            }
            measurement.incrementalRows = changed
            stepTimings(0, "incremental", measurement.incremental)
        }
        return measurement
    }

    /// `rows` actuals of the 100 projects of ``BenchSupport/referenceData``: half costs, half unbilled sales,
    /// descriptions with commas and quotes, exact amounts, dates over a month.
    func insertActuals(_ connection: PostgresConnection, rows: Int) throws {
        try connection.query(
            """
            INSERT INTO dataverse.msdyn_actual (
                msdyn_actualid, msdyn_description, msdyn_transactiontypecode, msdyn_transactionclassification,
                msdyn_billingtype, msdyn_billingstatus, msdyn_quantity, msdyn_price, msdyn_amount, isocurrencycode,
                msdyn_project, msdyn_salescontract, msdyn_salescontractlineid, msdyn_accountcustomer,
                msdyn_documentdate, msdyn_accountingdate, createdon, modifiedon)
            SELECT md5('actual' || g)::uuid,
                   CASE WHEN g % 10 = 0 THEN 'Travel: "Lisbon" to client, trip ' || g ELSE 'Consulting hours ' || g END,
                   CASE WHEN g % 2 = 0 THEN 192350000 ELSE 192350005 END,
                   CASE WHEN g % 5 = 0 THEN 192350001 ELSE 192350000 END,
                   CASE WHEN g % 2 = 0 THEN 192350003 ELSE 192350001 END,
                   CASE WHEN g % 2 = 0 THEN NULL ELSE 192350000 END,
                   q.quantity, q.price, (q.quantity * q.price)::numeric(14, 2), 'USD',
                   md5('project' || (1 + g % 100))::uuid, '00000000-0000-0000-0000-000000000002',
                   md5('line' || (1 + g % 100))::uuid, '00000000-0000-0000-0000-000000000001',
                   DATE '2026-10-01' + (g % 30)::int, DATE '2026-10-01' + (g % 30)::int,
                   TIMESTAMPTZ '2026-10-01 08:00Z' + (g % 30) * interval '1 day' + (g % 600) * interval '1 minute',
                   TIMESTAMPTZ '2026-10-01 08:00Z' + (g % 30) * interval '1 day' + (g % 600) * interval '1 minute'
              FROM generate_series(1, \(rows)) AS g
             CROSS JOIN LATERAL (SELECT (1 + g % 8)::numeric(12, 4) AS quantity,
                                        ((9500 + g % 5000) / 100.0)::numeric(12, 2) AS price) q
            """)
    }

    /// A migrated database with the change capture installed, to clone for each round.
    func makeTemplate(_ name: String, admin: PostgresConnection, server: ConnectionConfiguration) throws {
        try admin.query("DROP DATABASE IF EXISTS \(identifier: name) WITH (FORCE)")
        try admin.query("CREATE DATABASE \(identifier: name)")
        let connection = try PostgresConnection(configuration: server.database(name), logger: logger)
        defer { connection.close() }
        try connection.query("SET client_min_messages = warning")
        _ = try Migrator(connection: connection, logger: logger).migrate(MigrationSet.embedded())
        _ = try SyncEngine(
            maps: maps, databases: SyncDatabases(single: connection),
            logger: logger)
    }

    /// The partition files of msdyn_actual in a folder of the lake.
    func actualPartitions(_ folder: URL) throws -> [URL] {
        let tableFolder = folder.appendingPathComponent("msdyn_actual")
        let names = try FileManager.default.contentsOfDirectory(atPath: tableFolder.path).filter {
            $0.hasSuffix(".csv")
        }
        guard !names.isEmpty else { throw BenchmarkError("the lake writer wrote no partition of msdyn_actual") }
        return names.sorted().map { tableFolder.appendingPathComponent($0) }
    }

    /// The number of attributes of msdyn_actual in a model.json: the width of its rows.
    func attributeCount(_ model: URL) throws -> Int {
        let (decoded, _) = try LakeModel.read(model, shownAs: model.path)
        guard let entity = decoded.entities.first(where: { $0.name == "msdyn_actual" }) else {
            throw BenchmarkError("the lake's model has no msdyn_actual")
        }
        return entity.attributes.count
    }

    /// The baseline: a logged table without indexes, one text column per attribute, and a bare COPY of the files.
    func copyBaseline(_ connection: PostgresConnection, width: Int, _ files: [URL]) throws -> Int {
        let columns = (1...width).map { "f\($0) text" }
        try connection.query(
            PostgresQuery(unescaped: "CREATE TABLE public.bench_lake_baseline (\(columns.joined(separator: ", ")))"))
        var total = 0
        for file in files {
            total += try BenchSupport.copy(
                file, with: "COPY public.bench_lake_baseline FROM STDIN (FORMAT csv, ENCODING 'UTF8')", on: connection)
        }
        return total
    }
}
