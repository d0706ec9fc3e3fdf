/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "authsim-log-model.h"
#include "authsim-log-private.h"
#include "authsim-types.h"

/* How often the progress of the workers is published. */
#define PROGRESS_INTERVAL_MS 100
/* An export writes by this much. */
#define EXPORT_BUFFER (1024 * 1024)

/*
 * Rows: [0, n_history) are the earlier launches' lines of the file (@history, once the worker
 * has indexed them; none after a clear), then the log's rows from @session_first on. Row
 * positions are those of the model; session rows keep the log's own objects.
 */
struct _AuthsimLogModel
{
  GObject          parent_instance;

  AuthsimLog      *log;
  guint            session_first;   /* the log's first row shown */
  guint            n_session;       /* the log's rows seen (its n_items when last told) */

  /* The earlier launches' lines. */
  char            *history_path;
  guint64          history_end;
  int              history_fd;
  AuthsimLogIndex *history;         /* set when indexed */
  GArray          *history_calls;   /* distinct, sorted */
  guint            n_history;       /* rows of it shown */
  gboolean         history_hidden;
  AuthsimRowCache *cache;           /* its rows' events */

  /* Workers: progress counters they update, published every PROGRESS_INTERVAL_MS. */
  GCancellable    *index_cancellable;
  gboolean         indexing;
  double           progress;
  int              index_done;      /* atomic: thousandths of the bytes indexed */
  guint            export_running;
  double           export_progress;
  guint            export_done;     /* atomic: rows written */
  guint            export_total;
  guint            progress_source;
};

static void authsim_log_model_list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (AuthsimLogModel, authsim_log_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      authsim_log_model_list_model_iface_init))

enum {
  PROP_0,
  PROP_LOG,
  PROP_INDEXING,
  PROP_PROGRESS,
  PROP_EXPORT_PROGRESS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void ensure_progress_source (AuthsimLogModel *self);

/* The log's rows shown: those from @session_first on that it has shown (events appended
 * before a clear may not have reached its model yet). */
static guint
n_session_rows (AuthsimLogModel *self)
{
  return self->n_session > self->session_first ? self->n_session - self->session_first : 0;
}

/* GListModel -------------------------------------------------------------------------------- */

static GType
authsim_log_model_get_item_type (GListModel *model)
{
  return AUTHSIM_TYPE_EVENT;
}

static guint
authsim_log_model_get_n_items (GListModel *model)
{
  AuthsimLogModel *self = AUTHSIM_LOG_MODEL (model);

  return self->n_history + n_session_rows (self);
}

static AuthsimEvent *
get_history_item (AuthsimLogModel *self,
                  guint            position)
{
  guint64 offset = g_array_index (self->history->offsets, guint64, position);
  g_autoptr(GString) line = NULL;
  g_autoptr(GError) error = NULL;
  AuthsimEvent *event;

  if ((event = authsim_row_cache_lookup (self->cache, position)) != NULL)
    return event;

  line = g_string_sized_new (512);
  if (!authsim_log_read_line (self->history_fd, offset, line, &error))
    {
      g_string_truncate (line, 0);
      g_string_append (line, error->message);
    }
  event = authsim_event_new_from_line (line->str, line->len, self->history_path, offset);
  authsim_row_cache_insert (self->cache, position, event);
  return event;
}

static gpointer
authsim_log_model_get_item (GListModel *model,
                            guint       position)
{
  AuthsimLogModel *self = AUTHSIM_LOG_MODEL (model);

  if (position < self->n_history)
    return get_history_item (self, position);
  position -= self->n_history;
  if (position >= n_session_rows (self))
    return NULL;
  return g_list_model_get_item (G_LIST_MODEL (self->log), self->session_first + position);
}

static void
authsim_log_model_list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = authsim_log_model_get_item_type;
  iface->get_n_items = authsim_log_model_get_n_items;
  iface->get_item = authsim_log_model_get_item;
}

guint
authsim_log_model_get_call (AuthsimLogModel *self,
                            guint            position)
{
  g_return_val_if_fail (AUTHSIM_IS_LOG_MODEL (self), 0);

  if (position < self->n_history)
    return g_array_index (self->history->calls, guint, position);
  position -= self->n_history;
  g_return_val_if_fail (position < n_session_rows (self), 0);
  return authsim_log_get_call_at (self->log, self->session_first + position);
}

GArray *
authsim_log_model_get_history_calls (AuthsimLogModel *self)
{
  g_return_val_if_fail (AUTHSIM_IS_LOG_MODEL (self), NULL);

  return self->n_history > 0 ? self->history_calls : NULL;
}

void
authsim_log_model_snapshot_calls (AuthsimLogModel  *self,
                                  GArray          **history,
                                  GArray          **session)
{
  g_return_if_fail (AUTHSIM_IS_LOG_MODEL (self));

  *history = self->n_history > 0 ? g_array_ref (self->history->calls) : NULL;
  *session = authsim_log_dup_calls (self->log, self->session_first, n_session_rows (self));
}

/* This session ------------------------------------------------------------------------------ */

/* The log only ever appends: its new rows from @session_first on are ours. */
static void
log_items_changed_cb (GListModel      *log,
                      guint            position,
                      guint            removed,
                      guint            added,
                      AuthsimLogModel *self)
{
  guint old = self->n_session;
  guint first;

  self->n_session = g_list_model_get_n_items (log);
  first = MAX (old, self->session_first);
  if (self->n_session > first)
    g_list_model_items_changed (G_LIST_MODEL (self),
                                self->n_history + (first - self->session_first), 0,
                                self->n_session - first);
}

void
authsim_log_model_clear (AuthsimLogModel *self)
{
  guint removed;

  g_return_if_fail (AUTHSIM_IS_LOG_MODEL (self));

  removed = authsim_log_model_get_n_items (G_LIST_MODEL (self));

  /* The history goes for good (an indexing under way has nothing left to show), and the
   * session from the events written so far, shown or not. */
  g_cancellable_cancel (self->index_cancellable);
  self->history_hidden = TRUE;
  self->n_history = 0;
  authsim_row_cache_clear (self->cache);
  self->session_first = MAX (authsim_log_get_n_appended (self->log), self->n_session);

  if (removed > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);
}

/* Progress ---------------------------------------------------------------------------------- */

static void
set_double (AuthsimLogModel *self,
            double          *field,
            double           value,
            guint            prop_id)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static gboolean
progress_cb (gpointer user_data)
{
  AuthsimLogModel *self = user_data;

  if (self->indexing)
    set_double (self, &self->progress, g_atomic_int_get (&self->index_done) / 1000.0,
                PROP_PROGRESS);
  if (self->export_running > 0 && self->export_total > 0)
    set_double (self, &self->export_progress,
                (double) g_atomic_int_get (&self->export_done) / (double) self->export_total,
                PROP_EXPORT_PROGRESS);

  if (self->indexing || self->export_running > 0)
    return G_SOURCE_CONTINUE;
  self->progress_source = 0;
  return G_SOURCE_REMOVE;
}

static void
ensure_progress_source (AuthsimLogModel *self)
{
  if (self->progress_source == 0)
    {
      self->progress_source = g_timeout_add (PROGRESS_INTERVAL_MS, progress_cb, self);
      g_source_set_static_name (g_main_context_find_source_by_id (NULL, self->progress_source),
                                "[authsim] log model progress");
    }
}

/* The earlier launches' lines ------------------------------------------------------------- */

typedef struct
{
  int              fd;
  guint64          end;
  int             *done;   /* the model's counter */
  AuthsimLogIndex *index;
  GArray          *calls;  /* distinct */
} IndexJob;

static void
index_job_free (IndexJob *job)
{
  g_clear_pointer (&job->index, authsim_log_index_free);
  g_clear_pointer (&job->calls, g_array_unref);
  g_free (job);
}

static void
index_progress (guint64  done,
                guint64  total,
                gpointer user_data)
{
  IndexJob *job = user_data;

  g_atomic_int_set (job->done, (int) (done * 1000 / MAX (total, 1)));
}

static void
index_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  IndexJob *job = task_data;
  GError *error = NULL;

  job->index = authsim_log_index_new ();
  if (!authsim_log_index_file (job->index, job->fd, 0, job->end, cancellable,
                               index_progress, job, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  job->calls = authsim_log_distinct_calls ((const guint *) job->index->calls->data,
                                           job->index->calls->len);
  g_task_return_boolean (task, TRUE);
}

static void
index_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(AuthsimLogModel) self = g_weak_ref_get (user_data);
  IndexJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gboolean indexed = g_task_propagate_boolean (G_TASK (result), &error);

  if (self == NULL)
    return;  /* the model went away meanwhile (and cancelled the indexing) */

  g_clear_object (&self->index_cancellable);
  self->indexing = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INDEXING]);
  set_double (self, &self->progress, 1.0, PROP_PROGRESS);

  if (!indexed || self->history_hidden)
    {
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("%s", error->message);
      return;
    }

  self->history = g_steal_pointer (&job->index);
  self->history_calls = g_steal_pointer (&job->calls);
  self->n_history = self->history->offsets->len;
  if (self->n_history > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, self->n_history);
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

/* The indexing thread: a thread of its own, at the lowest priority (nice 19, best effort):
 * it runs while the window starts, and on a two-core machine it took ~50 % more time to the
 * first frame when it competed with the main thread and the X server as an equal. (Not a
 * GTask pool thread: its priority could not be raised back afterwards without privileges.) */
static gpointer
index_thread_main (gpointer data)
{
  g_autoptr(GTask) task = data;

  if (setpriority (PRIO_PROCESS, (id_t) gettid (), 19) != 0)
    { /* best effort */ }
  index_thread (task, NULL, g_task_get_task_data (task), g_task_get_cancellable (task));
  return NULL;
}

/* Starts indexing the file as the log found it, when it held earlier launches' lines. */
static void
start_history (AuthsimLogModel *self)
{
  g_autoptr(GTask) task = NULL;
  GWeakRef *weak;
  IndexJob *job;
  const char *path;
  guint64 end;

  path = authsim_log_get_history (self->log, &end);
  if (path == NULL || end == 0 || self->history_path != NULL || self->history_hidden)
    return;
  self->history_fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (self->history_fd < 0)
    return;
  self->history_path = g_strdup (path);
  self->history_end = end;

  job = g_new0 (IndexJob, 1);
  job->fd = self->history_fd;
  job->end = end;
  job->done = &self->index_done;

  self->index_cancellable = g_cancellable_new ();
  self->indexing = TRUE;
  g_atomic_int_set (&self->index_done, 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INDEXING]);
  set_double (self, &self->progress, 0.0, PROP_PROGRESS);
  /* The task does not hold the model: a model dropped meanwhile cancels the indexing. */
  weak = g_new0 (GWeakRef, 1);
  g_weak_ref_init (weak, self);
  task = g_task_new (NULL, self->index_cancellable, index_done_cb, weak);
  g_task_set_source_tag (task, start_history);
  g_object_set_data_full (G_OBJECT (task), "authsim-model", weak, weak_ref_free);
  g_task_set_task_data (task, job, (GDestroyNotify) index_job_free);
  g_thread_unref (g_thread_new ("authsim-log-index", index_thread_main,
                                g_steal_pointer (&task)));
  ensure_progress_source (self);
}

static void
log_file_changed_cb (AuthsimLog      *log,
                     GParamSpec      *pspec,
                     AuthsimLogModel *self)
{
  start_history (self);
}

/* Export ------------------------------------------------------------------------------------ */

typedef struct
{
  GFile      *file;
  int         history_fd;     /* -1: no history rows */
  char       *history_path;
  guint64     history_start;
  guint64     history_end;
  AuthsimLog *log;
  GArray     *locations;      /* the session rows' */
  guint       session_first;  /* the log's row of the first */
  guint      *done;           /* the model's counter */
  guint       written;
} ExportJob;

static void
export_job_free (ExportJob *job)
{
  g_clear_object (&job->file);
  g_free (job->history_path);
  g_clear_object (&job->log);
  g_clear_pointer (&job->locations, g_array_unref);
  g_free (job);
}

/* Writes @buffer out once it holds EXPORT_BUFFER bytes (or when @force). */
static gboolean
export_flush (GOutputStream *stream,
              GString       *buffer,
              gboolean       force,
              GCancellable  *cancellable,
              GError       **error)
{
  if (buffer->len < EXPORT_BUFFER && !force)
    return TRUE;
  if (!g_output_stream_write_all (stream, buffer->str, buffer->len, NULL, cancellable, error))
    return FALSE;
  g_string_truncate (buffer, 0);
  return TRUE;
}

/* One row of the history: counted, and its line (or its error row) buffered. */
static void
export_line (ExportJob  *job,
             GString    *buffer,
             const char *line,
             gsize       length,
             guint64     offset)
{
  if (length > 0 && line[length - 1] == '\r')
    length--;
  if (length == 0)
    return;  /* not a row (the index skips empty lines too) */
  authsim_log_append_export_line (buffer, line, length, job->history_path, offset);
  job->written++;
  g_atomic_int_set (job->done, job->written);
}

/* The earlier launches' rows: their bytes, read in blocks, line by line. */
static gboolean
export_history (ExportJob     *job,
                GOutputStream *stream,
                GString       *buffer,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autofree char *block = g_malloc (EXPORT_BUFFER);
  g_autoptr(GString) carry = g_string_new (NULL);
  guint64 carry_offset = job->history_start;

  for (guint64 offset = job->history_start; offset < job->history_end;)
    {
      gssize n = pread (job->history_fd, block, MIN (EXPORT_BUFFER, job->history_end - offset),
                        (off_t) offset);
      const char *p = block, *newline;

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;

          g_set_error_literal (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                               g_strerror (errsv));
          return FALSE;
        }
      if (n == 0)
        break;
      while ((newline = memchr (p, '\n', block + n - p)) != NULL)
        {
          g_string_append_len (carry, p, newline - p);
          export_line (job, buffer, carry->str, carry->len, carry_offset);
          g_string_truncate (carry, 0);
          p = newline + 1;
          carry_offset = offset + (p - block);
        }
      g_string_append_len (carry, p, block + n - p);
      offset += n;
      if (!export_flush (stream, buffer, FALSE, cancellable, error))
        return FALSE;
    }
  export_line (job, buffer, carry->str, carry->len, carry_offset);
  return TRUE;
}

static gboolean
export_session (ExportJob     *job,
                GOutputStream *stream,
                GString       *buffer,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autoptr(GString) line = g_string_new (NULL);

  for (guint i = 0; i < job->locations->len; i++)
    {
      guint64 location = g_array_index (job->locations, guint64, i);

      g_string_truncate (line, 0);
      if (!authsim_log_read_location (job->log, location, line, error))
        return FALSE;
      authsim_log_append_export_line (buffer, line->str, line->len, NULL,
                                      job->session_first + i);
      job->written++;
      g_atomic_int_set (job->done, job->written);
      if (!export_flush (stream, buffer, FALSE, cancellable, error))
        return FALSE;
    }
  return TRUE;
}

static void
export_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ExportJob *job = task_data;
  g_autoptr(GFileOutputStream) stream = NULL;
  g_autoptr(GString) buffer = g_string_sized_new (EXPORT_BUFFER + 4096);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  stream = g_file_replace (job->file, NULL, FALSE, G_FILE_CREATE_PRIVATE, cancellable, &error);
  ok = stream != NULL &&
       (job->history_fd < 0 ||
        export_history (job, G_OUTPUT_STREAM (stream), buffer, cancellable, &error)) &&
       export_session (job, G_OUTPUT_STREAM (stream), buffer, cancellable, &error) &&
       export_flush (G_OUTPUT_STREAM (stream), buffer, TRUE, cancellable, &error) &&
       g_output_stream_close (G_OUTPUT_STREAM (stream), cancellable, &error);

  if (!ok && stream != NULL && !g_output_stream_is_closed (G_OUTPUT_STREAM (stream)))
    {
      /* Closing with a cancelled cancellable leaves the original file in place. */
      g_autoptr(GCancellable) abort = g_cancellable_new ();

      g_cancellable_cancel (abort);
      g_output_stream_close (G_OUTPUT_STREAM (stream), abort, NULL);
    }

  if (ok)
    g_task_return_int (task, job->written);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    {
      g_autofree char *name = g_file_get_parse_name (job->file);

      g_task_return_new_error (task, AUTHSIM_ERROR, AUTHSIM_ERROR_IO,
                               _("Could not export the log to %s: %s"), name, error->message);
    }
}

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) outer = user_data;
  AuthsimLogModel *self = AUTHSIM_LOG_MODEL (source);
  GError *error = NULL;
  gssize written = g_task_propagate_int (G_TASK (result), &error);

  if (--self->export_running == 0)
    set_double (self, &self->export_progress, 0.0, PROP_EXPORT_PROGRESS);
  if (written < 0)
    g_task_return_error (outer, error);
  else
    g_task_return_int (outer, written);
}

void
authsim_log_model_export_async (AuthsimLogModel     *self,
                                GFile               *file,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GTask *outer;
  ExportJob *job;

  g_return_if_fail (AUTHSIM_IS_LOG_MODEL (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  /* What is shown now: the history's bytes from its first row, the session rows' places. */
  job = g_new0 (ExportJob, 1);
  job->file = g_object_ref (file);
  job->history_fd = self->n_history > 0 ? self->history_fd : -1;
  job->history_path = g_strdup (self->history_path);
  job->history_start = self->n_history > 0 ? g_array_index (self->history->offsets, guint64, 0)
                                           : 0;
  job->history_end = self->history_end;
  job->log = g_object_ref (self->log);
  job->locations = authsim_log_dup_locations (self->log, self->session_first,
                                              n_session_rows (self));
  job->session_first = self->session_first;
  job->done = &self->export_done;

  self->export_running++;
  self->export_total = self->n_history + job->locations->len;
  g_atomic_int_set (&self->export_done, 0);
  ensure_progress_source (self);

  /* The outer task is the caller's; the inner one runs the worker and updates the progress
   * first. */
  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, authsim_log_model_export_async);
  task = g_task_new (self, cancellable, export_done_cb, outer);
  g_task_set_task_data (task, job, (GDestroyNotify) export_job_free);
  g_task_run_in_thread (task, export_thread);
}

gboolean
authsim_log_model_export_finish (AuthsimLogModel  *self,
                                 GAsyncResult     *result,
                                 guint            *n_events,
                                 GError          **error)
{
  gssize written;

  g_return_val_if_fail (AUTHSIM_IS_LOG_MODEL (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                          authsim_log_model_export_async, FALSE);

  written = g_task_propagate_int (G_TASK (result), error);
  if (written < 0)
    return FALSE;
  if (n_events != NULL)
    *n_events = (guint) written;
  return TRUE;
}

/* GObject ----------------------------------------------------------------------------------- */

gboolean
authsim_log_model_get_indexing (AuthsimLogModel *self)
{
  g_return_val_if_fail (AUTHSIM_IS_LOG_MODEL (self), FALSE);
  return self->indexing;
}

double
authsim_log_model_get_progress (AuthsimLogModel *self)
{
  g_return_val_if_fail (AUTHSIM_IS_LOG_MODEL (self), 1.0);
  return self->progress;
}

static void
authsim_log_model_constructed (GObject *object)
{
  AuthsimLogModel *self = AUTHSIM_LOG_MODEL (object);

  G_OBJECT_CLASS (authsim_log_model_parent_class)->constructed (object);

  self->n_session = g_list_model_get_n_items (G_LIST_MODEL (self->log));
  g_signal_connect_object (self->log, "items-changed", G_CALLBACK (log_items_changed_cb),
                           self, 0);
  g_signal_connect_object (self->log, "notify::file", G_CALLBACK (log_file_changed_cb),
                           self, 0);
  start_history (self);
}

static void
authsim_log_model_dispose (GObject *object)
{
  AuthsimLogModel *self = AUTHSIM_LOG_MODEL (object);

  g_cancellable_cancel (self->index_cancellable);
  g_clear_handle_id (&self->progress_source, g_source_remove);
  if (self->log != NULL)
    g_signal_handlers_disconnect_by_data (self->log, self);
  g_clear_object (&self->log);

  G_OBJECT_CLASS (authsim_log_model_parent_class)->dispose (object);
}

static void
authsim_log_model_finalize (GObject *object)
{
  AuthsimLogModel *self = AUTHSIM_LOG_MODEL (object);

  g_clear_object (&self->index_cancellable);
  if (self->history_fd >= 0)
    close (self->history_fd);
  g_free (self->history_path);
  g_clear_pointer (&self->history, authsim_log_index_free);
  g_clear_pointer (&self->history_calls, g_array_unref);
  g_clear_pointer (&self->cache, authsim_row_cache_free);

  G_OBJECT_CLASS (authsim_log_model_parent_class)->finalize (object);
}

static void
authsim_log_model_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  AuthsimLogModel *self = AUTHSIM_LOG_MODEL (object);

  switch (prop_id)
    {
    case PROP_LOG:
      g_value_set_object (value, self->log);
      break;
    case PROP_INDEXING:
      g_value_set_boolean (value, self->indexing);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;
    case PROP_EXPORT_PROGRESS:
      g_value_set_double (value, self->export_progress);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_log_model_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  AuthsimLogModel *self = AUTHSIM_LOG_MODEL (object);

  switch (prop_id)
    {
    case PROP_LOG:
      self->log = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_log_model_class_init (AuthsimLogModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = authsim_log_model_constructed;
  object_class->dispose = authsim_log_model_dispose;
  object_class->finalize = authsim_log_model_finalize;
  object_class->get_property = authsim_log_model_get_property;
  object_class->set_property = authsim_log_model_set_property;

  properties[PROP_LOG] =
    g_param_spec_object ("log", NULL, NULL, AUTHSIM_TYPE_LOG,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_INDEXING] =
    g_param_spec_boolean ("indexing", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL, 0.0, 1.0, 1.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_EXPORT_PROGRESS] =
    g_param_spec_double ("export-progress", NULL, NULL, 0.0, 1.0, 0.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
authsim_log_model_init (AuthsimLogModel *self)
{
  self->history_fd = -1;
  self->progress = 1.0;
  self->cache = authsim_row_cache_new ();
}

AuthsimLogModel *
authsim_log_model_new (AuthsimLog *log)
{
  g_return_val_if_fail (AUTHSIM_IS_LOG (log), NULL);

  return g_object_new (AUTHSIM_TYPE_LOG_MODEL, "log", log, NULL);
}
