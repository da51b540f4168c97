-- 0011_gate_rules.sql — check-in lists, device assignment, presence and
-- operators (issue 13): the tables and the constraints that hold the rules.
--
-- * checkin_lists: per event a name, the ticket types it admits (all when
--   empty), a direction (entry, exit, both) and whether re-entry is allowed.
-- * device_events and devices.list_id: a device assigned to events reads and
--   scans only those; its list is the default of its scans.
-- * ticket_stays: one row per time a ticket went in, closed when it went
--   out. The database itself guarantees that a ticket never has two entries
--   without an exit between: at most one open stay per ticket (a partial
--   unique index) and no two stays of a ticket overlapping in time (an
--   exclusion constraint), whatever a function, a lock or a client does.
-- * operators: gate staff who sign in at a kiosk with name and PIN (bcrypt
--   through pgcrypto); every scan records its operator as scanned_by.
--
-- The extensions go into schema "extensions" (Supabase's place for them);
-- when one is installed elsewhere already, that one is used.

CREATE SCHEMA IF NOT EXISTS extensions;
CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA extensions;
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions;

CREATE TABLE public.checkin_lists (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id       uuid NOT NULL REFERENCES public.events (id),
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- Empty: every ticket type of the event.
  ticket_types   text[] NOT NULL DEFAULT '{}'
                 CHECK (cardinality(ticket_types) <= 100 AND array_position(ticket_types, NULL) IS NULL),
  direction      text NOT NULL DEFAULT 'entry' CHECK (direction IN ('entry', 'exit', 'both')),
  allow_reentry  boolean NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT checkin_lists_event_name_key UNIQUE (event_id, name)
);

-- A device with rows here is assigned: it reads and scans only these
-- events. A device without any may scan every event, as before.
CREATE TABLE public.device_events (
  device_id  text NOT NULL REFERENCES public.devices (id),
  event_id   uuid NOT NULL REFERENCES public.events (id),
  PRIMARY KEY (device_id, event_id)
);

CREATE INDEX device_events_event_idx ON public.device_events (event_id);

ALTER TABLE public.devices ADD COLUMN list_id uuid REFERENCES public.checkin_lists (id);

CREATE TABLE public.operators (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name             text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
  pin_hash         text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  -- Nothing is deleted: scans keep naming the operator who made them.
  removed_at       timestamptz,
  -- Guessing a PIN: five wrong ones lock the operator for five minutes.
  failed_attempts  integer NOT NULL DEFAULT 0,
  locked_until     timestamptz
);

CREATE UNIQUE INDEX operators_active_name_key ON public.operators (lower(btrim(name))) WHERE removed_at IS NULL;

-- What each scan was: the direction asked for and the list it was judged by.
ALTER TABLE public.scan_logs
  ADD COLUMN direction text NOT NULL DEFAULT 'entry' CHECK (direction IN ('entry', 'exit')),
  ADD COLUMN list_id uuid;

CREATE TABLE public.ticket_stays (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ticket_id      uuid NOT NULL REFERENCES public.tickets (id),
  event_id       uuid NOT NULL REFERENCES public.events (id),
  entered_at     timestamptz NOT NULL,
  entry_scan_id  uuid NOT NULL REFERENCES public.scan_logs (client_scan_id),
  entry_device   text,
  entry_list_id  uuid REFERENCES public.checkin_lists (id),
  entered_by     uuid,
  exited_at      timestamptz,
  exit_scan_id   uuid REFERENCES public.scan_logs (client_scan_id),
  exit_device    text,
  exit_list_id   uuid REFERENCES public.checkin_lists (id),
  exited_by      uuid,
  CONSTRAINT ticket_stays_exit_after_entry CHECK (exited_at IS NULL OR exited_at >= entered_at),
  CONSTRAINT ticket_stays_exit_complete CHECK ((exited_at IS NULL) = (exit_scan_id IS NULL)),
  -- No two stays of one ticket overlap: an open stay reaches to infinity,
  -- so nothing can start after it until it is closed.
  CONSTRAINT ticket_stays_no_overlap
    EXCLUDE USING gist (ticket_id WITH =, tstzrange(entered_at, exited_at, '[)') WITH &&)
);

-- At most one open stay per ticket: "never two entries without an exit
-- between", also for two entries at the very same instant.
CREATE UNIQUE INDEX ticket_stays_one_open ON public.ticket_stays (ticket_id) WHERE exited_at IS NULL;
CREATE INDEX ticket_stays_event_idx ON public.ticket_stays (event_id, entered_at);
CREATE INDEX ticket_stays_ticket_idx ON public.ticket_stays (ticket_id, entered_at);

-- Tickets admitted before this migration are inside since their admission.
INSERT INTO public.ticket_stays (ticket_id, event_id, entered_at, entry_scan_id, entry_device, entered_by)
SELECT l.ticket_id, t.event_id, l.corrected_at, l.client_scan_id, l.device_id, l.scanned_by
  FROM public.scan_logs l
  JOIN public.tickets t ON t.id = l.ticket_id
 WHERE l.scan_success;

REVOKE ALL ON public.checkin_lists, public.device_events, public.operators, public.ticket_stays FROM PUBLIC;

DO $$
DECLARE
  v_role  text;
BEGIN
  FOREACH v_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
      EXECUTE format('REVOKE ALL ON public.checkin_lists, public.device_events, public.operators, '
                     'public.ticket_stays FROM %I', v_role);
    END IF;
  END LOOP;
END
$$;

ALTER TABLE public.checkin_lists ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.device_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.operators ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.ticket_stays ENABLE ROW LEVEL SECURITY;
