/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-gateway-v2.c: /gateway.do, OpenAPI v2. Parameters come in the query string and a
 * form body, merged; the request signs them (authsim_openapi_v2_sign_content()), the answer
 * is {"<method>_response":{…},"sign":"…"} or {"error_response":{…},"sign":"…"}, always 200.
 * Certificate mode adds app_cert_sn and alipay_root_cert_sn to the checks and alipay_cert_sn
 * to every answer (SPEC §13.2); encrypt_type=AES makes biz_content a ciphertext and the success
 * node one too (SPEC §13.4).
 */
#include "config.h"

#include <string.h>

#include "authsim-gateway-private.h"

#define SUB_MSG_INVALID_SIGNATURE \
  "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为："

static gboolean
collect_v2_params (SoupServerMessage     *msg,
                   AuthsimGatewayParams  *params,
                   AuthsimGatewayOutcome *o)
{
  GUri *uri = soup_server_message_get_uri (msg);
  const char *query = g_uri_get_query (uri);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  gsize length = 0;
  const char *data = g_bytes_get_data (bytes, &length);

  if (query != NULL &&
      !authsim_gateway_params_add_form (params, query, strlen (query), "query string", o))
    return FALSE;
  if (!authsim_gateway_check_body_type (msg, length, AUTHSIM_OPENAPI_FORM_TYPE, TRUE, o))
    return FALSE;
  if (length > 0 && !authsim_gateway_params_add_form (params, data, length, "request body", o))
    return FALSE;
  return TRUE;
}

static gboolean
charset_is_utf8 (const char *charset)
{
  return g_ascii_strcasecmp (charset, "utf-8") == 0 || g_ascii_strcasecmp (charset, "utf8") == 0;
}

/* The common parameters, in production's order of checks (the signature is checked after). */
static void
check_v2_params (const AuthsimGatewaySnapshot *snapshot,
                 AuthsimGatewayParams         *params,
                 AuthsimGatewayOutcome        *o)
{
  const char *app_id = authsim_gateway_params_get (params, "app_id");
  const char *method = authsim_gateway_params_get (params, "method");
  const char *sign_type = authsim_gateway_params_get (params, "sign_type");
  const char *timestamp = authsim_gateway_params_get (params, "timestamp");
  const char *charset = authsim_gateway_params_get (params, "charset");
  const char *format = authsim_gateway_params_get (params, "format");

  if (app_id == NULL)
    authsim_gateway_outcome_fail (o, "40001", "isv.missing-app-id", "缺少appId参数");
  else if (method == NULL)
    authsim_gateway_outcome_fail (o, "40001", "isv.missing-method", "缺少方法名参数");
  else if (sign_type == NULL)
    authsim_gateway_outcome_fail (o, "40001", "isv.missing-signature-type", "缺少签名类型参数");
  else if (authsim_gateway_params_get (params, "sign") == NULL)
    authsim_gateway_outcome_fail (o, "40001", "isv.missing-signature", "缺少签名参数");
  else if (timestamp == NULL)
    authsim_gateway_outcome_fail (o, "40001", "isv.missing-timestamp", "缺少时间戳参数");
  else if (!authsim_gateway_snapshot_knows_app (snapshot, app_id))
    authsim_gateway_outcome_fail (o, "40002", "isv.invalid-app-id", "无效的AppID参数");
  else if (!authsim_gateway_check_cert_sns (snapshot,
                                            authsim_gateway_params_get (params, "app_cert_sn"),
                                            authsim_gateway_params_get (params,
                                                                        "alipay_root_cert_sn"),
                                            o))
    return;
  else if (!authsim_gateway_method_known (method))
    authsim_gateway_outcome_fail (o, "40002", "isv.invalid-method", "不存在的方法名");
  else if (!authsim_openapi_time_is_valid (timestamp))
    authsim_gateway_outcome_fail (o, "40002", "isv.invalid-timestamp",
                                  "非法的时间戳参数，格式应为 yyyy-MM-dd HH:mm:ss");
  else if (strcmp (sign_type, "RSA2") != 0)
    authsim_gateway_outcome_fail (o, "40002", "isv.invalid-signature-type",
                                  "无效的签名类型参数，AuthSim 只支持 RSA2");
  else if (charset != NULL && !charset_is_utf8 (charset))
    authsim_gateway_outcome_fail (o, "40002", "isv.invalid-charset",
                                  "字符集错误：AuthSim 只支持 utf-8 (only utf-8 is supported)");
  else if (format != NULL && g_ascii_strcasecmp (format, "json") != 0)
    authsim_gateway_outcome_fail (o, "40002", "isv.invalid-format",
                                  "无效的数据格式参数，只支持 JSON");
}

static void
check_v2_request (AuthsimGateway               *self,
                  const AuthsimGatewaySnapshot *snapshot,
                  AuthsimGatewayParams         *params,
                  AuthsimGatewayOutcome        *o)
{
  g_autofree char *content = NULL;
  g_autoptr(GError) error = NULL;

  check_v2_params (snapshot, params, o);
  if (authsim_gateway_outcome_failed (o))
    return;

  content = authsim_openapi_v2_sign_content (params->values);
  if (!authsim_keys_verify_app (self->keys, content, strlen (content),
                                authsim_gateway_params_get (params, "sign"), &error))
    authsim_gateway_outcome_fail (o, "40002", "isv.invalid-signature",
                                  SUB_MSG_INVALID_SIGNATURE "%s", content);
}

/* An encrypted request (encrypt_type present): the encryption checks, then biz_content (when
 * there is one) decrypted and checked to be a JSON object. Its members are not read: the
 * methods take their arguments as top-level parameters, as the SDKs send them. */
static void
decrypt_v2_content (AuthsimGateway               *self,
                    const AuthsimGatewaySnapshot *snapshot,
                    AuthsimGatewayParams         *params,
                    AuthsimGatewayOutcome        *o)
{
  const char *biz_content = authsim_gateway_params_get (params, "biz_content");
  g_autofree char *plaintext = NULL;
  g_autoptr(JsonParser) parser = NULL;
  gsize length = 0;

  if (!authsim_gateway_check_encryption (snapshot,
                                         authsim_gateway_params_get (params, "encrypt_type"), o) ||
      biz_content == NULL ||
      (plaintext = authsim_gateway_decrypt (self, biz_content, &length, o)) == NULL)
    return;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, plaintext, (gssize) length, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    authsim_gateway_outcome_fail (o, "40002", "isv.invalid-parameter",
                                  "biz_content 解密后不是 JSON 对象");
}

static void
call_v2_method (AuthsimGateway               *self,
                const AuthsimGatewaySnapshot *snapshot,
                AuthsimGatewayParams         *params,
                AuthsimGatewayOutcome        *o)
{
  const char *method = authsim_gateway_params_get (params, "method");
  const char *app_id = authsim_gateway_params_get (params, "app_id");

  if (strcmp (method, AUTHSIM_OPENAPI_METHOD_TOKEN) == 0)
    authsim_gateway_oauth_token (self, snapshot, app_id,
                                 authsim_gateway_params_get (params, "grant_type"),
                                 authsim_gateway_params_get (params, "code"),
                                 authsim_gateway_params_get (params, "refresh_token"), o);
  else
    authsim_gateway_user_info_share (self, snapshot, app_id,
                                     authsim_gateway_params_get (params, "auth_token"), o);
}

/* The member the answer goes in: the method's node, or error_response. */
static char *
v2_response_key (const char                  *method,
                 const AuthsimGatewayOutcome *o)
{
  if (authsim_gateway_method_known (method) &&
      !(authsim_gateway_outcome_failed (o) && o->error_response))
    return authsim_openapi_v2_response_key (method);
  return g_strdup ("error_response");
}

/* The node's JSON text, exactly as it will be signed. */
static char *
v2_payload (const char                  *method,
            const AuthsimGatewayOutcome *o)
{
  char *payload;
  char *prefixed;

  if (authsim_gateway_outcome_failed (o))
    {
      g_autoptr(JsonObject) error = authsim_gateway_outcome_to_error (o);

      return authsim_gateway_object_to_string (error);
    }

  /* user.info.share carries code/msg on success, first; oauth.token does not (as production).
   * Spliced in front of the data's own text rather than copied into a new object member by
   * member. */
  payload = authsim_gateway_object_to_string (o->data);
  if (strcmp (method, AUTHSIM_OPENAPI_METHOD_SHARE) != 0)
    return payload;
  prefixed = g_strconcat ("{\"code\":\"10000\",\"msg\":\"Success\"",
                          payload[1] == '}' ? "" : ",", payload + 1, NULL);
  g_free (payload);
  return prefixed;
}

/* The node of an encrypted request's answer: a success node becomes its ciphertext, as a JSON
 * string (signed with its quotes); errors stay plaintext objects. Takes @payload. */
static char *
encrypt_v2_payload (AuthsimGateway        *self,
                    const char            *method,
                    char                  *payload,
                    AuthsimGatewayOutcome *o)
{
  g_autofree char *ciphertext = NULL;

  if (authsim_gateway_outcome_failed (o))
    return payload;
  ciphertext = authsim_gateway_encrypt (self, payload, o);
  if (ciphertext == NULL)
    return v2_payload (method, o);
  return authsim_openapi_encrypted_node (ciphertext);
}

void
authsim_gateway_handle_v2 (AuthsimGateway               *self,
                           const AuthsimGatewaySnapshot *snapshot,
                           SoupServerMessage            *msg)
{
  AuthsimGatewayAnswer answer = { FALSE, SOUP_STATUS_OK, NULL, FALSE, g_get_monotonic_time () };
  g_autoptr(AuthsimGatewayParams) params = authsim_gateway_params_new ();
  AuthsimGatewayOutcome o = { NULL, };
  const char *method = NULL;
  g_autofree char *log_method = NULL;
  g_autofree char *key = NULL;
  gboolean encrypted;
  char *payload;

  /* On a parse error, the parameters read so far still name the method, when they do. */
  if (collect_v2_params (msg, params, &o))
    check_v2_request (self, snapshot, params, &o);
  method = authsim_gateway_params_get (params, "method");
  encrypted = authsim_gateway_params_get (params, "encrypt_type") != NULL;

  if (encrypted && !authsim_gateway_outcome_failed (&o))
    decrypt_v2_content (self, snapshot, params, &o);
  if (!authsim_gateway_outcome_failed (&o))
    call_v2_method (self, snapshot, params, &o);

  payload = v2_payload (method, &o);
  if (encrypted)
    payload = encrypt_v2_payload (self, method, payload, &o);
  key = v2_response_key (method, &o);

  if (method != NULL)
    log_method = authsim_gateway_clip (method, 64);
  authsim_gateway_log_request (self, "v2", log_method, o.code, o.sub_code, SOUP_STATUS_OK,
                               o.call, authsim_gateway_snapshot_sign_mode (snapshot), encrypted);

  answer.key = key;
  authsim_gateway_reply_signed (self, snapshot, msg, &answer, payload);
  authsim_gateway_outcome_clear (&o);
}
