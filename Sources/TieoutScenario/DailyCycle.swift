public import Logging
import TieoutDataverse
import TieoutFinance
public import TieoutPostgres
public import TieoutSync

/// One business day of the invoice flow, in the real order (`tieout pipeline`):
/// sync, import, post journals, sync the write-back, proforma create/review/confirm, sync, import,
/// post proposals, sync.
public struct DailyCycle {
    /// One step and what it did, in words.
    public struct Step: Sendable, Equatable {
        public var number: Int
        public var name: String
        public var summary: String
    }

    /// The names of the day's steps, in order: each commits before the next starts.
    public static let stepNames = [
        "sync", "import from staging", "post integration journals", "sync the write-back", "proforma invoices", "sync",
        "import from staging", "post invoice proposals", "sync",
    ]

    let engine: SyncEngine
    let logger: Logger

    public init(engine: SyncEngine, logger: Logger) {
        self.engine = engine
        self.logger = logger
    }

    /// Runs the day. With `review`, the project manager's review of the drafts marks a few time details
    /// non-chargeable and a few expense details complimentary (a deterministic choice), so the day uses
    /// every billing type. `progress` sees each step as it finishes.
    public func run(date: PostgresDate, review: Bool = true, progress: (Step) -> Void = { _ in }) throws -> [Step] {
        let dataverse = ProjectOperations(connection: engine.databases.dataverse)
        let finance = FinanceOperations(connection: engine.databases.fno)
        var steps: [Step] = []
        func record(_ name: String, _ summary: String) {
            let step = Step(number: steps.count + 1, name: name, summary: summary)
            logger.info("pipeline: \(name)", metadata: ["summary": "\(summary)"])
            steps.append(step)
            progress(step)
        }
        func sync() throws -> String {
            let runs = try engine.drain()
            let changes = runs.reduce(0) { $0 + $1.changes }
            let failed = runs.reduce(0) { $0 + $1.counts.failed }
            return "\(changes) changes applied" + (failed > 0 ? ", \(failed) failed (tieout sync errors)" : "")
        }
        func describe(_ result: FinanceOperations.Import) -> String {
            "\(result.journalLines) journal lines, \(result.proposalLines) proposal lines on \(result.proposals) "
                + "proposals, \(result.waiting) staging rows waiting"
        }

        record("sync", try sync())
        record("import from staging", describe(try finance.importFromStaging()))
        let journals = try finance.postJournals()
        record("post integration journals", "\(journals.journals) journals, \(journals.lines) lines")
        record("sync the write-back", try sync())

        let ready = try dataverse.markReady(to: date)
        let created = try dataverse.createProformas(invoiceDate: date)
        let edited = review ? try reviewDrafts(on: engine.databases.dataverse) : 0
        let confirmed = try dataverse.confirm()
        record(
            "proforma invoices",
            "\(ready.actuals) actuals and \(ready.milestones) milestones ready, \(created.count) created, "
                + "\(edited) details edited in review, \(confirmed.invoices) confirmed with "
                + "\(confirmed.billedSales) billed sales and \(confirmed.reversals) reversals")
        record("sync", try sync())
        record("import from staging", describe(try finance.importFromStaging()))
        let posted = try finance.postProposals()
        record(
            "post invoice proposals",
            "\(posted.proposals) invoices posted with \(posted.lines) lines, \(posted.skipped) proposals without lines")
        record("sync", try sync())
        return steps
    }

    /// The review: about one time detail in twenty becomes non-chargeable and one expense detail in twenty
    /// complimentary, chosen from the detail's date, quantity and resource so the same data gives the same
    /// choice. Each change goes through `process.dv_edit_invoice_detail`.
    func reviewDrafts(on connection: PostgresConnection) throws -> Int {
        try connection.withTransaction { connection in
            try connection.query(
                """
                WITH edited AS MATERIALIZED (
                SELECT process.dv_edit_invoice_detail(d.msdyn_invoicelinetransactionid,
                           CASE d.msdyn_transactionclassification WHEN 192350000 THEN 192350000 ELSE 192350002 END,
                           NULL, NULL)::text AS result
                FROM dataverse.msdyn_invoicelinetransaction d
                JOIN dataverse.invoice i ON i.invoiceid = d.msdyn_invoice
                WHERE i.msdyn_projectinvoicestatus IN (192350000, 192350001)
                  AND d.msdyn_billingtype = 192350001 AND NOT d.msdyn_correction
                  AND d.msdyn_transactionclassification IN (192350000, 192350001)
                  AND ('x' || substr(md5(concat_ws(':', d.msdyn_documentdate, d.msdyn_quantity,
                                                   d.msdyn_bookableresource, d.msdyn_amount)), 1, 8))::bit(32)::bigint
                      % 20 = 0)
                SELECT count(*) FROM edited
                """
            ).scalar()
        }
    }
}
