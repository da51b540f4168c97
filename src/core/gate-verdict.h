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
  GATE_VERDICT_CANNOT_DECIDE,    /*< nick=cannot_decide >*/
  /* The gate rules (DESIGN.md §10): an exit recorded, an exit of someone
   * not inside, a ticket type or direction this list does not take. */
  GATE_VERDICT_EXITED,           /*< nick=exited >*/
  GATE_VERDICT_NOT_INSIDE,       /*< nick=not_inside >*/
  GATE_VERDICT_NOT_ALLOWED_HERE, /*< nick=not_allowed_here >*/
} GateVerdict;

/* Why a scan ended in cannot_decide (DESIGN.md §10): the gate could not
 * tell, and guessing would admit a fraud or turn away a guest. */
typedef enum
{
  GATE_CANNOT_DECIDE_NONE,          /*< nick=none >*/
  GATE_CANNOT_DECIDE_UNAUTHORIZED,  /*< nick=unauthorized >*/
  GATE_CANNOT_DECIDE_STORAGE,       /*< nick=storage >*/
  GATE_CANNOT_DECIDE_CACHE_EMPTY,   /*< nick=cache_empty >*/
  GATE_CANNOT_DECIDE_SERVER_ERROR,  /*< nick=server_error >*/
} GateCannotDecideReason;

const char  *gate_verdict_to_string   (GateVerdict  verdict);
gboolean     gate_verdict_from_string (const char  *str,
                                       GateVerdict *verdict);
gboolean     gate_verdict_is_admit    (GateVerdict  verdict);

const char  *gate_cannot_decide_reason_to_string   (GateCannotDecideReason  reason);
gboolean     gate_cannot_decide_reason_from_string (const char             *str,
                                                    GateCannotDecideReason *reason);

G_END_DECLS
