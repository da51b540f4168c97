/* gate-api-rows-supervisor.h — strict decoding of a supervisor's RPC answers (internal to the core)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * As gate-api-rows.h: the answer is untrusted; these return the records or
 * GATE_ERROR_BAD_RESPONSE naming the row and member that was wrong.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "gate-supervisor-types.h"

G_BEGIN_DECLS

/* event_stats (element-type GateStatsRow). */
GPtrArray    *gate_api_rows_to_stats            (JsonArray  *rows,
                                                 GError    **error);
/* list_operators (element-type GateOperator). */
GPtrArray    *gate_api_rows_to_operators        (JsonArray  *rows,
                                                 GError    **error);
/* add_operator: one row. */
GateOperator *gate_api_rows_to_operator         (JsonArray  *rows,
                                                 GError    **error);
/* Fills winner_operator and loser_operator of @conflicts (element-type
 * GateConflict), decoded from the same @rows in the same order; a server
 * from before 0017 sends neither, which leaves them NULL. */
gboolean      gate_api_rows_add_conflict_operators (JsonArray *rows,
                                                 GPtrArray  *conflicts,
                                                 GError    **error);

G_END_DECLS
