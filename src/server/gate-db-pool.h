/* gate-db-pool.h — asynchronous libpq connection pool
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* One SQL statement with text parameters (NULL elements are SQL NULLs).
 * With max_rows_size, the statement whose rows are the answer is read row
 * by row, and once its rows are larger than that they are no longer kept:
 * the reply has none, only their size in withheld. Their size is that of
 * the JSON array they make (gate_rpc_function_answer()): each first column
 * and a separator, a NULL counted as `null`, and a bracket. */
typedef struct
{
  char      *sql;
  GPtrArray *params;
  gsize      max_rows_size;
} GateDbStatement;

GateDbStatement *gate_db_statement_new    (const char      *sql);
void             gate_db_statement_add    (GateDbStatement *statement,
                                           const char      *param);
void             gate_db_statement_free   (GateDbStatement *statement);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GateDbStatement, gate_db_statement_free)

/* What the database answered to a batch: the first column of each row of
 * the chosen statement, or the batch's first SQL error. */
typedef struct
{
  GPtrArray *rows;       /* (element-type utf8) (nullable elements) */
  char      *sqlstate;   /* NULL on success */
  char      *message;
  char      *detail;
  char      *hint;
  /* The size in bytes of an answer the statement kept back: its first
   * column NULL and this in its second (gate_rpc_function_build_call()
   * with a limit), or its rows past max_rows_size; -1 when none was. */
  gint64     withheld;
} GateDbReply;

void             gate_db_reply_free       (GateDbReply     *reply);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GateDbReply, gate_db_reply_free)

#define GATE_DB_POOL_DEFAULT_SIZE 8
#define GATE_DB_POOL_MAX_SIZE     256

/* How work waits for a connection. A lane is whoever the work is for (a
 * device, a client address); lanes take turns, so one that floods the
 * pool waits behind its own work, not in front of everyone else's. */
typedef struct
{
  guint max_waiting;       /* jobs waiting in all lanes together */
  guint lane_running;      /* connections one lane may hold at once */
  guint lane_waiting;      /* jobs waiting in one lane */
  guint max_wait_ms;       /* a job that waited longer fails instead of running */
} GateDbPoolLimits;

#define GATE_DB_POOL_DEFAULT_MAX_WAITING  1024
#define GATE_DB_POOL_DEFAULT_LANE_WAITING 64
#define GATE_DB_POOL_DEFAULT_MAX_WAIT_MS  10000

/* What /metrics shows of the pool. */
typedef struct
{
  guint   size;         /* connections asked for (--pool) */
  guint   open;         /* open now */
  guint   busy;         /* running a call now */
  guint   waiting;      /* calls waiting for a connection */
  guint64 lost;         /* open connections that broke, since the start */
  guint64 reconnects;   /* connections opened again after one broke */
  gboolean prepared;    /* statements are kept prepared (no pooler in the way) */
} GateDbPoolStats;

#define GATE_TYPE_DB_POOL (gate_db_pool_get_type ())
G_DECLARE_FINAL_TYPE (GateDbPool, gate_db_pool, GATE, DB_POOL, GObject)

GateDbPool  *gate_db_pool_new           (const char           *conninfo,
                                         guint                 size);
void         gate_db_pool_get_limits    (GateDbPool           *self,
                                         GateDbPoolLimits     *limits);
void         gate_db_pool_set_limits    (GateDbPool           *self,
                                         const GateDbPoolLimits *limits);
guint        gate_db_pool_get_n_up      (GateDbPool           *self);
void         gate_db_pool_set_prepare   (GateDbPool           *self,
                                         gboolean              prepare);
void         gate_db_pool_get_stats     (GateDbPool           *self,
                                         GateDbPoolStats      *stats);
void         gate_db_pool_start         (GateDbPool           *self);
void         gate_db_pool_close         (GateDbPool           *self);
gboolean     gate_db_pool_get_available (GateDbPool           *self);
void         gate_db_pool_run_async     (GateDbPool           *self,
                                         GPtrArray            *statements,
                                         guint                 result_index,
                                         const char           *lane,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
GateDbReply *gate_db_pool_run_finish    (GateDbPool           *self,
                                         GAsyncResult         *result,
                                         GError              **error);

G_END_DECLS
