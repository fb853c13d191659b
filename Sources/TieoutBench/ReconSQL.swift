/// The SQL text of the reconciliation benchmark (`tieout bench recon`): the set-based copy that multiplies a
/// scenario, and the baseline, plain joins on the base tables that make the same comparisons as the checks of
/// `recon.collect_findings` (`sql/recon/`).
enum ReconSQL {
    /// `pg_temp.bench_multiply(copies)`: copies every row of every table of schemas dataverse and fno `copies - 1`
    /// times (copy k = 2…copies), read from the catalog, with every key remapped the same way in every table so
    /// references stay consistent inside a copy:
    /// - uuid → `md5(value || ':' || k)::uuid`;
    /// - text holding a uuid (e.g. staging `contractline`) → the same uuid remap, as text;
    /// - text holding a generated id (`INV-000041`, `PT-00003027`, `C-000001`) → `value || '-' || k`;
    /// - bigint (recids and the columns that reference them) → `value + k * 10^10`;
    /// - anything else as it is.
    /// A table is left out when one of its unique indexes has no remapped column (the reference data every copy
    /// shares: ledger, exchange rates, tax). Run it with `session_replication_role = replica`, so neither the
    /// change capture nor the business guards fire. Returns one row per table.
    static let multiplyFunction = """
        CREATE OR REPLACE FUNCTION pg_temp.bench_multiply(p_copies integer)
        RETURNS TABLE (table_name text, copied bigint, skipped boolean)
        LANGUAGE plpgsql AS $$
        DECLARE
            v_uuid     constant text := '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
            v_id       constant text := '^[A-Z]{1,4}-[0-9]+$';
            t          record;
            c          record;
            v_columns  text[];
            v_exprs    text[];
            v_remapped text[];
            v_has_uuid boolean;
            v_has_id   boolean;
        BEGIN
            FOR t IN
                SELECT r.oid, n.nspname, r.relname
                  FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace
                 WHERE n.nspname IN ('dataverse', 'fno') AND r.relkind IN ('r', 'p')
                 ORDER BY n.nspname, r.relname
            LOOP
                v_columns := '{}'; v_exprs := '{}'; v_remapped := '{}';
                FOR c IN
                    SELECT a.attname, format_type(a.atttypid, NULL) AS type
                      FROM pg_attribute a
                     WHERE a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
                     ORDER BY a.attnum
                LOOP
                    v_columns := v_columns || quote_ident(c.attname);
                    IF c.type = 'uuid' THEN
                        v_exprs := v_exprs || format('md5(src.%I::text || '':'' || k)::uuid', c.attname);
                        v_remapped := v_remapped || c.attname::text;
                    ELSIF c.type = 'bigint' THEN
                        v_exprs := v_exprs || format('src.%I + k * 10000000000', c.attname);
                        v_remapped := v_remapped || c.attname::text;
                    ELSIF c.type = 'text' THEN
                        EXECUTE format('SELECT coalesce(bool_or(%1$I ~ %4$L), false), coalesce(bool_or(%1$I ~ %5$L), false)
                                          FROM %2$I.%3$I', c.attname, t.nspname, t.relname, v_uuid, v_id)
                           INTO v_has_uuid, v_has_id;
                        IF v_has_uuid OR v_has_id THEN
                            v_exprs := v_exprs || format(
                                'CASE WHEN src.%1$I ~ %2$L THEN md5(lower(src.%1$I) || '':'' || k)::uuid::text
                                      WHEN src.%1$I ~ %3$L THEN src.%1$I || ''-'' || k ELSE src.%1$I END',
                                c.attname, v_uuid, v_id);
                            v_remapped := v_remapped || c.attname::text;
                        ELSE
                            v_exprs := v_exprs || format('src.%I', c.attname);
                        END IF;
                    ELSE
                        v_exprs := v_exprs || format('src.%I', c.attname);
                    END IF;
                END LOOP;

                table_name := t.nspname || '.' || t.relname;
                IF EXISTS (SELECT 1 FROM pg_index i
                            WHERE i.indrelid = t.oid AND i.indisunique
                              AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                                               WHERE a.attrelid = t.oid AND a.attnum = ANY (i.indkey)
                                                 AND a.attname::text = ANY (v_remapped))) THEN
                    copied := 0; skipped := true;
                ELSE
                    EXECUTE format('INSERT INTO %I.%I (%s) OVERRIDING SYSTEM VALUE
                                    SELECT %s FROM %I.%I AS src CROSS JOIN generate_series(2, %s) AS k',
                                   t.nspname, t.relname, array_to_string(v_columns, ', '),
                                   array_to_string(v_exprs, ', '), t.nspname, t.relname, p_copies);
                    GET DIAGNOSTICS copied = ROW_COUNT;
                    skipped := false;
                END IF;
                RETURN NEXT;
            END LOOP;
        END;
        $$
        """

    /// One baseline query: a name for the per-check timings and a `SELECT count(*)` of the mismatches.
    struct Check {
        var name: String
        var sql: String
    }

    static let confirmed = "(192350002, 192350003, 192350004)"

    /// Applies, for the rest of the transaction, the settings `recon.collect_findings` runs with (its `SET` clauses,
    /// read from the catalog), so the baseline and the run are measured alike.
    static let runSettings = """
        SELECT count(set_config(split_part(c, '=', 1), substr(c, strpos(c, '=') + 1), true))
          FROM pg_proc p CROSS JOIN unnest(p.proconfig) AS c
         WHERE p.oid = 'recon.collect_findings()'::regprocedure
        """

    /// F&O's project transaction type of a Dataverse transaction class (`process.fno_transtype` written out): Time 2
    /// Hour, Expense 3, Material 4 Item, Milestone 5 On-account, Fee 1, Tax 3 Expense.
    static func fnoTranstype(_ classification: String) -> String {
        """
        CASE \(classification) WHEN 192350000 THEN 2 WHEN 192350001 THEN 3 WHEN 192350002 THEN 4
                                WHEN 192350003 THEN 5 WHEN 192350004 THEN 1 WHEN 690970002 THEN 3 END
        """
    }

    /// The posted transactions of the journal side: those no proposal line or posted invoice line bills.
    static let journalTransactions = """
        SELECT t.* FROM fno.projpostedtranstable t
         WHERE NOT EXISTS (SELECT 1 FROM fno.projproposalline l WHERE l.dataareaid = t.dataareaid AND l.transid = t.transid)
           AND NOT EXISTS (SELECT 1 FROM fno.projinvoiceline l WHERE l.dataareaid = t.dataareaid AND l.transid = t.transid)
        """

    /// Each posted invoice with its chargeable lines (revenue) and its tax in accounting currency, each line rounded
    /// at the invoice's rate.
    static let invoiceAmounts = """
        SELECT j.recid, j.dataareaid, j.projinvoiceid, j.invoiceaccount, j.currencyid, j.invoicedate,
               j.salesorderbalance, j.sumtax, j.invoiceamount, j.ledgervoucher,
               coalesce(sum(round(il.lineamount * j.exchrate / 100, 2)) FILTER (WHERE il.linepropertyid = 'Chargeable'),
                        0) AS revenuemst,
               coalesce(sum(round(il.taxamount * j.exchrate / 100, 2)), 0) AS taxmst
          FROM fno.projinvoicejour j
          LEFT JOIN fno.projinvoiceline il ON il.dataareaid = j.dataareaid AND il.projinvoiceid = j.projinvoiceid
         GROUP BY j.recid
        """

    /// The baseline: every comparison `recon.collect_findings` makes, as hand-written joins on the base tables
    /// (the maps' correspondences written out: proposalid = invoicenumber, staging actualid = msdyn_actualid, …),
    /// counting the mismatching rows. No views, no temporary tables, no findings written.
    static let baseline: [Check] = [
        // CONFIRMED_WITHOUT_PROPOSAL, HEADER_ATTRIBUTE_MISMATCH, HEADER_AMOUNT_MISMATCH, TAX_DIFFERENCE (both).
        Check(
            name: "headers",
            sql: """
                SELECT count(*)
                  FROM dataverse.invoice i
                  LEFT JOIN dataverse.salesorder so ON so.salesorderid = i.salesorderid
                  LEFT JOIN dataverse.account c ON c.accountid = i.customerid
                  LEFT JOIN fno.projproposaljour p ON p.proposalid = i.invoicenumber
                  LEFT JOIN recon.tolerance t ON t.currencyid = i.isocurrencycode
                 WHERE i.msdyn_projectinvoicestatus IN \(confirmed)
                   AND EXISTS (SELECT 1 FROM dataverse.msdyn_invoicelinetransaction d
                                WHERE d.msdyn_invoice = i.invoiceid AND d.msdyn_billingtype = 192350001)
                   AND (p.recid IS NULL
                        OR p.projinvoiceprojid IS DISTINCT FROM so.ordernumber
                        OR p.invoiceaccount IS DISTINCT FROM c.accountnumber
                        OR p.currencyid IS DISTINCT FROM i.isocurrencycode
                        OR p.dataareaid IS DISTINCT FROM 'usmf'
                        OR ((p.projinvoiceid IS NOT NULL
                             OR EXISTS (SELECT 1 FROM fno.projproposalline l
                                         WHERE l.dataareaid = p.dataareaid AND l.proposalid = p.proposalid))
                            AND abs(p.salesorderbalance - i.totallineitemamount) > coalesce(t.amount, 0))
                        OR (i.totaltax <> 0 AND p.sumtax IS DISTINCT FROM i.totaltax
                            AND EXISTS (SELECT 1 FROM fno.projproposalline l
                                         WHERE l.dataareaid = p.dataareaid AND l.proposalid = p.proposalid))
                        OR EXISTS (SELECT 1 FROM fno.projinvoicejour j
                                    WHERE j.dataareaid = p.dataareaid AND j.proposalid = p.proposalid
                                      AND j.sumtax IS DISTINCT FROM p.sumtax))
                """),
        // PROPOSAL_WITHOUT_CONFIRMED_PROFORMA, SKIPPED_RECORD_LEAKED (proposal of a skipped proforma).
        Check(
            name: "proposals_unexpected",
            sql: """
                SELECT count(*)
                  FROM fno.projproposaljour p
                  LEFT JOIN dataverse.invoice i ON i.invoicenumber = p.proposalid
                 WHERE NOT (coalesce(i.msdyn_projectinvoicestatus IN \(confirmed), false)
                            AND EXISTS (SELECT 1 FROM dataverse.msdyn_invoicelinetransaction d
                                         WHERE d.msdyn_invoice = i.invoiceid AND d.msdyn_billingtype = 192350001))
                """),
        Check(
            name: "duplicate_proposals",
            sql: """
                SELECT count(*) FROM (SELECT proposalid FROM fno.projproposaljour
                                       GROUP BY proposalid HAVING count(*) > 1) d
                """),
        Check(
            name: "posted_status_writeback",
            sql: """
                SELECT count(*)
                  FROM fno.projinvoicejour j
                  JOIN dataverse.invoice i ON i.invoicenumber = j.proposalid
                 WHERE i.msdyn_customerinvoicenumber IS DISTINCT FROM j.projinvoiceid
                    OR (i.msdyn_projectinvoicestatus IS DISTINCT FROM 192350004
                        AND i.msdyn_projectinvoicestatus IS DISTINCT FROM 192350003)
                """),
        Check(
            name: "stuck_proposals",
            sql: """
                SELECT count(*)
                  FROM fno.projproposaljour p
                 WHERE p.projinvoiceid IS NULL AND p.status <> 3
                   AND now() - p.createddatetime >= (SELECT age FROM recon.threshold WHERE name = 'proposal_stuck')
                """),
        // BILLED_SALES_NOT_STAGED, ACTUAL_NOT_STAGED, UNBILLED_NOT_POSTED (of a journal line that exists),
        // SKIPPED_RECORD_LEAKED, STAGED_NOT_IMPORTED.
        Check(
            name: "actuals_vs_staging",
            sql: """
                SELECT count(*)
                  FROM dataverse.msdyn_actual a
                  FULL JOIN fno.projcdsactualsimport s ON s.actualid = a.msdyn_actualid
                 WHERE (s.recid IS NULL AND a.msdyn_skipsync = false)
                    OR (s.recid IS NOT NULL AND (a.msdyn_actualid IS NULL OR a.msdyn_skipsync IS DISTINCT FROM false))
                    OR (s.recid IS NOT NULL AND NOT s.isprocessed AND NOT s.isduplicate)
                    OR (s.recid IS NOT NULL AND s.transtype = 192350005 AND s.isprocessed AND NOT s.isduplicate
                        AND s.vouchernumber IS NULL
                        AND EXISTS (SELECT 1 FROM fno.projadvancedjournalline jl WHERE jl.recid = s.projadvancedjournalline))
                """),
        // STAGING_FIELD_MISMATCH: each staging row against its actual as the actuals map writes it.
        Check(
            name: "staging_fields",
            sql: """
                SELECT count(*)
                  FROM dataverse.msdyn_actual a
                  JOIN fno.projcdsactualsimport s ON s.actualid = a.msdyn_actualid AND NOT s.isduplicate
                  LEFT JOIN dataverse.msdyn_project p ON p.msdyn_projectid = a.msdyn_project
                  LEFT JOIN dataverse.salesorder so ON so.salesorderid = a.msdyn_salescontract
                  LEFT JOIN dataverse.account c ON c.accountid = a.msdyn_accountcustomer
                  LEFT JOIN dataverse.invoice i ON i.invoiceid = a.msdyn_invoice
                 WHERE a.msdyn_skipsync = false
                   AND ('usmf', a.msdyn_transactiontypecode, a.msdyn_transactionclassification, a.msdyn_billingtype,
                        p.msdyn_projectnumber, so.ordernumber, a.msdyn_salescontractlineid::text, c.accountnumber,
                        a.msdyn_documentdate, a.msdyn_accountingdate, a.msdyn_quantity, a.msdyn_price, a.msdyn_amount,
                        a.isocurrencycode, CASE WHEN a.msdyn_transactiontypecode = 192350006 THEN i.invoicenumber END)
                       IS DISTINCT FROM
                       (s.dataareaid, s.transtype, s.transactionclassification, s.billingtype, s.projectid,
                        s.contractid, s.contractline, s.customeraccountnumber, s.documentdate, s.accountingdate,
                        s.quantity, s.unitprice, s.amount, s.transactioncurrencyid,
                        CASE WHEN a.msdyn_transactiontypecode = 192350006 THEN s.invoiceid END)
                """),
        Check(
            name: "duplicate_staging",
            sql: """
                SELECT count(*) FROM (SELECT actualid FROM fno.projcdsactualsimport WHERE NOT isduplicate
                                       GROUP BY actualid HAVING count(*) > 1) d
                """),
        Check(
            name: "orphan_proposal_lines",
            sql: """
                SELECT count(*)
                  FROM fno.projproposalline l
                  LEFT JOIN fno.projproposaljour p ON p.dataareaid = l.dataareaid AND p.proposalid = l.proposalid
                 WHERE p.recid IS NULL
                    OR NOT EXISTS (SELECT 1 FROM fno.projcdsactualsimport s
                                    WHERE s.actualid = l.actualid AND s.transtype = 192350006)
                """),
        Check(
            name: "proposal_line_sets",
            sql: """
                SELECT count(*)
                  FROM (SELECT dataareaid, proposalid, actualid, count(*) AS n
                          FROM fno.projproposalline GROUP BY dataareaid, proposalid, actualid) l
                  FULL JOIN (SELECT dataareaid, invoiceid AS proposalid, actualid, count(*) AS n
                               FROM fno.projcdsactualsimport
                              WHERE transtype = 192350006 AND NOT isduplicate
                              GROUP BY dataareaid, invoiceid, actualid) s
                    ON s.dataareaid = l.dataareaid AND s.proposalid = l.proposalid AND s.actualid = l.actualid
                 WHERE coalesce(l.n, 0) <> coalesce(s.n, 0)
                   AND EXISTS (SELECT 1 FROM fno.projproposalline x
                                WHERE x.dataareaid = coalesce(l.dataareaid, s.dataareaid)
                                  AND x.proposalid = coalesce(l.proposalid, s.proposalid))
                   AND EXISTS (SELECT 1 FROM fno.projcdsactualsimport s2
                                WHERE s2.actualid = coalesce(l.actualid, s.actualid) AND s2.transtype = 192350006)
                """),
        Check(
            name: "proposal_line_amounts",
            sql: """
                SELECT count(*)
                  FROM fno.projproposalline l
                  JOIN dataverse.msdyn_actual a ON a.msdyn_actualid = l.actualid
                  LEFT JOIN dataverse.msdyn_project p ON p.msdyn_projectid = a.msdyn_project
                  LEFT JOIN recon.tolerance t ON t.currencyid = a.isocurrencycode
                 WHERE a.msdyn_skipsync = false AND a.msdyn_transactiontypecode = 192350006
                   AND (l.qty IS DISTINCT FROM a.msdyn_quantity
                        OR (l.salesprice IS DISTINCT FROM a.msdyn_price
                            AND (l.salesprice IS NULL OR a.msdyn_price IS NULL
                                 OR abs(l.salesprice - a.msdyn_price) > coalesce(t.amount, 0)))
                        OR (l.lineamount IS DISTINCT FROM a.msdyn_amount
                            AND (l.lineamount IS NULL OR a.msdyn_amount IS NULL
                                 OR abs(l.lineamount - a.msdyn_amount) > coalesce(t.amount, 0)))
                        OR l.currencyid IS DISTINCT FROM a.isocurrencycode
                        OR l.transtype IS DISTINCT FROM \(fnoTranstype("a.msdyn_transactionclassification"))
                        OR l.projid IS DISTINCT FROM p.msdyn_projectnumber)
                """),
        Check(
            name: "ild_vs_billed_sales",
            sql: """
                SELECT count(*)
                  FROM dataverse.msdyn_invoicelinetransaction d
                  JOIN dataverse.invoice i ON i.invoiceid = d.msdyn_invoice AND i.msdyn_projectinvoicestatus IN \(confirmed)
                  LEFT JOIN dataverse.msdyn_invoicelinetransaction o
                    ON d.msdyn_correction AND o.msdyn_invoicelinetransactionid = d.msdyn_originalinvoicelinedetail
                 WHERE (NOT d.msdyn_correction
                        OR ((d.msdyn_quantity, d.msdyn_price, d.msdyn_billingtype)
                                IS DISTINCT FROM (o.msdyn_quantity, o.msdyn_price, o.msdyn_billingtype)
                            AND d.msdyn_quantity <> 0))
                   AND NOT EXISTS (
                       SELECT 1 FROM dataverse.msdyn_transactionconnection k
                         JOIN dataverse.msdyn_actual a
                           ON a.msdyn_actualid = k.msdyn_transaction1 AND a.msdyn_transactiontypecode = 192350006
                        WHERE k.msdyn_transaction2 = d.msdyn_invoicelinetransactionid AND k.msdyn_transaction2role = 'ild'
                          AND k.msdyn_transaction1role = '192350006'
                          AND a.msdyn_quantity = d.msdyn_quantity AND a.msdyn_amount = d.msdyn_amount
                          AND a.msdyn_transactionclassification = d.msdyn_transactionclassification
                          AND a.msdyn_billingtype = d.msdyn_billingtype)
                """),
        Check(
            name: "billed_sales_backing",
            sql: """
                SELECT count(*)
                  FROM dataverse.msdyn_actual b
                  LEFT JOIN dataverse.salesorderdetail l ON l.salesorderdetailid = b.msdyn_salescontractlineid
                 WHERE b.msdyn_transactiontypecode = 192350006
                   AND (NOT EXISTS (SELECT 1 FROM dataverse.msdyn_transactionconnection k
                                     WHERE k.msdyn_transaction1 = b.msdyn_actualid AND k.msdyn_transaction1role = '192350006'
                                       AND k.msdyn_transaction2role IN ('ild', '192350006'))
                        OR (l.msdyn_billingmethod = 192350000 AND b.msdyn_transactionclassification <> 192350003
                            AND NOT EXISTS (SELECT 1 FROM dataverse.msdyn_transactionconnection k
                                             WHERE k.msdyn_transaction1 = b.msdyn_actualid
                                               AND k.msdyn_transaction1role = '192350006'
                                               AND k.msdyn_transaction2role = '192350005')))
                """),
        Check(
            name: "unbilled_reversals",
            sql: """
                SELECT count(*)
                  FROM (SELECT DISTINCT a.msdyn_actualid, a.msdyn_amount, a.msdyn_quantity
                          FROM dataverse.msdyn_transactionconnection k
                          JOIN dataverse.msdyn_invoicelinetransaction d
                            ON d.msdyn_invoicelinetransactionid = k.msdyn_transaction1 AND NOT d.msdyn_correction
                          JOIN dataverse.invoice i
                            ON i.invoiceid = d.msdyn_invoice AND i.msdyn_projectinvoicestatus IN \(confirmed)
                          JOIN dataverse.msdyn_actual a
                            ON a.msdyn_actualid = k.msdyn_transaction2 AND a.msdyn_transactiontypecode = 192350005
                         WHERE k.msdyn_transaction1role = 'ild' AND k.msdyn_transaction2role = '192350005') u
                  LEFT JOIN (SELECT k.msdyn_transaction2 AS unbilled, sum(r.msdyn_amount) AS amount,
                                    sum(r.msdyn_quantity) AS quantity
                               FROM dataverse.msdyn_transactionconnection k
                               JOIN dataverse.msdyn_actual r
                                 ON r.msdyn_actualid = k.msdyn_transaction1 AND r.msdyn_transactiontypecode = 192350005
                                AND r.msdyn_skipsync
                              WHERE k.msdyn_transaction1role = '192350005' AND k.msdyn_transaction2role = '192350005'
                              GROUP BY k.msdyn_transaction2) r ON r.unbilled = u.msdyn_actualid
                 WHERE r.unbilled IS NULL OR u.msdyn_amount + r.amount <> 0 OR u.msdyn_quantity + r.quantity <> 0
                """),
        Check(
            name: "billing_status",
            sql: """
                SELECT count(*)
                  FROM dataverse.msdyn_actual a
                  LEFT JOIN dataverse.invoice i ON i.invoiceid = a.msdyn_invoice
                 WHERE a.msdyn_transactiontypecode IN (192350005, 192350006)
                   AND CASE WHEN a.msdyn_transactiontypecode = 192350006 OR a.msdyn_skipsync
                            THEN a.msdyn_billingstatus IS DISTINCT FROM 192350002
                            WHEN a.msdyn_invoice IS NULL
                            THEN a.msdyn_billingstatus IS NULL
                                 OR a.msdyn_billingstatus NOT IN (192350000, 192350004, 192350003)
                            WHEN i.invoiceid IS NULL THEN true
                            WHEN i.msdyn_projectinvoicestatus IN (192350000, 192350001)
                            THEN a.msdyn_billingstatus IS DISTINCT FROM 192350001
                            ELSE a.msdyn_billingstatus IS DISTINCT FROM 192350002 END
                """),
        Check(
            name: "invoice_line_totals",
            sql: """
                SELECT count(*)
                  FROM dataverse.invoicedetail l
                  LEFT JOIN (SELECT d.msdyn_invoicelineid,
                                    sum(coalesce(d.msdyn_invoiceamount, d.msdyn_amount))
                                        FILTER (WHERE d.msdyn_billingtype = 192350001) AS chargeable,
                                    sum(coalesce(d.msdyn_invoiceamount, d.msdyn_amount))
                                        FILTER (WHERE d.msdyn_billingtype = 192350000) AS nonchargeable,
                                    sum(coalesce(d.msdyn_invoiceamount, d.msdyn_amount))
                                        FILTER (WHERE d.msdyn_billingtype = 192350002) AS complimentary,
                                    sum(d.msdyn_tax) AS tax
                               FROM dataverse.msdyn_invoicelinetransaction d
                              GROUP BY d.msdyn_invoicelineid) s ON s.msdyn_invoicelineid = l.invoicedetailid
                 WHERE l.msdyn_chargeableamount IS DISTINCT FROM coalesce(s.chargeable, 0)
                    OR l.msdyn_nonchargeableamount IS DISTINCT FROM coalesce(s.nonchargeable, 0)
                    OR l.msdyn_complimentaryamount IS DISTINCT FROM coalesce(s.complimentary, 0)
                    OR l.baseamount IS DISTINCT FROM coalesce(s.chargeable, 0)
                    OR l.tax IS DISTINCT FROM coalesce(s.tax, 0)
                    OR l.extendedamount IS DISTINCT FROM coalesce(l.baseamount, 0) + coalesce(l.tax, 0)
                """),
        Check(
            name: "invoice_header_totals",
            sql: """
                SELECT count(*)
                  FROM dataverse.invoice h
                  LEFT JOIN (SELECT l.invoiceid, sum(l.baseamount) AS base, sum(l.tax) AS tax
                               FROM dataverse.invoicedetail l GROUP BY l.invoiceid) s ON s.invoiceid = h.invoiceid
                 WHERE h.totallineitemamount IS DISTINCT FROM coalesce(s.base, 0)
                    OR h.totaltax IS DISTINCT FROM coalesce(s.tax, 0)
                    OR h.totalamount IS DISTINCT FROM coalesce(h.totallineitemamount, 0) + coalesce(h.totaltax, 0)
                """),
        Check(
            name: "invoice_lines_per_contract_line",
            sql: """
                SELECT count(*)
                  FROM dataverse.invoice h
                  JOIN dataverse.salesorderdetail c ON c.salesorderid = h.salesorderid AND c.createdon <= h.createdon
                  LEFT JOIN (SELECT l.invoiceid, l.salesorderdetailid, count(*) AS lines
                               FROM dataverse.invoicedetail l GROUP BY l.invoiceid, l.salesorderdetailid) n
                    ON n.invoiceid = h.invoiceid AND n.salesorderdetailid = c.salesorderdetailid
                 WHERE coalesce(n.lines, 0) <> 1
                """),
        Check(
            name: "correction_chain",
            sql: """
                SELECT count(*)
                  FROM dataverse.msdyn_invoicelinetransaction d
                  JOIN dataverse.invoice i ON i.invoiceid = d.msdyn_invoice AND i.msdyn_projectinvoicestatus IN \(confirmed)
                  LEFT JOIN dataverse.invoicedetail dl ON dl.invoicedetailid = d.msdyn_invoicelineid
                  LEFT JOIN dataverse.msdyn_invoicelinetransaction o
                    ON o.msdyn_invoicelinetransactionid = d.msdyn_originalinvoicelinedetail
                  LEFT JOIN dataverse.invoicedetail ol ON ol.invoicedetailid = o.msdyn_invoicelineid
                  LEFT JOIN dataverse.invoice oi ON oi.invoiceid = o.msdyn_invoice
                 WHERE d.msdyn_correction
                   AND (o.msdyn_invoicelinetransactionid IS NULL
                        OR oi.invoiceid IS NULL OR oi.msdyn_projectinvoicestatus NOT IN \(confirmed)
                        OR ol.salesorderdetailid IS DISTINCT FROM dl.salesorderdetailid
                        OR o.msdyn_transactionclassification IS DISTINCT FROM d.msdyn_transactionclassification)
                """),
        Check(
            name: "corrected_twice",
            sql: """
                SELECT count(*)
                  FROM (SELECT d.msdyn_originalinvoicelinedetail
                          FROM dataverse.msdyn_invoicelinetransaction d
                          JOIN dataverse.invoice i
                            ON i.invoiceid = d.msdyn_invoice AND i.msdyn_projectinvoicestatus IN \(confirmed)
                         WHERE d.msdyn_correction AND d.msdyn_originalinvoicelinedetail IS NOT NULL
                         GROUP BY d.msdyn_originalinvoicelinedetail HAVING count(*) > 1) c
                """),
        // MISSING_VOUCHER_WRITEBACK, ACCOUNTING_AMOUNT_MISMATCH on the actual.
        Check(
            name: "writeback_vs_actuals",
            sql: """
                SELECT count(*)
                  FROM fno.projcdsactualsimport s
                  JOIN dataverse.msdyn_actual a ON a.msdyn_actualid = s.actualid
                 WHERE s.vouchernumber IS NOT NULL AND NOT s.isduplicate
                   AND (a.msdyn_externalreferenceid IS DISTINCT FROM s.vouchernumber
                        OR a.msdyn_amount_base IS DISTINCT FROM s.accountingamount)
                """),
        Check(
            name: "journal_lines_voucher",
            sql: """
                SELECT count(*)
                  FROM fno.projadvancedjournalline jl
                  JOIN fno.projcdsactualsimport s ON s.projadvancedjournalline = jl.recid
                 WHERE jl.status = 1 AND s.vouchernumber IS NULL
                """),
        Check(
            name: "posted_proposals_voucher",
            sql: """
                SELECT count(*)
                  FROM fno.projproposaljour p
                  JOIN fno.projcdsactualsimport s
                    ON s.dataareaid = p.dataareaid AND s.invoiceproposalid = p.proposalid AND s.transtype = 192350006
                 WHERE p.projinvoiceid IS NOT NULL AND s.vouchernumber IS NULL AND NOT s.isduplicate
                """),
        Check(
            name: "posted_transactions_vs_staging",
            sql: """
                SELECT count(*)
                  FROM fno.projpostedtranstable t
                  JOIN fno.projcdsactualsimport s
                    ON s.actualid = t.actualid AND s.dataareaid = t.dataareaid AND NOT s.isduplicate
                   AND s.vouchernumber IS NOT NULL
                 WHERE t.amountmst IS DISTINCT FROM s.accountingamount
                """),
        Check(
            name: "wip_reversal",
            sql: """
                SELECT count(DISTINCT t.recid)
                  FROM fno.projinvoicejour j
                  JOIN fno.projinvoiceline il ON il.dataareaid = j.dataareaid AND il.projinvoiceid = j.projinvoiceid
                  JOIN fno.projcdstransactionconnectionimport k
                    ON k.transaction1 = il.actualid AND k.transaction1role = '192350006' AND k.transaction2role = '192350005'
                  JOIN fno.projpostedtranstable t ON t.actualid = k.transaction2 AND t.dataareaid = j.dataareaid
                 WHERE t.transstatus = 2
                """),
        // JOURNAL_LINE_MISMATCH: imported cost and unbilled-sales staging rows against the journal line they point to.
        Check(
            name: "journal_lines",
            sql: """
                SELECT count(*)
                  FROM fno.projcdsactualsimport s
                  LEFT JOIN fno.projadvancedjournalline jl ON jl.recid = s.projadvancedjournalline
                 WHERE s.isprocessed AND NOT s.isduplicate AND s.transtype IN (192350000, 192350005)
                   AND (jl.recid IS NULL
                        OR (s.dataareaid, s.actualid, \(fnoTranstype("s.transactionclassification")), s.projectid,
                            s.documentdate, coalesce(s.accountingdate, s.documentdate), s.quantity, s.amount,
                            s.transactioncurrencyid)
                           IS DISTINCT FROM
                           (jl.dataareaid, jl.actualid, jl.transtype, jl.projid, jl.transdate, jl.accountingdate, jl.qty,
                            jl.lineamount, jl.currencyid))
                """),
        // JOURNAL_LINE_MISMATCH: journal lines no staging row points to.
        Check(
            name: "journal_lines_unreferenced",
            sql: """
                SELECT count(*)
                  FROM fno.projadvancedjournalline jl
                  JOIN fno.projadvancedjournal j ON j.recid = jl.projadvancedjournal
                 WHERE NOT EXISTS (SELECT 1 FROM fno.projcdsactualsimport s
                                    WHERE s.projadvancedjournalline = jl.recid AND NOT s.isduplicate)
                """),
        // POSTED_TRANSACTION_MISMATCH, journal side: posted journal lines FULL JOIN the posted transactions no
        // proposal or invoice line bills, by legal entity and actual; and a line with more than one transaction.
        Check(
            name: "posted_transactions_journal",
            sql: """
                WITH t AS (\(journalTransactions)),
                jl AS (SELECT * FROM fno.projadvancedjournalline WHERE status = 1)
                SELECT (SELECT count(*)
                          FROM jl
                          FULL JOIN t ON t.dataareaid = jl.dataareaid AND t.actualid = jl.actualid
                         WHERE jl.recid IS NULL OR t.recid IS NULL
                            OR (jl.qty, jl.lineamount, jl.currencyid, jl.transtype, jl.projid, jl.transdate, jl.voucher)
                               IS DISTINCT FROM (t.qty, t.amount, t.currencyid, t.transtype, t.projid, t.transdate,
                                                 t.voucher))
                     + (SELECT count(*)
                          FROM (SELECT dataareaid, actualid FROM t GROUP BY dataareaid, actualid HAVING count(*) > 1) d
                          JOIN jl ON jl.dataareaid = d.dataareaid AND jl.actualid = d.actualid)
                """),
        // POSTED_INVOICE_PROPOSAL_MISMATCH, header: each posted invoice against its proposal (amount before tax, currency,
        // contract, customer, invoice id) and its own total; a proposal posted as an invoice that does not exist.
        Check(
            name: "posted_invoice_headers",
            sql: """
                SELECT (SELECT count(*)
                          FROM fno.projinvoicejour j
                          LEFT JOIN fno.projproposaljour p ON p.dataareaid = j.dataareaid AND p.proposalid = j.proposalid
                          LEFT JOIN recon.tolerance t ON t.currencyid = j.currencyid
                         WHERE p.recid IS NULL
                            OR abs(j.salesorderbalance - p.salesorderbalance) > coalesce(t.amount, 0)
                            OR abs(j.invoiceamount - (j.salesorderbalance + j.sumtax)) > coalesce(t.amount, 0)
                            OR p.currencyid IS DISTINCT FROM j.currencyid
                            OR p.projinvoiceprojid IS DISTINCT FROM j.projinvoiceprojid
                            OR coalesce(p.invoiceaccount, j.invoiceaccount) IS DISTINCT FROM j.invoiceaccount
                            OR p.projinvoiceid IS DISTINCT FROM j.projinvoiceid)
                     + (SELECT count(*)
                          FROM fno.projproposaljour p
                         WHERE p.projinvoiceid IS NOT NULL
                           AND NOT EXISTS (SELECT 1 FROM fno.projinvoicejour j
                                            WHERE j.dataareaid = p.dataareaid AND j.projinvoiceid = p.projinvoiceid))
                """),
        // POSTED_INVOICE_PROPOSAL_MISMATCH, lines missing or extra by transid.
        Check(
            name: "posted_invoice_lines",
            sql: """
                SELECT count(*)
                  FROM (SELECT l.dataareaid, j.projinvoiceid, l.transid
                          FROM fno.projproposalline l
                          JOIN fno.projinvoicejour j ON j.dataareaid = l.dataareaid AND j.proposalid = l.proposalid) pl
                  FULL JOIN fno.projinvoiceline il
                    ON il.dataareaid = pl.dataareaid AND il.projinvoiceid = pl.projinvoiceid AND il.transid = pl.transid
                 WHERE pl.transid IS NULL OR il.transid IS NULL
                """),
        // POSTED_INVOICE_PROPOSAL_MISMATCH, each line on both sides field by field.
        Check(
            name: "posted_invoice_line_fields",
            sql: """
                SELECT count(*)
                  FROM fno.projinvoicejour j
                  JOIN fno.projproposalline pl ON pl.dataareaid = j.dataareaid AND pl.proposalid = j.proposalid
                  JOIN fno.projinvoiceline il
                    ON il.dataareaid = j.dataareaid AND il.projinvoiceid = j.projinvoiceid AND il.transid = pl.transid
                  LEFT JOIN recon.tolerance t ON t.currencyid = pl.currencyid
                 WHERE il.actualid IS DISTINCT FROM pl.actualid
                    OR il.qty IS DISTINCT FROM pl.qty
                    OR (il.salesprice IS DISTINCT FROM pl.salesprice
                        AND (il.salesprice IS NULL OR pl.salesprice IS NULL
                             OR abs(il.salesprice - pl.salesprice) > coalesce(t.amount, 0)))
                    OR abs(il.lineamount - pl.lineamount) > coalesce(t.amount, 0)
                    OR il.currencyid IS DISTINCT FROM pl.currencyid
                    OR il.transtype IS DISTINCT FROM pl.transtype
                    OR il.linepropertyid IS DISTINCT FROM pl.linepropertyid
                """),
        // POSTED_TRANSACTION_MISMATCH, invoice side: posted invoice lines FULL JOIN the posted transactions a proposal
        // or invoice line bills, by legal entity and transid, invoiced on the invoice's voucher.
        Check(
            name: "posted_transactions_invoice",
            sql: """
                SELECT count(*)
                  FROM (SELECT il.dataareaid, il.transid, il.actualid, il.qty, il.lineamount, il.currencyid,
                               il.transtype, il.projid, j.ledgervoucher
                          FROM fno.projinvoiceline il
                          JOIN fno.projinvoicejour j
                            ON j.dataareaid = il.dataareaid AND j.projinvoiceid = il.projinvoiceid) il
                  FULL JOIN (SELECT t.*
                               FROM fno.projpostedtranstable t
                               LEFT JOIN fno.projproposalline pl
                                 ON pl.dataareaid = t.dataareaid AND pl.transid = t.transid
                              WHERE pl.transid IS NOT NULL
                                 OR EXISTS (SELECT 1 FROM fno.projinvoiceline l
                                             WHERE l.dataareaid = t.dataareaid AND l.transid = t.transid)) t
                    ON t.dataareaid = il.dataareaid AND t.transid = il.transid
                 WHERE il.transid IS NULL OR t.recid IS NULL
                    OR (il.actualid, il.qty, il.lineamount, il.currencyid, il.transtype, il.projid,
                        il.ledgervoucher, 4)
                       IS DISTINCT FROM (t.actualid, t.qty, t.amount, t.currencyid, t.transtype, t.projid,
                                         t.voucher, t.transstatus)
                """),
        // CUSTOMER_TRANSACTION_MISMATCH: each posted invoice FULL JOIN the customer transactions of its invoice id;
        // an invoice with more than one.
        Check(
            name: "customer_transactions",
            sql: """
                SELECT (SELECT count(*)
                          FROM (\(invoiceAmounts)) j
                          FULL JOIN fno.custtrans c ON c.dataareaid = j.dataareaid AND c.invoice = j.projinvoiceid
                         WHERE j.recid IS NULL OR c.recid IS NULL
                            OR (j.invoiceamount, j.revenuemst + j.taxmst, j.currencyid, j.invoiceaccount,
                                j.ledgervoucher, j.invoicedate)
                               IS DISTINCT FROM (c.amountcur, c.amountmst, c.currencycode, c.accountnum, c.voucher,
                                                 c.transdate))
                     + (SELECT count(*)
                          FROM (SELECT dataareaid, invoice FROM fno.custtrans
                                 GROUP BY dataareaid, invoice HAVING count(*) > 1) d
                          JOIN fno.projinvoicejour j ON j.dataareaid = d.dataareaid AND j.projinvoiceid = d.invoice)
                """),
        // VOUCHER_MISMATCH: per voucher, main account and transaction currency, the ledger lines against everything
        // posted on the voucher (journal side: cost 600100 / 200150, WIP 130500 / 401300 by the actual's staging row,
        // nothing for a billed sale's; invoices: 130100 total, 401100 amount before tax, 222200 tax; an invoice
        // voucher's WIP reversal left out).
        Check(
            name: "voucher_lines",
            sql: """
                WITH t AS (
                    SELECT t.dataareaid, t.voucher, t.currencyid, coalesce(s.transtype = 192350005, false) AS wip,
                           sum(t.amountmst) AS mst, sum(t.amount) AS cur
                      FROM (\(journalTransactions)) t
                      LEFT JOIN (SELECT dataareaid, actualid, min(transtype) AS transtype FROM fno.projcdsactualsimport
                                  WHERE NOT isduplicate GROUP BY dataareaid, actualid) s
                        ON s.actualid = t.actualid AND s.dataareaid = t.dataareaid
                     WHERE t.voucher IS NOT NULL AND s.transtype IS DISTINCT FROM 192350006
                     GROUP BY t.dataareaid, t.voucher, t.currencyid, coalesce(s.transtype = 192350005, false)),
                expected AS (
                    SELECT p.dataareaid, p.voucher, p.mainaccount, p.currency, sum(p.mst) AS mst, sum(p.cur) AS cur
                      FROM (SELECT t.dataareaid, t.voucher, a.mainaccount, t.currencyid AS currency, a.sign * t.mst AS mst,
                                   a.sign * t.cur AS cur
                              FROM t
                             CROSS JOIN LATERAL (VALUES (CASE WHEN t.wip THEN '130500' ELSE '600100' END, 1),
                                                        (CASE WHEN t.wip THEN '401300' ELSE '200150' END, -1))
                                   AS a(mainaccount, sign)
                            UNION ALL
                            SELECT j.dataareaid, j.ledgervoucher, a.mainaccount, j.currencyid, a.mst, a.cur
                              FROM (\(invoiceAmounts)) j
                             CROSS JOIN LATERAL (VALUES ('130100', j.revenuemst + j.taxmst, j.invoiceamount),
                                                        ('401100', -j.revenuemst, -j.salesorderbalance),
                                                        ('222200', -j.taxmst, -j.sumtax)) AS a(mainaccount, mst, cur)
                             WHERE j.ledgervoucher IS NOT NULL) p
                     GROUP BY p.dataareaid, p.voucher, p.mainaccount, p.currency),
                ledger AS (
                    SELECT e.dataareaid, e.voucher, e.mainaccount, e.transactioncurrencycode AS currency,
                           sum(e.accountingcurrencyamount) AS mst, sum(e.transactioncurrencyamount) AS cur
                      FROM fno.generaljournalaccountentry e
                     WHERE NOT (e.mainaccount IN ('401300', '130500')
                                AND EXISTS (SELECT 1 FROM fno.projinvoicejour j
                                             WHERE j.dataareaid = e.dataareaid AND j.ledgervoucher = e.voucher))
                     GROUP BY e.dataareaid, e.voucher, e.mainaccount, e.transactioncurrencycode)
                SELECT count(*)
                  FROM expected ex
                  FULL JOIN ledger lg
                    ON lg.dataareaid = ex.dataareaid AND lg.voucher = ex.voucher AND lg.mainaccount = ex.mainaccount
                   AND lg.currency = ex.currency
                 WHERE (coalesce(ex.mst, 0), coalesce(ex.cur, 0)) IS DISTINCT FROM (coalesce(lg.mst, 0), coalesce(lg.cur, 0))
                """),
        Check(
            name: "voucher_balance",
            sql: """
                SELECT count(*)
                  FROM (SELECT dataareaid, voucher FROM fno.generaljournalaccountentry
                         GROUP BY dataareaid, voucher HAVING sum(accountingcurrencyamount) <> 0) v
                """),
        // WRITEBACK_MISMATCH: staging rows that carry a voucher against the posting that wrote it (a cost or unbilled
        // sale: its posted journal line; a billed sale: its posted invoice line and invoice).
        Check(
            name: "writeback_staging",
            sql: """
                SELECT count(*)
                  FROM (SELECT s.vouchernumber, s.exchangerate, s.exchangeratedate, s.salestaxamount, jl.voucher,
                               round(100 / nullif(jl.exchrate, 0), 10) AS rate, coalesce(jl.accountingdate, jl.transdate) AS ratedate,
                               0::numeric AS tax
                          FROM fno.projcdsactualsimport s
                          JOIN fno.projadvancedjournalline jl ON jl.recid = s.projadvancedjournalline
                         WHERE jl.status = 1 AND s.transtype IN (192350000, 192350005)
                           AND s.vouchernumber IS NOT NULL AND NOT s.isduplicate
                        UNION ALL
                        SELECT s.vouchernumber, s.exchangerate, s.exchangeratedate, s.salestaxamount, j.ledgervoucher,
                               round(100 / nullif(j.exchrate, 0), 10), j.invoicedate, il.taxamount
                          FROM fno.projcdsactualsimport s
                          JOIN fno.projinvoiceline il
                            ON il.dataareaid = s.dataareaid AND il.transid = s.invoiceproposallinetransid
                          JOIN fno.projinvoicejour j ON j.dataareaid = il.dataareaid AND j.projinvoiceid = il.projinvoiceid
                         WHERE s.transtype = 192350006 AND s.vouchernumber IS NOT NULL AND NOT s.isduplicate) p
                 WHERE (p.voucher, p.rate, p.ratedate, p.tax)
                       IS DISTINCT FROM (p.vouchernumber, p.exchangerate, p.exchangeratedate, p.salestaxamount)
                """),
        // WRITEBACK_MISMATCH: the accounting write-back against the actuals that have their voucher.
        Check(
            name: "writeback_actuals",
            sql: """
                SELECT count(*)
                  FROM fno.projcdsactualsimport s
                  JOIN dataverse.msdyn_actual a ON a.msdyn_actualid = s.actualid
                 WHERE s.vouchernumber IS NOT NULL AND NOT s.isduplicate
                   AND a.msdyn_externalreferenceid = s.vouchernumber
                   AND (s.exchangerate, s.exchangeratedate, s.salestaxamount, s.isjournalized)
                       IS DISTINCT FROM (a.exchangerate, a.msdyn_exchangeratedate, a.msdyn_salestaxamount,
                                         a.msdyn_isjournalized)
                """),
        // CONTROL_TOTAL_MISMATCH: per legal entity, contract and currency (and period for the ledger), each pair of
        // consecutive stages of billing summed over the same records.
        Check(
            name: "control_totals",
            sql: """
                SELECT count(*)
                  FROM (SELECT st.pair, st.dataareaid, st.contract, st.currency, st.period,
                               coalesce(sum(st.total) FILTER (WHERE st.side = 'a'), 0) AS a_total,
                               coalesce(sum(st.total) FILTER (WHERE st.side = 'b'), 0) AS b_total
                          FROM (SELECT 1 AS pair, 'a' AS side, 'usmf' AS dataareaid, so.ordernumber AS contract,
                                       a.isocurrencycode AS currency, NULL::date AS period, a.msdyn_amount AS total
                                  FROM dataverse.msdyn_actual a
                                  LEFT JOIN dataverse.salesorder so ON so.salesorderid = a.msdyn_salescontract
                                 WHERE a.msdyn_skipsync = false AND a.msdyn_transactiontypecode = 192350006
                                UNION ALL
                                SELECT 1, 'b', s.dataareaid, s.contractid, s.transactioncurrencyid, NULL, s.amount
                                  FROM fno.projcdsactualsimport s
                                 WHERE s.transtype = 192350006 AND NOT s.isduplicate
                                UNION ALL
                                SELECT 2, 'a', s.dataareaid, s.contractid, s.transactioncurrencyid, NULL, s.amount
                                  FROM fno.projcdsactualsimport s
                                 WHERE s.transtype = 192350006 AND NOT s.isduplicate
                                   AND EXISTS (SELECT 1 FROM fno.projproposalline l
                                                WHERE l.dataareaid = s.dataareaid AND l.proposalid = s.invoiceid)
                                UNION ALL
                                SELECT 2, 'b', p.dataareaid, p.projinvoiceprojid, l.currencyid, NULL, l.lineamount
                                  FROM fno.projproposalline l
                                  JOIN fno.projproposaljour p ON p.dataareaid = l.dataareaid AND p.proposalid = l.proposalid
                                UNION ALL
                                SELECT 3, 'a', p.dataareaid, p.projinvoiceprojid, l.currencyid, NULL, l.lineamount
                                  FROM fno.projproposalline l
                                  JOIN fno.projproposaljour p ON p.dataareaid = l.dataareaid AND p.proposalid = l.proposalid
                                 WHERE EXISTS (SELECT 1 FROM fno.projinvoicejour j
                                                WHERE j.dataareaid = p.dataareaid AND j.proposalid = p.proposalid)
                                UNION ALL
                                SELECT 3, 'b', j.dataareaid, j.projinvoiceprojid, il.currencyid, NULL, il.lineamount
                                  FROM fno.projinvoiceline il
                                  JOIN fno.projinvoicejour j ON j.dataareaid = il.dataareaid AND j.projinvoiceid = il.projinvoiceid
                                UNION ALL
                                SELECT 4, 'a', j.dataareaid, j.projinvoiceprojid, il.currencyid, NULL, il.lineamount
                                  FROM fno.projinvoiceline il
                                  JOIN fno.projinvoicejour j ON j.dataareaid = il.dataareaid AND j.projinvoiceid = il.projinvoiceid
                                 WHERE il.linepropertyid = 'Chargeable'
                                UNION ALL
                                SELECT 4, 'b', j.dataareaid, j.projinvoiceprojid, j.currencyid, NULL, j.salesorderbalance
                                  FROM fno.projinvoicejour j
                                UNION ALL
                                SELECT 5, 'a', j.dataareaid, j.projinvoiceprojid, j.currencyid, NULL, j.salesorderbalance
                                  FROM fno.projinvoicejour j
                                UNION ALL
                                SELECT 5, 'b', j.dataareaid, j.projinvoiceprojid, c.currencycode, NULL, c.amountcur - j.sumtax
                                  FROM fno.custtrans c
                                  JOIN fno.projinvoicejour j ON j.dataareaid = c.dataareaid AND j.projinvoiceid = c.invoice
                                UNION ALL
                                SELECT 6, 'a', j.dataareaid, j.projinvoiceprojid, c.currencycode,
                                       date_trunc('month', c.transdate)::date, c.amountcur - j.sumtax
                                  FROM fno.custtrans c
                                  JOIN fno.projinvoicejour j ON j.dataareaid = c.dataareaid AND j.projinvoiceid = c.invoice
                                UNION ALL
                                SELECT 6, 'b', j.dataareaid, j.projinvoiceprojid, e.transactioncurrencycode,
                                       date_trunc('month', e.accountingdate)::date, -e.transactioncurrencyamount
                                  FROM fno.generaljournalaccountentry e
                                  JOIN (SELECT DISTINCT ON (dataareaid, ledgervoucher) dataareaid, ledgervoucher,
                                               projinvoiceprojid
                                          FROM fno.projinvoicejour
                                         ORDER BY dataareaid, ledgervoucher, projinvoiceid) j
                                    ON j.dataareaid = e.dataareaid AND j.ledgervoucher = e.voucher
                                 WHERE e.mainaccount = '401100') st
                         GROUP BY st.pair, st.dataareaid, st.contract, st.currency, st.period) t
                  LEFT JOIN recon.tolerance tol ON tol.currencyid = t.currency
                 WHERE abs(t.b_total - t.a_total) > coalesce(tol.amount, 0)
                """),
    ]
}
