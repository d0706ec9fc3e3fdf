/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "authsim-actions.h"
#include "authsim-enums.h"

/* Engine log strings are not translated (BRIEF): these messages go into "error" events. */

#define STANDING_KEY "authsim-standing-answer"

typedef struct
{
  AuthsimEngine *engine;   /* unowned: the watcher is data of the engine */
  int            decision; /* AuthsimDecision, -1 when none */
  gulong         handler;
  guint          idle;
} Standing;

gboolean
authsim_parse_duration (const char *text,
                        gint64     *seconds)
{
  const char *p = text;
  gint64 sign = 1, unit;
  guint64 value;
  g_autofree char *digits = NULL;
  gsize n;

  if (text == NULL)
    return FALSE;

  if (*p == '+' || *p == '-')
    {
      sign = *p == '-' ? -1 : 1;
      p++;
    }

  n = strspn (p, "0123456789");
  if (n == 0 || n > 9)
    return FALSE;

  switch (p[n])
    {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: return FALSE;
    }
  if (p[n + 1] != '\0')
    return FALSE;

  digits = g_strndup (p, n);
  if (!g_ascii_string_to_unsigned (digits, 10, 0, G_MAXUINT32, &value, NULL))
    return FALSE;

  if (seconds != NULL)
    *seconds = sign * (gint64) value * unit;
  return TRUE;
}

/* The standing answer. */

static gboolean
standing_idle_cb (gpointer user_data)
{
  Standing *standing = user_data;
  AuthsimRequest *request;

  standing->idle = 0;

  if (standing->decision < 0)
    return G_SOURCE_REMOVE;

  request = authsim_engine_get_request (standing->engine);
  /* A scenario's scripted answer or a D-Bus respond may have come first. */
  if (request != NULL && !authsim_request_get_answered (request))
    {
      g_autoptr(GError) error = NULL;

      if (!authsim_engine_respond (standing->engine, standing->decision,
                                   AUTHSIM_ANSWER_SOURCE_STANDING, &error))
        authsim_engine_log_error (standing->engine, "state", error->message);
    }

  return G_SOURCE_REMOVE;
}

static void
standing_check (Standing *standing)
{
  AuthsimRequest *request = authsim_engine_get_request (standing->engine);

  if (standing->decision < 0 || standing->idle != 0)
    return;
  if (request == NULL || authsim_request_get_answered (request))
    return;

  /* Answered from an idle, not from inside the engine's notify: the engine finishes opening
   * the popup (and logs it) first, and a scripted answer (higher priority) wins. */
  standing->idle = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, standing_idle_cb, standing, NULL);
}

static void
standing_request_notify_cb (AuthsimEngine *engine,
                            GParamSpec    *pspec,
                            Standing      *standing)
{
  standing_check (standing);
}

static void
standing_free (gpointer data)
{
  Standing *standing = data;

  g_clear_handle_id (&standing->idle, g_source_remove);
  /* The engine is being finalized (or the data replaced): its handlers go with it. */
  g_free (standing);
}

static Standing *
standing_get (AuthsimEngine *engine,
              gboolean       create)
{
  Standing *standing = g_object_get_data (G_OBJECT (engine), STANDING_KEY);

  if (standing == NULL && create)
    {
      standing = g_new0 (Standing, 1);
      standing->engine = engine;
      standing->decision = -1;
      g_object_set_data_full (G_OBJECT (engine), STANDING_KEY, standing, standing_free);
      standing->handler = g_signal_connect (engine, "notify::request",
                                            G_CALLBACK (standing_request_notify_cb), standing);
    }

  return standing;
}

void
authsim_actions_set_standing_answer (AuthsimEngine *engine,
                                     int            decision)
{
  Standing *standing;

  g_return_if_fail (AUTHSIM_IS_ENGINE (engine));
  g_return_if_fail (decision >= -1 && decision <= AUTHSIM_DECISION_CLOSE);

  standing = standing_get (engine, decision >= 0);
  if (standing == NULL)
    return;

  standing->decision = decision;
  if (decision < 0)
    g_clear_handle_id (&standing->idle, g_source_remove);
  else
    standing_check (standing);
}

int
authsim_actions_get_standing_answer (AuthsimEngine *engine)
{
  Standing *standing;

  g_return_val_if_fail (AUTHSIM_IS_ENGINE (engine), -1);

  standing = standing_get (engine, FALSE);
  return standing != NULL ? standing->decision : -1;
}

/* The actions. */

static void
log_bad (AuthsimEngine *engine,
         const char    *action,
         const char    *reason)
{
  g_autofree char *message = g_strdup_printf ("%s: %s", action, reason);

  authsim_engine_log_error (engine, "dbus", message);
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
  AuthsimEngine *engine = user_data;
  g_autoptr(GError) error = NULL;

  /* call_json logs a malformed string as an error event itself. */
  authsim_engine_call_json (engine, g_variant_get_string (parameter, NULL), &error);
}

static void
respond_cb (GSimpleAction *action,
            GVariant      *parameter,
            gpointer       user_data)
{
  AuthsimEngine *engine = user_data;
  const char *text = g_variant_get_string (parameter, NULL);
  g_autoptr(GError) error = NULL;
  int decision;

  if (!authsim_enum_from_nick (AUTHSIM_TYPE_DECISION, text, &decision))
    {
      g_autofree char *q = quoted (text);
      g_autofree char *reason = g_strdup_printf ("expected allow, reject or close, got %s", q);

      log_bad (engine, "respond", reason);
      return;
    }

  if (!authsim_engine_respond (engine, decision, AUTHSIM_ANSWER_SOURCE_DBUS, &error))
    log_bad (engine, "respond", error->message);
}

static void
navigate_cb (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  AuthsimEngine *engine = user_data;
  const char *path = g_variant_get_string (parameter, NULL);
  g_autoptr(GError) error = NULL;

  if (*path == '\0')
    log_bad (engine, "navigate", "expected a page path, got \"\"");
  else if (!authsim_engine_navigate (engine, path, &error))
    log_bad (engine, "navigate", error->message);
}

static void
relaunch_cb (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  authsim_engine_launch (AUTHSIM_ENGINE (user_data));
}

static void
clear_grants_cb (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  authsim_engine_clear_grants (AUTHSIM_ENGINE (user_data));
}

static void
set_user_cb (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  AuthsimEngine *engine = user_data;
  const char *user_id = g_variant_get_string (parameter, NULL);
  g_autoptr(GError) error = NULL;

  if (*user_id == '\0')
    log_bad (engine, "set-user", "expected a userId, got \"\"");
  else if (!authsim_engine_set_active_user_id (engine, user_id, &error))
    log_bad (engine, "set-user", error->message);
}

static void
advance_clock_cb (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  AuthsimEngine *engine = user_data;
  const char *text = g_variant_get_string (parameter, NULL);
  gint64 seconds;

  if (!authsim_parse_duration (text, &seconds))
    {
      g_autofree char *q = quoted (text);
      g_autofree char *reason =
        g_strdup_printf ("expected a duration such as +3m, +15d, +90s or +2h, got %s", q);

      log_bad (engine, "advance-clock", reason);
      return;
    }

  authsim_store_advance_clock (authsim_engine_get_store (engine), seconds);
}

static void
answer_cb (GSimpleAction *action,
           GVariant      *parameter,
           gpointer       user_data)
{
  AuthsimEngine *engine = user_data;
  const char *text = g_variant_get_string (parameter, NULL);
  int decision;

  if (g_strcmp0 (text, "none") == 0)
    decision = -1;
  else if (!authsim_enum_from_nick (AUTHSIM_TYPE_DECISION, text, &decision))
    {
      g_autofree char *q = quoted (text);
      g_autofree char *reason =
        g_strdup_printf ("expected allow, reject, close or none, got %s", q);

      log_bad (engine, "answer", reason);
      return;
    }

  authsim_actions_set_standing_answer (engine, decision);
}

void
authsim_actions_install (GActionMap    *map,
                         AuthsimEngine *engine)
{
  static const struct
  {
    const char *name;
    const char *parameter_type;
    GCallback   activate;
  } actions[] = {
    { "call", "s", G_CALLBACK (call_cb) },
    { "respond", "s", G_CALLBACK (respond_cb) },
    { "navigate", "s", G_CALLBACK (navigate_cb) },
    { "relaunch", NULL, G_CALLBACK (relaunch_cb) },
    { "clear-grants", NULL, G_CALLBACK (clear_grants_cb) },
    { "set-user", "s", G_CALLBACK (set_user_cb) },
    { "advance-clock", "s", G_CALLBACK (advance_clock_cb) },
    { "answer", "s", G_CALLBACK (answer_cb) },
  };

  g_return_if_fail (G_IS_ACTION_MAP (map));
  g_return_if_fail (AUTHSIM_IS_ENGINE (engine));

  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    {
      g_autoptr(GSimpleAction) action = NULL;
      const GVariantType *type = actions[i].parameter_type != NULL
                                 ? G_VARIANT_TYPE (actions[i].parameter_type) : NULL;

      action = g_simple_action_new (actions[i].name, type);
      /* Disconnected automatically when the engine goes away before the map. */
      g_signal_connect_object (action, "activate", actions[i].activate, engine, 0);
      g_action_map_add_action (map, G_ACTION (action));
    }
}
