/* fuzz-log.h — GLib warnings and criticals end a fuzz target
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void gate_fuzz_abort_on_warnings (void);

G_END_DECLS
