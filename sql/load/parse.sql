-- load/parse.sql
-- The functions that turn the text of a real extract into column values, test validity, and stop a load.
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

-- Speed: the functions below are plain SQL expressions that PostgreSQL inlines into the loader's statement, so a
-- million values cost a few regex matches and casts each, no function calls. Their regexes have no capture groups
-- (those make PostgreSQL's regex engine many times slower). Blanks around a value are spaces, tabs, carriage returns
-- and line feeds; values without them (nearly all) take a path that does not trim. Digits are [0-9], never \d, which
-- can match other scripts' digits under an ICU locale, and those would then fail the cast.
CREATE OR REPLACE FUNCTION load.parse_numeric(p_value text) RETURNS numeric
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

CREATE OR REPLACE FUNCTION load.parse_integer(p_value text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_value ~ '^[ \t\r\n]*[+-]?0*[0-9]{1,10}[ \t\r\n]*$'
                THEN CASE WHEN p_value::bigint BETWEEN -2147483648 AND 2147483647 THEN p_value::bigint::integer END
           END
$$;
COMMENT ON FUNCTION load.parse_integer(text) IS
  'Whole number (integer) from extract text: optional sign and digits only (no separators, no decimals), within '
  '-2147483648 .. 2147483647; surrounding blanks are ignored. NULL for NULL, blank or anything else; never raises.';

CREATE OR REPLACE FUNCTION load.parse_bigint(p_value text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_value ~ '^[ \t\r\n]*[+-]?0*[0-9]{1,19}[ \t\r\n]*$'
                THEN CASE WHEN p_value::numeric BETWEEN -9223372036854775808 AND 9223372036854775807
                          THEN p_value::bigint END
           END
$$;
COMMENT ON FUNCTION load.parse_bigint(text) IS
  'Whole number (bigint, e.g. F&O RecIds) from extract text: optional sign and digits only, within the bigint range; '
  'surrounding blanks are ignored. NULL for NULL, blank or anything else; never raises.';

CREATE OR REPLACE FUNCTION load.parse_boolean(p_value text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE lower(btrim(p_value, E' \t\r\n'))
           WHEN 'true' THEN true WHEN 't' THEN true WHEN 'yes' THEN true WHEN 'y' THEN true WHEN '1' THEN true
           WHEN 'false' THEN false WHEN 'f' THEN false WHEN 'no' THEN false WHEN 'n' THEN false WHEN '0' THEN false
           END
$$;
COMMENT ON FUNCTION load.parse_boolean(text) IS
  'Boolean from extract text, any case: true/false, t/f, yes/no (Dataverse two-option labels, F&O NoYes), y/n, 1/0. '
  'NULL for NULL, blank or anything else; never raises.';

CREATE OR REPLACE FUNCTION load.uuid_of(p_text text) RETURNS uuid
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

CREATE OR REPLACE FUNCTION load.parse_uuid(p_value text) RETURNS uuid
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
CREATE OR REPLACE FUNCTION load.make_local(p_year integer, p_month integer, p_day integer, p_hour integer, p_minute integer,
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

CREATE OR REPLACE FUNCTION load.leading_digits(p_text text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT left(p_text, length(p_text) - length(ltrim(p_text, '0123456789')))
$$;
COMMENT ON FUNCTION load.leading_digits(text) IS 'Internal: the digits p_text starts with ('''' when none).';

CREATE OR REPLACE FUNCTION load.iso_shape() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT '^[0-9][0-9][0-9][0-9]-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])'
           '([Tt ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?'
           ' ?([Zz]|[+-](0[0-9]|1[0-5])(:?[0-5][0-9])?)?)?$'::text
$$;
COMMENT ON FUNCTION load.iso_shape() IS
  'Internal: the regex of the ISO 8601 forms (also F&O data management''s): YYYY-MM-DD, optionally followed by T or a '
  'space, HH:MM, optional :SS with an optional fraction, and an optional zone Z, +HH, +HHMM or +HH:MM (at most 15:59).';

CREATE OR REPLACE FUNCTION load.us_shape() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT '^(0?[1-9]|1[0-2])/(0?[1-9]|[12][0-9]|3[01])/[0-9][0-9][0-9][0-9]'
           '( ([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?'
           '| (0?[1-9]|1[0-2]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)? ?[AaPp][Mm])?$'::text
$$;
COMMENT ON FUNCTION load.us_shape() IS
  'Internal: the regex of the en-US forms (Dataverse and F&O exports, Excel): M/D/YYYY, optionally followed by a space '
  'and H:MM with optional :SS and fraction, either 0-23 hours or 1-12 hours with AM or PM (space optional).';

CREATE OR REPLACE FUNCTION load.iso_local(p_text text) RETURNS timestamp
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

CREATE OR REPLACE FUNCTION load.iso_offset(p_zone text) RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_zone IN ('', 'Z', 'z') THEN interval '0'
                ELSE make_interval(mins => (substr(p_zone, 2, 2)::integer * 60
                                            + CASE WHEN length(p_zone) > 3 THEN right(p_zone, 2)::integer ELSE 0 END)
                                           * CASE left(p_zone, 1) WHEN '-' THEN -1 ELSE 1 END)
           END
$$;
COMMENT ON FUNCTION load.iso_offset(text) IS
  'Internal: the UTC offset of an ISO 8601 zone as load.iso_shape accepts it ('''', Z, +HH, +HHMM, +HH:MM, or with -).';

CREATE OR REPLACE FUNCTION load.iso_utc(p_text text) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (nullif(load.iso_local(p_text), timestamp '1900-01-01 00:00:00')
            - load.iso_offset(btrim(ltrim(substr(p_text, 17), ':.0123456789')))) AT TIME ZONE 'UTC'
$$;
COMMENT ON FUNCTION load.iso_utc(text) IS
  'Internal: the instant an ISO 8601 text (trimmed, accepted by load.iso_shape) writes, UTC when it has no zone; NULL '
  'for F&O''s empty date (1900-01-01 00:00:00 as written) and for a day the month does not have.';

CREATE OR REPLACE FUNCTION load.us_local(p_text text) RETURNS timestamp
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

CREATE OR REPLACE FUNCTION load.datetime_local(p_value text) RETURNS timestamp
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

CREATE OR REPLACE FUNCTION load.parse_timestamp(p_value text) RETURNS timestamptz
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

CREATE OR REPLACE FUNCTION load.parse_date(p_value text) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT nullif(load.datetime_local(p_value), timestamp '1900-01-01 00:00:00')::date
$$;
COMMENT ON FUNCTION load.parse_date(text) IS
  'Date from extract text in the formats of load.parse_timestamp. A time part is accepted and dropped, and the date '
  'is the calendar date as written, not converted to UTC: 2026-11-24T00:00:00+01:00 is 2026-11-24 (F&O and Dataverse '
  'write date-only values as midnight; converting would move each such date of a writer east of UTC a day back). '
  'NULL for NULL, blank, F&O''s empty date 1900-01-01 and anything that is not a valid date; never raises.';

------------------------------------------------------------------------------------------------
-- Validity (checked set-based before converting) and the load's one way to stop
------------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION load.is_valid(p_type text, p_value text) RETURNS boolean
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

CREATE OR REPLACE FUNCTION load.reject(p_record bigint, p_column text, p_value text, p_expected text) RETURNS text
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
