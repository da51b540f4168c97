-- 0014_device_names.sql — gates by name, per-gate admissions, last seen by
-- scans (issue 10).
--
-- A gate worker reads "Scanned at 16:38 at North Gate", not a device id:
-- every device learns the names of the venue's devices (device_names) with
-- its sync and keeps them in its cache, so the name shows offline too. A
-- supervisor sees how many guests each gate let in (device_activity), and a
-- device's last_seen_at moves with every scan it sends, online or uploaded,
-- not only with its heartbeat.
--
-- Nothing existing changes its signature or its answer: these are new
-- functions and a trigger.

-- Names only: a gate learns what it needs to word a verdict, not who is a
-- supervisor or which token was revoked.
CREATE FUNCTION public.device_names(p_device_id text)
  RETURNS TABLE (id text, name text, server_time timestamptz)
  LANGUAGE plpgsql
  STABLE
  SECURITY DEFINER
  SET search_path = ''
AS $$
BEGIN
  IF p_device_id IS NULL THEN
    RAISE EXCEPTION 'p_device_id is required' USING ERRCODE = '22004';
  END IF;
  PERFORM public.gate_assert_caller(p_device_id);

  IF EXISTS (SELECT 1 FROM public.devices d WHERE d.id = p_device_id AND d.revoked_at IS NOT NULL) THEN
    RAISE EXCEPTION 'device % is revoked', p_device_id USING ERRCODE = '42501';
  END IF;

  RETURN QUERY SELECT d.id, d.name, clock_timestamp() FROM public.devices d ORDER BY d.id;
END
$$;

-- Guests each device let in for one event: every scan whose gate showed
-- Admit — online admits and uploaded offline admits, those that lost a
-- conflict later too (the guest did walk in there). last_scan_at is when
-- the server last received a scan of the event from the device.
CREATE FUNCTION public.device_activity(p_event_id uuid)
  RETURNS TABLE (device_id text, admitted bigint, last_scan_at timestamptz, server_time timestamptz)
  LANGUAGE sql
  STABLE
  SECURITY DEFINER
  SET search_path = ''
AS $$
  SELECT l.device_id,
         count(*) FILTER (WHERE l.outcome IN ('admitted', 'applied', 'won_conflict', 'lost_conflict')),
         max(l.received_at),
         clock_timestamp()
    FROM public.scan_logs l
   WHERE l.event_id = p_event_id AND l.device_id IS NOT NULL
   GROUP BY l.device_id
   ORDER BY l.device_id
$$;

-- A scan is a sign of life. At most one write a device every 10 seconds,
-- and never a wait: a row held by another transaction (a heartbeat, a
-- concurrent batch of the same device) is being touched already, and
-- waiting for it inside a scan could deadlock against the ticket locks.
CREATE FUNCTION public.gate_touch_device() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = ''
AS $$
BEGIN
  UPDATE public.devices d
     SET last_seen_at = now()
   WHERE d.id IN (SELECT s.id FROM public.devices s
                   WHERE s.id = NEW.device_id
                     AND (s.last_seen_at IS NULL OR s.last_seen_at < now() - interval '10 seconds')
                     FOR UPDATE SKIP LOCKED);
  RETURN NULL;
END
$$;

CREATE TRIGGER scan_logs_touch_device
  AFTER INSERT ON public.scan_logs
  FOR EACH ROW WHEN (NEW.device_id IS NOT NULL)
  EXECUTE FUNCTION public.gate_touch_device();

REVOKE ALL ON FUNCTION public.device_names(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.device_activity(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.gate_touch_device() FROM PUBLIC;

DO $$
DECLARE
  v_role  text;
BEGIN
  FOREACH v_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
      EXECUTE format('REVOKE ALL ON FUNCTION public.device_names(text), public.device_activity(uuid), '
                     'public.gate_touch_device() FROM %I', v_role);
    END IF;
  END LOOP;
END
$$;

-- Supervisors are members of gate_device and inherit device_names.
GRANT EXECUTE ON FUNCTION public.device_names(text) TO gate_device;
GRANT EXECUTE ON FUNCTION public.device_activity(uuid) TO gate_supervisor;
