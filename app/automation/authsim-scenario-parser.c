/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-scenario-parser.c: scenario JSON → steps.
 *
 * A scenario is {"name", "description"?, "profile"?, "users"?, "firstScreenRule"?, "steps"}.
 * Each step is an object with exactly one verb key, plus "timeout" (seconds) and "comment" on
 * any step, and "api"/"trigger"/"container" on "call":
 *   navigate "path" | back true | relaunch true|"path" | setUser "2088…" | clearGrants true
 *   revoke {"userId","appId"} | grant {"userId","appId","scopes"} | advanceClock "+3m"
 *   tap "label" | call <params> | answer allow|reject|close | networkFault bool
 *   firstScreenRule enforce|warn|off | serviceBusy bool
 *   tapAuthorize <scope as written> | setSetting {"scope","enabled"} | openSettings true
 *   closeSettings true | revokeUserInfo true
 *   expect {"callback": success|fail|onGetAuthorize|onError, "error": n, "payload": {…},
 *           "plaintext": {…}, "toast": bool, "violation": "first-screen"|"onshow-loop"|false,
 *           "popup": bool|{…}}
 *   exchange true | {"expect": {…}, "code": "…", "appId": "…"}
 *
 * Errors follow authsim-json.h ("<source>: <JSON path>: <problem>"); a wrong value is quoted
 * as written ("expected allow, reject or close, got \"yes\""), not named by its type.
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "authsim-duration.h"
#include "authsim-enums.h"
#include "authsim-scenario-private.h"

typedef struct
{
  const AuthsimJsonLoader  *loader;
  GError                  **error;
  const char               *data;    /* the document, for values as written */
  gsize                     length;
} Parser;

/* Where a step's verb value was found, and what it should be (for messages). */
typedef struct
{
  const char *path;    /* the step, "$.steps[3]" */
  const char *vpath;   /* its verb, "$.steps[3].answer" */
  JsonObject *object;  /* the step */
  JsonNode   *value;   /* the verb's value */
  const char *what;    /* e.g. "a page path" */
} StepSource;

typedef gboolean (*ParseVerb) (Parser           *p,
                               const StepSource *source,
                               Step             *step);

static gboolean
expect_got (Parser     *p,
            const char *path,
            const char *expected,
            JsonNode   *got)
{
  g_autofree char *g = authsim_scenario_describe_value (got);

  return authsim_json_fail (p->loader, p->error, path, "expected %s, got %s", expected, g);
}

static gboolean
is_boolean (JsonNode *node)
{
  return node != NULL && authsim_json_is_boolean (node);
}

static gboolean
is_true (JsonNode *node)
{
  return is_boolean (node) && json_node_get_boolean (node);
}

/* (nullable) @node must be a string, non-empty unless @allow_empty. */
static gboolean
get_string (Parser      *p,
            const char  *path,
            JsonNode    *node,
            const char  *what,
            gboolean     allow_empty,
            const char **out)
{
  if (node == NULL || !authsim_json_is_string (node) ||
      (!allow_empty && *json_node_get_string (node) == '\0'))
    return expect_got (p, path, what, node);
  *out = json_node_get_string (node);
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
  if (!authsim_json_is_string (node) ||
      !authsim_enum_from_nick (type, json_node_get_string (node), out))
    return expect_got (p, path, expected, node);
  return TRUE;
}

/* ------------------------------------------------------------------------------------------
 * Verb values
 * ------------------------------------------------------------------------------------------ */

/* navigate, setUser, tap: a non-empty string. */
static gboolean
parse_text (Parser           *p,
            const StepSource *source,
            Step             *step)
{
  const char *text = NULL;

  if (!get_string (p, source->vpath, source->value, source->what, FALSE, &text))
    return FALSE;
  step->text = g_strdup (text);
  return TRUE;
}

/* back, clearGrants: true. */
static gboolean
parse_true (Parser           *p,
            const StepSource *source,
            Step             *step)
{
  if (!is_true (source->value))
    return expect_got (p, source->vpath, "true", source->value);
  return TRUE;
}

static gboolean
parse_relaunch (Parser           *p,
                const StepSource *source,
                Step             *step)
{
  JsonNode *value = source->value;

  if (authsim_json_is_string (value) && *json_node_get_string (value) != '\0')
    step->text = g_strdup (json_node_get_string (value));
  else if (!is_true (value))
    return expect_got (p, source->vpath, "true or a page path", value);
  return TRUE;
}

static gboolean
parse_scopes (Parser     *p,
              const char *path,
              JsonNode   *member,
              Step       *step)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *array;

  if (member == NULL || !JSON_NODE_HOLDS_ARRAY (member) ||
      json_array_get_length (json_node_get_array (member)) == 0)
    return expect_got (p, path, "a non-empty array of scope names", member);

  array = json_node_get_array (member);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *item = g_strdup_printf ("%s[%u]", path, i);
      const char *text = NULL;

      if (!get_string (p, item, json_array_get_element (array, i), "a scope name", FALSE, &text))
        return FALSE;
      g_strv_builder_add (builder, text);
    }
  step->scopes = g_strv_builder_end (builder);
  return TRUE;
}

/* revoke {"userId", "appId"}, grant {"userId", "appId", "scopes"}. */
static gboolean
parse_user_app (Parser           *p,
                const StepSource *source,
                gboolean          with_scopes,
                Step             *step)
{
  static const char * const revoke_keys[] = { "userId", "appId", NULL };
  static const char * const grant_keys[] = { "userId", "appId", "scopes", NULL };
  g_autofree char *user_path = g_strconcat (source->vpath, ".userId", NULL);
  g_autofree char *app_path = g_strconcat (source->vpath, ".appId", NULL);
  g_autofree char *scopes_path = g_strconcat (source->vpath, ".scopes", NULL);
  JsonObject *object;
  const char *text = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (source->value))
    return expect_got (p, source->vpath, with_scopes ? "{\"userId\", \"appId\", \"scopes\"}"
                                                     : "{\"userId\", \"appId\"}", source->value);
  object = json_node_get_object (source->value);
  if (!authsim_json_check_keys (p->loader, object, source->vpath,
                                with_scopes ? grant_keys : revoke_keys, p->error))
    return FALSE;

  if (!get_string (p, user_path, json_object_get_member (object, "userId"), "a userId", FALSE,
                   &text))
    return FALSE;
  step->text = g_strdup (text);

  if (!get_string (p, app_path, json_object_get_member (object, "appId"), "an app id", FALSE,
                   &text))
    return FALSE;
  step->app_id = g_strdup (text);

  return !with_scopes ||
         parse_scopes (p, scopes_path, json_object_get_member (object, "scopes"), step);
}

static gboolean
parse_revoke (Parser           *p,
              const StepSource *source,
              Step             *step)
{
  return parse_user_app (p, source, FALSE, step);
}

static gboolean
parse_grant (Parser           *p,
             const StepSource *source,
             Step             *step)
{
  return parse_user_app (p, source, TRUE, step);
}

static gboolean
parse_clock (Parser           *p,
             const StepSource *source,
             Step             *step)
{
  if (!authsim_json_is_string (source->value) ||
      !authsim_parse_duration (json_node_get_string (source->value), &step->seconds))
    return expect_got (p, source->vpath, "a duration such as +3m, +15d, +90s or +2h",
                       source->value);
  return TRUE;
}

/* "api" beside "call": one of the APIs a call can name. */
static gboolean
parse_api (Parser     *p,
           const char *path,
           JsonNode   *member,
           Step       *step)
{
  if (!authsim_json_is_string (member) ||
      !authsim_enum_from_nick (AUTHSIM_TYPE_API, json_node_get_string (member), &step->api) ||
      step->api >= AUTHSIM_API_N_CALLABLE)
    return expect_got (p, path, "getAuthCode, getOpenUserInfo, getPhoneNumber, getSetting or "
                       "openSetting", member);
  return TRUE;
}

/* call <params>, with "api", "trigger" and "container" beside it in the step. */
static gboolean
parse_call (Parser           *p,
            const StepSource *source,
            Step             *step)
{
  JsonNode *member;

  step->params = json_node_copy (source->value);
  if ((member = json_object_get_member (source->object, "api")) != NULL)
    {
      g_autofree char *sub = g_strconcat (source->path, ".api", NULL);

      if (!parse_api (p, sub, member, step))
        return FALSE;
    }
  /* The text too, so the log holds the parameter as written (1e400 stays 1e400). */
  step->params_json = authsim_json_dup_at_path (p->data, p->length, source->vpath);
  if ((member = json_object_get_member (source->object, "trigger")) != NULL)
    {
      g_autofree char *sub = g_strconcat (source->path, ".trigger", NULL);

      if (!get_enum (p, sub, member, AUTHSIM_TYPE_TRIGGER, "tap or lifecycle", &step->trigger))
        return FALSE;
    }
  if ((member = json_object_get_member (source->object, "container")) != NULL)
    {
      g_autofree char *sub = g_strconcat (source->path, ".container", NULL);

      if (!get_enum (p, sub, member, AUTHSIM_TYPE_CONTAINER, "mini-program, plugin or web-view",
                     &step->container))
        return FALSE;
    }
  return TRUE;
}

/* tapAuthorize <the button's scope attribute as written>: any JSON value, null for none. */
static gboolean
parse_tap_authorize (Parser           *p,
                     const StepSource *source,
                     Step             *step)
{
  if (!JSON_NODE_HOLDS_NULL (source->value))
    step->params = json_node_copy (source->value);
  return TRUE;
}

/* setSetting {"scope": "userInfo", "enabled": false} */
static gboolean
parse_set_setting (Parser           *p,
                   const StepSource *source,
                   Step             *step)
{
  static const char * const keys[] = { "scope", "enabled", NULL };
  g_autofree char *scope_path = g_strconcat (source->vpath, ".scope", NULL);
  g_autofree char *enabled_path = g_strconcat (source->vpath, ".enabled", NULL);
  JsonObject *object;
  JsonNode *enabled;
  const char *text = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (source->value))
    return expect_got (p, source->vpath, "{\"scope\", \"enabled\"}", source->value);
  object = json_node_get_object (source->value);
  if (!authsim_json_check_keys (p->loader, object, source->vpath, keys, p->error) ||
      !get_string (p, scope_path, json_object_get_member (object, "scope"), "a setting key",
                   FALSE, &text))
    return FALSE;
  step->text = g_strdup (text);

  enabled = json_object_get_member (object, "enabled");
  if (!is_boolean (enabled))
    return expect_got (p, enabled_path, "true or false", enabled);
  step->value = json_node_get_boolean (enabled);
  return TRUE;
}

static gboolean
parse_answer (Parser           *p,
              const StepSource *source,
              Step             *step)
{
  return get_enum (p, source->vpath, source->value, AUTHSIM_TYPE_DECISION,
                   "allow, reject or close", &step->value);
}

static gboolean
parse_network_fault (Parser           *p,
                     const StepSource *source,
                     Step             *step)
{
  if (!is_boolean (source->value))
    return expect_got (p, source->vpath, "true or false", source->value);
  step->value = json_node_get_boolean (source->value);
  return TRUE;
}

static gboolean
parse_rule (Parser           *p,
            const StepSource *source,
            Step             *step)
{
  return get_enum (p, source->vpath, source->value, AUTHSIM_TYPE_FIRST_SCREEN_RULE,
                   "enforce, warn or off", &step->value);
}

/* ------------------------------------------------------------------------------------------
 * expect {…}: one parser per member, in this order (error looks at callback)
 * ------------------------------------------------------------------------------------------ */

typedef gboolean (*ParseMember) (Parser     *p,
                                 const char *path,
                                 JsonNode   *member,
                                 Step       *step);

static gboolean
parse_expect_callback (Parser     *p,
                       const char *path,
                       JsonNode   *member,
                       Step       *step)
{
  static const char * const kinds[] = { "success", "fail", NULL, "onGetAuthorize", "onError" };
  const char *kind = authsim_json_is_string (member) ? json_node_get_string (member) : NULL;

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (kinds[i] != NULL && g_strcmp0 (kind, kinds[i]) == 0)
      {
        step->callback = (ExpectCallback) i;
        return TRUE;
      }
  return expect_got (p, path, "success, fail, onGetAuthorize or onError", member);
}

static gboolean
parse_expect_error (Parser     *p,
                    const char *path,
                    JsonNode   *member,
                    Step       *step)
{
  if (!JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_INT64)
    return expect_got (p, path, "an error code (integer)", member);
  if (step->callback != EXPECT_CALLBACK_NONE && step->callback != EXPECT_CALLBACK_FAIL)
    return authsim_json_fail (p->loader, p->error, path,
                              "an error code only comes with \"callback\": \"fail\"");
  step->has_error = TRUE;
  step->error = json_node_get_int (member);
  step->callback = EXPECT_CALLBACK_FAIL;
  return TRUE;
}

static gboolean
parse_expect_payload (Parser     *p,
                      const char *path,
                      JsonNode   *member,
                      Step       *step)
{
  if (!JSON_NODE_HOLDS_OBJECT (member))
    return expect_got (p, path, "an object", member);
  step->payload = json_object_ref (json_node_get_object (member));
  if (step->callback == EXPECT_CALLBACK_NONE)
    step->callback = EXPECT_CALLBACK_ANY;
  return TRUE;
}

/* "plaintext": what my.getPhoneNumber's success encrypted, as the log records it. */
static gboolean
parse_expect_plaintext (Parser     *p,
                        const char *path,
                        JsonNode   *member,
                        Step       *step)
{
  if (!JSON_NODE_HOLDS_OBJECT (member))
    return expect_got (p, path, "an object", member);
  if (step->callback != EXPECT_CALLBACK_NONE && step->callback != EXPECT_CALLBACK_SUCCESS)
    return authsim_json_fail (p->loader, p->error, path,
                              "a plaintext only comes with \"callback\": \"success\"");
  step->plaintext = json_object_ref (json_node_get_object (member));
  step->callback = EXPECT_CALLBACK_SUCCESS;
  return TRUE;
}

static gboolean
parse_expect_toast (Parser     *p,
                    const char *path,
                    JsonNode   *member,
                    Step       *step)
{
  if (!is_boolean (member))
    return expect_got (p, path, "true or false", member);
  step->toast = json_node_get_boolean (member) ? EXPECT_ONE : EXPECT_NONE;
  return TRUE;
}

static gboolean
parse_expect_popup (Parser     *p,
                    const char *path,
                    JsonNode   *member,
                    Step       *step)
{
  if (JSON_NODE_HOLDS_OBJECT (member))
    {
      step->popup = EXPECT_ONE;
      step->popup_fields = json_object_ref (json_node_get_object (member));
    }
  else if (is_boolean (member))
    step->popup = json_node_get_boolean (member) ? EXPECT_ONE : EXPECT_NONE;
  else
    return expect_got (p, path, "true, false or an object of popup fields", member);
  return TRUE;
}

static gboolean
parse_expect_violation (Parser     *p,
                        const char *path,
                        JsonNode   *member,
                        Step       *step)
{
  const char *rule = authsim_json_is_string (member) ? json_node_get_string (member) : NULL;

  if (is_boolean (member) && !json_node_get_boolean (member))
    step->violation = EXPECT_NONE;
  else if (g_strcmp0 (rule, "first-screen") == 0 || g_strcmp0 (rule, "onshow-loop") == 0)
    {
      step->violation = EXPECT_ONE;
      step->rule = g_strdup (rule);
    }
  else
    return expect_got (p, path, "first-screen, onshow-loop or false", member);
  return TRUE;
}

static gboolean
parse_expect (Parser           *p,
              const StepSource *source,
              Step             *step)
{
  static const char * const keys[] = {
    "callback", "error", "payload", "plaintext", "toast", "violation", "popup", NULL
  };
  static const struct
  {
    const char *key;
    ParseMember parse;
  } members[] = {
    { "callback", parse_expect_callback },
    { "error", parse_expect_error },
    { "payload", parse_expect_payload },
    { "plaintext", parse_expect_plaintext },
    { "toast", parse_expect_toast },
    { "popup", parse_expect_popup },
    { "violation", parse_expect_violation },
  };
  JsonObject *object;

  if (!JSON_NODE_HOLDS_OBJECT (source->value))
    return expect_got (p, source->vpath, "an object", source->value);
  object = json_node_get_object (source->value);
  if (!authsim_json_check_keys (p->loader, object, source->vpath, keys, p->error))
    return FALSE;
  if (json_object_get_size (object) == 0)
    return authsim_json_fail (p->loader, p->error, source->vpath,
                              "expected at least one of callback, error, payload, plaintext, "
                              "toast, violation or popup");

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      JsonNode *member = json_object_get_member (object, members[i].key);
      g_autofree char *sub = NULL;

      if (member == NULL)
        continue;
      sub = g_strconcat (source->vpath, ".", members[i].key, NULL);
      if (!members[i].parse (p, sub, member, step))
        return FALSE;
    }
  return TRUE;
}

/* exchange true | {"expect": {…}, "code": "…", "appId": "…"} */
static gboolean
parse_exchange (Parser           *p,
                const StepSource *source,
                Step             *step)
{
  static const char * const keys[] = { "expect", "code", "appId", NULL };
  g_autofree char *expect_path = g_strconcat (source->vpath, ".expect", NULL);
  g_autofree char *code_path = g_strconcat (source->vpath, ".code", NULL);
  g_autofree char *app_path = g_strconcat (source->vpath, ".appId", NULL);
  JsonObject *object;
  JsonNode *member;
  const char *text = NULL;

  if (is_true (source->value))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (source->value))
    return expect_got (p, source->vpath, "true or an object", source->value);

  object = json_node_get_object (source->value);
  if (!authsim_json_check_keys (p->loader, object, source->vpath, keys, p->error))
    return FALSE;

  if ((member = json_object_get_member (object, "expect")) != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (member))
        return expect_got (p, expect_path, "an object", member);
      step->payload = json_object_ref (json_node_get_object (member));
    }
  if ((member = json_object_get_member (object, "code")) != NULL)
    {
      if (!get_string (p, code_path, member, "an auth code", FALSE, &text))
        return FALSE;
      step->text = g_strdup (text);
    }
  if ((member = json_object_get_member (object, "appId")) != NULL)
    {
      if (!get_string (p, app_path, member, "an app id", FALSE, &text))
        return FALSE;
      step->app_id = g_strdup (text);
    }
  return TRUE;
}

/* ------------------------------------------------------------------------------------------
 * Steps
 * ------------------------------------------------------------------------------------------ */

static const struct
{
  const char *name;
  StepKind    kind;
  ParseVerb   parse;
  const char *what;   /* for parse_text */
} verbs[] = {
  { "navigate", STEP_NAVIGATE, parse_text, "a page path" },
  { "back", STEP_BACK, parse_true, NULL },
  { "relaunch", STEP_RELAUNCH, parse_relaunch, NULL },
  { "setUser", STEP_SET_USER, parse_text, "a userId" },
  { "clearGrants", STEP_CLEAR_GRANTS, parse_true, NULL },
  { "revoke", STEP_REVOKE, parse_revoke, NULL },
  { "grant", STEP_GRANT, parse_grant, NULL },
  { "advanceClock", STEP_ADVANCE_CLOCK, parse_clock, NULL },
  { "tap", STEP_TAP, parse_text, "a button label" },
  { "call", STEP_CALL, parse_call, NULL },
  { "answer", STEP_ANSWER, parse_answer, NULL },
  { "networkFault", STEP_NETWORK_FAULT, parse_network_fault, NULL },
  { "firstScreenRule", STEP_FIRST_SCREEN_RULE, parse_rule, NULL },
  { "expect", STEP_EXPECT, parse_expect, NULL },
  { "exchange", STEP_EXCHANGE, parse_exchange, NULL },
  { "tapAuthorize", STEP_TAP_AUTHORIZE, parse_tap_authorize, NULL },
  { "setSetting", STEP_SET_SETTING, parse_set_setting, NULL },
  { "openSettings", STEP_OPEN_SETTINGS, parse_true, NULL },
  { "closeSettings", STEP_CLOSE_SETTINGS, parse_true, NULL },
  { "revokeUserInfo", STEP_REVOKE_USER_INFO, parse_true, NULL },
  { "serviceBusy", STEP_SERVICE_BUSY, parse_network_fault, NULL },
};

#define VERB_LIST "navigate, back, relaunch, setUser, clearGrants, revoke, grant, advanceClock, " \
                  "tap, call, answer, networkFault, firstScreenRule, expect, exchange, " \
                  "tapAuthorize, setSetting, openSettings, closeSettings, revokeUserInfo or " \
                  "serviceBusy"

/* The index in verbs[] of the step's one verb; -1 with an error when there is none, more than
 * one, or an unknown key. */
static int
find_verb (Parser     *p,
           const char *path,
           JsonObject *object)
{
  static const char * const options[] = {
    "timeout", "comment", "api", "trigger", "container", NULL
  };
  g_autoptr(GList) members = json_object_get_members (object);
  int found = -1;

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      gboolean is_verb = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (verbs); i++)
        if (g_strcmp0 (key, verbs[i].name) == 0)
          {
            if (found >= 0)
              {
                authsim_json_fail (p->loader, p->error, path,
                                   "one verb per step, got \"%s\" and \"%s\"",
                                   verbs[found].name, key);
                return -1;
              }
            found = (int) i;
            is_verb = TRUE;
          }

      if (!is_verb && !g_strv_contains (options, key))
        {
          authsim_json_fail (p->loader, p->error, path, "unknown key \"%s\"", key);
          return -1;
        }
    }

  if (found < 0)
    authsim_json_fail (p->loader, p->error, path, "expected one of " VERB_LIST);
  return found;
}

/* "trigger"/"container" (call only), "timeout" and "comment". */
static gboolean
parse_step_options (Parser     *p,
                    const char *path,
                    JsonObject *object,
                    Step       *step)
{
  JsonNode *member;

  if (step->kind != STEP_CALL &&
      (json_object_has_member (object, "trigger") || json_object_has_member (object, "container") ||
       json_object_has_member (object, "api")))
    return authsim_json_fail (p->loader, p->error, path,
                              "\"api\", \"trigger\" and \"container\" only apply to \"call\"");

  if ((member = json_object_get_member (object, "timeout")) != NULL)
    {
      g_autofree char *sub = g_strconcat (path, ".timeout", NULL);
      double seconds = authsim_scenario_is_number (member) ? json_node_get_double (member) : -1;

      if (!(seconds > 0 && seconds <= 600))
        return expect_got (p, sub, "a number of seconds from 0 to 600", member);
      step->timeout_ms = (guint) (seconds * 1000);
    }

  if ((member = json_object_get_member (object, "comment")) != NULL &&
      !authsim_json_is_string (member))
    {
      g_autofree char *sub = g_strconcat (path, ".comment", NULL);

      return expect_got (p, sub, "a string", member);
    }

  return TRUE;
}

/* One line: the verb and its value as compact JSON (shortened), "(trigger, container)" after a
 * call that names them. */
static char *
describe_step (const char *verb,
               JsonNode   *value,
               JsonObject *object,
               const Step *step)
{
  g_autofree char *text = NULL;
  g_autofree char *line = NULL;
  g_autofree char *api_verb = NULL;
  const char *trigger;

  /* "call getPhoneNumber {}" when the call names its API. */
  if (step->kind == STEP_CALL && json_object_has_member (object, "api"))
    verb = api_verb = g_strdup_printf ("%s %s", verb,
                                       authsim_enum_to_nick (AUTHSIM_TYPE_API, step->api));
  if (is_true (value))
    line = g_strdup (verb);
  else
    {
      text = authsim_scenario_to_compact (value);
      if (g_utf8_strlen (text, -1) > 100)
        {
          g_autofree char *head = g_utf8_substring (text, 0, 99);

          g_free (text);
          text = g_strconcat (head, "…", NULL);
        }
      line = g_strdup_printf ("%s %s", verb, text);
    }

  if (step->kind != STEP_CALL ||
      (!json_object_has_member (object, "trigger") &&
       !json_object_has_member (object, "container")))
    return g_steal_pointer (&line);

  trigger = authsim_enum_to_nick (AUTHSIM_TYPE_TRIGGER, step->trigger);
  if (step->container >= 0)
    return g_strdup_printf ("%s (%s, %s)", line, trigger,
                            authsim_enum_to_nick (AUTHSIM_TYPE_CONTAINER, step->container));
  return g_strdup_printf ("%s (%s)", line, trigger);
}

static Step *
step_new (void)
{
  Step *step = g_new0 (Step, 1);

  step->timeout_ms = AUTHSIM_SCENARIO_STEP_TIMEOUT_MS;
  step->api = AUTHSIM_API_GET_AUTH_CODE;
  step->container = -1;
  step->callback = EXPECT_CALLBACK_NONE;
  step->toast = step->popup = step->violation = EXPECT_UNCHECKED;
  return step;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Step, authsim_scenario_step_free)

/* (transfer full) (nullable): step @index, NULL with an error. */
static Step *
parse_step (Parser   *p,
            guint     index,
            JsonNode *node)
{
  g_autofree char *path = g_strdup_printf ("$.steps[%u]", index);
  g_autofree char *vpath = NULL;
  g_autoptr(Step) step = step_new ();
  StepSource source = { 0 };
  JsonObject *object;
  int verb;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      expect_got (p, path, "a step object", node);
      return NULL;
    }
  object = json_node_get_object (node);

  if ((verb = find_verb (p, path, object)) < 0)
    return NULL;
  step->kind = verbs[verb].kind;
  if (!parse_step_options (p, path, object, step))
    return NULL;

  vpath = g_strconcat (path, ".", verbs[verb].name, NULL);
  source.path = path;
  source.vpath = vpath;
  source.object = object;
  source.value = json_object_get_member (object, verbs[verb].name);
  source.what = verbs[verb].what;
  if (!verbs[verb].parse (p, &source, step))
    return NULL;

  step->description = describe_step (verbs[verb].name, source.value, object, step);
  return g_steal_pointer (&step);
}

/* "profile" and "users": files relative to the scenario's directory, readable now. */
static gboolean
resolve_file (Parser      *p,
              const char  *path,
              JsonNode    *node,
              char       **out)
{
  const char *name = NULL;
  g_autofree char *full = NULL;

  if (!get_string (p, path, node, "a file name", FALSE, &name))
    return FALSE;

  full = g_canonicalize_filename (name, p->loader->base_dir);
  if (g_access (full, R_OK) != 0)
    {
      int saved_errno = errno;

      return authsim_json_fail (p->loader, p->error, path, "cannot read \"%s\": %s", full,
                                g_strerror (saved_errno));
    }

  *out = g_steal_pointer (&full);
  return TRUE;
}

/* Everything but the steps. */
static gboolean
parse_header (AuthsimScenario *self,
              Parser          *p,
              JsonObject      *object)
{
  JsonNode *member;
  const char *text = NULL;

  if ((member = json_object_get_member (object, "name")) != NULL)
    {
      if (!get_string (p, "$.name", member, "a string", FALSE, &text))
        return FALSE;
      self->name = g_strdup (text);
    }
  else
    self->name = g_strdup (p->loader->source);

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

  return TRUE;
}

static gboolean
parse_steps (AuthsimScenario *self,
             Parser          *p,
             JsonObject      *object)
{
  JsonNode *member = json_object_get_member (object, "steps");
  JsonArray *steps;

  if (member == NULL)
    return authsim_json_fail (p->loader, p->error, "$", "missing \"steps\"");
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

/*
 * (transfer full) (nullable): the document's root, any JSON value (NULL for an empty one).
 * Not authsim_json_parse(): scenario messages quote a wrong root ("$: expected an object, got
 * []") where it names its type, and an empty document is "$: expected an object, got null".
 */
static gboolean
parse_document (const AuthsimJsonLoader  *loader,
                const char               *data,
                gssize                    length,
                JsonNode                **root,
                GError                  **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;

  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      const char *message = local_error->message;

      /* json-glib says "<data>:3:5: Parse error: …": name the file instead. */
      if (g_str_has_prefix (message, "<data>:"))
        message += strlen ("<data>:");
      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID_JSON, "%s:%s",
                   loader->source, message);
      return FALSE;
    }

  *root = json_parser_get_root (parser) != NULL ? json_node_copy (json_parser_get_root (parser))
                                                : NULL;
  return TRUE;
}

gboolean
authsim_scenario_parse (AuthsimScenario          *self,
                        const AuthsimJsonLoader  *loader,
                        const char               *data,
                        gssize                    length,
                        GError                  **error)
{
  static const char * const keys[] = {
    "name", "description", "profile", "users", "firstScreenRule", "steps", "comment", NULL
  };
  g_autoptr(JsonNode) root = NULL;
  Parser p = { loader, error, data, length < 0 ? strlen (data) : (gsize) length };
  JsonObject *object;

  if (!parse_document (loader, data, length, &root, error))
    return FALSE;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return expect_got (&p, "$", "an object", root);
  object = json_node_get_object (root);

  return authsim_json_check_keys (loader, object, "$", keys, error) &&
         parse_header (self, &p, object) &&
         parse_steps (self, &p, object);
}
