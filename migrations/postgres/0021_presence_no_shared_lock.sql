-- 0021_presence_no_shared_lock.sql — the presence summary locks no row
-- every gate shares (issue 13; the reasoning of 0015, point 2).
--
-- ticket_presence (0016) is written by a trigger with every entry and exit.
-- Its event_id referenced events, so each admit took a KEY SHARE lock on
-- the event's one row again, and every gate of the event shared a multixact
-- there. A summary's event is its ticket's, copied by the trigger from the
-- stay, and only that trigger writes the table (no role has a privilege on
-- it); the key to tickets, whose row the scan holds FOR UPDATE, stays.

ALTER TABLE public.ticket_presence DROP CONSTRAINT ticket_presence_event_id_fkey;
