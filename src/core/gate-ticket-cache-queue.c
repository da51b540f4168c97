/* gate-ticket-cache-queue.c — the upload queue and the server's answers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * DESIGN.md §5.4: a queued scan leaves the queue only with the
 * server's answer for it.
 */
#include "config.h"

#include "gate-error.h"
#include "gate-ticket-cache-private.h"

#define UPLOAD_BATCH_MAX    500

/**
 * gate_ticket_cache_pending_scans:
 * @limit: at most this many, and never more than 500
 *
 * Returns: (transfer container) (element-type GateQueuedScan): the oldest
 *   scans the server has not answered for yet
 */
GPtrArray *
gate_ticket_cache_pending_scans (GateTicketCache  *self,
                                 guint             limit,
                                 GError          **error)
{
  g_autoptr(GPtrArray) scans = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_queued_scan_free);
  sqlite3_stmt *stmt;
  int rc = SQLITE_DONE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), NULL);

  g_mutex_lock (&self->mutex);
  stmt = _gate_cache_prepare (self,
                              "SELECT client_scan_id, event_id, qr_token, ticket_id, scanned_at, clock_offset_ms, "
                              "scanned_by, scan_method, attempts, last_error, device_id, direction, list_id FROM scan_queue "
                              "WHERE state = 'pending' ORDER BY scanned_at, rowid LIMIT ?",
                              error);
  if (stmt != NULL)
    {
      sqlite3_bind_int (stmt, 1, MIN (limit, UPLOAD_BATCH_MAX));
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          GateQueuedScan *scan = gate_queued_scan_new ();

          scan->client_scan_id = _gate_cache_column_dup (stmt, 0);
          scan->event_id = _gate_cache_column_dup (stmt, 1);
          scan->qr_token = _gate_cache_column_dup (stmt, 2);
          scan->ticket_id = _gate_cache_column_dup (stmt, 3);
          scan->scanned_at_us = sqlite3_column_int64 (stmt, 4);
          scan->clock_offset_ms = sqlite3_column_int64 (stmt, 5);
          scan->scanned_by = _gate_cache_column_dup (stmt, 6);
          scan->scan_method = _gate_cache_column_dup (stmt, 7);
          scan->attempts = sqlite3_column_int (stmt, 8);
          scan->last_error = _gate_cache_column_dup (stmt, 9);
          scan->device_id = _gate_cache_column_dup (stmt, 10);
          scan->direction = _gate_cache_column_dup (stmt, 11);
          scan->list_id = _gate_cache_column_dup (stmt, 12);
          g_ptr_array_add (scans, scan);
        }
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        _gate_cache_fail (self, rc, "reading the upload queue", error);
    }
  g_mutex_unlock (&self->mutex);

  if (stmt == NULL || rc != SQLITE_DONE)
    return NULL;
  return g_steal_pointer (&scans);
}

gint64
gate_ticket_cache_pending_count (GateTicketCache *self)
{
  sqlite3_stmt *stmt;
  gint64 count = 0;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), 0);

  g_mutex_lock (&self->mutex);
  stmt = _gate_cache_prepare (self, "SELECT count(*) FROM scan_queue WHERE state = 'pending'", NULL);
  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    count = sqlite3_column_int64 (stmt, 0);
  if (stmt != NULL)
    sqlite3_reset (stmt);
  g_mutex_unlock (&self->mutex);
  return count;
}

static gboolean
record_local_conflict (GateTicketCache         *self,
                       const GateUploadResult  *result,
                       gint64                   now,
                       GError                 **error)
{
  sqlite3_stmt *stmt;

  /* Our side of the conflict; the server's row (with both sides and its id)
   * replaces it when the conflicts are next downloaded. */
  stmt = _gate_cache_prepare (self,
                              "INSERT INTO conflicts (event_id, ticket_id, qr_token, guest_name, ticket_type, "
                              "winner_device, winner_time, winner_scan_id, loser_device, loser_time, loser_scan_id, "
                              "detected_at) SELECT q.event_id, q.ticket_id, q.qr_token, t.guest_name, t.ticket_type, "
                              "CASE WHEN ?2 THEN q.device_id ELSE ?3 END, CASE WHEN ?2 THEN q.scanned_at + "
                              "q.clock_offset_ms * 1000 ELSE ?4 END, CASE WHEN ?2 THEN q.client_scan_id END, CASE WHEN "
                              "?2 THEN NULL ELSE q.device_id END, CASE WHEN ?2 THEN NULL ELSE q.scanned_at + "
                              "q.clock_offset_ms * 1000 END, CASE WHEN ?2 THEN NULL ELSE q.client_scan_id END, ?5 FROM "
                              "scan_queue q LEFT JOIN tickets t ON t.qr_token = q.qr_token WHERE q.client_scan_id = ?1",
                              error);
  if (stmt == NULL)
    return FALSE;
  _gate_cache_bind_text (stmt, 1, result->client_scan_id);
  sqlite3_bind_int (stmt, 2, result->outcome == GATE_UPLOAD_WON_CONFLICT);
  _gate_cache_bind_text (stmt, 3, result->winner_device);
  _gate_cache_bind_time (stmt, 4, result->winner_time_us);
  sqlite3_bind_int64 (stmt, 5, result->server_time_us != 0 ? result->server_time_us : now);
  return _gate_cache_step_done (self, stmt, "recording a conflict", error);
}

static gboolean
apply_upload_results_locked (GateTicketCache  *self,
                             GPtrArray        *results,
                             GPtrArray        *changed,
                             gboolean         *conflicts,
                             GError          **error)
{
  gint64 now = g_get_real_time ();
  sqlite3_stmt *stmt;

  for (guint i = 0; i < results->len; i++)
    {
      const GateUploadResult *result = g_ptr_array_index (results, i);
      const char *outcome = gate_upload_outcome_to_string (result->outcome);
      int rc;

      /* Only the first answer counts: a result for a scan already answered
       * (a duplicate in the batch, a late retry) changes nothing. */
      stmt = _gate_cache_prepare (self,
                                  "UPDATE scan_queue SET state = 'answered', outcome = ?2, replayed = ?3, answered_at "
                                  "= ?4 WHERE client_scan_id = ?1 AND state = 'pending'",
                                  error);
      if (stmt == NULL)
        return FALSE;
      _gate_cache_bind_text (stmt, 1, result->client_scan_id);
      _gate_cache_bind_text (stmt, 2, outcome);
      sqlite3_bind_int (stmt, 3, result->replayed);
      sqlite3_bind_int64 (stmt, 4, now);
      if (!_gate_cache_step_done (self, stmt, "recording an upload answer", error))
        return FALSE;
      if (sqlite3_changes (self->db) == 0)
        continue;

      /* The server has decided: from now on a refresh may overwrite the
       * ticket. A lost conflict shows the winner's gate and time at once. */
      stmt = _gate_cache_prepare (self,
                                  "UPDATE tickets SET local_scan_id = NULL, status = CASE ?2 WHEN 'void' THEN 'void' "
                                  "ELSE status END, scanned_device = CASE ?2 WHEN 'lost_conflict' THEN coalesce(?3, "
                                  "scanned_device) ELSE scanned_device END, scanned_at = CASE ?2 WHEN 'lost_conflict' "
                                  "THEN coalesce(?4, scanned_at) ELSE scanned_at END WHERE local_scan_id = ?1 "
                                  "RETURNING " GATE_CACHE_TICKET_COLUMNS,
                                  error);
      if (stmt == NULL)
        return FALSE;
      _gate_cache_bind_text (stmt, 1, result->client_scan_id);
      _gate_cache_bind_text (stmt, 2, outcome);
      _gate_cache_bind_text (stmt, 3, result->winner_device);
      _gate_cache_bind_time (stmt, 4, result->winner_time_us);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        if (result->outcome == GATE_UPLOAD_LOST_CONFLICT || result->outcome == GATE_UPLOAD_VOID)
          g_ptr_array_add (changed, _gate_cache_ticket_from_row (stmt));
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        return _gate_cache_fail (self, rc, "confirming a ticket", error);

      if (result->outcome == GATE_UPLOAD_WON_CONFLICT || result->outcome == GATE_UPLOAD_LOST_CONFLICT)
        {
          if (!record_local_conflict (self, result, now, error))
            return FALSE;
          *conflicts = TRUE;
        }
    }

  stmt = _gate_cache_prepare (self,
                              "UPDATE events SET last_upload_at = ?1 WHERE id IN "
                              "(SELECT event_id FROM scan_queue WHERE state = 'answered' AND answered_at = ?1)",
                              error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, now);
  return _gate_cache_step_done (self, stmt, "recording the upload time", error);
}

/**
 * gate_ticket_cache_apply_upload_results:
 * @results: (element-type GateUploadResult): the server's answers
 *
 * In one transaction, every answered scan leaves the queue with its outcome
 * kept; conflicts are noted locally. Scans without an answer stay queued.
 */
gboolean
gate_ticket_cache_apply_upload_results (GateTicketCache  *self,
                                        GPtrArray        *results,
                                        GError          **error)
{
  g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_ticket_free);
  gboolean conflicts = FALSE;
  gboolean ok = FALSE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);
  g_return_val_if_fail (results != NULL, FALSE);

  g_mutex_lock (&self->mutex);
  if (_gate_cache_begin (self, error))
    {
      if (apply_upload_results_locked (self, results, changed, &conflicts, error))
        ok = _gate_cache_commit (self, error);
      else
        _gate_cache_rollback (self);
    }
  g_mutex_unlock (&self->mutex);

  if (!ok)
    return FALSE;

  _gate_cache_notify_tickets_later (self, changed);
  _gate_cache_notify_later (self, GATE_CACHE_STATUS_CHANGED, NULL);
  if (conflicts)
    _gate_cache_notify_later (self, GATE_CACHE_CONFLICTS_CHANGED, NULL);
  return TRUE;
}

/**
 * gate_ticket_cache_record_upload_failure:
 * @client_scan_ids: (element-type utf8): the scans of the failed batch
 *
 * Counts a failed attempt; the scans stay queued for the next one, however
 * many _gate_cache_fail (defect 3 of the original).
 */
gboolean
gate_ticket_cache_record_upload_failure (GateTicketCache  *self,
                                         GPtrArray        *client_scan_ids,
                                         const char       *message,
                                         GError          **error)
{
  sqlite3_stmt *stmt;
  gboolean ok = FALSE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);
  g_return_val_if_fail (client_scan_ids != NULL, FALSE);

  g_mutex_lock (&self->mutex);
  if (_gate_cache_begin (self, error))
    {
      ok = TRUE;
      for (guint i = 0; ok && i < client_scan_ids->len; i++)
        {
          stmt = _gate_cache_prepare (self,
                                      "UPDATE scan_queue SET attempts = attempts + 1, last_error = ?2 "
                                      "WHERE client_scan_id = ?1 AND state = 'pending'",
                                      error);
          ok = stmt != NULL;
          if (ok)
            {
              _gate_cache_bind_text (stmt, 1, g_ptr_array_index (client_scan_ids, i));
              _gate_cache_bind_text (stmt, 2, message);
              ok = _gate_cache_step_done (self, stmt, "recording an upload failure", error);
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
