/* gate-ticket-cache-rules.c — check-in lists and presence, and judging a
 * scan by them offline
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The same rules as scan_ticket (migrations/postgres/0012), from what the
 * last refresh brought and what this device decided since: void wins; a
 * list refuses a ticket type it does not take and a direction it does not
 * go (not_allowed_here); an exit lets out whoever is inside (exited), else
 * not_inside; an entry of someone inside is already_scanned; back in after
 * an exit only on a list that allows re-entry. Without a list, entries go
 * as before the rules and exits follow presence.
 */
#include "config.h"

#include <string.h>

#include "gate-error.h"
#include "gate-ticket-cache-private.h"
#include "gate-ticket-cache-rules.h"

/* --- lists ------------------------------------------------------------------ */

static gboolean
insert_list_locked (GateTicketCache        *self,
                    const char             *event_id,
                    const GateListRules  *list,
                    GError                **error)
{
  sqlite3_stmt *stmt;

  if (g_strcmp0 (list->event_id, event_id) != 0)
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE,
                   "check-in list %s belongs to event %s, not to %s", list->id, list->event_id, event_id);
      return FALSE;
    }

  stmt = _gate_cache_prepare (self,
                              "INSERT INTO checkin_lists (id, event_id, name, direction, allow_reentry, assigned) "
                              "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                              error);
  if (stmt == NULL)
    return FALSE;
  _gate_cache_bind_text (stmt, 1, list->id);
  _gate_cache_bind_text (stmt, 2, list->event_id);
  _gate_cache_bind_text (stmt, 3, list->name);
  _gate_cache_bind_text (stmt, 4, list->direction);
  sqlite3_bind_int (stmt, 5, list->allow_reentry != FALSE);
  sqlite3_bind_int (stmt, 6, list->assigned != FALSE);
  if (!_gate_cache_step_done (self, stmt, "storing a check-in list", error))
    return FALSE;

  for (guint i = 0; list->ticket_types != NULL && list->ticket_types[i] != NULL; i++)
    {
      stmt = _gate_cache_prepare (self,
                                  "INSERT OR IGNORE INTO checkin_list_types (list_id, ticket_type) VALUES (?1, ?2)",
                                  error);
      if (stmt == NULL)
        return FALSE;
      _gate_cache_bind_text (stmt, 1, list->id);
      _gate_cache_bind_text (stmt, 2, list->ticket_types[i]);
      if (!_gate_cache_step_done (self, stmt, "storing a check-in list", error))
        return FALSE;
    }
  return TRUE;
}

/**
 * gate_ticket_cache_set_checkin_lists:
 * @lists: (element-type GateListRules): every list of @event_id
 *
 * Replaces the event's lists with @lists in one transaction: a list of
 * another event, or two lists of one id, store nothing and keep the lists
 * the cache had.
 */
gboolean
gate_ticket_cache_set_checkin_lists (GateTicketCache  *self,
                                     const char       *event_id,
                                     GPtrArray        *lists,
                                     GError          **error)
{
  sqlite3_stmt *stmt;
  gboolean ok = FALSE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);
  g_return_val_if_fail (event_id != NULL && lists != NULL, FALSE);

  g_mutex_lock (&self->mutex);
  if (_gate_cache_begin_replaceable (self, error))
    {
      stmt = _gate_cache_prepare (self, "DELETE FROM checkin_lists WHERE event_id = ?", error);
      if (stmt != NULL)
        {
          _gate_cache_bind_text (stmt, 1, event_id);
          ok = _gate_cache_step_done (self, stmt, "replacing the check-in lists", error);
        }
      for (guint i = 0; ok && i < lists->len; i++)
        ok = insert_list_locked (self, event_id, g_ptr_array_index (lists, i), error);
      if (ok)
        ok = _gate_cache_commit (self, error);
      else
        _gate_cache_rollback (self);
    }
  g_mutex_unlock (&self->mutex);
  return ok;
}

/**
 * gate_ticket_cache_dup_checkin_lists:
 *
 * Returns: (transfer full) (element-type GateListRules): the event's
 *   lists by name, or NULL with an error
 */
GPtrArray *
gate_ticket_cache_dup_checkin_lists (GateTicketCache  *self,
                                     const char       *event_id,
                                     GError          **error)
{
  g_autoptr(GPtrArray) lists = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_list_rules_free);
  sqlite3_stmt *stmt;
  int rc = SQLITE_ERROR;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), NULL);

  g_mutex_lock (&self->mutex);
  stmt = _gate_cache_prepare (self,
                              "SELECT l.id, l.event_id, l.name, l.direction, l.allow_reentry, l.assigned, "
                              "(SELECT group_concat(t.ticket_type, char(31)) FROM checkin_list_types t "
                              " WHERE t.list_id = l.id) FROM checkin_lists l WHERE l.event_id = ? ORDER BY l.name, l.id",
                              error);
  if (stmt != NULL)
    {
      _gate_cache_bind_text (stmt, 1, event_id);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          GateListRules *list = gate_list_rules_new ();
          const char *types = (const char *) sqlite3_column_text (stmt, 6);

          list->id = _gate_cache_column_dup (stmt, 0);
          list->event_id = _gate_cache_column_dup (stmt, 1);
          list->name = _gate_cache_column_dup (stmt, 2);
          list->direction = _gate_cache_column_dup (stmt, 3);
          list->allow_reentry = sqlite3_column_int (stmt, 4);
          list->assigned = sqlite3_column_int (stmt, 5);
          list->ticket_types = types != NULL ? g_strsplit (types, "\x1f", -1) : g_new0 (char *, 1);
          g_ptr_array_add (lists, list);
        }
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        _gate_cache_fail (self, rc, "reading the check-in lists", error);
    }
  g_mutex_unlock (&self->mutex);

  return rc == SQLITE_DONE ? g_steal_pointer (&lists) : NULL;
}

/* --- presence ---------------------------------------------------------------- */

char *
gate_ticket_cache_dup_presence_cursor (GateTicketCache *self,
                                       const char      *event_id)
{
  sqlite3_stmt *stmt;
  char *cursor = NULL;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), NULL);

  g_mutex_lock (&self->mutex);
  stmt = _gate_cache_prepare (self, "SELECT presence_cursor FROM events WHERE id = ?", NULL);
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

static gboolean
store_presence_locked (GateTicketCache     *self,
                       const char          *event_id,
                       const GatePresence  *presence,
                       GError             **error)
{
  /* A ticket this device has a scan of that the server has not answered
   * yet keeps what this device decided (DESIGN.md §5.3). */
  sqlite3_stmt *stmt = _gate_cache_prepare (self,
                                            "INSERT INTO presence (ticket_id, event_id, inside, entered_at, "
                                            "entry_device, exited_at, exit_device) SELECT gate_uuid(?1), "
                                            "gate_uuid(?2), ?3, ?4, ?5, ?6, ?7 WHERE NOT EXISTS (SELECT 1 FROM "
                                            "tickets t WHERE t.id = gate_uuid(?1) AND t.local_scan_id IS NOT NULL) "
                                            "ON CONFLICT (ticket_id) DO UPDATE SET event_id = excluded.event_id, "
                                            "inside = excluded.inside, entered_at = excluded.entered_at, "
                                            "entry_device = excluded.entry_device, exited_at = excluded.exited_at, "
                                            "exit_device = excluded.exit_device",
                                            error);

  if (stmt == NULL)
    return FALSE;
  _gate_cache_bind_text (stmt, 1, presence->ticket_id);
  _gate_cache_bind_text (stmt, 2, event_id);
  sqlite3_bind_int (stmt, 3, presence->inside != FALSE);
  _gate_cache_bind_time (stmt, 4, presence->entered_at_us);
  _gate_cache_bind_text (stmt, 5, presence->entry_device);
  _gate_cache_bind_time (stmt, 6, presence->exited_at_us);
  _gate_cache_bind_text (stmt, 7, presence->exit_device);
  return _gate_cache_step_done (self, stmt, "storing who is inside", error);
}

/**
 * gate_ticket_cache_apply_presence_page:
 *
 * Stores a page of stays_changed_since and its cursor in one transaction
 * (a crash keeps the page and its cursor or neither). An empty page keeps
 * the cursor the cache had.
 */
gboolean
gate_ticket_cache_apply_presence_page (GateTicketCache         *self,
                                       const char              *event_id,
                                       const GatePresencePage  *page,
                                       GError                 **error)
{
  sqlite3_stmt *stmt;
  gboolean ok = FALSE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);
  g_return_val_if_fail (event_id != NULL && page != NULL, FALSE);

  if (page->presences->len == 0)
    return TRUE;

  g_mutex_lock (&self->mutex);
  if (_gate_cache_begin_replaceable (self, error))
    {
      ok = TRUE;
      for (guint i = 0; ok && i < page->presences->len; i++)
        ok = store_presence_locked (self, event_id, g_ptr_array_index (page->presences, i), error);
      if (ok)
        {
          stmt = _gate_cache_prepare (self,
                                      "INSERT INTO events (id, presence_cursor) VALUES (?1, ?2) "
                                      "ON CONFLICT (id) DO UPDATE SET presence_cursor = excluded.presence_cursor",
                                      error);
          ok = stmt != NULL;
          if (ok)
            {
              _gate_cache_bind_text (stmt, 1, event_id);
              _gate_cache_bind_text (stmt, 2, page->next_cursor);
              ok = _gate_cache_step_done (self, stmt, "saving the presence cursor", error);
            }
        }
      if (ok)
        ok = _gate_cache_commit (self, error);
      else
        _gate_cache_rollback (self);
    }
  g_mutex_unlock (&self->mutex);

  if (ok)
    _gate_cache_notify_later (self, GATE_CACHE_STATUS_CHANGED, NULL);
  return ok;
}

static GatePresence *
read_presence_locked (GateTicketCache  *self,
                      const char       *ticket_id,
                      GError          **error)
{
  g_autoptr(GatePresence) presence = NULL;
  sqlite3_stmt *stmt;
  int rc;

  stmt = _gate_cache_prepare (self,
                              "SELECT inside, entered_at, entry_device, exited_at, exit_device FROM presence "
                              "WHERE ticket_id = gate_uuid(?)",
                              error);
  if (stmt == NULL)
    return NULL;
  _gate_cache_bind_text (stmt, 1, ticket_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      presence = gate_presence_new ();
      presence->ticket_id = g_strdup (ticket_id);
      presence->inside = sqlite3_column_int (stmt, 0);
      presence->entered_at_us = sqlite3_column_int64 (stmt, 1);
      presence->entry_device = _gate_cache_column_dup (stmt, 2);
      presence->exited_at_us = sqlite3_column_int64 (stmt, 3);
      presence->exit_device = _gate_cache_column_dup (stmt, 4);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    _gate_cache_fail (self, rc, "reading who is inside", error);
  return g_steal_pointer (&presence);
}

/**
 * gate_ticket_cache_dup_presence:
 *
 * Returns: (transfer full) (nullable): what the cache knows of whether
 *   @ticket_id is inside; NULL without an error when it knows nothing
 */
GatePresence *
gate_ticket_cache_dup_presence (GateTicketCache  *self,
                                const char       *ticket_id,
                                GError          **error)
{
  GatePresence *presence;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), NULL);

  g_mutex_lock (&self->mutex);
  presence = read_presence_locked (self, ticket_id, error);
  g_mutex_unlock (&self->mutex);
  return presence;
}

/* How many of @event_id's tickets are inside, as this cache knows it. */
guint64
gate_ticket_cache_count_inside (GateTicketCache *self,
                                const char      *event_id)
{
  sqlite3_stmt *stmt;
  guint64 count = 0;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), 0);

  g_mutex_lock (&self->mutex);
  stmt = _gate_cache_prepare (self, "SELECT count(*) FROM presence WHERE event_id = gate_uuid(?) AND inside = 1",
                              NULL);
  if (stmt != NULL)
    {
      _gate_cache_bind_text (stmt, 1, event_id);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        count = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
    }
  g_mutex_unlock (&self->mutex);
  return count;
}

/* --- judging a scan ---------------------------------------------------------- */

typedef struct
{
  char     *id;
  gboolean  refuses;
  gboolean  allow_reentry;
} Judged;

/* The list @scan is judged by: its own, else the device's list of the
 * event, else none (*found FALSE). FALSE with no error: the scan names a
 * list this cache does not have for this event. */
static gboolean
find_list_locked (GateTicketCache       *self,
                  const GateQueuedScan  *scan,
                  const GateTicket      *ticket,
                  Judged                *list,
                  gboolean              *found,
                  GError               **error)
{
  const char *direction = g_strcmp0 (scan->direction, "exit") == 0 ? "exit" : "entry";
  sqlite3_stmt *stmt;
  int rc;

  stmt = _gate_cache_prepare (self,
                              "SELECT l.id, l.allow_reentry, l.direction <> 'both' AND l.direction <> ?3, "
                              "EXISTS (SELECT 1 FROM checkin_list_types t WHERE t.list_id = l.id) AND NOT EXISTS "
                              "(SELECT 1 FROM checkin_list_types t WHERE t.list_id = l.id AND t.ticket_type = ?4) "
                              "FROM checkin_lists l WHERE l.event_id = ?2 AND (l.id = ?1 OR (?1 IS NULL AND "
                              "l.assigned)) LIMIT 1",
                              error);
  if (stmt == NULL)
    return FALSE;
  _gate_cache_bind_text (stmt, 1, scan->list_id);
  _gate_cache_bind_text (stmt, 2, scan->event_id);
  _gate_cache_bind_text (stmt, 3, direction);
  _gate_cache_bind_text (stmt, 4, ticket->ticket_type != NULL ? ticket->ticket_type : "");
  rc = sqlite3_step (stmt);
  *found = rc == SQLITE_ROW;
  if (*found)
    {
      list->id = _gate_cache_column_dup (stmt, 0);
      list->allow_reentry = sqlite3_column_int (stmt, 1);
      list->refuses = sqlite3_column_int (stmt, 2) || sqlite3_column_int (stmt, 3);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return _gate_cache_fail (self, rc, "reading the check-in list", error);
  return scan->list_id == NULL || *found;
}

/*
 * _gate_cache_judge_locked:
 * @ticket: a ticket of the scan's event that is not void; for
 *   already_scanned and not_inside its scanned_at_us and scanned_device
 *   become the entry or exit the verdict names
 * @list_id: (out): the list the scan was judged by, NULL for none
 *
 * Returns: the verdict; admitted and exited are still to be recorded.
 *   cannot_decide without an error when the scan's list is not cached,
 *   cannot_decide with @error set when the cache could not be read.
 */
GateVerdict
_gate_cache_judge_locked (GateTicketCache       *self,
                          const GateQueuedScan  *scan,
                          GateTicket            *ticket,
                          gboolean               pending_local,
                          char                 **list_id,
                          GError               **error)
{
  g_autoptr(GatePresence) presence = NULL;
  g_autoptr(GError) local_error = NULL;
  Judged list = { 0 };
  gboolean has_list = FALSE;
  gboolean entered = ticket->status == GATE_TICKET_STATUS_SCANNED || pending_local;
  gboolean inside;

  *list_id = NULL;
  if (!find_list_locked (self, scan, ticket, &list, &has_list, error))
    return GATE_VERDICT_CANNOT_DECIDE;
  *list_id = list.id;
  if (has_list && list.refuses)
    return GATE_VERDICT_NOT_ALLOWED_HERE;

  /* Without a presence row, a ticket that went in has not come out: the
   * server opens a stay with every admission. */
  presence = read_presence_locked (self, ticket->id, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return GATE_VERDICT_CANNOT_DECIDE;
    }
  inside = presence != NULL ? presence->inside : entered;

  if (g_strcmp0 (scan->direction, "exit") == 0)
    {
      if (inside)
        return GATE_VERDICT_EXITED;
      ticket->scanned_at_us = presence != NULL ? presence->exited_at_us : 0;
      _gate_cache_replace_str (&ticket->scanned_device, presence != NULL ? presence->exit_device : NULL);
      return GATE_VERDICT_NOT_INSIDE;
    }

  if (inside && presence != NULL)
    {
      ticket->scanned_at_us = presence->entered_at_us;
      _gate_cache_replace_str (&ticket->scanned_device, presence->entry_device);
      return GATE_VERDICT_ALREADY_SCANNED;
    }
  if (inside || (entered && !(has_list && list.allow_reentry)))
    return GATE_VERDICT_ALREADY_SCANNED;
  return GATE_VERDICT_ADMITTED;
}

/* Records that @ticket went in (admitted) or out (exited) at @at_us. */
gboolean
_gate_cache_move_locked (GateTicketCache   *self,
                         const GateTicket  *ticket,
                         GateVerdict        verdict,
                         gint64             at_us,
                         const char        *device_id,
                         GError           **error)
{
  gboolean in = verdict == GATE_VERDICT_ADMITTED;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (verdict == GATE_VERDICT_ADMITTED || verdict == GATE_VERDICT_EXITED, FALSE);

  /* An exit of a ticket the cache had no presence for keeps its admission
   * as the entry. */
  stmt = _gate_cache_prepare (self,
                              "INSERT INTO presence (ticket_id, event_id, inside, entered_at, entry_device, "
                              "exited_at, exit_device) VALUES (gate_uuid(?1), gate_uuid(?2), ?3, CASE WHEN ?3 THEN ?4 "
                              "ELSE ?6 END, CASE WHEN ?3 THEN ?5 ELSE ?7 END, CASE WHEN ?3 THEN NULL ELSE ?4 END, "
                              "CASE WHEN ?3 THEN NULL ELSE ?5 END) ON CONFLICT (ticket_id) DO UPDATE SET inside = ?3, "
                              "entered_at = CASE WHEN ?3 THEN ?4 ELSE entered_at END, entry_device = CASE WHEN ?3 "
                              "THEN ?5 ELSE entry_device END, exited_at = CASE WHEN ?3 THEN exited_at ELSE ?4 END, "
                              "exit_device = CASE WHEN ?3 THEN exit_device ELSE ?5 END",
                              error);
  if (stmt == NULL)
    return FALSE;
  _gate_cache_bind_text (stmt, 1, ticket->id);
  _gate_cache_bind_text (stmt, 2, ticket->event_id);
  sqlite3_bind_int (stmt, 3, in);
  sqlite3_bind_int64 (stmt, 4, at_us);
  _gate_cache_bind_text (stmt, 5, device_id);
  _gate_cache_bind_time (stmt, 6, ticket->scanned_at_us);
  _gate_cache_bind_text (stmt, 7, ticket->scanned_device);
  return _gate_cache_step_done (self, stmt, in ? "recording an entry" : "recording an exit", error);
}
