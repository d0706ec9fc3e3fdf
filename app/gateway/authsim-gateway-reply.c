/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-gateway-reply.c: how requests end: their outcome, their log event and the answer. */
#include "config.h"

#include <string.h>

#include "authsim-gateway-private.h"

/* ------------------------------------------------------------------------------------------ */
/* Outcomes                                                                                   */

void
authsim_gateway_outcome_clear (AuthsimGatewayOutcome *o)
{
  g_clear_pointer (&o->sub_msg, g_free);
  g_clear_pointer (&o->data, json_object_unref);
}

static const char *
code_msg (const char *code)
{
  static const struct { const char *code; const char *msg; } table[] = {
    { "10000", "Success" },
    { "20000", "Service Currently Unavailable" },
    { "20001", "Insufficient Token Permissions" },
    { "40001", "Missing Required Arguments" },
    { "40002", "Invalid Arguments" },
    { "40003", "Insufficient Conditions" },
    { "40006", "Insufficient Permissions" },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (table); i++)
    if (strcmp (table[i].code, code) == 0)
      return table[i].msg;
  return "Unknown";
}

void
authsim_gateway_outcome_fail (AuthsimGatewayOutcome *o,
                              const char            *code,
                              const char            *sub_code,
                              const char            *format,
                              ...)
{
  va_list args;

  g_clear_pointer (&o->data, json_object_unref);
  g_free (o->sub_msg);
  o->code = code;
  o->sub_code = sub_code;
  va_start (args, format);
  o->sub_msg = g_strdup_vprintf (format, args);
  va_end (args);
}

gboolean
authsim_gateway_outcome_failed (const AuthsimGatewayOutcome *o)
{
  return o->sub_code != NULL;
}

JsonObject *
authsim_gateway_outcome_to_error (const AuthsimGatewayOutcome *o)
{
  JsonObject *obj = json_object_new ();

  json_object_set_string_member (obj, "code", o->code);
  json_object_set_string_member (obj, "msg", code_msg (o->code));
  json_object_set_string_member (obj, "sub_code", o->sub_code);
  json_object_set_string_member (obj, "sub_msg", o->sub_msg != NULL ? o->sub_msg : "");
  return obj;
}

/* One generator per thread, kept: json_to_string() makes (and finalizes) a GObject for every
 * call, several times a request. */
char *
authsim_gateway_object_to_string (JsonObject *obj)
{
  static GPrivate generator_key = G_PRIVATE_INIT (g_object_unref);
  JsonGenerator *generator = g_private_get (&generator_key);
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  char *text;

  if (generator == NULL)
    {
      generator = json_generator_new ();
      g_private_set (&generator_key, generator);
    }
  json_node_set_object (node, obj);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  /* Nothing of the request stays referenced by a thread's generator. */
  json_generator_set_root (generator, NULL);
  return text;
}

char *
authsim_gateway_clip (const char *text,
                      glong       max_chars)
{
  g_autofree char *head = NULL;

  if (g_utf8_strlen (text, -1) <= max_chars)
    return g_strdup (text);
  head = g_utf8_substring (text, 0, max_chars);
  return g_strconcat (head, "…", NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Logging                                                                                    */

/* The sign mode and, in certificate mode, the three SNs a backend configures. */
static void
set_sign_mode (JsonObject   *fields,
               AuthsimCerts *certs)
{
  json_object_set_string_member (fields, "sign_mode", certs != NULL ? "cert" : "key");
  if (certs == NULL)
    return;
  json_object_set_string_member (fields, "app_cert_sn", authsim_certs_get_app_cert_sn (certs));
  json_object_set_string_member (fields, "alipay_cert_sn",
                                 authsim_certs_get_gateway_cert_sn (certs));
  json_object_set_string_member (fields, "alipay_root_cert_sn",
                                 authsim_certs_get_root_cert_sn (certs));
}

void
authsim_gateway_log_listening (AuthsimGateway *self)
{
  JsonObject *fields = json_object_new ();

  json_object_set_string_member (fields, "event", "listening");
  json_object_set_string_member (fields, "url", self->url);
  set_sign_mode (fields, self->certs);
  authsim_log_append (self->log, 0, "gateway", fields);
}

void
authsim_gateway_log_sign_mode (AuthsimGateway *self)
{
  JsonObject *fields = json_object_new ();

  json_object_set_string_member (fields, "event", "sign-mode");
  set_sign_mode (fields, self->certs);
  authsim_log_append (self->log, 0, "gateway", fields);
}

/* Sets @name to @value, or to null when @value is NULL. */
static void
set_string_or_null (JsonObject *fields,
                    const char *name,
                    const char *value)
{
  if (value != NULL)
    json_object_set_string_member (fields, name, value);
  else
    json_object_set_null_member (fields, name);
}

void
authsim_gateway_log_request (AuthsimGateway  *self,
                             const char      *version,
                             const char      *method,
                             const char      *code,
                             const char      *sub_code,
                             guint            status,
                             guint            call,
                             AuthsimSignMode  sign_mode,
                             gboolean         encrypted)
{
  JsonObject *fields = json_object_new ();

  json_object_set_string_member (fields, "event", "request");
  set_string_or_null (fields, "method", method);
  set_string_or_null (fields, "version", version);
  set_string_or_null (fields, "code", code);
  set_string_or_null (fields, "sub_code", sub_code);
  json_object_set_int_member (fields, "status", status);
  json_object_set_string_member (fields, "sign_mode",
                                 sign_mode == AUTHSIM_SIGN_MODE_CERT ? "cert" : "key");
  json_object_set_boolean_member (fields, "encrypted", encrypted);

  authsim_log_append (self->log, call, "gateway", fields);
}

/* ------------------------------------------------------------------------------------------ */
/* Transport-level answers (not signed): 404, 405, 500; 400 and 413 in authsim-gateway-limits.c */

char *
authsim_gateway_transport_error_body (const char *code,
                                      const char *message)
{
  g_autoptr(JsonObject) obj = json_object_new ();

  json_object_set_string_member (obj, "code", code);
  json_object_set_string_member (obj, "message", message);
  return authsim_gateway_object_to_string (obj);
}

void
authsim_gateway_reply_transport_error (AuthsimGateway    *self,
                                       SoupServerMessage *msg,
                                       const char        *version,
                                       guint              status,
                                       const char        *code,
                                       const char        *message,
                                       AuthsimSignMode    sign_mode)
{
  g_autofree char *body = authsim_gateway_transport_error_body (code, message);
  gsize length = strlen (body);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, AUTHSIM_GATEWAY_JSON_TYPE, SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&body), length);
  authsim_gateway_log_request (self, version, NULL, code, NULL, status, 0, sign_mode, FALSE);
}

/* ------------------------------------------------------------------------------------------ */
/* Signed answers                                                                             */

/* A v3 nonce: a random UUID without its dashes. */
static char *
new_nonce (void)
{
  g_autofree char *uuid = g_uuid_string_random ();
  GString *nonce = g_string_sized_new (32);

  for (const char *p = uuid; *p != '\0'; p++)
    if (*p != '-')
      g_string_append_c (nonce, *p);
  return g_string_free (nonce, FALSE);
}

/* What a v3 answer signs: a new timestamp (ms) and nonce, which go in *@timestamp and *@nonce,
 * and the body. (v2 signs the node itself.) */
static char *
v3_signed_content (const char  *payload,
                   char       **timestamp,
                   char       **nonce)
{
  *nonce = new_nonce ();
  *timestamp = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time () / 1000);
  return authsim_openapi_v3_response_content (*timestamp, *nonce, payload);
}

/* The answer's body once signed; takes @payload. v3 sends the signature in headers.
 * @cert_sn (nullable) is the gateway certificate's SN in certificate mode. */
static char *
signed_body (SoupServerMessage          *msg,
             const AuthsimGatewayAnswer *answer,
             char                       *payload,
             const char                 *cert_sn,
             const char                 *signature,
             const char                 *timestamp,
             const char                 *nonce)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  char *body;

  if (!answer->v3)
    {
      body = authsim_openapi_v2_response_body (answer->key, payload, cert_sn, signature);
      g_free (payload);
      return body;
    }
  soup_message_headers_replace (headers, "alipay-timestamp", timestamp);
  soup_message_headers_replace (headers, "alipay-nonce", nonce);
  soup_message_headers_replace (headers, "alipay-signature", signature);
  if (cert_sn != NULL)
    soup_message_headers_replace (headers, AUTHSIM_OPENAPI_V3_SN, cert_sn);
  return payload;
}

void
authsim_gateway_reply_signed (AuthsimGateway               *self,
                              const AuthsimGatewaySnapshot *snapshot,
                              SoupServerMessage            *msg,
                              const AuthsimGatewayAnswer   *answer,
                              char                         *payload)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *timestamp = NULL;
  g_autofree char *nonce = NULL;
  g_autofree char *v3_content = answer->v3 ? v3_signed_content (payload, &timestamp, &nonce)
                                           : NULL;
  const char *content = answer->v3 ? v3_content : payload;
  const char *cert_sn = snapshot->certs != NULL
                        ? authsim_certs_get_gateway_cert_sn (snapshot->certs) : NULL;
  const char *type = answer->ciphertext ? AUTHSIM_GATEWAY_TEXT_TYPE : AUTHSIM_GATEWAY_JSON_TYPE;
  guint status = answer->status;
  gint64 signing = g_get_monotonic_time ();
  g_autofree char *signature = authsim_keys_sign (self->keys, content, strlen (content), &error);
  char *body;

  /* G_MESSAGES_DEBUG=authsim-gateway shows where each request spent its time. */
  if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    g_debug ("%s %s: %" G_GINT64_FORMAT " us before signing, %" G_GINT64_FORMAT
             " us signing", answer->v3 ? "v3" : "v2", answer->key != NULL ? answer->key : "",
             signing - answer->started, g_get_monotonic_time () - signing);

  if (signature == NULL)
    {
      body = authsim_gateway_transport_error_body ("isp.unknow-error", error->message);
      status = SOUP_STATUS_INTERNAL_SERVER_ERROR;
      type = AUTHSIM_GATEWAY_JSON_TYPE;
      g_free (payload);
    }
  else
    body = signed_body (msg, answer, payload, cert_sn, signature, timestamp, nonce);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, type, SOUP_MEMORY_TAKE, body, strlen (body));
}
