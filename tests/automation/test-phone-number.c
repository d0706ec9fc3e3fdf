/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-phone-number.c: my.getPhoneNumber sealed for real (SPEC §11.2): the engine with the
 * gateway layer's AuthsimKeysSealer over freshly made keys. Each row's envelope is verified
 * with the gateway public key over the ciphertext in double quotes, and its ciphertext
 * decrypted twice: by AuthsimKeys and, independently, by OpenSSL's EVP from aes.key, to the
 * exact plaintext; another key does not decrypt it. */
#include "config.h"

#include <glib/gstdio.h>
#include <openssl/evp.h>

#include "authsim-keys-sealer.h"
#include "test-utils.h"

#define DEMO_APP_ID "2021004112345678"

#define PHONE_40003 \
  "{\"code\":\"40003\",\"msg\":\"Insufficient Conditions\"," \
  "\"subCode\":\"isv.invalid-auth-relations\",\"subMsg\":\"无效的授权关系\"}"
#define PHONE_40006 \
  "{\"code\":\"40006\",\"msg\":\"Insufficient Permissions\"," \
  "\"subCode\":\"isv.insufficient-isv-permissions\",\"subMsg\":\"ISV权限不足，" \
  "建议在开发者中心检查对应功能是否已经添加，解决办法详见：" \
  "https:\\/\\/docs.open.alipay.com\\/common\\/isverror\"}"
#define PHONE_20000 \
  "{\"code\":\"20000\",\"msg\":\"Service Currently Unavailable\"," \
  "\"subCode\":\"aop.unknow-error\",\"subMsg\":\"系统繁忙\"}"
#define PHONE_40001 \
  "{\"code\":\"40001\",\"msg\":\"Missing Required Arguments\"," \
  "\"subCode\":\"isv.missing-encrypt-key\",\"subMsg\":\"缺少加密配置\"}"

typedef struct
{
  char          *dir;
  AuthsimKeys   *keys;
  AuthsimSealer *sealer;
} Keys;

static Keys keys;

/* Keys made once for the program (RSA generation takes a while). */
static void
keys_set_up (void)
{
  g_autoptr(GError) error = NULL;

  keys.dir = g_dir_make_tmp ("authsim-phone-XXXXXX", &error);
  g_assert_no_error (error);
  keys.keys = authsim_keys_load (keys.dir, NULL, NULL, &error);
  g_assert_no_error (error);
  keys.sealer = authsim_keys_sealer_new (keys.keys);
}

static void
keys_tear_down (void)
{
  const char *files[] = { "app-private.pem", "app-public.pem", "gateway-private.pem",
                          "gateway-public.pem", "aes.key" };

  g_clear_object (&keys.sealer);
  g_clear_object (&keys.keys);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (keys.dir, files[i], NULL);

      g_unlink (path);
    }
  g_rmdir (keys.dir);
  g_free (keys.dir);
}

/* AES-128-CBC, zero IV, PKCS#7, of the base64 @ciphertext with the base64 @key_text, by
 * OpenSSL itself; NULL when it does not decrypt (the padding is wrong). */
static char *
evp_decrypt (const char *key_text,
             const char *ciphertext)
{
  g_autofree guchar *key = NULL;
  g_autofree guchar *data = NULL;
  g_autofree guchar *out = NULL;
  const guchar iv[16] = { 0 };
  gsize key_length, length;
  int n = 0, tail = 0;
  EVP_CIPHER_CTX *ctx;
  gboolean ok;

  key = g_base64_decode (key_text, &key_length);
  g_assert_cmpuint (key_length, ==, 16);
  data = g_base64_decode (ciphertext, &length);
  out = g_malloc (length + 32);

  ctx = EVP_CIPHER_CTX_new ();
  ok = EVP_DecryptInit_ex (ctx, EVP_aes_128_cbc (), NULL, key, iv) == 1 &&
       EVP_DecryptUpdate (ctx, out, &n, data, (int) length) == 1 &&
       EVP_DecryptFinal_ex (ctx, out + n, &tail) == 1;
  EVP_CIPHER_CTX_free (ctx);
  if (!ok)
    return NULL;
  return g_strndup ((const char *) out, (gsize) (n + tail));
}

typedef struct
{
  const char *name;
  const char *profile_change;  /* "personal", "no-aes-key", "unsigned", "no-product" or NULL */
  const char *user;            /* NULL: the first demo user */
  gboolean    grant;
  gboolean    busy;
  const char *plaintext;
  gboolean    encrypted;
  gboolean    signed_;
} Case;

static const Case cases[] = {
  { "no-aes-key", "no-aes-key", NULL, TRUE, FALSE, PHONE_40001, FALSE, TRUE },
  { "personal", "personal", NULL, TRUE, FALSE, PHONE_40006, TRUE, TRUE },
  { "not-a-product", "no-product", NULL, TRUE, FALSE, PHONE_40006, TRUE, TRUE },
  { "no-grant", NULL, NULL, FALSE, FALSE, PHONE_40003, TRUE, TRUE },
  { "busy", NULL, NULL, TRUE, TRUE, PHONE_20000, TRUE, TRUE },
  { "granted", NULL, NULL, TRUE, FALSE,
    "{\"code\":\"10000\",\"msg\":\"Success\",\"mobile\":\"13800138000\"}", TRUE, TRUE },
  { "granted-no-mobile", NULL, "2088506608274845", TRUE, FALSE,
    "{\"code\":\"10000\",\"msg\":\"Success\",\"mobile\":\"\"}", TRUE, TRUE },
  { "granted-overseas", NULL, "2088607719385956", TRUE, FALSE,
    "{\"code\":\"10000\",\"msg\":\"Success\",\"mobile\":\"1-1234432112\"}", TRUE, TRUE },
  { "granted-unsigned", "unsigned", NULL, TRUE, FALSE,
    "{\"code\":\"10000\",\"msg\":\"Success\",\"mobile\":\"13800138000\"}", TRUE, FALSE },
};

typedef struct
{
  gboolean   finished;
  JsonNode  *payload;
} Finished;

static void
call_finished_cb (AuthsimEngine *engine,
                  guint          call,
                  gboolean       success,
                  JsonObject    *payload,
                  Finished      *finished)
{
  g_assert_true (success);
  finished->finished = TRUE;
  finished->payload = json_node_init_object (json_node_alloc (), payload);
}

static void
change_profile (AuthsimProfile *profile,
                const char     *change)
{
  const char * const user_info[] = { "userInfo", NULL };

  if (g_strcmp0 (change, "personal") == 0)
    authsim_profile_set_app_type (profile, AUTHSIM_APP_TYPE_PERSONAL);
  else if (g_strcmp0 (change, "no-aes-key") == 0)
    authsim_profile_set_aes_key (profile, FALSE);
  else if (g_strcmp0 (change, "unsigned") == 0)
    authsim_profile_set_sign_responses (profile, FALSE);
  else if (g_strcmp0 (change, "no-product") == 0)
    authsim_profile_set_products (profile, user_info);
}

/* The ciphertext: verified over "<c>" (and not over c), decrypted by both, not by another key. */
static void
assert_sealed (const Case *c,
               JsonObject *envelope)
{
  const char *ciphertext = json_object_get_string_member (envelope, "response");
  const char *sign = json_object_get_string_member_with_default (envelope, "sign", NULL);
  g_autofree char *quoted = g_strdup_printf ("\"%s\"", ciphertext);
  g_autofree char *plaintext = NULL;
  g_autofree char *independent = NULL;
  g_autofree char *key_text = NULL;
  g_autofree char *other = NULL;
  g_autofree char *other_key = NULL;
  guint8 random[16];
  g_autoptr(GError) error = NULL;
  gsize length;

  g_assert_cmpstr (json_object_get_string_member (envelope, "encrypt_type"), ==, "AES");
  if (c->signed_)
    {
      g_assert_true (authsim_keys_verify_gateway (keys.keys, quoted, strlen (quoted), sign,
                                                  &error));
      g_assert_no_error (error);
      g_assert_false (authsim_keys_verify_gateway (keys.keys, ciphertext, strlen (ciphertext),
                                                   sign, NULL));
    }
  else
    g_assert_null (sign);

  plaintext = authsim_keys_aes_decrypt (keys.keys, ciphertext, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (plaintext, ==, c->plaintext);
  g_assert_cmpuint (length, ==, strlen (c->plaintext));

  key_text = authsim_keys_dup_pem (keys.keys, "aes.key", &error);
  g_assert_no_error (error);
  g_strstrip (key_text);
  independent = evp_decrypt (key_text, ciphertext);
  g_assert_cmpstr (independent, ==, c->plaintext);

  g_assert_true (test_random_bytes (random, sizeof random));
  other_key = g_base64_encode (random, sizeof random);
  other = evp_decrypt (other_key, ciphertext);
  g_assert_true (other == NULL || g_strcmp0 (other, c->plaintext) != 0);
}

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimStore) store = test_store_new ();
  g_autoptr(AuthsimEngine) engine = test_engine_new_with (NULL, store, log);
  g_autoptr(JsonNode) envelope_node = NULL;
  Finished finished = { 0 };
  JsonObject *envelope;
  const char *phone_scope[] = { "phoneNumber", NULL };
  const char *user;

  authsim_engine_set_sealer (engine, keys.sealer);
  change_profile (authsim_engine_get_profile (engine), c->profile_change);
  authsim_engine_launch (engine);
  if (c->user != NULL)
    g_assert_true (authsim_engine_set_active_user_id (engine, c->user, NULL));
  user = authsim_user_get_user_id (authsim_engine_get_active_user (engine));
  if (c->grant)
    authsim_store_grant (store, user, DEMO_APP_ID, phone_scope);
  authsim_engine_set_service_busy (engine, c->busy);

  g_signal_connect (engine, "call-finished", G_CALLBACK (call_finished_cb), &finished);
  authsim_engine_call_api (engine, AUTHSIM_API_GET_PHONE_NUMBER, NULL, AUTHSIM_TRIGGER_TAP,
                           AUTHSIM_CONTAINER_MINI_PROGRAM);
  g_assert_true (finished.finished);

  envelope_node = test_parse (json_object_get_string_member (json_node_get_object (
                                finished.payload), "response"));
  envelope = json_node_get_object (envelope_node);
  g_assert_cmpstr (json_object_get_string_member (envelope, "sign_type"), ==, "RSA2");
  g_assert_cmpstr (json_object_get_string_member (envelope, "charset"), ==, "UTF-8");

  if (c->encrypted)
    assert_sealed (c, envelope);
  else
    {
      /* Row 2: the object as it is, signed over its exact text. */
      const char *sign = json_object_get_string_member (envelope, "sign");
      g_autoptr(GError) error = NULL;

      test_assert_json_equal_str (c->plaintext, json_object_get_member (envelope, "response"),
                                  "$.response");
      g_assert_false (json_object_has_member (envelope, "encrypt_type"));
      g_assert_true (authsim_keys_verify_gateway (keys.keys, c->plaintext,
                                                  strlen (c->plaintext), sign, &error));
      g_assert_no_error (error);
    }
  g_clear_pointer (&finished.payload, json_node_unref);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  keys_set_up ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/authsim/phone-number/%s", cases[i].name);
      g_test_add_data_func (path, &cases[i], test_case);
    }

  status = g_test_run ();
  keys_tear_down ();
  return status;
}
