-- recon/collect_findings.sql
-- The checks of the nightly reconciliation (docs/reconciliation.md) and the run that records them.
--
-- recon.collect_findings(as_of) runs every check of the mismatch catalogue (recon.category) as set-based SQL and
-- leaves the raw findings in the temporary table recon_raw. The expected side comes from the sync engine's table maps:
-- before a run, tieout creates four temporary views, each a map's source rows as the map would write them
-- (TieoutRecon/ExpectedSet.swift):
--   recon_expected_actuals           actuals map: every Dataverse actual, _include = the map sends it
--   recon_expected_proposals         invoice proposal map: every proforma, _include = the map sends it
--   recon_expected_actual_writeback  accounting write-back map: what each posted staging row writes to its actual
--   recon_expected_invoice_writeback posted-invoice map: what each posted invoice writes to its proforma
-- Their columns are the maps' target columns (fno names for the first two, dataverse names for the others) plus
-- _src_<column> for unmapped source columns. The checks below never restate a field correspondence of a map; they
-- compare those views with the real target tables. What a map does not express (F&O's own import, posting, the
-- Dataverse invoice rules) is checked against the business rules of docs/processes.md.
--
-- recon.execute_run(as_of, grace, legal_entity, started) records one run: it replaces an earlier run of the same
-- as-of and legal entity, turns findings on records younger than the grace window into IN_FLIGHT, raises warnings
-- past their threshold to errors, makes amounts the money at stake (never negative), carries first_seen_run_id over
-- from the previous run and counts new, still open and resolved findings. tieout calls it in one REPEATABLE READ transaction that holds the run's advisory lock.

CREATE OR REPLACE FUNCTION recon.collect_findings(p_as_of timestamptz) RETURNS bigint
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    v_stuck interval := (SELECT age FROM recon.threshold WHERE name = 'proposal_stuck');
    v_count bigint;
BEGIN
    IF to_regclass('pg_temp.recon_raw') IS NOT NULL THEN DROP TABLE pg_temp.recon_raw; END IF;
    CREATE TEMP TABLE recon_raw (
        category      text NOT NULL,
        severity      text NOT NULL,
        invoicenumber text,
        proposalid    text,
        actualid      uuid,
        transid       text,
        voucher       text,
        field         text,
        expected      text,
        actual        text,
        difference    numeric,
        amount        numeric,
        currency      text,
        dataareaid    text,
        since         timestamptz,
        threshold     text,
        detail        text
    ) ON COMMIT DROP;

    ------------------------------------------------------------------------------------------------
    -- Headers: the proposal map's expected proposals against fno.projproposaljour.
    ------------------------------------------------------------------------------------------------
    -- Per expected proposal, the proposal of the same id (the one in the expected legal entity first).
    CREATE TEMP TABLE recon_hdr ON COMMIT DROP AS
    SELECT DISTINCT ON (ep.proposalid)
           ep.proposalid, ep.dataareaid, ep.projinvoiceprojid, ep.invoiceaccount, ep.currencyid,
           ep._src_invoiceid AS invoiceid, ep._src_msdyn_projectinvoicestatus AS invoicestatus,
           ep._src_totallineitemamount AS dv_amount, ep._src_totaltax AS dv_tax,
           ep._src_modifiedon AS dv_modifiedon,
           p.recid AS p_recid, p.dataareaid AS p_dataareaid, p.projinvoiceprojid AS p_projinvoiceprojid,
           p.invoiceaccount AS p_invoiceaccount, p.currencyid AS p_currencyid, p.salesorderbalance, p.sumtax,
           p.status AS p_status, p.projinvoiceid, p.createddatetime AS p_created, p.modifieddatetime AS p_modified,
           pl.proposalid IS NOT NULL AS has_lines
      FROM pg_temp.recon_expected_proposals ep
      LEFT JOIN fno.projproposaljour p ON p.proposalid = ep.proposalid
      LEFT JOIN (SELECT DISTINCT dataareaid, proposalid FROM fno.projproposalline) pl
        ON pl.dataareaid = p.dataareaid AND pl.proposalid = p.proposalid
     WHERE ep._include
     ORDER BY ep.proposalid, p.dataareaid = ep.dataareaid DESC, p.recid;

    INSERT INTO recon_raw (category, severity, invoicenumber, expected, amount, currency, dataareaid, since, detail)
    SELECT 'CONFIRMED_WITHOUT_PROPOSAL', 'E', h.proposalid, h.proposalid, h.dv_amount, h.currencyid, h.dataareaid,
           h.dv_modifiedon, 'confirmed proforma ' || h.proposalid || ' has no invoice proposal in F&O'
      FROM recon_hdr h
     WHERE h.p_recid IS NULL;

    -- Proposals the map does not expect: no proforma, a draft one, or one the map skips (leaked).
    INSERT INTO recon_raw (category, severity, invoicenumber, proposalid, actual, amount, currency, dataareaid, since,
                           detail)
    SELECT CASE WHEN ep.proposalid IS NOT NULL AND ep._src_msdyn_projectinvoicestatus IN (192350002, 192350003, 192350004)
                THEN 'SKIPPED_RECORD_LEAKED' ELSE 'PROPOSAL_WITHOUT_CONFIRMED_PROFORMA' END,
           'E', ep.proposalid, p.proposalid, p.proposalid, p.salesorderbalance, p.currencyid, p.dataareaid,
           p.createddatetime,
           CASE WHEN ep.proposalid IS NULL THEN 'invoice proposal ' || p.proposalid || ' has no proforma invoice in Dataverse'
                WHEN ep._src_msdyn_projectinvoicestatus IN (192350002, 192350003, 192350004)
                THEN 'invoice proposal ' || p.proposalid || ' is for a proforma the invoice proposal map does not send '
                     || '(no chargeable line detail)'
                ELSE 'invoice proposal ' || p.proposalid || ' is for a proforma that is not confirmed (status '
                     || process.dv_invoice_status_name(ep._src_msdyn_projectinvoicestatus) || ')' END
      FROM fno.projproposaljour p
      LEFT JOIN pg_temp.recon_expected_proposals ep ON ep.proposalid = p.proposalid
     WHERE ep.proposalid IS NULL OR NOT ep._include;

    INSERT INTO recon_raw (category, severity, invoicenumber, proposalid, expected, actual, currency, dataareaid, since,
                           detail)
    SELECT 'DUPLICATE_PROPOSAL', 'E', d.proposalid, d.proposalid, '1', d.n::text, d.currencyid,
           coalesce(ep.dataareaid, d.first_entity), d.since,
           'invoice proposal ' || d.proposalid || ' exists ' || d.n || ' times, in legal entities ' || d.entities
      FROM (SELECT p.proposalid, count(*) AS n, min(p.currencyid) AS currencyid, min(p.dataareaid) AS first_entity,
                   string_agg(p.dataareaid, ', ' ORDER BY p.dataareaid) AS entities, max(p.createddatetime) AS since
              FROM fno.projproposaljour p
             GROUP BY p.proposalid
            HAVING count(*) > 1) d
      LEFT JOIN pg_temp.recon_expected_proposals ep ON ep.proposalid = d.proposalid;

    INSERT INTO recon_raw (category, severity, invoicenumber, proposalid, field, expected, actual, currency, dataareaid,
                           since, detail)
    SELECT 'HEADER_ATTRIBUTE_MISMATCH', 'E', h.proposalid, h.proposalid, f.field, f.expected, f.actual, h.currencyid,
           h.dataareaid, greatest(h.dv_modifiedon, h.p_modified),
           'proposal ' || f.label || ' is ' || coalesce(f.actual, 'empty') || ', the proforma''s is '
           || coalesce(f.expected, 'empty')
      FROM recon_hdr h
     CROSS JOIN LATERAL (VALUES
           ('projinvoiceprojid', 'contract', h.projinvoiceprojid, h.p_projinvoiceprojid),
           ('invoiceaccount', 'customer', h.invoiceaccount, h.p_invoiceaccount),
           ('currencyid', 'currency', h.currencyid, h.p_currencyid),
           ('dataareaid', 'legal entity', h.dataareaid, h.p_dataareaid)) AS f(field, label, expected, actual)
     WHERE h.p_recid IS NOT NULL AND f.expected IS DISTINCT FROM f.actual;

    -- Amount before tax, once the proposal has its lines (before that it is 0.00 by design).
    INSERT INTO recon_raw (category, severity, invoicenumber, proposalid, field, expected, actual, difference, amount,
                           currency, dataareaid, since, detail)
    SELECT 'HEADER_AMOUNT_MISMATCH', 'E', h.proposalid, h.proposalid, 'salesorderbalance', h.dv_amount::text,
           h.salesorderbalance::text, h.salesorderbalance - h.dv_amount, abs(h.salesorderbalance - h.dv_amount),
           h.currencyid, h.dataareaid, greatest(h.dv_modifiedon, h.p_modified),
           'proposal amount before tax differs from the proforma''s total before tax'
      FROM recon_hdr h
      LEFT JOIN recon.tolerance t ON t.currencyid = h.currencyid
     WHERE h.p_recid IS NOT NULL AND (h.has_lines OR h.projinvoiceid IS NOT NULL)
       AND abs(h.salesorderbalance - h.dv_amount) > coalesce(t.amount, 0);

    -- Tax: the posted invoice against its proposal, and a tax Dataverse computed against F&O's.
    INSERT INTO recon_raw (category, severity, invoicenumber, proposalid, voucher, field, expected, actual, difference,
                           amount, currency, dataareaid, since, detail)
    SELECT 'TAX_DIFFERENCE', 'I', h.proposalid, h.proposalid, j.ledgervoucher, 'sumtax', h.sumtax::text,
           j.sumtax::text, j.sumtax - h.sumtax, abs(j.sumtax - h.sumtax), h.currencyid, h.dataareaid,
           j.createddatetime, 'posted invoice ' || j.projinvoiceid || ' has other sales tax than its proposal'
      FROM recon_hdr h
      JOIN fno.projinvoicejour j ON j.dataareaid = h.p_dataareaid AND j.proposalid = h.proposalid
     WHERE j.sumtax IS DISTINCT FROM h.sumtax
    UNION ALL
    SELECT 'TAX_DIFFERENCE', 'I', h.proposalid, h.proposalid, NULL, 'totaltax', h.dv_tax::text, h.sumtax::text,
           h.sumtax - h.dv_tax, abs(h.sumtax - h.dv_tax), h.currencyid, h.dataareaid,
           greatest(h.dv_modifiedon, h.p_modified), 'F&O computed other sales tax than the proforma in Dataverse'
      FROM recon_hdr h
     WHERE h.p_recid IS NOT NULL AND h.dv_tax <> 0 AND h.has_lines AND h.sumtax IS DISTINCT FROM h.dv_tax;

    -- The posted-invoice write-back map against the proformas, both ways. Invoice Paid is beyond Posted, so it counts.
    INSERT INTO recon_raw (category, severity, invoicenumber, proposalid, field, expected, actual, dataareaid, since,
                           detail)
    SELECT 'POSTED_STATUS_NOT_REFLECTED', 'W', ei.invoicenumber, ei.invoicenumber,
           CASE WHEN i.msdyn_customerinvoicenumber IS DISTINCT FROM ei.msdyn_customerinvoicenumber
                THEN 'msdyn_customerinvoicenumber' ELSE 'msdyn_projectinvoicestatus' END,
           CASE WHEN i.msdyn_customerinvoicenumber IS DISTINCT FROM ei.msdyn_customerinvoicenumber
                THEN ei.msdyn_customerinvoicenumber ELSE ei.msdyn_projectinvoicestatus::text END,
           CASE WHEN i.msdyn_customerinvoicenumber IS DISTINCT FROM ei.msdyn_customerinvoicenumber
                THEN i.msdyn_customerinvoicenumber ELSE i.msdyn_projectinvoicestatus::text END,
           coalesce(ep.dataareaid, ''), ei._src_createddatetime,
           'posted invoice ' || ei.msdyn_customerinvoicenumber || ' is not reflected on proforma ' || ei.invoicenumber
           || ' (status ' || process.dv_invoice_status_name(i.msdyn_projectinvoicestatus) || ')'
      FROM pg_temp.recon_expected_invoice_writeback ei
      JOIN dataverse.invoice i ON i.invoicenumber = ei.invoicenumber
      LEFT JOIN pg_temp.recon_expected_proposals ep ON ep.proposalid = ei.invoicenumber
     WHERE i.msdyn_customerinvoicenumber IS DISTINCT FROM ei.msdyn_customerinvoicenumber
        OR (i.msdyn_projectinvoicestatus IS DISTINCT FROM ei.msdyn_projectinvoicestatus
            AND i.msdyn_projectinvoicestatus IS DISTINCT FROM 192350003)
    UNION ALL
    -- The other way round: a proforma that says Posted (or carries an F&O invoice number) for a posted invoice F&O
    -- does not have.
    SELECT 'POSTED_STATUS_NOT_REFLECTED', 'W', i.invoicenumber, i.invoicenumber, 'msdyn_customerinvoicenumber', NULL,
           i.msdyn_customerinvoicenumber, coalesce(ep.dataareaid, ''), i.modifiedon,
           'proforma ' || i.invoicenumber || ' says ' || process.dv_invoice_status_name(i.msdyn_projectinvoicestatus)
           || CASE WHEN i.msdyn_customerinvoicenumber IS NULL THEN ''
                   ELSE ' as ' || i.msdyn_customerinvoicenumber END
           || ', but F&O has no posted invoice for it'
      FROM dataverse.invoice i
      LEFT JOIN pg_temp.recon_expected_proposals ep ON ep.proposalid = i.invoicenumber
     WHERE (i.msdyn_projectinvoicestatus = 192350004 OR i.msdyn_customerinvoicenumber IS NOT NULL)
       AND NOT EXISTS (SELECT 1 FROM pg_temp.recon_expected_invoice_writeback ei
                        WHERE ei.invoicenumber = i.invoicenumber);

    -- Open proposals older than the proposal_stuck threshold, with the reason.
    INSERT INTO recon_raw (category, severity, invoicenumber, proposalid, amount, currency, dataareaid, since, detail)
    SELECT 'PROPOSAL_STUCK_UNPOSTED', 'W', p.proposalid, p.proposalid, p.salesorderbalance, p.currencyid,
           p.dataareaid, p.createddatetime,
           CASE WHEN EXISTS (SELECT 1 FROM fno.projproposalline l
                              WHERE l.dataareaid = p.dataareaid AND l.proposalid = p.proposalid)
                THEN 'posting error: the proposal has lines but is not posted'
                WHEN w.rows > 0
                THEN 'lines waiting: ' || w.rows || ' billed sales not imported: ' || coalesce(w.message, 'not processed yet')
                ELSE 'no lines: no billed sales staged for it' END
      FROM fno.projproposaljour p
      LEFT JOIN LATERAL (
           SELECT count(*) AS rows, min(s.importmessage) AS message
             FROM fno.projcdsactualsimport s
            WHERE s.dataareaid = p.dataareaid AND s.invoiceid = p.proposalid AND s.transtype = 192350006
              AND NOT s.isprocessed AND NOT s.isduplicate) w ON true
     WHERE p.projinvoiceid IS NULL AND p.status <> 3 AND p_as_of - p.createddatetime >= v_stuck;

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
          FULL JOIN fno.projcdsactualsimport s ON s.actualid = ea.actualid
         WHERE (s.recid IS NULL AND ea._include AND ea.transtype IN (192350005, 192350006))
            OR (s.recid IS NOT NULL AND NOT coalesce(ea._include, false))
            OR (s.recid IS NOT NULL AND NOT s.isprocessed AND NOT s.isduplicate)
            OR (s.recid IS NOT NULL AND s.transtype = 192350005 AND s.isprocessed AND NOT s.isduplicate
                AND s.vouchernumber IS NULL))
    SELECT c.category, c.severity, coalesce(ea.invoiceid, x.s_invoiceid), x.actualid, c.expected, c.actual,
           coalesce(ea.amount, x.s_amount), coalesce(ea.transactioncurrencyid, x.s_currency),
           coalesce(x.s_dataareaid, ea.dataareaid), c.since, c.threshold, c.detail
      FROM x
      LEFT JOIN pg_temp.recon_expected_actuals ea ON ea.actualid = x.ea_actualid
     CROSS JOIN LATERAL (
           SELECT 'BILLED_SALES_NOT_STAGED' AS category, 'E' AS severity, NULL AS expected, NULL AS actual,
                  x._src_createdon AS since, NULL AS threshold,
                  'billed sale ' || x.actualid || ' has no staging row in F&O' AS detail
            WHERE x.recid IS NULL AND x.transtype = 192350006
           UNION ALL
           SELECT 'UNBILLED_NOT_POSTED', 'W', NULL, NULL, x._src_createdon, NULL,
                  'unbilled sale ' || x.actualid || ' has no staging row in F&O, so it cannot be posted'
            WHERE x.recid IS NULL AND x.transtype = 192350005
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
                  || coalesce(CASE jl.status WHEN 0 THEN 'Draft' WHEN 1 THEN 'Posted' WHEN 2 THEN 'Processing'
                                             WHEN 3 THEN 'Error' WHEN 4 THEN 'Unrecoverable'
                                             WHEN 5 THEN 'Invalid actuals' END, 'missing')
                  || ', so no voucher'
             FROM (SELECT 1) one
             LEFT JOIN fno.projadvancedjournalline jl ON jl.recid = x.projadvancedjournalline
            WHERE x.recid IS NOT NULL AND x._include AND x.s_transtype = 192350005 AND x.isprocessed
              AND NOT x.isduplicate AND x.vouchernumber IS NULL) c;

    INSERT INTO recon_raw (category, severity, actualid, expected, actual, amount, currency, dataareaid, since, detail)
    SELECT 'DUPLICATE_STAGING_ROW', 'E', d.actualid, '1', d.n::text, d.amount, d.currency, d.dataareaid, d.since,
           'actual ' || d.actualid || ' has ' || d.n || ' staging rows not flagged isduplicate (recid ' || d.recids || ')'
      FROM (SELECT s.actualid, count(*) AS n, min(s.amount) AS amount, min(s.transactioncurrencyid) AS currency,
                   min(s.dataareaid) AS dataareaid, max(s.createddatetime) AS since,
                   string_agg(s.recid::text, ', ' ORDER BY s.recid) AS recids
              FROM fno.projcdsactualsimport s
             WHERE NOT s.isduplicate
               AND s.actualid IN (SELECT actualid FROM fno.projcdsactualsimport WHERE NOT isduplicate
                                   GROUP BY actualid HAVING count(*) > 1)
             GROUP BY s.actualid) d;

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
      FROM fno.projproposalline l
      LEFT JOIN fno.projproposaljour p ON p.dataareaid = l.dataareaid AND p.proposalid = l.proposalid
     WHERE p.recid IS NULL
        OR NOT EXISTS (SELECT 1 FROM fno.projcdsactualsimport s
                        WHERE s.actualid = l.actualid AND s.transtype = 192350006);

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
                              FROM fno.projproposalline GROUP BY dataareaid, proposalid, actualid) l
                      FULL JOIN (SELECT dataareaid, invoiceid AS proposalid, actualid, count(*) AS n,
                                        min(amount) AS amount, min(transactioncurrencyid) AS currency,
                                        max(createddatetime) AS since
                                   FROM fno.projcdsactualsimport
                                  WHERE transtype = 192350006 AND NOT isduplicate
                                  GROUP BY dataareaid, invoiceid, actualid) s
                        ON s.dataareaid = l.dataareaid AND s.proposalid = l.proposalid AND s.actualid = l.actualid
                     WHERE coalesce(l.n, 0) <> coalesce(s.n, 0)) c
             -- only proposals that have lines, and not the lines ORPHAN_PROPOSAL_LINE reports
             WHERE EXISTS (SELECT 1 FROM fno.projproposalline x
                            WHERE x.dataareaid = c.dataareaid AND x.proposalid = c.proposalid)
               AND EXISTS (SELECT 1 FROM fno.projcdsactualsimport s2
                            WHERE s2.actualid = c.actualid AND s2.transtype = 192350006)
             GROUP BY c.dataareaid, c.proposalid) m;

    -- Each line against its billed sale as the actuals map sends it.
    INSERT INTO recon_raw (category, severity, invoicenumber, proposalid, actualid, transid, field, expected, actual,
                           difference, amount, currency, dataareaid, since, detail)
    SELECT 'PROPOSAL_LINE_AMOUNT_MISMATCH', 'E', l.proposalid, l.proposalid, l.actualid, l.transid, f.field,
           f.expected::text, f.actual::text, f.actual - f.expected, abs(f.actual - f.expected),
           ea.transactioncurrencyid, l.dataareaid, greatest(l.modifieddatetime, ea._src_modifiedon),
           'proposal line ' || f.field || ' differs from the billed sale'
      FROM fno.projproposalline l
      JOIN pg_temp.recon_expected_actuals ea ON ea.actualid = l.actualid
      LEFT JOIN recon.tolerance t ON t.currencyid = ea.transactioncurrencyid
     CROSS JOIN LATERAL (VALUES ('qty', ea.quantity, l.qty, false),
                                ('salesprice', ea.unitprice, l.salesprice, true),
                                ('lineamount', ea.amount, l.lineamount, true)) AS f(field, expected, actual, money)
     WHERE ea._include AND ea.transtype = 192350006
       AND (ea.quantity IS DISTINCT FROM l.qty OR ea.unitprice IS DISTINCT FROM l.salesprice
            OR ea.amount IS DISTINCT FROM l.lineamount)
       AND f.expected IS DISTINCT FROM f.actual
       AND (NOT f.money OR f.expected IS NULL OR f.actual IS NULL
            OR abs(f.actual - f.expected) > coalesce(t.amount, 0));

    ------------------------------------------------------------------------------------------------
    -- Dataverse consistency
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
          FROM dataverse.msdyn_invoicelinetransaction d
          JOIN dataverse.invoice i
            ON i.invoiceid = d.msdyn_invoice AND i.msdyn_projectinvoicestatus IN (192350002, 192350003, 192350004)
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
           SELECT a.* FROM dataverse.msdyn_transactionconnection k
             JOIN dataverse.msdyn_actual a
               ON a.msdyn_actualid = k.msdyn_transaction1 AND a.msdyn_transactiontypecode = 192350006
            WHERE k.msdyn_transaction2 = d.msdyn_invoicelinetransactionid AND k.msdyn_transaction2role = 'ild'
              AND k.msdyn_transaction1role = '192350006'
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
                   EXISTS (SELECT 1 FROM dataverse.msdyn_transactionconnection k
                            WHERE k.msdyn_transaction1 = a.msdyn_actualid AND k.msdyn_transaction1role = '192350006'
                              AND k.msdyn_transaction2role IN ('ild', '192350006')) AS has_detail,
                   EXISTS (SELECT 1 FROM dataverse.msdyn_transactionconnection k
                            WHERE k.msdyn_transaction1 = a.msdyn_actualid AND k.msdyn_transaction1role = '192350006'
                              AND k.msdyn_transaction2role = '192350005') AS has_unbilled
              FROM dataverse.msdyn_actual a
             WHERE a.msdyn_transactiontypecode = 192350006) b
      LEFT JOIN dataverse.salesorderdetail l ON l.salesorderdetailid = b.msdyn_salescontractlineid
      LEFT JOIN dataverse.invoice i ON i.invoiceid = b.msdyn_invoice
      LEFT JOIN pg_temp.recon_expected_actuals ea ON ea.actualid = b.msdyn_actualid
     WHERE NOT b.has_detail
        OR (l.msdyn_billingmethod = 192350000 AND b.msdyn_transactionclassification <> 192350003
            AND NOT b.has_unbilled);

    -- I5: every unbilled sale billed by a detail of a confirmed proforma is netted to zero by its skip-sync
    -- reversals.
    INSERT INTO recon_raw (category, severity, invoicenumber, actualid, field, expected, actual, difference, amount,
                           currency, dataareaid, since, detail)
    WITH m AS MATERIALIZED (
        SELECT u.*, r.n, r.amount AS r_amount, r.quantity AS r_quantity
          FROM (SELECT DISTINCT ON (a.msdyn_actualid) a.msdyn_actualid, a.msdyn_amount, a.msdyn_quantity,
                       a.isocurrencycode, i.invoicenumber, greatest(a.modifiedon, i.modifiedon) AS since
                  FROM dataverse.msdyn_transactionconnection k
                  JOIN dataverse.msdyn_invoicelinetransaction d
                    ON d.msdyn_invoicelinetransactionid = k.msdyn_transaction1 AND NOT d.msdyn_correction
                  JOIN dataverse.invoice i
                    ON i.invoiceid = d.msdyn_invoice AND i.msdyn_projectinvoicestatus IN (192350002, 192350003, 192350004)
                  JOIN dataverse.msdyn_actual a
                    ON a.msdyn_actualid = k.msdyn_transaction2 AND a.msdyn_transactiontypecode = 192350005
                 WHERE k.msdyn_transaction1role = 'ild' AND k.msdyn_transaction2role = '192350005'
                 ORDER BY a.msdyn_actualid, i.invoicenumber) u
          LEFT JOIN (SELECT k.msdyn_transaction2 AS unbilled, count(*) AS n, sum(r.msdyn_amount) AS amount,
                            sum(r.msdyn_quantity) AS quantity
                       FROM dataverse.msdyn_transactionconnection k
                       JOIN dataverse.msdyn_actual r
                         ON r.msdyn_actualid = k.msdyn_transaction1 AND r.msdyn_transactiontypecode = 192350005
                        AND r.msdyn_skipsync
                      WHERE k.msdyn_transaction1role = '192350005' AND k.msdyn_transaction2role = '192350005'
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
                   CASE WHEN a.msdyn_transactiontypecode = 192350006 OR a.msdyn_skipsync THEN '192350002'
                        WHEN a.msdyn_invoice IS NULL THEN '192350000, 192350004 or 192350003'
                        WHEN i.invoiceid IS NULL THEN 'an existing proforma'
                        WHEN i.msdyn_projectinvoicestatus IN (192350000, 192350001) THEN '192350001'
                        ELSE '192350002' END AS expected,
                   CASE WHEN a.msdyn_transactiontypecode = 192350006 OR a.msdyn_skipsync
                        THEN a.msdyn_billingstatus IS DISTINCT FROM 192350002
                        WHEN a.msdyn_invoice IS NULL
                        THEN a.msdyn_billingstatus IS NULL OR a.msdyn_billingstatus NOT IN (192350000, 192350004, 192350003)
                        WHEN i.invoiceid IS NULL THEN true
                        WHEN i.msdyn_projectinvoicestatus IN (192350000, 192350001)
                        THEN a.msdyn_billingstatus IS DISTINCT FROM 192350001
                        ELSE a.msdyn_billingstatus IS DISTINCT FROM 192350002 END AS wrong,
                   CASE WHEN a.msdyn_invoice IS NOT NULL AND i.invoiceid IS NULL
                        THEN 'actual is on proforma ' || a.msdyn_invoice || ', which does not exist'
                        ELSE 'billing status ' || coalesce(a.msdyn_billingstatus::text, 'empty') || ' does not fit '
                             || CASE WHEN a.msdyn_invoice IS NULL THEN 'an actual on no proforma'
                                     ELSE 'proforma ' || i.invoicenumber || ' ('
                                          || process.dv_invoice_status_name(i.msdyn_projectinvoicestatus) || ')' END
                   END AS detail
              FROM dataverse.msdyn_actual a
              LEFT JOIN dataverse.invoice i ON i.invoiceid = a.msdyn_invoice
             WHERE a.msdyn_transactiontypecode IN (192350005, 192350006)) x
      LEFT JOIN pg_temp.recon_expected_actuals ea ON ea.actualid = x.msdyn_actualid
     WHERE x.wrong;

    -- I1-I3: line totals are the sums of their details, header totals the sums of their lines, and every contract
    -- line that existed when the proforma was created has exactly one invoice line. One finding per proforma, for
    -- the first problem found (line totals, then header totals, then lines).
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
                      FROM dataverse.invoicedetail l
                      LEFT JOIN (SELECT d.msdyn_invoicelineid,
                                        coalesce(sum(coalesce(d.msdyn_invoiceamount, d.msdyn_amount))
                                                 FILTER (WHERE d.msdyn_billingtype = 192350001), 0) AS chargeable,
                                        coalesce(sum(coalesce(d.msdyn_invoiceamount, d.msdyn_amount))
                                                 FILTER (WHERE d.msdyn_billingtype = 192350000), 0) AS nonchargeable,
                                        coalesce(sum(coalesce(d.msdyn_invoiceamount, d.msdyn_amount))
                                                 FILTER (WHERE d.msdyn_billingtype = 192350002), 0) AS complimentary,
                                        coalesce(sum(d.msdyn_tax), 0) AS tax
                                   FROM dataverse.msdyn_invoicelinetransaction d
                                  GROUP BY d.msdyn_invoicelineid) s ON s.msdyn_invoicelineid = l.invoicedetailid
                     CROSS JOIN LATERAL (VALUES
                           ('msdyn_chargeableamount', coalesce(s.chargeable, 0), l.msdyn_chargeableamount),
                           ('msdyn_nonchargeableamount', coalesce(s.nonchargeable, 0), l.msdyn_nonchargeableamount),
                           ('msdyn_complimentaryamount', coalesce(s.complimentary, 0), l.msdyn_complimentaryamount),
                           ('baseamount', coalesce(s.chargeable, 0), l.baseamount),
                           ('tax', coalesce(s.tax, 0), l.tax),
                           ('extendedamount', coalesce(l.baseamount, 0) + coalesce(l.tax, 0), l.extendedamount))
                           AS f(field, expected, actual)
                     WHERE f.expected IS DISTINCT FROM f.actual
                       AND (l.msdyn_chargeableamount IS DISTINCT FROM coalesce(s.chargeable, 0)
                            OR l.msdyn_nonchargeableamount IS DISTINCT FROM coalesce(s.nonchargeable, 0)
                            OR l.msdyn_complimentaryamount IS DISTINCT FROM coalesce(s.complimentary, 0)
                            OR l.baseamount IS DISTINCT FROM coalesce(s.chargeable, 0)
                            OR l.tax IS DISTINCT FROM coalesce(s.tax, 0)
                            OR l.extendedamount IS DISTINCT FROM coalesce(l.baseamount, 0) + coalesce(l.tax, 0))
                    UNION ALL
                    SELECT h.invoiceid, 2, 0, f.field, f.expected, f.actual,
                           'proforma ' || f.field || ' is not the sum of its lines'
                      FROM dataverse.invoice h
                      LEFT JOIN (SELECT l.invoiceid, coalesce(sum(l.baseamount), 0) AS base,
                                        coalesce(sum(l.tax), 0) AS tax
                                   FROM dataverse.invoicedetail l GROUP BY l.invoiceid) s ON s.invoiceid = h.invoiceid
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
                      FROM dataverse.invoice h
                      JOIN dataverse.salesorderdetail c
                        ON c.salesorderid = h.salesorderid AND c.createdon <= h.createdon
                      LEFT JOIN (SELECT l.invoiceid, l.salesorderdetailid, count(*) AS lines
                                   FROM dataverse.invoicedetail l GROUP BY l.invoiceid, l.salesorderdetailid) n
                        ON n.invoiceid = h.invoiceid AND n.salesorderdetailid = c.salesorderdetailid
                     WHERE coalesce(n.lines, 0) <> 1) q) p
      JOIN dataverse.invoice i ON i.invoiceid = p.invoiceid
      LEFT JOIN pg_temp.recon_expected_proposals ep ON ep._src_invoiceid = i.invoiceid
     ORDER BY p.invoiceid, p.priority, p.position, p.field;

    -- Corrections: each corrective detail of a confirmed proforma leads to a confirmed original of the same contract
    -- line and class; an original is corrected by one confirmed corrective detail at most.
    INSERT INTO recon_raw (category, severity, invoicenumber, field, expected, actual, amount, currency, dataareaid,
                           since, detail)
    SELECT 'CORRECTION_CHAIN_BROKEN', 'E', i.invoicenumber, 'msdyn_originalinvoicelinedetail',
           d.msdyn_originalinvoicelinedetail::text, o.msdyn_invoicelinetransactionid::text, abs(d.msdyn_amount),
           i.isocurrencycode, ep.dataareaid, greatest(d.modifiedon, i.modifiedon),
           'corrective detail ' || d.msdyn_invoicelinetransactionid || ': '
           || CASE WHEN o.msdyn_invoicelinetransactionid IS NULL THEN 'its original detail does not exist'
                   WHEN oi.invoiceid IS NULL OR oi.msdyn_projectinvoicestatus NOT IN (192350002, 192350003, 192350004)
                   THEN 'its original detail is not on a confirmed proforma'
                   WHEN ol.salesorderdetailid IS DISTINCT FROM dl.salesorderdetailid
                   THEN 'its original detail is on another contract line'
                   ELSE 'its original detail has another transaction class' END
      FROM dataverse.msdyn_invoicelinetransaction d
      JOIN dataverse.invoice i
        ON i.invoiceid = d.msdyn_invoice AND i.msdyn_projectinvoicestatus IN (192350002, 192350003, 192350004)
      LEFT JOIN dataverse.invoicedetail dl ON dl.invoicedetailid = d.msdyn_invoicelineid
      LEFT JOIN dataverse.msdyn_invoicelinetransaction o
        ON o.msdyn_invoicelinetransactionid = d.msdyn_originalinvoicelinedetail
      LEFT JOIN dataverse.invoicedetail ol ON ol.invoicedetailid = o.msdyn_invoicelineid
      LEFT JOIN dataverse.invoice oi ON oi.invoiceid = o.msdyn_invoice
      LEFT JOIN pg_temp.recon_expected_proposals ep ON ep._src_invoiceid = i.invoiceid
     WHERE d.msdyn_correction
       AND (o.msdyn_invoicelinetransactionid IS NULL
            OR oi.invoiceid IS NULL OR oi.msdyn_projectinvoicestatus NOT IN (192350002, 192350003, 192350004)
            OR ol.salesorderdetailid IS DISTINCT FROM dl.salesorderdetailid
            OR o.msdyn_transactionclassification IS DISTINCT FROM d.msdyn_transactionclassification)
    UNION ALL
    SELECT 'CORRECTION_CHAIN_BROKEN', 'E', c.invoicenumbers, 'msdyn_originalinvoicelinedetail', '1', c.n::text,
           NULL, NULL, c.dataareaid, c.since,
           'original detail ' || c.original || ' is corrected ' || c.n || ' times, by proformas ' || c.invoicenumbers
      FROM (SELECT d.msdyn_originalinvoicelinedetail AS original, count(*) AS n,
                   string_agg(i.invoicenumber, ', ' ORDER BY i.invoicenumber) AS invoicenumbers,
                   min(ep.dataareaid) AS dataareaid, max(greatest(d.modifiedon, i.modifiedon)) AS since
              FROM dataverse.msdyn_invoicelinetransaction d
              JOIN dataverse.invoice i
                ON i.invoiceid = d.msdyn_invoice AND i.msdyn_projectinvoicestatus IN (192350002, 192350003, 192350004)
              LEFT JOIN pg_temp.recon_expected_proposals ep ON ep._src_invoiceid = i.invoiceid
             WHERE d.msdyn_correction AND d.msdyn_originalinvoicelinedetail IS NOT NULL
             GROUP BY d.msdyn_originalinvoicelinedetail
            HAVING count(*) > 1) c;

    ------------------------------------------------------------------------------------------------
    -- Posting and write-back
    ------------------------------------------------------------------------------------------------
    -- The accounting write-back map against the Dataverse actuals: the voucher, then the accounting amount.
    INSERT INTO recon_raw (category, severity, actualid, voucher, field, expected, actual, difference, amount, currency,
                           dataareaid, since, threshold, detail)
    WITH w AS MATERIALIZED (
        SELECT ew.msdyn_actualid, ew.msdyn_externalreferenceid AS expected_voucher,
               a.msdyn_externalreferenceid AS actual_voucher, ew.msdyn_amount_base AS expected_amount,
               a.msdyn_amount_base AS actual_amount, ew._src_modifieddatetime AS since,
               a.msdyn_externalreferenceid IS DISTINCT FROM ew.msdyn_externalreferenceid AS voucher_missing
          FROM pg_temp.recon_expected_actual_writeback ew
          JOIN dataverse.msdyn_actual a ON a.msdyn_actualid = ew.msdyn_actualid
         WHERE a.msdyn_externalreferenceid IS DISTINCT FROM ew.msdyn_externalreferenceid
            OR a.msdyn_amount_base IS DISTINCT FROM ew.msdyn_amount_base)
    SELECT CASE WHEN w.voucher_missing THEN 'MISSING_VOUCHER_WRITEBACK' ELSE 'ACCOUNTING_AMOUNT_MISMATCH' END,
           CASE WHEN w.voucher_missing THEN 'W' ELSE 'E' END,
           w.msdyn_actualid, w.expected_voucher,
           CASE WHEN w.voucher_missing THEN 'msdyn_externalreferenceid' ELSE 'msdyn_amount_base' END,
           CASE WHEN w.voucher_missing THEN w.expected_voucher ELSE w.expected_amount::text END,
           CASE WHEN w.voucher_missing THEN w.actual_voucher ELSE w.actual_amount::text END,
           CASE WHEN w.voucher_missing THEN NULL ELSE w.actual_amount - w.expected_amount END,
           CASE WHEN w.voucher_missing THEN w.expected_amount ELSE abs(w.actual_amount - w.expected_amount) END,
           l.accountingcurrency, ea.dataareaid, w.since,
           CASE WHEN w.voucher_missing THEN 'missing_voucher_writeback' END,
           CASE WHEN w.voucher_missing
                THEN 'voucher ' || w.expected_voucher || ' was posted in F&O but has not reached the actual'
                ELSE 'accounting amount on the actual differs from F&O''s' END
      FROM w
      LEFT JOIN pg_temp.recon_expected_actuals ea ON ea.actualid = w.msdyn_actualid
      LEFT JOIN fno.ledger l ON l.dataareaid = ea.dataareaid;

    -- Posted journal lines and posted proposals whose staging rows did not get their voucher.
    INSERT INTO recon_raw (category, severity, invoicenumber, proposalid, actualid, transid, voucher, amount, currency,
                           dataareaid, since, threshold, detail)
    SELECT 'MISSING_VOUCHER_WRITEBACK', 'W', NULL, NULL, s.actualid, NULL, jl.voucher, s.amount,
           s.transactioncurrencyid, s.dataareaid, jl.modifieddatetime, 'missing_voucher_writeback',
           'journal line is posted but its staging row has no voucher'
      FROM fno.projadvancedjournalline jl
      JOIN fno.projcdsactualsimport s ON s.projadvancedjournalline = jl.recid
     WHERE jl.status = 1 AND s.vouchernumber IS NULL
    UNION ALL
    SELECT 'MISSING_VOUCHER_WRITEBACK', 'W', p.proposalid, p.proposalid, s.actualid, s.invoiceproposallinetransid,
           p.ledgervoucher, s.amount, s.transactioncurrencyid, s.dataareaid, p.modifieddatetime,
           'missing_voucher_writeback', 'invoice ' || p.projinvoiceid || ' is posted but the billed sale''s staging row has no voucher'
      FROM fno.projproposaljour p
      JOIN fno.projcdsactualsimport s
        ON s.dataareaid = p.dataareaid AND s.invoiceproposalid = p.proposalid AND s.transtype = 192350006
     WHERE p.projinvoiceid IS NOT NULL AND s.vouchernumber IS NULL AND NOT s.isduplicate;

    -- Posted transactions against the accounting amount their staging row carries.
    INSERT INTO recon_raw (category, severity, actualid, transid, voucher, field, expected, actual, difference, amount,
                           currency, dataareaid, since, detail)
    SELECT 'ACCOUNTING_AMOUNT_MISMATCH', 'E', t.actualid, t.transid, t.voucher, 'amountmst', s.accountingamount::text,
           t.amountmst::text, t.amountmst - s.accountingamount, abs(t.amountmst - s.accountingamount),
           l.accountingcurrency, t.dataareaid, greatest(t.modifieddatetime, s.modifieddatetime),
           'posted transaction accounting amount differs from its staging row''s'
      FROM fno.projpostedtranstable t
      JOIN fno.projcdsactualsimport s
        ON s.actualid = t.actualid AND s.vouchernumber = t.voucher AND NOT s.isduplicate
      LEFT JOIN fno.ledger l ON l.dataareaid = t.dataareaid
     WHERE t.amountmst IS DISTINCT FROM s.accountingamount;

    -- I10: the unbilled sales a posted invoice bills are invoiced, not still posted (WIP not reversed).
    INSERT INTO recon_raw (category, severity, invoicenumber, proposalid, actualid, transid, voucher, amount, currency,
                           dataareaid, since, detail)
    SELECT DISTINCT ON (t.recid)
           'WIP_NOT_REVERSED', 'E', j.proposalid, j.proposalid, t.actualid, t.transid, j.ledgervoucher, t.amount,
           t.currencyid, t.dataareaid, j.createddatetime,
           'unbilled sale is still a posted transaction after invoice ' || j.projinvoiceid || ' billed it'
      FROM fno.projinvoicejour j
      JOIN fno.projinvoiceline il ON il.dataareaid = j.dataareaid AND il.projinvoiceid = j.projinvoiceid
      JOIN fno.projcdstransactionconnectionimport k
        ON k.transaction1 = il.actualid AND k.transaction1role = '192350006' AND k.transaction2role = '192350005'
      JOIN fno.projpostedtranstable t ON t.actualid = k.transaction2 AND t.dataareaid = j.dataareaid
     WHERE t.transstatus = 2
     ORDER BY t.recid, j.createddatetime;

    -- I8: each posted invoice against its proposal: amount before tax, then its lines.
    INSERT INTO recon_raw (category, severity, invoicenumber, proposalid, voucher, field, expected, actual, difference,
                           amount, currency, dataareaid, since, detail)
    SELECT 'POSTED_INVOICE_PROPOSAL_MISMATCH', 'E', j.proposalid, j.proposalid, j.ledgervoucher, 'salesorderbalance',
           p.salesorderbalance::text, j.salesorderbalance::text, j.salesorderbalance - p.salesorderbalance,
           abs(j.salesorderbalance - p.salesorderbalance), j.currencyid, j.dataareaid, j.createddatetime,
           'posted invoice ' || j.projinvoiceid || ' amount before tax differs from its proposal'
      FROM fno.projinvoicejour j
      JOIN fno.projproposaljour p ON p.dataareaid = j.dataareaid AND p.proposalid = j.proposalid
      LEFT JOIN recon.tolerance t ON t.currencyid = j.currencyid
     WHERE abs(j.salesorderbalance - p.salesorderbalance) > coalesce(t.amount, 0)
    UNION ALL
    SELECT 'POSTED_INVOICE_PROPOSAL_MISMATCH', 'E', j.proposalid, j.proposalid, j.ledgervoucher, 'lines',
           (SELECT count(*) FROM fno.projproposalline l
             WHERE l.dataareaid = j.dataareaid AND l.proposalid = j.proposalid)::text,
           (SELECT count(*) FROM fno.projinvoiceline l
             WHERE l.dataareaid = j.dataareaid AND l.projinvoiceid = j.projinvoiceid)::text,
           NULL, m.amount, j.currencyid, j.dataareaid, j.createddatetime,
           'posted invoice ' || j.projinvoiceid || ' lines differ from its proposal: ' || m.transids
      FROM (
           -- Each posted invoice's lines FULL JOIN the lines of its proposal, by transid, keeping only the lines that
           -- are missing, extra or different; then per invoice.
           SELECT x.dataareaid, x.projinvoiceid, sum(x.amount) AS amount,
                  string_agg(x.transid, ', ' ORDER BY x.transid) AS transids
             FROM (SELECT coalesce(pl.dataareaid, il.dataareaid) AS dataareaid,
                          coalesce(pl.projinvoiceid, il.projinvoiceid) AS projinvoiceid,
                          coalesce(pl.transid, il.transid) AS transid,
                          abs(coalesce(il.lineamount, 0) - coalesce(pl.lineamount, 0)) AS amount
                     FROM (SELECT l.dataareaid, j2.projinvoiceid, l.transid, l.qty, l.lineamount
                             FROM fno.projproposalline l
                             JOIN fno.projinvoicejour j2
                               ON j2.dataareaid = l.dataareaid AND j2.proposalid = l.proposalid) pl
                     FULL JOIN fno.projinvoiceline il
                       ON il.dataareaid = pl.dataareaid AND il.projinvoiceid = pl.projinvoiceid
                      AND il.transid = pl.transid
                    WHERE pl.transid IS NULL OR il.transid IS NULL
                       OR il.lineamount IS DISTINCT FROM pl.lineamount OR il.qty IS DISTINCT FROM pl.qty) x
            GROUP BY x.dataareaid, x.projinvoiceid) m
      JOIN fno.projinvoicejour j ON j.dataareaid = m.dataareaid AND j.projinvoiceid = m.projinvoiceid
     WHERE EXISTS (SELECT 1 FROM fno.projproposaljour p
                    WHERE p.dataareaid = j.dataareaid AND p.proposalid = j.proposalid);

    INSERT INTO recon_raw (category, severity, voucher, expected, actual, difference, amount, currency, dataareaid,
                           since, detail)
    SELECT 'UNBALANCED_VOUCHER', 'E', v.voucher, '0', v.total::text, v.total, abs(v.total), l.accountingcurrency,
           v.dataareaid, v.since, 'voucher accounting amounts sum to ' || v.total || ', not 0'
      FROM (SELECT e.dataareaid, e.voucher, sum(e.accountingcurrencyamount) AS total, max(e.createddatetime) AS since
              FROM fno.generaljournalaccountentry e
             GROUP BY e.dataareaid, e.voucher
            HAVING sum(e.accountingcurrencyamount) <> 0) v
      LEFT JOIN fno.ledger l ON l.dataareaid = v.dataareaid;

    SELECT count(*) INTO v_count FROM recon_raw;
    RETURN v_count;
END;
$$;
COMMENT ON FUNCTION recon.collect_findings(timestamptz) IS
  'Runs every check of the mismatch catalogue and leaves the raw findings in the temporary table recon_raw (one '
  'transaction). Needs the four recon_expected_* temporary views tieout creates from the table maps. Called by '
  'recon.execute_run; p_as_of only decides which open proposals are stuck.';
