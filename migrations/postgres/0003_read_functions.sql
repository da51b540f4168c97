-- 0003_read_functions.sql — delta download, summaries, devices, conflicts,
-- and the two internal functions gate-server authenticates with.

-- Delta download. The cursor is "<base>|<target>|<last_xid>|<last_id>":
--   base    a snapshot; the client has every change visible in it
--   target  the snapshot taken when this round of pages began
--   last_*  the keyset position inside the round
-- A round returns the rows whose last writer is not visible in base, in
-- (change_xid, id) order. A writer that was still running when a page was
-- read is not visible in target, so the next round (base := target) returns
-- its rows however late it commits: out-of-order commits are never missed.
-- Rows may come twice; clients upsert.
CREATE FUNCTION public.tickets_changed_since(
  p_event_id  uuid,
  p_cursor    text DEFAULT NULL,
  p_limit     int DEFAULT 1000)
  RETURNS TABLE (id uuid, qr_token text, qr_signature text, ticket_type text, guest_name text,
                 status text, scanned_at timestamptz, scanned_device text, updated_at timestamptz,
                 next_cursor text)
  LANGUAGE plpgsql
  STABLE
  SECURITY DEFINER
  SET search_path = ''
AS $$
DECLARE
  v_parts     text[];
  v_base      pg_snapshot;
  v_target    pg_snapshot;
  v_last_xid  xid8;
  v_last_id   uuid;
  v_limit     int := least(greatest(coalesce(p_limit, 1000), 1), 1000);
BEGIN
  IF p_event_id IS NULL THEN
    RAISE EXCEPTION 'p_event_id is required' USING ERRCODE = '22004';
  END IF;

  IF p_cursor IS NULL OR p_cursor = '' THEN
    v_base := '1:1:'::pg_snapshot;
  ELSE
    v_parts := string_to_array(p_cursor, '|');
    IF array_length(v_parts, 1) <> 4 THEN
      RAISE EXCEPTION 'malformed cursor' USING ERRCODE = '22023';
    END IF;
    v_base := v_parts[1]::pg_snapshot;
    IF v_parts[2] <> '' THEN
      v_target := v_parts[2]::pg_snapshot;
      v_last_xid := v_parts[3]::xid8;
      v_last_id := v_parts[4]::uuid;
    END IF;
  END IF;

  IF v_target IS NULL THEN
    v_target := pg_current_snapshot();
  END IF;

  -- One row more than asked tells whether this page ends the round.
  RETURN QUERY
  -- The keyset range comes straight off tickets_event_change_idx; only the
  -- page itself is numbered, so a full refresh stays linear.
  WITH candidates AS MATERIALIZED (
    SELECT t.*
      FROM public.tickets t
     WHERE t.event_id = p_event_id
       AND t.change_xid >= pg_snapshot_xmin(v_base)
       AND NOT pg_visible_in_snapshot(t.change_xid, v_base)
       AND (t.change_xid, t.id) > (coalesce(v_last_xid, '0'::xid8),
                                   coalesce(v_last_id, '00000000-0000-0000-0000-000000000000'::uuid))
     ORDER BY t.change_xid, t.id
     LIMIT v_limit + 1
  ), page AS (
    SELECT c.*, row_number() OVER (ORDER BY c.change_xid, c.id) AS rn FROM candidates c
  ), cut AS MATERIALIZED (
    -- One row, computed once: the cursor every row of this page carries.
    SELECT CASE WHEN EXISTS (SELECT 1 FROM page q WHERE q.rn > v_limit)
                THEN v_base::text || '|' || v_target::text || '|' || p.change_xid::text || '|' || p.id::text
                ELSE v_target::text || '|||'
           END AS next_cursor
      FROM (SELECT 1) AS one
      LEFT JOIN page p ON p.rn = v_limit
  )
  SELECT p.id, p.qr_token, p.qr_signature, p.ticket_type, p.guest_name, p.status,
         p.scanned_at, p.scanned_device, p.updated_at, c.next_cursor
    FROM page p
   CROSS JOIN cut c
   WHERE p.rn <= v_limit
   ORDER BY p.rn;
END
$$;

CREATE FUNCTION public.event_summary(p_event_id uuid)
  RETURNS TABLE (event_id uuid, name text, starts_at timestamptz, ticket_count bigint,
                 scanned_count bigint, server_time timestamptz)
  LANGUAGE sql
  STABLE
  SECURITY DEFINER
  SET search_path = ''
AS $$
  SELECT e.id, e.name, e.starts_at,
         (SELECT count(*) FROM public.tickets t WHERE t.event_id = e.id),
         (SELECT count(*) FROM public.tickets t WHERE t.event_id = e.id AND t.status = 'scanned'),
         clock_timestamp()
    FROM public.events e
   WHERE e.id = p_event_id
$$;

CREATE FUNCTION public.device_heartbeat(
  p_device_id        text,
  p_app_version      text,
  p_pending_scans    int,
  p_last_refresh_at  timestamptz)
  -- Two columns: a one-column table is a set of scalars to PostgreSQL, and
  -- clients expect rows as objects.
  RETURNS TABLE (device_id text, server_time timestamptz)
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = ''
AS $$
BEGIN
  IF p_device_id IS NULL THEN
    RAISE EXCEPTION 'p_device_id is required' USING ERRCODE = '22004';
  END IF;
  PERFORM public.gate_assert_caller(p_device_id);

  -- On Supabase devices authenticate with JWTs and may not be registered yet.
  INSERT INTO public.devices AS d (id, name, role, last_seen_at, app_version, pending_scans, last_refresh_at)
  VALUES (p_device_id, p_device_id, 'gate', now(), p_app_version, p_pending_scans, p_last_refresh_at)
  ON CONFLICT (id) DO UPDATE
     SET last_seen_at = now(), app_version = excluded.app_version,
         pending_scans = excluded.pending_scans, last_refresh_at = excluded.last_refresh_at;

  RETURN QUERY SELECT p_device_id, clock_timestamp();
END
$$;

CREATE FUNCTION public.gate_conflict_rows(p_event_id uuid, p_include_reviewed boolean, p_device_id text)
  RETURNS TABLE (id bigint, event_id uuid, ticket_id uuid, qr_token text, guest_name text,
                 ticket_type text, winner_device text, winner_time timestamptz, winner_scan_id uuid,
                 loser_device text, loser_time timestamptz, loser_scan_id uuid, detected_at timestamptz,
                 reviewed_at timestamptz, reviewed_by text, review_note text, server_time timestamptz)
  LANGUAGE sql
  STABLE
  SET search_path = ''
AS $$
  SELECT c.id, c.event_id, c.ticket_id, t.qr_token, t.guest_name, t.ticket_type,
         c.winner_device, c.winner_time, c.winner_scan_id,
         c.loser_device, c.loser_time, c.loser_scan_id,
         c.detected_at, c.reviewed_at, c.reviewed_by, c.review_note, clock_timestamp()
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
                 reviewed_at timestamptz, reviewed_by text, review_note text, server_time timestamptz)
  LANGUAGE sql
  STABLE
  SECURITY DEFINER
  SET search_path = ''
AS $$
  SELECT * FROM public.gate_conflict_rows(p_event_id, coalesce(p_include_reviewed, false), NULL)
$$;

-- Both devices of a conflict can see it, whoever uploaded last.
CREATE FUNCTION public.device_conflicts(p_device_id text, p_event_id uuid)
  RETURNS TABLE (id bigint, event_id uuid, ticket_id uuid, qr_token text, guest_name text,
                 ticket_type text, winner_device text, winner_time timestamptz, winner_scan_id uuid,
                 loser_device text, loser_time timestamptz, loser_scan_id uuid, detected_at timestamptz,
                 reviewed_at timestamptz, reviewed_by text, review_note text, server_time timestamptz)
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

  RETURN QUERY SELECT * FROM public.gate_conflict_rows(p_event_id, true, p_device_id);
END
$$;

CREATE FUNCTION public.review_conflict(p_conflict_id bigint, p_reviewed_by text, p_note text DEFAULT NULL)
  RETURNS TABLE (id bigint, reviewed_at timestamptz, server_time timestamptz)
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = ''
AS $$
DECLARE
  v_reviewed_at  timestamptz;
BEGIN
  IF p_reviewed_by IS NULL OR btrim(p_reviewed_by) = '' THEN
    RAISE EXCEPTION 'p_reviewed_by is required' USING ERRCODE = '22004';
  END IF;

  UPDATE public.scan_conflicts c
     SET reviewed_at = coalesce(c.reviewed_at, clock_timestamp()),
         reviewed_by = p_reviewed_by,
         review_note = p_note
   WHERE c.id = p_conflict_id
  RETURNING c.reviewed_at INTO v_reviewed_at;

  IF NOT FOUND THEN
    RAISE EXCEPTION 'conflict % does not exist', p_conflict_id USING ERRCODE = 'P0002';
  END IF;

  RETURN QUERY SELECT p_conflict_id, v_reviewed_at, clock_timestamp();
END
$$;

CREATE FUNCTION public.list_devices(p_event_id uuid DEFAULT NULL)
  RETURNS TABLE (id text, name text, role text, last_seen_at timestamptz, app_version text,
                 pending_scans int, last_refresh_at timestamptz, revoked_at timestamptz,
                 server_time timestamptz)
  LANGUAGE sql
  STABLE
  SECURITY DEFINER
  SET search_path = ''
AS $$
  SELECT d.id, d.name, d.role, d.last_seen_at, d.app_version, d.pending_scans, d.last_refresh_at,
         d.revoked_at, clock_timestamp()
    FROM public.devices d
   WHERE p_event_id IS NULL
      OR EXISTS (SELECT 1 FROM public.scan_logs l WHERE l.device_id = d.id AND l.event_id = p_event_id)
   ORDER BY d.name, d.id
$$;

-- Internal to gate-server: which device and role a token hash belongs to.
CREATE FUNCTION public.gate_authenticate(p_token_hash text)
  RETURNS TABLE (device_id text, db_role text)
  LANGUAGE sql
  STABLE
  SECURITY DEFINER
  SET search_path = ''
AS $$
  SELECT d.id, CASE d.role WHEN 'supervisor' THEN 'gate_supervisor' ELSE 'gate_device' END
    FROM public.devices d
   WHERE d.token_hash = p_token_hash AND d.revoked_at IS NULL
$$;

-- Internal to gate-server: fails the request's transaction when a cached
-- token has been revoked since, so revocation takes effect at once.
CREATE FUNCTION public.gate_check_device(p_token_hash text, p_device_id text)
  RETURNS void
  LANGUAGE plpgsql
  STABLE
  SECURITY DEFINER
  SET search_path = ''
AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM public.devices d
                  WHERE d.token_hash = p_token_hash AND d.id = p_device_id AND d.revoked_at IS NULL) THEN
    RAISE EXCEPTION 'invalid or revoked device token' USING ERRCODE = '28000';
  END IF;
END
$$;
