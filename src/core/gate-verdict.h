/* gate-verdict.h — what a gate decides for one code
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "gate-core-enums.h"

G_BEGIN_DECLS

/* The nicks are the wire names of DESIGN.md §3/§6: keep them in sync with
 * the SQL. */
typedef enum
{
  GATE_VERDICT_ADMITTED,         /*< nick=admitted >*/
  GATE_VERDICT_ALREADY_SCANNED,  /*< nick=already_scanned >*/
  GATE_VERDICT_NOT_FOUND,        /*< nick=not_found >*/
  GATE_VERDICT_WRONG_EVENT,      /*< nick=wrong_event >*/
  GATE_VERDICT_VOID,             /*< nick=void >*/
  GATE_VERDICT_BUSY,             /*< nick=busy >*/
  GATE_VERDICT_INVALID_CODE,     /*< nick=invalid_code >*/
} GateVerdict;

const char  *gate_verdict_to_string   (GateVerdict  verdict);
gboolean     gate_verdict_from_string (const char  *str,
                                       GateVerdict *verdict);
gboolean     gate_verdict_is_admit    (GateVerdict  verdict);

G_END_DECLS
