/* gate-ticket-cache-retention.c — purge and wipe
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * DESIGN.md §5.7.
 */
#include "config.h"

#include "gate-error.h"
#include "gate-ticket-cache-private.h"

static gboolean
purge_locked (GateTicketCache  *self,
              gint64            now_us,
              gboolean         *purged_tickets,
              gboolean         *purged_conflicts,
              GError          **error)
{
  gint64 horizon = now_us - GATE_CACHE_RETENTION_US;
  g_autoptr(GPtrArray) stale = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = _gate_cache_prepare (self, "DELETE FROM scan_queue WHERE state = 'answered' AND answered_at < ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, horizon);
  if (!_gate_cache_step_done (self, stmt, "purging uploaded scans", error))
    return FALSE;

  stmt = _gate_cache_prepare (self, "DELETE FROM online_scans WHERE recorded_at < ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, horizon);
  if (!_gate_cache_step_done (self, stmt, "purging online scans", error))
    return FALSE;

  /* Attendee names go 24 h after the last refresh, but never while a scan
   * of that event still waits for the server. The stale events are found
   * first (a few rows): tickets has no index by event, and a purge that
   * finds nothing to do must not read a million tickets to learn it. */
  stmt = _gate_cache_prepare (self,
                              "SELECT e.id FROM events e WHERE coalesce(e.last_refresh_at, 0) < ?1 "
                              "AND NOT EXISTS (SELECT 1 FROM scan_queue q WHERE q.state = 'pending' AND "
                              "q.event_id = e.id) AND EXISTS (SELECT 1 FROM ticket_counts c WHERE "
                              "c.event_id = gate_uuid(e.id) AND c.tickets > 0)",
                              error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, horizon);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (stale, _gate_cache_column_dup (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _gate_cache_fail (self, rc, "finding events to purge", error);

  for (guint i = 0; i < stale->len; i++)
    {
      stmt = _gate_cache_prepare (self, "DELETE FROM tickets WHERE event_id = gate_uuid(?1)", error);
      if (stmt == NULL)
        return FALSE;
      _gate_cache_bind_text (stmt, 1, g_ptr_array_index (stale, i));
      if (!_gate_cache_step_done (self, stmt, "purging attendee data", error))
        return FALSE;
      /* Who was inside goes with the tickets (gate rules offline). */
      stmt = _gate_cache_prepare (self, "DELETE FROM presence WHERE event_id = gate_uuid(?1)", error);
      if (stmt == NULL)
        return FALSE;
      _gate_cache_bind_text (stmt, 1, g_ptr_array_index (stale, i));
      if (!_gate_cache_step_done (self, stmt, "purging attendee data", error))
        return FALSE;
      *purged_tickets = TRUE;
    }

  /* Without its tickets the event must be downloaded from scratch. */
  stmt = _gate_cache_prepare (self,
                              "UPDATE events SET cursor = NULL, presence_cursor = NULL WHERE coalesce(last_refresh_at, 0) < ?1 "
                              "AND cursor IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ticket_counts c "
                              "WHERE c.event_id = gate_uuid(events.id) AND c.tickets > 0)",
                              error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, horizon);
  if (!_gate_cache_step_done (self, stmt, "resetting purged events", error))
    return FALSE;

  /* Conflicts stay until a supervisor has reviewed them, then a day more. */
  stmt = _gate_cache_prepare (self, "DELETE FROM conflicts WHERE reviewed_at IS NOT NULL AND reviewed_at < ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, horizon);
  if (!_gate_cache_step_done (self, stmt, "purging reviewed conflicts", error))
    return FALSE;
  *purged_conflicts = sqlite3_changes (self->db) > 0;

  return TRUE;
}

/**
 * gate_ticket_cache_purge:
 * @now_us: the current time (a parameter so retention can be tested)
 *
 * Retention (DESIGN.md §5.7): answered scans after 24 h; the tickets
 * (attendee names) of an event 24 h after its last refresh unless some of
 * its scans still wait for upload; reviewed conflicts 24 h after review.
 */
gboolean
gate_ticket_cache_purge (GateTicketCache  *self,
                         gint64            now_us,
                         GError          **error)
{
  gboolean purged_tickets = FALSE;
  gboolean purged_conflicts = FALSE;
  gboolean ok = FALSE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);

  g_mutex_lock (&self->mutex);
  if (_gate_cache_begin_replaceable (self, error))
    {
      if (purge_locked (self, now_us, &purged_tickets, &purged_conflicts, error))
        ok = _gate_cache_commit (self, error);
      else
        _gate_cache_rollback (self);
    }
  g_mutex_unlock (&self->mutex);

  if (ok && purged_tickets)
    _gate_cache_notify_later (self, GATE_CACHE_STATUS_CHANGED, NULL);
  if (ok && purged_conflicts)
    _gate_cache_notify_later (self, GATE_CACHE_CONFLICTS_CHANGED, NULL);
  return ok;
}

/**
 * gate_ticket_cache_wipe:
 *
 * Forgets the attendee data — tickets, events, conflicts, online and
 * answered scans, the clock — for a device whose token the server has
 * revoked. The scans still waiting for the server stay: guests went in on
 * them (they hold codes and times, no names), and a re-enrolled device
 * uploads them.
 */
gboolean
gate_ticket_cache_wipe (GateTicketCache  *self,
                        GError          **error)
{
  gboolean ok = FALSE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);

  g_mutex_lock (&self->mutex);
  if (_gate_cache_begin (self, error))
    {
      if (_gate_cache_exec (self,
                            "DELETE FROM tickets; DELETE FROM ticket_counts; DELETE FROM scan_queue WHERE state <> 'pending'; "
                            "DELETE FROM online_scans; DELETE FROM conflicts; DELETE FROM events; DELETE FROM presence; "
                            "DELETE FROM checkin_lists; "
                            "DELETE FROM settings;",
                            "wiping the cache", error))
        ok = _gate_cache_commit (self, error);
      else
        _gate_cache_rollback (self);
    }
  /* The WAL still holds the old pages, names and all, until a checkpoint
   * copies the zeroed ones into the file; then it is cut to nothing. Best
   * effort: another process reading the cache may hold the WAL, and the
   * wipe itself is done either way. */
  if (ok)
    _gate_cache_exec (self, "PRAGMA wal_checkpoint(TRUNCATE)", "checkpointing the wiped cache", NULL);
  if (ok)
    {
      self->offset_known = FALSE;
      self->clock_offset_ms = 0;
      self->persisted_offset_ms = 0;
      _gate_cache_forget_device_names (self);
    }
  g_mutex_unlock (&self->mutex);

  if (ok)
    {
      _gate_cache_notify_later (self, GATE_CACHE_STATUS_CHANGED, NULL);
      _gate_cache_notify_later (self, GATE_CACHE_CONFLICTS_CHANGED, NULL);
    }
  return ok;
}
