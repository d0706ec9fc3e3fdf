/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-engine-private.h: the state of the one AuthsimEngine class, shared by its two files:
 * authsim-engine.c (the call pipeline of SPEC §2.2, the popup, the toast, grants, the GObject)
 * and authsim-engine-pages.c (the preview's page stack and the first screen of SPEC §4).
 *
 * One class over two files rather than two objects: a navigation drops or fires calls, a call
 * or an answered popup ends the first screen, and closing the popup fires the page's onShow.
 * The order of those log events and property notifications is the contract (SPEC §6), and one
 * state machine keeps it without signals going both ways between two objects.
 * Not for other classes. */
#pragma once

#include "authsim-engine.h"

G_BEGIN_DECLS

/* How many popups an onShow call may reopen in a row before the engine stops the loop. */
#define ONSHOW_LOOP_LIMIT 3

/* One my.getAuthCode call, from make to finish (authsim-engine.c). */
typedef struct _AuthsimEngineCall Call;

struct _AuthsimEngine
{
  GObject                 parent_instance;

  AuthsimProfile         *profile;
  GListModel             *users;
  AuthsimUser            *active_user;
  AuthsimStore           *store;
  AuthsimLog             *log;

  AuthsimFirstScreenRule  rule;
  gboolean                network_fault;
  AuthsimContainer        container;
  guint                   toast_duration;

  /* Preview state (authsim-engine-pages.c). Pages are owned by the profile; the stack is
   * reset when it changes. */
  GPtrArray              *stack;
  gboolean                first_screen;
  char                   *toast;
  char                   *banner;

  GQueue                  pending;        /* Call*, waiting behind the active one */
  Call                   *active;         /* the call that owns the popup or the toast */
  AuthsimRequest         *request;
  guint                   toast_source;
  guint                   onshow_chain;
  gboolean                draining;
};

enum {
  PROP_0,
  PROP_PROFILE,
  PROP_USERS,
  PROP_ACTIVE_USER,
  PROP_STORE,
  PROP_LOG,
  PROP_PAGE_PATH,
  PROP_CAN_GO_BACK,
  PROP_FIRST_SCREEN,
  PROP_FIRST_SCREEN_RULE,
  PROP_NETWORK_FAULT,
  PROP_CONTAINER,
  PROP_REQUEST,
  PROP_TOAST,
  PROP_BANNER,
  PROP_TOAST_DURATION,
  PROP_PENDING,
  N_PROPS
};

/* authsim-engine.c */

/* Notifies the engine property @prop (one of PROP_*). */
void  authsim_engine_notify          (AuthsimEngine    *self,
                                      guint             prop);
/* Logs a new call and queues it; @hook (nullable): "onLoad"/"onShow" when a page hook fires
 * it. Returns the call id; the call may have finished (and be gone) on return. */
guint authsim_engine_make_call       (AuthsimEngine    *self,
                                      JsonNode         *params,
                                      AuthsimTrigger    trigger,
                                      AuthsimContainer  container,
                                      const char       *hook);
/* Drops the popup, the toast and every queued call, each logged with @why: the mini program
 * is gone (relaunched, or its profile replaced). */
void  authsim_engine_abandon_calls   (AuthsimEngine    *self,
                                      const char       *why);

/* authsim-engine-pages.c */

/* Shows or hides the first-screen banner (@banner: a rule id, or NULL). */
void  authsim_engine_set_banner      (AuthsimEngine    *self,
                                      const char       *banner);

/* Small helpers both files use, under the names the pipeline has always used. */

static inline const AuthsimPage *
current_page (AuthsimEngine *self)
{
  if (self->stack == NULL || self->stack->len == 0)
    return NULL;
  return g_ptr_array_index (self->stack, self->stack->len - 1);
}

/* The first screen lasts from launch until the user's first tap, navigation or answer. */
static inline void
set_first_screen (AuthsimEngine *self,
                  gboolean       first_screen)
{
  if (self->first_screen == first_screen)
    return;
  self->first_screen = first_screen;
  authsim_engine_notify (self, PROP_FIRST_SCREEN);
}

static inline void
log_event (AuthsimEngine *self,
           guint          call,
           const char    *kind,
           JsonObject    *fields)
{
  authsim_log_append (self->log, call, kind, fields);
}

static inline void
log_lifecycle (AuthsimEngine *self,
               const char    *event,
               const char    *page)
{
  JsonObject *fields = json_object_new ();

  json_object_set_string_member (fields, "event", event);
  json_object_set_string_member (fields, "page", page);
  log_event (self, 0, "lifecycle", fields);
}

/* A page hook's call (@params nullable: the page has no such hook). */
static inline void
fire_lifecycle_call (AuthsimEngine *self,
                     JsonNode      *params,
                     const char    *hook)
{
  if (params == NULL)
    return;
  authsim_engine_make_call (self, params, AUTHSIM_TRIGGER_LIFECYCLE, self->container, hook);
}

G_END_DECLS
