-- recon/capture.sql
-- Change capture for incremental reconciliation (docs/reconciliation.md, "Incremental runs"): which key columns of
-- which tables tie a row to the records the checks compare it with (recon.scope_links, read by the capture triggers
-- and by the scope expansion of recon/scope.sql), the trigger function that logs the keys a statement wrote into
-- recon.dirty, and the triggers on every table the reconciliation reads.

-- The tables the checks read row by row (the run's inputs, recon/scope.sql copies the changed scopes' rows of each)
-- with their primary key.
CREATE OR REPLACE FUNCTION recon.scope_inputs()
RETURNS TABLE (relation text, pk text)
LANGUAGE sql IMMUTABLE AS $$
    VALUES ('dataverse.msdyn_actual', 'msdyn_actualid'),
           ('dataverse.invoice', 'invoiceid'),
           ('dataverse.invoicedetail', 'invoicedetailid'),
           ('dataverse.msdyn_invoicelinetransaction', 'msdyn_invoicelinetransactionid'),
           ('dataverse.msdyn_transactionconnection', 'msdyn_transactionconnectionid'),
           ('fno.projcdsactualsimport', 'recid'),
           ('fno.projproposaljour', 'recid'),
           ('fno.projproposalline', 'recid'),
           ('fno.projinvoicejour', 'recid'),
           ('fno.projinvoiceline', 'recid'),
           ('fno.projadvancedjournalline', 'recid'),
           ('fno.projpostedtranstable', 'recid'),
           ('fno.generaljournalaccountentry', 'recid'),
           ('fno.custtrans', 'recid'),
           ('fno.projcdstransactionconnectionimport', 'recid')
$$;
COMMENT ON FUNCTION recon.scope_inputs() IS
  'The tables the reconciliation''s checks read row by row, with their primary key column: a run reads each through '
  'pg_temp.recon_in_<table>, the whole table in a full run, the changed scopes'' rows in an incremental one.';

-- Every column that ties a row to another record, by kind of key:
--   txn         an actual's or invoice line detail's id (actualid everywhere, transaction connections)
--   dvinvoice   a proforma invoice's id;  ild  an invoice line's id;  proposal  proforma number = proposal id
--   projinvoice an F&O invoice id;  transid  a project transaction id;  jline  an integration journal line's recid
--   ivoucher    an invoice's voucher (the posted invoice's ledger, customer and invoiced transactions)
--   salesorder  a contract's id;  contract  a contract's number (projinvoiceprojid);  voucher  any ledger voucher
-- follow: a row found belongs with the rows its key reaches (the chain of one record). Contracts and vouchers are
-- scopes, never followed: a journal voucher holds many contracts' transactions.
CREATE OR REPLACE FUNCTION recon.scope_links()
RETURNS TABLE (relation text, col text, kind text, follow boolean)
LANGUAGE sql IMMUTABLE AS $$
    VALUES ('dataverse.msdyn_actual', 'msdyn_actualid', 'txn', true),
           ('dataverse.msdyn_actual', 'msdyn_invoice', 'dvinvoice', true),
           ('dataverse.msdyn_actual', 'msdyn_salescontract', 'salesorder', false),
           ('dataverse.invoice', 'invoiceid', 'dvinvoice', true),
           ('dataverse.invoice', 'invoicenumber', 'proposal', true),
           ('dataverse.invoice', 'salesorderid', 'salesorder', false),
           ('dataverse.invoicedetail', 'invoicedetailid', 'ild', true),
           ('dataverse.invoicedetail', 'invoiceid', 'dvinvoice', true),
           ('dataverse.msdyn_invoicelinetransaction', 'msdyn_invoicelinetransactionid', 'txn', true),
           ('dataverse.msdyn_invoicelinetransaction', 'msdyn_originalinvoicelinedetail', 'txn', true),
           ('dataverse.msdyn_invoicelinetransaction', 'msdyn_invoice', 'dvinvoice', true),
           ('dataverse.msdyn_invoicelinetransaction', 'msdyn_invoicelineid', 'ild', true),
           ('dataverse.msdyn_invoicelinetransaction', 'msdyn_salescontract', 'salesorder', false),
           ('dataverse.msdyn_transactionconnection', 'msdyn_transaction1', 'txn', true),
           ('dataverse.msdyn_transactionconnection', 'msdyn_transaction2', 'txn', true),
           ('fno.projcdsactualsimport', 'actualid', 'txn', true),
           ('fno.projcdsactualsimport', 'invoiceid', 'proposal', true),
           ('fno.projcdsactualsimport', 'projadvancedjournalline', 'jline', true),
           ('fno.projcdsactualsimport', 'contractid', 'contract', false),
           ('fno.projcdsactualsimport', 'vouchernumber', 'voucher', false),
           ('fno.projproposaljour', 'proposalid', 'proposal', true),
           ('fno.projproposaljour', 'projinvoiceid', 'projinvoice', true),
           ('fno.projproposaljour', 'ledgervoucher', 'ivoucher', true),
           ('fno.projproposaljour', 'projinvoiceprojid', 'contract', false),
           ('fno.projproposaljour', 'ledgervoucher', 'voucher', false),
           ('fno.projproposalline', 'proposalid', 'proposal', true),
           ('fno.projproposalline', 'transid', 'transid', true),
           ('fno.projproposalline', 'actualid', 'txn', true),
           ('fno.projinvoicejour', 'projinvoiceid', 'projinvoice', true),
           ('fno.projinvoicejour', 'proposalid', 'proposal', true),
           ('fno.projinvoicejour', 'ledgervoucher', 'ivoucher', true),
           ('fno.projinvoicejour', 'projinvoiceprojid', 'contract', false),
           ('fno.projinvoicejour', 'ledgervoucher', 'voucher', false),
           ('fno.projinvoiceline', 'projinvoiceid', 'projinvoice', true),
           ('fno.projinvoiceline', 'transid', 'transid', true),
           ('fno.projinvoiceline', 'actualid', 'txn', true),
           ('fno.projadvancedjournalline', 'recid', 'jline', true),
           ('fno.projadvancedjournalline', 'actualid', 'txn', true),
           ('fno.projadvancedjournalline', 'voucher', 'voucher', false),
           ('fno.projpostedtranstable', 'transid', 'transid', true),
           ('fno.projpostedtranstable', 'actualid', 'txn', true),
           ('fno.projpostedtranstable', 'voucher', 'ivoucher', false),
           ('fno.projpostedtranstable', 'voucher', 'voucher', false),
           ('fno.generaljournalaccountentry', 'voucher', 'ivoucher', false),
           ('fno.generaljournalaccountentry', 'voucher', 'voucher', false),
           ('fno.custtrans', 'invoice', 'projinvoice', true),
           ('fno.custtrans', 'voucher', 'ivoucher', true),
           ('fno.custtrans', 'voucher', 'voucher', false),
           ('fno.projcdstransactionconnectionimport', 'transaction1', 'txn', true),
           ('fno.projcdstransactionconnectionimport', 'transaction2', 'txn', true),
           -- Read by the checks and the maps as a whole, not row by row: captured, not copied.
           ('dataverse.salesorder', 'salesorderid', 'salesorder', false),
           ('dataverse.salesorder', 'ordernumber', 'contract', false),
           ('dataverse.salesorderdetail', 'salesorderid', 'salesorder', false)
$$;
COMMENT ON FUNCTION recon.scope_links() IS
  'The key columns that tie a row of a table the reconciliation reads to other records, by kind of key; follow says '
  'whether a row found through one key brings the records its other keys reach (contracts and vouchers are scopes, '
  'not followed). The capture triggers log these keys; recon.expand_scope looks rows up by them.';

-- Reference data the maps and checks look values up in, for all records at once. A change of the columns listed
-- (or a delete) cannot be narrowed to scopes: the next run is full. Inserts cannot change a finding (foreign keys
-- keep every reference valid; fno.ledger, listed without columns, counts every change), other columns are not read.
CREATE OR REPLACE FUNCTION recon.capture_reference()
RETURNS TABLE (relation text, columns text[])
LANGUAGE sql IMMUTABLE AS $$
    VALUES ('dataverse.account', ARRAY['accountid', 'accountnumber']),
           ('dataverse.msdyn_project', ARRAY['msdyn_projectid', 'msdyn_projectnumber']),
           ('fno.projadvancedjournal', ARRAY['recid', 'journalid', 'dataareaid']),
           ('fno.ledger', NULL)
$$;
COMMENT ON FUNCTION recon.capture_reference() IS
  'Reference tables the reconciliation reads whole, with the columns whose change (or a delete; for fno.ledger any '
  'change) makes the next run full.';

CREATE OR REPLACE FUNCTION recon.capture_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_relation text := TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME;
    v_rows     bigint;
    v_rowset   text;
BEGIN
    -- tieout recon watch listens (once per transaction however many statements notify).
    PERFORM pg_notify('tieout_recon', '');
    IF TG_OP = 'TRUNCATE' OR TG_NARGS = 0 THEN
        INSERT INTO recon.dirty (relation, kind) VALUES (v_relation, 'all');
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        SELECT count(*) INTO v_rows FROM old_rows;
        v_rowset := 'SELECT * FROM old_rows';
    ELSIF TG_OP = 'INSERT' THEN
        SELECT count(*) INTO v_rows FROM new_rows;
        v_rowset := 'SELECT * FROM new_rows';
    ELSE
        SELECT count(*) INTO v_rows FROM new_rows;
        v_rowset := 'SELECT * FROM new_rows UNION ALL SELECT * FROM old_rows';
    END IF;
    IF v_rows = 0 THEN
        RETURN NULL;
    END IF;
    IF v_rows > (SELECT s.value::bigint FROM recon.setting s WHERE s.name = 'max_statement_rows') THEN
        INSERT INTO recon.dirty (relation, kind) VALUES (v_relation, 'all');
        RETURN NULL;
    END IF;
    EXECUTE format('INSERT INTO recon.dirty (relation, kind, keys) '
                   'SELECT %L, k.kind, array_agg(DISTINCT k.key) FROM (%s) r '
                   'CROSS JOIN LATERAL (VALUES %s) AS k(kind, key) WHERE k.key IS NOT NULL GROUP BY k.kind',
                   v_relation, v_rowset, TG_ARGV[0]);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION recon.capture_change() IS
  'Statement-level trigger of incremental reconciliation: logs into recon.dirty, per kind, the distinct keys of the '
  'rows the statement wrote (both images of an update), and notifies channel tieout_recon (tieout recon watch). '
  'TG_ARGV[0] is the VALUES list (kind, r.column::text) of the table''s recon.scope_links. Without arguments, for a '
  'truncate, or for a statement writing more rows than the max_statement_rows setting, it logs kind all: the next '
  'run is full.';

-- The capture triggers, on every table of recon.scope_links and recon.capture_reference. ENABLE ALWAYS: they fire
-- under session_replication_role = replica too (fault injection, some loads), so no writer is missed.
DO $$
DECLARE
    v_table   record;
    v_trigger text;
BEGIN
    FOR v_table IN
        SELECT l.relation, string_agg(format('(%L, r.%I::text)', l.kind, l.col), ', ' ORDER BY l.kind, l.col) AS args
          FROM recon.scope_links() l
         WHERE l.follow OR l.kind <> 'ivoucher'  -- (the same column is logged as voucher)
         GROUP BY l.relation
    LOOP
        EXECUTE format('CREATE OR REPLACE TRIGGER recon_dirty_insert AFTER INSERT ON %s '
                       'REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION recon.capture_change(%L)',
                       v_table.relation, v_table.args);
        EXECUTE format('CREATE OR REPLACE TRIGGER recon_dirty_update AFTER UPDATE ON %s '
                       'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION recon.capture_change(%L)', v_table.relation, v_table.args);
        EXECUTE format('CREATE OR REPLACE TRIGGER recon_dirty_delete AFTER DELETE ON %s '
                       'REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION recon.capture_change(%L)',
                       v_table.relation, v_table.args);
    END LOOP;
    -- Reference tables: no keys (transition tables cannot go with a column list); a change forces a full run.
    FOR v_table IN SELECT c.relation, c.columns FROM recon.capture_reference() c LOOP
        EXECUTE format('CREATE OR REPLACE TRIGGER recon_dirty_update AFTER UPDATE %s ON %s '
                       'FOR EACH STATEMENT EXECUTE FUNCTION recon.capture_change()',
                       CASE WHEN v_table.columns IS NULL THEN ''
                            ELSE 'OF ' || (SELECT string_agg(format('%I', c), ', ') FROM unnest(v_table.columns) c) END,
                       v_table.relation);
        EXECUTE format('CREATE OR REPLACE TRIGGER recon_dirty_delete AFTER DELETE ON %s '
                       'FOR EACH STATEMENT EXECUTE FUNCTION recon.capture_change()', v_table.relation);
        IF v_table.columns IS NULL THEN
            EXECUTE format('CREATE OR REPLACE TRIGGER recon_dirty_insert AFTER INSERT ON %s '
                           'FOR EACH STATEMENT EXECUTE FUNCTION recon.capture_change()', v_table.relation);
        END IF;
    END LOOP;
    FOR v_table IN
        SELECT DISTINCT l.relation FROM recon.scope_links() l
        UNION SELECT c.relation FROM recon.capture_reference() c
    LOOP
        EXECUTE format('CREATE OR REPLACE TRIGGER recon_dirty_truncate AFTER TRUNCATE ON %s '
                       'FOR EACH STATEMENT EXECUTE FUNCTION recon.capture_change()', v_table.relation);
        FOREACH v_trigger IN ARRAY ARRAY['recon_dirty_insert', 'recon_dirty_update', 'recon_dirty_delete',
                                         'recon_dirty_truncate'] LOOP
            IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = v_table.relation::regclass AND t.tgname = v_trigger)
            THEN
                EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', v_table.relation, v_trigger);
                EXECUTE format('COMMENT ON TRIGGER %I ON %s IS %L', v_trigger, v_table.relation,
                               'Logs what this statement changed into recon.dirty for incremental reconciliation '
                               '(recon.capture_change, recon/capture.sql).');
            END IF;
        END LOOP;
    END LOOP;
END
$$;
