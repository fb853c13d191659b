-- optionset/option_sets.sql
-- The one place that names option-set codes: every Dataverse option set and F&O enum tieout knows, with the code
-- and the English label, and the columns of schemas dataverse and fno that hold each set. Everything else reads
-- codes by name: optionset.code('projectinvoicestatus', 'Confirmed') and optionset.codes(set, label, ...) in SQL
-- (folded into a constant when a statement is planned, so it costs nothing per row), and load.optionset_label for
-- `tieout load` and the lake writer.
--
-- Set names are Microsoft's option-set names without prefix (projectinvoicestatus is msdyn_projectinvoicestatus)
-- or the F&O enum name in lower case (projtransstatus is ProjTransStatus). Labels are the ones exports write.

CREATE OR REPLACE VIEW optionset.value (set_name, code, label) AS VALUES
    -- Dataverse option sets of domain.md section 2
    ('transactiontype', 192350000, 'Cost'),
    ('transactiontype', 192350004, 'Project Contract'),
    ('transactiontype', 192350005, 'Unbilled Sales'),
    ('transactiontype', 192350006, 'Billed Sales'),
    ('transactiontype', 192350007, 'Resourcing Unit Cost'),
    ('transactiontype', 192350008, 'Inter-Organizational Sales'),
    ('transactionclass', 192350000, 'Time'),
    ('transactionclass', 192350001, 'Expense'),
    ('transactionclass', 192350002, 'Material'),
    ('transactionclass', 192350003, 'Milestone'),
    ('transactionclass', 192350004, 'Fee'),
    ('transactionclass', 690970002, 'Tax'),
    ('billingtype', 192350000, 'Non Chargeable'),
    ('billingtype', 192350001, 'Chargeable'),
    ('billingtype', 192350002, 'Complimentary'),
    ('billingtype', 192350003, 'Not Available'),
    ('billingstatus', 192350000, 'Unbilled Sales Created'),
    ('billingstatus', 192350001, 'Customer Invoice Created'),
    ('billingstatus', 192350002, 'Customer Invoice Posted'),
    ('billingstatus', 192350003, 'Canceled'),
    ('billingstatus', 192350004, 'Ready to Invoice'),
    ('adjustmentstatus', 192350000, 'In Process'),
    ('adjustmentstatus', 192350001, 'Adjusted'),
    ('adjustmentstatus', 192350002, 'Unadjustable'),
    ('projectinvoicestatus', 192350000, 'Draft'),
    ('projectinvoicestatus', 192350001, 'In Review'),
    ('projectinvoicestatus', 192350002, 'Confirmed'),
    ('projectinvoicestatus', 192350003, 'Invoice Paid'),
    ('projectinvoicestatus', 192350004, 'Posted'),
    ('billingmethod', 192350000, 'Time and Material'),
    ('billingmethod', 192350001, 'Fixed Price'),
    ('milestoneinvoicestatus', 192350000, 'Not Ready'),
    ('milestoneinvoicestatus', 192350001, 'Ready'),
    ('milestoneinvoicestatus', 192350002, 'Customer invoice created'),
    ('milestoneinvoicestatus', 192350003, 'Customer invoice posted'),
    -- other Dataverse option sets (codes and labels of the column comments)
    ('state', 0, 'Active'),
    ('state', 1, 'Inactive'),
    ('status', 1, 'Active'),
    ('status', 2, 'Inactive'),
    ('resourcetype', 1, 'Generic'),
    ('resourcetype', 2, 'Contact'),
    ('resourcetype', 3, 'User'),
    ('resourcetype', 4, 'Equipment'),
    ('resourcetype', 5, 'Account'),
    ('resourcetype', 6, 'Crew'),
    ('resourcetype', 7, 'Facility'),
    ('resourcetype', 8, 'Pool'),
    ('salesorderstate', 0, 'Active'),
    ('salesorderstate', 1, 'Submitted'),
    ('salesorderstate', 2, 'Canceled'),
    ('salesorderstate', 3, 'Fulfilled'),
    ('salesorderstate', 4, 'Invoiced'),
    ('salesorderstatus', 1, 'New'),
    ('salesorderstatus', 2, 'Pending'),
    ('salesorderstatus', 3, 'In Progress'),
    ('salesorderstatus', 100001, 'Complete'),
    ('invoicestate', 0, 'Active'),
    ('invoicestate', 1, 'Closed'),
    ('invoicestate', 2, 'Paid'),
    ('invoicestate', 3, 'Canceled'),
    ('invoicestatus', 1, 'New'),
    ('invoicestatus', 2, 'Partially Shipped'),
    ('invoicestatus', 4, 'Billed'),
    ('invoicestatus', 100001, 'Complete'),
    ('entrystatus', 192350000, 'Draft'),
    ('entrystatus', 192350001, 'Returned'),
    ('entrystatus', 192350002, 'Approved'),
    ('entrystatus', 192350003, 'Submitted'),
    ('entrystatus', 192350004, 'Recall Requested'),
    ('timeentrytype', 192350000, 'Work'),
    ('timeentrytype', 192350001, 'Absence'),
    ('timeentrytype', 192350002, 'Vacation'),
    ('expensestatus', 192350000, 'Draft'),
    ('expensestatus', 192350001, 'Submitted'),
    ('expensestatus', 192350002, 'Approved'),
    ('expensestatus', 192350003, 'Rejected'),
    ('expensestatus', 192350004, 'Posted'),
    ('expensestatus', 192350005, 'Paid'),
    ('expensestatus', 192350006, 'Recall Requested'),
    ('journaltype', 192350000, 'Basic'),
    ('journaltype', 192350001, 'Invoice correction'),
    ('journalstatus', 1, 'Draft'),
    ('journalstatus', 2, 'Posted'),
    ('pricelistmodule', 192350000, 'Cost'),
    ('pricelistmodule', 192350001, 'Sales'),
    -- F&O enums (values and labels of the column comments)
    ('projadvancedjournalstatus', 0, 'Draft'),
    ('projadvancedjournalstatus', 1, 'Posted'),
    ('projadvancedjournalstatus', 2, 'Processing'),
    ('projadvancedjournalstatus', 3, 'Error'),
    ('projadvancedjournalstatus', 4, 'Unrecoverable'),
    ('projadvancedjournalstatus', 5, 'Invalid actuals'),
    ('projtranstype', 1, 'Fee'),
    ('projtranstype', 2, 'Hour'),
    ('projtranstype', 3, 'Expense'),
    ('projtranstype', 4, 'Item'),
    ('projtranstype', 5, 'On-account'),
    ('projtransstatus', 2, 'Posted'),
    ('projtransstatus', 3, 'Invoice proposal'),
    ('projtransstatus', 4, 'Invoiced'),
    ('projtransstatus', 9, 'Adjusted'),
    ('proposalstatus', 0, 'Open'),
    ('proposalstatus', 1, 'Approved'),
    ('proposalstatus', 2, 'Canceled'),
    ('proposalstatus', 3, 'Invoiced'),
    ('proposalstatus', 4, 'Submitted'),
    ('proposalstatus', 5, 'Rejected'),
    ('contractbillingmethod', 0, 'Time and material'),
    ('contractbillingmethod', 1, 'Fixed price'),
    ('projtype', 0, 'Time and material'),
    ('projtype', 1, 'Fixed-price'),
    ('projtype', 2, 'Investment'),
    ('projtype', 3, 'Cost project'),
    ('projtype', 4, 'Internal'),
    ('projtype', 5, 'Time project')
;
COMMENT ON VIEW optionset.value IS
  'Every option-set code tieout knows: one row per (set, code) with its English label, unique per set. The only '
  'place in tieout''s SQL that spells a code as a number.';
COMMENT ON COLUMN optionset.value.set_name IS
  'The option set: Dataverse option-set name without prefix (transactiontype, projectinvoicestatus) or F&O enum '
  'name in lower case (projtransstatus, proposalstatus).';
COMMENT ON COLUMN optionset.value.code IS 'Option value (Dataverse code or F&O enum value) as stored in a column.';
COMMENT ON COLUMN optionset.value.label IS 'English label, as exports write it (Billed Sales, Invoice proposal).';

-- The columns that hold each set. A column that allows only part of a set lists the codes it allows (the CHECK
-- constraint of the column).
CREATE OR REPLACE VIEW optionset.column_set (schema_name, table_name, column_name, set_name, only_codes) AS VALUES
    ('dataverse', 'account', 'statecode', 'state', NULL::integer[]),
    ('dataverse', 'account', 'statuscode', 'status', NULL),
    ('dataverse', 'bookableresource', 'resourcetype', 'resourcetype', NULL),
    ('dataverse', 'bookableresource', 'statecode', 'state', NULL),
    ('dataverse', 'bookableresource', 'statuscode', 'status', NULL),
    ('dataverse', 'salesorder', 'statecode', 'salesorderstate', NULL),
    ('dataverse', 'salesorder', 'statuscode', 'salesorderstatus', NULL),
    ('dataverse', 'msdyn_project', 'statecode', 'state', NULL),
    ('dataverse', 'msdyn_project', 'statuscode', 'status', NULL),
    ('dataverse', 'salesorderdetail', 'msdyn_billingmethod', 'billingmethod', NULL),
    ('dataverse', 'msdyn_contractlinescheduleofvalue', 'msdyn_invoicestatus', 'milestoneinvoicestatus', NULL),
    ('dataverse', 'msdyn_contractlinescheduleofvalue', 'msdyn_transactionclassification', 'transactionclass', NULL),
    ('dataverse', 'msdyn_contractlinescheduleofvalue', 'msdyn_transactiontypecode', 'transactiontype', NULL),
    ('dataverse', 'msdyn_contractlinescheduleofvalue', 'statecode', 'state', NULL),
    ('dataverse', 'msdyn_contractlinescheduleofvalue', 'statuscode', 'status', NULL),
    ('dataverse', 'msdyn_timeentry', 'msdyn_entrystatus', 'entrystatus', NULL),
    ('dataverse', 'msdyn_timeentry', 'msdyn_type', 'timeentrytype', NULL),
    ('dataverse', 'msdyn_timeentry', 'statecode', 'state', NULL),
    ('dataverse', 'msdyn_timeentry', 'statuscode', 'status', NULL),
    ('dataverse', 'msdyn_expense', 'msdyn_expensestatus', 'expensestatus', NULL),
    ('dataverse', 'msdyn_expense', 'statecode', 'state', NULL),
    ('dataverse', 'msdyn_materialusagelog', 'msdyn_status', 'entrystatus', NULL),
    ('dataverse', 'msdyn_materialusagelog', 'statecode', 'state', NULL),
    ('dataverse', 'msdyn_actual', 'msdyn_transactiontypecode', 'transactiontype', NULL),
    ('dataverse', 'msdyn_actual', 'msdyn_transactionclassification', 'transactionclass', NULL),
    ('dataverse', 'msdyn_actual', 'msdyn_billingtype', 'billingtype', NULL),
    ('dataverse', 'msdyn_actual', 'msdyn_billingstatus', 'billingstatus', NULL),
    ('dataverse', 'msdyn_actual', 'msdyn_adjustmentstatus', 'adjustmentstatus', NULL),
    ('dataverse', 'msdyn_actual', 'statecode', 'state', NULL),
    ('dataverse', 'msdyn_actual', 'statuscode', 'status', NULL),
    ('dataverse', 'msdyn_transactionconnection', 'statecode', 'state', NULL),
    ('dataverse', 'msdyn_transactionconnection', 'statuscode', 'status', NULL),
    ('dataverse', 'invoice', 'msdyn_projectinvoicestatus', 'projectinvoicestatus', NULL),
    ('dataverse', 'invoice', 'statecode', 'invoicestate', NULL),
    ('dataverse', 'invoice', 'statuscode', 'invoicestatus', NULL),
    ('dataverse', 'invoicedetail', 'msdyn_billingmethod', 'billingmethod', NULL),
    ('dataverse', 'msdyn_invoicelinetransaction', 'msdyn_transactiontypecode', 'transactiontype', NULL),
    ('dataverse', 'msdyn_invoicelinetransaction', 'msdyn_transactionclassification', 'transactionclass', NULL),
    ('dataverse', 'msdyn_invoicelinetransaction', 'msdyn_billingtype', 'billingtype', NULL),
    ('dataverse', 'msdyn_invoicelinetransaction', 'statecode', 'state', NULL),
    ('dataverse', 'msdyn_invoicelinetransaction', 'statuscode', 'status', NULL),
    ('dataverse', 'pricelevel', 'msdyn_module', 'pricelistmodule', NULL),
    ('dataverse', 'pricelevel', 'statecode', 'state', NULL),
    ('dataverse', 'pricelevel', 'statuscode', 'status', NULL),
    ('dataverse', 'msdyn_journal', 'msdyn_journaltype', 'journaltype', NULL),
    ('dataverse', 'msdyn_journal', 'statecode', 'state', NULL),
    ('dataverse', 'msdyn_journal', 'statuscode', 'journalstatus', NULL),
    ('dataverse', 'msdyn_journalline', 'msdyn_billingtype', 'billingtype', '{192350000,192350001,192350002}'),
    ('dataverse', 'msdyn_journalline', 'msdyn_transactionclassification', 'transactionclass',
     '{192350000,192350001,192350002,192350004,690970002}'),
    ('fno', 'projcdsactualsimport', 'transtype', 'transactiontype', NULL),
    ('fno', 'projcdsactualsimport', 'transactionclassification', 'transactionclass', NULL),
    ('fno', 'projcdsactualsimport', 'billingtype', 'billingtype', NULL),
    ('fno', 'projcdsactualsimport', 'billingstatusid', 'billingstatus', NULL),
    ('fno', 'projcdsactualsimport', 'adjustmentstatus', 'adjustmentstatus', NULL),
    ('fno', 'projcdsactualsimport', 'status', 'state', NULL),
    ('fno', 'projcdsactualsimport', 'statusreason', 'status', NULL),
    ('fno', 'projadvancedjournal', 'status', 'projadvancedjournalstatus', '{0,1,2,3}'),
    ('fno', 'projadvancedjournalline', 'status', 'projadvancedjournalstatus', NULL),
    ('fno', 'projadvancedjournalline', 'transtype', 'projtranstype', NULL),
    ('fno', 'projpostedtranstable', 'transtype', 'projtranstype', NULL),
    ('fno', 'projpostedtranstable', 'transstatus', 'projtransstatus', NULL),
    ('fno', 'projproposaljour', 'status', 'proposalstatus', NULL),
    ('fno', 'projproposalline', 'transtype', 'projtranstype', NULL),
    ('fno', 'projinvoiceline', 'transtype', 'projtranstype', NULL),
    ('fno', 'psacontractlineitems', 'billingmethod', 'contractbillingmethod', NULL),
    ('fno', 'projtable', 'type', 'projtype', NULL)
;
COMMENT ON VIEW optionset.column_set IS
  'Which option set each option-set column of schemas dataverse and fno holds; only_codes lists the codes a column '
  'allows when it allows only part of its set (NULL: all).';

CREATE OR REPLACE FUNCTION optionset.code(p_set text, p_label text) RETURNS integer
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    v_code integer;
BEGIN
    SELECT v.code INTO v_code FROM optionset.value v WHERE v.set_name = p_set AND v.label = p_label;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'option set % has no label %', p_set, p_label;
    END IF;
    RETURN v_code;
END
$$;
COMMENT ON FUNCTION optionset.code(text, text) IS
  'The code of a label of an option set, e.g. optionset.code(''projectinvoicestatus'', ''Confirmed''); raises for '
  'an unknown set or label (exact spelling). Declared IMMUTABLE on purpose although it reads optionset.value: that '
  'view is constant, so a call with constant arguments is evaluated once when the calling statement is planned and '
  'the plan holds the number (partial indexes on a code still match).';

CREATE OR REPLACE FUNCTION optionset.codes(p_set text, VARIADIC p_labels text[]) RETURNS integer[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT array_agg(optionset.code(p_set, l.label) ORDER BY l.n) FROM unnest(p_labels) WITH ORDINALITY l (label, n)
$$;
COMMENT ON FUNCTION optionset.codes(text, text[]) IS
  'The codes of several labels of one option set, in the order given, for x = ANY (optionset.codes(''billingstatus'', '
  '''Unbilled Sales Created'', ''Ready to Invoice'')); raises for an unknown label. Folded into a constant array when '
  'the calling statement is planned, like optionset.code.';

CREATE OR REPLACE FUNCTION optionset.label(p_set text, p_code integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT v.label FROM optionset.value v WHERE v.set_name = p_set AND v.code = p_code
$$;
COMMENT ON FUNCTION optionset.label(text, integer) IS
  'The label of a code of an option set (NULL for a code the set does not have). IMMUTABLE for the reason '
  'optionset.code is.';

-- A set's codes and labels are unique, and every column names a set that exists.
DO $$
DECLARE
    v_problem text;
BEGIN
    SELECT string_agg(DISTINCT p.what, '; ') INTO v_problem
      FROM (SELECT format('%s has code %s twice', set_name, code) AS what
              FROM optionset.value GROUP BY set_name, code HAVING count(*) > 1
            UNION ALL
            SELECT format('%s has label %s twice', set_name, lower(label))
              FROM optionset.value GROUP BY set_name, lower(label) HAVING count(*) > 1
            UNION ALL
            SELECT format('%s.%s.%s names unknown set %s', u.schema_name, u.table_name, u.column_name, u.set_name)
              FROM optionset.column_set u
             WHERE NOT EXISTS (SELECT FROM optionset.value v WHERE v.set_name = u.set_name)) p;
    IF v_problem IS NOT NULL THEN
        RAISE EXCEPTION 'optionset: %', v_problem;
    END IF;
END
$$;
