/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-responder.c: the one owner of automatic answers (see the header for the rules). */
#include "config.h"

#include "authsim-responder.h"

struct _AuthsimResponder
{
  GObject        parent_instance;

  AuthsimEngine *engine;
  gulong         request_id;

  int            standing;       /* AuthsimDecision, -1 when none */
  GQueue         scripted;       /* AuthsimDecision + 1, as pointers, oldest first */

  guint          idle;           /* the pending answer */
  int            idle_priority;
};

G_DEFINE_FINAL_TYPE (AuthsimResponder, authsim_responder, G_TYPE_OBJECT)

/* The open popup, when it still waits for an answer. */
static AuthsimRequest *
open_request (AuthsimResponder *self)
{
  AuthsimRequest *request = authsim_engine_get_request (self->engine);

  return request != NULL && !authsim_request_get_answered (request) ? request : NULL;
}

/* The one decision: a scripted answer first, in order; otherwise the standing answer. */
static void
answer_now (AuthsimResponder *self)
{
  g_autoptr(GError) error = NULL;

  if (!g_queue_is_empty (&self->scripted))
    {
      AuthsimDecision decision = GPOINTER_TO_INT (g_queue_pop_head (&self->scripted)) - 1;

      if (!authsim_engine_respond (self->engine, decision, AUTHSIM_ANSWER_SOURCE_SCENARIO,
                                   &error))
        authsim_engine_log_error (self->engine, "scenario", error->message);
    }
  else if (self->standing >= 0)
    {
      if (!authsim_engine_respond (self->engine, self->standing, AUTHSIM_ANSWER_SOURCE_STANDING,
                                   &error))
        authsim_engine_log_error (self->engine, "state", error->message);
    }
}

static gboolean
answer_idle_cb (gpointer user_data)
{
  AuthsimResponder *self = user_data;

  self->idle = 0;
  if (open_request (self) != NULL)
    answer_now (self);
  return G_SOURCE_REMOVE;
}

/* Schedules an answer for the open popup if one applies, at the priority of the answer that
 * will be given (a scripted one moves a pending standing answer forward). */
static void
schedule (AuthsimResponder *self)
{
  int priority;

  if (open_request (self) == NULL)
    return;

  if (!g_queue_is_empty (&self->scripted))
    priority = G_PRIORITY_HIGH_IDLE;
  else if (self->standing >= 0)
    priority = G_PRIORITY_DEFAULT_IDLE;
  else
    return;

  if (self->idle != 0 && self->idle_priority <= priority)
    return;

  g_clear_handle_id (&self->idle, g_source_remove);
  self->idle = g_idle_add_full (priority, answer_idle_cb, self, NULL);
  self->idle_priority = priority;
}

/* An answer was withdrawn: the pending idle, if any, may now have nothing to give, or give
 * it at another priority. */
static void
reschedule (AuthsimResponder *self)
{
  g_clear_handle_id (&self->idle, g_source_remove);
  schedule (self);
}

static void
request_notify_cb (AuthsimEngine    *engine,
                   GParamSpec       *pspec,
                   AuthsimResponder *self)
{
  schedule (self);
}

AuthsimResponder *
authsim_responder_new (AuthsimEngine *engine)
{
  AuthsimResponder *self;

  g_return_val_if_fail (AUTHSIM_IS_ENGINE (engine), NULL);

  self = g_object_new (AUTHSIM_TYPE_RESPONDER, NULL);
  self->engine = g_object_ref (engine);
  self->request_id = g_signal_connect (engine, "notify::request",
                                       G_CALLBACK (request_notify_cb), self);
  return self;
}

void
authsim_responder_set_standing_answer (AuthsimResponder *self,
                                       int               decision)
{
  g_return_if_fail (AUTHSIM_IS_RESPONDER (self));
  g_return_if_fail (decision >= -1 && decision <= AUTHSIM_DECISION_CLOSE);

  self->standing = decision;
  if (decision < 0)
    reschedule (self);
  else
    schedule (self);
}

void
authsim_responder_push_scripted (AuthsimResponder *self,
                                 AuthsimDecision   decision)
{
  g_return_if_fail (AUTHSIM_IS_RESPONDER (self));

  g_queue_push_tail (&self->scripted, GINT_TO_POINTER ((int) decision + 1));
  schedule (self);
}

void
authsim_responder_clear_scripted (AuthsimResponder *self)
{
  g_return_if_fail (AUTHSIM_IS_RESPONDER (self));

  g_queue_clear (&self->scripted);
  reschedule (self);
}

gboolean
authsim_responder_respond (AuthsimResponder  *self,
                           AuthsimDecision    decision,
                           GError           **error)
{
  g_return_val_if_fail (AUTHSIM_IS_RESPONDER (self), FALSE);

  return authsim_engine_respond (self->engine, decision, AUTHSIM_ANSWER_SOURCE_DBUS, error);
}

static void
authsim_responder_dispose (GObject *object)
{
  AuthsimResponder *self = AUTHSIM_RESPONDER (object);

  g_clear_handle_id (&self->idle, g_source_remove);
  if (self->engine != NULL)
    g_clear_signal_handler (&self->request_id, self->engine);
  g_clear_object (&self->engine);
  g_queue_clear (&self->scripted);

  G_OBJECT_CLASS (authsim_responder_parent_class)->dispose (object);
}

static void
authsim_responder_class_init (AuthsimResponderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = authsim_responder_dispose;
}

static void
authsim_responder_init (AuthsimResponder *self)
{
  self->standing = -1;
  g_queue_init (&self->scripted);
}
