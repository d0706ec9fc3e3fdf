/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-log-call-list.h: the "Filter by call" choices of the log view: "All calls", then
 * "Call #N" for each call of the log, in order, as a GListModel of GtkStringObject. The ids
 * are one compact sorted array (a log of a million events has ~170,000 calls); the items are
 * made when asked for. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define AUTHSIM_TYPE_LOG_CALL_LIST (authsim_log_call_list_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimLogCallList, authsim_log_call_list, AUTHSIM, LOG_CALL_LIST,
                      GObject)

AuthsimLogCallList *authsim_log_call_list_new      (void);
/* The call of item @position; 0 for "All calls" (and out of range). */
guint               authsim_log_call_list_get_call (AuthsimLogCallList *self,
                                                    guint               position);
/* The item of @call; 0 ("All calls") when it has none. */
guint               authsim_log_call_list_find     (AuthsimLogCallList *self,
                                                    guint               call);
/* Adds the calls of @calls (any order, repeats and 0 ignored) as one change. */
void                authsim_log_call_list_add      (AuthsimLogCallList *self,
                                                    const guint        *calls,
                                                    gsize               n);
/* Back to "All calls" alone. */
void                authsim_log_call_list_reset    (AuthsimLogCallList *self);

G_END_DECLS
