-- recon/views.sql
-- Views analysts query.

-- Plain views (no security_invoker): they read recon, dataverse and fno with their owner's rights, so
-- tieout_analyst needs SELECT on the views only. Views have no order; add ORDER BY to the query.

-- The latest succeeded run of each scope: all legal entities (legal_entity NULL) is one scope, each legal entity
-- a run was limited to is another. The unique index run_as_of_scope_key keeps as_of unique per scope; run_id
-- breaks ties anyway.
CREATE OR REPLACE VIEW recon.latest_run AS
SELECT DISTINCT ON (coalesce(r.legal_entity, ''))
       r.run_id, r.as_of, r.started_at, r.finished_at, r.status, r.legal_entity, r.grace, r.previous_run_id,
       r.findings, r.errors, r.warnings, r.infos, r.in_flight, r.new_findings, r.still_open, r.resolved,
       r.settings, r.error
  FROM recon.run r
 WHERE r.status = 'succeeded'
 ORDER BY coalesce(r.legal_entity, ''), r.as_of DESC, r.run_id DESC;

COMMENT ON VIEW recon.latest_run IS
  'The latest succeeded run per scope: one row for the runs over all legal entities (legal_entity NULL) and one per '
  'legal entity a run was limited to; latest = highest as_of, then highest run_id. Failed runs never appear. Join '
  'recon.finding on run_id for its findings; the counts are the same as in recon.run.';
COMMENT ON COLUMN recon.latest_run.run_id IS 'Run number (recon.run.run_id); join recon.finding.run_id on it.';
COMMENT ON COLUMN recon.latest_run.as_of IS
  'The run''s clock: ages, the grace window and thresholds are measured against it; records created after it are '
  'left out of the checks.';
COMMENT ON COLUMN recon.latest_run.started_at IS 'When the run started (wall clock).';
COMMENT ON COLUMN recon.latest_run.finished_at IS 'When the run finished (wall clock).';
COMMENT ON COLUMN recon.latest_run.status IS 'Always succeeded here.';
COMMENT ON COLUMN recon.latest_run.legal_entity IS
  'The scope: the legal entity (dataareaid) the run was limited to, NULL for the runs over all legal entities.';
COMMENT ON COLUMN recon.latest_run.grace IS 'Grace window: mismatches on records younger than this are IN_FLIGHT.';
COMMENT ON COLUMN recon.latest_run.previous_run_id IS
  'The succeeded run of the same scope with the latest earlier as-of (new, still open and resolved are counted '
  'against it); NULL for the first run of the scope.';
COMMENT ON COLUMN recon.latest_run.findings IS 'Number of findings.';
COMMENT ON COLUMN recon.latest_run.errors IS 'Findings with severity E. Non-zero made tieout recon run exit with 1.';
COMMENT ON COLUMN recon.latest_run.warnings IS 'Findings with severity W (IN_FLIGHT included).';
COMMENT ON COLUMN recon.latest_run.infos IS 'Findings with severity I.';
COMMENT ON COLUMN recon.latest_run.in_flight IS 'Findings with category IN_FLIGHT.';
COMMENT ON COLUMN recon.latest_run.new_findings IS 'Findings the previous run did not have.';
COMMENT ON COLUMN recon.latest_run.still_open IS 'Findings the previous run had too.';
COMMENT ON COLUMN recon.latest_run.resolved IS 'Findings of the previous run that this run no longer has.';
COMMENT ON COLUMN recon.latest_run.settings IS
  'The settings the run used (tolerances per currency, thresholds) as JSON, e.g. settings -> ''tolerance''.';
COMMENT ON COLUMN recon.latest_run.error IS 'Always NULL here (only failed runs have an error).';

-- The review state of every finding of every run: the latest change recorded for it (recon.review_event) while it
-- has stayed open, i.e. since the run that first reported it (first_seen_run_id); open and NULLs when never reviewed.
CREATE OR REPLACE VIEW recon.finding_review AS
SELECT f.run_id, f.finding_no, f.finding_key,
       coalesce(e.new_status, 'open') AS status,
       e.new_assignee AS assignee,
       n.note,
       e.reviewed_by,
       e.reviewed_at,
       coalesce(e.changes, 0) AS changes
  FROM recon.finding f
  LEFT JOIN LATERAL (SELECT l.new_status, l.new_assignee, l.reviewed_by, l.reviewed_at,
                            (SELECT count(*) FROM recon.review_event c
                              WHERE c.finding_key = f.finding_key AND c.first_seen_run_id = f.first_seen_run_id)
                                AS changes
                       FROM recon.review_event l
                      WHERE l.finding_key = f.finding_key AND l.first_seen_run_id = f.first_seen_run_id
                      ORDER BY l.event_id DESC
                      LIMIT 1) e ON true
  LEFT JOIN LATERAL (SELECT l.note FROM recon.review_event l
                      WHERE l.finding_key = f.finding_key AND l.first_seen_run_id = f.first_seen_run_id
                        AND l.note IS NOT NULL
                      ORDER BY l.event_id DESC
                      LIMIT 1) n ON true;

COMMENT ON VIEW recon.finding_review IS
  'The review state of each finding of each run (join recon.finding on run_id, finding_no): the latest change made '
  'with recon.review (tieout recon review) since the finding was first reported in its current open stretch '
  '(finding_key, first_seen_run_id), so it carries over to every later run that still reports it. A finding that '
  'resolves keeps its state in the runs that reported it; if the same mismatch comes back it starts open again. The '
  'whole trail is recon.review_event.';
COMMENT ON COLUMN recon.finding_review.run_id IS 'The run (recon.finding.run_id).';
COMMENT ON COLUMN recon.finding_review.finding_no IS 'The finding''s number in the run (recon.finding.finding_no).';
COMMENT ON COLUMN recon.finding_review.finding_key IS 'Identity of the mismatch across runs.';
COMMENT ON COLUMN recon.finding_review.status IS
  'open (never reviewed, or set back), investigating, explained, fixed-awaiting-sync or false-positive. A review '
  'never changes a finding''s severity: a false-positive error still counts in the run''s exit code.';
COMMENT ON COLUMN recon.finding_review.assignee IS 'Who is working on it; NULL for nobody.';
COMMENT ON COLUMN recon.finding_review.note IS 'The latest review note; NULL when none was given.';
COMMENT ON COLUMN recon.finding_review.reviewed_by IS 'Who made the latest change (--as); NULL when never reviewed.';
COMMENT ON COLUMN recon.finding_review.reviewed_at IS 'When the latest change was made.';
COMMENT ON COLUMN recon.finding_review.changes IS 'How many changes the trail holds for it.';

-- The findings of the latest succeeded run over all runs: highest as_of, then highest run_id. That is the
-- latest run of whatever scope ran last; use recon.latest_run to pick a scope.
CREATE OR REPLACE VIEW recon.open_findings AS
SELECT f.run_id, f.finding_no, f.category, f.severity, f.stage, f.underlying_category, f.invoicenumber,
       f.proposalid, f.actualid, f.transid, f.voucher, f.field, f.expected, f.actual, f.difference, f.amount,
       f.currency, f.dataareaid, f.since, f.first_seen_run_id, f.age_days, f.detail, f.finding_key,
       f.first_seen_run_id = f.run_id AS is_new,
       r.as_of, f.contract, f.period, f.customer_account, f.customer_name, f.project,
       v.status AS review_status, v.assignee
  FROM (SELECT run_id, as_of
          FROM recon.run
         WHERE status = 'succeeded'
         ORDER BY as_of DESC, run_id DESC
         LIMIT 1) r
  JOIN recon.finding f ON f.run_id = r.run_id
  JOIN recon.finding_review v ON v.run_id = f.run_id AND v.finding_no = f.finding_no;

COMMENT ON VIEW recon.open_findings IS
  'What is wrong now: every finding of the latest succeeded run (highest as_of, then highest run_id, whatever its '
  'legal-entity scope), with is_new and the run''s as_of. Empty until a run succeeded. For a trend or another run '
  'use recon.finding, recon.summary or recon.finding_changes with a run_id.';
COMMENT ON COLUMN recon.open_findings.run_id IS 'The run that reported it: the latest succeeded run (recon.run).';
COMMENT ON COLUMN recon.open_findings.finding_no IS 'Position in the run, in category, key order: 1, 2, ...';
COMMENT ON COLUMN recon.open_findings.category IS
  'Catalogue code (recon.category); IN_FLIGHT when the record is younger than the grace window.';
COMMENT ON COLUMN recon.open_findings.severity IS 'E error, W warning or timing, I information.';
COMMENT ON COLUMN recon.open_findings.stage IS
  'Stage of the flow (recon.category.stage of the underlying category): header, lines, dataverse, posting.';
COMMENT ON COLUMN recon.open_findings.underlying_category IS
  'The catalogue code of the mismatch; equal to category except for IN_FLIGHT findings, where it says what the '
  'finding will be reported as once older than the grace window.';
COMMENT ON COLUMN recon.open_findings.invoicenumber IS
  'Dataverse proforma invoice number (dataverse.invoice.invoicenumber; recon.invoice_pipeline.invoicenumber).';
COMMENT ON COLUMN recon.open_findings.proposalid IS 'F&O invoice proposal id (fno.projproposaljour.proposalid).';
COMMENT ON COLUMN recon.open_findings.actualid IS
  'Actual id (dataverse.msdyn_actual.msdyn_actualid = staging actualid).';
COMMENT ON COLUMN recon.open_findings.transid IS 'F&O project transaction id (proposal line, posted transaction).';
COMMENT ON COLUMN recon.open_findings.voucher IS 'Ledger voucher.';
COMMENT ON COLUMN recon.open_findings.field IS 'The compared field that differs, when the finding is about one field.';
COMMENT ON COLUMN recon.open_findings.expected IS 'The value the source of truth says, as text (amounts exact).';
COMMENT ON COLUMN recon.open_findings.actual IS 'The value found, as text (amounts exact).';
COMMENT ON COLUMN recon.open_findings.difference IS 'actual - expected, when both are amounts (in currency).';
COMMENT ON COLUMN recon.open_findings.amount IS
  'The money at stake, in currency: the amount of a missing record, or the absolute difference. NULL when the '
  'finding is not about money. Sum it per currency only.';
COMMENT ON COLUMN recon.open_findings.currency IS 'ISO currency code of expected, actual, difference and amount.';
COMMENT ON COLUMN recon.open_findings.dataareaid IS 'Legal entity (F&O company id).';
COMMENT ON COLUMN recon.open_findings.since IS
  'When the record behind the finding last changed: its age, the grace window and thresholds count from here.';
COMMENT ON COLUMN recon.open_findings.first_seen_run_id IS
  'The first run of an unbroken series of runs that reported it; recon.run.as_of of that run says since when it '
  'is reported.';
COMMENT ON COLUMN recon.open_findings.age_days IS
  'Days from since to the run''s as-of, 2 decimals (recon.aging buckets it).';
COMMENT ON COLUMN recon.open_findings.detail IS 'One line for people: what is wrong and, for waiting records, why.';
COMMENT ON COLUMN recon.open_findings.finding_key IS
  'Identity of the mismatch across runs: md5 of the underlying category, the keys and the field.';
COMMENT ON COLUMN recon.open_findings.is_new IS
  'true when this run is the first to report it (first_seen_run_id = run_id), false when earlier runs did too.';
COMMENT ON COLUMN recon.open_findings.as_of IS 'The as-of of the run (recon.run.as_of): the findings are as of then.';
COMMENT ON COLUMN recon.open_findings.contract IS
  'Project contract id the finding concerns (for CONTROL_TOTAL_MISMATCH the one the control total is about).';
COMMENT ON COLUMN recon.open_findings.period IS 'First day of the accounting period a ledger control total is about.';
COMMENT ON COLUMN recon.open_findings.customer_account IS
  'Customer account number of the finding''s contract or records.';
COMMENT ON COLUMN recon.open_findings.customer_name IS 'Name of that customer account.';
COMMENT ON COLUMN recon.open_findings.project IS 'Project number of the finding''s actual or transaction.';
COMMENT ON COLUMN recon.open_findings.review_status IS
  'Review status (recon.finding_review): open, investigating, explained, fixed-awaiting-sync or false-positive.';
COMMENT ON COLUMN recon.open_findings.assignee IS 'Who is working on it (recon.finding_review); NULL for nobody.';

-- Counts and money per run, category, severity, legal entity and currency. stage is the category's
-- (recon.category.stage), so IN_FLIGHT is timing and the row stays one per category.
CREATE OR REPLACE VIEW recon.summary AS
SELECT f.run_id,
       r.as_of,
       f.category,
       f.severity,
       c.stage,
       f.dataareaid,
       count(*) AS findings,
       count(*) FILTER (WHERE f.first_seen_run_id = f.run_id) AS new_findings,
       coalesce(sum(f.amount), 0) AS amount,
       f.currency
  FROM recon.finding f
  JOIN recon.run r ON r.run_id = f.run_id
  JOIN recon.category c ON c.category = f.category
 GROUP BY f.run_id, r.as_of, f.category, c.category, f.severity, f.dataareaid, f.currency;

COMMENT ON VIEW recon.summary IS
  'The findings of every run counted per category, severity, legal entity and currency: one row per run_id, '
  'category, severity, dataareaid, currency with findings. Filter on run_id (recon.latest_run gives the latest per '
  'scope); a category without findings in a run has no row. Amounts are per currency, never mixed.';
COMMENT ON COLUMN recon.summary.run_id IS 'The run (recon.run.run_id); filter on it.';
COMMENT ON COLUMN recon.summary.as_of IS 'The run''s as-of (recon.run.as_of), for trends over runs.';
COMMENT ON COLUMN recon.summary.category IS 'Catalogue code (recon.category), IN_FLIGHT included.';
COMMENT ON COLUMN recon.summary.severity IS
  'E error, W warning or timing, I information. One category can appear with two severities (e.g. '
  'STAGED_NOT_IMPORTED is W, then E past its threshold).';
COMMENT ON COLUMN recon.summary.stage IS
  'Stage of the category (recon.category.stage): header, lines, dataverse, posting, or timing for IN_FLIGHT.';
COMMENT ON COLUMN recon.summary.dataareaid IS 'Legal entity; NULL for findings that have none.';
COMMENT ON COLUMN recon.summary.findings IS 'Number of findings.';
COMMENT ON COLUMN recon.summary.new_findings IS
  'Findings this run reports for the first time (first_seen_run_id = run_id).';
COMMENT ON COLUMN recon.summary.amount IS
  'Sum of the findings'' amount (money at stake) in currency, findings without an amount left out; 0 when none has '
  'one.';
COMMENT ON COLUMN recon.summary.currency IS
  'ISO currency code of amount; NULL for findings that are not about money (e.g. a duplicate proposal).';

-- What changed from the previous run to each succeeded run R (previous_run_id P): findings of R are new (their
-- finding_key is not in P) or open (it is), findings of P whose key is not in R are resolved. Resolved rows carry
-- P's finding columns and R's run_id. A run without a previous run has only new findings.
CREATE OR REPLACE VIEW recon.finding_changes AS
SELECT r.run_id,
       CASE WHEN EXISTS (SELECT FROM recon.finding p
                          WHERE p.run_id = r.previous_run_id AND p.finding_key = f.finding_key)
            THEN 'open' ELSE 'new' END AS change,
       f.category, f.underlying_category, f.severity, f.invoicenumber, f.proposalid, f.actualid, f.transid,
       f.voucher, f.field, f.amount, f.currency, f.dataareaid, f.finding_key, f.contract, f.customer_account,
       f.customer_name, f.project
  FROM recon.run r
  JOIN recon.finding f ON f.run_id = r.run_id
 WHERE r.status = 'succeeded'
UNION ALL
SELECT r.run_id,
       'resolved',
       p.category, p.underlying_category, p.severity, p.invoicenumber, p.proposalid, p.actualid, p.transid,
       p.voucher, p.field, p.amount, p.currency, p.dataareaid, p.finding_key, p.contract, p.customer_account,
       p.customer_name, p.project
  FROM recon.run r
  JOIN recon.finding p ON p.run_id = r.previous_run_id
 WHERE r.status = 'succeeded'
   AND NOT EXISTS (SELECT FROM recon.finding f WHERE f.run_id = r.run_id AND f.finding_key = p.finding_key);

COMMENT ON VIEW recon.finding_changes IS
  'Per succeeded run, how its findings compare with its previous run (recon.run.previous_run_id, same scope): '
  'new (not in the previous run), open (in both) and resolved (in the previous run, gone now; shown with the '
  'previous run''s values). Counts per change match recon.run new_findings, still_open and resolved. Filter on '
  'run_id; join recon.finding on (run_id, finding_key) for the other columns of new and open rows.';
COMMENT ON COLUMN recon.finding_changes.run_id IS
  'The run compared with its previous run; also on resolved rows, which come from the previous run.';
COMMENT ON COLUMN recon.finding_changes.change IS
  'new: this run reports it and the previous run did not (every finding of a run without a previous run); open: '
  'both report it; resolved: the previous run reported it and this run does not.';
COMMENT ON COLUMN recon.finding_changes.category IS
  'Catalogue code (recon.category); IN_FLIGHT when the record was younger than the grace window. An IN_FLIGHT '
  'finding that grew old is open, not new: the key follows underlying_category.';
COMMENT ON COLUMN recon.finding_changes.underlying_category IS
  'The catalogue code of the mismatch; equal to category except for IN_FLIGHT findings.';
COMMENT ON COLUMN recon.finding_changes.severity IS
  'E error, W warning or timing, I information (of the previous run for resolved rows).';
COMMENT ON COLUMN recon.finding_changes.invoicenumber IS 'Dataverse proforma invoice number.';
COMMENT ON COLUMN recon.finding_changes.proposalid IS 'F&O invoice proposal id.';
COMMENT ON COLUMN recon.finding_changes.actualid IS 'Actual id (dataverse.msdyn_actual.msdyn_actualid).';
COMMENT ON COLUMN recon.finding_changes.transid IS 'F&O project transaction id.';
COMMENT ON COLUMN recon.finding_changes.voucher IS 'Ledger voucher.';
COMMENT ON COLUMN recon.finding_changes.field IS
  'The compared field that differs, when the finding is about one field.';
COMMENT ON COLUMN recon.finding_changes.amount IS
  'The money at stake, in currency (for resolved rows as the previous run saw it); NULL when not about money.';
COMMENT ON COLUMN recon.finding_changes.currency IS 'ISO currency code of amount.';
COMMENT ON COLUMN recon.finding_changes.dataareaid IS 'Legal entity.';
COMMENT ON COLUMN recon.finding_changes.finding_key IS
  'Identity of the mismatch across runs (recon.finding.finding_key); new, open and resolved are decided on it.';
COMMENT ON COLUMN recon.finding_changes.contract IS 'Project contract id the finding concerns.';
COMMENT ON COLUMN recon.finding_changes.customer_account IS
  'Customer account number of the finding''s contract or records.';
COMMENT ON COLUMN recon.finding_changes.customer_name IS 'Name of that customer account.';
COMMENT ON COLUMN recon.finding_changes.project IS 'Project number of the finding''s actual or transaction.';

-- The age buckets findings are counted in: [low, high) days of age_days, the last one open-ended.
CREATE OR REPLACE FUNCTION recon.age_buckets()
RETURNS TABLE (bucket text, bucket_order integer, low numeric, high numeric)
LANGUAGE sql IMMUTABLE AS $$
    VALUES ('0-1', 1, 0, 1), ('1-3', 2, 1, 3), ('3-7', 3, 3, 7), ('7-30', 4, 7, 30), ('30+', 5, 30, NULL)
$$;
COMMENT ON FUNCTION recon.age_buckets() IS
  'The age buckets of recon.aging and the HTML report: a finding is in the bucket with low <= age_days < high '
  '(high NULL: no upper bound); bucket_order sorts them.';

-- How long the open findings have been waiting, in buckets of age_days.
CREATE OR REPLACE VIEW recon.aging AS
SELECT o.category,
       o.severity,
       o.dataareaid,
       b.bucket,
       b.bucket_order,
       count(*) AS findings,
       coalesce(sum(o.amount), 0) AS amount,
       o.currency
  FROM recon.open_findings o
  JOIN recon.age_buckets() b ON o.age_days >= b.low AND (b.high IS NULL OR o.age_days < b.high)
 GROUP BY o.category, o.severity, o.dataareaid, o.currency, b.bucket, b.bucket_order;

COMMENT ON VIEW recon.aging IS
  'The open findings (recon.open_findings, the latest succeeded run) counted per category, severity, legal entity, '
  'currency and age bucket: how long mismatches have been waiting, measured by age_days from the record''s last change to '
  'the run''s as-of. ORDER BY bucket_order; a bucket without findings has no row.';
COMMENT ON COLUMN recon.aging.category IS 'Catalogue code (recon.category), IN_FLIGHT included.';
COMMENT ON COLUMN recon.aging.severity IS 'E error, W warning or timing, I information.';
COMMENT ON COLUMN recon.aging.dataareaid IS 'Legal entity; NULL for findings that have none.';
COMMENT ON COLUMN recon.aging.bucket IS
  'Age bucket in days, lower bound included, upper excluded: 0-1, 1-3, 3-7, 7-30, 30+ (30 days or more).';
COMMENT ON COLUMN recon.aging.bucket_order IS 'Sort key of bucket: 1 for 0-1 up to 5 for 30+.';
COMMENT ON COLUMN recon.aging.findings IS 'Number of open findings in the bucket.';
COMMENT ON COLUMN recon.aging.amount IS
  'Sum of their amount (money at stake) in currency, findings without one left out, 0 when none has one.';
COMMENT ON COLUMN recon.aging.currency IS 'ISO currency code of amount; NULL for findings not about money.';

-- Where every proforma is in the flow, live from dataverse and fno (not from a run). The F&O side is aggregated
-- per proposalid first and joined by hash, so the view is one row per invoice even with duplicate proposals and
-- reads each table once; a filter on invoicenumber is pushed into the aggregates.
CREATE OR REPLACE VIEW recon.invoice_pipeline AS
SELECT i.invoicenumber,
       i.invoiceid,
       so.ordernumber AS contract,
       i.isocurrencycode AS currency,
       i.msdyn_projectinvoicestatus AS status,
       CASE i.msdyn_projectinvoicestatus
            WHEN optionset.code('projectinvoicestatus', 'Draft') THEN 'Draft'
            WHEN optionset.code('projectinvoicestatus', 'In Review') THEN 'In Review'
            WHEN optionset.code('projectinvoicestatus', 'Confirmed') THEN 'Confirmed'
            WHEN optionset.code('projectinvoicestatus', 'Invoice Paid') THEN 'Invoice Paid'
            WHEN optionset.code('projectinvoicestatus', 'Posted') THEN 'Posted' END AS status_name,
       i.totallineitemamount AS amount_before_tax,
       s.confirmed,
       s.proposal,
       coalesce(pj.proposals, 0) AS proposals,
       coalesce(pl.lines, 0) AS proposal_lines,
       pj.amount AS proposal_amount,
       s.posted,
       coalesce(pj.projinvoiceid, ij.projinvoiceid) AS projinvoiceid,
       s.written_back,
       CASE WHEN s.written_back THEN 'written back'
            WHEN s.posted THEN 'posted'
            WHEN pl.lines > 0 THEN 'lines'
            WHEN s.proposal THEN 'proposal'
            WHEN s.confirmed THEN 'confirmed'
            ELSE 'draft' END AS stage
  FROM dataverse.invoice i
  LEFT JOIN dataverse.salesorder so ON so.salesorderid = i.salesorderid
  LEFT JOIN (SELECT proposalid, count(*) AS proposals, sum(salesorderbalance) AS amount,
                    min(projinvoiceid) AS projinvoiceid
               FROM fno.projproposaljour
              GROUP BY proposalid) pj ON pj.proposalid = i.invoicenumber
  LEFT JOIN (SELECT proposalid, count(*) AS lines
               FROM fno.projproposalline
              GROUP BY proposalid) pl ON pl.proposalid = i.invoicenumber
  LEFT JOIN (SELECT proposalid, min(projinvoiceid) AS projinvoiceid
               FROM fno.projinvoicejour
              GROUP BY proposalid) ij ON ij.proposalid = i.invoicenumber
 CROSS JOIN LATERAL (
       SELECT i.msdyn_projectinvoicestatus
                  = ANY (optionset.codes('projectinvoicestatus', 'Confirmed', 'Invoice Paid', 'Posted')) AS confirmed,
              pj.proposalid IS NOT NULL AS proposal,
              pj.projinvoiceid IS NOT NULL OR ij.proposalid IS NOT NULL AS posted,
              i.msdyn_customerinvoicenumber IS NOT NULL
                AND i.msdyn_projectinvoicestatus
                    = ANY (optionset.codes('projectinvoicestatus', 'Invoice Paid', 'Posted'))
                    AS written_back) s;

COMMENT ON VIEW recon.invoice_pipeline IS
  'Where every Dataverse proforma invoice is in the flow, read live from the dataverse and fno tables (not from a '
  'run, so it can show what the next run will find): one row per dataverse.invoice with its status, the F&O '
  'proposal, proposal lines and posted invoice that carry its number (proposalid = invoicenumber, any legal '
  'entity), the write-back, and stage, the furthest step reached. E.g. count(*) GROUP BY stage, or confirmed and '
  'NOT proposal for proformas still waiting for their proposal.';
COMMENT ON COLUMN recon.invoice_pipeline.invoicenumber IS
  'Proforma invoice number (dataverse.invoice.invoicenumber); the F&O proposal id is the same number.';
COMMENT ON COLUMN recon.invoice_pipeline.invoiceid IS 'Proforma invoice id (dataverse.invoice.invoiceid).';
COMMENT ON COLUMN recon.invoice_pipeline.contract IS
  'Project contract number (dataverse.salesorder.ordernumber; the F&O contract id projinvoiceprojid).';
COMMENT ON COLUMN recon.invoice_pipeline.currency IS 'ISO currency code of the proforma (and of its amounts).';
COMMENT ON COLUMN recon.invoice_pipeline.status IS
  'Proforma status code (msdyn_projectinvoicestatus): 192350000 Draft, 192350001 In Review, 192350002 Confirmed, '
  '192350003 Invoice Paid, 192350004 Posted.';
COMMENT ON COLUMN recon.invoice_pipeline.status_name IS
  'Name of status: Draft, In Review, Confirmed, Invoice Paid or Posted.';
COMMENT ON COLUMN recon.invoice_pipeline.amount_before_tax IS
  'Proforma total before tax (totallineitemamount = sum of chargeable line amounts), in currency.';
COMMENT ON COLUMN recon.invoice_pipeline.confirmed IS
  'true when the proforma is Confirmed, Invoice Paid or Posted (read-only, sent to F&O unless nothing is '
  'chargeable).';
COMMENT ON COLUMN recon.invoice_pipeline.proposal IS
  'true when at least one F&O invoice proposal (fno.projproposaljour) has proposalid = invoicenumber.';
COMMENT ON COLUMN recon.invoice_pipeline.proposals IS
  'Number of invoice proposals with that proposalid: 0, 1, or more for a duplicate (DUPLICATE_PROPOSAL).';
COMMENT ON COLUMN recon.invoice_pipeline.proposal_lines IS
  'Number of proposal lines (fno.projproposalline) with that proposalid, over all legal entities; 0 while Import '
  'from staging waits for the billed sales.';
COMMENT ON COLUMN recon.invoice_pipeline.proposal_amount IS
  'Proposal amount before tax (fno.projproposaljour.salesorderbalance), in the proposal currency; summed over '
  'duplicate proposals; NULL without a proposal. 0.00 until the lines are imported. Compare with amount_before_tax.';
COMMENT ON COLUMN recon.invoice_pipeline.posted IS
  'true when the proposal was posted: it has a projinvoiceid or a posted invoice (fno.projinvoicejour) carries '
  'the proposalid.';
COMMENT ON COLUMN recon.invoice_pipeline.projinvoiceid IS
  'The F&O project invoice id the proposal was posted as (from the proposal, else from fno.projinvoicejour; the '
  'lowest when there are several); NULL until posted.';
COMMENT ON COLUMN recon.invoice_pipeline.written_back IS
  'true when the posted-invoice write-back reached the proforma: msdyn_customerinvoicenumber is set and the status '
  'is Posted or Invoice Paid.';
COMMENT ON COLUMN recon.invoice_pipeline.stage IS
  'Furthest step reached, in flow order: draft, confirmed, proposal (header in F&O), lines (proposal has lines), '
  'posted, written back. A later step counts even when an earlier one is missing (e.g. posted without lines).';

GRANT SELECT ON recon.latest_run, recon.open_findings, recon.summary, recon.finding_changes, recon.aging,
                recon.invoice_pipeline, recon.finding_review
   TO tieout_analyst;
