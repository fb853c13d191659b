-- sync/capture.sql
-- Change capture for the dual-write sync engine: the trigger function that logs a changed row for the maps
-- that read its table, and sync.enable_capture, which puts it on a table.

-- The capture trigger function. TG_ARGV[0] is the SQL that turns a row alias `r` into its primary key as text[]
-- (sync.enable_capture builds it from the catalog, with every identifier quoted); TG_ARGV[1] is the text[]
-- literal of the maps that read the table.
CREATE OR REPLACE FUNCTION sync.capture() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    logged bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE format('INSERT INTO sync.change_log (map, op, pk) '
                       'SELECT m, %L, %s FROM new_rows r CROSS JOIN unnest(%L::text[]) AS m',
                       'I', TG_ARGV[0], TG_ARGV[1]);
    ELSIF TG_OP = 'UPDATE' THEN
        -- Both images: a changed primary key must reach the engine as a delete of the old key.
        EXECUTE format('INSERT INTO sync.change_log (map, op, pk) '
                       'SELECT m, %L, pk FROM (SELECT %s AS pk FROM new_rows r '
                       'UNION SELECT %s FROM old_rows r) k CROSS JOIN unnest(%L::text[]) AS m',
                       'U', TG_ARGV[0], TG_ARGV[0], TG_ARGV[1]);
    ELSE
        EXECUTE format('INSERT INTO sync.change_log (map, op, pk) '
                       'SELECT m, %L, %s FROM old_rows r CROSS JOIN unnest(%L::text[]) AS m',
                       'D', TG_ARGV[0], TG_ARGV[1]);
    END IF;
    GET DIAGNOSTICS logged = ROW_COUNT;
    IF logged > 0 THEN
        PERFORM pg_notify('tieout_sync', TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION sync.capture() IS
  'Statement-level capture trigger: logs the primary keys of the changed rows (from the transition tables) for '
  'every map that reads the table.';

-- Installs (or re-installs) capture on a table for the maps that read it: three statement-level triggers with
-- transition tables. Without maps it removes capture.
CREATE OR REPLACE FUNCTION sync.enable_capture(target regclass, maps text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    pk_sql text;
    args   text;
BEGIN
    SELECT 'ARRAY[' || string_agg(format('r.%I::text', a.attname), ', ' ORDER BY k.ord) || ']'
      INTO pk_sql
      FROM pg_index i
      CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
     WHERE i.indrelid = target AND i.indisprimary;
    IF pk_sql IS NULL THEN
        RAISE EXCEPTION 'table % has no primary key, so its changes cannot be captured', target
            USING ERRCODE = '55000';
    END IF;
    args := pk_sql || '\000' || maps::text || '\000';
    IF (SELECT count(*) FROM pg_trigger t
         WHERE t.tgrelid = target
           AND t.tgname IN ('tieout_capture_insert', 'tieout_capture_update', 'tieout_capture_delete')
           AND encode(t.tgargs, 'escape') = args) = 3 THEN
        RETURN;  -- already installed for this primary key and these maps
    END IF;
    PERFORM set_config('client_min_messages', 'warning', true);
    EXECUTE format('DROP TRIGGER IF EXISTS tieout_capture_insert ON %s', target);
    EXECUTE format('DROP TRIGGER IF EXISTS tieout_capture_update ON %s', target);
    EXECUTE format('DROP TRIGGER IF EXISTS tieout_capture_delete ON %s', target);
    IF cardinality(maps) = 0 THEN
        RETURN;
    END IF;
    EXECUTE format('CREATE TRIGGER tieout_capture_insert AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION sync.capture(%L, %L)', target, pk_sql, maps::text);
    EXECUTE format('CREATE TRIGGER tieout_capture_update AFTER UPDATE ON %s '
                   'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION sync.capture(%L, %L)', target, pk_sql, maps::text);
    EXECUTE format('CREATE TRIGGER tieout_capture_delete AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION sync.capture(%L, %L)', target, pk_sql, maps::text);
END
$$;
COMMENT ON FUNCTION sync.enable_capture(regclass, text[]) IS
  'Adds the capture triggers to a table for the maps that read it (idempotent). The sync engine calls it for every '
  'map''s source table when it starts.';
