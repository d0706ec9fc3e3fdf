/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-scenario-runner.c: runs a scenario's steps on an engine, one at a time.
 *
 * Event-driven, no sleeping: an action step acts and is done; an expect step waits for the
 * log (items-changed) and the popup (notify::request) until it holds or times out; an
 * exchange step waits for the gateway's answer. Each step starts from an idle, never inside
 * the engine's or the log's signals. Answer steps go to the responder, which answers the
 * popups.
 */
#include "config.h"

#include "authsim-scenario-private.h"

typedef struct
{
  GTask                   *task;          /* owned while running; the task owns this struct */
  AuthsimScenario         *scenario;
  AuthsimEngine           *engine;
  AuthsimStore            *store;
  AuthsimLog              *log;
  AuthsimResponder        *responder;
  AuthsimGateway          *gateway;
  AuthsimKeys             *keys;
  guint                    delay_ms;
  GCancellable            *cancellable;
  gulong                   cancelled_id;

  guint                    index;
  guint                    n_passed;
  guint                    n_failed;
  ExpectCursors            cursors;

  guint                    next_id;       /* idle or delay before the next step */
  guint                    timeout_id;
  guint                    abort_id;
  gboolean                 waiting;
  char                    *pending_what;  /* what a waiting step still waits for */

  AuthsimScenarioExchange *exchange;      /* created by the first exchange step */
  GCancellable            *http_cancellable;

  gulong                   items_id;
  gulong                   request_id;
} Runner;

static void runner_schedule_next (Runner *r);

static void
runner_free (gpointer data)
{
  Runner *r = data;

  g_assert (r->task == NULL);
  g_clear_object (&r->engine);
  g_clear_object (&r->store);
  g_clear_object (&r->log);
  g_clear_object (&r->responder);
  g_clear_object (&r->gateway);
  g_clear_object (&r->keys);
  g_clear_object (&r->cancellable);
  g_clear_pointer (&r->exchange, authsim_scenario_exchange_free);
  g_clear_object (&r->http_cancellable);
  g_free (r->cursors.last_code);
  g_free (r->pending_what);
  g_free (r);
}

static Step *
runner_step (Runner *r)
{
  return g_ptr_array_index (r->scenario->steps, r->index);
}

static void
set_pending (Runner     *r,
             const char *what)
{
  g_free (r->pending_what);
  r->pending_what = g_strdup (what);
}

/* Tears the run down and returns its result; @error (transfer full, nullable). */
static void
runner_finish (Runner *r,
               GError *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&r->task);

  g_clear_handle_id (&r->next_id, g_source_remove);
  g_clear_handle_id (&r->timeout_id, g_source_remove);
  g_clear_handle_id (&r->abort_id, g_source_remove);
  g_clear_signal_handler (&r->items_id, r->log);
  g_clear_signal_handler (&r->request_id, r->engine);
  /* Answers the run scripted but no popup took. */
  authsim_responder_clear_scripted (r->responder);
  if (r->http_cancellable != NULL)
    g_cancellable_cancel (r->http_cancellable);
  if (r->cancelled_id != 0)
    {
      g_cancellable_disconnect (r->cancellable, r->cancelled_id);
      r->cancelled_id = 0;
    }
  r->scenario->running = FALSE;

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
runner_step_done (Runner     *r,
                  gboolean    ok,
                  const char *detail)
{
  r->waiting = FALSE;
  g_clear_handle_id (&r->timeout_id, g_source_remove);
  g_clear_pointer (&r->pending_what, g_free);

  if (ok)
    r->n_passed++;
  else
    r->n_failed++;

  authsim_scenario_emit_step_finished (r->scenario, r->index, ok, detail);

  r->index++;
  runner_schedule_next (r);
}

static gboolean
step_timeout_cb (gpointer user_data)
{
  Runner *r = user_data;
  Step *step = runner_step (r);
  g_autofree char *detail = NULL;

  r->timeout_id = 0;
  if (r->http_cancellable != NULL)
    g_cancellable_cancel (r->http_cancellable);

  detail = g_strdup_printf ("timed out after %g s waiting for %s",
                            step->timeout_ms / 1000.0,
                            r->pending_what != NULL ? r->pending_what : "the step");
  runner_step_done (r, FALSE, detail);
  return G_SOURCE_REMOVE;
}

/* The current step now waits, up to its timeout, for @what. */
static void
runner_wait (Runner     *r,
             const char *what)
{
  set_pending (r, what);
  r->waiting = TRUE;
  r->timeout_id = g_timeout_add (runner_step (r)->timeout_ms, step_timeout_cb, r);
}

/* ------------------------------------------------------------------------------------------
 * Expect steps: judged again whenever the log grows or the popup changes
 * ------------------------------------------------------------------------------------------ */

static void
runner_recheck (Runner *r)
{
  g_autofree char *detail = NULL;
  const char *pending = NULL;
  Check check;

  if (!r->waiting || r->task == NULL || runner_step (r)->kind != STEP_EXPECT)
    return;

  check = authsim_scenario_check_expect (runner_step (r), r->log, r->engine, &r->cursors,
                                         &pending, &detail);
  if (check == CHECK_PENDING)
    set_pending (r, pending);
  else
    runner_step_done (r, check == CHECK_OK, detail);
}

static void
request_notify_cb (AuthsimEngine *engine,
                   GParamSpec    *pspec,
                   Runner        *r)
{
  runner_recheck (r);
}

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Runner     *r)
{
  if (added > 0)
    runner_recheck (r);
}

static void
runner_expect (Runner *r)
{
  runner_wait (r, "the expected events");
  runner_recheck (r);
}

/* ------------------------------------------------------------------------------------------
 * Exchange steps: redeem the last authCode at the gateway, as a backend with an SDK would
 * ------------------------------------------------------------------------------------------ */

/* One request in flight: it holds the run's task (and so the runner) until it comes back. */
typedef struct
{
  GTask        *task;
  GCancellable *cancellable;
  guint         index;        /* the step that sent it */
} InFlight;

static void
in_flight_free (InFlight *in_flight)
{
  g_clear_object (&in_flight->task);
  g_clear_object (&in_flight->cancellable);
  g_free (in_flight);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (InFlight, in_flight_free)

static void
exchange_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(InFlight) in_flight = user_data;
  Runner *r = g_task_get_task_data (in_flight->task);
  g_autofree char *detail = NULL;
  gboolean ok;

  /* Timed out, cancelled or torn down meanwhile: the step has been reported already (the
   * answer goes with the result). */
  if (g_cancellable_is_cancelled (in_flight->cancellable) || r->task == NULL ||
      !r->waiting || r->index != in_flight->index)
    return;
  g_clear_object (&r->http_cancellable);

  ok = authsim_scenario_exchange_finish (r->exchange, result, runner_step (r)->payload, &detail);
  runner_step_done (r, ok, detail);
}

/* The last authCode handed out in this run. */
static char *
runner_find_code (Runner *r)
{
  GListModel *model = G_LIST_MODEL (r->log);

  if (r->cursors.last_code != NULL)
    return g_strdup (r->cursors.last_code);

  for (guint i = g_list_model_get_n_items (model); i > 0; i--)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (model, i - 1);
      JsonObject *payload;
      JsonNode *code;

      if (authsim_event_get_seq (event) <= r->cursors.start)
        break;
      if (g_strcmp0 (authsim_event_get_callback (event), "success") != 0)
        continue;
      payload = authsim_scenario_event_payload (event);
      code = payload != NULL ? json_object_get_member (payload, "authCode") : NULL;
      if (code != NULL && authsim_json_is_string (code))
        return g_strdup (json_node_get_string (code));
    }
  return NULL;
}

/* The app the code was issued to: the host in plugin context (SPEC §2.2). */
static char *
runner_code_app_id (Runner     *r,
                    const char *code)
{
  g_autoptr(AuthsimCode) issued = authsim_store_lookup_code (r->store, code);

  if (issued != NULL)
    return g_strdup (issued->app_id);
  return g_strdup (authsim_profile_get_app_id (authsim_engine_get_profile (r->engine)));
}

static void
runner_exchange (Runner *r,
                 Step   *step)
{
  g_autofree char *code = NULL;
  g_autofree char *app_id = NULL;
  g_autofree char *detail = NULL;
  InFlight *in_flight;
  const char *url;

  if (r->gateway == NULL || (url = authsim_gateway_get_url (r->gateway)) == NULL)
    {
      runner_step_done (r, FALSE, "the gateway is not running");
      return;
    }
  if (r->keys == NULL)
    {
      runner_step_done (r, FALSE, "no keys to sign with");
      return;
    }

  code = step->text != NULL ? g_strdup (step->text) : runner_find_code (r);
  if (code == NULL)
    {
      runner_step_done (r, FALSE, "no authCode to exchange: no success callback carried one");
      return;
    }
  app_id = step->app_id != NULL ? g_strdup (step->app_id) : runner_code_app_id (r, code);

  if (r->exchange == NULL)
    r->exchange = authsim_scenario_exchange_new (r->keys,
                                                 authsim_gateway_get_certs (r->gateway));
  g_clear_object (&r->http_cancellable);
  r->http_cancellable = g_cancellable_new ();

  in_flight = g_new0 (InFlight, 1);
  in_flight->task = g_object_ref (r->task);
  in_flight->cancellable = g_object_ref (r->http_cancellable);
  in_flight->index = r->index;
  if (!authsim_scenario_exchange_send (r->exchange, url, app_id, code, r->http_cancellable,
                                       exchange_done_cb, in_flight, &detail))
    {
      in_flight_free (in_flight);
      runner_step_done (r, FALSE, detail);
      return;
    }
  runner_wait (r, "the gateway's answer");
}

/* ------------------------------------------------------------------------------------------
 * Action steps
 * ------------------------------------------------------------------------------------------ */

/*
 * my.reLaunch to a page: the engine does it for a page button, so tap the current page's
 * button that relaunches there (what a recorded session did); the launch page needs none.
 */
static gboolean
runner_relaunch_at (Runner      *r,
                    const char  *path,
                    GError     **error)
{
  const AuthsimPage *page = authsim_engine_get_page (r->engine);
  AuthsimProfile *profile = authsim_engine_get_profile (r->engine);

  for (guint i = 0; page != NULL && i < authsim_page_get_n_buttons (page); i++)
    if (g_strcmp0 (authsim_page_get_button_relaunch (page, i), path) == 0)
      return authsim_engine_tap (r->engine, authsim_page_get_button_label (page, i), error);

  if (authsim_profile_get_n_pages (profile) > 0 &&
      g_strcmp0 (authsim_page_get_path (authsim_profile_get_page (profile, 0)), path) == 0)
    {
      authsim_engine_launch (r->engine);
      return TRUE;
    }

  g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_NOT_FOUND,
               "no button of page \"%s\" relaunches to \"%s\"",
               page != NULL ? authsim_page_get_path (page) : "", path);
  return FALSE;
}

static gboolean
runner_revoke (Runner  *r,
               Step    *step,
               GError **error)
{
  if (authsim_engine_revoke (r->engine, step->text, step->app_id))
    return TRUE;
  g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_NOT_FOUND, "%s had granted nothing to %s",
               step->text, step->app_id);
  return FALSE;
}

/* Performs an action step; FALSE with @error saying why it failed. */
static gboolean
runner_act (Runner  *r,
            Step    *step,
            GError **error)
{
  switch (step->kind)
    {
    case STEP_NAVIGATE:
      return authsim_engine_navigate (r->engine, step->text, error);
    case STEP_BACK:
      return authsim_engine_navigate_back (r->engine, error);
    case STEP_RELAUNCH:
      if (step->text != NULL)
        return runner_relaunch_at (r, step->text, error);
      authsim_engine_launch (r->engine);
      return TRUE;
    case STEP_SET_USER:
      return authsim_engine_set_active_user_id (r->engine, step->text, error);
    case STEP_CLEAR_GRANTS:
      authsim_engine_clear_grants (r->engine);
      return TRUE;
    case STEP_REVOKE:
      return runner_revoke (r, step, error);
    case STEP_GRANT:
      authsim_store_grant (r->store, step->text, step->app_id,
                           (const char * const *) step->scopes);
      return TRUE;
    case STEP_ADVANCE_CLOCK:
      authsim_store_advance_clock (r->store, step->seconds);
      return TRUE;
    case STEP_TAP:
      return authsim_engine_tap (r->engine, step->text, error);
    case STEP_CALL:
      {
        AuthsimContainer container = step->container >= 0
                                       ? (AuthsimContainer) step->container
                                       : authsim_engine_get_container (r->engine);

        /* As written when the file has its text (always, unless it is not strict JSON). */
        if (step->params_json != NULL)
          return authsim_engine_call_text (r->engine, step->api, step->params_json,
                                           step->trigger, container, error) != 0;
        authsim_engine_call_api (r->engine, step->api, step->params, step->trigger, container);
        return TRUE;
      }
    case STEP_TAP_AUTHORIZE:
      authsim_engine_tap_authorize (r->engine, step->params);
      return TRUE;
    case STEP_SET_SETTING:
      return authsim_engine_set_setting (r->engine, step->text, step->value, error);
    case STEP_OPEN_SETTINGS:
      return authsim_engine_open_settings (r->engine, error);
    case STEP_CLOSE_SETTINGS:
      return authsim_engine_close_settings (r->engine, error);
    case STEP_REVOKE_USER_INFO:
      return authsim_engine_revoke_user_info (r->engine, error);
    case STEP_SERVICE_BUSY:
      authsim_engine_set_service_busy (r->engine, step->value);
      return TRUE;
    case STEP_ANSWER:
      authsim_responder_push_scripted (r->responder, step->value);
      return TRUE;
    case STEP_NETWORK_FAULT:
      authsim_engine_set_network_fault (r->engine, step->value);
      return TRUE;
    case STEP_FIRST_SCREEN_RULE:
      authsim_engine_set_first_screen_rule (r->engine, step->value);
      return TRUE;
    case STEP_EXPECT:
    case STEP_EXCHANGE:
    default:
      g_assert_not_reached ();
    }
}

static void
runner_execute (Runner *r)
{
  Step *step = runner_step (r);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (step->kind == STEP_EXPECT)
    {
      runner_expect (r);
      return;
    }
  if (step->kind == STEP_EXCHANGE)
    {
      runner_exchange (r, step);
      return;
    }

  r->cursors.action = authsim_scenario_log_last_seq (r->log);
  ok = runner_act (r, step, &error);
  runner_step_done (r, ok, ok ? NULL : error->message);
}

/* ------------------------------------------------------------------------------------------
 * Scheduling, cancelling
 * ------------------------------------------------------------------------------------------ */

static gboolean
step_delay_cb (gpointer user_data)
{
  Runner *r = user_data;

  r->next_id = 0;
  runner_execute (r);
  return G_SOURCE_REMOVE;
}

static gboolean
next_step_cb (gpointer user_data)
{
  Runner *r = user_data;

  r->next_id = 0;

  if (r->index >= r->scenario->steps->len)
    {
      runner_finish (r, NULL);
      return G_SOURCE_REMOVE;
    }

  authsim_scenario_emit_step_started (r->scenario, r->index);

  if (r->delay_ms > 0)
    r->next_id = g_timeout_add (r->delay_ms, step_delay_cb, r);
  else
    runner_execute (r);

  return G_SOURCE_REMOVE;
}

static void
runner_schedule_next (Runner *r)
{
  /* Each step starts from the main loop, never inside the engine's or the log's signals. */
  g_clear_handle_id (&r->next_id, g_source_remove);
  r->next_id = g_idle_add (next_step_cb, r);
}

static gboolean
abort_cb (gpointer user_data)
{
  Runner *r = user_data;

  r->abort_id = 0;
  if (r->task != NULL)
    runner_finish (r, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                           "The scenario run was cancelled"));
  return G_SOURCE_REMOVE;
}

static void
cancelled_cb (GCancellable *cancellable,
              Runner       *r)
{
  /* May run in another thread: tear down from the main context. */
  if (r->abort_id == 0)
    r->abort_id = g_idle_add_full (G_PRIORITY_HIGH, abort_cb, r, NULL);
}

static Runner *
runner_new (AuthsimScenario             *scenario,
            const AuthsimScenarioTarget *target,
            guint                        step_delay_ms,
            GCancellable                *cancellable)
{
  Runner *r = g_new0 (Runner, 1);

  r->scenario = scenario;
  r->engine = g_object_ref (target->engine);
  r->store = g_object_ref (target->store);
  r->log = g_object_ref (target->log);
  r->responder = g_object_ref (target->responder);
  r->gateway = target->gateway != NULL ? g_object_ref (target->gateway) : NULL;
  r->keys = target->keys != NULL ? g_object_ref (target->keys) : NULL;
  r->delay_ms = step_delay_ms;
  r->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  r->cursors.start = authsim_scenario_log_last_seq (r->log);
  r->cursors.action = r->cursors.callback = r->cursors.toast = r->cursors.violation =
    r->cursors.popup = r->cursors.button = r->cursors.start;
  return r;
}

void
authsim_scenario_run_async (AuthsimScenario             *self,
                            const AuthsimScenarioTarget *target,
                            guint                        step_delay_ms,
                            GCancellable                *cancellable,
                            GAsyncReadyCallback          callback,
                            gpointer                     user_data)
{
  g_autoptr(GTask) task = NULL;
  Runner *r;

  g_return_if_fail (AUTHSIM_IS_SCENARIO (self));
  g_return_if_fail (target != NULL);
  g_return_if_fail (AUTHSIM_IS_ENGINE (target->engine));
  g_return_if_fail (AUTHSIM_IS_STORE (target->store));
  g_return_if_fail (AUTHSIM_IS_LOG (target->log));
  g_return_if_fail (AUTHSIM_IS_RESPONDER (target->responder));
  g_return_if_fail (target->gateway == NULL || AUTHSIM_IS_GATEWAY (target->gateway));
  g_return_if_fail (target->keys == NULL || AUTHSIM_IS_KEYS (target->keys));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, authsim_scenario_run_async);

  if (self->running)
    {
      g_task_return_new_error (task, AUTHSIM_ERROR, AUTHSIM_ERROR_FAILED,
                               "The scenario is already running");
      return;
    }

  r = runner_new (self, target, step_delay_ms, cancellable);
  g_task_set_task_data (task, r, runner_free);
  r->task = g_object_ref (task);
  self->running = TRUE;

  if (self->first_screen_rule >= 0)
    authsim_engine_set_first_screen_rule (r->engine, self->first_screen_rule);

  r->items_id = g_signal_connect (r->log, "items-changed", G_CALLBACK (items_changed_cb), r);
  r->request_id = g_signal_connect (r->engine, "notify::request",
                                    G_CALLBACK (request_notify_cb), r);
  if (r->cancellable != NULL)
    r->cancelled_id = g_cancellable_connect (r->cancellable, G_CALLBACK (cancelled_cb), r, NULL);

  runner_schedule_next (r);
}

gboolean
authsim_scenario_run_finish (AuthsimScenario  *self,
                             GAsyncResult     *result,
                             guint            *n_passed,
                             guint            *n_failed,
                             GError          **error)
{
  Runner *r;

  g_return_val_if_fail (AUTHSIM_IS_SCENARIO (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  r = g_task_get_task_data (G_TASK (result));
  if (n_passed != NULL)
    *n_passed = r != NULL ? r->n_passed : 0;
  if (n_failed != NULL)
    *n_failed = r != NULL ? r->n_failed : 0;

  return g_task_propagate_boolean (G_TASK (result), error);
}
