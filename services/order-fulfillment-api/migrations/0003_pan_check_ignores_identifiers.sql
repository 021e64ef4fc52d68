-- The outbox's card-number check must not refuse a legitimate order: 0001's contains_pan() also
-- matched digit runs INSIDE identifiers (a UUID such as 67d80702-7091-4526-9548-052b61b95afe holds
-- "80702-7091-4526-9548-05", 18 digits that pass Luhn), so about one order in two hundred failed
-- to insert. A card number stands on its own: the run may not touch a letter, digit or dash on
-- either side (a UUID's groups always do), while "4111 1111 1111 1111", "4111-1111-1111-1111" and
-- "4111111111111111" inside JSON strings or text are still found.
CREATE OR REPLACE FUNCTION contains_pan(value text) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT EXISTS (
    SELECT 1
    FROM regexp_matches(
      value, '(?<![0-9A-Za-z-])[0-9](?:[ -]?[0-9]){12,18}(?![0-9A-Za-z-])', 'g'
    ) AS m
    WHERE looks_like_pan(m[1])
  )
$$;
