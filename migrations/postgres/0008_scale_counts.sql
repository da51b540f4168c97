-- 0008_scale_counts.sql — a refresh whose cost follows the change, not the
-- event (issue 16).
--
-- Every kiosk's refresh ends with event_summary, which counted the event's
-- tickets twice: two scans of a million rows (the second one reads the
-- heap, status is in no index), some 100 ms at 1,000,000 tickets for every
-- kiosk every five minutes. The counts are now kept as tickets change:
--
-- * event_ticket_counts holds, per event, a few rows ("slots") whose sums
--   are the event's counts. A writer adds to the slot of its own backend
--   (pg_backend_pid() % 16), so concurrent scans of one event do not queue
--   on one row; event_summary sums at most 16 rows.
-- * Inserting and deleting tickets is counted once a statement (transition
--   tables), so a COPY of a million tickets adds one row's work; a change
--   of status or event is counted row by row, only when it changes the
--   counts (the trigger's WHEN is evaluated without calling anything), and
--   at the commit (a deferred constraint trigger).
-- * TRUNCATE drops the counts with the tickets.
--
-- tickets_changed_since read the event's whole history to find nothing
-- new (see below); now a delta, and a refresh with nothing new, is an index
-- range of the changed rows only (docs/performance.md shows the plan). Its
-- cursor and its bounds (0007) stay exactly as they are.

CREATE TABLE public.event_ticket_counts (
  event_id  uuid NOT NULL REFERENCES public.events (id) ON DELETE CASCADE,
  slot      smallint NOT NULL,
  tickets   bigint NOT NULL DEFAULT 0,
  scanned   bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (event_id, slot)
);

REVOKE ALL ON public.event_ticket_counts FROM PUBLIC;
ALTER TABLE public.event_ticket_counts ENABLE ROW LEVEL SECURITY;

DO $$
DECLARE
  v_role  text;
BEGIN
  FOREACH v_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
      EXECUTE format('REVOKE ALL ON public.event_ticket_counts FROM %I', v_role);
    END IF;
  END LOOP;
END
$$;

-- Statement triggers on INSERT and DELETE: the rows of the statement, per
-- event, added to (or taken from) this backend's slot.
CREATE FUNCTION public.tickets_count_statement() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = ''
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO public.event_ticket_counts AS c (event_id, slot, tickets, scanned)
    SELECT n.event_id, (pg_catalog.pg_backend_pid() % 16)::smallint, count(*),
           count(*) FILTER (WHERE n.status = 'scanned')
      FROM counted_in n
     GROUP BY n.event_id
    ON CONFLICT (event_id, slot) DO UPDATE
       SET tickets = c.tickets + excluded.tickets, scanned = c.scanned + excluded.scanned;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO public.event_ticket_counts AS c (event_id, slot, tickets, scanned)
    SELECT o.event_id, (pg_catalog.pg_backend_pid() % 16)::smallint, -count(*),
           -count(*) FILTER (WHERE o.status = 'scanned')
      FROM counted_out o
     WHERE EXISTS (SELECT 1 FROM public.events e WHERE e.id = o.event_id)
     GROUP BY o.event_id
    ON CONFLICT (event_id, slot) DO UPDATE
       SET tickets = c.tickets + excluded.tickets, scanned = c.scanned + excluded.scanned;
  ELSE
    DELETE FROM public.event_ticket_counts;
  END IF;
  RETURN NULL;
END
$$;

-- A row whose status or event changed, as a scan does: its old counts out,
-- its new ones in.
CREATE FUNCTION public.tickets_count_change() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = ''
AS $$
DECLARE
  v_slot  smallint := (pg_catalog.pg_backend_pid() % 16)::smallint;
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

REVOKE ALL ON FUNCTION public.tickets_count_statement(), public.tickets_count_change() FROM PUBLIC;

DO $$
DECLARE
  v_role  text;
BEGIN
  FOREACH v_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
      EXECUTE format('REVOKE ALL ON FUNCTION public.tickets_count_statement(), public.tickets_count_change() '
                     'FROM %I', v_role);
    END IF;
  END LOOP;
END
$$;

-- No ticket changes between the counting below and the triggers taking
-- over: writers wait for this migration's transaction.
LOCK TABLE public.tickets IN SHARE ROW EXCLUSIVE MODE;

CREATE TRIGGER tickets_counted_in
  AFTER INSERT ON public.tickets
  REFERENCING NEW TABLE AS counted_in
  FOR EACH STATEMENT EXECUTE FUNCTION public.tickets_count_statement();

CREATE TRIGGER tickets_counted_out
  AFTER DELETE ON public.tickets
  REFERENCING OLD TABLE AS counted_out
  FOR EACH STATEMENT EXECUTE FUNCTION public.tickets_count_statement();

CREATE TRIGGER tickets_counted_truncate
  AFTER TRUNCATE ON public.tickets
  FOR EACH STATEMENT EXECUTE FUNCTION public.tickets_count_statement();

-- Deferred to the commit: the slot's row is locked last, after every
-- ticket the transaction locks, and only until the commit that follows.
-- Locked at the update, it could close a cycle — a batch upload holding
-- ticket X and the slot, waiting for ticket Y, held by another backend of
-- the same slot that waits for the slot.
CREATE CONSTRAINT TRIGGER tickets_counted_again
  AFTER UPDATE OF event_id, status ON public.tickets
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW
  WHEN (OLD.event_id IS DISTINCT FROM NEW.event_id
        OR (OLD.status = 'scanned') IS DISTINCT FROM (NEW.status = 'scanned'))
  EXECUTE FUNCTION public.tickets_count_change();

INSERT INTO public.event_ticket_counts (event_id, slot, tickets, scanned)
SELECT t.event_id, 0, count(*), count(*) FILTER (WHERE t.status = 'scanned')
  FROM public.tickets t
 GROUP BY t.event_id;

-- The same answer as 0003's, read off at most 16 rows of counts.
CREATE OR REPLACE FUNCTION public.event_summary(p_event_id uuid)
  RETURNS TABLE (event_id uuid, name text, starts_at timestamptz, ticket_count bigint,
                 scanned_count bigint, server_time timestamptz)
  LANGUAGE sql
  STABLE
  SECURITY DEFINER
  SET search_path = ''
  ROWS 1
AS $$
  SELECT e.id, e.name, e.starts_at,
         coalesce((SELECT sum(c.tickets) FROM public.event_ticket_counts c WHERE c.event_id = e.id), 0)::bigint,
         coalesce((SELECT sum(c.scanned) FROM public.event_ticket_counts c WHERE c.event_id = e.id), 0)::bigint,
         clock_timestamp()
    FROM public.events e
   WHERE e.id = p_event_id
$$;

-- Delta download: 0007's function and cursor, with the range's start as one
-- bound (see above).
CREATE OR REPLACE FUNCTION public.tickets_changed_since(
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
  v_now       pg_snapshot := pg_current_snapshot();
  v_base      xid8;
  v_target    xid8;
  v_last_xid  xid8;
  v_last_id   uuid;
  v_from_xid  xid8;
  v_from_id   uuid;
  v_limit     int := least(greatest(coalesce(p_limit, 1000), 1), 1000);
BEGIN
  IF p_event_id IS NULL THEN
    RAISE EXCEPTION 'p_event_id is required' USING ERRCODE = '22004';
  END IF;

  IF p_cursor IS NULL OR p_cursor = '' THEN
    v_base := '1'::xid8;
  ELSE
    -- Larger than any cursor this function or 0003's ever made.
    IF octet_length(p_cursor) > 8192 THEN
      RAISE EXCEPTION 'malformed cursor: longer than 8192 bytes' USING ERRCODE = '22023';
    END IF;
    v_parts := string_to_array(p_cursor, '|');
    IF array_length(v_parts, 1) <> 4 THEN
      RAISE EXCEPTION 'malformed cursor' USING ERRCODE = '22023';
    END IF;
    v_base := public.gate_cursor_xmin(v_parts[1]);
    IF v_parts[2] <> '' THEN
      v_target := public.gate_cursor_xmin(v_parts[2]);
      v_last_xid := v_parts[3]::xid8;
      v_last_id := v_parts[4]::uuid;
    END IF;
  END IF;

  -- A made-up cursor from the future would hide every later change from
  -- its own client; nothing is newer than now.
  v_base := least(v_base, pg_snapshot_xmax(v_now));
  v_target := least(coalesce(v_target, pg_snapshot_xmin(v_now)), pg_snapshot_xmax(v_now));

  -- Where the range starts, as one row bound: after the last row of the
  -- previous page, or at the first row of base. 0007 wrote it as two
  -- bounds, change_xid >= base and (change_xid, id) > last; the index
  -- scan started at the looser one, (0, nil) at the start of every round,
  -- and read the event's whole history to return nothing (120 ms at a
  -- million tickets). (base - 1, the greatest uuid) is just below every
  -- row of base.
  IF v_last_xid IS NOT NULL AND v_last_xid >= v_base THEN
    v_from_xid := v_last_xid;
    v_from_id := v_last_id;
  ELSE
    v_from_xid := (greatest(v_base::text::numeric, 1) - 1)::text::xid8;
    v_from_id := 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid;
  END IF;

  -- One row more than asked tells whether this page ends the round.
  RETURN QUERY
  -- The keyset range comes straight off tickets_event_change_idx; only the
  -- page itself is numbered, so a full refresh stays linear.
  WITH candidates AS MATERIALIZED (
    SELECT t.*
      FROM public.tickets t
     WHERE t.event_id = p_event_id
       AND (t.change_xid, t.id) > (v_from_xid, v_from_id)
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
