-- recon/dataverse.sql
-- Stage dataverse of the reconciliation's checks (recon.category stage dataverse): consistency inside Dataverse,
-- unbilled sales and their reversals, billing statuses, proforma totals and correction chains.
-- recon.collect_findings (recon/collect_findings.sql) calls recon.collect_dataverse; every check inserts its
-- findings into the temporary table recon_raw that function creates.

CREATE OR REPLACE FUNCTION recon.collect_dataverse() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM recon.collect_dataverse_actuals();
    PERFORM recon.collect_dataverse_proformas();
END;
$$;
COMMENT ON FUNCTION recon.collect_dataverse() IS
  'Stage dataverse of recon.collect_findings: recon.collect_dataverse_actuals, then '
  'recon.collect_dataverse_proformas. Inserts into the temporary table recon_raw.';

CREATE OR REPLACE FUNCTION recon.collect_dataverse_actuals() RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    ------------------------------------------------------------------------------------------------
    -- Dataverse consistency: actuals
    ------------------------------------------------------------------------------------------------
    -- I5: every unbilled sale billed by a detail of a confirmed proforma is netted to zero by its skip-sync
    -- reversals.
    INSERT INTO recon_raw (category, severity, invoicenumber, actualid, field, expected, actual, difference, amount,
                           currency, dataareaid, since, detail)
    WITH m AS MATERIALIZED (
        SELECT u.*, r.n, r.amount AS r_amount, r.quantity AS r_quantity
          FROM (SELECT DISTINCT ON (a.msdyn_actualid) a.msdyn_actualid, a.msdyn_amount, a.msdyn_quantity,
                       a.isocurrencycode, i.invoicenumber, greatest(a.modifiedon, i.modifiedon) AS since
                  FROM pg_temp.recon_in_msdyn_transactionconnection k
                  JOIN pg_temp.recon_in_msdyn_invoicelinetransaction d
                    ON d.msdyn_invoicelinetransactionid = k.msdyn_transaction1 AND NOT d.msdyn_correction
                  JOIN pg_temp.recon_in_invoice i
                    ON i.invoiceid = d.msdyn_invoice
                   AND i.msdyn_projectinvoicestatus
                       = ANY (optionset.codes('projectinvoicestatus', 'Confirmed', 'Invoice Paid', 'Posted'))
                  JOIN pg_temp.recon_in_msdyn_actual a
                    ON a.msdyn_actualid = k.msdyn_transaction2
                   AND a.msdyn_transactiontypecode = optionset.code('transactiontype', 'Unbilled Sales')
                 WHERE k.msdyn_transaction1role = 'ild'
                   AND k.msdyn_transaction2role = optionset.code('transactiontype', 'Unbilled Sales')::text
                 ORDER BY a.msdyn_actualid, i.invoicenumber) u
          LEFT JOIN (SELECT k.msdyn_transaction2 AS unbilled, count(*) AS n, sum(r.msdyn_amount) AS amount,
                            sum(r.msdyn_quantity) AS quantity
                       FROM pg_temp.recon_in_msdyn_transactionconnection k
                       JOIN pg_temp.recon_in_msdyn_actual r
                         ON r.msdyn_actualid = k.msdyn_transaction1
                        AND r.msdyn_transactiontypecode = optionset.code('transactiontype', 'Unbilled Sales')
                        AND r.msdyn_skipsync
                      WHERE k.msdyn_transaction1role = optionset.code('transactiontype', 'Unbilled Sales')::text
                        AND k.msdyn_transaction2role = optionset.code('transactiontype', 'Unbilled Sales')::text
                      GROUP BY k.msdyn_transaction2) r ON r.unbilled = u.msdyn_actualid
         WHERE r.n IS NULL OR u.msdyn_amount + r.amount <> 0 OR u.msdyn_quantity + r.quantity <> 0)
    SELECT 'UNBILLED_NOT_REVERSED', 'E', u.invoicenumber, u.msdyn_actualid,
           CASE WHEN u.n IS NULL OR u.msdyn_amount + u.r_amount <> 0 THEN 'msdyn_amount' ELSE 'msdyn_quantity' END,
           CASE WHEN u.n IS NULL OR u.msdyn_amount + u.r_amount <> 0 THEN (-u.msdyn_amount)::text
                ELSE (-u.msdyn_quantity)::text END,
           CASE WHEN u.n IS NULL THEN NULL
                WHEN u.msdyn_amount + u.r_amount <> 0 THEN u.r_amount::text ELSE u.r_quantity::text END,
           CASE WHEN u.n IS NULL OR u.msdyn_amount + u.r_amount <> 0 THEN coalesce(u.r_amount, 0) + u.msdyn_amount
                ELSE u.r_quantity + u.msdyn_quantity END,
           abs(coalesce(u.r_amount, 0) + u.msdyn_amount), u.isocurrencycode, ea.dataareaid, u.since,
           CASE WHEN u.n IS NULL THEN 'unbilled sale billed on a confirmed proforma has no reversal'
                ELSE 'unbilled sale and its reversals do not net to zero' END
      FROM m u
      LEFT JOIN pg_temp.recon_expected_actuals ea ON ea.actualid = u.msdyn_actualid;

    -- Billing status against the proforma the actual is on: billed sales and reversals are Customer Invoice Posted;
    -- an unbilled sale on a draft is Customer Invoice Created, on a confirmed proforma Customer Invoice Posted, on
    -- none Unbilled Sales Created, Ready to Invoice or Canceled.
    INSERT INTO recon_raw (category, severity, invoicenumber, actualid, field, expected, actual, amount, currency,
                           dataareaid, since, detail)
    SELECT 'BILLING_STATUS_INCONSISTENT', 'E', x.invoicenumber, x.msdyn_actualid, 'msdyn_billingstatus', x.expected,
           x.msdyn_billingstatus::text, x.msdyn_amount, x.isocurrencycode, ea.dataareaid, x.modifiedon,
           x.detail
      FROM (SELECT a.msdyn_actualid, a.msdyn_billingstatus, a.msdyn_amount, a.isocurrencycode,
                   greatest(a.modifiedon, i.modifiedon) AS modifiedon, i.invoicenumber,
                   CASE WHEN a.msdyn_transactiontypecode = optionset.code('transactiontype', 'Billed Sales')
                          OR a.msdyn_skipsync
                        THEN optionset.code('billingstatus', 'Customer Invoice Posted')::text
                        WHEN a.msdyn_invoice IS NULL
                        THEN optionset.code('billingstatus', 'Unbilled Sales Created')::text || ', '
                             || optionset.code('billingstatus', 'Ready to Invoice')::text || ' or '
                             || optionset.code('billingstatus', 'Canceled')::text
                        WHEN i.invoiceid IS NULL THEN 'an existing proforma'
                        WHEN i.msdyn_projectinvoicestatus = ANY (optionset.codes('projectinvoicestatus', 'Draft',
                                                                                 'In Review'))
                        THEN optionset.code('billingstatus', 'Customer Invoice Created')::text
                        ELSE optionset.code('billingstatus', 'Customer Invoice Posted')::text END AS expected,
                   CASE WHEN a.msdyn_transactiontypecode = optionset.code('transactiontype', 'Billed Sales')
                          OR a.msdyn_skipsync
                        THEN a.msdyn_billingstatus
                             IS DISTINCT FROM optionset.code('billingstatus', 'Customer Invoice Posted')
                        WHEN a.msdyn_invoice IS NULL
                        THEN a.msdyn_billingstatus IS NULL
                             OR a.msdyn_billingstatus <> ALL (optionset.codes('billingstatus', 'Unbilled Sales Created',
                                                                              'Ready to Invoice', 'Canceled'))
                        WHEN i.invoiceid IS NULL THEN true
                        WHEN i.msdyn_projectinvoicestatus = ANY (optionset.codes('projectinvoicestatus', 'Draft',
                                                                                 'In Review'))
                        THEN a.msdyn_billingstatus
                             IS DISTINCT FROM optionset.code('billingstatus', 'Customer Invoice Created')
                        ELSE a.msdyn_billingstatus
                             IS DISTINCT FROM optionset.code('billingstatus', 'Customer Invoice Posted') END AS wrong,
                   CASE WHEN a.msdyn_invoice IS NOT NULL AND i.invoiceid IS NULL
                        THEN 'actual is on proforma ' || a.msdyn_invoice || ', which does not exist'
                        ELSE 'billing status ' || coalesce(a.msdyn_billingstatus::text, 'empty') || ' does not fit '
                             || CASE WHEN a.msdyn_invoice IS NULL THEN 'an actual on no proforma'
                                     ELSE 'proforma ' || i.invoicenumber || ' ('
                                          || process.dv_invoice_status_name(i.msdyn_projectinvoicestatus) || ')' END
                   END AS detail
              FROM pg_temp.recon_in_msdyn_actual a
              LEFT JOIN pg_temp.recon_in_invoice i ON i.invoiceid = a.msdyn_invoice
             WHERE a.msdyn_transactiontypecode
                   = ANY (optionset.codes('transactiontype', 'Unbilled Sales', 'Billed Sales'))) x
      LEFT JOIN pg_temp.recon_expected_actuals ea ON ea.actualid = x.msdyn_actualid
     WHERE x.wrong;
END;
$$;
COMMENT ON FUNCTION recon.collect_dataverse_actuals() IS
  'Checks of stage dataverse on actuals: UNBILLED_NOT_REVERSED (I5), BILLING_STATUS_INCONSISTENT. Inserts into '
  'recon_raw; part of recon.collect_dataverse.';

CREATE OR REPLACE FUNCTION recon.collect_dataverse_proformas() RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    -- The lines of an incremental run (its input a copy of its scopes' rows): the line totals are summed for them
    -- only, the filter reaching the view's lines before their details are summed. A full run sums them all at once.
    v_lines uuid[] := CASE WHEN (SELECT c.relkind FROM pg_class c
                                  WHERE c.oid = 'pg_temp.recon_in_invoicedetail'::regclass) = 'r'
                           THEN ARRAY(SELECT l.invoicedetailid FROM pg_temp.recon_in_invoicedetail l) END;
BEGIN
    ------------------------------------------------------------------------------------------------
    -- Dataverse consistency: proformas
    ------------------------------------------------------------------------------------------------
    -- I1-I3: line totals are the sums of their details (the line-total rule, process.dv_line_totals), header totals
    -- the sums of their lines, and every contract line that existed when the proforma was created has exactly one
    -- invoice line. One finding per proforma, for the first problem found (line totals, then header totals, then
    -- lines; among contract lines, the first by its text, so every run names the same one).
    INSERT INTO recon_raw (category, severity, invoicenumber, field, expected, actual, difference, amount, currency,
                               dataareaid, since, detail)
    SELECT DISTINCT ON (p.invoiceid)
           'INVOICE_TOTALS_INCONSISTENT', 'E', i.invoicenumber, p.field, p.expected::text, p.actual::text,
           p.actual - p.expected, abs(p.actual - p.expected), i.isocurrencycode, ep.dataareaid, i.modifiedon,
           p.detail || CASE WHEN p.problems > 1 THEN ' (and ' || (p.problems - 1) || ' more)' ELSE '' END
      FROM (SELECT q.*, count(*) OVER (PARTITION BY q.invoiceid) AS problems
              FROM (
                    SELECT l.invoiceid, 1 AS priority, l.lineitemnumber AS position, f.field, f.expected, f.actual,
                           'invoice line ' || coalesce(l.lineitemnumber::text, l.invoicedetailid::text) || ' '
                           || f.field || ' is not the sum of its details' AS detail
                      FROM pg_temp.recon_in_invoicedetail l
                      JOIN process.dv_line_totals s ON s.invoicedetailid = l.invoicedetailid
                                                    AND (v_lines IS NULL OR s.invoicedetailid = ANY (v_lines))
                     CROSS JOIN LATERAL (VALUES
                           ('msdyn_chargeableamount', s.msdyn_chargeableamount, l.msdyn_chargeableamount),
                           ('msdyn_nonchargeableamount', s.msdyn_nonchargeableamount, l.msdyn_nonchargeableamount),
                           ('msdyn_complimentaryamount', s.msdyn_complimentaryamount, l.msdyn_complimentaryamount),
                           ('baseamount', s.baseamount, l.baseamount),
                           ('tax', s.tax, l.tax),
                           -- extendedamount against the line's own base amount and tax
                           ('extendedamount', coalesce(l.baseamount, 0) + coalesce(l.tax, 0), l.extendedamount))
                           AS f(field, expected, actual)
                     WHERE f.expected IS DISTINCT FROM f.actual
                       AND (l.msdyn_chargeableamount IS DISTINCT FROM s.msdyn_chargeableamount
                            OR l.msdyn_nonchargeableamount IS DISTINCT FROM s.msdyn_nonchargeableamount
                            OR l.msdyn_complimentaryamount IS DISTINCT FROM s.msdyn_complimentaryamount
                            OR l.baseamount IS DISTINCT FROM s.baseamount
                            OR l.tax IS DISTINCT FROM s.tax
                            OR l.extendedamount IS DISTINCT FROM coalesce(l.baseamount, 0) + coalesce(l.tax, 0))
                    UNION ALL
                    SELECT h.invoiceid, 2, 0, f.field, f.expected, f.actual,
                           'proforma ' || f.field || ' is not the sum of its lines'
                      FROM pg_temp.recon_in_invoice h
                      LEFT JOIN (SELECT l.invoiceid, coalesce(sum(l.baseamount), 0) AS base,
                                        coalesce(sum(l.tax), 0) AS tax
                                   FROM pg_temp.recon_in_invoicedetail l GROUP BY l.invoiceid) s ON s.invoiceid = h.invoiceid
                     CROSS JOIN LATERAL (VALUES
                           ('totallineitemamount', coalesce(s.base, 0), h.totallineitemamount),
                           ('totaltax', coalesce(s.tax, 0), h.totaltax),
                           ('totalamount', coalesce(h.totallineitemamount, 0) + coalesce(h.totaltax, 0), h.totalamount))
                           AS f(field, expected, actual)
                     WHERE f.expected IS DISTINCT FROM f.actual
                       AND (h.totallineitemamount IS DISTINCT FROM coalesce(s.base, 0)
                            OR h.totaltax IS DISTINCT FROM coalesce(s.tax, 0)
                            OR h.totalamount IS DISTINCT FROM coalesce(h.totallineitemamount, 0) + coalesce(h.totaltax, 0))
                    UNION ALL
                    SELECT h.invoiceid, 3, 0, 'invoice lines', 1, coalesce(n.lines, 0),
                           'contract line ' || c.salesorderdetailid || ' has ' || coalesce(n.lines, 0)
                           || ' invoice lines on the proforma'
                      FROM pg_temp.recon_in_invoice h
                      JOIN dataverse.salesorderdetail c
                        ON c.salesorderid = h.salesorderid AND c.createdon <= h.createdon
                      LEFT JOIN (SELECT l.invoiceid, l.salesorderdetailid, count(*) AS lines
                                   FROM pg_temp.recon_in_invoicedetail l GROUP BY l.invoiceid, l.salesorderdetailid) n
                        ON n.invoiceid = h.invoiceid AND n.salesorderdetailid = c.salesorderdetailid
                     WHERE coalesce(n.lines, 0) <> 1) q) p
      JOIN pg_temp.recon_in_invoice i ON i.invoiceid = p.invoiceid
      LEFT JOIN pg_temp.recon_expected_proposals ep ON ep._src_invoiceid = i.invoiceid
     ORDER BY p.invoiceid, p.priority, p.position, p.field, p.detail;

    -- Corrections: each corrective detail of a confirmed proforma leads to a confirmed original of the same contract
    -- line and class; an original is corrected by one confirmed corrective detail at most.
    INSERT INTO recon_raw (category, severity, invoicenumber, field, expected, actual, amount, currency, dataareaid,
                           since, detail)
    SELECT 'CORRECTION_CHAIN_BROKEN', 'E', i.invoicenumber, 'msdyn_originalinvoicelinedetail',
           d.msdyn_originalinvoicelinedetail::text, o.msdyn_invoicelinetransactionid::text, abs(d.msdyn_amount),
           i.isocurrencycode, ep.dataareaid, greatest(d.modifiedon, i.modifiedon),
           'corrective detail ' || d.msdyn_invoicelinetransactionid || ': '
           || CASE WHEN o.msdyn_invoicelinetransactionid IS NULL THEN 'its original detail does not exist'
                   WHEN oi.invoiceid IS NULL
                     OR oi.msdyn_projectinvoicestatus
                        <> ALL (optionset.codes('projectinvoicestatus', 'Confirmed', 'Invoice Paid', 'Posted'))
                   THEN 'its original detail is not on a confirmed proforma'
                   WHEN ol.salesorderdetailid IS DISTINCT FROM dl.salesorderdetailid
                   THEN 'its original detail is on another contract line'
                   ELSE 'its original detail has another transaction class' END
      FROM pg_temp.recon_in_msdyn_invoicelinetransaction d
      JOIN pg_temp.recon_in_invoice i
        ON i.invoiceid = d.msdyn_invoice
       AND i.msdyn_projectinvoicestatus = ANY (optionset.codes('projectinvoicestatus', 'Confirmed', 'Invoice Paid',
                                                               'Posted'))
      LEFT JOIN pg_temp.recon_in_invoicedetail dl ON dl.invoicedetailid = d.msdyn_invoicelineid
      LEFT JOIN pg_temp.recon_in_msdyn_invoicelinetransaction o
        ON o.msdyn_invoicelinetransactionid = d.msdyn_originalinvoicelinedetail
      LEFT JOIN pg_temp.recon_in_invoicedetail ol ON ol.invoicedetailid = o.msdyn_invoicelineid
      LEFT JOIN pg_temp.recon_in_invoice oi ON oi.invoiceid = o.msdyn_invoice
      LEFT JOIN pg_temp.recon_expected_proposals ep ON ep._src_invoiceid = i.invoiceid
     WHERE d.msdyn_correction
       AND (o.msdyn_invoicelinetransactionid IS NULL
            OR oi.invoiceid IS NULL
            OR oi.msdyn_projectinvoicestatus
               <> ALL (optionset.codes('projectinvoicestatus', 'Confirmed', 'Invoice Paid', 'Posted'))
            OR ol.salesorderdetailid IS DISTINCT FROM dl.salesorderdetailid
            OR o.msdyn_transactionclassification IS DISTINCT FROM d.msdyn_transactionclassification)
    UNION ALL
    SELECT 'CORRECTION_CHAIN_BROKEN', 'E', c.invoicenumbers, 'msdyn_originalinvoicelinedetail', '1', c.n::text,
           NULL, NULL, c.dataareaid, c.since,
           'original detail ' || c.original || ' is corrected ' || c.n || ' times, by proformas ' || c.invoicenumbers
      FROM (SELECT d.msdyn_originalinvoicelinedetail AS original, count(*) AS n,
                   string_agg(i.invoicenumber, ', ' ORDER BY i.invoicenumber) AS invoicenumbers,
                   min(ep.dataareaid) AS dataareaid, max(greatest(d.modifiedon, i.modifiedon)) AS since
              FROM pg_temp.recon_in_msdyn_invoicelinetransaction d
              JOIN pg_temp.recon_in_invoice i
                ON i.invoiceid = d.msdyn_invoice
               AND i.msdyn_projectinvoicestatus
                   = ANY (optionset.codes('projectinvoicestatus', 'Confirmed', 'Invoice Paid', 'Posted'))
              LEFT JOIN pg_temp.recon_expected_proposals ep ON ep._src_invoiceid = i.invoiceid
             WHERE d.msdyn_correction AND d.msdyn_originalinvoicelinedetail IS NOT NULL
             GROUP BY d.msdyn_originalinvoicelinedetail
            HAVING count(*) > 1) c;
END;
$$;
COMMENT ON FUNCTION recon.collect_dataverse_proformas() IS
  'Checks of stage dataverse on proformas: INVOICE_TOTALS_INCONSISTENT (I1-I3), CORRECTION_CHAIN_BROKEN. Inserts '
  'into recon_raw; part of recon.collect_dataverse.';
