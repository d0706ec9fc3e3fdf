/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "authsim-gateway.h"
#include "authsim-keys.h"
#include "test-utils.h"

/*
 * The mock gateway over real HTTP: a SoupSession client that builds and signs requests the way
 * the official SDKs do (v2 parameters sorted and signed with the app key, URL arguments in the
 * query and the rest in a form body; v3 with an ALIPAY-SHA256withRSA authorization header), and
 * raw sockets for hostile input. Every response signature is checked with the gateway public
 * key over the exact bytes of the node.
 */

static AuthsimKeys *shared_keys;  /* RSA generation is slow: one key set for the program */

typedef struct
{
  AuthsimProfile *profile;
  GListModel     *users;
  AuthsimStore   *store;
  AuthsimLog     *log;
  AuthsimEngine  *engine;
  AuthsimGateway *gateway;
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
 * gateway public key, and checks the envelope has nothing else. */
static V2Response *
v2_parse (guint  status,
          char  *body)
{
  V2Response *r = g_new0 (V2Response, 1);
  const char *colon, *sign_at;
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
  r->node_text = g_strndup (colon + 2, sign_at - colon - 2);
  sig = g_strndup (sign_at + 9, strlen (sign_at + 9) - 2);

  if (!authsim_keys_verify_gateway (shared_keys, r->node_text, strlen (r->node_text), sig,
                                    &error))
    g_error ("response signature does not verify (%s): %s", error->message, body);

  whole = test_parse (body);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (whole));
  obj = json_node_get_object (whole);
  g_assert_cmpuint (json_object_get_size (obj), ==, 2);
  g_assert_true (json_object_has_member (obj, r->key));
  g_assert_cmpstr (json_object_get_string_member (obj, "sign"), ==, sig);
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

/* Asserts the last request event, member by member; NULL strings mean JSON null. */
static void
assert_request_event (Fixture    *f,
                      const char *method,
                      const char *version,
                      const char *code,
                      const char *sub_code,
                      guint       status,
                      guint       call)
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
  json_builder_end_object (b);

  expected = json_builder_get_root (b);
  actual = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (actual, obj);
  test_assert_json_equal (expected, actual, "event");
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
  JsonNode *json;
} V3Response;

static void
v3_response_free (V3Response *r)
{
  g_free (r->body);
  if (r->json != NULL)
    json_node_unref (r->json);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (V3Response, v3_response_free)

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
  g_autofree char *url = g_strconcat (f->base, path_and_query, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (http_method, url);
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *auth_string = g_strdup_printf ("app_id=%s,nonce=%s,timestamp=%" G_GINT64_FORMAT,
                                                  app_id, uuid, g_get_real_time () / 1000);
  g_autofree char *sign_content = g_strdup_printf ("%s\n%s\n%s\n%s\n", auth_string, http_method,
                                                   path_and_query, body);
  g_autofree char *sign = authsim_keys_sign_as_app (shared_keys, sign_content,
                                                    strlen (sign_content), NULL);
  g_autofree char *authorization = g_strdup_printf ("ALIPAY-SHA256withRSA %s,sign=%s",
                                                    auth_string, sign);
  SoupMessageHeaders *response_headers;
  const char *ts, *nonce, *signature;
  g_autofree char *response_content = NULL;
  V3Response *r = g_new0 (V3Response, 1);
  const char *sent = tamper ? "{\"grant_type\":\"authorization_code\",\"code\":\"evil\"}" : body;

  g_assert_nonnull (msg);
  if (with_auth)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "authorization",
                                  authorization);
  if (strcmp (http_method, "POST") == 0)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (sent, strlen (sent));

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  r->body = http_send (f, msg, &r->status);

  response_headers = soup_message_get_response_headers (msg);
  g_assert_cmpstr (soup_message_headers_get_content_type (response_headers, NULL), ==,
                   "application/json");
  r->json = test_parse (r->body);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (r->json));

  ts = soup_message_headers_get_one (response_headers, "alipay-timestamp");
  nonce = soup_message_headers_get_one (response_headers, "alipay-nonce");
  signature = soup_message_headers_get_one (response_headers, "alipay-signature");
  g_assert_nonnull (ts);
  g_assert_nonnull (nonce);
  g_assert_nonnull (signature);
  response_content = g_strdup_printf ("%s\n%s\n%s\n", ts, nonce, r->body);
  g_assert_true (authsim_keys_verify_gateway (shared_keys, response_content,
                                              strlen (response_content), signature, NULL));
  return r;
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
  add_case (cases, "70 KiB header", huge_header, -1, EXPECT_ANY, TRUE);
  {
    GString *many = g_string_new ("GET /gateway.do HTTP/1.1\r\nHost: x\r\n");

    for (i = 0; i < 3000; i++)
      g_string_append_printf (many, "X-H%zu: %zu\r\n", i, i);
    g_string_append (many, "\r\n");
    add_case (cases, "3000 headers", many->str, many->len, EXPECT_ANY, TRUE);
    g_string_free (many, TRUE);
  }
  long_query = g_strdup_printf ("/gateway.do?%.*s", 30000, big_body);
  add_post (cases, "30 KB query", long_query, NULL, "", EXPECT_JSON);
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

  result = g_test_run ();

  g_clear_object (&shared_keys);
  {
    const char *names[] = { "app-private.pem", "app-public.pem", "gateway-private.pem",
                            "gateway-public.pem" };

    for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autofree char *path = g_build_filename (keys_dir, names[i], NULL);

        g_remove (path);
      }
    g_rmdir (keys_dir);
  }
  return result;
}
