-- 0022_event_inside.sql — how many are inside, for the gates of the event
-- (issue 13: "412 inside" on the kiosk's status strip).
--
-- event_stats (0012, 0017) is a supervisor's view of every gate; a gate
-- token may not call it. A kiosk needs one number for its own event:
-- event_inside answers it, scoped like event_summary (an assigned device
-- asks about its events only, 42501 otherwise), from the presence summary
-- that 0016 keeps. The count reads a partial index of those inside, so it
-- costs what is inside, not the event's size. Its row has event_stats'
-- shape for the "event" scope, so a client reads either the same way.

CREATE INDEX ticket_presence_inside_idx ON public.ticket_presence (event_id) WHERE inside;

CREATE FUNCTION public.event_inside(p_event_id uuid, p_device_id text DEFAULT NULL)
  RETURNS TABLE (scope text, event_id uuid, inside bigint, server_time timestamptz)
  LANGUAGE plpgsql
  STABLE
  SECURITY DEFINER
  SET search_path = ''
  ROWS 1
AS $$
BEGIN
  IF p_event_id IS NULL THEN
    RAISE EXCEPTION 'p_event_id is required' USING ERRCODE = '22004';
  END IF;
  PERFORM public.gate_assert_event_allowed(public.gate_caller_device(p_device_id), p_event_id);

  RETURN QUERY
  SELECT 'event'::text, e.id,
         (SELECT count(*) FROM public.ticket_presence p WHERE p.event_id = e.id AND p.inside),
         clock_timestamp()
    FROM public.events e
   WHERE e.id = p_event_id;
END
$$;

REVOKE ALL ON FUNCTION public.event_inside(uuid, text) FROM PUBLIC;

DO $$
DECLARE
  v_role  text;
BEGIN
  FOREACH v_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
      EXECUTE format('REVOKE ALL ON FUNCTION public.event_inside(uuid, text) FROM %I', v_role);
    END IF;
  END LOOP;
END
$$;

-- Supervisors are members of gate_device and inherit this grant.
GRANT EXECUTE ON FUNCTION public.event_inside(uuid, text) TO gate_device;
