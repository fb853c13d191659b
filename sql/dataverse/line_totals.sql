-- dataverse/line_totals.sql
-- The line-total rule of proforma invoices (I1), written once: the totals each invoice line gets from its line
-- details. process.dv_recalculate_totals (dataverse/helpers.sql) writes them; the reconciliation's
-- INVOICE_TOTALS_INCONSISTENT check (recon/dataverse.sql) compares the lines with them.

-- Grouped by the line, so a filter on invoicedetailid or invoiceid reaches dataverse.invoicedetail before the details
-- are summed (WHERE invoiceid = ANY (...) reads only those invoices' lines and details).
CREATE OR REPLACE VIEW process.dv_line_totals AS
SELECT t.invoicedetailid,
       t.invoiceid,
       t.chargeable AS msdyn_chargeableamount,
       t.nonchargeable AS msdyn_nonchargeableamount,
       t.complimentary AS msdyn_complimentaryamount,
       t.chargeable AS baseamount,
       t.tax,
       t.chargeable + t.tax AS extendedamount
  FROM (SELECT l.invoicedetailid, l.invoiceid,
               coalesce(sum(coalesce(d.msdyn_invoiceamount, d.msdyn_amount))
                        FILTER (WHERE d.msdyn_billingtype = optionset.code('billingtype', 'Chargeable')), 0)
                   AS chargeable,
               coalesce(sum(coalesce(d.msdyn_invoiceamount, d.msdyn_amount))
                        FILTER (WHERE d.msdyn_billingtype = optionset.code('billingtype', 'Non Chargeable')), 0)
                   AS nonchargeable,
               coalesce(sum(coalesce(d.msdyn_invoiceamount, d.msdyn_amount))
                        FILTER (WHERE d.msdyn_billingtype = optionset.code('billingtype', 'Complimentary')), 0)
                   AS complimentary,
               coalesce(sum(d.msdyn_tax), 0) AS tax
          FROM dataverse.invoicedetail l
          LEFT JOIN dataverse.msdyn_invoicelinetransaction d ON d.msdyn_invoicelineid = l.invoicedetailid
         GROUP BY l.invoicedetailid, l.invoiceid) t;
COMMENT ON VIEW process.dv_line_totals IS
  'The line-total rule of proforma invoices (I1): one row per invoice line (dataverse.invoicedetail) with the totals '
  'its line details (dataverse.msdyn_invoicelinetransaction) give it: per billing type the sum of the details'' '
  'msdyn_invoiceamount (msdyn_amount where it is empty), base = chargeable, tax = sum of the details'' tax, extended '
  '= base + tax; 0 for a line without details. Written by process.dv_recalculate_totals, checked by the '
  'reconciliation (INVOICE_TOTALS_INCONSISTENT). Filter on invoiceid or invoicedetailid.';
COMMENT ON COLUMN process.dv_line_totals.invoicedetailid IS 'Invoice line id (dataverse.invoicedetail).';
COMMENT ON COLUMN process.dv_line_totals.invoiceid IS 'Proforma invoice id of the line (dataverse.invoice).';
COMMENT ON COLUMN process.dv_line_totals.msdyn_chargeableamount IS
  'Sum of the invoice amounts of the line''s Chargeable details, invoice currency.';
COMMENT ON COLUMN process.dv_line_totals.msdyn_nonchargeableamount IS
  'Sum of the invoice amounts of the line''s Non Chargeable details, invoice currency.';
COMMENT ON COLUMN process.dv_line_totals.msdyn_complimentaryamount IS
  'Sum of the invoice amounts of the line''s Complimentary details, invoice currency.';
COMMENT ON COLUMN process.dv_line_totals.baseamount IS 'The line''s base amount: its chargeable amount.';
COMMENT ON COLUMN process.dv_line_totals.tax IS 'Sum of the tax of the line''s details, invoice currency.';
COMMENT ON COLUMN process.dv_line_totals.extendedamount IS 'baseamount + tax.';
