/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "authsim-scopes.h"

/* One row per line of SPEC §2.1. @json is the "scopes" member, NULL when absent; @expected is
 * the normalised list, "|"-separated, for AUTHSIM_SCOPES_OK; @reason a substring of the reason
 * otherwise. */
typedef struct
{
  const char          *test_path;
  const char          *json;
  AuthsimScopesResult  result;
  const char          *expected;
  const char          *reason;
} ParseCase;

static const ParseCase parse_cases[] = {
  { "/authsim/scopes/absent", NULL, AUTHSIM_SCOPES_OK, "auth_base", NULL },
  { "/authsim/scopes/null", "null", AUTHSIM_SCOPES_OK, "auth_base", NULL },
  { "/authsim/scopes/string-base", "\"auth_base\"", AUTHSIM_SCOPES_OK, "auth_base", NULL },
  { "/authsim/scopes/string-user", "\"auth_user\"", AUTHSIM_SCOPES_OK, "auth_user", NULL },
  { "/authsim/scopes/string-with-commas", "\"auth_base,auth_user\"",
    AUTHSIM_SCOPES_OK, "auth_base|auth_user", NULL },
  { "/authsim/scopes/string-trimmed", "\" auth_user , auth_base \"",
    AUTHSIM_SCOPES_OK, "auth_user|auth_base", NULL },
  { "/authsim/scopes/string-duplicates", "\"auth_user,auth_user\"",
    AUTHSIM_SCOPES_OK, "auth_user", NULL },
  { "/authsim/scopes/array", "[\"auth_user\",\"order_service\"]",
    AUTHSIM_SCOPES_OK, "auth_user|order_service", NULL },
  { "/authsim/scopes/array-duplicates", "[\"auth_user\",\"auth_user\",\"auth_base\"]",
    AUTHSIM_SCOPES_OK, "auth_user|auth_base", NULL },
  { "/authsim/scopes/array-known-not-entitled", "[\"auth_zhima\",\"auth_campus\"]",
    AUTHSIM_SCOPES_OK, "auth_zhima|auth_campus", NULL },
  { "/authsim/scopes/array-empty", "[]", AUTHSIM_SCOPES_UNKNOWN, NULL, "empty" },
  { "/authsim/scopes/string-empty", "\"\"", AUTHSIM_SCOPES_UNKNOWN, NULL, "empty" },
  { "/authsim/scopes/string-blank", "\"  \"", AUTHSIM_SCOPES_UNKNOWN, NULL, "empty" },
  { "/authsim/scopes/string-unknown", "\"auth_foo\"",
    AUTHSIM_SCOPES_UNKNOWN, NULL, "unknown scope \"auth_foo\"" },
  { "/authsim/scopes/string-unknown-in-list", "\"auth_user,auth_userinfo\"",
    AUTHSIM_SCOPES_UNKNOWN, NULL, "unknown scope \"auth_userinfo\"" },
  { "/authsim/scopes/string-trailing-comma", "\"auth_user,\"",
    AUTHSIM_SCOPES_UNKNOWN, NULL, "empty scope name" },
  { "/authsim/scopes/array-unknown", "[\"auth_user\",\"auth_foo\"]",
    AUTHSIM_SCOPES_UNKNOWN, NULL, "unknown scope \"auth_foo\"" },
  { "/authsim/scopes/array-element-not-split", "[\"auth_user,auth_base\"]",
    AUTHSIM_SCOPES_UNKNOWN, NULL, "unknown scope \"auth_user,auth_base\"" },
  { "/authsim/scopes/array-element-not-trimmed", "[\" auth_user\"]",
    AUTHSIM_SCOPES_UNKNOWN, NULL, "unknown scope \" auth_user\"" },
  { "/authsim/scopes/array-element-empty", "[\"\"]",
    AUTHSIM_SCOPES_UNKNOWN, NULL, "empty scope name" },
  { "/authsim/scopes/case-sensitive", "\"AUTH_USER\"",
    AUTHSIM_SCOPES_UNKNOWN, NULL, "unknown scope \"AUTH_USER\"" },
  { "/authsim/scopes/array-with-number", "[\"auth_user\", 1]",
    AUTHSIM_SCOPES_INVALID_TYPE, NULL, "scopes[1] must be a string, got a number" },
  { "/authsim/scopes/array-type-before-name", "[\"auth_foo\", 1]",
    AUTHSIM_SCOPES_INVALID_TYPE, NULL, "got a number" },
  { "/authsim/scopes/array-with-null", "[null]",
    AUTHSIM_SCOPES_INVALID_TYPE, NULL, "got null" },
  { "/authsim/scopes/nested-array", "[[\"auth_user\"]]",
    AUTHSIM_SCOPES_INVALID_TYPE, NULL, "got an array" },
  { "/authsim/scopes/number", "5", AUTHSIM_SCOPES_INVALID_TYPE, NULL, "got a number" },
  { "/authsim/scopes/double", "1.5", AUTHSIM_SCOPES_INVALID_TYPE, NULL, "got a number" },
  { "/authsim/scopes/boolean", "true", AUTHSIM_SCOPES_INVALID_TYPE, NULL, "got a boolean" },
  { "/authsim/scopes/object", "{}", AUTHSIM_SCOPES_INVALID_TYPE, NULL, "got an object" },
};

static JsonNode *
parse_json (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static void
test_parse (gconstpointer data)
{
  const ParseCase *c = data;
  g_autoptr(JsonNode) node = c->json != NULL ? parse_json (c->json) : NULL;
  g_auto(GStrv) scopes = NULL;
  g_autofree char *reason = NULL;
  AuthsimScopesResult result;

  result = authsim_scopes_parse (node, &scopes, &reason);
  g_assert_cmpint (result, ==, c->result);

  if (c->result == AUTHSIM_SCOPES_OK)
    {
      g_auto(GStrv) expected = g_strsplit (c->expected, "|", -1);

      g_assert_null (reason);
      g_assert_nonnull (scopes);
      g_assert_cmpstrv (scopes, expected);
    }
  else
    {
      g_assert_null (scopes);
      g_assert_nonnull (reason);
      if (strstr (reason, c->reason) == NULL)
        g_error ("reason \"%s\" lacks \"%s\"", reason, c->reason);
    }
}

/* Both out arguments may be NULL; the result is the same. */
static void
test_parse_null_outs (void)
{
  g_autoptr(JsonNode) ok = parse_json ("\"auth_user\"");
  g_autoptr(JsonNode) unknown = parse_json ("\"auth_foo\"");
  g_autoptr(JsonNode) invalid = parse_json ("5");

  g_assert_cmpint (authsim_scopes_parse (NULL, NULL, NULL), ==, AUTHSIM_SCOPES_OK);
  g_assert_cmpint (authsim_scopes_parse (ok, NULL, NULL), ==, AUTHSIM_SCOPES_OK);
  g_assert_cmpint (authsim_scopes_parse (unknown, NULL, NULL), ==, AUTHSIM_SCOPES_UNKNOWN);
  g_assert_cmpint (authsim_scopes_parse (invalid, NULL, NULL), ==,
                   AUTHSIM_SCOPES_INVALID_TYPE);
}

static void
test_known (void)
{
  const char * const expected[] = {
    "auth_base", "auth_user", "auth_zhima", "order_service",
    "auth_ecard", "auth_invoice_info", "auth_life_msg", "auth_campus", NULL
  };
  const char * const *known = authsim_scopes_known ();

  g_assert_cmpstrv (known, expected);

  for (guint i = 0; expected[i] != NULL; i++)
    g_assert_true (authsim_scope_is_known (expected[i]));

  g_assert_false (authsim_scope_is_known (NULL));
  g_assert_false (authsim_scope_is_known (""));
  g_assert_false (authsim_scope_is_known ("auth_userinfo"));
  g_assert_false (authsim_scope_is_known ("Auth_base"));
}

static void
test_silent (void)
{
  const char * const *known = authsim_scopes_known ();

  /* auth_base, and only auth_base, never needs consent. */
  for (guint i = 0; known[i] != NULL; i++)
    g_assert_cmpint (authsim_scope_is_silent (known[i]), ==,
                     g_str_equal (known[i], "auth_base"));

  g_assert_false (authsim_scope_is_silent (NULL));
  g_assert_false (authsim_scope_is_silent ("auth_foo"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (parse_cases); i++)
    g_test_add_data_func (parse_cases[i].test_path, &parse_cases[i], test_parse);

  g_test_add_func ("/authsim/scopes/null-out-arguments", test_parse_null_outs);
  g_test_add_func ("/authsim/scopes/known", test_known);
  g_test_add_func ("/authsim/scopes/silent", test_silent);

  return g_test_run ();
}
