/* gate-demo.h — `gate-scanner --demo`: a simulated camera showing every verdict
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "gate-camera.h"
#include "gate-session.h"

G_BEGIN_DECLS

/* How long each demo code stays in front of the simulated camera. */
#define GATE_DEMO_CODE_MS 4000

#define GATE_TYPE_DEMO (gate_demo_get_type ())
G_DECLARE_FINAL_TYPE (GateDemo, gate_demo, GATE, DEMO, GObject)

/* With a server (tools/demo exports GATE_SERVER, GATE_TOKEN_FILE, …, and
 * GATE_DEMO_TICKETS, a file of the event's codes) the demo scans through a
 * local link it can cut, to show offline mode; without one it seeds a
 * private cache with a demo event and decides everything offline. */
GateDemo   *gate_demo_new                (const char          *server_url,
                                          const char          *token,
                                          const char          *device_id,
                                          const char          *event_id,
                                          const char          *cache_path,
                                          const char          *tickets_file);
void        gate_demo_prepare_async      (GateDemo            *self,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean    gate_demo_prepare_finish     (GateDemo            *self,
                                          GAsyncResult        *result,
                                          GError             **error);

/* The session's configuration once prepared. */
const char *gate_demo_get_server_url     (GateDemo            *self);
const char *gate_demo_get_token          (GateDemo            *self);
const char *gate_demo_get_device_id      (GateDemo            *self);
const char *gate_demo_get_event_id       (GateDemo            *self);
const char *gate_demo_get_cache_path     (GateDemo            *self);

/* How long each code stays in view (GATE_DEMO_CODE_MS); set before attach. */
void        gate_demo_set_code_ms        (GateDemo            *self,
                                          guint                code_ms);
/* A live 1280×720 test source with a QR code the demo changes. */
char       *gate_demo_dup_camera_source  (GateDemo            *self);
/* Starts cycling codes in front of @camera. */
void        gate_demo_attach             (GateDemo            *self,
                                          GateSession         *session,
                                          GateCamera          *camera);
/* Cuts or restores the link to the server. While cut, a second demo gate
 * (GATE_DEMO_PEER_TOKEN_FILE, GATE_DEMO_PEER_DEVICE_ID) admits the next
 * ticket online, so the kiosk's offline admit of it becomes a conflict. */
void        gate_demo_set_offline        (GateDemo            *self,
                                          gboolean             offline);
/* Whether there is a server link to cut (not in the server-less demo). */
gboolean    gate_demo_get_can_cut        (GateDemo            *self);
/* The ticket the second gate admitted at the last cut (nullable). */
const char *gate_demo_get_peer_code      (GateDemo            *self);

G_END_DECLS
