/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-responder.h: the one owner of automatic answers to consent popups. GIO only.
 *
 * Three things answer a popup without a person: the standing answer (the `answer` D-Bus
 * action, `--answer`), the scripted answers of a running scenario (its `answer` steps) and
 * the D-Bus `respond` action. They all go through the responder, which watches the engine's
 * open request and decides in one place which answer applies:
 *
 *   1. the scripted answers, in the order they were queued, one per popup;
 *   2. otherwise the standing answer, for every popup, until it is cleared.
 *
 * A popup is answered from an idle, never inside the engine's notify: the engine finishes
 * opening it (and logs it) first. A scripted answer is given at G_PRIORITY_HIGH_IDLE, so
 * before the scenario's next step starts (G_PRIORITY_DEFAULT_IDLE); the standing answer at
 * G_PRIORITY_DEFAULT_IDLE, behind the main loop's other work. Whatever answers first wins: the
 * idle answers only a popup still open, and a person or `respond` may come before it.
 *
 * Decisions are logged with their source: "scenario", "standing" or "dbus". An answer that
 * fails anyway is logged as an "error" event (source "scenario" or "state").
 */
#pragma once

#include <gio/gio.h>

#include "authsim-engine.h"

G_BEGIN_DECLS

#define AUTHSIM_TYPE_RESPONDER (authsim_responder_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimResponder, authsim_responder, AUTHSIM, RESPONDER, GObject)

/* Watches @engine's open popup (it holds a reference to @engine). */
AuthsimResponder *authsim_responder_new                 (AuthsimEngine    *engine);

/* The standing answer: @decision (an AuthsimDecision) for every popup from now on, a popup
 * already open included; -1 clears it. */
void              authsim_responder_set_standing_answer (AuthsimResponder *self,
                                                         int               decision);

/* Queues a scripted answer for the next popup with no scripted answer yet (the open one if it
 * is unanswered). */
void              authsim_responder_push_scripted       (AuthsimResponder *self,
                                                         AuthsimDecision   decision);
/* Drops the scripted answers still queued (a scenario run ended). */
void              authsim_responder_clear_scripted      (AuthsimResponder *self);

/* The D-Bus `respond`: answers the open popup now, with source "dbus".
 * AUTHSIM_ERROR_NO_REQUEST when none is open. */
gboolean          authsim_responder_respond             (AuthsimResponder *self,
                                                         AuthsimDecision   decision,
                                                         GError          **error);

G_END_DECLS
