-- recon/journal.sql
-- Stage posting of the reconciliation's checks, the journal side of the chain (docs/reconciliation.md, "The chain"):
-- imported staging row → integration journal line → posted project transaction. Each link compares a record with
-- the one it was made from. recon.collect_findings (recon/collect_findings.sql) calls recon.collect_journal; every
-- check inserts its findings into the temporary table recon_raw that function creates, and it leaves the posted
-- transactions of the journal side in the temporary table recon_journal_trans for recon.collect_ledger
-- (recon/ledger.sql).

CREATE OR REPLACE FUNCTION recon.collect_journal() RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    -- The posted transactions of the journal side: those no proposal or invoice line bills. kind is what the
    -- journal posted: sales for an unbilled sale (WIP), none for a billed sale (no journal posts one: it is only a
    -- transaction nothing posted), else cost.
    IF to_regclass('pg_temp.recon_journal_trans') IS NOT NULL THEN DROP TABLE pg_temp.recon_journal_trans; END IF;
    CREATE TEMP TABLE recon_journal_trans ON COMMIT DROP AS
    SELECT t.recid, t.dataareaid, t.actualid, t.transid, t.qty, t.amount, t.amountmst, t.currencyid, t.transtype,
           t.projid, t.transdate, t.voucher, t.modifieddatetime,
           CASE s.transtype WHEN optionset.code('transactiontype', 'Unbilled Sales') THEN 'sales'
                            WHEN optionset.code('transactiontype', 'Billed Sales') THEN NULL
                            ELSE 'cost' END AS kind
      FROM pg_temp.recon_in_projpostedtranstable t
      LEFT JOIN (SELECT s.dataareaid, s.actualid, min(s.transtype) AS transtype FROM pg_temp.recon_in_projcdsactualsimport s
                  WHERE NOT s.isduplicate GROUP BY s.dataareaid, s.actualid) s
        ON s.actualid = t.actualid AND s.dataareaid = t.dataareaid
     WHERE NOT EXISTS (SELECT 1 FROM pg_temp.recon_in_projproposalline l WHERE l.dataareaid = t.dataareaid AND l.transid = t.transid)
       AND NOT EXISTS (SELECT 1 FROM pg_temp.recon_in_projinvoiceline l WHERE l.dataareaid = t.dataareaid AND l.transid = t.transid);
    ANALYZE recon_journal_trans;

    -- Imported cost and unbilled-sales staging rows against the journal line they point to.
    INSERT INTO recon_raw (category, severity, invoicenumber, actualid, voucher, field, expected, actual, difference,
                           amount, currency, dataareaid, since, detail)
    SELECT 'JOURNAL_LINE_MISMATCH', 'E', s.invoiceid, s.actualid, jl.voucher, f.field, f.expected, f.actual,
           f.difference, CASE WHEN f.field = 'lineamount' THEN abs(f.difference) ELSE s.amount END,
           s.transactioncurrencyid, s.dataareaid,
           greatest(s.modifieddatetime, jl.modifieddatetime),
           CASE WHEN jl.recid IS NULL
                THEN 'imported staging row points to journal line '
                     || coalesce(s.projadvancedjournalline::text, '(none)')
                     || ', which does not exist'
                ELSE 'journal line ' || jl.recid || ' ' || f.field || ' is ' || coalesce(f.actual, 'empty')
                     || ', its staging row''s is ' || coalesce(f.expected, 'empty') END
      FROM pg_temp.recon_in_projcdsactualsimport s
      LEFT JOIN pg_temp.recon_in_projadvancedjournalline jl ON jl.recid = s.projadvancedjournalline
     CROSS JOIN LATERAL (
           SELECT 'projadvancedjournalline' AS field, s.projadvancedjournalline::text AS expected, NULL::text AS actual,
                  NULL::numeric AS difference
            WHERE jl.recid IS NULL
           UNION ALL
           SELECT v.* FROM (VALUES
                  ('dataareaid', s.dataareaid, jl.dataareaid, NULL::numeric),
                  ('actualid', s.actualid::text, jl.actualid::text, NULL),
                  ('transtype', process.fno_transtype(s.transactionclassification)::text, jl.transtype::text, NULL),
                  ('projid', s.projectid, jl.projid, NULL),
                  ('transdate', s.documentdate::text, jl.transdate::text, NULL),
                  ('accountingdate', coalesce(s.accountingdate, s.documentdate)::text, jl.accountingdate::text, NULL),
                  ('qty', s.quantity::text, jl.qty::text, jl.qty - s.quantity),
                  ('lineamount', s.amount::text, jl.lineamount::text, jl.lineamount - s.amount),
                  ('currencyid', s.transactioncurrencyid, jl.currencyid, NULL))
                  AS v(field, expected, actual, difference)
            WHERE jl.recid IS NOT NULL AND v.expected IS DISTINCT FROM v.actual) f
     WHERE s.isprocessed AND NOT s.isduplicate
       AND s.transtype = ANY (optionset.codes('transactiontype', 'Cost', 'Unbilled Sales'))
       AND (jl.recid IS NULL
            OR (s.dataareaid, s.actualid, process.fno_transtype(s.transactionclassification), s.projectid,
                s.documentdate, coalesce(s.accountingdate, s.documentdate), s.quantity, s.amount,
                s.transactioncurrencyid)
               IS DISTINCT FROM
               (jl.dataareaid, jl.actualid, jl.transtype, jl.projid, jl.transdate, jl.accountingdate, jl.qty,
                jl.lineamount, jl.currencyid));

    -- Journal lines no staging row points to (a second line for one actual is one of them).
    INSERT INTO recon_raw (category, severity, actualid, voucher, field, expected, actual, amount, currency, dataareaid,
                           since, detail)
    SELECT 'JOURNAL_LINE_MISMATCH', 'E', jl.actualid, jl.voucher, 'projadvancedjournalline', NULL, jl.recid::text,
           jl.lineamount, jl.currencyid, jl.dataareaid, jl.modifieddatetime,
           'journal line ' || jl.recid || ' of journal ' || j.journalid || ' is for actual ' || jl.actualid
           || ', but no staging row points to it'
      FROM pg_temp.recon_in_projadvancedjournalline jl
      JOIN fno.projadvancedjournal j ON j.recid = jl.projadvancedjournal
     WHERE NOT EXISTS (SELECT 1 FROM pg_temp.recon_in_projcdsactualsimport s
                        WHERE s.projadvancedjournalline = jl.recid AND NOT s.isduplicate);

    -- Posted journal lines FULL JOIN the posted transactions of the journal side (those no proposal or invoice line
    -- bills), by legal entity and actual: one each, with the line's figures and voucher.
    INSERT INTO recon_raw (category, severity, actualid, transid, voucher, field, expected, actual, difference, amount,
                           currency, dataareaid, since, detail)
    WITH jl AS MATERIALIZED (
        SELECT jl.recid, jl.dataareaid, jl.actualid, jl.qty, jl.lineamount, jl.currencyid, jl.transtype, jl.projid,
               jl.transdate, jl.voucher, jl.modifieddatetime
          FROM pg_temp.recon_in_projadvancedjournalline jl
         WHERE jl.status = optionset.code('projadvancedjournalstatus', 'Posted'))
    SELECT 'POSTED_TRANSACTION_MISMATCH', 'E', coalesce(jl.actualid, t.actualid), t.transid, coalesce(jl.voucher, t.voucher),
           f.field, f.expected, f.actual, f.difference,
           CASE WHEN f.field = 'amount' THEN abs(f.difference) ELSE coalesce(jl.lineamount, t.amount) END,
           coalesce(jl.currencyid, t.currencyid), coalesce(jl.dataareaid, t.dataareaid),
           greatest(jl.modifieddatetime, t.modifieddatetime),
           CASE WHEN t.recid IS NULL THEN 'posted journal line ' || jl.recid || ' has no posted transaction'
                WHEN jl.recid IS NULL THEN 'posted transaction ' || t.transid || ' was posted by no journal line or invoice'
                ELSE 'posted transaction ' || t.transid || ' ' || f.field || ' differs from its journal line' END
      FROM jl
      -- (the temporary table itself, not a CTE of it: with its statistics the planner hashes the join instead of
      -- sorting both sides)
      FULL JOIN recon_journal_trans t ON t.dataareaid = jl.dataareaid AND t.actualid = jl.actualid
     CROSS JOIN LATERAL (
           SELECT 'count' AS field, CASE WHEN jl.recid IS NULL THEN '0' ELSE '1' END AS expected,
                  CASE WHEN t.recid IS NULL THEN '0' ELSE '1' END AS actual, NULL::numeric AS difference
            WHERE jl.recid IS NULL OR t.recid IS NULL
           UNION ALL
           SELECT v.* FROM (VALUES
                  ('qty', jl.qty::text, t.qty::text, t.qty - jl.qty),
                  ('amount', jl.lineamount::text, t.amount::text, t.amount - jl.lineamount),
                  ('currencyid', jl.currencyid, t.currencyid, NULL::numeric),
                  ('transtype', jl.transtype::text, t.transtype::text, NULL),
                  ('projid', jl.projid, t.projid, NULL),
                  ('transdate', jl.transdate::text, t.transdate::text, NULL),
                  ('voucher', jl.voucher, t.voucher, NULL)) AS v(field, expected, actual, difference)
            WHERE jl.recid IS NOT NULL AND t.recid IS NOT NULL AND v.expected IS DISTINCT FROM v.actual) f
     WHERE jl.recid IS NULL OR t.recid IS NULL
        OR (jl.qty, jl.lineamount, jl.currencyid, jl.transtype, jl.projid, jl.transdate, jl.voucher)
           IS DISTINCT FROM (t.qty, t.amount, t.currencyid, t.transtype, t.projid, t.transdate, t.voucher)
    UNION ALL
    -- A posted journal line with more than one posted transaction of its actual.
    SELECT 'POSTED_TRANSACTION_MISMATCH', 'E', d.actualid, NULL, jl.voucher, 'count', '1', d.n::text, NULL, jl.lineamount,
           jl.currencyid, jl.dataareaid, d.since,
           'posted journal line ' || jl.recid || ' has ' || d.n || ' posted transactions: ' || d.transids
      -- (the actuals with more than one are found first, without the ordered list, which needs a sort)
      FROM (SELECT t.dataareaid, t.actualid, count(*) AS n, max(t.modifieddatetime) AS since,
                   string_agg(t.transid, ', ' ORDER BY t.transid) AS transids
              FROM recon_journal_trans t
              JOIN (SELECT k.dataareaid, k.actualid FROM recon_journal_trans k
                     GROUP BY k.dataareaid, k.actualid HAVING count(*) > 1) k
                ON k.dataareaid = t.dataareaid AND k.actualid = t.actualid
             GROUP BY t.dataareaid, t.actualid) d
      JOIN jl ON jl.dataareaid = d.dataareaid AND jl.actualid = d.actualid;
END;
$$;
COMMENT ON FUNCTION recon.collect_journal() IS
  'Checks of stage posting, the journal side; fills the temporary table recon_journal_trans (the posted transactions '
  'no proposal or invoice line bills, with kind sales for an unbilled sale, none for a billed sale, else cost). '
  'JOURNAL_LINE_MISMATCH (imported cost and unbilled-sales staging rows against their integration journal line, field by field; journal lines no staging row points to) and '
  'POSTED_TRANSACTION_MISMATCH (posted journal lines FULL JOIN the posted transactions no proposal or invoice line '
  'bills, by legal entity and actual: one each, quantity, amount, currency, type, project, date, voucher). Inserts '
  'into recon_raw; part of recon.collect_findings.';
