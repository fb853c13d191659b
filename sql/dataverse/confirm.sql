-- dataverse/confirm.sql
-- Confirm.

-- Step 1: lock the invoices to confirm (dv_cf_invoice) and work out what each of their details bills and what
-- confirming it creates (dv_cf_up, dv_cf_chain, dv_cf_ild); returns how many invoices.
CREATE OR REPLACE FUNCTION process.dv_confirm_collect(p_invoice uuid) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v record;
    v_invoices bigint;
BEGIN
    IF p_invoice IS NOT NULL THEN
        SELECT i.invoicenumber, i.msdyn_projectinvoicestatus INTO v FROM dataverse.invoice i
         WHERE i.invoiceid = p_invoice FOR NO KEY UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'invoice % does not exist', p_invoice;
        END IF;
        IF NOT v.msdyn_projectinvoicestatus = ANY (optionset.codes('projectinvoicestatus', 'Draft', 'In Review')) THEN
            RAISE EXCEPTION 'invoice % is %: only a Draft or In Review proforma invoice can be confirmed',
                v.invoicenumber, process.dv_invoice_status_name(v.msdyn_projectinvoicestatus);
        END IF;
    END IF;

    -- The invoices, locked (a concurrent confirm waits, then skips what this one confirmed).
    IF to_regclass('pg_temp.dv_cf_invoice') IS NOT NULL THEN DROP TABLE pg_temp.dv_cf_invoice; END IF;
    CREATE TEMP TABLE dv_cf_invoice (
        invoiceid      uuid    NOT NULL PRIMARY KEY,
        invoicenumber  text    NOT NULL,
        salesorderid   uuid    NOT NULL,
        customerid     uuid    NOT NULL,
        currency       text    NOT NULL,
        invoicedate    date    NOT NULL,
        has_chargeable boolean NOT NULL DEFAULT false
    ) ON COMMIT DROP;
    INSERT INTO dv_cf_invoice (invoiceid, invoicenumber, salesorderid, customerid, currency, invoicedate)
    SELECT i.invoiceid, i.invoicenumber, i.salesorderid, i.customerid, i.isocurrencycode,
           coalesce(i.msdyn_invoicedate, current_date)
      FROM dataverse.invoice i
     WHERE i.msdyn_projectinvoicestatus = ANY (optionset.codes('projectinvoicestatus', 'Draft', 'In Review'))
       AND (p_invoice IS NULL OR i.invoiceid = p_invoice)
     ORDER BY i.invoiceid
       FOR NO KEY UPDATE;
    GET DIAGNOSTICS v_invoices = ROW_COUNT;
    IF v_invoices > 1000 THEN
        ANALYZE dv_cf_invoice;
    END IF;
    -- An invoice without a Chargeable detail is not sent to F&O (the proposal map skips it): skip-sync billed sales.
    UPDATE dv_cf_invoice c SET has_chargeable = true
     WHERE EXISTS (SELECT 1 FROM dataverse.msdyn_invoicelinetransaction d
                    WHERE d.msdyn_invoice = c.invoiceid AND d.msdyn_billingtype = optionset.code('billingtype', 'Chargeable'));

    -- Corrections: the chain of details each corrective detail goes back to (its original, the original's original…).
    IF to_regclass('pg_temp.dv_cf_up') IS NOT NULL THEN DROP TABLE pg_temp.dv_cf_up; END IF;
    CREATE TEMP TABLE dv_cf_up ON COMMIT DROP AS
    WITH RECURSIVE up (start, node, depth) AS (
        SELECT d.msdyn_invoicelinetransactionid, d.msdyn_originalinvoicelinedetail, 1
          FROM dataverse.msdyn_invoicelinetransaction d
          JOIN dv_cf_invoice c ON c.invoiceid = d.msdyn_invoice
         WHERE d.msdyn_correction AND d.msdyn_originalinvoicelinedetail IS NOT NULL
        UNION ALL
        SELECT up.start, x.msdyn_originalinvoicelinedetail, up.depth + 1
          FROM up JOIN dataverse.msdyn_invoicelinetransaction x ON x.msdyn_invoicelinetransactionid = up.node
         WHERE x.msdyn_originalinvoicelinedetail IS NOT NULL)
    SELECT up.start, up.node, up.depth, x.msdyn_originalinvoicelinedetail IS NULL AS is_root,
           -- the node billed something of its own: a regular detail, or a correction that changed its original
           (x.msdyn_originalinvoicelinedetail IS NULL
            OR (x.msdyn_quantity, x.msdyn_price, x.msdyn_billingtype)
               IS DISTINCT FROM (p.msdyn_quantity, p.msdyn_price, p.msdyn_billingtype)) AS billed_own
      FROM up
      JOIN dataverse.msdyn_invoicelinetransaction x ON x.msdyn_invoicelinetransactionid = up.node
      LEFT JOIN dataverse.msdyn_invoicelinetransaction p
             ON p.msdyn_invoicelinetransactionid = x.msdyn_originalinvoicelinedetail;

    -- Per corrective detail: the root detail (what the chain bills: an unbilled sale or a milestone) and the billed
    -- sale that currently stands for the corrected detail (the nearest node that billed on its own).
    IF to_regclass('pg_temp.dv_cf_chain') IS NOT NULL THEN DROP TABLE pg_temp.dv_cf_chain; END IF;
    CREATE TEMP TABLE dv_cf_chain ON COMMIT DROP AS
    WITH billed_node AS (
        SELECT DISTINCT ON (n.start) n.start, n.node
          FROM dv_cf_up n
         WHERE n.billed_own
         ORDER BY n.start, n.depth)
    SELECT DISTINCT ON (r.start) r.start, r.node AS root, b.msdyn_actualid AS prior_billed
      FROM dv_cf_up r
      LEFT JOIN billed_node bn ON bn.start = r.start
      LEFT JOIN dataverse.msdyn_transactionconnection k
             ON k.msdyn_transaction2 = bn.node AND k.msdyn_transaction2role = 'ild'
            AND k.msdyn_transaction1type = 'msdyn_actual'
      LEFT JOIN dataverse.msdyn_actual b
             ON b.msdyn_actualid = k.msdyn_transaction1 AND b.msdyn_transactiontypecode = optionset.code('transactiontype', 'Billed Sales')
     WHERE r.is_root
     ORDER BY r.start, b.msdyn_actualid IS NULL, b.createdon;

    -- Every detail of the invoices with what it bills and the ids of what confirming creates.
    IF to_regclass('pg_temp.dv_cf_ild') IS NOT NULL THEN DROP TABLE pg_temp.dv_cf_ild; END IF;
    CREATE TEMP TABLE dv_cf_ild ON COMMIT DROP AS
    SELECT d.msdyn_invoicelinetransactionid AS ild, d.msdyn_invoice AS invoiceid, d.msdyn_correction AS correction,
           d.msdyn_description AS description, d.msdyn_externaldescription AS externaldescription,
           d.msdyn_transactionclassification AS class, d.msdyn_billingtype AS billingtype,
           d.msdyn_quantity AS quantity, d.msdyn_price AS price, d.msdyn_amount AS amount,
           d.msdyn_project AS project, d.msdyn_task AS task, d.msdyn_salescontract AS salescontract,
           d.msdyn_salescontractlineid AS contractline, d.msdyn_accountcustomer AS customer,
           d.msdyn_bookableresource AS resource, d.msdyn_transactioncategory AS category,
           d.msdyn_documentdate AS documentdate,
           c.invoicenumber, c.invoicedate, c.has_chargeable, c.salesorderid AS inv_contract,
           c.customerid AS inv_customer, c.currency AS inv_currency,
           l.salesorderdetailid AS line_contractline,
           coalesce(l.msdyn_project,
                    (SELECT p.msdyn_projectid FROM dataverse.msdyn_project p
                      WHERE p.msdyn_salesorderid = c.salesorderid
                      ORDER BY p.msdyn_projectnumber, p.msdyn_projectid LIMIT 1)) AS line_project,
           o.msdyn_quantity AS o_quantity, o.msdyn_price AS o_price, o.msdyn_billingtype AS o_billingtype,
           d.msdyn_correction
             AND (d.msdyn_quantity, d.msdyn_price, d.msdyn_billingtype)
                 IS DISTINCT FROM (o.msdyn_quantity, o.msdyn_price, o.msdyn_billingtype) AS changed,
           ch.prior_billed,
           ku.msdyn_transaction2 AS unbilled, km.msdyn_transaction2 AS milestone,
           gen_random_uuid() AS billed_id, gen_random_uuid() AS reversal_id, gen_random_uuid() AS credit_id
      FROM dataverse.msdyn_invoicelinetransaction d
      JOIN dv_cf_invoice c ON c.invoiceid = d.msdyn_invoice
      JOIN dataverse.invoicedetail l ON l.invoicedetailid = d.msdyn_invoicelineid
      LEFT JOIN dataverse.msdyn_invoicelinetransaction o
             ON d.msdyn_correction AND o.msdyn_invoicelinetransactionid = d.msdyn_originalinvoicelinedetail
      LEFT JOIN dv_cf_chain ch ON ch.start = d.msdyn_invoicelinetransactionid
      LEFT JOIN dataverse.msdyn_transactionconnection ku
             ON ku.msdyn_transaction1 = coalesce(ch.root, d.msdyn_invoicelinetransactionid)
            AND ku.msdyn_transaction1role = 'ild' AND ku.msdyn_transaction2type = 'msdyn_actual'
            AND ku.msdyn_transaction2role = optionset.code('transactiontype', 'Unbilled Sales')::text
      LEFT JOIN dataverse.msdyn_transactionconnection km
             ON km.msdyn_transaction1 = coalesce(ch.root, d.msdyn_invoicelinetransactionid)
            AND km.msdyn_transaction1role = 'ild' AND km.msdyn_transaction2type = 'msdyn_contractlinescheduleofvalue';
    IF v_invoices > 1000 THEN
        ANALYZE dv_cf_ild;
    END IF;

    -- A billed sale needs a project.
    SELECT c.ild, c.invoicenumber INTO v
      FROM dv_cf_ild c LEFT JOIN dataverse.msdyn_actual u ON u.msdyn_actualid = c.unbilled
     WHERE (NOT c.correction OR (c.changed AND c.quantity <> 0))
       AND coalesce(u.msdyn_project, c.project, c.line_project) IS NULL
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'invoice line detail % of invoice %: it has no project, so no billed sale can be made for it',
            v.ild, v.invoicenumber;
    END IF;
    RETURN v_invoices;
END
$$;
COMMENT ON FUNCTION process.dv_confirm_collect(uuid) IS
  'Step of process.dv_confirm: locks the Draft / In Review invoices to confirm into dv_cf_invoice and lists every '
  'detail with what it bills and the ids of what confirming creates (dv_cf_ild, with the correction chains of '
  'dv_cf_up and dv_cf_chain); raises for an invoice that cannot be confirmed and for a detail without a project. '
  'Returns how many invoices.';

-- Step 2: the actuals, milestone statuses and connections of the details of dv_cf_ild.
CREATE OR REPLACE FUNCTION process.dv_confirm_write(OUT billed bigint, OUT reversals bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_n bigint;
    v_billed bigint := 0;
    v_reversals bigint := 0;
BEGIN
    -- Billed sales: per detail of a regular invoice, and per changed corrective detail with a quantity (the rebill).
    INSERT INTO dataverse.msdyn_actual (
           msdyn_actualid, msdyn_description, msdyn_externaldescription, msdyn_transactiontypecode,
           msdyn_transactionclassification, msdyn_billingtype, msdyn_billingstatus, msdyn_quantity, msdyn_price,
           msdyn_amount, isocurrencycode, msdyn_project, msdyn_task, msdyn_salescontract, msdyn_salescontractlineid,
           msdyn_accountcustomer, msdyn_bookableresource, msdyn_transactioncategory, msdyn_invoice,
           msdyn_documentdate, msdyn_skipsync)
    SELECT c.billed_id, c.description, c.externaldescription, optionset.code('transactiontype', 'Billed Sales'), c.class, c.billingtype,
           optionset.code('billingstatus', 'Customer Invoice Posted'),
           c.quantity, c.price, c.amount, c.inv_currency,
           coalesce(u.msdyn_project, c.project, c.line_project), coalesce(u.msdyn_task, c.task),
           coalesce(u.msdyn_salescontract, c.salescontract, c.inv_contract),
           coalesce(u.msdyn_salescontractlineid, c.contractline, c.line_contractline),
           coalesce(u.msdyn_accountcustomer, c.customer, c.inv_customer),
           coalesce(u.msdyn_bookableresource, c.resource), coalesce(u.msdyn_transactioncategory, c.category),
           c.invoiceid,
           CASE WHEN c.class = optionset.code('transactionclass', 'Milestone') OR c.milestone IS NOT NULL THEN c.invoicedate
                ELSE coalesce(u.msdyn_documentdate, c.documentdate, c.invoicedate) END,
           NOT c.has_chargeable
      FROM dv_cf_ild c
      LEFT JOIN dataverse.msdyn_actual u ON u.msdyn_actualid = c.unbilled
     WHERE NOT c.correction OR (c.changed AND c.quantity <> 0);
    GET DIAGNOSTICS v_n = ROW_COUNT;
    v_billed := v_billed + v_n;

    -- Corrections: the reversing billed sale of the billed sale that stood for the corrected detail.
    INSERT INTO dataverse.msdyn_actual (
           msdyn_actualid, msdyn_description, msdyn_externaldescription, msdyn_transactiontypecode,
           msdyn_transactionclassification, msdyn_billingtype, msdyn_billingstatus, msdyn_quantity, msdyn_price,
           msdyn_amount, isocurrencycode, msdyn_project, msdyn_task, msdyn_salescontract, msdyn_salescontractlineid,
           msdyn_accountcustomer, msdyn_bookableresource, msdyn_transactioncategory, msdyn_invoice,
           msdyn_documentdate, msdyn_skipsync)
    SELECT c.reversal_id, b.msdyn_description, b.msdyn_externaldescription, optionset.code('transactiontype', 'Billed Sales'),
           b.msdyn_transactionclassification, b.msdyn_billingtype, optionset.code('billingstatus', 'Customer Invoice Posted'),
           -b.msdyn_quantity, b.msdyn_price,
           -b.msdyn_amount, b.isocurrencycode, b.msdyn_project, b.msdyn_task, b.msdyn_salescontract,
           b.msdyn_salescontractlineid, b.msdyn_accountcustomer, b.msdyn_bookableresource,
           b.msdyn_transactioncategory, c.invoiceid, b.msdyn_documentdate, NOT c.has_chargeable
      FROM dv_cf_ild c
      JOIN dataverse.msdyn_actual b ON b.msdyn_actualid = c.prior_billed
     WHERE c.correction AND c.changed;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    v_billed := v_billed + v_n;

    -- Regular invoices: the skip-sync reversal of each unbilled sale billed, and the original → Customer Invoice
    -- Posted (Adjusted when the detail's quantity, price or billing type differ from it).
    INSERT INTO dataverse.msdyn_actual (
           msdyn_actualid, msdyn_description, msdyn_externaldescription, msdyn_transactiontypecode,
           msdyn_transactionclassification, msdyn_billingtype, msdyn_billingstatus, msdyn_quantity, msdyn_price,
           msdyn_amount, isocurrencycode, msdyn_project, msdyn_task, msdyn_salescontract, msdyn_salescontractlineid,
           msdyn_accountcustomer, msdyn_bookableresource, msdyn_transactioncategory, msdyn_invoice,
           msdyn_documentdate, msdyn_skipsync)
    SELECT c.reversal_id, u.msdyn_description, u.msdyn_externaldescription, optionset.code('transactiontype', 'Unbilled Sales'),
           u.msdyn_transactionclassification, u.msdyn_billingtype, optionset.code('billingstatus', 'Customer Invoice Posted'),
           -u.msdyn_quantity, u.msdyn_price,
           -u.msdyn_amount, u.isocurrencycode, u.msdyn_project, u.msdyn_task, u.msdyn_salescontract,
           u.msdyn_salescontractlineid, u.msdyn_accountcustomer, u.msdyn_bookableresource,
           u.msdyn_transactioncategory, c.invoiceid, u.msdyn_documentdate, true
      FROM dv_cf_ild c
      JOIN dataverse.msdyn_actual u ON u.msdyn_actualid = c.unbilled
     WHERE NOT c.correction;
    GET DIAGNOSTICS v_reversals = ROW_COUNT;

    UPDATE dataverse.msdyn_actual u
       SET msdyn_billingstatus = optionset.code('billingstatus', 'Customer Invoice Posted'),
           msdyn_adjustmentstatus = CASE WHEN (c.quantity, c.price, c.billingtype)
                                              IS DISTINCT FROM (u.msdyn_quantity, u.msdyn_price, u.msdyn_billingtype)
                                         THEN optionset.code('adjustmentstatus', 'Adjusted') ELSE u.msdyn_adjustmentstatus END,
           modifiedon = now()
      FROM dv_cf_ild c
     WHERE u.msdyn_actualid = c.unbilled AND NOT c.correction;

    -- Corrections: a new unbilled sale, Ready to Invoice, for the credited part (at the corrected detail's price).
    INSERT INTO dataverse.msdyn_actual (
           msdyn_actualid, msdyn_description, msdyn_externaldescription, msdyn_transactiontypecode,
           msdyn_transactionclassification, msdyn_billingtype, msdyn_billingstatus, msdyn_quantity, msdyn_price,
           msdyn_amount, isocurrencycode, msdyn_project, msdyn_task, msdyn_salescontract, msdyn_salescontractlineid,
           msdyn_accountcustomer, msdyn_bookableresource, msdyn_transactioncategory, msdyn_invoice,
           msdyn_documentdate, msdyn_skipsync)
    SELECT c.credit_id, u.msdyn_description, u.msdyn_externaldescription, optionset.code('transactiontype', 'Unbilled Sales'),
           u.msdyn_transactionclassification, u.msdyn_billingtype, optionset.code('billingstatus', 'Ready to Invoice'),
           process.dv_quantity(u.msdyn_transactionclassification, c.o_quantity - c.quantity), c.o_price,
           round((c.o_quantity - c.quantity) * c.o_price, 2), u.isocurrencycode, u.msdyn_project, u.msdyn_task,
           u.msdyn_salescontract, u.msdyn_salescontractlineid, u.msdyn_accountcustomer, u.msdyn_bookableresource,
           u.msdyn_transactioncategory, NULL, u.msdyn_documentdate, false
      FROM dv_cf_ild c
      JOIN dataverse.msdyn_actual u ON u.msdyn_actualid = c.unbilled
     WHERE c.correction AND c.changed AND c.quantity < c.o_quantity;

    -- Milestones: billed → Customer invoice posted; credited in full on a correction → Ready again.
    UPDATE dataverse.msdyn_contractlinescheduleofvalue m
       SET msdyn_invoicestatus = CASE WHEN c.correction THEN optionset.code('milestoneinvoicestatus', 'Ready')
                                      ELSE optionset.code('milestoneinvoicestatus', 'Customer invoice posted') END,
           modifiedon = now()
      FROM dv_cf_ild c
     WHERE m.msdyn_contractlinescheduleofvalueid = c.milestone
       AND (NOT c.correction OR (c.changed AND c.quantity = 0));

    -- Connections.
    INSERT INTO dataverse.msdyn_transactionconnection (
           msdyn_transaction1, msdyn_transaction1role, msdyn_transaction1type,
           msdyn_transaction2, msdyn_transaction2role, msdyn_transaction2type)
    -- billed sale (regular or rebill) → its ILD
    SELECT c.billed_id, optionset.code('transactiontype', 'Billed Sales')::text, 'msdyn_actual', c.ild, 'ild', 'msdyn_invoicelinetransaction'
      FROM dv_cf_ild c WHERE NOT c.correction OR (c.changed AND c.quantity <> 0)
    UNION ALL
    -- billed sale (regular or rebill) → the unbilled sale it bills
    SELECT c.billed_id, optionset.code('transactiontype', 'Billed Sales')::text, 'msdyn_actual', c.unbilled, optionset.code('transactiontype', 'Unbilled Sales')::text, 'msdyn_actual'
      FROM dv_cf_ild c WHERE c.unbilled IS NOT NULL AND (NOT c.correction OR (c.changed AND c.quantity <> 0))
    UNION ALL
    -- reversal unbilled sale → the original unbilled sale
    SELECT c.reversal_id, optionset.code('transactiontype', 'Unbilled Sales')::text, 'msdyn_actual', c.unbilled, optionset.code('transactiontype', 'Unbilled Sales')::text, 'msdyn_actual'
      FROM dv_cf_ild c WHERE c.unbilled IS NOT NULL AND NOT c.correction
    UNION ALL
    -- reversing billed sale → the original billed sale
    SELECT c.reversal_id, optionset.code('transactiontype', 'Billed Sales')::text, 'msdyn_actual', c.prior_billed, optionset.code('transactiontype', 'Billed Sales')::text, 'msdyn_actual'
      FROM dv_cf_ild c WHERE c.prior_billed IS NOT NULL AND c.correction AND c.changed
    UNION ALL
    -- reversing billed sale → the original unbilled sale
    SELECT c.reversal_id, optionset.code('transactiontype', 'Billed Sales')::text, 'msdyn_actual', c.unbilled, optionset.code('transactiontype', 'Unbilled Sales')::text, 'msdyn_actual'
      FROM dv_cf_ild c WHERE c.prior_billed IS NOT NULL AND c.unbilled IS NOT NULL AND c.correction AND c.changed
    UNION ALL
    -- new unbilled sale for the credited part → the original unbilled sale
    SELECT c.credit_id, optionset.code('transactiontype', 'Unbilled Sales')::text, 'msdyn_actual', c.unbilled, optionset.code('transactiontype', 'Unbilled Sales')::text, 'msdyn_actual'
      FROM dv_cf_ild c
     WHERE c.unbilled IS NOT NULL AND c.correction AND c.changed AND c.quantity < c.o_quantity;
    billed := v_billed;
    reversals := v_reversals;
END
$$;
COMMENT ON FUNCTION process.dv_confirm_write() IS
  'Step of process.dv_confirm: billed sales, reversals, the original unbilled sales'' statuses, credited parts, '
  'milestone statuses and every connection of the details of dv_cf_ild; returns the billed sales and reversals made.';

CREATE OR REPLACE FUNCTION process.dv_confirm(p_invoice uuid DEFAULT NULL)
RETURNS TABLE (invoices bigint, billed_sales bigint, reversals bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_invoices bigint;
    v_ids uuid[];
    v_written record;
BEGIN
    v_invoices := process.dv_confirm_collect(p_invoice);
    SELECT * INTO v_written FROM process.dv_confirm_write();

    -- Totals, then the headers → Confirmed (after this the guards make the invoice read-only).
    SELECT array_agg(c.invoiceid) INTO v_ids FROM dv_cf_invoice c;
    PERFORM process.dv_recalculate_totals(coalesce(v_ids, '{}'));
    UPDATE dataverse.invoice i
       SET msdyn_projectinvoicestatus = optionset.code('projectinvoicestatus', 'Confirmed'), msdyn_invoicedate = c.invoicedate, modifiedon = now()
      FROM dv_cf_invoice c
     WHERE i.invoiceid = c.invoiceid;

    DROP TABLE dv_cf_ild;
    DROP TABLE dv_cf_chain;
    DROP TABLE dv_cf_up;
    DROP TABLE dv_cf_invoice;
    RETURN QUERY SELECT v_invoices, v_written.billed, v_written.reversals;
END
$$;
COMMENT ON FUNCTION process.dv_confirm(uuid) IS
  'Confirm proforma invoices (docs/processes.md, Dataverse side): one Draft / In Review invoice, or all of them. Per '
  'detail of a regular invoice: a billed sale (same class, billing type, quantity, price, amount; contract currency; '
  'project, contract, line, customer, resource and document date of the unbilled sale it bills, the invoice''s for '
  'milestones; Customer Invoice Posted; msdyn_invoice stamped) connected to the detail and to the unbilled sale; for '
  'an unbilled sale a skip-sync reversal (-quantity, -amount, Customer Invoice Posted) connected to it, and the '
  'original → Customer Invoice Posted, Adjusted when the detail''s quantity, price or billing type differ; a '
  'milestone → Customer invoice posted. Per detail of a corrective invoice that differs from its original '
  '(quantity, price or billing type; an unchanged one creates nothing): a reversing billed sale of the billed sale '
  'that stood for the original, connected to it and to the original unbilled sale; when the quantity is not 0 a '
  'billed sale for it, connected to the detail and the original unbilled sale; when the quantity went down a new '
  'unbilled sale (Ready to Invoice) for the credited part at the original price, connected to the original unbilled '
  'sale; a milestone credited in full → Ready. Billed sales of an invoice without a Chargeable detail are skip-sync '
  '(never sent to F&O). Totals recomputed, then header → Confirmed with msdyn_invoicedate kept or set to today. '
  'Returns the invoices confirmed, billed sales created (reversing ones included) and skip-sync unbilled reversals.';
