-- 0002_online_scans.sql — remember online admits; an index for the status
-- panel and the arrivals chart.

-- An online admit, kept by its client_scan_id: when the engine decides the
-- same scan again offline (its fallback after a lost answer), the cache must
-- give the same "admitted" and queue nothing, since the server has it.
CREATE TABLE online_scans (
  client_scan_id  TEXT PRIMARY KEY,
  event_id        TEXT,
  qr_token        TEXT NOT NULL,
  ticket_id       TEXT,
  scanned_at      INTEGER,           -- server clock
  scanned_device  TEXT,
  recorded_at     INTEGER NOT NULL   -- for the 24 h retention
);

CREATE INDEX online_scans_recorded ON online_scans (recorded_at);

-- Counts of checked-in tickets and the arrivals chart read only this index.
DROP INDEX tickets_event;
CREATE INDEX tickets_event_status ON tickets (event_id, status, scanned_at);
