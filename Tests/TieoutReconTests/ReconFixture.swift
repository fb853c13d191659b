import Foundation
import Logging
import Testing
import TieoutMaps
import TieoutMigrations
import TieoutPostgres
import TieoutRecon
import TieoutScenario
import TieoutSync
import TieoutTestSupport

/// The clean scenario of the reconciliation tests: a migrated database with the seeded company (scale 1, seed 1,
/// October 2026) taken through one pipeline day (2026-11-02), so every proforma is confirmed, proposed, posted and
/// written back. It is built once per test process into a template database; each test works on its own clone
/// (`CREATE DATABASE … TEMPLATE …`), which takes a fraction of a second.
enum CleanScenario {
    /// The template's name, or why it could not be built (every test that needs it then fails with that error).
    static let template: Result<String, any Error> = {
        do {
            let name = "tieout_recon_tmpl_" + UUID().uuidString.prefix(8).lowercased()
            let admin = try TestDatabase.connect()
            defer { admin.close() }
            try admin.query("CREATE DATABASE \(identifier: name)")
            templateName.withLock { $0 = name }
            atexit {
                guard let name = CleanScenario.templateName.withLock({ $0 }),
                    let admin = try? TestDatabase.connect()
                else { return }
                _ = try? admin.query("DROP DATABASE IF EXISTS \(identifier: name) WITH (FORCE)")
                admin.close()
            }
            let connection = try PostgresConnection(configuration: .parameters([("dbname", name)]))
            defer { connection.close() }
            try connection.query("SET client_min_messages = warning")
            _ = try Migrator(connection: connection).migrate(MigrationSet.embedded())
            let engine = try syncEngine(connection)
            _ = try Seed(engine: engine, logger: quietLogger).run(.init(month: PostgresDate("2026-10-01")!))
            _ = try DailyCycle(engine: engine, logger: quietLogger).run(date: PostgresDate("2026-11-02")!)
            // Statistics go into every clone: without them the checks' plans are poor (seconds instead of a
            // fraction of one).
            try connection.query("ANALYZE")
            return .success(name)
        } catch {
            return .failure(error)
        }
    }()

    static let templateName = LockedName()

    /// A clone of the clean scenario for one test; dropped after `body`.
    static func withClone<Result>(_ body: (ReconDatabase) throws -> Result) throws -> Result {
        let template = try self.template.get()
        let admin = try TestDatabase.connect()
        defer { admin.close() }
        let name = "tieout_recon_" + UUID().uuidString.prefix(8).lowercased()
        try admin.query("CREATE DATABASE \(identifier: name) TEMPLATE \(identifier: template)")
        defer { _ = try? admin.query("DROP DATABASE IF EXISTS \(identifier: name) WITH (FORCE)") }
        let connection = try PostgresConnection(configuration: .parameters([("dbname", name)]))
        defer { connection.close() }
        return try body(try ReconDatabase(connection: connection, name: name))
    }

    /// A freshly migrated database without any company.
    static func withEmpty<Result>(_ body: (ReconDatabase) throws -> Result) throws -> Result {
        try TestDatabase.withMigratedDatabase { connection, name in
            try body(try ReconDatabase(connection: connection, name: name))
        }
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    static func syncEngine(_ connection: PostgresConnection) throws -> SyncEngine {
        try SyncEngine(
            maps: MapSet.load(directory: packageRoot.appendingPathComponent("maps")),
            databases: SyncDatabases(single: connection), logger: quietLogger)
    }
}

/// The template's name for the exit handler.
final class LockedName: @unchecked Sendable {
    private let lock = NSLock()
    private var name: String?
    func withLock<T>(_ body: (inout String?) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&name)
    }
}

/// One test's database and the reconciliation over it.
struct ReconDatabase {
    let connection: PostgresConnection
    let name: String
    let recon: Reconciliation

    init(connection: PostgresConnection, name: String) throws {
        self.connection = connection
        self.name = name
        recon = try Reconciliation(
            connection: connection, maps: MapSet.load(directory: packageRoot.appendingPathComponent("maps")),
            logger: CleanScenario.quietLogger)
    }

    /// Runs the reconciliation with no grace window unless told otherwise.
    @discardableResult
    func run(asOf: String? = nil, grace: String = "0") throws -> Reconciliation.Run {
        try recon.run(.init(asOf: asOf, grace: grace))
    }

    /// Runs `sql` as a fault would arrive: in its own session, with the guard and capture triggers off
    /// (`session_replication_role = replica`) and the sync's origin set, so proposal headers may be written. The
    /// session first fills the temporary table `pick` (see ``FaultCase/prelude``). Returns the rows of `then`, run
    /// in the same session after the injection.
    @discardableResult
    func inject(_ sql: String, then query: String? = nil) throws -> [String] {
        try inject(sql, then: query.map { [$0] } ?? []).first ?? []
    }

    /// Runs `sql` as ``inject(_:then:)`` does, then each of `queries` in the same session; returns their rows.
    func inject(_ sql: String, then queries: [String]) throws -> [[String]] {
        let session = try PostgresConnection(configuration: .parameters([("dbname", name)]))
        defer { session.close() }
        try session.executeScript(
            """
            SET client_min_messages = warning;
            SET session_replication_role = replica;
            SELECT set_config('tieout.origin', 'sync:test', false);
            \(FaultCase.prelude)
            """)
        try session.executeScript(sql)
        return try queries.map { try rows($0, on: session) }
    }

    /// Rows of a query, each row's columns joined with `|` (NULL as `∅`).
    func rows(_ sql: String, on session: PostgresConnection? = nil) throws -> [String] {
        let result = try (session ?? connection).query(PostgresQuery(unescaped: sql))
        return result.map { row in (0..<result.columns.count).map { row[$0] ?? "∅" }.joined(separator: "|") }
    }

    /// The single value of a query, as text.
    func value(_ sql: String) throws -> String {
        let all = try rows(sql)
        guard all.count == 1 else { throw TestSetupError("expected one row, got \(all.count): \(sql)") }
        return all[0]
    }

    /// The key columns of a run's findings but the control totals (``FaultCase/keyColumns``), in finding order.
    func findings(run: Int) throws -> [String] {
        try rows(
            """
            SELECT \(FaultCase.keyColumns) FROM recon.finding
             WHERE run_id = \(run) AND underlying_category <> 'CONTROL_TOTAL_MISMATCH' ORDER BY finding_no
            """)
    }

    /// The control totals of a run (``FaultCase/controlColumns``), in finding order.
    func controlTotals(run: Int) throws -> [String] {
        try rows(
            """
            SELECT \(FaultCase.controlColumns) FROM recon.finding
             WHERE run_id = \(run) AND underlying_category = 'CONTROL_TOTAL_MISMATCH' ORDER BY finding_no
            """)
    }

    /// Injects `fault`, runs the reconciliation and checks that the run has exactly the fault's findings: every
    /// expected row once and no other finding (so no record the fault left alone appears), the fault's category
    /// among them with the catalogue's severity (or raised to an error past its threshold).
    func check(_ fault: FaultCase, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let queries = [fault.expected] + (fault.controls.map { [$0] } ?? [])
        let expected = try inject(fault.injection, then: queries)
        #expect(
            !expected[0].isEmpty || expected.count > 1, "the expected queries must find the records",
            sourceLocation: sourceLocation)
        let asOf = try fault.asOf.map { try value($0) }
        let run = try run(asOf: asOf)
        let found = try findings(run: run.runID)
        let controls = try controlTotals(run: run.runID)
        #expect(found.sorted() == expected[0].sorted(), sourceLocation: sourceLocation)
        #expect(controls.sorted() == (expected.count > 1 ? expected[1] : []).sorted(), sourceLocation: sourceLocation)
        #expect(run.findings == found.count + controls.count, sourceLocation: sourceLocation)
        #expect(run.inFlight == 0, sourceLocation: sourceLocation)
        let severities = try rows(
            """
            SELECT DISTINCT f.severity = c.severity OR (f.severity = 'E' AND c.severity = 'W')
              FROM recon.finding f JOIN recon.category c ON c.category = f.category
             WHERE f.run_id = \(run.runID) AND f.category = '\(fault.category)'
            """)
        #expect(
            severities == ["t"], "the fault's category, with its catalogue severity", sourceLocation: sourceLocation)
    }
}
