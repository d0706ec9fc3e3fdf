/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-log.h: the event timeline (SPEC §8): a GListModel of AuthsimEvent, mirrored to a
 * JSON Lines file. Each event is written and flushed before the model announces it. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define AUTHSIM_TYPE_EVENT (authsim_event_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimEvent, authsim_event, AUTHSIM, EVENT, GObject)

guint64     authsim_event_get_seq      (AuthsimEvent *self);
/* ISO 8601 wall-clock time with offset, e.g. 2026-11-25T20:01:02.123+08:00 */
const char *authsim_event_get_time     (AuthsimEvent *self);
/* The call id, 0 when the event belongs to no call. */
guint       authsim_event_get_call     (AuthsimEvent *self);
const char *authsim_event_get_kind     (AuthsimEvent *self);
/* (nullable): "success"/"fail"/"complete" for callback events. */
const char *authsim_event_get_callback (AuthsimEvent *self);
/* (transfer none): the whole event, seq/time/call/kind first. Do not modify. */
JsonObject *authsim_event_get_object   (AuthsimEvent *self);
/* The event as one line of compact JSON, without the newline. */
const char *authsim_event_get_json     (AuthsimEvent *self);

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
/* Empties the model (the view); the file keeps every line. */
void          authsim_log_clear_view (AuthsimLog    *self);
/* The model (what the window shows and exports) keeps the newest events only (up to half as
 * many more, as the oldest leave in chunks); the file keeps them all. An event takes about
 * 0.75 KiB of memory, 2.8 KiB once its object has been asked for (measured, gateway events). */
#define AUTHSIM_LOG_MODEL_LIMIT 20000
void          authsim_log_set_model_limit (AuthsimLog *self,
                                           guint       limit);
/* Shows in the model, now, the events other threads appended (they are otherwise gathered for
 * up to 20 ms). Owner thread only. */
void          authsim_log_flush      (AuthsimLog    *self);
/* Writes the events now in the model as JSON Lines, off the main thread. */
void          authsim_log_export_async  (AuthsimLog         *self,
                                         GFile              *file,
                                         GCancellable       *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer            user_data);
gboolean      authsim_log_export_finish (AuthsimLog         *self,
                                         GAsyncResult       *result,
                                         GError            **error);

G_END_DECLS
