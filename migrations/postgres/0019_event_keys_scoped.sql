-- 0019_event_keys_scoped.sql — an assigned device reads the signing keys of
-- its own events only (issue 13, "an assigned device reads and scans only
-- its events").
--
-- event_keys (0010) answered any gate the public keys of any event. Public
-- keys are no secret, but they tell a device which events exist and let it
-- admit another event's signed codes offline as if they were its own. It
-- gains p_device_id (gate-server fills it in from the token; behind
-- PostgREST the JWT's device_id counts) and refuses an event the device is
-- not assigned to with 42501, like tickets_changed_since and event_summary.

DROP FUNCTION public.event_keys(uuid);

CREATE FUNCTION public.event_keys(p_event_id uuid, p_device_id text DEFAULT NULL)
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
  PERFORM public.gate_assert_event_allowed(public.gate_caller_device(p_device_id), p_event_id);

  RETURN QUERY
  SELECT k.key_id::int, encode(k.public_key, 'base64'), k.created_at, clock_timestamp()
    FROM public.event_signing_keys k
   WHERE k.event_id = p_event_id AND k.retired_at IS NULL
   ORDER BY k.key_id
   LIMIT 255;
END
$$;

REVOKE ALL ON FUNCTION public.event_keys(uuid, text) FROM PUBLIC;

DO $$
DECLARE
  v_role  text;
BEGIN
  FOREACH v_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
      EXECUTE format('REVOKE ALL ON FUNCTION public.event_keys(uuid, text) FROM %I', v_role);
    END IF;
  END LOOP;
END
$$;

-- Supervisors are members of gate_device and inherit this grant.
GRANT EXECUTE ON FUNCTION public.event_keys(uuid, text) TO gate_device;
