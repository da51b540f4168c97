/* gate-types.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "gate-core-enums.h"
#include "gate-types.h"

/* Enum classes are static: the first use keeps one reference for good, so
 * that a lookup per cached ticket costs no reference counting. */
static GEnumClass *
enum_class (GType enum_type)
{
  gpointer klass = g_type_class_peek (enum_type);

  return klass != NULL ? klass : g_type_class_ref (enum_type);
}

/**
 * gate_enum_to_nick:
 * @enum_type: a GEnum type of the core
 *
 * Returns: the nick of @value, or %NULL (with a critical) if it is none of
 *   @enum_type's values
 */
const char *
gate_enum_to_nick (GType enum_type,
                   int   value)
{
  GEnumValue *found = g_enum_get_value (enum_class (enum_type), value);

  g_return_val_if_fail (found != NULL, NULL);
  return found->value_nick;
}

/**
 * gate_enum_from_nick:
 * @nick: (nullable): a name from the wire or the cache
 *
 * Returns: whether @nick names one of @enum_type's values; only then is
 *   *@value set
 */
gboolean
gate_enum_from_nick (GType       enum_type,
                     const char *nick,
                     int        *value)
{
  GEnumValue *found;

  if (nick == NULL)
    return FALSE;

  found = g_enum_get_value_by_nick (enum_class (enum_type), nick);
  if (found == NULL)
    return FALSE;

  *value = found->value;
  return TRUE;
}

const char *
gate_ticket_status_to_string (GateTicketStatus status)
{
  return gate_enum_to_nick (GATE_TYPE_TICKET_STATUS, status);
}

gboolean
gate_ticket_status_from_string (const char       *str,
                                GateTicketStatus *status)
{
  return gate_enum_from_nick (GATE_TYPE_TICKET_STATUS, str, (int *) status);
}

const char *
gate_upload_outcome_to_string (GateUploadOutcome outcome)
{
  return gate_enum_to_nick (GATE_TYPE_UPLOAD_OUTCOME, outcome);
}

gboolean
gate_upload_outcome_from_string (const char        *str,
                                 GateUploadOutcome *outcome)
{
  return gate_enum_from_nick (GATE_TYPE_UPLOAD_OUTCOME, str, (int *) outcome);
}

/* --- GateTicket -------------------------------------------------------- */

G_DEFINE_BOXED_TYPE (GateTicket, gate_ticket, gate_ticket_copy, gate_ticket_free)

GateTicket *
gate_ticket_new (void)
{
  return g_new0 (GateTicket, 1);
}

GateTicket *
gate_ticket_copy (const GateTicket *ticket)
{
  GateTicket *copy = g_memdup2 (ticket, sizeof *ticket);

  copy->id = g_strdup (ticket->id);
  copy->event_id = g_strdup (ticket->event_id);
  copy->qr_token = g_strdup (ticket->qr_token);
  copy->qr_signature = g_strdup (ticket->qr_signature);
  copy->ticket_type = g_strdup (ticket->ticket_type);
  copy->guest_name = g_strdup (ticket->guest_name);
  copy->scanned_device = g_strdup (ticket->scanned_device);
  return copy;
}

void
gate_ticket_free (GateTicket *ticket)
{
  if (ticket == NULL)
    return;

  g_free (ticket->id);
  g_free (ticket->event_id);
  g_free (ticket->qr_token);
  g_free (ticket->qr_signature);
  g_free (ticket->ticket_type);
  g_free (ticket->guest_name);
  g_free (ticket->scanned_device);
  g_free (ticket);
}

/* --- GateTicketPage ---------------------------------------------------- */

GateTicketPage *
gate_ticket_page_new (void)
{
  GateTicketPage *page = g_new0 (GateTicketPage, 1);

  page->tickets = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_ticket_free);
  return page;
}

void
gate_ticket_page_free (GateTicketPage *page)
{
  if (page == NULL)
    return;

  g_clear_pointer (&page->tickets, g_ptr_array_unref);
  g_free (page->next_cursor);
  g_free (page);
}

/* --- GateScanDecision -------------------------------------------------- */

const char *
gate_scan_mode_to_string (GateScanMode mode)
{
  return gate_enum_to_nick (GATE_TYPE_SCAN_MODE, mode);
}

G_DEFINE_BOXED_TYPE (GateScanDecision, gate_scan_decision, gate_scan_decision_copy, gate_scan_decision_free)

GateScanDecision *
gate_scan_decision_new (GateVerdict  verdict,
                        GateScanMode mode)
{
  GateScanDecision *decision = g_new0 (GateScanDecision, 1);

  decision->verdict = verdict;
  decision->mode = mode;
  decision->source = mode == GATE_SCAN_MODE_ONLINE ? GATE_DECISION_SOURCE_SERVER : GATE_DECISION_SOURCE_CACHE;
  return decision;
}

GateScanDecision *
gate_scan_decision_copy (const GateScanDecision *decision)
{
  GateScanDecision *copy = g_memdup2 (decision, sizeof *decision);

  copy->code = g_strdup (decision->code);
  copy->detail = g_strdup (decision->detail);
  copy->client_scan_id = g_strdup (decision->client_scan_id);
  copy->ticket_id = g_strdup (decision->ticket_id);
  copy->event_id = g_strdup (decision->event_id);
  copy->guest_name = g_strdup (decision->guest_name);
  copy->ticket_type = g_strdup (decision->ticket_type);
  copy->scanned_device = g_strdup (decision->scanned_device);
  copy->scanned_device_name = g_strdup (decision->scanned_device_name);
  return copy;
}

void
gate_scan_decision_free (GateScanDecision *decision)
{
  if (decision == NULL)
    return;

  g_free (decision->code);
  g_free (decision->detail);
  g_free (decision->client_scan_id);
  g_free (decision->ticket_id);
  g_free (decision->event_id);
  g_free (decision->guest_name);
  g_free (decision->ticket_type);
  g_free (decision->scanned_device);
  g_free (decision->scanned_device_name);
  g_free (decision);
}

/* --- GateQueuedScan ---------------------------------------------------- */

G_DEFINE_BOXED_TYPE (GateQueuedScan, gate_queued_scan, gate_queued_scan_copy, gate_queued_scan_free)

GateQueuedScan *
gate_queued_scan_new (void)
{
  return g_new0 (GateQueuedScan, 1);
}

GateQueuedScan *
gate_queued_scan_copy (const GateQueuedScan *scan)
{
  GateQueuedScan *copy = g_memdup2 (scan, sizeof *scan);

  copy->client_scan_id = g_strdup (scan->client_scan_id);
  copy->event_id = g_strdup (scan->event_id);
  copy->qr_token = g_strdup (scan->qr_token);
  copy->ticket_id = g_strdup (scan->ticket_id);
  copy->scanned_by = g_strdup (scan->scanned_by);
  copy->scan_method = g_strdup (scan->scan_method);
  copy->device_id = g_strdup (scan->device_id);
  copy->direction = g_strdup (scan->direction);
  copy->list_id = g_strdup (scan->list_id);
  copy->last_error = g_strdup (scan->last_error);
  return copy;
}

void
gate_queued_scan_free (GateQueuedScan *scan)
{
  if (scan == NULL)
    return;

  g_free (scan->client_scan_id);
  g_free (scan->event_id);
  g_free (scan->qr_token);
  g_free (scan->ticket_id);
  g_free (scan->scanned_by);
  g_free (scan->scan_method);
  g_free (scan->device_id);
  g_free (scan->direction);
  g_free (scan->list_id);
  g_free (scan->last_error);
  g_free (scan);
}

/* --- GateUploadResult -------------------------------------------------- */

GateUploadResult *
gate_upload_result_new (void)
{
  return g_new0 (GateUploadResult, 1);
}

void
gate_upload_result_free (GateUploadResult *result)
{
  if (result == NULL)
    return;

  g_free (result->client_scan_id);
  g_free (result->winner_device);
  g_free (result);
}

/* --- GateConflict ------------------------------------------------------ */

G_DEFINE_BOXED_TYPE (GateConflict, gate_conflict, gate_conflict_copy, gate_conflict_free)

GateConflict *
gate_conflict_new (void)
{
  return g_new0 (GateConflict, 1);
}

GateConflict *
gate_conflict_copy (const GateConflict *conflict)
{
  GateConflict *copy = g_memdup2 (conflict, sizeof *conflict);

  copy->event_id = g_strdup (conflict->event_id);
  copy->ticket_id = g_strdup (conflict->ticket_id);
  copy->qr_token = g_strdup (conflict->qr_token);
  copy->guest_name = g_strdup (conflict->guest_name);
  copy->ticket_type = g_strdup (conflict->ticket_type);
  copy->winner_device = g_strdup (conflict->winner_device);
  copy->winner_scan_id = g_strdup (conflict->winner_scan_id);
  copy->loser_device = g_strdup (conflict->loser_device);
  copy->loser_scan_id = g_strdup (conflict->loser_scan_id);
  copy->winner_device_name = g_strdup (conflict->winner_device_name);
  copy->loser_device_name = g_strdup (conflict->loser_device_name);
  copy->winner_operator = g_strdup (conflict->winner_operator);
  copy->loser_operator = g_strdup (conflict->loser_operator);
  copy->reviewed_by = g_strdup (conflict->reviewed_by);
  copy->review_note = g_strdup (conflict->review_note);
  return copy;
}

void
gate_conflict_free (GateConflict *conflict)
{
  if (conflict == NULL)
    return;

  g_free (conflict->event_id);
  g_free (conflict->ticket_id);
  g_free (conflict->qr_token);
  g_free (conflict->guest_name);
  g_free (conflict->ticket_type);
  g_free (conflict->winner_device);
  g_free (conflict->winner_scan_id);
  g_free (conflict->loser_device);
  g_free (conflict->loser_scan_id);
  g_free (conflict->winner_device_name);
  g_free (conflict->loser_device_name);
  g_free (conflict->winner_operator);
  g_free (conflict->loser_operator);
  g_free (conflict->reviewed_by);
  g_free (conflict->review_note);
  g_free (conflict);
}

/* --- GateEventSummary -------------------------------------------------- */

GateEventSummary *
gate_event_summary_new (void)
{
  return g_new0 (GateEventSummary, 1);
}

void
gate_event_summary_free (GateEventSummary *summary)
{
  if (summary == NULL)
    return;

  g_free (summary->event_id);
  g_free (summary->name);
  g_free (summary);
}

/* --- GateDeviceInfo ---------------------------------------------------- */

G_DEFINE_BOXED_TYPE (GateDeviceInfo, gate_device_info, gate_device_info_copy, gate_device_info_free)

GateDeviceInfo *
gate_device_info_new (void)
{
  GateDeviceInfo *info = g_new0 (GateDeviceInfo, 1);

  info->admitted = -1;
  return info;
}

GateDeviceInfo *
gate_device_info_copy (const GateDeviceInfo *info)
{
  GateDeviceInfo *copy = g_memdup2 (info, sizeof *info);

  copy->id = g_strdup (info->id);
  copy->name = g_strdup (info->name);
  copy->role = g_strdup (info->role);
  copy->app_version = g_strdup (info->app_version);
  return copy;
}

void
gate_device_info_free (GateDeviceInfo *info)
{
  if (info == NULL)
    return;

  g_free (info->id);
  g_free (info->name);
  g_free (info->role);
  g_free (info->app_version);
  g_free (info);
}

/* --- the gate rules: lists and presence -------------------------------- */

GateListRules *
gate_list_rules_new (void)
{
  return g_new0 (GateListRules, 1);
}

void
gate_list_rules_free (GateListRules *list)
{
  if (list == NULL)
    return;

  g_free (list->id);
  g_free (list->event_id);
  g_free (list->name);
  g_strfreev (list->ticket_types);
  g_free (list->direction);
  g_free (list);
}

GatePresence *
gate_presence_new (void)
{
  return g_new0 (GatePresence, 1);
}

void
gate_presence_free (GatePresence *presence)
{
  if (presence == NULL)
    return;

  g_free (presence->ticket_id);
  g_free (presence->entry_device);
  g_free (presence->exit_device);
  g_free (presence);
}

GatePresencePage *
gate_presence_page_new (void)
{
  GatePresencePage *page = g_new0 (GatePresencePage, 1);

  page->presences = g_ptr_array_new_with_free_func ((GDestroyNotify) gate_presence_free);
  return page;
}

void
gate_presence_page_free (GatePresencePage *page)
{
  if (page == NULL)
    return;

  g_ptr_array_unref (page->presences);
  g_free (page->next_cursor);
  g_free (page);
}
