/* gatectl-private.h — the verbs of gatectl, shared by its main()
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

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
                                    const char *event_id,
                                    const char *list_id,
                                    const char *server,
                                    int         ttl_s,
                                    const char *qr_png);
int      gatectl_enroll_run        (int    argc,
                                    char **argv);

G_END_DECLS
