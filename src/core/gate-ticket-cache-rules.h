/* gate-ticket-cache-rules.h — the gate rules in the offline cache
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The event's check-in lists and who is inside (docs/gate-rules.md
 * "Offline"), written by the refresh and read by offline decisions.
 */
#pragma once

#include "gate-ticket-cache.h"

G_BEGIN_DECLS

gboolean  gate_ticket_cache_set_checkin_lists      (GateTicketCache         *self,
                                                    const char              *event_id,
                                                    GPtrArray               *lists,
                                                    GError                 **error);
GPtrArray *gate_ticket_cache_dup_checkin_lists     (GateTicketCache         *self,
                                                    const char              *event_id,
                                                    GError                 **error);
char     *gate_ticket_cache_dup_presence_cursor    (GateTicketCache         *self,
                                                    const char              *event_id);
gboolean  gate_ticket_cache_apply_presence_page    (GateTicketCache         *self,
                                                    const char              *event_id,
                                                    const GatePresencePage  *page,
                                                    GError                 **error);
GatePresence *gate_ticket_cache_dup_presence       (GateTicketCache         *self,
                                                    const char              *ticket_id,
                                                    GError                 **error);
guint64   gate_ticket_cache_count_inside           (GateTicketCache         *self,
                                                    const char              *event_id);

/* For the UI (gate-ticket-cache-rules-async.c). */
void      gate_ticket_cache_count_inside_async     (GateTicketCache         *self,
                                                    const char              *event_id,
                                                    GCancellable            *cancellable,
                                                    GAsyncReadyCallback      callback,
                                                    gpointer                 user_data);
gint64    gate_ticket_cache_count_inside_finish    (GateTicketCache         *self,
                                                    GAsyncResult            *result,
                                                    GError                 **error);
void      gate_ticket_cache_dup_checkin_lists_async (GateTicketCache        *self,
                                                    const char              *event_id,
                                                    GCancellable            *cancellable,
                                                    GAsyncReadyCallback      callback,
                                                    gpointer                 user_data);
GPtrArray *gate_ticket_cache_dup_checkin_lists_finish (GateTicketCache      *self,
                                                    GAsyncResult            *result,
                                                    gboolean                *known,
                                                    GError                 **error);

G_END_DECLS
