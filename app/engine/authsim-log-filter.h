/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-log-filter.h: the rows of an AuthsimLogModel that belong to one call (Filter by call,
 * over the whole file). "call" 0 shows every row, the model as it is. Finding a call's rows is
 * a scan of the model's compact array of calls, never of the rows' text: at once for a short
 * log, in a worker thread for a long one ("busy", "progress"), the rows following as they come.
 */
#pragma once

#include "authsim-log-model.h"

G_BEGIN_DECLS

#define AUTHSIM_TYPE_LOG_FILTER (authsim_log_filter_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimLogFilter, authsim_log_filter, AUTHSIM, LOG_FILTER, GObject)

/* Rows up to this many are scanned at once; more, in a worker thread. */
#define AUTHSIM_LOG_FILTER_SYNC_ROWS 65536

/* Properties: "model" (construct-only), "call" (uint, rw), "busy" (boolean, r): a scan runs in
 * a worker (the filter is empty meanwhile); "progress" (double, r): its part done. */
AuthsimLogFilter *authsim_log_filter_new      (AuthsimLogModel  *model);
guint             authsim_log_filter_get_call (AuthsimLogFilter *self);
void              authsim_log_filter_set_call (AuthsimLogFilter *self,
                                               guint             call);
gboolean          authsim_log_filter_get_busy (AuthsimLogFilter *self);

G_END_DECLS
