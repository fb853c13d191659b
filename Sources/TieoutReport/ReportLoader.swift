import Foundation
public import TieoutPostgres
import TieoutRecon

/// Reads what the HTML report of one run shows into a ``ReportData``: a handful of set-based queries over
/// `recon.run`, `recon.finding`, `recon.finding_review`, `recon.signoff` and `recon.invoice_pipeline`. Amounts come
/// back as `numeric::text`, exact.
public struct ReportLoader {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// The report of run `runID`, or of the latest succeeded run (highest as-of, then id) when nil. A run that does
    /// not exist (or did not succeed) is a usage ``ReconError`` naming it.
    public func load(runID: Int? = nil) throws -> ReportData {
        let (run, generatedAt) = try self.run(id: runID)
        return ReportData(
            run: run, generatedAt: generatedAt, money: try money(run.runID), categories: try categories(run.runID),
            aging: try aging(run.runID), trend: try trend(run.runID), pipeline: try pipeline(),
            signoff: try signoff(run.runID), findings: try findings(run.runID),
            reviewStatuses: try connection.query(
                "SELECT u.status FROM unnest(recon.review_statuses()) WITH ORDINALITY u(status, n) ORDER BY u.n"
            ).map { try $0.decode(0) })
    }

    func run(id: Int?) throws -> (ReportData.Run, String) {
        let run = try Reconciliation.Run.load(id: id, from: connection)
        let generatedAt: String = try connection.query("SELECT date_trunc('second', now())::text").scalar()
        return (run, generatedAt)
    }

    func money(_ runID: Int) throws -> [ReportData.Money] {
        try Reconciliation.moneyAtStake(runID: runID, on: connection)
    }

    /// The category chart's bars: the categories with money at stake (a sum above zero) per currency.
    func categories(_ runID: Int) throws -> [ReportData.CategoryMoney] {
        try Reconciliation.moneyPerCategory(runID: runID, on: connection).filter {
            (Decimal(string: $0.amount) ?? 0) > 0
        }
    }

    /// The run's findings per age bucket (`recon.age_buckets()`, as `recon.aging` counts the latest run's).
    func aging(_ runID: Int) throws -> [ReportData.AgingBucket] {
        let rows = try connection.query(
            """
            SELECT b.bucket, f.currency, count(f.finding_no) AS findings,
                   count(f.finding_no) FILTER (WHERE f.severity = 'E') AS errors,
                   sum(f.amount)::text AS amount
              FROM recon.age_buckets() b
              LEFT JOIN recon.finding f
                ON f.run_id = \(runID) AND f.age_days >= b.low AND (b.high IS NULL OR f.age_days < b.high)
             GROUP BY b.bucket, b.bucket_order, f.currency
             ORDER BY b.bucket_order, f.currency
            """)
        var buckets: [ReportData.AgingBucket] = []
        for row in rows {
            let bucket: String = try row.decode("bucket")
            if buckets.last?.bucket != bucket { buckets.append(ReportData.AgingBucket(bucket: bucket, findings: 0)) }
            buckets[buckets.count - 1].findings += try row.decode("findings", as: Int.self)
            buckets[buckets.count - 1].errors += try row.decode("errors", as: Int.self)
            if let currency: String = try row.decode("currency"), let amount: String = try row.decode("amount") {
                buckets[buckets.count - 1].money.append(ReportData.Money(currency: currency, amount: amount))
            }
        }
        return buckets
    }

    /// The run and the earlier succeeded runs of its scope (same legal entity), up to
    /// ``HTMLReport/trendLength`` in all, oldest first, with their money at stake per currency.
    func trend(_ runID: Int) throws -> [ReportData.TrendPoint] {
        let rows = try connection.query(
            """
            WITH this AS (SELECT as_of, coalesce(legal_entity, '') AS scope FROM recon.run WHERE run_id = \(runID)),
            runs AS (
                SELECT r.run_id, r.as_of, r.errors, r.warnings
                  FROM recon.run r, this
                 WHERE r.status = 'succeeded' AND coalesce(r.legal_entity, '') = this.scope
                   AND (r.as_of, r.run_id) <= (this.as_of, \(runID)::bigint)
                 ORDER BY r.as_of DESC, r.run_id DESC
                 LIMIT \(HTMLReport.trendLength))
            SELECT r.run_id, to_char(r.as_of, 'YYYY-MM-DD HH24:MI') AS label, r.errors, r.warnings, m.currency,
                   m.amount::text AS amount
              FROM runs r
              LEFT JOIN LATERAL (
                   SELECT f.currency, sum(f.amount) AS amount
                     FROM recon.finding f
                    WHERE f.run_id = r.run_id AND f.currency IS NOT NULL AND f.amount IS NOT NULL
                    GROUP BY f.currency) m ON true
             ORDER BY r.as_of, r.run_id, m.currency
            """)
        var points: [ReportData.TrendPoint] = []
        for row in rows {
            let runID: Int = try row.decode("run_id")
            if points.last?.runID != runID {
                points.append(
                    ReportData.TrendPoint(
                        runID: runID, label: try row.decode("label"), errors: try row.decode("errors"),
                        warnings: try row.decode("warnings")))
            }
            if let currency: String = try row.decode("currency"), let amount: String = try row.decode("amount") {
                points[points.count - 1].money.append(ReportData.Money(currency: currency, amount: amount))
            }
        }
        return points
    }

    /// The proformas that reached each step of the flow, live (`recon.invoice_pipeline`).
    func pipeline() throws -> [ReportData.PipelineStep] {
        let row = try connection.query(
            """
            SELECT count(*) FILTER (WHERE confirmed) AS confirmed, count(*) FILTER (WHERE proposal) AS proposal,
                   count(*) FILTER (WHERE proposal_lines > 0) AS lines, count(*) FILTER (WHERE posted) AS posted,
                   count(*) FILTER (WHERE written_back) AS written_back
              FROM recon.invoice_pipeline
            """)[0]
        return try [
            ("confirmed", "confirmed"), ("proposal", "proposal"), ("lines", "lines"), ("posted", "posted"),
            ("written back", "written_back"),
        ].map { ReportData.PipelineStep(step: $0.0, invoices: try row.decode($0.1)) }
    }

    func signoff(_ runID: Int) throws -> ReportData.Signoff? {
        try FindingReview(connection: connection).signOff(of: runID)
    }

    /// The run's findings with their review (`recon.finding_review`), by customer, contract and finding number.
    func findings(_ runID: Int) throws -> [ReportData.Finding] {
        let rows = try connection.query(
            """
            SELECT f.finding_no, f.finding_key, f.category,
                   nullif(f.underlying_category, f.category) AS underlying_category, f.severity, f.invoicenumber,
                   f.proposalid, f.actualid::text AS actualid, f.transid, f.voucher, f.amount::text AS amount,
                   f.currency, f.detail, f.contract, f.customer_account, f.customer_name, f.project,
                   f.first_seen_run_id = f.run_id AS is_new,
                   f.age_days::text AS age_days, v.status, v.assignee, v.note, v.reviewed_by,
                   date_trunc('second', v.reviewed_at)::text AS reviewed_at
              FROM recon.finding f
              JOIN recon.finding_review v ON v.run_id = f.run_id AND v.finding_no = f.finding_no
             WHERE f.run_id = \(runID)
             ORDER BY f.customer_name NULLS LAST, f.customer_account NULLS LAST, f.contract NULLS LAST, f.finding_no
            """)
        return try rows.map { row in
            ReportData.Finding(
                findingNo: try row.decode("finding_no"), findingKey: try row.decode("finding_key"),
                category: try row.decode("category"), underlyingCategory: try row.decode("underlying_category"),
                severity: try row.decode("severity"),
                invoicenumber: try row.decode("invoicenumber"), proposalid: try row.decode("proposalid"),
                actualid: try row.decode("actualid"), transid: try row.decode("transid"),
                voucher: try row.decode("voucher"), amount: try row.decode("amount"),
                currency: try row.decode("currency"), detail: try row.decode("detail"),
                contract: try row.decode("contract"), customerAccount: try row.decode("customer_account"),
                customerName: try row.decode("customer_name"), project: try row.decode("project"),
                isNew: try row.decode("is_new"), ageDays: try row.decode("age_days"),
                review: ReportData.Review(
                    status: try row.decode("status"), assignee: try row.decode("assignee"),
                    note: try row.decode("note"), reviewedBy: try row.decode("reviewed_by"),
                    reviewedAt: try row.decode("reviewed_at")))
        }
    }
}
