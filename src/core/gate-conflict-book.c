/* gate-conflict-book.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Signals reach the main context the book was made on: ::changed comes
 * from the cache's own "conflicts-changed" (already delivered there), and
 * ::reviewed from the server's answer, which arrives on the caller's
 * context, before the cache write starts on a worker thread.
 */
#include "config.h"

#include "gate-conflict-book.h"
#include "gate-error.h"

struct _GateConflictBook
{
  GObject          parent_instance;

  GateTicketCache *cache;
  GateApiClient   *api_client;
  char            *event_id;
  gboolean         supervisor;
};

G_DEFINE_FINAL_TYPE (GateConflictBook, gate_conflict_book, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_CACHE,
  PROP_API_CLIENT,
  PROP_EVENT_ID,
  PROP_SUPERVISOR,
  N_PROPS
};

enum
{
  CHANGED,
  REVIEWED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* --- listing -------------------------------------------------------------------- */

/* Both gates of each conflict by name, as far as the cache has heard them. */
static void
name_devices (GateConflictBook *self,
              GPtrArray        *conflicts)
{
  if (self->cache == NULL)
    return;

  for (guint i = 0; i < conflicts->len; i++)
    {
      GateConflict *conflict = g_ptr_array_index (conflicts, i);

      if (conflict->winner_device_name == NULL)
        conflict->winner_device_name = gate_ticket_cache_dup_device_name (self->cache, conflict->winner_device);
      if (conflict->loser_device_name == NULL)
        conflict->loser_device_name = gate_ticket_cache_dup_device_name (self->cache, conflict->loser_device);
    }
}

static void
on_conflicts_listed (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GPtrArray *conflicts;

  if (GATE_IS_API_CLIENT (source))
    conflicts = gate_api_client_list_conflicts_finish (GATE_API_CLIENT (source), result, &error);
  else
    conflicts = gate_ticket_cache_list_conflicts_finish (GATE_TICKET_CACHE (source), result, &error);

  if (conflicts == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  name_devices (g_task_get_source_object (task), conflicts);
  g_task_return_pointer (task, conflicts, (GDestroyNotify) g_ptr_array_unref);
}

void
gate_conflict_book_list_async (GateConflictBook    *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (GATE_IS_CONFLICT_BOOK (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_conflict_book_list_async);

  if (self->supervisor)
    {
      if (self->api_client == NULL)
        {
          g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_CONFIG, "no server to list conflicts from");
          return;
        }
      gate_api_client_list_conflicts_async (self->api_client, self->event_id, TRUE, cancellable,
                                            on_conflicts_listed, g_steal_pointer (&task));
      return;
    }

  /* A gate before its cache is open has nothing to list yet. */
  if (self->cache == NULL)
    {
      g_task_return_pointer (task, g_ptr_array_new_with_free_func ((GDestroyNotify) gate_conflict_free),
                             (GDestroyNotify) g_ptr_array_unref);
      return;
    }

  gate_ticket_cache_list_conflicts_async (self->cache, self->event_id, TRUE, cancellable, on_conflicts_listed,
                                          g_steal_pointer (&task));
}

GPtrArray *
gate_conflict_book_list_finish (GateConflictBook  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gate_conflict_book_list_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_activity_listed (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GPtrArray) activity = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *devices = g_task_get_task_data (task);

  /* The counts only add to the list: a server without device_activity
   * (older than 0014) still lists its devices, counts unknown. */
  activity = gate_api_client_device_activity_finish (GATE_API_CLIENT (source), result, &error);
  if (g_task_return_error_if_cancelled (task))
    return;
  if (activity == NULL)
    g_debug ("admissions per device not listed: %s", error->message);

  for (guint i = 0; activity != NULL && i < devices->len; i++)
    {
      GateDeviceInfo *device = g_ptr_array_index (devices, i);

      device->admitted = 0;
      for (guint j = 0; j < activity->len; j++)
        {
          const GateDeviceInfo *counted = g_ptr_array_index (activity, j);

          if (g_strcmp0 (counted->id, device->id) == 0)
            device->admitted = counted->admitted;
        }
    }

  g_task_return_pointer (task, g_ptr_array_ref (devices), (GDestroyNotify) g_ptr_array_unref);
}

static void
on_devices_listed (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GateConflictBook *self = g_task_get_source_object (task);
  GCancellable *cancellable;
  GError *error = NULL;
  GPtrArray *devices;

  devices = gate_api_client_list_devices_finish (GATE_API_CLIENT (source), result, &error);
  if (devices == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* Without an event there is nothing to count admissions for. */
  if (self->event_id == NULL)
    {
      g_task_return_pointer (task, devices, (GDestroyNotify) g_ptr_array_unref);
      return;
    }

  g_task_set_task_data (task, devices, (GDestroyNotify) g_ptr_array_unref);
  cancellable = g_task_get_cancellable (task);
  gate_api_client_device_activity_async (GATE_API_CLIENT (source), self->event_id, cancellable, on_activity_listed,
                                         g_steal_pointer (&task));
}

void
gate_conflict_book_list_devices_async (GateConflictBook    *self,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (GATE_IS_CONFLICT_BOOK (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_conflict_book_list_devices_async);

  if (self->api_client == NULL)
    {
      g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_CONFIG, "no server to list devices from");
      return;
    }

  gate_api_client_list_devices_async (self->api_client, NULL, cancellable, on_devices_listed,
                                      g_steal_pointer (&task));
}

GPtrArray *
gate_conflict_book_list_devices_finish (GateConflictBook  *self,
                                        GAsyncResult      *result,
                                        GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gate_conflict_book_list_devices_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- reviewing ------------------------------------------------------------------ */

typedef struct
{
  GateTicketCache *cache;          /* (nullable): a gate notes its reviews here too */
  gint64           conflict_id;
  char            *reviewed_by;
  char            *note;
  gint64           reviewed_at_us;
} Review;

static void
review_free (Review *review)
{
  g_clear_object (&review->cache);
  g_free (review->reviewed_by);
  g_free (review->note);
  g_free (review);
}

/* Worker thread: SQLite blocks. */
static void
note_in_cache_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  Review *review = task_data;
  GError *error = NULL;

  if (gate_ticket_cache_mark_conflict_reviewed (review->cache, review->conflict_id, review->reviewed_by,
                                                review->note, review->reviewed_at_us, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_server_reviewed (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GateConflictBook *self = g_task_get_source_object (task);
  Review *review = g_task_get_task_data (task);
  GError *error = NULL;

  if (!gate_api_client_review_conflict_finish (GATE_API_CLIENT (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;

  review->reviewed_at_us = g_get_real_time ();
  g_signal_emit (self, signals[REVIEWED], 0, review->conflict_id, review->reviewed_by, review->note,
                 review->reviewed_at_us);

  /* The cache only notes what the server accepted: a review that failed
   * there must not look done at the gate. */
  if (review->cache != NULL)
    g_task_run_in_thread (task, note_in_cache_thread);
  else
    g_task_return_boolean (task, TRUE);
}

void
gate_conflict_book_review_async (GateConflictBook    *self,
                                 gint64               conflict_id,
                                 const char          *reviewed_by,
                                 const char          *note,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Review *review;

  g_return_if_fail (GATE_IS_CONFLICT_BOOK (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_conflict_book_review_async);

  if (self->api_client == NULL)
    {
      g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_CONFIG, "no server to send the review to");
      return;
    }
  if (conflict_id <= 0)
    {
      g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_NOT_FOUND, "the server does not know this conflict yet");
      return;
    }

  if (reviewed_by == NULL || *reviewed_by == '\0')
    reviewed_by = gate_api_client_get_device_id (self->api_client);

  review = g_new0 (Review, 1);
  review->cache = !self->supervisor && self->cache != NULL ? g_object_ref (self->cache) : NULL;
  review->conflict_id = conflict_id;
  review->reviewed_by = g_strdup (reviewed_by);
  review->note = note != NULL && *note != '\0' ? g_strdup (note) : NULL;
  g_task_set_task_data (task, review, (GDestroyNotify) review_free);

  gate_api_client_review_conflict_async (self->api_client, conflict_id, review->reviewed_by, review->note,
                                         cancellable, on_server_reviewed, g_steal_pointer (&task));
}

gboolean
gate_conflict_book_review_finish (GateConflictBook  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gate_conflict_book_review_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- GObject ---------------------------------------------------------------------- */

static void
on_cache_conflicts_changed (GateConflictBook *self)
{
  /* A supervisor's list is the server's: the cache says nothing about it. */
  if (!self->supervisor)
    g_signal_emit (self, signals[CHANGED], 0);
}

static void
gate_conflict_book_constructed (GObject *object)
{
  GateConflictBook *self = GATE_CONFLICT_BOOK (object);

  G_OBJECT_CLASS (gate_conflict_book_parent_class)->constructed (object);

  if (self->cache != NULL)
    g_signal_connect_object (self->cache, "conflicts-changed", G_CALLBACK (on_cache_conflicts_changed), self,
                             G_CONNECT_SWAPPED);
}

static void
gate_conflict_book_dispose (GObject *object)
{
  GateConflictBook *self = GATE_CONFLICT_BOOK (object);

  g_clear_object (&self->cache);
  g_clear_object (&self->api_client);

  G_OBJECT_CLASS (gate_conflict_book_parent_class)->dispose (object);
}

static void
gate_conflict_book_finalize (GObject *object)
{
  GateConflictBook *self = GATE_CONFLICT_BOOK (object);

  g_free (self->event_id);

  G_OBJECT_CLASS (gate_conflict_book_parent_class)->finalize (object);
}

static void
gate_conflict_book_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  GateConflictBook *self = GATE_CONFLICT_BOOK (object);

  switch (prop_id)
    {
    case PROP_CACHE:
      g_value_set_object (value, self->cache);
      break;

    case PROP_API_CLIENT:
      g_value_set_object (value, self->api_client);
      break;

    case PROP_EVENT_ID:
      g_value_set_string (value, self->event_id);
      break;

    case PROP_SUPERVISOR:
      g_value_set_boolean (value, self->supervisor);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_conflict_book_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  GateConflictBook *self = GATE_CONFLICT_BOOK (object);

  switch (prop_id)
    {
    case PROP_CACHE:
      self->cache = g_value_dup_object (value);
      break;

    case PROP_API_CLIENT:
      self->api_client = g_value_dup_object (value);
      break;

    case PROP_EVENT_ID:
      self->event_id = g_value_dup_string (value);
      break;

    case PROP_SUPERVISOR:
      gate_conflict_book_set_supervisor (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_conflict_book_class_init (GateConflictBookClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = gate_conflict_book_constructed;
  object_class->dispose = gate_conflict_book_dispose;
  object_class->finalize = gate_conflict_book_finalize;
  object_class->get_property = gate_conflict_book_get_property;
  object_class->set_property = gate_conflict_book_set_property;

  /* A gate's source, and where its reviews are noted too. */
  properties[PROP_CACHE] =
    g_param_spec_object ("cache", NULL, NULL, GATE_TYPE_TICKET_CACHE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* Reviews always go to the server; a supervisor also lists from it. */
  properties[PROP_API_CLIENT] =
    g_param_spec_object ("api-client", NULL, NULL, GATE_TYPE_API_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* NULL: every event (a supervisor) or every cached event (a gate). */
  properties[PROP_EVENT_ID] =
    g_param_spec_string ("event-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SUPERVISOR] =
    g_param_spec_boolean ("supervisor", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GateConflictBook::changed:
   *
   * What gate_conflict_book_list_async() answers may have changed: the
   * cache stored or reviewed conflicts (a gate), or the book changed where
   * it lists from. A supervisor's list changes on the server, unseen:
   * reload it on demand.
   */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * GateConflictBook::reviewed:
   * @conflict_id: the server's id of the conflict
   * @reviewed_by: who reviewed it, as the server recorded
   * @note: (nullable): their note
   * @reviewed_at_us: when the server accepted the review (this device's clock)
   *
   * The server accepted a review. Emitted before a gate notes it in its
   * cache: if that fails, the review still stands on the server.
   */
  signals[REVIEWED] =
    g_signal_new ("reviewed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4, G_TYPE_INT64, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT64);
}

static void
gate_conflict_book_init (GateConflictBook *self)
{
}

/**
 * gate_conflict_book_new:
 * @cache: (nullable): this device's cache
 * @api_client: (nullable): the server
 * @event_id: (nullable): the event; NULL for all
 */
GateConflictBook *
gate_conflict_book_new (GateTicketCache *cache,
                        GateApiClient   *api_client,
                        const char      *event_id)
{
  g_return_val_if_fail (cache == NULL || GATE_IS_TICKET_CACHE (cache), NULL);
  g_return_val_if_fail (api_client == NULL || GATE_IS_API_CLIENT (api_client), NULL);

  return g_object_new (GATE_TYPE_CONFLICT_BOOK,
                       "cache", cache,
                       "api-client", api_client,
                       "event-id", event_id,
                       NULL);
}

GateTicketCache *
gate_conflict_book_get_cache (GateConflictBook *self)
{
  g_return_val_if_fail (GATE_IS_CONFLICT_BOOK (self), NULL);

  return self->cache;
}

GateApiClient *
gate_conflict_book_get_api_client (GateConflictBook *self)
{
  g_return_val_if_fail (GATE_IS_CONFLICT_BOOK (self), NULL);

  return self->api_client;
}

const char *
gate_conflict_book_get_event_id (GateConflictBook *self)
{
  g_return_val_if_fail (GATE_IS_CONFLICT_BOOK (self), NULL);

  return self->event_id;
}

gboolean
gate_conflict_book_get_supervisor (GateConflictBook *self)
{
  g_return_val_if_fail (GATE_IS_CONFLICT_BOOK (self), FALSE);

  return self->supervisor;
}

void
gate_conflict_book_set_supervisor (GateConflictBook *self,
                                   gboolean          supervisor)
{
  g_return_if_fail (GATE_IS_CONFLICT_BOOK (self));

  supervisor = !!supervisor;
  if (self->supervisor == supervisor)
    return;

  self->supervisor = supervisor;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUPERVISOR]);
  g_signal_emit (self, signals[CHANGED], 0);
}
