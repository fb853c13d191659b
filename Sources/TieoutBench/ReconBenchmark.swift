import Foundation
public import Logging
public import TieoutMaps
import TieoutMigrations
public import TieoutPostgres
import TieoutRecon
import TieoutScenario
import TieoutSync

/// The reconciliation benchmark (`tieout bench recon`): a full `Reconciliation.run` against plain SQL joins that
/// make the same comparisons, on the same data, in the same process.
///
/// Data: in a database of its own (created, migrated, dropped afterwards unless kept) a clean company is built the
/// way `tieout seed --scale 1` and `tieout pipeline` build it (``Seed``, then ``DailyCycle`` every third day of the
/// seeded month, so contracts get several proformas), checked to reconcile with zero findings, then multiplied
/// set-based (`ReconSQL.multiplyFunction`: every row of schemas dataverse and fno copied with its keys remapped)
/// until there are at least `targetActuals` actuals and `targetProformas` proformas. The multiplied data must
/// reconcile with zero findings too.
///
/// Measurement: the baseline (`ReconSQL.baseline`, one READ COMMITTED transaction) and a full run (grace 0) alternate,
/// twice each, and the best of the two of each side counts (`bench recon`). Then, five times, 1% of the contracts are
/// touched (every actual of each updated, which changes no finding) and an incremental run follows; the best of the
/// five against the best full run is `bench recon-incremental` (it must be incremental and find nothing), with the
/// median beside it. Five, not two: a run of a second and a half is thrown off by a pause of the machine that a full
/// run of thirty seconds absorbs.
public struct ReconBenchmark {
    /// Copies of the scenario (1 = the scenario as built); nil for enough copies to reach both `targetActuals`
    /// and `targetProformas`.
    public var copies: Int?
    public var targetActuals = 1_000_000
    public var targetProformas = 100_000
    /// The table maps (parsed; each engine and run checks them against its database).
    public var maps: MapSet
    public var logger: Logger
    /// Leave the scratch database for inspection instead of dropping it.
    public var keepDatabase = false
    /// Called with the time of each baseline check of the counted (best) baseline pass (name, seconds).
    public var checkTimings: (String, Double) -> Void = { _, _ in }

    public init(copies: Int?, maps: MapSet, logger: Logger) {
        self.copies = copies
        self.maps = maps
        self.logger = logger
    }

    /// Builds the data in `database` on the server `admin` is connected to, measures, and calls `report` with the
    /// result. Throws when the data does not reconcile cleanly (findings other than zero).
    public func run(
        admin: PostgresConnection, server: ConnectionConfiguration, database: String, report: (BenchmarkResult) -> Void
    ) throws {
        try BenchSupport.withScratchDatabase(
            admin: admin, server: server, database: database, keep: keepDatabase, logger: logger
        ) { connection in

            // The scenario: seed at scale 1, then a business day every third day of the seeded month.
            let engine = try SyncEngine(
                maps: maps, databases: SyncDatabases(single: connection),
                logger: logger)
            let month: PostgresDate = try connection.query(
                "SELECT (date_trunc('month', current_date) - interval '1 month')::date"
            ).scalar()
            let started = ContinuousClock.now
            _ = try Seed(engine: engine, logger: logger).run(Seed.Options(scale: 1, seed: 1, month: month))
            let days: [PostgresDate] = try connection.query(
                """
                SELECT d::date FROM generate_series(CAST(\(month) AS date) + 2,
                                                    CAST(\(month) AS date) + interval '1 month' - interval '1 day',
                                                    interval '3 days') AS d
                """
            ).map { try $0.decode(0) }
            let cycle = DailyCycle(engine: engine, logger: logger)
            for day in days { _ = try cycle.run(date: day) }
            let baseActuals = try count(connection, "dataverse.msdyn_actual")
            let baseProformas = try count(connection, "dataverse.invoice")
            logger.info(
                "bench recon: scenario built",
                metadata: [
                    "actuals": "\(baseActuals)", "proformas": "\(baseProformas)", "days": "\(days.count)",
                    "seconds": "\(BenchSupport.seconds(ContinuousClock.now - started))",
                ])

            let reconciliation = try Reconciliation(connection: connection, maps: maps, logger: logger)
            let options = Reconciliation.RunOptions(grace: "0", full: true)
            let baseRun = try reconciliation.run(options)
            guard baseRun.findings == 0 else {
                throw BenchmarkError(
                    "benchmark check failed: the scenario as built has \(baseRun.findings) findings (run \(baseRun.runID)), expected 0"
                )
            }

            // Multiply it.
            let copies = max(
                1,
                self.copies
                    ?? max(
                        (targetActuals + baseActuals - 1) / max(baseActuals, 1),
                        (targetProformas + baseProformas - 1) / max(baseProformas, 1)))
            if copies > 1 {
                let start = ContinuousClock.now
                try connection.query("SET session_replication_role = replica")
                try connection.executeScript(ReconSQL.multiplyFunction)
                let copied = try connection.query(
                    "SELECT table_name, copied, skipped FROM pg_temp.bench_multiply(CAST(\(copies) AS integer))")
                try connection.query("SET session_replication_role = DEFAULT")
                let skipped: [String] = try copied.compactMap { row in
                    try row.decode("skipped", as: Bool.self) ? try row.decode("table_name", as: String.self) : nil
                }
                let rows = try copied.reduce(0) { $0 + (try $1.decode("copied", as: Int.self)) }
                logger.info(
                    "bench recon: multiplied",
                    metadata: [
                        "copies": "\(copies)", "rows": "\(rows)", "skipped": "\(skipped.joined(separator: ", "))",
                        "seconds": "\(BenchSupport.seconds(ContinuousClock.now - start))",
                    ])
            }
            try connection.query("VACUUM ANALYZE")
            let actuals = try count(connection, "dataverse.msdyn_actual")
            let proformas = try count(connection, "dataverse.invoice")

            // Alternate baseline and run, twice each; the best of each side counts.
            var baselineBest = Double.infinity
            var runBest = Double.infinity
            var findings = 0
            var bestPerCheck: [(String, Double)] = []
            for _ in 0..<2 {
                var perCheck: [(String, Double)] = []
                let baseline = try BenchSupport.time {
                    try connection.withTransaction { connection in
                        // The same settings as the run: those recon.collect_findings declares (SET jit, work_mem).
                        try connection.query(PostgresQuery(unescaped: ReconSQL.runSettings))
                        for check in ReconSQL.baseline {
                            var mismatches = 0
                            let seconds = try BenchSupport.time {
                                mismatches = try connection.query(PostgresQuery(unescaped: check.sql)).scalar(Int.self)
                            }
                            perCheck.append((check.name, seconds))
                            guard mismatches == 0 else {
                                throw BenchmarkError(
                                    "benchmark check failed: baseline check \(check.name) counts \(mismatches) mismatches, expected 0"
                                )
                            }
                        }
                    }
                }
                if baseline < baselineBest {
                    baselineBest = baseline
                    bestPerCheck = perCheck
                }
                var run: Reconciliation.Run?
                let runSeconds = try BenchSupport.time { run = try reconciliation.run(options) }
                runBest = min(runBest, runSeconds)
                findings = max(findings, run?.findings ?? 0)
            }
            for (name, seconds) in bestPerCheck { checkTimings(name, seconds) }
            let fullRSS = BenchSupport.peakResidentMegabytes()
            let incremental = try measureIncremental(connection, reconciliation)
            let result = BenchmarkResult(
                name: "recon", rows: actuals, seconds: runBest, baselineSeconds: baselineBest,
                details: [
                    ("proformas", String(proformas)),
                    ("findings", String(findings)),
                    ("rss_mb", String(fullRSS)),
                    ("copies", String(copies)),
                    ("base_actuals", String(baseActuals)),
                    ("base_proformas", String(baseProformas)),
                    ("timing", "best_of_2_alternating"),
                ])
            report(result)
            report(
                BenchmarkResult(
                    name: "recon-incremental", rows: actuals, seconds: incremental.seconds, baselineSeconds: runBest,
                    details: [
                        ("full_seconds", BenchmarkResult.format(runBest)),
                        ("contracts", String(incremental.contracts)),
                        ("contracts_touched", String(incremental.touched)),
                        ("actuals_touched", String(incremental.actuals)),
                        ("scopes_checked", String(incremental.scopes)),
                        ("findings", String(incremental.findings)),
                        ("median_seconds", BenchmarkResult.format(incremental.median)),
                        ("pass_seconds", incremental.passes.map(BenchmarkResult.format).joined(separator: ",")),
                        ("rss_mb", String(BenchSupport.peakResidentMegabytes())),
                        ("timing", "best_of_\(Self.incrementalPasses)"),
                    ]))
            guard findings == 0 else {
                throw BenchmarkError(
                    "benchmark check failed: the multiplied data has \(findings) findings, expected 0 (as the scenario)"
                )
            }
        }
    }

    /// How many incremental runs `measureIncremental` times.
    static let incrementalPasses = 5

    /// ``incrementalPasses`` times: touches 1% of the contracts (every actual of every hundredth contract, a
    /// different hundredth each time, updated without changing a value a check reads) and times the incremental run
    /// that follows. Returns the best and the median time, and each pass's in order.
    func measureIncremental(_ connection: PostgresConnection, _ reconciliation: Reconciliation) throws -> (
        seconds: Double, median: Double, passes: [Double], contracts: Int, touched: Int, actuals: Int, scopes: Int,
        findings: Int
    ) {
        let contracts = try count(connection, "dataverse.salesorder")
        var times: [Double] = []
        var touched = 0
        var actuals = 0
        var scopes = 0
        var findings = 0
        for pass in 0..<Self.incrementalPasses {
            let updated = try connection.query(
                """
                WITH touched AS (
                    SELECT salesorderid FROM (SELECT salesorderid, row_number() OVER (ORDER BY ordernumber) AS n
                                                FROM dataverse.salesorder) s
                     WHERE (s.n - 1) % 100 = \(pass))
                UPDATE dataverse.msdyn_actual a SET msdyn_description = a.msdyn_description
                  FROM touched t WHERE a.msdyn_salescontract = t.salesorderid
                RETURNING a.msdyn_salescontract
                """)
            actuals = updated.count
            touched = Set(updated.map { $0[0] ?? "" }).count
            var run: Reconciliation.Run?
            let seconds = try BenchSupport.time { run = try reconciliation.run(.init(grace: "0")) }
            guard let run, run.kind == "incremental" else {
                throw BenchmarkError(
                    "benchmark check failed: the run after touching 1% of the contracts was \(run?.kind ?? "none") "
                        + "(\(run?.fullReason ?? "")), expected incremental")
            }
            guard run.findings == 0 else {
                throw BenchmarkError(
                    "benchmark check failed: the incremental run has \(run.findings) findings, expected 0")
            }
            times.append(seconds)
            scopes = run.scopesChecked ?? 0
            findings = run.findings
        }
        let sorted = times.sorted()
        return (sorted[0], sorted[sorted.count / 2], times, contracts, touched, actuals, scopes, findings)
    }

    func count(_ connection: PostgresConnection, _ table: String) throws -> Int {
        try connection.query(PostgresQuery(unescaped: "SELECT count(*) FROM \(table)")).scalar()
    }
}

/// A benchmark that could not measure what it promises (its data is not what it should be).
public struct BenchmarkError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
