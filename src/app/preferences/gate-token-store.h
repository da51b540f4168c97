/* gate-token-store.h — where the device token is kept
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The token goes to the Secret Service (the desktop keyring, through
 * libsecret, schema "io.github.gatescanner.GateScanner.Token" with the
 * attributes "server" and "device-id") when one answers on the session bus,
 * else to $XDG_CONFIG_HOME/gate-scanner/device-token, a file only its owner
 * may read. Either way a token belongs to one server and device: asked for
 * another pair, the store has none.
 *
 * Property "backend" (GateTokenBackend, read-only) says which of the two is
 * in use; it is "unknown" until the first operation has looked, and is
 * notified on the main context. The token is never logged.
 */
#pragma once

#include <gio/gio.h>

#include "gate-app-enums.h"

G_BEGIN_DECLS

typedef enum
{
  GATE_TOKEN_BACKEND_UNKNOWN,
  GATE_TOKEN_BACKEND_FILE,
  GATE_TOKEN_BACKEND_SECRET,
} GateTokenBackend;

#define GATE_TYPE_TOKEN_STORE (gate_token_store_get_type ())
G_DECLARE_FINAL_TYPE (GateTokenStore, gate_token_store, GATE, TOKEN_STORE, GObject)

GateTokenStore   *gate_token_store_new           (void);
GateTokenBackend  gate_token_store_get_backend   (GateTokenStore       *self);
const char       *gate_token_store_get_file_path (GateTokenStore       *self);

void              gate_token_store_save_async    (GateTokenStore       *self,
                                                  const char           *server,
                                                  const char           *device_id,
                                                  const char           *token,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean          gate_token_store_save_finish   (GateTokenStore       *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

/* The finish returns NULL without an error when no token is stored for
 * @server and @device_id. */
void              gate_token_store_load_async    (GateTokenStore       *self,
                                                  const char           *server,
                                                  const char           *device_id,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
char             *gate_token_store_load_finish   (GateTokenStore       *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

void              gate_token_store_clear_async   (GateTokenStore       *self,
                                                  const char           *server,
                                                  const char           *device_id,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean          gate_token_store_clear_finish  (GateTokenStore       *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

G_END_DECLS
