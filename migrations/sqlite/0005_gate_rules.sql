-- 0005_gate_rules.sql — the gate rules offline (issue 13, docs/gate-rules.md):
-- the event's check-in lists, who is inside, and what each queued scan was.
--
-- * checkin_lists / checkin_list_types: list_checkin_lists(), replaced as a
--   whole with each refresh. A list without rows in checkin_list_types
--   admits every ticket type; assigned marks the device's own list, the
--   one a scan without a list is judged by (as scan_ticket does).
-- * presence: per ticket, whether it is inside and its last entry and exit
--   (stays_changed_since(), paged by presence_cursor). Offline decisions
--   write it at once; a refresh leaves a ticket alone while this device
--   has a scan of it the server has not answered (tickets.local_scan_id).
-- * scan_queue.direction / list_id: what the upload replays.

CREATE TABLE checkin_lists (
  id             TEXT PRIMARY KEY,
  event_id       TEXT NOT NULL,
  name           TEXT NOT NULL,
  direction      TEXT NOT NULL CHECK (direction IN ('entry', 'exit', 'both')),
  allow_reentry  INTEGER NOT NULL CHECK (allow_reentry IN (0, 1)),
  assigned       INTEGER NOT NULL DEFAULT 0 CHECK (assigned IN (0, 1))
);

CREATE INDEX checkin_lists_event ON checkin_lists (event_id);

CREATE TABLE checkin_list_types (
  list_id      TEXT NOT NULL REFERENCES checkin_lists (id) ON DELETE CASCADE,
  ticket_type  TEXT NOT NULL,
  PRIMARY KEY (list_id, ticket_type)
) WITHOUT ROWID;

CREATE TABLE presence (
  ticket_id     BLOB NOT NULL PRIMARY KEY,   -- gate_uuid(), as tickets.id
  event_id      BLOB NOT NULL,
  inside        INTEGER NOT NULL CHECK (inside IN (0, 1)),
  entered_at    INTEGER,
  entry_device  TEXT,
  exited_at     INTEGER,
  exit_device   TEXT
) WITHOUT ROWID;

-- "412 inside": a count over the tickets inside only.
CREATE INDEX presence_inside ON presence (event_id) WHERE inside = 1;

ALTER TABLE events ADD COLUMN presence_cursor TEXT;

ALTER TABLE scan_queue ADD COLUMN direction TEXT NOT NULL DEFAULT 'entry' CHECK (direction IN ('entry', 'exit'));
ALTER TABLE scan_queue ADD COLUMN list_id TEXT;
