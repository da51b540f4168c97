/* gate-test-tickets.c — tickets for tests and benchmarks that fill a cache
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "gate-test-tickets.h"

GateTicketPage *
gate_test_ticket_page_new (const char         *event_id,
                           const char * const *codes,
                           guint               n_codes)
{
  GateTicketPage *page = gate_ticket_page_new ();

  for (guint i = 0; i < n_codes; i++)
    {
      GateTicket *ticket = gate_ticket_new ();

      ticket->id = g_uuid_string_random ();
      ticket->event_id = g_strdup (event_id);
      ticket->qr_token = g_strdup (codes[i]);
      ticket->guest_name = g_strdup_printf ("Guest %u", i);
      ticket->ticket_type = g_strdup ("General");
      ticket->status = GATE_TICKET_STATUS_VALID;
      ticket->updated_at_us = g_get_real_time ();
      g_ptr_array_add (page->tickets, ticket);
    }
  page->next_cursor = g_strdup ("seeded");
  page->server_time_us = g_get_real_time ();

  return page;
}

void
gate_test_seed_cache (const char         *path,
                      const char         *event_id,
                      const char * const *codes,
                      guint               n_codes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTicketCache) cache = gate_ticket_cache_new (path, &error);
  g_autoptr(GateTicketPage) page = NULL;

  g_assert_no_error (error);
  page = gate_test_ticket_page_new (event_id, codes, n_codes);
  g_assert_true (gate_ticket_cache_apply_page (cache, event_id, page, &error));
  g_assert_no_error (error);
}
