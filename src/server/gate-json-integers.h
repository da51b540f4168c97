/* gate-json-integers.h — integer literals a request body may carry
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean gate_json_integers_fit (const char  *data,
                                 gsize        length,
                                 const char **reason);

G_END_DECLS
