/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-event.h: one event of the timeline (SPEC §8), as the log and its models hand it out:
 * the JSON line and what the views need of it. Immutable. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define AUTHSIM_TYPE_EVENT (authsim_event_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimEvent, authsim_event, AUTHSIM, EVENT, GObject)

/* 0 when the line has none (an error row made of a line that is not an event). */
guint64     authsim_event_get_seq      (AuthsimEvent *self);
/* (nullable): ISO 8601 wall-clock time with offset, e.g. 2026-11-25T20:01:02.123+08:00 */
const char *authsim_event_get_time     (AuthsimEvent *self);
/* The call id, 0 when the event belongs to no call. */
guint       authsim_event_get_call     (AuthsimEvent *self);
const char *authsim_event_get_kind     (AuthsimEvent *self);
/* (nullable): "success"/"fail"/"complete" for callback events. */
const char *authsim_event_get_callback (AuthsimEvent *self);
/* (transfer none): the whole event, seq/time/call/kind first. Do not modify. */
JsonObject *authsim_event_get_object   (AuthsimEvent *self);
/* The event as one line of compact JSON, without the newline: always valid JSON. */
const char *authsim_event_get_json     (AuthsimEvent *self);
/* (nullable): the text of the member @name of the line, as written (lossless, unlike
 * json_to_string() of the object member: a number a double cannot hold stays as written). */
char       *authsim_event_dup_member_json (AuthsimEvent *self,
                                           const char   *name);

/*
 * An event read back from a line of a log file (@length bytes, without the newline), found at
 * byte @offset of @path (NULL: event @offset + 1 of this session, kept in memory). A line that
 * is not a JSON object with a string "kind" (torn by a crash, edited by hand, not JSON)
 * becomes an "error" event that quotes it and says where it is.
 */
AuthsimEvent *authsim_event_new_from_line (const char *line,
                                           gsize       length,
                                           const char *path,
                                           guint64     offset);

G_END_DECLS
