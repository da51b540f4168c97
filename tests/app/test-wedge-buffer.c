/* test-wedge-buffer.c — GateWedgeBuffer tells a scanner's burst from typing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Keys carry synthetic event times, so the decisions do not depend on how
 * fast this machine runs the test; only the release after a pause waits
 * for the buffer's timer.
 */
#include "config.h"

#include <string.h>

#include "gate-scan-engine.h"
#include "gate-test-harness.h"
#include "gate-wedge-buffer.h"

#define MAX_GAP GATE_WEDGE_DEFAULT_MAX_GAP_MS

typedef struct
{
  GateWedgeBuffer *buffer;
  GPtrArray       *released;   /* each ::released text, in order */
  GPtrArray       *scanned;    /* each ::scanned code, in order */
} Fixture;

static void
on_released (GateWedgeBuffer *buffer,
             const char      *text,
             Fixture         *fixture)
{
  g_ptr_array_add (fixture->released, g_strdup (text));
}

static void
on_scanned (GateWedgeBuffer *buffer,
            const char      *code,
            Fixture         *fixture)
{
  g_ptr_array_add (fixture->scanned, g_strdup (code));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->buffer = gate_wedge_buffer_new ();
  fixture->released = g_ptr_array_new_with_free_func (g_free);
  fixture->scanned = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (fixture->buffer, "released", G_CALLBACK (on_released), fixture);
  g_signal_connect (fixture->buffer, "scanned", G_CALLBACK (on_scanned), fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->buffer);
  g_ptr_array_unref (fixture->released);
  g_ptr_array_unref (fixture->scanned);
}

/* Feeds @text one key every @gap_ms from @start_ms; returns the time of the
 * last key and asserts that each key was swallowed as @swallowed says. */
static guint32
type_keys (Fixture    *fixture,
           const char *text,
           guint32     start_ms,
           guint       gap_ms,
           gboolean    swallowed)
{
  guint32 time_ms = start_ms;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (p != text)
        time_ms += gap_ms;
      g_assert_cmpint (gate_wedge_buffer_key (fixture->buffer, g_utf8_get_char (p), time_ms), ==,
                       swallowed);
    }

  return time_ms;
}

static char *
all_released (Fixture *fixture)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < fixture->released->len; i++)
    g_string_append (text, g_ptr_array_index (fixture->released, i));

  return g_string_free (text, FALSE);
}

static gboolean
something_released (gpointer user_data)
{
  Fixture *fixture = user_data;

  return fixture->released->len > 0;
}

static void
test_burst_with_enter_is_scanned (Fixture       *fixture,
                                  gconstpointer  data)
{
  guint32 last = type_keys (fixture, "TICKET-0001", 1000, 5, TRUE);

  g_assert_true (gate_wedge_buffer_enter (fixture->buffer, last + 5));

  g_assert_cmpuint (fixture->scanned->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->scanned, 0), ==, "TICKET-0001");
  g_assert_cmpuint (fixture->released->len, ==, 0);
  g_assert_false (gate_wedge_buffer_is_holding (fixture->buffer));
}

static void
test_slow_typing_is_released_in_order (Fixture       *fixture,
                                       gconstpointer  data)
{
  g_autofree char *typed = NULL;
  guint32 last;

  /* Each key ends the run of the one before: that one comes back at once,
   * before the new key is held. */
  last = type_keys (fixture, "héllo,wörld", 5000, 150, TRUE);
  g_assert_cmpuint (fixture->released->len, ==, 10);
  g_assert_cmpstr (g_ptr_array_index (fixture->released, 0), ==, "h");

  /* A person's Enter is not swallowed, and comes after the last letter. */
  g_assert_false (gate_wedge_buffer_enter (fixture->buffer, last + 150));

  typed = all_released (fixture);
  g_assert_cmpstr (typed, ==, "héllo,wörld");
  g_assert_cmpuint (fixture->scanned->len, ==, 0);
}

static void
test_burst_without_enter_is_released_after_the_gap (Fixture       *fixture,
                                                    gconstpointer  data)
{
  type_keys (fixture, "ABCDEFGH", 1000, 5, TRUE);
  g_assert_cmpuint (fixture->released->len, ==, 0);
  g_assert_true (gate_wedge_buffer_is_holding (fixture->buffer));

  g_assert_true (gate_test_wait_until (NULL, something_released, fixture, 5000));

  g_assert_cmpuint (fixture->released->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->released, 0), ==, "ABCDEFGH");
  g_assert_cmpuint (fixture->scanned->len, ==, 0);
  g_assert_false (gate_wedge_buffer_is_holding (fixture->buffer));
}

static void
test_short_burst_is_released (Fixture       *fixture,
                              gconstpointer  data)
{
  guint32 last = type_keys (fixture, "ABC", 1000, 5, TRUE);

  g_assert_false (gate_wedge_buffer_enter (fixture->buffer, last + 5));

  g_assert_cmpuint (fixture->released->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->released, 0), ==, "ABC");
  g_assert_cmpuint (fixture->scanned->len, ==, 0);
}

static void
test_min_length_is_a_setting (Fixture       *fixture,
                              gconstpointer  data)
{
  guint32 last;

  gate_wedge_buffer_set_min_length (fixture->buffer, 3);
  last = type_keys (fixture, "ABC", 1000, 5, TRUE);

  g_assert_true (gate_wedge_buffer_enter (fixture->buffer, last + 5));
  g_assert_cmpstr (g_ptr_array_index (fixture->scanned, 0), ==, "ABC");
}

static void
test_enter_alone_is_not_swallowed (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_assert_false (gate_wedge_buffer_enter (fixture->buffer, 1000));

  g_assert_cmpuint (fixture->released->len, ==, 0);
  g_assert_cmpuint (fixture->scanned->len, ==, 0);
}

static void
test_late_enter_is_typing (Fixture       *fixture,
                           gconstpointer  data)
{
  guint32 last = type_keys (fixture, "ABCDEFGH", 1000, 5, TRUE);

  g_assert_false (gate_wedge_buffer_enter (fixture->buffer, last + MAX_GAP + 1));

  g_assert_cmpuint (fixture->released->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->released, 0), ==, "ABCDEFGH");
  g_assert_cmpuint (fixture->scanned->len, ==, 0);
}

static void
test_overlong_burst_is_capped (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autofree char *burst = g_strnfill (GATE_MAX_CODE_LENGTH + 200, 'X');
  guint32 last = type_keys (fixture, burst, 1000, 1, TRUE);
  const char *code;

  g_assert_true (gate_wedge_buffer_enter (fixture->buffer, last + 1));

  /* One byte too many: the scan engine answers invalid_code for it. */
  g_assert_cmpuint (fixture->scanned->len, ==, 1);
  code = g_ptr_array_index (fixture->scanned, 0);
  g_assert_cmpuint (strlen (code), ==, GATE_MAX_CODE_LENGTH + 1);
  g_assert_false (gate_scan_code_is_valid (code));
  g_assert_cmpuint (fixture->released->len, ==, 0);
}

static void
test_gap_at_threshold_is_a_burst (Fixture       *fixture,
                                  gconstpointer  data)
{
  guint32 last = type_keys (fixture, "CODE-42", 1000, MAX_GAP, TRUE);

  g_assert_true (gate_wedge_buffer_enter (fixture->buffer, last + MAX_GAP));

  g_assert_cmpstr (g_ptr_array_index (fixture->scanned, 0), ==, "CODE-42");
  g_assert_cmpuint (fixture->released->len, ==, 0);
}

static void
test_gap_over_threshold_breaks_the_burst (Fixture       *fixture,
                                          gconstpointer  data)
{
  guint32 last = type_keys (fixture, "AB", 1000, 5, TRUE);

  last = type_keys (fixture, "CDE", last + MAX_GAP + 1, 5, TRUE);
  g_assert_cmpuint (fixture->released->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->released, 0), ==, "AB");

  /* "CDE" alone is too short to be a code. */
  g_assert_false (gate_wedge_buffer_enter (fixture->buffer, last + 5));
  g_assert_cmpuint (fixture->released->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (fixture->released, 1), ==, "CDE");
  g_assert_cmpuint (fixture->scanned->len, ==, 0);
}

static void
test_event_time_wraps_around (Fixture       *fixture,
                              gconstpointer  data)
{
  guint32 last = type_keys (fixture, "WRAP-0001", G_MAXUINT32 - 20, 5, TRUE);

  g_assert_cmpuint (last, <, 100);
  g_assert_true (gate_wedge_buffer_enter (fixture->buffer, last + 5));
  g_assert_cmpstr (g_ptr_array_index (fixture->scanned, 0), ==, "WRAP-0001");
}

static void
test_leading_space_is_not_held (Fixture       *fixture,
                                gconstpointer  data)
{
  guint32 last;

  /* Space on a focused button must press it at once. */
  g_assert_false (gate_wedge_buffer_key (fixture->buffer, ' ', 1000));
  g_assert_false (gate_wedge_buffer_is_holding (fixture->buffer));

  /* Inside a burst it is part of the code. */
  last = type_keys (fixture, "AB CD", 2000, 5, TRUE);
  g_assert_true (gate_wedge_buffer_enter (fixture->buffer, last + 5));
  g_assert_cmpstr (g_ptr_array_index (fixture->scanned, 0), ==, "AB CD");
}

static void
test_interrupt_releases_at_once (Fixture       *fixture,
                                 gconstpointer  data)
{
  type_keys (fixture, "ABCDEF", 1000, 5, TRUE);

  gate_wedge_buffer_interrupt (fixture->buffer);

  g_assert_cmpuint (fixture->released->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->released, 0), ==, "ABCDEF");
  g_assert_false (gate_wedge_buffer_is_holding (fixture->buffer));

  /* Nothing is left for the timer to release again. */
  gate_wedge_buffer_interrupt (fixture->buffer);
  g_assert_cmpuint (fixture->released->len, ==, 1);
}

static void
test_unprintable_key_releases (Fixture       *fixture,
                               gconstpointer  data)
{
  type_keys (fixture, "ABCDEF", 1000, 5, TRUE);

  g_assert_false (gate_wedge_buffer_key (fixture->buffer, '\t', 1005));

  g_assert_cmpuint (fixture->released->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->released, 0), ==, "ABCDEF");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/wedge-buffer/burst-with-enter-is-scanned", test_burst_with_enter_is_scanned);
  ADD ("/wedge-buffer/slow-typing-is-released-in-order", test_slow_typing_is_released_in_order);
  ADD ("/wedge-buffer/burst-without-enter-is-released-after-the-gap",
       test_burst_without_enter_is_released_after_the_gap);
  ADD ("/wedge-buffer/short-burst-is-released", test_short_burst_is_released);
  ADD ("/wedge-buffer/min-length-is-a-setting", test_min_length_is_a_setting);
  ADD ("/wedge-buffer/enter-alone-is-not-swallowed", test_enter_alone_is_not_swallowed);
  ADD ("/wedge-buffer/late-enter-is-typing", test_late_enter_is_typing);
  ADD ("/wedge-buffer/overlong-burst-is-capped", test_overlong_burst_is_capped);
  ADD ("/wedge-buffer/gap-at-threshold-is-a-burst", test_gap_at_threshold_is_a_burst);
  ADD ("/wedge-buffer/gap-over-threshold-breaks-the-burst",
       test_gap_over_threshold_breaks_the_burst);
  ADD ("/wedge-buffer/event-time-wraps-around", test_event_time_wraps_around);
  ADD ("/wedge-buffer/leading-space-is-not-held", test_leading_space_is_not_held);
  ADD ("/wedge-buffer/interrupt-releases-at-once", test_interrupt_releases_at_once);
  ADD ("/wedge-buffer/unprintable-key-releases", test_unprintable_key_releases);

#undef ADD

  return g_test_run ();
}
