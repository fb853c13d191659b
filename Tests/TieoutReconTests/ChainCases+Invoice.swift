/// The invoice side of the chain: a billed sale's proposal line → its posted invoice line → its posted (invoiced)
/// transaction; a proposal header → its posted invoice → the invoice's customer transaction and the ledger lines of
/// its voucher; then what posting writes back (staging rows, actuals, the proforma) and the control totals per
/// contract. Line faults act on the billed sale `pick.billed` (a non-chargeable time line of `pick.invoice`, in USD),
/// header, customer-transaction and voucher faults on proforma INV-000004 (EUR), unless they name another record.
extension FaultCase {
    /// The records of the billed sale after the fault, found through its proposal line: `b` the billed sale, `d` its
    /// invoice line detail, `s` its staging row, `pl` its proposal line, `j` the posted invoice of that proposal (the
    /// first, not a second one a fault may add), `il` that invoice's line of the proposal line's transid, `t` the
    /// posted transaction of that transid, `c` the invoice's customer transaction (the first).
    static let billedRecords = """
        FROM pick p
        JOIN dataverse.msdyn_actual b ON b.msdyn_actualid = p.billed
        JOIN dataverse.msdyn_invoicelinetransaction d ON d.msdyn_invoicelinetransactionid = p.ild
        JOIN fno.projcdsactualsimport s ON s.actualid = p.billed
        JOIN fno.projproposalline pl ON pl.actualid = p.billed
        JOIN fno.projinvoicejour j
          ON j.recid = (SELECT min(x.recid) FROM fno.projinvoicejour x WHERE x.proposalid = pl.proposalid)
        LEFT JOIN fno.projinvoiceline il ON il.projinvoiceid = j.projinvoiceid AND il.transid = pl.transid
        LEFT JOIN fno.projpostedtranstable t ON t.transid = pl.transid
        LEFT JOIN fno.custtrans c
          ON c.recid = (SELECT min(x.recid) FROM fno.custtrans x WHERE x.invoice = j.projinvoiceid)
        """

    /// The records of proforma INV-000004 after the fault: `i` the proforma, `p` its proposal, `j` its posted invoice
    /// (the first, not a second one a fault may add), `c` the invoice's customer transaction (the first).
    static let invoiceRecords = """
        FROM dataverse.invoice i
        JOIN fno.projproposaljour p ON p.proposalid = i.invoicenumber AND i.invoicenumber = 'INV-000004'
        JOIN fno.projinvoicejour j
          ON j.recid = (SELECT min(x.recid) FROM fno.projinvoicejour x WHERE x.proposalid = p.proposalid)
        LEFT JOIN fno.custtrans c
          ON c.recid = (SELECT min(x.recid) FROM fno.custtrans x WHERE x.invoice = j.projinvoiceid)
        """

    /// Sums of a contract (by default `j`'s) in a currency (by default `j`'s), as SQL over ``billedRecords`` or
    /// ``invoiceRecords``: its billed-sales staging rows, its proposal lines, its posted invoice lines (all, or the
    /// chargeable ones), and the revenue (401100, as a credit) on the voucher of `j`.
    static let stagedSum = """
        (SELECT sum(x.amount) FROM fno.projcdsactualsimport x
          WHERE x.contractid = j.projinvoiceprojid AND x.transtype = 192350006)
        """

    static func proposalLineSum(contract: String = "j.projinvoiceprojid", currency: String = "j.currencyid") -> String {
        """
        (SELECT sum(x.lineamount) FROM fno.projproposalline x JOIN fno.projproposaljour y USING (dataareaid, proposalid)
          WHERE y.projinvoiceprojid = \(contract) AND x.currencyid = \(currency))
        """
    }

    static func invoiceLineSum(chargeable: Bool = false, currency: String = "j.currencyid") -> String {
        """
        (SELECT sum(x.lineamount) FROM fno.projinvoiceline x JOIN fno.projinvoicejour y USING (dataareaid, projinvoiceid)
          WHERE y.projinvoiceprojid = j.projinvoiceprojid AND x.currencyid = \(currency)\(
            chargeable ? " AND x.linepropertyid = 'Chargeable'" : ""))
        """
    }

    static let ledgerRevenue = """
        (SELECT -sum(e.transactioncurrencyamount) FROM fno.generaljournalaccountentry e
          WHERE e.voucher = j.ledgervoucher AND e.mainaccount = '401100')
        """

    /// The month of `j`'s invoice date, the period of its customer transaction and ledger lines.
    static let invoiceMonth = "date_trunc('month', j.invoicedate)::date"

    /// A CONTROL_TOTAL_MISMATCH row (``controlColumns``): `pair` the two stages, `a` and `b` their sums (SQL), for the
    /// contract and currency of `j` in `records` unless given; money at stake their difference.
    static func control(
        _ pair: String, _ a: String, _ b: String, contract: String = "j.projinvoiceprojid",
        currency: String = "j.currencyid", period: String = "NULL::date", records: String = billedRecords
    ) -> String {
        """
        SELECT '\(pair)', (\(a))::text, (\(b))::text, abs((\(b)) - (\(a))), j.dataareaid, \(contract), \(currency),
               \(period)
          \(records)
        """
    }

    /// A POSTED_INVOICE_PROPOSAL_MISMATCH row of the billed sale's posted invoice line: `expected` the proposal
    /// line's value, `actual` the invoice line's; money at stake the proposal line's amount unless given.
    static func invoiceLineField(_ field: String, expected: String, actual: String, amount: String = "pl.lineamount")
        -> String
    {
        """
        SELECT 'POSTED_INVOICE_PROPOSAL_MISMATCH', 'E', 'POSTED_INVOICE_PROPOSAL_MISMATCH', j.proposalid,
               j.proposalid, pl.actualid, il.transid, j.ledgervoucher, '\(field)', \(expected), \(actual), \(amount)
          \(billedRecords)
        """
    }

    /// A POSTED_TRANSACTION_MISMATCH row of the billed sale's invoiced transaction: `expected` the posted invoice
    /// line's value, `actual` the transaction's; money at stake the invoice line's amount unless given.
    static func invoiceTransactionField(
        _ field: String, expected: String, actual: String, amount: String = "il.lineamount"
    ) -> String {
        """
        SELECT 'POSTED_TRANSACTION_MISMATCH', 'E', 'POSTED_TRANSACTION_MISMATCH', j.proposalid, j.proposalid,
               il.actualid, il.transid, j.ledgervoucher, '\(field)', \(expected), \(actual), \(amount)
          \(billedRecords)
        """
    }

    /// A POSTED_INVOICE_PROPOSAL_MISMATCH row of a posted invoice header `j` in `records`: `expected` its proposal's
    /// value (or its own total), `actual` the invoice's; money at stake the invoice's amount before tax unless given.
    static func headerField(
        _ field: String, expected: String, actual: String, amount: String = "j.salesorderbalance",
        records: String = invoiceRecords
    ) -> String {
        """
        SELECT 'POSTED_INVOICE_PROPOSAL_MISMATCH', 'E', 'POSTED_INVOICE_PROPOSAL_MISMATCH', j.proposalid,
               j.proposalid, NULL, NULL, j.ledgervoucher, '\(field)', \(expected), \(actual), \(amount)
          \(records)
        """
    }

    /// A CUSTOMER_TRANSACTION_MISMATCH row of posted invoice `j` in `records`: `expected` the invoice's value,
    /// `actual` its customer transaction's; money at stake the invoice's total unless given.
    static func customerField(
        _ field: String, expected: String, actual: String, amount: String = "j.invoiceamount",
        records: String = invoiceRecords
    ) -> String {
        """
        SELECT 'CUSTOMER_TRANSACTION_MISMATCH', 'E', 'CUSTOMER_TRANSACTION_MISMATCH', j.proposalid, j.proposalid,
               NULL, NULL, j.ledgervoucher, '\(field)', \(expected), \(actual), \(amount)
          \(records)
        """
    }

    /// The VOUCHER_MISMATCH rows (accounting and transaction currency) of one main account and currency on the
    /// voucher of posted invoice `j` in `records`: `mst` and `cur` what its posting makes (SQL that may use `l.mst`
    /// and `l.cur`, the ledger lines' sums), against the ledger; a row whose amounts agree is left out.
    static func invoiceVoucherRows(
        account: String, currency: String = "j.currencyid", mst: String = "l.mst", cur: String = "l.cur",
        records: String = invoiceRecords
    ) -> String {
        """
        SELECT 'VOUCHER_MISMATCH', 'E', 'VOUCHER_MISMATCH', j.proposalid, j.proposalid, NULL, NULL, j.ledgervoucher,
               '\(account) ' || \(currency) || ' ' || v.col, v.posted::text, v.ledger::text, abs(v.posted - v.ledger)
          \(records)
         CROSS JOIN LATERAL (
               SELECT coalesce(sum(e.accountingcurrencyamount), 0) AS mst,
                      coalesce(sum(e.transactioncurrencyamount), 0) AS cur
                 FROM fno.generaljournalaccountentry e
                WHERE e.voucher = j.ledgervoucher AND e.mainaccount = '\(account)'
                  AND e.transactioncurrencycode = \(currency)) l
         CROSS JOIN LATERAL (VALUES ('accountingcurrencyamount', l.mst, \(mst)),
                                    ('transactioncurrencyamount', l.cur, \(cur))) AS v(col, ledger, posted)
         WHERE v.posted <> v.ledger
        """
    }

    /// The UNBALANCED_VOUCHER row of the voucher of posted invoice `j` in `records`.
    static func unbalancedInvoiceVoucher(records: String = invoiceRecords) -> String {
        """
        SELECT 'UNBALANCED_VOUCHER', 'E', 'UNBALANCED_VOUCHER', NULL, NULL, NULL, NULL, j.ledgervoucher, NULL, '0',
               sum(e.accountingcurrencyamount)::text, abs(sum(e.accountingcurrencyamount))
          \(records)
          JOIN fno.generaljournalaccountentry e ON e.voucher = j.ledgervoucher
         GROUP BY j.ledgervoucher
        """
    }

    /// A WRITEBACK_MISMATCH row of a staging row `s` in `records`: `expected` what the posting says, `actual` the
    /// staging row's; keyed by the invoice and line `j` and `il` of a billed sale (NULL for a journal posting).
    static func stagingWriteback(
        _ field: String, expected: String, actual: String, amount: String = "s.amount", records: String = billedRecords,
        invoice: String = "j.proposalid", transid: String = "il.transid"
    ) -> String {
        """
        SELECT 'WRITEBACK_MISMATCH', 'E', 'WRITEBACK_MISMATCH', \(invoice), \(invoice), s.actualid, \(transid),
               s.vouchernumber, 'projcdsactualsimport.\(field)', \(expected), \(actual), \(amount)
          \(records)
        """
    }

    /// A WRITEBACK_MISMATCH row of the Dataverse actual `record` in `records` (`b` the billed sale, `a` the cost)
    /// against its staging row `s`: `expected` what the write-back map sends, `actual` the actual's value; money at
    /// stake the actual's amount unless given.
    static func actualWriteback(
        _ field: String, expected: String, actual: String, amount: String? = nil, of record: String = "b",
        records: String = billedRecords
    ) -> String {
        """
        SELECT 'WRITEBACK_MISMATCH', 'E', 'WRITEBACK_MISMATCH', NULL, NULL, \(record).msdyn_actualid, NULL,
               \(record).msdyn_externalreferenceid, 'msdyn_actual.\(field)', \(expected), \(actual),
               \(amount ?? "\(record).msdyn_amount")
          \(records)
        """
    }

    /// The WRITEBACK_MISMATCH row of an actual `record` in `records` whose staging row `s` now names another
    /// voucher than the one the actual received.
    static func voucherNotWrittenBack(of record: String = "b", records: String = billedRecords) -> String {
        """
        SELECT 'WRITEBACK_MISMATCH', 'E', 'WRITEBACK_MISMATCH', NULL, NULL, s.actualid, NULL, s.vouchernumber,
               'msdyn_actual.msdyn_externalreferenceid', s.vouchernumber, \(record).msdyn_externalreferenceid,
               s.accountingamount
          \(records)
        """
    }

    /// Proposal line → posted invoice line → posted transaction (the invoice side), on the billed sale; posted
    /// invoice header against its proposal, customer transaction and voucher lines against the posted invoice, on
    /// INV-000004.
    static let invoiceChain: [FaultCase] = [
        // MARK: proposal line → posted invoice line
        FaultCase(
            category: "POSTED_INVOICE_PROPOSAL_MISMATCH",
            injection: """
                -- the posted invoice lost the billed sale's line
                DELETE FROM fno.projinvoiceline WHERE actualid = (SELECT billed FROM pick);
                """,
            expected: """
                SELECT 'POSTED_INVOICE_PROPOSAL_MISMATCH', 'E', 'POSTED_INVOICE_PROPOSAL_MISMATCH', j.proposalid,
                       j.proposalid, NULL, NULL, j.ledgervoucher, 'lines', n.lines::text, (n.lines - 1)::text,
                       pl.lineamount
                  \(billedRecords)
                 CROSS JOIN LATERAL (SELECT count(*) AS lines FROM fno.projproposalline x
                                      WHERE x.proposalid = j.proposalid) n
                UNION ALL
                SELECT 'POSTED_TRANSACTION_MISMATCH', 'E', 'POSTED_TRANSACTION_MISMATCH', j.proposalid, j.proposalid,
                       t.actualid, t.transid, t.voucher, 'count', '0', '1', t.amount
                  \(billedRecords)
                """,
            controls: control(
                "proposal_lines vs invoice_lines", proposalLineSum(), "\(proposalLineSum()) - pl.lineamount"),
            name: "invoice line deleted"),
        FaultCase(
            category: "POSTED_INVOICE_PROPOSAL_MISMATCH",
            injection: """
                -- posting wrote the billed sale's invoice line twice, the second under a transid of its own
                INSERT INTO fno.projinvoiceline (dataareaid, projinvoiceid, invoicedate, transid, actualid, transtype,
                       projid, categoryid, qty, salesprice, lineamount, taxamount, currencyid, txt, linepropertyid)
                SELECT dataareaid, projinvoiceid, invoicedate, 'PT-99999998', actualid, transtype, projid, categoryid,
                       qty, salesprice, lineamount, taxamount, currencyid, txt, linepropertyid
                  FROM fno.projinvoiceline WHERE actualid = (SELECT billed FROM pick);
                """,
            expected: """
                SELECT 'POSTED_INVOICE_PROPOSAL_MISMATCH', 'E', 'POSTED_INVOICE_PROPOSAL_MISMATCH', j.proposalid,
                       j.proposalid, NULL, NULL, j.ledgervoucher, 'lines', n.lines::text, (n.lines + 1)::text,
                       x.lineamount
                  \(billedRecords)
                  JOIN fno.projinvoiceline x ON x.transid = 'PT-99999998'
                 CROSS JOIN LATERAL (SELECT count(*) AS lines FROM fno.projproposalline y
                                      WHERE y.proposalid = j.proposalid) n
                UNION ALL
                SELECT 'POSTED_TRANSACTION_MISMATCH', 'E', 'POSTED_TRANSACTION_MISMATCH', j.proposalid, j.proposalid,
                       x.actualid, x.transid, j.ledgervoucher, 'count', '1', '0', x.lineamount
                  \(billedRecords)
                  JOIN fno.projinvoiceline x ON x.transid = 'PT-99999998'
                """,
            controls: control(
                "proposal_lines vs invoice_lines", proposalLineSum(), "\(proposalLineSum()) + pl.lineamount"),
            name: "invoice line extra"),
        FaultCase(
            category: "POSTED_INVOICE_PROPOSAL_MISMATCH",
            injection: """
                UPDATE fno.projinvoiceline SET actualid = 'ffffffff-0000-0000-0000-00000000a002'
                 WHERE actualid = (SELECT billed FROM pick);
                """,
            expected: invoiceLineField("actualid", expected: "pl.actualid::text", actual: "il.actualid::text") + union
                + invoiceTransactionField("actualid", expected: "il.actualid::text", actual: "t.actualid::text"),
            name: "actualid"),
        FaultCase(
            category: "POSTED_INVOICE_PROPOSAL_MISMATCH",
            injection: "UPDATE fno.projinvoiceline SET qty = qty + 1 WHERE actualid = (SELECT billed FROM pick);",
            expected: invoiceLineField("qty", expected: "pl.qty::text", actual: "il.qty::text") + union
                + invoiceTransactionField("qty", expected: "il.qty::text", actual: "t.qty::text"),
            name: "qty"),
        FaultCase(
            category: "POSTED_INVOICE_PROPOSAL_MISMATCH",
            injection: """
                UPDATE fno.projinvoiceline SET salesprice = salesprice + 1 WHERE actualid = (SELECT billed FROM pick);
                """,
            expected: invoiceLineField(
                "salesprice", expected: "pl.salesprice::text", actual: "il.salesprice::text",
                amount: "abs(il.salesprice - pl.salesprice)"),
            name: "salesprice"),
        FaultCase(
            category: "POSTED_INVOICE_PROPOSAL_MISMATCH",
            injection: """
                UPDATE fno.projinvoiceline SET lineamount = lineamount + 1 WHERE actualid = (SELECT billed FROM pick);
                """,
            expected: invoiceLineField(
                "lineamount", expected: "pl.lineamount::text", actual: "il.lineamount::text",
                amount: "abs(il.lineamount - pl.lineamount)") + union
                + invoiceTransactionField(
                    "amount", expected: "il.lineamount::text", actual: "t.amount::text",
                    amount: "abs(t.amount - il.lineamount)"),
            controls: control(
                "proposal_lines vs invoice_lines", proposalLineSum(),
                "\(proposalLineSum()) + il.lineamount - pl.lineamount"),
            name: "lineamount"),
        FaultCase(
            category: "POSTED_INVOICE_PROPOSAL_MISMATCH",
            injection: """
                -- posting billed 1.00 more on the invoice's first chargeable line than its proposal line
                CREATE TEMP TABLE line AS
                SELECT l.recid FROM fno.projinvoiceline l JOIN fno.projinvoicejour j USING (dataareaid, projinvoiceid)
                 WHERE j.proposalid = (SELECT invoice FROM pick) AND l.linepropertyid = 'Chargeable'
                 ORDER BY l.transid LIMIT 1;
                UPDATE fno.projinvoiceline SET lineamount = lineamount + 1 WHERE recid = (SELECT recid FROM line);
                """,
            expected: """
                SELECT 'POSTED_INVOICE_PROPOSAL_MISMATCH', 'E', 'POSTED_INVOICE_PROPOSAL_MISMATCH', j.proposalid,
                       j.proposalid, x.actualid, x.transid, j.ledgervoucher, 'lineamount', y.lineamount::text,
                       x.lineamount::text, abs(x.lineamount - y.lineamount)
                  \(billedRecords)
                  JOIN fno.projinvoiceline x ON x.recid = (SELECT recid FROM line)
                  JOIN fno.projproposalline y ON y.proposalid = j.proposalid AND y.transid = x.transid
                UNION ALL
                SELECT 'POSTED_TRANSACTION_MISMATCH', 'E', 'POSTED_TRANSACTION_MISMATCH', j.proposalid, j.proposalid,
                       x.actualid, x.transid, j.ledgervoucher, 'amount', x.lineamount::text, y.amount::text,
                       abs(y.amount - x.lineamount)
                  \(billedRecords)
                  JOIN fno.projinvoiceline x ON x.recid = (SELECT recid FROM line)
                  JOIN fno.projpostedtranstable y ON y.transid = x.transid
                """
                    + union
                    + customerField(
                        "amountmst", expected: "(c.amountmst + 1.00)::text", actual: "c.amountmst::text",
                        amount: "1.00",
                        records: billedRecords) + union
                    + invoiceVoucherRows(account: "130100", mst: "l.mst + 1.00", records: billedRecords) + union
                    + invoiceVoucherRows(account: "401100", mst: "l.mst - 1.00", records: billedRecords),
            controls: control(
                "proposal_lines vs invoice_lines", proposalLineSum(), "\(proposalLineSum()) + 1.00") + union
                + control(
                    "invoice_lines_chargeable vs invoice_headers", "j.salesorderbalance + 1.00", "j.salesorderbalance"),
            name: "lineamount of a chargeable line"),
        FaultCase(
            category: "POSTED_INVOICE_PROPOSAL_MISMATCH",
            injection: "UPDATE fno.projinvoiceline SET currencyid = 'EUR' WHERE actualid = (SELECT billed FROM pick);",
            expected: invoiceLineField("currencyid", expected: "pl.currencyid", actual: "il.currencyid") + union
                + invoiceTransactionField("currencyid", expected: "il.currencyid", actual: "t.currencyid"),
            controls: control(
                "proposal_lines vs invoice_lines", proposalLineSum(), "\(proposalLineSum()) - il.lineamount") + union
                + control("proposal_lines vs invoice_lines", "0", "il.lineamount", currency: "il.currencyid"),
            name: "currencyid"),
        FaultCase(
            category: "POSTED_INVOICE_PROPOSAL_MISMATCH",
            injection: "UPDATE fno.projinvoiceline SET transtype = 3 WHERE actualid = (SELECT billed FROM pick);",
            expected: invoiceLineField("transtype", expected: "pl.transtype::text", actual: "il.transtype::text")
                + union
                + invoiceTransactionField("transtype", expected: "il.transtype::text", actual: "t.transtype::text"),
            name: "transtype"),
        FaultCase(
            category: "POSTED_INVOICE_PROPOSAL_MISMATCH",
            injection: """
                -- the billed sale's non-chargeable line was posted as chargeable: revenue in accounting currency grows
                UPDATE fno.projinvoiceline SET linepropertyid = 'Chargeable' WHERE actualid = (SELECT billed FROM pick);
                """,
            expected: invoiceLineField(
                "linepropertyid", expected: "pl.linepropertyid", actual: "il.linepropertyid") + union
                + customerField(
                    "amountmst", expected: "(c.amountmst + round(il.lineamount * j.exchrate / 100, 2))::text",
                    actual: "c.amountmst::text", amount: "round(il.lineamount * j.exchrate / 100, 2)",
                    records: billedRecords) + union
                + invoiceVoucherRows(
                    account: "130100", mst: "l.mst + round(il.lineamount * j.exchrate / 100, 2)",
                    records: billedRecords) + union
                + invoiceVoucherRows(
                    account: "401100", mst: "l.mst - round(il.lineamount * j.exchrate / 100, 2)",
                    records: billedRecords),
            controls: control(
                "invoice_lines_chargeable vs invoice_headers", "j.salesorderbalance + il.lineamount",
                "j.salesorderbalance"),
            name: "linepropertyid"),
        FaultCase(
            category: "POSTED_INVOICE_PROPOSAL_MISMATCH",
            injection: """
                -- the billed sale's proposal line bills 1.00 more than its staging row, after it was posted
                UPDATE fno.projproposalline SET lineamount = lineamount + 1 WHERE actualid = (SELECT billed FROM pick);
                """,
            expected: """
                SELECT 'PROPOSAL_LINE_AMOUNT_MISMATCH', 'E', 'PROPOSAL_LINE_AMOUNT_MISMATCH', pl.proposalid,
                       pl.proposalid, pl.actualid, pl.transid, NULL, 'lineamount', b.msdyn_amount::text,
                       pl.lineamount::text, abs(pl.lineamount - b.msdyn_amount)
                  \(billedRecords)
                """
                    + union
                    + invoiceLineField(
                        "lineamount", expected: "pl.lineamount::text", actual: "il.lineamount::text",
                        amount: "abs(il.lineamount - pl.lineamount)"),
            controls: control(
                "staging_billed_sales vs proposal_lines", stagedSum, "\(stagedSum) + pl.lineamount - s.amount")
                + union
                + control(
                    "proposal_lines vs invoice_lines", proposalLineSum(),
                    "\(proposalLineSum()) - pl.lineamount + il.lineamount"),
            name: "proposal line lineamount"),

        // MARK: posted invoice line → posted transaction
        FaultCase(
            category: "POSTED_TRANSACTION_MISMATCH",
            injection: "DELETE FROM fno.projpostedtranstable WHERE actualid = (SELECT billed FROM pick);",
            expected: invoiceTransactionField("count", expected: "'1'", actual: "'0'"),
            name: "posted transaction deleted"),
        FaultCase(
            category: "POSTED_TRANSACTION_MISMATCH",
            injection: """
                UPDATE fno.projpostedtranstable SET actualid = 'ffffffff-0000-0000-0000-00000000a003'
                 WHERE actualid = (SELECT billed FROM pick);
                """,
            expected: invoiceTransactionField("actualid", expected: "il.actualid::text", actual: "t.actualid::text"),
            name: "actualid"),
        FaultCase(
            category: "POSTED_TRANSACTION_MISMATCH",
            injection: "UPDATE fno.projpostedtranstable SET qty = qty + 1 WHERE actualid = (SELECT billed FROM pick);",
            expected: invoiceTransactionField("qty", expected: "il.qty::text", actual: "t.qty::text"),
            name: "qty"),
        FaultCase(
            category: "POSTED_TRANSACTION_MISMATCH",
            injection:
                "UPDATE fno.projpostedtranstable SET amount = amount + 1 WHERE actualid = (SELECT billed FROM pick);",
            expected: invoiceTransactionField(
                "amount", expected: "il.lineamount::text", actual: "t.amount::text",
                amount: "abs(t.amount - il.lineamount)"),
            name: "amount"),
        FaultCase(
            category: "POSTED_TRANSACTION_MISMATCH",
            injection:
                "UPDATE fno.projpostedtranstable SET currencyid = 'EUR' WHERE actualid = (SELECT billed FROM pick);",
            expected: invoiceTransactionField("currencyid", expected: "il.currencyid", actual: "t.currencyid"),
            name: "currencyid"),
        FaultCase(
            category: "POSTED_TRANSACTION_MISMATCH",
            injection: "UPDATE fno.projpostedtranstable SET transtype = 3 WHERE actualid = (SELECT billed FROM pick);",
            expected: invoiceTransactionField("transtype", expected: "il.transtype::text", actual: "t.transtype::text"),
            name: "transtype"),
        FaultCase(
            category: "POSTED_TRANSACTION_MISMATCH",
            injection:
                "UPDATE fno.projpostedtranstable SET projid = 'P-999' WHERE actualid = (SELECT billed FROM pick);",
            expected: invoiceTransactionField("projid", expected: "il.projid", actual: "t.projid"),
            name: "projid"),
        FaultCase(
            category: "POSTED_TRANSACTION_MISMATCH",
            injection: """
                UPDATE fno.projpostedtranstable SET voucher = 'IV-999999' WHERE actualid = (SELECT billed FROM pick);
                """,
            expected: invoiceTransactionField("voucher", expected: "j.ledgervoucher", actual: "t.voucher"),
            name: "voucher"),
        FaultCase(
            category: "POSTED_TRANSACTION_MISMATCH",
            injection: """
                -- invoice posting left the billed sale's transaction Posted instead of Invoiced
                UPDATE fno.projpostedtranstable SET transstatus = optionset.code('projtransstatus', 'Posted')
                 WHERE actualid = (SELECT billed FROM pick);
                """,
            expected: invoiceTransactionField(
                "transstatus", expected: "optionset.code('projtransstatus', 'Invoiced')::text",
                actual: "t.transstatus::text"),
            name: "transstatus"),

        // MARK: proposal header → posted invoice header
        FaultCase(
            category: "POSTED_INVOICE_PROPOSAL_MISMATCH",
            injection: """
                -- posting summed the invoice 10.00 higher than its proposal, and left its total as it was
                UPDATE fno.projinvoicejour SET salesorderbalance = salesorderbalance + 10 WHERE proposalid = 'INV-000004';
                """,
            expected: headerField(
                "salesorderbalance", expected: "p.salesorderbalance::text", actual: "j.salesorderbalance::text",
                amount: "abs(j.salesorderbalance - p.salesorderbalance)") + union
                + headerField(
                    "invoiceamount", expected: "(j.salesorderbalance + j.sumtax)::text",
                    actual: "j.invoiceamount::text",
                    amount: "abs(j.invoiceamount - j.salesorderbalance - j.sumtax)") + union
                + invoiceVoucherRows(account: "401100", cur: "-j.salesorderbalance"),
            controls: control(
                "invoice_lines_chargeable vs invoice_headers", invoiceLineSum(chargeable: true), "j.salesorderbalance",
                records: invoiceRecords) + union
                + control(
                    "invoice_headers vs customer_transactions_less_tax", "j.salesorderbalance",
                    "c.amountcur - j.sumtax",
                    records: invoiceRecords),
            name: "salesorderbalance"),
        FaultCase(
            category: "POSTED_INVOICE_PROPOSAL_MISMATCH",
            injection: """
                -- the posted invoice's total is 10.00 more than its amount before tax plus tax
                UPDATE fno.projinvoicejour SET invoiceamount = invoiceamount + 10 WHERE proposalid = 'INV-000004';
                """,
            expected: headerField(
                "invoiceamount", expected: "(j.salesorderbalance + j.sumtax)::text", actual: "j.invoiceamount::text",
                amount: "abs(j.invoiceamount - j.salesorderbalance - j.sumtax)") + union
                + customerField(
                    "amountcur", expected: "j.invoiceamount::text", actual: "c.amountcur::text",
                    amount: "abs(c.amountcur - j.invoiceamount)") + union
                + invoiceVoucherRows(account: "130100", cur: "j.invoiceamount"),
            name: "invoiceamount"),
        FaultCase(
            category: "POSTED_INVOICE_PROPOSAL_MISMATCH",
            injection: "UPDATE fno.projinvoicejour SET currencyid = 'USD' WHERE proposalid = 'INV-000004';",
            expected: headerField("currencyid", expected: "p.currencyid", actual: "j.currencyid") + union
                + customerField("currencycode", expected: "j.currencyid", actual: "c.currencycode") + union
                    + """
                    -- (the voucher's lines, in the proposal's currency, are expected in the invoice's)
                    SELECT 'VOUCHER_MISMATCH', 'E', 'VOUCHER_MISMATCH', j.proposalid, j.proposalid, NULL, NULL,
                           j.ledgervoucher, e.mainaccount || ' ' || v.currency || ' ' || v.col, v.posted::text,
                           v.ledger::text, abs(v.posted - v.ledger)
                      \(invoiceRecords)
                      JOIN fno.generaljournalaccountentry e
                        ON e.voucher = j.ledgervoucher AND e.mainaccount IN ('130100', '401100', '222200')
                     CROSS JOIN LATERAL (VALUES
                           (j.currencyid, 'accountingcurrencyamount', e.accountingcurrencyamount, 0),
                           (j.currencyid, 'transactioncurrencyamount', e.transactioncurrencyamount, 0),
                           (e.transactioncurrencycode, 'accountingcurrencyamount', 0, e.accountingcurrencyamount),
                           (e.transactioncurrencycode, 'transactioncurrencyamount', 0, e.transactioncurrencyamount))
                           AS v(currency, col, posted, ledger)
                    """,
            controls: control(
                "invoice_lines_chargeable vs invoice_headers",
                invoiceLineSum(chargeable: true, currency: "p.currencyid"), "0",
                currency: "p.currencyid", records: invoiceRecords) + union
                + control(
                    "invoice_lines_chargeable vs invoice_headers", "0", "j.salesorderbalance",
                    records: invoiceRecords) + union
                + control(
                    "invoice_headers vs customer_transactions_less_tax", "0", "c.amountcur - j.sumtax",
                    currency: "c.currencycode", records: invoiceRecords) + union
                + control(
                    "invoice_headers vs customer_transactions_less_tax", "j.salesorderbalance", "0",
                    records: invoiceRecords),
            name: "currencyid"),
        FaultCase(
            category: "POSTED_INVOICE_PROPOSAL_MISMATCH",
            injection:
                "UPDATE fno.projinvoicejour SET projinvoiceprojid = 'PC-999999' WHERE proposalid = 'INV-000004';",
            expected: headerField("projinvoiceprojid", expected: "p.projinvoiceprojid", actual: "j.projinvoiceprojid"),
            controls: control(
                "proposal_lines vs invoice_lines",
                proposalLineSum(contract: "p.projinvoiceprojid"), "0",
                contract: "p.projinvoiceprojid", records: invoiceRecords) + union
                + control("proposal_lines vs invoice_lines", "0", invoiceLineSum(), records: invoiceRecords),
            name: "projinvoiceprojid"),
        FaultCase(
            category: "POSTED_INVOICE_PROPOSAL_MISMATCH",
            injection: "UPDATE fno.projinvoicejour SET invoiceaccount = 'C-999' WHERE proposalid = 'INV-000004';",
            expected: headerField("invoiceaccount", expected: "p.invoiceaccount", actual: "j.invoiceaccount") + union
                + customerField("accountnum", expected: "j.invoiceaccount", actual: "c.accountnum"),
            name: "invoiceaccount"),
        FaultCase(
            category: "POSTED_INVOICE_PROPOSAL_MISMATCH",
            injection: """
                -- the proposal names another invoice than the one it was posted as
                UPDATE fno.projproposaljour SET projinvoiceid = 'CIV-999999' WHERE proposalid = 'INV-000004';
                """,
            expected: headerField("projinvoiceid", expected: "p.projinvoiceid", actual: "j.projinvoiceid") + union
                + """
                -- (and the invoice it names does not exist)
                SELECT 'POSTED_INVOICE_PROPOSAL_MISMATCH', 'E', 'POSTED_INVOICE_PROPOSAL_MISMATCH', p.proposalid,
                       p.proposalid, NULL, NULL, p.ledgervoucher, 'projinvoiceid', p.projinvoiceid, NULL,
                       p.salesorderbalance
                  \(invoiceRecords)
                """,
            name: "projinvoiceid"),
        FaultCase(
            category: "POSTED_INVOICE_PROPOSAL_MISMATCH",
            injection: """
                -- the proposal was posted a second time, as a header only, on a voucher of its own
                INSERT INTO fno.projinvoicejour (dataareaid, projinvoiceid, invoicedate, proposalid, projinvoiceprojid,
                       fundingsource, invoiceaccount, currencyid, exchrate, duedate, salesorderbalance, sumtax,
                       invoiceamount, ledgervoucher)
                SELECT dataareaid, 'CIV-999999', invoicedate, proposalid, projinvoiceprojid, fundingsource,
                       invoiceaccount, currencyid, exchrate, duedate, salesorderbalance, sumtax, invoiceamount, 'IV-999999'
                  FROM fno.projinvoicejour WHERE proposalid = 'INV-000004';
                """,
            expected: secondInvoiceFindings,
            controls: secondInvoiceControls,
            name: "posted twice"),
        FaultCase(
            category: "POSTED_INVOICE_PROPOSAL_MISMATCH",
            injection: """
                -- the posted invoice names a proposal F&O does not have
                UPDATE fno.projinvoicejour SET proposalid = 'INV-900003' WHERE proposalid = 'INV-000004';
                """,
            expected: """
                SELECT 'POSTED_INVOICE_PROPOSAL_MISMATCH', 'E', 'POSTED_INVOICE_PROPOSAL_MISMATCH', j.proposalid,
                       j.proposalid, NULL, NULL, j.ledgervoucher, 'proposalid', NULL, j.proposalid,
                       j.salesorderbalance
                  FROM fno.projinvoicejour j WHERE j.proposalid = 'INV-900003'
                UNION ALL
                -- (so the proforma's write-back is of no posted invoice)
                SELECT 'POSTED_STATUS_NOT_REFLECTED', 'W', 'POSTED_STATUS_NOT_REFLECTED', i.invoicenumber,
                       i.invoicenumber, NULL, NULL, NULL, 'msdyn_customerinvoicenumber', NULL,
                       i.msdyn_customerinvoicenumber, NULL
                  FROM dataverse.invoice i WHERE i.invoicenumber = 'INV-000004'
                """,
            controls: control(
                "proposal_lines vs invoice_lines", "0", invoiceLineSum(),
                records: "FROM fno.projinvoicejour j WHERE j.proposalid = 'INV-900003'"),
            name: "proposal does not exist"),

        // MARK: posted invoice → customer transaction
        FaultCase(
            category: "CUSTOMER_TRANSACTION_MISMATCH",
            injection: """
                DELETE FROM fno.custtrans
                 WHERE invoice = (SELECT projinvoiceid FROM fno.projinvoicejour WHERE proposalid = 'INV-000004');
                """,
            expected: customerField("count", expected: "'1'", actual: "'0'"),
            controls: control(
                "invoice_headers vs customer_transactions_less_tax", "j.salesorderbalance", "0",
                records: invoiceRecords) + union
                + control(
                    "customer_transactions_less_tax vs ledger_revenue", "0", ledgerRevenue, period: invoiceMonth,
                    records: invoiceRecords),
            name: "deleted"),
        FaultCase(
            category: "CUSTOMER_TRANSACTION_MISMATCH",
            injection: """
                -- AR posted the invoice's customer transaction twice
                INSERT INTO fno.custtrans (dataareaid, accountnum, invoice, voucher, transdate, duedate, amountcur,
                       amountmst, currencycode, exchrate, txt)
                SELECT dataareaid, accountnum, invoice, voucher, transdate, duedate, amountcur, amountmst, currencycode,
                       exchrate, txt
                  FROM fno.custtrans
                 WHERE invoice = (SELECT projinvoiceid FROM fno.projinvoicejour WHERE proposalid = 'INV-000004');
                """,
            expected: customerField("count", expected: "'1'", actual: "'2'"),
            controls: control(
                "invoice_headers vs customer_transactions_less_tax", "j.salesorderbalance",
                "2 * (c.amountcur - j.sumtax)", records: invoiceRecords) + union
                + control(
                    "customer_transactions_less_tax vs ledger_revenue", "2 * (c.amountcur - j.sumtax)", ledgerRevenue,
                    period: invoiceMonth, records: invoiceRecords),
            name: "duplicated"),
        FaultCase(
            category: "CUSTOMER_TRANSACTION_MISMATCH",
            injection: """
                -- a customer transaction entered by hand for an invoice F&O never posted
                INSERT INTO fno.custtrans (dataareaid, accountnum, invoice, voucher, transdate, amountcur, amountmst,
                                           currencycode, exchrate, txt)
                VALUES ('usmf', 'C-000004', 'CIV-999999', 'IV-999999', DATE '2026-11-02', 100.00, 110.25, 'EUR',
                        110.25, 'manual');
                """,
            expected: """
                SELECT 'CUSTOMER_TRANSACTION_MISMATCH', 'E', 'CUSTOMER_TRANSACTION_MISMATCH', NULL, NULL, NULL, NULL,
                       c.voucher, 'count', '0', '1', c.amountcur
                  FROM fno.custtrans c WHERE c.invoice = 'CIV-999999'
                """,
            name: "for no posted invoice"),
        FaultCase(
            category: "CUSTOMER_TRANSACTION_MISMATCH",
            injection: """
                UPDATE fno.custtrans SET amountcur = amountcur + 10
                 WHERE invoice = (SELECT projinvoiceid FROM fno.projinvoicejour WHERE proposalid = 'INV-000004');
                """,
            expected: customerField(
                "amountcur", expected: "j.invoiceamount::text", actual: "c.amountcur::text",
                amount: "abs(c.amountcur - j.invoiceamount)"),
            controls: control(
                "invoice_headers vs customer_transactions_less_tax", "j.salesorderbalance", "c.amountcur - j.sumtax",
                records: invoiceRecords) + union
                + control(
                    "customer_transactions_less_tax vs ledger_revenue", "c.amountcur - j.sumtax", ledgerRevenue,
                    period: invoiceMonth, records: invoiceRecords),
            name: "amountcur"),
        FaultCase(
            category: "CUSTOMER_TRANSACTION_MISMATCH",
            injection: """
                UPDATE fno.custtrans SET amountmst = amountmst + 0.01
                 WHERE invoice = (SELECT projinvoiceid FROM fno.projinvoicejour WHERE proposalid = 'INV-000004');
                """,
            expected: customerField(
                "amountmst", expected: "(c.amountmst - 0.01)::text", actual: "c.amountmst::text", amount: "0.01"),
            name: "amountmst"),
        FaultCase(
            category: "CUSTOMER_TRANSACTION_MISMATCH",
            injection: """
                UPDATE fno.custtrans SET currencycode = 'USD'
                 WHERE invoice = (SELECT projinvoiceid FROM fno.projinvoicejour WHERE proposalid = 'INV-000004');
                """,
            expected: customerField("currencycode", expected: "j.currencyid", actual: "c.currencycode"),
            controls: control(
                "invoice_headers vs customer_transactions_less_tax", "j.salesorderbalance", "0",
                records: invoiceRecords) + union
                + control(
                    "invoice_headers vs customer_transactions_less_tax", "0", "c.amountcur - j.sumtax",
                    currency: "c.currencycode", records: invoiceRecords) + union
                + control(
                    "customer_transactions_less_tax vs ledger_revenue", "0", ledgerRevenue, period: invoiceMonth,
                    records: invoiceRecords) + union
                + control(
                    "customer_transactions_less_tax vs ledger_revenue", "c.amountcur - j.sumtax", "0",
                    currency: "c.currencycode", period: invoiceMonth, records: invoiceRecords),
            name: "currencycode"),
        FaultCase(
            category: "CUSTOMER_TRANSACTION_MISMATCH",
            injection: """
                UPDATE fno.custtrans SET accountnum = 'C-999'
                 WHERE invoice = (SELECT projinvoiceid FROM fno.projinvoicejour WHERE proposalid = 'INV-000004');
                """,
            expected: customerField("accountnum", expected: "j.invoiceaccount", actual: "c.accountnum"),
            name: "accountnum"),
        FaultCase(
            category: "CUSTOMER_TRANSACTION_MISMATCH",
            injection: """
                UPDATE fno.custtrans SET voucher = 'IV-999999'
                 WHERE invoice = (SELECT projinvoiceid FROM fno.projinvoicejour WHERE proposalid = 'INV-000004');
                """,
            expected: customerField("voucher", expected: "j.ledgervoucher", actual: "c.voucher"),
            name: "voucher"),

        // MARK: posted invoice → voucher lines
        FaultCase(
            category: "VOUCHER_MISMATCH",
            injection: """
                -- the receivable line of the invoice voucher is 1.00 higher, in both currencies
                UPDATE fno.generaljournalaccountentry
                   SET accountingcurrencyamount = accountingcurrencyamount + 1,
                       transactioncurrencyamount = transactioncurrencyamount + 1
                 WHERE mainaccount = '130100'
                   AND voucher = (SELECT ledgervoucher FROM fno.projinvoicejour WHERE proposalid = 'INV-000004');
                """,
            expected: invoiceVoucherRows(account: "130100", mst: "c.amountmst", cur: "j.invoiceamount") + union
                + unbalancedInvoiceVoucher(),
            name: "receivable line"),
        FaultCase(
            category: "VOUCHER_MISMATCH",
            injection: """
                -- the revenue line of the invoice voucher credits 1.00 more, in both currencies
                UPDATE fno.generaljournalaccountentry
                   SET accountingcurrencyamount = accountingcurrencyamount - 1,
                       transactioncurrencyamount = transactioncurrencyamount - 1
                 WHERE mainaccount = '401100'
                   AND voucher = (SELECT ledgervoucher FROM fno.projinvoicejour WHERE proposalid = 'INV-000004');
                """,
            expected: invoiceVoucherRows(account: "401100", mst: "l.mst + 1.00", cur: "-j.salesorderbalance")
                + union + unbalancedInvoiceVoucher(),
            controls: control(
                "customer_transactions_less_tax vs ledger_revenue", "c.amountcur - j.sumtax", ledgerRevenue,
                period: invoiceMonth, records: invoiceRecords),
            name: "revenue line"),
        FaultCase(
            category: "VOUCHER_MISMATCH",
            injection: """
                -- the invoice voucher lost its sales tax line
                CREATE TEMP TABLE gone AS
                SELECT * FROM fno.generaljournalaccountentry
                 WHERE mainaccount = '222200'
                   AND voucher = (SELECT ledgervoucher FROM fno.projinvoicejour WHERE proposalid = 'INV-000004');
                DELETE FROM fno.generaljournalaccountentry WHERE recid IN (SELECT recid FROM gone);
                """,
            expected: invoiceVoucherRows(
                account: "222200", mst: "(SELECT sum(accountingcurrencyamount) FROM gone)", cur: "-j.sumtax") + union
                + unbalancedInvoiceVoucher(),
            name: "tax line deleted"),
    ]

    /// The records of a second posted invoice CIV-999999 of proposal INV-000004: `i` the proforma, `p` the proposal,
    /// `j` the second invoice, `o` the first, `c` the first's customer transaction.
    static let secondInvoiceRecords = """
        FROM dataverse.invoice i
        JOIN fno.projproposaljour p ON p.proposalid = i.invoicenumber
        JOIN fno.projinvoicejour j ON j.proposalid = p.proposalid AND j.projinvoiceid = 'CIV-999999'
        JOIN fno.projinvoicejour o ON o.proposalid = p.proposalid AND o.projinvoiceid = p.projinvoiceid
        JOIN fno.custtrans c ON c.invoice = o.projinvoiceid
        """

    /// The findings of a second posted invoice of INV-000004 (a header only): its invoice id and lines differ from
    /// the proposal's, it has no customer transaction, its voucher's ledger lines lack its postings (transaction
    /// currency only: without lines it has no accounting-currency amounts), and the proforma reflects the first.
    static let secondInvoiceFindings = [
        headerField(
            "projinvoiceid", expected: "p.projinvoiceid", actual: "j.projinvoiceid", records: secondInvoiceRecords),
        """
        SELECT 'POSTED_INVOICE_PROPOSAL_MISMATCH', 'E', 'POSTED_INVOICE_PROPOSAL_MISMATCH', j.proposalid, j.proposalid,
               NULL, NULL, j.ledgervoucher, 'lines', count(*)::text, '0', sum(abs(l.lineamount))
          \(secondInvoiceRecords)
          JOIN fno.projproposalline l ON l.proposalid = p.proposalid
         GROUP BY j.proposalid, j.ledgervoucher
        """,
        customerField("count", expected: "'1'", actual: "'0'", records: secondInvoiceRecords),
        invoiceVoucherRows(account: "130100", cur: "l.cur + j.invoiceamount", records: secondInvoiceRecords),
        invoiceVoucherRows(account: "401100", cur: "l.cur - j.salesorderbalance", records: secondInvoiceRecords),
        invoiceVoucherRows(account: "222200", cur: "l.cur - j.sumtax", records: secondInvoiceRecords),
        """
        SELECT 'POSTED_STATUS_NOT_REFLECTED', 'W', 'POSTED_STATUS_NOT_REFLECTED', i.invoicenumber, i.invoicenumber,
               NULL, NULL, NULL, 'msdyn_customerinvoicenumber', j.projinvoiceid, i.msdyn_customerinvoicenumber, NULL
          \(secondInvoiceRecords)
        """,
    ].joined(separator: union)

    /// The control totals a second posted invoice of INV-000004 moves: its header counts on top of the lines and the
    /// customer transaction of the first.
    static let secondInvoiceControls =
        control(
            "invoice_lines_chargeable vs invoice_headers", invoiceLineSum(chargeable: true),
            "\(invoiceLineSum(chargeable: true)) + j.salesorderbalance", records: secondInvoiceRecords) + union
        + control(
            "invoice_headers vs customer_transactions_less_tax", "c.amountcur - o.sumtax + j.salesorderbalance",
            "c.amountcur - o.sumtax", records: secondInvoiceRecords)

    /// What posting writes back, against the posting (staging row) and the staging row (actual, proforma); then the
    /// control totals where they are the point: a stage whose records no field check compares, or a period.
    static let writebackAndControlTotals: [FaultCase] = [
        // MARK: posting → billed sale's staging row → actual
        FaultCase(
            category: "WRITEBACK_MISMATCH",
            injection: """
                -- the billed sale's staging row received another voucher than its invoice's
                UPDATE fno.projcdsactualsimport SET vouchernumber = 'IV-999999' WHERE actualid = (SELECT billed FROM pick);
                """,
            expected: stagingWriteback("vouchernumber", expected: "j.ledgervoucher", actual: "s.vouchernumber") + union
                + voucherNotWrittenBack(),
            name: "billed staging vouchernumber"),
        FaultCase(
            category: "WRITEBACK_MISMATCH",
            injection: """
                UPDATE fno.projcdsactualsimport SET exchangerate = exchangerate + 0.01
                 WHERE actualid = (SELECT billed FROM pick);
                """,
            expected: stagingWriteback(
                "exchangerate", expected: "(s.exchangerate - 0.01)::text", actual: "s.exchangerate::text") + union
                + actualWriteback("exchangerate", expected: "s.exchangerate::text", actual: "b.exchangerate::text"),
            name: "billed staging exchangerate"),
        FaultCase(
            category: "WRITEBACK_MISMATCH",
            injection: """
                UPDATE fno.projcdsactualsimport SET exchangeratedate = exchangeratedate - 1
                 WHERE actualid = (SELECT billed FROM pick);
                """,
            expected: stagingWriteback(
                "exchangeratedate", expected: "j.invoicedate::text", actual: "s.exchangeratedate::text") + union
                + actualWriteback(
                    "msdyn_exchangeratedate", expected: "s.exchangeratedate::text",
                    actual: "b.msdyn_exchangeratedate::text"),
            name: "billed staging exchangeratedate"),
        FaultCase(
            category: "WRITEBACK_MISMATCH",
            injection: """
                UPDATE fno.projcdsactualsimport SET salestaxamount = salestaxamount + 0.01
                 WHERE actualid = (SELECT billed FROM pick);
                """,
            expected: stagingWriteback(
                "salestaxamount", expected: "il.taxamount::text", actual: "s.salestaxamount::text",
                amount: "abs(s.salestaxamount - il.taxamount)") + union
                + actualWriteback(
                    "msdyn_salestaxamount", expected: "s.salestaxamount::text", actual: "b.msdyn_salestaxamount::text",
                    amount: "abs(b.msdyn_salestaxamount - s.salestaxamount)"),
            name: "billed staging salestaxamount"),

        // MARK: posting → cost actual's staging row → actual
        FaultCase(
            category: "WRITEBACK_MISMATCH",
            injection: """
                UPDATE fno.projcdsactualsimport SET exchangerate = exchangerate + 0.01 WHERE actualid = (SELECT cost FROM pick);
                """,
            expected: stagingWriteback(
                "exchangerate", expected: "(s.exchangerate - 0.01)::text", actual: "s.exchangerate::text",
                records: costRecords, invoice: "NULL", transid: "NULL") + union
                + actualWriteback(
                    "exchangerate", expected: "s.exchangerate::text", actual: "a.exchangerate::text", of: "a",
                    records: costRecords),
            name: "cost staging exchangerate"),
        FaultCase(
            category: "WRITEBACK_MISMATCH",
            injection: """
                -- the cost actual's staging row received another voucher than its journal line's
                UPDATE fno.projcdsactualsimport SET vouchernumber = 'PV-999999' WHERE actualid = (SELECT cost FROM pick);
                """,
            expected: stagingWriteback(
                "vouchernumber", expected: "jl.voucher", actual: "s.vouchernumber", records: costRecords,
                invoice: "NULL", transid: "NULL") + union
                + voucherNotWrittenBack(of: "a", records: costRecords),
            name: "cost staging vouchernumber"),

        // MARK: staging row → actual
        FaultCase(
            category: "WRITEBACK_MISMATCH",
            injection: """
                UPDATE dataverse.msdyn_actual SET exchangerate = exchangerate + 0.01
                 WHERE msdyn_actualid = (SELECT billed FROM pick);
                """,
            expected: actualWriteback("exchangerate", expected: "s.exchangerate::text", actual: "b.exchangerate::text"),
            name: "billed actual exchangerate"),
        FaultCase(
            category: "WRITEBACK_MISMATCH",
            injection: """
                UPDATE dataverse.msdyn_actual SET msdyn_exchangeratedate = msdyn_exchangeratedate - 1
                 WHERE msdyn_actualid = (SELECT billed FROM pick);
                """,
            expected: actualWriteback(
                "msdyn_exchangeratedate", expected: "s.exchangeratedate::text",
                actual: "b.msdyn_exchangeratedate::text"),
            name: "billed actual msdyn_exchangeratedate"),
        FaultCase(
            category: "WRITEBACK_MISMATCH",
            injection: """
                UPDATE dataverse.msdyn_actual SET msdyn_salestaxamount = msdyn_salestaxamount + 0.01
                 WHERE msdyn_actualid = (SELECT billed FROM pick);
                """,
            expected: actualWriteback(
                "msdyn_salestaxamount", expected: "s.salestaxamount::text", actual: "b.msdyn_salestaxamount::text",
                amount: "abs(b.msdyn_salestaxamount - s.salestaxamount)"),
            name: "billed actual msdyn_salestaxamount"),
        FaultCase(
            category: "WRITEBACK_MISMATCH",
            injection: """
                UPDATE dataverse.msdyn_actual SET msdyn_isjournalized = NOT msdyn_isjournalized
                 WHERE msdyn_actualid = (SELECT billed FROM pick);
                """,
            expected: actualWriteback(
                "msdyn_isjournalized", expected: "s.isjournalized::text", actual: "b.msdyn_isjournalized::text"),
            name: "billed actual msdyn_isjournalized"),
        FaultCase(
            category: "WRITEBACK_MISMATCH",
            injection: """
                UPDATE dataverse.msdyn_actual SET msdyn_isjournalized = NOT msdyn_isjournalized
                 WHERE msdyn_actualid = (SELECT cost FROM pick);
                """,
            expected: actualWriteback(
                "msdyn_isjournalized", expected: "s.isjournalized::text", actual: "a.msdyn_isjournalized::text",
                of: "a", records: costRecords),
            name: "cost actual msdyn_isjournalized"),

        // MARK: posted invoice → proforma
        FaultCase(
            category: "POSTED_STATUS_NOT_REFLECTED",
            injection: """
                -- the proforma carries another customer invoice number than the invoice F&O posted
                UPDATE dataverse.invoice SET msdyn_customerinvoicenumber = 'CIV-999999' WHERE invoicenumber = 'INV-000004';
                """,
            expected: """
                SELECT 'POSTED_STATUS_NOT_REFLECTED', 'W', 'POSTED_STATUS_NOT_REFLECTED', i.invoicenumber,
                       i.invoicenumber, NULL, NULL, NULL, 'msdyn_customerinvoicenumber', j.projinvoiceid,
                       i.msdyn_customerinvoicenumber, NULL
                  \(invoiceRecords)
                """,
            name: "customer invoice number"),
        FaultCase(
            category: "POSTED_STATUS_NOT_REFLECTED",
            injection: """
                -- the proforma of a posted invoice went back to Confirmed
                UPDATE dataverse.invoice SET msdyn_projectinvoicestatus = optionset.code('projectinvoicestatus', 'Confirmed')
                 WHERE invoicenumber = 'INV-000004';
                """,
            expected: """
                SELECT 'POSTED_STATUS_NOT_REFLECTED', 'W', 'POSTED_STATUS_NOT_REFLECTED', i.invoicenumber,
                       i.invoicenumber, NULL, NULL, NULL, 'msdyn_projectinvoicestatus',
                       optionset.code('projectinvoicestatus', 'Posted')::text, i.msdyn_projectinvoicestatus::text, NULL
                  \(invoiceRecords)
                """,
            name: "status"),

        // MARK: control totals
        FaultCase(
            category: "CONTROL_TOTAL_MISMATCH",
            injection: """
                -- the billed sale's amount grew by 1.00 in Dataverse after it was staged, proposed and posted
                UPDATE dataverse.msdyn_actual SET msdyn_amount = msdyn_amount + 1 WHERE msdyn_actualid = (SELECT billed FROM pick);
                """,
            expected: """
                SELECT 'STAGING_FIELD_MISMATCH', 'E', 'STAGING_FIELD_MISMATCH', j.proposalid, NULL, b.msdyn_actualid,
                       NULL, NULL, 'amount', b.msdyn_amount::text, s.amount::text, abs(s.amount - b.msdyn_amount)
                  \(billedRecords)
                UNION ALL
                SELECT 'ILD_WITHOUT_BILLED_SALES', 'E', 'ILD_WITHOUT_BILLED_SALES', j.proposalid, NULL,
                       b.msdyn_actualid, NULL, NULL, 'msdyn_amount', d.msdyn_amount::text, b.msdyn_amount::text,
                       d.msdyn_amount
                  \(billedRecords)
                UNION ALL
                -- (the proposal line is compared with the billed sale as the actuals map sends it)
                SELECT 'PROPOSAL_LINE_AMOUNT_MISMATCH', 'E', 'PROPOSAL_LINE_AMOUNT_MISMATCH', pl.proposalid,
                       pl.proposalid, pl.actualid, pl.transid, NULL, 'lineamount', b.msdyn_amount::text,
                       pl.lineamount::text, abs(pl.lineamount - b.msdyn_amount)
                  \(billedRecords)
                """,
            controls: control(
                "dataverse_billed_sales vs staging_billed_sales", "\(stagedSum) + b.msdyn_amount - s.amount", stagedSum),
            name: "Dataverse billed sales vs staging"),
        FaultCase(
            category: "CONTROL_TOTAL_MISMATCH",
            injection: """
                -- the billed sale's staging row grew by 1.00 after its proposal line was made
                UPDATE fno.projcdsactualsimport SET amount = amount + 1 WHERE actualid = (SELECT billed FROM pick);
                """,
            expected: """
                SELECT 'STAGING_FIELD_MISMATCH', 'E', 'STAGING_FIELD_MISMATCH', j.proposalid, NULL, b.msdyn_actualid,
                       NULL, NULL, 'amount', b.msdyn_amount::text, s.amount::text, abs(s.amount - b.msdyn_amount)
                  \(billedRecords)
                """,
            controls: control(
                "dataverse_billed_sales vs staging_billed_sales", "\(stagedSum) - s.amount + b.msdyn_amount", stagedSum)
                + union
                + control(
                    "staging_billed_sales vs proposal_lines", stagedSum, "\(stagedSum) - s.amount + pl.lineamount"),
            name: "staging vs proposal lines"),
        FaultCase(
            category: "CONTROL_TOTAL_MISMATCH",
            injection: """
                -- the revenue line of the invoice voucher was dated into the next month
                UPDATE fno.generaljournalaccountentry SET accountingdate = accountingdate + interval '1 month'
                 WHERE mainaccount = '401100'
                   AND voucher = (SELECT ledgervoucher FROM fno.projinvoicejour WHERE proposalid = 'INV-000004');
                """,
            expected: "SELECT NULL WHERE false",
            controls: control(
                "customer_transactions_less_tax vs ledger_revenue", "c.amountcur - j.sumtax", "0", period: invoiceMonth,
                records: invoiceRecords) + union
                + control(
                    "customer_transactions_less_tax vs ledger_revenue", "0", ledgerRevenue,
                    period: "(\(invoiceMonth) + interval '1 month')::date", records: invoiceRecords),
            name: "ledger revenue by period"),
        FaultCase(
            category: "CONTROL_TOTAL_MISMATCH",
            injection: """
                -- the invoice's customer transaction was dated into the next month
                UPDATE fno.custtrans SET transdate = transdate + interval '1 month'
                 WHERE invoice = (SELECT projinvoiceid FROM fno.projinvoicejour WHERE proposalid = 'INV-000004');
                """,
            expected: customerField("transdate", expected: "j.invoicedate::text", actual: "c.transdate::text"),
            controls: control(
                "customer_transactions_less_tax vs ledger_revenue", "0", ledgerRevenue, period: invoiceMonth,
                records: invoiceRecords) + union
                + control(
                    "customer_transactions_less_tax vs ledger_revenue", "c.amountcur - j.sumtax", "0",
                    period: "date_trunc('month', c.transdate)::date", records: invoiceRecords),
            name: "customer transaction date"),
    ]

    /// A posting done twice: a billed sale's transaction under a second transid, a proposal's invoice a second time on
    /// the same voucher (the voucher's postings are summed, and each revenue line counts once in the control totals).
    static let postedTwice: [FaultCase] = [
        FaultCase(
            category: "POSTED_TRANSACTION_MISMATCH",
            injection: """
                -- invoice posting wrote the billed sale's transaction twice, the second under a transid of its own
                INSERT INTO fno.projpostedtranstable (dataareaid, transid, actualid, projid, transtype, categoryid,
                       linepropertyid, transdate, qty, amount, amountmst, currencyid, voucher, transstatus)
                SELECT dataareaid, 'PT-99999999', actualid, projid, transtype, categoryid, linepropertyid, transdate,
                       qty, amount, amountmst, currencyid, voucher, transstatus
                  FROM fno.projpostedtranstable WHERE actualid = (SELECT billed FROM pick);
                """,
            expected: """
                -- (a transaction nothing posted: no journal posts billed sales, so its voucher expects nothing more)
                SELECT 'POSTED_TRANSACTION_MISMATCH', 'E', 'POSTED_TRANSACTION_MISMATCH', NULL, NULL, x.actualid,
                       x.transid, x.voucher, 'count', '0', '1', x.amount
                  FROM fno.projpostedtranstable x WHERE x.transid = 'PT-99999999'
                """,
            name: "billed sale's transaction posted twice"),
        FaultCase(
            category: "POSTED_INVOICE_PROPOSAL_MISMATCH",
            injection: """
                -- the proposal was posted a second time, as a header only, on the same voucher
                INSERT INTO fno.projinvoicejour (dataareaid, projinvoiceid, invoicedate, proposalid, projinvoiceprojid,
                       fundingsource, invoiceaccount, currencyid, exchrate, duedate, salesorderbalance, sumtax,
                       invoiceamount, ledgervoucher)
                SELECT dataareaid, 'CIV-999999', invoicedate, proposalid, projinvoiceprojid, fundingsource,
                       invoiceaccount, currencyid, exchrate, duedate, salesorderbalance, sumtax, invoiceamount,
                       ledgervoucher
                  FROM fno.projinvoicejour WHERE proposalid = 'INV-000004';
                """,
            expected: secondInvoiceFindings,
            controls: secondInvoiceControls,
            name: "posted twice on one voucher"),
    ]
}
