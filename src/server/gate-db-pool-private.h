/* gate-db-pool-private.h — what GateDbPool's files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GateDbPool is one object in two files, one concern each:
 *
 *   gate-db-pool.c       the object: statements, lanes, availability, the
 *                        cancellation sweep and the public API
 *   gate-db-pool-conn.c  one connection: its life cycle, cancelling its
 *                        query, running a job on it, and handing out jobs
 */
#pragma once

#include <libpq-fe.h>

#include "gate-db-pool.h"

G_BEGIN_DECLS


typedef enum
{
  CONN_DOWN,
  CONN_CONNECTING,
  CONN_IDLE,
  CONN_BUSY,
} ConnState;

typedef struct
{
  GateDbPool  *pool;
  PGconn      *pg;
  ConnState    state;
  guint        watch_id;       /* while connecting */
  GSource     *io_source;      /* while open: the socket, for good */
  gpointer     io_tag;
  GIOCondition io_condition;
  guint        retry_id;
  guint        backoff_ms;
  GTask       *task;          /* the job running here, if any */
  guint        result_index;
  gsize        result_max;    /* its statement's max_rows_size */
  gsize        result_size;   /* the size of its rows so far, counted as max_rows_size is */
  guint        statement;     /* index of the statement whose results come next */
  GateDbReply *reply;
  gboolean     rolling_back;
  gboolean     cancelling;    /* a PQcancel for this connection is under way */
  gboolean     was_up;        /* has been open before: the next open is a reconnect */
  GHashTable  *prepared;      /* SQL text → statement name, on this connection now */
  gboolean     job_prepared;  /* the running job prepares statements */
  gboolean     job_named;     /* the running job runs prepared statements */
  gboolean     probed;        /* asked which backend it reaches (PQbackendPID against pg_backend_pid()) */
  gboolean     probing;       /* the running job begins with that question */
  gboolean     direct;        /* the answer: the backend libpq opened, no pooler between */
} Conn;

/* The work of one device or client address. */
typedef struct
{
  char     *name;
  guint     running;
  GQueue    jobs;        /* GTask* */
  GList     ring_link;   /* in GateDbPool.ring while it may start a job */
  gboolean  in_ring;
} Lane;

struct _GateDbPool
{
  GObject          parent_instance;

  char            *conninfo;
  guint            size;
  GArray          *conns;      /* (element-type Conn*) */
  GHashTable      *lanes;      /* name → Lane (owned) */
  GQueue           ring;       /* Lanes with work and a connection to spare, in turn */
  guint            n_waiting;
  guint            sweep_id;
  GateDbPoolLimits limits;
  gboolean         available;
  gboolean         closed;
  gboolean         short_logged;
  gboolean         prepare;       /* keep statements prepared where it is safe */
  gboolean         pooler_seen;   /* a connection goes through a transaction pooler: never prepare */
  guint64          n_lost;
  guint64          n_reconnects;
};

typedef struct
{
  GPtrArray    *statements;
  guint         result_index;
  char         *lane;
  gint64        queued_at;
  gboolean      waiting;
  gboolean      retried;     /* ran once more, unprepared, after a pooler showed */
} Job;
/* gate-db-pool.c */
void  _gate_db_pool_lane_update       (GateDbPool *self,
                                       Lane       *lane);
void  _gate_db_pool_job_fail          (GTask      *task,
                                       GQuark      domain,
                                       gint        code,
                                       const char *message);
guint _gate_db_pool_count_up          (GateDbPool *self);
void  _gate_db_pool_update_available  (GateDbPool *self);
void  _gate_db_pool_requeue           (GateDbPool *self,
                                       GTask      *task);

/* gate-db-pool-conn.c */
void  _gate_db_pool_conn_connect      (Conn       *conn);
void  _gate_db_pool_conn_break        (Conn       *conn,
                                       const char *reason);
void  _gate_db_pool_conn_cancel_query (Conn       *conn);
void  _gate_db_pool_dispatch          (GateDbPool *self);

G_END_DECLS
