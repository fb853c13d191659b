-- 0007_recon.sql
-- The nightly reconciliation's results (docs/reconciliation.md): schema recon with the mismatch catalogue, the
-- settings a run uses (tolerances per currency, age thresholds), the run ledger (recon.run) and its findings
-- (recon.finding), and the read-only role tieout_analyst at the end. The checks and the views analysts query are in
-- sql/recon/.
--
-- Names analysts rely on are fixed: extend, never rename (recon.run: run_id, as_of, started_at, finished_at, status;
-- recon.finding: run_id, category, severity, stage, invoicenumber, proposalid, actualid, transid, voucher, expected,
-- actual, difference, currency, dataareaid, first_seen_run_id, age_days).
-- Applied by the tieout migrator in one transaction (no BEGIN/COMMIT here).

CREATE SCHEMA recon;
COMMENT ON SCHEMA recon IS
  'Nightly reconciliation of confirmed proformas, invoice proposals and posted actuals: the mismatch catalogue, the '
  'run ledger, the findings of every run and the views analysts query (docs/reconciliation.md).';

------------------------------------------------------------------------------------------------
-- The mismatch catalogue (docs/domain.md, the mismatch catalogue)
------------------------------------------------------------------------------------------------
CREATE TABLE recon.category (
    category    text PRIMARY KEY,
    severity    text NOT NULL CHECK (severity IN ('E', 'W', 'I')),
    stage       text NOT NULL CHECK (stage IN ('header', 'lines', 'dataverse', 'posting', 'timing')),
    description text NOT NULL
);
COMMENT ON TABLE recon.category IS
  'The mismatch catalogue: one row per stable category code a finding can carry, with its default severity and the '
  'stage of the flow it belongs to. Codes never change meaning; new ones may be added.';
COMMENT ON COLUMN recon.category.category IS 'Stable category code, e.g. CONFIRMED_WITHOUT_PROPOSAL.';
COMMENT ON COLUMN recon.category.severity IS
  'Default severity: E error (exit code 1), W warning or timing, I information.';
COMMENT ON COLUMN recon.category.stage IS
  'Where in the flow the mismatch is: header (proforma and proposal headers), lines (billed sales, staging, '
  'proposal lines), dataverse (consistency inside Dataverse), posting (journals, posted invoices, write-back, '
  'ledger), timing (IN_FLIGHT).';
COMMENT ON COLUMN recon.category.description IS 'What the category means and which invariant it checks.';

INSERT INTO recon.category (category, severity, stage, description) VALUES
  ('CONFIRMED_WITHOUT_PROPOSAL', 'E', 'header',
   'A confirmed proforma that the invoice proposal map sends to F&O has no invoice proposal with proposalid = invoicenumber (I6).'),
  ('PROPOSAL_WITHOUT_CONFIRMED_PROFORMA', 'E', 'header',
   'An invoice proposal has no confirmed proforma with that invoice number: the proforma is missing or still a draft (I6).'),
  ('DUPLICATE_PROPOSAL', 'E', 'header',
   'More than one invoice proposal carries the same proposalid (the same proforma, in several legal entities) (I6).'),
  ('HEADER_ATTRIBUTE_MISMATCH', 'E', 'header',
   'The proposal header disagrees with the proforma as the invoice proposal map sends it: contract, customer, currency or legal entity (field names the one).'),
  ('HEADER_AMOUNT_MISMATCH', 'E', 'header',
   'The proposal amount before tax differs from the proforma''s total before tax by more than the currency''s tolerance (I2, I7).'),
  ('TAX_DIFFERENCE', 'I', 'header',
   'Sales tax differs between the proposal and the posted invoice, or between Dataverse and F&O; tax is recomputed in F&O, so it is reported apart from amounts (I8).'),
  ('POSTED_STATUS_NOT_REFLECTED', 'W', 'header',
   'A posted F&O invoice is not reflected on its Dataverse proforma as the posted-invoice write-back map would write it (status Posted, customer invoice number), or a proforma says Posted for an invoice F&O does not have.'),
  ('PROPOSAL_STUCK_UNPOSTED', 'W', 'header',
   'An invoice proposal is still open after the proposal_stuck threshold; detail gives the reason: no lines, lines waiting, or posting error.'),
  ('ILD_WITHOUT_BILLED_SALES', 'E', 'lines',
   'An invoice line detail of a confirmed proforma has no connected billed-sales actual with the same quantity, amount, class and billing type (I4).'),
  ('BILLED_SALES_WITHOUT_BACKING', 'E', 'lines',
   'A billed-sales actual is not connected to an invoice line detail, or (time and material, not a milestone) to the unbilled sale it bills (I4).'),
  ('BILLED_SALES_NOT_STAGED', 'E', 'lines',
   'A billed-sales actual that the actuals map sends to F&O has no staging row (I7).'),
  ('STAGED_NOT_IMPORTED', 'W', 'lines',
   'A staging row is not processed by Import from staging; detail gives F&O''s reason. An error past the staged_not_imported threshold.'),
  ('PROPOSAL_LINE_SET_MISMATCH', 'E', 'lines',
   'The proposal''s lines and the billed-sales staging rows of its invoice are not the same set of actual ids; detail names the missing and extra ones (I7).'),
  ('PROPOSAL_LINE_AMOUNT_MISMATCH', 'E', 'lines',
   'A proposal line''s quantity, price or amount differs from its billed-sales actual as the actuals map sends it (I7).'),
  ('ORPHAN_PROPOSAL_LINE', 'E', 'lines',
   'A proposal line whose proposal header does not exist, or whose actual id is no billed-sales staging row (I7).'),
  ('DUPLICATE_STAGING_ROW', 'E', 'lines',
   'More than one staging row not flagged isduplicate for one actual id (staging and actuals are 1:1, I7).'),
  ('SKIPPED_RECORD_LEAKED', 'E', 'lines',
   'F&O holds a record the maps do not send: a staging row for a skip-sync actual or an actual Dataverse no longer has, or a proposal for a proforma the proposal map skips (I7).'),
  ('UNBILLED_NOT_REVERSED', 'E', 'dataverse',
   'An unbilled sale billed on a confirmed proforma is not netted to zero by skip-sync reversals of equal and opposite quantity and amount (I5).'),
  ('BILLING_STATUS_INCONSISTENT', 'E', 'dataverse',
   'An actual''s billing status disagrees with the state of the proforma it is on (or with being on none).'),
  ('INVOICE_TOTALS_INCONSISTENT', 'E', 'dataverse',
   'A proforma''s line or header totals are not the sums of its line details, or its lines do not match the contract lines one to one (I1, I2, I3).'),
  ('CORRECTION_CHAIN_BROKEN', 'E', 'dataverse',
   'A corrective invoice line detail does not lead to a confirmed original of the same contract line and class, or an original is corrected twice.'),
  ('UNBILLED_NOT_POSTED', 'W', 'posting',
   'An unbilled sale imported into an integration journal is not posted, so proposals that bill it wait (I9).'),
  ('MISSING_VOUCHER_WRITEBACK', 'W', 'posting',
   'A posted staging row''s voucher has not reached its Dataverse actual, or a posted journal line or invoice did not stamp its staging row. An error past the missing_voucher_writeback threshold (I9).'),
  ('ACCOUNTING_AMOUNT_MISMATCH', 'E', 'posting',
   'The accounting-currency amount differs between the posted transaction, the staging row and the Dataverse actual (I9, I11).'),
  ('WIP_NOT_REVERSED', 'E', 'posting',
   'An unbilled sale billed on a posted invoice is still a posted (not invoiced) transaction: its WIP was not reversed (I10).'),
  ('POSTED_INVOICE_PROPOSAL_MISMATCH', 'E', 'posting',
   'A posted invoice differs from its proposal: amount before tax, or the set or amounts of its lines (I8).'),
  ('UNBALANCED_VOUCHER', 'E', 'posting',
   'A ledger voucher''s accounting-currency amounts do not sum to zero.'),
  ('IN_FLIGHT', 'W', 'timing',
   'A mismatch on a record younger than the run''s grace window: not an error yet; underlying_category says what it will be reported as once older.');

------------------------------------------------------------------------------------------------
-- Settings
------------------------------------------------------------------------------------------------
CREATE TABLE recon.tolerance (
    currencyid text PRIMARY KEY,
    amount     numeric NOT NULL CHECK (amount >= 0)
);
COMMENT ON TABLE recon.tolerance IS
  'Optional absolute tolerance per currency for amount comparisons. A currency without a row compares exactly. '
  'Tax differences are never absorbed by it.';
COMMENT ON COLUMN recon.tolerance.currencyid IS 'ISO currency code (EUR, USD, ...).';
COMMENT ON COLUMN recon.tolerance.amount IS
  'Largest absolute difference, in that currency, that still counts as equal.';

CREATE TABLE recon.threshold (
    name        text PRIMARY KEY,
    age         interval NOT NULL CHECK (age >= interval '0'),
    description text NOT NULL
);
COMMENT ON TABLE recon.threshold IS 'Ages after which a waiting record becomes a finding or a warning becomes an error.';
COMMENT ON COLUMN recon.threshold.name IS 'Threshold name, used by the checks.';
COMMENT ON COLUMN recon.threshold.age IS 'The age (as of the run) at which the threshold applies.';
COMMENT ON COLUMN recon.threshold.description IS 'What the threshold changes.';

INSERT INTO recon.threshold (name, age, description) VALUES
  ('proposal_stuck', interval '3 days',
   'An open invoice proposal older than this is reported PROPOSAL_STUCK_UNPOSTED.'),
  ('staged_not_imported', interval '2 days',
   'STAGED_NOT_IMPORTED is a warning until a staging row is this old, an error after.'),
  ('missing_voucher_writeback', interval '2 days',
   'MISSING_VOUCHER_WRITEBACK is a warning until the posted record is this old, an error after.');

------------------------------------------------------------------------------------------------
-- The run ledger
------------------------------------------------------------------------------------------------
CREATE TABLE recon.run (
    run_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    as_of           timestamptz NOT NULL,
    started_at      timestamptz NOT NULL,
    finished_at     timestamptz,
    status          text NOT NULL CHECK (status IN ('succeeded', 'failed')),
    legal_entity    text,
    grace           interval NOT NULL,
    previous_run_id bigint REFERENCES recon.run (run_id) ON DELETE SET NULL,
    findings        integer NOT NULL DEFAULT 0,
    errors          integer NOT NULL DEFAULT 0,
    warnings        integer NOT NULL DEFAULT 0,
    infos           integer NOT NULL DEFAULT 0,
    in_flight       integer NOT NULL DEFAULT 0,
    new_findings    integer NOT NULL DEFAULT 0,
    still_open      integer NOT NULL DEFAULT 0,
    resolved        integer NOT NULL DEFAULT 0,
    settings        jsonb NOT NULL DEFAULT '{}',
    error           text
);
CREATE UNIQUE INDEX run_as_of_scope_key ON recon.run (as_of, coalesce(legal_entity, '')) WHERE status = 'succeeded';

COMMENT ON TABLE recon.run IS
  'One row per reconciliation run (tieout recon run). A succeeded run and its findings are written in one '
  'transaction; a run that failed leaves only this row, with status failed and the error. Running the same as-of '
  'and legal entity again replaces that run''s findings (same run_id), so a rerun is idempotent.';
COMMENT ON COLUMN recon.run.run_id IS 'Run number, increasing.';
COMMENT ON COLUMN recon.run.as_of IS
  'The run''s clock: ages, the grace window and thresholds are measured against it. It does not travel back in '
  'time: the checks read the data as it is, and a record changed after it counts as younger than the grace window.';
COMMENT ON COLUMN recon.run.started_at IS 'When the run started (wall clock).';
COMMENT ON COLUMN recon.run.finished_at IS 'When the run finished or failed (wall clock).';
COMMENT ON COLUMN recon.run.status IS 'succeeded, or failed (then error says why and the run has no findings).';
COMMENT ON COLUMN recon.run.legal_entity IS 'The legal entity (dataareaid) the run was limited to; NULL for all.';
COMMENT ON COLUMN recon.run.grace IS 'Grace window: mismatches on records younger than this are IN_FLIGHT.';
COMMENT ON COLUMN recon.run.previous_run_id IS
  'The succeeded run of the same legal entity with the latest earlier as-of: new, still open and resolved are '
  'counted against it.';
COMMENT ON COLUMN recon.run.findings IS 'Number of findings.';
COMMENT ON COLUMN recon.run.errors IS 'Findings with severity E. Non-zero makes tieout recon run exit with 1.';
COMMENT ON COLUMN recon.run.warnings IS 'Findings with severity W (IN_FLIGHT included).';
COMMENT ON COLUMN recon.run.infos IS 'Findings with severity I.';
COMMENT ON COLUMN recon.run.in_flight IS 'Findings with category IN_FLIGHT.';
COMMENT ON COLUMN recon.run.new_findings IS 'Findings the previous run did not have.';
COMMENT ON COLUMN recon.run.still_open IS 'Findings the previous run had too.';
COMMENT ON COLUMN recon.run.resolved IS 'Findings of the previous run that this run no longer has.';
COMMENT ON COLUMN recon.run.settings IS
  'The settings the run used: tolerances per currency and thresholds, as JSON, so a run can be explained later.';
COMMENT ON COLUMN recon.run.error IS 'Why a failed run failed (one line, no passwords); NULL when it succeeded.';

CREATE TABLE recon.finding (
    run_id              bigint NOT NULL REFERENCES recon.run (run_id) ON DELETE CASCADE,
    finding_no          integer NOT NULL,
    category            text NOT NULL REFERENCES recon.category (category),
    severity            text NOT NULL CHECK (severity IN ('E', 'W', 'I')),
    stage               text NOT NULL,
    underlying_category text NOT NULL REFERENCES recon.category (category),
    invoicenumber       text,
    proposalid          text,
    actualid            uuid,
    transid             text,
    voucher             text,
    field               text,
    expected            text,
    actual              text,
    difference          numeric,
    amount              numeric,
    currency            text,
    dataareaid          text,
    since               timestamptz,
    first_seen_run_id   bigint NOT NULL,
    age_days            numeric NOT NULL,
    detail              text,
    finding_key         text NOT NULL,
    PRIMARY KEY (run_id, finding_no)
);
CREATE INDEX finding_key_idx ON recon.finding (finding_key, run_id);
CREATE INDEX finding_category_idx ON recon.finding (run_id, category);

COMMENT ON TABLE recon.finding IS
  'One row per mismatch a run found, located by its keys. The same mismatch in a later run has the same '
  'finding_key and keeps first_seen_run_id.';
COMMENT ON COLUMN recon.finding.run_id IS 'The run that reported it (recon.run).';
COMMENT ON COLUMN recon.finding.finding_no IS 'Position in the run, in category, key order: 1, 2, ...';
COMMENT ON COLUMN recon.finding.category IS
  'Catalogue code (recon.category); IN_FLIGHT when the record is younger than the grace window.';
COMMENT ON COLUMN recon.finding.severity IS 'E error, W warning or timing, I information.';
COMMENT ON COLUMN recon.finding.stage IS 'Stage of the flow (recon.category.stage of the underlying category).';
COMMENT ON COLUMN recon.finding.underlying_category IS
  'The catalogue code of the mismatch; equal to category except for IN_FLIGHT findings.';
COMMENT ON COLUMN recon.finding.invoicenumber IS 'Dataverse proforma invoice number (dataverse.invoice.invoicenumber).';
COMMENT ON COLUMN recon.finding.proposalid IS 'F&O invoice proposal id (fno.projproposaljour.proposalid).';
COMMENT ON COLUMN recon.finding.actualid IS 'Actual id (dataverse.msdyn_actual.msdyn_actualid = staging actualid).';
COMMENT ON COLUMN recon.finding.transid IS 'F&O project transaction id (proposal line, posted transaction).';
COMMENT ON COLUMN recon.finding.voucher IS 'Ledger voucher.';
COMMENT ON COLUMN recon.finding.field IS 'The compared field that differs, when the finding is about one field.';
COMMENT ON COLUMN recon.finding.expected IS 'The value the source of truth says, as text (amounts exact).';
COMMENT ON COLUMN recon.finding.actual IS 'The value found, as text (amounts exact).';
COMMENT ON COLUMN recon.finding.difference IS 'actual - expected, when both are amounts.';
COMMENT ON COLUMN recon.finding.amount IS
  'The money at stake, in currency, never negative: the size of a missing record''s amount, or the absolute '
  'difference.';
COMMENT ON COLUMN recon.finding.currency IS 'Currency of expected, actual, difference and amount.';
COMMENT ON COLUMN recon.finding.dataareaid IS 'Legal entity.';
COMMENT ON COLUMN recon.finding.since IS
  'When the record behind the finding last changed: its age, the grace window and thresholds count from here.';
COMMENT ON COLUMN recon.finding.first_seen_run_id IS 'The first run of an unbroken series of runs that reported it.';
COMMENT ON COLUMN recon.finding.age_days IS 'Days from since to the run''s as-of, 2 decimals.';
COMMENT ON COLUMN recon.finding.detail IS 'One line for people: what is wrong and, for waiting records, why.';
COMMENT ON COLUMN recon.finding.finding_key IS
  'Identity of the mismatch across runs: md5 of the underlying category, the keys and the field.';

------------------------------------------------------------------------------------------------
-- Read-only role
------------------------------------------------------------------------------------------------
-- tieout_analyst may read schema recon and nothing else: SELECT on the tables and views listed here (a later
-- migration grants its own objects), no INSERT, UPDATE, DELETE, TRUNCATE, no CREATE in recon. Roles are
-- cluster-wide: the role is created only when missing, so a second database of the cluster migrates too, and
-- the grants below are per database. Creating it needs CREATEROLE; where the migrating user lacks it, an admin
-- creates the role first. The views read dataverse and fno with their owner's rights, so the role needs no grant
-- there. PostgreSQL 15 gives PUBLIC no CREATE on schema public, so the role cannot create tables there either
-- (temporary tables stay allowed).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tieout_analyst') THEN
        CREATE ROLE tieout_analyst NOLOGIN;
        COMMENT ON ROLE tieout_analyst IS
          'Read-only access to the reconciliation (schema recon: tables and views, in every database migrated by '
          'tieout). NOLOGIN: an admin grants it to a login role (GRANT tieout_analyst TO alice) or adds LOGIN.';
    END IF;
EXCEPTION
    -- Another database of the cluster created it concurrently.
    WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

REVOKE CREATE ON SCHEMA recon FROM PUBLIC;
GRANT USAGE ON SCHEMA recon TO tieout_analyst;
GRANT SELECT ON recon.category, recon.tolerance, recon.threshold, recon.run, recon.finding TO tieout_analyst;
