-- 0007_harden_access.sql — bounded delta cursors, and what gate-server
-- asks on every request (issue 11).
--
-- * tickets_changed_since: a cursor used to hold two whole snapshots, so a
--   hand-made one of any length was parsed and echoed in every row. It now
--   holds four fixed-size fields and is refused above 8 KiB. Cursors of
--   0003's form, as kiosks stored them, still work.
-- * gate_device_role: the role a request runs as is read in its own
--   transaction, so a demoted supervisor loses its rights at the next
--   request, as a revoked device does.
-- * gate_active_token_hashes: the hashes of the tokens that may
--   authenticate, so that gate-server can tell a kiosk from a guesser
--   without trusting what it has seen since its start.
-- * ROWS 1 on the functions that answer one row: the planner's estimate,
--   and gate-server's sign that their answer is one row of data, not a
--   number of rows a request can push up (it measures the answers of the
--   others in the database, which costs a scan 5 %).

-- The xmin of a cursor field: a plain xid8 (this form), or a whole
-- pg_snapshot (0003's form), of which only the xmin is kept.
CREATE FUNCTION public.gate_cursor_xmin(p_field text)
  RETURNS xid8
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ''
AS $$
BEGIN
  IF p_field ~ '^[0-9]{1,20}$' THEN
    RETURN p_field::xid8;
  ELSIF p_field ~ '^[0-9]{1,20}:[0-9]{1,20}:[0-9,]*$' THEN
    RETURN pg_catalog.pg_snapshot_xmin(p_field::pg_catalog.pg_snapshot);
  END IF;
  RAISE EXCEPTION 'malformed cursor' USING ERRCODE = '22023';
END
$$;

REVOKE ALL ON FUNCTION public.gate_cursor_xmin(text) FROM PUBLIC;

-- Delta download. The cursor is "<base>|<target>|<last_xid>|<last_id>",
-- each field of bounded size:
--   base    a transaction id: every ticket written by a transaction below
--           it is one the client already has
--   target  the xmin of the snapshot taken when this round of pages began
--   last_*  the keyset position inside the round
-- A round returns the rows whose writer's id is at least base, in
-- (change_xid, id) order. Every transaction below a snapshot's xmin has
-- ended, and every one still running, or starting later, has an id of at
-- least that xmin; so the next round (base := target) returns a late
-- committer's rows however late it commits: out-of-order commits are never
-- missed. Rows may come twice (those of transactions that ended between a
-- round's xmin and its start); clients upsert.
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

  -- One row more than asked tells whether this page ends the round.
  RETURN QUERY
  -- The keyset range comes straight off tickets_event_change_idx; only the
  -- page itself is numbered, so a full refresh stays linear.
  WITH candidates AS MATERIALIZED (
    SELECT t.*
      FROM public.tickets t
     WHERE t.event_id = p_event_id
       AND t.change_xid >= v_base
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

-- Internal to gate-server: the role the request of a device runs as, read
-- in the request's own transaction. Raises 28000 when the token is
-- unknown, revoked or not that device's, as gate_check_device does.
CREATE FUNCTION public.gate_device_role(p_token_hash text, p_device_id text)
  RETURNS text
  LANGUAGE plpgsql
  STABLE
  SECURITY DEFINER
  SET search_path = ''
AS $$
DECLARE
  v_role  text;
BEGIN
  SELECT CASE d.role WHEN 'supervisor' THEN 'gate_supervisor' ELSE 'gate_device' END INTO v_role
    FROM public.devices d
   WHERE d.token_hash = p_token_hash AND d.id = p_device_id AND d.revoked_at IS NULL;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'invalid or revoked device token' USING ERRCODE = '28000';
  END IF;
  RETURN v_role;
END
$$;

-- Internal to gate-server: the token hashes that may authenticate now.
CREATE FUNCTION public.gate_active_token_hashes()
  RETURNS SETOF text
  LANGUAGE sql
  STABLE
  SECURITY DEFINER
  SET search_path = ''
AS $$
  SELECT d.token_hash FROM public.devices d WHERE d.token_hash IS NOT NULL AND d.revoked_at IS NULL
$$;

REVOKE ALL ON FUNCTION public.gate_device_role(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.gate_active_token_hashes() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.gate_device_role(text, text), public.gate_active_token_hashes()
  TO gate_authenticator;

DO $$
DECLARE
  v_role  text;
BEGIN
  FOREACH v_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
      EXECUTE format('REVOKE ALL ON FUNCTION public.gate_cursor_xmin(text), '
                     'public.gate_device_role(text, text), public.gate_active_token_hashes() FROM %I', v_role);
    END IF;
  END LOOP;
END
$$;

-- One row each, whatever the request.
ALTER FUNCTION public.scan_ticket(text, uuid, text, uuid, uuid, text) ROWS 1;
ALTER FUNCTION public.scan_ticket_atomic(uuid, uuid, text, text) ROWS 1;
ALTER FUNCTION public.sync_offline_scan(uuid, uuid, timestamptz, text) ROWS 1;
ALTER FUNCTION public.event_summary(uuid) ROWS 1;
ALTER FUNCTION public.device_heartbeat(text, text, int, timestamptz) ROWS 1;
ALTER FUNCTION public.review_conflict(bigint, text, text) ROWS 1;
