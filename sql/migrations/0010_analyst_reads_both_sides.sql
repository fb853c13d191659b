-- tieout_analyst reads both sides: USAGE and SELECT on schemas dataverse and fno, next to recon (0007).
--
-- Analysts query the reconciliation and both systems' tables in SQL (README, "For analysts"). 0007 gave the role
-- schema recon only. This grants read access to every table of dataverse and fno, and, through default privileges,
-- to the tables the migrating role creates there later. Nothing else: no INSERT, UPDATE, DELETE or TRUNCATE, no
-- CREATE in either schema, and no access to the internal schemas sync (change log, errors), load (the loader's
-- parsing), process (the business processes) and tieout (migration bookkeeping). The functions of dataverse and
-- fno run with the caller's rights, so the role cannot write through them either.
--
-- The role exists: 0007 creates it when missing.

GRANT USAGE ON SCHEMA dataverse, fno TO tieout_analyst;
GRANT SELECT ON ALL TABLES IN SCHEMA dataverse, fno TO tieout_analyst;
-- Tables that later migrations (run by this same role) add to the two schemas are readable too.
ALTER DEFAULT PRIVILEGES IN SCHEMA dataverse, fno GRANT SELECT ON TABLES TO tieout_analyst;

-- The role's comment says what it reads. Roles are cluster-wide and commenting on one needs CREATEROLE: a migrating
-- user without it leaves the comment of 0007.
DO $$
BEGIN
    IF (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
        COMMENT ON ROLE tieout_analyst IS
          'Read-only access for analysts: the reconciliation (schema recon: tables and views) and both systems '
          '(every table of schemas dataverse and fno), in every database migrated by tieout; not sync, load, '
          'process or tieout. NOLOGIN: an admin grants it to a login role (GRANT tieout_analyst TO alice) or adds '
          'LOGIN.';
    END IF;
END
$$;
