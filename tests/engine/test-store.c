/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store.c: codes, tokens, grants, the virtual clock, open_id and state.json. */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

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

static char *
state_file_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "authsim", "state.json", NULL);
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
 * exchange, so a replay is still linked to its call; only the newest 4096 are kept. */
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

  /* The memory of spent codes is bounded: the oldest goes first. */
  first = g_strdup (kept);
  for (guint i = 0; i < 4096; i++)
    {
      g_autofree char *code = authsim_store_issue_code (store, TEST_APP, TEST_USER,
                                                        scopes_base, 100 + i);
      g_autoptr(AuthsimCode) spent = authsim_store_redeem_code (store, code, TEST_APP, NULL);

      g_assert_nonnull (spent);
    }
  g_assert_cmpuint (authsim_store_get_code_call (store, first), ==, 0);
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

  /* Codes are not tokens: an outstanding code still exchanges (choice, see the header). */
  peek = authsim_store_lookup_code (store, code);
  g_assert_nonnull (peek);

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

/* ---------------------------------------------------------------------------------------- */
/* Persistence */

static JsonObject *
read_state_file (JsonParser *parser)
{
  g_autofree char *path = state_file_path ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_node_get_object (root);
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
test_persist_roundtrip (void)
{
  g_autofree char *path = state_file_path ();
  g_autofree char *dir = state_dir_path ();
  g_autoptr(AuthsimStore) store = new_loaded_store ();
  g_autoptr(AuthsimStore) loaded = NULL;
  g_autoptr(AuthsimToken) token = NULL;
  g_autoptr(AuthsimToken) base_token = NULL;
  g_autoptr(AuthsimToken) found = NULL;
  g_autoptr(AuthsimToken) refreshed = NULL;
  g_autoptr(AuthsimCode) code = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *code_string = NULL;
  const char *more[] = { "auth_user", "auth_zhima", NULL };
  JsonObject *root, *grant;
  JsonArray *array;
  gint64 granted_at[2];
  GListModel *grants;
  GStatBuf st;

  authsim_store_set_code_lifetime (store, 600);
  authsim_store_set_clock_offset (store, 3600);
  authsim_store_grant (store, TEST_USER, TEST_APP, more);
  authsim_store_grant (store, TEST_USER_2, TEST_OTHER_APP, scopes_user);
  granted_at[0] = authsim_grant_get_granted_at (grant_at (store, 0));
  granted_at[1] = authsim_grant_get_granted_at (grant_at (store, 1));
  token = issue_token_for (store, TEST_APP, TEST_USER, more, 11);
  base_token = issue_token_for (store, TEST_OTHER_APP, TEST_USER_2, scopes_base, 12);
  code_string = authsim_store_issue_code (store, TEST_APP, TEST_USER_2, scopes_user, 13);

  g_assert_true (authsim_store_save (store, &error));
  g_assert_no_error (error);
  g_assert_finalize_object (g_steal_pointer (&store));

  /* Private: the file 0600, the directory 0700. */
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  /* The format, key by key. */
  root = read_state_file (parser);
  g_assert_cmpint (json_object_get_int_member (root, "version"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (root, "clockOffset"), ==, 3600);
  g_assert_cmpint (json_object_get_int_member (root, "codeLifetime"), ==, 600);
  array = json_object_get_array_member (root, "grants");
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  grant = json_array_get_object_element (array, 0);
  g_assert_cmpstr (json_object_get_string_member (grant, "userId"), ==, TEST_USER);
  g_assert_cmpstr (json_object_get_string_member (grant, "appId"), ==, TEST_APP);
  g_assert_cmpint (json_object_get_int_member (grant, "grantedAt"), ==, granted_at[0]);
  array = json_object_get_array_member (grant, "scopes");
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (array, 0), ==, "auth_user");
  g_assert_cmpstr (json_array_get_string_element (array, 1), ==, "auth_zhima");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "codes")), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "tokens")), ==, 2);

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

static void
test_persist_prune (void)
{
  g_autoptr(AuthsimStore) store = new_loaded_store ();
  g_autoptr(AuthsimToken) token = issue_token_for (store, TEST_APP, TEST_USER, scopes_user, 1);
  g_autofree char *code = authsim_store_issue_code (store, TEST_APP, TEST_USER, scopes_user, 2);
  g_autoptr(GError) error = NULL;

  g_assert_true (authsim_store_save (store, &error));
  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    JsonObject *root = read_state_file (parser);

    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "codes")), ==, 1);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "tokens")), ==, 1);
  }

  /* The code expired, the access token too, but the refresh token still counts. */
  authsim_store_advance_clock (store, USER_LIFETIME);
  g_assert_true (authsim_store_save (store, &error));
  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    JsonObject *root = read_state_file (parser);

    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "codes")), ==, 0);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "tokens")), ==, 1);
  }

  authsim_store_advance_clock (store, USER_REFRESH_LIFETIME);
  g_assert_true (authsim_store_save (store, &error));
  g_assert_no_error (error);
  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    JsonObject *root = read_state_file (parser);

    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "tokens")), ==, 0);
  }

  /* In memory the token is still known, and expired rather than unknown. */
  assert_token_error (store, token->access_token, AUTHSIM_STORE_ERROR_TOKEN_TIME_OUT);
}

static void
test_persist_missing (void)
{
  g_autofree char *dir = state_dir_path ();
  g_autofree char *path = state_file_path ();
  g_autoptr(AuthsimStore) store = new_loaded_store ();

  g_assert_cmpuint (g_list_model_get_n_items (authsim_store_get_grants (store)), ==, 0);
  g_assert_cmpuint (authsim_store_get_code_lifetime (store), ==, AUTHSIM_CODE_LIFETIME_DEFAULT);
  g_assert_cmpint (authsim_store_get_clock_offset (store), ==, 0);
  /* Loading alone writes nothing. */
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_finalize_object (g_steal_pointer (&store));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* Returns the names of state.json.corrupt-* files in the state directory, sorted. */
static GPtrArray *
list_corrupt_files (void)
{
  g_autofree char *dir_path = state_dir_path ();
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autoptr(GRegex) regex = g_regex_new ("^state\\.json\\.corrupt-[0-9]{8}-[0-9]{6}(-[0-9]+)?$",
                                         0, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "state.json.corrupt"))
      {
        g_assert_true (g_regex_match (regex, name, 0, NULL));
        g_ptr_array_add (names, g_build_filename (dir_path, name, NULL));
      }
  return names;
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

/* Loads @contents as state.json; asserts it was moved aside intact and the store is empty. */
static void
check_corrupt (const char *contents,
               const char *reason_part)
{
  g_autofree char *dir = state_dir_path ();
  g_autofree char *path = state_file_path ();
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(AuthsimStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;
  g_autofree char *moved_contents = NULL;
  const char *moved = NULL;

  write_state_file (contents);
  before = list_corrupt_files ();

  store = authsim_store_new (dir, test_random_bytes);
  g_assert_true (authsim_store_load (store, &warning, &error));
  g_assert_no_error (error);
  g_assert_nonnull (warning);
  g_test_message ("warning: %s", warning);
  g_assert_nonnull (strstr (warning, "corrupt"));
  if (reason_part != NULL)
    g_assert_nonnull (strstr (warning, reason_part));

  after = list_corrupt_files ();
  g_assert_cmpuint (after->len, ==, before->len + 1);
  for (guint i = 0; i < after->len; i++)
    if (!g_ptr_array_find_with_equal_func (before, after->pdata[i], g_str_equal, NULL))
      moved = after->pdata[i];
  g_assert_nonnull (moved);
  g_assert_nonnull (strstr (warning, moved));  /* the full path */

  g_assert_true (g_file_get_contents (moved, &moved_contents, NULL, NULL));
  g_assert_cmpstr (moved_contents, ==, contents);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  /* Nothing of it was taken: all or nothing. */
  g_assert_cmpuint (g_list_model_get_n_items (authsim_store_get_grants (store)), ==, 0);
  g_assert_cmpuint (authsim_store_get_code_lifetime (store), ==, AUTHSIM_CODE_LIFETIME_DEFAULT);
  g_assert_cmpint (authsim_store_get_clock_offset (store), ==, 0);

  /* It can be saved over afterwards. */
  authsim_store_grant (store, TEST_USER, TEST_APP, scopes_user);
  g_assert_true (authsim_store_save (store, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_finalize_object (g_steal_pointer (&store));
  g_assert_cmpint (g_unlink (path), ==, 0);
}

static void
test_persist_corrupt_garbage (void)
{
  check_corrupt ("this is { not JSON at all", NULL);
  /* A second corrupt file, maybe in the same second: both are kept. */
  check_corrupt ("\x01\x02 more garbage", NULL);
  check_corrupt ("", NULL);
  {
    g_autoptr(GPtrArray) files = list_corrupt_files ();
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

static void
test_persist_unreadable (void)
{
  g_autofree char *dir = state_dir_path ();
  g_autofree char *path = state_file_path ();
  g_autoptr(AuthsimStore) store = authsim_store_new (dir, test_random_bytes);
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;

  /* state.json is a directory: not corrupt content, the state cannot be read at all. */
  g_assert_cmpint (g_mkdir_with_parents (path, 0700), ==, 0);
  g_assert_false (authsim_store_load (store, &warning, &error));
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO);
  g_assert_null (warning);

  /* It keeps working in memory and leaves the path alone. */
  authsim_store_grant (store, TEST_USER, TEST_APP, scopes_user);
  g_assert_finalize_object (g_steal_pointer (&store));
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_DIR));
}

static gboolean
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates @context until @check returns TRUE or @seconds pass. */
static gboolean
iterate_until (GMainContext *context,
               gboolean    (*check) (gpointer),
               gpointer      data,
               guint         seconds)
{
  GSource *deadline = g_timeout_source_new_seconds (seconds);
  gboolean timed_out = FALSE;
  gboolean ok;

  g_source_set_callback (deadline, set_flag, &timed_out, NULL);
  g_source_attach (deadline, context);
  while (!(ok = check (data)) && !timed_out)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (deadline);
  g_source_unref (deadline);
  return ok;
}

/* Background saves are observed through "saved", which must come on the store's context: the
 * thread iterating it here, the main thread. */
static GThread *main_thread;

static void
on_saved (AuthsimStore *store,
          guint        *count)
{
  g_assert_true (g_thread_self () == main_thread);
  (*count)++;
}

typedef struct
{
  const guint *count;
  guint        target;
} SavedWait;

static gboolean
saved_reached (gpointer data)
{
  SavedWait *wait = data;

  return *wait->count >= wait->target;
}

/* Iterates @context until "saved" was counted @target times in @count. The deadline is long:
 * the store spaces saves by 50 × the last one's duration, which is long under sanitizers. */
static void
wait_saved (GMainContext *context,
            const guint  *count,
            guint         target)
{
  SavedWait wait = { count, target };

  g_assert_true (iterate_until (context, saved_reached, &wait, 60));
}

/*
 * The store logs a debug message on the thread that did a background write, after the write
 * and before the save is over (the store still counts it as running). The log writer below
 * sees it even with debug output off: it counts those writes, notes whether one ran on the
 * main thread, and runs a hook once, on the writing thread.
 */
static struct
{
  GMutex     lock;
  guint      n_background;       /* background writes */
  guint      n_on_main_thread;   /* … of them on the main thread */
  void     (*hook) (gpointer);   /* run by the next background write, on its thread */
  gpointer   hook_data;
} save_log;

static GLogWriterOutput
test_log_writer (GLogLevelFlags   log_level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0 &&
        g_str_has_prefix (fields[i].value, "state.json written (background)"))
      {
        void (*hook) (gpointer);
        gpointer hook_data;

        g_mutex_lock (&save_log.lock);
        save_log.n_background++;
        if (g_thread_self () == main_thread)
          save_log.n_on_main_thread++;
        hook = save_log.hook;
        hook_data = save_log.hook_data;
        save_log.hook = NULL;
        g_mutex_unlock (&save_log.lock);

        if (hook != NULL)
          hook (hook_data);
      }

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

static void
save_log_reset (void (*hook) (gpointer),
                gpointer hook_data)
{
  g_mutex_lock (&save_log.lock);
  save_log.n_background = 0;
  save_log.n_on_main_thread = 0;
  save_log.hook = hook;
  save_log.hook_data = hook_data;
  g_mutex_unlock (&save_log.lock);
}

static void
save_log_counts (guint *n_background,
                 guint *n_on_main_thread)
{
  g_mutex_lock (&save_log.lock);
  *n_background = save_log.n_background;
  *n_on_main_thread = save_log.n_on_main_thread;
  g_mutex_unlock (&save_log.lock);
}

static gboolean
state_file_exists (gpointer data)
{
  g_autofree char *path = state_file_path ();

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static guint
state_file_n_grants (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root = read_state_file (parser);

  return json_array_get_length (json_object_get_array_member (root, "grants"));
}

static void
test_persist_scheduled (void)
{
  g_autoptr(AuthsimStore) store = new_loaded_store ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;
  guint saves = 0;

  g_signal_connect (store, "saved", G_CALLBACK (on_saved), &saves);

  /* Several mutations in a row: the one write that follows has them all. */
  authsim_store_grant (store, TEST_USER, TEST_APP, scopes_user);
  authsim_store_grant (store, TEST_USER_2, TEST_APP, scopes_user);
  authsim_store_grant (store, TEST_USER, TEST_OTHER_APP, scopes_user);
  authsim_store_set_code_lifetime (store, 900);
  g_assert_false (state_file_exists (NULL));  /* not synchronous */

  /* Checked as soon as "saved" comes, before dispose could write anything. */
  wait_saved (NULL, &saves, 1);
  root = read_state_file (parser);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "grants")), ==, 3);
  g_assert_cmpint (json_object_get_int_member (root, "codeLifetime"), ==, 900);

  /* A later change is written later. */
  authsim_store_clear_grants (store);
  wait_saved (NULL, &saves, 2);
  g_assert_cmpuint (state_file_n_grants (), ==, 0);

  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_persist_thread_default_context (void)
{
  g_autofree char *dir = state_dir_path ();
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(AuthsimStore) store = NULL;
  guint saves = 0;

  g_main_context_push_thread_default (context);
  store = authsim_store_new (dir, test_random_bytes);
  g_main_context_pop_thread_default (context);
  g_signal_connect (store, "saved", G_CALLBACK (on_saved), &saves);

  authsim_store_grant (store, TEST_USER, TEST_APP, scopes_user);
  /* The save starts, and "saved" comes, on the context that was thread-default at creation:
   * iterating only that one must be enough (nothing iterates the global default context). */
  wait_saved (context, &saves, 1);
  g_assert_cmpuint (state_file_n_grants (), ==, 1);

  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_persist_dispose_flush (void)
{
  g_autoptr(AuthsimStore) store = new_loaded_store ();

  authsim_store_grant (store, TEST_USER, TEST_APP, scopes_user);
  authsim_store_advance_clock (store, 42);
  g_assert_false (state_file_exists (NULL));
  /* No main loop ran: the pending change is written when the store goes. */
  g_assert_finalize_object (g_steal_pointer (&store));

  g_assert_true (state_file_exists (NULL));
  g_assert_cmpuint (state_file_n_grants (), ==, 1);
  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    JsonObject *root = read_state_file (parser);

    g_assert_cmpint (json_object_get_int_member (root, "clockOffset"), ==, 42);
  }
}

static void
test_persist_memory_only (void)
{
  g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = state_dir_path ();

  g_assert_true (authsim_store_load (store, NULL, &error));
  authsim_store_grant (store, TEST_USER, TEST_APP, scopes_user);
  g_assert_true (authsim_store_save (store, &error));
  g_assert_no_error (error);
  g_assert_true (authsim_store_flush (store, &error));
  g_assert_no_error (error);
  g_assert_finalize_object (g_steal_pointer (&store));
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

/* flush writes what is pending, on the calling thread, and nothing when nothing is. */
static void
test_persist_flush (void)
{
  g_autofree char *path = state_file_path ();
  g_autoptr(AuthsimStore) store = new_loaded_store ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;

  g_assert_true (authsim_store_flush (store, &error));
  g_assert_no_error (error);
  g_assert_false (state_file_exists (NULL));

  authsim_store_grant (store, TEST_USER, TEST_APP, scopes_user);
  authsim_store_set_code_lifetime (store, 900);
  /* No main loop runs: flush itself writes. */
  g_assert_true (authsim_store_flush (store, &error));
  g_assert_no_error (error);
  root = read_state_file (parser);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "grants")), ==, 1);
  g_assert_cmpint (json_object_get_int_member (root, "codeLifetime"), ==, 900);

  /* Everything is on disk: neither a second flush nor dispose writes again (the file is
   * removed to see it). */
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_true (authsim_store_flush (store, &error));
  g_assert_no_error (error);
  g_assert_false (state_file_exists (NULL));
  g_assert_finalize_object (g_steal_pointer (&store));
  g_assert_false (state_file_exists (NULL));
}

/* How many tokens state.json lists, counted in its text: cheaper than a parse for 20,000 of
 * them under the sanitizers (the loader parses it where that matters). */
static guint
state_file_count_tokens (void)
{
  static const char needle[] = "\"accessToken\"";
  g_autofree char *path = state_file_path ();
  g_autofree char *contents = NULL;
  gsize length = 0;
  guint n = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  /* memmem, not strstr: the sanitizers' strstr measures the rest of the file at each call. */
  for (const char *p = contents, *end = contents + length;
       (p = memmem (p, (gsize) (end - p), needle, sizeof needle - 1)) != NULL;
       p += sizeof needle - 1)
    n++;
  return n;
}

/* Whether state.json lists the code @data. */
static gboolean
state_file_has_code (gpointer data)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *codes;

  if (!state_file_exists (NULL))
    return FALSE;
  codes = json_object_get_array_member (read_state_file (parser), "codes");
  for (guint i = 0; i < json_array_get_length (codes); i++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (codes, i),
                                                    "code"),
                     (const char *) data))
      return TRUE;
  return FALSE;
}

typedef struct
{
  AuthsimStore *store;
  char         *code;  /* issued by the hook, during the save */
} DuringSave;

static void
issue_code_during_save (gpointer data)
{
  DuringSave *during = data;

  during->code = authsim_store_issue_code (during->store, TEST_APP, TEST_USER, scopes_user, 77);
}

/* Whether a second background write was done and state.json lists the code @data. */
static gboolean
second_save_has_code (gpointer data)
{
  guint n_background, n_on_main_thread;

  save_log_counts (&n_background, &n_on_main_thread);
  return n_background >= 2 && state_file_has_code (data);
}

/* A change made while a background save runs (after its snapshot) is written by a save that
 * follows by itself: no flush, no dispose. */
static void
test_persist_during_save (void)
{
  g_autoptr(AuthsimStore) store = new_loaded_store ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *code = NULL;
  DuringSave during = { store, NULL };
  guint saves = 0, n_background, n_on_main_thread;
  JsonObject *root, *code_object;
  JsonArray *codes;

  save_log_reset (issue_code_during_save, &during);
  g_signal_connect (store, "saved", G_CALLBACK (on_saved), &saves);

  authsim_store_grant (store, TEST_USER, TEST_APP, scopes_user);
  /* The hook ran inside the first save, before its "saved". */
  wait_saved (NULL, &saves, 1);
  code = g_steal_pointer (&during.code);
  g_assert_nonnull (code);

  /* "saved" of the second write may be merged with the first one's: count writes instead. */
  g_assert_true (iterate_until (NULL, second_save_has_code, code, 60));
  root = read_state_file (parser);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "grants")), ==, 1);
  codes = json_object_get_array_member (root, "codes");
  g_assert_cmpuint (json_array_get_length (codes), ==, 1);
  code_object = json_array_get_object_element (codes, 0);
  g_assert_cmpstr (json_object_get_string_member (code_object, "code"), ==, code);
  g_assert_cmpint (json_object_get_int_member (code_object, "call"), ==, 77);

  save_log_counts (&n_background, &n_on_main_thread);
  g_assert_cmpuint (n_background, ==, 2);
  g_assert_cmpuint (n_on_main_thread, ==, 0);

  g_assert_finalize_object (g_steal_pointer (&store));
}

typedef struct
{
  AuthsimStore *store;
  GHashTable   *live;  /* access tokens the file must end up with */
  gint          done;
} Mutator;

/* Issues, rotates and revokes tokens like the gateway does, until two background saves were
 * written (so some of it overlaps them) or 30,000 tokens. */
static gpointer
mutator_thread (gpointer data)
{
  Mutator *mutator = data;

  for (guint i = 0; i < 30000; i++)
    {
      g_autoptr(AuthsimToken) token = issue_token_for (mutator->store, TEST_APP, TEST_USER,
                                                       scopes_user, i + 1);
      guint n_background, n_on_main_thread;

      if (i % 2 == 0)
        {
          /* The rotation drops the old record, maybe while a save holds it. */
          g_autoptr(GError) error = NULL;
          g_autoptr(AuthsimToken) fresh = authsim_store_refresh (mutator->store,
                                                                 token->refresh_token,
                                                                 TEST_APP, &error);

          g_assert_no_error (error);
          g_hash_table_add (mutator->live, g_strdup (fresh->access_token));
        }
      else
        g_hash_table_add (mutator->live, g_strdup (token->access_token));

      if (i % 100 == 0)
        {
          /* Another (user, app): issued, then revoked with everything of that pair. */
          g_autoptr(AuthsimToken) doomed = issue_token_for (mutator->store, TEST_OTHER_APP,
                                                            TEST_USER_2, scopes_base, i + 1);

          authsim_store_revoke (mutator->store, TEST_USER_2, TEST_OTHER_APP);
        }

      save_log_counts (&n_background, &n_on_main_thread);
      if (n_background >= 2)
        break;
    }

  g_atomic_int_set (&mutator->done, TRUE);
  g_main_context_wakeup (NULL);
  return NULL;
}

static gboolean
mutator_done (gpointer data)
{
  Mutator *mutator = data;

  return g_atomic_int_get (&mutator->done);
}

typedef struct
{
  GHashTable  *expected;  /* access tokens */
  const guint *saves;     /* "saved" emissions so far */
  guint        checked;   /* … when the file was last read */
} TokensWait;

/* Whether state.json has exactly the access tokens expected, read again after each save. */
static gboolean
state_file_has_tokens (gpointer data)
{
  TokensWait *wait = data;
  GHashTable *expected = wait->expected;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *tokens;

  if (*wait->saves == wait->checked)
    return FALSE;
  wait->checked = *wait->saves;
  tokens = json_object_get_array_member (read_state_file (parser), "tokens");
  if (json_array_get_length (tokens) != g_hash_table_size (expected))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (tokens); i++)
    if (!g_hash_table_contains (expected,
                                json_object_get_string_member (
                                  json_array_get_object_element (tokens, i), "accessToken")))
      return FALSE;
  return TRUE;
}

/* Another thread keeps changing tokens while the main loop runs background saves: once it
 * stops, the saves catch up with its last change by themselves. */
static void
test_persist_concurrent (void)
{
  g_autoptr(AuthsimStore) store = new_loaded_store ();
  g_autoptr(GHashTable) live = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Mutator mutator = { store, live, FALSE };
  guint saves = 0, n_background, n_on_main_thread;
  TokensWait wait = { live, &saves, 0 };
  GThread *thread;

  save_log_reset (NULL, NULL);
  g_signal_connect (store, "saved", G_CALLBACK (on_saved), &saves);

  thread = g_thread_new ("store-mutator", mutator_thread, &mutator);
  g_assert_true (iterate_until (NULL, mutator_done, &mutator, 60));
  g_thread_join (thread);

  g_assert_true (iterate_until (NULL, state_file_has_tokens, &wait, 60));
  save_log_counts (&n_background, &n_on_main_thread);
  g_assert_cmpuint (n_background, >=, 1);
  g_assert_cmpuint (n_on_main_thread, ==, 0);
  g_assert_cmpuint (saves, >=, 1);

  g_assert_finalize_object (g_steal_pointer (&store));
}

/* 20,000 tokens (10 s of the mock gateway at full load; 2,000 under the sanitizers, which make
 * loading them back slow) in one background save, read back. */
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
  guint saves = 0;

  tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) authsim_token_free);
  g_signal_connect (store, "saved", G_CALLBACK (on_saved), &saves);
  /* No main loop runs meanwhile: the first save has them all. */
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (tokens, issue_token_for (store, i % 2 ? TEST_APP : TEST_OTHER_APP,
                                              i % 3 ? TEST_USER : TEST_USER_2,
                                              i % 5 ? scopes_user : scopes_base, i + 1));
  wait_saved (NULL, &saves, 1);
  g_assert_cmpuint (state_file_count_tokens (), ==, n);

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

  g_assert_finalize_object (g_steal_pointer (&store));
  g_assert_finalize_object (g_steal_pointer (&loaded));
}

/* Ids come from users and files: every character a JSON string must escape survives a
 * background save and a load, and invalid UTF-8 does not make the file unreadable. */
static void
test_persist_escaping (void)
{
  const char *user = "quote\" backslash\\ slash/ nl\n cr\r tab\t bs\b ff\f ctl\x01\x1f del\x7f "
                     "\xe7\x94\xa8\xe6\x88\xb7 \xf0\x9f\x98\x80";
  const char *app = "app \"x\"";
  const char *scopes[] = { "auth_user", "scope\\with\"quotes", NULL };
  const char *invalid_user = "bad\xff" "id";
  g_autoptr(AuthsimStore) store = new_loaded_store ();
  g_autoptr(AuthsimStore) loaded = NULL;
  g_autoptr(AuthsimToken) token = NULL;
  g_autoptr(AuthsimToken) found = NULL;
  g_autoptr(AuthsimCode) peek = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  AuthsimGrant *grant;
  guint saves = 0;

  g_signal_connect (store, "saved", G_CALLBACK (on_saved), &saves);
  authsim_store_grant (store, user, app, scopes);
  authsim_store_grant (store, invalid_user, TEST_APP, scopes_user);
  token = issue_token_for (store, app, user, scopes, 5);
  code = authsim_store_issue_code (store, app, user, scopes, 6);
  wait_saved (NULL, &saves, 1);

  /* new_loaded_store asserts there was no warning: the file was not corrupt. */
  loaded = new_loaded_store ();
  g_assert_cmpuint (g_list_model_get_n_items (authsim_store_get_grants (loaded)), ==, 2);
  grant = grant_at (loaded, 0);
  g_assert_cmpstr (authsim_grant_get_user_id (grant), ==, user);
  g_assert_cmpstr (authsim_grant_get_app_id (grant), ==, app);
  g_assert_cmpstrv (authsim_grant_get_scopes (grant), scopes);
  /* JSON cannot carry invalid UTF-8: each bad byte became U+FFFD. */
  grant = grant_at (loaded, 1);
  g_assert_cmpstr (authsim_grant_get_user_id (grant), ==, "bad\xef\xbf\xbd" "id");

  found = authsim_store_lookup_access_token (loaded, token->access_token, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found->user_id, ==, user);
  g_assert_cmpstr (found->app_id, ==, app);
  g_assert_cmpstrv (found->scopes, scopes);

  peek = authsim_store_lookup_code (loaded, code);
  g_assert_nonnull (peek);
  g_assert_cmpstr (peek->user_id, ==, user);
  g_assert_cmpstr (peek->app_id, ==, app);
  g_assert_cmpstrv (peek->scopes, scopes);

  g_assert_finalize_object (g_steal_pointer (&store));
  g_assert_finalize_object (g_steal_pointer (&loaded));
}

/* With 20,000 tokens, the save the main loop schedules is serialised and written on another
 * thread: the main loop only starts it and later emits "saved". */
static void
test_persist_off_main_thread (void)
{
  g_autoptr(AuthsimStore) store = new_loaded_store ();
  guint saves = 0, n_background, n_on_main_thread;

  save_log_reset (NULL, NULL);
  g_signal_connect (store, "saved", G_CALLBACK (on_saved), &saves);
  for (guint i = 0; i < MANY_TOKENS; i++)
    {
      g_autoptr(AuthsimToken) token = issue_token_for (store, TEST_APP, TEST_USER, scopes_user,
                                                       i + 1);
    }
  g_assert_false (state_file_exists (NULL));

  wait_saved (NULL, &saves, 1);
  save_log_counts (&n_background, &n_on_main_thread);
  g_assert_cmpuint (n_background, ==, 1);
  g_assert_cmpuint (n_on_main_thread, ==, 0);
  g_assert_cmpuint (state_file_count_tokens (), ==, MANY_TOKENS);

  g_assert_finalize_object (g_steal_pointer (&store));
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
  /* The pending save (scheduled from the workers too) was written at dispose. */
  g_assert_true (state_file_exists (NULL));
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
  main_thread = g_thread_self ();
  g_log_set_writer_func (test_log_writer, NULL, NULL);

  g_test_add_func ("/authsim/store/code-format", test_code_format);
  g_test_add_func ("/authsim/store/code-uniformity", test_code_uniformity);
  g_test_add_func ("/authsim/store/code-single-use", test_code_single_use);
  g_test_add_func ("/authsim/store/code-call", test_code_call);
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
  g_test_add_func ("/authsim/store/persist-prune", test_persist_prune);
  g_test_add_func ("/authsim/store/persist-missing", test_persist_missing);
  g_test_add_func ("/authsim/store/persist-corrupt-garbage", test_persist_corrupt_garbage);
  g_test_add_func ("/authsim/store/persist-corrupt-shape", test_persist_corrupt_shape);
  g_test_add_func ("/authsim/store/persist-unreadable", test_persist_unreadable);
  g_test_add_func ("/authsim/store/persist-scheduled", test_persist_scheduled);
  g_test_add_func ("/authsim/store/persist-thread-default-context",
                   test_persist_thread_default_context);
  g_test_add_func ("/authsim/store/persist-dispose-flush", test_persist_dispose_flush);
  g_test_add_func ("/authsim/store/persist-memory-only", test_persist_memory_only);
  g_test_add_func ("/authsim/store/persist-flush", test_persist_flush);
  g_test_add_func ("/authsim/store/persist-during-save", test_persist_during_save);
  g_test_add_func ("/authsim/store/persist-concurrent", test_persist_concurrent);
  g_test_add_func ("/authsim/store/persist-many-tokens", test_persist_many_tokens);
  g_test_add_func ("/authsim/store/persist-escaping", test_persist_escaping);
  g_test_add_func ("/authsim/store/persist-off-main-thread", test_persist_off_main_thread);
  g_test_add_func ("/authsim/store/threads", test_threads);

  return g_test_run ();
}
