-- dataverse/approve.sql
-- Approve entries and post journals.


-- Step 1: claim the entries to approve into dv_ap_entry (time entries, expenses, material usage, lines of draft
-- journals); returns how many.
CREATE OR REPLACE FUNCTION process.dv_approve_claim(p_project uuid, p_through date) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_entries bigint;
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
           SET msdyn_entrystatus = optionset.code('entrystatus', 'Approved'), modifiedon = now()
         WHERE t.msdyn_entrystatus = optionset.code('entrystatus', 'Submitted')
           AND (p_project IS NULL OR t.msdyn_project = p_project)
           AND (p_through IS NULL OR t.msdyn_date <= p_through)
        RETURNING t.msdyn_timeentryid, t.msdyn_type, t.msdyn_project, t.msdyn_date, t.msdyn_duration,
                  t.msdyn_bookableresource, t.msdyn_resourcecategory, t.msdyn_description, t.msdyn_externaldescription)
    INSERT INTO dv_ap_entry
    SELECT 'time entry', t.msdyn_timeentryid, t.msdyn_type = optionset.code('timeentrytype', 'Work') AND t.msdyn_project IS NOT NULL,
           t.msdyn_project, t.msdyn_date, optionset.code('transactionclass', 'Time'), round(t.msdyn_duration::numeric / 60, 4), NULL, NULL, NULL, NULL,
           t.msdyn_bookableresource, t.msdyn_resourcecategory, t.msdyn_description, t.msdyn_externaldescription
      FROM t;

    WITH e AS (
        UPDATE dataverse.msdyn_expense e
           SET msdyn_expensestatus = optionset.code('expensestatus', 'Approved'), modifiedon = now()
         WHERE e.msdyn_expensestatus = optionset.code('expensestatus', 'Submitted')
           AND (p_project IS NULL OR e.msdyn_project = p_project)
           AND (p_through IS NULL OR e.msdyn_transactiondate <= p_through)
        RETURNING e.msdyn_expenseid, e.msdyn_project, e.msdyn_transactiondate, e.msdyn_quantity, e.msdyn_price,
                  e.msdyn_amount, e.isocurrencycode, e.msdyn_bookableresource, e.msdyn_name, e.msdyn_externaldescription)
    INSERT INTO dv_ap_entry
    SELECT 'expense', e.msdyn_expenseid, e.msdyn_project IS NOT NULL, e.msdyn_project, e.msdyn_transactiondate,
           optionset.code('transactionclass', 'Expense'), e.msdyn_quantity, p.price,
           CASE WHEN e.msdyn_price IS NOT NULL THEN round(e.msdyn_quantity * e.msdyn_price, 2) ELSE e.msdyn_amount END,
           e.isocurrencycode, NULL, e.msdyn_bookableresource, NULL, e.msdyn_name, e.msdyn_externaldescription
      FROM e
     CROSS JOIN LATERAL (
        SELECT coalesce(e.msdyn_price,
                        CASE WHEN e.msdyn_quantity <> 0 THEN round(e.msdyn_amount / e.msdyn_quantity, 4) END,
                        e.msdyn_amount) AS price) AS p;

    WITH m AS (
        UPDATE dataverse.msdyn_materialusagelog m
           SET msdyn_status = optionset.code('entrystatus', 'Approved'), modifiedon = now()
         WHERE m.msdyn_status = optionset.code('entrystatus', 'Submitted')
           AND (p_project IS NULL OR m.msdyn_project = p_project)
           AND (p_through IS NULL OR m.msdyn_date <= p_through)
        RETURNING m.msdyn_materialusagelogid, m.msdyn_project, m.msdyn_date, m.msdyn_quantity, m.msdyn_unitcost,
                  m.msdyn_totalcost, m.isocurrencycode, m.msdyn_bookableresource, m.msdyn_name,
                  m.msdyn_writeinproductdescription)
    INSERT INTO dv_ap_entry
    SELECT 'material usage', m.msdyn_materialusagelogid, m.msdyn_project IS NOT NULL, m.msdyn_project, m.msdyn_date,
           optionset.code('transactionclass', 'Material'), m.msdyn_quantity, p.price, round(m.msdyn_quantity * p.price, 2), m.isocurrencycode, NULL,
           m.msdyn_bookableresource, NULL, m.msdyn_name, m.msdyn_writeinproductdescription
      FROM m
     CROSS JOIN LATERAL (
        SELECT coalesce(m.msdyn_unitcost,
                        CASE WHEN m.msdyn_quantity <> 0 THEN round(m.msdyn_totalcost / m.msdyn_quantity, 4) END,
                        0) AS price) AS p;

    -- Draft journals: posted whole, when every line is of the project and up to the date asked for.
    WITH j AS (
        UPDATE dataverse.msdyn_journal j
           SET statuscode = optionset.code('journalstatus', 'Posted'), statecode = optionset.code('state', 'Inactive'),
               modifiedon = now()
         WHERE j.statuscode = optionset.code('journalstatus', 'Draft')
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
    RETURN v_entries;
END
$$;
COMMENT ON FUNCTION process.dv_approve_claim(uuid, date) IS
  'Step of process.dv_approve: moves the submitted entries (and draft journals) to Approved (Posted) and lists them in '
  'the temporary table dv_ap_entry; returns how many.';

-- Step 2: price every claimed entry on its contract line into dv_ap, and refuse what cannot be priced.
CREATE OR REPLACE FUNCTION process.dv_approve_price(p_entries bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_entries constant bigint := p_entries;
    v record;
BEGIN
    -- The contract line of each project and class: the one that includes the class, lowest lineitemnumber first.
    IF to_regclass('pg_temp.dv_ap_line') IS NOT NULL THEN DROP TABLE pg_temp.dv_ap_line; END IF;
    CREATE TEMP TABLE dv_ap_line ON COMMIT DROP AS
    SELECT DISTINCT ON (sd.msdyn_project, c.class)
           sd.msdyn_project AS project, c.class, sd.salesorderdetailid, sd.salesorderid,
           sd.msdyn_billingmethod AS billingmethod, sd.isocurrencycode AS line_currency, sd.productdescription
      FROM dataverse.salesorderdetail sd
     CROSS JOIN unnest(optionset.codes('transactionclass', 'Time', 'Expense', 'Material', 'Fee', 'Tax')) AS c (class)
     WHERE sd.msdyn_project IN (SELECT DISTINCT e.project FROM dv_ap_entry e WHERE e.makes_actuals)
       AND CASE c.class WHEN optionset.code('transactionclass', 'Time') THEN sd.msdyn_includetime
                        WHEN optionset.code('transactionclass', 'Expense') THEN sd.msdyn_includeexpense
                        WHEN optionset.code('transactionclass', 'Material') THEN sd.msdyn_includematerial
                        WHEN optionset.code('transactionclass', 'Fee') THEN sd.msdyn_includefee
                        WHEN optionset.code('transactionclass', 'Tax') THEN sd.msdyn_includeexpense END
     ORDER BY sd.msdyn_project, c.class, sd.lineitemnumber NULLS LAST, sd.salesorderdetailid;

    -- Everything an actual needs, with the ids of the actuals to create.
    IF to_regclass('pg_temp.dv_ap') IS NOT NULL THEN DROP TABLE pg_temp.dv_ap; END IF;
    CREATE TEMP TABLE dv_ap ON COMMIT DROP AS
    WITH costlist AS (
        SELECT DISTINCT ON (pl.isocurrencycode) pl.isocurrencycode, pl.pricelevelid, pl.name
          FROM dataverse.pricelevel pl
         WHERE pl.msdyn_module = optionset.code('pricelistmodule', 'Cost') AND pl.statecode = optionset.code('state', 'Active')
         ORDER BY pl.isocurrencycode, pl.createdon, pl.pricelevelid)
    SELECT e.*, p.msdyn_projectnumber AS projectnumber, p.msdyn_customer AS project_customer,
           coalesce(p.isocurrencycode, so.isocurrencycode) AS project_currency,
           l.salesorderdetailid, l.salesorderid, coalesce(l.billingmethod = optionset.code('billingmethod', 'Time and Material'), false) AS tm,
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
             ON e.kind = 'time entry' AND l.billingmethod = optionset.code('billingmethod', 'Time and Material') AND spl.pricelevelid = so.pricelevelid
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
END
$$;
COMMENT ON FUNCTION process.dv_approve_price(bigint) IS
  'Step of process.dv_approve: the contract line (dv_ap_line) and the prices (dv_ap) of every entry of dv_ap_entry '
  'that makes actuals; raises for a missing role price, a currency that differs from the contract line''s and a '
  'journal line without a time-and-material line.';

-- Step 3: write the actuals and their connections from dv_ap; returns how many actuals.
CREATE OR REPLACE FUNCTION process.dv_approve_write() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_cost bigint;
    v_sales bigint;
BEGIN
    -- Cost actuals (not for journal lines): billing type Chargeable on a T&M line, Not Available otherwise.
    INSERT INTO dataverse.msdyn_actual (
           msdyn_actualid, msdyn_description, msdyn_externaldescription, msdyn_transactiontypecode,
           msdyn_transactionclassification, msdyn_billingtype, msdyn_billingstatus, msdyn_quantity, msdyn_price,
           msdyn_amount, isocurrencycode, msdyn_project, msdyn_salescontract, msdyn_salescontractlineid,
           msdyn_accountcustomer, msdyn_bookableresource, msdyn_documentdate)
    SELECT a.cost_id, a.description, a.externaldescription, optionset.code('transactiontype', 'Cost'), a.class,
           CASE WHEN a.tm THEN optionset.code('billingtype', 'Chargeable') ELSE optionset.code('billingtype', 'Not Available') END, NULL, a.quantity,
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
    SELECT a.sale_id, a.description, a.externaldescription, optionset.code('transactiontype', 'Unbilled Sales'), a.class,
           CASE WHEN a.kind = 'journal line' THEN a.billingtype ELSE optionset.code('billingtype', 'Chargeable') END,
           optionset.code('billingstatus', 'Unbilled Sales Created'), a.quantity,
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
    SELECT a.sale_id, optionset.code('transactiontype', 'Unbilled Sales')::text, 'msdyn_actual', a.cost_id, optionset.code('transactiontype', 'Cost')::text, 'msdyn_actual'
      FROM dv_ap a
     WHERE a.tm AND a.kind <> 'journal line';
    RETURN v_cost + v_sales;
END
$$;
COMMENT ON FUNCTION process.dv_approve_write() IS
  'Step of process.dv_approve: the cost actuals, unbilled sales and their connections of the priced entries (dv_ap); '
  'returns how many actuals it created.';

CREATE OR REPLACE FUNCTION process.dv_approve(p_project uuid DEFAULT NULL, p_through date DEFAULT NULL)
RETURNS TABLE (entries bigint, actuals bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_entries bigint;
    v_actuals bigint;
BEGIN
    v_entries := process.dv_approve_claim(p_project, p_through);
    PERFORM process.dv_approve_price(v_entries);
    v_actuals := process.dv_approve_write();
    DROP TABLE dv_ap;
    DROP TABLE dv_ap_line;
    DROP TABLE dv_ap_entry;
    RETURN QUERY SELECT v_entries, v_actuals;
END
$$;
COMMENT ON FUNCTION process.dv_approve(uuid, date) IS
  'Approve (docs/processes.md, Dataverse side): approves every submitted time entry, expense and material usage → '
  'Approved, and posts every draft project journal (statuscode Draft → Posted, statecode Inactive), optionally only of one project and up to a date (a journal only when all its lines qualify). Per '
  'entry, on the project''s contract line that includes its class (lowest lineitemnumber; fees need '
  'msdyn_includefee, tax msdyn_includeexpense): a cost actual (not for journal lines; time at the role price of the '
  'active cost price list in the project currency, quantity round(minutes / 60, 4); expense and material at cost), '
  'billing type Chargeable on a time-and-material line and Not Available otherwise; on a time-and-material line also '
  'an unbilled sale (Unbilled Sales Created, Chargeable or the journal line''s billing type; time at the contract''s '
  'sales price list, expense and material at cost, journal lines at their price; in the contract line currency) and '
  'a connection unbilled sale → cost. Only time entries of type Work make actuals. Refuses a missing role price, a '
  'contract line currency that differs from the entry''s, and a journal line with no time-and-material line. Returns '
  'the entries approved plus journal lines posted, and the actuals created. Idempotent: a second call finds nothing.';
