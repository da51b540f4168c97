/* gate-test-gui.c — what GUI tests share: start-up, waiting, screenshots
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <unistd.h>

#include "gate-test-gui.h"

void
gate_test_gui_init (int    *argc,
                    char ***argv)
{
  g_autoptr(GtkCssProvider) provider = NULL;

  g_test_init (argc, argv, NULL);

  if (g_getenv ("DISPLAY") == NULL)
    {
      g_printerr ("Bail out! GUI tests run under tests/app/run-under-x\n");
      exit (99);
    }

  gtk_init ();
  adw_init ();

  /* What AdwApplication does for the app: its style.css, so widgets tested
   * outside the application look as they do in it. */
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/io/github/gatescanner/GateScanner/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    "/io/github/gatescanner/GateScanner/icons");
}

gboolean
gate_test_gui_use_spanish (void)
{
  g_autofree char *locales = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "locale", NULL);
  g_autofree char *spanish = g_build_filename (locales, "es_ES.UTF-8", NULL);

  /* Tests run in parallel: each builds its own copy and moves it into
   * place in one step, so none ever reads a half-built one. */
  if (!g_file_test (spanish, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *building = g_strdup_printf ("%s.%d", spanish, (int) getpid ());
      const char *argv[] = { "localedef", "-i", "es_ES", "-f", "UTF-8", building, NULL };
      g_autoptr(GError) error = NULL;
      int status = 0;

      g_assert_no_errno (g_mkdir_with_parents (locales, 0755));
      if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                         NULL, NULL, NULL, NULL, &status, &error) ||
          !g_spawn_check_wait_status (status, NULL))
        return FALSE;
      if (g_rename (building, spanish) != 0)
        {
          g_autofree char *quoted = g_shell_quote (building);
          g_autofree char *command = g_strdup_printf ("rm -rf %s", quoted);

          /* Another test got there first: use its copy. */
          g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL);
        }
    }

  g_setenv ("LOCPATH", locales, TRUE);
  g_setenv ("LC_ALL", "es_ES.UTF-8", TRUE);
  if (setlocale (LC_ALL, "") == NULL)
    return FALSE;
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("GATE_LOCALEDIR"));
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  return TRUE;
}

typedef struct
{
  gboolean (*condition) (gpointer user_data);
  gpointer   user_data;
  gboolean   expired;
} Wait;

static gboolean
on_deadline (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
on_recheck (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
gate_test_gui_wait_until (gboolean (*condition) (gpointer user_data),
                          gpointer   user_data,
                          guint      timeout_ms)
{
  gboolean expired = FALSE;
  gboolean met;
  guint deadline_id;
  guint recheck_id;

  deadline_id = g_timeout_add (timeout_ms, on_deadline, &expired);
  /* Conditions on state outside this loop (another process, a file) change
   * without waking it: look again every few milliseconds. */
  recheck_id = g_timeout_add (10, on_recheck, NULL);

  while (!(met = condition (user_data)) && !expired)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (recheck_id);
  if (!expired)
    g_source_remove (deadline_id);

  return met;
}

static gboolean
is_laid_out (gpointer user_data)
{
  return gtk_widget_get_mapped (user_data) && gtk_widget_get_width (user_data) > 0 &&
         gtk_widget_get_height (user_data) > 0;
}

gboolean
gate_test_gui_wait_laid_out (GtkWidget *widget,
                             guint      timeout_ms)
{
  return gate_test_gui_wait_until (is_laid_out, widget, timeout_ms);
}

typedef struct
{
  GtkWidget *widget;
  gboolean   drawn;
} DrawWait;

static void
on_after_paint (GdkFrameClock *clock,
                DrawWait      *wait)
{
  if (gtk_widget_get_mapped (wait->widget))
    wait->drawn = TRUE;
}

static gboolean
was_drawn (gpointer user_data)
{
  DrawWait *wait = user_data;

  return wait->drawn;
}

static gboolean
is_mapped (gpointer user_data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (user_data));
}

gboolean
gate_test_gui_wait_drawn (GtkWidget *widget,
                          guint      timeout_ms)
{
  DrawWait wait = { widget, FALSE };
  GdkFrameClock *clock;
  gulong handler;
  gboolean met;

  if (!gate_test_gui_wait_until (is_mapped, widget, timeout_ms))
    return FALSE;

  clock = gtk_widget_get_frame_clock (widget);
  if (clock == NULL)
    return FALSE;

  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &wait);
  gtk_widget_queue_draw (widget);
  met = gate_test_gui_wait_until (was_drawn, &wait, timeout_ms);
  g_signal_handler_disconnect (clock, handler);

  return met;
}

typedef struct
{
  GtkWidget *widget;
  GBytes    *last;
  gboolean   still;
} StillWait;

static GBytes *
render_bytes (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  gsize stride = (gsize) width * 4;
  guchar *pixels;

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  if (node == NULL || width <= 0 || height <= 0)
    return NULL;
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  pixels = g_malloc (stride * height);
  gdk_texture_download (texture, pixels, stride);
  return g_bytes_new_take (pixels, stride * height);
}

static void
on_still_paint (GdkFrameClock *clock,
                StillWait     *wait)
{
  GBytes *now = render_bytes (wait->widget);

  wait->still = now != NULL && wait->last != NULL && g_bytes_equal (now, wait->last);
  g_clear_pointer (&wait->last, g_bytes_unref);
  wait->last = now;
  gtk_widget_queue_draw (wait->widget);
}

static gboolean
is_still (gpointer user_data)
{
  return ((StillWait *) user_data)->still;
}

gboolean
gate_test_gui_wait_still (GtkWidget *widget,
                          guint      timeout_ms)
{
  StillWait wait = { widget, NULL, FALSE };
  GdkFrameClock *clock;
  gulong handler;
  gboolean met;

  if (!gate_test_gui_wait_drawn (widget, timeout_ms))
    return FALSE;

  clock = gtk_widget_get_frame_clock (widget);
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (on_still_paint), &wait);
  gtk_widget_queue_draw (widget);
  met = gate_test_gui_wait_until (is_still, &wait, timeout_ms);
  g_signal_handler_disconnect (clock, handler);
  g_clear_pointer (&wait.last, g_bytes_unref);

  /* The last paint asked for another: let it happen, so that nothing is
   * pending when the caller takes its picture. */
  return met && gate_test_gui_wait_drawn (widget, timeout_ms);
}

void
gate_test_gui_flush (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static char *
screenshot_path (const char *name)
{
  g_autofree char *dir = g_build_filename (g_test_get_dir (G_TEST_BUILT), "screenshots", NULL);
  g_autofree char *file = g_strconcat (name, ".png", NULL);

  g_assert_no_errno (g_mkdir_with_parents (dir, 0755));
  return g_build_filename (dir, file, NULL);
}

char *
gate_test_gui_screenshot (const char *name)
{
  g_autofree char *path = screenshot_path (name);
  g_autofree char *quoted = g_shell_quote (path);
  g_autofree char *command = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  GStatBuf st;

  gate_test_gui_flush ();

  command = g_strdup_printf ("sh -c 'xwd -root -silent | convert xwd:- png:'%s", quoted);
  g_spawn_command_line_sync (command, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, 0);

  g_test_message ("screenshot: %s", path);
  return g_steal_pointer (&path);
}

/* A window's first frame under a loaded X server can take seconds. */
#define SNAPSHOT_DEADLINE_MS 10000

typedef struct
{
  GdkPaintable  *paintable;
  int            width;
  int            height;
  GskRenderNode *node;
} NodeWait;

static gboolean
has_node (gpointer user_data)
{
  NodeWait *wait = user_data;
  GtkSnapshot *snapshot = gtk_snapshot_new ();

  gdk_paintable_snapshot (wait->paintable, snapshot, wait->width, wait->height);
  wait->node = gtk_snapshot_free_to_node (snapshot);
  return wait->node != NULL;
}

char *
gate_test_gui_snapshot_widget (GtkWidget  *widget,
                               const char *name)
{
  g_autofree char *path = screenshot_path (name);
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  NodeWait wait = { NULL };
  GskRenderer *renderer;

  g_assert_true (gate_test_gui_wait_laid_out (widget, SNAPSHOT_DEADLINE_MS));

  /* A widget's paintable holds what the widget last drew: none until its
   * first frame, which may still be on its way. */
  paintable = gtk_widget_paintable_new (widget);
  wait.paintable = paintable;
  wait.width = gtk_widget_get_width (widget);
  wait.height = gtk_widget_get_height (widget);
  gtk_widget_queue_draw (widget);
  g_assert_true (gate_test_gui_wait_until (has_node, &wait, SNAPSHOT_DEADLINE_MS));

  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  texture = gsk_renderer_render_texture (renderer, wait.node, &GRAPHENE_RECT_INIT (0, 0, wait.width, wait.height));
  gsk_render_node_unref (wait.node);
  g_assert_true (gdk_texture_save_to_png (texture, path));

  g_test_message ("snapshot: %s", path);
  return g_steal_pointer (&path);
}

typedef struct
{
  gboolean  done;
  GError   *error;
} Opening;

static void
on_session_opened (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Opening *opening = user_data;

  gate_session_open_finish (GATE_SESSION (source), result, &opening->error);
  opening->done = TRUE;
}

static gboolean
has_opened (gpointer user_data)
{
  return ((Opening *) user_data)->done;
}

/* The one place tests make sessions: when GateSession's constructor
 * changes, only this changes. */
GateSession *
gate_test_gui_new_session (const char *server_url,
                           const char *token,
                           const char *device_id,
                           const char *event_id,
                           const char *cache_path)
{
  return gate_session_new (server_url, token, NULL, device_id, event_id, cache_path);
}

GateSession *
gate_test_gui_open_session (const char *server_url,
                            const char *token,
                            const char *device_id,
                            const char *event_id,
                            const char *cache_path)
{
  g_autoptr(GateSession) session = gate_test_gui_new_session (server_url, token, device_id, event_id, cache_path);
  Opening opening = { FALSE, NULL };

  gate_session_open_async (session, NULL, on_session_opened, &opening);
  g_assert_true (gate_test_gui_wait_until (has_opened, &opening, 20000));
  g_assert_no_error (opening.error);
  g_assert_nonnull (gate_session_get_cache (session));
  return g_steal_pointer (&session);
}

static gboolean
is_supervisor (gpointer user_data)
{
  return gate_session_get_supervisor (user_data);
}

gboolean
gate_test_gui_wait_supervisor (GateSession *session,
                               guint        timeout_ms)
{
  gate_session_check_role (session);
  return gate_test_gui_wait_until (is_supervisor, session, timeout_ms);
}
