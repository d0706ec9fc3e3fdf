/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "authsim-actions.h"
#include "authsim-duration.h"
#include "authsim-enums.h"
#include "authsim-json.h"

/* Engine log strings are not translated (BRIEF): these messages go into "error" events. */

/* What the actions act on: shared by the actions of one map, each holding a reference. */
typedef struct
{
  AuthsimEngine    *engine;
  AuthsimStore     *store;
  AuthsimResponder *responder;
} Actions;

static void
actions_clear (Actions *actions)
{
  g_clear_object (&actions->engine);
  g_clear_object (&actions->store);
  g_clear_object (&actions->responder);
}

static void
actions_release (gpointer  data,
                 GClosure *closure)
{
  g_rc_box_release_full (data, (GDestroyNotify) actions_clear);
}

/* The actions. */

static void
log_bad (Actions    *actions,
         const char *action,
         const char *reason)
{
  g_autofree char *message = g_strdup_printf ("%s: %s", action, reason);

  authsim_engine_log_error (actions->engine, "dbus", message);
}

static char *
quoted (const char *text)
{
  g_autoptr(JsonNode) node = json_node_init_string (json_node_alloc (), text);

  return json_to_string (node, FALSE);
}

static void
call_cb (GSimpleAction *action,
         GVariant      *parameter,
         gpointer       user_data)
{
  Actions *actions = user_data;
  g_autoptr(GError) error = NULL;

  /* call_json logs a malformed string as an error event itself. */
  authsim_engine_call_json (actions->engine, g_variant_get_string (parameter, NULL), &error);
}

static void
respond_cb (GSimpleAction *action,
            GVariant      *parameter,
            gpointer       user_data)
{
  Actions *actions = user_data;
  const char *text = g_variant_get_string (parameter, NULL);
  g_autoptr(GError) error = NULL;
  int decision;

  if (!authsim_enum_from_nick (AUTHSIM_TYPE_DECISION, text, &decision))
    {
      g_autofree char *q = quoted (text);
      g_autofree char *reason = g_strdup_printf ("expected allow, reject or close, got %s", q);

      log_bad (actions, "respond", reason);
      return;
    }

  if (!authsim_responder_respond (actions->responder, decision, &error))
    log_bad (actions, "respond", error->message);
}

static void
navigate_cb (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  Actions *actions = user_data;
  const char *path = g_variant_get_string (parameter, NULL);
  g_autoptr(GError) error = NULL;

  if (*path == '\0')
    log_bad (actions, "navigate", "expected a page path, got \"\"");
  else if (!authsim_engine_navigate (actions->engine, path, &error))
    log_bad (actions, "navigate", error->message);
}

static void
relaunch_cb (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  Actions *actions = user_data;

  authsim_engine_launch (actions->engine);
}

static void
clear_grants_cb (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  Actions *actions = user_data;

  authsim_engine_clear_grants (actions->engine);
}

static void
set_user_cb (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  Actions *actions = user_data;
  const char *user_id = g_variant_get_string (parameter, NULL);
  g_autoptr(GError) error = NULL;

  if (*user_id == '\0')
    log_bad (actions, "set-user", "expected a userId, got \"\"");
  else if (!authsim_engine_set_active_user_id (actions->engine, user_id, &error))
    log_bad (actions, "set-user", error->message);
}

static void
advance_clock_cb (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  Actions *actions = user_data;
  const char *text = g_variant_get_string (parameter, NULL);
  gint64 seconds;

  if (!authsim_parse_duration (text, &seconds))
    {
      g_autofree char *q = quoted (text);
      g_autofree char *reason =
        g_strdup_printf ("expected a duration such as +3m, +15d, +90s or +2h, got %s", q);

      log_bad (actions, "advance-clock", reason);
      return;
    }

  authsim_store_advance_clock (actions->store, seconds);
}

static void
tap_authorize_cb (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  Actions *actions = user_data;
  g_autoptr(JsonNode) scope = json_node_init_string (json_node_alloc (),
                                                     g_variant_get_string (parameter, NULL));

  authsim_engine_tap_authorize (actions->engine, scope);
}

/* {"scope": "userInfo", "enabled": false}: the scope and the state, or FALSE with @reason. */
static gboolean
parse_setting (const char  *text,
               char       **scope,
               gboolean    *enabled,
               char       **reason)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;
  JsonObject *object;
  JsonNode *member;

  if (!json_parser_load_from_data (parser, text, -1, &error))
    {
      *reason = g_strdup_printf ("not JSON: %s", error->message);
      return FALSE;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      json_object_get_size (object = json_node_get_object (root)) != 2 ||
      (member = json_object_get_member (object, "scope")) == NULL ||
      !authsim_json_is_string (member) ||
      (member = json_object_get_member (object, "enabled")) == NULL ||
      !authsim_json_is_boolean (member))
    {
      *reason = g_strdup ("expected {\"scope\": \"userInfo\"|\"phoneNumber\"|…, "
                          "\"enabled\": true|false}");
      return FALSE;
    }
  *scope = g_strdup (json_object_get_string_member (object, "scope"));
  *enabled = json_object_get_boolean_member (object, "enabled");
  return TRUE;
}

static void
set_setting_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  Actions *actions = user_data;
  g_autofree char *scope = NULL;
  g_autofree char *reason = NULL;
  g_autoptr(GError) error = NULL;
  gboolean enabled = FALSE;

  if (!parse_setting (g_variant_get_string (parameter, NULL), &scope, &enabled, &reason))
    log_bad (actions, "set-setting", reason);
  else if (!authsim_engine_set_setting (actions->engine, scope, enabled, &error))
    log_bad (actions, "set-setting", error->message);
}

static void
open_settings_cb (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  Actions *actions = user_data;
  g_autoptr(GError) error = NULL;

  if (!authsim_engine_open_settings (actions->engine, &error))
    log_bad (actions, "open-settings", error->message);
}

static void
close_settings_cb (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  Actions *actions = user_data;
  g_autoptr(GError) error = NULL;

  if (!authsim_engine_close_settings (actions->engine, &error))
    log_bad (actions, "close-settings", error->message);
}

static void
answer_cb (GSimpleAction *action,
           GVariant      *parameter,
           gpointer       user_data)
{
  Actions *actions = user_data;
  const char *text = g_variant_get_string (parameter, NULL);
  int decision;

  if (g_strcmp0 (text, "none") == 0)
    decision = -1;
  else if (!authsim_enum_from_nick (AUTHSIM_TYPE_DECISION, text, &decision))
    {
      g_autofree char *q = quoted (text);
      g_autofree char *reason =
        g_strdup_printf ("expected allow, reject, close or none, got %s", q);

      log_bad (actions, "answer", reason);
      return;
    }

  authsim_responder_set_standing_answer (actions->responder, decision);
}

void
authsim_actions_install (GActionMap       *map,
                         AuthsimEngine    *engine,
                         AuthsimStore     *store,
                         AuthsimResponder *responder)
{
  static const struct
  {
    const char *name;
    const char *parameter_type;
    GCallback   activate;
  } entries[] = {
    { "call", "s", G_CALLBACK (call_cb) },
    { "respond", "s", G_CALLBACK (respond_cb) },
    { "navigate", "s", G_CALLBACK (navigate_cb) },
    { "relaunch", NULL, G_CALLBACK (relaunch_cb) },
    { "clear-grants", NULL, G_CALLBACK (clear_grants_cb) },
    { "set-user", "s", G_CALLBACK (set_user_cb) },
    { "advance-clock", "s", G_CALLBACK (advance_clock_cb) },
    { "answer", "s", G_CALLBACK (answer_cb) },
    { "tap-authorize", "s", G_CALLBACK (tap_authorize_cb) },
    { "set-setting", "s", G_CALLBACK (set_setting_cb) },
    { "open-settings", NULL, G_CALLBACK (open_settings_cb) },
    { "close-settings", NULL, G_CALLBACK (close_settings_cb) },
  };
  Actions *actions;

  g_return_if_fail (G_IS_ACTION_MAP (map));
  g_return_if_fail (AUTHSIM_IS_ENGINE (engine));
  g_return_if_fail (AUTHSIM_IS_STORE (store));
  g_return_if_fail (AUTHSIM_IS_RESPONDER (responder));

  actions = g_rc_box_new0 (Actions);
  actions->engine = g_object_ref (engine);
  actions->store = g_object_ref (store);
  actions->responder = g_object_ref (responder);

  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    {
      g_autoptr(GSimpleAction) action = NULL;
      const GVariantType *type = entries[i].parameter_type != NULL
                                 ? G_VARIANT_TYPE (entries[i].parameter_type) : NULL;

      action = g_simple_action_new (entries[i].name, type);
      g_signal_connect_data (action, "activate", entries[i].activate,
                             g_rc_box_acquire (actions), actions_release, 0);
      g_action_map_add_action (map, G_ACTION (action));
    }

  g_rc_box_release_full (actions, (GDestroyNotify) actions_clear);
}
