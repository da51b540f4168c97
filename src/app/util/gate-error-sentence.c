/* gate-error-sentence.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One switch over the core's error codes; within a code, the activity
 * decides what the sentence says it means. Conflict review and setting up
 * talk to the server about one request, so they name the server; the cache
 * panel's refreshes and uploads are about what the gate keeps doing, so
 * they say that the gate goes on scanning and nothing is lost.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gate-error.h"
#include "gate-error-sentence.h"

static gboolean
is_syncing (GateActivity activity)
{
  return activity == GATE_ACTIVITY_READING_CACHE ||
         activity == GATE_ACTIVITY_REFRESHING ||
         activity == GATE_ACTIVITY_UPLOADING;
}

static char *
unreachable (const GError *error,
             GateActivity  activity,
             gint64        pending_scans)
{
  switch (activity)
    {
    case GATE_ACTIVITY_CONNECTING:
      if (error->code == GATE_ERROR_TIMEOUT)
        return g_strdup (_("The server did not answer in time. Check the network connection."));
      if (error->code == GATE_ERROR_UNAVAILABLE)
        return g_strdup (_("The server answers, but its database is not available."));
      return g_strdup (_("Cannot reach the server. Check the address and the network connection."));

    case GATE_ACTIVITY_REVIEWING:
      return g_strdup (_("The server cannot be reached. Check the network, then try again."));

    case GATE_ACTIVITY_UPLOADING:
      if (pending_scans > 0)
        return g_strdup_printf (g_dngettext (NULL,
                                             "Could not reach the ticket server. The %d scan waiting on this "
                                             "device is kept and will be sent when the connection is back.",
                                             "Could not reach the ticket server. The %d scans waiting on this "
                                             "device are kept and will be sent when the connection is back.",
                                             (gulong) pending_scans),
                                (int) MIN (pending_scans, G_MAXINT));
      G_GNUC_FALLTHROUGH;
    case GATE_ACTIVITY_READING_CACHE:
    case GATE_ACTIVITY_REFRESHING:
    default:
      return g_strdup (_("Could not reach the ticket server. The gate keeps scanning with the tickets already "
                         "on this device."));
    }
}

/* Nothing more specific to say: what the gate keeps doing, or the error's
 * own (technical) words for whoever helps. */
static char *
something_else (const GError *error,
                GateActivity  activity)
{
  switch (activity)
    {
    case GATE_ACTIVITY_UPLOADING:
      return g_strdup (_("The ticket server could not take the scans right now. They stay on this device and "
                         "will be sent later."));

    case GATE_ACTIVITY_READING_CACHE:
    case GATE_ACTIVITY_REFRESHING:
      return g_strdup (_("The ticket server could not send the latest tickets right now. Try again in a minute."));

    case GATE_ACTIVITY_REVIEWING:
    case GATE_ACTIVITY_CONNECTING:
    default:
      /* Translators: the error's own (technical) message follows. */
      return g_strdup_printf (_("Something went wrong: %s"), error->message);
    }
}

char *
gate_error_sentence (const GError *error,
                     GateActivity  activity,
                     gint64        pending_scans)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain != GATE_ERROR)
    return something_else (error, activity);

  switch ((GateError) error->code)
    {
    case GATE_ERROR_NETWORK:
    case GATE_ERROR_TIMEOUT:
    case GATE_ERROR_UNAVAILABLE:
      return unreachable (error, activity, pending_scans);

    case GATE_ERROR_UNAUTHORIZED:
      if (activity == GATE_ACTIVITY_CONNECTING)
        return g_strdup (_("The server does not accept this token: it is wrong or has been revoked. Store the "
                           "token that “gatectl device add” printed for this device."));
      if (activity == GATE_ACTIVITY_REVIEWING)
        return g_strdup (_("The server does not accept this device’s token. It may have been revoked: ask venue IT "
                           "for a new one."));
      /* The sync service wipes a revoked device's attendee data. */
      return g_strdup (_("The ticket server no longer accepts this device, so its tickets were removed from it. "
                         "Ask the venue's IT staff to register it again."));

    case GATE_ERROR_FORBIDDEN:
      if (activity == GATE_ACTIVITY_CONNECTING)
        return g_strdup (_("The server refused: the token belongs to another device ID, or may not do this."));
      if (activity == GATE_ACTIVITY_REVIEWING)
        return g_strdup (_("Only a supervisor device may do this. Ask a supervisor to review conflicts from "
                           "their laptop."));
      return g_strdup (_("The ticket server does not allow this device to do that. Ask the venue's IT staff to "
                         "check its role."));

    case GATE_ERROR_DISK_FULL:
      return g_strdup (_("This device's storage is full. Scans already made are safe; ask the venue's IT staff "
                         "to free some space."));

    case GATE_ERROR_STORAGE:
      return g_strdup (_("The tickets on this device could not be read or saved. Ask the venue's IT staff for "
                         "help."));

    case GATE_ERROR_CONFIG:
      if (!is_syncing (activity))
        return g_strdup (_("No server is set up on this device."));
      break;

    case GATE_ERROR_NOT_FOUND:
    case GATE_ERROR_BAD_RESPONSE:
      if (activity == GATE_ACTIVITY_CONNECTING)
        return g_strdup (_("Something answers at this address, but it is not a Gate Scanner server (or it is "
                           "a login page of the network)."));
      break;

    case GATE_ERROR_SERVER:
    case GATE_ERROR_BAD_REQUEST:
    case GATE_ERROR_INVALID_CODE:
    default:
      break;
    }

  return something_else (error, activity);
}
