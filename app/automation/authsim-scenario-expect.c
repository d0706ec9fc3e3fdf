/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-scenario-expect.c: judging an expect step against the log, and the JSON comparisons
 * that scenario expectations and messages rest on. */
#include "config.h"

#include <string.h>

#include "authsim-scenario-private.h"

/* ------------------------------------------------------------------------------------------
 * JSON values
 * ------------------------------------------------------------------------------------------ */

gboolean
authsim_scenario_is_number (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         (json_node_get_value_type (node) == G_TYPE_INT64 ||
          json_node_get_value_type (node) == G_TYPE_DOUBLE);
}

char *
authsim_scenario_to_compact (JsonNode *node)
{
  return node != NULL ? authsim_json_to_compact (node) : g_strdup ("null");
}

char *
authsim_scenario_describe_value (JsonNode *node)
{
  g_autofree char *text = authsim_scenario_to_compact (node);

  if (g_utf8_strlen (text, -1) > 60)
    {
      g_autofree char *head = g_utf8_substring (text, 0, 57);

      return g_strconcat (head, "…", NULL);
    }
  return g_steal_pointer (&text);
}

static gboolean
arrays_equal (JsonArray *x,
              JsonArray *y)
{
  if (json_array_get_length (x) != json_array_get_length (y))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (x); i++)
    if (!authsim_scenario_values_equal (json_array_get_element (x, i),
                                        json_array_get_element (y, i)))
      return FALSE;
  return TRUE;
}

static gboolean
objects_equal (JsonObject *x,
               JsonObject *y)
{
  g_autoptr(GList) members = json_object_get_members (x);

  if (json_object_get_size (x) != json_object_get_size (y))
    return FALSE;
  for (GList *l = members; l != NULL; l = l->next)
    if (!json_object_has_member (y, l->data) ||
        !authsim_scenario_values_equal (json_object_get_member (x, l->data),
                                        json_object_get_member (y, l->data)))
      return FALSE;
  return TRUE;
}

static gboolean
plain_values_equal (JsonNode *a,
                    JsonNode *b)
{
  if (json_node_get_value_type (a) != json_node_get_value_type (b))
    return FALSE;
  if (json_node_get_value_type (a) == G_TYPE_STRING)
    return g_strcmp0 (json_node_get_string (a), json_node_get_string (b)) == 0;
  if (json_node_get_value_type (a) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (a) == json_node_get_boolean (b);
  return FALSE;
}

gboolean
authsim_scenario_values_equal (JsonNode *a,
                               JsonNode *b)
{
  if (a == NULL || b == NULL)
    return a == b;

  if (authsim_scenario_is_number (a) && authsim_scenario_is_number (b))
    return json_node_get_double (a) == json_node_get_double (b);

  if (JSON_NODE_TYPE (a) != JSON_NODE_TYPE (b))
    return FALSE;

  switch (JSON_NODE_TYPE (a))
    {
    case JSON_NODE_NULL:
      return TRUE;
    case JSON_NODE_VALUE:
      return plain_values_equal (a, b);
    case JSON_NODE_ARRAY:
      return arrays_equal (json_node_get_array (a), json_node_get_array (b));
    case JSON_NODE_OBJECT:
      return objects_equal (json_node_get_object (a), json_node_get_object (b));
    default:
      return FALSE;
    }
}

static gboolean
is_auth_code (JsonNode *node)
{
  const char *code;

  if (!authsim_json_is_string (node))
    return FALSE;
  code = json_node_get_string (node);
  if (strlen (code) != 32)
    return FALSE;
  for (const char *p = code; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p))
      return FALSE;
  return TRUE;
}

static gboolean
object_matches (JsonObject  *expected,
                JsonObject  *actual,
                const char  *prefix,
                gboolean     deep,
                char       **reason);

/* An expected object against a JSON string: its parsed content, a subset at every level. */
static gboolean
string_matches (JsonObject  *expected,
                JsonNode    *got,
                const char  *path,
                char       **reason)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autofree char *sub = g_strconcat (path, ".", NULL);
  JsonNode *root;

  if (!json_parser_load_from_data (parser, json_node_get_string (got), -1, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_autofree char *g = authsim_scenario_describe_value (got);

      *reason = g_strdup_printf ("%s: expected a JSON string of an object, got %s", path, g);
      return FALSE;
    }
  return object_matches (expected, json_node_get_object (root), sub, TRUE, reason);
}

/* One expected member @want against @got (present). */
static gboolean
member_matches (const char  *key,
                JsonNode    *want,
                JsonNode    *got,
                const char  *prefix,
                gboolean     deep,
                char       **reason)
{
  g_autofree char *path = g_strconcat (prefix, key, NULL);

  if (authsim_json_is_string (want) && g_strcmp0 (json_node_get_string (want), "*") == 0)
    {
      if (g_strcmp0 (key, "authCode") == 0 && !is_auth_code (got))
        {
          g_autofree char *g = authsim_scenario_describe_value (got);

          *reason = g_strdup_printf ("%s: expected 32 characters [0-9a-zA-Z], got %s", path, g);
          return FALSE;
        }
      return TRUE;
    }

  if (JSON_NODE_HOLDS_OBJECT (want) && authsim_json_is_string (got))
    return string_matches (json_node_get_object (want), got, path, reason);
  if (deep && JSON_NODE_HOLDS_OBJECT (want) && JSON_NODE_HOLDS_OBJECT (got))
    {
      g_autofree char *sub = g_strconcat (path, ".", NULL);

      return object_matches (json_node_get_object (want), json_node_get_object (got), sub,
                             TRUE, reason);
    }

  if (!authsim_scenario_values_equal (want, got))
    {
      g_autofree char *w = authsim_scenario_describe_value (want);
      g_autofree char *g = authsim_scenario_describe_value (got);

      *reason = g_strdup_printf ("%s: expected %s, got %s", path, w, g);
      return FALSE;
    }
  return TRUE;
}

/* @deep: nested objects are subsets too (inside a JSON string); otherwise they are equal. */
static gboolean
object_matches (JsonObject  *expected,
                JsonObject  *actual,
                const char  *prefix,
                gboolean     deep,
                char       **reason)
{
  g_autoptr(GList) members = json_object_get_members (expected);

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      JsonNode *got = actual != NULL && json_object_has_member (actual, key)
                      ? json_object_get_member (actual, key) : NULL;

      if (got == NULL)
        {
          *reason = g_strdup_printf ("%s%s: missing", prefix, key);
          return FALSE;
        }
      if (!member_matches (key, json_object_get_member (expected, key), got, prefix, deep,
                           reason))
        return FALSE;
    }

  return TRUE;
}

gboolean
authsim_scenario_object_matches (JsonObject  *expected,
                                 JsonObject  *actual,
                                 const char  *prefix,
                                 char       **reason)
{
  return object_matches (expected, actual, prefix, FALSE, reason);
}

/* ------------------------------------------------------------------------------------------
 * The log
 * ------------------------------------------------------------------------------------------ */

guint64
authsim_scenario_log_last_seq (AuthsimLog *log)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (log));
  g_autoptr(AuthsimEvent) event = NULL;

  if (n == 0)
    return 0;
  event = g_list_model_get_item (G_LIST_MODEL (log), n - 1);
  return authsim_event_get_seq (event);
}

AuthsimEvent *
authsim_scenario_find_event (AuthsimLog        *log,
                             guint64            after,
                             AuthsimEventMatch  match,
                             gpointer           data)
{
  GListModel *model = G_LIST_MODEL (log);
  guint n = g_list_model_get_n_items (model);
  guint lo = 0, hi = n;

  /* Events are in seq order: find the first with seq > after. */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (model, mid);

      if (authsim_event_get_seq (event) <= after)
        lo = mid + 1;
      else
        hi = mid;
    }

  for (guint i = lo; i < n; i++)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (model, i);

      if (match (authsim_event_get_object (event), data))
        return g_steal_pointer (&event);
    }
  return NULL;
}

gboolean
authsim_scenario_match_kind (JsonObject *event,
                             gpointer    data)
{
  return g_strcmp0 (json_object_get_string_member_with_default (event, "kind", ""), data) == 0;
}

gboolean
authsim_scenario_match_popup_open (JsonObject *event,
                                   gpointer    data)
{
  return authsim_scenario_match_kind (event, (gpointer) "popup") &&
         g_strcmp0 (json_object_get_string_member_with_default (event, "event", ""), "open") == 0;
}

gboolean
authsim_scenario_match_outcome (JsonObject *event,
                                gpointer    data)
{
  const char *callback = json_object_get_string_member_with_default (event, "callback", "");

  return authsim_scenario_match_kind (event, (gpointer) "callback") &&
         (g_strcmp0 (callback, "success") == 0 || g_strcmp0 (callback, "fail") == 0);
}

gboolean
authsim_scenario_match_button (JsonObject *event,
                               gpointer    data)
{
  const char *callback = json_object_get_string_member_with_default (event, "callback", "");

  return authsim_scenario_match_kind (event, (gpointer) "callback") &&
         (g_strcmp0 (callback, "onGetAuthorize") == 0 || g_strcmp0 (callback, "onError") == 0);
}

gint64
authsim_scenario_event_call (JsonObject *event)
{
  JsonNode *node = json_object_get_member (event, "call");

  return authsim_scenario_is_number (node) ? json_node_get_int (node) : 0;
}

/* The complete callback of the call @data (an int). */
static gboolean
match_complete (JsonObject *event,
                gpointer    data)
{
  return authsim_scenario_match_kind (event, (gpointer) "callback") &&
         g_strcmp0 (json_object_get_string_member_with_default (event, "callback", ""),
                    "complete") == 0 &&
         authsim_scenario_event_call (event) == GPOINTER_TO_INT (data);
}

JsonObject *
authsim_scenario_event_payload (AuthsimEvent *event)
{
  JsonNode *node = json_object_get_member (authsim_event_get_object (event), "payload");

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* "success {…payload…}": what came, for a failure detail. */
static char *
describe_outcome (AuthsimEvent *event)
{
  JsonObject *object = authsim_event_get_object (event);
  g_autofree char *text = authsim_scenario_to_compact (json_object_get_member (object,
                                                                               "payload"));

  return g_strdup_printf ("%s %s",
                          json_object_get_string_member_with_default (object, "callback", "?"),
                          text);
}

/* ------------------------------------------------------------------------------------------
 * An expect step: first wait for every awaited event, then consume and judge them in order,
 * then check the absences.
 * ------------------------------------------------------------------------------------------ */

/* The events a step awaits, found but not yet consumed. */
typedef struct
{
  AuthsimEvent *toast;
  AuthsimEvent *violation;
  AuthsimEvent *popup;
  AuthsimEvent *outcome;
  AuthsimEvent *complete;  /* the outcome's complete callback */
} Awaited;

static void
awaited_clear (Awaited *awaited)
{
  g_clear_object (&awaited->toast);
  g_clear_object (&awaited->violation);
  g_clear_object (&awaited->popup);
  g_clear_object (&awaited->outcome);
  g_clear_object (&awaited->complete);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Awaited, awaited_clear)

/* Finds each awaited event after its cursor; NULL when all are there, else what is missing. */
static const char *
find_awaited (const Step          *step,
              AuthsimLog          *log,
              const ExpectCursors *cursors,
              Awaited             *awaited)
{
  if (step->toast == EXPECT_ONE &&
      (awaited->toast = authsim_scenario_find_event (log, cursors->toast,
                                                     authsim_scenario_match_kind,
                                                     (gpointer) "toast")) == NULL)
    return "a toast";

  if (step->violation == EXPECT_ONE &&
      (awaited->violation = authsim_scenario_find_event (log, cursors->violation,
                                                         authsim_scenario_match_kind,
                                                         (gpointer) "violation")) == NULL)
    return "a violation";

  if (step->popup == EXPECT_ONE &&
      (awaited->popup = authsim_scenario_find_event (log, cursors->popup,
                                                     authsim_scenario_match_popup_open,
                                                     NULL)) == NULL)
    return "a popup";

  if (step->callback == EXPECT_CALLBACK_NONE)
    return NULL;

  /* A button callback has no complete after it. */
  if (EXPECT_CALLBACK_IS_BUTTON (step->callback))
    {
      awaited->outcome = authsim_scenario_find_event (log, cursors->button,
                                                      authsim_scenario_match_button, NULL);
      return awaited->outcome == NULL ? "a button callback" : NULL;
    }

  awaited->outcome = authsim_scenario_find_event (log, cursors->callback,
                                                  authsim_scenario_match_outcome, NULL);
  if (awaited->outcome == NULL)
    return "a callback";
  awaited->complete = authsim_scenario_find_event (
    log, authsim_event_get_seq (awaited->outcome), match_complete,
    GINT_TO_POINTER ((int) authsim_event_get_call (awaited->outcome)));
  if (awaited->complete == NULL)
    return "the complete callback";

  return NULL;
}

static gboolean
judge_popup (const Step    *step,
             AuthsimEvent  *popup,
             ExpectCursors *cursors,
             char         **detail)
{
  cursors->popup = authsim_event_get_seq (popup);
  return step->popup_fields == NULL ||
         authsim_scenario_object_matches (step->popup_fields, authsim_event_get_object (popup),
                                          "popup.", detail);
}

static gboolean
judge_violation (const Step    *step,
                 AuthsimEvent  *violation,
                 ExpectCursors *cursors,
                 char         **detail)
{
  const char *rule = json_object_get_string_member_with_default (
    authsim_event_get_object (violation), "rule", "");

  cursors->violation = authsim_event_get_seq (violation);
  if (g_strcmp0 (rule, step->rule) != 0)
    {
      *detail = g_strdup_printf ("expected a %s violation, got %s", step->rule, rule);
      return FALSE;
    }
  return TRUE;
}

/* An exchange step redeems the last authCode a success callback carried. */
static void
remember_code (AuthsimEvent  *outcome,
               ExpectCursors *cursors)
{
  JsonObject *payload = authsim_scenario_event_payload (outcome);

  if (payload != NULL && g_strcmp0 (authsim_event_get_callback (outcome), "success") == 0 &&
      json_object_has_member (payload, "authCode") &&
      authsim_json_is_string (json_object_get_member (payload, "authCode")))
    {
      g_free (cursors->last_code);
      cursors->last_code = g_strdup (json_object_get_string_member (payload, "authCode"));
    }
}

/* An onGetAuthorize/onError callback: its kind and its event object. */
static gboolean
judge_button (const Step    *step,
              const Awaited *awaited,
              ExpectCursors *cursors,
              char         **detail)
{
  JsonObject *payload = authsim_scenario_event_payload (awaited->outcome);
  const char *kind = authsim_event_get_callback (awaited->outcome);
  const char *want = step->callback == EXPECT_CALLBACK_ON_ERROR ? "onError" : "onGetAuthorize";
  g_autofree char *got = describe_outcome (awaited->outcome);
  g_autofree char *reason = NULL;

  cursors->button = authsim_event_get_seq (awaited->outcome);
  if (g_strcmp0 (kind, want) != 0)
    *detail = g_strdup_printf ("expected %s, got %s", want, got);
  else if (step->payload != NULL &&
           !authsim_scenario_object_matches (step->payload, payload, "payload.", &reason))
    *detail = g_strdup_printf ("%s (got %s)", reason, got);
  return *detail == NULL;
}

/* my.getPhoneNumber's content before encryption, as the success event records it. */
static gboolean
judge_plaintext (const Step    *step,
                 const Awaited *awaited,
                 char         **detail)
{
  JsonNode *plaintext = json_object_get_member (authsim_event_get_object (awaited->outcome),
                                                "plaintext");
  g_autoptr(JsonNode) want = json_node_init_object (json_node_alloc (), step->plaintext);
  g_autofree char *reason = NULL;

  if (plaintext == NULL || !authsim_json_is_string (plaintext))
    {
      *detail = g_strdup ("plaintext: the callback carries none (not a my.getPhoneNumber "
                          "success)");
      return FALSE;
    }
  if (!member_matches ("plaintext", want, plaintext, "", TRUE, &reason))
    {
      *detail = g_steal_pointer (&reason);
      return FALSE;
    }
  return TRUE;
}

/* The success/fail callback: its kind, error code and payload, and that complete repeats it. */
static gboolean
judge_outcome (const Step    *step,
               const Awaited *awaited,
               ExpectCursors *cursors,
               char         **detail)
{
  JsonObject *payload = authsim_scenario_event_payload (awaited->outcome);
  const char *kind = authsim_event_get_callback (awaited->outcome);
  const char *want = step->callback == EXPECT_CALLBACK_FAIL ? "fail" : "success";
  g_autofree char *got = describe_outcome (awaited->outcome);
  g_autofree char *reason = NULL;
  JsonNode *error = payload != NULL ? json_object_get_member (payload, "error") : NULL;

  cursors->callback = authsim_event_get_seq (awaited->outcome);
  remember_code (awaited->outcome, cursors);

  if (step->callback != EXPECT_CALLBACK_ANY && g_strcmp0 (kind, want) != 0)
    *detail = g_strdup_printf ("expected %s, got %s", want, got);
  else if (step->has_error &&
           (!authsim_scenario_is_number (error) ||
            json_node_get_double (error) != (double) step->error))
    *detail = g_strdup_printf ("expected error %" G_GINT64_FORMAT ", got %s", step->error, got);
  else if (step->payload != NULL &&
           !authsim_scenario_object_matches (step->payload, payload, "payload.", &reason))
    *detail = g_strdup_printf ("%s (got %s)", reason, got);
  else if (!authsim_scenario_values_equal (
             json_object_get_member (authsim_event_get_object (awaited->outcome), "payload"),
             json_object_get_member (authsim_event_get_object (awaited->complete), "payload")))
    *detail = g_strdup ("complete did not carry the same payload");
  else if (step->plaintext != NULL)
    judge_plaintext (step, awaited, detail);

  return *detail == NULL;
}

/* Negative expectations: nothing of the kind since the last action step. */
static gboolean
judge_absences (const Step          *step,
                AuthsimLog          *log,
                AuthsimEngine       *engine,
                const ExpectCursors *cursors,
                char               **detail)
{
  g_autoptr(AuthsimEvent) toast = NULL;
  g_autoptr(AuthsimEvent) violation = NULL;
  g_autoptr(AuthsimEvent) popup = NULL;
  AuthsimRequest *request;

  if (step->toast == EXPECT_NONE &&
      (toast = authsim_scenario_find_event (log, cursors->action, authsim_scenario_match_kind,
                                            (gpointer) "toast")) != NULL)
    {
      *detail = g_strdup ("a toast showed");
      return FALSE;
    }

  if (step->violation == EXPECT_NONE &&
      (violation = authsim_scenario_find_event (log, cursors->action,
                                                authsim_scenario_match_kind,
                                                (gpointer) "violation")) != NULL)
    {
      *detail = g_strdup_printf ("a %s violation was logged",
                                 json_object_get_string_member_with_default (
                                   authsim_event_get_object (violation), "rule", "?"));
      return FALSE;
    }

  if (step->popup != EXPECT_NONE)
    return TRUE;
  popup = authsim_scenario_find_event (log, cursors->action, authsim_scenario_match_popup_open,
                                       NULL);
  request = authsim_engine_get_request (engine);
  if (popup != NULL || (request != NULL && !authsim_request_get_answered (request)))
    {
      *detail = g_strdup ("a popup opened");
      return FALSE;
    }
  return TRUE;
}

Check
authsim_scenario_check_expect (const Step     *step,
                               AuthsimLog     *log,
                               AuthsimEngine  *engine,
                               ExpectCursors  *cursors,
                               const char    **pending,
                               char          **detail)
{
  g_auto(Awaited) awaited = { 0 };

  *pending = find_awaited (step, log, cursors, &awaited);
  if (*pending != NULL)
    return CHECK_PENDING;

  /* Everything awaited is there: consume it, then judge. */
  if (awaited.toast != NULL)
    cursors->toast = authsim_event_get_seq (awaited.toast);
  if (awaited.popup != NULL && !judge_popup (step, awaited.popup, cursors, detail))
    return CHECK_FAIL;
  if (awaited.violation != NULL && !judge_violation (step, awaited.violation, cursors, detail))
    return CHECK_FAIL;
  if (awaited.outcome != NULL && EXPECT_CALLBACK_IS_BUTTON (step->callback))
    {
      if (!judge_button (step, &awaited, cursors, detail))
        return CHECK_FAIL;
    }
  else if (awaited.outcome != NULL && !judge_outcome (step, &awaited, cursors, detail))
    return CHECK_FAIL;

  return judge_absences (step, log, engine, cursors, detail) ? CHECK_OK : CHECK_FAIL;
}
