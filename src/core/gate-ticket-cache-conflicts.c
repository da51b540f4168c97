/* gate-ticket-cache-conflicts.c — conflicts noted, downloaded and reviewed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "gate-error.h"
#include "gate-ticket-cache-private.h"

static GPtrArray *
list_conflicts_locked (GateTicketCache  *self,
                       const char       *event_id,
                       gboolean          include_reviewed,
                       GError          **error)
{
  g_autoptr(GPtrArray) conflicts = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_conflict_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = _gate_cache_prepare (self,
                              "SELECT coalesce(server_id, 0), event_id, ticket_id, qr_token, guest_name, ticket_type, "
                              "winner_device, winner_time, winner_scan_id, loser_device, loser_time, loser_scan_id, "
                              "detected_at, reviewed_at, reviewed_by, review_note FROM conflicts "
                              "WHERE (?1 IS NULL OR event_id = ?1) AND (?2 OR reviewed_at IS NULL) "
                              "ORDER BY detected_at DESC, id DESC",
                              error);
  if (stmt == NULL)
    return NULL;

  _gate_cache_bind_text (stmt, 1, event_id);
  sqlite3_bind_int (stmt, 2, include_reviewed);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      GateConflict *conflict = gate_conflict_new ();

      conflict->id = sqlite3_column_int64 (stmt, 0);
      conflict->event_id = _gate_cache_column_dup (stmt, 1);
      conflict->ticket_id = _gate_cache_column_dup (stmt, 2);
      conflict->qr_token = _gate_cache_column_dup (stmt, 3);
      conflict->guest_name = _gate_cache_column_dup (stmt, 4);
      conflict->ticket_type = _gate_cache_column_dup (stmt, 5);
      conflict->winner_device = _gate_cache_column_dup (stmt, 6);
      conflict->winner_time_us = sqlite3_column_int64 (stmt, 7);
      conflict->winner_scan_id = _gate_cache_column_dup (stmt, 8);
      conflict->loser_device = _gate_cache_column_dup (stmt, 9);
      conflict->loser_time_us = sqlite3_column_int64 (stmt, 10);
      conflict->loser_scan_id = _gate_cache_column_dup (stmt, 11);
      conflict->detected_at_us = sqlite3_column_int64 (stmt, 12);
      conflict->reviewed_at_us = sqlite3_column_int64 (stmt, 13);
      conflict->reviewed_by = _gate_cache_column_dup (stmt, 14);
      conflict->review_note = _gate_cache_column_dup (stmt, 15);
      g_ptr_array_add (conflicts, conflict);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      _gate_cache_fail (self, rc, "listing conflicts", error);
      return NULL;
    }
  return g_steal_pointer (&conflicts);
}

/**
 * gate_ticket_cache_list_conflicts:
 * @event_id: (nullable): one event, or all
 *
 * Returns: (transfer container) (element-type GateConflict): newest first;
 *   a conflict only known locally has id 0
 */
GPtrArray *
gate_ticket_cache_list_conflicts (GateTicketCache  *self,
                                  const char       *event_id,
                                  gboolean          include_reviewed,
                                  GError          **error)
{
  GPtrArray *conflicts;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), NULL);

  g_mutex_lock (&self->mutex);
  conflicts = list_conflicts_locked (self, event_id, include_reviewed, error);
  g_mutex_unlock (&self->mutex);
  return conflicts;
}

static gboolean
store_conflicts_locked (GateTicketCache  *self,
                        GPtrArray        *conflicts,
                        GError          **error)
{
  sqlite3_stmt *stmt;

  for (guint i = 0; i < conflicts->len; i++)
    {
      const GateConflict *conflict = g_ptr_array_index (conflicts, i);

      if (conflict->id <= 0)
        {
          g_set_error (error, GATE_ERROR, GATE_ERROR_BAD_RESPONSE, "a conflict from the server has no id");
          return FALSE;
        }

      /* The server's row replaces what we noted locally for the same scans. */
      stmt = _gate_cache_prepare (self,
                                  "DELETE FROM conflicts WHERE server_id IS NULL "
                                  "AND (winner_scan_id IN (?1, ?2) OR loser_scan_id IN (?1, ?2))",
                                  error);
      if (stmt == NULL)
        return FALSE;
      _gate_cache_bind_text (stmt, 1, conflict->winner_scan_id);
      _gate_cache_bind_text (stmt, 2, conflict->loser_scan_id);
      if (!_gate_cache_step_done (self, stmt, "merging conflicts", error))
        return FALSE;

      stmt = _gate_cache_prepare (self,
                                  "INSERT INTO conflicts (server_id, event_id, ticket_id, qr_token, guest_name, "
                                  "ticket_type, winner_device, winner_time, winner_scan_id, loser_device, loser_time, "
                                  "loser_scan_id, detected_at, reviewed_at, reviewed_by, review_note) VALUES (?1, ?2, "
                                  "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) ON CONFLICT "
                                  "(server_id) DO UPDATE SET reviewed_at = coalesce(excluded.reviewed_at, "
                                  "conflicts.reviewed_at), reviewed_by = coalesce(excluded.reviewed_by, "
                                  "conflicts.reviewed_by), review_note = coalesce(excluded.review_note, "
                                  "conflicts.review_note)",
                                  error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, conflict->id);
      _gate_cache_bind_text (stmt, 2, conflict->event_id);
      _gate_cache_bind_text (stmt, 3, conflict->ticket_id);
      _gate_cache_bind_text (stmt, 4, conflict->qr_token);
      _gate_cache_bind_text (stmt, 5, conflict->guest_name);
      _gate_cache_bind_text (stmt, 6, conflict->ticket_type);
      _gate_cache_bind_text (stmt, 7, conflict->winner_device);
      _gate_cache_bind_time (stmt, 8, conflict->winner_time_us);
      _gate_cache_bind_text (stmt, 9, conflict->winner_scan_id);
      _gate_cache_bind_text (stmt, 10, conflict->loser_device);
      _gate_cache_bind_time (stmt, 11, conflict->loser_time_us);
      _gate_cache_bind_text (stmt, 12, conflict->loser_scan_id);
      _gate_cache_bind_time (stmt, 13, conflict->detected_at_us);
      _gate_cache_bind_time (stmt, 14, conflict->reviewed_at_us);
      _gate_cache_bind_text (stmt, 15, conflict->reviewed_by);
      _gate_cache_bind_text (stmt, 16, conflict->review_note);
      if (!_gate_cache_step_done (self, stmt, "storing a conflict", error))
        return FALSE;
    }

  return TRUE;
}

/**
 * gate_ticket_cache_store_conflicts:
 * @conflicts: (element-type GateConflict): conflicts from the server, each
 *   with its server id
 *
 * Upserts by server id; a local note of the same scans is replaced. A review
 * known locally is never undone by an older server answer.
 */
gboolean
gate_ticket_cache_store_conflicts (GateTicketCache  *self,
                                   GPtrArray        *conflicts,
                                   GError          **error)
{
  gboolean ok = FALSE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);
  g_return_val_if_fail (conflicts != NULL, FALSE);

  g_mutex_lock (&self->mutex);
  if (_gate_cache_begin_replaceable (self, error))
    {
      if (store_conflicts_locked (self, conflicts, error))
        ok = _gate_cache_commit (self, error);
      else
        _gate_cache_rollback (self);
    }
  g_mutex_unlock (&self->mutex);

  if (ok)
    _gate_cache_notify_later (self, GATE_CACHE_CONFLICTS_CHANGED, NULL);
  return ok;
}

/**
 * gate_ticket_cache_mark_conflict_reviewed:
 * @server_id: the conflict's id on the server
 * @reviewed_at_us: when; 0 for now
 *
 * Notes a review the server accepted (review_conflict). Unknown ids are an
 * error: the list shown to the supervisor came from this cache.
 */
gboolean
gate_ticket_cache_mark_conflict_reviewed (GateTicketCache  *self,
                                          gint64            server_id,
                                          const char       *reviewed_by,
                                          const char       *note,
                                          gint64            reviewed_at_us,
                                          GError          **error)
{
  sqlite3_stmt *stmt;
  gboolean ok = FALSE;
  gboolean found = FALSE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);

  g_mutex_lock (&self->mutex);
  stmt = _gate_cache_prepare (self,
                              "UPDATE conflicts SET reviewed_at = ?2, reviewed_by = ?3, review_note = ?4 WHERE "
                              "server_id = ?1",
                              error);
  if (stmt != NULL)
    {
      sqlite3_bind_int64 (stmt, 1, server_id);
      sqlite3_bind_int64 (stmt, 2, reviewed_at_us != 0 ? reviewed_at_us : g_get_real_time ());
      _gate_cache_bind_text (stmt, 3, reviewed_by);
      _gate_cache_bind_text (stmt, 4, note);
      ok = _gate_cache_step_done (self, stmt, "marking a conflict reviewed", error);
      found = ok && sqlite3_changes (self->db) > 0;
    }
  g_mutex_unlock (&self->mutex);

  if (ok && !found)
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_NOT_FOUND, "no conflict %" G_GINT64_FORMAT " in the cache",
                   server_id);
      return FALSE;
    }
  if (ok)
    _gate_cache_notify_later (self, GATE_CACHE_CONFLICTS_CHANGED, NULL);
  return ok;
}
