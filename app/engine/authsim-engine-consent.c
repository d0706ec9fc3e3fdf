/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-engine-consent.c: the getAuthorize button of SPEC §10.2, my.getOpenUserInfo (§10.3),
 * my.getPhoneNumber (§11.2) and my.getSetting (§12) of AuthsimEngine, and what the page shows
 * after my.getOpenUserInfo. Their calls go through the queue of authsim-engine.c; the popup of
 * a tap is the same AuthsimRequest as getAuthCode's, answered through the same path. */
#include "config.h"

#include <string.h>

#include "authsim-engine-private.h"
#include "authsim-enums.h"
#include "authsim-member-data.h"

/* ------------------------------------------------------------------------------------------
 * The getAuthorize button (SPEC §10.2)
 * ------------------------------------------------------------------------------------------ */

/* A tap of a getAuthorize button with @scope (nullable, as written), @label (nullable: a
 * virtual button) and what its onGetAuthorize does (@then_params nullable). */
static Call *
new_tap (AuthsimEngine *self,
         JsonNode      *scope,
         const char    *label,
         gboolean       has_then,
         AuthsimApi     then_api,
         JsonNode      *then_params)
{
  Call *call = authsim_engine_new_call (self, AUTHSIM_API_GET_AUTHORIZE, NULL,
                                        AUTHSIM_TRIGGER_TAP, self->container, FALSE);

  call->scope = scope != NULL ? json_node_copy (scope) : NULL;
  call->label = g_strdup (label);
  call->has_then = has_then;
  call->then_api = then_api;
  call->then_params = then_params != NULL ? json_node_copy (then_params) : NULL;
  return call;
}

static guint
press_authorize (AuthsimEngine     *self,
                 const AuthsimPage *page,
                 guint              index)
{
  JsonNode *scope = NULL;
  JsonNode *then_params = NULL;
  AuthsimApi then_api = AUTHSIM_API_GET_AUTH_CODE;
  gboolean has_then;

  authsim_page_get_button_authorize (page, index, &scope);
  has_then = authsim_page_get_button_on_authorize (page, index, &then_api, &then_params);

  /* A tap is never on the first screen (SPEC §10.2): it ends it. */
  set_first_screen (self, FALSE);
  return authsim_engine_queue_call (self,
                                    new_tap (self, scope,
                                             authsim_page_get_button_label (page, index),
                                             has_then, then_api, then_params),
                                    NULL);
}

void
authsim_engine_press_authorize (AuthsimEngine     *self,
                                const AuthsimPage *page,
                                guint              index)
{
  press_authorize (self, page, index);
}

static gboolean
same_scope (JsonNode *a,
            JsonNode *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return json_node_equal (a, b);
}

guint
authsim_engine_tap_authorize (AuthsimEngine *self,
                              JsonNode      *scope)
{
  const AuthsimPage *page;

  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), 0);

  page = current_page (self);
  for (guint i = 0; page != NULL && i < authsim_page_get_n_buttons (page); i++)
    {
      JsonNode *button_scope = NULL;

      if (authsim_page_get_button_authorize (page, i, &button_scope) &&
          same_scope (button_scope, scope))
        return press_authorize (self, page, i);
    }

  set_first_screen (self, FALSE);
  return authsim_engine_queue_call (self, new_tap (self, scope, NULL, FALSE, 0, NULL), NULL);
}

/* Ends @call with onError, errorMessage @message. */
static void
tap_error (AuthsimEngine *self,
           Call          *call,
           const char    *message,
           const char    *note)
{
  g_autoptr(JsonObject) event = json_object_new ();
  JsonObject *detail = json_object_new ();

  json_object_set_string_member (detail, "type", "getAuthorize");
  json_object_set_string_member (detail, "errorMessage", message);
  json_object_set_string_member (event, "type", "error");
  json_object_set_object_member (event, "detail", detail);
  authsim_engine_log_button_callback (self, call, "onError", event, note);
  authsim_engine_call_free (call);
}

void
authsim_engine_tap_not_found (AuthsimEngine *self,
                              Call          *call)
{
  tap_error (self, call, MSG_NO_RESULT, NULL);
}

/* Ends @call with onGetAuthorize, then makes the call its handler makes. */
static void
tap_ok (AuthsimEngine *self,
        Call          *call,
        const char    *note)
{
  g_autoptr(JsonObject) event = json_object_new ();
  g_autoptr(JsonNode) then_params = g_steal_pointer (&call->then_params);
  gboolean has_then = call->has_then;
  AuthsimApi then_api = call->then_api;
  AuthsimContainer container = call->container;

  json_object_set_string_member (event, "type", "getAuthorize");
  json_object_set_object_member (event, "detail", json_object_new ());
  authsim_engine_log_button_callback (self, call, "onGetAuthorize", event, note);
  authsim_engine_call_free (call);

  /* The handler runs in the tap's gesture: a tap, not a lifecycle call. */
  if (has_then)
    authsim_engine_make_call (self, then_api, then_params, AUTHSIM_TRIGGER_TAP, container,
                              "onGetAuthorize");
}

/* The scope attribute split on ",", spaces removed, duplicates dropped (SPEC §10.2). Sets
 * @unknown to the first name that is not userInfo or phoneNumber (the empty one included). */
static GStrv
split_scope (const char  *attribute,
             char       **unknown)
{
  g_auto(GStrv) parts = g_strsplit (attribute, ",", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);

  /* g_strsplit() gives nothing for "": the empty name is unknown too. */
  if (parts[0] == NULL)
    *unknown = g_strdup ("");
  for (guint i = 0; parts[i] != NULL; i++)
    {
      GString *name = g_string_new (NULL);

      for (const char *p = parts[i]; *p != '\0'; p++)
        if (!g_ascii_isspace (*p))
          g_string_append_c (name, *p);

      if (*unknown == NULL && !authsim_product_is_known (name->str))
        *unknown = g_strdup (name->str);
      if (!g_ptr_array_find_with_equal_func (seen, name->str, g_str_equal, NULL))
        {
          g_strv_builder_add (builder, name->str);
          g_ptr_array_add (seen, g_string_free (name, FALSE));
        }
      else
        g_string_free (name, TRUE);
    }
  return g_strv_builder_end (builder);
}

/* The popup for the next scope @call asks for. */
static void
ask_scope (AuthsimEngine *self,
           Call          *call)
{
  AuthsimRequest *request =
    authsim_request_new_for_scope (call->id, call->app_id, call->app_name, call->app_icon,
                                   call->asking[call->asked]);

  if (!call->from_settings)
    self->active = call;
  authsim_engine_open_request (self, call, request, json_object_new ());
}

/* The scopes of @scopes not granted to (user, app) yet, in order. */
static GStrv
scopes_to_ask (AuthsimEngine      *self,
               Call               *call,
               const char * const *scopes)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; scopes[i] != NULL; i++)
    if (authsim_store_get_scope_state (self->store, call->user_id, call->app_id, scopes[i])
        != AUTHSIM_SCOPE_STATE_GRANTED)
      g_strv_builder_add (builder, scopes[i]);
  return g_strv_builder_end (builder);
}

/* The checks of SPEC §10.2, in order. */
static void
process_tap (AuthsimEngine *self,
             Call          *call)
{
  g_auto(GStrv) scopes = NULL;
  g_autofree char *unknown = NULL;

  /* 1. The attribute must be a string. */
  if (call->scope == NULL || !JSON_NODE_HOLDS_VALUE (call->scope) ||
      json_node_get_value_type (call->scope) != G_TYPE_STRING)
    {
      tap_error (self, call, MSG_BAD_SCOPE,
                 call->scope == NULL ? "the button has no scope attribute"
                                     : "the button's scope attribute is not a string");
      return;
    }

  /* 2. Only userInfo and phoneNumber: the busy toast, then "no result". */
  scopes = split_scope (json_node_get_string (call->scope), &unknown);
  if (unknown != NULL)
    {
      g_autofree char *reason = g_strdup_printf ("unknown scope \"%s\" (a getAuthorize button "
                                                 "takes userInfo or phoneNumber)", unknown);

      authsim_engine_show_toast (self, call, reason);
      return;
    }

  /* 3. The network fault. */
  if (self->network_fault)
    {
      tap_error (self, call, MSG_NETWORK, "the network fault is switched on");
      return;
    }

  /* 4. Granted already: at once. 5. Otherwise a popup per scope. */
  call->asking = scopes_to_ask (self, call, (const char * const *) scopes);
  if (call->asking[0] == NULL)
    tap_ok (self, call, "already granted: no popup");
  else
    ask_scope (self, call);
}

void
authsim_engine_answer_authorize (AuthsimEngine   *self,
                                 Call            *call,
                                 AuthsimDecision  decision)
{
  const char *scope = call->asking[call->asked];
  const char *scopes[] = { scope, NULL };
  const char *source = call->from_settings ? "settings" : NULL;

  if (decision == AUTHSIM_DECISION_ALLOW)
    {
      authsim_store_grant (self->store, call->user_id, call->app_id, scopes);
      authsim_engine_log_grant (self, call->id, "granted", call->user_id, call->app_id,
                                scopes, source);
      authsim_engine_refresh_settings (self);
      if (call->asking[++call->asked] != NULL)
        ask_scope (self, call);
      else if (call->from_settings)
        authsim_engine_call_free (call);
      else
        tap_ok (self, call, NULL);
      return;
    }

  /* A settings switch stays off, whatever the answer: it was off already (refused). */
  if (call->from_settings)
    {
      authsim_engine_call_free (call);
      return;
    }

  if (decision == AUTHSIM_DECISION_REJECT)
    {
      authsim_store_refuse (self->store, call->user_id, call->app_id, scope);
      authsim_engine_log_grant (self, call->id, "refused", call->user_id, call->app_id,
                                scopes, NULL);
      authsim_engine_refresh_settings (self);
      tap_error (self, call, MSG_CANCELLED, NULL);
    }
  else
    tap_error (self, call, MSG_NO_RESULT, "the popup was closed: nothing is recorded");
}

/* ------------------------------------------------------------------------------------------
 * my.getOpenUserInfo (SPEC §10.3)
 * ------------------------------------------------------------------------------------------ */

static gboolean
has_grant (AuthsimEngine *self,
           Call          *call,
           const char    *scope)
{
  return authsim_store_get_scope_state (self->store, call->user_id, call->app_id, scope) ==
         AUTHSIM_SCOPE_STATE_GRANTED;
}

/* (transfer none) (nullable): a value of the call's user. */
static const char *
user_value (AuthsimEngine *self,
            Call          *call,
            const char    *key)
{
  AuthsimUser *user = authsim_users_find (self->users, call->user_id);

  return user != NULL ? authsim_user_get_info_value (user, key) : NULL;
}

/* Business results come in success, the response a JSON string (SPEC §10.1). */
static void
succeed_with_response (AuthsimEngine *self,
                       Call          *call,
                       const char    *response,
                       JsonObject    *extra)
{
  JsonObject *payload = json_object_new ();

  json_object_set_string_member (payload, "response", response);
  authsim_engine_finish_call_with (self, call, TRUE, payload, extra);
}

static JsonObject *
note_object (const char *note)
{
  JsonObject *extra = json_object_new ();

  json_object_set_string_member (extra, "note", note);
  return extra;
}

static void
show_page_info (AuthsimEngine *self,
                Call          *call,
                const char    *nick_name,
                const char    *avatar);

static void
process_user_info (AuthsimEngine *self,
                   Call          *call)
{
  const char *nick_name = user_value (self, call, "nick_name");
  const char *avatar = user_value (self, call, "avatar");
  AuthsimMemberResult result = AUTHSIM_MEMBER_SUCCESS;
  g_autofree char *text = NULL;
  const char *note = NULL;

  if (!authsim_engine_check_container (self, call) ||
      !authsim_engine_check_permission (self, call) ||
      !authsim_engine_check_network (self, call))
    return;

  if (!authsim_profile_has_product (self->profile, "userInfo"))
    {
      result = AUTHSIM_MEMBER_INSUFFICIENT_PERMISSIONS;
      note = "userInfo is not among the profile's products";
    }
  else if (!has_grant (self, call, "userInfo"))
    {
      result = AUTHSIM_MEMBER_INSUFFICIENT_CONDITIONS;
      note = "no active userInfo grant: tap a getAuthorize button with scope userInfo first";
    }

  text = authsim_member_user_info_text (result, nick_name, avatar);
  if (result == AUTHSIM_MEMBER_SUCCESS)
    show_page_info (self, call, nick_name, avatar);
  succeed_with_response (self, call, text, note != NULL ? note_object (note) : NULL);
}

/* ------------------------------------------------------------------------------------------
 * my.getPhoneNumber (SPEC §11.2)
 * ------------------------------------------------------------------------------------------ */

/* Rows 2–6 of the table, in order; @note says why (stays NULL for success). */
static AuthsimMemberResult
phone_result (AuthsimEngine  *self,
              Call           *call,
              const char    **note)
{
  if (!authsim_profile_get_aes_key (self->profile))
    {
      *note = "no AES key is configured (aesKey is false): the answer is not encrypted";
      return AUTHSIM_MEMBER_MISSING_ENCRYPT_KEY;
    }
  if (authsim_profile_get_app_type (self->profile) == AUTHSIM_APP_TYPE_PERSONAL)
    {
      *note = "my.getPhoneNumber is for enterprise apps only (the profile's type is personal)";
      return AUTHSIM_MEMBER_INSUFFICIENT_PERMISSIONS;
    }
  if (!authsim_profile_has_product (self->profile, "phoneNumber"))
    {
      *note = "phoneNumber is not among the profile's products";
      return AUTHSIM_MEMBER_INSUFFICIENT_PERMISSIONS;
    }
  if (!has_grant (self, call, "phoneNumber"))
    {
      *note = "no active phoneNumber grant: tap a getAuthorize button with scope phoneNumber "
              "first";
      return AUTHSIM_MEMBER_INSUFFICIENT_CONDITIONS;
    }
  if (self->service_busy)
    {
      *note = "the service busy fault is switched on";
      return AUTHSIM_MEMBER_SERVICE_UNAVAILABLE;
    }
  return AUTHSIM_MEMBER_SUCCESS;
}

/* The sign over @content (nullable result: signResponses off, or it cannot sign). */
static char *
sign_content (AuthsimEngine *self,
              const char    *content)
{
  g_autoptr(GError) error = NULL;
  char *sign;

  if (!authsim_profile_get_sign_responses (self->profile) || self->sealer == NULL)
    return NULL;
  sign = authsim_sealer_sign (self->sealer, content, strlen (content), &error);
  if (sign == NULL)
    authsim_engine_log_error (self, "engine", error->message);
  return sign;
}

/* Row 2's envelope: the plain 40001 object, signed over its exact text. */
static char *
plain_envelope (AuthsimEngine *self,
                const char    *text)
{
  g_autofree char *sign = sign_content (self, text);

  return authsim_member_phone_envelope (text, FALSE, sign);
}

/* (transfer full) (nullable): the encrypted envelope of @text, the sign over the ciphertext
 * wrapped in double quotes (SPEC §11.2); NULL with @error when it cannot encrypt. */
static char *
sealed_envelope (AuthsimEngine  *self,
                 const char     *text,
                 GError        **error)
{
  g_autofree char *ciphertext = NULL;
  g_autofree char *quoted = NULL;
  g_autofree char *sign = NULL;

  if (self->sealer == NULL)
    {
      g_set_error_literal (error, AUTHSIM_ERROR, AUTHSIM_ERROR_FAILED,
                           "no keys are loaded (the gateway is off): no AES key to encrypt with");
      return NULL;
    }
  ciphertext = authsim_sealer_encrypt (self->sealer, text, strlen (text), error);
  if (ciphertext == NULL)
    return NULL;

  quoted = g_strconcat ("\"", ciphertext, "\"", NULL);
  sign = sign_content (self, quoted);
  return authsim_member_phone_envelope (ciphertext, TRUE, sign);
}

static void
process_phone_number (AuthsimEngine *self,
                      Call          *call)
{
  const char *note = NULL;
  AuthsimMemberResult result;
  g_autofree char *text = NULL;
  g_autofree char *envelope = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *extra = json_object_new ();

  if (!authsim_engine_check_container (self, call) ||
      !authsim_engine_check_permission (self, call) ||
      !authsim_engine_check_network (self, call))
    {
      json_object_unref (extra);
      return;
    }

  result = phone_result (self, call, &note);
  text = authsim_member_phone_text (result, user_value (self, call, "mobile"));
  if (result != AUTHSIM_MEMBER_MISSING_ENCRYPT_KEY &&
      (envelope = sealed_envelope (self, text, &error)) == NULL)
    {
      /* Without a usable key the client has nothing to encrypt with: as Alipay without one. */
      g_free (text);
      text = authsim_member_phone_text (AUTHSIM_MEMBER_MISSING_ENCRYPT_KEY, NULL);
      note = error->message;
    }
  if (envelope == NULL)
    envelope = plain_envelope (self, text);

  /* What the backend reads after decrypting, for the log reader (never in the payload). */
  json_object_set_string_member (extra, "plaintext", text);
  if (note != NULL)
    json_object_set_string_member (extra, "note", note);
  succeed_with_response (self, call, envelope, extra);
}

/* ------------------------------------------------------------------------------------------
 * my.getSetting and my.openSetting (SPEC §12): the checks of §10.3 rows 1–2
 * ------------------------------------------------------------------------------------------ */

static void
process_get_setting (AuthsimEngine *self,
                     Call          *call)
{
  JsonObject *payload;

  if (!authsim_engine_check_container (self, call) ||
      !authsim_engine_check_permission (self, call))
    return;

  payload = json_object_new ();
  json_object_set_object_member (payload, "authSetting",
                                 authsim_engine_dup_auth_setting (self, call->user_id,
                                                                  call->app_id));
  authsim_engine_finish_call (self, call, TRUE, payload, NULL);
}

static void
process_open_setting (AuthsimEngine *self,
                      Call          *call)
{
  if (!authsim_engine_check_container (self, call) ||
      !authsim_engine_check_permission (self, call))
    return;

  authsim_engine_open_settings_for (self, call);
}

void
authsim_engine_process_member_call (AuthsimEngine *self,
                                    Call          *call)
{
  switch (call->api)
    {
    case AUTHSIM_API_GET_AUTHORIZE:
      process_tap (self, call);
      break;
    case AUTHSIM_API_GET_OPEN_USER_INFO:
      process_user_info (self, call);
      break;
    case AUTHSIM_API_GET_PHONE_NUMBER:
      process_phone_number (self, call);
      break;
    case AUTHSIM_API_GET_SETTING:
      process_get_setting (self, call);
      break;
    case AUTHSIM_API_OPEN_SETTING:
      process_open_setting (self, call);
      break;
    case AUTHSIM_API_GET_AUTH_CODE:
    default:
      g_assert_not_reached ();
    }
}

/* ------------------------------------------------------------------------------------------
 * What the page shows after my.getOpenUserInfo
 * ------------------------------------------------------------------------------------------ */

/* A picture of @avatar: the avatarImage of the user whose avatar it is. */
static const char *
avatar_image (AuthsimEngine *self,
              const char    *avatar)
{
  for (guint i = 0; avatar != NULL && i < g_list_model_get_n_items (self->users); i++)
    {
      g_autoptr(AuthsimUser) user = g_list_model_get_item (self->users, i);

      if (g_strcmp0 (authsim_user_get_info_value (user, "avatar"), avatar) == 0)
        return authsim_user_get_avatar_image (user);
    }
  return NULL;
}

static gboolean
page_info_visible (AuthsimEngine *self)
{
  return self->page_info_depth > 0 && self->page_info_depth == self->stack->len;
}

void
authsim_engine_notify_page_info (AuthsimEngine *self)
{
  authsim_engine_notify (self, PROP_PAGE_NICKNAME);
  authsim_engine_notify (self, PROP_PAGE_AVATAR);
  authsim_engine_notify (self, PROP_PAGE_AVATAR_IMAGE);
}

/* Only the page that made the call shows what it got, and only while it is on the stack. */
static void
show_page_info (AuthsimEngine *self,
                Call          *call,
                const char    *nick_name,
                const char    *avatar)
{
  const AuthsimPage *page = current_page (self);
  const char *image = avatar_image (self, avatar);

  if (page == NULL || g_strcmp0 (authsim_page_get_path (page), call->page) != 0)
    return;

  g_free (self->page_nickname);
  self->page_nickname = nick_name != NULL && *nick_name != '\0' ? g_strdup (nick_name) : NULL;
  g_free (self->page_avatar);
  self->page_avatar = avatar != NULL && *avatar != '\0' ? g_strdup (avatar) : NULL;
  g_free (self->page_avatar_image);
  self->page_avatar_image = self->page_avatar != NULL ? g_strdup (image) : NULL;
  self->page_info_depth = self->stack->len;
  authsim_engine_notify_page_info (self);
}

void
authsim_engine_trim_page_info (AuthsimEngine *self)
{
  if (self->page_info_depth == 0 || self->page_info_depth <= self->stack->len)
    return;

  self->page_info_depth = 0;
  g_clear_pointer (&self->page_nickname, g_free);
  g_clear_pointer (&self->page_avatar, g_free);
  g_clear_pointer (&self->page_avatar_image, g_free);
  authsim_engine_notify_page_info (self);
}

const char *
authsim_engine_get_page_nickname (AuthsimEngine *self)
{
  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), NULL);

  return page_info_visible (self) ? self->page_nickname : NULL;
}

const char *
authsim_engine_get_page_avatar (AuthsimEngine *self)
{
  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), NULL);

  return page_info_visible (self) ? self->page_avatar : NULL;
}

const char *
authsim_engine_get_page_avatar_image (AuthsimEngine *self)
{
  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), NULL);

  return page_info_visible (self) ? self->page_avatar_image : NULL;
}
