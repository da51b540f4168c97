/* gate-test-gui.h — what GUI tests share: start-up, waiting, screenshots
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GUI tests run under tests/app/run-under-x (Xvfb + a session bus). They
 * wait on conditions with deadlines, never on sleeps.
 */
#pragma once

#include <gtk/gtk.h>

#include "gate-session.h"

G_BEGIN_DECLS

/* g_test_init(), then GTK and libadwaita on the X display, with the app's
 * resources (templates, style) registered. */
void      gate_test_gui_init            (int          *argc,
                                         char       ***argv);

/* Before gate_test_gui_init(): a real es_ES.UTF-8 locale (built with
 * localedef into the build dir when the machine has none) and the catalog
 * the build compiled from po/es.po. FALSE when no such locale can be made. */
gboolean  gate_test_gui_use_spanish     (void);

/* Runs the default main context until @condition holds or @timeout_ms pass,
 * checking it at least every 10 ms. */
gboolean  gate_test_gui_wait_until      (gboolean    (*condition) (gpointer user_data),
                                         gpointer      user_data,
                                         guint         timeout_ms);

/* Waits until @widget is mapped and has been drawn at least once. */
gboolean  gate_test_gui_wait_drawn      (GtkWidget    *widget,
                                         guint         timeout_ms);

/* Waits until @widget is mapped and has a size: a widget mapped in the
 * last frame may be allocated in the next one. For measuring it. */
gboolean  gate_test_gui_wait_laid_out   (GtkWidget    *widget,
                                         guint         timeout_ms);

/* Waits until @widget has drawn the same picture twice in a row: its
 * animations are over. For screenshots, not for widgets showing video. */
gboolean  gate_test_gui_wait_still      (GtkWidget    *widget,
                                         guint         timeout_ms);

/* Saves the whole X screen as <G_TEST_BUILDDIR>/screenshots/@name.png and
 * returns its path. Fails the test if the picture could not be taken. */
char     *gate_test_gui_screenshot      (const char   *name);

/* Renders @widget alone into <G_TEST_BUILDDIR>/screenshots/@name.png. */
char     *gate_test_gui_snapshot_widget (GtkWidget    *widget,
                                         const char   *name);

/* Runs the main context until nothing is pending (layouts, idles). */
void      gate_test_gui_flush           (void);

/* A session as the app makes one, not opened yet. */
GateSession *gate_test_gui_new_session  (const char   *server_url,
                                         const char   *token,
                                         const char   *device_id,
                                         const char   *event_id,
                                         const char   *cache_path);

/* gate_test_gui_new_session(), opened (its cache at @cache_path); fails
 * the test if it cannot open. @server_url and @token NULL for a kiosk
 * without a server. Panels take it as their "session". */
GateSession *gate_test_gui_open_session (const char   *server_url,
                                         const char   *token,
                                         const char   *device_id,
                                         const char   *event_id,
                                         const char   *cache_path);

/* Waits until @session knows its token is a supervisor's (the server
 * answered list_devices). */
gboolean  gate_test_gui_wait_supervisor (GateSession  *session,
                                         guint         timeout_ms);

G_END_DECLS
