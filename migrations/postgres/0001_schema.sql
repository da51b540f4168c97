-- 0001_schema.sql — roles, tables, indexes and triggers.
--
-- Runs on a plain PostgreSQL 15 and on Supabase: roles are created only when
-- missing and nothing here needs a superuser at run time.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gate_device') THEN
    CREATE ROLE gate_device NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gate_supervisor') THEN
    CREATE ROLE gate_supervisor NOLOGIN;
  END IF;
  -- gate-server's login role is made a member of this one (docs/operations.md).
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gate_authenticator') THEN
    CREATE ROLE gate_authenticator NOLOGIN;
  END IF;
END
$$;

-- A supervisor can do everything a gate device can.
GRANT gate_device TO gate_supervisor;

CREATE TABLE public.events (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  starts_at    timestamptz,
  signing_key  text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- change_xid/change_seq feed the delta cursor of tickets_changed_since: the
-- writing transaction's id tells whether a reader's snapshot could see it.
CREATE TABLE public.tickets (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id        uuid NOT NULL REFERENCES public.events (id),
  qr_token        text NOT NULL UNIQUE CHECK (length(qr_token) BETWEEN 1 AND 512),
  qr_signature    text,
  ticket_type     text NOT NULL DEFAULT 'General',
  guest_name      text,
  status          text NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'scanned', 'void')),
  is_used         boolean NOT NULL DEFAULT false,
  scanned_at      timestamptz,
  scanned_by      uuid,
  scanned_device  text,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  change_xid      xid8 NOT NULL DEFAULT pg_current_xact_id(),
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX tickets_event_change_idx ON public.tickets (event_id, change_xid, id);

CREATE FUNCTION public.tickets_stamp_change() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = ''
AS $$
BEGIN
  NEW.change_xid := pg_current_xact_id();
  NEW.updated_at := clock_timestamp();
  RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION public.tickets_stamp_change() FROM PUBLIC;

CREATE TRIGGER tickets_stamp_change
  BEFORE UPDATE ON public.tickets
  FOR EACH ROW EXECUTE FUNCTION public.tickets_stamp_change();

-- One row per scan decision the server made or accepted. Nothing is ever
-- deleted: a conflict's loser stays here with scan_success = false.
CREATE TABLE public.scan_logs (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ticket_id        uuid REFERENCES public.tickets (id),
  client_scan_id   uuid NOT NULL CONSTRAINT scan_logs_client_scan_id_key UNIQUE,
  event_id         uuid,
  qr_token         text,
  scanned_by       uuid,
  scanned_at       timestamptz NOT NULL,
  clock_offset_ms  bigint NOT NULL DEFAULT 0,
  corrected_at     timestamptz NOT NULL,
  received_at      timestamptz NOT NULL DEFAULT now(),
  scan_method      text NOT NULL DEFAULT 'qr',
  device_id        text,
  scan_success     boolean NOT NULL,
  outcome          text NOT NULL,
  winner_device    text,
  winner_time      timestamptz
);

CREATE UNIQUE INDEX unique_successful_scan ON public.scan_logs (ticket_id) WHERE scan_success;
CREATE INDEX scan_logs_ticket_idx ON public.scan_logs (ticket_id);
CREATE INDEX scan_logs_device_idx ON public.scan_logs (device_id, event_id);

CREATE TABLE public.scan_conflicts (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id        uuid NOT NULL REFERENCES public.events (id),
  ticket_id       uuid NOT NULL REFERENCES public.tickets (id),
  winner_device   text,
  winner_time     timestamptz NOT NULL,
  winner_scan_id  uuid NOT NULL,
  loser_device    text,
  loser_time      timestamptz NOT NULL,
  loser_scan_id   uuid NOT NULL,
  detected_at     timestamptz NOT NULL DEFAULT now(),
  reviewed_at     timestamptz,
  reviewed_by     text,
  review_note     text
);

CREATE INDEX scan_conflicts_event_idx ON public.scan_conflicts (event_id, reviewed_at);
CREATE INDEX scan_conflicts_devices_idx ON public.scan_conflicts (winner_device, loser_device);

CREATE TABLE public.devices (
  id               text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 100),
  name             text NOT NULL,
  role             text NOT NULL DEFAULT 'gate' CHECK (role IN ('gate', 'supervisor')),
  token_hash       text UNIQUE,
  created_at       timestamptz NOT NULL DEFAULT now(),
  last_seen_at     timestamptz,
  app_version      text,
  pending_scans    integer,
  last_refresh_at  timestamptz,
  revoked_at       timestamptz
);

-- Roles get no table privileges at all: everything goes through functions.
REVOKE ALL ON public.events, public.tickets, public.scan_logs, public.scan_conflicts, public.devices
  FROM PUBLIC;

-- Supabase grants its API roles every new table by default privileges and
-- serves them over PostgREST: take that back in this same transaction, so the
-- tables are never exposed, not even between two migrations.
DO $$
DECLARE
  v_role  text;
BEGIN
  FOREACH v_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
      EXECUTE format('REVOKE ALL ON public.events, public.tickets, public.scan_logs, '
                     'public.scan_conflicts, public.devices FROM %I', v_role);
      IF to_regclass('public.schema_migrations') IS NOT NULL THEN
        EXECUTE format('REVOKE ALL ON public.schema_migrations FROM %I', v_role);
      END IF;
    END IF;
  END LOOP;
END
$$;

-- Row level security without a single policy: a privilege granted by
-- mistake still shows no row. The owner, and so every SECURITY DEFINER
-- function here, is not subject to it.
ALTER TABLE public.events ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.tickets ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.scan_logs ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.scan_conflicts ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.devices ENABLE ROW LEVEL SECURITY;
