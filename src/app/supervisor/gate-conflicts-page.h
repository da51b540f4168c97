/* gate-conflicts-page.h — conflict review, at a gate or on a supervisor's laptop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Lists first-scan-wins conflicts (unreviewed first, newest first) and lets
 * a supervisor mark them reviewed with a note and export them as CSV.
 *
 * Where conflicts come from is the session's GateConflictBook's business:
 * a gate lists its own, from its cache, reloaded whenever the cache stores
 * new ones; a supervisor's token lists every conflict of the event and
 * every device from the server, reloaded on demand. See
 * docs/conflict-review.md.
 */
#pragma once

#include <adwaita.h>

#include "gate-conflict-item.h"
#include "gate-session.h"

G_BEGIN_DECLS

#define GATE_TYPE_CONFLICTS_PAGE (gate_conflicts_page_get_type ())
G_DECLARE_FINAL_TYPE (GateConflictsPage, gate_conflicts_page, GATE, CONFLICTS_PAGE, AdwBin)

GtkWidget       *gate_conflicts_page_new                   (GateSession          *session);

GateSession     *gate_conflicts_page_get_session           (GateConflictsPage    *self);
void             gate_conflicts_page_set_session           (GateConflictsPage    *self,
                                                            GateSession          *session);
/* Whether the session's token is a supervisor's: the list is server-wide. */
gboolean         gate_conflicts_page_get_supervisor        (GateConflictsPage    *self);
const char      *gate_conflicts_page_get_reviewed_by       (GateConflictsPage    *self);
void             gate_conflicts_page_set_reviewed_by       (GateConflictsPage    *self,
                                                            const char           *reviewed_by);
gboolean         gate_conflicts_page_get_show_reviewed     (GateConflictsPage    *self);
void             gate_conflicts_page_set_show_reviewed     (GateConflictsPage    *self,
                                                            gboolean              show_reviewed);

/* "conflicts", or "devices" (a supervisor's): the list the page shows. */
const char      *gate_conflicts_page_get_section           (GateConflictsPage    *self);
void             gate_conflicts_page_set_section           (GateConflictsPage    *self,
                                                            const char           *section);

/* TRUE while conflicts or devices are being loaded. */
gboolean         gate_conflicts_page_get_loading           (GateConflictsPage    *self);
/* The sentence shown when loading failed, NULL after a successful load. */
const char      *gate_conflicts_page_get_error_message     (GateConflictsPage    *self);
/* The sentence shown when a review or an export failed, NULL when dismissed. */
const char      *gate_conflicts_page_get_notice            (GateConflictsPage    *self);

/* (element-type GateConflictItem): everything loaded, reviewed ones too. */
GListModel      *gate_conflicts_page_get_conflicts         (GateConflictsPage    *self);
/* (element-type GateConflictItem): what the list shows, in its order. */
GListModel      *gate_conflicts_page_get_visible_conflicts (GateConflictsPage    *self);
/* (element-type GateDeviceItem): supervisor mode only. */
GListModel      *gate_conflicts_page_get_devices           (GateConflictsPage    *self);

/* Loads again now (the Reload button). */
void             gate_conflicts_page_reload                (GateConflictsPage    *self);

/* The review through the session's GateConflictBook, as "reviewed-by"
 * (the client's device id when unset); the item updates once the server
 * accepted it. What the row's "Mark Reviewed…" dialog does. */
void             gate_conflicts_page_review_async          (GateConflictsPage    *self,
                                                            GateConflictItem     *item,
                                                            const char           *note,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
gboolean         gate_conflicts_page_review_finish         (GateConflictsPage    *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

/* Writes every loaded conflict to @file as CSV (see gate-conflict-csv.h),
 * replacing it; the file is private to the user (guest names). What the
 * "Export CSV…" button does after its file chooser. */
void             gate_conflicts_page_export_csv_async      (GateConflictsPage    *self,
                                                            GFile                *file,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
gboolean         gate_conflicts_page_export_csv_finish     (GateConflictsPage    *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

G_END_DECLS
