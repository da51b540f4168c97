-- 0020_list_events_kept_counts.sql — list_events reads the counts kept as
-- tickets change (issue 16).
--
-- The preferences' event list (list_events) counted every ticket of every
-- event it listed, twice: with a million tickets, each time a supervisor
-- opened Preferences the server read a million rows. event_summary reads
-- the counts 0008 keeps per event (event_ticket_counts) since 0008/0012;
-- list_events now does the same. Same signature, same answer.

CREATE OR REPLACE FUNCTION public.list_events(p_device_id text)
  RETURNS TABLE (event_id uuid, name text, starts_at timestamptz, ticket_count bigint,
                 scanned_count bigint, server_time timestamptz)
  LANGUAGE plpgsql
  STABLE
  SECURITY DEFINER
  SET search_path = ''
AS $$
DECLARE
  v_events  uuid[];
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
  v_events := public.gate_device_events(p_device_id);

  RETURN QUERY
  SELECT e.id, e.name, e.starts_at,
         -- The counts kept as tickets change (0008), not a count of the event.
         coalesce((SELECT sum(c.tickets) FROM public.event_ticket_counts c WHERE c.event_id = e.id), 0)::bigint,
         coalesce((SELECT sum(c.scanned) FROM public.event_ticket_counts c WHERE c.event_id = e.id), 0)::bigint,
         clock_timestamp()
    FROM public.events e
   WHERE v_events IS NULL OR e.id = ANY (v_events)
   ORDER BY e.starts_at IS NULL,
            e.starts_at < now() - interval '1 day',
            CASE WHEN e.starts_at >= now() - interval '1 day' THEN e.starts_at END ASC,
            e.starts_at DESC,
            e.name, e.id;
END
$$;

