/* gate-camera-pipeline.c — building a camera pipeline and driving it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   source ! clocksync ! tee ─┬─ queue (leaky, 1) ! convert (and scale) ! I420 ! zbar|zxing ! fakesink
 *                             └─ queue (leaky, 2) ! videoconvert ! BGRA ! appsink
 *
 * Both branches drop old frames instead of waiting, so a slow decode never
 * stalls the preview and a slow main loop never stalls decoding. State
 * changes of the pipeline (which can block on device drivers) run in order
 * on the camera's one worker thread.
 */
#include "config.h"

#include <unistd.h>

#include <glib/gi18n.h>
#include <gst/base/gstbasesrc.h>

#include "gate-camera-private.h"

#define PIPELINE_TAIL \
  "clocksync name=pace ! tee name=t " \
  "t. ! queue leaky=downstream max-size-buffers=1 max-size-bytes=0 max-size-time=0 " \
  "   ! %s ! fakesink sync=false async=false " \
  "t. ! queue leaky=downstream max-size-buffers=2 max-size-bytes=0 max-size-time=0 " \
  "   ! videoconvert ! video/x-raw,format=BGRA " \
  "   ! appsink name=preview max-buffers=1 drop=true sync=false enable-last-sample=false qos=false"

typedef struct
{
  GateCameraJob      job;
  GateCameraSession *session;
} Job;

/* --- sessions --------------------------------------------------------------- */

GateCameraSession *
_gate_camera_session_ref (GateCameraSession *session)
{
  g_atomic_ref_count_inc (&session->ref_count);
  return session;
}

void
_gate_camera_session_unref (GateCameraSession *session)
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

/* --- the worker ---------------------------------------------------------------- */

static void
run_job (gpointer data,
         gpointer user_data)
{
  g_autofree Job *job = data;
  g_autoptr(GateCameraSession) session = job->session;

  switch (job->job)
    {
    case GATE_CAMERA_JOB_PLAY:
      if (gst_element_set_state (session->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
        gst_element_post_message (session->pipeline,
                                  gst_message_new_application (
                                    GST_OBJECT (session->pipeline),
                                    gst_structure_new_empty ("gate-camera-start-failed")));
      break;

    case GATE_CAMERA_JOB_TEAR_DOWN:
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

/* One thread, so a new pipeline never grabs the device before the old one
 * has let go of it. */
GThreadPool *
_gate_camera_worker_new (void)
{
  return g_thread_pool_new (run_job, NULL, 1, FALSE, NULL);
}

void
_gate_camera_push_job (GateCamera        *self,
                       GateCameraJob      job,
                       GateCameraSession *session)
{
  Job *pushed = g_new0 (Job, 1);

  pushed->job = job;
  pushed->session = _gate_camera_session_ref (session);
  g_thread_pool_push (self->worker, pushed, NULL);
}

/* --- building -------------------------------------------------------------------- */

/**
 * gate_camera_element_available:
 * @name: a GStreamer element's name
 *
 * Returns: whether the registry has the element (its plugin installed)
 */
gboolean
gate_camera_element_available (const char *name)
{
  g_autoptr(GstElementFactory) factory = gst_element_factory_find (name);

  return factory != NULL;
}

/**
 * gate_camera_decoder_for:
 * @decoder: the setting: "auto", "zbar" or "zxing"
 * @available: tells whether an element is installed
 *
 * "auto" is zxing where its element is installed — a frame takes it ~3 ms
 * against zbar's ~15 ms on a scaled-down one (docs/camera.md) — and zbar,
 * which every install has, otherwise. Anything else is what it says.
 *
 * Returns: the decoder to build the pipeline with
 */
const char *
gate_camera_decoder_for (const char                  *decoder,
                         GateCameraElementAvailable   available)
{
  if (g_strcmp0 (decoder, "auto") == 0)
    return available ("zxing") ? "zxing" : "zbar";
  return decoder;
}

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
                   /* Translators: the decoder's name as set up; zbar and zxing are names, keep them. */
                   _("Unknown QR decoder “%s” (use zbar or zxing)."), decoder);
      return NULL;
    }

  factory = gst_element_factory_find (element);
  if (factory == NULL)
    {
      g_set_error (error, GATE_CAMERA_ERROR, GATE_CAMERA_ERROR_PIPELINE,
                   /* Translators: %s is zbar or zxing. */
                   _("The %s QR decoder is not installed (GStreamer bad plugins)."), element);
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

/* A pipeline for @source_description, its bus watched on the camera's main
 * context; not started (push GATE_CAMERA_JOB_PLAY for that). */
GateCameraSession *
_gate_camera_session_new (GateCamera  *self,
                          const char  *source_description,
                          GError     **error)
{
  g_autoptr(GateCameraSession) session = NULL;
  g_autoptr(GstElement) tail = NULL;
  g_autoptr(GstElement) pace = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *tail_description = NULL;
  g_autoptr(GstPad) source_pad = NULL;
  g_autoptr(GstBus) bus = NULL;
  const char *decode;
  GstAppSinkCallbacks callbacks = { .new_sample = _gate_camera_on_new_sample };

  decode = decode_branch (gate_camera_decoder_for (self->decoder, gate_camera_element_available), error);
  if (decode == NULL)
    return NULL;

  session = g_new0 (GateCameraSession, 1);
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
                   /* Translators: the camera source as set up, then GStreamer's reason. */
                   _("The camera source “%s” is not usable: %s"), source_description,
                   local_error->message);
      return NULL;
    }
  gst_object_ref_sink (session->source);

  source_pad = gst_element_get_static_pad (session->source, "src");
  if (source_pad == NULL)
    {
      g_set_error (error, GATE_CAMERA_ERROR, GATE_CAMERA_ERROR_PIPELINE,
                   _("The camera source “%s” has no video output."), source_description);
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
                   _("The camera source “%s” does not produce video."), source_description);
      return NULL;
    }

  session->preview = gst_bin_get_by_name (GST_BIN (tail), "preview");
  pace = gst_bin_get_by_name (GST_BIN (tail), "pace");
  /* Cameras are paced by their own capture, and waiting on the clock
   * would add their latency to every decode. Anything else (test
   * sources, files) must be held to its timestamps, or it would spin a
   * core producing frames that the leaky queues throw away. */
  g_object_set (pace, "sync", !source_is_live (session->source), NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (session->preview), &callbacks, _gate_camera_session_ref (session),
                              (GDestroyNotify) _gate_camera_session_unref);

  bus = gst_element_get_bus (session->pipeline);
  session->bus_watch = gst_bus_create_watch (bus);
  g_source_set_callback (session->bus_watch, G_SOURCE_FUNC (_gate_camera_on_bus_message),
                         _gate_camera_session_ref (session), (GDestroyNotify) _gate_camera_session_unref);
  g_source_attach (session->bus_watch, self->context);

  session->camera = self;
  return g_steal_pointer (&session);
}
