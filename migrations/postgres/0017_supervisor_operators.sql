-- 0017_supervisor_operators.sql — conflicts name the operators who scanned
-- (issue 13, point 3).
--
-- A supervisor reviewing "two entries without an exit between" wants to
-- know who was at each gate, not only which gate. Every scan records its
-- operator (scan_logs.scanned_by); a conflict names both of its scans by
-- client_scan_id, so its rows now carry winner_operator and loser_operator:
-- the names of the operators signed in when those scans were made (NULL
-- when nobody was signed in). A removed operator keeps its name here.
--
-- The columns are added at the end; list_conflicts and device_conflicts keep
-- their arguments, grants and every column they had, so callers that read
-- the old columns by name keep working.
--
-- event_stats answers the same rows, faster: the Gates page asks every 5
-- seconds, and 0012's version counted with three subqueries per list and
-- per gate, each reading every stay (about 5 s for 100,000 stays). This one
-- reads the stays once per figure with GROUP BY.

DROP FUNCTION public.list_conflicts(uuid, boolean);
DROP FUNCTION public.device_conflicts(text, uuid);
DROP FUNCTION public.gate_conflict_rows(uuid, boolean, text);

CREATE FUNCTION public.gate_conflict_rows(p_event_id uuid, p_include_reviewed boolean, p_device_id text)
  RETURNS TABLE (id bigint, event_id uuid, ticket_id uuid, qr_token text, guest_name text,
                 ticket_type text, winner_device text, winner_time timestamptz, winner_scan_id uuid,
                 loser_device text, loser_time timestamptz, loser_scan_id uuid, detected_at timestamptz,
                 reviewed_at timestamptz, reviewed_by text, review_note text, server_time timestamptz,
                 winner_operator text, loser_operator text)
  LANGUAGE sql
  STABLE
  SET search_path = ''
AS $$
  SELECT c.id, c.event_id, c.ticket_id, t.qr_token, t.guest_name, t.ticket_type,
         c.winner_device, c.winner_time, c.winner_scan_id,
         c.loser_device, c.loser_time, c.loser_scan_id,
         c.detected_at, c.reviewed_at, c.reviewed_by, c.review_note, clock_timestamp(),
         (SELECT o.name FROM public.scan_logs l JOIN public.operators o ON o.id = l.scanned_by
           WHERE l.client_scan_id = c.winner_scan_id),
         (SELECT o.name FROM public.scan_logs l JOIN public.operators o ON o.id = l.scanned_by
           WHERE l.client_scan_id = c.loser_scan_id)
    FROM public.scan_conflicts c
    JOIN public.tickets t ON t.id = c.ticket_id
   WHERE (p_event_id IS NULL OR c.event_id = p_event_id)
     AND (p_include_reviewed OR c.reviewed_at IS NULL)
     AND (p_device_id IS NULL OR c.winner_device = p_device_id OR c.loser_device = p_device_id)
   ORDER BY c.detected_at DESC, c.id DESC
$$;

CREATE FUNCTION public.list_conflicts(p_event_id uuid, p_include_reviewed boolean DEFAULT false)
  RETURNS TABLE (id bigint, event_id uuid, ticket_id uuid, qr_token text, guest_name text,
                 ticket_type text, winner_device text, winner_time timestamptz, winner_scan_id uuid,
                 loser_device text, loser_time timestamptz, loser_scan_id uuid, detected_at timestamptz,
                 reviewed_at timestamptz, reviewed_by text, review_note text, server_time timestamptz,
                 winner_operator text, loser_operator text)
  LANGUAGE sql
  STABLE
  SECURITY DEFINER
  SET search_path = ''
AS $$
  SELECT * FROM public.gate_conflict_rows(p_event_id, coalesce(p_include_reviewed, false), NULL)
$$;

-- As in 0012: a device sees the conflicts it took part in, of its events.
CREATE FUNCTION public.device_conflicts(p_device_id text, p_event_id uuid)
  RETURNS TABLE (id bigint, event_id uuid, ticket_id uuid, qr_token text, guest_name text,
                 ticket_type text, winner_device text, winner_time timestamptz, winner_scan_id uuid,
                 loser_device text, loser_time timestamptz, loser_scan_id uuid, detected_at timestamptz,
                 reviewed_at timestamptz, reviewed_by text, review_note text, server_time timestamptz,
                 winner_operator text, loser_operator text)
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
  IF p_event_id IS NOT NULL THEN
    PERFORM public.gate_assert_event_allowed(p_device_id, p_event_id);
  END IF;

  RETURN QUERY SELECT * FROM public.gate_conflict_rows(p_event_id, true, p_device_id);
END
$$;

CREATE OR REPLACE FUNCTION public.event_stats(p_event_id uuid DEFAULT NULL, p_since timestamptz DEFAULT NULL)
  RETURNS TABLE (scope text, event_id uuid, list_id uuid, list_name text, device_id text, device_name text,
                 bucket timestamptz, entries bigint, exits bigint, inside bigint, server_time timestamptz)
  LANGUAGE sql
  STABLE
  SECURITY DEFINER
  SET search_path = ''
AS $$
  WITH stays AS MATERIALIZED (
    SELECT s.event_id, s.entered_at, s.entry_device, s.entry_list_id, s.exited_at, s.exit_device, s.exit_list_id
      FROM public.ticket_stays s
     WHERE p_event_id IS NULL OR s.event_id = p_event_id
  ), event_figures AS (
    SELECT s.event_id, count(*) AS entries, count(s.exited_at) AS exits,
           count(*) FILTER (WHERE s.exited_at IS NULL) AS inside
      FROM stays s GROUP BY s.event_id
  ), by_event AS (
    SELECT 'event'::text AS scope, e.id AS event_id, NULL::uuid AS list_id, NULL::text AS list_name,
           NULL::text AS device_id, NULL::text AS device_name, NULL::timestamptz AS bucket,
           coalesce(f.entries, 0) AS entries, coalesce(f.exits, 0) AS exits, coalesce(f.inside, 0) AS inside
      FROM public.events e LEFT JOIN event_figures f ON f.event_id = e.id
     WHERE p_event_id IS NULL OR e.id = p_event_id
  ), list_entries AS (
    SELECT s.event_id, s.entry_list_id AS list_id, count(*) AS entries,
           count(*) FILTER (WHERE s.exited_at IS NULL) AS inside
      FROM stays s GROUP BY 1, 2
  ), list_exits AS (
    SELECT s.event_id, s.exit_list_id AS list_id, count(*) AS exits
      FROM stays s WHERE s.exited_at IS NOT NULL GROUP BY 1, 2
  ), list_keys AS (
    SELECT l.event_id, l.id AS list_id, l.name FROM public.checkin_lists l
     WHERE p_event_id IS NULL OR l.event_id = p_event_id
    UNION
    SELECT le.event_id, NULL::uuid, NULL::text FROM list_entries le WHERE le.list_id IS NULL
    UNION
    SELECT lx.event_id, NULL::uuid, NULL::text FROM list_exits lx WHERE lx.list_id IS NULL
  ), by_list AS (
    SELECT 'list'::text, k.event_id, k.list_id, k.name, NULL::text, NULL::text, NULL::timestamptz,
           coalesce(le.entries, 0), coalesce(lx.exits, 0), coalesce(le.inside, 0)
      FROM list_keys k
      LEFT JOIN list_entries le ON le.event_id = k.event_id AND le.list_id IS NOT DISTINCT FROM k.list_id
      LEFT JOIN list_exits lx ON lx.event_id = k.event_id AND lx.list_id IS NOT DISTINCT FROM k.list_id
  ), gate_entries AS (
    SELECT s.event_id, s.entry_device AS device, count(*) AS entries,
           count(*) FILTER (WHERE s.exited_at IS NULL) AS inside
      FROM stays s GROUP BY 1, 2
  ), gate_exits AS (
    SELECT s.event_id, s.exit_device AS device, count(*) AS exits
      FROM stays s WHERE s.exited_at IS NOT NULL GROUP BY 1, 2
  ), gate_keys AS (
    SELECT ge.event_id, ge.device FROM gate_entries ge
    UNION
    SELECT gx.event_id, gx.device FROM gate_exits gx
  ), by_gate AS (
    SELECT 'gate'::text, k.event_id, NULL::uuid, NULL::text, k.device, d.name, NULL::timestamptz,
           coalesce(ge.entries, 0), coalesce(gx.exits, 0), coalesce(ge.inside, 0)
      FROM gate_keys k
      LEFT JOIN public.devices d ON d.id = k.device
      LEFT JOIN gate_entries ge ON ge.event_id = k.event_id AND ge.device IS NOT DISTINCT FROM k.device
      LEFT JOIN gate_exits gx ON gx.event_id = k.event_id AND gx.device IS NOT DISTINCT FROM k.device
  ), arrivals AS (
    SELECT 'arrivals'::text, s.event_id, NULL::uuid, NULL::text, s.entry_device, d.name,
           date_bin('5 minutes', s.entered_at, timestamptz '2000-01-01 00:00:00+00'),
           count(*), NULL::bigint, NULL::bigint
      FROM stays s LEFT JOIN public.devices d ON d.id = s.entry_device
     WHERE s.entered_at >= coalesce(p_since, clock_timestamp() - interval '24 hours')
     GROUP BY 2, 5, 6, 7
  )
  SELECT u.*, clock_timestamp() FROM (
    SELECT * FROM by_event
    UNION ALL SELECT * FROM by_list
    UNION ALL SELECT * FROM by_gate
    UNION ALL SELECT * FROM arrivals
  ) AS u
  ORDER BY u.scope = 'arrivals', u.event_id, u.scope, u.list_id NULLS LAST, u.device_id NULLS LAST, u.bucket
$$;

DO $$
DECLARE
  v_fn     regprocedure;
  v_role   text;
BEGIN
  FOR v_fn IN
    SELECT p.oid::regprocedure
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'public'
       AND p.proname IN ('gate_conflict_rows', 'list_conflicts', 'device_conflicts', 'event_stats')
  LOOP
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', v_fn);
    FOREACH v_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM %I', v_fn, v_role);
      END IF;
    END LOOP;
  END LOOP;
END
$$;

GRANT EXECUTE ON FUNCTION public.device_conflicts(text, uuid) TO gate_device;
GRANT EXECUTE ON FUNCTION public.list_conflicts(uuid, boolean) TO gate_supervisor;
