/* gate-wedge-buffer.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Times are the keys' event times (the X server's or the compositor's
 * milliseconds), not the time the main loop got round to them: a busy main
 * loop must not turn a scanner's burst into typing. Only the release of held
 * keys after a pause runs on a timer, because no key comes to end it.
 */
#include "config.h"

#include "gate-scan-engine.h"
#include "gate-wedge-buffer.h"

/* After the longest possible code the engine still has to see that it is
 * too long (invalid_code), so one byte more is kept, and nothing beyond. */
#define HELD_MAX_BYTES (GATE_MAX_CODE_LENGTH + 1)

struct _GateWedgeBuffer
{
  GObject       parent_instance;

  guint         min_length;
  guint         max_gap_ms;

  GString      *held;           /* the swallowed keys of the current run */
  guint         held_chars;
  guint32       last_time_ms;   /* event time of the run's last key */
  GSource      *release_source;
  GMainContext *context;
};

G_DEFINE_FINAL_TYPE (GateWedgeBuffer, gate_wedge_buffer, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_MIN_LENGTH,
  PROP_MAX_GAP,
  N_PROPS
};

enum
{
  RELEASED,
  SCANNED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
cancel_release_timer (GateWedgeBuffer *self)
{
  if (self->release_source != NULL)
    {
      g_source_destroy (self->release_source);
      g_clear_pointer (&self->release_source, g_source_unref);
    }
}

static char *
take_held (GateWedgeBuffer *self)
{
  char *text = g_strndup (self->held->str, self->held->len);

  g_string_truncate (self->held, 0);
  self->held_chars = 0;
  cancel_release_timer (self);
  return text;
}

/* Emitted only after the state is clean, so a handler may feed the buffer. */
static void
release (GateWedgeBuffer *self)
{
  g_autofree char *text = NULL;

  if (self->held->len == 0)
    return;

  text = take_held (self);
  g_signal_emit (self, signals[RELEASED], 0, text);
}

static gboolean
on_release_timeout (gpointer user_data)
{
  GateWedgeBuffer *self = user_data;

  g_clear_pointer (&self->release_source, g_source_unref);
  release (self);
  return G_SOURCE_REMOVE;
}

static void
restart_release_timer (GateWedgeBuffer *self)
{
  cancel_release_timer (self);

  self->release_source = g_timeout_source_new (self->max_gap_ms);
  /* Just below the priority of input events: keys already waiting in the
   * queue are handled before the pause is declared over. */
  g_source_set_priority (self->release_source, G_PRIORITY_DEFAULT + 1);
  g_source_set_static_name (self->release_source, "[gate] wedge release");
  g_source_set_callback (self->release_source, on_release_timeout, self, NULL);
  g_source_attach (self->release_source, self->context);
}

static gboolean
within_gap (GateWedgeBuffer *self,
            guint32          time_ms)
{
  /* Unsigned: correct across the 49-day wrap of 32-bit event times. */
  return (guint32) (time_ms - self->last_time_ms) <= self->max_gap_ms;
}

/**
 * gate_wedge_buffer_key:
 * @character: a printable character
 * @time_ms: the key event's time
 *
 * Returns: whether the key was swallowed: it may be part of a scanner's
 *   burst, and is either scanned or handed back later with ::released. A key
 *   that is not swallowed must be handled as usual; whatever it ended was
 *   released before this returns, so typing keeps its order.
 */
gboolean
gate_wedge_buffer_key (GateWedgeBuffer *self,
                       gunichar         character,
                       guint32          time_ms)
{
  g_return_val_if_fail (GATE_IS_WEDGE_BUFFER (self), FALSE);

  if (!g_unichar_isprint (character))
    {
      release (self);
      return FALSE;
    }

  if (self->held->len > 0 && !within_gap (self, time_ms))
    release (self);

  /* Codes do not begin with a blank, and Space must keep pressing the
   * focused button at once. */
  if (self->held->len == 0 && g_unichar_isspace (character))
    return FALSE;

  if (self->held->len < HELD_MAX_BYTES)
    {
      g_string_append_unichar (self->held, character);
      self->held_chars++;
    }
  self->last_time_ms = time_ms;
  restart_release_timer (self);

  return TRUE;
}

/**
 * gate_wedge_buffer_enter:
 * @time_ms: the Enter key event's time
 *
 * Returns: whether Enter ended a burst: ::scanned was emitted and the key is
 *   spent. Otherwise the held keys were released and Enter must be handled
 *   as usual (activating an entry or a button).
 */
gboolean
gate_wedge_buffer_enter (GateWedgeBuffer *self,
                         guint32          time_ms)
{
  g_autofree char *code = NULL;

  g_return_val_if_fail (GATE_IS_WEDGE_BUFFER (self), FALSE);

  if (self->held->len == 0)
    return FALSE;

  if (self->held_chars < self->min_length || !within_gap (self, time_ms))
    {
      release (self);
      return FALSE;
    }

  code = take_held (self);
  g_signal_emit (self, signals[SCANNED], 0, code);
  return TRUE;
}

/**
 * gate_wedge_buffer_interrupt:
 *
 * A key that no code contains (a shortcut, an arrow, Backspace) arrived:
 * the held keys were typing after all and are released now, before that key
 * is handled.
 */
void
gate_wedge_buffer_interrupt (GateWedgeBuffer *self)
{
  g_return_if_fail (GATE_IS_WEDGE_BUFFER (self));

  release (self);
}

/* Whether keys are held, waiting to be scanned or released. */
gboolean
gate_wedge_buffer_is_holding (GateWedgeBuffer *self)
{
  g_return_val_if_fail (GATE_IS_WEDGE_BUFFER (self), FALSE);

  return self->held->len > 0;
}

guint
gate_wedge_buffer_get_min_length (GateWedgeBuffer *self)
{
  g_return_val_if_fail (GATE_IS_WEDGE_BUFFER (self), 0);

  return self->min_length;
}

void
gate_wedge_buffer_set_min_length (GateWedgeBuffer *self,
                                  guint            min_length)
{
  g_return_if_fail (GATE_IS_WEDGE_BUFFER (self));
  g_return_if_fail (min_length > 0);

  if (self->min_length == min_length)
    return;

  self->min_length = min_length;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MIN_LENGTH]);
}

guint
gate_wedge_buffer_get_max_gap (GateWedgeBuffer *self)
{
  g_return_val_if_fail (GATE_IS_WEDGE_BUFFER (self), 0);

  return self->max_gap_ms;
}

void
gate_wedge_buffer_set_max_gap (GateWedgeBuffer *self,
                               guint            max_gap_ms)
{
  g_return_if_fail (GATE_IS_WEDGE_BUFFER (self));
  g_return_if_fail (max_gap_ms > 0);

  if (self->max_gap_ms == max_gap_ms)
    return;

  self->max_gap_ms = max_gap_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_GAP]);
}

GateWedgeBuffer *
gate_wedge_buffer_new (void)
{
  return g_object_new (GATE_TYPE_WEDGE_BUFFER, NULL);
}

static void
gate_wedge_buffer_dispose (GObject *object)
{
  GateWedgeBuffer *self = GATE_WEDGE_BUFFER (object);

  cancel_release_timer (self);

  G_OBJECT_CLASS (gate_wedge_buffer_parent_class)->dispose (object);
}

static void
gate_wedge_buffer_finalize (GObject *object)
{
  GateWedgeBuffer *self = GATE_WEDGE_BUFFER (object);

  g_string_free (self->held, TRUE);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (gate_wedge_buffer_parent_class)->finalize (object);
}

static void
gate_wedge_buffer_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  GateWedgeBuffer *self = GATE_WEDGE_BUFFER (object);

  switch (prop_id)
    {
    case PROP_MIN_LENGTH:
      g_value_set_uint (value, self->min_length);
      break;

    case PROP_MAX_GAP:
      g_value_set_uint (value, self->max_gap_ms);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_wedge_buffer_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  GateWedgeBuffer *self = GATE_WEDGE_BUFFER (object);

  switch (prop_id)
    {
    case PROP_MIN_LENGTH:
      gate_wedge_buffer_set_min_length (self, g_value_get_uint (value));
      break;

    case PROP_MAX_GAP:
      gate_wedge_buffer_set_max_gap (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_wedge_buffer_class_init (GateWedgeBufferClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gate_wedge_buffer_dispose;
  object_class->finalize = gate_wedge_buffer_finalize;
  object_class->get_property = gate_wedge_buffer_get_property;
  object_class->set_property = gate_wedge_buffer_set_property;

  /**
   * GateWedgeBuffer:min-length:
   *
   * How many characters a burst needs before its Enter to be a scan.
   */
  properties[PROP_MIN_LENGTH] =
    g_param_spec_uint ("min-length", NULL, NULL, 1, G_MAXUINT, GATE_WEDGE_DEFAULT_MIN_LENGTH,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * GateWedgeBuffer:max-gap:
   *
   * The longest pause (ms, inclusive) between two keys of a burst, and
   * between its last key and the Enter. Scanners send a key every few
   * milliseconds; people rarely type two keys within this.
   */
  properties[PROP_MAX_GAP] =
    g_param_spec_uint ("max-gap", NULL, NULL, 1, 10000, GATE_WEDGE_DEFAULT_MAX_GAP_MS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GateWedgeBuffer::released:
   * @self: the buffer
   * @text: the held keys, in the order they came
   *
   * The held keys were not a scan: type them where they were meant to go.
   * A run longer than a code can be keeps only its first
   * GATE_MAX_CODE_LENGTH + 1 bytes.
   */
  signals[RELEASED] =
    g_signal_new ("released", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * GateWedgeBuffer::scanned:
   * @self: the buffer
   * @code: the burst's characters, without the Enter
   *
   * A scanner sent a code. A burst longer than GATE_MAX_CODE_LENGTH bytes
   * comes as its first GATE_MAX_CODE_LENGTH + 1, which the scan engine
   * answers with invalid_code: the gate worker sees that the scan was read
   * and refused.
   */
  signals[SCANNED] =
    g_signal_new ("scanned", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
gate_wedge_buffer_init (GateWedgeBuffer *self)
{
  self->min_length = GATE_WEDGE_DEFAULT_MIN_LENGTH;
  self->max_gap_ms = GATE_WEDGE_DEFAULT_MAX_GAP_MS;
  self->held = g_string_sized_new (64);
  self->context = g_main_context_ref_thread_default ();
}
