/// Staging row → journal line → posted transaction → voucher lines, on the cost actual `pick.cost`.
extension FaultCase {
    /// A POSTED_TRANSACTION_MISMATCH row of the cost actual's journal-side transaction: `expected` the journal
    /// line's value, `actual` the transaction's; money at stake the line's amount unless given.
    static func transactionField(_ field: String, expected: String, actual: String, amount: String = "jl.lineamount")
        -> String
    {
        """
        SELECT 'POSTED_TRANSACTION_MISMATCH', 'E', 'POSTED_TRANSACTION_MISMATCH', NULL, NULL, s.actualid, t.transid,
               jl.voucher, '\(field)', \(expected), \(actual), \(amount)
          \(costRecords)
        """
    }

    /// The two VOUCHER_MISMATCH rows (accounting and transaction currency) of one main account and currency of a
    /// voucher whose postings say `mst` and `cur` more than its ledger lines hold (an SQL expression each, over
    /// `records`, by default ``costRecords``); a row whose difference is zero is left out. `invoice` names the invoice
    /// of an invoice voucher.
    static func voucherRows(
        _ voucher: String, account: String, currency: String, mst: String, cur: String, invoice: String = "NULL",
        records: String = costRecords
    ) -> String {
        """
        SELECT 'VOUCHER_MISMATCH', 'E', 'VOUCHER_MISMATCH', \(invoice), \(invoice), NULL, NULL, v.voucher,
               '\(account) \(currency) ' || d.col,
               -- (postings that come to nothing, such as an invoice without lines, show as 0)
               CASE WHEN d.ledger + d.delta = 0 THEN '0' ELSE (d.ledger + d.delta)::text END, d.ledger::text,
               abs(d.delta)
          FROM (SELECT \(voucher) AS voucher, \(mst) AS mst, \(cur) AS cur \(records)) v
         CROSS JOIN LATERAL (
               SELECT coalesce(sum(e.accountingcurrencyamount), 0) AS mst, coalesce(sum(e.transactioncurrencyamount), 0) AS cur
                 FROM fno.generaljournalaccountentry e
                WHERE e.voucher = v.voucher AND e.mainaccount = '\(account)' AND e.transactioncurrencycode = '\(currency)') l
         CROSS JOIN LATERAL (VALUES ('accountingcurrencyamount', l.mst, v.mst),
                                    ('transactioncurrencyamount', l.cur, v.cur)) AS d(col, ledger, delta)
         WHERE d.delta <> 0
        """
    }

    /// The four VOUCHER_MISMATCH rows of a cost posting of `mst` / `cur` more (or, negative, less) than the ledger
    /// holds on `voucher`: Dr 600100 and Cr 200150 in `currency`.
    static func costVoucherRows(_ voucher: String, currency: String, mst: String, cur: String) -> String {
        voucherRows(voucher, account: "600100", currency: currency, mst: mst, cur: cur) + "\nUNION ALL\n"
            + voucherRows(voucher, account: "200150", currency: currency, mst: "-(\(mst))", cur: "-(\(cur))")
    }

    /// The two POSTED_TRANSACTION_MISMATCH rows when the cost actual's journal line no longer matches its posted
    /// transaction by legal entity and actual: the transaction posted by no line, the line with no transaction.
    static let lineAndTransactionApart = """
        SELECT 'POSTED_TRANSACTION_MISMATCH', 'E', 'POSTED_TRANSACTION_MISMATCH', NULL, NULL, t.actualid,
               t.transid, t.voucher, 'count', '0', '1', t.amount
          \(costRecords)
        UNION ALL
        SELECT 'POSTED_TRANSACTION_MISMATCH', 'E', 'POSTED_TRANSACTION_MISMATCH', NULL, NULL, jl.actualid,
               NULL, jl.voucher, 'count', '1', '0', jl.lineamount
          \(costRecords)
        """

    static let union = "\nUNION ALL\n"

    static let journalChain: [FaultCase] = [
        // MARK: staging row → journal line
        FaultCase(
            category: "JOURNAL_LINE_MISMATCH",
            injection: "DELETE FROM fno.projadvancedjournalline WHERE actualid = (SELECT cost FROM pick);",
            expected: """
                SELECT 'JOURNAL_LINE_MISMATCH', 'E', 'JOURNAL_LINE_MISMATCH', NULL, NULL, s.actualid, NULL, NULL,
                       'projadvancedjournalline', s.projadvancedjournalline::text, NULL, s.amount
                  \(costRecords)
                UNION ALL
                SELECT 'POSTED_TRANSACTION_MISMATCH', 'E', 'POSTED_TRANSACTION_MISMATCH', NULL, NULL, t.actualid,
                       t.transid, t.voucher, 'count', '0', '1', t.amount
                  \(costRecords)
                """,
            name: "journal line deleted"),
        FaultCase(
            category: "JOURNAL_LINE_MISMATCH",
            injection: """
                -- a second journal line for the same actual, which no staging row points to
                INSERT INTO fno.projadvancedjournalline (dataareaid, projadvancedjournal, linenum, actualid, transtype,
                       projid, categoryid, transdate, accountingdate, qty, costprice, lineamount, currencyid, exchrate,
                       voucher, status)
                SELECT dataareaid, projadvancedjournal, linenum + 100000, actualid, transtype, projid, categoryid,
                       transdate, accountingdate, qty, costprice, lineamount, currencyid, exchrate, voucher, status
                  FROM fno.projadvancedjournalline WHERE actualid = (SELECT cost FROM pick);
                """,
            expected: """
                SELECT 'JOURNAL_LINE_MISMATCH', 'E', 'JOURNAL_LINE_MISMATCH', NULL, NULL, x.actualid, NULL, x.voucher,
                       'projadvancedjournalline', NULL, x.recid::text, x.lineamount
                  \(costRecords)
                  JOIN fno.projadvancedjournalline x ON x.actualid = p.cost AND x.recid <> s.projadvancedjournalline
                """,
            name: "journal line duplicated"),
        FaultCase(
            category: "JOURNAL_LINE_MISMATCH",
            injection: """
                UPDATE fno.projadvancedjournalline SET actualid = 'ffffffff-0000-0000-0000-00000000a001'
                 WHERE actualid = (SELECT cost FROM pick);
                """,
            expected: journalField("actualid", expected: "s.actualid::text", actual: "jl.actualid::text") + union
                + lineAndTransactionApart,
            name: "actualid"),
        FaultCase(
            category: "JOURNAL_LINE_MISMATCH",
            injection:
                "UPDATE fno.projadvancedjournalline SET dataareaid = 'usrt' WHERE actualid = (SELECT cost FROM pick);",
            expected: journalField("dataareaid", expected: "s.dataareaid", actual: "jl.dataareaid") + union
                + lineAndTransactionApart,
            name: "dataareaid"),
        FaultCase(
            category: "JOURNAL_LINE_MISMATCH",
            injection: "UPDATE fno.projadvancedjournalline SET qty = qty + 1 WHERE actualid = (SELECT cost FROM pick);",
            expected: journalField("qty", expected: "s.quantity::text", actual: "jl.qty::text") + union
                + transactionField("qty", expected: "jl.qty::text", actual: "t.qty::text"),
            name: "qty"),
        FaultCase(
            category: "JOURNAL_LINE_MISMATCH",
            injection: """
                UPDATE fno.projadvancedjournalline SET lineamount = lineamount + 1 WHERE actualid = (SELECT cost FROM pick);
                """,
            expected: journalField(
                "lineamount", expected: "s.amount::text", actual: "jl.lineamount::text",
                amount: "jl.lineamount - s.amount")
                + union
                + transactionField(
                    "amount", expected: "jl.lineamount::text", actual: "t.amount::text",
                    amount: "jl.lineamount - t.amount"),
            name: "lineamount"),
        FaultCase(
            category: "JOURNAL_LINE_MISMATCH",
            injection:
                "UPDATE fno.projadvancedjournalline SET currencyid = 'EUR' WHERE actualid = (SELECT cost FROM pick);",
            expected: journalField("currencyid", expected: "s.transactioncurrencyid", actual: "jl.currencyid") + union
                + transactionField("currencyid", expected: "jl.currencyid", actual: "t.currencyid"),
            name: "currencyid"),
        FaultCase(
            category: "JOURNAL_LINE_MISMATCH",
            injection: "UPDATE fno.projadvancedjournalline SET transtype = 3 WHERE actualid = (SELECT cost FROM pick);",
            expected: journalField(
                "transtype", expected: "process.fno_transtype(s.transactionclassification)::text",
                actual: "jl.transtype::text") + union
                + transactionField("transtype", expected: "jl.transtype::text", actual: "t.transtype::text"),
            name: "transtype"),
        FaultCase(
            category: "JOURNAL_LINE_MISMATCH",
            injection:
                "UPDATE fno.projadvancedjournalline SET projid = 'P-999' WHERE actualid = (SELECT cost FROM pick);",
            expected: journalField("projid", expected: "s.projectid", actual: "jl.projid") + union
                + transactionField("projid", expected: "jl.projid", actual: "t.projid"),
            name: "projid"),
        FaultCase(
            category: "JOURNAL_LINE_MISMATCH",
            injection: """
                UPDATE fno.projadvancedjournalline SET transdate = transdate + 1 WHERE actualid = (SELECT cost FROM pick);
                """,
            expected: journalField("transdate", expected: "s.documentdate::text", actual: "jl.transdate::text") + union
                + transactionField("transdate", expected: "jl.transdate::text", actual: "t.transdate::text"),
            name: "transdate"),
        FaultCase(
            category: "JOURNAL_LINE_MISMATCH",
            injection: """
                UPDATE fno.projadvancedjournalline SET accountingdate = accountingdate + 1
                 WHERE actualid = (SELECT cost FROM pick);
                """,
            expected: journalField(
                "accountingdate", expected: "coalesce(s.accountingdate, s.documentdate)::text",
                actual: "jl.accountingdate::text") + union
                    + """
                    SELECT 'WRITEBACK_MISMATCH', 'E', 'WRITEBACK_MISMATCH', NULL, NULL, s.actualid, NULL, s.vouchernumber,
                           'projcdsactualsimport.exchangeratedate', jl.accountingdate::text, s.exchangeratedate::text,
                           s.amount
                      \(costRecords)
                    """,
            name: "accountingdate"),

        // MARK: journal line → posted transaction
        FaultCase(
            category: "POSTED_TRANSACTION_MISMATCH",
            injection: "DELETE FROM fno.projpostedtranstable WHERE actualid = (SELECT cost FROM pick);",
            expected: """
                SELECT 'POSTED_TRANSACTION_MISMATCH', 'E', 'POSTED_TRANSACTION_MISMATCH', NULL, NULL, jl.actualid,
                       NULL, jl.voucher, 'count', '1', '0', jl.lineamount
                  \(costRecords)
                """ + union
                    + costVoucherRows("jl.voucher", currency: "USD", mst: "-s.accountingamount", cur: "-jl.lineamount"),
            name: "posted transaction deleted"),
        FaultCase(
            category: "POSTED_TRANSACTION_MISMATCH",
            injection: """
                -- the journal was posted twice for this line
                INSERT INTO fno.projpostedtranstable (dataareaid, transid, actualid, projid, transtype, categoryid,
                       linepropertyid, transdate, qty, amount, amountmst, currencyid, voucher, transstatus)
                SELECT dataareaid, 'PT-99999999', actualid, projid, transtype, categoryid, linepropertyid, transdate,
                       qty, amount, amountmst, currencyid, voucher, transstatus
                  FROM fno.projpostedtranstable WHERE actualid = (SELECT cost FROM pick);
                """,
            expected: """
                SELECT 'POSTED_TRANSACTION_MISMATCH', 'E', 'POSTED_TRANSACTION_MISMATCH', NULL, NULL, jl.actualid,
                       NULL, jl.voucher, 'count', '1', '2', jl.lineamount
                  \(costRecords)
                """ + union + costVoucherRows("jl.voucher", currency: "USD", mst: "t.amountmst", cur: "t.amount"),
            name: "posted twice"),
        FaultCase(
            category: "POSTED_TRANSACTION_MISMATCH",
            injection: "UPDATE fno.projpostedtranstable SET qty = qty + 1 WHERE actualid = (SELECT cost FROM pick);",
            expected: transactionField("qty", expected: "jl.qty::text", actual: "t.qty::text"),
            name: "qty"),
        FaultCase(
            category: "POSTED_TRANSACTION_MISMATCH",
            injection:
                "UPDATE fno.projpostedtranstable SET amount = amount + 1 WHERE actualid = (SELECT cost FROM pick);",
            expected: transactionField(
                "amount", expected: "jl.lineamount::text", actual: "t.amount::text", amount: "t.amount - jl.lineamount")
                + union + costVoucherRows("jl.voucher", currency: "USD", mst: "0", cur: "t.amount - jl.lineamount"),
            name: "amount"),
        FaultCase(
            category: "POSTED_TRANSACTION_MISMATCH",
            injection:
                "UPDATE fno.projpostedtranstable SET currencyid = 'EUR' WHERE actualid = (SELECT cost FROM pick);",
            expected: transactionField("currencyid", expected: "jl.currencyid", actual: "t.currencyid") + union
                + costVoucherRows("jl.voucher", currency: "USD", mst: "-t.amountmst", cur: "-t.amount") + union
                + costVoucherRows("jl.voucher", currency: "EUR", mst: "t.amountmst", cur: "t.amount"),
            name: "currencyid"),
        FaultCase(
            category: "POSTED_TRANSACTION_MISMATCH",
            injection: "UPDATE fno.projpostedtranstable SET transtype = 3 WHERE actualid = (SELECT cost FROM pick);",
            expected: transactionField("transtype", expected: "jl.transtype::text", actual: "t.transtype::text"),
            name: "transtype"),
        FaultCase(
            category: "POSTED_TRANSACTION_MISMATCH",
            injection: "UPDATE fno.projpostedtranstable SET projid = 'P-999' WHERE actualid = (SELECT cost FROM pick);",
            expected: transactionField("projid", expected: "jl.projid", actual: "t.projid"),
            name: "projid"),
        FaultCase(
            category: "POSTED_TRANSACTION_MISMATCH",
            injection:
                "UPDATE fno.projpostedtranstable SET transdate = transdate - 1 WHERE actualid = (SELECT cost FROM pick);",
            expected: transactionField("transdate", expected: "jl.transdate::text", actual: "t.transdate::text"),
            name: "transdate"),
        FaultCase(
            category: "POSTED_TRANSACTION_MISMATCH",
            injection: """
                UPDATE fno.projpostedtranstable SET voucher = 'PV-999999' WHERE actualid = (SELECT cost FROM pick);
                """,
            expected: transactionField("voucher", expected: "jl.voucher", actual: "t.voucher") + union
                + costVoucherRows("jl.voucher", currency: "USD", mst: "-t.amountmst", cur: "-t.amount") + union
                + costVoucherRows("t.voucher", currency: "USD", mst: "t.amountmst", cur: "t.amount"),
            name: "voucher"),

        // MARK: posted transactions → voucher lines
        FaultCase(
            category: "VOUCHER_MISMATCH",
            injection: """
                -- the cost line of the journal voucher is 1.00 higher, in both currencies (and so unbalanced)
                UPDATE fno.generaljournalaccountentry
                   SET accountingcurrencyamount = accountingcurrencyamount + 1,
                       transactioncurrencyamount = transactioncurrencyamount + 1
                 WHERE recid = (SELECT min(e.recid) FROM fno.generaljournalaccountentry e JOIN pick p ON true
                                  JOIN fno.projpostedtranstable t ON t.actualid = p.cost AND t.voucher = e.voucher
                                 WHERE e.mainaccount = '600100' AND e.transactioncurrencycode = 'USD');
                """,
            expected: voucherRows("t.voucher", account: "600100", currency: "USD", mst: "-1.00", cur: "-1.00") + union
                + """
                SELECT 'UNBALANCED_VOUCHER', 'E', 'UNBALANCED_VOUCHER', NULL, NULL, NULL, NULL, t.voucher, NULL, '0',
                       '1.00', 1.00
                  \(costRecords)
                """,
            name: "ledger line amount"),
        FaultCase(
            category: "VOUCHER_MISMATCH",
            injection: """
                -- the journal voucher lost its cost offset line in USD
                DELETE FROM fno.generaljournalaccountentry e USING pick p, fno.projpostedtranstable t
                 WHERE t.actualid = p.cost AND e.voucher = t.voucher AND e.mainaccount = '200150'
                   AND e.transactioncurrencycode = 'USD';
                """,
            expected: voucherRows(
                "t.voucher", account: "200150", currency: "USD",
                mst: """
                    -(SELECT sum(x.amountmst) FROM fno.projpostedtranstable x JOIN fno.projcdsactualsimport y USING (actualid)
                       WHERE x.voucher = t.voucher AND x.currencyid = 'USD' AND y.transtype = 192350000)
                    """,
                cur: """
                    -(SELECT sum(x.amount) FROM fno.projpostedtranstable x JOIN fno.projcdsactualsimport y USING (actualid)
                       WHERE x.voucher = t.voucher AND x.currencyid = 'USD' AND y.transtype = 192350000)
                    """) + union
                    + """
                    SELECT 'UNBALANCED_VOUCHER', 'E', 'UNBALANCED_VOUCHER', NULL, NULL, NULL, NULL, t.voucher, NULL, '0',
                           sum(e.accountingcurrencyamount)::text, sum(e.accountingcurrencyamount)
                      \(costRecords)
                      JOIN fno.generaljournalaccountentry e ON e.voucher = t.voucher
                     GROUP BY t.voucher
                    """,
            name: "ledger line deleted"),
        FaultCase(
            category: "VOUCHER_MISMATCH",
            injection: """
                -- a balanced manual entry on a voucher no journal or invoice posted
                INSERT INTO fno.generaljournalaccountentry (dataareaid, voucher, accountingdate, mainaccount,
                       accountingcurrencyamount, transactioncurrencyamount, transactioncurrencycode, iscredit)
                VALUES ('usmf', 'GJ-000001', DATE '2026-11-02', '600100', 50.00, 50.00, 'USD', false),
                       ('usmf', 'GJ-000001', DATE '2026-11-02', '200150', -50.00, -50.00, 'USD', true);
                """,
            expected: """
                SELECT 'VOUCHER_MISMATCH', 'E', 'VOUCHER_MISMATCH', NULL, NULL, NULL, NULL, 'GJ-000001',
                       a.account || ' USD ' || c.col, '0', a.amount::text, abs(a.amount)
                  FROM (VALUES ('600100', 50.00), ('200150', -50.00)) AS a(account, amount)
                 CROSS JOIN (VALUES ('accountingcurrencyamount'), ('transactioncurrencyamount')) AS c(col)
                """,
            name: "voucher nothing posted"),
    ]
}
