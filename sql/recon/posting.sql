-- recon/posting.sql
-- Stage posting of the reconciliation's checks (recon.category stage posting): the accounting write-back, vouchers
-- on staging rows, accounting amounts and WIP reversal. (The journal side is recon/journal.sql, posted invoices
-- recon/invoice.sql, write-back fields recon/writeback.sql, ledger vouchers recon/ledger.sql.)
-- recon.collect_findings (recon/collect_findings.sql) calls recon.collect_posting; every check inserts its
-- findings into the temporary table recon_raw that function creates.

CREATE OR REPLACE FUNCTION recon.collect_posting() RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    ------------------------------------------------------------------------------------------------
    -- Posting and write-back
    ------------------------------------------------------------------------------------------------
    -- The accounting write-back map against the Dataverse actuals: the voucher (missing: a warning until its
    -- threshold; another voucher than F&O posted: WRITEBACK_MISMATCH), then the accounting amount.
    INSERT INTO recon_raw (category, severity, actualid, voucher, field, expected, actual, difference, amount, currency,
                           dataareaid, since, threshold, detail)
    WITH w AS MATERIALIZED (
        SELECT ew.msdyn_actualid, ew.msdyn_externalreferenceid AS expected_voucher,
               a.msdyn_externalreferenceid AS actual_voucher, ew.msdyn_amount_base AS expected_amount,
               a.msdyn_amount_base AS actual_amount, ew._src_modifieddatetime AS since,
               a.msdyn_externalreferenceid IS NULL AS voucher_missing,
               a.msdyn_externalreferenceid IS DISTINCT FROM ew.msdyn_externalreferenceid AS voucher_differs
          FROM pg_temp.recon_expected_actual_writeback ew
          JOIN pg_temp.recon_in_msdyn_actual a ON a.msdyn_actualid = ew.msdyn_actualid
         WHERE a.msdyn_externalreferenceid IS DISTINCT FROM ew.msdyn_externalreferenceid
            OR a.msdyn_amount_base IS DISTINCT FROM ew.msdyn_amount_base)
    SELECT CASE WHEN w.voucher_missing THEN 'MISSING_VOUCHER_WRITEBACK'
                WHEN w.voucher_differs THEN 'WRITEBACK_MISMATCH' ELSE 'ACCOUNTING_AMOUNT_MISMATCH' END,
           CASE WHEN w.voucher_missing THEN 'W' ELSE 'E' END,
           w.msdyn_actualid, w.expected_voucher,
           CASE WHEN w.voucher_missing THEN 'msdyn_externalreferenceid'
                WHEN w.voucher_differs THEN 'msdyn_actual.msdyn_externalreferenceid' ELSE 'msdyn_amount_base' END,
           CASE WHEN w.voucher_differs THEN w.expected_voucher ELSE w.expected_amount::text END,
           CASE WHEN w.voucher_differs THEN w.actual_voucher ELSE w.actual_amount::text END,
           CASE WHEN w.voucher_differs THEN NULL ELSE w.actual_amount - w.expected_amount END,
           CASE WHEN w.voucher_differs THEN w.expected_amount ELSE abs(w.actual_amount - w.expected_amount) END,
           l.accountingcurrency, ea.dataareaid, w.since,
           CASE WHEN w.voucher_missing THEN 'missing_voucher_writeback' END,
           CASE WHEN w.voucher_missing
                THEN 'voucher ' || w.expected_voucher || ' was posted in F&O but has not reached the actual'
                WHEN w.voucher_differs
                THEN 'the actual carries voucher ' || w.actual_voucher || ', F&O posted ' || w.expected_voucher
                ELSE 'accounting amount on the actual differs from F&O''s' END
      FROM w
      LEFT JOIN pg_temp.recon_expected_actuals ea ON ea.actualid = w.msdyn_actualid
      LEFT JOIN fno.ledger l ON l.dataareaid = ea.dataareaid;

    -- Posted journal lines and posted proposals whose staging rows did not get their voucher.
    INSERT INTO recon_raw (category, severity, invoicenumber, proposalid, actualid, transid, voucher, amount, currency,
                           dataareaid, since, threshold, detail)
    SELECT 'MISSING_VOUCHER_WRITEBACK', 'W', NULL, NULL, s.actualid, NULL, jl.voucher, s.amount,
           s.transactioncurrencyid, s.dataareaid, jl.modifieddatetime, 'missing_voucher_writeback',
           'journal line is posted but its staging row has no voucher'
      FROM pg_temp.recon_in_projadvancedjournalline jl
      JOIN pg_temp.recon_in_projcdsactualsimport s ON s.projadvancedjournalline = jl.recid
     WHERE jl.status = optionset.code('projadvancedjournalstatus', 'Posted') AND s.vouchernumber IS NULL
    UNION ALL
    SELECT 'MISSING_VOUCHER_WRITEBACK', 'W', p.proposalid, p.proposalid, s.actualid, s.invoiceproposallinetransid,
           p.ledgervoucher, s.amount, s.transactioncurrencyid, s.dataareaid, p.modifieddatetime,
           'missing_voucher_writeback', 'invoice ' || p.projinvoiceid || ' is posted but the billed sale''s staging row has no voucher'
      FROM pg_temp.recon_in_projproposaljour p
      JOIN pg_temp.recon_in_projcdsactualsimport s
        ON s.dataareaid = p.dataareaid AND s.invoiceproposalid = p.proposalid
       AND s.transtype = optionset.code('transactiontype', 'Billed Sales')
     WHERE p.projinvoiceid IS NOT NULL AND s.vouchernumber IS NULL AND NOT s.isduplicate;

    -- Posted transactions against the accounting amount their staging row carries.
    INSERT INTO recon_raw (category, severity, actualid, transid, voucher, field, expected, actual, difference, amount,
                           currency, dataareaid, since, detail)
    SELECT 'ACCOUNTING_AMOUNT_MISMATCH', 'E', t.actualid, t.transid, t.voucher, 'amountmst', s.accountingamount::text,
           t.amountmst::text, t.amountmst - s.accountingamount, abs(t.amountmst - s.accountingamount),
           l.accountingcurrency, t.dataareaid, greatest(t.modifieddatetime, s.modifieddatetime),
           'posted transaction accounting amount differs from its staging row''s'
      FROM pg_temp.recon_in_projpostedtranstable t
      JOIN pg_temp.recon_in_projcdsactualsimport s
        ON s.actualid = t.actualid AND s.dataareaid = t.dataareaid AND NOT s.isduplicate
       AND s.vouchernumber IS NOT NULL
      LEFT JOIN fno.ledger l ON l.dataareaid = t.dataareaid
     WHERE t.amountmst IS DISTINCT FROM s.accountingamount;

    -- I10: the unbilled sales a posted invoice bills are invoiced, not still posted (WIP not reversed).
    INSERT INTO recon_raw (category, severity, invoicenumber, proposalid, actualid, transid, voucher, amount, currency,
                           dataareaid, since, detail)
    SELECT DISTINCT ON (t.recid)
           'WIP_NOT_REVERSED', 'E', j.proposalid, j.proposalid, t.actualid, t.transid, j.ledgervoucher, t.amount,
           t.currencyid, t.dataareaid, j.createddatetime,
           'unbilled sale is still a posted transaction after invoice ' || j.projinvoiceid || ' billed it'
      FROM pg_temp.recon_in_projinvoicejour j
      JOIN pg_temp.recon_in_projinvoiceline il ON il.dataareaid = j.dataareaid AND il.projinvoiceid = j.projinvoiceid
      JOIN pg_temp.recon_in_projcdstransactionconnectionimport k
        ON k.transaction1 = il.actualid
       AND k.transaction1role = optionset.code('transactiontype', 'Billed Sales')::text
       AND k.transaction2role = optionset.code('transactiontype', 'Unbilled Sales')::text
      JOIN pg_temp.recon_in_projpostedtranstable t ON t.actualid = k.transaction2 AND t.dataareaid = j.dataareaid
     WHERE t.transstatus = optionset.code('projtransstatus', 'Posted')
     ORDER BY t.recid, j.createddatetime, j.projinvoiceid;
END;
$$;
COMMENT ON FUNCTION recon.collect_posting() IS
  'Stage posting of recon.collect_findings: MISSING_VOUCHER_WRITEBACK, WRITEBACK_MISMATCH (another voucher) and '
  'ACCOUNTING_AMOUNT_MISMATCH (the accounting write-back map against the actuals, staging rows without their voucher, posted transactions against '
  'their staging rows, by actual), WIP_NOT_REVERSED (I10). Inserts into the temporary table recon_raw.';
