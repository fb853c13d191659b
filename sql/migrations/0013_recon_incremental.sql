-- 0013_recon_incremental.sql
-- Incremental reconciliation (docs/reconciliation.md, "Incremental runs"): the changes every writer makes are
-- logged as the keys they touched (recon.dirty, kept by the capture triggers of recon/capture.sql), the raw findings
-- of the last run are kept per scope (recon.raw_finding), and a run re-checks only the contracts and vouchers the
-- changes reach. The run ledger records which kind of run it was, why a run was full and how many scopes it
-- checked. The scope logic is in recon/scope.sql.
-- Applied by the tieout migrator in one transaction (no BEGIN/COMMIT here).

-- The checks and the run take other arguments now; the definition files create the new signatures.
DROP FUNCTION IF EXISTS recon.execute_run(timestamptz, interval, text, timestamptz);
DROP FUNCTION IF EXISTS recon.collect_findings(timestamptz);
DROP FUNCTION IF EXISTS recon.collect_header(timestamptz);
DROP FUNCTION IF EXISTS recon.collect_header_posted(timestamptz);

------------------------------------------------------------------------------------------------
-- The change log
------------------------------------------------------------------------------------------------
CREATE TABLE recon.dirty (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    logged_at timestamptz NOT NULL DEFAULT now(),
    relation  text NOT NULL,
    kind      text NOT NULL,
    keys      text[]
);
COMMENT ON TABLE recon.dirty IS
  'What changed since the last reconciliation run: one row per writing statement and kind of key, with the distinct '
  'keys of the rows it wrote (old and new values), logged by the capture triggers of every table the reconciliation '
  'reads, whoever writes (processes, sync, load, a lake folder, a hand edit). A run reads the rows its snapshot sees '
  'and deletes them in the same transaction. Kind all (keys NULL) means the change cannot be narrowed down (a '
  'truncate, a bulk write, reference data): the next run is full.';
COMMENT ON COLUMN recon.dirty.id IS 'Log position.';
COMMENT ON COLUMN recon.dirty.logged_at IS 'When the writing transaction started.';
COMMENT ON COLUMN recon.dirty.relation IS 'The table written (schema.table).';
COMMENT ON COLUMN recon.dirty.kind IS
  'What the keys are: txn (actual or invoice line detail id), salesorder, dvinvoice, ild, proposal, projinvoice, '
  'transid, jline, voucher, ivoucher, contract; all for a change that forces a full run.';
COMMENT ON COLUMN recon.dirty.keys IS 'The distinct key values, as text; NULL for kind all.';

------------------------------------------------------------------------------------------------
-- The raw findings of the last run, per scope
------------------------------------------------------------------------------------------------
CREATE TABLE recon.raw_finding (
    scope         text NOT NULL,
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
    detail        text
);
CREATE INDEX raw_finding_scope_idx ON recon.raw_finding (scope);
COMMENT ON TABLE recon.raw_finding IS
  'Every mismatch the checks found in the last run, before the run''s clock is applied (grace window, thresholds, '
  'due times), each owned by one scope (C:<contract>, V:<voucher>, K:<kind>:<key>). An incremental run replaces the rows of the '
  'scopes it re-checked and keeps the others; recon.finding is made from all of them.';
COMMENT ON COLUMN recon.raw_finding.scope IS
  'The scope that owns the finding: C:<contract number> (dataverse.salesorder.ordernumber = projinvoiceprojid), '
  'V:<voucher> for the ledger voucher checks, K:<txn|proposal|transid|voucher>:<key> for a record no contract is '
  'known for; '
  'U for a finding that carries no key (the next run is full).';
COMMENT ON COLUMN recon.raw_finding.due IS
  'A finding that only time makes (PROPOSAL_STUCK_UNPOSTED) is reported by runs as of this time or later.';
COMMENT ON COLUMN recon.raw_finding.threshold IS 'The recon.threshold that turns the warning into an error.';
COMMENT ON COLUMN recon.raw_finding.since IS
  'When the record started waiting (the start of its grace window), as recon.finding.since before the clock is applied.';
-- The other columns mean what recon.finding's of the same name mean.
DO $$
DECLARE
    v_column text;
BEGIN
    FOR v_column IN
        SELECT a.attname FROM pg_attribute a
         WHERE a.attrelid = 'recon.raw_finding'::regclass AND a.attnum > 0 AND NOT a.attisdropped
           AND col_description(a.attrelid, a.attnum) IS NULL
    LOOP
        EXECUTE format('COMMENT ON COLUMN recon.raw_finding.%I IS %L', v_column,
                       'As recon.finding.' || v_column || ': '
                       || col_description('recon.finding'::regclass,
                                          (SELECT attnum FROM pg_attribute
                                            WHERE attrelid = 'recon.finding'::regclass AND attname = v_column)));
    END LOOP;
END
$$;

CREATE TABLE recon.state (
    only_row           boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    run_id             bigint REFERENCES recon.run (run_id) ON DELETE SET NULL,
    as_of              timestamptz NOT NULL,
    last_full_as_of    timestamptz NOT NULL,
    maps_fingerprint   text NOT NULL,
    schema_fingerprint text NOT NULL,
    settings           jsonb NOT NULL
);
COMMENT ON TABLE recon.state IS
  'What recon.raw_finding was computed from: the run, its as-of, the as-of of the last full run, and fingerprints '
  'of the table maps, the applied migrations and definition files, and the settings. A run whose maps, schema or '
  'settings differ is full.';
COMMENT ON COLUMN recon.state.only_row IS 'Always true: the table holds one row.';
COMMENT ON COLUMN recon.state.run_id IS 'The run recon.raw_finding holds the findings of.';
COMMENT ON COLUMN recon.state.as_of IS 'That run''s as-of.';
COMMENT ON COLUMN recon.state.last_full_as_of IS 'The as-of of the last full run (setting full_run_every counts from it).';
COMMENT ON COLUMN recon.state.maps_fingerprint IS 'md5 of the table maps that run read.';
COMMENT ON COLUMN recon.state.schema_fingerprint IS
  'md5 of the applied migrations and definition files (tieout.schema_migration, tieout.schema_definition) at that run.';
COMMENT ON COLUMN recon.state.settings IS 'The tolerances and thresholds that run used, as JSON.';

------------------------------------------------------------------------------------------------
-- Settings of incremental runs
------------------------------------------------------------------------------------------------
CREATE TABLE recon.setting (
    name        text PRIMARY KEY,
    value       text NOT NULL,
    description text NOT NULL
);
COMMENT ON TABLE recon.setting IS 'Settings of incremental runs (docs/reconciliation.md, "Incremental runs").';
COMMENT ON COLUMN recon.setting.name IS 'The setting: full_run_every, max_changed_share or max_statement_rows.';
COMMENT ON COLUMN recon.setting.value IS 'Its value, as text (an interval, a share or a row count).';
COMMENT ON COLUMN recon.setting.description IS 'What it does, for people.';
INSERT INTO recon.setting (name, value, description) VALUES
  ('full_run_every', '7 days',
   'A run is full when the last full run''s as-of is this long before its own (an interval; 0 makes every run full).'),
  ('max_changed_share', '0.25',
   'A run is full when more than this share of the contracts changed (0 to 1): checking them all is then cheaper.'),
  ('max_statement_rows', '50000',
   'A statement that writes more rows than this logs no keys but forces the next run to be full (a bulk load).');

ALTER TABLE recon.run
    ADD COLUMN run_kind text CHECK (run_kind IN ('full', 'incremental')),
    ADD COLUMN full_reason text,
    ADD COLUMN scopes_checked integer;
COMMENT ON COLUMN recon.run.run_kind IS
  'full: every check over all the data; incremental: the contracts and vouchers changed since the last run, the '
  'other findings carried forward. NULL for a failed run and for runs before incremental runs existed.';
COMMENT ON COLUMN recon.run.full_reason IS 'Why a full run was full (one line); NULL for an incremental run.';
COMMENT ON COLUMN recon.run.scopes_checked IS
  'Contracts and vouchers an incremental run re-checked; for a full run, every contract.';

-- Single-column indexes the scope expansion looks rows up by (recon/scope.sql).
CREATE INDEX projcdsactualsimport_contractid_idx ON fno.projcdsactualsimport (contractid);
CREATE INDEX projcdsactualsimport_invoiceid_idx ON fno.projcdsactualsimport (invoiceid);
CREATE INDEX projcdsactualsimport_journalline_idx ON fno.projcdsactualsimport (projadvancedjournalline);
CREATE INDEX projproposaljour_contract_only_idx ON fno.projproposaljour (projinvoiceprojid);
CREATE INDEX projproposaljour_projinvoiceid_only_idx ON fno.projproposaljour (projinvoiceid);
CREATE INDEX projproposaljour_ledgervoucher_idx ON fno.projproposaljour (ledgervoucher);
CREATE INDEX projproposalline_proposalid_only_idx ON fno.projproposalline (proposalid);
CREATE INDEX projproposalline_transid_only_idx ON fno.projproposalline (transid);
CREATE INDEX projinvoicejour_proposalid_only_idx ON fno.projinvoicejour (proposalid);
CREATE INDEX projinvoicejour_contract_only_idx ON fno.projinvoicejour (projinvoiceprojid);
CREATE INDEX projinvoiceline_projinvoiceid_only_idx ON fno.projinvoiceline (projinvoiceid);
CREATE INDEX projinvoiceline_transid_only_idx ON fno.projinvoiceline (transid);
CREATE INDEX projpostedtranstable_transid_only_idx ON fno.projpostedtranstable (transid);
CREATE INDEX custtrans_invoice_only_idx ON fno.custtrans (invoice);

GRANT SELECT ON recon.raw_finding, recon.state, recon.setting, recon.dirty TO tieout_analyst;
