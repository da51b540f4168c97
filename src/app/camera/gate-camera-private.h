/* gate-camera-private.h — what GateCamera's files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GateCamera is one object in four files, one concern each:
 *
 *   gate-camera.c           the object: properties, states, start and stop,
 *                           and the bus, where the pipeline reports
 *   gate-camera-pipeline.c  building a pipeline and driving it on the
 *                           camera's worker thread
 *   gate-camera-frames.c    preview frames, from the streaming thread to
 *                           the paintable on the main context
 *   gate-camera-codes.c     which decoded codes are news
 */
#pragma once

#include <gst/app/gstappsink.h>

#include "gate-camera.h"
#include "gate-frame-paintable.h"

G_BEGIN_DECLS

/* One pipeline's life. Its streaming threads hold references; once the
 * session ended (camera NULL), late frames and messages are dropped. */
typedef struct
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
} GateCameraSession;

struct _GateCamera
{
  GObject             parent_instance;

  char               *source;
  char               *decoder;
  GateCameraState     state;
  char               *error_message;
  GateFramePaintable *paintable;

  GMainContext       *context;
  GThreadPool        *worker;      /* one thread: state changes in order */
  GCancellable       *cancellable;
  GateCameraSession  *session;
  GHashTable         *last_seen;   /* code → gint64 *frame time (µs) of its last sighting */
};

typedef enum
{
  GATE_CAMERA_JOB_PLAY,
  GATE_CAMERA_JOB_TEAR_DOWN,
} GateCameraJob;

/* gate-camera.c */
void                _gate_camera_set_state         (GateCamera          *self,
                                                    GateCameraState      state,
                                                    const char          *error_message);
gboolean            _gate_camera_on_bus_message    (GstBus              *bus,
                                                    GstMessage          *message,
                                                    gpointer             session);

/* gate-camera-pipeline.c */
GateCameraSession  *_gate_camera_session_new       (GateCamera          *self,
                                                    const char          *source_description,
                                                    GError             **error);
GateCameraSession  *_gate_camera_session_ref       (GateCameraSession   *session);
void                _gate_camera_session_unref     (GateCameraSession   *session);
GThreadPool        *_gate_camera_worker_new        (void);
void                _gate_camera_push_job          (GateCamera          *self,
                                                    GateCameraJob        job,
                                                    GateCameraSession   *session);

/* gate-camera-frames.c */
GstFlowReturn       _gate_camera_on_new_sample     (GstAppSink          *sink,
                                                    gpointer             session);

/* gate-camera-codes.c */
gboolean            _gate_camera_is_new_sighting   (GateCamera          *self,
                                                    const char          *code,
                                                    gint64               seen_us);
gint64              _gate_camera_frame_time_us     (GateCameraSession   *session,
                                                    GstClockTime         running_time);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GateCameraSession, _gate_camera_session_unref)

G_END_DECLS
