/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "authsim-crypto.h"
#include "authsim-gateway-private.h"
#include "authsim-keys.h"
#include "test-utils.h"

/*
 * The mock gateway over real HTTP: a SoupSession client that builds and signs requests the way
 * the official SDKs do (v2 parameters sorted and signed with the app key, URL arguments in the
 * query and the rest in a form body; v3 with an ALIPAY-SHA256withRSA authorization header), and
 * raw sockets for hostile input. Every response signature is checked with the gateway public
 * key over the exact bytes of the node.
 *
 * Tests added with CERT_MODE run the gateway in certificate mode (SPEC §13): the client then
 * sends the SNs an SDK configured with AuthSim's certificates sends, and expects the gateway
 * certificate's SN in every signed answer; in key mode it expects none.
 */

static AuthsimKeys *shared_keys;    /* RSA generation is slow: one key set for the program */
static AuthsimCerts *shared_certs;  /* its certificates (certificate mode) */

#define CERT_MODE GINT_TO_POINTER (1)

/* What the SDK-like client sends and expects, set by the fixture for its mode; tests change it
 * to send what a misconfigured SDK would. NULL: not sent (expected: absent). */
static struct
{
  const char *app_cert_sn;      /* v2 app_cert_sn, v3 app_cert_sn in the authorization */
  const char *root_cert_sn;     /* v2 alipay_root_cert_sn, v3 the alipay-root-cert-sn header */
  const char *gateway_cert_sn;  /* expected: v2 alipay_cert_sn, v3 the alipay-sn header */
} sdk;

typedef struct
{
  AuthsimProfile *profile;
  GListModel     *users;
  AuthsimStore   *store;
  AuthsimLog     *log;
  AuthsimEngine  *engine;
  AuthsimGateway *gateway;
  gboolean        cert;    /* certificate mode */
  SoupSession    *session;
  char           *base;    /* http://127.0.0.1:PORT */
  const char     *app_id;
  const char     *host_app_id;
  const char     *user_id;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  AuthsimUser *user;

  f->profile = authsim_profile_new_default ();
  f->users = authsim_users_new_default ();
  f->store = authsim_store_new (NULL, test_random_bytes);
  f->log = authsim_log_new ();
  f->engine = authsim_engine_new (f->profile, f->users, f->store, f->log);
  f->gateway = authsim_gateway_new (f->engine, f->store, f->log, shared_keys);
  f->cert = data == CERT_MODE;
  memset (&sdk, 0, sizeof sdk);
  if (f->cert)
    {
      authsim_gateway_set_certs (f->gateway, shared_certs);
      sdk.app_cert_sn = authsim_certs_get_app_cert_sn (shared_certs);
      sdk.root_cert_sn = authsim_certs_get_root_cert_sn (shared_certs);
      sdk.gateway_cert_sn = authsim_certs_get_gateway_cert_sn (shared_certs);
    }
  g_assert_true (authsim_gateway_start (f->gateway, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  f->base = g_strdup_printf ("http://127.0.0.1:%u", authsim_gateway_get_port (f->gateway));
  {
    /* No proxy: the default resolver would consult GSettings, absent in ISOLATE_DIRS. */
    g_autoptr(GProxyResolver) direct = g_simple_proxy_resolver_new (NULL, NULL);

    f->session = soup_session_new_with_options ("timeout", 20, "proxy-resolver", direct, NULL);
  }
  f->app_id = authsim_profile_get_app_id (f->profile);
  f->host_app_id = authsim_profile_get_host_app_id (f->profile);
  g_assert_nonnull (f->host_app_id);
  user = g_list_model_get_item (f->users, 0);
  f->user_id = authsim_user_get_user_id (user);
  g_object_unref (user);  /* the model keeps it */
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  authsim_gateway_stop (f->gateway);
  g_clear_object (&f->session);
  /* Let pending idle work (log model updates, closed connections) run. */
  {
    gint64 until = g_get_monotonic_time () + 200 * 1000;

    while (g_get_monotonic_time () < until)
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
  }
  g_clear_object (&f->gateway);
  g_clear_object (&f->engine);
  g_clear_object (&f->log);
  g_clear_object (&f->store);
  g_clear_object (&f->users);
  g_clear_object (&f->profile);
  g_free (f->base);
}

/* ------------------------------------------------------------------------------------------ */
/* HTTP                                                                                       */

typedef struct
{
  GBytes  *body;
  GError  *error;
  gboolean done;
} SendResult;

static void
send_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  SendResult *r = user_data;

  r->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &r->error);
  r->done = TRUE;
}

/* Sends @msg while the main loop (and so the gateway) runs; returns the body. */
static char *
http_send (Fixture     *f,
           SoupMessage *msg,
           guint       *status)
{
  SendResult r = { NULL, };
  gsize length = 0;
  const char *data;
  char *body;

  soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL, send_done_cb, &r);
  test_wait_until (r.done);
  g_assert_no_error (r.error);
  data = g_bytes_get_data (r.body, &length);
  body = g_strndup (data != NULL ? data : "", length);
  g_assert_cmpuint (strlen (body), ==, length);
  g_bytes_unref (r.body);
  *status = soup_message_get_status (msg);
  return body;
}

/* ------------------------------------------------------------------------------------------ */
/* An SDK-like v2 client                                                                      */

typedef struct
{
  GPtrArray *keys;
  GPtrArray *values;
} Form;

static Form *
form_new (void)
{
  Form *form = g_new0 (Form, 1);

  form->keys = g_ptr_array_new_with_free_func (g_free);
  form->values = g_ptr_array_new_with_free_func (g_free);
  return form;
}

static void
form_free (Form *form)
{
  g_ptr_array_unref (form->keys);
  g_ptr_array_unref (form->values);
  g_free (form);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Form, form_free)

static void
form_add (Form       *form,
          const char *key,
          const char *value)
{
  g_ptr_array_add (form->keys, g_strdup (key));
  g_ptr_array_add (form->values, g_strdup (value));
}

static void
form_set (Form       *form,
          const char *key,
          const char *value)
{
  for (guint i = 0; i < form->keys->len; i++)
    if (strcmp (form->keys->pdata[i], key) == 0)
      {
        g_free (form->values->pdata[i]);
        form->values->pdata[i] = g_strdup (value);
        return;
      }
  form_add (form, key, value);
}

static void
form_remove (Form       *form,
             const char *key)
{
  for (guint i = 0; i < form->keys->len; i++)
    if (strcmp (form->keys->pdata[i], key) == 0)
      {
        g_ptr_array_remove_index (form->keys, i);
        g_ptr_array_remove_index (form->values, i);
        return;
      }
}

typedef struct
{
  const char *key;
  const char *value;
} Pair;

static int
compare_pairs (gconstpointer a,
               gconstpointer b)
{
  return strcmp (((const Pair *) a)->key, ((const Pair *) b)->key);
}

/* The string Alipay documents for RSA2 request signing: all parameters but sign, empty values
 * left out, sorted by key, "k=v" joined by '&', not encoded. */
static char *
form_sign_content (Form *form)
{
  g_autoptr(GArray) pairs = g_array_new (FALSE, FALSE, sizeof (Pair));
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < form->keys->len; i++)
    {
      Pair p = { form->keys->pdata[i], form->values->pdata[i] };

      if (strcmp (p.key, "sign") != 0 && *p.value != '\0')
        g_array_append_val (pairs, p);
    }
  g_array_sort (pairs, compare_pairs);
  for (guint i = 0; i < pairs->len; i++)
    g_string_append_printf (s, "%s%s=%s", i > 0 ? "&" : "",
                            g_array_index (pairs, Pair, i).key,
                            g_array_index (pairs, Pair, i).value);
  return g_string_free (s, FALSE);
}

static void
form_sign (Form *form)
{
  g_autofree char *content = form_sign_content (form);
  g_autoptr(GError) error = NULL;
  g_autofree char *sign = authsim_keys_sign_as_app (shared_keys, content, strlen (content),
                                                    &error);

  g_assert_no_error (error);
  form_set (form, "sign", sign);
}

static char *
now_timestamp (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  return g_date_time_format (now, "%Y-%m-%d %H:%M:%S");
}

/* The common parameters alipay-sdk sends, for @method and @app_id; not signed yet. */
static Form *
v2_form (const char *app_id,
         const char *method)
{
  Form *form = form_new ();
  g_autofree char *ts = now_timestamp ();

  form_add (form, "method", method);
  form_add (form, "app_id", app_id);
  form_add (form, "charset", "utf-8");
  form_add (form, "version", "1.0");
  form_add (form, "sign_type", "RSA2");
  form_add (form, "timestamp", ts);
  if (sdk.app_cert_sn != NULL)
    form_add (form, "app_cert_sn", sdk.app_cert_sn);
  if (sdk.root_cert_sn != NULL)
    form_add (form, "alipay_root_cert_sn", sdk.root_cert_sn);
  return form;
}

/* alipay-sdk's formatUrl(): these go in the URL, the rest in the form body. */
static gboolean
is_url_arg (const char *key)
{
  static const char * const url_args[] = {
    "app_id", "method", "format", "charset", "sign_type", "sign", "timestamp", "version",
    "notify_url", "return_url", "auth_token", "app_auth_token", "app_cert_sn",
    "alipay_root_cert_sn", "ws_service_url", NULL,
  };

  return g_strv_contains (url_args, key);
}

static char *
form_encode (Form    *form,
             gboolean url_args,
             gboolean body_args)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < form->keys->len; i++)
    {
      const char *key = form->keys->pdata[i];
      g_autofree char *k = NULL;
      g_autofree char *v = NULL;

      if (is_url_arg (key) ? !url_args : !body_args)
        continue;
      k = g_uri_escape_string (key, NULL, FALSE);
      v = g_uri_escape_string (form->values->pdata[i], NULL, FALSE);
      g_string_append_printf (s, "%s%s=%s", s->len > 0 ? "&" : "", k, v);
    }
  return g_string_free (s, FALSE);
}

typedef enum
{
  SEND_SDK,        /* URL arguments in the query, the rest in a form body (alipay-sdk) */
  SEND_GET,        /* everything in the query of a GET */
  SEND_BODY,       /* everything in the form body */
} SendMode;

typedef struct
{
  guint     status;
  char     *body;
  char     *key;        /* the member holding the node */
  char     *node_text;  /* its exact bytes */
  JsonNode *node;
} V2Response;

static void
v2_response_free (V2Response *r)
{
  g_free (r->body);
  g_free (r->key);
  g_free (r->node_text);
  if (r->node != NULL)
    json_node_unref (r->node);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (V2Response, v2_response_free)

/* Splits {"KEY":NODE,"sign":"SIG"} the way SDKs do, checks SIG over NODE's exact bytes with the
 * gateway public key, and checks the envelope has nothing else; in certificate mode
 * {"KEY":NODE,"alipay_cert_sn":"SN","sign":"SIG"} with the gateway certificate's SN. */
static V2Response *
v2_parse (guint  status,
          char  *body)
{
  V2Response *r = g_new0 (V2Response, 1);
  const char *colon, *sign_at, *node_end;
  g_autofree char *cert_member = NULL;
  g_autofree char *sig = NULL;
  g_autoptr(JsonNode) whole = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *obj;

  r->status = status;
  r->body = body;
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (g_str_has_prefix (body, "{\""));
  g_assert_true (g_str_has_suffix (body, "\"}"));
  colon = strstr (body, "\":");
  g_assert_nonnull (colon);
  r->key = g_strndup (body + 2, colon - body - 2);
  sign_at = g_strrstr (body, ",\"sign\":\"");
  g_assert_nonnull (sign_at);
  node_end = sign_at;
  if (sdk.gateway_cert_sn != NULL)
    {
      cert_member = g_strdup_printf (",\"alipay_cert_sn\":\"%s\"", sdk.gateway_cert_sn);
      node_end = sign_at - strlen (cert_member);
      g_assert_true (node_end > colon);
      g_assert_true (g_str_has_prefix (node_end, cert_member));
    }
  r->node_text = g_strndup (colon + 2, node_end - colon - 2);
  sig = g_strndup (sign_at + 9, strlen (sign_at + 9) - 2);

  if (!authsim_keys_verify_gateway (shared_keys, r->node_text, strlen (r->node_text), sig,
                                    &error))
    g_error ("response signature does not verify (%s): %s", error->message, body);

  whole = test_parse (body);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (whole));
  obj = json_node_get_object (whole);
  g_assert_cmpuint (json_object_get_size (obj), ==, sdk.gateway_cert_sn != NULL ? 3 : 2);
  g_assert_true (json_object_has_member (obj, r->key));
  g_assert_cmpstr (json_object_get_string_member (obj, "sign"), ==, sig);
  if (sdk.gateway_cert_sn != NULL)
    g_assert_cmpstr (json_object_get_string_member (obj, "alipay_cert_sn"), ==,
                     sdk.gateway_cert_sn);
  r->node = test_parse (r->node_text);
  test_assert_json_equal (json_object_get_member (obj, r->key), r->node, r->key);
  return r;
}

static V2Response *
v2_send (Fixture    *f,
         Form       *form,
         SendMode    mode)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *query = NULL;
  g_autofree char *body = NULL;
  g_autofree char *url = NULL;
  guint status = 0;
  char *response;

  switch (mode)
    {
    case SEND_SDK:
      query = form_encode (form, TRUE, FALSE);
      body = form_encode (form, FALSE, TRUE);
      break;
    case SEND_GET:
      query = form_encode (form, TRUE, TRUE);
      break;
    case SEND_BODY:
      query = g_strdup ("");
      body = form_encode (form, TRUE, TRUE);
      break;
    }

  url = g_strdup_printf ("%s/gateway.do%s%s", f->base, *query ? "?" : "", query);
  msg = soup_message_new (mode == SEND_GET ? "GET" : "POST", url);
  g_assert_nonnull (msg);
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded",
                                                bytes);
    }
  response = http_send (f, msg, &status);
  return v2_parse (status, response);
}

/* Signs @form and sends it as alipay-sdk does. */
static V2Response *
v2_call (Fixture *f,
         Form    *form)
{
  form_sign (form);
  return v2_send (f, form, SEND_SDK);
}

static const char *
expected_msg (const char *code)
{
  if (strcmp (code, "40001") == 0)
    return "Missing Required Arguments";
  if (strcmp (code, "40002") == 0)
    return "Invalid Arguments";
  if (strcmp (code, "40003") == 0)
    return "Insufficient Conditions";
  if (strcmp (code, "40006") == 0)
    return "Insufficient Permissions";
  if (strcmp (code, "20001") == 0)
    return "Insufficient Token Permissions";
  g_assert_not_reached ();
}

/* The node is exactly {code, msg, sub_code, sub_msg} under @key; returns sub_msg. */
static const char *
assert_v2_error (V2Response *r,
                 const char *key,
                 const char *code,
                 const char *sub_code)
{
  JsonObject *node;

  g_assert_cmpstr (r->key, ==, key);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (r->node));
  node = json_node_get_object (r->node);
  g_assert_cmpuint (json_object_get_size (node), ==, 4);
  g_assert_cmpstr (json_object_get_string_member (node, "code"), ==, code);
  g_assert_cmpstr (json_object_get_string_member (node, "msg"), ==, expected_msg (code));
  g_assert_cmpstr (json_object_get_string_member (node, "sub_code"), ==, sub_code);
  g_assert_true (strlen (json_object_get_string_member (node, "sub_msg")) > 0);
  return json_object_get_string_member (node, "sub_msg");
}

#define TOKEN_KEY "alipay_system_oauth_token_response"
#define SHARE_KEY "alipay_user_info_share_response"

static V2Response *
exchange_code (Fixture    *f,
               const char *app_id,
               const char *code)
{
  g_autoptr(Form) form = v2_form (app_id, "alipay.system.oauth.token");

  form_add (form, "grant_type", "authorization_code");
  form_add (form, "code", code);
  return v2_call (f, form);
}

static V2Response *
user_info (Fixture    *f,
           const char *app_id,
           const char *auth_token)
{
  g_autoptr(Form) form = v2_form (app_id, "alipay.user.info.share");

  form_add (form, "auth_token", auth_token);
  return v2_call (f, form);
}

static char *
issue_code (Fixture    *f,
            const char *app_id,
            const char *scope,
            guint       call)
{
  const char *scopes[] = { scope, NULL };

  return authsim_store_issue_code (f->store, app_id, f->user_id, scopes, call);
}

static const char *
node_string (V2Response *r,
             const char *member)
{
  JsonObject *node = json_node_get_object (r->node);

  g_assert_true (json_object_has_member (node, member));
  return json_object_get_string_member (node, member);
}

/* ------------------------------------------------------------------------------------------ */
/* The log                                                                                    */

/* The last gateway "request" event (transfer full). */
static AuthsimEvent *
last_request_event (Fixture *f)
{
  guint n;

  /* The server thread logs each request before it answers: it is in the log by now. */
  authsim_log_flush (f->log);
  n = g_list_model_get_n_items (G_LIST_MODEL (f->log));

  while (n-- > 0)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (G_LIST_MODEL (f->log), n);
      JsonObject *obj = authsim_event_get_object (event);

      if (g_strcmp0 (authsim_event_get_kind (event), "gateway") == 0 &&
          g_strcmp0 (json_object_get_string_member_with_default (obj, "event", ""),
                     "request") == 0)
        return g_steal_pointer (&event);
    }
  return NULL;
}

static guint
count_request_events (Fixture *f)
{
  guint count = 0;

  authsim_log_flush (f->log);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (f->log)); i++)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (G_LIST_MODEL (f->log), i);
      JsonObject *obj = authsim_event_get_object (event);

      count += g_strcmp0 (authsim_event_get_kind (event), "gateway") == 0 &&
               g_strcmp0 (json_object_get_string_member_with_default (obj, "event", ""),
                          "request") == 0;
    }
  return count;
}

/* Asserts the last request event, member by member; NULL strings mean JSON null. Its sign
 * mode is the fixture's; @encrypted, whether the request asked for AES. */
static void
assert_request_event_full (Fixture    *f,
                           const char *method,
                           const char *version,
                           const char *code,
                           const char *sub_code,
                           guint       status,
                           guint       call,
                           gboolean    encrypted)
{
  g_autoptr(AuthsimEvent) event = NULL;
  JsonObject *obj;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) expected = NULL;
  g_autoptr(JsonNode) actual = NULL;

  test_wait_until ((event = last_request_event (f)) != NULL);
  obj = authsim_event_get_object (event);
  g_assert_cmpuint (authsim_event_get_call (event), ==, call);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "seq");
  json_builder_add_int_value (b, json_object_get_int_member (obj, "seq"));
  json_builder_set_member_name (b, "time");
  json_builder_add_string_value (b, json_object_get_string_member (obj, "time"));
  json_builder_set_member_name (b, "call");
  if (call != 0)
    json_builder_add_int_value (b, call);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, "gateway");
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, "request");
  json_builder_set_member_name (b, "method");
  method != NULL ? json_builder_add_string_value (b, method) : json_builder_add_null_value (b);
  json_builder_set_member_name (b, "version");
  version != NULL ? json_builder_add_string_value (b, version) : json_builder_add_null_value (b);
  json_builder_set_member_name (b, "code");
  code != NULL ? json_builder_add_string_value (b, code) : json_builder_add_null_value (b);
  json_builder_set_member_name (b, "sub_code");
  sub_code != NULL ? json_builder_add_string_value (b, sub_code)
                   : json_builder_add_null_value (b);
  json_builder_set_member_name (b, "status");
  json_builder_add_int_value (b, status);
  json_builder_set_member_name (b, "sign_mode");
  json_builder_add_string_value (b, f->cert ? "cert" : "key");
  json_builder_set_member_name (b, "encrypted");
  json_builder_add_boolean_value (b, encrypted);
  json_builder_end_object (b);

  expected = json_builder_get_root (b);
  actual = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (actual, obj);
  test_assert_json_equal (expected, actual, "event");
}

static void
assert_request_event (Fixture    *f,
                      const char *method,
                      const char *version,
                      const char *code,
                      const char *sub_code,
                      guint       status,
                      guint       call)
{
  assert_request_event_full (f, method, version, code, sub_code, status, call, FALSE);
}

/* ------------------------------------------------------------------------------------------ */
/* Start and stop                                                                             */

static void
test_listening (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *url = g_strdup_printf ("%s/gateway.do", f->base);
  g_autoptr(AuthsimEvent) first = NULL;
  g_autoptr(AuthsimGateway) other = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *obj;
  guint port = authsim_gateway_get_port (f->gateway);

  g_assert_cmpuint (port, >, 0);
  g_assert_cmpstr (authsim_gateway_get_url (f->gateway), ==, url);

  /* The listening event comes first, with the URL. */
  test_wait_until (g_list_model_get_n_items (G_LIST_MODEL (f->log)) > 0);
  first = g_list_model_get_item (G_LIST_MODEL (f->log), 0);
  obj = authsim_event_get_object (first);
  g_assert_cmpstr (authsim_event_get_kind (first), ==, "gateway");
  g_assert_cmpuint (authsim_event_get_call (first), ==, 0);
  test_assert_json_equal_str ("\"listening\"", json_object_get_member (obj, "event"), "event");
  g_assert_cmpstr (json_object_get_string_member (obj, "url"), ==, url);
  /* Key mode: no certificate SNs. */
  g_assert_cmpstr (json_object_get_string_member (obj, "sign_mode"), ==, "key");
  g_assert_cmpuint (json_object_get_size (obj), ==, 7);
  g_assert_cmpuint (authsim_gateway_get_sign_mode (f->gateway), ==, AUTHSIM_SIGN_MODE_KEY);

  /* The port is taken: a second gateway on it fails with an error, not a crash. */
  other = authsim_gateway_new (f->engine, f->store, f->log, shared_keys);
  g_assert_false (authsim_gateway_start (other, "127.0.0.1", port, &error));
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO);
  g_assert_null (authsim_gateway_get_url (other));
  g_clear_error (&error);

  /* Not an IP address. */
  g_assert_false (authsim_gateway_start (other, "gateway.example", 0, &error));
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID);
  g_clear_error (&error);

  /* IPv6 loopback, where available, gets brackets. */
  if (authsim_gateway_start (other, "::1", 0, NULL))
    {
      g_autofree char *v6 = g_strdup_printf ("http://[::1]:%u/gateway.do",
                                             authsim_gateway_get_port (other));

      g_assert_cmpstr (authsim_gateway_get_url (other), ==, v6);
    }

  authsim_gateway_stop (f->gateway);
  g_assert_null (authsim_gateway_get_url (f->gateway));
  g_assert_cmpuint (authsim_gateway_get_port (f->gateway), ==, 0);

  /* Restarting on the same port works once it is free. */
  g_assert_true (authsim_gateway_start (f->gateway, NULL, port, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (authsim_gateway_get_url (f->gateway), ==, url);
}

/* ------------------------------------------------------------------------------------------ */
/* alipay.system.oauth.token                                                                  */

static void
assert_auth_start (const char *auth_start,
                   gint64      virtual_now)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_offset (8 * 3600);
  g_autoptr(GDateTime) parsed = NULL;
  g_autofree char *iso = NULL;

  g_assert_cmpuint (strlen (auth_start), ==, 19);
  iso = g_strdup_printf ("%.10sT%s", auth_start, auth_start + 11);
  parsed = g_date_time_new_from_iso8601 (iso, tz);
  g_assert_nonnull (parsed);
  /* Asia/Shanghai: within a few seconds of the virtual clock when the token was issued. */
  g_assert_cmpint (ABS (g_date_time_to_unix (parsed) - virtual_now), <=, 5);
}

static void
test_token_success (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *code = issue_code (f, f->app_id, "auth_user", 7);
  g_autoptr(V2Response) r = NULL;
  JsonObject *node;
  g_autoptr(GList) members = NULL;
  static const char * const order[] = {
    "user_id", "access_token", "expires_in", "refresh_token", "re_expires_in", "auth_start",
  };
  guint i = 0;

  r = exchange_code (f, f->app_id, code);
  g_assert_cmpstr (r->key, ==, TOKEN_KEY);
  node = json_node_get_object (r->node);

  /* Exactly these members, in production's order. */
  members = json_object_get_members (node);
  g_assert_cmpuint (g_list_length (members), ==, G_N_ELEMENTS (order));
  for (GList *l = members; l != NULL; l = l->next, i++)
    g_assert_cmpstr (l->data, ==, order[i]);

  g_assert_cmpstr (json_object_get_string_member (node, "user_id"), ==, f->user_id);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (node, "access_token"),
                                   "authusrB"));
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (node, "expires_in")),
                   ==, G_TYPE_INT64);
  g_assert_cmpint (json_object_get_int_member (node, "expires_in"), ==, 1296000);
  g_assert_cmpint (json_object_get_int_member (node, "re_expires_in"), ==, 2592000);
  g_assert_cmpstr (json_object_get_string_member (node, "refresh_token"), !=,
                   json_object_get_string_member (node, "access_token"));
  assert_auth_start (json_object_get_string_member (node, "auth_start"),
                     authsim_store_now (f->store));

  assert_request_event (f, "alipay.system.oauth.token", "v2", "10000", NULL, 200, 7);
}

static void
test_token_auth_base (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *code = issue_code (f, f->app_id, "auth_base", 3);
  g_autoptr(V2Response) r = exchange_code (f, f->app_id, code);
  JsonObject *node = json_node_get_object (r->node);

  g_assert_true (g_str_has_prefix (json_object_get_string_member (node, "access_token"),
                                   "authbseB"));
  g_assert_cmpint (json_object_get_int_member (node, "expires_in"), ==, 31536000);
  g_assert_cmpint (json_object_get_int_member (node, "re_expires_in"), ==, 31536000);
}

static void
test_token_code_single_use (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *code = issue_code (f, f->app_id, "auth_user", 11);
  g_autoptr(V2Response) first = exchange_code (f, f->app_id, code);
  g_autoptr(V2Response) second = NULL;

  g_assert_cmpstr (first->key, ==, TOKEN_KEY);
  second = exchange_code (f, f->app_id, code);
  /* Business errors of oauth.token: signed error_response, as production. */
  assert_v2_error (second, "error_response", "40002", "isv.code-invalid");
  /* The failing exchange is still linked to the call that produced the code. */
  assert_request_event (f, "alipay.system.oauth.token", "v2", "40002", "isv.code-invalid",
                        200, 11);
}

static void
test_token_code_expired (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *code = issue_code (f, f->app_id, "auth_user", 4);
  g_autofree char *fresh = NULL;
  g_autoptr(V2Response) r = NULL;
  g_autoptr(V2Response) ok = NULL;

  authsim_store_advance_clock (f->store, authsim_store_get_code_lifetime (f->store) + 1);
  r = exchange_code (f, f->app_id, code);
  assert_v2_error (r, "error_response", "40002", "isv.code-invalid");
  assert_request_event (f, "alipay.system.oauth.token", "v2", "40002", "isv.code-invalid",
                        200, 4);

  /* A code issued after the jump is fine. */
  fresh = issue_code (f, f->app_id, "auth_user", 5);
  ok = exchange_code (f, f->app_id, fresh);
  g_assert_cmpstr (ok->key, ==, TOKEN_KEY);
}

static void
test_token_unknown_code (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(V2Response) r = exchange_code (f, f->app_id, "00000000000000000000000000000000");

  assert_v2_error (r, "error_response", "40002", "isv.code-invalid");
  assert_request_event (f, "alipay.system.oauth.token", "v2", "40002", "isv.code-invalid",
                        200, 0);
}

/* In plugin context the code belongs to the host: only its app id can exchange it. */
static void
test_token_plugin_code (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *code = issue_code (f, f->host_app_id, "auth_user", 21);
  g_autofree char *code2 = issue_code (f, f->host_app_id, "auth_user", 22);
  g_autoptr(V2Response) wrong = NULL;
  g_autoptr(V2Response) spent = NULL;
  g_autoptr(V2Response) right = NULL;

  wrong = exchange_code (f, f->app_id, code);
  assert_v2_error (wrong, "error_response", "40002", "isv.unmatched-app-id");
  assert_request_event (f, "alipay.system.oauth.token", "v2", "40002", "isv.unmatched-app-id",
                        200, 21);

  /* The failed exchange spent it. */
  spent = exchange_code (f, f->host_app_id, code);
  assert_v2_error (spent, "error_response", "40002", "isv.code-invalid");

  right = exchange_code (f, f->host_app_id, code2);
  g_assert_cmpstr (right->key, ==, TOKEN_KEY);
  g_assert_cmpstr (node_string (right, "user_id"), ==, f->user_id);
  assert_request_event (f, "alipay.system.oauth.token", "v2", "10000", NULL, 200, 22);
}

static void
test_token_bad_arguments (Fixture       *f,
                          gconstpointer  data)
{
  struct {
    const char *grant_type;
    const char *code;
    const char *error_code;
    const char *sub_code;
  } cases[] = {
    { NULL, "abc", "40001", "isv.missing-grant-type" },
    { "", "abc", "40001", "isv.missing-grant-type" },
    { "authorization_code", NULL, "40001", "isv.missing-code" },
    { "authorization_code", "", "40001", "isv.missing-code" },
    { "refresh_token", NULL, "40001", "isv.missing-refresh-token" },
    { "password", "abc", "40002", "isv.grant-type-invalid" },
    { "AUTHORIZATION_CODE", "abc", "40002", "isv.grant-type-invalid" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(Form) form = v2_form (f->app_id, "alipay.system.oauth.token");
      g_autoptr(V2Response) r = NULL;

      if (cases[i].grant_type != NULL)
        form_add (form, "grant_type", cases[i].grant_type);
      if (cases[i].code != NULL)
        form_add (form, "code", cases[i].code);
      r = v2_call (f, form);
      assert_v2_error (r, "error_response", cases[i].error_code, cases[i].sub_code);
    }
}

static void
test_token_refresh (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *code = issue_code (f, f->app_id, "auth_user", 31);
  g_autoptr(V2Response) first = exchange_code (f, f->app_id, code);
  g_autofree char *access1 = g_strdup (node_string (first, "access_token"));
  g_autofree char *refresh1 = g_strdup (node_string (first, "refresh_token"));
  g_autoptr(V2Response) second = NULL;
  g_autoptr(V2Response) replay = NULL;
  g_autoptr(V2Response) old_access = NULL;
  g_autoptr(V2Response) new_access = NULL;
  g_autoptr(V2Response) expired = NULL;
  g_autoptr(V2Response) other_app = NULL;
  g_autoptr(Form) form = v2_form (f->app_id, "alipay.system.oauth.token");

  form_add (form, "grant_type", "refresh_token");
  form_add (form, "refresh_token", refresh1);
  second = v2_call (f, form);
  g_assert_cmpstr (second->key, ==, TOKEN_KEY);
  g_assert_cmpstr (node_string (second, "user_id"), ==, f->user_id);
  g_assert_cmpstr (node_string (second, "access_token"), !=, access1);
  g_assert_cmpstr (node_string (second, "refresh_token"), !=, refresh1);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (second->node), "expires_in"),
                   ==, 1296000);
  /* The rotated chain keeps the call of the code that started it. */
  assert_request_event (f, "alipay.system.oauth.token", "v2", "10000", NULL, 200, 31);

  /* Rotation: the old refresh token and the old access token stop working. */
  form_remove (form, "sign");
  replay = v2_call (f, form);
  assert_v2_error (replay, "error_response", "40002", "isv.refresh-token-invalid");

  old_access = user_info (f, f->app_id, access1);
  assert_v2_error (old_access, SHARE_KEY, "20001", "aop.invalid-auth-token");

  new_access = user_info (f, f->app_id, node_string (second, "access_token"));
  g_assert_cmpstr (node_string (new_access, "code"), ==, "10000");

  /* Another app cannot use the refresh token. */
  {
    g_autoptr(Form) other = v2_form (f->host_app_id, "alipay.system.oauth.token");

    form_add (other, "grant_type", "refresh_token");
    form_add (other, "refresh_token", node_string (second, "refresh_token"));
    other_app = v2_call (f, other);
    assert_v2_error (other_app, "error_response", "40002", "isv.refresh-token-invalid");
  }

  /* Past re_expires_in the refresh token has timed out. */
  authsim_store_advance_clock (f->store, 2592000 + 10);
  {
    g_autoptr(Form) late = v2_form (f->app_id, "alipay.system.oauth.token");

    form_add (late, "grant_type", "refresh_token");
    form_add (late, "refresh_token", node_string (second, "refresh_token"));
    expired = v2_call (f, late);
    assert_v2_error (expired, "error_response", "40002", "isv.refresh-token-time-out");
  }
}

/* ------------------------------------------------------------------------------------------ */
/* alipay.user.info.share                                                                     */

/* A token for @scope, through a real exchange. */
static char *
get_token (Fixture    *f,
           const char *app_id,
           const char *scope,
           guint       call)
{
  g_autofree char *code = issue_code (f, app_id, scope, call);
  g_autoptr(V2Response) r = exchange_code (f, app_id, code);

  g_assert_cmpstr (r->key, ==, TOKEN_KEY);
  return g_strdup (node_string (r, "access_token"));
}

/* What user.info.share must answer, built from the profile and the users file. */
static JsonNode *
expected_share_node (Fixture    *f,
                     const char *id_member,
                     const char *id_value)
{
  AuthsimUser *user = authsim_users_find (f->users, f->user_id);
  JsonObject *info = authsim_user_get_info (user);
  const char * const *fields = authsim_profile_get_user_info_fields (f->profile);
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, "10000");
  json_builder_set_member_name (b, "msg");
  json_builder_add_string_value (b, "Success");
  json_builder_set_member_name (b, id_member);
  json_builder_add_string_value (b, id_value);
  for (; fields != NULL && *fields != NULL; fields++)
    {
      /* camelCase field → snake_case key, written out here rather than asked of the code. */
      GString *key = g_string_new (NULL);

      for (const char *p = *fields; *p != '\0'; p++)
        {
          if (g_ascii_isupper (*p))
            {
              g_string_append_c (key, '_');
              g_string_append_c (key, g_ascii_tolower (*p));
            }
          else
            g_string_append_c (key, *p);
        }
      if (json_object_has_member (info, key->str))
        {
          json_builder_set_member_name (b, key->str);
          json_builder_add_string_value (b, json_object_get_string_member (info, key->str));
        }
      g_string_free (key, TRUE);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
test_share_success (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *token = get_token (f, f->app_id, "auth_user", 41);
  g_autoptr(V2Response) r = user_info (f, f->app_id, token);
  g_autoptr(JsonNode) expected = expected_share_node (f, "user_id", f->user_id);

  g_assert_cmpstr (r->key, ==, SHARE_KEY);
  /* The demo profile approves several fields; all of them come back, nothing more. */
  g_assert_cmpuint (json_object_get_size (json_node_get_object (expected)), >, 5);
  test_assert_json_equal (expected, r->node, SHARE_KEY);
  assert_request_event (f, "alipay.user.info.share", "v2", "10000", NULL, 200, 41);
}

static void
test_share_fields_follow_profile (Fixture       *f,
                                  gconstpointer  data)
{
  g_autofree char *token = get_token (f, f->app_id, "auth_user", 42);
  const char *fields[] = { "nickName", "city", NULL };
  const char *none[] = { NULL };
  g_autoptr(V2Response) r = NULL;
  g_autoptr(V2Response) bare = NULL;
  g_autoptr(JsonNode) expected = NULL;
  JsonObject *node;

  authsim_profile_set_user_info_fields (f->profile, fields);
  r = user_info (f, f->app_id, token);
  expected = expected_share_node (f, "user_id", f->user_id);
  test_assert_json_equal (expected, r->node, SHARE_KEY);
  node = json_node_get_object (r->node);
  g_assert_cmpuint (json_object_get_size (node), ==, 5);
  g_assert_true (json_object_has_member (node, "nick_name"));
  g_assert_true (json_object_has_member (node, "city"));

  authsim_profile_set_user_info_fields (f->profile, none);
  bare = user_info (f, f->app_id, token);
  g_assert_cmpuint (json_object_get_size (json_node_get_object (bare->node)), ==, 3);
}

/* The server thread reads a snapshot of the users: an edit in the window must reach the very
 * next request, and a removed value must disappear from it. */
static void
test_share_follows_user_edits (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *token = get_token (f, f->app_id, "auth_user", 44);
  AuthsimUser *user = authsim_users_find (authsim_engine_get_users (f->engine), f->user_id);
  const char *fields[] = { "nickName", "city", NULL };
  g_autoptr(V2Response) before = NULL;
  g_autoptr(V2Response) edited = NULL;
  g_autoptr(V2Response) removed = NULL;
  g_autofree char *old_nick = NULL;

  g_assert_nonnull (user);
  authsim_profile_set_user_info_fields (f->profile, fields);
  before = user_info (f, f->app_id, token);
  old_nick = g_strdup (json_object_get_string_member (json_node_get_object (before->node),
                                                      "nick_name"));
  g_assert_cmpstr (old_nick, ==, authsim_user_get_info_value (user, "nick_name"));
  g_assert_true (json_object_has_member (json_node_get_object (before->node), "city"));

  authsim_user_set_info_value (user, "nick_name", "改过的昵称");
  edited = user_info (f, f->app_id, token);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (edited->node),
                                                  "nick_name"), ==, "改过的昵称");

  authsim_user_set_info_value (user, "city", NULL);
  removed = user_info (f, f->app_id, token);
  g_assert_false (json_object_has_member (json_node_get_object (removed->node), "city"));
  g_assert_true (json_object_has_member (json_node_get_object (removed->node), "nick_name"));
}

static void
test_share_auth_base (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *token = get_token (f, f->app_id, "auth_base", 43);
  g_autoptr(V2Response) r = user_info (f, f->app_id, token);
  const char *sub_msg = assert_v2_error (r, SHARE_KEY, "40006",
                                         "isv.insufficient-isv-permissions");

  g_assert_cmpstr (sub_msg, ==, "ISV权限不足，建议在开发者中心检查对应功能是否已经添加");
  assert_request_event (f, "alipay.user.info.share", "v2", "40006",
                        "isv.insufficient-isv-permissions", 200, 43);
}

static void
test_share_invalid_tokens (Fixture       *f,
                           gconstpointer  data)
{
  const char *scopes[] = { "auth_user", NULL };
  g_autofree char *token = get_token (f, f->app_id, "auth_user", 44);
  g_autofree char *expiring = get_token (f, f->app_id, "auth_user", 45);
  g_autofree char *host_token = get_token (f, f->host_app_id, "auth_user", 46);
  g_autoptr(V2Response) unknown = NULL;
  g_autoptr(V2Response) revoked = NULL;
  g_autoptr(V2Response) wrong_app = NULL;
  g_autoptr(V2Response) expired = NULL;
  g_autoptr(V2Response) missing = NULL;
  g_autoptr(Form) form = v2_form (f->app_id, "alipay.user.info.share");

  unknown = user_info (f, f->app_id, "authusrB00000000000000000000000000000000");
  g_assert_cmpstr (assert_v2_error (unknown, SHARE_KEY, "20001", "aop.invalid-auth-token"),
                   ==, "无效的访问令牌");

  /* A token of the host app used by the plugin's app id. */
  wrong_app = user_info (f, f->app_id, host_token);
  assert_v2_error (wrong_app, SHARE_KEY, "20001", "aop.invalid-auth-token");

  /* Revoking the grant invalidates the user's tokens for that app. */
  authsim_store_grant (f->store, f->user_id, f->app_id, scopes);
  g_assert_true (authsim_store_revoke (f->store, f->user_id, f->app_id));
  revoked = user_info (f, f->app_id, token);
  assert_v2_error (revoked, SHARE_KEY, "20001", "aop.invalid-auth-token");

  /* Expired, through the virtual clock. */
  {
    g_autofree char *fresh = get_token (f, f->app_id, "auth_user", 47);

    authsim_store_advance_clock (f->store, 1296000 + 1);
    expired = user_info (f, f->app_id, fresh);
    g_assert_cmpstr (assert_v2_error (expired, SHARE_KEY, "20001", "aop.auth-token-time-out"),
                     ==, "访问令牌已过期");
  }

  missing = v2_call (f, form);
  assert_v2_error (missing, SHARE_KEY, "40001", "isv.missing-auth-token");
}

static void
test_open_id_mode (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *code = issue_code (f, f->app_id, "auth_user", 51);
  g_autofree char *open_id = authsim_open_id (f->app_id, f->user_id);
  g_autofree char *host_open_id = authsim_open_id (f->host_app_id, f->user_id);
  g_autoptr(V2Response) r = NULL;
  g_autoptr(V2Response) share = NULL;
  g_autoptr(JsonNode) expected = NULL;
  JsonObject *node;

  g_assert_cmpuint (strlen (open_id), ==, 47);
  g_assert_cmpstr (open_id, !=, host_open_id);

  authsim_profile_set_id_mode (f->profile, AUTHSIM_ID_MODE_OPEN_ID);
  r = exchange_code (f, f->app_id, code);
  node = json_node_get_object (r->node);
  g_assert_false (json_object_has_member (node, "user_id"));
  g_assert_cmpstr (json_object_get_string_member (node, "open_id"), ==, open_id);

  share = user_info (f, f->app_id, json_object_get_string_member (node, "access_token"));
  expected = expected_share_node (f, "open_id", open_id);
  test_assert_json_equal (expected, share->node, SHARE_KEY);
}

/* ------------------------------------------------------------------------------------------ */
/* Gateway-level checks                                                                       */

static void
test_missing_parameters (Fixture       *f,
                         gconstpointer  data)
{
  struct {
    const char *param;
    const char *sub_code;
  } cases[] = {
    { "app_id", "isv.missing-app-id" },
    { "method", "isv.missing-method" },
    { "sign_type", "isv.missing-signature-type" },
    { "sign", "isv.missing-signature" },
    { "timestamp", "isv.missing-timestamp" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    for (int empty = 0; empty < 2; empty++)
      {
        g_autoptr(Form) form = v2_form (f->app_id, "alipay.system.oauth.token");
        g_autoptr(V2Response) r = NULL;
        const char *key = strcmp (cases[i].param, "method") == 0 ? "error_response" : TOKEN_KEY;

        form_add (form, "grant_type", "authorization_code");
        form_add (form, "code", "x");
        form_sign (form);
        /* Absent, or present with an empty value: the same for the gateway. */
        if (empty)
          form_set (form, cases[i].param, "");
        else
          form_remove (form, cases[i].param);
        r = v2_send (f, form, SEND_SDK);
        assert_v2_error (r, key, "40001", cases[i].sub_code);
        assert_request_event (f, strcmp (cases[i].param, "method") == 0
                                 ? NULL : "alipay.system.oauth.token",
                              "v2", "40001", cases[i].sub_code, 200, 0);
      }

  /* Order: app_id is reported before method, method before the signature … */
  {
    g_autoptr(Form) form = form_new ();
    g_autoptr(V2Response) r = v2_send (f, form, SEND_SDK);

    assert_v2_error (r, "error_response", "40001", "isv.missing-app-id");
  }
}

static void
test_invalid_parameters (Fixture       *f,
                         gconstpointer  data)
{
  struct {
    const char *param;
    const char *value;
    const char *key;
    const char *sub_code;
  } cases[] = {
    { "app_id", "2021000000000000", TOKEN_KEY, "isv.invalid-app-id" },
    { "app_id", "not an app", TOKEN_KEY, "isv.invalid-app-id" },
    { "method", "alipay.trade.pay", "error_response", "isv.invalid-method" },
    { "method", "alipay.system.oauth.token.x", "error_response", "isv.invalid-method" },
    { "timestamp", "2024-13-01 00:00:00", TOKEN_KEY, "isv.invalid-timestamp" },
    { "timestamp", "2024-02-30 10:00:00", TOKEN_KEY, "isv.invalid-timestamp" },
    { "timestamp", "2024-01-01T10:00:00", TOKEN_KEY, "isv.invalid-timestamp" },
    { "timestamp", "1700000000", TOKEN_KEY, "isv.invalid-timestamp" },
    { "timestamp", "2024-01-01 10:00", TOKEN_KEY, "isv.invalid-timestamp" },
    { "timestamp", "2024-01-01 24:00:00", TOKEN_KEY, "isv.invalid-timestamp" },
    { "sign_type", "RSA", TOKEN_KEY, "isv.invalid-signature-type" },
    { "sign_type", "rsa2", TOKEN_KEY, "isv.invalid-signature-type" },
    { "charset", "GBK", TOKEN_KEY, "isv.invalid-charset" },
    { "format", "xml", TOKEN_KEY, "isv.invalid-format" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(Form) form = v2_form (f->app_id, "alipay.system.oauth.token");
      g_autoptr(V2Response) r = NULL;

      form_add (form, "grant_type", "authorization_code");
      form_add (form, "code", "x");
      form_set (form, cases[i].param, cases[i].value);
      r = v2_call (f, form);
      g_test_message ("%s=%s", cases[i].param, cases[i].value);
      assert_v2_error (r, cases[i].key, "40002", cases[i].sub_code);
    }

  /* The host's app id is accepted (plugin context). */
  {
    g_autoptr(Form) form = v2_form (f->host_app_id, "alipay.system.oauth.token");
    g_autoptr(V2Response) r = NULL;

    form_add (form, "grant_type", "authorization_code");
    form_add (form, "code", "x");
    r = v2_call (f, form);
    assert_v2_error (r, "error_response", "40002", "isv.code-invalid");
  }
  /* "format=JSON" and "charset=UTF-8" are accepted. */
  {
    g_autoptr(Form) form = v2_form (f->app_id, "alipay.system.oauth.token");
    g_autoptr(V2Response) r = NULL;

    form_add (form, "format", "JSON");
    form_set (form, "charset", "UTF-8");
    form_add (form, "grant_type", "authorization_code");
    form_add (form, "code", "x");
    r = v2_call (f, form);
    assert_v2_error (r, "error_response", "40002", "isv.code-invalid");
  }
}

static void
test_bad_signature (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(Form) form = v2_form (f->app_id, "alipay.system.oauth.token");
  g_autoptr(V2Response) r = NULL;
  g_autoptr(V2Response) garbage = NULL;
  g_autofree char *content = NULL;
  g_autofree char *expected = NULL;
  const char *sub_msg;

  form_add (form, "grant_type", "authorization_code");
  form_add (form, "code", "abc");
  form_sign (form);
  /* Changed after signing: what the gateway verifies is no longer what was signed. */
  form_set (form, "code", "abd");
  r = v2_send (f, form, SEND_SDK);
  sub_msg = assert_v2_error (r, TOKEN_KEY, "40002", "isv.invalid-signature");

  content = form_sign_content (form);
  expected = g_strconcat ("验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，"
                          "网关生成的验签字符串为：", content, NULL);
  g_assert_cmpstr (sub_msg, ==, expected);
  /* sign_type is part of the signed string; sign is not. */
  g_assert_nonnull (strstr (content, "sign_type=RSA2"));
  g_assert_null (strstr (content, "sign="));
  assert_request_event (f, "alipay.system.oauth.token", "v2", "40002",
                        "isv.invalid-signature", 200, 0);

  /* A signature that is not even base64. */
  form_set (form, "sign", "*** not base64 ***");
  garbage = v2_send (f, form, SEND_SDK);
  assert_v2_error (garbage, TOKEN_KEY, "40002", "isv.invalid-signature");
}

static void
test_signature_rules (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *code = issue_code (f, f->app_id, "auth_user", 61);
  g_autoptr(V2Response) ok = NULL;
  g_autoptr(V2Response) without_type = NULL;

  /* Empty values are left out of the signed string (a client signing without them passes),
   * and parameters unknown to the method are still signed. */
  {
    g_autoptr(Form) form = v2_form (f->app_id, "alipay.system.oauth.token");

    form_add (form, "grant_type", "authorization_code");
    form_add (form, "code", code);
    form_add (form, "biz_content", "{\"x\":\"中文 & = + %\"}");
    form_sign (form);
    form_add (form, "notify_url", "");
    ok = v2_send (f, form, SEND_SDK);
    g_assert_cmpstr (ok->key, ==, TOKEN_KEY);
  }

  /* A client that leaves sign_type out of its signed string fails. */
  {
    g_autoptr(Form) form = v2_form (f->app_id, "alipay.system.oauth.token");
    g_autofree char *content = NULL;
    g_autofree char *sign = NULL;

    form_add (form, "grant_type", "authorization_code");
    form_add (form, "code", "whatever");
    form_remove (form, "sign_type");
    content = form_sign_content (form);
    sign = authsim_keys_sign_as_app (shared_keys, content, strlen (content), NULL);
    form_add (form, "sign_type", "RSA2");
    form_add (form, "sign", sign);
    without_type = v2_send (f, form, SEND_SDK);
    assert_v2_error (without_type, TOKEN_KEY, "40002", "isv.invalid-signature");
  }
}

static void
test_transport_modes (Fixture       *f,
                      gconstpointer  data)
{
  /* All in the query of a GET, all in the body of a POST: merged the same way. */
  for (int mode = SEND_GET; mode <= SEND_BODY; mode++)
    {
      g_autofree char *code = issue_code (f, f->app_id, "auth_user", 70 + mode);
      g_autoptr(Form) form = v2_form (f->app_id, "alipay.system.oauth.token");
      g_autoptr(V2Response) r = NULL;

      form_add (form, "grant_type", "authorization_code");
      form_add (form, "code", code);
      form_sign (form);
      r = v2_send (f, form, mode);
      g_assert_cmpstr (r->key, ==, TOKEN_KEY);
      g_assert_cmpstr (node_string (r, "user_id"), ==, f->user_id);
    }
}

static void
test_malformed_parameters (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(Form) form = v2_form (f->app_id, "alipay.system.oauth.token");
  g_autofree char *query = NULL;
  struct {
    const char *extra_query;
    const char *content_type;
    const char *body;
    const char *key;
    const char *sub_code;
  } cases[] = {
    /* the same key twice, across query and body or within one */
    { "", "application/x-www-form-urlencoded", "app_id=2021004112345678", TOKEN_KEY,
      "isv.duplicate-parameter" },
    { "&code=a&code=b", NULL, NULL, TOKEN_KEY, "isv.duplicate-parameter" },
    { "", "application/x-www-form-urlencoded", "code=a&code=b", TOKEN_KEY,
      "isv.duplicate-parameter" },
    /* invalid UTF-8 after decoding */
    { "&code=%FF%FE", NULL, NULL, TOKEN_KEY, "isv.invalid-charset" },
    { "", "application/x-www-form-urlencoded", "code=%C3%28", TOKEN_KEY,
      "isv.invalid-charset" },
    { "&%80=x", NULL, NULL, TOKEN_KEY, "isv.invalid-charset" },
    { "&code=a%00b", NULL, NULL, TOKEN_KEY, "isv.invalid-charset" },
    /* bad percent-encoding (in a request line libsoup refuses it itself: see hostile) */
    { "", "application/x-www-form-urlencoded", "code=%zz", TOKEN_KEY, "isv.invalid-parameter" },
    { "", "application/x-www-form-urlencoded", "code=%4", TOKEN_KEY, "isv.invalid-parameter" },
    { "", "application/x-www-form-urlencoded", "code=100%", TOKEN_KEY,
      "isv.invalid-parameter" },
    /* wrong content types for a body */
    { "", "application/json", "{\"code\":\"x\"}", TOKEN_KEY, "isv.invalid-content-type" },
    { "", "text/plain", "code=x", TOKEN_KEY, "isv.invalid-content-type" },
    { "", "multipart/form-data; boundary=x", "--x--", TOKEN_KEY, "isv.invalid-content-type" },
    { "", "application/x-www-form-urlencoded; charset=GBK", "code=x", TOKEN_KEY,
      "isv.invalid-charset" },
  };

  form_sign (form);
  query = form_encode (form, TRUE, TRUE);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *full = g_strconcat (query, cases[i].extra_query, NULL);
      g_autofree char *url = g_strdup_printf ("%s/gateway.do?%s", f->base, full);
      g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
      g_autoptr(V2Response) r = NULL;
      guint status = 0;
      char *body;

      g_test_message ("case %zu: %s | %s", i, cases[i].extra_query,
                      cases[i].body != NULL ? cases[i].body : "");
      g_assert_nonnull (msg);
      if (cases[i].body != NULL)
        {
          g_autoptr(GBytes) bytes = g_bytes_new (cases[i].body, strlen (cases[i].body));

          soup_message_set_request_body_from_bytes (msg, cases[i].content_type, bytes);
        }
      body = http_send (f, msg, &status);
      r = v2_parse (status, body);
      assert_v2_error (r, cases[i].key, "40002", cases[i].sub_code);
    }

}

/* ------------------------------------------------------------------------------------------ */
/* v3                                                                                         */

typedef struct
{
  guint     status;
  char     *body;
  JsonNode *json;          /* the body parsed, NULL when it is a ciphertext */
  char     *content_type;
  char     *alipay_sn;     /* the alipay-sn header, or NULL */
} V3Response;

static void
v3_response_free (V3Response *r)
{
  g_free (r->body);
  g_free (r->content_type);
  g_free (r->alipay_sn);
  if (r->json != NULL)
    json_node_unref (r->json);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (V3Response, v3_response_free)

/* A v3 request as alipay-sdk 4.x's curl() builds it. */
typedef struct
{
  const char *http_method;
  const char *path_and_query;
  const char *body;          /* what is signed, and sent unless @tamper */
  const char *app_id;
  gboolean    tamper;        /* send another body than the signed one */
  gboolean    with_auth;
  const char *content_type;  /* NULL: application/json, or text/plain when encrypted */
  const char *encrypt_type;  /* the alipay-encrypt-type and -algm headers; NULL: none */
  gboolean    ciphertext;    /* the answer is expected to be a ciphertext (text/plain) */
} V3Request;

/* The authorization alipay-sdk 4.x builds for @req, with the SDK's certificate SN if any. */
static char *
v3_authorization (const V3Request *req)
{
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *cert = sdk.app_cert_sn != NULL
                          ? g_strdup_printf (",app_cert_sn=%s", sdk.app_cert_sn) : g_strdup ("");
  g_autofree char *auth_string = g_strdup_printf ("app_id=%s%s,nonce=%s,timestamp=%" G_GINT64_FORMAT,
                                                  req->app_id, cert, uuid,
                                                  g_get_real_time () / 1000);
  g_autofree char *sign_content = g_strdup_printf ("%s\n%s\n%s\n%s\n", auth_string,
                                                   req->http_method, req->path_and_query,
                                                   req->body);
  g_autofree char *sign = authsim_keys_sign_as_app (shared_keys, sign_content,
                                                    strlen (sign_content), NULL);

  return g_strdup_printf ("ALIPAY-SHA256withRSA %s,sign=%s", auth_string, sign);
}

/* Checks the answer's signature headers with the gateway public key, and its alipay-sn. */
static void
v3_check_answer (SoupMessage *msg,
                 V3Response  *r)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);
  const char *ts = soup_message_headers_get_one (headers, "alipay-timestamp");
  const char *nonce = soup_message_headers_get_one (headers, "alipay-nonce");
  const char *signature = soup_message_headers_get_one (headers, "alipay-signature");
  g_autofree char *content = NULL;

  g_assert_nonnull (ts);
  g_assert_nonnull (nonce);
  g_assert_nonnull (signature);
  content = g_strdup_printf ("%s\n%s\n%s\n", ts, nonce, r->body);
  g_assert_true (authsim_keys_verify_gateway (shared_keys, content, strlen (content), signature,
                                              NULL));
  r->alipay_sn = g_strdup (soup_message_headers_get_one (headers, "alipay-sn"));
  g_assert_cmpstr (r->alipay_sn, ==, sdk.gateway_cert_sn);
}

static V3Response *
v3_send (Fixture         *f,
         const V3Request *req)
{
  g_autofree char *url = g_strconcat (f->base, req->path_and_query, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (req->http_method, url);
  SoupMessageHeaders *headers;
  V3Response *r = g_new0 (V3Response, 1);
  const char *sent = req->tamper ? "{\"grant_type\":\"authorization_code\",\"code\":\"evil\"}"
                                 : req->body;

  g_assert_nonnull (msg);
  headers = soup_message_get_request_headers (msg);
  if (req->with_auth)
    {
      g_autofree char *authorization = v3_authorization (req);

      soup_message_headers_replace (headers, "authorization", authorization);
    }
  if (sdk.root_cert_sn != NULL)
    soup_message_headers_replace (headers, "alipay-root-cert-sn", sdk.root_cert_sn);
  if (req->encrypt_type != NULL)
    {
      soup_message_headers_replace (headers, "alipay-encrypt-type", req->encrypt_type);
      soup_message_headers_replace (headers, "alipay-encryption-algm", req->encrypt_type);
    }
  if (strcmp (req->http_method, "POST") == 0)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (sent, strlen (sent));
      const char *type = req->content_type != NULL ? req->content_type
                         : req->encrypt_type != NULL ? "text/plain" : "application/json";

      soup_message_set_request_body_from_bytes (msg, type, bytes);
    }
  r->body = http_send (f, msg, &r->status);
  r->content_type = g_strdup (soup_message_headers_get_content_type (
                                soup_message_get_response_headers (msg), NULL));
  v3_check_answer (msg, r);

  /* A ciphertext answers only an encrypted request that succeeded; the rest is JSON. */
  g_assert_cmpstr (r->content_type, ==, req->ciphertext ? "text/plain" : "application/json");
  if (!req->ciphertext)
    {
      r->json = test_parse (r->body);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (r->json));
    }
  return r;
}

/* POSTs @body to @path_and_query with the authorization alipay-sdk 4.x builds; checks the
 * response signature headers with the gateway public key. @tamper changes the body after
 * signing. */
static V3Response *
v3_call_full (Fixture    *f,
              const char *http_method,
              const char *path_and_query,
              const char *body,
              const char *app_id,
              gboolean    tamper,
              gboolean    with_auth)
{
  V3Request req = { http_method, path_and_query, body, app_id, tamper, with_auth, NULL, NULL,
                    FALSE };

  return v3_send (f, &req);
}

static V3Response *
v3_call (Fixture    *f,
         const char *path_and_query,
         const char *body)
{
  return v3_call_full (f, "POST", path_and_query, body, f->app_id, FALSE, TRUE);
}

static void
assert_v3_error (V3Response *r,
                 guint       status,
                 const char *code)
{
  JsonObject *obj = json_node_get_object (r->json);

  g_assert_cmpuint (r->status, ==, status);
  g_assert_cmpuint (json_object_get_size (obj), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (obj, "code"), ==, code);
  g_assert_true (strlen (json_object_get_string_member (obj, "message")) > 0);
}

static void
test_v3_token_and_share (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *code = issue_code (f, f->app_id, "auth_user", 81);
  g_autofree char *body = g_strdup_printf ("{\"grant_type\":\"authorization_code\",\"code\":\"%s\"}",
                                           code);
  g_autoptr(V3Response) token = v3_call (f, "/v3/alipay/system/oauth/token", body);
  g_autoptr(V3Response) share = NULL;
  g_autoptr(V3Response) share_body = NULL;
  g_autoptr(V3Response) replay = NULL;
  g_autoptr(JsonNode) expected = NULL;
  g_autofree char *path = NULL;
  JsonObject *obj;
  JsonObject *expected_obj;

  g_assert_cmpuint (token->status, ==, 200);
  obj = json_node_get_object (token->json);
  g_assert_cmpstr (json_object_get_string_member (obj, "user_id"), ==, f->user_id);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (obj, "access_token"),
                                   "authusrB"));
  g_assert_cmpint (json_object_get_int_member (obj, "expires_in"), ==, 1296000);
  g_assert_cmpint (json_object_get_int_member (obj, "re_expires_in"), ==, 2592000);
  g_assert_true (json_object_has_member (obj, "refresh_token"));
  assert_auth_start (json_object_get_string_member (obj, "auth_start"),
                     authsim_store_now (f->store));
  g_assert_false (json_object_has_member (obj, "code"));
  assert_request_event (f, "alipay.system.oauth.token", "v3", "10000", NULL, 200, 81);

  /* user.info.share with auth_token in the query string: the fields without code/msg. */
  path = g_strdup_printf ("/v3/alipay/user/info/share?auth_token=%s",
                          json_object_get_string_member (obj, "access_token"));
  share = v3_call (f, path, "");
  g_assert_cmpuint (share->status, ==, 200);
  expected = expected_share_node (f, "user_id", f->user_id);
  expected_obj = json_node_get_object (expected);
  json_object_remove_member (expected_obj, "code");
  json_object_remove_member (expected_obj, "msg");
  test_assert_json_equal (expected, share->json, "v3 share");
  assert_request_event (f, "alipay.user.info.share", "v3", "10000", NULL, 200, 81);

  /* … or in the JSON body, as the SDK's own tests send it. */
  {
    g_autofree char *share_json = g_strdup_printf ("{\"auth_token\":\"%s\"}",
                                                   json_object_get_string_member (obj, "access_token"));

    share_body = v3_call (f, "/v3/alipay/user/info/share", share_json);
    test_assert_json_equal (expected, share_body->json, "v3 share body");
  }

  /* Replaying the code: HTTP 400 {"code":"code-invalid"}. */
  replay = v3_call (f, "/v3/alipay/system/oauth/token", body);
  assert_v3_error (replay, 400, "code-invalid");
  assert_request_event (f, "alipay.system.oauth.token", "v3", "40002", "isv.code-invalid",
                        400, 81);
}

static void
test_v3_errors (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *base_token = get_token (f, f->app_id, "auth_base", 91);
  g_autofree char *code = issue_code (f, f->app_id, "auth_user", 92);
  g_autofree char *path = g_strdup_printf ("/v3/alipay/user/info/share?auth_token=%s", base_token);
  g_autofree char *good = g_strdup_printf ("{\"grant_type\":\"authorization_code\",\"code\":\"%s\"}",
                                           code);
  struct {
    const char *http_method;
    const char *path;
    const char *body;
    const char *app_id;
    gboolean    tamper;
    gboolean    with_auth;
    guint       status;
    const char *code;
  } cases[] = {
    { "POST", path, "", NULL, FALSE, TRUE, 403, "insufficient-isv-permissions" },
    { "POST", "/v3/alipay/user/info/share?auth_token=nope", "", NULL, FALSE, TRUE, 401,
      "invalid-auth-token" },
    { "POST", "/v3/alipay/user/info/share", "", NULL, FALSE, TRUE, 400, "missing-auth-token" },
    { "POST", "/v3/alipay/system/oauth/token", good, NULL, TRUE, TRUE, 401,
      "invalid-signature" },
    { "POST", "/v3/alipay/system/oauth/token", good, NULL, FALSE, FALSE, 401,
      "missing-signature" },
    { "POST", "/v3/alipay/system/oauth/token", good, "2021000000000000", FALSE, TRUE, 401,
      "invalid-app-id" },
    { "POST", "/v3/alipay/trade/pay", "{}", NULL, FALSE, TRUE, 400, "invalid-method" },
    { "POST", "/v3/alipay/system/oauth/token", "not json", NULL, FALSE, TRUE, 400,
      "invalid-parameter" },
    { "POST", "/v3/alipay/system/oauth/token", "[1,2]", NULL, FALSE, TRUE, 400,
      "invalid-parameter" },
    { "POST", "/v3/alipay/system/oauth/token", "{\"grant_type\":1}", NULL, FALSE, TRUE, 400,
      "invalid-parameter" },
    { "POST", "/v3/alipay/system/oauth/token", "{}", NULL, FALSE, TRUE, 400,
      "missing-grant-type" },
    { "POST", "/v3/alipay/system/oauth/token", "{\"grant_type\":\"password\"}", NULL, FALSE,
      TRUE, 400, "grant-type-invalid" },
    { "POST", "/v3/alipay/system/oauth/token",
      "{\"grant_type\":\"refresh_token\",\"refresh_token\":\"nope\"}", NULL, FALSE, TRUE, 400,
      "refresh-token-invalid" },
    { "GET", "/v3/alipay/system/oauth/token", "", NULL, FALSE, TRUE, 405,
      "invalid-http-method" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(V3Response) r = NULL;

      g_test_message ("v3 case %zu: %s", i, cases[i].code);
      r = v3_call_full (f, cases[i].http_method, cases[i].path, cases[i].body,
                        cases[i].app_id != NULL ? cases[i].app_id : f->app_id,
                        cases[i].tamper, cases[i].with_auth);
      assert_v3_error (r, cases[i].status, cases[i].code);
    }

  /* The invalid-signature message carries the string the gateway verified. */
  {
    g_autoptr(V3Response) r = v3_call_full (f, "POST", "/v3/alipay/system/oauth/token", good,
                                            f->app_id, TRUE, TRUE);
    const char *message = json_object_get_string_member (json_node_get_object (r->json),
                                                         "message");

    g_assert_nonnull (strstr (message, "\nPOST\n/v3/alipay/system/oauth/token\n"));
  }

  /* The good request still works after all that. */
  {
    g_autoptr(V3Response) r = v3_call (f, "/v3/alipay/system/oauth/token", good);

    g_assert_cmpuint (r->status, ==, 200);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Transport errors                                                                           */

static void
assert_transport_error (Fixture    *f,
                        const char *http_method,
                        const char *path,
                        GBytes     *body,
                        guint       status,
                        const char *code)
{
  g_autofree char *url = g_strconcat (f->base, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (http_method, url);
  g_autofree char *response = NULL;
  g_autoptr(JsonNode) json = NULL;
  guint got = 0;

  g_assert_nonnull (msg);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", body);
  response = http_send (f, msg, &got);
  g_assert_cmpuint (got, ==, status);
  json = test_parse (response);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json), "code"), ==,
                   code);
}

static void
test_transport_errors (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *big = g_malloc (64 * 1024 + 1);
  g_autoptr(GBytes) big_bytes = NULL;
  g_autoptr(GBytes) limit_bytes = NULL;
  guint before;

  memset (big, 'a', 64 * 1024 + 1);
  big_bytes = g_bytes_new (big, 64 * 1024 + 1);
  limit_bytes = g_bytes_new (big, 64 * 1024);

  assert_transport_error (f, "GET", "/", NULL, 404, "not-found");
  assert_transport_error (f, "GET", "/gateway.do/extra", NULL, 404, "not-found");
  assert_transport_error (f, "POST", "/openapi.do", NULL, 404, "not-found");
  assert_request_event (f, NULL, NULL, "not-found", NULL, 404, 0);
  assert_transport_error (f, "PUT", "/gateway.do", NULL, 405, "method-not-allowed");
  assert_transport_error (f, "DELETE", "/gateway.do", NULL, 405, "method-not-allowed");

  before = count_request_events (f);
  assert_transport_error (f, "POST", "/gateway.do", big_bytes, 413, "request-too-large");
  test_wait_until (count_request_events (f) > before);
  assert_request_event (f, NULL, "v2", "request-too-large", NULL, 413, 0);
  assert_transport_error (f, "POST", "/v3/alipay/system/oauth/token", big_bytes, 413,
                          "request-too-large");

  /* Exactly 64 KiB is allowed: it reaches the parameter checks (a body of "aaa…"). */
  {
    g_autofree char *url = g_strconcat (f->base, "/gateway.do", NULL);
    g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
    g_autoptr(V2Response) r = NULL;
    guint status = 0;

    soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded",
                                              limit_bytes);
    r = v2_parse (status, http_send (f, msg, &status));
    assert_v2_error (r, "error_response", "40001", "isv.missing-app-id");
  }
}

/* ------------------------------------------------------------------------------------------ */
/* A code from the engine, as the mini program gets it                                         */

typedef struct
{
  guint  call;
  char  *code;
  gboolean done;
} CallWait;

static void
call_finished_cb (AuthsimEngine *engine,
                  guint          call,
                  gboolean       success,
                  JsonObject    *payload,
                  CallWait      *wait)
{
  if (call != wait->call)
    return;
  wait->done = TRUE;
  if (success && json_object_has_member (payload, "authCode"))
    wait->code = g_strdup (json_object_get_string_member (payload, "authCode"));
}

static void
test_engine_code (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(JsonNode) params = test_parse ("{\"scopes\":\"auth_user\"}");
  g_autoptr(GError) error = NULL;
  g_autoptr(V2Response) r = NULL;
  g_autoptr(V2Response) share = NULL;
  CallWait wait = { 0, };
  gulong id;

  id = g_signal_connect (f->engine, "call-finished", G_CALLBACK (call_finished_cb), &wait);
  authsim_engine_launch (f->engine);
  wait.call = authsim_engine_call (f->engine, params, AUTHSIM_TRIGGER_TAP,
                                   AUTHSIM_CONTAINER_MINI_PROGRAM);
  g_assert_cmpuint (wait.call, >, 0);
  test_wait_until (wait.done || authsim_engine_get_request (f->engine) != NULL);
  if (!wait.done)
    {
      g_assert_true (authsim_engine_respond (f->engine, AUTHSIM_DECISION_ALLOW,
                                             AUTHSIM_ANSWER_SOURCE_API, &error));
      g_assert_no_error (error);
    }
  test_wait_until (wait.done);
  g_signal_handler_disconnect (f->engine, id);
  g_assert_nonnull (wait.code);

  r = exchange_code (f, f->app_id, wait.code);
  g_assert_cmpstr (node_string (r, "user_id"), ==,
                   authsim_user_get_user_id (authsim_engine_get_active_user (f->engine)));
  assert_request_event (f, "alipay.system.oauth.token", "v2", "10000", NULL, 200, wait.call);

  share = user_info (f, f->app_id, node_string (r, "access_token"));
  g_assert_cmpstr (node_string (share, "code"), ==, "10000");
  assert_request_event (f, "alipay.user.info.share", "v2", "10000", NULL, 200, wait.call);
  g_free (wait.code);
}

/* ------------------------------------------------------------------------------------------ */
/* Concurrency: the main loop keeps serving while responses are signed                         */

typedef struct
{
  SendResult   result;
  SoupMessage *msg;
} Pending;

static void
test_concurrent (Fixture       *f,
                 gconstpointer  data)
{
  enum { N = 24 };
  Pending pending[N];
  g_autofree char *token = get_token (f, f->app_id, "auth_user", 99);
  guint done;

  for (guint i = 0; i < N; i++)
    {
      g_autoptr(Form) form = v2_form (f->app_id, "alipay.user.info.share");
      g_autofree char *query = NULL;
      g_autofree char *url = NULL;

      form_add (form, "auth_token", token);
      form_sign (form);
      query = form_encode (form, TRUE, TRUE);
      url = g_strdup_printf ("%s/gateway.do?%s", f->base, query);
      pending[i].result = (SendResult) { NULL, };
      pending[i].msg = soup_message_new ("POST", url);
      soup_session_send_and_read_async (f->session, pending[i].msg, G_PRIORITY_DEFAULT, NULL,
                                        send_done_cb, &pending[i].result);
    }

  do
    {
      g_main_context_iteration (NULL, TRUE);
      done = 0;
      for (guint i = 0; i < N; i++)
        done += pending[i].result.done;
    }
  while (done < N);

  for (guint i = 0; i < N; i++)
    {
      gsize length = 0;
      const char *bytes;
      g_autoptr(V2Response) r = NULL;

      g_assert_no_error (pending[i].result.error);
      bytes = g_bytes_get_data (pending[i].result.body, &length);
      r = v2_parse (soup_message_get_status (pending[i].msg), g_strndup (bytes, length));
      g_assert_cmpstr (node_string (r, "code"), ==, "10000");
      g_bytes_unref (pending[i].result.body);
      g_object_unref (pending[i].msg);
    }
}

/* SPEC §5: revoking a grant, or clearing them all, invalidates that user's tokens for that app
 * and the codes issued to that user for that app and not yet redeemed. The exchange of such a
 * code fails as for a used code (still linked to its call); user.info.share with such a token
 * gives aop.invalid-auth-token. */
static void
test_revoke (Fixture       *f,
             gconstpointer  data)
{
  const char *scopes[] = { "auth_user", NULL };
  g_autofree char *token = NULL;
  g_autofree char *code = NULL;
  g_autofree char *host_code = NULL;
  g_autofree char *cleared_token = NULL;
  g_autofree char *cleared_code = NULL;
  g_autoptr(V2Response) before = NULL;
  g_autoptr(V2Response) share = NULL;
  g_autoptr(V2Response) exchange = NULL;
  g_autoptr(V2Response) other_app = NULL;
  g_autoptr(V2Response) cleared_share = NULL;
  g_autoptr(V2Response) cleared_exchange = NULL;

  authsim_store_grant (f->store, f->user_id, f->app_id, scopes);
  authsim_store_grant (f->store, f->user_id, f->host_app_id, scopes);
  token = get_token (f, f->app_id, "auth_user", 71);
  code = issue_code (f, f->app_id, "auth_user", 72);
  host_code = issue_code (f, f->host_app_id, "auth_user", 73);
  before = user_info (f, f->app_id, token);
  g_assert_cmpstr (node_string (before, "code"), ==, "10000");

  g_assert_true (authsim_store_revoke (f->store, f->user_id, f->app_id));
  share = user_info (f, f->app_id, token);
  assert_v2_error (share, SHARE_KEY, "20001", "aop.invalid-auth-token");
  exchange = exchange_code (f, f->app_id, code);
  assert_v2_error (exchange, "error_response", "40002", "isv.code-invalid");
  assert_request_event (f, "alipay.system.oauth.token", "v2", "40002", "isv.code-invalid",
                        200, 72);
  /* Another app's grant and code are not touched. */
  other_app = exchange_code (f, f->host_app_id, host_code);
  g_assert_cmpstr (other_app->key, ==, TOKEN_KEY);

  /* Clear authorization data: the same, for every user and app. */
  authsim_store_grant (f->store, f->user_id, f->app_id, scopes);
  cleared_token = get_token (f, f->app_id, "auth_user", 74);
  cleared_code = issue_code (f, f->app_id, "auth_user", 75);
  authsim_store_clear_grants (f->store);
  cleared_share = user_info (f, f->app_id, cleared_token);
  assert_v2_error (cleared_share, SHARE_KEY, "20001", "aop.invalid-auth-token");
  cleared_exchange = exchange_code (f, f->app_id, cleared_code);
  assert_v2_error (cleared_exchange, "error_response", "40002", "isv.code-invalid");
  assert_request_event (f, "alipay.system.oauth.token", "v2", "40002", "isv.code-invalid",
                        200, 75);
}

/* A code is spent by its first exchange (SPEC §6), however the requests race: 8 client threads
 * redeem 2,000 codes, each code sent twice at the same time (the two requests of a code are
 * next to each other in one queue the threads take from), through real HTTP. Under the
 * sanitizers 200 codes: libsoup's allocations there make 4,000 requests take 110 s. */
#if defined(__SANITIZE_ADDRESS__)
# define RACE_CODES  200
#else
# define RACE_CODES  2000
#endif
#define RACE_THREADS 8

typedef struct
{
  const char  *base;
  GPtrArray   *targets;    /* request URLs: code i at 2i and 2i + 1 */
  gint         next;       /* the next target to send (atomic) */
  gint        *successes;  /* per code (atomic) */
  gint        *invalid;    /* per code (atomic) */
  gint         others;     /* any other answer (atomic) */
  gint         finished;   /* threads done (atomic) */
} Race;

static void
race_count (Race        *race,
            guint        code,
            V2Response  *r)
{
  JsonObject *node = json_node_get_object (r->node);

  if (g_strcmp0 (r->key, TOKEN_KEY) == 0 && json_object_has_member (node, "access_token"))
    g_atomic_int_inc (&race->successes[code]);
  else if (g_strcmp0 (r->key, "error_response") == 0 &&
           g_strcmp0 (json_object_get_string_member_with_default (node, "sub_code", ""),
                      "isv.code-invalid") == 0)
    g_atomic_int_inc (&race->invalid[code]);
  else
    g_atomic_int_inc (&race->others);
}

static gpointer
race_thread (gpointer data)
{
  Race *race = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GProxyResolver) direct = g_simple_proxy_resolver_new (NULL, NULL);
  g_autoptr(SoupSession) session = NULL;
  guint i;

  /* A session of its own, on a context of its own: libsoup sessions are not shared. */
  g_main_context_push_thread_default (context);
  session = soup_session_new_with_options ("timeout", 60, "proxy-resolver", direct, NULL);
  while ((i = (guint) g_atomic_int_add (&race->next, 1)) < race->targets->len)
    {
      g_autoptr(SoupMessage) msg = soup_message_new ("POST", race->targets->pdata[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, &error);
      g_autoptr(V2Response) r = NULL;
      gsize length = 0;
      const char *bytes;

      g_assert_no_error (error);
      bytes = g_bytes_get_data (body, &length);
      r = v2_parse (soup_message_get_status (msg), g_strndup (bytes, length));
      race_count (race, i / 2, r);
    }
  g_clear_object (&session);
  g_main_context_pop_thread_default (context);
  g_atomic_int_inc (&race->finished);
  g_main_context_wakeup (NULL);
  return NULL;
}

static void
test_code_race (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func (g_free);
  g_autofree gint *successes = g_new0 (gint, RACE_CODES);
  g_autofree gint *invalid = g_new0 (gint, RACE_CODES);
  Race race = { f->base, targets, 0, successes, invalid, 0, 0 };
  GThread *threads[RACE_THREADS];
  guint total_successes = 0, total_invalid = 0;

  for (guint i = 0; i < RACE_CODES; i++)
    {
      g_autofree char *code = issue_code (f, f->app_id, "auth_user", 1000 + i);
      g_autoptr(Form) form = v2_form (f->app_id, "alipay.system.oauth.token");
      g_autofree char *query = NULL;

      form_add (form, "grant_type", "authorization_code");
      form_add (form, "code", code);
      form_sign (form);
      query = form_encode (form, TRUE, TRUE);
      for (guint copy = 0; copy < 2; copy++)
        g_ptr_array_add (targets, g_strdup_printf ("%s/gateway.do?%s", f->base, query));
    }

  for (guint t = 0; t < RACE_THREADS; t++)
    threads[t] = g_thread_new ("race-client", race_thread, &race);
  /* The main loop runs meanwhile: the log hands its events to the model here. */
  while (g_atomic_int_get (&race.finished) < RACE_THREADS)
    g_main_context_iteration (NULL, TRUE);
  for (guint t = 0; t < RACE_THREADS; t++)
    g_thread_join (threads[t]);

  for (guint i = 0; i < RACE_CODES; i++)
    {
      g_assert_cmpint (successes[i], ==, 1);
      g_assert_cmpint (invalid[i], ==, 1);
      total_successes += successes[i];
      total_invalid += invalid[i];
    }
  g_assert_cmpint (race.others, ==, 0);
  g_assert_cmpuint (total_successes, ==, RACE_CODES);
  g_assert_cmpuint (total_invalid, ==, RACE_CODES);
}

/* ------------------------------------------------------------------------------------------ */
/* Certificate mode (SPEC §13.1–§13.3)                                                        */

#define SUB_MSG_SIGNATURE "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为："

static void
test_cert_listening (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(AuthsimEvent) first = NULL;
  g_autoptr(AuthsimEvent) event = NULL;
  JsonObject *obj;
  guint n;

  g_assert_cmpuint (authsim_gateway_get_sign_mode (f->gateway), ==, AUTHSIM_SIGN_MODE_CERT);
  g_assert_true (authsim_gateway_get_certs (f->gateway) == shared_certs);

  /* The listening event names the mode and the three SNs a backend configures. */
  test_wait_until (g_list_model_get_n_items (G_LIST_MODEL (f->log)) > 0);
  first = g_list_model_get_item (G_LIST_MODEL (f->log), 0);
  obj = authsim_event_get_object (first);
  g_assert_cmpstr (json_object_get_string_member (obj, "event"), ==, "listening");
  g_assert_cmpstr (json_object_get_string_member (obj, "sign_mode"), ==, "cert");
  g_assert_cmpstr (json_object_get_string_member (obj, "app_cert_sn"), ==,
                   authsim_certs_get_app_cert_sn (shared_certs));
  g_assert_cmpstr (json_object_get_string_member (obj, "alipay_cert_sn"), ==,
                   authsim_certs_get_gateway_cert_sn (shared_certs));
  g_assert_cmpstr (json_object_get_string_member (obj, "alipay_root_cert_sn"), ==,
                   authsim_certs_get_root_cert_sn (shared_certs));

  /* Back to key mode while listening: a "sign-mode" event, and key-mode answers. */
  authsim_gateway_set_certs (f->gateway, NULL);
  g_assert_cmpuint (authsim_gateway_get_sign_mode (f->gateway), ==, AUTHSIM_SIGN_MODE_KEY);
  authsim_log_flush (f->log);
  n = g_list_model_get_n_items (G_LIST_MODEL (f->log));
  event = g_list_model_get_item (G_LIST_MODEL (f->log), n - 1);
  obj = authsim_event_get_object (event);
  g_assert_cmpstr (json_object_get_string_member (obj, "event"), ==, "sign-mode");
  g_assert_cmpstr (json_object_get_string_member (obj, "sign_mode"), ==, "key");
  g_assert_false (json_object_has_member (obj, "app_cert_sn"));
  f->cert = FALSE;
  sdk.gateway_cert_sn = NULL;
  {
    g_autofree char *code = issue_code (f, f->app_id, "auth_user", 301);
    g_autoptr(V2Response) r = exchange_code (f, f->app_id, code);

    g_assert_cmpstr (node_string (r, "user_id"), ==, f->user_id);
    assert_request_event (f, "alipay.system.oauth.token", "v2", "10000", NULL, 200, 301);
  }

  /* And to certificate mode again. */
  authsim_gateway_set_certs (f->gateway, shared_certs);
  f->cert = TRUE;
  sdk.gateway_cert_sn = authsim_certs_get_gateway_cert_sn (shared_certs);
  {
    g_autofree char *code = issue_code (f, f->app_id, "auth_user", 302);
    g_autoptr(V2Response) r = exchange_code (f, f->app_id, code);

    g_assert_cmpstr (node_string (r, "user_id"), ==, f->user_id);
    assert_request_event (f, "alipay.system.oauth.token", "v2", "10000", NULL, 200, 302);
  }
}

/* A token request with the SDK's SNs replaced by @app_cert_sn and @root_cert_sn (NULL: not
 * sent), answered with @sub_code and @sub_msg in the method's node, signed, with the gateway
 * certificate's SN. */
static void
assert_cert_v2_error (Fixture    *f,
                      const char *app_cert_sn,
                      const char *root_cert_sn,
                      const char *sub_code,
                      const char *sub_msg)
{
  g_autoptr(Form) form = NULL;
  g_autoptr(V2Response) r = NULL;
  const char *saved_app = sdk.app_cert_sn;
  const char *saved_root = sdk.root_cert_sn;

  sdk.app_cert_sn = app_cert_sn;
  sdk.root_cert_sn = root_cert_sn;
  form = v2_form (f->app_id, "alipay.system.oauth.token");
  sdk.app_cert_sn = saved_app;
  sdk.root_cert_sn = saved_root;
  form_add (form, "grant_type", "authorization_code");
  form_add (form, "code", "abc");
  r = v2_call (f, form);
  g_assert_cmpstr (assert_v2_error (r, TOKEN_KEY, "40002", sub_code), ==, sub_msg);
  assert_request_event (f, "alipay.system.oauth.token", "v2", "40002", sub_code, 200, 0);
}

static void
test_cert_v2 (Fixture       *f,
              gconstpointer  data)
{
  const char *app_sn = authsim_certs_get_app_cert_sn (shared_certs);
  const char *root_sn = authsim_certs_get_root_cert_sn (shared_certs);
  const char *gateway_sn = authsim_certs_get_gateway_cert_sn (shared_certs);

  /* Success: alipay_cert_sn between the node and sign, outside the signed node (v2_parse). */
  {
    g_autofree char *code = issue_code (f, f->app_id, "auth_user", 311);
    g_autoptr(V2Response) r = exchange_code (f, f->app_id, code);
    g_autoptr(V2Response) share = user_info (f, f->app_id, node_string (r, "access_token"));
    g_autoptr(JsonNode) expected = expected_share_node (f, "user_id", f->user_id);

    g_assert_nonnull (strstr (r->body, "},\"alipay_cert_sn\":\""));
    test_assert_json_equal (expected, share->node, "cert-mode share");
    assert_request_event (f, "alipay.user.info.share", "v2", "10000", NULL, 200, 311);
  }

  /* The table of SPEC §13.2, row by row, then pairs that show its order. */
  assert_cert_v2_error (f, NULL, root_sn, "isv.missing-app-cert-sn", "缺少应用公钥证书序列号");
  assert_cert_v2_error (f, gateway_sn, root_sn, "isv.app-cert-not-exist", "应用公钥证书不存在");
  assert_cert_v2_error (f, app_sn, NULL, "isv.missing-alipay-root-cert-sn",
                        "缺少支付宝根证书序列号");
  assert_cert_v2_error (f, app_sn, app_sn, "isv.invalid-alipay-root-cert-sn",
                        "无效支付宝根证书序列号");
  assert_cert_v2_error (f, NULL, NULL, "isv.missing-app-cert-sn", "缺少应用公钥证书序列号");
  assert_cert_v2_error (f, "nope", NULL, "isv.app-cert-not-exist", "应用公钥证书不存在");
  assert_cert_v2_error (f, "nope", "nope", "isv.app-cert-not-exist", "应用公钥证书不存在");

  /* Row 5: the SNs are ordinary signed parameters, and pass before the signature is checked. */
  {
    g_autoptr(Form) form = form_new ();
    g_autoptr(V2Response) r = NULL;
    g_autofree char *ts = now_timestamp ();
    g_autofree char *content = NULL;
    const char *sub_msg;

    form_add (form, "method", "alipay.system.oauth.token");
    form_add (form, "app_id", f->app_id);
    form_add (form, "sign_type", "RSA2");
    form_add (form, "timestamp", ts);
    form_add (form, "grant_type", "authorization_code");
    form_add (form, "code", "abc");
    form_sign (form);
    form_add (form, "app_cert_sn", app_sn);
    form_add (form, "alipay_root_cert_sn", root_sn);
    r = v2_send (f, form, SEND_SDK);
    sub_msg = assert_v2_error (r, TOKEN_KEY, "40002", "isv.invalid-signature");
    content = form_sign_content (form);
    g_assert_true (g_str_has_prefix (sub_msg, SUB_MSG_SIGNATURE));
    g_assert_cmpstr (sub_msg + strlen (SUB_MSG_SIGNATURE), ==, content);
    g_assert_nonnull (strstr (content, "alipay_root_cert_sn="));
  }

  /* Before them: the presence checks and isv.invalid-app-id; after them, the rest. */
  {
    g_autoptr(Form) form = v2_form (f->app_id, "alipay.system.oauth.token");
    g_autoptr(V2Response) r = NULL;

    form_remove (form, "app_cert_sn");
    form_remove (form, "timestamp");
    r = v2_call (f, form);
    assert_v2_error (r, TOKEN_KEY, "40001", "isv.missing-timestamp");
  }
  {
    g_autoptr(Form) form = v2_form ("2021000000000000", "alipay.system.oauth.token");
    g_autoptr(V2Response) r = NULL;

    form_remove (form, "app_cert_sn");
    r = v2_call (f, form);
    assert_v2_error (r, TOKEN_KEY, "40002", "isv.invalid-app-id");
  }
  {
    g_autoptr(Form) form = v2_form (f->app_id, "alipay.system.oauth.token");
    g_autoptr(V2Response) r = NULL;

    form_remove (form, "app_cert_sn");
    form_set (form, "timestamp", "yesterday");
    r = v2_call (f, form);
    assert_v2_error (r, TOKEN_KEY, "40002", "isv.missing-app-cert-sn");
  }
  {
    g_autoptr(Form) form = v2_form (f->app_id, "alipay.nope");
    g_autoptr(V2Response) r = NULL;

    form_remove (form, "app_cert_sn");
    r = v2_call (f, form);
    assert_v2_error (r, "error_response", "40002", "isv.missing-app-cert-sn");
  }
}

/* Key mode ignores the certificate parameters: answers carry no alipay_cert_sn (v2_parse)
 * and no alipay-sn (v3_send). */
static void
test_key_mode_ignores_cert_parameters (Fixture       *f,
                                       gconstpointer  data)
{
  g_autofree char *code = issue_code (f, f->app_id, "auth_user", 321);
  g_autofree char *code3 = issue_code (f, f->app_id, "auth_user", 322);
  g_autofree char *body = g_strdup_printf ("{\"grant_type\":\"authorization_code\",\"code\":\"%s\"}",
                                           code3);
  g_autoptr(V2Response) r = NULL;
  g_autoptr(V3Response) v3 = NULL;

  g_assert_false (f->cert);
  sdk.app_cert_sn = "0123456789abcdef0123456789abcdef";
  sdk.root_cert_sn = "whatever_else";
  r = exchange_code (f, f->app_id, code);
  g_assert_cmpstr (node_string (r, "user_id"), ==, f->user_id);
  g_assert_null (strstr (r->body, "alipay_cert_sn"));
  v3 = v3_call (f, "/v3/alipay/system/oauth/token", body);
  g_assert_cmpuint (v3->status, ==, 200);
  g_assert_null (v3->alipay_sn);
}

static void
assert_cert_v3_error (Fixture    *f,
                      const char *app_cert_sn,
                      const char *root_cert_sn,
                      const char *code,
                      const char *message)
{
  const char *saved_app = sdk.app_cert_sn;
  const char *saved_root = sdk.root_cert_sn;
  g_autoptr(V3Response) r = NULL;
  JsonObject *obj;

  sdk.app_cert_sn = app_cert_sn;
  sdk.root_cert_sn = root_cert_sn;
  r = v3_call (f, "/v3/alipay/system/oauth/token", "{\"grant_type\":\"authorization_code\"}");
  sdk.app_cert_sn = saved_app;
  sdk.root_cert_sn = saved_root;
  assert_v3_error (r, 400, code);
  obj = json_node_get_object (r->json);
  g_assert_cmpstr (json_object_get_string_member (obj, "message"), ==, message);
  {
    g_autofree char *sub_code = g_strconcat ("isv.", code, NULL);

    assert_request_event (f, "alipay.system.oauth.token", "v3", "40002", sub_code, 400, 0);
  }
}

static void
test_cert_v3 (Fixture       *f,
              gconstpointer  data)
{
  const char *app_sn = authsim_certs_get_app_cert_sn (shared_certs);
  const char *root_sn = authsim_certs_get_root_cert_sn (shared_certs);
  g_autofree char *code = issue_code (f, f->app_id, "auth_user", 331);
  g_autofree char *good = g_strdup_printf ("{\"grant_type\":\"authorization_code\",\"code\":\"%s\"}",
                                           code);

  /* Success: the alipay-sn header (checked by v3_send) on the token and the share. */
  {
    g_autoptr(V3Response) token = v3_call (f, "/v3/alipay/system/oauth/token", good);
    g_autofree char *path = NULL;
    g_autoptr(V3Response) share = NULL;

    g_assert_cmpuint (token->status, ==, 200);
    g_assert_cmpstr (token->alipay_sn, ==, authsim_certs_get_gateway_cert_sn (shared_certs));
    path = g_strdup_printf ("/v3/alipay/user/info/share?auth_token=%s",
                            json_object_get_string_member (json_node_get_object (token->json),
                                                           "access_token"));
    share = v3_call (f, path, "");
    g_assert_cmpuint (share->status, ==, 200);
    assert_request_event (f, "alipay.user.info.share", "v3", "10000", NULL, 200, 331);
  }

  /* SPEC §13.3: HTTP 400 and the table of §13.2, in its order. */
  assert_cert_v3_error (f, NULL, root_sn, "missing-app-cert-sn", "缺少应用公钥证书序列号");
  assert_cert_v3_error (f, root_sn, root_sn, "app-cert-not-exist", "应用公钥证书不存在");
  assert_cert_v3_error (f, app_sn, NULL, "missing-alipay-root-cert-sn", "缺少支付宝根证书序列号");
  assert_cert_v3_error (f, app_sn, "nope", "invalid-alipay-root-cert-sn", "无效支付宝根证书序列号");
  assert_cert_v3_error (f, NULL, NULL, "missing-app-cert-sn", "缺少应用公钥证书序列号");
  assert_cert_v3_error (f, "nope", NULL, "app-cert-not-exist", "应用公钥证书不存在");

  /* Row 5, and what comes before the SNs. */
  {
    g_autoptr(V3Response) r = v3_call_full (f, "POST", "/v3/alipay/system/oauth/token", good,
                                            f->app_id, TRUE, TRUE);

    assert_v3_error (r, 401, "invalid-signature");
  }
  {
    g_autoptr(V3Response) r = NULL;

    sdk.app_cert_sn = NULL;
    r = v3_call_full (f, "POST", "/v3/alipay/system/oauth/token", good, "2021000000000000",
                      FALSE, TRUE);
    assert_v3_error (r, 401, "invalid-app-id");
    sdk.app_cert_sn = app_sn;
  }
}

/* ------------------------------------------------------------------------------------------ */
/* AES content encryption (SPEC §13.4)                                                        */

static char *
encrypt_ok (const char *plaintext)
{
  g_autoptr(GError) error = NULL;
  char *ciphertext = authsim_keys_aes_encrypt (shared_keys, plaintext, -1, &error);

  g_assert_no_error (error);
  return ciphertext;
}

/* The JSON object an encrypted v2 node holds: a JSON string, whose ciphertext decrypts. */
static JsonNode *
decrypt_v2_node (V2Response *r)
{
  g_autofree char *plaintext = NULL;
  g_autoptr(GError) error = NULL;
  const char *ciphertext;
  JsonNode *node;

  g_assert_true (JSON_NODE_HOLDS_VALUE (r->node));
  ciphertext = json_node_get_string (r->node);
  g_assert_nonnull (ciphertext);
  /* What was signed (checked by v2_parse) is the ciphertext with its quotes. */
  g_assert_cmpuint (strlen (r->node_text), ==, strlen (ciphertext) + 2);
  g_assert_true (r->node_text[0] == '"' && g_str_has_suffix (r->node_text, "\""));
  plaintext = authsim_keys_aes_decrypt (shared_keys, ciphertext, NULL, &error);
  g_assert_no_error (error);
  node = test_parse (plaintext);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return node;
}

/* A v2 request with encrypt_type and biz_content (either NULL: left out). */
static V2Response *
v2_encrypted (Fixture    *f,
              Form       *form,
              const char *encrypt_type,
              const char *biz_content)
{
  if (encrypt_type != NULL)
    form_add (form, "encrypt_type", encrypt_type);
  if (biz_content != NULL)
    form_add (form, "biz_content", biz_content);
  return v2_call (f, form);
}

static void
test_aes_v2 (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *empty_object = encrypt_ok ("{}");
  g_autofree char *token = NULL;

  /* oauth.token: the success node becomes the ciphertext of its JSON. */
  {
    g_autofree char *code = issue_code (f, f->app_id, "auth_user", 341);
    g_autoptr(Form) form = v2_form (f->app_id, "alipay.system.oauth.token");
    g_autoptr(V2Response) r = NULL;
    g_autoptr(JsonNode) node = NULL;

    form_add (form, "grant_type", "authorization_code");
    form_add (form, "code", code);
    r = v2_encrypted (f, form, "AES", empty_object);
    g_assert_cmpstr (r->key, ==, TOKEN_KEY);
    node = decrypt_v2_node (r);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "user_id"), ==,
                     f->user_id);
    token = g_strdup (json_object_get_string_member (json_node_get_object (node),
                                                     "access_token"));
    assert_request_event_full (f, "alipay.system.oauth.token", "v2", "10000", NULL, 200, 341,
                               TRUE);
  }

  /* user.info.share, as exec(…, {bizContent: {}, needEncrypt: true}) sends it. */
  {
    g_autoptr(Form) form = v2_form (f->app_id, "alipay.user.info.share");
    g_autoptr(V2Response) r = NULL;
    g_autoptr(JsonNode) node = NULL;
    g_autoptr(JsonNode) expected = expected_share_node (f, "user_id", f->user_id);

    form_add (form, "auth_token", token);
    r = v2_encrypted (f, form, "AES", empty_object);
    node = decrypt_v2_node (r);
    test_assert_json_equal (expected, node, "encrypted share");
  }

  /* Without biz_content there is nothing to decrypt; the answer is encrypted all the same. */
  {
    g_autoptr(Form) form = v2_form (f->app_id, "alipay.user.info.share");
    g_autoptr(V2Response) r = NULL;
    g_autoptr(JsonNode) node = NULL;

    form_add (form, "auth_token", token);
    r = v2_encrypted (f, form, "AES", NULL);
    node = decrypt_v2_node (r);
  }
}

/* An encrypted share request answered with the plaintext error @code/@sub_code (and @sub_msg
 * when not NULL). @tamper changes a parameter after signing. */
static void
assert_aes_v2_error (Fixture    *f,
                     const char *auth_token,
                     const char *encrypt_type,
                     const char *biz_content,
                     gboolean    tamper,
                     const char *code,
                     const char *sub_code,
                     const char *sub_msg)
{
  g_autoptr(Form) form = v2_form (f->app_id, "alipay.user.info.share");
  g_autoptr(V2Response) r = NULL;
  const char *got;

  form_add (form, "auth_token", auth_token);
  form_add (form, "encrypt_type", encrypt_type);
  if (biz_content != NULL)
    form_add (form, "biz_content", biz_content);
  form_sign (form);
  if (tamper)
    form_set (form, "auth_token", "tampered");
  r = v2_send (f, form, SEND_SDK);
  /* A plaintext object, not a ciphertext. */
  got = assert_v2_error (r, SHARE_KEY, code, sub_code);
  if (sub_msg != NULL)
    g_assert_cmpstr (got, ==, sub_msg);
  assert_request_event_full (f, "alipay.user.info.share", "v2", code, sub_code, 200, 0, TRUE);
}

static void
test_aes_v2_errors (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *token = get_token (f, f->app_id, "auth_user", 351);
  g_autofree char *empty_object = encrypt_ok ("{}");
  g_autofree char *array = encrypt_ok ("[1]");
  g_autofree char *wrong_key = NULL;

  /* The table of SPEC §13.4 (the row of an unconfigured key: test_aes_key_not_configured). */
  assert_aes_v2_error (f, token, "DES", empty_object, FALSE, "40002",
                       "isv.decryption-error-not-valid-encrypt-type", "解密出错，不支持的加密算法");
  assert_aes_v2_error (f, token, "AES", "not base64!", FALSE, "40003",
                       "isv.decryption-error-unknown", "解密出错, 未知错误");

  /* Another key (KAT_KEY of test-keys.c): its padding does not come out right here, or its
   * plaintext is no text. */
  {
    guint8 key[16];

    for (guint i = 0; i < sizeof key; i++)
      key[i] = (guint8) i;
    wrong_key = authsim_crypto_aes_encrypt (key, sizeof key, "{}", 2, NULL);
  }
  assert_aes_v2_error (f, token, "AES", wrong_key, FALSE, "40003",
                       "isv.decryption-error-unknown", NULL);

  /* Decrypted, but not a JSON object. */
  assert_aes_v2_error (f, token, "AES", array, FALSE, "40002", "isv.invalid-parameter", NULL);

  /* The signature is verified first. */
  assert_aes_v2_error (f, token, "DES", "not base64!", TRUE, "40002", "isv.invalid-signature",
                       NULL);
  assert_aes_v2_error (f, token, "AES", "not base64!", TRUE, "40002", "isv.invalid-signature",
                       NULL);

  /* Business errors stay plaintext objects. */
  assert_aes_v2_error (f, "authusrBnope", "AES", empty_object, FALSE, "20001",
                       "aop.invalid-auth-token", NULL);

  /* The profile's aesKey switched off: the app has no key configured (the next request). */
  authsim_profile_set_aes_key (f->profile, FALSE);
  assert_aes_v2_error (f, token, "AES", empty_object, FALSE, "40002",
                       "isv.decryption-error-not-valid-encrypt-key",
                       "解密出错, 未配置加密密钥或加密密钥格式错误");
  authsim_profile_set_aes_key (f->profile, TRUE);
}

/* The row "the profile's aesKey is false" of SPEC §13.4, on the check the gateway makes (over
 * HTTP with the profile's switch: test_aes_v2_errors). */
static void
test_aes_key_not_configured (void)
{
  AuthsimGatewaySnapshot snapshot = { NULL, };
  AuthsimGatewayOutcome o = { NULL, };

  snapshot.aes_key = FALSE;
  g_assert_false (authsim_gateway_check_encryption (&snapshot, "AES", &o));
  g_assert_cmpstr (o.code, ==, "40002");
  g_assert_cmpstr (o.sub_code, ==, "isv.decryption-error-not-valid-encrypt-key");
  g_assert_cmpstr (o.sub_msg, ==, "解密出错, 未配置加密密钥或加密密钥格式错误");
  authsim_gateway_outcome_clear (&o);

  /* An unsupported type is reported first. */
  memset (&o, 0, sizeof o);
  g_assert_false (authsim_gateway_check_encryption (&snapshot, "DES", &o));
  g_assert_cmpstr (o.sub_code, ==, "isv.decryption-error-not-valid-encrypt-type");
  authsim_gateway_outcome_clear (&o);

  memset (&o, 0, sizeof o);
  snapshot.aes_key = TRUE;
  g_assert_true (authsim_gateway_check_encryption (&snapshot, "AES", &o));
  g_assert_null (o.sub_code);
}

/* A v3 request whose body is @plaintext encrypted (or @body as is, when @plaintext is NULL),
 * with the encryption headers set to @encrypt_type. */
static V3Response *
v3_encrypted (Fixture    *f,
              const char *path,
              const char *plaintext,
              const char *body,
              const char *encrypt_type,
              const char *content_type,
              gboolean    tamper,
              gboolean    ciphertext_answer)
{
  g_autofree char *ciphertext = plaintext != NULL ? encrypt_ok (plaintext) : NULL;
  V3Request req = { "POST", path, ciphertext != NULL ? ciphertext : body, f->app_id, tamper,
                    TRUE, content_type, encrypt_type, ciphertext_answer };

  return v3_send (f, &req);
}

static JsonNode *
decrypt_v3_body (V3Response *r)
{
  g_autofree char *plaintext = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  g_assert_cmpuint (r->status, ==, 200);
  plaintext = authsim_keys_aes_decrypt (shared_keys, r->body, NULL, &error);
  g_assert_no_error (error);
  node = test_parse (plaintext);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return node;
}

static void
test_aes_v3 (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *code = issue_code (f, f->app_id, "auth_user", 361);
  g_autofree char *good = g_strdup_printf ("{\"grant_type\":\"authorization_code\",\"code\":\"%s\"}",
                                           code);
  g_autoptr(V3Response) token = NULL;
  g_autoptr(JsonNode) token_node = NULL;
  g_autofree char *path = NULL;

  /* The body is the ciphertext of the JSON body, and so is the answer (text/plain), signed as
   * usual over it (v3_send checks both). */
  token = v3_encrypted (f, "/v3/alipay/system/oauth/token", good, NULL, "AES", NULL, FALSE, TRUE);
  token_node = decrypt_v3_body (token);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (token_node), "user_id"),
                   ==, f->user_id);
  assert_request_event_full (f, "alipay.system.oauth.token", "v3", "10000", NULL, 200, 361, TRUE);

  path = g_strdup_printf ("/v3/alipay/user/info/share?auth_token=%s",
                          json_object_get_string_member (json_node_get_object (token_node),
                                                         "access_token"));
  {
    g_autoptr(V3Response) share = v3_encrypted (f, path, "{}", NULL, "AES", NULL, FALSE, TRUE);
    g_autoptr(JsonNode) node = decrypt_v3_body (share);
    g_autoptr(JsonNode) expected = expected_share_node (f, "user_id", f->user_id);

    json_object_remove_member (json_node_get_object (expected), "code");
    json_object_remove_member (json_node_get_object (expected), "msg");
    test_assert_json_equal (expected, node, "encrypted v3 share");
  }
  /* An empty body encrypted, as curl() sends a request without one. */
  {
    g_autoptr(V3Response) share = v3_encrypted (f, path, "", NULL, "AES", NULL, FALSE, TRUE);
    g_autoptr(JsonNode) node = decrypt_v3_body (share);
  }
}

static void
assert_aes_v3_error (Fixture    *f,
                     const char *plaintext,
                     const char *body,
                     const char *encrypt_type,
                     const char *content_type,
                     gboolean    tamper,
                     guint       status,
                     const char *code,
                     const char *message)
{
  g_autoptr(V3Response) r = v3_encrypted (f, "/v3/alipay/system/oauth/token", plaintext, body,
                                          encrypt_type, content_type, tamper, FALSE);

  assert_v3_error (r, status, code);
  if (message != NULL)
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (r->json), "message"),
                     ==, message);
}

static void
test_aes_v3_errors (Fixture       *f,
                    gconstpointer  data)
{
  const char *request = "{\"grant_type\":\"authorization_code\",\"code\":\"nope\"}";

  assert_aes_v3_error (f, request, NULL, "DES", NULL, FALSE, 400,
                       "decryption-error-not-valid-encrypt-type", "解密出错，不支持的加密算法");
  assert_aes_v3_error (f, NULL, "not base64!", "AES", NULL, FALSE, 400,
                       "decryption-error-unknown", "解密出错, 未知错误");
  assert_aes_v3_error (f, NULL, "", "AES", NULL, FALSE, 400, "decryption-error-unknown", NULL);
  assert_aes_v3_error (f, "[1]", NULL, "AES", NULL, FALSE, 400, "invalid-parameter", NULL);
  assert_aes_v3_error (f, request, NULL, "AES", "application/json", FALSE, 400,
                       "invalid-content-type", NULL);
  /* The signature first, then the decryption. */
  assert_aes_v3_error (f, request, NULL, "AES", NULL, TRUE, 401, "invalid-signature", NULL);
  /* Errors of the method stay plaintext JSON. */
  assert_aes_v3_error (f, request, NULL, "AES", NULL, FALSE, 400, "code-invalid", NULL);
  assert_request_event_full (f, "alipay.system.oauth.token", "v3", "40002", "isv.code-invalid",
                             400, 0, TRUE);
}

/* ------------------------------------------------------------------------------------------ */
/* Hostile values for the certificate and encryption parameters                               */

typedef struct
{
  char       *name;
  gboolean    v3;
  char       *app_cert_sn;   /* NULL: the right one */
  char       *root_cert_sn;  /* NULL: the right one */
  char       *encrypt_type;  /* NULL: a plain request */
  char       *content;       /* v2 biz_content, v3 body: sent as is; NULL: none / "{}" */
  char       *content_type;  /* v3; NULL: text/plain when encrypted */
  const char *sub_code;      /* what comes back: v2 sub_code, v3 "isv." + code */
  guint       status;        /* v3 */
} ModeCase;

static void
mode_case_free (ModeCase *c)
{
  g_free (c->name);
  g_free (c->app_cert_sn);
  g_free (c->root_cert_sn);
  g_free (c->encrypt_type);
  g_free (c->content);
  g_free (c->content_type);
  g_free (c);
}

static ModeCase *
add_mode_case (GPtrArray  *cases,
               gboolean    v3,
               const char *what,
               const char *sub_code)
{
  ModeCase *c = g_new0 (ModeCase, 1);

  c->name = g_strdup_printf ("%s %s", v3 ? "v3" : "v2", what);
  c->v3 = v3;
  c->sub_code = sub_code;
  c->status = 400;
  g_ptr_array_add (cases, c);
  return c;
}

/* Bad app_cert_sn and alipay_root_cert_sn values, for v2 and v3. */
static void
add_sn_cases (GPtrArray *cases)
{
  const char *app = authsim_certs_get_app_cert_sn (shared_certs);
  const char *root = authsim_certs_get_root_cert_sn (shared_certs);
  g_auto(GStrv) parts = g_strsplit (root, "_", -1);
  g_autofree char *long_value = g_strnfill (8 * 1024, 'a');
  g_autofree char *app_upper = g_ascii_strup (app, -1);
  g_autofree char *root_upper = g_ascii_strup (root, -1);
  const char *bad_apps[] = {
    "", "x", NULL /* 31 characters */, NULL /* 33 */, app_upper, root,
    authsim_certs_get_gateway_cert_sn (shared_certs), NULL /* with a space */, "证书序列号",
    long_value,
  };
  g_autofree char *short_app = g_strndup (app, 31);
  g_autofree char *long_app = g_strconcat (app, "0", NULL);
  g_autofree char *spaced_app = g_strconcat (app, " ", NULL);
  const char *bad_roots[] = {
    "", parts[0], parts[1], NULL, NULL, NULL, NULL, root_upper, NULL, long_value,
  };
  g_autofree char *swapped = g_strdup_printf ("%s_%s", parts[1], parts[0]);
  g_autofree char *trailing = g_strconcat (root, "_", NULL);
  g_autofree char *leading = g_strconcat ("_", root, NULL);
  g_autofree char *doubled = g_strdup_printf ("%s__%s", parts[0], parts[1]);
  g_autofree char *extra = g_strdup_printf ("%s_%s", root, app);

  bad_apps[2] = short_app;
  bad_apps[3] = long_app;
  bad_apps[7] = spaced_app;
  bad_roots[3] = swapped;
  bad_roots[4] = trailing;
  bad_roots[5] = leading;
  bad_roots[6] = doubled;
  bad_roots[8] = extra;

  for (int v3 = 0; v3 <= 1; v3++)
    {
      for (gsize i = 0; i < G_N_ELEMENTS (bad_apps); i++)
        {
          g_autofree char *what = g_strdup_printf ("app_cert_sn %zu", i);
          ModeCase *c = add_mode_case (cases, v3, what, *bad_apps[i] == '\0'
                                                         ? "isv.missing-app-cert-sn"
                                                         : "isv.app-cert-not-exist");

          c->app_cert_sn = g_strdup (bad_apps[i]);
        }
      for (gsize i = 0; i < G_N_ELEMENTS (bad_roots); i++)
        {
          g_autofree char *what = g_strdup_printf ("alipay_root_cert_sn %zu", i);
          ModeCase *c = add_mode_case (cases, v3, what, *bad_roots[i] == '\0'
                                                         ? "isv.missing-alipay-root-cert-sn"
                                                         : "isv.invalid-alipay-root-cert-sn");

          c->root_cert_sn = g_strdup (bad_roots[i]);
        }
    }
}

/* A ciphertext whose padding is wrong for sure: the last byte of the first of two blocks
 * flipped, which flips the last byte of the padding block (16 × 0x10) to 0x11. */
static char *
wrong_padding_ciphertext (void)
{
  g_autofree char *good = encrypt_ok ("0123456789abcdef");
  g_autofree guchar *raw = NULL;
  gsize length = 0;

  raw = g_base64_decode (good, &length);
  g_assert_cmpuint (length, ==, 32);
  raw[15] ^= 0x01;
  return g_base64_encode (raw, length);
}

/* Bad encryption types and ciphertexts, for v2 (biz_content) and v3 (the body). */
static void
add_ciphertext_cases (GPtrArray *cases)
{
  g_autofree char *object = encrypt_ok ("{}");
  g_autofree guint8 *random = g_malloc (30 * 1024);
  g_autofree char *huge = NULL;
  const char *types[] = { "aes", "AES ", "DES", "RSA2", "AES256", "Aes" };
  struct { const char *content; gboolean plaintext; const char *sub_code; } contents[] = {
    { "!!!", FALSE, "isv.decryption-error-unknown" },
    { NULL /* truncated by a character */, FALSE, "isv.decryption-error-unknown" },
    { NULL /* 15 bytes */, FALSE, "isv.decryption-error-unknown" },
    { NULL /* wrong padding */, FALSE, "isv.decryption-error-unknown" },
    { "lU9k8uTo bp7ugtICFmhImQ==", FALSE, "isv.decryption-error-unknown" },
    { "lU9k8uTo-bp7ugtICFmhI_Q==", FALSE, "isv.decryption-error-unknown" },
    { "=", FALSE, "isv.decryption-error-unknown" },
    { NULL /* 30 KiB of random blocks */, FALSE, "isv.decryption-error-unknown" },
    { "\xff\xfe", TRUE, "isv.decryption-error-unknown" },
    { "[]", TRUE, "isv.invalid-parameter" },
    { "null", TRUE, "isv.invalid-parameter" },
    { "{", TRUE, "isv.invalid-parameter" },
  };
  g_autofree char *truncated = g_strndup (object, strlen (object) - 1);
  g_autofree char *fifteen = g_strndup (object, 20);
  g_autofree char *wrong_padding = wrong_padding_ciphertext ();

  g_assert_true (authsim_crypto_random_bytes (random, 30 * 1024));
  huge = g_base64_encode (random, 30 * 1024);
  contents[1].content = truncated;
  contents[2].content = fifteen;
  contents[3].content = wrong_padding;
  contents[7].content = huge;

  for (int v3 = 0; v3 <= 1; v3++)
    {
      for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
        {
          g_autofree char *what = g_strdup_printf ("encrypt type “%s”", types[i]);
          ModeCase *c;

          /* HTTP drops the space at the end of a header value. */
          if (v3 && g_str_has_suffix (types[i], " "))
            continue;
          c = add_mode_case (cases, v3, what, "isv.decryption-error-not-valid-encrypt-type");

          c->encrypt_type = g_strdup (types[i]);
          c->content = g_strdup (object);
        }
      for (gsize i = 0; i < G_N_ELEMENTS (contents); i++)
        {
          g_autofree char *what = g_strdup_printf ("ciphertext %zu", i);
          ModeCase *c = add_mode_case (cases, v3, what, contents[i].sub_code);

          c->encrypt_type = g_strdup ("AES");
          c->content = contents[i].plaintext ? encrypt_ok (contents[i].content)
                                             : g_strdup (contents[i].content);
          if (!v3 && strcmp (contents[i].sub_code, "isv.decryption-error-unknown") == 0)
            c->status = 40003;
        }
    }
  {
    const char *v3_types[] = { "application/json", "multipart/form-data; boundary=zz" };

    for (gsize i = 0; i < G_N_ELEMENTS (v3_types); i++)
      {
        g_autofree char *what = g_strdup_printf ("encrypted body of type %s", v3_types[i]);
        ModeCase *c = add_mode_case (cases, TRUE, what, "isv.invalid-content-type");

        c->encrypt_type = g_strdup ("AES");
        c->content = g_strdup (object);
        c->content_type = g_strdup (v3_types[i]);
      }
  }
}

/* Sends @c for the token @token; NULL when it was answered as expected, else what came. */
static char *
run_mode_case (Fixture        *f,
               const ModeCase *c,
               const char     *token)
{
  sdk.app_cert_sn = c->app_cert_sn != NULL ? (*c->app_cert_sn != '\0' ? c->app_cert_sn : NULL)
                                           : authsim_certs_get_app_cert_sn (shared_certs);
  sdk.root_cert_sn = c->root_cert_sn != NULL ? (*c->root_cert_sn != '\0' ? c->root_cert_sn : NULL)
                                             : authsim_certs_get_root_cert_sn (shared_certs);
  if (!c->v3)
    {
      g_autoptr(Form) form = v2_form (f->app_id, "alipay.user.info.share");
      g_autoptr(V2Response) r = NULL;
      JsonObject *node;

      form_add (form, "auth_token", token);
      r = v2_encrypted (f, form, c->encrypt_type, c->content);
      node = JSON_NODE_HOLDS_OBJECT (r->node) ? json_node_get_object (r->node) : NULL;
      if (node == NULL || strcmp (r->key, SHARE_KEY) != 0 ||
          g_strcmp0 (json_object_get_string_member_with_default (node, "sub_code", ""),
                     c->sub_code) != 0 ||
          g_strcmp0 (json_object_get_string_member_with_default (node, "code", ""),
                     c->status == 40003 ? "40003" : "40002") != 0)
        return g_strdup (r->node_text);
      return NULL;
    }
  {
    g_autofree char *path = g_strdup_printf ("/v3/alipay/user/info/share?auth_token=%s", token);
    V3Request req = { "POST", path, c->content != NULL ? c->content : "{}", f->app_id, FALSE,
                      TRUE, c->content_type, c->encrypt_type, FALSE };
    g_autoptr(V3Response) r = v3_send (f, &req);
    JsonObject *obj = json_node_get_object (r->json);

    if (r->status != c->status ||
        g_strcmp0 (json_object_get_string_member_with_default (obj, "code", ""),
                   c->sub_code + strlen ("isv.")) != 0)
      return g_strdup_printf ("%u %s", r->status, r->body);
    return NULL;
  }
}

static void
test_hostile_modes (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *token = get_token (f, f->app_id, "auth_user", 371);
  g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func ((GDestroyNotify) mode_case_free);
  g_autoptr(GString) report = g_string_new (NULL);
  guint failures = 0;

  add_sn_cases (cases);
  add_ciphertext_cases (cases);
  g_test_message ("%u hostile certificate and encryption requests", cases->len);
  g_assert_cmpuint (cases->len, >=, 50);

  for (guint i = 0; i < cases->len; i++)
    {
      const ModeCase *c = cases->pdata[i];
      g_autofree char *wrong = run_mode_case (f, c, token);

      if (wrong != NULL)
        {
          failures++;
          g_string_append_printf (report, "%s: expected %s, got %.300s\n", c->name, c->sub_code,
                                  wrong);
        }
    }
  if (failures > 0)
    g_error ("%u requests were not answered as expected:\n%s", failures, report->str);

  /* The gateway still answers good requests, encrypted ones included. */
  sdk.app_cert_sn = authsim_certs_get_app_cert_sn (shared_certs);
  sdk.root_cert_sn = authsim_certs_get_root_cert_sn (shared_certs);
  {
    g_autofree char *object = encrypt_ok ("{}");
    g_autoptr(Form) form = v2_form (f->app_id, "alipay.user.info.share");
    g_autoptr(V2Response) r = NULL;
    g_autoptr(JsonNode) node = NULL;
    g_autofree char *path = g_strdup_printf ("/v3/alipay/user/info/share?auth_token=%s", token);
    g_autoptr(V3Response) v3 = NULL;
    g_autoptr(JsonNode) v3_node = NULL;

    form_add (form, "auth_token", token);
    r = v2_encrypted (f, form, "AES", object);
    node = decrypt_v2_node (r);
    v3 = v3_encrypted (f, path, "{}", NULL, "AES", NULL, FALSE, TRUE);
    v3_node = decrypt_v3_body (v3);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Over-long request lines and header blocks                                                  */

/* Sends @request on a new connection (reading what comes back meanwhile) and returns all that
 * came back until the server closed the connection. */
static GByteArray *
raw_exchange (Fixture    *f,
              const char *request,
              gsize       length)
{
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  GByteArray *response = g_byte_array_new ();
  GSocket *socket;
  gsize sent = 0;
  char buf[4096];
  gssize n;

  g_socket_client_set_enable_proxy (socket_client, FALSE);
  conn = g_socket_client_connect_to_host (socket_client, "127.0.0.1",
                                          (guint16) authsim_gateway_get_port (f->gateway), NULL,
                                          &error);
  g_assert_no_error (error);
  socket = g_socket_connection_get_socket (conn);
  g_socket_set_blocking (socket, FALSE);
  /* Send and read by turns: the server answers (and stops reading) before all is sent. */
  while (TRUE)
    {
      if (sent < length)
        {
          n = g_socket_send (socket, request + sent, length - sent, NULL, NULL);
          if (n > 0)
            sent += (gsize) n;
        }
      n = g_socket_receive (socket, buf, sizeof buf, NULL, &error);
      if (n == 0)
        break;
      if (n > 0)
        g_byte_array_append (response, (const guint8 *) buf, (guint) n);
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_clear_error (&error);
          g_socket_condition_timed_wait (socket, G_IO_IN | G_IO_OUT, 100 * 1000, NULL, NULL);
        }
      else
        g_error ("receive failed: %s", error->message);
    }
  return response;
}

/* The answer in @response number @index (0 for the first): its status, and its JSON body's
 * code, or for a v2 answer (@code NULL) its error_response. */
static void
assert_raw_answer (GByteArray *response,
                   guint       index,
                   guint       status,
                   const char *code)
{
  g_autofree char *text = g_strndup ((const char *) response->data, response->len);
  const char *at = text;
  g_autofree char *status_line = NULL;
  const char *body;
  const char *next;
  g_autofree char *json_text = NULL;
  g_autoptr(JsonNode) json = NULL;

  for (guint i = 0; i < index; i++)
    {
      at = strstr (at + 1, "HTTP/1.1 ");
      g_assert_nonnull (at);
    }
  g_assert_true (g_str_has_prefix (at, "HTTP/1.1 "));
  status_line = g_strdup_printf ("HTTP/1.1 %u ", status);
  g_assert_true (g_str_has_prefix (at, status_line));
  body = strstr (at, "\r\n\r\n");
  g_assert_nonnull (body);
  body += 4;
  next = strstr (body, "HTTP/1.1 ");
  json_text = next != NULL ? g_strndup (body, next - body) : g_strdup (body);
  json = test_parse (json_text);
  if (code != NULL)
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json), "code"), ==,
                     code);
  else
    g_assert_true (json_object_has_member (json_node_get_object (json), "error_response"));
}

static void
test_header_limits (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *big = g_strnfill (100 * 1024, 'a');
  g_autofree char *limit = g_strnfill (40 * 1024, 'b');

  /* A request line of 100 KB: 414, not a silent close. */
  {
    g_autofree char *request = g_strdup_printf ("GET /gateway.do?app_id=%s HTTP/1.1\r\n"
                                                "Host: x\r\n\r\n", big);
    g_autoptr(GByteArray) r = raw_exchange (f, request, strlen (request));

    assert_raw_answer (r, 0, 414, "request-line-too-long");
    assert_request_event (f, NULL, NULL, "request-line-too-long", NULL, 414, 0);
  }
  /* 100 KB of one header, and 100 KB of many: 431. */
  {
    g_autofree char *request = g_strdup_printf ("GET /gateway.do HTTP/1.1\r\nHost: x\r\n"
                                                "X-Big: %s\r\n\r\n", big);
    g_autoptr(GByteArray) r = raw_exchange (f, request, strlen (request));

    assert_raw_answer (r, 0, 431, "headers-too-large");
    assert_request_event (f, NULL, NULL, "headers-too-large", NULL, 431, 0);
  }
  {
    GString *request = g_string_new ("POST /v3/alipay/system/oauth/token HTTP/1.1\r\nHost: x\r\n");
    g_autoptr(GByteArray) r = NULL;

    for (guint i = 0; i < 8000; i++)
      g_string_append_printf (request, "X-H%u: %u\r\n", i, i);
    g_string_append (request, "\r\n");
    r = raw_exchange (f, request->str, request->len);
    assert_raw_answer (r, 0, 431, "headers-too-large");
    g_string_free (request, TRUE);
  }
  /* 40 KB of headers are served; on a kept-alive connection, a second request whose headers
   * are too large is answered 431 after the first one's answer. */
  {
    g_autofree char *request = g_strdup_printf ("GET /gateway.do HTTP/1.1\r\nHost: x\r\n"
                                                "X-A: %s\r\n\r\n", limit);
    g_autofree char *second = g_strdup_printf ("GET /gateway.do HTTP/1.1\r\nHost: x\r\n"
                                               "X-Big: %s\r\n\r\n", big);
    g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
    g_autoptr(GSocketConnection) conn = NULL;
    g_autoptr(GByteArray) r = g_byte_array_new ();
    GSocket *socket;
    char buf[4096];
    gssize n;

    g_socket_client_set_enable_proxy (socket_client, FALSE);
    conn = g_socket_client_connect_to_host (socket_client, "127.0.0.1",
                                            (guint16) authsim_gateway_get_port (f->gateway),
                                            NULL, NULL);
    g_assert_nonnull (conn);
    socket = g_socket_connection_get_socket (conn);
    g_socket_set_timeout (socket, 10);
    g_assert_cmpint (g_socket_send (socket, request, strlen (request), NULL, NULL), ==,
                     (gssize) strlen (request));
    /* The first answer in full (it ends with the signed JSON's "}"), then the second request. */
    while (r->len == 0 || r->data[r->len - 1] != '}')
      {
        n = g_socket_receive (socket, buf, sizeof buf, NULL, NULL);
        g_assert_cmpint (n, >, 0);
        g_byte_array_append (r, (const guint8 *) buf, (guint) n);
      }
    g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), second,
                               strlen (second), NULL, NULL, NULL);
    while ((n = g_socket_receive (socket, buf, sizeof buf, NULL, NULL)) > 0)
      g_byte_array_append (r, (const guint8 *) buf, (guint) n);
    assert_raw_answer (r, 0, 200, NULL);
    assert_raw_answer (r, 1, 431, "headers-too-large");
  }

  /* The gateway still answers. */
  {
    g_autofree char *code = issue_code (f, f->app_id, "auth_user", 381);
    g_autoptr(V2Response) r = exchange_code (f, f->app_id, code);

    g_assert_cmpstr (node_string (r, "user_id"), ==, f->user_id);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Hostile input over raw sockets                                                             */

typedef enum
{
  EXPECT_JSON,    /* an HTTP status line and a JSON body */
  EXPECT_STATUS,  /* an HTTP error status (libsoup's own parser errors have no body) */
  EXPECT_ANY,     /* a status, a closed connection or our timeout: anything but a crash */
} Expect;

typedef struct
{
  char    *name;
  GBytes  *request;
  Expect   expect;
  gboolean half_close;  /* shut down the write side after sending */
} Hostile;

static void
hostile_free (Hostile *h)
{
  g_free (h->name);
  g_bytes_unref (h->request);
  g_free (h);
}

static void
add_case (GPtrArray  *cases,
          const char *name,
          const char *data,
          gssize      length,
          Expect      expect,
          gboolean    half_close)
{
  Hostile *h = g_new0 (Hostile, 1);

  h->name = g_strdup (name);
  h->request = g_bytes_new (data, length < 0 ? strlen (data) : (gsize) length);
  h->expect = expect;
  h->half_close = half_close;
  g_ptr_array_add (cases, h);
}

static void
add_post (GPtrArray  *cases,
          const char *name,
          const char *target,
          const char *content_type,
          const char *body,
          Expect      expect)
{
  g_autofree char *request = NULL;

  request = g_strdup_printf ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                             "%s%s%sContent-Length: %zu\r\n\r\n%s",
                             target,
                             content_type != NULL ? "Content-Type: " : "",
                             content_type != NULL ? content_type : "",
                             content_type != NULL ? "\r\n" : "",
                             strlen (body), body);
  add_case (cases, name, request, -1, expect, FALSE);
}

static gboolean
percent_encoding_valid (const char *s)
{
  for (; *s != '\0'; s++)
    if (*s == '%' && !(g_ascii_isxdigit (s[1]) && g_ascii_isxdigit (s[2])))
      return FALSE;
  return TRUE;
}

/* Request lines and headers that are not HTTP, or not HTTP we serve. */
static void
add_garbage_cases (GPtrArray *cases)
{
  static const char * const garbage_lines[] = {
    "\r\n\r\n", "GARBAGE\r\n\r\n", "GET\r\n\r\n", "GET /\r\n\r\n",
    "GET / HTTP/9.9\r\n\r\n", "GET / HTTP/1.1 extra\r\n\r\n", "get /gateway.do HTTP/1.1\r\n\r\n",
    "POST gateway.do HTTP/1.1\r\nHost: x\r\n\r\n", "POST /gateway.do HTTP/1.1\r\n\r\n",
    "\x00\x01\x02\x03\r\n\r\n", "POST /gateway.do HTTP/1.1\r\nHost: a/b\r\n\r\n",
    "POST /gateway.do HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    "POST /gateway.do HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    "POST /gateway.do HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
    "POST /gateway.do HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
    "POST /gateway.do HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n",
    "POST /gateway.do HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabc\r\n0\r\n\r\n",
    "POST /gateway.do HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n",
    "POST /gateway.do HTTP/1.1\r\nHost: x\r\n: empty name\r\n\r\n",
    "POST /gateway.do HTTP/1.1\r\nHost: x\r\nX: \xff\xfe\r\n\r\n",
    "POST /gate\xffway.do HTTP/1.1\r\nHost: x\r\n\r\n",
    "POST /%zz HTTP/1.1\r\nHost: x\r\n\r\n",
    "POST /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
    "POST http://other.example/gateway.do HTTP/1.1\r\nHost: x\r\n\r\n",
    "CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: x\r\n\r\n",
    "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /gateway.do HTTP/1.0\r\n\r\n",
    "HEAD /gateway.do HTTP/1.1\r\nHost: x\r\n\r\n",
    "TRACE /gateway.do HTTP/1.1\r\nHost: x\r\n\r\n",
    "BREW /gateway.do HTTP/1.1\r\nHost: x\r\n\r\n",
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (garbage_lines); i++)
    {
      g_autofree char *name = g_strdup_printf ("garbage line %zu", i);

      add_case (cases, name, garbage_lines[i], i == 9 ? 8 : -1, EXPECT_ANY, TRUE);
    }
}

/* v2 parameters, in a form body and in the query string. */
static void
add_v2_cases (GPtrArray *cases)
{
  static const char * const v2_bodies[] = {
    "", "&", "&&&", "=", "==", "a", "a=", "=a", "a=b=c", "%", "%%", "%2", "%G0", "+++",
    "app_id", "app_id=", "method=alipay.system.oauth.token", "app_id=%FF", "method=%C0%AF",
    "sign=%2B%2F%3D", "sign=AAAA&sign=BBBB", "timestamp=%00", "x=\xff\xfe",
    "app_id=2021004112345678&method=alipay.system.oauth.token&sign_type=RSA2&sign=abc",
    "app_id=2021004112345678&method=alipay.system.oauth.token&sign_type=RSA2&sign=abc"
    "&timestamp=2024-01-01+00%3A00%3A00",
    "app_id=2021004112345678&method=nope&sign_type=RSA2&sign=abc&timestamp=2024-01-01+00:00:00",
    "app_id=2021004112345678&method=alipay.user.info.share&sign_type=MD5&sign=abc"
    "&timestamp=2024-01-01+00%3A00%3A00",
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (v2_bodies); i++)
    {
      g_autofree char *name = g_strdup_printf ("v2 body %zu", i);
      g_autofree char *name_q = g_strdup_printf ("v2 query %zu", i);
      g_autofree char *target = g_strdup_printf ("/gateway.do?%s", v2_bodies[i]);

      add_post (cases, name, "/gateway.do", "application/x-www-form-urlencoded", v2_bodies[i],
                EXPECT_JSON);
      /* In a request line, libsoup itself answers a bad %-escape with a bare 400. */
      if (strchr (v2_bodies[i], ' ') == NULL && strchr (v2_bodies[i], '\xff') == NULL)
        add_post (cases, name_q, target, NULL, "",
                  percent_encoding_valid (v2_bodies[i]) ? EXPECT_JSON : EXPECT_STATUS);
    }
}

/* v3 bodies and Authorization headers. */
static void
add_v3_cases (GPtrArray *cases)
{
  static const char * const v3_bodies[] = {
    "", "{", "}", "[]", "null", "1", "\"s\"", "{\"grant_type\":", "{\"a\":1}{\"b\":2}",
    "{\"grant_type\":null}", "{\"grant_type\":[\"x\"]}", "{\"code\":{}}", "\xff\xfe{}",
    "{\"grant_type\":\"authorization_code\",\"code\":\"\xc3\x28\"}",
  };
  static const char * const authorizations[] = {
    "", "Bearer abc", "ALIPAY-SHA256withRSA", "ALIPAY-SHA256withRSA ",
    "ALIPAY-SHA256withRSA app_id=1", "ALIPAY-SHA256withRSA ,sign=", "ALIPAY-SHA256withRSA sign=x",
    "ALIPAY-SHA256withRSA app_id=2021004112345678,nonce=n,timestamp=1,sign=***",
    "ALIPAY-SHA256withRSA app_id=2021004112345678,nonce=n,timestamp=abc,sign=AAAA",
    "ALIPAY-SHA256withRSA app_id=2021004112345678,timestamp=1,sign=AAAA",
    "ALIPAY-SHA256withRSA app_id=\xff,nonce=n,timestamp=1,sign=AAAA",
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (v3_bodies); i++)
    {
      g_autofree char *name = g_strdup_printf ("v3 body %zu", i);

      add_post (cases, name, "/v3/alipay/system/oauth/token", "application/json", v3_bodies[i],
                EXPECT_JSON);
    }

  for (i = 0; i < G_N_ELEMENTS (authorizations); i++)
    {
      g_autofree char *name = g_strdup_printf ("v3 authorization %zu", i);
      g_autofree char *request = g_strdup_printf (
        "POST /v3/alipay/system/oauth/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        "Authorization: %s\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
        authorizations[i]);

      add_case (cases, name, request, -1, EXPECT_JSON, FALSE);
    }
}

/* Bodies that spoil a well-signed query. */
static void
add_signed_query_cases (GPtrArray  *cases,
                        const char *signed_query)
{
  gsize i;

  /* Wrong content types with a well-signed query. */
  {
    static const char * const types[] = {
      "application/json", "text/plain", "text/xml", "multipart/form-data; boundary=zz",
      "application/x-www-form-urlencoded; charset=latin1", "garbage", ";;;", "a/b; c",
    };
    g_autofree char *target = g_strdup_printf ("/gateway.do?%s", signed_query);

    for (i = 0; i < G_N_ELEMENTS (types); i++)
      {
        g_autofree char *name = g_strdup_printf ("content type %zu", i);

        add_post (cases, name, target, types[i], "code=x", EXPECT_JSON);
      }
  }

  /* Duplicates between a signed query and the body. */
  {
    g_autofree char *target = g_strdup_printf ("/gateway.do?%s", signed_query);

    add_post (cases, "dup app_id", target, "application/x-www-form-urlencoded",
              "app_id=2021004112345678", EXPECT_JSON);
    add_post (cases, "dup sign", target, "application/x-www-form-urlencoded", "sign=x",
              EXPECT_JSON);
    add_post (cases, "dup method", target, "application/x-www-form-urlencoded",
              "method=alipay.user.info.share", EXPECT_JSON);
  }
}

/* Bodies, headers and queries past the limits. */
static void
add_size_cases (GPtrArray *cases)
{
  g_autofree char *huge_header = NULL;
  g_autofree char *big_body = NULL;
  g_autofree char *long_query = NULL;
  gsize i;

  big_body = g_strnfill (70 * 1024, 'a');
  add_post (cases, "body over 64 KiB", "/gateway.do", "application/x-www-form-urlencoded",
            big_body, EXPECT_JSON);
  add_post (cases, "v3 body over 64 KiB", "/v3/alipay/system/oauth/token", "application/json",
            big_body, EXPECT_JSON);
  add_case (cases, "huge content-length, no body",
            "POST /gateway.do HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n", -1,
            EXPECT_JSON, FALSE);
  add_case (cases, "content-length 65537, nothing sent",
            "POST /gateway.do HTTP/1.1\r\nHost: x\r\nContent-Length: 65537\r\n\r\n", -1,
            EXPECT_JSON, FALSE);
  {
    GString *chunked = g_string_new ("POST /gateway.do HTTP/1.1\r\nHost: x\r\n"
                                     "Transfer-Encoding: chunked\r\n\r\n");

    for (i = 0; i < 20; i++)
      {
        g_string_append_printf (chunked, "1000\r\n");
        for (gsize j = 0; j < 0x1000; j++)
          g_string_append_c (chunked, 'b');
        g_string_append (chunked, "\r\n");
      }
    add_case (cases, "chunked over 64 KiB", chunked->str, chunked->len, EXPECT_JSON, FALSE);
    g_string_free (chunked, TRUE);
  }
  add_case (cases, "chunked, small, valid",
            "POST /gateway.do HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            "Transfer-Encoding: chunked\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            "\r\n5\r\napp_i\r\n3\r\nd=1\r\n0\r\n\r\n", -1, EXPECT_JSON, FALSE);
  add_case (cases, "chunk size overflow",
            "POST /gateway.do HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            "FFFFFFFFFFFFFFFFFFFF\r\nx\r\n", -1, EXPECT_ANY, TRUE);
  huge_header = g_strdup_printf ("GET /gateway.do HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n",
                                 big_body);
  add_case (cases, "70 KiB header", huge_header, -1, EXPECT_JSON, TRUE);
  {
    GString *many = g_string_new ("GET /gateway.do HTTP/1.1\r\nHost: x\r\n");

    for (i = 0; i < 3000; i++)
      g_string_append_printf (many, "X-H%zu: %zu\r\n", i, i);
    g_string_append (many, "\r\n");
    add_case (cases, "3000 headers", many->str, many->len, EXPECT_JSON, TRUE);
    g_string_free (many, TRUE);
  }
  long_query = g_strdup_printf ("/gateway.do?%.*s", 30000, big_body);
  add_post (cases, "30 KB query", long_query, NULL, "", EXPECT_JSON);
  {
    g_autofree char *query_100k = g_strnfill (100 * 1024, 'q');
    g_autofree char *line = g_strdup_printf ("GET /gateway.do?app_cert_sn=%s HTTP/1.1\r\n"
                                             "Host: x\r\n\r\n", query_100k);
    g_autofree char *header = g_strdup_printf ("POST /v3/alipay/system/oauth/token HTTP/1.1\r\n"
                                               "Host: x\r\nalipay-root-cert-sn: %s\r\n\r\n",
                                               query_100k);

    add_case (cases, "100 KB request line", line, -1, EXPECT_JSON, FALSE);
    add_case (cases, "100 KB alipay-root-cert-sn", header, -1, EXPECT_JSON, FALSE);
    add_post (cases, "70 KB biz_content", "/gateway.do", "application/x-www-form-urlencoded",
              big_body, EXPECT_JSON);
  }
}

/* Truncated requests, unknown paths and methods. */
static void
add_route_cases (GPtrArray *cases)
{
  /* Truncated: Content-Length larger than what is sent. */
  add_case (cases, "truncated, then half-closed",
            "POST /gateway.do HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\napp_id=1", -1,
            EXPECT_ANY, TRUE);
  add_case (cases, "truncated, kept open",
            "POST /gateway.do HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\napp_id=1", -1,
            EXPECT_ANY, FALSE);
  add_case (cases, "headers never finished", "POST /gateway.do HTTP/1.1\r\nHost: x\r\n", -1,
            EXPECT_ANY, FALSE);
  add_case (cases, "nothing at all", "", 0, EXPECT_ANY, TRUE);

  /* Unknown paths and methods. */
  add_post (cases, "unknown path", "/nope", NULL, "", EXPECT_JSON);
  add_post (cases, "v3 unknown", "/v3/", NULL, "", EXPECT_JSON);
  add_post (cases, "v3 deep unknown", "/v3/alipay/../../x", NULL, "", EXPECT_ANY);
  add_case (cases, "PUT gateway",
            "PUT /gateway.do HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            -1, EXPECT_JSON, FALSE);
  add_case (cases, "GET v3",
            "GET /v3/alipay/system/oauth/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            -1, EXPECT_JSON, FALSE);
  add_case (cases, "expect 100-continue oversized",
            "POST /gateway.do HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
            "Content-Length: 1000000\r\n\r\n", -1, EXPECT_JSON, FALSE);
}

static GPtrArray *
hostile_cases (Fixture    *f,
               const char *signed_query)
{
  GPtrArray *cases = g_ptr_array_new_with_free_func ((GDestroyNotify) hostile_free);

  add_garbage_cases (cases);
  add_v2_cases (cases);
  add_v3_cases (cases);
  add_signed_query_cases (cases, signed_query);
  add_size_cases (cases);
  add_route_cases (cases);
  return cases;
}

typedef struct
{
  guint16    port;
  GPtrArray *cases;
  guint      failures;
  GString   *report;
  gboolean   done;
} HostileRun;

/* Status code of an HTTP response, or 0. */
static guint
response_status (const char *data,
                 gsize       length)
{
  if (length < 12 || !g_str_has_prefix (data, "HTTP/1."))
    return 0;
  return (guint) g_ascii_strtoull (data + 9, NULL, 10);
}

static gboolean
response_has_json_body (const char *data,
                        gsize       length)
{
  const char *end = g_strstr_len (data, length, "\r\n\r\n");
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (end == NULL)
    return FALSE;
  end += 4;
  return json_parser_load_from_data (parser, end, data + length - end, NULL) &&
         json_parser_get_root (parser) != NULL &&
         JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser));
}

static gpointer
hostile_thread (gpointer user_data)
{
  HostileRun *run = user_data;

  for (guint i = 0; i < run->cases->len; i++)
    {
      Hostile *h = run->cases->pdata[i];
      g_autoptr(GSocketClient) client = g_socket_client_new ();
      g_autoptr(GSocketConnection) conn = NULL;
      g_autoptr(GByteArray) response = g_byte_array_new ();
      g_autoptr(GError) error = NULL;
      GSocket *socket;
      gsize length = 0;
      const char *data = g_bytes_get_data (h->request, &length);
      char buf[4096];
      gssize n;
      guint status;
      gboolean ok;

      g_socket_client_set_timeout (client, 5);
      g_socket_client_set_enable_proxy (client, FALSE);
      conn = g_socket_client_connect_to_host (client, "127.0.0.1", run->port, NULL, &error);
      if (conn == NULL)
        {
          g_string_append_printf (run->report, "%s: connect failed: %s\n", h->name,
                                  error->message);
          run->failures++;
          continue;
        }
      socket = g_socket_connection_get_socket (conn);
      /* Writes may fail once the server has answered and closed: that is fine. */
      if (length > 0)
        g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
                                   data, length, NULL, NULL, NULL);
      if (h->half_close)
        g_socket_shutdown (socket, FALSE, TRUE, NULL);

      g_socket_set_timeout (socket, h->expect == EXPECT_ANY ? 2 : 10);
      while ((n = g_socket_receive (socket, buf, sizeof buf, NULL, NULL)) > 0 &&
             response->len < 1024 * 1024)
        {
          g_byte_array_append (response, (const guint8 *) buf, n);
          /* Without "Connection: close" the server may keep the connection open: stop
           * once a complete JSON body is in. */
          if (response_has_json_body ((const char *) response->data, response->len))
            break;
        }

      status = response_status ((const char *) response->data, response->len);
      switch (h->expect)
        {
        case EXPECT_JSON:
          ok = status >= 200 && response_has_json_body ((const char *) response->data,
                                                        response->len);
          break;
        case EXPECT_STATUS:
          ok = status >= 400;
          break;
        case EXPECT_ANY:
        default:
          ok = TRUE;
          break;
        }
      if (!ok)
        {
          run->failures++;
          g_string_append_printf (run->report, "%s: expected %s, got %u: %.*s\n", h->name,
                                  h->expect == EXPECT_JSON ? "JSON" : "a status", status,
                                  (int) MIN (response->len, 300), response->data);
        }
      g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
    }

  g_atomic_int_set (&run->done, TRUE);
  g_main_context_wakeup (NULL);
  return NULL;
}

static void
test_hostile (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(Form) form = v2_form (f->app_id, "alipay.system.oauth.token");
  g_autofree char *query = NULL;
  g_autoptr(GPtrArray) cases = NULL;
  HostileRun run = { 0, };
  GThread *thread;
  gint64 deadline;

  form_add (form, "grant_type", "authorization_code");
  form_add (form, "code", "x");
  form_sign (form);
  query = form_encode (form, TRUE, TRUE);
  cases = hostile_cases (f, query);
  g_test_message ("%u hostile requests", cases->len);
  g_assert_cmpuint (cases->len, >=, 100);

  run.port = (guint16) authsim_gateway_get_port (f->gateway);
  run.cases = cases;
  run.report = g_string_new (NULL);
  thread = g_thread_new ("hostile", hostile_thread, &run);
  deadline = g_get_monotonic_time () + 600 * G_USEC_PER_SEC;
  while (!g_atomic_int_get (&run.done) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (g_atomic_int_get (&run.done));
  g_thread_join (thread);

  if (run.failures > 0)
    g_error ("%u hostile requests were not answered properly:\n%s", run.failures,
             run.report->str);
  g_string_free (run.report, TRUE);

  /* The gateway still works. */
  {
    g_autofree char *code = issue_code (f, f->app_id, "auth_user", 123);
    g_autoptr(V2Response) r = exchange_code (f, f->app_id, code);

    g_assert_cmpstr (node_string (r, "user_id"), ==, f->user_id);
  }
}

/* ------------------------------------------------------------------------------------------ */

#define ADD(path, func) \
  g_test_add ("/authsim/gateway/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
#define ADD_CERT(path, func) \
  g_test_add ("/authsim/gateway/" path, Fixture, CERT_MODE, fixture_setup, func, \
              fixture_teardown)

/* Certificate mode and AES (SPEC §13), and tests of key mode that run in certificate mode too. */
static void
add_sign_mode_tests (void)
{
  ADD_CERT ("cert/listening", test_cert_listening);
  ADD_CERT ("cert/v2", test_cert_v2);
  ADD_CERT ("cert/v3", test_cert_v3);
  ADD ("cert/key-mode-ignores-cert-parameters", test_key_mode_ignores_cert_parameters);
  ADD ("aes/v2", test_aes_v2);
  ADD_CERT ("aes/v2-cert-mode", test_aes_v2);
  ADD ("aes/v2-errors", test_aes_v2_errors);
  ADD_CERT ("aes/v2-errors-cert-mode", test_aes_v2_errors);
  g_test_add_func ("/authsim/gateway/aes/key-not-configured", test_aes_key_not_configured);
  ADD ("aes/v3", test_aes_v3);
  ADD_CERT ("aes/v3-cert-mode", test_aes_v3);
  ADD ("aes/v3-errors", test_aes_v3_errors);
  ADD_CERT ("aes/v3-errors-cert-mode", test_aes_v3_errors);
  ADD_CERT ("cert/token-success", test_token_success);
  ADD_CERT ("cert/token-refresh", test_token_refresh);
  ADD_CERT ("cert/share-invalid-tokens", test_share_invalid_tokens);
  ADD_CERT ("cert/bad-signature", test_bad_signature);
  ADD_CERT ("cert/v3-token-and-share", test_v3_token_and_share);
  ADD_CERT ("cert/v3-errors", test_v3_errors);
  ADD_CERT ("cert/concurrent", test_concurrent);
  ADD_CERT ("cert/hostile-modes", test_hostile_modes);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *keys_dir = NULL;
  int result;

  /* Talk to 127.0.0.1 directly: GIO's default proxy resolver module reads GSettings, whose
   * schemas ISOLATE_DIRS hides. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  keys_dir = g_dir_make_tmp ("authsim-gateway-keys-XXXXXX", &error);
  g_assert_no_error (error);
  shared_keys = authsim_keys_load (keys_dir, NULL, NULL, &error);
  g_assert_no_error (error);
  shared_certs = authsim_certs_load (shared_keys, NULL, &error);
  g_assert_no_error (error);

  ADD ("listening", test_listening);
  ADD ("token/success", test_token_success);
  ADD ("token/auth-base", test_token_auth_base);
  ADD ("token/code-single-use", test_token_code_single_use);
  ADD ("token/code-expired", test_token_code_expired);
  ADD ("token/unknown-code", test_token_unknown_code);
  ADD ("token/plugin-code", test_token_plugin_code);
  ADD ("token/bad-arguments", test_token_bad_arguments);
  ADD ("token/refresh", test_token_refresh);
  ADD ("share/success", test_share_success);
  ADD ("share/fields-follow-profile", test_share_fields_follow_profile);
  ADD ("share/follows-user-edits", test_share_follows_user_edits);
  ADD ("share/auth-base", test_share_auth_base);
  ADD ("share/invalid-tokens", test_share_invalid_tokens);
  ADD ("open-id", test_open_id_mode);
  ADD ("checks/missing-parameters", test_missing_parameters);
  ADD ("checks/invalid-parameters", test_invalid_parameters);
  ADD ("checks/bad-signature", test_bad_signature);
  ADD ("checks/signature-rules", test_signature_rules);
  ADD ("checks/transport-modes", test_transport_modes);
  ADD ("checks/malformed-parameters", test_malformed_parameters);
  ADD ("v3/token-and-share", test_v3_token_and_share);
  ADD ("v3/errors", test_v3_errors);
  ADD ("transport-errors", test_transport_errors);
  ADD ("engine-code", test_engine_code);
  ADD ("concurrent", test_concurrent);
  ADD ("revoke", test_revoke);
  ADD ("code-race", test_code_race);
  ADD ("hostile", test_hostile);
  ADD ("header-limits", test_header_limits);
  add_sign_mode_tests ();

  result = g_test_run ();

  g_clear_object (&shared_certs);
  g_clear_object (&shared_keys);
  {
    const char *names[] = { "app-private.pem", "app-public.pem", "gateway-private.pem",
                            "gateway-public.pem", "aes.key", "ca-private.pem", "root-cert.crt",
                            "app-cert.crt", "gateway-cert.crt" };

    for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autofree char *path = g_build_filename (keys_dir, names[i], NULL);

        g_remove (path);
      }
    g_rmdir (keys_dir);
  }
  return result;
}
