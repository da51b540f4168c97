-- 0025_time_ordered_ticket_ids.sql — ticket ids that follow the order tickets
-- are made in (issue 16, fifth round).
--
-- tickets_changed_since pages an event in (change_xid, id) order, and the
-- tickets of one import share their change_xid: a page is a range of ids.
-- With random ids (gen_random_uuid, version 4) the thousand rows of a page
-- lay on a thousand different heap pages, so a first download of a million
-- tickets visited a million heap pages, and every page of the kiosk's id
-- index took random inserts. A version 7 id (RFC 9562) starts with the
-- milliseconds since the epoch: tickets made one after the other get ids in
-- that order, and a page of them is a few neighbouring heap pages.
--
-- `gatectl tickets generate` makes its ids itself (a signed code carries
-- its ticket's id) in the same form; this is the default for everyone
-- else who adds tickets (SQL, an import, Supabase's table editor).
-- Existing tickets keep their ids.

-- 48 bits of Unix time in milliseconds, version 7, then gen_random_uuid()'s
-- random bits and variant. One SQL expression, so that it is inlined into
-- an INSERT … SELECT. Schema-qualified throughout instead of SET
-- search_path, which would stop the inlining.
CREATE FUNCTION public.gate_uuid_v7()
  RETURNS uuid
  LANGUAGE sql
  VOLATILE
  PARALLEL SAFE
AS $$
  SELECT pg_catalog.encode(
           pg_catalog.set_bit(pg_catalog.set_bit(
             overlay(pg_catalog.uuid_send(pg_catalog.gen_random_uuid())
                     PLACING substring(pg_catalog.int8send(pg_catalog.floor(
                               extract(epoch FROM pg_catalog.clock_timestamp()) OPERATOR(pg_catalog.*) 1000)::bigint)
                               FROM 3)
                     FROM 1 FOR 6),
             52, 1), 53, 1),
           'hex')::uuid
$$;

-- Not an API function: devices never call it. Only the tables' owner adds
-- tickets (no role is granted INSERT on them), and the owner may.
REVOKE ALL ON FUNCTION public.gate_uuid_v7() FROM PUBLIC;

DO $$
DECLARE
  v_role  text;
BEGIN
  FOREACH v_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
      EXECUTE format('REVOKE ALL ON FUNCTION public.gate_uuid_v7() FROM %I', v_role);
    END IF;
  END LOOP;
END
$$;

ALTER TABLE public.tickets ALTER COLUMN id SET DEFAULT public.gate_uuid_v7();
