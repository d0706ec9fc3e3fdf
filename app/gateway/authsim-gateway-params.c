/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-gateway-params.c: reading a request: its form parameters, its body's media type. */
#include "config.h"

#include <string.h>

#include "authsim-gateway-private.h"

AuthsimGatewayParams *
authsim_gateway_params_new (void)
{
  AuthsimGatewayParams *params = g_new0 (AuthsimGatewayParams, 1);

  params->keys = g_ptr_array_new ();
  params->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return params;
}

void
authsim_gateway_params_free (AuthsimGatewayParams *params)
{
  g_ptr_array_unref (params->keys);
  g_hash_table_unref (params->values);
  g_free (params);
}

const char *
authsim_gateway_params_get (AuthsimGatewayParams *params,
                            const char           *key)
{
  const char *value = g_hash_table_lookup (params->values, key);

  return value != NULL && *value != '\0' ? value : NULL;
}

static gboolean
valid_text (const GString *s)
{
  return g_utf8_validate_len (s->str, s->len, NULL);
}

/* Adds one decoded pair; FALSE (and @o set) when it is not UTF-8 or its key came before. */
static gboolean
params_add_pair (AuthsimGatewayParams  *params,
                 const GString         *key,
                 const GString         *value,
                 const char            *where,
                 AuthsimGatewayOutcome *o)
{
  char *k;

  if (!valid_text (key) || !valid_text (value))
    {
      authsim_gateway_outcome_fail (o, "40002", "isv.invalid-charset",
                                    "字符集错误：%s 中的参数不是合法的 UTF-8 (a parameter in the %s is not valid UTF-8)",
                                    where, where);
      return FALSE;
    }
  if (key->len == 0)
    return TRUE;
  if (g_hash_table_contains (params->values, key->str))
    {
      g_autofree char *name = authsim_gateway_clip (key->str, 40);

      authsim_gateway_outcome_fail (o, "40002", "isv.duplicate-parameter",
                                    "参数重复：%s (parameter %s appears more than once)",
                                    name, name);
      return FALSE;
    }

  k = g_strdup (key->str);
  g_ptr_array_add (params->keys, k);
  g_hash_table_insert (params->values, k, g_strdup (value->str));
  return TRUE;
}

gboolean
authsim_gateway_params_add_form (AuthsimGatewayParams  *params,
                                 const char            *text,
                                 gsize                  length,
                                 const char            *where,
                                 AuthsimGatewayOutcome *o)
{
  g_autoptr(GString) key = g_string_new (NULL);
  g_autoptr(GString) value = g_string_new (NULL);
  gsize start = 0;

  while (start < length)
    {
      const char *pair = text + start;
      const char *amp = memchr (pair, '&', length - start);
      gsize pair_len = amp != NULL ? (gsize) (amp - pair) : length - start;
      const char *eq = memchr (pair, '=', pair_len);
      gsize key_len = eq != NULL ? (gsize) (eq - pair) : pair_len;

      start += pair_len + 1;
      if (pair_len == 0)
        continue;

      if (!authsim_openapi_form_decode (pair, key_len, key) ||
          !authsim_openapi_form_decode (eq != NULL ? eq + 1 : "",
                                        eq != NULL ? pair_len - key_len - 1 : 0, value))
        {
          authsim_gateway_outcome_fail (o, "40002", "isv.invalid-parameter",
                                        "参数编码错误：%s 中有不合法的百分号编码 (malformed percent-encoding in the %s)",
                                        where, where);
          return FALSE;
        }
      if (!params_add_pair (params, key, value, where, o))
        return FALSE;
    }
  return TRUE;
}

gboolean
authsim_gateway_check_body_type (SoupServerMessage     *msg,
                                 gsize                  body_length,
                                 const char            *wanted,
                                 gboolean               missing_ok,
                                 AuthsimGatewayOutcome *o)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autoptr(GHashTable) type_params = NULL;
  const char *type;
  const char *charset;

  if (body_length == 0)
    return TRUE;

  type = soup_message_headers_get_content_type (headers, &type_params);
  if (type == NULL)
    {
      if (missing_ok)
        return TRUE;
      authsim_gateway_outcome_fail (o, "40002", "isv.invalid-content-type",
                                    "请求体的 Content-Type 必须是 %s (the request body must be %s)",
                                    wanted, wanted);
      return FALSE;
    }
  if (g_ascii_strcasecmp (type, wanted) != 0)
    {
      authsim_gateway_outcome_fail (o, "40002", "isv.invalid-content-type",
                                    "不支持的 Content-Type，请使用 %s (unsupported Content-Type, use %s)",
                                    wanted, wanted);
      return FALSE;
    }
  charset = type_params != NULL ? g_hash_table_lookup (type_params, "charset") : NULL;
  if (charset != NULL && g_ascii_strcasecmp (charset, "utf-8") != 0 &&
      g_ascii_strcasecmp (charset, "utf8") != 0)
    {
      authsim_gateway_outcome_fail (o, "40002", "isv.invalid-charset",
                                    "字符集错误：AuthSim 只支持 utf-8 (only utf-8 is supported)");
      return FALSE;
    }
  return TRUE;
}
