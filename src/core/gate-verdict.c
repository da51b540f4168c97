/* gate-verdict.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "gate-verdict.h"

static const GEnumValue verdict_values[] = {
  { GATE_VERDICT_ADMITTED, "GATE_VERDICT_ADMITTED", "admitted" },
  { GATE_VERDICT_ALREADY_SCANNED, "GATE_VERDICT_ALREADY_SCANNED", "already_scanned" },
  { GATE_VERDICT_NOT_FOUND, "GATE_VERDICT_NOT_FOUND", "not_found" },
  { GATE_VERDICT_WRONG_EVENT, "GATE_VERDICT_WRONG_EVENT", "wrong_event" },
  { GATE_VERDICT_VOID, "GATE_VERDICT_VOID", "void" },
  { GATE_VERDICT_BUSY, "GATE_VERDICT_BUSY", "busy" },
  { GATE_VERDICT_INVALID_CODE, "GATE_VERDICT_INVALID_CODE", "invalid_code" },
  { 0, NULL, NULL },
};

GType
gate_verdict_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id))
    g_once_init_leave (&type_id, g_enum_register_static ("GateVerdict", verdict_values));

  return (GType) type_id;
}

const char *
gate_verdict_to_string (GateVerdict verdict)
{
  for (guint i = 0; verdict_values[i].value_nick != NULL; i++)
    if (verdict_values[i].value == (gint) verdict)
      return verdict_values[i].value_nick;

  g_return_val_if_reached ("invalid_code");
}

gboolean
gate_verdict_from_string (const char  *str,
                          GateVerdict *verdict)
{
  g_return_val_if_fail (verdict != NULL, FALSE);

  if (str == NULL)
    return FALSE;

  for (guint i = 0; verdict_values[i].value_nick != NULL; i++)
    {
      if (strcmp (verdict_values[i].value_nick, str) == 0)
        {
          *verdict = verdict_values[i].value;
          return TRUE;
        }
    }

  return FALSE;
}

gboolean
gate_verdict_is_admit (GateVerdict verdict)
{
  return verdict == GATE_VERDICT_ADMITTED;
}
