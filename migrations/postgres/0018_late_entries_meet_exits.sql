-- 0018_late_entries_meet_exits.sql — an entry uploaded late meets the exit
-- that was refused before it arrived (issue 13).
--
-- Gate A is offline and lets a guest in at 20:00. At 20:30 the guest
-- leaves through gate B, which is online: the server has not heard of the
-- entry yet, so B answers `not_inside` (the guest walks out all the same).
-- At 20:40 A uploads its entry. Replayed alone, that entry would open a
-- stay that never closes: the guest would count as inside all night and be
-- turned away at a re-entry door as "already inside".
--
-- So when an uploaded entry opens a stay in the past, the first exit of
-- that ticket refused as `not_inside` after the entry (and not already
-- the end of another stay) closes it. The exit's scan_logs row keeps the
-- answer its gate gave. An online entry opens its stay now, after every
-- logged exit, so the trigger's WHEN clause keeps it off the scan path.

CREATE FUNCTION public.gate_stay_meets_late_exit() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = ''
AS $$
DECLARE
  v_exit  public.scan_logs;
BEGIN
  -- The stay was just opened and the exclusion constraint admitted it, so
  -- no stay of this ticket begins after it: every later exit is a
  -- candidate.
  SELECT * INTO v_exit FROM public.scan_logs l
   WHERE l.ticket_id = NEW.ticket_id
     AND l.direction = 'exit' AND l.outcome = 'not_inside'
     AND l.corrected_at >= NEW.entered_at
     AND NOT EXISTS (SELECT 1 FROM public.ticket_stays s
                      WHERE s.ticket_id = NEW.ticket_id AND s.exit_scan_id = l.client_scan_id)
   ORDER BY l.corrected_at, l.id
   LIMIT 1;
  IF FOUND THEN
    UPDATE public.ticket_stays s
       SET exited_at = v_exit.corrected_at, exit_scan_id = v_exit.client_scan_id, exit_device = v_exit.device_id,
           exit_list_id = v_exit.list_id, exited_by = v_exit.scanned_by
     WHERE s.id = NEW.id;
  END IF;
  RETURN NULL;
END
$$;

REVOKE ALL ON FUNCTION public.gate_stay_meets_late_exit() FROM PUBLIC;

DO $$
DECLARE
  v_role  text;
BEGIN
  FOREACH v_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
      EXECUTE format('REVOKE ALL ON FUNCTION public.gate_stay_meets_late_exit() FROM %I', v_role);
    END IF;
  END LOOP;
END
$$;

-- Only stays opened in the past (uploads); now() is the transaction's
-- start, and an online scan opens its stay at clock_timestamp().
CREATE TRIGGER ticket_stays_meet_late_exit
  AFTER INSERT ON public.ticket_stays
  FOR EACH ROW WHEN (NEW.exited_at IS NULL AND NEW.entered_at < now())
  EXECUTE FUNCTION public.gate_stay_meets_late_exit();
