import Foundation
import Testing
import TieoutPostgres
import TieoutTestSupport

@Suite("tieout recon")
struct ReconCommandTests {
    static let maps = packageRoot.appendingPathComponent("maps").path

    /// `tieout recon …` against `db` with the package's maps.
    func recon(_ arguments: [String], db: String) throws -> Tieout.Result {
        try Tieout.run(["recon"] + arguments + ["--db", db, "--maps", Self.maps])
    }

    /// An unbalanced voucher of 12.50 USD in legal entity usmf that nothing posted: three error findings, the
    /// voucher unbalanced and its 600100 line (in accounting and in transaction currency) not backed by a posting.
    static let unbalancedVoucher = """
        INSERT INTO fno.ledger (dataareaid, accountingcurrency) VALUES ('usmf', 'USD');
        INSERT INTO fno.generaljournalaccountentry (dataareaid, voucher, accountingdate, mainaccount,
               accountingcurrencyamount, transactioncurrencyamount, transactioncurrencycode)
        VALUES ('usmf', 'PV-900001', DATE '2026-10-31', '600100', 12.50, 12.50, 'USD');
        """

    /// A whole second relative to the server's clock, as `YYYY-MM-DD HH:MM:SS` (UTC), so the runs' as-of
    /// values hold on any date.
    func serverTime(_ connection: PostgresConnection, plus offset: String) throws -> String {
        try connection.query(
            "SELECT to_char(date_trunc('second', now()) + CAST(\(offset) AS interval), 'YYYY-MM-DD HH24:MI:SS')"
        ).scalar(String.self)
    }

    @Test func runExitsZeroWhenCleanAndOneWithAnErrorThenReportShowsTheCategories() throws {
        try TestDatabase.withMigratedDatabase { connection, name in
            let db = TestDatabase.conninfo(database: name)
            // The first run is an hour ago, the second a minute after the fault was written: with --grace 0 the
            // fault is due at the second run, whatever today's date.
            let firstAsOf = try serverTime(connection, plus: "-1 hour")
            let clean = try recon(["run", "--grace", "0", "--as-of", firstAsOf + "Z"], db: db)
            #expect(clean.status == 0, "\(clean.stderr)")
            #expect(
                clean.stdout
                    == "run 1 as of \(firstAsOf)+00, full (no earlier run to build on): 0 findings: 0 errors, "
                    + "0 warnings (0 in flight), 0 information; 0 new, 0 still open, 0 resolved\n")
            #expect(clean.stderr == "")

            try connection.executeScript(Self.unbalancedVoucher)
            let secondAsOf = try serverTime(connection, plus: "1 minute")
            let dirty = try recon(["run", "--grace", "0", "--as-of", secondAsOf + "Z"], db: db)
            #expect(dirty.status == 1, "\(dirty.stderr)")
            #expect(
                dirty.stdout
                    == "run 2 as of \(secondAsOf)+00, full (a change that cannot be narrowed to contracts (reference "
                    + "data, a truncate or a bulk write): fno.ledger): 3 findings: 3 errors, 0 warnings (0 in flight), "
                    + "0 information; 3 new, 0 still open, 0 resolved\n")

            let report = try recon(["report"], db: db)
            #expect(report.status == 0, "\(report.stderr)")
            #expect(
                report.stdout == """
                    run 2 as of \(secondAsOf)+00: 3 findings (3 errors); 3 new, 0 still open, 0 resolved
                    not signed off
                    category            severity  findings  new  amount
                    UNBALANCED_VOUCHER  E         1         1    USD 12.50
                    VOUCHER_MISMATCH    E         2         2    USD 25.00

                    """)
            let first = try recon(["report", "--run", "1"], db: db)
            #expect(first.status == 0)
            #expect(
                first.stdout
                    == "run 1 as of \(firstAsOf)+00: 0 findings (0 errors); 0 new, 0 still open, 0 resolved\n"
                    + "not signed off\nno findings\n")
        }
    }

    /// `--full` checks everything; without it a run builds on the last one; a watch runs until SIGTERM, takes in a
    /// change, and is alone on its database.
    @Test func fullAndIncrementalRunsAndAWatchThatStopsOnSIGTERM() throws {
        try TestDatabase.withMigratedDatabase { connection, name in
            let db = TestDatabase.conninfo(database: name)
            let firstAsOf = try serverTime(connection, plus: "-2 hours")
            #expect(try recon(["run", "--grace", "0", "--as-of", firstAsOf], db: db).status == 0)
            let secondAsOf = try serverTime(connection, plus: "-1 hour")
            let incremental = try recon(["run", "--grace", "0", "--as-of", secondAsOf], db: db)
            #expect(
                incremental.stdout
                    == "run 2 as of \(secondAsOf)+00, incremental (0 changed contracts and vouchers re-checked): "
                    + "0 findings: 0 errors, 0 warnings (0 in flight), 0 information; 0 new, 0 still open, 0 resolved\n"
            )
            let full = try recon(["run", "--grace", "0", "--as-of", secondAsOf, "--full"], db: db)
            #expect(
                full.stdout
                    == "run 2 as of \(secondAsOf)+00, full (asked for (--full)): 0 findings: 0 errors, 0 warnings "
                    + "(0 in flight), 0 information; 0 new, 0 still open, 0 resolved; replaced the earlier run with "
                    + "this as-of\n")

            let badEvery = try recon(["watch", "--every", "soon"], db: db)
            #expect(badEvery.status == 64)
            #expect(badEvery.stderr == "tieout: error: --every 'soon' is not a duration; use e.g. 90s, 5m or 2h\n")

            let watch = try BackgroundTieout(
                ["recon", "watch", "--every", "1s", "--grace", "0", "--db", db, "--maps", Self.maps])
            #expect(eventually(seconds: 60) { watch.stdout.split(separator: "\n").count >= 2 }, "\(watch.stderr)")
            let second = try recon(["watch"], db: db)
            #expect(second.status == 2)
            #expect(
                second.stderr.hasPrefix(
                    "tieout: error: another tieout recon watch is running on this database (server process "),
                "\(second.stderr)")
            try connection.executeScript(Self.unbalancedVoucher)
            #expect(eventually(seconds: 60) { watch.stdout.contains("3 findings: 3 errors") }, "\(watch.stdout)")
            watch.stop(SIGTERM)
            let stopped = watch.finish()
            #expect(stopped.status == 0, "\(stopped.stderr)")
            #expect(stopped.stderr == "")
            let lines = stopped.stdout.split(separator: "\n").map(String.init)
            #expect(lines.last == "recon watch stopped")
            #expect(
                lines.first?.hasSuffix(
                    ", incremental (0 changed contracts and vouchers re-checked): 0 findings: 0 errors, 0 warnings (0 in "
                        + "flight), 0 information; 0 new, 0 still open, 0 resolved") == true, "\(lines)")
            // After the stop another watch may start.
            let next = try BackgroundTieout(["recon", "watch", "--every", "1s", "--db", db, "--maps", Self.maps])
            #expect(eventually(seconds: 60) { !next.stdout.isEmpty }, "\(next.stderr)")
            next.stop(SIGINT)
            #expect(next.finish().status == 0)
        }
    }

    @Test func aBadGraceIsAUsageErrorAndAFailedRunExitsTwo() throws {
        try TestDatabase.withMigratedDatabase { connection, name in
            let db = TestDatabase.conninfo(database: name)
            let bad = try recon(["run", "--grace", "nonsense"], db: db)
            #expect(bad.status == 64)
            #expect(bad.stdout == "")
            #expect(bad.stderr == "tieout: error: --grace 'nonsense' is not a duration; use e.g. 90m, 2h, 1d or 0\n")
            let afterBad: Int = try connection.query("SELECT count(*) FROM recon.run").scalar()
            #expect(afterBad == 0)

            try connection.query("ALTER TABLE fno.projproposalline RENAME TO projproposalline_moved")
            let folder = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: folder) }
            let metrics = folder.appendingPathComponent("tieout.prom").path
            let failed = try recon(["run", "--grace", "0", "--metrics", metrics], db: db)
            #expect(failed.status == 2)
            // The failed run's metrics: exit status 2, no success yet, and nothing about findings.
            let written = try String(contentsOfFile: metrics, encoding: .utf8)
            #expect(written.hasSuffix("\ntieout_recon_exit_status 2\n"))
            #expect(written.contains("tieout_recon_findings_by_severity{severity=\"E\"} 0\n"))
            #expect(!written.contains("last_success_timestamp_seconds "))
            #expect(!written.contains("tieout_recon_run_id "))
            #expect(failed.stdout == "")
            #expect(
                failed.stderr == "tieout: error: relation \"fno.projproposalline\" does not exist (SQLSTATE 42P01)\n")
            let runs = try connection.query("SELECT status || '|' || findings FROM recon.run")
            #expect(runs.map { $0[0] ?? "" } == ["failed|0"])
        }
    }

    @Test func exportWritesTheFindingsFile() throws {
        try TestDatabase.withMigratedDatabase { connection, name in
            let db = TestDatabase.conninfo(database: name)
            try connection.executeScript(Self.unbalancedVoucher)
            let run = try recon(["run", "--grace", "0"], db: db)
            #expect(run.status == 1, "\(run.stderr)")
            let folder = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: folder) }
            let file = folder.appendingPathComponent("findings.csv").path

            let export = try recon(["export", "--what", "findings", "--out", file], db: db)
            #expect(export.status == 0, "\(export.stderr)")
            #expect(export.stdout == "wrote 3 findings rows of run 1 to \(file)\n")
            let text = try? String(contentsOfFile: file, encoding: .utf8)
            let lines = text?.split(separator: "\n").map(String.init) ?? []
            #expect(lines.count == 4)
            let header: String =
                "run_id,finding_no,category,severity,stage,underlying_category,invoicenumber,proposalid,actualid,"
                + "transid,voucher,field,expected,actual,difference,amount,currency,dataareaid,since,"
                + "first_seen_run_id,age_days,detail,contract,period,customer_account,customer_name,project,"
                + "review_status,assignee"
            #expect(lines.first == header)
            #expect(
                lines.dropFirst().first?.hasPrefix(
                    "1,1,UNBALANCED_VOUCHER,E,posting,UNBALANCED_VOUCHER,,,,,PV-900001,,0,12.50,") == true)
            #expect(
                lines.last?.hasPrefix(
                    "1,3,VOUCHER_MISMATCH,E,posting,VOUCHER_MISMATCH,,,,,PV-900001,600100 USD transactioncurrencyamount,"
                        + "0,12.50,12.50,12.50,USD,usmf,") == true)

            // A second export replaces the file; --what pipeline has no run.
            let again = try recon(["export", "--what", "pipeline", "--out", file], db: db)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout == "wrote 0 pipeline rows to \(file)\n")
            let pipeline = try? String(contentsOfFile: file, encoding: .utf8)
            #expect(
                pipeline
                    == "invoicenumber,contract,currency,status,status_name,amount_before_tax,confirmed,proposal,"
                    + "proposal_lines,proposal_amount,posted,projinvoiceid,written_back,stage\n")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            #expect(leftovers == ["findings.csv"])
        }
    }

    @Test func reviewSignoffAndAMetricsFileReplacedWhole() throws {
        try TestDatabase.withMigratedDatabase { connection, name in
            let db = TestDatabase.conninfo(database: name)
            let folder = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: folder) }
            let metrics = folder.appendingPathComponent("tieout.prom").path

            // A metrics file in a folder that does not exist is a bad option: nothing runs.
            let bad = try recon(["run", "--grace", "0", "--metrics", folder.path + "/none/tieout.prom"], db: db)
            #expect(bad.status == 64)
            #expect(
                bad.stderr
                    == "tieout: error: --metrics '\(folder.path)/none/tieout.prom': the folder '\(folder.path)/none' does not exist\n"
            )
            #expect(try connection.query("SELECT count(*) FROM recon.run").scalar(Int.self) == 0)

            let clean = try recon(["run", "--grace", "0", "--metrics", metrics], db: db)
            #expect(clean.status == 0, "\(clean.stderr)")
            let first = try String(contentsOfFile: metrics, encoding: .utf8)
            #expect(first.contains("\ntieout_recon_exit_status 0\n"))
            try connection.executeScript(Self.unbalancedVoucher)
            let dirty = try recon(["run", "--grace", "0", "--metrics", metrics], db: db)
            #expect(dirty.status == 1, "\(dirty.stderr)")
            let second = try String(contentsOfFile: metrics, encoding: .utf8)
            #expect(second.contains("\ntieout_recon_findings_by_severity{severity=\"E\"} 3\n"))
            #expect(second.contains("\ntieout_recon_money_at_stake{currency=\"USD\"} 37.50\n"))
            #expect(second.hasSuffix("\ntieout_recon_exit_status 1\n"))
            // Replaced by rename: only the file itself is left in the folder.
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["tieout.prom"])

            func tieout(_ arguments: [String]) throws -> Tieout.Result {
                try Tieout.run(["recon"] + arguments + ["--db", db])
            }
            let reviewed = try tieout([
                "review", "1", "2", "--as", "Alice", "--note", "posted by hand", "--assignee", "bob",
            ])
            #expect(reviewed.status == 0, "\(reviewed.stderr)")
            #expect(
                reviewed.stdout
                    == "finding 1 of run 2: open, assignee none -> bob, note recorded\n"
                    + "finding 2 of run 2: open, assignee none -> bob, note recorded\n")
            let refused = try tieout(["signoff", "--run", "2", "--as", "Carol"])
            #expect(refused.status == 64)
            #expect(
                refused.stderr
                    == "tieout: error: run 2 cannot be signed off: 1 error finding without a review note: 3\n")
            let unknown = try tieout(["review", "7", "--as", "Alice", "--status", "explained"])
            #expect(unknown.status == 64)
            #expect(unknown.stderr == "tieout: error: run 2 has no finding 7\n")
            let third = try tieout(["review", "3", "--as", "Alice", "--status", "explained", "--note", "same voucher"])
            #expect(third.stdout == "finding 3 of run 2: open -> explained, note recorded\n")
            let signed = try tieout(["signoff", "--run", "2", "--as", "Carol", "--note", "month end"])
            #expect(signed.status == 0, "\(signed.stderr)")
            #expect(signed.stdout.hasPrefix("run 2 signed off by Carol at "))
            let report = try recon(["report"], db: db)
            let signedAt = try connection.query(
                "SELECT date_trunc('second', signed_at)::text FROM recon.signoff WHERE run_id = 2"
            ).scalar(String.self)
            #expect(
                report.stdout.split(separator: "\n").dropFirst().first
                    == "signed off by Carol at \(signedAt): month end")
            #expect(signed.stdout == "run 2 signed off by Carol at \(signedAt)\n")
            let trail = try connection.query(
                "SELECT string_agg(reviewed_by || ':' || new_status, ',' ORDER BY event_id) FROM recon.review_event"
            ).scalar(String.self)
            #expect(trail == "Alice:open,Alice:open,Alice:explained")
        }
    }
}
