-- recon/collect_findings.sql
-- recon.collect_findings: runs the checks of the nightly reconciliation (docs/reconciliation.md), stage by stage.
--
-- recon.collect_findings() runs every check of the mismatch catalogue (recon.category) as set-based SQL and
-- leaves the raw findings in the temporary table recon_raw. The checks are in one file per stage of the catalogue
-- (recon.category.stage; stage posting in five files along the chain), run in this order: recon/header.sql,
-- recon/lines.sql, recon/dataverse.sql, recon/posting.sql, recon/journal.sql, recon/invoice.sql, recon/ledger.sql,
-- recon/writeback.sql, recon/control_totals.sql (stage timing, IN_FLIGHT, is decided when the run is recorded).
-- The expected side comes from the sync engine's table maps: before a run, tieout creates four temporary views, each
-- a map's source rows as the map would write them (TieoutRecon/ExpectedSet.swift):
--   recon_expected_actuals           actuals map: every Dataverse actual, _include = the map sends it
--   recon_expected_proposals         invoice proposal map: every proforma, _include = the map sends it
--   recon_expected_actual_writeback  accounting write-back map: what each posted staging row writes to its actual
--   recon_expected_invoice_writeback posted-invoice map: what each posted invoice writes to its proforma
-- Their columns are the maps' target columns (fno names for the first two, dataverse names for the others) plus
-- _src_<column> for unmapped source columns. The checks never restate a field correspondence of a map; they
-- compare those views with the real target tables. What a map does not express (F&O's own import, posting, the
-- Dataverse invoice rules) is checked against the business rules of docs/processes.md.
--
-- recon.execute_run(as_of, grace, legal_entity, started) records one run: it replaces an earlier run of the same
-- as-of and legal entity, turns findings on records younger than the grace window into IN_FLIGHT, raises warnings
-- past their threshold to errors, makes amounts the money at stake (never negative), carries first_seen_run_id over
-- from the previous run and counts new, still open and resolved findings. tieout calls it in one REPEATABLE READ transaction that holds the run's advisory lock.

CREATE OR REPLACE FUNCTION recon.collect_findings() RETURNS bigint
LANGUAGE plpgsql
-- (JIT compiles for longer than these joins run; the whole-table hash joins and aggregates of the chain fit in
-- memory instead of spilling. tieout bench recon runs its plain-SQL baseline with these same settings.)
SET jit = off
SET work_mem = '128MB'
AS $$
DECLARE
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
        contract      text,
        period        date,
        since         timestamptz,
        threshold     text,
        due           timestamptz,
        detail        text,
        scope         text
    ) ON COMMIT DROP;

    PERFORM recon.collect_header();            -- recon/header.sql
    PERFORM recon.collect_lines();             -- recon/lines.sql
    PERFORM recon.collect_dataverse();         -- recon/dataverse.sql
    PERFORM recon.collect_posting();           -- recon/posting.sql
    PERFORM recon.collect_journal();           -- recon/journal.sql (fills recon_journal_trans)
    PERFORM recon.collect_invoice();           -- recon/invoice.sql (fills recon_invoice)
    PERFORM recon.collect_ledger();            -- recon/ledger.sql (reads both)
    PERFORM recon.collect_writeback();         -- recon/writeback.sql
    PERFORM recon.collect_control_totals();    -- recon/control_totals.sql (reads recon_invoice)

    SELECT count(*) INTO v_count FROM recon_raw;
    RETURN v_count;
END;
$$;
COMMENT ON FUNCTION recon.collect_findings() IS
  'Runs every check of the mismatch catalogue and leaves the raw findings in the temporary table recon_raw (one '
  'transaction). Reads the tables through the pg_temp.recon_in_* inputs of recon.prepare_run and the four '
  'recon_expected_* temporary views tieout creates from the table maps over them. Independent of the run''s clock: '
  'a finding only time makes carries the time it is due.';
