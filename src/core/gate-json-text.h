/* gate-json-text.h — JSON text checked before json-glib parses it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * json-glib 1.6 reads more than JSON and mishandles some of it: it recurses
 * once per nesting level, cuts a string at \u0000, accepts single-quoted
 * strings, comments, a second value after the first and malformed escapes,
 * parses whitespace alone as success without a root, and leaks memory on
 * some of these. Text from the network (the kiosk's answers, gate-server's
 * requests) passes this one scan first; see docs/fuzzing.md.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

const char *gate_json_text_problem (const char *data,
                                    gsize       size,
                                    guint       max_depth);

G_END_DECLS
