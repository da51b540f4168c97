-- 0006_code_index.sql — the code's uniqueness as a named index that a first
-- download may build once at its end (issue 16).
--
-- 0003 declared qr_token UNIQUE in the table, an index SQLite never lets go
-- of. Filling an empty cache with a million tickets put one random insert
-- into it per ticket, and each page's commit wrote back most of its pages:
-- gigabytes through the WAL for 50 MB of index. Now the first download of
-- an empty cache drops tickets_code and builds it, sorted, in its last
-- page's transaction; a cache opened without it (a first download killed
-- midway) builds it on opening (gate-ticket-cache-refresh.c). Lookups by
-- code use it like the old one.

CREATE TABLE tickets_rebuilt (
  id              BLOB NOT NULL PRIMARY KEY,
  event_id        BLOB NOT NULL,
  qr_token        TEXT NOT NULL,
  ticket_type     TEXT,
  guest_name      TEXT,
  status          TEXT NOT NULL CHECK (status IN ('valid', 'scanned', 'void')),
  scanned_at      INTEGER,
  scanned_device  TEXT,
  updated_at      INTEGER,
  local_scan_id   TEXT
);

INSERT INTO tickets_rebuilt (rowid, id, event_id, qr_token, ticket_type, guest_name, status, scanned_at,
                             scanned_device, updated_at, local_scan_id)
SELECT rowid, id, event_id, qr_token, ticket_type, guest_name, status, scanned_at, scanned_device, updated_at,
       local_scan_id
  FROM tickets
 ORDER BY rowid;

-- Its triggers go with the old table; ticket_counts stays as it is (the
-- same rows move).
DROP TABLE tickets;
ALTER TABLE tickets_rebuilt RENAME TO tickets;

CREATE UNIQUE INDEX tickets_code ON tickets (qr_token);
CREATE INDEX tickets_local_scan ON tickets (local_scan_id) WHERE local_scan_id IS NOT NULL;
CREATE INDEX tickets_scanned ON tickets (event_id, scanned_at) WHERE status = 'scanned';

CREATE TRIGGER tickets_counted_in AFTER INSERT ON tickets
BEGIN
  INSERT INTO ticket_counts (event_id, tickets, scanned) VALUES (new.event_id, 1, new.status = 'scanned')
    ON CONFLICT (event_id) DO UPDATE SET tickets = tickets + 1, scanned = scanned + excluded.scanned;
END;

CREATE TRIGGER tickets_counted_out AFTER DELETE ON tickets
BEGIN
  UPDATE ticket_counts SET tickets = tickets - 1, scanned = scanned - (old.status = 'scanned')
   WHERE event_id = old.event_id;
END;

CREATE TRIGGER tickets_counted_again AFTER UPDATE OF event_id, status ON tickets
  WHEN old.event_id IS NOT new.event_id OR (old.status = 'scanned') IS NOT (new.status = 'scanned')
BEGIN
  UPDATE ticket_counts SET tickets = tickets - 1, scanned = scanned - (old.status = 'scanned')
   WHERE event_id = old.event_id;
  INSERT INTO ticket_counts (event_id, tickets, scanned) VALUES (new.event_id, 1, new.status = 'scanned')
    ON CONFLICT (event_id) DO UPDATE SET tickets = tickets + 1, scanned = scanned + excluded.scanned;
END;
