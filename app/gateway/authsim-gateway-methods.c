/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-gateway-methods.c: the two OpenAPI methods, alipay.system.oauth.token and
 * alipay.user.info.share, whichever version (v2 or v3) asked for them.
 */
#include "config.h"

#include <string.h>

#include "authsim-gateway-private.h"

gboolean
authsim_gateway_method_known (const char *method)
{
  return g_strcmp0 (method, AUTHSIM_OPENAPI_METHOD_TOKEN) == 0 ||
         g_strcmp0 (method, AUTHSIM_OPENAPI_METHOD_SHARE) == 0;
}

/* user_id or open_id, per the profile's idMode. */
static void
add_user_identity (const AuthsimGatewaySnapshot *snapshot,
                   JsonObject                   *data,
                   const char                   *app_id,
                   const char                   *user_id)
{
  if (snapshot->id_mode == AUTHSIM_ID_MODE_OPEN_ID)
    {
      g_autofree char *open_id = authsim_open_id (app_id, user_id);

      json_object_set_string_member (data, "open_id", open_id);
    }
  else
    json_object_set_string_member (data, "user_id", user_id);
}

static void
fail_from_store_error (AuthsimGatewayOutcome *o,
                       const GError          *error)
{
  static const struct
  {
    AuthsimStoreError  error;
    const char        *code;
    const char        *sub_code;
    const char        *sub_msg;
  } table[] = {
    { AUTHSIM_STORE_ERROR_CODE_INVALID, "40002", "isv.code-invalid", "授权码code无效" },
    { AUTHSIM_STORE_ERROR_UNMATCHED_APP_ID, "40002", "isv.unmatched-app-id",
      "授权码code与应用不匹配" },
    { AUTHSIM_STORE_ERROR_REFRESH_INVALID, "40002", "isv.refresh-token-invalid",
      "刷新令牌refresh_token无效" },
    { AUTHSIM_STORE_ERROR_REFRESH_TIME_OUT, "40002", "isv.refresh-token-time-out",
      "刷新令牌refresh_token已过期" },
    { AUTHSIM_STORE_ERROR_TOKEN_INVALID, "20001", "aop.invalid-auth-token", "无效的访问令牌" },
    { AUTHSIM_STORE_ERROR_TOKEN_TIME_OUT, "20001", "aop.auth-token-time-out", "访问令牌已过期" },
  };

  for (gsize i = 0; error->domain == AUTHSIM_STORE_ERROR && i < G_N_ELEMENTS (table); i++)
    if ((AuthsimStoreError) error->code == table[i].error)
      {
        authsim_gateway_outcome_fail (o, table[i].code, table[i].sub_code, "%s",
                                      table[i].sub_msg);
        return;
      }
  authsim_gateway_outcome_fail (o, "20000", "isp.unknow-error", "服务暂不可用 (%s)",
                                error->message);
}

/* grant_type=authorization_code: (nullable) the token the code is exchanged for. */
static AuthsimToken *
redeem_code (AuthsimGateway        *self,
             const char            *app_id,
             const char            *code,
             AuthsimGatewayOutcome *o)
{
  g_autoptr(GError) error = NULL;
  AuthsimToken *token;

  if (code == NULL)
    {
      authsim_gateway_outcome_fail (o, "40001", "isv.missing-code", "缺少授权码code参数");
      return NULL;
    }
  /* Spent and exchanged in one commit, before the response; even a failing exchange is linked
   * to its call. */
  token = authsim_store_exchange_code (self->store, code, app_id, &o->call, &error);
  if (token == NULL)
    fail_from_store_error (o, error);
  return token;
}

/* grant_type=refresh_token: (nullable) the new token. */
static AuthsimToken *
refresh_token_of (AuthsimGateway        *self,
                  const char            *app_id,
                  const char            *refresh_token,
                  AuthsimGatewayOutcome *o)
{
  g_autoptr(GError) error = NULL;
  AuthsimToken *token;

  if (refresh_token == NULL)
    {
      authsim_gateway_outcome_fail (o, "40001", "isv.missing-refresh-token",
                                    "缺少刷新令牌refresh_token参数");
      return NULL;
    }
  token = authsim_store_refresh (self->store, refresh_token, app_id, &error);
  if (token == NULL)
    fail_from_store_error (o, error);
  return token;
}

/* The data of a successful oauth.token, in production's order. */
static void
set_token_data (const AuthsimGatewaySnapshot *snapshot,
                const AuthsimToken           *token,
                AuthsimGatewayOutcome        *o)
{
  g_autofree char *auth_start = authsim_openapi_format_time (token->auth_start);

  o->call = token->call;
  o->code = "10000";
  o->data = json_object_new ();
  add_user_identity (snapshot, o->data, token->app_id, token->user_id);
  json_object_set_string_member (o->data, "access_token", token->access_token);
  json_object_set_int_member (o->data, "expires_in", token->expires_at - token->auth_start);
  json_object_set_string_member (o->data, "refresh_token", token->refresh_token);
  json_object_set_int_member (o->data, "re_expires_in", token->re_expires_at - token->auth_start);
  json_object_set_string_member (o->data, "auth_start", auth_start);
}

/* Business errors go in error_response (production does so). */
void
authsim_gateway_oauth_token (AuthsimGateway               *self,
                             const AuthsimGatewaySnapshot *snapshot,
                             const char                   *app_id,
                             const char                   *grant_type,
                             const char                   *code,
                             const char                   *refresh_token,
                             AuthsimGatewayOutcome        *o)
{
  g_autoptr(AuthsimToken) token = NULL;

  o->error_response = TRUE;

  if (grant_type == NULL)
    {
      authsim_gateway_outcome_fail (o, "40001", "isv.missing-grant-type", "缺少grant_type参数");
      return;
    }

  if (strcmp (grant_type, "authorization_code") == 0)
    token = redeem_code (self, app_id, code, o);
  else if (strcmp (grant_type, "refresh_token") == 0)
    token = refresh_token_of (self, app_id, refresh_token, o);
  else
    {
      g_autofree char *shown = authsim_gateway_clip (grant_type, 40);

      authsim_gateway_outcome_fail (o, "40002", "isv.grant-type-invalid",
                                    "不支持的grant_type：%s", shown);
    }

  if (token != NULL)
    set_token_data (snapshot, token, o);
}

/* Errors go in the method's node (production does so). */
void
authsim_gateway_user_info_share (AuthsimGateway               *self,
                                 const AuthsimGatewaySnapshot *snapshot,
                                 const char                   *app_id,
                                 const char                   *auth_token,
                                 AuthsimGatewayOutcome        *o)
{
  g_autoptr(AuthsimToken) token = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *values;

  if (auth_token == NULL)
    {
      authsim_gateway_outcome_fail (o, "40001", "isv.missing-auth-token", "缺少auth_token参数");
      return;
    }

  token = authsim_store_lookup_access_token (self->store, auth_token, &error);
  if (token == NULL)
    {
      fail_from_store_error (o, error);
      return;
    }
  o->call = token->call;

  /* A token only works for the app it was issued to. */
  if (g_strcmp0 (token->app_id, app_id) != 0)
    {
      authsim_gateway_outcome_fail (o, "20001", "aop.invalid-auth-token", "无效的访问令牌");
      return;
    }

  if (token->scopes == NULL || !g_strv_contains ((const char * const *) token->scopes, "auth_user"))
    {
      authsim_gateway_outcome_fail (o, "40006", "isv.insufficient-isv-permissions",
                                    "ISV权限不足，建议在开发者中心检查对应功能是否已经添加");
      return;
    }

  o->code = "10000";
  o->data = json_object_new ();
  add_user_identity (snapshot, o->data, token->app_id, token->user_id);

  values = g_hash_table_lookup (snapshot->values, token->user_id);
  for (guint i = 0; values != NULL && i < values->len; i++)
    {
      const char *key = g_ptr_array_index (snapshot->info_keys, i);
      const char *value = g_ptr_array_index (values, i);

      /* The identity added above comes from the token, never from the user's info. */
      if (value != NULL && !json_object_has_member (o->data, key))
        json_object_set_string_member (o->data, key, value);
    }
}
