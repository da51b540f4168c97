/* gatectl-admin-private.h — the admin verbs, in their own program
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The admin verbs talk to PostgreSQL through libpq, which brings LDAP,
 * Kerberos and OpenSSL with it: loading them was a third of the start of
 * every client verb (`gatectl refresh` on a kiosk's timer). So they live
 * in gatectl-admin (libexecdir), which `gatectl VERB` runs in its own
 * place for an admin verb; the command line is the same.
 */
#pragma once

#include <libpq-fe.h>

#include "gate-ticket-code.h"
#include "gatectl-private.h"

G_BEGIN_DECLS

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

/* Setup codes (gatectl-setup-code.c): `device add … --setup-code`. @conn
 * is a PGconn. */
int      gatectl_enroll_add_device (gpointer    conn,
                                    const char *name,
                                    const char *role,
                                    const char * const *events,
                                    const char *list_id,
                                    const char *server,
                                    int         ttl_s,
                                    const char *qr_png);

G_END_DECLS
