-- load/optionset.sql
-- Option-set values in extracts: the labels of every option-set column (from optionset/option_sets.sql, the one
-- place that names codes), the other spellings exports use, and the functions that turn a code, a label or another
-- spelling into the code.

CREATE OR REPLACE FUNCTION load.label_key(p_value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT nullif(lower(regexp_replace(p_value, '[^[:alnum:]]+', '', 'g')), '')
$$;
COMMENT ON FUNCTION load.label_key(text) IS
  'The comparison key of an option-set spelling: lower case, letters and digits only (Non-Chargeable, NonChargeable '
  'and non chargeable all give nonchargeable); NULL when nothing is left.';

-- Every option-set column with its codes and labels.
CREATE OR REPLACE VIEW load.optionset_label AS
SELECT u.schema_name, u.table_name, u.column_name, v.code, v.label
  FROM optionset.column_set u
  JOIN optionset.value v ON v.set_name = u.set_name
 WHERE u.only_codes IS NULL OR v.code = ANY (u.only_codes);
COMMENT ON VIEW load.optionset_label IS
  'One row per code of every option-set column of schemas dataverse and fno: the code and its English label '
  '(optionset.value, optionset.column_set). A column is an option-set column for the loader exactly when it has '
  'rows here.';
COMMENT ON COLUMN load.optionset_label.schema_name IS 'Schema of the column: dataverse or fno.';
COMMENT ON COLUMN load.optionset_label.table_name IS 'Table of the column (logical name, lower case).';
COMMENT ON COLUMN load.optionset_label.column_name IS 'The option-set column (logical name, lower case).';
COMMENT ON COLUMN load.optionset_label.code IS
  'Option value (Dataverse option-set code or F&O enum value) stored in the column.';
COMMENT ON COLUMN load.optionset_label.label IS
  'English label an export writes for the code, e.g. Billed Sales, Time and Material, Invoice proposal.';

-- The British spelling of Canceled, and the F&O enum symbol names that differ from the labels.
CREATE OR REPLACE VIEW load.optionset_alias AS
SELECT l.schema_name, l.table_name, l.column_name, replace(load.label_key(l.label), 'canceled', 'cancelled') AS alias_key,
       l.code
  FROM load.optionset_label l
 WHERE load.label_key(l.label) LIKE '%canceled%'
UNION
SELECT l.schema_name, l.table_name, l.column_name, load.label_key(s.symbol), l.code
  FROM load.optionset_label l
  JOIN optionset.column_set u USING (schema_name, table_name, column_name)
  JOIN (VALUES ('projtranstype', 'Fee', 'Revenue'),
               ('projtranstype', 'Expense', 'Cost'),
               ('projtype', 'Time and material', 'TimeMaterial'),
               ('contractbillingmethod', 'Time and material', 'TimeMaterial'),
               ('projtype', 'Cost project', 'Cost'),
               ('projtype', 'Time project', 'Time')) s (set_name, label, symbol)
    ON s.set_name = u.set_name AND s.label = l.label;
COMMENT ON VIEW load.optionset_alias IS
  'Spellings of option-set values other than their labels, compared after load.label_key (lower case, letters and '
  'digits only; a label itself needs no row, and neither does its symbol-name form like NonChargeable or OnAccount): '
  'the British spelling Cancelled of Canceled, and the F&O enum symbol names that differ from their labels '
  '(ProjTransType Revenue = Fee, Cost = Expense; ProjType and the contract line billing method TimeMaterial; ProjType '
  'Cost, Time). No key stands for two codes of one column (checked when this file is applied).';
COMMENT ON COLUMN load.optionset_alias.schema_name IS 'Schema of the column: dataverse or fno.';
COMMENT ON COLUMN load.optionset_alias.table_name IS 'Table of the column.';
COMMENT ON COLUMN load.optionset_alias.column_name IS 'The option-set column.';
COMMENT ON COLUMN load.optionset_alias.alias_key IS 'The spelling as load.label_key gives it, e.g. onaccount, revenue.';
COMMENT ON COLUMN load.optionset_alias.code IS 'The code the spelling stands for (a row of load.optionset_label).';

-- Every labelled column must exist and be a whole-number column, and within a column no comparison key may stand
-- for two codes (a typo in optionset/option_sets.sql would otherwise go unnoticed).
DO $$
DECLARE
    v_missing text;
    v_ambiguous text;
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

-- Option sets: a code as it is, else a label (or another spelling) of the column.
CREATE OR REPLACE FUNCTION load.optionset_keys(p_schema text, p_table text, p_column text) RETURNS jsonb
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
  'Declared IMMUTABLE on purpose although it reads the two views: the labels are constant reference data, and so a call with a constant column is evaluated once when the statement is planned, not once per row '
  '(a label then costs a regexp_replace and a JSON lookup). A statement prepared before tieout migrate changes the '
  'labels keeps the labels it was planned with.';

CREATE OR REPLACE FUNCTION load.parse_optionset(p_schema text, p_table text, p_column text, p_value text) RETURNS integer
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

CREATE OR REPLACE FUNCTION load.is_valid_optionset(p_schema text, p_table text, p_column text, p_value text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT p_value IS NULL OR btrim(p_value, E' \t\r\n') = ''
           OR load.parse_optionset(p_schema, p_table, p_column, p_value) IS NOT NULL
$$;
COMMENT ON FUNCTION load.is_valid_optionset(text, text, text, text) IS
  'Whether p_value is a valid value of option-set column p_schema.p_table.p_column for load.parse_optionset: NULL or '
  'blank, a whole number, or a known label or spelling. Never raises.';
