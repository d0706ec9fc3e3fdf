/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-log-model.h: the whole log file as a GListModel of AuthsimEvent, what the window
 * shows (performance issue: a log view over the whole file, in constant memory). First the
 * lines earlier launches left in the file, indexed by a worker thread when the model is made
 * ("indexing", "progress"), then this session's events: the log's own rows, the same objects.
 * Nothing is loaded: rows are read back from the file when asked for. "Clear view" hides what
 * is there (the file keeps it); an export writes what is shown, from the file, in a worker.
 */
#pragma once

#include "authsim-log.h"

G_BEGIN_DECLS

#define AUTHSIM_TYPE_LOG_MODEL (authsim_log_model_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimLogModel, authsim_log_model, AUTHSIM, LOG_MODEL, GObject)

/*
 * Properties: "log" (AuthsimLog, construct-only); "indexing" (boolean, r): the earlier lines
 * are being indexed; "progress" (double, r): the part of them indexed, 1 when done (or none);
 * "export-progress" (double, r): the part of a running export written, 0 when none runs.
 */
AuthsimLogModel *authsim_log_model_new           (AuthsimLog       *log);
gboolean         authsim_log_model_get_indexing  (AuthsimLogModel  *self);
double           authsim_log_model_get_progress  (AuthsimLogModel  *self);
/* Hides every row there is now, including events appended but not shown yet, as one
 * items-changed. The file and the log keep them. */
void             authsim_log_model_clear         (AuthsimLogModel  *self);
/* The call of row @position (0 for none), without reading its line. */
guint            authsim_log_model_get_call      (AuthsimLogModel  *self,
                                                  guint             position);
/* (transfer none) (nullable): the distinct calls of the earlier launches' rows shown, sorted;
 * NULL while they are being indexed, when there are none and after a clear. */
GArray          *authsim_log_model_get_history_calls (AuthsimLogModel *self);
/*
 * The calls of rows [0, n) now, for a scan in another thread: @history (transfer full,
 * nullable) for the earlier launches' rows (shared, never changed), @session (transfer full)
 * for the rest.
 */
void             authsim_log_model_snapshot_calls (AuthsimLogModel *self,
                                                   GArray         **history,
                                                   GArray         **session);

/* Writes the rows shown now as JSON Lines to @file (replacing it; created 0600) in a worker
 * thread, each line as the file has it (a line that is not an event as its error row).
 * Cancelling gives G_IO_ERROR_CANCELLED and leaves @file as it was; other failures
 * AUTHSIM_ERROR_IO. */
void             authsim_log_model_export_async  (AuthsimLogModel     *self,
                                                  GFile               *file,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
/* @n_events (nullable): how many rows were written. */
gboolean         authsim_log_model_export_finish (AuthsimLogModel     *self,
                                                  GAsyncResult        *result,
                                                  guint               *n_events,
                                                  GError             **error);

G_END_DECLS
