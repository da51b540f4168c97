-- 0009_enrolment.sql — a gate enrolled by a setup code (issue 14,
-- DESIGN.md §10 "Enrolment by setup code", docs/enrolment.md).
--
-- `gatectl device add … --setup-code` creates the devices row without a
-- token and a setup code for it: 16 characters of RFC 4648 base32 (80
-- random bits), of which only the SHA-256 is stored here, with the server
-- URL the kiosk should use and the event and list it is meant for.
-- enroll_device(p_code) trades a code, once and before it expires, for a
-- new device token made here (only its hash is kept, as gatectl does for
-- `device add` without a code). It needs no device token: gate-server
-- calls it for requests without one, as gate_authenticator; on Supabase
-- the anon role may call it, and nothing else.
--
-- Failures carry their own status (PostgREST's PTnnn): an unknown code
-- 400, a used one 409, an expired one or a revoked device 410. A guesser
-- can tell them apart only for a code that exists, which 80 bits make
-- hopeless; gate-server also counts every failure against the address
-- (its failed-authentication limiter, 429 once blocked).

CREATE TABLE public.device_setup_codes (
  code_hash   text PRIMARY KEY CHECK (code_hash ~ '^[0-9a-f]{64}$'),
  device_id   text NOT NULL REFERENCES public.devices (id) ON DELETE CASCADE,
  event_id    uuid REFERENCES public.events (id) ON DELETE SET NULL,
  list_id     uuid,
  server      text NOT NULL CHECK (length(server) BETWEEN 1 AND 2048),
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  CHECK (expires_at > created_at)
);

CREATE INDEX device_setup_codes_device_idx ON public.device_setup_codes (device_id);

REVOKE ALL ON public.device_setup_codes FROM PUBLIC;
ALTER TABLE public.device_setup_codes ENABLE ROW LEVEL SECURITY;

-- The form a code is stored and compared in: what was printed, whatever a
-- reader or a typist made of its case, dashes and spaces.
CREATE FUNCTION public.gate_setup_code_hash(p_code text)
  RETURNS text
  LANGUAGE sql
  IMMUTABLE
  SET search_path = ''
AS $$
  SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
           pg_catalog.upper(pg_catalog.regexp_replace(p_code, '[[:space:]-]', '', 'g')), 'UTF8')), 'hex')
$$;

-- A device token as gatectl makes one: "gst_" and 32 random bytes in
-- unpadded base64url. gen_random_uuid() draws from the server's strong
-- random source; two of them give 244 random bits (the version and
-- variant bits are fixed).
CREATE FUNCTION public.gate_new_device_token()
  RETURNS text
  LANGUAGE sql
  VOLATILE
  SET search_path = ''
AS $$
  SELECT 'gst_' || pg_catalog.translate(pg_catalog.rtrim(pg_catalog.encode(
           pg_catalog.decode(pg_catalog.replace(pg_catalog.gen_random_uuid()::text
                                                || pg_catalog.gen_random_uuid()::text, '-', ''), 'hex'),
           'base64'), '='), '+/', '-_')
$$;

CREATE FUNCTION public.enroll_device(p_code text)
  RETURNS jsonb
  LANGUAGE plpgsql
  VOLATILE
  SECURITY DEFINER
  SET search_path = ''
AS $$
DECLARE
  v_code    public.device_setup_codes;
  v_device  public.devices;
  v_token   text;
BEGIN
  -- Longer than any code with its dashes and spaces: not worth hashing.
  IF p_code IS NULL OR length(p_code) > 64 THEN
    RAISE EXCEPTION 'unknown setup code' USING ERRCODE = 'PT400',
      HINT = 'Ask IT for a new setup code (gatectl device add … --setup-code)';
  END IF;

  SELECT * INTO v_code FROM public.device_setup_codes c
   WHERE c.code_hash = public.gate_setup_code_hash(p_code)
     FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown setup code' USING ERRCODE = 'PT400',
      HINT = 'Ask IT for a new setup code (gatectl device add … --setup-code)';
  END IF;
  IF v_code.used_at IS NOT NULL THEN
    RAISE EXCEPTION 'setup code already used' USING ERRCODE = 'PT409',
      DETAIL = format('It was used at %s.', v_code.used_at),
      HINT = 'A setup code works once; ask IT for a new one';
  END IF;
  IF v_code.expires_at <= pg_catalog.now() THEN
    RAISE EXCEPTION 'setup code expired' USING ERRCODE = 'PT410',
      DETAIL = format('It expired at %s.', v_code.expires_at),
      HINT = 'Ask IT for a new setup code';
  END IF;

  SELECT * INTO v_device FROM public.devices d WHERE d.id = v_code.device_id FOR UPDATE;
  IF v_device.revoked_at IS NOT NULL THEN
    RAISE EXCEPTION 'the device of this setup code was revoked' USING ERRCODE = 'PT410',
      HINT = 'Ask IT for a new setup code';
  END IF;

  v_token := public.gate_new_device_token();
  UPDATE public.devices
     SET token_hash = pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(v_token, 'UTF8')), 'hex')
   WHERE id = v_device.id;
  UPDATE public.device_setup_codes SET used_at = pg_catalog.now() WHERE code_hash = v_code.code_hash;

  RETURN pg_catalog.jsonb_build_object('device_id', v_device.id, 'token', v_token,
                                       'event_id', v_code.event_id, 'list_id', v_code.list_id,
                                       'server', v_code.server);
END
$$;

REVOKE ALL ON FUNCTION public.gate_setup_code_hash(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.gate_new_device_token() FROM PUBLIC;
REVOKE ALL ON FUNCTION public.enroll_device(text) FROM PUBLIC;

-- gate-server calls it for requests without a device token.
GRANT EXECUTE ON FUNCTION public.enroll_device(text) TO gate_authenticator;

-- On Supabase: the anon key may enroll, and do nothing else (every other
-- function was revoked from anon by the migrations before this one).
DO $$
DECLARE
  v_role  text;
BEGIN
  FOREACH v_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
      EXECUTE format('REVOKE ALL ON public.device_setup_codes FROM %I', v_role);
      EXECUTE format('REVOKE ALL ON FUNCTION public.gate_setup_code_hash(text), '
                     'public.gate_new_device_token() FROM %I', v_role);
    END IF;
  END LOOP;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
    GRANT EXECUTE ON FUNCTION public.enroll_device(text) TO anon;
  END IF;
END
$$;
