-- fno/vouchers.sql
-- Ledger vouchers: the general journal entries and their account entries, written the same way for every posting.

CREATE OR REPLACE FUNCTION process.fno_write_vouchers() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- The caller fills two temporary tables (ON COMMIT DROP, and drops them itself at its end):
    --   fno_voucher         one row per voucher: gjerecid (taken from the entry's identity sequence), dataareaid,
    --                       voucher, accdate (accounting and document date), documentnumber
    --   fno_voucher_amount  one row per account amount: gjerecid, pos (the caller's order within the call), mainaccount,
    --                       mst (accounting currency), cur (transaction currency), currency, text
    INSERT INTO fno.generaljournalentry
           (recid, dataareaid, journalnumber, subledgervoucher, accountingdate, documentdate, documentnumber)
    SELECT v.gjerecid, v.dataareaid, v.voucher, v.voucher, v.accdate, v.accdate, v.documentnumber
      FROM fno_voucher v
     ORDER BY v.gjerecid;

    -- An amount is a credit when it is negative in accounting currency (or zero there and negative in transaction
    -- currency); an amount that is zero in both is left out. Written in the caller's order, so record ids follow it.
    INSERT INTO fno.generaljournalaccountentry
           (dataareaid, generaljournalentry, voucher, accountingdate, mainaccount, ledgeraccount,
            accountingcurrencyamount, transactioncurrencyamount, transactioncurrencycode, iscredit, text)
    SELECT v.dataareaid, v.gjerecid, v.voucher, v.accdate, a.mainaccount, a.mainaccount, a.mst, a.cur, a.currency,
           a.mst < 0 OR (a.mst = 0 AND a.cur < 0), a.text
      FROM fno_voucher_amount a
      JOIN fno_voucher v ON v.gjerecid = a.gjerecid
     WHERE a.mst <> 0 OR a.cur <> 0
     ORDER BY a.gjerecid, a.pos;
END
$$;
COMMENT ON FUNCTION process.fno_write_vouchers() IS
  'Writes ledger vouchers for process.fno_post_journals and process.fno_post_proposals from two temporary tables '
  'the caller fills: fno_voucher (gjerecid, dataareaid, voucher, accdate, documentnumber), one generaljournalentry '
  'each (recid = gjerecid, journalnumber = subledgervoucher = voucher, accounting and document date = accdate), in '
  'gjerecid order; fno_voucher_amount (gjerecid, pos, mainaccount, mst, cur, currency, text), one '
  'generaljournalaccountentry each (ledgeraccount = mainaccount, iscredit when mst < 0 or mst = 0 and cur < 0), '
  'skipping amounts that are zero in both currencies, in gjerecid and pos order.';
