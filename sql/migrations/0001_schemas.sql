-- 0001_schemas.sql
-- The two systems that tieout reconciles, each in its own schema, and the names of their option-set codes.
-- Applied by the tieout migrator in one transaction (no BEGIN/COMMIT here).

CREATE SCHEMA dataverse;
COMMENT ON SCHEMA dataverse IS
  'Microsoft Dataverse side of Dynamics 365 Project Operations (project side, owned by the project manager): '
  'accounts, project contracts and lines, projects, milestones, time/expense/material entries, actuals, '
  'transaction connections and proforma invoices. Table and column names are Microsoft''s logical names, '
  'lower-cased, so real Dataverse extracts load unchanged. Lookups are real relationships and are enforced '
  'with foreign keys.';

CREATE SCHEMA fno;
COMMENT ON SCHEMA fno IS
  'Dynamics 365 Finance and Operations side (ledger side, owned by the project accountant / AR clerk): '
  'actuals staging, Project Operations integration journal, invoice proposals, posted project transactions, '
  'posted project invoices, customer transactions and the general ledger. Table and field names are F&O''s, '
  'lower-cased; every table has dataareaid (legal entity) and recid. F&O does not enforce relations in its '
  'database (they live in AOT metadata), so this schema has no foreign keys; related columns say which table '
  'they point to in their comments.';

CREATE SCHEMA optionset;
COMMENT ON SCHEMA optionset IS
  'The option sets of both systems by name: every code with its label (optionset.value), the columns that hold each '
  'set (optionset.column_set) and optionset.code(set, label), which the rest of tieout''s SQL uses instead of '
  'numbers.';
