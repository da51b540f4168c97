/* gate-session.h — one configured kiosk: its cache, server, engine and sync
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Ties the core's objects together for the window and for gatectl's client
 * verbs, which only read them. Without a server URL and token the session
 * works from its cache alone: every scan is decided offline and queued.
 */
#pragma once

#include <gio/gio.h>

#include "gate-api-client.h"
#include "gate-config.h"
#include "gate-connectivity.h"
#include "gate-scan-engine.h"
#include "gate-sync-service.h"
#include "gate-ticket-cache.h"

G_BEGIN_DECLS

#define GATE_TYPE_SESSION (gate_session_get_type ())
G_DECLARE_FINAL_TYPE (GateSession, gate_session, GATE, SESSION, GObject)

GateSession      *gate_session_new                (const char          *server_url,
                                                   const char          *token,
                                                   const char          *apikey,
                                                   const char          *device_id,
                                                   const char          *event_id,
                                                   const char          *cache_path);
/* The session @config describes (loaded); kept as the session's "config". */
GateSession      *gate_session_new_for_config     (GateConfig          *config);
/* Opens the cache off the main thread and builds the engine and sync
 * service on it. */
void              gate_session_open_async         (GateSession         *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean          gate_session_open_finish        (GateSession         *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
/* Goes live: syncs now and then every @interval_seconds, and asks the
 * server whether the token is a supervisor's. A no-op without a server. */
void              gate_session_start_sync         (GateSession         *self,
                                                   guint                interval_seconds);
void              gate_session_check_role         (GateSession         *self);

/* (nullable): what the session was made from, for "where did this value
 * come from" in Preferences. */
GateConfig       *gate_session_get_config         (GateSession         *self);
/* Whether the server refused this device's token (401 from any call): the
 * "signed-out" property. Scans end in cannot_decide (unauthorized) and the
 * sync stops until a new session; queued scans are kept. */
gboolean          gate_session_get_signed_out     (GateSession         *self);

const char       *gate_session_get_event_id       (GateSession         *self);
const char       *gate_session_get_device_id      (GateSession         *self);
gboolean          gate_session_get_supervisor     (GateSession         *self);
GateTicketCache  *gate_session_get_cache          (GateSession         *self);
GateApiClient    *gate_session_get_client         (GateSession         *self);
GateConnectivity *gate_session_get_connectivity   (GateSession         *self);
GateScanEngine   *gate_session_get_engine         (GateSession         *self);
GateSyncService  *gate_session_get_sync_service   (GateSession         *self);

/* The gate rules from the cache, offline too (docs/gate-rules.md "The
 * kiosk"): the list the kiosk was set to ("list-id"; the engine scans by
 * it only while it is a list of the event), the event's lists
 * ("checkin-lists", element-type GateCheckinList, "lists-known") and how
 * many are inside by the cache ("inside-count", -1 until counted). */
const char       *gate_session_get_list_id        (GateSession         *self);
void              gate_session_set_list_id        (GateSession         *self,
                                                   const char          *list_id);
GListModel       *gate_session_get_checkin_lists  (GateSession         *self);
gboolean          gate_session_get_lists_known    (GateSession         *self);
gint64            gate_session_get_inside_count   (GateSession         *self);

G_END_DECLS
