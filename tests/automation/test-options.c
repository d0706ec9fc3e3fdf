/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-options.c: the command line of SPEC §8: every option, its validation, one-line errors. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/encoder.h>
#include <openssl/evp.h>

#include "authsim-certs.h"
#include "authsim-enums.h"
#include "authsim-gateway-enums.h"
#include "authsim-options.h"

/* Parses "authsim" + @args (NULL-terminated). Returns the options, or NULL with @error. */
static AuthsimOptions *
parse (const char * const *args,
       GError            **error)
{
  g_autoptr(GPtrArray) array = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(AuthsimOptions) options = authsim_options_new ();
  g_auto(GStrv) argv = NULL;
  char **argv_p;
  int argc;

  g_ptr_array_add (array, g_strdup ("authsim"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (array, g_strdup (args[i]));
  g_ptr_array_add (array, NULL);
  argv = (GStrv) g_ptr_array_steal (array, NULL);
  argc = g_strv_length (argv);

  /* g_option_context_parse() reshuffles the array: keep our own pointer to free it all. */
  argv_p = g_memdup2 (argv, sizeof (char *) * (argc + 1));
  if (!authsim_options_parse (options, &argc, &argv_p, error))
    {
      g_free (argv_p);
      return NULL;
    }

  /* Everything was ours: only the program name is left. */
  g_assert_cmpint (argc, ==, 1);
  g_assert_cmpstr (argv_p[0], ==, "authsim");
  g_free (argv_p);
  return g_steal_pointer (&options);
}

/* Asserts that @args fail with a one-line error that mentions each of @needles. */
static void
assert_fails (const char * const *args,
              const char         *needle1,
              const char         *needle2)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimOptions) options = parse (args, &error);
  g_autofree char *joined = g_strjoinv (" ", (char **) args);

  if (options != NULL)
    g_error ("\"%s\" was accepted", joined);
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID);
  g_assert_null (strchr (error->message, '\n'));
  if (needle1 != NULL && strstr (error->message, needle1) == NULL)
    g_error ("\"%s\": message \"%s\" does not mention \"%s\"", joined, error->message, needle1);
  if (needle2 != NULL && strstr (error->message, needle2) == NULL)
    g_error ("\"%s\": message \"%s\" does not mention \"%s\"", joined, error->message, needle2);
}

static char *
make_file (const char *name,
           const char *contents)
{
  char *path = g_build_filename (g_get_user_cache_dir (), name, NULL);
  g_autoptr(GError) error = NULL;

  g_mkdir_with_parents (g_get_user_cache_dir (), 0700);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

/* A PEM public key made here: RSA of @bits. */
static char *
make_public_key (const char *name,
                 int         bits)
{
  EVP_PKEY *pkey = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t) bits);
  OSSL_ENCODER_CTX *ectx;
  unsigned char *out = NULL;
  size_t len = 0;
  g_autofree char *pem = NULL;

  g_assert_nonnull (pkey);
  ectx = OSSL_ENCODER_CTX_new_for_pkey (pkey, EVP_PKEY_PUBLIC_KEY, "PEM", "SubjectPublicKeyInfo",
                                        NULL);
  g_assert_cmpint (OSSL_ENCODER_to_data (ectx, &out, &len), ==, 1);
  OSSL_ENCODER_CTX_free (ectx);
  EVP_PKEY_free (pkey);
  pem = g_strndup ((const char *) out, len);
  OPENSSL_free (out);
  return make_file (name, pem);
}

static void
test_defaults (void)
{
  const char *args[] = { NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimOptions) options = parse (args, &error);

  g_assert_no_error (error);
  g_assert_null (options->profile);
  g_assert_null (options->users);
  g_assert_null (options->log);
  g_assert_cmpint (options->gateway_port, ==, -1);
  g_assert_cmpstr (options->gateway_address, ==, "127.0.0.1");
  g_assert_false (options->gateway_address_given);
  g_assert_false (options->no_gateway);
  g_assert_null (options->app_public_key);
  g_assert_cmpint (options->sign_mode, ==, -1);
  g_assert_cmpint (options->first_screen_rule, ==, -1);
  g_assert_false (options->headless);
  g_assert_null (options->scenario);
  g_assert_cmpint (options->answer, ==, -1);
  g_assert_cmpfloat (options->speed, ==, 1.0);
  g_assert_false (options->version);
  g_assert_null (options->data_dir);
}

static void
test_all_valid (void)
{
  g_autofree char *profile = make_file ("p.json", "{}");
  g_autofree char *users = make_file ("u.json", "{}");
  g_autofree char *scenario = make_file ("s.json", "{}");
  g_autofree char *key = make_public_key ("k.pem", 2048);
  g_autofree char *log = g_build_filename (g_get_user_cache_dir (), "sub", "log.jsonl", NULL);
  g_autofree char *data = g_build_filename (g_get_user_cache_dir (), "data", NULL);
  g_autofree char *profile_arg = g_strconcat ("--profile=", profile, NULL);
  const char *args[] = {
    profile_arg, "--users", users, "--log", log, "--gateway-port", "0",
    "--gateway-address", "::1", "--no-gateway", "--app-public-key", key,
    "--sign-mode", "cert",
    "--first-screen-rule", "warn", "--headless", "--scenario", scenario, "--answer", "reject",
    "--speed", "2.5", "--data-dir", data, "--version", NULL
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimOptions) options = parse (args, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (options->profile, ==, profile);
  g_assert_cmpstr (options->users, ==, users);
  g_assert_cmpstr (options->log, ==, log);
  g_assert_cmpint (options->gateway_port, ==, 0);
  g_assert_cmpstr (options->gateway_address, ==, "::1");
  g_assert_true (options->no_gateway);
  g_assert_cmpstr (options->app_public_key, ==, key);
  g_assert_cmpint (options->sign_mode, ==, AUTHSIM_SIGN_MODE_CERT);
  g_assert_cmpint (options->first_screen_rule, ==, AUTHSIM_FIRST_SCREEN_RULE_WARN);
  g_assert_true (options->headless);
  g_assert_cmpstr (options->scenario, ==, scenario);
  g_assert_cmpint (options->answer, ==, AUTHSIM_DECISION_REJECT);
  g_assert_cmpfloat (options->speed, ==, 2.5);
  g_assert_cmpstr (options->data_dir, ==, data);
  g_assert_true (options->version);
}

static void
test_relative_paths (void)
{
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *profile = make_file ("rel.json", "{}");
  const char *args[] = { "--profile", "rel.json", "--log", "logs/x.jsonl", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimOptions) options = NULL;
  g_autofree char *log = NULL;

  g_assert_cmpint (g_chdir (g_get_user_cache_dir ()), ==, 0);
  options = parse (args, &error);
  g_assert_cmpint (g_chdir (cwd), ==, 0);

  g_assert_no_error (error);
  /* Made absolute: the files are found whatever the working directory later. */
  g_assert_cmpstr (options->profile, ==, profile);
  log = g_build_filename (g_get_user_cache_dir (), "logs", "x.jsonl", NULL);
  g_assert_cmpstr (options->log, ==, log);
}

static void
test_gateway_port (void)
{
  const struct { const char *text; int port; } valid[] = {
    { "0", 0 }, { "1", 1 }, { "8930", 8930 }, { "65535", 65535 },
  };
  const char *invalid[] = { "abc", "-1", "65536", "", "1.5", " 80", "80x", "99999999999999999999" };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      const char *args[] = { "--gateway-port", valid[i].text, NULL };
      g_autoptr(GError) error = NULL;
      g_autoptr(AuthsimOptions) options = parse (args, &error);

      g_assert_no_error (error);
      g_assert_cmpint (options->gateway_port, ==, valid[i].port);
    }

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      const char *args[] = { "--gateway-port", invalid[i], NULL };
      g_autofree char *quoted = g_strdup_printf ("\"%s\"", invalid[i]);

      assert_fails (args, "--gateway-port", quoted);
    }
}

static void
test_gateway_address (void)
{
  const char *valid[] = { "127.0.0.1", "::1", "0.0.0.0", "192.168.1.20" };
  const char *invalid[] = { "localhost", "300.1.1.1", "", "127.0.0.1:80" };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      const char *args[] = { "--gateway-address", valid[i], NULL };
      g_autoptr(GError) error = NULL;
      g_autoptr(AuthsimOptions) options = parse (args, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (options->gateway_address, ==, valid[i]);
      /* Given, even when it is the default: it must win over the settings. */
      g_assert_true (options->gateway_address_given);
    }

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      const char *args[] = { "--gateway-address", invalid[i], NULL };
      g_autofree char *quoted = g_strdup_printf ("\"%s\"", invalid[i]);

      assert_fails (args, "--gateway-address", quoted);
    }
}

static void
test_first_screen_rule (void)
{
  const struct { const char *text; int rule; } valid[] = {
    { "enforce", AUTHSIM_FIRST_SCREEN_RULE_ENFORCE },
    { "warn", AUTHSIM_FIRST_SCREEN_RULE_WARN },
    { "off", AUTHSIM_FIRST_SCREEN_RULE_OFF },
  };
  const char *invalid[] = { "ENFORCE", "on", "", "0" };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      const char *args[] = { "--first-screen-rule", valid[i].text, NULL };
      g_autoptr(GError) error = NULL;
      g_autoptr(AuthsimOptions) options = parse (args, &error);

      g_assert_no_error (error);
      g_assert_cmpint (options->first_screen_rule, ==, valid[i].rule);
    }

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      const char *args[] = { "--first-screen-rule", invalid[i], NULL };

      assert_fails (args, "--first-screen-rule", "enforce, warn or off");
    }
}

static void
test_answer (void)
{
  const struct { const char *text; int decision; } valid[] = {
    { "allow", AUTHSIM_DECISION_ALLOW },
    { "reject", AUTHSIM_DECISION_REJECT },
    { "close", AUTHSIM_DECISION_CLOSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      const char *args[] = { "--headless", "--answer", valid[i].text, NULL };
      const char *without_headless[] = { "--answer", valid[i].text, NULL };
      g_autoptr(GError) error = NULL;
      g_autoptr(AuthsimOptions) options = parse (args, &error);

      g_assert_no_error (error);
      g_assert_cmpint (options->answer, ==, valid[i].decision);
      g_assert_true (options->headless);

      /* Only the headless mode answers by itself. */
      assert_fails (without_headless, "--answer", "--headless");
    }

  {
    const char *args[] = { "--headless", "--answer", "yes", NULL };

    assert_fails (args, "--answer", "\"yes\"");
  }
}

static void
test_speed (void)
{
  const struct { const char *text; double speed; } valid[] = {
    { "0.1", 0.1 }, { "1", 1.0 }, { "2.5", 2.5 }, { "10", 10.0 },
  };
  const char *invalid[] = { "0.05", "0", "11", "-1", "abc", "nan", "inf", "", "2x" };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      const char *args[] = { "--speed", valid[i].text, NULL };
      g_autoptr(GError) error = NULL;
      g_autoptr(AuthsimOptions) options = parse (args, &error);

      g_assert_no_error (error);
      g_assert_cmpfloat_with_epsilon (options->speed, valid[i].speed, 1e-9);
    }

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      const char *args[] = { "--speed", invalid[i], NULL };
      g_autofree char *quoted = g_strdup_printf ("\"%s\"", invalid[i]);

      assert_fails (args, "--speed", quoted);
    }
}

static void
test_sign_mode (void)
{
  const char *key[] = { "--sign-mode", "key", NULL };
  const char *bad[] = { "certificate", "Cert", "", "1", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimOptions) options = parse (key, &error);

  g_assert_no_error (error);
  g_assert_cmpint (options->sign_mode, ==, AUTHSIM_SIGN_MODE_KEY);
  for (guint i = 0; bad[i] != NULL; i++)
    {
      const char *args[] = { "--sign-mode", bad[i], NULL };
      g_autofree char *quoted = g_strdup_printf ("\"%s\"", bad[i]);

      assert_fails (args, "--sign-mode", quoted);
    }
}

/* --app-public-key: a PEM RSA public key of 2048 bits or more, checked while parsing. */
static void
test_app_public_key (void)
{
  g_autofree char *good = make_public_key ("good.pem", 3072);
  g_autofree char *short_key = make_public_key ("short.pem", 1024);
  g_autofree char *not_pem = make_file ("not-pem.pem", "-----BEGIN PUBLIC KEY-----\n");
  const char *good_args[] = { "--app-public-key", good, NULL };
  const char *short_args[] = { "--app-public-key", short_key, NULL };
  const char *not_pem_args[] = { "--app-public-key", not_pem, "--headless", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimOptions) options = parse (good_args, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (options->app_public_key, ==, good);
  assert_fails (short_args, "--app-public-key", "1024");
  assert_fails (not_pem_args, "--app-public-key", not_pem);
}

static void
test_files_must_exist (void)
{
  const char *options[] = { "--profile", "--users", "--scenario", "--app-public-key" };
  g_autofree char *missing = g_build_filename (g_get_user_cache_dir (), "missing.json", NULL);
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "a-dir", NULL);

  g_mkdir_with_parents (dir, 0700);

  for (guint i = 0; i < G_N_ELEMENTS (options); i++)
    {
      const char *args_missing[] = { options[i], missing, NULL };
      const char *args_dir[] = { options[i], dir, NULL };
      const char *args_empty[] = { options[i], "", NULL };

      assert_fails (args_missing, options[i], missing);
      assert_fails (args_dir, options[i], dir);
      assert_fails (args_empty, options[i], NULL);
    }

  /* Unreadable: only meaningful when not running as root. */
  if (geteuid () != 0)
    {
      g_autofree char *secret = make_file ("secret.json", "{}");
      const char *args[] = { "--profile", secret, NULL };

      g_assert_cmpint (g_chmod (secret, 0), ==, 0);
      assert_fails (args, "--profile", secret);
    }
}

static void
test_log_and_data_dir (void)
{
  g_autofree char *file = make_file ("plain-file", "x");
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "dir", NULL);
  const char *log_is_dir[] = { "--log", dir, NULL };
  const char *data_is_file[] = { "--data-dir", file, NULL };
  const char *log_empty[] = { "--log", "", NULL };

  g_mkdir_with_parents (dir, 0700);
  assert_fails (log_is_dir, "--log", dir);
  assert_fails (data_is_file, "--data-dir", file);
  assert_fails (log_empty, "--log", NULL);

  /* A data directory that does not exist yet is fine: it is created on start. */
  {
    g_autofree char *fresh = g_build_filename (g_get_user_cache_dir (), "new", "data", NULL);
    const char *args[] = { "--data-dir", fresh, NULL };
    g_autoptr(GError) error = NULL;
    g_autoptr(AuthsimOptions) options = parse (args, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (options->data_dir, ==, fresh);
  }
}

static void
test_unknown_and_extra (void)
{
  const char *unknown[] = { "--bogus", NULL };
  const char *extra[] = { "--headless", "stray", NULL };
  const char *missing_value[] = { "--gateway-port", NULL };

  assert_fails (unknown, "--bogus", NULL);
  assert_fails (extra, "stray", NULL);
  assert_fails (missing_value, "--gateway-port", NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/authsim/options/defaults", test_defaults);
  g_test_add_func ("/authsim/options/all-valid", test_all_valid);
  g_test_add_func ("/authsim/options/relative-paths", test_relative_paths);
  g_test_add_func ("/authsim/options/gateway-port", test_gateway_port);
  g_test_add_func ("/authsim/options/gateway-address", test_gateway_address);
  g_test_add_func ("/authsim/options/first-screen-rule", test_first_screen_rule);
  g_test_add_func ("/authsim/options/answer", test_answer);
  g_test_add_func ("/authsim/options/speed", test_speed);
  g_test_add_func ("/authsim/options/sign-mode", test_sign_mode);
  g_test_add_func ("/authsim/options/app-public-key", test_app_public_key);
  g_test_add_func ("/authsim/options/files-must-exist", test_files_must_exist);
  g_test_add_func ("/authsim/options/log-and-data-dir", test_log_and_data_dir);
  g_test_add_func ("/authsim/options/unknown-and-extra", test_unknown_and_extra);

  return g_test_run ();
}
