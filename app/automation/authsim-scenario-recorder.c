/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-scenario-recorder.c: a session's log → scenario JSON whose replay gives the same
 * callback payloads (authCode values aside).
 *
 * Three passes over the events: what each call led to; the grants the session relied on
 * without granting them; then the steps, in log order. Calls a page's onLoad/onShow or a
 * button's onGetAuthorize fired are not steps (the replay fires them again), but what they
 * needed (a user switch, the network fault, the service busy fault) is inserted before the step
 * that caused them. A getAuthorize tap is a "tap" of its page button, or a "tapAuthorize"; the
 * settings page's switches are "setSetting" steps.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "authsim-scenario-private.h"

typedef struct
{
  JsonObject *call;      /* the call event */
  const char *api;       /* its API ("getAuthCode" in logs from before there were others) */
  JsonObject *outcome;   /* its success/fail callback, or a tap's onGetAuthorize/onError */
  gboolean    popup;     /* a popup opened for it */
  gboolean    violation;
  gboolean    automatic; /* fired by a page's onLoad/onShow, not by a script or a person */
} CallInfo;

typedef struct
{
  GPtrArray  *events;             /* JsonObject: the log's events, in order */
  GHashTable *calls;              /* call id → CallInfo */
  guint       n_calls;
  const char *first_user;         /* the user of the first call */
  const char *rule;               /* the first-screen rule a violation named */
  gboolean    rule_off;           /* no violation where one was due: the rule was off */

  GHashTable *granted_before;     /* "userId\nappId\nscope" granted in the log */
  GHashTable *pre_grants;         /* "userId\nappId" → GPtrArray of scopes relied on */
  GPtrArray  *pre_grant_order;    /* the keys of pre_grants, first seen first */

  GPtrArray  *steps;              /* JsonNode */
  guint       cause;              /* index of the last step that can fire lifecycle calls */
  gboolean    have_cause;
  char       *user;               /* the active user at this point of the replay */
  gboolean    fault;              /* the network fault at this point of the replay */
  gboolean    busy;               /* the service busy fault at this point of the replay */
  gboolean    launch_pending;     /* the first launch in the log is the header's relaunch */
  gboolean    expect_launch_page; /* the next onLoad is the launch page's */
  const char *launch_page;
} Recorder;

static void
recorder_init (Recorder *rec)
{
  rec->events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  rec->calls = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  rec->granted_before = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  rec->pre_grants = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) g_ptr_array_unref);
  rec->pre_grant_order = g_ptr_array_new_with_free_func (g_free);
  rec->steps = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  rec->launch_pending = TRUE;
}

static void
recorder_clear (Recorder *rec)
{
  g_clear_pointer (&rec->events, g_ptr_array_unref);
  g_clear_pointer (&rec->calls, g_hash_table_unref);
  g_clear_pointer (&rec->granted_before, g_hash_table_unref);
  g_clear_pointer (&rec->pre_grants, g_hash_table_unref);
  g_clear_pointer (&rec->pre_grant_order, g_ptr_array_unref);
  g_clear_pointer (&rec->steps, g_ptr_array_unref);
  g_clear_pointer (&rec->user, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Recorder, recorder_clear)

/* ------------------------------------------------------------------------------------------
 * JSON building
 * ------------------------------------------------------------------------------------------ */

static const char *
str_member (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && authsim_json_is_string (node) ? json_node_get_string (node) : NULL;
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
boolean_node (gboolean value)
{
  return json_node_init_boolean (json_node_alloc (), value);
}

/* A copy that shares nothing with @node (json_node_copy() shares objects and arrays): the
 * log's events must not change. */
static JsonNode *
node_deep_copy (JsonNode *node)
{
  g_autofree char *text = authsim_json_to_compact (node);

  return json_from_string (text, NULL);
}

/* "userId\nappId" of an event. */
static char *
user_app_key (JsonObject *event)
{
  return g_strdup_printf ("%s\n%s", str_member (event, "userId"), str_member (event, "appId"));
}

static CallInfo *
lookup_call (Recorder   *rec,
             JsonObject *event)
{
  return g_hash_table_lookup (rec->calls,
                              GINT_TO_POINTER ((int) authsim_scenario_event_call (event)));
}

/* ------------------------------------------------------------------------------------------
 * Pass 1: what each call led to
 * ------------------------------------------------------------------------------------------ */

static void
collect_events (Recorder   *rec,
                AuthsimLog *log)
{
  GListModel *model = G_LIST_MODEL (log);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (model, i);

      g_ptr_array_add (rec->events, json_object_ref (authsim_event_get_object (event)));
    }
}

static void
add_call (Recorder   *rec,
          JsonObject *event,
          gint64      id)
{
  CallInfo *info = g_new0 (CallInfo, 1);

  info->call = event;
  info->api = str_member (event, "api") != NULL ? str_member (event, "api") : "getAuthCode";
  /* The engine marks the calls a page's onLoad/onShow or a button's onGetAuthorize fired:
   * replay fires them. */
  info->automatic = json_object_has_member (event, "hook");
  g_hash_table_insert (rec->calls, GINT_TO_POINTER ((int) id), info);
  rec->n_calls++;
  if (rec->first_user == NULL)
    rec->first_user = str_member (event, "userId");
}

static void
analyse_calls (Recorder *rec)
{
  for (guint i = 0; i < rec->events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (rec->events, i);
      const char *kind = str_member (event, "kind");
      gint64 id = authsim_scenario_event_call (event);
      CallInfo *info = id > 0 ? lookup_call (rec, event) : NULL;

      if (g_strcmp0 (kind, "call") == 0 && id > 0)
        add_call (rec, event, id);
      else if (info != NULL && info->outcome == NULL &&
               (authsim_scenario_match_outcome (event, NULL) ||
                authsim_scenario_match_button (event, NULL)))
        info->outcome = event;
      else if (info != NULL && authsim_scenario_match_popup_open (event, NULL))
        info->popup = TRUE;
      else if (g_strcmp0 (kind, "violation") == 0)
        {
          if (info != NULL)
            info->violation = TRUE;
          if (rec->rule == NULL && g_strcmp0 (str_member (event, "rule"), "first-screen") == 0)
            rec->rule = str_member (event, "mode");
        }
    }
}

/* No violation, yet a first-screen lifecycle call opened a popup: the rule was off. */
static void
infer_rule_off (Recorder *rec)
{
  GHashTableIter iter;
  CallInfo *info;

  if (rec->rule != NULL)
    return;

  g_hash_table_iter_init (&iter, rec->calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &info))
    if (info->popup && !info->violation &&
        g_strcmp0 (str_member (info->call, "trigger"), "lifecycle") == 0 &&
        json_object_get_boolean_member_with_default (info->call, "firstScreen", FALSE))
      rec->rule_off = TRUE;
}

/* ------------------------------------------------------------------------------------------
 * Pass 2: grants the session relied on without granting them (a consent success with no
 * popup, for a (user, app) the log never saw granted before)
 * ------------------------------------------------------------------------------------------ */

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

          if (authsim_json_is_string (item) &&
              g_strcmp0 (json_node_get_string (item), "auth_base") != 0)
            g_strv_builder_add (builder, json_node_get_string (item));
        }
    }
  return g_strv_builder_end (builder);
}

/* (nullable) (transfer full): the "code" of a JSON text, or of its "response" member's. */
static char *
response_code (const char *text)
{
  g_autoptr(JsonNode) root = text != NULL ? json_from_string (text, NULL) : NULL;
  JsonObject *object;
  JsonNode *node;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  object = json_node_get_object (root);
  node = json_object_get_member (object, "response");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    object = json_node_get_object (node);
  return g_strdup (str_member (object, "code"));
}

/* The grant scopes a call could only get by a grant made before: a silent getAuthCode consent
 * success, a 10000 of getOpenUserInfo or getPhoneNumber, a tap answered without a popup. */
static GStrv
relied_on_scopes (CallInfo *info)
{
  JsonObject *payload = json_object_get_object_member (info->outcome, "payload");
  const char *callback = str_member (info->outcome, "callback");
  g_autofree char *code = NULL;

  if (g_str_equal (info->api, "getAuthorize"))
    {
      g_autoptr(GString) scope = g_string_new (str_member (info->call, "scope"));

      if (g_strcmp0 (callback, "onGetAuthorize") != 0)
        return NULL;
      g_string_replace (scope, " ", "", 0);
      return g_strsplit (scope->str, ",", -1);
    }
  if (g_strcmp0 (callback, "success") != 0)
    return NULL;
  if (g_str_equal (info->api, "getAuthCode"))
    return consent_scopes (payload);

  code = g_str_equal (info->api, "getPhoneNumber") ? response_code (str_member (info->outcome,
                                                                                "plaintext"))
                                                   : response_code (payload != NULL
                                                                    ? str_member (payload,
                                                                                  "response")
                                                                    : NULL);
  if (g_strcmp0 (code, "10000") != 0)
    return NULL;
  if (g_str_equal (info->api, "getOpenUserInfo"))
    return g_strsplit ("userInfo", ",", -1);
  if (g_str_equal (info->api, "getPhoneNumber"))
    return g_strsplit ("phoneNumber", ",", -1);
  return NULL;
}

static void
note_pre_grant (Recorder   *rec,
                JsonObject *event)
{
  CallInfo *info = lookup_call (rec, event);
  g_autofree char *key = NULL;
  g_auto(GStrv) scopes = NULL;
  GPtrArray *list;

  if (info == NULL || info->outcome == NULL || info->popup ||
      (scopes = relied_on_scopes (info)) == NULL || scopes[0] == NULL)
    return;

  key = user_app_key (event);
  for (guint s = 0; scopes[s] != NULL; s++)
    {
      g_autofree char *scope_key = g_strdup_printf ("%s\n%s", key, scopes[s]);

      if (g_hash_table_contains (rec->granted_before, scope_key))
        continue;
      list = g_hash_table_lookup (rec->pre_grants, key);
      if (list == NULL)
        {
          list = g_ptr_array_new_with_free_func (g_free);
          g_hash_table_insert (rec->pre_grants, g_strdup (key), list);
          g_ptr_array_add (rec->pre_grant_order, g_strdup (key));
        }
      if (!g_ptr_array_find_with_equal_func (list, scopes[s], g_str_equal, NULL))
        g_ptr_array_add (list, g_strdup (scopes[s]));
    }
}

/* Every scope of a "granted" event, as "userId\nappId\nscope". */
static void
note_granted (Recorder   *rec,
              JsonObject *event)
{
  g_autofree char *key = user_app_key (event);
  JsonNode *node = json_object_get_member (event, "scopes");
  JsonArray *scopes = node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node)
                                                                   : NULL;

  for (guint i = 0; scopes != NULL && i < json_array_get_length (scopes); i++)
    {
      JsonNode *scope = json_array_get_element (scopes, i);

      if (authsim_json_is_string (scope))
        g_hash_table_add (rec->granted_before,
                          g_strdup_printf ("%s\n%s", key, json_node_get_string (scope)));
    }
}

static void
find_pre_grants (Recorder *rec)
{
  for (guint i = 0; i < rec->events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (rec->events, i);
      const char *kind = str_member (event, "kind");

      if (g_strcmp0 (kind, "grant") == 0 &&
          g_strcmp0 (str_member (event, "event"), "granted") == 0)
        note_granted (rec, event);
      else if (g_strcmp0 (kind, "call") == 0)
        note_pre_grant (rec, event);
    }
}

/* ------------------------------------------------------------------------------------------
 * Pass 3: the steps
 * ------------------------------------------------------------------------------------------ */

/* Inserts @node before the step that caused an automatic call, or appends it. */
static void
add_before_cause (Recorder *rec,
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

/* Appends a step that may fire lifecycle calls. */
static void
add_cause (Recorder *rec,
           JsonNode *node)
{
  g_ptr_array_add (rec->steps, node);
  rec->cause = rec->steps->len - 1;
  rec->have_cause = TRUE;
}

/* A clean start: no grants but those relied on, the first user, a relaunch. */
static void
add_header_steps (Recorder *rec)
{
  g_ptr_array_add (rec->steps, new_step ("clearGrants", boolean_node (TRUE)));
  for (guint i = 0; i < rec->pre_grant_order->len; i++)
    {
      const char *key = g_ptr_array_index (rec->pre_grant_order, i);
      GPtrArray *list = g_hash_table_lookup (rec->pre_grants, key);
      g_auto(GStrv) parts = g_strsplit (key, "\n", 2);
      JsonObject *grant = json_object_new ();
      JsonArray *scopes = json_array_new ();

      for (guint s = 0; s < list->len; s++)
        json_array_add_string_element (scopes, g_ptr_array_index (list, s));
      json_object_set_string_member (grant, "userId", parts[0]);
      json_object_set_string_member (grant, "appId", parts[1]);
      json_object_set_array_member (grant, "scopes", scopes);
      g_ptr_array_add (rec->steps, new_step ("grant", object_node (grant)));
    }
  if (rec->first_user != NULL)
    {
      g_ptr_array_add (rec->steps, new_step ("setUser", string_node (rec->first_user)));
      rec->user = g_strdup (rec->first_user);
    }
  add_cause (rec, new_step ("relaunch", boolean_node (TRUE)));
  rec->expect_launch_page = TRUE;
}

/* Whether the pages unloaded at event @index go because of a relaunch (not "back" steps). */
static gboolean
unloaded_by_relaunch (Recorder *rec,
                      guint     index)
{
  for (guint j = index + 1; j < rec->events->len; j++)
    {
      JsonObject *next = g_ptr_array_index (rec->events, j);
      const char *next_what = str_member (next, "event");

      if (g_strcmp0 (str_member (next, "kind"), "lifecycle") != 0)
        continue;
      if (g_strcmp0 (next_what, "onUnload") == 0)
        continue;
      return g_strcmp0 (next_what, "onLaunch") == 0;
    }
  return FALSE;
}

/* onLaunch → relaunch, onLoad → navigate, onUnload → back. */
static void
record_lifecycle (Recorder   *rec,
                  JsonObject *event,
                  guint       index)
{
  const char *what = str_member (event, "event");
  const char *page = str_member (event, "page");

  if (g_strcmp0 (what, "onLaunch") == 0)
    {
      if (rec->launch_page == NULL)
        rec->launch_page = page;
      if (!rec->launch_pending)
        add_cause (rec, new_step ("relaunch",
                                  page == NULL || g_strcmp0 (page, rec->launch_page) == 0
                                  ? boolean_node (TRUE) : string_node (page)));
      rec->launch_pending = FALSE;
      rec->expect_launch_page = TRUE;
    }
  else if (g_strcmp0 (what, "onLoad") == 0)
    {
      if (rec->expect_launch_page)
        rec->expect_launch_page = FALSE;
      else if (page != NULL)
        add_cause (rec, new_step ("navigate", string_node (page)));
      rec->launch_pending = FALSE;
    }
  else if (g_strcmp0 (what, "onUnload") == 0)
    {
      if (!unloaded_by_relaunch (rec, index))
        add_cause (rec, new_step ("back", boolean_node (TRUE)));
      rec->launch_pending = FALSE;
    }
  /* The settings page: from the capsule (a my.openSetting's opens by itself), and left. */
  else if (g_strcmp0 (what, "settingsOpen") == 0 && authsim_scenario_event_call (event) == 0)
    add_cause (rec, new_step ("openSettings", boolean_node (TRUE)));
  else if (g_strcmp0 (what, "settingsClose") == 0 && !json_object_has_member (event, "reason"))
    add_cause (rec, new_step ("closeSettings", boolean_node (TRUE)));
}

/* Whether @info's outcome says the network fault was off: a success of an API that checks
 * it, an onGetAuthorize, a popup, a violation. */
static gboolean
past_network (CallInfo *info)
{
  const char *callback = info->outcome != NULL ? str_member (info->outcome, "callback") : NULL;

  if (info->popup || info->violation || g_strcmp0 (callback, "onGetAuthorize") == 0)
    return TRUE;
  /* getSetting and openSetting never look at the network. */
  return g_strcmp0 (callback, "success") == 0 &&
         !g_str_equal (info->api, "getSetting") && !g_str_equal (info->api, "openSetting");
}

/* Whether @info's outcome is the network fault's: fail 12, or onError "Network Error". */
static gboolean
network_error (CallInfo *info)
{
  JsonObject *payload;
  JsonNode *code;

  if (info->outcome == NULL ||
      (payload = json_object_get_object_member (info->outcome, "payload")) == NULL)
    return FALSE;
  if (json_object_has_member (payload, "detail") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (payload, "detail")))
    return g_strcmp0 (str_member (json_object_get_object_member (payload, "detail"),
                                  "errorMessage"), "Network Error") == 0;
  code = json_object_get_member (payload, "error");
  return authsim_scenario_is_number (code) && json_node_get_int (code) == 12;
}

/* The fault switches are not logged: infer them from the outcomes. */
static void
record_faults (Recorder *rec,
               CallInfo *info)
{
  g_autofree char *code = NULL;

  if (network_error (info) && !rec->fault)
    {
      add_before_cause (rec, info->automatic, new_step ("networkFault", boolean_node (TRUE)));
      rec->fault = TRUE;
    }
  else if (past_network (info) && rec->fault)
    {
      add_before_cause (rec, info->automatic, new_step ("networkFault", boolean_node (FALSE)));
      rec->fault = FALSE;
    }

  /* my.getPhoneNumber's 20000 is the service busy fault; its 10000 came past it. */
  if (!g_str_equal (info->api, "getPhoneNumber") || info->outcome == NULL)
    return;
  code = response_code (str_member (info->outcome, "plaintext"));
  if (g_strcmp0 (code, "20000") == 0 && !rec->busy)
    {
      add_before_cause (rec, info->automatic, new_step ("serviceBusy", boolean_node (TRUE)));
      rec->busy = TRUE;
    }
  else if (g_strcmp0 (code, "10000") == 0 && rec->busy)
    {
      add_before_cause (rec, info->automatic, new_step ("serviceBusy", boolean_node (FALSE)));
      rec->busy = FALSE;
    }
}

/* A getAuthorize tap: its page button by label, a settings switch, or a virtual button. */
static JsonNode *
tap_step (JsonObject *event)
{
  JsonNode *scope = json_object_get_member (event, "scope");
  JsonObject *setting;

  if (g_strcmp0 (str_member (event, "source"), "settings") == 0)
    {
      setting = json_object_new ();
      json_object_set_string_member (setting, "scope", str_member (event, "scope"));
      json_object_set_boolean_member (setting, "enabled", TRUE);
      return new_step ("setSetting", object_node (setting));
    }
  if (str_member (event, "button") != NULL)
    return new_step ("tap", string_node (str_member (event, "button")));
  return new_step ("tapAuthorize", scope != NULL ? node_deep_copy (scope)
                                                 : json_node_init_null (json_node_alloc ()));
}

static void
record_call (Recorder   *rec,
             JsonObject *event)
{
  CallInfo *info = lookup_call (rec, event);
  const char *user = str_member (event, "userId");
  JsonNode *params = json_object_get_member (event, "params");
  JsonObject *step;

  if (info == NULL)
    return;
  rec->launch_pending = FALSE;

  if (user != NULL && g_strcmp0 (user, rec->user) != 0)
    {
      add_before_cause (rec, info->automatic, new_step ("setUser", string_node (user)));
      g_free (rec->user);
      rec->user = g_strdup (user);
    }
  record_faults (rec, info);
  if (info->automatic)
    return;
  if (g_str_equal (info->api, "getAuthorize"))
    {
      add_cause (rec, tap_step (event));
      return;
    }

  step = json_object_new ();
  json_object_set_member (step, "call",
                          params != NULL ? node_deep_copy (params)
                                         : json_node_init_null (json_node_alloc ()));
  if (!g_str_equal (info->api, "getAuthCode"))
    json_object_set_string_member (step, "api", info->api);
  if (str_member (event, "trigger") != NULL)
    json_object_set_string_member (step, "trigger", str_member (event, "trigger"));
  if (str_member (event, "container") != NULL)
    json_object_set_string_member (step, "container", str_member (event, "container"));
  add_cause (rec, object_node (step));
}

/* A settings switch turned off ("refused" there) or a device setting switched. */
static JsonNode *
setting_step (JsonObject *event)
{
  JsonObject *setting = json_object_new ();
  JsonNode *scopes = json_object_get_member (event, "scopes");

  if (str_member (event, "scope") != NULL)
    json_object_set_string_member (setting, "scope", str_member (event, "scope"));
  else if (scopes != NULL && JSON_NODE_HOLDS_ARRAY (scopes) &&
           json_array_get_length (json_node_get_array (scopes)) > 0)
    json_object_set_string_member (setting, "scope",
                                   json_array_get_string_element (json_node_get_array (scopes),
                                                                  0));
  json_object_set_boolean_member (setting, "enabled",
                                  json_object_get_boolean_member_with_default (event, "enabled",
                                                                               FALSE));
  return new_step ("setSetting", object_node (setting));
}

/* Grants cleared or revoked during the session. */
static void
record_grant (Recorder   *rec,
              JsonObject *event)
{
  const char *what = str_member (event, "event");
  JsonObject *revoke;

  if (g_strcmp0 (str_member (event, "source"), "settings") == 0)
    {
      if (g_strcmp0 (what, "revoked") == 0)
        g_ptr_array_add (rec->steps, new_step ("revokeUserInfo", boolean_node (TRUE)));
      else if (g_strcmp0 (what, "refused") == 0 || g_strcmp0 (what, "switched") == 0)
        g_ptr_array_add (rec->steps, setting_step (event));
    }
  else if (g_strcmp0 (what, "cleared") == 0)
    g_ptr_array_add (rec->steps, new_step ("clearGrants", boolean_node (TRUE)));
  else if (g_strcmp0 (what, "revoked") == 0 &&
           str_member (event, "userId") != NULL && str_member (event, "appId") != NULL)
    {
      revoke = json_object_new ();
      json_object_set_string_member (revoke, "userId", str_member (event, "userId"));
      json_object_set_string_member (revoke, "appId", str_member (event, "appId"));
      g_ptr_array_add (rec->steps, new_step ("revoke", object_node (revoke)));
    }
}

/* A success/fail callback → an expect step with its payload, authCode a wildcard; for
 * my.getPhoneNumber the plaintext it logged (its envelope depends on the keys). A button's
 * onGetAuthorize/onError → an expect step with its event. */
static void
record_outcome (Recorder   *rec,
                JsonObject *event)
{
  CallInfo *info = lookup_call (rec, event);
  JsonObject *expect = json_object_new ();
  JsonNode *payload = json_object_get_member (event, "payload");
  JsonNode *copy = payload != NULL ? node_deep_copy (payload) : object_node (json_object_new ());
  const char *plaintext = str_member (event, "plaintext");

  if (JSON_NODE_HOLDS_OBJECT (copy) &&
      json_object_has_member (json_node_get_object (copy), "authCode"))
    json_object_set_string_member (json_node_get_object (copy), "authCode", "*");
  if (info != NULL && g_str_equal (info->api, "getPhoneNumber") && plaintext != NULL &&
      JSON_NODE_HOLDS_OBJECT (copy))
    json_object_set_string_member (json_node_get_object (copy), "response", "*");
  json_object_set_string_member (expect, "callback", str_member (event, "callback"));
  if (JSON_NODE_HOLDS_OBJECT (copy))
    json_object_set_member (expect, "payload", copy);
  else
    json_node_unref (copy);
  if (plaintext != NULL)
    {
      g_autoptr(JsonNode) parsed = json_from_string (plaintext, NULL);

      if (parsed != NULL && JSON_NODE_HOLDS_OBJECT (parsed))
        json_object_set_member (expect, "plaintext", g_steal_pointer (&parsed));
    }
  g_ptr_array_add (rec->steps, new_step ("expect", object_node (expect)));
}

static void
record_event (Recorder *rec,
              guint     index)
{
  JsonObject *event = g_ptr_array_index (rec->events, index);
  const char *kind = str_member (event, "kind");

  if (g_strcmp0 (kind, "lifecycle") == 0)
    record_lifecycle (rec, event, index);
  else if (g_strcmp0 (kind, "call") == 0)
    record_call (rec, event);
  else if (g_strcmp0 (kind, "decision") == 0 && str_member (event, "decision") != NULL)
    add_cause (rec, new_step ("answer", string_node (str_member (event, "decision"))));
  else if (g_strcmp0 (kind, "grant") == 0)
    record_grant (rec, event);
  else if (authsim_scenario_match_outcome (event, NULL) ||
           authsim_scenario_match_button (event, NULL))
    record_outcome (rec, event);
}

/* The scenario document, pretty-printed. */
static char *
build_document (Recorder *rec)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%d %H:%M:%S");
  g_autofree char *description = NULL;
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  JsonObject *scenario = json_object_new ();
  JsonArray *steps = json_array_new ();

  description = g_strdup_printf ("Recorded by AuthSim on %s; replay it with the same profile.",
                                 stamp);
  json_object_set_string_member (scenario, "name", "Recorded session");
  json_object_set_string_member (scenario, "description", description);
  if (rec->rule != NULL)
    json_object_set_string_member (scenario, "firstScreenRule", rec->rule);
  else if (rec->rule_off)
    json_object_set_string_member (scenario, "firstScreenRule", "off");
  for (guint i = 0; i < rec->steps->len; i++)
    json_array_add_element (steps, json_node_ref (g_ptr_array_index (rec->steps, i)));
  json_object_set_array_member (scenario, "steps", steps);

  root = object_node (scenario);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

char *
authsim_scenario_record (AuthsimLog  *log,
                         GError     **error)
{
  g_auto(Recorder) rec = { 0 };

  g_return_val_if_fail (AUTHSIM_IS_LOG (log), NULL);

  recorder_init (&rec);
  collect_events (&rec, log);
  analyse_calls (&rec);
  if (rec.n_calls == 0)
    {
      g_set_error_literal (error, AUTHSIM_ERROR, AUTHSIM_ERROR_NOT_FOUND,
                           _("The log holds no call to record"));
      return NULL;
    }
  find_pre_grants (&rec);
  infer_rule_off (&rec);

  add_header_steps (&rec);
  for (guint i = 0; i < rec.events->len; i++)
    record_event (&rec, i);

  return build_document (&rec);
}
