import Testing
import TieoutPostgres
import TieoutRecon
import TieoutScenario
import TieoutTestSupport

@Suite("the demo's planted faults")
struct DemoFaultsTests {
    /// `tieout faults` plants each fault once, and the reconciliation reports each with its category on the record
    /// it was planted on; planting again changes nothing.
    @Test func eachPlantedFaultIsFoundOnItsRecordAndPlantingTwiceIsANoOp() throws {
        try CleanScenario.withClone { db in
            let faults = Faults(connection: db.connection)
            let planted = try faults.plant()
            #expect(planted.map(\.fault) == Faults.all.map(\.name))
            #expect(planted.filter { !$0.new }.isEmpty)

            let run = try db.run()
            for fault in planted {
                // The record is an invoice number, an actual id, a transid or a voucher: one finding of the
                // fault's category carries it as one of its keys.
                let matches = try db.value(
                    """
                    SELECT count(*) FROM recon.finding
                     WHERE run_id = \(run.runID) AND category = '\(fault.category)'
                       AND '\(fault.record)' IN (invoicenumber, proposalid, actualid::text, transid, voucher)
                    """)
                #expect(matches == "1", "\(fault.fault): \(fault.category) on \(fault.record)")
            }
            // What follows from the faults, and nothing else: the credit note's billed sales are not staged
            // either, and the duplicate proposal line makes the posted invoice differ from its proposal; three control
            // totals move (the credit note's billed sales against staging, the duplicate line against its staging rows
            // and against the posted invoice lines), and the unbalanced voucher's receivable is no longer its invoice's.
            let creditNoteBilledSales = try db.value(
                """
                SELECT count(*) FROM dataverse.msdyn_actual a
                  JOIN dataverse.invoice i ON i.invoiceid = a.msdyn_invoice
                 WHERE i.invoicenumber = (SELECT record FROM process.scenario_fault WHERE name = 'credit-note-not-synced')
                   AND a.msdyn_transactiontypecode = 192350006 AND NOT a.msdyn_skipsync
                """)
            let categories = try db.rows(
                """
                SELECT category, count(*) FROM recon.finding WHERE run_id = \(run.runID)
                 GROUP BY category ORDER BY category
                """)
            #expect(
                categories == [
                    "BILLED_SALES_NOT_STAGED|\(creditNoteBilledSales)", "BILLED_SALES_WITHOUT_BACKING|1",
                    "CONFIRMED_WITHOUT_PROPOSAL|1", "CONTROL_TOTAL_MISMATCH|3", "MISSING_VOUCHER_WRITEBACK|1",
                    "POSTED_INVOICE_PROPOSAL_MISMATCH|1", "POSTED_STATUS_NOT_REFLECTED|1",
                    "PROPOSAL_LINE_SET_MISMATCH|1",
                    "SKIPPED_RECORD_LEAKED|1", "UNBALANCED_VOUCHER|1", "VOUCHER_MISMATCH|1", "WIP_NOT_REVERSED|1",
                ])
            #expect(creditNoteBilledSales != "0")

            let again = try faults.plant()
            #expect(again.map(\.record) == planted.map(\.record))
            #expect(again.filter(\.new).isEmpty)
            let rerun = try db.run()
            #expect(rerun.findings == run.findings)
            #expect(rerun.newFindings == 0)
            #expect(rerun.resolved == 0)
        }
    }
}
