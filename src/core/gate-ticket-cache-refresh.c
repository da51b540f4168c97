/* gate-ticket-cache-refresh.c — delta pages and their cursor
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * DESIGN.md §5.3: a page and its cursor are one transaction, and a
 * refresh never reverts a scan this device has not uploaded yet.
 */
#include "config.h"

#include "gate-error.h"
#include "gate-ticket-cache-private.h"

/* Upsert, never delete-then-insert (defect 1 of the original). A row older
 * than what we have is skipped; an unconfirmed local admit wins over the
 * server's "valid", which has not seen our scan yet. */
static const char UPSERT_TICKET_SQL[] =
  "INSERT INTO tickets (id, event_id, qr_token, ticket_type, guest_name, status, "
  "scanned_at, scanned_device, updated_at) VALUES (gate_uuid(?1), gate_uuid(?2), ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
  "ON CONFLICT (id) DO UPDATE SET "
  "  event_id = excluded.event_id, qr_token = excluded.qr_token, "
  "  ticket_type = excluded.ticket_type, "
  "  guest_name = excluded.guest_name, updated_at = excluded.updated_at, "
  "  status = CASE WHEN tickets.local_scan_id IS NOT NULL AND excluded.status = 'valid' "
  "                THEN tickets.status ELSE excluded.status END, "
  "  scanned_at = CASE WHEN tickets.local_scan_id IS NOT NULL AND excluded.status = 'valid' "
  "                    THEN tickets.scanned_at ELSE excluded.scanned_at END, "
  "  scanned_device = CASE WHEN tickets.local_scan_id IS NOT NULL AND excluded.status = 'valid' "
  "                        THEN tickets.scanned_device ELSE excluded.scanned_device END "
  "WHERE excluded.updated_at IS NULL OR tickets.updated_at IS NULL "
  "   OR excluded.updated_at >= tickets.updated_at";

/* The same code re-issued by the server under a new ticket id: the old row
 * takes the new id (keeping any unconfirmed local scan) so the page applies
 * instead of failing on the unique code forever. */
static gboolean
rekey_reissued (GateTicketCache   *self,
                const GateTicket  *ticket,
                GError           **error)
{
  sqlite3_stmt *stmt;

  stmt = _gate_cache_prepare (self, "UPDATE OR REPLACE tickets SET id = gate_uuid(?1) WHERE qr_token = ?2 AND id <> gate_uuid(?1)", error);
  if (stmt == NULL)
    return FALSE;
  _gate_cache_bind_text (stmt, 1, ticket->id);
  _gate_cache_bind_text (stmt, 2, ticket->qr_token);
  return _gate_cache_step_done (self, stmt, "re-keying a re-issued ticket", error);
}

/* A page this full is one of many: a first download, or a full resync. The
 * code index takes one random insert per ticket; with SQLite's default 2 MB
 * of page cache each of them reads its page back from the kernel (at a
 * million tickets the index is some 50 MB). While pages this full arrive
 * the connection keeps up to 64 MB; the first short page — the end of the
 * download — gives it back. */
#define BULK_PAGE_TICKETS  500
#define BULK_CACHE_KIB     65536

static void
size_page_cache_locked (GateTicketCache      *self,
                        const GateTicketPage *page)
{
  gboolean bulk = page->tickets->len >= BULK_PAGE_TICKETS;
  g_autofree char *pragma = NULL;

  if (bulk == self->bulk)
    return;
  self->bulk = bulk;
  pragma = g_strdup_printf ("PRAGMA cache_size = %d", bulk ? -BULK_CACHE_KIB : -2000);
  /* Only a hint: a refresh goes on with the cache it has. */
  sqlite3_exec (self->db, pragma, NULL, NULL, NULL);
  if (!bulk)
    sqlite3_db_release_memory (self->db);
}

static gboolean
apply_page_locked (GateTicketCache       *self,
                   const char            *event_id,
                   const GateTicketPage  *page,
                   GError               **error)
{
  gint64 now = g_get_real_time ();
  sqlite3_stmt *stmt;
  gboolean from_scratch;
  int rc;

  stmt = _gate_cache_prepare (self, "INSERT OR IGNORE INTO events (id) VALUES (?)", error);
  if (stmt == NULL)
    return FALSE;
  _gate_cache_bind_text (stmt, 1, event_id);
  if (!_gate_cache_step_done (self, stmt, "recording the event", error))
    return FALSE;

  stmt = _gate_cache_prepare (self, "SELECT cursor IS NULL FROM events WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  _gate_cache_bind_text (stmt, 1, event_id);
  rc = sqlite3_step (stmt);
  from_scratch = rc == SQLITE_ROW && sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return _gate_cache_fail (self, rc, "reading the refresh cursor", error);

  stmt = _gate_cache_prepare (self, UPSERT_TICKET_SQL, error);
  if (stmt == NULL)
    return FALSE;

  for (guint i = 0; i < page->tickets->len; i++)
    {
      const GateTicket *ticket = g_ptr_array_index (page->tickets, i);

      if (ticket->id == NULL || ticket->qr_token == NULL)
        {
          g_set_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "a refreshed ticket has no id or code");
          return FALSE;
        }

      for (guint attempt = 0; ; attempt++)
        {
          sqlite3_reset (stmt);
          sqlite3_clear_bindings (stmt);
          _gate_cache_bind_text (stmt, 1, ticket->id);
          _gate_cache_bind_text (stmt, 2, event_id);
          _gate_cache_bind_text (stmt, 3, ticket->qr_token);
          _gate_cache_bind_text (stmt, 4, ticket->ticket_type);
          _gate_cache_bind_text (stmt, 5, ticket->guest_name);
          _gate_cache_bind_text (stmt, 6, gate_ticket_status_to_string (ticket->status));
          _gate_cache_bind_time (stmt, 7, ticket->scanned_at_us);
          _gate_cache_bind_text (stmt, 8, ticket->scanned_device);
          _gate_cache_bind_time (stmt, 9, ticket->updated_at_us);
          rc = sqlite3_step (stmt);
          sqlite3_reset (stmt);

          if (rc == SQLITE_DONE)
            break;
          if (rc != SQLITE_CONSTRAINT_UNIQUE || attempt > 0)
            return _gate_cache_fail (self, rc, "storing a ticket", error);
          if (!rekey_reissued (self, ticket, error))
            return FALSE;
        }
    }

  /* The cursor goes with its page: a crash resumes after the last whole page. */
  stmt = _gate_cache_prepare (self,
                              "UPDATE events SET cursor = coalesce(?2, cursor), last_refresh_at = ?3, "
                              "  last_full_refresh_at = CASE WHEN ?4 THEN ?3 ELSE last_full_refresh_at END "
                              "WHERE id = ?1",
                              error);
  if (stmt == NULL)
    return FALSE;
  _gate_cache_bind_text (stmt, 1, event_id);
  _gate_cache_bind_text (stmt, 2, page->next_cursor);
  sqlite3_bind_int64 (stmt, 3, now);
  sqlite3_bind_int (stmt, 4, from_scratch);
  return _gate_cache_step_done (self, stmt, "saving the refresh cursor", error);
}

/**
 * gate_ticket_cache_apply_page:
 * @page: one page of tickets_changed_since for @event_id
 *
 * Stores the page and its next_cursor in one transaction: after a crash the
 * download resumes after the last whole page. A ticket this device admitted
 * offline keeps its scan until the server has answered for it.
 */
gboolean
gate_ticket_cache_apply_page (GateTicketCache       *self,
                              const char            *event_id,
                              const GateTicketPage  *page,
                              GError               **error)
{
  gboolean ok = FALSE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);
  g_return_val_if_fail (event_id != NULL && page != NULL, FALSE);

  g_mutex_lock (&self->mutex);
  size_page_cache_locked (self, page);
  if (_gate_cache_begin_replaceable (self, error))
    {
      if (apply_page_locked (self, event_id, page, error))
        ok = _gate_cache_commit (self, error);
      else
        _gate_cache_rollback (self);
    }
  g_mutex_unlock (&self->mutex);

  if (ok)
    _gate_cache_notify_later (self, GATE_CACHE_STATUS_CHANGED, NULL);
  return ok;
}

/* Returns: (nullable): where the next delta download starts; NULL for a
 * download from scratch. */
char *
gate_ticket_cache_dup_cursor (GateTicketCache *self,
                              const char      *event_id)
{
  sqlite3_stmt *stmt;
  char *cursor = NULL;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), NULL);

  g_mutex_lock (&self->mutex);
  stmt = _gate_cache_prepare (self, "SELECT cursor FROM events WHERE id = ?", NULL);
  if (stmt != NULL)
    {
      _gate_cache_bind_text (stmt, 1, event_id);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        cursor = _gate_cache_column_dup (stmt, 0);
      sqlite3_reset (stmt);
    }
  g_mutex_unlock (&self->mutex);
  return cursor;
}

/* A full resync: the next download starts from scratch and upserts over the
 * cached tickets, which stay usable meanwhile. */
gboolean
gate_ticket_cache_reset_cursor (GateTicketCache  *self,
                                const char       *event_id,
                                GError          **error)
{
  sqlite3_stmt *stmt;
  gboolean ok = FALSE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);

  g_mutex_lock (&self->mutex);
  stmt = _gate_cache_prepare (self, "UPDATE events SET cursor = NULL WHERE id = ?", error);
  if (stmt != NULL)
    {
      _gate_cache_bind_text (stmt, 1, event_id);
      ok = _gate_cache_step_done (self, stmt, "resetting the refresh cursor", error);
    }
  g_mutex_unlock (&self->mutex);
  return ok;
}
