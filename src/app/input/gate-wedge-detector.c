/* gate-wedge-detector.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A key controller in the capture phase on the window sees each key before
 * the focused widget does, and claims the keys that the buffer holds. Held
 * keys that turn out to be typing are inserted into the focused editable at
 * its cursor, as the key would have done; with no field in focus there is
 * nothing to type them into, and they are dropped.
 */
#include "config.h"

#include "gate-wedge-buffer.h"
#include "gate-wedge-detector.h"

/* Modifiers that make a key a shortcut: such keys are never held. Shift is
 * not one of them, scanners press it for capitals. */
#define SHORTCUT_MODIFIERS \
  (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SUPER_MASK | GDK_HYPER_MASK | GDK_META_MASK)

struct _GateWedgeDetector
{
  GObject             parent_instance;

  GtkEventController *controller;
  GateWedgeBuffer    *buffer;
  gboolean            enabled;
};

G_DEFINE_FINAL_TYPE (GateWedgeDetector, gate_wedge_detector, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_WINDOW,
  PROP_ENABLED,
  PROP_MIN_LENGTH,
  PROP_MAX_GAP,
  N_PROPS
};

enum
{
  SCANNED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static gboolean
is_dead_key (guint keyval)
{
  return keyval >= GDK_KEY_dead_grave && keyval <= GDK_KEY_dead_greek;
}

static gboolean
on_key_pressed (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                GateWedgeDetector     *self)
{
  GdkEvent *event = gtk_event_controller_get_current_event (GTK_EVENT_CONTROLLER (controller));
  guint32 time_ms = gtk_event_controller_get_current_event_time (GTK_EVENT_CONTROLLER (controller));
  gunichar character;

  if (!self->enabled)
    return GDK_EVENT_PROPAGATE;

  /* Shift goes down and up around each capital a scanner sends: neither
   * part of the code nor the end of a burst. */
  if (event != NULL && gdk_key_event_is_modifier (event))
    return GDK_EVENT_PROPAGATE;

  if ((state & SHORTCUT_MODIFIERS) != 0)
    {
      gate_wedge_buffer_interrupt (self->buffer);
      return GDK_EVENT_PROPAGATE;
    }

  /* Scanners end a code with Return or, set up for an LF suffix (and as
   * xdotool types "\n"), with Linefeed. */
  switch (keyval)
    {
    case GDK_KEY_Linefeed:
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_ISO_Enter:
      return gate_wedge_buffer_enter (self->buffer, time_ms) ? GDK_EVENT_STOP : GDK_EVENT_PROPAGATE;

    default:
      break;
    }

  /* A dead key starts a composition in the input method: it is typing. */
  character = is_dead_key (keyval) ? 0 : gdk_keyval_to_unicode (keyval);
  if (character != 0 && g_unichar_isprint (character))
    return gate_wedge_buffer_key (self->buffer, character, time_ms) ? GDK_EVENT_STOP
                                                                    : GDK_EVENT_PROPAGATE;

  gate_wedge_buffer_interrupt (self->buffer);
  return GDK_EVENT_PROPAGATE;
}

static void
on_released (GateWedgeBuffer   *buffer,
             const char        *text,
             GateWedgeDetector *self)
{
  GtkWindow *window = gate_wedge_detector_get_window (self);
  GtkWidget *focus = window != NULL ? gtk_root_get_focus (GTK_ROOT (window)) : NULL;
  GtkEditable *editable;
  int position;

  if (!GTK_IS_EDITABLE (focus) || !gtk_editable_get_editable (GTK_EDITABLE (focus)))
    return;

  /* As typing does: over the selection, at the cursor, the cursor after. */
  editable = GTK_EDITABLE (focus);
  gtk_editable_delete_selection (editable);
  position = gtk_editable_get_position (editable);
  gtk_editable_insert_text (editable, text, -1, &position);
  gtk_editable_set_position (editable, position);
}

static void
on_scanned (GateWedgeBuffer   *buffer,
            const char        *code,
            GateWedgeDetector *self)
{
  g_signal_emit (self, signals[SCANNED], 0, code);
}

/**
 * gate_wedge_detector_new:
 * @window: the window whose keys are watched; the detector does not keep it
 *   alive, and stops watching when it is destroyed
 */
GateWedgeDetector *
gate_wedge_detector_new (GtkWindow *window)
{
  g_return_val_if_fail (GTK_IS_WINDOW (window), NULL);

  return g_object_new (GATE_TYPE_WEDGE_DETECTOR, "window", window, NULL);
}

/* Returns: (transfer none) (nullable): the window, NULL once it is gone */
GtkWindow *
gate_wedge_detector_get_window (GateWedgeDetector *self)
{
  g_return_val_if_fail (GATE_IS_WEDGE_DETECTOR (self), NULL);

  return GTK_WINDOW (gtk_event_controller_get_widget (self->controller));
}

gboolean
gate_wedge_detector_get_enabled (GateWedgeDetector *self)
{
  g_return_val_if_fail (GATE_IS_WEDGE_DETECTOR (self), FALSE);

  return self->enabled;
}

void
gate_wedge_detector_set_enabled (GateWedgeDetector *self,
                                 gboolean           enabled)
{
  g_return_if_fail (GATE_IS_WEDGE_DETECTOR (self));

  enabled = !!enabled;
  if (self->enabled == enabled)
    return;

  /* Keys held when the detector is switched off are typing: hand them over. */
  if (!enabled)
    gate_wedge_buffer_interrupt (self->buffer);

  self->enabled = enabled;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENABLED]);
}

guint
gate_wedge_detector_get_min_length (GateWedgeDetector *self)
{
  g_return_val_if_fail (GATE_IS_WEDGE_DETECTOR (self), 0);

  return gate_wedge_buffer_get_min_length (self->buffer);
}

void
gate_wedge_detector_set_min_length (GateWedgeDetector *self,
                                    guint              min_length)
{
  g_return_if_fail (GATE_IS_WEDGE_DETECTOR (self));

  if (gate_wedge_buffer_get_min_length (self->buffer) == min_length)
    return;

  gate_wedge_buffer_set_min_length (self->buffer, min_length);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MIN_LENGTH]);
}

guint
gate_wedge_detector_get_max_gap (GateWedgeDetector *self)
{
  g_return_val_if_fail (GATE_IS_WEDGE_DETECTOR (self), 0);

  return gate_wedge_buffer_get_max_gap (self->buffer);
}

void
gate_wedge_detector_set_max_gap (GateWedgeDetector *self,
                                 guint              max_gap_ms)
{
  g_return_if_fail (GATE_IS_WEDGE_DETECTOR (self));

  if (gate_wedge_buffer_get_max_gap (self->buffer) == max_gap_ms)
    return;

  gate_wedge_buffer_set_max_gap (self->buffer, max_gap_ms);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_GAP]);
}

static void
attach (GateWedgeDetector *self,
        GtkWindow         *window)
{
  if (window == NULL)
    return;

  gtk_widget_add_controller (GTK_WIDGET (window), g_object_ref (self->controller));
}

static void
gate_wedge_detector_dispose (GObject *object)
{
  GateWedgeDetector *self = GATE_WEDGE_DETECTOR (object);

  if (self->controller != NULL)
    {
      GtkWidget *window = gtk_event_controller_get_widget (self->controller);

      g_signal_handlers_disconnect_by_data (self->controller, self);
      if (window != NULL)
        gtk_widget_remove_controller (window, self->controller);
      g_clear_object (&self->controller);
    }

  if (self->buffer != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->buffer, self);
      g_clear_object (&self->buffer);
    }

  G_OBJECT_CLASS (gate_wedge_detector_parent_class)->dispose (object);
}

static void
gate_wedge_detector_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  GateWedgeDetector *self = GATE_WEDGE_DETECTOR (object);

  switch (prop_id)
    {
    case PROP_WINDOW:
      g_value_set_object (value, gate_wedge_detector_get_window (self));
      break;

    case PROP_ENABLED:
      g_value_set_boolean (value, self->enabled);
      break;

    case PROP_MIN_LENGTH:
      g_value_set_uint (value, gate_wedge_detector_get_min_length (self));
      break;

    case PROP_MAX_GAP:
      g_value_set_uint (value, gate_wedge_detector_get_max_gap (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_wedge_detector_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  GateWedgeDetector *self = GATE_WEDGE_DETECTOR (object);

  switch (prop_id)
    {
    case PROP_WINDOW:
      attach (self, g_value_get_object (value));
      break;

    case PROP_ENABLED:
      gate_wedge_detector_set_enabled (self, g_value_get_boolean (value));
      break;

    case PROP_MIN_LENGTH:
      gate_wedge_detector_set_min_length (self, g_value_get_uint (value));
      break;

    case PROP_MAX_GAP:
      gate_wedge_detector_set_max_gap (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_wedge_detector_class_init (GateWedgeDetectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gate_wedge_detector_dispose;
  object_class->get_property = gate_wedge_detector_get_property;
  object_class->set_property = gate_wedge_detector_set_property;

  properties[PROP_WINDOW] =
    g_param_spec_object ("window", NULL, NULL, GTK_TYPE_WINDOW,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GateWedgeDetector:enabled:
   *
   * Whether bursts are detected. When off, every key goes where it would
   * without the detector.
   */
  properties[PROP_ENABLED] =
    g_param_spec_boolean ("enabled", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * GateWedgeDetector:min-length:
   *
   * See GateWedgeBuffer:min-length.
   */
  properties[PROP_MIN_LENGTH] =
    g_param_spec_uint ("min-length", NULL, NULL, 1, G_MAXUINT, GATE_WEDGE_DEFAULT_MIN_LENGTH,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * GateWedgeDetector:max-gap:
   *
   * See GateWedgeBuffer:max-gap. Scanners that type slowly (some Bluetooth
   * ones) need more.
   */
  properties[PROP_MAX_GAP] =
    g_param_spec_uint ("max-gap", NULL, NULL, 1, 10000, GATE_WEDGE_DEFAULT_MAX_GAP_MS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GateWedgeDetector::scanned:
   * @self: the detector
   * @code: what the scanner typed, without its Enter
   *
   * A scanner's burst ended in Enter. None of its keys reached a widget.
   */
  signals[SCANNED] =
    g_signal_new ("scanned", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
gate_wedge_detector_init (GateWedgeDetector *self)
{
  self->enabled = TRUE;

  self->buffer = gate_wedge_buffer_new ();
  g_signal_connect (self->buffer, "released", G_CALLBACK (on_released), self);
  g_signal_connect (self->buffer, "scanned", G_CALLBACK (on_scanned), self);

  self->controller = gtk_event_controller_key_new ();
  gtk_event_controller_set_name (self->controller, "gate-wedge-detector");
  gtk_event_controller_set_propagation_phase (self->controller, GTK_PHASE_CAPTURE);
  g_signal_connect (self->controller, "key-pressed", G_CALLBACK (on_key_pressed), self);
}
