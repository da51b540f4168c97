/* test-cache-panel.c — the cache status panel and the arrivals chart, on a
 * real X display, with a real cache file and (where a server is involved)
 * a real PostgreSQL and gate-server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "gate-api-client.h"
#include "gate-arrivals-chart.h"
#include "gate-cache-panel-private.h"
#include "gate-test-gui.h"
#include "gate-test-harness.h"

#define LOCAL_EVENT   "6f1c2c8e-0000-4000-8000-0000000000a1"
#define SERVER_TICKETS 40
#define WAIT_MS       20000

/* One PostgreSQL and gate-server for the whole program. */
static struct
{
  GateTestPg     *pg;
  GateTestServer *server;
  char           *event;
  char          **tokens;
} backend;

typedef struct
{
  char             *dir;
  GateSession      *session;
  GateTicketCache  *cache;          /* the session's */
  GateConnectivity *connectivity;   /* the session's */
  GateSyncService  *sync;           /* the session's; NULL without a server */
  char             *device_id;
  GtkWidget        *window;
  GateCachePanel   *panel;
  GPtrArray        *messages;   /* what the panel's "message" signal said */
} Fixture;

/* --- set-up -------------------------------------------------------------------- */

static void
on_message (GateCachePanel *panel,
            const char     *message,
            Fixture        *fixture)
{
  g_ptr_array_add (fixture->messages, g_strdup (message));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("gate-panel-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->messages = g_ptr_array_new_with_free_func (g_free);
}

/* A kiosk for @event_id as the app opens one: registered with the test
 * backend and syncing through @base_url, or without a server (NULL). */
static void
fixture_open (Fixture    *fixture,
              const char *base_url,
              const char *event_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  g_autofree char *path = g_build_filename (fixture->dir, "cache.db", NULL);

  if (base_url != NULL)
    {
      g_autofree char *name = g_strdup_printf ("panel-%u", g_random_int ());

      g_assert_true (gate_test_add_device (backend.pg, name, "gate", &fixture->device_id, &token, &error));
      g_assert_no_error (error);
    }
  else
    fixture->device_id = g_strdup ("gate-1");

  fixture->session = gate_test_gui_open_session (base_url, token, fixture->device_id, event_id, path);
  fixture->cache = gate_session_get_cache (fixture->session);
  fixture->connectivity = gate_session_get_connectivity (fixture->session);
  fixture->sync = gate_session_get_sync_service (fixture->session);
}

static void
fixture_show (Fixture *fixture)
{
  fixture->window = adw_window_new ();
  fixture->panel = GATE_CACHE_PANEL (gate_cache_panel_new (fixture->session));
  g_signal_connect (fixture->panel, "message", G_CALLBACK (on_message), fixture);
  adw_window_set_content (ADW_WINDOW (fixture->window), GTK_WIDGET (fixture->panel));
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 900, 700);
  gtk_window_present (GTK_WINDOW (fixture->window));
  g_assert_true (gate_test_gui_wait_drawn (fixture->window, WAIT_MS));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (fixture->window != NULL)
    gtk_window_destroy (GTK_WINDOW (fixture->window));
  gate_test_gui_flush ();
  g_clear_object (&fixture->session);
  g_clear_pointer (&fixture->messages, g_ptr_array_unref);
  g_clear_pointer (&fixture->device_id, g_free);

  dir = g_dir_open (fixture->dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (fixture->dir, name, NULL);

      g_unlink (file);
    }
  g_rmdir (fixture->dir);
  g_free (fixture->dir);
}

/* --- the cache, filled from code ------------------------------------------------- */

static void
store_tickets (GateTicketCache *cache,
               const char      *event_id,
               guint            count)
{
  g_autoptr(GateTicketPage) page = gate_ticket_page_new ();
  g_autoptr(GError) error = NULL;

  for (guint i = 1; i <= count; i++)
    {
      GateTicket *ticket = gate_ticket_new ();

      ticket->id = g_strdup_printf ("00000000-0000-4000-8000-%012u", i);
      ticket->qr_token = g_strdup_printf ("GS1-PANEL%u", i);
      ticket->guest_name = g_strdup_printf ("Guest %u", i);
      ticket->ticket_type = g_strdup ("General");
      ticket->status = GATE_TICKET_STATUS_VALID;
      g_ptr_array_add (page->tickets, ticket);
    }
  page->next_cursor = g_strdup ("page-1");
  g_assert_true (gate_ticket_cache_apply_page (cache, event_id, page, &error));
  g_assert_no_error (error);
}

static void
store_event (GateTicketCache *cache,
             const char      *event_id,
             const char      *name)
{
  g_autoptr(GateEventSummary) summary = gate_event_summary_new ();
  g_autoptr(GError) error = NULL;

  summary->event_id = g_strdup (event_id);
  summary->name = g_strdup (name);
  summary->starts_at_us = g_get_real_time () + G_TIME_SPAN_HOUR;
  summary->server_time_us = g_get_real_time ();
  g_assert_true (gate_ticket_cache_set_event (cache, summary, &error));
  g_assert_no_error (error);
}

static void
admit_offline (GateTicketCache *cache,
               const char      *event_id,
               const char      *token,
               const char      *device_id)
{
  g_autoptr(GateQueuedScan) scan = gate_queued_scan_new ();
  g_autoptr(GateScanDecision) decision = NULL;
  g_autoptr(GError) error = NULL;

  scan->client_scan_id = g_uuid_string_random ();
  scan->event_id = g_strdup (event_id);
  scan->qr_token = g_strdup (token);
  scan->device_id = g_strdup (device_id);
  scan->scanned_at_us = g_get_real_time ();
  scan->scan_method = g_strdup ("qr");
  decision = gate_ticket_cache_admit_offline (cache, scan, &error);
  g_assert_no_error (error);
  g_assert_cmpint (decision->verdict, ==, GATE_VERDICT_ADMITTED);
}

/* --- waiting on what the panel shows ------------------------------------------------ */

typedef struct
{
  GateCachePanel       *panel;
  GateCachePanelFigure  figure;
  const char           *expected;
} FigureWait;

static gboolean
figure_is (gpointer user_data)
{
  FigureWait *wait = user_data;

  return g_strcmp0 (gate_cache_panel_get_figure_text (wait->panel, wait->figure), wait->expected) == 0;
}

/* Fails the test, naming what was shown instead, unless @figure shows
 * @expected within WAIT_MS. */
static void
assert_figure (Fixture              *fixture,
               GateCachePanelFigure  figure,
               const char           *expected)
{
  FigureWait wait = { fixture->panel, figure, expected };

  if (!gate_test_gui_wait_until (figure_is, &wait, WAIT_MS))
    g_error ("figure %d shows \"%s\", expected \"%s\"", figure,
             gate_cache_panel_get_figure_text (fixture->panel, figure), expected);
}

typedef struct
{
  GateArrivalsChart *chart;
  guint              expected;
} TotalWait;

static gboolean
total_is (gpointer user_data)
{
  TotalWait *wait = user_data;

  return gate_arrivals_chart_get_total (wait->chart) == wait->expected;
}

/* The chart is read beside the figures, not with them: wait for it too. */
static void
assert_chart_total (Fixture *fixture,
                    guint    expected)
{
  TotalWait wait = { gate_cache_panel_get_chart (fixture->panel), expected };

  if (!gate_test_gui_wait_until (total_is, &wait, WAIT_MS))
    g_error ("the chart shows %u arrivals, expected %u", gate_arrivals_chart_get_total (wait.chart), expected);
}

static gboolean
has_message (gpointer user_data)
{
  Fixture *fixture = user_data;

  return fixture->messages->len > 0;
}

static gboolean
shows_message (gpointer user_data)
{
  return gate_cache_panel_get_message (user_data) != NULL;
}

static gboolean
is_sensitive (gpointer user_data)
{
  return gtk_widget_get_sensitive (GTK_WIDGET (user_data));
}

/* What a tap on the button emits; gtk_widget_activate() would only click
 * after its press animation. */
static void
click (GtkButton *button)
{
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (button)));
  g_signal_emit_by_name (button, "clicked");
}

/* --- tests ------------------------------------------------------------------------- */

static void
test_shows_status_of_a_fresh_cache (Fixture       *fixture,
                                    gconstpointer  data)
{
  fixture_open (fixture, NULL, LOCAL_EVENT);
  fixture_show (fixture);

  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_EVENT, "Not downloaded yet");
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_TICKETS_CACHED, "0");
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_CHECKED_IN, "0");
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_PENDING_UPLOADS, "0");
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_LAST_REFRESH, "never");
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_LAST_FULL_REFRESH, "never");
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_LAST_UPLOAD, "never");
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_CLOCK_OFFSET, "Not measured yet");
  /* A kiosk without a server decides everything from its cache, and says so. */
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_SERVER, "Unreachable — scans are decided from the cache");
  g_assert_cmpstr (gate_arrivals_chart_get_summary (gate_cache_panel_get_chart (fixture->panel)), ==,
                   "No arrivals yet");

  /* No server, so no sync service: nothing to refresh or upload with. */
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (gate_cache_panel_get_refresh_button (fixture->panel))));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (gate_cache_panel_get_upload_button (fixture->panel))));
  g_assert_null (gate_cache_panel_get_message (fixture->panel));
}

static void
test_shows_stored_event_and_tickets (Fixture       *fixture,
                                     gconstpointer  data)
{
  fixture_open (fixture, NULL, LOCAL_EVENT);
  fixture_show (fixture);
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_TICKETS_CACHED, "0");

  /* Stored while the panel is shown, as a sync stores them: the cache's
   * signals bring them in. */
  g_assert_true (gate_ticket_cache_set_clock_offset (fixture->cache, 1234, NULL));
  store_tickets (fixture->cache, LOCAL_EVENT, 12);
  store_event (fixture->cache, LOCAL_EVENT, "Summer Gala");

  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_EVENT, "Summer Gala");
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_TICKETS_CACHED, "12");
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_LAST_REFRESH, "just now");
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_LAST_UPLOAD, "never");
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_CLOCK_OFFSET, "+1.2 s (server ahead)");

  g_assert_true (gate_ticket_cache_set_clock_offset (fixture->cache, -420, NULL));
  store_event (fixture->cache, LOCAL_EVENT, "Summer Gala, day 2");
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_EVENT, "Summer Gala, day 2");
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_CLOCK_OFFSET, "−0.4 s (server behind)");
}

static void
test_offline_admit_updates_checked_in_and_pending_live (Fixture       *fixture,
                                                        gconstpointer  data)
{
  fixture_open (fixture, NULL, LOCAL_EVENT);
  store_tickets (fixture->cache, LOCAL_EVENT, 3);
  fixture_show (fixture);
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_TICKETS_CACHED, "3");
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_CHECKED_IN, "0");
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_PENDING_UPLOADS, "0");

  /* Well within the minute tick: only the cache's signals can update it. */
  admit_offline (fixture->cache, LOCAL_EVENT, "GS1-PANEL2", "gate-1");
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_CHECKED_IN, "1");
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_PENDING_UPLOADS, "1");
  assert_chart_total (fixture, 1);

  admit_offline (fixture->cache, LOCAL_EVENT, "GS1-PANEL3", "gate-1");
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_CHECKED_IN, "2");
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_PENDING_UPLOADS, "2");
  assert_chart_total (fixture, 2);
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_TICKETS_CACHED, "3");
}

static void
test_connection_loss_shows_unreachable (Fixture       *fixture,
                                        gconstpointer  data)
{
  fixture_open (fixture, gate_test_server_get_url (backend.server), backend.event);
  fixture_show (fixture);
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_SERVER, "Reachable");

  gate_connectivity_report_failure (fixture->connectivity);
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_SERVER, "Unreachable — scans are decided from the cache");

  gate_connectivity_report_success (fixture->connectivity);
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_SERVER, "Reachable");
}

static void
test_refresh_now_downloads_from_server (Fixture       *fixture,
                                        gconstpointer  data)
{
  g_autofree char *count = g_strdup_printf ("%u", SERVER_TICKETS);
  g_autofree char *shot = NULL;
  GtkButton *refresh;

  fixture_open (fixture, gate_test_server_get_url (backend.server), backend.event);
  fixture_show (fixture);
  refresh = gate_cache_panel_get_refresh_button (fixture->panel);
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_TICKETS_CACHED, "0");

  click (refresh);
  /* One run at a time: both buttons wait for this one. */
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (refresh)));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (gate_cache_panel_get_upload_button (fixture->panel))));

  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_TICKETS_CACHED, count);
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_EVENT, "Panel night");
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_LAST_REFRESH, "just now");
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_LAST_FULL_REFRESH, "just now");
  g_assert_true (gate_test_gui_wait_until (is_sensitive, refresh, WAIT_MS));
  g_assert_cmpstr (gate_cache_panel_get_figure_text (fixture->panel, GATE_CACHE_PANEL_FIGURE_CLOCK_OFFSET), !=,
                   "Not measured yet");
  g_assert_null (gate_cache_panel_get_message (fixture->panel));
  g_assert_cmpuint (fixture->messages->len, ==, 0);

  g_assert_true (gate_test_gui_wait_drawn (fixture->window, WAIT_MS));
  shot = gate_test_gui_snapshot_widget (fixture->window, "cache");
}

static void
test_upload_now_empties_queue (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autofree char *shot = NULL;

  fixture_open (fixture, gate_test_server_get_url (backend.server), backend.event);
  fixture_show (fixture);
  click (gate_cache_panel_get_refresh_button (fixture->panel));
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_EVENT, "Panel night");
  g_assert_true (gate_test_gui_wait_until (is_sensitive, gate_cache_panel_get_upload_button (fixture->panel),
                                           WAIT_MS));

  admit_offline (fixture->cache, backend.event, backend.tokens[0], fixture->device_id);
  admit_offline (fixture->cache, backend.event, backend.tokens[1], fixture->device_id);
  admit_offline (fixture->cache, backend.event, backend.tokens[2], fixture->device_id);
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_PENDING_UPLOADS, "3");
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_LAST_UPLOAD, "never");

  click (gate_cache_panel_get_upload_button (fixture->panel));
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_PENDING_UPLOADS, "0");
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_LAST_UPLOAD, "just now");
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_CHECKED_IN, "3");
  g_assert_true (gate_test_gui_wait_until (is_sensitive, gate_cache_panel_get_upload_button (fixture->panel),
                                           WAIT_MS));
  g_assert_cmpuint (fixture->messages->len, ==, 0);
  assert_chart_total (fixture, 3);

  g_assert_true (gate_test_gui_wait_drawn (fixture->window, WAIT_MS));
  shot = gate_test_gui_snapshot_widget (fixture->window, "cache-uploaded");
}

static void
test_dead_server_shows_failure_and_keeps_scans (Fixture       *fixture,
                                                gconstpointer  data)
{
  g_autofree char *dead_url = g_strdup_printf ("http://127.0.0.1:%u", gate_test_free_port ());
  g_autofree char *shot = NULL;
  const char *message;

  /* Tickets from an earlier refresh; the server is gone since. */
  fixture_open (fixture, dead_url, backend.event);
  store_tickets (fixture->cache, backend.event, 5);
  fixture_show (fixture);
  admit_offline (fixture->cache, backend.event, "GS1-PANEL1", fixture->device_id);
  admit_offline (fixture->cache, backend.event, "GS1-PANEL4", fixture->device_id);
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_PENDING_UPLOADS, "2");

  click (gate_cache_panel_get_upload_button (fixture->panel));
  g_assert_true (gate_test_gui_wait_until (has_message, fixture, WAIT_MS));

  /* A sentence, shown in the panel and offered to the window, that says the
   * scans are safe. */
  message = g_ptr_array_index (fixture->messages, 0);
  g_assert_cmpuint (fixture->messages->len, ==, 1);
  g_assert_true (gate_test_gui_wait_until (shows_message, fixture->panel, WAIT_MS));
  g_assert_cmpstr (gate_cache_panel_get_message (fixture->panel), ==, message);
  g_assert_cmpstr (message, ==,
                   "Could not reach the ticket server. The 2 scans waiting on this device are kept and will be "
                   "sent when the connection is back.");

  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_SERVER, "Unreachable — scans are decided from the cache");
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_PENDING_UPLOADS, "2");
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_CHECKED_IN, "2");
  assert_figure (fixture, GATE_CACHE_PANEL_FIGURE_LAST_UPLOAD, "never");
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (gate_cache_panel_get_upload_button (fixture->panel))));

  g_assert_true (gate_test_gui_wait_drawn (fixture->window, WAIT_MS));
  shot = gate_test_gui_snapshot_widget (fixture->window, "cache-unreachable");
}

static void
test_stopped_service_frees_buttons_quietly (Fixture       *fixture,
                                            gconstpointer  data)
{
  GtkButton *refresh;

  fixture_open (fixture, gate_test_server_get_url (backend.server), backend.event);
  fixture_show (fixture);
  refresh = gate_cache_panel_get_refresh_button (fixture->panel);

  /* The app stops syncing (closing, or set up again) while a refresh runs:
   * the buttons come back and nobody is told of a failure. */
  click (refresh);
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (refresh)));
  gate_sync_service_stop (fixture->sync);

  g_assert_true (gate_test_gui_wait_until (is_sensitive, refresh, WAIT_MS));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (gate_cache_panel_get_upload_button (fixture->panel))));
  g_assert_cmpuint (fixture->messages->len, ==, 0);
  g_assert_null (gate_cache_panel_get_message (fixture->panel));
}

/* A supervisor opens the panel on a portrait kiosk (600×1024): its two
 * columns stack, so it never asks for more width than the screen has. */
static void
test_fits_a_portrait_screen (Fixture       *fixture,
                             gconstpointer  data)
{
  int min_width = 0;
  g_autofree char *shot = NULL;

  fixture_open (fixture, NULL, LOCAL_EVENT);
  fixture_show (fixture);

  gtk_widget_measure (GTK_WIDGET (fixture->panel), GTK_ORIENTATION_HORIZONTAL, -1, &min_width, NULL, NULL, NULL);
  g_test_message ("the cache panel needs %d px of width", min_width);
  g_assert_cmpint (min_width, <=, 600);

  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 600, 1024);
  g_assert_true (gate_test_gui_wait_drawn (fixture->window, WAIT_MS));
  gate_test_gui_flush ();
  shot = gate_test_gui_snapshot_widget (fixture->window, "cache-portrait");
  g_test_message ("%s", shot);
  g_free (g_steal_pointer (&shot));

  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 1280, 800);
  g_assert_true (gate_test_gui_wait_drawn (fixture->window, WAIT_MS));
  gate_test_gui_flush ();
  shot = gate_test_gui_snapshot_widget (fixture->window, "cache-landscape");
  g_test_message ("%s", shot);
}

/* --- the chart alone ---------------------------------------------------------------- */

static char *
clock_text (gint64 time_us)
{
  g_autoptr(GDateTime) local = g_date_time_new_from_unix_local (time_us / G_USEC_PER_SEC);

  return g_date_time_format (local, "%H:%M");
}

/* Whether a row of @texture has both painted and transparent pixels. */
static void
count_row (GdkTexture *texture,
           int         y,
           guint      *painted,
           guint      *clear)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  gsize stride = (gsize) width * 4;
  g_autofree guchar *pixels = g_malloc (stride * height);

  /* Downloaded as premultiplied ARGB32 (BGRA in memory here): byte 3 is alpha. */
  gdk_texture_download (texture, pixels, stride);
  *painted = *clear = 0;
  for (int x = 0; x < width; x++)
    {
      if (pixels[y * stride + x * 4 + 3] == 0xff)
        (*painted)++;
      else if (pixels[y * stride + x * 4 + 3] == 0)
        (*clear)++;
    }
}

static void
test_arrivals_chart_draws_buckets (void)
{
  GtkWidget *window = adw_window_new ();
  GtkWidget *chart = gate_arrivals_chart_new ();
  g_autoptr(GArray) buckets = g_array_new (FALSE, TRUE, sizeof (GateArrivalBucket));
  const guint counts[] = { 1, 3, 0, 4, 6, 2, 0, 0, 5, 14, 9, 7, 3, 2, 0, 1, 4, 2, 1, 0, 0, 3, 2, 1 };
  gint64 now_us = g_get_real_time ();
  gint64 start_us = now_us - now_us % G_TIME_SPAN_HOUR - G_TIME_SPAN_HOUR;
  g_autofree char *from = clock_text (start_us);
  g_autofree char *to = clock_text (start_us + 2 * G_TIME_SPAN_HOUR);
  g_autofree char *busiest_from = clock_text (start_us + 9 * 5 * G_TIME_SPAN_MINUTE);
  g_autofree char *busiest_to = clock_text (start_us + 10 * 5 * G_TIME_SPAN_MINUTE);
  g_autofree char *expected = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GdkTexture) picture = NULL;
  g_autoptr(GError) error = NULL;
  guint total = 0, painted, clear;

  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    {
      GateArrivalBucket bucket = { start_us + i * 5 * G_TIME_SPAN_MINUTE, counts[i] };

      g_array_append_val (buckets, bucket);
      total += counts[i];
    }

  gtk_widget_set_size_request (chart, 600, 200);
  adw_window_set_content (ADW_WINDOW (window), chart);
  gtk_window_present (GTK_WINDOW (window));
  gate_arrivals_chart_set_buckets (GATE_ARRIVALS_CHART (chart), buckets);
  g_assert_true (gate_test_gui_wait_drawn (chart, WAIT_MS));

  g_assert_cmpuint (gate_arrivals_chart_get_total (GATE_ARRIVALS_CHART (chart)), ==, total);
  expected = g_strdup_printf ("%u arrivals from %s to %s, most between %s and %s", total, from, to, busiest_from,
                              busiest_to);
  g_assert_cmpstr (gate_arrivals_chart_get_summary (GATE_ARRIVALS_CHART (chart)), ==, expected);

  /* Halfway up, the taller bars are painted and the gaps between them not. */
  path = gate_test_gui_snapshot_widget (chart, "arrivals-chart");
  picture = gdk_texture_new_from_filename (path, &error);
  g_assert_no_error (error);
  count_row (picture, gdk_texture_get_height (picture) / 2, &painted, &clear);
  g_assert_cmpuint (painted, >, 0);
  g_assert_cmpuint (clear, >, painted);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_arrivals_chart_empty_says_so (void)
{
  GtkWidget *window = adw_window_new ();
  GtkWidget *chart = gate_arrivals_chart_new ();
  g_autoptr(GArray) zeros = g_array_new (FALSE, TRUE, sizeof (GateArrivalBucket));
  GateArrivalBucket quiet = { g_get_real_time (), 0 };
  g_autofree char *path = NULL;

  g_array_append_val (zeros, quiet);
  gtk_widget_set_size_request (chart, 400, 160);
  adw_window_set_content (ADW_WINDOW (window), chart);
  gtk_window_present (GTK_WINDOW (window));
  gate_arrivals_chart_set_buckets (GATE_ARRIVALS_CHART (chart), zeros);
  g_assert_true (gate_test_gui_wait_drawn (chart, WAIT_MS));

  g_assert_cmpuint (gate_arrivals_chart_get_total (GATE_ARRIVALS_CHART (chart)), ==, 0);
  g_assert_cmpstr (gate_arrivals_chart_get_summary (GATE_ARRIVALS_CHART (chart)), ==, "No arrivals yet");
  path = gate_test_gui_snapshot_widget (chart, "arrivals-chart-empty");

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int result;

  gate_test_gui_init (&argc, &argv);

  backend.pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_pg_migrate (backend.pg, &error));
  backend.event = gate_test_create_event (backend.pg, "Panel night", &error);
  g_assert_no_error (error);
  backend.tokens = gate_test_generate_tickets (backend.pg, backend.event, SERVER_TICKETS, "General", &error);
  g_assert_no_error (error);
  backend.server = gate_test_server_new (gate_test_pg_get_conninfo (backend.pg), NULL, &error);
  g_assert_no_error (error);

  g_test_add ("/cache-panel/shows-status-of-a-fresh-cache", Fixture, NULL, fixture_set_up,
              test_shows_status_of_a_fresh_cache, fixture_tear_down);
  g_test_add ("/cache-panel/fits-a-portrait-screen", Fixture, NULL, fixture_set_up,
              test_fits_a_portrait_screen, fixture_tear_down);
  g_test_add ("/cache-panel/shows-stored-event-and-tickets", Fixture, NULL, fixture_set_up,
              test_shows_stored_event_and_tickets, fixture_tear_down);
  g_test_add ("/cache-panel/offline-admit-updates-checked-in-and-pending-live", Fixture, NULL, fixture_set_up,
              test_offline_admit_updates_checked_in_and_pending_live, fixture_tear_down);
  g_test_add ("/cache-panel/connection-loss-shows-unreachable", Fixture, NULL, fixture_set_up,
              test_connection_loss_shows_unreachable, fixture_tear_down);
  g_test_add ("/cache-panel/refresh-now-downloads-from-server", Fixture, NULL, fixture_set_up,
              test_refresh_now_downloads_from_server, fixture_tear_down);
  g_test_add ("/cache-panel/upload-now-empties-queue", Fixture, NULL, fixture_set_up,
              test_upload_now_empties_queue, fixture_tear_down);
  g_test_add ("/cache-panel/dead-server-shows-failure-and-keeps-scans", Fixture, NULL, fixture_set_up,
              test_dead_server_shows_failure_and_keeps_scans, fixture_tear_down);
  g_test_add ("/cache-panel/stopped-service-frees-buttons-quietly", Fixture, NULL, fixture_set_up,
              test_stopped_service_frees_buttons_quietly, fixture_tear_down);
  g_test_add_func ("/arrivals-chart/draws-buckets", test_arrivals_chart_draws_buckets);
  g_test_add_func ("/arrivals-chart/empty-says-so", test_arrivals_chart_empty_says_so);

  result = g_test_run ();

  g_clear_pointer (&backend.server, gate_test_server_free);
  g_clear_pointer (&backend.pg, gate_test_pg_free);
  g_clear_pointer (&backend.tokens, g_strfreev);
  g_clear_pointer (&backend.event, g_free);
  return result;
}
