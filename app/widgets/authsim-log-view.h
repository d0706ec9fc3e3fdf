/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-log-view.h: the callback log (SPEC §7, §8): a column view over the whole log file
 * (AuthsimLogModel: earlier launches' events, then this session's), a detail pane, copy,
 * export, clear view and a filter by call. */
#pragma once

#include <gtk/gtk.h>

#include "authsim-log.h"

G_BEGIN_DECLS

#define AUTHSIM_TYPE_LOG_VIEW (authsim_log_view_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimLogView, authsim_log_view, AUTHSIM, LOG_VIEW, GtkWidget)

/*
 * Properties: "log" AuthsimLog (rw, nullable), "call-filter" uint (rw): the call whose
 * events are shown, 0 for all; "status" string (r, nullable): the last export's outcome;
 * "progress-text" string (r, nullable): what a worker is doing for the view (reading a large
 * file's earlier events, filtering, exporting), shown with its progress above the rows.
 * Signal "export-finished" (GFile *file, gboolean success, const char *message).
 * Widget actions: log-view.copy-row, log-view.copy-payload, log-view.clear, log-view.export,
 * log-view.filter-selected.
 */
GtkWidget     *authsim_log_view_new             (AuthsimLog     *log);
void           authsim_log_view_set_log         (AuthsimLogView *self,
                                                 AuthsimLog     *log);
guint          authsim_log_view_get_call_filter (AuthsimLogView *self);
void           authsim_log_view_set_call_filter (AuthsimLogView *self,
                                                 guint           call);
/* (transfer none): the rows shown (filtered), as a GtkSingleSelection of AuthsimEvent. */
GtkSelectionModel *authsim_log_view_get_model   (AuthsimLogView *self);
/* (nullable) (transfer none) */
AuthsimEvent  *authsim_log_view_get_selected    (AuthsimLogView *self);
/* The JSON line of the selected event to the clipboard; FALSE when nothing is selected. */
gboolean       authsim_log_view_copy_row        (AuthsimLogView *self);
/* The selected callback event's payload to the clipboard; FALSE when it has none. */
gboolean       authsim_log_view_copy_payload    (AuthsimLogView *self);
/* Asks for a file (GtkFileChooserNative) and exports the log there without blocking. */
void           authsim_log_view_export          (AuthsimLogView *self);
/* Exports the rows shown (after a Clear view, whatever the call filter) as JSON Lines to
 * @file, from the log file, without blocking; "export-finished". */
void           authsim_log_view_export_to_file  (AuthsimLogView *self,
                                                 GFile          *file);
/* (nullable): the last export's outcome, as shown under the log. */
const char    *authsim_log_view_get_status      (AuthsimLogView *self);
/* (nullable): the text of the progress bar, NULL when it is hidden. */
const char    *authsim_log_view_get_progress_text (AuthsimLogView *self);

/* The name AT-SPI sees for an event's row: "<kind> <callback> <payload>" (transfer full). */
char          *authsim_log_view_dup_row_name    (AuthsimEvent   *event);

G_END_DECLS
