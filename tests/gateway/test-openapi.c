/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "authsim-gateway.h"
#include "authsim-openapi.h"
#include "test-utils.h"

/*
 * The OpenAPI rules both ends follow (authsim-openapi.h): the v2 sign content, the form codec,
 * the v3 signed contents and the +08:00 time, on fixed inputs; then a client built from them
 * (what the scenario's exchange step does) against the real gateway.
 */

static AuthsimKeys *shared_keys;  /* RSA generation is slow: one key set for the program */

/* A char * → char * table of @first_key, value, …, NULL. */
static GHashTable *
params_of (const char *first_key,
           ...)
{
  GHashTable *params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  va_list args;

  va_start (args, first_key);
  for (const char *key = first_key; key != NULL; key = va_arg (args, const char *))
    g_hash_table_insert (params, g_strdup (key), g_strdup (va_arg (args, const char *)));
  va_end (args);
  return params;
}

/* @form decoded back into a table, each pair with authsim_openapi_form_decode(). */
static GHashTable *
form_parse (const char *form)
{
  GHashTable *params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) pairs = g_strsplit (form, "&", -1);
  g_autoptr(GString) key = g_string_new (NULL);
  g_autoptr(GString) value = g_string_new (NULL);

  for (guint i = 0; pairs[i] != NULL; i++)
    {
      const char *eq = strchr (pairs[i], '=');

      g_assert_nonnull (eq);
      g_assert_true (authsim_openapi_form_decode (pairs[i], eq - pairs[i], key));
      g_assert_true (authsim_openapi_form_decode (eq + 1, strlen (eq + 1), value));
      g_assert_false (g_hash_table_contains (params, key->str));
      g_hash_table_insert (params, g_strdup (key->str), g_strdup (value->str));
    }
  return params;
}

/* ------------------------------------------------------------------------------------------ */
/* v2 sign content                                                                            */

static void
test_sign_content_order (void)
{
  /* Byte order: upper case before '_' before lower case; a prefix first. */
  g_autoptr(GHashTable) params = params_of ("timestamp", "2024-01-02 03:04:05",
                                            "app_id", "2021000000000001",
                                            "a", "1", "B", "2", "a_b", "3", "ab", "4",
                                            "method", "alipay.system.oauth.token",
                                            NULL);
  g_autofree char *content = authsim_openapi_v2_sign_content (params);

  g_assert_cmpstr (content, ==,
                   "B=2&a=1&a_b=3&ab=4&app_id=2021000000000001"
                   "&method=alipay.system.oauth.token&timestamp=2024-01-02 03:04:05");
}

static void
test_sign_content_rules (void)
{
  /* sign is left out, sign_type kept, empty values dropped, nothing encoded. */
  g_autoptr(GHashTable) params = params_of ("sign", "c2lnbmF0dXJl+/=",
                                            "sign_type", "RSA2",
                                            "code", "",
                                            "biz_content", "{\"a\":\"x y&z=1%\"}",
                                            "name", "张三",
                                            NULL);
  g_autoptr(GHashTable) empty = params_of (NULL);
  g_autoptr(GHashTable) only_sign = params_of ("sign", "abc", "x", "", NULL);
  g_autofree char *content = authsim_openapi_v2_sign_content (params);
  g_autofree char *none = authsim_openapi_v2_sign_content (empty);
  g_autofree char *nothing = authsim_openapi_v2_sign_content (only_sign);

  g_assert_cmpstr (content, ==, "biz_content={\"a\":\"x y&z=1%\"}&name=张三&sign_type=RSA2");
  g_assert_cmpstr (none, ==, "");
  g_assert_cmpstr (nothing, ==, "");
}

/* ------------------------------------------------------------------------------------------ */
/* The form codec                                                                             */

static void
assert_decodes (const char *text,
                gssize      length,
                const char *expected,
                gsize       expected_length)
{
  g_autoptr(GString) out = g_string_new ("left over");

  g_assert_true (authsim_openapi_form_decode (text, length < 0 ? strlen (text) : (gsize) length,
                                              out));
  g_assert_cmpmem (out->str, out->len, expected, expected_length);
}

static void
test_form_decode (void)
{
  assert_decodes ("", -1, "", 0);
  assert_decodes ("plain-text_1.2~", -1, "plain-text_1.2~", 15);
  assert_decodes ("a+b++c", -1, "a b  c", 6);
  assert_decodes ("%41%42c", -1, "ABc", 3);
  assert_decodes ("%e4%b8%ad%E6%96%87", -1, "中文", 6);
  assert_decodes ("%2B%20%25%26%3D", -1, "+ %&=", 5);
  assert_decodes ("a%00b", -1, "a\0b", 3);
  assert_decodes ("%FF", -1, "\xff", 1);  /* any byte: UTF-8 is for the caller to judge */
  /* Only @length bytes are read. */
  assert_decodes ("ab%41&rest", 5, "abA", 3);
  assert_decodes ("ab%4", 2, "ab", 2);
}

static void
test_form_decode_bad_escapes (void)
{
  const char *bad[] = { "%", "a%", "%4", "ab%4", "%G1", "%1G", "%%41", "%-1", "% 1", "x%+1" };
  g_autoptr(GString) out = g_string_new (NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_test_message ("%s", bad[i]);
      g_assert_false (authsim_openapi_form_decode (bad[i], strlen (bad[i]), out));
    }
  /* A '%' cut off by @length is bad even when the text goes on. */
  g_assert_false (authsim_openapi_form_decode ("%41", 2, out));
}

static void
test_form_round_trip (void)
{
  const char *values[] = {
    "", "plain", "a b", "1+1=2", "x&y=z", "100%", "~-._", "中文 and ключ", "{\"a\":[1,2]}",
    "line\nbreak\ttab", "c2ln/bmF+0dXJl==", "#?/:@!$'()*,;",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr(GString) form = g_string_new (NULL);
      g_autoptr(GString) decoded = g_string_new (NULL);
      const char *eq;

      authsim_openapi_form_append (form, "k", values[i]);
      /* Nothing but unreserved characters and escapes are left. */
      for (const char *p = form->str; *p != '\0'; p++)
        g_assert_true (g_ascii_isalnum (*p) || strchr ("-._~%=", *p) != NULL);
      eq = strchr (form->str, '=');
      g_assert_true (authsim_openapi_form_decode (eq + 1, strlen (eq + 1), decoded));
      g_assert_cmpstr (decoded->str, ==, values[i]);
    }
}

static void
test_form_body (void)
{
  g_autoptr(GHashTable) params = params_of ("timestamp", "2024-01-02 03:04:05",
                                            "app_id", "2021000000000001",
                                            "code", "", NULL);
  g_autofree char *body = authsim_openapi_v2_form_body (params, "ab/+c=");
  g_autofree char *unsigned_body = authsim_openapi_v2_form_body (params, NULL);
  g_autoptr(GHashTable) parsed = NULL;
  g_autoptr(GString) form = g_string_new (NULL);

  /* Sorted, every parameter (empty ones too), sign last; spaces as %20. */
  g_assert_cmpstr (body, ==, "app_id=2021000000000001&code=&timestamp=2024-01-02%2003%3A04%3A05"
                             "&sign=ab%2F%2Bc%3D");
  g_assert_cmpstr (unsigned_body, ==,
                   "app_id=2021000000000001&code=&timestamp=2024-01-02%2003%3A04%3A05");

  parsed = form_parse (body);
  g_assert_cmpuint (g_hash_table_size (parsed), ==, 4);
  g_assert_cmpstr (g_hash_table_lookup (parsed, "timestamp"), ==, "2024-01-02 03:04:05");
  g_assert_cmpstr (g_hash_table_lookup (parsed, "sign"), ==, "ab/+c=");

  authsim_openapi_form_append (form, "a", "1");
  authsim_openapi_form_append (form, "b c", "2");
  g_assert_cmpstr (form->str, ==, "a=1&b%20c=2");
}

/* ------------------------------------------------------------------------------------------ */
/* v2 responses                                                                               */

static void
test_v2_response (void)
{
  const char *node = "{\"code\":\"10000\",\"user_id\":\"2088000000000001\"}";
  g_autofree char *key = authsim_openapi_v2_response_key (AUTHSIM_OPENAPI_METHOD_TOKEN);
  g_autofree char *share_key = authsim_openapi_v2_response_key (AUTHSIM_OPENAPI_METHOD_SHARE);
  g_autofree char *body = NULL;
  const char *found;
  gsize length;

  g_assert_cmpstr (key, ==, "alipay_system_oauth_token_response");
  g_assert_cmpstr (share_key, ==, "alipay_user_info_share_response");

  body = authsim_openapi_v2_response_body (key, node, NULL, "c2ln");
  g_assert_cmpstr (body, ==, "{\"alipay_system_oauth_token_response\":"
                             "{\"code\":\"10000\",\"user_id\":\"2088000000000001\"},"
                             "\"sign\":\"c2ln\"}");

  found = authsim_openapi_v2_find_node (body, key, &length);
  g_assert_nonnull (found);
  g_assert_cmpmem (found, length, node, strlen (node));

  g_assert_null (authsim_openapi_v2_find_node (body, "error_response", &length));
  g_assert_cmpuint (length, ==, 0);
  g_assert_null (authsim_openapi_v2_find_node ("{\"error_response\":{}}", "error_response",
                                               &length));
  g_assert_null (authsim_openapi_v2_find_node ("{\"error_response\":,\"sign\":\"x\"}",
                                               "error_response", &length));
}

/* Certificate mode: alipay_cert_sn between the node and sign, outside what is signed. */
static void
test_v2_cert_response (void)
{
  const char *node = "{\"code\":\"10000\",\"alipay_cert_sn\":\"0a\"}";
  const char *sn = "77a5c3b6e2b8a9f0a1b2c3d4e5f6780b";
  g_autofree char *body = authsim_openapi_v2_response_body ("x_response", node, sn, "c2ln");
  g_autofree char *encrypted = authsim_openapi_encrypted_node ("q+/=");
  g_autofree char *encrypted_body = NULL;
  const char *found;
  gsize length;

  g_assert_cmpstr (body, ==, "{\"x_response\":{\"code\":\"10000\",\"alipay_cert_sn\":\"0a\"},"
                             "\"alipay_cert_sn\":\"77a5c3b6e2b8a9f0a1b2c3d4e5f6780b\","
                             "\"sign\":\"c2ln\"}");
  found = authsim_openapi_v2_find_node (body, "x_response", &length);
  g_assert_nonnull (found);
  g_assert_cmpmem (found, length, node, strlen (node));

  /* An encrypted node is the ciphertext as a JSON string, found (and signed) with its quotes. */
  g_assert_cmpstr (encrypted, ==, "\"q+/=\"");
  encrypted_body = authsim_openapi_v2_response_body ("x_response", encrypted, sn, "c2ln");
  found = authsim_openapi_v2_find_node (encrypted_body, "x_response", &length);
  g_assert_cmpmem (found, length, encrypted, strlen (encrypted));

  /* Only a trailing member of hex digits is taken for the certificate SN. */
  found = authsim_openapi_v2_find_node ("{\"x_response\":{\"a\":1},\"alipay_cert_sn\":\"zz\","
                                        "\"sign\":\"s\"}", "x_response", &length);
  {
    const char *expected = "{\"a\":1},\"alipay_cert_sn\":\"zz\"";

    g_assert_cmpmem (found, length, expected, strlen (expected));
  }
}

/* ------------------------------------------------------------------------------------------ */
/* v3                                                                                         */

static void
test_v3_content (void)
{
  const char *auth = "app_id=2021000000000001,nonce=abc,timestamp=1700000000000";
  const char *body = "{\"grant_type\":\"authorization_code\"}TRAILING";
  g_autofree char *full = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *empty = NULL;
  g_autofree char *response = NULL;

  full = authsim_openapi_v3_request_content (auth, "POST", "/v3/alipay/user/info/share",
                                             "auth_token=x&b=1", body, strlen (body) - 8,
                                             "app-token");
  g_assert_cmpstr (full, ==,
                   "app_id=2021000000000001,nonce=abc,timestamp=1700000000000\n"
                   "POST\n"
                   "/v3/alipay/user/info/share?auth_token=x&b=1\n"
                   "{\"grant_type\":\"authorization_code\"}\n"
                   "app-token\n");

  plain = authsim_openapi_v3_request_content (auth, "POST", "/v3/alipay/system/oauth/token",
                                              NULL, body, strlen (body) - 8, NULL);
  g_assert_cmpstr (plain, ==,
                   "app_id=2021000000000001,nonce=abc,timestamp=1700000000000\n"
                   "POST\n"
                   "/v3/alipay/system/oauth/token\n"
                   "{\"grant_type\":\"authorization_code\"}\n");

  empty = authsim_openapi_v3_request_content ("", "GET", "/v3/x", "", "", 0, NULL);
  g_assert_cmpstr (empty, ==, "\nGET\n/v3/x?\n\n");

  response = authsim_openapi_v3_response_content ("1700000000000", "0123abcd", "{\"a\":1}");
  g_assert_cmpstr (response, ==, "1700000000000\n0123abcd\n{\"a\":1}\n");
}

/* ------------------------------------------------------------------------------------------ */
/* Time                                                                                       */

static void
test_time (void)
{
  static const struct { gint64 seconds; const char *text; } cases[] = {
    { 0, "1970-01-01 08:00:00" },
    { -1, "1970-01-01 07:59:59" },
    { 1700000000, "2023-11-15 06:13:20" },           /* 2023-11-14 22:13:20Z */
    { 1735660800, "2025-01-01 00:00:00" },           /* 2024-12-31 16:00:00Z */
    { 1709222399, "2024-02-29 23:59:59" },           /* 2024-02-29 15:59:59Z: a leap day */
    { 253402271999, "9999-12-31 23:59:59" },
    { G_MAXINT64, "1970-01-01 08:00:00" },           /* out of range */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = authsim_openapi_format_time (cases[i].seconds);

      g_assert_cmpstr (text, ==, cases[i].text);
      g_assert_true (authsim_openapi_time_is_valid (text));
    }
}

static void
test_time_validity (void)
{
  const char *valid[] = {
    "2024-02-29 23:59:59", "0001-01-01 00:00:00", "2023-12-31 00:00:00",
  };
  const char *invalid[] = {
    "", "2023-02-29 00:00:00", "2024-13-01 00:00:00", "2024-00-10 00:00:00",
    "2024-04-31 00:00:00", "2024-01-01 24:00:00", "2024-01-01 23:60:00",
    "2024-01-01 23:59:60", "0000-01-01 00:00:00", "2024-1-01 00:00:00",
    "2024-01-01T00:00:00", "2024-01-01 00:00:00Z", "2024-01-01 00:00", "２０２４-01-01 00:00:00",
    "2024-01-01 0a:00:00", "-024-01-01 00:00:00",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (valid); i++)
    g_assert_true (authsim_openapi_time_is_valid (valid[i]));
  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_test_message ("%s", invalid[i]);
      g_assert_false (authsim_openapi_time_is_valid (invalid[i]));
    }
}

/* ------------------------------------------------------------------------------------------ */
/* A client made of these rules, against the gateway                                          */

/* The gateway's answer, with its signature checked as a client does. */
static void
assert_signed_answer (const char *body,
                      const char *response_key)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *tampered = NULL;
  JsonObject *root;
  const char *sign;
  char *digit;

  json_parser_load_from_data (parser, body, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_true (json_object_has_member (root, response_key));
  sign = json_object_get_string_member (root, "sign");

  g_assert_true (authsim_openapi_v2_verify_response (shared_keys, body, response_key, sign));
  g_assert_false (authsim_openapi_v2_verify_response (shared_keys, body, "other_response",
                                                      sign));
  /* One changed byte of the node fails. */
  tampered = g_strdup (body);
  digit = strstr (tampered, "\"expires_in\":") + strlen ("\"expires_in\":");
  *digit = *digit == '1' ? '2' : '1';
  g_assert_false (authsim_openapi_v2_verify_response (shared_keys, tampered, response_key,
                                                      sign));
}

/* What the scenario's exchange step does: a signed v2 form, posted; the answer verified. */
static void
test_client_exchange (void)
{
  g_autoptr(AuthsimProfile) profile = authsim_profile_new_default ();
  g_autoptr(GListModel) users = authsim_users_new_default ();
  g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = authsim_engine_new (profile, users, store, log);
  g_autoptr(AuthsimGateway) gateway = authsim_gateway_new (engine, store, log, shared_keys);
  g_autoptr(AuthsimUser) user = g_list_model_get_item (users, 0);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *timestamp = authsim_openapi_format_time (g_get_real_time () / G_USEC_PER_SEC);
  g_autofree char *form = NULL;
  g_autofree char *body = NULL;
  g_autofree char *key = authsim_openapi_v2_response_key (AUTHSIM_OPENAPI_METHOD_TOKEN);
  const char *scopes[] = { "auth_user", NULL };
  const char *app_id = authsim_profile_get_app_id (profile);
  g_autofree char *code = authsim_store_issue_code (store, app_id,
                                                    authsim_user_get_user_id (user), scopes, 0);

  g_assert_true (authsim_gateway_start (gateway, AUTHSIM_GATEWAY_DEFAULT_ADDRESS, 0, &error));
  g_assert_no_error (error);

  params = params_of ("app_id", app_id, "method", AUTHSIM_OPENAPI_METHOD_TOKEN,
                      "charset", "utf-8", "sign_type", "RSA2", "timestamp", timestamp,
                      "version", "1.0", "grant_type", "authorization_code", "code", code, NULL);
  form = authsim_openapi_v2_sign_form (shared_keys, params, &error);
  g_assert_no_error (error);

  request = g_bytes_new (form, strlen (form));
  message = soup_message_new (SOUP_METHOD_POST, authsim_gateway_get_url (gateway));
  soup_message_set_request_body_from_bytes (message,
                                            AUTHSIM_OPENAPI_FORM_TYPE ";charset=utf-8", request);
  /* The gateway serves from its own thread: a blocking client is fine here. */
  answer = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (message), ==, SOUP_STATUS_OK);
  body = g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));

  g_assert_nonnull (strstr (body, "\"access_token\":"));
  assert_signed_answer (body, key);

  authsim_gateway_stop (gateway);
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

  keys_dir = g_dir_make_tmp ("authsim-openapi-keys-XXXXXX", &error);
  g_assert_no_error (error);
  shared_keys = authsim_keys_load (keys_dir, NULL, NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/authsim/openapi/sign-content/order", test_sign_content_order);
  g_test_add_func ("/authsim/openapi/sign-content/rules", test_sign_content_rules);
  g_test_add_func ("/authsim/openapi/form/decode", test_form_decode);
  g_test_add_func ("/authsim/openapi/form/bad-escapes", test_form_decode_bad_escapes);
  g_test_add_func ("/authsim/openapi/form/round-trip", test_form_round_trip);
  g_test_add_func ("/authsim/openapi/form/body", test_form_body);
  g_test_add_func ("/authsim/openapi/v2/cert-response", test_v2_cert_response);
  g_test_add_func ("/authsim/openapi/v2/response", test_v2_response);
  g_test_add_func ("/authsim/openapi/v3/content", test_v3_content);
  g_test_add_func ("/authsim/openapi/time/format", test_time);
  g_test_add_func ("/authsim/openapi/time/validity", test_time_validity);
  g_test_add_func ("/authsim/openapi/client/exchange", test_client_exchange);

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
