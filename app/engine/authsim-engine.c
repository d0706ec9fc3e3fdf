/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-engine.c: the calls and their queue, the my.getAuthCode pipeline of SPEC §2.2 with
 * the first-screen rule of §4, the popup, the toast, grants, and the GObject. The page stack is
 * in authsim-engine-pages.c, the other APIs in authsim-engine-consent.c and
 * authsim-engine-settings.c. Every outcome is an event in the log; views only observe. */
#include "config.h"

#include "authsim-engine-private.h"
#include "authsim-enums.h"
#include "authsim-json.h"
#include "authsim-scopes.h"

#define NOT_ENTITLED     "40006"

G_DEFINE_FINAL_TYPE (AuthsimEngine, authsim_engine, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

enum {
  CALL_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void drain_queue (AuthsimEngine *self);

/* Calls */

void
authsim_engine_call_free (Call *call)
{
  g_clear_pointer (&call->params, json_node_unref);
  g_free (call->params_json);
  g_free (call->page);
  g_free (call->user_id);
  g_free (call->app_id);
  g_free (call->app_name);
  g_free (call->app_icon);
  g_clear_pointer (&call->ok_scopes, g_ptr_array_unref);
  g_clear_pointer (&call->error_scopes, json_object_unref);
  g_clear_pointer (&call->scope, json_node_unref);
  g_free (call->label);
  g_strfreev (call->asking);
  g_clear_pointer (&call->then_params, json_node_unref);
  g_free (call);
}

#define call_free authsim_engine_call_free

/* Helpers for building events */

static JsonNode *
strv_to_node (const char * const *strv)
{
  JsonArray *array = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    json_array_add_string_element (array, strv[i]);
  json_node_take_array (node, array);
  return node;
}

static void
set_string (AuthsimEngine *self,
            char         **field,
            const char    *value,
            guint          prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

void
authsim_engine_notify (AuthsimEngine *self,
                       guint          prop)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
notify_pending (AuthsimEngine *self)
{
  authsim_engine_notify (self, PROP_PENDING);
}

/* Outcomes */

JsonObject *
authsim_engine_error_payload (int         code,
                              const char *message)
{
  JsonObject *payload = json_object_new ();

  json_object_set_int_member (payload, "error", code);
  json_object_set_string_member (payload, "errorMessage", message);
  return payload;
}

#define error_payload authsim_engine_error_payload

JsonObject *
authsim_engine_no_permission_payload (void)
{
  JsonObject *payload = error_payload (4, MSG_NO_RIGHT);

  json_object_set_string_member (payload, "message", MSG_NO_RIGHT);
  json_object_set_string_member (payload, "signature", "N22104");
  return payload;
}

#define no_permission_payload authsim_engine_no_permission_payload

/* Logs @callback then complete with the same payload, tells listeners, and releases the
 * engine for the next call when @call was the active one. Takes ownership of @call, @payload
 * and @extra (nullable: members the success/fail event gets after the payload). */
void
authsim_engine_finish_call_with (AuthsimEngine *self,
                                 Call          *call,
                                 gboolean       success,
                                 JsonObject    *payload,
                                 JsonObject    *extra)
{
  g_autoptr(Call) owned = call;
  g_autoptr(JsonObject) owned_payload = payload;
  g_autoptr(JsonObject) owned_extra = extra;
  const char *names[] = { success ? "success" : "fail", "complete" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      JsonObject *fields = json_object_new ();
      JsonNode *node = json_node_new (JSON_NODE_OBJECT);
      JsonObjectIter iter;
      const char *key;
      JsonNode *value;

      json_node_set_object (node, payload);
      json_object_set_string_member (fields, "callback", names[i]);
      json_object_set_member (fields, "payload", node);
      if (extra != NULL && i == 0)
        {
          json_object_iter_init_ordered (&iter, extra);
          while (json_object_iter_next_ordered (&iter, &key, &value))
            json_object_set_member (fields, key, json_node_copy (value));
        }
      log_event (self, call->id, "callback", fields);
    }

  if (self->active == call)
    self->active = NULL;

  g_signal_emit (self, signals[CALL_FINISHED], 0, call->id, success, payload);
}

void
authsim_engine_finish_call (AuthsimEngine *self,
                            Call          *call,
                            gboolean       success,
                            JsonObject    *payload,
                            const char    *note)
{
  JsonObject *extra = NULL;

  if (note != NULL)
    {
      extra = json_object_new ();
      json_object_set_string_member (extra, "note", note);
    }
  authsim_engine_finish_call_with (self, call, success, payload, extra);
}

/* A button callback event (onGetAuthorize, onError) with its event object, for a tap. */
void
authsim_engine_log_button_callback (AuthsimEngine *self,
                                    Call          *call,
                                    const char    *callback,
                                    JsonObject    *event,
                                    const char    *note)
{
  JsonObject *fields = json_object_new ();

  json_object_set_string_member (fields, "callback", callback);
  json_object_set_object_member (fields, "payload", json_object_ref (event));
  if (note != NULL)
    json_object_set_string_member (fields, "note", note);
  log_event (self, call->id, "callback", fields);

  if (self->active == call)
    self->active = NULL;

  g_signal_emit (self, signals[CALL_FINISHED], 0, call->id,
                 g_str_equal (callback, "onGetAuthorize"), event);
}

#define finish_call authsim_engine_finish_call

static void
fail_call (AuthsimEngine *self,
           Call          *call,
           JsonObject    *payload,
           const char    *note)
{
  finish_call (self, call, FALSE, payload, note);
}

/* The scopes of @call that succeed, in request order; only the consent ones (the ones a
 * grant remembers) when @consent_only. */
static GStrv
call_scopes (Call     *call,
             gboolean  consent_only)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < call->ok_scopes->len; i++)
    {
      const char *scope = g_ptr_array_index (call->ok_scopes, i);

      if (!consent_only || !authsim_scope_is_silent (scope))
        g_strv_builder_add (builder, scope);
    }
  return g_strv_builder_end (builder);
}

static void
succeed_call (AuthsimEngine *self,
              Call          *call)
{
  JsonObject *payload = json_object_new ();
  g_auto(GStrv) scopes = call_scopes (call, FALSE);
  g_autofree char *code = NULL;

  code = authsim_store_issue_code (self->store, call->app_id, call->user_id,
                                   (const char * const *) scopes, call->id);

  json_object_set_string_member (payload, "authCode", code);
  json_object_set_member (payload, "authSuccessScopes",
                          strv_to_node ((const char * const *) scopes));
  json_object_set_object_member (payload, "authErrorScopes", json_object_ref (call->error_scopes));

  finish_call (self, call, TRUE, payload, NULL);
}

void
authsim_engine_log_grant (AuthsimEngine      *self,
                          guint               call,
                          const char         *event,
                          const char         *user_id,
                          const char         *app_id,
                          const char * const *scopes,
                          const char         *source)
{
  JsonObject *fields = json_object_new ();

  json_object_set_string_member (fields, "event", event);
  json_object_set_string_member (fields, "userId", user_id);
  json_object_set_string_member (fields, "appId", app_id);
  json_object_set_member (fields, "scopes", strv_to_node (scopes));
  if (source != NULL)
    json_object_set_string_member (fields, "source", source);
  log_event (self, call, "grant", fields);
}

/* The popup */

static GStrv
missing_consent_scopes (AuthsimEngine *self,
                        Call          *call)
{
  g_auto(GStrv) granted = authsim_store_dup_granted_scopes (self->store, call->user_id,
                                                             call->app_id);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < call->ok_scopes->len; i++)
    {
      const char *scope = g_ptr_array_index (call->ok_scopes, i);

      if (!authsim_scope_is_silent (scope) && !g_strv_contains ((const char * const *) granted, scope))
        g_strv_builder_add (builder, scope);
    }
  return g_strv_builder_end (builder);
}

static void
request_responded_cb (AuthsimRequest      *request,
                     AuthsimDecision      decision,
                     AuthsimAnswerSource  source,
                     AuthsimEngine       *self);

/* The popup's "scope" (userInfo, phoneNumber) in its events; getAuthCode's have none. */
static void
set_request_scope (JsonObject     *fields,
                   AuthsimRequest *request)
{
  const char *scope = authsim_request_get_scope (request);

  if (scope != NULL)
    json_object_set_string_member (fields, "scope", scope);
}

/* Whether a popup or the settings page would cover the mini program's page now. */
static gboolean
covers_page (AuthsimEngine *self)
{
  return current_page (self) != NULL && !self->settings_open;
}

static void
close_popup (AuthsimEngine *self,
             const char    *reason)
{
  g_autoptr(AuthsimRequest) request = g_steal_pointer (&self->request);
  JsonObject *fields = json_object_new ();

  g_signal_handlers_disconnect_by_func (request, request_responded_cb, self);
  self->popup_call = NULL;

  json_object_set_string_member (fields, "event", "close");
  json_object_set_string_member (fields, "appId", authsim_request_get_app_id (request));
  set_request_scope (fields, request);
  if (reason != NULL)
    json_object_set_string_member (fields, "reason", reason);
  log_event (self, authsim_request_get_call (request), "popup", fields);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REQUEST]);

  /* The sheet covered the page: closing it shows the page again (source: triggers onShow). */
  if (covers_page (self) && reason == NULL)
    log_lifecycle (self, "onShow", authsim_page_get_path (current_page (self)));
}

/* getAuthCode's popup was answered (and closed). */
static void
answer_auth_code (AuthsimEngine   *self,
                  Call            *call,
                  AuthsimDecision  decision)
{
  switch (decision)
    {
    case AUTHSIM_DECISION_ALLOW:
      {
        /* Only consent scopes are remembered: auth_base never asks. */
        g_auto(GStrv) consent = call_scopes (call, TRUE);

        authsim_store_grant (self->store, call->user_id, call->app_id,
                             (const char * const *) consent);
        authsim_engine_log_grant (self, call->id, "granted", call->user_id, call->app_id,
                                  (const char * const *) consent, NULL);
        succeed_call (self, call);
      }
      break;

    case AUTHSIM_DECISION_REJECT:
      fail_call (self, call, error_payload (11, MSG_CANCELLED), NULL);
      break;

    case AUTHSIM_DECISION_CLOSE:
    default:
      fail_call (self, call, error_payload (3, MSG_NO_RESULT), NULL);
      break;
    }
}

/* Closing the popup fired the page's onShow: a getAuthCode there reopens it (a loop). */
static void
fire_onshow_after_popup (AuthsimEngine     *self,
                         const AuthsimPage *page,
                         gboolean           from_onshow)
{
  JsonObject *violation;

  if (page == NULL || !authsim_page_get_hook (page, "onShow", NULL, NULL))
    return;

  self->onshow_chain = from_onshow ? self->onshow_chain + 1 : 1;
  if (self->onshow_chain <= ONSHOW_LOOP_LIMIT)
    {
      fire_lifecycle_call (self, page, "onShow");
      return;
    }

  violation = json_object_new ();
  json_object_set_string_member (violation, "rule", "onshow-loop");
  json_object_set_string_member (violation, "mode", "stop");
  json_object_set_string_member (violation, "explanation",
                                 "onShow reopened the authorization popup "
                                 G_STRINGIFY (ONSHOW_LOOP_LIMIT)
                                 " times in a row; AuthSim stopped firing it to "
                                 "break the loop (a real client would loop)");
  log_event (self, 0, "violation", violation);
  self->onshow_chain = 0;
}

static void
request_responded_cb (AuthsimRequest      *request,
                     AuthsimDecision      decision,
                     AuthsimAnswerSource  source,
                     AuthsimEngine       *self)
{
  Call *call = self->popup_call;
  const AuthsimPage *page = current_page (self);
  gboolean over_page = covers_page (self);
  JsonObject *fields = json_object_new ();
  gboolean from_onshow;

  g_assert (call != NULL && request == self->request);

  json_object_set_string_member (fields, "decision",
                                 authsim_enum_to_nick (AUTHSIM_TYPE_DECISION, decision));
  json_object_set_string_member (fields, "source",
                                 authsim_enum_to_nick (AUTHSIM_TYPE_ANSWER_SOURCE, source));
  set_request_scope (fields, request);
  log_event (self, call->id, "decision", fields);

  /* A tap on the popup is a user interaction: the first screen is over. */
  set_first_screen (self, FALSE);
  close_popup (self, NULL);
  from_onshow = call->loop_risk;
  if (call == self->switch_call)
    self->switch_call = NULL;

  if (call->api == AUTHSIM_API_GET_AUTHORIZE)
    authsim_engine_answer_authorize (self, call, decision);
  else
    answer_auth_code (self, call, decision);

  /* No onShow when the popup was over the settings page, or another one opened already. */
  if (over_page && self->request == NULL)
    fire_onshow_after_popup (self, page, from_onshow);

  drain_queue (self);
}

void
authsim_engine_open_request (AuthsimEngine  *self,
                             Call           *call,
                             AuthsimRequest *request,
                             JsonObject     *fields)
{
  g_assert (self->request == NULL);

  self->popup_call = call;
  self->request = request;
  g_signal_connect (self->request, "responded", G_CALLBACK (request_responded_cb), self);

  json_object_set_string_member (fields, "event", "open");
  json_object_set_string_member (fields, "appId", call->app_id);
  json_object_set_string_member (fields, "appName", call->app_name);
  json_object_set_member (fields, "scopes",
                          strv_to_node (authsim_request_get_scopes (request)));
  json_object_set_member (fields, "fields",
                          strv_to_node (authsim_request_get_fields (request)));
  set_request_scope (fields, request);
  log_event (self, call->id, "popup", fields);
  if (covers_page (self))
    log_lifecycle (self, "onHide", authsim_page_get_path (current_page (self)));

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REQUEST]);
}

static void
open_popup (AuthsimEngine *self,
            Call          *call,
            GStrv          missing)
{
  const char * const *fields_list = NULL;
  const char * const empty[] = { NULL };

  if (g_strv_contains ((const char * const *) missing, "auth_user"))
    fields_list = authsim_profile_get_user_info_fields (self->profile);
  if (fields_list == NULL)
    fields_list = empty;

  self->active = call;
  authsim_engine_open_request (self, call,
                               authsim_request_new (call->id, call->app_id, call->app_name,
                                                    call->app_icon,
                                                    (const char * const *) missing,
                                                    fields_list),
                               json_object_new ());
}

/* The toast */

static gboolean
toast_done_cb (gpointer user_data)
{
  AuthsimEngine *self = user_data;
  Call *call = self->active;

  self->toast_source = 0;
  set_string (self, &self->toast, NULL, PROP_TOAST);
  if (call->api == AUTHSIM_API_GET_AUTHORIZE)
    authsim_engine_tap_not_found (self, call);
  else
    fail_call (self, call, error_payload (3, MSG_NO_RESULT), NULL);
  drain_queue (self);
  return G_SOURCE_REMOVE;
}

void
authsim_engine_show_toast (AuthsimEngine *self,
                           Call          *call,
                           const char    *reason)
{
  JsonObject *fields = json_object_new ();

  self->active = call;
  json_object_set_string_member (fields, "message", MSG_BUSY_TOAST);
  json_object_set_int_member (fields, "durationMs", self->toast_duration);
  if (reason != NULL)
    json_object_set_string_member (fields, "reason", reason);
  log_event (self, call->id, "toast", fields);
  set_string (self, &self->toast, MSG_BUSY_TOAST, PROP_TOAST);
  self->toast_source = g_timeout_add (self->toast_duration, toast_done_cb, self);
}

/* The checks of SPEC §2.2, in order. Each returns TRUE when @call goes on to the next one,
 * FALSE when it has finished @call (and freed it) or made it the active one (the toast). */

/* 1. web-view: the API does not exist there. */
gboolean
authsim_engine_check_container (AuthsimEngine *self,
                                Call          *call)
{
  g_autofree char *note = NULL;

  if (call->container != AUTHSIM_CONTAINER_WEB_VIEW)
    return TRUE;

  if (call->api == AUTHSIM_API_GET_AUTH_CODE)
    note = g_strdup ("my.getAuthCode is not available in web-view; get the code in the mini "
                     "program and pass it with postMessage");
  else
    note = g_strdup_printf ("my.%s is not available in web-view; call it in the mini program",
                            authsim_enum_to_nick (AUTHSIM_TYPE_API, call->api));
  fail_call (self, call, error_payload (1, MSG_NO_API), note);
  return FALSE;
}

/* 2. No permission: no JSAPI base package, or a third party without it. */
gboolean
authsim_engine_check_permission (AuthsimEngine *self,
                                 Call          *call)
{
  if (!authsim_profile_get_jsapi_base_package (self->profile))
    {
      fail_call (self, call, no_permission_payload (),
                 "the app has no JSAPI base package (jsapiBasePackage is false)");
      return FALSE;
    }
  if (authsim_profile_get_third_party (self->profile) == AUTHSIM_THIRD_PARTY_WITHOUT_PACKAGE)
    {
      fail_call (self, call, no_permission_payload (),
                 "the app is authorised to a third party without the JSAPI base package");
      return FALSE;
    }
  return TRUE;
}
/* Sorts @scopes into the call's entitled ones (ok_scopes) and the others (error_scopes, as
 * "40006"). Returns whether an entitled one needs consent. */
static gboolean
sort_scopes (AuthsimEngine      *self,
             Call               *call,
             const char * const *scopes)
{
  gboolean consent = FALSE;

  for (guint i = 0; scopes[i] != NULL; i++)
    {
      if (authsim_profile_is_entitled (self->profile, scopes[i]))
        {
          g_ptr_array_add (call->ok_scopes, g_strdup (scopes[i]));
          consent |= !authsim_scope_is_silent (scopes[i]);
        }
      else
        json_object_set_string_member (call->error_scopes, scopes[i], NOT_ENTITLED);
    }
  return consent;
}

/* 3. Scopes: the parameter object, then the scopes member, then the app's entitlements.
 * Sets @consent when an entitled scope needs the user's consent. */
static gboolean
check_scopes (AuthsimEngine *self,
              Call          *call,
              gboolean      *consent)
{
  JsonNode *scopes_node = NULL;
  g_auto(GStrv) scopes = NULL;
  g_autofree char *reason = NULL;

  if (call->params != NULL && !JSON_NODE_HOLDS_NULL (call->params))
    {
      if (!JSON_NODE_HOLDS_OBJECT (call->params))
        {
          fail_call (self, call, error_payload (2, MSG_BAD_PARAM),
                     "the parameter of my.getAuthCode must be an object");
          return FALSE;
        }
      scopes_node = json_object_get_member (json_node_get_object (call->params), "scopes");
    }

  switch (authsim_scopes_parse (scopes_node, &scopes, &reason))
    {
    case AUTHSIM_SCOPES_INVALID_TYPE:
      fail_call (self, call, error_payload (2, MSG_BAD_PARAM), reason);
      return FALSE;
    case AUTHSIM_SCOPES_UNKNOWN:
      authsim_engine_show_toast (self, call, reason);
      return FALSE;
    case AUTHSIM_SCOPES_OK:
    default:
      break;
    }

  *consent = sort_scopes (self, call, (const char * const *) scopes);
  if (call->ok_scopes->len == 0)
    {
      fail_call (self, call, no_permission_payload (),
                 "none of the requested scopes is entitled to this app (entitledScopes)");
      return FALSE;
    }
  return TRUE;
}

/* 4. Network fault switched on. */
gboolean
authsim_engine_check_network (AuthsimEngine *self,
                              Call          *call)
{
  if (!self->network_fault)
    return TRUE;

  fail_call (self, call, error_payload (12, MSG_NETWORK), "the network fault is switched on");
  return FALSE;
}

/* 5. The first-screen rule: a lifecycle call asking for consent before any interaction is a
 * violation (logged, with the banner); under "enforce" it fails without a popup. */
static gboolean
check_first_screen (AuthsimEngine *self,
                    Call          *call,
                    gboolean       consent)
{
  JsonObject *fields;

  if (!consent || !call->first_screen || call->trigger != AUTHSIM_TRIGGER_LIFECYCLE ||
      self->rule == AUTHSIM_FIRST_SCREEN_RULE_OFF)
    return TRUE;

  fields = json_object_new ();
  json_object_set_string_member (fields, "rule", "first-screen");
  json_object_set_string_member (fields, "mode",
                                 authsim_enum_to_nick (AUTHSIM_TYPE_FIRST_SCREEN_RULE,
                                                       self->rule));
  json_object_set_string_member (fields, "explanation",
                                 "my.getAuthCode asked for consent on the first screen (from "
                                 "launch until the user's first tap or navigation); Alipay "
                                 "review rejects popups shown before any interaction. "
                                 "Silent auth_base is allowed.");
  log_event (self, call->id, "violation", fields);
  authsim_engine_set_banner (self, "first-screen");

  if (self->rule != AUTHSIM_FIRST_SCREEN_RULE_ENFORCE)
    return TRUE;

  fail_call (self, call, error_payload (3, MSG_NO_RESULT),
             "blocked by the first-screen rule (enforce): no popup was shown");
  return FALSE;
}

/* my.getAuthCode: finishes @call, or makes it the active one (the popup, the toast). */
static void
process_auth_code (AuthsimEngine *self,
                   Call          *call)
{
  gboolean consent = FALSE;
  g_auto(GStrv) missing = NULL;

  if (!authsim_engine_check_container (self, call) ||
      !authsim_engine_check_permission (self, call) ||
      !check_scopes (self, call, &consent) ||
      !authsim_engine_check_network (self, call) ||
      !check_first_screen (self, call, consent))
    return;

  /* 6. Only silent scopes: success at once. */
  if (!consent)
    {
      succeed_call (self, call);
      return;
    }

  /* 7. Every consent scope already granted: success at once. 8. Otherwise the popup. */
  missing = missing_consent_scopes (self, call);
  if (missing[0] == NULL)
    succeed_call (self, call);
  else
    open_popup (self, call, missing);
}

/* Whether the next queued call may start: nothing active, no popup, no settings page. */
static gboolean
may_start (AuthsimEngine *self)
{
  return self->active == NULL && self->request == NULL && !self->settings_open;
}

static void
drain_queue (AuthsimEngine *self)
{
  if (self->draining)
    return;

  self->draining = TRUE;
  while (may_start (self) && !g_queue_is_empty (&self->pending))
    {
      Call *call = g_queue_pop_head (&self->pending);

      if (call->api == AUTHSIM_API_GET_AUTH_CODE)
        process_auth_code (self, call);
      else
        authsim_engine_process_member_call (self, call);
      notify_pending (self);
    }
  self->draining = FALSE;
}

void
authsim_engine_drain (AuthsimEngine *self)
{
  drain_queue (self);
}

/* Making calls */

/* A new call on the current page, by the active user. In a plugin the subject of the
 * authorisation is the host mini program. */
Call *
authsim_engine_new_call (AuthsimEngine    *self,
                         AuthsimApi        api,
                         JsonNode         *params,
                         AuthsimTrigger    trigger,
                         AuthsimContainer  container,
                         gboolean          loop_risk)
{
  Call *call = g_new0 (Call, 1);
  const AuthsimPage *page = current_page (self);
  const char *host = authsim_profile_get_host_app_id (self->profile);

  call->id = authsim_store_next_call_id (self->store);
  call->api = api;
  call->params = params != NULL ? json_node_copy (params) : NULL;
  call->trigger = trigger;
  call->container = container;
  call->page = g_strdup (page != NULL ? authsim_page_get_path (page) : "");
  call->user_id = g_strdup (authsim_user_get_user_id (self->active_user));
  call->first_screen = self->first_screen;
  call->loop_risk = loop_risk;
  call->ok_scopes = g_ptr_array_new_with_free_func (g_free);
  call->error_scopes = json_object_new ();

  if (container == AUTHSIM_CONTAINER_PLUGIN && host != NULL)
    {
      call->app_id = g_strdup (host);
      call->app_name = g_strdup (authsim_profile_get_host_name (self->profile));
      call->app_icon = g_strdup (authsim_profile_get_host_icon (self->profile));
    }
  else
    {
      call->app_id = g_strdup (authsim_profile_get_app_id (self->profile));
      call->app_name = g_strdup (authsim_profile_get_name (self->profile));
      call->app_icon = g_strdup (authsim_profile_get_icon (self->profile));
    }
  return call;
}

/* What a call event says of a getAuthorize tap instead of params: the scope attribute as
 * written (absent when missing), the button, and where the tap came from. */
static void
log_tap_fields (JsonObject *fields,
                Call       *call)
{
  if (call->scope != NULL)
    json_object_set_member (fields, "scope", json_node_copy (call->scope));
  if (call->label != NULL)
    json_object_set_string_member (fields, "button", call->label);
  if (call->from_settings)
    json_object_set_string_member (fields, "source", "settings");
}

/* The "call" event; @queued: it waits behind an open popup, toast or settings page. */
void
authsim_engine_log_call (AuthsimEngine *self,
                         Call          *call,
                         const char    *hook,
                         gboolean       queued)
{
  JsonObject *fields = json_object_new ();
  gboolean no_host = authsim_profile_get_host_app_id (self->profile) == NULL;
  g_autoptr(GString) params = NULL;

  json_object_set_string_member (fields, "api", authsim_enum_to_nick (AUTHSIM_TYPE_API,
                                                                      call->api));
  if (call->api == AUTHSIM_API_GET_AUTHORIZE)
    log_tap_fields (fields, call);
  else
    {
      /* The parameter as written when we have its text (a number a double cannot hold stays
       * exact), else as the node says. */
      params = g_string_new (call->params_json);
      if (call->params_json == NULL)
        authsim_json_append_node (params, call->params);
    }
  json_object_set_string_member (fields, "trigger",
                                 authsim_enum_to_nick (AUTHSIM_TYPE_TRIGGER, call->trigger));
  json_object_set_string_member (fields, "container",
                                 authsim_enum_to_nick (AUTHSIM_TYPE_CONTAINER, call->container));
  json_object_set_string_member (fields, "page", call->page);
  json_object_set_string_member (fields, "appId", call->app_id);
  json_object_set_string_member (fields, "userId", call->user_id);
  json_object_set_boolean_member (fields, "firstScreen", call->first_screen);
  if (hook != NULL)
    json_object_set_string_member (fields, "hook", hook);
  if (call->loop_risk)
    json_object_set_boolean_member (fields, "loopRisk", TRUE);
  if (queued)
    json_object_set_boolean_member (fields, "queued", TRUE);
  if (call->container == AUTHSIM_CONTAINER_PLUGIN && no_host)
    json_object_set_string_member (fields, "note",
                                   "the profile names no host: the plugin's own app authorises");
  if (params != NULL)
    authsim_log_append_raw (self->log, call->id, "call", "params", params->str, fields);
  else
    log_event (self, call->id, "call", fields);
}

static void
warn_onshow_loop (AuthsimEngine *self,
                  guint          call)
{
  JsonObject *violation = json_object_new ();

  json_object_set_string_member (violation, "rule", "onshow-loop");
  json_object_set_string_member (violation, "mode", "warn");
  json_object_set_string_member (violation, "explanation",
                                 "my.getAuthCode called from onShow: closing the "
                                 "authorization popup fires onShow again, which calls it "
                                 "again (a loop risk)");
  log_event (self, call, "violation", violation);
}

guint
authsim_engine_queue_call (AuthsimEngine *self,
                           Call          *call,
                           const char    *hook)
{
  gboolean queued = !may_start (self) || !g_queue_is_empty (&self->pending);
  guint id;

  authsim_engine_log_call (self, call, hook, queued);
  if (call->loop_risk)
    warn_onshow_loop (self, call->id);

  /* The call may finish, and be freed, while the queue drains. */
  id = call->id;
  g_queue_push_tail (&self->pending, call);
  notify_pending (self);
  drain_queue (self);
  return id;
}

guint
authsim_engine_make_call (AuthsimEngine    *self,
                          AuthsimApi        api,
                          JsonNode         *params,
                          AuthsimTrigger    trigger,
                          AuthsimContainer  container,
                          const char       *hook)
{
  return authsim_engine_make_call_full (self, api, params, NULL, trigger, container, hook);
}

/* onShow calls of getAuthCode are a loop risk: closing the popup fires onShow again. */
guint
authsim_engine_make_call_full (AuthsimEngine    *self,
                               AuthsimApi        api,
                               JsonNode         *params,
                               const char       *params_json,
                               AuthsimTrigger    trigger,
                               AuthsimContainer  container,
                               const char       *hook)
{
  gboolean loop_risk = g_strcmp0 (hook, "onShow") == 0 && api == AUTHSIM_API_GET_AUTH_CODE;
  Call *call;

  /* The tap that triggers a call ends the first screen before the call is made. */
  if (trigger == AUTHSIM_TRIGGER_TAP)
    set_first_screen (self, FALSE);

  call = authsim_engine_new_call (self, api, params, trigger, container, loop_risk);
  call->params_json = g_strdup (params_json);
  return authsim_engine_queue_call (self, call, hook);
}

guint
authsim_engine_call (AuthsimEngine    *self,
                     JsonNode         *params,
                     AuthsimTrigger    trigger,
                     AuthsimContainer  container)
{
  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), 0);

  return authsim_engine_make_call (self, AUTHSIM_API_GET_AUTH_CODE, params, trigger, container,
                                   NULL);
}

guint
authsim_engine_call_api (AuthsimEngine    *self,
                         AuthsimApi        api,
                         JsonNode         *params,
                         AuthsimTrigger    trigger,
                         AuthsimContainer  container)
{
  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), 0);
  g_return_val_if_fail ((int) api >= 0 && api < AUTHSIM_API_N_CALLABLE, 0);

  return authsim_engine_make_call (self, api, params, trigger, container, NULL);
}

void
authsim_engine_log_error (AuthsimEngine *self,
                          const char    *source,
                          const char    *message)
{
  JsonObject *fields = json_object_new ();

  g_return_if_fail (AUTHSIM_IS_ENGINE (self));

  json_object_set_string_member (fields, "source", source);
  json_object_set_string_member (fields, "message", message);
  log_event (self, 0, "error", fields);
}

static gboolean
fail_json (AuthsimEngine  *self,
           GError        **error,
           const char     *format,
           ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail_json (AuthsimEngine  *self,
           GError        **error,
           const char     *format,
           ...)
{
  va_list args;
  g_autofree char *message = NULL;
  g_autofree char *logged = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  logged = g_strconcat ("call: ", message, NULL);
  authsim_engine_log_error (self, "dbus", logged);
  g_set_error_literal (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID, message);
  return FALSE;
}

/* One of "api", "trigger", "container" of the D-Bus form into *@value, as its enum nick. */
static gboolean
read_call_option (AuthsimEngine  *self,
                  const char     *key,
                  JsonNode       *node,
                  int            *value,
                  GError        **error)
{
  const char *nick = authsim_json_is_string (node) ? json_node_get_string (node) : NULL;
  GType type;
  const char *expected;

  if (g_str_equal (key, "trigger"))
    type = AUTHSIM_TYPE_TRIGGER, expected = "\"tap\" or \"lifecycle\"";
  else if (g_str_equal (key, "container"))
    type = AUTHSIM_TYPE_CONTAINER, expected = "\"mini-program\", \"plugin\" or \"web-view\"";
  else
    type = AUTHSIM_TYPE_API, expected = "\"getAuthCode\", \"getOpenUserInfo\", "
                                        "\"getPhoneNumber\", \"getSetting\" or \"openSetting\"";

  if (!authsim_enum_from_nick (type, nick, value) ||
      (type == AUTHSIM_TYPE_API && *value >= AUTHSIM_API_N_CALLABLE))
    return fail_json (self, error, "$.%s: expected %s, got %s", key, expected,
                      nick != NULL ? nick : json_node_type_name (node));
  return TRUE;
}

/* The D-Bus form is read strictly (RFC 8259), as the JS bridge's JSON.parse would; the
 * parameter is logged as written. */
guint
authsim_engine_call_json (AuthsimEngine  *self,
                          const char     *json,
                          GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *minified = NULL;
  g_autofree char *params_json = NULL;
  JsonObject *object;
  int values[3] = { AUTHSIM_API_GET_AUTH_CODE, AUTHSIM_TRIGGER_TAP, self->container };
  const char * const options[] = { "api", "trigger", "container", NULL };
  JsonNode *params = NULL;
  g_autoptr(GList) members = NULL;

  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), 0);

  if (json == NULL ||
      (root = authsim_json_parse_text (json, -1, "call", &minified, &local_error)) == NULL)
    return fail_json (self, error, "not JSON: %s",
                      local_error != NULL ? local_error->message : "empty");

  if (!JSON_NODE_HOLDS_OBJECT (root))
    return fail_json (self, error, "expected an object {\"api\": …, \"params\": …, "
                                   "\"trigger\": …, \"container\": …}");
  object = json_node_get_object (root);

  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      JsonNode *node = json_object_get_member (object, key);

      if (g_str_equal (key, "params"))
        params = node;
      else if (g_strv_contains (options, key))
        {
          for (guint i = 0; options[i] != NULL; i++)
            if (g_str_equal (key, options[i]) &&
                !read_call_option (self, key, node, &values[i], error))
              return 0;
        }
      else
        return fail_json (self, error, "$.%s: unknown key (expected api, params, trigger, "
                                       "container)", key);
    }

  if (params != NULL)
    {
      const char *text;
      gsize length;

      if (authsim_json_find_member (minified, strlen (minified), "params", &text, &length))
        params_json = g_strndup (text, length);
    }
  return authsim_engine_make_call_full (self, values[0], params, params_json, values[1],
                                        values[2], NULL);
}

static gboolean
is_blank (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isspace (*p))
      return FALSE;
  return TRUE;
}

guint
authsim_engine_call_text (AuthsimEngine     *self,
                          AuthsimApi         api,
                          const char        *params_json,
                          AuthsimTrigger     trigger,
                          AuthsimContainer   container,
                          GError           **error)
{
  g_autoptr(JsonNode) params = NULL;
  g_autofree char *minified = NULL;

  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), 0);
  g_return_val_if_fail ((int) api >= 0 && api < AUTHSIM_API_N_CALLABLE, 0);

  if (params_json != NULL && !is_blank (params_json))
    {
      params = authsim_json_parse_text (params_json, -1, "params", &minified, error);
      if (params == NULL)
        return 0;
    }
  return authsim_engine_make_call_full (self, api, params, minified, trigger, container, NULL);
}

gboolean
authsim_engine_respond (AuthsimEngine        *self,
                        AuthsimDecision       decision,
                        AuthsimAnswerSource   source,
                        GError              **error)
{
  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), FALSE);

  if (self->request == NULL)
    {
      g_set_error_literal (error, AUTHSIM_ERROR, AUTHSIM_ERROR_NO_REQUEST,
                           "no authorization popup is open");
      return FALSE;
    }

  /* The request carries @source to request_responded_cb(), which logs the decision. */
  return authsim_request_respond (self->request, decision, source, error);
}

/* The mini program is gone */

void
authsim_engine_abandon_calls (AuthsimEngine *self,
                              const char    *why)
{
  Call *call;

  g_clear_handle_id (&self->toast_source, g_source_remove);
  set_string (self, &self->toast, NULL, PROP_TOAST);
  if (self->request != NULL)
    close_popup (self, why);
  g_clear_pointer (&self->switch_call, call_free);
  authsim_engine_abandon_settings (self, why);

  if (self->active != NULL)
    g_queue_push_head (&self->pending, g_steal_pointer (&self->active));

  while ((call = g_queue_pop_head (&self->pending)) != NULL)
    {
      g_autofree char *message = g_strdup_printf ("call %u dropped: %s", call->id, why);

      authsim_engine_log_error (self, "engine", message);
      call_free (call);
    }
  self->onshow_chain = 0;
  notify_pending (self);
}

/* Grants and users */

void
authsim_engine_clear_grants (AuthsimEngine *self)
{
  JsonObject *fields = json_object_new ();

  g_return_if_fail (AUTHSIM_IS_ENGINE (self));

  authsim_store_clear_grants (self->store);
  json_object_set_string_member (fields, "event", "cleared");
  log_event (self, 0, "grant", fields);
  authsim_engine_refresh_settings (self);
}

gboolean
authsim_engine_revoke (AuthsimEngine *self,
                       const char    *user_id,
                       const char    *app_id)
{
  g_auto(GStrv) scopes = NULL;

  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), FALSE);

  scopes = authsim_store_dup_granted_scopes (self->store, user_id, app_id);
  if (!authsim_store_revoke (self->store, user_id, app_id))
    return FALSE;

  authsim_engine_log_grant (self, 0, "revoked", user_id, app_id,
                            (const char * const *) scopes, NULL);
  authsim_engine_refresh_settings (self);
  return TRUE;
}

gboolean
authsim_engine_set_active_user_id (AuthsimEngine  *self,
                                   const char     *user_id,
                                   GError        **error)
{
  AuthsimUser *user;

  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), FALSE);

  user = user_id != NULL ? authsim_users_find (self->users, user_id) : NULL;
  if (user == NULL)
    {
      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_NOT_FOUND,
                   "no test user has userId \"%s\"", user_id != NULL ? user_id : "");
      return FALSE;
    }

  if (g_set_object (&self->active_user, user))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE_USER]);
      authsim_engine_refresh_settings (self);
    }
  return TRUE;
}

/* Accessors */

AuthsimProfile *
authsim_engine_get_profile (AuthsimEngine *self)
{
  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), NULL);

  return self->profile;
}

GListModel *
authsim_engine_get_users (AuthsimEngine *self)
{
  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), NULL);

  return self->users;
}

AuthsimUser *
authsim_engine_get_active_user (AuthsimEngine *self)
{
  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), NULL);

  return self->active_user;
}

AuthsimFirstScreenRule
authsim_engine_get_first_screen_rule (AuthsimEngine *self)
{
  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), 0);

  return self->rule;
}

gboolean
authsim_engine_get_network_fault (AuthsimEngine *self)
{
  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), FALSE);

  return self->network_fault;
}

AuthsimContainer
authsim_engine_get_container (AuthsimEngine *self)
{
  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), 0);

  return self->container;
}

guint
authsim_engine_get_toast_duration (AuthsimEngine *self)
{
  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), 0);

  return self->toast_duration;
}

AuthsimRequest *
authsim_engine_get_request (AuthsimEngine *self)
{
  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), NULL);

  return self->request;
}

const char *
authsim_engine_get_toast (AuthsimEngine *self)
{
  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), NULL);

  return self->toast;
}

guint
authsim_engine_get_pending (AuthsimEngine *self)
{
  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), 0);

  return g_queue_get_length (&self->pending);
}

void
authsim_engine_set_first_screen_rule (AuthsimEngine          *self,
                                      AuthsimFirstScreenRule  rule)
{
  g_return_if_fail (AUTHSIM_IS_ENGINE (self));

  if (self->rule == rule)
    return;
  self->rule = rule;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIRST_SCREEN_RULE]);
}

void
authsim_engine_set_network_fault (AuthsimEngine *self,
                                  gboolean       fault)
{
  g_return_if_fail (AUTHSIM_IS_ENGINE (self));

  fault = !!fault;
  if (self->network_fault == fault)
    return;
  self->network_fault = fault;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NETWORK_FAULT]);
}

void
authsim_engine_set_container (AuthsimEngine    *self,
                              AuthsimContainer  container)
{
  g_return_if_fail (AUTHSIM_IS_ENGINE (self));

  if (self->container == container)
    return;
  self->container = container;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTAINER]);
  /* In a plugin the settings page is the host's. */
  authsim_engine_refresh_settings (self);
}

void
authsim_engine_set_toast_duration (AuthsimEngine *self,
                                   guint          msec)
{
  g_return_if_fail (AUTHSIM_IS_ENGINE (self));

  if (self->toast_duration == msec)
    return;
  self->toast_duration = msec;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOAST_DURATION]);
}

AuthsimSealer *
authsim_engine_get_sealer (AuthsimEngine *self)
{
  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), NULL);

  return self->sealer;
}

void
authsim_engine_set_sealer (AuthsimEngine *self,
                           AuthsimSealer *sealer)
{
  g_return_if_fail (AUTHSIM_IS_ENGINE (self));
  g_return_if_fail (sealer == NULL || AUTHSIM_IS_SEALER (sealer));

  if (g_set_object (&self->sealer, sealer))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEALER]);
}

gboolean
authsim_engine_get_service_busy (AuthsimEngine *self)
{
  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), FALSE);

  return self->service_busy;
}

void
authsim_engine_set_service_busy (AuthsimEngine *self,
                                 gboolean       busy)
{
  g_return_if_fail (AUTHSIM_IS_ENGINE (self));

  busy = !!busy;
  if (self->service_busy == busy)
    return;
  self->service_busy = busy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVICE_BUSY]);
}

/* GObject */

static void
authsim_engine_dispose (GObject *object)
{
  AuthsimEngine *self = AUTHSIM_ENGINE (object);
  Call *call;

  g_clear_handle_id (&self->toast_source, g_source_remove);
  if (self->request != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->request, request_responded_cb, self);
      g_clear_object (&self->request);
    }
  g_clear_pointer (&self->active, call_free);
  g_clear_pointer (&self->switch_call, call_free);
  g_clear_pointer (&self->settings_call, call_free);
  while ((call = g_queue_pop_head (&self->pending)) != NULL)
    call_free (call);
  if (self->grants != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->grants, self);
      g_clear_object (&self->grants);
    }

  g_clear_pointer (&self->stack, g_ptr_array_unref);
  g_clear_object (&self->sealer);
  g_clear_object (&self->active_user);
  g_clear_object (&self->users);
  g_clear_object (&self->profile);
  g_clear_object (&self->store);
  g_clear_object (&self->log);

  G_OBJECT_CLASS (authsim_engine_parent_class)->dispose (object);
}

static void
authsim_engine_finalize (GObject *object)
{
  AuthsimEngine *self = AUTHSIM_ENGINE (object);

  g_free (self->toast);
  g_free (self->banner);
  g_free (self->page_nickname);
  g_free (self->page_avatar);
  g_free (self->page_avatar_image);
  g_clear_pointer (&self->device_settings, json_object_unref);
  g_clear_pointer (&self->auth_setting, json_object_unref);

  G_OBJECT_CLASS (authsim_engine_parent_class)->finalize (object);
}

static void
authsim_engine_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  AuthsimEngine *self = AUTHSIM_ENGINE (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      g_value_set_object (value, self->profile);
      break;
    case PROP_USERS:
      g_value_set_object (value, self->users);
      break;
    case PROP_ACTIVE_USER:
      g_value_set_object (value, self->active_user);
      break;
    case PROP_PAGE_PATH:
      g_value_set_string (value, authsim_engine_get_page_path (self));
      break;
    case PROP_CAN_GO_BACK:
      g_value_set_boolean (value, authsim_engine_get_can_go_back (self));
      break;
    case PROP_FIRST_SCREEN:
      g_value_set_boolean (value, self->first_screen);
      break;
    case PROP_FIRST_SCREEN_RULE:
      g_value_set_enum (value, self->rule);
      break;
    case PROP_NETWORK_FAULT:
      g_value_set_boolean (value, self->network_fault);
      break;
    case PROP_CONTAINER:
      g_value_set_enum (value, self->container);
      break;
    case PROP_REQUEST:
      g_value_set_object (value, self->request);
      break;
    case PROP_TOAST:
      g_value_set_string (value, self->toast);
      break;
    case PROP_BANNER:
      g_value_set_string (value, self->banner);
      break;
    case PROP_TOAST_DURATION:
      g_value_set_uint (value, self->toast_duration);
      break;
    case PROP_PENDING:
      g_value_set_uint (value, g_queue_get_length (&self->pending));
      break;
    case PROP_SEALER:
      g_value_set_object (value, self->sealer);
      break;
    case PROP_SERVICE_BUSY:
      g_value_set_boolean (value, self->service_busy);
      break;
    case PROP_SETTINGS_OPEN:
      g_value_set_boolean (value, self->settings_open);
      break;
    case PROP_AUTH_SETTING:
      g_value_set_boxed (value, self->auth_setting);
      break;
    case PROP_USER_INFO_AUTHORIZED:
      g_value_set_boolean (value, self->user_info_authorized);
      break;
    case PROP_PAGE_NICKNAME:
      g_value_set_string (value, authsim_engine_get_page_nickname (self));
      break;
    case PROP_PAGE_AVATAR:
      g_value_set_string (value, authsim_engine_get_page_avatar (self));
      break;
    case PROP_PAGE_AVATAR_IMAGE:
      g_value_set_string (value, authsim_engine_get_page_avatar_image (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_engine_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  AuthsimEngine *self = AUTHSIM_ENGINE (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      if (current_page (self) == NULL)
        g_set_object (&self->profile, g_value_get_object (value));
      else
        authsim_engine_set_profile (self, g_value_get_object (value));
      break;
    case PROP_USERS:
      g_set_object (&self->users, g_value_get_object (value));
      break;
    case PROP_ACTIVE_USER:
      {
        AuthsimUser *user = g_value_get_object (value);

        if (user != NULL)
          authsim_engine_set_active_user_id (self, authsim_user_get_user_id (user), NULL);
      }
      break;
    case PROP_STORE:
      g_set_object (&self->store, g_value_get_object (value));
      break;
    case PROP_LOG:
      g_set_object (&self->log, g_value_get_object (value));
      break;
    case PROP_FIRST_SCREEN_RULE:
      authsim_engine_set_first_screen_rule (self, g_value_get_enum (value));
      break;
    case PROP_NETWORK_FAULT:
      authsim_engine_set_network_fault (self, g_value_get_boolean (value));
      break;
    case PROP_CONTAINER:
      authsim_engine_set_container (self, g_value_get_enum (value));
      break;
    case PROP_TOAST_DURATION:
      authsim_engine_set_toast_duration (self, g_value_get_uint (value));
      break;
    case PROP_SEALER:
      authsim_engine_set_sealer (self, g_value_get_object (value));
      break;
    case PROP_SERVICE_BUSY:
      authsim_engine_set_service_busy (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_engine_constructed (GObject *object)
{
  AuthsimEngine *self = AUTHSIM_ENGINE (object);

  G_OBJECT_CLASS (authsim_engine_parent_class)->constructed (object);

  g_assert (self->profile != NULL && self->users != NULL);
  g_assert (self->store != NULL && self->log != NULL);
  g_assert (g_list_model_get_n_items (self->users) > 0);

  if (self->active_user == NULL)
    self->active_user = g_list_model_get_item (self->users, 0);

  authsim_engine_reset_device_settings (self);
  authsim_engine_watch_grants (self);
}

static void
authsim_engine_class_init (AuthsimEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;
  GParamFlags co = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;
  /* The store and the log are handed in, never handed out: whoever needs them gets them
   * from whoever built the engine. */
  GParamFlags handed_in = G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = authsim_engine_dispose;
  object_class->finalize = authsim_engine_finalize;
  object_class->get_property = authsim_engine_get_property;
  object_class->set_property = authsim_engine_set_property;
  object_class->constructed = authsim_engine_constructed;

  properties[PROP_PROFILE] =
    g_param_spec_object ("profile", NULL, NULL, AUTHSIM_TYPE_PROFILE, rw | G_PARAM_CONSTRUCT);
  properties[PROP_USERS] =
    g_param_spec_object ("users", NULL, NULL, G_TYPE_LIST_MODEL, co);
  properties[PROP_ACTIVE_USER] =
    g_param_spec_object ("active-user", NULL, NULL, AUTHSIM_TYPE_USER, rw);
  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, AUTHSIM_TYPE_STORE, handed_in);
  properties[PROP_LOG] =
    g_param_spec_object ("log", NULL, NULL, AUTHSIM_TYPE_LOG, handed_in);
  properties[PROP_PAGE_PATH] =
    g_param_spec_string ("page-path", NULL, NULL, NULL, ro);
  properties[PROP_CAN_GO_BACK] =
    g_param_spec_boolean ("can-go-back", NULL, NULL, FALSE, ro);
  properties[PROP_FIRST_SCREEN] =
    g_param_spec_boolean ("first-screen", NULL, NULL, FALSE, ro);
  properties[PROP_FIRST_SCREEN_RULE] =
    g_param_spec_enum ("first-screen-rule", NULL, NULL, AUTHSIM_TYPE_FIRST_SCREEN_RULE,
                       AUTHSIM_FIRST_SCREEN_RULE_ENFORCE, rw);
  properties[PROP_NETWORK_FAULT] =
    g_param_spec_boolean ("network-fault", NULL, NULL, FALSE, rw);
  properties[PROP_CONTAINER] =
    g_param_spec_enum ("container", NULL, NULL, AUTHSIM_TYPE_CONTAINER,
                       AUTHSIM_CONTAINER_MINI_PROGRAM, rw);
  properties[PROP_REQUEST] =
    g_param_spec_object ("request", NULL, NULL, AUTHSIM_TYPE_REQUEST, ro);
  properties[PROP_TOAST] =
    g_param_spec_string ("toast", NULL, NULL, NULL, ro);
  properties[PROP_BANNER] =
    g_param_spec_string ("banner", NULL, NULL, NULL, ro);
  properties[PROP_TOAST_DURATION] =
    g_param_spec_uint ("toast-duration", NULL, NULL, 0, 60000, 2000, rw);
  properties[PROP_PENDING] =
    g_param_spec_uint ("pending", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_SEALER] =
    g_param_spec_object ("sealer", NULL, NULL, AUTHSIM_TYPE_SEALER, rw);
  properties[PROP_SERVICE_BUSY] =
    g_param_spec_boolean ("service-busy", NULL, NULL, FALSE, rw);
  properties[PROP_SETTINGS_OPEN] =
    g_param_spec_boolean ("settings-open", NULL, NULL, FALSE, ro);
  properties[PROP_AUTH_SETTING] =
    g_param_spec_boxed ("auth-setting", NULL, NULL, JSON_TYPE_OBJECT, ro);
  properties[PROP_USER_INFO_AUTHORIZED] =
    g_param_spec_boolean ("user-info-authorized", NULL, NULL, FALSE, ro);
  properties[PROP_PAGE_NICKNAME] =
    g_param_spec_string ("page-nickname", NULL, NULL, NULL, ro);
  properties[PROP_PAGE_AVATAR] =
    g_param_spec_string ("page-avatar", NULL, NULL, NULL, ro);
  properties[PROP_PAGE_AVATAR_IMAGE] =
    g_param_spec_string ("page-avatar-image", NULL, NULL, NULL, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * AuthsimEngine::call-finished:
   * @call: the call id
   * @success: whether success (rather than fail) ran
   * @payload: the payload success/fail and complete received
   */
  signals[CALL_FINISHED] =
    g_signal_new ("call-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_UINT, G_TYPE_BOOLEAN, JSON_TYPE_OBJECT);
}

static void
authsim_engine_init (AuthsimEngine *self)
{
  self->stack = g_ptr_array_new ();
  self->toast_duration = 2000;
  self->rule = AUTHSIM_FIRST_SCREEN_RULE_ENFORCE;
  self->container = AUTHSIM_CONTAINER_MINI_PROGRAM;
  g_queue_init (&self->pending);
}

AuthsimEngine *
authsim_engine_new (AuthsimProfile *profile,
                    GListModel     *users,
                    AuthsimStore   *store,
                    AuthsimLog     *log)
{
  g_return_val_if_fail (AUTHSIM_IS_PROFILE (profile), NULL);
  g_return_val_if_fail (G_IS_LIST_MODEL (users), NULL);
  g_return_val_if_fail (AUTHSIM_IS_STORE (store), NULL);
  g_return_val_if_fail (AUTHSIM_IS_LOG (log), NULL);

  return g_object_new (AUTHSIM_TYPE_ENGINE,
                       "profile", profile,
                       "users", users,
                       "store", store,
                       "log", log,
                       NULL);
}
