/* gate-gate-stats.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The live loop asks again only once an answer is in, so a slow server
 * gets one request at a time whatever the interval; an answer for an event
 * that is no longer the one asked about is dropped.
 */
#include "config.h"

#include "gate-error.h"
#include "gate-gate-stats.h"

struct _GateGateStats
{
  GObject         parent_instance;

  GateApiClient  *client;
  char           *event_id;
  gboolean        live;
  guint           interval_ms;
  guint           window_minutes;
  guint           loading;       /* requests in flight */
  gint64          updated_at;
  char           *error_message;
  GPtrArray      *rows;          /* GateStatsRow */

  GCancellable   *live_cancellable;
  guint           live_source;
};

G_DEFINE_FINAL_TYPE (GateGateStats, gate_gate_stats, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_CLIENT,
  PROP_EVENT_ID,
  PROP_LIVE,
  PROP_INTERVAL_MS,
  PROP_WINDOW_MINUTES,
  PROP_LOADING,
  PROP_UPDATED_AT,
  PROP_ERROR_MESSAGE,
  N_PROPS
};

enum
{
  UPDATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void live_ask (GateGateStats *self);

static void
set_loading (GateGateStats *self,
             gboolean       more)
{
  gboolean was = self->loading > 0;

  if (more)
    self->loading++;
  else
    self->loading--;
  if (was != (self->loading > 0))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
set_error_message (GateGateStats *self,
                   const char    *message)
{
  if (g_strcmp0 (self->error_message, message) == 0)
    return;
  g_free (self->error_message);
  self->error_message = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
}

static void
on_stats (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GateGateStats *self = g_task_get_source_object (task);
  const char *asked_for = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = gate_api_client_event_stats_finish (GATE_API_CLIENT (source), result, &error);

  set_loading (self, FALSE);
  if (rows == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_error_message (self, error->message);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_strcmp0 (asked_for, self->event_id) != 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the event changed while asking");
      return;
    }

  g_clear_pointer (&self->rows, g_ptr_array_unref);
  self->rows = g_steal_pointer (&rows);
  /* On the server's clock, as the client last measured it, so that "now"
   * on the chart and the buckets' times agree. */
  self->updated_at = g_get_real_time () + gate_api_client_get_clock_offset_ms (self->client) * 1000;
  set_error_message (self, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPDATED_AT]);
  g_signal_emit (self, signals[UPDATED], 0);
  g_task_return_boolean (task, TRUE);
}

void
gate_gate_stats_refresh_async (GateGateStats       *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  gint64 since;

  g_return_if_fail (GATE_IS_GATE_STATS (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_gate_stats_refresh_async);
  g_task_set_task_data (task, g_strdup (self->event_id), g_free);

  since = g_get_real_time () + gate_api_client_get_clock_offset_ms (self->client) * 1000 -
          (gint64) self->window_minutes * 60 * G_USEC_PER_SEC;
  set_loading (self, TRUE);
  gate_api_client_event_stats_async (self->client, self->event_id, since, cancellable, on_stats,
                                     g_steal_pointer (&task));
}

gboolean
gate_gate_stats_refresh_finish (GateGateStats  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
on_live_due (gpointer user_data)
{
  GateGateStats *self = user_data;

  self->live_source = 0;
  live_ask (self);
  return G_SOURCE_REMOVE;
}

static void
on_live_answer (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GateGateStats *self = GATE_GATE_STATS (source);
  g_autoptr(GError) error = NULL;

  if (!gate_gate_stats_refresh_finish (self, result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    return;

  if (self->live && self->live_source == 0)
    self->live_source = g_timeout_add (self->interval_ms, on_live_due, self);
}

static void
live_ask (GateGateStats *self)
{
  gate_gate_stats_refresh_async (self, self->live_cancellable, on_live_answer, NULL);
}

static void
stop_live (GateGateStats *self)
{
  g_clear_handle_id (&self->live_source, g_source_remove);
  g_cancellable_cancel (self->live_cancellable);
  g_clear_object (&self->live_cancellable);
}

void
gate_gate_stats_set_live (GateGateStats *self,
                          gboolean       live)
{
  g_return_if_fail (GATE_IS_GATE_STATS (self));

  live = !!live;
  if (self->live == live)
    return;
  self->live = live;
  stop_live (self);
  if (live)
    {
      self->live_cancellable = g_cancellable_new ();
      live_ask (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIVE]);
}

void
gate_gate_stats_set_event_id (GateGateStats *self,
                              const char    *event_id)
{
  g_return_if_fail (GATE_IS_GATE_STATS (self));

  if (g_strcmp0 (self->event_id, event_id) == 0)
    return;
  g_free (self->event_id);
  self->event_id = g_strdup (event_id);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  self->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_stats_row_free);
  self->updated_at = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EVENT_ID]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPDATED_AT]);
  g_signal_emit (self, signals[UPDATED], 0);

  /* The live loop asks about the new event now, not an interval later. */
  if (self->live)
    {
      stop_live (self);
      self->live_cancellable = g_cancellable_new ();
      live_ask (self);
    }
}

GPtrArray *
gate_gate_stats_get_rows (GateGateStats  *self,
                          GateStatsScope  scope)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_stats_row_free);

  g_return_val_if_fail (GATE_IS_GATE_STATS (self), rows);

  for (guint i = 0; i < self->rows->len; i++)
    {
      const GateStatsRow *row = g_ptr_array_index (self->rows, i);

      if (row->scope == scope)
        g_ptr_array_add (rows, gate_stats_row_copy (row));
    }
  return rows;
}

void
gate_gate_stats_get_totals (GateGateStats *self,
                            gint64        *entries,
                            gint64        *exits,
                            gint64        *inside)
{
  gint64 sums[3] = { 0, 0, 0 };

  g_return_if_fail (GATE_IS_GATE_STATS (self));

  for (guint i = 0; i < self->rows->len; i++)
    {
      const GateStatsRow *row = g_ptr_array_index (self->rows, i);

      if (row->scope != GATE_STATS_SCOPE_EVENT)
        continue;
      sums[0] += row->entries;
      sums[1] += row->exits;
      sums[2] += row->inside;
    }
  if (entries != NULL)
    *entries = sums[0];
  if (exits != NULL)
    *exits = sums[1];
  if (inside != NULL)
    *inside = sums[2];
}

GateGateStats *
gate_gate_stats_new (GateApiClient *client)
{
  g_return_val_if_fail (GATE_IS_API_CLIENT (client), NULL);

  return g_object_new (GATE_TYPE_GATE_STATS, "client", client, NULL);
}

GateApiClient *
gate_gate_stats_get_client (GateGateStats *self)
{
  g_return_val_if_fail (GATE_IS_GATE_STATS (self), NULL);
  return self->client;
}

const char *
gate_gate_stats_get_event_id (GateGateStats *self)
{
  g_return_val_if_fail (GATE_IS_GATE_STATS (self), NULL);
  return self->event_id;
}

gboolean
gate_gate_stats_get_live (GateGateStats *self)
{
  g_return_val_if_fail (GATE_IS_GATE_STATS (self), FALSE);
  return self->live;
}

guint
gate_gate_stats_get_interval_ms (GateGateStats *self)
{
  g_return_val_if_fail (GATE_IS_GATE_STATS (self), 0);
  return self->interval_ms;
}

void
gate_gate_stats_set_interval_ms (GateGateStats *self,
                                 guint          interval_ms)
{
  g_return_if_fail (GATE_IS_GATE_STATS (self));
  g_return_if_fail (interval_ms > 0);

  if (self->interval_ms == interval_ms)
    return;
  self->interval_ms = interval_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INTERVAL_MS]);
}

guint
gate_gate_stats_get_window_minutes (GateGateStats *self)
{
  g_return_val_if_fail (GATE_IS_GATE_STATS (self), 0);
  return self->window_minutes;
}

void
gate_gate_stats_set_window_minutes (GateGateStats *self,
                                    guint          minutes)
{
  g_return_if_fail (GATE_IS_GATE_STATS (self));
  g_return_if_fail (minutes > 0);

  if (self->window_minutes == minutes)
    return;
  self->window_minutes = minutes;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WINDOW_MINUTES]);
}

gboolean
gate_gate_stats_get_loading (GateGateStats *self)
{
  g_return_val_if_fail (GATE_IS_GATE_STATS (self), FALSE);
  return self->loading > 0;
}

gint64
gate_gate_stats_get_updated_at (GateGateStats *self)
{
  g_return_val_if_fail (GATE_IS_GATE_STATS (self), 0);
  return self->updated_at;
}

const char *
gate_gate_stats_get_error_message (GateGateStats *self)
{
  g_return_val_if_fail (GATE_IS_GATE_STATS (self), NULL);
  return self->error_message;
}

static void
gate_gate_stats_dispose (GObject *object)
{
  GateGateStats *self = GATE_GATE_STATS (object);

  stop_live (self);
  self->live = FALSE;
  g_clear_object (&self->client);

  G_OBJECT_CLASS (gate_gate_stats_parent_class)->dispose (object);
}

static void
gate_gate_stats_finalize (GObject *object)
{
  GateGateStats *self = GATE_GATE_STATS (object);

  g_free (self->event_id);
  g_free (self->error_message);
  g_clear_pointer (&self->rows, g_ptr_array_unref);

  G_OBJECT_CLASS (gate_gate_stats_parent_class)->finalize (object);
}

static void
gate_gate_stats_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  GateGateStats *self = GATE_GATE_STATS (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;
    case PROP_EVENT_ID:
      g_value_set_string (value, self->event_id);
      break;
    case PROP_LIVE:
      g_value_set_boolean (value, self->live);
      break;
    case PROP_INTERVAL_MS:
      g_value_set_uint (value, self->interval_ms);
      break;
    case PROP_WINDOW_MINUTES:
      g_value_set_uint (value, self->window_minutes);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading > 0);
      break;
    case PROP_UPDATED_AT:
      g_value_set_int64 (value, self->updated_at);
      break;
    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_gate_stats_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  GateGateStats *self = GATE_GATE_STATS (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      break;
    case PROP_EVENT_ID:
      gate_gate_stats_set_event_id (self, g_value_get_string (value));
      break;
    case PROP_LIVE:
      gate_gate_stats_set_live (self, g_value_get_boolean (value));
      break;
    case PROP_INTERVAL_MS:
      gate_gate_stats_set_interval_ms (self, g_value_get_uint (value));
      break;
    case PROP_WINDOW_MINUTES:
      gate_gate_stats_set_window_minutes (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_gate_stats_class_init (GateGateStatsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gate_gate_stats_dispose;
  object_class->finalize = gate_gate_stats_finalize;
  object_class->get_property = gate_gate_stats_get_property;
  object_class->set_property = gate_gate_stats_set_property;

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, GATE_TYPE_API_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_EVENT_ID] =
    g_param_spec_string ("event-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LIVE] =
    g_param_spec_boolean ("live", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_INTERVAL_MS] =
    g_param_spec_uint ("interval-ms", NULL, NULL, 1, G_MAXUINT, GATE_GATE_STATS_DEFAULT_INTERVAL_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_WINDOW_MINUTES] =
    g_param_spec_uint ("window-minutes", NULL, NULL, 1, 24 * 60, GATE_GATE_STATS_DEFAULT_WINDOW_MIN,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_UPDATED_AT] =
    g_param_spec_int64 ("updated-at", NULL, NULL, 0, G_MAXINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[UPDATED] =
    g_signal_new ("updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
gate_gate_stats_init (GateGateStats *self)
{
  self->interval_ms = GATE_GATE_STATS_DEFAULT_INTERVAL_MS;
  self->window_minutes = GATE_GATE_STATS_DEFAULT_WINDOW_MIN;
  self->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_stats_row_free);
}
