-- lake/ids.sql
-- F&O Id <-> RecId.

CREATE OR REPLACE FUNCTION lake.recid(p_id uuid) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ('x' || substr(h, 31, 2) || substr(h, 29, 2) || substr(h, 27, 2) || substr(h, 25, 2)
                || substr(h, 23, 2) || substr(h, 21, 2) || substr(h, 19, 2) || substr(h, 17, 2))::bit(64)::bigint
      FROM (SELECT replace(p_id::text, '-', '') AS h) x
$$;
COMMENT ON FUNCTION lake.recid(uuid) IS
  'The F&O RecId of a Synapse Link Id: bytes 9-16 of the GUID (its last 16 hex digits, in text order) read as a '
  'little-endian 64-bit integer. lake.recid(''00000000-0000-0000-0000-005001000000'') = 5637144576.';

CREATE OR REPLACE FUNCTION lake.fno_id(p_recid bigint) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ('00000000-0000-0000-' || substr(r, 1, 4) || '-' || substr(r, 5, 12))::uuid
      FROM (SELECT substr(h, 15, 2) || substr(h, 13, 2) || substr(h, 11, 2) || substr(h, 9, 2)
                   || substr(h, 7, 2) || substr(h, 5, 2) || substr(h, 3, 2) || substr(h, 1, 2) AS r
              FROM (SELECT lpad(to_hex(p_recid), 16, '0') AS h) x) y
$$;
COMMENT ON FUNCTION lake.fno_id(bigint) IS
  'The Synapse Link Id of an F&O RecId, the inverse of lake.recid: eight zero bytes, then the RecId little-endian. '
  'lake.fno_id(5637144576) = 00000000-0000-0000-0000-005001000000.';
