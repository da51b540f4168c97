/* gate-verdict-view.c — the verdict screen: colour, icon and word
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Readable at arm's length and never by colour alone: each verdict class
 * has its colour, its icon and its word (DESIGN.md §6).
 *
 * The verdict never makes the window larger than its screen: when its
 * natural size does not fit the space it is given, the whole verdict —
 * icon and type alike — is drawn scaled down to fit, rather than cut or
 * pushing the status strip off screen. And each verdict is visibly new: a
 * numbered stamp with the time of the scan, and a flash as it appears, so
 * that two admits in a row never look the same.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "gate-time-format.h"
#include "gate-verdict-view.h"

/* The smallest the verdict is ever drawn, against its natural size. */
#define MIN_SCALE 0.25

struct _GateVerdictView
{
  GtkWidget  parent_instance;

  GtkWidget *content;
  GtkImage  *icon;
  GtkLabel  *headline;
  GtkLabel  *detail;
  GtkLabel  *badge;
  GtkLabel  *signature_badge;
  GtkLabel  *stamp;

  GateVerdict verdict;
  gboolean    shown;
  guint       shown_count;
  double      scale;
  char       *device_id;
  char       *event_id;
  char       *list_name;   /* (nullable): the gate's check-in list */
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
      if (self->list_name != NULL && decision->ticket_type != NULL)
        /* Translators: the gate's check-in list, then the ticket's type: "VIP door — General ticket" */
        return g_strdup_printf (_("%s — %s ticket"), self->list_name, decision->ticket_type);
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

static void
announce (GateVerdictView *self)
{
  const char *badge = gtk_widget_get_visible (GTK_WIDGET (self->badge)) ? gtk_label_get_label (self->badge) : "";
  const char *signature = gtk_widget_get_visible (GTK_WIDGET (self->signature_badge)) ?
                          gtk_label_get_label (self->signature_badge) : "";
  g_autofree char *announcement = NULL;

  /* The alert role makes screen readers speak the whole verdict at once. */
  announcement = g_strjoin (". ", gtk_label_get_label (self->headline), gtk_label_get_label (self->detail),
                            signature, badge, NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, announcement, -1);
}

/* Two flash classes with the same animation under two names: swapping
 * them restarts it, so every verdict flashes, even the same one twice. */
static void
flash (GateVerdictView *self)
{
  gboolean odd = self->shown_count % 2 == 1;

  gtk_widget_remove_css_class (GTK_WIDGET (self), odd ? "verdict-flash-b" : "verdict-flash-a");
  gtk_widget_add_css_class (GTK_WIDGET (self), odd ? "verdict-flash-a" : "verdict-flash-b");
}

void
gate_verdict_view_show_decision (GateVerdictView        *self,
                                 const GateScanDecision *decision)
{
  g_autofree char *detail = NULL;
  g_autofree char *badge = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *when = NULL;
  g_autofree char *stamp = NULL;
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

  /* The scan's number on this screen and the time it was decided: the one
   * thing that differs between two guests admitted in a row. */
  self->shown_count++;
  when = g_date_time_format (now, "%X");
  /* Translators: the n-th verdict this gate showed and when, e.g. "Scan 12 · 16:38:05" */
  stamp = g_strdup_printf (_("Scan %u · %s"), self->shown_count, when);
  gtk_label_set_label (self->stamp, stamp);
  flash (self);

  g_free (self->event_id);
  self->event_id = decision->verdict == GATE_VERDICT_WRONG_EVENT ? g_strdup (decision->event_id) : NULL;

  self->verdict = decision->verdict;
  self->shown = TRUE;
  announce (self);
}

void
gate_verdict_view_name_event (GateVerdictView *self,
                              const char      *event_id,
                              const char      *event_name)
{
  g_autofree char *detail = NULL;

  g_return_if_fail (GATE_IS_VERDICT_VIEW (self));
  g_return_if_fail (event_id != NULL);

  if (!self->shown || self->verdict != GATE_VERDICT_WRONG_EVENT || event_name == NULL || *event_name == '\0' ||
      g_strcmp0 (self->event_id, event_id) != 0)
    return;

  /* Translators: "This ticket is for Spring Gala" */
  detail = g_strdup_printf (_("This ticket is for %s"), event_name);
  gtk_label_set_label (self->detail, detail);
  announce (self);
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

const char *
gate_verdict_view_get_stamp (GateVerdictView *self)
{
  return gtk_label_get_label (self->stamp);
}

double
gate_verdict_view_get_scale (GateVerdictView *self)
{
  g_return_val_if_fail (GATE_IS_VERDICT_VIEW (self), 1.0);

  return self->scale;
}

/* Asked for its size, the verdict wants its natural size but will do with
 * a quarter of it: what it gets, it fills by scaling. */
static void
gate_verdict_view_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  GateVerdictView *self = GATE_VERDICT_VIEW (widget);
  int child_minimum = 0;
  int child_natural = 0;

  gtk_widget_measure (self->content, orientation, -1, &child_minimum, &child_natural, NULL, NULL);
  *minimum = (int) ceil (child_minimum * MIN_SCALE);
  *natural = MAX (*minimum, child_natural);
}

static void
gate_verdict_view_size_allocate (GtkWidget *widget,
                                 int        width,
                                 int        height,
                                 int        baseline)
{
  GateVerdictView *self = GATE_VERDICT_VIEW (widget);
  GskTransform *transform = NULL;
  int min_width = 0;
  int min_height = 0;
  int natural_height = 0;
  double scale = 1.0;
  int child_width;
  int child_height;

  if (width <= 0 || height <= 0)
    return;

  /* Narrower than its longest word: smaller type, not a clipped word... */
  gtk_widget_measure (self->content, GTK_ORIENTATION_HORIZONTAL, -1, &min_width, NULL, NULL, NULL);
  if (min_width > width)
    scale = (double) width / min_width;

  /* ...and lower than its lines, wrapped to the width it has: smaller again.
   * Scaling down widens the room in its own units, so its lines only get
   * fewer: the height measured here is enough. */
  gtk_widget_measure (self->content, GTK_ORIENTATION_VERTICAL, (int) floor (width / scale), &min_height,
                      &natural_height, NULL, NULL);
  if (natural_height * scale > height)
    scale = (double) height / natural_height;

  scale = MAX (scale, MIN_SCALE);
  self->scale = scale;
  child_width = (int) floor (width / scale);
  child_height = (int) floor (height / scale);
  if (scale < 1.0)
    transform = gsk_transform_scale (NULL, (float) scale, (float) scale);

  gtk_widget_allocate (self->content, child_width, child_height, -1, transform);
}

void
gate_verdict_view_set_device_id (GateVerdictView *self,
                                 const char      *device_id)
{
  g_return_if_fail (GATE_IS_VERDICT_VIEW (self));

  g_free (self->device_id);
  self->device_id = g_strdup (device_id);
}

void
gate_verdict_view_set_list_name (GateVerdictView *self,
                                 const char      *list_name)
{
  g_return_if_fail (GATE_IS_VERDICT_VIEW (self));

  g_free (self->list_name);
  self->list_name = g_strdup (list_name);
}

static void
gate_verdict_view_finalize (GObject *object)
{
  g_free (GATE_VERDICT_VIEW (object)->device_id);
  g_free (GATE_VERDICT_VIEW (object)->list_name);
  g_free (GATE_VERDICT_VIEW (object)->event_id);

  G_OBJECT_CLASS (gate_verdict_view_parent_class)->finalize (object);
}

static void
gate_verdict_view_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), GATE_TYPE_VERDICT_VIEW);

  G_OBJECT_CLASS (gate_verdict_view_parent_class)->dispose (object);
}

static void
gate_verdict_view_class_init (GateVerdictViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gate_verdict_view_dispose;
  object_class->finalize = gate_verdict_view_finalize;
  widget_class->measure = gate_verdict_view_measure;
  widget_class->size_allocate = gate_verdict_view_size_allocate;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/gatescanner/GateScanner/gate-verdict-view.ui");
  gtk_widget_class_bind_template_child (widget_class, GateVerdictView, content);
  gtk_widget_class_bind_template_child (widget_class, GateVerdictView, icon);
  gtk_widget_class_bind_template_child (widget_class, GateVerdictView, headline);
  gtk_widget_class_bind_template_child (widget_class, GateVerdictView, detail);
  gtk_widget_class_bind_template_child (widget_class, GateVerdictView, badge);
  gtk_widget_class_bind_template_child (widget_class, GateVerdictView, signature_badge);
  gtk_widget_class_bind_template_child (widget_class, GateVerdictView, stamp);
  gtk_widget_class_set_css_name (widget_class, "verdictview");
}

static void
gate_verdict_view_init (GateVerdictView *self)
{
  self->scale = 1.0;
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
gate_verdict_view_new (void)
{
  return g_object_new (GATE_TYPE_VERDICT_VIEW, NULL);
}
