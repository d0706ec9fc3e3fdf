/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include <string.h>

#include "authsim-profile-private.h"
#include "authsim-profile.h"
#include "authsim-user.h"

/* Test JSON is written with ' for " to stay readable; no test string needs a real '. */
static GListModel *
load (const char          *json,
      const char * const  *languages,
      GError             **error)
{
  g_autofree char *data = g_strdelimit (g_strdup (json), "'", '"');

  if (languages == NULL)
    return authsim_users_new_from_data (data, -1, "users.json", error);
  return authsim_users_new_from_data_for_languages (data, -1, "users.json", languages, error);
}

static gboolean
is_digits (const char *s)
{
  for (; *s != '\0'; s++)
    if (!g_ascii_isdigit (*s))
      return FALSE;
  return TRUE;
}

/* ------------------------------------------------------------------------------------------
 * The built-in test users
 * ------------------------------------------------------------------------------------------ */

#define NO_MOBILE_USER "2088506608274845"
#define OVERSEAS_USER  "2088607719385956"

static void
test_default (void)
{
  g_autoptr(GListModel) users = authsim_users_new_default ();
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  guint n;

  g_assert_true (g_list_model_get_item_type (users) == AUTHSIM_TYPE_USER);
  n = g_list_model_get_n_items (users);
  g_assert_cmpuint (n, >=, 3);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AuthsimUser) user = g_list_model_get_item (users, i);
      const char *id = authsim_user_get_user_id (user);
      const char *mobile = authsim_user_get_info_value (user, "mobile");
      const char *gender = authsim_user_get_info_value (user, "gender");
      JsonObjectIter iter;
      const char *key;
      JsonNode *value;

      /* 2088 + 12 digits, unique. */
      g_assert_cmpuint (strlen (id), ==, 16);
      g_assert_true (g_str_has_prefix (id, "2088"));
      g_assert_true (is_digits (id));
      g_assert_true (g_hash_table_add (ids, (gpointer) id));
      g_assert_true (authsim_users_find (users, id) == user);

      g_assert_nonnull (authsim_user_get_display_name (user));
      g_assert_cmpstr (authsim_user_get_display_name (user), !=, "");

      /* Every field the demo profile can approve has a value, but the mobile number of the
       * user who has none (my.getPhoneNumber answers "" for them, SPEC §11.2). */
      for (const char * const *f = authsim_user_info_fields_known (); *f != NULL; f++)
        {
          const char *v = authsim_user_get_info_value (user, authsim_user_info_field_to_key (*f));

          if (g_str_equal (*f, "mobile") && g_str_equal (id, NO_MOBILE_USER))
            {
              g_assert_null (v);
              continue;
            }
          g_assert_nonnull (v);
          g_assert_cmpstr (v, !=, "");
        }

      g_assert_true (g_str_equal (gender, "F") || g_str_equal (gender, "M"));
      /* Mainland numbers are 11 digits without +86; one user has an overseas number. */
      if (g_str_equal (id, OVERSEAS_USER))
        g_assert_cmpstr (mobile, ==, "1-1234432112");
      else if (!g_str_equal (id, NO_MOBILE_USER))
        {
          g_assert_cmpuint (strlen (mobile), ==, 11);
          g_assert_true (is_digits (mobile));
          g_assert_true (g_str_has_prefix (mobile, "13") || g_str_has_prefix (mobile, "15") ||
                         g_str_has_prefix (mobile, "18"));
        }
      /* Each has a picture of its avatar, compiled in. */
      g_assert_true (g_str_has_prefix (authsim_user_get_avatar_image (user),
                                       "resource:///io/github/authsim/AuthSim/data/avatars/"));
      g_assert_true (g_resources_get_info (authsim_user_get_avatar_image (user) +
                                           strlen ("resource://"), 0, NULL, NULL, NULL));
      g_assert_true (g_str_has_prefix (authsim_user_get_info_value (user, "avatar"),
                                       "https://"));
      g_assert_cmpuint (strlen (authsim_user_get_info_value (user, "cert_no")), ==, 18);
      g_assert_true (g_regex_match_simple ("^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                                           authsim_user_get_info_value (user, "birthday"),
                                           0, 0));

      /* Only strings. */
      json_object_iter_init (&iter, authsim_user_get_info (user));
      while (json_object_iter_next (&iter, &key, &value))
        g_assert_true (JSON_NODE_HOLDS_VALUE (value) &&
                       json_node_get_value_type (value) == G_TYPE_STRING);
    }

  g_assert_null (authsim_users_find (users, "2088000000000000"));
  g_assert_null (authsim_users_find (users, NULL));
  g_assert_nonnull (authsim_users_find (users, NO_MOBILE_USER));
  g_assert_nonnull (authsim_users_find (users, OVERSEAS_USER));

  g_assert_finalize_object (g_steal_pointer (&users));
}

/* ------------------------------------------------------------------------------------------
 * Good and malformed files
 * ------------------------------------------------------------------------------------------ */

static void
test_file_good (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "users-good.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) users = NULL;
  g_autoptr(AuthsimUser) first = NULL;
  g_autoptr(AuthsimUser) second = NULL;

  g_setenv ("LANGUAGE", "en", TRUE);
  users = authsim_users_new_from_file (path, &error);
  g_unsetenv ("LANGUAGE");
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (users), ==, 2);

  first = g_list_model_get_item (users, 0);
  g_assert_cmpstr (authsim_user_get_user_id (first), ==, "2088000000000001");
  g_assert_cmpstr (authsim_user_get_display_name (first), ==, "Test User");
  g_assert_cmpstr (authsim_user_get_info_value (first, "nick_name"), ==, "tester");
  g_assert_cmpstr (authsim_user_get_info_value (first, "gender"), ==, "F");
  g_assert_null (authsim_user_get_info_value (first, "mobile"));
  g_assert_cmpuint (json_object_get_size (authsim_user_get_info (first)), ==, 2);

  /* "info" is optional. */
  second = g_list_model_get_item (users, 1);
  g_assert_cmpstr (authsim_user_get_display_name (second), ==, "Second User");
  g_assert_cmpuint (json_object_get_size (authsim_user_get_info (second)), ==, 0);
}

/* avatarImage: a path relative to the users file, a file: URI, or a resource as it is. */
static void
test_avatar_image (void)
{
  g_autofree char *dir = g_dir_make_tmp ("authsim-users-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "users.json", NULL);
  g_autofree char *expected = g_build_filename (dir, "faces", "one.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) users = NULL;
  g_autoptr(AuthsimUser) one = NULL;
  g_autoptr(AuthsimUser) two = NULL;
  g_autoptr(AuthsimUser) three = NULL;
  const char *json =
    "{\"users\": ["
    " {\"userId\": \"2088000000000001\", \"displayName\": \"One\", "
    "  \"avatarImage\": \"faces/one.png\"},"
    " {\"userId\": \"2088000000000002\", \"displayName\": \"Two\", "
    "  \"avatarImage\": \"file:///srv/two.png\"},"
    " {\"userId\": \"2088000000000003\", \"displayName\": \"Three\"}]}";

  g_assert_true (g_file_set_contents (path, json, -1, &error));
  users = authsim_users_new_from_file (path, &error);
  g_assert_no_error (error);

  one = g_list_model_get_item (users, 0);
  two = g_list_model_get_item (users, 1);
  three = g_list_model_get_item (users, 2);
  g_assert_cmpstr (authsim_user_get_avatar_image (one), ==, expected);
  g_assert_cmpstr (authsim_user_get_avatar_image (two), ==, "/srv/two.png");
  g_assert_null (authsim_user_get_avatar_image (three));

  authsim_user_set_avatar_image (three, "resource:///x.svg");
  g_assert_cmpstr (authsim_user_get_avatar_image (three), ==, "resource:///x.svg");

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_file_bad (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "users-duplicate.json",
                                                 NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) users = NULL;

  /* The duplicate names both places. */
  users = authsim_users_new_from_file (path, &error);
  g_assert_null (users);
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "users-duplicate.json: $.users[2].userId: duplicate "
                   "userId \"2088000000000001\" (also at $.users[0].userId)");
  g_clear_error (&error);
  g_free (path);

  path = g_test_build_filename (G_TEST_DIST, "data", "no-such-users.json", NULL);
  users = authsim_users_new_from_file (path, &error);
  g_assert_null (users);
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "no-such-users.json"));
}

typedef struct
{
  const char *test_path;
  const char *json;
  const char *message; /* the exact message, for source "users.json" */
} BadCase;

#define ONE "{'userId': '2088000000000001', 'displayName': 'One'}"
#define WITH_USER(user) "{'users': [" user "]}"
#define WITH_INFO(info) WITH_USER ("{'userId': '2088000000000001', 'displayName': 'One', " \
                                   "'info': " info "}")

static const BadCase bad_cases[] = {
  { "/authsim/users/bad/root-array", "[" ONE "]",
    "users.json: $: expected an object, got an array" },
  { "/authsim/users/bad/root-unknown-key", "{'users': [" ONE "], 'user': []}",
    "users.json: $: unknown key \"user\"" },
  { "/authsim/users/bad/users-missing", "{}",
    "users.json: $.users: required, but missing" },
  { "/authsim/users/bad/users-object", "{'users': " ONE "}",
    "users.json: $.users: expected an array, got an object" },
  { "/authsim/users/bad/users-empty", "{'users': []}",
    "users.json: $.users: expected at least one user, got an empty array" },
  { "/authsim/users/bad/user-not-object", WITH_USER (ONE ", '2088000000000002'"),
    "users.json: $.users[1]: expected an object, got a string" },
  { "/authsim/users/bad/user-unknown-key",
    WITH_USER ("{'userID': '2088000000000001', 'displayName': 'One'}"),
    "users.json: $.users[0]: unknown key \"userID\" (did you mean \"userId\"?)" },
  { "/authsim/users/bad/user-id-missing", WITH_USER ("{'displayName': 'One'}"),
    "users.json: $.users[0].userId: required, but missing" },
  { "/authsim/users/bad/user-id-number",
    WITH_USER ("{'userId': 2088000000000001, 'displayName': 'One'}"),
    "users.json: $.users[0].userId: expected a string, got a number" },
  { "/authsim/users/bad/user-id-prefix",
    WITH_USER ("{'userId': '2089000000000001', 'displayName': 'One'}"),
    "users.json: $.users[0].userId: expected \"2088\" followed by 12 digits, "
    "got \"2089000000000001\"" },
  { "/authsim/users/bad/user-id-short",
    WITH_USER (ONE ", {'userId': '208800000000002', 'displayName': 'Two'}"),
    "users.json: $.users[1].userId: expected \"2088\" followed by 12 digits, "
    "got \"208800000000002\"" },
  { "/authsim/users/bad/user-id-letters",
    WITH_USER ("{'userId': '20880000000000ab', 'displayName': 'One'}"),
    "users.json: $.users[0].userId: expected \"2088\" followed by 12 digits, "
    "got \"20880000000000ab\"" },
  { "/authsim/users/bad/display-name-missing", WITH_USER ("{'userId': '2088000000000001'}"),
    "users.json: $.users[0].displayName: required, but missing" },
  { "/authsim/users/bad/display-name-empty",
    WITH_USER ("{'userId': '2088000000000001', 'displayName': ''}"),
    "users.json: $.users[0].displayName: expected a non-empty string" },
  { "/authsim/users/bad/display-name-translation",
    WITH_USER ("{'userId': '2088000000000001', 'displayName': {'en': 'One', 'zh_CN': 1}}"),
    "users.json: $.users[0].displayName.zh_CN: expected a string, got a number" },
  { "/authsim/users/bad/info-array", WITH_INFO ("[]"),
    "users.json: $.users[0].info: expected an object, got an array" },
  { "/authsim/users/bad/info-number-value", WITH_INFO ("{'mobile': 13800138000}"),
    "users.json: $.users[0].info.mobile: expected a string, got a number" },
  { "/authsim/users/bad/info-null-value", WITH_INFO ("{'city': null}"),
    "users.json: $.users[0].info.city: expected a string, got null" },
  { "/authsim/users/bad/info-camel-case", WITH_INFO ("{'nickName': 'x'}"),
    "users.json: $.users[0].info: unknown key \"nickName\" (did you mean \"nick_name\"?)" },
  { "/authsim/users/bad/info-unknown-key", WITH_INFO ("{'nickname': 'x'}"),
    "users.json: $.users[0].info: unknown key \"nickname\"" },
  { "/authsim/users/bad/info-gender", WITH_INFO ("{'gender': 'male'}"),
    "users.json: $.users[0].info.gender: expected \"F\" or \"M\", got \"male\"" },
  { "/authsim/users/bad/info-gender-lower", WITH_INFO ("{'gender': 'f'}"),
    "users.json: $.users[0].info.gender: expected \"F\" or \"M\", got \"f\"" },
  { "/authsim/users/bad/avatar-image-number",
    WITH_USER ("{'userId': '2088000000000001', 'displayName': 'One', 'avatarImage': 7}"),
    "users.json: $.users[0].avatarImage: expected a string, got a number" },
  { "/authsim/users/bad/avatar-image-empty",
    WITH_USER ("{'userId': '2088000000000001', 'displayName': 'One', 'avatarImage': ''}"),
    "users.json: $.users[0].avatarImage: expected a non-empty string" },
  { "/authsim/users/bad/avatar-image-uri",
    WITH_USER ("{'userId': '2088000000000001', 'displayName': 'One', "
               "'avatarImage': 'file:a.png'}"),
    "users.json: $.users[0].avatarImage: expected a resource:/// URI, a file: URI or a path, "
    "got \"file:a.png\"" },
  { "/authsim/users/bad/duplicate-id",
    WITH_USER (ONE ", {'userId': '2088000000000001', 'displayName': 'Again'}"),
    "users.json: $.users[1].userId: duplicate userId \"2088000000000001\" "
    "(also at $.users[0].userId)" },
};

static void
test_bad (gconstpointer data)
{
  const BadCase *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) users = load (c->json, NULL, &error);

  g_assert_null (users);
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, c->message);
}

static void
test_bad_syntax (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) users = NULL;

  users = authsim_users_new_from_data ("{\"users\": [\n\n}", -1, "users.json", &error);
  g_assert_null (users);
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID_JSON);
  g_assert_true (g_str_has_prefix (error->message, "users.json:3:"));
}

static void
test_display_name_locale (void)
{
  const char * const zh[] = { "zh_CN", "zh", "C", NULL };
  const char * const fr[] = { "fr", "C", NULL };
  const char *json = WITH_USER ("{'userId': '2088000000000001', "
                                "'displayName': {'zh_CN': '张伟', 'en': 'Zhang Wei'}}");
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) users_zh = load (json, zh, &error);
  g_autoptr(GListModel) users_fr = NULL;
  g_autoptr(AuthsimUser) user = NULL;

  g_assert_no_error (error);
  users_fr = load (json, fr, &error);
  g_assert_no_error (error);

  user = g_list_model_get_item (users_zh, 0);
  g_assert_cmpstr (authsim_user_get_display_name (user), ==, "张伟");
  g_clear_object (&user);
  user = g_list_model_get_item (users_fr, 0);
  g_assert_cmpstr (authsim_user_get_display_name (user), ==, "Zhang Wei");
}

/* ------------------------------------------------------------------------------------------
 * The user object
 * ------------------------------------------------------------------------------------------ */

static void
count_changed (AuthsimUser *user,
               guint       *count)
{
  (*count)++;
}

static void
test_changed (void)
{
  g_autoptr(JsonObject) info = json_object_new ();
  g_autoptr(AuthsimUser) user = NULL;
  guint changed = 0;

  json_object_set_string_member (info, "nick_name", "tester");
  user = authsim_user_new ("2088000000000001", "Tester", info);
  g_signal_connect (user, "changed", G_CALLBACK (count_changed), &changed);

  /* The same value: nothing. */
  authsim_user_set_info_value (user, "nick_name", "tester");
  g_assert_cmpuint (changed, ==, 0);

  authsim_user_set_info_value (user, "nick_name", "renamed");
  g_assert_cmpuint (changed, ==, 1);
  g_assert_cmpstr (authsim_user_get_info_value (user, "nick_name"), ==, "renamed");

  /* A new key. */
  authsim_user_set_info_value (user, "city", "杭州市");
  g_assert_cmpuint (changed, ==, 2);
  g_assert_cmpstr (authsim_user_get_info_value (user, "city"), ==, "杭州市");
  g_assert_cmpstr (json_object_get_string_member (authsim_user_get_info (user), "city"), ==,
                   "杭州市");

  /* NULL removes; removing what is absent changes nothing. */
  authsim_user_set_info_value (user, "city", NULL);
  g_assert_cmpuint (changed, ==, 3);
  g_assert_null (authsim_user_get_info_value (user, "city"));
  g_assert_false (json_object_has_member (authsim_user_get_info (user), "city"));
  authsim_user_set_info_value (user, "city", NULL);
  g_assert_cmpuint (changed, ==, 3);

  /* The user has its own copy of the info it was created with. */
  g_assert_cmpstr (json_object_get_string_member (info, "nick_name"), ==, "tester");
  g_assert_false (json_object_has_member (info, "city"));

  g_signal_handlers_disconnect_by_data (user, &changed);
  g_assert_finalize_object (g_steal_pointer (&user));
}

/* Users loaded from a file are editable too (their info is not the parser's sealed copy). */
static void
test_loaded_user_editable (void)
{
  g_autoptr(GListModel) users = authsim_users_new_default ();
  g_autoptr(AuthsimUser) user = g_list_model_get_item (users, 0);
  guint changed = 0;

  g_signal_connect (user, "changed", G_CALLBACK (count_changed), &changed);
  authsim_user_set_info_value (user, "nick_name", "edited");
  g_assert_cmpuint (changed, ==, 1);
  g_assert_cmpstr (authsim_user_get_info_value (user, "nick_name"), ==, "edited");
  g_signal_handlers_disconnect_by_data (user, &changed);
}

static void
test_properties (void)
{
  g_autoptr(AuthsimUser) user = authsim_user_new ("2088000000000001", "Tester", NULL);
  g_autofree char *user_id = NULL;
  g_autofree char *display_name = NULL;

  g_object_get (user, "user-id", &user_id, "display-name", &display_name, NULL);
  g_assert_cmpstr (user_id, ==, "2088000000000001");
  g_assert_cmpstr (display_name, ==, "Tester");
  g_assert_cmpstr (authsim_user_get_user_id (user), ==, "2088000000000001");
  g_assert_cmpstr (authsim_user_get_display_name (user), ==, "Tester");
  g_assert_nonnull (authsim_user_get_info (user));
  g_assert_cmpuint (json_object_get_size (authsim_user_get_info (user)), ==, 0);
  g_assert_null (authsim_user_get_info_value (user, "nick_name"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/authsim/users/default", test_default);
  g_test_add_func ("/authsim/users/file/good", test_file_good);
  g_test_add_func ("/authsim/users/file/avatar-image", test_avatar_image);
  g_test_add_func ("/authsim/users/file/bad", test_file_bad);

  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    g_test_add_data_func (bad_cases[i].test_path, &bad_cases[i], test_bad);
  g_test_add_func ("/authsim/users/bad/syntax", test_bad_syntax);

  g_test_add_func ("/authsim/users/display-name-locale", test_display_name_locale);
  g_test_add_func ("/authsim/users/changed", test_changed);
  g_test_add_func ("/authsim/users/loaded-user-editable", test_loaded_user_editable);
  g_test_add_func ("/authsim/users/properties", test_properties);

  return g_test_run ();
}
