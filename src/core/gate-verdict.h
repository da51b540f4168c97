/* gate-verdict.h — what a gate decides for one code
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* The wire names are DESIGN.md §3/§6: keep them in sync with the SQL. */
typedef enum
{
  GATE_VERDICT_ADMITTED,
  GATE_VERDICT_ALREADY_SCANNED,
  GATE_VERDICT_NOT_FOUND,
  GATE_VERDICT_WRONG_EVENT,
  GATE_VERDICT_VOID,
  GATE_VERDICT_BUSY,
  GATE_VERDICT_INVALID_CODE,
} GateVerdict;

#define GATE_TYPE_VERDICT (gate_verdict_get_type ())
GType        gate_verdict_get_type    (void) G_GNUC_CONST;

const char  *gate_verdict_to_string   (GateVerdict  verdict);
gboolean     gate_verdict_from_string (const char  *str,
                                       GateVerdict *verdict);
gboolean     gate_verdict_is_admit    (GateVerdict  verdict);

G_END_DECLS
