-- recon/control_totals.sql
-- Stage control of the reconciliation's checks (recon.category stage control): control totals per legal entity,
-- contract and currency, each stage of billing against the next, as a balance tie-out behind the record checks
-- (docs/reconciliation.md, "Control totals"). recon.collect_findings (recon/collect_findings.sql) calls
-- recon.collect_control_totals last; it reads the temporary table recon_invoice (recon/invoice.sql) and inserts its
-- findings into the temporary table recon_raw.

CREATE OR REPLACE FUNCTION recon.collect_control_totals() RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    -- Each pair of consecutive stages sums the same money twice, once per stage; both sums of a pair cover the same
    -- records: a stage that only some invoices reached is compared over those invoices (proposals with lines, posted
    -- proposals). The ledger pair is per accounting period too (the month of the customer transaction and of the
    -- ledger lines).
    INSERT INTO recon_raw (category, severity, field, expected, actual, difference, amount, currency, dataareaid,
                           contract, period, since, detail)
    -- Each stage is read once; a row counts on the side of every pair it belongs to ('2a': pair 2, side a), and a
    -- stage's later pair takes only the rows that reached it (lines: the proposal has lines; posted: the proposal is
    -- posted; chargeable: the line is).
    WITH stage (dataareaid, contract, currency, period, total, since, pairs) AS (
        -- billed sales the actuals map sends: pair 1 a
        SELECT ea.dataareaid, ea.contractid, ea.transactioncurrencyid, NULL::date, ea.amount, ea._src_modifiedon,
               ARRAY['1a']
          FROM pg_temp.recon_expected_actuals ea
         WHERE ea._include AND ea.transtype = optionset.code('transactiontype', 'Billed Sales')
        UNION ALL
        -- billed-sales staging rows: pair 1 b; pair 2 a when their proposal has lines
        SELECT s.dataareaid, s.contractid, s.transactioncurrencyid, NULL, s.amount, s.modifieddatetime,
               CASE WHEN EXISTS (SELECT 1 FROM pg_temp.recon_in_projproposalline l
                                  WHERE l.dataareaid = s.dataareaid AND l.proposalid = s.invoiceid)
                    THEN ARRAY['1b', '2a'] ELSE ARRAY['1b'] END
          FROM pg_temp.recon_in_projcdsactualsimport s
         WHERE s.transtype = optionset.code('transactiontype', 'Billed Sales') AND NOT s.isduplicate
        UNION ALL
        -- proposal lines: pair 2 b; pair 3 a when the proposal is posted
        SELECT p.dataareaid, p.projinvoiceprojid, l.currencyid, NULL, l.lineamount, l.modifieddatetime,
               CASE WHEN EXISTS (SELECT 1 FROM pg_temp.recon_in_projinvoicejour j
                                  WHERE j.dataareaid = p.dataareaid AND j.proposalid = p.proposalid)
                    THEN ARRAY['2b', '3a'] ELSE ARRAY['2b'] END
          FROM pg_temp.recon_in_projproposalline l
          JOIN pg_temp.recon_in_projproposaljour p ON p.dataareaid = l.dataareaid AND p.proposalid = l.proposalid
        UNION ALL
        -- posted invoice lines: pair 3 b; pair 4 a when chargeable
        SELECT j.dataareaid, j.projinvoiceprojid, il.currencyid, NULL, il.lineamount, il.modifieddatetime,
               CASE WHEN il.linepropertyid = 'Chargeable'
                    THEN ARRAY['3b', '4a'] ELSE ARRAY['3b'] END
          FROM pg_temp.recon_in_projinvoiceline il
          JOIN recon_invoice j ON j.dataareaid = il.dataareaid AND j.projinvoiceid = il.projinvoiceid
        UNION ALL
        -- posted invoice headers before tax: pair 4 b, pair 5 a
        SELECT j.dataareaid, j.projinvoiceprojid, j.currencyid, NULL, j.salesorderbalance, j.modifieddatetime,
               ARRAY['4b', '5a']
          FROM recon_invoice j
        UNION ALL
        -- customer transactions less the invoice's tax, in the month of the transaction: pair 5 b, pair 6 a
        SELECT j.dataareaid, j.projinvoiceprojid, c.currencycode, date_trunc('month', c.transdate)::date,
               c.amountcur - j.sumtax, c.modifieddatetime, ARRAY['5b', '6a']
          FROM pg_temp.recon_in_custtrans c
          JOIN recon_invoice j ON j.dataareaid = c.dataareaid AND j.projinvoiceid = c.invoice
        UNION ALL
        -- revenue on the invoices' vouchers, per month: pair 6 b (each ledger line once, under the contract of the
        -- first invoice on its voucher)
        SELECT j.dataareaid, j.projinvoiceprojid, e.transactioncurrencycode,
               date_trunc('month', e.accountingdate)::date, -e.transactioncurrencyamount, e.modifieddatetime,
               ARRAY['6b']
          FROM pg_temp.recon_in_generaljournalaccountentry e
          JOIN (SELECT DISTINCT ON (i.dataareaid, i.ledgervoucher) i.dataareaid, i.ledgervoucher, i.projinvoiceprojid
                  FROM recon_invoice i
                 ORDER BY i.dataareaid, i.ledgervoucher, i.projinvoiceid) j
            ON j.dataareaid = e.dataareaid AND j.ledgervoucher = e.voucher
         WHERE e.mainaccount = '401100')
    SELECT 'CONTROL_TOTAL_MISMATCH', 'E', n.a || ' vs ' || n.b, t.a_total::text, t.b_total::text,
           t.b_total - t.a_total, abs(t.b_total - t.a_total), t.currency, t.dataareaid, t.contract, t.period, t.since,
           'contract ' || coalesce(t.contract, '(none)') || ' in ' || coalesce(t.currency, '(no currency)')
           || coalesce(' for ' || to_char(t.period, 'YYYY-MM'), '') || ': ' || replace(n.a, '_', ' ') || ' sum to '
           || t.a_total || ', ' || replace(n.b, '_', ' ') || ' to ' || t.b_total
      FROM (SELECT left(x.code, 1)::integer AS pair, st.dataareaid, st.contract, st.currency,
                   CASE WHEN x.code LIKE '6%' THEN st.period END AS period,
                   coalesce(sum(st.total) FILTER (WHERE x.code LIKE '%a'), 0) AS a_total,
                   coalesce(sum(st.total) FILTER (WHERE x.code LIKE '%b'), 0) AS b_total, max(st.since) AS since
              FROM stage st
             CROSS JOIN LATERAL unnest(st.pairs) AS x(code)
             GROUP BY 1, 2, 3, 4, 5) t
      JOIN (VALUES (1, 'dataverse_billed_sales', 'staging_billed_sales'),
                   (2, 'staging_billed_sales', 'proposal_lines'),
                   (3, 'proposal_lines', 'invoice_lines'),
                   (4, 'invoice_lines_chargeable', 'invoice_headers'),
                   (5, 'invoice_headers', 'customer_transactions_less_tax'),
                   (6, 'customer_transactions_less_tax', 'ledger_revenue')) AS n(pair, a, b) ON n.pair = t.pair
      LEFT JOIN recon.tolerance tol ON tol.currencyid = t.currency
     WHERE abs(t.b_total - t.a_total) > coalesce(tol.amount, 0);
END;
$$;
COMMENT ON FUNCTION recon.collect_control_totals() IS
  'Stage control of recon.collect_findings: CONTROL_TOTAL_MISMATCH per legal entity, contract and currency for six '
  'pairs of consecutive stages (field names them): 1 billed sales the actuals map sends vs their staging rows; 2 '
  'billed-sales staging rows of proposals with lines vs those lines; 3 lines of posted proposals vs posted invoice '
  'lines; 4 chargeable posted invoice lines vs posted invoice headers before tax; 5 those headers vs customer '
  'transactions less the invoice tax; 6 the same per accounting period vs revenue (401100) on the invoice vouchers. '
  'Reads recon_invoice; inserts into recon_raw.';
