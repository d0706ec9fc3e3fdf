/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-log.h: the event timeline (SPEC §8). Every event is appended, as one line of JSON,
 * to a JSON Lines file (created 0600) and flushed before anyone sees it; the log is also a
 * GListModel of AuthsimEvent holding the events it appended (this session, in seq order; the
 * earlier launches' lines of the same file are shown by AuthsimLogModel). The model is backed
 * by the file: it keeps where each line starts and reads back, on demand, the rows asked for.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "authsim-event.h"

G_BEGIN_DECLS

#define AUTHSIM_TYPE_LOG (authsim_log_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimLog, authsim_log, AUTHSIM, LOG, GObject)

AuthsimLog   *authsim_log_new        (void);
/* Appends to @path (creating its directory); NULL stops writing a file. */
gboolean      authsim_log_set_file   (AuthsimLog    *self,
                                      const char    *path,
                                      GError       **error);
/* (nullable) */
const char   *authsim_log_get_file   (AuthsimLog    *self);
/*
 * Appends an event: "seq", "time", "call" (null when 0) and "kind" first, then the members of
 * @fields (transfer full, nullable) in order. Safe from any thread: the line is written under a
 * lock; the model is updated in the main context of the thread that created the log.
 * Returns the event's seq.
 */
guint64       authsim_log_append     (AuthsimLog    *self,
                                      guint          call,
                                      const char    *kind,
                                      JsonObject    *fields);
/*
 * The same with a member @raw_name, right after the header, whose value is @raw_json as
 * written (text from outside, e.g. call parameters: a number a double cannot hold stays
 * exact). @raw_json must be one strict JSON value (authsim_json_scan()); anything else is
 * written as a JSON string, so the line stays valid and nothing is lost.
 */
guint64       authsim_log_append_raw (AuthsimLog    *self,
                                      guint          call,
                                      const char    *kind,
                                      const char    *raw_name,
                                      const char    *raw_json,
                                      JsonObject    *fields);
/* Shows in the model, now, the events other threads appended (they are otherwise gathered for
 * up to 20 ms). Owner thread only. */
void          authsim_log_flush      (AuthsimLog    *self);

/* For AuthsimLogModel and its filter --------------------------------------------------------- */

/* How many events this log has appended, including those not in the model yet. Owner thread. */
guint         authsim_log_get_n_appended (AuthsimLog *self);
/* (nullable): the file this log was given before its first event, and in @end its size then:
 * the lines earlier launches left, which come before this session's. */
const char   *authsim_log_get_history    (AuthsimLog *self,
                                          guint64    *end);
/* The call of row @position, without reading its line. Owner thread. */
guint         authsim_log_get_call_at    (AuthsimLog *self,
                                          guint       position);
/* (transfer full): the calls, or the locations, of rows [@first, @first + @n). */
GArray       *authsim_log_dup_calls      (AuthsimLog *self,
                                          guint       first,
                                          guint       n);
GArray       *authsim_log_dup_locations  (AuthsimLog *self,
                                          guint       first,
                                          guint       n);
/* Appends the line at @location (from authsim_log_dup_locations()), without its newline, to
 * @out. Any thread. */
gboolean      authsim_log_read_location  (AuthsimLog *self,
                                          guint64     location,
                                          GString    *out,
                                          GError    **error);

G_END_DECLS
