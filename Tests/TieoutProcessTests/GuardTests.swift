import Foundation
import Testing
import TieoutDataverse
import TieoutFinance
import TieoutPostgres
import TieoutTestSupport

/// Every unsupported operation of docs/domain.md ("Not supported") fails in the database itself, with SQLSTATE P0001 and one
/// line that names the record and the rule, and changes nothing.
@Suite("refused operations")
struct GuardTests {
    @Test func everyUnsupportedOperationIsRefusedWithItsRecordAndRule() throws {
        try TestDatabase.withMigratedDatabase { connection, _ in
            let company = try Company(connection: connection)
            try connection.executeScript(Company.entries)
            _ = try company.dataverse.approve()
            try company.sync()
            _ = try company.finance.importFromStaging()
            _ = try company.finance.postJournals()
            try company.sync()
            _ = try company.dataverse.markReady(to: PostgresDate("2026-10-31"))
            _ = try company.dataverse.createProformas(invoiceDate: PostgresDate("2026-10-31"))
            _ = try company.dataverse.confirm()
            try company.sync()
            let tm = try company.value(
                "SELECT invoicenumber FROM dataverse.invoice JOIN dataverse.salesorder USING (salesorderid) WHERE ordernumber = 'PC-TM'"
            )
            let fp = try company.value(
                "SELECT invoicenumber FROM dataverse.invoice JOIN dataverse.salesorder USING (salesorderid) WHERE ordernumber = 'PC-FP'"
            )
            let line = try company.value(
                "SELECT invoicedetailid FROM dataverse.invoicedetail JOIN dataverse.invoice USING (invoiceid) WHERE invoicenumber = '\(tm)'"
            )
            let time = try company.detail(tm, class: .time, date: "2026-10-05").uuidString.lowercased()
            let actual = try company.value(
                "SELECT msdyn_actualid FROM dataverse.msdyn_actual WHERE msdyn_transactiontypecode = 192350000 AND msdyn_documentdate = '2026-10-05'"
            )
            let before = try fingerprint(company)

            func refused(_ sql: String, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
                let error = #expect(throws: PostgresError.self, sourceLocation: sourceLocation) {
                    try connection.query(PostgresQuery(unescaped: sql))
                }
                #expect(error?.code == .raiseException, sourceLocation: sourceLocation)
                #expect(error?.message == message, sourceLocation: sourceLocation)
            }

            // F&O: proposals come only from Dataverse and are never deleted.
            refused(
                "INSERT INTO fno.projproposaljour (dataareaid, proposalid, projinvoiceprojid, currencyid) VALUES ('usmf', 'P-1', 'PC-TM', 'EUR')",
                "invoice proposal P-1 cannot be created in F&O: proposals come only from confirmed proforma invoices in Dataverse (map invoice-proposal-v2)"
            )
            refused(
                "DELETE FROM fno.projproposaljour WHERE proposalid = '\(tm)'",
                "invoice proposal \(tm) cannot be deleted: deleting invoice proposals in F&O is not supported (correct the invoice in Dataverse with a corrective invoice)"
            )
            // Actuals are never deleted.
            refused(
                "DELETE FROM dataverse.msdyn_actual WHERE msdyn_actualid = '\(actual)'",
                "actual \(actual) cannot be deleted: actuals are never deleted, reverse them instead")
            // A confirmed invoice, its lines and details are read-only.
            refused(
                "UPDATE dataverse.invoice SET name = 'Changed' WHERE invoicenumber = '\(tm)'",
                "invoice \(tm) is Confirmed: a confirmed proforma invoice cannot be edited")
            refused(
                "UPDATE dataverse.invoice SET msdyn_projectinvoicestatus = 192350000 WHERE invoicenumber = '\(tm)'",
                "invoice \(tm) is Confirmed: the status of a confirmed proforma invoice only moves forward, not to Draft"
            )
            refused(
                "DELETE FROM dataverse.invoice WHERE invoicenumber = '\(tm)'",
                "invoice \(tm) is Confirmed: a confirmed proforma invoice cannot be deleted")
            refused(
                "UPDATE dataverse.invoicedetail SET baseamount = 0 WHERE invoicedetailid = '\(line)'",
                "invoice line \(line) cannot be updated: invoice \(tm) is Confirmed, and a confirmed proforma invoice cannot be edited"
            )
            refused(
                "DELETE FROM dataverse.msdyn_invoicelinetransaction WHERE msdyn_invoicelinetransactionid = '\(time)'",
                "invoice line detail \(time) cannot be deleted: invoice \(tm) is Confirmed, and a confirmed proforma invoice cannot be edited"
            )
            refused(
                "SELECT process.dv_edit_invoice_detail('\(time)', NULL, 4, NULL)",
                "invoice \(tm) is Confirmed: a confirmed proforma invoice cannot be edited")
            #expect(try fingerprint(company) == before, "nothing changed")

            // On drafts (corrective invoices): the class never changes, no discount or freight, and a milestone is
            // credited in full or not at all.
            let tmCorrection = try company.dataverse.revise(invoice: tm)
            let fpCorrection = try company.dataverse.revise(invoice: fp)
            let draftTime = try company.detail(tmCorrection, class: .time, date: "2026-10-05").uuidString.lowercased()
            let milestone = try company.detail(fpCorrection, class: .milestone).uuidString.lowercased()
            refused(
                "UPDATE dataverse.msdyn_invoicelinetransaction SET msdyn_transactionclassification = 192350001 WHERE msdyn_invoicelinetransactionid = '\(draftTime)'",
                "invoice line detail \(draftTime): the transaction class of an invoice line detail cannot be changed")
            refused(
                "UPDATE dataverse.invoice SET discountamount = 10 WHERE invoicenumber = '\(tmCorrection)'",
                "invoice \(tmCorrection): discounts and freight on a proforma invoice are not supported")
            refused(
                "UPDATE dataverse.invoice SET freightamount = 25 WHERE invoicenumber = '\(tmCorrection)'",
                "invoice \(tmCorrection): discounts and freight on a proforma invoice are not supported")
            refused(
                "SELECT process.dv_edit_invoice_detail('\(milestone)', NULL, 0.5, NULL)",
                "invoice line detail \(milestone): a milestone can only be credited in full")
            refused(
                "UPDATE dataverse.msdyn_invoicelinetransaction SET msdyn_quantity = 0.5, msdyn_amount = 2500 WHERE msdyn_invoicelinetransactionid = '\(milestone)'",
                "invoice line detail \(milestone): a milestone can only be credited in full")
            refused(
                "SELECT process.dv_revise(invoiceid) FROM dataverse.invoice WHERE invoicenumber = '\(tm)'",
                "invoice \(tm) already has a draft correction \(tmCorrection): confirm or delete it before revising again"
            )

            // Posting a proposal without lines.
            try connection.withTransaction { connection in
                _ = try connection.query("SELECT set_config('tieout.origin', 'sync:test', true)")
                _ = try connection.query(
                    """
                    INSERT INTO fno.projproposaljour (dataareaid, proposalid, projinvoiceprojid, invoiceaccount, currencyid)
                    VALUES ('usmf', 'P-EMPTY', 'PC-TM', 'C-002', 'EUR')
                    """)
            }
            #expect {
                try company.finance.postProposals(proposal: "P-EMPTY")
            } throws: { error in
                (error as? PostgresError)?.message
                    == "invoice proposal P-EMPTY has no lines: import its billed sales from staging before posting"
            }
            #expect(try company.finance.importFromStaging().proposalLines == 4)
            let posted = try company.finance.postProposals()
            #expect(posted == .init(proposals: 2, lines: 4, skipped: 1))
        }
    }

    /// A digest of every row a refused statement could have touched.
    private func fingerprint(_ company: Company) throws -> String {
        try company.value(
            """
            SELECT md5(concat_ws('/',
                (SELECT string_agg(i::text, ',' ORDER BY invoiceid) FROM dataverse.invoice i),
                (SELECT string_agg(l::text, ',' ORDER BY invoicedetailid) FROM dataverse.invoicedetail l),
                (SELECT string_agg(d::text, ',' ORDER BY msdyn_invoicelinetransactionid) FROM dataverse.msdyn_invoicelinetransaction d),
                (SELECT count(*) FROM dataverse.msdyn_actual),
                (SELECT string_agg(p::text, ',' ORDER BY recid) FROM fno.projproposaljour p)))
            """)
    }
}
