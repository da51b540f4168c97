-- 0015_scan_speed.sql — scan_ticket as fast with gate rules as it was
-- without them (issues 13 and 15).
--
-- Profiled with pgbench (32 clients, unique tickets of one event, fsync on)
-- and perf on the backends; the figures are in docs/scaling.md. Three costs
-- came with 0008 and 0011/0012, none of them in what a scan decides:
--
-- 1. SQL-language helpers declared with SET search_path are never inlined,
--    and PL/pgSQL calls them through fmgr_sql, which parses and plans the
--    body again on every call: about a fifth of a backend's time went to
--    parsing and planning gate_device_events, gate_log_scan and
--    gate_list_refuses. They become PL/pgSQL, whose plans a session keeps;
--    gate_list_refuses, a bare expression, becomes inlinable instead (no
--    SET clause, nothing to resolve but pg_catalog's operators).
-- 2. Foreign keys of ticket_stays made every admit lock rows it did not
--    need: the event's single row (KEY SHARE, so every gate scanning the
--    event shared one multixact on it), the list's single row (the same, for
--    every gate of a list) and the scan_logs row just inserted (a WAL record
--    of its own). Only scan_ticket, sync_offline_scans and the seed
--    functions write stays (no role has a privilege on the table), and they
--    take these ids from rows they hold: a stay's event is its ticket's, its
--    scan ids are the scan_logs rows written beside it, and lists are never
--    deleted. The key to tickets stays; the scan holds that row FOR UPDATE
--    already, so checking it locks nothing new.
-- 3. The kept counts of 0008 had 16 slots an event chosen by backend; two
--    backends on one slot wait for each other's commit, because the
--    deferred trigger holds the slot's row lock through the WAL flush. 256
--    slots make that rare for any pool size a server runs.
--
-- 4. scan_ticket looked its ticket up twice and locked it inside a
--    BEGIN … EXCEPTION block (a subtransaction, with its own transaction
--    id, for every scan) to turn a lock timeout into `busy`. The usual
--    scan — a ticket of this event that no other scan holds — now takes its
--    lock in one statement (FOR UPDATE SKIP LOCKED); every other case takes
--    the old, careful way, unchanged: the replay check, not_found,
--    wrong_event without a lock, and the wait of up to lock_timeout.
--
-- No signature, answer or guarantee changes: the same functions decide the
-- same verdicts, and ticket_stays keeps its one-open-stay index and its
-- no-overlap exclusion constraint.

-- --- 1. helpers a session plans once ---------------------------------------------

CREATE OR REPLACE FUNCTION public.gate_device_events(p_device_id text)
  RETURNS uuid[]
  LANGUAGE plpgsql STABLE
  SET search_path = ''
AS $$
BEGIN
  RETURN (SELECT array_agg(de.event_id) FROM public.device_events de WHERE de.device_id = p_device_id);
END
$$;

CREATE OR REPLACE FUNCTION public.gate_list_refuses(p_list public.checkin_lists, p_type text, p_direction text)
  RETURNS boolean
  LANGUAGE sql IMMUTABLE
AS $$
  SELECT p_list.id IS NOT NULL
     AND ((cardinality(p_list.ticket_types) > 0 AND NOT coalesce(p_type = ANY (p_list.ticket_types), false))
          OR (p_list.direction <> 'both' AND p_list.direction <> p_direction))
$$;

CREATE OR REPLACE FUNCTION public.gate_log_scan(
  p_ticket_id uuid, p_scan_id uuid, p_event_id uuid, p_token text, p_by uuid, p_at timestamptz,
  p_offset bigint, p_corrected timestamptz, p_method text, p_device text, p_success boolean,
  p_outcome text, p_winner_device text, p_winner_time timestamptz, p_direction text, p_list_id uuid)
  RETURNS void
  LANGUAGE plpgsql
  SET search_path = ''
AS $$
BEGIN
  INSERT INTO public.scan_logs (ticket_id, client_scan_id, event_id, qr_token, scanned_by, scanned_at,
                                clock_offset_ms, corrected_at, scan_method, device_id, scan_success, outcome,
                                winner_device, winner_time, direction, list_id)
  VALUES (p_ticket_id, p_scan_id, p_event_id, p_token, p_by, p_at, p_offset, p_corrected, p_method, p_device,
          p_success, p_outcome, p_winner_device, p_winner_time, p_direction, p_list_id);
END
$$;

CREATE OR REPLACE FUNCTION public.gate_last_exit(p_ticket_id uuid)
  RETURNS public.ticket_stays
  LANGUAGE plpgsql STABLE
  SET search_path = ''
AS $$
DECLARE
  v_stay  public.ticket_stays;
BEGIN
  SELECT * INTO v_stay FROM public.ticket_stays s
   WHERE s.ticket_id = p_ticket_id AND s.exited_at IS NOT NULL
   ORDER BY s.exited_at DESC
   LIMIT 1;
  RETURN v_stay;
END
$$;

-- --- 2. no lock on shared rows for every admit -------------------------------

ALTER TABLE public.ticket_stays
  DROP CONSTRAINT ticket_stays_event_id_fkey,
  DROP CONSTRAINT ticket_stays_entry_list_id_fkey,
  DROP CONSTRAINT ticket_stays_exit_list_id_fkey,
  DROP CONSTRAINT ticket_stays_entry_scan_id_fkey,
  DROP CONSTRAINT ticket_stays_exit_scan_id_fkey;

-- --- 3. more slots for the kept counts -------------------------------------------

CREATE OR REPLACE FUNCTION public.tickets_count_change() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = ''
AS $$
DECLARE
  v_slot  smallint := (pg_catalog.pg_backend_pid() % 256)::smallint;
BEGIN
  IF OLD.event_id = NEW.event_id THEN
    INSERT INTO public.event_ticket_counts AS c (event_id, slot, tickets, scanned)
    VALUES (NEW.event_id, v_slot, 0, (NEW.status = 'scanned')::int - (OLD.status = 'scanned')::int)
    ON CONFLICT (event_id, slot) DO UPDATE SET scanned = c.scanned + excluded.scanned;
  ELSE
    INSERT INTO public.event_ticket_counts AS c (event_id, slot, tickets, scanned)
    VALUES (OLD.event_id, v_slot, -1, -(OLD.status = 'scanned')::int),
           (NEW.event_id, v_slot, 1, (NEW.status = 'scanned')::int)
    ON CONFLICT (event_id, slot) DO UPDATE
       SET tickets = c.tickets + excluded.tickets, scanned = c.scanned + excluded.scanned;
  END IF;
  RETURN NULL;
END
$$;

-- --- 4. the usual scan in one locking statement -----------------------------------

CREATE OR REPLACE FUNCTION public.scan_ticket(
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

  -- The usual scan: a ticket of this event that no other scan holds,
  -- locked in one statement, with no subtransaction. Everything else (a
  -- repeat, no such ticket, another event's, a ticket another scan holds)
  -- takes the careful way below.
  SELECT * INTO v_ticket FROM public.tickets t
   WHERE t.qr_token = p_qr_token AND t.event_id = p_event_id
     FOR UPDATE SKIP LOCKED;
  IF NOT FOUND THEN
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
  END IF;

  -- The same client_scan_id may have been decided before we held the lock.
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

