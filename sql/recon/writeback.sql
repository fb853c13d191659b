-- recon/writeback.sql
-- Stage posting of the reconciliation's checks, the write-back end of the chain (docs/reconciliation.md, "The
-- chain"): what posting stamps on each staging row against the posting itself, and what the accounting write-back
-- map carries on to the Dataverse actual. (The voucher's arrival and the accounting amount are
-- MISSING_VOUCHER_WRITEBACK's and ACCOUNTING_AMOUNT_MISMATCH's, recon/posting.sql.) recon.collect_findings
-- (recon/collect_findings.sql) calls recon.collect_writeback; every check inserts its findings into the temporary
-- table recon_raw that function creates.

CREATE OR REPLACE FUNCTION recon.collect_writeback() RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    -- Staging rows that carry a voucher against the posting that wrote it: a cost or unbilled sale against its
    -- posted journal line, a billed sale against its posted invoice line and invoice. The voucher must be the one F&O
    -- posted for that record; the rate is the posting's (written as 1 / rate; a zero rate has none), dated on the
    -- accounting or invoice date; the tax is the invoice line's (none on a journal).
    INSERT INTO recon_raw (category, severity, invoicenumber, proposalid, actualid, transid, voucher, field, expected,
                           actual, difference, amount, currency, dataareaid, since, detail)
    -- (p carries the staging row's columns, so the staging table is read once per branch.)
    WITH p AS (
        SELECT s.actualid, s.vouchernumber, s.exchangerate, s.exchangeratedate, s.salestaxamount, s.amount,
               s.transactioncurrencyid, s.dataareaid, s.modifieddatetime,
               'journal line ' || jl.recid AS posting, NULL::text AS proposalid, NULL::text AS transid,
               jl.voucher, round(100 / nullif(jl.exchrate, 0), 10) AS rate,
               coalesce(jl.accountingdate, jl.transdate) AS ratedate, 0::numeric AS tax, jl.modifieddatetime AS since
          FROM pg_temp.recon_in_projcdsactualsimport s
          JOIN pg_temp.recon_in_projadvancedjournalline jl ON jl.recid = s.projadvancedjournalline
         WHERE jl.status = optionset.code('projadvancedjournalstatus', 'Posted')
           AND s.transtype = ANY (optionset.codes('transactiontype', 'Cost', 'Unbilled Sales'))
           AND s.vouchernumber IS NOT NULL AND NOT s.isduplicate
        UNION ALL
        SELECT s.actualid, s.vouchernumber, s.exchangerate, s.exchangeratedate, s.salestaxamount, s.amount,
               s.transactioncurrencyid, s.dataareaid, s.modifieddatetime,
               'invoice ' || j.projinvoiceid || ' line ' || il.transid, j.proposalid, il.transid,
               j.ledgervoucher, round(100 / nullif(j.exchrate, 0), 10), j.invoicedate, il.taxamount,
               greatest(il.modifieddatetime, j.modifieddatetime)
          FROM pg_temp.recon_in_projcdsactualsimport s
          JOIN pg_temp.recon_in_projinvoiceline il ON il.dataareaid = s.dataareaid AND il.transid = s.invoiceproposallinetransid
          JOIN pg_temp.recon_in_projinvoicejour j ON j.dataareaid = il.dataareaid AND j.projinvoiceid = il.projinvoiceid
         WHERE s.transtype = optionset.code('transactiontype', 'Billed Sales')
           AND s.vouchernumber IS NOT NULL AND NOT s.isduplicate)
    SELECT 'WRITEBACK_MISMATCH', 'E', p.proposalid, p.proposalid, p.actualid, p.transid, p.vouchernumber,
           'projcdsactualsimport.' || f.field, f.expected, f.actual, f.difference,
           CASE WHEN f.field = 'salestaxamount' THEN abs(f.difference) ELSE p.amount END, p.transactioncurrencyid,
           p.dataareaid,
           greatest(p.modifieddatetime, p.since),
           'staging row ' || f.field || ' is ' || coalesce(f.actual, 'empty') || ', the ' || p.posting
           || ' that posted it says ' || coalesce(f.expected, 'empty')
      FROM p
     CROSS JOIN LATERAL (VALUES
           ('vouchernumber', p.voucher, p.vouchernumber, NULL::numeric),
           ('exchangerate', p.rate::text, p.exchangerate::text, p.exchangerate - p.rate),
           ('exchangeratedate', p.ratedate::text, p.exchangeratedate::text, NULL),
           ('salestaxamount', p.tax::text, p.salestaxamount::text, p.salestaxamount - p.tax)
          ) AS f(field, expected, actual, difference)
     WHERE (p.voucher, p.rate, p.ratedate, p.tax)
           IS DISTINCT FROM (p.vouchernumber, p.exchangerate, p.exchangeratedate, p.salestaxamount)
       AND f.expected IS DISTINCT FROM f.actual;

    -- The accounting write-back map against the Dataverse actuals that have their voucher: rate, its date, tax and
    -- the journalized flag.
    INSERT INTO recon_raw (category, severity, actualid, voucher, field, expected, actual, difference, amount, currency,
                           dataareaid, since, detail)
    SELECT 'WRITEBACK_MISMATCH', 'E', a.msdyn_actualid, ew.msdyn_externalreferenceid, 'msdyn_actual.' || f.field,
           f.expected, f.actual, f.difference,
           CASE WHEN f.field = 'msdyn_salestaxamount' THEN abs(f.difference) ELSE a.msdyn_amount END, a.isocurrencycode,
           ea.dataareaid, greatest(a.modifiedon, ew._src_modifieddatetime),
           'actual ' || f.field || ' is ' || coalesce(f.actual, 'empty') || ', F&O''s write-back says '
           || coalesce(f.expected, 'empty')
      FROM pg_temp.recon_expected_actual_writeback ew
      JOIN pg_temp.recon_in_msdyn_actual a ON a.msdyn_actualid = ew.msdyn_actualid
      LEFT JOIN pg_temp.recon_expected_actuals ea ON ea.actualid = a.msdyn_actualid
     CROSS JOIN LATERAL (VALUES
           ('exchangerate', ew.exchangerate::text, a.exchangerate::text, a.exchangerate - ew.exchangerate),
           ('msdyn_exchangeratedate', ew.msdyn_exchangeratedate::text, a.msdyn_exchangeratedate::text, NULL::numeric),
           ('msdyn_salestaxamount', ew.msdyn_salestaxamount::text, a.msdyn_salestaxamount::text,
            a.msdyn_salestaxamount - ew.msdyn_salestaxamount),
           ('msdyn_isjournalized', ew.msdyn_isjournalized::text, a.msdyn_isjournalized::text, NULL)
          ) AS f(field, expected, actual, difference)
     WHERE a.msdyn_externalreferenceid = ew.msdyn_externalreferenceid
       AND (ew.exchangerate, ew.msdyn_exchangeratedate, ew.msdyn_salestaxamount, ew.msdyn_isjournalized)
           IS DISTINCT FROM (a.exchangerate, a.msdyn_exchangeratedate, a.msdyn_salestaxamount, a.msdyn_isjournalized)
       AND f.expected IS DISTINCT FROM f.actual;
END;
$$;
COMMENT ON FUNCTION recon.collect_writeback() IS
  'Checks of stage posting, the write-back: WRITEBACK_MISMATCH for a staging row''s vouchernumber, exchangerate, '
  'exchangeratedate and salestaxamount against its posted journal line (cost, unbilled sales: 1 / the line''s rate, '
  'its accounting date, no tax) or its posted invoice line and invoice (billed sales: 1 / the invoice''s rate, the '
  'invoice date, the line''s tax), and for an actual''s exchangerate, msdyn_exchangeratedate, msdyn_salestaxamount '
  'and msdyn_isjournalized against the accounting write-back map once its voucher arrived. Inserts into recon_raw; '
  'part of recon.collect_findings.';
