-- 0012_gate_rules_functions.sql — scanning by the gate rules, devices kept
-- to their events, operators, per-gate numbers (issue 13).
--
-- scan_ticket gains p_direction ('entry' by default) and p_list_id (by
-- default the device's list for that event; without one, exactly what it
-- did before). Every path that admits a ticket also opens its stay, so an
-- exit anywhere finds it; the tables of 0011 refuse a second open stay.

-- --- helpers -------------------------------------------------------------------

-- The events a device is assigned to; NULL when it is not assigned (it may
-- then scan every event, as before).
CREATE FUNCTION public.gate_device_events(p_device_id text)
  RETURNS uuid[]
  LANGUAGE sql STABLE
  SET search_path = ''
AS $$
  SELECT array_agg(de.event_id) FROM public.device_events de WHERE de.device_id = p_device_id
$$;

CREATE FUNCTION public.gate_assert_event_allowed(p_device_id text, p_event_id uuid)
  RETURNS void
  LANGUAGE plpgsql STABLE
  SET search_path = ''
AS $$
DECLARE
  v_events  uuid[] := public.gate_device_events(p_device_id);
BEGIN
  IF v_events IS NOT NULL AND (p_event_id IS NULL OR NOT p_event_id = ANY (v_events)) THEN
    RAISE EXCEPTION 'device % is not assigned to event %', p_device_id, p_event_id
      USING ERRCODE = '42501', HINT = 'gatectl device assign adds events to a device.';
  END IF;
END
$$;

-- The list a scan is judged by: @p_list_id when given (it must be a list of
-- @p_event_id), else the device's own list when it is one of that event;
-- a row of NULLs when there is none.
CREATE FUNCTION public.gate_scan_list(p_device_id text, p_event_id uuid, p_list_id uuid)
  RETURNS public.checkin_lists
  LANGUAGE plpgsql STABLE
  SET search_path = ''
AS $$
DECLARE
  v_list  public.checkin_lists;
BEGIN
  IF p_list_id IS NOT NULL THEN
    SELECT * INTO v_list FROM public.checkin_lists l WHERE l.id = p_list_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'check-in list % does not exist', p_list_id USING ERRCODE = '22023';
    END IF;
    IF v_list.event_id <> p_event_id THEN
      RAISE EXCEPTION 'check-in list % belongs to another event', p_list_id USING ERRCODE = '22023';
    END IF;
    RETURN v_list;
  END IF;

  SELECT l.* INTO v_list
    FROM public.devices d JOIN public.checkin_lists l ON l.id = d.list_id
   WHERE d.id = p_device_id AND l.event_id = p_event_id;
  RETURN v_list;
END
$$;

-- Whether @p_list turns a ticket of @p_type away going @p_direction.
CREATE FUNCTION public.gate_list_refuses(p_list public.checkin_lists, p_type text, p_direction text)
  RETURNS boolean
  LANGUAGE sql IMMUTABLE
  SET search_path = ''
AS $$
  SELECT p_list.id IS NOT NULL
     AND ((cardinality(p_list.ticket_types) > 0 AND NOT coalesce(p_type = ANY (p_list.ticket_types), false))
          OR (p_list.direction <> 'both' AND p_list.direction <> p_direction))
$$;

CREATE FUNCTION public.gate_log_scan(
  p_ticket_id uuid, p_scan_id uuid, p_event_id uuid, p_token text, p_by uuid, p_at timestamptz,
  p_offset bigint, p_corrected timestamptz, p_method text, p_device text, p_success boolean,
  p_outcome text, p_winner_device text, p_winner_time timestamptz, p_direction text, p_list_id uuid)
  RETURNS void
  LANGUAGE sql
  SET search_path = ''
AS $$
  INSERT INTO public.scan_logs (ticket_id, client_scan_id, event_id, qr_token, scanned_by, scanned_at,
                                clock_offset_ms, corrected_at, scan_method, device_id, scan_success, outcome,
                                winner_device, winner_time, direction, list_id)
  VALUES (p_ticket_id, p_scan_id, p_event_id, p_token, p_by, p_at, p_offset, p_corrected, p_method, p_device,
          p_success, p_outcome, p_winner_device, p_winner_time, p_direction, p_list_id)
$$;

-- The end of a ticket's last stay, if it ever left.
CREATE FUNCTION public.gate_last_exit(p_ticket_id uuid)
  RETURNS public.ticket_stays
  LANGUAGE sql STABLE
  SET search_path = ''
AS $$
  SELECT * FROM public.ticket_stays s
   WHERE s.ticket_id = p_ticket_id AND s.exited_at IS NOT NULL
   ORDER BY s.exited_at DESC
   LIMIT 1
$$;

-- What scan_ticket answers for a client_scan_id it has seen before: the
-- original decision for an admit or an exit, the ticket's state otherwise.
CREATE OR REPLACE FUNCTION public.gate_replay_scan(p_log public.scan_logs)
  RETURNS TABLE (verdict text, ticket_id uuid, guest_name text, ticket_type text,
                 scanned_at timestamptz, scanned_device text, server_time timestamptz)
  LANGUAGE sql STABLE
  SET search_path = ''
AS $$
  SELECT CASE
           WHEN p_log.outcome IN ('admitted', 'applied', 'won_conflict', 'reentered') THEN 'admitted'
           WHEN p_log.outcome = 'lost_conflict' THEN 'already_scanned'
           WHEN p_log.outcome IN ('void', 'already_scanned', 'not_found', 'wrong_event', 'exited', 'not_inside',
                                  'not_allowed_here') THEN p_log.outcome
           ELSE 'not_found'
         END,
         t.id, t.guest_name, t.ticket_type,
         CASE WHEN p_log.outcome IN ('admitted', 'applied', 'won_conflict', 'reentered', 'exited')
              THEN p_log.corrected_at ELSE t.scanned_at END,
         CASE WHEN p_log.outcome IN ('admitted', 'applied', 'won_conflict', 'reentered', 'exited')
              THEN p_log.device_id ELSE t.scanned_device END,
         clock_timestamp()
    FROM (SELECT 1) AS one
    LEFT JOIN public.tickets t ON t.id = p_log.ticket_id
$$;

-- --- scan_ticket ----------------------------------------------------------------

DROP FUNCTION public.scan_ticket(text, uuid, text, uuid, uuid, text);

CREATE FUNCTION public.scan_ticket(
  p_qr_token        text,
  p_event_id        uuid,
  p_device_id       text,
  p_client_scan_id  uuid,
  p_scanned_by      uuid DEFAULT NULL,
  p_scan_method     text DEFAULT 'qr',
  p_direction       text DEFAULT 'entry',
  p_list_id         uuid DEFAULT NULL)
  RETURNS TABLE (verdict text, ticket_id uuid, guest_name text, ticket_type text,
                 scanned_at timestamptz, scanned_device text, server_time timestamptz)
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = ''
  -- The loser of a race waits for the winner's commit and then answers
  -- definitively; only a lock held this long means "busy".
  SET lock_timeout = '2s'
  ROWS 1
AS $$
DECLARE
  v_ticket     public.tickets;
  v_prior      public.scan_logs;
  v_list       public.checkin_lists;
  v_stay       public.ticket_stays;
  v_events     uuid[];
  v_now        timestamptz := clock_timestamp();
  v_method     text := coalesce(p_scan_method, 'qr');
  v_direction  text := coalesce(p_direction, 'entry');
BEGIN
  IF p_qr_token IS NULL OR p_event_id IS NULL OR p_client_scan_id IS NULL THEN
    RAISE EXCEPTION 'p_qr_token, p_event_id and p_client_scan_id are required'
      USING ERRCODE = '22004';
  END IF;
  IF length(p_scan_method) > 32 THEN
    RAISE EXCEPTION 'p_scan_method is longer than 32 characters' USING ERRCODE = '22001';
  END IF;
  IF v_direction NOT IN ('entry', 'exit') THEN
    RAISE EXCEPTION 'p_direction must be entry or exit' USING ERRCODE = '22023';
  END IF;
  PERFORM public.gate_assert_caller(p_device_id);
  v_events := public.gate_device_events(p_device_id);
  IF v_events IS NOT NULL AND NOT p_event_id = ANY (v_events) THEN
    RAISE EXCEPTION 'device % is not assigned to event %', p_device_id, p_event_id USING ERRCODE = '42501';
  END IF;
  v_list := public.gate_scan_list(p_device_id, p_event_id, p_list_id);

  -- A repeat of a scan the server already decided changes nothing.
  SELECT * INTO v_prior FROM public.scan_logs l WHERE l.client_scan_id = p_client_scan_id;
  IF FOUND THEN
    RETURN QUERY SELECT * FROM public.gate_replay_scan(v_prior);
    RETURN;
  END IF;

  SELECT * INTO v_ticket FROM public.tickets t WHERE t.qr_token = p_qr_token;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'not_found'::text, NULL::uuid, NULL::text, NULL::text,
                        NULL::timestamptz, NULL::text, clock_timestamp();
    RETURN;
  END IF;

  IF v_ticket.event_id <> p_event_id THEN
    -- No row lock: a concurrent repeat of this scan id waits on the unique
    -- index instead. An assigned device learns nothing of the guests of an
    -- event it is not assigned to.
    INSERT INTO public.scan_logs (ticket_id, client_scan_id, event_id, qr_token, scanned_by, scanned_at,
                                  corrected_at, scan_method, device_id, scan_success, outcome, direction, list_id)
    VALUES (v_ticket.id, p_client_scan_id, p_event_id, p_qr_token, p_scanned_by, v_now,
            v_now, v_method, p_device_id, false, 'wrong_event', v_direction, v_list.id)
    ON CONFLICT ON CONSTRAINT scan_logs_client_scan_id_key DO NOTHING;
    IF v_events IS NOT NULL AND NOT v_ticket.event_id = ANY (v_events) THEN
      RETURN QUERY SELECT 'wrong_event'::text, NULL::uuid, NULL::text, NULL::text,
                          NULL::timestamptz, NULL::text, clock_timestamp();
    ELSE
      RETURN QUERY SELECT 'wrong_event'::text, v_ticket.id, v_ticket.guest_name, v_ticket.ticket_type,
                          NULL::timestamptz, NULL::text, clock_timestamp();
    END IF;
    RETURN;
  END IF;

  BEGIN
    SELECT * INTO v_ticket FROM public.tickets t WHERE t.id = v_ticket.id FOR UPDATE;
  EXCEPTION WHEN lock_not_available THEN
    RETURN QUERY SELECT 'busy'::text, v_ticket.id, v_ticket.guest_name, v_ticket.ticket_type,
                        NULL::timestamptz, NULL::text, clock_timestamp();
    RETURN;
  END;

  -- The same client_scan_id may have been decided while we waited for the lock.
  SELECT * INTO v_prior FROM public.scan_logs l WHERE l.client_scan_id = p_client_scan_id;
  IF FOUND THEN
    RETURN QUERY SELECT * FROM public.gate_replay_scan(v_prior);
    RETURN;
  END IF;

  v_now := clock_timestamp();

  IF v_ticket.status = 'void' THEN
    PERFORM public.gate_log_scan(v_ticket.id, p_client_scan_id, p_event_id, p_qr_token, p_scanned_by, v_now, 0,
                                 v_now, v_method, p_device_id, false, 'void', NULL, NULL, v_direction, v_list.id);
    RETURN QUERY SELECT 'void'::text, v_ticket.id, v_ticket.guest_name, v_ticket.ticket_type,
                        v_ticket.scanned_at, v_ticket.scanned_device, clock_timestamp();
    RETURN;
  END IF;

  IF public.gate_list_refuses(v_list, v_ticket.ticket_type, v_direction) THEN
    PERFORM public.gate_log_scan(v_ticket.id, p_client_scan_id, p_event_id, p_qr_token, p_scanned_by, v_now, 0,
                                 v_now, v_method, p_device_id, false, 'not_allowed_here', NULL, NULL, v_direction,
                                 v_list.id);
    RETURN QUERY SELECT 'not_allowed_here'::text, v_ticket.id, v_ticket.guest_name, v_ticket.ticket_type,
                        NULL::timestamptz, NULL::text, clock_timestamp();
    RETURN;
  END IF;

  -- Every writer of a ticket's stays holds the ticket's row lock, so what
  -- is read here stays true until the commit.
  IF v_direction = 'exit' THEN
    SELECT * INTO v_stay FROM public.ticket_stays s WHERE s.ticket_id = v_ticket.id AND s.exited_at IS NULL;
    IF NOT FOUND THEN
      v_stay := public.gate_last_exit(v_ticket.id);
      PERFORM public.gate_log_scan(v_ticket.id, p_client_scan_id, p_event_id, p_qr_token, p_scanned_by, v_now, 0,
                                   v_now, v_method, p_device_id, false, 'not_inside', v_stay.exit_device,
                                   v_stay.exited_at, v_direction, v_list.id);
      RETURN QUERY SELECT 'not_inside'::text, v_ticket.id, v_ticket.guest_name, v_ticket.ticket_type,
                          v_stay.exited_at, v_stay.exit_device, clock_timestamp();
      RETURN;
    END IF;
    v_now := greatest(v_now, v_stay.entered_at);
    PERFORM public.gate_log_scan(v_ticket.id, p_client_scan_id, p_event_id, p_qr_token, p_scanned_by, v_now, 0,
                                 v_now, v_method, p_device_id, false, 'exited', p_device_id, v_now, v_direction,
                                 v_list.id);
    UPDATE public.ticket_stays s
       SET exited_at = v_now, exit_scan_id = p_client_scan_id, exit_device = p_device_id,
           exit_list_id = v_list.id, exited_by = p_scanned_by
     WHERE s.id = v_stay.id;
    RETURN QUERY SELECT 'exited'::text, v_ticket.id, v_ticket.guest_name, v_ticket.ticket_type,
                        v_now, p_device_id, clock_timestamp();
    RETURN;
  END IF;

  IF v_ticket.status = 'scanned' OR v_ticket.is_used THEN
    IF v_list.id IS NOT NULL THEN
      SELECT * INTO v_stay FROM public.ticket_stays s WHERE s.ticket_id = v_ticket.id AND s.exited_at IS NULL;
      IF FOUND THEN
        -- Inside already: the answer names the entry that is still open.
        PERFORM public.gate_log_scan(v_ticket.id, p_client_scan_id, p_event_id, p_qr_token, p_scanned_by, v_now,
                                     0, v_now, v_method, p_device_id, false, 'already_scanned', v_stay.entry_device,
                                     v_stay.entered_at, v_direction, v_list.id);
        RETURN QUERY SELECT 'already_scanned'::text, v_ticket.id, v_ticket.guest_name, v_ticket.ticket_type,
                            v_stay.entered_at, v_stay.entry_device, clock_timestamp();
        RETURN;
      END IF;
      IF v_list.allow_reentry THEN
        -- Back in after an exit: a stay of its own, never before the last
        -- exit (a clock stepping back must not make two stays overlap).
        v_now := greatest(v_now, (public.gate_last_exit(v_ticket.id)).exited_at);
        PERFORM public.gate_log_scan(v_ticket.id, p_client_scan_id, p_event_id, p_qr_token, p_scanned_by, v_now,
                                     0, v_now, v_method, p_device_id, false, 'reentered', p_device_id, v_now,
                                     v_direction, v_list.id);
        INSERT INTO public.ticket_stays (ticket_id, event_id, entered_at, entry_scan_id, entry_device,
                                         entry_list_id, entered_by)
        VALUES (v_ticket.id, v_ticket.event_id, v_now, p_client_scan_id, p_device_id, v_list.id, p_scanned_by);
        RETURN QUERY SELECT 'admitted'::text, v_ticket.id, v_ticket.guest_name, v_ticket.ticket_type,
                            v_now, p_device_id, clock_timestamp();
        RETURN;
      END IF;
    END IF;
    PERFORM public.gate_log_scan(v_ticket.id, p_client_scan_id, p_event_id, p_qr_token, p_scanned_by, v_now, 0,
                                 v_now, v_method, p_device_id, false, 'already_scanned', v_ticket.scanned_device,
                                 v_ticket.scanned_at, v_direction, v_list.id);
    RETURN QUERY SELECT 'already_scanned'::text, v_ticket.id, v_ticket.guest_name, v_ticket.ticket_type,
                        v_ticket.scanned_at, v_ticket.scanned_device, clock_timestamp();
    RETURN;
  END IF;

  UPDATE public.tickets t
     SET status = 'scanned', is_used = true, scanned_at = v_now,
         scanned_by = p_scanned_by, scanned_device = p_device_id
   WHERE t.id = v_ticket.id;
  INSERT INTO public.scan_logs (ticket_id, client_scan_id, event_id, qr_token, scanned_by, scanned_at,
                                corrected_at, scan_method, device_id, scan_success, outcome, direction, list_id)
  VALUES (v_ticket.id, p_client_scan_id, p_event_id, p_qr_token, p_scanned_by, v_now,
          v_now, v_method, p_device_id, true, 'admitted', v_direction, v_list.id);
  INSERT INTO public.ticket_stays (ticket_id, event_id, entered_at, entry_scan_id, entry_device, entry_list_id,
                                   entered_by)
  VALUES (v_ticket.id, v_ticket.event_id, v_now, p_client_scan_id, p_device_id, v_list.id, p_scanned_by);

  RETURN QUERY SELECT 'admitted'::text, v_ticket.id, v_ticket.guest_name, v_ticket.ticket_type,
                      v_now, p_device_id, clock_timestamp();
END
$$;

-- --- sync_offline_scans ---------------------------------------------------------

-- An element's corrected time, or NULL when it has none that parses: only
-- for ordering, so that one ticket's entries and exits replay in time.
CREATE FUNCTION public.gate_element_time(p_elem jsonb)
  RETURNS timestamptz
  LANGUAGE plpgsql STABLE
  SET search_path = ''
AS $$
BEGIN
  IF jsonb_typeof(p_elem) <> 'object' THEN
    RETURN NULL;
  END IF;
  RETURN (p_elem ->> 'scanned_at')::timestamptz
         + coalesce((p_elem ->> 'clock_offset_ms')::bigint, 0) * interval '1 millisecond';
EXCEPTION WHEN data_exception THEN
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION public.sync_offline_scans(p_device_id text, p_scans jsonb)
  RETURNS TABLE (client_scan_id uuid, outcome text, replayed boolean, winner_device text,
                 winner_time timestamptz, server_time timestamptz)
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = ''
  SET lock_timeout = '5s'
AS $$
DECLARE
  v_elem       jsonb;
  v_id         uuid;
  v_token      text;
  v_event      uuid;
  v_at         timestamptz;
  v_offset     bigint;
  v_by         uuid;
  v_method     text;
  v_direction  text;
  v_list_arg   uuid;
  v_corrected  timestamptz;
  v_events     uuid[];
  v_list       public.checkin_lists;
  v_ticket     public.tickets;
  v_prior      public.scan_logs;
  v_winner     public.scan_logs;
  v_stay       public.ticket_stays;
  v_last_exit  timestamptz;
  v_outcome    text;
  v_w_device   text;
  v_w_time     timestamptz;
  v_w_scan     uuid;
BEGIN
  IF p_device_id IS NULL THEN
    RAISE EXCEPTION 'p_device_id is required' USING ERRCODE = '22004';
  END IF;
  PERFORM public.gate_assert_caller(p_device_id);
  IF p_scans IS NULL OR jsonb_typeof(p_scans) <> 'array' THEN
    RAISE EXCEPTION 'p_scans must be a JSON array' USING ERRCODE = '22023';
  END IF;
  IF jsonb_array_length(p_scans) > 1000 THEN
    RAISE EXCEPTION 'at most 1000 scans per call, got %', jsonb_array_length(p_scans)
      USING ERRCODE = '22023';
  END IF;
  v_events := public.gate_device_events(p_device_id);

  -- Token order, so that concurrent batches lock tickets in the same order
  -- and cannot deadlock; one ticket's scans in corrected-time order, so
  -- that entries and exits replay as they happened.
  FOR v_elem IN
    SELECT e.value FROM jsonb_array_elements(p_scans) AS e
     ORDER BY CASE WHEN jsonb_typeof(e.value) = 'object' THEN e.value ->> 'qr_token' END NULLS FIRST,
              public.gate_element_time(e.value) NULLS FIRST,
              CASE WHEN jsonb_typeof(e.value) = 'object' THEN e.value ->> 'client_scan_id' END
  LOOP
    v_id := NULL;
    v_outcome := NULL;
    v_w_device := NULL;
    v_w_time := NULL;

    BEGIN
      IF jsonb_typeof(v_elem) <> 'object' THEN
        RAISE EXCEPTION 'not an object' USING ERRCODE = '22023';
      END IF;

      v_id := (v_elem ->> 'client_scan_id')::uuid;
      v_token := v_elem ->> 'qr_token';
      v_event := (v_elem ->> 'event_id')::uuid;
      v_at := (v_elem ->> 'scanned_at')::timestamptz;
      -- A number beyond bigint (1e999) fails this cast: data_exception,
      -- so the element is rejected alone.
      v_offset := coalesce((v_elem ->> 'clock_offset_ms')::bigint, 0);
      v_by := (v_elem ->> 'scanned_by')::uuid;
      v_method := coalesce(v_elem ->> 'scan_method', 'qr');
      v_direction := coalesce(v_elem ->> 'direction', 'entry');
      v_list_arg := (v_elem ->> 'list_id')::uuid;

      -- An infinite time would win every conflict; an oversized token or
      -- method is not a scan, only a way to fill scan_logs.
      IF v_id IS NULL OR v_token IS NULL OR v_event IS NULL OR v_at IS NULL OR NOT isfinite(v_at)
         OR abs(v_offset) > 366::bigint * 24 * 3600 * 1000
         OR length(v_token) > 512 OR length(v_method) > 32 OR v_direction NOT IN ('entry', 'exit') THEN
        RAISE EXCEPTION 'missing or invalid field' USING ERRCODE = '22023';
      END IF;
      -- A device assigned to events uploads scans of those only.
      IF v_events IS NOT NULL AND NOT v_event = ANY (v_events) THEN
        RAISE EXCEPTION 'device is not assigned to event %', v_event USING ERRCODE = '22023';
      END IF;
      v_list := public.gate_scan_list(p_device_id, v_event, v_list_arg);

      v_corrected := v_at + v_offset * interval '1 millisecond';
      -- Nothing scans in the future, whatever the ticket.
      IF v_corrected > clock_timestamp() + interval '5 minutes' THEN
        RAISE EXCEPTION 'scanned in the future' USING ERRCODE = '22008';
      END IF;

      -- Lock first, then look for the scan id: a concurrent upload of the
      -- same scan (a retry while the first call still runs) holds this lock
      -- until it commits, so the id is found here and answered as a replay.
      SELECT * INTO v_ticket FROM public.tickets t WHERE t.qr_token = v_token FOR UPDATE;

      SELECT * INTO v_prior FROM public.scan_logs l WHERE l.client_scan_id = v_id;
      IF FOUND THEN
        -- The id of another scan (another ticket or event, also earlier in
        -- this batch) is no replay: answering its outcome would claim an
        -- admission this ticket never had.
        IF v_prior.qr_token IS DISTINCT FROM v_token OR v_prior.event_id IS DISTINCT FROM v_event
           OR v_prior.direction IS DISTINCT FROM v_direction THEN
          RAISE EXCEPTION 'client_scan_id % belongs to another scan', v_id USING ERRCODE = '22023';
        END IF;
        client_scan_id := v_id;
        outcome := CASE v_prior.outcome
                     WHEN 'admitted' THEN 'applied'
                     WHEN 'reentered' THEN 'applied'
                     WHEN 'already_scanned' THEN 'lost_conflict'
                     WHEN 'wrong_event' THEN 'not_found'
                     ELSE v_prior.outcome
                   END;
        replayed := true;
        winner_device := v_prior.winner_device;
        winner_time := v_prior.winner_time;
        server_time := clock_timestamp();
        RETURN NEXT;
        CONTINUE;
      END IF;

      IF v_ticket.id IS NOT NULL AND v_ticket.event_id = v_event
         AND NOT public.gate_scan_time_possible(v_ticket, v_corrected) THEN
        RAISE EXCEPTION 'scanned before the ticket existed' USING ERRCODE = '22008';
      END IF;

      IF v_ticket.id IS NULL OR v_ticket.event_id <> v_event THEN
        v_outcome := 'not_found';
        INSERT INTO public.scan_logs (ticket_id, client_scan_id, event_id, qr_token, scanned_by, scanned_at,
                                      clock_offset_ms, corrected_at, scan_method, device_id,
                                      scan_success, outcome, direction, list_id)
        VALUES (NULL, v_id, v_event, v_token, v_by, v_at, v_offset, v_corrected, v_method, p_device_id,
                false, v_outcome, v_direction, v_list.id)
        -- No ticket, no lock: a concurrent upload of this id meets it here.
        ON CONFLICT ON CONSTRAINT scan_logs_client_scan_id_key DO NOTHING;
      ELSIF v_ticket.status = 'void' THEN
        v_outcome := 'void';
        PERFORM public.gate_log_scan(v_ticket.id, v_id, v_event, v_token, v_by, v_at, v_offset, v_corrected,
                                     v_method, p_device_id, false, v_outcome, NULL, NULL, v_direction, v_list.id);
      ELSIF public.gate_list_refuses(v_list, v_ticket.ticket_type, v_direction) THEN
        v_outcome := 'not_allowed_here';
        PERFORM public.gate_log_scan(v_ticket.id, v_id, v_event, v_token, v_by, v_at, v_offset, v_corrected,
                                     v_method, p_device_id, false, v_outcome, NULL, NULL, v_direction, v_list.id);
      ELSIF v_direction = 'exit' THEN
        -- An exit closes the stay it falls in: the open one, if it began
        -- before. Anything else is an exit of someone who was not inside.
        SELECT * INTO v_stay FROM public.ticket_stays s WHERE s.ticket_id = v_ticket.id AND s.exited_at IS NULL;
        IF FOUND AND v_stay.entered_at <= v_corrected THEN
          v_outcome := 'exited';
          v_w_device := p_device_id;
          v_w_time := v_corrected;
          PERFORM public.gate_log_scan(v_ticket.id, v_id, v_event, v_token, v_by, v_at, v_offset, v_corrected,
                                       v_method, p_device_id, false, v_outcome, v_w_device, v_w_time, v_direction,
                                       v_list.id);
          UPDATE public.ticket_stays s
             SET exited_at = v_corrected, exit_scan_id = v_id, exit_device = p_device_id,
                 exit_list_id = v_list.id, exited_by = v_by
           WHERE s.id = v_stay.id;
        ELSE
          v_outcome := 'not_inside';
          PERFORM public.gate_log_scan(v_ticket.id, v_id, v_event, v_token, v_by, v_at, v_offset, v_corrected,
                                       v_method, p_device_id, false, v_outcome, NULL, NULL, v_direction,
                                       v_list.id);
        END IF;
      ELSE
        v_winner := public.gate_current_winner(v_ticket.id);

        IF v_winner.id IS NULL THEN
          v_outcome := 'applied';
          v_w_device := p_device_id;
          v_w_time := v_corrected;
          UPDATE public.tickets t
             SET status = 'scanned', is_used = true, scanned_at = v_corrected,
                 scanned_by = v_by, scanned_device = p_device_id
           WHERE t.id = v_ticket.id;
          PERFORM public.gate_log_scan(v_ticket.id, v_id, v_event, v_token, v_by, v_at, v_offset, v_corrected,
                                       v_method, p_device_id, true, v_outcome, v_w_device, v_w_time, v_direction,
                                       v_list.id);
          INSERT INTO public.ticket_stays (ticket_id, event_id, entered_at, entry_scan_id, entry_device,
                                           entry_list_id, entered_by)
          VALUES (v_ticket.id, v_ticket.event_id, v_corrected, v_id, p_device_id, v_list.id, v_by);
        ELSIF v_corrected < v_winner.corrected_at THEN
          -- First scan wins by corrected time: this one was earlier. The
          -- old winner stays in scan_logs, unsuccessful; its recorded outcome
          -- is what a replay of it answers. The admission's stay now
          -- begins with this scan: earlier than every other stay, so it
          -- overlaps none.
          v_outcome := 'won_conflict';
          v_w_device := p_device_id;
          v_w_time := v_corrected;
          UPDATE public.scan_logs l SET scan_success = false WHERE l.id = v_winner.id;
          UPDATE public.tickets t
             SET status = 'scanned', is_used = true, scanned_at = v_corrected,
                 scanned_by = v_by, scanned_device = p_device_id
           WHERE t.id = v_ticket.id;
          PERFORM public.gate_log_scan(v_ticket.id, v_id, v_event, v_token, v_by, v_at, v_offset, v_corrected,
                                       v_method, p_device_id, true, v_outcome, v_w_device, v_w_time, v_direction,
                                       v_list.id);
          UPDATE public.ticket_stays s
             SET entered_at = v_corrected, entry_scan_id = v_id, entry_device = p_device_id,
                 entry_list_id = v_list.id, entered_by = v_by
           WHERE s.entry_scan_id = v_winner.client_scan_id;
          INSERT INTO public.scan_conflicts (event_id, ticket_id, winner_device, winner_time, winner_scan_id,
                                             loser_device, loser_time, loser_scan_id)
          VALUES (v_ticket.event_id, v_ticket.id, p_device_id, v_corrected, v_id,
                  v_winner.device_id, v_winner.corrected_at, v_winner.client_scan_id);
        ELSE
          SELECT * INTO v_stay FROM public.ticket_stays s
           WHERE s.ticket_id = v_ticket.id AND s.exited_at IS NULL;
          v_last_exit := (public.gate_last_exit(v_ticket.id)).exited_at;
          IF v_list.allow_reentry AND v_stay.id IS NULL AND v_corrected >= v_last_exit THEN
            -- Back in after the last exit, on a list that lets them.
            v_outcome := 'applied';
            v_w_device := p_device_id;
            v_w_time := v_corrected;
            PERFORM public.gate_log_scan(v_ticket.id, v_id, v_event, v_token, v_by, v_at, v_offset, v_corrected,
                                         v_method, p_device_id, false, 'reentered', v_w_device, v_w_time,
                                         v_direction, v_list.id);
            INSERT INTO public.ticket_stays (ticket_id, event_id, entered_at, entry_scan_id, entry_device,
                                             entry_list_id, entered_by)
            VALUES (v_ticket.id, v_ticket.event_id, v_corrected, v_id, p_device_id, v_list.id, v_by);
          ELSE
            -- Later, or a tie, or a second entry without an exit between:
            -- the entry already recorded wins, and a supervisor sees it.
            v_outcome := 'lost_conflict';
            IF v_list.id IS NOT NULL AND v_stay.id IS NOT NULL THEN
              v_w_device := v_stay.entry_device;
              v_w_time := v_stay.entered_at;
              v_w_scan := v_stay.entry_scan_id;
            ELSE
              v_w_device := v_winner.device_id;
              v_w_time := v_winner.corrected_at;
              v_w_scan := v_winner.client_scan_id;
            END IF;
            PERFORM public.gate_log_scan(v_ticket.id, v_id, v_event, v_token, v_by, v_at, v_offset, v_corrected,
                                         v_method, p_device_id, false, v_outcome, v_w_device, v_w_time,
                                         v_direction, v_list.id);
            INSERT INTO public.scan_conflicts (event_id, ticket_id, winner_device, winner_time, winner_scan_id,
                                               loser_device, loser_time, loser_scan_id)
            VALUES (v_ticket.event_id, v_ticket.id, v_w_device, v_w_time, v_w_scan,
                    p_device_id, v_corrected, v_id);
          END IF;
        END IF;
      END IF;

      client_scan_id := v_id;
      outcome := v_outcome;
      replayed := false;
      winner_device := v_w_device;
      winner_time := v_w_time;
      server_time := clock_timestamp();
      RETURN NEXT;
    EXCEPTION WHEN data_exception THEN
      -- A malformed element is answered on its own; the batch goes on.
      client_scan_id := v_id;
      outcome := 'rejected';
      replayed := false;
      winner_device := NULL;
      winner_time := NULL;
      server_time := clock_timestamp();
      RETURN NEXT;
    END;
  END LOOP;
END
$$;

-- --- the original system's two functions -----------------------------------------

-- As in 0006, and an admission opens the ticket's stay; a device assigned
-- to events finds no ticket of another.
CREATE OR REPLACE FUNCTION public.scan_ticket_atomic(
  p_ticket_id    uuid,
  p_scanned_by   uuid,
  p_device_id    text DEFAULT NULL,
  p_scan_method  text DEFAULT 'qr')
  RETURNS TABLE (success boolean, already_scanned boolean, scanned_at timestamptz,
                 scanned_by uuid, error_message text)
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = ''
AS $$
DECLARE
  v_device  text := public.gate_caller_device(p_device_id);
  v_events  uuid[] := public.gate_device_events(v_device);
  v_ticket  public.tickets;
  v_now     timestamptz;
  v_id      uuid := gen_random_uuid();
BEGIN
  BEGIN
    SELECT * INTO v_ticket FROM public.tickets t WHERE t.id = p_ticket_id FOR UPDATE NOWAIT;
  EXCEPTION WHEN lock_not_available THEN
    RETURN QUERY SELECT false, false, NULL::timestamptz, NULL::uuid,
                        'Ticket is being processed by another scanner'::text;
    RETURN;
  END;

  IF NOT FOUND OR (v_events IS NOT NULL AND NOT v_ticket.event_id = ANY (v_events)) THEN
    RETURN QUERY SELECT false, false, NULL::timestamptz, NULL::uuid, 'Ticket not found'::text;
    RETURN;
  END IF;

  IF v_ticket.status = 'void' THEN
    RETURN QUERY SELECT false, false, NULL::timestamptz, NULL::uuid, 'Ticket is void'::text;
    RETURN;
  END IF;

  IF v_ticket.status = 'scanned' OR v_ticket.is_used THEN
    RETURN QUERY SELECT false, true, v_ticket.scanned_at, v_ticket.scanned_by,
                        'Ticket already scanned'::text;
    RETURN;
  END IF;

  v_now := clock_timestamp();
  UPDATE public.tickets t
     SET status = 'scanned', is_used = true, scanned_at = v_now,
         scanned_by = p_scanned_by, scanned_device = v_device
   WHERE t.id = p_ticket_id;
  INSERT INTO public.scan_logs (ticket_id, client_scan_id, event_id, qr_token, scanned_by, scanned_at,
                                corrected_at, scan_method, device_id, scan_success, outcome)
  VALUES (p_ticket_id, v_id, v_ticket.event_id, v_ticket.qr_token, p_scanned_by, v_now,
          v_now, coalesce(p_scan_method, 'qr'), v_device, true, 'admitted');
  INSERT INTO public.ticket_stays (ticket_id, event_id, entered_at, entry_scan_id, entry_device, entered_by)
  VALUES (p_ticket_id, v_ticket.event_id, v_now, v_id, v_device, p_scanned_by);

  RETURN QUERY SELECT true, false, v_now, p_scanned_by, NULL::text;
END
$$;

CREATE OR REPLACE FUNCTION public.sync_offline_scan(
  p_ticket_id   uuid,
  p_scanned_by  uuid,
  p_scanned_at  timestamptz,
  p_device_id   text DEFAULT NULL)
  RETURNS TABLE (success boolean, conflict_resolved boolean, winner_device text,
                 winner_time timestamptz)
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = ''
  SET lock_timeout = '2s'
AS $$
DECLARE
  v_device  text := public.gate_caller_device(p_device_id);
  v_events  uuid[] := public.gate_device_events(v_device);
  v_ticket  public.tickets;
  v_winner  public.scan_logs;
  v_id      uuid := gen_random_uuid();
BEGIN
  SELECT * INTO v_ticket FROM public.tickets t WHERE t.id = p_ticket_id FOR UPDATE;
  IF NOT FOUND OR (v_events IS NOT NULL AND NOT v_ticket.event_id = ANY (v_events)) THEN
    RETURN QUERY SELECT false, false, NULL::text, NULL::timestamptz;
    RETURN;
  END IF;

  IF NOT public.gate_scan_time_possible(v_ticket, p_scanned_at) THEN
    RAISE EXCEPTION 'p_scanned_at % is outside the time this ticket could have been scanned', p_scanned_at
      USING ERRCODE = '22008',
            HINT = 'A scan cannot predate its ticket or lie in the future (5 minutes of slack each).';
  END IF;

  IF v_ticket.status = 'void' THEN
    INSERT INTO public.scan_logs (ticket_id, client_scan_id, event_id, qr_token, scanned_by, scanned_at,
                                  corrected_at, scan_method, device_id, scan_success, outcome)
    VALUES (p_ticket_id, v_id, v_ticket.event_id, v_ticket.qr_token, p_scanned_by, p_scanned_at,
            p_scanned_at, 'offline', v_device, false, 'void');
    RETURN QUERY SELECT false, false, NULL::text, NULL::timestamptz;
    RETURN;
  END IF;

  v_winner := public.gate_current_winner(p_ticket_id);

  IF v_winner.id IS NULL THEN
    UPDATE public.tickets t
       SET status = 'scanned', is_used = true, scanned_at = p_scanned_at,
           scanned_by = p_scanned_by, scanned_device = v_device
     WHERE t.id = p_ticket_id;
    INSERT INTO public.scan_logs (ticket_id, client_scan_id, event_id, qr_token, scanned_by, scanned_at,
                                  corrected_at, scan_method, device_id, scan_success, outcome)
    VALUES (p_ticket_id, v_id, v_ticket.event_id, v_ticket.qr_token, p_scanned_by, p_scanned_at,
            p_scanned_at, 'offline', v_device, true, 'applied');
    INSERT INTO public.ticket_stays (ticket_id, event_id, entered_at, entry_scan_id, entry_device, entered_by)
    VALUES (p_ticket_id, v_ticket.event_id, p_scanned_at, v_id, v_device, p_scanned_by);
    RETURN QUERY SELECT true, false, v_device, p_scanned_at;
  ELSIF p_scanned_at < v_winner.corrected_at THEN
    UPDATE public.scan_logs l SET scan_success = false WHERE l.id = v_winner.id;
    UPDATE public.tickets t
       SET scanned_at = p_scanned_at, scanned_by = p_scanned_by, scanned_device = v_device
     WHERE t.id = p_ticket_id;
    INSERT INTO public.scan_logs (ticket_id, client_scan_id, event_id, qr_token, scanned_by, scanned_at,
                                  corrected_at, scan_method, device_id, scan_success, outcome,
                                  winner_device, winner_time)
    VALUES (p_ticket_id, v_id, v_ticket.event_id, v_ticket.qr_token, p_scanned_by, p_scanned_at,
            p_scanned_at, 'offline', v_device, true, 'won_conflict', v_device, p_scanned_at);
    UPDATE public.ticket_stays s
       SET entered_at = p_scanned_at, entry_scan_id = v_id, entry_device = v_device, entry_list_id = NULL,
           entered_by = p_scanned_by
     WHERE s.entry_scan_id = v_winner.client_scan_id;
    INSERT INTO public.scan_conflicts (event_id, ticket_id, winner_device, winner_time, winner_scan_id,
                                       loser_device, loser_time, loser_scan_id)
    VALUES (v_ticket.event_id, p_ticket_id, v_device, p_scanned_at, v_id,
            v_winner.device_id, v_winner.corrected_at, v_winner.client_scan_id);
    RETURN QUERY SELECT true, true, v_device, p_scanned_at;
  ELSE
    INSERT INTO public.scan_logs (ticket_id, client_scan_id, event_id, qr_token, scanned_by, scanned_at,
                                  corrected_at, scan_method, device_id, scan_success, outcome,
                                  winner_device, winner_time)
    VALUES (p_ticket_id, v_id, v_ticket.event_id, v_ticket.qr_token, p_scanned_by, p_scanned_at,
            p_scanned_at, 'offline', v_device, false, 'lost_conflict',
            v_winner.device_id, v_winner.corrected_at);
    INSERT INTO public.scan_conflicts (event_id, ticket_id, winner_device, winner_time, winner_scan_id,
                                       loser_device, loser_time, loser_scan_id)
    VALUES (v_ticket.event_id, p_ticket_id, v_winner.device_id, v_winner.corrected_at,
            v_winner.client_scan_id, v_device, p_scanned_at, v_id);
    RETURN QUERY SELECT false, true, v_winner.device_id, v_winner.corrected_at;
  END IF;
END
$$;

-- --- reading: a device keeps to its events ------------------------------------------

-- 0007's delta, under an internal name: the public one checks the caller.
ALTER FUNCTION public.tickets_changed_since(uuid, text, int) RENAME TO gate_tickets_changed_page;
REVOKE ALL ON FUNCTION public.gate_tickets_changed_page(uuid, text, int) FROM gate_device, gate_supervisor;

CREATE FUNCTION public.tickets_changed_since(
  p_event_id   uuid,
  p_cursor     text DEFAULT NULL,
  p_limit      int DEFAULT 1000,
  p_device_id  text DEFAULT NULL)
  RETURNS TABLE (id uuid, qr_token text, qr_signature text, ticket_type text, guest_name text,
                 status text, scanned_at timestamptz, scanned_device text, updated_at timestamptz,
                 next_cursor text)
  LANGUAGE plpgsql
  STABLE
  SECURITY DEFINER
  SET search_path = ''
AS $$
BEGIN
  PERFORM public.gate_assert_event_allowed(public.gate_caller_device(p_device_id), p_event_id);
  RETURN QUERY SELECT * FROM public.gate_tickets_changed_page(p_event_id, p_cursor, p_limit);
END
$$;

DROP FUNCTION public.event_summary(uuid);

CREATE FUNCTION public.event_summary(p_event_id uuid, p_device_id text DEFAULT NULL)
  RETURNS TABLE (event_id uuid, name text, starts_at timestamptz, ticket_count bigint,
                 scanned_count bigint, server_time timestamptz)
  LANGUAGE plpgsql
  STABLE
  SECURITY DEFINER
  SET search_path = ''
  ROWS 1
AS $$
BEGIN
  PERFORM public.gate_assert_event_allowed(public.gate_caller_device(p_device_id), p_event_id);
  RETURN QUERY
  SELECT e.id, e.name, e.starts_at,
         -- The counts kept as tickets change (0008), not a count of the event.
         coalesce((SELECT sum(c.tickets) FROM public.event_ticket_counts c WHERE c.event_id = e.id), 0)::bigint,
         coalesce((SELECT sum(c.scanned) FROM public.event_ticket_counts c WHERE c.event_id = e.id), 0)::bigint,
         clock_timestamp()
    FROM public.events e
   WHERE e.id = p_event_id;
END
$$;

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
         (SELECT count(*) FROM public.tickets t WHERE t.event_id = e.id),
         (SELECT count(*) FROM public.tickets t WHERE t.event_id = e.id AND t.status = 'scanned'),
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

CREATE OR REPLACE FUNCTION public.device_conflicts(p_device_id text, p_event_id uuid)
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
  IF p_event_id IS NOT NULL THEN
    PERFORM public.gate_assert_event_allowed(p_device_id, p_event_id);
  END IF;

  RETURN QUERY SELECT * FROM public.gate_conflict_rows(p_event_id, true, p_device_id);
END
$$;

-- The lists of the device's events (or of one of them); `assigned` marks
-- the device's own list.
CREATE FUNCTION public.list_checkin_lists(p_device_id text, p_event_id uuid DEFAULT NULL)
  RETURNS TABLE (list_id uuid, event_id uuid, name text, ticket_types text[], direction text,
                 allow_reentry boolean, assigned boolean, server_time timestamptz)
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
  IF p_event_id IS NOT NULL THEN
    PERFORM public.gate_assert_event_allowed(p_device_id, p_event_id);
  END IF;
  v_events := public.gate_device_events(p_device_id);

  RETURN QUERY
  SELECT l.id, l.event_id, l.name, l.ticket_types, l.direction, l.allow_reentry,
         EXISTS (SELECT 1 FROM public.devices d WHERE d.id = p_device_id AND d.list_id = l.id),
         clock_timestamp()
    FROM public.checkin_lists l
   WHERE (p_event_id IS NULL OR l.event_id = p_event_id)
     AND (v_events IS NULL OR l.event_id = ANY (v_events))
   ORDER BY l.event_id, l.name, l.id;
END
$$;

-- --- operators ------------------------------------------------------------------

-- Who may sign in at a kiosk: the names for its sign-in list.
CREATE FUNCTION public.list_operators(p_device_id text)
  RETURNS TABLE (operator_id uuid, name text, server_time timestamptz)
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
  RETURN QUERY
  SELECT o.id, o.name, clock_timestamp() FROM public.operators o
   WHERE o.removed_at IS NULL
   ORDER BY lower(o.name), o.id;
END
$$;

CREATE FUNCTION public.gate_valid_pin(p_pin text)
  RETURNS boolean
  LANGUAGE sql IMMUTABLE
  SET search_path = ''
AS $$
  SELECT p_pin IS NOT NULL AND p_pin ~ '^[0-9]{4,12}$'
$$;

-- Hashing and checking PINs need pgcrypto's crypt(), wherever the
-- extension lives: the functions are made here with its schema written in.
DO $do$
DECLARE
  v_schema  text;
BEGIN
  SELECT n.nspname INTO STRICT v_schema
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
   WHERE e.extname = 'pgcrypto';

  EXECUTE format($f$
CREATE FUNCTION public.add_operator(p_name text, p_pin text)
  RETURNS TABLE (operator_id uuid, name text, server_time timestamptz)
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = ''
  ROWS 1
AS $body$
DECLARE
  v_id  uuid;
BEGIN
  IF p_name IS NULL OR length(btrim(p_name)) NOT BETWEEN 1 AND 100 THEN
    RAISE EXCEPTION 'an operator needs a name of 1 to 100 characters' USING ERRCODE = '22023';
  END IF;
  IF NOT public.gate_valid_pin(p_pin) THEN
    RAISE EXCEPTION 'a PIN is 4 to 12 digits' USING ERRCODE = '22023';
  END IF;
  INSERT INTO public.operators (name, pin_hash)
  VALUES (btrim(p_name), %1$I.crypt(p_pin, %1$I.gen_salt('bf', 8)))
  RETURNING id INTO v_id;
  RETURN QUERY SELECT v_id, btrim(p_name), clock_timestamp();
END
$body$;

-- Sign-in at a kiosk. Answers one row: signed_in, and the operator when
-- the PIN was right. Five wrong PINs in a row lock the operator for five
-- minutes (also against the right PIN), so a PIN cannot be guessed at a
-- kiosk. Unknown names and wrong PINs get the same answer.
CREATE FUNCTION public.operator_sign_in(p_device_id text, p_name text, p_pin text)
  RETURNS TABLE (operator_id uuid, name text, signed_in boolean, locked_until timestamptz,
                 server_time timestamptz)
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = ''
  ROWS 1
AS $body$
DECLARE
  v_operator  public.operators;
  v_now       timestamptz := clock_timestamp();
BEGIN
  IF p_device_id IS NULL THEN
    RAISE EXCEPTION 'p_device_id is required' USING ERRCODE = '22004';
  END IF;
  PERFORM public.gate_assert_caller(p_device_id);

  SELECT * INTO v_operator FROM public.operators o
   WHERE lower(btrim(o.name)) = lower(btrim(p_name)) AND o.removed_at IS NULL
     FOR UPDATE;
  IF NOT FOUND OR length(p_pin) > 64 THEN
    RETURN QUERY SELECT NULL::uuid, NULL::text, false, NULL::timestamptz, clock_timestamp();
    RETURN;
  END IF;
  IF v_operator.locked_until > v_now THEN
    RETURN QUERY SELECT NULL::uuid, NULL::text, false, v_operator.locked_until, clock_timestamp();
    RETURN;
  END IF;

  IF p_pin IS NOT NULL AND %1$I.crypt(p_pin, v_operator.pin_hash) = v_operator.pin_hash THEN
    UPDATE public.operators o SET failed_attempts = 0, locked_until = NULL WHERE o.id = v_operator.id;
    RETURN QUERY SELECT v_operator.id, v_operator.name, true, NULL::timestamptz, clock_timestamp();
    RETURN;
  END IF;

  UPDATE public.operators o
     SET failed_attempts = CASE WHEN o.failed_attempts + 1 >= 5 THEN 0 ELSE o.failed_attempts + 1 END,
         locked_until = CASE WHEN o.failed_attempts + 1 >= 5 THEN v_now + interval '5 minutes' END
   WHERE o.id = v_operator.id
  RETURNING o.locked_until INTO v_operator.locked_until;
  RETURN QUERY SELECT NULL::uuid, NULL::text, false, v_operator.locked_until, clock_timestamp();
END
$body$;
$f$, v_schema);
END
$do$;

CREATE FUNCTION public.remove_operator(p_operator_id uuid)
  RETURNS TABLE (operator_id uuid, removed_at timestamptz, server_time timestamptz)
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = ''
  ROWS 1
AS $$
DECLARE
  v_removed  timestamptz;
BEGIN
  UPDATE public.operators o
     SET removed_at = coalesce(o.removed_at, clock_timestamp())
   WHERE o.id = p_operator_id
  RETURNING o.removed_at INTO v_removed;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'operator % does not exist', p_operator_id USING ERRCODE = 'P0002';
  END IF;
  RETURN QUERY SELECT p_operator_id, v_removed, clock_timestamp();
END
$$;

-- --- per-gate numbers -----------------------------------------------------------------

-- For supervisors, live: per event (scope 'event'), per list ('list'; list
-- NULL for scans judged by no list), per gate ('gate'): entries, exits and
-- how many are inside now; and arrivals (entries) per gate per 5 minutes
-- since @p_since (default: the last 24 hours), scope 'arrivals' with the
-- bucket's start. Without @p_event_id, every event.
CREATE FUNCTION public.event_stats(p_event_id uuid DEFAULT NULL, p_since timestamptz DEFAULT NULL)
  RETURNS TABLE (scope text, event_id uuid, list_id uuid, list_name text, device_id text, device_name text,
                 bucket timestamptz, entries bigint, exits bigint, inside bigint, server_time timestamptz)
  LANGUAGE sql
  STABLE
  SECURITY DEFINER
  SET search_path = ''
AS $$
  WITH stays AS MATERIALIZED (
    SELECT s.* FROM public.ticket_stays s WHERE p_event_id IS NULL OR s.event_id = p_event_id
  ), by_event AS (
    SELECT 'event'::text AS scope, e.id AS event_id, NULL::uuid AS list_id, NULL::text AS list_name,
           NULL::text AS device_id, NULL::text AS device_name, NULL::timestamptz AS bucket,
           count(s.id) AS entries, count(s.exited_at) AS exits,
           count(s.id) FILTER (WHERE s.id IS NOT NULL AND s.exited_at IS NULL) AS inside
      FROM public.events e LEFT JOIN stays s ON s.event_id = e.id
     WHERE p_event_id IS NULL OR e.id = p_event_id
     GROUP BY e.id
  ), list_keys AS (
    SELECT l.event_id, l.id AS list_id, l.name FROM public.checkin_lists l
     WHERE p_event_id IS NULL OR l.event_id = p_event_id
    UNION
    SELECT s.event_id, NULL::uuid, NULL::text FROM stays s
     WHERE s.entry_list_id IS NULL OR (s.exited_at IS NOT NULL AND s.exit_list_id IS NULL)
  ), by_list AS (
    SELECT 'list'::text, k.event_id, k.list_id, k.name, NULL::text, NULL::text, NULL::timestamptz,
           (SELECT count(*) FROM stays s WHERE s.event_id = k.event_id
               AND s.entry_list_id IS NOT DISTINCT FROM k.list_id),
           (SELECT count(*) FROM stays s WHERE s.event_id = k.event_id AND s.exited_at IS NOT NULL
               AND s.exit_list_id IS NOT DISTINCT FROM k.list_id),
           (SELECT count(*) FROM stays s WHERE s.event_id = k.event_id AND s.exited_at IS NULL
               AND s.entry_list_id IS NOT DISTINCT FROM k.list_id)
      FROM list_keys k
  ), gate_keys AS (
    SELECT s.event_id, s.entry_device AS device FROM stays s
    UNION
    SELECT s.event_id, s.exit_device FROM stays s WHERE s.exited_at IS NOT NULL
  ), by_gate AS (
    SELECT 'gate'::text, k.event_id, NULL::uuid, NULL::text, k.device, d.name, NULL::timestamptz,
           (SELECT count(*) FROM stays s WHERE s.event_id = k.event_id
               AND s.entry_device IS NOT DISTINCT FROM k.device),
           (SELECT count(*) FROM stays s WHERE s.event_id = k.event_id AND s.exited_at IS NOT NULL
               AND s.exit_device IS NOT DISTINCT FROM k.device),
           (SELECT count(*) FROM stays s WHERE s.event_id = k.event_id AND s.exited_at IS NULL
               AND s.entry_device IS NOT DISTINCT FROM k.device)
      FROM gate_keys k LEFT JOIN public.devices d ON d.id = k.device
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

-- --- grants -------------------------------------------------------------------------

DO $$
DECLARE
  v_fn     regprocedure;
  v_role   text;
BEGIN
  FOR v_fn IN
    SELECT p.oid::regprocedure
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'public'
       AND p.proname IN ('gate_device_events', 'gate_assert_event_allowed', 'gate_scan_list', 'gate_list_refuses',
                         'gate_log_scan', 'gate_last_exit', 'gate_element_time', 'gate_valid_pin',
                         'gate_tickets_changed_page', 'scan_ticket', 'tickets_changed_since', 'event_summary',
                         'list_checkin_lists', 'list_operators', 'operator_sign_in', 'add_operator',
                         'remove_operator', 'event_stats')
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

GRANT EXECUTE ON FUNCTION
  public.scan_ticket(text, uuid, text, uuid, uuid, text, text, uuid),
  public.tickets_changed_since(uuid, text, int, text),
  public.event_summary(uuid, text),
  public.list_checkin_lists(text, uuid),
  public.list_operators(text),
  public.operator_sign_in(text, text, text)
  TO gate_device;

GRANT EXECUTE ON FUNCTION
  public.add_operator(text, text),
  public.remove_operator(uuid),
  public.event_stats(uuid, timestamptz)
  TO gate_supervisor;
