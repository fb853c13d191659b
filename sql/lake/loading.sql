-- lake/loading.sql
-- Deletes are the source's truth.

CREATE OR REPLACE FUNCTION lake.loading() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(current_setting('tieout.origin', true), '') = 'load:lake'
$$;
COMMENT ON FUNCTION lake.loading() IS
  'True inside a `tieout load lake` transaction (tieout.origin = load:lake, which load.loading() also accepts).';
