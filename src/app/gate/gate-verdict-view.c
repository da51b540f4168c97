/* gate-verdict-view.c — the verdict screen: colour, icon and word
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Readable at arm's length and never by colour alone: each verdict class
 * has its colour, its icon and its word (DESIGN.md §6).
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gate-time-format.h"
#include "gate-verdict-view.h"

struct _GateVerdictView
{
  GtkWidget  parent_instance;

  GtkImage  *icon;
  GtkLabel  *headline;
  GtkLabel  *detail;
  GtkLabel  *badge;
  GtkLabel  *signature_badge;

  GateVerdict verdict;
  gboolean    shown;
  char       *device_id;
};

G_DEFINE_FINAL_TYPE (GateVerdictView, gate_verdict_view, GTK_TYPE_WIDGET)

static const char *verdict_classes[] = { "verdict-admit", "verdict-deny", "verdict-warning", "verdict-undecided",
                                         "verdict-exit" };

static const char *
gate_verdict_headline (GateVerdict verdict)
{
  switch (verdict)
    {
    case GATE_VERDICT_ADMITTED:
      return C_("verdict", "Admit");
    case GATE_VERDICT_ALREADY_SCANNED:
      return C_("verdict", "Already used");
    case GATE_VERDICT_NOT_FOUND:
      return C_("verdict", "Unknown ticket");
    case GATE_VERDICT_WRONG_EVENT:
      return C_("verdict", "Wrong event");
    case GATE_VERDICT_VOID:
      return C_("verdict", "Void ticket");
    case GATE_VERDICT_BUSY:
      return C_("verdict", "Try again");
    case GATE_VERDICT_INVALID_CODE:
      return C_("verdict", "Unreadable code");
    case GATE_VERDICT_CANNOT_DECIDE:
      return C_("verdict", "Can't check this ticket");
    case GATE_VERDICT_EXITED:
      return C_("verdict", "Exit");
    case GATE_VERDICT_NOT_INSIDE:
      return C_("verdict", "Not inside");
    case GATE_VERDICT_NOT_ALLOWED_HERE:
      return C_("verdict", "Not this door");
    default:
      g_return_val_if_reached (NULL);
    }
}

static const char *
gate_verdict_icon_name (GateVerdict verdict)
{
  switch (verdict)
    {
    case GATE_VERDICT_ADMITTED:
      return "emblem-ok-symbolic";
    case GATE_VERDICT_WRONG_EVENT:
    case GATE_VERDICT_BUSY:
    case GATE_VERDICT_NOT_ALLOWED_HERE:
      return "dialog-warning-symbolic";
    case GATE_VERDICT_EXITED:
      return "system-log-out-symbolic";
    case GATE_VERDICT_INVALID_CODE:
      return "dialog-question-symbolic";
    case GATE_VERDICT_CANNOT_DECIDE:
      return "dialog-information-symbolic";
    case GATE_VERDICT_ALREADY_SCANNED:
    case GATE_VERDICT_NOT_FOUND:
    case GATE_VERDICT_VOID:
    default:
      return "process-stop-symbolic";
    }
}

static const char *
verdict_class (GateVerdict verdict)
{
  /* Neither green nor red: the gate could not tell. */
  if (verdict == GATE_VERDICT_CANNOT_DECIDE)
    return verdict_classes[3];
  /* An exit is neither an admit nor a denial: its own colour. */
  if (verdict == GATE_VERDICT_EXITED)
    return verdict_classes[4];
  if (verdict == GATE_VERDICT_NOT_ALLOWED_HERE)
    return verdict_classes[2];
  if (gate_verdict_is_admit (verdict))
    return verdict_classes[0];
  if (verdict == GATE_VERDICT_WRONG_EVENT || verdict == GATE_VERDICT_BUSY)
    return verdict_classes[2];
  return verdict_classes[1];
}

static const char *
describe_cannot_decide (GateCannotDecideReason reason)
{
  switch (reason)
    {
    case GATE_CANNOT_DECIDE_UNAUTHORIZED:
      return _("This gate was signed out. Call a supervisor.");
    case GATE_CANNOT_DECIDE_STORAGE:
      return _("This device cannot save scans: its storage is full or failing. Call a supervisor.");
    case GATE_CANNOT_DECIDE_CACHE_EMPTY:
      return _("No tickets are on this device yet and the ticket server is out of reach. Call a supervisor.");
    case GATE_CANNOT_DECIDE_SERVER_ERROR:
      return _("The ticket server reported an error. Scan again, or call a supervisor.");
    case GATE_CANNOT_DECIDE_NONE:
    default:
      g_return_val_if_reached (NULL);
    }
}

/* When and where the ticket was used: "here", else the gate by its name
 * (the id only when the gate never heard the name). */
static char *
describe_already_used (GateVerdictView        *self,
                       const GateScanDecision *decision)
{
  g_autofree char *when = NULL;
  const char *gate = decision->scanned_device_name != NULL ? decision->scanned_device_name : decision->scanned_device;

  if (decision->scanned_at_us == 0)
    return g_strdup (_("This ticket was used before"));

  when = gate_time_format (decision->scanned_at_us, GATE_TIME_STYLE_CLOCK_OR_DATE);
  if (decision->scanned_device != NULL && g_strcmp0 (decision->scanned_device, self->device_id) == 0)
    return g_strdup_printf (_("Scanned here at %s"), when);
  if (gate != NULL)
    /* Translators: "Scanned at 14:05 at North Gate" */
    return g_strdup_printf (_("Scanned at %s at %s"), when, gate);
  return g_strdup_printf (_("Scanned at %s"), when);
}

static char *
describe (GateVerdictView        *self,
          const GateScanDecision *decision)
{
  switch (decision->verdict)
    {
    case GATE_VERDICT_ADMITTED:
      if (decision->guest_name != NULL && decision->ticket_type != NULL)
        return g_strdup_printf ("%s\n%s", decision->guest_name, decision->ticket_type);
      return g_strdup (decision->guest_name != NULL ? decision->guest_name : decision->ticket_type);

    case GATE_VERDICT_ALREADY_SCANNED:
      {
        g_autofree char *used = describe_already_used (self, decision);

        /* Who stands there, for a ticket passed on to a friend. */
        if (decision->guest_name != NULL)
          return g_strdup_printf ("%s\n%s", decision->guest_name, used);
        return g_steal_pointer (&used);
      }

    case GATE_VERDICT_NOT_FOUND:
      return g_strdup (_("No ticket has this code"));

    case GATE_VERDICT_WRONG_EVENT:
      return g_strdup (_("This ticket is for another event"));

    case GATE_VERDICT_VOID:
      return g_strdup (_("Refunded or cancelled"));

    case GATE_VERDICT_BUSY:
      return g_strdup (_("The server is busy: scan once more"));

    case GATE_VERDICT_INVALID_CODE:
      return g_strdup (_("This is not a ticket code: try manual search"));

    case GATE_VERDICT_CANNOT_DECIDE:
      return g_strdup (describe_cannot_decide (decision->reason));

    case GATE_VERDICT_EXITED:
      return g_strdup (decision->guest_name != NULL ? decision->guest_name : _("Exit recorded"));

    case GATE_VERDICT_NOT_INSIDE:
      return g_strdup (_("This ticket is not checked in here: it never came in or has already left"));

    case GATE_VERDICT_NOT_ALLOWED_HERE:
      if (decision->ticket_type != NULL)
        /* Translators: the ticket's type, e.g. "This door does not take General tickets" */
        return g_strdup_printf (_("This door does not take %s tickets"), decision->ticket_type);
      return g_strdup (_("This ticket does not go through this door"));

    default:
      g_return_val_if_reached (NULL);
    }
}

static char *
describe_offline (const GateScanDecision *decision)
{
  gint64 minutes;

  if (decision->mode != GATE_SCAN_MODE_OFFLINE)
    return NULL;

  if (decision->cache_age_us <= 0)
    return g_strdup (_("Offline — cache never refreshed"));

  minutes = decision->cache_age_us / (60 * G_USEC_PER_SEC);
  if (minutes == 0)
    return g_strdup (_("Offline — cache under a minute old"));

  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Offline — cache %d min old", "Offline — cache %d min old",
                                       (gulong) minutes),
                          (int) MIN (minutes, G_MAXINT));
}

void
gate_verdict_view_show_decision (GateVerdictView        *self,
                                 const GateScanDecision *decision)
{
  g_autofree char *detail = NULL;
  g_autofree char *badge = NULL;
  g_autofree char *announcement = NULL;
  const char *headline;
  gboolean by_signature;

  g_return_if_fail (GATE_IS_VERDICT_VIEW (self));
  g_return_if_fail (decision != NULL);

  for (guint i = 0; i < G_N_ELEMENTS (verdict_classes); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self), verdict_classes[i]);
  gtk_widget_add_css_class (GTK_WIDGET (self), verdict_class (decision->verdict));

  headline = gate_verdict_headline (decision->verdict);
  detail = describe (self, decision);
  badge = describe_offline (decision);

  gtk_image_set_from_icon_name (self->icon, gate_verdict_icon_name (decision->verdict));
  gtk_label_set_label (self->headline, headline);
  gtk_label_set_label (self->detail, detail != NULL ? detail : "");
  gtk_widget_set_visible (GTK_WIDGET (self->detail), detail != NULL && *detail != '\0');
  gtk_label_set_label (self->badge, badge != NULL ? badge : "");
  gtk_widget_set_visible (GTK_WIDGET (self->badge), badge != NULL);
  /* A ticket the cache had never seen, let in on its code's signature. */
  by_signature = decision->source == GATE_DECISION_SOURCE_SIGNATURE;
  gtk_widget_set_visible (GTK_WIDGET (self->signature_badge), by_signature);

  /* The alert role makes screen readers speak the whole verdict at once. */
  announcement = g_strjoin (". ", headline, detail != NULL ? detail : "",
                            by_signature ? gtk_label_get_label (self->signature_badge) : "",
                            badge != NULL ? badge : "", NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, announcement, -1);

  self->verdict = decision->verdict;
  self->shown = TRUE;
}

const char *
gate_verdict_view_get_verdict (GateVerdictView *self)
{
  g_return_val_if_fail (GATE_IS_VERDICT_VIEW (self), NULL);

  return self->shown ? gate_verdict_to_string (self->verdict) : NULL;
}

const char *
gate_verdict_view_get_headline (GateVerdictView *self)
{
  return gtk_label_get_label (self->headline);
}

const char *
gate_verdict_view_get_detail (GateVerdictView *self)
{
  return gtk_label_get_label (self->detail);
}

const char *
gate_verdict_view_get_badge (GateVerdictView *self)
{
  return gtk_label_get_label (self->badge);
}

/* Returns: (nullable): the signature badge's words while it is shown */
const char *
gate_verdict_view_get_signature_badge (GateVerdictView *self)
{
  if (!gtk_widget_get_visible (GTK_WIDGET (self->signature_badge)))
    return NULL;
  return gtk_label_get_label (self->signature_badge);
}

void
gate_verdict_view_set_device_id (GateVerdictView *self,
                                 const char      *device_id)
{
  g_return_if_fail (GATE_IS_VERDICT_VIEW (self));

  g_free (self->device_id);
  self->device_id = g_strdup (device_id);
}

static void
gate_verdict_view_finalize (GObject *object)
{
  g_free (GATE_VERDICT_VIEW (object)->device_id);

  G_OBJECT_CLASS (gate_verdict_view_parent_class)->finalize (object);
}

static void
gate_verdict_view_dispose (GObject *object)
{
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (object), GATE_TYPE_VERDICT_VIEW);
  /* The template's top box has no id, so dispose_template leaves it. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (gate_verdict_view_parent_class)->dispose (object);
}

static void
gate_verdict_view_class_init (GateVerdictViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gate_verdict_view_dispose;
  object_class->finalize = gate_verdict_view_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/gatescanner/GateScanner/gate-verdict-view.ui");
  gtk_widget_class_bind_template_child (widget_class, GateVerdictView, icon);
  gtk_widget_class_bind_template_child (widget_class, GateVerdictView, headline);
  gtk_widget_class_bind_template_child (widget_class, GateVerdictView, detail);
  gtk_widget_class_bind_template_child (widget_class, GateVerdictView, badge);
  gtk_widget_class_bind_template_child (widget_class, GateVerdictView, signature_badge);
  gtk_widget_class_set_css_name (widget_class, "verdictview");
}

static void
gate_verdict_view_init (GateVerdictView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
gate_verdict_view_new (void)
{
  return g_object_new (GATE_TYPE_VERDICT_VIEW, NULL);
}
