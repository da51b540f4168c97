/* gate-sync-service-download.c — a run's download: ticket pages, then the
 * gate rules
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The part of GateSyncService's run (gate-sync-service.c) that brings the
 * event's ticket changes page by page, pipelined, and then its check-in
 * lists and presence; it goes on with the event keys.
 */
#include "config.h"

#include "gate-api-rows.h"
#include "gate-error.h"
#include "gate-rules-refresh.h"
#include "gate-sync-service-private.h"

static void fetch_rules (GTask *task);

/* --- download ---------------------------------------------------------------
 *
 * Pages come in order, each carrying the cursor of the next. A page that
 * comes is only counted (its rows, its last cursor), and the next one is
 * asked for at once; the page is decoded and stored in a worker (one
 * transaction with its cursor) while the next is on its way: the download
 * costs the slower of the two, not their sum (issue 16). At most one page is
 * in flight and one is being stored, so memory stays that of two pages. A
 * failure of either waits for the other to end, then ends the run: the cache
 * keeps every page stored before it, and the next refresh resumes there.
 */

static void download_step (GTask *task);

static void
on_page_stored (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  run->storing = FALSE;
  download_step (task);
}

static gboolean
read_cursor (GateSyncService  *self,
             Run              *run,
             GError          **error)
{
  if (run->full)
    {
      run->full = FALSE;
      if (!gate_ticket_cache_reset_cursor (self->cache, self->event_id, error))
        return FALSE;
    }
  g_free (run->cursor);
  run->cursor = gate_ticket_cache_dup_cursor (self->cache, self->event_id);
  return TRUE;
}

/* Never fails the _gate_sync_hop: a failure waits in the run for the page in flight. */
static gboolean
store_page (GateSyncService  *self,
            Run              *run,
            GError          **error)
{
  g_autoptr(GateTicketPage) page = gate_ticket_page_body_decode (run->page, &run->store_error);

  if (page != NULL && gate_ticket_cache_apply_page (self->cache, self->event_id, page, &run->store_error))
    run->downloaded += page->tickets->len;
  return TRUE;
}

static void
on_page (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);

  run->fetching = FALSE;
  run->fetched = gate_api_client_ticket_page_body_finish (GATE_API_CLIENT (source), result, &run->fetch_error);
  download_step (task);
}

static void
request_page (GTask *task)
{
  GateSyncService *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);

  run->fetching = TRUE;
  gate_api_client_ticket_page_body_async (self->client, self->event_id, run->cursor, GATE_SYNC_PAGE,
                                          g_task_get_cancellable (task), on_page, task);
}

/* Called whenever a page arrives or a store ends; goes on once neither is
 * running. */
static void
download_step (GTask *task)
{
  GateSyncService *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);

  if (run->fetching || run->storing)
    return;
  g_clear_pointer (&run->page, gate_ticket_page_body_free);

  if (run->store_error != NULL)
    {
      _gate_sync_finish_run (task, g_steal_pointer (&run->store_error));
      return;
    }
  if (run->fetch_error != NULL)
    {
      _gate_sync_network_failed (self, task, g_steal_pointer (&run->fetch_error));
      return;
    }
  if (run->fetched == NULL)
    {
      g_assert (run->last_page);
      fetch_rules (task);
      return;
    }

  run->page = g_steal_pointer (&run->fetched);
  run->last_page = gate_ticket_page_body_get_n_rows (run->page) < GATE_SYNC_PAGE;
  if (!run->last_page)
    {
      g_free (run->cursor);
      run->cursor = g_strdup (gate_ticket_page_body_get_next_cursor (run->page));
      request_page (task);
    }
  run->storing = TRUE;
  _gate_sync_hop (task, store_page, on_page_stored);
}

void
_gate_sync_refresh_next_page (GTask *task)
{
  _gate_sync_hop (task, read_cursor, request_page);
}

/* --- check-in lists and who is inside (gate rules offline) ------------------- */

static void
on_rules (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  GTask *task = user_data;
  GateSyncService *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;
  guint downloaded = 0;

  if (!gate_rules_refresh_finish (result, &downloaded, &error))
    {
      _gate_sync_network_failed (self, task, error);
      return;
    }
  run->downloaded += downloaded;
  _gate_sync_fetch_keys (task);
}

static void
fetch_rules (GTask *task)
{
  GateSyncService *self = g_task_get_source_object (task);

  gate_rules_refresh_async (self->client, self->cache, self->event_id, g_task_get_cancellable (task), on_rules, task);
}
