-- recon/invoice.sql
-- Stage posting of the reconciliation's checks, the invoice side of the chain (docs/reconciliation.md, "The
-- chain"): invoice proposal → posted invoice header and lines → posted (invoiced) project transactions and the
-- customer transaction. Each link compares a record with the one it was made from. recon.collect_findings
-- (recon/collect_findings.sql) calls recon.collect_invoice; every check inserts its findings into the temporary
-- table recon_raw that function creates, and it leaves the posted invoices with their totals in the temporary table
-- recon_invoice for recon.collect_ledger (recon/ledger.sql).

CREATE OR REPLACE FUNCTION recon.collect_invoice() RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    -- Each posted invoice with its rate and the accounting-currency amounts of its lines, as posting computes them
    -- (revenue: chargeable lines; tax: every line; each rounded per line at the invoice's rate).
    IF to_regclass('pg_temp.recon_invoice') IS NOT NULL THEN DROP TABLE pg_temp.recon_invoice; END IF;
    CREATE TEMP TABLE recon_invoice ON COMMIT DROP AS
    SELECT j.recid, j.dataareaid, j.projinvoiceid, j.proposalid, j.projinvoiceprojid, j.invoiceaccount, j.currencyid,
           j.invoicedate, j.salesorderbalance, j.sumtax, j.invoiceamount, j.ledgervoucher, j.exchrate,
           j.createddatetime, j.modifieddatetime,
           coalesce(sum(round(il.lineamount * j.exchrate / 100, 2)) FILTER (WHERE il.linepropertyid = 'Chargeable'), 0)
               AS revenuemst,
           coalesce(sum(round(il.taxamount * j.exchrate / 100, 2)), 0) AS taxmst
      FROM pg_temp.recon_in_projinvoicejour j
      LEFT JOIN pg_temp.recon_in_projinvoiceline il
        ON il.dataareaid = j.dataareaid AND il.projinvoiceid = j.projinvoiceid
     -- (every column: the input is a view or a copy, whose primary key the grouping cannot rely on)
     GROUP BY j.recid, j.dataareaid, j.projinvoiceid, j.proposalid, j.projinvoiceprojid, j.invoiceaccount, j.currencyid,
              j.invoicedate, j.salesorderbalance, j.sumtax, j.invoiceamount, j.ledgervoucher, j.exchrate,
              j.createddatetime, j.modifieddatetime;
    ANALYZE recon_invoice;

    PERFORM recon.collect_invoice_proposal();
    PERFORM recon.collect_invoice_transactions();
END;
$$;
COMMENT ON FUNCTION recon.collect_invoice() IS
  'Stage posting of recon.collect_findings, the invoice side: fills the temporary table recon_invoice (each posted '
  'invoice with revenuemst and taxmst, its chargeable lines and its tax at the invoice''s rate, rounded per line), '
  'then recon.collect_invoice_proposal and recon.collect_invoice_transactions. Inserts into recon_raw.';

CREATE OR REPLACE FUNCTION recon.collect_invoice_proposal() RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    -- I8: each posted invoice header against its proposal, and against its own total.
    INSERT INTO recon_raw (category, severity, invoicenumber, proposalid, voucher, field, expected, actual, difference,
                           amount, currency, dataareaid, since, detail)
    SELECT 'POSTED_INVOICE_PROPOSAL_MISMATCH', 'E', j.proposalid, j.proposalid, j.ledgervoucher, f.field, f.expected,
           f.actual, f.difference, coalesce(abs(f.difference), j.salesorderbalance), j.currencyid, j.dataareaid,
           greatest(j.modifieddatetime, p.modifieddatetime),
           CASE WHEN p.recid IS NULL THEN 'posted invoice ' || j.projinvoiceid || ' is for proposal ' || j.proposalid
                                          || ', which does not exist'
                ELSE 'posted invoice ' || j.projinvoiceid || ' ' || f.label || ' differs from its proposal''s' END
      FROM pg_temp.recon_in_projinvoicejour j
      LEFT JOIN pg_temp.recon_in_projproposaljour p ON p.dataareaid = j.dataareaid AND p.proposalid = j.proposalid
      LEFT JOIN recon.tolerance tol ON tol.currencyid = j.currencyid
     CROSS JOIN LATERAL (
           SELECT 'proposalid' AS field, 'proposal' AS label, NULL::text AS expected, j.proposalid AS actual,
                  NULL::numeric AS difference, false AS money
            WHERE p.recid IS NULL
           UNION ALL
           SELECT v.* FROM (VALUES
                  ('salesorderbalance', 'amount before tax', p.salesorderbalance::text, j.salesorderbalance::text,
                   j.salesorderbalance - p.salesorderbalance, true),
                  ('invoiceamount', 'total (amount before tax plus tax)', (j.salesorderbalance + j.sumtax)::text,
                   j.invoiceamount::text, j.invoiceamount - (j.salesorderbalance + j.sumtax), true),
                  ('currencyid', 'currency', p.currencyid, j.currencyid, NULL::numeric, false),
                  ('projinvoiceprojid', 'contract', p.projinvoiceprojid, j.projinvoiceprojid, NULL, false),
                  ('invoiceaccount', 'customer account', coalesce(p.invoiceaccount, j.invoiceaccount),
                   j.invoiceaccount, NULL, false),
                  ('projinvoiceid', 'invoice id (the proposal names the invoice it was posted as)', p.projinvoiceid,
                   j.projinvoiceid, NULL, false)) AS v(field, label, expected, actual, difference, money)
            WHERE p.recid IS NOT NULL AND v.expected IS DISTINCT FROM v.actual
              AND (NOT v.money OR abs(v.difference) > coalesce(tol.amount, 0))) f
    UNION ALL
    -- A proposal that names the invoice it was posted as, which F&O does not have.
    SELECT 'POSTED_INVOICE_PROPOSAL_MISMATCH', 'E', p.proposalid, p.proposalid, p.ledgervoucher, 'projinvoiceid',
           p.projinvoiceid, NULL, NULL, p.salesorderbalance, p.currencyid, p.dataareaid, p.modifieddatetime,
           'proposal ' || p.proposalid || ' was posted as invoice ' || p.projinvoiceid || ', which does not exist'
      FROM pg_temp.recon_in_projproposaljour p
     WHERE p.projinvoiceid IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM pg_temp.recon_in_projinvoicejour j
                        WHERE j.dataareaid = p.dataareaid AND j.projinvoiceid = p.projinvoiceid);

    -- I8, lines: each posted invoice's lines FULL JOIN the lines of its proposal, by transid. Lines missing or extra
    -- make one finding per invoice (field lines); a line on both sides is compared field by field.
    INSERT INTO recon_raw (category, severity, invoicenumber, proposalid, voucher, field, expected, actual, amount,
                           currency, dataareaid, since, detail)
    SELECT 'POSTED_INVOICE_PROPOSAL_MISMATCH', 'E', j.proposalid, j.proposalid, j.ledgervoucher, 'lines',
           (SELECT count(*) FROM pg_temp.recon_in_projproposalline l
             WHERE l.dataareaid = j.dataareaid AND l.proposalid = j.proposalid)::text,
           (SELECT count(*) FROM pg_temp.recon_in_projinvoiceline l
             WHERE l.dataareaid = j.dataareaid AND l.projinvoiceid = j.projinvoiceid)::text,
           m.amount, j.currencyid, j.dataareaid, greatest(j.modifieddatetime, m.since),
           'posted invoice ' || j.projinvoiceid || ' lines differ from its proposal: ' || m.transids
      FROM (SELECT x.dataareaid, x.projinvoiceid, sum(x.amount) AS amount, max(x.since) AS since,
                   string_agg(x.transid, ', ' ORDER BY x.transid) AS transids
              FROM (SELECT coalesce(pl.dataareaid, il.dataareaid) AS dataareaid,
                           coalesce(pl.projinvoiceid, il.projinvoiceid) AS projinvoiceid,
                           coalesce(pl.transid, il.transid) AS transid,
                           abs(coalesce(il.lineamount, pl.lineamount)) AS amount,
                           coalesce(il.modifieddatetime, pl.modifieddatetime) AS since
                      FROM (SELECT l.dataareaid, j2.projinvoiceid, l.transid, l.lineamount, l.modifieddatetime
                              FROM pg_temp.recon_in_projproposalline l
                              JOIN pg_temp.recon_in_projinvoicejour j2
                                ON j2.dataareaid = l.dataareaid AND j2.proposalid = l.proposalid) pl
                      FULL JOIN pg_temp.recon_in_projinvoiceline il
                        ON il.dataareaid = pl.dataareaid AND il.projinvoiceid = pl.projinvoiceid
                       AND il.transid = pl.transid
                     WHERE pl.transid IS NULL OR il.transid IS NULL) x
             GROUP BY x.dataareaid, x.projinvoiceid) m
      JOIN pg_temp.recon_in_projinvoicejour j ON j.dataareaid = m.dataareaid AND j.projinvoiceid = m.projinvoiceid
     WHERE EXISTS (SELECT 1 FROM pg_temp.recon_in_projproposaljour p
                    WHERE p.dataareaid = j.dataareaid AND p.proposalid = j.proposalid);

    INSERT INTO recon_raw (category, severity, invoicenumber, proposalid, actualid, transid, voucher, field, expected,
                           actual, difference, amount, currency, dataareaid, since, detail)
    SELECT 'POSTED_INVOICE_PROPOSAL_MISMATCH', 'E', j.proposalid, j.proposalid, pl.actualid, il.transid,
           j.ledgervoucher, f.field, f.expected, f.actual, f.difference,
           CASE WHEN f.money THEN abs(f.difference) ELSE pl.lineamount END,
           pl.currencyid, j.dataareaid, greatest(il.modifieddatetime, pl.modifieddatetime),
           'posted invoice ' || j.projinvoiceid || ' line ' || il.transid || ' ' || f.field
           || ' differs from its proposal line'
      FROM pg_temp.recon_in_projinvoicejour j
      JOIN pg_temp.recon_in_projproposalline pl ON pl.dataareaid = j.dataareaid AND pl.proposalid = j.proposalid
      JOIN pg_temp.recon_in_projinvoiceline il
        ON il.dataareaid = j.dataareaid AND il.projinvoiceid = j.projinvoiceid AND il.transid = pl.transid
      LEFT JOIN recon.tolerance tol ON tol.currencyid = pl.currencyid
     CROSS JOIN LATERAL (VALUES
           ('actualid', pl.actualid::text, il.actualid::text, NULL::numeric, false),
           ('qty', pl.qty::text, il.qty::text, il.qty - pl.qty, false),
           ('salesprice', pl.salesprice::text, il.salesprice::text, il.salesprice - pl.salesprice, true),
           ('lineamount', pl.lineamount::text, il.lineamount::text, il.lineamount - pl.lineamount, true),
           ('currencyid', pl.currencyid, il.currencyid, NULL, false),
           ('transtype', pl.transtype::text, il.transtype::text, NULL, false),
           ('linepropertyid', pl.linepropertyid, il.linepropertyid, NULL, false)
          ) AS f(field, expected, actual, difference, money)
     WHERE (pl.actualid, pl.qty, pl.salesprice, pl.lineamount, pl.currencyid, pl.transtype, pl.linepropertyid)
           IS DISTINCT FROM (il.actualid, il.qty, il.salesprice, il.lineamount, il.currencyid, il.transtype,
                             il.linepropertyid)
       AND f.expected IS DISTINCT FROM f.actual
       AND (NOT f.money OR f.difference IS NULL OR abs(f.difference) > coalesce(tol.amount, 0));
END;
$$;
COMMENT ON FUNCTION recon.collect_invoice_proposal() IS
  'Checks of stage posting, posted invoices against their proposals (I8): POSTED_INVOICE_PROPOSAL_MISMATCH for the '
  'header (amount before tax, total = amount before tax + tax, currency, contract, customer account, the invoice id '
  'the proposal names; a posted invoice of no proposal, a proposal posted as an invoice that does not exist), lines '
  'missing or extra by transid (field lines, one per invoice), and each line on both sides field by field (actual, '
  'quantity, price, amount, currency, type, line property). Inserts into recon_raw; part of recon.collect_invoice.';

CREATE OR REPLACE FUNCTION recon.collect_invoice_transactions() RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    -- Posted invoice lines FULL JOIN the posted transactions of the invoice side (those a proposal or invoice line
    -- bills), by legal entity and transid: one each, invoiced on the invoice's voucher with the line's figures.
    INSERT INTO recon_raw (category, severity, invoicenumber, proposalid, actualid, transid, voucher, field, expected,
                           actual, difference, amount, currency, dataareaid, since, detail)
    WITH il AS MATERIALIZED (
        SELECT il.dataareaid, il.transid, il.actualid, il.qty, il.lineamount, il.currencyid, il.transtype, il.projid,
               il.modifieddatetime, j.proposalid, j.ledgervoucher, j.projinvoiceid
          FROM pg_temp.recon_in_projinvoiceline il
          JOIN pg_temp.recon_in_projinvoicejour j ON j.dataareaid = il.dataareaid AND j.projinvoiceid = il.projinvoiceid),
    t AS MATERIALIZED (
        SELECT t.recid, t.dataareaid, t.transid, t.actualid, t.qty, t.amount, t.currencyid, t.transtype, t.projid,
               t.voucher, t.transstatus, t.modifieddatetime, pl.proposalid
          FROM pg_temp.recon_in_projpostedtranstable t
          LEFT JOIN pg_temp.recon_in_projproposalline pl ON pl.dataareaid = t.dataareaid AND pl.transid = t.transid
         WHERE pl.transid IS NOT NULL
            OR EXISTS (SELECT 1 FROM pg_temp.recon_in_projinvoiceline l WHERE l.dataareaid = t.dataareaid AND l.transid = t.transid))
    SELECT 'POSTED_TRANSACTION_MISMATCH', 'E', coalesce(il.proposalid, t.proposalid),
           coalesce(il.proposalid, t.proposalid), coalesce(il.actualid, t.actualid),
           coalesce(il.transid, t.transid), coalesce(il.ledgervoucher, t.voucher), f.field, f.expected, f.actual,
           f.difference, CASE WHEN f.field = 'amount' THEN abs(f.difference) ELSE coalesce(il.lineamount, t.amount) END,
           coalesce(il.currencyid, t.currencyid),
           coalesce(il.dataareaid, t.dataareaid), greatest(il.modifieddatetime, t.modifieddatetime),
           CASE WHEN t.recid IS NULL THEN 'posted invoice line ' || il.transid || ' of invoice ' || il.projinvoiceid
                                          || ' has no posted transaction'
                WHEN il.transid IS NULL THEN 'posted transaction ' || t.transid || ' bills a proposal line but no '
                                             || 'posted invoice line'
                ELSE 'posted transaction ' || t.transid || ' ' || f.field || ' differs from its invoice line' END
      FROM il
      FULL JOIN t ON t.dataareaid = il.dataareaid AND t.transid = il.transid
     CROSS JOIN LATERAL (
           SELECT 'count' AS field, CASE WHEN il.transid IS NULL THEN '0' ELSE '1' END AS expected,
                  CASE WHEN t.recid IS NULL THEN '0' ELSE '1' END AS actual, NULL::numeric AS difference
            WHERE il.transid IS NULL OR t.recid IS NULL
           UNION ALL
           SELECT v.* FROM (VALUES
                  ('actualid', il.actualid::text, t.actualid::text, NULL::numeric),
                  ('qty', il.qty::text, t.qty::text, t.qty - il.qty),
                  ('amount', il.lineamount::text, t.amount::text, t.amount - il.lineamount),
                  ('currencyid', il.currencyid, t.currencyid, NULL),
                  ('transtype', il.transtype::text, t.transtype::text, NULL),
                  ('projid', il.projid, t.projid, NULL),
                  ('voucher', il.ledgervoucher, t.voucher, NULL),
                  ('transstatus', optionset.code('projtransstatus', 'Invoiced')::text, t.transstatus::text, NULL)
                 ) AS v(field, expected, actual, difference)
            WHERE il.transid IS NOT NULL AND t.recid IS NOT NULL AND v.expected IS DISTINCT FROM v.actual) f
     WHERE il.transid IS NULL OR t.recid IS NULL
        OR (il.actualid, il.qty, il.lineamount, il.currencyid, il.transtype, il.projid, il.ledgervoucher,
            optionset.code('projtransstatus', 'Invoiced'))
           IS DISTINCT FROM (t.actualid, t.qty, t.amount, t.currencyid, t.transtype, t.projid, t.voucher,
                             t.transstatus);
    -- (A transid is posted at most once: it is unique per legal entity in fno.projpostedtranstable. An invoice line
    -- posted twice under another transid is a transaction no line bills, reported on the journal side.)

    -- Each posted invoice FULL JOIN the customer transactions of its invoice id: one each, equal to the invoice.
    INSERT INTO recon_raw (category, severity, invoicenumber, proposalid, voucher, field, expected, actual, difference,
                           amount, currency, dataareaid, since, detail)
    SELECT 'CUSTOMER_TRANSACTION_MISMATCH', 'E', j.proposalid, j.proposalid, coalesce(j.ledgervoucher, c.voucher),
           f.field, f.expected, f.actual, f.difference, coalesce(abs(f.difference), j.invoiceamount, c.amountcur),
           CASE WHEN f.field = 'amountmst' THEN l.accountingcurrency ELSE coalesce(j.currencyid, c.currencycode) END,
           coalesce(j.dataareaid, c.dataareaid), greatest(j.modifieddatetime, c.modifieddatetime),
           CASE WHEN c.recid IS NULL THEN 'posted invoice ' || j.projinvoiceid || ' has no customer transaction'
                WHEN j.recid IS NULL THEN 'customer transaction ' || c.recid || ' is for invoice '
                                          || coalesce(c.invoice, '(none)') || ', which is no posted project invoice'
                ELSE 'customer transaction of invoice ' || j.projinvoiceid || ' ' || f.field
                     || ' differs from the invoice' END
      FROM recon_invoice j
      FULL JOIN pg_temp.recon_in_custtrans c ON c.dataareaid = j.dataareaid AND c.invoice = j.projinvoiceid
      LEFT JOIN fno.ledger l ON l.dataareaid = coalesce(j.dataareaid, c.dataareaid)
     CROSS JOIN LATERAL (
           SELECT 'count' AS field, CASE WHEN j.recid IS NULL THEN '0' ELSE '1' END AS expected,
                  CASE WHEN c.recid IS NULL THEN '0' ELSE '1' END AS actual, NULL::numeric AS difference
            WHERE j.recid IS NULL OR c.recid IS NULL
           UNION ALL
           SELECT v.* FROM (VALUES
                  ('amountcur', j.invoiceamount::text, c.amountcur::text, c.amountcur - j.invoiceamount),
                  ('amountmst', (j.revenuemst + j.taxmst)::text, c.amountmst::text,
                   c.amountmst - (j.revenuemst + j.taxmst)),
                  ('currencycode', j.currencyid, c.currencycode, NULL::numeric),
                  ('accountnum', j.invoiceaccount, c.accountnum, NULL),
                  ('voucher', j.ledgervoucher, c.voucher, NULL),
                  ('transdate', j.invoicedate::text, c.transdate::text, NULL)) AS v(field, expected, actual, difference)
            WHERE j.recid IS NOT NULL AND c.recid IS NOT NULL AND v.expected IS DISTINCT FROM v.actual) f
     WHERE j.recid IS NULL OR c.recid IS NULL
        OR (j.invoiceamount, j.revenuemst + j.taxmst, j.currencyid, j.invoiceaccount, j.ledgervoucher, j.invoicedate)
           IS DISTINCT FROM (c.amountcur, c.amountmst, c.currencycode, c.accountnum, c.voucher, c.transdate)
    UNION ALL
    SELECT 'CUSTOMER_TRANSACTION_MISMATCH', 'E', j.proposalid, j.proposalid, j.ledgervoucher, 'count', '1', d.n::text,
           NULL, j.invoiceamount, j.currencyid, j.dataareaid, d.since,
           'posted invoice ' || j.projinvoiceid || ' has ' || d.n || ' customer transactions'
      FROM (SELECT c.dataareaid, c.invoice, count(*) AS n, max(c.modifieddatetime) AS since
              FROM pg_temp.recon_in_custtrans c GROUP BY c.dataareaid, c.invoice HAVING count(*) > 1) d
      JOIN recon_invoice j ON j.dataareaid = d.dataareaid AND j.projinvoiceid = d.invoice;
END;
$$;
COMMENT ON FUNCTION recon.collect_invoice_transactions() IS
  'Checks of stage posting after an invoice posts: POSTED_TRANSACTION_MISMATCH (posted invoice lines FULL JOIN the '
  'posted transactions a proposal or invoice line bills, by transid: one each, actual, quantity, amount, currency, '
  'type, project, the invoice''s voucher, Invoiced) and CUSTOMER_TRANSACTION_MISMATCH (each posted invoice FULL JOIN '
  'the customer transactions of its invoice id: one each, amount with tax, accounting amount, currency, customer, '
  'voucher, date). Inserts into recon_raw; part of recon.collect_invoice.';
