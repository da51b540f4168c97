/* gate-scan-engine.c — a scanned code in, a verdict out
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Online first: scan_ticket with a short timeout. On a timeout or a network
 * error the same scan — same client_scan_id — is decided offline from the
 * cache, so that if the server did get it, the later upload is a replay and
 * not a conflict with ourselves. Connectivity is remembered, so the next
 * guest does not wait for another timeout.
 *
 * One way in (scan_async, or submit for streams of codes), one way out
 * (finish_scan, then ::decided): what cannot be decided — a refused token,
 * a cache that cannot be written or was never filled, a server error the
 * cache cannot stand in for — is the verdict cannot_decide with its reason,
 * shown like any other, never only logged.
 */
#include "config.h"

#include <string.h>

#include "gate-error.h"
#include "gate-scan-engine.h"

#define BUSY_RETRIES          2
#define BUSY_RETRY_DELAY_MS   150
#define DEFAULT_DEBOUNCE_MS   3000

struct _GateScanEngine
{
  GObject           parent_instance;

  GateTicketCache  *cache;
  GateApiClient    *client;
  GateConnectivity *connectivity;
  char             *event_id;
  char             *device_id;
  guint             debounce_ms;
  /* The gate rules (issue 13): what the next scans are judged by. */
  char             *list_id;      /* (nullable): the device's own list */
  char             *direction;    /* entry | exit */
  char             *operator_id;  /* (nullable): who is signed in */
  GHashTable       *recent;   /* code → gint64 monotonic µs of last submit */
};

G_DEFINE_FINAL_TYPE (GateScanEngine, gate_scan_engine, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_DEBOUNCE_MS,
  PROP_LIST_ID,
  PROP_DIRECTION,
  PROP_OPERATOR_ID,
  N_PROPS
};

enum
{
  DECIDED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

gboolean
gate_scan_code_is_valid (const char *code)
{
  gsize length;

  if (code == NULL)
    return FALSE;

  length = strlen (code);
  if (length == 0 || length > GATE_MAX_CODE_LENGTH)
    return FALSE;

  for (gsize i = 0; i < length; i++)
    if (code[i] < 0x20 || code[i] > 0x7e)
      return FALSE;

  return TRUE;
}

/* --- one scan ----------------------------------------------------------------- */

typedef struct
{
  char             *code;
  char             *method;
  char             *client_scan_id;
  gint64            started_us;
  gint64            device_time_us;
  guint             busy_retries;
  char             *direction;
  char             *list_id;
  char             *operator_id;
  GateScanDecision *online;        /* the server's decision, noted in the cache before it is returned */
  char             *server_error;  /* (nullable): why the server's answer could not be used */
} Scan;

static void
scan_free (Scan *scan)
{
  g_free (scan->code);
  g_free (scan->method);
  g_free (scan->client_scan_id);
  g_free (scan->direction);
  g_free (scan->list_id);
  g_free (scan->operator_id);
  g_clear_pointer (&scan->online, gate_scan_decision_free);
  g_free (scan->server_error);
  g_free (scan);
}

static GateScanDecision *
decision_new (Scan         *scan,
              GateVerdict   verdict,
              GateScanMode  mode)
{
  GateScanDecision *decision = gate_scan_decision_new (verdict, mode);

  decision->code = g_strdup (scan->code);
  decision->client_scan_id = g_strdup (scan->client_scan_id);
  return decision;
}

/* A failure's way out: a decision like any other, on screen like any other. */
static GateScanDecision *
cannot_decide_new (Scan                   *scan,
                   GateScanMode            mode,
                   GateCannotDecideReason  reason,
                   const char             *detail)
{
  GateScanDecision *decision = decision_new (scan, GATE_VERDICT_CANNOT_DECIDE, mode);

  decision->reason = reason;
  decision->detail = g_strdup (detail);
  g_debug ("cannot decide (%s): %s", gate_cannot_decide_reason_to_string (reason), detail);
  return decision;
}

/* The one way out of a scan: every decision, whoever made it, leaves here. */
static void
finish_scan (GTask            *task,
             GateScanDecision *decision)
{
  GateScanEngine *self = g_task_get_source_object (task);
  Scan *scan = g_task_get_task_data (task);

  /* "Scanned at 16:38 at North Gate": the name, from memory, not the id. */
  if (decision->scanned_device_name == NULL)
    decision->scanned_device_name = gate_ticket_cache_dup_device_name (self->cache, decision->scanned_device);
  decision->latency_us = g_get_monotonic_time () - scan->started_us;
  g_task_return_pointer (task, decision, (GDestroyNotify) gate_scan_decision_free);
}

static void
decide_offline_in_thread (GTask        *task,
                          gpointer      source_object,
                          gpointer      task_data,
                          GCancellable *cancellable)
{
  GateScanEngine *self = source_object;
  Scan *scan = task_data;
  g_autoptr(GateQueuedScan) queued = gate_queued_scan_new ();
  g_autoptr(GError) error = NULL;
  GateScanDecision *decision;

  queued->client_scan_id = g_strdup (scan->client_scan_id);
  queued->event_id = g_strdup (self->event_id);
  queued->qr_token = g_strdup (scan->code);
  queued->device_id = g_strdup (self->device_id);
  queued->scanned_at_us = scan->device_time_us;
  queued->clock_offset_ms = gate_ticket_cache_get_clock_offset (self->cache);
  queued->scan_method = g_strdup (scan->method);
  queued->scanned_by = g_strdup (scan->operator_id);
  /* The cache judges by the same rules as scan_ticket: the list and who is
   * inside (docs/gate-rules.md "Offline"). */
  queued->direction = g_strdup (scan->direction);
  queued->list_id = g_strdup (scan->list_id);

  decision = gate_ticket_cache_admit_offline (self->cache, queued, &error);
  if (decision == NULL)
    {
      /* No durable record, no admit: the disk is full or the cache broken. */
      finish_scan (task, cannot_decide_new (scan, GATE_SCAN_MODE_OFFLINE, GATE_CANNOT_DECIDE_STORAGE, error->message));
      return;
    }

  /* The server answered, but with an error, and the cache has nothing to
   * stand in with: say the server failed, not that the cache is empty. */
  if (decision->reason == GATE_CANNOT_DECIDE_CACHE_EMPTY && scan->server_error != NULL)
    {
      gate_scan_decision_free (decision);
      decision = cannot_decide_new (scan, GATE_SCAN_MODE_ONLINE, GATE_CANNOT_DECIDE_SERVER_ERROR, scan->server_error);
    }

  finish_scan (task, decision);
}

static void
record_online_in_thread (GTask        *task,
                         gpointer      source_object,
                         gpointer      task_data,
                         GCancellable *cancellable)
{
  GateScanEngine *self = source_object;
  Scan *scan = task_data;
  g_autoptr(GError) error = NULL;

  /* Best effort: the server has the truth; the cache only learns it early.
   * Both writes are disk I/O, hence here and not on the main context. */
  gate_ticket_cache_set_clock_offset (self->cache, gate_api_client_get_clock_offset_ms (self->client), NULL);
  if (!gate_ticket_cache_record_online (self->cache, scan->online, &error))
    g_debug ("could not note an online verdict in the cache: %s", error->message);

  finish_scan (task, g_steal_pointer (&scan->online));
}

static void send_online (GTask *task);

static gboolean
retry_busy (gpointer user_data)
{
  send_online (user_data);
  return G_SOURCE_REMOVE;
}

static void
on_online_answer (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GateScanEngine *self = g_task_get_source_object (task);
  Scan *scan = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GateScanDecision) decision = gate_api_client_scan_ticket_finish (GATE_API_CLIENT (source), result,
                                                                             &error);

  if (decision == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }

      /* A refused token is never hidden behind an offline admit; a revoked
       * one (401) signs the device out, which every part of it hears. */
      if (g_error_matches (error, GATE_ERROR, GATE_ERROR_UNAUTHORIZED))
        gate_connectivity_report_signed_out (self->connectivity);
      if (g_error_matches (error, GATE_ERROR, GATE_ERROR_UNAUTHORIZED) ||
          g_error_matches (error, GATE_ERROR, GATE_ERROR_FORBIDDEN))
        {
          finish_scan (task, cannot_decide_new (scan, GATE_SCAN_MODE_ONLINE, GATE_CANNOT_DECIDE_UNAUTHORIZED,
                                                error->message));
          return;
        }

      if (gate_error_is_connectivity (error))
        gate_connectivity_report_failure (self->connectivity);
      else
        scan->server_error = g_strdup (error->message);
      g_debug ("deciding offline: %s", error->message);
      g_task_run_in_thread (task, decide_offline_in_thread);
      return;
    }

  gate_connectivity_report_latency (self->connectivity, g_get_monotonic_time () - scan->started_us);

  if (decision->verdict == GATE_VERDICT_BUSY && scan->busy_retries < BUSY_RETRIES)
    {
      scan->busy_retries++;
      g_timeout_add (BUSY_RETRY_DELAY_MS, retry_busy, g_steal_pointer (&task));
      return;
    }

  scan->online = g_steal_pointer (&decision);
  g_task_run_in_thread (task, record_online_in_thread);
}

static void
send_online (GTask *task)
{
  GateScanEngine *self = g_task_get_source_object (task);
  Scan *scan = g_task_get_task_data (task);

  /* Entries at no list and by nobody are sent as before the gate rules. */
  gate_api_client_scan_ticket_by_rules_async (self->client, scan->code, self->event_id, scan->client_scan_id,
                                              scan->method,
                                              g_strcmp0 (scan->direction, "exit") == 0 ? "exit" : NULL,
                                              scan->list_id, scan->operator_id, GATE_API_SCAN_TIMEOUT_MS,
                                              g_task_get_cancellable (task), on_online_answer, task);
}

static void
check_local_in_thread (GTask        *check,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  GateScanEngine *self = source_object;
  Scan *scan = task_data;
  g_autoptr(GateTicket) ticket = NULL;
  gboolean pending_local = FALSE;

  ticket = gate_ticket_cache_lookup (self->cache, scan->code, &pending_local, NULL);
  g_task_return_boolean (check, pending_local);
}

static void
on_local_checked (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;

  /* This gate admitted the ticket offline and the server has not heard of
   * it yet: asking the server would admit the same guest twice. */
  if (g_task_propagate_boolean (G_TASK (result), NULL))
    {
      g_task_run_in_thread (task, decide_offline_in_thread);
      g_object_unref (task);
      return;
    }

  send_online (task);
}

void
gate_scan_engine_scan_async (GateScanEngine      *self,
                             const char          *code,
                             const char          *scan_method,
                             gboolean             force_offline,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Scan *scan;

  g_return_if_fail (GATE_IS_SCAN_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_scan_engine_scan_async);

  scan = g_new0 (Scan, 1);
  scan->code = g_strdup (code ? code : "");
  scan->method = g_strdup (scan_method ? scan_method : "qr");
  scan->client_scan_id = g_uuid_string_random ();
  scan->direction = g_strdup (self->direction);
  scan->list_id = g_strdup (self->list_id);
  scan->operator_id = g_strdup (self->operator_id);
  scan->started_us = g_get_monotonic_time ();
  scan->device_time_us = g_get_real_time ();
  g_task_set_task_data (task, scan, (GDestroyNotify) scan_free);

  if (!gate_scan_code_is_valid (code))
    {
      GateScanMode mode = self->client && gate_connectivity_get_online (self->connectivity)
                            ? GATE_SCAN_MODE_ONLINE : GATE_SCAN_MODE_OFFLINE;

      finish_scan (task, decision_new (scan, GATE_VERDICT_INVALID_CODE, mode));
      return;
    }

  /* A signed-out gate asks nobody: the server refused it, and its cache
   * must not admit on its behalf. */
  if (gate_connectivity_get_signed_out (self->connectivity))
    finish_scan (task, cannot_decide_new (scan, GATE_SCAN_MODE_ONLINE, GATE_CANNOT_DECIDE_UNAUTHORIZED,
                                          "this device was signed out by the server"));
  else if (self->client == NULL || force_offline || !gate_connectivity_get_online (self->connectivity))
    g_task_run_in_thread (task, decide_offline_in_thread);
  else
    {
      g_autoptr(GTask) check = g_task_new (self, NULL, on_local_checked, g_steal_pointer (&task));

      g_task_set_task_data (check, scan, NULL);
      g_task_run_in_thread (check, check_local_in_thread);
    }
}

/**
 * gate_scan_engine_scan_finish:
 *
 * Returns: (transfer full): the decision — a failure is the verdict
 *   cannot_decide with its reason — or %NULL only when the scan was
 *   cancelled (G_IO_ERROR_CANCELLED)
 */
GateScanDecision *
gate_scan_engine_scan_finish (GateScanEngine  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_submitted (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GateScanEngine *self = GATE_SCAN_ENGINE (source);
  g_autoptr(GateScanDecision) decision = gate_scan_engine_scan_finish (self, result, NULL);

  /* Every submitted code ends on screen; only a cancelled one does not. */
  if (decision != NULL)
    g_signal_emit (self, signals[DECIDED], 0, decision);
}

static gboolean
is_stale (gpointer key,
          gpointer value,
          gpointer user_data)
{
  const gint64 *horizon = user_data;

  return *(gint64 *) value < *horizon;
}

gboolean
gate_scan_engine_submit (GateScanEngine *self,
                         const char     *code,
                         const char     *scan_method)
{
  gint64 now = g_get_monotonic_time ();
  gpointer last;

  g_return_val_if_fail (GATE_IS_SCAN_ENGINE (self), FALSE);

  if (code != NULL && g_hash_table_lookup_extended (self->recent, code, NULL, &last) &&
      now - *(gint64 *) last < (gint64) self->debounce_ms * 1000)
    return FALSE;

  /* A night of distinct codes must not grow the table without bound. */
  if (g_hash_table_size (self->recent) > 1024)
    {
      gint64 horizon = now - (gint64) self->debounce_ms * 1000;

      g_hash_table_foreach_remove (self->recent, is_stale, &horizon);
    }

  if (code != NULL)
    {
      gint64 *stamp = g_new (gint64, 1);

      *stamp = now;
      g_hash_table_replace (self->recent, g_strdup (code), stamp);
    }

  gate_scan_engine_scan_async (self, code, scan_method, FALSE, NULL, on_submitted, NULL);
  return TRUE;
}

/* --- object --------------------------------------------------------------------- */

GateScanEngine *
gate_scan_engine_new (GateTicketCache  *cache,
                      GateApiClient    *client,
                      GateConnectivity *connectivity,
                      const char       *event_id,
                      const char       *device_id)
{
  GateScanEngine *self = g_object_new (GATE_TYPE_SCAN_ENGINE, NULL);

  self->cache = g_object_ref (cache);
  self->client = client ? g_object_ref (client) : NULL;
  self->connectivity = connectivity ? g_object_ref (connectivity) : gate_connectivity_new ();
  self->event_id = g_strdup (event_id);
  self->device_id = g_strdup (device_id);
  return self;
}

static void
gate_scan_engine_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  GateScanEngine *self = GATE_SCAN_ENGINE (object);

  switch (prop_id)
    {
    case PROP_DEBOUNCE_MS:
      g_value_set_uint (value, self->debounce_ms);
      break;

    case PROP_LIST_ID:
      g_value_set_string (value, self->list_id);
      break;

    case PROP_DIRECTION:
      g_value_set_string (value, self->direction);
      break;

    case PROP_OPERATOR_ID:
      g_value_set_string (value, self->operator_id);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Whether *@field changed to a copy of @value (GLib 2.74 has no g_set_str()). */
static gboolean
replace_string (char       **field,
                const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static void
gate_scan_engine_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  GateScanEngine *self = GATE_SCAN_ENGINE (object);

  switch (prop_id)
    {
    case PROP_DEBOUNCE_MS:
      if (self->debounce_ms != g_value_get_uint (value))
        {
          self->debounce_ms = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    case PROP_LIST_ID:
      if (replace_string (&self->list_id, g_value_get_string (value)))
        g_object_notify_by_pspec (object, pspec);
      break;

    case PROP_DIRECTION:
      {
        const char *direction = g_strcmp0 (g_value_get_string (value), "exit") == 0 ? "exit" : "entry";

        if (replace_string (&self->direction, direction))
          g_object_notify_by_pspec (object, pspec);
      }
      break;

    case PROP_OPERATOR_ID:
      if (replace_string (&self->operator_id, g_value_get_string (value)))
        g_object_notify_by_pspec (object, pspec);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_scan_engine_dispose (GObject *object)
{
  GateScanEngine *self = GATE_SCAN_ENGINE (object);

  g_clear_object (&self->cache);
  g_clear_object (&self->client);
  g_clear_object (&self->connectivity);

  G_OBJECT_CLASS (gate_scan_engine_parent_class)->dispose (object);
}

static void
gate_scan_engine_finalize (GObject *object)
{
  GateScanEngine *self = GATE_SCAN_ENGINE (object);

  g_hash_table_unref (self->recent);
  g_free (self->event_id);
  g_free (self->device_id);
  g_free (self->list_id);
  g_free (self->direction);
  g_free (self->operator_id);

  G_OBJECT_CLASS (gate_scan_engine_parent_class)->finalize (object);
}

static void
gate_scan_engine_class_init (GateScanEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = gate_scan_engine_get_property;
  object_class->set_property = gate_scan_engine_set_property;
  object_class->dispose = gate_scan_engine_dispose;
  object_class->finalize = gate_scan_engine_finalize;

  properties[PROP_DEBOUNCE_MS] =
    g_param_spec_uint ("debounce-ms", NULL, NULL, 0, 60000, DEFAULT_DEBOUNCE_MS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* The check-in list the scans are judged by; NULL: the device's own. */
  properties[PROP_LIST_ID] =
    g_param_spec_string ("list-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* "entry" or "exit": a both-way gate's switch. */
  properties[PROP_DIRECTION] =
    g_param_spec_string ("direction", NULL, NULL, "entry",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* The signed-in operator's id, recorded with every scan as scanned_by. */
  properties[PROP_OPERATOR_ID] =
    g_param_spec_string ("operator-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GateScanEngine::decided:
   * @decision: (type GateScanDecision): the decision; cannot_decide carries
   *   its reason
   *
   * Every code gate_scan_engine_submit() took ends here, failures included,
   * on the main context of the thread that submitted it.
   */
  signals[DECIDED] = g_signal_new ("decided", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 1, GATE_TYPE_SCAN_DECISION | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
gate_scan_engine_init (GateScanEngine *self)
{
  self->debounce_ms = DEFAULT_DEBOUNCE_MS;
  self->direction = g_strdup ("entry");
  self->recent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}
