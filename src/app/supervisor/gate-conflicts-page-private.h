/* gate-conflicts-page-private.h — what GateConflictsPage's files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GateConflictsPage is one widget in four files, one concern each:
 *
 *   gate-conflicts-page.c         the widget: its session, properties and
 *                                 what it shows
 *   gate-conflicts-page-load.c    loading conflicts and devices from the
 *                                 session's GateConflictBook
 *   gate-conflicts-page-review.c  "Mark Reviewed…": the dialog and the review
 *   gate-conflicts-page-export.c  "Export CSV…": the file chooser and the file
 */
#pragma once

#include "gate-conflict-book.h"
#include "gate-conflicts-page.h"

G_BEGIN_DECLS

#define GATE_CONFLICTS_PAGE_RESOURCE_PATH "/io/github/gatescanner/GateScanner/"

struct _GateConflictsPage
{
  AdwBin                parent_instance;

  GateSession          *session;
  GateConflictBook     *book;            /* (nullable): until the session's cache is open */
  char                 *reviewed_by;
  gboolean              show_reviewed;

  GListStore           *conflicts;
  GtkCustomFilter      *reviewed_filter;
  GtkCustomSorter      *sorter;
  GtkSortListModel     *visible;
  GListStore           *devices;
  GHashTable           *device_names;   /* (nullable): id → name, from list_devices */

  gboolean              loading_conflicts;
  gboolean              loading_devices;
  gboolean              loaded_once;
  char                 *error_message;
  char                 *notice;

  GCancellable         *load_cancellable;
  GCancellable         *cancellable;
  guint                 reload_idle;
  GtkFileChooserNative *chooser;
  gboolean              naming_export;   /* the event's name is being read for the file name */

  GtkStack             *sections;          /* "conflicts", and "devices" for a supervisor */
  GtkRevealer          *notice_revealer;
  GtkLabel             *notice_label;
  GtkStack             *conflicts_stack;
  AdwStatusPage        *error_status;
  GtkListView          *conflicts_view;
  GtkLabel             *devices_message;
  GtkWidget            *devices_scroller;
  GtkListView          *devices_view;
};

/* gate-conflicts-page.c */
void     _gate_conflicts_page_update_view       (GateConflictsPage *self);
void     _gate_conflicts_page_refilter          (GateConflictsPage *self);
void     _gate_conflicts_page_set_notice        (GateConflictsPage *self,
                                                 char              *notice);
void     _gate_conflicts_page_set_error_message (GateConflictsPage *self,
                                                 char              *message);
void     _gate_conflicts_page_set_loading       (GateConflictsPage *self,
                                                 gboolean           conflicts,
                                                 gboolean           devices);

/* gate-conflicts-page-load.c */
void     _gate_conflicts_page_start_load        (GateConflictsPage *self);

/* gate-conflicts-page-review.c */
void     _gate_conflicts_page_on_review_clicked (GtkButton         *button,
                                                 GtkListItem       *list_item);
void     _gate_conflicts_page_on_reviewed       (GateConflictsPage *self,
                                                 gint64             conflict_id,
                                                 const char        *reviewed_by,
                                                 const char        *note,
                                                 gint64             reviewed_at_us);

/* gate-conflicts-page-export.c */
void     _gate_conflicts_page_on_export_clicked (GateConflictsPage *self);
void     _gate_conflicts_page_close_chooser     (GateConflictsPage *self);

G_END_DECLS
