/* gate-cache-panel-private.h — what the tests read of the panel
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "gate-arrivals-chart.h"
#include "gate-cache-panel.h"

G_BEGIN_DECLS

typedef enum
{
  GATE_CACHE_PANEL_FIGURE_EVENT,
  GATE_CACHE_PANEL_FIGURE_TICKETS_CACHED,
  GATE_CACHE_PANEL_FIGURE_CHECKED_IN,
  GATE_CACHE_PANEL_FIGURE_PENDING_UPLOADS,
  GATE_CACHE_PANEL_FIGURE_SERVER,
  GATE_CACHE_PANEL_FIGURE_LAST_REFRESH,
  GATE_CACHE_PANEL_FIGURE_LAST_FULL_REFRESH,
  GATE_CACHE_PANEL_FIGURE_LAST_UPLOAD,
  GATE_CACHE_PANEL_FIGURE_CLOCK_OFFSET,
} GateCachePanelFigure;

/* The text the panel shows for @figure right now. */
const char        *gate_cache_panel_get_figure_text   (GateCachePanel       *self,
                                                       GateCachePanelFigure  figure);
/* (nullable): the failure shown inline once it is fully in view; NULL
 * while none is shown. */
const char        *gate_cache_panel_get_message       (GateCachePanel       *self);
GtkButton         *gate_cache_panel_get_refresh_button (GateCachePanel      *self);
GtkButton         *gate_cache_panel_get_upload_button (GateCachePanel       *self);
GateArrivalsChart *gate_cache_panel_get_chart         (GateCachePanel       *self);

G_END_DECLS
