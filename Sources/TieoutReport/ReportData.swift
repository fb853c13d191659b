public import TieoutRecon

/// Everything the HTML report of one reconciliation run shows, loaded by ``ReportLoader`` and drawn by
/// ``HTMLReport/render(_:)``. Plain values, no database types: the renderer is a pure function of this.
///
/// Amounts are exact decimal text as PostgreSQL prints `numeric` (`1234567.89`, `0.10`); they are never held as
/// binary floating point.
public struct ReportData: Sendable, Equatable {
    /// The run the report is about (`recon.run`), as the reconciliation reads it.
    public typealias Run = Reconciliation.Run

    /// A sum of money in one currency, as exact decimal text.
    public typealias Money = Reconciliation.Money

    /// The money at stake of one category in one currency (a bar of the category chart).
    public typealias CategoryMoney = Reconciliation.CategoryMoney

    /// The findings whose age (`age_days`) falls in one bucket: 0-1, 1-3, 3-7, 7-30, 30+ days.
    public struct AgingBucket: Sendable, Equatable {
        public var bucket: String
        public var findings: Int
        public var errors: Int
        /// Money at stake per currency, in currency order.
        public var money: [Money]
        public init(bucket: String, findings: Int, errors: Int = 0, money: [Money] = []) {
            self.bucket = bucket
            self.findings = findings
            self.errors = errors
            self.money = money
        }
    }

    /// One run of the trend: its counts and money at stake per currency.
    public struct TrendPoint: Sendable, Equatable {
        public var runID: Int
        /// The as-of, short (`2026-12-02 16:44`), for axis labels.
        public var label: String
        public var errors: Int
        public var warnings: Int
        public var money: [Money]
        public init(runID: Int, label: String, errors: Int, warnings: Int, money: [Money] = []) {
            self.runID = runID
            self.label = label
            self.errors = errors
            self.warnings = warnings
            self.money = money
        }
    }

    /// One step of the invoice pipeline and the proformas that reached it.
    public struct PipelineStep: Sendable, Equatable {
        public var step: String
        public var invoices: Int
        public init(step: String, invoices: Int) {
            self.step = step
            self.invoices = invoices
        }
    }

    /// The sign-off of a run (`recon.signoff`).
    public typealias Signoff = FindingReview.SignOff

    /// Where the review of a finding stands (`recon.finding_review`).
    public struct Review: Sendable, Equatable {
        /// open, investigating, explained, fixed-awaiting-sync or false-positive.
        public var status: String
        public var assignee: String?
        public var note: String?
        public var reviewedBy: String?
        public var reviewedAt: String?
        public init(
            status: String = "open", assignee: String? = nil, note: String? = nil, reviewedBy: String? = nil,
            reviewedAt: String? = nil
        ) {
            self.status = status
            self.assignee = assignee
            self.note = note
            self.reviewedBy = reviewedBy
            self.reviewedAt = reviewedAt
        }
    }

    /// One finding of the run (`recon.finding`) with its review.
    public struct Finding: Sendable, Equatable {
        public var findingNo: Int
        public var findingKey: String
        public var category: String
        /// What an `IN_FLIGHT` finding will be reported as once older than the grace window; nil otherwise.
        public var underlyingCategory: String?
        public var severity: String
        public var invoicenumber: String?
        public var proposalid: String?
        public var actualid: String?
        public var transid: String?
        public var voucher: String?
        public var amount: String?
        public var currency: String?
        public var detail: String?
        public var contract: String?
        public var customerAccount: String?
        public var customerName: String?
        public var project: String?
        /// Whether this run is the first to report it.
        public var isNew: Bool
        public var ageDays: String
        public var review: Review

        public init(
            findingNo: Int, findingKey: String, category: String, underlyingCategory: String? = nil, severity: String,
            invoicenumber: String? = nil,
            proposalid: String? = nil, actualid: String? = nil, transid: String? = nil, voucher: String? = nil,
            amount: String? = nil, currency: String? = nil, detail: String? = nil, contract: String? = nil,
            customerAccount: String? = nil, customerName: String? = nil, project: String? = nil, isNew: Bool = true,
            ageDays: String = "0.00", review: Review = Review()
        ) {
            self.findingNo = findingNo
            self.findingKey = findingKey
            self.category = category
            self.underlyingCategory = underlyingCategory
            self.severity = severity
            self.invoicenumber = invoicenumber
            self.proposalid = proposalid
            self.actualid = actualid
            self.transid = transid
            self.voucher = voucher
            self.amount = amount
            self.currency = currency
            self.detail = detail
            self.contract = contract
            self.customerAccount = customerAccount
            self.customerName = customerName
            self.project = project
            self.isNew = isNew
            self.ageDays = ageDays
            self.review = review
        }
    }

    public var run: Run
    /// When the report was made (the database server's clock), as PostgreSQL prints it.
    public var generatedAt: String
    /// Money at stake per currency (sum of the findings' amount), in currency order.
    public var money: [Money]
    /// Money at stake per category and currency, categories with money only.
    public var categories: [CategoryMoney]
    /// The five age buckets in order, empty ones included.
    public var aging: [AgingBucket]
    /// The run and up to 29 earlier runs of its scope, oldest first.
    public var trend: [TrendPoint]
    /// confirmed, proposal, lines, posted, written back: live, not of the run.
    public var pipeline: [PipelineStep]
    /// The run's sign-off; nil when not signed off.
    public var signoff: Signoff?
    /// The findings ordered by customer, contract and finding number.
    public var findings: [Finding]
    /// The review statuses in the order of work (`recon.review_statuses()`), each counted in the page even when no
    /// finding has it.
    public var reviewStatuses: [String]

    public init(
        run: Run, generatedAt: String, money: [Money] = [], categories: [CategoryMoney] = [],
        aging: [AgingBucket] = [], trend: [TrendPoint] = [], pipeline: [PipelineStep] = [], signoff: Signoff? = nil,
        findings: [Finding] = [], reviewStatuses: [String] = []
    ) {
        self.run = run
        self.generatedAt = generatedAt
        self.money = money
        self.categories = categories
        self.aging = aging
        self.trend = trend
        self.pipeline = pipeline
        self.signoff = signoff
        self.reviewStatuses = reviewStatuses
        self.findings = findings
    }
}
