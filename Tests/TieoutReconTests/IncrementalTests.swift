import Foundation
import Testing
import TieoutDataverse
import TieoutFinance
import TieoutMaps
import TieoutPostgres
import TieoutScenario
import TieoutSync
import TieoutTestSupport

@testable import TieoutRecon

/// Incremental runs against full runs of the same snapshot, over random business days, faults and fixes.
@Suite("incremental runs")
struct IncrementalTests {
    /// What the two runs must agree on, per finding: category, keys, values, money at stake, when the record
    /// changed and when the finding was first seen, its age and detail.
    static let compared = """
        category, severity, underlying_category, invoicenumber, proposalid, actualid, transid, voucher, field, \
        expected, actual, difference, amount, currency, dataareaid, since, first_seen_run_id, age_days, detail, \
        contract, period
        """

    /// The tables a fix puts back as they were in the clean scenario.
    static let restorable = [
        "dataverse.msdyn_actual", "dataverse.invoice", "dataverse.invoicedetail",
        "dataverse.msdyn_invoicelinetransaction", "dataverse.msdyn_transactionconnection", "fno.projcdsactualsimport",
        "fno.projproposaljour", "fno.projproposalline", "fno.projinvoicejour", "fno.projinvoiceline",
        "fno.projadvancedjournalline", "fno.projpostedtranstable", "fno.generaljournalaccountentry", "fno.custtrans",
    ]

    static let steps = 220

    /// After every one of 220 random steps (a fault of the chain's test cases, a fix putting a table back, a
    /// business process, the clock moving on by hours or days, a tolerance changed), the incremental run and a full
    /// run of the same snapshot (rolled back) report exactly the same findings. `TIEOUT_EQUIVALENCE_SEED` repeats
    /// another sequence; a failure names its seed and step.
    @Test func incrementalRunsEqualFullRuns() throws {
        let seed = ProcessInfo.processInfo.environment["TIEOUT_EQUIVALENCE_SEED"].flatMap { UInt64($0) } ?? 20_261_202
        var random = SeededGenerator(seed: seed)
        try CleanScenario.withClone { db in
            try db.connection.executeScript(
                "SET client_min_messages = warning;\nCREATE SCHEMA snap;\n"
                    + Self.restorable.map {
                        "CREATE TABLE snap.\($0.split(separator: ".")[1]) AS SELECT * FROM \($0);"
                    }.joined(separator: "\n"))
            var asOf = try db.value("SELECT date_trunc('second', now() + interval '1 minute')::text")
            try db.run(asOf: asOf, grace: "2 hours")
            var day = 0
            var kinds: [String: Int] = [:]
            for step in 1...Self.steps {
                let (action, minutes) = try db.randomStep(&random, day: &day)
                asOf = try db.value(
                    "SELECT (CAST('\(asOf)' AS timestamptz) + \(minutes) * interval '1 minute')::text")
                let (run, incremental, full) = try db.runTwice(.init(asOf: asOf, grace: "2 hours"))
                kinds[run.kind ?? "none", default: 0] += 1
                let missing = Self.difference(full, incremental)
                let extra = Self.difference(incremental, full)
                #expect(
                    missing.isEmpty && extra.isEmpty,
                    """
                    seed \(seed), step \(step) (\(action)), \(run.summary)
                    only in the full run: \(missing.prefix(4).joined(separator: "\n"))
                    only in the incremental run: \(extra.prefix(4).joined(separator: "\n"))
                    """)
                guard missing.isEmpty && extra.isEmpty else { return }
            }
            // Most steps build on the last run; the others say why they are full.
            #expect(kinds["incremental", default: 0] >= Self.steps / 2, "seed \(seed): \(kinds)")
        }
    }

    /// A mismatch leaves IN_FLIGHT when its grace window ends and an open proposal becomes stuck when it passes its
    /// threshold, in incremental runs that follow no change at all, exactly as full runs of the same snapshot say.
    @Test func timeOnlyTransitionsAppearInIncrementalRunsOnTheirDay() throws {
        let stuck = try #require(FaultCase.all.first { $0.category == "PROPOSAL_STUCK_UNPOSTED" })
        try CleanScenario.withClone { db in
            try db.run(asOf: try db.value("SELECT date_trunc('second', now() + interval '1 minute')::text"))
            let cost = try db.inject(
                stuck.injection + """
                    UPDATE fno.projcdsactualsimport SET amount = amount + 1 WHERE actualid = (SELECT cost FROM pick);
                    """, then: "SELECT cost FROM pick")[0]
            // (hours after the fault; the proposal passes proposal_stuck 3 days after it was created)
            let checkpoints = [
                ("1 hour", "IN_FLIGHT|W|STAGING_FIELD_MISMATCH", false),
                ("3 hours", "STAGING_FIELD_MISMATCH|E|STAGING_FIELD_MISMATCH", false),
                ("4 days", "STAGING_FIELD_MISMATCH|E|STAGING_FIELD_MISMATCH", true),
            ]
            for (offset, staging, isStuck) in checkpoints {
                let asOf = try db.value("SELECT date_trunc('second', now() + interval '\(offset)')::text")
                let (run, incremental, full) = try db.runTwice(.init(asOf: asOf, grace: "2 hours"))
                #expect(run.kind == "incremental", "\(offset): \(run.summary)")
                #expect(incremental == full, "\(offset)")
                let found = try db.rows(
                    """
                    SELECT category, severity, underlying_category FROM recon.finding
                     WHERE run_id = \(run.runID) AND actualid = '\(cost)' AND field = 'amount'
                       AND underlying_category = 'STAGING_FIELD_MISMATCH'
                    UNION ALL
                    SELECT category, severity, underlying_category FROM recon.finding
                     WHERE run_id = \(run.runID) AND category = 'PROPOSAL_STUCK_UNPOSTED'
                    """)
                #expect(
                    found == [staging] + (isStuck ? ["PROPOSAL_STUCK_UNPOSTED|W|PROPOSAL_STUCK_UNPOSTED"] : []),
                    "\(offset)")
            }
        }
    }

    /// Each thing an incremental run cannot decide makes the run full and says why; the run after it builds on it.
    @Test func aRunIsFullWhenItCannotBuildOnTheLastAndSaysWhy() throws {
        try CleanScenario.withClone { db in
            var minutes = 0
            func run(full: Bool = false, minutesLater: Int = 10) throws -> Reconciliation.Run {
                minutes += minutesLater
                return try db.recon.run(
                    .init(
                        asOf: try db.value("SELECT date_trunc('second', now() + interval '\(minutes) minutes')::text"),
                        grace: "0", full: full))
            }
            func expectFull(_ reason: String, after change: String, comment: Comment? = nil) throws {
                if !change.isEmpty { try db.connection.executeScript(change) }
                let full = try run()
                #expect(full.kind == "full", comment)
                #expect(full.fullReason == reason, comment)
                let next = try run()
                #expect(next.kind == "incremental" && next.scopesChecked == 0, "after \(reason): \(next.summary)")
            }
            try expectFull("no earlier run to build on", after: "")
            #expect(try run(full: true).fullReason == Reconciliation.fullOnRequest)
            try expectFull(
                "the tolerances or thresholds changed since the last run",
                after: "INSERT INTO recon.tolerance VALUES ('EUR', 0.01);")
            try expectFull(
                "the tolerances or thresholds changed since the last run",
                after: "UPDATE recon.threshold SET age = interval '4 days' WHERE name = 'proposal_stuck';")
            try expectFull(
                "a migration or SQL definition was applied since the last run",
                after: "UPDATE tieout.schema_definition SET checksum = 'edited' WHERE path = 'recon/views.sql';")
            try expectFull(
                "a change that cannot be narrowed to contracts (reference data, a truncate or a bulk write): fno.ledger",
                after: "UPDATE fno.ledger SET accountingcurrency = accountingcurrency;")
            try expectFull(
                "a change that cannot be narrowed to contracts (reference data, a truncate or a bulk write): "
                    + "dataverse.msdyn_actual",
                after: """
                    UPDATE recon.setting SET value = '10' WHERE name = 'max_statement_rows';
                    UPDATE dataverse.msdyn_actual SET msdyn_description = msdyn_description
                     WHERE msdyn_actualid IN (SELECT msdyn_actualid FROM dataverse.msdyn_actual LIMIT 11);
                    UPDATE recon.setting SET value = '50000' WHERE name = 'max_statement_rows';
                    """)
            try expectFull(
                "a change that cannot be narrowed to contracts (reference data, a truncate or a bulk write): "
                    + "fno.custtrans",
                after: "CREATE TEMP TABLE kept AS SELECT * FROM fno.custtrans; TRUNCATE fno.custtrans; "
                    + "INSERT INTO fno.custtrans SELECT * FROM kept; DROP TABLE kept;")
            try expectFull(
                "2 of 60 contracts changed, more than the share 0.01 (setting max_changed_share)",
                after: """
                    UPDATE recon.setting SET value = '0.01' WHERE name = 'max_changed_share';
                    UPDATE dataverse.msdyn_actual SET msdyn_description = msdyn_description
                     WHERE msdyn_salescontract IN (SELECT salesorderid FROM dataverse.salesorder
                                                    ORDER BY ordernumber LIMIT 2);
                    """)
            try db.connection.executeScript("UPDATE recon.setting SET value = '0.25' WHERE name = 'max_changed_share';")
            let stale = try run(minutesLater: 8 * 24 * 60)
            #expect(stale.kind == "full")
            #expect(stale.fullReason?.hasSuffix("is 7 days or more before this one (setting full_run_every)") == true)
            minutes -= 60
            let earlier = try run(minutesLater: 0)
            #expect(earlier.kind == "full")
            #expect(earlier.fullReason?.hasPrefix("the as-of is earlier than the last run's (") == true)

            // Another maps folder whose actuals map reads differently.
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("maps-\(UUID().uuidString)")
            try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("maps"), to: folder)
            defer { try? FileManager.default.removeItem(at: folder) }
            let actuals = folder.appendingPathComponent("actuals.yaml")
            try String(contentsOf: actuals, encoding: .utf8)
                .replacingOccurrences(
                    of: "filter: src.msdyn_skipsync = false", with: "filter: src.msdyn_skipsync IS FALSE"
                )
                .write(to: actuals, atomically: true, encoding: .utf8)
            let other = try Reconciliation(
                connection: db.connection, maps: MapSet.load(directory: folder), logger: CleanScenario.quietLogger)
            minutes += 10
            let moved = try other.run(
                .init(
                    asOf: try db.value("SELECT date_trunc('second', now() + interval '\(minutes) minutes')::text"),
                    grace: "0"))
            #expect(moved.fullReason == "the table maps changed since the last run")
        }
    }

    /// An incremental run prices a random page at 1.1 for the rest of its transaction (its checks join small copies
    /// to whole tables in memory); a full attempt after it in the same transaction (an incremental run made again as
    /// a full one) and every later transaction price it as the server does.
    @Test func onlyAnIncrementalRunPricesRandomPagesAsInMemory() throws {
        struct Rolled: Error {}
        try CleanScenario.withClone { db in
            let server = try db.value("SHOW random_page_cost")
            #expect(server == "4")
            #expect(try db.recon.run(.init(grace: "0")).kind == "full")
            let prepare =
                "SELECT run_kind FROM recon.prepare_run(%@, (SELECT maps_fingerprint FROM recon.state), now())"
            #expect(throws: Rolled.self) {
                try db.connection.withTransaction { connection in
                    let attempts = try ["NULL", "'made again'"].map { reason in
                        try db.rows(prepare.replacingOccurrences(of: "%@", with: reason), on: connection)
                            + db.rows("SHOW random_page_cost", on: connection)
                    }
                    #expect(attempts == [["incremental", "1.1"], ["full", server]])
                    throw Rolled()
                }
            }
            #expect(try db.value("SHOW random_page_cost") == server)
        }
    }

    /// The rows of `a` that `b` lacks, counting repeats.
    static func difference(_ a: [String], _ b: [String]) -> [String] {
        var counts: [String: Int] = [:]
        for row in b { counts[row, default: 0] += 1 }
        return a.filter { row in
            guard let count = counts[row], count > 0 else { return true }
            counts[row] = count - 1
            return false
        }
    }

    static func findings(_ run: Int) -> String {
        "SELECT \(compared) FROM recon.finding WHERE run_id = \(run)"
    }
}

extension ReconDatabase {
    /// The run of `options` (committed) and its findings, then the findings of a `--full` run of the same snapshot
    /// (rolled back), each sorted (`IncrementalTests.compared`).
    func runTwice(_ options: Reconciliation.RunOptions) throws -> (Reconciliation.Run, [String], [String]) {
        let (run, findings) = try recon.run(options) { connection, run in
            (run, try rows(IncrementalTests.findings(run.runID), on: connection).sorted())
        }
        var fullOptions = options
        fullOptions.full = true
        let full = try recon.run(fullOptions, commit: false) { connection, run in
            try rows(IncrementalTests.findings(run.runID), on: connection).sorted()
        }
        return (run, findings, full)
    }

    /// One random step; returns what it did and how many minutes the clock moves on after it.
    func randomStep(_ random: inout SeededGenerator, day: inout Int) throws -> (String, Int) {
        let roll = Int.random(in: 0..<100, using: &random)
        let minutes = Int.random(in: 1...180, using: &random)
        switch roll {
        case 0..<55:
            let fault = FaultCase.everyCase.randomElement(using: &random)!
            return (attempt("fault \(fault)") { try inject(fault.injection) }, minutes)
        case 55..<68:
            let table = IncrementalTests.restorable.randomElement(using: &random)!
            let name = table.split(separator: ".")[1]
            return (
                attempt("fix: \(table) as it was") {
                    try inject(
                        """
                        DELETE FROM \(table) t WHERE t::text NOT IN (SELECT s::text FROM snap.\(name) s);
                        INSERT INTO \(table) SELECT s.* FROM snap.\(name) s
                         WHERE s::text NOT IN (SELECT t::text FROM \(table) t);
                        """)
                }, minutes
            )
        case 68..<82:
            return ("the clock moves on", Int.random(in: 60...(3 * 24 * 60), using: &random))
        case 82..<97:
            return (try businessStep(&random, day: &day), minutes)
        default:
            let amount = ["0.01", "0.50"].randomElement(using: &random)!
            _ = try rows(
                """
                INSERT INTO recon.tolerance (currencyid, amount) VALUES ('EUR', \(amount))
                ON CONFLICT (currencyid) DO UPDATE SET amount = EXCLUDED.amount
                """)
            return ("EUR tolerance \(amount)", minutes)
        }
    }

    /// A business process on the (possibly faulty) data; a process that refuses leaves nothing behind.
    func businessStep(_ random: inout SeededGenerator, day: inout Int) throws -> String {
        let engine = try CleanScenario.syncEngine(connection)
        let finance = FinanceOperations(connection: connection)
        switch Int.random(in: 0..<6, using: &random) {
        case 0:
            // Business days after the clean scenario's 2026-11-02.
            let date = PostgresDate(try value("SELECT (DATE '2026-11-03' + \(day))::text"))!
            day += 1
            return attempt("business day \(date)") {
                _ = try DailyCycle(engine: engine, logger: CleanScenario.quietLogger).run(date: date)
            }
        case 1:
            let number = Int.random(in: 1...60, using: &random)
            let invoice = String(format: "INV-%06d", number)
            return attempt("corrective invoice of \(invoice), confirmed") {
                let correction = try value(
                    "SELECT process.dv_revise(invoiceid) FROM dataverse.invoice WHERE invoicenumber = '\(invoice)'")
                _ = try rows("SELECT * FROM process.dv_confirm('\(correction)')")
            }
        case 2: return attempt("sync") { _ = try engine.drain() }
        case 3: return attempt("import from staging") { _ = try finance.importFromStaging() }
        case 4: return attempt("post journals") { _ = try finance.postJournals() }
        default: return attempt("post proposals") { _ = try finance.postProposals() }
        }
    }

    /// Runs `body`; says what it did, or that it was refused and why.
    func attempt(_ what: String, _ body: () throws -> Void) -> String {
        do {
            try body()
            return what
        } catch {
            return "\(what) (refused: \(String(describing: error).prefix(120)))"
        }
    }
}
