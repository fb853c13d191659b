import Foundation
import Testing
import TieoutPostgres
import TieoutRecon
import TieoutScenario
import TieoutTestSupport

@Suite("reconciliation of clean scenarios")
struct CleanScenarioTests {
    @Test func theSeededCompanyAfterOneDayHasNoFindings() throws {
        try CleanScenario.withClone { db in
            let run = try db.run()
            #expect(run.findings == 0)
            #expect(run.errors == 0)
            #expect(run.replaced == false)
            let rows = try db.rows("SELECT count(*) FROM recon.finding")
            #expect(rows == ["0"])
            // The scenario is the one the tests expect: 60 posted proformas, in two currencies (EUR invoices posted
            // at a rate into the USD ledger, so every accounting-currency comparison of the chain is exercised).
            let posted = try db.value(
                "SELECT count(*) FROM dataverse.invoice WHERE msdyn_projectinvoicestatus = 192350004")
            #expect(posted == "60")
            let currencies = try db.rows(
                """
                SELECT j.currencyid, count(*), bool_and(j.exchrate <> 100) FROM fno.projinvoicejour j
                 GROUP BY j.currencyid ORDER BY 1
                """)
            #expect(currencies == ["EUR|15|t", "USD|45|f"])
        }
    }

    /// A corrective invoice (credit note) keeping part of an original, then a second day that imports, posts and
    /// re-bills the credited part: still no findings.
    @Test func aCorrectionAndTheNextDayHaveNoFindings() throws {
        try CleanScenario.withClone { db in
            let correction = try db.value(
                """
                SELECT process.dv_revise(invoiceid) FROM dataverse.invoice WHERE invoicenumber = 'INV-000004'
                """)
            // Keep the first two details in full and half of the third; credit the rest.
            _ = try db.rows(
                """
                SELECT process.dv_edit_invoice_detail(d.msdyn_invoicelinetransactionid, NULL,
                         CASE WHEN d.n <= 2 THEN o.msdyn_quantity ELSE round(o.msdyn_quantity / 2, 2) END, NULL)
                  FROM (SELECT d.*, row_number() OVER (ORDER BY d.msdyn_invoicelinetransactionid) AS n
                          FROM dataverse.msdyn_invoicelinetransaction d WHERE d.msdyn_invoice = '\(correction)') d
                  JOIN dataverse.msdyn_invoicelinetransaction o
                    ON o.msdyn_invoicelinetransactionid = d.msdyn_originalinvoicelinedetail
                 WHERE d.n <= 3
                """)
            _ = try db.rows("SELECT * FROM process.dv_confirm('\(correction)')")
            let engine = try CleanScenario.syncEngine(db.connection)
            _ = try DailyCycle(engine: engine, logger: CleanScenario.quietLogger).run(date: PostgresDate("2026-11-03")!)

            // A posted credit note, and the credited part billed again on a new posted proforma.
            let invoices = try db.rows(
                """
                SELECT invoicenumber, msdyn_projectinvoicestatus, sign(totallineitemamount) FROM dataverse.invoice
                 WHERE invoicenumber > 'INV-000060' ORDER BY invoicenumber
                """)
            #expect(invoices == ["INV-000061|192350004|-1", "INV-000062|192350004|1"])
            let creditNote = try db.value(
                "SELECT sign(salesorderbalance) FROM fno.projinvoicejour WHERE proposalid = 'INV-000061'")
            #expect(creditNote == "-1")

            let run = try db.run()
            let findings = try db.findings(run: run.runID)
            #expect(findings == [])
            #expect(run.findings == 0)
        }
    }
}

@Suite("the findings of an injected fault")
struct FaultTests {
    /// Every category of the catalogue but IN_FLIGHT is what some case's fault breaks: FaultCase.all has one case
    /// per category of the original catalogue, the chain's cases (ChainTests) cover the links it added.
    @Test func everyCategoryButInFlightHasACase() throws {
        try CleanScenario.withEmpty { db in
            let categories = try db.rows("SELECT category FROM recon.category WHERE category <> 'IN_FLIGHT' ORDER BY 1")
            #expect(categories.count == 35)
            #expect(Set(FaultCase.everyCase.map(\.category)) == Set(categories))
            #expect(Set(FaultCase.all.map(\.category)).count == FaultCase.all.count)
        }
    }

    @Test(arguments: FaultCase.all)
    func aFaultGivesExactlyItsFindings(_ fault: FaultCase) throws {
        try CleanScenario.withClone { db in try db.check(fault) }
    }

    /// A posted invoice with a line its proposal does not have (the other direction of POSTED_INVOICE_PROPOSAL_MISMATCH).
    @Test func anExtraPostedInvoiceLineIsReported() throws {
        try CleanScenario.withClone { db in
            try db.check(
                FaultCase(
                    category: "POSTED_INVOICE_PROPOSAL_MISMATCH",
                    injection: """
                        INSERT INTO fno.projinvoiceline (dataareaid, projinvoiceid, invoicedate, transid, transtype, qty,
                                                         salesprice, lineamount, currencyid)
                        SELECT dataareaid, projinvoiceid, invoicedate, 'PT-90000009', 2, 1, 50.00, 50.00, currencyid
                          FROM fno.projinvoicejour WHERE proposalid = 'INV-000004';
                        """,
                    expected: """
                        SELECT 'POSTED_INVOICE_PROPOSAL_MISMATCH', 'E', 'POSTED_INVOICE_PROPOSAL_MISMATCH', j.proposalid,
                               j.proposalid, NULL, NULL, j.ledgervoucher, 'lines', (count(*) - 1)::text,
                               count(*)::text, '50.00'
                          FROM fno.projinvoicejour j JOIN fno.projinvoiceline l USING (dataareaid, projinvoiceid)
                         WHERE j.proposalid = 'INV-000004'
                         GROUP BY j.proposalid, j.ledgervoucher
                        UNION ALL
                        -- nothing posted a transaction for the line
                        SELECT 'POSTED_TRANSACTION_MISMATCH', 'E', 'POSTED_TRANSACTION_MISMATCH', j.proposalid,
                               j.proposalid, NULL, 'PT-90000009', j.ledgervoucher, 'count', '1', '0', '50.00'
                          FROM fno.projinvoicejour j WHERE j.proposalid = 'INV-000004'
                        """,
                    controls: """
                        SELECT 'proposal_lines vs invoice_lines', sum(l.lineamount) - 50, sum(l.lineamount), '50.00',
                               j.dataareaid, j.projinvoiceprojid, j.currencyid, NULL
                          FROM fno.projinvoicejour j JOIN fno.projinvoiceline l USING (dataareaid, projinvoiceid)
                         WHERE j.proposalid = 'INV-000004'
                         GROUP BY j.dataareaid, j.projinvoiceprojid, j.currencyid
                        """))
            let detail = try db.value(
                "SELECT detail FROM recon.finding WHERE category = 'POSTED_INVOICE_PROPOSAL_MISMATCH'")
            #expect(detail.hasSuffix("lines differ from its proposal: PT-90000009"))
        }
    }

    /// A proforma that says Posted for an invoice F&O does not have (its posting was rolled back in F&O) is
    /// POSTED_STATUS_NOT_REFLECTED too, from the other side.
    @Test func aProformaPostedOnlyInDataverseIsReported() throws {
        try CleanScenario.withClone { db in
            let expected = try db.inject(
                """
                \(FaultCase.unpostINV4)
                """,
                then: """
                    SELECT 'POSTED_STATUS_NOT_REFLECTED', 'W', 'POSTED_STATUS_NOT_REFLECTED', i.invoicenumber,
                           i.invoicenumber, NULL, NULL, NULL, 'msdyn_customerinvoicenumber', NULL,
                           i.msdyn_customerinvoicenumber, NULL
                      FROM dataverse.invoice i WHERE i.invoicenumber = 'INV-000004'
                    """)
            let run = try db.run()
            let found = try db.findings(run: run.runID)
            #expect(found == expected)
            let detail = try db.value("SELECT detail FROM recon.finding WHERE run_id = \(run.runID)")
            #expect(detail.hasPrefix("proforma INV-000004 says Posted as CIV-"))
            #expect(detail.hasSuffix(", but F&O has no posted invoice for it"))
        }
    }

    /// STAGED_NOT_IMPORTED and MISSING_VOUCHER_WRITEBACK are warnings until their threshold (2 days), errors after.
    @Test(arguments: ["STAGED_NOT_IMPORTED", "MISSING_VOUCHER_WRITEBACK"])
    func aWarningPastItsThresholdIsAnError(_ category: String) throws {
        let fault = try #require(FaultCase.all.first { $0.category == category })
        try CleanScenario.withClone { db in
            try db.inject(fault.injection)
            let early = try db.run(asOf: try db.value("SELECT (now() + interval '47 hours')::text"))
            let late = try db.run(asOf: try db.value("SELECT (now() + interval '49 hours')::text"))
            let severities = try db.rows(
                """
                SELECT run_id, category, severity FROM recon.finding WHERE run_id IN (\(early.runID), \(late.runID))
                 ORDER BY run_id
                """)
            #expect(
                severities == [
                    "\(early.runID)|\(category)|W", "\(late.runID)|\(category)|E",
                ])
            #expect(late.errors == 1)
            #expect(late.stillOpen == 1)
        }
    }
}
