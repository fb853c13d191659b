-- 0012_load.sql
-- What `tieout load dataverse|fno DIR` needs in the database: schema load with the option-set labels of every
-- option-set column of schemas dataverse and fno, the functions that turn the text of a real extract into column
-- values, and a way through the guards of 0007/0008 for the load's own transaction.
--
-- Extracts are CSV files with the table's column names as headers: Dataverse tables exported with their logical
-- names (Export to Excel / CSV, Web API tools), F&O data entities exported by data management or BYOD with their
-- field names. Such files write option sets as codes or as labels ("Billed Sales", F&O enum labels like "Posted" or
-- their symbol names like "OnAccount"), dates in ISO 8601 or en-US formats ("11/24/2026 2:30 PM"), F&O's empty date
-- as 1900-01-01, GUIDs with or without braces, amounts with thousands commas.
--
-- The parse functions never raise: a value that does not parse gives NULL, and NULL or an empty string (blanks only)
-- also gives NULL, so the loader can test validity set-based first (load.is_valid, load.is_valid_optionset) and
-- convert afterwards. They depend on no session setting (DateStyle, TimeZone, lc_numeric), so the same file loads
-- the same everywhere. Accepted formats (export with the en-US / invariant culture):
--   * numbers: optional sign, digits, '.' as the decimal separator, optionally ',' thousands separators in
--     well-formed groups of three (1,234,567.50); no exponent, no currency sign, no parentheses for negatives.
--   * whole numbers: optional sign and digits only, within the type's range.
--   * dates and times: YYYY-MM-DD, YYYY-MM-DD[T ]HH:MM[:SS[.fraction]][Z|+HH[:MM]|-HH[:MM]], M/D/YYYY,
--     M/D/YYYY H:MM[:SS[.fraction]][ AM|PM]. No zone means UTC. 1900-01-01 at midnight is F&O's empty date (dateNull)
--     and gives NULL. Two-digit years, day-first dates and month names are refused (ambiguous or localised).
--   * option sets: the code, or a label of the column in any case (also without spaces and punctuation, which is how
--     F&O enum symbol names look: NonChargeable, OnAccount), or a listed other spelling.
--   * booleans: true/false, t/f, yes/no, y/n, 1/0 in any case.
--   * GUIDs: 8-4-4-4-12 hexadecimal digits or 32 without hyphens, optionally in braces, any case.
-- Applied by the tieout migrator in one transaction (no BEGIN/COMMIT here).

CREATE SCHEMA load;
COMMENT ON SCHEMA load IS
  'Loading real extracts (`tieout load dataverse|fno DIR`): the option-set labels of schemas dataverse and fno, the '
  'parse and validity functions that turn extract text into column values without raising, load.reject (the one '
  'function that stops a load, naming the record, column and value) and load.loading(), which lets the load''s own '
  'transaction (tieout.origin = load:<side>) past the guards that only protect against editing.';

------------------------------------------------------------------------------------------------
-- Option-set labels
------------------------------------------------------------------------------------------------
CREATE TABLE load.optionset_label (
    schema_name text    NOT NULL,
    table_name  text    NOT NULL,
    column_name text    NOT NULL,
    code        integer NOT NULL,
    label       text    NOT NULL,
    CONSTRAINT optionset_label_pkey PRIMARY KEY (schema_name, table_name, column_name, code),
    CONSTRAINT optionset_label_label_check CHECK (label = btrim(label) AND label <> '')
);
CREATE UNIQUE INDEX optionset_label_label_key
    ON load.optionset_label (schema_name, table_name, column_name, lower(label));

COMMENT ON TABLE load.optionset_label IS
  'One row per code of every option-set column of schemas dataverse and fno: the code and its English label as '
  'domain.md section 2 and the column comments give them (Dataverse option sets; F&O enums; the Dataverse codes F&O '
  'staging keeps). A column is an option-set column for the loader exactly when it has rows here. Labels are unique '
  'per column regardless of case.';
COMMENT ON COLUMN load.optionset_label.schema_name IS 'Schema of the column: dataverse or fno.';
COMMENT ON COLUMN load.optionset_label.table_name IS 'Table of the column (logical name, lower case).';
COMMENT ON COLUMN load.optionset_label.column_name IS 'The option-set column (logical name, lower case).';
COMMENT ON COLUMN load.optionset_label.code IS
  'Option value (Dataverse option-set code or F&O enum value) stored in the column.';
COMMENT ON COLUMN load.optionset_label.label IS
  'English label an export writes for the code, e.g. Billed Sales, Time and Material, Invoice proposal.';

CREATE TABLE load.optionset_alias (
    schema_name text    NOT NULL,
    table_name  text    NOT NULL,
    column_name text    NOT NULL,
    alias_key   text    NOT NULL,
    code        integer NOT NULL,
    CONSTRAINT optionset_alias_pkey PRIMARY KEY (schema_name, table_name, column_name, alias_key),
    CONSTRAINT optionset_alias_code_fkey FOREIGN KEY (schema_name, table_name, column_name, code)
        REFERENCES load.optionset_label (schema_name, table_name, column_name, code) ON DELETE CASCADE,
    CONSTRAINT optionset_alias_alias_key_check CHECK (alias_key ~ '^[a-z0-9]+$')
);

COMMENT ON TABLE load.optionset_alias IS
  'Spellings of option-set values other than their labels, compared after load.label_key (lower case, letters and '
  'digits only; a label itself needs no row, and neither does its symbol-name form like NonChargeable or OnAccount): '
  'the British spelling Cancelled of Canceled, and the F&O enum symbol names that differ from their labels '
  '(ProjTransType Revenue = Fee, Cost = Expense; ProjType and the contract line billing method TimeMaterial; ProjType '
  'Cost, Time). No key may stand for two codes of one column (checked when this migration runs).';
COMMENT ON COLUMN load.optionset_alias.schema_name IS 'Schema of the column: dataverse or fno.';
COMMENT ON COLUMN load.optionset_alias.table_name IS 'Table of the column.';
COMMENT ON COLUMN load.optionset_alias.column_name IS 'The option-set column.';
COMMENT ON COLUMN load.optionset_alias.alias_key IS 'The spelling as load.label_key gives it, e.g. onaccount, revenue.';
COMMENT ON COLUMN load.optionset_alias.code IS 'The code the spelling stands for (a row of load.optionset_label).';

-- The option sets (code, label), and the columns that use each. A column that allows only part of a set lists the
-- codes it allows (the CHECK constraint of the column).
WITH optionset (set_name, code, label) AS (VALUES
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
), usage (schema_name, table_name, column_name, set_name, only_codes) AS (VALUES
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
)
INSERT INTO load.optionset_label (schema_name, table_name, column_name, code, label)
SELECT u.schema_name, u.table_name, u.column_name, o.code, o.label
  FROM usage u
  JOIN optionset o ON o.set_name = u.set_name
 WHERE u.only_codes IS NULL OR o.code = ANY (u.only_codes);

-- Every labelled column must exist and be a whole-number column (a typo above would otherwise go unnoticed).
DO $$
DECLARE
    v_missing text;
BEGIN
    SELECT string_agg(DISTINCT format('%s.%s.%s', l.schema_name, l.table_name, l.column_name), ', ')
      INTO v_missing
      FROM load.optionset_label l
     WHERE NOT EXISTS (
            SELECT 1
              FROM pg_attribute a
              JOIN pg_class c ON c.oid = a.attrelid
              JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = l.schema_name AND c.relname = l.table_name AND a.attname = l.column_name
               AND a.attnum > 0 AND NOT a.attisdropped AND a.atttypid IN ('integer'::regtype, 'smallint'::regtype));
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'load.optionset_label names columns that are not integer columns: %', v_missing;
    END IF;
END
$$;

------------------------------------------------------------------------------------------------
-- Parsing (NULL for NULL, blank or invalid input; never raises)
------------------------------------------------------------------------------------------------
CREATE FUNCTION load.label_key(p_value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT nullif(lower(regexp_replace(p_value, '[^[:alnum:]]+', '', 'g')), '')
$$;
COMMENT ON FUNCTION load.label_key(text) IS
  'The comparison key of an option-set spelling: lower case, letters and digits only (Non-Chargeable, NonChargeable '
  'and non chargeable all give nonchargeable); NULL when nothing is left.';

-- The British spelling of Canceled, and the F&O symbol names that differ from the labels.
INSERT INTO load.optionset_alias (schema_name, table_name, column_name, alias_key, code)
SELECT schema_name, table_name, column_name, replace(load.label_key(label), 'canceled', 'cancelled'), code
  FROM load.optionset_label
 WHERE load.label_key(label) LIKE '%canceled%'
UNION
SELECT l.schema_name, l.table_name, l.column_name, load.label_key(s.symbol), l.code
  FROM load.optionset_label l
  JOIN (VALUES ('Fee', 1, 'Revenue'),                   -- ProjTransType
               ('Expense', 3, 'Cost'),
               ('Time and material', 0, 'TimeMaterial'), -- ProjType (and the contract line billing method)
               ('Cost project', 3, 'Cost'),
               ('Time project', 5, 'Time')) s (label, code, symbol)
    ON s.label = l.label AND s.code = l.code
 WHERE l.schema_name = 'fno';

-- Within a column, no comparison key may stand for two codes.
DO $$
DECLARE
    v_ambiguous text;
BEGIN
    SELECT string_agg(format('%s.%s.%s %s', d.schema_name, d.table_name, d.column_name, d.alias_key), ', ')
      INTO v_ambiguous
      FROM (SELECT k.schema_name, k.table_name, k.column_name, k.alias_key
              FROM (SELECT schema_name, table_name, column_name, load.label_key(label) AS alias_key, code
                      FROM load.optionset_label
                    UNION
                    SELECT schema_name, table_name, column_name, alias_key, code
                      FROM load.optionset_alias) k
             GROUP BY k.schema_name, k.table_name, k.column_name, k.alias_key
            HAVING count(*) > 1) d;
    IF v_ambiguous IS NOT NULL THEN
        RAISE EXCEPTION 'option-set spellings that stand for two codes: %', v_ambiguous;
    END IF;
END
$$;

-- Speed: the functions below are plain SQL expressions that PostgreSQL inlines into the loader's statement, so a
-- million values cost a few regex matches and casts each, no function calls. Their regexes have no capture groups
-- (those make PostgreSQL's regex engine many times slower). Blanks around a value are spaces, tabs, carriage returns
-- and line feeds; values without them (nearly all) take a path that does not trim. Digits are [0-9], never \d, which
-- can match other scripts' digits under an ICU locale, and those would then fail the cast.
CREATE FUNCTION load.parse_numeric(p_value text) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN octet_length(p_value) > 1000 THEN NULL  -- far beyond any amount; numeric would overflow at 131072
                WHEN p_value ~ '^[ \t\r\n]*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)[ \t\r\n]*$' THEN p_value::numeric
                WHEN p_value ~ '^[ \t\r\n]*[+-]?[0-9]{1,3}(,[0-9][0-9][0-9])+(\.[0-9]*)?[ \t\r\n]*$'
                THEN replace(p_value, ',', '')::numeric
           END
$$;
COMMENT ON FUNCTION load.parse_numeric(text) IS
  'Exact number from extract text: optional sign, digits with ''.'' as the decimal separator (1234.50, -0.5, .5, 5.), '
  'optionally '','' thousands separators in well-formed groups of three (1,234.50; not 1,23.5 or 1234,567). No '
  'exponent (amounts are never written with one: 1.2E+3 is refused), no currency sign, no parentheses, no NaN or '
  'Infinity; surrounding blanks are ignored; at most 1000 characters. Export with the en-US / invariant number format: '
  'a decimal comma is refused rather than misread. NULL for NULL, blank or anything else; never raises.';

CREATE FUNCTION load.parse_integer(p_value text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_value ~ '^[ \t\r\n]*[+-]?0*[0-9]{1,10}[ \t\r\n]*$'
                THEN CASE WHEN p_value::bigint BETWEEN -2147483648 AND 2147483647 THEN p_value::bigint::integer END
           END
$$;
COMMENT ON FUNCTION load.parse_integer(text) IS
  'Whole number (integer) from extract text: optional sign and digits only (no separators, no decimals), within '
  '-2147483648 .. 2147483647; surrounding blanks are ignored. NULL for NULL, blank or anything else; never raises.';

CREATE FUNCTION load.parse_bigint(p_value text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_value ~ '^[ \t\r\n]*[+-]?0*[0-9]{1,19}[ \t\r\n]*$'
                THEN CASE WHEN p_value::numeric BETWEEN -9223372036854775808 AND 9223372036854775807
                          THEN p_value::bigint END
           END
$$;
COMMENT ON FUNCTION load.parse_bigint(text) IS
  'Whole number (bigint, e.g. F&O RecIds) from extract text: optional sign and digits only, within the bigint range; '
  'surrounding blanks are ignored. NULL for NULL, blank or anything else; never raises.';

CREATE FUNCTION load.parse_boolean(p_value text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE lower(btrim(p_value, E' \t\r\n'))
           WHEN 'true' THEN true WHEN 't' THEN true WHEN 'yes' THEN true WHEN 'y' THEN true WHEN '1' THEN true
           WHEN 'false' THEN false WHEN 'f' THEN false WHEN 'no' THEN false WHEN 'n' THEN false WHEN '0' THEN false
           END
$$;
COMMENT ON FUNCTION load.parse_boolean(text) IS
  'Boolean from extract text, any case: true/false, t/f, yes/no (Dataverse two-option labels, F&O NoYes), y/n, 1/0. '
  'NULL for NULL, blank or anything else; never raises.';

CREATE FUNCTION load.uuid_of(p_text text) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN length(p_text) = 36
                 AND substr(p_text, 9, 1) = '-' AND substr(p_text, 14, 1) = '-' AND substr(p_text, 19, 1) = '-'
                 AND substr(p_text, 24, 1) = '-' AND length(replace(p_text, '-', '')) = 32
                 AND p_text ~ '^[-0-9a-fA-F]+$'
                THEN p_text::uuid
                WHEN length(p_text) = 38
                 AND substr(p_text, 10, 1) = '-' AND substr(p_text, 15, 1) = '-' AND substr(p_text, 20, 1) = '-'
                 AND substr(p_text, 25, 1) = '-' AND length(replace(p_text, '-', '')) = 34
                 AND p_text ~ '^\{[-0-9a-fA-F]+\}$'
                THEN p_text::uuid
                WHEN length(p_text) = 32 AND p_text ~ '^[0-9a-fA-F]+$' THEN p_text::uuid
                WHEN length(p_text) = 34 AND p_text ~ '^\{[0-9a-fA-F]+\}$' THEN p_text::uuid
           END
$$;
COMMENT ON FUNCTION load.uuid_of(text) IS
  'Internal: the GUID of exactly 8-4-4-4-12 or 32 hexadecimal digits, any case, optionally in one pair of braces, '
  'no blanks; else NULL.';

CREATE FUNCTION load.parse_uuid(p_value text) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(load.uuid_of(p_value),
                    CASE WHEN p_value ~ '^[ \t\r\n]|[ \t\r\n]$' THEN load.uuid_of(btrim(p_value, E' \t\r\n')) END)
$$;
COMMENT ON FUNCTION load.parse_uuid(text) IS
  'GUID from extract text, any case: 8-4-4-4-12 hexadecimal digits or 32 without hyphens, optionally in one pair of '
  'braces ({A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}, as Dataverse and F&O write them), blanks around ignored. NULL for '
  'NULL, blank or anything else (unbalanced braces, other group lengths); never raises.';

-- Dates and times. The shape regexes fix every field's position or separator and range but for the length of the
-- month; the fields are then cut out with substr / split_part and assembled with make_timestamp, so DateStyle and
-- TimeZone never matter. The internal helpers take text that is trimmed and accepted by the shape regex.
CREATE FUNCTION load.make_local(p_year integer, p_month integer, p_day integer, p_hour integer, p_minute integer,
                                p_second double precision) RETURNS timestamp
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_year >= 1
                 AND p_day <= CASE p_month
                              WHEN 2 THEN CASE WHEN p_year % 4 = 0 AND (p_year % 100 <> 0 OR p_year % 400 = 0)
                                               THEN 29 ELSE 28 END
                              WHEN 4 THEN 30 WHEN 6 THEN 30 WHEN 9 THEN 30 WHEN 11 THEN 30 ELSE 31 END
                THEN make_timestamp(p_year, p_month, p_day, p_hour, p_minute, p_second)
           END
$$;
COMMENT ON FUNCTION load.make_local(integer, integer, integer, integer, integer, double precision) IS
  'Internal: make_timestamp for fields a shape regex has range-checked already (month 1-12, day 1-31, hour 0-23, '
  'minute and second 0-59 plus a fraction, rounded to microseconds), but for what a regex cannot see: NULL for year '
  '0 and for a day the month does not have (leap years included). Hour, minute and second are used once each, so the '
  'function is inlined even when their expressions are long.';

CREATE FUNCTION load.leading_digits(p_text text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT left(p_text, length(p_text) - length(ltrim(p_text, '0123456789')))
$$;
COMMENT ON FUNCTION load.leading_digits(text) IS 'Internal: the digits p_text starts with ('''' when none).';

CREATE FUNCTION load.iso_shape() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT '^[0-9][0-9][0-9][0-9]-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])'
           '([Tt ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?'
           ' ?([Zz]|[+-](0[0-9]|1[0-5])(:?[0-5][0-9])?)?)?$'::text
$$;
COMMENT ON FUNCTION load.iso_shape() IS
  'Internal: the regex of the ISO 8601 forms (also F&O data management''s): YYYY-MM-DD, optionally followed by T or a '
  'space, HH:MM, optional :SS with an optional fraction, and an optional zone Z, +HH, +HHMM or +HH:MM (at most 15:59).';

CREATE FUNCTION load.us_shape() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT '^(0?[1-9]|1[0-2])/(0?[1-9]|[12][0-9]|3[01])/[0-9][0-9][0-9][0-9]'
           '( ([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?'
           '| (0?[1-9]|1[0-2]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)? ?[AaPp][Mm])?$'::text
$$;
COMMENT ON FUNCTION load.us_shape() IS
  'Internal: the regex of the en-US forms (Dataverse and F&O exports, Excel): M/D/YYYY, optionally followed by a space '
  'and H:MM with optional :SS and fraction, either 0-23 hours or 1-12 hours with AM or PM (space optional).';

CREATE FUNCTION load.iso_local(p_text text) RETURNS timestamp
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT load.make_local(
               substr(p_text, 1, 4)::integer, substr(p_text, 6, 2)::integer, substr(p_text, 9, 2)::integer,
               coalesce(nullif(substr(p_text, 12, 2), ''), '0')::integer,
               coalesce(nullif(substr(p_text, 15, 2), ''), '0')::integer,
               (CASE WHEN substr(p_text, 17, 1) = ':' THEN substr(p_text, 18, 2) ELSE '0' END || '.'
                || CASE WHEN substr(p_text, 20, 1) = '.' THEN load.leading_digits(substr(p_text, 21)) ELSE '' END
               )::double precision)
$$;
COMMENT ON FUNCTION load.iso_local(text) IS
  'Internal: the date and time an ISO 8601 text (trimmed, accepted by load.iso_shape) writes, zone not applied; NULL '
  'for a day the month does not have or year 0000.';

CREATE FUNCTION load.iso_offset(p_zone text) RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_zone IN ('', 'Z', 'z') THEN interval '0'
                ELSE make_interval(mins => (substr(p_zone, 2, 2)::integer * 60
                                            + CASE WHEN length(p_zone) > 3 THEN right(p_zone, 2)::integer ELSE 0 END)
                                           * CASE left(p_zone, 1) WHEN '-' THEN -1 ELSE 1 END)
           END
$$;
COMMENT ON FUNCTION load.iso_offset(text) IS
  'Internal: the UTC offset of an ISO 8601 zone as load.iso_shape accepts it ('''', Z, +HH, +HHMM, +HH:MM, or with -).';

CREATE FUNCTION load.iso_utc(p_text text) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (nullif(load.iso_local(p_text), timestamp '1900-01-01 00:00:00')
            - load.iso_offset(btrim(ltrim(substr(p_text, 17), ':.0123456789')))) AT TIME ZONE 'UTC'
$$;
COMMENT ON FUNCTION load.iso_utc(text) IS
  'Internal: the instant an ISO 8601 text (trimmed, accepted by load.iso_shape) writes, UTC when it has no zone; NULL '
  'for F&O''s empty date (1900-01-01 00:00:00 as written) and for a day the month does not have.';

CREATE FUNCTION load.us_local(p_text text) RETURNS timestamp
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT load.make_local(
               left(split_part(p_text, '/', 3), 4)::integer, split_part(p_text, '/', 1)::integer,
               split_part(p_text, '/', 2)::integer,
               coalesce(nullif(split_part(split_part(p_text, ' ', 2), ':', 1), ''), '0')::integer % 12
               + CASE upper(right(p_text, 2)) WHEN 'PM' THEN 12 WHEN 'AM' THEN 0
                 ELSE coalesce(nullif(split_part(split_part(p_text, ' ', 2), ':', 1), ''), '0')::integer / 12 * 12 END,
               coalesce(nullif(left(split_part(p_text, ':', 2), 2), ''), '0')::integer,
               (coalesce(nullif(left(split_part(p_text, ':', 3), 2), ''), '0') || '.'
                || load.leading_digits(split_part(p_text, '.', 2)))::double precision)
$$;
COMMENT ON FUNCTION load.us_local(text) IS
  'Internal: the date and time an en-US text (trimmed, accepted by load.us_shape) writes: M/D/YYYY, 12 AM is 00, '
  '12 PM is 12; NULL for a day the month does not have or year 0000.';

CREATE FUNCTION load.datetime_local(p_value text) RETURNS timestamp
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_value ~ load.iso_shape() THEN load.iso_local(p_value)
                WHEN p_value ~ load.us_shape() THEN load.us_local(p_value)
                WHEN btrim(p_value, E' \t\r\n') ~ load.iso_shape() THEN load.iso_local(btrim(p_value, E' \t\r\n'))
                WHEN btrim(p_value, E' \t\r\n') ~ load.us_shape() THEN load.us_local(btrim(p_value, E' \t\r\n'))
           END
$$;
COMMENT ON FUNCTION load.datetime_local(text) IS
  'The date and time a text writes, in the formats of load.parse_timestamp, as written (any zone not applied), '
  'F&O''s empty date included as 1900-01-01 00:00:00; NULL for NULL, blank or not a date. Never raises.';

CREATE FUNCTION load.parse_timestamp(p_value text) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_value ~ load.iso_shape() THEN load.iso_utc(p_value)
                WHEN p_value ~ load.us_shape()
                THEN nullif(load.us_local(p_value), timestamp '1900-01-01 00:00:00') AT TIME ZONE 'UTC'
                WHEN btrim(p_value, E' \t\r\n') ~ load.iso_shape() THEN load.iso_utc(btrim(p_value, E' \t\r\n'))
                WHEN btrim(p_value, E' \t\r\n') ~ load.us_shape()
                THEN nullif(load.us_local(btrim(p_value, E' \t\r\n')), timestamp '1900-01-01 00:00:00')
                     AT TIME ZONE 'UTC'
           END
$$;
COMMENT ON FUNCTION load.parse_timestamp(text) IS
  'Date and time from extract text: ISO 8601 / F&O data management (2026-11-24, 2026-11-24T14:30, '
  '2026-11-24T14:30:00, 2026-11-24T14:30:00.1234567Z, 2026-11-24 14:30:00+01:00, -0530, +02) and en-US as Dataverse, '
  'F&O and Excel export it (11/24/2026, 11/24/2026 2:30 PM, 11/24/2026 02:30:00 PM, 11/24/2026 14:30). Without a zone '
  'the time is UTC (what the exports write). Fractions are rounded to microseconds. NULL for NULL, blank, F&O''s empty '
  'date 1900-01-01 at midnight (dateNull, DateTimeUtil::minValue) and anything else (2026-02-30, 24:00, 13 PM, '
  'two-digit years, day-first dates, month names); never raises. Assembled with make_timestamp from fields cut out of '
  'the text, so DateStyle and TimeZone never matter.';

CREATE FUNCTION load.parse_date(p_value text) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT nullif(load.datetime_local(p_value), timestamp '1900-01-01 00:00:00')::date
$$;
COMMENT ON FUNCTION load.parse_date(text) IS
  'Date from extract text in the formats of load.parse_timestamp. A time part is accepted and dropped, and the date '
  'is the calendar date as written, not converted to UTC: 2026-11-24T00:00:00+01:00 is 2026-11-24 (F&O and Dataverse '
  'write date-only values as midnight; converting would move each such date of a writer east of UTC a day back). '
  'NULL for NULL, blank, F&O''s empty date 1900-01-01 and anything that is not a valid date; never raises.';

-- Option sets: a code as it is, else a label (or another spelling) of the column.
CREATE FUNCTION load.optionset_keys(p_schema text, p_table text, p_column text) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT jsonb_object_agg(k.alias_key, k.code)
      FROM (SELECT load.label_key(l.label) AS alias_key, l.code
              FROM load.optionset_label l
             WHERE l.schema_name = p_schema AND l.table_name = p_table AND l.column_name = p_column
            UNION
            SELECT a.alias_key, a.code
              FROM load.optionset_alias a
             WHERE a.schema_name = p_schema AND a.table_name = p_table AND a.column_name = p_column) k
$$;
COMMENT ON FUNCTION load.optionset_keys(text, text, text) IS
  'The spellings of one option-set column as a JSON object {label_key: code}: its labels and its other spellings '
  '(load.optionset_label, load.optionset_alias) through load.label_key; NULL for a column without labels. '
  'Declared IMMUTABLE on purpose although it reads the two tables: the labels are reference data only migrations '
  'change, and so a call with a constant column is evaluated once when the statement is planned, not once per row '
  '(a label then costs a regexp_replace and a JSON lookup). A statement prepared before a migration that changes the '
  'labels keeps the labels it was planned with.';

CREATE FUNCTION load.parse_optionset(p_schema text, p_table text, p_column text, p_value text) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_value ~ '^[ \t\r\n]*[+-]?[0-9]+[ \t\r\n]*$' THEN load.parse_integer(p_value)
                ELSE (load.optionset_keys(p_schema, p_table, p_column) ->> load.label_key(p_value))::integer
           END
$$;
COMMENT ON FUNCTION load.parse_optionset(text, text, text, text) IS
  'Option-set value of column p_schema.p_table.p_column from extract text: a whole number is the code as it is, listed '
  'or not (the column''s CHECK decides); else the code whose label (load.optionset_label) or other spelling '
  '(load.optionset_alias) has the same load.label_key: any case, blanks, spaces and punctuation ignored (Billed Sales, '
  'billed sales, BilledSales, Non-Chargeable, OnAccount, Revenue, Cancelled). NULL for NULL, blank or an unknown '
  'label; never raises. '
  'Inlined into the calling query, with the column''s labels folded into the plan when schema, table and column are '
  'constants.';

------------------------------------------------------------------------------------------------
-- Validity (checked set-based before converting) and the load's one way to stop
------------------------------------------------------------------------------------------------
CREATE FUNCTION load.is_valid(p_type text, p_value text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_value IS NULL OR btrim(p_value, E' \t\r\n') = '' THEN true
                ELSE CASE lower(btrim(p_type))
                     WHEN 'text' THEN true
                     WHEN 'character varying' THEN true
                     WHEN 'numeric' THEN load.parse_numeric(p_value) IS NOT NULL
                     WHEN 'integer' THEN load.parse_integer(p_value) IS NOT NULL
                     WHEN 'int4' THEN load.parse_integer(p_value) IS NOT NULL
                     WHEN 'bigint' THEN load.parse_bigint(p_value) IS NOT NULL
                     WHEN 'int8' THEN load.parse_bigint(p_value) IS NOT NULL
                     WHEN 'boolean' THEN load.parse_boolean(p_value) IS NOT NULL
                     WHEN 'bool' THEN load.parse_boolean(p_value) IS NOT NULL
                     WHEN 'uuid' THEN load.parse_uuid(p_value) IS NOT NULL
                     WHEN 'date' THEN load.datetime_local(p_value) IS NOT NULL
                     WHEN 'timestamptz' THEN load.datetime_local(p_value) IS NOT NULL
                     WHEN 'timestamp with time zone' THEN load.datetime_local(p_value) IS NOT NULL
                     WHEN 'timestamp' THEN load.datetime_local(p_value) IS NOT NULL
                     WHEN 'timestamp without time zone' THEN load.datetime_local(p_value) IS NOT NULL
                     END
           END
$$;
COMMENT ON FUNCTION load.is_valid(text, text) IS
  'Whether p_value parses as p_type: timestamptz, date, numeric, boolean, integer, bigint, uuid, text (also the '
  'format_type names timestamp with time zone, timestamp [without time zone], character varying and int4, int8, '
  'bool). NULL and blank are valid (they load as NULL), and so is F&O''s empty date 1900-01-01 for the date types, '
  'although its parse is NULL: test validity with this function, not with "parse IS NULL". NULL for an unknown '
  'type name. Never raises.';

CREATE FUNCTION load.is_valid_optionset(p_schema text, p_table text, p_column text, p_value text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT p_value IS NULL OR btrim(p_value, E' \t\r\n') = ''
           OR load.parse_optionset(p_schema, p_table, p_column, p_value) IS NOT NULL
$$;
COMMENT ON FUNCTION load.is_valid_optionset(text, text, text, text) IS
  'Whether p_value is a valid value of option-set column p_schema.p_table.p_column for load.parse_optionset: NULL or '
  'blank, a whole number, or a known label or spelling. Never raises.';

CREATE FUNCTION load.reject(p_record bigint, p_column text, p_value text, p_expected text) RETURNS text
LANGUAGE plpgsql PARALLEL SAFE AS $$
BEGIN
    RAISE EXCEPTION 'load rejected record % column % expected % value %', p_record, p_column, p_expected, p_value
        USING ERRCODE = 'P0001';
END
$$;
COMMENT ON FUNCTION load.reject(bigint, text, text, text) IS
  'Stops a load on a bad value: raises SQLSTATE P0001 with the message "load rejected record <n> column <c> expected '
  '<what> value <v>", which the loader turns into file, line, column and value. Declared to return text so a call can '
  'be cast to any column type inside the converting CASE; it never returns. Volatile, so it is never evaluated '
  'ahead of the CASE branch that calls it.';

------------------------------------------------------------------------------------------------
-- The load's way through the guards of 0007 / 0008
------------------------------------------------------------------------------------------------
CREATE FUNCTION load.loading() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(current_setting('tieout.origin', true), '') LIKE 'load:%'
$$;
COMMENT ON FUNCTION load.loading() IS
  'True inside a load''s transaction: the loader sets tieout.origin to load:dataverse or load:fno '
  '(set_config(''tieout.origin'', ''load:<side>'', true)). The guards that only protect records against being '
  'edited skip their check then (WHEN (NOT load.loading())), because a load writes what the source systems already '
  'hold: confirmed invoices with their lines and details, and proposals F&O created.';

-- Decisions (a load mirrors the source systems, which enforce the same rules themselves):
--   * skipped for a load: the confirmed-invoice guards (header update/delete, lines and details insert/update/delete),
--     the proposal guard (insert and delete: one row trigger for both), and the truncate guards of invoices, lines,
--     details and proposals. `--replace` deletes the rows missing from a file with DELETE, so a load may delete them.
--   * still applied to a load: actuals are never deleted, not even by `--replace` (msdyn_actual_delete_guard and
--     msdyn_actual_truncate_guard unchanged: an extract that lacks actuals is incomplete, the load stops); and the
--     unsupported features keep failing with their clear error: discount/freight on a proforma
--     (invoice_discount_guard), changing an ILD's class (msdyn_invoicelinetransaction_class_guard), partial
--     milestone credit (msdyn_invoicelinetransaction_milestone_credit_guard): this model cannot reconcile such data.
-- Each trigger is re-created in place (same name, timing, events, level, transition tables, function and arguments);
-- only the WHEN condition is added. load.loading() references no column, so it is valid on statement-level and
-- TRUNCATE triggers too.
CREATE OR REPLACE TRIGGER invoice_confirmed_guard
    BEFORE UPDATE OR DELETE ON dataverse.invoice
    FOR EACH ROW WHEN (OLD.msdyn_projectinvoicestatus IN (192350002, 192350003, 192350004) AND NOT load.loading())
    EXECUTE FUNCTION process.dv_invoice_confirmed_guard();
COMMENT ON TRIGGER invoice_confirmed_guard ON dataverse.invoice IS
  'A confirmed proforma invoice cannot be edited or deleted (status forward and write-back columns excepted). '
  'Skipped while loading (load.loading()).';

CREATE OR REPLACE TRIGGER invoice_truncate_guard
    BEFORE TRUNCATE ON dataverse.invoice
    FOR EACH STATEMENT WHEN (NOT load.loading())
    EXECUTE FUNCTION process.dv_invoice_truncate_guard();
COMMENT ON TRIGGER invoice_truncate_guard ON dataverse.invoice IS
  'Refuses TRUNCATE while confirmed proforma invoices exist. Skipped while loading (load.loading()).';
CREATE OR REPLACE TRIGGER invoicedetail_truncate_guard
    BEFORE TRUNCATE ON dataverse.invoicedetail
    FOR EACH STATEMENT WHEN (NOT load.loading())
    EXECUTE FUNCTION process.dv_invoice_truncate_guard();
COMMENT ON TRIGGER invoicedetail_truncate_guard ON dataverse.invoicedetail IS
  'Refuses TRUNCATE while confirmed proforma invoices exist. Skipped while loading (load.loading()).';
CREATE OR REPLACE TRIGGER msdyn_invoicelinetransaction_truncate_guard
    BEFORE TRUNCATE ON dataverse.msdyn_invoicelinetransaction
    FOR EACH STATEMENT WHEN (NOT load.loading())
    EXECUTE FUNCTION process.dv_invoice_truncate_guard();
COMMENT ON TRIGGER msdyn_invoicelinetransaction_truncate_guard ON dataverse.msdyn_invoicelinetransaction IS
  'Refuses TRUNCATE while confirmed proforma invoices exist. Skipped while loading (load.loading()).';

CREATE OR REPLACE TRIGGER invoicedetail_confirmed_guard_insert
    AFTER INSERT ON dataverse.invoicedetail REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT WHEN (NOT load.loading())
    EXECUTE FUNCTION process.dv_confirmed_invoice_child_guard('invoicedetailid', 'invoiceid', 'invoice line');
COMMENT ON TRIGGER invoicedetail_confirmed_guard_insert ON dataverse.invoicedetail IS
  'No line can be added to a confirmed proforma invoice. Skipped while loading (load.loading()).';
CREATE OR REPLACE TRIGGER invoicedetail_confirmed_guard_update
    AFTER UPDATE ON dataverse.invoicedetail REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT WHEN (NOT load.loading())
    EXECUTE FUNCTION process.dv_confirmed_invoice_child_guard('invoicedetailid', 'invoiceid', 'invoice line');
COMMENT ON TRIGGER invoicedetail_confirmed_guard_update ON dataverse.invoicedetail IS
  'No line of a confirmed proforma invoice can be changed. Skipped while loading (load.loading()).';
CREATE OR REPLACE TRIGGER invoicedetail_confirmed_guard_delete
    AFTER DELETE ON dataverse.invoicedetail REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT WHEN (NOT load.loading())
    EXECUTE FUNCTION process.dv_confirmed_invoice_child_guard('invoicedetailid', 'invoiceid', 'invoice line');
COMMENT ON TRIGGER invoicedetail_confirmed_guard_delete ON dataverse.invoicedetail IS
  'No line of a confirmed proforma invoice can be deleted. Skipped while loading (load.loading()).';
CREATE OR REPLACE TRIGGER msdyn_invoicelinetransaction_confirmed_guard_insert
    AFTER INSERT ON dataverse.msdyn_invoicelinetransaction REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT WHEN (NOT load.loading())
    EXECUTE FUNCTION process.dv_confirmed_invoice_child_guard('msdyn_invoicelinetransactionid', 'msdyn_invoice',
                                                              'invoice line detail');
COMMENT ON TRIGGER msdyn_invoicelinetransaction_confirmed_guard_insert ON dataverse.msdyn_invoicelinetransaction IS
  'No line detail can be added to a confirmed proforma invoice. Skipped while loading (load.loading()).';
CREATE OR REPLACE TRIGGER msdyn_invoicelinetransaction_confirmed_guard_update
    AFTER UPDATE ON dataverse.msdyn_invoicelinetransaction REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT WHEN (NOT load.loading())
    EXECUTE FUNCTION process.dv_confirmed_invoice_child_guard('msdyn_invoicelinetransactionid', 'msdyn_invoice',
                                                              'invoice line detail');
COMMENT ON TRIGGER msdyn_invoicelinetransaction_confirmed_guard_update ON dataverse.msdyn_invoicelinetransaction IS
  'No line detail of a confirmed proforma invoice can be changed. Skipped while loading (load.loading()).';
CREATE OR REPLACE TRIGGER msdyn_invoicelinetransaction_confirmed_guard_delete
    AFTER DELETE ON dataverse.msdyn_invoicelinetransaction REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT WHEN (NOT load.loading())
    EXECUTE FUNCTION process.dv_confirmed_invoice_child_guard('msdyn_invoicelinetransactionid', 'msdyn_invoice',
                                                              'invoice line detail');
COMMENT ON TRIGGER msdyn_invoicelinetransaction_confirmed_guard_delete ON dataverse.msdyn_invoicelinetransaction IS
  'No line detail of a confirmed proforma invoice can be deleted. Skipped while loading (load.loading()).';

CREATE OR REPLACE TRIGGER projproposaljour_guard
    BEFORE INSERT OR DELETE ON fno.projproposaljour
    FOR EACH ROW WHEN (NOT load.loading())
    EXECUTE FUNCTION process.fno_projproposaljour_guard();
COMMENT ON TRIGGER projproposaljour_guard ON fno.projproposaljour IS
  'Invoice proposals are created only by the map invoice-proposal-v2 from confirmed proforma invoices and never '
  'deleted. Skipped while loading (load.loading()): a load writes the proposals F&O holds.';
CREATE OR REPLACE TRIGGER projproposaljour_guard_truncate
    BEFORE TRUNCATE ON fno.projproposaljour
    FOR EACH STATEMENT WHEN (NOT load.loading())
    EXECUTE FUNCTION process.fno_projproposaljour_guard();
COMMENT ON TRIGGER projproposaljour_guard_truncate ON fno.projproposaljour IS
  'TRUNCATE deletes invoice proposals too, so it is refused like a delete. Skipped while loading (load.loading()).';
