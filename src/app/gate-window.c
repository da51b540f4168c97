/* gate-window.c — the kiosk's and the supervisor's main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pages: loading while the cache opens, a welcome page on a first run, an
 * error page when the configuration cannot work, and the main view — the
 * gate, manual search, the cache panel and conflict review. Every way a
 * code comes in (camera, keyboard wedge, search) ends in the engine's
 * submit(); every decision comes back through its ::decided signal, to
 * one handler here that shows it, logs it and sounds it, in that order.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gate-cache-panel.h"
#include "gate-conflicts-page.h"
#include "gate-gates-page.h"
#include "gate-enrol-page.h"
#include "gate-enrolment.h"
#include "gate-gate-view.h"
#include "gate-pin-dialog.h"
#include "gate-search-panel.h"
#include "gate-sound-player.h"
#include "gate-status-strip.h"
#include "gate-verdict-log.h"
#include "gate-verdict-view.h"
#include "gate-wedge-detector.h"
#include "gate-window.h"

struct _GateWindow
{
  AdwApplicationWindow  parent_instance;

  AdwToastOverlay      *toasts;
  GtkStack             *pages;
  AdwStatusPage        *welcome_page;
  AdwStatusPage        *error_page;
  AdwHeaderBar         *header_bar;
  GtkWidget            *menu_button;
  AdwViewStack         *views;
  GateGateView         *gate_view;
  GtkWidget            *unlock_button;
  GtkWidget            *demo_offline_button;
  GateStatusStrip      *status_strip;
  GateCachePanel       *cache_panel;
  GateConflictsPage    *conflicts_page;
  GateGatesPage        *gates_page;
  GateSearchPanel      *search_panel;
  GateWedgeDetector    *wedge;

  GateSession          *session;
  GateCamera           *camera;
  GateVerdictLog       *verdict_log;
  GateSoundPlayer      *sounds;
  gboolean              sounds_enabled;
  char                 *pin_hash;
  gboolean              kiosk;
  guint                 inhibit_cookie;
  guint                 checking_id;
  guint                 pending_scans;
  GCancellable         *naming;
};

/* Offline, the cache decides in a few milliseconds: "Checking…" only if it
 * has not after this long, so that it never flickers before the verdict.
 * Online, a scan always waits on the network: "Checking…" at once. */
#define CHECKING_DELAY_MS 50

G_DEFINE_FINAL_TYPE (GateWindow, gate_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_KIOSK,
  PROP_PAGE,
  PROP_PIN_HASH,
  PROP_DEVICE_NAME,
  PROP_SOUNDS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
show_page (GateWindow *self,
           const char *name)
{
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->pages), name) == 0)
    return;

  gtk_stack_set_visible_child_name (self->pages, name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAGE]);
}

const char *
gate_window_get_page (GateWindow *self)
{
  g_return_val_if_fail (GATE_IS_WINDOW (self), NULL);

  return gtk_stack_get_visible_child_name (self->pages);
}

void
gate_window_add_toast (GateWindow *self,
                       const char *message)
{
  g_return_if_fail (GATE_IS_WINDOW (self));

  adw_toast_overlay_add_toast (self->toasts, adw_toast_new (message));
}

static void
on_panel_message (GateWindow *self,
                  const char *message)
{
  gate_window_add_toast (self, message);
}

static void
on_event_named (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GateEventSummary) event = g_task_propagate_pointer (G_TASK (result), NULL);
  GateWindow *self;

  if (event == NULL || g_task_had_error (G_TASK (result)))
    return;

  self = GATE_WINDOW (user_data);
  gate_verdict_view_name_event (GATE_VERDICT_VIEW (gate_gate_view_get_verdict_view (self->gate_view)),
                                event->event_id, event->name);
}

static void
name_event_in_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  GateEventSummary *event = gate_ticket_cache_get_event (source_object, task_data, NULL);

  g_task_return_pointer (task, event, (GDestroyNotify) gate_event_summary_free);
}

/* "Wrong event" names the event when this device has heard of it (its
 * cache keeps every event it was given); read off the main thread, so the
 * verdict shows at once and gains the name a moment later. */
static void
name_other_event (GateWindow             *self,
                  const GateScanDecision *decision)
{
  GateTicketCache *cache = gate_session_get_cache (self->session);
  g_autoptr(GTask) task = NULL;

  g_cancellable_cancel (self->naming);
  g_clear_object (&self->naming);
  if (decision->verdict != GATE_VERDICT_WRONG_EVENT || decision->event_id == NULL || cache == NULL)
    return;

  self->naming = g_cancellable_new ();
  /* The window outlives the read: dispose cancels it first. */
  task = g_task_new (cache, self->naming, on_event_named, self);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_set_task_data (task, g_strdup (decision->event_id), g_free);
  g_task_run_in_thread (task, name_event_in_thread);
}

/* The one way out of a scan, in a fixed order: the screen first (a gate
 * worker looks before anything else), then the verdict log, then the tone,
 * queued only once the verdict is drawn. A decision always shows on the
 * gate: a code from the search page or a wedge scan brings the worker
 * there; a supervisor's pages are left alone. */
static void
on_decided (GateWindow             *self,
            const GateScanDecision *decision)
{
  const char *page = adw_view_stack_get_visible_child_name (self->views);

  if (self->pending_scans > 0)
    self->pending_scans--;
  if (self->pending_scans == 0)
    g_clear_handle_id (&self->checking_id, g_source_remove);

  /* A supervisor on Cache or Conflicts stays there (the demo's camera
   * decides every few seconds): the verdict waits on the Gate page. */
  if (g_strcmp0 (page, "cache") != 0 && g_strcmp0 (page, "conflicts") != 0 && g_strcmp0 (page, "gates") != 0)
    adw_view_stack_set_visible_child_name (self->views, "gate");
  gate_gate_view_show_decision (self->gate_view, decision);
  name_other_event (self, decision);

  if (self->verdict_log != NULL)
    {
      g_autofree char *operator_id = NULL;

      if (self->session != NULL && gate_session_get_engine (self->session) != NULL)
        g_object_get (gate_session_get_engine (self->session), "operator-id", &operator_id, NULL);
      gate_verdict_log_append (self->verdict_log, decision, operator_id);
    }

  if (self->sounds != NULL && self->sounds_enabled)
    gate_sound_player_play (self->sounds, decision->verdict);
}

void
gate_window_set_feedback (GateWindow      *self,
                          GateVerdictLog  *verdict_log,
                          GateSoundPlayer *sounds)
{
  g_return_if_fail (GATE_IS_WINDOW (self));
  g_return_if_fail (verdict_log == NULL || GATE_IS_VERDICT_LOG (verdict_log));
  g_return_if_fail (sounds == NULL || GATE_IS_SOUND_PLAYER (sounds));

  g_set_object (&self->verdict_log, verdict_log);
  g_set_object (&self->sounds, sounds);
}

void
gate_window_set_sounds (GateWindow *self,
                        gboolean    sounds)
{
  g_return_if_fail (GATE_IS_WINDOW (self));

  sounds = !!sounds;
  if (self->sounds_enabled == sounds)
    return;

  self->sounds_enabled = sounds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SOUNDS]);
}

static gboolean
on_checking_due (gpointer user_data)
{
  GateWindow *self = user_data;

  self->checking_id = 0;
  adw_view_stack_set_visible_child_name (self->views, "gate");
  gate_gate_view_show_checking (self->gate_view);

  return G_SOURCE_REMOVE;
}

static void
submit (GateWindow *self,
        const char *code,
        const char *scan_method)
{
  /* A setup code left in front of the camera after enrolling is not a
   * ticket: no red screen for it. */
  if (gate_setup_uri_looks_like (code))
    {
      gate_window_add_toast (self, _("This device is set up already"));
      return;
    }

  if (self->session == NULL || gate_session_get_engine (self->session) == NULL)
    return;
  /* The sign-in page is up: a scan waits for an operator. */
  if (gate_gate_view_get_needs_sign_in (self->gate_view))
    return;

  /* Every code the engine takes ends in ::decided: until then, a slow
   * server shows "Checking…" rather than nothing. */
  if (gate_scan_engine_submit (gate_session_get_engine (self->session), code, scan_method))
    {
      GateConnectivity *connectivity = gate_session_get_connectivity (self->session);

      self->pending_scans++;
      if (self->pending_scans > 1)
        return;
      if (gate_session_get_client (self->session) != NULL && connectivity != NULL &&
          gate_connectivity_get_online (connectivity))
        on_checking_due (self);
      else if (self->checking_id == 0)
        self->checking_id = g_timeout_add (CHECKING_DELAY_MS, on_checking_due, self);
    }
}

static void
on_code_chosen (GateWindow *self,
                const char *code)
{
  submit (self, code, "manual");
  gate_search_panel_reset (self->search_panel);
}

static void
on_wedge_scanned (GateWindow *self,
                  const char *code)
{
  /* On the first run, a barcode gun reads the setup code. */
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->pages), "enrol") == 0)
    gate_enrol_page_submit (GATE_ENROL_PAGE (gtk_stack_get_visible_child (self->pages)), code);
  else
    submit (self, code, "wedge");
}

static void
on_code_detected (GateWindow *self,
                  const char *code,
                  gint64      frame_time_us)
{
  submit (self, code, "qr");
}

/* Offline is said over the camera too (the gate view's badge). Signed
 * out is a different screen, not offline. */
static void
update_offline_badge (GateWindow *self)
{
  GateConnectivity *connectivity = self->session != NULL ? gate_session_get_connectivity (self->session) : NULL;

  gate_gate_view_set_offline (self->gate_view, connectivity != NULL && !gate_connectivity_get_online (connectivity) &&
                                                 !gate_connectivity_get_signed_out (connectivity));
}

void
gate_window_set_session (GateWindow  *self,
                         GateSession *session,
                         GateCamera  *camera)
{
  GateScanEngine *engine;

  g_return_if_fail (GATE_IS_WINDOW (self));
  g_return_if_fail (GATE_IS_SESSION (session));
  g_return_if_fail (camera == NULL || GATE_IS_CAMERA (camera));
  g_return_if_fail (self->session == NULL);

  self->session = g_object_ref (session);
  engine = gate_session_get_engine (session);
  g_signal_connect_object (engine, "decided", G_CALLBACK (on_decided), self, G_CONNECT_SWAPPED);

  if (camera != NULL)
    {
      self->camera = g_object_ref (camera);
      g_signal_connect_object (camera, "code-detected", G_CALLBACK (on_code_detected), self, G_CONNECT_SWAPPED);
    }
  gate_gate_view_set_camera (self->gate_view, camera);
  gate_verdict_view_set_device_id (GATE_VERDICT_VIEW (gate_gate_view_get_verdict_view (self->gate_view)),
                                   gate_session_get_device_id (session));

  /* Each panel finds what it shows in the session: its cache, server,
   * connection and event, and whether the token is a supervisor's. */
  gate_status_strip_set_session (self->status_strip, session);
  gate_gate_view_set_session (self->gate_view, session);
  gate_status_strip_set_operators (self->status_strip, gate_gate_view_get_operators (self->gate_view));
  if (gate_session_get_connectivity (session) != NULL)
    {
      g_signal_connect_object (gate_session_get_connectivity (session), "notify::online",
                               G_CALLBACK (update_offline_badge), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (gate_session_get_connectivity (session), "notify::signed-out",
                               G_CALLBACK (update_offline_badge), self, G_CONNECT_SWAPPED);
    }
  update_offline_badge (self);
  gate_cache_panel_set_session (self->cache_panel, session);
  gate_search_panel_set_session (self->search_panel, session);
  gate_conflicts_page_set_session (self->conflicts_page, session);
  gate_gates_page_set_session (self->gates_page, session);

  /* Not a log line nobody reads: the staff at the gate see it until
   * someone dismisses it. */
  if (gate_session_get_client (session) != NULL && gate_api_client_is_insecure (gate_session_get_client (session)))
    {
      AdwToast *toast = adw_toast_new (_("This server uses plain http: tokens and guest names cross the network "
                                         "unencrypted. Ask IT for an https:// address."));

      adw_toast_set_timeout (toast, 0);
      adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
      adw_toast_overlay_add_toast (self->toasts, toast);
    }

  show_page (self, "main");
}

GtkWidget *
gate_window_get_gate_view (GateWindow *self)
{
  g_return_val_if_fail (GATE_IS_WINDOW (self), NULL);

  return GTK_WIDGET (self->gate_view);
}

void
gate_window_show_welcome (GateWindow *self)
{
  g_return_if_fail (GATE_IS_WINDOW (self));

  show_page (self, "welcome");
}

/* First run: @page (a GateEnrolPage) until the kiosk is enrolled. */
void
gate_window_show_enrol_page (GateWindow *self,
                             GtkWidget  *page)
{
  GtkWidget *previous;

  g_return_if_fail (GATE_IS_WINDOW (self));
  g_return_if_fail (GTK_IS_WIDGET (page));

  if ((previous = gtk_stack_get_child_by_name (self->pages, "enrol")) != NULL && previous != page)
    gtk_stack_remove (self->pages, previous);
  if (gtk_widget_get_parent (page) == NULL)
    gtk_stack_add_named (self->pages, page, "enrol");
  show_page (self, "enrol");
}

void
gate_window_show_error (GateWindow *self,
                        const char *title,
                        const char *description)
{
  g_return_if_fail (GATE_IS_WINDOW (self));

  adw_status_page_set_title (self->error_page, title);
  adw_status_page_set_description (self->error_page, description);
  show_page (self, "error");
}

/* Kiosk mode: fullscreen, no cursor, no screen blanking, no header; the
 * only way out is the supervisor's unlock. */
void
gate_window_set_kiosk (GateWindow *self,
                       gboolean    kiosk)
{
  GtkApplication *application;

  g_return_if_fail (GATE_IS_WINDOW (self));

  kiosk = !!kiosk;
  if (self->kiosk == kiosk)
    return;

  self->kiosk = kiosk;
  application = gtk_window_get_application (GTK_WINDOW (self));

  if (kiosk)
    {
      gtk_window_fullscreen (GTK_WINDOW (self));
      gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "none");
      if (application != NULL)
        self->inhibit_cookie = gtk_application_inhibit (application, GTK_WINDOW (self),
                                                        GTK_APPLICATION_INHIBIT_IDLE |
                                                        GTK_APPLICATION_INHIBIT_LOGOUT,
                                                        _("The gate is scanning tickets"));
      adw_view_stack_set_visible_child_name (self->views, "gate");
    }
  else
    {
      gtk_window_unfullscreen (GTK_WINDOW (self));
      gtk_widget_set_cursor (GTK_WIDGET (self), NULL);
      if (application != NULL && self->inhibit_cookie != 0)
        gtk_application_uninhibit (application, self->inhibit_cookie);
      self->inhibit_cookie = 0;
    }

  /* Gate staff keep the gate and manual search; the window controls, the
   * menu, the cache panel and conflict review wait for a supervisor. */
  adw_header_bar_set_show_start_title_buttons (self->header_bar, !kiosk);
  adw_header_bar_set_show_end_title_buttons (self->header_bar, !kiosk);
  gtk_widget_set_visible (self->menu_button, !kiosk);
  adw_view_stack_page_set_visible (adw_view_stack_get_page (self->views, GTK_WIDGET (self->cache_panel)), !kiosk);
  adw_view_stack_page_set_visible (adw_view_stack_get_page (self->views, GTK_WIDGET (self->conflicts_page)), !kiosk);
  adw_view_stack_page_set_visible (adw_view_stack_get_page (self->views, GTK_WIDGET (self->gates_page)), !kiosk);
  gtk_widget_set_visible (self->unlock_button, kiosk);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.kiosk", !kiosk);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KIOSK]);
}

gboolean
gate_window_get_kiosk (GateWindow *self)
{
  g_return_val_if_fail (GATE_IS_WINDOW (self), FALSE);

  return self->kiosk;
}

static void
enter_kiosk_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  gate_window_set_kiosk (GATE_WINDOW (widget), TRUE);
}

void
gate_window_set_pin_hash (GateWindow *self,
                          const char *pin_hash)
{
  g_return_if_fail (GATE_IS_WINDOW (self));

  g_free (self->pin_hash);
  self->pin_hash = pin_hash != NULL && *pin_hash != '\0' ? g_strdup (pin_hash) : NULL;
}

void
gate_window_set_device_name (GateWindow *self,
                             const char *device_name)
{
  g_return_if_fail (GATE_IS_WINDOW (self));

  gate_conflicts_page_set_reviewed_by (self->conflicts_page,
                                       device_name != NULL && *device_name != '\0' ? device_name : NULL);
}

void
gate_window_set_demo (GateWindow *self,
                      gboolean    demo)
{
  g_return_if_fail (GATE_IS_WINDOW (self));

  gtk_widget_set_visible (self->demo_offline_button, demo);
}

static void
on_unlocked (GateWindow *self)
{
  gate_window_set_kiosk (self, FALSE);
}

static void
unlock_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  GateWindow *self = GATE_WINDOW (widget);
  GtkWidget *dialog;

  /* Without a PIN anyone may leave kiosk mode, as Preferences says: a
   * kiosk locked with no PIN would have no way out at all (Preferences,
   * where a PIN is set, is itself locked in kiosk mode). */
  if (self->pin_hash == NULL)
    {
      gate_window_set_kiosk (self, FALSE);
      gate_window_add_toast (self, _("Kiosk mode ended. Set a supervisor PIN in Preferences to lock it."));
      return;
    }

  dialog = gate_pin_dialog_new (GTK_WINDOW (self), self->pin_hash);
  g_signal_connect_object (dialog, "unlocked", G_CALLBACK (on_unlocked), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  GateWindow *self = GATE_WINDOW (widget);

  adw_view_stack_set_visible_child_name (self->views, "search");
  gtk_widget_grab_focus (GTK_WIDGET (self->search_panel));
}

/* Alt+1…4 go to the pages, as in other GNOME apps with a view switcher;
 * in kiosk mode only to those that are shown. */
static void
show_view_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  GateWindow *self = GATE_WINDOW (widget);
  const char *name = g_variant_get_string (parameter, NULL);
  GtkWidget *child = adw_view_stack_get_child_by_name (self->views, name);

  if (child != NULL && adw_view_stack_page_get_visible (adw_view_stack_get_page (self->views, child)))
    adw_view_stack_set_visible_child (self->views, child);
}

static gboolean
gate_window_close_request (GtkWindow *window)
{
  GateWindow *self = GATE_WINDOW (window);

  if (self->kiosk)
    {
      gate_window_add_toast (self, _("A supervisor must unlock the kiosk first"));
      return TRUE;
    }

  return GTK_WINDOW_CLASS (gate_window_parent_class)->close_request (window);
}

static void
gate_window_dispose (GObject *object)
{
  GateWindow *self = GATE_WINDOW (object);

  if (self->camera != NULL)
    gate_camera_stop (self->camera);
  g_clear_object (&self->camera);
  g_clear_handle_id (&self->checking_id, g_source_remove);
  g_cancellable_cancel (self->naming);
  g_clear_object (&self->naming);
  g_clear_object (&self->session);
  g_clear_object (&self->verdict_log);
  g_clear_object (&self->sounds);
  g_clear_object (&self->wedge);
  g_clear_pointer (&self->pin_hash, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), GATE_TYPE_WINDOW);

  G_OBJECT_CLASS (gate_window_parent_class)->dispose (object);
}

static void
gate_window_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  GateWindow *self = GATE_WINDOW (object);

  switch (prop_id)
    {
    case PROP_KIOSK:
      g_value_set_boolean (value, self->kiosk);
      break;

    case PROP_PAGE:
      g_value_set_string (value, gate_window_get_page (self));
      break;

    case PROP_PIN_HASH:
      g_value_set_string (value, self->pin_hash);
      break;

    case PROP_DEVICE_NAME:
      g_value_set_string (value, gate_conflicts_page_get_reviewed_by (self->conflicts_page));
      break;

    case PROP_SOUNDS:
      g_value_set_boolean (value, self->sounds_enabled);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_window_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  GateWindow *self = GATE_WINDOW (object);

  switch (prop_id)
    {
    case PROP_KIOSK:
      gate_window_set_kiosk (self, g_value_get_boolean (value));
      break;

    case PROP_PIN_HASH:
      gate_window_set_pin_hash (self, g_value_get_string (value));
      break;

    case PROP_DEVICE_NAME:
      gate_window_set_device_name (self, g_value_get_string (value));
      break;

    case PROP_SOUNDS:
      gate_window_set_sounds (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_window_class_init (GateWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = gate_window_dispose;
  object_class->get_property = gate_window_get_property;
  object_class->set_property = gate_window_set_property;
  window_class->close_request = gate_window_close_request;

  properties[PROP_KIOSK] =
    g_param_spec_boolean ("kiosk", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  properties[PROP_PAGE] =
    g_param_spec_string ("page", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /* Write-only in spirit: the hash, never the PIN, and only to verify. */
  properties[PROP_PIN_HASH] =
    g_param_spec_string ("pin-hash", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  properties[PROP_DEVICE_NAME] =
    g_param_spec_string ("device-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /* Whether decisions are sounded (through the player of set_feedback). */
  properties[PROP_SOUNDS] =
    g_param_spec_boolean ("sounds", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (GATE_TYPE_GATE_VIEW);
  g_type_ensure (GATE_TYPE_STATUS_STRIP);
  g_type_ensure (GATE_TYPE_CACHE_PANEL);
  g_type_ensure (GATE_TYPE_CONFLICTS_PAGE);
  g_type_ensure (GATE_TYPE_GATES_PAGE);
  g_type_ensure (GATE_TYPE_SEARCH_PANEL);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/gatescanner/GateScanner/gate-window.ui");
  gtk_widget_class_bind_template_child (widget_class, GateWindow, toasts);
  gtk_widget_class_bind_template_child (widget_class, GateWindow, pages);
  gtk_widget_class_bind_template_child (widget_class, GateWindow, welcome_page);
  gtk_widget_class_bind_template_child (widget_class, GateWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, GateWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, GateWindow, menu_button);
  gtk_widget_class_bind_template_child (widget_class, GateWindow, views);
  gtk_widget_class_bind_template_child (widget_class, GateWindow, gate_view);
  gtk_widget_class_bind_template_child (widget_class, GateWindow, unlock_button);
  gtk_widget_class_bind_template_child (widget_class, GateWindow, demo_offline_button);
  gtk_widget_class_bind_template_child (widget_class, GateWindow, status_strip);
  gtk_widget_class_bind_template_child (widget_class, GateWindow, cache_panel);
  gtk_widget_class_bind_template_child (widget_class, GateWindow, conflicts_page);
  gtk_widget_class_bind_template_child (widget_class, GateWindow, gates_page);
  gtk_widget_class_bind_template_child (widget_class, GateWindow, search_panel);
  gtk_widget_class_bind_template_callback (widget_class, on_code_chosen);
  gtk_widget_class_bind_template_callback (widget_class, on_panel_message);

  gtk_widget_class_install_action (widget_class, "win.kiosk", NULL, enter_kiosk_action);
  gtk_widget_class_install_action (widget_class, "win.unlock", NULL, unlock_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);
  gtk_widget_class_install_action (widget_class, "win.show-view", "s", show_view_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_ALT_MASK, "win.show-view", "s", "gate");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_ALT_MASK, "win.show-view", "s", "search");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_ALT_MASK, "win.show-view", "s", "cache");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_4, GDK_ALT_MASK, "win.show-view", "s", "conflicts");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_5, GDK_ALT_MASK, "win.show-view", "s", "gates");
}

static void
gate_window_init (GateWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->sounds_enabled = TRUE;
  show_page (self, "loading");

  /* A barcode gun types anywhere in the window; its bursts never reach a
   * field, whichever page is up. */
  self->wedge = gate_wedge_detector_new (GTK_WINDOW (self));
  g_signal_connect_object (self->wedge, "scanned", G_CALLBACK (on_wedge_scanned), self, G_CONNECT_SWAPPED);
}

GateWindow *
gate_window_new (AdwApplication *application)
{
  return g_object_new (GATE_TYPE_WINDOW, "application", application, NULL);
}
