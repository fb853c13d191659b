import Foundation
import Logging
import Testing
import TieoutMaps
import TieoutPostgres
import TieoutScenario
import TieoutSync
import TieoutTestSupport

@Suite("seed and pipeline")
struct ScenarioTests {
    static func engine(_ connection: PostgresConnection) throws -> SyncEngine {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return try SyncEngine(
            maps: MapSet.load(directory: packageRoot.appendingPathComponent("maps")),
            databases: SyncDatabases(single: connection), logger: logger)
    }

    @Test func seededCompanyThroughOneDayPostsEveryConfirmedProformaOnce() throws {
        try TestDatabase.withMigratedDatabase { connection, _ in
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let engine = try Self.engine(connection)
            let report = try Seed(engine: engine, logger: logger).run(.init(month: PostgresDate("2026-10-01")!))
            #expect(report.customers == 20)
            #expect(report.contracts == 60)
            #expect(report.actuals > 2_500)
            let steps = try DailyCycle(engine: engine, logger: logger).run(date: PostgresDate("2026-11-02")!)
            #expect(
                steps.map(\.name) == [
                    "sync", "import from staging", "post integration journals", "sync the write-back",
                    "proforma invoices", "sync", "import from staging", "post invoice proposals", "sync",
                ])

            let check = { (sql: String) throws -> String in
                try connection.query(PostgresQuery(unescaped: sql)).scalar(String.self)
            }
            // At least 50 confirmed proformas, each with exactly one posted invoice of the same amount before
            // tax, and nothing left unposted or failed.
            #expect(
                try Int(check("SELECT count(*) FROM dataverse.invoice WHERE msdyn_projectinvoicestatus >= 192350002"))!
                    >= 50)
            #expect(
                try check(
                    """
                    SELECT count(*) FROM dataverse.invoice i
                    WHERE i.msdyn_projectinvoicestatus >= 192350002
                      AND (SELECT count(*) FROM fno.projinvoicejour j
                           WHERE j.proposalid = i.invoicenumber AND j.salesorderbalance = i.totallineitemamount) <> 1
                    """) == "0")
            #expect(
                try check("SELECT count(*) FROM dataverse.invoice WHERE msdyn_projectinvoicestatus <> 192350004") == "0"
            )
            #expect(try check("SELECT count(*) FROM sync.error") == "0")
            // The last sync settles: the write-back's own changes (invoices Posted, actuals stamped) are applied
            // in a further pass rather than left queued.
            #expect(try check("SELECT count(*) FROM sync.change_log") == "0")
            #expect(try check("SELECT count(*) FROM fno.projcdsactualsimport WHERE NOT isprocessed") == "0")
            // Every voucher balances.
            #expect(
                try check(
                    """
                    SELECT count(*) FROM (SELECT voucher FROM fno.generaljournalaccountentry GROUP BY voucher
                                          HAVING sum(accountingcurrencyamount) <> 0) v
                    """) == "0")
            // Every transaction class, billing type and both billing methods are used.
            #expect(
                try check(
                    "SELECT string_agg(DISTINCT msdyn_transactionclassification::text, ',') FROM dataverse.msdyn_actual"
                )
                    == "192350000,192350001,192350002,192350003,192350004,690970002")
            #expect(
                try check("SELECT string_agg(DISTINCT msdyn_billingtype::text, ',') FROM dataverse.msdyn_actual")
                    == "192350000,192350001,192350002,192350003")
            #expect(
                try check("SELECT string_agg(DISTINCT msdyn_billingmethod::text, ',') FROM dataverse.invoicedetail")
                    == "192350000,192350001")
            #expect(try check("SELECT count(DISTINCT isocurrencycode) FROM dataverse.invoice") == "2")
        }
    }

    @Test func theSameSeedBuildsTheSameCompany() throws {
        var fingerprints: [String] = []
        for _ in 0..<2 {
            try TestDatabase.withMigratedDatabase { connection, _ in
                var logger = Logger(label: "test")
                logger.logLevel = .critical
                _ = try Seed(engine: try Self.engine(connection), logger: logger).run(
                    .init(seed: 7, month: PostgresDate("2026-10-01")!))
                fingerprints.append(
                    try connection.query(
                        """
                        SELECT md5(string_agg(concat_ws('|', msdyn_transactiontypecode, msdyn_project, msdyn_documentdate,
                                              msdyn_quantity, msdyn_amount, isocurrencycode), ',' ORDER BY
                                              msdyn_transactiontypecode, msdyn_project, msdyn_documentdate, msdyn_quantity,
                                              msdyn_amount))
                        FROM dataverse.msdyn_actual
                        """
                    ).scalar())
            }
        }
        #expect(fingerprints.count == 2)
        #expect(fingerprints[0] == fingerprints[1])
    }

    @Test func seedRefusesADatabaseThatAlreadyHoldsACompany() throws {
        try TestDatabase.withMigratedDatabase { connection, _ in
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            try SampleProject.insertReferenceData(connection)
            #expect {
                try Seed(engine: try Self.engine(connection), logger: logger).run(
                    .init(month: PostgresDate("2026-10-01")!))
            } throws: { error in
                "\(error)"
                    == "the database already holds a company (dataverse.account is not empty); seed a new database after tieout migrate"
            }
            #expect(try connection.query("SELECT count(*) FROM fno.ledger").scalar(Int.self) == 0)
        }
    }
}
