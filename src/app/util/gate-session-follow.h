/* gate-session-follow.h — the one way a widget follows its session
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A session's parts (its cache, sync service, conflict book…) exist once
 * it is open, and a widget may be given the session before that. So every
 * widget that shows a session holds it the same way: the session in a
 * field, and one callback that (re)reads the session's parts, run now and
 * whenever the session's "cache" changes.
 */
#pragma once

#include "gate-session.h"

G_BEGIN_DECLS

/* Makes *@field (@owner's) hold @session, moving @on_opened (called as
 * on_opened (owner)) from the old session's notify::cache to the new one's.
 * Returns FALSE when *@field held @session already; the caller then runs
 * @on_opened itself and notifies its "session" property. NULL @session
 * lets go (dispose). */
gboolean gate_session_follow (gpointer      owner,
                              GateSession **field,
                              GateSession  *session,
                              GCallback     on_opened);

G_END_DECLS
