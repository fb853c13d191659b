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
                    == "run 1 as of \(firstAsOf)+00: 0 findings: 0 errors, 0 warnings (0 in flight), "
                    + "0 information; 0 new, 0 still open, 0 resolved\n")
            #expect(clean.stderr == "")

            try connection.executeScript(Self.unbalancedVoucher)
            let secondAsOf = try serverTime(connection, plus: "1 minute")
            let dirty = try recon(["run", "--grace", "0", "--as-of", secondAsOf + "Z"], db: db)
            #expect(dirty.status == 1, "\(dirty.stderr)")
            #expect(
                dirty.stdout
                    == "run 2 as of \(secondAsOf)+00: 3 findings: 3 errors, 0 warnings (0 in flight), "
                    + "0 information; 3 new, 0 still open, 0 resolved\n")

            let report = try recon(["report"], db: db)
            #expect(report.status == 0, "\(report.stderr)")
            #expect(
                report.stdout == """
                    run 2 as of \(secondAsOf)+00: 3 findings (3 errors); 3 new, 0 still open, 0 resolved
                    category            severity  findings  new  amount
                    UNBALANCED_VOUCHER  E         1         1    USD 12.50
                    VOUCHER_MISMATCH    E         2         2    USD 25.00

                    """)
            let first = try recon(["report", "--run", "1"], db: db)
            #expect(first.status == 0)
            #expect(
                first.stdout
                    == "run 1 as of \(firstAsOf)+00: 0 findings (0 errors); 0 new, 0 still open, 0 resolved\n"
                    + "no findings\n")
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
            let failed = try recon(["run", "--grace", "0"], db: db)
            #expect(failed.status == 2)
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
            #expect(
                lines.first
                    == "run_id,finding_no,category,severity,stage,underlying_category,invoicenumber,proposalid,actualid,"
                    + "transid,voucher,field,expected,actual,difference,amount,currency,dataareaid,since,"
                    + "first_seen_run_id,age_days,detail,contract,period")
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
}
