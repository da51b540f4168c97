/* gate-gate-view.c — the gate: live camera, verdicts over it, camera states
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One screen at a time: the preview, a camera state (each its own status
 * page, never a crash), "Checking…" while a scan waits on the server, or a
 * verdict, which holds for hold-ms and then gives the camera back — or the
 * state the camera reached meanwhile.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "gate-gate-view.h"
#include "gate-verdict-view.h"

#define DEFAULT_HOLD_MS 2500

struct _GateGateView
{
  GtkWidget        parent_instance;

  GtkStack        *screens;
  GtkPicture      *preview;
  AdwStatusPage   *error_page;
  GateVerdictView *verdict_view;

  GateCamera      *camera;
  guint            hold_ms;
  guint            hold_id;
  gboolean         checking;
};

G_DEFINE_FINAL_TYPE (GateGateView, gate_gate_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CAMERA,
  PROP_HOLD_MS,
  PROP_SCREEN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
camera_screen (GateGateView *self)
{
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

static void
show_screen (GateGateView *self,
             const char   *name)
{
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->screens), name) == 0)
    return;

  gtk_stack_set_visible_child_name (self->screens, name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCREEN]);
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
  gtk_widget_dispose_template (GTK_WIDGET (self), GATE_TYPE_GATE_VIEW);
  /* The template's top box has no id, so dispose_template leaves it. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (gate_gate_view_parent_class)->dispose (object);
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

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (GATE_TYPE_VERDICT_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/gatescanner/GateScanner/gate-gate-view.ui");
  gtk_widget_class_bind_template_child (widget_class, GateGateView, screens);
  gtk_widget_class_bind_template_child (widget_class, GateGateView, preview);
  gtk_widget_class_bind_template_child (widget_class, GateGateView, error_page);
  gtk_widget_class_bind_template_child (widget_class, GateGateView, verdict_view);
  gtk_widget_class_bind_template_callback (widget_class, on_retry_clicked);
  gtk_widget_class_set_css_name (widget_class, "gateview");
}

static void
gate_gate_view_init (GateGateView *self)
{
  GtkGesture *tap;

  self->hold_ms = DEFAULT_HOLD_MS;
  gtk_widget_init_template (GTK_WIDGET (self));

  tap = gtk_gesture_click_new ();
  g_signal_connect (tap, "released", G_CALLBACK (on_verdict_tapped), self);
  gtk_widget_add_controller (GTK_WIDGET (self->verdict_view), GTK_EVENT_CONTROLLER (tap));
  show_screen (self, camera_screen (self));
}
