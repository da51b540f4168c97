/* gate-enroll.h — enrol_device, the one call made without a device token
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure functions, no I/O: what gate-http-server decides about an
 * enrolment from its head and its body (docs/enrolment.md).
 */
#pragma once

#include "gate-auth.h"
#include "gate-postgrest.h"

G_BEGIN_DECLS

#define GATE_ENROLL_FUNCTION "enroll_device"
/* {"p_code":"…"} and room for whitespace; anything larger is not a code. */
#define GATE_ENROLL_MAX_BODY 4096

gboolean   gate_enroll_is_enrolment  (const char           *function_name);
gboolean   gate_enroll_check_head    (const char           *method,
                                      goffset               content_length,
                                      GatePostgrestRefusal *refusal);
GPtrArray *gate_enroll_build_call    (const char           *body,
                                      gsize                 length,
                                      const GateCallLimits *limits,
                                      guint                *result_index,
                                      GatePostgrestRefusal *refusal);

G_END_DECLS
