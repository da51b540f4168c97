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
-- 4. ticket_stays had two indexes leading with ticket_id; the no-overlap
--    exclusion constraint's GiST index answers `ticket_id = …` (btree_gist)
--    for the few stays a ticket has, so ticket_stays_ticket_idx goes: one
--    index fewer to write on every admit.
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

-- A ticket's stays are found through the exclusion constraint's index.
DROP INDEX public.ticket_stays_ticket_idx;

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
