-- 0002_scan_functions.sql — deciding scans: online, offline batches, and the
-- original system's two functions with their signatures kept.
--
-- Every function is SECURITY DEFINER with an empty search_path and
-- schema-qualified names, so a caller can neither read the tables directly
-- nor redirect a name to an object of its own.

-- The current successful scan of a ticket, if any (callers hold the row lock).
CREATE FUNCTION public.gate_current_winner(p_ticket_id uuid)
  RETURNS public.scan_logs
  LANGUAGE sql STABLE
  SET search_path = ''
AS $$
  SELECT * FROM public.scan_logs WHERE ticket_id = p_ticket_id AND scan_success
$$;

-- Behind PostgREST (Supabase) a kiosk authenticates with a JWT; when it
-- carries a device_id claim, a device may only act under that id, as
-- gate-server enforces for its own tokens. gate-server sets no claims.
CREATE FUNCTION public.gate_assert_caller(p_device_id text)
  RETURNS void
  LANGUAGE plpgsql STABLE
  SET search_path = ''
AS $$
DECLARE
  v_claims  text := current_setting('request.jwt.claims', true);
  v_device  text;
BEGIN
  IF v_claims IS NULL OR v_claims = '' THEN
    RETURN;
  END IF;
  v_device := v_claims::jsonb ->> 'device_id';
  IF v_device IS NOT NULL AND v_device IS DISTINCT FROM p_device_id THEN
    RAISE EXCEPTION 'p_device_id does not match the device_id of the token' USING ERRCODE = '42501';
  END IF;
END
$$;

CREATE FUNCTION public.scan_ticket(
  p_qr_token        text,
  p_event_id        uuid,
  p_device_id       text,
  p_client_scan_id  uuid,
  p_scanned_by      uuid DEFAULT NULL,
  p_scan_method     text DEFAULT 'qr')
  RETURNS TABLE (verdict text, ticket_id uuid, guest_name text, ticket_type text,
                 scanned_at timestamptz, scanned_device text, server_time timestamptz)
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = ''
  -- The loser of a race waits for the winner's commit and then answers
  -- definitively; only a lock held this long means "busy".
  SET lock_timeout = '2s'
AS $$
DECLARE
  v_ticket  public.tickets;
  v_prior   public.scan_logs;
  v_now     timestamptz := clock_timestamp();
BEGIN
  IF p_qr_token IS NULL OR p_event_id IS NULL OR p_client_scan_id IS NULL THEN
    RAISE EXCEPTION 'p_qr_token, p_event_id and p_client_scan_id are required'
      USING ERRCODE = '22004';
  END IF;
  IF length(p_scan_method) > 32 THEN
    RAISE EXCEPTION 'p_scan_method is longer than 32 characters' USING ERRCODE = '22001';
  END IF;
  PERFORM public.gate_assert_caller(p_device_id);

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
    -- Logged like every denial of a real ticket. No row lock is taken, so a
    -- concurrent repeat of this scan id waits on the unique index instead.
    INSERT INTO public.scan_logs (ticket_id, client_scan_id, event_id, qr_token, scanned_by, scanned_at,
                                  corrected_at, scan_method, device_id, scan_success, outcome)
    VALUES (v_ticket.id, p_client_scan_id, p_event_id, p_qr_token, p_scanned_by, v_now,
            v_now, coalesce(p_scan_method, 'qr'), p_device_id, false, 'wrong_event')
    ON CONFLICT ON CONSTRAINT scan_logs_client_scan_id_key DO NOTHING;
    RETURN QUERY SELECT 'wrong_event'::text, v_ticket.id, v_ticket.guest_name, v_ticket.ticket_type,
                        NULL::timestamptz, NULL::text, clock_timestamp();
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
    INSERT INTO public.scan_logs (ticket_id, client_scan_id, event_id, qr_token, scanned_by, scanned_at,
                                  corrected_at, scan_method, device_id, scan_success, outcome)
    VALUES (v_ticket.id, p_client_scan_id, p_event_id, p_qr_token, p_scanned_by, v_now,
            v_now, coalesce(p_scan_method, 'qr'), p_device_id, false, 'void');
    RETURN QUERY SELECT 'void'::text, v_ticket.id, v_ticket.guest_name, v_ticket.ticket_type,
                        v_ticket.scanned_at, v_ticket.scanned_device, clock_timestamp();
    RETURN;
  END IF;

  IF v_ticket.status = 'scanned' OR v_ticket.is_used THEN
    INSERT INTO public.scan_logs (ticket_id, client_scan_id, event_id, qr_token, scanned_by, scanned_at,
                                  corrected_at, scan_method, device_id, scan_success, outcome,
                                  winner_device, winner_time)
    VALUES (v_ticket.id, p_client_scan_id, p_event_id, p_qr_token, p_scanned_by, v_now,
            v_now, coalesce(p_scan_method, 'qr'), p_device_id, false, 'already_scanned',
            v_ticket.scanned_device, v_ticket.scanned_at);
    RETURN QUERY SELECT 'already_scanned'::text, v_ticket.id, v_ticket.guest_name, v_ticket.ticket_type,
                        v_ticket.scanned_at, v_ticket.scanned_device, clock_timestamp();
    RETURN;
  END IF;

  UPDATE public.tickets t
     SET status = 'scanned', is_used = true, scanned_at = v_now,
         scanned_by = p_scanned_by, scanned_device = p_device_id
   WHERE t.id = v_ticket.id;

  INSERT INTO public.scan_logs (ticket_id, client_scan_id, event_id, qr_token, scanned_by, scanned_at,
                                corrected_at, scan_method, device_id, scan_success, outcome)
  VALUES (v_ticket.id, p_client_scan_id, p_event_id, p_qr_token, p_scanned_by, v_now,
          v_now, coalesce(p_scan_method, 'qr'), p_device_id, true, 'admitted');

  RETURN QUERY SELECT 'admitted'::text, v_ticket.id, v_ticket.guest_name, v_ticket.ticket_type,
                      v_now, p_device_id, clock_timestamp();
END
$$;

-- What scan_ticket answers for a client_scan_id it has seen before: the
-- original decision for an admit, the ticket's current state otherwise.
CREATE FUNCTION public.gate_replay_scan(p_log public.scan_logs)
  RETURNS TABLE (verdict text, ticket_id uuid, guest_name text, ticket_type text,
                 scanned_at timestamptz, scanned_device text, server_time timestamptz)
  LANGUAGE sql STABLE
  SET search_path = ''
AS $$
  SELECT CASE
           WHEN p_log.outcome IN ('admitted', 'applied', 'won_conflict') THEN 'admitted'
           WHEN p_log.outcome = 'lost_conflict' THEN 'already_scanned'
           WHEN p_log.outcome IN ('void', 'already_scanned', 'not_found', 'wrong_event') THEN p_log.outcome
           ELSE 'not_found'
         END,
         t.id, t.guest_name, t.ticket_type,
         CASE WHEN p_log.outcome IN ('admitted', 'applied', 'won_conflict')
              THEN p_log.corrected_at ELSE t.scanned_at END,
         CASE WHEN p_log.outcome IN ('admitted', 'applied', 'won_conflict')
              THEN p_log.device_id ELSE t.scanned_device END,
         clock_timestamp()
    FROM (SELECT 1) AS one
    LEFT JOIN public.tickets t ON t.id = p_log.ticket_id
$$;

CREATE FUNCTION public.sync_offline_scans(p_device_id text, p_scans jsonb)
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

      -- Lock first, then look for the scan id: a concurrent upload of the
      -- same scan (a retry while the first call still runs) holds this lock
      -- until it commits, so the id is found here and answered as a replay.
      SELECT * INTO v_ticket FROM public.tickets t WHERE t.qr_token = v_token FOR UPDATE;

      SELECT * INTO v_prior FROM public.scan_logs l WHERE l.client_scan_id = v_id;
      IF FOUND THEN
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

-- The original system's online scan, kept with its signature: NOWAIT, and a
-- clear answer instead of an error when another scanner holds the ticket.
CREATE FUNCTION public.scan_ticket_atomic(
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
  v_ticket  public.tickets;
  v_now     timestamptz;
BEGIN
  PERFORM public.gate_assert_caller(p_device_id);

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
         scanned_by = p_scanned_by, scanned_device = p_device_id
   WHERE t.id = p_ticket_id;
  INSERT INTO public.scan_logs (ticket_id, client_scan_id, event_id, qr_token, scanned_by, scanned_at,
                                corrected_at, scan_method, device_id, scan_success, outcome)
  VALUES (p_ticket_id, gen_random_uuid(), v_ticket.event_id, v_ticket.qr_token, p_scanned_by, v_now,
          v_now, coalesce(p_scan_method, 'qr'), p_device_id, true, 'admitted');

  RETURN QUERY SELECT true, false, v_now, p_scanned_by, NULL::text;
END
$$;

-- The original system's offline upload, kept with its signature: first scan
-- wins by the device's timestamp. It now records conflicts too.
CREATE FUNCTION public.sync_offline_scan(
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
  v_ticket  public.tickets;
  v_winner  public.scan_logs;
  v_id      uuid := gen_random_uuid();
BEGIN
  PERFORM public.gate_assert_caller(p_device_id);

  SELECT * INTO v_ticket FROM public.tickets t WHERE t.id = p_ticket_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'ticket % not found', p_ticket_id USING ERRCODE = 'P0002';
  END IF;

  v_winner := public.gate_current_winner(p_ticket_id);

  IF v_winner.id IS NULL THEN
    UPDATE public.tickets t
       SET status = 'scanned', is_used = true, scanned_at = p_scanned_at,
           scanned_by = p_scanned_by, scanned_device = p_device_id
     WHERE t.id = p_ticket_id;
    INSERT INTO public.scan_logs (ticket_id, client_scan_id, event_id, qr_token, scanned_by, scanned_at,
                                  corrected_at, scan_method, device_id, scan_success, outcome)
    VALUES (p_ticket_id, v_id, v_ticket.event_id, v_ticket.qr_token, p_scanned_by, p_scanned_at,
            p_scanned_at, 'offline', p_device_id, true, 'applied');
    RETURN QUERY SELECT true, false, p_device_id, p_scanned_at;
  ELSIF p_scanned_at < v_winner.corrected_at THEN
    UPDATE public.scan_logs l SET scan_success = false WHERE l.id = v_winner.id;
    UPDATE public.tickets t
       SET scanned_at = p_scanned_at, scanned_by = p_scanned_by, scanned_device = p_device_id
     WHERE t.id = p_ticket_id;
    INSERT INTO public.scan_logs (ticket_id, client_scan_id, event_id, qr_token, scanned_by, scanned_at,
                                  corrected_at, scan_method, device_id, scan_success, outcome,
                                  winner_device, winner_time)
    VALUES (p_ticket_id, v_id, v_ticket.event_id, v_ticket.qr_token, p_scanned_by, p_scanned_at,
            p_scanned_at, 'offline', p_device_id, true, 'won_conflict', p_device_id, p_scanned_at);
    INSERT INTO public.scan_conflicts (event_id, ticket_id, winner_device, winner_time, winner_scan_id,
                                       loser_device, loser_time, loser_scan_id)
    VALUES (v_ticket.event_id, p_ticket_id, p_device_id, p_scanned_at, v_id,
            v_winner.device_id, v_winner.corrected_at, v_winner.client_scan_id);
    RETURN QUERY SELECT true, true, p_device_id, p_scanned_at;
  ELSE
    INSERT INTO public.scan_logs (ticket_id, client_scan_id, event_id, qr_token, scanned_by, scanned_at,
                                  corrected_at, scan_method, device_id, scan_success, outcome,
                                  winner_device, winner_time)
    VALUES (p_ticket_id, v_id, v_ticket.event_id, v_ticket.qr_token, p_scanned_by, p_scanned_at,
            p_scanned_at, 'offline', p_device_id, false, 'lost_conflict',
            v_winner.device_id, v_winner.corrected_at);
    INSERT INTO public.scan_conflicts (event_id, ticket_id, winner_device, winner_time, winner_scan_id,
                                       loser_device, loser_time, loser_scan_id)
    VALUES (v_ticket.event_id, p_ticket_id, v_winner.device_id, v_winner.corrected_at,
            v_winner.client_scan_id, p_device_id, p_scanned_at, v_id);
    RETURN QUERY SELECT false, true, v_winner.device_id, v_winner.corrected_at;
  END IF;
END
$$;
