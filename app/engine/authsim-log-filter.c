/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "authsim-log-filter.h"

/* How often a worker's progress is published, and how often it looks at its cancellable. */
#define PROGRESS_INTERVAL_MS 100
#define SCAN_SLICE 65536

struct _AuthsimLogFilter
{
  GObject          parent_instance;

  AuthsimLogModel *model;
  guint            call;
  guint            n_model;      /* the model's rows, as last told */
  GArray          *positions;    /* guint: the model's rows of the call (call != 0) */

  GCancellable    *scan_cancellable;
  gboolean         busy;
  double           progress;
  int              scan_done;    /* atomic: thousandths of the rows scanned */
  guint            progress_source;
};

static void authsim_log_filter_list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (AuthsimLogFilter, authsim_log_filter, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      authsim_log_filter_list_model_iface_init))

enum {
  PROP_0,
  PROP_MODEL,
  PROP_CALL,
  PROP_BUSY,
  PROP_PROGRESS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* GListModel -------------------------------------------------------------------------------- */

static GType
authsim_log_filter_get_item_type (GListModel *model)
{
  return AUTHSIM_TYPE_EVENT;
}

static guint
authsim_log_filter_get_n_items (GListModel *model)
{
  AuthsimLogFilter *self = AUTHSIM_LOG_FILTER (model);

  return self->call == 0 ? self->n_model : self->positions->len;
}

static gpointer
authsim_log_filter_get_item (GListModel *model,
                             guint       position)
{
  AuthsimLogFilter *self = AUTHSIM_LOG_FILTER (model);

  if (self->call == 0)
    return g_list_model_get_item (G_LIST_MODEL (self->model), position);
  if (position >= self->positions->len)
    return NULL;
  return g_list_model_get_item (G_LIST_MODEL (self->model),
                                g_array_index (self->positions, guint, position));
}

static void
authsim_log_filter_list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = authsim_log_filter_get_item_type;
  iface->get_n_items = authsim_log_filter_get_n_items;
  iface->get_item = authsim_log_filter_get_item;
}

/* Scanning ---------------------------------------------------------------------------------- */

/* Appends the model's rows of the call among [@from, @to), as one change. */
static void
scan_now (AuthsimLogFilter *self,
          guint             from,
          guint             to)
{
  guint old = self->positions->len;

  for (guint i = from; i < to; i++)
    if (authsim_log_model_get_call (self->model, i) == self->call)
      g_array_append_val (self->positions, i);
  if (self->positions->len > old)
    g_list_model_items_changed (G_LIST_MODEL (self), old, 0, self->positions->len - old);
}

static void
set_busy (AuthsimLogFilter *self,
          gboolean          busy)
{
  if (self->busy == busy)
    return;
  self->busy = busy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
set_progress (AuthsimLogFilter *self,
              double            progress)
{
  if (self->progress == progress)
    return;
  self->progress = progress;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
}

static gboolean
progress_cb (gpointer user_data)
{
  AuthsimLogFilter *self = user_data;

  set_progress (self, g_atomic_int_get (&self->scan_done) / 1000.0);
  if (self->busy)
    return G_SOURCE_CONTINUE;
  self->progress_source = 0;
  return G_SOURCE_REMOVE;
}

typedef struct
{
  guint   call;
  GArray *history;    /* nullable: the calls of the first rows */
  GArray *session;    /* the calls of the rest */
  int    *done;       /* the filter's counter */
  GArray *positions;  /* the result */
} ScanJob;

static void
scan_job_free (ScanJob *job)
{
  g_clear_pointer (&job->history, g_array_unref);
  g_clear_pointer (&job->session, g_array_unref);
  g_clear_pointer (&job->positions, g_array_unref);
  g_free (job);
}

/* Appends the indexes (from @base) of @calls equal to the job's call; FALSE when cancelled. */
static gboolean
scan_calls (ScanJob      *job,
            const GArray *calls,
            guint         base,
            guint         total,
            GCancellable *cancellable)
{
  const guint *values = (const guint *) calls->data;

  for (guint start = 0; start < calls->len; start += SCAN_SLICE)
    {
      guint end = MIN (start + SCAN_SLICE, calls->len);

      if (g_cancellable_is_cancelled (cancellable))
        return FALSE;
      for (guint i = start; i < end; i++)
        if (values[i] == job->call)
          {
            guint position = base + i;

            g_array_append_val (job->positions, position);
          }
      g_atomic_int_set (job->done, (int) ((guint64) (base + end) * 1000 / MAX (total, 1)));
    }
  return TRUE;
}

static void
scan_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ScanJob *job = task_data;
  guint n_history = job->history != NULL ? job->history->len : 0;
  guint total = n_history + job->session->len;

  job->positions = g_array_new (FALSE, FALSE, sizeof (guint));
  if ((job->history != NULL && !scan_calls (job, job->history, 0, total, cancellable)) ||
      !scan_calls (job, job->session, n_history, total, cancellable))
    {
      g_task_return_error_if_cancelled (task);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
scan_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AuthsimLogFilter *self = AUTHSIM_LOG_FILTER (source);
  ScanJob *job = g_task_get_task_data (G_TASK (result));
  guint scanned;

  if (!g_task_propagate_boolean (G_TASK (result), NULL))
    return;  /* cancelled: another scan, or none, has taken over */

  g_clear_object (&self->scan_cancellable);
  scanned = (job->history != NULL ? job->history->len : 0) + job->session->len;
  g_array_unref (self->positions);
  self->positions = g_steal_pointer (&job->positions);
  set_progress (self, 1.0);
  set_busy (self, FALSE);
  if (self->positions->len > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, self->positions->len);
  /* Rows the model gained meanwhile. */
  scan_now (self, scanned, self->n_model);
}

static void
cancel_scan (AuthsimLogFilter *self)
{
  g_cancellable_cancel (self->scan_cancellable);
  g_clear_object (&self->scan_cancellable);
  set_busy (self, FALSE);
}

/* Finds the call's rows anew: the filter empties first (one change), then fills. */
static void
rescan (AuthsimLogFilter *self)
{
  g_autoptr(GTask) task = NULL;
  ScanJob *job;
  guint old = self->positions->len;

  cancel_scan (self);
  g_array_set_size (self->positions, 0);
  if (self->n_model <= AUTHSIM_LOG_FILTER_SYNC_ROWS)
    {
      /* A few thousand rows: a scan costs less than a thread. */
      guint position;

      for (position = 0; position < self->n_model; position++)
        if (authsim_log_model_get_call (self->model, position) == self->call)
          g_array_append_val (self->positions, position);
      if (old > 0 || self->positions->len > 0)
        g_list_model_items_changed (G_LIST_MODEL (self), 0, old, self->positions->len);
      return;
    }

  if (old > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, old, 0);
  job = g_new0 (ScanJob, 1);
  job->call = self->call;
  job->done = &self->scan_done;
  authsim_log_model_snapshot_calls (self->model, &job->history, &job->session);
  g_atomic_int_set (&self->scan_done, 0);
  set_progress (self, 0.0);
  set_busy (self, TRUE);
  if (self->progress_source == 0)
    self->progress_source = g_timeout_add (PROGRESS_INTERVAL_MS, progress_cb, self);

  self->scan_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->scan_cancellable, scan_done_cb, NULL);
  g_task_set_source_tag (task, rescan);
  g_task_set_task_data (task, job, (GDestroyNotify) scan_job_free);
  g_task_run_in_thread (task, scan_thread);
}

static void
model_items_changed_cb (GListModel       *model,
                        guint             position,
                        guint             removed,
                        guint             added,
                        AuthsimLogFilter *self)
{
  guint old = self->n_model;

  self->n_model = g_list_model_get_n_items (model);
  if (self->call == 0)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
      return;
    }

  if (removed == 0 && position == old)
    {
      /* Appended: scanned now, or when the running scan is done. */
      if (!self->busy)
        scan_now (self, old, self->n_model);
    }
  else if (self->n_model == 0)
    {
      guint shown = self->positions->len;

      cancel_scan (self);
      g_array_set_size (self->positions, 0);
      if (shown > 0)
        g_list_model_items_changed (G_LIST_MODEL (self), 0, shown, 0);
    }
  else
    {
      rescan (self);  /* the earlier launches' rows have arrived */
    }
}

/* Properties -------------------------------------------------------------------------------- */

guint
authsim_log_filter_get_call (AuthsimLogFilter *self)
{
  g_return_val_if_fail (AUTHSIM_IS_LOG_FILTER (self), 0);
  return self->call;
}

gboolean
authsim_log_filter_get_busy (AuthsimLogFilter *self)
{
  g_return_val_if_fail (AUTHSIM_IS_LOG_FILTER (self), FALSE);
  return self->busy;
}

void
authsim_log_filter_set_call (AuthsimLogFilter *self,
                             guint             call)
{
  guint old_n;

  g_return_if_fail (AUTHSIM_IS_LOG_FILTER (self));

  if (self->call == call)
    return;

  old_n = authsim_log_filter_get_n_items (G_LIST_MODEL (self));
  self->call = call;
  if (call == 0)
    {
      cancel_scan (self);
      g_array_set_size (self->positions, 0);
      g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, self->n_model);
    }
  else
    {
      /* From every row to none, then the call's rows. */
      g_array_set_size (self->positions, 0);
      if (old_n > 0)
        g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, 0);
      rescan (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CALL]);
}

/* GObject ----------------------------------------------------------------------------------- */

static void
authsim_log_filter_constructed (GObject *object)
{
  AuthsimLogFilter *self = AUTHSIM_LOG_FILTER (object);

  G_OBJECT_CLASS (authsim_log_filter_parent_class)->constructed (object);

  self->n_model = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  g_signal_connect_object (self->model, "items-changed", G_CALLBACK (model_items_changed_cb),
                           self, 0);
}

static void
authsim_log_filter_dispose (GObject *object)
{
  AuthsimLogFilter *self = AUTHSIM_LOG_FILTER (object);

  g_cancellable_cancel (self->scan_cancellable);
  g_clear_object (&self->scan_cancellable);
  g_clear_handle_id (&self->progress_source, g_source_remove);
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);

  G_OBJECT_CLASS (authsim_log_filter_parent_class)->dispose (object);
}

static void
authsim_log_filter_finalize (GObject *object)
{
  AuthsimLogFilter *self = AUTHSIM_LOG_FILTER (object);

  g_clear_pointer (&self->positions, g_array_unref);

  G_OBJECT_CLASS (authsim_log_filter_parent_class)->finalize (object);
}

static void
authsim_log_filter_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  AuthsimLogFilter *self = AUTHSIM_LOG_FILTER (object);

  switch (prop_id)
    {
    case PROP_CALL:
      g_value_set_uint (value, self->call);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_log_filter_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  AuthsimLogFilter *self = AUTHSIM_LOG_FILTER (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      self->model = g_value_dup_object (value);
      break;
    case PROP_CALL:
      authsim_log_filter_set_call (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_log_filter_class_init (AuthsimLogFilterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = authsim_log_filter_constructed;
  object_class->dispose = authsim_log_filter_dispose;
  object_class->finalize = authsim_log_filter_finalize;
  object_class->get_property = authsim_log_filter_get_property;
  object_class->set_property = authsim_log_filter_set_property;

  properties[PROP_MODEL] =
    g_param_spec_object ("model", NULL, NULL, AUTHSIM_TYPE_LOG_MODEL,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CALL] =
    g_param_spec_uint ("call", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL, 0.0, 1.0, 1.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
authsim_log_filter_init (AuthsimLogFilter *self)
{
  self->positions = g_array_new (FALSE, FALSE, sizeof (guint));
  self->progress = 1.0;
}

AuthsimLogFilter *
authsim_log_filter_new (AuthsimLogModel *model)
{
  g_return_val_if_fail (AUTHSIM_IS_LOG_MODEL (model), NULL);

  return g_object_new (AUTHSIM_TYPE_LOG_FILTER, "model", model, NULL);
}
