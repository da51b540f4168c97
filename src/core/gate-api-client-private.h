/* gate-api-client-private.h — what the files of GateApiClient share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GateApiClient is one class in three files:
 *
 *   gate-api-client.c            the object: properties, the clock offset
 *   gate-api-client-transport.c  one HTTP exchange: limits, timeout, errors
 *   gate-api-client-rpc.c        the typed RPC functions of the backend
 */
#pragma once

#include <libsoup/soup.h>

#include "gate-api-client.h"

G_BEGIN_DECLS

#define CLOCK_SAMPLES 16

typedef struct
{
  gint64 rtt_us;
  gint64 offset_ms;
  gint64 taken_us;           /* monotonic */
  gint64 wall_minus_mono_us;
} ClockSample;

struct _GateApiClient
{
  GObject       parent_instance;

  SoupSession  *session;
  GMainContext *context;
  char         *base_url;
  char         *token;
  char         *apikey;
  char         *device_id;
  guint         timeout_ms;

  /* The offset of the fastest recent round trip is the best estimate of
   * server − device time: its midpoint is the least uncertain. Calls may
   * complete on other threads' contexts, hence the lock. */
  GMutex        clock_lock;
  ClockSample   samples[CLOCK_SAMPLES];
  guint         n_samples;
  guint         next_sample;
  gint64        clock_offset_ms;
};

/* Turns valid rows into the caller's record, or fails with BAD_RESPONSE;
 * runs in a worker thread (gate-api-client-transport.c). */
typedef gpointer (*GateApiDecoder) (JsonArray       *rows,
                                    gpointer         data,
                                    GDestroyNotify  *free_func,
                                    GError         **error);

/* Reads the body straight into the caller's record, in a worker thread;
 * %NULL without an error hands the body on to the rows and GateApiDecoder. */
typedef gpointer (*GateApiBodyDecoder) (const char      *body,
                                        gsize            size,
                                        gpointer         data,
                                        GDestroyNotify  *free_func,
                                        GError         **error);

void     _gate_api_client_call_decoded_async  (GateApiClient       *self,
                                               const char          *function,
                                               JsonObject          *args,
                                               guint                timeout_ms,
                                               GateApiBodyDecoder   decode_body,
                                               GateApiDecoder       decode,
                                               gpointer             decode_data,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gpointer _gate_api_client_call_decoded_finish (GateApiClient       *self,
                                               GAsyncResult        *result,
                                               GDestroyNotify      *free_func,
                                               GError             **error);

void _gate_api_client_track_clock (GateApiClient *self,
                                   JsonArray     *rows,
                                   gint64         sent_wall_us,
                                   gint64         sent_mono_us,
                                   gint64         received_mono_us);

/* The typed calls every gate-api-client-*.c file makes (defined in
 * gate-api-client-rpc.c). _gate_api_typed_call() takes @args and answers
 * through @callback; _gate_api_typed_finish() checks @source_tag. */
void     _gate_api_typed_call          (GateApiClient       *self,
                                        const char          *function,
                                        JsonObject          *args,
                                        guint                timeout_ms,
                                        GateApiDecoder       decode,
                                        gpointer             data,
                                        GDestroyNotify       data_free,
                                        gpointer             source_tag,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
gpointer _gate_api_typed_finish        (GateApiClient       *self,
                                        GAsyncResult        *result,
                                        gpointer             source_tag,
                                        GError             **error);
/* A string member, or null for %NULL; a time as ISO 8601, null for 0. */
void     _gate_api_args_set_string     (JsonObject          *args,
                                        const char          *name,
                                        const char          *value);
void     _gate_api_args_set_time       (JsonObject          *args,
                                        const char          *name,
                                        gint64               time_us);
/* The arguments of a keyset page: event, cursor, limit (0: 1000). */
JsonObject *_gate_api_page_args        (const char          *event_id,
                                        const char          *cursor,
                                        guint                limit);
/* For functions whose only use is that they answered one row with a
 * server time. */
gpointer _gate_api_decode_acknowledgement (JsonArray       *rows,
                                           gpointer         data,
                                           GDestroyNotify  *free_func,
                                           GError         **error);
gboolean _gate_api_acknowledgement_finish (GateApiClient  *self,
                                           GAsyncResult   *result,
                                           gpointer        source_tag,
                                           GError        **error);

G_END_DECLS
