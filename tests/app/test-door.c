/* test-door.c — the kiosk at a real entrance: small screens, touch, feedback
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real window on a real X display over a real cache file; where a server
 * matters, a real PostgreSQL and gate-server (behind a delaying proxy for a
 * slow one). Run twice: in English, and with --spanish in Spanish, since a
 * translation is where a window outgrows its screen.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "gate-application.h"
#include "gate-camera.h"
#include "gate-gate-view.h"
#include "gate-kiosk-pin.h"
#include "gate-pin-dialog.h"
#include "gate-session.h"
#include "gate-sound-player.h"
#include "gate-status-strip.h"
#include "gate-test-gui.h"
#include "gate-test-harness.h"
#include "gate-test-proxy.h"
#include "gate-test-tickets.h"
#include "gate-verdict-view.h"
#include "gate-window.h"

#define DEADLINE_MS 20000
#define TICKETS 4
#define MIN_TOUCH 44
#define CHECKING_WITHIN_MS 150

typedef struct
{
  int width;
  int height;
} Screen;

/* The screens kiosks really have (DESIGN.md §6, issue 10). */
static const Screen screens[] = { { 800, 480 }, { 1024, 600 }, { 1280, 800 }, { 600, 1024 } };

static gboolean spanish;

/* --- a window over a seeded cache ---------------------------------------- */

typedef struct
{
  char        *dir;
  char        *cache_path;
  char        *event_id;
  GateWindow  *window;
  GateSession *session;
  GateCamera  *camera;
} Fixture;

static char *
ticket_code (guint i)
{
  return g_strdup_printf ("GS1-DOORTEST%04u", i);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) codes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GateTicketCache) cache = NULL;
  g_autoptr(GateEventSummary) summary = gate_event_summary_new ();

  fixture->dir = g_dir_make_tmp ("test-door-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->cache_path = g_build_filename (fixture->dir, "kiosk.cache", NULL);
  fixture->event_id = g_uuid_string_random ();

  for (guint i = 0; i < TICKETS; i++)
    g_ptr_array_add (codes, ticket_code (i));
  gate_test_seed_cache (fixture->cache_path, fixture->event_id, (const char * const *) codes->pdata, codes->len);

  cache = gate_ticket_cache_new (fixture->cache_path, &error);
  g_assert_no_error (error);
  summary->event_id = g_strdup (fixture->event_id);
  summary->name = g_strdup ("Door Test Night at the Grand Municipal Concert Hall");
  summary->ticket_count = TICKETS;
  summary->server_time_us = g_get_real_time ();
  g_assert_true (gate_ticket_cache_set_event (cache, summary, &error));
}

static void
remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_dir (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->camera != NULL)
    gate_camera_stop (fixture->camera);
  if (fixture->window != NULL)
    gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_clear_object (&fixture->window);
  g_clear_object (&fixture->camera);
  g_clear_object (&fixture->session);
  gate_test_gui_flush ();

  remove_dir (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->cache_path);
  g_free (fixture->event_id);
}

static void
open_window_with (Fixture     *fixture,
                  const char  *server_url,
                  const char  *token,
                  const char  *device_id,
                  const char  *source)
{
  g_autofree char *random_id = g_uuid_string_random ();

  fixture->session = gate_test_gui_open_session (server_url, token, device_id != NULL ? device_id : random_id,
                                                 fixture->event_id, fixture->cache_path);
  fixture->window = g_object_ref_sink (gate_window_new (NULL));
  fixture->camera = gate_camera_new (source, "zbar");
  gate_window_set_session (fixture->window, fixture->session, fixture->camera);
  gate_camera_start (fixture->camera);
  gtk_window_present (GTK_WINDOW (fixture->window));
  g_assert_true (gate_test_gui_wait_drawn (GTK_WIDGET (fixture->window), DEADLINE_MS));
}

static void
open_window (Fixture    *fixture,
             const char *source)
{
  open_window_with (fixture, NULL, NULL, NULL, source);
}

static GtkWidget *
child_of (Fixture    *fixture,
          const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (fixture->window), GATE_TYPE_WINDOW, name);

  g_assert_nonnull (child);
  return GTK_WIDGET (child);
}

static GateGateView *
gate_view_of (Fixture *fixture)
{
  return GATE_GATE_VIEW (child_of (fixture, "gate_view"));
}

static GateVerdictView *
verdict_of (Fixture *fixture)
{
  return GATE_VERDICT_VIEW (gate_gate_view_get_verdict_view (gate_view_of (fixture)));
}

typedef struct
{
  GateGateView *view;
  const char   *screen;
} ScreenWait;

static gboolean
screen_is (gpointer user_data)
{
  ScreenWait *wait = user_data;

  return g_strcmp0 (gate_gate_view_get_screen (wait->view), wait->screen) == 0;
}

static void
wait_for_screen (Fixture    *fixture,
                 const char *screen)
{
  ScreenWait wait = { gate_view_of (fixture), screen };

  if (!gate_test_gui_wait_until (screen_is, &wait, DEADLINE_MS))
    g_error ("the gate shows “%s”, not “%s”", gate_gate_view_get_screen (wait.view), screen);
}

/* --- pixels and boxes ---------------------------------------------------- */

/* @widget as drawn now, as 8-bit RGBA rows of its width. */
static guchar *
render (GtkWidget *widget,
        int       *width,
        int       *height)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  guchar *pixels;

  *width = gtk_widget_get_width (widget);
  *height = gtk_widget_get_height (widget);
  g_assert_cmpint (*width, >, 0);
  g_assert_cmpint (*height, >, 0);

  gdk_paintable_snapshot (paintable, snapshot, *width, *height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, *width, *height));
  pixels = g_malloc ((gsize) *width * *height * 4);
  /* GDK_MEMORY_DEFAULT: B, G, R, A on little-endian machines. */
  gdk_texture_download (texture, pixels, (gsize) *width * 4);
  return pixels;
}

static double
luminance_at (const guchar *pixels,
              gsize         i)
{
  return (0.0722 * pixels[i] + 0.7152 * pixels[i + 1] + 0.2126 * pixels[i + 2]) / 255.0;
}

static graphene_rect_t bounds_in_window (GtkWidget *widget);

/* The spread of luminance over @widget as its window shows it (over the
 * window's background): 0 when it is one flat colour. */
static double
luminance_spread (GtkWidget *widget)
{
  GtkWidget *window = GTK_WIDGET (gtk_widget_get_root (widget));
  graphene_rect_t box = bounds_in_window (widget);
  int width;
  int height;
  g_autofree guchar *pixels = render (window, &width, &height);
  double lowest = 1.0;
  double highest = 0.0;

  for (int y = MAX (0, (int) box.origin.y); y < MIN (height, (int) (box.origin.y + box.size.height)); y++)
    for (int x = MAX (0, (int) box.origin.x); x < MIN (width, (int) (box.origin.x + box.size.width)); x++)
      {
        double l = luminance_at (pixels, ((gsize) y * width + x) * 4);

        lowest = MIN (lowest, l);
        highest = MAX (highest, l);
      }
  return highest - lowest;
}

/* The mean colour of @widget as drawn, in 0…1. */
static void
mean_colour (GtkWidget *widget,
             double    *red,
             double    *green,
             double    *blue)
{
  int width;
  int height;
  g_autofree guchar *pixels = render (widget, &width, &height);
  double sum[3] = { 0, 0, 0 };
  gsize n = (gsize) width * height;

  for (gsize i = 0; i < n * 4; i += 4)
    {
      sum[0] += pixels[i + 2];
      sum[1] += pixels[i + 1];
      sum[2] += pixels[i];
    }
  *red = sum[0] / n / 255.0;
  *green = sum[1] / n / 255.0;
  *blue = sum[2] / n / 255.0;
}

static graphene_rect_t
bounds_in_window (GtkWidget *widget)
{
  graphene_rect_t bounds;

  g_assert_true (gtk_widget_compute_bounds (widget, GTK_WIDGET (gtk_widget_get_root (widget)), &bounds));
  return bounds;
}

static void
collect (GtkWidget *widget,
         gboolean (*match) (GtkWidget *widget),
         GPtrArray *found)
{
  if (!gtk_widget_get_mapped (widget))
    return;
  if (match (widget))
    g_ptr_array_add (found, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect (child, match, found);
}

/* --- 4: the camera's pages are readable ----------------------------------- */

static void
assert_camera_page_readable (Fixture    *fixture,
                             const char *name)
{
  GtkWidget *view = GTK_WIDGET (gate_view_of (fixture));
  double spread;

  g_assert_true (gate_test_gui_wait_drawn (view, DEADLINE_MS));
  spread = luminance_spread (view);
  g_test_message ("no-camera page, %s: luminance spread %.2f", name, spread);
  /* Black on black (the old style) spreads under 0.1; text on its
   * background well over half the scale. */
  g_assert_cmpfloat (spread, >, 0.5);
  g_free (gate_test_gui_snapshot_widget (GTK_WIDGET (fixture->window), name));
}

static void
test_no_camera_page_is_readable (Fixture       *fixture,
                                 gconstpointer  data)
{
  AdwStyleManager *style = adw_style_manager_get_default ();

  open_window (fixture, "none");
  wait_for_screen (fixture, "no-camera");

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  assert_camera_page_readable (fixture, spanish ? "no-camera-light-es" : "no-camera-light");

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  assert_camera_page_readable (fixture, spanish ? "no-camera-dark-es" : "no-camera-dark");

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
}

/* --- 5: the window never outgrows the screen ------------------------------ */

static GateScanDecision *
decision_for (GateVerdict verdict,
              GateCannotDecideReason reason,
              const char *event_id)
{
  GateScanDecision *decision = gate_scan_decision_new (verdict, GATE_SCAN_MODE_OFFLINE);

  decision->code = g_strdup ("GS1-DOORTEST0000");
  decision->reason = reason;
  decision->guest_name = g_strdup ("Maximiliana Fernández-Villanueva de la Concepción");
  decision->ticket_type = g_strdup ("General Admission — Balcony, Row K");
  decision->scanned_at_us = g_get_real_time () - 600 * G_USEC_PER_SEC;
  decision->scanned_device = g_strdup ("dev-f23cb21c8167");
  decision->cache_age_us = (gint64) 42 * 60 * G_USEC_PER_SEC;
  decision->event_id = g_strdup (event_id);
  return decision;
}

typedef struct
{
  GateVerdict            verdict;
  GateCannotDecideReason reason;
} Case;

static const Case cases[] = {
  { GATE_VERDICT_ADMITTED, GATE_CANNOT_DECIDE_NONE },
  { GATE_VERDICT_ALREADY_SCANNED, GATE_CANNOT_DECIDE_NONE },
  { GATE_VERDICT_NOT_FOUND, GATE_CANNOT_DECIDE_NONE },
  { GATE_VERDICT_WRONG_EVENT, GATE_CANNOT_DECIDE_NONE },
  { GATE_VERDICT_VOID, GATE_CANNOT_DECIDE_NONE },
  { GATE_VERDICT_BUSY, GATE_CANNOT_DECIDE_NONE },
  { GATE_VERDICT_INVALID_CODE, GATE_CANNOT_DECIDE_NONE },
  { GATE_VERDICT_CANNOT_DECIDE, GATE_CANNOT_DECIDE_UNAUTHORIZED },
  { GATE_VERDICT_CANNOT_DECIDE, GATE_CANNOT_DECIDE_STORAGE },
  { GATE_VERDICT_CANNOT_DECIDE, GATE_CANNOT_DECIDE_CACHE_EMPTY },
  { GATE_VERDICT_CANNOT_DECIDE, GATE_CANNOT_DECIDE_SERVER_ERROR },
};

typedef struct
{
  GtkWidget *widget;
  int        width;
  int        height;
} SizeWait;

/* The window on screen, its frame included: its X window. */
static gboolean
has_size (gpointer user_data)
{
  SizeWait *wait = user_data;
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (wait->widget));

  return surface != NULL && gdk_surface_get_width (surface) == wait->width &&
         gdk_surface_get_height (surface) == wait->height;
}

/* Which widgets are too wide for @width, down to the culprit: for the
 * failure message. */
static void
print_too_wide (GtkWidget *widget,
                int        width,
                int        depth)
{
  int min_width = 0;

  if (!gtk_widget_get_visible (widget))
    return;
  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &min_width, NULL, NULL, NULL);
  if (min_width <= width)
    return;
  g_printerr ("%*s%s.%s needs %d px\n", depth * 2, "", G_OBJECT_TYPE_NAME (widget), gtk_widget_get_css_name (widget),
              min_width);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    print_too_wide (child, width, depth + 1);
}

/* The least room @widget can live in at @screen's width; and, given that
 * screen as its size, the room it was really given. */
static void
assert_fits (GtkWidget    *widget,
             const Screen *screen,
             const char   *what)
{
  SizeWait wait = { widget, screen->width, screen->height };
  int min_width = 0;
  int min_height = 0;

  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &min_width, NULL, NULL, NULL);
  gtk_widget_measure (widget, GTK_ORIENTATION_VERTICAL, screen->width, &min_height, NULL, NULL, NULL);
  g_test_message ("%s at %d×%d (%s): needs at least %d×%d", what, screen->width, screen->height,
                  spanish ? "es" : "en", min_width, min_height);
  if (min_width > screen->width)
    print_too_wide (widget, screen->width - 10, 0);
  if (min_width > screen->width || min_height > screen->height)
    g_error ("%s needs %d×%d: it outgrows a %d×%d screen", what, min_width, min_height, screen->width,
             screen->height);

  /* Told the screen's size, the window takes exactly that. */
  if (GTK_IS_WINDOW (widget))
    {
      gtk_window_set_default_size (GTK_WINDOW (widget), screen->width, screen->height);
      if (!gate_test_gui_wait_until (has_size, &wait, DEADLINE_MS))
        g_error ("%s is %d×%d on a %d×%d screen", what,
                 gdk_surface_get_width (gtk_native_get_surface (GTK_NATIVE (widget))),
                 gdk_surface_get_height (gtk_native_get_surface (GTK_NATIVE (widget))), screen->width,
                 screen->height);
    }
}

static void
test_window_fits_every_screen (Fixture       *fixture,
                               gconstpointer  data)
{
  open_window (fixture, "none");

  for (guint kiosk = 0; kiosk <= 1; kiosk++)
    {
      gate_window_set_kiosk (fixture->window, kiosk);
      for (guint s = 0; s < G_N_ELEMENTS (screens); s++)
        {
          g_autofree char *what = g_strdup_printf ("the %s window on its camera page", kiosk ? "kiosk" : "gate");

          gate_test_gui_flush ();
          assert_fits (GTK_WIDGET (fixture->window), &screens[s], what);

          for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
            {
              g_autoptr(GateScanDecision) decision = decision_for (cases[c].verdict, cases[c].reason,
                                                                    fixture->event_id);
              g_autofree char *verdict = NULL;

              gate_gate_view_show_decision (gate_view_of (fixture), decision);
              verdict = g_strdup_printf ("the %s window with “%s”", kiosk ? "kiosk" : "gate",
                                         gate_verdict_view_get_headline (verdict_of (fixture)));
              gate_test_gui_flush ();
              assert_fits (GTK_WIDGET (fixture->window), &screens[s], verdict);
              g_assert_true (gate_test_gui_wait_drawn (GTK_WIDGET (fixture->window), DEADLINE_MS));

              /* The verdict is whole on screen: inside the window, above
               * the strip. */
              {
                graphene_rect_t verdict_box = bounds_in_window (GTK_WIDGET (verdict_of (fixture)));
                graphene_rect_t strip_box = bounds_in_window (child_of (fixture, "status_strip"));

                g_assert_cmpfloat (verdict_box.origin.y + verdict_box.size.height, <=, strip_box.origin.y + 0.5);
                g_assert_cmpfloat (strip_box.origin.y + strip_box.size.height, <=, screens[s].height + 0.5);
              }

              /* For the README: the small kiosk, and a verdict at a laptop's size. */
              if (cases[c].verdict == GATE_VERDICT_ADMITTED &&
                  ((screens[s].width == 800 && kiosk) || (screens[s].width == 1280 && !kiosk)))
                {
                  g_autofree char *name = g_strdup_printf ("%s%s", kiosk ? "kiosk-800x480" : "verdict-1280x800",
                                                           spanish ? "-es" : "");

                  g_assert_true (gate_test_gui_wait_still (GTK_WIDGET (fixture->window), DEADLINE_MS));
                  g_free (gate_test_gui_snapshot_widget (GTK_WIDGET (fixture->window), name));
                }
            }
          gate_gate_view_dismiss_verdict (gate_view_of (fixture));
        }
    }
}

/* The verdict's type shrinks with its room, and grows back. */
static void
test_verdict_scales_to_its_room (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(GateScanDecision) decision = decision_for (GATE_VERDICT_ADMITTED, GATE_CANNOT_DECIDE_NONE, NULL);
  SizeWait wait = { GTK_WIDGET (fixture->window), 0, 0 };
  double small;

  open_window (fixture, "none");
  gate_gate_view_show_decision (gate_view_of (fixture), decision);
  wait.widget = GTK_WIDGET (fixture->window);

  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 800, 480);
  wait.width = 800;
  wait.height = 480;
  g_assert_true (gate_test_gui_wait_until (has_size, &wait, DEADLINE_MS));
  g_assert_true (gate_test_gui_wait_drawn (GTK_WIDGET (fixture->window), DEADLINE_MS));
  small = gate_verdict_view_get_scale (verdict_of (fixture));

  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 1280, 800);
  wait.width = 1280;
  wait.height = 800;
  g_assert_true (gate_test_gui_wait_until (has_size, &wait, DEADLINE_MS));
  g_assert_true (gate_test_gui_wait_drawn (GTK_WIDGET (fixture->window), DEADLINE_MS));

  g_test_message ("verdict scale: %.2f at 800×480, %.2f at 1280×800", small,
                  gate_verdict_view_get_scale (verdict_of (fixture)));
  g_assert_cmpfloat (small, <, 1.0);
  g_assert_cmpfloat (small, >=, 0.5);
  g_assert_cmpfloat (gate_verdict_view_get_scale (verdict_of (fixture)), >, small);
}

static GtkWidget *
find_pin_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (GATE_IS_PIN_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return GTK_WIDGET (window);
    }
  return NULL;
}

static gboolean
pin_dialog_drawn (gpointer user_data)
{
  GtkWidget *dialog = find_pin_dialog ();

  return dialog != NULL && gtk_widget_get_mapped (dialog);
}

static GtkWidget *
open_pin_dialog (Fixture *fixture)
{
  g_autofree char *hash = gate_kiosk_pin_hash ("2468");
  GtkWidget *dialog;

  gate_window_set_pin_hash (fixture->window, hash);
  gate_window_set_kiosk (fixture->window, TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.unlock", NULL));
  g_assert_true (gate_test_gui_wait_until (pin_dialog_drawn, NULL, DEADLINE_MS));
  dialog = find_pin_dialog ();
  g_assert_true (gate_test_gui_wait_drawn (dialog, DEADLINE_MS));
  return dialog;
}

static void
test_pin_dialog_fits_every_screen (Fixture       *fixture,
                                   gconstpointer  data)
{
  GtkWidget *dialog;

  open_window (fixture, "none");
  dialog = open_pin_dialog (fixture);

  for (guint s = 0; s < G_N_ELEMENTS (screens); s++)
    assert_fits (dialog, &screens[s], "the PIN dialog");
  g_free (gate_test_gui_snapshot_widget (dialog, spanish ? "pin-dialog-es" : "pin-dialog"));
  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* --- 10: a finger's size ------------------------------------------------- */

static gboolean
is_control (GtkWidget *widget)
{
  return GTK_IS_BUTTON (widget) && gtk_widget_get_can_target (widget) && gtk_widget_is_sensitive (widget);
}

static int
assert_touch_targets (GtkWidget  *root,
                      const char *where)
{
  g_autoptr(GPtrArray) controls = g_ptr_array_new ();
  int smallest = G_MAXINT;

  collect (root, is_control, controls);
  g_assert_cmpuint (controls->len, >, 0);
  /* Measured once laid out: a control mapped in the last frame may get its
   * size in the next one (one still 0 × 0 at the deadline fails below). */
  for (guint i = 0; i < controls->len; i++)
    gate_test_gui_wait_laid_out (controls->pdata[i], 10000);
  for (guint i = 0; i < controls->len; i++)
    {
      GtkWidget *control = g_ptr_array_index (controls, i);
      int width = gtk_widget_get_width (control);
      int height = gtk_widget_get_height (control);
      const char *label = gtk_button_get_label (GTK_BUTTON (control));

      smallest = MIN (smallest, MIN (width, height));
      if (width < MIN_TOUCH || height < MIN_TOUCH)
        g_error ("%s: the %s “%s” is %d×%d px, under %d×%d", where, G_OBJECT_TYPE_NAME (control),
                 label != NULL ? label : gtk_widget_get_tooltip_text (control), width, height, MIN_TOUCH, MIN_TOUCH);
    }
  g_test_message ("%s: %u controls, the smallest side %d px", where, controls->len, smallest);
  return smallest;
}

static void
test_touch_targets_are_a_finger_wide (Fixture       *fixture,
                                      gconstpointer  data)
{
  GtkWidget *dialog;
  Screen small = { 800, 480 };
  int smallest;

  open_window (fixture, "none");
  wait_for_screen (fixture, "no-camera");
  assert_fits (GTK_WIDGET (fixture->window), &small, "the gate window");

  /* The kiosk's gate page: the view switcher's tabs, the camera's Try
   * Again, the lock button; then its PIN pad. */
  gate_window_set_kiosk (fixture->window, TRUE);
  g_assert_true (gate_test_gui_wait_drawn (child_of (fixture, "unlock_button"), DEADLINE_MS));
  smallest = assert_touch_targets (GTK_WIDGET (fixture->window), "kiosk page");

  dialog = open_pin_dialog (fixture);
  smallest = MIN (smallest, assert_touch_targets (dialog, "PIN dialog"));
  g_test_message ("smallest touch target: %d px", smallest);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* --- 8: every verdict is visibly new -------------------------------------- */

static void
test_two_admits_in_a_row_differ (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(GateScanDecision) first = decision_for (GATE_VERDICT_ADMITTED, GATE_CANNOT_DECIDE_NONE, NULL);
  g_autoptr(GateScanDecision) second = decision_for (GATE_VERDICT_ADMITTED, GATE_CANNOT_DECIDE_NONE, NULL);
  GtkWidget *verdict;
  g_autofree guchar *before = NULL;
  g_autofree guchar *after = NULL;
  g_autofree char *first_stamp = NULL;
  int width;
  int height;

  open_window (fixture, "none");
  verdict = GTK_WIDGET (verdict_of (fixture));

  /* The same guest's name twice: all that may differ is what marks a
   * verdict as new. */
  gate_gate_view_show_decision (gate_view_of (fixture), first);
  g_assert_true (gate_test_gui_wait_drawn (verdict, DEADLINE_MS));
  first_stamp = g_strdup (gate_verdict_view_get_stamp (GATE_VERDICT_VIEW (verdict)));
  before = render (verdict, &width, &height);

  gate_gate_view_show_decision (gate_view_of (fixture), second);
  g_assert_true (gate_test_gui_wait_drawn (verdict, DEADLINE_MS));
  after = render (verdict, &width, &height);

  g_test_message ("stamps: “%s”, then “%s”", first_stamp, gate_verdict_view_get_stamp (GATE_VERDICT_VIEW (verdict)));
  g_assert_cmpstr (first_stamp, !=, gate_verdict_view_get_stamp (GATE_VERDICT_VIEW (verdict)));
  g_assert_true (memcmp (before, after, (gsize) width * height * 4) != 0);
}

/* --- 11: offline is unmistakable, and the camera still shows --------------- */

static void
test_offline_is_unmistakable (Fixture       *fixture,
                              gconstpointer  data)
{
  GtkWidget *strip;
  GtkWidget *badge;
  graphene_rect_t badge_box;
  graphene_rect_t view_box;
  double red, green, blue;

  /* No server: offline from the start. A live camera picture. */
  open_window (fixture, "videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=480,framerate=15/1 "
                       "! videoconvert");
  wait_for_screen (fixture, "preview");
  strip = child_of (fixture, "status_strip");
  badge = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (gate_view_of (fixture)), GATE_TYPE_GATE_VIEW,
                                                    "offline_badge"));
  g_assert_nonnull (badge);

  g_assert_true (gate_test_gui_wait_drawn (badge, DEADLINE_MS));
  g_assert_true (gtk_widget_has_css_class (strip, "offline"));

  /* The strip is a strong colour, not a pale tint of the window's. */
  mean_colour (strip, &red, &green, &blue);
  g_test_message ("offline strip: mean colour %.2f %.2f %.2f", red, green, blue);
  g_assert_cmpfloat (red - blue, >, 0.4);

  /* Over the camera, a badge that leaves the picture around it visible. */
  badge_box = bounds_in_window (badge);
  view_box = bounds_in_window (GTK_WIDGET (gate_view_of (fixture)));
  g_assert_cmpfloat (badge_box.size.width * badge_box.size.height, <,
                     0.15 * view_box.size.width * view_box.size.height);
  g_assert_cmpstr (gate_gate_view_get_screen (gate_view_of (fixture)), ==, "preview");
  g_free (gate_test_gui_snapshot_widget (GTK_WIDGET (fixture->window), spanish ? "offline-es" : "offline"));
}

/* --- 12: kiosk consistency ------------------------------------------------ */

static gboolean
is_toast (GtkWidget *widget)
{
  return g_strcmp0 (gtk_widget_get_css_name (widget), "toast") == 0;
}

static GtkWidget *
find_toast (GtkWidget *window)
{
  g_autoptr(GPtrArray) toasts = g_ptr_array_new ();

  collect (window, is_toast, toasts);
  return toasts->len > 0 ? g_ptr_array_index (toasts, 0) : NULL;
}

/* Shown and done sliding in: whole inside the overlay that holds it. */
static gboolean
toast_settled (gpointer user_data)
{
  GtkWidget *toast = find_toast (GTK_WIDGET (user_data));
  GtkWidget *overlay;
  graphene_rect_t toast_box;
  graphene_rect_t overlay_box;

  if (toast == NULL || gtk_widget_get_height (toast) == 0)
    return FALSE;
  overlay = gtk_widget_get_ancestor (toast, ADW_TYPE_TOAST_OVERLAY);
  toast_box = bounds_in_window (toast);
  overlay_box = bounds_in_window (overlay);
  return graphene_rect_contains_rect (&overlay_box, &toast_box);
}

static void
test_toast_leaves_the_strip_visible (Fixture       *fixture,
                                     gconstpointer  data)
{
  graphene_rect_t toast_box;
  graphene_rect_t strip_box;

  open_window (fixture, "none");
  gate_window_add_toast (fixture->window, "A message for the gate worker");
  g_assert_true (gate_test_gui_wait_until (toast_settled, fixture->window, DEADLINE_MS));

  toast_box = bounds_in_window (find_toast (GTK_WIDGET (fixture->window)));
  strip_box = bounds_in_window (child_of (fixture, "status_strip"));
  g_test_message ("toast bottom at %.0f px, strip top at %.0f px", toast_box.origin.y + toast_box.size.height,
                  strip_box.origin.y);
  g_assert_cmpfloat (toast_box.origin.y + toast_box.size.height, <=, strip_box.origin.y);
}

static gboolean
kiosk_left (gpointer user_data)
{
  return !gate_window_get_kiosk (GATE_WINDOW (user_data));
}

/* Preferences says "No PIN is set: anyone can leave kiosk mode"; so it is. */
static void
test_kiosk_without_pin_can_be_left (Fixture       *fixture,
                                    gconstpointer  data)
{
  open_window (fixture, "none");
  gate_window_set_pin_hash (fixture->window, NULL);
  gate_window_set_kiosk (fixture->window, TRUE);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.unlock", NULL));

  g_assert_true (gate_test_gui_wait_until (kiosk_left, fixture->window, DEADLINE_MS));
  g_assert_null (find_pin_dialog ());
}

/* --- 1: cannot_decide sounds like nothing else ---------------------------- */

static void
test_cannot_decide_has_its_own_tone (void)
{
  g_autofree char *undecided = gate_sound_player_describe_tone (GATE_VERDICT_CANNOT_DECIDE);
  static const GateVerdict others[] = {
    GATE_VERDICT_ADMITTED, GATE_VERDICT_ALREADY_SCANNED, GATE_VERDICT_NOT_FOUND, GATE_VERDICT_WRONG_EVENT,
    GATE_VERDICT_VOID, GATE_VERDICT_BUSY, GATE_VERDICT_INVALID_CODE,
  };

  for (guint i = 0; i < G_N_ELEMENTS (others); i++)
    {
      g_autofree char *other = gate_sound_player_describe_tone (others[i]);

      g_assert_cmpstr (undecided, !=, other);
    }
}

/* --- 2: "Wrong event" names the event ------------------------------------- */

typedef struct
{
  GateVerdictView *verdict;
  const char      *needle;
} DetailWait;

static gboolean
detail_says (gpointer user_data)
{
  DetailWait *wait = user_data;

  return strstr (gate_verdict_view_get_detail (wait->verdict), wait->needle) != NULL;
}

static void
test_wrong_event_names_the_event (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateEventSummary) other = gate_event_summary_new ();
  g_autoptr(GateScanDecision) decision = NULL;
  DetailWait wait;

  open_window (fixture, "none");
  /* The device was given the other event too (a refresh of it). */
  other->event_id = g_uuid_string_random ();
  other->name = g_strdup ("Spring Gala");
  other->server_time_us = g_get_real_time ();
  g_assert_true (gate_ticket_cache_set_event (gate_session_get_cache (fixture->session), other, &error));
  g_assert_no_error (error);

  decision = decision_for (GATE_VERDICT_WRONG_EVENT, GATE_CANNOT_DECIDE_NONE, other->event_id);
  g_signal_emit_by_name (gate_session_get_engine (fixture->session), "decided", decision);

  wait.verdict = verdict_of (fixture);
  wait.needle = "Spring Gala";
  g_assert_true (gate_test_gui_wait_until (detail_says, &wait, DEADLINE_MS));
  g_assert_cmpstr (gate_gate_view_get_screen (gate_view_of (fixture)), ==, "verdict");
}

/* --- 1 and 6: a real server: slow, then signing the gate out --------------- */

typedef struct
{
  GateTestPg     *pg;
  GateTestServer *server;
  GateTestProxy  *proxy;
  char           *event_id;
  char          **codes;
} Backend;

static void
start_backend (Backend *backend)
{
  g_autoptr(GError) error = NULL;

  backend->pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (gate_test_pg_migrate (backend->pg, &error));
  backend->event_id = gate_test_create_event (backend->pg, "Door night", &error);
  g_assert_no_error (error);
  backend->codes = gate_test_generate_tickets (backend->pg, backend->event_id, 3, "General", &error);
  g_assert_no_error (error);
  backend->server = gate_test_server_new (gate_test_pg_get_conninfo (backend->pg), NULL, &error);
  g_assert_no_error (error);
  backend->proxy = gate_test_proxy_new (gate_test_server_get_url (backend->server), &error);
  g_assert_no_error (error);
}

static void
stop_backend (Backend *backend)
{
  g_clear_pointer (&backend->proxy, gate_test_proxy_free);
  g_clear_pointer (&backend->server, gate_test_server_free);
  g_clear_pointer (&backend->pg, gate_test_pg_free);
  g_clear_pointer (&backend->codes, g_strfreev);
  g_clear_pointer (&backend->event_id, g_free);
}

typedef struct
{
  GateVerdictView *verdict;
  const char      *expected;
} VerdictWait;

static gboolean
verdict_is (gpointer user_data)
{
  VerdictWait *wait = user_data;

  return g_strcmp0 (gate_verdict_view_get_verdict (wait->verdict), wait->expected) == 0;
}

typedef struct
{
  GateStatusStrip *strip;
  const char      *needle;
} StripWait;

static gboolean
strip_says (gpointer user_data)
{
  StripWait *wait = user_data;
  g_autofree char *text = gate_status_strip_dup_text (wait->strip);

  return strstr (text, wait->needle) != NULL;
}

static gboolean
is_online (gpointer user_data)
{
  return gate_connectivity_get_online (gate_session_get_connectivity (user_data));
}

/* The sync service's first round is over: the tickets are on the device. */
static gboolean
is_refreshed (gpointer user_data)
{
  g_autoptr(GateCacheStatus) status = gate_ticket_cache_get_status (gate_session_get_cache (user_data),
                                                                    gate_session_get_event_id (user_data), NULL);

  return status != NULL && status->last_refresh_at_us != 0 && status->tickets_cached > 0;
}

static void
test_slow_server_shows_checking_then_signed_out (Fixture       *fixture,
                                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *device_id = NULL;
  g_autofree char *token = NULL;
  g_autofree char *revoked = NULL;
  Backend backend = { 0 };
  ScreenWait checking;
  VerdictWait verdict;
  StripWait strip;
  gint64 submitted_us;
  gint64 checking_ms;

  start_backend (&backend);
  g_assert_true (gate_test_add_device (backend.pg, "Door 1", "gate", &device_id, &token, &error));
  g_assert_no_error (error);
  g_free (fixture->event_id);
  fixture->event_id = g_strdup (backend.event_id);

  open_window_with (fixture, gate_test_proxy_get_url (backend.proxy), token, device_id, "none");
  g_object_set (gate_session_get_engine (fixture->session), "debounce-ms", 0, NULL);
  gate_session_start_sync (fixture->session, 3600);
  g_assert_true (gate_test_gui_wait_until (is_online, fixture->session, DEADLINE_MS));
  /* The proxy serves one request at a time: the refresh must not queue
   * ahead of the scan. */
  g_assert_true (gate_test_gui_wait_until (is_refreshed, fixture->session, DEADLINE_MS));

  /* A slow server: every answer takes half a second, well inside the
   * client's 1.5 s, so the scan is decided online — after a wait the worker
   * sees. */
  gate_test_proxy_set_mode (backend.proxy, GATE_TEST_PROXY_DELAY);
  gate_test_proxy_set_delay (backend.proxy, 500);
  checking.view = gate_view_of (fixture);
  checking.screen = "checking";
  submitted_us = g_get_monotonic_time ();
  g_signal_emit_by_name (child_of (fixture, "search_panel"), "code-chosen", backend.codes[0]);
  g_assert_true (gate_test_gui_wait_until (screen_is, &checking, DEADLINE_MS));
  checking_ms = (g_get_monotonic_time () - submitted_us) / 1000;
  g_test_message ("“Checking…” after %" G_GINT64_FORMAT " ms", checking_ms);
  g_assert_cmpint (checking_ms, <=, CHECKING_WITHIN_MS);
  g_assert_true (gate_test_gui_wait_drawn (GTK_WIDGET (fixture->window), DEADLINE_MS));
  g_free (gate_test_gui_snapshot_widget (GTK_WIDGET (fixture->window), spanish ? "checking-es" : "checking"));

  verdict.verdict = verdict_of (fixture);
  verdict.expected = "admitted";
  if (!gate_test_gui_wait_until (verdict_is, &verdict, DEADLINE_MS))
    g_error ("the slow server's scan ended in “%s” (%s)", gate_verdict_view_get_verdict (verdict.verdict),
             gate_verdict_view_get_detail (verdict.verdict));
  g_assert_cmpstr (gate_gate_view_get_screen (gate_view_of (fixture)), ==, "verdict");
  g_assert_true (is_online (fixture->session));

  /* The token revoked while the kiosk runs: the next scan says so on
   * screen, and the strip at once. */
  gate_test_proxy_set_mode (backend.proxy, GATE_TEST_PROXY_PASS);
  revoked = gate_test_gatectl (&error, "device", "revoke", "--db", gate_test_pg_get_conninfo (backend.pg), device_id,
                               NULL);
  g_assert_no_error (error);
  g_signal_emit_by_name (child_of (fixture, "search_panel"), "code-chosen", backend.codes[1]);
  verdict.expected = "cannot_decide";
  g_assert_true (gate_test_gui_wait_until (verdict_is, &verdict, DEADLINE_MS));
  g_assert_cmpstr (gate_verdict_view_get_headline (verdict.verdict), ==,
                   spanish ? gate_verdict_view_get_headline (verdict.verdict) : "Can't check this ticket");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (verdict.verdict), "verdict-undecided"));

  strip.strip = GATE_STATUS_STRIP (child_of (fixture, "status_strip"));
  strip.needle = spanish ? _("This gate was signed out — call a supervisor")
                         : "This gate was signed out — call a supervisor";
  g_assert_true (gate_test_gui_wait_until (strip_says, &strip, DEADLINE_MS));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (strip.strip), "signed-out"));
  g_assert_true (gate_test_gui_wait_drawn (GTK_WIDGET (fixture->window), DEADLINE_MS));
  g_free (gate_test_gui_snapshot_widget (GTK_WIDGET (fixture->window),
                                         spanish ? "signed-out-es" : "signed-out"));

  gate_camera_stop (fixture->camera);
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_clear_object (&fixture->window);
  g_clear_object (&fixture->session);
  gate_test_gui_flush ();
  stop_backend (&backend);
}

/* --- 3: an error page says what happened and fixes it --------------------- */

static GateWindow *
active_window (GateApplication *application)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (application));

  return window != NULL ? GATE_WINDOW (window) : NULL;
}

typedef struct
{
  GateApplication *application;
  const char      *page;
} PageWait;

static gboolean
page_is (gpointer user_data)
{
  PageWait *wait = user_data;
  GateWindow *window = active_window (wait->application);

  return window != NULL && g_strcmp0 (gate_window_get_page (window), wait->page) == 0;
}

static GtkWidget *
find_action_button (GtkWidget  *widget,
                    const char *action)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_action_button (child, action);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_unwritable_cache_page_offers_the_fix (Fixture       *fixture,
                                           gconstpointer  data)
{
  g_autoptr(GateApplication) application = gate_application_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *blocker = g_build_filename (fixture->dir, "not-a-folder", NULL);
  g_autofree char *cache = g_build_filename (blocker, "tickets.cache", NULL);
  g_autofree char *device_id = g_uuid_string_random ();
  PageWait wait = { application, "error" };
  GateWindow *window;
  AdwStatusPage *page;
  GtkWidget *retry;

  /* A real unwritable place: the cache's folder is a file. Root may write
   * anywhere, but not through a file. */
  g_assert_true (g_file_set_contents (blocker, "", 0, &error));
  g_setenv ("GATE_CACHE", cache, TRUE);
  g_setenv ("GATE_DEVICE_ID", device_id, TRUE);
  g_setenv ("GATE_EVENT", fixture->event_id, TRUE);
  g_unsetenv ("GATE_SERVER");

  /* Not the bus name: another test of this program takes it too. */
  g_application_set_flags (G_APPLICATION (application), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (application), NULL, &error));
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (application));
  g_assert_true (gate_test_gui_wait_until (page_is, &wait, DEADLINE_MS));
  window = active_window (application);
  g_assert_true (gate_test_gui_wait_drawn (GTK_WIDGET (window), DEADLINE_MS));

  page = ADW_STATUS_PAGE (gtk_widget_get_template_child (GTK_WIDGET (window), GATE_TYPE_WINDOW, "error_page"));
  g_test_message ("error page: %s — %s", adw_status_page_get_title (page), adw_status_page_get_description (page));
  /* Plain words first, the technical detail after. */
  g_assert_false (g_str_has_prefix (adw_status_page_get_description (page), "cannot"));
  g_assert_nonnull (strstr (adw_status_page_get_description (page), spanish ? "" : "tickets on this device"));
  retry = find_action_button (GTK_WIDGET (page), "app.retry");
  g_assert_nonnull (retry);
  g_assert_true (gtk_widget_get_mapped (retry));
  g_free (gate_test_gui_snapshot_widget (GTK_WIDGET (window), spanish ? "cache-error-es" : "cache-error"));

  /* Fixed outside (the folder made), Try Again opens the gate. */
  g_assert_no_errno (g_unlink (blocker));
  g_assert_no_errno (g_mkdir (blocker, 0700));
  g_assert_true (gtk_widget_activate (retry));
  wait.page = "main";
  g_assert_true (gate_test_gui_wait_until (page_is, &wait, DEADLINE_MS));

  gtk_window_destroy (GTK_WINDOW (active_window (application)));
  gate_test_gui_flush ();
  g_unsetenv ("GATE_CACHE");
  g_unsetenv ("GATE_DEVICE_ID");
  g_unsetenv ("GATE_EVENT");
}

static gboolean
window_kiosk_is (gpointer user_data)
{
  PageWait *wait = user_data;
  GateWindow *window = active_window (wait->application);

  return window != NULL && gate_window_get_kiosk (window) == (g_strcmp0 (wait->page, "kiosk") == 0);
}

/* The Preferences switch writes the setting; the window follows at once,
 * both ways, without a restart. */
static void
test_kiosk_setting_takes_effect_at_once (void)
{
  g_autoptr(GateApplication) application = gate_application_new ();
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GError) error = NULL;
  /* A first run with no device: the enrol page. */
  PageWait wait = { application, "enrol" };

  /* Another test of this program exported its application on this bus
   * connection: this one under its own id (its settings are the app's). */
  g_application_set_application_id (G_APPLICATION (application), APP_ID ".DoorTest");
  g_application_set_flags (G_APPLICATION (application), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (application), NULL, &error));
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (application));
  g_assert_true (gate_test_gui_wait_until (page_is, &wait, DEADLINE_MS));
  g_assert_false (gate_window_get_kiosk (active_window (application)));

  g_settings_set_boolean (settings, "kiosk-mode", TRUE);
  wait.page = "kiosk";
  g_assert_true (gate_test_gui_wait_until (window_kiosk_is, &wait, DEADLINE_MS));

  g_settings_set_boolean (settings, "kiosk-mode", FALSE);
  wait.page = "not kiosk";
  g_assert_true (gate_test_gui_wait_until (window_kiosk_is, &wait, DEADLINE_MS));

  gtk_window_destroy (GTK_WINDOW (active_window (application)));
  gate_test_gui_flush ();
}

int
main (int    argc,
      char **argv)
{
  /* --spanish: the same tests in a Spanish locale. */
  if (argc > 1 && g_strcmp0 (argv[argc - 1], "--spanish") == 0)
    {
      spanish = TRUE;
      argv[--argc] = NULL;
      if (!gate_test_gui_use_spanish ())
        {
          g_printerr ("Bail out! no es_ES.UTF-8 locale could be made (is the locales package installed?)\n");
          return 99;
        }
    }

  gate_test_gui_init (&argc, &argv);
  gst_init (NULL, NULL);

#define ADD(path, func) \
  g_test_add ("/door/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("no-camera-page-is-readable", test_no_camera_page_is_readable);
  ADD ("window-fits-every-screen", test_window_fits_every_screen);
  ADD ("verdict-scales-to-its-room", test_verdict_scales_to_its_room);
  ADD ("pin-dialog-fits-every-screen", test_pin_dialog_fits_every_screen);
  ADD ("touch-targets-are-a-finger-wide", test_touch_targets_are_a_finger_wide);
  ADD ("two-admits-in-a-row-differ", test_two_admits_in_a_row_differ);
  ADD ("offline-is-unmistakable", test_offline_is_unmistakable);
  ADD ("toast-leaves-the-strip-visible", test_toast_leaves_the_strip_visible);
  ADD ("kiosk-without-pin-can-be-left", test_kiosk_without_pin_can_be_left);
  ADD ("wrong-event-names-the-event", test_wrong_event_names_the_event);
  g_test_add_func ("/door/cannot-decide-has-its-own-tone", test_cannot_decide_has_its_own_tone);
  if (!spanish)
    {
      ADD ("slow-server-shows-checking-then-signed-out", test_slow_server_shows_checking_then_signed_out);
      ADD ("unwritable-cache-page-offers-the-fix", test_unwritable_cache_page_offers_the_fix);
      g_test_add_func ("/door/kiosk-setting-takes-effect-at-once", test_kiosk_setting_takes_effect_at_once);
    }

  return g_test_run ();
}
