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

    /// The largest scale: 60 contracts per unit must fit the six-digit contract numbers (PC-000001 to PC-999999).
    public static let maximumScale = 16_666

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

    /// Whether the databases hold a company an earlier seed with these options began and did not finish, which
    /// ``run(_:progress:)`` continues.
    public func isUnfinished(_ options: Options) throws -> Bool { (try completedSteps(options) ?? 0) > 0 }

    /// The steps of a seed, in order; each commits before the next starts.
    public static let stepNames = [
        "reference data", "master data", "sync", "customer tax groups", "entries", "approval", "sync",
    ]

    /// How far an earlier seed with the same options got: the number of steps to skip (0 for an empty database), or
    /// nil when the database holds a company this seed did not build or one it built completely.
    private func completedSteps(_ options: Options) throws -> Int? {
        let dataverse = engine.databases.dataverse
        guard try occupiedTable() != nil else { return 0 }
        // The same seed, scale and month: the first customer's id, the number of customers, the projects' month.
        let same: Bool = try dataverse.query(
            """
            SELECT count(*) = 20 * CAST(\(options.scale) AS bigint)
                   AND bool_or(accountid = md5(CAST(\(options.seed) AS bigint)::text || ':customer:1')::uuid)
                   AND NOT EXISTS (SELECT FROM dataverse.msdyn_project
                                    WHERE msdyn_scheduledstart IS DISTINCT FROM CAST(\(options.month) AS date))
              FROM dataverse.account
            """
        ).scalar()
        guard same else { return nil }
        guard try dataverse.query("SELECT EXISTS (SELECT FROM dataverse.msdyn_timeentry)").scalar(Bool.self) else {
            return 2  // master data committed; its sync and what follows may not have run
        }
        let pending: Bool = try dataverse.query(
            """
            SELECT EXISTS (SELECT FROM dataverse.msdyn_timeentry WHERE msdyn_entrystatus = 192350003)
                OR EXISTS (SELECT FROM dataverse.msdyn_expense WHERE msdyn_expensestatus = 192350001)
                OR EXISTS (SELECT FROM dataverse.msdyn_materialusagelog WHERE msdyn_status = 192350003)
                OR EXISTS (SELECT FROM dataverse.msdyn_journal WHERE statecode = 0)
            """
        ).scalar()
        return pending ? 5 : nil  // entries committed, approval not (or not all)
    }

    /// Builds the company. Each step commits on its own; `progress` sees each step's number once it has. A seed that
    /// failed halfway is continued by running it again with the same options: the steps it completed are skipped
    /// (reference data, the syncs, the tax groups and the approval are safe to repeat).
    public func run(_ options: Options, progress: (Int) -> Void = { _ in }) throws -> Report {
        guard (1...Self.maximumScale).contains(options.scale) else {
            throw RequestError("--scale must be from 1 to \(Self.maximumScale), not \(options.scale)")
        }
        let dataverse = engine.databases.dataverse
        let fno = engine.databases.fno
        guard let skip = try completedSteps(options) else {
            let table = try occupiedTable() ?? "dataverse.account"
            throw RequestError(
                "the database already holds a company (\(table) is not empty); seed a new database after tieout migrate"
            )
        }
        if skip > 0 {
            logger.notice("seed: continuing an earlier seed with the same options", metadata: ["skipped": "\(skip)"])
        }
        var report = Report()
        try referenceData(options, on: fno)
        logger.info("seed: reference data", metadata: ["legalEntity": "\(options.legalEntity)"])
        progress(1)

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
            if skip < 2 {
                try connection.executeScript(CompanyScript.masterData)
            } else {
                // The entries refer to the contracts' temporary table: rebuild it from the same script.
                let contracts = CompanyScript.masterData.components(separatedBy: "CREATE TEMP TABLE seed_contract AS")[
                    1
                ]
                .components(separatedBy: ";")[0]
                try connection.executeScript("CREATE TEMP TABLE seed_contract AS" + contracts)
            }
        }
        progress(2)
        report.changes += try drain()
        progress(3)
        try customerTaxGroups(options, on: fno)
        progress(4)

        if skip < 5 {
            try dataverse.withTransaction { connection in try connection.executeScript(CompanyScript.entries) }
        }
        progress(5)
        let lastDay: PostgresDate = try dataverse.query(
            "SELECT (CAST(\(options.month) AS date) + interval '1 month' - interval '1 day')::date"
        ).scalar()
        let approval = try ProjectOperations(connection: dataverse).approve(through: lastDay)
        logger.info("seed: approved", metadata: ["entries": "\(approval.entries)", "actuals": "\(approval.actuals)"])
        progress(6)
        report.changes += try drain()
        progress(7)

        try dataverse.executeScript(
            "DROP TABLE IF EXISTS pg_temp.seed_params, pg_temp.seed_contract, pg_temp.seed_day, pg_temp.seed_resource")
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
