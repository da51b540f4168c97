-- 0004_grants.sql — who may call what. Nobody gets table privileges (see
-- 0001); PUBLIC (and Supabase's anon/authenticated, when present) may execute
-- nothing.

DO $$
DECLARE
  v_fn     regprocedure;
  v_role   text;
BEGIN
  FOR v_fn IN
    SELECT p.oid::regprocedure
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'public'
       AND p.proname IN ('scan_ticket', 'sync_offline_scans', 'tickets_changed_since', 'event_summary',
                         'device_heartbeat', 'device_conflicts', 'list_conflicts', 'review_conflict',
                         'list_devices', 'scan_ticket_atomic', 'sync_offline_scan', 'gate_authenticate',
                         'gate_check_device', 'gate_current_winner', 'gate_replay_scan',
                         'gate_conflict_rows', 'gate_assert_caller', 'tickets_stamp_change')
  LOOP
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', v_fn);
    FOREACH v_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM %I', v_fn, v_role);
      END IF;
    END LOOP;
  END LOOP;
END
$$;

GRANT USAGE ON SCHEMA public TO gate_device, gate_supervisor, gate_authenticator;

GRANT EXECUTE ON FUNCTION
  public.scan_ticket(text, uuid, text, uuid, uuid, text),
  public.sync_offline_scans(text, jsonb),
  public.tickets_changed_since(uuid, text, int),
  public.event_summary(uuid),
  public.device_heartbeat(text, text, int, timestamptz),
  public.device_conflicts(text, uuid),
  public.scan_ticket_atomic(uuid, uuid, text, text),
  public.sync_offline_scan(uuid, uuid, timestamptz, text)
  TO gate_device;

GRANT EXECUTE ON FUNCTION
  public.list_conflicts(uuid, boolean),
  public.review_conflict(bigint, text, text),
  public.list_devices(uuid)
  TO gate_supervisor;

GRANT EXECUTE ON FUNCTION
  public.gate_authenticate(text),
  public.gate_check_device(text, text)
  TO gate_authenticator;
