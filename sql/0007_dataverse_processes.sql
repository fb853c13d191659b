-- 0007_dataverse_processes.sql
-- The Dataverse side of the invoice flow (docs/processes.md, "Dataverse side"): approving entries, the billing
-- backlog, proforma invoices (create, edit, delete details, confirm, revise, confirm corrections), their helpers,
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
-- Applied by the tieout migrator in one transaction (no BEGIN/COMMIT here).

------------------------------------------------------------------------------------------------
-- Helpers
------------------------------------------------------------------------------------------------
CREATE FUNCTION process.dv_number(p_prefix text, p_number bigint, p_width integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT p_prefix || CASE WHEN length(p_number::text) >= p_width THEN p_number::text
                            ELSE lpad(p_number::text, p_width, '0') END
$$;
COMMENT ON FUNCTION process.dv_number(text, bigint, integer) IS
  'Dataverse auto-number format: prefix + number padded with zeros to p_width digits (INV-000001); a number with more '
  'digits is kept whole, never cut.';

CREATE FUNCTION process.dv_invoice_status_name(p_status integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE p_status
               WHEN 192350000 THEN 'Draft'
               WHEN 192350001 THEN 'In Review'
               WHEN 192350002 THEN 'Confirmed'
               WHEN 192350003 THEN 'Invoice Paid'
               WHEN 192350004 THEN 'Posted'
               ELSE 'in status ' || p_status
           END
$$;
COMMENT ON FUNCTION process.dv_invoice_status_name(integer) IS
  'Name of a proforma invoice status (msdyn_projectinvoicestatus) for messages: Draft, In Review, Confirmed, Invoice '
  'Paid, Posted.';

CREATE FUNCTION process.dv_quantity(p_transactionclassification integer, p_quantity numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_transactionclassification = 192350000 THEN round(p_quantity, 4) ELSE p_quantity END
$$;
COMMENT ON FUNCTION process.dv_quantity(integer, numeric) IS
  'A quantity as Dataverse keeps it for its transaction class: hours (class Time) with 4 decimals (8 h is 8.0000, as '
  'approval makes them from minutes / 60), other classes as entered.';

CREATE FUNCTION process.dv_recalculate_totals(p_invoices uuid[]) RETURNS void
LANGUAGE sql AS $$
    -- Lines (I1): per billing type the sum of the details' invoice amounts; base = chargeable; tax = sum of ILD tax.
    UPDATE dataverse.invoicedetail l
       SET msdyn_chargeableamount = s.chargeable, msdyn_nonchargeableamount = s.nonchargeable,
           msdyn_complimentaryamount = s.complimentary, baseamount = s.chargeable, tax = s.tax,
           extendedamount = s.chargeable + s.tax, modifiedon = now()
      FROM (SELECT l2.invoicedetailid,
                   coalesce(sum(coalesce(d.msdyn_invoiceamount, d.msdyn_amount))
                            FILTER (WHERE d.msdyn_billingtype = 192350001), 0) AS chargeable,
                   coalesce(sum(coalesce(d.msdyn_invoiceamount, d.msdyn_amount))
                            FILTER (WHERE d.msdyn_billingtype = 192350000), 0) AS nonchargeable,
                   coalesce(sum(coalesce(d.msdyn_invoiceamount, d.msdyn_amount))
                            FILTER (WHERE d.msdyn_billingtype = 192350002), 0) AS complimentary,
                   coalesce(sum(d.msdyn_tax), 0) AS tax
              FROM dataverse.invoicedetail l2
              LEFT JOIN dataverse.msdyn_invoicelinetransaction d ON d.msdyn_invoicelineid = l2.invoicedetailid
             WHERE l2.invoiceid IN (SELECT unnest(p_invoices))
             GROUP BY l2.invoicedetailid) s
     WHERE l.invoicedetailid = s.invoicedetailid
       AND (l.msdyn_chargeableamount, l.msdyn_nonchargeableamount, l.msdyn_complimentaryamount, l.baseamount, l.tax,
            l.extendedamount)
           IS DISTINCT FROM (s.chargeable, s.nonchargeable, s.complimentary, s.chargeable, s.tax, s.chargeable + s.tax);
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

------------------------------------------------------------------------------------------------
-- Approve entries and post journals
------------------------------------------------------------------------------------------------
CREATE FUNCTION process.dv_approve(p_project uuid DEFAULT NULL, p_through date DEFAULT NULL)
RETURNS TABLE (entries bigint, actuals bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_entries bigint;
    v_cost bigint;
    v_sales bigint;
    v record;
BEGIN
    IF to_regclass('pg_temp.dv_ap_entry') IS NOT NULL THEN DROP TABLE pg_temp.dv_ap_entry; END IF;
    CREATE TEMP TABLE dv_ap_entry (
        kind                text    NOT NULL,   -- time entry, expense, material usage, journal line
        entryid             uuid    NOT NULL,
        makes_actuals       boolean NOT NULL,
        project             uuid,
        documentdate        date,
        class               integer,
        quantity            numeric,
        price               numeric,            -- expense / material unit cost, journal unit price; time: priced later
        amount              numeric,
        currency            text,               -- the entry's currency (time: none)
        billingtype         integer,            -- journal lines
        resource            uuid,
        rolecat             uuid,
        description         text,
        externaldescription text
    ) ON COMMIT DROP;

    -- Claim the entries by moving them to Approved (a concurrent call waits, then skips them).
    WITH t AS (
        UPDATE dataverse.msdyn_timeentry t
           SET msdyn_entrystatus = 192350002, modifiedon = now()
         WHERE t.msdyn_entrystatus = 192350003
           AND (p_project IS NULL OR t.msdyn_project = p_project)
           AND (p_through IS NULL OR t.msdyn_date <= p_through)
        RETURNING t.msdyn_timeentryid, t.msdyn_type, t.msdyn_project, t.msdyn_date, t.msdyn_duration,
                  t.msdyn_bookableresource, t.msdyn_resourcecategory, t.msdyn_description, t.msdyn_externaldescription)
    INSERT INTO dv_ap_entry
    SELECT 'time entry', t.msdyn_timeentryid, t.msdyn_type = 192350000 AND t.msdyn_project IS NOT NULL,
           t.msdyn_project, t.msdyn_date, 192350000, round(t.msdyn_duration::numeric / 60, 4), NULL, NULL, NULL, NULL,
           t.msdyn_bookableresource, t.msdyn_resourcecategory, t.msdyn_description, t.msdyn_externaldescription
      FROM t;

    WITH e AS (
        UPDATE dataverse.msdyn_expense e
           SET msdyn_expensestatus = 192350002, modifiedon = now()
         WHERE e.msdyn_expensestatus = 192350001
           AND (p_project IS NULL OR e.msdyn_project = p_project)
           AND (p_through IS NULL OR e.msdyn_transactiondate <= p_through)
        RETURNING e.msdyn_expenseid, e.msdyn_project, e.msdyn_transactiondate, e.msdyn_quantity, e.msdyn_price,
                  e.msdyn_amount, e.isocurrencycode, e.msdyn_bookableresource, e.msdyn_name, e.msdyn_externaldescription)
    INSERT INTO dv_ap_entry
    SELECT 'expense', e.msdyn_expenseid, e.msdyn_project IS NOT NULL, e.msdyn_project, e.msdyn_transactiondate,
           192350001, e.msdyn_quantity, p.price,
           CASE WHEN e.msdyn_price IS NOT NULL THEN round(e.msdyn_quantity * e.msdyn_price, 2) ELSE e.msdyn_amount END,
           e.isocurrencycode, NULL, e.msdyn_bookableresource, NULL, e.msdyn_name, e.msdyn_externaldescription
      FROM e
     CROSS JOIN LATERAL (
        SELECT coalesce(e.msdyn_price,
                        CASE WHEN e.msdyn_quantity <> 0 THEN round(e.msdyn_amount / e.msdyn_quantity, 4) END,
                        e.msdyn_amount) AS price) AS p;

    WITH m AS (
        UPDATE dataverse.msdyn_materialusagelog m
           SET msdyn_status = 192350002, modifiedon = now()
         WHERE m.msdyn_status = 192350003
           AND (p_project IS NULL OR m.msdyn_project = p_project)
           AND (p_through IS NULL OR m.msdyn_date <= p_through)
        RETURNING m.msdyn_materialusagelogid, m.msdyn_project, m.msdyn_date, m.msdyn_quantity, m.msdyn_unitcost,
                  m.msdyn_totalcost, m.isocurrencycode, m.msdyn_bookableresource, m.msdyn_name,
                  m.msdyn_writeinproductdescription)
    INSERT INTO dv_ap_entry
    SELECT 'material usage', m.msdyn_materialusagelogid, m.msdyn_project IS NOT NULL, m.msdyn_project, m.msdyn_date,
           192350002, m.msdyn_quantity, p.price, round(m.msdyn_quantity * p.price, 2), m.isocurrencycode, NULL,
           m.msdyn_bookableresource, NULL, m.msdyn_name, m.msdyn_writeinproductdescription
      FROM m
     CROSS JOIN LATERAL (
        SELECT coalesce(m.msdyn_unitcost,
                        CASE WHEN m.msdyn_quantity <> 0 THEN round(m.msdyn_totalcost / m.msdyn_quantity, 4) END,
                        0) AS price) AS p;

    -- Draft journals: posted whole, when every line is of the project and up to the date asked for.
    WITH j AS (
        UPDATE dataverse.msdyn_journal j
           SET statuscode = 2, statecode = 1, modifiedon = now()
         WHERE j.statuscode = 1
           AND NOT EXISTS (
                SELECT 1 FROM dataverse.msdyn_journalline l
                 WHERE l.msdyn_journal = j.msdyn_journalid
                   AND ((p_project IS NOT NULL AND l.msdyn_project <> p_project)
                        OR (p_through IS NOT NULL AND l.msdyn_documentdate > p_through)))
        RETURNING j.msdyn_journalid)
    INSERT INTO dv_ap_entry
    SELECT 'journal line', l.msdyn_journallineid, true, l.msdyn_project, l.msdyn_documentdate,
           l.msdyn_transactionclassification, l.msdyn_quantity, l.msdyn_price,
           round(l.msdyn_quantity * l.msdyn_price, 2), l.isocurrencycode, l.msdyn_billingtype,
           l.msdyn_bookableresource, NULL, l.msdyn_description, NULL
      FROM j JOIN dataverse.msdyn_journalline l ON l.msdyn_journal = j.msdyn_journalid;

    SELECT count(*) INTO v_entries FROM dv_ap_entry;
    IF v_entries > 1000 THEN
        ANALYZE dv_ap_entry;
    END IF;

    -- The contract line of each project and class: the one that includes the class, lowest lineitemnumber first.
    IF to_regclass('pg_temp.dv_ap_line') IS NOT NULL THEN DROP TABLE pg_temp.dv_ap_line; END IF;
    CREATE TEMP TABLE dv_ap_line ON COMMIT DROP AS
    SELECT DISTINCT ON (sd.msdyn_project, c.class)
           sd.msdyn_project AS project, c.class, sd.salesorderdetailid, sd.salesorderid,
           sd.msdyn_billingmethod AS billingmethod, sd.isocurrencycode AS line_currency, sd.productdescription
      FROM dataverse.salesorderdetail sd
     CROSS JOIN (VALUES (192350000), (192350001), (192350002), (192350004), (690970002)) AS c (class)
     WHERE sd.msdyn_project IN (SELECT DISTINCT e.project FROM dv_ap_entry e WHERE e.makes_actuals)
       AND CASE c.class WHEN 192350000 THEN sd.msdyn_includetime
                        WHEN 192350001 THEN sd.msdyn_includeexpense
                        WHEN 192350002 THEN sd.msdyn_includematerial
                        WHEN 192350004 THEN sd.msdyn_includefee
                        WHEN 690970002 THEN sd.msdyn_includeexpense END
     ORDER BY sd.msdyn_project, c.class, sd.lineitemnumber NULLS LAST, sd.salesorderdetailid;

    -- Everything an actual needs, with the ids of the actuals to create.
    IF to_regclass('pg_temp.dv_ap') IS NOT NULL THEN DROP TABLE pg_temp.dv_ap; END IF;
    CREATE TEMP TABLE dv_ap ON COMMIT DROP AS
    WITH costlist AS (
        SELECT DISTINCT ON (pl.isocurrencycode) pl.isocurrencycode, pl.pricelevelid, pl.name
          FROM dataverse.pricelevel pl
         WHERE pl.msdyn_module = 192350000 AND pl.statecode = 0
         ORDER BY pl.isocurrencycode, pl.createdon, pl.pricelevelid)
    SELECT e.*, p.msdyn_projectnumber AS projectnumber, p.msdyn_customer AS project_customer,
           coalesce(p.isocurrencycode, so.isocurrencycode) AS project_currency,
           l.salesorderdetailid, l.salesorderid, coalesce(l.billingmethod = 192350000, false) AS tm,
           l.line_currency, l.productdescription, so.ordernumber, so.customerid AS contract_customer,
           so.pricelevelid AS sale_list, spl.name AS sale_list_name, spl.isocurrencycode AS sale_list_currency,
           sp.msdyn_price AS sale_role_price,
           cl.pricelevelid AS cost_list, cl.isocurrencycode AS cost_list_currency, cp.msdyn_price AS cost_role_price,
           gen_random_uuid() AS cost_id, gen_random_uuid() AS sale_id
      FROM dv_ap_entry e
      JOIN dataverse.msdyn_project p ON p.msdyn_projectid = e.project
      LEFT JOIN dv_ap_line l ON l.project = e.project AND l.class = e.class
      LEFT JOIN dataverse.salesorder so ON so.salesorderid = l.salesorderid
      LEFT JOIN costlist cl ON e.kind = 'time entry' AND cl.isocurrencycode = coalesce(p.isocurrencycode, so.isocurrencycode)
      LEFT JOIN dataverse.msdyn_resourcecategorypricelevel cp
             ON cp.msdyn_pricelist = cl.pricelevelid AND cp.msdyn_resourcecategory = e.rolecat
      LEFT JOIN dataverse.pricelevel spl
             ON e.kind = 'time entry' AND l.billingmethod = 192350000 AND spl.pricelevelid = so.pricelevelid
      LEFT JOIN dataverse.msdyn_resourcecategorypricelevel sp
             ON sp.msdyn_pricelist = spl.pricelevelid AND sp.msdyn_resourcecategory = e.rolecat
     WHERE e.makes_actuals;
    IF v_entries > 1000 THEN
        ANALYZE dv_ap;
    END IF;

    -- Refusals: a missing role price, a contract line currency that differs from the entry's, a journal line with
    -- no time-and-material contract line to bill it on.
    SELECT a.entryid, a.projectnumber, a.rolecat, a.project_currency, a.cost_list INTO v
      FROM dv_ap a WHERE a.kind = 'time entry' AND a.cost_role_price IS NULL LIMIT 1;
    IF FOUND THEN
        IF v.cost_list IS NULL THEN
            RAISE EXCEPTION 'time entry % on project %: there is no active cost price list in %',
                v.entryid, v.projectnumber, coalesce(v.project_currency, '(no currency)');
        END IF;
        RAISE EXCEPTION 'time entry % on project %: role % has no price on the active cost price list in %',
            v.entryid, v.projectnumber, coalesce(v.rolecat::text, '(none)'), v.project_currency;
    END IF;
    SELECT a.entryid, a.projectnumber, a.rolecat, a.ordernumber, a.sale_list, a.sale_list_name INTO v
      FROM dv_ap a WHERE a.kind = 'time entry' AND a.tm AND a.sale_role_price IS NULL LIMIT 1;
    IF FOUND THEN
        IF v.sale_list IS NULL THEN
            RAISE EXCEPTION 'time entry % on project %: contract % has no sales price list',
                v.entryid, v.projectnumber, v.ordernumber;
        END IF;
        RAISE EXCEPTION 'time entry % on project %: role % has no price on sales price list % of contract %',
            v.entryid, v.projectnumber, coalesce(v.rolecat::text, '(none)'), v.sale_list_name, v.ordernumber;
    END IF;
    SELECT a.kind, a.entryid, a.projectnumber, a.ordernumber, a.productdescription, a.line_currency,
           CASE WHEN a.kind = 'time entry' THEN a.sale_list_currency
                ELSE coalesce(a.currency, a.project_currency) END AS entry_currency INTO v
      FROM dv_ap a
     WHERE a.tm
       AND CASE WHEN a.kind = 'time entry' THEN a.sale_list_currency
                ELSE coalesce(a.currency, a.project_currency) END IS DISTINCT FROM a.line_currency
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '% % on project %: its currency % differs from the currency % of contract line "%" of contract %',
            v.kind, v.entryid, v.projectnumber, coalesce(v.entry_currency, '(none)'), v.line_currency,
            v.productdescription, v.ordernumber;
    END IF;
    SELECT a.entryid, a.projectnumber, a.class INTO v FROM dv_ap a WHERE a.kind = 'journal line' AND NOT a.tm LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal line % on project %: no time-and-material contract line of the project includes its transaction class %, so it cannot be posted',
            v.entryid, v.projectnumber, v.class;
    END IF;

    -- Cost actuals (not for journal lines): billing type Chargeable on a T&M line, Not Available otherwise.
    INSERT INTO dataverse.msdyn_actual (
           msdyn_actualid, msdyn_description, msdyn_externaldescription, msdyn_transactiontypecode,
           msdyn_transactionclassification, msdyn_billingtype, msdyn_billingstatus, msdyn_quantity, msdyn_price,
           msdyn_amount, isocurrencycode, msdyn_project, msdyn_salescontract, msdyn_salescontractlineid,
           msdyn_accountcustomer, msdyn_bookableresource, msdyn_documentdate)
    SELECT a.cost_id, a.description, a.externaldescription, 192350000, a.class,
           CASE WHEN a.tm THEN 192350001 ELSE 192350003 END, NULL, a.quantity,
           CASE WHEN a.kind = 'time entry' THEN a.cost_role_price ELSE a.price END,
           CASE WHEN a.kind = 'time entry' THEN round(a.quantity * a.cost_role_price, 2) ELSE a.amount END,
           CASE WHEN a.kind = 'time entry' THEN a.cost_list_currency ELSE coalesce(a.currency, a.project_currency) END,
           a.project, a.salesorderid, a.salesorderdetailid, coalesce(a.contract_customer, a.project_customer),
           a.resource, a.documentdate
      FROM dv_ap a
     WHERE a.kind <> 'journal line';
    GET DIAGNOSTICS v_cost = ROW_COUNT;

    -- Unbilled sales on T&M lines, in the contract line currency: time at the contract's bill rate, expense and
    -- material at cost, journal lines at their price and billing type.
    INSERT INTO dataverse.msdyn_actual (
           msdyn_actualid, msdyn_description, msdyn_externaldescription, msdyn_transactiontypecode,
           msdyn_transactionclassification, msdyn_billingtype, msdyn_billingstatus, msdyn_quantity, msdyn_price,
           msdyn_amount, isocurrencycode, msdyn_project, msdyn_salescontract, msdyn_salescontractlineid,
           msdyn_accountcustomer, msdyn_bookableresource, msdyn_documentdate)
    SELECT a.sale_id, a.description, a.externaldescription, 192350005, a.class,
           CASE WHEN a.kind = 'journal line' THEN a.billingtype ELSE 192350001 END, 192350000, a.quantity,
           CASE WHEN a.kind = 'time entry' THEN a.sale_role_price ELSE a.price END,
           CASE WHEN a.kind = 'time entry' THEN round(a.quantity * a.sale_role_price, 2) ELSE a.amount END,
           a.line_currency, a.project, a.salesorderid, a.salesorderdetailid,
           coalesce(a.contract_customer, a.project_customer), a.resource, a.documentdate
      FROM dv_ap a
     WHERE a.tm;
    GET DIAGNOSTICS v_sales = ROW_COUNT;

    -- Connection unbilled sale → its cost.
    INSERT INTO dataverse.msdyn_transactionconnection (
           msdyn_transaction1, msdyn_transaction1role, msdyn_transaction1type,
           msdyn_transaction2, msdyn_transaction2role, msdyn_transaction2type)
    SELECT a.sale_id, '192350005', 'msdyn_actual', a.cost_id, '192350000', 'msdyn_actual'
      FROM dv_ap a
     WHERE a.tm AND a.kind <> 'journal line';

    DROP TABLE dv_ap;
    DROP TABLE dv_ap_line;
    DROP TABLE dv_ap_entry;
    RETURN QUERY SELECT v_entries, v_cost + v_sales;
END
$$;
COMMENT ON FUNCTION process.dv_approve(uuid, date) IS
  'Approve (docs/processes.md, Dataverse side): approves every submitted time entry (192350003), expense (192350001) '
  'and material usage (192350003) → Approved (192350002), and posts every draft project journal (statuscode 1 → 2, '
  'statecode 1), optionally only of one project and up to a date (a journal only when all its lines qualify). Per '
  'entry, on the project''s contract line that includes its class (lowest lineitemnumber; fees need '
  'msdyn_includefee, tax msdyn_includeexpense): a cost actual (not for journal lines; time at the role price of the '
  'active cost price list in the project currency, quantity round(minutes / 60, 4); expense and material at cost), '
  'billing type Chargeable on a time-and-material line and Not Available otherwise; on a time-and-material line also '
  'an unbilled sale (Unbilled Sales Created, Chargeable or the journal line''s billing type; time at the contract''s '
  'sales price list, expense and material at cost, journal lines at their price; in the contract line currency) and '
  'a connection unbilled sale → cost. Only time entries of type Work make actuals. Refuses a missing role price, a '
  'contract line currency that differs from the entry''s, and a journal line with no time-and-material line. Returns '
  'the entries approved plus journal lines posted, and the actuals created. Idempotent: a second call finds nothing.';

------------------------------------------------------------------------------------------------
-- Billing backlog
------------------------------------------------------------------------------------------------
CREATE FUNCTION process.dv_mark_ready(p_contract uuid DEFAULT NULL, p_project uuid DEFAULT NULL,
                                      p_from date DEFAULT NULL, p_to date DEFAULT NULL)
RETURNS TABLE (actuals bigint, milestones bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_actuals bigint;
    v_milestones bigint;
BEGIN
    UPDATE dataverse.msdyn_actual a
       SET msdyn_billingstatus = 192350004, modifiedon = now()
     WHERE a.msdyn_transactiontypecode = 192350005
       AND a.msdyn_billingstatus = 192350000
       AND a.msdyn_invoice IS NULL
       AND (p_contract IS NULL OR a.msdyn_salescontract = p_contract)
       AND (p_project IS NULL OR a.msdyn_project = p_project)
       AND (p_from IS NULL OR a.msdyn_documentdate >= p_from)
       AND (p_to IS NULL OR a.msdyn_documentdate <= p_to);
    GET DIAGNOSTICS v_actuals = ROW_COUNT;

    UPDATE dataverse.msdyn_contractlinescheduleofvalue m
       SET msdyn_invoicestatus = 192350001, modifiedon = now()
     WHERE m.msdyn_invoicestatus = 192350000
       AND m.statecode = 0
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

CREATE VIEW process.billing_backlog AS
WITH ready_actuals AS (
    SELECT a.msdyn_salescontractlineid AS salesorderdetailid, count(*) AS n, sum(a.msdyn_amount) AS amount
      FROM dataverse.msdyn_actual a
     WHERE a.msdyn_transactiontypecode = 192350005 AND a.msdyn_billingstatus = 192350004 AND a.msdyn_invoice IS NULL
     GROUP BY a.msdyn_salescontractlineid),
ready_milestones AS (
    SELECT m.msdyn_contractlineid AS salesorderdetailid, count(*) AS n, sum(m.msdyn_amount) AS amount
      FROM dataverse.msdyn_contractlinescheduleofvalue m
     WHERE m.msdyn_invoicestatus = 192350001
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

------------------------------------------------------------------------------------------------
-- Proforma invoices
------------------------------------------------------------------------------------------------
CREATE FUNCTION process.dv_create_proformas(p_contract uuid DEFAULT NULL, p_invoicedate date DEFAULT current_date)
RETURNS TABLE (invoiceid uuid, invoicenumber text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_date date := coalesce(p_invoicedate, current_date);
    v_invoices uuid[];
    v record;
BEGIN
    IF p_contract IS NOT NULL AND NOT EXISTS (SELECT 1 FROM dataverse.salesorder so WHERE so.salesorderid = p_contract) THEN
        RAISE EXCEPTION 'project contract % does not exist', p_contract;
    END IF;

    -- Contracts with something ready.
    IF to_regclass('pg_temp.dv_cp_contract') IS NOT NULL THEN DROP TABLE pg_temp.dv_cp_contract; END IF;
    CREATE TEMP TABLE dv_cp_contract ON COMMIT DROP AS
    SELECT a.msdyn_salescontract AS salesorderid
      FROM dataverse.msdyn_actual a
     WHERE a.msdyn_transactiontypecode = 192350005 AND a.msdyn_billingstatus = 192350004 AND a.msdyn_invoice IS NULL
       AND a.msdyn_salescontract IS NOT NULL
       AND (p_contract IS NULL OR a.msdyn_salescontract = p_contract)
    UNION
    SELECT m.msdyn_contract
      FROM dataverse.msdyn_contractlinescheduleofvalue m
     WHERE m.msdyn_invoicestatus = 192350001
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
                                  AND i.msdyn_projectinvoicestatus IN (192350000, 192350001))
             ORDER BY so.ordernumber) s;

    IF (SELECT count(*) FROM dv_cp_invoice) > 1000 THEN
        ANALYZE dv_cp_invoice;
    END IF;

    INSERT INTO dataverse.invoice (invoiceid, invoicenumber, name, salesorderid, customerid, isocurrencycode,
                                   msdyn_projectinvoicestatus, msdyn_invoicedate, statecode, statuscode)
    SELECT i.invoiceid, i.invoicenumber, i.name || ' ' || to_char(v_date, 'YYYY-MM-DD'), i.salesorderid,
           i.customerid, i.isocurrencycode, 192350000, v_date, 0, 1
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
           SET msdyn_billingstatus = 192350001, msdyn_invoice = l.invoiceid, modifiedon = now()
          FROM dv_cp_line l
         WHERE a.msdyn_salescontractlineid = l.salesorderdetailid
           AND a.msdyn_transactiontypecode = 192350005
           AND a.msdyn_billingstatus = 192350004
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
           SET msdyn_invoicestatus = 192350002, modifiedon = now()
          FROM dv_cp_line l
         WHERE m.msdyn_contractlineid = l.salesorderdetailid
           AND m.msdyn_invoicestatus = 192350001
        RETURNING m.msdyn_contractlinescheduleofvalueid, l.invoiceid, l.invoicedetailid, m.msdyn_name,
                  m.msdyn_amount, l.billing_project, m.msdyn_projecttask, m.msdyn_contract, m.msdyn_contractlineid,
                  l.customerid, m.msdyn_invoicedate, l.invoice_currency)
    INSERT INTO dv_cp_ild
    SELECT gen_random_uuid(), m.invoiceid, m.invoicedetailid, m.msdyn_contractlinescheduleofvalueid, true,
           m.msdyn_name, NULL, 192350003, 192350001, 1, m.msdyn_amount, m.msdyn_amount, m.billing_project,
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
    SELECT d.ildid, d.invoiceid, d.invoicedetailid, d.description, d.externaldescription, 192350006, d.class,
           d.billingtype, d.quantity, d.price, d.amount, 0, d.amount, false, d.project, d.task, d.salescontract,
           d.salescontractline, d.customer, d.resource, d.category, d.documentdate, d.currency
      FROM dv_cp_ild d;

    -- Connections ILD → the unbilled sale it bills (and ILD → the milestone it bills).
    INSERT INTO dataverse.msdyn_transactionconnection (
           msdyn_transaction1, msdyn_transaction1role, msdyn_transaction1type,
           msdyn_transaction2, msdyn_transaction2role, msdyn_transaction2type)
    SELECT d.ildid, 'ild', 'msdyn_invoicelinetransaction', d.sourceid,
           CASE WHEN d.milestone THEN '192350004' ELSE '192350005' END,
           CASE WHEN d.milestone THEN 'msdyn_contractlinescheduleofvalue' ELSE 'msdyn_actual' END
      FROM dv_cp_ild d;

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
  'milestones → Customer invoice created; connections ILD → unbilled sale (and ILD → milestone, role 192350004, so '
  'confirmation and deletion find it); totals (I1-I2). Returns the new invoices'' ids and numbers.';

CREATE FUNCTION process.dv_edit_invoice_detail(p_ild uuid, p_billingtype integer, p_quantity numeric, p_price numeric)
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
    IF i.msdyn_projectinvoicestatus NOT IN (192350000, 192350001) THEN
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
    IF p_billingtype IS NOT NULL AND p_billingtype NOT IN (192350000, 192350001, 192350002) THEN
        RAISE EXCEPTION 'invoice line detail %: billing type % is not Chargeable (192350001), Non Chargeable (192350000) or Complimentary (192350002)',
            p_ild, p_billingtype;
    END IF;

    v_quantity := coalesce(process.dv_quantity(d.msdyn_transactionclassification, p_quantity), d.msdyn_quantity);
    v_price := coalesce(p_price, d.msdyn_price);
    v_billingtype := coalesce(p_billingtype, d.msdyn_billingtype);

    IF d.msdyn_correction AND d.msdyn_transactionclassification = 192350003 THEN
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

CREATE FUNCTION process.dv_delete_invoice_detail(p_ild uuid)
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
    IF i.msdyn_projectinvoicestatus NOT IN (192350000, 192350001) THEN
        RAISE EXCEPTION 'invoice % is %: a confirmed proforma invoice cannot be edited',
            i.invoicenumber, process.dv_invoice_status_name(i.msdyn_projectinvoicestatus);
    END IF;

    -- What the detail billed goes back to the backlog.
    UPDATE dataverse.msdyn_actual a
       SET msdyn_billingstatus = 192350004, msdyn_invoice = NULL, modifiedon = now()
      FROM dataverse.msdyn_transactionconnection c
     WHERE c.msdyn_transaction1 = p_ild AND c.msdyn_transaction1role = 'ild'
       AND c.msdyn_transaction2type = 'msdyn_actual'
       AND a.msdyn_actualid = c.msdyn_transaction2
       AND a.msdyn_transactiontypecode = 192350005
       AND a.msdyn_billingstatus = 192350001;
    UPDATE dataverse.msdyn_contractlinescheduleofvalue m
       SET msdyn_invoicestatus = 192350001, modifiedon = now()
      FROM dataverse.msdyn_transactionconnection c
     WHERE c.msdyn_transaction1 = p_ild AND c.msdyn_transaction1role = 'ild'
       AND c.msdyn_transaction2type = 'msdyn_contractlinescheduleofvalue'
       AND m.msdyn_contractlinescheduleofvalueid = c.msdyn_transaction2
       AND m.msdyn_invoicestatus = 192350002;

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

------------------------------------------------------------------------------------------------
-- Confirm
------------------------------------------------------------------------------------------------
CREATE FUNCTION process.dv_confirm(p_invoice uuid DEFAULT NULL)
RETURNS TABLE (invoices bigint, billed_sales bigint, reversals bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v record;
    v_invoices bigint;
    v_ids uuid[];
    v_n bigint;
    v_billed bigint := 0;
    v_reversals bigint := 0;
BEGIN
    IF p_invoice IS NOT NULL THEN
        SELECT i.invoicenumber, i.msdyn_projectinvoicestatus INTO v FROM dataverse.invoice i
         WHERE i.invoiceid = p_invoice FOR NO KEY UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'invoice % does not exist', p_invoice;
        END IF;
        IF v.msdyn_projectinvoicestatus NOT IN (192350000, 192350001) THEN
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
     WHERE i.msdyn_projectinvoicestatus IN (192350000, 192350001)
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
                    WHERE d.msdyn_invoice = c.invoiceid AND d.msdyn_billingtype = 192350001);

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
             ON b.msdyn_actualid = k.msdyn_transaction1 AND b.msdyn_transactiontypecode = 192350006
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
            AND ku.msdyn_transaction2role = '192350005'
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

    -- Billed sales: per detail of a regular invoice, and per changed corrective detail with a quantity (the rebill).
    INSERT INTO dataverse.msdyn_actual (
           msdyn_actualid, msdyn_description, msdyn_externaldescription, msdyn_transactiontypecode,
           msdyn_transactionclassification, msdyn_billingtype, msdyn_billingstatus, msdyn_quantity, msdyn_price,
           msdyn_amount, isocurrencycode, msdyn_project, msdyn_task, msdyn_salescontract, msdyn_salescontractlineid,
           msdyn_accountcustomer, msdyn_bookableresource, msdyn_transactioncategory, msdyn_invoice,
           msdyn_documentdate, msdyn_skipsync)
    SELECT c.billed_id, c.description, c.externaldescription, 192350006, c.class, c.billingtype, 192350002,
           c.quantity, c.price, c.amount, c.inv_currency,
           coalesce(u.msdyn_project, c.project, c.line_project), coalesce(u.msdyn_task, c.task),
           coalesce(u.msdyn_salescontract, c.salescontract, c.inv_contract),
           coalesce(u.msdyn_salescontractlineid, c.contractline, c.line_contractline),
           coalesce(u.msdyn_accountcustomer, c.customer, c.inv_customer),
           coalesce(u.msdyn_bookableresource, c.resource), coalesce(u.msdyn_transactioncategory, c.category),
           c.invoiceid,
           CASE WHEN c.class = 192350003 OR c.milestone IS NOT NULL THEN c.invoicedate
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
    SELECT c.reversal_id, b.msdyn_description, b.msdyn_externaldescription, 192350006,
           b.msdyn_transactionclassification, b.msdyn_billingtype, 192350002, -b.msdyn_quantity, b.msdyn_price,
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
    SELECT c.reversal_id, u.msdyn_description, u.msdyn_externaldescription, 192350005,
           u.msdyn_transactionclassification, u.msdyn_billingtype, 192350002, -u.msdyn_quantity, u.msdyn_price,
           -u.msdyn_amount, u.isocurrencycode, u.msdyn_project, u.msdyn_task, u.msdyn_salescontract,
           u.msdyn_salescontractlineid, u.msdyn_accountcustomer, u.msdyn_bookableresource,
           u.msdyn_transactioncategory, c.invoiceid, u.msdyn_documentdate, true
      FROM dv_cf_ild c
      JOIN dataverse.msdyn_actual u ON u.msdyn_actualid = c.unbilled
     WHERE NOT c.correction;
    GET DIAGNOSTICS v_reversals = ROW_COUNT;

    UPDATE dataverse.msdyn_actual u
       SET msdyn_billingstatus = 192350002,
           msdyn_adjustmentstatus = CASE WHEN (c.quantity, c.price, c.billingtype)
                                              IS DISTINCT FROM (u.msdyn_quantity, u.msdyn_price, u.msdyn_billingtype)
                                         THEN 192350001 ELSE u.msdyn_adjustmentstatus END,
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
    SELECT c.credit_id, u.msdyn_description, u.msdyn_externaldescription, 192350005,
           u.msdyn_transactionclassification, u.msdyn_billingtype, 192350004,
           process.dv_quantity(u.msdyn_transactionclassification, c.o_quantity - c.quantity), c.o_price,
           round((c.o_quantity - c.quantity) * c.o_price, 2), u.isocurrencycode, u.msdyn_project, u.msdyn_task,
           u.msdyn_salescontract, u.msdyn_salescontractlineid, u.msdyn_accountcustomer, u.msdyn_bookableresource,
           u.msdyn_transactioncategory, NULL, u.msdyn_documentdate, false
      FROM dv_cf_ild c
      JOIN dataverse.msdyn_actual u ON u.msdyn_actualid = c.unbilled
     WHERE c.correction AND c.changed AND c.quantity < c.o_quantity;

    -- Milestones: billed → Customer invoice posted; credited in full on a correction → Ready again.
    UPDATE dataverse.msdyn_contractlinescheduleofvalue m
       SET msdyn_invoicestatus = CASE WHEN c.correction THEN 192350001 ELSE 192350003 END, modifiedon = now()
      FROM dv_cf_ild c
     WHERE m.msdyn_contractlinescheduleofvalueid = c.milestone
       AND (NOT c.correction OR (c.changed AND c.quantity = 0));

    -- Connections.
    INSERT INTO dataverse.msdyn_transactionconnection (
           msdyn_transaction1, msdyn_transaction1role, msdyn_transaction1type,
           msdyn_transaction2, msdyn_transaction2role, msdyn_transaction2type)
    -- billed sale (regular or rebill) → its ILD
    SELECT c.billed_id, '192350006', 'msdyn_actual', c.ild, 'ild', 'msdyn_invoicelinetransaction'
      FROM dv_cf_ild c WHERE NOT c.correction OR (c.changed AND c.quantity <> 0)
    UNION ALL
    -- billed sale (regular or rebill) → the unbilled sale it bills
    SELECT c.billed_id, '192350006', 'msdyn_actual', c.unbilled, '192350005', 'msdyn_actual'
      FROM dv_cf_ild c WHERE c.unbilled IS NOT NULL AND (NOT c.correction OR (c.changed AND c.quantity <> 0))
    UNION ALL
    -- reversal unbilled sale → the original unbilled sale
    SELECT c.reversal_id, '192350005', 'msdyn_actual', c.unbilled, '192350005', 'msdyn_actual'
      FROM dv_cf_ild c WHERE c.unbilled IS NOT NULL AND NOT c.correction
    UNION ALL
    -- reversing billed sale → the original billed sale
    SELECT c.reversal_id, '192350006', 'msdyn_actual', c.prior_billed, '192350006', 'msdyn_actual'
      FROM dv_cf_ild c WHERE c.prior_billed IS NOT NULL AND c.correction AND c.changed
    UNION ALL
    -- reversing billed sale → the original unbilled sale
    SELECT c.reversal_id, '192350006', 'msdyn_actual', c.unbilled, '192350005', 'msdyn_actual'
      FROM dv_cf_ild c WHERE c.prior_billed IS NOT NULL AND c.unbilled IS NOT NULL AND c.correction AND c.changed
    UNION ALL
    -- new unbilled sale for the credited part → the original unbilled sale
    SELECT c.credit_id, '192350005', 'msdyn_actual', c.unbilled, '192350005', 'msdyn_actual'
      FROM dv_cf_ild c
     WHERE c.unbilled IS NOT NULL AND c.correction AND c.changed AND c.quantity < c.o_quantity;

    -- Totals, then the headers → Confirmed (after this the guards make the invoice read-only).
    SELECT array_agg(c.invoiceid) INTO v_ids FROM dv_cf_invoice c;
    PERFORM process.dv_recalculate_totals(coalesce(v_ids, '{}'));
    UPDATE dataverse.invoice i
       SET msdyn_projectinvoicestatus = 192350002, msdyn_invoicedate = c.invoicedate, modifiedon = now()
      FROM dv_cf_invoice c
     WHERE i.invoiceid = c.invoiceid;

    DROP TABLE dv_cf_ild;
    DROP TABLE dv_cf_chain;
    DROP TABLE dv_cf_up;
    DROP TABLE dv_cf_invoice;
    RETURN QUERY SELECT v_invoices, v_billed, v_reversals;
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

------------------------------------------------------------------------------------------------
-- Revise (corrective invoice)
------------------------------------------------------------------------------------------------
CREATE FUNCTION process.dv_revise(p_invoice uuid)
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
    IF i.msdyn_projectinvoicestatus NOT IN (192350002, 192350003, 192350004) THEN
        RAISE EXCEPTION 'invoice % is %: only a confirmed invoice can be revised',
            i.invoicenumber, process.dv_invoice_status_name(i.msdyn_projectinvoicestatus);
    END IF;
    SELECT ci.invoicenumber, ci.msdyn_projectinvoicestatus INTO v
      FROM dataverse.msdyn_invoicelinetransaction o
      JOIN dataverse.msdyn_invoicelinetransaction c ON c.msdyn_originalinvoicelinedetail = o.msdyn_invoicelinetransactionid
      JOIN dataverse.invoice ci ON ci.invoiceid = c.msdyn_invoice
     WHERE o.msdyn_invoice = p_invoice
     ORDER BY ci.msdyn_projectinvoicestatus IN (192350000, 192350001) DESC, ci.invoicenumber DESC
     LIMIT 1;
    IF FOUND THEN
        IF v.msdyn_projectinvoicestatus IN (192350000, 192350001) THEN
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
            i.exchangerate, 192350000, greatest(i.msdyn_invoicedate, current_date), NULL, 0, 1);

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

------------------------------------------------------------------------------------------------
-- Guards (docs/processes.md, "Refused in the database")
------------------------------------------------------------------------------------------------

-- Actuals are never deleted.
CREATE FUNCTION process.dv_actual_delete_guard() RETURNS trigger
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
CREATE TRIGGER msdyn_actual_delete_guard
    BEFORE DELETE ON dataverse.msdyn_actual
    FOR EACH ROW EXECUTE FUNCTION process.dv_actual_delete_guard();
COMMENT ON TRIGGER msdyn_actual_delete_guard ON dataverse.msdyn_actual IS
  'Refuses every delete: actuals are never deleted, reverse them instead.';
CREATE TRIGGER msdyn_actual_truncate_guard
    BEFORE TRUNCATE ON dataverse.msdyn_actual
    FOR EACH STATEMENT EXECUTE FUNCTION process.dv_actual_delete_guard();
COMMENT ON TRIGGER msdyn_actual_truncate_guard ON dataverse.msdyn_actual IS
  'Refuses TRUNCATE: actuals are never deleted, reverse them instead.';

-- A confirmed invoice is read-only but for its status moving forward and the write-back columns.
CREATE FUNCTION process.dv_invoice_confirmed_guard() RETURNS trigger
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
       AND (OLD.msdyn_projectinvoicestatus, NEW.msdyn_projectinvoicestatus) NOT IN (
            (192350002, 192350003), (192350002, 192350004), (192350003, 192350004), (192350004, 192350003)) THEN
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
CREATE TRIGGER invoice_confirmed_guard
    BEFORE UPDATE OR DELETE ON dataverse.invoice
    FOR EACH ROW WHEN (OLD.msdyn_projectinvoicestatus IN (192350002, 192350003, 192350004))
    EXECUTE FUNCTION process.dv_invoice_confirmed_guard();
COMMENT ON TRIGGER invoice_confirmed_guard ON dataverse.invoice IS
  'A confirmed proforma invoice cannot be edited or deleted (status forward and write-back columns excepted).';

CREATE FUNCTION process.dv_invoice_truncate_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM dataverse.invoice i WHERE i.msdyn_projectinvoicestatus IN (192350002, 192350003, 192350004)) THEN
        RAISE EXCEPTION '% cannot be truncated: it holds confirmed proforma invoices, and a confirmed proforma invoice cannot be deleted',
            TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION process.dv_invoice_truncate_guard() IS
  'Trigger function: refuses truncating proforma invoices, their lines or line details while a confirmed '
  '(Paid, Posted) invoice exists.';
CREATE TRIGGER invoice_truncate_guard
    BEFORE TRUNCATE ON dataverse.invoice
    FOR EACH STATEMENT EXECUTE FUNCTION process.dv_invoice_truncate_guard();
COMMENT ON TRIGGER invoice_truncate_guard ON dataverse.invoice IS
  'Refuses TRUNCATE while confirmed proforma invoices exist.';
CREATE TRIGGER invoicedetail_truncate_guard
    BEFORE TRUNCATE ON dataverse.invoicedetail
    FOR EACH STATEMENT EXECUTE FUNCTION process.dv_invoice_truncate_guard();
COMMENT ON TRIGGER invoicedetail_truncate_guard ON dataverse.invoicedetail IS
  'Refuses TRUNCATE while confirmed proforma invoices exist.';
CREATE TRIGGER msdyn_invoicelinetransaction_truncate_guard
    BEFORE TRUNCATE ON dataverse.msdyn_invoicelinetransaction
    FOR EACH STATEMENT EXECUTE FUNCTION process.dv_invoice_truncate_guard();
COMMENT ON TRIGGER msdyn_invoicelinetransaction_truncate_guard ON dataverse.msdyn_invoicelinetransaction IS
  'Refuses TRUNCATE while confirmed proforma invoices exist.';

-- No discount or freight on a proforma.
CREATE FUNCTION process.dv_invoice_discount_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'invoice %: discounts and freight on a proforma invoice are not supported', NEW.invoicenumber;
END
$$;
COMMENT ON FUNCTION process.dv_invoice_discount_guard() IS
  'Trigger function: refuses a proforma invoice with discountamount, discountpercentage or freightamount other than '
  'NULL or 0 (Project Operations does not support discounts or freight on the proforma header).';
CREATE TRIGGER invoice_discount_guard
    BEFORE INSERT OR UPDATE ON dataverse.invoice
    FOR EACH ROW WHEN (coalesce(NEW.discountamount, 0) <> 0 OR coalesce(NEW.discountpercentage, 0) <> 0
                       OR coalesce(NEW.freightamount, 0) <> 0)
    EXECUTE FUNCTION process.dv_invoice_discount_guard();
COMMENT ON TRIGGER invoice_discount_guard ON dataverse.invoice IS
  'Discounts and freight on a proforma invoice are not supported.';

-- Lines and line details of a confirmed invoice are read-only (statement level: one join per statement).
-- Arguments: the id column, the invoice column and the name of the record, e.g. 'invoice line detail'.
CREATE FUNCTION process.dv_confirmed_invoice_child_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v record;
    v_find constant text :=
        'SELECT r.%I AS id, i.invoicenumber, i.msdyn_projectinvoicestatus AS status '
        'FROM %I r JOIN dataverse.invoice i ON i.invoiceid = r.%I '
        'WHERE i.msdyn_projectinvoicestatus IN (192350002, 192350003, 192350004) LIMIT 1';
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
CREATE TRIGGER invoicedetail_confirmed_guard_insert
    AFTER INSERT ON dataverse.invoicedetail REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION process.dv_confirmed_invoice_child_guard('invoicedetailid', 'invoiceid', 'invoice line');
COMMENT ON TRIGGER invoicedetail_confirmed_guard_insert ON dataverse.invoicedetail IS
  'No line can be added to a confirmed proforma invoice.';
CREATE TRIGGER invoicedetail_confirmed_guard_update
    AFTER UPDATE ON dataverse.invoicedetail REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION process.dv_confirmed_invoice_child_guard('invoicedetailid', 'invoiceid', 'invoice line');
COMMENT ON TRIGGER invoicedetail_confirmed_guard_update ON dataverse.invoicedetail IS
  'No line of a confirmed proforma invoice can be changed.';
CREATE TRIGGER invoicedetail_confirmed_guard_delete
    AFTER DELETE ON dataverse.invoicedetail REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION process.dv_confirmed_invoice_child_guard('invoicedetailid', 'invoiceid', 'invoice line');
COMMENT ON TRIGGER invoicedetail_confirmed_guard_delete ON dataverse.invoicedetail IS
  'No line of a confirmed proforma invoice can be deleted.';
CREATE TRIGGER msdyn_invoicelinetransaction_confirmed_guard_insert
    AFTER INSERT ON dataverse.msdyn_invoicelinetransaction REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION process.dv_confirmed_invoice_child_guard('msdyn_invoicelinetransactionid', 'msdyn_invoice', 'invoice line detail');
COMMENT ON TRIGGER msdyn_invoicelinetransaction_confirmed_guard_insert ON dataverse.msdyn_invoicelinetransaction IS
  'No line detail can be added to a confirmed proforma invoice.';
CREATE TRIGGER msdyn_invoicelinetransaction_confirmed_guard_update
    AFTER UPDATE ON dataverse.msdyn_invoicelinetransaction REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION process.dv_confirmed_invoice_child_guard('msdyn_invoicelinetransactionid', 'msdyn_invoice', 'invoice line detail');
COMMENT ON TRIGGER msdyn_invoicelinetransaction_confirmed_guard_update ON dataverse.msdyn_invoicelinetransaction IS
  'No line detail of a confirmed proforma invoice can be changed.';
CREATE TRIGGER msdyn_invoicelinetransaction_confirmed_guard_delete
    AFTER DELETE ON dataverse.msdyn_invoicelinetransaction REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION process.dv_confirmed_invoice_child_guard('msdyn_invoicelinetransactionid', 'msdyn_invoice', 'invoice line detail');
COMMENT ON TRIGGER msdyn_invoicelinetransaction_confirmed_guard_delete ON dataverse.msdyn_invoicelinetransaction IS
  'No line detail of a confirmed proforma invoice can be deleted.';

-- The transaction class of an ILD never changes.
CREATE FUNCTION process.dv_ild_class_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'invoice line detail %: the transaction class of an invoice line detail cannot be changed',
        OLD.msdyn_invoicelinetransactionid;
END
$$;
COMMENT ON FUNCTION process.dv_ild_class_guard() IS
  'Trigger function: refuses changing msdyn_transactionclassification of an invoice line detail.';
CREATE TRIGGER msdyn_invoicelinetransaction_class_guard
    BEFORE UPDATE ON dataverse.msdyn_invoicelinetransaction
    FOR EACH ROW WHEN (OLD.msdyn_transactionclassification IS DISTINCT FROM NEW.msdyn_transactionclassification)
    EXECUTE FUNCTION process.dv_ild_class_guard();
COMMENT ON TRIGGER msdyn_invoicelinetransaction_class_guard ON dataverse.msdyn_invoicelinetransaction IS
  'The transaction class of an invoice line detail cannot be changed.';

-- A milestone is only credited in full.
CREATE FUNCTION process.dv_ild_milestone_credit_guard() RETURNS trigger
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
CREATE TRIGGER msdyn_invoicelinetransaction_milestone_credit_guard
    BEFORE INSERT OR UPDATE ON dataverse.msdyn_invoicelinetransaction
    FOR EACH ROW WHEN (NEW.msdyn_correction AND NEW.msdyn_transactionclassification = 192350003)
    EXECUTE FUNCTION process.dv_ild_milestone_credit_guard();
COMMENT ON TRIGGER msdyn_invoicelinetransaction_milestone_credit_guard ON dataverse.msdyn_invoicelinetransaction IS
  'Partial credit of a milestone on a corrective invoice is refused.';
