-- 0024_ticket_page_sql.sql — a page of tickets_changed_since as one SQL
-- statement (issue 16, third round).
--
-- A full download of a million tickets is a thousand pages, and each page
-- cost the server far more than reading its rows: 0012's wrapper (PL/pgSQL)
-- ran 0008's page function (PL/pgSQL) into a tuplestore and copied it into
-- a second; the page itself was a materialised CTE, numbered by a window
-- over a re-sort of rows that came sorted off the index, put in a second
-- CTE scanned three times, then sorted again by its number. Read through
-- libpq, that made a page two to four times the cost of the index range it
-- returns (docs/scaling.md has the figures).
--
-- Now the arguments and the cursor are checked by a small PL/pgSQL function
-- that returns the page's bounds as one row, and the page is one SQL
-- statement over the index range: the rows in index order, counted and the
-- page's last key taken by one window over them, no sort anywhere. The
-- answer is the same as 0008's, row for row, cursor for cursor
-- (/sql/pages/equal-to-0008s checks it against gate_tickets_changed_page,
-- which stays as it was). Same arguments, same errors, same grants.

-- The page's bounds, and every check of the arguments: the caller's event
-- (0012), the cursor (0007, 0008). One row.
CREATE FUNCTION public.gate_ticket_page_bounds(
  p_event_id   uuid,
  p_cursor     text,
  p_limit      int,
  p_device_id  text)
  RETURNS TABLE (from_xid xid8, from_id uuid, base xid8, target xid8, page_limit int)
  LANGUAGE plpgsql
  STABLE
  SET search_path = ''
  ROWS 1
AS $$
DECLARE
  v_parts     text[];
  v_now       pg_snapshot := pg_current_snapshot();
  v_base      xid8;
  v_target    xid8;
  v_last_xid  xid8;
  v_last_id   uuid;
BEGIN
  PERFORM public.gate_assert_event_allowed(public.gate_caller_device(p_device_id), p_event_id);
  IF p_event_id IS NULL THEN
    RAISE EXCEPTION 'p_event_id is required' USING ERRCODE = '22004';
  END IF;

  IF p_cursor IS NULL OR p_cursor = '' THEN
    v_base := '1'::xid8;
  ELSE
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

  -- Nothing is newer than now (0007).
  v_base := least(v_base, pg_snapshot_xmax(v_now));
  v_target := least(coalesce(v_target, pg_snapshot_xmin(v_now)), pg_snapshot_xmax(v_now));

  -- The range starts after the last row sent, or just below base (0008).
  IF v_last_xid IS NOT NULL AND v_last_xid >= v_base THEN
    from_xid := v_last_xid;
    from_id := v_last_id;
  ELSE
    from_xid := (greatest(v_base::text::numeric, 1) - 1)::text::xid8;
    from_id := 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid;
  END IF;
  base := v_base;
  target := v_target;
  page_limit := least(greatest(coalesce(p_limit, 1000), 1), 1000);
  RETURN NEXT;
END
$$;

REVOKE ALL ON FUNCTION public.gate_ticket_page_bounds(uuid, text, int, text) FROM PUBLIC;

-- One row more than the page is read: it tells whether the page ends the
-- round. Every row of the page carries the same cursor: the position of the
-- page's last row while more follow, the round's target when none do. The
-- bounds are one row computed once (the CTE), read by the range as
-- parameters, so the rows keep the index's order to the end: the ORDER BY
-- costs no sort.
CREATE OR REPLACE FUNCTION public.tickets_changed_since(
  p_event_id   uuid,
  p_cursor     text DEFAULT NULL,
  p_limit      int DEFAULT 1000,
  p_device_id  text DEFAULT NULL)
  RETURNS TABLE (id uuid, qr_token text, qr_signature text, ticket_type text, guest_name text,
                 status text, scanned_at timestamptz, scanned_device text, updated_at timestamptz,
                 next_cursor text)
  LANGUAGE sql
  STABLE
  SECURITY DEFINER
  SET search_path = ''
  ROWS 1000
AS $$
  WITH b AS MATERIALIZED (
    SELECT * FROM public.gate_ticket_page_bounds(p_event_id, p_cursor, p_limit, p_device_id)
  )
  SELECT p.id, p.qr_token, p.qr_signature, p.ticket_type, p.guest_name, p.status,
         p.scanned_at, p.scanned_device, p.updated_at,
         CASE WHEN p.rows_read > p.page_limit
              THEN (SELECT b.base::text || '|' || b.target::text FROM b) || '|' || p.last_xid::text || '|' || p.last_id::text
              ELSE (SELECT b.target::text FROM b) || '|||'
         END
    FROM (SELECT r.*,
                 row_number() OVER whole AS n,
                 count(*) OVER whole AS rows_read,
                 nth_value(r.change_xid, r.page_limit) OVER whole AS last_xid,
                 nth_value(r.id, r.page_limit) OVER whole AS last_id
            FROM (SELECT t.id, t.qr_token, t.qr_signature, t.ticket_type, t.guest_name, t.status,
                         t.scanned_at, t.scanned_device, t.updated_at, t.change_xid,
                         (SELECT b.page_limit FROM b) AS page_limit
                    FROM public.tickets t
                   WHERE t.event_id = p_event_id
                     AND (t.change_xid, t.id) > ((SELECT b.from_xid FROM b), (SELECT b.from_id FROM b))
                   ORDER BY t.change_xid, t.id
                   LIMIT (SELECT b.page_limit + 1 FROM b)) AS r
          WINDOW whole AS (ORDER BY r.change_xid, r.id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
         ) AS p
   WHERE p.n <= p.page_limit
   ORDER BY p.change_xid, p.id
$$;

DO $$
DECLARE
  v_role  text;
BEGIN
  FOREACH v_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
      EXECUTE format('REVOKE ALL ON FUNCTION public.gate_ticket_page_bounds(uuid, text, int, text) FROM %I', v_role);
    END IF;
  END LOOP;
END
$$;
