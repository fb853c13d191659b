import Foundation
import Logging
import Testing
import TieoutDataverse
import TieoutFinance
import TieoutMaps
import TieoutPostgres
import TieoutSync
import TieoutTestSupport

/// A two-contract company for the process tests, built in SQL with fixed ids and exact prices:
/// - contract PC-TM (EUR, customer C-002 Fabrikam, tax group STD): a time-and-material line (time, expense)
///   on project PRJ-TM; cost 45.00 and bill rate 130.00 EUR per hour;
/// - contract PC-FP (USD, customer C-001 Contoso, tax group STD): a fixed-price line on project PRJ-FP with
///   milestones of 5000.00 (due 2026-10-10) and 3000.00 (due 2026-11-20); cost 50.00 USD per hour.
/// F&O: legal entity usmf in USD, EUR→USD 1.08 from 2026-10-01 and 1.095 from 2026-10-16, tax group STD of
/// 6.25% + 2%.
struct Company {
    static let tmContract = "PC-TM"
    static let fpContract = "PC-FP"
    static let role = "00000000-0000-0000-0000-00000000a001"
    static let resource = "00000000-0000-0000-0000-00000000a002"

    let connection: PostgresConnection
    let engine: SyncEngine
    var dataverse: ProjectOperations { ProjectOperations(connection: connection) }
    var finance: FinanceOperations { FinanceOperations(connection: connection) }

    /// Starts the sync engine (capture) on a migrated database, then builds the company and syncs it.
    init(connection: PostgresConnection) throws {
        self.connection = connection
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        engine = try SyncEngine(
            maps: MapSet.load(directory: packageRoot.appendingPathComponent("maps")),
            databases: SyncDatabases(single: connection), logger: logger)
        try connection.executeScript(Self.masterData)
        try sync()
        try finance.setAccountingCurrency(legalEntity: "usmf", currency: "USD")
        try finance.setExchangeRate(from: "EUR", to: "USD", startDate: PostgresDate("2026-10-01")!, rate: dec("1.08"))
        try finance.setExchangeRate(from: "EUR", to: "USD", startDate: PostgresDate("2026-10-16")!, rate: dec("1.095"))
        try finance.setTaxGroup(legalEntity: "usmf", group: "STD", codes: [("ST", dec("6.25")), ("CT", dec("2"))])
        _ = try connection.query("UPDATE fno.custtable SET taxgroup = 'STD'")
    }

    /// Applies every queued change and fails when a map reports a failed row.
    @discardableResult
    func sync() throws -> Int {
        let runs = try engine.drain()
        let failed = runs.filter { $0.counts.failed > 0 }.map(\.map)
        guard failed.isEmpty else {
            let errors = try connection.query("SELECT map || ': ' || message FROM sync.error WHERE status = 'open'")
            throw TestSetupError(
                "sync failed in \(failed): \(errors.map { (try? $0.decode(0, as: String.self)) ?? "" })")
        }
        return runs.reduce(0) { $0 + $1.changes }
    }

    /// Rows of a query, each row's columns joined with `|` (NULL as `∅`).
    func rows(_ sql: String) throws -> [String] {
        let result = try connection.query(PostgresQuery(unescaped: sql))
        return result.map { row in (0..<result.columns.count).map { row[$0] ?? "∅" }.joined(separator: "|") }
    }

    /// The single value of a query, as text.
    func value(_ sql: String) throws -> String {
        let all = try rows(sql)
        guard all.count == 1 else { throw TestSetupError("expected one row, got \(all.count): \(sql)") }
        return all[0]
    }

    /// The id of an invoice line detail picked by its invoice number, class and document date.
    func detail(_ invoice: String, class transactionClass: TransactionClass, date: String? = nil) throws -> UUID {
        let text = try value(
            """
            SELECT d.msdyn_invoicelinetransactionid FROM dataverse.msdyn_invoicelinetransaction d
            JOIN dataverse.invoice i ON i.invoiceid = d.msdyn_invoice
            WHERE i.invoicenumber = '\(invoice)' AND d.msdyn_transactionclassification = \(transactionClass.rawValue)
              \(date.map { "AND d.msdyn_documentdate = DATE '\($0)'" } ?? "")
            """)
        return UUID(uuidString: text)!
    }

    static let masterData = """
        INSERT INTO dataverse.pricelevel (pricelevelid, name, isocurrencycode, msdyn_module) VALUES
            ('00000000-0000-0000-0000-00000000b001', 'Cost USD', 'USD', 192350000),
            ('00000000-0000-0000-0000-00000000b002', 'Cost EUR', 'EUR', 192350000),
            ('00000000-0000-0000-0000-00000000b003', 'Bill USD', 'USD', 192350001),
            ('00000000-0000-0000-0000-00000000b004', 'Bill EUR', 'EUR', 192350001);
        INSERT INTO dataverse.msdyn_resourcecategorypricelevel (msdyn_pricelist, msdyn_resourcecategory, msdyn_price) VALUES
            ('00000000-0000-0000-0000-00000000b001', '\(role)', 50.00),
            ('00000000-0000-0000-0000-00000000b002', '\(role)', 45.00),
            ('00000000-0000-0000-0000-00000000b003', '\(role)', 150.00),
            ('00000000-0000-0000-0000-00000000b004', '\(role)', 130.00);
        INSERT INTO dataverse.bookableresource (bookableresourceid, name) VALUES ('\(resource)', 'Ada');
        INSERT INTO dataverse.account (accountid, name, accountnumber, isocurrencycode) VALUES
            ('00000000-0000-0000-0000-00000000c001', 'Contoso', 'C-001', 'USD'),
            ('00000000-0000-0000-0000-00000000c002', 'Fabrikam', 'C-002', 'EUR');
        INSERT INTO dataverse.salesorder (salesorderid, name, ordernumber, customerid, isocurrencycode, pricelevelid) VALUES
            ('00000000-0000-0000-0000-00000000d001', 'Fixed price', 'PC-FP', '00000000-0000-0000-0000-00000000c001', 'USD',
             '00000000-0000-0000-0000-00000000b003'),
            ('00000000-0000-0000-0000-00000000d002', 'Time and material', 'PC-TM', '00000000-0000-0000-0000-00000000c002',
             'EUR', '00000000-0000-0000-0000-00000000b004');
        INSERT INTO dataverse.msdyn_project (msdyn_projectid, msdyn_subject, msdyn_customer, msdyn_salesorderid,
                                             msdyn_projectnumber, isocurrencycode) VALUES
            ('00000000-0000-0000-0000-00000000e001', 'Fixed price project', '00000000-0000-0000-0000-00000000c001',
             '00000000-0000-0000-0000-00000000d001', 'PRJ-FP', 'USD'),
            ('00000000-0000-0000-0000-00000000e002', 'T&M project', '00000000-0000-0000-0000-00000000c002',
             '00000000-0000-0000-0000-00000000d002', 'PRJ-TM', 'EUR');
        INSERT INTO dataverse.salesorderdetail (salesorderdetailid, salesorderid, productdescription, lineitemnumber,
               msdyn_billingmethod, msdyn_project, msdyn_includetime, msdyn_includeexpense, isocurrencycode) VALUES
            ('00000000-0000-0000-0000-00000000f001', '00000000-0000-0000-0000-00000000d001', 'Milestones', 1, 192350001,
             '00000000-0000-0000-0000-00000000e001', false, false, 'USD'),
            ('00000000-0000-0000-0000-00000000f002', '00000000-0000-0000-0000-00000000d002', 'Consulting', 1, 192350000,
             '00000000-0000-0000-0000-00000000e002', true, true, 'EUR');
        INSERT INTO dataverse.msdyn_contractlinescheduleofvalue (msdyn_name, msdyn_contract, msdyn_contractlineid,
               msdyn_amount, msdyn_invoicedate, isocurrencycode) VALUES
            ('Design approved', '00000000-0000-0000-0000-00000000d001', '00000000-0000-0000-0000-00000000f001', 5000.00,
             DATE '2026-10-10', 'USD'),
            ('Go live', '00000000-0000-0000-0000-00000000d001', '00000000-0000-0000-0000-00000000f001', 3000.00,
             DATE '2026-11-20', 'USD');
        """

    /// Submitted entries: on PRJ-TM 8 h on 2026-10-05, 7.5 h on 2026-10-20 and an 86.40 EUR expense on
    /// 2026-10-07; on PRJ-FP 4 h on 2026-10-12.
    static let entries = """
        INSERT INTO dataverse.msdyn_timeentry (msdyn_description, msdyn_date, msdyn_duration, msdyn_type, msdyn_entrystatus,
               msdyn_project, msdyn_bookableresource, msdyn_resourcecategory) VALUES
            ('Workshop', DATE '2026-10-05', 480, 192350000, 192350003, '00000000-0000-0000-0000-00000000e002', '\(resource)', '\(role)'),
            ('Build', DATE '2026-10-20', 450, 192350000, 192350003, '00000000-0000-0000-0000-00000000e002', '\(resource)', '\(role)'),
            ('Design', DATE '2026-10-12', 240, 192350000, 192350003, '00000000-0000-0000-0000-00000000e001', '\(resource)', '\(role)');
        INSERT INTO dataverse.msdyn_expense (msdyn_name, msdyn_transactiondate, msdyn_expensestatus, msdyn_project,
               msdyn_bookableresource, msdyn_quantity, msdyn_price, msdyn_amount, isocurrencycode) VALUES
            ('Train', DATE '2026-10-07', 192350001, '00000000-0000-0000-0000-00000000e002', '\(resource)', 1, 86.40, 86.40, 'EUR');
        """
}

func dec(_ text: String) -> Decimal { Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))! }

extension Company {
    /// Expects the rows of a query (see ``rows(_:)``); a failure shows the rows found.
    func expectRows(
        _ sql: String, _ expected: [String], _ comment: Comment? = nil,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws {
        let found = try rows(sql)
        #expect(found == expected, comment, sourceLocation: sourceLocation)
    }

    /// Expects the single value of a query; a failure shows the value found.
    func expectValue(
        _ sql: String, _ expected: String, _ comment: Comment? = nil,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws {
        let found = try value(sql)
        #expect(found == expected, comment, sourceLocation: sourceLocation)
    }
}
