/* fuzz-qr-payload.c — libFuzzer target: a scanned payload through the offline decision
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Whatever a camera decoder or a keyboard-wedge scanner hands over reaches
 * gate_scan_engine_scan_async(). Here each input is such a payload, decided
 * offline by a real engine on a real SQLite cache holding a few tickets of
 * every status. The verdict must be exactly what the cache says:
 * invalid_code for anything gate_scan_code_is_valid() refuses (and it
 * refuses precisely what is not 1–512 bytes of printable ASCII) and for a
 * malformed signed code ("GSS:…"), wrong_event for another event's signed
 * code, cannot_decide for this event's (the cache holds no keys), not_found,
 * wrong_event, void and already_scanned as seeded, and a valid ticket
 * admitted at most once in the whole run — also after a stale refresh page
 * calls it valid again (DESIGN.md §5.1 and §5.3).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include <glib/gstdio.h>
#include <sanitizer/lsan_interface.h>

#include "gate-scan-engine.h"
#include "gate-ticket-code.h"
#include "fuzz-log.h"

#define EVENT       "6f1c2c8e-0000-4000-8000-00000000f001"
#define OTHER_EVENT "6f1c2c8e-0000-4000-8000-00000000f002"
/* How often the seed page is applied again, as a refresh from a server
 * that has not heard of our offline admits yet. */
#define REFRESH_EVERY 1000

int LLVMFuzzerInitialize    (int            *argc,
                             char         ***argv);
int LLVMFuzzerTestOneInput  (const uint8_t  *data,
                             size_t          size);

static const struct
{
  const char *qr_token;
  const char *event_id;
  const char *status;
} seeds[] = {
  { "GS1-ABCDEFGHIJKLMNOPQRSTUVWXYZ", EVENT, "valid" },
  { "GS1-0000000001", EVENT, "valid" },
  { "GS1-0000000002", EVENT, "valid" },
  { "https://tickets.example.org/t/GS1-URLTOKEN0001", EVENT, "valid" },
  { "GS1-VOIDVOIDVOID", EVENT, "void" },
  { "GS1-SCANNEDSCANNED", EVENT, "scanned" },
  { "GS1-OTHEREVENT", OTHER_EVENT, "valid" },
};

static char *cache_dir;
static GateTicketCache *cache;
static GateScanEngine *engine;
static GHashTable *admitted;   /* qr_token → itself: admitted once already */
static guint n_inputs;

static void
apply_seed_page (void)
{
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (seeds); i++)
    {
      g_autoptr(GateTicketPage) page = gate_ticket_page_new ();
      GateTicket *ticket = gate_ticket_new ();

      ticket->id = g_strdup_printf ("00000000-0000-4000-8000-%012u", i + 1);
      ticket->qr_token = g_strdup (seeds[i].qr_token);
      ticket->guest_name = g_strdup_printf ("Guest %u", i + 1);
      ticket->ticket_type = g_strdup ("General");
      g_assert_true (gate_ticket_status_from_string (seeds[i].status, &ticket->status));
      if (ticket->status == GATE_TICKET_STATUS_SCANNED)
        {
          ticket->scanned_at_us = g_get_real_time ();
          ticket->scanned_device = g_strdup ("gate-2");
        }
      ticket->updated_at_us = g_get_real_time ();
      g_ptr_array_add (page->tickets, ticket);
      page->next_cursor = g_strdup_printf ("cursor-%u", i);

      if (!gate_ticket_cache_apply_page (cache, seeds[i].event_id, page, &error))
        g_error ("seeding the cache: %s", error->message);
    }
}

static void
remove_cache_dir (void)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_clear_object (&engine);
  g_clear_object (&cache);

  dir = g_dir_open (cache_dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (cache_dir, name, NULL);

      g_unlink (file);
    }
  g_rmdir (cache_dir);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  gate_fuzz_abort_on_warnings ();
  cache_dir = g_dir_make_tmp ("gate-fuzz-qr-XXXXXX", &error);
  if (cache_dir == NULL)
    g_error ("%s", error->message);
  path = g_build_filename (cache_dir, "cache.db", NULL);
  cache = gate_ticket_cache_new (path, &error);
  if (cache == NULL)
    g_error ("%s", error->message);
  atexit (remove_cache_dir);

  apply_seed_page ();
  admitted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  /* No API client: every decision is the offline one. The engine's
   * connectivity asks for GIO's network monitor once; GLib 2.74's module
   * scan behind it can lose a GIOModule (a three-line program calling
   * g_network_monitor_get_default() shows it), which is not ours to report. */
  __lsan_disable ();
  engine = gate_scan_engine_new (cache, NULL, NULL, EVENT, "gate-fuzz");
  __lsan_enable ();
  return 0;
}

static gboolean
is_printable_ascii (const char *code)
{
  gsize length = strlen (code);

  if (length == 0 || length > GATE_MAX_CODE_LENGTH)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if ((guchar) code[i] < 0x20 || (guchar) code[i] > 0x7e)
      return FALSE;
  return TRUE;
}

/* What the cache must say about @code, given what this run admitted. */
static GateVerdict
expected_verdict (const char *code)
{
  if (!is_printable_ascii (code))
    return GATE_VERDICT_INVALID_CODE;

  for (guint i = 0; i < G_N_ELEMENTS (seeds); i++)
    {
      if (!g_str_equal (code, seeds[i].qr_token))
        continue;
      if (!g_str_equal (seeds[i].event_id, EVENT))
        return GATE_VERDICT_WRONG_EVENT;
      if (g_str_equal (seeds[i].status, "void"))
        return GATE_VERDICT_VOID;
      if (g_str_equal (seeds[i].status, "scanned") || g_hash_table_contains (admitted, code))
        return GATE_VERDICT_ALREADY_SCANNED;
      return GATE_VERDICT_ADMITTED;
    }

  /* A signed code the cache has not seen is judged by its payload; this
   * cache holds no event keys, so none can be admitted. */
  if (gate_ticket_code_has_prefix (code))
    {
      GateTicketCode parsed;

      if (!gate_ticket_code_parse (code, &parsed, NULL))
        return GATE_VERDICT_INVALID_CODE;
      if (g_ascii_strcasecmp (parsed.event_id, EVENT) != 0)
        return GATE_VERDICT_WRONG_EVENT;
      return GATE_VERDICT_CANNOT_DECIDE;
    }

  return GATE_VERDICT_NOT_FOUND;
}

static void
on_decided (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GateScanDecision **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = gate_scan_engine_scan_finish (GATE_SCAN_ENGINE (source), result, &error);
  g_assert_no_error (error);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  /* Decoders and wedge input hand over C strings: a NUL ends the payload. */
  g_autofree char *code = g_strndup ((const char *) data, size);
  g_autoptr(GateScanDecision) decision = NULL;
  GateVerdict expected = expected_verdict (code);

  g_assert_true (gate_scan_code_is_valid (code) == is_printable_ascii (code));

  gate_scan_engine_scan_async (engine, code, "qr", TRUE, NULL, on_decided, &decision);
  while (decision == NULL)
    g_main_context_iteration (NULL, TRUE);
  /* The cache's change signals, queued for this context. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  if (decision->verdict != expected)
    g_error ("“%s” got %s, expected %s", code, gate_verdict_to_string (decision->verdict),
             gate_verdict_to_string (expected));
  g_assert_true (decision->mode == GATE_SCAN_MODE_OFFLINE);
  g_assert_cmpstr (decision->code, ==, code);

  if (decision->verdict == GATE_VERDICT_ADMITTED)
    {
      g_assert_nonnull (decision->ticket_id);
      g_assert_nonnull (decision->client_scan_id);
      g_hash_table_add (admitted, g_strdup (code));
    }
  else if (decision->verdict == GATE_VERDICT_INVALID_CODE || decision->verdict == GATE_VERDICT_NOT_FOUND)
    g_assert_null (decision->ticket_id);

  if (++n_inputs % REFRESH_EVERY == 0)
    apply_seed_page ();

  return 0;
}
