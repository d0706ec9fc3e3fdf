/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-first-screen.c: the first-screen rule of SPEC §4 in each mode, what ends the first
 * screen, relaunch, and the onShow loop risk of §3. */
#include "config.h"

#include "authsim-enums.h"
#include "test-utils.h"

static const char *profile =
  "{\"appId\": \"2021000000000001\", \"name\": \"Test Shop\","
  " \"pages\": ["
  "  {\"path\": \"pages/index\", \"title\": \"Home\", \"onLoad\": {\"scopes\": \"auth_base\"},"
  "   \"buttons\": [{\"label\": \"Log in\", \"params\": {\"scopes\": \"auth_user\"}},"
  "                 {\"label\": \"Next\", \"navigateTo\": \"pages/next\"},"
  "                 {\"label\": \"Loop\", \"navigateTo\": \"pages/loop\"},"
  "                 {\"label\": \"Bad\", \"reLaunch\": \"pages/bad\"}]},"
  "  {\"path\": \"pages/next\", \"title\": \"Next\", \"onLoad\": {\"scopes\": \"auth_user\"}},"
  "  {\"path\": \"pages/bad\", \"title\": \"Bad\", \"onLoad\": {\"scopes\": \"auth_user\"}},"
  "  {\"path\": \"pages/loop\", \"title\": \"Loop\", \"onShow\": {\"scopes\": \"auth_user\"}}"
  " ]}";

#define FAIL_3 "{\"error\": 3, \"errorMessage\": \"未找到授权结果\"}"

/* The last event of @kind, or NULL. */
static AuthsimEvent *
last_of_kind (AuthsimLog *log,
              const char *kind)
{
  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (log)); i > 0; i--)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (G_LIST_MODEL (log), i - 1);

      if (g_str_equal (authsim_event_get_kind (event), kind))
        return event;
    }
  return NULL;
}

/* The payload of the last callback of @call, or NULL if it has not finished. */
static JsonNode *
payload_of (AuthsimLog *log,
            guint       call,
            const char *callback)
{
  g_autoptr(GPtrArray) events = test_events_of_call (log, call);

  for (guint i = 0; i < events->len; i++)
    {
      AuthsimEvent *event = g_ptr_array_index (events, i);

      if (g_strcmp0 (authsim_event_get_callback (event), callback) == 0)
        return json_node_copy (json_object_get_member (authsim_event_get_object (event),
                                                       "payload"));
    }
  return NULL;
}

static guint
last_call_id (AuthsimLog *log)
{
  AuthsimEvent *event = last_of_kind (log, "call");

  return event != NULL ? authsim_event_get_call (event) : 0;
}

/* @log (nullable): where the test reads what happened. */
static AuthsimEngine *
engine_with_rule (AuthsimFirstScreenRule  rule,
                  AuthsimLog             *log)
{
  AuthsimEngine *engine = test_engine_new_with (profile, NULL, log);

  authsim_engine_set_first_screen_rule (engine, rule);
  return engine;
}

/* auth_base on load is always allowed on the first screen. */
static void
test_auth_base_allowed (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = engine_with_rule (AUTHSIM_FIRST_SCREEN_RULE_ENFORCE, log);
  g_autoptr(JsonNode) payload = NULL;
  JsonObject *call;

  authsim_engine_launch (engine);
  g_assert_true (authsim_engine_get_first_screen (engine));
  g_assert_cmpuint (test_count_kind (log, "violation"), ==, 0);
  g_assert_null (authsim_engine_get_banner (engine));

  call = authsim_event_get_object (last_of_kind (log, "call"));
  g_assert_true (json_object_get_boolean_member (call, "firstScreen"));
  g_assert_cmpstr (json_object_get_string_member (call, "trigger"), ==, "lifecycle");
  g_assert_cmpstr (json_object_get_string_member (call, "hook"), ==, "onLoad");
  payload = payload_of (log, last_call_id (log), "success");
  g_assert_nonnull (payload);
}

/* enforce: no popup, a violation with rule id and explanation, the banner, fail 3. */
static void
test_enforce (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = engine_with_rule (AUTHSIM_FIRST_SCREEN_RULE_ENFORCE, log);
  g_autoptr(JsonNode) params = test_parse ("{\"scopes\": \"auth_user\"}");
  g_autoptr(JsonNode) payload = NULL;
  JsonObject *violation;
  guint id;

  authsim_engine_launch (engine);
  id = authsim_engine_call (engine, params, AUTHSIM_TRIGGER_LIFECYCLE, 0);
  g_assert_null (authsim_engine_get_request (engine));
  payload = payload_of (log, id, "fail");
  test_assert_json_equal_str (FAIL_3, payload, "$");
  g_clear_pointer (&payload, json_node_unref);
  payload = payload_of (log, id, "complete");
  test_assert_json_equal_str (FAIL_3, payload, "$");

  violation = authsim_event_get_object (last_of_kind (log, "violation"));
  g_assert_cmpuint (authsim_event_get_call (last_of_kind (log, "violation")), ==, id);
  g_assert_cmpstr (json_object_get_string_member (violation, "rule"), ==, "first-screen");
  g_assert_cmpstr (json_object_get_string_member (violation, "mode"), ==, "enforce");
  g_assert_nonnull (json_object_get_string_member (violation, "explanation"));
  g_assert_nonnull (authsim_engine_get_banner (engine));

  /* The call did not end the first screen; dismissing the banner clears it. */
  g_assert_true (authsim_engine_get_first_screen (engine));
  authsim_engine_dismiss_banner (engine);
  g_assert_null (authsim_engine_get_banner (engine));
}

/* warn: the popup shows as usual, logged and bannered. */
static void
test_warn (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = engine_with_rule (AUTHSIM_FIRST_SCREEN_RULE_WARN, log);
  g_autoptr(JsonNode) params = test_parse ("{\"scopes\": \"auth_user\"}");
  g_autoptr(JsonNode) payload = NULL;
  guint id;

  authsim_engine_launch (engine);
  id = authsim_engine_call (engine, params, AUTHSIM_TRIGGER_LIFECYCLE, 0);
  g_assert_nonnull (authsim_engine_get_request (engine));
  g_assert_nonnull (authsim_engine_get_banner (engine));
  g_assert_cmpstr (json_object_get_string_member (
                     authsim_event_get_object (last_of_kind (log, "violation")), "mode"),
                   ==, "warn");

  /* Answering the popup is an interaction: the first screen ends. */
  g_assert_true (authsim_engine_respond (engine, AUTHSIM_DECISION_ALLOW,
                                         AUTHSIM_ANSWER_SOURCE_API, NULL));
  g_assert_false (authsim_engine_get_first_screen (engine));
  payload = payload_of (log, id, "success");
  g_assert_nonnull (payload);
}

/* off: no check at all. */
static void
test_off (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = engine_with_rule (AUTHSIM_FIRST_SCREEN_RULE_OFF, log);
  g_autoptr(JsonNode) params = test_parse ("{\"scopes\": \"auth_user\"}");

  authsim_engine_launch (engine);
  authsim_engine_call (engine, params, AUTHSIM_TRIGGER_LIFECYCLE, 0);
  g_assert_nonnull (authsim_engine_get_request (engine));
  g_assert_null (authsim_engine_get_banner (engine));
  g_assert_cmpuint (test_count_kind (log, "violation"), ==, 0);
}

/* A tap call is never on the first screen: the tap ends it. */
static void
test_tap_ends_first_screen (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = engine_with_rule (AUTHSIM_FIRST_SCREEN_RULE_ENFORCE, log);
  JsonObject *call;

  authsim_engine_launch (engine);
  g_assert_true (authsim_engine_get_first_screen (engine));
  g_assert_true (authsim_engine_tap (engine, "Log in", NULL));
  g_assert_false (authsim_engine_get_first_screen (engine));
  g_assert_nonnull (authsim_engine_get_request (engine));
  g_assert_cmpuint (test_count_kind (log, "violation"), ==, 0);

  call = authsim_event_get_object (last_of_kind (log, "call"));
  g_assert_false (json_object_get_boolean_member (call, "firstScreen"));
  g_assert_cmpstr (json_object_get_string_member (call, "trigger"), ==, "tap");
  g_assert_false (json_object_has_member (call, "hook"));

  /* After the first screen, a lifecycle consent call is fine too. */
  g_assert_true (authsim_engine_respond (engine, AUTHSIM_DECISION_CLOSE,
                                         AUTHSIM_ANSWER_SOURCE_API, NULL));
  authsim_engine_clear_grants (engine);
  {
    g_autoptr(JsonNode) params = test_parse ("{\"scopes\": \"auth_user\"}");

    authsim_engine_call (engine, params, AUTHSIM_TRIGGER_LIFECYCLE, 0);
    g_assert_nonnull (authsim_engine_get_request (engine));
    g_assert_cmpuint (test_count_kind (log, "violation"), ==, 0);
  }
}

/* A direct API tap call (the composer's "User tap") ends the first screen too. */
static void
test_api_tap_call (void)
{
  g_autoptr(AuthsimEngine) engine = engine_with_rule (AUTHSIM_FIRST_SCREEN_RULE_ENFORCE, NULL);
  g_autoptr(JsonNode) params = test_parse ("{\"scopes\": \"auth_user\"}");

  authsim_engine_launch (engine);
  authsim_engine_call (engine, params, AUTHSIM_TRIGGER_TAP, 0);
  g_assert_false (authsim_engine_get_first_screen (engine));
  g_assert_nonnull (authsim_engine_get_request (engine));
}

/* Navigation ends the first screen: the next page's onLoad auth_user is no violation. */
static void
test_navigation_ends_first_screen (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = engine_with_rule (AUTHSIM_FIRST_SCREEN_RULE_ENFORCE, log);
  g_autoptr(GError) error = NULL;

  authsim_engine_launch (engine);
  g_assert_true (authsim_engine_navigate (engine, "pages/next", &error));
  g_assert_no_error (error);
  g_assert_false (authsim_engine_get_first_screen (engine));
  g_assert_cmpstr (authsim_engine_get_page_path (engine), ==, "pages/next");
  g_assert_true (authsim_engine_get_can_go_back (engine));
  g_assert_nonnull (authsim_engine_get_request (engine));
  g_assert_cmpuint (test_count_kind (log, "violation"), ==, 0);

  g_assert_false (authsim_engine_navigate (engine, "pages/missing", &error));
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_NOT_FOUND);
}

/* Relaunch returns the app to its first screen, on the launch page. */
static void
test_relaunch (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = engine_with_rule (AUTHSIM_FIRST_SCREEN_RULE_ENFORCE, log);
  g_autoptr(JsonNode) params = test_parse ("{\"scopes\": \"auth_user\"}");
  g_autoptr(JsonNode) payload = NULL;
  guint id;

  authsim_engine_launch (engine);
  g_assert_true (authsim_engine_tap (engine, "Next", NULL));
  g_assert_true (authsim_engine_respond (engine, AUTHSIM_DECISION_CLOSE,
                                         AUTHSIM_ANSWER_SOURCE_API, NULL));
  g_assert_false (authsim_engine_get_first_screen (engine));

  authsim_engine_launch (engine);
  g_assert_true (authsim_engine_get_first_screen (engine));
  g_assert_cmpstr (authsim_engine_get_page_path (engine), ==, "pages/index");
  g_assert_false (authsim_engine_get_can_go_back (engine));
  g_assert_cmpstr (json_object_get_string_member (
                     authsim_event_get_object (last_of_kind (log, "lifecycle")), "event"),
                   ==, "onShow");

  id = authsim_engine_call (engine, params, AUTHSIM_TRIGGER_LIFECYCLE, 0);
  payload = payload_of (log, id, "fail");
  test_assert_json_equal_str (FAIL_3, payload, "$");
}

/* A reLaunch button opens its page as a new first screen: its onLoad auth_user violates. */
static void
test_relaunch_button (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = engine_with_rule (AUTHSIM_FIRST_SCREEN_RULE_ENFORCE, log);
  g_autoptr(JsonNode) payload = NULL;

  authsim_engine_launch (engine);
  g_assert_true (authsim_engine_tap (engine, "Bad", NULL));
  g_assert_cmpstr (authsim_engine_get_page_path (engine), ==, "pages/bad");
  g_assert_true (authsim_engine_get_first_screen (engine));
  g_assert_null (authsim_engine_get_request (engine));
  g_assert_cmpuint (test_count_kind (log, "violation"), ==, 1);
  g_assert_nonnull (authsim_engine_get_banner (engine));
  payload = payload_of (log, last_call_id (log), "fail");
  test_assert_json_equal_str (FAIL_3, payload, "$");

  /* Tapping a missing label is an error, and changes nothing. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (authsim_engine_tap (engine, "Nope", &error));
    g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_NOT_FOUND);
    g_assert_true (authsim_engine_get_first_screen (engine));
  }
}

/* onShow calls are flagged as a loop risk; closing the popup fires onShow again, and the
 * engine stops after a bounded number of repetitions. */
static void
test_onshow_loop (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = engine_with_rule (AUTHSIM_FIRST_SCREEN_RULE_ENFORCE, log);
  guint popups = 0;
  JsonObject *call;

  authsim_engine_launch (engine);
  g_assert_true (authsim_engine_tap (engine, "Loop", NULL));
  call = authsim_event_get_object (last_of_kind (log, "call"));
  g_assert_true (json_object_get_boolean_member (call, "loopRisk"));
  g_assert_cmpstr (json_object_get_string_member (call, "hook"), ==, "onShow");
  g_assert_cmpstr (json_object_get_string_member (
                     authsim_event_get_object (last_of_kind (log, "violation")), "rule"),
                   ==, "onshow-loop");

  while (authsim_engine_get_request (engine) != NULL)
    {
      popups++;
      g_assert_cmpuint (popups, <=, 10);
      g_assert_true (authsim_engine_respond (engine, AUTHSIM_DECISION_REJECT,
                                             AUTHSIM_ANSWER_SOURCE_API, NULL));
    }
  /* The first popup, then three reopenings by onShow; then the engine breaks the loop. */
  g_assert_cmpuint (popups, ==, 4);
  g_assert_cmpstr (json_object_get_string_member (
                     authsim_event_get_object (last_of_kind (log, "violation")), "mode"),
                   ==, "stop");

  /* Allow ends it the natural way: the grant makes the next onShow silent. */
  g_assert_true (authsim_engine_navigate_back (engine, NULL));
  g_assert_true (authsim_engine_navigate (engine, "pages/loop", NULL));
  g_assert_nonnull (authsim_engine_get_request (engine));
  g_assert_true (authsim_engine_respond (engine, AUTHSIM_DECISION_ALLOW,
                                         AUTHSIM_ANSWER_SOURCE_API, NULL));
  g_assert_null (authsim_engine_get_request (engine));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/authsim/first-screen/auth-base-allowed", test_auth_base_allowed);
  g_test_add_func ("/authsim/first-screen/enforce", test_enforce);
  g_test_add_func ("/authsim/first-screen/warn", test_warn);
  g_test_add_func ("/authsim/first-screen/off", test_off);
  g_test_add_func ("/authsim/first-screen/tap-ends-it", test_tap_ends_first_screen);
  g_test_add_func ("/authsim/first-screen/api-tap-call", test_api_tap_call);
  g_test_add_func ("/authsim/first-screen/navigation-ends-it", test_navigation_ends_first_screen);
  g_test_add_func ("/authsim/first-screen/relaunch", test_relaunch);
  g_test_add_func ("/authsim/first-screen/relaunch-button", test_relaunch_button);
  g_test_add_func ("/authsim/first-screen/onshow-loop", test_onshow_loop);

  return g_test_run ();
}
