-- recon/ledger.sql
-- Stage posting of the reconciliation's checks, the ledger end of the chain (docs/reconciliation.md, "The chain"):
-- each ledger voucher against the postings behind it, and every voucher balanced. recon.collect_findings
-- (recon/collect_findings.sql) calls recon.collect_ledger after recon.collect_journal and recon.collect_invoice, whose
-- temporary tables recon_journal_trans and recon_invoice it reads; every check inserts its findings into the
-- temporary table recon_raw.

CREATE OR REPLACE FUNCTION recon.collect_ledger() RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    -- What each voucher's ledger lines must sum to per main account and transaction currency (debit positive), as
    -- posting writes them: a journal voucher from its posted transactions (cost Dr 600100 / Cr 200150, unbilled
    -- sales Dr 130500 / Cr 401300); an invoice voucher from its posted invoice (Dr 130100 the total, Cr 401100 the
    -- amount before tax, Cr 222200 the tax; its WIP reversal, 401300 / 130500, is WIP_NOT_REVERSED's) FULL JOIN the
    -- ledger lines; a voucher nothing posted is expected to have none.
    INSERT INTO recon_raw (category, severity, invoicenumber, proposalid, voucher, field, expected, actual, difference,
                           amount, currency, dataareaid, since, detail)
    -- (Summed per voucher, account and currency over everything posted on it: two postings that share a voucher
    -- number count together.)
    WITH expected AS (
        SELECT p.dataareaid, p.voucher, p.mainaccount, p.currency, sum(p.mst) AS mst, sum(p.cur) AS cur,
               max(p.since) AS since
          FROM (SELECT t.dataareaid, t.voucher, a.mainaccount, t.currencyid AS currency, a.sign * t.amountmst AS mst,
                       a.sign * t.amount AS cur, t.modifieddatetime AS since
                  FROM recon_journal_trans t
                 CROSS JOIN LATERAL (VALUES (CASE t.kind WHEN 'cost' THEN '600100' ELSE '130500' END, 1),
                                            (CASE t.kind WHEN 'cost' THEN '200150' ELSE '401300' END, -1))
                       AS a(mainaccount, sign)
                 WHERE t.voucher IS NOT NULL AND t.kind IS NOT NULL
                UNION ALL
                SELECT j.dataareaid, j.ledgervoucher, a.mainaccount, j.currencyid, a.mst, a.cur, j.modifieddatetime
                  FROM recon_invoice j
                 CROSS JOIN LATERAL (VALUES ('130100', j.revenuemst + j.taxmst, j.invoiceamount),
                                            ('401100', -j.revenuemst, -j.salesorderbalance),
                                            ('222200', -j.taxmst, -j.sumtax)) AS a(mainaccount, mst, cur)
                 WHERE j.ledgervoucher IS NOT NULL) p
         GROUP BY p.dataareaid, p.voucher, p.mainaccount, p.currency),
    ledger AS (
        SELECT e.dataareaid, e.voucher, e.mainaccount, e.transactioncurrencycode AS currency,
               sum(e.accountingcurrencyamount) AS mst, sum(e.transactioncurrencyamount) AS cur,
               max(e.modifieddatetime) AS since
          FROM pg_temp.recon_in_generaljournalaccountentry e
          LEFT JOIN (SELECT DISTINCT j.dataareaid, j.ledgervoucher FROM recon_invoice j) iv
            ON iv.dataareaid = e.dataareaid AND iv.ledgervoucher = e.voucher
         WHERE NOT (e.mainaccount IN ('401300', '130500') AND iv.ledgervoucher IS NOT NULL)
         GROUP BY e.dataareaid, e.voucher, e.mainaccount, e.transactioncurrencycode)
    SELECT 'VOUCHER_MISMATCH', 'E', x.proposalid, x.proposalid, x.voucher,
           x.mainaccount || ' ' || x.currency || ' ' || f.column_name, f.expected::text, f.actual::text,
           f.actual - f.expected, abs(f.actual - f.expected),
           CASE WHEN f.column_name = 'accountingcurrencyamount' THEN l.accountingcurrency ELSE x.currency END,
           x.dataareaid, x.since,
           'voucher ' || x.voucher || ' ' || x.mainaccount || ' in ' || x.currency || ': '
           || replace(f.column_name, 'currencyamount', ' currency amount') || ' is ' || f.actual
           || ', the postings behind it make ' || f.expected
      FROM (SELECT coalesce(ex.dataareaid, lg.dataareaid) AS dataareaid, coalesce(ex.voucher, lg.voucher) AS voucher,
                   coalesce(ex.mainaccount, lg.mainaccount) AS mainaccount, coalesce(ex.currency, lg.currency) AS currency,
                   (SELECT j.proposalid FROM recon_invoice j
                     WHERE j.dataareaid = coalesce(ex.dataareaid, lg.dataareaid)
                       AND j.ledgervoucher = coalesce(ex.voucher, lg.voucher) LIMIT 1) AS proposalid,
                   coalesce(ex.mst, 0) AS ex_mst, coalesce(ex.cur, 0) AS ex_cur,
                   coalesce(lg.mst, 0) AS lg_mst, coalesce(lg.cur, 0) AS lg_cur,
                   greatest(ex.since, lg.since) AS since
              FROM expected ex
              FULL JOIN ledger lg
                ON lg.dataareaid = ex.dataareaid AND lg.voucher = ex.voucher AND lg.mainaccount = ex.mainaccount
               AND lg.currency = ex.currency
             WHERE (coalesce(ex.mst, 0), coalesce(ex.cur, 0)) IS DISTINCT FROM (coalesce(lg.mst, 0), coalesce(lg.cur, 0))) x
      LEFT JOIN fno.ledger l ON l.dataareaid = x.dataareaid
     CROSS JOIN LATERAL (VALUES ('accountingcurrencyamount', x.ex_mst, x.lg_mst),
                                ('transactioncurrencyamount', x.ex_cur, x.lg_cur)) AS f(column_name, expected, actual)
     WHERE f.expected <> f.actual;

    INSERT INTO recon_raw (category, severity, voucher, expected, actual, difference, amount, currency, dataareaid,
                           since, detail)
    SELECT 'UNBALANCED_VOUCHER', 'E', v.voucher, '0', v.total::text, v.total, abs(v.total), l.accountingcurrency,
           v.dataareaid, v.since, 'voucher accounting amounts sum to ' || v.total || ', not 0'
      FROM (SELECT e.dataareaid, e.voucher, sum(e.accountingcurrencyamount) AS total, max(e.createddatetime) AS since
              FROM pg_temp.recon_in_generaljournalaccountentry e
             GROUP BY e.dataareaid, e.voucher
            HAVING sum(e.accountingcurrencyamount) <> 0) v
      LEFT JOIN fno.ledger l ON l.dataareaid = v.dataareaid;
END;
$$;
COMMENT ON FUNCTION recon.collect_ledger() IS
  'Checks of stage posting, the ledger: VOUCHER_MISMATCH (per voucher, main account and transaction currency, the '
  'ledger lines against the postings behind them in accounting and transaction currency: journal vouchers from '
  'recon_journal_trans, cost 600100 / 200150 and WIP 130500 / 401300; invoice vouchers from recon_invoice, 130100 '
  'total, 401100 amount before tax, 222200 tax; lines on a voucher nothing posted) and UNBALANCED_VOUCHER. Inserts '
  'into recon_raw; part of recon.collect_findings.';
