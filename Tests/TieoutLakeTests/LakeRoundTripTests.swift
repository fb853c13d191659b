import Foundation
import Testing
import TieoutLake
import TieoutLoad
import TieoutMaps
import TieoutPostgres
import TieoutRecon
import TieoutScenario
import TieoutSync
import TieoutTestSupport

/// The real path end to end: a company seeded and taken through a business day is written with the lake writer (the
/// initial folder), the next business day and the demo's planted faults as an incremental folder; a fresh database
/// loads the lake as a customer's tieout would. Both must hold the same rows in every table, and the reconciliation
/// must find the same things in both.
@Suite("lake round trip")
struct LakeRoundTripTests {
    /// Every table of `dataverse` and `fno` with a hash of its rows (in text order), so two databases compare.
    static func contents(_ connection: PostgresConnection) throws -> [String] {
        let tables = try LakeTest.rows(
            connection,
            """
            SELECT format('%I.%I', table_schema, table_name) FROM information_schema.tables
             WHERE table_schema IN ('dataverse', 'fno') AND table_type = 'BASE TABLE' ORDER BY 1
            """)
        return try tables.map { table in
            let row = try LakeTest.rows(
                connection,
                "SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '-') FROM \(table) t"
            )
            return "\(table) \(row[0])"
        }
    }

    /// The findings of a run, by what identifies them and what they say.
    static func findings(_ connection: PostgresConnection, run: Int) throws -> [String] {
        try LakeTest.rows(
            connection,
            """
            SELECT category, severity, finding_key, coalesce(expected, ''), coalesce(actual, ''),
                   coalesce(difference::text, '')
              FROM recon.finding WHERE run_id = \(run) ORDER BY category, finding_key
            """)
    }

    static func reconcile(_ connection: PostgresConnection, asOf: String) throws -> Int {
        let maps = try MapSet.load(directory: packageRoot.appendingPathComponent("maps"))
        return try Reconciliation(connection: connection, maps: maps, logger: LakeTest.logger)
            .run(.init(asOf: asOf, grace: "0")).runID
    }

    @Test func aSeededCompanyWrittenAsALakeAndLoadedElsewhereReconcilesTheSame() throws {
        let lake = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: lake) }
        let day = { (text: String) in ISO8601DateFormatter().date(from: text)! }
        try TestDatabase.withMigratedDatabase { source, _ in
            let engine = try SyncEngine(
                maps: MapSet.load(directory: packageRoot.appendingPathComponent("maps")),
                databases: SyncDatabases(single: source), logger: LakeTest.logger)
            _ = try Seed(engine: engine, logger: LakeTest.logger).run(.init(month: PostgresDate("2026-10-01")!))
            _ = try DailyCycle(engine: engine, logger: LakeTest.logger).run(date: PostgresDate("2026-11-02")!)
            let writer = LakeWriter(connection: source, logger: LakeTest.logger)
            let initial = try writer.write(to: lake, now: day("2026-11-02T20:00:00Z"))
            #expect(initial.isInitial)

            _ = try DailyCycle(engine: engine, logger: LakeTest.logger).run(date: PostgresDate("2026-11-03")!)
            let planted = try Faults(connection: source).plant()
            #expect(planted.count == Faults.all.count)
            let next = try writer.write(to: lake, now: day("2026-11-03T20:00:00Z"))
            #expect(!next.isInitial)
            #expect(next.rows > 0)

            let asOf = try source.query("SELECT now()::text").scalar(String.self)
            let sourceRun = try Self.reconcile(source, asOf: asOf)

            try TestDatabase.withMigratedDatabase { target, _ in
                let summary = try LakeLoader(connection: target, logger: LakeTest.logger).load(from: lake)
                #expect(summary.loaded.count == 2)
                #expect(summary.skippedEntities.isEmpty)
                #expect(try Self.contents(target) == Self.contents(source))

                let targetRun = try Self.reconcile(target, asOf: asOf)
                let expected = try Self.findings(source, run: sourceRun)
                #expect(!expected.isEmpty)
                #expect(try Self.findings(target, run: targetRun) == expected)
                // Every planted fault is among them.
                let categories = Set(expected.map { String($0.split(separator: "|")[0]) })
                for fault in Faults.all { #expect(categories.contains(fault.category), "\(fault.name)") }

                // A rerun loads nothing and changes nothing.
                let again = try LakeLoader(connection: target, logger: LakeTest.logger).load(from: lake)
                #expect(again.loaded.isEmpty)
                #expect(try Self.contents(target) == Self.contents(source))
            }
        }
    }
}
