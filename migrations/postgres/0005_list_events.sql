-- 0005_list_events.sql — the events a device may scan, for picking one in
-- the preferences. Columns match event_summary so one decoder reads both.

-- Every event is scannable by every device (there is no device–event
-- assignment). Order: events from a day ago onwards first, soonest first, as
-- these are the ones a gate is being set up for; then older ones, most
-- recent first; events without a start time last.
CREATE FUNCTION public.list_events(p_device_id text)
  RETURNS TABLE (event_id uuid, name text, starts_at timestamptz, ticket_count bigint,
                 scanned_count bigint, server_time timestamptz)
  LANGUAGE plpgsql
  STABLE
  SECURITY DEFINER
  SET search_path = ''
AS $$
BEGIN
  IF p_device_id IS NULL THEN
    RAISE EXCEPTION 'p_device_id is required' USING ERRCODE = '22004';
  END IF;
  PERFORM public.gate_assert_caller(p_device_id);

  -- gate-server refuses revoked tokens before calling; behind PostgREST a
  -- revoked device may still hold a valid JWT, so check here too.
  IF EXISTS (SELECT 1 FROM public.devices d WHERE d.id = p_device_id AND d.revoked_at IS NOT NULL) THEN
    RAISE EXCEPTION 'device % is revoked', p_device_id USING ERRCODE = '42501';
  END IF;

  RETURN QUERY
  SELECT e.id, e.name, e.starts_at,
         (SELECT count(*) FROM public.tickets t WHERE t.event_id = e.id),
         (SELECT count(*) FROM public.tickets t WHERE t.event_id = e.id AND t.status = 'scanned'),
         clock_timestamp()
    FROM public.events e
   ORDER BY e.starts_at IS NULL,
            e.starts_at < now() - interval '1 day',
            CASE WHEN e.starts_at >= now() - interval '1 day' THEN e.starts_at END ASC,
            e.starts_at DESC,
            e.name, e.id;
END
$$;

REVOKE ALL ON FUNCTION public.list_events(text) FROM PUBLIC;

DO $$
DECLARE
  v_role  text;
BEGIN
  FOREACH v_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
      EXECUTE format('REVOKE ALL ON FUNCTION public.list_events(text) FROM %I', v_role);
    END IF;
  END LOOP;
END
$$;

-- Supervisors are members of gate_device and inherit this grant.
GRANT EXECUTE ON FUNCTION public.list_events(text) TO gate_device;
