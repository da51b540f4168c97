/* gate-camera.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   source ! clocksync ! tee ─┬─ queue (leaky, 1) ! convert (and scale) ! I420 ! zbar|zxing ! fakesink
 *                             └─ queue (leaky, 2) ! videoconvert ! BGRA ! appsink
 *
 * Both branches drop old frames instead of waiting, so a slow decode never
 * stalls the preview and a slow main loop never stalls decoding. Decoded
 * symbols arrive as "barcode" element messages on the bus; preview frames
 * are wrapped (not copied) into GdkMemoryTextures on the main thread, and
 * only the newest frame is ever queued for it.
 *
 * State changes of the pipeline (which can block on device drivers) run in
 * order on one worker thread; everything else happens on the main context.
 * A Session is one pipeline's life: once it ends, late frames and messages
 * from its threads find no camera and are dropped.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <gst/app/gstappsink.h>
#include <gst/base/gstbasesrc.h>
#include <gst/video/video.h>

#include "gate-camera.h"
#include "gate-camera-finder.h"
#include "gate-frame-paintable.h"

#define DEFAULT_SOURCE  "auto"
#define DEFAULT_DECODER "zbar"

#define PIPELINE_TAIL \
  "clocksync name=pace ! tee name=t " \
  "t. ! queue leaky=downstream max-size-buffers=1 max-size-bytes=0 max-size-time=0 " \
  "   ! %s ! fakesink sync=false async=false " \
  "t. ! queue leaky=downstream max-size-buffers=2 max-size-bytes=0 max-size-time=0 " \
  "   ! videoconvert ! video/x-raw,format=BGRA " \
  "   ! appsink name=preview max-buffers=1 drop=true sync=false enable-last-sample=false qos=false"

typedef struct _Session Session;

struct _GateCamera
{
  GObject             parent_instance;

  char               *source;
  char               *decoder;
  GateCameraState     state;
  char               *error_message;
  GateFramePaintable *paintable;

  GMainContext       *context;
  GThreadPool        *worker;
  GCancellable       *cancellable;
  Session            *session;
  GHashTable         *last_seen;   /* code → gint64 *frame time (µs) of its last sighting */
};

struct _Session
{
  gatomicrefcount  ref_count;
  GstElement      *pipeline;
  GstElement      *source;
  GstElement      *preview;
  int              pipewire_fd;
  GSource         *bus_watch;
  GMainContext    *context;

  GMutex           lock;
  GstSample       *pending_sample;   /* under lock: the newest frame not yet shown */
  gboolean         delivery_queued;  /* under lock */

  GateCamera      *camera;           /* main context only; NULL once the session ended */
};

typedef enum
{
  JOB_PLAY,
  JOB_TEAR_DOWN,
} JobKind;

typedef struct
{
  JobKind  kind;
  Session *session;
} Job;

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

/* --- sessions --------------------------------------------------------------- */

static Session *
session_ref (Session *session)
{
  g_atomic_ref_count_inc (&session->ref_count);
  return session;
}

static void
session_unref (Session *session)
{
  if (!g_atomic_ref_count_dec (&session->ref_count))
    return;

  /* A pipeline that ran is in the NULL state by now: its tear-down job
   * holds a reference until it has taken it there. */
  gst_clear_object (&session->preview);
  gst_clear_object (&session->source);
  gst_clear_object (&session->pipeline);
  if (session->pipewire_fd >= 0)
    close (session->pipewire_fd);
  g_clear_pointer (&session->pending_sample, gst_sample_unref);
  g_clear_pointer (&session->context, g_main_context_unref);
  g_mutex_clear (&session->lock);
  g_free (session);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Session, session_unref)

static void
run_job (gpointer data,
         gpointer user_data)
{
  g_autofree Job *job = data;
  g_autoptr(Session) session = job->session;

  switch (job->kind)
    {
    case JOB_PLAY:
      if (gst_element_set_state (session->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
        gst_element_post_message (session->pipeline,
                                  gst_message_new_application (
                                    GST_OBJECT (session->pipeline),
                                    gst_structure_new_empty ("gate-camera-start-failed")));
      break;

    case JOB_TEAR_DOWN:
      gst_element_set_state (session->pipeline, GST_STATE_NULL);
      /* The appsink's callbacks hold a session reference: drop it, or the
       * pipeline and the session would keep each other alive. */
      gst_app_sink_set_callbacks (GST_APP_SINK (session->preview),
                                  &(GstAppSinkCallbacks) { NULL }, NULL, NULL);
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
push_job (GateCamera *self,
          JobKind     kind,
          Session    *session)
{
  Job *job = g_new0 (Job, 1);

  job->kind = kind;
  job->session = session_ref (session);
  g_thread_pool_push (self->worker, job, NULL);
}

/* --- state -------------------------------------------------------------------- */

static void
set_state (GateCamera      *self,
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
  Session *session = g_steal_pointer (&self->session);
  g_autoptr(GstBus) bus = NULL;

  if (session == NULL)
    return;

  session->camera = NULL;
  g_source_destroy (session->bus_watch);
  g_clear_pointer (&session->bus_watch, g_source_unref);
  bus = gst_element_get_bus (session->pipeline);
  gst_bus_set_flushing (bus, TRUE);

  push_job (self, JOB_TEAR_DOWN, session);
  session_unref (session);

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
  set_state (self, state, message);
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

/* --- frames --------------------------------------------------------------------- */

static void
unmap_frame (gpointer data)
{
  GstVideoFrame *frame = data;

  gst_video_frame_unmap (frame);
  g_free (frame);
}

static GdkTexture *
texture_from_sample (GstSample *sample)
{
  GstCaps *caps = gst_sample_get_caps (sample);
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  g_autoptr(GBytes) bytes = NULL;
  GstVideoFrame *frame;
  GstVideoInfo info;
  gsize stride;

  if (caps == NULL || buffer == NULL || !gst_video_info_from_caps (&info, caps))
    return NULL;

  frame = g_new0 (GstVideoFrame, 1);
  if (!gst_video_frame_map (frame, &info, buffer, GST_MAP_READ))
    {
      g_free (frame);
      return NULL;
    }

  /* The mapping (and with it the buffer) lives as long as the texture. */
  stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
  bytes = g_bytes_new_with_free_func (GST_VIDEO_FRAME_PLANE_DATA (frame, 0),
                                      stride * GST_VIDEO_FRAME_HEIGHT (frame), unmap_frame, frame);

  return gdk_memory_texture_new (GST_VIDEO_FRAME_WIDTH (frame), GST_VIDEO_FRAME_HEIGHT (frame),
                                 GDK_MEMORY_B8G8R8A8_PREMULTIPLIED, bytes, stride);
}

static gboolean
deliver_frame (gpointer user_data)
{
  Session *session = user_data;
  g_autoptr(GstSample) sample = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GateCamera *self = session->camera;

  g_mutex_lock (&session->lock);
  sample = g_steal_pointer (&session->pending_sample);
  session->delivery_queued = FALSE;
  g_mutex_unlock (&session->lock);

  if (self == NULL || sample == NULL)
    return G_SOURCE_REMOVE;

  texture = texture_from_sample (sample);
  if (texture == NULL)
    return G_SOURCE_REMOVE;

  gate_frame_paintable_set_texture (self->paintable, texture);

  /* Running means the gate worker sees a picture, not merely that the
   * pipeline reached PLAYING (a live source gets there with no frame). */
  if (self->state == GATE_CAMERA_STATE_STARTING)
    set_state (self, GATE_CAMERA_STATE_RUNNING, NULL);

  return G_SOURCE_REMOVE;
}

/* Streaming thread. */
static GstFlowReturn
on_new_sample (GstAppSink *sink,
               gpointer    user_data)
{
  Session *session = user_data;
  GstSample *sample = gst_app_sink_pull_sample (sink);
  g_autoptr(GstSample) replaced = NULL;
  gboolean queue_delivery;

  if (sample == NULL)
    return GST_FLOW_EOS;

  g_mutex_lock (&session->lock);
  replaced = g_steal_pointer (&session->pending_sample);
  session->pending_sample = sample;
  queue_delivery = !session->delivery_queued;
  session->delivery_queued = TRUE;
  g_mutex_unlock (&session->lock);

  if (queue_delivery)
    g_main_context_invoke_full (session->context, G_PRIORITY_DEFAULT, deliver_frame,
                                session_ref (session), (GDestroyNotify) session_unref);

  return GST_FLOW_OK;
}

/* --- codes -------------------------------------------------------------------------- */

/* The capture time of the frame at @running_time, on g_get_monotonic_time()'s
 * clock, whatever clock the pipeline runs on. */
static gint64
frame_time_us (Session      *session,
               GstClockTime  running_time)
{
  g_autoptr(GstClock) clock = gst_element_get_clock (session->pipeline);
  gint64 now_us = g_get_monotonic_time ();
  GstClockTime captured;
  GstClockTime now;

  if (clock == NULL || !GST_CLOCK_TIME_IS_VALID (running_time))
    return now_us;

  captured = gst_element_get_base_time (session->pipeline) + running_time;
  now = gst_clock_get_time (clock);
  if (now < captured)
    return now_us;

  return now_us - (gint64) ((now - captured) / GST_USECOND);
}

static gboolean
forget_if_gone (gpointer key,
                gpointer value,
                gpointer user_data)
{
  const gint64 *last_seen_us = value;
  const gint64 *now_us = user_data;

  return *now_us - *last_seen_us >= GATE_CAMERA_REAPPEAR_US;
}

/* zxing reports a code in every frame it sees it in (zbar without its
 * cache does too): a code is news only when it comes (back) into view,
 * i.e. it was not seen for GATE_CAMERA_REAPPEAR_US. Debouncing re-scans of
 * a ticket is the scan engine's business, not ours. */
static gboolean
is_new_sighting (GateCamera *self,
                 const char *code,
                 gint64      seen_us)
{
  gint64 *last_seen_us = g_hash_table_lookup (self->last_seen, code);
  gboolean is_new;

  if (last_seen_us != NULL)
    {
      is_new = seen_us - *last_seen_us >= GATE_CAMERA_REAPPEAR_US;
      *last_seen_us = MAX (*last_seen_us, seen_us);
      return is_new;
    }

  if (g_hash_table_size (self->last_seen) >= 64)
    g_hash_table_foreach_remove (self->last_seen, forget_if_gone, &seen_us);

  last_seen_us = g_new (gint64, 1);
  *last_seen_us = seen_us;
  g_hash_table_insert (self->last_seen, g_strdup (code), last_seen_us);
  return TRUE;
}

static void
handle_barcode (GateCamera         *self,
                Session            *session,
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
  seen_us = frame_time_us (session, running_time);

  if (is_new_sighting (self, symbol, seen_us))
    g_signal_emit (self, signals[CODE_DETECTED], 0, symbol, seen_us);
}

/* --- the bus -------------------------------------------------------------------------- */

static char *
describe_stream_error (GateCamera   *self,
                       const GError *error)
{
  if (self->state == GATE_CAMERA_STATE_STARTING)
    return g_strdup_printf ("The camera could not be started: %s", error->message);

  return g_strdup_printf ("The camera stopped working: %s", error->message);
}

static gboolean
on_bus_message (GstBus     *bus,
                GstMessage *message,
                gpointer    user_data)
{
  Session *session = user_data;
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
      fail (self, GATE_CAMERA_STATE_ERROR, "The camera stopped sending pictures.");
      break;

    case GST_MESSAGE_APPLICATION:
      structure = gst_message_get_structure (message);
      if (gst_structure_has_name (structure, "gate-camera-start-failed"))
        fail (self, GATE_CAMERA_STATE_ERROR, "The camera could not be started.");
      break;

    default:
      break;
    }

  return G_SOURCE_CONTINUE;
}

/* --- building -------------------------------------------------------------------------- */

/* The decode branch after its queue, as each decoder wants its frames.
 * On a textured 1280×720 scene zbar needs over 100 ms a frame, and a leaky
 * queue keeps it busy on every frame it can get. So it reads at most 20
 * frames a second scaled to at most 800 pixels wide (~15 ms each), which
 * still resolves a ticket code of 4 px modules (150 px wide, a phone at
 * arm's length) and keeps it near a third of a core. zxing reads full
 * frames in ~3 ms, so it keeps all the detail. Figures in docs/camera.md. */
static const char *
decode_branch (const char  *decoder,
               GError     **error)
{
  const char *element;
  const char *branch;
  g_autoptr(GstElementFactory) factory = NULL;

  if (g_strcmp0 (decoder, "zbar") == 0)
    {
      element = "zbar";
      branch = "videorate drop-only=true max-rate=20 ! videoconvertscale "
               "! video/x-raw,format=I420,width=[1,800],pixel-aspect-ratio=1/1 "
               "! zbar name=decoder";
    }
  else if (g_strcmp0 (decoder, "zxing") == 0)
    {
      element = "zxing";
      /* Looking for QR codes only is several times faster. */
      branch = "videoconvert ! video/x-raw,format=I420 ! zxing name=decoder format=qr_code";
    }
  else
    {
      g_set_error (error, GATE_CAMERA_ERROR, GATE_CAMERA_ERROR_PIPELINE,
                   "Unknown QR decoder “%s” (use zbar or zxing).", decoder);
      return NULL;
    }

  factory = gst_element_factory_find (element);
  if (factory == NULL)
    {
      g_set_error (error, GATE_CAMERA_ERROR, GATE_CAMERA_ERROR_PIPELINE,
                   "The %s QR decoder is not installed (GStreamer bad plugins).", element);
      return NULL;
    }

  return branch;
}

static gboolean
source_is_live (GstElement *source)
{
  g_autoptr(GstIterator) elements = gst_bin_iterate_recurse (GST_BIN (source));
  g_auto(GValue) item = G_VALUE_INIT;
  gboolean live = FALSE;

  while (!live && gst_iterator_next (elements, &item) == GST_ITERATOR_OK)
    {
      GstElement *element = g_value_get_object (&item);

      live = GST_IS_BASE_SRC (element) && gst_base_src_is_live (GST_BASE_SRC (element));
      g_value_reset (&item);
    }

  return live;
}

static Session *
session_new (GateCamera  *self,
             const char  *source_description,
             GError     **error)
{
  g_autoptr(Session) session = NULL;
  g_autoptr(GstElement) tail = NULL;
  g_autoptr(GstElement) pace = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *tail_description = NULL;
  g_autoptr(GstPad) source_pad = NULL;
  g_autoptr(GstBus) bus = NULL;
  const char *decode;
  GstAppSinkCallbacks callbacks = { .new_sample = on_new_sample };

  decode = decode_branch (self->decoder, error);
  if (decode == NULL)
    return NULL;

  session = g_new0 (Session, 1);
  g_atomic_ref_count_init (&session->ref_count);
  g_mutex_init (&session->lock);
  session->pipewire_fd = -1;
  session->context = g_main_context_ref (self->context);

  session->source = gst_parse_bin_from_description_full (source_description, TRUE, NULL,
                                                         GST_PARSE_FLAG_FATAL_ERRORS,
                                                         &local_error);
  if (session->source == NULL)
    {
      g_set_error (error, GATE_CAMERA_ERROR, GATE_CAMERA_ERROR_PIPELINE,
                   "The camera source “%s” is not usable: %s", source_description,
                   local_error->message);
      return NULL;
    }
  gst_object_ref_sink (session->source);

  source_pad = gst_element_get_static_pad (session->source, "src");
  if (source_pad == NULL)
    {
      g_set_error (error, GATE_CAMERA_ERROR, GATE_CAMERA_ERROR_PIPELINE,
                   "The camera source “%s” has no video output.", source_description);
      return NULL;
    }

  tail_description = g_strdup_printf (PIPELINE_TAIL, decode);
  tail = gst_parse_bin_from_description_full (tail_description, TRUE, NULL,
                                              GST_PARSE_FLAG_FATAL_ERRORS, error);
  if (tail == NULL)
    return NULL;
  gst_object_ref_sink (tail);

  session->pipeline = gst_object_ref_sink (gst_pipeline_new ("gate-camera"));
  /* Both are sunk already, so the bin takes references of its own. */
  gst_bin_add_many (GST_BIN (session->pipeline), session->source, tail, NULL);
  if (!gst_element_link (session->source, tail))
    {
      g_set_error (error, GATE_CAMERA_ERROR, GATE_CAMERA_ERROR_PIPELINE,
                   "The camera source “%s” does not produce video.", source_description);
      return NULL;
    }

  session->preview = gst_bin_get_by_name (GST_BIN (tail), "preview");
  pace = gst_bin_get_by_name (GST_BIN (tail), "pace");
  /* Cameras are paced by their own capture, and waiting on the clock
   * would add their latency to every decode. Anything else (test
   * sources, files) must be held to its timestamps, or it would spin a
   * core producing frames that the leaky queues throw away. */
  g_object_set (pace, "sync", !source_is_live (session->source), NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (session->preview), &callbacks, session_ref (session),
                              (GDestroyNotify) session_unref);

  bus = gst_element_get_bus (session->pipeline);
  session->bus_watch = gst_bus_create_watch (bus);
  g_source_set_callback (session->bus_watch, G_SOURCE_FUNC (on_bus_message),
                         session_ref (session), (GDestroyNotify) session_unref);
  g_source_attach (session->bus_watch, self->context);

  session->camera = self;
  return g_steal_pointer (&session);
}

static void
play (GateCamera *self,
      const char *source_description,
      int         pipewire_fd)
{
  g_autoptr(GError) error = NULL;

  self->session = session_new (self, source_description, &error);
  if (self->session == NULL)
    {
      if (pipewire_fd >= 0)
        close (pipewire_fd);
      g_message ("Camera pipeline not built: %s", error->message);
      fail_with_error (self, error);
      return;
    }

  self->session->pipewire_fd = pipewire_fd;
  push_job (self, JOB_PLAY, self->session);
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
      set_state (self, GATE_CAMERA_STATE_NO_CAMERA,
                 "This gate is set up without a camera: scan with the barcode reader or type the code.");
      return;
    }

  set_state (self, GATE_CAMERA_STATE_STARTING, NULL);

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
  /* One thread, so a new pipeline never grabs the device before the old
   * one has let go of it. */
  self->worker = g_thread_pool_new (run_job, NULL, 1, FALSE, NULL);
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
  set_state (self, GATE_CAMERA_STATE_STOPPED, NULL);
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
