-- dataverse/guards.sql
-- Guards (docs/processes.md, "Refused in the database").


-- Actuals are never deleted.
CREATE OR REPLACE FUNCTION process.dv_actual_delete_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'dataverse.msdyn_actual cannot be truncated: actuals are never deleted, reverse them instead';
    END IF;
    RAISE EXCEPTION 'actual % cannot be deleted: actuals are never deleted, reverse them instead', OLD.msdyn_actualid;
END
$$;
COMMENT ON FUNCTION process.dv_actual_delete_guard() IS
  'Trigger function: refuses deleting (or truncating) Dataverse actuals; a wrong actual is reversed, never deleted.';
CREATE OR REPLACE TRIGGER msdyn_actual_delete_guard
    BEFORE DELETE ON dataverse.msdyn_actual
    FOR EACH ROW WHEN (NOT lake.loading())
    EXECUTE FUNCTION process.dv_actual_delete_guard();
COMMENT ON TRIGGER msdyn_actual_delete_guard ON dataverse.msdyn_actual IS
  'Refuses every delete: actuals are never deleted, reverse them instead. Skipped for a lake load '
  '(lake.loading()), which applies the deletes the source recorded.';
CREATE OR REPLACE TRIGGER msdyn_actual_truncate_guard
    BEFORE TRUNCATE ON dataverse.msdyn_actual
    FOR EACH STATEMENT EXECUTE FUNCTION process.dv_actual_delete_guard();
COMMENT ON TRIGGER msdyn_actual_truncate_guard ON dataverse.msdyn_actual IS
  'Refuses TRUNCATE: actuals are never deleted, reverse them instead.';

-- A confirmed invoice is read-only but for its status moving forward and the write-back columns.
CREATE OR REPLACE FUNCTION process.dv_invoice_confirmed_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_free constant text[] := ARRAY['msdyn_projectinvoicestatus', 'msdyn_customerinvoicenumber',
                                    'msdyn_customerinvoicedate', 'msdyn_customerinvoicetaxamount', 'modifiedon',
                                    'statecode', 'statuscode'];
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'invoice % is %: a confirmed proforma invoice cannot be deleted',
            OLD.invoicenumber, process.dv_invoice_status_name(OLD.msdyn_projectinvoicestatus);
    END IF;
    IF NEW.msdyn_projectinvoicestatus <> OLD.msdyn_projectinvoicestatus
       AND (optionset.label('projectinvoicestatus', OLD.msdyn_projectinvoicestatus),
            optionset.label('projectinvoicestatus', NEW.msdyn_projectinvoicestatus)) NOT IN (
            ('Confirmed', 'Invoice Paid'), ('Confirmed', 'Posted'), ('Invoice Paid', 'Posted'),
            ('Posted', 'Invoice Paid')) THEN
        RAISE EXCEPTION 'invoice % is %: the status of a confirmed proforma invoice only moves forward, not to %',
            OLD.invoicenumber, process.dv_invoice_status_name(OLD.msdyn_projectinvoicestatus),
            process.dv_invoice_status_name(NEW.msdyn_projectinvoicestatus);
    END IF;
    IF (to_jsonb(NEW) - v_free) IS DISTINCT FROM (to_jsonb(OLD) - v_free) THEN
        RAISE EXCEPTION 'invoice % is %: a confirmed proforma invoice cannot be edited',
            OLD.invoicenumber, process.dv_invoice_status_name(OLD.msdyn_projectinvoicestatus);
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION process.dv_invoice_confirmed_guard() IS
  'Trigger function: a Confirmed / Invoice Paid / Posted proforma invoice cannot be deleted, and an update may only '
  'move its status forward (Confirmed → Invoice Paid or Posted, Invoice Paid → Posted, Posted → Invoice Paid) and '
  'change the write-back columns msdyn_customerinvoicenumber, msdyn_customerinvoicedate, '
  'msdyn_customerinvoicetaxamount, modifiedon, statecode, statuscode.';
CREATE OR REPLACE TRIGGER invoice_confirmed_guard
    BEFORE UPDATE OR DELETE ON dataverse.invoice
    FOR EACH ROW WHEN (OLD.msdyn_projectinvoicestatus = ANY (optionset.codes('projectinvoicestatus', 'Confirmed', 'Invoice Paid', 'Posted')) AND NOT load.loading())
    EXECUTE FUNCTION process.dv_invoice_confirmed_guard();
COMMENT ON TRIGGER invoice_confirmed_guard ON dataverse.invoice IS
  'A confirmed proforma invoice cannot be edited or deleted (status forward and write-back columns excepted). '
  'Skipped while loading (load.loading()).';

CREATE OR REPLACE FUNCTION process.dv_invoice_truncate_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM dataverse.invoice i WHERE i.msdyn_projectinvoicestatus = ANY (optionset.codes('projectinvoicestatus', 'Confirmed', 'Invoice Paid', 'Posted'))) THEN
        RAISE EXCEPTION '% cannot be truncated: it holds confirmed proforma invoices, and a confirmed proforma invoice cannot be deleted',
            TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION process.dv_invoice_truncate_guard() IS
  'Trigger function: refuses truncating proforma invoices, their lines or line details while a confirmed '
  '(Paid, Posted) invoice exists.';
-- One definition of the truncate guard for the three tables of a proforma: invoice_truncate_guard,
-- invoicedetail_truncate_guard and msdyn_invoicelinetransaction_truncate_guard.
DO $$
DECLARE
    v_table text;
BEGIN
    FOREACH v_table IN ARRAY ARRAY['invoice', 'invoicedetail', 'msdyn_invoicelinetransaction'] LOOP
        EXECUTE format(
            'CREATE OR REPLACE TRIGGER %I BEFORE TRUNCATE ON dataverse.%I '
            'FOR EACH STATEMENT WHEN (NOT load.loading()) EXECUTE FUNCTION process.dv_invoice_truncate_guard()',
            v_table || '_truncate_guard', v_table);
        EXECUTE format('COMMENT ON TRIGGER %I ON dataverse.%I IS %L', v_table || '_truncate_guard', v_table,
            'Refuses TRUNCATE while confirmed proforma invoices exist. Skipped while loading (load.loading()).');
    END LOOP;
END
$$;

-- No discount or freight on a proforma.
CREATE OR REPLACE FUNCTION process.dv_invoice_discount_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'invoice %: discounts and freight on a proforma invoice are not supported', NEW.invoicenumber;
END
$$;
COMMENT ON FUNCTION process.dv_invoice_discount_guard() IS
  'Trigger function: refuses a proforma invoice with discountamount, discountpercentage or freightamount other than '
  'NULL or 0 (Project Operations does not support discounts or freight on the proforma header).';
CREATE OR REPLACE TRIGGER invoice_discount_guard
    BEFORE INSERT OR UPDATE ON dataverse.invoice
    FOR EACH ROW WHEN (coalesce(NEW.discountamount, 0) <> 0 OR coalesce(NEW.discountpercentage, 0) <> 0
                       OR coalesce(NEW.freightamount, 0) <> 0)
    EXECUTE FUNCTION process.dv_invoice_discount_guard();
COMMENT ON TRIGGER invoice_discount_guard ON dataverse.invoice IS
  'Discounts and freight on a proforma invoice are not supported.';

-- Lines and line details of a confirmed invoice are read-only (statement level: one join per statement).
-- Arguments: the id column, the invoice column and the name of the record, e.g. 'invoice line detail'.
CREATE OR REPLACE FUNCTION process.dv_confirmed_invoice_child_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v record;
    v_find constant text :=
        'SELECT r.%I AS id, i.invoicenumber, i.msdyn_projectinvoicestatus AS status '
        'FROM %I r JOIN dataverse.invoice i ON i.invoiceid = r.%I '
        'WHERE i.msdyn_projectinvoicestatus = ANY (optionset.codes(''projectinvoicestatus'', ''Confirmed'', '
        '''Invoice Paid'', ''Posted'')) LIMIT 1';
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE format(v_find, TG_ARGV[0], 'new_rows', TG_ARGV[1]) INTO v;
    END IF;
    IF v IS NULL AND TG_OP IN ('UPDATE', 'DELETE') THEN
        EXECUTE format(v_find, TG_ARGV[0], 'old_rows', TG_ARGV[1]) INTO v;
    END IF;
    IF v IS NOT NULL THEN
        RAISE EXCEPTION '% % cannot be %: invoice % is %, and a confirmed proforma invoice cannot be edited',
            TG_ARGV[2], v.id, lower(TG_OP) || CASE WHEN TG_OP = 'INSERT' THEN 'ed' ELSE 'd' END, v.invoicenumber,
            process.dv_invoice_status_name(v.status);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION process.dv_confirmed_invoice_child_guard() IS
  'Trigger function (statement level, transition tables new_rows / old_rows; arguments: id column, invoice column, '
  'record name): refuses inserting, updating or deleting an invoice line (invoicedetail) or invoice line detail (ILD) '
  'of a Confirmed / Invoice Paid / Posted invoice.';
-- One definition of the statement-level guards of the lines and line details of a confirmed proforma, for each
-- table and event (PostgreSQL allows transition tables only on single-event triggers):
-- invoicedetail_confirmed_guard_insert, _update, _delete and msdyn_invoicelinetransaction_confirmed_guard_insert,
-- _update, _delete.
DO $$
DECLARE
    t record;
    e record;
BEGIN
    FOR t IN SELECT * FROM (VALUES ('invoicedetail', 'invoicedetailid', 'invoiceid', 'invoice line'),
                                   ('msdyn_invoicelinetransaction', 'msdyn_invoicelinetransactionid', 'msdyn_invoice',
                                    'invoice line detail')) t (table_name, id_column, invoice_column, record_name)
    LOOP
        FOR e IN SELECT * FROM (VALUES ('insert', 'NEW TABLE AS new_rows', 'added to'),
                                       ('update', 'OLD TABLE AS old_rows NEW TABLE AS new_rows', 'changed on'),
                                       ('delete', 'OLD TABLE AS old_rows', 'deleted from')) e (event, transition, verb)
        LOOP
            EXECUTE format(
                'CREATE OR REPLACE TRIGGER %I AFTER %s ON dataverse.%I REFERENCING %s FOR EACH STATEMENT '
                'WHEN (NOT load.loading()) EXECUTE FUNCTION process.dv_confirmed_invoice_child_guard(%L, %L, %L)',
                t.table_name || '_confirmed_guard_' || e.event, upper(e.event), t.table_name, e.transition,
                t.id_column, t.invoice_column, t.record_name);
            EXECUTE format('COMMENT ON TRIGGER %I ON dataverse.%I IS %L',
                t.table_name || '_confirmed_guard_' || e.event, t.table_name,
                format('No %s can be %s a confirmed proforma invoice. Skipped while loading (load.loading()).',
                       t.record_name, e.verb));
        END LOOP;
    END LOOP;
END
$$;

-- The transaction class of an ILD never changes.
CREATE OR REPLACE FUNCTION process.dv_ild_class_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'invoice line detail %: the transaction class of an invoice line detail cannot be changed',
        OLD.msdyn_invoicelinetransactionid;
END
$$;
COMMENT ON FUNCTION process.dv_ild_class_guard() IS
  'Trigger function: refuses changing msdyn_transactionclassification of an invoice line detail.';
CREATE OR REPLACE TRIGGER msdyn_invoicelinetransaction_class_guard
    BEFORE UPDATE ON dataverse.msdyn_invoicelinetransaction
    FOR EACH ROW WHEN (OLD.msdyn_transactionclassification IS DISTINCT FROM NEW.msdyn_transactionclassification)
    EXECUTE FUNCTION process.dv_ild_class_guard();
COMMENT ON TRIGGER msdyn_invoicelinetransaction_class_guard ON dataverse.msdyn_invoicelinetransaction IS
  'The transaction class of an invoice line detail cannot be changed.';

-- A milestone is only credited in full.
CREATE OR REPLACE FUNCTION process.dv_ild_milestone_credit_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    o record;
BEGIN
    SELECT x.msdyn_quantity, x.msdyn_price, x.msdyn_amount INTO o
      FROM dataverse.msdyn_invoicelinetransaction x
     WHERE x.msdyn_invoicelinetransactionid = NEW.msdyn_originalinvoicelinedetail;
    IF FOUND AND NOT ((NEW.msdyn_quantity = 0 AND NEW.msdyn_amount = 0 AND NEW.msdyn_price = o.msdyn_price)
                      OR (NEW.msdyn_quantity = o.msdyn_quantity AND NEW.msdyn_amount = o.msdyn_amount
                          AND NEW.msdyn_price = o.msdyn_price)) THEN
        RAISE EXCEPTION 'invoice line detail %: a milestone can only be credited in full',
            NEW.msdyn_invoicelinetransactionid;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION process.dv_ild_milestone_credit_guard() IS
  'Trigger function: a corrective milestone line detail keeps its original price and either its original quantity '
  'and amount or quantity 0 and amount 0 (a milestone can only be credited in full).';
CREATE OR REPLACE TRIGGER msdyn_invoicelinetransaction_milestone_credit_guard
    BEFORE INSERT OR UPDATE ON dataverse.msdyn_invoicelinetransaction
    FOR EACH ROW WHEN (NEW.msdyn_correction AND NEW.msdyn_transactionclassification = optionset.code('transactionclass', 'Milestone'))
    EXECUTE FUNCTION process.dv_ild_milestone_credit_guard();
COMMENT ON TRIGGER msdyn_invoicelinetransaction_milestone_credit_guard ON dataverse.msdyn_invoicelinetransaction IS
  'Partial credit of a milestone on a corrective invoice is refused.';
