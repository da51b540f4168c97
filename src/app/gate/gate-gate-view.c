/* gate-gate-view.c — the gate: live camera, verdicts over it, camera states
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One screen at a time: the preview, a camera state (each its own status
 * page, never a crash), "Checking…" while a scan waits on the server, or a
 * verdict, which holds for hold-ms and then gives the camera back — or the
 * state the camera reached meanwhile.
 *
 * The gate rules (docs/gate-rules.md): the view follows the engine's
 * check-in list. A both-way list shows the Entry/Exit switch, bound to the
 * engine's "direction"; a one-way list fixes the direction and says it; a
 * band over the camera always names the direction of the next scan. When
 * "require-operator" is on and nobody is signed in, the sign-in page takes
 * the camera's place and "needs-sign-in" is TRUE.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "gate-checkin-list.h"
#include "gate-gate-view.h"
#include "gate-sign-in-page.h"
#include "gate-verdict-view.h"

#define DEFAULT_HOLD_MS 2500

struct _GateGateView
{
  GtkWidget        parent_instance;

  GtkStack        *screens;
  GtkPicture      *preview;
  AdwStatusPage   *error_page;
  GateVerdictView *verdict_view;
  GtkWidget       *direction_bar;
  GtkLabel        *list_label;
  GtkWidget       *direction_switch;
  GtkToggleButton *entry_button;
  GtkToggleButton *exit_button;
  GtkLabel        *fixed_direction_label;
  GtkLabel        *direction_band;
  GtkWidget       *offline_badge;
  GateSignInPage  *sign_in_page;

  GateCamera      *camera;
  guint            hold_ms;
  guint            hold_id;
  gboolean         checking;

  GateSession     *session;
  GateOperators   *operators;
  GateCheckinList *list;          /* (nullable): the list the gate scans by */
  gboolean         list_unknown;  /* a list is set but the cache has not got it */
  char            *direction;     /* entry | exit */
  gboolean         require_operator;
  gboolean         offline;
};

G_DEFINE_FINAL_TYPE (GateGateView, gate_gate_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CAMERA,
  PROP_HOLD_MS,
  PROP_SCREEN,
  PROP_DIRECTION,
  PROP_REQUIRE_OPERATOR,
  PROP_NEEDS_SIGN_IN,
  PROP_LIST_DIRECTION,
  PROP_OFFLINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

gboolean
gate_gate_view_get_needs_sign_in (GateGateView *self)
{
  g_return_val_if_fail (GATE_IS_GATE_VIEW (self), FALSE);

  return self->require_operator && self->session != NULL &&
         (self->operators == NULL || gate_operators_get_operator_id (self->operators) == NULL);
}

static const char *
camera_screen (GateGateView *self)
{
  if (gate_gate_view_get_needs_sign_in (self))
    return "sign-in";
  if (self->camera == NULL)
    return "no-camera";

  switch (gate_camera_get_state (self->camera))
    {
    case GATE_CAMERA_STATE_RUNNING:
      return "preview";
    case GATE_CAMERA_STATE_STOPPED:
    case GATE_CAMERA_STATE_STARTING:
      return "starting";
    case GATE_CAMERA_STATE_NO_CAMERA:
      return "no-camera";
    case GATE_CAMERA_STATE_PERMISSION_DENIED:
      return "denied";
    case GATE_CAMERA_STATE_ERROR:
    default:
      return "error";
    }
}

static void show_band (GateGateView *self);
static void show_offline_badge (GateGateView *self);

static void
show_screen (GateGateView *self,
             const char   *name)
{
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->screens), name) == 0)
    return;

  gtk_stack_set_visible_child_name (self->screens, name);
  show_band (self);
  show_offline_badge (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCREEN]);
}

/* --- the gate rules ------------------------------------------------------------------- */

/* "entry", "exit", "both", or NULL for a gate without a list (every
 * ticket, entry). A list this gate could not read yet (offline at start)
 * lets the worker choose: guessing one way could turn the door around. */
const char *
gate_gate_view_get_list_direction (GateGateView *self)
{
  g_return_val_if_fail (GATE_IS_GATE_VIEW (self), NULL);

  if (self->list != NULL)
    return gate_checkin_list_get_direction (self->list);
  return self->list_unknown ? "both" : NULL;
}

static void
show_direction (GateGateView *self)
{
  const char *list_direction = gate_gate_view_get_list_direction (self);
  gboolean exit = g_strcmp0 (self->direction, "exit") == 0;
  gboolean both = g_strcmp0 (list_direction, "both") == 0;

  gtk_widget_set_visible (self->direction_bar, list_direction != NULL);
  gtk_widget_set_visible (self->direction_switch, both);
  gtk_widget_set_visible (GTK_WIDGET (self->fixed_direction_label), list_direction != NULL && !both);
  gtk_label_set_label (self->fixed_direction_label, exit ? _("Exit only") : _("Entry only"));
  if (self->list != NULL)
    gtk_label_set_label (self->list_label, gate_checkin_list_get_name (self->list));
  else
    gtk_label_set_label (self->list_label, _("Check-in list not loaded yet"));

  gtk_toggle_button_set_active (exit ? self->exit_button : self->entry_button, TRUE);

  /* Over the camera, in the direction's colour and word. */
  show_band (self);
  gtk_label_set_label (self->direction_band, exit ? C_("direction band", "EXIT") : C_("direction band", "ENTRY"));
  if (exit)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->direction_band), "direction-band-exit");
      gtk_widget_remove_css_class (GTK_WIDGET (self->direction_band), "direction-band-entry");
    }
  else
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->direction_band), "direction-band-entry");
      gtk_widget_remove_css_class (GTK_WIDGET (self->direction_band), "direction-band-exit");
    }
}

/* Over the camera and its states; a verdict or the sign-in page has the
 * whole screen. */
static void
show_band (GateGateView *self)
{
  const char *screen = gtk_stack_get_visible_child_name (self->screens);
  gboolean camera = g_strcmp0 (screen, "verdict") != 0 && g_strcmp0 (screen, "sign-in") != 0 &&
                    g_strcmp0 (screen, "checking") != 0;

  gboolean banded = camera && gate_gate_view_get_list_direction (self) != NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->direction_band), banded);
  /* The camera's states keep their words above the band (style.css). */
  if (banded)
    gtk_widget_add_css_class (GTK_WIDGET (self->screens), "banded");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->screens), "banded");
}

/* Over the camera, not over the direction keys; a verdict says offline
 * itself. */
static void
show_offline_badge (GateGateView *self)
{
  gtk_widget_set_visible (self->offline_badge,
                          self->offline && g_strcmp0 (gtk_stack_get_visible_child_name (self->screens), "verdict") != 0);
}

gboolean
gate_gate_view_get_offline (GateGateView *self)
{
  g_return_val_if_fail (GATE_IS_GATE_VIEW (self), FALSE);

  return self->offline;
}

void
gate_gate_view_set_offline (GateGateView *self,
                            gboolean      offline)
{
  g_return_if_fail (GATE_IS_GATE_VIEW (self));

  offline = !!offline;
  if (self->offline == offline)
    return;
  self->offline = offline;
  show_offline_badge (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OFFLINE]);
}

const char *
gate_gate_view_get_direction (GateGateView *self)
{
  g_return_val_if_fail (GATE_IS_GATE_VIEW (self), NULL);

  return self->direction;
}

void
gate_gate_view_set_direction (GateGateView *self,
                              const char   *direction)
{
  const char *list_direction;

  g_return_if_fail (GATE_IS_GATE_VIEW (self));

  /* A one-way list decides; anything but "exit" is an entry. */
  list_direction = gate_gate_view_get_list_direction (self);
  if (g_strcmp0 (list_direction, "entry") == 0 || g_strcmp0 (list_direction, "exit") == 0)
    direction = list_direction;
  direction = g_strcmp0 (direction, "exit") == 0 ? "exit" : "entry";

  if (g_strcmp0 (self->direction, direction) != 0)
    {
      g_free (self->direction);
      self->direction = g_strdup (direction);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIRECTION]);
    }
  show_direction (self);
}

static void
on_direction_toggled (GateGateView    *self,
                      GtkToggleButton *button)
{
  if (!gtk_toggle_button_get_active (button))
    return;
  gate_gate_view_set_direction (self, button == self->exit_button ? "exit" : "entry");
}

static void
set_list (GateGateView    *self,
          GateCheckinList *list,
          gboolean         unknown)
{
  g_set_object (&self->list, list);
  self->list_unknown = unknown;
  gate_verdict_view_set_list_name (self->verdict_view, list != NULL ? gate_checkin_list_get_name (list) : NULL);
  /* A one-way list's direction applies; a gate without a list admits. */
  gate_gate_view_set_direction (self, gate_gate_view_get_list_direction (self) != NULL ? self->direction : "entry");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIST_DIRECTION]);
}

/* The engine's list, NULL for none (the device's own). */
static char *
dup_engine_list_id (GateGateView *self)
{
  g_autofree char *list_id = NULL;

  g_object_get (gate_session_get_engine (self->session), "list-id", &list_id, NULL);
  return list_id != NULL && *list_id != '\0' ? g_steal_pointer (&list_id) : NULL;
}

/* The engine's list among the event's lists, as the session read them from
 * the cache: there offline too. No list set: the device's own, if a
 * supervisor assigned one. A list set but not (yet) in the cache is
 * "not loaded yet". */
static void
read_lists (GateGateView *self)
{
  g_autofree char *list_id = NULL;
  GateCheckinList *list;

  if (self->session == NULL)
    return;
  list_id = dup_engine_list_id (self);
  list = gate_checkin_list_find (gate_session_get_checkin_lists (self->session), list_id);
  set_list (self, list, list == NULL && list_id != NULL);
}

static void
on_online_changed (GateGateView *self)
{
  GateConnectivity *connectivity = gate_session_get_connectivity (self->session);

  if (!gate_connectivity_get_online (connectivity))
    return;
  if (gate_gate_view_get_needs_sign_in (self))
    gate_sign_in_page_reload (self->sign_in_page);
}

static void update_sign_in (GateGateView *self);

static void
on_operator_changed (GateGateView *self)
{
  update_sign_in (self);
}

void
gate_gate_view_set_session (GateGateView *self,
                            GateSession  *session)
{
  GateScanEngine *engine;

  g_return_if_fail (GATE_IS_GATE_VIEW (self));
  g_return_if_fail (GATE_IS_SESSION (session));
  g_return_if_fail (self->session == NULL);

  self->session = g_object_ref (session);
  engine = gate_session_get_engine (session);
  self->operators = gate_operators_new (gate_session_get_client (session));
  g_signal_connect_object (self->operators, "notify::operator-id", G_CALLBACK (on_operator_changed), self,
                           G_CONNECT_SWAPPED);
  /* Every scan carries who is signed in, and goes the way the gate shows. */
  g_object_bind_property (self->operators, "operator-id", engine, "operator-id", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self, "direction", engine, "direction", G_BINDING_SYNC_CREATE);
  g_signal_connect_object (engine, "notify::list-id", G_CALLBACK (read_lists), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (gate_session_get_checkin_lists (session), "items-changed", G_CALLBACK (read_lists), self,
                           G_CONNECT_SWAPPED);
  if (gate_session_get_connectivity (session) != NULL)
    g_signal_connect_object (gate_session_get_connectivity (session), "notify::online", G_CALLBACK (on_online_changed),
                             self, G_CONNECT_SWAPPED);

  read_lists (self);
  update_sign_in (self);
}

GateOperators *
gate_gate_view_get_operators (GateGateView *self)
{
  g_return_val_if_fail (GATE_IS_GATE_VIEW (self), NULL);

  return self->operators;
}

gboolean
gate_gate_view_get_require_operator (GateGateView *self)
{
  g_return_val_if_fail (GATE_IS_GATE_VIEW (self), FALSE);

  return self->require_operator;
}

void
gate_gate_view_set_require_operator (GateGateView *self,
                                     gboolean      require_operator)
{
  g_return_if_fail (GATE_IS_GATE_VIEW (self));

  require_operator = !!require_operator;
  if (self->require_operator == require_operator)
    return;

  self->require_operator = require_operator;
  update_sign_in (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REQUIRE_OPERATOR]);
}

static void
on_camera_state (GateGateView *self)
{
  const char *message = gate_camera_get_error_message (self->camera);

  adw_status_page_set_description (self->error_page, message);

  /* A verdict on screen stays for its full hold, "Checking…" until its
   * verdict; the state shows after. */
  if (self->hold_id == 0 && !self->checking)
    show_screen (self, camera_screen (self));
}

/* The sign-in page comes and goes at once, even over a verdict: signing
 * out ends the shift, and scans wait for the next operator. */
static void
update_sign_in (GateGateView *self)
{
  gboolean needs = gate_gate_view_get_needs_sign_in (self);

  if (needs && gate_sign_in_page_get_operators (self->sign_in_page) != self->operators)
    gate_sign_in_page_set_operators (self->sign_in_page, self->operators);
  else if (needs && g_strcmp0 (gtk_stack_get_visible_child_name (self->screens), "sign-in") != 0)
    gate_sign_in_page_reload (self->sign_in_page);

  if (needs || g_strcmp0 (gtk_stack_get_visible_child_name (self->screens), "sign-in") == 0)
    {
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
      GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

      /* The PIN entry lets go of the focus before its page goes. */
      if (!needs && focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->sign_in_page)))
        gtk_root_set_focus (root, NULL);
      g_clear_handle_id (&self->hold_id, g_source_remove);
      self->checking = FALSE;
      show_screen (self, camera_screen (self));
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NEEDS_SIGN_IN]);
}

static void
on_retry_clicked (GateGateView *self)
{
  if (self->camera != NULL)
    gate_camera_retry (self->camera);
}

static gboolean
on_hold_over (gpointer user_data)
{
  GateGateView *self = user_data;

  self->hold_id = 0;
  show_screen (self, camera_screen (self));

  return G_SOURCE_REMOVE;
}

/* A worker who has read the verdict taps it away for the next guest. */
static void
on_verdict_tapped (GtkGestureClick *gesture,
                   int              n_press,
                   double           x,
                   double           y,
                   GateGateView    *self)
{
  gate_gate_view_dismiss_verdict (self);
}

void
gate_gate_view_dismiss_verdict (GateGateView *self)
{
  g_return_if_fail (GATE_IS_GATE_VIEW (self));

  if (self->hold_id == 0)
    return;

  g_clear_handle_id (&self->hold_id, g_source_remove);
  show_screen (self, camera_screen (self));
}

/* Until the decision: the worker sees the scan was taken and waits,
 * instead of scanning again. The hold's timer stops: only the decision
 * ends this screen. */
void
gate_gate_view_show_checking (GateGateView *self)
{
  g_return_if_fail (GATE_IS_GATE_VIEW (self));

  g_clear_handle_id (&self->hold_id, g_source_remove);
  self->checking = TRUE;
  show_screen (self, "checking");
}

void
gate_gate_view_show_decision (GateGateView           *self,
                              const GateScanDecision *decision)
{
  g_return_if_fail (GATE_IS_GATE_VIEW (self));
  g_return_if_fail (decision != NULL);

  gate_verdict_view_show_decision (self->verdict_view, decision);
  self->checking = FALSE;

  g_clear_handle_id (&self->hold_id, g_source_remove);
  self->hold_id = g_timeout_add (self->hold_ms, on_hold_over, self);

  show_screen (self, "verdict");
}

GateCamera *
gate_gate_view_get_camera (GateGateView *self)
{
  g_return_val_if_fail (GATE_IS_GATE_VIEW (self), NULL);

  return self->camera;
}

void
gate_gate_view_set_camera (GateGateView *self,
                           GateCamera   *camera)
{
  g_return_if_fail (GATE_IS_GATE_VIEW (self));

  if (self->camera == camera)
    return;

  if (self->camera != NULL)
    g_signal_handlers_disconnect_by_data (self->camera, self);
  g_set_object (&self->camera, camera);

  if (camera != NULL)
    {
      g_signal_connect_swapped (camera, "notify::state", G_CALLBACK (on_camera_state), self);
      gtk_picture_set_paintable (self->preview, gate_camera_get_paintable (camera));
      on_camera_state (self);
    }
  else
    {
      gtk_picture_set_paintable (self->preview, NULL);
      if (self->hold_id == 0 && !self->checking)
        show_screen (self, camera_screen (self));
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAMERA]);
}

guint
gate_gate_view_get_hold_ms (GateGateView *self)
{
  return self->hold_ms;
}

void
gate_gate_view_set_hold_ms (GateGateView *self,
                            guint         hold_ms)
{
  g_return_if_fail (GATE_IS_GATE_VIEW (self));

  if (self->hold_ms == hold_ms)
    return;

  self->hold_ms = hold_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HOLD_MS]);
}

const char *
gate_gate_view_get_screen (GateGateView *self)
{
  g_return_val_if_fail (GATE_IS_GATE_VIEW (self), NULL);

  return gtk_stack_get_visible_child_name (self->screens);
}

GtkWidget *
gate_gate_view_get_verdict_view (GateGateView *self)
{
  return GTK_WIDGET (self->verdict_view);
}

static void
gate_gate_view_dispose (GObject *object)
{
  GateGateView *self = GATE_GATE_VIEW (object);
  GtkWidget *child;

  g_clear_handle_id (&self->hold_id, g_source_remove);
  if (self->camera != NULL)
    g_signal_handlers_disconnect_by_data (self->camera, self);
  g_clear_object (&self->camera);
  g_clear_object (&self->list);
  g_clear_object (&self->operators);
  g_clear_object (&self->session);
  gtk_widget_dispose_template (GTK_WIDGET (self), GATE_TYPE_GATE_VIEW);
  /* The template's top box has no id, so dispose_template leaves it. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (gate_gate_view_parent_class)->dispose (object);
}

static void
gate_gate_view_finalize (GObject *object)
{
  GateGateView *self = GATE_GATE_VIEW (object);

  g_free (self->direction);

  G_OBJECT_CLASS (gate_gate_view_parent_class)->finalize (object);
}

static void
gate_gate_view_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  GateGateView *self = GATE_GATE_VIEW (object);

  switch (prop_id)
    {
    case PROP_CAMERA:
      g_value_set_object (value, self->camera);
      break;

    case PROP_HOLD_MS:
      g_value_set_uint (value, self->hold_ms);
      break;

    case PROP_SCREEN:
      g_value_set_string (value, gate_gate_view_get_screen (self));
      break;

    case PROP_DIRECTION:
      g_value_set_string (value, self->direction);
      break;

    case PROP_REQUIRE_OPERATOR:
      g_value_set_boolean (value, self->require_operator);
      break;

    case PROP_NEEDS_SIGN_IN:
      g_value_set_boolean (value, gate_gate_view_get_needs_sign_in (self));
      break;

    case PROP_OFFLINE:
      g_value_set_boolean (value, self->offline);
      break;

    case PROP_LIST_DIRECTION:
      g_value_set_string (value, gate_gate_view_get_list_direction (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_gate_view_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  GateGateView *self = GATE_GATE_VIEW (object);

  switch (prop_id)
    {
    case PROP_CAMERA:
      gate_gate_view_set_camera (self, g_value_get_object (value));
      break;

    case PROP_HOLD_MS:
      gate_gate_view_set_hold_ms (self, g_value_get_uint (value));
      break;

    case PROP_DIRECTION:
      gate_gate_view_set_direction (self, g_value_get_string (value));
      break;

    case PROP_OFFLINE:
      gate_gate_view_set_offline (self, g_value_get_boolean (value));
      break;

    case PROP_REQUIRE_OPERATOR:
      gate_gate_view_set_require_operator (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_gate_view_class_init (GateGateViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gate_gate_view_dispose;
  object_class->finalize = gate_gate_view_finalize;
  object_class->get_property = gate_gate_view_get_property;
  object_class->set_property = gate_gate_view_set_property;

  properties[PROP_CAMERA] =
    g_param_spec_object ("camera", NULL, NULL, GATE_TYPE_CAMERA,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  properties[PROP_HOLD_MS] =
    g_param_spec_uint ("hold-ms", NULL, NULL, 500, 60000, DEFAULT_HOLD_MS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  properties[PROP_SCREEN] =
    g_param_spec_string ("screen", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /* Which way the next scan goes: bound to the engine's "direction". */
  properties[PROP_DIRECTION] =
    g_param_spec_string ("direction", NULL, NULL, "entry",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* The "require-operator-sign-in" setting. */
  properties[PROP_REQUIRE_OPERATOR] =
    g_param_spec_boolean ("require-operator", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_NEEDS_SIGN_IN] =
    g_param_spec_boolean ("needs-sign-in", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_LIST_DIRECTION] =
    g_param_spec_string ("list-direction", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /* The gate cannot reach the server: the camera says so too. */
  properties[PROP_OFFLINE] =
    g_param_spec_boolean ("offline", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (GATE_TYPE_VERDICT_VIEW);
  g_type_ensure (GATE_TYPE_SIGN_IN_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/gatescanner/GateScanner/gate-gate-view.ui");
  gtk_widget_class_bind_template_child (widget_class, GateGateView, screens);
  gtk_widget_class_bind_template_child (widget_class, GateGateView, preview);
  gtk_widget_class_bind_template_child (widget_class, GateGateView, error_page);
  gtk_widget_class_bind_template_child (widget_class, GateGateView, verdict_view);
  gtk_widget_class_bind_template_child (widget_class, GateGateView, direction_bar);
  gtk_widget_class_bind_template_child (widget_class, GateGateView, list_label);
  gtk_widget_class_bind_template_child (widget_class, GateGateView, direction_switch);
  gtk_widget_class_bind_template_child (widget_class, GateGateView, entry_button);
  gtk_widget_class_bind_template_child (widget_class, GateGateView, exit_button);
  gtk_widget_class_bind_template_child (widget_class, GateGateView, fixed_direction_label);
  gtk_widget_class_bind_template_child (widget_class, GateGateView, direction_band);
  gtk_widget_class_bind_template_child (widget_class, GateGateView, offline_badge);
  gtk_widget_class_bind_template_child (widget_class, GateGateView, sign_in_page);
  gtk_widget_class_bind_template_callback (widget_class, on_retry_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_direction_toggled);
  gtk_widget_class_set_css_name (widget_class, "gateview");
}

static void
gate_gate_view_init (GateGateView *self)
{
  GtkGesture *tap;

  self->hold_ms = DEFAULT_HOLD_MS;
  self->direction = g_strdup ("entry");
  gtk_widget_init_template (GTK_WIDGET (self));
  show_direction (self);

  tap = gtk_gesture_click_new ();
  g_signal_connect (tap, "released", G_CALLBACK (on_verdict_tapped), self);
  gtk_widget_add_controller (GTK_WIDGET (self->verdict_view), GTK_EVENT_CONTROLLER (tap));
  show_screen (self, camera_screen (self));
}
