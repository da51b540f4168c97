-- 0001_init.sql — the kiosk's offline cache (SQLite, WAL, synchronous=FULL).
-- Forward-only: a new version is a new file; PRAGMA user_version counts them.

CREATE TABLE events (
  id                    TEXT PRIMARY KEY,
  name                  TEXT,
  starts_at             INTEGER,
  ticket_count          INTEGER,
  scanned_count         INTEGER,
  cursor                TEXT,      -- tickets_changed_since cursor, saved with each page
  last_refresh_at       INTEGER,   -- µs since the epoch
  last_full_refresh_at  INTEGER,
  last_upload_at        INTEGER
);

CREATE TABLE settings (
  key    TEXT PRIMARY KEY,
  value  TEXT
);

-- local_scan_id is set while this device's own admit of the ticket has not
-- been answered by the server: a refresh must not revert such a ticket.
CREATE TABLE tickets (
  id              TEXT PRIMARY KEY,
  event_id        TEXT NOT NULL,
  qr_token        TEXT NOT NULL UNIQUE,
  qr_signature    TEXT,
  ticket_type     TEXT,
  guest_name      TEXT,
  status          TEXT NOT NULL CHECK (status IN ('valid', 'scanned', 'void')),
  scanned_at      INTEGER,
  scanned_device  TEXT,
  updated_at      INTEGER,
  local_scan_id   TEXT
);

CREATE INDEX tickets_event ON tickets (event_id, status);
-- Upload answers find the ticket of a scan by it.
CREATE INDEX tickets_local_scan ON tickets (local_scan_id) WHERE local_scan_id IS NOT NULL;

CREATE TABLE scan_queue (
  client_scan_id   TEXT PRIMARY KEY,
  event_id         TEXT NOT NULL,
  qr_token         TEXT NOT NULL,
  ticket_id        TEXT,
  device_id        TEXT NOT NULL,
  scanned_at       INTEGER NOT NULL,  -- device clock
  clock_offset_ms  INTEGER NOT NULL,
  scanned_by       TEXT,
  scan_method      TEXT NOT NULL,
  state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'answered')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  last_error       TEXT,
  outcome          TEXT,
  replayed         INTEGER,
  answered_at      INTEGER
);

CREATE INDEX scan_queue_state ON scan_queue (state, scanned_at);
CREATE INDEX scan_queue_answered ON scan_queue (answered_at) WHERE answered_at IS NOT NULL;

CREATE TABLE conflicts (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  server_id       INTEGER UNIQUE,
  event_id        TEXT,
  ticket_id       TEXT,
  qr_token        TEXT,
  guest_name      TEXT,
  ticket_type     TEXT,
  winner_device   TEXT,
  winner_time     INTEGER,
  winner_scan_id  TEXT,
  loser_device    TEXT,
  loser_time      INTEGER,
  loser_scan_id   TEXT,
  detected_at     INTEGER,
  reviewed_at     INTEGER,
  reviewed_by     TEXT,
  review_note     TEXT
);
