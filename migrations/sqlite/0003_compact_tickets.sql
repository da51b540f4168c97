-- 0003_compact_tickets.sql — a smaller ticket table and counts kept as the
-- tickets change, for events of a million tickets (issue 16).
--
-- * id and event_id hold a canonical UUID as its 16 bytes (gate_uuid(), a
--   function the cache registers on its connection; anything else stays
--   the text it was). Queries compare with gate_uuid(?) and read back with
--   gate_uuid_text().
-- * qr_signature is no longer kept: it is the server's HMAC, which a kiosk
--   cannot check without the event's secret key, and was 64 bytes a ticket.
-- * The (event_id, status, scanned_at) index over every ticket goes: the
--   counts come from ticket_counts, and the arrivals chart reads only
--   scanned tickets, through a partial index of those.
-- * ticket_counts holds, per event, how many tickets the cache has and how
--   many are scanned, kept by triggers: a status read is one row, not a
--   count over a million (recursive_triggers is on, so the rows that an
--   UPDATE OR REPLACE removes are counted out too).
--
-- Measured with tests/bench/run scale: 383 bytes a ticket before, see
-- docs/performance.md for after.

CREATE TABLE tickets_compact (
  id              BLOB NOT NULL PRIMARY KEY,
  event_id        BLOB NOT NULL,
  qr_token        TEXT NOT NULL UNIQUE,
  ticket_type     TEXT,
  guest_name      TEXT,
  status          TEXT NOT NULL CHECK (status IN ('valid', 'scanned', 'void')),
  scanned_at      INTEGER,
  scanned_device  TEXT,
  updated_at      INTEGER,
  local_scan_id   TEXT
);

INSERT INTO tickets_compact (id, event_id, qr_token, ticket_type, guest_name, status, scanned_at, scanned_device,
                             updated_at, local_scan_id)
SELECT gate_uuid(id), gate_uuid(event_id), qr_token, ticket_type, guest_name, status, scanned_at, scanned_device,
       updated_at, local_scan_id
  FROM tickets
 ORDER BY rowid;

DROP TABLE tickets;
ALTER TABLE tickets_compact RENAME TO tickets;

-- Upload answers find the ticket of a scan by it.
CREATE INDEX tickets_local_scan ON tickets (local_scan_id) WHERE local_scan_id IS NOT NULL;
-- The arrivals chart: scanned tickets only.
CREATE INDEX tickets_scanned ON tickets (event_id, scanned_at) WHERE status = 'scanned';

CREATE TABLE ticket_counts (
  event_id  BLOB PRIMARY KEY,
  tickets   INTEGER NOT NULL,
  scanned   INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO ticket_counts (event_id, tickets, scanned)
SELECT event_id, count(*), sum(status = 'scanned') FROM tickets GROUP BY event_id;

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
