/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>
#include <unistd.h>

#include "authsim-actions.h"
#include "authsim-enums.h"
#include "authsim-scenario.h"

/*
 * A scenario is {"name", "description"?, "profile"?, "users"?, "firstScreenRule"?, "steps"}.
 * Each step is an object with exactly one verb key, plus "timeout" (seconds) and "comment" on
 * any step, and "trigger"/"container" on "call":
 *   navigate "path" | back true | relaunch true|"path" | setUser "2088…" | clearGrants true
 *   revoke {"userId","appId"} | grant {"userId","appId","scopes"} | advanceClock "+3m"
 *   tap "label" | call <params> | answer allow|reject|close | networkFault bool
 *   firstScreenRule enforce|warn|off
 *   expect {"callback": success|fail, "error": n, "payload": {…}, "toast": bool,
 *           "violation": "first-screen"|"onshow-loop"|false, "popup": bool|{…}}
 *   exchange true | {"expect": {…}, "code": "…", "appId": "…"}
 * Scenario output (step descriptions, failure details) is not translated: it is read by
 * scripts, like the log.
 */

typedef enum
{
  STEP_NAVIGATE,
  STEP_BACK,
  STEP_RELAUNCH,
  STEP_SET_USER,
  STEP_CLEAR_GRANTS,
  STEP_REVOKE,
  STEP_GRANT,
  STEP_ADVANCE_CLOCK,
  STEP_TAP,
  STEP_CALL,
  STEP_ANSWER,
  STEP_NETWORK_FAULT,
  STEP_FIRST_SCREEN_RULE,
  STEP_EXPECT,
  STEP_EXCHANGE,
} StepKind;

static const struct
{
  const char *name;
  StepKind    kind;
} verbs[] = {
  { "navigate", STEP_NAVIGATE },
  { "back", STEP_BACK },
  { "relaunch", STEP_RELAUNCH },
  { "setUser", STEP_SET_USER },
  { "clearGrants", STEP_CLEAR_GRANTS },
  { "revoke", STEP_REVOKE },
  { "grant", STEP_GRANT },
  { "advanceClock", STEP_ADVANCE_CLOCK },
  { "tap", STEP_TAP },
  { "call", STEP_CALL },
  { "answer", STEP_ANSWER },
  { "networkFault", STEP_NETWORK_FAULT },
  { "firstScreenRule", STEP_FIRST_SCREEN_RULE },
  { "expect", STEP_EXPECT },
  { "exchange", STEP_EXCHANGE },
};

#define VERB_LIST "navigate, back, relaunch, setUser, clearGrants, revoke, grant, advanceClock, " \
                  "tap, call, answer, networkFault, firstScreenRule, expect or exchange"

typedef struct
{
  StepKind    kind;
  char       *description;
  guint       timeout_ms;

  char       *text;       /* navigate path, setUser/revoke/grant userId, tap label, code */
  char       *app_id;     /* revoke, grant, exchange */
  GStrv       scopes;     /* grant */
  JsonNode   *params;     /* call: the parameter object (NULL: absent) */
  int         trigger;    /* call: AuthsimTrigger */
  int         container;  /* call: AuthsimContainer, -1 for the engine's current one */
  int         value;      /* answer: decision; firstScreenRule: rule; networkFault: bool */
  gint64      seconds;    /* advanceClock */

  /* expect */
  int         callback;   /* -1 none, 0 success, 1 fail */
  gboolean    has_error;
  gint64      error;
  JsonObject *payload;    /* expect payload / exchange expect (subset) */
  JsonObject *popup_fields; /* expect popup: fields of the popup event (subset) */
  int         toast;      /* -1 not checked, 0 no toast, 1 a toast */
  int         popup;      /* idem */
  int         violation;  /* idem */
  char       *rule;       /* violation rule when violation == 1 */
} Step;

static void
step_free (gpointer data)
{
  Step *step = data;

  g_free (step->description);
  g_free (step->text);
  g_free (step->app_id);
  g_strfreev (step->scopes);
  g_clear_pointer (&step->params, json_node_unref);
  g_clear_pointer (&step->payload, json_object_unref);
  g_clear_pointer (&step->popup_fields, json_object_unref);
  g_free (step->rule);
  g_free (step);
}

struct _AuthsimScenario
{
  GObject    parent_instance;

  char      *name;
  char      *description;
  char      *profile;
  char      *users;
  int        first_screen_rule;
  GPtrArray *steps;
  gboolean   running;
};

G_DEFINE_FINAL_TYPE (AuthsimScenario, authsim_scenario, G_TYPE_OBJECT)

enum
{
  SIGNAL_STEP_STARTED,
  SIGNAL_STEP_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
authsim_scenario_finalize (GObject *object)
{
  AuthsimScenario *self = AUTHSIM_SCENARIO (object);

  g_free (self->name);
  g_free (self->description);
  g_free (self->profile);
  g_free (self->users);
  g_clear_pointer (&self->steps, g_ptr_array_unref);

  G_OBJECT_CLASS (authsim_scenario_parent_class)->finalize (object);
}

static void
authsim_scenario_class_init (AuthsimScenarioClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = authsim_scenario_finalize;

  signals[SIGNAL_STEP_STARTED] =
    g_signal_new ("step-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
  signals[SIGNAL_STEP_FINISHED] =
    g_signal_new ("step-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_UINT, G_TYPE_STRING, G_TYPE_BOOLEAN, G_TYPE_STRING);
}

static void
authsim_scenario_init (AuthsimScenario *self)
{
  self->first_screen_rule = -1;
  self->steps = g_ptr_array_new_with_free_func (step_free);
}

/* ------------------------------------------------------------------------------------------ */
/* JSON helpers                                                                               */

static char *
node_to_compact (JsonNode *node)
{
  if (node == NULL)
    return g_strdup ("null");
  return json_to_string (node, FALSE);
}

/* A copy that shares nothing with @node (json_node_copy() shares objects and arrays). */
static JsonNode *
node_deep_copy (JsonNode *node)
{
  g_autofree char *text = node_to_compact (node);

  return json_from_string (text, NULL);
}

/* A value as it appears in an error message: compact JSON, shortened. */
static char *
describe_value (JsonNode *node)
{
  g_autofree char *text = node_to_compact (node);

  if (g_utf8_strlen (text, -1) > 60)
    {
      g_autofree char *head = g_utf8_substring (text, 0, 57);

      return g_strconcat (head, "…", NULL);
    }
  return g_steal_pointer (&text);
}

static gboolean
node_is_number (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         (json_node_get_value_type (node) == G_TYPE_INT64 ||
          json_node_get_value_type (node) == G_TYPE_DOUBLE);
}

static gboolean
node_is_string (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
node_is_boolean (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN;
}

/* Parsed-JSON equality; numbers compare by value whatever their representation. */
static gboolean
nodes_equal (JsonNode *a,
             JsonNode *b)
{
  if (a == NULL || b == NULL)
    return a == b;

  if (node_is_number (a) && node_is_number (b))
    return json_node_get_double (a) == json_node_get_double (b);

  if (JSON_NODE_TYPE (a) != JSON_NODE_TYPE (b))
    return FALSE;

  switch (JSON_NODE_TYPE (a))
    {
    case JSON_NODE_NULL:
      return TRUE;

    case JSON_NODE_VALUE:
      if (json_node_get_value_type (a) != json_node_get_value_type (b))
        return FALSE;
      if (json_node_get_value_type (a) == G_TYPE_STRING)
        return g_strcmp0 (json_node_get_string (a), json_node_get_string (b)) == 0;
      if (json_node_get_value_type (a) == G_TYPE_BOOLEAN)
        return json_node_get_boolean (a) == json_node_get_boolean (b);
      return FALSE;

    case JSON_NODE_ARRAY:
      {
        JsonArray *x = json_node_get_array (a), *y = json_node_get_array (b);

        if (json_array_get_length (x) != json_array_get_length (y))
          return FALSE;
        for (guint i = 0; i < json_array_get_length (x); i++)
          if (!nodes_equal (json_array_get_element (x, i), json_array_get_element (y, i)))
            return FALSE;
        return TRUE;
      }

    case JSON_NODE_OBJECT:
      {
        JsonObject *x = json_node_get_object (a), *y = json_node_get_object (b);
        g_autoptr(GList) members = json_object_get_members (x);

        if (json_object_get_size (x) != json_object_get_size (y))
          return FALSE;
        for (GList *l = members; l != NULL; l = l->next)
          if (!json_object_has_member (y, l->data) ||
              !nodes_equal (json_object_get_member (x, l->data),
                            json_object_get_member (y, l->data)))
            return FALSE;
        return TRUE;
      }

    default:
      return FALSE;
    }
}

static gboolean
is_auth_code (JsonNode *node)
{
  const char *code;

  if (!node_is_string (node))
    return FALSE;
  code = json_node_get_string (node);
  if (strlen (code) != 32)
    return FALSE;
  for (const char *p = code; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p))
      return FALSE;
  return TRUE;
}

/*
 * Checks that @actual holds every member of @expected with an equal value. "*" means "present"
 * (for authCode: present and 32 characters [0-9a-zA-Z]). On a mismatch returns FALSE with a
 * one-line reason in @reason.
 */
static gboolean
object_matches (JsonObject  *expected,
                JsonObject  *actual,
                const char  *prefix,
                char       **reason)
{
  g_autoptr(GList) members = json_object_get_members (expected);

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      JsonNode *want = json_object_get_member (expected, key);
      JsonNode *got = actual != NULL && json_object_has_member (actual, key)
                      ? json_object_get_member (actual, key) : NULL;

      if (got == NULL)
        {
          *reason = g_strdup_printf ("%s%s: missing", prefix, key);
          return FALSE;
        }

      if (node_is_string (want) && g_strcmp0 (json_node_get_string (want), "*") == 0)
        {
          if (g_strcmp0 (key, "authCode") == 0 && !is_auth_code (got))
            {
              g_autofree char *g = describe_value (got);

              *reason = g_strdup_printf ("%s%s: expected 32 characters [0-9a-zA-Z], got %s",
                                         prefix, key, g);
              return FALSE;
            }
          continue;
        }

      if (!nodes_equal (want, got))
        {
          g_autofree char *w = describe_value (want);
          g_autofree char *g = describe_value (got);

          *reason = g_strdup_printf ("%s%s: expected %s, got %s", prefix, key, w, g);
          return FALSE;
        }
    }

  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Parsing                                                                                    */

typedef struct
{
  const char *source;
  const char *base_dir;
  GError    **error;
} Parser;

static gboolean
parse_fail (Parser     *p,
            const char *path,
            const char *format,
            ...) G_GNUC_PRINTF (3, 4);

static gboolean
parse_fail (Parser     *p,
            const char *path,
            const char *format,
            ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (p->error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID, "%s: %s: %s",
               p->source, path, message);
  return FALSE;
}

static gboolean
expect_got (Parser     *p,
            const char *path,
            const char *expected,
            JsonNode   *got)
{
  g_autofree char *g = describe_value (got);

  return parse_fail (p, path, "expected %s, got %s", expected, g);
}

static gboolean
get_string (Parser      *p,
            const char  *path,
            JsonNode    *node,
            const char  *what,
            gboolean     allow_empty,
            const char **out)
{
  if (!node_is_string (node) || (!allow_empty && *json_node_get_string (node) == '\0'))
    return expect_got (p, path, what, node);
  *out = json_node_get_string (node);
  return TRUE;
}

static gboolean
get_true (Parser     *p,
          const char *path,
          JsonNode   *node)
{
  if (!node_is_boolean (node) || !json_node_get_boolean (node))
    return expect_got (p, path, "true", node);
  return TRUE;
}

static gboolean
get_enum (Parser     *p,
          const char *path,
          JsonNode   *node,
          GType       type,
          const char *expected,
          int        *out)
{
  if (!node_is_string (node) || !authsim_enum_from_nick (type, json_node_get_string (node), out))
    return expect_got (p, path, expected, node);
  return TRUE;
}

/* Only @allowed keys (a NULL-terminated list) may appear in @object. */
static gboolean
check_keys (Parser             *p,
            const char         *path,
            JsonObject         *object,
            const char * const *allowed)
{
  g_autoptr(GList) members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (allowed, l->data))
      return parse_fail (p, path, "unknown key \"%s\"", (const char *) l->data);
  return TRUE;
}

static gboolean
resolve_file (Parser      *p,
              const char  *path,
              JsonNode    *node,
              char       **out)
{
  const char *name;
  g_autofree char *full = NULL;

  if (!get_string (p, path, node, "a file name", FALSE, &name))
    return FALSE;

  full = g_canonicalize_filename (name, p->base_dir);
  if (g_access (full, R_OK) != 0)
    {
      int saved_errno = errno;

      return parse_fail (p, path, "cannot read \"%s\": %s", full, g_strerror (saved_errno));
    }

  *out = g_steal_pointer (&full);
  return TRUE;
}

static gboolean
parse_expect (Parser     *p,
              const char *path,
              JsonNode   *node,
              Step       *step)
{
  static const char * const keys[] = {
    "callback", "error", "payload", "toast", "violation", "popup", NULL
  };
  JsonObject *object;
  g_autofree char *sub = NULL;
  JsonNode *member;

  step->callback = step->toast = step->popup = step->violation = -1;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return expect_got (p, path, "an object", node);
  object = json_node_get_object (node);
  if (!check_keys (p, path, object, keys))
    return FALSE;
  if (json_object_get_size (object) == 0)
    return parse_fail (p, path, "expected at least one of callback, error, payload, toast, "
                       "violation or popup");

  if ((member = json_object_get_member (object, "callback")) != NULL)
    {
      const char *kind;

      sub = g_strconcat (path, ".callback", NULL);
      if (!node_is_string (member) ||
          (g_strcmp0 ((kind = json_node_get_string (member)), "success") != 0 &&
           g_strcmp0 (kind, "fail") != 0))
        return expect_got (p, sub, "success or fail", member);
      step->callback = g_strcmp0 (kind, "fail") == 0;
      g_clear_pointer (&sub, g_free);
    }

  if ((member = json_object_get_member (object, "error")) != NULL)
    {
      sub = g_strconcat (path, ".error", NULL);
      if (!JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_INT64)
        return expect_got (p, sub, "an error code (integer)", member);
      if (step->callback == 0)
        return parse_fail (p, sub, "an error code only comes with \"callback\": \"fail\"");
      step->has_error = TRUE;
      step->error = json_node_get_int (member);
      step->callback = 1;
      g_clear_pointer (&sub, g_free);
    }

  if ((member = json_object_get_member (object, "payload")) != NULL)
    {
      sub = g_strconcat (path, ".payload", NULL);
      if (!JSON_NODE_HOLDS_OBJECT (member))
        return expect_got (p, sub, "an object", member);
      step->payload = json_object_ref (json_node_get_object (member));
      if (step->callback < 0)
        step->callback = 2; /* either kind */
      g_clear_pointer (&sub, g_free);
    }

  if ((member = json_object_get_member (object, "toast")) != NULL)
    {
      sub = g_strconcat (path, ".toast", NULL);
      if (!node_is_boolean (member))
        return expect_got (p, sub, "true or false", member);
      step->toast = json_node_get_boolean (member);
      g_clear_pointer (&sub, g_free);
    }

  if ((member = json_object_get_member (object, "popup")) != NULL)
    {
      sub = g_strconcat (path, ".popup", NULL);
      if (JSON_NODE_HOLDS_OBJECT (member))
        {
          step->popup = 1;
          step->popup_fields = json_object_ref (json_node_get_object (member));
        }
      else if (node_is_boolean (member))
        step->popup = json_node_get_boolean (member);
      else
        return expect_got (p, sub, "true, false or an object of popup fields", member);
      g_clear_pointer (&sub, g_free);
    }

  if ((member = json_object_get_member (object, "violation")) != NULL)
    {
      sub = g_strconcat (path, ".violation", NULL);
      if (node_is_boolean (member) && !json_node_get_boolean (member))
        step->violation = 0;
      else if (node_is_string (member) &&
               (g_strcmp0 (json_node_get_string (member), "first-screen") == 0 ||
                g_strcmp0 (json_node_get_string (member), "onshow-loop") == 0))
        {
          step->violation = 1;
          step->rule = g_strdup (json_node_get_string (member));
        }
      else
        return expect_got (p, sub, "first-screen, onshow-loop or false", member);
      g_clear_pointer (&sub, g_free);
    }

  return TRUE;
}

static gboolean
parse_exchange (Parser     *p,
                const char *path,
                JsonNode   *node,
                Step       *step)
{
  static const char * const keys[] = { "expect", "code", "appId", NULL };
  JsonObject *object;
  JsonNode *member;
  const char *text;

  if (node_is_boolean (node) && json_node_get_boolean (node))
    return TRUE;
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return expect_got (p, path, "true or an object", node);

  object = json_node_get_object (node);
  if (!check_keys (p, path, object, keys))
    return FALSE;

  if ((member = json_object_get_member (object, "expect")) != NULL)
    {
      g_autofree char *sub = g_strconcat (path, ".expect", NULL);

      if (!JSON_NODE_HOLDS_OBJECT (member))
        return expect_got (p, sub, "an object", member);
      step->payload = json_object_ref (json_node_get_object (member));
    }
  if ((member = json_object_get_member (object, "code")) != NULL)
    {
      g_autofree char *sub = g_strconcat (path, ".code", NULL);

      if (!get_string (p, sub, member, "an auth code", FALSE, &text))
        return FALSE;
      step->text = g_strdup (text);
    }
  if ((member = json_object_get_member (object, "appId")) != NULL)
    {
      g_autofree char *sub = g_strconcat (path, ".appId", NULL);

      if (!get_string (p, sub, member, "an app id", FALSE, &text))
        return FALSE;
      step->app_id = g_strdup (text);
    }
  return TRUE;
}

static gboolean
parse_user_app (Parser     *p,
                const char *path,
                JsonNode   *node,
                gboolean    with_scopes,
                Step       *step)
{
  static const char * const revoke_keys[] = { "userId", "appId", NULL };
  static const char * const grant_keys[] = { "userId", "appId", "scopes", NULL };
  JsonObject *object;
  const char *text;
  g_autofree char *sub = NULL;
  JsonNode *member;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return expect_got (p, path, with_scopes ? "{\"userId\", \"appId\", \"scopes\"}"
                                            : "{\"userId\", \"appId\"}", node);
  object = json_node_get_object (node);
  if (!check_keys (p, path, object, with_scopes ? grant_keys : revoke_keys))
    return FALSE;

  sub = g_strconcat (path, ".userId", NULL);
  if (!get_string (p, sub, json_object_get_member (object, "userId"), "a userId", FALSE, &text))
    return FALSE;
  step->text = g_strdup (text);
  g_clear_pointer (&sub, g_free);

  sub = g_strconcat (path, ".appId", NULL);
  if (!get_string (p, sub, json_object_get_member (object, "appId"), "an app id", FALSE, &text))
    return FALSE;
  step->app_id = g_strdup (text);
  g_clear_pointer (&sub, g_free);

  if (with_scopes)
    {
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      JsonArray *array;

      sub = g_strconcat (path, ".scopes", NULL);
      member = json_object_get_member (object, "scopes");
      if (member == NULL || !JSON_NODE_HOLDS_ARRAY (member) ||
          json_array_get_length (json_node_get_array (member)) == 0)
        return expect_got (p, sub, "a non-empty array of scope names", member);
      array = json_node_get_array (member);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          g_autofree char *item = g_strdup_printf ("%s[%u]", sub, i);

          if (!get_string (p, item, json_array_get_element (array, i), "a scope name",
                           FALSE, &text))
            return FALSE;
          g_strv_builder_add (builder, text);
        }
      step->scopes = g_strv_builder_end (builder);
    }

  return TRUE;
}

static char *
make_description (const char *verb,
                  JsonNode   *value)
{
  g_autofree char *text = NULL;

  if (node_is_boolean (value) && json_node_get_boolean (value))
    return g_strdup (verb);

  text = node_to_compact (value);
  if (g_utf8_strlen (text, -1) > 100)
    {
      g_autofree char *head = g_utf8_substring (text, 0, 99);

      g_free (text);
      text = g_strconcat (head, "…", NULL);
    }
  return g_strdup_printf ("%s %s", verb, text);
}

static Step *
parse_step (Parser   *p,
            guint     index,
            JsonNode *node)
{
  g_autofree char *path = g_strdup_printf ("$.steps[%u]", index);
  g_autofree char *vpath = NULL;
  g_autoptr(GList) members = NULL;
  const char *verb = NULL;
  Step *step;
  JsonObject *object;
  JsonNode *value, *member;
  const char *text;
  gboolean ok = TRUE;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      expect_got (p, path, "a step object", node);
      return NULL;
    }
  object = json_node_get_object (node);

  step = g_new0 (Step, 1);
  step->timeout_ms = AUTHSIM_SCENARIO_STEP_TIMEOUT_MS;
  step->container = -1;
  step->callback = step->toast = step->popup = step->violation = -1;

  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      gboolean is_verb = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (verbs); i++)
        if (g_strcmp0 (key, verbs[i].name) == 0)
          {
            if (verb != NULL)
              {
                parse_fail (p, path, "one verb per step, got \"%s\" and \"%s\"", verb, key);
                goto fail;
              }
            verb = key;
            step->kind = verbs[i].kind;
            is_verb = TRUE;
          }

      if (!is_verb && g_strcmp0 (key, "timeout") != 0 && g_strcmp0 (key, "comment") != 0 &&
          g_strcmp0 (key, "trigger") != 0 && g_strcmp0 (key, "container") != 0)
        {
          parse_fail (p, path, "unknown key \"%s\"", key);
          goto fail;
        }
    }

  if (verb == NULL)
    {
      parse_fail (p, path, "expected one of " VERB_LIST);
      goto fail;
    }

  if (step->kind != STEP_CALL &&
      (json_object_has_member (object, "trigger") || json_object_has_member (object, "container")))
    {
      parse_fail (p, path, "\"trigger\" and \"container\" only apply to \"call\"");
      goto fail;
    }

  if ((member = json_object_get_member (object, "timeout")) != NULL)
    {
      g_autofree char *sub = g_strconcat (path, ".timeout", NULL);
      double seconds = node_is_number (member) ? json_node_get_double (member) : -1;

      if (!(seconds > 0 && seconds <= 600))
        {
          expect_got (p, sub, "a number of seconds from 0 to 600", member);
          goto fail;
        }
      step->timeout_ms = (guint) (seconds * 1000);
    }

  if ((member = json_object_get_member (object, "comment")) != NULL && !node_is_string (member))
    {
      g_autofree char *sub = g_strconcat (path, ".comment", NULL);

      expect_got (p, sub, "a string", member);
      goto fail;
    }

  value = json_object_get_member (object, verb);
  vpath = g_strconcat (path, ".", verb, NULL);

  switch (step->kind)
    {
    case STEP_NAVIGATE:
      ok = get_string (p, vpath, value, "a page path", FALSE, &text);
      if (ok)
        step->text = g_strdup (text);
      break;

    case STEP_TAP:
      ok = get_string (p, vpath, value, "a button label", FALSE, &text);
      if (ok)
        step->text = g_strdup (text);
      break;

    case STEP_SET_USER:
      ok = get_string (p, vpath, value, "a userId", FALSE, &text);
      if (ok)
        step->text = g_strdup (text);
      break;

    case STEP_RELAUNCH:
      if (node_is_string (value) && *json_node_get_string (value) != '\0')
        step->text = g_strdup (json_node_get_string (value));
      else if (!node_is_boolean (value) || !json_node_get_boolean (value))
        ok = expect_got (p, vpath, "true or a page path", value);
      break;

    case STEP_BACK:
    case STEP_CLEAR_GRANTS:
      ok = get_true (p, vpath, value);
      break;

    case STEP_REVOKE:
      ok = parse_user_app (p, vpath, value, FALSE, step);
      break;

    case STEP_GRANT:
      ok = parse_user_app (p, vpath, value, TRUE, step);
      break;

    case STEP_ADVANCE_CLOCK:
      if (!node_is_string (value) ||
          !authsim_parse_duration (json_node_get_string (value), &step->seconds))
        ok = expect_got (p, vpath, "a duration such as +3m, +15d, +90s or +2h", value);
      break;

    case STEP_CALL:
      step->params = json_node_copy (value);
      ok = TRUE;
      if ((member = json_object_get_member (object, "trigger")) != NULL)
        {
          g_autofree char *sub = g_strconcat (path, ".trigger", NULL);

          ok = get_enum (p, sub, member, AUTHSIM_TYPE_TRIGGER, "tap or lifecycle", &step->trigger);
        }
      if (ok && (member = json_object_get_member (object, "container")) != NULL)
        {
          g_autofree char *sub = g_strconcat (path, ".container", NULL);

          ok = get_enum (p, sub, member, AUTHSIM_TYPE_CONTAINER,
                         "mini-program, plugin or web-view", &step->container);
        }
      break;

    case STEP_ANSWER:
      ok = get_enum (p, vpath, value, AUTHSIM_TYPE_DECISION, "allow, reject or close",
                     &step->value);
      break;

    case STEP_NETWORK_FAULT:
      if (!node_is_boolean (value))
        ok = expect_got (p, vpath, "true or false", value);
      else
        step->value = json_node_get_boolean (value);
      break;

    case STEP_FIRST_SCREEN_RULE:
      ok = get_enum (p, vpath, value, AUTHSIM_TYPE_FIRST_SCREEN_RULE, "enforce, warn or off",
                     &step->value);
      break;

    case STEP_EXPECT:
      ok = parse_expect (p, vpath, value, step);
      break;

    case STEP_EXCHANGE:
      ok = parse_exchange (p, vpath, value, step);
      break;

    default:
      g_assert_not_reached ();
    }

  if (!ok)
    goto fail;

  step->description = make_description (verb, value);
  if (step->kind == STEP_CALL &&
      (json_object_has_member (object, "trigger") || json_object_has_member (object, "container")))
    {
      g_autofree char *base = step->description;
      const char *trigger = authsim_enum_to_nick (AUTHSIM_TYPE_TRIGGER, step->trigger);

      step->description = step->container >= 0
        ? g_strdup_printf ("%s (%s, %s)", base, trigger,
                           authsim_enum_to_nick (AUTHSIM_TYPE_CONTAINER, step->container))
        : g_strdup_printf ("%s (%s)", base, trigger);
    }
  return step;

fail:
  step_free (step);
  return NULL;
}

static gboolean
parse_scenario (AuthsimScenario *self,
                Parser          *p,
                JsonNode        *root)
{
  static const char * const keys[] = {
    "name", "description", "profile", "users", "firstScreenRule", "steps", "comment", NULL
  };
  JsonObject *object;
  JsonNode *member;
  JsonArray *steps;
  const char *text;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return expect_got (p, "$", "an object", root);
  object = json_node_get_object (root);
  if (!check_keys (p, "$", object, keys))
    return FALSE;

  if ((member = json_object_get_member (object, "name")) != NULL)
    {
      if (!get_string (p, "$.name", member, "a string", FALSE, &text))
        return FALSE;
      self->name = g_strdup (text);
    }
  else
    self->name = g_strdup (p->source);

  if ((member = json_object_get_member (object, "description")) != NULL)
    {
      if (!get_string (p, "$.description", member, "a string", TRUE, &text))
        return FALSE;
      self->description = g_strdup (text);
    }

  if ((member = json_object_get_member (object, "profile")) != NULL &&
      !resolve_file (p, "$.profile", member, &self->profile))
    return FALSE;
  if ((member = json_object_get_member (object, "users")) != NULL &&
      !resolve_file (p, "$.users", member, &self->users))
    return FALSE;

  if ((member = json_object_get_member (object, "firstScreenRule")) != NULL &&
      !get_enum (p, "$.firstScreenRule", member, AUTHSIM_TYPE_FIRST_SCREEN_RULE,
                 "enforce, warn or off", &self->first_screen_rule))
    return FALSE;

  member = json_object_get_member (object, "steps");
  if (member == NULL)
    return parse_fail (p, "$", "missing \"steps\"");
  if (!JSON_NODE_HOLDS_ARRAY (member))
    return expect_got (p, "$.steps", "an array of steps", member);

  steps = json_node_get_array (member);
  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      Step *step = parse_step (p, i, json_array_get_element (steps, i));

      if (step == NULL)
        return FALSE;
      g_ptr_array_add (self->steps, step);
    }

  return TRUE;
}

AuthsimScenario *
authsim_scenario_new_from_data (const char  *data,
                                gssize       length,
                                const char  *source_name,
                                const char  *base_dir,
                                GError     **error)
{
  g_autoptr(AuthsimScenario) self = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *cwd = NULL;
  Parser p = { 0 };

  g_return_val_if_fail (data != NULL, NULL);

  if (source_name == NULL)
    source_name = "scenario";
  if (base_dir == NULL)
    base_dir = cwd = g_get_current_dir ();

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      const char *message = local_error->message;

      /* json-glib says "<data>:3:5: Parse error: …": name the file instead. */
      if (g_str_has_prefix (message, "<data>:"))
        message += strlen ("<data>:");
      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID_JSON, "%s:%s",
                   source_name, message);
      return NULL;
    }

  self = g_object_new (AUTHSIM_TYPE_SCENARIO, NULL);
  p.source = source_name;
  p.base_dir = base_dir;
  p.error = error;
  if (!parse_scenario (self, &p, json_parser_get_root (parser)))
    return NULL;

  return g_steal_pointer (&self);
}

AuthsimScenario *
authsim_scenario_new_from_file (const char  *path,
                                GError     **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *base = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *absolute = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);

  base = g_path_get_basename (path);
  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO, "%s: %s", base, local_error->message);
      return NULL;
    }

  absolute = g_canonicalize_filename (path, NULL);
  dir = g_path_get_dirname (absolute);
  return authsim_scenario_new_from_data (contents, length, base, dir, error);
}

const char *
authsim_scenario_get_name (AuthsimScenario *self)
{
  g_return_val_if_fail (AUTHSIM_IS_SCENARIO (self), NULL);
  return self->name;
}

const char *
authsim_scenario_get_description (AuthsimScenario *self)
{
  g_return_val_if_fail (AUTHSIM_IS_SCENARIO (self), NULL);
  return self->description;
}

const char *
authsim_scenario_get_profile (AuthsimScenario *self)
{
  g_return_val_if_fail (AUTHSIM_IS_SCENARIO (self), NULL);
  return self->profile;
}

const char *
authsim_scenario_get_users (AuthsimScenario *self)
{
  g_return_val_if_fail (AUTHSIM_IS_SCENARIO (self), NULL);
  return self->users;
}

int
authsim_scenario_get_first_screen_rule (AuthsimScenario *self)
{
  g_return_val_if_fail (AUTHSIM_IS_SCENARIO (self), -1);
  return self->first_screen_rule;
}

guint
authsim_scenario_get_n_steps (AuthsimScenario *self)
{
  g_return_val_if_fail (AUTHSIM_IS_SCENARIO (self), 0);
  return self->steps->len;
}

const char *
authsim_scenario_get_step_description (AuthsimScenario *self,
                                       guint            index)
{
  g_return_val_if_fail (AUTHSIM_IS_SCENARIO (self), NULL);
  g_return_val_if_fail (index < self->steps->len, NULL);
  return ((Step *) g_ptr_array_index (self->steps, index))->description;
}

void
authsim_scenario_apply_options (AuthsimScenario *self,
                                AuthsimOptions  *options)
{
  g_return_if_fail (AUTHSIM_IS_SCENARIO (self));
  g_return_if_fail (options != NULL);

  if (self->profile != NULL)
    {
      g_free (options->profile);
      options->profile = g_strdup (self->profile);
    }
  if (self->users != NULL)
    {
      g_free (options->users);
      options->users = g_strdup (self->users);
    }
  if (self->first_screen_rule >= 0)
    options->first_screen_rule = self->first_screen_rule;
}

/* ------------------------------------------------------------------------------------------ */
/* The runner                                                                                 */

typedef enum
{
  CHECK_PENDING,
  CHECK_OK,
  CHECK_FAIL,
} Check;

typedef struct
{
  GTask           *task;          /* owned while running; the task owns this struct */
  AuthsimScenario *scenario;
  AuthsimEngine   *engine;
  AuthsimLog      *log;
  AuthsimGateway  *gateway;
  AuthsimKeys     *keys;
  guint            delay_ms;
  GCancellable    *cancellable;
  gulong           cancelled_id;

  guint            index;
  guint            n_passed;
  guint            n_failed;

  /* Cursors: the seq of the last event each expectation consumed. */
  guint64          start_seq;
  guint64          action_seq;    /* the log's end when the last action step ran */
  guint64          callback_seq;
  guint64          toast_seq;
  guint64          violation_seq;
  guint64          popup_seq;
  char            *last_code;

  GQueue           answers;       /* scripted answers for the next popups */
  guint            answer_idle;

  guint            next_id;       /* idle or delay before the next step */
  guint            timeout_id;
  guint            abort_id;
  gboolean         waiting;
  char            *pending_what;  /* what a waiting step still waits for */

  SoupSession     *session;
  GCancellable    *http_cancellable;

  gulong           items_id;
  gulong           request_id;
} Runner;

static void runner_schedule_next (Runner *r);
static void runner_recheck       (Runner *r);

static void
runner_free (gpointer data)
{
  Runner *r = data;

  g_assert (r->task == NULL);
  g_clear_object (&r->engine);
  g_clear_object (&r->log);
  g_clear_object (&r->gateway);
  g_clear_object (&r->keys);
  g_clear_object (&r->cancellable);
  g_clear_object (&r->session);
  g_clear_object (&r->http_cancellable);
  g_free (r->last_code);
  g_free (r->pending_what);
  g_queue_clear (&r->answers);
  g_free (r);
}

static Step *
runner_step (Runner *r)
{
  return g_ptr_array_index (r->scenario->steps, r->index);
}

/* Tears the run down and returns its result; @error (transfer full, nullable). */
static void
runner_finish (Runner *r,
               GError *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&r->task);

  g_clear_handle_id (&r->next_id, g_source_remove);
  g_clear_handle_id (&r->timeout_id, g_source_remove);
  g_clear_handle_id (&r->answer_idle, g_source_remove);
  g_clear_handle_id (&r->abort_id, g_source_remove);
  g_clear_signal_handler (&r->items_id, r->log);
  g_clear_signal_handler (&r->request_id, r->engine);
  if (r->http_cancellable != NULL)
    g_cancellable_cancel (r->http_cancellable);
  if (r->cancelled_id != 0)
    {
      g_cancellable_disconnect (r->cancellable, r->cancelled_id);
      r->cancelled_id = 0;
    }
  r->scenario->running = FALSE;

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static guint64
log_last_seq (AuthsimLog *log)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (log));
  g_autoptr(AuthsimEvent) event = NULL;

  if (n == 0)
    return 0;
  event = g_list_model_get_item (G_LIST_MODEL (log), n - 1);
  return authsim_event_get_seq (event);
}

typedef gboolean (*EventMatch) (JsonObject *event,
                                gpointer    data);

/* The first event after @after (a seq) that @match accepts, or NULL. (transfer full) */
static AuthsimEvent *
find_event (AuthsimLog *log,
            guint64     after,
            EventMatch  match,
            gpointer    data)
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

static gboolean
match_kind (JsonObject *event,
            gpointer    data)
{
  return g_strcmp0 (json_object_get_string_member_with_default (event, "kind", ""), data) == 0;
}

static gboolean
match_popup_open (JsonObject *event,
                  gpointer    data)
{
  return match_kind (event, (gpointer) "popup") &&
         g_strcmp0 (json_object_get_string_member_with_default (event, "event", ""), "open") == 0;
}

static gboolean
match_outcome (JsonObject *event,
               gpointer    data)
{
  const char *callback = json_object_get_string_member_with_default (event, "callback", "");

  return match_kind (event, (gpointer) "callback") &&
         (g_strcmp0 (callback, "success") == 0 || g_strcmp0 (callback, "fail") == 0);
}

static gint64
event_call (JsonObject *event)
{
  JsonNode *node = json_object_get_member (event, "call");

  return node_is_number (node) ? json_node_get_int (node) : 0;
}

static gboolean
match_complete (JsonObject *event,
                gpointer    data)
{
  return match_kind (event, (gpointer) "callback") &&
         g_strcmp0 (json_object_get_string_member_with_default (event, "callback", ""),
                    "complete") == 0 &&
         event_call (event) == GPOINTER_TO_INT (data);
}

static JsonObject *
event_payload (AuthsimEvent *event)
{
  JsonNode *node = json_object_get_member (authsim_event_get_object (event), "payload");

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static char *
describe_outcome (AuthsimEvent *event)
{
  JsonObject *object = authsim_event_get_object (event);
  JsonNode *payload = json_object_get_member (object, "payload");
  g_autofree char *text = node_to_compact (payload);

  return g_strdup_printf ("%s %s", json_object_get_string_member_with_default (object,
                                                                               "callback", "?"),
                          text);
}

static void
set_pending (Runner     *r,
             const char *what)
{
  g_free (r->pending_what);
  r->pending_what = g_strdup (what);
}

/* Evaluates an expect step against the log; consumes what it matched only when it holds. */
static Check
check_expect (Runner  *r,
              Step    *step,
              char   **detail)
{
  g_autoptr(AuthsimEvent) toast = NULL;
  g_autoptr(AuthsimEvent) violation = NULL;
  g_autoptr(AuthsimEvent) popup = NULL;
  g_autoptr(AuthsimEvent) outcome = NULL;
  g_autoptr(AuthsimEvent) complete = NULL;

  /* Positive expectations first: each waits for its next unconsumed event. */
  if (step->toast == 1 &&
      (toast = find_event (r->log, r->toast_seq, match_kind, (gpointer) "toast")) == NULL)
    {
      set_pending (r, "a toast");
      return CHECK_PENDING;
    }

  if (step->violation == 1 &&
      (violation = find_event (r->log, r->violation_seq, match_kind,
                               (gpointer) "violation")) == NULL)
    {
      set_pending (r, "a violation");
      return CHECK_PENDING;
    }

  if (step->popup == 1 &&
      (popup = find_event (r->log, r->popup_seq, match_popup_open, NULL)) == NULL)
    {
      set_pending (r, "a popup");
      return CHECK_PENDING;
    }

  if (step->callback >= 0)
    {
      outcome = find_event (r->log, r->callback_seq, match_outcome, NULL);
      if (outcome == NULL)
        {
          set_pending (r, "a callback");
          return CHECK_PENDING;
        }
      complete = find_event (r->log, authsim_event_get_seq (outcome), match_complete,
                             GINT_TO_POINTER ((int) authsim_event_get_call (outcome)));
      if (complete == NULL)
        {
          set_pending (r, "the complete callback");
          return CHECK_PENDING;
        }
    }

  /* Everything awaited is there: consume it, then judge. */
  if (toast != NULL)
    r->toast_seq = authsim_event_get_seq (toast);
  if (popup != NULL)
    {
      g_autofree char *reason = NULL;

      r->popup_seq = authsim_event_get_seq (popup);
      if (step->popup_fields != NULL &&
          !object_matches (step->popup_fields, authsim_event_get_object (popup), "popup.",
                           &reason))
        {
          *detail = g_steal_pointer (&reason);
          return CHECK_FAIL;
        }
    }
  if (violation != NULL)
    {
      const char *rule = json_object_get_string_member_with_default (
        authsim_event_get_object (violation), "rule", "");

      r->violation_seq = authsim_event_get_seq (violation);
      if (g_strcmp0 (rule, step->rule) != 0)
        {
          *detail = g_strdup_printf ("expected a %s violation, got %s", step->rule, rule);
          return CHECK_FAIL;
        }
    }

  if (outcome != NULL)
    {
      JsonObject *payload = event_payload (outcome);
      const char *kind = authsim_event_get_callback (outcome);
      g_autofree char *reason = NULL;

      r->callback_seq = authsim_event_get_seq (outcome);
      if (payload != NULL && g_strcmp0 (kind, "success") == 0 &&
          json_object_has_member (payload, "authCode") &&
          node_is_string (json_object_get_member (payload, "authCode")))
        {
          g_free (r->last_code);
          r->last_code = g_strdup (json_object_get_string_member (payload, "authCode"));
        }

      if (step->callback < 2 && g_strcmp0 (kind, step->callback ? "fail" : "success") != 0)
        {
          g_autofree char *got = describe_outcome (outcome);

          *detail = g_strdup_printf ("expected %s, got %s", step->callback ? "fail" : "success",
                                     got);
          return CHECK_FAIL;
        }
      if (step->has_error)
        {
          JsonNode *error = payload != NULL ? json_object_get_member (payload, "error") : NULL;

          if (!node_is_number (error) || json_node_get_double (error) != (double) step->error)
            {
              g_autofree char *got = describe_outcome (outcome);

              *detail = g_strdup_printf ("expected error %" G_GINT64_FORMAT ", got %s",
                                         step->error, got);
              return CHECK_FAIL;
            }
        }
      if (step->payload != NULL && !object_matches (step->payload, payload, "payload.", &reason))
        {
          g_autofree char *got = describe_outcome (outcome);

          *detail = g_strdup_printf ("%s (got %s)", reason, got);
          return CHECK_FAIL;
        }
      if (!nodes_equal (json_object_get_member (authsim_event_get_object (outcome), "payload"),
                        json_object_get_member (authsim_event_get_object (complete), "payload")))
        {
          *detail = g_strdup ("complete did not carry the same payload");
          return CHECK_FAIL;
        }
    }

  /* Negative expectations: nothing of the kind since the last action step. */
  if (step->toast == 0)
    {
      g_autoptr(AuthsimEvent) seen = find_event (r->log, r->action_seq, match_kind,
                                                 (gpointer) "toast");
      if (seen != NULL)
        {
          *detail = g_strdup ("a toast showed");
          return CHECK_FAIL;
        }
    }
  if (step->violation == 0)
    {
      g_autoptr(AuthsimEvent) seen = find_event (r->log, r->action_seq, match_kind,
                                                 (gpointer) "violation");
      if (seen != NULL)
        {
          *detail = g_strdup_printf ("a %s violation was logged",
                                     json_object_get_string_member_with_default (
                                       authsim_event_get_object (seen), "rule", "?"));
          return CHECK_FAIL;
        }
    }
  if (step->popup == 0)
    {
      g_autoptr(AuthsimEvent) seen = find_event (r->log, r->action_seq, match_popup_open, NULL);
      AuthsimRequest *request = authsim_engine_get_request (r->engine);

      if (seen != NULL || (request != NULL && !authsim_request_get_answered (request)))
        {
          *detail = g_strdup ("a popup opened");
          return CHECK_FAIL;
        }
    }

  return CHECK_OK;
}

static void
runner_step_done (Runner     *r,
                  gboolean    ok,
                  const char *detail)
{
  Step *step = runner_step (r);

  r->waiting = FALSE;
  g_clear_handle_id (&r->timeout_id, g_source_remove);
  g_clear_pointer (&r->pending_what, g_free);

  if (ok)
    r->n_passed++;
  else
    r->n_failed++;

  g_signal_emit (r->scenario, signals[SIGNAL_STEP_FINISHED], 0,
                 r->index, step->description, ok, detail);

  r->index++;
  runner_schedule_next (r);
}

static gboolean
step_timeout_cb (gpointer user_data)
{
  Runner *r = user_data;
  Step *step = runner_step (r);
  g_autofree char *detail = NULL;

  r->timeout_id = 0;
  if (r->http_cancellable != NULL)
    g_cancellable_cancel (r->http_cancellable);

  detail = g_strdup_printf ("timed out after %g s waiting for %s",
                            step->timeout_ms / 1000.0,
                            r->pending_what != NULL ? r->pending_what : "the step");
  runner_step_done (r, FALSE, detail);
  return G_SOURCE_REMOVE;
}

static void
runner_recheck (Runner *r)
{
  g_autofree char *detail = NULL;
  Check check;

  if (!r->waiting || r->task == NULL || runner_step (r)->kind != STEP_EXPECT)
    return;

  check = check_expect (r, runner_step (r), &detail);
  if (check != CHECK_PENDING)
    runner_step_done (r, check == CHECK_OK, detail);
}

/* Scripted answers: each goes to the next popup that opens (or the one open now). */

static gboolean
answer_idle_cb (gpointer user_data)
{
  Runner *r = user_data;
  AuthsimRequest *request = authsim_engine_get_request (r->engine);

  r->answer_idle = 0;
  if (request != NULL && !authsim_request_get_answered (request) &&
      !g_queue_is_empty (&r->answers))
    {
      int decision = GPOINTER_TO_INT (g_queue_pop_head (&r->answers)) - 1;
      g_autoptr(GError) error = NULL;

      if (!authsim_engine_respond (r->engine, decision, AUTHSIM_ANSWER_SOURCE_SCENARIO, &error))
        authsim_engine_log_error (r->engine, "scenario", error->message);
    }
  return G_SOURCE_REMOVE;
}

static void
runner_check_answers (Runner *r)
{
  AuthsimRequest *request = authsim_engine_get_request (r->engine);

  if (r->answer_idle != 0 || g_queue_is_empty (&r->answers))
    return;
  if (request == NULL || authsim_request_get_answered (request))
    return;

  /* From an idle, not inside the engine's notify; before a standing answer's idle. */
  r->answer_idle = g_idle_add_full (G_PRIORITY_HIGH_IDLE, answer_idle_cb, r, NULL);
}

static void
request_notify_cb (AuthsimEngine *engine,
                   GParamSpec    *pspec,
                   Runner        *r)
{
  runner_check_answers (r);
  runner_recheck (r);
}

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Runner     *r)
{
  if (added > 0)
    runner_recheck (r);
}

/* Exchange: redeem the last authCode at the gateway, as a backend with an SDK would. */

static char *
sign_content (GPtrArray *keys,
              GHashTable *params)
{
  GString *content = g_string_new (NULL);

  for (guint i = 0; i < keys->len; i++)
    {
      const char *key = g_ptr_array_index (keys, i);
      const char *value = g_hash_table_lookup (params, key);

      if (g_strcmp0 (key, "sign") == 0 || value == NULL || *value == '\0')
        continue;
      if (content->len > 0)
        g_string_append_c (content, '&');
      g_string_append_printf (content, "%s=%s", key, value);
    }
  return g_string_free (content, FALSE);
}

static int
compare_keys (gconstpointer a,
              gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static char *
timestamp_now (void)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier ("Asia/Shanghai");
  g_autoptr(GDateTime) now = NULL;

  if (tz == NULL)
    tz = g_time_zone_new_offset (8 * 3600);
  now = g_date_time_new_now (tz);
  return g_date_time_format (now, "%Y-%m-%d %H:%M:%S");
}

/* One request in flight: it holds the run's task (and so the runner) until it comes back. */
typedef struct
{
  GTask        *task;
  GCancellable *cancellable;
  guint         index;        /* the step that sent it */
} Exchange;

static void
exchange_free (Exchange *exchange)
{
  g_clear_object (&exchange->task);
  g_clear_object (&exchange->cancellable);
  g_free (exchange);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Exchange, exchange_free)

/* Judges the gateway's answer to an exchange step; TRUE when it holds, else @detail says why. */
static gboolean
exchange_check (Runner      *r,
                Step        *step,
                GBytes      *bytes,
                char       **detail)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autofree char *body = NULL;
  g_autofree char *marker = NULL;
  g_autofree char *reason = NULL;
  const char *node_key = NULL;
  const char *sign, *start, *end;
  JsonObject *root, *node;
  gsize length;

  body = g_strndup (g_bytes_get_data (bytes, &length), g_bytes_get_size (bytes));
  if (!json_parser_load_from_data (parser, body, length, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      *detail = g_strdup_printf ("the gateway answered no JSON object: %.80s", body);
      return FALSE;
    }

  root = json_node_get_object (json_parser_get_root (parser));
  if (json_object_has_member (root, "alipay_system_oauth_token_response"))
    node_key = "alipay_system_oauth_token_response";
  else if (json_object_has_member (root, "error_response"))
    node_key = "error_response";
  sign = json_object_get_string_member_with_default (root, "sign", NULL);

  if (node_key == NULL || sign == NULL ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (root, node_key)))
    {
      *detail = g_strdup_printf ("unexpected response: %.120s", body);
      return FALSE;
    }
  node = json_object_get_object_member (root, node_key);

  /* The signature covers the node's exact bytes: from after "<key>": to before ,"sign". */
  marker = g_strdup_printf ("\"%s\":", node_key);
  start = strstr (body, marker);
  end = g_strrstr (body, ",\"sign\"");
  if (start == NULL || end == NULL || end <= start + strlen (marker) ||
      !authsim_keys_verify_gateway (r->keys, start + strlen (marker),
                                    end - (start + strlen (marker)), sign, NULL))
    {
      *detail = g_strdup ("the response signature does not verify against the gateway "
                          "public key");
      return FALSE;
    }

  if (step->payload != NULL)
    {
      if (!object_matches (step->payload, node, "", &reason))
        {
          g_autofree char *got = json_to_string (json_object_get_member (root, node_key), FALSE);

          *detail = g_strdup_printf ("%s (got %s)", reason, got);
          return FALSE;
        }
    }
  else if (g_strcmp0 (node_key, "error_response") == 0 ||
           g_strcmp0 (json_object_get_string_member_with_default (node, "code", "10000"),
                      "10000") != 0)
    {
      g_autofree char *got = json_to_string (json_object_get_member (root, node_key), FALSE);

      *detail = g_strdup_printf ("the gateway refused the code: %s", got);
      return FALSE;
    }

  return TRUE;
}

static void
exchange_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Exchange) exchange = user_data;
  Runner *r = g_task_get_task_data (exchange->task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *detail = NULL;
  gboolean ok;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);

  /* Timed out, cancelled or torn down meanwhile: the step has been reported already. */
  if (g_cancellable_is_cancelled (exchange->cancellable) || r->task == NULL ||
      !r->waiting || r->index != exchange->index)
    return;
  g_clear_object (&r->http_cancellable);

  if (bytes == NULL)
    {
      detail = g_strdup_printf ("the gateway did not answer: %s", error->message);
      ok = FALSE;
    }
  else
    ok = exchange_check (r, runner_step (r), bytes, &detail);

  runner_step_done (r, ok, detail);
}

/* The last authCode handed out in this run. */
static char *
runner_find_code (Runner *r)
{
  GListModel *model = G_LIST_MODEL (r->log);

  if (r->last_code != NULL)
    return g_strdup (r->last_code);

  for (guint i = g_list_model_get_n_items (model); i > 0; i--)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (model, i - 1);
      JsonObject *payload;

      if (authsim_event_get_seq (event) <= r->start_seq)
        break;
      if (g_strcmp0 (authsim_event_get_callback (event), "success") != 0)
        continue;
      payload = event_payload (event);
      if (payload != NULL && node_is_string (json_object_get_member (payload, "authCode")))
        return g_strdup (json_object_get_string_member (payload, "authCode"));
    }
  return NULL;
}

static void
runner_exchange (Runner *r,
                 Step   *step)
{
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GPtrArray) keys = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *code = NULL;
  g_autofree char *app_id = NULL;
  g_autofree char *content = NULL;
  g_autofree char *sign = NULL;
  g_autofree char *timestamp = NULL;
  GString *form;
  Exchange *exchange;
  const char *url;

  if (r->gateway == NULL || (url = authsim_gateway_get_url (r->gateway)) == NULL)
    {
      runner_step_done (r, FALSE, "the gateway is not running");
      return;
    }
  if (r->keys == NULL)
    {
      runner_step_done (r, FALSE, "no keys to sign with");
      return;
    }

  code = step->text != NULL ? g_strdup (step->text) : runner_find_code (r);
  if (code == NULL)
    {
      runner_step_done (r, FALSE, "no authCode to exchange: no success callback carried one");
      return;
    }

  if (step->app_id != NULL)
    app_id = g_strdup (step->app_id);
  else
    {
      g_autoptr(AuthsimCode) issued = authsim_store_lookup_code (
        authsim_engine_get_store (r->engine), code);

      /* The code's subject: the host in plugin context (SPEC §2.2). */
      app_id = g_strdup (issued != NULL
                         ? issued->app_id
                         : authsim_profile_get_app_id (authsim_engine_get_profile (r->engine)));
    }

  timestamp = timestamp_now ();
  params = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (params, (gpointer) "app_id", app_id);
  g_hash_table_insert (params, (gpointer) "method", (gpointer) "alipay.system.oauth.token");
  g_hash_table_insert (params, (gpointer) "charset", (gpointer) "utf-8");
  g_hash_table_insert (params, (gpointer) "sign_type", (gpointer) "RSA2");
  g_hash_table_insert (params, (gpointer) "timestamp", timestamp);
  g_hash_table_insert (params, (gpointer) "version", (gpointer) "1.0");
  g_hash_table_insert (params, (gpointer) "grant_type", (gpointer) "authorization_code");
  g_hash_table_insert (params, (gpointer) "code", code);

  keys = g_ptr_array_new ();
  {
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, params);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_ptr_array_add (keys, key);
  }
  g_ptr_array_sort (keys, compare_keys);
  content = sign_content (keys, params);
  sign = authsim_keys_sign_as_app (r->keys, content, strlen (content), &error);
  if (sign == NULL)
    {
      g_autofree char *detail = g_strdup_printf ("cannot sign the request: %s", error->message);

      runner_step_done (r, FALSE, detail);
      return;
    }

  form = g_string_new (NULL);
  for (guint i = 0; i < keys->len; i++)
    {
      const char *key = g_ptr_array_index (keys, i);

      g_string_append_printf (form, "%s%s=", form->len > 0 ? "&" : "", key);
      g_string_append_uri_escaped (form, g_hash_table_lookup (params, key), NULL, FALSE);
    }
  g_string_append (form, "&sign=");
  g_string_append_uri_escaped (form, sign, NULL, FALSE);
  body = g_string_free_to_bytes (form);

  message = soup_message_new (SOUP_METHOD_POST, url);
  if (message == NULL)
    {
      runner_step_done (r, FALSE, "the gateway URL is invalid");
      return;
    }
  soup_message_set_request_body_from_bytes (message,
                                            "application/x-www-form-urlencoded;charset=utf-8",
                                            body);

  if (r->session == NULL)
    r->session = soup_session_new ();
  g_clear_object (&r->http_cancellable);
  r->http_cancellable = g_cancellable_new ();

  set_pending (r, "the gateway's answer");
  r->waiting = TRUE;
  r->timeout_id = g_timeout_add (step->timeout_ms, step_timeout_cb, r);
  exchange = g_new0 (Exchange, 1);
  exchange->task = g_object_ref (r->task);
  exchange->cancellable = g_object_ref (r->http_cancellable);
  exchange->index = r->index;
  soup_session_send_and_read_async (r->session, message, G_PRIORITY_DEFAULT,
                                    r->http_cancellable, exchange_done_cb, exchange);
}

/*
 * my.reLaunch to a page: the engine does it for a page button, so tap the current page's
 * button that relaunches there (what a recorded session did); the launch page needs none.
 */
static gboolean
runner_relaunch_at (Runner      *r,
                    const char  *path,
                    GError     **error)
{
  const AuthsimPage *page = authsim_engine_get_page (r->engine);
  AuthsimProfile *profile = authsim_engine_get_profile (r->engine);

  for (guint i = 0; page != NULL && i < authsim_page_get_n_buttons (page); i++)
    if (g_strcmp0 (authsim_page_get_button_relaunch (page, i), path) == 0)
      return authsim_engine_tap (r->engine, authsim_page_get_button_label (page, i), error);

  if (authsim_profile_get_n_pages (profile) > 0 &&
      g_strcmp0 (authsim_page_get_path (authsim_profile_get_page (profile, 0)), path) == 0)
    {
      authsim_engine_launch (r->engine);
      return TRUE;
    }

  g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_NOT_FOUND,
               "no button of page \"%s\" relaunches to \"%s\"",
               page != NULL ? authsim_page_get_path (page) : "", path);
  return FALSE;
}

static void
runner_execute (Runner *r)
{
  Step *step = runner_step (r);
  AuthsimStore *store = authsim_engine_get_store (r->engine);
  g_autoptr(GError) error = NULL;
  gboolean ok = TRUE;

  if (step->kind != STEP_EXPECT && step->kind != STEP_EXCHANGE)
    r->action_seq = log_last_seq (r->log);

  switch (step->kind)
    {
    case STEP_NAVIGATE:
      ok = authsim_engine_navigate (r->engine, step->text, &error);
      break;

    case STEP_BACK:
      ok = authsim_engine_navigate_back (r->engine, &error);
      break;

    case STEP_RELAUNCH:
      if (step->text == NULL)
        authsim_engine_launch (r->engine);
      else if (!runner_relaunch_at (r, step->text, &error))
        ok = FALSE;
      break;

    case STEP_SET_USER:
      ok = authsim_engine_set_active_user_id (r->engine, step->text, &error);
      break;

    case STEP_CLEAR_GRANTS:
      authsim_engine_clear_grants (r->engine);
      break;

    case STEP_REVOKE:
      if (!authsim_engine_revoke (r->engine, step->text, step->app_id))
        {
          g_autofree char *detail = g_strdup_printf ("%s had granted nothing to %s",
                                                     step->text, step->app_id);

          runner_step_done (r, FALSE, detail);
          return;
        }
      break;

    case STEP_GRANT:
      authsim_store_grant (store, step->text, step->app_id, (const char * const *) step->scopes);
      break;

    case STEP_ADVANCE_CLOCK:
      authsim_store_advance_clock (store, step->seconds);
      break;

    case STEP_TAP:
      ok = authsim_engine_tap (r->engine, step->text, &error);
      break;

    case STEP_CALL:
      authsim_engine_call (r->engine, step->params, step->trigger,
                           step->container >= 0 ? (AuthsimContainer) step->container
                                                : authsim_engine_get_container (r->engine));
      break;

    case STEP_ANSWER:
      g_queue_push_tail (&r->answers, GINT_TO_POINTER (step->value + 1));
      runner_check_answers (r);
      break;

    case STEP_NETWORK_FAULT:
      authsim_engine_set_network_fault (r->engine, step->value);
      break;

    case STEP_FIRST_SCREEN_RULE:
      authsim_engine_set_first_screen_rule (r->engine, step->value);
      break;

    case STEP_EXPECT:
      r->waiting = TRUE;
      set_pending (r, "the expected events");
      r->timeout_id = g_timeout_add (step->timeout_ms, step_timeout_cb, r);
      runner_recheck (r);
      return;

    case STEP_EXCHANGE:
      runner_exchange (r, step);
      return;

    default:
      g_assert_not_reached ();
    }

  runner_step_done (r, ok, ok ? NULL : error->message);
}

static gboolean
step_delay_cb (gpointer user_data)
{
  Runner *r = user_data;

  r->next_id = 0;
  runner_execute (r);
  return G_SOURCE_REMOVE;
}

static gboolean
next_step_cb (gpointer user_data)
{
  Runner *r = user_data;

  r->next_id = 0;

  if (r->index >= r->scenario->steps->len)
    {
      runner_finish (r, NULL);
      return G_SOURCE_REMOVE;
    }

  g_signal_emit (r->scenario, signals[SIGNAL_STEP_STARTED], 0,
                 r->index, runner_step (r)->description);

  if (r->delay_ms > 0)
    r->next_id = g_timeout_add (r->delay_ms, step_delay_cb, r);
  else
    runner_execute (r);

  return G_SOURCE_REMOVE;
}

static void
runner_schedule_next (Runner *r)
{
  /* Each step starts from the main loop, never inside the engine's or the log's signals. */
  g_clear_handle_id (&r->next_id, g_source_remove);
  r->next_id = g_idle_add (next_step_cb, r);
}

static gboolean
abort_cb (gpointer user_data)
{
  Runner *r = user_data;

  r->abort_id = 0;
  if (r->task != NULL)
    runner_finish (r, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                           "The scenario run was cancelled"));
  return G_SOURCE_REMOVE;
}

static void
cancelled_cb (GCancellable *cancellable,
              Runner       *r)
{
  /* May run in another thread: tear down from the main context. */
  if (r->abort_id == 0)
    r->abort_id = g_idle_add_full (G_PRIORITY_HIGH, abort_cb, r, NULL);
}

void
authsim_scenario_run_async (AuthsimScenario     *self,
                            AuthsimEngine       *engine,
                            AuthsimGateway      *gateway,
                            AuthsimKeys         *keys,
                            guint                step_delay_ms,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Runner *r;

  g_return_if_fail (AUTHSIM_IS_SCENARIO (self));
  g_return_if_fail (AUTHSIM_IS_ENGINE (engine));
  g_return_if_fail (gateway == NULL || AUTHSIM_IS_GATEWAY (gateway));
  g_return_if_fail (keys == NULL || AUTHSIM_IS_KEYS (keys));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, authsim_scenario_run_async);

  if (self->running)
    {
      g_task_return_new_error (task, AUTHSIM_ERROR, AUTHSIM_ERROR_FAILED,
                               "The scenario is already running");
      return;
    }

  r = g_new0 (Runner, 1);
  r->scenario = self;
  r->engine = g_object_ref (engine);
  r->log = g_object_ref (authsim_engine_get_log (engine));
  r->gateway = gateway != NULL ? g_object_ref (gateway) : NULL;
  r->keys = keys != NULL ? g_object_ref (keys) : NULL;
  r->delay_ms = step_delay_ms;
  r->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  g_queue_init (&r->answers);
  r->start_seq = log_last_seq (r->log);
  r->action_seq = r->callback_seq = r->toast_seq = r->violation_seq = r->popup_seq = r->start_seq;
  g_task_set_task_data (task, r, runner_free);
  r->task = g_object_ref (task);
  self->running = TRUE;

  if (self->first_screen_rule >= 0)
    authsim_engine_set_first_screen_rule (engine, self->first_screen_rule);

  r->items_id = g_signal_connect (r->log, "items-changed", G_CALLBACK (items_changed_cb), r);
  r->request_id = g_signal_connect (engine, "notify::request", G_CALLBACK (request_notify_cb), r);
  if (r->cancellable != NULL)
    r->cancelled_id = g_cancellable_connect (r->cancellable, G_CALLBACK (cancelled_cb), r, NULL);

  runner_schedule_next (r);
}

gboolean
authsim_scenario_run_finish (AuthsimScenario  *self,
                             GAsyncResult     *result,
                             guint            *n_passed,
                             guint            *n_failed,
                             GError          **error)
{
  Runner *r;

  g_return_val_if_fail (AUTHSIM_IS_SCENARIO (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  r = g_task_get_task_data (G_TASK (result));
  if (n_passed != NULL)
    *n_passed = r != NULL ? r->n_passed : 0;
  if (n_failed != NULL)
    *n_failed = r != NULL ? r->n_failed : 0;

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------------------------------ */
/* Recording                                                                                  */

typedef struct
{
  JsonObject *call;      /* the call event */
  JsonObject *outcome;   /* its success/fail callback */
  gboolean    popup;     /* a popup opened for it */
  gboolean    violation;
  gboolean    automatic; /* fired by a page's onLoad/onShow, not by a script or a person */
} CallInfo;

static const char *
str_member (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node_is_string (node) ? json_node_get_string (node) : NULL;
}

static JsonNode *
object_node (JsonObject *object)
{
  JsonNode *node = json_node_init_object (json_node_alloc (), object);

  json_object_unref (object);
  return node;
}

static JsonNode *
new_step (const char *verb,
          JsonNode   *value)
{
  JsonObject *object = json_object_new ();

  json_object_set_member (object, verb, value);
  return object_node (object);
}

static JsonNode *
string_node (const char *text)
{
  return json_node_init_string (json_node_alloc (), text);
}

static JsonNode *
true_node (void)
{
  return json_node_init_boolean (json_node_alloc (), TRUE);
}

/* The consent scopes of a success payload (all but auth_base). */
static GStrv
consent_scopes (JsonObject *payload)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonNode *node = payload != NULL ? json_object_get_member (payload, "authSuccessScopes") : NULL;

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);

          if (node_is_string (item) && g_strcmp0 (json_node_get_string (item), "auth_base") != 0)
            g_strv_builder_add (builder, json_node_get_string (item));
        }
    }
  return g_strv_builder_end (builder);
}

typedef struct
{
  GPtrArray *steps;        /* JsonNode */
  guint      cause;        /* index of the last step that can fire page lifecycle calls */
  gboolean   have_cause;
  char      *user;
  gboolean   fault;
} Recorder;

/* Inserts @node before the step that caused an automatic call, or appends it. */
static void
recorder_add_before_cause (Recorder *rec,
                           gboolean  automatic,
                           JsonNode *node)
{
  if (automatic && rec->have_cause)
    {
      g_ptr_array_insert (rec->steps, rec->cause, node);
      rec->cause++;
    }
  else
    g_ptr_array_add (rec->steps, node);
}

static void
recorder_add_cause (Recorder *rec,
                    JsonNode *node)
{
  g_ptr_array_add (rec->steps, node);
  rec->cause = rec->steps->len - 1;
  rec->have_cause = TRUE;
}

char *
authsim_scenario_record (AuthsimLog  *log,
                         GError     **error)
{
  GListModel *model;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(GHashTable) calls = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_autoptr(GHashTable) granted_before = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                                g_free, NULL);
  g_autoptr(GHashTable) pre_grants = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                            (GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GPtrArray) pre_grant_order = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = NULL;
  g_autofree char *description = NULL;
  Recorder rec = { 0 };
  JsonObject *scenario;
  JsonArray *steps;
  const char *first_user = NULL;
  const char *rule = NULL;
  gboolean rule_off = FALSE;
  gboolean launch_pending = TRUE;  /* the first launch in the log is the header's relaunch */
  gboolean expect_launch_page = FALSE;
  const char *launch_page = NULL;
  guint n_calls = 0;

  g_return_val_if_fail (AUTHSIM_IS_LOG (log), NULL);

  model = G_LIST_MODEL (log);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (model, i);

      g_ptr_array_add (events, json_object_ref (authsim_event_get_object (event)));
    }

  /* Pass 1: what each call led to. */
  for (guint i = 0; i < events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (events, i);
      const char *kind = str_member (event, "kind");
      gint64 id = event_call (event);
      CallInfo *info = id > 0 ? g_hash_table_lookup (calls, GINT_TO_POINTER ((int) id)) : NULL;

      if (g_strcmp0 (kind, "call") == 0 && id > 0)
        {
          info = g_new0 (CallInfo, 1);
          info->call = event;
          /* The engine marks the calls a page's onLoad/onShow fired: replay fires them. */
          info->automatic = json_object_has_member (event, "hook");
          g_hash_table_insert (calls, GINT_TO_POINTER ((int) id), info);
          n_calls++;
          if (first_user == NULL)
            first_user = str_member (event, "userId");
        }
      else if (info != NULL && match_outcome (event, NULL) && info->outcome == NULL)
        info->outcome = event;
      else if (info != NULL && match_popup_open (event, NULL))
        info->popup = TRUE;
      else if (g_strcmp0 (kind, "violation") == 0)
        {
          if (info != NULL)
            info->violation = TRUE;
          if (rule == NULL && g_strcmp0 (str_member (event, "rule"), "first-screen") == 0)
            rule = str_member (event, "mode");
        }
    }

  if (n_calls == 0)
    {
      g_set_error_literal (error, AUTHSIM_ERROR, AUTHSIM_ERROR_NOT_FOUND,
                           _("The log holds no call to record"));
      return NULL;
    }

  /* Grants the session relied on without granting them: a consent success with no popup,
   * for a (user, app) the log never saw granted before. */
  for (guint i = 0; i < events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (events, i);
      const char *kind = str_member (event, "kind");
      g_autofree char *key = NULL;

      if (g_strcmp0 (kind, "grant") == 0 && g_strcmp0 (str_member (event, "event"), "granted") == 0)
        {
          key = g_strdup_printf ("%s\n%s", str_member (event, "userId"),
                                 str_member (event, "appId"));
          g_hash_table_add (granted_before, g_steal_pointer (&key));
        }
      else if (g_strcmp0 (kind, "call") == 0)
        {
          CallInfo *info = g_hash_table_lookup (calls, GINT_TO_POINTER ((int) event_call (event)));
          g_auto(GStrv) scopes = NULL;
          GPtrArray *list;

          if (info == NULL || info->outcome == NULL || info->popup ||
              g_strcmp0 (str_member (info->outcome, "callback"), "success") != 0)
            continue;
          scopes = consent_scopes (json_object_get_object_member (info->outcome, "payload"));
          if (scopes[0] == NULL)
            continue;

          key = g_strdup_printf ("%s\n%s", str_member (event, "userId"),
                                 str_member (event, "appId"));
          if (g_hash_table_contains (granted_before, key))
            continue;
          list = g_hash_table_lookup (pre_grants, key);
          if (list == NULL)
            {
              list = g_ptr_array_new_with_free_func (g_free);
              g_hash_table_insert (pre_grants, g_strdup (key), list);
              g_ptr_array_add (pre_grant_order, g_strdup (key));
            }
          for (guint s = 0; scopes[s] != NULL; s++)
            if (!g_ptr_array_find_with_equal_func (list, scopes[s], g_str_equal, NULL))
              g_ptr_array_add (list, g_strdup (scopes[s]));
        }
    }

  /* No violation, yet a first-screen lifecycle call opened a popup: the rule was off. */
  if (rule == NULL)
    {
      GHashTableIter iter;
      CallInfo *info;

      g_hash_table_iter_init (&iter, calls);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &info))
        if (info->popup && !info->violation &&
            g_strcmp0 (str_member (info->call, "trigger"), "lifecycle") == 0 &&
            json_object_get_boolean_member_with_default (info->call, "firstScreen", FALSE))
          rule_off = TRUE;
    }

  /* Pass 2: the steps. */
  rec.steps = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_ptr_array_add (rec.steps, new_step ("clearGrants", true_node ()));
  for (guint i = 0; i < pre_grant_order->len; i++)
    {
      const char *key = g_ptr_array_index (pre_grant_order, i);
      GPtrArray *list = g_hash_table_lookup (pre_grants, key);
      g_auto(GStrv) parts = g_strsplit (key, "\n", 2);
      JsonObject *grant = json_object_new ();
      JsonArray *scopes = json_array_new ();

      for (guint s = 0; s < list->len; s++)
        json_array_add_string_element (scopes, g_ptr_array_index (list, s));
      json_object_set_string_member (grant, "userId", parts[0]);
      json_object_set_string_member (grant, "appId", parts[1]);
      json_object_set_array_member (grant, "scopes", scopes);
      g_ptr_array_add (rec.steps, new_step ("grant", object_node (grant)));
    }
  if (first_user != NULL)
    {
      g_ptr_array_add (rec.steps, new_step ("setUser", string_node (first_user)));
      rec.user = g_strdup (first_user);
    }
  recorder_add_cause (&rec, new_step ("relaunch", true_node ()));
  expect_launch_page = TRUE;

  for (guint i = 0; i < events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (events, i);
      const char *kind = str_member (event, "kind");

      if (g_strcmp0 (kind, "lifecycle") == 0)
        {
          const char *what = str_member (event, "event");

          if (g_strcmp0 (what, "onLaunch") == 0)
            {
              const char *page = str_member (event, "page");

              if (launch_page == NULL)
                launch_page = page;
              if (!launch_pending)
                recorder_add_cause (&rec, new_step ("relaunch",
                                                    page == NULL ||
                                                    g_strcmp0 (page, launch_page) == 0
                                                    ? true_node () : string_node (page)));
              launch_pending = FALSE;
              expect_launch_page = TRUE;
            }
          else if (g_strcmp0 (what, "onLoad") == 0)
            {
              if (expect_launch_page)
                expect_launch_page = FALSE;
              else if (str_member (event, "page") != NULL)
                recorder_add_cause (&rec, new_step ("navigate",
                                                    string_node (str_member (event, "page"))));
              launch_pending = FALSE;
            }
          else if (g_strcmp0 (what, "onUnload") == 0)
            {
              gboolean relaunching = FALSE;

              /* Pages unloaded by a relaunch are not "back" steps. */
              for (guint j = i + 1; j < events->len; j++)
                {
                  JsonObject *next = g_ptr_array_index (events, j);
                  const char *next_what = str_member (next, "event");

                  if (g_strcmp0 (str_member (next, "kind"), "lifecycle") != 0)
                    continue;
                  if (g_strcmp0 (next_what, "onUnload") == 0)
                    continue;
                  relaunching = g_strcmp0 (next_what, "onLaunch") == 0;
                  break;
                }
              if (!relaunching)
                recorder_add_cause (&rec, new_step ("back", true_node ()));
              launch_pending = FALSE;
            }
        }
      else if (g_strcmp0 (kind, "call") == 0)
        {
          CallInfo *info = g_hash_table_lookup (calls, GINT_TO_POINTER ((int) event_call (event)));
          const char *user = str_member (event, "userId");
          const char *outcome_error = NULL;
          gboolean past_network = FALSE;
          JsonObject *payload = NULL;

          if (info == NULL)
            continue;
          launch_pending = FALSE;

          if (user != NULL && g_strcmp0 (user, rec.user) != 0)
            {
              recorder_add_before_cause (&rec, info->automatic,
                                         new_step ("setUser", string_node (user)));
              g_free (rec.user);
              rec.user = g_strdup (user);
            }

          /* The network fault switch is not logged: infer it from the outcomes. */
          if (info->outcome != NULL)
            {
              JsonNode *code;

              payload = json_object_get_object_member (info->outcome, "payload");
              code = payload != NULL ? json_object_get_member (payload, "error") : NULL;
              if (node_is_number (code) && json_node_get_int (code) == 12)
                outcome_error = "network";
              past_network = g_strcmp0 (str_member (info->outcome, "callback"), "success") == 0;
            }
          past_network = past_network || info->popup || info->violation;
          if (outcome_error != NULL && !rec.fault)
            {
              recorder_add_before_cause (&rec, info->automatic,
                                         new_step ("networkFault", true_node ()));
              rec.fault = TRUE;
            }
          else if (past_network && rec.fault)
            {
              recorder_add_before_cause (&rec, info->automatic,
                                         new_step ("networkFault",
                                                   json_node_init_boolean (json_node_alloc (),
                                                                           FALSE)));
              rec.fault = FALSE;
            }

          if (!info->automatic)
            {
              JsonObject *step = json_object_new ();
              JsonNode *params = json_object_get_member (event, "params");

              json_object_set_member (step, "call",
                                      params != NULL ? node_deep_copy (params)
                                                     : json_node_init_null (json_node_alloc ()));
              if (str_member (event, "trigger") != NULL)
                json_object_set_string_member (step, "trigger", str_member (event, "trigger"));
              if (str_member (event, "container") != NULL)
                json_object_set_string_member (step, "container", str_member (event, "container"));
              recorder_add_cause (&rec, object_node (step));
            }
        }
      else if (g_strcmp0 (kind, "decision") == 0 && str_member (event, "decision") != NULL)
        recorder_add_cause (&rec, new_step ("answer",
                                            string_node (str_member (event, "decision"))));
      else if (g_strcmp0 (kind, "grant") == 0)
        {
          const char *what = str_member (event, "event");

          if (g_strcmp0 (what, "cleared") == 0)
            g_ptr_array_add (rec.steps, new_step ("clearGrants", true_node ()));
          else if (g_strcmp0 (what, "revoked") == 0 &&
                   str_member (event, "userId") != NULL && str_member (event, "appId") != NULL)
            {
              JsonObject *revoke = json_object_new ();

              json_object_set_string_member (revoke, "userId", str_member (event, "userId"));
              json_object_set_string_member (revoke, "appId", str_member (event, "appId"));
              g_ptr_array_add (rec.steps, new_step ("revoke", object_node (revoke)));
            }
        }
      else if (match_outcome (event, NULL))
        {
          JsonObject *expect = json_object_new ();
          JsonNode *payload = json_object_get_member (event, "payload");
          /* A deep copy: the log's events must not change. */
          JsonNode *copy = payload != NULL ? node_deep_copy (payload)
                                           : object_node (json_object_new ());

          if (JSON_NODE_HOLDS_OBJECT (copy) &&
              json_object_has_member (json_node_get_object (copy), "authCode"))
            json_object_set_string_member (json_node_get_object (copy), "authCode", "*");
          json_object_set_string_member (expect, "callback", str_member (event, "callback"));
          if (JSON_NODE_HOLDS_OBJECT (copy))
            json_object_set_member (expect, "payload", copy);
          else
            json_node_unref (copy);
          g_ptr_array_add (rec.steps, new_step ("expect", object_node (expect)));
        }
    }

  /* The document. */
  stamp = g_date_time_format (now, "%Y-%m-%d %H:%M:%S");
  description = g_strdup_printf ("Recorded by AuthSim on %s; replay it with the same profile.",
                                 stamp);
  scenario = json_object_new ();
  json_object_set_string_member (scenario, "name", "Recorded session");
  json_object_set_string_member (scenario, "description", description);
  if (rule != NULL)
    json_object_set_string_member (scenario, "firstScreenRule", rule);
  else if (rule_off)
    json_object_set_string_member (scenario, "firstScreenRule", "off");
  steps = json_array_new ();
  for (guint i = 0; i < rec.steps->len; i++)
    json_array_add_element (steps, json_node_ref (g_ptr_array_index (rec.steps, i)));
  json_object_set_array_member (scenario, "steps", steps);

  root = object_node (scenario);
  generator = json_generator_new ();
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, root);

  g_ptr_array_unref (rec.steps);
  g_free (rec.user);

  return json_generator_to_data (generator, NULL);
}
