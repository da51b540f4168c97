-- 0016_presence_delta.sql — who is inside, for kiosks that decide offline
-- (issue 13, point 2; docs/gate-rules.md "Offline").
--
-- A kiosk that decides exits and re-entries offline needs each ticket's
-- presence: inside or not, its last entry and its last exit. ticket_stays
-- (0011) holds the history; ticket_presence holds its summary, one row per
-- ticket that ever went in, kept by a trigger on ticket_stays. Every writer
-- of a ticket's stays holds the ticket's row lock (0012), so the summary is
-- written under it too and two writers never race on one row.
--
-- stays_changed_since pages the summaries of one event by the transaction
-- that last wrote them, exactly as tickets_changed_since pages tickets
-- (0007): a refresh with nothing new reads an empty index range, however
-- large the event.

CREATE TABLE public.ticket_presence (
  ticket_id     uuid PRIMARY KEY REFERENCES public.tickets (id),
  event_id      uuid NOT NULL REFERENCES public.events (id),
  inside        boolean NOT NULL,
  entered_at    timestamptz,
  entry_device  text,
  exited_at     timestamptz,
  exit_device   text,
  change_xid    xid8 NOT NULL DEFAULT pg_current_xact_id()
);

CREATE INDEX ticket_presence_event_change_idx ON public.ticket_presence (event_id, change_xid, ticket_id);

REVOKE ALL ON public.ticket_presence FROM PUBLIC;
ALTER TABLE public.ticket_presence ENABLE ROW LEVEL SECURITY;

DO $$
DECLARE
  v_role  text;
BEGIN
  FOREACH v_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
      EXECUTE format('REVOKE ALL ON public.ticket_presence FROM %I', v_role);
    END IF;
  END LOOP;
END
$$;

-- The summary of one ticket's stays: inside while its latest stay is open;
-- the latest entry, and the latest exit.
CREATE FUNCTION public.gate_write_presence(p_ticket_id uuid)
  RETURNS void
  LANGUAGE plpgsql
  SET search_path = ''
AS $$
DECLARE
  v_last  public.ticket_stays;
  v_exit  public.ticket_stays;
BEGIN
  SELECT * INTO v_last FROM public.ticket_stays s WHERE s.ticket_id = p_ticket_id
   ORDER BY s.entered_at DESC LIMIT 1;
  v_exit := public.gate_last_exit(p_ticket_id);

  INSERT INTO public.ticket_presence AS p (ticket_id, event_id, inside, entered_at, entry_device, exited_at,
                                           exit_device, change_xid)
  SELECT t.id, t.event_id, v_last.id IS NOT NULL AND v_last.exited_at IS NULL, v_last.entered_at,
         v_last.entry_device, v_exit.exited_at, v_exit.exit_device, pg_current_xact_id()
    FROM public.tickets t WHERE t.id = p_ticket_id
  ON CONFLICT (ticket_id) DO UPDATE
     SET event_id = excluded.event_id, inside = excluded.inside, entered_at = excluded.entered_at,
         entry_device = excluded.entry_device, exited_at = excluded.exited_at, exit_device = excluded.exit_device,
         change_xid = excluded.change_xid;
END
$$;

-- Every scan that moves someone comes through here, so the two moves of
-- every scan — a stay opened, a stay closed — are written from the row
-- alone: a new stay is always the ticket's latest (the exclusion
-- constraint keeps an open stay after every other one), and the stay an
-- exit closes is the open one. Anything else (an entry moved by a won
-- conflict, a deleted stay) summarises the ticket's stays again.
CREATE FUNCTION public.gate_ticket_stays_presence()
  RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = ''
AS $$
BEGIN
  IF TG_OP = 'INSERT' AND NEW.exited_at IS NULL THEN
    INSERT INTO public.ticket_presence AS p (ticket_id, event_id, inside, entered_at, entry_device, change_xid)
    VALUES (NEW.ticket_id, NEW.event_id, true, NEW.entered_at, NEW.entry_device, pg_current_xact_id())
    ON CONFLICT (ticket_id) DO UPDATE
       SET inside = true, entered_at = excluded.entered_at, entry_device = excluded.entry_device,
           change_xid = excluded.change_xid;
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.exited_at IS NULL AND NEW.exited_at IS NOT NULL AND NEW.ticket_id = OLD.ticket_id
     AND NEW.entered_at = OLD.entered_at THEN
    UPDATE public.ticket_presence p
       SET inside = false, exited_at = NEW.exited_at, exit_device = NEW.exit_device, change_xid = pg_current_xact_id()
     WHERE p.ticket_id = NEW.ticket_id;
    IF FOUND THEN
      RETURN NULL;
    END IF;
  END IF;

  IF TG_OP <> 'INSERT' THEN
    PERFORM public.gate_write_presence(OLD.ticket_id);
  END IF;
  IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.ticket_id <> OLD.ticket_id) THEN
    PERFORM public.gate_write_presence(NEW.ticket_id);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER ticket_stays_presence
  AFTER INSERT OR UPDATE OR DELETE ON public.ticket_stays
  FOR EACH ROW EXECUTE FUNCTION public.gate_ticket_stays_presence();

-- The stays recorded so far.
SELECT public.gate_write_presence(s.ticket_id) FROM (SELECT DISTINCT ticket_id FROM public.ticket_stays) AS s;

-- Presence delta. The cursor is "<base>||" between rounds and
-- "<target>|<last_xid>|<last_id>" inside one (0007's reasoning, with one
-- field less: inside a round the keyset position is above base already).
-- A round returns the summaries written by transactions from base on, in
-- (change_xid, ticket_id) order; the next round starts at the xmin of the
-- snapshot this one began with, so a late committer is never missed. Rows
-- may come twice; clients upsert. No rows: no cursor, keep the old one.
CREATE FUNCTION public.stays_changed_since(
  p_device_id  text,
  p_event_id   uuid,
  p_cursor     text DEFAULT NULL,
  p_limit      int DEFAULT 1000)
  RETURNS TABLE (ticket_id uuid, inside boolean, entered_at timestamptz, entry_device text,
                 exited_at timestamptz, exit_device text, next_cursor text, server_time timestamptz)
  LANGUAGE plpgsql
  STABLE
  SECURITY DEFINER
  SET search_path = ''
AS $$
DECLARE
  v_parts     text[];
  v_now       pg_snapshot := pg_current_snapshot();
  v_base      xid8 := '1'::xid8;
  v_target    xid8;
  v_from_xid  xid8;
  v_from_id   uuid;
  v_limit     int := least(greatest(coalesce(p_limit, 1000), 1), 1000);
BEGIN
  IF p_device_id IS NULL OR p_event_id IS NULL THEN
    RAISE EXCEPTION 'p_device_id and p_event_id are required' USING ERRCODE = '22004';
  END IF;
  PERFORM public.gate_assert_caller(p_device_id);
  PERFORM public.gate_assert_event_allowed(p_device_id, p_event_id);

  IF p_cursor IS NOT NULL AND p_cursor <> '' THEN
    IF octet_length(p_cursor) > 200 THEN
      RAISE EXCEPTION 'malformed cursor: longer than 200 bytes' USING ERRCODE = '22023';
    END IF;
    v_parts := string_to_array(p_cursor, '|');
    IF array_length(v_parts, 1) <> 3 OR v_parts[1] !~ '^[0-9]{1,20}$'
       OR (v_parts[2] <> '' AND v_parts[2] !~ '^[0-9]{1,20}$') THEN
      RAISE EXCEPTION 'malformed cursor' USING ERRCODE = '22023';
    END IF;
    IF v_parts[2] = '' THEN
      v_base := v_parts[1]::xid8;
    ELSE
      v_target := v_parts[1]::xid8;
      v_from_xid := v_parts[2]::xid8;
      BEGIN
        v_from_id := v_parts[3]::uuid;
      EXCEPTION WHEN invalid_text_representation THEN
        RAISE EXCEPTION 'malformed cursor' USING ERRCODE = '22023';
      END;
    END IF;
  END IF;

  -- A made-up cursor from the future would hide later changes from its
  -- own client: nothing is newer than now.
  v_base := least(v_base, pg_snapshot_xmax(v_now));
  v_target := least(coalesce(v_target, pg_snapshot_xmin(v_now)), pg_snapshot_xmax(v_now));
  IF v_from_xid IS NULL THEN
    -- Just below every row of base.
    v_from_xid := (greatest(v_base::text::numeric, 1) - 1)::text::xid8;
    v_from_id := 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid;
  END IF;

  RETURN QUERY
  WITH candidates AS MATERIALIZED (
    SELECT p.*
      FROM public.ticket_presence p
     WHERE p.event_id = p_event_id
       AND (p.change_xid, p.ticket_id) > (v_from_xid, v_from_id)
     ORDER BY p.change_xid, p.ticket_id
     LIMIT v_limit + 1
  ), page AS (
    SELECT c.*, row_number() OVER (ORDER BY c.change_xid, c.ticket_id) AS rn FROM candidates c
  ), cut AS MATERIALIZED (
    SELECT CASE WHEN EXISTS (SELECT 1 FROM page q WHERE q.rn > v_limit)
                THEN v_target::text || '|' || p.change_xid::text || '|' || p.ticket_id::text
                ELSE v_target::text || '||'
           END AS next_cursor
      FROM page p WHERE p.rn = least(v_limit, (SELECT count(*) FROM page))
  )
  SELECT p.ticket_id, p.inside, p.entered_at, p.entry_device, p.exited_at, p.exit_device, c.next_cursor,
         clock_timestamp()
    FROM page p CROSS JOIN cut c
   WHERE p.rn <= v_limit
   ORDER BY p.rn;
END
$$;

REVOKE ALL ON FUNCTION public.gate_write_presence(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.gate_ticket_stays_presence() FROM PUBLIC;
REVOKE ALL ON FUNCTION public.stays_changed_since(text, uuid, text, int) FROM PUBLIC;

DO $$
DECLARE
  v_role  text;
BEGIN
  FOREACH v_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
      EXECUTE format('REVOKE ALL ON FUNCTION public.stays_changed_since(text, uuid, text, int), '
                     'public.gate_write_presence(uuid), public.gate_ticket_stays_presence() FROM %I', v_role);
    END IF;
  END LOOP;
END
$$;

GRANT EXECUTE ON FUNCTION public.stays_changed_since(text, uuid, text, int) TO gate_device;
