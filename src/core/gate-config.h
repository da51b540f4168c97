/* gate-config.h — where a kiosk's configuration comes from
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Command line, then GATE_* variables, then settings, then the built-in
 * default (DESIGN.md §7 and §10): the first that gives a value wins, and
 * each value remembers which it was, so that Preferences can show "the
 * server is https://… (from GATE_SERVER)". This is the only place that
 * reads GATE_* variables.
 */
#pragma once

#include <gio/gio.h>

#include "gate-core-enums.h"

G_BEGIN_DECLS

/* The nicks are the long options of gatectl (--server, --device-id, …). */
typedef enum
{
  GATE_CONFIG_KEY_SERVER,                /*< nick=server >*/
  GATE_CONFIG_KEY_TOKEN,                 /*< nick=token >*/
  GATE_CONFIG_KEY_TOKEN_FILE,            /*< nick=token-file >*/
  GATE_CONFIG_KEY_APIKEY,                /*< nick=apikey >*/
  GATE_CONFIG_KEY_DEVICE_ID,             /*< nick=device-id >*/
  GATE_CONFIG_KEY_EVENT,                 /*< nick=event >*/
  GATE_CONFIG_KEY_CACHE,                 /*< nick=cache >*/
  GATE_CONFIG_KEY_LIST,                  /*< nick=list >*/
  GATE_CONFIG_KEY_DB,                    /*< nick=db >*/
  /* Process-wide knobs for uninstalled runs and the demo (environment only). */
  GATE_CONFIG_KEY_LOCALEDIR,             /*< nick=localedir >*/
  GATE_CONFIG_KEY_DEMO_TICKETS,          /*< nick=demo-tickets >*/
  GATE_CONFIG_KEY_DEMO_OTHER_TICKETS,    /*< nick=demo-other-tickets >*/
  GATE_CONFIG_KEY_DEMO_PEER_TOKEN_FILE,  /*< nick=demo-peer-token-file >*/
  GATE_CONFIG_KEY_DEMO_PEER_DEVICE_ID,   /*< nick=demo-peer-device-id >*/
} GateConfigKey;

/* In order of precedence, the weakest first. */
typedef enum
{
  GATE_CONFIG_SOURCE_NONE,          /*< nick=none >*/
  GATE_CONFIG_SOURCE_DEFAULT,       /*< nick=default >*/
  GATE_CONFIG_SOURCE_SETTINGS,      /*< nick=settings >*/
  GATE_CONFIG_SOURCE_ENVIRONMENT,   /*< nick=environment >*/
  GATE_CONFIG_SOURCE_COMMAND_LINE,  /*< nick=command-line >*/
} GateConfigSource;

/* The file name of the cache under $XDG_DATA_HOME/gate-scanner/. */
#define GATE_CONFIG_CACHE_NAME "tickets.cache"

#define GATE_TYPE_CONFIG (gate_config_get_type ())
G_DECLARE_FINAL_TYPE (GateConfig, gate_config, GATE, CONFIG, GObject)

/* @settings: (nullable): the app's settings (its GSettings schema); gatectl
 * has none. */
GateConfig       *gate_config_new              (GSettings            *settings);
/* A value from @source; NULL or blank forgets it. Command-line values come
 * in this way; the app's token store gives the token as SETTINGS. */
void              gate_config_set              (GateConfig           *self,
                                                GateConfigKey         key,
                                                GateConfigSource      source,
                                                const char           *value);
/* Reads the environment, the settings and the defaults (again: a second
 * load sees a changed setting), and the token from the token file when it
 * is the strongest source of a token. Blocks on that file: the UI uses
 * gate_config_load_async(). */
gboolean          gate_config_load             (GateConfig           *self,
                                                GCancellable         *cancellable,
                                                GError              **error);
void              gate_config_load_async       (GateConfig           *self,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean          gate_config_load_finish      (GateConfig           *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* The effective value (surrounding blanks removed; NULL when none). */
const char       *gate_config_get              (GateConfig           *self,
                                                GateConfigKey         key);
/* Where the effective value came from; NONE when there is none. The token
 * read from a token file comes from where the file's name came from. */
GateConfigSource  gate_config_get_source       (GateConfig           *self,
                                                GateConfigKey         key);
/* A server URL and a token: the kiosk can go online. */
gboolean          gate_config_has_server       (GateConfig           *self);

/* The GATE_* variable of @key ("GATE_SERVER"). */
const char       *gate_config_key_get_variable (GateConfigKey         key);
/* The settings key of @key ("server-url"), NULL when it has none. */
const char       *gate_config_key_get_setting  (GateConfigKey         key);
/* @key's variable for process-wide knobs read before any configuration
 * exists (the locale directory in main()); NULL when unset or blank. */
const char       *gate_config_get_environment  (GateConfigKey         key);

G_END_DECLS
