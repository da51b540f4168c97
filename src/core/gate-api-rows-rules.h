/* gate-api-rows-rules.h — strict decoding of the gate rules' answers (internal to the core)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "gate-types.h"

G_BEGIN_DECLS

GPtrArray        *gate_api_rows_to_list_rules (JsonArray  *rows,
                                                  GError    **error);
GatePresencePage *gate_api_rows_to_presence_page (JsonArray  *rows,
                                                  GError    **error);

G_END_DECLS
