/* gate-verdict.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "gate-types.h"
#include "gate-verdict.h"

const char *
gate_verdict_to_string (GateVerdict verdict)
{
  return gate_enum_to_nick (GATE_TYPE_VERDICT, verdict);
}

gboolean
gate_verdict_from_string (const char  *str,
                          GateVerdict *verdict)
{
  return gate_enum_from_nick (GATE_TYPE_VERDICT, str, (int *) verdict);
}

gboolean
gate_verdict_is_admit (GateVerdict verdict)
{
  return verdict == GATE_VERDICT_ADMITTED;
}

const char *
gate_cannot_decide_reason_to_string (GateCannotDecideReason reason)
{
  return gate_enum_to_nick (GATE_TYPE_CANNOT_DECIDE_REASON, reason);
}

gboolean
gate_cannot_decide_reason_from_string (const char             *str,
                                       GateCannotDecideReason *reason)
{
  return gate_enum_from_nick (GATE_TYPE_CANNOT_DECIDE_REASON, str, (int *) reason);
}
