/* gatectl-client.c — the headless client: the core, exactly as a kiosk runs it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "gate-config.h"
#include "gate-error.h"
#include "gate-secret.h"
#include "gate-session.h"
#include "gatectl-private.h"

typedef struct
{
  gboolean    json;
  gboolean    offline;
  gboolean    full;
  char       *direction;
  gboolean    all_events;
} Options;

/* --- running one async operation ------------------------------------------- */

static void
on_ready (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Iterates the default main context until *@result is set by on_ready(). */
static GAsyncResult *
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
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

/* --- configuration ------------------------------------------------------------ */

/* Flags win over the environment (GateConfig); the token may come from a
 * 0600 file so that it shows neither in `ps` nor in the environment of
 * other processes. */
static gboolean
check_config (GateConfig  *config,
              GError     **error)
{
  const char *event_id = gate_config_get (config, GATE_CONFIG_KEY_EVENT);

  if (gate_config_get (config, GATE_CONFIG_KEY_DEVICE_ID) == NULL || event_id == NULL)
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_CONFIG,
                   "missing configuration: need --device-id and --event (or GATE_DEVICE_ID, GATE_EVENT)");
      return FALSE;
    }

  if (!g_uuid_string_is_valid (event_id))
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_CONFIG, "the event id “%s” is not a UUID", event_id);
      return FALSE;
    }

  if (gate_config_get (config, GATE_CONFIG_KEY_LIST) != NULL &&
      !g_uuid_string_is_valid (gate_config_get (config, GATE_CONFIG_KEY_LIST)))
    {
      g_set_error (error, GATE_ERROR, GATE_ERROR_CONFIG, "the list id “%s” is not a UUID",
                   gate_config_get (config, GATE_CONFIG_KEY_LIST));
      return FALSE;
    }

  return TRUE;
}

static GateSession *
open_session (GateConfig  *config,
              GError     **error)
{
  g_autoptr(GateSession) session = gate_session_new_for_config (config);
  g_autoptr(GAsyncResult) result = NULL;

  gate_session_open_async (session, NULL, on_ready, &result);
  if (!gate_session_open_finish (session, wait_for (&result), error))
    return NULL;

  return g_steal_pointer (&session);
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

/* --- verbs ------------------------------------------------------------------- */

static int
run_scan (Options     *options,
          GateSession *session,
          const char  *code)
{
  GateScanEngine *engine = gate_session_get_engine (session);
  g_autoptr(GateScanDecision) decision = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (options->direction != NULL)
    g_object_set (engine, "direction", options->direction, NULL);
  gate_scan_engine_scan_async (engine, code, "qr", options->offline, NULL, on_ready, &result);
  decision = gate_scan_engine_scan_finish (engine, wait_for (&result), &error);

  if (decision == NULL)
    {
      fprintf (stderr, "gatectl: the scan was cancelled: %s\n", error->message);
      return GATECTL_EXIT_FAILED;
    }

  /* The command ran: cannot_decide is a verdict, exit 0. */
  if (decision->verdict == GATE_VERDICT_CANNOT_DECIDE)
    fprintf (stderr, "gatectl: cannot decide (%s): %s\n", gate_cannot_decide_reason_to_string (decision->reason),
             decision->detail != NULL ? decision->detail : "");

  if (options->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      add_string (builder, "verdict", gate_verdict_to_string (decision->verdict));
      if (decision->verdict == GATE_VERDICT_CANNOT_DECIDE)
        add_string (builder, "reason", gate_cannot_decide_reason_to_string (decision->reason));
      add_string (builder, "mode", gate_scan_mode_to_string (decision->mode));
      add_string (builder, "source", gate_enum_to_nick (GATE_TYPE_DECISION_SOURCE, decision->source));
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
  else if (decision->verdict == GATE_VERDICT_CANNOT_DECIDE)
    printf ("%s (%s): %s\n", gate_verdict_to_string (decision->verdict), gate_scan_mode_to_string (decision->mode),
            gate_cannot_decide_reason_to_string (decision->reason));
  else
    printf ("%s (%s)%s%s\n", gate_verdict_to_string (decision->verdict), gate_scan_mode_to_string (decision->mode),
            decision->guest_name ? " — " : "", decision->guest_name ? decision->guest_name : "");

  return GATECTL_EXIT_OK;
}

static int
run_sync (Options     *options,
          GateSession *session,
          gboolean     upload)
{
  GateSyncService *sync = gate_session_get_sync_service (session);
  GateTicketCache *cache = gate_session_get_cache (session);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GateCacheStatus) status = NULL;
  gboolean ok;

  if (sync == NULL)
    {
      fprintf (stderr, "gatectl: no server configured (--server/--token or GATE_SERVER/GATE_TOKEN)\n");
      return GATECTL_EXIT_USAGE;
    }

  if (upload)
    gate_sync_service_sync_async (sync, options->full, NULL, on_ready, &result);
  else
    gate_sync_service_refresh_async (sync, options->full, NULL, on_ready, &result);
  ok = gate_sync_service_sync_finish (sync, wait_for (&result), &error);

  status = gate_ticket_cache_get_status (cache, gate_session_get_event_id (session), NULL);
  if (options->json)
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
run_status (Options     *options,
            GateSession *session)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GateCacheStatus) status = gate_ticket_cache_get_status (gate_session_get_cache (session),
                                                                    gate_session_get_event_id (session), &error);

  if (status == NULL)
    {
      fprintf (stderr, "gatectl: %s\n", error->message);
      return GATECTL_EXIT_FAILED;
    }

  if (options->json)
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
run_conflicts (Options     *options,
               GateSession *session)
{
  GateApiClient *client = gate_session_get_client (session);
  GateTicketCache *cache = gate_session_get_cache (session);
  const char *event_id = gate_session_get_event_id (session);
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(GError) error = NULL;

  /* Fresh from the server when it can be reached; the cache's otherwise. */
  if (client != NULL)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GPtrArray) remote = NULL;
      g_autoptr(GError) remote_error = NULL;

      gate_api_client_conflicts_async (client, event_id, FALSE, NULL, on_ready, &result);
      remote = gate_api_client_conflicts_finish (client, wait_for (&result), &remote_error);
      if (remote != NULL)
        gate_ticket_cache_store_conflicts (cache, remote, NULL);
      else
        fprintf (stderr, "gatectl: showing cached conflicts: %s\n", remote_error->message);
    }

  conflicts = gate_ticket_cache_list_conflicts (cache, event_id, TRUE, &error);
  if (conflicts == NULL)
    {
      fprintf (stderr, "gatectl: %s\n", error->message);
      return GATECTL_EXIT_FAILED;
    }

  for (guint i = 0; i < conflicts->len; i++)
    {
      GateConflict *conflict = conflicts->pdata[i];
      gboolean won = g_strcmp0 (conflict->winner_device, gate_session_get_device_id (session)) == 0;

      if (options->json)
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

/* Entries, exits and inside-now per event, list and gate, and arrivals per
 * 5 minutes per gate (event_stats): a supervisor's token. */
static int
run_stats (Options     *options,
           GateSession *session)
{
  GateApiClient *client = gate_session_get_client (session);
  g_autoptr(JsonObject) args = json_object_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonArray) rows = NULL;
  g_autoptr(GError) error = NULL;

  if (client == NULL)
    {
      fprintf (stderr, "gatectl: no server configured (--server/--token or GATE_SERVER/GATE_TOKEN)\n");
      return GATECTL_EXIT_USAGE;
    }

  if (!options->all_events)
    json_object_set_string_member (args, "p_event_id", gate_session_get_event_id (session));
  gate_api_client_call_async (client, "event_stats", args, 0, NULL, on_ready, &result);
  rows = gate_api_client_call_finish (client, wait_for (&result), &error);
  if (rows == NULL)
    {
      fprintf (stderr, "gatectl: stats failed: %s\n", error->message);
      return exit_for_error (error);
    }

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonNode *row = json_array_get_element (rows, i);
      JsonObject *object = JSON_NODE_HOLDS_OBJECT (row) ? json_node_get_object (row) : NULL;

      if (object == NULL)
        continue;
      if (options->json)
        {
          g_autofree char *text = json_to_string (row, FALSE);

          printf ("%s\n", text);
        }
      else
        {
          const char *scope = json_object_get_string_member_with_default (object, "scope", "?");
          const char *label = NULL;

          if (json_object_has_member (object, "list_name") && !json_object_get_null_member (object, "list_name"))
            label = json_object_get_string_member (object, "list_name");
          else if (json_object_has_member (object, "device_name") &&
                   !json_object_get_null_member (object, "device_name"))
            label = json_object_get_string_member (object, "device_name");
          else if (json_object_has_member (object, "device_id") && !json_object_get_null_member (object, "device_id"))
            label = json_object_get_string_member (object, "device_id");

          if (g_str_equal (scope, "arrivals"))
            printf ("arrivals %s %s: %" G_GINT64_FORMAT "\n", label ? label : "-",
                    json_object_get_string_member_with_default (object, "bucket", "?"),
                    json_object_get_int_member_with_default (object, "entries", 0));
          else
            printf ("%s %s: %" G_GINT64_FORMAT " in, %" G_GINT64_FORMAT " out, %" G_GINT64_FORMAT " inside\n",
                    scope, label ? label : "-", json_object_get_int_member_with_default (object, "entries", 0),
                    json_object_get_int_member_with_default (object, "exits", 0),
                    json_object_get_int_member_with_default (object, "inside", 0));
        }
    }
  fflush (stdout);
  return GATECTL_EXIT_OK;
}

/* --- dispatch ----------------------------------------------------------------- */

static const char *client_verbs[] = { "refresh", "scan", "sync", "status", "conflicts", "stats" };

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
  /* The flags that name a configuration value, by key: GateConfig's
   * command line. */
  char *values[GATE_CONFIG_KEY_LIST + 1] = { NULL };
  g_autoptr(GateConfig) config = gate_config_new (NULL);
  g_autofree char *direction = NULL;
  Options options = { FALSE, FALSE, FALSE, NULL, FALSE };
  const GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, &values[GATE_CONFIG_KEY_SERVER], "Server URL (GATE_SERVER)", "URL" },
    { "token", 0, 0, G_OPTION_ARG_STRING, &values[GATE_CONFIG_KEY_TOKEN], "Device token (GATE_TOKEN)", "TOKEN" },
    { "token-file", 0, 0, G_OPTION_ARG_FILENAME, &values[GATE_CONFIG_KEY_TOKEN_FILE],
      "Read the token from FILE (GATE_TOKEN_FILE)", "FILE" },
    { "apikey", 0, 0, G_OPTION_ARG_STRING, &values[GATE_CONFIG_KEY_APIKEY], "Supabase anon key (GATE_APIKEY)",
      "KEY" },
    { "device-id", 0, 0, G_OPTION_ARG_STRING, &values[GATE_CONFIG_KEY_DEVICE_ID],
      "This device's id (GATE_DEVICE_ID)", "ID" },
    { "event", 0, 0, G_OPTION_ARG_STRING, &values[GATE_CONFIG_KEY_EVENT], "Event id (GATE_EVENT)", "ID" },
    { "cache", 0, 0, G_OPTION_ARG_FILENAME, &values[GATE_CONFIG_KEY_CACHE],
      "Offline cache file (GATE_CACHE; default $XDG_DATA_HOME/gate-scanner/" GATE_CONFIG_CACHE_NAME ")", "FILE" },
    { "list", 0, 0, G_OPTION_ARG_STRING, &values[GATE_CONFIG_KEY_LIST],
      "Check-in list the scans are judged by (GATE_LIST; default: the device's own)", "ID" },
    { "direction", 0, 0, G_OPTION_ARG_STRING, &direction, "scan: entry (default) or exit", "DIR" },
    { "all-events", 0, 0, G_OPTION_ARG_NONE, &options.all_events, "stats: every event, not only --event", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &options.json, "One JSON object per line", NULL },
    { "offline", 0, 0, G_OPTION_ARG_NONE, &options.offline, "scan: decide from the cache only", NULL },
    { "full", 0, 0, G_OPTION_ARG_NONE, &options.full, "refresh/sync: download everything again", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— run the offline engine like a kiosk");
  g_autoptr(GError) error = NULL;
  g_autoptr(GateSession) session = NULL;
  const char *verb = argv[0];
  gboolean parsed;

  g_option_context_add_main_entries (context, entries, NULL);
  parsed = g_option_context_parse (context, &argc, &argv, &error);
  for (GateConfigKey key = 0; key < G_N_ELEMENTS (values); key++)
    {
      gate_config_set (config, key, GATE_CONFIG_SOURCE_COMMAND_LINE, values[key]);
      gate_secret_clear (&values[key]);
    }
  if (!parsed)
    {
      fprintf (stderr, "gatectl: %s\n", error->message);
      return GATECTL_EXIT_USAGE;
    }

  if ((strcmp (verb, "scan") == 0) != (argc == 2) || argc > 2 ||
      (direction != NULL && strcmp (direction, "entry") != 0 && strcmp (direction, "exit") != 0))
    {
      fprintf (stderr, "Usage: gatectl scan CODE [--offline] [--direction entry|exit] | refresh [--full] | sync | "
                       "status | conflicts | stats [--all-events]\n"
                       "       [--server URL --token T | --token-file F] --device-id D --event ID [--list ID] "
                       "[--cache FILE] [--json]\n");
      return GATECTL_EXIT_USAGE;
    }
  options.direction = direction;

  if (!gate_config_load (config, NULL, &error) || !check_config (config, &error))
    {
      fprintf (stderr, "gatectl: %s\n", error->message);
      return GATECTL_EXIT_USAGE;
    }

  session = open_session (config, &error);
  if (session == NULL)
    {
      fprintf (stderr, "gatectl: %s\n", error->message);
      return GATECTL_EXIT_FAILED;
    }

  if (strcmp (verb, "scan") == 0)
    return run_scan (&options, session, argv[1]);
  if (strcmp (verb, "refresh") == 0)
    return run_sync (&options, session, FALSE);
  if (strcmp (verb, "sync") == 0)
    return run_sync (&options, session, TRUE);
  if (strcmp (verb, "status") == 0)
    return run_status (&options, session);
  if (strcmp (verb, "stats") == 0)
    return run_stats (&options, session);
  return run_conflicts (&options, session);
}
