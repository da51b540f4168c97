/* gate-ticket-cache-rules-async.c — the gate rules' cache reads for the UI
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The kiosk's list, its picker and its occupancy read the cache first, so
 * they work offline; these run the blocking reads in a GTask thread.
 */
#include "config.h"

#include "gate-ticket-cache-rules.h"

/* A read of @event_id's rules in a worker thread. */
static void
run_for_event (GateTicketCache     *self,
               gpointer             source_tag,
               const char          *event_id,
               GTaskThreadFunc      thread_func,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, g_strdup (event_id), g_free);
  g_task_run_in_thread (task, thread_func);
}

static void
count_inside_in_thread (GTask        *task,
                        gpointer      source_object,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  g_task_return_int (task, (gssize) MIN (gate_ticket_cache_count_inside (source_object, task_data), G_MAXSSIZE));
}

/**
 * gate_ticket_cache_count_inside_async:
 *
 * gate_ticket_cache_count_inside() in a worker thread.
 */
void
gate_ticket_cache_count_inside_async (GateTicketCache     *self,
                                      const char          *event_id,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_return_if_fail (GATE_IS_TICKET_CACHE (self));
  g_return_if_fail (event_id != NULL);

  run_for_event (self, gate_ticket_cache_count_inside_async, event_id, count_inside_in_thread, cancellable, callback,
                 user_data);
}

/* Returns: the count, or -1 with @error set (cancelled). */
gint64
gate_ticket_cache_count_inside_finish (GateTicketCache  *self,
                                       GAsyncResult     *result,
                                       GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gate_ticket_cache_count_inside_async, -1);

  return g_task_propagate_int (G_TASK (result), error);
}

typedef struct
{
  GPtrArray *lists;
  gboolean   known;
} ListsRead;

static void
lists_read_free (gpointer data)
{
  ListsRead *read = data;

  g_clear_pointer (&read->lists, g_ptr_array_unref);
  g_free (read);
}

static void
read_lists_in_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  const char *event_id = task_data;
  g_autofree char *cursor = NULL;
  ListsRead *read;
  GError *error = NULL;
  GPtrArray *lists = gate_ticket_cache_dup_checkin_lists (source_object, event_id, &error);

  if (lists == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  read = g_new0 (ListsRead, 1);
  read->lists = lists;
  /* No lists and never refreshed: not "this event has none", but "not
   * known yet". A refresh stores the lists after the ticket pages. */
  cursor = gate_ticket_cache_dup_cursor (source_object, event_id);
  read->known = lists->len > 0 || cursor != NULL;
  g_task_return_pointer (task, read, lists_read_free);
}

/**
 * gate_ticket_cache_dup_checkin_lists_async:
 *
 * gate_ticket_cache_dup_checkin_lists() in a worker thread.
 */
void
gate_ticket_cache_dup_checkin_lists_async (GateTicketCache     *self,
                                           const char          *event_id,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  g_return_if_fail (GATE_IS_TICKET_CACHE (self));
  g_return_if_fail (event_id != NULL);

  run_for_event (self, gate_ticket_cache_dup_checkin_lists_async, event_id, read_lists_in_thread, cancellable,
                 callback, user_data);
}

/**
 * gate_ticket_cache_dup_checkin_lists_finish:
 * @known: (out) (optional): whether the cache knows the event's lists: it
 *   has some, or it was refreshed (so none means the event has none)
 *
 * Returns: (transfer full) (element-type GateListRules): the event's lists
 *   by name, or NULL with an error
 */
GPtrArray *
gate_ticket_cache_dup_checkin_lists_finish (GateTicketCache  *self,
                                            GAsyncResult     *result,
                                            gboolean         *known,
                                            GError          **error)
{
  ListsRead *read;
  GPtrArray *lists;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gate_ticket_cache_dup_checkin_lists_async, NULL);

  read = g_task_propagate_pointer (G_TASK (result), error);
  if (read == NULL)
    return NULL;
  if (known != NULL)
    *known = read->known;
  lists = g_steal_pointer (&read->lists);
  lists_read_free (read);
  return lists;
}
