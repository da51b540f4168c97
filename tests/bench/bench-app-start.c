/* bench-app-start.c — gate-scanner start → first camera frame, and its RSS
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * DESIGN.md §8: < 2 s and < 200 MB. The real binary starts on a display
 * with a cache of 10,000 tickets and a camera whose very first frame shows
 * a valid ticket; the time until its verdict-log line is written bounds
 * start → first frame from above (it adds decoding and deciding). Peak RSS
 * (VmHWM) is read from /proc once the verdict is in. Runs a few times and
 * reports the worst.
 *
 * GATE_BENCH_APP_TICKETS=1000000 starts it on a cache of a million-ticket
 * event instead (issue 16): GATE_BENCH_APP_TICKETS=1000000 tests/bench/run app-start
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "gate-test-tickets.h"

#define RUNS            5
#define TICKETS         10000
#define SEED_PAGE       10000
#define TARGET_MS       2000.0
#define TARGET_RSS_MB   200.0
#define DEADLINE_US     (20 * G_USEC_PER_SEC)

static guint
tickets_wanted (void)
{
  const char *wanted = g_getenv ("GATE_BENCH_APP_TICKETS");

  return wanted != NULL ? (guint) CLAMP (g_ascii_strtoull (wanted, NULL, 10), 10, 10000000) : TICKETS;
}

static char *
seed_cache (const char *dir,
            const char *event_id,
            guint       tickets)
{
  char *path = g_build_filename (dir, "kiosk.cache", NULL);

  /* In pages, as a refresh brings them. */
  for (guint first = 0; first < tickets; first += SEED_PAGE)
    {
      g_autoptr(GPtrArray) codes = g_ptr_array_new_with_free_func (g_free);

      for (guint i = first; i < MIN (first + SEED_PAGE, tickets); i++)
        g_ptr_array_add (codes, g_strdup_printf ("GS1-STARTBENCH%07u", i));
      gate_test_seed_cache (path, event_id, (const char * const *) codes->pdata, codes->len);
    }

  return path;
}

static double
peak_rss_mb (const char *pid)
{
  g_autofree char *status_path = g_strdup_printf ("/proc/%s/status", pid);
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents (status_path, &status, NULL, NULL) || (line = strstr (status, "VmHWM:")) == NULL)
    return -1;
  return g_ascii_strtod (line + strlen ("VmHWM:"), NULL) / 1024.0;
}

static gboolean
run_once (const char *cache,
          const char *event_id,
          guint       run,
          double     *start_ms,
          double     *rss_mb)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *log = g_strdup_printf ("%s.verdicts-%u", cache, run);
  g_autofree char *device = g_uuid_string_random ();
  g_autofree char *code = g_strdup_printf ("GS1-STARTBENCH%07u", run);
  g_autofree char *source = g_strdup_printf ("videotestsrc is-live=true pattern=black "
                                             "! video/x-raw,width=1280,height=720,framerate=30/1 "
                                             "! qroverlay case-sensitive=true pixel-size=6 data=%s", code);
  gint64 started;
  gboolean logged = FALSE;

  g_subprocess_launcher_setenv (launcher, "GATE_DEVICE_ID", device, TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_EVENT", event_id, TRUE);
  g_subprocess_launcher_setenv (launcher, "GATE_CACHE", cache, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "GATE_SERVER");

  started = g_get_monotonic_time ();
  process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("GATE_SCANNER_BIN"),
                                         "--source", source, "--verdict-log", log, NULL);
  g_assert_no_error (error);

  /* The verdict is written by another process: check its log on a tick. */
  while (!logged && g_get_monotonic_time () - started < DEADLINE_US)
    {
      g_autofree char *contents = NULL;

      if (g_file_get_contents (log, &contents, NULL, NULL) && strstr (contents, code) != NULL)
        logged = TRUE;
      else
        g_usleep (2000);
    }
  *start_ms = (g_get_monotonic_time () - started) / 1e3;
  *rss_mb = peak_rss_mb (g_subprocess_get_identifier (process));

  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, NULL);
  g_unlink (log);

  return logged;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *cache = NULL;
  g_autofree char *event_id = g_uuid_string_random ();
  double worst_ms = 0;
  double worst_rss = 0;
  gboolean pass = TRUE;

  if (g_getenv ("DISPLAY") == NULL || g_getenv ("GATE_SCANNER_BIN") == NULL)
    {
      printf ("app-start: needs a display and GATE_SCANNER_BIN (run it through tests/bench/run)\nFAIL\n");
      return 1;
    }

  dir = g_dir_make_tmp ("bench-app-start-XXXXXX", &error);
  g_assert_no_error (error);
  cache = seed_cache (dir, event_id, tickets_wanted ());

  printf ("app-start: gate-scanner start → verdict on its first frame, %u tickets cached, "
          "target < %.0f ms and RSS < %.0f MB\n", tickets_wanted (), TARGET_MS, TARGET_RSS_MB);
  for (guint run = 0; run < RUNS; run++)
    {
      double start_ms;
      double rss_mb;
      gboolean logged = run_once (cache, event_id, run, &start_ms, &rss_mb);

      printf ("run %u  start → verdict %.0f ms  peak RSS %.1f MB%s\n", run + 1, start_ms, rss_mb,
              logged ? "" : "  (no verdict)");
      pass &= logged;
      worst_ms = MAX (worst_ms, start_ms);
      worst_rss = MAX (worst_rss, rss_mb);
    }

  pass &= worst_ms < TARGET_MS && worst_rss > 0 && worst_rss < TARGET_RSS_MB;
  printf ("app-start: worst %.0f ms, %.1f MB  %s\n", worst_ms, worst_rss, pass ? "PASS" : "FAIL");

  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;
  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);

  return pass ? 0 : 1;
}
