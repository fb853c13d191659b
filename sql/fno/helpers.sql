-- fno/helpers.sql
-- Helpers of the F&O side. This folder, sql/fno/, holds the F&O side of the invoice flow (docs/processes.md, "F&O side"): Import from staging, posting integration
-- journals, posting invoice proposals, their helpers, and the guard that keeps invoice proposals coming only from
-- the dual-write sync.
--
-- Every function is set-based: each step is one INSERT … SELECT or UPDATE … FROM over a temporary table of the rows
-- the call works on (ON COMMIT DROP, dropped again at the end so a second call in one transaction works; ANALYZEd
-- when large). Staging rows, journals and proposals are claimed with FOR UPDATE SKIP LOCKED, so concurrent calls
-- never take the same row twice and an import never waits for another one; posting one named journal or proposal
-- waits for a call that holds it and then re-checks it. Posted unbilled sales whose WIP an invoice reverses are locked
-- (in record id order) and re-checked, so two postings never reverse the same WIP. Record ids of new rows are taken
-- from the tables' identity sequences up front, so staging rows are linked to what was made from them directly.
--
-- Lookups by actual id compare the legal entity with IS NOT DISTINCT FROM (same result, dataareaid is NOT NULL): it
-- keeps the planner from combining the actual id index with an index on dataareaid when its statistics are stale,
-- as they usually are right after a large import.
--
-- Money: amounts are numeric; a line amount in accounting currency is round(amount * rate, 2) per line, and every
-- ledger amount is a sum of those rounded figures, with the debit and the credit of a pair taken from the same sum,
-- so every voucher balances in accounting and in transaction currency.

CREATE OR REPLACE FUNCTION process.fno_number(p_prefix text, p_number bigint, p_width integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT p_prefix || CASE WHEN length(p_number::text) >= p_width THEN p_number::text
                            ELSE lpad(p_number::text, p_width, '0') END
$$;
COMMENT ON FUNCTION process.fno_number(text, bigint, integer) IS
  'F&O number sequence format: prefix + number padded with zeros to p_width digits (PJ-000001, PT-00000001); a '
  'number with more digits is kept whole, never cut.';

CREATE OR REPLACE FUNCTION process.fno_exchange_rate(p_from text, p_to text, p_date date) RETURNS numeric
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_from = p_to THEN 1::numeric
                ELSE (SELECT r.rate
                        FROM fno.exchangerate r
                       WHERE r.ratetypename = 'Default' AND r.fromcurrency = p_from AND r.tocurrency = p_to
                         AND r.startdate <= p_date AND (r.enddate IS NULL OR r.enddate >= p_date)
                       ORDER BY r.startdate DESC
                       LIMIT 1) END
$$;
COMMENT ON FUNCTION process.fno_exchange_rate(text, text, date) IS
  'Rate from one currency to another on a date (units of p_to per unit of p_from) from fno.exchangerate, rate type '
  'Default: the row with the latest startdate on or before the date whose enddate is empty or not before it. 1 for a '
  'currency to itself; NULL when no rate applies.';

CREATE OR REPLACE FUNCTION process.fno_tax_rate(p_dataareaid text, p_taxgroup text) RETURNS numeric
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(sum(t.taxvalue), 0)
      FROM fno.taxgroupdata d
      JOIN fno.taxtable t ON t.dataareaid = d.dataareaid AND t.taxcode = d.taxcode
     WHERE d.dataareaid = p_dataareaid AND d.taxgroup = p_taxgroup
$$;
COMMENT ON FUNCTION process.fno_tax_rate(text, text) IS
  'Sales tax rate of a tax group of a legal entity in percent: the sum of its codes'' rates (fno.taxgroupdata, '
  'fno.taxtable). 0 without a group or for an unknown group.';

CREATE OR REPLACE FUNCTION process.fno_transtype(p_transactionclassification integer) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE p_transactionclassification
               WHEN optionset.code('transactionclass', 'Time') THEN optionset.code('projtranstype', 'Hour')
               WHEN optionset.code('transactionclass', 'Expense') THEN optionset.code('projtranstype', 'Expense')
               WHEN optionset.code('transactionclass', 'Material') THEN optionset.code('projtranstype', 'Item')
               WHEN optionset.code('transactionclass', 'Milestone') THEN optionset.code('projtranstype', 'On-account')
               WHEN optionset.code('transactionclass', 'Fee') THEN optionset.code('projtranstype', 'Fee')
               WHEN optionset.code('transactionclass', 'Tax') THEN optionset.code('projtranstype', 'Expense')
           END
$$;
COMMENT ON FUNCTION process.fno_transtype(integer) IS
  'F&O ProjTransType of a Dataverse transaction class: Time 2 Hour, Expense 3 Expense, Material 4 Item, Milestone 5 '
  'On-account, Fee 1 Fee, Tax 3 Expense.';

CREATE OR REPLACE FUNCTION process.fno_lineproperty(p_billingtype integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE p_billingtype
               WHEN optionset.code('billingtype', 'Non Chargeable') THEN 'NonChargeable'
               WHEN optionset.code('billingtype', 'Chargeable') THEN 'Chargeable'
               WHEN optionset.code('billingtype', 'Complimentary') THEN 'Complimentary'
               WHEN optionset.code('billingtype', 'Not Available') THEN 'NotAvailable'
           END
$$;
COMMENT ON FUNCTION process.fno_lineproperty(integer) IS
  'F&O line property of a Dataverse billing type: Non Chargeable NonChargeable, Chargeable Chargeable, Complimentary '
  'Complimentary, Not Available NotAvailable.';

CREATE OR REPLACE FUNCTION process.fno_proposal_recompute_tax(p_proposals bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- Line tax by the header tax group (only lines whose tax or group changes are rewritten).
    UPDATE fno.projproposalline l
       SET taxamount = n.tax, taxgroupid = n.taxgroupid, modifieddatetime = now()
      FROM (WITH j AS MATERIALIZED (
                SELECT h.dataareaid, h.proposalid, h.taxgroupid, process.fno_tax_rate(h.dataareaid, h.taxgroupid) AS rate
                  FROM fno.projproposaljour h
                 WHERE h.recid = ANY (p_proposals))
            SELECT pl.recid, j.taxgroupid,
                   CASE WHEN pl.linepropertyid = 'Chargeable' THEN round(pl.lineamount * j.rate / 100, 2) ELSE 0 END AS tax
              FROM j
              JOIN fno.projproposalline pl ON pl.dataareaid = j.dataareaid AND pl.proposalid = j.proposalid) n
     WHERE l.recid = n.recid
       AND (l.taxamount IS DISTINCT FROM n.tax OR l.taxgroupid IS DISTINCT FROM n.taxgroupid);
    -- Header totals from the lines.
    UPDATE fno.projproposaljour j
       SET salesorderbalance = s.balance, sumtax = s.tax, invoiceamount = s.balance + s.tax, modifieddatetime = now()
      FROM (SELECT h.recid,
                   coalesce(sum(pl.lineamount) FILTER (WHERE pl.linepropertyid = 'Chargeable'), 0) AS balance,
                   coalesce(sum(pl.taxamount), 0) AS tax
              FROM fno.projproposaljour h
              LEFT JOIN fno.projproposalline pl ON pl.dataareaid = h.dataareaid AND pl.proposalid = h.proposalid
             WHERE h.recid = ANY (p_proposals)
             GROUP BY h.recid) s
     WHERE j.recid = s.recid;
END
$$;
COMMENT ON FUNCTION process.fno_proposal_recompute_tax(bigint[]) IS
  'Recomputes the sales tax of invoice proposals (by fno.projproposaljour.recid) from their header tax group: line '
  'tax = round(line amount * group rate / 100, 2) on Chargeable lines, 0 on the others; header salesorderbalance = '
  'sum of Chargeable line amounts, sumtax = sum of line tax, invoiceamount = balance + tax. The caller locks the headers.';

CREATE OR REPLACE FUNCTION process.fno_set_proposal_tax_group(p_proposalid text, p_taxgroup text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_recids bigint[];
    v_bad    record;
BEGIN
    SELECT array_agg(recid ORDER BY recid) INTO v_recids
      FROM (SELECT j.recid FROM fno.projproposaljour j
             WHERE j.proposalid = p_proposalid AND j.status = optionset.code('proposalstatus', 'Open') AND j.projinvoiceid IS NULL
             ORDER BY j.recid FOR UPDATE OF j) x;
    IF v_recids IS NULL THEN
        IF EXISTS (SELECT 1 FROM fno.projproposaljour WHERE proposalid = p_proposalid) THEN
            RAISE EXCEPTION 'invoice proposal % is posted or not open: only the tax group of an open proposal can be changed',
                p_proposalid;
        END IF;
        RAISE EXCEPTION 'invoice proposal % does not exist', p_proposalid;
    END IF;
    IF p_taxgroup IS NOT NULL THEN
        SELECT j.dataareaid INTO v_bad
          FROM fno.projproposaljour j
         WHERE j.recid = ANY (v_recids)
           AND NOT EXISTS (SELECT 1 FROM fno.taxgroupheading t WHERE t.dataareaid = j.dataareaid AND t.taxgroup = p_taxgroup)
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'sales tax group % does not exist in legal entity % of invoice proposal %',
                p_taxgroup, v_bad.dataareaid, p_proposalid;
        END IF;
    END IF;
    UPDATE fno.projproposaljour SET taxgroupid = p_taxgroup, modifieddatetime = now() WHERE recid = ANY (v_recids);
    PERFORM process.fno_proposal_recompute_tax(v_recids);
END
$$;
COMMENT ON FUNCTION process.fno_set_proposal_tax_group(text, text) IS
  'The AR clerk''s change of the sales tax group of an open invoice proposal before posting (NULL = no tax): sets '
  'projproposaljour.taxgroupid and recomputes line tax and header totals at once. Refused for an unknown, posted or '
  'not open proposal and for a tax group the legal entity does not have.';
