/* gate-ticket-sheet.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The labels bind to the result's properties in the template, so a ticket
 * admitted elsewhere while the sheet is up (the panel updates its results
 * on the cache's ticket-changed) shows its new status at once.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gate-ticket-sheet.h"
#include "gate-time-format.h"

struct _GateTicketSheet
{
  AdwBin            parent_instance;

  GateSearchResult *result;
  char             *scanned_device_name;
  char             *last_scan;

  /* template */
  GtkButton        *admit_button;
};

G_DEFINE_FINAL_TYPE (GateTicketSheet, gate_ticket_sheet, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_RESULT,
  PROP_LAST_SCAN,
  PROP_ADMIT_LABEL,
  N_PROPS
};

enum
{
  CONFIRMED,
  DISMISSED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static char *
last_scan_for (const GateTicket *ticket,
               const char       *device_name)
{
  g_autofree char *when = NULL;
  const char *gate;

  if (ticket == NULL || ticket->scanned_at_us <= 0)
    return g_strdup (_("Not scanned yet"));

  when = gate_time_format (ticket->scanned_at_us, GATE_TIME_STYLE_CLOCK_OR_DATE);
  gate = device_name != NULL ? device_name : ticket->scanned_device;
  if (gate == NULL)
    /* Translators: %s is when, e.g. "16:38" */
    return g_strdup_printf (_("Last scanned at %s"), when);
  /* Translators: when, then the gate, e.g. "Last scanned at 16:38 at North Gate" */
  return g_strdup_printf (_("Last scanned at %s at %s"), when, gate);
}

static void
update (GateTicketSheet *self)
{
  const GateTicket *ticket = self->result != NULL ? gate_search_result_get_ticket (self->result) : NULL;

  g_free (self->last_scan);
  self->last_scan = last_scan_for (ticket, self->scanned_device_name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_SCAN]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ADMIT_LABEL]);
}

/* Only a valid ticket is offered as "Admit": anything else is checked, and
 * the gate shows why it is refused. */
static const char *
admit_label (GateTicketSheet *self)
{
  const GateTicket *ticket = self->result != NULL ? gate_search_result_get_ticket (self->result) : NULL;

  if (ticket == NULL || ticket->status == GATE_TICKET_STATUS_VALID)
    return _("_Admit");
  return _("_Check Ticket");
}

GtkWidget *
gate_ticket_sheet_new (void)
{
  return g_object_new (GATE_TYPE_TICKET_SHEET, NULL);
}

GateSearchResult *
gate_ticket_sheet_get_result (GateTicketSheet *self)
{
  g_return_val_if_fail (GATE_IS_TICKET_SHEET (self), NULL);

  return self->result;
}

void
gate_ticket_sheet_set_result (GateTicketSheet  *self,
                              GateSearchResult *result,
                              const char       *scanned_device_name)
{
  g_return_if_fail (GATE_IS_TICKET_SHEET (self));
  g_return_if_fail (result == NULL || GATE_IS_SEARCH_RESULT (result));

  if (self->result != NULL)
    g_signal_handlers_disconnect_by_data (self->result, self);
  g_set_object (&self->result, result);
  g_free (self->scanned_device_name);
  self->scanned_device_name = g_strdup (scanned_device_name);
  if (result != NULL)
    g_signal_connect_object (result, "notify::ticket", G_CALLBACK (update), self, G_CONNECT_SWAPPED);

  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESULT]);
}

const char *
gate_ticket_sheet_get_last_scan (GateTicketSheet *self)
{
  g_return_val_if_fail (GATE_IS_TICKET_SHEET (self), NULL);

  return self->last_scan;
}

static void
on_admit_clicked (GateTicketSheet *self)
{
  if (self->result != NULL)
    g_signal_emit (self, signals[CONFIRMED], 0, gate_search_result_get_code (self->result));
}

static void
on_back_clicked (GateTicketSheet *self)
{
  g_signal_emit (self, signals[DISMISSED], 0);
}

static void
dismiss_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  on_back_clicked (GATE_TICKET_SHEET (widget));
}

static gboolean
gate_ticket_sheet_grab_focus (GtkWidget *widget)
{
  GateTicketSheet *self = GATE_TICKET_SHEET (widget);

  return gtk_widget_grab_focus (GTK_WIDGET (self->admit_button));
}

static void
gate_ticket_sheet_dispose (GObject *object)
{
  GateTicketSheet *self = GATE_TICKET_SHEET (object);

  if (self->result != NULL)
    g_signal_handlers_disconnect_by_data (self->result, self);
  g_clear_object (&self->result);
  gtk_widget_dispose_template (GTK_WIDGET (self), GATE_TYPE_TICKET_SHEET);

  G_OBJECT_CLASS (gate_ticket_sheet_parent_class)->dispose (object);
}

static void
gate_ticket_sheet_finalize (GObject *object)
{
  GateTicketSheet *self = GATE_TICKET_SHEET (object);

  g_free (self->scanned_device_name);
  g_free (self->last_scan);

  G_OBJECT_CLASS (gate_ticket_sheet_parent_class)->finalize (object);
}

static void
gate_ticket_sheet_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  GateTicketSheet *self = GATE_TICKET_SHEET (object);

  switch (prop_id)
    {
    case PROP_RESULT:
      g_value_set_object (value, self->result);
      break;

    case PROP_LAST_SCAN:
      g_value_set_string (value, self->last_scan);
      break;

    case PROP_ADMIT_LABEL:
      g_value_set_string (value, admit_label (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_ticket_sheet_class_init (GateTicketSheetClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gate_ticket_sheet_dispose;
  object_class->finalize = gate_ticket_sheet_finalize;
  object_class->get_property = gate_ticket_sheet_get_property;

  widget_class->grab_focus = gate_ticket_sheet_grab_focus;

  /* The ticket shown (set with gate_ticket_sheet_set_result()). */
  properties[PROP_RESULT] =
    g_param_spec_object ("result", NULL, NULL, GATE_TYPE_SEARCH_RESULT,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* When and at which gate the ticket was last scanned. */
  properties[PROP_LAST_SCAN] =
    g_param_spec_string ("last-scan", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* "Admit" for a valid ticket, "Check Ticket" for any other. */
  properties[PROP_ADMIT_LABEL] =
    g_param_spec_string ("admit-label", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GateTicketSheet::confirmed:
   * @code: the ticket's code
   *
   * The gate worker pressed Admit: check this ticket.
   */
  signals[CONFIRMED] =
    g_signal_new ("confirmed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * GateTicketSheet::dismissed:
   *
   * Back to the results, nothing checked.
   */
  signals[DISMISSED] =
    g_signal_new ("dismissed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_install_action (widget_class, "sheet.dismiss", NULL, dismiss_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "sheet.dismiss", NULL);

  g_type_ensure (GATE_TYPE_SEARCH_RESULT);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/gatescanner/GateScanner/gate-ticket-sheet.ui");
  gtk_widget_class_bind_template_child (widget_class, GateTicketSheet, admit_button);
  gtk_widget_class_bind_template_callback (widget_class, on_admit_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_back_clicked);
}

static void
gate_ticket_sheet_init (GateTicketSheet *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  update (self);
}
