/* gate-api-rows-private.h — the row readers every decoder of the core uses
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One reader of each kind (gate-api-rows.c): a row of an answer is a JSON
 * object, and each member is read into a record's field. Each reader
 * leaves its output alone on a missing or null member (the record's zero
 * value), fails with BAD_RESPONSE naming the row and member on a wrong
 * type, and fails on a missing member when @required.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct
{
  JsonObject *object;
  guint       index;
  GError    **error;
} GateApiRow;

GateApiRow gate_api_row_at          (JsonArray   *rows,
                                     guint        index,
                                     GError     **error);
/* Sets "row N: “@name” is not @expected" and returns FALSE. */
gboolean   gate_api_row_bad         (GateApiRow  *row,
                                     const char  *name,
                                     const char  *expected);
/* NULL for a missing or null member; *@ok FALSE when it is @required. */
JsonNode  *gate_api_row_member      (GateApiRow  *row,
                                     const char  *name,
                                     gboolean     required,
                                     gboolean    *ok);
gboolean   gate_api_row_read_string (GateApiRow  *row,
                                     const char  *name,
                                     gboolean     required,
                                     char       **out);
/* A UUID, lowercased. */
gboolean   gate_api_row_read_uuid   (GateApiRow  *row,
                                     const char  *name,
                                     gboolean     required,
                                     char       **out);
/* ISO 8601 with a UTC offset, as µs since the epoch. */
gboolean   gate_api_row_read_time   (GateApiRow  *row,
                                     const char  *name,
                                     gboolean     required,
                                     gint64      *out_us);
/* An integer ≥ @min (0 or 1). */
gboolean   gate_api_row_read_int    (GateApiRow  *row,
                                     const char  *name,
                                     gboolean     required,
                                     gint64       min,
                                     gint64      *out);
gboolean   gate_api_row_read_bool   (GateApiRow  *row,
                                     const char  *name,
                                     gboolean     required,
                                     gboolean    *out);

G_END_DECLS
