import Foundation
import Testing
import TieoutDataverse
import TieoutFinance
import TieoutPostgres
import TieoutTestSupport

/// Import from staging leaves rows it cannot import yet in staging, says why, and imports them on a
/// later run once the reason is gone.
@Suite("import from staging rules")
struct ImportRulesTests {
    @Test func missingRatesAndUnpostedUnbilledSalesWaitWithTheirReason() throws {
        try TestDatabase.withMigratedDatabase { connection, _ in
            let company = try Company(connection: connection)
            try connection.executeScript(Company.entries)
            // Two hours on 30 September: EUR has no rate before 1 October.
            try connection.executeScript(
                """
                INSERT INTO dataverse.msdyn_timeentry (msdyn_description, msdyn_date, msdyn_duration, msdyn_type,
                       msdyn_entrystatus, msdyn_project, msdyn_bookableresource, msdyn_resourcecategory)
                VALUES ('Kick-off', DATE '2026-09-30', 120, 192350000, 192350003, '00000000-0000-0000-0000-00000000e002',
                        '\(Company.resource)', '\(Company.role)');
                """)
            #expect(try company.dataverse.approve() == .init(entries: 5, actuals: 9))
            try company.sync()

            // The invoice is confirmed before the unbilled sales are posted through the journal.
            _ = try company.dataverse.markReady(from: PostgresDate("2026-10-01"), to: PostgresDate("2026-10-31"))
            _ = try company.dataverse.createProformas(invoiceDate: PostgresDate("2026-10-31"))
            _ = try company.dataverse.confirm()
            try company.sync()
            let first = try company.finance.importFromStaging()
            #expect(first.journalLines == 7)
            #expect(first.proposalLines == 1, "the milestone needs no unbilled sale")
            #expect(first.waiting == 5, "two September rows and three T&M billed sales")
            try company.expectRows(
                """
                SELECT transtype, isprocessed, integrationcount, isjournalized, importmessage
                FROM fno.projcdsactualsimport WHERE documentdate = '2026-09-30' ORDER BY transtype
                """,
                [
                    "192350000|f|1|f|no exchange rate from EUR to USD on 2026-09-30",
                    "192350005|f|1|f|no exchange rate from EUR to USD on 2026-09-30",
                ])
            // Each T&M billed sale names the unbilled sale it waits for.
            try company.expectRows(
                """
                SELECT b.importmessage = 'unbilled sales transaction ' || u.actualid || ' hasn''t been posted yet'
                FROM fno.projcdsactualsimport b
                JOIN fno.projcdstransactionconnectionimport c ON c.transaction1 = b.actualid
                JOIN fno.projcdsactualsimport u ON u.actualid = c.transaction2 AND u.transtype = 192350005
                WHERE b.transtype = 192350006 AND b.contractid = 'PC-TM'
                """, ["t", "t", "t"])
            try company.expectValue(
                "SELECT count(*) FROM fno.projproposalline l JOIN fno.projproposaljour p USING (proposalid) WHERE p.projinvoiceprojid = 'PC-TM'",
                "0")

            // The AR clerk exempts the fixed-price proposal from tax before posting.
            let fixedPrice = try company.value(
                "SELECT proposalid FROM fno.projproposaljour WHERE projinvoiceprojid = 'PC-FP'")
            try company.expectValue(
                "SELECT sumtax || '|' || invoiceamount FROM fno.projproposaljour WHERE proposalid = '\(fixedPrice)'",
                "412.50|5412.50")
            try company.finance.setTaxGroup(legalEntity: "usmf", group: "EXEMPT", codes: [("EX", dec("0"))])
            try company.finance.setProposalTaxGroup(proposal: fixedPrice, group: "EXEMPT")
            try company.expectValue(
                "SELECT taxgroupid || '|' || sumtax || '|' || invoiceamount FROM fno.projproposaljour WHERE proposalid = '\(fixedPrice)'",
                "EXEMPT|0.00|5000.00")
            #expect {
                try company.finance.setProposalTaxGroup(proposal: fixedPrice, group: "NOPE")
            } throws: { error in
                (error as? PostgresError)?.message
                    == "sales tax group NOPE does not exist in legal entity usmf of invoice proposal \(fixedPrice)"
            }

            // Posting the journal makes the billed sales ready; the rate for September makes those rows importable.
            _ = try company.finance.postJournals()
            try company.finance.setExchangeRate(
                from: "EUR", to: "USD", startDate: PostgresDate("2026-09-01")!, rate: dec("1.07"))
            let second = try company.finance.importFromStaging()
            #expect(second == .init(journalLines: 2, proposalLines: 3, proposals: 1, waiting: 0))
            try company.expectRows(
                """
                SELECT transtype, isprocessed, integrationcount, importmessage IS NULL
                FROM fno.projcdsactualsimport WHERE contractid = 'PC-TM' ORDER BY documentdate, transtype
                """,
                [
                    "192350000|t|2|t", "192350005|t|2|t",
                    "192350000|t|1|t", "192350005|t|1|t", "192350006|t|2|t",
                    "192350000|t|1|t", "192350005|t|1|t", "192350006|t|2|t",
                    "192350000|t|1|t", "192350005|t|1|t", "192350006|t|2|t",
                ])
            _ = try company.finance.postJournals()
            try company.expectValue(
                "SELECT count(*) FROM fno.projcdsactualsimport WHERE transtype <> 192350006 AND NOT isjournalized", "0")
            try company.expectValue(
                "SELECT accountingamount FROM fno.projcdsactualsimport WHERE documentdate = '2026-09-30' AND transtype = 192350005",
                "278.20")
        }
    }
}
