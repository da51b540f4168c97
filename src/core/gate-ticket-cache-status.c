/* gate-ticket-cache-status.c — event, clock offset, status and arrivals
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "gate-error.h"
#include "gate-ticket-cache-private.h"

/* The offset is re-measured on every server answer; jitter below this is
 * network noise and not worth an fsync. */
#define OFFSET_PERSIST_MS   50

void
gate_cache_status_free (GateCacheStatus *status)
{
  if (status == NULL)
    return;

  g_free (status->event_id);
  g_free (status->event_name);
  g_free (status);
}

gboolean
gate_ticket_cache_set_event (GateTicketCache         *self,
                             const GateEventSummary  *summary,
                             GError                 **error)
{
  sqlite3_stmt *stmt;
  gboolean ok = FALSE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);
  g_return_val_if_fail (summary != NULL && summary->event_id != NULL, FALSE);

  g_mutex_lock (&self->mutex);
  stmt = _gate_cache_prepare (self,
                              "INSERT INTO events (id, name, starts_at, ticket_count, scanned_count) VALUES (?1, ?2, "
                              "?3, ?4, ?5) ON CONFLICT (id) DO UPDATE SET name = excluded.name, starts_at = "
                              "excluded.starts_at, ticket_count = excluded.ticket_count, scanned_count = "
                              "excluded.scanned_count WHERE (name, starts_at, ticket_count, scanned_count) IS NOT "
                              "(excluded.name, excluded.starts_at, excluded.ticket_count, excluded.scanned_count)",
                              error);
  /* The server sends it again at every refresh: the same summary writes
   * nothing, another one need not wait for the disk. */
  if (stmt != NULL && _gate_cache_begin_replaceable (self, error))
    {
      _gate_cache_bind_text (stmt, 1, summary->event_id);
      _gate_cache_bind_text (stmt, 2, summary->name);
      _gate_cache_bind_time (stmt, 3, summary->starts_at_us);
      sqlite3_bind_int64 (stmt, 4, summary->ticket_count);
      sqlite3_bind_int64 (stmt, 5, summary->scanned_count);
      ok = _gate_cache_step_done (self, stmt, "storing the event", error) && _gate_cache_commit (self, error);
      if (!ok)
        _gate_cache_rollback (self);
    }
  g_mutex_unlock (&self->mutex);

  if (ok)
    _gate_cache_notify_later (self, GATE_CACHE_STATUS_CHANGED, NULL);
  return ok;
}

/**
 * gate_ticket_cache_get_event:
 *
 * Returns: (nullable): the event as event_summary last described it; NULL
 *   without error if the cache has never heard of it
 */
GateEventSummary *
gate_ticket_cache_get_event (GateTicketCache  *self,
                             const char       *event_id,
                             GError          **error)
{
  g_autoptr(GateEventSummary) summary = NULL;
  sqlite3_stmt *stmt;
  int rc = SQLITE_DONE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), NULL);
  g_return_val_if_fail (event_id != NULL, NULL);

  g_mutex_lock (&self->mutex);
  stmt = _gate_cache_prepare (self, "SELECT name, starts_at, ticket_count, scanned_count FROM events WHERE id = ?",
                              error);
  if (stmt != NULL)
    {
      _gate_cache_bind_text (stmt, 1, event_id);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          summary = gate_event_summary_new ();
          summary->event_id = g_strdup (event_id);
          summary->name = _gate_cache_column_dup (stmt, 0);
          summary->starts_at_us = sqlite3_column_int64 (stmt, 1);
          summary->ticket_count = sqlite3_column_int64 (stmt, 2);
          summary->scanned_count = sqlite3_column_int64 (stmt, 3);
        }
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        _gate_cache_fail (self, rc, "reading the event", error);
    }
  g_mutex_unlock (&self->mutex);

  return g_steal_pointer (&summary);
}

static gint64
clock_offset_locked (GateTicketCache *self)
{
  sqlite3_stmt *stmt;

  if (self->offset_known)
    return self->clock_offset_ms;

  stmt = _gate_cache_prepare (self, "SELECT value FROM settings WHERE key = 'clock_offset_ms'", NULL);
  if (stmt == NULL)
    return 0;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      self->clock_offset_ms = g_ascii_strtoll ((const char *) sqlite3_column_text (stmt, 0), NULL, 10);
      self->persisted_offset_ms = self->clock_offset_ms;
      self->offset_known = TRUE;
    }
  sqlite3_reset (stmt);
  return self->clock_offset_ms;
}

/**
 * gate_ticket_cache_set_clock_offset:
 * @offset_ms: server − device, as just measured
 *
 * The new value is used at once; it reaches the disk when it differs from
 * the stored one by more than network jitter, so that the many calls (one
 * per server answer) cost no fsync.
 */
gboolean
gate_ticket_cache_set_clock_offset (GateTicketCache  *self,
                                    gint64            offset_ms,
                                    GError          **error)
{
  g_autofree char *value = g_strdup_printf ("%" G_GINT64_FORMAT, offset_ms);
  sqlite3_stmt *stmt;
  gboolean ok = TRUE;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), FALSE);

  g_mutex_lock (&self->mutex);
  clock_offset_locked (self);
  if (!self->offset_known || ABS (offset_ms - self->persisted_offset_ms) >= OFFSET_PERSIST_MS)
    {
      stmt = _gate_cache_prepare (self, "INSERT OR REPLACE INTO settings (key, value) VALUES ('clock_offset_ms', ?)",
                                  error);
      ok = stmt != NULL;
      if (ok)
        {
          _gate_cache_bind_text (stmt, 1, value);
          ok = _gate_cache_step_done (self, stmt, "storing the clock offset", error);
        }
      if (ok)
        self->persisted_offset_ms = offset_ms;
    }
  if (ok)
    {
      self->clock_offset_ms = offset_ms;
      self->offset_known = TRUE;
    }
  g_mutex_unlock (&self->mutex);
  return ok;
}

gint64
gate_ticket_cache_get_clock_offset (GateTicketCache *self)
{
  gint64 offset;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), 0);

  g_mutex_lock (&self->mutex);
  offset = clock_offset_locked (self);
  g_mutex_unlock (&self->mutex);
  return offset;
}

static GateCacheStatus *
status_locked (GateTicketCache  *self,
               const char       *event_id,
               GError          **error)
{
  g_autoptr(GateCacheStatus) status = g_new0 (GateCacheStatus, 1);
  sqlite3_stmt *stmt;
  int rc;

  stmt = _gate_cache_prepare (self,
                              /* The ticket counts are kept by triggers (migrations/sqlite/0003):
                               * one row, whatever the size of the event. The pending scans are
                               * few and counted through scan_queue_state. */
                              "SELECT e.name, e.starts_at, e.last_refresh_at, e.last_full_refresh_at, "
                              "e.last_upload_at, coalesce(c.tickets, 0), coalesce(c.scanned, 0), (SELECT "
                              "count(*) FROM scan_queue q WHERE q.state = 'pending' AND q.event_id = ?1) FROM (SELECT "
                              "?1 AS id) AS wanted LEFT JOIN events e ON e.id = wanted.id "
                              "LEFT JOIN ticket_counts c ON c.event_id = gate_uuid(wanted.id)",
                              error);
  if (stmt == NULL)
    return NULL;

  _gate_cache_bind_text (stmt, 1, event_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      status->event_id = g_strdup (event_id);
      status->event_name = _gate_cache_column_dup (stmt, 0);
      status->event_starts_at_us = sqlite3_column_int64 (stmt, 1);
      status->last_refresh_at_us = sqlite3_column_int64 (stmt, 2);
      status->last_full_refresh_at_us = sqlite3_column_int64 (stmt, 3);
      status->last_upload_at_us = sqlite3_column_int64 (stmt, 4);
      status->tickets_cached = sqlite3_column_int64 (stmt, 5);
      status->checked_in = sqlite3_column_int64 (stmt, 6);
      status->pending_uploads = sqlite3_column_int64 (stmt, 7);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_ROW)
    {
      _gate_cache_fail (self, rc, "reading the cache status", error);
      return NULL;
    }

  status->clock_offset_ms = clock_offset_locked (self);
  return g_steal_pointer (&status);
}

/* Returns: the figures of the status panel for @event_id (zeros and no
 * name for an event the cache does not know). */
GateCacheStatus *
gate_ticket_cache_get_status (GateTicketCache  *self,
                              const char       *event_id,
                              GError          **error)
{
  GateCacheStatus *status;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), NULL);
  g_return_val_if_fail (event_id != NULL, NULL);

  g_mutex_lock (&self->mutex);
  status = status_locked (self, event_id, error);
  g_mutex_unlock (&self->mutex);
  return status;
}

static GArray *
arrivals_locked (GateTicketCache  *self,
                 const char       *event_id,
                 gint64            width_us,
                 gint64            since_us,
                 GError          **error)
{
  g_autoptr(GArray) buckets = g_array_new (FALSE, TRUE, sizeof (GateArrivalBucket));
  sqlite3_stmt *stmt;
  int rc;

  /* Every scan the cache knows of, ours and other gates' (from refreshes),
   * in epoch-aligned buckets so charts of two kiosks line up. */
  stmt = _gate_cache_prepare (self,
                              "SELECT scanned_at / ?2, count(*) FROM tickets "
                              "WHERE event_id = gate_uuid(?1) AND status = 'scanned' AND scanned_at >= ?3 "
                              "GROUP BY 1 ORDER BY 1",
                              error);
  if (stmt == NULL)
    return NULL;

  _gate_cache_bind_text (stmt, 1, event_id);
  sqlite3_bind_int64 (stmt, 2, width_us);
  sqlite3_bind_int64 (stmt, 3, since_us);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 start = sqlite3_column_int64 (stmt, 0) * width_us;
      GateArrivalBucket bucket = { start, (guint) sqlite3_column_int64 (stmt, 1) };

      /* Empty buckets in between are drawn as zeros, not skipped. */
      if (buckets->len > 0)
        {
          gint64 next = g_array_index (buckets, GateArrivalBucket, buckets->len - 1).start_us + width_us;

          for (; next < start; next += width_us)
            {
              GateArrivalBucket empty = { next, 0 };

              g_array_append_val (buckets, empty);
            }
        }
      g_array_append_val (buckets, bucket);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      _gate_cache_fail (self, rc, "counting arrivals", error);
      return NULL;
    }
  return g_steal_pointer (&buckets);
}

/**
 * gate_ticket_cache_arrivals:
 * @bucket_minutes: width of a bucket (≥ 1)
 * @since_us: only scans from then on; 0 for all
 *
 * Returns: (transfer full) (element-type GateArrivalBucket): contiguous
 *   buckets from the first scan to the last, empty ones included
 */
GArray *
gate_ticket_cache_arrivals (GateTicketCache  *self,
                            const char       *event_id,
                            guint             bucket_minutes,
                            gint64            since_us,
                            GError          **error)
{
  GArray *buckets;

  g_return_val_if_fail (GATE_IS_TICKET_CACHE (self), NULL);
  g_return_val_if_fail (event_id != NULL && bucket_minutes > 0, NULL);

  g_mutex_lock (&self->mutex);
  buckets = arrivals_locked (self, event_id, bucket_minutes * G_TIME_SPAN_MINUTE, since_us, error);
  g_mutex_unlock (&self->mutex);
  return buckets;
}
