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
 * A connection, and handing jobs out to the connections, is in
 * gate-db-pool-conn.c (see gate-db-pool-private.h).
 */
#include "config.h"

#include <libpq-fe.h>

#include "gate-db-pool-private.h"
#include "gate-error.h"

#define SWEEP_MS         100

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
void
_gate_db_pool_lane_update (GateDbPool *self,
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
  _gate_db_pool_lane_update (self, lane);
}

/* A job that ran and must run again goes first in its lane. */
void
_gate_db_pool_requeue (GateDbPool *self,
                       GTask      *task)
{
  Job *job = g_task_get_task_data (task);
  Lane *lane = lane_get (self, job->lane);

  job->waiting = TRUE;
  job->queued_at = g_get_monotonic_time ();
  self->n_waiting++;
  g_queue_push_head (&lane->jobs, task);
  _gate_db_pool_lane_update (self, lane);
}

void
_gate_db_pool_job_fail (GTask      *task,
                        GQuark      domain,
                        gint        code,
                        const char *message)
{
  g_task_return_new_error (task, domain, code, "%s", message);
  g_object_unref (task);
}

/* --- availability ------------------------------------------------------------ */

guint
_gate_db_pool_count_up (GateDbPool *self)
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
    _gate_db_pool_job_fail (tasks->pdata[i], GATE_ERROR, GATE_ERROR_UNAVAILABLE, message);
}

/* While no connection is up, queued work fails at once: callers answer 503
 * quickly instead of hanging until the database is back. */
void
_gate_db_pool_update_available (GateDbPool *self)
{
  gboolean available = !self->closed && _gate_db_pool_count_up (self) > 0;

  if (!available)
    fail_all_waiting (self, "the database is not reachable");

  if (available != self->available)
    {
      self->available = available;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AVAILABLE]);
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
        _gate_db_pool_conn_cancel_query (conn);
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
 * than at every call. That is only safe where every transaction of a
 * connection runs on the backend it opened: straight to PostgreSQL, or
 * through a pooler in session mode. So each connection first asks which
 * backend answers; a transaction pooler (PgBouncer, Supavisor) answers with
 * another than the one its backend key names, and from then on the pool
 * prepares nothing. A call that meets a pooler some other way (a prepared
 * statement unknown where it ran) runs once more, unprepared. On by
 * default. Set it before gate_db_pool_start().
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
    .prepared = self->prepare && !self->pooler_seen,
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

  return _gate_db_pool_count_up (self);
}

void
gate_db_pool_start (GateDbPool *self)
{
  g_return_if_fail (GATE_IS_DB_POOL (self));

  for (guint i = 0; i < self->conns->len; i++)
    {
      Conn *conn = g_array_index (self->conns, Conn *, i);

      if (conn->state == CONN_DOWN && conn->retry_id == 0)
        _gate_db_pool_conn_connect (conn);
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
      _gate_db_pool_lane_update (self, lane);
      return;
    }

  if (cancellable != NULL)
    start_sweeping (self);

  job->waiting = TRUE;
  self->n_waiting++;
  g_queue_push_tail (&lane->jobs, g_steal_pointer (&task));
  _gate_db_pool_lane_update (self, lane);
  _gate_db_pool_dispatch (self);
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
        _gate_db_pool_conn_break (conn, "the server is shutting down");
      g_clear_handle_id (&conn->retry_id, g_source_remove);
    }

  g_clear_handle_id (&self->sweep_id, g_source_remove);
  _gate_db_pool_update_available (self);
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
  self->prepare = TRUE;
  self->limits = (GateDbPoolLimits) {
    GATE_DB_POOL_DEFAULT_MAX_WAITING, 1, GATE_DB_POOL_DEFAULT_LANE_WAITING, GATE_DB_POOL_DEFAULT_MAX_WAIT_MS,
  };
}
