public import Foundation
public import TieoutPostgres

/// The Dataverse side of the invoice flow (docs/processes.md, "Dataverse side"): approving entries,
/// the billing backlog, proforma invoices and their corrections.
///
/// Each method is one transaction around one set-based function of schema `process`; a broken rule comes
/// back as a ``PostgresError`` with SQLSTATE `P0001` whose message names the record and the rule. Records
/// are named the way users know them: contracts by number, projects by project number, invoices by invoice
/// number; invoice line details by id (they have no number).
public struct ProjectOperations {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// What approving did.
    public struct Approval: Sendable, Equatable {
        /// Entries approved and journal lines posted.
        public var entries: Int
        /// Actuals created (cost and unbilled sales).
        public var actuals: Int

        public init(entries: Int, actuals: Int) {
            self.entries = entries
            self.actuals = actuals
        }
    }

    /// Approves every submitted time entry, expense and material usage and posts every draft project
    /// journal, optionally of one project (by project number) and up to a date.
    public func approve(project: String? = nil, through: PostgresDate? = nil) throws -> Approval {
        let approval = try connection.withTransaction { connection in
            let projectID = try project.map { try resolveProject($0, on: connection) }
            let row = try connection.query(
                "SELECT entries, actuals FROM process.dv_approve(CAST(\(projectID) AS uuid), CAST(\(through) AS date))"
            ).first!
            return Approval(entries: try row.decode(0), actuals: try row.decode(1))
        }
        try connection.analyze(
            ["dataverse.msdyn_actual", "dataverse.msdyn_transactionconnection"], afterChanging: approval.actuals)
        return approval
    }

    /// What marking ready did.
    public struct Readiness: Sendable, Equatable {
        public var actuals: Int
        public var milestones: Int

        public init(actuals: Int, milestones: Int) {
            self.actuals = actuals
            self.milestones = milestones
        }
    }

    /// Marks unbilled sales Ready to Invoice and due milestones Ready, by contract number, project number
    /// and/or a date range (all optional: nothing given marks everything).
    public func markReady(
        contract: String? = nil, project: String? = nil, from: PostgresDate? = nil, to: PostgresDate? = nil
    ) throws -> Readiness {
        let readiness = try connection.withTransaction { connection in
            let contractID = try contract.map { try resolveContract($0, on: connection) }
            let projectID = try project.map { try resolveProject($0, on: connection) }
            let row = try connection.query(
                """
                SELECT actuals, milestones FROM process.dv_mark_ready(CAST(\(contractID) AS uuid),
                    CAST(\(projectID) AS uuid), CAST(\(from) AS date), CAST(\(to) AS date))
                """
            ).first!
            return Readiness(actuals: try row.decode(0), milestones: try row.decode(1))
        }
        try connection.analyze(["dataverse.msdyn_actual"], afterChanging: readiness.actuals)
        return readiness
    }

    /// One line of the billing backlog: what is ready to invoice on a contract line.
    public struct BacklogLine: Sendable, Equatable {
        public var contract: String
        public var contractLine: String
        public var currency: String
        public var actuals: Int
        /// Exact amount, as PostgreSQL prints it.
        public var actualsAmount: String
        public var milestones: Int
        public var milestonesAmount: String

        public init(
            contract: String, contractLine: String, currency: String, actuals: Int, actualsAmount: String,
            milestones: Int, milestonesAmount: String
        ) {
            self.contract = contract
            self.contractLine = contractLine
            self.currency = currency
            self.actuals = actuals
            self.actualsAmount = actualsAmount
            self.milestones = milestones
            self.milestonesAmount = milestonesAmount
        }
    }

    /// The billing backlog, optionally of one contract.
    public func backlog(contract: String? = nil) throws -> [BacklogLine] {
        try connection.withTransaction(isolation: .repeatableRead, readOnly: true) { connection in
            let contractID = try contract.map { try resolveContract($0, on: connection) }
            return try connection.query(
                """
                SELECT ordernumber, contractline, isocurrencycode, ready_actuals, ready_actuals_amount::text,
                       ready_milestones, ready_milestones_amount::text
                FROM process.billing_backlog
                WHERE CAST(\(contractID) AS uuid) IS NULL OR salesorderid = CAST(\(contractID) AS uuid)
                ORDER BY ordernumber, contractline
                """
            ).map { row in
                BacklogLine(
                    contract: try row.decode(0), contractLine: try row.decode(1), currency: try row.decode(2),
                    actuals: try row.decode(3), actualsAmount: try row.decode(4), milestones: try row.decode(5),
                    milestonesAmount: try row.decode(6))
            }
        }
    }

    /// Creates draft proforma invoices for one contract (by number) or for every contract with something
    /// ready, and returns their numbers.
    public func createProformas(contract: String? = nil, invoiceDate: PostgresDate? = nil) throws -> [String] {
        let numbers: [String] = try connection.withTransaction { connection in
            let contractID = try contract.map { try resolveContract($0, on: connection) }
            return try connection.query(
                """
                SELECT invoicenumber FROM process.dv_create_proformas(CAST(\(contractID) AS uuid),
                    COALESCE(CAST(\(invoiceDate) AS date), current_date))
                ORDER BY invoicenumber
                """
            ).map { try $0.decode(0) }
        }
        try connection.analyze(
            [
                "dataverse.invoice", "dataverse.invoicedetail", "dataverse.msdyn_invoicelinetransaction",
                "dataverse.msdyn_actual", "dataverse.msdyn_transactionconnection",
            ], afterChanging: numbers.count * 20)
        return numbers
    }

    /// Changes an invoice line detail of a draft invoice: billing type, quantity and/or price.
    public func editDetail(
        _ id: UUID, billingType: BillingType? = nil, quantity: Decimal? = nil, price: Decimal? = nil
    ) throws {
        try connection.withTransaction { connection in
            _ = try connection.query(
                """
                SELECT process.dv_edit_invoice_detail(\(id), CAST(\(billingType?.rawValue) AS integer),
                    CAST(\(quantity) AS numeric), CAST(\(price) AS numeric))
                """)
        }
    }

    /// Deletes an invoice line detail of a draft invoice; what it billed goes back to the backlog.
    public func deleteDetail(_ id: UUID) throws {
        try connection.withTransaction { connection in
            _ = try connection.query("SELECT process.dv_delete_invoice_detail(\(id))")
        }
    }

    /// What confirming did.
    public struct Confirmation: Sendable, Equatable {
        public var invoices: Int
        public var billedSales: Int
        public var reversals: Int

        public init(invoices: Int, billedSales: Int, reversals: Int) {
            self.invoices = invoices
            self.billedSales = billedSales
            self.reversals = reversals
        }
    }

    /// Confirms one draft invoice (by number), or every draft invoice when `invoice` is nil.
    public func confirm(invoice: String? = nil) throws -> Confirmation {
        let confirmation = try connection.withTransaction { connection in
            let invoiceID = try invoice.map { try resolveInvoice($0, on: connection) }
            let row = try connection.query(
                "SELECT invoices, billed_sales, reversals FROM process.dv_confirm(CAST(\(invoiceID) AS uuid))"
            ).first!
            return Confirmation(
                invoices: try row.decode(0), billedSales: try row.decode(1), reversals: try row.decode(2))
        }
        try connection.analyze(
            ["dataverse.msdyn_actual", "dataverse.msdyn_transactionconnection", "dataverse.invoice"],
            afterChanging: confirmation.billedSales + confirmation.reversals)
        return confirmation
    }

    /// Revises a confirmed invoice: creates a draft corrective invoice that credits everything, and
    /// returns its number.
    public func revise(invoice: String) throws -> String {
        try connection.withTransaction { connection in
            let invoiceID = try resolveInvoice(invoice, on: connection)
            // Two statements: the outer query of the call would not see the rows the function inserts.
            let correction: UUID = try connection.query("SELECT process.dv_revise(\(invoiceID))").scalar()
            return try connection.query("SELECT invoicenumber FROM dataverse.invoice WHERE invoiceid = \(correction)")
                .scalar()
        }
    }

    /// An invoice with its lines and line details, for display.
    public func invoice(_ number: String) throws -> Invoice {
        try connection.withTransaction(isolation: .repeatableRead, readOnly: true) { connection in
            let invoiceID = try resolveInvoice(number, on: connection)
            let header = try connection.query(
                """
                SELECT i.invoicenumber, s.ordernumber, i.isocurrencycode, i.msdyn_projectinvoicestatus,
                       i.totallineitemamount::text, i.totaltax::text, i.totalamount::text,
                       i.msdyn_customerinvoicenumber
                FROM dataverse.invoice i JOIN dataverse.salesorder s USING (salesorderid)
                WHERE i.invoiceid = \(invoiceID)
                """
            ).first!
            let details = try connection.query(
                """
                SELECT d.msdyn_invoicelinetransactionid, sd.productdescription, d.msdyn_transactionclassification,
                       d.msdyn_billingtype, d.msdyn_quantity::text, d.msdyn_price::text, d.msdyn_amount::text,
                       COALESCE(d.msdyn_invoiceamount, d.msdyn_amount)::text, d.msdyn_correction
                FROM dataverse.msdyn_invoicelinetransaction d
                JOIN dataverse.invoicedetail l ON l.invoicedetailid = d.msdyn_invoicelineid
                LEFT JOIN dataverse.salesorderdetail sd ON sd.salesorderdetailid = l.salesorderdetailid
                WHERE d.msdyn_invoice = \(invoiceID)
                ORDER BY l.lineitemnumber NULLS LAST, sd.productdescription, d.msdyn_documentdate,
                         d.msdyn_invoicelinetransactionid
                """
            ).map { row in
                Invoice.Detail(
                    id: try row.decode(0), contractLine: try row.decode(1),
                    transactionClass: TransactionClass(rawValue: try row.decode(2)),
                    billingType: BillingType(rawValue: try row.decode(3)), quantity: try row.decode(4),
                    price: try row.decode(5), amount: try row.decode(6), invoiceAmount: try row.decode(7),
                    isCorrection: try row.decode(8))
            }
            return Invoice(
                number: try header.decode(0), contract: try header.decode(1), currency: try header.decode(2),
                status: InvoiceStatus(rawValue: try header.decode(3)), amountBeforeTax: try header.decode(4),
                tax: try header.decode(5), total: try header.decode(6), customerInvoice: try header.decode(7),
                details: details)
        }
    }
}

// MARK: - Names users type

func resolveContract(_ number: String, on connection: PostgresConnection) throws -> UUID {
    try resolve(
        "SELECT salesorderid FROM dataverse.salesorder WHERE ordernumber = \(number)", on: connection,
        missing: "no project contract with number '\(number)'")
}

func resolveProject(_ number: String, on connection: PostgresConnection) throws -> UUID {
    try resolve(
        "SELECT msdyn_projectid FROM dataverse.msdyn_project WHERE msdyn_projectnumber = \(number)", on: connection,
        missing: "no project with project number '\(number)'")
}

func resolveInvoice(_ number: String, on connection: PostgresConnection) throws -> UUID {
    try resolve(
        "SELECT invoiceid FROM dataverse.invoice WHERE invoicenumber = \(number)", on: connection,
        missing: "no proforma invoice with number '\(number)'")
}

private func resolve(_ query: PostgresQuery, on connection: PostgresConnection, missing: String) throws -> UUID {
    guard let row = try connection.query(query).first else { throw RequestError(missing) }
    return try row.decode(0)
}
