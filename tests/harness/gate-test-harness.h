/* gate-test-harness.h — real PostgreSQL and gate-server for the tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every test that needs a backend starts its own throwaway PostgreSQL
 * cluster (initdb in a temp dir, 127.0.0.1, a free port; as the postgres
 * user when running as root) and, where HTTP is involved, a real
 * gate-server process in front of it. Nothing is mocked.
 *
 * Binaries come from the environment that meson sets for tests:
 *   GATECTL          path of the built gatectl
 *   GATE_SERVER_BIN  path of the built gate-server
 *   GATE_PG_BINDIR   optional: where initdb/pg_ctl live
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* --- PostgreSQL -------------------------------------------------------- */

typedef struct _GateTestPg GateTestPg;

typedef enum
{
  GATE_TEST_PG_DEFAULT = 0,
  /* fsync on, as a real server runs: for benchmarks. */
  GATE_TEST_PG_DURABLE = 1 << 0,
} GateTestPgFlags;

GateTestPg *gate_test_pg_new          (GateTestPgFlags   flags,
                                       GError          **error);
const char *gate_test_pg_get_conninfo (GateTestPg       *pg);
guint16     gate_test_pg_get_port     (GateTestPg       *pg);
gboolean    gate_test_pg_stop         (GateTestPg       *pg,
                                       GError          **error);
gboolean    gate_test_pg_start        (GateTestPg       *pg,
                                       GError          **error);
gboolean    gate_test_pg_migrate      (GateTestPg       *pg,
                                       GError          **error);
void        gate_test_pg_free         (GateTestPg       *pg);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GateTestPg, gate_test_pg_free)

/* --- gatectl ----------------------------------------------------------- */

char       *gate_test_gatectl         (GError     **error,
                                       const char  *first_arg,
                                       ...) G_GNUC_NULL_TERMINATED;
char       *gate_test_create_event    (GateTestPg  *pg,
                                       const char  *name,
                                       GError     **error);
char      **gate_test_generate_tickets (GateTestPg  *pg,
                                        const char  *event_id,
                                        guint        count,
                                        const char  *ticket_type,
                                        GError     **error);
gboolean    gate_test_add_device      (GateTestPg  *pg,
                                       const char  *name,
                                       const char  *role,
                                       char       **device_id,
                                       char       **token,
                                       GError     **error);

/* --- gate-server ------------------------------------------------------- */

typedef struct _GateTestServer GateTestServer;

GateTestServer *gate_test_server_new     (const char          *conninfo,
                                          const char * const  *extra_args,
                                          GError             **error);

/* How gate_test_server_new_with_options() starts the process. */
typedef struct
{
  guint       max_open_files;   /* RLIMIT_NOFILE, soft and hard; 0: inherited */
  const char *stderr_path;      /* gate-server's log goes to this file; NULL: ours */
  gboolean    no_health_wait;   /* return once it listens, healthy or not */
} GateTestServerOptions;

GateTestServer *gate_test_server_new_with_options (const char                  *conninfo,
                                                   const char * const          *extra_args,
                                                   const GateTestServerOptions *options,
                                                   GError                     **error);
const char     *gate_test_server_get_url (GateTestServer      *server);
GSubprocess    *gate_test_server_get_process (GateTestServer  *server);
gboolean        gate_test_server_stop    (GateTestServer      *server,
                                          int                 *exit_status,
                                          GError             **error);
void            gate_test_server_free    (GateTestServer      *server);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GateTestServer, gate_test_server_free)

/* --- HTTP ---------------------------------------------------------------- */

/* POST @json to <@base_url>/rest/v1/rpc/<@function> with @token as bearer
 * (NULL: no auth header), synchronously on @session (a SoupSession, one per
 * thread). Returns the HTTP status, 0 when the request failed at transport
 * level (then *@body holds the error message). */
guint       gate_test_rpc             (gpointer     session,
                                       const char  *base_url,
                                       const char  *token,
                                       const char  *function,
                                       const char  *json,
                                       char       **body);

/* @member of the @index-th object of a JSON array (or of a JSON object) as
 * a string; NULL when absent or null. */
char       *gate_test_json_member     (const char  *json,
                                       guint        index,
                                       const char  *member);

/* For SoupMessage::accept-certificate in tests with self-signed certificates. */
gboolean    gate_test_accept_any_certificate (gpointer             message,
                                              GTlsCertificate     *certificate,
                                              GTlsCertificateFlags errors,
                                              gpointer             user_data);

/* A random RFC 4122 UUID string. */
char       *gate_test_uuid            (void);

/* --- waiting ----------------------------------------------------------- */

/* Iterate @context until @condition returns TRUE or @timeout_ms passes,
 * checking it at least every 10 ms, so that it may look at state outside
 * the loop. Returns whether the condition became true. */
typedef gboolean (*GateTestCondition) (gpointer user_data);

gboolean    gate_test_wait_until      (GMainContext      *context,
                                       GateTestCondition  condition,
                                       gpointer           user_data,
                                       guint              timeout_ms);

/* Iterate @context until *@flag becomes TRUE or @timeout_ms passes. */
gboolean    gate_test_wait_for_flag   (GMainContext      *context,
                                       const gboolean    *flag,
                                       guint              timeout_ms);

/* One asynchronous call's result, waited for on the thread-default main
 * context:
 *
 *   g_auto(GateTestAsync) async = { 0 };
 *
 *   thing_do_async (thing, …, gate_test_async_ready, &async);
 *   value = thing_do_finish (thing, gate_test_async_wait (&async, 10000), &error);
 *
 * gate_test_async_wait() fails the test if the call has not completed within
 * @timeout_ms; the result it returns stays valid until the next wait or the
 * end of the scope, so one GateTestAsync serves several calls in turn. */
typedef struct
{
  GAsyncResult *result;   /* arrived, not yet waited for */
  GAsyncResult *taken;    /* handed out by the last wait */
} GateTestAsync;

void          gate_test_async_ready (GObject       *source,
                                     GAsyncResult  *result,
                                     gpointer       user_data);
GAsyncResult *gate_test_async_wait  (GateTestAsync *async,
                                     guint          timeout_ms);
void          gate_test_async_clear (GateTestAsync *async);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GateTestAsync, gate_test_async_clear)

/* A TCP port on 127.0.0.1 that was free a moment ago. */
guint16     gate_test_free_port       (void);

G_END_DECLS
