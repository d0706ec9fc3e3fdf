/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/encoder.h>
#include <openssl/evp.h>

#include "authsim-keys.h"
#include "authsim-types.h"

static const char * const key_files[] = {
  "app-private.pem", "app-public.pem", "gateway-private.pem", "gateway-public.pem",
};

/* A fresh key directory below the per-test XDG data dir (ISOLATE_DIRS). */
static char *
new_keys_dir (void)
{
  static guint counter;

  return g_strdup_printf ("%s/authsim/keys-%u", g_get_user_data_dir (), ++counter);
}

static char *
read_file (const char *dir,
           const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

static void
write_file (const char *dir,
            const char *name,
            const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static AuthsimKeys *
load_ok (const char *dir,
         const char *override)
{
  g_autoptr(GError) error = NULL;
  AuthsimKeys *keys = authsim_keys_load (dir, override, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (keys);
  return keys;
}

/* A key pair made here with EVP, not by the code under test; @pkcs1 writes the public key as
 * "BEGIN RSA PUBLIC KEY" instead of SPKI. Returns the private key; *public_pem gets the PEM. */
static EVP_PKEY *
make_user_key (gboolean   pkcs1,
               char     **public_pem)
{
  EVP_PKEY *pkey = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t) 2048);
  OSSL_ENCODER_CTX *ectx;
  unsigned char *out = NULL;
  size_t len = 0;

  g_assert_nonnull (pkey);
  ectx = OSSL_ENCODER_CTX_new_for_pkey (pkey, EVP_PKEY_PUBLIC_KEY, "PEM",
                                        pkcs1 ? "type-specific" : "SubjectPublicKeyInfo", NULL);
  g_assert_nonnull (ectx);
  g_assert_cmpint (OSSL_ENCODER_to_data (ectx, &out, &len), ==, 1);
  OSSL_ENCODER_CTX_free (ectx);
  *public_pem = g_strndup ((const char *) out, len);
  OPENSSL_free (out);
  return pkey;
}

/* SHA256withRSA with a key held by the test, base64: what a user's backend would send. */
static char *
sign_with_user_key (EVP_PKEY   *pkey,
                    const char *data)
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
  unsigned char sig[512];
  size_t sig_len = sizeof sig;

  g_assert_cmpint (EVP_DigestSignInit (ctx, NULL, EVP_sha256 (), NULL, pkey), ==, 1);
  g_assert_cmpint (EVP_DigestSign (ctx, sig, &sig_len, (const unsigned char *) data,
                                   strlen (data)), ==, 1);
  EVP_MD_CTX_free (ctx);
  return g_base64_encode (sig, sig_len);
}

static void
test_generate (void)
{
  g_autofree char *dir = new_keys_dir ();
  g_autoptr(AuthsimKeys) keys = NULL;
  struct stat st;
  gsize i;

  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  keys = load_ok (dir, NULL);
  g_assert_cmpstr (authsim_keys_get_dir (keys), ==, dir);

  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  for (i = 0; i < G_N_ELEMENTS (key_files); i++)
    {
      g_autofree char *path = g_build_filename (dir, key_files[i], NULL);
      g_autofree char *contents = read_file (dir, key_files[i]);
      g_autofree char *dup_pem = NULL;
      g_autoptr(GError) error = NULL;
      gboolean is_private = strstr (key_files[i], "private") != NULL;

      g_assert_cmpint (g_stat (path, &st), ==, 0);
      g_assert_cmpint (st.st_mode & 0777, ==, 0600);
      g_assert_true (g_str_has_prefix (contents, is_private ? "-----BEGIN PRIVATE KEY-----\n"
                                                            : "-----BEGIN PUBLIC KEY-----\n"));
      dup_pem = authsim_keys_dup_pem (keys, key_files[i], &error);
      g_assert_no_error (error);
      g_assert_cmpstr (dup_pem, ==, contents);
    }

  /* The two pairs are distinct keys. */
  {
    g_autofree char *a = read_file (dir, "app-public.pem");
    g_autofree char *b = read_file (dir, "gateway-public.pem");

    g_assert_cmpstr (a, !=, b);
  }

  /* Unknown names are refused, not resolved against the directory. */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *pem = authsim_keys_dup_pem (keys, "../state.json", &error);

    g_assert_null (pem);
    g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_NOT_FOUND);
  }
}

static void
test_reload_same_keys (void)
{
  g_autofree char *dir = new_keys_dir ();
  g_autoptr(AuthsimKeys) first = load_ok (dir, NULL);
  char *before[4] = { NULL, };
  g_autoptr(AuthsimKeys) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sig = NULL;
  g_autofree char *app_sig = NULL;
  const char *data = "reload: the same keys come back";
  gsize i;

  for (i = 0; i < 4; i++)
    before[i] = read_file (dir, key_files[i]);

  second = load_ok (dir, NULL);
  for (i = 0; i < 4; i++)
    {
      g_autofree char *after = read_file (dir, key_files[i]);

      g_assert_cmpstr (after, ==, before[i]);
      g_free (before[i]);
    }

  sig = authsim_keys_sign (first, data, strlen (data), &error);
  g_assert_no_error (error);
  g_assert_true (authsim_keys_verify_gateway (second, data, strlen (data), sig, &error));
  g_assert_no_error (error);

  app_sig = authsim_keys_sign_as_app (second, data, strlen (data), &error);
  g_assert_no_error (error);
  g_assert_true (authsim_keys_verify_app (first, data, strlen (data), app_sig, &error));
  g_assert_no_error (error);
}

static void
test_round_trip (void)
{
  g_autofree char *dir = new_keys_dir ();
  g_autoptr(AuthsimKeys) keys = load_ok (dir, NULL);
  const char *data = "{\"code\":\"10000\",\"msg\":\"Success\",\"nick_name\":\"支付宝用户\"}";
  g_autofree char *sig = NULL;
  g_autofree char *app_sig = NULL;
  g_autofree char *tampered = NULL;
  g_autofree guchar *raw = NULL;
  g_autofree char *flipped = NULL;
  gsize raw_len = 0;
  g_autoptr(GError) error = NULL;

  sig = authsim_keys_sign (keys, data, strlen (data), &error);
  g_assert_no_error (error);
  /* RSA-2048: 256 bytes, 344 base64 characters. */
  g_assert_cmpuint (strlen (sig), ==, 344);
  g_assert_true (authsim_keys_verify_gateway (keys, data, strlen (data), sig, &error));
  g_assert_no_error (error);

  /* PKCS#1 v1.5 is deterministic: the same data gives the same signature. */
  {
    g_autofree char *again = authsim_keys_sign (keys, data, strlen (data), NULL);

    g_assert_cmpstr (again, ==, sig);
  }

  /* Tampered data. */
  tampered = g_strdup (data);
  tampered[10] ^= 1;
  g_assert_false (authsim_keys_verify_gateway (keys, tampered, strlen (tampered), sig, &error));
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID);
  g_clear_error (&error);

  /* Length matters: a prefix does not verify. */
  g_assert_false (authsim_keys_verify_gateway (keys, data, strlen (data) - 1, sig, NULL));

  /* Tampered signature. */
  raw = g_base64_decode (sig, &raw_len);
  raw[raw_len / 2] ^= 0x40;
  flipped = g_base64_encode (raw, raw_len);
  g_assert_false (authsim_keys_verify_gateway (keys, data, strlen (data), flipped, &error));
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID);
  g_clear_error (&error);

  /* Not base64 at all, empty, truncated. */
  g_assert_false (authsim_keys_verify_gateway (keys, data, strlen (data), "%%%not base64", NULL));
  g_assert_false (authsim_keys_verify_gateway (keys, data, strlen (data), "", NULL));
  g_assert_false (authsim_keys_verify_gateway (keys, data, strlen (data), "QUJD", NULL));
  {
    g_autofree char *cut = g_strndup (sig, 100);

    g_assert_false (authsim_keys_verify_gateway (keys, data, strlen (data), cut, NULL));
  }

  /* The app pair and the gateway pair are different keys. */
  app_sig = authsim_keys_sign_as_app (keys, data, strlen (data), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (app_sig, !=, sig);
  g_assert_true (authsim_keys_verify_app (keys, data, strlen (data), app_sig, NULL));
  g_assert_false (authsim_keys_verify_app (keys, data, strlen (data), sig, NULL));
  g_assert_false (authsim_keys_verify_gateway (keys, data, strlen (data), app_sig, NULL));

  /* Empty data is data too. */
  {
    g_autofree char *empty_sig = authsim_keys_sign (keys, "", 0, &error);

    g_assert_no_error (error);
    g_assert_true (authsim_keys_verify_gateway (keys, "", 0, empty_sig, NULL));
  }
}

/* The signature matches what the OpenSSL command line computes with the same key file. */
static void
test_matches_openssl_cli (void)
{
  g_autofree char *dir = new_keys_dir ();
  g_autoptr(AuthsimKeys) keys = load_ok (dir, NULL);
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autofree char *data_path = g_build_filename (dir, "data.txt", NULL);
  g_autofree char *key_path = g_build_filename (dir, "app-private.pem", NULL);
  g_autofree char *out = NULL;
  g_autofree char *cli_sig = NULL;
  g_autofree char *sig = NULL;
  g_autoptr(GError) error = NULL;
  const char *data = "app_id=2021000000000001&method=alipay.system.oauth.token&sign_type=RSA2";
  int status = 0;

  if (openssl == NULL)
    {
      g_test_skip ("openssl command not found");
      return;
    }

  write_file (dir, "data.txt", data);
  {
    const char *argv[] = { openssl, "dgst", "-sha256", "-sign", key_path, data_path, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                  &out, NULL, &status, &error);
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  /* g_spawn_sync returns a NUL-terminated buffer; the signature is 256 raw bytes. */
  cli_sig = g_base64_encode ((const guchar *) out, 256);
  sig = authsim_keys_sign_as_app (keys, data, strlen (data), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sig, ==, cli_sig);
}

static void
test_app_public_key_override (gconstpointer user_data)
{
  gboolean pkcs1 = GPOINTER_TO_INT (user_data);
  g_autofree char *dir = new_keys_dir ();
  g_autofree char *public_pem = NULL;
  g_autofree char *override = NULL;
  g_autofree char *user_sig = NULL;
  g_autofree char *default_sig = NULL;
  g_autofree char *app_public_before = NULL;
  g_autofree char *app_public_after = NULL;
  g_autoptr(AuthsimKeys) plain = NULL;
  g_autoptr(AuthsimKeys) keys = NULL;
  g_autoptr(GError) error = NULL;
  EVP_PKEY *user_key;
  const char *data = "app_id=2021000000000001&charset=utf-8&sign_type=RSA2";

  plain = load_ok (dir, NULL);
  app_public_before = read_file (dir, "app-public.pem");

  user_key = make_user_key (pkcs1, &public_pem);
  g_assert_true (g_str_has_prefix (public_pem, pkcs1 ? "-----BEGIN RSA PUBLIC KEY-----"
                                                     : "-----BEGIN PUBLIC KEY-----"));
  override = g_build_filename (g_get_user_config_dir (), pkcs1 ? "mine-pkcs1.pem" : "mine.pem", NULL);
  g_mkdir_with_parents (g_get_user_config_dir (), 0700);
  g_file_set_contents (override, public_pem, -1, &error);
  g_assert_no_error (error);

  keys = load_ok (dir, override);
  user_sig = sign_with_user_key (user_key, data);

  /* The user's key is trusted … */
  g_assert_true (authsim_keys_verify_app (keys, data, strlen (data), user_sig, &error));
  g_assert_no_error (error);
  g_assert_false (authsim_keys_verify_app (plain, data, strlen (data), user_sig, NULL));

  /* … and the generated app key no longer is. */
  default_sig = authsim_keys_sign_as_app (keys, data, strlen (data), &error);
  g_assert_no_error (error);
  g_assert_false (authsim_keys_verify_app (keys, data, strlen (data), default_sig, &error));
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID);
  g_clear_error (&error);

  /* The files in the keys directory are left alone. */
  app_public_after = read_file (dir, "app-public.pem");
  g_assert_cmpstr (app_public_after, ==, app_public_before);

  EVP_PKEY_free (user_key);
}

static void
test_app_public_key_override_invalid (void)
{
  g_autofree char *dir = new_keys_dir ();
  g_autofree char *bad = g_build_filename (g_get_user_config_dir (), "bad.pem", NULL);
  g_autofree char *missing = g_build_filename (g_get_user_config_dir (), "nope.pem", NULL);
  g_autofree char *private_pem = NULL;
  g_autoptr(GError) error = NULL;
  AuthsimKeys *keys;

  g_mkdir_with_parents (g_get_user_config_dir (), 0700);
  g_file_set_contents (bad, "-----BEGIN PUBLIC KEY-----\nnot base64 at all\n-----END PUBLIC KEY-----\n",
                       -1, &error);
  g_assert_no_error (error);

  keys = authsim_keys_load (dir, bad, NULL, &error);
  g_assert_null (keys);
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, bad));
  g_clear_error (&error);

  keys = authsim_keys_load (dir, missing, NULL, &error);
  g_assert_null (keys);
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "nope.pem"));
  g_clear_error (&error);

  /* A private key is not a public key: refused rather than silently derived. */
  private_pem = read_file (dir, "app-private.pem");
  g_file_set_contents (bad, private_pem, -1, &error);
  g_assert_no_error (error);
  keys = authsim_keys_load (dir, bad, NULL, &error);
  g_assert_null (keys);
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, bad));
}

static void
assert_malformed (const char *file,
                  const char *contents)
{
  g_autofree char *dir = new_keys_dir ();
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autofree char *after = NULL;
  g_autoptr(AuthsimKeys) first = load_ok (dir, NULL);
  g_autoptr(GError) error = NULL;
  AuthsimKeys *keys;

  write_file (dir, file, contents);
  keys = authsim_keys_load (dir, NULL, NULL, &error);
  g_assert_null (keys);
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, path));

  after = read_file (dir, file);
  g_assert_cmpstr (after, ==, contents);
}

static void
test_malformed_pem (void)
{
  g_autofree char *dir = new_keys_dir ();
  g_autoptr(AuthsimKeys) keys = load_ok (dir, NULL);
  g_autofree char *good = read_file (dir, "gateway-private.pem");
  g_autofree char *truncated = g_strndup (good, strlen (good) / 2);
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (key_files); i++)
    assert_malformed (key_files[i], "this is not a key\n");
  assert_malformed ("gateway-private.pem", truncated);
  assert_malformed ("app-public.pem", "");
  assert_malformed ("app-private.pem",
                    "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  /* A public key where the private key belongs. */
  {
    g_autofree char *pub = read_file (dir, "gateway-public.pem");

    assert_malformed ("gateway-private.pem", pub);
  }
}

static void
test_missing_files (void)
{
  g_autofree char *dir = new_keys_dir ();
  g_autoptr(AuthsimKeys) first = load_ok (dir, NULL);
  g_autofree char *app_public = read_file (dir, "app-public.pem");
  g_autofree char *gw_public = read_file (dir, "gateway-public.pem");
  g_autofree char *app_public_path = g_build_filename (dir, "app-public.pem", NULL);
  g_autofree char *gw_private_path = g_build_filename (dir, "gateway-private.pem", NULL);
  g_autoptr(GError) error = NULL;
  AuthsimKeys *keys;

  /* A missing public key is derived again from its private key, byte for byte. */
  g_assert_cmpint (g_unlink (app_public_path), ==, 0);
  {
    g_autoptr(AuthsimKeys) again = load_ok (dir, NULL);
    g_autofree char *regenerated = read_file (dir, "app-public.pem");
    struct stat st;

    g_assert_cmpstr (regenerated, ==, app_public);
    g_assert_cmpint (g_stat (app_public_path, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }

  /* A missing private key next to its public key is an error; nothing is overwritten. */
  g_assert_cmpint (g_unlink (gw_private_path), ==, 0);
  keys = authsim_keys_load (dir, NULL, NULL, &error);
  g_assert_null (keys);
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, gw_private_path));
  g_assert_false (g_file_test (gw_private_path, G_FILE_TEST_EXISTS));
  {
    g_autofree char *still = read_file (dir, "gateway-public.pem");

    g_assert_cmpstr (still, ==, gw_public);
  }
}

static void
test_mismatched_pair (void)
{
  g_autofree char *dir = new_keys_dir ();
  g_autoptr(AuthsimKeys) first = load_ok (dir, NULL);
  g_autofree char *app_public = read_file (dir, "app-public.pem");
  g_autofree char *path = g_build_filename (dir, "gateway-public.pem", NULL);
  g_autoptr(GError) error = NULL;
  AuthsimKeys *keys;

  write_file (dir, "gateway-public.pem", app_public);
  keys = authsim_keys_load (dir, NULL, NULL, &error);
  g_assert_null (keys);
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, path));
}

static void
load_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
test_async (void)
{
  g_autofree char *dir = new_keys_dir ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(AuthsimKeys) keys = NULL;
  g_autoptr(AuthsimKeys) sync_keys = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sig = NULL;
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  authsim_keys_load_async (dir, NULL, NULL, load_done, &result);
  while (result == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (result);

  keys = authsim_keys_load_finish (result, &error);
  g_assert_no_error (error);
  g_assert_true (AUTHSIM_IS_KEYS (keys));
  g_assert_true (g_file_test (dir, G_FILE_TEST_IS_DIR));

  sync_keys = load_ok (dir, NULL);
  sig = authsim_keys_sign (keys, "x", 1, &error);
  g_assert_no_error (error);
  g_assert_true (authsim_keys_verify_gateway (sync_keys, "x", 1, sig, NULL));

  /* Errors come back through finish(). */
  g_clear_object (&result);
  write_file (dir, "app-private.pem", "garbage");
  authsim_keys_load_async (dir, NULL, NULL, load_done, &result);
  while (result == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (result);
  g_assert_null (authsim_keys_load_finish (result, &error));
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID);
}

static void
test_async_cancelled (void)
{
  g_autofree char *dir = new_keys_dir ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  g_cancellable_cancel (cancellable);
  authsim_keys_load_async (dir, NULL, cancellable, load_done, &result);
  while (result == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (result);
  g_assert_null (authsim_keys_load_finish (result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

typedef struct
{
  AuthsimKeys *keys;
  guint        index;
  gboolean     ok;
} ThreadData;

static gpointer
sign_verify_thread (gpointer user_data)
{
  ThreadData *td = user_data;
  guint i;

  td->ok = TRUE;
  for (i = 0; i < 20; i++)
    {
      g_autofree char *data = g_strdup_printf ("thread %u message %u", td->index, i);
      g_autofree char *sig = authsim_keys_sign (td->keys, data, strlen (data), NULL);
      g_autofree char *app_sig = authsim_keys_sign_as_app (td->keys, data, strlen (data), NULL);

      td->ok = td->ok && sig != NULL && app_sig != NULL &&
               authsim_keys_verify_gateway (td->keys, data, strlen (data), sig, NULL) &&
               authsim_keys_verify_app (td->keys, data, strlen (data), app_sig, NULL) &&
               !authsim_keys_verify_app (td->keys, data, strlen (data), sig, NULL);
    }
  return NULL;
}

/* One AuthsimKeys used from several threads at once, as the gateway does. */
static void
test_threads (void)
{
  g_autofree char *dir = new_keys_dir ();
  g_autoptr(AuthsimKeys) keys = load_ok (dir, NULL);
  ThreadData td[4];
  GThread *threads[4];
  guint i;

  for (i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      td[i] = (ThreadData) { keys, i, FALSE };
      threads[i] = g_thread_new ("signer", sign_verify_thread, &td[i]);
    }
  for (i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_thread_join (threads[i]);
      g_assert_true (td[i].ok);
    }
}

/* ---- the AES key ---- */

static void
test_aes_key_generated (void)
{
  g_autofree char *dir = new_keys_dir ();
  g_autoptr(AuthsimKeys) keys = load_ok (dir, NULL);
  g_autoptr(AuthsimKeys) again = NULL;
  g_autofree char *path = g_build_filename (dir, "aes.key", NULL);
  g_autofree char *contents = read_file (dir, "aes.key");
  g_autofree guchar *raw = NULL;
  g_autofree char *dup = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *key;
  gsize length = 0;
  struct stat st;

  /* 16 random bytes, base64: 24 characters, nothing else; 0600 like the private keys. */
  g_assert_cmpuint (strlen (contents), ==, 24);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  raw = g_base64_decode (contents, &length);
  g_assert_cmpuint (length, ==, 16);
  g_assert_cmpstr (authsim_keys_get_aes_key_text (keys), ==, contents);
  key = authsim_keys_get_aes_key (keys, &length);
  g_assert_cmpuint (length, ==, 16);
  g_assert_cmpmem (key, 16, raw, 16);
  dup = authsim_keys_dup_pem (keys, "aes.key", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dup, ==, contents);

  /* Kept across loads; another directory gets another key. */
  again = load_ok (dir, NULL);
  g_assert_cmpstr (authsim_keys_get_aes_key_text (again), ==, contents);
  {
    g_autofree char *other_dir = new_keys_dir ();
    g_autoptr(AuthsimKeys) other = load_ok (other_dir, NULL);

    g_assert_cmpstr (authsim_keys_get_aes_key_text (other), !=, contents);
  }
}

/* The known answers were made with the OpenSSL command line, independently of this code:
 *   printf '%s' "$PLAINTEXT" | openssl enc -aes-128-cbc -K 000102030405060708090a0b0c0d0e0f \
 *     -iv 00000000000000000000000000000000 -base64 -A
 * and agree with CryptoJS.AES.encrypt() as alipay-sdk 4.x calls it (key AAECAwQFBgcICQoLDA0ODw==). */
#define KAT_KEY        "AAECAwQFBgcICQoLDA0ODw=="
#define KAT_PLAINTEXT  "{\"code\":\"10000\",\"msg\":\"Success\",\"mobile\":\"13800000000\"}"
#define KAT_CIPHERTEXT "igATcyTqqgv1AFpBiHJyVf94zn4d80DWhHrnUhty+8QLcUOlYjxvP9Xk+YXblbTSoe2bGplnUECoaQrDECEzOw=="
#define KAT_EMPTY      "lU9k8uTobp7ugtICFmhImQ=="
#define KAT_BLOCK      "KBVnqy9M8Nc9MZgiW4uDk44NT+KGlmukev6rA40uOsw="

static void
test_aes_known_answer (void)
{
  g_autofree char *dir = new_keys_dir ();
  g_autoptr(AuthsimKeys) keys = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ciphertext = NULL;
  g_autofree char *empty = NULL;
  g_autofree char *block = NULL;
  g_autofree char *plaintext = NULL;
  gsize length = 0;

  /* A key written by hand, with the newline an editor adds. */
  g_mkdir_with_parents (dir, 0700);
  write_file (dir, "aes.key", KAT_KEY "\n");
  keys = load_ok (dir, NULL);
  g_assert_cmpstr (authsim_keys_get_aes_key_text (keys), ==, KAT_KEY);

  ciphertext = authsim_keys_aes_encrypt (keys, KAT_PLAINTEXT, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ciphertext, ==, KAT_CIPHERTEXT);
  empty = authsim_keys_aes_encrypt (keys, "", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (empty, ==, KAT_EMPTY);
  /* A whole block of plaintext gets a whole block of padding. */
  block = authsim_keys_aes_encrypt (keys, "0123456789abcdef", 16, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (block, ==, KAT_BLOCK);

  plaintext = authsim_keys_aes_decrypt (keys, KAT_CIPHERTEXT, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, ==, strlen (KAT_PLAINTEXT));
  g_assert_cmpstr (plaintext, ==, KAT_PLAINTEXT);
  g_clear_pointer (&plaintext, g_free);
  plaintext = authsim_keys_aes_decrypt (keys, KAT_EMPTY, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, ==, 0);
  g_assert_cmpstr (plaintext, ==, "");
}

static void
test_aes_decrypt_rejects (void)
{
  g_autofree char *dir = new_keys_dir ();
  g_autoptr(AuthsimKeys) keys = NULL;
  g_autoptr(AuthsimKeys) other = NULL;
  g_autofree char *wrong_padding = NULL;
  static const char * const bad[] = {
    "", "=", "====", "not base64!", "lU9k8uTobp7ugtICFmhIm",
    "lU9k8uTobp7ugtICFmhImQ===", "lU9k8uTobp7u gtICFmhImQ==", "lU9k8uTobp7ugtICFmhImQ==\n",
    "AAAA", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==" /* 31 bytes: not whole blocks */,
    "-_-_-_-_-_-_-_-_-_-_-_-_", "lU9k8uTo=bp7ugtICFmhImQ=",
  };

  g_mkdir_with_parents (dir, 0700);
  write_file (dir, "aes.key", KAT_KEY);
  keys = load_ok (dir, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      char *plaintext = authsim_keys_aes_decrypt (keys, bad[i], NULL, &error);

      if (plaintext != NULL)
        g_error ("“%s” decrypted", bad[i]);
      g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID);
    }

  /* Padding may be left out, as lenient decoders (Java's) allow. */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *plaintext = authsim_keys_aes_decrypt (keys, "lU9k8uTobp7ugtICFmhImQ", NULL,
                                                           &error);

    g_assert_no_error (error);
    g_assert_cmpstr (plaintext, ==, "");
  }

  /* The last byte of the last block changed: the padding no longer checks out. */
  {
    g_autofree guchar *raw = NULL;
    gsize length = 0;
    g_autoptr(GError) error = NULL;
    char *plaintext;

    raw = g_base64_decode (KAT_EMPTY, &length);
    g_assert_cmpuint (length, ==, 16);
    raw[15] ^= 0x01;
    wrong_padding = g_base64_encode (raw, length);
    plaintext = authsim_keys_aes_decrypt (keys, wrong_padding, NULL, &error);
    g_assert_null (plaintext);
    g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID);
  }

  /* Another key: KAT_EMPTY decrypts to 29 f7 … 79 under 0101…01 (openssl enc -d -nopad), whose
   * last byte is no valid padding. */
  {
    g_autofree char *other_dir = new_keys_dir ();
    g_autoptr(GError) error = NULL;
    char *plaintext;

    g_mkdir_with_parents (other_dir, 0700);
    write_file (other_dir, "aes.key", "AQEBAQEBAQEBAQEBAQEBAQ==");
    other = load_ok (other_dir, NULL);
    plaintext = authsim_keys_aes_decrypt (other, KAT_EMPTY, NULL, &error);
    g_assert_null (plaintext);
    g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID);
  }
}

static void
test_aes_key_invalid (void)
{
  static const char * const bad[] = {
    "", "\n", "not a key", "AAECAwQFBgcICQoLDA0O", "AAECAwQFBgcICQoLDA0ODw=",
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" /* 32 bytes: AES-256 is not what Alipay issues */,
    "AAECAwQFBgcI CQoLDA0ODw==",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *dir = new_keys_dir ();
      g_autofree char *path = g_build_filename (dir, "aes.key", NULL);
      g_autofree char *after = NULL;
      g_autoptr(GError) error = NULL;
      AuthsimKeys *keys;

      g_mkdir_with_parents (dir, 0700);
      write_file (dir, "aes.key", bad[i]);
      keys = authsim_keys_load (dir, NULL, NULL, &error);
      g_assert_null (keys);
      g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, path));
      /* The user's file is left as it was. */
      after = read_file (dir, "aes.key");
      g_assert_cmpstr (after, ==, bad[i]);
    }
}

/* ---- --app-public-key ---- */

static char *
write_config_file (const char *name,
                   const char *contents)
{
  char *path = g_build_filename (g_get_user_config_dir (), name, NULL);
  g_autoptr(GError) error = NULL;

  g_mkdir_with_parents (g_get_user_config_dir (), 0700);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

/* The PEM of a public key made here: RSA of @bits, or P-256 when @bits is 0. */
static char *
public_pem_of_new_key (int bits)
{
  EVP_PKEY *pkey = bits > 0 ? EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t) bits)
                            : EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-256");
  OSSL_ENCODER_CTX *ectx;
  unsigned char *out = NULL;
  size_t len = 0;
  char *pem;

  g_assert_nonnull (pkey);
  ectx = OSSL_ENCODER_CTX_new_for_pkey (pkey, EVP_PKEY_PUBLIC_KEY, "PEM", "SubjectPublicKeyInfo",
                                        NULL);
  g_assert_cmpint (OSSL_ENCODER_to_data (ectx, &out, &len), ==, 1);
  OSSL_ENCODER_CTX_free (ectx);
  EVP_PKEY_free (pkey);
  pem = g_strndup ((const char *) out, len);
  OPENSSL_free (out);
  return pem;
}

/* Refused with one line that names the file (and @detail, when given), at parse time and at
 * load time alike. */
static void
assert_app_public_key_refused (const char *path,
                               const char *detail)
{
  g_autofree char *dir = new_keys_dir ();
  g_autoptr(GError) error = NULL;
  AuthsimKeys *keys;

  g_assert_false (authsim_keys_check_app_public_key (path, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_null (strchr (error->message, '\n'));
  if (detail != NULL)
    g_assert_nonnull (strstr (error->message, detail));
  g_clear_error (&error);

  keys = authsim_keys_load (dir, path, NULL, &error);
  g_assert_null (keys);
  g_assert_nonnull (error);
}

static void
test_check_app_public_key (void)
{
  g_autofree char *rsa_2048 = public_pem_of_new_key (2048);
  g_autofree char *rsa_1024 = public_pem_of_new_key (1024);
  g_autofree char *ec = public_pem_of_new_key (0);
  g_autofree char *pkcs1 = NULL;
  g_autofree char *good = write_config_file ("good.pem", rsa_2048);
  g_autofree char *good_pkcs1 = NULL;
  g_autofree char *short_key = write_config_file ("short.pem", rsa_1024);
  g_autofree char *ec_key = write_config_file ("ec.pem", ec);
  g_autofree char *garbage = write_config_file ("garbage.pem", "hello\n");
  g_autofree char *empty = write_config_file ("empty.pem", "");
  g_autofree char *private_dir = new_keys_dir ();
  g_autoptr(AuthsimKeys) plain = load_ok (private_dir, NULL);
  g_autofree char *private_pem = read_file (private_dir, "app-private.pem");
  g_autofree char *private_key = write_config_file ("private.pem", private_pem);
  g_autofree char *missing = g_build_filename (g_get_user_config_dir (), "missing.pem", NULL);
  g_autoptr(GError) error = NULL;

  EVP_PKEY_free (make_user_key (TRUE, &pkcs1));
  good_pkcs1 = write_config_file ("good-pkcs1.pem", pkcs1);

  g_assert_true (authsim_keys_check_app_public_key (good, &error));
  g_assert_no_error (error);
  g_assert_true (authsim_keys_check_app_public_key (good_pkcs1, &error));
  g_assert_no_error (error);

  assert_app_public_key_refused (short_key, "1024");
  assert_app_public_key_refused (ec_key, NULL);
  assert_app_public_key_refused (garbage, NULL);
  assert_app_public_key_refused (empty, NULL);
  assert_app_public_key_refused (private_key, NULL);
  assert_app_public_key_refused (missing, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/authsim/keys/generate", test_generate);
  g_test_add_func ("/authsim/keys/reload-same-keys", test_reload_same_keys);
  g_test_add_func ("/authsim/keys/round-trip", test_round_trip);
  g_test_add_func ("/authsim/keys/matches-openssl-cli", test_matches_openssl_cli);
  g_test_add_data_func ("/authsim/keys/app-public-key-override/spki",
                        GINT_TO_POINTER (FALSE), test_app_public_key_override);
  g_test_add_data_func ("/authsim/keys/app-public-key-override/pkcs1",
                        GINT_TO_POINTER (TRUE), test_app_public_key_override);
  g_test_add_func ("/authsim/keys/app-public-key-override/invalid",
                   test_app_public_key_override_invalid);
  g_test_add_func ("/authsim/keys/malformed-pem", test_malformed_pem);
  g_test_add_func ("/authsim/keys/missing-files", test_missing_files);
  g_test_add_func ("/authsim/keys/mismatched-pair", test_mismatched_pair);
  g_test_add_func ("/authsim/keys/async", test_async);
  g_test_add_func ("/authsim/keys/async-cancelled", test_async_cancelled);
  g_test_add_func ("/authsim/keys/threads", test_threads);
  g_test_add_func ("/authsim/keys/aes-key/generated", test_aes_key_generated);
  g_test_add_func ("/authsim/keys/aes-key/known-answer", test_aes_known_answer);
  g_test_add_func ("/authsim/keys/aes-key/decrypt-rejects", test_aes_decrypt_rejects);
  g_test_add_func ("/authsim/keys/aes-key/invalid", test_aes_key_invalid);
  g_test_add_func ("/authsim/keys/app-public-key/check", test_check_app_public_key);

  return g_test_run ();
}
