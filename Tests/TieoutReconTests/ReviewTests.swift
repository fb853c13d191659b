import Dispatch
import Foundation
import Testing
import TieoutPostgres
import TieoutRecon
import TieoutTestSupport

/// Findings people can work: whose money they are, review state that stays with an open finding, the audit trail,
/// sign-off, and the metrics of a run.
@Suite("review and sign-off")
struct ReviewTests {
    /// The review of `category`'s finding in `run`: status, assignee, note, reviewed by and changes.
    func reviewState(_ db: ReconDatabase, run: Int, category: String) throws -> String {
        try db.value(
            """
            SELECT v.status || '|' || coalesce(v.assignee, '∅') || '|' || coalesce(v.note, '∅') || '|'
                   || coalesce(v.reviewed_by, '∅') || '|' || v.changes
              FROM recon.finding f JOIN recon.finding_review v ON v.run_id = f.run_id AND v.finding_no = f.finding_no
             WHERE f.run_id = \(run) AND f.category = '\(category)'
            """)
    }

    func findingNo(_ db: ReconDatabase, run: Int, category: String) throws -> String {
        try db.value("SELECT finding_no FROM recon.finding WHERE run_id = \(run) AND category = '\(category)'")
    }

    /// A cent off one ledger line of INV-000004's invoice voucher: UNBALANCED_VOUCHER and VOUCHER_MISMATCH, 0.01
    /// USD each. Undone by `fixVoucher`.
    let breakVoucher = fault("UNBALANCED_VOUCHER").injection
    let fixVoucher = """
        UPDATE fno.generaljournalaccountentry SET accountingcurrencyamount = accountingcurrencyamount - 0.01
         WHERE recid = (SELECT min(e.recid) FROM fno.generaljournalaccountentry e
                          JOIN fno.projinvoicejour j ON j.ledgervoucher = e.voucher
                         WHERE j.proposalid = 'INV-000004');
        """

    @Test func findingsSayWhoseMoneyItIs() throws {
        try CleanScenario.withClone { db in
            try db.inject(breakVoucher)
            try db.inject(fault("BILLED_SALES_NOT_STAGED").injection)
            let run = try db.run()
            let located = try db.rows(
                """
                SELECT category, contract, customer_account, customer_name, coalesce(project, '∅'), dataareaid
                  FROM recon.finding WHERE run_id = \(run.runID) ORDER BY finding_no
                """)
            // The voucher is INV-000004's (contract PC-000004 of customer C-000004); the billed sale that never
            // reached staging is of the fault's proforma, its contract, customer and project.
            let billed = try db.value(
                """
                SELECT so.ordernumber || '|' || ac.accountnumber || '|' || ac.name || '|' || p.msdyn_projectnumber
                  FROM dataverse.msdyn_actual a
                  JOIN dataverse.salesorder so ON so.salesorderid = a.msdyn_salescontract
                  JOIN dataverse.account ac ON ac.accountid = so.customerid
                  JOIN dataverse.msdyn_project p ON p.msdyn_projectid = a.msdyn_project
                 WHERE a.msdyn_actualid = 'ffffffff-0000-0000-0000-0000000b5001'
                """)
            #expect(billed == "PC-000001|C-000001|Customer 00001|PRJ-000001")
            #expect(
                located == [
                    "BILLED_SALES_NOT_STAGED|PC-000001|C-000001|Customer 00001|PRJ-000001|usmf",
                    "CONTROL_TOTAL_MISMATCH|PC-000001|C-000001|Customer 00001|∅|usmf",
                    "UNBALANCED_VOUCHER|PC-000004|C-000004|Customer 00004|∅|usmf",
                    "VOUCHER_MISMATCH|PC-000004|C-000004|Customer 00004|∅|usmf",
                ])
            // The same in the CSV columns analysts read.
            let open = try db.rows(
                """
                SELECT DISTINCT contract, customer_account, customer_name, review_status FROM recon.open_findings
                 ORDER BY 1
                """)
            #expect(open == ["PC-000001|C-000001|Customer 00001|open", "PC-000004|C-000004|Customer 00004|open"])
        }
    }

    @Test func aReviewStaysWhileTheFindingIsOpenAndBecomesHistoryWhenItResolves() throws {
        try CleanScenario.withClone { db in
            let review = FindingReview(connection: db.connection)
            try db.inject(breakVoucher)
            let first = try db.run()
            let number = try findingNo(db, run: first.runID, category: "UNBALANCED_VOUCHER")
            let changes = try review.review(
                [number], as: "Alice", status: "investigating", note: "a cent off on the receivable",
                assignee: "bob")
            #expect(changes.count == 1)
            #expect(changes[0].oldStatus == "open" && changes[0].newStatus == "investigating")
            #expect(changes[0].oldAssignee == nil && changes[0].newAssignee == "bob")
            #expect(
                try reviewState(db, run: first.runID, category: "UNBALANCED_VOUCHER")
                    == "investigating|bob|a cent off on the receivable|Alice|1")

            // A rerun of the same as-of, then a later run: the finding is still open, its review with it.
            let rerun = try db.run(asOf: first.asOf)
            #expect(rerun.replaced && rerun.runID == first.runID)
            #expect(
                try reviewState(db, run: first.runID, category: "UNBALANCED_VOUCHER")
                    == "investigating|bob|a cent off on the receivable|Alice|1")
            let second = try db.run()
            #expect(second.runID > first.runID)
            #expect(
                try reviewState(db, run: second.runID, category: "UNBALANCED_VOUCHER")
                    == "investigating|bob|a cent off on the receivable|Alice|1")
            // Changed on the later run, by finding key: the assignee kept, the latest note shown.
            let key = try db.value(
                "SELECT finding_key FROM recon.finding WHERE run_id = \(second.runID) AND category = 'UNBALANCED_VOUCHER'"
            )
            _ = try review.review([key], as: "Bob", status: "fixed-awaiting-sync", note: "ledger line corrected")
            #expect(
                try reviewState(db, run: second.runID, category: "UNBALANCED_VOUCHER")
                    == "fixed-awaiting-sync|bob|ledger line corrected|Bob|2")
            // The other findings stay unreviewed.
            #expect(
                try reviewState(db, run: second.runID, category: "VOUCHER_MISMATCH") == "open|∅|∅|∅|0")

            // Fixed: the finding resolves; the runs that reported it keep its review as history.
            try db.inject(fixVoucher)
            let third = try db.run()
            #expect(third.findings == 0 && third.resolved == 2)
            #expect(
                try reviewState(db, run: first.runID, category: "UNBALANCED_VOUCHER")
                    == "fixed-awaiting-sync|bob|ledger line corrected|Bob|2")
            // Broken again: a new open stretch, not reviewed yet.
            try db.inject(breakVoucher)
            let fourth = try db.run()
            #expect(try reviewState(db, run: fourth.runID, category: "UNBALANCED_VOUCHER") == "open|∅|∅|∅|0")

            // The trail: every change, in order, with who, when, old and new.
            let trail = try db.rows(
                """
                SELECT run_id, reviewed_by, old_status, new_status, coalesce(old_assignee, '∅'),
                       coalesce(new_assignee, '∅'), note, db_user = session_user, reviewed_at <= now()
                  FROM recon.review_event ORDER BY event_id
                """)
            #expect(
                trail == [
                    "\(first.runID)|Alice|open|investigating|∅|bob|a cent off on the receivable|t|t",
                    "\(second.runID)|Bob|investigating|fixed-awaiting-sync|bob|bob|ledger line corrected|t|t",
                ])
        }
    }

    @Test func reviewsAreCheckedAndAllOrNothing() throws {
        try CleanScenario.withClone { db in
            let review = FindingReview(connection: db.connection)
            #expect(throws: ReconError.self) { _ = try review.review(["1"], as: "Alice", note: "x") }
            try db.inject(breakVoucher)
            let run = try db.run()
            func refusal(_ body: () throws -> Void) -> String {
                do {
                    try body()
                    return "accepted"
                } catch let error as ReconError {
                    return (error.isUsage ? "usage: " : "") + error.description
                } catch {
                    return "\(error)"
                }
            }
            #expect(
                refusal { _ = try review.review(["1"], as: "Alice", status: "done") }
                    == "usage: status 'done' is not one of open, investigating, explained, fixed-awaiting-sync, "
                    + "false-positive")
            #expect(
                refusal { _ = try review.review(["1"], as: " ", note: "x") } == "usage: give the reviewer's name (--as)"
            )
            #expect(
                refusal { _ = try review.review(["1", "99"], as: "Alice", note: "checked") }
                    == "usage: run \(run.runID) has no finding 99")
            #expect(
                refusal { _ = try review.review(["1"], as: "Alice", status: "open") }
                    == "usage: finding 1 of run \(run.runID): nothing to record (it is open already; give another "
                    + "status, an assignee or a note)")
            #expect(
                refusal { _ = try review.review(["INV-1"], as: "Alice", note: "x") }
                    == "usage: finding 'INV-1' is neither a finding number nor a finding key (32 hexadecimal digits)")
            #expect(
                refusal { _ = try review.review(["1"], as: "Alice", note: "x", runID: 999) }
                    == "usage: run 999 does not exist or did not succeed")
            // Finding 1 was valid, 99 was not: neither was recorded.
            #expect(try db.value("SELECT count(*) FROM recon.review_event") == "0")
        }
    }

    /// Two reviews of one finding at once: the second waits for the first and records the state it left.
    @Test func twoReviewsOfOneFindingAtOnceTakeTurns() throws {
        try CleanScenario.withClone { db in
            try db.inject(breakVoucher)
            _ = try db.run()
            nonisolated(unsafe) let other = try PostgresConnection(configuration: .parameters([("dbname", db.name)]))
            defer { other.close() }
            let monitor = try PostgresConnection(configuration: .parameters([("dbname", db.name)]))
            defer { monitor.close() }
            let otherPID = other.backendPID

            try db.connection.query("BEGIN")
            #expect(try db.value("SELECT new_status FROM recon.review('1', 'Ann', 'investigating')") == "investigating")
            let finished = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var outcome: Result<[FindingReview.Change], any Error>?
            Thread.detachNewThread {
                outcome = Result {
                    try FindingReview(connection: other).review(["1"], as: "Bob", status: "explained", note: "ok")
                }
                finished.signal()
            }
            // The second review waits on the first's lock until the first commits.
            var waited = false
            var done = false
            for _ in 0..<400 where !waited && !done {
                done = finished.wait(timeout: .now() + .milliseconds(25)) == .success
                waited = try monitor.query(
                    "SELECT count(*) > 0 FROM pg_stat_activity WHERE pid = \(otherPID) AND wait_event_type = 'Lock'"
                ).scalar()
            }
            #expect(waited && !done)
            try db.connection.query("COMMIT")
            if !done { finished.wait() }
            let change = try #require(try outcome?.get().first)
            #expect(change.oldStatus == "investigating" && change.newStatus == "explained")
            let trail = try db.rows(
                "SELECT reviewed_by, old_status, new_status FROM recon.review_event ORDER BY event_id")
            #expect(trail == ["Ann|open|investigating", "Bob|investigating|explained"])
        }
    }

    @Test func reviewersReviewAndAnalystsReadButNeitherChangesTheTrailTheFindingsOrTheSettings() throws {
        try CleanScenario.withClone { db in
            try db.inject(breakVoucher)
            let run = try db.run()
            try db.connection.query("SET ROLE tieout_reviewer")
            let recorded = try db.value(
                "SELECT new_status FROM recon.review('1', 'Rita', 'explained', 'rounding on the receivable')")
            #expect(recorded == "explained")
            let signed = try db.rows(
                """
                SELECT f.finding_no FROM recon.finding f WHERE f.run_id = \(run.runID) AND f.severity = 'E'
                   AND f.finding_no <> 1 ORDER BY 1
                """)
            for number in signed {
                _ = try db.value("SELECT new_status FROM recon.review('\(number)', 'Rita', 'explained', 'seen')")
            }
            #expect(try db.value("SELECT signed_by FROM recon.signoff(\(run.runID), 'Rita')") == "Rita")

            func attempts(_ role: String) -> [String] {
                var allowed: [String] = []
                let statements = [
                    "UPDATE recon.review_event SET note = 'changed'", "DELETE FROM recon.review_event",
                    "TRUNCATE recon.review_event",
                    "INSERT INTO recon.review_event (finding_key, first_seen_run_id, run_id, finding_no, reviewed_at, "
                        + "reviewed_by, db_user, old_status, new_status) VALUES ('k', 1, 1, 1, now(), 'x', 'x', "
                        + "'open', 'open')",
                    "UPDATE recon.signoff SET note = 'changed'", "DELETE FROM recon.signoff",
                    "UPDATE recon.finding SET severity = 'I'", "DELETE FROM recon.finding",
                    "UPDATE recon.tolerance SET amount = 1", "INSERT INTO recon.tolerance VALUES ('EUR', 1)",
                    "UPDATE recon.threshold SET age = interval '1 day'",
                    "UPDATE fno.generaljournalaccountentry SET accountingcurrencyamount = 0",
                ]
                for statement in statements {
                    do {
                        try db.connection.query("SAVEPOINT attempt")
                        try db.connection.query(PostgresQuery(unescaped: statement))
                        allowed.append("\(role): \(statement)")
                    } catch {}
                    _ = try? db.connection.query("ROLLBACK TO SAVEPOINT attempt")
                }
                return allowed
            }
            try db.connection.query("BEGIN")
            #expect(attempts("tieout_reviewer") == [])
            try db.connection.query("RESET ROLE")
            try db.connection.query("SET ROLE tieout_analyst")
            #expect(attempts("tieout_analyst") == [])
            // The analyst reads the trail but cannot review.
            #expect(try db.value("SELECT count(*) FROM recon.review_event") == "\(signed.count + 1)")
            try db.connection.query("SAVEPOINT review")
            #expect(throws: PostgresError.self) {
                try db.connection.query("SELECT * FROM recon.review('1', 'Ann', 'open', 'reopened')")
            }
            try db.connection.query("ROLLBACK TO SAVEPOINT review")
            try db.connection.query("ROLLBACK")
            try db.connection.query("RESET ROLE")
            #expect(try db.value("SELECT count(*) FROM recon.review_event") == "\(signed.count + 1)")
            #expect(try db.value("SELECT count(*) FROM recon.signoff") == "1")
        }
    }

    @Test func signOffWaitsForANoteOnEveryErrorAndAReviewNeverHidesAnError() throws {
        try CleanScenario.withClone { db in
            let review = FindingReview(connection: db.connection)
            try db.inject(breakVoucher)
            try db.inject(fault("BILLED_SALES_NOT_STAGED").injection)
            let run = try db.run()
            #expect(run.errors == 4)
            let errors = try db.rows(
                "SELECT finding_no FROM recon.finding WHERE run_id = \(run.runID) AND severity = 'E' ORDER BY 1")
            #expect(errors == ["1", "2", "3", "4"])
            // A status without a note does not count; a false positive is still an error of the run.
            _ = try review.review(["1", "2"], as: "Alice", status: "false-positive")
            #expect(throws: ReconError.self) { _ = try review.signOff(runID: run.runID, as: "Carol") }
            do {
                _ = try review.signOff(runID: run.runID, as: "Carol")
            } catch let error as ReconError {
                #expect(
                    error.description
                        == "run \(run.runID) cannot be signed off: 4 error findings without a review note: 1, 2, 3, 4")
            }
            _ = try review.review(["1", "2", "3"], as: "Alice", note: "known: a cent of rounding")
            do {
                _ = try review.signOff(runID: run.runID, as: "Carol")
            } catch let error as ReconError {
                #expect(
                    error.description
                        == "run \(run.runID) cannot be signed off: 1 error finding without a review note: 4")
            }
            _ = try review.review(["4"], as: "Alice", status: "explained", note: "same cent")
            let signOff = try review.signOff(runID: run.runID, as: "Carol", note: "October close")
            #expect(signOff.runID == run.runID && signOff.signedBy == "Carol" && signOff.note == "October close")
            #expect(throws: ReconError.self) { _ = try review.signOff(runID: run.runID, as: "Dan") }

            // Signed off: a rerun of its as-of cannot replace it.
            #expect(throws: PostgresError.self) { _ = try db.run(asOf: run.asOf) }
            #expect(try db.value("SELECT count(*) FROM recon.finding WHERE run_id = \(run.runID)") == "4")
            // The next run still counts the false positives as errors (exit code 1), and shows them as such.
            let next = try db.run()
            #expect(next.errors == 4)
            let states = try db.rows(
                """
                SELECT f.severity, v.status FROM recon.finding f
                  JOIN recon.finding_review v ON v.run_id = f.run_id AND v.finding_no = f.finding_no
                 WHERE f.run_id = \(next.runID) ORDER BY f.finding_no
                """)
            #expect(states == ["E|false-positive", "E|false-positive", "E|open", "E|explained"])
        }
    }

    /// recon.aging and the HTML report count findings in the buckets of recon.age_buckets(): a finding exactly 3
    /// days old is in 3-7, not 1-3.
    @Test func agingCountsEachFindingInTheBucketOfItsAge() throws {
        try CleanScenario.withClone { db in
            let buckets = try db.rows(
                "SELECT bucket, bucket_order, low, coalesce(high::text, '∅') FROM recon.age_buckets()")
            #expect(buckets == ["0-1|1|0|1", "1-3|2|1|3", "3-7|3|3|7", "7-30|4|7|30", "30+|5|30|∅"])
            try db.inject(breakVoucher)
            // As of exactly three days after the records behind the findings last changed (their since).
            let first = try db.run()
            let since = try db.value(
                """
                SELECT to_char((max(since) + interval '3 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
                  FROM recon.finding WHERE run_id = \(first.runID)
                """)
            let run = try db.run(asOf: since)
            let ages = try db.rows(
                "SELECT category, age_days FROM recon.finding WHERE run_id = \(run.runID) ORDER BY finding_no")
            #expect(ages == ["UNBALANCED_VOUCHER|3.00", "VOUCHER_MISMATCH|3.00"])
            let aging = try db.rows(
                "SELECT category, bucket, findings, amount FROM recon.aging ORDER BY category, bucket_order")
            #expect(aging == ["UNBALANCED_VOUCHER|3-7|1|0.01", "VOUCHER_MISMATCH|3-7|1|0.01"])
        }
    }

    @Test func theMetricsOfARunFollowThePrometheusTextFormat() throws {
        try CleanScenario.withClone { db in
            try db.inject(breakVoucher)
            let run = try db.run()
            let metrics = try db.recon.metrics(of: run, durationSeconds: 1.25, exitStatus: 1)
            let lines = metrics.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(lines.last == "")
            // Every sample follows its metric's HELP and TYPE lines; names and label sets as the format allows.
            var declared: [String: String] = [:]
            var samples: [String: String] = [:]
            var current: String?
            for line in lines.dropLast() {
                let parts = line.split(separator: " ", maxSplits: 3).map(String.init)
                if line.hasPrefix("# HELP ") {
                    current = parts[2]
                    #expect(parts.count == 4 && !parts[3].isEmpty)
                } else if line.hasPrefix("# TYPE ") {
                    #expect(parts[2] == current)
                    declared[parts[2]] = parts[3]
                } else {
                    let sample = try #require(
                        line.wholeMatch(
                            of:
                                #/([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*")*\})? (-?[0-9]+(\.[0-9]+)?)/#
                        ), "\(line)")
                    #expect(String(sample.1) == current)
                    samples[String(sample.1) + String(sample.2 ?? "")] = String(sample.4)
                }
            }
            #expect(Set(declared.values) == ["gauge"])
            let money = try db.rows(
                """
                SELECT currency || '|' || sum(amount)::text FROM recon.finding
                 WHERE run_id = \(run.runID) AND amount IS NOT NULL GROUP BY currency ORDER BY 1
                """)
            #expect(money == ["USD|0.02"])
            let finished = try db.value(
                "SELECT extract(epoch FROM finished_at)::text FROM recon.run WHERE run_id = \(run.runID)")
            let actuals = try db.value("SELECT count(*) FROM dataverse.msdyn_actual")
            let expected: [String: String] = [
                "tieout_recon_findings{category=\"UNBALANCED_VOUCHER\",severity=\"E\"}": "1",
                "tieout_recon_findings{category=\"VOUCHER_MISMATCH\",severity=\"E\"}": "1",
                "tieout_recon_findings_by_severity{severity=\"E\"}": "2",
                "tieout_recon_findings_by_severity{severity=\"W\"}": "0",
                "tieout_recon_findings_by_severity{severity=\"I\"}": "0",
                "tieout_recon_money_at_stake{currency=\"USD\"}": "0.02",
                "tieout_recon_run_duration_seconds": "1.250",
                "tieout_recon_actuals_checked": actuals,
                "tieout_recon_scopes_checked": "\(run.scopesChecked ?? -1)",
                "tieout_recon_incremental": "0",
                "tieout_recon_run_id": "\(run.runID)",
                "tieout_recon_last_success_timestamp_seconds": finished,
                "tieout_recon_exit_status": "1",
            ]
            #expect(samples == expected)
            // A label value with a quote, a backslash and a line break is escaped as the format says.
            var odd = RunMetrics.failed(durationSeconds: 0.0004)
            odd.moneyAtStake = [.init(currency: "X\"Y\\Z\nW", amount: "1.5")]
            #expect(odd.text.contains("tieout_recon_money_at_stake{currency=\"X\\\"Y\\\\Z\\nW\"} 1.5\n"))
            #expect(odd.text.contains("tieout_recon_run_duration_seconds 0.000\n"))
            #expect(odd.text.hasSuffix("tieout_recon_exit_status 2\n"))
        }
    }
}
