/* gate-camera.h — the kiosk's camera: live preview and QR decoding
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GStreamer pipeline from a video source to a preview paintable and a QR
 * decoder. Everything that blocks runs off the main thread; properties,
 * signals and frames are delivered on the main context that was the thread
 * default when the camera was created. See docs/camera.md.
 */
#pragma once

#include <gdk/gdk.h>
#include <gst/gst.h>

#include "gate-app-enums.h"

G_BEGIN_DECLS

typedef enum
{
  GATE_CAMERA_STATE_STOPPED,
  GATE_CAMERA_STATE_STARTING,
  GATE_CAMERA_STATE_RUNNING,
  GATE_CAMERA_STATE_NO_CAMERA,
  GATE_CAMERA_STATE_PERMISSION_DENIED,
  GATE_CAMERA_STATE_ERROR,
} GateCameraState;

#define GATE_CAMERA_ERROR (gate_camera_error_quark ())

/**
 * GateCameraError:
 * @GATE_CAMERA_ERROR_NO_CAMERA: no camera is connected (or none is allowed)
 * @GATE_CAMERA_ERROR_PERMISSION_DENIED: the camera portal denied access
 * @GATE_CAMERA_ERROR_PIPELINE: the source description or decoder is unusable
 * @GATE_CAMERA_ERROR_STREAM: the camera failed or stopped while streaming
 */
typedef enum
{
  GATE_CAMERA_ERROR_NO_CAMERA,
  GATE_CAMERA_ERROR_PERMISSION_DENIED,
  GATE_CAMERA_ERROR_PIPELINE,
  GATE_CAMERA_ERROR_STREAM,
} GateCameraError;

GQuark gate_camera_error_quark (void);

/* A code counts as new again after it has been out of sight this long. */
#define GATE_CAMERA_REAPPEAR_US (G_USEC_PER_SEC)

#define GATE_TYPE_CAMERA (gate_camera_get_type ())
G_DECLARE_FINAL_TYPE (GateCamera, gate_camera, GATE, CAMERA, GObject)

GateCamera      *gate_camera_new                   (const char *source,
                                                    const char *decoder);
const char      *gate_camera_get_source            (GateCamera *self);
void             gate_camera_set_source            (GateCamera *self,
                                                    const char *source);
const char      *gate_camera_get_decoder           (GateCamera *self);
void             gate_camera_set_decoder           (GateCamera *self,
                                                    const char *decoder);
GateCameraState  gate_camera_get_state             (GateCamera *self);
const char      *gate_camera_get_error_message     (GateCamera *self);
GdkPaintable    *gate_camera_get_paintable         (GateCamera *self);

void             gate_camera_start                 (GateCamera *self);
void             gate_camera_stop                  (GateCamera *self);
void             gate_camera_retry                 (GateCamera *self);

GstElement      *gate_camera_dup_source_element    (GateCamera *self,
                                                    const char *name);

/* The decoder setting "auto", resolved (gate-camera-pipeline.c). */
typedef gboolean (*GateCameraElementAvailable) (const char *name);

gboolean         gate_camera_element_available     (const char                 *name);
const char      *gate_camera_decoder_for           (const char                 *decoder,
                                                    GateCameraElementAvailable  available);

G_END_DECLS
