/* gate-json-members.h — the raw text of a JSON object's members
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

GHashTable *gate_json_member_texts (const char *data,
                                    gsize       length);

G_END_DECLS
