-- recon/header.sql
-- Stage header of the reconciliation's checks (recon.category stage header): the invoice proposal map's expected
-- proposals against the F&O proposal headers (fno.projproposaljour), the posted-invoice write-back against the
-- proformas, and open proposals past the proposal_stuck threshold. recon.collect_findings
-- (recon/collect_findings.sql) calls recon.collect_header; every check inserts its findings into the temporary
-- table recon_raw that function creates.

CREATE OR REPLACE FUNCTION recon.collect_header() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM recon.collect_header_proposals();
    PERFORM recon.collect_header_posted();
END;
$$;
COMMENT ON FUNCTION recon.collect_header() IS
  'Stage header of recon.collect_findings: recon.collect_header_proposals, then recon.collect_header_posted. '
  'Inserts into the temporary table recon_raw.';

CREATE OR REPLACE FUNCTION recon.collect_header_proposals() RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    ------------------------------------------------------------------------------------------------
    -- Headers: the proposal map's expected proposals against fno.projproposaljour.
    ------------------------------------------------------------------------------------------------
    -- Per expected proposal, the proposal of the same id (the one in the expected legal entity first).
    IF to_regclass('pg_temp.recon_hdr') IS NOT NULL THEN DROP TABLE pg_temp.recon_hdr; END IF;
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
      LEFT JOIN pg_temp.recon_in_projproposaljour p ON p.proposalid = ep.proposalid
      LEFT JOIN (SELECT DISTINCT dataareaid, proposalid FROM pg_temp.recon_in_projproposalline) pl
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
    SELECT CASE WHEN ep.proposalid IS NOT NULL
                 AND ep._src_msdyn_projectinvoicestatus
                     = ANY (optionset.codes('projectinvoicestatus', 'Confirmed', 'Invoice Paid', 'Posted'))
                THEN 'SKIPPED_RECORD_LEAKED' ELSE 'PROPOSAL_WITHOUT_CONFIRMED_PROFORMA' END,
           'E', ep.proposalid, p.proposalid, p.proposalid, p.salesorderbalance, p.currencyid, p.dataareaid,
           p.createddatetime,
           CASE WHEN ep.proposalid IS NULL THEN 'invoice proposal ' || p.proposalid || ' has no proforma invoice in Dataverse'
                WHEN ep._src_msdyn_projectinvoicestatus
                     = ANY (optionset.codes('projectinvoicestatus', 'Confirmed', 'Invoice Paid', 'Posted'))
                THEN 'invoice proposal ' || p.proposalid || ' is for a proforma the invoice proposal map does not send '
                     || '(no chargeable line detail)'
                ELSE 'invoice proposal ' || p.proposalid || ' is for a proforma that is not confirmed (status '
                     || process.dv_invoice_status_name(ep._src_msdyn_projectinvoicestatus) || ')' END
      FROM pg_temp.recon_in_projproposaljour p
      LEFT JOIN pg_temp.recon_expected_proposals ep ON ep.proposalid = p.proposalid
     WHERE ep.proposalid IS NULL OR NOT ep._include;

    INSERT INTO recon_raw (category, severity, invoicenumber, proposalid, expected, actual, currency, dataareaid, since,
                           detail)
    SELECT 'DUPLICATE_PROPOSAL', 'E', d.proposalid, d.proposalid, '1', d.n::text, d.currencyid,
           coalesce(ep.dataareaid, d.first_entity), d.since,
           'invoice proposal ' || d.proposalid || ' exists ' || d.n || ' times, in legal entities ' || d.entities
      FROM (SELECT p.proposalid, count(*) AS n, min(p.currencyid) AS currencyid, min(p.dataareaid) AS first_entity,
                   string_agg(p.dataareaid, ', ' ORDER BY p.dataareaid) AS entities, max(p.createddatetime) AS since
              FROM pg_temp.recon_in_projproposaljour p
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
      JOIN pg_temp.recon_in_projinvoicejour j ON j.dataareaid = h.p_dataareaid AND j.proposalid = h.proposalid
     WHERE j.sumtax IS DISTINCT FROM h.sumtax
    UNION ALL
    SELECT 'TAX_DIFFERENCE', 'I', h.proposalid, h.proposalid, NULL, 'totaltax', h.dv_tax::text, h.sumtax::text,
           h.sumtax - h.dv_tax, abs(h.sumtax - h.dv_tax), h.currencyid, h.dataareaid,
           greatest(h.dv_modifiedon, h.p_modified), 'F&O computed other sales tax than the proforma in Dataverse'
      FROM recon_hdr h
     WHERE h.p_recid IS NOT NULL AND h.dv_tax <> 0 AND h.has_lines AND h.sumtax IS DISTINCT FROM h.dv_tax;
END;
$$;
COMMENT ON FUNCTION recon.collect_header_proposals() IS
  'Checks of stage header, proposal headers against the proformas as the invoice proposal map sends them: '
  'CONFIRMED_WITHOUT_PROPOSAL, PROPOSAL_WITHOUT_CONFIRMED_PROFORMA (and SKIPPED_RECORD_LEAKED for a proposal of a '
  'proforma the map skips), DUPLICATE_PROPOSAL, HEADER_ATTRIBUTE_MISMATCH, HEADER_AMOUNT_MISMATCH, TAX_DIFFERENCE. '
  'Inserts into recon_raw; part of recon.collect_header.';

CREATE OR REPLACE FUNCTION recon.collect_header_posted() RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    v_stuck interval := (SELECT age FROM recon.threshold WHERE name = 'proposal_stuck');
BEGIN
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
      JOIN pg_temp.recon_in_invoice i ON i.invoicenumber = ei.invoicenumber
      LEFT JOIN pg_temp.recon_expected_proposals ep ON ep.proposalid = ei.invoicenumber
     WHERE i.msdyn_customerinvoicenumber IS DISTINCT FROM ei.msdyn_customerinvoicenumber
        OR (i.msdyn_projectinvoicestatus IS DISTINCT FROM ei.msdyn_projectinvoicestatus
            AND i.msdyn_projectinvoicestatus IS DISTINCT FROM optionset.code('projectinvoicestatus', 'Invoice Paid'))
    UNION ALL
    -- The other way round: a proforma that says Posted (or carries an F&O invoice number) for a posted invoice F&O
    -- does not have.
    SELECT 'POSTED_STATUS_NOT_REFLECTED', 'W', i.invoicenumber, i.invoicenumber, 'msdyn_customerinvoicenumber', NULL,
           i.msdyn_customerinvoicenumber, coalesce(ep.dataareaid, ''), i.modifiedon,
           'proforma ' || i.invoicenumber || ' says ' || process.dv_invoice_status_name(i.msdyn_projectinvoicestatus)
           || CASE WHEN i.msdyn_customerinvoicenumber IS NULL THEN ''
                   ELSE ' as ' || i.msdyn_customerinvoicenumber END
           || ', but F&O has no posted invoice for it'
      FROM pg_temp.recon_in_invoice i
      LEFT JOIN pg_temp.recon_expected_proposals ep ON ep.proposalid = i.invoicenumber
     WHERE (i.msdyn_projectinvoicestatus = optionset.code('projectinvoicestatus', 'Posted')
            OR i.msdyn_customerinvoicenumber IS NOT NULL)
       AND NOT EXISTS (SELECT 1 FROM pg_temp.recon_expected_invoice_writeback ei
                        WHERE ei.invoicenumber = i.invoicenumber);

    -- Open proposals, due once older than the proposal_stuck threshold (runs before that leave them out), with the
    -- reason.
    INSERT INTO recon_raw (category, severity, invoicenumber, proposalid, amount, currency, dataareaid, since, due,
                           detail)
    SELECT 'PROPOSAL_STUCK_UNPOSTED', 'W', p.proposalid, p.proposalid, p.salesorderbalance, p.currencyid,
           p.dataareaid, p.createddatetime, p.createddatetime + v_stuck,
           CASE WHEN EXISTS (SELECT 1 FROM pg_temp.recon_in_projproposalline l
                              WHERE l.dataareaid = p.dataareaid AND l.proposalid = p.proposalid)
                THEN 'posting error: the proposal has lines but is not posted'
                WHEN w.rows > 0
                THEN 'lines waiting: ' || w.rows || ' billed sales not imported: ' || coalesce(w.message, 'not processed yet')
                ELSE 'no lines: no billed sales staged for it' END
      FROM pg_temp.recon_in_projproposaljour p
      LEFT JOIN LATERAL (
           SELECT count(*) AS rows, min(s.importmessage) AS message
             FROM pg_temp.recon_in_projcdsactualsimport s
            WHERE s.dataareaid = p.dataareaid AND s.invoiceid = p.proposalid
              AND s.transtype = optionset.code('transactiontype', 'Billed Sales')
              AND NOT s.isprocessed AND NOT s.isduplicate) w ON true
     WHERE p.projinvoiceid IS NULL AND p.status <> optionset.code('proposalstatus', 'Invoiced');
END;
$$;
COMMENT ON FUNCTION recon.collect_header_posted() IS
  'Checks of stage header after posting: POSTED_STATUS_NOT_REFLECTED (the posted-invoice write-back map against '
  'the proformas, both ways) and PROPOSAL_STUCK_UNPOSTED (every open proposal, due once older than the '
  'proposal_stuck threshold). Inserts into recon_raw; part of recon.collect_header.';
