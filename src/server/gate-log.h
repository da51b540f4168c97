/* gate-log.h — gate-server's log lines, as text or JSON, and request ids
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  GATE_LOG_TEXT,
  GATE_LOG_JSON,
} GateLogFormat;

/* The response header that carries a request's id. */
#define GATE_REQUEST_ID_HEADER  "X-Request-Id"
#define GATE_REQUEST_ID_MAX     64
/* Request lines written a second at most; the rest are counted and told. */
#define GATE_LOG_REQUESTS_PER_S 50

/* One request worth a log line (see gate_log_request()). */
typedef struct
{
  const char *request_id;
  const char *method;
  const char *path;        /* as the client sent it; shortened and made printable */
  guint       status;
  gint64      duration_us; /* < 0: not known */
  const char *device_id;   /* (nullable) never a token */
  const char *client;      /* (nullable) the peer's address */
} GateLogRequest;

gboolean  gate_log_parse_format        (const char           *name,
                                        GateLogFormat        *format);
void      gate_log_install             (GateLogFormat         format);
char     *gate_log_format_fields       (GateLogFormat         format,
                                        GLogLevelFlags        log_level,
                                        const GLogField      *fields,
                                        gsize                 n_fields);
gboolean  gate_log_request_id_is_sane  (const char           *id);
char     *gate_log_new_request_id      (void);
gboolean  gate_log_request_wanted      (guint                 status,
                                        gint64                duration_us);
void      gate_log_request             (const GateLogRequest *request);

G_END_DECLS
