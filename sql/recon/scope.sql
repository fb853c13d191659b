-- recon/scope.sql
-- Incremental reconciliation (docs/reconciliation.md, "Incremental runs"). The checks read their tables through
-- pg_temp.recon_in_<table> (recon.scope_inputs). recon.prepare_run decides whether a run is full or incremental:
-- full, they are views of the whole tables; incremental, they are copies of the rows of the scopes the changes since
-- the last run reach (contracts C:<number>, vouchers V:<voucher>), found from the keys the capture triggers logged
-- (recon/capture.sql) by recon.expand_scope. After the checks, recon.merge_scopes gives each finding its scope
-- (recon.scope_of_findings) and keeps, of the fresh ones, those of the scopes re-checked; the other scopes' findings
-- come from recon.raw_finding, the last run's.

-- Drops the run inputs and the state tables of a previous attempt in this transaction (views depending on the
-- inputs, the recon_expected_* ones, go with them: tieout creates them again).
CREATE OR REPLACE FUNCTION recon.drop_inputs() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_input record;
BEGIN
    PERFORM set_config('client_min_messages', 'warning', true);
    FOR v_input IN
        SELECT c.relname, c.relkind FROM pg_class c
         WHERE c.relnamespace = pg_my_temp_schema()
           AND c.relname IN (SELECT 'recon_in_' || split_part(i.relation, '.', 2) FROM recon.scope_inputs() i)
    LOOP
        EXECUTE format(CASE v_input.relkind WHEN 'v' THEN 'DROP VIEW pg_temp.%I CASCADE'
                                            ELSE 'DROP TABLE pg_temp.%I CASCADE' END, v_input.relname);
    END LOOP;
    DROP TABLE IF EXISTS pg_temp.recon_key, pg_temp.recon_frontier, pg_temp.recon_next;
END
$$;
COMMENT ON FUNCTION recon.drop_inputs() IS
  'Drops the pg_temp.recon_in_* inputs of a run (and the views on them) and the scope expansion''s work tables.';

-- One step of recon.expand_scope: copies into pg_temp.recon_in_<table> the rows of p_relation whose columns linked by
-- keys of kind p_kind hold a key of that kind of pg_temp.recon_frontier (not those copied already), and adds their
-- followed keys to pg_temp.recon_next (all but the key a row was found by, when one column alone links the kind; the
-- others are in recon_key already and go no further). The frontier holds each key once, so a row is found once. Each
-- column's keys go to its index as one array (= ANY), which the index walks in its own order: faster than a nested
-- loop over the frontier, key by key; two columns of one kind (a transaction connection's two ends) are looked up in
-- one scan (a bitmap OR), so a row both ends lead to is read once. The indexes are used whatever the frontier's size
-- (an unanalysed temp table, often estimated wrong): a scan of the whole table would cost what an incremental run
-- saves. Two lookups are left out because they cannot find a row not copied yet: a key brought from this very column
-- when it is unique (recon_frontier.done: the row that brought it is the only one), and a key already looked up in
-- this column as another kind whose link follows at least as far (a voucher that is an invoice voucher too).
DROP FUNCTION IF EXISTS recon.copy_linked(text, text, text);
CREATE OR REPLACE FUNCTION recon.copy_linked(p_relation text, p_kind text) RETURNS void
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    v_input  text := 'recon_in_' || split_part(p_relation, '.', 2);
    v_pk     text := (SELECT i.pk FROM recon.scope_inputs() i WHERE i.relation = p_relation);
    v_cols   text[];
    v_where  text;
    v_copy   text;
    v_follow record;
BEGIN
    -- Per column: its keys of the frontier, less those a covering kind (the first in name order when they follow
    -- alike) looked up in it already.
    SELECT array_agg(l.col ORDER BY l.col),
           string_agg(format('m.%I = ANY (ARRAY(SELECT f.key::%s FROM recon_frontier f '
                             'WHERE f.kind = %L AND NOT %L = ANY (f.done)%s))',
                             l.col, format_type(a.atttypid, a.atttypmod), l.kind, l.relation || '.' || l.col,
                             (SELECT format(' AND NOT EXISTS (SELECT FROM recon_key k WHERE k.kind = ANY (%L) '
                                            'AND k.key = f.key)', array_agg(o.kind))
                                FROM recon.scope_links() o
                               WHERE (o.relation, o.col) = (l.relation, l.col) AND o.kind <> l.kind
                                 AND (o.follow AND NOT l.follow OR o.follow = l.follow AND o.kind < l.kind)
                              HAVING count(*) > 0)), ' OR ' ORDER BY l.col)
      INTO v_cols, v_where
      FROM recon.scope_links() l
      JOIN pg_attribute a ON a.attrelid = l.relation::regclass AND a.attname = l.col
     WHERE l.relation = p_relation AND l.kind = p_kind;
    -- The followed keys of the rows found, each marked with its column when that column is unique.
    SELECT string_agg(DISTINCT format('%I', l.col), ', ') AS columns,
           string_agg(format('(%L, r.%I::text, %L)', l.kind, l.col,
                             CASE WHEN EXISTS (SELECT FROM pg_index x JOIN pg_attribute a
                                                 ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
                                                WHERE x.indrelid = p_relation::regclass AND x.indisunique
                                                  AND x.indnatts = 1 AND x.indpred IS NULL AND a.attname = l.col)
                                  THEN p_relation || '.' || l.col END), ', ') AS keys
      INTO v_follow
      FROM recon.scope_links() l
     WHERE l.relation = p_relation AND l.follow AND NOT (l.kind = p_kind AND v_cols = ARRAY[l.col]);
    v_copy := format('INSERT INTO pg_temp.%1$I SELECT m.* FROM %2$s m WHERE (%3$s) '
                     'AND NOT EXISTS (SELECT FROM pg_temp.%1$I s WHERE s.%4$I = m.%4$I)',
                     v_input, p_relation, v_where, v_pk);
    IF v_follow.keys IS NULL THEN
        -- (the rows lead nowhere else: a ledger line)
        EXECUTE v_copy;
    ELSE
        EXECUTE format('WITH found AS (%s RETURNING %s) INSERT INTO recon_next (kind, key, done) '
                       'SELECT k.kind, k.key, k.done FROM found r '
                       'CROSS JOIN LATERAL (VALUES %s) AS k(kind, key, done) WHERE k.key IS NOT NULL',
                       v_copy, v_follow.columns, v_follow.keys);
    END IF;
END
$$;
COMMENT ON FUNCTION recon.copy_linked(text, text) IS
  'Step of recon.expand_scope: copies the rows of p_relation whose columns of kind p_kind hold a key of that kind of '
  'pg_temp.recon_frontier into pg_temp.recon_in_<table> (through the columns'' indexes, not those copied already) '
  'and adds their followed keys (recon.scope_links) to pg_temp.recon_next. Skips the keys that cannot find a row not '
  'copied yet.';

-- The next round's frontier of recon.expand_scope: the keys of pg_temp.recon_next not seen before (not in
-- pg_temp.recon_key), now seen, each with the unique columns that brought it (done). A hash anti-join: the
-- candidates are many (every followed key of every row a round copies) and most were seen already. Returns whether
-- any key is new.
CREATE OR REPLACE FUNCTION recon.next_frontier() RETURNS boolean
LANGUAGE plpgsql SET enable_nestloop = off SET enable_mergejoin = off AS $$
BEGIN
    TRUNCATE recon_frontier;
    INSERT INTO recon_frontier (kind, key, done)
    SELECT n.kind, n.key, coalesce(array_agg(n.done) FILTER (WHERE n.done IS NOT NULL), '{}')
      FROM recon_next n
     WHERE NOT EXISTS (SELECT FROM recon_key k WHERE k.kind = n.kind AND k.key = n.key)
     GROUP BY n.kind, n.key;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    INSERT INTO recon_key SELECT f.kind, f.key FROM recon_frontier f;
    RETURN true;
END
$$;
COMMENT ON FUNCTION recon.next_frontier() IS
  'Step of recon.expand_scope: makes pg_temp.recon_frontier the keys of pg_temp.recon_next not in pg_temp.recon_key '
  '(with the unique columns that brought them) and adds them there; false when none is new.';

-- Finds, from the keys in pg_temp.recon_frontier, every row of the inputs they reach, following the keys of the
-- rows found (recon.scope_links, follow) until nothing new turns up, and copies the rows into the recon_in_* tables:
-- each round, one recon.copy_linked per table and kind of key the frontier holds. Returns the number of rounds.
CREATE OR REPLACE FUNCTION recon.expand_scope() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_rounds integer := 0;
BEGIN
    -- The keys given are the first round's candidates, like the keys a round's rows bring.
    TRUNCATE recon_next;
    INSERT INTO recon_next (kind, key) SELECT f.kind, f.key FROM recon_frontier f;
    WHILE recon.next_frontier() LOOP
        v_rounds := v_rounds + 1;
        TRUNCATE recon_next;
        PERFORM recon.copy_linked(l.relation, l.kind)
           FROM (SELECT DISTINCT l.relation, l.kind FROM recon.scope_links() l) l
          WHERE l.relation IN (SELECT i.relation FROM recon.scope_inputs() i)
            AND l.kind IN (SELECT DISTINCT f.kind FROM recon_frontier f);
    END LOOP;
    RETURN v_rounds;
END
$$;
COMMENT ON FUNCTION recon.expand_scope() IS
  'Scope expansion of an incremental run: copies into the pg_temp.recon_in_* tables every input row the keys of '
  'pg_temp.recon_frontier reach, directly or through the followed keys of the rows found (recon.scope_links), to '
  'the end. pg_temp.recon_key holds the keys seen. Returns the number of rounds.';

-- The scopes the logged changes reach, into pg_temp.recon_scope: the contracts of every record the changed keys
-- reach, and the vouchers whose checks read a changed row.
CREATE OR REPLACE FUNCTION recon.changed_scopes() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMP TABLE recon_changed ON COMMIT DROP AS
    SELECT DISTINCT d.relation, d.kind, k.key FROM recon.dirty d CROSS JOIN LATERAL unnest(d.keys) AS k(key)
     WHERE d.kind <> 'all' AND k.key IS NOT NULL;

    -- The records the changed keys reach (an invoice's voucher brings the invoice; journal vouchers are scopes).
    INSERT INTO recon_frontier (kind, key)
    SELECT c.kind, c.key FROM recon_changed c WHERE c.kind NOT IN ('contract', 'salesorder', 'voucher')
    UNION
    SELECT 'ivoucher', c.key FROM recon_changed c
     WHERE c.kind = 'voucher'
       AND (EXISTS (SELECT FROM fno.projinvoicejour j WHERE j.ledgervoucher = c.key)
            OR EXISTS (SELECT FROM fno.projproposaljour p WHERE p.ledgervoucher = c.key)
            OR EXISTS (SELECT FROM fno.custtrans t WHERE t.voucher = c.key));
    PERFORM recon.expand_scope();

    INSERT INTO recon_scope (scope)
    SELECT 'C:' || c.contract FROM (
        SELECT c.key AS contract FROM recon_changed c WHERE c.kind = 'contract'
        UNION SELECT so.ordernumber FROM recon_changed c JOIN dataverse.salesorder so ON so.salesorderid = c.key::uuid
                                    WHERE c.kind = 'salesorder'
        UNION SELECT so.ordernumber FROM recon_in_msdyn_actual a JOIN dataverse.salesorder so
                                      ON so.salesorderid = a.msdyn_salescontract
        UNION SELECT so.ordernumber FROM recon_in_invoice i JOIN dataverse.salesorder so ON so.salesorderid = i.salesorderid
        UNION SELECT so.ordernumber FROM recon_in_msdyn_invoicelinetransaction d JOIN dataverse.salesorder so
                                      ON so.salesorderid = d.msdyn_salescontract
        UNION SELECT s.contractid FROM recon_in_projcdsactualsimport s
        UNION SELECT p.projinvoiceprojid FROM recon_in_projproposaljour p
        UNION SELECT j.projinvoiceprojid FROM recon_in_projinvoicejour j) c
     WHERE c.contract IS NOT NULL
    UNION
    -- A voucher's checks read its ledger lines and postings, the staging rows of its transactions' actuals, the
    -- proposal and invoice lines of their transids, and its invoice's lines.
    SELECT 'V:' || v.voucher FROM (
        SELECT c.key AS voucher FROM recon_changed c WHERE c.kind IN ('voucher', 'ivoucher')
        UNION SELECT t.voucher FROM recon_changed c JOIN fno.projpostedtranstable t ON t.actualid = c.key::uuid
               WHERE c.kind = 'txn' AND c.relation = 'fno.projcdsactualsimport'
        UNION SELECT t.voucher FROM recon_changed c JOIN fno.projpostedtranstable t ON t.transid = c.key
               WHERE c.kind = 'transid' AND c.relation IN ('fno.projproposalline', 'fno.projinvoiceline')
        UNION SELECT j.ledgervoucher FROM recon_changed c JOIN fno.projinvoicejour j ON j.projinvoiceid = c.key
               WHERE c.kind = 'projinvoice' AND c.relation = 'fno.projinvoiceline') v
     WHERE v.voucher IS NOT NULL
    ON CONFLICT DO NOTHING;
    DROP TABLE recon_changed;
END
$$;
COMMENT ON FUNCTION recon.changed_scopes() IS
  'The scopes the changes logged in recon.dirty reach, into pg_temp.recon_scope: C:<contract> for every contract '
  'of a record the changed keys reach (recon.expand_scope), V:<voucher> for every voucher whose checks read a '
  'changed row. Leaves the records reached in the recon_in_* tables and their keys in pg_temp.recon_key (the '
  'K:<kind>:<key> scopes re-checked, recon.merge_scopes).';

-- The rows of the scopes in pg_temp.recon_scope, into the recon_in_* tables (added to those already there).
CREATE OR REPLACE FUNCTION recon.scope_rows() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE recon_frontier;
    INSERT INTO recon_frontier (kind, key)
    SELECT 'contract', substr(s.scope, 3) FROM recon_scope s WHERE s.scope LIKE 'C:%'
    UNION
    SELECT 'salesorder', so.salesorderid::text FROM recon_scope s
      JOIN dataverse.salesorder so ON so.ordernumber = substr(s.scope, 3) WHERE s.scope LIKE 'C:%'
    UNION
    SELECT 'voucher', substr(s.scope, 3) FROM recon_scope s WHERE s.scope LIKE 'V:%'
    UNION
    -- The invoice vouchers reached: a customer transaction of no posted invoice is a scope of its own (K:voucher:).
    SELECT 'voucher', k.key FROM recon_key k WHERE k.kind = 'ivoucher';
    PERFORM recon.expand_scope();
END
$$;
COMMENT ON FUNCTION recon.scope_rows() IS
  'Copies every row of the contracts and vouchers (V:) of pg_temp.recon_scope and of the invoice vouchers reached, '
  'and every row those reach, into the recon_in_* tables (recon.expand_scope).';

-- Decides the kind of run and makes its inputs: pg_temp.recon_in_* (views of the whole tables for a full run, the
-- changed scopes' rows for an incremental one), pg_temp.recon_scope (the scopes an incremental run re-checks) and
-- pg_temp.recon_run_mode (kind, why full, fingerprints). p_full_reason forces a full run and says why.
CREATE OR REPLACE FUNCTION recon.prepare_run(p_full_reason text, p_maps_fingerprint text, p_as_of timestamptz)
RETURNS TABLE (run_kind text, full_reason text, scopes integer)
LANGUAGE plpgsql
SET jit = off
SET work_mem = '128MB'
-- The copies' statistics are for the checks' join plans: sizes, distinct counts and the commonest value, not
-- histograms. A sample of 300 rows analyses the copies of 1% of the contracts in 20 ms, against 140 ms for 3,000.
SET default_statistics_target = 1
AS $$
DECLARE
    v_reason    text := p_full_reason;
    v_state     recon.state;
    v_schema    text;
    v_settings  jsonb;
    v_every     interval;
    v_share     numeric;
    v_contracts bigint;
    v_changed   bigint;
    v_input     record;
    v_page_cost text;
BEGIN
    -- An incremental attempt made again as a full run (recon.merge_scopes) prices pages as the server does.
    IF to_regclass('pg_temp.recon_run_mode') IS NOT NULL THEN
        PERFORM set_config('random_page_cost', (SELECT m.random_page_cost FROM pg_temp.recon_run_mode m), true);
    END IF;
    v_page_cost := current_setting('random_page_cost');
    PERFORM recon.drop_inputs();
    DROP TABLE IF EXISTS pg_temp.recon_scope, pg_temp.recon_run_mode;
    CREATE TEMP TABLE recon_scope (scope text PRIMARY KEY) ON COMMIT DROP;

    SELECT md5(coalesce(string_agg(m.version || ':' || m.checksum, ',' ORDER BY m.version), '')
               || '|' || coalesce((SELECT string_agg(d.path || ':' || d.checksum, ',' ORDER BY d.path)
                                     FROM tieout.schema_definition d), ''))
      INTO v_schema FROM tieout.schema_migration m;
    v_settings := jsonb_build_object(
        'tolerances', coalesce((SELECT jsonb_object_agg(t.currencyid, t.amount) FROM recon.tolerance t), '{}'),
        'thresholds', coalesce((SELECT jsonb_object_agg(t.name, t.age::text) FROM recon.threshold t), '{}'));
    v_every := (SELECT s.value::interval FROM recon.setting s WHERE s.name = 'full_run_every');
    v_share := (SELECT s.value::numeric FROM recon.setting s WHERE s.name = 'max_changed_share');
    SELECT * INTO v_state FROM recon.state;

    IF v_reason IS NOT NULL THEN
        NULL;
    ELSIF v_state.as_of IS NULL THEN
        v_reason := 'no earlier run to build on';
    ELSIF v_state.maps_fingerprint IS DISTINCT FROM p_maps_fingerprint THEN
        v_reason := 'the table maps changed since the last run';
    ELSIF v_state.schema_fingerprint IS DISTINCT FROM v_schema THEN
        v_reason := 'a migration or SQL definition was applied since the last run';
    ELSIF v_state.settings IS DISTINCT FROM v_settings THEN
        v_reason := 'the tolerances or thresholds changed since the last run';
    ELSIF p_as_of < v_state.as_of THEN
        v_reason := 'the as-of is earlier than the last run''s (' || v_state.as_of || ')';
    ELSIF p_as_of - v_state.last_full_as_of >= v_every THEN
        v_reason := 'the last full run (as of ' || v_state.last_full_as_of || ') is ' || v_every
                    || ' or more before this one (setting full_run_every)';
    ELSIF EXISTS (SELECT FROM recon.dirty d WHERE d.kind = 'all') THEN
        v_reason := (SELECT 'a change that cannot be narrowed to contracts (reference data, a truncate or a bulk '
                            || 'write): ' || string_agg(DISTINCT d.relation, ', ' ORDER BY d.relation)
                       FROM recon.dirty d WHERE d.kind = 'all');
    ELSIF EXISTS (SELECT FROM recon.raw_finding f WHERE f.scope = 'U') THEN
        v_reason := 'the last run has findings no contract or voucher owns';
    END IF;

    IF v_reason IS NULL THEN
        FOR v_input IN SELECT i.relation, split_part(i.relation, '.', 2) AS name, i.pk FROM recon.scope_inputs() i LOOP
            EXECUTE format('CREATE TEMP TABLE %I (LIKE %s) ON COMMIT DROP', 'recon_in_' || v_input.name,
                           v_input.relation);
            EXECUTE format('CREATE INDEX ON pg_temp.%I (%I)', 'recon_in_' || v_input.name, v_input.pk);
        END LOOP;
        -- (indexed once the search is done: an index kept up key by key costs the search more than its lookups)
        CREATE TEMP TABLE recon_key (kind text, key text) ON COMMIT DROP;
        CREATE TEMP TABLE recon_frontier (kind text, key text, done text[] NOT NULL DEFAULT '{}') ON COMMIT DROP;
        CREATE TEMP TABLE recon_next (kind text, key text, done text) ON COMMIT DROP;
        PERFORM recon.changed_scopes();
        v_contracts := (SELECT count(*) FROM dataverse.salesorder);
        v_changed := (SELECT count(*) FROM recon_scope s WHERE s.scope LIKE 'C:%');
        IF v_changed > v_share * greatest(v_contracts, 1) THEN
            v_reason := v_changed || ' of ' || v_contracts || ' contracts changed, more than the share '
                        || v_share || ' (setting max_changed_share)';
        ELSE
            PERFORM recon.scope_rows();
            CREATE INDEX ON recon_key (kind, key);
            FOR v_input IN SELECT split_part(i.relation, '.', 2) AS name FROM recon.scope_inputs() i LOOP
                EXECUTE format('ANALYZE pg_temp.%I', 'recon_in_' || v_input.name);
            END LOOP;
            -- For the rest of the run's transaction: the checks join the small copies to whole tables (the line
            -- totals, contract lines, accounts), where a few thousand index lookups beat reading the table; the
            -- default cost of a random page (4, for disks) prices them as if the pages were not in memory.
            PERFORM set_config('random_page_cost', '1.1', true);
        END IF;
    END IF;

    IF v_reason IS NOT NULL THEN
        PERFORM recon.drop_inputs();
        TRUNCATE recon_scope;
        FOR v_input IN SELECT i.relation, split_part(i.relation, '.', 2) AS name FROM recon.scope_inputs() i LOOP
            EXECUTE format('CREATE TEMP VIEW %I AS SELECT * FROM %s', 'recon_in_' || v_input.name, v_input.relation);
        END LOOP;
    END IF;

    CREATE TEMP TABLE recon_run_mode ON COMMIT DROP AS
    SELECT CASE WHEN v_reason IS NULL THEN 'incremental' ELSE 'full' END AS run_kind, v_reason AS full_reason,
           CASE WHEN v_reason IS NULL THEN (SELECT count(*) FROM recon_scope)::integer
                ELSE (SELECT count(*) FROM dataverse.salesorder)::integer END AS scopes,
           p_maps_fingerprint AS maps_fingerprint, v_schema AS schema_fingerprint, v_settings AS settings,
           v_page_cost AS random_page_cost;
    RETURN QUERY SELECT m.run_kind, m.full_reason, m.scopes FROM recon_run_mode m;
END
$$;
COMMENT ON FUNCTION recon.prepare_run(text, text, timestamptz) IS
  'First step of a run (tieout recon run, in the run''s transaction): decides whether it is full (p_full_reason '
  'given, no earlier run, maps (p_maps_fingerprint), migrations, definitions, tolerances or thresholds changed, the '
  'as-of earlier than the last run''s, the last full run full_run_every old, a change not narrowed to scopes, a '
  'finding no scope owns, more than max_changed_share of the contracts changed) or incremental, and makes the '
  'inputs the checks read (pg_temp.recon_in_*), pg_temp.recon_scope and pg_temp.recon_run_mode. Returns the kind, '
  'why full, and the scopes checked (all contracts for a full run).';

-- The scope that owns each finding in recon_raw: V:<voucher> for the voucher checks, C:<contract> for a control
-- total, else the contract of the finding's records, looked up through the keys the finding carries (the actual or
-- line detail, the proforma or proposal, the transaction) the way recon.expand_scope follows them, so a change to
-- any record a finding was made from reaches its owner. A record no contract is known for (an orphan) is owned by
-- its own key, K:<kind>:<key>: every key the changes reach is such a scope. U when the finding carries no key.
CREATE OR REPLACE FUNCTION recon.scope_of_findings() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE recon_raw r
       SET scope = CASE WHEN r.category IN ('VOUCHER_MISMATCH', 'UNBALANCED_VOUCHER') AND r.voucher IS NOT NULL
                        THEN 'V:' || r.voucher
                        ELSE coalesce('C:' || coalesce(
            r.contract,
            (SELECT so.ordernumber FROM dataverse.msdyn_actual a
               JOIN dataverse.salesorder so ON so.salesorderid = a.msdyn_salescontract
              WHERE a.msdyn_actualid = r.actualid),
            (SELECT so.ordernumber FROM dataverse.msdyn_invoicelinetransaction d
               JOIN dataverse.salesorder so ON so.salesorderid = d.msdyn_salescontract
              WHERE d.msdyn_invoicelinetransactionid = r.actualid),
            (SELECT min(s.contractid) FROM fno.projcdsactualsimport s WHERE s.actualid = r.actualid),
            (SELECT min(so.ordernumber) FROM dataverse.invoice i
               JOIN dataverse.salesorder so ON so.salesorderid = i.salesorderid
              WHERE i.invoicenumber IN (r.invoicenumber, r.proposalid)),
            (SELECT min(p.projinvoiceprojid) FROM fno.projproposaljour p
              WHERE p.proposalid IN (r.invoicenumber, r.proposalid)),
            (SELECT min(j.projinvoiceprojid) FROM fno.projinvoicejour j
              WHERE j.proposalid IN (r.invoicenumber, r.proposalid)),
            (SELECT min(so.ordernumber) FROM fno.projpostedtranstable t
               JOIN dataverse.msdyn_actual a ON a.msdyn_actualid = t.actualid
               JOIN dataverse.salesorder so ON so.salesorderid = a.msdyn_salescontract
              WHERE t.transid = r.transid),
            (SELECT min(p.projinvoiceprojid) FROM fno.projproposalline l
               JOIN fno.projproposaljour p ON p.proposalid = l.proposalid
              WHERE l.transid = r.transid),
            (SELECT min(j.projinvoiceprojid) FROM fno.projinvoiceline l
               JOIN fno.projinvoicejour j ON j.projinvoiceid = l.projinvoiceid
              WHERE l.transid = r.transid)),
            -- A record no contract is known for is a scope of its own, by the key the finding carries.
            'K:txn:' || r.actualid, 'K:proposal:' || coalesce(r.proposalid, r.invoicenumber), 'K:transid:' || r.transid,
            'K:voucher:' || r.voucher, 'U') END;
END
$$;
COMMENT ON FUNCTION recon.scope_of_findings() IS
  'Sets recon_raw.scope: V:<voucher> for VOUCHER_MISMATCH and UNBALANCED_VOUCHER, C:<contract> for a control total '
  'or the contract of the finding''s actual (or line detail), staging row, proforma, proposal, posted invoice or '
  'transaction, in that order; for a record without a contract K:<kind>:<key> of its actual, proposal, '
  'transaction id or voucher; U when it carries none of them.';

-- Gives every fresh finding its scope, then makes recon_raw the run's whole set: for a full run the fresh findings
-- (they replace recon.raw_finding), for an incremental one the fresh findings of the scopes re-checked and the last
-- run's of all the others. Returns why the incremental run cannot stand (a finding no scope owns), else NULL.
CREATE OR REPLACE FUNCTION recon.merge_scopes() RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM recon.scope_of_findings();
    IF (SELECT m.run_kind FROM recon_run_mode m) = 'incremental' THEN
        -- A record without a contract (K:<kind>:<key>) was re-checked when its key was reached: every row its key
        -- links is in the inputs. Only the scopes of findings, fresh or stored, need looking up.
        INSERT INTO recon_scope (scope)
        SELECT s.scope
          FROM (SELECT r.scope FROM recon_raw r WHERE r.scope LIKE 'K:%'
                UNION SELECT f.scope FROM recon.raw_finding f WHERE f.scope LIKE 'K:%') s
         WHERE EXISTS (SELECT FROM recon_key k
                        WHERE k.kind = split_part(s.scope, ':', 2)
                          AND k.key = substr(s.scope, length(split_part(s.scope, ':', 2)) + 4))
        ON CONFLICT DO NOTHING;
        -- Findings of other scopes come from their rows that happen to be in the inputs, not from all of them.
        DELETE FROM recon_raw r WHERE r.scope <> 'U' AND NOT EXISTS (SELECT FROM recon_scope s WHERE s.scope = r.scope);
        IF EXISTS (SELECT FROM recon_raw r WHERE r.scope = 'U') THEN
            RETURN 'a change made a finding no contract or voucher owns';
        END IF;
        DELETE FROM recon.raw_finding f USING recon_scope s WHERE f.scope = s.scope;
    ELSE
        DELETE FROM recon.raw_finding;
    END IF;
    INSERT INTO recon.raw_finding (scope, category, severity, invoicenumber, proposalid, actualid, transid, voucher,
                                   field, expected, actual, difference, amount, currency, dataareaid, contract, period,
                                   since, threshold, due, detail)
    SELECT r.scope, r.category, r.severity, r.invoicenumber, r.proposalid, r.actualid, r.transid, r.voucher, r.field,
           r.expected, r.actual, r.difference, r.amount, r.currency, r.dataareaid, r.contract, r.period, r.since,
           r.threshold, r.due, r.detail
      FROM recon_raw r;
    IF (SELECT m.run_kind FROM recon_run_mode m) = 'incremental' THEN
        TRUNCATE recon_raw;
        INSERT INTO recon_raw (scope, category, severity, invoicenumber, proposalid, actualid, transid, voucher, field,
                               expected, actual, difference, amount, currency, dataareaid, contract, period, since,
                               threshold, due, detail)
        SELECT f.scope, f.category, f.severity, f.invoicenumber, f.proposalid, f.actualid, f.transid, f.voucher,
               f.field, f.expected, f.actual, f.difference, f.amount, f.currency, f.dataareaid, f.contract, f.period,
               f.since, f.threshold, f.due, f.detail
          FROM recon.raw_finding f;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION recon.merge_scopes() IS
  'Second step of a run, after recon.collect_findings: gives the fresh findings in recon_raw their scope '
  '(recon.scope_of_findings); a full run stores them in recon.raw_finding; an incremental run keeps those of the '
  'scopes it re-checked, replaces those scopes in recon.raw_finding and loads the whole of it into recon_raw. '
  'Returns why an incremental run must be made full instead (a finding no scope owns), else NULL.';
