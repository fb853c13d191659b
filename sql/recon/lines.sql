-- recon/lines.sql
-- Stage lines of the reconciliation's checks (recon.category stage lines): the actuals map's expected rows against
-- the staging rows, the proposal lines against the billed-sales staging rows and the billed sales they bill, and
-- the invoice line details of confirmed proformas against their billed sales. recon.collect_findings
-- (recon/collect_findings.sql) calls recon.collect_lines; every check inserts its findings into the temporary
-- table recon_raw that function creates.

CREATE OR REPLACE FUNCTION recon.collect_lines() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM recon.collect_lines_staging();
    PERFORM recon.collect_lines_proposal();
    PERFORM recon.collect_lines_billed_sales();
END;
$$;
COMMENT ON FUNCTION recon.collect_lines() IS
  'Stage lines of recon.collect_findings: recon.collect_lines_staging, recon.collect_lines_proposal, then '
  'recon.collect_lines_billed_sales. Inserts into the temporary table recon_raw.';

CREATE OR REPLACE FUNCTION recon.collect_lines_staging() RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    ------------------------------------------------------------------------------------------------
    -- Actuals against staging: the actuals map's expected rows FULL JOIN the staging rows, once.
    ------------------------------------------------------------------------------------------------
    INSERT INTO recon_raw (category, severity, invoicenumber, actualid, expected, actual, amount, currency, dataareaid,
                           since, threshold, detail)
    WITH x AS MATERIALIZED (
        SELECT coalesce(ea.actualid, s.actualid) AS actualid, ea._include, ea.transtype, s.recid, s.transtype AS s_transtype,
               s.invoiceid AS s_invoiceid, s.amount AS s_amount, s.transactioncurrencyid AS s_currency,
               s.dataareaid AS s_dataareaid, ea._src_createdon, ea.actualid AS ea_actualid,
               s.isprocessed, s.isduplicate, s.isjournalized, s.vouchernumber, s.importmessage,
               s.createddatetime AS s_created, s.projadvancedjournalline
          FROM pg_temp.recon_expected_actuals ea
          FULL JOIN pg_temp.recon_in_projcdsactualsimport s ON s.actualid = ea.actualid
         WHERE (s.recid IS NULL AND ea._include)
            OR (s.recid IS NOT NULL AND NOT coalesce(ea._include, false))
            OR (s.recid IS NOT NULL AND NOT s.isprocessed AND NOT s.isduplicate)
            OR (s.recid IS NOT NULL AND s.transtype = optionset.code('transactiontype', 'Unbilled Sales')
                AND s.isprocessed AND NOT s.isduplicate AND s.vouchernumber IS NULL))
    SELECT c.category, c.severity, coalesce(ea.invoiceid, x.s_invoiceid), x.actualid, c.expected, c.actual,
           coalesce(ea.amount, x.s_amount), coalesce(ea.transactioncurrencyid, x.s_currency),
           coalesce(x.s_dataareaid, ea.dataareaid), c.since, c.threshold, c.detail
      FROM x
      LEFT JOIN pg_temp.recon_expected_actuals ea ON ea.actualid = x.ea_actualid
     CROSS JOIN LATERAL (
           SELECT 'BILLED_SALES_NOT_STAGED' AS category, 'E' AS severity, NULL AS expected, NULL AS actual,
                  x._src_createdon AS since, NULL AS threshold,
                  'billed sale ' || x.actualid || ' has no staging row in F&O' AS detail
            WHERE x.recid IS NULL AND x.transtype = optionset.code('transactiontype', 'Billed Sales')
           UNION ALL
           SELECT 'UNBILLED_NOT_POSTED', 'W', NULL, NULL, x._src_createdon, NULL,
                  'unbilled sale ' || x.actualid || ' has no staging row in F&O, so it cannot be posted'
            WHERE x.recid IS NULL AND x.transtype = optionset.code('transactiontype', 'Unbilled Sales')
           UNION ALL
           SELECT 'ACTUAL_NOT_STAGED', 'W', NULL, NULL, x._src_createdon, NULL,
                  'actual ' || x.actualid || ' (' || coalesce(optionset.label('transactiontype', x.transtype), 'no type')
                  || ') has no staging row in F&O'
            WHERE x.recid IS NULL
              AND NOT coalesce(x.transtype = ANY (optionset.codes('transactiontype', 'Unbilled Sales', 'Billed Sales')), false)
           UNION ALL
           SELECT 'SKIPPED_RECORD_LEAKED', 'E', NULL, NULL, x.s_created, NULL,
                  CASE WHEN x.ea_actualid IS NULL
                       THEN 'staging row for actual ' || x.actualid || ', which Dataverse does not have (invalid actual)'
                       ELSE 'staging row for actual ' || x.actualid || ', which the actuals map does not send (skip-sync)' END
            WHERE x.recid IS NOT NULL AND NOT coalesce(x._include, false)
           UNION ALL
           SELECT 'STAGED_NOT_IMPORTED', 'W', NULL, NULL, x.s_created, 'staged_not_imported',
                  'staging row not imported: ' || coalesce(x.importmessage, 'waiting for Import from staging')
            WHERE x.recid IS NOT NULL AND x._include AND NOT x.isprocessed AND NOT x.isduplicate
           UNION ALL
           SELECT 'UNBILLED_NOT_POSTED', 'W', NULL, NULL, x.s_created, NULL,
                  'unbilled sale imported but its journal line is '
                  || coalesce(optionset.label('projadvancedjournalstatus', jl.status), jl.status::text) || ', so no voucher'
             FROM pg_temp.recon_in_projadvancedjournalline jl
            -- (a journal line that is missing is JOURNAL_LINE_MISMATCH)
            WHERE jl.recid = x.projadvancedjournalline
              AND x.recid IS NOT NULL AND x._include
              AND x.s_transtype = optionset.code('transactiontype', 'Unbilled Sales')
              AND x.isprocessed AND NOT x.isduplicate AND x.vouchernumber IS NULL) c;

    -- Each staging row against its actual as the actuals map sends it, field by field (the fields F&O processes;
    -- statuses and descriptions follow the actual and are not compared).
    INSERT INTO recon_raw (category, severity, invoicenumber, actualid, field, expected, actual, difference, amount,
                           currency, dataareaid, since, detail)
    SELECT 'STAGING_FIELD_MISMATCH', 'E', ea.invoiceid, ea.actualid, f.field, f.expected, f.actual, f.difference,
           CASE WHEN f.field IN ('unitprice', 'amount') THEN abs(f.difference) ELSE ea.amount END,
           ea.transactioncurrencyid, s.dataareaid,
           greatest(ea._src_modifiedon, s.modifieddatetime),
           'staging row ' || f.field || ' is ' || coalesce(f.actual, 'empty') || ', the actual''s is '
           || coalesce(f.expected, 'empty')
      FROM pg_temp.recon_expected_actuals ea
      JOIN pg_temp.recon_in_projcdsactualsimport s ON s.actualid = ea.actualid AND NOT s.isduplicate
     CROSS JOIN LATERAL (VALUES
           ('dataareaid', ea.dataareaid, s.dataareaid, NULL::numeric),
           ('transtype', ea.transtype::text, s.transtype::text, NULL),
           ('transactionclassification', ea.transactionclassification::text, s.transactionclassification::text, NULL),
           ('billingtype', ea.billingtype::text, s.billingtype::text, NULL),
           ('projectid', ea.projectid, s.projectid, NULL),
           ('contractid', ea.contractid, s.contractid, NULL),
           ('contractline', ea.contractline, s.contractline, NULL),
           ('customeraccountnumber', ea.customeraccountnumber, s.customeraccountnumber, NULL),
           ('documentdate', ea.documentdate::text, s.documentdate::text, NULL),
           ('accountingdate', ea.accountingdate::text, s.accountingdate::text, NULL),
           ('quantity', ea.quantity::text, s.quantity::text, s.quantity - ea.quantity),
           ('unitprice', ea.unitprice::text, s.unitprice::text, s.unitprice - ea.unitprice),
           ('amount', ea.amount::text, s.amount::text, s.amount - ea.amount),
           ('transactioncurrencyid', ea.transactioncurrencyid, s.transactioncurrencyid, NULL),
           ('invoiceid', CASE WHEN ea.transtype = optionset.code('transactiontype', 'Billed Sales') THEN ea.invoiceid END,
                         CASE WHEN ea.transtype = optionset.code('transactiontype', 'Billed Sales') THEN s.invoiceid END,
                         NULL)
          ) AS f(field, expected, actual, difference)
     WHERE ea._include
       AND (ea.dataareaid, ea.transtype, ea.transactionclassification, ea.billingtype, ea.projectid, ea.contractid,
            ea.contractline, ea.customeraccountnumber, ea.documentdate, ea.accountingdate, ea.quantity, ea.unitprice,
            ea.amount, ea.transactioncurrencyid,
            CASE WHEN ea.transtype = optionset.code('transactiontype', 'Billed Sales') THEN ea.invoiceid END)
           IS DISTINCT FROM
           (s.dataareaid, s.transtype, s.transactionclassification, s.billingtype, s.projectid, s.contractid,
            s.contractline, s.customeraccountnumber, s.documentdate, s.accountingdate, s.quantity, s.unitprice,
            s.amount, s.transactioncurrencyid,
            CASE WHEN ea.transtype = optionset.code('transactiontype', 'Billed Sales') THEN s.invoiceid END)
       AND f.expected IS DISTINCT FROM f.actual;

    INSERT INTO recon_raw (category, severity, actualid, expected, actual, amount, currency, dataareaid, since, detail)
    SELECT 'DUPLICATE_STAGING_ROW', 'E', d.actualid, '1', d.n::text, d.amount, d.currency, d.dataareaid, d.since,
           'actual ' || d.actualid || ' has ' || d.n || ' staging rows not flagged isduplicate (recid ' || d.recids || ')'
      FROM (SELECT s.actualid, count(*) AS n, min(s.amount) AS amount, min(s.transactioncurrencyid) AS currency,
                   min(s.dataareaid) AS dataareaid, max(s.createddatetime) AS since,
                   string_agg(s.recid::text, ', ' ORDER BY s.recid) AS recids
              FROM pg_temp.recon_in_projcdsactualsimport s
             WHERE NOT s.isduplicate
               AND s.actualid IN (SELECT actualid FROM pg_temp.recon_in_projcdsactualsimport WHERE NOT isduplicate
                                   GROUP BY actualid HAVING count(*) > 1)
             GROUP BY s.actualid) d;
END;
$$;
COMMENT ON FUNCTION recon.collect_lines_staging() IS
  'Checks of stage lines, the actuals map''s expected rows FULL JOIN the staging rows: BILLED_SALES_NOT_STAGED, '
  'ACTUAL_NOT_STAGED, SKIPPED_RECORD_LEAKED, STAGED_NOT_IMPORTED and, from the same join, UNBILLED_NOT_POSTED (stage '
  'posting); then STAGING_FIELD_MISMATCH (each staging row against its actual, field by field) and '
  'DUPLICATE_STAGING_ROW. Inserts into recon_raw; part of recon.collect_lines.';

CREATE OR REPLACE FUNCTION recon.collect_lines_proposal() RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    ------------------------------------------------------------------------------------------------
    -- Proposal lines
    ------------------------------------------------------------------------------------------------
    -- Lines whose proposal does not exist, or whose actual is no staged billed sale.
    INSERT INTO recon_raw (category, severity, invoicenumber, proposalid, actualid, transid, amount, currency,
                           dataareaid, since, detail)
    SELECT 'ORPHAN_PROPOSAL_LINE', 'E', l.proposalid, l.proposalid, l.actualid, l.transid, l.lineamount, l.currencyid,
           l.dataareaid, l.createddatetime,
           CASE WHEN p.recid IS NULL THEN 'proposal line ' || l.transid || ' has no proposal header'
                ELSE 'proposal line ' || l.transid || ' bills actual ' || coalesce(l.actualid::text, '(none)')
                     || ', which is no billed sale in staging' END
      FROM pg_temp.recon_in_projproposalline l
      LEFT JOIN pg_temp.recon_in_projproposaljour p ON p.dataareaid = l.dataareaid AND p.proposalid = l.proposalid
     WHERE p.recid IS NULL
        OR NOT EXISTS (SELECT 1 FROM pg_temp.recon_in_projcdsactualsimport s
                        WHERE s.actualid = l.actualid
                          AND s.transtype = optionset.code('transactiontype', 'Billed Sales'));

    -- The set of actual ids on each proposal that has lines against its billed-sales staging rows.
    INSERT INTO recon_raw (category, severity, invoicenumber, proposalid, expected, actual, amount, currency,
                           dataareaid, since, detail)
    SELECT 'PROPOSAL_LINE_SET_MISMATCH', 'E', m.proposalid, m.proposalid, m.staged::text, m.lines::text, m.amount,
           m.currency, m.dataareaid, m.since,
           concat_ws('; ',
                     CASE WHEN m.missing > 0 THEN m.missing || ' missing: ' || m.missing_ids END,
                     CASE WHEN m.extra > 0 THEN m.extra || ' extra: ' || m.extra_ids END)
      FROM (SELECT c.dataareaid, c.proposalid,
                   sum(c.sn) AS staged, sum(c.ln) AS lines, sum(abs(c.sn - c.ln) * abs(c.amount)) AS amount,
                   min(c.currency) AS currency, max(c.since) AS since,
                   count(*) FILTER (WHERE c.sn > c.ln) AS missing,
                   count(*) FILTER (WHERE c.ln > c.sn) AS extra,
                   string_agg(c.actualid::text, ', ' ORDER BY c.actualid) FILTER (WHERE c.sn > c.ln) AS missing_ids,
                   string_agg(c.actualid::text || CASE WHEN c.ln > 1 THEN ' (' || c.ln || ' lines)' ELSE '' END, ', '
                              ORDER BY c.actualid) FILTER (WHERE c.ln > c.sn) AS extra_ids
              FROM (SELECT coalesce(l.dataareaid, s.dataareaid) AS dataareaid,
                           coalesce(l.proposalid, s.proposalid) AS proposalid,
                           coalesce(l.actualid, s.actualid) AS actualid,
                           coalesce(l.n, 0) AS ln, coalesce(s.n, 0) AS sn, coalesce(l.amount, s.amount) AS amount,
                           coalesce(l.currency, s.currency) AS currency, greatest(l.since, s.since) AS since
                      FROM (SELECT dataareaid, proposalid, actualid, count(*) AS n, min(lineamount) AS amount,
                                   min(currencyid) AS currency, max(createddatetime) AS since
                              FROM pg_temp.recon_in_projproposalline GROUP BY dataareaid, proposalid, actualid) l
                      FULL JOIN (SELECT dataareaid, invoiceid AS proposalid, actualid, count(*) AS n,
                                        min(amount) AS amount, min(transactioncurrencyid) AS currency,
                                        max(createddatetime) AS since
                                   FROM pg_temp.recon_in_projcdsactualsimport
                                  WHERE transtype = optionset.code('transactiontype', 'Billed Sales')
                                    AND NOT isduplicate
                                  GROUP BY dataareaid, invoiceid, actualid) s
                        ON s.dataareaid = l.dataareaid AND s.proposalid = l.proposalid AND s.actualid = l.actualid
                     WHERE coalesce(l.n, 0) <> coalesce(s.n, 0)) c
             -- only proposals that have lines, and not the lines ORPHAN_PROPOSAL_LINE reports
             WHERE EXISTS (SELECT 1 FROM pg_temp.recon_in_projproposalline x
                            WHERE x.dataareaid = c.dataareaid AND x.proposalid = c.proposalid)
               AND EXISTS (SELECT 1 FROM pg_temp.recon_in_projcdsactualsimport s2
                            WHERE s2.actualid = c.actualid
                              AND s2.transtype = optionset.code('transactiontype', 'Billed Sales'))
             GROUP BY c.dataareaid, c.proposalid) m;

    -- Each line against its billed sale as the actuals map sends it.
    INSERT INTO recon_raw (category, severity, invoicenumber, proposalid, actualid, transid, field, expected, actual,
                           difference, amount, currency, dataareaid, since, detail)
    SELECT 'PROPOSAL_LINE_AMOUNT_MISMATCH', 'E', l.proposalid, l.proposalid, l.actualid, l.transid, f.field,
           f.expected, f.actual, f.difference, CASE WHEN f.money THEN abs(f.difference) ELSE ea.amount END,
           ea.transactioncurrencyid,
           l.dataareaid, greatest(l.modifieddatetime, ea._src_modifiedon),
           'proposal line ' || f.field || ' differs from the billed sale'
      FROM pg_temp.recon_in_projproposalline l
      JOIN pg_temp.recon_expected_actuals ea ON ea.actualid = l.actualid
      LEFT JOIN recon.tolerance t ON t.currencyid = ea.transactioncurrencyid
     CROSS JOIN LATERAL (VALUES
           ('qty', ea.quantity::text, l.qty::text, l.qty - ea.quantity, false),
           ('salesprice', ea.unitprice::text, l.salesprice::text, l.salesprice - ea.unitprice, true),
           ('lineamount', ea.amount::text, l.lineamount::text, l.lineamount - ea.amount, true),
           ('currencyid', ea.transactioncurrencyid, l.currencyid, NULL, false),
           ('transtype', process.fno_transtype(ea.transactionclassification)::text, l.transtype::text, NULL, false),
           ('projid', ea.projectid, l.projid, NULL, false)) AS f(field, expected, actual, difference, money)
     WHERE ea._include AND ea.transtype = optionset.code('transactiontype', 'Billed Sales')
       AND (ea.quantity, ea.unitprice, ea.amount, ea.transactioncurrencyid,
            process.fno_transtype(ea.transactionclassification), ea.projectid)
           IS DISTINCT FROM (l.qty, l.salesprice, l.lineamount, l.currencyid, l.transtype, l.projid)
       AND f.expected IS DISTINCT FROM f.actual
       AND (NOT f.money OR f.difference IS NULL OR abs(f.difference) > coalesce(t.amount, 0));
END;
$$;
COMMENT ON FUNCTION recon.collect_lines_proposal() IS
  'Checks of stage lines, proposal lines: ORPHAN_PROPOSAL_LINE, PROPOSAL_LINE_SET_MISMATCH, '
  'PROPOSAL_LINE_AMOUNT_MISMATCH. Inserts into recon_raw; part of recon.collect_lines.';

CREATE OR REPLACE FUNCTION recon.collect_lines_billed_sales() RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    ------------------------------------------------------------------------------------------------
    -- Invoice line details and billed sales
    ------------------------------------------------------------------------------------------------
    -- I4: each detail of a confirmed proforma that bills on its own has a connected billed sale with the same
    -- quantity, amount, class and billing type. (A corrective detail bills on its own when it changed its original
    -- and keeps a quantity; a credit to zero is billed by the reversing billed sale.)
    INSERT INTO recon_raw (category, severity, invoicenumber, actualid, field, expected, actual, amount, currency,
                           dataareaid, since, detail)
    WITH d AS MATERIALIZED (
        SELECT d.msdyn_invoicelinetransactionid, d.msdyn_quantity, d.msdyn_amount, d.msdyn_transactionclassification,
               d.msdyn_billingtype, d.modifiedon, i.invoiceid, i.invoicenumber, i.isocurrencycode,
               i.modifiedon AS invoice_modifiedon
          FROM pg_temp.recon_in_msdyn_invoicelinetransaction d
          JOIN pg_temp.recon_in_invoice i
            ON i.invoiceid = d.msdyn_invoice
           AND i.msdyn_projectinvoicestatus
               = ANY (optionset.codes('projectinvoicestatus', 'Confirmed', 'Invoice Paid', 'Posted'))
          LEFT JOIN pg_temp.recon_in_msdyn_invoicelinetransaction o
            ON d.msdyn_correction AND o.msdyn_invoicelinetransactionid = d.msdyn_originalinvoicelinedetail
         WHERE (NOT d.msdyn_correction
                OR ((d.msdyn_quantity, d.msdyn_price, d.msdyn_billingtype)
                        IS DISTINCT FROM (o.msdyn_quantity, o.msdyn_price, o.msdyn_billingtype)
                    AND d.msdyn_quantity <> 0))
           AND NOT EXISTS (
               SELECT 1 FROM pg_temp.recon_in_msdyn_transactionconnection k
                 JOIN pg_temp.recon_in_msdyn_actual a
                   ON a.msdyn_actualid = k.msdyn_transaction1
                  AND a.msdyn_transactiontypecode = optionset.code('transactiontype', 'Billed Sales')
                WHERE k.msdyn_transaction2 = d.msdyn_invoicelinetransactionid AND k.msdyn_transaction2role = 'ild'
                  AND k.msdyn_transaction1role = optionset.code('transactiontype', 'Billed Sales')::text
                  AND a.msdyn_quantity = d.msdyn_quantity AND a.msdyn_amount = d.msdyn_amount
                  AND a.msdyn_transactionclassification = d.msdyn_transactionclassification
                  AND a.msdyn_billingtype = d.msdyn_billingtype))
    SELECT 'ILD_WITHOUT_BILLED_SALES', 'E', d.invoicenumber, b.msdyn_actualid,
           CASE WHEN b.msdyn_actualid IS NULL THEN NULL
                WHEN b.msdyn_quantity IS DISTINCT FROM d.msdyn_quantity THEN 'msdyn_quantity'
                WHEN b.msdyn_amount IS DISTINCT FROM d.msdyn_amount THEN 'msdyn_amount'
                WHEN b.msdyn_transactionclassification IS DISTINCT FROM d.msdyn_transactionclassification
                THEN 'msdyn_transactionclassification'
                ELSE 'msdyn_billingtype' END,
           CASE WHEN b.msdyn_actualid IS NULL THEN NULL
                WHEN b.msdyn_quantity IS DISTINCT FROM d.msdyn_quantity THEN d.msdyn_quantity::text
                WHEN b.msdyn_amount IS DISTINCT FROM d.msdyn_amount THEN d.msdyn_amount::text
                WHEN b.msdyn_transactionclassification IS DISTINCT FROM d.msdyn_transactionclassification
                THEN d.msdyn_transactionclassification::text
                ELSE d.msdyn_billingtype::text END,
           CASE WHEN b.msdyn_actualid IS NULL THEN NULL
                WHEN b.msdyn_quantity IS DISTINCT FROM d.msdyn_quantity THEN b.msdyn_quantity::text
                WHEN b.msdyn_amount IS DISTINCT FROM d.msdyn_amount THEN b.msdyn_amount::text
                WHEN b.msdyn_transactionclassification IS DISTINCT FROM d.msdyn_transactionclassification
                THEN b.msdyn_transactionclassification::text
                ELSE b.msdyn_billingtype::text END,
           d.msdyn_amount, d.isocurrencycode, ep.dataareaid, greatest(d.modifiedon, d.invoice_modifiedon),
           CASE WHEN b.msdyn_actualid IS NULL
                THEN 'invoice line detail ' || d.msdyn_invoicelinetransactionid || ' has no billed sale'
                ELSE 'invoice line detail ' || d.msdyn_invoicelinetransactionid || ' and its billed sale differ' END
      FROM d
      LEFT JOIN pg_temp.recon_expected_proposals ep ON ep._src_invoiceid = d.invoiceid
      LEFT JOIN LATERAL (
           SELECT a.* FROM pg_temp.recon_in_msdyn_transactionconnection k
             JOIN pg_temp.recon_in_msdyn_actual a
               ON a.msdyn_actualid = k.msdyn_transaction1
              AND a.msdyn_transactiontypecode = optionset.code('transactiontype', 'Billed Sales')
            WHERE k.msdyn_transaction2 = d.msdyn_invoicelinetransactionid AND k.msdyn_transaction2role = 'ild'
              AND k.msdyn_transaction1role = optionset.code('transactiontype', 'Billed Sales')::text
            ORDER BY a.createdon, a.msdyn_actualid
            LIMIT 1) b ON true;

    -- Billed sales connected to no invoice line detail (nor, for a reversing billed sale, to the billed sale it
    -- reverses), or on a time-and-material line and not a milestone, to no unbilled sale.
    INSERT INTO recon_raw (category, severity, invoicenumber, actualid, amount, currency, dataareaid, since, detail)
    SELECT 'BILLED_SALES_WITHOUT_BACKING', 'E', i.invoicenumber, b.msdyn_actualid, b.msdyn_amount, b.isocurrencycode,
           ea.dataareaid, b.modifiedon,
           CASE WHEN NOT b.has_detail THEN 'billed sale is connected to no invoice line detail'
                ELSE 'time-and-material billed sale is connected to no unbilled sale' END
      FROM (SELECT a.*,
                   EXISTS (SELECT 1 FROM pg_temp.recon_in_msdyn_transactionconnection k
                            WHERE k.msdyn_transaction1 = a.msdyn_actualid
                              AND k.msdyn_transaction1role = optionset.code('transactiontype', 'Billed Sales')::text
                              AND k.msdyn_transaction2role
                                  IN ('ild', optionset.code('transactiontype', 'Billed Sales')::text)) AS has_detail,
                   EXISTS (SELECT 1 FROM pg_temp.recon_in_msdyn_transactionconnection k
                            WHERE k.msdyn_transaction1 = a.msdyn_actualid
                              AND k.msdyn_transaction1role = optionset.code('transactiontype', 'Billed Sales')::text
                              AND k.msdyn_transaction2role = optionset.code('transactiontype', 'Unbilled Sales')::text)
                   AS has_unbilled
              FROM pg_temp.recon_in_msdyn_actual a
             WHERE a.msdyn_transactiontypecode = optionset.code('transactiontype', 'Billed Sales')) b
      LEFT JOIN dataverse.salesorderdetail l ON l.salesorderdetailid = b.msdyn_salescontractlineid
      LEFT JOIN pg_temp.recon_in_invoice i ON i.invoiceid = b.msdyn_invoice
      LEFT JOIN pg_temp.recon_expected_actuals ea ON ea.actualid = b.msdyn_actualid
     WHERE NOT b.has_detail
        OR (l.msdyn_billingmethod = optionset.code('billingmethod', 'Time and Material')
            AND b.msdyn_transactionclassification <> optionset.code('transactionclass', 'Milestone')
            AND NOT b.has_unbilled);
END;
$$;
COMMENT ON FUNCTION recon.collect_lines_billed_sales() IS
  'Checks of stage lines inside Dataverse (I4): ILD_WITHOUT_BILLED_SALES, BILLED_SALES_WITHOUT_BACKING. Inserts '
  'into recon_raw; part of recon.collect_lines.';
