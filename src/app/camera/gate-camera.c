/* gate-camera.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The object: its properties and states, start, stop and retry, and the
 * bus, where a running pipeline reports decoded codes and failures. The
 * pipeline itself is built in gate-camera-pipeline.c, its preview frames
 * travel through gate-camera-frames.c, and gate-camera-codes.c decides
 * which codes are news (see gate-camera-private.h).
 *
 * Everything here runs on the main context that was the thread default
 * when the camera was created.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "gate-camera-finder.h"
#include "gate-camera-private.h"

#define DEFAULT_SOURCE  "auto"
#define DEFAULT_DECODER "auto"

G_DEFINE_FINAL_TYPE (GateCamera, gate_camera, G_TYPE_OBJECT)
G_DEFINE_QUARK (gate-camera-error-quark, gate_camera_error)

enum
{
  PROP_0,
  PROP_SOURCE,
  PROP_DECODER,
  PROP_STATE,
  PROP_ERROR_MESSAGE,
  PROP_PAINTABLE,
  N_PROPS
};

enum
{
  CODE_DETECTED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* --- state -------------------------------------------------------------------- */

void
_gate_camera_set_state (GateCamera      *self,
                        GateCameraState  state,
                        const char      *error_message)
{
  gboolean message_changed = g_strcmp0 (self->error_message, error_message) != 0;

  if (self->state == state && !message_changed)
    return;

  if (message_changed)
    {
      g_free (self->error_message);
      self->error_message = g_strdup (error_message);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
    }

  /* Last, so a handler of notify::state reads the matching message. */
  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
}

static void
end_session (GateCamera *self)
{
  GateCameraSession *session = g_steal_pointer (&self->session);
  g_autoptr(GstBus) bus = NULL;

  if (session == NULL)
    return;

  session->camera = NULL;
  g_source_destroy (session->bus_watch);
  g_clear_pointer (&session->bus_watch, g_source_unref);
  bus = gst_element_get_bus (session->pipeline);
  gst_bus_set_flushing (bus, TRUE);

  _gate_camera_push_job (self, GATE_CAMERA_JOB_TEAR_DOWN, session);
  _gate_camera_session_unref (session);

  g_hash_table_remove_all (self->last_seen);
  gate_frame_paintable_set_texture (self->paintable, NULL);
}

static void
fail (GateCamera      *self,
      GateCameraState  state,
      const char      *message)
{
  end_session (self);
  g_clear_object (&self->cancellable);
  _gate_camera_set_state (self, state, message);
}

static void
fail_with_error (GateCamera   *self,
                 const GError *error)
{
  GateCameraState state = GATE_CAMERA_STATE_ERROR;

  if (g_error_matches (error, GATE_CAMERA_ERROR, GATE_CAMERA_ERROR_NO_CAMERA))
    state = GATE_CAMERA_STATE_NO_CAMERA;
  else if (g_error_matches (error, GATE_CAMERA_ERROR, GATE_CAMERA_ERROR_PERMISSION_DENIED))
    state = GATE_CAMERA_STATE_PERMISSION_DENIED;

  fail (self, state, error->message);
}

/* --- codes ---------------------------------------------------------------------------- */

static void
handle_barcode (GateCamera         *self,
                GateCameraSession  *session,
                const GstStructure *structure)
{
  const char *symbol = gst_structure_get_string (structure, "symbol");
  const char *type = gst_structure_get_string (structure, "type");
  GstClockTime running_time = GST_CLOCK_TIME_NONE;
  gint64 seen_us;

  /* zbar says "QR-Code", zxing "QRCode"; tickets are QR codes only, and a
   * stray EAN on a product in view must not reach the gate. */
  if (symbol == NULL || type == NULL || strstr (type, "QR") == NULL)
    {
      g_debug ("camera: ignoring %s symbol", type != NULL ? type : "untyped");
      return;
    }

  gst_structure_get_clock_time (structure, "running-time", &running_time);
  seen_us = _gate_camera_frame_time_us (session, running_time);

  if (_gate_camera_is_new_sighting (self, symbol, seen_us))
    g_signal_emit (self, signals[CODE_DETECTED], 0, symbol, seen_us);
}

/* --- the bus -------------------------------------------------------------------------- */

static char *
describe_stream_error (GateCamera   *self,
                       const GError *error)
{
  if (self->state == GATE_CAMERA_STATE_STARTING)
    /* Translators: GStreamer's reason follows. */
    return g_strdup_printf (_("The camera could not be started: %s"), error->message);

  /* Translators: GStreamer's reason follows. */
  return g_strdup_printf (_("The camera stopped working: %s"), error->message);
}

gboolean
_gate_camera_on_bus_message (GstBus     *bus,
                             GstMessage *message,
                             gpointer    user_data)
{
  GateCameraSession *session = user_data;
  g_autoptr(GateCamera) self = NULL;
  const GstStructure *structure;

  if (session->camera == NULL)
    return G_SOURCE_REMOVE;

  /* A code-detected handler may drop the app's last reference. */
  self = g_object_ref (session->camera);

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ELEMENT:
      structure = gst_message_get_structure (message);
      if (gst_structure_has_name (structure, "barcode"))
        handle_barcode (self, session, structure);
      break;

    case GST_MESSAGE_ERROR:
      {
        g_autoptr(GError) error = NULL;
        g_autofree char *debug = NULL;
        g_autofree char *text = NULL;

        gst_message_parse_error (message, &error, &debug);
        g_message ("Camera pipeline error from %s: %s (%s)", GST_OBJECT_NAME (message->src),
                   error->message, debug != NULL ? debug : "no details");
        text = describe_stream_error (self, error);
        fail (self, GATE_CAMERA_STATE_ERROR, text);
      }
      break;

    case GST_MESSAGE_EOS:
      g_message ("Camera stream ended");
      fail (self, GATE_CAMERA_STATE_ERROR, _("The camera stopped sending pictures."));
      break;

    case GST_MESSAGE_APPLICATION:
      structure = gst_message_get_structure (message);
      if (gst_structure_has_name (structure, "gate-camera-start-failed"))
        fail (self, GATE_CAMERA_STATE_ERROR, _("The camera could not be started."));
      break;

    default:
      break;
    }

  return G_SOURCE_CONTINUE;
}

/* --- starting -------------------------------------------------------------------------- */

static void
play (GateCamera *self,
      const char *source_description,
      int         pipewire_fd)
{
  g_autoptr(GError) error = NULL;

  self->session = _gate_camera_session_new (self, source_description, &error);
  if (self->session == NULL)
    {
      if (pipewire_fd >= 0)
        close (pipewire_fd);
      g_message ("Camera pipeline not built: %s", error->message);
      fail_with_error (self, error);
      return;
    }

  self->session->pipewire_fd = pipewire_fd;
  _gate_camera_push_job (self, GATE_CAMERA_JOB_PLAY, self->session);
}

static void
on_camera_found (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GateCamera) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;
  int pipewire_fd = -1;

  description = gate_camera_find_finish (result, &pipewire_fd, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (description == NULL)
    {
      fail_with_error (self, error);
      return;
    }

  g_debug ("camera: auto source is %s", description);
  play (self, description, pipewire_fd);
}

static void
begin (GateCamera *self)
{
  g_clear_object (&self->cancellable);

  if (g_strcmp0 (self->source, "none") == 0)
    {
      _gate_camera_set_state (self, GATE_CAMERA_STATE_NO_CAMERA,
                 _("This gate is set up without a camera: scan with the barcode reader or type the code."));
      return;
    }

  _gate_camera_set_state (self, GATE_CAMERA_STATE_STARTING, NULL);

  if (g_strcmp0 (self->source, "auto") == 0)
    {
      self->cancellable = g_cancellable_new ();
      gate_camera_find_async (self->cancellable, on_camera_found, g_object_ref (self));
      return;
    }

  play (self, self->source, -1);
}

/* --- GObject -------------------------------------------------------------------------- */

static void
gate_camera_dispose (GObject *object)
{
  GateCamera *self = GATE_CAMERA (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  end_session (self);

  /* Waits for the tear-down: no pipeline thread outlives the camera. */
  if (self->worker != NULL)
    g_thread_pool_free (g_steal_pointer (&self->worker), FALSE, TRUE);

  g_clear_object (&self->paintable);

  G_OBJECT_CLASS (gate_camera_parent_class)->dispose (object);
}

static void
gate_camera_finalize (GObject *object)
{
  GateCamera *self = GATE_CAMERA (object);

  g_free (self->source);
  g_free (self->decoder);
  g_free (self->error_message);
  g_hash_table_unref (self->last_seen);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (gate_camera_parent_class)->finalize (object);
}

static void
gate_camera_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  GateCamera *self = GATE_CAMERA (object);

  switch (prop_id)
    {
    case PROP_SOURCE:
      g_value_set_string (value, self->source);
      break;

    case PROP_DECODER:
      g_value_set_string (value, self->decoder);
      break;

    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;

    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;

    case PROP_PAINTABLE:
      g_value_set_object (value, self->paintable);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_camera_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  GateCamera *self = GATE_CAMERA (object);

  switch (prop_id)
    {
    case PROP_SOURCE:
      gate_camera_set_source (self, g_value_get_string (value));
      break;

    case PROP_DECODER:
      gate_camera_set_decoder (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_camera_class_init (GateCameraClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gate_camera_dispose;
  object_class->finalize = gate_camera_finalize;
  object_class->get_property = gate_camera_get_property;
  object_class->set_property = gate_camera_set_property;

  /**
   * GateCamera:source:
   *
   * `auto` (the camera portal in a sandbox, else the first V4L2 camera),
   * `none` (no camera at this gate), or a gst-launch description of a
   * video source. Takes effect at the next start or retry.
   */
  properties[PROP_SOURCE] =
    g_param_spec_string ("source", NULL, NULL, DEFAULT_SOURCE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS |
                           G_PARAM_EXPLICIT_NOTIFY);

  /**
   * GateCamera:decoder:
   *
   * `zbar` or `zxing`. Takes effect at the next start or retry.
   */
  properties[PROP_DECODER] =
    g_param_spec_string ("decoder", NULL, NULL, DEFAULT_DECODER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS |
                           G_PARAM_EXPLICIT_NOTIFY);

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, GATE_TYPE_CAMERA_STATE, GATE_CAMERA_STATE_STOPPED,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * GateCamera:error-message:
   *
   * A sentence for the gate worker when the state is ERROR, NO_CAMERA or
   * PERMISSION_DENIED; NULL otherwise.
   */
  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  properties[PROP_PAINTABLE] =
    g_param_spec_object ("paintable", NULL, NULL, GDK_TYPE_PAINTABLE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GateCamera::code-detected:
   * @self: the camera
   * @code: the QR code's payload exactly as the decoder read it
   * @frame_time_us: when the frame showing it was captured, on the
   *   g_get_monotonic_time() clock
   *
   * A QR code came into view (see GATE_CAMERA_REAPPEAR_US).
   */
  signals[CODE_DETECTED] =
    g_signal_new ("code-detected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_INT64);

  gst_init (NULL, NULL);
}

static void
gate_camera_init (GateCamera *self)
{
  self->state = GATE_CAMERA_STATE_STOPPED;
  self->context = g_main_context_ref_thread_default ();
  self->paintable = gate_frame_paintable_new ();
  self->last_seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->worker = _gate_camera_worker_new ();
}

GateCamera *
gate_camera_new (const char *source,
                 const char *decoder)
{
  return g_object_new (GATE_TYPE_CAMERA,
                       "source", source != NULL ? source : DEFAULT_SOURCE,
                       "decoder", decoder != NULL ? decoder : DEFAULT_DECODER,
                       NULL);
}

const char *
gate_camera_get_source (GateCamera *self)
{
  g_return_val_if_fail (GATE_IS_CAMERA (self), NULL);

  return self->source;
}

void
gate_camera_set_source (GateCamera *self,
                        const char *source)
{
  g_return_if_fail (GATE_IS_CAMERA (self));

  if (source == NULL)
    source = DEFAULT_SOURCE;

  if (g_strcmp0 (self->source, source) == 0)
    return;

  g_free (self->source);
  self->source = g_strdup (source);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SOURCE]);
}

const char *
gate_camera_get_decoder (GateCamera *self)
{
  g_return_val_if_fail (GATE_IS_CAMERA (self), NULL);

  return self->decoder;
}

void
gate_camera_set_decoder (GateCamera *self,
                         const char *decoder)
{
  g_return_if_fail (GATE_IS_CAMERA (self));

  if (decoder == NULL)
    decoder = DEFAULT_DECODER;

  if (g_strcmp0 (self->decoder, decoder) == 0)
    return;

  g_free (self->decoder);
  self->decoder = g_strdup (decoder);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DECODER]);
}

GateCameraState
gate_camera_get_state (GateCamera *self)
{
  g_return_val_if_fail (GATE_IS_CAMERA (self), GATE_CAMERA_STATE_ERROR);

  return self->state;
}

/* Returns: (nullable): a sentence for the gate worker in the ERROR,
 * NO_CAMERA and PERMISSION_DENIED states. */
const char *
gate_camera_get_error_message (GateCamera *self)
{
  g_return_val_if_fail (GATE_IS_CAMERA (self), NULL);

  return self->error_message;
}

/* Returns: (transfer none): the live preview; empty unless RUNNING. */
GdkPaintable *
gate_camera_get_paintable (GateCamera *self)
{
  g_return_val_if_fail (GATE_IS_CAMERA (self), NULL);

  return GDK_PAINTABLE (self->paintable);
}

/* Start the camera unless it is starting or running already. Returns at
 * once; follow GateCamera:state. */
void
gate_camera_start (GateCamera *self)
{
  g_return_if_fail (GATE_IS_CAMERA (self));

  if (self->state == GATE_CAMERA_STATE_STARTING || self->state == GATE_CAMERA_STATE_RUNNING)
    return;

  begin (self);
}

/* Stop the camera; the pipeline is torn down in the background. */
void
gate_camera_stop (GateCamera *self)
{
  g_return_if_fail (GATE_IS_CAMERA (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  end_session (self);
  _gate_camera_set_state (self, GATE_CAMERA_STATE_STOPPED, NULL);
}

/* Stop and start again with the current source and decoder: after an
 * error, a denied permission or a camera plugged in later. */
void
gate_camera_retry (GateCamera *self)
{
  g_return_if_fail (GATE_IS_CAMERA (self));

  gate_camera_stop (self);
  begin (self);
}

/**
 * gate_camera_dup_source_element:
 * @name: (nullable): an element of the source description, e.g. the `src`
 *   of `appsrc name=src`; NULL for the whole source bin
 *
 * Lets tests and benchmarks feed an appsrc. Available from start() on for
 * a PIPELINE source (auto resolves asynchronously).
 *
 * Returns: (transfer full) (nullable): the element
 */
GstElement *
gate_camera_dup_source_element (GateCamera *self,
                                const char *name)
{
  g_return_val_if_fail (GATE_IS_CAMERA (self), NULL);

  if (self->session == NULL)
    return NULL;

  if (name == NULL)
    return gst_object_ref (self->session->source);

  return gst_bin_get_by_name (GST_BIN (self->session->source), name);
}
