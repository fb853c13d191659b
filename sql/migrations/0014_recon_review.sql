-- 0014_recon_review.sql
-- Findings people can work (docs/reconciliation.md, "Working the findings"): every finding says whose money it is
-- (customer, contract, project), reviewers record a status, an assignee and notes that stay with a finding while it
-- stays open, every review is kept in an audit trail nobody but the owner can change, and a run can be signed off.
-- The run records how many actuals its checks read. The functions are in recon/review.sql.
-- Applied by the tieout migrator in one transaction (no BEGIN/COMMIT here).

ALTER TABLE recon.finding
    ADD COLUMN customer_account text,
    ADD COLUMN customer_name text,
    ADD COLUMN project text;
COMMENT ON COLUMN recon.finding.contract IS
  'Project contract (dataverse.salesorder.ordernumber = fno.projinvoicetable.projinvoiceprojid) the finding concerns: '
  'the one a control total is about, else the contract of the records it names; NULL when none is known.';
COMMENT ON COLUMN recon.finding.customer_account IS
  'Customer account number (dataverse.account.accountnumber = F&O invoice account) of the finding''s contract, else '
  'of its proposal, posted invoice or staging row; NULL when none is known.';
COMMENT ON COLUMN recon.finding.customer_name IS 'Name of the customer account (dataverse.account.name).';
COMMENT ON COLUMN recon.finding.project IS
  'Project number (dataverse.msdyn_project.msdyn_projectnumber = F&O projid) of the finding''s actual or transaction; '
  'NULL when the finding is not about one.';

ALTER TABLE recon.run ADD COLUMN actuals_checked bigint;
COMMENT ON COLUMN recon.run.actuals_checked IS
  'Actuals (dataverse.msdyn_actual) the checks read: all of them in a full run, those of the re-checked scopes in an '
  'incremental one. NULL for runs from before it was counted.';

------------------------------------------------------------------------------------------------
-- Review
------------------------------------------------------------------------------------------------
-- A finding is open from the run that first reports it until a run no longer does: its identity is finding_key
-- and first_seen_run_id together. A review belongs to that stretch: it carries over to every run that still reports
-- the finding, and when the finding resolves it stays as history (the same mismatch turning up again later starts
-- a new stretch, unreviewed).
CREATE TABLE recon.review_event (
    event_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    finding_key       text NOT NULL,
    first_seen_run_id bigint NOT NULL,
    run_id            bigint NOT NULL,
    finding_no        integer NOT NULL,
    reviewed_at       timestamptz NOT NULL,
    reviewed_by       text NOT NULL CHECK (btrim(reviewed_by) <> ''),
    db_user           text NOT NULL,
    old_status        text NOT NULL,
    new_status        text NOT NULL CHECK (new_status IN ('open', 'investigating', 'explained', 'fixed-awaiting-sync',
                                                          'false-positive')),
    old_assignee      text,
    new_assignee      text,
    note              text CHECK (btrim(note) <> '')
);
CREATE INDEX review_event_finding_idx ON recon.review_event (finding_key, first_seen_run_id, event_id);

COMMENT ON TABLE recon.review_event IS
  'The audit trail of reviews: one row per change made with recon.review (tieout recon review), never updated or '
  'deleted (only the owner could). A finding''s review state is its latest row (recon.finding_review).';
COMMENT ON COLUMN recon.review_event.event_id IS 'Position in the trail, increasing.';
COMMENT ON COLUMN recon.review_event.finding_key IS 'The finding reviewed (recon.finding.finding_key).';
COMMENT ON COLUMN recon.review_event.first_seen_run_id IS
  'The run that first reported it: with finding_key, the open stretch the review belongs to.';
COMMENT ON COLUMN recon.review_event.run_id IS 'The run whose finding the reviewer named.';
COMMENT ON COLUMN recon.review_event.finding_no IS 'The finding''s number in that run.';
COMMENT ON COLUMN recon.review_event.reviewed_at IS 'When the change was made.';
COMMENT ON COLUMN recon.review_event.reviewed_by IS 'Who made it, as they gave their name (--as).';
COMMENT ON COLUMN recon.review_event.db_user IS 'The database login that made it (session_user).';
COMMENT ON COLUMN recon.review_event.old_status IS 'The status before: open when never reviewed.';
COMMENT ON COLUMN recon.review_event.new_status IS
  'The status after: open, investigating, explained, fixed-awaiting-sync or false-positive.';
COMMENT ON COLUMN recon.review_event.old_assignee IS 'The assignee before; NULL for none.';
COMMENT ON COLUMN recon.review_event.new_assignee IS 'The assignee after; NULL for none.';
COMMENT ON COLUMN recon.review_event.note IS 'The note given with the change; NULL for none.';

------------------------------------------------------------------------------------------------
-- Sign-off
------------------------------------------------------------------------------------------------
CREATE TABLE recon.signoff (
    run_id    bigint PRIMARY KEY REFERENCES recon.run (run_id),
    signed_by text NOT NULL CHECK (btrim(signed_by) <> ''),
    signed_at timestamptz NOT NULL,
    db_user   text NOT NULL,
    note      text CHECK (btrim(note) <> '')
);
COMMENT ON TABLE recon.signoff IS
  'Runs signed off as reviewed (recon.signoff, tieout recon signoff): at most one row per run, never updated or '
  'deleted (only the owner could). A run with a sign-off cannot be replaced by a rerun of its as-of.';
COMMENT ON COLUMN recon.signoff.run_id IS 'The run signed off (recon.run).';
COMMENT ON COLUMN recon.signoff.signed_by IS 'Who signed it off, as they gave their name (--as).';
COMMENT ON COLUMN recon.signoff.signed_at IS 'When.';
COMMENT ON COLUMN recon.signoff.db_user IS 'The database login that signed it off (session_user).';
COMMENT ON COLUMN recon.signoff.note IS 'The note given with the sign-off; NULL for none.';

------------------------------------------------------------------------------------------------
-- The reviewer role
------------------------------------------------------------------------------------------------
-- tieout_reviewer reads what tieout_analyst reads and may call recon.review and recon.signoff (granted in
-- recon/review.sql), nothing else: the functions write the trail with their owner's rights, the role itself has no
-- INSERT, UPDATE or DELETE anywhere. Created only when missing, like tieout_analyst (roles are cluster-wide).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tieout_reviewer') THEN
        CREATE ROLE tieout_reviewer NOLOGIN;
        COMMENT ON ROLE tieout_reviewer IS
          'Reviews reconciliation findings and signs off runs (recon.review, recon.signoff) and reads what '
          'tieout_analyst reads; cannot change findings, data or settings. NOLOGIN: grant it to a login role.';
    END IF;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;
GRANT tieout_analyst TO tieout_reviewer;

REVOKE ALL ON recon.review_event, recon.signoff FROM PUBLIC;
GRANT SELECT ON recon.review_event, recon.signoff TO tieout_analyst;
