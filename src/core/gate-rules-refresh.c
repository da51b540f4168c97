/* gate-rules-refresh.c — the event's check-in lists and who is inside,
 * brought into the cache (docs/gate-rules.md "Offline")
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One step of a sync run (gate-sync-service.c), after the tickets: the
 * lists replace the cached ones whole; presence comes in pages of
 * stays_changed_since, each stored with its cursor in one transaction, so
 * an aborted refresh resumes where it stopped and loses nothing. A server
 * from before the gate rules (no such functions: 404) has nothing to
 * bring, and the step ends without error. Network calls run on the
 * caller's context, cache writes in a worker thread.
 */
#include "config.h"

#include "gate-api-client-rules.h"
#include "gate-error.h"
#include "gate-rules-refresh.h"
#include "gate-sync-service.h"
#include "gate-ticket-cache-rules.h"

typedef struct
{
  GateApiClient    *client;
  GateTicketCache  *cache;
  char             *event_id;
  GPtrArray        *lists;
  GatePresencePage *page;
  char             *cursor;
  guint             downloaded;
} Refresh;

static void
refresh_free (Refresh *refresh)
{
  g_clear_object (&refresh->client);
  g_clear_object (&refresh->cache);
  g_clear_pointer (&refresh->lists, g_ptr_array_unref);
  g_clear_pointer (&refresh->page, gate_presence_page_free);
  g_free (refresh->event_id);
  g_free (refresh->cursor);
  g_free (refresh);
}

static void request_page (GTask *task);

/* In a worker thread: store what came (the lists, or a page) and read the
 * cursor the next page starts from. */
static void
store_in_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  Refresh *refresh = task_data;
  GError *error = NULL;
  gboolean ok;

  if (refresh->lists != NULL)
    ok = gate_ticket_cache_set_checkin_lists (refresh->cache, refresh->event_id, refresh->lists, &error);
  else
    ok = gate_ticket_cache_apply_presence_page (refresh->cache, refresh->event_id, refresh->page, &error);
  g_clear_pointer (&refresh->lists, g_ptr_array_unref);

  if (!ok)
    {
      g_task_return_error (task, error);
      return;
    }
  g_free (refresh->cursor);
  refresh->cursor = gate_ticket_cache_dup_presence_cursor (refresh->cache, refresh->event_id);
  g_task_return_boolean (task, TRUE);
}

static void
on_stored (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Refresh *refresh = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (refresh->page != NULL && refresh->page->presences->len < GATE_SYNC_PAGE)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  request_page (g_steal_pointer (&task));
}

static void
store (GTask *task)
{
  g_autoptr(GTask) step = g_task_new (NULL, g_task_get_cancellable (task), on_stored, task);

  g_task_set_task_data (step, g_task_get_task_data (task), NULL);
  g_task_run_in_thread (step, store_in_thread);
}

/* Only a server from before the gate rules lacks these functions. */
static gboolean
is_older_server (const GError *error)
{
  return g_error_matches (error, GATE_ERROR, GATE_ERROR_NOT_FOUND);
}

static void
on_page (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Refresh *refresh = g_task_get_task_data (task);
  GError *error = NULL;

  g_clear_pointer (&refresh->page, gate_presence_page_free);
  refresh->page = gate_api_client_stays_changed_since_finish (refresh->client, result, &error);
  if (refresh->page == NULL)
    {
      if (is_older_server (error))
        {
          g_clear_error (&error);
          g_task_return_boolean (task, TRUE);
        }
      else
        g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  refresh->downloaded += refresh->page->presences->len;
  store (task);
}

static void
request_page (GTask *task)
{
  Refresh *refresh = g_task_get_task_data (task);

  gate_api_client_stays_changed_since_async (refresh->client, refresh->event_id, refresh->cursor, GATE_SYNC_PAGE,
                                             g_task_get_cancellable (task), on_page, task);
}

static void
on_lists (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  GTask *task = user_data;
  Refresh *refresh = g_task_get_task_data (task);
  GError *error = NULL;

  refresh->lists = gate_api_client_list_rules_finish (refresh->client, result, &error);
  if (refresh->lists == NULL)
    {
      if (is_older_server (error))
        {
          g_clear_error (&error);
          g_task_return_boolean (task, TRUE);
        }
      else
        g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  refresh->downloaded += refresh->lists->len;
  store (task);
}

/**
 * gate_rules_refresh_async:
 *
 * Brings @event_id's check-in lists and the presence changes since the
 * last refresh into @cache. A list or presence row that breaks the
 * contract fails the step with GATE_ERROR_BAD_RESPONSE and stores nothing
 * of its answer.
 */
void
gate_rules_refresh_async (GateApiClient       *client,
                          GateTicketCache     *cache,
                          const char          *event_id,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task;
  Refresh *refresh;

  g_return_if_fail (GATE_IS_API_CLIENT (client));
  g_return_if_fail (GATE_IS_TICKET_CACHE (cache));
  g_return_if_fail (event_id != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_rules_refresh_async);
  refresh = g_new0 (Refresh, 1);
  refresh->client = g_object_ref (client);
  refresh->cache = g_object_ref (cache);
  refresh->event_id = g_strdup (event_id);
  g_task_set_task_data (task, refresh, (GDestroyNotify) refresh_free);

  gate_api_client_list_rules_async (client, event_id, cancellable, on_lists, task);
}

/**
 * gate_rules_refresh_finish:
 * @downloaded: (out) (optional): how many lists and presence rows came
 */
gboolean
gate_rules_refresh_finish (GAsyncResult  *result,
                           guint         *downloaded,
                           GError       **error)
{
  Refresh *refresh;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gate_rules_refresh_async, FALSE);

  refresh = g_task_get_task_data (G_TASK (result));
  if (downloaded != NULL)
    *downloaded = refresh->downloaded;
  return g_task_propagate_boolean (G_TASK (result), error);
}
