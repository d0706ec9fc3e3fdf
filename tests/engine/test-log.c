/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "authsim-enums.h"
#include "authsim-json.h"
#include "authsim-log-filter.h"
#include "authsim-log-model.h"
#include "authsim-request.h"
#include "authsim-types.h"
#include "test-utils.h"

/* Helpers ----------------------------------------------------------------------------------- */

typedef gboolean (*Condition) (gpointer data);

static gboolean
wake_up_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the default main context until @condition holds; fails after 30 s. */
static void
wait_until (Condition condition,
            gpointer  data)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
  guint wake_up = g_timeout_add (10, wake_up_cb, NULL);

  while (!condition (data))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }

  g_source_remove (wake_up);
}

static char *
make_log_path (const char *name)
{
  return g_build_filename (g_get_user_data_dir (), "authsim-test", name, NULL);
}

static AuthsimLog *
new_log_with_file (char **out_path)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autofree char *path = make_log_path ("log.jsonl");
  g_autoptr(GError) error = NULL;

  g_assert_true (authsim_log_set_file (log, path, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (authsim_log_get_file (log), ==, path);

  if (out_path != NULL)
    *out_path = g_steal_pointer (&path);
  return g_steal_pointer (&log);
}

/* The lines of a JSON Lines file; every line but the last must end with a newline. (Split
 * with memchr: under AddressSanitizer, g_strsplit is quadratic, its strstr checking the whole
 * rest of the text at every line.) */
static GStrv
read_lines (const char *path)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lines = g_ptr_array_new ();
  gsize length;

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);

  if (length > 0)
    g_assert_true (contents[length - 1] == '\n');
  for (const char *p = contents, *newline;
       (newline = memchr (p, '\n', contents + length - p)) != NULL;
       p = newline + 1)
    g_ptr_array_add (lines, g_strndup (p, newline - p));
  g_ptr_array_add (lines, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&lines), FALSE);
}

static JsonObject *
parse_object (const char *line)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  g_assert_true (json_parser_load_from_data (parser, line, -1, &error));
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_nonnull (root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

/* Asserts the members of @object are exactly @expected, in that order. */
static void
assert_members (JsonObject         *object,
                const char * const *expected)
{
  g_autoptr(GList) members = json_object_get_members (object);
  guint i = 0;

  for (const GList *l = members; l != NULL; l = l->next, i++)
    {
      g_assert_nonnull (expected[i]);
      g_assert_cmpstr (l->data, ==, expected[i]);
    }
  g_assert_null (expected[i]);
}

static AuthsimEvent *
get_event (AuthsimLog *log,
           guint       position)
{
  AuthsimEvent *event = g_list_model_get_item (G_LIST_MODEL (log), position);

  g_assert_nonnull (event);
  /* The log keeps its own reference. */
  g_object_unref (event);
  return event;
}

static JsonObject *
fields_new (const char *first_name,
            ...)
{
  JsonObject *fields = json_object_new ();
  va_list args;

  va_start (args, first_name);
  for (const char *name = first_name; name != NULL; name = va_arg (args, const char *))
    json_object_set_string_member (fields, name, va_arg (args, const char *));
  va_end (args);

  return fields;
}

/* Tests ------------------------------------------------------------------------------------- */

static void
test_log_seq_and_header (void)
{
  g_autofree char *path = NULL;
  g_autoptr(AuthsimLog) log = new_log_with_file (&path);
  g_auto(GStrv) lines = NULL;
  const char * const header[] = { "seq", "time", "call", "kind", "message", NULL };

  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (log)) == AUTHSIM_TYPE_EVENT);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, 0);

  for (guint i = 0; i < 20; i++)
    {
      guint64 seq = authsim_log_append (log, i % 3, "toast", fields_new ("message", "m", NULL));
      g_assert_cmpuint (seq, ==, i + 1);
    }

  lines = read_lines (path);
  g_assert_cmpuint (g_strv_length (lines), ==, 20);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, 20);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonObject) object = parse_object (lines[i]);
      AuthsimEvent *event = get_event (log, i);

      assert_members (object, header);
      g_assert_cmpint (json_object_get_int_member (object, "seq"), ==, i + 1);
      g_assert_cmpstr (json_object_get_string_member (object, "kind"), ==, "toast");

      /* The model item holds the same line, and its getters agree with it. */
      g_assert_cmpstr (authsim_event_get_json (event), ==, lines[i]);
      g_assert_cmpuint (authsim_event_get_seq (event), ==, i + 1);
      g_assert_cmpuint (authsim_event_get_call (event), ==, i % 3);
      g_assert_cmpstr (authsim_event_get_kind (event), ==, "toast");
      g_assert_cmpstr (authsim_event_get_time (event), ==,
                       json_object_get_string_member (object, "time"));
      g_assert_true (json_object_equal (authsim_event_get_object (event), object));
    }
}

static void
test_log_fields_order (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(JsonObject) parsed = NULL;
  JsonObject *fields = json_object_new ();
  JsonObject *payload = json_object_new ();
  JsonArray *scopes = json_array_new ();
  AuthsimEvent *event;
  const char * const expected[] = {
    "seq", "time", "call", "kind", "zeta", "alpha", "payload", "scopes", "mid", "none",
    "flag", "ratio", NULL
  };
  const char * const payload_expected[] = { "z", "a", NULL };
  JsonObject *got_payload;

  /* Deliberately not alphabetical, with nested values and names the header owns. */
  json_object_set_string_member (fields, "zeta", "last-letter");
  json_object_set_string_member (fields, "alpha", "first-letter");
  json_object_set_int_member (payload, "z", 1);
  json_object_set_string_member (payload, "a", "用户取消授权");
  json_object_set_object_member (fields, "payload", payload);
  json_array_add_string_element (scopes, "auth_user");
  json_array_add_string_element (scopes, "auth_base");
  json_object_set_array_member (fields, "scopes", scopes);
  json_object_set_int_member (fields, "mid", 42);
  json_object_set_int_member (fields, "seq", 999);
  json_object_set_string_member (fields, "kind", "not-the-kind");
  json_object_set_int_member (fields, "call", 77);
  json_object_set_null_member (fields, "none");
  json_object_set_boolean_member (fields, "flag", TRUE);
  json_object_set_double_member (fields, "ratio", 0.5);

  authsim_log_append (log, 5, "callback", fields);

  event = get_event (log, 0);
  parsed = parse_object (authsim_event_get_json (event));
  assert_members (parsed, expected);
  assert_members (authsim_event_get_object (event), expected);

  /* The header wins over members of @fields with the same names. */
  g_assert_cmpint (json_object_get_int_member (parsed, "seq"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (parsed, "call"), ==, 5);
  g_assert_cmpstr (json_object_get_string_member (parsed, "kind"), ==, "callback");

  g_assert_cmpstr (json_object_get_string_member (parsed, "zeta"), ==, "last-letter");
  g_assert_cmpstr (json_object_get_string_member (parsed, "alpha"), ==, "first-letter");
  g_assert_cmpint (json_object_get_int_member (parsed, "mid"), ==, 42);
  g_assert_true (json_object_get_null_member (parsed, "none"));
  g_assert_true (json_object_get_boolean_member (parsed, "flag"));
  g_assert_cmpfloat (json_object_get_double_member (parsed, "ratio"), ==, 0.5);

  got_payload = json_object_get_object_member (parsed, "payload");
  assert_members (got_payload, payload_expected);
  g_assert_cmpint (json_object_get_int_member (got_payload, "z"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (got_payload, "a"), ==, "用户取消授权");

  scopes = json_object_get_array_member (parsed, "scopes");
  g_assert_cmpuint (json_array_get_length (scopes), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (scopes, 0), ==, "auth_user");
  g_assert_cmpstr (json_array_get_string_element (scopes, 1), ==, "auth_base");

  /* A callback event without a string "callback" member has no callback kind. */
  g_assert_null (authsim_event_get_callback (event));
}

/* Without members named like the header (the usual case) the line is written straight from
 * the fields and the object parsed back on demand: the same members, in the same order. */
static void
test_log_fields_written_directly (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(JsonObject) parsed = NULL;
  JsonObject *fields = json_object_new ();
  JsonObject *payload = json_object_new ();
  AuthsimEvent *event;
  JsonObject *object;
  const char * const expected[] = {
    "seq", "time", "call", "kind", "zeta", "callback", "payload", "none", "flag", "ratio",
    "text", NULL
  };

  json_object_set_string_member (fields, "zeta", "last-letter");
  json_object_set_string_member (fields, "callback", "success");
  json_object_set_int_member (payload, "z", 1);
  json_object_set_string_member (payload, "a", "用户取消授权");
  json_object_set_object_member (fields, "payload", payload);
  json_object_set_null_member (fields, "none");
  json_object_set_boolean_member (fields, "flag", FALSE);
  json_object_set_double_member (fields, "ratio", 0.25);
  json_object_set_string_member (fields, "text", "quote \" backslash \\ newline \n");
  authsim_log_append (log, 0, "callback", fields);
  authsim_log_append (log, 9, "call", NULL);

  event = get_event (log, 0);
  parsed = parse_object (authsim_event_get_json (event));
  assert_members (parsed, expected);
  g_assert_cmpint (json_object_get_int_member (parsed, "seq"), ==, 1);
  g_assert_true (json_object_get_null_member (parsed, "call"));
  g_assert_cmpstr (json_object_get_string_member (parsed, "kind"), ==, "callback");
  g_assert_cmpstr (json_object_get_string_member (parsed, "text"), ==,
                   "quote \" backslash \\ newline \n");
  g_assert_cmpfloat (json_object_get_double_member (parsed, "ratio"), ==, 0.25);
  g_assert_cmpstr (authsim_event_get_callback (event), ==, "success");

  /* The object: equal to the line, parsed once. */
  object = authsim_event_get_object (event);
  g_assert_true (json_object_equal (object, parsed));
  assert_members (object, expected);
  g_assert_true (authsim_event_get_object (event) == object);

  /* No fields at all: the header alone, still an object. */
  event = get_event (log, 1);
  g_assert_cmpuint (json_object_get_size (authsim_event_get_object (event)), ==, 4);
  g_assert_cmpint (json_object_get_int_member (authsim_event_get_object (event), "call"), ==, 9);
}

static void
test_log_callback_property (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autofree char *callback = NULL;
  g_autofree char *kind = NULL;
  g_autofree char *time = NULL;
  g_autofree char *json = NULL;
  g_autoptr(JsonObject) object = NULL;
  guint64 seq = 0;
  guint call = 0;
  AuthsimEvent *event;

  authsim_log_append (log, 3, "callback", fields_new ("callback", "fail", NULL));
  authsim_log_append (log, 3, "toast", fields_new ("callback", "success", NULL));
  authsim_log_append (log, 0, "callback", NULL);

  event = get_event (log, 0);
  g_assert_cmpstr (authsim_event_get_callback (event), ==, "fail");
  g_object_get (event,
                "seq", &seq,
                "call", &call,
                "kind", &kind,
                "time", &time,
                "callback", &callback,
                "json", &json,
                "object", &object,
                NULL);
  g_assert_cmpuint (seq, ==, 1);
  g_assert_cmpuint (call, ==, 3);
  g_assert_cmpstr (kind, ==, "callback");
  g_assert_cmpstr (time, ==, authsim_event_get_time (event));
  g_assert_cmpstr (callback, ==, "fail");
  g_assert_cmpstr (json, ==, authsim_event_get_json (event));
  g_assert_true (object == authsim_event_get_object (event));

  /* Only callback events carry a callback kind. */
  g_assert_null (authsim_event_get_callback (get_event (log, 1)));
  g_assert_null (authsim_event_get_callback (get_event (log, 2)));
  g_assert_cmpuint (json_object_get_size (authsim_event_get_object (get_event (log, 2))), ==, 4);
}

static void
test_log_call_null (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(JsonObject) none = NULL;
  g_autoptr(JsonObject) some = NULL;

  authsim_log_append (log, 0, "lifecycle", fields_new ("event", "onLoad", NULL));
  authsim_log_append (log, 12, "call", NULL);

  none = parse_object (authsim_event_get_json (get_event (log, 0)));
  some = parse_object (authsim_event_get_json (get_event (log, 1)));

  g_assert_true (json_object_has_member (none, "call"));
  g_assert_true (json_object_get_null_member (none, "call"));
  g_assert_cmpuint (authsim_event_get_call (get_event (log, 0)), ==, 0);
  g_assert_false (json_object_get_null_member (some, "call"));
  g_assert_cmpint (json_object_get_int_member (some, "call"), ==, 12);
}

static void
check_time_in_zone (const char *tz,
                    const char *offset)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(GRegex) regex = NULL;
  g_autoptr(GDateTime) parsed = NULL;
  g_autoptr(GDateTime) now = NULL;
  const char *time;

  g_setenv ("TZ", tz, TRUE);

  authsim_log_append (log, 0, "error", NULL);
  time = authsim_event_get_time (get_event (log, 0));
  g_test_message ("TZ=%s: %s", tz, time);

  regex = g_regex_new ("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}"
                       "[+-][0-9]{2}:[0-9]{2}$", 0, 0, NULL);
  g_assert_true (g_regex_match (regex, time, 0, NULL));
  g_assert_true (g_str_has_suffix (time, offset));

  /* It is the current time. */
  parsed = g_date_time_new_from_iso8601 (time, NULL);
  g_assert_nonnull (parsed);
  now = g_date_time_new_now_utc ();
  g_assert_cmpint (ABS (g_date_time_difference (now, parsed)), <, 60 * G_TIME_SPAN_SECOND);
}

static void
test_log_time_format (void)
{
  g_autofree char *saved = g_strdup (g_getenv ("TZ"));

  /* POSIX TZ strings: no tzdata needed; the offset is west of Greenwich. */
  check_time_in_zone ("UTC0", "+00:00");
  check_time_in_zone ("CST-8", "+08:00");
  check_time_in_zone ("NST+3:30", "-03:30");

  if (saved != NULL)
    g_setenv ("TZ", saved, TRUE);
  else
    g_unsetenv ("TZ");
}

typedef struct
{
  const char *path;
  guint       checked;
} FileCheck;

static void
file_before_model_cb (GListModel *model,
                      guint       position,
                      guint       removed,
                      guint       added,
                      gpointer    user_data)
{
  FileCheck *check = user_data;
  g_auto(GStrv) lines = read_lines (check->path);

  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (model, i);

      g_assert_true (g_strv_contains ((const char * const *) lines,
                                      authsim_event_get_json (event)));
      check->checked++;
    }
}

static void
test_log_file_before_model (void)
{
  g_autofree char *path = NULL;
  g_autoptr(AuthsimLog) log = new_log_with_file (&path);
  FileCheck check = { path, 0 };

  g_signal_connect (log, "items-changed", G_CALLBACK (file_before_model_cb), &check);

  for (guint i = 0; i < 5; i++)
    authsim_log_append (log, 1, "popup", fields_new ("event", "open", NULL));

  g_assert_cmpuint (check.checked, ==, 5);
}

typedef struct
{
  guint position;
  guint removed;
  guint added;
  guint count;
} Changes;

static void
record_changes_cb (GListModel *model,
                   guint       position,
                   guint       removed,
                   guint       added,
                   gpointer    user_data)
{
  Changes *changes = user_data;

  changes->position = position;
  changes->removed = removed;
  changes->added = added;
  changes->count++;
}

/* Clear view: an offset into the model over the file; the log (this session) and the file
 * keep everything. */
static void
test_log_clear_view (void)
{
  g_autofree char *path = NULL;
  g_autoptr(AuthsimLog) log = new_log_with_file (&path);
  g_autoptr(AuthsimLogModel) model = authsim_log_model_new (log);
  g_auto(GStrv) lines = NULL;
  Changes changes = { 0 };
  AuthsimEvent *event;

  for (guint i = 0; i < 7; i++)
    authsim_log_append (log, 0, "grant", NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 7);

  g_signal_connect (model, "items-changed", G_CALLBACK (record_changes_cb), &changes);
  authsim_log_model_clear (model);

  g_assert_cmpuint (changes.count, ==, 1);
  g_assert_cmpuint (changes.position, ==, 0);
  g_assert_cmpuint (changes.removed, ==, 7);
  g_assert_cmpuint (changes.added, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (model), 0));
  /* The session's events are still the log's (the scenario runner and recorder see them). */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, 7);

  /* Clearing an empty view announces nothing. */
  authsim_log_model_clear (model);
  g_assert_cmpuint (changes.count, ==, 1);

  lines = read_lines (path);
  g_assert_cmpuint (g_strv_length (lines), ==, 7);

  /* The sequence continues. */
  g_assert_cmpuint (authsim_log_append (log, 0, "grant", NULL), ==, 8);
  g_assert_cmpuint (changes.count, ==, 2);
  g_assert_cmpuint (changes.position, ==, 0);
  g_assert_cmpuint (changes.added, ==, 1);
  event = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_assert_cmpuint (authsim_event_get_seq (event), ==, 8);
  /* The same object as the log's row. */
  g_assert_true (event == get_event (log, 7));
  g_object_unref (event);

  g_clear_pointer (&lines, g_strfreev);
  lines = read_lines (path);
  g_assert_cmpuint (g_strv_length (lines), ==, 8);
  g_signal_handlers_disconnect_by_data (model, &changes);
}

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static gboolean
result_ready (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

static gboolean
export_and_wait (AuthsimLogModel *model,
                 GFile           *file,
                 GCancellable    *cancellable,
                 GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  guint n_events = G_MAXUINT;
  gboolean ok;

  authsim_log_model_export_async (model, file, cancellable, export_done_cb, &result);
  wait_until (result_ready, &result);
  ok = authsim_log_model_export_finish (model, result, &n_events, error);
  if (ok)
    g_assert_cmpuint (n_events, ==, g_list_model_get_n_items (G_LIST_MODEL (model)));
  return ok;
}

static void
assert_export_matches_model (AuthsimLogModel *model,
                             const char      *export_path)
{
  g_auto(GStrv) lines = read_lines (export_path);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (model));

  g_assert_cmpuint (g_strv_length (lines), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(JsonObject) object = parse_object (lines[i]);
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (G_LIST_MODEL (model), i);

      g_assert_cmpstr (lines[i], ==, authsim_event_get_json (event));
      g_assert_true (json_object_equal (object, authsim_event_get_object (event)));
    }
}

static void
test_log_export (void)
{
  g_autoptr(AuthsimLog) log = new_log_with_file (NULL);
  g_autoptr(AuthsimLogModel) model = authsim_log_model_new (log);
  g_autofree char *export_path = make_log_path ("export.jsonl");
  g_autoptr(GFile) file = g_file_new_for_path (export_path);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;

  /* An empty model exports an empty file. */
  g_assert_true (export_and_wait (model, file, NULL, &error));
  g_assert_no_error (error);
  assert_export_matches_model (model, export_path);

  for (guint i = 0; i < 10; i++)
    authsim_log_append (log, i, "decision", fields_new ("decision", "allow",
                                                        "source", "ui", NULL));
  g_assert_true (export_and_wait (model, file, NULL, &error));
  g_assert_no_error (error);
  assert_export_matches_model (model, export_path);

  /* After clearing the view, only what the view shows; the export is replaced. */
  authsim_log_model_clear (model);
  for (guint i = 0; i < 3; i++)
    authsim_log_append (log, 0, "toast", fields_new ("message", "服务正忙，请稍后再试", NULL));
  g_assert_true (export_and_wait (model, file, NULL, &error));
  g_assert_no_error (error);
  assert_export_matches_model (model, export_path);

  lines = read_lines (export_path);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  {
    g_autoptr(JsonObject) first = parse_object (lines[0]);
    g_assert_cmpint (json_object_get_int_member (first, "seq"), ==, 11);
  }

  /* Events appended after export_async() started are not in the export. */
  {
    g_autoptr(GAsyncResult) result = NULL;

    authsim_log_model_export_async (model, file, NULL, export_done_cb, &result);
    authsim_log_append (log, 0, "toast", NULL);
    wait_until (result_ready, &result);
    g_assert_true (authsim_log_model_export_finish (model, result, NULL, &error));
    g_assert_no_error (error);
    g_clear_pointer (&lines, g_strfreev);
    lines = read_lines (export_path);
    g_assert_cmpuint (g_strv_length (lines), ==, 3);
  }
}

static void
test_log_export_errors (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimLogModel) model = authsim_log_model_new (log);
  g_autofree char *blocker = make_log_path ("a-file");
  g_autofree char *bad_path = g_build_filename (blocker, "export.jsonl", NULL);
  g_autofree char *good_path = make_log_path ("cancelled.jsonl");
  g_autoptr(GFile) bad = g_file_new_for_path (bad_path);
  g_autoptr(GFile) good = g_file_new_for_path (good_path);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_autofree char *dir = g_path_get_dirname (blocker);

  authsim_log_append (log, 0, "error", NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (blocker, "not a folder", -1, NULL));

  g_assert_false (export_and_wait (model, bad, NULL, &error));
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO);
  g_assert_nonnull (strstr (error->message, bad_path));
  g_clear_error (&error);

  g_cancellable_cancel (cancellable);
  g_assert_false (export_and_wait (model, good, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_file_test (good_path, G_FILE_TEST_EXISTS));
}

#define EVENTS_PER_THREAD 5000

typedef struct
{
  AuthsimLog *log;
  const char *name;
} Appender;

static gpointer
append_thread (gpointer data)
{
  Appender *appender = data;

  for (guint i = 0; i < EVENTS_PER_THREAD; i++)
    {
      JsonObject *fields = json_object_new ();

      json_object_set_string_member (fields, "thread", appender->name);
      json_object_set_int_member (fields, "i", i);
      authsim_log_append (appender->log, i + 1, "gateway", fields);
    }

  return NULL;
}

typedef struct
{
  AuthsimLog *log;
  guint       expected;
} CountCheck;

static gboolean
has_n_items (gpointer data)
{
  CountCheck *check = data;

  return g_list_model_get_n_items (G_LIST_MODEL (check->log)) >= check->expected;
}

typedef struct
{
  guint   next_position;
  guint64 last_seq;
  guint   signals;
} OrderCheck;

static void
order_check_cb (GListModel *model,
                guint       position,
                guint       removed,
                guint       added,
                gpointer    user_data)
{
  OrderCheck *check = user_data;

  /* Only appends, contiguous, each batch in seq order. */
  g_assert_cmpuint (removed, ==, 0);
  g_assert_cmpuint (position, ==, check->next_position);
  g_assert_cmpuint (position + added, ==, g_list_model_get_n_items (model));
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (model, i);

      g_assert_cmpuint (authsim_event_get_seq (event), ==, check->last_seq + 1);
      check->last_seq = authsim_event_get_seq (event);
    }
  check->next_position = position + added;
  check->signals++;
}

static void
test_log_threads (void)
{
  g_autofree char *path = NULL;
  g_autoptr(AuthsimLog) log = new_log_with_file (&path);
  g_auto(GStrv) lines = NULL;
  OrderCheck order = { 0 };
  CountCheck count = { log, 2 * EVENTS_PER_THREAD + 100 };
  Appender appenders[2] = { { log, "one" }, { log, "two" } };
  gint64 next_i[2] = { 0, 0 };
  guint64 main_events = 0;
  GThread *threads[2];

  g_signal_connect (log, "items-changed", G_CALLBACK (order_check_cb), &order);

  threads[0] = g_thread_new ("append-1", append_thread, &appenders[0]);
  threads[1] = g_thread_new ("append-2", append_thread, &appenders[1]);

  /* The owner thread appends too, while the others run. */
  for (guint i = 0; i < 100; i++)
    {
      authsim_log_append (log, 0, "lifecycle", fields_new ("event", "onShow", NULL));
      g_main_context_iteration (NULL, FALSE);
    }

  g_thread_join (threads[0]);
  g_thread_join (threads[1]);
  wait_until (has_n_items, &count);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, count.expected);
  g_assert_cmpuint (order.last_seq, ==, count.expected);
  for (guint i = 0; i < count.expected; i++)
    g_assert_cmpuint (authsim_event_get_seq (get_event (log, i)), ==, i + 1);

  /* The file: every line valid, in seq order, each thread's events in its own order. */
  lines = read_lines (path);
  g_assert_cmpuint (g_strv_length (lines), ==, count.expected);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonObject) object = parse_object (lines[i]);
      const char *thread;
      guint t;

      g_assert_cmpint (json_object_get_int_member (object, "seq"), ==, i + 1);
      g_assert_cmpstr (lines[i], ==, authsim_event_get_json (get_event (log, i)));

      thread = json_object_get_string_member_with_default (object, "thread", NULL);
      if (thread == NULL)
        {
          g_assert_cmpstr (json_object_get_string_member (object, "kind"), ==, "lifecycle");
          main_events++;
          continue;
        }
      t = g_str_equal (thread, "one") ? 0 : 1;
      g_assert_cmpstr (thread, ==, appenders[t].name);
      g_assert_cmpint (json_object_get_int_member (object, "i"), ==, next_i[t]);
      g_assert_cmpint (json_object_get_int_member (object, "call"), ==, next_i[t] + 1);
      next_i[t]++;
    }
  g_assert_cmpint (next_i[0], ==, EVENTS_PER_THREAD);
  g_assert_cmpint (next_i[1], ==, EVENTS_PER_THREAD);
  g_assert_cmpuint (main_events, ==, 100);
  g_test_message ("%u items-changed signals for %u events", order.signals, count.expected);
}

static void
test_log_nested_dir (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autofree char *path = g_build_filename (g_get_user_state_dir (), "deep", "er", "authsim",
                                            "log.jsonl", NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  GStatBuf st;

  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_assert_true (authsim_log_set_file (log, path, &error));
  g_assert_no_error (error);

  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  authsim_log_append (log, 0, "call", NULL);
  lines = read_lines (path);
  g_assert_cmpuint (g_strv_length (lines), ==, 1);
}

static void
test_log_set_file_errors (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autofree char *good = make_log_path ("good.jsonl");
  g_autofree char *blocker = make_log_path ("plain-file");
  g_autofree char *below_file = g_build_filename (blocker, "log.jsonl", NULL);
  g_autofree char *deeper = g_build_filename (blocker, "sub", "log.jsonl", NULL);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_true (authsim_log_set_file (log, good, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (blocker, "x", -1, NULL));

  /* A path below a regular file cannot be opened, even by root. */
  g_assert_false (authsim_log_set_file (log, below_file, &error));
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO);
  g_assert_nonnull (strstr (error->message, below_file));
  g_clear_error (&error);

  g_assert_false (authsim_log_set_file (log, deeper, &error));
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO);
  g_clear_error (&error);

  /* A directory is not a log file. */
  g_assert_false (authsim_log_set_file (log, g_get_user_data_dir (), &error));
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO);
  g_clear_error (&error);

  /* The previous file stays in use. */
  g_assert_cmpstr (authsim_log_get_file (log), ==, good);
  authsim_log_append (log, 0, "error", NULL);
  lines = read_lines (good);
  g_assert_cmpuint (g_strv_length (lines), ==, 1);
}

static void
test_log_no_file (void)
{
  g_autofree char *path = NULL;
  g_autoptr(AuthsimLog) log = new_log_with_file (&path);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;

  authsim_log_append (log, 0, "call", NULL);
  g_assert_true (authsim_log_set_file (log, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (authsim_log_get_file (log));

  authsim_log_append (log, 0, "call", NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, 2);
  lines = read_lines (path);
  g_assert_cmpuint (g_strv_length (lines), ==, 1);

  /* Reopening appends after what is there. */
  g_assert_true (authsim_log_set_file (log, path, &error));
  g_assert_no_error (error);
  authsim_log_append (log, 0, "call", NULL);
  g_clear_pointer (&lines, g_strfreev);
  lines = read_lines (path);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  {
    g_autoptr(JsonObject) last = parse_object (lines[1]);
    g_assert_cmpint (json_object_get_int_member (last, "seq"), ==, 3);
  }
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_log_write_error (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autofree char *good = make_log_path ("after-full.jsonl");
  guint notified = 0;

  if (!g_file_test ("/dev/full", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no /dev/full");
      return;
    }

  g_signal_connect (log, "notify::write-error", G_CALLBACK (count_notify_cb), &notified);

  /* /dev/full: every write fails with ENOSPC, as on a full disk. */
  g_assert_true (authsim_log_set_file (log, "/dev/full", &error));
  g_assert_no_error (error);

  authsim_log_append (log, 0, "call", NULL);
  authsim_log_append (log, 0, "call", NULL);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, 2);
  g_object_get (log, "write-error", &message, NULL);
  g_assert_nonnull (message);
  g_assert_nonnull (strstr (message, "/dev/full"));
  /* Notified on change only. */
  g_assert_cmpuint (notified, ==, 1);

  /* A new file clears it. */
  g_assert_true (authsim_log_set_file (log, good, &error));
  g_assert_no_error (error);
  g_clear_pointer (&message, g_free);
  g_object_get (log, "write-error", &message, NULL);
  g_assert_null (message);
  g_assert_cmpuint (notified, ==, 2);
}

/* AddressSanitizer unwinds the stack on every malloc (fast_unwind_on_malloc=0): there, a
 * smaller count still catches quadratic behaviour without approaching the test timeout. */
#if defined(__SANITIZE_ADDRESS__)
# define MANY_EVENTS 20000
#else
# define MANY_EVENTS 100000
#endif

static void
test_log_many (void)
{
  g_autofree char *path = NULL;
  g_autoptr(AuthsimLog) log = new_log_with_file (&path);
  g_autoptr(AuthsimLogModel) model = authsim_log_model_new (log);
  gint64 start = g_get_monotonic_time ();
  GStatBuf st;
  guint n_kept;

  for (guint i = 0; i < MANY_EVENTS; i++)
    {
      JsonObject *fields = json_object_new ();

      json_object_set_string_member (fields, "callback", "complete");
      json_object_set_int_member (fields, "i", i);
      authsim_log_append (log, i, "callback", fields);
    }

  /* The model holds every event (read back from the file when asked), as the file does. */
  n_kept = g_list_model_get_n_items (G_LIST_MODEL (log));
  g_assert_cmpuint (n_kept, ==, MANY_EVENTS);
  g_assert_cmpuint (authsim_event_get_seq (get_event (log, 0)), ==, 1);
  g_assert_cmpuint (authsim_event_get_seq (get_event (log, n_kept / 2)), ==, n_kept / 2 + 1);
  g_assert_cmpuint (authsim_event_get_seq (get_event (log, n_kept - 1)), ==, MANY_EVENTS);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, MANY_EVENTS * 50);
  g_test_message ("%d appends in %.2f s", MANY_EVENTS,
                  (g_get_monotonic_time () - start) / (double) G_TIME_SPAN_SECOND);

  start = g_get_monotonic_time ();
  authsim_log_model_clear (model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
  g_test_message ("clear_view in %.3f s",
                  (g_get_monotonic_time () - start) / (double) G_TIME_SPAN_SECOND);
}

typedef struct
{
  AuthsimLog *log;
  gboolean    in_handler;
  guint       appended;
} Reentry;

static void
reentrant_cb (GListModel *model,
              guint       position,
              guint       removed,
              guint       added,
              gpointer    user_data)
{
  Reentry *reentry = user_data;

  /* Never called from within itself. */
  g_assert_false (reentry->in_handler);
  g_assert_cmpuint (position + added, ==, g_list_model_get_n_items (model));

  reentry->in_handler = TRUE;
  if (reentry->appended < 3)
    {
      reentry->appended++;
      authsim_log_append (reentry->log, 0, "error", fields_new ("source", "state", NULL));
      /* The new event is written but waits for the owner context. */
      g_assert_cmpuint (position + added, ==, g_list_model_get_n_items (model));
    }
  reentry->in_handler = FALSE;
}

static void
test_log_reentrant (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  Reentry reentry = { log, FALSE, 0 };
  CountCheck count = { log, 4 };

  g_signal_connect (log, "items-changed", G_CALLBACK (reentrant_cb), &reentry);
  authsim_log_append (log, 0, "call", NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, 1);

  wait_until (has_n_items, &count);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, 4);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (authsim_event_get_seq (get_event (log, i)), ==, i + 1);
}

static gpointer
append_one_thread (gpointer data)
{
  authsim_log_append (data, 0, "gateway", fields_new ("event", "request", NULL));
  return NULL;
}

static void
test_log_finalize_pending (void)
{
  AuthsimLog *log = authsim_log_new ();
  GThread *thread = g_thread_new ("append", append_one_thread, log);

  g_thread_join (thread);
  /* A drain is scheduled but never ran: the log must still go away cleanly. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, 0);
  g_assert_finalize_object (log);

  /* And the main context must not touch it afterwards. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Events from another thread are gathered: a burst of them reaches the model in one
 * items-changed (not one per event), and authsim_log_flush() shows them at once. */
static gpointer
append_burst_thread (gpointer data)
{
  for (guint i = 0; i < 50; i++)
    authsim_log_append (data, 0, "gateway", fields_new ("event", "request", NULL));
  return NULL;
}

static void
count_items_changed (GListModel *model,
                     guint       position,
                     guint       removed,
                     guint       added,
                     guint      *signals)
{
  (*signals)++;
}

static void
test_log_flush_other_threads (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  guint signals = 0;
  GThread *thread;

  g_signal_connect (log, "items-changed", G_CALLBACK (count_items_changed), &signals);
  thread = g_thread_new ("append", append_burst_thread, log);
  g_thread_join (thread);
  /* Nothing reached the model from the other thread by itself… */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, 0);
  /* …flush shows all fifty, in order, in one signal. */
  authsim_log_flush (log);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, 50);
  g_assert_cmpuint (signals, ==, 1);
  for (guint i = 0; i < 50; i++)
    g_assert_cmpuint (authsim_event_get_seq (get_event (log, i)), ==, i + 1);

  /* Without a flush they arrive too, from the main loop. */
  thread = g_thread_new ("append", append_burst_thread, log);
  g_thread_join (thread);
  wait_until (has_n_items, &(CountCheck) { .log = log, .expected = 100 });
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, 100);
  g_assert_cmpuint (authsim_event_get_seq (get_event (log, 99)), ==, 100);
}

static void
test_log_finalize (void)
{
  AuthsimLog *log = new_log_with_file (NULL);
  AuthsimEvent *event;

  authsim_log_append (log, 1, "call", NULL);
  event = g_list_model_get_item (G_LIST_MODEL (log), 0);
  g_assert_finalize_object (log);
  /* Events outlive the log that made them. */
  g_assert_cmpuint (authsim_event_get_seq (event), ==, 1);
  g_assert_finalize_object (event);
}

/* The file: mode, seq across launches, torn and bad lines ------------------------------------ */

static void
write_file (const char *path,
            const char *contents,
            gssize      length)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, contents, length, &error));
  g_assert_no_error (error);
}

/* Every line of @path (all ending with a newline) is strict JSON. */
static void
assert_all_lines_valid (const char *path)
{
  g_auto(GStrv) lines = read_lines (path);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_test_message ("line %u: %s", i + 1, lines[i]);
      g_assert_true (authsim_json_is_valid (lines[i], strlen (lines[i])));
    }
}

static guint
file_mode (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 0777;
}

/* SPEC §8: the log holds live codes, so it is created 0600 whatever the umask; a file that is
 * already there keeps its mode (the user's choice: a shared file, a device, a pipe). */
static void
test_log_file_mode (void)
{
  g_autofree char *path = make_log_path ("mode.jsonl");
  g_autofree char *existing = make_log_path ("existing.jsonl");
  mode_t saved = umask (0);

  {
    g_autoptr(AuthsimLog) log = authsim_log_new ();

    g_assert_true (authsim_log_set_file (log, path, NULL));
    authsim_log_append (log, 0, "call", NULL);
    g_assert_cmpuint (file_mode (path), ==, 0600);
  }
  umask (022);
  g_unlink (path);
  {
    g_autoptr(AuthsimLog) log = authsim_log_new ();

    g_assert_true (authsim_log_set_file (log, path, NULL));
    g_assert_cmpuint (file_mode (path), ==, 0600);
  }

  write_file (existing, "", 0);
  g_assert_cmpint (g_chmod (existing, 0644), ==, 0);
  {
    g_autoptr(AuthsimLog) log = authsim_log_new ();

    g_assert_true (authsim_log_set_file (log, existing, NULL));
    authsim_log_append (log, 0, "call", NULL);
    g_assert_cmpuint (file_mode (existing), ==, 0644);
  }
  umask (saved);
}

/* SPEC §8: seq continues from the file's last event when the app starts again. */
static void
test_log_seq_continues (void)
{
  g_autofree char *path = make_log_path ("launches.jsonl");
  g_auto(GStrv) lines = NULL;

  for (guint launch = 0; launch < 3; launch++)
    {
      g_autoptr(AuthsimLog) log = authsim_log_new ();

      g_assert_true (authsim_log_set_file (log, path, NULL));
      for (guint i = 0; i < 4; i++)
        g_assert_cmpuint (authsim_log_append (log, i, "lifecycle", NULL), ==, launch * 4 + i + 1);
      /* The log's own model: this launch's events only. */
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, 4);
      g_assert_cmpuint (authsim_event_get_seq (get_event (log, 0)), ==, launch * 4 + 1);
    }

  lines = read_lines (path);
  g_assert_cmpuint (g_strv_length (lines), ==, 12);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonObject) object = parse_object (lines[i]);

      g_assert_cmpint (json_object_get_int_member (object, "seq"), ==, i + 1);
    }
}

/* Two logs on one file (two launches at once): they take turns, and no seq is written twice. */
static void
test_log_two_writers (void)
{
  g_autofree char *path = make_log_path ("shared.jsonl");
  g_autoptr(AuthsimLog) first = authsim_log_new ();
  g_autoptr(AuthsimLog) second = authsim_log_new ();
  g_auto(GStrv) lines = NULL;

  g_assert_true (authsim_log_set_file (first, path, NULL));
  g_assert_true (authsim_log_set_file (second, path, NULL));
  for (guint i = 0; i < 30; i++)
    {
      authsim_log_append (i % 3 == 0 ? second : first, 0, "gateway", NULL);
      authsim_log_append (i % 2 == 0 ? second : first, 0, "gateway", NULL);
    }

  lines = read_lines (path);
  g_assert_cmpuint (g_strv_length (lines), ==, 60);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonObject) object = parse_object (lines[i]);

      g_assert_cmpint (json_object_get_int_member (object, "seq"), ==, i + 1);
    }
  /* Each log's rows read back its own lines. */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (second)); i++)
    g_assert_true (g_strv_contains ((const char * const *) lines,
                                    authsim_event_get_json (get_event (second, i))));
}

#define OLD_LINE(seq) \
  "{\"seq\":" #seq ",\"time\":\"2026-11-25T20:01:02.123+08:00\",\"call\":null," \
  "\"kind\":\"lifecycle\",\"event\":\"onShow\"}\n"
#define TORN_LINE "{\"seq\":6,\"time\":\"2026-11-25T20:01"

/* A crash in the middle of a line: that line is ignored for seq, and the next event starts on
 * a line of its own, so the file stays JSON Lines (the torn line reads back as an error row). */
static void
test_log_torn_last_line (void)
{
  g_autofree char *path = make_log_path ("torn.jsonl");
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_auto(GStrv) lines = NULL;

  write_file (path, OLD_LINE (5) TORN_LINE, -1);
  g_assert_true (authsim_log_set_file (log, path, NULL));
  g_assert_cmpuint (authsim_log_append (log, 1, "call", NULL), ==, 6);

  lines = read_lines (path);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_cmpstr (lines[1], ==, TORN_LINE);
  {
    g_autoptr(JsonObject) ours = parse_object (lines[2]);

    g_assert_cmpint (json_object_get_int_member (ours, "seq"), ==, 6);
    g_assert_cmpstr (json_object_get_string_member (ours, "kind"), ==, "call");
  }
  g_assert_cmpstr (authsim_event_get_json (get_event (log, 0)), ==, lines[2]);

  /* Torn meanwhile, by another writer: the same. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GFile) file = g_file_new_for_path (path);
    g_autoptr(GFileOutputStream) out = g_file_append_to (file, G_FILE_CREATE_NONE, NULL,
                                                         &error);

    g_assert_no_error (error);
    g_assert_true (g_output_stream_write_all (G_OUTPUT_STREAM (out), "{\"seq\":99", 9, NULL,
                                              NULL, &error));
    g_assert_true (g_output_stream_close (G_OUTPUT_STREAM (out), NULL, &error));
  }
  g_assert_cmpuint (authsim_log_append (log, 1, "popup", NULL), ==, 7);
  g_clear_pointer (&lines, g_strfreev);
  lines = read_lines (path);
  g_assert_cmpuint (g_strv_length (lines), ==, 5);
  g_assert_cmpstr (lines[3], ==, "{\"seq\":99");
  g_assert_cmpstr (authsim_event_get_json (get_event (log, 1)), ==, lines[4]);
}

/* Only a torn line: seq starts at 1. */
static void
test_log_torn_only_line (void)
{
  g_autofree char *path = make_log_path ("torn-only.jsonl");
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_auto(GStrv) lines = NULL;

  write_file (path, TORN_LINE, -1);
  g_assert_true (authsim_log_set_file (log, path, NULL));
  g_assert_cmpuint (authsim_log_append (log, 0, "call", NULL), ==, 1);
  lines = read_lines (path);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  g_assert_cmpstr (lines[0], ==, TORN_LINE);
}

static gboolean
model_indexed (gpointer data)
{
  return !authsim_log_model_get_indexing (data);
}

static gboolean
filter_idle (gpointer data)
{
  return !authsim_log_filter_get_busy (data);
}

static AuthsimEvent *
get_model_row (AuthsimLogModel *model,
               guint            position)
{
  AuthsimEvent *event = g_list_model_get_item (G_LIST_MODEL (model), position);

  g_assert_nonnull (event);
  g_object_unref (event);  /* the model keeps it a while */
  return event;
}

/* Lines that are not events (torn, edited, not JSON) read back as error rows quoting them:
 * nothing aborts, and an export stays JSON Lines. */
static void
test_log_bad_lines (void)
{
  g_autofree char *path = make_log_path ("bad.jsonl");
  g_autofree char *export_path = make_log_path ("bad-export.jsonl");
  g_autoptr(GFile) export_file = g_file_new_for_path (export_path);
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimLogModel) model = NULL;
  g_autoptr(AuthsimLogFilter) filter = NULL;
  g_autoptr(GError) error = NULL;
  const char *contents =
    OLD_LINE (1)
    "not json\n"
    "{\"no\":\"kind\"}\n"
    "[1,2]\n"
    "{\"kind\":\"x\",\"s\":\"\xff\"}\n"
    "\n"
    "{\"seq\":2,\"time\":null,\"call\":3,\"kind\":\"call\",\"params\":{\"scopes\":1e400}}\r\n"
    "{\"seq\":3,\"time\":null,\"call\":7,\"kind\":\"call\",\"params\":{\"x\":tru}}\n"
    "{\"seq\":4,\"kind\":\"call\",\"inf\":inf.0}\n";
  static const char * const kinds[] = {
    "lifecycle", "error", "error", "error", "error", "call", "error", "error"
  };

  write_file (path, contents, -1);
  g_assert_true (authsim_log_set_file (log, path, NULL));
  model = authsim_log_model_new (log);
  filter = authsim_log_filter_new (model);
  wait_until (model_indexed, model);

  /* The empty line is no row. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, G_N_ELEMENTS (kinds));
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      AuthsimEvent *event = get_model_row (model, i);
      const char *json = authsim_event_get_json (event);
      JsonObject *object = authsim_event_get_object (event);

      g_test_message ("row %u: %s", i, json);
      g_assert_cmpstr (authsim_event_get_kind (event), ==, kinds[i]);
      g_assert_true (authsim_json_is_valid (json, strlen (json)));
      if (g_str_equal (kinds[i], "error"))
        {
          g_assert_cmpuint (authsim_event_get_seq (event), ==, 0);
          g_assert_cmpuint (authsim_event_get_call (event), ==, 0);
          g_assert_cmpuint (authsim_log_model_get_call (model, i), ==, 0);
          g_assert_nonnull (strstr (json_object_get_string_member (object, "message"),
                                    "is not a JSON event"));
          g_assert_nonnull (strstr (json_object_get_string_member (object, "message"), path));
          g_assert_true (json_object_has_member (object, "line"));
        }
    }
  g_assert_cmpstr (json_object_get_string_member (authsim_event_get_object (
                     get_model_row (model, 1)), "line"), ==, "not json");
  /* The number as written, in a line that reads back (the CR of CRLF dropped). */
  g_assert_nonnull (strstr (authsim_event_get_json (get_model_row (model, 5)),
                            "{\"scopes\":1e400}}"));
  g_assert_cmpuint (authsim_event_get_call (get_model_row (model, 5)), ==, 3);

  /* A bad line naming a call is not one of its rows. */
  authsim_log_filter_set_call (filter, 7);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (filter)), ==, 0);
  authsim_log_filter_set_call (filter, 3);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (filter)), ==, 1);

  /* The export: JSON Lines, each bad line as its error row. */
  authsim_log_append (log, 0, "lifecycle", NULL);
  g_assert_true (export_and_wait (model, export_file, NULL, &error));
  g_assert_no_error (error);
  assert_all_lines_valid (export_path);
  assert_export_matches_model (model, export_path);
}

/* The log's view of the file: earlier launches' lines first (indexed by a worker, with
 * progress), then this session's events, which are the log's own rows. */
static void
test_log_model_history (void)
{
  g_autofree char *path = make_log_path ("history.jsonl");
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimLogModel) model = NULL;
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (TestChange));
  GArray *calls;

  {
    g_autoptr(AuthsimLog) earlier = authsim_log_new ();

    g_assert_true (authsim_log_set_file (earlier, path, NULL));
    for (guint i = 0; i < 5; i++)
      authsim_log_append (earlier, i + 1, "call", NULL);
  }

  g_assert_true (authsim_log_set_file (log, path, NULL));
  model = authsim_log_model_new (log);
  g_signal_connect (model, "items-changed", G_CALLBACK (test_record_change), changes);
  g_assert_true (authsim_log_model_get_indexing (model));
  g_assert_cmpfloat (authsim_log_model_get_progress (model), ==, 0.0);

  /* This session's events show at once, before the earlier ones are indexed. */
  authsim_log_append (log, 6, "call", NULL);
  authsim_log_append (log, 6, "popup", NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 2);

  wait_until (model_indexed, model);
  g_assert_cmpfloat (authsim_log_model_get_progress (model), ==, 1.0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 7);
  g_assert_cmpuint (changes->len, ==, 3);
  g_assert_cmpuint (g_array_index (changes, TestChange, 2).position, ==, 0);
  g_assert_cmpuint (g_array_index (changes, TestChange, 2).added, ==, 5);

  for (guint i = 0; i < 7; i++)
    {
      g_assert_cmpuint (authsim_event_get_seq (get_model_row (model, i)), ==, i + 1);
      g_assert_cmpuint (authsim_log_model_get_call (model, i), ==, i < 5 ? i + 1 : 6);
    }
  /* The session is the log's: the scenario runner and the recorder see only it. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, 2);
  g_assert_true (get_model_row (model, 5) == get_event (log, 0));

  calls = authsim_log_model_get_history_calls (model);
  g_assert_nonnull (calls);
  g_assert_cmpuint (calls->len, ==, 5);
  g_assert_cmpuint (g_array_index (calls, guint, 4), ==, 5);
  g_signal_handlers_disconnect_by_data (model, changes);
}

/* Clear view while the earlier lines are being indexed: they never show. */
static void
test_log_model_clear_while_indexing (void)
{
  g_autofree char *path = make_log_path ("clear-early.jsonl");
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimLogModel) model = NULL;

  write_file (path, OLD_LINE (1) OLD_LINE (2) OLD_LINE (3), -1);
  g_assert_true (authsim_log_set_file (log, path, NULL));
  model = authsim_log_model_new (log);
  authsim_log_append (log, 0, "call", NULL);
  authsim_log_model_clear (model);
  authsim_log_append (log, 0, "popup", NULL);
  wait_until (model_indexed, model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1);
  g_assert_cmpuint (authsim_event_get_seq (get_model_row (model, 0)), ==, 5);

  /* A model dropped while it indexes goes at once (the worker does not hold it). */
  {
    g_autoptr(AuthsimLog) other = authsim_log_new ();
    AuthsimLogModel *dropped;

    g_assert_true (authsim_log_set_file (other, path, NULL));
    dropped = authsim_log_model_new (other);
    g_assert_true (authsim_log_model_get_indexing (dropped));
    g_assert_finalize_object (dropped);
    for (guint i = 0; i < 50; i++)
      {
        g_main_context_iteration (NULL, FALSE);
        g_usleep (1000);
      }
  }
}

/* Clear view with events of other threads appended and not shown yet: they are before the
 * offset too. */
static gpointer
append_one_gateway (gpointer data)
{
  authsim_log_append (data, 0, "gateway", NULL);
  return NULL;
}

static void
test_log_model_clear_pending (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimLogModel) model = authsim_log_model_new (log);

  authsim_log_append (log, 0, "call", NULL);
  g_thread_join (g_thread_new ("append", append_one_gateway, log));
  authsim_log_model_clear (model);
  authsim_log_flush (log);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
  authsim_log_append (log, 0, "popup", NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1);
  g_assert_cmpuint (authsim_event_get_seq (get_model_row (model, 0)), ==, 3);
}

#if defined(__SANITIZE_ADDRESS__)
# define LARGE_EVENTS 70000
#else
# define LARGE_EVENTS 200000
#endif

/* A file far larger than the row cache, past the size the filter scans in a worker: filter and
 * export work over every line of it, from the file. */
static void
test_log_model_large (void)
{
  g_autofree char *path = make_log_path ("large.jsonl");
  g_autofree char *export_path = make_log_path ("large-export.jsonl");
  g_autoptr(GFile) export_file = g_file_new_for_path (export_path);
  g_autoptr(GString) contents = g_string_new (NULL);
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimLogModel) model = NULL;
  g_autoptr(AuthsimLogFilter) filter = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *exported = NULL;
  gsize length;
  guint n;

  for (guint i = 0; i < LARGE_EVENTS; i++)
    g_string_append_printf (contents, "{\"seq\":%u,\"time\":\"2026-11-25T20:01:02.123+08:00\","
                            "\"call\":%u,\"kind\":\"gateway\",\"i\":%u}\n", i + 1, i / 4 + 1, i);
  write_file (path, contents->str, contents->len);
  g_assert_true (authsim_log_set_file (log, path, NULL));
  model = authsim_log_model_new (log);
  filter = authsim_log_filter_new (model);
  wait_until (model_indexed, model);
  authsim_log_append (log, 777, "call", NULL);

  n = g_list_model_get_n_items (G_LIST_MODEL (model));
  g_assert_cmpuint (n, ==, LARGE_EVENTS + 1);
  for (guint i = 0; i < LARGE_EVENTS; i += LARGE_EVENTS / 97)
    {
      JsonObject *object = authsim_event_get_object (get_model_row (model, i));

      g_assert_cmpint (json_object_get_int_member (object, "i"), ==, i);
    }

  /* Call 777: four earlier rows and this session's, found by a worker. */
  authsim_log_filter_set_call (filter, 777);
  g_assert_true (authsim_log_filter_get_busy (filter));
  wait_until (filter_idle, filter);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (filter)), ==, 5);
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (G_LIST_MODEL (filter), i);

      g_assert_cmpuint (authsim_event_get_call (event), ==, 777);
    }
  /* New rows of the call follow; others do not. */
  authsim_log_append (log, 777, "popup", NULL);
  authsim_log_append (log, 778, "popup", NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (filter)), ==, 6);
  authsim_log_filter_set_call (filter, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (filter)), ==, n + 2);

  /* The export: every row, from the file. (Lines found with memchr: ASan's strstr checks
   * the whole rest of the text at each call, which makes g_strsplit quadratic.) */
  g_assert_true (export_and_wait (model, export_file, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (export_path, &exported, &length, NULL));
  {
    const char *p = exported, *end = exported + length;
    guint i = 0;

    for (const char *newline; (newline = memchr (p, '\n', end - p)) != NULL; p = newline + 1, i++)
      if (i % ((n + 2) / 89) == 0 || i == n + 1)
        {
          AuthsimEvent *event = i <= n ? get_model_row (model, i) : get_event (log, 2);

          g_assert_cmpmem (p, newline - p, authsim_event_get_json (event),
                           strlen (authsim_event_get_json (event)));
        }
    g_assert_cmpuint (i, ==, n + 2);
    g_assert_true (p == end);
  }
}

/* Parameters as written (SPEC §8: every line valid JSON whatever the input): numbers a double
 * or an int64 cannot hold used to be logged as inf.0 (a line that aborted the app when read
 * back) or -1. A number where scopes wants a string or an array is error 2, as the JS bridge
 * answers; elsewhere it is ignored like any unknown member. */
static void
test_log_params_as_written (void)
{
  g_autofree char *path = NULL;
  g_autoptr(AuthsimLog) log = new_log_with_file (&path);
  g_autoptr(AuthsimEngine) engine = test_engine_new_with (NULL, NULL, log);
  static const struct { const char *envelope, *logged, *callback; } cases[] = {
    { "{\"params\": {\"scopes\": 1e400}}", "\"params\":{\"scopes\":1e400}", "fail" },
    { "{\"params\": {\"scopes\": 123456789012345678901234567890}}",
      "\"params\":{\"scopes\":123456789012345678901234567890}", "fail" },
    { "{\"params\": {\"scopes\": [\"auth_base\", -1E+400]}}",
      "\"params\":{\"scopes\":[\"auth_base\",-1E+400]}", "fail" },
    { "{\"params\": 1e400}", "\"params\":1e400", "fail" },
    { "{\"params\": {\"scopes\": \"auth_base\", \"n\": 123456789012345678901234567890,"
      " \"tiny\": 1e-400}}",
      "\"params\":{\"scopes\":\"auth_base\",\"n\":123456789012345678901234567890,"
      "\"tiny\":1e-400}", "success" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) events = NULL;
      AuthsimEvent *call_event, *outcome = NULL;
      guint id = authsim_engine_call_json (engine, cases[i].envelope, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (id, >, 0);
      events = test_events_of_call (log, id);
      call_event = g_ptr_array_index (events, 0);
      g_assert_cmpstr (authsim_event_get_kind (call_event), ==, "call");
      g_assert_nonnull (strstr (authsim_event_get_json (call_event), cases[i].logged));
      /* Read back: an object, no abort. */
      g_assert_true (json_object_has_member (authsim_event_get_object (call_event), "params"));
      for (guint j = 0; j < events->len; j++)
        if (authsim_event_get_callback (g_ptr_array_index (events, j)) != NULL &&
            g_strcmp0 (authsim_event_get_callback (g_ptr_array_index (events, j)),
                       "complete") != 0)
          outcome = g_ptr_array_index (events, j);
      g_assert_nonnull (outcome);
      g_assert_cmpstr (authsim_event_get_callback (outcome), ==, cases[i].callback);
      if (g_str_equal (cases[i].callback, "fail"))
        {
          JsonObject *payload = json_object_get_object_member (
            authsim_event_get_object (outcome), "payload");

          g_assert_cmpint (json_object_get_int_member (payload, "error"), ==, 2);
          g_assert_cmpstr (json_object_get_string_member (payload, "errorMessage"), ==,
                           "invalid parameter!");
        }
    }

  /* The composer's and the scenarios' form: the text as written, minified. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) events = NULL;
    guint id = authsim_engine_call_text (engine, AUTHSIM_API_GET_AUTH_CODE,
                                         " { \"scopes\" :\n -1e400 } ",
                                         AUTHSIM_TRIGGER_TAP, AUTHSIM_CONTAINER_MINI_PROGRAM,
                                         &error);

    g_assert_no_error (error);
    events = test_events_of_call (log, id);
    g_assert_nonnull (strstr (authsim_event_get_json (g_ptr_array_index (events, 0)),
                              "\"params\":{\"scopes\":-1e400},"));
  }
  /* Not JSON as JSON.parse reads it: no call, no event. */
  {
    g_autoptr(GError) error = NULL;
    guint n = g_list_model_get_n_items (G_LIST_MODEL (log));

    g_assert_cmpuint (authsim_engine_call_text (engine, AUTHSIM_API_GET_AUTH_CODE,
                                                "{'scopes': 'auth_base'}", AUTHSIM_TRIGGER_TAP,
                                                AUTHSIM_CONTAINER_MINI_PROGRAM, &error), ==, 0);
    g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID_JSON);
    g_assert_true (g_str_has_prefix (error->message, "params:1:2: "));
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, n);
  }

  assert_all_lines_valid (path);
}

/* A raw member: embedded when it is strict JSON, else written as a string (still lossless). */
static void
test_log_append_raw (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  JsonObject *fields = json_object_new ();
  g_autoptr(JsonObject) parsed = NULL;
  const char * const expected[] = { "seq", "time", "call", "kind", "params", "trigger", NULL };

  json_object_set_string_member (fields, "trigger", "tap");
  json_object_set_string_member (fields, "params", "ignored: the raw member wins");
  authsim_log_append_raw (log, 1, "call", "params", "{\"a\":1e400}", fields);
  authsim_log_append_raw (log, 1, "call", "params", "{'a': inf}", NULL);
  authsim_log_append_raw (log, 1, "call", "params", NULL, NULL);

  parsed = parse_object (authsim_event_get_json (get_event (log, 0)));
  assert_members (parsed, expected);
  g_assert_nonnull (strstr (authsim_event_get_json (get_event (log, 0)),
                            ",\"params\":{\"a\":1e400},\"trigger\":\"tap\"}"));
  g_assert_cmpstr (json_object_get_string_member (
                     authsim_event_get_object (get_event (log, 1)), "params"), ==,
                   "{'a': inf}");
  g_assert_true (json_object_get_null_member (authsim_event_get_object (get_event (log, 2)),
                                              "params"));
}

/* Fields json-glib would write as invalid JSON (inf.0, 1e+30.0) make valid lines. */
static void
test_log_fields_always_valid (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  JsonObject *fields = json_object_new ();
  const char *json;

  json_object_set_double_member (fields, "inf", 1.0 / 0.0);
  json_object_set_double_member (fields, "big", 1e30);
  json_object_set_string_member (fields, "bad", "\xff");
  authsim_log_append (log, 0, "gateway", fields);
  json = authsim_event_get_json (get_event (log, 0));
  g_assert_true (authsim_json_is_valid (json, strlen (json)));
  g_assert_nonnull (strstr (json, "\"inf\":null,\"big\":1e+30,"));
}

/* AuthsimRequest ---------------------------------------------------------------------------- */

static void
test_request_properties (void)
{
  const char * const scopes[] = { "auth_user", NULL };
  const char * const fields[] = { "nickName", "avatar", NULL };
  g_autoptr(AuthsimRequest) request = authsim_request_new (9, "2021000000000001", "Demo",
                                                           "resource:///icon.png",
                                                           scopes, fields);
  g_auto(GStrv) got_scopes = NULL;
  g_auto(GStrv) got_fields = NULL;
  g_autofree char *app_id = NULL;
  g_autofree char *app_name = NULL;
  g_autofree char *app_icon = NULL;
  gboolean answered = TRUE;
  guint call = 0;

  g_assert_cmpuint (authsim_request_get_call (request), ==, 9);
  g_assert_cmpstr (authsim_request_get_app_id (request), ==, "2021000000000001");
  g_assert_cmpstr (authsim_request_get_app_name (request), ==, "Demo");
  g_assert_cmpstr (authsim_request_get_app_icon (request), ==, "resource:///icon.png");
  g_assert_cmpstrv (authsim_request_get_scopes (request), scopes);
  g_assert_cmpstrv (authsim_request_get_fields (request), fields);
  g_assert_false (authsim_request_get_answered (request));

  /* Copies, not the caller's arrays. */
  g_assert_true (authsim_request_get_scopes (request) != scopes);

  g_object_get (request,
                "call", &call,
                "app-id", &app_id,
                "app-name", &app_name,
                "app-icon", &app_icon,
                "scopes", &got_scopes,
                "fields", &got_fields,
                "answered", &answered,
                NULL);
  g_assert_cmpuint (call, ==, 9);
  g_assert_cmpstr (app_id, ==, "2021000000000001");
  g_assert_cmpstr (app_name, ==, "Demo");
  g_assert_cmpstr (app_icon, ==, "resource:///icon.png");
  g_assert_cmpstrv (got_scopes, scopes);
  g_assert_cmpstrv (got_fields, fields);
  g_assert_false (answered);
}

static void
test_request_null_lists (void)
{
  g_autoptr(AuthsimRequest) request = authsim_request_new (1, "2021000000000001", "Demo",
                                                           NULL, NULL, NULL);

  g_assert_null (authsim_request_get_app_icon (request));
  g_assert_nonnull (authsim_request_get_scopes (request));
  g_assert_null (authsim_request_get_scopes (request)[0]);
  g_assert_nonnull (authsim_request_get_fields (request));
  g_assert_null (authsim_request_get_fields (request)[0]);
}

typedef struct
{
  guint               responded;
  AuthsimDecision     decision;
  AuthsimAnswerSource source;
  gboolean            answered_when_responded;
  guint               notified;
} Responses;

static void
responded_cb (AuthsimRequest      *request,
              AuthsimDecision      decision,
              AuthsimAnswerSource  source,
              gpointer             user_data)
{
  Responses *responses = user_data;

  responses->responded++;
  responses->decision = decision;
  responses->source = source;
  responses->answered_when_responded = authsim_request_get_answered (request);
}

static void
test_request_respond_once (void)
{
  g_autoptr(AuthsimRequest) request = authsim_request_new (2, "2021000000000001", "Demo",
                                                           NULL, NULL, NULL);
  g_autoptr(GError) error = NULL;
  Responses responses = { 0 };

  g_signal_connect (request, "responded", G_CALLBACK (responded_cb), &responses);
  g_signal_connect (request, "notify::answered", G_CALLBACK (count_notify_cb),
                    &responses.notified);

  g_assert_true (authsim_request_respond (request, AUTHSIM_DECISION_REJECT,
                                          AUTHSIM_ANSWER_SOURCE_DBUS, &error));
  g_assert_no_error (error);
  g_assert_true (authsim_request_get_answered (request));
  g_assert_cmpuint (responses.responded, ==, 1);
  g_assert_cmpint (responses.decision, ==, AUTHSIM_DECISION_REJECT);
  g_assert_cmpint (responses.source, ==, AUTHSIM_ANSWER_SOURCE_DBUS);
  g_assert_true (responses.answered_when_responded);
  g_assert_cmpuint (responses.notified, ==, 1);

  g_assert_false (authsim_request_respond (request, AUTHSIM_DECISION_ALLOW,
                                           AUTHSIM_ANSWER_SOURCE_UI, &error));
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_NO_REQUEST);
  g_assert_cmpstr (error->message, ==, "the authorization popup was already answered");
  g_assert_cmpuint (responses.responded, ==, 1);
  g_assert_cmpint (responses.decision, ==, AUTHSIM_DECISION_REJECT);
  g_assert_cmpuint (responses.notified, ==, 1);
}

static void
drop_last_ref_cb (AuthsimRequest      *request,
                  AuthsimDecision      decision,
                  AuthsimAnswerSource  source,
                  gpointer             user_data)
{
  AuthsimRequest **holder = user_data;

  g_clear_object (holder);
}

static void
test_request_unref_in_handler (void)
{
  AuthsimRequest *request = authsim_request_new (3, "2021000000000001", "Demo",
                                                 NULL, NULL, NULL);
  GWeakRef weak;

  g_weak_ref_init (&weak, request);
  g_signal_connect (request, "responded", G_CALLBACK (drop_last_ref_cb), &request);
  g_assert_true (authsim_request_respond (request, AUTHSIM_DECISION_CLOSE,
                                          AUTHSIM_ANSWER_SOURCE_UI, NULL));
  g_assert_null (request);
  g_assert_null (g_weak_ref_get (&weak));
  g_weak_ref_clear (&weak);
}

static void
test_request_signal_type (void)
{
  GSignalQuery query;

  g_signal_query (g_signal_lookup ("responded", AUTHSIM_TYPE_REQUEST), &query);
  g_assert_cmpuint (query.signal_id, !=, 0);
  g_assert_cmpuint (query.n_params, ==, 2);
  g_assert_true (query.param_types[0] == AUTHSIM_TYPE_DECISION);
  g_assert_true (query.param_types[1] == AUTHSIM_TYPE_ANSWER_SOURCE);
  g_assert_true (query.return_type == G_TYPE_NONE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/authsim/log/seq-and-header", test_log_seq_and_header);
  g_test_add_func ("/authsim/log/fields-order", test_log_fields_order);
  g_test_add_func ("/authsim/log/callback-property", test_log_callback_property);
  g_test_add_func ("/authsim/log/call-null", test_log_call_null);
  g_test_add_func ("/authsim/log/time-format", test_log_time_format);
  g_test_add_func ("/authsim/log/file-before-model", test_log_file_before_model);
  g_test_add_func ("/authsim/log/clear-view", test_log_clear_view);
  g_test_add_func ("/authsim/log/export", test_log_export);
  g_test_add_func ("/authsim/log/export-errors", test_log_export_errors);
  g_test_add_func ("/authsim/log/threads", test_log_threads);
  g_test_add_func ("/authsim/log/flush-other-threads", test_log_flush_other_threads);
  g_test_add_func ("/authsim/log/fields-written-directly", test_log_fields_written_directly);
  g_test_add_func ("/authsim/log/nested-dir", test_log_nested_dir);
  g_test_add_func ("/authsim/log/set-file-errors", test_log_set_file_errors);
  g_test_add_func ("/authsim/log/no-file", test_log_no_file);
  g_test_add_func ("/authsim/log/write-error", test_log_write_error);
  g_test_add_func ("/authsim/log/many", test_log_many);
  g_test_add_func ("/authsim/log/reentrant", test_log_reentrant);
  g_test_add_func ("/authsim/log/finalize", test_log_finalize);
  g_test_add_func ("/authsim/log/finalize-pending", test_log_finalize_pending);
  g_test_add_func ("/authsim/log/file-mode", test_log_file_mode);
  g_test_add_func ("/authsim/log/seq-continues", test_log_seq_continues);
  g_test_add_func ("/authsim/log/two-writers", test_log_two_writers);
  g_test_add_func ("/authsim/log/torn-last-line", test_log_torn_last_line);
  g_test_add_func ("/authsim/log/torn-only-line", test_log_torn_only_line);
  g_test_add_func ("/authsim/log/params-as-written", test_log_params_as_written);
  g_test_add_func ("/authsim/log/append-raw", test_log_append_raw);
  g_test_add_func ("/authsim/log/fields-always-valid", test_log_fields_always_valid);
  g_test_add_func ("/authsim/log-model/bad-lines", test_log_bad_lines);
  g_test_add_func ("/authsim/log-model/history", test_log_model_history);
  g_test_add_func ("/authsim/log-model/clear-while-indexing",
                   test_log_model_clear_while_indexing);
  g_test_add_func ("/authsim/log-model/clear-pending", test_log_model_clear_pending);
  g_test_add_func ("/authsim/log-model/large", test_log_model_large);

  g_test_add_func ("/authsim/request/properties", test_request_properties);
  g_test_add_func ("/authsim/request/null-lists", test_request_null_lists);
  g_test_add_func ("/authsim/request/respond-once", test_request_respond_once);
  g_test_add_func ("/authsim/request/unref-in-handler", test_request_unref_in_handler);
  g_test_add_func ("/authsim/request/signal-type", test_request_signal_type);

  return g_test_run ();
}
