/* gate-api-client.c — the RPC client (gate-server or Supabase/PostgREST)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * See gate-api-client-private.h for the files of this class.
 *
 * POST <base>/rest/v1/rpc/<function> with named arguments, exactly as
 * PostgREST expects, so one client serves gate-server and Supabase. The
 * body is read in chunks up to a limit and validated before anyone sees
 * it: a captive portal's HTML, a truncated body or a mistyped field becomes
 * GATE_ERROR_BAD_RESPONSE, never a half-applied page.
 */
#include "config.h"

#include <string.h>

#include "gate-api-client-private.h"
#include "gate-api-rows.h"
#include "gate-proxy.h"
#include "gate-secret.h"

/* Older samples describe a clock that may have drifted since. */
#define CLOCK_SAMPLE_MAX_AGE_US (10 * 60 * G_USEC_PER_SEC)
/* More than this between two samples' (wall − monotonic) means the device
 * clock was stepped in between: the older sample no longer applies. */
#define CLOCK_STEP_US       (G_USEC_PER_SEC / 2)

G_DEFINE_FINAL_TYPE (GateApiClient, gate_api_client, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_BASE_URL,
  PROP_TOKEN,
  PROP_APIKEY,
  PROP_DEVICE_ID,
  PROP_TIMEOUT_MS,
  PROP_CLOCK_OFFSET_MS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* --- clock --------------------------------------------------------------- */

static gboolean
notify_clock_offset (gpointer user_data)
{
  g_object_notify_by_pspec (G_OBJECT (user_data), properties[PROP_CLOCK_OFFSET_MS]);
  return G_SOURCE_REMOVE;
}

/* Every answer whose first row has a server_time is a clock sample. */
void
_gate_api_client_track_clock (GateApiClient *self,
                              JsonArray     *rows,
                              gint64         sent_wall_us,
                              gint64         sent_mono_us,
                              gint64         received_mono_us)
{
  JsonObject *row;
  JsonNode *node;
  gint64 server_us;
  ClockSample sample;
  const ClockSample *best = NULL;
  gboolean changed;

  if (json_array_get_length (rows) == 0)
    return;
  row = json_array_get_object_element (rows, 0);
  node = json_object_get_member (row, "server_time");
  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING ||
      !gate_api_parse_time (json_node_get_string (node), &server_us))
    return;

  /* The round trip is measured on the monotonic clock, so a wall clock
   * stepped mid-call cannot produce a negative or huge one. */
  sample.rtt_us = received_mono_us - sent_mono_us;
  sample.offset_ms = (server_us - (sent_wall_us + sample.rtt_us / 2)) / 1000;
  sample.taken_us = received_mono_us;
  sample.wall_minus_mono_us = sent_wall_us - sent_mono_us;

  g_mutex_lock (&self->clock_lock);
  self->samples[self->next_sample] = sample;
  self->next_sample = (self->next_sample + 1) % CLOCK_SAMPLES;
  self->n_samples = MIN (self->n_samples + 1, CLOCK_SAMPLES);

  for (guint i = 0; i < self->n_samples; i++)
    {
      const ClockSample *candidate = &self->samples[i];

      if (received_mono_us - candidate->taken_us > CLOCK_SAMPLE_MAX_AGE_US ||
          ABS (candidate->wall_minus_mono_us - sample.wall_minus_mono_us) > CLOCK_STEP_US)
        continue;
      if (best == NULL || candidate->rtt_us < best->rtt_us)
        best = candidate;
    }

  /* The newest sample always qualifies, so best is set. */
  changed = best->offset_ms != self->clock_offset_ms;
  self->clock_offset_ms = best->offset_ms;
  g_mutex_unlock (&self->clock_lock);

  if (changed)
    g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, notify_clock_offset, g_object_ref (self),
                                g_object_unref);
}

/* --- object -------------------------------------------------------------- */

GateApiClient *
gate_api_client_new (const char *base_url,
                     const char *token,
                     const char *device_id)
{
  return g_object_new (GATE_TYPE_API_CLIENT, "base-url", base_url, "token", token, "device-id", device_id, NULL);
}

const char *
gate_api_client_get_base_url (GateApiClient *self)
{
  g_return_val_if_fail (GATE_IS_API_CLIENT (self), NULL);
  return self->base_url;
}

const char *
gate_api_client_get_device_id (GateApiClient *self)
{
  g_return_val_if_fail (GATE_IS_API_CLIENT (self), NULL);
  return self->device_id;
}

gint64
gate_api_client_get_clock_offset_ms (GateApiClient *self)
{
  gint64 offset;

  g_return_val_if_fail (GATE_IS_API_CLIENT (self), 0);

  g_mutex_lock (&self->clock_lock);
  offset = self->clock_offset_ms;
  g_mutex_unlock (&self->clock_lock);
  return offset;
}

/**
 * gate_api_client_is_insecure:
 *
 * Whether tokens and attendee data would cross a network unencrypted:
 * plain http:// to anything but this machine.
 */
gboolean
gate_api_client_is_insecure (GateApiClient *self)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GInetAddress) address = NULL;
  const char *host;

  g_return_val_if_fail (GATE_IS_API_CLIENT (self), FALSE);

  if (self->base_url == NULL || (uri = g_uri_parse (self->base_url, G_URI_FLAGS_NONE, NULL)) == NULL ||
      g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0)
    return FALSE;

  host = g_uri_get_host (uri);
  if (host == NULL || g_ascii_strcasecmp (host, "localhost") == 0)
    return FALSE;
  address = g_inet_address_new_from_string (host);
  return address == NULL || !g_inet_address_get_is_loopback (address);
}

static void
set_base_url (GateApiClient *self,
              const char    *base_url)
{
  gsize length;

  g_free (self->base_url);
  self->base_url = g_strdup (base_url);
  if (self->base_url == NULL)
    return;

  /* "https://x.supabase.co/" and "…/rest/v1" both mean the server root. */
  length = strlen (self->base_url);
  while (length > 0 && self->base_url[length - 1] == '/')
    self->base_url[--length] = '\0';
  if (g_str_has_suffix (self->base_url, "/rest/v1"))
    self->base_url[length - strlen ("/rest/v1")] = '\0';
}

static void
gate_api_client_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  GateApiClient *self = GATE_API_CLIENT (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      set_base_url (self, g_value_get_string (value));
      break;

    case PROP_TOKEN:
      gate_secret_clear (&self->token);
      self->token = g_value_dup_string (value);
      break;

    case PROP_APIKEY:
      gate_secret_clear (&self->apikey);
      self->apikey = g_value_dup_string (value);
      break;

    case PROP_DEVICE_ID:
      g_free (self->device_id);
      self->device_id = g_value_dup_string (value);
      break;

    case PROP_TIMEOUT_MS:
      if (self->timeout_ms != g_value_get_uint (value))
        {
          self->timeout_ms = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_api_client_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  GateApiClient *self = GATE_API_CLIENT (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;

    case PROP_DEVICE_ID:
      g_value_set_string (value, self->device_id);
      break;

    case PROP_TIMEOUT_MS:
      g_value_set_uint (value, self->timeout_ms);
      break;

    case PROP_CLOCK_OFFSET_MS:
      g_value_set_int64 (value, gate_api_client_get_clock_offset_ms (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_api_client_constructed (GObject *object)
{
  GateApiClient *self = GATE_API_CLIENT (object);

  G_OBJECT_CLASS (gate_api_client_parent_class)->constructed (object);

  /* Loud but not a warning: a lab setup over plain HTTP is legitimate. Only
   * the host is named; a URL may carry user information. */
  if (gate_api_client_is_insecure (self))
    {
      g_autoptr(GUri) uri = g_uri_parse (self->base_url, G_URI_FLAGS_NONE, NULL);

      g_message ("INSECURE: the server %s is reached over plain HTTP; tokens and attendee data cross the network "
                 "unencrypted. Use https://.", g_uri_get_host (uri));
    }
}

static void
gate_api_client_dispose (GObject *object)
{
  GateApiClient *self = GATE_API_CLIENT (object);

  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (gate_api_client_parent_class)->dispose (object);
}

static void
gate_api_client_finalize (GObject *object)
{
  GateApiClient *self = GATE_API_CLIENT (object);

  g_free (self->base_url);
  gate_secret_clear (&self->token);
  gate_secret_clear (&self->apikey);
  g_free (self->device_id);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->clock_lock);

  G_OBJECT_CLASS (gate_api_client_parent_class)->finalize (object);
}

static void
gate_api_client_class_init (GateApiClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->set_property = gate_api_client_set_property;
  object_class->get_property = gate_api_client_get_property;
  object_class->constructed = gate_api_client_constructed;
  object_class->dispose = gate_api_client_dispose;
  object_class->finalize = gate_api_client_finalize;

  properties[PROP_BASE_URL] =
    g_param_spec_string ("base-url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* Write-only: the token is never read back out of the object. */
  properties[PROP_TOKEN] =
    g_param_spec_string ("token", NULL, NULL, NULL,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_APIKEY] =
    g_param_spec_string ("apikey", NULL, NULL, NULL,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DEVICE_ID] =
    g_param_spec_string ("device-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TIMEOUT_MS] =
    g_param_spec_uint ("timeout-ms", NULL, NULL, 100, 600000, GATE_API_DEFAULT_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_CLOCK_OFFSET_MS] =
    g_param_spec_int64 ("clock-offset-ms", NULL, NULL, G_MININT64, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gate_api_client_init (GateApiClient *self)
{
  self->timeout_ms = GATE_API_DEFAULT_TIMEOUT_MS;
  self->context = g_main_context_ref_thread_default ();
  g_mutex_init (&self->clock_lock);
  /* Keep-alive to one server; a handful of connections covers a scan
   * racing a refresh page and an upload. */
  self->session = soup_session_new_with_options ("user-agent", "gate-scanner/" PACKAGE_VERSION,
                                                 "max-conns-per-host", 4, NULL);
  gate_proxy_apply (self->session);
}
