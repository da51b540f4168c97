/* gate-db-pool.c — asynchronous libpq connection pool
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every connection is non-blocking and stays in pipeline mode, so a whole
 * request (check the device, switch role, call, commit) is one round trip.
 * Sockets are watched from the main context: a slow query occupies one
 * connection, never the loop. Broken connections reconnect in the
 * background with backoff; while none is usable, work fails at once so
 * that callers can answer 503 instead of hanging. Jobs wait in FIFO order
 * for a free connection; one whose GCancellable fires while it waits is
 * dropped without running.
 */
#include "config.h"

#include <glib-unix.h>
#include <libpq-fe.h>

#include "gate-db-pool.h"
#include "gate-error.h"

#define RECONNECT_MIN_MS 100
#define RECONNECT_MAX_MS 2000

typedef enum
{
  CONN_DOWN,
  CONN_CONNECTING,
  CONN_IDLE,
  CONN_BUSY,
} ConnState;

typedef struct
{
  GateDbPool *pool;
  PGconn     *pg;
  ConnState   state;
  guint       watch_id;
  guint       retry_id;
  guint       backoff_ms;
  GTask      *task;          /* the job running here, if any */
  guint       result_index;
  guint       statement;     /* index of the statement whose results come next */
  GateDbReply *reply;
  gboolean    rolling_back;
} Conn;

struct _GateDbPool
{
  GObject  parent_instance;

  char    *conninfo;
  guint    size;
  GArray  *conns;     /* (element-type Conn*) */
  GQueue   waiting;   /* GTask* */
  gboolean available;
  gboolean closed;
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
  GPtrArray *statements;
  guint      result_index;
} Job;

static void conn_connect     (Conn *conn);
static void conn_set_idle    (Conn *conn);
static void conn_watch       (Conn *conn, GIOCondition condition);
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
  g_free (job);
}

/* --- connection life cycle ------------------------------------------------ */

static void
conn_clear_watch (Conn *conn)
{
  g_clear_handle_id (&conn->watch_id, g_source_remove);
}

static gboolean
on_retry (gpointer user_data)
{
  Conn *conn = user_data;

  conn->retry_id = 0;
  conn_connect (conn);
  return G_SOURCE_REMOVE;
}

static gboolean
any_conn_up (GateDbPool *self)
{
  for (guint i = 0; i < self->conns->len; i++)
    {
      Conn *conn = g_array_index (self->conns, Conn *, i);

      if (conn->state == CONN_IDLE || conn->state == CONN_BUSY)
        return TRUE;
    }

  return FALSE;
}

/* While no connection is up, queued work fails at once: callers answer 503
 * quickly instead of hanging until the database is back. */
static void
update_available (GateDbPool *self)
{
  gboolean available = !self->closed && any_conn_up (self);
  GTask *task;

  if (!available)
    while ((task = g_queue_pop_head (&self->waiting)) != NULL)
      {
        g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_UNAVAILABLE, "the database is not reachable");
        g_object_unref (task);
      }

  if (available != self->available)
    {
      self->available = available;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AVAILABLE]);
    }
}

static void
conn_break (Conn       *conn,
            const char *reason)
{
  GateDbPool *self = conn->pool;
  gboolean was_up = conn->state == CONN_IDLE || conn->state == CONN_BUSY;
  /* The reason usually lives in the PGconn about to be freed; libpq's
   * messages span lines, a log line should not. */
  g_autofree char *why = g_strstrip (g_strdelimit (g_strdup (reason), "\n\t", ' '));

  conn_clear_watch (conn);
  g_clear_pointer (&conn->pg, PQfinish);
  g_clear_pointer (&conn->reply, gate_db_reply_free);
  conn->state = CONN_DOWN;
  conn->rolling_back = FALSE;

  if (conn->task != NULL)
    {
      GTask *task = g_steal_pointer (&conn->task);

      g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_UNAVAILABLE,
                               "lost the database connection: %s", why);
      g_object_unref (task);
    }

  if (was_up && !self->closed)
    g_message ("database connection lost: %s", why);

  if (!self->closed)
    {
      conn->backoff_ms = conn->backoff_ms == 0 ? RECONNECT_MIN_MS
                                               : MIN (conn->backoff_ms * 2, RECONNECT_MAX_MS);
      conn->retry_id = g_timeout_add (conn->backoff_ms, on_retry, conn);
    }

  update_available (self);
}

/* An idle connection is watched too, so that a database going away is
 * noticed before the next request is sent into a dead socket. */
static gboolean
on_idle_io (gint         fd,
            GIOCondition condition,
            gpointer     user_data)
{
  Conn *conn = user_data;

  conn->watch_id = 0;
  if (PQconsumeInput (conn->pg) != 1 || PQstatus (conn->pg) == CONNECTION_BAD)
    {
      conn_break (conn, PQerrorMessage (conn->pg));
      return G_SOURCE_REMOVE;
    }

  conn->watch_id = g_unix_fd_add (PQsocket (conn->pg), G_IO_IN | G_IO_HUP | G_IO_ERR, on_idle_io, conn);
  return G_SOURCE_REMOVE;
}

static void
conn_set_idle (Conn *conn)
{
  conn->state = CONN_IDLE;
  conn_clear_watch (conn);
  conn->watch_id = g_unix_fd_add (PQsocket (conn->pg), G_IO_IN | G_IO_HUP | G_IO_ERR, on_idle_io, conn);
}

static void
conn_ready (Conn *conn)
{
  conn->backoff_ms = 0;
  conn_set_idle (conn);
  update_available (conn->pool);
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

/* --- running a job --------------------------------------------------------- */

static void
conn_finish_job (Conn *conn)
{
  GTask *task = g_steal_pointer (&conn->task);
  GateDbReply *reply = g_steal_pointer (&conn->reply);

  /* An error inside BEGIN … COMMIT leaves the transaction open and failed. */
  if (PQtransactionStatus (conn->pg) == PQTRANS_INERROR ||
      PQtransactionStatus (conn->pg) == PQTRANS_INTRANS)
    {
      conn->rolling_back = TRUE;
      if (PQsendQueryParams (conn->pg, "ROLLBACK", 0, NULL, NULL, NULL, NULL, 0) != 1 ||
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
        g_ptr_array_add (conn->reply->rows,
                         PQgetisnull (result, i, 0) ? NULL : g_strdup (PQgetvalue (result, i, 0)));
    }
}

static gboolean
on_conn_io (gint         fd,
            GIOCondition condition,
            gpointer     user_data)
{
  Conn *conn = user_data;

  conn->watch_id = 0;

  if (condition & G_IO_OUT)
    {
      int flushed = PQflush (conn->pg);

      if (flushed < 0)
        {
          conn_break (conn, PQerrorMessage (conn->pg));
          return G_SOURCE_REMOVE;
        }
      if (flushed == 1)
        {
          conn_watch (conn, G_IO_IN | G_IO_OUT);
          return G_SOURCE_REMOVE;
        }
    }

  if ((condition & (G_IO_IN | G_IO_HUP | G_IO_ERR)) && PQconsumeInput (conn->pg) != 1)
    {
      conn_break (conn, PQerrorMessage (conn->pg));
      return G_SOURCE_REMOVE;
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
              return G_SOURCE_REMOVE;
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
          return G_SOURCE_REMOVE;
        }

      conn_take_result (conn, result);
      PQclear (result);
    }

  if (PQstatus (conn->pg) == CONNECTION_BAD)
    {
      conn_break (conn, PQerrorMessage (conn->pg));
      return G_SOURCE_REMOVE;
    }

  conn_watch (conn, G_IO_IN);
  return G_SOURCE_REMOVE;
}

static void
conn_watch (Conn         *conn,
            GIOCondition  condition)
{
  conn_clear_watch (conn);
  conn->watch_id = g_unix_fd_add (PQsocket (conn->pg), condition | G_IO_HUP | G_IO_ERR,
                                  on_conn_io, conn);
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

  for (guint i = 0; i < job->statements->len; i++)
    {
      GateDbStatement *statement = g_ptr_array_index (job->statements, i);

      if (PQsendQueryParams (conn->pg, statement->sql, statement->params->len, NULL,
                             (const char * const *) statement->params->pdata,
                             NULL, NULL, 0) != 1)
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

/* The next queued job that still has someone waiting for it. */
static GTask *
pop_waiting (GateDbPool *self)
{
  GTask *task;

  while ((task = g_queue_pop_head (&self->waiting)) != NULL)
    {
      /* Whoever asked has gone away while it waited (a client hung up):
       * the connection is better spent on the next one. */
      if (!g_task_return_error_if_cancelled (task))
        return task;
      g_object_unref (task);
    }

  return NULL;
}

static void
pool_dispatch (GateDbPool *self)
{
  for (guint i = 0; i < self->conns->len && !g_queue_is_empty (&self->waiting); i++)
    {
      Conn *conn = g_array_index (self->conns, Conn *, i);
      GTask *task;

      if (conn->state == CONN_IDLE && (task = pop_waiting (self)) != NULL)
        conn_start_job (conn, task);
    }
}

/* --- public API ------------------------------------------------------------- */

GateDbPool *
gate_db_pool_new (const char *conninfo,
                  guint       size)
{
  return g_object_new (GATE_TYPE_DB_POOL, "conninfo", conninfo, "size", size, NULL);
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

void
gate_db_pool_run_async (GateDbPool          *self,
                        GPtrArray           *statements,
                        guint                result_index,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (GATE_IS_DB_POOL (self));
  g_return_if_fail (statements != NULL && result_index < statements->len);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gate_db_pool_run_async);

  job = g_new0 (Job, 1);
  job->statements = g_ptr_array_ref (statements);
  job->result_index = result_index;
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);

  if (!self->available)
    {
      g_task_return_new_error (task, GATE_ERROR, GATE_ERROR_UNAVAILABLE, "the database is not reachable");
      return;
    }

  g_queue_push_tail (&self->waiting, g_steal_pointer (&task));
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

  update_available (self);
}

static void
gate_db_pool_constructed (GObject *object)
{
  GateDbPool *self = GATE_DB_POOL (object);

  G_OBJECT_CLASS (gate_db_pool_parent_class)->constructed (object);

  for (guint i = 0; i < self->size; i++)
    {
      Conn *conn = g_new0 (Conn, 1);

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
    g_free (g_array_index (self->conns, Conn *, i));
  g_array_unref (self->conns);
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
  g_queue_init (&self->waiting);
}
