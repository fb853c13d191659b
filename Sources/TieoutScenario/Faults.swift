public import TieoutPostgres

/// Realistic integration faults planted in a seeded, processed scenario (`tieout faults`, `make demo`), each of a
/// kind Project Operations customers meet (docs/domain.md, "Failures customers really meet"), so the nightly reconciliation
/// has something to find. Each fault is planted once per database (recorded in `process.scenario_fault`) on a
/// record chosen deterministically, in its own transaction. Most bypass the guard triggers the way a broken
/// integration would (`session_replication_role = replica`), which needs a superuser, as the private cluster's user
/// is.
public struct Faults {
    /// One fault: what it does and what the reconciliation should call it.
    public struct Fault: Sendable, Equatable {
        public var name: String
        /// The category the reconciliation reports for it (more may follow from it, see `description`).
        public var category: String
        public var description: String
        /// The statements that plant the fault; the last returns the record it chose as text (no row: nothing to
        /// plant, and nothing is kept).
        let statements: [String]
        /// Whether the statement must bypass the guard triggers.
        let bypassGuards: Bool
    }

    /// A planted (or already present) fault and its record.
    public struct Planted: Sendable, Equatable {
        public var fault: String
        public var category: String
        public var record: String
        /// False when an earlier `tieout faults` had planted it already.
        public var new: Bool
    }

    let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Plants every fault not planted yet; faults without a suitable record are left out.
    public func plant() throws -> [Planted] {
        var planted: [Planted] = []
        for fault in Self.all {
            let result: Planted?
            do {
                result = try connection.withTransaction { connection -> Planted? in
                    let earlier = try connection.query(
                        "SELECT record FROM process.scenario_fault WHERE name = \(fault.name)")
                    if let row = earlier.first {
                        return Planted(fault: fault.name, category: fault.category, record: row[0] ?? "", new: false)
                    }
                    if fault.bypassGuards { try connection.query("SET LOCAL session_replication_role = replica") }
                    var record: String?
                    for statement in fault.statements {
                        record = try connection.query(PostgresQuery(unescaped: statement)).first?[0]
                    }
                    guard let record else { throw FaultSkipped() }
                    try connection.query(
                        """
                        INSERT INTO process.scenario_fault (name, category, record, description)
                        VALUES (\(fault.name), \(fault.category), \(record), \(fault.description))
                        """)
                    return Planted(fault: fault.name, category: fault.category, record: record, new: true)
                }
            } catch is FaultSkipped {
                result = nil
            }
            if let result { planted.append(result) }
        }
        return planted
    }

    /// No record suits the fault: its transaction is rolled back.
    struct FaultSkipped: Error {}

    /// The faults, in the order they are planted.
    public static let all: [Fault] = [
        Fault(
            name: "credit-note-not-synced", category: "CONFIRMED_WITHOUT_PROPOSAL",
            description:
                "A posted invoice is revised and the credit note confirmed while dual-write is paused: no proposal "
                + "in F&O yet and its billed sales not staged (BILLED_SALES_NOT_STAGED each). The next sync heals it.",
            statements: [
                """
                SELECT process.dv_revise(i.invoiceid) FROM dataverse.invoice i
                 WHERE i.msdyn_projectinvoicestatus = 192350004
                   AND NOT EXISTS (SELECT FROM dataverse.msdyn_invoicelinetransaction d
                                    WHERE d.msdyn_invoice = i.invoiceid AND d.msdyn_correction)
                 ORDER BY i.invoicenumber LIMIT 1 OFFSET 4
                """,
                """
                SELECT invoices FROM process.dv_confirm((
                       SELECT i.invoiceid FROM dataverse.invoice i
                        WHERE i.msdyn_projectinvoicestatus = 192350000
                          AND EXISTS (SELECT FROM dataverse.msdyn_invoicelinetransaction d
                                       WHERE d.msdyn_invoice = i.invoiceid AND d.msdyn_correction)
                        ORDER BY i.createdon DESC, i.invoicenumber DESC LIMIT 1))
                """,
                """
                SELECT i.invoicenumber FROM dataverse.invoice i
                 WHERE i.msdyn_projectinvoicestatus = 192350002
                   AND EXISTS (SELECT FROM dataverse.msdyn_invoicelinetransaction d
                                WHERE d.msdyn_invoice = i.invoiceid AND d.msdyn_correction)
                 ORDER BY i.createdon DESC, i.invoicenumber DESC LIMIT 1
                """,
            ],
            bypassGuards: false),
        Fault(
            name: "voucher-writeback-lost", category: "MISSING_VOUCHER_WRITEBACK",
            description:
                "The accounting write-back of one billed sale is lost: F&O posted it, the Dataverse actual has no voucher.",
            statements: [
                """
                UPDATE dataverse.msdyn_actual a SET msdyn_externalreferenceid = NULL
                 WHERE a.msdyn_actualid = (
                       SELECT b.msdyn_actualid FROM dataverse.msdyn_actual b
                        WHERE b.msdyn_transactiontypecode = 192350006 AND b.msdyn_externalreferenceid IS NOT NULL
                        ORDER BY b.msdyn_actualid LIMIT 1)
                RETURNING a.msdyn_actualid::text
                """
            ],
            bypassGuards: true),
        Fault(
            name: "wip-not-reversed", category: "WIP_NOT_REVERSED",
            description:
                "Invoice posting skipped the WIP reversal of one unbilled sale: its posted transaction is still Posted.",
            statements: [
                """
                UPDATE fno.projpostedtranstable t SET transstatus = 2
                 WHERE t.recid = (
                       SELECT p.recid FROM fno.projpostedtranstable p
                        WHERE p.transstatus = 4
                          AND p.actualid IN (SELECT s.actualid FROM fno.projcdsactualsimport s
                                              WHERE s.transtype = 192350005)
                        ORDER BY p.transid LIMIT 1)
                RETURNING t.transid
                """
            ],
            bypassGuards: true),
        Fault(
            name: "posted-status-lost", category: "POSTED_STATUS_NOT_REFLECTED",
            description:
                "The posted-invoice write-back never reached one proforma: it is still Confirmed, without the F&O "
                + "invoice number.",
            statements: [
                """
                UPDATE dataverse.invoice i
                   SET msdyn_projectinvoicestatus = 192350002, msdyn_customerinvoicenumber = NULL,
                       msdyn_customerinvoicedate = NULL, msdyn_customerinvoicetaxamount = NULL
                 WHERE i.invoiceid = (
                       SELECT x.invoiceid FROM dataverse.invoice x WHERE x.msdyn_projectinvoicestatus = 192350004
                        ORDER BY x.invoicenumber LIMIT 1 OFFSET 1)
                RETURNING i.invoicenumber
                """
            ],
            bypassGuards: true),
        Fault(
            name: "duplicate-proposal-line", category: "PROPOSAL_LINE_SET_MISMATCH",
            description:
                "Two imports ran at once and one proposal got a billed sale twice (the posted invoice has it once: "
                + "POSTED_INVOICE_PROPOSAL_MISMATCH too).",
            statements: [
                """
                INSERT INTO fno.projproposalline (
                       dataareaid, proposalid, transid, actualid, transtype, projid, categoryid, psacontractlinenum,
                       transdate, qty, salesprice, lineamount, taxamount, taxgroupid, taxitemgroupid, currencyid, txt,
                       linepropertyid)
                SELECT l.dataareaid, l.proposalid, process.fno_number('PT-', nextval('fno.transid_seq'), 8),
                       l.actualid, l.transtype, l.projid, l.categoryid, l.psacontractlinenum, l.transdate, l.qty,
                       l.salesprice, l.lineamount, l.taxamount, l.taxgroupid, l.taxitemgroupid, l.currencyid, l.txt,
                       l.linepropertyid
                  FROM fno.projproposalline l
                 ORDER BY l.proposalid OFFSET 2 LIMIT 1
                RETURNING proposalid
                """
            ],
            bypassGuards: true),
        Fault(
            name: "billed-sale-without-backing", category: "BILLED_SALES_WITHOUT_BACKING",
            description:
                "The connection between one time-and-material billed sale and the unbilled sale it bills is lost.",
            statements: [
                """
                DELETE FROM dataverse.msdyn_transactionconnection k
                 WHERE k.msdyn_transactionconnectionid = (
                       SELECT c.msdyn_transactionconnectionid FROM dataverse.msdyn_transactionconnection c
                        WHERE c.msdyn_transaction1role = '192350006' AND c.msdyn_transaction2role = '192350005'
                        ORDER BY c.msdyn_transaction1 DESC LIMIT 1)
                RETURNING k.msdyn_transaction1::text
                """
            ],
            bypassGuards: true),
        Fault(
            name: "actual-rolled-back", category: "SKIPPED_RECORD_LEAKED",
            description:
                "One cost actual is rolled back in Dataverse after F&O received it (an invalid actual in staging).",
            statements: [
                """
                DELETE FROM dataverse.msdyn_actual a
                 WHERE a.msdyn_actualid = (
                       SELECT c.msdyn_actualid FROM dataverse.msdyn_actual c
                        WHERE c.msdyn_transactiontypecode = 192350000
                        ORDER BY c.msdyn_actualid LIMIT 1)
                RETURNING a.msdyn_actualid::text
                """
            ],
            bypassGuards: true),
        Fault(
            name: "unbalanced-voucher", category: "UNBALANCED_VOUCHER",
            description: "A rounding bug leaves one invoice voucher 0.01 out of balance.",
            statements: [
                """
                UPDATE fno.generaljournalaccountentry e SET accountingcurrencyamount = e.accountingcurrencyamount + 0.01
                 WHERE e.recid = (
                       SELECT x.recid FROM fno.generaljournalaccountentry x
                        WHERE x.voucher LIKE 'IV-%' AND x.mainaccount = '401100'
                        ORDER BY x.voucher DESC LIMIT 1)
                RETURNING e.voucher
                """
            ],
            bypassGuards: true),
    ]
}
