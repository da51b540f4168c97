/* gate-error-sentence.h — a GError as the sentence a gate worker reads
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The core's errors carry codes a caller can act on (gate-error.h); what a
 * person can act on is a sentence: what went wrong, what it means for the
 * gate, what to do. The same code means something else depending on what
 * the gate was doing, so the caller says that too.
 */
#pragma once

#include <glib-object.h>

#include "gate-app-enums.h"

G_BEGIN_DECLS

/**
 * GateActivity:
 * @GATE_ACTIVITY_READING_CACHE: reading this device's ticket cache
 * @GATE_ACTIVITY_REFRESHING: downloading the latest tickets
 * @GATE_ACTIVITY_UPLOADING: sending the scans waiting on this device
 * @GATE_ACTIVITY_REVIEWING: conflict review: listing conflicts and devices,
 *   marking a conflict reviewed
 * @GATE_ACTIVITY_CONNECTING: setting the device up: testing the server and
 *   the token, listing the events
 *
 * What the gate was doing when an error happened.
 */
typedef enum
{
  GATE_ACTIVITY_READING_CACHE,
  GATE_ACTIVITY_REFRESHING,
  GATE_ACTIVITY_UPLOADING,
  GATE_ACTIVITY_REVIEWING,
  GATE_ACTIVITY_CONNECTING,
} GateActivity;

/* A translated sentence for @error, which happened while @activity.
 * @pending_scans: the scans waiting on this device, for UPLOADING (a
 * failed upload says they are kept); 0 otherwise. */
char *gate_error_sentence (const GError *error,
                           GateActivity  activity,
                           gint64        pending_scans);

G_END_DECLS
