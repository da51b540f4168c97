/* gate-session-follow.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "gate-session-follow.h"

gboolean
gate_session_follow (gpointer      owner,
                     GateSession **field,
                     GateSession  *session,
                     GCallback     on_opened)
{
  g_return_val_if_fail (G_IS_OBJECT (owner), FALSE);
  g_return_val_if_fail (session == NULL || GATE_IS_SESSION (session), FALSE);

  if (*field == session)
    return FALSE;

  if (*field != NULL)
    g_signal_handlers_disconnect_by_func (*field, on_opened, owner);
  g_set_object (field, session);
  if (session != NULL)
    g_signal_connect_swapped (session, "notify::cache", on_opened, owner);

  return TRUE;
}
