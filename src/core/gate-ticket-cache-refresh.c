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
  "scanned_at, scanned_device, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
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
/* The most a page holds (DESIGN.md §3); a shorter one ends a download. */
#define FULL_PAGE_TICKETS  1000
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

/* --- the code index of a first download ------------------------------------
 *
 * Codes are random, so each ticket stored is a random insert into the code
 * index, and with a thousand of them a page, each page's commit writes most
 * of the index's pages again: at a million tickets, gigabytes through the
 * WAL for an index of some 50 MB. The first download into an empty cache
 * drops the index instead and builds it, sorted, in the transaction of its
 * last page. Until then a lookup reads the table (the download is not done,
 * and a gate online asks the server); a cache opened without the index, as
 * after a first download killed midway, builds it at once.
 */

static gboolean
code_index_exists_locked (GateTicketCache  *self,
                          gboolean         *exists,
                          GError          **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = _gate_cache_prepare (self, "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = "
                                    "'tickets_code')", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  *exists = rc == SQLITE_ROW && sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return _gate_cache_fail (self, rc, "looking for the code index", error);
  return TRUE;
}

static gboolean
cache_is_empty_locked (GateTicketCache  *self,
                       gboolean         *empty,
                       GError          **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = _gate_cache_prepare (self, "SELECT NOT EXISTS (SELECT 1 FROM tickets)", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  *empty = rc == SQLITE_ROW && sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return _gate_cache_fail (self, rc, "counting the cached tickets", error);
  return TRUE;
}

/* Without the index nothing stops two rows sharing a code: the server may
 * have re-issued one under a new id while the download ran. The row with a
 * scan not yet uploaded stays, else the newest, as rekey_reissued() would
 * have had it. */
static gboolean
build_code_index_locked (GateTicketCache  *self,
                         GError          **error)
{
  static const char create[] = "CREATE UNIQUE INDEX tickets_code ON tickets (qr_token)";
  int rc = sqlite3_exec (self->db, create, NULL, NULL, NULL);

  if (rc == SQLITE_OK)
    return TRUE;
  if (rc != SQLITE_CONSTRAINT_UNIQUE)
    return _gate_cache_fail (self, rc, "building the code index", error);

  return _gate_cache_exec (self,
                           "DELETE FROM tickets WHERE rowid IN (SELECT rowid FROM ("
                           "  SELECT rowid, row_number () OVER (PARTITION BY qr_token "
                           "    ORDER BY local_scan_id IS NOT NULL DESC, rowid DESC) AS n FROM tickets) "
                           "WHERE n > 1)",
                           "dropping re-issued codes", error) &&
         _gate_cache_exec (self, create, "building the code index", error);
}

/* At opening: a first download that did not finish left no code index. */
gboolean
_gate_cache_ensure_code_index_locked (GateTicketCache  *self,
                                      GError          **error)
{
  gboolean exists;

  if (!code_index_exists_locked (self, &exists, error))
    return FALSE;
  if (exists)
    return TRUE;

  if (!_gate_cache_begin (self, error))
    return FALSE;
  /* Another process may have built it while we waited for the lock. */
  if (code_index_exists_locked (self, &exists, error) && (exists || build_code_index_locked (self, error)))
    return _gate_cache_commit (self, error);
  _gate_cache_rollback (self);
  return FALSE;
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
  gboolean code_index;
  gboolean empty;
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

  if (!code_index_exists_locked (self, &code_index, error))
    return FALSE;
  if (code_index && from_scratch && page->tickets->len >= BULK_PAGE_TICKETS)
    {
      if (!cache_is_empty_locked (self, &empty, error))
        return FALSE;
      if (empty)
        {
          if (!_gate_cache_exec (self, "DROP INDEX tickets_code", "deferring the code index", error))
            return FALSE;
          code_index = FALSE;
        }
    }

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
          /* The page outlives the step: its strings are bound as they are
           * (the ids as gate_uuid() stores them), not copied. */
          sqlite3_reset (stmt);
          _gate_cache_bind_uuid (stmt, 1, ticket->id);
          _gate_cache_bind_uuid (stmt, 2, event_id);
          _gate_cache_bind_text_static (stmt, 3, ticket->qr_token);
          _gate_cache_bind_text_static (stmt, 4, ticket->ticket_type);
          _gate_cache_bind_text_static (stmt, 5, ticket->guest_name);
          _gate_cache_bind_text_static (stmt, 6, gate_ticket_status_to_string (ticket->status));
          _gate_cache_bind_time (stmt, 7, ticket->scanned_at_us);
          _gate_cache_bind_text_static (stmt, 8, ticket->scanned_device);
          _gate_cache_bind_time (stmt, 9, ticket->updated_at_us);
          rc = sqlite3_step (stmt);
          sqlite3_reset (stmt);
          sqlite3_clear_bindings (stmt);

          if (rc == SQLITE_DONE)
            break;
          if (rc != SQLITE_CONSTRAINT_UNIQUE || attempt > 0)
            return _gate_cache_fail (self, rc, "storing a ticket", error);
          if (!rekey_reissued (self, ticket, error))
            return FALSE;
        }
    }

  /* The last page of a first download: the code index, sorted in one go. */
  if (!code_index && page->tickets->len < FULL_PAGE_TICKETS)
    {
      if (!build_code_index_locked (self, error))
        return FALSE;
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
  /* The tickets' CHECK (status IN (…)) cannot fail here (a page's status
   * is a GateTicketStatus written out), and SQLite checks an IN list by
   * building a temporary table for every row stored: a pager opened,
   * allocated and closed a thousand times a page. A full page is stored
   * without it; every other writer keeps it. Switching it expires the
   * connection's statements, which are prepared again when next used: for
   * a delta's few tickets that costs more than the check, so they keep it. */
  if (self->bulk)
    sqlite3_exec (self->db, "PRAGMA ignore_check_constraints = ON", NULL, NULL, NULL);
  if (_gate_cache_begin_replaceable (self, error))
    {
      if (apply_page_locked (self, event_id, page, error))
        ok = _gate_cache_commit (self, error);
      else
        _gate_cache_rollback (self);
    }
  if (self->bulk)
    sqlite3_exec (self->db, "PRAGMA ignore_check_constraints = OFF", NULL, NULL, NULL);
  /* The code index goes through the WAL in one transaction, tens of MB at
   * a million tickets: its commit passes the checkpoint threshold, and the
   * cache's WAL hook (gate-ticket-cache-open.c) copies it into the file and
   * empties the WAL. */
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
