/// The first links of the chain: a Dataverse actual → its staging row (the actuals map), and an imported cost or
/// unbilled-sales staging row → its integration journal line → its posted transaction → the ledger lines of its
/// voucher. The faults act on the cost actual `pick.cost` (posted on journal voucher PV-000001) unless they name
/// another record.
extension FaultCase {
    /// The records of the cost actual after the fault: `a` the actual, `s` its staging row, `jl` its journal line
    /// (by the staging row's pointer), `t` its posted transaction (not the copy PT-99999999 a fault may add).
    static let costRecords = """
        FROM pick p
        JOIN dataverse.msdyn_actual a ON a.msdyn_actualid = p.cost
        JOIN fno.projcdsactualsimport s ON s.actualid = p.cost
        LEFT JOIN fno.projadvancedjournalline jl ON jl.recid = s.projadvancedjournalline
        LEFT JOIN fno.projpostedtranstable t ON t.actualid = p.cost AND t.transid <> 'PT-99999999'
        """

    /// A STAGING_FIELD_MISMATCH row of the cost actual: `field` of the staging row, `expected` the actual's value as
    /// the map sends it, `actual` the staging row's; money at stake the actual's amount unless given.
    static func stagingField(_ field: String, expected: String, actual: String, amount: String = "a.msdyn_amount")
        -> String
    {
        """
        SELECT 'STAGING_FIELD_MISMATCH', 'E', 'STAGING_FIELD_MISMATCH', NULL, NULL, a.msdyn_actualid, NULL, NULL,
               '\(field)', \(expected), \(actual), \(amount)
          \(costRecords)
        """
    }

    /// A JOURNAL_LINE_MISMATCH row of the cost actual's journal line: `expected` the staging row's value, `actual`
    /// the line's; money at stake the staging row's amount unless given.
    static func journalField(_ field: String, expected: String, actual: String, amount: String = "s.amount") -> String {
        """
        SELECT 'JOURNAL_LINE_MISMATCH', 'E', 'JOURNAL_LINE_MISMATCH', NULL, NULL, s.actualid, NULL, jl.voucher,
               '\(field)', \(expected), \(actual), \(amount)
          \(costRecords)
        """
    }

    /// One case per compared field of actual → staging row (and, where the journal line compares the same field,
    /// staging row → journal line too), then the presence of the staging row.
    static let stagingChain: [FaultCase] = [
        FaultCase(
            category: "STAGING_FIELD_MISMATCH",
            injection:
                "UPDATE fno.projcdsactualsimport SET dataareaid = 'usrt' WHERE actualid = (SELECT cost FROM pick);",
            expected: stagingField("dataareaid", expected: "'usmf'", actual: "s.dataareaid") + "\nUNION ALL\n"
                + journalField("dataareaid", expected: "s.dataareaid", actual: "jl.dataareaid"),
            name: "dataareaid"),
        FaultCase(
            category: "STAGING_FIELD_MISMATCH",
            injection: """
                -- the cost became a resourcing unit cost in staging
                UPDATE fno.projcdsactualsimport SET transtype = 192350007 WHERE actualid = (SELECT cost FROM pick);
                """,
            expected: stagingField(
                "transtype", expected: "a.msdyn_transactiontypecode::text", actual: "s.transtype::text"),
            name: "transtype"),
        FaultCase(
            category: "STAGING_FIELD_MISMATCH",
            injection: """
                -- time became expense in staging, after the journal line (an hour line) was made
                UPDATE fno.projcdsactualsimport SET transactionclassification = 192350001
                 WHERE actualid = (SELECT cost FROM pick);
                """,
            expected: stagingField(
                "transactionclassification", expected: "a.msdyn_transactionclassification::text",
                actual: "s.transactionclassification::text") + "\nUNION ALL\n"
                + journalField(
                    "transtype", expected: "process.fno_transtype(s.transactionclassification)::text",
                    actual: "jl.transtype::text"),
            name: "transactionclassification"),
        FaultCase(
            category: "STAGING_FIELD_MISMATCH",
            injection: """
                UPDATE fno.projcdsactualsimport SET billingtype = 192350002 WHERE actualid = (SELECT cost FROM pick);
                """,
            expected: stagingField("billingtype", expected: "a.msdyn_billingtype::text", actual: "s.billingtype::text"),
            name: "billingtype"),
        FaultCase(
            category: "STAGING_FIELD_MISMATCH",
            injection:
                "UPDATE fno.projcdsactualsimport SET projectid = 'P-999' WHERE actualid = (SELECT cost FROM pick);",
            expected: stagingField(
                "projectid",
                expected:
                    "(SELECT msdyn_projectnumber FROM dataverse.msdyn_project WHERE msdyn_projectid = a.msdyn_project)",
                actual: "s.projectid") + "\nUNION ALL\n"
                + journalField("projid", expected: "s.projectid", actual: "jl.projid"),
            name: "projectid"),
        FaultCase(
            category: "STAGING_FIELD_MISMATCH",
            injection: """
                -- (the actual has no accounting date, so the journal's accounting date is the document date too)
                UPDATE fno.projcdsactualsimport SET documentdate = documentdate + 1 WHERE actualid = (SELECT cost FROM pick);
                """,
            expected: stagingField(
                "documentdate", expected: "a.msdyn_documentdate::text", actual: "s.documentdate::text")
                + "\nUNION ALL\n"
                + journalField("transdate", expected: "s.documentdate::text", actual: "jl.transdate::text")
                + "\nUNION ALL\n"
                + journalField("accountingdate", expected: "s.documentdate::text", actual: "jl.accountingdate::text"),
            name: "documentdate"),
        FaultCase(
            category: "STAGING_FIELD_MISMATCH",
            injection: """
                UPDATE fno.projcdsactualsimport SET accountingdate = documentdate + 3 WHERE actualid = (SELECT cost FROM pick);
                """,
            expected: stagingField(
                "accountingdate", expected: "a.msdyn_accountingdate::text", actual: "s.accountingdate::text")
                + "\nUNION ALL\n"
                + journalField("accountingdate", expected: "s.accountingdate::text", actual: "jl.accountingdate::text"),
            name: "accountingdate"),
        FaultCase(
            category: "STAGING_FIELD_MISMATCH",
            injection:
                "UPDATE fno.projcdsactualsimport SET quantity = quantity + 1 WHERE actualid = (SELECT cost FROM pick);",
            expected: stagingField("quantity", expected: "a.msdyn_quantity::text", actual: "s.quantity::text")
                + "\nUNION ALL\n"
                + journalField("qty", expected: "s.quantity::text", actual: "jl.qty::text"),
            name: "quantity"),
        FaultCase(
            category: "STAGING_FIELD_MISMATCH",
            injection:
                "UPDATE fno.projcdsactualsimport SET unitprice = unitprice + 1 WHERE actualid = (SELECT cost FROM pick);",
            expected: stagingField(
                "unitprice", expected: "a.msdyn_price::text", actual: "s.unitprice::text",
                amount: "s.unitprice - a.msdyn_price"),
            name: "unitprice"),
        FaultCase(
            category: "STAGING_FIELD_MISMATCH",
            injection:
                "UPDATE fno.projcdsactualsimport SET amount = amount + 1 WHERE actualid = (SELECT cost FROM pick);",
            expected: stagingField(
                "amount", expected: "a.msdyn_amount::text", actual: "s.amount::text",
                amount: "s.amount - a.msdyn_amount")
                + "\nUNION ALL\n"
                + journalField(
                    "lineamount", expected: "s.amount::text", actual: "jl.lineamount::text",
                    amount: "s.amount - jl.lineamount"),
            name: "amount"),
        FaultCase(
            category: "STAGING_FIELD_MISMATCH",
            injection: """
                UPDATE fno.projcdsactualsimport SET transactioncurrencyid = 'EUR' WHERE actualid = (SELECT cost FROM pick);
                """,
            expected: stagingField(
                "transactioncurrencyid", expected: "a.isocurrencycode", actual: "s.transactioncurrencyid")
                + "\nUNION ALL\n"
                + journalField("currencyid", expected: "s.transactioncurrencyid", actual: "jl.currencyid"),
            name: "transactioncurrencyid"),
        FaultCase(
            category: "STAGING_FIELD_MISMATCH",
            injection: """
                UPDATE fno.projcdsactualsimport SET contractline = 'ffffffff-0000-0000-0000-00000000c0c1'
                 WHERE actualid = (SELECT cost FROM pick);
                """,
            expected: stagingField(
                "contractline", expected: "a.msdyn_salescontractlineid::text", actual: "s.contractline"),
            name: "contractline"),
        FaultCase(
            category: "STAGING_FIELD_MISMATCH",
            injection: """
                UPDATE fno.projcdsactualsimport SET customeraccountnumber = 'C-999' WHERE actualid = (SELECT cost FROM pick);
                """,
            expected: stagingField(
                "customeraccountnumber",
                expected: "(SELECT accountnumber FROM dataverse.account WHERE accountid = a.msdyn_accountcustomer)",
                actual: "s.customeraccountnumber"),
            name: "customeraccountnumber"),
        FaultCase(
            category: "STAGING_FIELD_MISMATCH",
            injection: """
                -- the billed sale's staging row moved to another contract: both contracts' control totals break
                UPDATE fno.projcdsactualsimport SET contractid = 'PC-999999' WHERE actualid = (SELECT billed FROM pick);
                """,
            expected: """
                SELECT 'STAGING_FIELD_MISMATCH', 'E', 'STAGING_FIELD_MISMATCH', p.invoice, NULL, p.billed, NULL, NULL,
                       'contractid', c.ordernumber, s.contractid, b.msdyn_amount
                  FROM pick p
                  JOIN dataverse.msdyn_actual b ON b.msdyn_actualid = p.billed
                  JOIN dataverse.salesorder c ON c.salesorderid = b.msdyn_salescontract
                  JOIN fno.projcdsactualsimport s ON s.actualid = p.billed
                """,
            controls: """
                WITH x AS (
                    SELECT c.ordernumber AS contract, s.amount, s.dataareaid, s.transactioncurrencyid AS currency,
                           (SELECT sum(o.amount) FROM fno.projcdsactualsimport o
                             WHERE o.contractid = c.ordernumber AND o.transtype = 192350006) AS staged
                      FROM pick p
                      JOIN dataverse.msdyn_actual b ON b.msdyn_actualid = p.billed
                      JOIN dataverse.salesorder c ON c.salesorderid = b.msdyn_salescontract
                      JOIN fno.projcdsactualsimport s ON s.actualid = p.billed)
                SELECT 'dataverse_billed_sales vs staging_billed_sales', staged + amount, staged, amount, dataareaid,
                       contract, currency, NULL FROM x
                UNION ALL
                SELECT 'dataverse_billed_sales vs staging_billed_sales', '0', amount, amount, dataareaid, 'PC-999999',
                       currency, NULL FROM x
                UNION ALL
                SELECT 'staging_billed_sales vs proposal_lines', staged, staged + amount, amount, dataareaid, contract,
                       currency, NULL FROM x
                UNION ALL
                SELECT 'staging_billed_sales vs proposal_lines', amount, '0', amount, dataareaid, 'PC-999999', currency,
                       NULL FROM x
                """,
            name: "contractid"),
        FaultCase(
            category: "STAGING_FIELD_MISMATCH",
            injection: """
                -- the billed sale's staging row points to another invoice: its proposal's lines no longer match
                UPDATE fno.projcdsactualsimport SET invoiceid = 'INV-999999' WHERE actualid = (SELECT billed FROM pick);
                """,
            expected: """
                SELECT 'STAGING_FIELD_MISMATCH', 'E', 'STAGING_FIELD_MISMATCH', p.invoice, NULL, p.billed, NULL, NULL,
                       'invoiceid', p.invoice, s.invoiceid, b.msdyn_amount
                  FROM pick p
                  JOIN dataverse.msdyn_actual b ON b.msdyn_actualid = p.billed
                  JOIN fno.projcdsactualsimport s ON s.actualid = p.billed
                UNION ALL
                -- (its counts are of the actual ids that differ: no staging row on the invoice, one line)
                SELECT 'PROPOSAL_LINE_SET_MISMATCH', 'E', 'PROPOSAL_LINE_SET_MISMATCH', p.invoice, p.invoice, NULL,
                       NULL, NULL, NULL, '0', '1', b.msdyn_amount
                  FROM pick p
                  JOIN dataverse.msdyn_actual b ON b.msdyn_actualid = p.billed
                """,
            controls: """
                SELECT 'staging_billed_sales vs proposal_lines', sum(o.amount), sum(o.amount) + s.amount, s.amount,
                       s.dataareaid, s.contractid, s.transactioncurrencyid, NULL
                  FROM pick p
                  JOIN fno.projcdsactualsimport s ON s.actualid = p.billed
                  JOIN fno.projcdsactualsimport o
                    ON o.contractid = s.contractid AND o.transtype = 192350006
                   AND EXISTS (SELECT 1 FROM fno.projproposalline l WHERE l.proposalid = o.invoiceid)
                 GROUP BY s.amount, s.dataareaid, s.contractid, s.transactioncurrencyid
                """,
            name: "invoiceid"),
        FaultCase(
            category: "ACTUAL_NOT_STAGED",
            injection: """
                -- F&O lost the cost actual's staging row after importing it; its journal line remains
                DELETE FROM fno.projcdsactualsimport WHERE actualid = (SELECT cost FROM pick);
                """,
            expected: """
                SELECT 'ACTUAL_NOT_STAGED', 'W', 'ACTUAL_NOT_STAGED', NULL, NULL, a.msdyn_actualid, NULL, NULL, NULL,
                       NULL, NULL, a.msdyn_amount
                  FROM pick p JOIN dataverse.msdyn_actual a ON a.msdyn_actualid = p.cost
                UNION ALL
                SELECT 'JOURNAL_LINE_MISMATCH', 'E', 'JOURNAL_LINE_MISMATCH', NULL, NULL, jl.actualid, NULL, jl.voucher,
                       'projadvancedjournalline', NULL, jl.recid::text, jl.lineamount
                  FROM pick p JOIN fno.projadvancedjournalline jl ON jl.actualid = p.cost
                """,
            name: "staging row deleted"),
    ]
}
