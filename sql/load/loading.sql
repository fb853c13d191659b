-- load/loading.sql
-- The load's way through the guards of sql/dataverse/guards.sql and sql/fno/guards.sql.

CREATE OR REPLACE FUNCTION load.loading() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(current_setting('tieout.origin', true), '') LIKE 'load:%'
$$;
COMMENT ON FUNCTION load.loading() IS
  'True inside a load''s transaction: the loader sets tieout.origin to load:dataverse or load:fno '
  '(set_config(''tieout.origin'', ''load:<side>'', true)). The guards that only protect records against being '
  'edited skip their check then (WHEN (NOT load.loading())), because a load writes what the source systems already '
  'hold: confirmed invoices with their lines and details, and proposals F&O created.';
