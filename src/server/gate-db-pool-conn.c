/* gate-db-pool-conn.c — one connection of the pool: its life cycle, its
 * jobs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *
 * Each open connection has one source on its socket for its whole life,
 * whose events change with its state (PQflush wants to write, or not);
 * adding and removing a watch for every step of every job made the pool a
 * noticeable part of a call's cost.
 */
#include "config.h"

#include <glib-unix.h>
#include <libpq-fe.h>

#include "gate-db-pool-private.h"
#include "gate-error.h"

#define RECONNECT_MIN_MS 100
#define RECONNECT_MAX_MS 2000
/* Statements one connection keeps prepared (gate_db_pool_set_prepare());
 * any beyond are sent unnamed. The API's calls are a few dozen texts. */
#define MAX_PREPARED     128

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
  _gate_db_pool_conn_connect (conn);
  return G_SOURCE_REMOVE;
}


/* A connection that cannot be opened while others work usually means
 * PostgreSQL's max_connections is lower than --pool: the pool then runs on
 * fewer connections than asked for. Say so once, not at every retry; and
 * once more when it has them all again. */
static void
log_short_pool (GateDbPool *self,
                const char *why)
{
  guint up = _gate_db_pool_count_up (self);

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
  if (self->short_logged && _gate_db_pool_count_up (self) == self->size)
    {
      self->short_logged = FALSE;
      g_message ("database: all %u connections are open", self->size);
    }
}

void
_gate_db_pool_conn_break (Conn       *conn,
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
  /* The next connection may reach PostgreSQL another way. */
  conn->probed = FALSE;
  conn->direct = FALSE;
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
          _gate_db_pool_lane_update (self, lane);
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

  _gate_db_pool_update_available (self);
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
    _gate_db_pool_conn_break (conn, PQerrorMessage (conn->pg));
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
  _gate_db_pool_update_available (conn->pool);
  log_full_pool (conn->pool);
  _gate_db_pool_dispatch (conn->pool);
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
        _gate_db_pool_conn_break (conn, PQerrorMessage (conn->pg));
      else
        conn_ready (conn);
      break;

    case PGRES_POLLING_FAILED:
    case PGRES_POLLING_ACTIVE:
    default:
      _gate_db_pool_conn_break (conn, PQerrorMessage (conn->pg));
      break;
    }

  return G_SOURCE_REMOVE;
}

void
_gate_db_pool_conn_connect (Conn *conn)
{
  conn->state = CONN_CONNECTING;
  conn->pg = PQconnectStart (conn->pool->conninfo);

  if (conn->pg == NULL || PQstatus (conn->pg) == CONNECTION_BAD || PQsocket (conn->pg) < 0)
    {
      _gate_db_pool_conn_break (conn, conn->pg ? PQerrorMessage (conn->pg) : "out of memory");
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
    _gate_db_pool_dispatch (conn->pool);
}

void
_gate_db_pool_conn_cancel_query (Conn *conn)
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
      _gate_db_pool_lane_update (conn->pool, lane);
    }
}

/* A pooler's first sign, when the probe could not tell (a pooler that
 * passes the backend's key on): a statement this connection prepared is
 * unknown where the call ran, or one it never prepared is there already. */
static gboolean
conn_met_pooler (Conn        *conn,
                 GateDbReply *reply)
{
  return conn->job_named && reply->sqlstate != NULL &&
         (g_str_equal (reply->sqlstate, "26000") || g_str_equal (reply->sqlstate, "42P05"));
}

static void
conn_pooler_seen (Conn       *conn,
                  const char *how)
{
  if (conn->pool->pooler_seen)
    return;
  conn->pool->pooler_seen = TRUE;
  g_message ("database: the connections go through a transaction pooler (%s); statements are no longer kept "
             "prepared", how);
}

static void
conn_finish_job (Conn *conn)
{
  GTask *task = g_steal_pointer (&conn->task);
  GateDbReply *reply = g_steal_pointer (&conn->reply);
  Job *job = g_task_get_task_data (task);
  gboolean again = FALSE;

  conn_job_ended (conn, task);

  /* Nothing of the job was committed (its error ended its transaction):
   * it runs once more, unprepared. */
  if (conn_met_pooler (conn, reply) && !job->retried)
    {
      conn_pooler_seen (conn, reply->message ? reply->message : reply->sqlstate);
      g_hash_table_remove_all (conn->prepared);
      job->retried = TRUE;
      again = TRUE;
    }

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
          _gate_db_pool_conn_break (conn, PQerrorMessage (conn->pg));
          return;
        }
      conn_watch (conn, PQflush (conn->pg) == 1 ? (G_IO_IN | G_IO_OUT) : G_IO_IN);
    }
  else
    conn_set_idle (conn);

  if (again)
    {
      gate_db_reply_free (reply);
      _gate_db_pool_requeue (conn->pool, task);
    }
  else
    {
      g_task_return_pointer (task, reply, (GDestroyNotify) gate_db_reply_free);
      g_object_unref (task);
    }

  if (conn->state == CONN_IDLE)
    _gate_db_pool_dispatch (conn->pool);
}

static void
conn_take_result (Conn     *conn,
                  PGresult *result)
{
  ExecStatusType status = PQresultStatus (result);

  if (conn->rolling_back)
    return;

  if (conn->probing && conn->statement == 0 && status == PGRES_TUPLES_OK)
    {
      gint64 pid = PQntuples (result) == 1 ? g_ascii_strtoll (PQgetvalue (result, 0, 0), NULL, 10) : 0;

      conn->probed = TRUE;
      conn->direct = pid != 0 && pid == PQbackendPID (conn->pg);
      if (!conn->direct)
        conn_pooler_seen (conn, "the backend that answers is not the one connected to");
      return;
    }

  if (status == PGRES_FATAL_ERROR && conn->reply->sqlstate == NULL)
    {
      const char *sqlstate = PQresultErrorField (result, PG_DIAG_SQLSTATE);

      conn->reply->sqlstate = g_strdup (sqlstate ? sqlstate : "XX000");
      conn->reply->message = g_strdup (PQresultErrorField (result, PG_DIAG_MESSAGE_PRIMARY));
      conn->reply->detail = g_strdup (PQresultErrorField (result, PG_DIAG_MESSAGE_DETAIL));
      conn->reply->hint = g_strdup (PQresultErrorField (result, PG_DIAG_MESSAGE_HINT));
    }
  else if ((status == PGRES_TUPLES_OK || status == PGRES_SINGLE_TUPLE) && conn->statement == conn->result_index)
    {
      int n = PQntuples (result);

      for (int i = 0; i < n; i++)
        {
          gboolean null = PQgetisnull (result, i, 0);

          if (conn->result_max > 0)
            {
              conn->result_size += (null ? 4 : (gsize) PQgetlength (result, i, 0)) + 1;
              if (conn->result_size > conn->result_max)
                {
                  /* Counted to the end, kept no more. */
                  g_ptr_array_set_size (conn->reply->rows, 0);
                  conn->reply->withheld = (gint64) conn->result_size;
                  continue;
                }
            }
          g_ptr_array_add (conn->reply->rows, null ? NULL : g_strdup (PQgetvalue (result, i, 0)));
          if (i == 0 && null && PQnfields (result) > 1 && !PQgetisnull (result, 0, 1))
            conn->reply->withheld = g_ascii_strtoll (PQgetvalue (result, 0, 1), NULL, 10);
        }
    }
}

/* The rows of a statement with max_rows_size come one at a time, so that
 * no more of them than that is ever held. Called before its results are
 * read (pipeline mode: after those of the statement before it). */
static void
conn_read_rows_singly (Conn *conn)
{
  if (conn->result_max > 0 && conn->statement == conn->result_index)
    PQsetSingleRowMode (conn->pg);
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
          _gate_db_pool_conn_break (conn, PQerrorMessage (conn->pg));
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
      _gate_db_pool_conn_break (conn, PQerrorMessage (conn->pg));
      return;
    }

  while (!PQisBusy (conn->pg))
    {
      PGresult *result = PQgetResult (conn->pg);

      if (result == NULL)
        {
          /* End of one statement's results. */
          conn->statement++;
          conn_read_rows_singly (conn);
          if (PQstatus (conn->pg) == CONNECTION_BAD)
            {
              _gate_db_pool_conn_break (conn, PQerrorMessage (conn->pg));
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
              _gate_db_pool_dispatch (conn->pool);
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
      _gate_db_pool_conn_break (conn, PQerrorMessage (conn->pg));
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
  gboolean may_prepare;

  conn->task = task;
  conn->state = CONN_BUSY;
  conn->statement = 0;
  conn->result_index = job->result_index;
  conn->result_max = ((GateDbStatement *) g_ptr_array_index (job->statements, job->result_index))->max_rows_size;
  conn->result_size = 1;
  conn->reply = g_new0 (GateDbReply, 1);
  conn->reply->rows = g_ptr_array_new_with_free_func (g_free);
  conn->reply->withheld = -1;

  conn->job_prepared = FALSE;
  conn->job_named = FALSE;
  conn->probing = FALSE;

  /* Before the first statement is kept prepared on a connection: does it
   * reach the backend libpq opened? A transaction pooler (PgBouncer before
   * 1.21, Supavisor) gives its clients a backend key of its own and runs
   * each transaction on any of its server connections, where a statement
   * prepared on another is unknown. The question shares the job's
   * transaction, hence its server connection. */
  if (conn->pool->prepare && !conn->pool->pooler_seen && !conn->probed)
    {
      if (PQsendQueryParams (conn->pg, "SELECT pg_catalog.pg_backend_pid()", 0, NULL, NULL, NULL, NULL, 0) != 1)
        {
          _gate_db_pool_conn_break (conn, PQerrorMessage (conn->pg));
          return;
        }
      conn->probing = TRUE;
      conn->result_index++;
    }
  may_prepare = conn->pool->prepare && !conn->pool->pooler_seen && conn->probed && conn->direct;

  for (guint i = 0; i < job->statements->len; i++)
    {
      GateDbStatement *statement = g_ptr_array_index (job->statements, i);
      const char *name = may_prepare ? g_hash_table_lookup (conn->prepared, statement->sql) : NULL;
      int sent;

      /* Prepared once per connection, in the same round trip as its first
       * use; the preparation's result comes before the statement's. A name
       * is the text's digest: wherever a pooler might send it, a name
       * means one statement. */
      if (name == NULL && may_prepare && g_hash_table_size (conn->prepared) < MAX_PREPARED)
        {
          g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, statement->sql, -1);
          char *new_name = g_strdup_printf ("gate_%.32s", digest);

          if (PQsendPrepare (conn->pg, new_name, statement->sql, (int) statement->params->len, NULL) != 1)
            {
              g_free (new_name);
              _gate_db_pool_conn_break (conn, PQerrorMessage (conn->pg));
              return;
            }
          g_hash_table_insert (conn->prepared, g_strdup (statement->sql), new_name);
          name = new_name;
          conn->job_prepared = TRUE;
          if (i <= job->result_index)
            conn->result_index++;
        }

      conn->job_named |= name != NULL;
      if (name != NULL)
        sent = PQsendQueryPrepared (conn->pg, name, (int) statement->params->len,
                                    (const char * const *) statement->params->pdata, NULL, NULL, 0);
      else
        sent = PQsendQueryParams (conn->pg, statement->sql, (int) statement->params->len, NULL,
                                  (const char * const *) statement->params->pdata, NULL, NULL, 0);
      if (sent != 1)
        {
          _gate_db_pool_conn_break (conn, PQerrorMessage (conn->pg));
          return;
        }
    }

  if (PQpipelineSync (conn->pg) != 1)
    {
      _gate_db_pool_conn_break (conn, PQerrorMessage (conn->pg));
      return;
    }
  conn_read_rows_singly (conn);

  switch (PQflush (conn->pg))
    {
    case 0:
      conn_watch (conn, G_IO_IN);
      break;
    case 1:
      conn_watch (conn, G_IO_IN | G_IO_OUT);
      break;
    default:
      _gate_db_pool_conn_break (conn, PQerrorMessage (conn->pg));
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
              _gate_db_pool_lane_update (self, lane);
              return task;
            }
        }
      _gate_db_pool_lane_update (self, lane);
    }

  return NULL;
}

void
_gate_db_pool_dispatch (GateDbPool *self)
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
        _gate_db_pool_job_fail (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "the request waited too long for the database");
    }
}

