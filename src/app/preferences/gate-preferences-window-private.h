/* gate-preferences-window-private.h — what GatePreferencesWindow's files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GatePreferencesWindow is one window in two files, one concern each:
 *
 *   gate-preferences-window.c         the window: the server address, the
 *                                     token, the kiosk PIN, the settings and
 *                                     what is in effect
 *   gate-preferences-window-server.c  asking the server: the connection test
 *                                     and the event list
 *   gate-preferences-window-lists.c   the event's check-in lists (the gate
 *                                     rules)
 */
#pragma once

#include "gate-api-client.h"
#include "gate-choices.h"
#include "gate-preferences-window.h"

G_BEGIN_DECLS


struct _GatePreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GtkWidget            *server_row;
  GtkWidget            *apikey_row;
  GtkWidget            *device_id_row;
  GtkWidget            *server_error;
  GtkWidget            *token_status_row;
  GtkWidget            *forget_token_button;
  GtkWidget            *token_row;
  GtkWidget            *test_row;
  GtkWidget            *test_button;
  GtkWidget            *reload_button;
  GtkWidget            *event_row;
  GtkWidget            *event_status;
  GtkWidget            *list_row;
  GtkWidget            *list_status;
  GtkWidget            *operator_switch;
  GtkWidget            *device_name_row;
  GtkWidget            *decoder_row;
  GtkWidget            *sounds_switch;
  GtkWidget            *verdict_hold_spin;
  GtkWidget            *debounce_spin;
  GtkWidget            *kiosk_switch;
  GtkWidget            *pin_status_row;
  GtkWidget            *pin_row;
  GtkWidget            *pin_error;
  GtkWidget            *effective_group;
  GPtrArray            *effective_rows;      /* the rows added to effective_group */

  GSettings            *settings;
  GateConfig           *config;              /* (nullable): what the gate runs with */
  GateTokenStore       *token_store;

  GCancellable         *cancellable;         /* everything, cancelled on dispose */
  GCancellable         *token_cancellable;   /* the latest token status lookup */
  GCancellable         *events_cancellable;  /* the latest event list */
  GateChoices           events;              /* event_row's */
  GCancellable         *lists_cancellable;   /* the latest check-in list read */
  GateChoices           lists;               /* list_row's */
  gboolean              lists_from_cache;    /* the lists shown are the cache's */
  GateTicketCache      *cache;               /* (nullable): the gate's, read first */
  gboolean              hashing_pin;
  guint                 settle_timeout;
};

/* gate-preferences-window.c */
char          *_gate_preferences_window_explain_bad_server_url (const char             *text);
void           _gate_preferences_window_show_error_label       (GtkWidget              *label,
                                                                const char             *text);
void           _gate_preferences_window_wipe_token             (char                   *token);
GCancellable  *_gate_preferences_window_restart                (GCancellable          **cancellable);
GateApiClient *_gate_preferences_window_client_for             (GatePreferencesWindow  *self,
                                                                const char             *server,
                                                                const char             *device_id,
                                                                const char             *token);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (char, _gate_preferences_window_wipe_token)

/* gate-preferences-window-server.c */
void           _gate_preferences_window_reload_events          (GatePreferencesWindow  *self);
void           _gate_preferences_window_on_test_clicked        (GatePreferencesWindow  *self);
void           _gate_preferences_window_on_reload_clicked      (GatePreferencesWindow  *self);
void           _gate_preferences_window_on_event_selected      (GatePreferencesWindow  *self);

/* gate-preferences-window-lists.c */
void           _gate_preferences_window_init_lists             (GatePreferencesWindow  *self);
void           _gate_preferences_window_dispose_lists          (GatePreferencesWindow  *self);
void           _gate_preferences_window_reload_lists           (GatePreferencesWindow  *self);
void           _gate_preferences_window_on_list_selected       (GatePreferencesWindow  *self);

G_END_DECLS
