import Foundation
import Testing
import TieoutDataverse
import TieoutFinance
import TieoutPostgres
import TieoutTestSupport

/// One time-and-material contract in EUR (accounted in USD) and one fixed-price contract in USD, from entry
/// approval to posted invoice, then a corrective invoice; invariants I1-I11 of docs/domain.md with exact amounts.
@Suite("processes end to end")
struct EndToEndTests {
    @Test func timeAndMaterialAndFixedPriceFromApprovalToPostedInvoiceAndCorrection() throws {
        try TestDatabase.withMigratedDatabase { connection, _ in
            let company = try Company(connection: connection)
            try connection.executeScript(Company.entries)

            // 1. Approval: cost for every entry, unbilled sales only on the T&M line.
            #expect(try company.dataverse.approve(through: PostgresDate("2026-10-31")) == .init(entries: 4, actuals: 7))
            try company.expectRows(
                """
                SELECT p.msdyn_projectnumber, a.msdyn_documentdate, a.msdyn_transactiontypecode,
                       a.msdyn_transactionclassification, a.msdyn_billingtype, a.msdyn_billingstatus,
                       a.msdyn_quantity, a.msdyn_price, a.msdyn_amount, a.isocurrencycode
                FROM dataverse.msdyn_actual a JOIN dataverse.msdyn_project p ON p.msdyn_projectid = a.msdyn_project
                ORDER BY 1, 2, 3
                """,
                [
                    "PRJ-FP|2026-10-12|192350000|192350000|192350003|∅|4.0000|50.00|200.00|USD",
                    "PRJ-TM|2026-10-05|192350000|192350000|192350001|∅|8.0000|45.00|360.00|EUR",
                    "PRJ-TM|2026-10-05|192350005|192350000|192350001|192350000|8.0000|130.00|1040.00|EUR",
                    "PRJ-TM|2026-10-07|192350000|192350001|192350001|∅|1|86.40|86.40|EUR",
                    "PRJ-TM|2026-10-07|192350005|192350001|192350001|192350000|1|86.40|86.40|EUR",
                    "PRJ-TM|2026-10-20|192350000|192350000|192350001|∅|7.5000|45.00|337.50|EUR",
                    "PRJ-TM|2026-10-20|192350005|192350000|192350001|192350000|7.5000|130.00|975.00|EUR",
                ])
            // Each unbilled sale is connected to its cost.
            try company.expectValue(
                """
                SELECT count(*) FROM dataverse.msdyn_transactionconnection c
                JOIN dataverse.msdyn_actual u ON u.msdyn_actualid = c.msdyn_transaction1 AND u.msdyn_transactiontypecode = 192350005
                JOIN dataverse.msdyn_actual k ON k.msdyn_actualid = c.msdyn_transaction2 AND k.msdyn_transactiontypecode = 192350000
                WHERE u.msdyn_documentdate = k.msdyn_documentdate AND u.msdyn_quantity = k.msdyn_quantity
                """, "3")
            // Approving again does nothing.
            #expect(try company.dataverse.approve() == .init(entries: 0, actuals: 0))

            // 2-3. Sync to staging, import into one October journal, post it: balanced vouchers in USD.
            try company.sync()
            try company.expectValue("SELECT count(*) FROM fno.projcdsactualsimport", "7")
            #expect(
                try company.finance.importFromStaging()
                    == .init(journalLines: 7, proposalLines: 0, proposals: 0, waiting: 0))
            #expect(
                try company.finance.importFromStaging()
                    == .init(journalLines: 0, proposalLines: 0, proposals: 0, waiting: 0))
            #expect(try company.finance.postJournals() == .init(journals: 1, lines: 7))
            try expectBalancedVouchers(company)
            // Cost Dr 600100 / Cr 200150, unbilled sales Dr 130500 / Cr 401300, at the rate of each date.
            try company.expectRows(
                """
                SELECT mainaccount, sum(accountingcurrencyamount) FROM fno.generaljournalaccountentry
                GROUP BY mainaccount ORDER BY mainaccount
                """, ["130500|2284.14", "200150|-1051.67", "401300|-2284.14", "600100|1051.67"])
            // Cost 200.00 (USD) + 360.00 × 1.08 + 86.40 × 1.08 + 337.50 × 1.095 = 200.00 + 388.80 + 93.31 + 369.56;
            // WIP 1040.00 × 1.08 + 86.40 × 1.08 + 975.00 × 1.095 = 1123.20 + 93.31 + 1067.63.

            // Write-back (I9 for cost and unbilled sales): voucher and accounting amount on every actual.
            try company.sync()
            try company.expectRows(
                """
                SELECT msdyn_documentdate, msdyn_transactiontypecode, msdyn_amount_base, exchangerate,
                       msdyn_externalreferenceid IS NOT NULL, msdyn_isjournalized
                FROM dataverse.msdyn_actual ORDER BY 1, 2
                """,
                [
                    "2026-10-05|192350000|388.80|0.9259259259|t|t",
                    "2026-10-05|192350005|1123.20|0.9259259259|t|t",
                    "2026-10-07|192350000|93.31|0.9259259259|t|t",
                    "2026-10-07|192350005|93.31|0.9259259259|t|t",
                    "2026-10-12|192350000|200.00|1.0000000000|t|t",
                    "2026-10-20|192350000|369.56|0.9132420091|t|t",
                    "2026-10-20|192350005|1067.63|0.9132420091|t|t",
                ])

            // 4. Ready to invoice and proformas: one per contract, one line per contract line.
            #expect(try company.dataverse.markReady(to: PostgresDate("2026-10-31")) == .init(actuals: 3, milestones: 1))
            let created = try company.dataverse.createProformas(invoiceDate: PostgresDate("2026-10-31"))
            #expect(created.count == 2)
            let fpInvoice = try company.value(
                "SELECT invoicenumber FROM dataverse.invoice i JOIN dataverse.salesorder s USING (salesorderid) WHERE s.ordernumber = 'PC-FP'"
            )
            let tmInvoice = try company.value(
                "SELECT invoicenumber FROM dataverse.invoice i JOIN dataverse.salesorder s USING (salesorderid) WHERE s.ordernumber = 'PC-TM'"
            )
            #expect(Set(created) == [fpInvoice, tmInvoice])
            #expect(try company.dataverse.createProformas(invoiceDate: PostgresDate("2026-10-31")).isEmpty)

            // 5. Review: 7 of the 7.5 hours, the expense non-chargeable.
            try company.dataverse.editDetail(
                try company.detail(tmInvoice, class: .time, date: "2026-10-20"), quantity: dec("7"))
            try company.dataverse.editDetail(
                try company.detail(tmInvoice, class: .expense), billingType: .nonChargeable)
            try expectInvoiceTotals(
                company, tmInvoice, header: "1950.00|0|1950.00", lines: ["Consulting|1950.00|86.40|0|1950.00|0|1950.00"]
            )
            try expectInvoiceTotals(
                company, fpInvoice, header: "5000.00|0|5000.00", lines: ["Milestones|5000.00|0|0|5000.00|0|5000.00"])

            // 6. Confirm: billed sales per ILD, reversals with skip-sync, statuses (I4, I5).
            #expect(try company.dataverse.confirm() == .init(invoices: 2, billedSales: 4, reversals: 3))
            try expectDataverseInvariants(company)
            try company.expectRows(
                """
                SELECT msdyn_documentdate, msdyn_billingstatus, coalesce(msdyn_adjustmentstatus, 0)
                FROM dataverse.msdyn_actual
                WHERE msdyn_transactiontypecode = 192350005 AND msdyn_quantity > 0 ORDER BY 1
                """, ["2026-10-05|192350002|0", "2026-10-07|192350002|192350001", "2026-10-20|192350002|192350001"])
            try company.expectRows(
                "SELECT msdyn_name, msdyn_invoicestatus FROM dataverse.msdyn_contractlinescheduleofvalue ORDER BY 1",
                ["Design approved|192350003", "Go live|192350000"])

            // 7-8. Sync: proposals, billed sales and connections reach F&O; import makes the proposal lines.
            try company.sync()
            try company.expectValue("SELECT count(*) FROM fno.projproposaljour", "2")
            try company.expectValue("SELECT count(*) FROM fno.projcdsactualsimport WHERE transtype = 192350006", "4")
            #expect(
                try company.finance.importFromStaging()
                    == .init(journalLines: 0, proposalLines: 4, proposals: 2, waiting: 0))
            try company.expectRows(
                """
                SELECT proposalid = '\(tmInvoice)', salesorderbalance, sumtax, invoiceamount, taxgroupid, exchrate
                FROM fno.projproposaljour ORDER BY 1
                """, ["f|5000.00|412.50|5412.50|STD|100", "t|1950.00|160.88|2110.88|STD|109.500"])

            // 9. Post: invoices, customer transactions, balanced vouchers, WIP reversed (I8, I10).
            #expect(try company.finance.postProposals() == .init(proposals: 2, lines: 4, skipped: 0))
            try expectBalancedVouchers(company)
            try company.expectRows(
                """
                SELECT j.proposalid = '\(tmInvoice)', j.invoiceamount, j.sumtax, c.amountcur, c.amountmst, c.currencycode
                FROM fno.projinvoicejour j JOIN fno.custtrans c ON c.voucher = j.ledgervoucher ORDER BY 1
                """, ["f|5412.50|412.50|5412.50|5412.50|USD", "t|2110.88|160.88|2110.88|2311.41|EUR"])
            try expectFinanceInvariants(company)

            // 10. Write-back: billed sales carry voucher and accounting amount; invoices are Posted.
            try company.sync()
            try company.expectValue(
                """
                SELECT count(*) FROM dataverse.msdyn_actual
                WHERE msdyn_transactiontypecode = 192350006 AND msdyn_externalreferenceid IS NOT NULL
                  AND msdyn_amount_base IS NOT NULL
                """, "4")
            try company.expectRows(
                """
                SELECT invoicenumber = '\(tmInvoice)', msdyn_projectinvoicestatus, msdyn_customerinvoicenumber IS NOT NULL,
                       msdyn_customerinvoicetaxamount
                FROM dataverse.invoice ORDER BY 1
                """, ["f|192350004|t|412.50", "t|192350004|t|160.88"])
            // I11: the EUR billed sales at the invoice-date rate 1.095.
            try company.expectRows(
                """
                SELECT msdyn_amount, msdyn_amount_base, isocurrencycode FROM dataverse.msdyn_actual
                WHERE msdyn_transactiontypecode = 192350006 ORDER BY msdyn_amount
                """, ["86.40|94.61|EUR", "910.00|996.45|EUR", "1040.00|1138.80|EUR", "5000.00|5000.00|USD"])

            // 11. Correction: keep the 8 h, bill 5 of the 7 h, credit the expense.
            let correction = try company.dataverse.revise(invoice: tmInvoice)
            try company.dataverse.editDetail(
                try company.detail(correction, class: .time, date: "2026-10-05"), quantity: dec("8"))
            try company.dataverse.editDetail(
                try company.detail(correction, class: .time, date: "2026-10-20"), quantity: dec("5"))
            try expectInvoiceTotals(
                company, correction, header: "-260.00|0|-260.00",
                lines: ["Consulting|-260.00|-86.40|0|-260.00|0|-260.00"])
            #expect(
                try company.dataverse.confirm(invoice: correction) == .init(invoices: 1, billedSales: 3, reversals: 0))
            try expectDataverseInvariants(company)
            // The credited 2 h and the expense are unbilled (ready to invoice) again.
            try company.expectRows(
                """
                SELECT msdyn_transactionclassification, msdyn_quantity, msdyn_amount, msdyn_billingstatus
                FROM dataverse.msdyn_actual
                WHERE msdyn_transactiontypecode = 192350005 AND msdyn_billingstatus = 192350004 ORDER BY 1
                """, ["192350000|2.0000|260.00|192350004", "192350001|1|86.40|192350004"])

            try company.sync()
            #expect(
                try company.finance.importFromStaging()
                    == .init(journalLines: 2, proposalLines: 3, proposals: 1, waiting: 0))
            #expect(try company.finance.postJournals() == .init(journals: 1, lines: 2))
            #expect(try company.finance.postProposals() == .init(proposals: 1, lines: 3, skipped: 0))
            try company.sync()
            try expectBalancedVouchers(company)
            try expectFinanceInvariants(company)
            // A credit note: negative amount before tax, tax recomputed per line.
            try company.expectValue(
                "SELECT invoiceamount - sumtax || '|' || sumtax FROM fno.projinvoicejour WHERE proposalid = '\(correction)'",
                "-260.00|-21.45")
        }
    }
}

// MARK: - Invariants

/// Every voucher sums to zero, in accounting and in transaction currency.
func expectBalancedVouchers(_ company: Company, sourceLocation: SourceLocation = #_sourceLocation) throws {
    try company.expectRows(
        """
        SELECT voucher, sum(accountingcurrencyamount), sum(transactioncurrencyamount)
        FROM fno.generaljournalaccountentry GROUP BY voucher
        HAVING sum(accountingcurrencyamount) <> 0 OR sum(transactioncurrencyamount) <> 0
        """, [], sourceLocation: sourceLocation)
    try company.expectValue("SELECT count(*) > 0 FROM fno.generaljournalaccountentry", "t")
}

/// Header and per-line totals of an invoice (I1-I3): header `before tax|tax|total`, lines
/// `line|chargeable|non-chargeable|complimentary|base|tax|extended`.
func expectInvoiceTotals(
    _ company: Company, _ invoice: String, header: String, lines: [String],
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    try company.expectValue(
        "SELECT totallineitemamount || '|' || totaltax || '|' || totalamount FROM dataverse.invoice WHERE invoicenumber = '\(invoice)'",
        header, sourceLocation: sourceLocation)
    try company.expectRows(
        """
        SELECT sd.productdescription, l.msdyn_chargeableamount, l.msdyn_nonchargeableamount, l.msdyn_complimentaryamount,
               l.baseamount, l.tax, l.extendedamount
        FROM dataverse.invoicedetail l JOIN dataverse.invoice i USING (invoiceid)
        JOIN dataverse.salesorderdetail sd USING (salesorderdetailid)
        WHERE i.invoicenumber = '\(invoice)' ORDER BY 1
        """, lines, sourceLocation: sourceLocation)
}

/// I1-I5 over every invoice in Dataverse.
func expectDataverseInvariants(_ company: Company, sourceLocation: SourceLocation = #_sourceLocation) throws {
    // I1: line amounts = Σ chargeable ILD invoice amounts; tax = Σ ILD tax.
    try company.expectRows(
        """
        SELECT l.invoicedetailid FROM dataverse.invoicedetail l
        LEFT JOIN dataverse.msdyn_invoicelinetransaction d ON d.msdyn_invoicelineid = l.invoicedetailid
        GROUP BY l.invoicedetailid, l.baseamount, l.tax, l.msdyn_chargeableamount
        HAVING l.baseamount <> coalesce(sum(d.msdyn_invoiceamount) FILTER (WHERE d.msdyn_billingtype = 192350001), 0)
            OR l.msdyn_chargeableamount <> l.baseamount
            OR l.tax <> coalesce(sum(d.msdyn_tax), 0)
        """, [], "I1", sourceLocation: sourceLocation)
    // I2: header = Σ lines, total = detail + tax.
    try company.expectRows(
        """
        SELECT i.invoicenumber FROM dataverse.invoice i JOIN dataverse.invoicedetail l USING (invoiceid)
        GROUP BY i.invoiceid HAVING i.totallineitemamount <> sum(l.baseamount) OR i.totaltax <> sum(l.tax)
            OR i.totalamount <> i.totallineitemamount + i.totaltax
        """, [], "I2", sourceLocation: sourceLocation)
    // I3: one invoice line per contract line.
    try company.expectRows(
        """
        SELECT i.invoicenumber, sd.salesorderdetailid FROM dataverse.invoice i
        JOIN dataverse.salesorderdetail sd ON sd.salesorderid = i.salesorderid
        LEFT JOIN dataverse.invoicedetail l ON l.invoiceid = i.invoiceid AND l.salesorderdetailid = sd.salesorderdetailid
        GROUP BY 1, 2 HAVING count(l.invoicedetailid) <> 1
        """, [], "I3", sourceLocation: sourceLocation)
    // I4: every ILD of a confirmed invoice that bills something has a billed sale with the same figures,
    // connected to it.
    try company.expectRows(
        """
        SELECT d.msdyn_invoicelinetransactionid FROM dataverse.msdyn_invoicelinetransaction d
        JOIN dataverse.invoice i ON i.invoiceid = d.msdyn_invoice
        WHERE i.msdyn_projectinvoicestatus >= 192350002
          AND NOT (d.msdyn_correction AND d.msdyn_invoiceamount = 0 AND d.msdyn_quantity <> 0)
          AND d.msdyn_quantity <> 0
          AND NOT EXISTS (
            SELECT 1 FROM dataverse.msdyn_transactionconnection c
            JOIN dataverse.msdyn_actual b ON b.msdyn_actualid = c.msdyn_transaction1
            WHERE c.msdyn_transaction2 = d.msdyn_invoicelinetransactionid AND b.msdyn_transactiontypecode = 192350006
              AND b.msdyn_quantity = d.msdyn_quantity AND b.msdyn_amount = d.msdyn_amount
              AND b.msdyn_transactionclassification = d.msdyn_transactionclassification
              AND b.msdyn_billingtype = d.msdyn_billingtype)
        """, [], "I4", sourceLocation: sourceLocation)
    // I5: every unbilled sale billed by a confirmed invoice nets to zero with its skip-sync reversals.
    try company.expectRows(
        """
        SELECT o.msdyn_actualid FROM dataverse.msdyn_actual o
        JOIN dataverse.msdyn_transactionconnection c ON c.msdyn_transaction2 = o.msdyn_actualid
        JOIN dataverse.msdyn_actual r ON r.msdyn_actualid = c.msdyn_transaction1
        WHERE o.msdyn_transactiontypecode = 192350005 AND r.msdyn_transactiontypecode = 192350005
          AND r.msdyn_skipsync
        GROUP BY o.msdyn_actualid, o.msdyn_quantity, o.msdyn_amount
        HAVING o.msdyn_quantity + sum(r.msdyn_quantity) <> 0 OR o.msdyn_amount + sum(r.msdyn_amount) <> 0
        """, [], "I5", sourceLocation: sourceLocation)
    #expect(
        try company.value(
            "SELECT count(*) FROM dataverse.msdyn_actual WHERE msdyn_billingstatus = 192350002 AND msdyn_transactiontypecode = 192350005 AND msdyn_quantity > 0"
        ) != "0", sourceLocation: sourceLocation)
}

/// I6-I11 over F&O and the write-back.
func expectFinanceInvariants(_ company: Company, sourceLocation: SourceLocation = #_sourceLocation) throws {
    // I6: exactly one proposal per confirmed invoice, none for drafts or without an invoice.
    try company.expectRows(
        """
        SELECT coalesce(i.invoicenumber, p.proposalid) FROM dataverse.invoice i
        FULL JOIN fno.projproposaljour p ON p.proposalid = i.invoicenumber
        WHERE (i.msdyn_projectinvoicestatus >= 192350002) IS DISTINCT FROM (p.proposalid IS NOT NULL)
        """, [], "I6", sourceLocation: sourceLocation)
    // I7: proposal lines = billed-sales staging rows of the invoice, same actual ids and amounts; no
    // skip-sync actual in F&O.
    try company.expectRows(
        """
        SELECT coalesce(s.actualid, l.actualid) FROM
          (SELECT * FROM fno.projcdsactualsimport WHERE transtype = 192350006) s
        FULL JOIN fno.projproposalline l ON l.actualid = s.actualid
        WHERE l.actualid IS NULL OR s.actualid IS NULL OR l.proposalid <> s.invoiceid OR l.lineamount <> s.amount
        """, [], "I7", sourceLocation: sourceLocation)
    try company.expectValue(
        """
        SELECT count(*) FROM fno.projcdsactualsimport s JOIN dataverse.msdyn_actual a ON a.msdyn_actualid = s.actualid
        WHERE a.msdyn_skipsync
        """, "0", "I7 skip-sync", sourceLocation: sourceLocation)
    // I8: each posted invoice = its proposal: amount before tax and lines.
    try company.expectRows(
        """
        SELECT p.proposalid FROM fno.projproposaljour p JOIN fno.projinvoicejour j ON j.proposalid = p.proposalid
        WHERE p.salesorderbalance <> j.salesorderbalance
           OR (SELECT array_agg(actualid || ':' || lineamount ORDER BY actualid) FROM fno.projproposalline l WHERE l.proposalid = p.proposalid)
              IS DISTINCT FROM
              (SELECT array_agg(actualid || ':' || lineamount ORDER BY actualid) FROM fno.projinvoiceline l WHERE l.projinvoiceid = j.projinvoiceid)
        """, [], "I8", sourceLocation: sourceLocation)
    // I10: the WIP of every invoiced unbilled sale is reversed exactly once: what stays on the WIP account is
    // the WIP of the unbilled sales not invoiced yet.
    try company.expectValue(
        """
        SELECT (SELECT coalesce(sum(accountingcurrencyamount), 0) FROM fno.generaljournalaccountentry
                WHERE mainaccount = '130500')
             - (SELECT coalesce(sum(amountmst), 0) FROM fno.projpostedtranstable
                WHERE transstatus = 2 AND actualid IN (
                    SELECT actualid FROM fno.projcdsactualsimport WHERE transtype = 192350005))
        """, "0.00", "I10", sourceLocation: sourceLocation)
    // I9/I11: every posted staging row carries its voucher and accounting amount = amount × rate of its date.
    try company.expectRows(
        """
        SELECT actualid FROM fno.projcdsactualsimport
        WHERE isprocessed AND (vouchernumber IS NULL OR accountingamount IS NULL)
          AND (transtype <> 192350006 OR invoiceproposalid IN (SELECT proposalid FROM fno.projproposaljour WHERE status = 3))
        """, [], "I9", sourceLocation: sourceLocation)
}

@Suite("billing backlog and draft edits")
struct BacklogTests {
    @Test func theBacklogListsWhatIsReadyAndADeletedDetailReturnsToIt() throws {
        try TestDatabase.withMigratedDatabase { connection, _ in
            let company = try Company(connection: connection)
            try connection.executeScript(Company.entries)
            _ = try company.dataverse.approve()
            #expect(
                try company.dataverse.markReady(contract: "PC-TM", to: PostgresDate("2026-10-10"))
                    == .init(actuals: 2, milestones: 0))
            #expect(try company.dataverse.markReady(project: "PRJ-FP") == .init(actuals: 0, milestones: 2))
            let before = try company.dataverse.backlog()
            #expect(
                before == [
                    .init(
                        contract: "PC-FP", contractLine: "Milestones", currency: "USD", actuals: 0, actualsAmount: "0",
                        milestones: 2, milestonesAmount: "8000.00"),
                    .init(
                        contract: "PC-TM", contractLine: "Consulting", currency: "EUR", actuals: 2,
                        actualsAmount: "1126.40",
                        milestones: 0, milestonesAmount: "0"),
                ])

            let invoice = try #require(try company.dataverse.createProformas(contract: "PC-TM").first)
            #expect(try company.dataverse.backlog(contract: "PC-TM").isEmpty, "lines with nothing ready are not listed")
            let expense = try company.detail(invoice, class: .expense)
            try company.dataverse.deleteDetail(expense)
            try expectInvoiceTotals(
                company, invoice, header: "1040.00|0|1040.00", lines: ["Consulting|1040.00|0|0|1040.00|0|1040.00"])
            try company.expectRows(
                """
                SELECT msdyn_billingstatus, msdyn_invoice IS NULL FROM dataverse.msdyn_actual
                WHERE msdyn_transactiontypecode = 192350005 AND msdyn_transactionclassification = 192350001
                """, ["192350004|t"])
            #expect(
                try company.dataverse.backlog(contract: "PC-TM") == [
                    .init(
                        contract: "PC-TM", contractLine: "Consulting", currency: "EUR", actuals: 1,
                        actualsAmount: "86.40",
                        milestones: 0, milestonesAmount: "0")
                ])
        }
    }
}
