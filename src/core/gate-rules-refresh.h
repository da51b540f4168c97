/* gate-rules-refresh.h — one refresh of the gate rules into the cache
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "gate-api-client.h"
#include "gate-ticket-cache.h"

G_BEGIN_DECLS

void     gate_rules_refresh_async  (GateApiClient        *client,
                                    GateTicketCache      *cache,
                                    const char           *event_id,
                                    GCancellable         *cancellable,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data);
gboolean gate_rules_refresh_finish (GAsyncResult         *result,
                                    guint                *downloaded,
                                    GError              **error);

G_END_DECLS
