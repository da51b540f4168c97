/* gate-occupancy.c — how many guests of the gate's event are inside now
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "gate-error.h"
#include "gate-occupancy.h"

#define CACHE_PROPERTY "inside-count"

/* A busy gate decides every few seconds; asking the server after each
 * decision would double its calls. Refreshes closer together than this
 * become one question at the end of the interval. */
#define MIN_REFRESH_US (2 * G_USEC_PER_SEC)

struct _GateOccupancy
{
  GObject        parent_instance;

  GateApiClient *client;        /* (nullable) */
  GObject       *cache;         /* (nullable) */
  char          *event_id;
  guint          interval_seconds;

  GCancellable  *asking;        /* the question in flight, if any */
  gboolean       ask_again;     /* a refresh came while one was in flight */
  gboolean       server_refused;
  gboolean       server_fresh;  /* the last question was answered */
  gboolean       online;        /* the gate reaches the server */
  gint64         server_inside;
  guint          poll_id;
  gint64         asked_at;      /* monotonic, when the last question left */
  guint          soon_id;       /* a refresh held back until MIN_REFRESH_US */

  gint64         inside;
  const char    *source;
};

G_DEFINE_FINAL_TYPE (GateOccupancy, gate_occupancy, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_INSIDE,
  PROP_SOURCE,
  PROP_ONLINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
cache_inside (GateOccupancy *self,
              gint64        *inside)
{
  GParamSpec *pspec;
  g_auto(GValue) value = G_VALUE_INIT;
  g_auto(GValue) as_int64 = G_VALUE_INIT;

  if (self->cache == NULL)
    return FALSE;
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (self->cache), CACHE_PROPERTY);
  if (pspec == NULL || !g_value_type_transformable (pspec->value_type, G_TYPE_INT64))
    return FALSE;

  g_value_init (&value, pspec->value_type);
  g_object_get_property (self->cache, CACHE_PROPERTY, &value);
  g_value_init (&as_int64, G_TYPE_INT64);
  if (!g_value_transform (&value, &as_int64) || g_value_get_int64 (&as_int64) < 0)
    return FALSE;
  *inside = g_value_get_int64 (&as_int64);
  return TRUE;
}

/* The server's answer while it is fresh (all gates), else the cache's. */
static void
update (GateOccupancy *self)
{
  gint64 inside = -1;
  const char *source = NULL;

  if (self->server_fresh)
    {
      inside = self->server_inside;
      source = "server";
    }
  else if (cache_inside (self, &inside))
    source = "cache";

  if (self->inside != inside)
    {
      self->inside = inside;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INSIDE]);
    }
  if (g_strcmp0 (self->source, source) != 0)
    {
      self->source = source;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SOURCE]);
    }
}

static void ask (GateOccupancy *self);

static void
on_answered (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  gint64 inside = gate_api_client_event_inside_finish (GATE_API_CLIENT (source), result, &error);
  GateOccupancy *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = GATE_OCCUPANCY (user_data);
  g_clear_object (&self->asking);
  if (error == NULL && self->online)
    {
      self->server_fresh = TRUE;
      self->server_inside = inside;
    }
  else if (error != NULL)
    {
      /* A gate token may not see every gate's numbers, and a server from
       * before the gate rules has no event_stats: asking again changes
       * nothing. Anything else (offline, busy) may pass. */
      if (g_error_matches (error, GATE_ERROR, GATE_ERROR_FORBIDDEN) ||
          g_error_matches (error, GATE_ERROR, GATE_ERROR_NOT_FOUND))
        self->server_refused = TRUE;
      else
        g_debug ("Could not read how many are inside: %s", error->message);
      self->server_fresh = FALSE;
    }
  update (self);

  if (self->ask_again)
    ask (self);
}

static void
ask (GateOccupancy *self)
{
  self->ask_again = FALSE;
  if (self->client == NULL || self->event_id == NULL || self->server_refused)
    return;
  if (self->asking != NULL)
    {
      self->ask_again = TRUE;
      return;
    }

  if (!self->online)
    return;
  self->asking = g_cancellable_new ();
  self->asked_at = g_get_monotonic_time ();
  /* The object lives as long as the question: dispose cancels it first. */
  gate_api_client_event_inside_async (self->client, self->event_id, self->asking, on_answered, self);
}

static gboolean
on_poll (gpointer user_data)
{
  ask (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_first_poll (gpointer user_data)
{
  GateOccupancy *self = user_data;

  ask (self);
  self->poll_id = g_timeout_add_seconds (self->interval_seconds, on_poll, self);
  return G_SOURCE_REMOVE;
}

GateOccupancy *
gate_occupancy_new (GateApiClient *client,
                    GObject       *cache,
                    const char    *event_id,
                    guint          interval_seconds)
{
  GateOccupancy *self;

  g_return_val_if_fail (client == NULL || GATE_IS_API_CLIENT (client), NULL);
  g_return_val_if_fail (cache == NULL || G_IS_OBJECT (cache), NULL);

  self = g_object_new (GATE_TYPE_OCCUPANCY, NULL);
  g_set_object (&self->client, client);
  g_set_object (&self->cache, cache);
  self->event_id = g_strdup (event_id);
  self->interval_seconds = MAX (1, interval_seconds);

  if (self->cache != NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (self->cache), CACHE_PROPERTY))
    g_signal_connect_swapped (self->cache, "notify::" CACHE_PROPERTY, G_CALLBACK (update), self);
  update (self);
  self->poll_id = g_idle_add (on_first_poll, self);

  return self;
}

static gboolean
on_soon (gpointer user_data)
{
  GateOccupancy *self = user_data;

  self->soon_id = 0;
  ask (self);
  return G_SOURCE_REMOVE;
}

void
gate_occupancy_refresh (GateOccupancy *self)
{
  gint64 wait_us;

  g_return_if_fail (GATE_IS_OCCUPANCY (self));

  wait_us = self->asked_at + MIN_REFRESH_US - g_get_monotonic_time ();
  if (self->asked_at == 0 || wait_us <= 0)
    ask (self);
  else if (self->soon_id == 0)
    self->soon_id = g_timeout_add ((guint) (wait_us / 1000) + 1, on_soon, self);
}

/* Offline, the server's last figure is stale at once: the cache's counts
 * this gate's own entries and exits from then on. Back online, ask. */
void
gate_occupancy_set_online (GateOccupancy *self,
                           gboolean       online)
{
  g_return_if_fail (GATE_IS_OCCUPANCY (self));

  online = !!online;
  if (self->online == online)
    return;
  self->online = online;
  if (online)
    ask (self);
  else
    {
      self->server_fresh = FALSE;
      update (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ONLINE]);
}

gint64
gate_occupancy_get_inside (GateOccupancy *self)
{
  g_return_val_if_fail (GATE_IS_OCCUPANCY (self), -1);

  return self->inside;
}

const char *
gate_occupancy_get_source (GateOccupancy *self)
{
  g_return_val_if_fail (GATE_IS_OCCUPANCY (self), NULL);

  return self->source;
}

static void
gate_occupancy_dispose (GObject *object)
{
  GateOccupancy *self = GATE_OCCUPANCY (object);

  g_cancellable_cancel (self->asking);
  g_clear_object (&self->asking);
  g_clear_handle_id (&self->poll_id, g_source_remove);
  g_clear_handle_id (&self->soon_id, g_source_remove);
  if (self->cache != NULL)
    g_signal_handlers_disconnect_by_data (self->cache, self);
  g_clear_object (&self->cache);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (gate_occupancy_parent_class)->dispose (object);
}

static void
gate_occupancy_finalize (GObject *object)
{
  GateOccupancy *self = GATE_OCCUPANCY (object);

  g_free (self->event_id);

  G_OBJECT_CLASS (gate_occupancy_parent_class)->finalize (object);
}

static void
gate_occupancy_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  GateOccupancy *self = GATE_OCCUPANCY (object);

  switch (prop_id)
    {
    case PROP_INSIDE:
      g_value_set_int64 (value, self->inside);
      break;

    case PROP_SOURCE:
      g_value_set_string (value, self->source);
      break;

    case PROP_ONLINE:
      g_value_set_boolean (value, self->online);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_occupancy_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  GateOccupancy *self = GATE_OCCUPANCY (object);

  switch (prop_id)
    {
    case PROP_ONLINE:
      gate_occupancy_set_online (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_occupancy_class_init (GateOccupancyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gate_occupancy_dispose;
  object_class->finalize = gate_occupancy_finalize;
  object_class->get_property = gate_occupancy_get_property;
  object_class->set_property = gate_occupancy_set_property;

  properties[PROP_INSIDE] =
    g_param_spec_int64 ("inside", NULL, NULL, -1, G_MAXINT64, -1,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SOURCE] =
    g_param_spec_string ("source", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* Whether the gate reaches the server (bind GateConnectivity:online). */
  properties[PROP_ONLINE] =
    g_param_spec_boolean ("online", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gate_occupancy_init (GateOccupancy *self)
{
  self->inside = -1;
  self->online = TRUE;
}
