/* gate-demo.c — `gate-scanner --demo`: a simulated camera showing every verdict
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The camera is a real GStreamer pipeline — videotestsrc with qroverlay —
 * whose QR code the demo changes every few seconds, so the real decoder,
 * engine and cache decide. The codes cycle through every verdict a gate
 * sees: a valid ticket, an unknown code, the first ticket again, a payload
 * that is no ticket code, and a ticket of another event.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "gate-config.h"
#include "gate-demo.h"
#include "gate-demo-link.h"
#include "gate-error.h"
#include "gate-secret.h"

#define QR_ELEMENT "gate-demo-qr"
#define DEMO_TICKETS 500
#define UNKNOWN_CODE "GS1-NOSUCHTICKETATTHISVENUE00"
/* A newline is not printable: the engine calls it invalid_code. */
#define MALFORMED_CODE "WIFI:S:VenueGuest;\nT:WPA;;"

typedef enum
{
  STEP_VALID,
  STEP_UNKNOWN,
  STEP_REPEATED,
  STEP_MALFORMED,
  STEP_OTHER_EVENT,
  N_STEPS
} Step;

struct _GateDemo
{
  GObject       parent_instance;

  char         *upstream_url;
  char         *token;
  char         *device_id;
  char         *event_id;
  char         *tickets_file;

  char         *server_url;
  char         *cache_path;
  char         *work_dir;
  GPtrArray    *codes;          /* the event's ticket codes */
  GPtrArray    *other_codes;    /* codes of another event (nullable) */
  GateDemoLink *link;
  GateApiClient *peer;          /* the second demo gate (nullable) */

  GateCamera   *camera;
  GateSession  *session;
  guint         next_ticket;
  Step          step;
  char         *peer_code;
  guint         tick_id;
  guint         code_ms;
  gboolean      offline;
};

G_DEFINE_FINAL_TYPE (GateDemo, gate_demo, G_TYPE_OBJECT)

static GPtrArray *
read_codes (const char  *path,
            GError     **error)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) codes = g_ptr_array_new_with_free_func (g_free);

  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strstrip (lines[i]);
      if (*lines[i] != '\0')
        g_ptr_array_add (codes, g_strdup (lines[i]));
    }

  if (codes->len < 2)
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_CONFIG, _("%s lists no demo tickets"), path);
      return NULL;
    }

  return g_steal_pointer (&codes);
}

static GateTicket *
demo_ticket (const char *event_id,
             const char *code,
             const char *name,
             const char *type)
{
  GateTicket *ticket = gate_ticket_new ();

  ticket->id = g_uuid_string_random ();
  ticket->event_id = g_strdup (event_id);
  ticket->qr_token = g_strdup (code);
  ticket->guest_name = g_strdup (name);
  ticket->ticket_type = g_strdup (type);
  ticket->status = GATE_TICKET_STATUS_VALID;
  ticket->updated_at_us = g_get_real_time ();

  return ticket;
}

static const char *first_names[] = { "Ada", "Bruno", "Chiara", "Dmitri", "Elif", "Farah", "Gustav", "Hana",
                                     "Ines", "Jonas", "Keiko", "Luca", "Marta", "Nils", "Olu", "Priya" };
static const char *last_names[] = { "Alvarez", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia",
                                    "Horvat", "Ito", "Jensen", "Kowalski", "Laine", "Moreau", "Novak" };

/* No server: a private cache with a demo event, filled the way a refresh
 * fills it, in a worker thread. */
static void
seed_cache_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  GateDemo *self = source_object;
  g_autoptr(GateTicketCache) cache = NULL;
  g_autoptr(GateTicketPage) page = gate_ticket_page_new ();
  g_autoptr(GateTicketPage) other_page = gate_ticket_page_new ();
  g_autoptr(GateEventSummary) summary = gate_event_summary_new ();
  g_autofree char *other_event = g_uuid_string_random ();
  GError *error = NULL;

  cache = gate_ticket_cache_new (self->cache_path, &error);
  if (cache == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  for (guint i = 0; i < DEMO_TICKETS; i++)
    {
      g_autofree char *code = g_strdup_printf ("GS1-DEMO%06u", i + 1);
      g_autofree char *name = g_strdup_printf ("%s %s", first_names[i % G_N_ELEMENTS (first_names)],
                                               last_names[(i / G_N_ELEMENTS (first_names)) % G_N_ELEMENTS (last_names)]);

      g_ptr_array_add (page->tickets, demo_ticket (self->event_id, code, name, i % 10 == 0 ? "VIP" : "General"));
      g_ptr_array_add (self->codes, g_steal_pointer (&code));
    }
  page->server_time_us = g_get_real_time ();
  page->next_cursor = g_strdup ("demo");

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *code = g_strdup_printf ("GS1-MATINEE%04u", i + 1);

      g_ptr_array_add (other_page->tickets, demo_ticket (other_event, code, "Yesterday's Matinee", "General"));
      g_ptr_array_add (self->other_codes, g_steal_pointer (&code));
    }
  other_page->server_time_us = page->server_time_us;
  other_page->next_cursor = g_strdup ("demo");

  summary->event_id = g_strdup (self->event_id);
  summary->name = g_strdup (_("Demo Night"));
  summary->starts_at_us = g_get_real_time ();
  summary->ticket_count = DEMO_TICKETS;
  summary->server_time_us = page->server_time_us;

  if (!gate_ticket_cache_apply_page (cache, self->event_id, page, &error) ||
      !gate_ticket_cache_apply_page (cache, other_event, other_page, &error) ||
      !gate_ticket_cache_set_event (cache, summary, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

/* The local link to the server: a bound socket, nothing that blocks. */
static gboolean
open_link (GateDemo  *self,
           GError   **error)
{
  g_autoptr(GUri) uri = g_uri_parse (self->upstream_url, G_URI_FLAGS_NONE, error);

  if (uri == NULL)
    return FALSE;
  if (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0)
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_CONFIG,
                   _("The demo runs against a local http:// server, not %s"), self->upstream_url);
      return FALSE;
    }

  self->link = gate_demo_link_new (g_uri_get_host (uri), g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : 80,
                                   error);
  if (self->link == NULL)
    return FALSE;
  self->server_url = g_strdup_printf ("http://127.0.0.1:%u", gate_demo_link_get_port (self->link));

  return TRUE;
}

/* What tools/demo wrote for the demo: the event's codes, another event's,
 * and the second gate's token. */
typedef struct
{
  GPtrArray *codes;
  GPtrArray *other_codes;   /* (nullable) */
  char      *peer_token;    /* (nullable) */
} DemoFiles;

static void
demo_files_free (DemoFiles *files)
{
  g_clear_pointer (&files->codes, g_ptr_array_unref);
  g_clear_pointer (&files->other_codes, g_ptr_array_unref);
  gate_secret_free (files->peer_token);
  g_free (files);
}

typedef struct
{
  char *tickets_file;
  char *other_tickets_file;   /* (nullable) */
  char *peer_token_file;      /* (nullable) */
} DemoFileNames;

static void
demo_file_names_free (DemoFileNames *names)
{
  g_free (names->tickets_file);
  g_free (names->other_tickets_file);
  g_free (names->peer_token_file);
  g_free (names);
}

static void
read_files_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  DemoFileNames *names = task_data;
  DemoFiles *files = g_new0 (DemoFiles, 1);
  GError *error = NULL;

  files->codes = read_codes (names->tickets_file, &error);
  if (files->codes == NULL)
    {
      demo_files_free (files);
      g_task_return_error (task, error);
      return;
    }

  /* Optional extras: without them the demo skips that step. */
  if (names->other_tickets_file != NULL)
    files->other_codes = read_codes (names->other_tickets_file, NULL);
  if (names->peer_token_file != NULL && g_file_get_contents (names->peer_token_file, &files->peer_token, NULL, NULL))
    g_strstrip (files->peer_token);

  g_task_return_pointer (task, files, (GDestroyNotify) demo_files_free);
}

static void
on_files_read (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GateDemo *self = GATE_DEMO (source);
  DemoFiles *files;
  GError *error = NULL;
  const char *peer_device = gate_config_get_environment (GATE_CONFIG_KEY_DEMO_PEER_DEVICE_ID);

  files = g_task_propagate_pointer (G_TASK (result), &error);
  if (files == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  g_ptr_array_unref (self->codes);
  self->codes = g_steal_pointer (&files->codes);
  if (files->other_codes != NULL)
    g_ptr_array_extend_and_steal (self->other_codes, g_steal_pointer (&files->other_codes));
  if (files->peer_token != NULL && peer_device != NULL)
    self->peer = gate_api_client_new (self->upstream_url, files->peer_token, peer_device);

  demo_files_free (files);
  g_task_return_boolean (task, TRUE);
}

void
gate_demo_prepare_async (GateDemo            *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (GATE_IS_DEMO (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_demo_prepare_async);

  if (self->upstream_url != NULL && self->token != NULL && self->tickets_file != NULL &&
      self->device_id != NULL && self->event_id != NULL && self->cache_path != NULL)
    {
      g_autoptr(GTask) reading = NULL;
      DemoFileNames *names;

      if (!open_link (self, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }

      names = g_new0 (DemoFileNames, 1);
      names->tickets_file = g_strdup (self->tickets_file);
      names->other_tickets_file = g_strdup (gate_config_get_environment (GATE_CONFIG_KEY_DEMO_OTHER_TICKETS));
      names->peer_token_file = g_strdup (gate_config_get_environment (GATE_CONFIG_KEY_DEMO_PEER_TOKEN_FILE));
      reading = g_task_new (self, cancellable, on_files_read, g_steal_pointer (&task));
      g_task_set_task_data (reading, names, (GDestroyNotify) demo_file_names_free);
      g_task_run_in_thread (reading, read_files_thread);
      return;
    }

  /* No server: fresh identities and a private cache for this run. */
  g_clear_pointer (&self->event_id, g_free);
  g_clear_pointer (&self->device_id, g_free);
  g_clear_pointer (&self->token, g_free);
  self->event_id = g_uuid_string_random ();
  self->device_id = g_uuid_string_random ();
  self->work_dir = g_dir_make_tmp ("gate-scanner-demo-XXXXXX", &error);
  if (self->work_dir == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_free (self->cache_path);
  self->cache_path = g_build_filename (self->work_dir, "demo.cache", NULL);
  g_task_run_in_thread (task, seed_cache_thread);
}

gboolean
gate_demo_prepare_finish (GateDemo      *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
show_code (GateDemo   *self,
           const char *code)
{
  g_autoptr(GstElement) overlay = NULL;

  if (self->camera == NULL)
    return;

  /* Looked up each time: a retried camera has a new pipeline. */
  overlay = gate_camera_dup_source_element (self->camera, QR_ELEMENT);
  if (overlay != NULL)
    g_object_set (overlay, "data", code, NULL);
}

static const char *
ticket_code (GateDemo *self,
             guint     index)
{
  return g_ptr_array_index (self->codes, index % self->codes->len);
}

static gboolean
on_tick (gpointer user_data)
{
  GateDemo *self = user_data;

  self->step = (self->step + 1) % N_STEPS;
  if (self->step == STEP_OTHER_EVENT && self->other_codes->len == 0)
    self->step = STEP_VALID;

  switch (self->step)
    {
    case STEP_VALID:
      self->next_ticket++;
      show_code (self, ticket_code (self, self->next_ticket));
      break;

    case STEP_UNKNOWN:
      show_code (self, UNKNOWN_CODE);
      break;

    case STEP_REPEATED:
      show_code (self, ticket_code (self, self->next_ticket));
      break;

    case STEP_MALFORMED:
      show_code (self, MALFORMED_CODE);
      break;

    case STEP_OTHER_EVENT:
    case N_STEPS:
    default:
      show_code (self, g_ptr_array_index (self->other_codes, self->next_ticket % self->other_codes->len));
      break;
    }

  return G_SOURCE_CONTINUE;
}

char *
gate_demo_dup_camera_source (GateDemo *self)
{
  g_return_val_if_fail (GATE_IS_DEMO (self), NULL);

  return g_strdup_printf ("videotestsrc is-live=true pattern=smpte75 "
                          "! video/x-raw,width=1280,height=720,framerate=30/1 "
                          "! qroverlay name=" QR_ELEMENT " case-sensitive=true pixel-size=6 x=50 y=50 data=%s",
                          ticket_code (self, self->next_ticket));
}

void
gate_demo_attach (GateDemo    *self,
                  GateSession *session,
                  GateCamera  *camera)
{
  g_return_if_fail (GATE_IS_DEMO (self));
  g_return_if_fail (GATE_IS_CAMERA (camera));

  g_set_object (&self->session, session);
  g_set_object (&self->camera, camera);
  self->step = STEP_VALID;
  show_code (self, ticket_code (self, self->next_ticket));

  g_clear_handle_id (&self->tick_id, g_source_remove);
  self->tick_id = g_timeout_add (self->code_ms, on_tick, self);
}

static void
on_peer_scanned (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GateScanDecision) answer = NULL;
  g_autoptr(GError) error = NULL;

  answer = gate_api_client_scan_ticket_finish (GATE_API_CLIENT (source), result, &error);
  if (answer == NULL)
    g_message ("The second demo gate could not scan: %s", error->message);
}

void
gate_demo_set_offline (GateDemo *self,
                       gboolean  offline)
{
  g_return_if_fail (GATE_IS_DEMO (self));

  offline = !!offline;
  if (self->offline == offline || self->link == NULL)
    return;

  self->offline = offline;
  gate_demo_link_set_cut (self->link, offline);

  /* The next valid ticket is admitted at the other gate while this one is
   * cut off: the kiosk will admit it too, and the upload finds the conflict. */
  if (offline && self->peer != NULL)
    {
      g_autofree char *client_scan_id = g_uuid_string_random ();

      g_free (self->peer_code);
      self->peer_code = g_strdup (ticket_code (self, self->next_ticket + 1));
      gate_api_client_scan_ticket_async (self->peer, self->peer_code, self->event_id,
                                         client_scan_id, "qr", 5000, NULL, on_peer_scanned, NULL);
    }

  if (!offline && self->session != NULL && gate_session_get_sync_service (self->session) != NULL)
    gate_sync_service_sync_async (gate_session_get_sync_service (self->session), FALSE, NULL, NULL, NULL);
}

gboolean
gate_demo_get_can_cut (GateDemo *self)
{
  g_return_val_if_fail (GATE_IS_DEMO (self), FALSE);

  return self->link != NULL;
}

const char *
gate_demo_get_peer_code (GateDemo *self)
{
  g_return_val_if_fail (GATE_IS_DEMO (self), NULL);

  return self->peer_code;
}

const char *
gate_demo_get_server_url (GateDemo *self)
{
  return self->server_url;
}

const char *
gate_demo_get_token (GateDemo *self)
{
  return self->token;
}

const char *
gate_demo_get_device_id (GateDemo *self)
{
  return self->device_id;
}

const char *
gate_demo_get_event_id (GateDemo *self)
{
  return self->event_id;
}

const char *
gate_demo_get_cache_path (GateDemo *self)
{
  return self->cache_path;
}

static void
remove_work_dir (const char *dir)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_remove (path);
    }
  g_rmdir (dir);
}

static void
gate_demo_dispose (GObject *object)
{
  GateDemo *self = GATE_DEMO (object);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->link != NULL)
    gate_demo_link_set_cut (self->link, TRUE);
  g_clear_object (&self->link);
  g_clear_object (&self->peer);
  g_clear_object (&self->camera);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (gate_demo_parent_class)->dispose (object);
}

static void
gate_demo_finalize (GObject *object)
{
  GateDemo *self = GATE_DEMO (object);

  if (self->work_dir != NULL)
    remove_work_dir (self->work_dir);

  gate_secret_free (self->token);
  g_free (self->upstream_url);
  g_free (self->device_id);
  g_free (self->event_id);
  g_free (self->tickets_file);
  g_free (self->server_url);
  g_free (self->cache_path);
  g_free (self->work_dir);
  g_free (self->peer_code);
  g_ptr_array_unref (self->codes);
  g_ptr_array_unref (self->other_codes);

  G_OBJECT_CLASS (gate_demo_parent_class)->finalize (object);
}

static void
gate_demo_class_init (GateDemoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gate_demo_dispose;
  object_class->finalize = gate_demo_finalize;
}

static void
gate_demo_init (GateDemo *self)
{
  self->codes = g_ptr_array_new_with_free_func (g_free);
  self->other_codes = g_ptr_array_new_with_free_func (g_free);
  self->code_ms = GATE_DEMO_CODE_MS;
}

void
gate_demo_set_code_ms (GateDemo *self,
                       guint     code_ms)
{
  g_return_if_fail (GATE_IS_DEMO (self));
  g_return_if_fail (code_ms > 0);

  self->code_ms = code_ms;
}

static char *
dup_nonempty (const char *value)
{
  return value != NULL && *value != '\0' ? g_strdup (value) : NULL;
}

GateDemo *
gate_demo_new (const char *server_url,
               const char *token,
               const char *device_id,
               const char *event_id,
               const char *cache_path,
               const char *tickets_file)
{
  GateDemo *self = g_object_new (GATE_TYPE_DEMO, NULL);

  self->upstream_url = dup_nonempty (server_url);
  self->token = dup_nonempty (token);
  self->device_id = dup_nonempty (device_id);
  self->event_id = dup_nonempty (event_id);
  self->tickets_file = dup_nonempty (tickets_file);
  self->cache_path = dup_nonempty (cache_path);

  return self;
}
