-- 0008_fno_processes.sql
-- The F&O side of the invoice flow (docs/processes.md, "F&O side"): Import from staging, posting integration
-- journals, posting invoice proposals, their helpers, and the guard that keeps invoice proposals coming only from
-- the dual-write sync.
--
-- Every function is set-based: each step is one INSERT … SELECT or UPDATE … FROM over a temporary table of the rows
-- the call works on (ON COMMIT DROP, dropped again at the end so a second call in one transaction works; ANALYZEd
-- when large). Staging rows, journals and proposals are claimed with FOR UPDATE SKIP LOCKED, so concurrent calls
-- never take the same row twice and an import never waits for another one; posting one named journal or proposal
-- waits for a call that holds it and then re-checks it. Posted unbilled sales whose WIP an invoice reverses are locked
-- (in record id order) and re-checked, so two postings never reverse the same WIP. Record ids of new rows are taken
-- from the tables' identity sequences up front, so staging rows are linked to what was made from them directly.
--
-- Lookups by actual id compare the legal entity with IS NOT DISTINCT FROM (same result, dataareaid is NOT NULL): it
-- keeps the planner from combining the actual id index with an index on dataareaid when its statistics are stale,
-- as they usually are right after a large import.
--
-- Money: amounts are numeric; a line amount in accounting currency is round(amount * rate, 2) per line, and every
-- ledger amount is a sum of those rounded figures, with the debit and the credit of a pair taken from the same sum,
-- so every voucher balances in accounting and in transaction currency.
-- Applied by the tieout migrator in one transaction (no BEGIN/COMMIT here).

------------------------------------------------------------------------------------------------
-- Index the processes look rows up by
------------------------------------------------------------------------------------------------
CREATE INDEX projcdsactualsimport_billed_invoiceid_idx
    ON fno.projcdsactualsimport (dataareaid, invoiceid) WHERE transtype = 192350006;
COMMENT ON INDEX fno.projcdsactualsimport_billed_invoiceid_idx IS
  'Billed sales staging rows by proforma invoice number: Import from staging finds the rows of a proposal with it.';

------------------------------------------------------------------------------------------------
-- Helpers
------------------------------------------------------------------------------------------------
CREATE FUNCTION process.fno_number(p_prefix text, p_number bigint, p_width integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT p_prefix || CASE WHEN length(p_number::text) >= p_width THEN p_number::text
                            ELSE lpad(p_number::text, p_width, '0') END
$$;
COMMENT ON FUNCTION process.fno_number(text, bigint, integer) IS
  'F&O number sequence format: prefix + number padded with zeros to p_width digits (PJ-000001, PT-00000001); a '
  'number with more digits is kept whole, never cut.';

CREATE FUNCTION process.fno_exchange_rate(p_from text, p_to text, p_date date) RETURNS numeric
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_from = p_to THEN 1::numeric
                ELSE (SELECT r.rate
                        FROM fno.exchangerate r
                       WHERE r.ratetypename = 'Default' AND r.fromcurrency = p_from AND r.tocurrency = p_to
                         AND r.startdate <= p_date AND (r.enddate IS NULL OR r.enddate >= p_date)
                       ORDER BY r.startdate DESC
                       LIMIT 1) END
$$;
COMMENT ON FUNCTION process.fno_exchange_rate(text, text, date) IS
  'Rate from one currency to another on a date (units of p_to per unit of p_from) from fno.exchangerate, rate type '
  'Default: the row with the latest startdate on or before the date whose enddate is empty or not before it. 1 for a '
  'currency to itself; NULL when no rate applies.';

CREATE FUNCTION process.fno_tax_rate(p_dataareaid text, p_taxgroup text) RETURNS numeric
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(sum(t.taxvalue), 0)
      FROM fno.taxgroupdata d
      JOIN fno.taxtable t ON t.dataareaid = d.dataareaid AND t.taxcode = d.taxcode
     WHERE d.dataareaid = p_dataareaid AND d.taxgroup = p_taxgroup
$$;
COMMENT ON FUNCTION process.fno_tax_rate(text, text) IS
  'Sales tax rate of a tax group of a legal entity in percent: the sum of its codes'' rates (fno.taxgroupdata, '
  'fno.taxtable). 0 without a group or for an unknown group.';

CREATE FUNCTION process.fno_transtype(p_transactionclassification integer) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE p_transactionclassification
               WHEN 192350000 THEN 2   -- Time → Hour
               WHEN 192350001 THEN 3   -- Expense → Expense
               WHEN 192350002 THEN 4   -- Material → Item
               WHEN 192350003 THEN 5   -- Milestone → On-account
               WHEN 192350004 THEN 1   -- Fee → Fee
               WHEN 690970002 THEN 3   -- Tax → Expense
           END
$$;
COMMENT ON FUNCTION process.fno_transtype(integer) IS
  'F&O ProjTransType of a Dataverse transaction class: Time 2 Hour, Expense 3 Expense, Material 4 Item, Milestone 5 '
  'On-account, Fee 1 Fee, Tax 3 Expense.';

CREATE FUNCTION process.fno_lineproperty(p_billingtype integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE p_billingtype
               WHEN 192350000 THEN 'NonChargeable'
               WHEN 192350001 THEN 'Chargeable'
               WHEN 192350002 THEN 'Complimentary'
               WHEN 192350003 THEN 'NotAvailable'
           END
$$;
COMMENT ON FUNCTION process.fno_lineproperty(integer) IS
  'F&O line property of a Dataverse billing type: Non Chargeable NonChargeable, Chargeable Chargeable, Complimentary '
  'Complimentary, Not Available NotAvailable.';

CREATE FUNCTION process.fno_proposal_recompute_tax(p_proposals bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- Line tax by the header tax group (only lines whose tax or group changes are rewritten).
    UPDATE fno.projproposalline l
       SET taxamount = n.tax, taxgroupid = n.taxgroupid, modifieddatetime = now()
      FROM (WITH j AS MATERIALIZED (
                SELECT h.dataareaid, h.proposalid, h.taxgroupid, process.fno_tax_rate(h.dataareaid, h.taxgroupid) AS rate
                  FROM fno.projproposaljour h
                 WHERE h.recid = ANY (p_proposals))
            SELECT pl.recid, j.taxgroupid,
                   CASE WHEN pl.linepropertyid = 'Chargeable' THEN round(pl.lineamount * j.rate / 100, 2) ELSE 0 END AS tax
              FROM j
              JOIN fno.projproposalline pl ON pl.dataareaid = j.dataareaid AND pl.proposalid = j.proposalid) n
     WHERE l.recid = n.recid
       AND (l.taxamount IS DISTINCT FROM n.tax OR l.taxgroupid IS DISTINCT FROM n.taxgroupid);
    -- Header totals from the lines.
    UPDATE fno.projproposaljour j
       SET salesorderbalance = s.balance, sumtax = s.tax, invoiceamount = s.balance + s.tax, modifieddatetime = now()
      FROM (SELECT h.recid,
                   coalesce(sum(pl.lineamount) FILTER (WHERE pl.linepropertyid = 'Chargeable'), 0) AS balance,
                   coalesce(sum(pl.taxamount), 0) AS tax
              FROM fno.projproposaljour h
              LEFT JOIN fno.projproposalline pl ON pl.dataareaid = h.dataareaid AND pl.proposalid = h.proposalid
             WHERE h.recid = ANY (p_proposals)
             GROUP BY h.recid) s
     WHERE j.recid = s.recid;
END
$$;
COMMENT ON FUNCTION process.fno_proposal_recompute_tax(bigint[]) IS
  'Recomputes the sales tax of invoice proposals (by fno.projproposaljour.recid) from their header tax group: line '
  'tax = round(line amount * group rate / 100, 2) on Chargeable lines, 0 on the others; header salesorderbalance = '
  'sum of Chargeable line amounts, sumtax = sum of line tax, invoiceamount = balance + tax. The caller locks the headers.';

CREATE FUNCTION process.fno_set_proposal_tax_group(p_proposalid text, p_taxgroup text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_recids bigint[];
    v_bad    record;
BEGIN
    SELECT array_agg(recid ORDER BY recid) INTO v_recids
      FROM (SELECT j.recid FROM fno.projproposaljour j
             WHERE j.proposalid = p_proposalid AND j.status = 0 AND j.projinvoiceid IS NULL
             ORDER BY j.recid FOR UPDATE OF j) x;
    IF v_recids IS NULL THEN
        IF EXISTS (SELECT 1 FROM fno.projproposaljour WHERE proposalid = p_proposalid) THEN
            RAISE EXCEPTION 'invoice proposal % is posted or not open: only the tax group of an open proposal can be changed',
                p_proposalid;
        END IF;
        RAISE EXCEPTION 'invoice proposal % does not exist', p_proposalid;
    END IF;
    IF p_taxgroup IS NOT NULL THEN
        SELECT j.dataareaid INTO v_bad
          FROM fno.projproposaljour j
         WHERE j.recid = ANY (v_recids)
           AND NOT EXISTS (SELECT 1 FROM fno.taxgroupheading t WHERE t.dataareaid = j.dataareaid AND t.taxgroup = p_taxgroup)
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'sales tax group % does not exist in legal entity % of invoice proposal %',
                p_taxgroup, v_bad.dataareaid, p_proposalid;
        END IF;
    END IF;
    UPDATE fno.projproposaljour SET taxgroupid = p_taxgroup, modifieddatetime = now() WHERE recid = ANY (v_recids);
    PERFORM process.fno_proposal_recompute_tax(v_recids);
END
$$;
COMMENT ON FUNCTION process.fno_set_proposal_tax_group(text, text) IS
  'The AR clerk''s change of the sales tax group of an open invoice proposal before posting (NULL = no tax): sets '
  'projproposaljour.taxgroupid and recomputes line tax and header totals at once. Refused for an unknown, posted or '
  'not open proposal and for a tax group the legal entity does not have.';

------------------------------------------------------------------------------------------------
-- Import from staging
------------------------------------------------------------------------------------------------
CREATE FUNCTION process.fno_import()
RETURNS TABLE (journal_lines bigint, proposal_lines bigint, proposals bigint, waiting bigint)
LANGUAGE plpgsql
SET work_mem = '128MB'
SET jit = off
AS $$
DECLARE
    c_mismatch constant text := 'billed sales actuals do not match Dataverse';
    v_rows           bigint;
    v_journal_lines  bigint := 0;
    v_proposal_lines bigint := 0;
    v_proposals      bigint := 0;
    v_waiting        bigint := 0;
    v_journal_seq    regclass := pg_get_serial_sequence('fno.projadvancedjournal', 'recid');
    v_line_seq       regclass := pg_get_serial_sequence('fno.projadvancedjournalline', 'recid');
BEGIN
    ------------------------------------------------------------------------------------------
    -- Journal part: cost and unbilled sales rows become integration journal lines.
    ------------------------------------------------------------------------------------------
    -- Claim: rows another import holds are skipped; a row it committed meanwhile is re-checked by the lock
    -- (READ COMMITTED re-evaluates the WHERE clause on the newest version) and again just below.
    CREATE TEMP TABLE fno_imp_row ON COMMIT DROP AS
    SELECT s.recid, s.dataareaid, s.actualid, s.transtype, s.transactionclassification, s.billingtype, s.projectid,
           s.activitynumber, s.transactioncategoryid, coalesce(s.bookableresourcename, s.resourceid::text) AS resource,
           coalesce(s.description, s.externaldescription) AS txt, s.documentdate,
           coalesce(s.accountingdate, s.documentdate) AS accdate, s.quantity, s.unitprice, s.amount,
           s.transactioncurrencyid AS currency
      FROM fno.projcdsactualsimport s
     WHERE s.transtype IN (192350000, 192350005) AND NOT s.isprocessed AND NOT s.isduplicate
       FOR UPDATE OF s SKIP LOCKED;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    IF v_rows > 10000 THEN
        ANALYZE fno_imp_row;
    END IF;
    -- Recheck (one primary key lookup per row, whatever the statistics of the staging table say).
    IF v_rows > 0 THEN
        DELETE FROM fno_imp_row r
         WHERE (SELECT NOT (s.isprocessed OR s.isduplicate) FROM fno.projcdsactualsimport s WHERE s.recid = r.recid)
               IS NOT TRUE;
    END IF;

    -- One rate per legal entity, currency and date.
    CREATE TEMP TABLE fno_imp_rate ON COMMIT DROP AS
    SELECT d.dataareaid, d.currency, d.accdate, l.accountingcurrency AS acccur,
           process.fno_exchange_rate(d.currency, l.accountingcurrency, d.accdate) AS rate
      FROM (SELECT DISTINCT r.dataareaid, r.currency, r.accdate FROM fno_imp_row r) d
      LEFT JOIN fno.ledger l ON l.dataareaid = d.dataareaid;

    -- Rows without a rate wait for the next import.
    UPDATE fno.projcdsactualsimport s
       SET integrationcount = s.integrationcount + 1,
           importmessage = CASE WHEN x.acccur IS NULL
                                THEN format('legal entity %s has no ledger: its accounting currency is unknown', x.dataareaid)
                                ELSE format('no exchange rate from %s to %s on %s', x.currency, x.acccur,
                                            to_char(x.accdate, 'YYYY-MM-DD')) END,
           modifieddatetime = now()
      FROM fno_imp_row r
      JOIN fno_imp_rate x ON x.dataareaid = r.dataareaid AND x.currency = r.currency AND x.accdate = r.accdate
     WHERE s.recid = r.recid AND x.rate IS NULL;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    v_waiting := v_waiting + v_rows;

    -- One journal per legal entity and month, numbered in that order.
    CREATE TEMP TABLE fno_imp_journal ON COMMIT DROP AS
    SELECT nextval(v_journal_seq) AS recid, p.dataareaid, p.period,
           process.fno_number('PJ-', nextval('fno.journalid_seq'), 6) AS journalid
      FROM (SELECT DISTINCT x.dataareaid, date_trunc('month', x.accdate)::date AS period
              FROM fno_imp_rate x WHERE x.rate IS NOT NULL
             ORDER BY 1, 2) p;

    -- Numbering only (narrow, so the sort stays small): line record id and line number per staging row.
    CREATE TEMP TABLE fno_imp_line ON COMMIT DROP AS
    SELECT nextval(v_line_seq) AS linerecid, q.*
      FROM (SELECT r.recid, j.recid AS journalrecid, x.rate,
                   row_number() OVER (PARTITION BY j.recid ORDER BY r.recid) AS linenum
              FROM fno_imp_row r
              JOIN fno_imp_rate x ON x.dataareaid = r.dataareaid AND x.currency = r.currency AND x.accdate = r.accdate
              JOIN fno_imp_journal j ON j.dataareaid = r.dataareaid AND j.period = date_trunc('month', r.accdate)::date
             WHERE x.rate IS NOT NULL
             ORDER BY j.recid, r.recid) q;
    GET DIAGNOSTICS v_journal_lines = ROW_COUNT;
    IF v_journal_lines > 10000 THEN
        ANALYZE fno_imp_line;
    END IF;

    IF v_journal_lines > 0 THEN
        INSERT INTO fno.projadvancedjournal (recid, dataareaid, journalid, description, status, periodstartdate)
        SELECT j.recid, j.dataareaid, j.journalid, 'Import from staging ' || to_char(j.period, 'YYYY-MM'), 0, j.period
          FROM fno_imp_journal j;

        INSERT INTO fno.projadvancedjournalline
               (recid, dataareaid, projadvancedjournal, linenum, actualid, transtype, projid, categoryid, activitynumber,
                linepropertyid, resource, transdate, accountingdate, qty, costprice, salesprice, lineamount, currencyid,
                exchrate, txt, status)
        SELECT n.linerecid, r.dataareaid, n.journalrecid, n.linenum, r.actualid,
               process.fno_transtype(r.transactionclassification), r.projectid, r.transactioncategoryid, r.activitynumber,
               process.fno_lineproperty(r.billingtype), r.resource, r.documentdate, r.accdate, r.quantity,
               CASE WHEN r.transtype = 192350000 THEN r.unitprice END,
               CASE WHEN r.transtype = 192350005 THEN r.unitprice END,
               r.amount, r.currency, n.rate * 100, r.txt, 0
          FROM fno_imp_line n
          JOIN fno_imp_row r ON r.recid = n.recid;

        UPDATE fno.projcdsactualsimport s
           SET isprocessed = true, integrationcount = s.integrationcount + 1, projadvancedjournalline = n.linerecid,
               importmessage = NULL, modifieddatetime = now()
          FROM fno_imp_line n
         WHERE s.recid = n.recid;
    END IF;

    ------------------------------------------------------------------------------------------
    -- Proposal part: billed sales rows become invoice proposal lines, a whole proposal at a time.
    ------------------------------------------------------------------------------------------
    -- Open proposals with unprocessed billed sales; one another import holds is left to it.
    CREATE TEMP TABLE fno_imp_prop ON COMMIT DROP AS
    SELECT j.recid, j.dataareaid, j.proposalid, j.currencyid, coalesce(j.invoicedate, current_date) AS invdate,
           j.hashedlistofbillablesalesactualids AS hash, coalesce(nullif(j.taxgroupid, ''), c.taxgroup) AS taxgroup,
           process.fno_tax_rate(j.dataareaid, coalesce(nullif(j.taxgroupid, ''), c.taxgroup)) AS taxrate,
           l.accountingcurrency AS acccur,
           process.fno_exchange_rate(j.currencyid, l.accountingcurrency, coalesce(j.invoicedate, current_date)) AS rate,
           NULL::text AS msg
      FROM fno.projproposaljour j
      LEFT JOIN fno.custtable c ON c.dataareaid = j.dataareaid AND c.accountnum = j.invoiceaccount
      LEFT JOIN fno.ledger l ON l.dataareaid = j.dataareaid
     WHERE j.status = 0 AND j.projinvoiceid IS NULL
       AND EXISTS (SELECT 1 FROM fno.projcdsactualsimport s
                    WHERE s.dataareaid = j.dataareaid AND s.invoiceid = j.proposalid AND s.transtype = 192350006
                      AND NOT s.isprocessed AND NOT s.isduplicate)
     ORDER BY j.recid
       FOR UPDATE OF j SKIP LOCKED;

    CREATE TEMP TABLE fno_imp_prow ON COMMIT DROP AS
    SELECT s.recid, p.recid AS proprecid, s.dataareaid, s.actualid, s.transactionclassification, s.billingtype,
           s.projectid, s.transactioncategoryid, s.contractline, s.documentdate, s.quantity, s.unitprice, s.amount,
           s.transactioncurrencyid AS currency, coalesce(s.description, s.externaldescription) AS txt
      FROM fno.projcdsactualsimport s
      JOIN fno_imp_prop p ON p.dataareaid = s.dataareaid AND p.proposalid = s.invoiceid
     WHERE s.transtype = 192350006 AND NOT s.isprocessed AND NOT s.isduplicate
       FOR UPDATE OF s SKIP LOCKED;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    IF v_rows > 10000 THEN
        ANALYZE fno_imp_prow;
    END IF;
    IF v_rows > 0 THEN
        DELETE FROM fno_imp_prow r
         WHERE (SELECT NOT (s.isprocessed OR s.isduplicate) FROM fno.projcdsactualsimport s WHERE s.recid = r.recid)
               IS NOT TRUE;
    END IF;

    -- Per proposal, over all its staged billed sales: the hash of their actual ids, and how many unprocessed ones
    -- this call could not claim (someone else, e.g. the sync, holds them: the proposal is left for the next import).
    CREATE TEMP TABLE fno_imp_pagg ON COMMIT DROP AS
    SELECT p.recid, md5(string_agg(s.actualid::text, ',' ORDER BY s.actualid::text)) AS hash,
           count(*) FILTER (WHERE NOT s.isprocessed AND r.recid IS NULL) AS unclaimed
      FROM fno_imp_prop p
      JOIN fno.projcdsactualsimport s
        ON s.dataareaid = p.dataareaid AND s.invoiceid = p.proposalid AND s.transtype = 192350006 AND NOT s.isduplicate
      LEFT JOIN fno_imp_prow r ON r.recid = s.recid
     GROUP BY p.recid;
    DELETE FROM fno_imp_prop p USING fno_imp_pagg a WHERE a.recid = p.recid AND a.unclaimed > 0;
    IF FOUND THEN
        DELETE FROM fno_imp_prow r WHERE NOT EXISTS (SELECT 1 FROM fno_imp_prop p WHERE p.recid = r.proprecid);
    END IF;

    -- Unbilled sales each billed sale is connected to (either side of the connection), and whether they are posted.
    CREATE TEMP TABLE fno_imp_unbilled ON COMMIT DROP AS
    SELECT k.recid, k.other,
           EXISTS (SELECT 1 FROM fno.projcdsactualsimport u
                    WHERE u.actualid = k.other AND u.dataareaid IS NOT DISTINCT FROM k.dataareaid AND u.transtype = 192350005
                      AND NOT u.isduplicate AND u.isjournalized) AS journalized
      FROM (SELECT r.recid, r.dataareaid, c.transaction2 AS other, c.transaction2role AS role
              FROM fno_imp_prow r
              JOIN fno.projcdstransactionconnectionimport c ON c.dataareaid = r.dataareaid AND c.transaction1 = r.actualid
            UNION ALL
            SELECT r.recid, r.dataareaid, c.transaction1, c.transaction1role
              FROM fno_imp_prow r
              JOIN fno.projcdstransactionconnectionimport c ON c.dataareaid = r.dataareaid AND c.transaction2 = r.actualid) k
     WHERE k.role = '192350005'
        OR EXISTS (SELECT 1 FROM fno.projcdsactualsimport u
                    WHERE u.actualid = k.other AND u.dataareaid IS NOT DISTINCT FROM k.dataareaid AND u.transtype = 192350005);

    -- What keeps each row back, if anything.
    CREATE TEMP TABLE fno_imp_rmsg ON COMMIT DROP AS
    SELECT r.recid, r.proprecid,
           CASE WHEN u.unposted IS NOT NULL
                THEN format('unbilled sales transaction %s hasn''t been posted yet', u.unposted)
                WHEN ci.billingmethod = 0 AND r.transactionclassification <> 192350003 AND u.recid IS NULL
                THEN format('billed sales transaction %s is not connected to an unbilled sales transaction yet', r.actualid)
                WHEN r.currency <> p.currencyid
                THEN format('billed sales transaction %s is in %s but invoice proposal %s is in %s',
                            r.actualid, r.currency, p.proposalid, p.currencyid)
           END AS msg
      FROM fno_imp_prow r
      JOIN fno_imp_prop p ON p.recid = r.proprecid
      LEFT JOIN fno.psacontractlineitems ci ON ci.dataareaid = r.dataareaid AND ci.contractlinenum = r.contractline
      LEFT JOIN (SELECT b.recid, min(b.other::text) FILTER (WHERE NOT b.journalized) AS unposted
                   FROM fno_imp_unbilled b GROUP BY b.recid) u ON u.recid = r.recid;

    -- The first condition a proposal fails: 1 the set of billed sales, 2 readiness, 3 the rate.
    UPDATE fno_imp_prop p
       SET msg = CASE WHEN p.hash IS NULL OR p.hash IS DISTINCT FROM z.hash THEN c_mismatch
                      WHEN z.firstmsg IS NOT NULL THEN z.firstmsg
                      WHEN p.acccur IS NULL
                      THEN format('legal entity %s has no ledger: its accounting currency is unknown', p.dataareaid)
                      WHEN p.rate IS NULL
                      THEN format('no exchange rate from %s to %s on %s', p.currencyid, p.acccur,
                                  to_char(p.invdate, 'YYYY-MM-DD'))
                 END
      FROM (SELECT q.recid, a.hash, m.firstmsg
              FROM fno_imp_prop q
              LEFT JOIN fno_imp_pagg a ON a.recid = q.recid
              LEFT JOIN (SELECT x.proprecid, min(x.msg) AS firstmsg FROM fno_imp_rmsg x GROUP BY x.proprecid) m
                ON m.proprecid = q.recid) z
     WHERE z.recid = p.recid;

    -- Rows of proposals that cannot be imported yet.
    UPDATE fno.projcdsactualsimport s
       SET integrationcount = s.integrationcount + 1,
           importmessage = CASE WHEN p.msg = c_mismatch THEN p.msg ELSE coalesce(m.msg, p.msg) END,
           modifieddatetime = now()
      FROM fno_imp_rmsg m
      JOIN fno_imp_prop p ON p.recid = m.proprecid
     WHERE s.recid = m.recid AND p.msg IS NOT NULL;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    v_waiting := v_waiting + v_rows;

    -- The proposals that pass: one line per row.
    CREATE TEMP TABLE fno_imp_pline ON COMMIT DROP AS
    SELECT q.*, process.fno_number('PT-', nextval('fno.transid_seq'), 8) AS transid
      FROM (SELECT r.*, p.proposalid, p.taxgroup, p.taxrate, process.fno_lineproperty(r.billingtype) AS lineproperty
              FROM fno_imp_prow r
              JOIN fno_imp_prop p ON p.recid = r.proprecid
             WHERE p.msg IS NULL
             ORDER BY r.proprecid, r.recid) q;
    GET DIAGNOSTICS v_proposal_lines = ROW_COUNT;

    IF v_proposal_lines > 0 THEN
        INSERT INTO fno.projproposalline
               (dataareaid, proposalid, transid, actualid, transtype, projid, categoryid, psacontractlinenum, transdate,
                qty, salesprice, lineamount, taxamount, taxgroupid, currencyid, txt, linepropertyid)
        SELECT l.dataareaid, l.proposalid, l.transid, l.actualid, process.fno_transtype(l.transactionclassification),
               l.projectid, l.transactioncategoryid, l.contractline, l.documentdate, l.quantity, l.unitprice, l.amount,
               CASE WHEN l.lineproperty = 'Chargeable' THEN round(l.amount * l.taxrate / 100, 2) ELSE 0 END,
               l.taxgroup, l.currency, l.txt, l.lineproperty
          FROM fno_imp_pline l;  -- already in transid order

        UPDATE fno.projcdsactualsimport s
           SET isprocessed = true, integrationcount = s.integrationcount + 1, invoiceproposalid = l.proposalid,
               invoiceproposallinetransid = l.transid, importmessage = NULL, modifieddatetime = now()
          FROM fno_imp_pline l
         WHERE s.recid = l.recid;
    END IF;

    UPDATE fno.projproposaljour j
       SET taxgroupid = p.taxgroup, exchrate = p.rate * 100, modifieddatetime = now()
      FROM fno_imp_prop p
     WHERE j.recid = p.recid AND p.msg IS NULL;
    GET DIAGNOSTICS v_proposals = ROW_COUNT;
    IF v_proposals > 0 THEN
        PERFORM process.fno_proposal_recompute_tax(ARRAY(SELECT p.recid FROM fno_imp_prop p WHERE p.msg IS NULL));
    END IF;

    -- Billed sales without an open proposal wait for it (the proposal map runs before the actuals map).
    UPDATE fno.projcdsactualsimport s
       SET integrationcount = s.integrationcount + 1,
           importmessage = CASE
               WHEN s.invoiceid IS NULL THEN 'billed sales transaction has no invoice'
               WHEN EXISTS (SELECT 1 FROM fno.projproposaljour j
                             WHERE j.dataareaid = s.dataareaid AND j.proposalid = s.invoiceid)
               THEN format('invoice proposal %s is posted or not open', s.invoiceid)
               ELSE format('invoice proposal %s does not exist yet', s.invoiceid) END,
           modifieddatetime = now()
     WHERE s.recid IN (SELECT o.recid
                         FROM fno.projcdsactualsimport o
                        WHERE o.transtype = 192350006 AND NOT o.isprocessed AND NOT o.isduplicate
                          AND NOT EXISTS (SELECT 1 FROM fno.projproposaljour j
                                           WHERE j.dataareaid = o.dataareaid AND j.proposalid = o.invoiceid
                                             AND j.status = 0 AND j.projinvoiceid IS NULL)
                          FOR UPDATE OF o SKIP LOCKED);
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    v_waiting := v_waiting + v_rows;

    DROP TABLE fno_imp_row, fno_imp_rate, fno_imp_journal, fno_imp_line, fno_imp_prop, fno_imp_prow, fno_imp_pagg,
               fno_imp_unbilled, fno_imp_rmsg, fno_imp_pline;
    RETURN QUERY SELECT v_journal_lines, v_proposal_lines, v_proposals, v_waiting;
END
$$;
COMMENT ON FUNCTION process.fno_import() IS
  'Import from staging (docs/processes.md). Journal part: unprocessed, non-duplicate cost and unbilled sales staging '
  'rows become integration journal lines, one Draft journal (PJ-nnnnnn) per legal entity and month of the accounting '
  'date, one line per row with the rate of its date (exchrate = rate * 100); a row without a rate waits with '
  'importmessage ''no exchange rate from EUR to USD on 2026-10-03''. Proposal part: per open proposal (status 0, no '
  'projinvoiceid) with unprocessed billed sales rows (invoiceid = proposalid), imported only when the md5 of the '
  'staged billed sales actual ids equals hashedlistofbillablesalesactualids, every T&M non-milestone billed sale is '
  'connected to unbilled sales that are all journalized, and the proposal currency has a rate on the invoice date; '
  'then one proposal line (PT-nnnnnnnn) per row with tax by the header tax group (defaulted from the customer), and '
  'header totals. Rows not imported get integrationcount + 1 and importmessage and are retried by the next call. Rows '
  'and proposals are claimed FOR UPDATE SKIP LOCKED, so concurrent imports never create a line twice. Returns the '
  'numbers of journal lines, proposal lines, proposals imported and rows left waiting.';

------------------------------------------------------------------------------------------------
-- Post integration journals
------------------------------------------------------------------------------------------------
CREATE FUNCTION process.fno_post_journals(p_journalid text DEFAULT NULL)
RETURNS TABLE (journals bigint, lines bigint)
LANGUAGE plpgsql
SET work_mem = '128MB'
SET jit = off
AS $$
DECLARE
    v_rows     bigint;
    v_journals bigint := 0;
    v_lines    bigint := 0;
    v_state    record;
    v_gje_seq  regclass := pg_get_serial_sequence('fno.generaljournalentry', 'recid');
BEGIN
    IF p_journalid IS NULL THEN
        CREATE TEMP TABLE fno_pj_journal ON COMMIT DROP AS
        SELECT j.recid, j.dataareaid, j.journalid, l.accountingcurrency AS acccur
          FROM fno.projadvancedjournal j
          LEFT JOIN fno.ledger l ON l.dataareaid = j.dataareaid
         WHERE j.status = 0
         ORDER BY j.recid
           FOR UPDATE OF j SKIP LOCKED;
    ELSE
        CREATE TEMP TABLE fno_pj_journal ON COMMIT DROP AS
        SELECT j.recid, j.dataareaid, j.journalid, l.accountingcurrency AS acccur
          FROM fno.projadvancedjournal j
          LEFT JOIN fno.ledger l ON l.dataareaid = j.dataareaid
         WHERE j.status = 0 AND j.journalid = p_journalid
         ORDER BY j.recid
           FOR UPDATE OF j;
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        IF v_rows = 0 THEN
            SELECT j.status INTO v_state FROM fno.projadvancedjournal j WHERE j.journalid = p_journalid LIMIT 1;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'integration journal % does not exist', p_journalid;
            ELSIF v_state.status = 1 THEN
                RAISE EXCEPTION 'integration journal % is already posted', p_journalid;
            END IF;
            RAISE EXCEPTION 'integration journal % is not a draft (status %): only draft journals can be posted',
                p_journalid, v_state.status;
        END IF;
    END IF;

    -- Draft lines with their accounting amount. (First on their own: right after an import the planner's statistics
    -- of the journal lines are usually stale, so the staging rows are joined in a second step.)
    CREATE TEMP TABLE fno_pj_line ON COMMIT DROP AS
    SELECT q.*, round(q.amount * q.rate, 2) AS amountmst
      FROM (SELECT l.recid, l.dataareaid, j.recid AS journalrecid, j.journalid, l.linenum, l.actualid, l.transtype,
                   l.projid, l.categoryid, l.linepropertyid, l.transdate, coalesce(l.accountingdate, l.transdate) AS accdate,
                   l.qty, coalesce(l.lineamount, round(l.qty * coalesce(l.costprice, l.salesprice, 0), 2)) AS amount,
                   l.currencyid, j.acccur,
                   coalesce(l.exchrate / 100,
                            process.fno_exchange_rate(l.currencyid, j.acccur, coalesce(l.accountingdate, l.transdate))) AS rate,
                   (l.costprice IS NULL AND l.salesprice IS NOT NULL) AS salespriceonly
              FROM fno_pj_journal j
              JOIN fno.projadvancedjournalline l ON l.projadvancedjournal = j.recid AND l.status = 0) q;
    GET DIAGNOSTICS v_lines = ROW_COUNT;
    IF v_lines > 10000 THEN
        ANALYZE fno_pj_line;
    END IF;

    SELECT l.journalid, l.linenum, l.currencyid, l.acccur, l.accdate INTO v_state
      FROM fno_pj_line l WHERE l.rate IS NULL ORDER BY l.journalid, l.linenum LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'integration journal % line % cannot be posted: no exchange rate from % to % on %',
            v_state.journalid, v_state.linenum, v_state.currencyid, coalesce(v_state.acccur, '(no ledger)'),
            to_char(v_state.accdate, 'YYYY-MM-DD');
    END IF;

    -- The staging row of each line (cost or unbilled sales); a line without one is a sales line when it has
    -- only a sales price.
    CREATE TEMP TABLE fno_pj_stage ON COMMIT DROP AS
    SELECT l.recid, s.recid AS stagingrecid,
           CASE WHEN s.transtype = 192350005 OR (s.recid IS NULL AND l.salespriceonly) THEN 'sales' ELSE 'cost' END AS kind
      FROM fno_pj_line l
      LEFT JOIN fno.projcdsactualsimport s ON s.actualid = l.actualid AND s.projadvancedjournalline = l.recid;
    IF v_lines > 10000 THEN
        ANALYZE fno_pj_stage;
    END IF;

    -- One voucher (and one general journal entry) per journal that has lines.
    CREATE TEMP TABLE fno_pj_voucher ON COMMIT DROP AS
    SELECT nextval(v_gje_seq) AS gjerecid, v.*,
           process.fno_number('PV-', nextval('fno.voucher_seq'), 6) AS voucher
      FROM (SELECT l.journalrecid, l.dataareaid, l.journalid, max(l.accdate) AS accdate
              FROM fno_pj_line l
             GROUP BY l.journalrecid, l.dataareaid, l.journalid
             ORDER BY l.journalrecid) v;

    INSERT INTO fno.generaljournalentry
           (recid, dataareaid, journalnumber, subledgervoucher, accountingdate, documentdate, documentnumber)
    SELECT v.gjerecid, v.dataareaid, v.voucher, v.voucher, v.accdate, v.accdate, v.journalid
      FROM fno_pj_voucher v
     ORDER BY v.gjerecid;

    -- Summed per account and transaction currency; each credit is minus its debit.
    INSERT INTO fno.generaljournalaccountentry
           (dataareaid, generaljournalentry, voucher, accountingdate, mainaccount, ledgeraccount,
            accountingcurrencyamount, transactioncurrencyamount, transactioncurrencycode, iscredit, text)
    SELECT v.dataareaid, v.gjerecid, v.voucher, v.accdate, a.mainaccount, a.mainaccount, a.mst, a.cur, s.currencyid,
           a.mst < 0 OR (a.mst = 0 AND a.cur < 0), a.text
      FROM (SELECT l.journalrecid, st.kind, l.currencyid, sum(l.amountmst) AS mst, sum(l.amount) AS cur
              FROM fno_pj_line l
              JOIN fno_pj_stage st ON st.recid = l.recid
             GROUP BY l.journalrecid, st.kind, l.currencyid) s
      JOIN fno_pj_voucher v ON v.journalrecid = s.journalrecid
     CROSS JOIN LATERAL (VALUES
            (1, CASE s.kind WHEN 'cost' THEN '600100' ELSE '130500' END, s.mst, s.cur,
                CASE s.kind WHEN 'cost' THEN 'Project cost' ELSE 'WIP - sales value' END),
            (2, CASE s.kind WHEN 'cost' THEN '200150' ELSE '401300' END, -s.mst, -s.cur,
                CASE s.kind WHEN 'cost' THEN 'Cost offset (accrued payables)' ELSE 'Accrued revenue' END)
          ) AS a(ord, mainaccount, mst, cur, text)
     WHERE a.mst <> 0 OR a.cur <> 0
     ORDER BY v.gjerecid, s.kind, s.currencyid, a.ord;

    INSERT INTO fno.projpostedtranstable
           (dataareaid, transid, actualid, projid, transtype, categoryid, linepropertyid, transdate, qty, amount,
            amountmst, currencyid, voucher, transstatus)
    SELECT q.dataareaid, process.fno_number('PT-', nextval('fno.transid_seq'), 8), q.actualid, q.projid, q.transtype,
           q.categoryid, q.linepropertyid, q.transdate, q.qty, q.amount, q.amountmst, q.currencyid, q.voucher, 2
      FROM (SELECT l.*, v.voucher
              FROM fno_pj_line l
              JOIN fno_pj_voucher v ON v.journalrecid = l.journalrecid
             ORDER BY l.journalrecid, l.linenum) q;

    UPDATE fno.projadvancedjournalline jl
       SET status = 1, voucher = v.voucher, modifieddatetime = now()
      FROM fno_pj_line l
      JOIN fno_pj_voucher v ON v.journalrecid = l.journalrecid
     WHERE jl.recid = l.recid;

    UPDATE fno.projadvancedjournal j
       SET status = 1, posteddatetime = now(), modifieddatetime = now()
      FROM fno_pj_journal p
     WHERE j.recid = p.recid;
    GET DIAGNOSTICS v_journals = ROW_COUNT;

    -- Write-back on the staging rows (dual-write carries it to the actuals).
    UPDATE fno.projcdsactualsimport s
       SET vouchernumber = v.voucher, accountingamount = l.amountmst, exchangerate = round(1 / l.rate, 10),
           exchangeratedate = l.accdate, salestaxamount = 0, isjournalized = true, modifieddatetime = now()
      FROM fno_pj_stage st
      JOIN fno_pj_line l ON l.recid = st.recid
      JOIN fno_pj_voucher v ON v.journalrecid = l.journalrecid
     WHERE s.recid = st.stagingrecid;

    DROP TABLE fno_pj_journal, fno_pj_line, fno_pj_stage, fno_pj_voucher;
    RETURN QUERY SELECT v_journals, v_lines;
END
$$;
COMMENT ON FUNCTION process.fno_post_journals(text) IS
  'Posts Draft integration journals (one, or all when p_journalid is NULL; journals another call is posting are '
  'skipped): per journal one voucher PV-nnnnnn with one generaljournalentry and balanced generaljournalaccountentry '
  'lines summed per account and transaction currency (cost Dr 600100 / Cr 200150, unbilled sales Dr 130500 / Cr '
  '401300; accounting amount = sum of round(line amount * line rate, 2)); per line a posted project transaction '
  '(PT-nnnnnnnn, transstatus 2 Posted); lines and journal Posted; write-back on the staging rows: vouchernumber, '
  'accountingamount, exchangerate = round(1 / rate, 10), exchangeratedate, salestaxamount 0, isjournalized. Refuses an '
  'unknown or already posted journal id and a line without exchange rate. Returns the numbers of journals and lines.';

------------------------------------------------------------------------------------------------
-- Post invoice proposals
------------------------------------------------------------------------------------------------
CREATE FUNCTION process.fno_post_proposals(p_proposalid text DEFAULT NULL)
RETURNS TABLE (proposals bigint, lines bigint, skipped bigint)
LANGUAGE plpgsql
SET work_mem = '128MB'
SET jit = off
AS $$
DECLARE
    v_rows      bigint;
    v_proposals bigint := 0;
    v_lines     bigint := 0;
    v_skipped   bigint := 0;
    v_state     record;
    v_gje_seq   regclass := pg_get_serial_sequence('fno.generaljournalentry', 'recid');
BEGIN
    IF p_proposalid IS NULL THEN
        CREATE TEMP TABLE fno_pp_prop ON COMMIT DROP AS
        SELECT j.recid, j.dataareaid, j.proposalid
          FROM fno.projproposaljour j
         WHERE j.status = 0 AND j.projinvoiceid IS NULL
         ORDER BY j.recid
           FOR UPDATE OF j SKIP LOCKED;
        DELETE FROM fno_pp_prop p
         WHERE NOT EXISTS (SELECT 1 FROM fno.projproposalline l
                            WHERE l.dataareaid = p.dataareaid AND l.proposalid = p.proposalid);
        GET DIAGNOSTICS v_skipped = ROW_COUNT;
    ELSE
        CREATE TEMP TABLE fno_pp_prop ON COMMIT DROP AS
        SELECT j.recid, j.dataareaid, j.proposalid
          FROM fno.projproposaljour j
         WHERE j.status = 0 AND j.projinvoiceid IS NULL AND j.proposalid = p_proposalid
         ORDER BY j.recid
           FOR UPDATE OF j;
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        IF v_rows = 0 THEN
            SELECT j.status, j.projinvoiceid INTO v_state
              FROM fno.projproposaljour j WHERE j.proposalid = p_proposalid
             ORDER BY j.projinvoiceid NULLS LAST LIMIT 1;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'invoice proposal % does not exist', p_proposalid;
            ELSIF v_state.projinvoiceid IS NOT NULL THEN
                RAISE EXCEPTION 'invoice proposal % is already posted as invoice %', p_proposalid, v_state.projinvoiceid;
            END IF;
            RAISE EXCEPTION 'invoice proposal % is not open (status %): only open proposals can be posted',
                p_proposalid, v_state.status;
        END IF;
        IF EXISTS (SELECT 1 FROM fno_pp_prop p
                    WHERE NOT EXISTS (SELECT 1 FROM fno.projproposalline l
                                       WHERE l.dataareaid = p.dataareaid AND l.proposalid = p.proposalid)) THEN
            RAISE EXCEPTION 'invoice proposal % has no lines: import its billed sales from staging before posting',
                p_proposalid;
        END IF;
    END IF;

    -- Tax by the current header tax group (the AR clerk may have changed it since the import).
    PERFORM process.fno_proposal_recompute_tax(ARRAY(SELECT p.recid FROM fno_pp_prop p));

    CREATE TEMP TABLE fno_pp_head ON COMMIT DROP AS
    SELECT nextval(v_gje_seq) AS gjerecid, q.*,
           process.fno_number('CIV-', nextval('fno.projinvoiceid_seq'), 6) AS projinvoiceid,
           process.fno_number('IV-', nextval('fno.voucher_seq'), 6) AS voucher
      FROM (SELECT j.recid, j.dataareaid, j.proposalid, j.projinvoiceprojid, j.fundingsource, j.currencyid,
                   coalesce(j.invoiceaccount,
                            (SELECT min(s.customeraccountnumber) FROM fno.projcdsactualsimport s
                              WHERE s.dataareaid = j.dataareaid AND s.invoiceproposalid = j.proposalid)) AS invoiceaccount,
                   coalesce(j.invoicedate, current_date) AS invdate, j.duedate, j.description,
                   j.salesorderbalance, j.sumtax, j.invoiceamount, l.accountingcurrency AS acccur,
                   process.fno_exchange_rate(j.currencyid, l.accountingcurrency, coalesce(j.invoicedate, current_date)) AS rate
              FROM fno_pp_prop p
              JOIN fno.projproposaljour j ON j.recid = p.recid
              LEFT JOIN fno.ledger l ON l.dataareaid = j.dataareaid
             ORDER BY j.recid) q;
    GET DIAGNOSTICS v_proposals = ROW_COUNT;

    SELECT h.proposalid, h.currencyid, h.acccur, h.invdate, h.rate, h.invoiceaccount INTO v_state
      FROM fno_pp_head h WHERE h.rate IS NULL OR h.invoiceaccount IS NULL ORDER BY h.recid LIMIT 1;
    IF FOUND THEN
        IF v_state.rate IS NULL THEN
            RAISE EXCEPTION 'invoice proposal % cannot be posted: no exchange rate from % to % on %',
                v_state.proposalid, v_state.currencyid, coalesce(v_state.acccur, '(no ledger)'),
                to_char(v_state.invdate, 'YYYY-MM-DD');
        END IF;
        RAISE EXCEPTION 'invoice proposal % cannot be posted: it has no invoice account', v_state.proposalid;
    END IF;

    CREATE TEMP TABLE fno_pp_line ON COMMIT DROP AS
    SELECT l.recid, h.recid AS headrecid, h.projinvoiceid, h.voucher, h.invdate, h.rate, l.dataareaid, l.proposalid,
           l.transid, l.actualid, l.transtype, l.projid, l.categoryid, coalesce(l.transdate, h.invdate) AS transdate,
           l.qty, l.salesprice, l.lineamount, l.taxamount, l.currencyid, l.txt, l.linepropertyid,
           l.linepropertyid = 'Chargeable' AS chargeable,
           round(l.lineamount * h.rate, 2) AS amountmst, round(l.taxamount * h.rate, 2) AS taxmst
      FROM fno_pp_head h
      JOIN fno.projproposalline l ON l.dataareaid = h.dataareaid AND l.proposalid = h.proposalid;
    GET DIAGNOSTICS v_lines = ROW_COUNT;
    IF v_lines > 10000 THEN
        ANALYZE fno_pp_line;
    END IF;

    -- WIP to reverse: posted (transstatus 2) unbilled sales connected to a billed sale of the proposal, each
    -- reversed once, by the first proposal of this call that bills it.
    CREATE TEMP TABLE fno_pp_wip ON COMMIT DROP AS
    SELECT DISTINCT ON (t.recid) t.recid, k.headrecid, t.transid, t.currencyid, t.amount, t.amountmst
      FROM (SELECT l.headrecid, l.dataareaid, c.transaction2 AS other, c.transaction2role AS role
              FROM fno_pp_line l
              JOIN fno.projcdstransactionconnectionimport c ON c.dataareaid = l.dataareaid AND c.transaction1 = l.actualid
            UNION ALL
            SELECT l.headrecid, l.dataareaid, c.transaction1, c.transaction1role
              FROM fno_pp_line l
              JOIN fno.projcdstransactionconnectionimport c ON c.dataareaid = l.dataareaid AND c.transaction2 = l.actualid) k
      JOIN fno.projpostedtranstable t
        ON t.actualid = k.other AND t.dataareaid IS NOT DISTINCT FROM k.dataareaid AND t.transstatus = 2
     WHERE k.role = '192350005'
        OR EXISTS (SELECT 1 FROM fno.projcdsactualsimport u
                    WHERE u.actualid = t.actualid AND u.dataareaid IS NOT DISTINCT FROM t.dataareaid AND u.transtype = 192350005)
     ORDER BY t.recid, k.headrecid;
    -- Lock them and drop any another posting invoiced meanwhile, so WIP is never reversed twice.
    PERFORM 1 FROM fno.projpostedtranstable t
     WHERE t.recid IN (SELECT w.recid FROM fno_pp_wip w)
     ORDER BY t.recid
       FOR UPDATE OF t;
    DELETE FROM fno_pp_wip w
     WHERE (SELECT t.transstatus FROM fno.projpostedtranstable t WHERE t.recid = w.recid) IS DISTINCT FROM 2;

    SELECT w.transid INTO v_state FROM fno_pp_wip w WHERE w.amountmst IS NULL LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'posted transaction % has no accounting amount: its WIP cannot be reversed', v_state.transid;
    END IF;

    INSERT INTO fno.generaljournalentry
           (recid, dataareaid, journalnumber, subledgervoucher, accountingdate, documentdate, documentnumber)
    SELECT h.gjerecid, h.dataareaid, h.voucher, h.voucher, h.invdate, h.invdate, h.projinvoiceid
      FROM fno_pp_head h
     ORDER BY h.gjerecid;

    -- AR = revenue + tax in both currencies; revenue and tax in accounting currency are sums of per-line rounded
    -- figures, and each WIP reversal credit is minus its debit, so every voucher sums to zero.
    INSERT INTO fno.generaljournalaccountentry
           (dataareaid, generaljournalentry, voucher, accountingdate, mainaccount, ledgeraccount,
            accountingcurrencyamount, transactioncurrencyamount, transactioncurrencycode, iscredit, text)
    SELECT h.dataareaid, h.gjerecid, h.voucher, h.invdate, g.mainaccount, g.mainaccount, g.mst, g.cur, g.currency,
           g.mst < 0 OR (g.mst = 0 AND g.cur < 0), g.text
      FROM fno_pp_head h
      JOIN (SELECT s.headrecid, a.*
              FROM (SELECT l.headrecid, min(l.currencyid) AS currency,
                           coalesce(sum(l.lineamount) FILTER (WHERE l.chargeable), 0) AS rev,
                           coalesce(sum(l.amountmst) FILTER (WHERE l.chargeable), 0) AS revmst,
                           sum(l.taxamount) AS tax, sum(l.taxmst) AS taxmst
                      FROM fno_pp_line l GROUP BY l.headrecid) s
             CROSS JOIN LATERAL (VALUES
                    (1, '130100', s.revmst + s.taxmst, s.rev + s.tax, s.currency, 'Accounts receivable'),
                    (2, '401100', -s.revmst, -s.rev, s.currency, 'Project revenue'),
                    (3, '222200', -s.taxmst, -s.tax, s.currency, 'Sales tax payable')
                  ) AS a(ord, mainaccount, mst, cur, currency, text)
            UNION ALL
            SELECT w.headrecid, a.*
              FROM (SELECT w.headrecid, w.currencyid, sum(w.amountmst) AS mst, sum(w.amount) AS cur
                      FROM fno_pp_wip w GROUP BY w.headrecid, w.currencyid) w
             CROSS JOIN LATERAL (VALUES
                    (4, '401300', w.mst, w.cur, w.currencyid, 'Accrued revenue: WIP reversal'),
                    (5, '130500', -w.mst, -w.cur, w.currencyid, 'WIP - sales value: WIP reversal')
                  ) AS a(ord, mainaccount, mst, cur, currency, text)) g ON g.headrecid = h.recid
     WHERE g.mst <> 0 OR g.cur <> 0
     ORDER BY h.gjerecid, g.ord, g.currency;

    INSERT INTO fno.projinvoicejour
           (dataareaid, projinvoiceid, invoicedate, proposalid, projinvoiceprojid, fundingsource, invoiceaccount,
            currencyid, exchrate, duedate, salesorderbalance, sumtax, invoiceamount, ledgervoucher)
    SELECT h.dataareaid, h.projinvoiceid, h.invdate, h.proposalid, h.projinvoiceprojid, h.fundingsource,
           h.invoiceaccount, h.currencyid, h.rate * 100, h.duedate, h.salesorderbalance, h.sumtax, h.invoiceamount,
           h.voucher
      FROM fno_pp_head h
     ORDER BY h.recid;

    INSERT INTO fno.projinvoiceline
           (dataareaid, projinvoiceid, invoicedate, transid, actualid, transtype, projid, categoryid, qty, salesprice,
            lineamount, taxamount, currencyid, txt, linepropertyid)
    SELECT l.dataareaid, l.projinvoiceid, l.invdate, l.transid, l.actualid, l.transtype, l.projid, l.categoryid, l.qty,
           l.salesprice, l.lineamount, l.taxamount, l.currencyid, l.txt, l.linepropertyid
      FROM fno_pp_line l
     ORDER BY l.headrecid, l.transid;

    INSERT INTO fno.custtrans
           (dataareaid, accountnum, invoice, voucher, transdate, duedate, amountcur, amountmst, currencycode, exchrate, txt)
    SELECT h.dataareaid, h.invoiceaccount, h.projinvoiceid, h.voucher, h.invdate, h.duedate, h.invoiceamount,
           s.revmst + s.taxmst, h.currencyid, h.rate * 100, coalesce(h.description, 'Project invoice ' || h.projinvoiceid)
      FROM fno_pp_head h
      JOIN (SELECT l.headrecid, coalesce(sum(l.amountmst) FILTER (WHERE l.chargeable), 0) AS revmst,
                   sum(l.taxmst) AS taxmst
              FROM fno_pp_line l GROUP BY l.headrecid) s ON s.headrecid = h.recid
     ORDER BY h.recid;

    -- The billed transactions, invoiced at once.
    INSERT INTO fno.projpostedtranstable
           (dataareaid, transid, actualid, projid, transtype, categoryid, linepropertyid, transdate, qty, amount,
            amountmst, currencyid, voucher, transstatus)
    SELECT l.dataareaid, l.transid, l.actualid, l.projid, l.transtype, l.categoryid, l.linepropertyid, l.transdate,
           l.qty, l.lineamount, l.amountmst, l.currencyid, l.voucher, 4
      FROM fno_pp_line l
     ORDER BY l.headrecid, l.transid;

    UPDATE fno.projpostedtranstable t
       SET transstatus = 4, modifieddatetime = now()
      FROM fno_pp_wip w
     WHERE t.recid = w.recid;

    UPDATE fno.projproposaljour j
       SET status = 3, projinvoiceid = h.projinvoiceid, ledgervoucher = h.voucher, invoicedate = h.invdate,
           exchrate = h.rate * 100, modifieddatetime = now()
      FROM fno_pp_head h
     WHERE j.recid = h.recid;

    -- Write-back on the billed sales staging rows.
    UPDATE fno.projcdsactualsimport s
       SET vouchernumber = l.voucher, accountingamount = l.amountmst, exchangerate = round(1 / l.rate, 10),
           exchangeratedate = l.invdate, salestaxamount = l.taxamount, modifieddatetime = now()
      FROM fno_pp_line l
     WHERE s.actualid = l.actualid AND s.dataareaid = l.dataareaid AND s.invoiceproposalid = l.proposalid
       AND s.invoiceproposallinetransid = l.transid;

    DROP TABLE fno_pp_prop, fno_pp_head, fno_pp_line, fno_pp_wip;
    RETURN QUERY SELECT v_proposals, v_lines, v_skipped;
END
$$;
COMMENT ON FUNCTION process.fno_post_proposals(text) IS
  'Posts open invoice proposals (status 0, no projinvoiceid): one, refused when unknown, not open, already posted or '
  'without lines; or all when p_proposalid is NULL, skipping (and counting) those without lines and those another call '
  'is posting. Tax is recomputed from the header tax group first. Per proposal: projinvoicejour CIV-nnnnnn with the '
  'header amounts and one projinvoiceline per proposal line; a custtrans (amountcur = invoice amount, amountmst at the '
  'invoice-date rate); voucher IV-nnnnnn: Dr 130100 = revenue + tax, Cr 401100 revenue, Cr 222200 tax, and for each '
  'posted (transstatus 2) unbilled sale connected to a billed sale of the proposal Dr 401300 / Cr 130500 its amountmst, '
  'after which it is 4 Invoiced (WIP reversed once, I10); a posted transaction per line (its transid, transstatus 4); '
  'proposal status 3 with projinvoiceid and ledgervoucher; write-back on the billed sales staging rows (voucher, '
  'accounting amount, exchange rate, line tax). Returns the numbers of proposals posted, lines and proposals skipped.';

------------------------------------------------------------------------------------------------
-- Guard: invoice proposals come only from the dual-write sync and are never deleted
------------------------------------------------------------------------------------------------
CREATE FUNCTION process.fno_projproposaljour_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF coalesce(current_setting('tieout.origin', true), '') NOT LIKE 'sync:%' THEN
            RAISE EXCEPTION 'invoice proposal % cannot be created in F&O: proposals come only from confirmed proforma '
                            'invoices in Dataverse (map invoice-proposal-v2)', NEW.proposalid;
        END IF;
        RETURN NEW;
    ELSIF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'invoice proposal % cannot be deleted: deleting invoice proposals in F&O is not supported '
                        '(correct the invoice in Dataverse with a corrective invoice)', OLD.proposalid;
    END IF;
    RAISE EXCEPTION 'invoice proposals cannot be deleted: deleting invoice proposals in F&O is not supported '
                    '(correct the invoice in Dataverse with a corrective invoice)';
END
$$;
COMMENT ON FUNCTION process.fno_projproposaljour_guard() IS
  'Trigger function on fno.projproposaljour: refuses an insert unless the transaction is the dual-write sync''s '
  '(setting tieout.origin = sync:<map>), and refuses every delete and truncate (SQLSTATE P0001).';

CREATE TRIGGER projproposaljour_guard
    BEFORE INSERT OR DELETE ON fno.projproposaljour
    FOR EACH ROW EXECUTE FUNCTION process.fno_projproposaljour_guard();
COMMENT ON TRIGGER projproposaljour_guard ON fno.projproposaljour IS
  'Invoice proposals are created only by the map invoice-proposal-v2 from confirmed proforma invoices and never deleted.';

CREATE TRIGGER projproposaljour_guard_truncate
    BEFORE TRUNCATE ON fno.projproposaljour
    FOR EACH STATEMENT EXECUTE FUNCTION process.fno_projproposaljour_guard();
COMMENT ON TRIGGER projproposaljour_guard_truncate ON fno.projproposaljour IS
  'TRUNCATE deletes invoice proposals too, so it is refused like a delete.';
