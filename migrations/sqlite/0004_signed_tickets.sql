-- 0004_signed_tickets.sql — the public keys that signed ticket codes are
-- checked with offline (docs/signed-tickets.md). Each refresh replaces an
-- event's keys with the server's list (event_keys()).

CREATE TABLE event_keys (
  event_id    TEXT NOT NULL,
  key_id      INTEGER NOT NULL CHECK (key_id BETWEEN 1 AND 255),
  public_key  BLOB NOT NULL CHECK (length(public_key) = 32),
  PRIMARY KEY (event_id, key_id)
) WITHOUT ROWID;
