/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-gateway-v3.c: /v3/alipay/…, OpenAPI v3. A JSON body, an ALIPAY-SHA256withRSA
 * Authorization header that signs the request (authsim_openapi_v3_request_content()), and
 * the answer's signature in the alipay-timestamp, alipay-nonce and alipay-signature headers;
 * errors are {"code","message"} with an HTTP status. Certificate mode adds app_cert_sn to the
 * header, the alipay-root-cert-sn request header and the alipay-sn response header (SPEC
 * §13.3); alipay-encrypt-type: AES makes the body and a successful answer ciphertexts (§13.4).
 */
#include "config.h"

#include <string.h>

#include "authsim-gateway-private.h"

#define V3_TOKEN_PATH  "/v3/alipay/system/oauth/token"
#define V3_SHARE_PATH  "/v3/alipay/user/info/share"
#define V3_AUTH_SCHEME "ALIPAY-SHA256withRSA"

#define SUB_MSG_INVALID_SIGNATURE \
  "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为："

static guint
v3_status_for (const AuthsimGatewayOutcome *o)
{
  if (o->v3_status != 0)
    return o->v3_status;
  if (g_strcmp0 (o->sub_code, "aop.invalid-auth-token") == 0 ||
      g_strcmp0 (o->sub_code, "aop.auth-token-time-out") == 0 ||
      g_strcmp0 (o->sub_code, "isv.invalid-signature") == 0 ||
      g_strcmp0 (o->sub_code, "isv.invalid-app-id") == 0)
    return SOUP_STATUS_UNAUTHORIZED;
  if (g_strcmp0 (o->sub_code, "isv.insufficient-isv-permissions") == 0)
    return SOUP_STATUS_FORBIDDEN;
  if (g_strcmp0 (o->sub_code, "isp.unknow-error") == 0)
    return SOUP_STATUS_INTERNAL_SERVER_ERROR;
  return SOUP_STATUS_BAD_REQUEST;
}

/* v3 error codes are the v2 sub_codes without their "isv."/"aop."/"isp." prefix
 * (production: "invalid-auth-token", "invalid-method" …). */
static const char *
v3_code_for (const char *sub_code)
{
  const char *dot = strchr (sub_code, '.');

  return dot != NULL ? dot + 1 : sub_code;
}

/* ------------------------------------------------------------------------------------------ */
/* The Authorization header                                                                   */

/* "ALIPAY-SHA256withRSA app_id=…,nonce=…,timestamp=…,sign=…", taken apart. */
typedef struct
{
  char       *auth_string;  /* what is signed of it: everything before ",sign=" */
  GStrv       items;        /* auth_string split at ',' */
  const char *app_id;       /* in items, or NULL */
  const char *app_cert_sn;
  const char *nonce;
  const char *timestamp;
  const char *sign;         /* in the header */
} V3Auth;

static void
v3_auth_clear (V3Auth *auth)
{
  g_clear_pointer (&auth->auth_string, g_free);
  g_clear_pointer (&auth->items, g_strfreev);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (V3Auth, v3_auth_clear)

/* (nullable): the header's parameters after the scheme; NULL (and @o set) when the header is
 * missing, not UTF-8 or of another scheme. */
static const char *
read_authorization (SoupServerMessage     *msg,
                    AuthsimGatewayOutcome *o)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *authorization = soup_message_headers_get_one (headers, "Authorization");
  gsize scheme_len = strlen (V3_AUTH_SCHEME);

  if (authorization == NULL || *authorization == '\0')
    {
      authsim_gateway_outcome_fail (o, "40001", "isv.missing-signature",
                                    "缺少签名参数：请求头 authorization 不存在");
      return NULL;
    }
  if (!g_utf8_validate (authorization, -1, NULL))
    {
      authsim_gateway_outcome_fail (o, "40002", "isv.invalid-charset",
                                    "authorization 请求头不是合法的 UTF-8");
      return NULL;
    }
  if (g_ascii_strncasecmp (authorization, V3_AUTH_SCHEME, scheme_len) != 0 ||
      authorization[scheme_len] != ' ')
    {
      authsim_gateway_outcome_fail (o, "40002", "isv.invalid-signature-type",
                                    "无效的签名类型，authorization 应以 " V3_AUTH_SCHEME " 开头");
      return NULL;
    }
  return authorization + scheme_len + 1;
}

/* Splits the header's @parameters into @auth; FALSE (and @o set) when sign is missing. */
static gboolean
parse_authorization (const char            *parameters,
                     V3Auth                *auth,
                     AuthsimGatewayOutcome *o)
{
  const char *sign_at = g_strrstr (parameters, ",sign=");

  if (sign_at == NULL || sign_at[6] == '\0')
    {
      authsim_gateway_outcome_fail (o, "40001", "isv.missing-signature",
                                    "缺少签名参数：authorization 中没有 sign");
      return FALSE;
    }
  auth->sign = sign_at + 6;
  auth->auth_string = g_strndup (parameters, sign_at - parameters);
  auth->items = g_strsplit (auth->auth_string, ",", -1);
  for (guint i = 0; auth->items[i] != NULL; i++)
    {
      const char *item = auth->items[i];

      if (g_str_has_prefix (item, "app_id="))
        auth->app_id = item + 7;
      else if (g_str_has_prefix (item, "app_cert_sn="))
        auth->app_cert_sn = item + 12;
      else if (g_str_has_prefix (item, "nonce="))
        auth->nonce = item + 6;
      else if (g_str_has_prefix (item, "timestamp="))
        auth->timestamp = item + 10;
    }
  return TRUE;
}

static gboolean
is_empty (const char *text)
{
  return text == NULL || *text == '\0';
}

/* At most 16 digits: milliseconds. */
static gboolean
valid_v3_timestamp (const char *timestamp)
{
  const char *p;

  for (p = timestamp; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return p - timestamp <= 16;
}

/* Certificate mode: app_cert_sn of the header and the alipay-root-cert-sn header, errors
 * answered 400 (SPEC §13.3). */
static gboolean
check_v3_cert_sns (const AuthsimGatewaySnapshot *snapshot,
                   SoupServerMessage            *msg,
                   const V3Auth                 *auth,
                   AuthsimGatewayOutcome        *o)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *root_cert_sn = soup_message_headers_get_one (headers,
                                                           AUTHSIM_OPENAPI_V3_ROOT_CERT_SN);

  if (authsim_gateway_check_cert_sns (snapshot, is_empty (auth->app_cert_sn) ? NULL
                                                                            : auth->app_cert_sn,
                                      is_empty (root_cert_sn) ? NULL : root_cert_sn, o))
    return TRUE;
  o->v3_status = SOUP_STATUS_BAD_REQUEST;
  return FALSE;
}

/* The header's app_id, nonce and timestamp (and certificate SNs); FALSE (and @o set) on the
 * first problem. */
static gboolean
check_auth_fields (const AuthsimGatewaySnapshot *snapshot,
                   SoupServerMessage            *msg,
                   const V3Auth                 *auth,
                   AuthsimGatewayOutcome        *o)
{
  if (is_empty (auth->app_id))
    authsim_gateway_outcome_fail (o, "40001", "isv.missing-app-id", "缺少appId参数");
  else if (is_empty (auth->nonce))
    authsim_gateway_outcome_fail (o, "40001", "isv.missing-nonce", "缺少nonce参数");
  else if (is_empty (auth->timestamp))
    authsim_gateway_outcome_fail (o, "40001", "isv.missing-timestamp", "缺少时间戳参数");
  else if (!authsim_gateway_snapshot_knows_app (snapshot, auth->app_id))
    authsim_gateway_outcome_fail (o, "40002", "isv.invalid-app-id", "无效的AppID参数");
  else if (!check_v3_cert_sns (snapshot, msg, auth, o))
    return FALSE;
  else if (!valid_v3_timestamp (auth->timestamp))
    authsim_gateway_outcome_fail (o, "40002", "isv.invalid-timestamp",
                                  "非法的时间戳参数，应为毫秒数");
  return !authsim_gateway_outcome_failed (o);
}

/* Checks the header's signature over the request exactly as alipay-sdk 4.x signs it. */
static gboolean
verify_v3_signature (AuthsimGateway        *self,
                     SoupServerMessage     *msg,
                     const V3Auth          *auth,
                     const char            *body,
                     gsize                  body_length,
                     AuthsimGatewayOutcome *o)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  GUri *uri = soup_server_message_get_uri (msg);
  g_autofree char *content = authsim_openapi_v3_request_content (
    auth->auth_string, soup_server_message_get_method (msg), g_uri_get_path (uri),
    g_uri_get_query (uri), body, body_length,
    soup_message_headers_get_one (headers, "alipay-app-auth-token"));

  /* Up to a NUL in the body, if any: such a request fails here or as JSON. */
  if (authsim_keys_verify_app (self->keys, content, strlen (content), auth->sign, NULL))
    return TRUE;
  if (g_utf8_validate (content, -1, NULL))
    authsim_gateway_outcome_fail (o, "40002", "isv.invalid-signature",
                                  SUB_MSG_INVALID_SIGNATURE "%s", content);
  else
    authsim_gateway_outcome_fail (o, "40002", "isv.invalid-signature",
                                  SUB_MSG_INVALID_SIGNATURE "(请求不是合法的 UTF-8)");
  return FALSE;
}

/* The Authorization header, checked against the request; *@app_id_out is the caller's app
 * when it holds. Its failures are 401s whatever their sub_code. */
static void
check_v3_authorization (AuthsimGateway               *self,
                        const AuthsimGatewaySnapshot *snapshot,
                        SoupServerMessage            *msg,
                        const char                   *body,
                        gsize                         body_length,
                        char                        **app_id_out,
                        AuthsimGatewayOutcome        *o)
{
  g_auto(V3Auth) auth = { NULL, };
  const char *parameters;

  o->v3_status = SOUP_STATUS_UNAUTHORIZED;

  parameters = read_authorization (msg, o);
  if (parameters == NULL ||
      !parse_authorization (parameters, &auth, o) ||
      !check_auth_fields (snapshot, msg, &auth, o) ||
      !verify_v3_signature (self, msg, &auth, body, body_length, o))
    return;

  o->v3_status = 0;
  *app_id_out = g_strdup (auth.app_id);
}

/* ------------------------------------------------------------------------------------------ */
/* The request                                                                                */

/* The route, the HTTP method and the authorization; *@app_id_out is set when they hold. */
static void
check_v3_request (AuthsimGateway               *self,
                  const AuthsimGatewaySnapshot *snapshot,
                  SoupServerMessage            *msg,
                  const char                   *method,
                  const char                   *body,
                  gsize                         body_length,
                  char                        **app_id_out,
                  AuthsimGatewayOutcome        *o)
{
  if (method == NULL)
    authsim_gateway_outcome_fail (o, "40002", "isv.invalid-method", "不存在的方法名");
  else if (soup_server_message_get_method (msg) != SOUP_METHOD_POST)
    {
      o->v3_status = SOUP_STATUS_METHOD_NOT_ALLOWED;
      authsim_gateway_outcome_fail (o, "40002", "isv.invalid-http-method", "只支持 POST 请求");
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Allow", "POST");
    }
  else
    check_v3_authorization (self, snapshot, msg, body != NULL ? body : "", body_length,
                            app_id_out, o);
}

/* (nullable): the JSON object of a non-empty body, kept alive by *@parser; NULL (and @o set)
 * when the body is not one, and NULL for an empty body. */
static JsonObject *
parse_v3_json (const char            *body,
               gsize                  length,
               JsonParser           **parser,
               AuthsimGatewayOutcome *o)
{
  g_autoptr(GError) error = NULL;

  if (length == 0)
    return NULL;

  *parser = json_parser_new_immutable ();
  if (!g_utf8_validate_len (body, length, NULL))
    authsim_gateway_outcome_fail (o, "40002", "isv.invalid-charset", "请求体不是合法的 UTF-8");
  else if (!json_parser_load_from_data (*parser, body, (gssize) length, &error))
    authsim_gateway_outcome_fail (o, "40002", "isv.invalid-parameter",
                                  "请求体不是合法的 JSON：%s", error->message);
  else if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (*parser)))
    authsim_gateway_outcome_fail (o, "40002", "isv.invalid-parameter", "请求体必须是 JSON 对象");
  else
    return json_node_get_object (json_parser_get_root (*parser));
  return NULL;
}

/* (nullable): the encryption a request declares (SPEC §13.4) in alipay-encrypt-type and
 * alipay-encryption-algm (the SDK sends both): the value to check, i.e. the first of them that
 * is not "AES", else "AES"; NULL when neither is there. */
static const char *
v3_encrypt_type (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *type = soup_message_headers_get_one (headers, "alipay-encrypt-type");
  const char *algm = soup_message_headers_get_one (headers, "alipay-encryption-algm");

  if (is_empty (type))
    return is_empty (algm) ? NULL : algm;
  if (!is_empty (algm) && strcmp (algm, "AES") != 0)
    return algm;
  return type;
}

/* (nullable): the request's JSON object, as parse_v3_json(). Plain: an application/json body.
 * Encrypted (@encrypt_type): the encryption checks, then a text/plain body decrypted. */
static JsonObject *
read_v3_body (AuthsimGateway               *self,
              const AuthsimGatewaySnapshot *snapshot,
              SoupServerMessage            *msg,
              const char                   *encrypt_type,
              const char                   *body,
              gsize                         length,
              JsonParser                  **parser,
              AuthsimGatewayOutcome        *o)
{
  g_autofree char *ciphertext = NULL;
  g_autofree char *plaintext = NULL;
  gsize plaintext_length = 0;

  if (encrypt_type == NULL)
    {
      if (!authsim_gateway_check_body_type (msg, length, "application/json", FALSE, o))
        return NULL;
      return parse_v3_json (body, length, parser, o);
    }

  if (!authsim_gateway_check_encryption (snapshot, encrypt_type, o) ||
      !authsim_gateway_check_body_type (msg, length, "text/plain", TRUE, o))
    return NULL;
  /* A NUL would cut the ciphertext short; the empty body is no ciphertext either. */
  ciphertext = memchr (body, '\0', length) == NULL ? g_strndup (body, length) : g_strdup ("");
  plaintext = authsim_gateway_decrypt (self, ciphertext, &plaintext_length, o);
  if (plaintext == NULL)
    return NULL;
  return parse_v3_json (plaintext, plaintext_length, parser, o);
}

/* A string member of the JSON body; FALSE (and @o set) when present with another type. */
static gboolean
v3_string_member (JsonObject             *obj,
                  const char             *name,
                  const char            **out,
                  AuthsimGatewayOutcome  *o)
{
  JsonNode *node = obj != NULL ? json_object_get_member (obj, name) : NULL;

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      authsim_gateway_outcome_fail (o, "40002", "isv.invalid-parameter", "参数 %s 必须是字符串",
                                    name);
      return FALSE;
    }
  *out = json_node_get_string (node);
  if (**out == '\0')
    *out = NULL;
  return TRUE;
}

static void
v3_oauth_token (AuthsimGateway               *self,
                const AuthsimGatewaySnapshot *snapshot,
                const char                   *app_id,
                JsonObject                   *obj,
                AuthsimGatewayOutcome        *o)
{
  const char *grant_type, *code, *refresh_token;

  if (v3_string_member (obj, "grant_type", &grant_type, o) &&
      v3_string_member (obj, "code", &code, o) &&
      v3_string_member (obj, "refresh_token", &refresh_token, o))
    authsim_gateway_oauth_token (self, snapshot, app_id, grant_type, code, refresh_token, o);
}

/* auth_token in the query string (SPEC) or in the JSON body (what the SDK's own tests send). */
static void
v3_user_info_share (AuthsimGateway               *self,
                    const AuthsimGatewaySnapshot *snapshot,
                    SoupServerMessage            *msg,
                    const char                   *app_id,
                    JsonObject                   *obj,
                    AuthsimGatewayOutcome        *o)
{
  const char *raw_query = g_uri_get_query (soup_server_message_get_uri (msg));
  g_autoptr(AuthsimGatewayParams) query = authsim_gateway_params_new ();
  const char *auth_token = NULL;

  if (raw_query != NULL &&
      !authsim_gateway_params_add_form (query, raw_query, strlen (raw_query), "query string", o))
    return;
  auth_token = authsim_gateway_params_get (query, "auth_token");
  if (auth_token == NULL && !v3_string_member (obj, "auth_token", &auth_token, o))
    return;
  authsim_gateway_user_info_share (self, snapshot, app_id, auth_token, o);
}

/* The answer's JSON text and *@status: the data, or {"code","message"}. */
static char *
v3_payload (const AuthsimGatewayOutcome *o,
            guint                       *status)
{
  g_autoptr(JsonObject) err = NULL;

  if (!authsim_gateway_outcome_failed (o))
    {
      *status = SOUP_STATUS_OK;
      return authsim_gateway_object_to_string (o->data);
    }
  *status = v3_status_for (o);
  err = json_object_new ();
  json_object_set_string_member (err, "code", v3_code_for (o->sub_code));
  json_object_set_string_member (err, "message", o->sub_msg);
  return authsim_gateway_object_to_string (err);
}

/* The answer's text, *@status and whether it is a ciphertext: that of the data when the request
 * was encrypted and succeeded; errors stay plaintext. */
static char *
v3_answer (AuthsimGateway        *self,
           const char            *encrypt_type,
           AuthsimGatewayOutcome *o,
           guint                 *status,
           gboolean              *ciphertext)
{
  char *payload = v3_payload (o, status);
  char *encrypted;

  *ciphertext = FALSE;
  if (encrypt_type == NULL || authsim_gateway_outcome_failed (o))
    return payload;
  encrypted = authsim_gateway_encrypt (self, payload, o);
  if (encrypted == NULL)
    return v3_payload (o, status);
  *ciphertext = TRUE;
  return encrypted;
}

void
authsim_gateway_handle_v3 (AuthsimGateway               *self,
                           const AuthsimGatewaySnapshot *snapshot,
                           SoupServerMessage            *msg,
                           const char                   *path)
{
  AuthsimGatewayAnswer answer = { TRUE, 0, NULL, FALSE, g_get_monotonic_time () };
  g_autoptr(GBytes) bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  gsize length = 0;
  const char *data = g_bytes_get_data (bytes, &length);
  const char *method = strcmp (path, V3_TOKEN_PATH) == 0 ? AUTHSIM_OPENAPI_METHOD_TOKEN
                       : strcmp (path, V3_SHARE_PATH) == 0 ? AUTHSIM_OPENAPI_METHOD_SHARE
                       : NULL;
  g_autofree char *app_id = NULL;
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *obj = NULL;
  AuthsimGatewayOutcome o = { NULL, };
  const char *encrypt_type = v3_encrypt_type (msg);
  char *payload;

  check_v3_request (self, snapshot, msg, method, data, length, &app_id, &o);
  if (!authsim_gateway_outcome_failed (&o))
    obj = read_v3_body (self, snapshot, msg, encrypt_type, data, length, &parser, &o);

  if (!authsim_gateway_outcome_failed (&o))
    {
      if (strcmp (method, AUTHSIM_OPENAPI_METHOD_TOKEN) == 0)
        v3_oauth_token (self, snapshot, app_id, obj, &o);
      else
        v3_user_info_share (self, snapshot, msg, app_id, obj, &o);
    }

  payload = v3_answer (self, encrypt_type, &o, &answer.status, &answer.ciphertext);
  authsim_gateway_log_request (self, "v3", method, o.code, o.sub_code, answer.status, o.call,
                               authsim_gateway_snapshot_sign_mode (snapshot),
                               encrypt_type != NULL);
  authsim_gateway_reply_signed (self, snapshot, msg, &answer, payload);
  authsim_gateway_outcome_clear (&o);
}
