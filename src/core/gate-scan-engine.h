/* gate-scan-engine.h — a scanned code in, a verdict out
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "gate-api-client.h"
#include "gate-connectivity.h"
#include "gate-ticket-cache.h"

G_BEGIN_DECLS

#define GATE_MAX_CODE_LENGTH 512

typedef enum
{
  GATE_SCAN_MODE_ONLINE,   /*< nick=online >*/
  GATE_SCAN_MODE_OFFLINE,  /*< nick=offline >*/
} GateScanMode;

typedef struct
{
  char         *code;
  GateVerdict   verdict;
  GateScanMode  mode;
  char         *client_scan_id;
  char         *ticket_id;
  char         *guest_name;
  char         *ticket_type;
  gint64        scanned_at_us;    /* for already_scanned: when the winner came in */
  char         *scanned_device;
  gint64        latency_us;       /* code in → verdict out */
  gint64        cache_age_us;     /* offline: how old the cache is; 0 when never refreshed */
} GateScanDecision;

#define GATE_TYPE_SCAN_DECISION (gate_scan_decision_get_type ())
GType             gate_scan_decision_get_type (void) G_GNUC_CONST;
GateScanDecision *gate_scan_decision_copy     (const GateScanDecision *decision);
void              gate_scan_decision_free     (GateScanDecision       *decision);
const char       *gate_scan_mode_to_string    (GateScanMode            mode);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GateScanDecision, gate_scan_decision_free)

/* Whether @code could be a ticket at all: at most 512 bytes of printable
 * ASCII. Anything else is `invalid_code` without a lookup. */
gboolean          gate_scan_code_is_valid     (const char *code);

#define GATE_TYPE_SCAN_ENGINE (gate_scan_engine_get_type ())
G_DECLARE_FINAL_TYPE (GateScanEngine, gate_scan_engine, GATE, SCAN_ENGINE, GObject)

GateScanEngine   *gate_scan_engine_new         (GateTicketCache    *cache,
                                                GateApiClient      *client,
                                                GateConnectivity   *connectivity,
                                                const char         *event_id,
                                                const char         *device_id);
void              gate_scan_engine_scan_async  (GateScanEngine     *self,
                                                const char         *code,
                                                const char         *scan_method,
                                                gboolean            force_offline,
                                                GCancellable       *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer            user_data);
GateScanDecision *gate_scan_engine_scan_finish (GateScanEngine     *self,
                                                GAsyncResult       *result,
                                                GError            **error);
/* For streams of codes (camera, wedge): ignores a code seen within the
 * debounce window, else decides it and emits ::decided. Returns whether the
 * code was taken. */
gboolean          gate_scan_engine_submit      (GateScanEngine     *self,
                                                const char         *code,
                                                const char         *scan_method);

G_END_DECLS
