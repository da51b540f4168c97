/* gate-types.h — plain records shared by the cache, the API client and the engine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Times are microseconds since the Unix epoch (UTC), 0 meaning "none". Clock
 * offsets are milliseconds, server time minus device time.
 */
#pragma once

#include <glib-object.h>

#include "gate-verdict.h"

G_BEGIN_DECLS

/* Every enumeration of the core is registered by gnome.mkenums_simple
 * (gate-core-enums.h); a nick is the value's name on the wire and in the
 * cache, and these two read and write them. */
const char *gate_enum_to_nick   (GType       enum_type,
                                 int         value);
gboolean    gate_enum_from_nick (GType       enum_type,
                                 const char *nick,
                                 int        *value);

typedef enum
{
  GATE_TICKET_STATUS_VALID,    /*< nick=valid >*/
  GATE_TICKET_STATUS_SCANNED,  /*< nick=scanned >*/
  GATE_TICKET_STATUS_VOID,     /*< nick=void >*/
} GateTicketStatus;

const char *gate_ticket_status_to_string   (GateTicketStatus  status);
gboolean    gate_ticket_status_from_string (const char       *str,
                                            GateTicketStatus *status);

/* One ticket as tickets_changed_since returns it and the cache keeps it. */
typedef struct
{
  char             *id;
  char             *event_id;
  char             *qr_token;
  char             *qr_signature;
  char             *ticket_type;
  char             *guest_name;
  GateTicketStatus  status;
  gint64            scanned_at_us;
  char             *scanned_device;
  gint64            updated_at_us;
} GateTicket;

#define GATE_TYPE_TICKET (gate_ticket_get_type ())
GType       gate_ticket_get_type (void) G_GNUC_CONST;
GateTicket *gate_ticket_new      (void);
GateTicket *gate_ticket_copy     (const GateTicket *ticket);
void        gate_ticket_free     (GateTicket       *ticket);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GateTicket, gate_ticket_free)

/* One page of a delta download. */
typedef struct
{
  GPtrArray *tickets;      /* (element-type GateTicket) */
  char      *next_cursor;  /* (nullable): NULL when the server sent no rows */
  gint64     server_time_us;
} GateTicketPage;

GateTicketPage *gate_ticket_page_new  (void);
void            gate_ticket_page_free (GateTicketPage *page);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GateTicketPage, gate_ticket_page_free)

/* A page as it came, before it is decoded (gate-api-rows.h). */
typedef struct _GateTicketPageBody GateTicketPageBody;

typedef enum
{
  GATE_SCAN_MODE_ONLINE,   /*< nick=online >*/
  GATE_SCAN_MODE_OFFLINE,  /*< nick=offline >*/
} GateScanMode;

const char *gate_scan_mode_to_string (GateScanMode mode);

/* What a decision rests on: the server's answer, this device's cache, or
 * (offline, for a signed code the cache has never seen) the code's
 * signature alone. */
typedef enum
{
  GATE_DECISION_SOURCE_SERVER,     /*< nick=server >*/
  GATE_DECISION_SOURCE_CACHE,      /*< nick=cache >*/
  GATE_DECISION_SOURCE_SIGNATURE,  /*< nick=signature >*/
} GateDecisionSource;

/* The one record of a decision about one scanned code, whoever made it:
 * scan_ticket's answer (online), the cache's (offline), and what the scan
 * engine hands out with ::decided. */
typedef struct
{
  char                   *code;             /* what was scanned */
  GateVerdict             verdict;
  GateCannotDecideReason  reason;           /* cannot_decide: why; NONE otherwise */
  char                   *detail;           /* (nullable) cannot_decide: what failed, for logs, never for
                                             * the gate */
  GateScanMode            mode;
  char                   *client_scan_id;   /* the scan's idempotency key */
  char                   *ticket_id;        /* (nullable) */
  char                   *event_id;         /* (nullable): the ticket's event; for wrong_event the other one */
  char                   *guest_name;
  char                   *ticket_type;
  gint64                  scanned_at_us;    /* admitted: this scan; already_scanned: the earlier one */
  char                   *scanned_device;   /* where that scan was made */
  char                   *scanned_device_name; /* (nullable) that device's name, as the server last told it
                                             * (device_names); set by the engine */
  gint64                  server_time_us;   /* online: the server's clock at the verdict */
  gboolean                replayed;         /* offline: this client_scan_id was decided before; nothing new
                                             * queued */
  gint64                  latency_us;       /* code in → verdict out (set by the engine) */
  gint64                  cache_age_us;     /* offline: how old the cache is; 0 when never refreshed */
  GateDecisionSource      source;           /* server when online, else cache or signature */
} GateScanDecision;

#define GATE_TYPE_SCAN_DECISION (gate_scan_decision_get_type ())
GType             gate_scan_decision_get_type (void) G_GNUC_CONST;
GateScanDecision *gate_scan_decision_new      (GateVerdict             verdict,
                                               GateScanMode            mode);
GateScanDecision *gate_scan_decision_copy     (const GateScanDecision *decision);
void              gate_scan_decision_free     (GateScanDecision       *decision);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GateScanDecision, gate_scan_decision_free)

/* An offline scan waiting for upload (an element of sync_offline_scans' p_scans). */
typedef struct
{
  char   *client_scan_id;
  char   *event_id;
  char   *qr_token;
  char   *ticket_id;        /* (nullable) */
  gint64  scanned_at_us;    /* device clock at scan time */
  gint64  clock_offset_ms;  /* server − device, as last measured */
  char   *scanned_by;       /* (nullable) uuid */
  char   *scan_method;      /* qr | manual | wedge */
  char   *device_id;        /* the device that scanned */
  char   *direction;        /* (nullable) entry | exit; NULL: entry */
  char   *list_id;          /* (nullable) the check-in list it was judged by */
  guint   attempts;
  char   *last_error;       /* (nullable) */
} GateQueuedScan;

#define GATE_TYPE_QUEUED_SCAN (gate_queued_scan_get_type ())
GType           gate_queued_scan_get_type (void) G_GNUC_CONST;
GateQueuedScan *gate_queued_scan_new      (void);
GateQueuedScan *gate_queued_scan_copy     (const GateQueuedScan *scan);
void            gate_queued_scan_free     (GateQueuedScan       *scan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GateQueuedScan, gate_queued_scan_free)

typedef enum
{
  GATE_UPLOAD_APPLIED,        /*< nick=applied >*/
  GATE_UPLOAD_WON_CONFLICT,   /*< nick=won_conflict >*/
  GATE_UPLOAD_LOST_CONFLICT,  /*< nick=lost_conflict >*/
  GATE_UPLOAD_NOT_FOUND,      /*< nick=not_found >*/
  GATE_UPLOAD_VOID,           /*< nick=void >*/
  GATE_UPLOAD_REJECTED,       /*< nick=rejected >*/
  /* The gate rules (DESIGN.md §10): an exit recorded, an exit of someone
   * the server has not inside, a type or direction the list refuses. */
  GATE_UPLOAD_EXITED,           /*< nick=exited >*/
  GATE_UPLOAD_NOT_INSIDE,       /*< nick=not_inside >*/
  GATE_UPLOAD_NOT_ALLOWED_HERE, /*< nick=not_allowed_here >*/
} GateUploadOutcome;

const char *gate_upload_outcome_to_string   (GateUploadOutcome  outcome);
gboolean    gate_upload_outcome_from_string (const char        *str,
                                             GateUploadOutcome *outcome);

/* The server's answer for one uploaded scan (a row of sync_offline_scans). */
typedef struct
{
  char              *client_scan_id;
  GateUploadOutcome  outcome;
  gboolean           replayed;
  char              *winner_device;  /* (nullable) */
  gint64             winner_time_us;
  gint64             server_time_us;
} GateUploadResult;

GateUploadResult *gate_upload_result_new  (void);
void              gate_upload_result_free (GateUploadResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GateUploadResult, gate_upload_result_free)

/* A first-scan-wins conflict, from the server or recorded locally. */
typedef struct
{
  gint64  id;               /* server id; 0 while only known locally */
  char   *event_id;
  char   *ticket_id;
  char   *qr_token;
  char   *guest_name;
  char   *ticket_type;
  char   *winner_device;
  gint64  winner_time_us;
  char   *winner_scan_id;
  char   *loser_device;
  gint64  loser_time_us;
  char   *loser_scan_id;
  char   *winner_device_name;  /* (nullable) the devices' names, when known (device_names) */
  char   *loser_device_name;
  char   *winner_operator;  /* (nullable) who was signed in at each scan (0017) */
  char   *loser_operator;
  gint64  detected_at_us;
  gint64  reviewed_at_us;   /* 0 while unreviewed */
  char   *reviewed_by;
  char   *review_note;
} GateConflict;

#define GATE_TYPE_CONFLICT (gate_conflict_get_type ())
GType         gate_conflict_get_type (void) G_GNUC_CONST;
GateConflict *gate_conflict_new      (void);
GateConflict *gate_conflict_copy     (const GateConflict *conflict);
void          gate_conflict_free     (GateConflict       *conflict);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GateConflict, gate_conflict_free)

/* event_summary */
typedef struct
{
  char   *event_id;
  char   *name;
  gint64  starts_at_us;
  gint64  ticket_count;
  gint64  scanned_count;
  gint64  server_time_us;
} GateEventSummary;

GateEventSummary *gate_event_summary_new  (void);
void              gate_event_summary_free (GateEventSummary *summary);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GateEventSummary, gate_event_summary_free)

/* list_devices (device_names fills only id and name) */
typedef struct
{
  char   *id;
  char   *name;
  char   *role;
  gint64  last_seen_at_us;
  char   *app_version;
  gint    pending_scans;
  gint64  last_refresh_at_us;
  gint64  revoked_at_us;
  gint64  admitted;          /* device_activity: guests it let in for the event; -1 unknown */
} GateDeviceInfo;

#define GATE_TYPE_DEVICE_INFO (gate_device_info_get_type ())
GType           gate_device_info_get_type (void) G_GNUC_CONST;
GateDeviceInfo *gate_device_info_new      (void);
GateDeviceInfo *gate_device_info_copy     (const GateDeviceInfo *info);
void            gate_device_info_free     (GateDeviceInfo       *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GateDeviceInfo, gate_device_info_free)

/* A check-in list of an event (list_checkin_lists). */
typedef struct
{
  char       *id;
  char       *event_id;
  char       *name;
  GStrv       ticket_types;   /* the types it admits; empty: all */
  char       *direction;      /* entry | exit | both */
  gboolean    allow_reentry;
  gboolean    assigned;       /* the device's own list */
} GateListRules;

GateListRules *gate_list_rules_new  (void);
void             gate_list_rules_free (GateListRules *list);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GateListRules, gate_list_rules_free)

/* Whether one ticket is inside, and its last entry and exit
 * (stays_changed_since). */
typedef struct
{
  char    *ticket_id;
  gboolean inside;
  gint64   entered_at_us;
  char    *entry_device;
  gint64   exited_at_us;
  char    *exit_device;
} GatePresence;

GatePresence *gate_presence_new  (void);
void          gate_presence_free (GatePresence *presence);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GatePresence, gate_presence_free)

/* One page of the presence delta. */
typedef struct
{
  GPtrArray *presences;    /* (element-type GatePresence) */
  char      *next_cursor;  /* (nullable): NULL when the server sent no rows */
  gint64     server_time_us;
} GatePresencePage;

GatePresencePage *gate_presence_page_new  (void);
void              gate_presence_page_free (GatePresencePage *page);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GatePresencePage, gate_presence_page_free)

G_END_DECLS
