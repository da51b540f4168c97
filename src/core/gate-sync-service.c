/* gate-sync-service.c — uploads, delta refresh, heartbeat, retention
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Network calls run on the owner's main context (libsoup); every cache step
 * runs in a GTask worker thread. A scan leaves the queue only with the
 * server's answer for it; a failed batch stays queued, its attempts counted,
 * and the next run retries it — forever, with backoff.
 *
 * Forever, unless the server refuses the token (401, from any call): then
 * the device is signed out (GateConnectivity:signed-out), its attendee data
 * is wiped but its queued scans are kept, and no run, retry or probe asks
 * the server again until the kiosk is configured anew (a new session).
 */
#include "config.h"

#include "gate-api-rows.h"
#include "gate-error.h"
#include "gate-sync-service-private.h"

#define BACKOFF_MIN_MS  1000
#define BACKOFF_MAX_MS  (5 * 60 * 1000)
#define PROBE_MS        5000


G_DEFINE_FINAL_TYPE (GateSyncService, gate_sync_service, G_TYPE_OBJECT)

enum
{
  SYNCED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];


static void
run_free (Run *run)
{
  g_clear_pointer (&run->batch, g_ptr_array_unref);
  g_clear_pointer (&run->results, g_ptr_array_unref);
  g_clear_pointer (&run->page, gate_ticket_page_body_free);
  g_clear_pointer (&run->fetched, gate_ticket_page_body_free);
  g_clear_error (&run->fetch_error);
  g_clear_error (&run->store_error);
  g_clear_pointer (&run->summary, gate_event_summary_free);
  g_clear_pointer (&run->conflicts, g_ptr_array_unref);
  g_clear_pointer (&run->device_names, g_ptr_array_unref);
  g_clear_pointer (&run->keys, g_ptr_array_unref);
  g_free (run->cursor);
  g_free (run->failure);
  g_free (run);
}


static void upload_next_batch (GTask *task);
static void fetch_summary     (GTask *task);

/* --- running a cache step in a thread, then going on on the main context -- */

typedef struct
{
  CacheStep step;
  NextStep  next;
  GTask    *run_task;
} Hop;

static void
hop_in_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Hop *_gate_sync_hop = task_data;
  GError *error = NULL;

  if (_gate_sync_hop->step (source_object, g_task_get_task_data (_gate_sync_hop->run_task), &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_hop_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Hop *_gate_sync_hop = g_task_get_task_data (G_TASK (result));
  GTask *run_task = _gate_sync_hop->run_task;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    _gate_sync_finish_run (run_task, error);
  else
    _gate_sync_hop->next (run_task);
}

void
_gate_sync_hop (GTask     *run_task,
                CacheStep  step,
                NextStep   next)
{
  g_autoptr(GTask) task = g_task_new (g_task_get_source_object (run_task), NULL, on_hop_done, NULL);
  Hop *data = g_new0 (Hop, 1);

  data->step = step;
  data->next = next;
  data->run_task = run_task;
  g_task_set_task_data (task, data, g_free);
  g_task_run_in_thread (task, hop_in_thread);
}

/* A revoked token means this kiosk may have been stolen: the attendee data
 * it holds goes at once, before anything else happens. Its queued scans
 * stay: guests went in on them, and the server must still hear of them. */
static gboolean
wipe_after_revocation (GateSyncService  *self,
                       Run              *run,
                       GError          **error)
{
  g_message ("the server no longer accepts this device's token: wiping the attendee data, keeping the queued scans");
  return gate_ticket_cache_wipe (self->cache, error);
}

static GError *
signed_out_error (void)
{
  return g_error_new_literal (GATE_ERROR, GATE_ERROR_UNAUTHORIZED,
                              "this device was signed out: the server refused its token; its attendee data was "
                              "removed and its queued scans are kept until it is configured again");
}

static void
fail_revoked (GTask *task)
{
  _gate_sync_finish_run (task, signed_out_error ());
}

gboolean
_gate_sync_network_failed (GateSyncService *self,
                           GTask           *run_task,
                           GError          *error)
{
  if (g_error_matches (error, GATE_ERROR, GATE_ERROR_UNAUTHORIZED))
    {
      g_error_free (error);
      gate_connectivity_report_signed_out (self->connectivity);
      _gate_sync_hop (run_task, wipe_after_revocation, fail_revoked);
      return FALSE;
    }

  if (gate_error_is_connectivity (error))
    gate_connectivity_report_failure (self->connectivity);
  _gate_sync_finish_run (run_task, error);
  return FALSE;
}

/* --- upload ---------------------------------------------------------------- */

static gboolean
read_batch (GateSyncService  *self,
            Run              *run,
            GError          **error)
{
  g_clear_pointer (&run->batch, g_ptr_array_unref);
  run->batch = gate_ticket_cache_pending_scans (self->cache, GATE_SYNC_UPLOAD_BATCH, error);
  if (run->batch != NULL)
    g_atomic_int_set (&self->last_pending,
                      (gint) MIN (gate_ticket_cache_pending_count (self->cache), G_MAXINT));
  return run->batch != NULL;
}

static gboolean
store_results (GateSyncService  *self,
               Run              *run,
               GError          **error)
{
  run->uploaded += run->results->len;
  return gate_ticket_cache_apply_upload_results (self->cache, run->results, error);
}

static gboolean
store_failure (GateSyncService  *self,
               Run              *run,
               GError          **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();

  for (guint i = 0; i < run->batch->len; i++)
    g_ptr_array_add (ids, ((GateQueuedScan *) run->batch->pdata[i])->client_scan_id);
  return gate_ticket_cache_record_upload_failure (self->cache, ids, run->failure, error);
}

static void
fail_after_recording (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  _gate_sync_finish_run (task, g_error_new (GATE_ERROR, GATE_ERROR_NETWORK, "upload failed: %s", run->failure));
}

static void
on_uploaded (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  GateSyncService *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;

  run->results = gate_api_client_sync_offline_scans_finish (GATE_API_CLIENT (source), result, &error);
  if (run->results == NULL && g_error_matches (error, GATE_ERROR, GATE_ERROR_UNAUTHORIZED))
    {
      _gate_sync_network_failed (self, task, error);
      return;
    }
  if (run->results == NULL)
    {
      if (gate_error_is_connectivity (error))
        gate_connectivity_report_failure (self->connectivity);
      /* Counted against the scans, which stay queued for the next run. */
      run->failure = g_strdup (error->message);
      g_error_free (error);
      _gate_sync_hop (task, store_failure, fail_after_recording);
      return;
    }

  gate_connectivity_report_success (self->connectivity);
  _gate_sync_hop (task, store_results, upload_next_batch);
}

static void
send_batch (GTask *task)
{
  GateSyncService *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);

  if (run->batch->len == 0)
    {
      _gate_sync_refresh_next_page (task);
      return;
    }

  gate_api_client_sync_offline_scans_async (self->client, run->batch, g_task_get_cancellable (task), on_uploaded,
                                            task);
}

static void
upload_next_batch (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  g_clear_pointer (&run->results, g_ptr_array_unref);
  _gate_sync_hop (task, read_batch, send_batch);
}

/* --- event keys (signed tickets) --------------------------------------------- */

static gboolean
store_keys (GateSyncService  *self,
            Run              *run,
            GError          **error)
{
  return gate_ticket_cache_set_event_keys (self->cache, self->event_id, run->keys, error);
}

static void
on_keys (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  GateSyncService *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;

  run->keys = gate_api_client_event_keys_finish (GATE_API_CLIENT (source), result, &error);
  if (run->keys == NULL)
    {
      /* A server from before signed tickets: its codes are all unsigned,
       * and the keys this cache has (none) stay. */
      if (g_error_matches (error, GATE_ERROR, GATE_ERROR_NOT_FOUND))
        {
          g_clear_error (&error);
          fetch_summary (task);
          return;
        }
      _gate_sync_network_failed (self, task, error);
      return;
    }

  _gate_sync_hop (task, store_keys, fetch_summary);
}

void
_gate_sync_fetch_keys (GTask *task)
{
  GateSyncService *self = g_task_get_source_object (task);

  gate_api_client_event_keys_async (self->client, self->event_id, g_task_get_cancellable (task), on_keys, task);
}

/* --- summary, conflicts, heartbeat, retention ------------------------------- */

static gboolean
purge (GateSyncService  *self,
       Run              *run,
       GError          **error)
{
  return gate_ticket_cache_purge (self->cache, g_get_real_time (), error);
}

static void
done (GTask *task)
{
  _gate_sync_finish_run (task, NULL);
}

static void
on_heartbeat (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  GateSyncService *self = g_task_get_source_object (task);
  GError *error = NULL;

  /* A missed heartbeat is not a failed sync; a refused token is. */
  if (!gate_api_client_heartbeat_finish (GATE_API_CLIENT (source), result, &error))
    {
      if (g_error_matches (error, GATE_ERROR, GATE_ERROR_UNAUTHORIZED))
        {
          _gate_sync_network_failed (self, task, error);
          return;
        }
      g_debug ("heartbeat failed: %s", error->message);
      g_clear_error (&error);
    }
  _gate_sync_hop (task, purge, done);
}

static void
send_heartbeat (GTask *task)
{
  GateSyncService *self = g_task_get_source_object (task);

  gate_api_client_heartbeat_async (self->client, PACKAGE_VERSION, g_atomic_int_get (&self->last_pending),
                                   g_get_real_time (), g_task_get_cancellable (task), on_heartbeat, task);
}

static gboolean
store_device_names (GateSyncService  *self,
                    Run              *run,
                    GError          **error)
{
  return gate_ticket_cache_store_device_names (self->cache, run->device_names, error);
}

static void
on_device_names (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  GateSyncService *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;

  /* Names only word verdicts: a server without device_names (older than
   * 0014) or a failed call leaves the ids, and the sync goes on. A refused
   * token is the sync's failure, as everywhere. */
  run->device_names = gate_api_client_device_names_finish (GATE_API_CLIENT (source), result, &error);
  if (run->device_names == NULL)
    {
      if (g_error_matches (error, GATE_ERROR, GATE_ERROR_UNAUTHORIZED))
        {
          _gate_sync_network_failed (self, task, error);
          return;
        }
      g_debug ("device names not downloaded: %s", error->message);
      g_clear_error (&error);
      send_heartbeat (task);
      return;
    }

  _gate_sync_hop (task, store_device_names, send_heartbeat);
}

static void
fetch_device_names (GTask *task)
{
  GateSyncService *self = g_task_get_source_object (task);

  gate_api_client_device_names_async (self->client, g_task_get_cancellable (task), on_device_names, task);
}

static gboolean
store_conflicts (GateSyncService  *self,
                 Run              *run,
                 GError          **error)
{
  if (!gate_ticket_cache_store_conflicts (self->cache, run->conflicts, error))
    return FALSE;

  /* Counted here, in the worker, so the heartbeat needs no query on the
   * main context. */
  g_atomic_int_set (&self->last_pending, (gint) MIN (gate_ticket_cache_pending_count (self->cache), G_MAXINT));
  return TRUE;
}

static void
on_conflicts (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  GateSyncService *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;

  run->conflicts = gate_api_client_conflicts_finish (GATE_API_CLIENT (source), result, &error);
  if (run->conflicts == NULL)
    {
      _gate_sync_network_failed (self, task, error);
      return;
    }

  _gate_sync_hop (task, store_conflicts, fetch_device_names);
}

static gboolean
store_summary (GateSyncService  *self,
               Run              *run,
               GError          **error)
{
  return gate_ticket_cache_set_event (self->cache, run->summary, error) &&
         gate_ticket_cache_set_clock_offset (self->cache, gate_api_client_get_clock_offset_ms (self->client), error);
}

static void
fetch_conflicts (GTask *task)
{
  GateSyncService *self = g_task_get_source_object (task);

  gate_api_client_conflicts_async (self->client, self->event_id, FALSE, g_task_get_cancellable (task),
                                   on_conflicts, task);
}

static void
on_summary (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  GateSyncService *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;

  run->summary = gate_api_client_event_summary_finish (GATE_API_CLIENT (source), result, &error);
  if (run->summary == NULL)
    {
      _gate_sync_network_failed (self, task, error);
      return;
    }

  _gate_sync_hop (task, store_summary, fetch_conflicts);
}

static void
fetch_summary (GTask *task)
{
  GateSyncService *self = g_task_get_source_object (task);

  gate_api_client_event_summary_async (self->client, self->event_id, g_task_get_cancellable (task), on_summary,
                                       task);
}

/* --- runs ------------------------------------------------------------------- */

void
_gate_sync_finish_run (GTask  *task,
                       GError *error)
{
  GateSyncService *self = g_task_get_source_object (task);
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->waiters);

  g_assert (self->running == task);
  self->running = NULL;
  self->waiters = g_ptr_array_new ();

  for (guint i = 0; i < waiters->len; i++)
    {
      GTask *waiter = g_ptr_array_index (waiters, i);

      if (error != NULL)
        g_task_return_error (waiter, g_error_copy (error));
      else
        g_task_return_boolean (waiter, TRUE);
      g_object_unref (waiter);
    }

  if (error == NULL)
    g_signal_emit (self, signals[SYNCED], 0);

  g_clear_error (&error);
  g_object_unref (task);
}

static void
start_run (GateSyncService     *self,
           gboolean             upload,
           gboolean             full,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  GTask *waiter;
  Run *run;

  g_return_if_fail (GATE_IS_SYNC_SERVICE (self));

  waiter = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (waiter, gate_sync_service_sync_async);
  g_ptr_array_add (self->waiters, waiter);

  /* Two syncs never run at once: join the one in progress. */
  if (self->running != NULL)
    return;

  /* Signed out: nothing to ask the server until the kiosk is configured
   * again. */
  if (gate_connectivity_get_signed_out (self->connectivity))
    {
      g_ptr_array_remove (self->waiters, waiter);
      g_task_return_error (waiter, signed_out_error ());
      g_object_unref (waiter);
      return;
    }

  self->running = g_task_new (self, self->cancellable, NULL, NULL);
  run = g_new0 (Run, 1);
  run->full = full;
  g_task_set_task_data (self->running, run, (GDestroyNotify) run_free);
  if (upload)
    upload_next_batch (self->running);
  else
    _gate_sync_refresh_next_page (self->running);
}

void
gate_sync_service_sync_async (GateSyncService     *self,
                              gboolean             full,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  start_run (self, TRUE, full, cancellable, callback, user_data);
}

void
gate_sync_service_refresh_async (GateSyncService     *self,
                                 gboolean             full,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  start_run (self, FALSE, full, cancellable, callback, user_data);
}

gboolean
gate_sync_service_sync_finish (GateSyncService  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- probe ------------------------------------------------------------------ */

static void
wipe_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GateSyncService *self = source_object;
  g_autoptr(GError) error = NULL;

  if (!wipe_after_revocation (self, NULL, &error))
    g_message ("could not wipe the attendee data of a signed-out device: %s", error->message);
  g_task_return_boolean (task, TRUE);
}

static void
wipe_in_background (GateSyncService *self)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, NULL, NULL);

  g_task_run_in_thread (task, wipe_in_thread);
}

static void
on_probe_answer (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GateSyncService) self = user_data;
  g_autoptr(GError) error = NULL;

  /* Back online: the scan engine tries the server again, and the queue goes. */
  if (gate_api_client_probe_finish (GATE_API_CLIENT (source), result, &error))
    {
      gate_connectivity_report_success (self->connectivity);
      if (self->interval_seconds > 0)
        gate_sync_service_sync_async (self, FALSE, self->cancellable, NULL, NULL);
      return;
    }

  /* Refused while offline: signed out (and so wiped) like after any 401. */
  if (g_error_matches (error, GATE_ERROR, GATE_ERROR_UNAUTHORIZED))
    gate_connectivity_report_signed_out (self->connectivity);
}

static gboolean
on_probe (gpointer user_data)
{
  GateSyncService *self = user_data;

  if (gate_connectivity_get_online (self->connectivity) || gate_connectivity_get_signed_out (self->connectivity))
    {
      self->probe_id = 0;
      return G_SOURCE_REMOVE;
    }

  /* Read-only: a heartbeat here would overwrite the server's record of
   * this device's last refresh. */
  gate_api_client_probe_async (self->client, self->event_id, PROBE_MS, self->cancellable, on_probe_answer,
                               g_object_ref (self));
  return G_SOURCE_CONTINUE;
}

/* Whoever heard the 401 first — a scan, the probe — the attendee data goes;
 * a run that heard it wipes in its own course. */
static void
on_signed_out (GateConnectivity *connectivity,
               GParamSpec       *pspec,
               GateSyncService  *self)
{
  if (gate_connectivity_get_signed_out (connectivity) && self->running == NULL)
    wipe_in_background (self);
}

static void
on_online_changed (GateConnectivity *connectivity,
                   GParamSpec       *pspec,
                   GateSyncService  *self)
{
  if (!gate_connectivity_get_online (connectivity) && !gate_connectivity_get_signed_out (connectivity) &&
      self->probe_id == 0 && self->interval_seconds > 0)
    self->probe_id = g_timeout_add (PROBE_MS, on_probe, self);
}

/* --- schedule --------------------------------------------------------------- */

static void schedule (GateSyncService *self, guint delay_ms);

static void
on_scheduled_sync (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GateSyncService *self = GATE_SYNC_SERVICE (source);
  g_autoptr(GError) error = NULL;

  if (gate_sync_service_sync_finish (self, result, &error))
    {
      self->backoff_ms = 0;
      schedule (self, self->interval_seconds * 1000);
      return;
    }

  /* Signed out: retrying would only hammer the server with a refused token. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      gate_connectivity_get_signed_out (self->connectivity))
    return;

  /* Exponential backoff with jitter, so a venue's kiosks do not all hit
   * the server in the same second when it comes back. */
  self->backoff_ms = self->backoff_ms == 0 ? BACKOFF_MIN_MS : MIN (self->backoff_ms * 2, BACKOFF_MAX_MS);
  g_debug ("sync failed (%s); retrying in about %u ms", error->message, self->backoff_ms);
  schedule (self, self->backoff_ms / 2 + g_random_int_range (0, self->backoff_ms / 2 + 1));
}

static gboolean
on_timer (gpointer user_data)
{
  GateSyncService *self = user_data;

  self->timer_id = 0;
  gate_sync_service_sync_async (self, FALSE, self->cancellable, on_scheduled_sync, NULL);
  return G_SOURCE_REMOVE;
}

static void
schedule (GateSyncService *self,
          guint            delay_ms)
{
  g_clear_handle_id (&self->timer_id, g_source_remove);
  self->timer_id = g_timeout_add (delay_ms, on_timer, self);
}

void
gate_sync_service_start (GateSyncService *self,
                         guint            interval_seconds)
{
  g_return_if_fail (GATE_IS_SYNC_SERVICE (self));

  self->interval_seconds = MAX (interval_seconds, 1);
  schedule (self, 0);
}

void
gate_sync_service_stop (GateSyncService *self)
{
  self->interval_seconds = 0;
  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->probe_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
}

/* --- object ------------------------------------------------------------------- */

GateSyncService *
gate_sync_service_new (GateTicketCache  *cache,
                       GateApiClient    *client,
                       GateConnectivity *connectivity,
                       const char       *event_id)
{
  GateSyncService *self = g_object_new (GATE_TYPE_SYNC_SERVICE, NULL);

  self->cache = g_object_ref (cache);
  self->client = g_object_ref (client);
  self->connectivity = connectivity ? g_object_ref (connectivity) : gate_connectivity_new ();
  self->event_id = g_strdup (event_id);
  self->online_id = g_signal_connect (self->connectivity, "notify::online", G_CALLBACK (on_online_changed), self);
  self->signed_out_id = g_signal_connect (self->connectivity, "notify::signed-out", G_CALLBACK (on_signed_out),
                                          self);
  return self;
}

static void
gate_sync_service_dispose (GObject *object)
{
  GateSyncService *self = GATE_SYNC_SERVICE (object);

  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->probe_id, g_source_remove);
  if (self->connectivity != NULL)
    {
      g_clear_signal_handler (&self->online_id, self->connectivity);
      g_clear_signal_handler (&self->signed_out_id, self->connectivity);
    }
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->cache);
  g_clear_object (&self->client);
  g_clear_object (&self->connectivity);

  G_OBJECT_CLASS (gate_sync_service_parent_class)->dispose (object);
}

static void
gate_sync_service_finalize (GObject *object)
{
  GateSyncService *self = GATE_SYNC_SERVICE (object);

  g_clear_pointer (&self->waiters, g_ptr_array_unref);
  g_free (self->event_id);

  G_OBJECT_CLASS (gate_sync_service_parent_class)->finalize (object);
}

static void
gate_sync_service_class_init (GateSyncServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gate_sync_service_dispose;
  object_class->finalize = gate_sync_service_finalize;

  /**
   * GateSyncService::synced:
   *
   * A run completed: queue uploaded, cache current.
   */
  signals[SYNCED] = g_signal_new ("synced", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                  G_TYPE_NONE, 0);
}

static void
gate_sync_service_init (GateSyncService *self)
{
  self->waiters = g_ptr_array_new ();
  self->cancellable = g_cancellable_new ();
}
