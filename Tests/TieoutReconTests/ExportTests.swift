import Foundation
import Testing
import TieoutPostgres
import TieoutRecon
import TieoutTestSupport

@Suite("export")
struct ExportTests {
    /// Writes `what` to a file and reads it back with PostgreSQL's own CSV parser into the temporary table
    /// `export_<what>` whose columns are text, named by the header. Returns the header line and the row count.
    func exportAndReadBack(
        _ db: ReconDatabase, _ what: Reconciliation.Export, runID: Int? = nil
    ) throws -> (header: String, rows: Int, text: String) {
        let file = try makeTemporaryDirectory().appendingPathComponent("\(what.rawValue).csv")
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        #expect(FileManager.default.createFile(atPath: file.path, contents: nil))
        let handle = try FileHandle(forWritingTo: file)
        let (_, rows) = try db.recon.export(what, runID: runID, to: handle)
        try handle.close()
        let text = try String(contentsOf: file, encoding: .utf8)
        let header = String(text.prefix { $0 != "\n" })
        let columns = header.split(separator: ",").map { "\($0) text" }.joined(separator: ", ")
        try db.connection.query(PostgresQuery(unescaped: "CREATE TEMP TABLE export_\(what.rawValue) (\(columns))"))
        let copied = try db.connection.copyIn(
            PostgresQuery(unescaped: "COPY export_\(what.rawValue) FROM STDIN (FORMAT csv, HEADER true)")
        ) { writer in
            try writer.write(text)
        }
        #expect(copied == rows)
        return (header, rows, text)
    }

    /// Rows that differ between `relation` (restricted by `filter`) and the read-back export table, compared with
    /// the relation's own column types (numeric as numeric, booleans as booleans); empty when they are equal.
    func differences(
        _ db: ReconDatabase, _ relation: String, _ what: Reconciliation.Export, columns: [String],
        filter: String = "true"
    ) throws -> [String] {
        var typed: [String] = []
        for column in columns {
            let type = try db.value(
                """
                SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                 WHERE a.attrelid = '\(relation)'::regclass AND a.attname = '\(column)'
                """)
            typed.append("\(column)::\(type)")
        }
        let list = columns.joined(separator: ", ")
        return try db.rows(
            """
            (SELECT \(list) FROM \(relation) WHERE \(filter)
             EXCEPT ALL SELECT \(typed.joined(separator: ", ")) FROM export_\(what.rawValue))
            UNION ALL
            (SELECT \(typed.joined(separator: ", ")) FROM export_\(what.rawValue)
             EXCEPT ALL SELECT \(list) FROM \(relation) WHERE \(filter))
            """)
    }

    @Test func findingsSummaryAndPipelineReadBackExactly() throws {
        try CleanScenario.withClone { db in
            // A customer account with a quote, a comma and a line break: the detail and actual columns carry it.
            try db.inject(
                """
                UPDATE fno.projproposaljour SET invoiceaccount = E'C-9"9,9\\nX' WHERE proposalid = 'INV-000004';
                """)
            try db.inject(fault("TAX_DIFFERENCE").injection)
            try db.inject(fault("PROPOSAL_LINE_AMOUNT_MISMATCH").injection)
            try db.inject(fault("UNBALANCED_VOUCHER").injection)
            // 8 findings: the customer on the proposal (and so against the invoice posted from it), the tax, the
            // proposal line's amount (against its invoiced transaction and its contract's staging total too) and the
            // unbalanced voucher (its receivable no longer the invoice's).
            let run = try db.run()
            #expect(run.findings == 8)

            let findings = try exportAndReadBack(db, .findings)
            #expect(findings.header == Reconciliation.findingColumns.joined(separator: ","))
            #expect(findings.rows == 8)
            #expect(findings.text.contains("\"proposal customer is C-9\"\"9,9\nX, the proforma's is C-000004\""))
            // (recon.open_findings: the run's findings with their review state, as the export writes them)
            let mismatched = try differences(
                db, "recon.open_findings", .findings, columns: Reconciliation.findingColumns,
                filter: "run_id = \(run.runID)")
            #expect(mismatched == [])
            // Amounts as numbers, exactly.
            let amounts = try db.rows(
                """
                SELECT f.category, e.amount::numeric = f.amount, e.difference::numeric IS NOT DISTINCT FROM f.difference,
                       e.detail = f.detail, e.actual = f.actual
                  FROM export_findings e
                  JOIN recon.finding f ON f.run_id = e.run_id::bigint AND f.finding_no = e.finding_no::integer
                 ORDER BY f.finding_no
                """)
            #expect(
                amounts == [
                    "CONTROL_TOTAL_MISMATCH|t|t|t|t", "HEADER_ATTRIBUTE_MISMATCH|∅|t|t|t",
                    "POSTED_INVOICE_PROPOSAL_MISMATCH|t|t|t|t", "POSTED_TRANSACTION_MISMATCH|t|t|t|t",
                    "PROPOSAL_LINE_AMOUNT_MISMATCH|t|t|t|t", "UNBALANCED_VOUCHER|t|t|t|t", "VOUCHER_MISMATCH|t|t|t|t",
                    "TAX_DIFFERENCE|t|t|t|t",
                ])
            let quoted = try db.value(
                "SELECT actual FROM export_findings WHERE category = 'HEADER_ATTRIBUTE_MISMATCH'")
            #expect(quoted == "C-9\"9,9\nX")

            let summary = try exportAndReadBack(db, .summary)
            #expect(summary.header == Reconciliation.summaryColumns.joined(separator: ","))
            #expect(summary.rows == 8)
            let summaryMismatch = try differences(
                db, "recon.summary", .summary, columns: Reconciliation.summaryColumns, filter: "run_id = \(run.runID)")
            #expect(summaryMismatch == [])
            let summaryRows = try db.rows(
                "SELECT category, severity, findings, amount::numeric, currency FROM export_summary")
            #expect(
                summaryRows == [
                    "CONTROL_TOTAL_MISMATCH|E|1|1.00|USD", "HEADER_ATTRIBUTE_MISMATCH|E|1|0|EUR",
                    "POSTED_INVOICE_PROPOSAL_MISMATCH|E|1|22960.66|EUR", "POSTED_TRANSACTION_MISMATCH|E|1|1.00|USD",
                    "PROPOSAL_LINE_AMOUNT_MISMATCH|E|1|1.00|USD", "UNBALANCED_VOUCHER|E|1|0.01|USD",
                    "VOUCHER_MISMATCH|E|1|0.01|USD", "TAX_DIFFERENCE|I|1|0.01|EUR",
                ])

            let pipeline = try exportAndReadBack(db, .pipeline)
            #expect(pipeline.header == Reconciliation.pipelineColumns.joined(separator: ","))
            #expect(pipeline.rows == 60)
            let pipelineMismatch = try differences(
                db, "recon.invoice_pipeline", .pipeline, columns: Reconciliation.pipelineColumns)
            #expect(pipelineMismatch == [])
            let amountBeforeTax = try db.value(
                """
                SELECT sum(e.amount_before_tax::numeric) = sum(i.totallineitemamount)
                  FROM export_pipeline e JOIN dataverse.invoice i USING (invoicenumber)
                """)
            #expect(amountBeforeTax == "t")
        }
    }
}
