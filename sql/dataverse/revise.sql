-- dataverse/revise.sql
-- Revise (corrective invoice).

CREATE OR REPLACE FUNCTION process.dv_revise(p_invoice uuid)
RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    i record;
    v record;
    v_new uuid := gen_random_uuid();
BEGIN
    SELECT * INTO i FROM dataverse.invoice x WHERE x.invoiceid = p_invoice FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'invoice % does not exist', p_invoice;
    END IF;
    IF NOT i.msdyn_projectinvoicestatus = ANY (optionset.codes('projectinvoicestatus', 'Confirmed', 'Invoice Paid', 'Posted')) THEN
        RAISE EXCEPTION 'invoice % is %: only a confirmed invoice can be revised',
            i.invoicenumber, process.dv_invoice_status_name(i.msdyn_projectinvoicestatus);
    END IF;
    SELECT ci.invoicenumber, ci.msdyn_projectinvoicestatus INTO v
      FROM dataverse.msdyn_invoicelinetransaction o
      JOIN dataverse.msdyn_invoicelinetransaction c ON c.msdyn_originalinvoicelinedetail = o.msdyn_invoicelinetransactionid
      JOIN dataverse.invoice ci ON ci.invoiceid = c.msdyn_invoice
     WHERE o.msdyn_invoice = p_invoice
     ORDER BY ci.msdyn_projectinvoicestatus = ANY (optionset.codes('projectinvoicestatus', 'Draft', 'In Review')) DESC, ci.invoicenumber DESC
     LIMIT 1;
    IF FOUND THEN
        IF v.msdyn_projectinvoicestatus = ANY (optionset.codes('projectinvoicestatus', 'Draft', 'In Review')) THEN
            RAISE EXCEPTION 'invoice % already has a draft correction %: confirm or delete it before revising again',
                i.invoicenumber, v.invoicenumber;
        END IF;
        RAISE EXCEPTION 'invoice % was already corrected by invoice %: revise the latest correction instead',
            i.invoicenumber, v.invoicenumber;
    END IF;

    INSERT INTO dataverse.invoice (invoiceid, invoicenumber, name, description, salesorderid, customerid,
                                   isocurrencycode, exchangerate, msdyn_projectinvoicestatus, msdyn_invoicedate,
                                   duedate, statecode, statuscode)
    VALUES (v_new, process.dv_number('INV-', nextval('dataverse.invoicenumber_seq'), 6),
            'Correction of ' || i.invoicenumber, i.name, i.salesorderid, i.customerid, i.isocurrencycode,
            i.exchangerate, optionset.code('projectinvoicestatus', 'Draft'), greatest(i.msdyn_invoicedate, current_date), NULL,
           optionset.code('invoicestate', 'Active'), optionset.code('invoicestatus', 'New'));

    -- One line per contract line, as on any proforma.
    IF to_regclass('pg_temp.dv_rv_line') IS NOT NULL THEN DROP TABLE pg_temp.dv_rv_line; END IF;
    CREATE TEMP TABLE dv_rv_line ON COMMIT DROP AS
    SELECT gen_random_uuid() AS invoicedetailid, sd.salesorderdetailid, sd.productdescription, sd.lineitemnumber,
           sd.msdyn_billingmethod, sd.msdyn_project, coalesce(sd.isocurrencycode, i.isocurrencycode) AS isocurrencycode
      FROM dataverse.salesorderdetail sd
     WHERE sd.salesorderid = i.salesorderid;
    INSERT INTO dataverse.invoicedetail (invoicedetailid, invoiceid, salesorderdetailid, productdescription,
                                         lineitemnumber, msdyn_billingmethod, msdyn_project, isocurrencycode)
    SELECT l.invoicedetailid, v_new, l.salesorderdetailid, l.productdescription, l.lineitemnumber,
           l.msdyn_billingmethod, l.msdyn_project, l.isocurrencycode
      FROM dv_rv_line l;

    -- One corrective detail per detail of the original: quantity 0, amount 0, credit all.
    INSERT INTO dataverse.msdyn_invoicelinetransaction (
           msdyn_invoice, msdyn_invoicelineid, msdyn_description, msdyn_externaldescription,
           msdyn_transactiontypecode, msdyn_transactionclassification, msdyn_billingtype, msdyn_quantity, msdyn_price,
           msdyn_amount, msdyn_tax, msdyn_invoiceamount, msdyn_previousamount, msdyn_correction,
           msdyn_originalinvoicelinedetail, msdyn_project, msdyn_task, msdyn_salescontract,
           msdyn_salescontractlineid, msdyn_accountcustomer, msdyn_bookableresource, msdyn_transactioncategory,
           msdyn_documentdate, isocurrencycode, exchangerate)
    SELECT v_new, nl.invoicedetailid, o.msdyn_description, o.msdyn_externaldescription, o.msdyn_transactiontypecode,
           o.msdyn_transactionclassification, o.msdyn_billingtype,
           process.dv_quantity(o.msdyn_transactionclassification, 0), o.msdyn_price, 0, 0, -o.msdyn_amount,
           o.msdyn_amount, true, o.msdyn_invoicelinetransactionid, o.msdyn_project, o.msdyn_task,
           o.msdyn_salescontract, o.msdyn_salescontractlineid, o.msdyn_accountcustomer, o.msdyn_bookableresource,
           o.msdyn_transactioncategory, o.msdyn_documentdate, o.isocurrencycode, o.exchangerate
      FROM dataverse.msdyn_invoicelinetransaction o
      JOIN dataverse.invoicedetail ol ON ol.invoicedetailid = o.msdyn_invoicelineid
      JOIN dv_rv_line nl ON nl.salesorderdetailid = ol.salesorderdetailid
     WHERE o.msdyn_invoice = p_invoice;

    PERFORM process.dv_recalculate_totals(ARRAY[v_new]);
    DROP TABLE dv_rv_line;
    RETURN v_new;
END
$$;
COMMENT ON FUNCTION process.dv_revise(uuid) IS
  'Revise a Confirmed / Invoice Paid / Posted invoice (docs/processes.md, Dataverse side): creates a Draft corrective '
  'invoice (same contract, customer, currency; invoice date the original''s or today, whichever is later) with one '
  'line per contract line and one detail per detail of the original: msdyn_correction = true, '
  'msdyn_originalinvoicelinedetail = the original, quantity 0, amount 0, msdyn_previousamount = the original amount, '
  'msdyn_invoiceamount = -the original amount (credit all). The user raises quantities to keep them billed '
  '(dv_edit_invoice_detail); dv_confirm books the difference. Refuses an unknown or unconfirmed invoice, an invoice '
  'with a draft correction, and an invoice already corrected (revise the latest correction instead). Returns the id '
  'of the corrective invoice (call it in a statement of its own: the statement that calls it does not see the rows '
  'it inserts).';
