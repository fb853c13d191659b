import Foundation
import Testing
import TieoutPostgres
import TieoutRecon
import TieoutTestSupport

func fault(_ category: String) -> FaultCase {
    FaultCase.all.first { $0.category == category }!
}

@Suite("grace window and run ledger")
struct RunLedgerTests {
    /// A mismatch on a record younger than the grace window is IN_FLIGHT; once the window has passed it is its real
    /// category, and the same finding (open, not new).
    @Test func aFaultInsideTheGraceWindowIsInFlightAndItsRealCategoryAfter() throws {
        try CleanScenario.withClone { db in
            try db.inject(fault("HEADER_ATTRIBUTE_MISMATCH").injection)
            let inside = try db.run(grace: "1h")
            let later = try db.run(asOf: try db.value("SELECT (now() + interval '2 hours')::text"), grace: "1h")
            let rows = try db.rows(
                """
                SELECT run_id, category, severity, underlying_category, stage, invoicenumber, field, expected, actual,
                       first_seen_run_id, detail
                  FROM recon.finding ORDER BY run_id
                """)
            #expect(
                rows == [
                    "\(inside.runID)|IN_FLIGHT|W|HEADER_ATTRIBUTE_MISMATCH|header|INV-000004|invoiceaccount|C-000004|C-999|"
                        + "\(inside.runID)|HEADER_ATTRIBUTE_MISMATCH once older than the grace window: proposal customer is C-999, "
                        + "the proforma's is C-000004",
                    "\(later.runID)|HEADER_ATTRIBUTE_MISMATCH|E|HEADER_ATTRIBUTE_MISMATCH|header|INV-000004|invoiceaccount|"
                        + "C-000004|C-999|\(inside.runID)|proposal customer is C-999, the proforma's is C-000004",
                ])
            #expect(inside.inFlight == 1)
            #expect(inside.warnings == 1)
            #expect(inside.errors == 0)
            #expect(later.inFlight == 0)
            #expect(later.errors == 1)
            #expect(later.newFindings == 0)
            #expect(later.stillOpen == 1)
            #expect(later.resolved == 0)
        }
    }

    /// Run 1 with faults A (a receivable line a cent off: its voucher unbalanced and its receivable no longer the
    /// invoice's, two findings) and B; A fixed and C added; run 2 has C new, B still open, A's two resolved. A rerun
    /// of the same as-of replaces run 2 with the same result.
    @Test func newStillOpenAndResolvedAcrossRunsAndAnIdempotentRerun() throws {
        try CleanScenario.withClone { db in
            let a = fault("UNBALANCED_VOUCHER")
            let b = fault("BILLING_STATUS_INCONSISTENT")
            let c = fault("TAX_DIFFERENCE")
            let first = try db.value("SELECT now()::text")
            let second = try db.value("SELECT (now() + interval '1 minute')::text")
            try db.inject(a.injection)
            try db.inject(b.injection)
            let run1 = try db.run(asOf: first)
            #expect(run1.findings == 3)
            #expect(run1.newFindings == 3)

            try db.inject(
                """
                UPDATE fno.generaljournalaccountentry SET accountingcurrencyamount = accountingcurrencyamount - 0.01
                 WHERE recid = (SELECT min(e.recid) FROM fno.generaljournalaccountentry e
                                  JOIN fno.projinvoicejour j ON j.ledgervoucher = e.voucher
                                 WHERE j.proposalid = 'INV-000004');
                """)
            try db.inject(c.injection)
            let run2 = try db.run(asOf: second)
            #expect(run2.runID == run1.runID + 1)
            #expect(run2.findings == 2)
            #expect(run2.newFindings == 1)
            #expect(run2.stillOpen == 1)
            #expect(run2.resolved == 2)
            #expect(run2.replaced == false)
            let firstSeen = try db.rows(
                "SELECT category, first_seen_run_id FROM recon.finding WHERE run_id = \(run2.runID) ORDER BY category")
            #expect(
                firstSeen == [
                    "BILLING_STATUS_INCONSISTENT|\(run1.runID)", "TAX_DIFFERENCE|\(run2.runID)",
                ])
            let changes = try db.rows(
                "SELECT change, category FROM recon.finding_changes WHERE run_id = \(run2.runID) ORDER BY change")
            #expect(
                changes == [
                    "new|TAX_DIFFERENCE", "open|BILLING_STATUS_INCONSISTENT", "resolved|UNBALANCED_VOUCHER",
                    "resolved|VOUCHER_MISMATCH",
                ])
            let previous = try db.value("SELECT previous_run_id FROM recon.run WHERE run_id = \(run2.runID)")
            #expect(previous == "\(run1.runID)")

            // The rerun: same run, same findings, same counts.
            let before = try db.rows("SELECT * FROM recon.finding WHERE run_id = \(run2.runID) ORDER BY finding_no")
            let rerun = try db.run(asOf: second)
            #expect(rerun.replaced == true)
            var expected = run2
            expected.replaced = true
            // Nothing changed since run 2 checked the two changed contracts: the rerun builds on it and checks none.
            #expect(run2.kind == "incremental" && run2.scopesChecked == 2)
            expected.scopesChecked = 0
            #expect(rerun == expected)
            let after = try db.rows("SELECT * FROM recon.finding WHERE run_id = \(run2.runID) ORDER BY finding_no")
            #expect(after == before)
            #expect(before.count == 2)
            let runs = try db.rows("SELECT run_id, status FROM recon.run ORDER BY run_id")
            #expect(runs == ["\(run1.runID)|succeeded", "\(run2.runID)|succeeded"])
        }
    }
}

@Suite("run safety")
struct RunSafetyTests {
    @Test func theAnalystRoleReadsEveryRelationOfReconAndWritesNothing() throws {
        try CleanScenario.withEmpty { db in
            try db.run()
            let relations = try db.rows(
                """
                SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'recon' AND c.relkind IN ('r', 'v') ORDER BY 1
                """)
            #expect(
                relations == [
                    "aging", "category", "dirty", "finding", "finding_changes", "finding_review", "invoice_pipeline",
                    "latest_run", "open_findings", "raw_finding", "review_event", "run", "setting", "signoff", "state",
                    "summary", "threshold", "tolerance",
                ])
            try db.connection.query("SET ROLE tieout_analyst")
            for relation in relations {
                let count = try db.value("SELECT count(*) >= 0 FROM recon.\(relation)")
                #expect(count == "t", "\(relation)")
            }
            var refused: [String] = []
            var allowed: [String] = []
            for table in ["run", "finding", "tolerance", "setting"] {
                for statement in [
                    "INSERT INTO recon.\(table) DEFAULT VALUES",
                    "UPDATE recon.\(table) SET \(["run": "error = error", "finding": "detail = detail", "setting": "value = value"][table] ?? "amount = 1")",
                    "DELETE FROM recon.\(table)", "TRUNCATE recon.\(table)",
                ] {
                    do {
                        try db.connection.query(PostgresQuery(unescaped: statement))
                        allowed.append(statement)
                    } catch let error as PostgresError where error.code == .insufficientPrivilege {
                        refused.append(statement)
                    }
                }
            }
            for statement in ["CREATE TABLE recon.mine (a int)", "CREATE VIEW recon.mine AS SELECT 1 AS a"] {
                do {
                    try db.connection.query(PostgresQuery(unescaped: statement))
                    allowed.append(statement)
                } catch let error as PostgresError where error.code == .insufficientPrivilege {
                    refused.append(statement)
                }
            }
            #expect(allowed == [])
            #expect(refused.count == 18)
            try db.connection.query("RESET ROLE")
            let runs = try db.value("SELECT count(*) FROM recon.run")
            #expect(runs == "1")
        }
    }

    @Test func aRunWhileAnotherHoldsTheLockIsBusyAndWritesNothing() throws {
        try CleanScenario.withEmpty { db in
            let other = try PostgresConnection(configuration: .parameters([("dbname", db.name)]))
            defer { other.close() }
            try other.query("BEGIN")
            try other.query("SELECT pg_advisory_xact_lock(hashtext('tieout.recon.run'))")
            #expect {
                try db.run()
            } throws: { error in
                (error as? ReconError)?.isBusy == true
            }
            let runs = try db.value("SELECT count(*) FROM recon.run")
            #expect(runs == "0")
            try other.query("ROLLBACK")
            let run = try db.run()
            #expect(run.findings == 0)
        }
    }

    @Test func aFailedRunLeavesOnlyAFailedRunRow() throws {
        try CleanScenario.withClone { db in
            try db.inject(fault("UNBALANCED_VOUCHER").injection)
            try db.connection.query("ALTER TABLE fno.projproposalline RENAME TO projproposalline_moved")
            #expect(throws: PostgresError.self) {
                try db.run()
            }
            let runs = try db.rows("SELECT status, findings, errors, finished_at IS NOT NULL, error FROM recon.run")
            #expect(runs == ["failed|0|0|t|relation \"fno.projproposalline\" does not exist (SQLSTATE 42P01)"])
            let findings = try db.value("SELECT count(*) FROM recon.finding")
            #expect(findings == "0")

            // Put back, the next run succeeds and finds the fault (the voucher unbalanced, its receivable off).
            try db.connection.query("ALTER TABLE fno.projproposalline_moved RENAME TO projproposalline")
            let run = try db.run()
            #expect(run.findings == 2)
            #expect(run.errors == 2)
        }
    }
}
