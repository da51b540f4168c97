/* gatectl-private.h — the verbs of gatectl, shared by its main()
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

#include "gate-ticket-code.h"

G_BEGIN_DECLS

/* Exit codes of DESIGN.md §7. */
enum
{
  GATECTL_EXIT_OK          = 0,
  GATECTL_EXIT_FAILED      = 1,
  GATECTL_EXIT_USAGE       = 2,
  GATECTL_EXIT_UNREACHABLE = 3,
};

/* Admin verbs (talk to PostgreSQL): migrate, event, tickets, ticket, device.
 * @argv[0] is the verb. Returns an exit code. */
gboolean gatectl_admin_handles (const char *verb);
int      gatectl_admin_run     (int    argc,
                                char **argv);

/* The gate rules' admin verbs (gatectl-rules.c): list, operator; and
 * `device assign`, `device add --event/--list` through gatectl_rules_assign(). */
gboolean gatectl_rules_handles (const char *verb);
int      gatectl_rules_run     (int    argc,
                                char **argv);
int      gatectl_rules_run_device_assign (int    argc,
                                          char **argv);
gboolean gatectl_rules_assign  (PGconn             *conn,
                                const char         *device_id,
                                const char * const *events,
                                const char         *list_id,
                                gboolean            clear);

/* Connects to --db, else GATE_DB; returns an exit code. */
int      gatectl_connect_db    (const char  *conninfo,
                                PGconn     **out);
/* Runs @sql; on failure says "gatectl: @what failed: …" on stderr. */
gboolean gatectl_exec_ok       (PGconn      *conn,
                                const char  *sql,
                                const char  *what);

/* Says "gatectl: @what failed: …" on stderr unless @result succeeded. */
gboolean gatectl_check_result  (PGresult    *result,
                                const char  *what);
/* Parses @context's options; says what is wrong on stderr. */
gboolean gatectl_parse_options (GOptionContext  *context,
                                int             *argc,
                                char          ***argv);

/* Events' signing keys (gatectl-keys.c). */
typedef struct
{
  guint8 key_id;
  guint8 seed[GATE_TICKET_CODE_SEED_SIZE];
} GatectlSigningKey;

void     gatectl_signing_key_clear     (GatectlSigningKey *key);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GatectlSigningKey, gatectl_signing_key_clear)
/* The key that signs new codes of @event (made on first use, or always
 * with @rotate), in the caller's transaction under the event's row lock. */
gboolean gatectl_signing_key_for_event (PGconn            *conn,
                                        const char        *event,
                                        gboolean           rotate,
                                        GatectlSigningKey *key);
/* `event keys`: list, --rotate, --retire. */
int      gatectl_keys_run              (int    argc,
                                        char **argv);

/* Client verbs (run the core like a kiosk): refresh, scan, sync, status,
 * conflicts. */
gboolean gatectl_client_handles (const char *verb);
int      gatectl_client_run     (int    argc,
                                 char **argv);

/* Setup codes (gatectl-enroll.c): `device add … --setup-code` and the
 * client verb `enroll`. @conn is a PGconn. */
int      gatectl_enroll_add_device (gpointer    conn,
                                    const char *name,
                                    const char *role,
                                    const char * const *events,
                                    const char *list_id,
                                    const char *server,
                                    int         ttl_s,
                                    const char *qr_png);
int      gatectl_enroll_run        (int    argc,
                                    char **argv);

G_END_DECLS
