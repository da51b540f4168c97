/* gate-sync-service-private.h — what the files of GateSyncService share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "gate-sync-service.h"

G_BEGIN_DECLS

struct _GateSyncService
{
  GObject           parent_instance;

  GateTicketCache  *cache;
  GateApiClient    *client;
  GateConnectivity *connectivity;
  char             *event_id;

  GTask            *running;   /* the run in progress */
  GPtrArray        *waiters;   /* GTask*: callers that joined it */

  guint             interval_seconds;
  guint             timer_id;
  guint             probe_id;
  gulong            online_id;
  gulong            signed_out_id;
  guint             backoff_ms;
  GCancellable     *cancellable;
  gint              last_pending;   /* counted in worker threads, read by heartbeats */
};

typedef struct
{
  gboolean        full;
  GPtrArray      *batch;     /* GateQueuedScan* being uploaded */
  GPtrArray      *results;   /* GateUploadResult* */
  char           *cursor;    /* where the next page request starts */
  GateTicketPageBody *page;  /* the page being decoded and stored */
  GateTicketPageBody *fetched; /* the next one, waiting for the store */
  GError         *fetch_error;
  GError         *store_error;
  gboolean        fetching;
  gboolean        storing;
  gboolean        last_page; /* the page stored or being stored ends the download */
  GateEventSummary *summary;
  GPtrArray      *conflicts;
  GPtrArray      *device_names;  /* GateDeviceInfo*: id and name */
  GPtrArray      *keys;      /* GateEventKey*, from event_keys */
  char           *failure;
  guint           uploaded;
  guint           downloaded;
} Run;

typedef gboolean (*CacheStep) (GateSyncService *self, Run *run, GError **error);
typedef void     (*NextStep)  (GTask *task);

/* Runs @step in a worker thread, then @next on the owner's context; a
 * failed step ends the run. */
void     _gate_sync_hop               (GTask           *run_task,
                                       CacheStep        step,
                                       NextStep         next);
/* Ends the run for a network @error (taken): a 401 signs the device out,
 * anything else backs off and retries later. Returns %FALSE, for a step. */
gboolean _gate_sync_network_failed    (GateSyncService *self,
                                       GTask           *run_task,
                                       GError          *error);
/* Ends the run, with @error (taken) or none. */
void     _gate_sync_finish_run        (GTask           *task,
                                       GError          *error);
/* The steps after the upload: the ticket pages (download file), then the
 * event keys. */
void     _gate_sync_refresh_next_page (GTask           *task);
void     _gate_sync_fetch_keys        (GTask           *task);

G_END_DECLS
