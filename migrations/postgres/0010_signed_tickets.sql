-- 0010_signed_tickets.sql — per-event Ed25519 keys for signed ticket codes
-- (docs/signed-tickets.md).
--
-- A signed ticket's qr_token IS its signed code ("GSS:…"): scan_ticket,
-- sync_offline_scans and tickets_changed_since find it by qr_token as any
-- other ticket, so online and uploaded offline scans need no change. What is
-- new is what a kiosk needs to trust a code it has never downloaded: the
-- event's public keys, read with event_keys().

-- Public halves: devices of the event read them through event_keys().
CREATE TABLE public.event_signing_keys (
  event_id    uuid NOT NULL REFERENCES public.events (id),
  key_id      smallint NOT NULL CHECK (key_id BETWEEN 1 AND 255),
  public_key  bytea NOT NULL CHECK (octet_length(public_key) = 32),
  created_at  timestamptz NOT NULL DEFAULT now(),
  -- A retired key signs nothing new and is no longer sent to devices, so
  -- codes under it are checked online (or from the cache) only.
  retired_at  timestamptz,
  PRIMARY KEY (event_id, key_id)
);

-- Private halves (the 32-byte Ed25519 seed). Only the owner — the admin's
-- connection, gatectl — reads them; no function returns them, no role is
-- granted them, and row level security without a policy hides them from a
-- privilege granted by mistake.
CREATE TABLE public.event_signing_seeds (
  event_id  uuid NOT NULL,
  key_id    smallint NOT NULL,
  seed      bytea NOT NULL CHECK (octet_length(seed) = 32),
  PRIMARY KEY (event_id, key_id),
  FOREIGN KEY (event_id, key_id) REFERENCES public.event_signing_keys (event_id, key_id) ON DELETE CASCADE
);

REVOKE ALL ON public.event_signing_keys, public.event_signing_seeds FROM PUBLIC;
REVOKE ALL ON public.event_signing_keys, public.event_signing_seeds FROM gate_device, gate_supervisor;

DO $$
DECLARE
  v_role  text;
BEGIN
  FOREACH v_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
      EXECUTE format('REVOKE ALL ON public.event_signing_keys, public.event_signing_seeds FROM %I', v_role);
    END IF;
  END LOOP;
END
$$;

ALTER TABLE public.event_signing_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.event_signing_seeds ENABLE ROW LEVEL SECURITY;

-- The event's keys in use, oldest first; public_key in standard base64.
-- An event without keys answers no rows (its tickets are all unsigned).
CREATE FUNCTION public.event_keys(p_event_id uuid)
  RETURNS TABLE (key_id int, public_key text, created_at timestamptz, server_time timestamptz)
  LANGUAGE plpgsql
  STABLE
  SECURITY DEFINER
  SET search_path = ''
AS $$
BEGIN
  IF p_event_id IS NULL THEN
    RAISE EXCEPTION 'p_event_id is required' USING ERRCODE = '22004';
  END IF;

  RETURN QUERY
  SELECT k.key_id::int, encode(k.public_key, 'base64'), k.created_at, clock_timestamp()
    FROM public.event_signing_keys k
   WHERE k.event_id = p_event_id AND k.retired_at IS NULL
   ORDER BY k.key_id
   LIMIT 255;
END
$$;

REVOKE ALL ON FUNCTION public.event_keys(uuid) FROM PUBLIC;

DO $$
DECLARE
  v_role  text;
BEGIN
  FOREACH v_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
      EXECUTE format('REVOKE ALL ON FUNCTION public.event_keys(uuid) FROM %I', v_role);
    END IF;
  END LOOP;
END
$$;

-- Supervisors are members of gate_device and inherit this grant.
GRANT EXECUTE ON FUNCTION public.event_keys(uuid) TO gate_device;
