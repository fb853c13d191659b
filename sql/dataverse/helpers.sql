-- dataverse/helpers.sql
-- Helpers of the Dataverse side. This folder, sql/dataverse/, holds the Dataverse side of the invoice flow
-- (docs/processes.md, "Dataverse side"): approving entries, the billing backlog, proforma invoices (create, edit, delete details, confirm, revise, confirm corrections), their helpers,
-- and the guards of "Refused in the database" that belong to Dataverse.
--
-- Every function is set-based: each step is one INSERT … SELECT or UPDATE … FROM over a temporary table of the rows
-- the call works on (ON COMMIT DROP, dropped again at the end so a second call in one transaction works). Rows are
-- claimed by the UPDATE that moves their status (or by FOR NO KEY UPDATE on their header), so two concurrent calls
-- never take the same entry, actual, contract or invoice twice. New ids are generated up front in the temporary
-- tables, so connections can be written without looking anything up again.
--
-- Money: amounts are numeric; amount = round(quantity * price, 2); a time quantity is round(minutes / 60, 4).
-- Every refusal raises SQLSTATE P0001 with one line naming the record and the rule.

CREATE OR REPLACE FUNCTION process.dv_number(p_prefix text, p_number bigint, p_width integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT p_prefix || CASE WHEN length(p_number::text) >= p_width THEN p_number::text
                            ELSE lpad(p_number::text, p_width, '0') END
$$;
COMMENT ON FUNCTION process.dv_number(text, bigint, integer) IS
  'Dataverse auto-number format: prefix + number padded with zeros to p_width digits (INV-000001); a number with more '
  'digits is kept whole, never cut.';

CREATE OR REPLACE FUNCTION process.dv_invoice_status_name(p_status integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(optionset.label('projectinvoicestatus', p_status), 'in status ' || p_status)
$$;
COMMENT ON FUNCTION process.dv_invoice_status_name(integer) IS
  'Name of a proforma invoice status (msdyn_projectinvoicestatus) for messages: Draft, In Review, Confirmed, Invoice '
  'Paid, Posted.';

CREATE OR REPLACE FUNCTION process.dv_quantity(p_transactionclassification integer, p_quantity numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_transactionclassification = optionset.code('transactionclass', 'Time') THEN round(p_quantity, 4) ELSE p_quantity END
$$;
COMMENT ON FUNCTION process.dv_quantity(integer, numeric) IS
  'A quantity as Dataverse keeps it for its transaction class: hours (class Time) with 4 decimals (8 h is 8.0000, as '
  'approval makes them from minutes / 60), other classes as entered.';

CREATE OR REPLACE FUNCTION process.dv_recalculate_totals(p_invoices uuid[]) RETURNS void
LANGUAGE sql AS $$
    -- Lines (I1): the totals of the line-total rule (process.dv_line_totals, dataverse/line_totals.sql). The filter
    -- on s.invoiceid reaches the view's lines before their details are summed.
    UPDATE dataverse.invoicedetail l
       SET msdyn_chargeableamount = s.msdyn_chargeableamount, msdyn_nonchargeableamount = s.msdyn_nonchargeableamount,
           msdyn_complimentaryamount = s.msdyn_complimentaryamount, baseamount = s.baseamount, tax = s.tax,
           extendedamount = s.extendedamount, modifiedon = now()
      FROM process.dv_line_totals s
     WHERE s.invoiceid = ANY (p_invoices)
       AND l.invoicedetailid = s.invoicedetailid
       AND (l.msdyn_chargeableamount, l.msdyn_nonchargeableamount, l.msdyn_complimentaryamount, l.baseamount, l.tax,
            l.extendedamount)
           IS DISTINCT FROM (s.msdyn_chargeableamount, s.msdyn_nonchargeableamount, s.msdyn_complimentaryamount,
                             s.baseamount, s.tax, s.extendedamount);
    -- Header (I2): detail amount = sum of line base amounts, tax = sum of line tax, total = both.
    UPDATE dataverse.invoice i
       SET totallineitemamount = s.base, totaltax = s.tax, totalamount = s.base + s.tax, modifiedon = now()
      FROM (SELECT i2.invoiceid, coalesce(sum(l.baseamount), 0) AS base, coalesce(sum(l.tax), 0) AS tax
              FROM dataverse.invoice i2
              LEFT JOIN dataverse.invoicedetail l ON l.invoiceid = i2.invoiceid
             WHERE i2.invoiceid IN (SELECT unnest(p_invoices))
             GROUP BY i2.invoiceid) s
     WHERE i.invoiceid = s.invoiceid
       AND (i.totallineitemamount, i.totaltax, i.totalamount) IS DISTINCT FROM (s.base, s.tax, s.base + s.tax);
$$;
COMMENT ON FUNCTION process.dv_recalculate_totals(uuid[]) IS
  'Recomputes the totals of some proforma invoices from their line details (I1-I2): per line msdyn_chargeableamount / '
  'msdyn_nonchargeableamount / msdyn_complimentaryamount = sum of the details'' msdyn_invoiceamount per billing type, '
  'baseamount = chargeable, tax = sum of ILD tax, extendedamount = base + tax; per header totallineitemamount = sum '
  'of base, totaltax = sum of tax, totalamount = both. Rows whose totals are already right are not touched. Used by '
  'every process that changes line details; only valid on Draft / In Review invoices (the guards refuse the rest).';
