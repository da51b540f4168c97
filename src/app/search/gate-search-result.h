/* gate-search-result.h — one ticket found by the manual search, for a list row
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Wraps a GateTicket so that a GtkListView row can bind to what the gate
 * worker reads: name, type, the code's tail and the status as a sentence.
 * Setting a newer copy of the ticket updates every property at once.
 */
#pragma once

#include <glib-object.h>

#include "gate-types.h"

G_BEGIN_DECLS

#define GATE_TYPE_SEARCH_RESULT (gate_search_result_get_type ())
G_DECLARE_FINAL_TYPE (GateSearchResult, gate_search_result, GATE, SEARCH_RESULT, GObject)

GateSearchResult *gate_search_result_new             (const GateTicket *ticket);
const GateTicket *gate_search_result_get_ticket      (GateSearchResult *self);
void              gate_search_result_set_ticket      (GateSearchResult *self,
                                                      const GateTicket *ticket);
const char       *gate_search_result_get_code        (GateSearchResult *self);
const char       *gate_search_result_get_code_tail   (GateSearchResult *self);
const char       *gate_search_result_get_status_text (GateSearchResult *self);

G_END_DECLS
