-- fno/import.sql
-- Import from staging: a driver and its steps, which share the call's temporary tables (fno_imp_*, ON COMMIT DROP,
-- dropped by the driver at its end so a second call in one transaction works).

CREATE OR REPLACE FUNCTION process.fno_import()
RETURNS TABLE (journal_lines bigint, proposal_lines bigint, proposals bigint, waiting bigint)
LANGUAGE plpgsql
SET work_mem = '128MB'
SET jit = off
AS $$
DECLARE
    v_journal_lines  bigint;
    v_proposal_lines bigint;
    v_proposals      bigint;
    v_waiting        bigint := 0;
    v_rows           bigint;
BEGIN
    -- Journal part: cost and unbilled sales rows become integration journal lines.
    SELECT s.journal_lines, s.waiting INTO v_journal_lines, v_rows FROM process.fno_import_journals() s;
    v_waiting := v_waiting + v_rows;

    -- Proposal part: billed sales rows become invoice proposal lines, a whole proposal at a time.
    PERFORM process.fno_import_claim_proposals();
    v_waiting := v_waiting + process.fno_import_check_proposals();
    SELECT s.proposal_lines, s.proposals INTO v_proposal_lines, v_proposals FROM process.fno_import_proposal_lines() s;
    v_waiting := v_waiting + process.fno_import_billed_sales_waiting();

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

CREATE OR REPLACE FUNCTION process.fno_import_journals(OUT journal_lines bigint, OUT waiting bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_rows        bigint;
    v_journal_seq regclass := pg_get_serial_sequence('fno.projadvancedjournal', 'recid');
    v_line_seq    regclass := pg_get_serial_sequence('fno.projadvancedjournalline', 'recid');
BEGIN
    -- Claim: rows another import holds are skipped; a row it committed meanwhile is re-checked by the lock
    -- (READ COMMITTED re-evaluates the WHERE clause on the newest version) and again just below.
    CREATE TEMP TABLE fno_imp_row ON COMMIT DROP AS
    SELECT s.recid, s.dataareaid, s.actualid, s.transtype, s.transactionclassification, s.billingtype, s.projectid,
           s.activitynumber, s.transactioncategoryid, coalesce(s.bookableresourcename, s.resourceid::text) AS resource,
           coalesce(s.description, s.externaldescription) AS txt, s.documentdate,
           coalesce(s.accountingdate, s.documentdate) AS accdate, s.quantity, s.unitprice, s.amount,
           s.transactioncurrencyid AS currency
      FROM fno.projcdsactualsimport s
     WHERE s.transtype = ANY (optionset.codes('transactiontype', 'Cost', 'Unbilled Sales')) AND NOT s.isprocessed AND NOT s.isduplicate
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
    GET DIAGNOSTICS waiting = ROW_COUNT;

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
    GET DIAGNOSTICS journal_lines = ROW_COUNT;
    IF journal_lines > 10000 THEN
        ANALYZE fno_imp_line;
    END IF;

    IF journal_lines > 0 THEN
        INSERT INTO fno.projadvancedjournal (recid, dataareaid, journalid, description, status, periodstartdate)
        SELECT j.recid, j.dataareaid, j.journalid, 'Import from staging ' || to_char(j.period, 'YYYY-MM'),
               optionset.code('projadvancedjournalstatus', 'Draft'), j.period
          FROM fno_imp_journal j;

        INSERT INTO fno.projadvancedjournalline
               (recid, dataareaid, projadvancedjournal, linenum, actualid, transtype, projid, categoryid, activitynumber,
                linepropertyid, resource, transdate, accountingdate, qty, costprice, salesprice, lineamount, currencyid,
                exchrate, txt, status)
        SELECT n.linerecid, r.dataareaid, n.journalrecid, n.linenum, r.actualid,
               process.fno_transtype(r.transactionclassification), r.projectid, r.transactioncategoryid, r.activitynumber,
               process.fno_lineproperty(r.billingtype), r.resource, r.documentdate, r.accdate, r.quantity,
               CASE WHEN r.transtype = optionset.code('transactiontype', 'Cost') THEN r.unitprice END,
               CASE WHEN r.transtype = optionset.code('transactiontype', 'Unbilled Sales') THEN r.unitprice END,
               r.amount, r.currency, n.rate * 100, r.txt, optionset.code('projadvancedjournalstatus', 'Draft')
          FROM fno_imp_line n
          JOIN fno_imp_row r ON r.recid = n.recid;

        UPDATE fno.projcdsactualsimport s
           SET isprocessed = true, integrationcount = s.integrationcount + 1, projadvancedjournalline = n.linerecid,
               importmessage = NULL, modifieddatetime = now()
          FROM fno_imp_line n
         WHERE s.recid = n.recid;
    END IF;
END
$$;
COMMENT ON FUNCTION process.fno_import_journals() IS
  'Step of process.fno_import, its journal part: claims the unprocessed, non-duplicate cost and unbilled sales '
  'staging rows (fno_imp_row), takes one rate per legal entity, currency and accounting date (fno_imp_rate), marks '
  'the rows without a rate waiting, and makes one Draft journal per legal entity and month (fno_imp_journal) with one '
  'line per row (fno_imp_line); the rows imported are processed and linked to their line. Returns the numbers of '
  'journal lines and of rows left waiting.';

CREATE OR REPLACE FUNCTION process.fno_import_claim_proposals() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_rows bigint;
BEGIN
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
     WHERE j.status = optionset.code('proposalstatus', 'Open') AND j.projinvoiceid IS NULL
       AND EXISTS (SELECT 1 FROM fno.projcdsactualsimport s
                    WHERE s.dataareaid = j.dataareaid AND s.invoiceid = j.proposalid AND s.transtype = optionset.code('transactiontype', 'Billed Sales')
                      AND NOT s.isprocessed AND NOT s.isduplicate)
     ORDER BY j.recid
       FOR UPDATE OF j SKIP LOCKED;

    CREATE TEMP TABLE fno_imp_prow ON COMMIT DROP AS
    SELECT s.recid, p.recid AS proprecid, s.dataareaid, s.actualid, s.transactionclassification, s.billingtype,
           s.projectid, s.transactioncategoryid, s.contractline, s.documentdate, s.quantity, s.unitprice, s.amount,
           s.transactioncurrencyid AS currency, coalesce(s.description, s.externaldescription) AS txt
      FROM fno.projcdsactualsimport s
      JOIN fno_imp_prop p ON p.dataareaid = s.dataareaid AND p.proposalid = s.invoiceid
     WHERE s.transtype = optionset.code('transactiontype', 'Billed Sales') AND NOT s.isprocessed AND NOT s.isduplicate
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
        ON s.dataareaid = p.dataareaid AND s.invoiceid = p.proposalid AND s.transtype = optionset.code('transactiontype', 'Billed Sales') AND NOT s.isduplicate
      LEFT JOIN fno_imp_prow r ON r.recid = s.recid
     GROUP BY p.recid;
    DELETE FROM fno_imp_prop p USING fno_imp_pagg a WHERE a.recid = p.recid AND a.unclaimed > 0;
    IF FOUND THEN
        DELETE FROM fno_imp_prow r WHERE NOT EXISTS (SELECT 1 FROM fno_imp_prop p WHERE p.recid = r.proprecid);
    END IF;
END
$$;
COMMENT ON FUNCTION process.fno_import_claim_proposals() IS
  'Step of process.fno_import, first of its proposal part: claims the open proposals with unprocessed billed sales '
  '(fno_imp_prop, with tax group, tax rate and exchange rate) and their unprocessed billed sales rows (fno_imp_prow), '
  'and per proposal the hash of all its staged billed sales actual ids (fno_imp_pagg); a proposal with a row this call '
  'could not claim is left, with its rows, for the next import.';

CREATE OR REPLACE FUNCTION process.fno_import_check_proposals() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    c_mismatch constant text := 'billed sales actuals do not match Dataverse';
    v_rows     bigint;
BEGIN
    -- Unbilled sales each billed sale is connected to (either side of the connection), and whether they are posted.
    CREATE TEMP TABLE fno_imp_unbilled ON COMMIT DROP AS
    SELECT k.recid, k.other,
           EXISTS (SELECT 1 FROM fno.projcdsactualsimport u
                    WHERE u.actualid = k.other AND u.dataareaid IS NOT DISTINCT FROM k.dataareaid AND u.transtype = optionset.code('transactiontype', 'Unbilled Sales')
                      AND NOT u.isduplicate AND u.isjournalized) AS journalized
      FROM (SELECT r.recid, r.dataareaid, c.transaction2 AS other, c.transaction2role AS role
              FROM fno_imp_prow r
              JOIN fno.projcdstransactionconnectionimport c ON c.dataareaid = r.dataareaid AND c.transaction1 = r.actualid
            UNION ALL
            SELECT r.recid, r.dataareaid, c.transaction1, c.transaction1role
              FROM fno_imp_prow r
              JOIN fno.projcdstransactionconnectionimport c ON c.dataareaid = r.dataareaid AND c.transaction2 = r.actualid) k
     WHERE k.role = optionset.code('transactiontype', 'Unbilled Sales')::text
        OR EXISTS (SELECT 1 FROM fno.projcdsactualsimport u
                    WHERE u.actualid = k.other AND u.dataareaid IS NOT DISTINCT FROM k.dataareaid AND u.transtype = optionset.code('transactiontype', 'Unbilled Sales'));

    -- What keeps each row back, if anything.
    CREATE TEMP TABLE fno_imp_rmsg ON COMMIT DROP AS
    SELECT r.recid, r.proprecid,
           CASE WHEN u.unposted IS NOT NULL
                THEN format('unbilled sales transaction %s hasn''t been posted yet', u.unposted)
                WHEN ci.billingmethod = optionset.code('contractbillingmethod', 'Time and material') AND r.transactionclassification <> optionset.code('transactionclass', 'Milestone') AND u.recid IS NULL
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
    RETURN v_rows;
END
$$;
COMMENT ON FUNCTION process.fno_import_check_proposals() IS
  'Step of process.fno_import: the unbilled sales each claimed billed sale is connected to (fno_imp_unbilled), what '
  'keeps each row back (fno_imp_rmsg), and the first condition each claimed proposal fails (fno_imp_prop.msg: the set '
  'of billed sales, readiness, the rate); the rows of proposals that fail get integrationcount + 1 and importmessage. '
  'Returns the number of those rows.';

CREATE OR REPLACE FUNCTION process.fno_import_proposal_lines(OUT proposal_lines bigint, OUT proposals bigint)
LANGUAGE plpgsql AS $$
BEGIN
    -- The proposals that pass: one line per row.
    CREATE TEMP TABLE fno_imp_pline ON COMMIT DROP AS
    SELECT q.*, process.fno_number('PT-', nextval('fno.transid_seq'), 8) AS transid
      FROM (SELECT r.*, p.proposalid, p.taxgroup, p.taxrate, process.fno_lineproperty(r.billingtype) AS lineproperty
              FROM fno_imp_prow r
              JOIN fno_imp_prop p ON p.recid = r.proprecid
             WHERE p.msg IS NULL
             ORDER BY r.proprecid, r.recid) q;
    GET DIAGNOSTICS proposal_lines = ROW_COUNT;

    IF proposal_lines > 0 THEN
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
    GET DIAGNOSTICS proposals = ROW_COUNT;
    IF proposals > 0 THEN
        PERFORM process.fno_proposal_recompute_tax(ARRAY(SELECT p.recid FROM fno_imp_prop p WHERE p.msg IS NULL));
    END IF;
END
$$;
COMMENT ON FUNCTION process.fno_import_proposal_lines() IS
  'Step of process.fno_import: for the claimed proposals that pass, one proposal line (PT-nnnnnnnn) per row '
  '(fno_imp_pline) with tax by the header tax group, the rows processed and linked to their line, the header tax '
  'group and rate, and the header totals. Returns the numbers of proposal lines and proposals imported.';

CREATE OR REPLACE FUNCTION process.fno_import_billed_sales_waiting() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_rows bigint;
BEGIN
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
                        WHERE o.transtype = optionset.code('transactiontype', 'Billed Sales') AND NOT o.isprocessed AND NOT o.isduplicate
                          AND NOT EXISTS (SELECT 1 FROM fno.projproposaljour j
                                           WHERE j.dataareaid = o.dataareaid AND j.proposalid = o.invoiceid
                                             AND j.status = optionset.code('proposalstatus', 'Open') AND j.projinvoiceid IS NULL)
                          FOR UPDATE OF o SKIP LOCKED);
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END
$$;
COMMENT ON FUNCTION process.fno_import_billed_sales_waiting() IS
  'Step of process.fno_import, last: unprocessed billed sales rows without an open proposal (none another call '
  'holds) get integrationcount + 1 and importmessage (no invoice, proposal posted or not open, proposal does not '
  'exist yet). Returns the number of those rows.';
