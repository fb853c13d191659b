-- 0008_scenario_faults.sql
-- The record of faults `tieout faults` planted in a scenario on purpose (the demo), so a planted mismatch is never
-- mistaken for a real one and each fault is planted once per database.
-- Applied by the tieout migrator in one transaction (no BEGIN/COMMIT here).

CREATE TABLE process.scenario_fault (
    name        text PRIMARY KEY,
    category    text NOT NULL,
    record      text NOT NULL,
    description text NOT NULL,
    injected_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE process.scenario_fault IS
  'Faults planted on purpose by tieout faults (the make demo showcase): one row per fault, planted at most once per '
  'database. The reconciliation should report each with its category.';
COMMENT ON COLUMN process.scenario_fault.name IS 'Fault name (tieout faults --list).';
COMMENT ON COLUMN process.scenario_fault.category IS 'The reconciliation category it should produce (recon.category).';
COMMENT ON COLUMN process.scenario_fault.record IS 'The record it was planted on (invoice number, actual id, voucher, ...).';
COMMENT ON COLUMN process.scenario_fault.description IS 'What was done, in words.';
COMMENT ON COLUMN process.scenario_fault.injected_at IS 'When it was planted.';
