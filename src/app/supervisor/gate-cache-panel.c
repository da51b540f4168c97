/* gate-cache-panel.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The panel knows the core through its session: it listens to the
 * session's cache ("status-changed"), sync service ("synced") and
 * connectivity ("online") once the cache is open, and again whenever the
 * session opens anew. Reading and showing the figures, and the two
 * buttons, live in files of their own (see gate-cache-panel-private.h).
 */
#include "config.h"

#include "gate-cache-panel-private.h"
#include "gate-session-follow.h"

#define AGE_TICK_SECONDS 60

G_DEFINE_FINAL_TYPE (GateCachePanel, gate_cache_panel, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

enum
{
  MESSAGE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* --- the failure shown ----------------------------------------------------------- */

void
_gate_cache_panel_show_message (GateCachePanel *self,
                                const char     *message)
{
  gtk_label_set_label (self->message_label, message);
  gtk_revealer_set_reveal_child (self->message_revealer, TRUE);
  g_signal_emit (self, signals[MESSAGE], 0, message);
}

void
_gate_cache_panel_hide_message (GateCachePanel *self)
{
  gtk_revealer_set_reveal_child (self->message_revealer, FALSE);
}

static void
on_dismiss_clicked (GateCachePanel *self)
{
  _gate_cache_panel_hide_message (self);
}

/* --- the session --------------------------------------------------------------- */

static void
on_online_changed (GateCachePanel *self)
{
  _gate_cache_panel_show_server (self);
  _gate_cache_panel_queue_read (self);
}

static void
stop_listening (GateCachePanel *self)
{
  _gate_cache_panel_abandon_action (self);

  if (self->cache != NULL)
    g_signal_handlers_disconnect_by_data (self->cache, self);
  if (self->sync_service != NULL)
    g_signal_handlers_disconnect_by_data (self->sync_service, self);
  if (self->connectivity != NULL)
    g_signal_handlers_disconnect_by_data (self->connectivity, self);
  g_clear_object (&self->cache);
  g_clear_object (&self->sync_service);
  g_clear_object (&self->connectivity);
}

/* The session's parts exist once its cache is open: listen to them then. */
static void
listen_to_session (GateCachePanel *self)
{
  stop_listening (self);

  if (self->session != NULL && gate_session_get_cache (self->session) != NULL)
    {
      g_set_object (&self->cache, gate_session_get_cache (self->session));
      g_set_object (&self->sync_service, gate_session_get_sync_service (self->session));
      g_set_object (&self->connectivity, gate_session_get_connectivity (self->session));

      g_signal_connect_swapped (self->cache, "status-changed", G_CALLBACK (_gate_cache_panel_queue_read), self);
      if (self->sync_service != NULL)
        g_signal_connect_swapped (self->sync_service, "synced", G_CALLBACK (_gate_cache_panel_queue_read), self);
      g_signal_connect_swapped (self->connectivity, "notify::online", G_CALLBACK (on_online_changed), self);
    }

  _gate_cache_panel_show_server (self);
  _gate_cache_panel_show_action (self);
  _gate_cache_panel_queue_read (self);
}

/**
 * gate_cache_panel_new:
 * @session: (nullable): the kiosk whose cache is shown
 */
GtkWidget *
gate_cache_panel_new (GateSession *session)
{
  return g_object_new (GATE_TYPE_CACHE_PANEL, "session", session, NULL);
}

GateSession *
gate_cache_panel_get_session (GateCachePanel *self)
{
  g_return_val_if_fail (GATE_IS_CACHE_PANEL (self), NULL);

  return self->session;
}

void
gate_cache_panel_set_session (GateCachePanel *self,
                              GateSession    *session)
{
  g_return_if_fail (GATE_IS_CACHE_PANEL (self));
  g_return_if_fail (session == NULL || GATE_IS_SESSION (session));

  if (!gate_session_follow (self, &self->session, session, G_CALLBACK (listen_to_session)))
    return;

  listen_to_session (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

/* --- private API, for the tests ---------------------------------------------------------- */

const char *
gate_cache_panel_get_figure_text (GateCachePanel       *self,
                                  GateCachePanelFigure  figure)
{
  GtkLabel *label = NULL;

  g_return_val_if_fail (GATE_IS_CACHE_PANEL (self), NULL);

  switch (figure)
    {
    case GATE_CACHE_PANEL_FIGURE_EVENT:
      label = self->event_label;
      break;

    case GATE_CACHE_PANEL_FIGURE_TICKETS_CACHED:
      label = self->tickets_label;
      break;

    case GATE_CACHE_PANEL_FIGURE_CHECKED_IN:
      label = self->checked_in_label;
      break;

    case GATE_CACHE_PANEL_FIGURE_PENDING_UPLOADS:
      label = self->pending_label;
      break;

    case GATE_CACHE_PANEL_FIGURE_SERVER:
      label = self->server_label;
      break;

    case GATE_CACHE_PANEL_FIGURE_LAST_REFRESH:
      label = self->last_refresh_label;
      break;

    case GATE_CACHE_PANEL_FIGURE_LAST_FULL_REFRESH:
      label = self->last_full_refresh_label;
      break;

    case GATE_CACHE_PANEL_FIGURE_LAST_UPLOAD:
      label = self->last_upload_label;
      break;

    case GATE_CACHE_PANEL_FIGURE_CLOCK_OFFSET:
      label = self->clock_label;
      break;

    default:
      g_return_val_if_reached (NULL);
    }

  return gtk_label_get_label (label);
}

const char *
gate_cache_panel_get_message (GateCachePanel *self)
{
  g_return_val_if_fail (GATE_IS_CACHE_PANEL (self), NULL);

  if (!gtk_revealer_get_reveal_child (self->message_revealer) ||
      !gtk_revealer_get_child_revealed (self->message_revealer))
    return NULL;
  return gtk_label_get_label (self->message_label);
}

GtkButton *
gate_cache_panel_get_refresh_button (GateCachePanel *self)
{
  g_return_val_if_fail (GATE_IS_CACHE_PANEL (self), NULL);

  return self->refresh_button;
}

GtkButton *
gate_cache_panel_get_upload_button (GateCachePanel *self)
{
  g_return_val_if_fail (GATE_IS_CACHE_PANEL (self), NULL);

  return self->upload_button;
}

GateArrivalsChart *
gate_cache_panel_get_chart (GateCachePanel *self)
{
  g_return_val_if_fail (GATE_IS_CACHE_PANEL (self), NULL);

  return self->chart;
}

/* --- object ------------------------------------------------------------------------------- */

static void
gate_cache_panel_map (GtkWidget *widget)
{
  GateCachePanel *self = GATE_CACHE_PANEL (widget);

  GTK_WIDGET_CLASS (gate_cache_panel_parent_class)->map (widget);

  _gate_cache_panel_show_ages (self);
  if (self->age_tick_id == 0)
    self->age_tick_id = g_timeout_add_seconds (AGE_TICK_SECONDS, _gate_cache_panel_on_age_tick, self);
}

static void
gate_cache_panel_unmap (GtkWidget *widget)
{
  GateCachePanel *self = GATE_CACHE_PANEL (widget);

  g_clear_handle_id (&self->age_tick_id, g_source_remove);

  GTK_WIDGET_CLASS (gate_cache_panel_parent_class)->unmap (widget);
}

static void
gate_cache_panel_dispose (GObject *object)
{
  GateCachePanel *self = GATE_CACHE_PANEL (object);

  g_clear_handle_id (&self->age_tick_id, g_source_remove);
  _gate_cache_panel_stop_reading (self);
  stop_listening (self);
  gate_session_follow (self, &self->session, NULL, G_CALLBACK (listen_to_session));

  gtk_widget_dispose_template (GTK_WIDGET (self), GATE_TYPE_CACHE_PANEL);

  G_OBJECT_CLASS (gate_cache_panel_parent_class)->dispose (object);
}

static void
gate_cache_panel_finalize (GObject *object)
{
  GateCachePanel *self = GATE_CACHE_PANEL (object);

  g_clear_pointer (&self->status, gate_cache_status_free);

  G_OBJECT_CLASS (gate_cache_panel_parent_class)->finalize (object);
}

static void
gate_cache_panel_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  GateCachePanel *self = GATE_CACHE_PANEL (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_cache_panel_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  GateCachePanel *self = GATE_CACHE_PANEL (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      gate_cache_panel_set_session (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_cache_panel_class_init (GateCachePanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gate_cache_panel_dispose;
  object_class->finalize = gate_cache_panel_finalize;
  object_class->get_property = gate_cache_panel_get_property;
  object_class->set_property = gate_cache_panel_set_property;

  widget_class->map = gate_cache_panel_map;
  widget_class->unmap = gate_cache_panel_unmap;

  /**
   * GateCachePanel:session:
   *
   * The kiosk whose cache is shown: its cache for the figures, its sync
   * service for "Refresh now" and "Upload now" (both insensitive without a
   * server), its connectivity for the server's reachability, its event.
   */
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, GATE_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GateCachePanel::message:
   * @self: the panel
   * @message: a sentence for the gate worker
   *
   * A refresh, an upload or a read of the cache failed. The panel shows
   * @message itself; the window may also show it as a toast.
   */
  signals[MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  g_type_ensure (GATE_TYPE_ARRIVALS_CHART);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/gatescanner/GateScanner/gate-cache-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, message_revealer);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, message_label);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, event_row);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, event_label);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, tickets_label);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, checked_in_label);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, pending_label);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, server_label);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, last_refresh_row);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, last_refresh_label);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, last_full_refresh_row);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, last_full_refresh_label);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, last_upload_row);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, last_upload_label);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, clock_label);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, refresh_button);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, refresh_spinner);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, upload_button);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, upload_spinner);
  gtk_widget_class_bind_template_child (widget_class, GateCachePanel, chart);
  gtk_widget_class_bind_template_callback (widget_class, on_dismiss_clicked);
  gtk_widget_class_bind_template_callback_full (widget_class, "on_refresh_clicked",
                                                G_CALLBACK (_gate_cache_panel_on_refresh_clicked));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_upload_clicked",
                                                G_CALLBACK (_gate_cache_panel_on_upload_clicked));
}

static void
gate_cache_panel_init (GateCachePanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  _gate_cache_panel_show_figures (self);
  _gate_cache_panel_show_server (self);
  _gate_cache_panel_show_action (self);
}
