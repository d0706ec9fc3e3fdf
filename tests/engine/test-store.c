/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store.c: codes, tokens, grants, call ids, the virtual clock, open_id, and their
 * persistence in state.sqlite3 (with the import of the older state.json). */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "authsim-store.h"
#include "authsim-types.h"
#include "test-utils.h"

#define TEST_APP       "2021000000000001"
#define TEST_OTHER_APP "2021000000000002"
#define TEST_USER      "2088000000000001"
#define TEST_USER_2    "2088000000000002"

static const char *const scopes_user[] = { "auth_user", NULL };
static const char *const scopes_base[] = { "auth_base", NULL };

/* Expected numbers from SPEC §6 (observed in production), not from the code under test. */
#define USER_LIFETIME          1296000
#define USER_REFRESH_LIFETIME  2592000
#define BASE_LIFETIME          31536000
#define BASE_REFRESH_LIFETIME  31536000

static gboolean
is_alnum_string (const char *s)
{
  for (; *s != '\0'; s++)
    if (!g_ascii_isalnum (*s))
      return FALSE;
  return TRUE;
}

static char *
state_dir_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "authsim", NULL);
}

static gint64
real_now (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* Issues a code and redeems it: the usual way to a token. */
static AuthsimToken *
issue_token_for (AuthsimStore       *store,
                 const char         *app_id,
                 const char         *user_id,
                 const char * const *scopes,
                 guint               call)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = authsim_store_issue_code (store, app_id, user_id, scopes, call);
  g_autoptr(AuthsimCode) redeemed = authsim_store_redeem_code (store, code, app_id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (redeemed);
  return authsim_store_issue_token (store, redeemed);
}

static void
assert_token_valid (AuthsimStore *store,
                    const char   *access_token)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimToken) token = authsim_store_lookup_access_token (store, access_token,
                                                                     &error);

  g_assert_no_error (error);
  g_assert_nonnull (token);
  g_assert_cmpstr (token->access_token, ==, access_token);
}

static void
assert_token_error (AuthsimStore *store,
                    const char   *access_token,
                    int           code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimToken) token = authsim_store_lookup_access_token (store, access_token,
                                                                     &error);

  g_assert_error (error, AUTHSIM_STORE_ERROR, code);
  g_assert_null (token);
}

static void
assert_refresh_error (AuthsimStore *store,
                      const char   *refresh_token,
                      const char   *app_id,
                      int           code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimToken) token = authsim_store_refresh (store, refresh_token, app_id, &error);

  g_assert_error (error, AUTHSIM_STORE_ERROR, code);
  g_assert_null (token);
}

/* ---------------------------------------------------------------------------------------- */
/* Codes */

static void
test_code_format (void)
{
  g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 100000; i++)
    {
      char *code = authsim_store_issue_code (store, TEST_APP, TEST_USER, scopes_base, i);

      g_assert_cmpuint (strlen (code), ==, 32);
      g_assert_true (is_alnum_string (code));
      g_assert_true (g_hash_table_add (seen, code));  /* FALSE on a duplicate */
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 100000);

  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_code_uniformity (void)
{
  static const char alphabet[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
  guint counts[256] = { 0 };
  const guint n_codes = 1000000 / 32 + 1;
  double mean;
  guint total = 0;

  for (guint i = 0; i < n_codes; i++)
    {
      g_autofree char *code = authsim_store_issue_code (store, TEST_APP, TEST_USER,
                                                        scopes_base, i);
      for (const char *p = code; *p != '\0'; p++)
        counts[(guchar) *p]++;
    }

  for (guint c = 0; c < 256; c++)
    total += counts[c];
  g_assert_cmpuint (total, ==, n_codes * 32);
  mean = (double) total / 62;

  for (guint i = 0; i < 62; i++)
    {
      guint count = counts[(guchar) alphabet[i]];

      g_assert_cmpuint (count, >, 0);
      g_assert_cmpfloat (count, <=, 2 * mean);
      /* Tighter: a plain `byte % 62` gives the first 8 symbols 5/256 instead of 4/256, i.e.
       * +21 % (about 27 standard deviations here); ±5 % is > 6 standard deviations, so a
       * correct generator never trips it. */
      g_assert_cmpfloat (count, >=, 0.95 * mean);
      g_assert_cmpfloat (count, <=, 1.05 * mean);
    }
}

/* The call of a code is known while it lives and after it is spent, even by a failing
 * exchange, so a replay is still linked to its call, until the code expires and is purged. */
static void
test_code_call (void)
{
  g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
  g_autofree char *kept = authsim_store_issue_code (store, TEST_APP, TEST_USER, scopes_user, 11);
  g_autofree char *wrong = authsim_store_issue_code (store, TEST_APP, TEST_USER, scopes_user, 12);
  g_autofree char *first = NULL;
  g_autoptr(AuthsimCode) redeemed = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (authsim_store_get_code_call (store, kept), ==, 11);
  g_assert_cmpuint (authsim_store_get_code_call (store, "no-such-code"), ==, 0);
  g_assert_cmpuint (authsim_store_get_code_call (store, NULL), ==, 0);

  redeemed = authsim_store_redeem_code (store, kept, TEST_APP, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (authsim_store_get_code_call (store, kept), ==, 11);

  g_assert_null (authsim_store_redeem_code (store, wrong, TEST_OTHER_APP, &error));
  g_assert_error (error, AUTHSIM_STORE_ERROR, AUTHSIM_STORE_ERROR_UNMATCHED_APP_ID);
  g_assert_cmpuint (authsim_store_get_code_call (store, wrong), ==, 12);

  /* The memory of spent codes is bounded: they go when they expire and are purged. */
  first = g_strdup (kept);
  authsim_store_advance_clock (store, authsim_store_get_code_lifetime (store) - 1);
  g_assert_cmpuint (authsim_store_purge (store), ==, 0);
  g_assert_cmpuint (authsim_store_get_code_call (store, first), ==, 11);
  authsim_store_advance_clock (store, 1);
  g_assert_cmpuint (authsim_store_purge (store), ==, 2);
  g_assert_cmpuint (authsim_store_get_code_call (store, first), ==, 0);
}

/* Exchanges @code for @app_id; asserts the error @code_error (-1: success) and the call. */
static AuthsimToken *
exchange_expecting (AuthsimStore *store,
                    const char   *code,
                    const char   *app_id,
                    int           code_error,
                    guint         call)
{
  g_autoptr(GError) error = NULL;
  guint found_call = 12345;
  AuthsimToken *token = authsim_store_exchange_code (store, code, app_id, &found_call, &error);

  if (code_error < 0)
    {
      g_assert_no_error (error);
      g_assert_nonnull (token);
    }
  else
    {
      g_assert_error (error, AUTHSIM_STORE_ERROR, code_error);
      g_assert_null (token);
    }
  g_assert_cmpuint (found_call, ==, call);
  return token;
}

/* The gateway's exchange, in one transaction: a code spent by its first exchange, whatever the
 * outcome, and its call known even when the exchange fails. */
static void
test_code_exchange (void)
{
  g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
  g_autofree char *code = authsim_store_issue_code (store, TEST_APP, TEST_USER, scopes_user, 21);
  g_autofree char *wrong = authsim_store_issue_code (store, TEST_APP, TEST_USER, scopes_user, 22);
  g_autofree char *late = authsim_store_issue_code (store, TEST_APP, TEST_USER, scopes_base, 23);
  g_autoptr(AuthsimToken) token = NULL;

  token = exchange_expecting (store, code, TEST_APP, -1, 21);
  g_assert_true (g_str_has_prefix (token->access_token, "authusrB"));
  g_assert_cmpstr (token->user_id, ==, TEST_USER);
  g_assert_cmpuint (token->call, ==, 21);
  assert_token_valid (store, token->access_token);
  g_assert_null (exchange_expecting (store, code, TEST_APP, AUTHSIM_STORE_ERROR_CODE_INVALID,
                                     21));

  g_assert_null (exchange_expecting (store, wrong, TEST_OTHER_APP,
                                     AUTHSIM_STORE_ERROR_UNMATCHED_APP_ID, 22));
  g_assert_null (exchange_expecting (store, wrong, TEST_APP, AUTHSIM_STORE_ERROR_CODE_INVALID,
                                     22));
  g_assert_null (exchange_expecting (store, "0123456789abcdefghijABCDEFGHIJ01", TEST_APP,
                                     AUTHSIM_STORE_ERROR_CODE_INVALID, 0));
  g_assert_null (exchange_expecting (store, NULL, TEST_APP, AUTHSIM_STORE_ERROR_CODE_INVALID, 0));

  authsim_store_advance_clock (store, authsim_store_get_code_lifetime (store));
  g_assert_null (exchange_expecting (store, late, TEST_APP, AUTHSIM_STORE_ERROR_CODE_INVALID,
                                     23));
  g_assert_null (authsim_store_lookup_code (store, late));
}

static void
test_code_single_use (void)
{
  g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimCode) first = NULL;
  g_autoptr(AuthsimCode) second = NULL;
  g_autoptr(AuthsimCode) peek = NULL;
  const char *scopes[] = { "auth_user", "auth_zhima", NULL };
  g_autofree char *code = authsim_store_issue_code (store, TEST_APP, TEST_USER, scopes, 7);

  /* A peek does not spend the code. */
  peek = authsim_store_lookup_code (store, code);
  g_assert_nonnull (peek);
  g_assert_cmpstr (peek->code, ==, code);
  g_clear_pointer (&peek, authsim_code_free);
  peek = authsim_store_lookup_code (store, code);
  g_assert_nonnull (peek);

  first = authsim_store_redeem_code (store, code, TEST_APP, &error);
  g_assert_no_error (error);
  g_assert_nonnull (first);
  g_assert_cmpstr (first->code, ==, code);
  g_assert_cmpstr (first->app_id, ==, TEST_APP);
  g_assert_cmpstr (first->user_id, ==, TEST_USER);
  g_assert_cmpstrv (first->scopes, scopes);
  g_assert_cmpuint (first->call, ==, 7);

  second = authsim_store_redeem_code (store, code, TEST_APP, &error);
  g_assert_error (error, AUTHSIM_STORE_ERROR, AUTHSIM_STORE_ERROR_CODE_INVALID);
  g_assert_null (second);
  g_clear_error (&error);

  g_assert_null (authsim_store_lookup_code (store, code));

  /* Never issued. */
  second = authsim_store_redeem_code (store, "0123456789abcdefghijABCDEFGHIJ01", TEST_APP,
                                      &error);
  g_assert_error (error, AUTHSIM_STORE_ERROR, AUTHSIM_STORE_ERROR_CODE_INVALID);
  g_assert_null (second);
  g_clear_error (&error);

  second = authsim_store_redeem_code (store, NULL, TEST_APP, &error);
  g_assert_error (error, AUTHSIM_STORE_ERROR, AUTHSIM_STORE_ERROR_CODE_INVALID);
  g_assert_null (second);
}

static void
test_code_wrong_app (void)
{
  g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimCode) redeemed = NULL;
  g_autofree char *code = authsim_store_issue_code (store, TEST_APP, TEST_USER, scopes_user, 1);

  redeemed = authsim_store_redeem_code (store, code, TEST_OTHER_APP, &error);
  g_assert_error (error, AUTHSIM_STORE_ERROR, AUTHSIM_STORE_ERROR_UNMATCHED_APP_ID);
  g_assert_nonnull (strstr (error->message, TEST_APP));
  g_assert_null (redeemed);
  g_clear_error (&error);

  /* The failed exchange spent it: the right app cannot use it any more. */
  g_assert_null (authsim_store_lookup_code (store, code));
  redeemed = authsim_store_redeem_code (store, code, TEST_APP, &error);
  g_assert_error (error, AUTHSIM_STORE_ERROR, AUTHSIM_STORE_ERROR_CODE_INVALID);
  g_assert_null (redeemed);
}

static void
test_code_expiry (void)
{
  g_autoptr(GError) error = NULL;
  guint attempt;

  /* Expired at exactly issued_at + lifetime (now >= expires_at). */
  {
    g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
    g_autoptr(AuthsimCode) redeemed = NULL;
    g_autoptr(AuthsimCode) peek = NULL;
    g_autofree char *code = authsim_store_issue_code (store, TEST_APP, TEST_USER, scopes_base, 1);
    guint lifetime = authsim_store_get_code_lifetime (store);

    g_assert_cmpuint (lifetime, ==, 180);  /* SPEC: 3 minutes by default */
    peek = authsim_store_lookup_code (store, code);
    g_assert_cmpint (peek->expires_at - peek->issued_at, ==, lifetime);

    authsim_store_advance_clock (store, lifetime);
    redeemed = authsim_store_redeem_code (store, code, TEST_APP, &error);
    g_assert_error (error, AUTHSIM_STORE_ERROR, AUTHSIM_STORE_ERROR_CODE_INVALID);
    g_assert_nonnull (strstr (error->message, "expired"));
    g_assert_null (redeemed);
    g_clear_error (&error);

    /* The expired exchange spent it too: turning the clock back does not revive it. */
    authsim_store_set_clock_offset (store, 0);
    redeemed = authsim_store_redeem_code (store, code, TEST_APP, &error);
    g_assert_error (error, AUTHSIM_STORE_ERROR, AUTHSIM_STORE_ERROR_CODE_INVALID);
    g_assert_null (strstr (error->message, "expired"));
    g_clear_error (&error);
  }

  /* Still valid one second before. The virtual clock follows real time, so retry when a
   * real second boundary fell between issue and redeem. */
  for (attempt = 0; attempt < 20; attempt++)
    {
      g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
      g_autoptr(AuthsimCode) redeemed = NULL;
      guint lifetime = authsim_store_get_code_lifetime (store);
      gint64 before = authsim_store_now (store);
      g_autofree char *code = authsim_store_issue_code (store, TEST_APP, TEST_USER, scopes_base,
                                                        1);

      authsim_store_advance_clock (store, lifetime - 1);
      redeemed = authsim_store_redeem_code (store, code, TEST_APP, &error);
      if (authsim_store_now (store) - before != lifetime - 1)
        {
          g_clear_error (&error);
          continue;
        }
      g_assert_no_error (error);
      g_assert_nonnull (redeemed);
      break;
    }
  g_assert_cmpuint (attempt, <, 20);
}

static void
on_notify_count (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

static void
test_code_lifetime (void)
{
  g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
  g_autoptr(AuthsimCode) peek = NULL;
  g_autofree char *code = NULL;
  guint notifies = 0;
  guint value = 0;

  g_signal_connect (store, "notify::code-lifetime", G_CALLBACK (on_notify_count), &notifies);

  g_assert_cmpuint (authsim_store_get_code_lifetime (store), ==, AUTHSIM_CODE_LIFETIME_DEFAULT);

  authsim_store_set_code_lifetime (store, 600);
  g_assert_cmpuint (authsim_store_get_code_lifetime (store), ==, 600);
  g_assert_cmpuint (notifies, ==, 1);
  authsim_store_set_code_lifetime (store, 600);
  g_assert_cmpuint (notifies, ==, 1);  /* no change, no notify */

  code = authsim_store_issue_code (store, TEST_APP, TEST_USER, scopes_base, 1);
  peek = authsim_store_lookup_code (store, code);
  g_assert_cmpint (peek->expires_at - peek->issued_at, ==, 600);

  /* Clamped to 1 minute … 24 hours (SPEC: "3 分钟到 24 小时" is the range of the setting). */
  authsim_store_set_code_lifetime (store, 10);
  g_assert_cmpuint (authsim_store_get_code_lifetime (store), ==, 60);
  g_assert_cmpuint (notifies, ==, 2);
  authsim_store_set_code_lifetime (store, 0);
  g_assert_cmpuint (authsim_store_get_code_lifetime (store), ==, 60);
  g_assert_cmpuint (notifies, ==, 2);
  authsim_store_set_code_lifetime (store, 1000000);
  g_assert_cmpuint (authsim_store_get_code_lifetime (store), ==, 86400);
  g_assert_cmpuint (notifies, ==, 3);

  g_object_set (store, "code-lifetime", 300u, NULL);
  g_object_get (store, "code-lifetime", &value, NULL);
  g_assert_cmpuint (value, ==, 300);
  g_assert_cmpuint (notifies, ==, 4);

  /* An already issued code keeps its expiry; a new one gets the new lifetime. */
  g_clear_pointer (&peek, authsim_code_free);
  peek = authsim_store_lookup_code (store, code);
  g_assert_cmpint (peek->expires_at - peek->issued_at, ==, 600);
}

static void
test_clock (void)
{
  g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
  guint notifies = 0;
  gint64 before, after, now, offset = 0;

  g_signal_connect (store, "notify::clock-offset", G_CALLBACK (on_notify_count), &notifies);

  g_assert_cmpint (authsim_store_get_clock_offset (store), ==, 0);
  before = real_now ();
  now = authsim_store_now (store);
  after = real_now ();
  g_assert_cmpint (now, >=, before);
  g_assert_cmpint (now, <=, after);

  authsim_store_advance_clock (store, 180);
  authsim_store_advance_clock (store, 15 * 86400);
  g_assert_cmpint (authsim_store_get_clock_offset (store), ==, 180 + 15 * 86400);
  g_assert_cmpuint (notifies, ==, 2);
  before = real_now ();
  now = authsim_store_now (store);
  after = real_now ();
  g_assert_cmpint (now, >=, before + 180 + 15 * 86400);
  g_assert_cmpint (now, <=, after + 180 + 15 * 86400);

  authsim_store_advance_clock (store, 0);
  g_assert_cmpuint (notifies, ==, 2);

  authsim_store_set_clock_offset (store, -60);
  g_assert_cmpuint (notifies, ==, 3);
  authsim_store_set_clock_offset (store, -60);
  g_assert_cmpuint (notifies, ==, 3);
  g_object_get (store, "clock-offset", &offset, NULL);
  g_assert_cmpint (offset, ==, -60);

  /* Saturates rather than overflowing. */
  authsim_store_set_clock_offset (store, G_MAXINT64 - 10);
  authsim_store_advance_clock (store, 100);
  g_assert_cmpint (authsim_store_get_clock_offset (store), ==, G_MAXINT64);
  g_assert_cmpint (authsim_store_now (store), ==, G_MAXINT64);
  authsim_store_set_clock_offset (store, 0);
}

/* ---------------------------------------------------------------------------------------- */
/* Tokens */

static void
check_token_shape (const AuthsimToken *token,
                   const char         *prefix)
{
  g_assert_true (g_str_has_prefix (token->access_token, prefix));
  g_assert_true (g_str_has_prefix (token->refresh_token, prefix));
  g_assert_cmpuint (strlen (token->access_token), ==, 8 + 32);
  g_assert_cmpuint (strlen (token->refresh_token), ==, 8 + 32);
  g_assert_true (is_alnum_string (token->access_token));
  g_assert_true (is_alnum_string (token->refresh_token));
  g_assert_cmpstr (token->access_token, !=, token->refresh_token);
}

static void
test_token_lifetimes (void)
{
  const char *mixed[] = { "auth_base", "auth_user", "auth_zhima", NULL };
  const char *industry[] = { "auth_zhima", NULL };

  g_assert_cmpint (authsim_token_lifetime (scopes_user), ==, USER_LIFETIME);
  g_assert_cmpint (authsim_token_refresh_lifetime (scopes_user), ==, USER_REFRESH_LIFETIME);
  g_assert_cmpint (authsim_token_lifetime (mixed), ==, USER_LIFETIME);
  g_assert_cmpint (authsim_token_refresh_lifetime (mixed), ==, USER_REFRESH_LIFETIME);
  g_assert_cmpint (authsim_token_lifetime (scopes_base), ==, BASE_LIFETIME);
  g_assert_cmpint (authsim_token_refresh_lifetime (scopes_base), ==, BASE_REFRESH_LIFETIME);
  g_assert_cmpint (authsim_token_lifetime (industry), ==, BASE_LIFETIME);
  g_assert_cmpint (authsim_token_lifetime (NULL), ==, BASE_LIFETIME);
}

static void
test_token_user (void)
{
  g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
  g_autoptr(AuthsimToken) token = NULL;
  g_autoptr(AuthsimToken) looked_up = NULL;
  g_autoptr(GError) error = NULL;
  gint64 before, after;

  authsim_store_advance_clock (store, 5000);
  before = authsim_store_now (store);
  token = issue_token_for (store, TEST_APP, TEST_USER, scopes_user, 42);
  after = authsim_store_now (store);

  check_token_shape (token, "authusrB");
  g_assert_cmpstr (token->app_id, ==, TEST_APP);
  g_assert_cmpstr (token->user_id, ==, TEST_USER);
  g_assert_cmpstrv (token->scopes, scopes_user);
  g_assert_cmpuint (token->call, ==, 42);
  /* auth_start follows the virtual clock. */
  g_assert_cmpint (token->auth_start, >=, before);
  g_assert_cmpint (token->auth_start, <=, after);
  g_assert_cmpint (token->expires_at - token->auth_start, ==, USER_LIFETIME);
  g_assert_cmpint (token->re_expires_at - token->auth_start, ==, USER_REFRESH_LIFETIME);

  looked_up = authsim_store_lookup_access_token (store, token->access_token, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (looked_up->refresh_token, ==, token->refresh_token);
  g_assert_cmpstr (looked_up->user_id, ==, TEST_USER);
  g_assert_cmpint (looked_up->expires_at, ==, token->expires_at);

  /* The refresh token is not an access token. */
  assert_token_error (store, token->refresh_token, AUTHSIM_STORE_ERROR_TOKEN_INVALID);
  assert_token_error (store, "authusrBnothing", AUTHSIM_STORE_ERROR_TOKEN_INVALID);
  assert_token_error (store, NULL, AUTHSIM_STORE_ERROR_TOKEN_INVALID);
}

static void
test_token_base (void)
{
  g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
  g_autoptr(AuthsimToken) token = issue_token_for (store, TEST_APP, TEST_USER, scopes_base, 3);

  check_token_shape (token, "authbseB");
  g_assert_cmpint (token->expires_at - token->auth_start, ==, BASE_LIFETIME);
  g_assert_cmpint (token->re_expires_at - token->auth_start, ==, BASE_REFRESH_LIFETIME);
  assert_token_valid (store, token->access_token);
}

static void
test_token_refresh_rotation (void)
{
  g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
  g_autoptr(AuthsimToken) first = issue_token_for (store, TEST_APP, TEST_USER, scopes_user, 9);
  g_autoptr(AuthsimToken) second = NULL;
  g_autoptr(AuthsimToken) third = NULL;
  g_autoptr(GError) error = NULL;

  authsim_store_advance_clock (store, 1000);
  second = authsim_store_refresh (store, first->refresh_token, TEST_APP, &error);
  g_assert_no_error (error);
  g_assert_nonnull (second);

  check_token_shape (second, "authusrB");
  g_assert_cmpstr (second->access_token, !=, first->access_token);
  g_assert_cmpstr (second->refresh_token, !=, first->refresh_token);
  g_assert_cmpstr (second->app_id, ==, TEST_APP);
  g_assert_cmpstr (second->user_id, ==, TEST_USER);
  g_assert_cmpstrv (second->scopes, scopes_user);
  g_assert_cmpuint (second->call, ==, 9);
  /* A new pair starts at the refresh. */
  g_assert_cmpint (second->auth_start, >=, first->auth_start + 1000);
  g_assert_cmpint (second->expires_at - second->auth_start, ==, USER_LIFETIME);
  g_assert_cmpint (second->re_expires_at - second->auth_start, ==, USER_REFRESH_LIFETIME);

  assert_token_valid (store, second->access_token);
  assert_refresh_error (store, first->refresh_token, TEST_APP,
                        AUTHSIM_STORE_ERROR_REFRESH_INVALID);
  assert_token_error (store, first->access_token, AUTHSIM_STORE_ERROR_TOKEN_INVALID);

  /* The new refresh token rotates in turn. */
  third = authsim_store_refresh (store, second->refresh_token, TEST_APP, &error);
  g_assert_no_error (error);
  assert_token_valid (store, third->access_token);
  assert_token_error (store, second->access_token, AUTHSIM_STORE_ERROR_TOKEN_INVALID);

  assert_refresh_error (store, "authusrBunknown", TEST_APP, AUTHSIM_STORE_ERROR_REFRESH_INVALID);
  assert_refresh_error (store, NULL, TEST_APP, AUTHSIM_STORE_ERROR_REFRESH_INVALID);
  /* An access token is not a refresh token. */
  assert_refresh_error (store, third->access_token, TEST_APP,
                        AUTHSIM_STORE_ERROR_REFRESH_INVALID);
}

static void
test_token_refresh_expiry (void)
{
  g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
  g_autoptr(AuthsimToken) token = issue_token_for (store, TEST_APP, TEST_USER, scopes_user, 1);

  authsim_store_advance_clock (store, USER_REFRESH_LIFETIME);
  assert_refresh_error (store, token->refresh_token, TEST_APP,
                        AUTHSIM_STORE_ERROR_REFRESH_TIME_OUT);
  assert_token_error (store, token->access_token, AUTHSIM_STORE_ERROR_TOKEN_TIME_OUT);
}

static void
test_token_access_expiry (void)
{
  g_autoptr(GError) error = NULL;
  guint attempt;

  {
    g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
    g_autoptr(AuthsimToken) token = issue_token_for (store, TEST_APP, TEST_USER, scopes_user, 1);
    g_autoptr(AuthsimToken) fresh = NULL;

    authsim_store_advance_clock (store, USER_LIFETIME);
    assert_token_error (store, token->access_token, AUTHSIM_STORE_ERROR_TOKEN_TIME_OUT);

    /* The refresh token outlives the access token: it still rotates the pair. */
    fresh = authsim_store_refresh (store, token->refresh_token, TEST_APP, &error);
    g_assert_no_error (error);
    assert_token_valid (store, fresh->access_token);
  }

  {
    g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
    g_autoptr(AuthsimToken) token = issue_token_for (store, TEST_APP, TEST_USER, scopes_base, 1);

    authsim_store_advance_clock (store, BASE_LIFETIME);
    assert_token_error (store, token->access_token, AUTHSIM_STORE_ERROR_TOKEN_TIME_OUT);
  }

  /* One second before the end it still works (retry across real second boundaries). */
  for (attempt = 0; attempt < 20; attempt++)
    {
      g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
      gint64 before = authsim_store_now (store);
      g_autoptr(AuthsimToken) token = issue_token_for (store, TEST_APP, TEST_USER, scopes_user, 1);
      g_autoptr(AuthsimToken) found = NULL;

      authsim_store_advance_clock (store, USER_LIFETIME - 1);
      found = authsim_store_lookup_access_token (store, token->access_token, &error);
      if (authsim_store_now (store) - before != USER_LIFETIME - 1)
        {
          g_clear_error (&error);
          continue;
        }
      g_assert_no_error (error);
      g_assert_nonnull (found);
      break;
    }
  g_assert_cmpuint (attempt, <, 20);
}

static void
test_token_refresh_other_app (void)
{
  g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
  g_autoptr(AuthsimToken) token = issue_token_for (store, TEST_APP, TEST_USER, scopes_user, 1);
  g_autoptr(AuthsimToken) fresh = NULL;
  g_autoptr(GError) error = NULL;

  assert_refresh_error (store, token->refresh_token, TEST_OTHER_APP,
                        AUTHSIM_STORE_ERROR_REFRESH_INVALID);
  /* Another app's attempt does not rotate or spend the owner's pair. */
  assert_token_valid (store, token->access_token);
  fresh = authsim_store_refresh (store, token->refresh_token, TEST_APP, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fresh);
}

/* ---------------------------------------------------------------------------------------- */
/* Grants */

static void
assert_change (GArray *changes,
               guint   index,
               guint   position,
               guint   removed,
               guint   added)
{
  TestChange *change;

  g_assert_cmpuint (index, <, changes->len);
  change = &g_array_index (changes, TestChange, index);
  g_assert_cmpuint (change->position, ==, position);
  g_assert_cmpuint (change->removed, ==, removed);
  g_assert_cmpuint (change->added, ==, added);
}

static AuthsimGrant *
grant_at (AuthsimStore *store,
          guint         position)
{
  GListModel *grants = authsim_store_get_grants (store);
  AuthsimGrant *grant = g_list_model_get_item (grants, position);

  /* The model keeps its own reference. */
  g_object_unref (grant);
  return grant;
}

static void
test_grant_union (void)
{
  g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
  GListModel *grants = authsim_store_get_grants (store);
  const char *more[] = { "auth_zhima", "auth_user", "order_service", NULL };
  const char *expected[] = { "auth_user", "auth_zhima", "order_service", NULL };
  g_auto(GStrv) none = NULL;
  g_auto(GStrv) granted = NULL;
  g_autofree char *user_id = NULL;
  g_autofree char *app_id = NULL;
  g_auto(GStrv) prop_scopes = NULL;
  g_autoptr(AuthsimGrant) first = NULL;
  AuthsimGrant *replaced;
  gint64 before, after, granted_at = 0;

  g_assert_true (g_list_model_get_item_type (grants) == AUTHSIM_TYPE_GRANT);

  none = authsim_store_dup_granted_scopes (store, TEST_USER, TEST_APP);
  g_assert_nonnull (none);
  g_assert_cmpuint (g_strv_length (none), ==, 0);

  before = authsim_store_now (store);
  authsim_store_grant (store, TEST_USER, TEST_APP, scopes_user);
  after = authsim_store_now (store);
  g_assert_cmpuint (g_list_model_get_n_items (grants), ==, 1);
  first = g_list_model_get_item (grants, 0);
  g_assert_cmpstr (authsim_grant_get_user_id (first), ==, TEST_USER);
  g_assert_cmpstr (authsim_grant_get_app_id (first), ==, TEST_APP);
  g_assert_cmpstrv (authsim_grant_get_scopes (first), scopes_user);
  g_assert_cmpint (authsim_grant_get_granted_at (first), >=, before);
  g_assert_cmpint (authsim_grant_get_granted_at (first), <=, after);

  /* Union in order (existing first), and the time follows the virtual clock. */
  authsim_store_advance_clock (store, 86400);
  before = authsim_store_now (store);
  authsim_store_grant (store, TEST_USER, TEST_APP, more);
  after = authsim_store_now (store);
  g_assert_cmpuint (g_list_model_get_n_items (grants), ==, 1);
  replaced = grant_at (store, 0);
  g_assert_true (replaced != first);
  /* Grants are immutable: the old item still says what it said. */
  g_assert_cmpstrv (authsim_grant_get_scopes (first), scopes_user);
  g_assert_cmpint (authsim_grant_get_granted_at (first), <=, after - 86400);
  g_assert_cmpstrv (authsim_grant_get_scopes (replaced), expected);
  g_assert_cmpint (authsim_grant_get_granted_at (replaced), >=, before);
  g_assert_cmpint (authsim_grant_get_granted_at (replaced), <=, after);
  g_assert_cmpint (authsim_grant_get_granted_at (replaced), >=, real_now () + 86400 - 1);

  granted = authsim_store_dup_granted_scopes (store, TEST_USER, TEST_APP);
  g_assert_cmpstrv (granted, expected);

  /* The properties mirror the getters. */
  g_object_get (replaced, "user-id", &user_id, "app-id", &app_id, "scopes", &prop_scopes,
                "granted-at", &granted_at, NULL);
  g_assert_cmpstr (user_id, ==, TEST_USER);
  g_assert_cmpstr (app_id, ==, TEST_APP);
  g_assert_cmpstrv (prop_scopes, expected);
  g_assert_cmpint (granted_at, ==, authsim_grant_get_granted_at (replaced));

  /* Other pairs are separate. */
  g_clear_pointer (&none, g_strfreev);
  none = authsim_store_dup_granted_scopes (store, TEST_USER, TEST_OTHER_APP);
  g_assert_cmpuint (g_strv_length (none), ==, 0);
  g_clear_pointer (&none, g_strfreev);
  none = authsim_store_dup_granted_scopes (store, TEST_USER_2, TEST_APP);
  g_assert_cmpuint (g_strv_length (none), ==, 0);
}

static void
test_grant_items_changed (void)
{
  g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (TestChange));
  GListModel *grants = authsim_store_get_grants (store);

  g_signal_connect (grants, "items-changed", G_CALLBACK (test_record_change), changes);

  authsim_store_grant (store, TEST_USER, TEST_APP, scopes_user);
  authsim_store_grant (store, TEST_USER_2, TEST_APP, scopes_user);
  authsim_store_grant (store, TEST_USER, TEST_OTHER_APP, scopes_user);
  g_assert_cmpuint (changes->len, ==, 3);
  assert_change (changes, 0, 0, 0, 1);
  assert_change (changes, 1, 1, 0, 1);
  assert_change (changes, 2, 2, 0, 1);

  /* A re-grant replaces the item in place. */
  authsim_store_grant (store, TEST_USER_2, TEST_APP, scopes_base);
  g_assert_cmpuint (changes->len, ==, 4);
  assert_change (changes, 3, 1, 1, 1);
  g_assert_cmpstr (authsim_grant_get_user_id (grant_at (store, 1)), ==, TEST_USER_2);

  g_assert_true (authsim_store_revoke (store, TEST_USER, TEST_APP));
  g_assert_cmpuint (changes->len, ==, 5);
  assert_change (changes, 4, 0, 1, 0);
  g_assert_cmpuint (g_list_model_get_n_items (grants), ==, 2);
  g_assert_cmpstr (authsim_grant_get_user_id (grant_at (store, 0)), ==, TEST_USER_2);

  g_assert_false (authsim_store_revoke (store, TEST_USER, TEST_APP));
  g_assert_cmpuint (changes->len, ==, 5);

  authsim_store_clear_grants (store);
  g_assert_cmpuint (changes->len, ==, 6);
  assert_change (changes, 5, 0, 2, 0);
  g_assert_cmpuint (g_list_model_get_n_items (grants), ==, 0);

  authsim_store_clear_grants (store);
  g_assert_cmpuint (changes->len, ==, 6);

  g_signal_handlers_disconnect_by_data (grants, changes);
}

static void
test_grant_revoke (void)
{
  g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
  g_autoptr(AuthsimToken) mine = NULL;
  g_autoptr(AuthsimToken) mine_base = NULL;
  g_autoptr(AuthsimToken) other_app = NULL;
  g_autoptr(AuthsimToken) other_user = NULL;
  g_autoptr(AuthsimToken) no_grant = NULL;
  g_auto(GStrv) scopes = NULL;

  authsim_store_grant (store, TEST_USER, TEST_APP, scopes_user);
  authsim_store_grant (store, TEST_USER, TEST_OTHER_APP, scopes_user);
  authsim_store_grant (store, TEST_USER_2, TEST_APP, scopes_user);
  mine = issue_token_for (store, TEST_APP, TEST_USER, scopes_user, 1);
  mine_base = issue_token_for (store, TEST_APP, TEST_USER, scopes_base, 2);
  other_app = issue_token_for (store, TEST_OTHER_APP, TEST_USER, scopes_user, 3);
  other_user = issue_token_for (store, TEST_APP, TEST_USER_2, scopes_user, 4);
  no_grant = issue_token_for (store, TEST_OTHER_APP, TEST_USER_2, scopes_base, 5);

  g_assert_true (authsim_store_revoke (store, TEST_USER, TEST_APP));
  scopes = authsim_store_dup_granted_scopes (store, TEST_USER, TEST_APP);
  g_assert_cmpuint (g_strv_length (scopes), ==, 0);

  /* Every token of that (user, app), the auth_base one too; nothing else. */
  assert_token_error (store, mine->access_token, AUTHSIM_STORE_ERROR_TOKEN_INVALID);
  assert_token_error (store, mine_base->access_token, AUTHSIM_STORE_ERROR_TOKEN_INVALID);
  assert_refresh_error (store, mine->refresh_token, TEST_APP,
                        AUTHSIM_STORE_ERROR_REFRESH_INVALID);
  assert_refresh_error (store, mine_base->refresh_token, TEST_APP,
                        AUTHSIM_STORE_ERROR_REFRESH_INVALID);
  assert_token_valid (store, other_app->access_token);
  assert_token_valid (store, other_user->access_token);
  assert_token_valid (store, no_grant->access_token);
  g_assert_cmpuint (g_list_model_get_n_items (authsim_store_get_grants (store)), ==, 2);

  /* No grant (an auth_base-only chain): FALSE, but the tokens still go. */
  g_assert_false (authsim_store_revoke (store, TEST_USER_2, TEST_OTHER_APP));
  assert_token_error (store, no_grant->access_token, AUTHSIM_STORE_ERROR_TOKEN_INVALID);
  assert_token_valid (store, other_user->access_token);
}

static void
test_grant_clear (void)
{
  g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
  g_autoptr(AuthsimToken) a = NULL;
  g_autoptr(AuthsimToken) b = NULL;
  g_autoptr(AuthsimToken) c = NULL;
  g_autoptr(AuthsimToken) d = NULL;
  g_auto(GStrv) scopes = NULL;
  g_autofree char *code = NULL;
  g_autoptr(AuthsimCode) peek = NULL;

  authsim_store_grant (store, TEST_USER, TEST_APP, scopes_user);
  authsim_store_grant (store, TEST_USER_2, TEST_OTHER_APP, scopes_user);
  a = issue_token_for (store, TEST_APP, TEST_USER, scopes_user, 1);
  b = issue_token_for (store, TEST_OTHER_APP, TEST_USER_2, scopes_user, 2);
  c = issue_token_for (store, TEST_OTHER_APP, TEST_USER, scopes_base, 3);
  code = authsim_store_issue_code (store, TEST_APP, TEST_USER, scopes_user, 4);

  authsim_store_clear_grants (store);
  g_assert_cmpuint (g_list_model_get_n_items (authsim_store_get_grants (store)), ==, 0);
  scopes = authsim_store_dup_granted_scopes (store, TEST_USER, TEST_APP);
  g_assert_cmpuint (g_strv_length (scopes), ==, 0);
  assert_token_error (store, a->access_token, AUTHSIM_STORE_ERROR_TOKEN_INVALID);
  assert_token_error (store, b->access_token, AUTHSIM_STORE_ERROR_TOKEN_INVALID);
  assert_token_error (store, c->access_token, AUTHSIM_STORE_ERROR_TOKEN_INVALID);
  assert_refresh_error (store, b->refresh_token, TEST_OTHER_APP,
                        AUTHSIM_STORE_ERROR_REFRESH_INVALID);

  /* Outstanding codes go too (SPEC §5), still linked to their call. */
  peek = authsim_store_lookup_code (store, code);
  g_assert_null (peek);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(AuthsimCode) redeemed = authsim_store_redeem_code (store, code, TEST_APP, &error);

    g_assert_error (error, AUTHSIM_STORE_ERROR, AUTHSIM_STORE_ERROR_CODE_INVALID);
    g_assert_null (redeemed);
  }
  g_assert_cmpuint (authsim_store_get_code_call (store, code), ==, 4);

  /* The store still works afterwards. */
  d = issue_token_for (store, TEST_APP, TEST_USER, scopes_user, 5);
  assert_token_valid (store, d->access_token);
}

/* ---------------------------------------------------------------------------------------- */
/* open_id */

/* The documented derivation, recomputed with GLib's own SHA-512 and base64. */
static char *
expected_open_id (const char *app_id,
                  const char *user_id)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA512);
  const guchar nul = 0;
  guint8 digest[64];
  gsize digest_len = sizeof digest;
  g_autofree char *b64 = NULL;

  g_checksum_update (checksum, (const guchar *) "authsim-open-id", -1);
  g_checksum_update (checksum, &nul, 1);
  g_checksum_update (checksum, (const guchar *) app_id, -1);
  g_checksum_update (checksum, &nul, 1);
  g_checksum_update (checksum, (const guchar *) user_id, -1);
  g_checksum_get_digest (checksum, digest, &digest_len);
  g_assert_cmpuint (digest_len, ==, 64);

  b64 = g_base64_encode (digest, digest_len);
  g_strdelimit (b64, "+", '-');
  g_strdelimit (b64, "/", '_');
  return g_strndup (b64, 47);
}

static void
test_open_id (void)
{
  g_autofree char *a = authsim_open_id (TEST_APP, TEST_USER);
  g_autofree char *again = authsim_open_id (TEST_APP, TEST_USER);
  g_autofree char *other_app = authsim_open_id (TEST_OTHER_APP, TEST_USER);
  g_autofree char *other_user = authsim_open_id (TEST_APP, TEST_USER_2);
  g_autofree char *split1 = authsim_open_id ("ab", "c");
  g_autofree char *split2 = authsim_open_id ("a", "bc");
  g_autofree char *expected = expected_open_id (TEST_APP, TEST_USER);
  const char *ids[] = { a, other_app, other_user, split1, split2 };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_assert_cmpuint (strlen (ids[i]), ==, 47);
      for (const char *p = ids[i]; *p != '\0'; p++)
        g_assert_true (g_ascii_isalnum (*p) || *p == '-' || *p == '_');
    }

  g_assert_cmpstr (a, ==, again);
  g_assert_cmpstr (a, ==, expected);
  g_assert_cmpstr (a, !=, other_app);
  g_assert_cmpstr (a, !=, other_user);
  g_assert_cmpstr (other_app, !=, other_user);
  /* The NUL separators keep ("ab", "c") and ("a", "bc") apart. */
  g_assert_cmpstr (split1, !=, split2);
}

static void
assert_code_invalid (AuthsimStore *store,
                     const char   *code,
                     const char   *app_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimCode) redeemed = authsim_store_redeem_code (store, code, app_id, &error);

  g_assert_error (error, AUTHSIM_STORE_ERROR, AUTHSIM_STORE_ERROR_CODE_INVALID);
  g_assert_null (redeemed);
}

static void
assert_code_redeems (AuthsimStore *store,
                     const char   *code,
                     const char   *app_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimCode) redeemed = authsim_store_redeem_code (store, code, app_id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (redeemed);
}

/* ---------------------------------------------------------------------------------------- */
/* Persistence: <data dir>/state.sqlite3 */

static char *
db_file_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "authsim", "state.sqlite3", NULL);
}

/* A connection of the test's own to the store's file (the store must be closed: it holds the
 * file exclusively). Exclusive too, so that it leaves no -shm file behind. */
static sqlite3 *
test_db_open (void)
{
  g_autofree char *path = db_file_path ();
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA locking_mode = EXCLUSIVE", NULL, NULL, NULL), ==,
                   SQLITE_OK);
  return db;
}

static void
test_db_exec (const char *sql)
{
  sqlite3 *db = test_db_open ();
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

/* The one integer that @sql gives. */
static gint64
test_db_int (const char *sql)
{
  sqlite3 *db = test_db_open ();
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static AuthsimStore *
new_loaded_store (void)
{
  g_autofree char *dir = state_dir_path ();
  g_autoptr(AuthsimStore) store = authsim_store_new (dir, test_random_bytes);
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;

  g_assert_true (authsim_store_load (store, &warning, &error));
  g_assert_no_error (error);
  g_assert_null (warning);
  return g_steal_pointer (&store);
}

static void
assert_mode (const char *path,
             guint       mode)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, mode);
}

/* Everything survives a close and a reopen, and the database says so row by row. */
static void
test_persist_roundtrip (void)
{
  g_autoptr(AuthsimStore) store = new_loaded_store ();
  g_autoptr(AuthsimStore) loaded = NULL;
  g_autoptr(AuthsimToken) token = NULL;
  g_autoptr(AuthsimToken) base_token = NULL;
  g_autoptr(AuthsimToken) found = NULL;
  g_autoptr(AuthsimToken) refreshed = NULL;
  g_autoptr(AuthsimCode) code = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *code_string = NULL;
  const char *more[] = { "auth_user", "auth_zhima", NULL };
  gint64 granted_at[2];
  GListModel *grants;

  authsim_store_set_code_lifetime (store, 600);
  authsim_store_set_clock_offset (store, 3600);
  authsim_store_grant (store, TEST_USER, TEST_APP, more);
  authsim_store_grant (store, TEST_USER_2, TEST_OTHER_APP, scopes_user);
  granted_at[0] = authsim_grant_get_granted_at (grant_at (store, 0));
  granted_at[1] = authsim_grant_get_granted_at (grant_at (store, 1));
  token = issue_token_for (store, TEST_APP, TEST_USER, more, 11);
  base_token = issue_token_for (store, TEST_OTHER_APP, TEST_USER_2, scopes_base, 12);
  code_string = authsim_store_issue_code (store, TEST_APP, TEST_USER_2, scopes_user, 13);
  g_assert_finalize_object (g_steal_pointer (&store));

  /* The rows, as another SQLite client sees them. */
  g_assert_cmpint (test_db_int ("PRAGMA user_version"), ==, 1);
  g_assert_cmpint (test_db_int ("SELECT value FROM meta WHERE key = 'clock_offset'"), ==, 3600);
  g_assert_cmpint (test_db_int ("SELECT value FROM meta WHERE key = 'code_lifetime'"), ==, 600);
  g_assert_cmpint (test_db_int ("SELECT COUNT(*) FROM grants"), ==, 2);
  g_assert_cmpint (test_db_int ("SELECT COUNT(*) FROM grants WHERE scopes = "
                                "'[\"auth_user\", \"auth_zhima\"]'"), ==, 1);
  g_assert_cmpint (test_db_int ("SELECT COUNT(*) FROM codes WHERE spent = 0"), ==, 1);
  g_assert_cmpint (test_db_int ("SELECT COUNT(*) FROM codes WHERE spent = 1"), ==, 2);
  g_assert_cmpint (test_db_int ("SELECT COUNT(*) FROM tokens"), ==, 2);

  /* A new store on the same directory has it all. */
  loaded = new_loaded_store ();
  g_assert_cmpuint (authsim_store_get_code_lifetime (loaded), ==, 600);
  g_assert_cmpint (authsim_store_get_clock_offset (loaded), ==, 3600);

  grants = authsim_store_get_grants (loaded);
  g_assert_cmpuint (g_list_model_get_n_items (grants), ==, 2);
  g_assert_cmpstr (authsim_grant_get_user_id (grant_at (loaded, 0)), ==, TEST_USER);
  g_assert_cmpstr (authsim_grant_get_app_id (grant_at (loaded, 0)), ==, TEST_APP);
  g_assert_cmpstrv (authsim_grant_get_scopes (grant_at (loaded, 0)), more);
  g_assert_cmpint (authsim_grant_get_granted_at (grant_at (loaded, 0)), ==, granted_at[0]);
  g_assert_cmpstr (authsim_grant_get_user_id (grant_at (loaded, 1)), ==, TEST_USER_2);
  g_assert_cmpstr (authsim_grant_get_app_id (grant_at (loaded, 1)), ==, TEST_OTHER_APP);
  g_assert_cmpstrv (authsim_grant_get_scopes (grant_at (loaded, 1)), scopes_user);
  g_assert_cmpint (authsim_grant_get_granted_at (grant_at (loaded, 1)), ==, granted_at[1]);

  found = authsim_store_lookup_access_token (loaded, token->access_token, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found->refresh_token, ==, token->refresh_token);
  g_assert_cmpstr (found->app_id, ==, TEST_APP);
  g_assert_cmpstr (found->user_id, ==, TEST_USER);
  g_assert_cmpstrv (found->scopes, more);
  g_assert_cmpuint (found->call, ==, 11);
  g_assert_cmpint (found->auth_start, ==, token->auth_start);
  g_assert_cmpint (found->expires_at, ==, token->expires_at);
  g_assert_cmpint (found->re_expires_at, ==, token->re_expires_at);
  assert_token_valid (loaded, base_token->access_token);

  refreshed = authsim_store_refresh (loaded, token->refresh_token, TEST_APP, &error);
  g_assert_no_error (error);
  g_assert_nonnull (refreshed);
  assert_token_error (loaded, token->access_token, AUTHSIM_STORE_ERROR_TOKEN_INVALID);

  code = authsim_store_redeem_code (loaded, code_string, TEST_APP, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (code->user_id, ==, TEST_USER_2);
  g_assert_cmpstrv (code->scopes, scopes_user);
  g_assert_cmpuint (code->call, ==, 13);
  g_assert_cmpint (code->expires_at - code->issued_at, ==, 600);
}

/* Refusals and the order of decisions (SPEC §12) are kept too. */
static void
test_persist_decisions (void)
{
  g_autoptr(AuthsimStore) store = new_loaded_store ();
  const char *both[] = { "userInfo", "phoneNumber", NULL };
  const char *order[] = { "userInfo", "phoneNumber", "auth_user", NULL };
  g_auto(GStrv) decided = NULL;

  authsim_store_grant (store, TEST_USER, TEST_APP, both);
  authsim_store_refuse (store, TEST_USER, TEST_APP, "phoneNumber");
  authsim_store_grant (store, TEST_USER, TEST_APP, scopes_user);
  authsim_store_refuse (store, TEST_USER_2, TEST_APP, "userInfo");
  g_assert_finalize_object (g_steal_pointer (&store));

  store = new_loaded_store ();
  g_assert_cmpint (authsim_store_get_scope_state (store, TEST_USER, TEST_APP, "userInfo"), ==,
                   AUTHSIM_SCOPE_STATE_GRANTED);
  g_assert_cmpint (authsim_store_get_scope_state (store, TEST_USER, TEST_APP, "phoneNumber"), ==,
                   AUTHSIM_SCOPE_STATE_REFUSED);
  g_assert_cmpint (authsim_store_get_scope_state (store, TEST_USER_2, TEST_APP, "userInfo"), ==,
                   AUTHSIM_SCOPE_STATE_REFUSED);
  g_assert_cmpint (authsim_store_get_scope_state (store, TEST_USER_2, TEST_APP, "phoneNumber"),
                   ==, AUTHSIM_SCOPE_STATE_NONE);
  decided = authsim_store_dup_decided_scopes (store, TEST_USER, TEST_APP);
  g_assert_cmpstrv (decided, order);
  g_clear_pointer (&decided, g_strfreev);

  /* The last scope refused takes the grant with it, on disk too. */
  authsim_store_refuse (store, TEST_USER, TEST_APP, "userInfo");
  authsim_store_refuse (store, TEST_USER, TEST_APP, "auth_user");
  g_assert_finalize_object (g_steal_pointer (&store));
  store = new_loaded_store ();
  g_assert_cmpuint (g_list_model_get_n_items (authsim_store_get_grants (store)), ==, 0);
  g_assert_cmpint (authsim_store_get_scope_state (store, TEST_USER, TEST_APP, "auth_user"), ==,
                   AUTHSIM_SCOPE_STATE_REFUSED);

  /* Revoking forgets them, on disk too. */
  authsim_store_revoke (store, TEST_USER, TEST_APP);
  g_assert_finalize_object (g_steal_pointer (&store));
  store = new_loaded_store ();
  decided = authsim_store_dup_decided_scopes (store, TEST_USER, TEST_APP);
  g_assert_cmpuint (g_strv_length (decided), ==, 0);
  g_assert_cmpint (authsim_store_get_scope_state (store, TEST_USER_2, TEST_APP, "userInfo"), ==,
                   AUTHSIM_SCOPE_STATE_REFUSED);
}

/* A new directory: an empty state, and a new database at the current schema version, private. */
static void
test_persist_missing (void)
{
  g_autofree char *dir = state_dir_path ();
  g_autofree char *path = db_file_path ();
  g_autoptr(AuthsimStore) store = NULL;

  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  store = new_loaded_store ();
  g_assert_cmpuint (g_list_model_get_n_items (authsim_store_get_grants (store)), ==, 0);
  g_assert_cmpuint (authsim_store_get_code_lifetime (store), ==, AUTHSIM_CODE_LIFETIME_DEFAULT);
  g_assert_cmpint (authsim_store_get_clock_offset (store), ==, 0);
  assert_mode (dir, 0700);
  assert_mode (path, 0600);
  g_assert_finalize_object (g_steal_pointer (&store));

  g_assert_cmpint (test_db_int ("PRAGMA user_version"), ==, 1);
  g_assert_cmpint (test_db_int ("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND "
                                "name IN ('meta', 'grants', 'decisions', 'codes', 'tokens')"),
                   ==, 5);
  g_assert_cmpint (test_db_int ("SELECT value FROM meta WHERE key = 'last_call'"), ==, 0);
}

/* Without a directory nothing touches the disk. */
static void
test_persist_memory_only (void)
{
  g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = state_dir_path ();
  g_autofree char *code = NULL;
  g_autoptr(AuthsimCode) redeemed = NULL;

  g_assert_true (authsim_store_load (store, NULL, &error));
  g_assert_no_error (error);
  authsim_store_grant (store, TEST_USER, TEST_APP, scopes_user);
  code = authsim_store_issue_code (store, TEST_APP, TEST_USER, scopes_user, 1);
  redeemed = authsim_store_redeem_code (store, code, TEST_APP, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (authsim_store_next_call_id (store), ==, 1);
  g_assert_cmpuint (authsim_store_next_call_id (store), ==, 2);
  g_assert_finalize_object (g_steal_pointer (&store));
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

/* The file, its WAL and its -shm are 0600 while the store runs, a file made readable by others
 * is made private again, and a clean close leaves no journal file behind. */
static void
test_persist_modes (void)
{
  g_autofree char *path = db_file_path ();
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);
  g_autoptr(AuthsimStore) store = new_loaded_store ();

  authsim_store_grant (store, TEST_USER, TEST_APP, scopes_user);
  assert_mode (path, 0600);
  assert_mode (wal, 0600);
  assert_mode (shm, 0600);
  g_assert_finalize_object (g_steal_pointer (&store));
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (shm, G_FILE_TEST_EXISTS));

  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  store = new_loaded_store ();
  authsim_store_grant (store, TEST_USER_2, TEST_APP, scopes_user);
  assert_mode (path, 0600);
  assert_mode (wal, 0600);
  assert_mode (shm, 0600);
  g_assert_cmpuint (g_list_model_get_n_items (authsim_store_get_grants (store)), ==, 2);
}

/* A database of an older schema (here version 0, before any table) is migrated in place; one
 * of a newer AuthSim is left alone and the store does not load. */
static void
test_persist_migrate (void)
{
  g_autofree char *dir = state_dir_path ();
  g_autoptr(AuthsimStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;

  /* Version 0 holding something of its own: kept, and the schema added beside it. */
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  test_db_exec ("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('hello')");
  g_assert_cmpint (test_db_int ("PRAGMA user_version"), ==, 0);
  store = new_loaded_store ();
  authsim_store_grant (store, TEST_USER, TEST_APP, scopes_user);
  g_assert_finalize_object (g_steal_pointer (&store));
  g_assert_cmpint (test_db_int ("PRAGMA user_version"), ==, 1);
  g_assert_cmpint (test_db_int ("SELECT COUNT(*) FROM notes"), ==, 1);
  g_assert_cmpint (test_db_int ("SELECT COUNT(*) FROM grants"), ==, 1);

  /* Newer than this build: an error naming it, the file untouched, nothing moved aside. */
  test_db_exec ("PRAGMA user_version = 7");
  store = authsim_store_new (dir, test_random_bytes);
  g_assert_false (authsim_store_load (store, &warning, &error));
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "newer"));
  g_assert_null (warning);
  /* It goes on in memory. */
  authsim_store_grant (store, TEST_USER_2, TEST_APP, scopes_user);
  g_assert_cmpuint (g_list_model_get_n_items (authsim_store_get_grants (store)), ==, 1);
  g_assert_finalize_object (g_steal_pointer (&store));
  g_assert_cmpint (test_db_int ("PRAGMA user_version"), ==, 7);
  g_assert_cmpint (test_db_int ("SELECT COUNT(*) FROM grants"), ==, 1);
}

/* Two stores open on one directory at once (two processes, as a second instance on its way
 * out would be) share the codes, tokens and call counter of the file: a code is spent once
 * whichever redeems it, and no call id is handed out twice. */
static void
test_persist_shared (void)
{
  g_autoptr(AuthsimStore) first = new_loaded_store ();
  g_autoptr(AuthsimStore) second = new_loaded_store ();
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_autofree char *code = authsim_store_issue_code (first, TEST_APP, TEST_USER, scopes_user, 7);

  assert_code_redeems (second, code, TEST_APP);
  assert_code_invalid (first, code, TEST_APP);
  for (guint i = 0; i < 100; i++)
    {
      g_assert_true (g_hash_table_add (seen, GUINT_TO_POINTER (
                                             authsim_store_next_call_id (first))));
      g_assert_true (g_hash_table_add (seen, GUINT_TO_POINTER (
                                             authsim_store_next_call_id (second))));
    }
  g_assert_finalize_object (g_steal_pointer (&second));
  g_assert_finalize_object (g_steal_pointer (&first));
  g_assert_cmpint (test_db_int ("SELECT value FROM meta WHERE key = 'last_call'"), ==, 200);
}

/* The names of NAME.corrupt-* files in the state directory, sorted. */
static GPtrArray *
list_corrupt_files (const char *name_prefix)
{
  g_autofree char *dir_path = state_dir_path ();
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autofree char *escaped = g_regex_escape_string (name_prefix, -1);
  g_autofree char *pattern = g_strdup_printf ("^%s\\.corrupt-[0-9]{8}-[0-9]{6}(-[0-9]+)?$",
                                              escaped);
  g_autoptr(GRegex) regex = g_regex_new (pattern, 0, 0, NULL);
  g_autofree char *prefix = g_strconcat (name_prefix, ".corrupt", NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, prefix) && !g_str_has_suffix (name, "-wal"))
      {
        g_assert_true (g_regex_match (regex, name, 0, NULL));
        g_ptr_array_add (names, g_build_filename (dir_path, name, NULL));
      }
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  return names;
}

/* Loads the state directory expecting @file to be moved aside: returns the loaded store and
 * the new path, after checking that the warning names it (and @reason_part, nullable). */
static AuthsimStore *
load_expecting_move (const char  *file,
                     const char  *reason_part,
                     char       **moved)
{
  g_autofree char *dir = state_dir_path ();
  g_autoptr(GPtrArray) before = list_corrupt_files (file);
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(AuthsimStore) store = authsim_store_new (dir, test_random_bytes);
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;

  g_assert_true (authsim_store_load (store, &warning, &error));
  g_assert_no_error (error);
  g_assert_nonnull (warning);
  g_test_message ("warning: %s", warning);
  g_assert_nonnull (strstr (warning, "corrupt"));
  if (reason_part != NULL)
    g_assert_nonnull (strstr (warning, reason_part));

  after = list_corrupt_files (file);
  g_assert_cmpuint (after->len, ==, before->len + 1);
  *moved = NULL;
  for (guint i = 0; i < after->len; i++)
    if (!g_ptr_array_find_with_equal_func (before, after->pdata[i], g_str_equal, NULL))
      *moved = g_strdup (after->pdata[i]);
  g_assert_nonnull (*moved);
  g_assert_nonnull (strstr (warning, *moved));  /* the full path */
  return g_steal_pointer (&store);
}

/* Nothing of a bad file was taken, and the store works on a new database afterwards. */
static void
assert_fresh_and_working (AuthsimStore *store)
{
  g_assert_cmpuint (g_list_model_get_n_items (authsim_store_get_grants (store)), ==, 0);
  g_assert_cmpuint (authsim_store_get_code_lifetime (store), ==, AUTHSIM_CODE_LIFETIME_DEFAULT);
  g_assert_cmpint (authsim_store_get_clock_offset (store), ==, 0);

  authsim_store_grant (store, TEST_USER, TEST_APP, scopes_user);
  g_assert_finalize_object (store);
  store = new_loaded_store ();
  g_assert_cmpuint (g_list_model_get_n_items (authsim_store_get_grants (store)), ==, 1);
  g_assert_finalize_object (store);
}

/* A file that is not a database is moved aside, intact, with a warning. */
static void
test_persist_db_garbage (void)
{
  static const char garbage[] = "this is { not a database at all, but it is 60 bytes long";
  g_autofree char *dir = state_dir_path ();
  g_autofree char *path = db_file_path ();
  g_autofree char *moved = NULL;
  g_autofree char *moved_contents = NULL;
  AuthsimStore *store;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, garbage, -1, NULL));
  store = load_expecting_move ("state.sqlite3", NULL, &moved);
  g_assert_true (g_file_get_contents (moved, &moved_contents, NULL, NULL));
  g_assert_cmpstr (moved_contents, ==, garbage);
  assert_fresh_and_working (store);
}

/* A real database with a damaged b-tree page fails the integrity check: moved aside, with
 * its WAL. */
static void
test_persist_db_damaged (void)
{
  g_autofree char *path = db_file_path ();
  g_autofree char *moved = NULL;
  g_autofree char *moved_wal = NULL;
  g_autoptr(AuthsimStore) store = new_loaded_store ();
  char junk[4096];
  FILE *file;

  for (guint i = 0; i < 300; i++)
    {
      g_autoptr(AuthsimToken) token = issue_token_for (store, TEST_APP, TEST_USER, scopes_user,
                                                       i + 1);
    }
  g_assert_finalize_object (g_steal_pointer (&store));
  g_assert_cmpint (test_db_int ("PRAGMA page_count"), >, 6);

  /* Page 5 (a b-tree page of the tables above) becomes noise. */
  memset (junk, 0xa5, sizeof junk);
  file = fopen (path, "r+b");
  g_assert_nonnull (file);
  g_assert_cmpint (fseek (file, 4 * 4096, SEEK_SET), ==, 0);
  g_assert_cmpuint (fwrite (junk, 1, sizeof junk, file), ==, sizeof junk);
  fclose (file);

  store = load_expecting_move ("state.sqlite3", NULL, &moved);
  moved_wal = g_strconcat (moved, "-wal", NULL);
  g_assert_false (g_file_test (moved_wal, G_FILE_TEST_EXISTS));  /* closed cleanly: none */
  assert_fresh_and_working (g_steal_pointer (&store));
}

/* Something that cannot be opened at all (here a directory) is moved aside too. */
static void
test_persist_db_unreadable (void)
{
  g_autofree char *path = db_file_path ();
  g_autofree char *moved = NULL;
  AuthsimStore *store;

  g_assert_cmpint (g_mkdir_with_parents (path, 0700), ==, 0);
  store = load_expecting_move ("state.sqlite3", NULL, &moved);
  g_assert_true (g_file_test (moved, G_FILE_TEST_IS_DIR));
  assert_fresh_and_working (store);
}

/* A data directory that cannot be made: loading fails, the store goes on in memory. */
static void
test_persist_dir_unusable (void)
{
  g_autofree char *dir = state_dir_path ();
  g_autoptr(AuthsimStore) store = authsim_store_new (dir, test_random_bytes);
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;

  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);
  g_assert_true (g_file_set_contents (dir, "a file where the directory should be", -1, NULL));
  g_assert_false (authsim_store_load (store, &warning, &error));
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO);
  g_assert_null (warning);
  authsim_store_grant (store, TEST_USER, TEST_APP, scopes_user);
  g_assert_cmpuint (g_list_model_get_n_items (authsim_store_get_grants (store)), ==, 1);
  g_assert_finalize_object (g_steal_pointer (&store));
  g_assert_true (g_file_test (dir, G_FILE_TEST_IS_REGULAR));
}

/* ---------------------------------------------------------------------------------------- */
/* The one-time import of state.json */

static char *
state_file_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "authsim", "state.json", NULL);
}

static void
write_state_file (const char *contents)
{
  g_autofree char *dir = state_dir_path ();
  g_autofree char *path = state_file_path ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

/* A state.json as AuthSim 0.1 wrote it: grants, codes and tokens, some expired. */
static char *
old_state_json (gint64 now)
{
  return g_strdup_printf (
    "{\n  \"version\": 1,\n  \"clockOffset\": 60,\n  \"codeLifetime\": 600,\n"
    "  \"grants\": [\n"
    "    {\"userId\": \"%s\", \"appId\": \"%s\", \"scopes\": [\"auth_user\", \"auth_zhima\"], "
    "\"grantedAt\": 1700000000},\n"
    "    {\"userId\": \"%s\", \"appId\": \"%s\", \"scopes\": [\"auth_user\"], "
    "\"grantedAt\": 1700000001}\n  ],\n"
    "  \"codes\": [\n"
    "    {\"code\": \"live0000000000000000000000000001\", \"appId\": \"%s\", \"userId\": \"%s\", "
    "\"scopes\": [\"auth_user\"], \"call\": 41, \"issuedAt\": %" G_GINT64_FORMAT ", "
    "\"expiresAt\": %" G_GINT64_FORMAT "},\n"
    "    {\"code\": \"dead0000000000000000000000000002\", \"appId\": \"%s\", \"userId\": \"%s\", "
    "\"scopes\": [\"auth_user\"], \"call\": 42, \"issuedAt\": 1700000000, "
    "\"expiresAt\": 1700000180}\n  ],\n"
    "  \"tokens\": [\n"
    "    {\"accessToken\": \"authusrBaaaa\", \"refreshToken\": \"authusrBbbbb\", "
    "\"appId\": \"%s\", \"userId\": \"%s\", \"scopes\": [\"auth_user\"], \"call\": 43, "
    "\"authStart\": %" G_GINT64_FORMAT ", \"expiresAt\": %" G_GINT64_FORMAT ", "
    "\"reExpiresAt\": %" G_GINT64_FORMAT "}\n  ],\n"
    "  \"unknownMember\": true\n}\n",
    TEST_USER, TEST_APP, TEST_USER_2, TEST_OTHER_APP,
    TEST_APP, TEST_USER, now, now + 600,
    TEST_APP, TEST_USER,
    TEST_APP, TEST_USER, now, now + USER_LIFETIME, now + USER_REFRESH_LIFETIME);
}

static void
test_import (void)
{
  g_autofree char *path = state_file_path ();
  g_autofree char *imported = g_strconcat (path, ".imported", NULL);
  g_autofree char *contents = old_state_json (real_now () + 60);
  g_autofree char *renamed_contents = NULL;
  g_autoptr(AuthsimStore) store = NULL;
  g_autoptr(AuthsimToken) token = NULL;
  g_autoptr(AuthsimCode) code = NULL;
  g_autoptr(GError) error = NULL;
  const char *more[] = { "auth_user", "auth_zhima", NULL };
  g_auto(GStrv) decided = NULL;

  write_state_file (contents);
  store = new_loaded_store ();

  /* Renamed, intact, once taken. */
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_get_contents (imported, &renamed_contents, NULL, NULL));
  g_assert_cmpstr (renamed_contents, ==, contents);

  g_assert_cmpint (authsim_store_get_clock_offset (store), ==, 60);
  g_assert_cmpuint (authsim_store_get_code_lifetime (store), ==, 600);
  g_assert_cmpuint (g_list_model_get_n_items (authsim_store_get_grants (store)), ==, 2);
  g_assert_cmpstrv (authsim_grant_get_scopes (grant_at (store, 0)), more);
  g_assert_cmpint (authsim_grant_get_granted_at (grant_at (store, 0)), ==, 1700000000);
  g_assert_cmpstr (authsim_grant_get_user_id (grant_at (store, 1)), ==, TEST_USER_2);
  decided = authsim_store_dup_decided_scopes (store, TEST_USER, TEST_APP);
  g_assert_cmpstrv (decided, more);

  token = authsim_store_lookup_access_token (store, "authusrBaaaa", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token->refresh_token, ==, "authusrBbbbb");
  g_assert_cmpuint (token->call, ==, 43);
  /* The expired code was purged at load; the live one keeps its call. */
  g_assert_cmpuint (authsim_store_get_code_call (store, "dead0000000000000000000000000002"), ==, 0);
  code = authsim_store_redeem_code (store, "live0000000000000000000000000001", TEST_APP, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (code->call, ==, 41);
  /* New calls come after the imported ones. */
  g_assert_cmpuint (authsim_store_next_call_id (store), ==, 44);

  /* Once: a second start reads the database only. */
  authsim_store_revoke (store, TEST_USER, TEST_APP);
  g_assert_finalize_object (g_steal_pointer (&store));
  store = new_loaded_store ();
  g_assert_cmpuint (g_list_model_get_n_items (authsim_store_get_grants (store)), ==, 1);
  g_assert_cmpuint (authsim_store_next_call_id (store), ==, 45);
}

/* Loads @contents as state.json; asserts it was moved aside intact and nothing was taken. */
static void
check_corrupt (const char *contents,
               const char *reason_part)
{
  g_autofree char *path = state_file_path ();
  g_autofree char *imported = g_strconcat (path, ".imported", NULL);
  g_autofree char *moved = NULL;
  g_autofree char *moved_contents = NULL;
  g_autofree char *db = db_file_path ();
  AuthsimStore *store;

  write_state_file (contents);
  store = load_expecting_move ("state.json", reason_part, &moved);
  g_assert_true (g_file_get_contents (moved, &moved_contents, NULL, NULL));
  g_assert_cmpstr (moved_contents, ==, contents);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (imported, G_FILE_TEST_EXISTS));

  assert_fresh_and_working (store);
  /* For the next case: a new directory's worth of state. */
  g_assert_cmpint (g_unlink (db), ==, 0);
}

static void
test_persist_corrupt_garbage (void)
{
  check_corrupt ("this is { not JSON at all", NULL);
  /* A second corrupt file, maybe in the same second: both are kept. */
  check_corrupt ("\x01\x02 more garbage", NULL);
  check_corrupt ("", NULL);
  {
    g_autoptr(GPtrArray) files = list_corrupt_files ("state.json");
    g_assert_cmpuint (files->len, ==, 3);
  }
}

static void
test_persist_corrupt_shape (void)
{
  check_corrupt ("{\"version\":1,\"grants\":5}", "$.grants");
  check_corrupt ("[1,2,3]", NULL);
  check_corrupt ("{\"grants\":[]}", "version");
  check_corrupt ("{\"version\":99}", "version");
  check_corrupt ("{\"version\":1,\"clockOffset\":\"soon\"}", "clockOffset");
  check_corrupt ("{\"version\":1,\"codeLifetime\":1.5}", "codeLifetime");
  check_corrupt ("{\"version\":1,\"grants\":[{\"userId\":\"u\",\"appId\":\"a\","
                 "\"scopes\":[\"auth_user\",7],\"grantedAt\":1}]}", "scopes");
  /* A valid grant followed by a bad token: the grant is not taken either. */
  check_corrupt ("{\"version\":1,\"clockOffset\":60,\"codeLifetime\":600,"
                 "\"grants\":[{\"userId\":\"u\",\"appId\":\"a\",\"scopes\":[\"auth_user\"],"
                 "\"grantedAt\":1}],\"codes\":[],"
                 "\"tokens\":[{\"accessToken\":\"x\",\"refreshToken\":null}]}", "tokens");
  check_corrupt ("{\"version\":1,\"codes\":[{\"code\":\"abc\",\"appId\":\"a\",\"userId\":\"u\","
                 "\"scopes\":[],\"call\":-1,\"issuedAt\":1,\"expiresAt\":2}]}", "call");
}

/* A state.json that cannot be read (here a directory) is moved aside like a corrupt one. */
static void
test_persist_unreadable (void)
{
  g_autofree char *path = state_file_path ();
  g_autofree char *moved = NULL;
  AuthsimStore *store;

  g_assert_cmpint (g_mkdir_with_parents (path, 0700), ==, 0);
  store = load_expecting_move ("state.json", NULL, &moved);
  g_assert_true (g_file_test (moved, G_FILE_TEST_IS_DIR));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  assert_fresh_and_working (store);
}

/* ---------------------------------------------------------------------------------------- */
/* Call ids (SPEC §8: never reused across launches) */

static void
test_call_ids (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  guint last = 0;

  /* Three launches on one directory, one after the other. */
  for (guint launch = 0; launch < 3; launch++)
    {
      g_autoptr(AuthsimStore) store = new_loaded_store ();

      for (guint i = 0; i < 50; i++)
        {
          guint call = authsim_store_next_call_id (store);

          g_assert_cmpuint (call, >, last);
          g_assert_true (g_hash_table_add (seen, GUINT_TO_POINTER (call)));
          last = call;
        }
      g_assert_finalize_object (g_steal_pointer (&store));
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 150);
}

/* A code persisted by one launch keeps that launch's call id in the next, and the next
 * launch's calls are other ids. */
static void
test_call_id_of_persisted_code (void)
{
  g_autoptr(AuthsimStore) store = new_loaded_store ();
  g_autoptr(AuthsimCode) redeemed = NULL;
  g_autoptr(AuthsimCode) peek = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  guint call, next;

  authsim_store_next_call_id (store);
  call = authsim_store_next_call_id (store);
  code = authsim_store_issue_code (store, TEST_APP, TEST_USER, scopes_user, call);
  g_assert_finalize_object (g_steal_pointer (&store));

  store = new_loaded_store ();
  next = authsim_store_next_call_id (store);
  g_assert_cmpuint (next, >, call);
  g_assert_cmpuint (authsim_store_get_code_call (store, code), ==, call);
  peek = authsim_store_lookup_code (store, code);
  g_assert_cmpuint (peek->call, ==, call);
  redeemed = authsim_store_redeem_code (store, code, TEST_APP, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (redeemed->call, ==, call);
  /* A replay in a third launch still names the first launch's call. */
  g_assert_finalize_object (g_steal_pointer (&store));
  store = new_loaded_store ();
  g_assert_null (authsim_store_redeem_code (store, code, TEST_APP, &error));
  g_assert_error (error, AUTHSIM_STORE_ERROR, AUTHSIM_STORE_ERROR_CODE_INVALID);
  g_assert_cmpuint (authsim_store_get_code_call (store, code), ==, call);
}

/* ---------------------------------------------------------------------------------------- */
/* Revocation covers unredeemed codes (SPEC §5) */

static void
test_revoke_codes (void)
{
  g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
  g_autofree char *mine = NULL;
  g_autofree char *mine_base = NULL;
  g_autofree char *other_app = NULL;
  g_autofree char *other_user = NULL;
  g_autofree char *no_grant = NULL;

  authsim_store_grant (store, TEST_USER, TEST_APP, scopes_user);
  mine = authsim_store_issue_code (store, TEST_APP, TEST_USER, scopes_user, 1);
  mine_base = authsim_store_issue_code (store, TEST_APP, TEST_USER, scopes_base, 2);
  other_app = authsim_store_issue_code (store, TEST_OTHER_APP, TEST_USER, scopes_user, 3);
  other_user = authsim_store_issue_code (store, TEST_APP, TEST_USER_2, scopes_user, 4);
  no_grant = authsim_store_issue_code (store, TEST_OTHER_APP, TEST_USER_2, scopes_base, 5);

  g_assert_true (authsim_store_revoke (store, TEST_USER, TEST_APP));
  /* That user's codes for that app, auth_base ones too: spent, but still linked to calls. */
  assert_code_invalid (store, mine, TEST_APP);
  assert_code_invalid (store, mine_base, TEST_APP);
  g_assert_null (authsim_store_lookup_code (store, mine));
  g_assert_cmpuint (authsim_store_get_code_call (store, mine), ==, 1);
  g_assert_cmpuint (authsim_store_get_code_call (store, mine_base), ==, 2);
  /* Nobody else's. */
  assert_code_redeems (store, other_app, TEST_OTHER_APP);
  assert_code_redeems (store, other_user, TEST_APP);

  /* Without a grant (an auth_base-only chain): FALSE, but the codes go. */
  g_assert_false (authsim_store_revoke (store, TEST_USER_2, TEST_OTHER_APP));
  assert_code_invalid (store, no_grant, TEST_OTHER_APP);
}

/* ---------------------------------------------------------------------------------------- */
/* Purging: memory and the database hold only live records */

static void
test_purge (void)
{
  g_autoptr(AuthsimStore) store = new_loaded_store ();
  g_autoptr(AuthsimToken) user_token = issue_token_for (store, TEST_APP, TEST_USER, scopes_user,
                                                        1);
  g_autoptr(AuthsimToken) base_token = issue_token_for (store, TEST_APP, TEST_USER, scopes_base,
                                                        2);
  g_autofree char *code = authsim_store_issue_code (store, TEST_APP, TEST_USER, scopes_user, 3);
  const gint64 lifetime = authsim_store_get_code_lifetime (store);

  /* Nothing has expired: nothing goes. */
  g_assert_cmpuint (authsim_store_purge (store), ==, 0);
  g_assert_cmpuint (authsim_store_get_code_call (store, code), ==, 3);

  /* Codes go when they expire, spent (the two exchanged above) or not. */
  authsim_store_advance_clock (store, lifetime);
  g_assert_cmpuint (authsim_store_purge (store), ==, 3);
  g_assert_cmpuint (authsim_store_get_code_call (store, code), ==, 0);
  assert_code_invalid (store, code, TEST_APP);

  /* Past the refresh lifetime, a token still answers "expired" for the grace period… */
  authsim_store_advance_clock (store, USER_REFRESH_LIFETIME);
  g_assert_cmpuint (authsim_store_purge (store), ==, 0);
  assert_token_error (store, user_token->access_token, AUTHSIM_STORE_ERROR_TOKEN_TIME_OUT);
  assert_refresh_error (store, user_token->refresh_token, TEST_APP,
                        AUTHSIM_STORE_ERROR_REFRESH_TIME_OUT);
  /* … (30 days), then it goes. */
  authsim_store_advance_clock (store, 30 * 86400);
  g_assert_cmpuint (authsim_store_purge (store), ==, 1);
  assert_token_error (store, user_token->access_token, AUTHSIM_STORE_ERROR_TOKEN_INVALID);
  assert_token_valid (store, base_token->access_token);
  authsim_store_advance_clock (store, BASE_REFRESH_LIFETIME);
  g_assert_cmpuint (authsim_store_purge (store), ==, 1);
  g_assert_finalize_object (g_steal_pointer (&store));

  g_assert_cmpint (test_db_int ("SELECT COUNT(*) FROM codes"), ==, 0);
  g_assert_cmpint (test_db_int ("SELECT COUNT(*) FROM tokens"), ==, 0);
}

/* The load purges too. */
static void
test_purge_at_load (void)
{
  g_autoptr(AuthsimStore) store = new_loaded_store ();
  g_autofree char *code = authsim_store_issue_code (store, TEST_APP, TEST_USER, scopes_user, 3);

  g_assert_finalize_object (g_steal_pointer (&store));
  g_assert_cmpint (test_db_int ("SELECT COUNT(*) FROM codes"), ==, 1);
  test_db_exec ("UPDATE meta SET value = value + 100000 WHERE key = 'clock_offset'");
  store = new_loaded_store ();
  g_assert_finalize_object (g_steal_pointer (&store));
  g_assert_cmpint (test_db_int ("SELECT COUNT(*) FROM codes"), ==, 0);
}

static goffset
file_size (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_size;
}

/* 100,000 codes never redeemed (20,000 under the sanitizers): once expired and purged, no row
 * is left, and issuing as many again does not make the file grow (freed pages are reused). The
 * sizes are in the test's messages. */
#if defined(__SANITIZE_ADDRESS__)
# define MANY_CODES 20000
#else
# define MANY_CODES 100000
#endif

static void
test_purge_bounded (void)
{
  g_autofree char *path = db_file_path ();
  goffset sizes[2];

  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(AuthsimStore) store = new_loaded_store ();
      gint64 start = g_get_monotonic_time ();

      for (guint i = 0; i < MANY_CODES; i++)
        g_free (authsim_store_issue_code (store, TEST_APP, TEST_USER, scopes_user, i + 1));
      g_test_message ("round %u: %u codes issued in %.2f s", round, MANY_CODES,
                      (g_get_monotonic_time () - start) / 1e6);
      authsim_store_advance_clock (store, authsim_store_get_code_lifetime (store));
      start = g_get_monotonic_time ();
      g_assert_cmpuint (authsim_store_purge (store), ==, MANY_CODES);
      g_test_message ("round %u: purged in %.2f s", round, (g_get_monotonic_time () - start) / 1e6);
      g_assert_finalize_object (g_steal_pointer (&store));

      g_assert_cmpint (test_db_int ("SELECT COUNT(*) FROM codes"), ==, 0);
      sizes[round] = file_size (path);
      g_test_message ("round %u: state.sqlite3 is %" G_GOFFSET_FORMAT " bytes, %" G_GINT64_FORMAT
                      " free pages", round, sizes[round],
                      test_db_int ("PRAGMA freelist_count"));
    }
  /* The same number of rows again fits in the same pages, give or take how random keys split
   * the b-trees (a file that kept the first batch would be twice as large). */
  g_assert_cmpint (sizes[1], <=, sizes[0] + sizes[0] / 20);
}

/* 20,000 tokens (10 s of the mock gateway at full load; 2,000 under the sanitizers), read back
 * by a new store. */
#if defined(__SANITIZE_ADDRESS__)
# define MANY_TOKENS 2000
#else
# define MANY_TOKENS 20000
#endif

static void
test_persist_many_tokens (void)
{
  const guint n = MANY_TOKENS;
  g_autoptr(AuthsimStore) store = new_loaded_store ();
  g_autoptr(AuthsimStore) loaded = NULL;
  g_autoptr(GPtrArray) tokens = NULL;

  tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) authsim_token_free);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (tokens, issue_token_for (store, i % 2 ? TEST_APP : TEST_OTHER_APP,
                                              i % 3 ? TEST_USER : TEST_USER_2,
                                              i % 5 ? scopes_user : scopes_base, i + 1));
  g_assert_finalize_object (g_steal_pointer (&store));
  g_assert_cmpint (test_db_int ("SELECT COUNT(*) FROM tokens"), ==, n);

  loaded = new_loaded_store ();
  for (guint i = 0; i < n; i++)
    {
      AuthsimToken *token = g_ptr_array_index (tokens, i);
      g_autoptr(GError) error = NULL;
      g_autoptr(AuthsimToken) found = authsim_store_lookup_access_token (loaded,
                                                                         token->access_token,
                                                                         &error);

      g_assert_no_error (error);
      g_assert_cmpstr (found->refresh_token, ==, token->refresh_token);
      g_assert_cmpstr (found->app_id, ==, token->app_id);
      g_assert_cmpstr (found->user_id, ==, token->user_id);
      g_assert_cmpstrv (found->scopes, token->scopes);
      g_assert_cmpuint (found->call, ==, i + 1);
      g_assert_cmpint (found->auth_start, ==, token->auth_start);
      g_assert_cmpint (found->expires_at, ==, token->expires_at);
      g_assert_cmpint (found->re_expires_at, ==, token->re_expires_at);
    }
}

/* Ids come from users and files: any bytes survive in ids (SQL parameters, never SQL text);
 * scopes, kept as JSON, survive every character JSON escapes. */
static void
test_persist_escaping (void)
{
  const char *user = "quote\" backslash\\ slash/ nl\n cr\r tab\t bs\b ff\f ctl\x01\x1f del\x7f "
                     "\xe7\x94\xa8\xe6\x88\xb7 \xf0\x9f\x98\x80 '); DROP TABLE grants; --";
  const char *app = "app \"x\" 'y'";
  const char *scopes[] = { "auth_user", "scope\\with\"quotes", "ctl\x01", NULL };
  const char *invalid_user = "bad\xff" "id";
  g_autoptr(AuthsimStore) store = new_loaded_store ();
  g_autoptr(AuthsimToken) token = NULL;
  g_autoptr(AuthsimToken) found = NULL;
  g_autoptr(AuthsimCode) peek = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  AuthsimGrant *grant;

  authsim_store_grant (store, user, app, scopes);
  authsim_store_grant (store, invalid_user, TEST_APP, scopes_user);
  token = issue_token_for (store, app, user, scopes, 5);
  code = authsim_store_issue_code (store, app, user, scopes, 6);
  g_assert_finalize_object (g_steal_pointer (&store));

  store = new_loaded_store ();
  g_assert_cmpuint (g_list_model_get_n_items (authsim_store_get_grants (store)), ==, 2);
  grant = grant_at (store, 0);
  g_assert_cmpstr (authsim_grant_get_user_id (grant), ==, user);
  g_assert_cmpstr (authsim_grant_get_app_id (grant), ==, app);
  g_assert_cmpstrv (authsim_grant_get_scopes (grant), scopes);
  grant = grant_at (store, 1);
  g_assert_cmpstr (authsim_grant_get_user_id (grant), ==, invalid_user);

  found = authsim_store_lookup_access_token (store, token->access_token, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found->user_id, ==, user);
  g_assert_cmpstr (found->app_id, ==, app);
  g_assert_cmpstrv (found->scopes, scopes);

  peek = authsim_store_lookup_code (store, code);
  g_assert_nonnull (peek);
  g_assert_cmpstr (peek->user_id, ==, user);
  g_assert_cmpstr (peek->app_id, ==, app);
  g_assert_cmpstrv (peek->scopes, scopes);
}

/* ---------------------------------------------------------------------------------------- */
/* Threads */

typedef struct
{
  AuthsimStore *store;
  const char   *app_id;
  const char   *user_id;
  guint         base;
} Worker;

static gpointer
worker_thread (gpointer data)
{
  Worker *worker = data;

  for (guint i = 0; i < 10000; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *code = authsim_store_issue_code (worker->store, worker->app_id,
                                                        worker->user_id, scopes_user,
                                                        worker->base + i);
      g_autoptr(AuthsimCode) redeemed = authsim_store_redeem_code (worker->store, code,
                                                                   worker->app_id, &error);

      g_assert_no_error (error);
      g_assert_nonnull (redeemed);
      g_assert_cmpuint (redeemed->call, ==, worker->base + i);
      g_assert_cmpstr (redeemed->user_id, ==, worker->user_id);

      if (i % 100 == 0)
        {
          g_autoptr(AuthsimToken) token = authsim_store_issue_token (worker->store, redeemed);
          g_autoptr(AuthsimToken) fresh = NULL;
          g_autoptr(AuthsimToken) found = NULL;

          fresh = authsim_store_refresh (worker->store, token->refresh_token, worker->app_id,
                                         &error);
          g_assert_no_error (error);
          found = authsim_store_lookup_access_token (worker->store, fresh->access_token,
                                                     &error);
          g_assert_no_error (error);
          g_assert_cmpuint (found->call, ==, worker->base + i);
        }
    }
  return NULL;
}

static void
test_threads (void)
{
  g_autoptr(AuthsimStore) store = new_loaded_store ();
  Worker workers[2] = {
    { store, TEST_APP, TEST_USER, 0 },
    { store, TEST_OTHER_APP, TEST_USER_2, 100000 },
  };
  GThread *threads[2];

  /* The owning thread moves the clock below: keep codes valid whatever the interleaving. */
  authsim_store_set_code_lifetime (store, AUTHSIM_CODE_LIFETIME_MAX);

  for (guint i = 0; i < 2; i++)
    threads[i] = g_thread_new ("store-worker", worker_thread, &workers[i]);

  /* Meanwhile the owning thread reads and writes grants. */
  for (guint i = 0; i < 200; i++)
    {
      g_auto(GStrv) scopes = NULL;

      authsim_store_grant (store, TEST_USER, TEST_APP, scopes_user);
      scopes = authsim_store_dup_granted_scopes (store, TEST_USER, TEST_APP);
      g_assert_cmpstrv (scopes, scopes_user);
      authsim_store_set_clock_offset (store, (i % 2) * 60);
    }

  for (guint i = 0; i < 2; i++)
    g_thread_join (threads[i]);

  g_assert_finalize_object (g_steal_pointer (&store));
  /* Every change was committed: the workers' tokens (one per 100 codes, rotated) are there. */
  g_assert_cmpint (test_db_int ("SELECT COUNT(*) FROM tokens"), ==, 200);
  g_assert_cmpint (test_db_int ("SELECT COUNT(*) FROM codes WHERE spent = 0"), ==, 0);
  g_assert_cmpint (test_db_int ("SELECT COUNT(*) FROM grants"), ==, 1);
}

/* authSetting states (SPEC §12): a refusal leaves the grant and is remembered as REFUSED;
 * decided scopes keep the order of first decisions; revoke and clear forget them. */
static void
test_scope_states (void)
{
  g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
  GListModel *grants = authsim_store_get_grants (store);
  const char *user_info[] = { "userInfo", NULL };
  const char *both[] = { "userInfo", "phoneNumber", NULL };
  const char *phone_only[] = { "phoneNumber", NULL };
  g_autoptr(AuthsimGrant) grant = NULL;
  g_auto(GStrv) decided = NULL;
  g_auto(GStrv) after_clear = NULL;

  g_assert_cmpint (authsim_store_get_scope_state (store, TEST_USER, TEST_APP, "userInfo"), ==,
                   AUTHSIM_SCOPE_STATE_NONE);

  authsim_store_refuse (store, TEST_USER, TEST_APP, "phoneNumber");
  g_assert_cmpuint (g_list_model_get_n_items (grants), ==, 0);
  g_assert_cmpint (authsim_store_get_scope_state (store, TEST_USER, TEST_APP, "phoneNumber"),
                   ==, AUTHSIM_SCOPE_STATE_REFUSED);

  authsim_store_grant (store, TEST_USER, TEST_APP, user_info);
  authsim_store_grant (store, TEST_USER, TEST_APP, phone_only);
  g_assert_cmpint (authsim_store_get_scope_state (store, TEST_USER, TEST_APP, "phoneNumber"),
                   ==, AUTHSIM_SCOPE_STATE_GRANTED);
  decided = authsim_store_dup_decided_scopes (store, TEST_USER, TEST_APP);
  /* phoneNumber was decided first (refused), then userInfo. */
  {
    const char *expected[] = { "phoneNumber", "userInfo", NULL };
    g_assert_cmpstrv (decided, expected);
  }

  /* Switching userInfo off: the grant keeps phoneNumber only, userInfo is REFUSED. */
  authsim_store_refuse (store, TEST_USER, TEST_APP, "userInfo");
  g_assert_cmpuint (g_list_model_get_n_items (grants), ==, 1);
  grant = g_list_model_get_item (grants, 0);
  g_assert_cmpstrv (authsim_grant_get_scopes (grant), phone_only);
  g_assert_cmpint (authsim_store_get_scope_state (store, TEST_USER, TEST_APP, "userInfo"), ==,
                   AUTHSIM_SCOPE_STATE_REFUSED);

  /* The last scope leaves: the grant goes, its refusal stays. */
  authsim_store_refuse (store, TEST_USER, TEST_APP, "phoneNumber");
  g_assert_cmpuint (g_list_model_get_n_items (grants), ==, 0);
  g_assert_cmpint (authsim_store_get_scope_state (store, TEST_USER, TEST_APP, "phoneNumber"),
                   ==, AUTHSIM_SCOPE_STATE_REFUSED);

  /* Revoke forgets the decisions of that (user, app); clear forgets everyone's. */
  authsim_store_revoke (store, TEST_USER, TEST_APP);
  g_assert_cmpint (authsim_store_get_scope_state (store, TEST_USER, TEST_APP, "userInfo"), ==,
                   AUTHSIM_SCOPE_STATE_NONE);
  authsim_store_grant (store, TEST_USER, TEST_APP, both);
  authsim_store_clear_grants (store);
  after_clear = authsim_store_dup_decided_scopes (store, TEST_USER, TEST_APP);
  g_assert_cmpuint (g_strv_length (after_clear), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/authsim/store/code-format", test_code_format);
  g_test_add_func ("/authsim/store/code-uniformity", test_code_uniformity);
  g_test_add_func ("/authsim/store/code-single-use", test_code_single_use);
  g_test_add_func ("/authsim/store/code-call", test_code_call);
  g_test_add_func ("/authsim/store/code-exchange", test_code_exchange);
  g_test_add_func ("/authsim/store/code-wrong-app", test_code_wrong_app);
  g_test_add_func ("/authsim/store/code-expiry", test_code_expiry);
  g_test_add_func ("/authsim/store/code-lifetime", test_code_lifetime);
  g_test_add_func ("/authsim/store/clock", test_clock);
  g_test_add_func ("/authsim/store/token-lifetimes", test_token_lifetimes);
  g_test_add_func ("/authsim/store/token-user", test_token_user);
  g_test_add_func ("/authsim/store/token-base", test_token_base);
  g_test_add_func ("/authsim/store/token-refresh-rotation", test_token_refresh_rotation);
  g_test_add_func ("/authsim/store/token-refresh-expiry", test_token_refresh_expiry);
  g_test_add_func ("/authsim/store/token-access-expiry", test_token_access_expiry);
  g_test_add_func ("/authsim/store/token-refresh-other-app", test_token_refresh_other_app);
  g_test_add_func ("/authsim/store/grant-union", test_grant_union);
  g_test_add_func ("/authsim/store/scope-states", test_scope_states);
  g_test_add_func ("/authsim/store/grant-items-changed", test_grant_items_changed);
  g_test_add_func ("/authsim/store/grant-revoke", test_grant_revoke);
  g_test_add_func ("/authsim/store/grant-clear", test_grant_clear);
  g_test_add_func ("/authsim/store/open-id", test_open_id);
  g_test_add_func ("/authsim/store/persist-roundtrip", test_persist_roundtrip);
  g_test_add_func ("/authsim/store/persist-decisions", test_persist_decisions);
  g_test_add_func ("/authsim/store/persist-missing", test_persist_missing);
  g_test_add_func ("/authsim/store/persist-memory-only", test_persist_memory_only);
  g_test_add_func ("/authsim/store/persist-modes", test_persist_modes);
  g_test_add_func ("/authsim/store/persist-migrate", test_persist_migrate);
  g_test_add_func ("/authsim/store/persist-shared", test_persist_shared);
  g_test_add_func ("/authsim/store/persist-db-garbage", test_persist_db_garbage);
  g_test_add_func ("/authsim/store/persist-db-damaged", test_persist_db_damaged);
  g_test_add_func ("/authsim/store/persist-db-unreadable", test_persist_db_unreadable);
  g_test_add_func ("/authsim/store/persist-dir-unusable", test_persist_dir_unusable);
  g_test_add_func ("/authsim/store/persist-many-tokens", test_persist_many_tokens);
  g_test_add_func ("/authsim/store/persist-escaping", test_persist_escaping);
  g_test_add_func ("/authsim/store/import", test_import);
  g_test_add_func ("/authsim/store/persist-corrupt-garbage", test_persist_corrupt_garbage);
  g_test_add_func ("/authsim/store/persist-corrupt-shape", test_persist_corrupt_shape);
  g_test_add_func ("/authsim/store/persist-unreadable", test_persist_unreadable);
  g_test_add_func ("/authsim/store/call-ids", test_call_ids);
  g_test_add_func ("/authsim/store/call-id-of-persisted-code", test_call_id_of_persisted_code);
  g_test_add_func ("/authsim/store/revoke-codes", test_revoke_codes);
  g_test_add_func ("/authsim/store/purge", test_purge);
  g_test_add_func ("/authsim/store/purge-at-load", test_purge_at_load);
  g_test_add_func ("/authsim/store/purge-bounded", test_purge_bounded);
  g_test_add_func ("/authsim/store/threads", test_threads);

  return g_test_run ();
}
