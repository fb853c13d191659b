-- 0009_load.sql
-- Schema load: what `tieout load dataverse|fno DIR` and `tieout load lake DIR` need in the database. Its code (the
-- option-set labels, the parse functions, load.reject and load.loading) is in sql/load/.
-- Applied by the tieout migrator in one transaction (no BEGIN/COMMIT here).

CREATE SCHEMA load;
COMMENT ON SCHEMA load IS
  'Loading real extracts (`tieout load dataverse|fno DIR`): the option-set labels of schemas dataverse and fno, the '
  'parse and validity functions that turn extract text into column values without raising, load.reject (the one '
  'function that stops a load, naming the record, column and value) and load.loading(), which lets the load''s own '
  'transaction (tieout.origin = load:<side>) past the guards that only protect against editing.';
