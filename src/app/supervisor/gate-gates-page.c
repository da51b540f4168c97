/* gate-gates-page.c — the numbers half; operators are in gate-gates-page-operators.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The page owns a GateGateStats and keeps it "live" exactly while the page
 * is mapped and the session is a supervisor's: AdwViewStack unmaps the
 * pages it does not show, so leaving the page stops the requests.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gate-gates-page-private.h"
#include "gate-session-follow.h"
#include "gate-time-format.h"

G_DEFINE_FINAL_TYPE (GateGatesPage, gate_gates_page, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_SESSION,
  PROP_SUPERVISOR,
  PROP_LOADING,
  PROP_ENTRIES,
  PROP_EXITS,
  PROP_INSIDE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

gboolean
gate_gates_page_get_supervisor (GateGatesPage *self)
{
  g_return_val_if_fail (GATE_IS_GATES_PAGE (self), FALSE);

  return self->session != NULL && self->stats != NULL && gate_session_get_supervisor (self->session);
}

static void
update_state (GateGatesPage *self)
{
  gboolean supervisor = gate_gates_page_get_supervisor (self);
  gboolean shown = supervisor && gtk_widget_get_mapped (GTK_WIDGET (self));

  gtk_stack_set_visible_child_name (self->states, supervisor ? "numbers" : "not-supervisor");
  if (self->stats != NULL)
    gate_gate_stats_set_live (self->stats, shown);
  if (shown && !self->operators_loaded)
    _gate_gates_page_load_operators (self);
}

static void
on_supervisor_changed (GateGatesPage *self)
{
  update_state (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUPERVISOR]);
}

/* "412 in · 30 out · 382 inside", the same words in every row. */
static GtkWidget *
figures_row (const char *title,
             gint64      entries,
             gint64      exits,
             gint64      inside)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *entries_text = g_strdup_printf ("%" G_GINT64_FORMAT, entries);
  g_autofree char *exits_text = g_strdup_printf ("%" G_GINT64_FORMAT, exits);
  g_autofree char *inside_text = g_strdup_printf ("%" G_GINT64_FORMAT, inside);
  /* TRANSLATORS: the figures of one gate or list: entries, exits, inside now. */
  g_autofree char *subtitle = g_strdup_printf (_("Entries %s · Exits %s · Inside %s"), entries_text, exits_text,
                                               inside_text);
  GtkWidget *inside_label = gtk_label_new (inside_text);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_add_css_class (inside_label, "title-3");
  gtk_widget_add_css_class (inside_label, "numeric");
  gtk_widget_set_tooltip_text (inside_label, _("Inside now"));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), inside_label);
  return row;
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static void
fill_rows (GtkListBox     *list,
           GPtrArray      *rows,
           GateStatsScope  scope)
{
  clear_list (list);
  for (guint i = 0; i < rows->len; i++)
    {
      const GateStatsRow *row = g_ptr_array_index (rows, i);
      const char *title;

      if (scope == GATE_STATS_SCOPE_LIST)
        title = row->list_name != NULL ? row->list_name : _("Scans without a list");
      else
        title = row->device_name != NULL ? row->device_name : row->device_id != NULL ? row->device_id
                                                                                     : _("Unknown gate");
      gtk_list_box_append (list, figures_row (title, row->entries, row->exits, row->inside));
    }
  if (rows->len == 0)
    {
      GtkWidget *empty = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (empty),
                                     scope == GATE_STATS_SCOPE_LIST ? _("This event has no check-in lists")
                                                                    : _("No gate has scanned yet"));
      gtk_widget_add_css_class (empty, "dim-label");
      gtk_list_box_append (list, empty);
    }
}

static void
fill_legend (GateGatesPage *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->legend))) != NULL)
    gtk_flow_box_remove (self->legend, child);

  for (guint i = 0; i < gate_gates_chart_get_n_series (self->chart); i++)
    {
      GdkRGBA color;
      g_autofree char *hex = NULL;
      g_autofree char *markup = NULL;
      GtkWidget *label;

      gate_gates_chart_get_series_color (self->chart, i, &color);
      hex = g_strdup_printf ("#%02x%02x%02x", (guint) (color.red * 255), (guint) (color.green * 255),
                             (guint) (color.blue * 255));
      markup = g_markup_printf_escaped ("<span foreground=\"%s\">●</span> %s", hex,
                                        gate_gates_chart_get_series_name (self->chart, i));
      label = gtk_label_new (NULL);
      gtk_label_set_markup (GTK_LABEL (label), markup);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_flow_box_append (self->legend, label);
    }
}

static void
on_numbers_updated (GateGatesPage *self)
{
  g_autoptr(GPtrArray) lists = gate_gate_stats_get_rows (self->stats, GATE_STATS_SCOPE_LIST);
  g_autoptr(GPtrArray) gates = gate_gate_stats_get_rows (self->stats, GATE_STATS_SCOPE_GATE);
  g_autoptr(GPtrArray) arrivals = gate_gate_stats_get_rows (self->stats, GATE_STATS_SCOPE_ARRIVALS);
  gint64 updated_at = gate_gate_stats_get_updated_at (self->stats);
  g_autofree char *clock = NULL;
  g_autofree char *updated = NULL;

  fill_rows (self->lists_list, lists, GATE_STATS_SCOPE_LIST);
  fill_rows (self->gates_list, gates, GATE_STATS_SCOPE_GATE);
  gate_gates_chart_set_arrivals (self->chart, arrivals, updated_at != 0 ? updated_at : g_get_real_time ());
  fill_legend (self);

  if (updated_at != 0)
    {
      clock = gate_time_format (updated_at, GATE_TIME_STYLE_MOMENT);
      /* TRANSLATORS: %s is a day and time, e.g. "Wed 25 Nov, 14:05:10". */
      updated = g_strdup_printf (_("Live, all gates — updated %s"), clock);
    }
  gtk_label_set_label (self->updated_label, updated != NULL ? updated : _("Loading…"));

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENTRIES]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXITS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INSIDE]);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
on_stats_error (GateGatesPage *self)
{
  const char *message = gate_gate_stats_get_error_message (self->stats);

  /* The numbers shown stay; the line says they may be stale. */
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
  if (message != NULL)
    gtk_label_set_label (self->error_label,
                         _("The server did not answer; these numbers may be out of date. Trying again…"));
}

static void
on_loading_changed (GateGatesPage *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
drop_parts (GateGatesPage *self)
{
  if (self->stats != NULL)
    {
      gate_gate_stats_set_live (self->stats, FALSE);
      g_signal_handlers_disconnect_by_data (self->stats, self);
    }
  if (self->operators != NULL)
    g_signal_handlers_disconnect_by_data (self->operators, self);
  g_clear_object (&self->stats);
  g_clear_object (&self->operators);
  self->operators_loaded = FALSE;
}

/* The numbers and operators come from the session's server. */
static void
make_parts (GateGatesPage *self)
{
  GateApiClient *client = self->session != NULL ? gate_session_get_client (self->session) : NULL;

  drop_parts (self);
  if (client != NULL)
    {
      self->stats = gate_gate_stats_new (client);
      gate_gate_stats_set_event_id (self->stats, gate_session_get_event_id (self->session));
      g_signal_connect_swapped (self->stats, "updated", G_CALLBACK (on_numbers_updated), self);
      g_signal_connect_swapped (self->stats, "notify::error-message", G_CALLBACK (on_stats_error), self);
      g_signal_connect_swapped (self->stats, "notify::loading", G_CALLBACK (on_loading_changed), self);
      self->operators = gate_operator_admin_new (client);
      g_signal_connect_swapped (self->operators, "changed", G_CALLBACK (_gate_gates_page_operators_changed), self);
      on_numbers_updated (self);
    }
  on_supervisor_changed (self);
}

GateSession *
gate_gates_page_get_session (GateGatesPage *self)
{
  g_return_val_if_fail (GATE_IS_GATES_PAGE (self), NULL);
  return self->session;
}

void
gate_gates_page_set_session (GateGatesPage *self,
                             GateSession   *session)
{
  g_return_if_fail (GATE_IS_GATES_PAGE (self));
  g_return_if_fail (session == NULL || GATE_IS_SESSION (session));

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_func (self->session, on_supervisor_changed, self);
  if (!gate_session_follow (self, &self->session, session, G_CALLBACK (make_parts)))
    return;
  if (session != NULL)
    g_signal_connect_object (session, "notify::supervisor", G_CALLBACK (on_supervisor_changed), self,
                             G_CONNECT_SWAPPED);
  make_parts (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

GateGateStats *
gate_gates_page_get_stats (GateGatesPage *self)
{
  g_return_val_if_fail (GATE_IS_GATES_PAGE (self), NULL);
  return self->stats;
}

GateOperatorAdmin *
gate_gates_page_get_operators (GateGatesPage *self)
{
  g_return_val_if_fail (GATE_IS_GATES_PAGE (self), NULL);
  return self->operators;
}

GtkWidget *
gate_gates_page_new (GateSession *session)
{
  return g_object_new (GATE_TYPE_GATES_PAGE, "session", session, NULL);
}

/* --- GtkWidget ---------------------------------------------------------------- */

static void
gate_gates_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (gate_gates_page_parent_class)->map (widget);
  update_state (GATE_GATES_PAGE (widget));
}

static void
gate_gates_page_unmap (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (gate_gates_page_parent_class)->unmap (widget);
  update_state (GATE_GATES_PAGE (widget));
}

/* --- GObject ------------------------------------------------------------------ */

static void
gate_gates_page_dispose (GObject *object)
{
  GateGatesPage *self = GATE_GATES_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  drop_parts (self);
  gate_session_follow (self, &self->session, NULL, G_CALLBACK (make_parts));
  /* The bin's child is the template's "states": letting go of the child
   * lets go of the whole template. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (gate_gates_page_parent_class)->dispose (object);
}

static void
gate_gates_page_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  GateGatesPage *self = GATE_GATES_PAGE (object);
  gint64 figures[3] = { 0, 0, 0 };

  if (self->stats != NULL)
    gate_gate_stats_get_totals (self->stats, &figures[0], &figures[1], &figures[2]);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_SUPERVISOR:
      g_value_set_boolean (value, gate_gates_page_get_supervisor (self));
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->stats != NULL && gate_gate_stats_get_loading (self->stats));
      break;
    case PROP_ENTRIES:
    case PROP_EXITS:
    case PROP_INSIDE:
      g_value_set_int64 (value, figures[prop_id - PROP_ENTRIES]);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_gates_page_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_SESSION:
      gate_gates_page_set_session (GATE_GATES_PAGE (object), g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_gates_page_class_init (GateGatesPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gate_gates_page_dispose;
  object_class->get_property = gate_gates_page_get_property;
  object_class->set_property = gate_gates_page_set_property;
  widget_class->map = gate_gates_page_map;
  widget_class->unmap = gate_gates_page_unmap;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, GATE_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SUPERVISOR] =
    g_param_spec_boolean ("supervisor", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* The event's figures as the cards show them. */
  properties[PROP_ENTRIES] =
    g_param_spec_int64 ("entries", NULL, NULL, 0, G_MAXINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_EXITS] =
    g_param_spec_int64 ("exits", NULL, NULL, 0, G_MAXINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_INSIDE] =
    g_param_spec_int64 ("inside", NULL, NULL, 0, G_MAXINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (GATE_TYPE_GATES_CHART);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/gatescanner/GateScanner/gate-gates-page.ui");
  gtk_widget_class_bind_template_child (widget_class, GateGatesPage, states);
  gtk_widget_class_bind_template_child (widget_class, GateGatesPage, updated_label);
  gtk_widget_class_bind_template_child (widget_class, GateGatesPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, GateGatesPage, chart);
  gtk_widget_class_bind_template_child (widget_class, GateGatesPage, legend);
  gtk_widget_class_bind_template_child (widget_class, GateGatesPage, gates_list);
  gtk_widget_class_bind_template_child (widget_class, GateGatesPage, lists_list);
  gtk_widget_class_bind_template_child (widget_class, GateGatesPage, operators_error_label);
  gtk_widget_class_bind_template_child (widget_class, GateGatesPage, operators_list);
  gtk_widget_class_bind_template_callback_full (widget_class, "on_add_operator_clicked",
                                                G_CALLBACK (_gate_gates_page_on_add_operator_clicked));
}

static void
gate_gates_page_init (GateGatesPage *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  update_state (self);
}
