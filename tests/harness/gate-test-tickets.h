/* gate-test-tickets.h — tickets for tests and benchmarks that fill a cache
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "gate-ticket-cache.h"

G_BEGIN_DECLS

/* A page of valid tickets of @event_id with @codes, guests "Guest 0",
 * "Guest 1", …, of type "General": what a first refresh stores. */
GateTicketPage *gate_test_ticket_page_new (const char         *event_id,
                                           const char * const *codes,
                                           guint               n_codes);

/* Creates the cache at @path and stores that page in it. */
void            gate_test_seed_cache      (const char         *path,
                                           const char         *event_id,
                                           const char * const *codes,
                                           guint               n_codes);

G_END_DECLS
