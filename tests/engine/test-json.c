/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The JSON text helpers of authsim-json.h: the strict scanner and what walks checked text,
 * and the node writer the log uses (always valid JSON). */
#include "config.h"

#include <math.h>
#include <string.h>

#include "authsim-json.h"
#include "authsim-types.h"

static char *
minify (const char *text)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (authsim_json_scan (text, strlen (text), "t", out, &error));
  g_assert_no_error (error);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
test_scan_valid (void)
{
  static const struct { const char *text, *minified; } cases[] = {
    { "  { \"a\" : [ 1 , 2.5e-3 , -0 , true , false , null ] }\n",
      "{\"a\":[1,2.5e-3,-0,true,false,null]}" },
    /* Numbers no double or int64 holds: kept as written. */
    { "{\"scopes\": 1e400}", "{\"scopes\":1e400}" },
    { "[123456789012345678901234567890, -1E+400, 1e-400]",
      "[123456789012345678901234567890,-1E+400,1e-400]" },
    /* Strings byte for byte: escapes as written, UTF-8, a surrogate pair. */
    { "\"x\\u00e9\\/\\ud83d\\ude00 用户\"", "\"x\\u00e9\\/\\ud83d\\ude00 用户\"" },
    { "\"a b\"", "\"a b\"" },
    { "{}", "{}" },
    { "[ ]", "[]" },
    { "0", "0" },
    { "\"\\u0000\"", "\"\\u0000\"" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = minify (cases[i].text);

      g_assert_cmpstr (out, ==, cases[i].minified);
      g_assert_true (authsim_json_is_valid (cases[i].text, strlen (cases[i].text)));
    }
}

static void
test_scan_invalid (void)
{
  /* What json-glib takes and JSON.parse does not, and plain mistakes; each with where the
   * scanner stops (line:column). */
  static const struct { const char *text, *where; } cases[] = {
    { "{'a': 1}", "t:1:2:" },
    { "01", "t:1:2:" },
    { "1.", "t:1:3:" },
    { ".5", "t:1:1:" },
    { "+1", "t:1:1:" },
    { "[1,]", "t:1:4:" },
    { "{\"a\":1,}", "t:1:8:" },
    { "\"tab\there\"", "t:1:5:" },
    { "\"\\ud800\"", "t:1:8:" },
    { "\"\\udc00\"", "t:1:8:" },
    { "\"\\ud800\\u0041\"", "t:1:14:" },
    { "\"\\x41\"", "t:1:3:" },
    { "NaN", "t:1:1:" },
    { "Infinity", "t:1:1:" },
    { "-Infinity", "t:1:2:" },
    { "tru", "t:1:1:" },
    { "{\"a\" 1}", "t:1:6:" },
    { "[1 2]", "t:1:4:" },
    { "{}\n x", "t:2:2:" },
    { "", "t:1:1:" },
    { "   ", "t:1:4:" },
    { "\"\xff\"", "t:1:2:" },
    { "\"unterminated", "t:1:14:" },
    { "{\"a\":1", "t:1:7:" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *escaped = g_strescape (cases[i].text, NULL);

      g_test_message ("%s", escaped);
      g_assert_false (authsim_json_scan (cases[i].text, strlen (cases[i].text), "t", NULL,
                                         &error));
      g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID_JSON);
      g_test_message ("  %s", error->message);
      g_assert_true (g_str_has_prefix (error->message, cases[i].where));
      g_assert_false (authsim_json_is_valid (cases[i].text, strlen (cases[i].text)));
    }

  /* A NUL inside is not JSON either (the length says where the text ends). */
  g_assert_false (authsim_json_is_valid ("\"a\0b\"", 5));
}

static void
test_scan_depth (void)
{
  g_autoptr(GString) ok = g_string_new (NULL);
  g_autoptr(GString) deep = g_string_new (NULL);

  for (guint i = 0; i < AUTHSIM_JSON_MAX_DEPTH; i++)
    g_string_append_c (ok, '[');
  for (guint i = 0; i < AUTHSIM_JSON_MAX_DEPTH; i++)
    g_string_append_c (ok, ']');
  g_assert_true (authsim_json_is_valid (ok->str, ok->len));

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  g_assert_false (authsim_json_is_valid (deep->str, deep->len));
}

/* Strict text to a node: json-glib's node (1e400 becomes a double, as in JavaScript), and the
 * text as written beside it. */
static void
test_parse_text (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *minified = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonNode *scopes;

  node = authsim_json_parse_text ("{ \"scopes\" : 1e400 }", -1, "params", &minified, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (minified, ==, "{\"scopes\":1e400}");
  scopes = json_object_get_member (json_node_get_object (node), "scopes");
  g_assert_true (JSON_NODE_HOLDS_VALUE (scopes));
  g_assert_cmpint (json_node_get_value_type (scopes), ==, G_TYPE_DOUBLE);

  g_clear_pointer (&node, json_node_unref);
  node = authsim_json_parse_text ("{\n  \"scopes\":\n    ]\n}", -1, "params", NULL, &error);
  g_assert_null (node);
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID_JSON);
  g_assert_true (g_str_has_prefix (error->message, "params:3:5: "));
}

static void
assert_member (const char *object,
               const char *name,
               const char *expected)
{
  const char *value = NULL;
  gsize length = 0;
  gboolean found = authsim_json_find_member (object, strlen (object), name, &value, &length);

  if (expected == NULL)
    {
      g_assert_false (found);
      return;
    }
  g_assert_true (found);
  g_assert_cmpmem (value, length, expected, strlen (expected));
}

static void
test_find_member (void)
{
  const char *object = "{\"a\":{\"b\":[1,{\"c\":2}]},\"payload\":{\"x\":\"}\\\",\"},"
                       "\"n\":1e400,\"a\":3,\"t\":true}";

  assert_member (object, "payload", "{\"x\":\"}\\\",\"}");
  assert_member (object, "n", "1e400");
  assert_member (object, "a", "3");  /* the last of repeated members, as json-glib */
  assert_member (object, "t", "true");
  assert_member (object, "c", NULL);  /* not a member of the object itself */
  assert_member (object, "missing", NULL);
  assert_member ("{ \"a\" : [ 1, 2 ] , \"b\" : \"x\" }", "a", "[ 1, 2 ]");
  assert_member ("{ \"a\" : [ 1, 2 ] , \"b\" : \"x\" }", "b", "\"x\"");
  assert_member ("[1]", "a", NULL);
  assert_member ("{}", "a", NULL);
}

static void
test_dup_at_path (void)
{
  const char *doc = "{\"steps\": [ {\"call\": {\"scopes\": 1e400}},\n"
                    "             {\"call\": [1, 2], \"trigger\": \"tap\"} ]}";
  static const struct { const char *path, *expected; } cases[] = {
    { "$.steps[0].call", "{\"scopes\":1e400}" },
    { "$.steps[1].call", "[1,2]" },
    { "$.steps[1].trigger", "\"tap\"" },
    { "$.steps[0]", "{\"call\":{\"scopes\":1e400}}" },
    { "$.steps[2].call", NULL },
    { "$.nope", NULL },
    { "steps", NULL },
    { "$.steps[x]", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *value = authsim_json_dup_at_path (doc, strlen (doc), cases[i].path);

      g_assert_cmpstr (value, ==, cases[i].expected);
    }

  /* Not strict JSON: nothing (the caller falls back to the node). */
  g_assert_null (authsim_json_dup_at_path ("{'a': 1}", 8, "$.a"));
}

static char *
write_node (JsonNode *node)
{
  g_autoptr(GString) out = g_string_new (NULL);

  authsim_json_append_node (out, node);
  g_assert_true (authsim_json_is_valid (out->str, out->len));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
write_double (double value)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);

  json_node_set_double (node, value);
  return write_node (node);
}

static void
test_append_node (void)
{
  static const char * const same_as_json_glib[] = {
    "{\"a\":[1,-2,true,false,null,\"x\\\"y\\\\z\\n\\t\"],\"b\":{\"c\":0.5,\"d\":1.0},"
    "\"e\":\"用户取消授权\",\"f\":{},\"g\":[]}",
    "[0.10000000000000001,-0.0,123456789.0,9.9999999999999995e-08]",
    "\"\\u0001\"",
  };
  static const struct { double value; const char *text; } doubles[] = {
    { 1e30, "1e+30" },        /* json-glib: 1e+30.0 */
    { -1e21, "-1e+21" },
    { 0.25, "0.25" },
    { 2.0, "2.0" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (same_as_json_glib); i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autofree char *ours = NULL;
      g_autofree char *theirs = NULL;

      g_assert_true (json_parser_load_from_data (parser, same_as_json_glib[i], -1, NULL));
      ours = write_node (json_parser_get_root (parser));
      theirs = json_to_string (json_parser_get_root (parser), FALSE);
      g_assert_cmpstr (ours, ==, theirs);
    }

  for (guint i = 0; i < G_N_ELEMENTS (doubles); i++)
    {
      g_autofree char *text = write_double (doubles[i].value);

      g_assert_cmpstr (text, ==, doubles[i].text);
    }

  /* What JSON has no number for: null, as JavaScript's JSON.stringify writes it. */
  {
    g_autofree char *inf = write_double (INFINITY);
    g_autofree char *minus_inf = write_double (-INFINITY);
    g_autofree char *nan = write_double (NAN);

    g_assert_cmpstr (inf, ==, "null");
    g_assert_cmpstr (minus_inf, ==, "null");
    g_assert_cmpstr (nan, ==, "null");
  }

  /* Invalid UTF-8 in a string node is repaired, not copied. */
  {
    g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);
    g_autofree char *text = NULL;

    json_node_set_string (node, "a\xff" "b");
    text = write_node (node);
    g_assert_cmpstr (text, ==, "\"a\xef\xbf\xbd" "b\"");
  }
}

static void
test_pretty (void)
{
  const char *json = "{\"a\":[1,{},[]],\"b\":\"x:y,{z}\",\"n\":1e400,\"o\":{\"p\":null}}";
  g_autoptr(GString) pretty = g_string_new (NULL);
  g_autoptr(GString) again = g_string_new (NULL);

  authsim_json_append_pretty (pretty, json, strlen (json));
  g_assert_nonnull (strchr (pretty->str, '\n'));
  g_assert_nonnull (strstr (pretty->str, "\n  \"b\" : \"x:y,{z}\""));
  g_assert_nonnull (strstr (pretty->str, "1e400"));
  /* The same value: minified, it is the original. */
  g_assert_true (authsim_json_scan (pretty->str, pretty->len, "pretty", again, NULL));
  g_assert_cmpstr (again->str, ==, json);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/authsim/json/scan-valid", test_scan_valid);
  g_test_add_func ("/authsim/json/scan-invalid", test_scan_invalid);
  g_test_add_func ("/authsim/json/scan-depth", test_scan_depth);
  g_test_add_func ("/authsim/json/parse-text", test_parse_text);
  g_test_add_func ("/authsim/json/find-member", test_find_member);
  g_test_add_func ("/authsim/json/dup-at-path", test_dup_at_path);
  g_test_add_func ("/authsim/json/append-node", test_append_node);
  g_test_add_func ("/authsim/json/pretty", test_pretty);

  return g_test_run ();
}
