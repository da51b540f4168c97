/* gate-search-panel-private.h — what tests look into
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "gate-search-panel.h"
#include "gate-ticket-sheet.h"

G_BEGIN_DECLS

GtkEditable *gate_search_panel_get_entry            (GateSearchPanel *self);
GtkListView *gate_search_panel_get_list_view        (GateSearchPanel *self);
/* (element-type GateSearchResult) */
GListModel  *gate_search_panel_get_results          (GateSearchPanel *self);
/* "hint", "results", "no-match", "error" or "ticket" (the sheet) */
const char  *gate_search_panel_get_page             (GateSearchPanel *self);
GateTicketSheet *gate_search_panel_get_sheet         (GateSearchPanel *self);
/* How many searches were sent to the cache so far. */
guint        gate_search_panel_get_searches_started (GateSearchPanel *self);

G_END_DECLS
