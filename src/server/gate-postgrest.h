/* gate-postgrest.h — what PostgREST answers, byte for byte where it matters
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure functions, no I/O: the status a SQLSTATE maps to, the error body,
 * and the checks a request body passes before it is parsed.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Requests above this many bytes are refused with 413. */
#define GATE_POSTGREST_MAX_BODY  (8 * 1024 * 1024)
/* json-glib parses recursively: deeper nesting is refused up front. */
#define GATE_POSTGREST_MAX_DEPTH 64

guint     gate_postgrest_status_for_sqlstate (const char  *sqlstate);

char     *gate_postgrest_error_body          (const char  *code,
                                              const char  *message,
                                              const char  *details,
                                              const char  *hint);

gboolean  gate_postgrest_body_is_acceptable  (const char  *data,
                                              gsize        length,
                                              const char **reason);

G_END_DECLS
