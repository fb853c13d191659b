import Foundation
import Testing
import TieoutMigrations
import TieoutPostgres
import TieoutTestSupport

/// Checks on the schema the shipped migrations build: documentation, types and keys.
@Suite("the dataverse and fno schemas")
struct SchemaTests {
    func withMigratedDatabase(_ body: (PostgresConnection) throws -> Void) throws {
        try TestDatabase.withFreshDatabase { _, configuration in
            let conn = try PostgresConnection(configuration: configuration)
            try Migrator(connection: conn).migrate(MigrationSet.embedded())
            try body(conn)
        }
    }

    @Test func everyTableAndColumnHasAComment() throws {
        try withMigratedDatabase { conn in
            let undocumented = try conn.query(
                """
                SELECT n.nspname || '.' || c.relname || coalesce('.' || a.attname, '') AS object
                FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace
                LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                WHERE n.nspname IN ('dataverse', 'fno', 'tieout', 'sync', 'process', 'recon')
                  AND c.relkind IN ('r', 'v', 'p')
                  AND (obj_description(c.oid, 'pg_class') IS NULL
                       OR (a.attname IS NOT NULL AND col_description(c.oid, a.attnum) IS NULL))
                ORDER BY 1
                """
            ).map { try $0.decode("object", as: String.self) }
            #expect(undocumented == [])
            let undocumentedFunctions = try conn.query(
                """
                SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname IN ('dataverse', 'fno', 'sync', 'process', 'recon')
                  AND obj_description(p.oid, 'pg_proc') IS NULL
                ORDER BY 1
                """
            ).map { try $0.decode(0, as: String.self) }
            #expect(undocumentedFunctions == [])
            let tables = try conn.query(
                "SELECT count(*) FROM pg_tables WHERE schemaname IN ('dataverse', 'fno')"
            ).scalar(Int.self)
            #expect(tables >= 20)
        }
    }

    @Test func theTablesAnalystsRelyOnExistWithTheirKeyColumns() throws {
        let expected: [String: [String]] = [
            "recon.run": ["run_id", "as_of", "started_at", "finished_at", "status"],
            "recon.finding": [
                "run_id", "category", "severity", "stage", "invoicenumber", "proposalid", "actualid", "transid",
                "voucher", "expected", "actual", "difference", "currency", "dataareaid", "first_seen_run_id",
                "age_days",
            ],
            "dataverse.msdyn_actual": [
                "msdyn_actualid", "msdyn_transactiontypecode", "msdyn_transactionclassification", "msdyn_billingtype",
                "msdyn_billingstatus", "msdyn_adjustmentstatus", "msdyn_quantity", "msdyn_price", "msdyn_amount",
                "msdyn_amount_base", "exchangerate", "isocurrencycode", "msdyn_project", "msdyn_salescontract",
                "msdyn_salescontractlineid", "msdyn_invoice", "msdyn_documentdate", "msdyn_accountingdate",
                "msdyn_externalreferenceid", "msdyn_skipsync", "createdon", "modifiedon",
            ],
            "dataverse.msdyn_transactionconnection": [
                "msdyn_transaction1", "msdyn_transaction1role", "msdyn_transaction2", "msdyn_transaction2role",
            ],
            "dataverse.invoice": [
                "invoiceid", "invoicenumber", "salesorderid", "customerid", "isocurrencycode",
                "msdyn_projectinvoicestatus", "totallineitemamount", "totaltax", "totalamount",
                "msdyn_customerinvoicenumber", "createdon", "modifiedon",
            ],
            "dataverse.invoicedetail": [
                "invoicedetailid", "invoiceid", "salesorderdetailid", "msdyn_billingmethod", "baseamount", "tax",
                "extendedamount", "msdyn_chargeableamount", "msdyn_nonchargeableamount", "msdyn_complimentaryamount",
            ],
            "dataverse.msdyn_invoicelinetransaction": [
                "msdyn_invoicelinetransactionid", "msdyn_invoice", "msdyn_invoicelineid",
                "msdyn_transactionclassification", "msdyn_billingtype", "msdyn_quantity", "msdyn_price", "msdyn_amount",
                "msdyn_correction", "msdyn_originalinvoicelinedetail",
            ],
            "dataverse.salesorder": ["salesorderid"],
            "dataverse.salesorderdetail": ["salesorderdetailid"],
            "dataverse.msdyn_project": ["msdyn_projectid"],
            "dataverse.account": ["accountid"],
            "dataverse.msdyn_contractlinescheduleofvalue": ["msdyn_contractlinescheduleofvalueid"],
            "fno.projcdsactualsimport": [
                "recid", "actualid", "transtype", "transactionclassification", "billingtype", "projectid", "contractid",
                "contractline", "quantity", "unitprice", "amount", "amountmst", "transactioncurrencyid", "exchangerate",
                "invoiceid", "invoiceproposalid", "vouchernumber", "accountingamount", "salestaxamount", "isprocessed",
                "integrationcount", "isduplicate", "isjournalized", "dataareaid",
            ],
            "fno.projadvancedjournalline": ["actualid"],
            "fno.projproposaljour": [
                "proposalid", "projinvoiceprojid", "fundingsource", "currencyid", "invoicedate", "invoiceamount",
                "sumtax",
                "status", "projinvoiceid", "dataareaid",
            ],
            "fno.projproposalline": [
                "proposalid", "transid", "actualid", "transtype", "qty", "salesprice", "lineamount", "taxamount",
            ],
            "fno.projpostedtranstable": [
                "transid", "actualid", "projid", "transtype", "qty", "amount", "currencyid", "voucher", "transstatus",
            ],
            "fno.projinvoicejour": [
                "projinvoiceid", "proposalid", "invoiceamount", "sumtax", "ledgervoucher", "invoicedate",
            ],
            "fno.projinvoiceline": ["transid", "actualid", "qty", "lineamount"],
            "fno.generaljournalaccountentry": [
                "voucher", "mainaccount", "accountingcurrencyamount", "transactioncurrencyamount",
            ],
        ]
        try withMigratedDatabase { conn in
            for (table, columns) in expected.sorted(by: { $0.key < $1.key }) {
                let parts = table.split(separator: ".").map(String.init)
                let present = Set(
                    try conn.query(
                        "SELECT column_name FROM information_schema.columns WHERE table_schema = \(parts[0]) AND table_name = \(parts[1])"
                    ).map { try $0.decode(0, as: String.self) }
                )
                let missing = columns.filter { !present.contains($0) }
                #expect(missing == [], "\(table) lacks \(missing)")
            }
        }
    }

    @Test func amountsAreNumericAndEveryTableHasAPrimaryKey() throws {
        try withMigratedDatabase { conn in
            let floating = try conn.query(
                """
                SELECT table_schema || '.' || table_name || '.' || column_name FROM information_schema.columns
                WHERE table_schema IN ('dataverse', 'fno') AND data_type IN ('real', 'double precision', 'money')
                """
            ).count
            #expect(floating == 0)
            let moneyColumns = try conn.query(
                """
                SELECT count(*) FILTER (WHERE data_type <> 'numeric') FROM information_schema.columns
                WHERE table_schema IN ('dataverse', 'fno')
                  AND (column_name LIKE '%amount%' OR column_name IN ('msdyn_price', 'unitprice', 'salesprice', 'exchangerate'))
                """
            ).scalar(Int.self)
            #expect(moneyColumns == 0)
            let withoutKey = try conn.query(
                """
                SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname IN ('dataverse', 'fno') AND c.relkind = 'r'
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint p WHERE p.conrelid = c.oid AND p.contype = 'p')
                """
            ).count
            #expect(withoutKey == 0)
        }
    }

    @Test func optionSetChecksRejectUnknownCodes() throws {
        try withMigratedDatabase { conn in
            let checked = try conn.query(
                """
                SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
                WHERE n.nspname = 'dataverse' AND c.contype = 'c'
                  AND pg_get_constraintdef(c.oid) LIKE '%msdyn_transactiontypecode%192350006%'
                """
            ).scalar(Int.self)
            #expect(checked >= 1)
            // Every NOT NULL column is given; only the transaction type is not a known code. Checks
            // run before the foreign-key triggers, so the check is what rejects the row.
            let error = #expect(throws: PostgresError.self) {
                try conn.query(
                    """
                    INSERT INTO dataverse.msdyn_actual
                        (msdyn_transactiontypecode, msdyn_transactionclassification, isocurrencycode,
                         msdyn_project, msdyn_documentdate)
                    VALUES (\(Int32(192_350_099)), \(Int32(192_350_000)), 'USD', \(UUID()), '2026-11-02')
                    """
                )
            }
            #expect(error?.code == .checkViolation)
            #expect(error?.constraint == "msdyn_actual_msdyn_transactiontypecode_check")
            let unknownStatus = #expect(throws: PostgresError.self) {
                try conn.query(
                    """
                    INSERT INTO dataverse.invoice
                        (invoicenumber, name, salesorderid, customerid, isocurrencycode, msdyn_projectinvoicestatus)
                    VALUES ('INV-1', 'x', \(UUID()), \(UUID()), 'EUR', \(Int32(7)))
                    """
                )
            }
            #expect(unknownStatus?.code == .checkViolation)
            #expect(unknownStatus?.constraint == "invoice_msdyn_projectinvoicestatus_check")
        }
    }

    /// 0013: tieout_analyst reads every table of dataverse and fno (also one created after the migrations), writes
    /// nothing there, and cannot reach the internal schemas.
    @Test func theAnalystRoleReadsBothSidesAndWritesNothingThere() throws {
        try withMigratedDatabase { conn in
            let unreadable = try conn.query(
                """
                SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname IN ('dataverse', 'fno') AND c.relkind IN ('r', 'p', 'v')
                   AND NOT has_table_privilege('tieout_analyst', c.oid, 'SELECT')
                 ORDER BY 1
                """
            ).map { try $0.decode(0, as: String.self) }
            #expect(unreadable == [])
            let writable = try conn.query(
                """
                SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname IN ('dataverse', 'fno') AND c.relkind IN ('r', 'p', 'v')
                   AND has_table_privilege('tieout_analyst', c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
                 ORDER BY 1
                """
            ).map { try $0.decode(0, as: String.self) }
            #expect(writable == [])
            let schemas = try conn.query(
                """
                SELECT nspname FROM pg_namespace
                 WHERE has_schema_privilege('tieout_analyst', oid, 'USAGE') AND nspname NOT LIKE 'pg\\_%'
                   AND nspname <> 'information_schema'
                 ORDER BY 1
                """
            ).map { try $0.decode(0, as: String.self) }
            #expect(schemas == ["dataverse", "fno", "public", "recon"])
            // A table a later migration adds is readable through the default privileges.
            try conn.query("CREATE TABLE dataverse.added_later (id int PRIMARY KEY)")

            try conn.query("SET ROLE tieout_analyst")
            defer { _ = try? conn.query("RESET ROLE") }
            for table in [
                "dataverse.msdyn_actual", "dataverse.added_later", "fno.projcdsactualsimport", "fno.custtable",
            ] {
                #expect(try conn.query(PostgresQuery(unescaped: "SELECT count(*) FROM \(table)")).scalar(Int.self) == 0)
            }
            let refused = [
                "INSERT INTO dataverse.account (accountid, name) VALUES (gen_random_uuid(), 'x')",
                "UPDATE dataverse.account SET name = name",
                "DELETE FROM fno.custtable",
                "TRUNCATE fno.projcdsactualsimport",
                "UPDATE fno.projtable SET name = name",
                "CREATE TABLE dataverse.mine (a int)",
                "CREATE TABLE fno.mine (a int)",
                "SELECT count(*) FROM sync.change_log",
                "SELECT count(*) FROM load.optionset_label",
                "SELECT count(*) FROM tieout.schema_migration",
                "SELECT process.dv_number('INV', 1, 6)",
            ]
            var codes: [String] = []
            for statement in refused {
                do {
                    try conn.query(PostgresQuery(unescaped: statement))
                    codes.append("allowed: \(statement)")
                } catch let error as PostgresError {
                    codes.append(error.code?.rawValue ?? "no code")
                }
            }
            #expect(codes == Array(repeating: "42501", count: refused.count))
        }
    }
}
