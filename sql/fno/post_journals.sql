-- fno/post_journals.sql
-- Post integration journals.

CREATE OR REPLACE FUNCTION process.fno_post_journals(p_journalid text DEFAULT NULL)
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
         WHERE j.status = optionset.code('projadvancedjournalstatus', 'Draft')
         ORDER BY j.recid
           FOR UPDATE OF j SKIP LOCKED;
    ELSE
        CREATE TEMP TABLE fno_pj_journal ON COMMIT DROP AS
        SELECT j.recid, j.dataareaid, j.journalid, l.accountingcurrency AS acccur
          FROM fno.projadvancedjournal j
          LEFT JOIN fno.ledger l ON l.dataareaid = j.dataareaid
         WHERE j.status = optionset.code('projadvancedjournalstatus', 'Draft') AND j.journalid = p_journalid
         ORDER BY j.recid
           FOR UPDATE OF j;
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        IF v_rows = 0 THEN
            SELECT j.status INTO v_state FROM fno.projadvancedjournal j WHERE j.journalid = p_journalid LIMIT 1;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'integration journal % does not exist', p_journalid;
            ELSIF v_state.status = optionset.code('projadvancedjournalstatus', 'Posted') THEN
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
              JOIN fno.projadvancedjournalline l ON l.projadvancedjournal = j.recid AND l.status = optionset.code('projadvancedjournalstatus', 'Draft')) q;
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
           CASE WHEN s.transtype = optionset.code('transactiontype', 'Unbilled Sales') OR (s.recid IS NULL AND l.salespriceonly) THEN 'sales' ELSE 'cost' END AS kind
      FROM fno_pj_line l
      LEFT JOIN fno.projcdsactualsimport s ON s.actualid = l.actualid AND s.projadvancedjournalline = l.recid;
    IF v_lines > 10000 THEN
        ANALYZE fno_pj_stage;
    END IF;

    -- One voucher (and one general journal entry) per journal that has lines.
    CREATE TEMP TABLE fno_voucher ON COMMIT DROP AS
    SELECT nextval(v_gje_seq) AS gjerecid, v.*,
           process.fno_number('PV-', nextval('fno.voucher_seq'), 6) AS voucher
      FROM (SELECT l.journalrecid, l.dataareaid, l.journalid AS documentnumber, max(l.accdate) AS accdate
              FROM fno_pj_line l
             GROUP BY l.journalrecid, l.dataareaid, l.journalid
             ORDER BY l.journalrecid) v;

    -- Summed per account and transaction currency; each credit is minus its debit.
    CREATE TEMP TABLE fno_voucher_amount ON COMMIT DROP AS
    SELECT v.gjerecid, row_number() OVER (ORDER BY v.gjerecid, s.kind, s.currencyid, a.ord) AS pos, a.mainaccount,
           a.mst, a.cur, s.currencyid AS currency, a.text
      FROM (SELECT l.journalrecid, st.kind, l.currencyid, sum(l.amountmst) AS mst, sum(l.amount) AS cur
              FROM fno_pj_line l
              JOIN fno_pj_stage st ON st.recid = l.recid
             GROUP BY l.journalrecid, st.kind, l.currencyid) s
      JOIN fno_voucher v ON v.journalrecid = s.journalrecid
     CROSS JOIN LATERAL (VALUES
            (1, CASE s.kind WHEN 'cost' THEN '600100' ELSE '130500' END, s.mst, s.cur,
                CASE s.kind WHEN 'cost' THEN 'Project cost' ELSE 'WIP - sales value' END),
            (2, CASE s.kind WHEN 'cost' THEN '200150' ELSE '401300' END, -s.mst, -s.cur,
                CASE s.kind WHEN 'cost' THEN 'Cost offset (accrued payables)' ELSE 'Accrued revenue' END)
          ) AS a(ord, mainaccount, mst, cur, text);
    PERFORM process.fno_write_vouchers();

    INSERT INTO fno.projpostedtranstable
           (dataareaid, transid, actualid, projid, transtype, categoryid, linepropertyid, transdate, qty, amount,
            amountmst, currencyid, voucher, transstatus)
    SELECT q.dataareaid, process.fno_number('PT-', nextval('fno.transid_seq'), 8), q.actualid, q.projid, q.transtype,
           q.categoryid, q.linepropertyid, q.transdate, q.qty, q.amount, q.amountmst, q.currencyid, q.voucher,
           optionset.code('projtransstatus', 'Posted')
      FROM (SELECT l.*, v.voucher
              FROM fno_pj_line l
              JOIN fno_voucher v ON v.journalrecid = l.journalrecid
             ORDER BY l.journalrecid, l.linenum) q;

    UPDATE fno.projadvancedjournalline jl
       SET status = optionset.code('projadvancedjournalstatus', 'Posted'), voucher = v.voucher, modifieddatetime = now()
      FROM fno_pj_line l
      JOIN fno_voucher v ON v.journalrecid = l.journalrecid
     WHERE jl.recid = l.recid;

    UPDATE fno.projadvancedjournal j
       SET status = optionset.code('projadvancedjournalstatus', 'Posted'), posteddatetime = now(), modifieddatetime = now()
      FROM fno_pj_journal p
     WHERE j.recid = p.recid;
    GET DIAGNOSTICS v_journals = ROW_COUNT;

    -- Write-back on the staging rows (dual-write carries it to the actuals).
    UPDATE fno.projcdsactualsimport s
       SET vouchernumber = v.voucher, accountingamount = l.amountmst, exchangerate = round(1 / l.rate, 10),
           exchangeratedate = l.accdate, salestaxamount = 0, isjournalized = true, modifieddatetime = now()
      FROM fno_pj_stage st
      JOIN fno_pj_line l ON l.recid = st.recid
      JOIN fno_voucher v ON v.journalrecid = l.journalrecid
     WHERE s.recid = st.stagingrecid;

    DROP TABLE fno_pj_journal, fno_pj_line, fno_pj_stage, fno_voucher, fno_voucher_amount;
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
