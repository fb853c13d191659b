import Foundation
public import Logging
import TieoutDataverse
import TieoutFinance
public import TieoutPostgres
public import TieoutSync

/// Builds a realistic, deterministic company by running the business processes and the sync
/// (`tieout seed`): reference data in F&O, master data in Dataverse, a month of submitted entries that
/// are then approved, with every change carried to F&O by the sync engine.
public struct Seed {
    /// What to build.
    public struct Options: Sendable {
        /// Multiplies every count (20 customers, 60 contracts, projects and resources at scale 1).
        public var scale: Int
        /// Same seed, scale and month: same company.
        public var seed: Int
        /// First day of the month of entries.
        public var month: PostgresDate
        /// The legal entity the maps write (`dataareaid`).
        public var legalEntity = "usmf"

        public init(scale: Int = 1, seed: Int = 1, month: PostgresDate) {
            self.scale = scale
            self.seed = seed
            self.month = PostgresDate(year: month.year, month: month.month, day: 1)
        }
    }

    /// What the seed built.
    public struct Report: Sendable, Equatable {
        public var customers = 0
        public var contracts = 0
        public var entries = 0
        public var actuals = 0
        /// Changes the sync engine applied.
        public var changes = 0
    }

    let engine: SyncEngine
    let logger: Logger

    /// `engine` must have been started on the databases to seed (it installs the change capture, so
    /// everything the seed writes reaches F&O).
    public init(engine: SyncEngine, logger: Logger) {
        self.engine = engine
        self.logger = logger
    }

    /// Whether the databases already hold a company (accounts in Dataverse or customers in F&O).
    public func isSeeded() throws -> Bool { try occupiedTable() != nil }

    /// The first table that shows a company is already there, if any.
    private func occupiedTable() throws -> String? {
        if try engine.databases.dataverse.query("SELECT EXISTS (SELECT FROM dataverse.account)").scalar(Bool.self) {
            return "dataverse.account"
        }
        if try engine.databases.fno.query("SELECT EXISTS (SELECT FROM fno.custtable)").scalar(Bool.self) {
            return "fno.custtable"
        }
        return nil
    }

    public func run(_ options: Options) throws -> Report {
        guard options.scale >= 1 else { throw RequestError("--scale must be at least 1, not \(options.scale)") }
        let dataverse = engine.databases.dataverse
        let fno = engine.databases.fno
        if let table = try occupiedTable() {
            throw RequestError(
                "the database already holds a company (\(table) is not empty); seed a new database after tieout migrate"
            )
        }
        var report = Report()
        try referenceData(options, on: fno)
        logger.info("seed: reference data", metadata: ["legalEntity": "\(options.legalEntity)"])

        // Master data, then the sync, so contracts and projects exist in F&O before their actuals.
        try dataverse.withTransaction { connection in
            // A seed earlier in this session leaves nothing behind, but be sure; quietly.
            try connection.executeScript(
                "SET LOCAL client_min_messages = warning; DROP TABLE IF EXISTS pg_temp.seed_params, pg_temp.seed_contract, pg_temp.seed_day, pg_temp.seed_resource"
            )
            _ = try connection.query(
                """
                CREATE TEMP TABLE seed_params AS
                SELECT CAST(\(options.seed) AS bigint) AS seed, CAST(\(options.scale) AS integer) AS scale,
                       CAST(\(options.month) AS date) AS month
                """)
            try connection.executeScript(
                "DROP FUNCTION IF EXISTS pg_temp.seed_uuid(text, bigint), pg_temp.seed_fraction(text, bigint);"
                    + CompanyScript.functions)
            try connection.executeScript(CompanyScript.masterData)
        }
        report.changes += try drain()
        try customerTaxGroups(options, on: fno)

        try dataverse.withTransaction { connection in try connection.executeScript(CompanyScript.entries) }
        let lastDay: PostgresDate = try dataverse.query(
            "SELECT (CAST(\(options.month) AS date) + interval '1 month' - interval '1 day')::date"
        ).scalar()
        let approval = try ProjectOperations(connection: dataverse).approve(through: lastDay)
        logger.info("seed: approved", metadata: ["entries": "\(approval.entries)", "actuals": "\(approval.actuals)"])
        report.changes += try drain()

        try dataverse.executeScript(
            "DROP TABLE pg_temp.seed_params, pg_temp.seed_contract, pg_temp.seed_day, pg_temp.seed_resource")
        report.customers = try dataverse.query("SELECT count(*) FROM dataverse.account").scalar()
        report.contracts = try dataverse.query("SELECT count(*) FROM dataverse.salesorder").scalar()
        report.entries = approval.entries
        report.actuals = approval.actuals
        return report
    }

    private func drain() throws -> Int {
        try engine.drain().reduce(0) { $0 + $1.changes }
    }

    /// Accounting currency USD, EUR rates that change twice in the month, and two tax groups.
    private func referenceData(_ options: Options, on fno: PostgresConnection) throws {
        let finance = FinanceOperations(connection: fno)
        do {
            try finance.setAccountingCurrency(legalEntity: options.legalEntity, currency: "USD")
            let month = options.month
            let next =
                month.month == 12
                ? PostgresDate(year: month.year + 1, month: 1, day: 1)
                : PostgresDate(year: month.year, month: month.month + 1, day: 1)
            try finance.setExchangeRate(from: "EUR", to: "USD", startDate: month, rate: exact("1.08"))
            try finance.setExchangeRate(
                from: "EUR", to: "USD", startDate: PostgresDate(year: month.year, month: month.month, day: 16),
                rate: exact("1.095"))
            try finance.setExchangeRate(from: "EUR", to: "USD", startDate: next, rate: exact("1.1025"))
            try finance.setTaxGroup(
                legalEntity: options.legalEntity, group: "STD", codes: [("ST", exact("6.25")), ("CT", exact("2"))])
            try finance.setTaxGroup(legalEntity: options.legalEntity, group: "EXEMPT", codes: [("EX", exact("0"))])
        }
    }

    /// The AR setup in F&O: every fifth customer is tax exempt, the others pay the standard rate.
    private func customerTaxGroups(_ options: Options, on fno: PostgresConnection) throws {
        _ = try fno.query(
            """
            UPDATE fno.custtable
               SET taxgroup = CASE WHEN substr(accountnum, 3)::integer % 5 = 0 THEN 'EXEMPT' ELSE 'STD' END,
                   modifieddatetime = now()
             WHERE dataareaid = \(options.legalEntity) AND taxgroup IS NULL AND accountnum ~ '^C-[0-9]+$'
            """)
    }
}

/// A decimal from its text, exactly (a Swift float literal would go through `Double`).
private func exact(_ text: String) -> Decimal {
    Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))!
}
