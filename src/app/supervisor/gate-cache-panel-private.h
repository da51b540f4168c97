/* gate-cache-panel-private.h — what GateCachePanel's files share, and what
 * its tests read
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GateCachePanel is one widget in three files, one concern each:
 *
 *   gate-cache-panel.c          the widget: its session, properties, and
 *                               the failure it shows
 *   gate-cache-panel-figures.c  reading the cache's figures and showing them
 *   gate-cache-panel-actions.c  "Refresh now" and "Upload now"
 */
#pragma once

#include "gate-arrivals-chart.h"
#include "gate-cache-panel.h"

G_BEGIN_DECLS

typedef enum
{
  GATE_CACHE_PANEL_ACTION_NONE,
  GATE_CACHE_PANEL_ACTION_REFRESH,
  GATE_CACHE_PANEL_ACTION_UPLOAD,
} GateCachePanelAction;

struct _GateCachePanel
{
  AdwBin                parent_instance;

  GateSession          *session;
  /* The session's parts, held while the panel listens to them; NULL until
   * the session's cache is open (and the sync service without a server). */
  GateTicketCache      *cache;
  GateSyncService      *sync_service;
  GateConnectivity     *connectivity;

  GateCacheStatus      *status;            /* (nullable): the figures last read */
  GCancellable         *read_cancellable;  /* the re-read in flight */
  guint                 read_idle_id;
  gint64                arrivals_since_us; /* of the re-read in flight */
  guint                 age_tick_id;

  GateCachePanelAction  action;
  GCancellable         *action_cancellable;

  /* template */
  GtkRevealer          *message_revealer;
  GtkLabel             *message_label;
  AdwActionRow         *event_row;
  GtkLabel             *event_label;
  GtkLabel             *tickets_label;
  GtkLabel             *checked_in_label;
  GtkLabel             *pending_label;
  GtkLabel             *server_label;
  AdwActionRow         *last_refresh_row;
  GtkLabel             *last_refresh_label;
  AdwActionRow         *last_full_refresh_row;
  GtkLabel             *last_full_refresh_label;
  AdwActionRow         *last_upload_row;
  GtkLabel             *last_upload_label;
  GtkLabel             *clock_label;
  GtkButton            *refresh_button;
  GtkSpinner           *refresh_spinner;
  GtkButton            *upload_button;
  GtkSpinner           *upload_spinner;
  GateArrivalsChart    *chart;
};

/* gate-cache-panel.c */
void         _gate_cache_panel_show_message      (GateCachePanel *self,
                                                  const char     *message);
void         _gate_cache_panel_hide_message      (GateCachePanel *self);

/* gate-cache-panel-figures.c */
void         _gate_cache_panel_show_figures      (GateCachePanel *self);
void         _gate_cache_panel_show_ages         (GateCachePanel *self);
void         _gate_cache_panel_show_server       (GateCachePanel *self);
void         _gate_cache_panel_queue_read        (GateCachePanel *self);
void         _gate_cache_panel_stop_reading      (GateCachePanel *self);
gboolean     _gate_cache_panel_on_age_tick       (gpointer        user_data);

/* gate-cache-panel-actions.c */
void         _gate_cache_panel_show_action       (GateCachePanel *self);
void         _gate_cache_panel_abandon_action    (GateCachePanel *self);
void         _gate_cache_panel_on_refresh_clicked (GateCachePanel *self);
void         _gate_cache_panel_on_upload_clicked (GateCachePanel *self);

/* --- for the tests --- */

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
const char        *gate_cache_panel_get_figure_text    (GateCachePanel       *self,
                                                        GateCachePanelFigure  figure);
/* (nullable): the failure shown inline once it is fully in view; NULL
 * while none is shown. */
const char        *gate_cache_panel_get_message        (GateCachePanel       *self);
GtkButton         *gate_cache_panel_get_refresh_button (GateCachePanel       *self);
GtkButton         *gate_cache_panel_get_upload_button  (GateCachePanel       *self);
GateArrivalsChart *gate_cache_panel_get_chart          (GateCachePanel       *self);

G_END_DECLS
