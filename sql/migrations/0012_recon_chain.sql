-- 0012_recon_chain.sql
-- The reconciliation follows every derived record through every stage it reached (docs/reconciliation.md, "The
-- chain"), and ties out control totals per legal entity, contract and currency: new categories, the stage
-- 'control', and the finding columns a control total is located by (contract, period). Checks are in sql/recon/.
-- Applied by the tieout migrator in one transaction (no BEGIN/COMMIT here).

ALTER TABLE recon.category DROP CONSTRAINT category_stage_check;
ALTER TABLE recon.category
    ADD CONSTRAINT category_stage_check CHECK (stage IN ('header', 'lines', 'dataverse', 'posting', 'control', 'timing'));
COMMENT ON COLUMN recon.category.stage IS
  'Where in the flow the mismatch is: header (proforma and proposal headers), lines (billed sales, staging, '
  'proposal lines), dataverse (consistency inside Dataverse), posting (journals, posted transactions, posted '
  'invoices, customer transactions, write-back, ledger), control (control totals per contract), timing (IN_FLIGHT).';

ALTER TABLE recon.finding ADD COLUMN contract text, ADD COLUMN period date;
COMMENT ON COLUMN recon.finding.contract IS
  'Project contract id (fno.projinvoicetable.projinvoiceprojid = dataverse.salesorder.ordernumber) a control total is about.';
COMMENT ON COLUMN recon.finding.period IS
  'First day of the accounting period (month) a control total that involves the ledger is about.';

INSERT INTO recon.category (category, severity, stage, description) VALUES
  ('ACTUAL_NOT_STAGED', 'W', 'lines',
   'An actual the actuals map sends that is neither an unbilled nor a billed sale (a cost, for instance) has no staging row (I7).'),
  ('STAGING_FIELD_MISMATCH', 'E', 'lines',
   'A staging row differs from its actual as the actuals map sends it: legal entity, transaction type, class, billing type, project, contract, contract line, customer, document and accounting date, quantity, unit price, amount, currency, and for a billed sale the invoice (field names the staging column) (I7).'),
  ('JOURNAL_LINE_MISMATCH', 'E', 'posting',
   'An imported cost or unbilled-sales staging row and its integration journal line disagree: the line it points to is missing or is for another actual, no staging row points to a line, or the line''s legal entity, actual, transaction type, project, date, quantity, amount or currency differs from the staging row.'),
  ('POSTED_TRANSACTION_MISMATCH', 'E', 'posting',
   'A posted project transaction disagrees with what posted it: a posted journal line without exactly one transaction of its actual, or whose transaction differs in quantity, amount, currency, type, project, date or voucher; a posted invoice line without exactly one transaction of its transid, or whose transaction differs in actual, quantity, amount, currency, voucher or is not Invoiced; a transaction neither posted.'),
  ('VOUCHER_MISMATCH', 'E', 'posting',
   'A ledger voucher''s amounts per main account and transaction currency differ from the postings behind it, in accounting and transaction currency: a journal voucher''s cost (600100, 200150) and WIP (130500, 401300) from its posted journal lines; an invoice voucher''s receivable (130100), revenue (401100) and tax (222200) from its posted invoice; ledger lines on a voucher nothing posted.'),
  ('CUSTOMER_TRANSACTION_MISMATCH', 'E', 'posting',
   'A posted invoice has not exactly one customer transaction, or it differs from the invoice: amount in transaction currency (invoice amount with tax), in accounting currency (the invoice lines and tax at the invoice''s rate), currency, customer account, voucher or date; or a customer transaction is for no posted invoice.'),
  ('WRITEBACK_MISMATCH', 'E', 'posting',
   'A write-back field differs from the posting: the staging row''s voucher, exchange rate, its date and sales tax against the journal line or posted invoice line that posted it (the voucher must be the one F&O posted for that record); the actual''s voucher (when it has another than F&O posted), exchange rate, its date, sales tax and journalized flag against the accounting write-back map.'),
  ('CONTROL_TOTAL_MISMATCH', 'E', 'control',
   'Per legal entity, contract and currency, the sums of two consecutive stages of billing differ (field names the two): billed sales in Dataverse, billed-sales staging rows, proposal lines (proposals with lines), posted invoice lines, posted invoice headers before tax, customer transactions less tax, and (per accounting period) revenue in the ledger on the invoice vouchers.');

UPDATE recon.category SET description =
   'A proposal line''s quantity, price, amount, currency, transaction type or project differs from its billed-sales actual as the actuals map sends it (I7).'
 WHERE category = 'PROPOSAL_LINE_AMOUNT_MISMATCH';
UPDATE recon.category SET description =
   'A posted invoice differs from its proposal (I8): amount before tax, currency, contract or customer account, or its total is not amount before tax plus tax; a proposal posted as an invoice that does not exist, or posted twice; a posted invoice of no proposal; lines missing or extra by transid (field lines), or a line''s actual, quantity, price, amount, currency or type.'
 WHERE category = 'POSTED_INVOICE_PROPOSAL_MISMATCH';
UPDATE recon.category SET description =
   'An unbilled sale imported into an integration journal line is not posted, so proposals that bill it wait (I9).'
 WHERE category = 'UNBILLED_NOT_POSTED';
