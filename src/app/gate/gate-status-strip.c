/* gate-status-strip.c — the gate's one-line status
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Online or offline, scans waiting for upload, how old the cache is, the
 * event, who is signed in, how many are inside now (GateOccupancy, asked
 * at the strip's cadence and after each change of the cache; offline the
 * session's count from the cache, marked "≈") and how many
 * are in. Figures are re-read only when the cache says
 * they changed; a slow tick re-renders the age text of what was read.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gate-occupancy.h"
#include "gate-session-follow.h"
#include "gate-status-strip.h"

#define AGE_TICK_SECONDS 30

struct _GateStatusStrip
{
  GtkWidget         parent_instance;

  GtkImage         *online_icon;
  GtkLabel         *online_label;
  GtkLabel         *pending_label;
  GtkLabel         *age_label;
  GtkLabel         *event_label;
  GtkLabel         *count_label;
  GtkLabel         *inside_label;
  GtkWidget        *operator_box;
  GtkLabel         *operator_label;
  GtkWidget        *sign_out_button;

  GateSession      *session;
  GateOccupancy    *occupancy;      /* the session's event, while it is open */
  GateScanEngine   *engine;         /* the session's, while it is open */
  GateOperators    *operators;      /* (nullable) */
  GateTicketCache  *cache;          /* the session's, once it is open */
  GateConnectivity *connectivity;   /* the session's */
  GCancellable     *reading;
  gint64            last_refresh_at_us;
  guint             age_tick_id;
};

G_DEFINE_FINAL_TYPE (GateStatusStrip, gate_status_strip, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update_age (GateStatusStrip *self)
{
  g_autofree char *text = NULL;
  gint64 minutes;

  if (self->cache == NULL)
    return;

  if (self->last_refresh_at_us == 0)
    {
      gtk_label_set_label (self->age_label, _("Cache never refreshed"));
      return;
    }

  minutes = MAX (0, (g_get_real_time () - self->last_refresh_at_us) / (60 * G_USEC_PER_SEC));
  if (minutes == 0)
    text = g_strdup (_("Cache up to date"));
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Cache %d min old", "Cache %d min old",
                                         (gulong) minutes),
                            (int) MIN (minutes, G_MAXINT));
  gtk_label_set_label (self->age_label, text);
}

static gboolean
on_age_tick (gpointer user_data)
{
  update_age (user_data);
  return G_SOURCE_CONTINUE;
}

/* Signed out outranks offline: nothing this gate does will reach the
 * server until a supervisor enrols it again, and the worker must know at
 * once, not at the next scan. Offline is a strong colour, an icon and a
 * word, never a pale tint that is easy to miss. */
static void
update_online (GateStatusStrip *self)
{
  gboolean signed_out = self->connectivity != NULL && gate_connectivity_get_signed_out (self->connectivity);
  gboolean online = !signed_out && (self->connectivity == NULL || gate_connectivity_get_online (self->connectivity));
  const char *icon;
  const char *text;

  if (signed_out)
    {
      icon = "dialog-error-symbolic";
      text = _("This gate was signed out — call a supervisor");
    }
  else if (online)
    {
      icon = "network-wireless-symbolic";
      text = _("Online");
    }
  else
    {
      icon = "network-wireless-offline-symbolic";
      text = _("Offline");
    }
  gtk_image_set_from_icon_name (self->online_icon, icon);
  gtk_label_set_label (self->online_label, text);

  if (online)
    gtk_widget_remove_css_class (GTK_WIDGET (self), "offline");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self), "offline");
  if (signed_out)
    gtk_widget_add_css_class (GTK_WIDGET (self), "signed-out");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "signed-out");
}

static void
on_status_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateCacheStatus) status = NULL;
  g_autofree char *pending = NULL;
  g_autofree char *count = NULL;
  GateStatusStrip *self;

  status = gate_ticket_cache_get_status_finish (GATE_TICKET_CACHE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = GATE_STATUS_STRIP (user_data);
  if (status == NULL)
    {
      g_warning ("Could not read the cache status: %s", error->message);
      return;
    }

  if (status->pending_uploads == 0)
    pending = g_strdup (_("All scans uploaded"));
  else
    pending = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d scan to upload", "%d scans to upload",
                                            (gulong) status->pending_uploads),
                               (int) MIN (status->pending_uploads, G_MAXINT));
  /* Translators: checked in / tickets, e.g. "142 / 500 in" */
  count = g_strdup_printf (_("%d / %d in"),
                           (int) MIN (status->checked_in, G_MAXINT),
                           (int) MIN (status->tickets_cached, G_MAXINT));

  gtk_label_set_label (self->pending_label, pending);
  gtk_label_set_label (self->count_label, count);
  gtk_label_set_label (self->event_label, status->event_name != NULL ? status->event_name : "");
  self->last_refresh_at_us = status->last_refresh_at_us;
  update_age (self);
}

static void
reread_status (GateStatusStrip *self)
{
  g_cancellable_cancel (self->reading);
  g_clear_object (&self->reading);

  if (self->cache == NULL)
    return;

  self->reading = g_cancellable_new ();
  /* The strip lives as long as the read: dispose cancels it first. */
  gate_ticket_cache_get_status_async (self->cache, gate_session_get_event_id (self->session), self->reading,
                                      on_status_read, self);
}

static void
on_cache_changed (GateStatusStrip *self)
{
  reread_status (self);
  if (self->occupancy != NULL)
    gate_occupancy_refresh (self->occupancy);
}

/* Every decision may move someone in or out: exits change no ticket in
 * the cache, so the cache's signal alone would miss them. */
static void
on_decided (GateStatusStrip *self)
{
  if (self->occupancy != NULL)
    gate_occupancy_refresh (self->occupancy);
}

static void
update_inside (GateStatusStrip *self)
{
  gint64 inside = self->occupancy != NULL ? gate_occupancy_get_inside (self->occupancy) : -1;
  gboolean from_cache = self->occupancy != NULL &&
                        g_strcmp0 (gate_occupancy_get_source (self->occupancy), "cache") == 0;
  g_autofree char *text = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->inside_label), inside >= 0);
  if (inside < 0)
    {
      gtk_label_set_label (self->inside_label, "");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->inside_label), NULL);
      return;
    }
  /* Without the server the figure is this gate's own: the last refresh
   * plus what this gate let in and out since, not the other gates'. */
  if (from_cache)
    /* Translators: guests inside by this gate's cache while the server can't be reached, e.g. "≈ 412 inside" */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "≈ %d inside", "≈ %d inside", (gulong) inside),
                            (int) MIN (inside, G_MAXINT));
  else
    /* Translators: guests of the event inside the venue now, e.g. "412 inside" */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d inside", "%d inside", (gulong) inside),
                            (int) MIN (inside, G_MAXINT));
  gtk_label_set_label (self->inside_label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->inside_label),
                               from_cache ? _("Counted by this gate as of the last refresh: the server can't be "
                                              "reached, so other gates' entries and exits since are missing")
                                          : NULL);
}

static void
update_operator (GateStatusStrip *self)
{
  const char *name = self->operators != NULL ? gate_operators_get_operator_name (self->operators) : NULL;
  g_autofree char *description = NULL;

  gtk_widget_set_visible (self->operator_box, name != NULL);
  gtk_label_set_label (self->operator_label, name != NULL ? name : "");
  if (name != NULL)
    /* Translators: who is signed in at this gate, for screen readers, e.g. "Signed in: Ana" */
    description = g_strdup_printf (_("Signed in: %s"), name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->operator_label), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  description != NULL ? description : "", -1);
}

static void
on_sign_out_clicked (GateStatusStrip *self)
{
  if (self->operators != NULL)
    gate_operators_sign_out (self->operators);
}

void
gate_status_strip_set_operators (GateStatusStrip *self,
                                 GateOperators   *operators)
{
  g_return_if_fail (GATE_IS_STATUS_STRIP (self));
  g_return_if_fail (operators == NULL || GATE_IS_OPERATORS (operators));

  if (self->operators != NULL)
    g_signal_handlers_disconnect_by_data (self->operators, self);
  if (!g_set_object (&self->operators, operators))
    return;
  if (operators != NULL)
    g_signal_connect_swapped (operators, "notify::operator-name", G_CALLBACK (update_operator), self);
  update_operator (self);
}

static void
stop_listening (GateStatusStrip *self)
{
  g_cancellable_cancel (self->reading);
  g_clear_object (&self->reading);

  if (self->cache != NULL)
    g_signal_handlers_disconnect_by_data (self->cache, self);
  if (self->connectivity != NULL)
    g_signal_handlers_disconnect_by_data (self->connectivity, self);
  if (self->occupancy != NULL)
    g_signal_handlers_disconnect_by_data (self->occupancy, self);
  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_clear_object (&self->engine);

  g_clear_object (&self->cache);
  g_clear_object (&self->connectivity);
  g_clear_object (&self->occupancy);
}

/* The session's cache opens after the session is made: listen to it then. */
static void
listen_to_session (GateStatusStrip *self)
{
  stop_listening (self);

  if (self->session != NULL)
    {
      g_set_object (&self->cache, gate_session_get_cache (self->session));
      g_set_object (&self->connectivity, gate_session_get_connectivity (self->session));
    }

  if (self->cache != NULL)
    {
      /* Not "ticket-changed" too: the cache emits "status-changed" with
       * each of them, at most once per main-loop iteration, so an upload
       * answering 500 scans costs one read, not 500. */
      g_signal_connect_swapped (self->cache, "status-changed", G_CALLBACK (on_cache_changed), self);
    }
  if (self->connectivity != NULL)
    {
      g_signal_connect_swapped (self->connectivity, "notify::online", G_CALLBACK (update_online), self);
      g_signal_connect_swapped (self->connectivity, "notify::signed-out", G_CALLBACK (update_online), self);
    }

  if (self->cache != NULL)
    {
      /* Offline, the session's count from the cache ("inside-count"). */
      self->occupancy = gate_occupancy_new (gate_session_get_client (self->session), G_OBJECT (self->session),
                                            gate_session_get_event_id (self->session), AGE_TICK_SECONDS);
      g_signal_connect_swapped (self->occupancy, "notify::inside", G_CALLBACK (update_inside), self);
      g_signal_connect_swapped (self->occupancy, "notify::source", G_CALLBACK (update_inside), self);
      if (self->connectivity != NULL)
        g_object_bind_property (self->connectivity, "online", self->occupancy, "online", G_BINDING_SYNC_CREATE);
      g_set_object (&self->engine, gate_session_get_engine (self->session));
      if (self->engine != NULL)
        g_signal_connect_swapped (self->engine, "decided", G_CALLBACK (on_decided), self);
    }

  update_online (self);
  update_inside (self);
  reread_status (self);
}

GateSession *
gate_status_strip_get_session (GateStatusStrip *self)
{
  g_return_val_if_fail (GATE_IS_STATUS_STRIP (self), NULL);

  return self->session;
}

void
gate_status_strip_set_session (GateStatusStrip *self,
                               GateSession     *session)
{
  g_return_if_fail (GATE_IS_STATUS_STRIP (self));
  g_return_if_fail (session == NULL || GATE_IS_SESSION (session));

  if (!gate_session_follow (self, &self->session, session, G_CALLBACK (listen_to_session)))
    return;

  listen_to_session (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

char *
gate_status_strip_dup_text (GateStatusStrip *self)
{
  g_return_val_if_fail (GATE_IS_STATUS_STRIP (self), NULL);

  return g_strjoin (" · ",
                    gtk_label_get_label (self->online_label),
                    gtk_label_get_label (self->pending_label),
                    gtk_label_get_label (self->age_label),
                    gtk_label_get_label (self->event_label),
                    gtk_label_get_label (self->operator_label),
                    gtk_label_get_label (self->inside_label),
                    gtk_label_get_label (self->count_label),
                    NULL);
}

static void
gate_status_strip_dispose (GObject *object)
{
  GateStatusStrip *self = GATE_STATUS_STRIP (object);
  GtkWidget *child;

  stop_listening (self);
  gate_status_strip_set_operators (self, NULL);
  gate_session_follow (self, &self->session, NULL, G_CALLBACK (listen_to_session));
  g_clear_handle_id (&self->age_tick_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), GATE_TYPE_STATUS_STRIP);
  /* The template's top box has no id, so dispose_template leaves it. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (gate_status_strip_parent_class)->dispose (object);
}

static void
gate_status_strip_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  GateStatusStrip *self = GATE_STATUS_STRIP (object);

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
gate_status_strip_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  GateStatusStrip *self = GATE_STATUS_STRIP (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      gate_status_strip_set_session (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_status_strip_class_init (GateStatusStripClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gate_status_strip_dispose;
  object_class->get_property = gate_status_strip_get_property;
  object_class->set_property = gate_status_strip_set_property;

  /* The kiosk whose cache and connection are shown. */
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, GATE_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/gatescanner/GateScanner/gate-status-strip.ui");
  gtk_widget_class_bind_template_child (widget_class, GateStatusStrip, online_icon);
  gtk_widget_class_bind_template_child (widget_class, GateStatusStrip, online_label);
  gtk_widget_class_bind_template_child (widget_class, GateStatusStrip, pending_label);
  gtk_widget_class_bind_template_child (widget_class, GateStatusStrip, age_label);
  gtk_widget_class_bind_template_child (widget_class, GateStatusStrip, event_label);
  gtk_widget_class_bind_template_child (widget_class, GateStatusStrip, count_label);
  gtk_widget_class_bind_template_child (widget_class, GateStatusStrip, inside_label);
  gtk_widget_class_bind_template_child (widget_class, GateStatusStrip, operator_box);
  gtk_widget_class_bind_template_child (widget_class, GateStatusStrip, operator_label);
  gtk_widget_class_bind_template_child (widget_class, GateStatusStrip, sign_out_button);
  gtk_widget_class_bind_template_callback (widget_class, on_sign_out_clicked);
  gtk_widget_class_set_css_name (widget_class, "statusstrip");
}

static void
gate_status_strip_init (GateStatusStrip *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->age_tick_id = g_timeout_add_seconds (AGE_TICK_SECONDS, on_age_tick, self);
  update_online (self);
}
