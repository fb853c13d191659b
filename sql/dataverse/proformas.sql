-- dataverse/proformas.sql
-- Proforma invoices.

-- Step 1: the contracts with something ready, one Draft invoice each (dv_cp_invoice) and its lines (dv_cp_line).
CREATE OR REPLACE FUNCTION process.dv_create_proformas_headers(p_contract uuid, v_date date) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_contract IS NOT NULL AND NOT EXISTS (SELECT 1 FROM dataverse.salesorder so WHERE so.salesorderid = p_contract) THEN
        RAISE EXCEPTION 'project contract % does not exist', p_contract;
    END IF;

    -- Contracts with something ready.
    IF to_regclass('pg_temp.dv_cp_contract') IS NOT NULL THEN DROP TABLE pg_temp.dv_cp_contract; END IF;
    CREATE TEMP TABLE dv_cp_contract ON COMMIT DROP AS
    SELECT a.msdyn_salescontract AS salesorderid
      FROM dataverse.msdyn_actual a
     WHERE a.msdyn_transactiontypecode = optionset.code('transactiontype', 'Unbilled Sales') AND a.msdyn_billingstatus = optionset.code('billingstatus', 'Ready to Invoice') AND a.msdyn_invoice IS NULL
       AND a.msdyn_salescontract IS NOT NULL
       AND (p_contract IS NULL OR a.msdyn_salescontract = p_contract)
    UNION
    SELECT m.msdyn_contract
      FROM dataverse.msdyn_contractlinescheduleofvalue m
     WHERE m.msdyn_invoicestatus = optionset.code('milestoneinvoicestatus', 'Ready')
       AND (p_contract IS NULL OR m.msdyn_contract = p_contract);

    -- Lock them (two calls never make two drafts for one contract), then keep those without a draft.
    PERFORM 1 FROM dataverse.salesorder so
     WHERE so.salesorderid IN (SELECT c.salesorderid FROM dv_cp_contract c)
     ORDER BY so.salesorderid
       FOR NO KEY UPDATE;

    IF to_regclass('pg_temp.dv_cp_invoice') IS NOT NULL THEN DROP TABLE pg_temp.dv_cp_invoice; END IF;
    CREATE TEMP TABLE dv_cp_invoice ON COMMIT DROP AS
    SELECT gen_random_uuid() AS invoiceid,
           process.dv_number('INV-', nextval('dataverse.invoicenumber_seq'), 6) AS invoicenumber, s.*
      FROM (SELECT so.salesorderid, so.name, so.ordernumber, so.customerid, so.isocurrencycode
              FROM dataverse.salesorder so
             WHERE so.salesorderid IN (SELECT c.salesorderid FROM dv_cp_contract c)
               AND NOT EXISTS (SELECT 1 FROM dataverse.invoice i
                                WHERE i.salesorderid = so.salesorderid
                                  AND i.msdyn_projectinvoicestatus = ANY (optionset.codes('projectinvoicestatus', 'Draft', 'In Review')))
             ORDER BY so.ordernumber) s;

    IF (SELECT count(*) FROM dv_cp_invoice) > 1000 THEN
        ANALYZE dv_cp_invoice;
    END IF;

    INSERT INTO dataverse.invoice (invoiceid, invoicenumber, name, salesorderid, customerid, isocurrencycode,
                                   msdyn_projectinvoicestatus, msdyn_invoicedate, statecode, statuscode)
    SELECT i.invoiceid, i.invoicenumber, i.name || ' ' || to_char(v_date, 'YYYY-MM-DD'), i.salesorderid,
           i.customerid, i.isocurrencycode, optionset.code('projectinvoicestatus', 'Draft'), v_date,
           optionset.code('invoicestate', 'Active'), optionset.code('invoicestatus', 'New')
      FROM dv_cp_invoice i;

    -- One line per contract line, also lines with nothing to bill.
    IF to_regclass('pg_temp.dv_cp_line') IS NOT NULL THEN DROP TABLE pg_temp.dv_cp_line; END IF;
    CREATE TEMP TABLE dv_cp_line ON COMMIT DROP AS
    SELECT gen_random_uuid() AS invoicedetailid, i.invoiceid, i.salesorderid, i.customerid,
           i.isocurrencycode AS invoice_currency, sd.salesorderdetailid, sd.productdescription, sd.lineitemnumber,
           sd.msdyn_billingmethod, sd.msdyn_project,
           coalesce(sd.msdyn_project,
                    (SELECT p.msdyn_projectid FROM dataverse.msdyn_project p
                      WHERE p.msdyn_salesorderid = i.salesorderid
                      ORDER BY p.msdyn_projectnumber, p.msdyn_projectid LIMIT 1)) AS billing_project,
           coalesce(sd.isocurrencycode, i.isocurrencycode) AS isocurrencycode
      FROM dv_cp_invoice i
      JOIN dataverse.salesorderdetail sd ON sd.salesorderid = i.salesorderid;

    IF (SELECT count(*) FROM dv_cp_line) > 1000 THEN
        ANALYZE dv_cp_line;
    END IF;

    INSERT INTO dataverse.invoicedetail (invoicedetailid, invoiceid, salesorderdetailid, productdescription,
                                         lineitemnumber, msdyn_billingmethod, msdyn_project, isocurrencycode)
    SELECT l.invoicedetailid, l.invoiceid, l.salesorderdetailid, l.productdescription, l.lineitemnumber,
           l.msdyn_billingmethod, l.msdyn_project, l.isocurrencycode
      FROM dv_cp_line l;
END
$$;
COMMENT ON FUNCTION process.dv_create_proformas_headers(uuid, date) IS
  'Step of process.dv_create_proformas: locks the contracts (or p_contract) with ready actuals or milestones and no '
  'Draft / In Review invoice, and creates a Draft invoice of date v_date for each (dv_cp_invoice) with one line per '
  'contract line (dv_cp_line).';

-- Step 2: the line details of the ready actuals and milestones (dv_cp_ild), their statuses and connections.
CREATE OR REPLACE FUNCTION process.dv_create_proformas_details(v_date date) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- The ready actuals: claimed by stamping them (Customer Invoice Created).
    IF to_regclass('pg_temp.dv_cp_ild') IS NOT NULL THEN DROP TABLE pg_temp.dv_cp_ild; END IF;
    CREATE TEMP TABLE dv_cp_ild (
        ildid               uuid    NOT NULL,
        invoiceid           uuid    NOT NULL,
        invoicedetailid     uuid    NOT NULL,
        sourceid            uuid    NOT NULL,
        milestone           boolean NOT NULL,
        description         text,
        externaldescription text,
        class               integer,
        billingtype         integer,
        quantity            numeric,
        price               numeric,
        amount              numeric,
        project             uuid,
        task                uuid,
        salescontract       uuid,
        salescontractline   uuid,
        customer            uuid,
        resource            uuid,
        category            uuid,
        documentdate        date,
        currency            text
    ) ON COMMIT DROP;

    WITH a AS (
        UPDATE dataverse.msdyn_actual a
           SET msdyn_billingstatus = optionset.code('billingstatus', 'Customer Invoice Created'), msdyn_invoice = l.invoiceid, modifiedon = now()
          FROM dv_cp_line l
         WHERE a.msdyn_salescontractlineid = l.salesorderdetailid
           AND a.msdyn_transactiontypecode = optionset.code('transactiontype', 'Unbilled Sales')
           AND a.msdyn_billingstatus = optionset.code('billingstatus', 'Ready to Invoice')
           AND a.msdyn_invoice IS NULL
        RETURNING a.msdyn_actualid, l.invoiceid, l.invoicedetailid, a.msdyn_description, a.msdyn_externaldescription,
                  a.msdyn_transactionclassification, a.msdyn_billingtype, a.msdyn_quantity, a.msdyn_price,
                  a.msdyn_amount, a.msdyn_project, a.msdyn_task, a.msdyn_salescontract, a.msdyn_salescontractlineid,
                  a.msdyn_accountcustomer, a.msdyn_bookableresource, a.msdyn_transactioncategory,
                  a.msdyn_documentdate, a.isocurrencycode)
    INSERT INTO dv_cp_ild
    SELECT gen_random_uuid(), a.invoiceid, a.invoicedetailid, a.msdyn_actualid, false, a.msdyn_description,
           a.msdyn_externaldescription, a.msdyn_transactionclassification, a.msdyn_billingtype, a.msdyn_quantity,
           a.msdyn_price, a.msdyn_amount, a.msdyn_project, a.msdyn_task, a.msdyn_salescontract,
           a.msdyn_salescontractlineid, a.msdyn_accountcustomer, a.msdyn_bookableresource,
           a.msdyn_transactioncategory, a.msdyn_documentdate, a.isocurrencycode
      FROM a;

    -- The ready milestones → Customer invoice created.
    WITH m AS (
        UPDATE dataverse.msdyn_contractlinescheduleofvalue m
           SET msdyn_invoicestatus = optionset.code('milestoneinvoicestatus', 'Customer invoice created'), modifiedon = now()
          FROM dv_cp_line l
         WHERE m.msdyn_contractlineid = l.salesorderdetailid
           AND m.msdyn_invoicestatus = optionset.code('milestoneinvoicestatus', 'Ready')
        RETURNING m.msdyn_contractlinescheduleofvalueid, l.invoiceid, l.invoicedetailid, m.msdyn_name,
                  m.msdyn_amount, l.billing_project, m.msdyn_projecttask, m.msdyn_contract, m.msdyn_contractlineid,
                  l.customerid, m.msdyn_invoicedate, l.invoice_currency)
    INSERT INTO dv_cp_ild
    SELECT gen_random_uuid(), m.invoiceid, m.invoicedetailid, m.msdyn_contractlinescheduleofvalueid, true,
           m.msdyn_name, NULL, optionset.code('transactionclass', 'Milestone'), optionset.code('billingtype', 'Chargeable'), 1, m.msdyn_amount, m.msdyn_amount, m.billing_project,
           m.msdyn_projecttask, m.msdyn_contract, m.msdyn_contractlineid, m.customerid, NULL, NULL,
           coalesce(m.msdyn_invoicedate, v_date), m.invoice_currency
      FROM m;

    IF (SELECT count(*) FROM dv_cp_ild) > 1000 THEN
        ANALYZE dv_cp_ild;
    END IF;

    INSERT INTO dataverse.msdyn_invoicelinetransaction (
           msdyn_invoicelinetransactionid, msdyn_invoice, msdyn_invoicelineid, msdyn_description,
           msdyn_externaldescription, msdyn_transactiontypecode, msdyn_transactionclassification, msdyn_billingtype,
           msdyn_quantity, msdyn_price, msdyn_amount, msdyn_tax, msdyn_invoiceamount, msdyn_correction,
           msdyn_project, msdyn_task, msdyn_salescontract, msdyn_salescontractlineid, msdyn_accountcustomer,
           msdyn_bookableresource, msdyn_transactioncategory, msdyn_documentdate, isocurrencycode)
    SELECT d.ildid, d.invoiceid, d.invoicedetailid, d.description, d.externaldescription, optionset.code('transactiontype', 'Billed Sales'), d.class,
           d.billingtype, d.quantity, d.price, d.amount, 0, d.amount, false, d.project, d.task, d.salescontract,
           d.salescontractline, d.customer, d.resource, d.category, d.documentdate, d.currency
      FROM dv_cp_ild d;

    -- Connections ILD → the unbilled sale it bills (and ILD → the milestone it bills).
    INSERT INTO dataverse.msdyn_transactionconnection (
           msdyn_transaction1, msdyn_transaction1role, msdyn_transaction1type,
           msdyn_transaction2, msdyn_transaction2role, msdyn_transaction2type)
    SELECT d.ildid, 'ild', 'msdyn_invoicelinetransaction', d.sourceid,
           CASE WHEN d.milestone THEN optionset.code('transactiontype', 'Project Contract')::text ELSE optionset.code('transactiontype', 'Unbilled Sales')::text END,
           CASE WHEN d.milestone THEN 'msdyn_contractlinescheduleofvalue' ELSE 'msdyn_actual' END
      FROM dv_cp_ild d;
END
$$;
COMMENT ON FUNCTION process.dv_create_proformas_details(date) IS
  'Step of process.dv_create_proformas: one line detail per ready actual and milestone of the new invoices '
  '(dv_cp_ild), actuals → Customer Invoice Created, milestones → Customer invoice created, and the connections of '
  'each detail.';

CREATE OR REPLACE FUNCTION process.dv_create_proformas(p_contract uuid DEFAULT NULL, p_invoicedate date DEFAULT current_date)
RETURNS TABLE (invoiceid uuid, invoicenumber text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_date date := coalesce(p_invoicedate, current_date);
    v_invoices uuid[];
BEGIN
    PERFORM process.dv_create_proformas_headers(p_contract, v_date);
    PERFORM process.dv_create_proformas_details(v_date);

    SELECT array_agg(i.invoiceid) INTO v_invoices FROM dv_cp_invoice i;
    PERFORM process.dv_recalculate_totals(coalesce(v_invoices, '{}'));

    RETURN QUERY SELECT i.invoiceid, i.invoicenumber FROM dv_cp_invoice i ORDER BY i.invoicenumber;
    DROP TABLE dv_cp_ild;
    DROP TABLE dv_cp_line;
    DROP TABLE dv_cp_invoice;
    DROP TABLE dv_cp_contract;
END
$$;
COMMENT ON FUNCTION process.dv_create_proformas(uuid, date) IS
  'Create proforma invoices (docs/processes.md, Dataverse side): one Draft invoice (INV- + 6 digits from '
  'dataverse.invoicenumber_seq, customer and currency of the contract, msdyn_invoicedate = p_invoicedate) per '
  'contract (or only p_contract) that has ready unbilled sales or ready milestones and no Draft / In Review invoice '
  'yet; one invoicedetail per contract line (billing method, project, description, line number copied), also lines '
  'with nothing to bill; one ILD per ready actual (class, billing type, quantity, price, amount copied; tax 0; '
  'msdyn_invoiceamount = amount) and per ready milestone (class Milestone, quantity 1, price = amount = the milestone '
  'amount, document date = its invoice date); actuals → Customer Invoice Created with msdyn_invoice stamped, '
  'milestones → Customer invoice created; connections ILD → unbilled sale (and ILD → milestone, role Project '
  'Contract, so confirmation and deletion find it); totals (I1-I2). Returns the new invoices'' ids and numbers.';

CREATE OR REPLACE FUNCTION process.dv_edit_invoice_detail(p_ild uuid, p_billingtype integer, p_quantity numeric, p_price numeric)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    d record;
    i record;
    o record;
    v_quantity numeric;
    v_price numeric;
    v_billingtype integer;
BEGIN
    SELECT x.msdyn_invoice INTO d FROM dataverse.msdyn_invoicelinetransaction x
     WHERE x.msdyn_invoicelinetransactionid = p_ild;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'invoice line detail % does not exist', p_ild;
    END IF;
    SELECT x.invoicenumber, x.msdyn_projectinvoicestatus INTO i FROM dataverse.invoice x
     WHERE x.invoiceid = d.msdyn_invoice FOR NO KEY UPDATE;
    IF NOT i.msdyn_projectinvoicestatus = ANY (optionset.codes('projectinvoicestatus', 'Draft', 'In Review')) THEN
        RAISE EXCEPTION 'invoice % is %: a confirmed proforma invoice cannot be edited',
            i.invoicenumber, process.dv_invoice_status_name(i.msdyn_projectinvoicestatus);
    END IF;
    SELECT * INTO d FROM dataverse.msdyn_invoicelinetransaction x
     WHERE x.msdyn_invoicelinetransactionid = p_ild FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'invoice line detail % does not exist', p_ild;
    END IF;
    IF p_quantity < 0 THEN
        RAISE EXCEPTION 'invoice line detail %: the quantity cannot be negative (%)', p_ild, p_quantity;
    END IF;
    IF p_price < 0 THEN
        RAISE EXCEPTION 'invoice line detail %: the price cannot be negative (%)', p_ild, p_price;
    END IF;
    IF p_billingtype IS NOT NULL AND NOT p_billingtype = ANY (optionset.codes('billingtype', 'Non Chargeable', 'Chargeable', 'Complimentary')) THEN
        RAISE EXCEPTION 'invoice line detail %: billing type % is not Chargeable, Non Chargeable or Complimentary',
            p_ild, p_billingtype;
    END IF;

    v_quantity := coalesce(process.dv_quantity(d.msdyn_transactionclassification, p_quantity), d.msdyn_quantity);
    v_price := coalesce(p_price, d.msdyn_price);
    v_billingtype := coalesce(p_billingtype, d.msdyn_billingtype);

    IF d.msdyn_correction AND d.msdyn_transactionclassification = optionset.code('transactionclass', 'Milestone') THEN
        SELECT x.msdyn_quantity, x.msdyn_price INTO o FROM dataverse.msdyn_invoicelinetransaction x
         WHERE x.msdyn_invoicelinetransactionid = d.msdyn_originalinvoicelinedetail;
        IF FOUND AND (NOT (v_quantity = 0 OR v_quantity = o.msdyn_quantity) OR v_price <> o.msdyn_price) THEN
            RAISE EXCEPTION 'invoice line detail %: a milestone can only be credited in full', p_ild;
        END IF;
    END IF;

    UPDATE dataverse.msdyn_invoicelinetransaction x
       SET msdyn_billingtype = v_billingtype, msdyn_quantity = v_quantity, msdyn_price = v_price,
           msdyn_amount = round(v_quantity * v_price, 2),
           msdyn_invoiceamount = round(v_quantity * v_price, 2) - coalesce(x.msdyn_previousamount, 0),
           modifiedon = now()
     WHERE x.msdyn_invoicelinetransactionid = p_ild;

    PERFORM process.dv_recalculate_totals(ARRAY[d.msdyn_invoice]);
END
$$;
COMMENT ON FUNCTION process.dv_edit_invoice_detail(uuid, integer, numeric, numeric) IS
  'Edit an invoice line detail of a Draft / In Review invoice (docs/processes.md, Dataverse side): billing type '
  '(Chargeable, Non Chargeable, Complimentary), quantity, price; NULL = unchanged. amount = round(quantity * price, '
  '2), msdyn_invoiceamount = amount - msdyn_previousamount (0 when not a correction); hours keep 4 decimals; totals '
  'recomputed. Refuses an unknown detail, a confirmed (Paid, Posted) invoice, a negative quantity or price, another '
  'billing type, and on a corrective invoice a milestone quantity other than 0 or its original quantity or a changed '
  'milestone price (milestones are only credited in full).';

CREATE OR REPLACE FUNCTION process.dv_delete_invoice_detail(p_ild uuid)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    d record;
    i record;
BEGIN
    SELECT x.msdyn_invoice INTO d FROM dataverse.msdyn_invoicelinetransaction x
     WHERE x.msdyn_invoicelinetransactionid = p_ild;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'invoice line detail % does not exist', p_ild;
    END IF;
    SELECT x.invoicenumber, x.msdyn_projectinvoicestatus INTO i FROM dataverse.invoice x
     WHERE x.invoiceid = d.msdyn_invoice FOR NO KEY UPDATE;
    IF NOT i.msdyn_projectinvoicestatus = ANY (optionset.codes('projectinvoicestatus', 'Draft', 'In Review')) THEN
        RAISE EXCEPTION 'invoice % is %: a confirmed proforma invoice cannot be edited',
            i.invoicenumber, process.dv_invoice_status_name(i.msdyn_projectinvoicestatus);
    END IF;

    -- What the detail billed goes back to the backlog.
    UPDATE dataverse.msdyn_actual a
       SET msdyn_billingstatus = optionset.code('billingstatus', 'Ready to Invoice'), msdyn_invoice = NULL, modifiedon = now()
      FROM dataverse.msdyn_transactionconnection c
     WHERE c.msdyn_transaction1 = p_ild AND c.msdyn_transaction1role = 'ild'
       AND c.msdyn_transaction2type = 'msdyn_actual'
       AND a.msdyn_actualid = c.msdyn_transaction2
       AND a.msdyn_transactiontypecode = optionset.code('transactiontype', 'Unbilled Sales')
       AND a.msdyn_billingstatus = optionset.code('billingstatus', 'Customer Invoice Created');
    UPDATE dataverse.msdyn_contractlinescheduleofvalue m
       SET msdyn_invoicestatus = optionset.code('milestoneinvoicestatus', 'Ready'), modifiedon = now()
      FROM dataverse.msdyn_transactionconnection c
     WHERE c.msdyn_transaction1 = p_ild AND c.msdyn_transaction1role = 'ild'
       AND c.msdyn_transaction2type = 'msdyn_contractlinescheduleofvalue'
       AND m.msdyn_contractlinescheduleofvalueid = c.msdyn_transaction2
       AND m.msdyn_invoicestatus = optionset.code('milestoneinvoicestatus', 'Customer invoice created');

    DELETE FROM dataverse.msdyn_transactionconnection c
     WHERE c.msdyn_transaction1 = p_ild OR c.msdyn_transaction2 = p_ild;
    DELETE FROM dataverse.msdyn_invoicelinetransaction x WHERE x.msdyn_invoicelinetransactionid = p_ild;

    PERFORM process.dv_recalculate_totals(ARRAY[d.msdyn_invoice]);
END
$$;
COMMENT ON FUNCTION process.dv_delete_invoice_detail(uuid) IS
  'Delete an invoice line detail of a Draft / In Review invoice (docs/processes.md, Dataverse side): the unbilled '
  'sale it billed returns to Ready to Invoice with msdyn_invoice cleared, a milestone to Ready; its connections are '
  'deleted; totals recomputed. Refuses an unknown detail and a confirmed (Paid, Posted) invoice.';
