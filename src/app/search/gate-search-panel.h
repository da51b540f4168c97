/* gate-search-panel.h — manual entry: find a ticket by name or code
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For a damaged code or a guest without one: a search over the event's
 * cached tickets (offline too), at least GATE_CACHE_SEARCH_MIN characters of
 * a name or a code, and a way to check a code typed in full. Whatever the
 * gate worker picks comes out as ::code-chosen, to be scanned like any code.
 * See docs/input.md.
 */
#pragma once

#include <adwaita.h>

#include "gate-session.h"

G_BEGIN_DECLS

#define GATE_TYPE_SEARCH_PANEL (gate_search_panel_get_type ())
G_DECLARE_FINAL_TYPE (GateSearchPanel, gate_search_panel, GATE, SEARCH_PANEL, AdwBin)

GtkWidget   *gate_search_panel_new         (void);
GateSession *gate_search_panel_get_session (GateSearchPanel *self);
void         gate_search_panel_set_session (GateSearchPanel *self,
                                            GateSession     *session);
void         gate_search_panel_reset       (GateSearchPanel *self);

G_END_DECLS
