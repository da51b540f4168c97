/* gate-api-rows.h — strict decoding of PostgREST RPC answers (internal to the core)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything the server sends is untrusted: a captive portal, a proxy, a
 * misconfigured or hostile host. These functions turn bytes into the shared
 * records or a GATE_ERROR_BAD_RESPONSE that says what was wrong; they never
 * crash and never return half a page.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "gate-types.h"

G_BEGIN_DECLS

/* Deepest nesting accepted in an answer. Rows are flat objects in an array;
 * json-glib recurses per level, so a deeper body is refused before parsing. */
#define GATE_API_MAX_DEPTH 32

JsonNode         *gate_api_parse_json           (const char  *data,
                                                 gsize        size,
                                                 GError     **error);
JsonArray        *gate_api_rows_from_body       (const char  *data,
                                                 gsize        size,
                                                 GError     **error);

gboolean          gate_api_parse_time           (const char  *text,
                                                 gint64      *out_us);
char             *gate_api_format_time          (gint64       time_us);

GateScanDecision *gate_api_rows_to_scan_decision (JsonArray  *rows,
                                                 GError     **error);
GPtrArray        *gate_api_rows_to_upload_results (JsonArray *rows,
                                                 GPtrArray   *sent,
                                                 GError     **error);
GateTicketPage   *gate_api_rows_to_ticket_page  (JsonArray   *rows,
                                                 const char  *event_id,
                                                 GError     **error);
/* gate-api-page.c: a ticket page without a JSON tree; %NULL without an
 * error for a body to decode the general way. */
GateTicketPage   *gate_api_ticket_page_from_body (const char *data,
                                                 gsize       size,
                                                 const char *event_id,
                                                 GError    **error);
/* gate-api-page.c: a ticket page counted when it comes, decoded later. */
GateTicketPageBody *gate_ticket_page_body_peek        (const char               *data,
                                                       gsize                     size,
                                                       const char               *event_id);
GateTicketPageBody *gate_ticket_page_body_new_decoded (GateTicketPage           *page);
guint               gate_ticket_page_body_get_n_rows  (const GateTicketPageBody *body);
const char         *gate_ticket_page_body_get_next_cursor (const GateTicketPageBody *body);
GateTicketPage     *gate_ticket_page_body_decode      (GateTicketPageBody       *body,
                                                       GError                  **error);
void                gate_ticket_page_body_free        (GateTicketPageBody       *body);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GateTicketPageBody, gate_ticket_page_body_free)

GateEventSummary *gate_api_rows_to_event_summary (JsonArray  *rows,
                                                 GError     **error);
GPtrArray        *gate_api_rows_to_event_summaries (JsonArray *rows,
                                                 GError     **error);
gint64            gate_api_rows_to_server_time  (JsonArray   *rows,
                                                 GError     **error);
GPtrArray        *gate_api_rows_to_conflicts    (JsonArray   *rows,
                                                 GError     **error);
GPtrArray        *gate_api_rows_to_devices      (JsonArray   *rows,
                                                 GError     **error);
GPtrArray        *gate_api_rows_to_device_activity (JsonArray *rows,
                                                   GError   **error);
GPtrArray        *gate_api_rows_to_event_keys   (JsonArray   *rows,
                                                 GError     **error);


/* The gate rules (DESIGN.md §10). list_checkin_lists: element-type
 * GateCheckinList. */
GPtrArray        *gate_api_rows_to_checkin_lists (JsonArray  *rows,
                                                 GError     **error);
/* list_operators: the names, in the server's order (NULL-terminated). */
/* operator_sign_in: one row; operator_id and name only when signed_in. */
gboolean          gate_api_rows_to_sign_in      (JsonArray   *rows,
                                                 char       **operator_id,
                                                 char       **name,
                                                 gint64      *locked_until_us,
                                                 GError     **error);
/* event_stats: the "inside" of the row of scope "event" for @event_id. */
gint64            gate_api_rows_to_event_inside (JsonArray   *rows,
                                                 const char  *event_id,
                                                 GError     **error);

G_END_DECLS
