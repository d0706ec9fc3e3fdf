/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-scenario-exchange.c: the OpenAPI client of "exchange" steps. It redeems an authCode
 * as a backend with an SDK would: alipay.system.oauth.token, form-encoded, signed RSA2 as the
 * app, and checks that the gateway signed its answer, with the signing rules the gateway
 * itself follows (authsim-openapi.h).
 */
#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "authsim-openapi.h"
#include "authsim-scenario-private.h"

struct _AuthsimScenarioExchange
{
  SoupSession  *session;
  AuthsimKeys  *keys;
  AuthsimCerts *certs;  /* nullable: key mode */
};

AuthsimScenarioExchange *
authsim_scenario_exchange_new (AuthsimKeys  *keys,
                               AuthsimCerts *certs)
{
  AuthsimScenarioExchange *self = g_new0 (AuthsimScenarioExchange, 1);

  self->session = soup_session_new ();
  self->keys = g_object_ref (keys);
  self->certs = certs != NULL ? g_object_ref (certs) : NULL;
  return self;
}

void
authsim_scenario_exchange_free (AuthsimScenarioExchange *self)
{
  g_clear_object (&self->session);
  g_clear_object (&self->keys);
  g_clear_object (&self->certs);
  g_free (self);
}

/* ------------------------------------------------------------------------------------------
 * The request
 * ------------------------------------------------------------------------------------------ */

/* (transfer full) (nullable): the signed form for @code of @app_id; NULL with @detail. */
static GBytes *
signed_request (AuthsimScenarioExchange  *self,
                const char               *app_id,
                const char               *code,
                char                    **detail)
{
  g_autoptr(GHashTable) params = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autofree char *timestamp =
    authsim_openapi_format_time (g_get_real_time () / G_USEC_PER_SEC);
  char *form;

  g_hash_table_insert (params, (gpointer) "app_id", (gpointer) app_id);
  g_hash_table_insert (params, (gpointer) "method", (gpointer) AUTHSIM_OPENAPI_METHOD_TOKEN);
  g_hash_table_insert (params, (gpointer) "charset", (gpointer) "utf-8");
  g_hash_table_insert (params, (gpointer) "sign_type", (gpointer) "RSA2");
  g_hash_table_insert (params, (gpointer) "timestamp", timestamp);
  g_hash_table_insert (params, (gpointer) "version", (gpointer) "1.0");
  g_hash_table_insert (params, (gpointer) "grant_type", (gpointer) "authorization_code");
  g_hash_table_insert (params, (gpointer) "code", (gpointer) code);
  if (self->certs != NULL)
    {
      g_hash_table_insert (params, (gpointer) "app_cert_sn",
                           (gpointer) authsim_certs_get_app_cert_sn (self->certs));
      g_hash_table_insert (params, (gpointer) "alipay_root_cert_sn",
                           (gpointer) authsim_certs_get_root_cert_sn (self->certs));
    }

  form = authsim_openapi_v2_sign_form (self->keys, params, &error);
  if (form == NULL)
    {
      *detail = g_strdup_printf ("cannot sign the request: %s", error->message);
      return NULL;
    }
  return g_bytes_new_take (form, strlen (form));
}

gboolean
authsim_scenario_exchange_send (AuthsimScenarioExchange  *self,
                                const char               *url,
                                const char               *app_id,
                                const char               *code,
                                GCancellable             *cancellable,
                                GAsyncReadyCallback       callback,
                                gpointer                  user_data,
                                char                    **detail)
{
  g_autoptr(GBytes) body = signed_request (self, app_id, code, detail);
  g_autoptr(SoupMessage) message = NULL;

  if (body == NULL)
    return FALSE;

  message = soup_message_new (SOUP_METHOD_POST, url);
  if (message == NULL)
    {
      *detail = g_strdup ("the gateway URL is invalid");
      return FALSE;
    }
  soup_message_set_request_body_from_bytes (message,
                                            AUTHSIM_OPENAPI_FORM_TYPE ";charset=utf-8",
                                            body);
  soup_session_send_and_read_async (self->session, message, G_PRIORITY_DEFAULT, cancellable,
                                    callback, user_data);
  return TRUE;
}

/* ------------------------------------------------------------------------------------------
 * The answer
 * ------------------------------------------------------------------------------------------ */

/* Whether the response node holds: @expect matches it, or without one it is a success. */
static gboolean
judge_node (JsonObject  *root,
            const char  *node_key,
            JsonObject  *expect,
            char       **detail)
{
  JsonObject *node = json_object_get_object_member (root, node_key);
  g_autofree char *got = authsim_json_to_compact (json_object_get_member (root, node_key));
  g_autofree char *reason = NULL;

  if (expect != NULL)
    {
      if (authsim_scenario_object_matches (expect, node, "", &reason))
        return TRUE;
      *detail = g_strdup_printf ("%s (got %s)", reason, got);
      return FALSE;
    }

  if (g_strcmp0 (node_key, "error_response") == 0 ||
      g_strcmp0 (json_object_get_string_member_with_default (node, "code", "10000"),
                 "10000") != 0)
    {
      *detail = g_strdup_printf ("the gateway refused the code: %s", got);
      return FALSE;
    }
  return TRUE;
}

/* Judges the gateway's answer to an exchange; TRUE when it holds, else @detail says why. */
static gboolean
check_response (AuthsimScenarioExchange  *self,
                GBytes                   *bytes,
                JsonObject               *expect,
                char                    **detail)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autofree char *body = NULL;
  const char *node_key = NULL;
  const char *sign;
  JsonObject *root;
  gsize length;

  body = g_strndup (g_bytes_get_data (bytes, &length), g_bytes_get_size (bytes));
  if (!json_parser_load_from_data (parser, body, length, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      *detail = g_strdup_printf ("the gateway answered no JSON object: %.80s", body);
      return FALSE;
    }

  root = json_node_get_object (json_parser_get_root (parser));
  if (json_object_has_member (root, "alipay_system_oauth_token_response"))
    node_key = "alipay_system_oauth_token_response";
  else if (json_object_has_member (root, "error_response"))
    node_key = "error_response";
  sign = json_object_get_string_member_with_default (root, "sign", NULL);

  if (node_key == NULL || sign == NULL ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (root, node_key)))
    {
      *detail = g_strdup_printf ("unexpected response: %.120s", body);
      return FALSE;
    }

  if (!authsim_openapi_v2_verify_response (self->keys, body, node_key, sign))
    {
      *detail = g_strdup ("the response signature does not verify against the gateway "
                          "public key");
      return FALSE;
    }

  return judge_node (root, node_key, expect, detail);
}

gboolean
authsim_scenario_exchange_finish (AuthsimScenarioExchange  *self,
                                  GAsyncResult             *result,
                                  JsonObject               *expect,
                                  char                    **detail)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (self->session, result, &error);

  if (bytes == NULL)
    {
      *detail = g_strdup_printf ("the gateway did not answer: %s", error->message);
      return FALSE;
    }
  return check_response (self, bytes, expect, detail);
}
