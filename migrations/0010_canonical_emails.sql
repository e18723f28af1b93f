-- E-mails in their canonical form (issue 14, item 6: look-alike accounts). The application stores,
-- shows and looks up one form (src/features/users/account-input.ts, normaliseEmail): NFKC, lower
-- case, NFKC again, the domain as its IDNA A-label. Only that form is kept, no as-typed display
-- copy beside it, so what a list or an audit record shows is what identifies the account; the
-- unique index users_email_key then makes look-alikes one account.
--
-- Rows written before this migration were trimmed, NFC and lower-case only. They are rewritten in
-- the canonical form by email_canonical() below, the same steps in SQL (punycode per RFC 3492);
-- test/users/users.email-canonical-migration.test.ts checks that it agrees with the application.
-- Known limits of the SQL copy, for domains no real address uses: it does not apply UTS #46's
-- bidi and validity checks (a label the application refuses is still converted here) nor its
-- few mappings beyond NFKC and lower case (Cherokee letters fold to upper case there).
--
-- Existing rows that this cannot settle stop the migration, loudly, rather than be decided here:
--   - two or more accounts whose e-mails are one address in canonical form (say alice@bücher.de
--     and alice@xn--bcher-kva.de): which person owns the address is not the database's to guess,
--     and merging or renaming silently would move someone's login; the error lists the user ids
--     of each group;
--   - an e-mail holding invisible, control or direction characters (alice\u200b@a.com): the
--     look-alike this issue closes, which no rewrite can make safe; the error lists the user ids.
-- The operator changes (UPDATE users SET email = ... WHERE id = ...) or deletes those accounts and
-- starts again; the migration is undone whole in the meantime (its own savepoint) and nothing of
-- it stays applied.

-- RFC 3492 §6.3 encoding of one label (code points, no 'xn--' prefix).
CREATE FUNCTION email_punycode(p_label text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT
SET search_path = pg_catalog
AS $$
DECLARE
  code_points int[] := ARRAY(SELECT ascii(c) FROM regexp_split_to_table(p_label, '') WITH ORDINALITY AS t(c, i) ORDER BY i);
  total int := cardinality(code_points);
  output text := '';
  n int := 128;
  delta bigint := 0;
  bias int := 72;
  handled int;
  basic int;
  m int;
  q bigint;
  k int;
  t int;
  c int;
  digit int;
BEGIN
  FOREACH c IN ARRAY code_points LOOP
    IF c < 128 THEN output := output || chr(c); END IF;
  END LOOP;
  basic := length(output);
  handled := basic;
  IF basic > 0 THEN output := output || '-'; END IF;
  WHILE handled < total LOOP
    SELECT min(x) INTO m FROM unnest(code_points) AS x WHERE x >= n;
    delta := delta + (m - n)::bigint * (handled + 1);
    n := m;
    FOREACH c IN ARRAY code_points LOOP
      IF c < n THEN delta := delta + 1; END IF;
      IF c = n THEN
        q := delta;
        k := 36;
        LOOP
          t := CASE WHEN k <= bias THEN 1 WHEN k >= bias + 26 THEN 26 ELSE k - bias END;
          EXIT WHEN q < t;
          digit := t + ((q - t) % (36 - t))::int;
          output := output || chr(CASE WHEN digit < 26 THEN 97 + digit ELSE 22 + digit END);
          q := (q - t) / (36 - t);
          k := k + 36;
        END LOOP;
        output := output || chr(CASE WHEN q < 26 THEN 97 + q::int ELSE 22 + q::int END);
        -- adapt(delta, handled + 1, handled = basic), §6.1
        delta := CASE WHEN handled = basic THEN delta / 700 ELSE delta / 2 END;
        delta := delta + delta / (handled + 1);
        k := 0;
        WHILE delta > 455 LOOP
          delta := delta / 35;
          k := k + 36;
        END LOOP;
        bias := k + ((36 * delta) / (delta + 38))::int;
        delta := 0;
        handled := handled + 1;
      END IF;
    END LOOP;
    delta := delta + 1;
    n := n + 1;
  END LOOP;
  RETURN output;
END
$$;

-- normaliseEmail in SQL. A domain ending in a number stays as it is (the application leaves it:
-- WHATWG reads it as an IPv4 address); ideographic full stops separate labels (UTS #46); an
-- all-ASCII domain is its own A-label once lower-case.
CREATE FUNCTION email_canonical(p_email text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT
SET search_path = pg_catalog
AS $$
DECLARE
  email text := normalize(lower(normalize(p_email, NFKC)), NFKC);
  local_part text := substring(email FROM '^(.*)@[^@]*$');
  typed_domain text := substring(email FROM '@([^@]*)$');
  domain text := replace(typed_domain, U&'\3002', '.');
BEGIN
  IF typed_domain IS NULL OR typed_domain = '' OR typed_domain ~ '(^|\.)([0-9]+|0x[0-9a-f]*)\.?$' THEN
    RETURN email;
  END IF;
  IF domain !~ '[^\x01-\x7f]' THEN
    RETURN local_part || '@' || domain;
  END IF;
  RETURN local_part || '@' || (
    SELECT string_agg(CASE WHEN label ~ '[^\x01-\x7f]' THEN 'xn--' || public.email_punycode(label) ELSE label END, '.' ORDER BY i)
    FROM unnest(string_to_array(domain, '.')) WITH ORDINALITY AS l(label, i)
  );
END
$$;

-- Controls (C0, DEL, C1), format characters (zero-width, bidi embeddings, overrides, isolates and
-- marks, soft hyphen, BOM, tags…) and line/paragraph separators: src/platform/text-rules.ts's
-- 'strict' rule as far as SQL can say it (it cannot name unassigned code points; the test checks
-- this list against JavaScript's Cc, Cf, Zl and Zp).
CREATE FUNCTION email_has_invisible_characters(p_email text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog
AS $$
  SELECT p_email ~ ('[\x01-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e'
                    '\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb'
                    '\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a'
                    '\U000e0001\U000e0020-\U000e007f]')
$$;

REVOKE ALL ON FUNCTION email_punycode(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION email_canonical(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION email_has_invisible_characters(text) FROM PUBLIC;

DO $$
DECLARE
  groups text;
  hidden text;
BEGIN
  SELECT string_agg(ids, '; ') INTO groups FROM (
    SELECT '[' || string_agg(id::text, ', ' ORDER BY created_at, id) || ']' AS ids
    FROM users GROUP BY email_canonical(email) HAVING count(*) > 1
  ) AS duplicates;
  IF groups IS NOT NULL THEN
    RAISE EXCEPTION 'users whose e-mails are one address in canonical form (NFKC, lower case, IDNA A-label): %; keep one account of each group, change the e-mail of or delete the others, then migrate again', groups;
  END IF;
  SELECT string_agg(id::text, ', ' ORDER BY created_at, id) INTO hidden
  FROM users WHERE email_has_invisible_characters(email);
  IF hidden IS NOT NULL THEN
    RAISE EXCEPTION 'users whose e-mails hold invisible, control or direction characters: %; change the e-mail of or delete each, then migrate again', hidden;
  END IF;
END
$$;

UPDATE users SET email = email_canonical(email), updated_at = now() WHERE email <> email_canonical(email);

-- From here on the database refuses a non-canonical domain or a non-NFKC address outright, whatever
-- writes the row.
ALTER TABLE users ADD CONSTRAINT users_email_canonical
  CHECK (email IS NFKC NORMALIZED AND substring(email FROM '@([^@]*)$') ~ '^[a-z0-9.-]+$');
