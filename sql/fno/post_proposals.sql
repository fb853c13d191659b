-- fno/post_proposals.sql
-- Post invoice proposals: a driver and its steps, which share the call's temporary tables (fno_pp_*, and
-- fno_voucher and fno_voucher_amount for process.fno_write_vouchers; ON COMMIT DROP, dropped by the driver at its end
-- so a second call in one transaction works).

CREATE OR REPLACE FUNCTION process.fno_post_proposals(p_proposalid text DEFAULT NULL)
RETURNS TABLE (proposals bigint, lines bigint, skipped bigint)
LANGUAGE plpgsql
SET work_mem = '128MB'
SET jit = off
AS $$
DECLARE
    v_proposals bigint;
    v_lines     bigint;
    v_skipped   bigint;
BEGIN
    v_skipped := process.fno_post_proposals_claim(p_proposalid);

    -- Tax by the current header tax group (the AR clerk may have changed it since the import).
    PERFORM process.fno_proposal_recompute_tax(ARRAY(SELECT p.recid FROM fno_pp_prop p));

    SELECT s.proposals, s.lines INTO v_proposals, v_lines FROM process.fno_post_proposals_prepare() s;
    PERFORM process.fno_post_proposals_vouchers();
    PERFORM process.fno_post_proposals_invoices();

    DROP TABLE fno_pp_prop, fno_pp_head, fno_pp_line, fno_pp_wip, fno_voucher, fno_voucher_amount;
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

CREATE OR REPLACE FUNCTION process.fno_post_proposals_claim(p_proposalid text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_rows    bigint;
    v_skipped bigint := 0;
    v_state   record;
BEGIN
    IF p_proposalid IS NULL THEN
        CREATE TEMP TABLE fno_pp_prop ON COMMIT DROP AS
        SELECT j.recid, j.dataareaid, j.proposalid
          FROM fno.projproposaljour j
         WHERE j.status = optionset.code('proposalstatus', 'Open') AND j.projinvoiceid IS NULL
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
         WHERE j.status = optionset.code('proposalstatus', 'Open') AND j.projinvoiceid IS NULL AND j.proposalid = p_proposalid
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
    RETURN v_skipped;
END
$$;
COMMENT ON FUNCTION process.fno_post_proposals_claim(text) IS
  'Step of process.fno_post_proposals, first: claims the open proposals to post (fno_pp_prop). All when p_proposalid '
  'is NULL, skipping those another call holds and leaving out those without lines; else the one named, waiting for a '
  'call that holds it, refused when unknown, already posted, not open or without lines. Returns the number of '
  'proposals left out for having no lines.';

CREATE OR REPLACE FUNCTION process.fno_post_proposals_prepare(OUT proposals bigint, OUT lines bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_gje_seq regclass := pg_get_serial_sequence('fno.generaljournalentry', 'recid');
    v_state   record;
BEGIN
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
    GET DIAGNOSTICS proposals = ROW_COUNT;

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
    GET DIAGNOSTICS lines = ROW_COUNT;
    IF lines > 10000 THEN
        ANALYZE fno_pp_line;
    END IF;

    -- WIP to reverse: posted (transstatus Posted) unbilled sales connected to a billed sale of the proposal, each
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
        ON t.actualid = k.other AND t.dataareaid IS NOT DISTINCT FROM k.dataareaid AND t.transstatus = optionset.code('projtransstatus', 'Posted')
     WHERE k.role = optionset.code('transactiontype', 'Unbilled Sales')::text
        OR EXISTS (SELECT 1 FROM fno.projcdsactualsimport u
                    WHERE u.actualid = t.actualid AND u.dataareaid IS NOT DISTINCT FROM t.dataareaid AND u.transtype = optionset.code('transactiontype', 'Unbilled Sales'))
     ORDER BY t.recid, k.headrecid;
    -- Lock them and drop any another posting invoiced meanwhile, so WIP is never reversed twice.
    PERFORM 1 FROM fno.projpostedtranstable t
     WHERE t.recid IN (SELECT w.recid FROM fno_pp_wip w)
     ORDER BY t.recid
       FOR UPDATE OF t;
    DELETE FROM fno_pp_wip w
     WHERE (SELECT t.transstatus FROM fno.projpostedtranstable t WHERE t.recid = w.recid)
           IS DISTINCT FROM optionset.code('projtransstatus', 'Posted');

    SELECT w.transid INTO v_state FROM fno_pp_wip w WHERE w.amountmst IS NULL LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'posted transaction % has no accounting amount: its WIP cannot be reversed', v_state.transid;
    END IF;
END
$$;
COMMENT ON FUNCTION process.fno_post_proposals_prepare() IS
  'Step of process.fno_post_proposals: numbers each claimed proposal''s invoice (CIV-nnnnnn), voucher (IV-nnnnnn) '
  'and general journal entry with its rate and invoice account (fno_pp_head), refusing a proposal without either; '
  'its lines with amounts in accounting currency (fno_pp_line); and the posted unbilled sales whose WIP it reverses '
  '(fno_pp_wip), locked and re-checked, refusing one without accounting amount. Returns the numbers of proposals and '
  'lines.';

CREATE OR REPLACE FUNCTION process.fno_post_proposals_vouchers() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- One voucher per proposal, dated on the invoice date, the invoice id as document number.
    CREATE TEMP TABLE fno_voucher ON COMMIT DROP AS
    SELECT h.gjerecid, h.dataareaid, h.voucher, h.invdate AS accdate, h.projinvoiceid AS documentnumber
      FROM fno_pp_head h;

    -- AR = revenue + tax in both currencies; revenue and tax in accounting currency are sums of per-line rounded
    -- figures, and each WIP reversal credit is minus its debit, so every voucher sums to zero.
    CREATE TEMP TABLE fno_voucher_amount ON COMMIT DROP AS
    SELECT h.gjerecid, row_number() OVER (ORDER BY h.gjerecid, g.ord, g.currency) AS pos, g.mainaccount, g.mst, g.cur,
           g.currency, g.text
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
                  ) AS a(ord, mainaccount, mst, cur, currency, text)) g ON g.headrecid = h.recid;
    PERFORM process.fno_write_vouchers();
END
$$;
COMMENT ON FUNCTION process.fno_post_proposals_vouchers() IS
  'Step of process.fno_post_proposals: the voucher of each proposal through process.fno_write_vouchers: Dr 130100 = '
  'revenue + tax, Cr 401100 revenue, Cr 222200 tax, and per currency of the WIP it reverses Dr 401300 / Cr 130500.';

CREATE OR REPLACE FUNCTION process.fno_post_proposals_invoices() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
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
           l.qty, l.lineamount, l.amountmst, l.currencyid, l.voucher, optionset.code('projtransstatus', 'Invoiced')
      FROM fno_pp_line l
     ORDER BY l.headrecid, l.transid;

    UPDATE fno.projpostedtranstable t
       SET transstatus = optionset.code('projtransstatus', 'Invoiced'), modifieddatetime = now()
      FROM fno_pp_wip w
     WHERE t.recid = w.recid;

    UPDATE fno.projproposaljour j
       SET status = optionset.code('proposalstatus', 'Invoiced'), projinvoiceid = h.projinvoiceid, ledgervoucher = h.voucher, invoicedate = h.invdate,
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
END
$$;
COMMENT ON FUNCTION process.fno_post_proposals_invoices() IS
  'Step of process.fno_post_proposals, last: per proposal a projinvoicejour with its projinvoicelines and a custtrans, '
  'a posted transaction per line (Invoiced), the reversed WIP Invoiced, the proposal Invoiced with its invoice id and '
  'voucher, and the write-back on the billed sales staging rows.';
