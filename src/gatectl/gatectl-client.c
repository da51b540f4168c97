/* gatectl-client.c — the headless client: the core, exactly as a kiosk runs it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "gate-error.h"
#include "gate-scan-engine.h"
#include "gate-sync-service.h"
#include "gatectl-private.h"

typedef struct
{
  char     *server;
  char     *token;
  char     *token_file;
  char     *apikey;
  char     *device_id;
  char     *event_id;
  char     *cache_path;
  gboolean  json;
  gboolean  offline;
  gboolean  full;
} Config;

static void
config_clear (Config *config)
{
  g_free (config->server);
  if (config->token != NULL)
    memset (config->token, 0, strlen (config->token));
  g_free (config->token);
  g_free (config->token_file);
  g_free (config->apikey);
  g_free (config->device_id);
  g_free (config->event_id);
  g_free (config->cache_path);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Config, config_clear)

static void
from_env (char       **value,
          const char  *name)
{
  const char *env = g_getenv (name);

  if (*value == NULL && env != NULL && *env != '\0')
    *value = g_strdup (env);
}

/* Flags win over the environment; the token may come from a 0600 file so
 * that it shows neither in `ps` nor in the environment of other processes. */
static gboolean
config_resolve (Config  *config,
                GError **error)
{
  from_env (&config->server, "GATE_SERVER");
  from_env (&config->token, "GATE_TOKEN");
  from_env (&config->token_file, "GATE_TOKEN_FILE");
  from_env (&config->apikey, "GATE_APIKEY");
  from_env (&config->device_id, "GATE_DEVICE_ID");
  from_env (&config->event_id, "GATE_EVENT");
  from_env (&config->cache_path, "GATE_CACHE");

  if (config->token == NULL && config->token_file != NULL)
    {
      g_autofree char *contents = NULL;

      if (!g_file_get_contents (config->token_file, &contents, NULL, error))
        return FALSE;
      config->token = g_strdup (g_strstrip (contents));
    }

  if (config->device_id == NULL || config->event_id == NULL || config->cache_path == NULL)
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_CONFIG,
                   "missing configuration: need --device-id, --event and --cache "
                   "(or GATE_DEVICE_ID, GATE_EVENT, GATE_CACHE)");
      return FALSE;
    }

  if (!g_uuid_string_is_valid (config->event_id))
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_CONFIG, "the event id “%s” is not a UUID", config->event_id);
      return FALSE;
    }

  return TRUE;
}

static gboolean
config_has_server (Config *config)
{
  return config->server != NULL && config->token != NULL;
}

static GateApiClient *
config_client (Config *config)
{
  if (!config_has_server (config))
    return NULL;

  return g_object_new (GATE_TYPE_API_CLIENT, "base-url", config->server, "token", config->token, "apikey",
                       config->apikey, "device-id", config->device_id, NULL);
}

static char *
format_time (gint64 time_us)
{
  g_autoptr(GDateTime) time = NULL;

  if (time_us == 0)
    return NULL;
  time = g_date_time_new_from_unix_utc (time_us / G_USEC_PER_SEC);
  return g_date_time_format_iso8601 (time);
}

static void
print_object (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = json_to_string (root, FALSE);

  printf ("%s\n", text);
  fflush (stdout);
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_time (JsonBuilder *builder,
          const char  *name,
          gint64       time_us)
{
  g_autofree char *text = format_time (time_us);

  add_string (builder, name, text);
}

/* --- running one async operation ------------------------------------------- */

typedef struct
{
  GMainLoop    *loop;
  GAsyncResult *result;
} Wait;

static void
on_ready (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
  g_main_loop_quit (wait->loop);
}

static GAsyncResult *
wait_for (Wait *wait)
{
  g_main_loop_run (wait->loop);
  return wait->result;
}

static int
exit_for_error (const GError *error)
{
  if (g_error_matches (error, GATE_ERROR, GATE_ERROR_CONFIG))
    return GATECTL_EXIT_USAGE;
  if (gate_error_is_connectivity (error))
    return GATECTL_EXIT_UNREACHABLE;
  return GATECTL_EXIT_FAILED;
}

/* --- verbs ------------------------------------------------------------------- */

static int
run_scan (Config           *config,
          GateTicketCache  *cache,
          const char       *code)
{
  g_autoptr(GateApiClient) client = config_client (config);
  g_autoptr(GateScanEngine) engine = NULL;
  g_autoptr(GateScanDecision) decision = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = NULL;
  Wait wait = { loop, NULL };

  engine = gate_scan_engine_new (cache, client, NULL, config->event_id, config->device_id);
  gate_scan_engine_scan_async (engine, code, "qr", config->offline, NULL, on_ready, &wait);
  decision = gate_scan_engine_scan_finish (engine, wait_for (&wait), &error);
  g_object_unref (wait.result);

  if (decision == NULL)
    {
      fprintf (stderr, "gatectl: the scan could not be decided: %s\n", error->message);
      return exit_for_error (error);
    }

  if (config->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      add_string (builder, "verdict", gate_verdict_to_string (decision->verdict));
      add_string (builder, "mode", gate_scan_mode_to_string (decision->mode));
      add_string (builder, "ticket_id", decision->ticket_id);
      add_string (builder, "client_scan_id", decision->client_scan_id);
      add_string (builder, "guest_name", decision->guest_name);
      add_string (builder, "ticket_type", decision->ticket_type);
      add_time (builder, "scanned_at", decision->scanned_at_us);
      add_string (builder, "scanned_device", decision->scanned_device);
      json_builder_set_member_name (builder, "latency_ms");
      json_builder_add_double_value (builder, decision->latency_us / 1000.0);
      json_builder_end_object (builder);
      print_object (builder);
    }
  else
    printf ("%s (%s)%s%s\n", gate_verdict_to_string (decision->verdict), gate_scan_mode_to_string (decision->mode),
            decision->guest_name ? " — " : "", decision->guest_name ? decision->guest_name : "");

  return GATECTL_EXIT_OK;
}

static int
run_sync (Config          *config,
          GateTicketCache *cache,
          gboolean         upload)
{
  g_autoptr(GateApiClient) client = config_client (config);
  g_autoptr(GateSyncService) sync = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GateCacheStatus) status = NULL;
  Wait wait = { loop, NULL };
  gboolean ok;

  if (client == NULL)
    {
      fprintf (stderr, "gatectl: no server configured (--server/--token or GATE_SERVER/GATE_TOKEN)\n");
      return GATECTL_EXIT_USAGE;
    }

  sync = gate_sync_service_new (cache, client, NULL, config->event_id);
  if (upload)
    gate_sync_service_sync_async (sync, config->full, NULL, on_ready, &wait);
  else
    gate_sync_service_refresh_async (sync, config->full, NULL, on_ready, &wait);
  ok = gate_sync_service_sync_finish (sync, wait_for (&wait), &error);
  g_object_unref (wait.result);

  status = gate_ticket_cache_get_status (cache, config->event_id, NULL);
  if (config->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "ok");
      json_builder_add_boolean_value (builder, ok);
      add_string (builder, "error", ok ? NULL : error->message);
      json_builder_set_member_name (builder, "tickets_cached");
      json_builder_add_int_value (builder, status ? status->tickets_cached : 0);
      json_builder_set_member_name (builder, "pending_uploads");
      json_builder_add_int_value (builder, status ? status->pending_uploads : 0);
      json_builder_end_object (builder);
      print_object (builder);
    }
  else if (ok)
    printf ("%s: %" G_GINT64_FORMAT " tickets cached, %" G_GINT64_FORMAT " scans waiting for upload\n",
            upload ? "synced" : "refreshed", status ? status->tickets_cached : 0, status ? status->pending_uploads : 0);

  if (!ok)
    {
      fprintf (stderr, "gatectl: %s failed: %s\n", upload ? "sync" : "refresh", error->message);
      return exit_for_error (error);
    }
  return GATECTL_EXIT_OK;
}

static int
run_status (Config          *config,
            GateTicketCache *cache)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateCacheStatus) status = gate_ticket_cache_get_status (cache, config->event_id, &error);

  if (status == NULL)
    {
      fprintf (stderr, "gatectl: %s\n", error->message);
      return GATECTL_EXIT_FAILED;
    }

  if (config->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      add_string (builder, "event_id", status->event_id);
      add_string (builder, "event_name", status->event_name);
      json_builder_set_member_name (builder, "tickets_cached");
      json_builder_add_int_value (builder, status->tickets_cached);
      json_builder_set_member_name (builder, "checked_in");
      json_builder_add_int_value (builder, status->checked_in);
      json_builder_set_member_name (builder, "pending_uploads");
      json_builder_add_int_value (builder, status->pending_uploads);
      add_time (builder, "last_refresh_at", status->last_refresh_at_us);
      add_time (builder, "last_upload_at", status->last_upload_at_us);
      json_builder_set_member_name (builder, "clock_offset_ms");
      json_builder_add_int_value (builder, status->clock_offset_ms);
      json_builder_end_object (builder);
      print_object (builder);
    }
  else
    printf ("%s: %" G_GINT64_FORMAT " tickets cached, %" G_GINT64_FORMAT " checked in, %" G_GINT64_FORMAT
            " scans waiting for upload\n",
            status->event_name ? status->event_name : status->event_id, status->tickets_cached, status->checked_in,
            status->pending_uploads);
  return GATECTL_EXIT_OK;
}

static int
run_conflicts (Config          *config,
               GateTicketCache *cache)
{
  g_autoptr(GateApiClient) client = config_client (config);
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(GError) error = NULL;

  /* Fresh from the server when it can be reached; the cache's otherwise. */
  if (client != NULL)
    {
      g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
      g_autoptr(GPtrArray) remote = NULL;
      g_autoptr(GError) remote_error = NULL;
      Wait wait = { loop, NULL };

      gate_api_client_conflicts_async (client, config->event_id, FALSE, NULL, on_ready, &wait);
      remote = gate_api_client_conflicts_finish (client, wait_for (&wait), &remote_error);
      g_object_unref (wait.result);
      if (remote != NULL)
        gate_ticket_cache_store_conflicts (cache, remote, NULL);
      else
        fprintf (stderr, "gatectl: showing cached conflicts: %s\n", remote_error->message);
    }

  conflicts = gate_ticket_cache_list_conflicts (cache, config->event_id, TRUE, &error);
  if (conflicts == NULL)
    {
      fprintf (stderr, "gatectl: %s\n", error->message);
      return GATECTL_EXIT_FAILED;
    }

  for (guint i = 0; i < conflicts->len; i++)
    {
      GateConflict *conflict = conflicts->pdata[i];
      gboolean won = g_strcmp0 (conflict->winner_device, config->device_id) == 0;

      if (config->json)
        {
          g_autoptr(JsonBuilder) builder = json_builder_new ();

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "id");
          json_builder_add_int_value (builder, conflict->id);
          add_string (builder, "result", won ? "won" : "lost");
          add_string (builder, "ticket_id", conflict->ticket_id);
          add_string (builder, "guest_name", conflict->guest_name);
          add_string (builder, "winner_device", conflict->winner_device);
          add_time (builder, "winner_time", conflict->winner_time_us);
          add_string (builder, "loser_device", conflict->loser_device);
          add_time (builder, "loser_time", conflict->loser_time_us);
          add_time (builder, "reviewed_at", conflict->reviewed_at_us);
          json_builder_end_object (builder);
          print_object (builder);
        }
      else
        printf ("%s %s: %s won over %s\n", won ? "won " : "lost", conflict->guest_name ? conflict->guest_name : "?",
                conflict->winner_device ? conflict->winner_device : "?",
                conflict->loser_device ? conflict->loser_device : "?");
    }

  return GATECTL_EXIT_OK;
}

/* --- dispatch ----------------------------------------------------------------- */

static const char *client_verbs[] = { "refresh", "scan", "sync", "status", "conflicts" };

gboolean
gatectl_client_handles (const char *verb)
{
  for (guint i = 0; i < G_N_ELEMENTS (client_verbs); i++)
    if (strcmp (client_verbs[i], verb) == 0)
      return TRUE;
  return FALSE;
}

int
gatectl_client_run (int    argc,
                    char **argv)
{
  g_auto(Config) config = { 0 };
  const GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, &config.server, "Server URL (GATE_SERVER)", "URL" },
    { "token", 0, 0, G_OPTION_ARG_STRING, &config.token, "Device token (GATE_TOKEN)", "TOKEN" },
    { "token-file", 0, 0, G_OPTION_ARG_FILENAME, &config.token_file, "Read the token from FILE (GATE_TOKEN_FILE)",
      "FILE" },
    { "apikey", 0, 0, G_OPTION_ARG_STRING, &config.apikey, "Supabase anon key (GATE_APIKEY)", "KEY" },
    { "device-id", 0, 0, G_OPTION_ARG_STRING, &config.device_id, "This device's id (GATE_DEVICE_ID)", "ID" },
    { "event", 0, 0, G_OPTION_ARG_STRING, &config.event_id, "Event id (GATE_EVENT)", "ID" },
    { "cache", 0, 0, G_OPTION_ARG_FILENAME, &config.cache_path, "Offline cache file (GATE_CACHE)", "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &config.json, "One JSON object per line", NULL },
    { "offline", 0, 0, G_OPTION_ARG_NONE, &config.offline, "scan: decide from the cache only", NULL },
    { "full", 0, 0, G_OPTION_ARG_NONE, &config.full, "refresh/sync: download everything again", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— run the offline engine like a kiosk");
  g_autoptr(GError) error = NULL;
  g_autoptr(GateTicketCache) cache = NULL;
  const char *verb = argv[0];

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "gatectl: %s\n", error->message);
      return GATECTL_EXIT_USAGE;
    }

  if ((strcmp (verb, "scan") == 0) != (argc == 2) || argc > 2)
    {
      fprintf (stderr, "Usage: gatectl scan CODE [--offline] | refresh [--full] | sync | status | conflicts\n"
                       "       [--server URL --token T | --token-file F] --device-id D --event ID --cache FILE [--json]\n");
      return GATECTL_EXIT_USAGE;
    }

  if (!config_resolve (&config, &error))
    {
      fprintf (stderr, "gatectl: %s\n", error->message);
      return GATECTL_EXIT_USAGE;
    }

  cache = gate_ticket_cache_new (config.cache_path, &error);
  if (cache == NULL)
    {
      fprintf (stderr, "gatectl: %s\n", error->message);
      return GATECTL_EXIT_FAILED;
    }

  if (strcmp (verb, "scan") == 0)
    return run_scan (&config, cache, argv[1]);
  if (strcmp (verb, "refresh") == 0)
    return run_sync (&config, cache, FALSE);
  if (strcmp (verb, "sync") == 0)
    return run_sync (&config, cache, TRUE);
  if (strcmp (verb, "status") == 0)
    return run_status (&config, cache);
  return run_conflicts (&config, cache);
}
