/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-engine-settings.c: the settings page of AuthsimEngine (SPEC §12): my.openSetting,
 * the capsule's "…" → 设置, its switches and its 用户信息 → 解除授权 row, and authSetting, the
 * state it shows and my.getSetting answers. */
#include "config.h"

#include "authsim-engine-private.h"
#include "authsim-enums.h"
#include "authsim-json.h"

/* ------------------------------------------------------------------------------------------
 * authSetting
 * ------------------------------------------------------------------------------------------ */

const char *
authsim_engine_settings_app_id (AuthsimEngine *self)
{
  const char *host = authsim_profile_get_host_app_id (self->profile);

  if (self->container == AUTHSIM_CONTAINER_PLUGIN && host != NULL)
    return host;
  return authsim_profile_get_app_id (self->profile);
}

/* Only the keys this app has asked for: userInfo and phoneNumber once decided, in the order
 * first decided (getAuthCode's scopes never appear), then the profile's device settings. */
JsonObject *
authsim_engine_dup_auth_setting (AuthsimEngine *self,
                                 const char    *user_id,
                                 const char    *app_id)
{
  g_auto(GStrv) decided = authsim_store_dup_decided_scopes (self->store, user_id, app_id);
  JsonObject *setting = json_object_new ();
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  for (guint i = 0; decided[i] != NULL; i++)
    if (authsim_product_is_known (decided[i]))
      json_object_set_boolean_member (setting, decided[i],
                                      authsim_store_get_scope_state (self->store, user_id,
                                                                     app_id, decided[i]) ==
                                      AUTHSIM_SCOPE_STATE_GRANTED);

  json_object_iter_init_ordered (&iter, self->device_settings);
  while (json_object_iter_next_ordered (&iter, &key, &value))
    json_object_set_boolean_member (setting, key, json_node_get_boolean (value));
  return setting;
}

/* Same members in the same order. */
static gboolean
same_object (JsonObject *a,
             JsonObject *b)
{
  g_autoptr(JsonNode) x = NULL;
  g_autoptr(JsonNode) y = NULL;
  g_autofree char *tx = NULL;
  g_autofree char *ty = NULL;

  if (a == NULL || b == NULL)
    return a == b;
  x = json_node_init_object (json_node_alloc (), a);
  y = json_node_init_object (json_node_alloc (), b);
  tx = authsim_json_to_compact (x);
  ty = authsim_json_to_compact (y);
  return g_str_equal (tx, ty);
}

void
authsim_engine_refresh_settings (AuthsimEngine *self)
{
  const char *user_id = authsim_user_get_user_id (self->active_user);
  const char *app_id = authsim_engine_settings_app_id (self);
  g_autoptr(JsonObject) setting = authsim_engine_dup_auth_setting (self, user_id, app_id);
  gboolean authorized = authsim_store_get_scope_state (self->store, user_id, app_id,
                                                       "auth_user") ==
                        AUTHSIM_SCOPE_STATE_GRANTED;

  if (!same_object (setting, self->auth_setting))
    {
      g_clear_pointer (&self->auth_setting, json_object_unref);
      self->auth_setting = g_steal_pointer (&setting);
      json_object_seal (self->auth_setting);
      authsim_engine_notify (self, PROP_AUTH_SETTING);
    }
  if (self->user_info_authorized != authorized)
    {
      self->user_info_authorized = authorized;
      authsim_engine_notify (self, PROP_USER_INFO_AUTHORIZED);
    }
}

static void
grants_changed_cb (GListModel    *grants,
                   guint          position,
                   guint          removed,
                   guint          added,
                   AuthsimEngine *self)
{
  authsim_engine_refresh_settings (self);
}

void
authsim_engine_watch_grants (AuthsimEngine *self)
{
  self->grants = g_object_ref (authsim_store_get_grants (self->store));
  g_signal_connect (self->grants, "items-changed", G_CALLBACK (grants_changed_cb), self);
  authsim_engine_refresh_settings (self);
}

void
authsim_engine_reset_device_settings (AuthsimEngine *self)
{
  JsonObject *profile_settings = authsim_profile_get_device_settings (self->profile);
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  g_clear_pointer (&self->device_settings, json_object_unref);
  self->device_settings = json_object_new ();
  json_object_iter_init_ordered (&iter, profile_settings);
  while (json_object_iter_next_ordered (&iter, &key, &value))
    json_object_set_boolean_member (self->device_settings, key, json_node_get_boolean (value));
}

/* ------------------------------------------------------------------------------------------
 * The page
 * ------------------------------------------------------------------------------------------ */

/* "settingsOpen" / "settingsClose": a lifecycle event of the client's own page, naming the
 * mini program's page it covers; @call: the my.openSetting it belongs to (0: none). */
static void
log_settings_event (AuthsimEngine *self,
                    guint          call,
                    const char    *event,
                    const char    *reason)
{
  JsonObject *fields = json_object_new ();
  const AuthsimPage *page = current_page (self);

  json_object_set_string_member (fields, "event", event);
  if (page != NULL)
    json_object_set_string_member (fields, "page", authsim_page_get_path (page));
  if (reason != NULL)
    json_object_set_string_member (fields, "reason", reason);
  log_event (self, call, "lifecycle", fields);
}

/* Opens the page over the preview for @call (nullable: from the capsule). */
static void
show_settings (AuthsimEngine *self,
               Call          *call)
{
  const AuthsimPage *page = current_page (self);

  set_first_screen (self, FALSE);
  self->settings_call = call;
  log_settings_event (self, call != NULL ? call->id : 0, "settingsOpen", NULL);
  if (page != NULL)
    log_lifecycle (self, "onHide", authsim_page_get_path (page));
  self->settings_open = TRUE;
  authsim_engine_notify (self, PROP_SETTINGS_OPEN);
  authsim_engine_refresh_settings (self);
}

void
authsim_engine_open_settings_for (AuthsimEngine *self,
                                  Call          *call)
{
  g_assert (!self->settings_open);

  show_settings (self, call);
}

gboolean
authsim_engine_open_settings (AuthsimEngine  *self,
                              GError        **error)
{
  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), FALSE);

  /* The popup is modal for the preview: the capsule cannot be reached under it. */
  if (self->settings_open || self->request != NULL)
    {
      g_set_error_literal (error, AUTHSIM_ERROR, AUTHSIM_ERROR_FAILED,
                           self->settings_open ? "the settings page is open already"
                                               : "an authorization popup is open");
      return FALSE;
    }
  show_settings (self, NULL);
  return TRUE;
}

gboolean
authsim_engine_close_settings (AuthsimEngine  *self,
                               GError        **error)
{
  g_autoptr(Call) call = NULL;
  const AuthsimPage *page = current_page (self);

  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), FALSE);

  if (!self->settings_open || (self->request != NULL && self->popup_call == self->switch_call))
    {
      g_set_error_literal (error, AUTHSIM_ERROR, AUTHSIM_ERROR_FAILED,
                           !self->settings_open ? "the settings page is not open"
                                                : "a popup is open over the settings page");
      return FALSE;
    }

  set_first_screen (self, FALSE);
  call = g_steal_pointer (&self->settings_call);
  self->settings_open = FALSE;
  log_settings_event (self, call != NULL ? call->id : 0, "settingsClose", NULL);
  if (page != NULL)
    log_lifecycle (self, "onShow", authsim_page_get_path (page));
  authsim_engine_notify (self, PROP_SETTINGS_OPEN);

  /* my.openSetting answers with the state after the user's changes. */
  if (call != NULL)
    {
      JsonObject *payload = json_object_new ();

      json_object_set_object_member (payload, "authSetting",
                                     authsim_engine_dup_auth_setting (self, call->user_id,
                                                                      call->app_id));
      authsim_engine_finish_call (self, g_steal_pointer (&call), TRUE, payload, NULL);
    }

  fire_lifecycle_call (self, page, "onShow");
  authsim_engine_drain (self);
  return TRUE;
}

void
authsim_engine_abandon_settings (AuthsimEngine *self,
                                 const char    *why)
{
  g_autoptr(Call) call = NULL;

  if (!self->settings_open)
    return;

  call = g_steal_pointer (&self->settings_call);
  self->settings_open = FALSE;
  log_settings_event (self, call != NULL ? call->id : 0, "settingsClose", why);
  if (call != NULL)
    {
      g_autofree char *message = g_strdup_printf ("call %u dropped: %s", call->id, why);

      authsim_engine_log_error (self, "engine", message);
    }
  authsim_engine_notify (self, PROP_SETTINGS_OPEN);
}

/* ------------------------------------------------------------------------------------------
 * The switches and the 用户信息 row
 * ------------------------------------------------------------------------------------------ */

/* A device setting flips at once: it is the client's permission, not a grant. */
static void
switch_device_setting (AuthsimEngine *self,
                       const char    *key,
                       gboolean       enabled)
{
  JsonObject *fields = json_object_new ();

  json_object_set_boolean_member (self->device_settings, key, enabled);
  json_object_set_string_member (fields, "event", "switched");
  json_object_set_string_member (fields, "scope", key);
  json_object_set_boolean_member (fields, "enabled", enabled);
  json_object_set_string_member (fields, "source", "settings");
  log_event (self, 0, "grant", fields);
  authsim_engine_refresh_settings (self);
}

/* Turning a switch on asks again: the same popup as the getAuthorize button's. */
static gboolean
ask_for_switch (AuthsimEngine  *self,
                const char     *scope,
                GError        **error)
{
  Call *call;
  const char * const asking[] = { scope, NULL };

  if (self->request != NULL)
    {
      g_set_error_literal (error, AUTHSIM_ERROR, AUTHSIM_ERROR_FAILED,
                           "another authorization popup is open");
      return FALSE;
    }

  set_first_screen (self, FALSE);
  call = authsim_engine_new_call (self, AUTHSIM_API_GET_AUTHORIZE, NULL, AUTHSIM_TRIGGER_TAP,
                                  self->container, FALSE);
  call->from_settings = TRUE;
  call->scope = json_node_init_string (json_node_alloc (), scope);
  call->asking = g_strdupv ((GStrv) asking);
  authsim_engine_log_call (self, call, NULL, FALSE);

  self->switch_call = call;
  authsim_engine_open_request (self, call,
                               authsim_request_new_for_scope (call->id, call->app_id,
                                                              call->app_name, call->app_icon,
                                                              scope),
                               json_object_new ());
  return TRUE;
}

gboolean
authsim_engine_set_setting (AuthsimEngine  *self,
                            const char     *scope,
                            gboolean        enabled,
                            GError        **error)
{
  const char *user_id;
  const char *app_id;
  const char *scopes[] = { scope, NULL };

  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), FALSE);

  authsim_engine_refresh_settings (self);
  if (scope == NULL || !json_object_has_member (self->auth_setting, scope))
    {
      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_NOT_FOUND,
                   "the settings page has no switch \"%s\" (the app has not asked for it)",
                   scope != NULL ? scope : "");
      return FALSE;
    }

  if (!authsim_product_is_known (scope))
    {
      switch_device_setting (self, scope, enabled);
      return TRUE;
    }
  if (json_object_get_boolean_member (self->auth_setting, scope) == !!enabled)
    return TRUE;
  if (enabled)
    return ask_for_switch (self, scope, error);

  /* Off: the grant goes at once (SPEC §12). */
  user_id = authsim_user_get_user_id (self->active_user);
  app_id = authsim_engine_settings_app_id (self);
  set_first_screen (self, FALSE);
  authsim_store_refuse (self->store, user_id, app_id, scope);
  authsim_engine_log_grant (self, 0, "refused", user_id, app_id, scopes, "settings");
  authsim_engine_refresh_settings (self);
  return TRUE;
}

gboolean
authsim_engine_revoke_user_info (AuthsimEngine  *self,
                                 GError        **error)
{
  const char *user_id;
  const char *app_id;
  g_auto(GStrv) decided = NULL;
  g_auto(GStrv) granted = NULL;
  g_autoptr(GStrvBuilder) revoked = g_strv_builder_new ();
  g_auto(GStrv) revoked_scopes = NULL;
  g_autoptr(GArray) states = g_array_new (FALSE, FALSE, sizeof (AuthsimScopeState));

  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), FALSE);

  user_id = authsim_user_get_user_id (self->active_user);
  app_id = authsim_engine_settings_app_id (self);
  if (authsim_store_get_scope_state (self->store, user_id, app_id, "auth_user") !=
      AUTHSIM_SCOPE_STATE_GRANTED)
    {
      g_set_error_literal (error, AUTHSIM_ERROR, AUTHSIM_ERROR_NOT_FOUND,
                           "there is no auth_user grant to revoke");
      return FALSE;
    }

  /* The store revokes a whole (user, app) grant: keep the authSetting scopes' decisions, in
   * the order first decided, and put them back (they are independent of auth_user, §10.1). */
  decided = authsim_store_dup_decided_scopes (self->store, user_id, app_id);
  for (guint i = 0; decided[i] != NULL; i++)
    {
      AuthsimScopeState state = authsim_store_get_scope_state (self->store, user_id, app_id,
                                                               decided[i]);
      g_array_append_val (states, state);
    }
  granted = authsim_store_dup_granted_scopes (self->store, user_id, app_id);
  for (guint i = 0; granted[i] != NULL; i++)
    if (!authsim_product_is_known (granted[i]))
      g_strv_builder_add (revoked, granted[i]);
  revoked_scopes = g_strv_builder_end (revoked);

  set_first_screen (self, FALSE);
  authsim_store_revoke (self->store, user_id, app_id);
  for (guint i = 0; decided[i] != NULL; i++)
    {
      const char *scopes[] = { decided[i], NULL };
      AuthsimScopeState state = g_array_index (states, AuthsimScopeState, i);

      if (!authsim_product_is_known (decided[i]))
        continue;
      if (state == AUTHSIM_SCOPE_STATE_GRANTED)
        authsim_store_grant (self->store, user_id, app_id, scopes);
      else
        authsim_store_refuse (self->store, user_id, app_id, decided[i]);
    }

  authsim_engine_log_grant (self, 0, "revoked", user_id, app_id,
                            (const char * const *) revoked_scopes, "settings");
  authsim_engine_refresh_settings (self);
  return TRUE;
}

gboolean
authsim_engine_get_settings_open (AuthsimEngine *self)
{
  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), FALSE);

  return self->settings_open;
}

JsonObject *
authsim_engine_get_auth_setting (AuthsimEngine *self)
{
  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), NULL);

  return self->auth_setting;
}

gboolean
authsim_engine_get_user_info_authorized (AuthsimEngine *self)
{
  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), FALSE);

  return self->user_info_authorized;
}
