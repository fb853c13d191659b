public import Foundation

/// Dataverse billing types (`msdyn_billingtype`).
public enum BillingType: Int, Sendable, CaseIterable, CustomStringConvertible {
    case nonChargeable = 192_350_000
    case chargeable = 192_350_001
    case complimentary = 192_350_002
    case notAvailable = 192_350_003

    /// The name users type on the command line: `chargeable`, `non-chargeable`, `complimentary`.
    public var name: String {
        switch self {
        case .nonChargeable: "non-chargeable"
        case .chargeable: "chargeable"
        case .complimentary: "complimentary"
        case .notAvailable: "not-available"
        }
    }

    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = match
    }

    public var description: String { name }
}

/// Dataverse transaction classes (`msdyn_transactionclassification`).
public enum TransactionClass: Int, Sendable, CaseIterable, CustomStringConvertible {
    case time = 192_350_000
    case expense = 192_350_001
    case material = 192_350_002
    case milestone = 192_350_003
    case fee = 192_350_004
    case tax = 690_970_002

    public var description: String {
        switch self {
        case .time: "time"
        case .expense: "expense"
        case .material: "material"
        case .milestone: "milestone"
        case .fee: "fee"
        case .tax: "tax"
        }
    }
}

/// Proforma invoice statuses (`msdyn_projectinvoicestatus`).
public enum InvoiceStatus: Int, Sendable, CaseIterable, CustomStringConvertible {
    case draft = 192_350_000
    case inReview = 192_350_001
    case confirmed = 192_350_002
    case paid = 192_350_003
    case posted = 192_350_004

    public var description: String {
        switch self {
        case .draft: "Draft"
        case .inReview: "In Review"
        case .confirmed: "Confirmed"
        case .paid: "Invoice Paid"
        case .posted: "Posted"
        }
    }
}

/// A proforma invoice as `tieout dv invoice show` prints it. Amounts are exact, as PostgreSQL prints them.
public struct Invoice: Sendable {
    public var number: String
    public var contract: String
    public var currency: String
    public var status: InvoiceStatus?
    public var amountBeforeTax: String
    public var tax: String
    public var total: String
    /// The posted F&O invoice, once the write-back has run.
    public var customerInvoice: String?
    public var details: [Detail]

    /// An invoice line detail (ILD).
    public struct Detail: Sendable {
        public var id: UUID
        public var contractLine: String?
        public var transactionClass: TransactionClass?
        public var billingType: BillingType?
        public var quantity: String
        public var price: String
        public var amount: String
        /// What this invoice bills for the detail: the amount, or on a correction the change against the
        /// original.
        public var invoiceAmount: String
        public var isCorrection: Bool
    }
}
