/* test-enrol.c — a kiosk with an empty HOME and no configuration enrolls
 * from a setup QR its camera sees, then admits a ticket (issue 14)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real gate-scanner binary, on a real X display, against a real
 * gate-server and PostgreSQL. Its camera is a GStreamer test source that
 * draws the setup QR and a ticket's QR side by side with qroverlay, which
 * folds them to upper case, as some readers do: the setup text survives
 * that by design (docs/enrolment.md). What it decided is read from its
 * --verdict-log.
 */
#include "config.h"

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include "gate-enrol-page.h"
#include "gate-test-gui.h"
#include "gate-test-harness.h"
#include "gate-token-store.h"

#define DEADLINE_MS 30000

static const char * const gate_variables[] = {
  "GATE_SERVER", "GATE_TOKEN", "GATE_TOKEN_FILE", "GATE_DEVICE_ID", "GATE_EVENT", "GATE_CACHE", "GATE_APIKEY",
  "GATE_LIST", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME",
};

typedef struct
{
  GSubprocess *process;
  const char  *log_path;
  const char  *code;
  JsonObject  *line;
} LogWait;

static gboolean
logged_or_exited (gpointer user_data)
{
  LogWait *wait = user_data;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  if (g_subprocess_get_identifier (wait->process) == NULL)
    return TRUE;
  if (!g_file_get_contents (wait->log_path, &contents, NULL, NULL))
    return FALSE;

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonNode) node = NULL;

      if (*lines[i] == '\0')
        continue;
      node = json_from_string (lines[i], NULL);
      g_assert_nonnull (node);
      if (g_strcmp0 (json_object_get_string_member (json_node_get_object (node), "code"), wait->code) == 0)
        {
          wait->line = json_object_ref (json_node_get_object (node));
          return TRUE;
        }
    }

  return FALSE;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileEnumerator) children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME ","
                                                                   G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                                                   G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  GFileInfo *info;

  while (children != NULL && (info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, g_file_info_get_name (info), NULL);

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        remove_tree (child);
      else
        g_unlink (child);
      g_object_unref (info);
    }
  g_rmdir (path);
}

static void
test_empty_kiosk_enrols_from_the_camera_and_admits (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTestPg) pg = gate_test_pg_new (GATE_TEST_PG_DEFAULT, &error);
  g_autoptr(GateTestServer) server = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *event = NULL;
  g_auto(GStrv) tickets = NULL;
  g_autofree char *added = NULL;
  g_autofree char *setup_uri = NULL;
  g_autofree char *device_id = NULL;
  g_autofree char *work_dir = NULL;
  g_autofree char *home = NULL;
  g_autofree char *log_path = NULL;
  g_autofree char *stderr_path = NULL;
  g_autofree char *source = NULL;
  g_autofree char *stderr_text = NULL;
  g_autofree char *token_path = NULL;
  LogWait wait = { 0 };
  GStatBuf st;

  g_assert_no_error (error);
  g_assert_true (gate_test_pg_migrate (pg, &error));
  event = gate_test_create_event (pg, "Enrolment night", &error);
  g_assert_no_error (error);
  g_strstrip (event);
  tickets = gate_test_generate_tickets (pg, event, 1, "General", &error);
  g_assert_no_error (error);
  server = gate_test_server_new (gate_test_pg_get_conninfo (pg), NULL, &error);
  g_assert_no_error (error);

  /* IT adds the gate with a setup code: no token anywhere in sight. */
  added = gate_test_gatectl (&error, "device", "add", "--db", gate_test_pg_get_conninfo (pg), "--name", "Door 1",
                             "--role", "gate", "--event", event, "--server", gate_test_server_get_url (server),
                             "--setup-code", NULL);
  g_assert_no_error (error);
  setup_uri = gate_test_json_member (added, 0, "setup_uri");
  device_id = gate_test_json_member (added, 0, "device_id");
  g_assert_nonnull (setup_uri);

  work_dir = g_dir_make_tmp ("test-enrol-XXXXXX", &error);
  g_assert_no_error (error);
  home = g_build_filename (work_dir, "home", NULL);
  g_assert_cmpint (g_mkdir (home, 0700), ==, 0);
  log_path = g_build_filename (work_dir, "verdicts.jsonl", NULL);
  stderr_path = g_build_filename (work_dir, "stderr.txt", NULL);

  /* The setup QR on the left, the ticket on the right, both folded to
   * upper case by qroverlay. */
  source = g_strdup_printf ("videotestsrc is-live=true pattern=black ! video/x-raw,width=640,height=480,"
                            "framerate=30/1 ! qroverlay pixel-size=3 x=25 data=\"%s\" "
                            "! qroverlay pixel-size=3 x=75 data=%s", setup_uri, tickets[0]);

  /* A newcomer: an empty HOME, no GATE_* variables, no settings. */
  for (guint i = 0; i < G_N_ELEMENTS (gate_variables); i++)
    g_subprocess_launcher_unsetenv (launcher, gate_variables[i]);
  g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
  g_subprocess_launcher_set_stderr_file_path (launcher, stderr_path);
  /* zbar, which reports every code of a frame: this frame holds two, and
   * the zxing element reports one code a frame (the decoder "auto" picks
   * it where installed). */
  process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("GATE_SCANNER_BIN"), "--verdict-log", log_path,
                                         "--decoder", "zbar", "--source", source, NULL);
  g_assert_no_error (error);

  wait = (LogWait) { process, log_path, tickets[0], NULL };
  gate_test_gui_wait_until (logged_or_exited, &wait, DEADLINE_MS);
  g_free (gate_test_gui_screenshot ("enrol-then-admit"));
  g_file_get_contents (stderr_path, &stderr_text, NULL, NULL);
  if (wait.line == NULL)
    g_test_message ("gate-scanner stderr:\n%s", stderr_text != NULL ? stderr_text : "");
  g_assert_nonnull (wait.line);
  g_assert_cmpstr (json_object_get_string_member (wait.line, "verdict"), ==, "admitted");
  g_assert_cmpstr (json_object_get_string_member (wait.line, "mode"), ==, "online");

  /* The setup code still in view is no ticket: nothing was decided for it. */
  {
    g_autofree char *log = NULL;

    g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
    g_assert_null (strstr (log, "GATESETUP"));
  }

  /* The token went to the store (no keyring here: the 0600 file), and
   * nowhere else. */
  token_path = g_build_filename (home, ".config", "gate-scanner", "device-token", NULL);
  g_assert_cmpint (g_stat (token_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_null (strstr (stderr_text != NULL ? stderr_text : "", "gst_"));

  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  json_object_unref (wait.line);
  remove_tree (work_dir);
}

/* --- the page without a camera picture ------------------------------------------ */

typedef struct
{
  GateEnrolPage *page;
  const char    *screen;
} ScreenWait;

static gboolean
camera_screen_is (gpointer user_data)
{
  ScreenWait *wait = user_data;

  return g_strcmp0 (gate_enrol_page_get_camera_screen (wait->page), wait->screen) == 0;
}

typedef struct
{
  GtkWidget *window;
  GtkWidget *page;
} InView;

static GtkWidget *
find_mapped_retry (GtkWidget *widget)
{
  if (GTK_IS_BUTTON (widget) && gtk_widget_get_mapped (widget) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), "enrol.retry-camera") == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_mapped_retry (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The camera's own way out (Try Again, Restart Camera) is laid out wholly
 * inside the window: no scrolling needed to reach it. */
static gboolean
retry_in_view (gpointer user_data)
{
  InView *in_view = user_data;
  GtkWidget *button = find_mapped_retry (in_view->page);
  graphene_rect_t bounds;

  return button != NULL && gtk_widget_get_height (button) > 0 &&
         gtk_widget_compute_bounds (button, in_view->window, &bounds) &&
         bounds.origin.y >= 0 && bounds.origin.y + bounds.size.height <= gtk_widget_get_height (in_view->window);
}

/* Where the camera picture goes, the first-run page shows what the camera
 * does instead — never a blank box: no camera, a broken pipeline (with the
 * camera's own sentence), or the live picture. */
static void
test_camera_states_say_what_to_do (void)
{
  static const struct {
    const char *source;
    const char *screen;
  } cases[] = {
    { "none", "no-camera" },
    { "videotestsrc is-live=true ! no-such-element-here", "error" },
    { "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=15/1 ! videoconvert",
      "preview" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();
      g_autoptr(GSettings) settings = g_settings_new_with_backend (APP_ID, backend);
      g_autoptr(GateTokenStore) store = gate_token_store_new ();
      g_autoptr(GateCamera) camera = gate_camera_new (cases[i].source, "zbar");
      GtkWidget *window = gtk_window_new ();
      GtkWidget *page = gate_enrol_page_new (camera, settings, store);
      ScreenWait wait = { GATE_ENROL_PAGE (page), cases[i].screen };
      g_autofree char *name = g_strdup_printf ("enrol-camera-%s", cases[i].screen);
      g_autofree char *shot = NULL;

      gtk_window_set_default_size (GTK_WINDOW (window), 800, 480);
      gtk_window_set_child (GTK_WINDOW (window), page);
      gtk_window_present (GTK_WINDOW (window));

      g_assert_true (gate_test_gui_wait_until (camera_screen_is, &wait, DEADLINE_MS));
      if (g_str_equal (cases[i].screen, "error"))
        g_assert_nonnull (gate_camera_get_error_message (camera));
      g_assert_true (gate_test_gui_wait_drawn (page, DEADLINE_MS));
      /* On the smallest kiosk screen (800×480) the way out is in view. */
      if (!g_str_equal (cases[i].screen, "preview"))
        {
          InView in_view = { window, page };

          if (!gate_test_gui_wait_until (retry_in_view, &in_view, DEADLINE_MS))
            {
              g_free (gate_test_gui_snapshot_widget (window, name));
              g_error ("%s: the camera's retry button is not in view at 800 × 480", cases[i].screen);
            }
        }
      shot = gate_test_gui_snapshot_widget (window, name);
      g_test_message ("%s: %s", cases[i].source, shot);

      gtk_window_destroy (GTK_WINDOW (window));
      gate_test_gui_flush ();
    }
}

int
main (int    argc,
      char **argv)
{
  gate_test_gui_init (&argc, &argv);

  g_test_add_func ("/enrol/camera-states-say-what-to-do", test_camera_states_say_what_to_do);
  g_test_add_func ("/enrol/empty-kiosk-enrols-from-the-camera-and-admits",
                   test_empty_kiosk_enrols_from_the_camera_and_admits);

  return g_test_run ();
}
