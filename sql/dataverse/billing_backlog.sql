-- dataverse/billing_backlog.sql
-- Billing backlog.

CREATE OR REPLACE FUNCTION process.dv_mark_ready(p_contract uuid DEFAULT NULL, p_project uuid DEFAULT NULL,
                                      p_from date DEFAULT NULL, p_to date DEFAULT NULL)
RETURNS TABLE (actuals bigint, milestones bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_actuals bigint;
    v_milestones bigint;
BEGIN
    UPDATE dataverse.msdyn_actual a
       SET msdyn_billingstatus = optionset.code('billingstatus', 'Ready to Invoice'), modifiedon = now()
     WHERE a.msdyn_transactiontypecode = optionset.code('transactiontype', 'Unbilled Sales')
       AND a.msdyn_billingstatus = optionset.code('billingstatus', 'Unbilled Sales Created')
       AND a.msdyn_invoice IS NULL
       AND (p_contract IS NULL OR a.msdyn_salescontract = p_contract)
       AND (p_project IS NULL OR a.msdyn_project = p_project)
       AND (p_from IS NULL OR a.msdyn_documentdate >= p_from)
       AND (p_to IS NULL OR a.msdyn_documentdate <= p_to);
    GET DIAGNOSTICS v_actuals = ROW_COUNT;

    UPDATE dataverse.msdyn_contractlinescheduleofvalue m
       SET msdyn_invoicestatus = optionset.code('milestoneinvoicestatus', 'Ready'), modifiedon = now()
     WHERE m.msdyn_invoicestatus = optionset.code('milestoneinvoicestatus', 'Not Ready')
       AND m.statecode = optionset.code('state', 'Active')
       AND (p_contract IS NULL OR m.msdyn_contract = p_contract)
       AND (p_project IS NULL OR EXISTS (
                SELECT 1 FROM dataverse.salesorderdetail sd
                 WHERE sd.salesorderdetailid = m.msdyn_contractlineid AND sd.msdyn_project = p_project))
       AND (p_from IS NULL OR m.msdyn_invoicedate >= p_from)
       AND (p_to IS NULL OR m.msdyn_invoicedate <= p_to);
    GET DIAGNOSTICS v_milestones = ROW_COUNT;

    RETURN QUERY SELECT v_actuals, v_milestones;
END
$$;
COMMENT ON FUNCTION process.dv_mark_ready(uuid, uuid, date, date) IS
  'Mark ready to invoice (docs/processes.md, Dataverse side): unbilled sales (type Unbilled Sales, status Unbilled '
  'Sales Created, not on an invoice) → Ready to Invoice (192350004), and active milestones Not Ready → Ready '
  '(192350001), optionally of one contract, one project, and with the document date / milestone invoice date in '
  '[p_from, p_to] (NULL = unbounded; a milestone without an invoice date only when no bound is given). Returns the '
  'numbers of actuals and milestones marked. Idempotent.';

CREATE OR REPLACE VIEW process.billing_backlog AS
WITH ready_actuals AS (
    SELECT a.msdyn_salescontractlineid AS salesorderdetailid, count(*) AS n, sum(a.msdyn_amount) AS amount
      FROM dataverse.msdyn_actual a
     WHERE a.msdyn_transactiontypecode = optionset.code('transactiontype', 'Unbilled Sales') AND a.msdyn_billingstatus = optionset.code('billingstatus', 'Ready to Invoice') AND a.msdyn_invoice IS NULL
     GROUP BY a.msdyn_salescontractlineid),
ready_milestones AS (
    SELECT m.msdyn_contractlineid AS salesorderdetailid, count(*) AS n, sum(m.msdyn_amount) AS amount
      FROM dataverse.msdyn_contractlinescheduleofvalue m
     WHERE m.msdyn_invoicestatus = optionset.code('milestoneinvoicestatus', 'Ready')
     GROUP BY m.msdyn_contractlineid)
SELECT so.salesorderid, so.ordernumber, sd.productdescription AS contractline,
       coalesce(sd.isocurrencycode, so.isocurrencycode) AS isocurrencycode,
       coalesce(ra.n, 0)::bigint AS ready_actuals, coalesce(ra.amount, 0)::numeric AS ready_actuals_amount,
       coalesce(rm.n, 0)::bigint AS ready_milestones, coalesce(rm.amount, 0)::numeric AS ready_milestones_amount,
       sd.salesorderdetailid
  FROM dataverse.salesorderdetail sd
  JOIN dataverse.salesorder so ON so.salesorderid = sd.salesorderid
  LEFT JOIN ready_actuals ra ON ra.salesorderdetailid = sd.salesorderdetailid
  LEFT JOIN ready_milestones rm ON rm.salesorderdetailid = sd.salesorderdetailid
 WHERE ra.salesorderdetailid IS NOT NULL OR rm.salesorderdetailid IS NOT NULL;
COMMENT ON VIEW process.billing_backlog IS
  'Billing backlog (docs/processes.md, Dataverse side): per contract and contract line with something ready to '
  'invoice, the ready unbilled sales (Ready to Invoice, not on an invoice) and ready milestones with their count and '
  'amount, in the contract line currency. Columns: salesorderid, ordernumber, contractline (the line''s '
  'productdescription), isocurrencycode, ready_actuals, ready_actuals_amount, ready_milestones, '
  'ready_milestones_amount, salesorderdetailid.';
COMMENT ON COLUMN process.billing_backlog.salesorderid IS 'Project contract id (dataverse.salesorder).';
COMMENT ON COLUMN process.billing_backlog.ordernumber IS 'Project contract number.';
COMMENT ON COLUMN process.billing_backlog.contractline IS 'Contract line (its productdescription).';
COMMENT ON COLUMN process.billing_backlog.isocurrencycode IS 'ISO 4217 code of the contract line currency.';
COMMENT ON COLUMN process.billing_backlog.ready_actuals IS 'Unbilled sales Ready to Invoice on the line, not on an invoice yet.';
COMMENT ON COLUMN process.billing_backlog.ready_actuals_amount IS 'Sum of their amounts, contract line currency (exact).';
COMMENT ON COLUMN process.billing_backlog.ready_milestones IS 'Milestones of the line in status Ready.';
COMMENT ON COLUMN process.billing_backlog.ready_milestones_amount IS 'Sum of their amounts, contract line currency (exact).';
COMMENT ON COLUMN process.billing_backlog.salesorderdetailid IS 'Contract line id (dataverse.salesorderdetail).';
