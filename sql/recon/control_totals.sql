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
    WITH stage (pair, side, dataareaid, contract, currency, period, total, since) AS (
        -- 1. billed sales the actuals map sends, and their staging rows
        SELECT 1, 'a', ea.dataareaid, ea.contractid, ea.transactioncurrencyid, NULL::date, ea.amount, ea._src_modifiedon
          FROM pg_temp.recon_expected_actuals ea
         WHERE ea._include AND ea.transtype = optionset.code('transactiontype', 'Billed Sales')
        UNION ALL
        SELECT 1, 'b', s.dataareaid, s.contractid, s.transactioncurrencyid, NULL, s.amount, s.modifieddatetime
          FROM fno.projcdsactualsimport s
         WHERE s.transtype = optionset.code('transactiontype', 'Billed Sales') AND NOT s.isduplicate
        UNION ALL
        -- 2. billed-sales staging rows of the proposals that have lines, and those lines
        SELECT 2, 'a', s.dataareaid, s.contractid, s.transactioncurrencyid, NULL, s.amount, s.modifieddatetime
          FROM fno.projcdsactualsimport s
         WHERE s.transtype = optionset.code('transactiontype', 'Billed Sales') AND NOT s.isduplicate
           AND EXISTS (SELECT 1 FROM fno.projproposalline l
                        WHERE l.dataareaid = s.dataareaid AND l.proposalid = s.invoiceid)
        UNION ALL
        SELECT 2, 'b', p.dataareaid, p.projinvoiceprojid, l.currencyid, NULL, l.lineamount, l.modifieddatetime
          FROM fno.projproposalline l
          JOIN fno.projproposaljour p ON p.dataareaid = l.dataareaid AND p.proposalid = l.proposalid
        UNION ALL
        -- 3. proposal lines of the posted proposals, and the posted invoice lines
        SELECT 3, 'a', p.dataareaid, p.projinvoiceprojid, l.currencyid, NULL, l.lineamount, l.modifieddatetime
          FROM fno.projproposalline l
          JOIN fno.projproposaljour p ON p.dataareaid = l.dataareaid AND p.proposalid = l.proposalid
         WHERE EXISTS (SELECT 1 FROM fno.projinvoicejour j
                        WHERE j.dataareaid = p.dataareaid AND j.proposalid = p.proposalid)
        UNION ALL
        SELECT 3, 'b', j.dataareaid, j.projinvoiceprojid, il.currencyid, NULL, il.lineamount, il.modifieddatetime
          FROM fno.projinvoiceline il
          JOIN recon_invoice j ON j.dataareaid = il.dataareaid AND j.projinvoiceid = il.projinvoiceid
        UNION ALL
        -- 4. chargeable posted invoice lines, and the posted invoice headers before tax
        SELECT 4, 'a', j.dataareaid, j.projinvoiceprojid, il.currencyid, NULL, il.lineamount, il.modifieddatetime
          FROM fno.projinvoiceline il
          JOIN recon_invoice j ON j.dataareaid = il.dataareaid AND j.projinvoiceid = il.projinvoiceid
         WHERE il.linepropertyid = 'Chargeable'
        UNION ALL
        SELECT 4, 'b', j.dataareaid, j.projinvoiceprojid, j.currencyid, NULL, j.salesorderbalance, j.modifieddatetime
          FROM recon_invoice j
        UNION ALL
        -- 5. posted invoice headers before tax, and their customer transactions less the invoice's tax
        SELECT 5, 'a', j.dataareaid, j.projinvoiceprojid, j.currencyid, NULL, j.salesorderbalance, j.modifieddatetime
          FROM recon_invoice j
        UNION ALL
        SELECT 5, 'b', j.dataareaid, j.projinvoiceprojid, c.currencycode, NULL, c.amountcur - j.sumtax,
               c.modifieddatetime
          FROM fno.custtrans c
          JOIN recon_invoice j ON j.dataareaid = c.dataareaid AND j.projinvoiceid = c.invoice
        UNION ALL
        -- 6. the same customer transactions per accounting period, and the revenue on the invoices' vouchers
        SELECT 6, 'a', j.dataareaid, j.projinvoiceprojid, c.currencycode, date_trunc('month', c.transdate)::date,
               c.amountcur - j.sumtax, c.modifieddatetime
          FROM fno.custtrans c
          JOIN recon_invoice j ON j.dataareaid = c.dataareaid AND j.projinvoiceid = c.invoice
        UNION ALL
        -- (each ledger line once, under the contract of the first invoice on its voucher)
        SELECT 6, 'b', j.dataareaid, j.projinvoiceprojid, e.transactioncurrencycode,
               date_trunc('month', e.accountingdate)::date, -e.transactioncurrencyamount, e.modifieddatetime
          FROM fno.generaljournalaccountentry e
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
      FROM (SELECT st.pair, st.dataareaid, st.contract, st.currency, st.period,
                   coalesce(sum(st.total) FILTER (WHERE st.side = 'a'), 0) AS a_total,
                   coalesce(sum(st.total) FILTER (WHERE st.side = 'b'), 0) AS b_total, max(st.since) AS since
              FROM stage st
             GROUP BY st.pair, st.dataareaid, st.contract, st.currency, st.period) t
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
