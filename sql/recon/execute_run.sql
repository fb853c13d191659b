-- recon/execute_run.sql
-- recon.execute_run: records one run of the checks of recon/collect_findings.sql, from the whole set of raw findings
-- recon.merge_scopes (recon/scope.sql) leaves in recon_raw.

-- Whose money a run's findings concern: the contract (a control total's own or the scope's, set by recon.execute_run;
-- else, for a voucher, its invoice's or proposal's), the contract's customer (else the invoice account of the
-- finding's proposal or posted invoice, or the customer of its staging row) and the project of its actual, line
-- detail, staging row or posted transaction. Looked up per finding, through the tables' indexes.
CREATE OR REPLACE FUNCTION recon.locate_findings(p_run bigint) RETURNS void
LANGUAGE sql AS $$
    UPDATE recon.finding t
       SET contract = o.contract, customer_account = coalesce(c.accountnumber, o.account),
           customer_name = coalesce(c.name, a.name), project = o.project
      FROM recon.finding f
     CROSS JOIN LATERAL (
           SELECT coalesce(f.contract,
                           (SELECT min(j.projinvoiceprojid) FROM fno.projinvoicejour j
                             WHERE j.ledgervoucher = f.voucher),
                           (SELECT min(p.projinvoiceprojid) FROM fno.projproposaljour p
                             WHERE p.ledgervoucher = f.voucher)) AS contract,
                  coalesce((SELECT min(p.invoiceaccount) FROM fno.projproposaljour p
                             WHERE p.proposalid IN (f.proposalid, f.invoicenumber)),
                           (SELECT min(j.invoiceaccount) FROM fno.projinvoicejour j
                             WHERE j.proposalid IN (f.proposalid, f.invoicenumber)),
                           (SELECT min(s.customeraccountnumber) FROM fno.projcdsactualsimport s
                             WHERE s.actualid = f.actualid)) AS account,
                  coalesce((SELECT pr.msdyn_projectnumber FROM dataverse.msdyn_actual x
                              JOIN dataverse.msdyn_project pr ON pr.msdyn_projectid = x.msdyn_project
                             WHERE x.msdyn_actualid = f.actualid),
                           (SELECT pr.msdyn_projectnumber FROM dataverse.msdyn_invoicelinetransaction x
                              JOIN dataverse.msdyn_project pr ON pr.msdyn_projectid = x.msdyn_project
                             WHERE x.msdyn_invoicelinetransactionid = f.actualid),
                           (SELECT min(s.projectid) FROM fno.projcdsactualsimport s WHERE s.actualid = f.actualid),
                           (SELECT min(x.projid) FROM fno.projpostedtranstable x WHERE x.transid = f.transid))
                      AS project) o
      LEFT JOIN LATERAL (SELECT ac.accountnumber, ac.name FROM dataverse.salesorder so
                           JOIN dataverse.account ac ON ac.accountid = so.customerid
                          WHERE so.ordernumber = o.contract) c ON true
      LEFT JOIN LATERAL (SELECT min(ac.name) AS name FROM dataverse.account ac
                          WHERE ac.accountnumber = o.account) a ON true
     WHERE f.run_id = p_run AND t.run_id = f.run_id AND t.finding_no = f.finding_no;
$$;
COMMENT ON FUNCTION recon.locate_findings(bigint) IS
  'Fills in contract, customer_account, customer_name and project of run p_run''s findings (recon.execute_run): the '
  'contract a finding concerns, its customer and the project of its actual or transaction.';

CREATE OR REPLACE FUNCTION recon.execute_run(p_as_of timestamptz, p_grace interval, p_legal_entity text, p_started timestamptz)
RETURNS TABLE (run_id bigint, as_of timestamptz, legal_entity text, findings integer, errors integer,
               warnings integer, infos integer, in_flight integer, new_findings integer, still_open integer,
               resolved integer, replaced boolean, run_kind text, full_reason text, scopes_checked integer)
LANGUAGE plpgsql AS $$
DECLARE
    v_as_of    timestamptz := coalesce(p_as_of, p_started, now());
    v_run      bigint;
    v_previous bigint;
    v_replaced boolean := false;
    v_settings jsonb;
BEGIN
    IF p_grace IS NULL OR p_grace < interval '0' THEN
        RAISE EXCEPTION 'the grace window must be zero or more, not %', p_grace;
    END IF;
    IF p_legal_entity IS NOT NULL AND p_legal_entity = '' THEN
        RAISE EXCEPTION 'the legal entity must not be empty';
    END IF;

    v_settings := jsonb_build_object(
        'tolerances', coalesce((SELECT jsonb_object_agg(t.currencyid, t.amount) FROM recon.tolerance t), '{}'),
        'thresholds', coalesce((SELECT jsonb_object_agg(t.name, t.age::text) FROM recon.threshold t), '{}'));

    SELECT r.run_id INTO v_run
      FROM recon.run r
     WHERE r.status = 'succeeded' AND r.as_of = v_as_of AND r.legal_entity IS NOT DISTINCT FROM p_legal_entity;
    SELECT r.run_id INTO v_previous
      FROM recon.run r
     WHERE r.status = 'succeeded' AND r.as_of < v_as_of AND r.legal_entity IS NOT DISTINCT FROM p_legal_entity
     ORDER BY r.as_of DESC, r.run_id DESC
     LIMIT 1;

    IF v_run IS NOT NULL THEN
        IF EXISTS (SELECT FROM recon.signoff s WHERE s.run_id = v_run) THEN
            RAISE EXCEPTION 'run % (as of %) was signed off by %: it cannot be replaced; run with another as-of',
                            v_run, v_as_of, (SELECT s.signed_by FROM recon.signoff s WHERE s.run_id = v_run);
        END IF;
        v_replaced := true;
        DELETE FROM recon.finding f WHERE f.run_id = v_run;
        UPDATE recon.run r
           SET started_at = coalesce(p_started, now()), finished_at = NULL, grace = p_grace,
               previous_run_id = v_previous, settings = v_settings, error = NULL, run_kind = m.run_kind,
               full_reason = m.full_reason, scopes_checked = m.scopes
          FROM recon_run_mode m
         WHERE r.run_id = v_run;
    ELSE
        INSERT INTO recon.run (as_of, started_at, status, legal_entity, grace, previous_run_id, settings, run_kind,
                               full_reason, scopes_checked)
        SELECT v_as_of, coalesce(p_started, now()), 'succeeded', p_legal_entity, p_grace, v_previous, v_settings,
               m.run_kind, m.full_reason, m.scopes
          FROM recon_run_mode m
        RETURNING recon.run.run_id INTO v_run;
    END IF;

    -- Findings only time makes, before they are due.
    DELETE FROM recon_raw r WHERE r.due > v_as_of;
    IF p_legal_entity IS NOT NULL THEN
        DELETE FROM recon_raw r WHERE r.dataareaid IS DISTINCT FROM p_legal_entity;
    END IF;

    INSERT INTO recon.finding (
           run_id, finding_no, category, severity, stage, underlying_category, invoicenumber, proposalid, actualid,
           transid, voucher, field, expected, actual, difference, amount, currency, dataareaid, since,
           first_seen_run_id, age_days, detail, finding_key, contract, period)
    SELECT v_run,
           row_number() OVER (ORDER BY position(f.severity IN 'EWI'), f.category, f.invoicenumber, f.proposalid,
                                       f.actualid, f.transid, f.voucher, f.field, f.dataareaid, f.contract, f.currency,
                                       f.period, f.detail)::integer,
           f.category, f.severity, f.stage, f.underlying_category, f.invoicenumber, f.proposalid, f.actualid,
           f.transid, f.voucher, f.field, f.expected, f.actual, f.difference, f.amount, f.currency, f.dataareaid,
           f.since, coalesce(prev.first_seen_run_id, v_run), f.age_days, f.detail, f.finding_key,
           coalesce(f.contract, CASE WHEN f.scope LIKE 'C:%' THEN substr(f.scope, 3) END), f.period
      FROM (SELECT CASE WHEN r.since IS NOT NULL AND v_as_of - r.since < p_grace THEN 'IN_FLIGHT' ELSE r.category END
                       AS category,
                   CASE WHEN r.since IS NOT NULL AND v_as_of - r.since < p_grace THEN 'W'
                        WHEN r.threshold IS NOT NULL AND v_as_of - r.since >= th.age THEN 'E'
                        ELSE r.severity END AS severity,
                   c.stage, r.category AS underlying_category, r.invoicenumber, r.proposalid, r.actualid, r.transid,
                   r.voucher, r.field, r.expected, r.actual, r.difference, abs(r.amount) AS amount, r.currency,
                   r.dataareaid, r.contract, r.period, r.scope,
                   r.since,
                   CASE WHEN r.since IS NULL THEN 0
                        ELSE greatest(0, round(extract(epoch FROM v_as_of - r.since) / 86400, 2)) END AS age_days,
                   CASE WHEN r.since IS NOT NULL AND v_as_of - r.since < p_grace
                        THEN r.category || ' once older than the grace window: ' || r.detail ELSE r.detail END
                       AS detail,
                   -- a control total is located by its contract, currency and period too (NULL for the others,
                   -- which concat_ws leaves out, so their keys are what they always were)
                   md5(concat_ws('|', r.category, r.invoicenumber, r.proposalid, r.actualid, r.transid, r.voucher,
                                 r.field, r.dataareaid, r.contract,
                                 CASE WHEN r.contract IS NOT NULL THEN r.currency END, r.period)) AS finding_key
              FROM recon_raw r
              JOIN recon.category c ON c.category = r.category
              LEFT JOIN recon.threshold th ON th.name = r.threshold) f
      -- (one row however many findings of the previous run share the key: two identical findings must not multiply)
      LEFT JOIN LATERAL (SELECT min(p.first_seen_run_id) AS first_seen_run_id FROM recon.finding p
                          WHERE p.run_id = v_previous AND p.finding_key = f.finding_key) prev ON true;
    PERFORM recon.locate_findings(v_run);

    UPDATE recon.run r
       SET finished_at = clock_timestamp(),
           findings = s.findings, errors = s.errors, warnings = s.warnings, infos = s.infos, in_flight = s.in_flight,
           new_findings = s.new_findings, still_open = s.findings - s.new_findings,
           -- (the whole table in a full run, the copy of the scopes re-checked in an incremental one)
           actuals_checked = (SELECT count(*) FROM pg_temp.recon_in_msdyn_actual),
           resolved = (SELECT count(*) FROM recon.finding p
                        WHERE p.run_id = v_previous
                          AND NOT EXISTS (SELECT 1 FROM recon.finding n
                                           WHERE n.run_id = v_run AND n.finding_key = p.finding_key))
      FROM (SELECT count(*) AS findings,
                   count(*) FILTER (WHERE f.severity = 'E') AS errors,
                   count(*) FILTER (WHERE f.severity = 'W') AS warnings,
                   count(*) FILTER (WHERE f.severity = 'I') AS infos,
                   count(*) FILTER (WHERE f.category = 'IN_FLIGHT') AS in_flight,
                   count(*) FILTER (WHERE f.first_seen_run_id = v_run) AS new_findings
              FROM recon.finding f WHERE f.run_id = v_run) s
     WHERE r.run_id = v_run;

    -- What recon.raw_finding now holds, and the changes it took in: the next run starts from here.
    INSERT INTO recon.state AS s (run_id, as_of, last_full_as_of, maps_fingerprint, schema_fingerprint, settings)
    SELECT v_run, v_as_of, v_as_of, m.maps_fingerprint, m.schema_fingerprint, m.settings FROM recon_run_mode m
    ON CONFLICT (only_row) DO UPDATE
       SET run_id = EXCLUDED.run_id, as_of = EXCLUDED.as_of,
           last_full_as_of = CASE WHEN (SELECT m.run_kind FROM recon_run_mode m) = 'full'
                                  THEN EXCLUDED.as_of ELSE s.last_full_as_of END,
           maps_fingerprint = EXCLUDED.maps_fingerprint, schema_fingerprint = EXCLUDED.schema_fingerprint,
           settings = EXCLUDED.settings;
    DELETE FROM recon.dirty;

    RETURN QUERY
    SELECT r.run_id, r.as_of, r.legal_entity, r.findings, r.errors, r.warnings, r.infos, r.in_flight,
           r.new_findings, r.still_open, r.resolved, v_replaced, r.run_kind, r.full_reason, r.scopes_checked
      FROM recon.run r WHERE r.run_id = v_run;
END;
$$;
COMMENT ON FUNCTION recon.execute_run(timestamptz, interval, text, timestamptz) IS
  'Last step of a reconciliation run (tieout recon run calls recon.prepare_run, recon.collect_findings and '
  'recon.merge_scopes before it, in one REPEATABLE READ transaction holding the run lock): replaces the findings of '
  'an earlier run with the same as-of and legal entity, leaves out findings not due yet and other legal entities, '
  'refuses to replace a run that was signed off, makes findings on records younger than p_grace IN_FLIGHT, raises '
  'warnings past their threshold to errors, carries first_seen_run_id over from the previous run, gives each finding '
  'its contract, customer and project, fills in the counts and the kind of run, records what '
  'recon.raw_finding now holds (recon.state) and empties the change log it took in (recon.dirty). Returns the run''s '
  'row.';
