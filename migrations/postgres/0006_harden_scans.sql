-- 0006_harden_scans.sql — scans under attack (issue 11).
--
-- A leaked gate token must not be able to rewrite admissions:
--   * every scan is attributed to a device: the originals take the JWT's
--     device_id when no p_device_id is given (gate-server always fills it);
--   * a scan's time must lie in the window in which the ticket could have
--     been scanned: not before the ticket existed, not after the server's
--     clock (each with five minutes of slack for clocks). Outside it, an
--     offline upload is `rejected` on its own and the original
--     sync_offline_scan refuses with 22008, so no year-1 scan can take an
--     admission over for good;
--   * the original sync_offline_scan refuses void tickets and answers an
--     unknown ticket with the original's (false, false, null, null) row;
--   * a client_scan_id names one scan: reused for another ticket or event
--     (also twice in one batch) it is `rejected`, not answered as a replay.
--
-- Existing functions change with CREATE OR REPLACE, which keeps their
-- signatures, owners and grants.

-- The device a call speaks for: p_device_id when given (it must match the
-- JWT's device_id claim, when there is one), else that claim; NULL only
-- behind a PostgREST JWT without a device_id.
CREATE FUNCTION public.gate_caller_device(p_device_id text)
  RETURNS text
  LANGUAGE plpgsql STABLE
  SET search_path = ''
AS $$
DECLARE
  v_claims  text := current_setting('request.jwt.claims', true);
BEGIN
  IF p_device_id IS NOT NULL THEN
    PERFORM public.gate_assert_caller(p_device_id);
    RETURN p_device_id;
  END IF;
  IF v_claims IS NULL OR v_claims = '' THEN
    RETURN NULL;
  END IF;
  RETURN v_claims::jsonb ->> 'device_id';
END
$$;

-- Whether a scan of @p_ticket at @p_at is possible: after the ticket was
-- made, not in the future; five minutes of slack either side for clocks.
CREATE FUNCTION public.gate_scan_time_possible(p_ticket public.tickets, p_at timestamptz)
  RETURNS boolean
  LANGUAGE sql STABLE
  SET search_path = ''
AS $$
  SELECT p_at IS NOT NULL AND isfinite(p_at)
     AND p_at >= p_ticket.created_at - interval '5 minutes'
     AND p_at <= clock_timestamp() + interval '5 minutes'
$$;

REVOKE ALL ON FUNCTION public.gate_caller_device(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.gate_scan_time_possible(public.tickets, timestamptz) FROM PUBLIC;

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
  v_corrected  timestamptz;
  v_ticket     public.tickets;
  v_prior      public.scan_logs;
  v_winner     public.scan_logs;
  v_outcome    text;
  v_w_device   text;
  v_w_time     timestamptz;
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

  -- Process in token order so that concurrent batches lock tickets in the
  -- same order and cannot deadlock.
  FOR v_elem IN
    SELECT e.value FROM jsonb_array_elements(p_scans) AS e
     ORDER BY CASE WHEN jsonb_typeof(e.value) = 'object' THEN e.value ->> 'qr_token' END NULLS FIRST,
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

      -- An infinite time would win every conflict; an oversized token or
      -- method is not a scan, only a way to fill scan_logs.
      IF v_id IS NULL OR v_token IS NULL OR v_event IS NULL OR v_at IS NULL OR NOT isfinite(v_at)
         OR abs(v_offset) > 366::bigint * 24 * 3600 * 1000
         OR length(v_token) > 512 OR length(v_method) > 32 THEN
        RAISE EXCEPTION 'missing or invalid field' USING ERRCODE = '22023';
      END IF;

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
        IF v_prior.qr_token IS DISTINCT FROM v_token OR v_prior.event_id IS DISTINCT FROM v_event THEN
          RAISE EXCEPTION 'client_scan_id % belongs to another scan', v_id USING ERRCODE = '22023';
        END IF;
        client_scan_id := v_id;
        outcome := CASE v_prior.outcome
                     WHEN 'admitted' THEN 'applied'
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
                                      scan_success, outcome)
        VALUES (NULL, v_id, v_event, v_token, v_by, v_at, v_offset, v_corrected, v_method, p_device_id,
                false, v_outcome)
        -- No ticket, no lock: a concurrent upload of this id meets it here.
        ON CONFLICT ON CONSTRAINT scan_logs_client_scan_id_key DO NOTHING;
      ELSIF v_ticket.status = 'void' THEN
        v_outcome := 'void';
        INSERT INTO public.scan_logs (ticket_id, client_scan_id, event_id, qr_token, scanned_by, scanned_at,
                                      clock_offset_ms, corrected_at, scan_method, device_id,
                                      scan_success, outcome)
        VALUES (v_ticket.id, v_id, v_event, v_token, v_by, v_at, v_offset, v_corrected, v_method,
                p_device_id, false, v_outcome);
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
          INSERT INTO public.scan_logs (ticket_id, client_scan_id, event_id, qr_token, scanned_by,
                                        scanned_at, clock_offset_ms, corrected_at, scan_method,
                                        device_id, scan_success, outcome, winner_device, winner_time)
          VALUES (v_ticket.id, v_id, v_event, v_token, v_by, v_at, v_offset, v_corrected, v_method,
                  p_device_id, true, v_outcome, v_w_device, v_w_time);
        ELSIF v_corrected < v_winner.corrected_at THEN
          -- First scan wins by corrected time: this one was earlier. The
          -- old winner stays in scan_logs, unsuccessful; its recorded outcome
          -- is what a replay of it answers.
          v_outcome := 'won_conflict';
          v_w_device := p_device_id;
          v_w_time := v_corrected;
          UPDATE public.scan_logs l SET scan_success = false WHERE l.id = v_winner.id;
          UPDATE public.tickets t
             SET status = 'scanned', is_used = true, scanned_at = v_corrected,
                 scanned_by = v_by, scanned_device = p_device_id
           WHERE t.id = v_ticket.id;
          INSERT INTO public.scan_logs (ticket_id, client_scan_id, event_id, qr_token, scanned_by,
                                        scanned_at, clock_offset_ms, corrected_at, scan_method,
                                        device_id, scan_success, outcome, winner_device, winner_time)
          VALUES (v_ticket.id, v_id, v_event, v_token, v_by, v_at, v_offset, v_corrected, v_method,
                  p_device_id, true, v_outcome, v_w_device, v_w_time);
          INSERT INTO public.scan_conflicts (event_id, ticket_id, winner_device, winner_time, winner_scan_id,
                                             loser_device, loser_time, loser_scan_id)
          VALUES (v_ticket.event_id, v_ticket.id, p_device_id, v_corrected, v_id,
                  v_winner.device_id, v_winner.corrected_at, v_winner.client_scan_id);
        ELSE
          -- Later, or a tie: the scan already recorded wins.
          v_outcome := 'lost_conflict';
          v_w_device := v_winner.device_id;
          v_w_time := v_winner.corrected_at;
          INSERT INTO public.scan_logs (ticket_id, client_scan_id, event_id, qr_token, scanned_by,
                                        scanned_at, clock_offset_ms, corrected_at, scan_method,
                                        device_id, scan_success, outcome, winner_device, winner_time)
          VALUES (v_ticket.id, v_id, v_event, v_token, v_by, v_at, v_offset, v_corrected, v_method,
                  p_device_id, false, v_outcome, v_w_device, v_w_time);
          INSERT INTO public.scan_conflicts (event_id, ticket_id, winner_device, winner_time, winner_scan_id,
                                             loser_device, loser_time, loser_scan_id)
          VALUES (v_ticket.event_id, v_ticket.id, v_winner.device_id, v_winner.corrected_at,
                  v_winner.client_scan_id, p_device_id, v_corrected, v_id);
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

-- The original system's online scan: as in 0002, but a call without
-- p_device_id is attributed to the JWT's device.
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
  v_ticket  public.tickets;
  v_now     timestamptz;
BEGIN
  BEGIN
    SELECT * INTO v_ticket FROM public.tickets t WHERE t.id = p_ticket_id FOR UPDATE NOWAIT;
  EXCEPTION WHEN lock_not_available THEN
    RETURN QUERY SELECT false, false, NULL::timestamptz, NULL::uuid,
                        'Ticket is being processed by another scanner'::text;
    RETURN;
  END;

  IF NOT FOUND THEN
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
  VALUES (p_ticket_id, gen_random_uuid(), v_ticket.event_id, v_ticket.qr_token, p_scanned_by, v_now,
          v_now, coalesce(p_scan_method, 'qr'), v_device, true, 'admitted');

  RETURN QUERY SELECT true, false, v_now, p_scanned_by, NULL::text;
END
$$;

-- The original system's offline upload: first scan wins by the device's
-- timestamp, as in 0002, but only within the window the ticket could have
-- been scanned in, never for a void ticket, and an unknown ticket gets the
-- original's answer instead of an error.
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
  v_ticket  public.tickets;
  v_winner  public.scan_logs;
  v_id      uuid := gen_random_uuid();
BEGIN
  SELECT * INTO v_ticket FROM public.tickets t WHERE t.id = p_ticket_id FOR UPDATE;
  IF NOT FOUND THEN
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

-- Supabase's API roles get EXECUTE on new functions by default privileges.
DO $$
DECLARE
  v_role  text;
BEGIN
  FOREACH v_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
      EXECUTE format('REVOKE ALL ON FUNCTION public.gate_caller_device(text) FROM %I', v_role);
      EXECUTE format('REVOKE ALL ON FUNCTION public.gate_scan_time_possible(public.tickets, timestamptz) '
                     'FROM %I', v_role);
    END IF;
  END LOOP;
END
$$;
