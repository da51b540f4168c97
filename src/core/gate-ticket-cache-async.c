/* gate-ticket-cache-async.c — the _async/_finish pairs for the UI
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each runs its blocking counterpart in a GTask thread.
 */
#include "config.h"

#include "gate-error.h"
#include "gate-ticket-cache-private.h"

typedef struct
{
  char    *event_id;
  char    *text;
  guint    limit;
  gboolean include_reviewed;
  guint    bucket_minutes;
  gint64   since_us;
} Query;

static void
query_free (gpointer data)
{
  Query *query = data;

  g_free (query->event_id);
  g_free (query->text);
  g_free (query);
}

static GTask *
query_task_new (GateTicketCache     *self,
                gpointer             source_tag,
                const char          *event_id,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data,
                Query              **query)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_return_on_cancel (task, TRUE);
  *query = g_new0 (Query, 1);
  (*query)->event_id = g_strdup (event_id);
  g_task_set_task_data (task, *query, query_free);
  return task;
}

static void
search_in_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  Query *query = task_data;
  GError *error = NULL;
  GPtrArray *found = gate_ticket_cache_search (source_object, query->event_id, query->text, query->limit, &error);

  if (found == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, found, (GDestroyNotify) g_ptr_array_unref);
}

void
gate_ticket_cache_search_async (GateTicketCache     *self,
                                const char          *event_id,
                                const char          *text,
                                guint                limit,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Query *query;

  g_return_if_fail (GATE_IS_TICKET_CACHE (self));
  g_return_if_fail (event_id != NULL);

  task = query_task_new (self, gate_ticket_cache_search_async, event_id, cancellable, callback, user_data, &query);
  query->text = g_strdup (text);
  query->limit = limit;
  g_task_run_in_thread (task, search_in_thread);
}

GPtrArray *
gate_ticket_cache_search_finish (GateTicketCache  *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gate_ticket_cache_search_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
list_conflicts_in_thread (GTask        *task,
                          gpointer      source_object,
                          gpointer      task_data,
                          GCancellable *cancellable)
{
  Query *query = task_data;
  GError *error = NULL;
  GPtrArray *conflicts = gate_ticket_cache_list_conflicts (source_object, query->event_id, query->include_reviewed,
                                                           &error);

  if (conflicts == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, conflicts, (GDestroyNotify) g_ptr_array_unref);
}

void
gate_ticket_cache_list_conflicts_async (GateTicketCache     *self,
                                        const char          *event_id,
                                        gboolean             include_reviewed,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Query *query;

  g_return_if_fail (GATE_IS_TICKET_CACHE (self));

  task = query_task_new (self, gate_ticket_cache_list_conflicts_async, event_id, cancellable, callback, user_data,
                         &query);
  query->include_reviewed = include_reviewed;
  g_task_run_in_thread (task, list_conflicts_in_thread);
}

GPtrArray *
gate_ticket_cache_list_conflicts_finish (GateTicketCache  *self,
                                         GAsyncResult     *result,
                                         GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gate_ticket_cache_list_conflicts_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
status_in_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  Query *query = task_data;
  GError *error = NULL;
  GateCacheStatus *status = gate_ticket_cache_get_status (source_object, query->event_id, &error);

  if (status == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, status, (GDestroyNotify) gate_cache_status_free);
}

void
gate_ticket_cache_get_status_async (GateTicketCache     *self,
                                    const char          *event_id,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Query *query;

  g_return_if_fail (GATE_IS_TICKET_CACHE (self));
  g_return_if_fail (event_id != NULL);

  task = query_task_new (self, gate_ticket_cache_get_status_async, event_id, cancellable, callback, user_data,
                         &query);
  g_task_run_in_thread (task, status_in_thread);
}

GateCacheStatus *
gate_ticket_cache_get_status_finish (GateTicketCache  *self,
                                     GAsyncResult     *result,
                                     GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gate_ticket_cache_get_status_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
arrivals_in_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  Query *query = task_data;
  GError *error = NULL;
  GArray *buckets = gate_ticket_cache_arrivals (source_object, query->event_id, query->bucket_minutes,
                                                query->since_us, &error);

  if (buckets == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, buckets, (GDestroyNotify) g_array_unref);
}

void
gate_ticket_cache_arrivals_async (GateTicketCache     *self,
                                  const char          *event_id,
                                  guint                bucket_minutes,
                                  gint64               since_us,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Query *query;

  g_return_if_fail (GATE_IS_TICKET_CACHE (self));
  g_return_if_fail (event_id != NULL && bucket_minutes > 0);

  task = query_task_new (self, gate_ticket_cache_arrivals_async, event_id, cancellable, callback, user_data,
                         &query);
  query->bucket_minutes = bucket_minutes;
  query->since_us = since_us;
  g_task_run_in_thread (task, arrivals_in_thread);
}

GArray *
gate_ticket_cache_arrivals_finish (GateTicketCache  *self,
                                   GAsyncResult     *result,
                                   GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gate_ticket_cache_arrivals_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
