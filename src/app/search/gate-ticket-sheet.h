/* gate-ticket-sheet.h — a search result, confirmed before it is checked
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A tap on a search result opens this sheet over the results: the guest,
 * the ticket type, the whole code, its status and its last scan, so two
 * tickets of one name are told apart, and one large button that checks it
 * (::confirmed). Back (or Escape) returns to the results (::dismissed).
 */
#pragma once

#include <adwaita.h>

#include "gate-search-result.h"

G_BEGIN_DECLS

#define GATE_TYPE_TICKET_SHEET (gate_ticket_sheet_get_type ())
G_DECLARE_FINAL_TYPE (GateTicketSheet, gate_ticket_sheet, GATE, TICKET_SHEET, AdwBin)

GtkWidget        *gate_ticket_sheet_new           (void);
GateSearchResult *gate_ticket_sheet_get_result    (GateTicketSheet  *self);
/* @scanned_device_name (nullable): the name of the gate of the last scan. */
void              gate_ticket_sheet_set_result    (GateTicketSheet  *self,
                                                   GateSearchResult *result,
                                                   const char       *scanned_device_name);
/* "Last scanned at 16:38 at North Gate", or "Not scanned yet". */
const char       *gate_ticket_sheet_get_last_scan (GateTicketSheet  *self);

G_END_DECLS
