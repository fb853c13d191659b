-- recon/review.sql
-- Working the findings (docs/reconciliation.md, "Working the findings"): recon.review records a finding's review
-- status, assignee and note in the audit trail recon.review_event; recon.signoff signs a run off once every error
-- of it has a review note. Both run with their owner's rights (SECURITY DEFINER) so that tieout_reviewer, which
-- has no write privilege anywhere, can call them and do nothing else. A refusal (bad input, a finding or run that
-- does not exist, a sign-off not allowed yet) raises SQLSTATE P0001 with one line naming the value.

-- The statuses a review can set, in the order a finding usually goes through them.
CREATE OR REPLACE FUNCTION recon.review_statuses() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['open', 'investigating', 'explained', 'fixed-awaiting-sync', 'false-positive']
$$;
COMMENT ON FUNCTION recon.review_statuses() IS
  'The review statuses: open, investigating, explained, fixed-awaiting-sync, false-positive.';

CREATE OR REPLACE FUNCTION recon.review(p_finding text, p_as text, p_status text DEFAULT NULL,
                                        p_note text DEFAULT NULL, p_assignee text DEFAULT NULL,
                                        p_run_id bigint DEFAULT NULL)
RETURNS TABLE (event_id bigint, run_id bigint, finding_no integer, finding_key text, old_status text,
               new_status text, old_assignee text, new_assignee text, note text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_run      bigint := p_run_id;
    v_finding  recon.finding;
    v_state    record;
    v_note     text := nullif(btrim(p_note), '');
    v_assignee text;
    v_status   text;
BEGIN
    IF p_as IS NULL OR btrim(p_as) = '' THEN
        RAISE EXCEPTION 'give the reviewer''s name (--as)';
    END IF;
    IF p_status IS NOT NULL AND NOT p_status = ANY (recon.review_statuses()) THEN
        RAISE EXCEPTION 'status % is not one of %', quote_literal(p_status),
                        array_to_string(recon.review_statuses(), ', ');
    END IF;
    IF v_run IS NULL THEN
        SELECT r.run_id INTO v_run FROM recon.run r WHERE r.status = 'succeeded'
         ORDER BY r.as_of DESC, r.run_id DESC LIMIT 1;
        IF v_run IS NULL THEN
            RAISE EXCEPTION 'no reconciliation run has succeeded yet';
        END IF;
    ELSIF NOT EXISTS (SELECT FROM recon.run r WHERE r.run_id = v_run AND r.status = 'succeeded') THEN
        RAISE EXCEPTION 'run % does not exist or did not succeed', v_run;
    END IF;

    IF p_finding ~ '^[0-9]{1,9}$' THEN
        SELECT f.* INTO v_finding FROM recon.finding f WHERE f.run_id = v_run AND f.finding_no = p_finding::integer;
    ELSIF p_finding ~ '^[0-9a-f]{32}$' THEN
        SELECT f.* INTO v_finding FROM recon.finding f WHERE f.run_id = v_run AND f.finding_key = p_finding
         ORDER BY f.finding_no LIMIT 1;
    ELSE
        RAISE EXCEPTION 'finding % is neither a finding number nor a finding key (32 hexadecimal digits)',
                        quote_literal(coalesce(left(p_finding, 40), 'NULL'));
    END IF;
    IF v_finding.run_id IS NULL THEN
        RAISE EXCEPTION 'run % has no finding %', v_run, p_finding;
    END IF;

    -- Two reviews of one finding at once take turns, so each records the state the other left as its old one.
    PERFORM pg_advisory_xact_lock(hashtext('tieout.recon.review'), hashtext(v_finding.finding_key));
    SELECT v.status, v.assignee INTO v_state
      FROM recon.finding_review v WHERE v.run_id = v_finding.run_id AND v.finding_no = v_finding.finding_no;
    v_status := coalesce(p_status, v_state.status);
    -- An empty assignee clears it; none given keeps it.
    v_assignee := CASE WHEN p_assignee IS NULL THEN v_state.assignee ELSE nullif(btrim(p_assignee), '') END;
    IF v_status = v_state.status AND v_assignee IS NOT DISTINCT FROM v_state.assignee AND v_note IS NULL THEN
        RAISE EXCEPTION 'finding % of run %: nothing to record (it is % already; give another status, an '
                        'assignee or a note)', v_finding.finding_no, v_finding.run_id, v_state.status;
    END IF;

    RETURN QUERY
    INSERT INTO recon.review_event AS e (finding_key, first_seen_run_id, run_id, finding_no, reviewed_at, reviewed_by,
                                         db_user, old_status, new_status, old_assignee, new_assignee, note)
    VALUES (v_finding.finding_key, v_finding.first_seen_run_id, v_finding.run_id, v_finding.finding_no,
            clock_timestamp(), btrim(p_as), session_user, v_state.status, v_status, v_state.assignee, v_assignee,
            v_note)
    RETURNING e.event_id, e.run_id, e.finding_no, e.finding_key, e.old_status, e.new_status, e.old_assignee,
              e.new_assignee, e.note;
END
$$;
COMMENT ON FUNCTION recon.review(text, text, text, text, text, bigint) IS
  'Records a review of a finding (tieout recon review): p_finding is its number in run p_run_id (default the latest '
  'succeeded run, as recon.open_findings) or its finding_key; p_as who reviews; p_status a status of '
  'recon.review_statuses() (NULL keeps it), p_note a note, p_assignee who works on it (NULL keeps it, an '
  'empty string clears it). Appends one row to recon.review_event and returns it. A review never changes the finding: '
  'its severity and the run''s exit code stay.';

CREATE OR REPLACE FUNCTION recon.signoff(p_run_id bigint, p_as text, p_note text DEFAULT NULL)
RETURNS TABLE (run_id bigint, signed_by text, signed_at timestamptz, note text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_signed  recon.signoff;
    v_missing integer[];
BEGIN
    IF p_as IS NULL OR btrim(p_as) = '' THEN
        RAISE EXCEPTION 'give the name of who signs off (--as)';
    END IF;
    IF NOT EXISTS (SELECT FROM recon.run r WHERE r.run_id = p_run_id AND r.status = 'succeeded') THEN
        RAISE EXCEPTION 'run % does not exist or did not succeed', p_run_id;
    END IF;
    -- One sign-off per run; two at once wait for each other here.
    PERFORM FROM recon.run r WHERE r.run_id = p_run_id FOR UPDATE;
    SELECT s.* INTO v_signed FROM recon.signoff s WHERE s.run_id = p_run_id;
    IF v_signed.run_id IS NOT NULL THEN
        RAISE EXCEPTION 'run % was signed off already, by % at %', p_run_id, v_signed.signed_by, v_signed.signed_at;
    END IF;
    SELECT array_agg(f.finding_no ORDER BY f.finding_no) INTO v_missing
      FROM recon.finding f
      JOIN recon.finding_review v ON v.run_id = f.run_id AND v.finding_no = f.finding_no
     WHERE f.run_id = p_run_id AND f.severity = 'E' AND v.note IS NULL;
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'run % cannot be signed off: % without a review note: %', p_run_id,
                        CASE WHEN cardinality(v_missing) = 1 THEN '1 error finding'
                             ELSE cardinality(v_missing) || ' error findings' END,
                        array_to_string(v_missing[1:20], ', ')
                        || CASE WHEN cardinality(v_missing) > 20
                                THEN ' and ' || (cardinality(v_missing) - 20) || ' more' ELSE '' END;
    END IF;
    RETURN QUERY
    INSERT INTO recon.signoff AS s (run_id, signed_by, signed_at, db_user, note)
    VALUES (p_run_id, btrim(p_as), clock_timestamp(), session_user, nullif(btrim(p_note), ''))
    RETURNING s.run_id, s.signed_by, s.signed_at, s.note;
END
$$;
COMMENT ON FUNCTION recon.signoff(bigint, text, text) IS
  'Signs run p_run_id off as reviewed (tieout recon signoff) by p_as, with an optional note: refused while any '
  'error finding of the run has no review note (the message lists them), and when the run is signed off already.';

REVOKE ALL ON FUNCTION recon.review(text, text, text, text, text, bigint), recon.signoff(bigint, text, text)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION recon.review(text, text, text, text, text, bigint), recon.signoff(bigint, text, text)
   TO tieout_reviewer;
