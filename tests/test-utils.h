/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-utils.h: helpers shared by the engine tests: an engine on an inline profile, waiting on
 * state with a deadline, and comparing JSON parsed, key by key. */
#pragma once

#include <string.h>
#include <sys/random.h>

#include "authsim-engine.h"

#define TEST_DEADLINE_USEC (10 * G_USEC_PER_SEC)

/* The stores of the tests draw from the kernel (the app hands in OpenSSL's CSPRNG). */
static inline gboolean
test_random_bytes (guint8 *buffer,
                   gsize   length)
{
  while (length > 0)
    {
      ssize_t n = getrandom (buffer, length, 0);

      if (n < 0)
        return FALSE;
      buffer += n;
      length -= (gsize) n;
    }
  return TRUE;
}

/* Iterates the default main context until @cond holds; fails the test after the deadline. */
#define test_wait_until(cond)                                                    \
  G_STMT_START {                                                                 \
    gint64 _deadline = g_get_monotonic_time () + TEST_DEADLINE_USEC;             \
    while (!(cond))                                                              \
      {                                                                          \
        if (g_get_monotonic_time () > _deadline)                                 \
          g_error ("timed out waiting for: %s", #cond);                          \
        g_main_context_iteration (NULL, FALSE);                                  \
        if (!(cond))                                                             \
          g_usleep (1000);                                                       \
      }                                                                          \
  } G_STMT_END

/* One GListModel::items-changed, as test_record_change() appends them to a GArray. */
typedef struct
{
  guint position;
  guint removed;
  guint added;
} TestChange;

/* An items-changed handler: connect it with a GArray of TestChange as the data. */
static inline void
test_record_change (GListModel *model,
                    guint       position,
                    guint       removed,
                    guint       added,
                    GArray     *changes)
{
  TestChange change = { position, removed, added };

  g_array_append_val (changes, change);
}

static inline JsonNode *
test_parse (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  if (json == NULL)
    return NULL;
  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static inline char *
test_to_string (JsonNode *node)
{
  return node != NULL ? json_to_string (node, FALSE) : g_strdup ("(absent)");
}

static inline gboolean
test_is_auth_code (const char *code)
{
  if (code == NULL || strlen (code) != 32)
    return FALSE;
  for (const char *p = code; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p))
      return FALSE;
  return TRUE;
}

/*
 * Asserts that @actual equals @expected as JSON values: same type, same members (no more, no
 * fewer), same array order. In @expected, the string "<authCode>" matches any fresh auth code.
 */
static inline void
test_assert_json_equal (JsonNode   *expected,
                        JsonNode   *actual,
                        const char *path)
{
  g_autofree char *e = test_to_string (expected);
  g_autofree char *a = test_to_string (actual);

  if (expected == NULL || actual == NULL)
    {
      if (expected != actual)
        g_error ("%s: expected %s, got %s", path, e, a);
      return;
    }

  if (JSON_NODE_HOLDS_VALUE (expected) && json_node_get_value_type (expected) == G_TYPE_STRING &&
      g_strcmp0 (json_node_get_string (expected), "<authCode>") == 0)
    {
      if (!JSON_NODE_HOLDS_VALUE (actual) ||
          json_node_get_value_type (actual) != G_TYPE_STRING ||
          !test_is_auth_code (json_node_get_string (actual)))
        g_error ("%s: expected an auth code, got %s", path, a);
      return;
    }

  if (json_node_get_node_type (expected) != json_node_get_node_type (actual))
    g_error ("%s: expected %s, got %s", path, e, a);

  switch (json_node_get_node_type (expected))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *eo = json_node_get_object (expected);
        JsonObject *ao = json_node_get_object (actual);
        g_autoptr(GList) members = json_object_get_members (ao);

        for (GList *l = members; l != NULL; l = l->next)
          if (!json_object_has_member (eo, l->data))
            g_error ("%s: unexpected member \"%s\" in %s", path, (char *) l->data, a);

        g_list_free (g_steal_pointer (&members));
        members = json_object_get_members (eo);
        for (GList *l = members; l != NULL; l = l->next)
          {
            g_autofree char *sub = g_strdup_printf ("%s.%s", path, (char *) l->data);

            if (!json_object_has_member (ao, l->data))
              g_error ("%s: missing in %s", sub, a);
            test_assert_json_equal (json_object_get_member (eo, l->data),
                                    json_object_get_member (ao, l->data), sub);
          }
      }
      break;

    case JSON_NODE_ARRAY:
      {
        JsonArray *ea = json_node_get_array (expected);
        JsonArray *aa = json_node_get_array (actual);

        if (json_array_get_length (ea) != json_array_get_length (aa))
          g_error ("%s: expected %s, got %s", path, e, a);
        for (guint i = 0; i < json_array_get_length (ea); i++)
          {
            g_autofree char *sub = g_strdup_printf ("%s[%u]", path, i);

            test_assert_json_equal (json_array_get_element (ea, i),
                                    json_array_get_element (aa, i), sub);
          }
      }
      break;

    case JSON_NODE_VALUE:
      if (json_node_get_value_type (expected) != json_node_get_value_type (actual) ||
          !json_node_equal (expected, actual))
        g_error ("%s: expected %s, got %s", path, e, a);
      break;

    case JSON_NODE_NULL:
    default:
      break;
    }
}

static inline void
test_assert_json_equal_str (const char *expected,
                            JsonNode   *actual,
                            const char *path)
{
  g_autoptr(JsonNode) node = test_parse (expected);

  test_assert_json_equal (node, actual, path);
}

/* The events of @log that belong to @call, in order (transfer container). */
static inline GPtrArray *
test_events_of_call (AuthsimLog *log,
                     guint       call)
{
  GPtrArray *events = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (log)); i++)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (G_LIST_MODEL (log), i);

      if (authsim_event_get_call (event) == call)
        g_ptr_array_add (events, g_steal_pointer (&event));
    }
  return events;
}

/* Counts events of @kind (any call) in @log. */
static inline guint
test_count_kind (AuthsimLog *log,
                 const char *kind)
{
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (log)); i++)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (G_LIST_MODEL (log), i);

      n += g_strcmp0 (authsim_event_get_kind (event), kind) == 0;
    }
  return n;
}

/* A store in memory, drawing from the kernel. */
static inline AuthsimStore *
test_store_new (void)
{
  return authsim_store_new (NULL, test_random_bytes);
}

/*
 * An engine over an inline profile (NULL: the default one) and the default users, on @store
 * and @log: the test keeps them to see what the engine did (the engine hands them out to
 * nobody). Either may be NULL for a fresh one the test does not look at.
 */
static inline AuthsimEngine *
test_engine_new_with (const char   *profile_json,
                      AuthsimStore *store,
                      AuthsimLog   *log)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimProfile) profile = NULL;
  g_autoptr(GListModel) users = authsim_users_new_default ();
  g_autoptr(AuthsimStore) own_store = store == NULL ? test_store_new () : NULL;
  g_autoptr(AuthsimLog) own_log = log == NULL ? authsim_log_new () : NULL;
  AuthsimEngine *engine;

  profile = profile_json != NULL
            ? authsim_profile_new_from_data (profile_json, -1, "test.json", &error)
            : authsim_profile_new_default ();
  g_assert_no_error (error);
  g_assert_nonnull (profile);

  engine = authsim_engine_new (profile, users,
                               store != NULL ? store : own_store,
                               log != NULL ? log : own_log);
  authsim_engine_set_toast_duration (engine, 20);
  return engine;
}

/* The same on a fresh store and log, for a test that looks only at the engine. */
static inline AuthsimEngine *
test_engine_new (const char *profile_json)
{
  return test_engine_new_with (profile_json, NULL, NULL);
}
