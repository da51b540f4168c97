/* gate-enrol-page.c — first run: the kiosk enrolls from a setup QR
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * With nothing configured, the kiosk shows its live camera and asks for
 * the setup code (docs/enrolment.md). A GATESETUP: text from the camera
 * (or from a wedge scanner, through gate_enrol_page_submit()) is traded
 * for the device token by the core's gate_enrol_async(); the token goes to
 * the token store (keyring, else a 0600 file), server, device, event and
 * list into the settings, and ::enrolled tells the application to open
 * the session. A refused code leaves the camera running, with the reason
 * on screen, so the next code needs no touch either. The camera runs only
 * while the page is mapped.
 *
 * The state property ("waiting", "enrolling", "saving", "done",
 * "failed") is what the template's spinner follows and what tests read.
 * Where the camera picture would be, camera-screen shows what the camera
 * is doing instead when it shows no picture: starting, no camera, access
 * denied or stopped, each with what to do and a way to try again.
 *
 * On a short screen (an 800×480 kiosk) the page tightens: the status
 * page's compact style, a shorter camera card and no icon above the
 * camera's state keep the camera's own buttons in view without scrolling.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gate-enrol-page.h"
#include "gate-enrolment.h"
#include "gate-error.h"

/* Below this height the page is compact. */
#define SHORT_SCREEN_HEIGHT 600
#define CAMERA_HEIGHT       240
#define CAMERA_HEIGHT_SHORT 160

struct _GateEnrolPage
{
  AdwBin          parent_instance;

  AdwStatusPage  *status_page;
  GtkStack       *camera_stack;
  GtkWidget      *no_camera_icon;
  GtkWidget      *denied_icon;
  GtkWidget      *error_icon;
  GtkPicture     *preview;
  GtkSpinner     *camera_spinner;
  GtkLabel       *camera_error_label;
  GtkLabel       *message_label;
  GtkSpinner     *spinner;

  GateCamera     *camera;
  GSettings      *settings;
  GateTokenStore *token_store;
  GCancellable   *cancellable;
  GateEnrolment  *enrolment;
  const char     *state;
  char           *message;
  gboolean        short_screen;
  guint           layout_tick_id;
};

G_DEFINE_FINAL_TYPE (GateEnrolPage, gate_enrol_page, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_CAMERA,
  PROP_SETTINGS,
  PROP_TOKEN_STORE,
  PROP_STATE,
  PROP_MESSAGE,
  PROP_CAMERA_SCREEN,
  N_PROPS
};

enum
{
  ENROLLED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
set_state (GateEnrolPage *self,
           const char    *state,
           const char    *message)
{
  gboolean busy = g_str_equal (state, "enrolling") || g_str_equal (state, "saving");

  if (g_strcmp0 (self->message, message) != 0)
    {
      g_free (self->message);
      self->message = g_strdup (message);
      gtk_label_set_label (self->message_label, message != NULL ? message : "");
      gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
    }

  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);

  if (g_strcmp0 (self->state, state) != 0)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
}

/* The sentence a gate worker reads, and what to do about it. */
static char *
sentence_for (const GError *error)
{
  if (error->domain == GATE_ENROLMENT_ERROR)
    switch (error->code)
      {
      case GATE_ENROLMENT_ERROR_INVALID_URI:
        return g_strdup (_("This is not a setup code. Show the setup code IT made for this device."));
      case GATE_ENROLMENT_ERROR_UNKNOWN_CODE:
        return g_strdup (_("The server does not know this setup code. Ask IT for a new one."));
      case GATE_ENROLMENT_ERROR_USED:
        return g_strdup (_("This setup code was used already. Ask IT for a new one."));
      case GATE_ENROLMENT_ERROR_EXPIRED:
        return g_strdup (_("This setup code has expired. Ask IT for a new one."));
      case GATE_ENROLMENT_ERROR_RATE_LIMITED:
        return g_strdup (_("Too many attempts from this device. Wait a minute, then show the code again."));
      default:
        break;
      }

  if (g_error_matches (error, GATE_ERROR, GATE_ERROR_NETWORK) || g_error_matches (error, GATE_ERROR, GATE_ERROR_TIMEOUT) ||
      g_error_matches (error, GATE_ERROR, GATE_ERROR_UNAVAILABLE))
    return g_strdup (_("The server in this setup code cannot be reached. Check the network, then show the code again."));

  return g_strdup_printf (_("This device could not be set up: %s"), error->message);
}

static void
fail (GateEnrolPage *self,
      const GError  *error)
{
  g_autofree char *sentence = sentence_for (error);

  set_state (self, "failed", sentence);
}

static void
on_token_saved (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GateEnrolPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettingsSchema) schema = NULL;
  GateEnrolment *enrolment = self->enrolment;

  if (!gate_token_store_save_finish (GATE_TOKEN_STORE (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_state (self, "failed", _("This device was set up, but its token could not be stored. Ask IT for a "
                                   "new setup code."));
      g_clear_pointer (&self->enrolment, gate_enrolment_free);
      return;
    }

  g_settings_delay (self->settings);
  g_settings_set_string (self->settings, "server-url", enrolment->server);
  g_settings_set_string (self->settings, "device-id", enrolment->device_id);
  if (enrolment->event_id != NULL)
    g_settings_set_string (self->settings, "event-id", enrolment->event_id);
  g_object_get (self->settings, "settings-schema", &schema, NULL);
  if (enrolment->list_id != NULL && g_settings_schema_has_key (schema, "list-id"))
    g_settings_set_string (self->settings, "list-id", enrolment->list_id);
  g_settings_apply (self->settings);

  if (self->camera != NULL)
    gate_camera_stop (self->camera);
  set_state (self, "done", _("This device is set up"));
  g_signal_emit (self, signals[ENROLLED], 0);
}

static void
on_enrolled (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GateEnrolPage) self = user_data;
  g_autoptr(GError) error = NULL;
  GateEnrolment *enrolment = gate_enrol_finish (result, &error);

  if (enrolment == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fail (self, error);
      return;
    }

  self->enrolment = enrolment;
  set_state (self, "saving", _("Setting up this device…"));
  gate_token_store_save_async (self->token_store, enrolment->server, enrolment->device_id, enrolment->token,
                               self->cancellable, on_token_saved, g_object_ref (self));
}

/**
 * gate_enrol_page_submit:
 * @text: a code as read (camera or wedge scanner)
 *
 * Enrolls with @text when it is a setup code and no enrolment is under
 * way or done; anything else is answered on screen.
 */
void
gate_enrol_page_submit (GateEnrolPage *self,
                        const char    *text)
{
  g_autofree char *server = NULL;
  g_autofree char *code = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (GATE_IS_ENROL_PAGE (self));

  if (g_str_equal (self->state, "enrolling") || g_str_equal (self->state, "saving") ||
      g_str_equal (self->state, "done"))
    return;

  if (!gate_setup_uri_parse (text, &server, &code, &error))
    {
      fail (self, error);
      return;
    }

  set_state (self, "enrolling", _("Connecting to the server…"));
  gate_enrol_async (server, NULL, code, self->cancellable, on_enrolled, g_object_ref (self));
}

static const char *
camera_screen_for (GateCamera *camera)
{
  switch (gate_camera_get_state (camera))
    {
    case GATE_CAMERA_STATE_RUNNING:
      return "preview";
    case GATE_CAMERA_STATE_STOPPED:
    case GATE_CAMERA_STATE_STARTING:
      return "starting";
    case GATE_CAMERA_STATE_NO_CAMERA:
      return "no-camera";
    case GATE_CAMERA_STATE_PERMISSION_DENIED:
      return "denied";
    case GATE_CAMERA_STATE_ERROR:
    default:
      return "error";
    }
}

static void
on_camera_state (GateEnrolPage *self)
{
  const char *screen = camera_screen_for (self->camera);
  const char *reason = gate_camera_get_error_message (self->camera);

  gtk_label_set_label (self->camera_error_label, reason != NULL ? reason : "");
  gtk_spinner_set_spinning (self->camera_spinner, g_str_equal (screen, "starting"));
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->camera_stack), screen) == 0)
    return;

  gtk_stack_set_visible_child_name (self->camera_stack, screen);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAMERA_SCREEN]);
}

static void
retry_camera (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  GateEnrolPage *self = GATE_ENROL_PAGE (widget);

  gate_camera_retry (self->camera);
}

/**
 * gate_enrol_page_get_camera_screen:
 *
 * Returns: what stands where the camera picture goes: "preview",
 *   "starting", "no-camera", "denied" or "error"
 */
const char *
gate_enrol_page_get_camera_screen (GateEnrolPage *self)
{
  g_return_val_if_fail (GATE_IS_ENROL_PAGE (self), NULL);

  return gtk_stack_get_visible_child_name (self->camera_stack);
}

static void
on_code_detected (GateEnrolPage *self,
                  const char    *code,
                  gint64         frame_time_us)
{
  gate_enrol_page_submit (self, code);
}

GtkWidget *
gate_enrol_page_new (GateCamera     *camera,
                     GSettings      *settings,
                     GateTokenStore *token_store)
{
  g_return_val_if_fail (GATE_IS_CAMERA (camera), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (GATE_IS_TOKEN_STORE (token_store), NULL);

  return g_object_new (GATE_TYPE_ENROL_PAGE, "camera", camera, "settings", settings, "token-store", token_store,
                       NULL);
}

const char *
gate_enrol_page_get_state (GateEnrolPage *self)
{
  g_return_val_if_fail (GATE_IS_ENROL_PAGE (self), NULL);

  return self->state;
}

const char *
gate_enrol_page_get_message (GateEnrolPage *self)
{
  g_return_val_if_fail (GATE_IS_ENROL_PAGE (self), NULL);

  return self->message;
}

/* The camera runs while the page is on screen, and only until enrolled. */
static void
gate_enrol_page_map (GtkWidget *widget)
{
  GateEnrolPage *self = GATE_ENROL_PAGE (widget);

  GTK_WIDGET_CLASS (gate_enrol_page_parent_class)->map (widget);

  if (!g_str_equal (self->state, "done"))
    gate_camera_start (self->camera);
}

static void
gate_enrol_page_unmap (GtkWidget *widget)
{
  GateEnrolPage *self = GATE_ENROL_PAGE (widget);

  gate_camera_stop (self->camera);

  GTK_WIDGET_CLASS (gate_enrol_page_parent_class)->unmap (widget);
}

static void
gate_enrol_page_constructed (GObject *object)
{
  GateEnrolPage *self = GATE_ENROL_PAGE (object);

  G_OBJECT_CLASS (gate_enrol_page_parent_class)->constructed (object);

  gtk_picture_set_paintable (self->preview, gate_camera_get_paintable (self->camera));
  g_signal_connect_object (self->camera, "code-detected", G_CALLBACK (on_code_detected), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->camera, "notify::state", G_CALLBACK (on_camera_state), self, G_CONNECT_SWAPPED);
  on_camera_state (self);
}

static void
gate_enrol_page_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  GateEnrolPage *self = GATE_ENROL_PAGE (object);

  switch (prop_id)
    {
    case PROP_CAMERA:
      g_value_set_object (value, self->camera);
      break;

    case PROP_CAMERA_SCREEN:
      g_value_set_string (value, gate_enrol_page_get_camera_screen (self));
      break;

    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    case PROP_TOKEN_STORE:
      g_value_set_object (value, self->token_store);
      break;

    case PROP_STATE:
      g_value_set_string (value, self->state);
      break;

    case PROP_MESSAGE:
      g_value_set_string (value, self->message);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_enrol_page_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  GateEnrolPage *self = GATE_ENROL_PAGE (object);

  switch (prop_id)
    {
    case PROP_CAMERA:
      self->camera = g_value_dup_object (value);
      break;

    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    case PROP_TOKEN_STORE:
      self->token_store = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
apply_screen_height (GtkWidget     *widget,
                     GdkFrameClock *frame_clock,
                     gpointer       user_data)
{
  GateEnrolPage *self = GATE_ENROL_PAGE (widget);

  self->layout_tick_id = 0;
  if (self->short_screen)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_page), "compact");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_page), "compact");
  gtk_widget_set_size_request (GTK_WIDGET (self->camera_stack), 320,
                               self->short_screen ? CAMERA_HEIGHT_SHORT : CAMERA_HEIGHT);
  /* The words and the button say it all; the picture is what goes. */
  gtk_widget_set_visible (self->no_camera_icon, !self->short_screen);
  gtk_widget_set_visible (self->denied_icon, !self->short_screen);
  gtk_widget_set_visible (self->error_icon, !self->short_screen);
  return G_SOURCE_REMOVE;
}

/* The page lays out its one child as AdwBin would, and notes whether the
 * screen is short. */
static void
measure_page (GtkWidget      *widget,
              GtkOrientation  orientation,
              int             for_size,
              int            *minimum,
              int            *natural,
              int            *minimum_baseline,
              int            *natural_baseline)
{
  GtkWidget *child = adw_bin_get_child (ADW_BIN (widget));

  *minimum = *natural = 0;
  if (child != NULL && gtk_widget_should_layout (child))
    gtk_widget_measure (child, orientation, for_size, minimum, natural, minimum_baseline, natural_baseline);
}

static void
allocate_page (GtkWidget *widget,
               int        width,
               int        height,
               int        baseline)
{
  GateEnrolPage *self = GATE_ENROL_PAGE (widget);
  GtkWidget *child = adw_bin_get_child (ADW_BIN (widget));
  gboolean short_screen = height < SHORT_SCREEN_HEIGHT;

  if (child != NULL && gtk_widget_should_layout (child))
    gtk_widget_allocate (child, width, height, baseline, NULL);

  /* Changed for the next frame, never in the middle of this allocation.
   * The page's height comes from the window, so the change cannot flip
   * it back. */
  if (short_screen != self->short_screen)
    {
      self->short_screen = short_screen;
      if (self->layout_tick_id == 0)
        self->layout_tick_id = gtk_widget_add_tick_callback (widget, apply_screen_height, NULL, NULL);
    }
}

static void
gate_enrol_page_dispose (GObject *object)
{
  GateEnrolPage *self = GATE_ENROL_PAGE (object);

  if (self->layout_tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->layout_tick_id);
      self->layout_tick_id = 0;
    }

  g_cancellable_cancel (self->cancellable);
  if (self->camera != NULL)
    gate_camera_stop (self->camera);
  g_clear_object (&self->camera);
  g_clear_object (&self->settings);
  g_clear_object (&self->token_store);

  gtk_widget_dispose_template (GTK_WIDGET (self), GATE_TYPE_ENROL_PAGE);

  G_OBJECT_CLASS (gate_enrol_page_parent_class)->dispose (object);
}

static void
gate_enrol_page_finalize (GObject *object)
{
  GateEnrolPage *self = GATE_ENROL_PAGE (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->enrolment, gate_enrolment_free);
  g_free (self->message);

  G_OBJECT_CLASS (gate_enrol_page_parent_class)->finalize (object);
}

static void
gate_enrol_page_class_init (GateEnrolPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = gate_enrol_page_constructed;
  object_class->get_property = gate_enrol_page_get_property;
  object_class->set_property = gate_enrol_page_set_property;
  object_class->dispose = gate_enrol_page_dispose;
  object_class->finalize = gate_enrol_page_finalize;
  widget_class->map = gate_enrol_page_map;
  widget_class->unmap = gate_enrol_page_unmap;

  properties[PROP_CAMERA] =
    g_param_spec_object ("camera", NULL, NULL, GATE_TYPE_CAMERA,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TOKEN_STORE] =
    g_param_spec_object ("token-store", NULL, NULL, GATE_TYPE_TOKEN_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * GateEnrolPage:state:
   *
   * "waiting", "enrolling", "saving", "done" or "failed" (the camera keeps
   * looking for another code).
   */
  properties[PROP_STATE] =
    g_param_spec_string ("state", NULL, NULL, "waiting",
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MESSAGE] =
    g_param_spec_string ("message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAMERA_SCREEN] =
    g_param_spec_string ("camera-screen", NULL, NULL, "starting",
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GateEnrolPage::enrolled:
   *
   * The token is stored and the settings written: the application may
   * open the session.
   */
  signals[ENROLLED] = g_signal_new ("enrolled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                    G_TYPE_NONE, 0);

  gtk_widget_class_install_action (widget_class, "enrol.retry-camera", NULL, retry_camera);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/gatescanner/GateScanner/gate-enrol-page.ui");
  gtk_widget_class_bind_template_child (widget_class, GateEnrolPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, GateEnrolPage, camera_stack);
  gtk_widget_class_bind_template_child (widget_class, GateEnrolPage, no_camera_icon);
  gtk_widget_class_bind_template_child (widget_class, GateEnrolPage, denied_icon);
  gtk_widget_class_bind_template_child (widget_class, GateEnrolPage, error_icon);
  gtk_widget_class_bind_template_child (widget_class, GateEnrolPage, preview);
  gtk_widget_class_bind_template_child (widget_class, GateEnrolPage, camera_spinner);
  gtk_widget_class_bind_template_child (widget_class, GateEnrolPage, camera_error_label);
  gtk_widget_class_bind_template_child (widget_class, GateEnrolPage, message_label);
  gtk_widget_class_bind_template_child (widget_class, GateEnrolPage, spinner);
}

static void
gate_enrol_page_init (GateEnrolPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_set_layout_manager (GTK_WIDGET (self), gtk_custom_layout_new (NULL, measure_page, allocate_page));

  self->cancellable = g_cancellable_new ();
  self->state = "waiting";
}
