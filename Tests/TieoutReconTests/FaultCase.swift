/// One fault, injected into the clean scenario with plain SQL, and the exact findings it must produce: the finding
/// of the link it breaks (its category), the findings of every other link the corrupted record is part of, and the
/// control totals it moves. Nothing else: a record the fault did not touch appears in no finding.
struct FaultCase: Sendable, CustomStringConvertible {
    /// The catalogue code (recon.category) of the link the fault breaks; one of the findings carries it.
    var category: String
    /// The fault, as SQL run in one session after ``prelude`` (triggers off, see ``ReconDatabase/inject(_:then:)``).
    var injection: String
    /// A query, run in the injecting session after the fault, whose rows are the expected findings' ``keyColumns``
    /// (every finding but the control totals), in any order.
    var expected: String
    /// A query whose rows are the expected control-total findings' ``controlColumns``, in any order; nil for none.
    var controls: String? = nil
    /// SQL for the run's as-of when it must be later than now (a threshold must have passed); nil for now.
    var asOf: String? = nil
    /// What the case is about, when the category alone does not say (the cases of one category).
    var name: String? = nil

    var description: String { name.map { "\(category): \($0)" } ?? category }

    /// The columns each case compares: category, severity, keys, field, expected, actual and money at stake.
    static let keyColumns =
        "category, severity, underlying_category, invoicenumber, proposalid, actualid, transid, voucher, field, expected, actual, amount"

    /// The columns of a control total (CONTROL_TOTAL_MISMATCH): the two stages, their sums, the difference, and the
    /// legal entity, contract, currency and period it is about.
    static let controlColumns = "field, expected, actual, amount, dataareaid, contract, currency, period"

    /// The records the faults act on, picked the same way in every clone, in the temporary table `pick`:
    /// - `billed`: a billed sale of a time entry on a time-and-material line (the first by invoice number, date,
    ///   amount, quantity: the same record in every build of the seeded company),
    /// - `unbilled`: the unbilled sale it bills, `ild`: its invoice line detail, `invoice`: its proforma number,
    /// - `cost`: a cost actual (the first by date, amount, quantity).
    /// Proforma INV-000004 (EUR, time and material) is the one header faults act on.
    static let prelude = """
        CREATE TEMP TABLE pick AS
        SELECT b.msdyn_actualid AS billed,
               (SELECT k.msdyn_transaction2 FROM dataverse.msdyn_transactionconnection k
                 WHERE k.msdyn_transaction1 = b.msdyn_actualid AND k.msdyn_transaction2role = '192350005') AS unbilled,
               (SELECT k.msdyn_transaction2 FROM dataverse.msdyn_transactionconnection k
                 WHERE k.msdyn_transaction1 = b.msdyn_actualid AND k.msdyn_transaction2role = 'ild') AS ild,
               (SELECT i.invoicenumber FROM dataverse.invoice i WHERE i.invoiceid = b.msdyn_invoice) AS invoice,
               (SELECT a.msdyn_actualid FROM dataverse.msdyn_actual a
                 WHERE a.msdyn_transactiontypecode = 192350000
                 ORDER BY a.msdyn_documentdate, a.msdyn_amount, a.msdyn_quantity, a.msdyn_actualid LIMIT 1) AS cost
          FROM dataverse.msdyn_actual b
          JOIN dataverse.salesorderdetail l ON l.salesorderdetailid = b.msdyn_salescontractlineid
         WHERE b.msdyn_transactiontypecode = 192350006 AND b.msdyn_transactionclassification = 192350000
           AND l.msdyn_billingmethod = 192350000
         ORDER BY (SELECT i.invoicenumber FROM dataverse.invoice i WHERE i.invoiceid = b.msdyn_invoice),
                  b.msdyn_documentdate, b.msdyn_amount, b.msdyn_quantity, b.msdyn_actualid
         LIMIT 1;
        """

    /// SQL undoing the posting of proposal INV-000004 the way F&O leaves it when posting fails and rolls back: no
    /// posted invoice, lines, customer transaction, invoiced transactions or voucher; the WIP it reversed posted
    /// again; its billed sales' staging rows without the posting's write-back; the proposal open again.
    static let unpostINV4 = """
        CREATE TEMP TABLE posted AS
        SELECT dataareaid, projinvoiceid, ledgervoucher FROM fno.projinvoicejour WHERE proposalid = 'INV-000004';
        UPDATE fno.projpostedtranstable t SET transstatus = 2
          FROM fno.projinvoiceline il
          JOIN posted p USING (dataareaid, projinvoiceid)
          JOIN fno.projcdstransactionconnectionimport k
            ON k.transaction1 = il.actualid AND k.transaction2role = '192350005'
         WHERE t.actualid = k.transaction2 AND t.transstatus = 4;
        DELETE FROM fno.projpostedtranstable t USING fno.projinvoiceline il, posted p
         WHERE il.dataareaid = p.dataareaid AND il.projinvoiceid = p.projinvoiceid
           AND t.dataareaid = il.dataareaid AND t.transid = il.transid;
        DELETE FROM fno.projinvoiceline il USING posted p
         WHERE il.dataareaid = p.dataareaid AND il.projinvoiceid = p.projinvoiceid;
        DELETE FROM fno.projinvoicejour j USING posted p
         WHERE j.dataareaid = p.dataareaid AND j.projinvoiceid = p.projinvoiceid;
        DELETE FROM fno.custtrans c USING posted p WHERE c.dataareaid = p.dataareaid AND c.invoice = p.projinvoiceid;
        DELETE FROM fno.generaljournalaccountentry e USING posted p WHERE e.voucher = p.ledgervoucher;
        DELETE FROM fno.generaljournalentry e USING posted p WHERE e.subledgervoucher = p.ledgervoucher;
        UPDATE fno.projcdsactualsimport
           SET vouchernumber = NULL, accountingamount = NULL, exchangerate = NULL, exchangeratedate = NULL,
               salestaxamount = NULL
         WHERE invoiceproposalid = 'INV-000004' AND transtype = 192350006;
        UPDATE fno.projproposaljour SET status = 0, projinvoiceid = NULL, ledgervoucher = NULL
         WHERE proposalid = 'INV-000004';
        """

    /// The posted invoice of INV-000004 after the fault: `j` the invoice, `c` its customer transaction.
    static let inv4Records = """
        FROM fno.projinvoicejour j JOIN fno.custtrans c ON c.dataareaid = j.dataareaid AND c.invoice = j.projinvoiceid
         WHERE j.proposalid = 'INV-000004'
        """

    /// One case per category of the catalogue but IN_FLIGHT.
    static let all: [FaultCase] = [
        // MARK: headers
        FaultCase(
            category: "CONFIRMED_WITHOUT_PROPOSAL",
            injection: """
                -- F&O's clean-up of invoice proposals deleted a posted proposal, header and lines
                DELETE FROM fno.projproposalline WHERE proposalid = 'INV-000004';
                DELETE FROM fno.projproposaljour WHERE proposalid = 'INV-000004';
                """,
            expected: """
                SELECT 'CONFIRMED_WITHOUT_PROPOSAL', 'E', 'CONFIRMED_WITHOUT_PROPOSAL', invoicenumber, NULL, NULL, NULL,
                       NULL, NULL, invoicenumber, NULL, totallineitemamount
                  FROM dataverse.invoice WHERE invoicenumber = 'INV-000004'
                UNION ALL
                -- its posted invoice now belongs to no proposal
                SELECT 'POSTED_INVOICE_PROPOSAL_MISMATCH', 'E', 'POSTED_INVOICE_PROPOSAL_MISMATCH', j.proposalid,
                       j.proposalid, NULL, NULL, j.ledgervoucher, 'proposalid', NULL, j.proposalid, j.salesorderbalance
                  FROM fno.projinvoicejour j WHERE j.proposalid = 'INV-000004'
                """,
            controls: """
                SELECT 'proposal_lines vs invoice_lines', '0', sum(l.lineamount)::text, sum(l.lineamount), j.dataareaid,
                       j.projinvoiceprojid, j.currencyid, NULL
                  FROM fno.projinvoicejour j JOIN fno.projinvoiceline l USING (dataareaid, projinvoiceid)
                 WHERE j.proposalid = 'INV-000004'
                 GROUP BY j.dataareaid, j.projinvoiceprojid, j.currencyid
                """),
        FaultCase(
            category: "PROPOSAL_WITHOUT_CONFIRMED_PROFORMA",
            injection: """
                -- a proposal created directly in F&O, for an invoice number Dataverse never issued
                INSERT INTO fno.projproposaljour (dataareaid, proposalid, projinvoiceprojid, invoiceaccount, currencyid,
                                                  invoicedate)
                SELECT dataareaid, 'INV-900001', projinvoiceprojid, invoiceaccount, currencyid, invoicedate
                  FROM fno.projproposaljour WHERE proposalid = 'INV-000004';
                """,
            expected: """
                SELECT 'PROPOSAL_WITHOUT_CONFIRMED_PROFORMA', 'E', 'PROPOSAL_WITHOUT_CONFIRMED_PROFORMA', NULL,
                       'INV-900001', NULL, NULL, NULL, NULL, NULL, 'INV-900001', '0'
                """),
        FaultCase(
            category: "DUPLICATE_PROPOSAL",
            injection: """
                -- the proposal map also delivered the proforma into a second legal entity
                INSERT INTO fno.projproposaljour (dataareaid, proposalid, projinvoiceprojid, invoiceaccount, currencyid,
                                                  invoicedate, hashedlistofbillablesalesactualids)
                SELECT 'usrt', proposalid, projinvoiceprojid, invoiceaccount, currencyid, invoicedate,
                       hashedlistofbillablesalesactualids
                  FROM fno.projproposaljour WHERE proposalid = 'INV-000004';
                """,
            expected: """
                SELECT 'DUPLICATE_PROPOSAL', 'E', 'DUPLICATE_PROPOSAL', 'INV-000004', 'INV-000004', NULL, NULL, NULL,
                       NULL, '1', '2', NULL
                """),
        FaultCase(
            category: "HEADER_ATTRIBUTE_MISMATCH",
            injection: """
                -- the AR clerk changed the customer of the proposal, and posted it so
                UPDATE fno.projproposaljour SET invoiceaccount = 'C-999' WHERE proposalid = 'INV-000004';
                UPDATE fno.projinvoicejour SET invoiceaccount = 'C-999' WHERE proposalid = 'INV-000004';
                UPDATE fno.custtrans c SET accountnum = 'C-999' FROM fno.projinvoicejour j
                 WHERE j.proposalid = 'INV-000004' AND c.invoice = j.projinvoiceid;
                """,
            expected: """
                SELECT 'HEADER_ATTRIBUTE_MISMATCH', 'E', 'HEADER_ATTRIBUTE_MISMATCH', i.invoicenumber, i.invoicenumber,
                       NULL, NULL, NULL, 'invoiceaccount', a.accountnumber, 'C-999', NULL
                  FROM dataverse.invoice i JOIN dataverse.account a ON a.accountid = i.customerid
                 WHERE i.invoicenumber = 'INV-000004'

                """),
        FaultCase(
            category: "HEADER_AMOUNT_MISMATCH",
            injection: """
                -- F&O summed the proposal 10.00 too high, and posted it so
                UPDATE fno.projproposaljour SET salesorderbalance = salesorderbalance + 10,
                                                invoiceamount = invoiceamount + 10
                 WHERE proposalid = 'INV-000004';
                UPDATE fno.projinvoicejour SET salesorderbalance = salesorderbalance + 10,
                                               invoiceamount = invoiceamount + 10
                 WHERE proposalid = 'INV-000004';
                """,
            expected: """
                SELECT 'HEADER_AMOUNT_MISMATCH', 'E', 'HEADER_AMOUNT_MISMATCH', invoicenumber, invoicenumber, NULL,
                       NULL, NULL, 'salesorderbalance', totallineitemamount::text, (totallineitemamount + 10)::text, 10.00
                  FROM dataverse.invoice WHERE invoicenumber = 'INV-000004'
                UNION ALL
                -- posting did not carry the 10.00 into the customer transaction and the ledger
                SELECT 'CUSTOMER_TRANSACTION_MISMATCH', 'E', 'CUSTOMER_TRANSACTION_MISMATCH', j.proposalid,
                       j.proposalid, NULL, NULL, j.ledgervoucher, 'amountcur', j.invoiceamount::text, c.amountcur::text, 10.00
                  \(inv4Records)
                UNION ALL
                \(voucherRows("j.ledgervoucher", account: "130100", currency: "EUR", mst: "0", cur: "10.00",
                              invoice: "'INV-000004'", records: inv4Records))
                UNION ALL
                \(voucherRows("j.ledgervoucher", account: "401100", currency: "EUR", mst: "0", cur: "-10.00",
                              invoice: "'INV-000004'", records: inv4Records))
                """,
            controls: """
                SELECT 'invoice_lines_chargeable vs invoice_headers', j.salesorderbalance - 10, j.salesorderbalance,
                       10.00, j.dataareaid, j.projinvoiceprojid, j.currencyid, NULL
                  \(inv4Records)
                UNION ALL
                SELECT 'invoice_headers vs customer_transactions_less_tax', j.salesorderbalance,
                       c.amountcur - j.sumtax, 10.00, j.dataareaid, j.projinvoiceprojid, j.currencyid, NULL
                  \(inv4Records)
                """),
        FaultCase(
            category: "TAX_DIFFERENCE",
            injection: """
                -- posting recomputed the tax on the total and rounded a cent differently from the proposal's lines:
                -- the invoice, its customer transaction and its voucher carry that tax
                UPDATE fno.projinvoicejour SET sumtax = sumtax + 0.01, invoiceamount = invoiceamount + 0.01
                 WHERE proposalid = 'INV-000004';
                UPDATE fno.custtrans c SET amountcur = amountcur + 0.01 FROM fno.projinvoicejour j
                 WHERE j.proposalid = 'INV-000004' AND c.invoice = j.projinvoiceid;
                UPDATE fno.generaljournalaccountentry e
                   SET transactioncurrencyamount = transactioncurrencyamount
                                                   + CASE e.mainaccount WHEN '130100' THEN 0.01 ELSE -0.01 END
                  FROM fno.projinvoicejour j
                 WHERE j.proposalid = 'INV-000004' AND e.voucher = j.ledgervoucher
                   AND e.mainaccount IN ('130100', '222200');
                """,
            expected: """
                SELECT 'TAX_DIFFERENCE', 'I', 'TAX_DIFFERENCE', p.proposalid, p.proposalid, NULL, NULL,
                       j.ledgervoucher, 'sumtax', p.sumtax::text, j.sumtax::text, 0.01
                  FROM fno.projproposaljour p JOIN fno.projinvoicejour j USING (dataareaid, proposalid)
                 WHERE p.proposalid = 'INV-000004'
                """),
        FaultCase(
            category: "POSTED_STATUS_NOT_REFLECTED",
            injection: """
                -- the posted-invoice write-back never reached the proforma
                UPDATE dataverse.invoice SET msdyn_projectinvoicestatus = 192350002, msdyn_customerinvoicenumber = NULL
                 WHERE invoicenumber = 'INV-000004';
                """,
            expected: """
                SELECT 'POSTED_STATUS_NOT_REFLECTED', 'W', 'POSTED_STATUS_NOT_REFLECTED', proposalid, proposalid, NULL,
                       NULL, NULL, 'msdyn_customerinvoicenumber', projinvoiceid, NULL, NULL
                  FROM fno.projinvoicejour WHERE proposalid = 'INV-000004'
                """),
        FaultCase(
            category: "PROPOSAL_STUCK_UNPOSTED",
            injection: """
                -- posting failed and was rolled back in F&O: the proposal has its lines but no posted invoice
                \(unpostINV4)
                -- so the proforma is Confirmed again, without the posted invoice's write-back
                UPDATE dataverse.invoice
                   SET msdyn_projectinvoicestatus = 192350002, msdyn_customerinvoicenumber = NULL,
                       msdyn_customerinvoicedate = NULL, msdyn_customerinvoicetaxamount = NULL
                 WHERE invoicenumber = 'INV-000004';
                """,
            expected: """
                SELECT 'PROPOSAL_STUCK_UNPOSTED', 'W', 'PROPOSAL_STUCK_UNPOSTED', proposalid, proposalid, NULL, NULL,
                       NULL, NULL, NULL, NULL, salesorderbalance
                  FROM fno.projproposaljour WHERE proposalid = 'INV-000004'
                """,
            asOf: "SELECT (now() + interval '4 days')::text"),

        // MARK: lines
        FaultCase(
            category: "ILD_WITHOUT_BILLED_SALES",
            injection: """
                -- an integration changed a confirmed detail's quantity behind the guards; its billed sale kept the old one
                UPDATE dataverse.msdyn_invoicelinetransaction SET msdyn_quantity = msdyn_quantity + 1
                 WHERE msdyn_invoicelinetransactionid = (SELECT ild FROM pick);
                """,
            expected: """
                SELECT 'ILD_WITHOUT_BILLED_SALES', 'E', 'ILD_WITHOUT_BILLED_SALES', p.invoice, NULL, b.msdyn_actualid,
                       NULL, NULL, 'msdyn_quantity', d.msdyn_quantity, b.msdyn_quantity, d.msdyn_amount
                  FROM pick p
                  JOIN dataverse.msdyn_actual b ON b.msdyn_actualid = p.billed
                  JOIN dataverse.msdyn_invoicelinetransaction d ON d.msdyn_invoicelinetransactionid = p.ild
                """),
        FaultCase(
            category: "BILLED_SALES_WITHOUT_BACKING",
            injection: """
                -- the billed sale lost its connection to the unbilled sale it bills
                DELETE FROM dataverse.msdyn_transactionconnection
                 WHERE msdyn_transaction1 = (SELECT billed FROM pick) AND msdyn_transaction2role = '192350005';
                """,
            expected: """
                SELECT 'BILLED_SALES_WITHOUT_BACKING', 'E', 'BILLED_SALES_WITHOUT_BACKING', p.invoice, NULL, p.billed,
                       NULL, NULL, NULL, NULL, NULL, b.msdyn_amount
                  FROM pick p JOIN dataverse.msdyn_actual b ON b.msdyn_actualid = p.billed
                """),
        FaultCase(
            category: "BILLED_SALES_NOT_STAGED",
            injection: """
                -- confirm made a second billed sale for the detail (connected like the first) that never synced
                CREATE TEMP TABLE dup AS SELECT * FROM dataverse.msdyn_actual WHERE msdyn_actualid = (SELECT billed FROM pick);
                UPDATE dup SET msdyn_actualid = 'ffffffff-0000-0000-0000-0000000b5001', msdyn_externalreferenceid = NULL,
                                msdyn_amount_base = NULL;
                INSERT INTO dataverse.msdyn_actual SELECT * FROM dup;
                INSERT INTO dataverse.msdyn_transactionconnection (msdyn_transaction1, msdyn_transaction1role,
                       msdyn_transaction1type, msdyn_transaction2, msdyn_transaction2role, msdyn_transaction2type)
                SELECT 'ffffffff-0000-0000-0000-0000000b5001', msdyn_transaction1role, msdyn_transaction1type,
                       msdyn_transaction2, msdyn_transaction2role, msdyn_transaction2type
                  FROM dataverse.msdyn_transactionconnection WHERE msdyn_transaction1 = (SELECT billed FROM pick);
                """,
            expected: """
                SELECT 'BILLED_SALES_NOT_STAGED', 'E', 'BILLED_SALES_NOT_STAGED', p.invoice, NULL,
                       'ffffffff-0000-0000-0000-0000000b5001', NULL, NULL, NULL, NULL, NULL, b.msdyn_amount
                  FROM pick p JOIN dataverse.msdyn_actual b ON b.msdyn_actualid = p.billed
                """,
            controls: """
                SELECT 'dataverse_billed_sales vs staging_billed_sales', sum(o.amount) + s.amount, sum(o.amount),
                       s.amount, s.dataareaid, s.contractid, s.transactioncurrencyid, NULL
                  FROM pick p
                  JOIN fno.projcdsactualsimport s ON s.actualid = p.billed
                  JOIN fno.projcdsactualsimport o ON o.contractid = s.contractid AND o.transtype = 192350006
                 GROUP BY s.amount, s.dataareaid, s.contractid, s.transactioncurrencyid
                """),
        FaultCase(
            category: "STAGED_NOT_IMPORTED",
            injection: """
                -- a September cost actual reaches staging, but F&O has no EUR rate before October: Import from
                -- staging leaves the row unprocessed
                CREATE TEMP TABLE dv AS SELECT * FROM dataverse.msdyn_actual
                 WHERE msdyn_transactiontypecode = 192350000 AND isocurrencycode = 'EUR' ORDER BY msdyn_documentdate, msdyn_amount, msdyn_actualid LIMIT 1;
                CREATE TEMP TABLE st AS SELECT s.* FROM fno.projcdsactualsimport s JOIN dv ON dv.msdyn_actualid = s.actualid;
                UPDATE dv SET msdyn_actualid = 'ffffffff-0000-0000-0000-0000000b5004', msdyn_documentdate = DATE '2026-09-15',
                              msdyn_accountingdate = NULL, msdyn_externalreferenceid = NULL, msdyn_amount_base = NULL,
                              exchangerate = NULL;
                UPDATE st SET recid = (SELECT max(recid) + 1 FROM fno.projcdsactualsimport),
                              actualid = 'ffffffff-0000-0000-0000-0000000b5004', documentdate = DATE '2026-09-15',
                              accountingdate = NULL, isprocessed = false, isjournalized = false, vouchernumber = NULL,
                              accountingamount = NULL, exchangerate = NULL, exchangeratedate = NULL, salestaxamount = NULL,
                              projadvancedjournalline = NULL, integrationcount = 0, importmessage = NULL, amountmst = NULL;
                INSERT INTO dataverse.msdyn_actual SELECT * FROM dv;
                INSERT INTO fno.projcdsactualsimport SELECT * FROM st;
                SET session_replication_role = origin;
                SELECT * FROM process.fno_import();
                """,
            expected: """
                SELECT 'STAGED_NOT_IMPORTED', 'W', 'STAGED_NOT_IMPORTED', NULL, NULL, actualid, NULL, NULL, NULL, NULL,
                       NULL, amount
                  FROM fno.projcdsactualsimport
                 WHERE actualid = 'ffffffff-0000-0000-0000-0000000b5004'
                   AND importmessage = 'no exchange rate from EUR to USD on 2026-09-15' AND NOT isprocessed
                """),
        FaultCase(
            category: "PROPOSAL_LINE_SET_MISMATCH",
            injection: """
                -- two concurrent imports made the same proposal line twice, and both were posted
                INSERT INTO fno.projproposalline (dataareaid, proposalid, transid, actualid, transtype, projid, categoryid,
                       psacontractlinenum, transdate, qty, salesprice, lineamount, taxamount, taxgroupid, taxitemgroupid,
                       currencyid, txt)
                SELECT dataareaid, proposalid, 'PT-90000001', actualid, transtype, projid, categoryid, psacontractlinenum,
                       transdate, qty, salesprice, lineamount, taxamount, taxgroupid, taxitemgroupid, currencyid, txt
                  FROM fno.projproposalline WHERE actualid = (SELECT billed FROM pick);
                INSERT INTO fno.projinvoiceline (dataareaid, projinvoiceid, invoicedate, transid, actualid, transtype,
                       projid, categoryid, qty, salesprice, lineamount, taxamount, currencyid, txt)
                SELECT dataareaid, projinvoiceid, invoicedate, 'PT-90000001', actualid, transtype, projid, categoryid,
                       qty, salesprice, lineamount, taxamount, currencyid, txt
                  FROM fno.projinvoiceline WHERE actualid = (SELECT billed FROM pick);
                """,
            expected: """
                SELECT 'PROPOSAL_LINE_SET_MISMATCH', 'E', 'PROPOSAL_LINE_SET_MISMATCH', p.invoice, p.invoice, NULL,
                       NULL, NULL, NULL, '1', '2', b.msdyn_amount
                  FROM pick p JOIN dataverse.msdyn_actual b ON b.msdyn_actualid = p.billed
                UNION ALL
                -- the second posted line has no posted transaction
                SELECT 'POSTED_TRANSACTION_MISMATCH', 'E', 'POSTED_TRANSACTION_MISMATCH', p.invoice, p.invoice,
                       p.billed, 'PT-90000001', j.ledgervoucher, 'count', '1', '0', il.lineamount
                  FROM pick p
                  JOIN fno.projinvoicejour j ON j.proposalid = p.invoice
                  JOIN fno.projinvoiceline il ON il.projinvoiceid = j.projinvoiceid AND il.transid = 'PT-90000001'
                """,
            controls: """
                SELECT 'staging_billed_sales vs proposal_lines', sum(o.amount), sum(o.amount) + s.amount, s.amount,
                       s.dataareaid, s.contractid, s.transactioncurrencyid, NULL
                  FROM pick p
                  JOIN fno.projcdsactualsimport s ON s.actualid = p.billed
                  JOIN fno.projcdsactualsimport o ON o.contractid = s.contractid AND o.transtype = 192350006
                 GROUP BY s.amount, s.dataareaid, s.contractid, s.transactioncurrencyid
                """),
        FaultCase(
            category: "PROPOSAL_LINE_AMOUNT_MISMATCH",
            injection: """
                -- the proposal line (and so the posted line) bills 1.00 more than the billed sale
                UPDATE fno.projproposalline SET lineamount = lineamount + 1 WHERE actualid = (SELECT billed FROM pick);
                UPDATE fno.projinvoiceline SET lineamount = lineamount + 1 WHERE actualid = (SELECT billed FROM pick);
                """,
            expected: """
                SELECT 'PROPOSAL_LINE_AMOUNT_MISMATCH', 'E', 'PROPOSAL_LINE_AMOUNT_MISMATCH', p.invoice, p.invoice,
                       p.billed, l.transid, NULL, 'lineamount', b.msdyn_amount::text, l.lineamount::text, 1.00
                  FROM pick p
                  JOIN dataverse.msdyn_actual b ON b.msdyn_actualid = p.billed
                  JOIN fno.projproposalline l ON l.actualid = p.billed
                UNION ALL
                -- the invoiced transaction kept the billed sale's amount
                SELECT 'POSTED_TRANSACTION_MISMATCH', 'E', 'POSTED_TRANSACTION_MISMATCH', p.invoice, p.invoice,
                       p.billed, t.transid, t.voucher, 'amount', il.lineamount::text, t.amount::text, 1.00
                  FROM pick p
                  JOIN fno.projinvoiceline il ON il.actualid = p.billed
                  JOIN fno.projpostedtranstable t ON t.transid = il.transid
                """,
            controls: """
                SELECT 'staging_billed_sales vs proposal_lines', sum(o.amount), sum(o.amount) + 1, 1.00,
                       s.dataareaid, s.contractid, s.transactioncurrencyid, NULL
                  FROM pick p
                  JOIN fno.projcdsactualsimport s ON s.actualid = p.billed
                  JOIN fno.projcdsactualsimport o ON o.contractid = s.contractid AND o.transtype = 192350006
                 GROUP BY s.dataareaid, s.contractid, s.transactioncurrencyid
                """),
        FaultCase(
            category: "ORPHAN_PROPOSAL_LINE",
            injection: """
                -- a proposal was deleted in F&O and one of its lines stayed behind
                INSERT INTO fno.projproposalline (dataareaid, proposalid, transid, actualid, transtype, qty, salesprice,
                                                  lineamount, currencyid)
                VALUES ('usmf', 'INV-900002', 'PT-90000002', 'ffffffff-0000-0000-0000-0000000b5002', 2, 1, 100.00,
                        100.00, 'USD');
                """,
            expected: """
                SELECT 'ORPHAN_PROPOSAL_LINE', 'E', 'ORPHAN_PROPOSAL_LINE', 'INV-900002', 'INV-900002',
                       'ffffffff-0000-0000-0000-0000000b5002', 'PT-90000002', NULL, NULL, NULL, NULL, '100.00'
                """),
        FaultCase(
            category: "DUPLICATE_STAGING_ROW",
            injection: """
                -- two sync passes raced and inserted the cost actual's staging row twice
                CREATE TEMP TABLE dup AS SELECT * FROM fno.projcdsactualsimport WHERE actualid = (SELECT cost FROM pick);
                UPDATE dup SET recid = (SELECT max(recid) + 1 FROM fno.projcdsactualsimport);
                INSERT INTO fno.projcdsactualsimport SELECT * FROM dup;
                """,
            expected: """
                SELECT 'DUPLICATE_STAGING_ROW', 'E', 'DUPLICATE_STAGING_ROW', NULL, NULL, p.cost, NULL, NULL, NULL,
                       '1', '2', a.msdyn_amount
                  FROM pick p JOIN dataverse.msdyn_actual a ON a.msdyn_actualid = p.cost
                """),
        FaultCase(
            category: "SKIPPED_RECORD_LEAKED",
            injection: """
                -- the cost actual was rolled back in Dataverse after F&O received it (invalid actual)
                CREATE TEMP TABLE staged AS SELECT * FROM fno.projcdsactualsimport WHERE actualid = (SELECT cost FROM pick);
                DELETE FROM dataverse.msdyn_transactionconnection
                 WHERE (SELECT cost FROM pick) IN (msdyn_transaction1, msdyn_transaction2);
                DELETE FROM dataverse.msdyn_actual WHERE msdyn_actualid = (SELECT cost FROM pick);
                """,
            expected: """
                SELECT 'SKIPPED_RECORD_LEAKED', 'E', 'SKIPPED_RECORD_LEAKED', NULL, NULL, actualid, NULL, NULL, NULL,
                       NULL, NULL, amount
                  FROM staged
                """),

        // MARK: Dataverse consistency
        FaultCase(
            category: "UNBILLED_NOT_REVERSED",
            injection: """
                -- the skip-sync reversal of the billed unbilled sale lost its link to the original
                DELETE FROM dataverse.msdyn_transactionconnection
                 WHERE msdyn_transaction2 = (SELECT unbilled FROM pick) AND msdyn_transaction1role = '192350005'
                   AND msdyn_transaction2role = '192350005';
                """,
            expected: """
                SELECT 'UNBILLED_NOT_REVERSED', 'E', 'UNBILLED_NOT_REVERSED', p.invoice, NULL, p.unbilled, NULL, NULL,
                       'msdyn_amount', -u.msdyn_amount, NULL, u.msdyn_amount
                  FROM pick p JOIN dataverse.msdyn_actual u ON u.msdyn_actualid = p.unbilled
                """),
        FaultCase(
            category: "BILLING_STATUS_INCONSISTENT",
            injection: """
                -- the billed unbilled sale went back to Ready to Invoice
                UPDATE dataverse.msdyn_actual SET msdyn_billingstatus = 192350004
                 WHERE msdyn_actualid = (SELECT unbilled FROM pick);
                """,
            expected: """
                SELECT 'BILLING_STATUS_INCONSISTENT', 'E', 'BILLING_STATUS_INCONSISTENT', p.invoice, NULL, p.unbilled,
                       NULL, NULL, 'msdyn_billingstatus', '192350002', '192350004', u.msdyn_amount
                  FROM pick p JOIN dataverse.msdyn_actual u ON u.msdyn_actualid = p.unbilled
                """),
        FaultCase(
            category: "INVOICE_TOTALS_INCONSISTENT",
            injection: """
                -- a confirmed proforma's first line carries a non-chargeable total its details do not have
                CREATE TEMP TABLE line AS
                SELECT l.* FROM dataverse.invoicedetail l JOIN dataverse.invoice i USING (invoiceid)
                 WHERE i.invoicenumber = 'INV-000004' ORDER BY l.lineitemnumber LIMIT 1;
                UPDATE dataverse.invoicedetail SET msdyn_nonchargeableamount = msdyn_nonchargeableamount + 5
                 WHERE invoicedetailid = (SELECT invoicedetailid FROM line);
                """,
            expected: """
                SELECT 'INVOICE_TOTALS_INCONSISTENT', 'E', 'INVOICE_TOTALS_INCONSISTENT', 'INV-000004', NULL, NULL,
                       NULL, NULL, 'msdyn_nonchargeableamount', msdyn_nonchargeableamount,
                       msdyn_nonchargeableamount + 5, 5.00
                  FROM line
                """),
        FaultCase(
            category: "CORRECTION_CHAIN_BROKEN",
            injection: """
                -- a detail marked as a correction of an original detail that does not exist
                UPDATE dataverse.msdyn_invoicelinetransaction
                   SET msdyn_correction = true, msdyn_originalinvoicelinedetail = 'ffffffff-0000-0000-0000-00000000c001'
                 WHERE msdyn_invoicelinetransactionid = (SELECT ild FROM pick);
                """,
            expected: """
                SELECT 'CORRECTION_CHAIN_BROKEN', 'E', 'CORRECTION_CHAIN_BROKEN', p.invoice, NULL, NULL, NULL, NULL,
                       'msdyn_originalinvoicelinedetail', 'ffffffff-0000-0000-0000-00000000c001', NULL,
                       abs(d.msdyn_amount)
                  FROM pick p JOIN dataverse.msdyn_invoicelinetransaction d ON d.msdyn_invoicelinetransactionid = p.ild
                """),

        // MARK: posting and write-back
        FaultCase(
            category: "UNBILLED_NOT_POSTED",
            injection: """
                -- a newly approved unbilled sale the actuals map has not sent to F&O yet
                CREATE TEMP TABLE dup AS SELECT * FROM dataverse.msdyn_actual WHERE msdyn_actualid = (SELECT unbilled FROM pick);
                UPDATE dup SET msdyn_actualid = 'ffffffff-0000-0000-0000-0000000b5003', msdyn_externalreferenceid = NULL,
                                msdyn_amount_base = NULL, msdyn_invoice = NULL, msdyn_billingstatus = 192350000,
                                msdyn_adjustmentstatus = NULL;
                INSERT INTO dataverse.msdyn_actual SELECT * FROM dup;
                """,
            expected: """
                SELECT 'UNBILLED_NOT_POSTED', 'W', 'UNBILLED_NOT_POSTED', NULL, NULL, msdyn_actualid, NULL, NULL, NULL,
                       NULL, NULL, msdyn_amount
                  FROM dup
                """),
        FaultCase(
            category: "MISSING_VOUCHER_WRITEBACK",
            injection: """
                -- the accounting write-back did not reach the cost actual
                UPDATE dataverse.msdyn_actual SET msdyn_externalreferenceid = NULL
                 WHERE msdyn_actualid = (SELECT cost FROM pick);
                """,
            expected: """
                SELECT 'MISSING_VOUCHER_WRITEBACK', 'W', 'MISSING_VOUCHER_WRITEBACK', NULL, NULL, s.actualid, NULL,
                       s.vouchernumber, 'msdyn_externalreferenceid', s.vouchernumber, NULL, s.accountingamount
                  FROM fno.projcdsactualsimport s WHERE s.actualid = (SELECT cost FROM pick)
                """),
        FaultCase(
            category: "ACCOUNTING_AMOUNT_MISMATCH",
            injection: """
                -- the posted transaction was converted a cent differently from its staging row
                UPDATE fno.projpostedtranstable SET amountmst = amountmst + 0.01 WHERE actualid = (SELECT cost FROM pick);
                """,
            expected: """
                SELECT 'ACCOUNTING_AMOUNT_MISMATCH', 'E', 'ACCOUNTING_AMOUNT_MISMATCH', NULL, NULL, t.actualid,
                       t.transid, t.voucher, 'amountmst', s.accountingamount::text, t.amountmst::text, 0.01
                  FROM fno.projpostedtranstable t JOIN fno.projcdsactualsimport s USING (actualid)
                 WHERE t.actualid = (SELECT cost FROM pick)
                UNION ALL
                -- the journal voucher's ledger lines no longer sum the transactions it posted
                \(costVoucherRows("t.voucher", currency: "USD", mst: "0.01", cur: "0"))
                """),
        FaultCase(
            category: "WIP_NOT_REVERSED",
            injection: """
                -- invoice posting skipped the WIP reversal of the unbilled sale it billed
                UPDATE fno.projpostedtranstable SET transstatus = 2 WHERE actualid = (SELECT unbilled FROM pick);
                """,
            expected: """
                SELECT 'WIP_NOT_REVERSED', 'E', 'WIP_NOT_REVERSED', p.invoice, p.invoice, p.unbilled, t.transid,
                       j.ledgervoucher, NULL, NULL, NULL, t.amount
                  FROM pick p
                  JOIN fno.projpostedtranstable t ON t.actualid = p.unbilled
                  JOIN fno.projinvoicejour j ON j.proposalid = p.invoice
                """),
        FaultCase(
            category: "POSTED_INVOICE_PROPOSAL_MISMATCH",
            injection: """
                -- the proposal was posted before its lines existed: the posted invoice has none
                DELETE FROM fno.projinvoiceline
                 WHERE projinvoiceid = (SELECT projinvoiceid FROM fno.projinvoicejour WHERE proposalid = 'INV-000004');
                """,
            expected: """
                SELECT 'POSTED_INVOICE_PROPOSAL_MISMATCH', 'E', 'POSTED_INVOICE_PROPOSAL_MISMATCH', j.proposalid,
                       j.proposalid, NULL, NULL, j.ledgervoucher, 'lines', count(*)::text, '0',
                       sum(abs(l.lineamount))
                  FROM fno.projinvoicejour j JOIN fno.projproposalline l USING (dataareaid, proposalid)
                 WHERE j.proposalid = 'INV-000004'
                 GROUP BY j.proposalid, j.ledgervoucher
                UNION ALL
                -- every invoiced transaction of the proposal has no posted line now
                SELECT 'POSTED_TRANSACTION_MISMATCH', 'E', 'POSTED_TRANSACTION_MISMATCH', l.proposalid, l.proposalid,
                       t.actualid, t.transid, t.voucher, 'count', '0', '1', t.amount
                  FROM fno.projproposalline l JOIN fno.projpostedtranstable t USING (dataareaid, transid)
                 WHERE l.proposalid = 'INV-000004'
                UNION ALL
                -- and the accounting amounts of the customer transaction and the voucher have no lines behind them
                SELECT 'CUSTOMER_TRANSACTION_MISMATCH', 'E', 'CUSTOMER_TRANSACTION_MISMATCH', j.proposalid,
                       j.proposalid, NULL, NULL, j.ledgervoucher, 'amountmst', '0', c.amountmst::text, c.amountmst
                  \(inv4Records)
                UNION ALL
                \(voucherRows("j.ledgervoucher", account: "130100", currency: "EUR", mst: "-c.amountmst", cur: "0",
                              invoice: "'INV-000004'", records: inv4Records))
                UNION ALL
                \(voucherRows("j.ledgervoucher", account: "401100", currency: "EUR",
                              mst: "(SELECT -sum(accountingcurrencyamount) FROM fno.generaljournalaccountentry WHERE voucher = j.ledgervoucher AND mainaccount = '401100')",
                              cur: "0", invoice: "'INV-000004'", records: inv4Records))
                UNION ALL
                \(voucherRows("j.ledgervoucher", account: "222200", currency: "EUR",
                              mst: "(SELECT -sum(accountingcurrencyamount) FROM fno.generaljournalaccountentry WHERE voucher = j.ledgervoucher AND mainaccount = '222200')",
                              cur: "0", invoice: "'INV-000004'", records: inv4Records))
                """,
            controls: """
                SELECT 'proposal_lines vs invoice_lines', sum(l.lineamount)::text, '0', sum(l.lineamount), j.dataareaid,
                       j.projinvoiceprojid, j.currencyid, NULL
                  FROM fno.projinvoicejour j JOIN fno.projproposalline l USING (dataareaid, proposalid)
                 WHERE j.proposalid = 'INV-000004'
                 GROUP BY j.dataareaid, j.projinvoiceprojid, j.currencyid
                UNION ALL
                SELECT 'invoice_lines_chargeable vs invoice_headers', '0', j.salesorderbalance::text, j.salesorderbalance,
                       j.dataareaid, j.projinvoiceprojid, j.currencyid, NULL
                  FROM fno.projinvoicejour j WHERE j.proposalid = 'INV-000004'
                """),
        FaultCase(
            category: "UNBALANCED_VOUCHER",
            injection: """
                -- one ledger line of an invoice voucher is a cent off
                UPDATE fno.generaljournalaccountentry SET accountingcurrencyamount = accountingcurrencyamount + 0.01
                 WHERE recid = (SELECT min(e.recid) FROM fno.generaljournalaccountentry e
                                  JOIN fno.projinvoicejour j ON j.ledgervoucher = e.voucher
                                 WHERE j.proposalid = 'INV-000004');
                """,
            expected: """
                SELECT 'UNBALANCED_VOUCHER', 'E', 'UNBALANCED_VOUCHER', NULL, NULL, NULL, NULL, ledgervoucher, NULL,
                       '0', '0.01', 0.01
                  FROM fno.projinvoicejour WHERE proposalid = 'INV-000004'
                UNION ALL
                -- the line is the receivable, which no longer equals the invoice
                \(voucherRows("j.ledgervoucher", account: "130100", currency: "EUR", mst: "-0.01", cur: "0",
                              invoice: "'INV-000004'", records: inv4Records))
                """),
    ]
}
