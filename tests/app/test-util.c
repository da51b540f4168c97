/* test-util.c — the helpers every room shares: times and error sentences
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs in UTC (set before GLib reads the time zone) and in the C locale,
 * so the expected texts are exact.
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <gio/gio.h>

#include "gate-error.h"
#include "gate-error-sentence.h"
#include "gate-time-format.h"

/* 2026-11-25 13:05:10.250 UTC, a Wednesday. */
#define MOMENT_US (G_GINT64_CONSTANT (1795611910) * G_USEC_PER_SEC + 250000)

static void
test_time_none_is_null (void)
{
  for (GateTimeStyle style = GATE_TIME_STYLE_CLOCK; style <= GATE_TIME_STYLE_ISO8601_UTC; style++)
    g_assert_null (gate_time_format (0, style));
}

static void
test_time_styles (void)
{
  struct
  {
    GateTimeStyle  style;
    const char    *expected;
  } cases[] = {
    { GATE_TIME_STYLE_CLOCK, "13:05" },
    { GATE_TIME_STYLE_DATE_CLOCK, "11/25/26 13:05" },
    { GATE_TIME_STYLE_MOMENT, "Wed 25 Nov, 13:05:10" },
    { GATE_TIME_STYLE_TIMESTAMP, "2026-11-25 13:05:10" },
    { GATE_TIME_STYLE_DATE_ISO, "2026-11-25" },
    { GATE_TIME_STYLE_ISO8601_UTC, "2026-11-25T13:05:10.250Z" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = gate_time_format (MOMENT_US, cases[i].style);

      g_assert_cmpstr (text, ==, cases[i].expected);
    }
}

static void
test_time_clock_or_date_drops_the_date_today (void)
{
  gint64 now_us = g_get_real_time ();
  g_autofree char *today = gate_time_format (now_us, GATE_TIME_STYLE_CLOCK_OR_DATE);
  g_autofree char *clock = gate_time_format (now_us, GATE_TIME_STYLE_CLOCK);
  g_autofree char *earlier = gate_time_format (MOMENT_US, GATE_TIME_STYLE_CLOCK_OR_DATE);

  g_assert_cmpstr (today, ==, clock);
  g_assert_cmpstr (earlier, ==, "11/25/26 13:05");
}

static void
test_time_iso_before_1970_keeps_a_positive_fraction (void)
{
  g_autofree char *text = gate_time_format (-750000, GATE_TIME_STYLE_ISO8601_UTC);

  g_assert_cmpstr (text, ==, "1969-12-31T23:59:59.250Z");
}

static void
test_time_age (void)
{
  gint64 now_us = MOMENT_US;
  struct
  {
    gint64      ago_us;
    const char *expected;
  } cases[] = {
    { 30 * G_USEC_PER_SEC, "just now" },
    { -5 * G_TIME_SPAN_MINUTE, "just now" },  /* a clock set back: recent */
    { 5 * G_TIME_SPAN_MINUTE, "5 min ago" },
    { 3 * G_TIME_SPAN_HOUR, "3 hours ago" },
    { 1 * G_TIME_SPAN_HOUR, "1 hour ago" },
    { 3 * G_TIME_SPAN_DAY, "3 days ago" },
  };
  g_autofree char *never = gate_time_format_age (0, now_us);

  g_assert_cmpstr (never, ==, "never");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = gate_time_format_age (now_us - cases[i].ago_us, now_us);

      g_assert_cmpstr (text, ==, cases[i].expected);
    }
}

static void
test_error_unreachable_says_what_it_means_for_the_activity (void)
{
  g_autoptr(GError) error = g_error_new_literal (GATE_ERROR, GATE_ERROR_NETWORK, "connection refused");
  g_autofree char *uploading = gate_error_sentence (error, GATE_ACTIVITY_UPLOADING, 2);
  g_autofree char *uploading_one = gate_error_sentence (error, GATE_ACTIVITY_UPLOADING, 1);
  g_autofree char *refreshing = gate_error_sentence (error, GATE_ACTIVITY_REFRESHING, 0);
  g_autofree char *reviewing = gate_error_sentence (error, GATE_ACTIVITY_REVIEWING, 0);
  g_autofree char *connecting = gate_error_sentence (error, GATE_ACTIVITY_CONNECTING, 0);

  g_assert_cmpstr (uploading, ==,
                   "Could not reach the ticket server. The 2 scans waiting on this device are kept and will be "
                   "sent when the connection is back.");
  g_assert_nonnull (strstr (uploading_one, "The 1 scan waiting on this device is kept"));
  g_assert_cmpstr (refreshing, ==,
                   "Could not reach the ticket server. The gate keeps scanning with the tickets already on this "
                   "device.");
  g_assert_cmpstr (reviewing, ==, "The server cannot be reached. Check the network, then try again.");
  g_assert_cmpstr (connecting, ==, "Cannot reach the server. Check the address and the network connection.");
}

static void
test_error_refusals_name_who_can_help (void)
{
  g_autoptr(GError) revoked = g_error_new_literal (GATE_ERROR, GATE_ERROR_UNAUTHORIZED, "401");
  g_autoptr(GError) forbidden = g_error_new_literal (GATE_ERROR, GATE_ERROR_FORBIDDEN, "403");
  g_autofree char *revoked_sync = gate_error_sentence (revoked, GATE_ACTIVITY_REFRESHING, 0);
  g_autofree char *revoked_setup = gate_error_sentence (revoked, GATE_ACTIVITY_CONNECTING, 0);
  g_autofree char *forbidden_review = gate_error_sentence (forbidden, GATE_ACTIVITY_REVIEWING, 0);

  g_assert_nonnull (strstr (revoked_sync, "its tickets were removed"));
  g_assert_nonnull (strstr (revoked_setup, "gatectl device add"));
  g_assert_nonnull (strstr (forbidden_review, "Only a supervisor device"));
}

static void
test_error_storage_is_the_same_sentence_everywhere (void)
{
  g_autoptr(GError) error = g_error_new_literal (GATE_ERROR, GATE_ERROR_DISK_FULL, "database or disk is full");

  for (GateActivity activity = GATE_ACTIVITY_READING_CACHE; activity <= GATE_ACTIVITY_CONNECTING; activity++)
    {
      g_autofree char *sentence = gate_error_sentence (error, activity, 3);

      g_assert_cmpstr (sentence, ==,
                       "This device's storage is full. Scans already made are safe; ask the venue's IT staff to "
                       "free some space.");
    }
}

static void
test_error_unknown_keeps_its_own_words_only_for_helpers (void)
{
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "EIO on /dev/sda");
  g_autofree char *uploading = gate_error_sentence (error, GATE_ACTIVITY_UPLOADING, 4);
  g_autofree char *reviewing = gate_error_sentence (error, GATE_ACTIVITY_REVIEWING, 0);

  /* At the gate: what happens to the scans, not a kernel's message. */
  g_assert_null (strstr (uploading, "EIO"));
  g_assert_nonnull (strstr (uploading, "stay on this device"));
  g_assert_cmpstr (reviewing, ==, "Something went wrong: EIO on /dev/sda");
}

int
main (int    argc,
      char **argv)
{
  g_setenv ("TZ", "UTC", TRUE);
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/util/time/none-is-null", test_time_none_is_null);
  g_test_add_func ("/util/time/styles", test_time_styles);
  g_test_add_func ("/util/time/clock-or-date-drops-the-date-today", test_time_clock_or_date_drops_the_date_today);
  g_test_add_func ("/util/time/iso-before-1970-keeps-a-positive-fraction",
                   test_time_iso_before_1970_keeps_a_positive_fraction);
  g_test_add_func ("/util/time/age", test_time_age);
  g_test_add_func ("/util/error/unreachable-says-what-it-means-for-the-activity",
                   test_error_unreachable_says_what_it_means_for_the_activity);
  g_test_add_func ("/util/error/refusals-name-who-can-help", test_error_refusals_name_who_can_help);
  g_test_add_func ("/util/error/storage-is-the-same-sentence-everywhere",
                   test_error_storage_is_the_same_sentence_everywhere);
  g_test_add_func ("/util/error/unknown-keeps-its-own-words-only-for-helpers",
                   test_error_unknown_keeps_its_own_words_only_for_helpers);

  return g_test_run ();
}
