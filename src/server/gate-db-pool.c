/* gate-db-pool.c — asynchronous libpq connection pool
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every connection is non-blocking and stays in pipeline mode, so a whole
 * request (check the device, switch role, call, commit) is one round trip.
 * Sockets are watched from the main context: a slow query occupies one
 * connection, never the loop. Broken connections reconnect in the
 * background with backoff; while none is usable, work fails at once so
 * that callers can answer 503 instead of hanging.
 *
 * Jobs wait in lanes, one per device or client address, and the lanes take
 * turns: a lane holds at most lane_running connections, so a device that
 * sends a hundred calls at a locked ticket ties up that many and no more,
 * and everyone else's work goes past it. The queue is bounded in length
 * and in time (G_IO_ERROR_BUSY, G_IO_ERROR_TIMED_OUT: callers answer 503
 * with Retry-After). A job whose GCancellable fires (its client hung up)
 * leaves the queue, or, when it is already running, its query is cancelled
 * in the database (PQcancel, on a thread: libpq 15 has no asynchronous
 * cancel), and the connection takes no new work until the cancel request
 * is done, so that it cannot hit the next job. Cancellables are looked at
 * every 100 ms while there is work, rather than connected to one by one:
 * the common job ends well before anyone could hang up.
 *
 * Each open connection has one source on its socket for its whole life,
 * whose events change with its state (PQflush wants to write, or not);
 * adding and removing a watch for every step of every job made the pool a
 * noticeable part of a call's cost.
 */
#include "config.h"

#include <glib-unix.h>
#include <libpq-fe.h>

#include "gate-db-pool.h"
#include "gate-error.h"

#define RECONNECT_MIN_MS 100
#define RECONNECT_MAX_MS 2000
#define SWEEP_MS         100
/* Statements one connection keeps prepared (gate_db_pool_set_prepare());
 * any beyond are sent unnamed. The API's calls are a few dozen texts. */
#define MAX_PREPARED     128

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
  guint        statement;     /* index of the statement whose results come next */
  GateDbReply *reply;
  gboolean     rolling_back;
  gboolean     cancelling;    /* a PQcancel for this connection is under way */
  gboolean     was_up;        /* has been open before: the next open is a reconnect */
  GHashTable  *prepared;      /* SQL text → statement name, on this connection now */
  guint        n_names;       /* names given out on this connection */
  gboolean     job_prepared;  /* the running job prepares statements */
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
  gboolean         prepare;
  guint64          n_lost;
  guint64          n_reconnects;
};

G_DEFINE_FINAL_TYPE (GateDbPool, gate_db_pool, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_CONNINFO,
  PROP_SIZE,
  PROP_AVAILABLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  GPtrArray    *statements;
  guint         result_index;
  char         *lane;
  gint64        queued_at;
  gboolean      waiting;
} Job;

static void conn_connect     (Conn *conn);
static void conn_break       (Conn *conn, const char *reason);
static void pool_dispatch    (GateDbPool *self);

GateDbStatement *
gate_db_statement_new (const char *sql)
{
  GateDbStatement *statement = g_new0 (GateDbStatement, 1);

  statement->sql = g_strdup (sql);
  statement->params = g_ptr_array_new_with_free_func (g_free);
  return statement;
}

void
gate_db_statement_add (GateDbStatement *statement,
                       const char      *param)
{
  g_ptr_array_add (statement->params, g_strdup (param));
}

void
gate_db_statement_free (GateDbStatement *statement)
{
  if (statement == NULL)
    return;

  g_free (statement->sql);
  g_ptr_array_unref (statement->params);
  g_free (statement);
}

void
gate_db_reply_free (GateDbReply *reply)
{
  if (reply == NULL)
    return;

  g_clear_pointer (&reply->rows, g_ptr_array_unref);
  g_free (reply->sqlstate);
  g_free (reply->message);
  g_free (reply->detail);
  g_free (reply->hint);
  g_free (reply);
}

static void
job_free (Job *job)
{
  g_ptr_array_unref (job->statements);
  g_free (job->lane);
  g_free (job);
}

/* --- lanes ------------------------------------------------------------------ */

static void
lane_free (Lane *lane)
{
  g_free (lane->name);
  g_free (lane);
}

static Lane *
lane_get (GateDbPool *self,
          const char *name)
{
  Lane *lane = g_hash_table_lookup (self->lanes, name);

  if (lane == NULL)
    {
      lane = g_new0 (Lane, 1);
      lane->name = g_strdup (name);
      lane->ring_link.data = lane;
      g_queue_init (&lane->jobs);
      g_hash_table_insert (self->lanes, lane->name, lane);
    }
  return lane;
}

/* Puts @lane in line for a connection when it has work and room to run it,
 * takes it out otherwise, and forgets it once it has nothing at all. */
static void
lane_update (GateDbPool *self,
             Lane       *lane)
{
  gboolean may_start = !g_queue_is_empty (&lane->jobs) && lane->running < self->limits.lane_running;

  if (may_start && !lane->in_ring)
    {
      g_queue_push_tail_link (&self->ring, &lane->ring_link);
      lane->in_ring = TRUE;
    }
  else if (!may_start && lane->in_ring)
    {
      g_queue_unlink (&self->ring, &lane->ring_link);
      lane->in_ring = FALSE;
    }

  if (g_queue_is_empty (&lane->jobs) && lane->running == 0)
    g_hash_table_remove (self->lanes, lane->name);
}

/* The job leaves its lane's queue, not yet answered. */
static void
job_unqueue (GateDbPool *self,
             GTask      *task)
{
  Job *job = g_task_get_task_data (task);
  Lane *lane = g_hash_table_lookup (self->lanes, job->lane);

  if (!job->waiting || lane == NULL)
    return;

  g_queue_remove (&lane->jobs, task);
  job->waiting = FALSE;
  self->n_waiting--;
  lane_update (self, lane);
}

static void
job_fail (GTask      *task,
          GQuark      domain,
          gint        code,
          const char *message)
{
  g_task_return_new_error (task, domain, code, "%s", message);
  g_object_unref (task);
}

/* --- connection life cycle ------------------------------------------------ */

static void
conn_clear_watch (Conn *conn)
{
  g_clear_handle_id (&conn->watch_id, g_source_remove);
  if (conn->io_source != NULL)
    {
      g_source_destroy (conn->io_source);
      g_clear_pointer (&conn->io_source, g_source_unref);
      conn->io_tag = NULL;
    }
}

static gboolean
on_retry (gpointer user_data)
{
  Conn *conn = user_data;

  conn->retry_id = 0;
  conn_connect (conn);
  return G_SOURCE_REMOVE;
}

static guint
count_up (GateDbPool *self)
{
  guint up = 0;

  for (guint i = 0; i < self->conns->len; i++)
    {
      Conn *conn = g_array_index (self->conns, Conn *, i);

      up += conn->state == CONN_IDLE || conn->state == CONN_BUSY;
    }

  return up;
}

static void
fail_all_waiting (GateDbPool *self,
                  const char *message)
{
  g_autoptr(GPtrArray) tasks = g_ptr_array_new ();
  GHashTableIter iter;
  Lane *lane;

  /* Collected first: failing a task may run its callback, which must not
   * find the lanes half torn down. */
  g_hash_table_iter_init (&iter, self->lanes);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lane))
    for (const GList *l = lane->jobs.head; l != NULL; l = l->next)
      g_ptr_array_add (tasks, l->data);

  for (guint i = 0; i < tasks->len; i++)
    job_unqueue (self, tasks->pdata[i]);
  for (guint i = 0; i < tasks->len; i++)
    job_fail (tasks->pdata[i], GATE_ERROR, GATE_ERROR_UNAVAILABLE, message);
}

/* While no connection is up, queued work fails at once: callers answer 503
 * quickly instead of hanging until the database is back. */
static void
update_available (GateDbPool *self)
{
  gboolean available = !self->closed && count_up (self) > 0;

  if (!available)
    fail_all_waiting (self, "the database is not reachable");

  if (available != self->available)
    {
      self->available = available;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AVAILABLE]);
    }
}

/* A connection that cannot be opened while others work usually means
 * PostgreSQL's max_connections is lower than --pool: the pool then runs on
 * fewer connections than asked for. Say so once, not at every retry; and
 * once more when it has them all again. */
static void
log_short_pool (GateDbPool *self,
                const char *why)
{
  guint up = count_up (self);

  if (self->closed || self->short_logged || up == 0)
    return;

  self->short_logged = TRUE;
  g_message ("database: only %u of %u connections could be opened (%s); gate-server runs on %u until "
             "more can be opened — raise PostgreSQL's max_connections or lower --pool",
             up, self->size, why, up);
}

static void
log_full_pool (GateDbPool *self)
{
  if (self->short_logged && count_up (self) == self->size)
    {
      self->short_logged = FALSE;
      g_message ("database: all %u connections are open", self->size);
    }
}

static void
conn_break (Conn       *conn,
            const char *reason)
{
  GateDbPool *self = conn->pool;
  gboolean was_up = conn->state == CONN_IDLE || conn->state == CONN_BUSY;
  gboolean was_connecting = conn->state == CONN_CONNECTING;
  /* The reason usually lives in the PGconn about to be freed; libpq's
   * messages span lines, a log line should not. */
  g_autofree char *why = g_strstrip (g_strdelimit (g_strdup (reason), "\n\t", ' '));

  conn_clear_watch (conn);
  g_clear_pointer (&conn->pg, PQfinish);
  g_clear_pointer (&conn->reply, gate_db_reply_free);
  if (conn->prepared != NULL)
    g_hash_table_remove_all (conn->prepared);
  conn->state = CONN_DOWN;
  conn->rolling_back = FALSE;

  if (conn->task != NULL)
    {
      GTask *task = g_steal_pointer (&conn->task);
      Job *job = g_task_get_task_data (task);
      Lane *lane = g_hash_table_lookup (self->lanes, job->lane);

      if (lane != NULL)
        {
          lane->running--;
          lane_update (self, lane);
        }
      g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_UNAVAILABLE,
                               "lost the database connection: %s", why);
      g_object_unref (task);
    }

  if (was_up && !self->closed)
    {
      self->n_lost++;
      g_message ("database connection lost: %s", why);
    }
  if (was_connecting)
    log_short_pool (self, why);

  if (!self->closed)
    {
      conn->backoff_ms = conn->backoff_ms == 0 ? RECONNECT_MIN_MS
                                               : MIN (conn->backoff_ms * 2, RECONNECT_MAX_MS);
      conn->retry_id = g_timeout_add (conn->backoff_ms, on_retry, conn);
    }

  update_available (self);
}

static void conn_on_io (Conn *conn, GIOCondition condition);

typedef struct
{
  GSource  source;
  Conn    *conn;
} ConnSource;

static gboolean
conn_source_dispatch (GSource     *source,
                      GSourceFunc  callback,
                      gpointer     user_data)
{
  ConnSource *conn_source = (ConnSource *) source;
  Conn *conn = conn_source->conn;

  conn_on_io (conn, g_source_query_unix_fd (source, conn->io_tag));
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs conn_source_funcs = { NULL, NULL, conn_source_dispatch, NULL, NULL, NULL };

/* Waits for @condition (and always a hang-up or an error) on the socket. */
static void
conn_watch (Conn         *conn,
            GIOCondition  condition)
{
  condition |= G_IO_HUP | G_IO_ERR;

  if (conn->io_source == NULL)
    {
      conn->io_source = g_source_new (&conn_source_funcs, sizeof (ConnSource));
      ((ConnSource *) conn->io_source)->conn = conn;
      conn->io_tag = g_source_add_unix_fd (conn->io_source, PQsocket (conn->pg), condition);
      g_source_attach (conn->io_source, NULL);
    }
  else if (condition != conn->io_condition)
    g_source_modify_unix_fd (conn->io_source, conn->io_tag, condition);

  conn->io_condition = condition;
}

/* An idle connection is watched too, so that a database going away is
 * noticed before the next request is sent into a dead socket. */
static void
conn_on_idle_io (Conn *conn)
{
  if (PQconsumeInput (conn->pg) != 1 || PQstatus (conn->pg) == CONNECTION_BAD)
    conn_break (conn, PQerrorMessage (conn->pg));
}

static void
conn_set_idle (Conn *conn)
{
  conn->state = CONN_IDLE;
  conn_watch (conn, G_IO_IN);
}

static void
conn_ready (Conn *conn)
{
  conn->backoff_ms = 0;
  if (conn->was_up)
    conn->pool->n_reconnects++;
  conn->was_up = TRUE;
  conn_set_idle (conn);
  update_available (conn->pool);
  log_full_pool (conn->pool);
  pool_dispatch (conn->pool);
}

static gboolean
on_connect_poll (gint         fd,
                 GIOCondition condition,
                 gpointer     user_data)
{
  Conn *conn = user_data;

  conn->watch_id = 0;

  switch (PQconnectPoll (conn->pg))
    {
    case PGRES_POLLING_READING:
      conn->watch_id = g_unix_fd_add (PQsocket (conn->pg), G_IO_IN, on_connect_poll, conn);
      break;

    case PGRES_POLLING_WRITING:
      conn->watch_id = g_unix_fd_add (PQsocket (conn->pg), G_IO_OUT, on_connect_poll, conn);
      break;

    case PGRES_POLLING_OK:
      if (PQsetnonblocking (conn->pg, 1) != 0 || PQenterPipelineMode (conn->pg) != 1)
        conn_break (conn, PQerrorMessage (conn->pg));
      else
        conn_ready (conn);
      break;

    case PGRES_POLLING_FAILED:
    case PGRES_POLLING_ACTIVE:
    default:
      conn_break (conn, PQerrorMessage (conn->pg));
      break;
    }

  return G_SOURCE_REMOVE;
}

static void
conn_connect (Conn *conn)
{
  conn->state = CONN_CONNECTING;
  conn->pg = PQconnectStart (conn->pool->conninfo);

  if (conn->pg == NULL || PQstatus (conn->pg) == CONNECTION_BAD || PQsocket (conn->pg) < 0)
    {
      conn_break (conn, conn->pg ? PQerrorMessage (conn->pg) : "out of memory");
      return;
    }

  conn->watch_id = g_unix_fd_add (PQsocket (conn->pg), G_IO_OUT, on_connect_poll, conn);
}

/* --- cancelling a running query ----------------------------------------------- */

static void
cancel_in_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  char error[256];

  /* Best effort: the query may have ended meanwhile, which is fine. */
  PQcancel (task_data, error, sizeof error);
  g_task_return_boolean (task, TRUE);
}

static void
on_cancel_sent (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Conn *conn = user_data;

  conn->cancelling = FALSE;
  /* The job ended while the cancel was on its way: now the connection may
   * take the next one. */
  if (conn->state == CONN_IDLE)
    pool_dispatch (conn->pool);
}

static void
conn_cancel_query (Conn *conn)
{
  g_autoptr(GTask) task = NULL;
  PGcancel *cancel;

  if (conn->cancelling || conn->pg == NULL || (cancel = PQgetCancel (conn->pg)) == NULL)
    return;

  conn->cancelling = TRUE;
  /* The pool outlives its connections' cancels: dispose waits for none,
   * but the Conn structs are only freed with the pool, and the pool is
   * kept alive by the task. */
  task = g_task_new (conn->pool, NULL, on_cancel_sent, conn);
  g_task_set_task_data (task, cancel, (GDestroyNotify) PQfreeCancel);
  g_task_run_in_thread (task, cancel_in_thread);
}

/* --- running a job --------------------------------------------------------- */

static void
conn_job_ended (Conn  *conn,
                GTask *task)
{
  Job *job = g_task_get_task_data (task);
  Lane *lane = g_hash_table_lookup (conn->pool->lanes, job->lane);

  if (lane != NULL)
    {
      lane->running--;
      lane_update (conn->pool, lane);
    }
}

static void
conn_finish_job (Conn *conn)
{
  GTask *task = g_steal_pointer (&conn->task);
  GateDbReply *reply = g_steal_pointer (&conn->reply);

  conn_job_ended (conn, task);

  /* An error inside BEGIN … COMMIT leaves the transaction open and failed.
   * An error in a job that prepared statements skipped what followed it,
   * maybe some of the preparations: which ones exist is not known, so
   * none is kept. */
  if (PQtransactionStatus (conn->pg) == PQTRANS_INERROR ||
      PQtransactionStatus (conn->pg) == PQTRANS_INTRANS ||
      (conn->job_prepared && reply->sqlstate != NULL))
    {
      gboolean in_transaction = PQtransactionStatus (conn->pg) != PQTRANS_IDLE;

      conn->rolling_back = TRUE;
      if (conn->job_prepared && reply->sqlstate != NULL)
        g_hash_table_remove_all (conn->prepared);
      if ((in_transaction && PQsendQueryParams (conn->pg, "ROLLBACK", 0, NULL, NULL, NULL, NULL, 0) != 1) ||
          (conn->job_prepared && reply->sqlstate != NULL &&
           PQsendQueryParams (conn->pg, "DEALLOCATE ALL", 0, NULL, NULL, NULL, NULL, 0) != 1) ||
          PQpipelineSync (conn->pg) != 1)
        {
          g_task_return_pointer (task, reply, (GDestroyNotify) gate_db_reply_free);
          g_object_unref (task);
          conn_break (conn, PQerrorMessage (conn->pg));
          return;
        }
      conn_watch (conn, PQflush (conn->pg) == 1 ? (G_IO_IN | G_IO_OUT) : G_IO_IN);
    }
  else
    conn_set_idle (conn);

  g_task_return_pointer (task, reply, (GDestroyNotify) gate_db_reply_free);
  g_object_unref (task);

  if (conn->state == CONN_IDLE)
    pool_dispatch (conn->pool);
}

static void
conn_take_result (Conn     *conn,
                  PGresult *result)
{
  ExecStatusType status = PQresultStatus (result);

  if (conn->rolling_back)
    return;

  if (status == PGRES_FATAL_ERROR && conn->reply->sqlstate == NULL)
    {
      const char *sqlstate = PQresultErrorField (result, PG_DIAG_SQLSTATE);

      conn->reply->sqlstate = g_strdup (sqlstate ? sqlstate : "XX000");
      conn->reply->message = g_strdup (PQresultErrorField (result, PG_DIAG_MESSAGE_PRIMARY));
      conn->reply->detail = g_strdup (PQresultErrorField (result, PG_DIAG_MESSAGE_DETAIL));
      conn->reply->hint = g_strdup (PQresultErrorField (result, PG_DIAG_MESSAGE_HINT));
    }
  else if (status == PGRES_TUPLES_OK && conn->statement == conn->result_index)
    {
      int n = PQntuples (result);

      for (int i = 0; i < n; i++)
        {
          g_ptr_array_add (conn->reply->rows,
                           PQgetisnull (result, i, 0) ? NULL : g_strdup (PQgetvalue (result, i, 0)));
          if (i == 0 && PQgetisnull (result, 0, 0) && PQnfields (result) > 1 && !PQgetisnull (result, 0, 1))
            conn->reply->withheld = g_ascii_strtoll (PQgetvalue (result, 0, 1), NULL, 10);
        }
    }
}

static void
conn_on_busy_io (Conn         *conn,
                 GIOCondition  condition)
{
  if (condition & G_IO_OUT)
    {
      int flushed = PQflush (conn->pg);

      if (flushed < 0)
        {
          conn_break (conn, PQerrorMessage (conn->pg));
          return;
        }
      if (flushed == 1)
        {
          conn_watch (conn, G_IO_IN | G_IO_OUT);
          return;
        }
    }

  if ((condition & (G_IO_IN | G_IO_HUP | G_IO_ERR)) && PQconsumeInput (conn->pg) != 1)
    {
      conn_break (conn, PQerrorMessage (conn->pg));
      return;
    }

  while (!PQisBusy (conn->pg))
    {
      PGresult *result = PQgetResult (conn->pg);

      if (result == NULL)
        {
          /* End of one statement's results. */
          conn->statement++;
          if (PQstatus (conn->pg) == CONNECTION_BAD)
            {
              conn_break (conn, PQerrorMessage (conn->pg));
              return;
            }
          continue;
        }

      if (PQresultStatus (result) == PGRES_PIPELINE_SYNC)
        {
          PQclear (result);
          if (conn->rolling_back)
            {
              conn->rolling_back = FALSE;
              conn_set_idle (conn);
              pool_dispatch (conn->pool);
            }
          else
            conn_finish_job (conn);
          return;
        }

      conn_take_result (conn, result);
      PQclear (result);
    }

  if (PQstatus (conn->pg) == CONNECTION_BAD)
    {
      conn_break (conn, PQerrorMessage (conn->pg));
      return;
    }

  conn_watch (conn, G_IO_IN);
}

static void
conn_on_io (Conn         *conn,
            GIOCondition  condition)
{
  if (conn->state == CONN_IDLE)
    conn_on_idle_io (conn);
  else if (conn->state == CONN_BUSY)
    conn_on_busy_io (conn, condition);
}

static void
conn_start_job (Conn  *conn,
                GTask *task)
{
  Job *job = g_task_get_task_data (task);

  conn->task = task;
  conn->state = CONN_BUSY;
  conn->statement = 0;
  conn->result_index = job->result_index;
  conn->reply = g_new0 (GateDbReply, 1);
  conn->reply->rows = g_ptr_array_new_with_free_func (g_free);
  conn->reply->withheld = -1;

  conn->job_prepared = FALSE;
  for (guint i = 0; i < job->statements->len; i++)
    {
      GateDbStatement *statement = g_ptr_array_index (job->statements, i);
      const char *name = conn->pool->prepare ? g_hash_table_lookup (conn->prepared, statement->sql) : NULL;
      int sent;

      /* Prepared once per connection, in the same round trip as its first
       * use; the preparation's result comes before the statement's. */
      if (name == NULL && conn->pool->prepare && g_hash_table_size (conn->prepared) < MAX_PREPARED)
        {
          char *new_name = g_strdup_printf ("gate_%u", ++conn->n_names);

          if (PQsendPrepare (conn->pg, new_name, statement->sql, (int) statement->params->len, NULL) != 1)
            {
              g_free (new_name);
              conn_break (conn, PQerrorMessage (conn->pg));
              return;
            }
          g_hash_table_insert (conn->prepared, g_strdup (statement->sql), new_name);
          name = new_name;
          conn->job_prepared = TRUE;
          if (i <= job->result_index)
            conn->result_index++;
        }

      if (name != NULL)
        sent = PQsendQueryPrepared (conn->pg, name, (int) statement->params->len,
                                    (const char * const *) statement->params->pdata, NULL, NULL, 0);
      else
        sent = PQsendQueryParams (conn->pg, statement->sql, (int) statement->params->len, NULL,
                                  (const char * const *) statement->params->pdata, NULL, NULL, 0);
      if (sent != 1)
        {
          conn_break (conn, PQerrorMessage (conn->pg));
          return;
        }
    }

  if (PQpipelineSync (conn->pg) != 1)
    {
      conn_break (conn, PQerrorMessage (conn->pg));
      return;
    }

  switch (PQflush (conn->pg))
    {
    case 0:
      conn_watch (conn, G_IO_IN);
      break;
    case 1:
      conn_watch (conn, G_IO_IN | G_IO_OUT);
      break;
    default:
      conn_break (conn, PQerrorMessage (conn->pg));
      break;
    }
}

/* The next job of the lane whose turn it is. Jobs whose client has gone or
 * that waited too long are set aside in @dropped, to be answered once the
 * lanes are consistent again. */
static GTask *
next_job (GateDbPool *self,
          GPtrArray  *dropped)
{
  gint64 now = g_get_monotonic_time ();
  GList *link;

  while ((link = g_queue_pop_head_link (&self->ring)) != NULL)
    {
      Lane *lane = link->data;
      GTask *task;

      lane->in_ring = FALSE;
      while ((task = g_queue_pop_head (&lane->jobs)) != NULL)
        {
          Job *job = g_task_get_task_data (task);

          job->waiting = FALSE;
          self->n_waiting--;

          if (g_cancellable_is_cancelled (g_task_get_cancellable (task)) ||
              now - job->queued_at > (gint64) self->limits.max_wait_ms * 1000)
            g_ptr_array_add (dropped, task);
          else
            {
              lane->running++;
              /* Back in line behind the others, if it has more to run. */
              lane_update (self, lane);
              return task;
            }
        }
      lane_update (self, lane);
    }

  return NULL;
}

static void
pool_dispatch (GateDbPool *self)
{
  g_autoptr(GPtrArray) dropped = g_ptr_array_new ();

  for (guint i = 0; i < self->conns->len && self->ring.length > 0; i++)
    {
      Conn *conn = g_array_index (self->conns, Conn *, i);
      GTask *task;

      if (conn->state == CONN_IDLE && !conn->cancelling && (task = next_job (self, dropped)) != NULL)
        conn_start_job (conn, task);
    }

  for (guint i = 0; i < dropped->len; i++)
    {
      GTask *task = dropped->pdata[i];

      if (g_task_return_error_if_cancelled (task))
        g_object_unref (task);
      else
        job_fail (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "the request waited too long for the database");
    }
}

/* --- cancellation -------------------------------------------------------------- */

static gboolean
pool_has_work (GateDbPool *self)
{
  if (self->n_waiting > 0)
    return TRUE;

  for (guint i = 0; i < self->conns->len; i++)
    if (g_array_index (self->conns, Conn *, i)->state == CONN_BUSY)
      return TRUE;
  return FALSE;
}

/* Drops the waiting jobs whose client went away and cancels the queries of
 * the running ones; runs while there is work. */
static gboolean
on_sweep (gpointer user_data)
{
  GateDbPool *self = user_data;
  g_autoptr(GPtrArray) gone = g_ptr_array_new ();
  GHashTableIter iter;
  Lane *lane;

  for (guint i = 0; i < self->conns->len; i++)
    {
      Conn *conn = g_array_index (self->conns, Conn *, i);

      if (conn->state == CONN_BUSY && conn->task != NULL &&
          g_cancellable_is_cancelled (g_task_get_cancellable (conn->task)))
        conn_cancel_query (conn);
    }

  g_hash_table_iter_init (&iter, self->lanes);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lane))
    for (const GList *l = lane->jobs.head; l != NULL; l = l->next)
      if (g_cancellable_is_cancelled (g_task_get_cancellable (l->data)))
        g_ptr_array_add (gone, l->data);

  for (guint i = 0; i < gone->len; i++)
    job_unqueue (self, gone->pdata[i]);
  for (guint i = 0; i < gone->len; i++)
    {
      g_task_return_error_if_cancelled (gone->pdata[i]);
      g_object_unref (gone->pdata[i]);
    }

  if (pool_has_work (self))
    return G_SOURCE_CONTINUE;

  self->sweep_id = 0;
  return G_SOURCE_REMOVE;
}

static void
start_sweeping (GateDbPool *self)
{
  if (self->sweep_id == 0)
    self->sweep_id = g_timeout_add (SWEEP_MS, on_sweep, self);
}

/* --- public API ------------------------------------------------------------- */

GateDbPool *
gate_db_pool_new (const char *conninfo,
                  guint       size)
{
  return g_object_new (GATE_TYPE_DB_POOL, "conninfo", conninfo, "size", size, NULL);
}

/**
 * gate_db_pool_get_limits:
 * @limits: (out caller-allocates): how work waits now
 */
void
gate_db_pool_get_limits (GateDbPool       *self,
                         GateDbPoolLimits *limits)
{
  g_return_if_fail (GATE_IS_DB_POOL (self));

  *limits = self->limits;
}

/**
 * gate_db_pool_set_limits:
 *
 * Zero fields keep their current value. The default lets a lane hold a
 * quarter of the connections (at least one).
 */
void
gate_db_pool_set_limits (GateDbPool             *self,
                         const GateDbPoolLimits *limits)
{
  g_return_if_fail (GATE_IS_DB_POOL (self));

  if (limits->max_waiting > 0)
    self->limits.max_waiting = limits->max_waiting;
  if (limits->lane_running > 0)
    self->limits.lane_running = limits->lane_running;
  if (limits->lane_waiting > 0)
    self->limits.lane_waiting = limits->lane_waiting;
  if (limits->max_wait_ms > 0)
    self->limits.max_wait_ms = limits->max_wait_ms;
}

/**
 * gate_db_pool_set_prepare:
 * @prepare: whether to keep statements prepared on each connection
 *
 * Prepared, a statement is parsed and planned once per connection rather
 * than at every call. Only for a direct connection to PostgreSQL, or a
 * pooler that carries protocol-level prepared statements (PgBouncer 1.21
 * and later with max_prepared_statements): PgBouncer 1.18 in transaction
 * mode would send a call to a server connection that has never seen the
 * statement. Off by default. Set it before gate_db_pool_start().
 */
void
gate_db_pool_set_prepare (GateDbPool *self,
                          gboolean    prepare)
{
  g_return_if_fail (GATE_IS_DB_POOL (self));

  self->prepare = prepare;
}

/**
 * gate_db_pool_get_stats:
 * @stats: (out caller-allocates): the pool as it is now, for /metrics
 */
void
gate_db_pool_get_stats (GateDbPool      *self,
                        GateDbPoolStats *stats)
{
  g_return_if_fail (GATE_IS_DB_POOL (self));

  *stats = (GateDbPoolStats) {
    .size = self->size,
    .waiting = self->n_waiting,
    .lost = self->n_lost,
    .reconnects = self->n_reconnects,
  };
  for (guint i = 0; i < self->conns->len; i++)
    {
      Conn *conn = g_array_index (self->conns, Conn *, i);

      stats->open += conn->state == CONN_IDLE || conn->state == CONN_BUSY;
      stats->busy += conn->state == CONN_BUSY;
    }
}

/**
 * gate_db_pool_get_n_up:
 *
 * Returns: how many connections are open now
 */
guint
gate_db_pool_get_n_up (GateDbPool *self)
{
  g_return_val_if_fail (GATE_IS_DB_POOL (self), 0);

  return count_up (self);
}

void
gate_db_pool_start (GateDbPool *self)
{
  g_return_if_fail (GATE_IS_DB_POOL (self));

  for (guint i = 0; i < self->conns->len; i++)
    {
      Conn *conn = g_array_index (self->conns, Conn *, i);

      if (conn->state == CONN_DOWN && conn->retry_id == 0)
        conn_connect (conn);
    }
}

/**
 * gate_db_pool_get_available:
 *
 * Whether at least one connection is up. While none is, work fails at once
 * with %GATE_ERROR_UNAVAILABLE and the pool keeps reconnecting.
 */
gboolean
gate_db_pool_get_available (GateDbPool *self)
{
  g_return_val_if_fail (GATE_IS_DB_POOL (self), FALSE);

  return self->available;
}

/**
 * gate_db_pool_run_async:
 * @statements: run in order, in one round trip
 * @result_index: whose rows the reply carries
 * @lane: whose work this is (e.g. "device:ID"); lanes take turns
 * @cancellable: (nullable): cancelling drops the job from the queue, or
 *   cancels its query in the database when it already runs (within 100 ms)
 *
 * Fails with %GATE_ERROR_UNAVAILABLE (no connection), %G_IO_ERROR_BUSY
 * (the queue or the lane's queue is full), %G_IO_ERROR_TIMED_OUT (waited
 * longer than the limit) or %G_IO_ERROR_CANCELLED.
 */
void
gate_db_pool_run_async (GateDbPool          *self,
                        GPtrArray           *statements,
                        guint                result_index,
                        const char          *lane_name,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Lane *lane;
  Job *job;

  g_return_if_fail (GATE_IS_DB_POOL (self));
  g_return_if_fail (statements != NULL && result_index < statements->len);
  g_return_if_fail (lane_name != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_db_pool_run_async);

  job = g_new0 (Job, 1);
  job->statements = g_ptr_array_ref (statements);
  job->result_index = result_index;
  job->lane = g_strdup (lane_name);
  job->queued_at = g_get_monotonic_time ();
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);

  if (!self->available)
    {
      g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_UNAVAILABLE, "the database is not reachable");
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;

  lane = lane_get (self, lane_name);
  if (self->n_waiting >= self->limits.max_waiting || lane->jobs.length >= self->limits.lane_waiting)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY, "%s",
                               self->n_waiting >= self->limits.max_waiting
                                 ? "too many requests are waiting for the database"
                                 : "too many requests of this client are waiting for the database");
      lane_update (self, lane);
      return;
    }

  if (cancellable != NULL)
    start_sweeping (self);

  job->waiting = TRUE;
  self->n_waiting++;
  g_queue_push_tail (&lane->jobs, g_steal_pointer (&task));
  lane_update (self, lane);
  pool_dispatch (self);
}

GateDbReply *
gate_db_pool_run_finish (GateDbPool    *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
gate_db_pool_close (GateDbPool *self)
{
  g_return_if_fail (GATE_IS_DB_POOL (self));

  self->closed = TRUE;

  for (guint i = 0; i < self->conns->len; i++)
    {
      Conn *conn = g_array_index (self->conns, Conn *, i);

      g_clear_handle_id (&conn->retry_id, g_source_remove);
      if (conn->pg != NULL)
        conn_break (conn, "the server is shutting down");
      g_clear_handle_id (&conn->retry_id, g_source_remove);
    }

  g_clear_handle_id (&self->sweep_id, g_source_remove);
  update_available (self);
}

static void
gate_db_pool_constructed (GObject *object)
{
  GateDbPool *self = GATE_DB_POOL (object);

  G_OBJECT_CLASS (gate_db_pool_parent_class)->constructed (object);

  self->limits.lane_running = MAX (1, self->size / 4);

  for (guint i = 0; i < self->size; i++)
    {
      Conn *conn = g_new0 (Conn, 1);

      conn->prepared = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

      conn->pool = self;
      conn->state = CONN_DOWN;
      g_array_append_val (self->conns, conn);
    }
}

static void
gate_db_pool_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  GateDbPool *self = GATE_DB_POOL (object);

  switch (prop_id)
    {
    case PROP_CONNINFO:
      g_value_set_string (value, self->conninfo);
      break;

    case PROP_SIZE:
      g_value_set_uint (value, self->size);
      break;

    case PROP_AVAILABLE:
      g_value_set_boolean (value, self->available);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_db_pool_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  GateDbPool *self = GATE_DB_POOL (object);

  switch (prop_id)
    {
    case PROP_CONNINFO:
      self->conninfo = g_value_dup_string (value);
      break;

    case PROP_SIZE:
      self->size = g_value_get_uint (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gate_db_pool_dispose (GObject *object)
{
  GateDbPool *self = GATE_DB_POOL (object);

  if (!self->closed)
    gate_db_pool_close (self);

  G_OBJECT_CLASS (gate_db_pool_parent_class)->dispose (object);
}

static void
gate_db_pool_finalize (GObject *object)
{
  GateDbPool *self = GATE_DB_POOL (object);

  for (guint i = 0; i < self->conns->len; i++)
    {
      g_clear_pointer (&g_array_index (self->conns, Conn *, i)->prepared, g_hash_table_unref);
      g_free (g_array_index (self->conns, Conn *, i));
    }
  g_array_unref (self->conns);
  g_hash_table_unref (self->lanes);
  g_free (self->conninfo);

  G_OBJECT_CLASS (gate_db_pool_parent_class)->finalize (object);
}

static void
gate_db_pool_class_init (GateDbPoolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = gate_db_pool_constructed;
  object_class->get_property = gate_db_pool_get_property;
  object_class->set_property = gate_db_pool_set_property;
  object_class->dispose = gate_db_pool_dispose;
  object_class->finalize = gate_db_pool_finalize;

  /**
   * GateDbPool:conninfo:
   *
   * The libpq connection string, used for every connection and reconnect.
   */
  properties[PROP_CONNINFO] =
    g_param_spec_string ("conninfo", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GateDbPool:size:
   *
   * How many connections, i.e. how many statements run at the same time.
   */
  properties[PROP_SIZE] =
    g_param_spec_uint ("size", NULL, NULL, 1, GATE_DB_POOL_MAX_SIZE, GATE_DB_POOL_DEFAULT_SIZE,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GateDbPool:available:
   *
   * Whether a connection is up. Becoming %TRUE again after a loss means the
   * schema may have changed meanwhile.
   */
  properties[PROP_AVAILABLE] =
    g_param_spec_boolean ("available", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gate_db_pool_init (GateDbPool *self)
{
  self->size = GATE_DB_POOL_DEFAULT_SIZE;
  self->conns = g_array_new (FALSE, FALSE, sizeof (Conn *));
  self->lanes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) lane_free);
  g_queue_init (&self->ring);
  self->limits = (GateDbPoolLimits) {
    GATE_DB_POOL_DEFAULT_MAX_WAITING, 1, GATE_DB_POOL_DEFAULT_LANE_WAITING, GATE_DB_POOL_DEFAULT_MAX_WAIT_MS,
  };
}
