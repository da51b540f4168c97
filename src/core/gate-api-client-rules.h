/* gate-api-client-rules.h — the gate rules' reads for offline decisions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Wrappers of list_checkin_lists and stays_changed_since (0012, 0016), in
 * gate-api-client-rpc.c beside the other RPC functions.
 */
#pragma once

#include "gate-api-client.h"

G_BEGIN_DECLS

void              gate_api_client_list_rules_async   (GateApiClient        *self,
                                                              const char           *event_id,
                                                              GCancellable         *cancellable,
                                                              GAsyncReadyCallback   callback,
                                                              gpointer              user_data);
GPtrArray        *gate_api_client_list_rules_finish  (GateApiClient        *self,
                                                              GAsyncResult         *result,
                                                              GError              **error);
void              gate_api_client_stays_changed_since_async  (GateApiClient        *self,
                                                              const char           *event_id,
                                                              const char           *cursor,
                                                              guint                 limit,
                                                              GCancellable         *cancellable,
                                                              GAsyncReadyCallback   callback,
                                                              gpointer              user_data);
GatePresencePage *gate_api_client_stays_changed_since_finish (GateApiClient        *self,
                                                              GAsyncResult         *result,
                                                              GError              **error);

G_END_DECLS
