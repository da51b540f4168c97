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

DO $$
DECLARE
  v_fn     regprocedure;
  v_role   text;
BEGIN
  FOR v_fn IN
    SELECT p.oid::regprocedure
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'public'
       AND p.proname IN ('gate_conflict_rows', 'list_conflicts', 'device_conflicts')
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
