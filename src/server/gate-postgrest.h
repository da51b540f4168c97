/* gate-postgrest.h — what PostgREST answers, byte for byte where it matters
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure functions, no I/O: the status a SQLSTATE maps to, the error body,
 * and everything decided about a request from its method, path, headers
 * and body alone — before the database is asked anything.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Requests above this many bytes are refused with 413. */
#define GATE_POSTGREST_MAX_BODY  (8 * 1024 * 1024)
/* json-glib parses recursively: deeper nesting is refused up front. */
#define GATE_POSTGREST_MAX_DEPTH 64

guint     gate_postgrest_status_for_sqlstate (const char  *sqlstate);

char     *gate_postgrest_error_body          (const char  *code,
                                              const char  *message,
                                              const char  *details,
                                              const char  *hint);

gboolean  gate_postgrest_body_is_acceptable  (const char  *data,
                                              gsize        length,
                                              const char **reason);

/* A call as a request asks for it; nothing is looked up yet. */
typedef struct
{
  char       *function_name;
  char       *token;
  JsonObject *args;
  /* member → its value as the client wrote it, for numbers, objects and
   * arrays (see gate-json-members.c) */
  GHashTable *arg_texts;
} GatePostgrestCall;

/* Why a request was answered without calling anything. The strings are
 * static: they outlive the request. */
typedef struct
{
  guint       status;
  const char *code;
  const char *message;
  const char *details;
  const char *hint;
} GatePostgrestRefusal;

char              *gate_postgrest_check_head   (const char              *method,
                                                const char              *function_name,
                                                const char              *authorization,
                                                const char              *apikey,
                                                goffset                  content_length,
                                                GatePostgrestRefusal    *refusal);
gboolean           gate_postgrest_parse_body   (const char              *body,
                                                gsize                    length,
                                                JsonObject             **args,
                                                GHashTable             **arg_texts,
                                                GatePostgrestRefusal    *refusal);
GatePostgrestCall *gate_postgrest_parse_call   (const char              *method,
                                                const char              *function_name,
                                                const char              *authorization,
                                                const char              *apikey,
                                                const char              *body,
                                                gsize                    length,
                                                GatePostgrestRefusal    *refusal);
void               gate_postgrest_call_free    (GatePostgrestCall       *call);
gboolean           gate_postgrest_args_speak_for (JsonObject            *args,
                                                const char              *device_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GatePostgrestCall, gate_postgrest_call_free)

G_END_DECLS
