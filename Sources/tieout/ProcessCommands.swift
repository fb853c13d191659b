import ArgumentParser
import Foundation
import TieoutCluster
import TieoutDataverse
import TieoutFinance
import TieoutPostgres

/// Parses a YYYY-MM-DD date option: a day of the calendar (leap years included), before anything is written.
/// swift-argument-parser names the option and quotes the value in front of the reason.
func parseDate(_ text: String) throws -> PostgresDate {
    do {
        return try PostgresDate(postgresText: text)
    } catch {
        throw ValidationError(
            error.reason.hasPrefix("not a date in ISO form") ? "not a date (YYYY-MM-DD)" : error.reason)
    }
}

extension ConnectionOptions {
    /// One connection to the database the command works on.
    func open(_ label: String) throws -> PostgresConnection {
        try PostgresConnection(configuration: ConnectionTarget.resolve(db: db), logger: makeLogger(label))
    }
}

/// Parses an exact decimal given on the command line (never through a binary floating point). A number `Decimal`
/// cannot hold exactly (more than 38 significant digits) is refused rather than rounded.
func exactDecimal(_ text: String, option: String) throws -> Decimal {
    guard text.range(of: #"^-?[0-9]+(\.[0-9]+)?$"#, options: .regularExpression) != nil else {
        throw ValidationError("\(option) must be a decimal number like 12.50, not \(quoted(text))")
    }
    guard let value = try? Decimal(postgresText: text) else {
        throw ValidationError("\(option) \(quoted(text)) has more than 38 significant digits")
    }
    return value
}

// MARK: - Dataverse

struct DataverseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dv",
        abstract: "Run the Dataverse side's processes: approvals, billing backlog, proforma invoices.",
        subcommands: [Approve.self, Ready.self, Backlog.self, InvoiceCommand.self]
    )

    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve submitted time, expense and material entries and post draft project journals.",
            discussion:
                "Each entry gets a cost actual; on a time-and-material contract line also an unbilled sale, connected to its cost. Fixed-price lines get cost only."
        )
        @OptionGroup var connection: ConnectionOptions
        @Option(name: .long, help: "Only this project (project number).") var project: String?
        @Option(name: .long, help: "Only entries dated up to this day (YYYY-MM-DD).", transform: parseDate) var through:
            PostgresDate?

        func run() throws {
            try reportingErrors {
                let result = try ProjectOperations(connection: try connection.open("tieout.dv"))
                    .approve(project: project, through: through)
                print("\(result.entries) entries approved, \(result.actuals) actuals created")
            }
        }
    }

    struct Ready: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mark unbilled sales Ready to Invoice and due milestones Ready.",
            discussion: "Without options, everything unbilled is marked ready.")
        @OptionGroup var connection: ConnectionOptions
        @Option(name: .long, help: "Only this contract (contract number).") var contract: String?
        @Option(name: .long, help: "Only this project (project number).") var project: String?
        @Option(name: .long, help: "Transactions dated from this day (YYYY-MM-DD).", transform: parseDate) var from:
            PostgresDate?
        @Option(name: .long, help: "Transactions dated up to this day (YYYY-MM-DD).", transform: parseDate) var to:
            PostgresDate?

        func validate() throws {
            if let from, let to, from > to { throw ValidationError("--from \(from) is after --to \(to)") }
        }

        func run() throws {
            try reportingErrors {
                let result = try ProjectOperations(connection: try connection.open("tieout.dv"))
                    .markReady(contract: contract, project: project, from: from, to: to)
                print("\(result.actuals) actuals and \(result.milestones) milestones marked ready to invoice")
            }
        }
    }

    struct Backlog: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List what is ready to invoice, per contract line.")
        @OptionGroup var connection: ConnectionOptions
        @Option(name: .long, help: "Only this contract (contract number).") var contract: String?

        func run() throws {
            try reportingErrors {
                let lines = try ProjectOperations(connection: try connection.open("tieout.dv")).backlog(
                    contract: contract)
                var table = [["CONTRACT", "LINE", "CURRENCY", "ACTUALS", "AMOUNT", "MILESTONES", "AMOUNT"]]
                for line in lines {
                    table.append([
                        line.contract, line.contractLine, line.currency, String(line.actuals), line.actualsAmount,
                        String(line.milestones), line.milestonesAmount,
                    ])
                }
                printTable(table)
            }
        }
    }
}

struct InvoiceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invoice",
        abstract: "Create, review, confirm and revise proforma invoices.",
        subcommands: [Create.self, Show.self, EditDetail.self, DeleteDetail.self, Confirm.self, Revise.self]
    )

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create draft proforma invoices from what is ready to invoice.",
            discussion:
                "One invoice per contract (one line per contract line, one detail per ready actual or milestone). Contracts that already have a draft are skipped."
        )
        @OptionGroup var connection: ConnectionOptions
        @Option(name: .long, help: "Only this contract (contract number); default every contract.") var contract:
            String?
        @Option(name: .long, help: "Invoice date (YYYY-MM-DD); default today.", transform: parseDate) var date:
            PostgresDate?

        func run() throws {
            try reportingErrors {
                let numbers = try ProjectOperations(connection: try connection.open("tieout.dv"))
                    .createProformas(contract: contract, invoiceDate: date)
                print("\(numbers.count) draft invoices created" + (numbers.isEmpty ? "" : ": ") + summary(numbers))
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an invoice with its line details.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Invoice number.") var invoice: String

        func run() throws {
            try reportingErrors {
                let invoice = try ProjectOperations(connection: try connection.open("tieout.dv")).invoice(invoice)
                print(
                    "\(invoice.number)  contract \(invoice.contract)  \(invoice.status?.description ?? "?")  "
                        + "\(invoice.currency) \(invoice.amountBeforeTax) + tax \(invoice.tax) = \(invoice.total)"
                        + (invoice.customerInvoice.map { "  posted as \($0)" } ?? ""))
                var table = [["DETAIL", "LINE", "CLASS", "BILLING", "QUANTITY", "PRICE", "AMOUNT", "INVOICE AMOUNT"]]
                for detail in invoice.details {
                    table.append([
                        detail.id.uuidString.lowercased(), detail.contractLine ?? "-",
                        detail.transactionClass?.description ?? "?", detail.billingType?.name ?? "?",
                        detail.quantity, detail.price, detail.amount, detail.invoiceAmount,
                    ])
                }
                printTable(table)
            }
        }
    }

    struct EditDetail: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change an invoice line detail of a draft invoice.",
            discussion: "Confirmed invoices are read-only; the transaction class cannot be changed.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Invoice line detail id (see `tieout dv invoice show`).") var detail: String
        @Option(name: .long, help: "chargeable, non-chargeable or complimentary.") var billingType: String?
        @Option(name: .long, help: "New quantity (exact decimal).") var quantity: String?
        @Option(name: .long, help: "New unit price (exact decimal).") var price: String?

        func validate() throws {
            guard UUID(uuidString: detail) != nil else { throw ValidationError("\(quoted(detail)) is not a detail id") }
            guard billingType != nil || quantity != nil || price != nil else {
                throw ValidationError("give --billing-type, --quantity or --price")
            }
            if let billingType, BillingType(name: billingType).map({ $0 != .notAvailable }) != true {
                throw ValidationError(
                    "--billing-type must be chargeable, non-chargeable or complimentary, not \(quoted(billingType))")
            }
            _ = try quantity.map { try exactDecimal($0, option: "--quantity") }
            _ = try price.map { try exactDecimal($0, option: "--price") }
        }

        func run() throws {
            try reportingErrors {
                try ProjectOperations(connection: try connection.open("tieout.dv")).editDetail(
                    UUID(uuidString: detail)!, billingType: billingType.flatMap { BillingType(name: $0) },
                    quantity: try quantity.map { try exactDecimal($0, option: "--quantity") },
                    price: try price.map { try exactDecimal($0, option: "--price") })
                print("detail \(detail.lowercased()) changed")
            }
        }
    }

    struct DeleteDetail: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete an invoice line detail of a draft invoice; what it billed returns to the backlog.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Invoice line detail id (see `tieout dv invoice show`).") var detail: String

        func validate() throws {
            guard UUID(uuidString: detail) != nil else { throw ValidationError("\(quoted(detail)) is not a detail id") }
        }

        func run() throws {
            try reportingErrors {
                try ProjectOperations(connection: try connection.open("tieout.dv")).deleteDetail(
                    UUID(uuidString: detail)!)
                print("detail \(detail.lowercased()) deleted")
            }
        }
    }

    struct Confirm: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Confirm a draft invoice (or all with --all): billed sales, reversals, read-only from now on.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Invoice number.") var invoice: String?
        @Flag(name: .long, help: "Confirm every draft invoice.") var all = false

        func validate() throws {
            guard (invoice != nil) != all else { throw ValidationError("give an invoice number or --all") }
        }

        func run() throws {
            try reportingErrors {
                let result = try ProjectOperations(connection: try connection.open("tieout.dv")).confirm(
                    invoice: invoice)
                print(
                    "\(result.invoices) invoices confirmed: \(result.billedSales) billed sales, \(result.reversals) reversals"
                )
            }
        }
    }

    struct Revise: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a draft corrective invoice that credits a confirmed invoice.",
            discussion:
                "Every detail is copied with quantity 0 (credit all); raise the quantities you keep billed with `tieout dv invoice edit-detail`, then confirm it."
        )
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Invoice number of the confirmed invoice.") var invoice: String

        func run() throws {
            try reportingErrors {
                let number = try ProjectOperations(connection: try connection.open("tieout.dv")).revise(
                    invoice: invoice)
                print("corrective invoice \(number) created (draft) for \(invoice)")
            }
        }
    }
}

/// The first few numbers of a list, and how many more.
func summary(_ numbers: [String], limit: Int = 5) -> String {
    numbers.prefix(limit).joined(separator: ", ") + (numbers.count > limit ? " … (\(numbers.count - limit) more)" : "")
}

// MARK: - F&O

struct FinanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fno",
        abstract: "Run the F&O side's processes and keep its reference data.",
        subcommands: [
            Import.self, PostJournals.self, PostProposals.self, Ledger.self, Rate.self, TaxGroup.self,
            ProposalTaxGroup.self,
        ]
    )

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract:
                "Import from staging: journal lines from cost and unbilled sales, proposal lines from billed sales.",
            discussion:
                "Rows that cannot be imported yet stay in staging with the reason in fno.projcdsactualsimport.importmessage. Safe to run concurrently."
        )
        @OptionGroup var connection: ConnectionOptions

        func run() throws {
            try reportingErrors {
                let result = try FinanceOperations(connection: try connection.open("tieout.fno")).importFromStaging()
                print(
                    "\(result.journalLines) journal lines, \(result.proposalLines) proposal lines on \(result.proposals) proposals, \(result.waiting) staging rows waiting"
                )
            }
        }
    }

    struct PostJournals: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Post draft integration journals: project transactions, ledger vouchers, write-back.")
        @OptionGroup var connection: ConnectionOptions
        @Option(name: .long, help: "Only this journal id; default every draft journal.") var journal: String?

        func run() throws {
            try reportingErrors {
                let result = try FinanceOperations(connection: try connection.open("tieout.fno")).postJournals(
                    journal: journal)
                print("\(result.journals) journals posted, \(result.lines) lines")
            }
        }
    }

    struct PostProposals: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Post invoice proposals: posted invoice, customer transaction, voucher, write-back.",
            discussion: "A proposal without lines is refused; with no --proposal, such proposals are skipped.")
        @OptionGroup var connection: ConnectionOptions
        @Option(name: .long, help: "Only this proposal id (= the proforma invoice number).") var proposal: String?

        func run() throws {
            try reportingErrors {
                let result = try FinanceOperations(connection: try connection.open("tieout.fno")).postProposals(
                    proposal: proposal)
                print(
                    "\(result.proposals) proposals posted with \(result.lines) lines, \(result.skipped) skipped without lines"
                )
            }
        }
    }

    struct Ledger: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the accounting currency of a legal entity.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Legal entity (dataareaid), e.g. usmf.") var legalEntity: String
        @Argument(help: "ISO 4217 currency code.") var currency: String

        func run() throws {
            try reportingErrors {
                try FinanceOperations(connection: try connection.open("tieout.fno")).setAccountingCurrency(
                    legalEntity: legalEntity, currency: currency)
                print("\(legalEntity) accounts in \(currency)")
            }
        }
    }

    struct Rate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set an exchange rate from a date on (units of TO per unit of FROM).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "From currency.") var from: String
        @Argument(help: "To currency (the accounting currency).") var to: String
        @Argument(help: "First day the rate applies (YYYY-MM-DD).", transform: parseDate) var startDate: PostgresDate
        @Argument(help: "The rate (exact decimal).") var rate: String

        func validate() throws { _ = try exactDecimal(rate, option: "the rate") }

        func run() throws {
            try reportingErrors {
                try FinanceOperations(connection: try connection.open("tieout.fno")).setExchangeRate(
                    from: from, to: to, startDate: startDate, rate: try exactDecimal(rate, option: "the rate"))
                print("1 \(from) = \(rate) \(to) from \(startDate)")
            }
        }
    }

    struct TaxGroup: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tax-group", abstract: "Define a sales tax group from its tax codes.")
        @OptionGroup var connection: ConnectionOptions
        @Option(name: .long, help: "Legal entity (dataareaid).") var legalEntity = "usmf"
        @Argument(help: "Tax group.") var group: String
        @Option(name: .long, help: "A tax code and its rate in percent, CODE:PERCENT (repeatable).") var code:
            [String] = []

        func parsedCodes() throws -> [(code: String, percent: Decimal)] {
            try code.map { item in
                let parts = item.split(separator: ":", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty else {
                    throw ValidationError("--code must be CODE:PERCENT, e.g. ST:6.25, not \(quoted(item))")
                }
                return (parts[0], try exactDecimal(parts[1], option: "the rate of \(parts[0])"))
            }
        }

        func validate() throws {
            guard !code.isEmpty else { throw ValidationError("give at least one --code CODE:PERCENT") }
            _ = try parsedCodes()
        }

        func run() throws {
            try reportingErrors {
                let codes = try parsedCodes()
                try FinanceOperations(connection: try connection.open("tieout.fno")).setTaxGroup(
                    legalEntity: legalEntity, group: group, codes: codes)
                print("tax group \(group): " + codes.map { "\($0.code) \($0.percent)%" }.joined(separator: ", "))
            }
        }
    }

    struct ProposalTaxGroup: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "proposal-tax-group", abstract: "Change the sales tax group of an open invoice proposal.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Proposal id.") var proposal: String
        @Argument(help: "Tax group.") var group: String

        func run() throws {
            try reportingErrors {
                try FinanceOperations(connection: try connection.open("tieout.fno")).setProposalTaxGroup(
                    proposal: proposal, group: group)
                print("invoice proposal \(proposal) now uses tax group \(group)")
            }
        }
    }
}
