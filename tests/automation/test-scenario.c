/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-scenario.c: scenario files: parse errors that name the JSON path, the event-driven
 * runner (expectations, scripted answers, timeouts, cancellation), and record → replay. */
#include "config.h"

#include <glib/gstdio.h>

#include "authsim-duration.h"
#include "authsim-enums.h"
#include "authsim-responder.h"
#include "authsim-scenario.h"
#include "test-utils.h"

#define DEMO_APP_ID "2021004112345678"
#define USER_1      "2088102164830201"
#define USER_2      "2088203375941512"

/* What a run acts on: an engine on the default profile and users, with its store and log in
 * hand, and a responder for the answer steps. */
typedef struct
{
  AuthsimStore     *store;
  AuthsimLog       *log;
  AuthsimEngine    *engine;
  AuthsimResponder *responder;
} Rig;

static void
rig_init (Rig *rig)
{
  g_autoptr(AuthsimProfile) profile = authsim_profile_new_default ();
  g_autoptr(GListModel) users = authsim_users_new_default ();

  rig->store = authsim_store_new (NULL, test_random_bytes);
  rig->log = authsim_log_new ();
  rig->engine = authsim_engine_new (profile, users, rig->store, rig->log);
  authsim_engine_set_toast_duration (rig->engine, 20);
  rig->responder = authsim_responder_new (rig->engine);
}

static void
rig_clear (Rig *rig)
{
  g_clear_object (&rig->responder);
  g_clear_object (&rig->engine);
  g_clear_object (&rig->log);
  g_clear_object (&rig->store);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Rig, rig_clear)

static void
rig_run_async (Rig                 *rig,
               AuthsimScenario     *scenario,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  AuthsimScenarioTarget target = {
    .engine = rig->engine,
    .store = rig->store,
    .log = rig->log,
    .responder = rig->responder,
  };

  authsim_scenario_run_async (scenario, &target, 0, cancellable, callback, user_data);
}

/* Parsing */

typedef struct
{
  const char *json;
  const char *message;  /* the whole expected message, after "case.json: " */
} BadCase;

static const BadCase bad_cases[] = {
  { "[]", "$: expected an object, got []" },
  { "{\"name\": \"x\"}", "$: missing \"steps\"" },
  { "{\"steps\": {}}", "$.steps: expected an array of steps, got {}" },
  { "{\"steps\": [], \"colour\": 1}", "$: unknown key \"colour\"" },
  { "{\"steps\": [], \"name\": 3}", "$.name: expected a string, got 3" },
  { "{\"steps\": [], \"firstScreenRule\": \"strict\"}",
    "$.firstScreenRule: expected enforce, warn or off, got \"strict\"" },
  { "{\"steps\": [], \"profile\": \"no-such-profile.json\"}", "$.profile: cannot read" },
  { "{\"steps\": [3]}", "$.steps[0]: expected a step object, got 3" },
  { "{\"steps\": [{}]}", "$.steps[0]: expected one of navigate" },
  { "{\"steps\": [{\"relaunch\": true}, {\"jump\": 1}]}", "$.steps[1]: unknown key \"jump\"" },
  { "{\"steps\": [{\"relaunch\": true, \"navigate\": \"a\"}]}",
    "$.steps[0]: one verb per step, got \"relaunch\" and \"navigate\"" },
  { "{\"steps\": [{\"relaunch\": true}, {\"relaunch\": true}, {\"relaunch\": true},"
    " {\"answer\": \"yes\"}]}",
    "$.steps[3].answer: expected allow, reject or close, got \"yes\"" },
  { "{\"steps\": [{\"navigate\": \"\"}]}", "$.steps[0].navigate: expected a page path, got \"\"" },
  { "{\"steps\": [{\"navigate\": 5}]}", "$.steps[0].navigate: expected a page path, got 5" },
  { "{\"steps\": [{\"relaunch\": false}]}",
    "$.steps[0].relaunch: expected true or a page path, got false" },
  { "{\"steps\": [{\"back\": 1}]}", "$.steps[0].back: expected true, got 1" },
  { "{\"steps\": [{\"clearGrants\": \"yes\"}]}",
    "$.steps[0].clearGrants: expected true, got \"yes\"" },
  { "{\"steps\": [{\"setUser\": null}]}", "$.steps[0].setUser: expected a userId, got null" },
  { "{\"steps\": [{\"tap\": [\"x\"]}]}", "$.steps[0].tap: expected a button label, got [\"x\"]" },
  { "{\"steps\": [{\"advanceClock\": \"3 minutes\"}]}",
    "$.steps[0].advanceClock: expected a duration such as +3m, +15d, +90s or +2h, "
    "got \"3 minutes\"" },
  { "{\"steps\": [{\"call\": {}, \"trigger\": \"click\"}]}",
    "$.steps[0].trigger: expected tap or lifecycle, got \"click\"" },
  { "{\"steps\": [{\"call\": {}, \"container\": \"iframe\"}]}",
    "$.steps[0].container: expected mini-program, plugin or web-view, got \"iframe\"" },
  { "{\"steps\": [{\"tap\": \"x\", \"trigger\": \"tap\"}]}",
    "$.steps[0]: \"api\", \"trigger\" and \"container\" only apply to \"call\"" },
  { "{\"steps\": [{\"tapAuthorize\": \"userInfo\", \"api\": \"getSetting\"}]}",
    "$.steps[0]: \"api\", \"trigger\" and \"container\" only apply to \"call\"" },
  { "{\"steps\": [{\"call\": {}, \"api\": \"getAuthorize\"}]}",
    "$.steps[0].api: expected getAuthCode, getOpenUserInfo, getPhoneNumber, getSetting or "
    "openSetting, got \"getAuthorize\"" },
  { "{\"steps\": [{\"call\": {}, \"api\": 2}]}",
    "$.steps[0].api: expected getAuthCode, getOpenUserInfo, getPhoneNumber, getSetting or "
    "openSetting, got 2" },
  { "{\"steps\": [{\"setSetting\": \"userInfo\"}]}",
    "$.steps[0].setSetting: expected {\"scope\", \"enabled\"}, got \"userInfo\"" },
  { "{\"steps\": [{\"setSetting\": {\"scope\": \"userInfo\"}}]}",
    "$.steps[0].setSetting.enabled: expected true or false, got null" },
  { "{\"steps\": [{\"setSetting\": {\"scope\": \"\", \"enabled\": true}}]}",
    "$.steps[0].setSetting.scope: expected a setting key, got \"\"" },
  { "{\"steps\": [{\"setSetting\": {\"scope\": \"userInfo\", \"on\": true}}]}",
    "$.steps[0].setSetting: unknown key \"on\"" },
  { "{\"steps\": [{\"openSettings\": false}]}",
    "$.steps[0].openSettings: expected true, got false" },
  { "{\"steps\": [{\"closeSettings\": 1}]}", "$.steps[0].closeSettings: expected true, got 1" },
  { "{\"steps\": [{\"revokeUserInfo\": null}]}",
    "$.steps[0].revokeUserInfo: expected true, got null" },
  { "{\"steps\": [{\"serviceBusy\": \"on\"}]}",
    "$.steps[0].serviceBusy: expected true or false, got \"on\"" },
  { "{\"steps\": [{\"networkFault\": \"on\"}]}",
    "$.steps[0].networkFault: expected true or false, got \"on\"" },
  { "{\"steps\": [{\"firstScreenRule\": 1}]}",
    "$.steps[0].firstScreenRule: expected enforce, warn or off, got 1" },
  { "{\"steps\": [{\"revoke\": {\"userId\": \"" USER_1 "\"}}]}",
    "$.steps[0].revoke.appId: expected an app id, got null" },
  { "{\"steps\": [{\"grant\": {\"userId\": \"" USER_1 "\", \"appId\": \"1\", \"scopes\": []}}]}",
    "$.steps[0].grant.scopes: expected a non-empty array of scope names, got []" },
  { "{\"steps\": [{\"grant\": {\"userId\": \"" USER_1 "\", \"appId\": \"1\","
    " \"scopes\": [\"auth_user\", 7]}}]}",
    "$.steps[0].grant.scopes[1]: expected a scope name, got 7" },
  { "{\"steps\": [{\"expect\": []}]}", "$.steps[0].expect: expected an object, got []" },
  { "{\"steps\": [{\"expect\": {}}]}", "$.steps[0].expect: expected at least one of" },
  { "{\"steps\": [{\"expect\": {\"callback\": \"ok\"}}]}",
    "$.steps[0].expect.callback: expected success, fail, onGetAuthorize or onError, "
    "got \"ok\"" },
  { "{\"steps\": [{\"expect\": {\"callback\": \"onError\", \"error\": 11}}]}",
    "$.steps[0].expect.error: an error code only comes with \"callback\": \"fail\"" },
  { "{\"steps\": [{\"expect\": {\"callback\": \"fail\", \"plaintext\": {}}}]}",
    "$.steps[0].expect.plaintext: a plaintext only comes with \"callback\": \"success\"" },
  { "{\"steps\": [{\"expect\": {\"plaintext\": \"10000\"}}]}",
    "$.steps[0].expect.plaintext: expected an object, got \"10000\"" },
  { "{\"steps\": [{\"expect\": {\"callback\": \"success\", \"error\": 11}}]}",
    "$.steps[0].expect.error: an error code only comes with \"callback\": \"fail\"" },
  { "{\"steps\": [{\"expect\": {\"error\": \"11\"}}]}",
    "$.steps[0].expect.error: expected an error code (integer), got \"11\"" },
  { "{\"steps\": [{\"expect\": {\"payload\": [1]}}]}",
    "$.steps[0].expect.payload: expected an object, got [1]" },
  { "{\"steps\": [{\"expect\": {\"toast\": \"yes\"}}]}",
    "$.steps[0].expect.toast: expected true or false, got \"yes\"" },
  { "{\"steps\": [{\"expect\": {\"violation\": \"first_screen\"}}]}",
    "$.steps[0].expect.violation: expected first-screen, onshow-loop or false, "
    "got \"first_screen\"" },
  { "{\"steps\": [{\"expect\": {\"popup\": 1}}]}",
    "$.steps[0].expect.popup: expected true, false or an object of popup fields, got 1" },
  { "{\"steps\": [{\"expect\": {\"sound\": true}}]}",
    "$.steps[0].expect: unknown key \"sound\"" },
  { "{\"steps\": [{\"exchange\": false}]}",
    "$.steps[0].exchange: expected true or an object, got false" },
  { "{\"steps\": [{\"exchange\": {\"expect\": \"ok\"}}]}",
    "$.steps[0].exchange.expect: expected an object, got \"ok\"" },
  { "{\"steps\": [{\"exchange\": {\"grant\": 1}}]}",
    "$.steps[0].exchange: unknown key \"grant\"" },
  { "{\"steps\": [{\"relaunch\": true, \"timeout\": 0}]}",
    "$.steps[0].timeout: expected a number of seconds from 0 to 600, got 0" },
  { "{\"steps\": [{\"relaunch\": true, \"comment\": 1}]}",
    "$.steps[0].comment: expected a string, got 1" },
};

static void
test_parse_errors (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(AuthsimScenario) scenario = NULL;
      g_autofree char *prefix = g_strconcat ("case.json: ", bad_cases[i].message, NULL);

      scenario = authsim_scenario_new_from_data (bad_cases[i].json, -1, "case.json",
                                                 g_get_user_cache_dir (), &error);
      if (scenario != NULL)
        g_error ("accepted: %s", bad_cases[i].json);
      g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID);
      if (!g_str_has_prefix (error->message, prefix))
        g_error ("%s\n  expected: %s…\n  got:      %s", bad_cases[i].json, prefix,
                 error->message);
      g_assert_null (strchr (error->message, '\n'));
    }
}

static void
test_parse_not_json (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimScenario) scenario = NULL;

  scenario = authsim_scenario_new_from_data ("{\"steps\": [\n  {\"relaunch\": tru}\n]}", -1,
                                             "broken.json", NULL, &error);
  g_assert_null (scenario);
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID_JSON);
  /* Names the file and the line. */
  g_assert_true (g_str_has_prefix (error->message, "broken.json:2:"));
}

static void
test_parse_file (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "scenarios", NULL);
  g_autofree char *profile = g_build_filename (dir, "shop.json", NULL);
  g_autofree char *users = g_build_filename (dir, "people.json", NULL);
  g_autofree char *path = g_build_filename (dir, "flow.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimScenario) scenario = NULL;
  g_autoptr(AuthsimOptions) options = authsim_options_new ();

  g_mkdir_with_parents (dir, 0700);
  g_file_set_contents (profile, "{}", -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (users, "{}", -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (path,
                       "{\"name\": \"Flow\", \"description\": \"Does things\","
                       " \"profile\": \"shop.json\", \"users\": \"people.json\","
                       " \"firstScreenRule\": \"off\","
                       " \"steps\": [{\"tap\": \"Log in to order\"},"
                       "  {\"call\": {\"scopes\": \"auth_user\"}, \"trigger\": \"lifecycle\"},"
                       "  {\"relaunch\": true}]}", -1, &error);
  g_assert_no_error (error);

  scenario = authsim_scenario_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (authsim_scenario_get_name (scenario), ==, "Flow");
  g_assert_cmpstr (authsim_scenario_get_description (scenario), ==, "Does things");
  /* Relative to the scenario file, not to the working directory. */
  g_assert_cmpstr (authsim_scenario_get_profile (scenario), ==, profile);
  g_assert_cmpstr (authsim_scenario_get_users (scenario), ==, users);
  g_assert_cmpint (authsim_scenario_get_first_screen_rule (scenario), ==,
                   AUTHSIM_FIRST_SCREEN_RULE_OFF);
  g_assert_cmpuint (authsim_scenario_get_n_steps (scenario), ==, 3);
  g_assert_cmpstr (authsim_scenario_get_step_description (scenario, 0), ==,
                   "tap \"Log in to order\"");
  g_assert_cmpstr (authsim_scenario_get_step_description (scenario, 2), ==, "relaunch");

  authsim_scenario_apply_options (scenario, options);
  g_assert_cmpstr (options->profile, ==, profile);
  g_assert_cmpstr (options->users, ==, users);
  g_assert_cmpint (options->first_screen_rule, ==, AUTHSIM_FIRST_SCREEN_RULE_OFF);

  /* A file that cannot be read names itself. */
  {
    g_autoptr(AuthsimScenario) none = NULL;
    g_autoptr(GError) io_error = NULL;

    none = authsim_scenario_new_from_file ("/nonexistent/dir/gone.json", &io_error);
    g_assert_null (none);
    g_assert_error (io_error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO);
    g_assert_true (g_str_has_prefix (io_error->message, "gone.json: "));
  }
}

/* Running */

typedef struct
{
  gboolean   done;
  gboolean   ok;
  guint      n_passed;
  guint      n_failed;
  GError    *error;
  GPtrArray *lines;   /* "ok 1 - …" / "not ok 2 - … # detail" */
  guint      started;
} Run;

static void
run_clear (Run *run)
{
  g_clear_error (&run->error);
  g_clear_pointer (&run->lines, g_ptr_array_unref);
}

static void
step_started_cb (AuthsimScenario *scenario,
                 guint            index,
                 const char      *description,
                 Run             *run)
{
  g_assert_cmpuint (index, ==, run->started);
  run->started++;
}

static void
step_finished_cb (AuthsimScenario *scenario,
                  guint            index,
                  const char      *description,
                  gboolean         ok,
                  const char      *detail,
                  Run             *run)
{
  g_ptr_array_add (run->lines, g_strdup_printf ("%s %u - %s%s%s", ok ? "ok" : "not ok",
                                                index + 1, description,
                                                detail != NULL ? " # " : "",
                                                detail != NULL ? detail : ""));
}

static void
run_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Run *run = user_data;

  run->ok = authsim_scenario_run_finish (AUTHSIM_SCENARIO (source), result,
                                         &run->n_passed, &run->n_failed, &run->error);
  run->done = TRUE;
}

/* Runs @json on @rig to its end (iterating the main context) and fills @run. */
static void
run_scenario (Rig          *rig,
              const char   *json,
              GCancellable *cancellable,
              Run          *run)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimScenario) scenario = NULL;

  memset (run, 0, sizeof *run);
  run->lines = g_ptr_array_new_with_free_func (g_free);

  scenario = authsim_scenario_new_from_data (json, -1, "test.json", NULL, &error);
  g_assert_no_error (error);

  g_signal_connect (scenario, "step-started", G_CALLBACK (step_started_cb), run);
  g_signal_connect (scenario, "step-finished", G_CALLBACK (step_finished_cb), run);
  rig_run_async (rig, scenario, cancellable, run_done_cb, run);
  test_wait_until (run->done);
  g_signal_handlers_disconnect_by_data (scenario, run);
}

static void
dump_lines (Run *run)
{
  for (guint i = 0; i < run->lines->len; i++)
    g_test_message ("%s", (char *) g_ptr_array_index (run->lines, i));
}

static void
test_run_passes (void)
{
  g_auto(Rig) rig = { 0 };
  Run run;

  rig_init (&rig);
  authsim_engine_launch (rig.engine);
  run_scenario (&rig,
                "{\"steps\": ["
                " {\"navigate\": \"pages/menu/menu\"},"
                " {\"answer\": \"allow\"},"
                " {\"tap\": \"Log in to order\"},"
                " {\"expect\": {\"popup\": {\"appId\": \"" DEMO_APP_ID "\"}, \"callback\": \"success\","
                "   \"payload\": {\"authCode\": \"*\", \"authSuccessScopes\": [\"auth_user\"],"
                "   \"authErrorScopes\": {}}}},"
                " {\"tap\": \"Log in to order\"},"
                " {\"expect\": {\"popup\": false, \"toast\": false, \"callback\": \"success\"}},"
                " {\"call\": {\"scopes\": \"nope\"}},"
                " {\"expect\": {\"toast\": true, \"callback\": \"fail\", \"error\": 3}}"
                "]}", NULL, &run);
  dump_lines (&run);

  g_assert_no_error (run.error);
  g_assert_true (run.ok);
  g_assert_cmpuint (run.started, ==, 8);
  g_assert_cmpuint (run.n_passed, ==, 8);
  g_assert_cmpuint (run.n_failed, ==, 0);
  g_assert_cmpuint (run.lines->len, ==, 8);

  /* The scripted answer is logged as such. */
  {
    gboolean found = FALSE;

    for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (rig.log)); i++)
      {
        g_autoptr(AuthsimEvent) event = g_list_model_get_item (G_LIST_MODEL (rig.log), i);
        JsonObject *object = authsim_event_get_object (event);

        if (g_strcmp0 (authsim_event_get_kind (event), "decision") == 0)
          {
            g_assert_cmpstr (json_object_get_string_member (object, "source"), ==, "scenario");
            g_assert_cmpstr (json_object_get_string_member (object, "decision"), ==, "allow");
            found = TRUE;
          }
      }
    g_assert_true (found);
  }
  run_clear (&run);
}

static void
test_run_failures (void)
{
  g_auto(Rig) rig = { 0 };
  Run run;

  rig_init (&rig);
  authsim_engine_launch (rig.engine);
  run_scenario (&rig,
                "{\"steps\": ["
                /* 1: the page does not exist */
                " {\"navigate\": \"pages/nowhere\"},"
                /* 2: an auth_base call succeeds, the expectation says fail */
                " {\"call\": {\"scopes\": \"auth_base\"}},"
                " {\"expect\": {\"callback\": \"fail\", \"error\": 11}},"
                /* 4–5: wrong payload value */
                " {\"call\": {\"scopes\": \"auth_base\"}},"
                " {\"expect\": {\"payload\": {\"authSuccessScopes\": [\"auth_user\"]}}},"
                /* 6: nothing more comes: times out */
                " {\"expect\": {\"callback\": \"success\"}, \"timeout\": 0.2},"
                /* 7: a tap on a label the page lacks */
                " {\"tap\": \"No such button\"},"
                /* 8: still running after failures */
                " {\"relaunch\": true},"
                " {\"expect\": {\"callback\": \"success\"}}"
                "]}", NULL, &run);
  dump_lines (&run);

  g_assert_no_error (run.error);
  g_assert_true (run.ok);
  g_assert_cmpuint (run.n_passed, ==, 4);
  g_assert_cmpuint (run.n_failed, ==, 5);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (run.lines, 0), "not ok 1 - navigate"));
  g_assert_nonnull (strstr (g_ptr_array_index (run.lines, 0), "pages/nowhere"));
  g_assert_true (g_str_has_prefix (g_ptr_array_index (run.lines, 2), "not ok 3 - expect"));
  g_assert_nonnull (strstr (g_ptr_array_index (run.lines, 2), "expected fail, got success"));
  g_assert_nonnull (strstr (g_ptr_array_index (run.lines, 4),
                            "payload.authSuccessScopes: expected [\"auth_user\"], "
                            "got [\"auth_base\"]"));
  g_assert_nonnull (strstr (g_ptr_array_index (run.lines, 5), "timed out after 0.2 s"));
  g_assert_true (g_str_has_prefix (g_ptr_array_index (run.lines, 6), "not ok 7 - tap"));
  g_assert_true (g_str_has_prefix (g_ptr_array_index (run.lines, 8), "ok 9 - expect"));
  run_clear (&run);
}

static void
test_run_answers_and_exchange_without_gateway (void)
{
  g_auto(Rig) rig = { 0 };
  Run run;

  rig_init (&rig);
  authsim_engine_launch (rig.engine);
  /* Two answers queued before the popups open go to them in order; a popup already open
   * is answered at once. */
  run_scenario (&rig,
                "{\"steps\": ["
                " {\"clearGrants\": true},"
                " {\"answer\": \"reject\"},"
                " {\"answer\": \"close\"},"
                " {\"call\": {\"scopes\": \"auth_user\"}},"
                " {\"call\": {\"scopes\": \"auth_user\"}},"
                " {\"expect\": {\"callback\": \"fail\", \"payload\": {\"error\": 11}}},"
                " {\"expect\": {\"callback\": \"fail\", \"payload\": {\"error\": 3}}},"
                " {\"call\": {\"scopes\": \"auth_user\"}},"
                " {\"expect\": {\"popup\": true}},"
                " {\"answer\": \"allow\"},"
                " {\"expect\": {\"callback\": \"success\"}},"
                " {\"exchange\": true}"
                "]}", NULL, &run);
  dump_lines (&run);

  g_assert_no_error (run.error);
  g_assert_cmpuint (run.n_passed, ==, 11);
  g_assert_cmpuint (run.n_failed, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (run.lines, 11), "gateway is not running"));
  run_clear (&run);
}

static void
test_run_standing_answer_yields (void)
{
  g_auto(Rig) rig = { 0 };
  Run run;

  rig_init (&rig);
  authsim_engine_launch (rig.engine);
  /* A standing answer (headless --answer) answers what the scenario does not script. */
  authsim_responder_set_standing_answer (rig.responder, AUTHSIM_DECISION_REJECT);
  run_scenario (&rig,
                "{\"steps\": ["
                " {\"clearGrants\": true},"
                " {\"answer\": \"allow\"},"
                " {\"call\": {\"scopes\": \"auth_user\"}},"
                " {\"expect\": {\"callback\": \"success\"}},"
                " {\"call\": {\"scopes\": \"order_service\"}},"
                " {\"expect\": {\"callback\": \"fail\", \"error\": 11}}"
                "]}", NULL, &run);
  dump_lines (&run);

  g_assert_no_error (run.error);
  g_assert_cmpuint (run.n_failed, ==, 0);
  authsim_responder_set_standing_answer (rig.responder, -1);
  run_clear (&run);
}

static void
test_run_cancel (void)
{
  g_auto(Rig) rig = { 0 };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimScenario) scenario = NULL;
  Run run = { 0 };

  rig_init (&rig);
  authsim_engine_launch (rig.engine);
  scenario = authsim_scenario_new_from_data ("{\"steps\": [{\"expect\": {\"toast\": true}}]}",
                                             -1, "cancel.json", NULL, &error);
  g_assert_no_error (error);

  run.lines = g_ptr_array_new_with_free_func (g_free);
  rig_run_async (&rig, scenario, cancellable, run_done_cb, &run);
  /* Let it start waiting, then cancel: it returns at once, not after the step timeout. */
  for (int i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
  g_cancellable_cancel (cancellable);
  test_wait_until (run.done);

  g_assert_false (run.ok);
  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  run_clear (&run);

  /* The scenario can run again afterwards. */
  g_clear_object (&cancellable);
  cancellable = g_cancellable_new ();
  memset (&run, 0, sizeof run);
  run.lines = g_ptr_array_new_with_free_func (g_free);
  rig_run_async (&rig, scenario, cancellable, run_done_cb, &run);
  g_cancellable_cancel (cancellable);
  test_wait_until (run.done);
  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  run_clear (&run);
}

static void
test_duration (void)
{
  const struct { const char *text; gint64 seconds; } valid[] = {
    { "+3m", 180 }, { "+15d", 15 * 86400 }, { "+90s", 90 }, { "+2h", 7200 }, { "45s", 45 },
    { "-1h", -3600 }, { "+0s", 0 },
  };
  const char *invalid[] = { "", "+", "3", "+3", "+3x", "+m", "3mm", "+ 3m", "+3m ", "1.5h",
                            "+9999999999s", NULL };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      gint64 seconds = -42;

      g_assert_true (authsim_parse_duration (valid[i].text, &seconds));
      g_assert_cmpint (seconds, ==, valid[i].seconds);
    }
  for (guint i = 0; invalid[i] != NULL; i++)
    if (authsim_parse_duration (invalid[i], NULL))
      g_error ("accepted duration \"%s\"", invalid[i]);
  g_assert_false (authsim_parse_duration (NULL, NULL));
}

/* Record → replay */

static void
respond (AuthsimEngine   *engine,
         AuthsimDecision  decision)
{
  g_autoptr(GError) error = NULL;

  test_wait_until (authsim_engine_get_request (engine) != NULL);
  authsim_engine_respond (engine, decision, AUTHSIM_ANSWER_SOURCE_UI, &error);
  g_assert_no_error (error);
}

static void
tap (AuthsimEngine *engine,
     const char    *label)
{
  g_autoptr(GError) error = NULL;

  authsim_engine_tap (engine, label, &error);
  g_assert_no_error (error);
}

static void
navigate (AuthsimEngine *engine,
          const char    *path)
{
  g_autoptr(GError) error = NULL;

  authsim_engine_navigate (engine, path, &error);
  g_assert_no_error (error);
}

static guint
call (AuthsimEngine *engine,
      const char    *params,
      AuthsimTrigger trigger,
      AuthsimContainer container)
{
  g_autoptr(JsonNode) node = test_parse (params);

  return authsim_engine_call (engine, node, trigger, container);
}

/* The success/fail callbacks of @log after @after, in order (transfer container). */
static GPtrArray *
outcomes (AuthsimLog *log,
          guint64     after)
{
  GPtrArray *list = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (log)); i++)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (G_LIST_MODEL (log), i);
      const char *callback = authsim_event_get_callback (event);

      if (authsim_event_get_seq (event) > after &&
          (g_strcmp0 (callback, "success") == 0 || g_strcmp0 (callback, "fail") == 0))
        g_ptr_array_add (list, g_steal_pointer (&event));
    }
  return list;
}

static guint64
last_seq (AuthsimLog *log)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (log));
  g_autoptr(AuthsimEvent) event = NULL;

  if (n == 0)
    return 0;
  event = g_list_model_get_item (G_LIST_MODEL (log), n - 1);
  return authsim_event_get_seq (event);
}

/* The payload with its authCode (if any) made a wildcard: codes are fresh on every run. */
static JsonNode *
payload_without_code (AuthsimEvent *event)
{
  JsonNode *payload = json_object_get_member (authsim_event_get_object (event), "payload");
  g_autofree char *text = json_to_string (payload, FALSE);
  JsonNode *copy = json_from_string (text, NULL);

  if (JSON_NODE_HOLDS_OBJECT (copy) &&
      json_object_has_member (json_node_get_object (copy), "authCode"))
    {
      g_assert_true (test_is_auth_code (
        json_object_get_string_member (json_node_get_object (copy), "authCode")));
      json_object_set_string_member (json_node_get_object (copy), "authCode", "<authCode>");
    }
  return copy;
}

/* A session by hand: every flow the recorder must turn into steps. */
static void
play_session (Rig *rig)
{
  AuthsimEngine *engine = rig->engine;
  AuthsimStore *store = rig->store;
  const char *user_scopes[] = { "auth_user", NULL };
  g_autoptr(GError) error = NULL;

  /* A grant from an earlier session: the recording must restore it. */
  authsim_store_grant (store, USER_1, DEMO_APP_ID, user_scopes);
  authsim_engine_launch (engine);

  navigate (engine, "pages/menu/menu");
  tap (engine, "Log in to order");                     /* granted before: no popup */
  tap (engine, "Check out with order service");        /* popup for order_service */
  respond (engine, AUTHSIM_DECISION_ALLOW);

  authsim_engine_set_active_user_id (engine, USER_2, &error);
  g_assert_no_error (error);
  tap (engine, "Log in to order");
  respond (engine, AUTHSIM_DECISION_REJECT);

  authsim_engine_set_network_fault (engine, TRUE);
  call (engine, "{\"scopes\": \"auth_base\"}", AUTHSIM_TRIGGER_TAP,
        AUTHSIM_CONTAINER_MINI_PROGRAM);
  call (engine, "{\"scopes\": 42}", AUTHSIM_TRIGGER_TAP, AUTHSIM_CONTAINER_MINI_PROGRAM);
  authsim_engine_set_network_fault (engine, FALSE);
  call (engine, "{\"scopes\": \"auth_zhima\"}", AUTHSIM_TRIGGER_TAP,
        AUTHSIM_CONTAINER_MINI_PROGRAM);
  call (engine, "{\"scopes\": \"auth_user\"}", AUTHSIM_TRIGGER_TAP,
        AUTHSIM_CONTAINER_WEB_VIEW);

  authsim_engine_navigate_back (engine, &error);
  g_assert_no_error (error);
  navigate (engine, "pages/more/more");
  tap (engine, "Invalid scope");                       /* toast, then fail 3 */
  tap (engine, "Coupon plugin (plugin)");              /* queued behind the toast */
  respond (engine, AUTHSIM_DECISION_ALLOW);
  tap (engine, "Bad practice: ask on first screen");   /* reLaunch: first-screen violation */

  authsim_engine_launch (engine);
  navigate (engine, "pages/member/member");            /* onShow asks */
  respond (engine, AUTHSIM_DECISION_CLOSE);
  respond (engine, AUTHSIM_DECISION_ALLOW);            /* onShow asked again */

  authsim_engine_clear_grants (engine);
  call (engine, "{\"scopes\": [\"auth_user\", \"auth_zhima\"]}", AUTHSIM_TRIGGER_TAP,
        AUTHSIM_CONTAINER_MINI_PROGRAM);
  call (engine, "{\"scopes\": \"auth_base\"}", AUTHSIM_TRIGGER_TAP,
        AUTHSIM_CONTAINER_MINI_PROGRAM);              /* queued behind the popup */
  respond (engine, AUTHSIM_DECISION_ALLOW);
  test_wait_until (authsim_engine_get_pending (engine) == 0 &&
                   authsim_engine_get_request (engine) == NULL &&
                   authsim_engine_get_toast (engine) == NULL);
}

static void
test_record_replay (void)
{
  g_auto(Rig) recorded = { 0 };
  g_auto(Rig) replayed = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) expected = NULL;
  g_autoptr(GPtrArray) actual = NULL;
  g_autofree char *json = NULL;
  guint64 start;
  Run run;

  rig_init (&recorded);
  rig_init (&replayed);
  play_session (&recorded);
  json = authsim_scenario_record (recorded.log, &error);
  g_assert_no_error (error);
  g_assert_nonnull (json);
  g_test_message ("recorded:\n%s", json);

  /* Replay it on a fresh engine with an empty store, as headless mode would. */
  authsim_engine_launch (replayed.engine);
  start = last_seq (replayed.log);
  run_scenario (&replayed, json, NULL, &run);
  dump_lines (&run);
  g_assert_no_error (run.error);
  g_assert_cmpuint (run.n_failed, ==, 0);
  g_assert_cmpuint (run.n_passed, >, 0);
  run_clear (&run);

  /* Same callbacks, same payloads, in the same order: authCode values aside. */
  expected = outcomes (recorded.log, 0);
  actual = outcomes (replayed.log, start);
  g_assert_cmpuint (expected->len, >=, 15);
  g_assert_cmpuint (actual->len, ==, expected->len);
  for (guint i = 0; i < expected->len; i++)
    {
      AuthsimEvent *e = g_ptr_array_index (expected, i);
      AuthsimEvent *a = g_ptr_array_index (actual, i);
      g_autoptr(JsonNode) ep = payload_without_code (e);
      JsonNode *ap = json_object_get_member (authsim_event_get_object (a), "payload");
      g_autofree char *path = g_strdup_printf ("callback[%u]", i);

      g_assert_cmpstr (authsim_event_get_callback (a), ==, authsim_event_get_callback (e));
      test_assert_json_equal (ep, ap, path);
    }
}

/* A sealer that needs no keys: "encryption" is base64, the "signature" a checksum. Replays
 * seal the same texts the same way, so payloads compare as they are. */
#define TEST_TYPE_SEALER (test_sealer_get_type ())
G_DECLARE_FINAL_TYPE (TestSealer, test_sealer, TEST, SEALER, GObject)

struct _TestSealer
{
  GObject parent_instance;
};

static char *
test_sealer_encrypt (AuthsimSealer  *sealer,
                     const char     *plaintext,
                     gsize           length,
                     GError        **error)
{
  return g_base64_encode ((const guchar *) plaintext, length);
}

static char *
test_sealer_sign (AuthsimSealer  *sealer,
                  const char     *content,
                  gsize           length,
                  GError        **error)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) content, length);
}

static void
test_sealer_iface_init (AuthsimSealerInterface *iface)
{
  iface->encrypt = test_sealer_encrypt;
  iface->sign = test_sealer_sign;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TestSealer, test_sealer, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (AUTHSIM_TYPE_SEALER,
                                                      test_sealer_iface_init))

static void
test_sealer_class_init (TestSealerClass *klass)
{
}

static void
test_sealer_init (TestSealer *self)
{
}

/* The callbacks a mini program hears after @after: success/fail and the buttons'. */
static GPtrArray *
heard (AuthsimLog *log,
       guint64     after)
{
  GPtrArray *list = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (log)); i++)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (G_LIST_MODEL (log), i);
      const char *callback = authsim_event_get_callback (event);

      if (authsim_event_get_seq (event) > after && callback != NULL &&
          g_strcmp0 (callback, "complete") != 0)
        g_ptr_array_add (list, g_steal_pointer (&event));
    }
  return list;
}

static void
set_setting (AuthsimEngine *engine,
             const char    *scope,
             gboolean       enabled)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (authsim_engine_set_setting (engine, scope, enabled, &error));
  g_assert_no_error (error);
}

static void
call_api (AuthsimEngine *engine,
          AuthsimApi     api)
{
  authsim_engine_call_api (engine, api, NULL, AUTHSIM_TRIGGER_TAP,
                           AUTHSIM_CONTAINER_MINI_PROGRAM);
}

/* A session of SPEC §10–§12 by hand: getAuthorize buttons (on a page, virtual, granted before,
 * with a toast, under the network fault), my.getPhoneNumber with the service busy, the
 * settings page and its switches, my.getSetting, my.openSetting, the 用户信息 row. */
static void
play_consent_session (Rig *rig)
{
  AuthsimEngine *engine = rig->engine;
  const char *user_info[] = { "userInfo", NULL };
  g_autoptr(JsonNode) user_scope = test_parse ("\"userInfo\"");
  g_autoptr(JsonNode) bad_scope = test_parse ("\"auth_user\"");
  g_autoptr(GError) error = NULL;

  authsim_store_grant (rig->store, USER_1, DEMO_APP_ID, user_info);
  authsim_engine_launch (engine);
  navigate (engine, "pages/account/account");
  tap (engine, "Show my avatar");                       /* granted before: no popup */
  tap (engine, "Log in with phone number");
  respond (engine, AUTHSIM_DECISION_ALLOW);            /* then getPhoneNumber 10000 */

  authsim_engine_tap_authorize (engine, bad_scope);    /* toast, onError */
  test_wait_until (authsim_engine_get_toast (engine) == NULL);
  authsim_engine_set_network_fault (engine, TRUE);
  authsim_engine_tap_authorize (engine, user_scope);   /* onError Network Error */
  call_api (engine, AUTHSIM_API_GET_OPEN_USER_INFO);   /* fail 12 */
  authsim_engine_set_network_fault (engine, FALSE);
  authsim_engine_set_service_busy (engine, TRUE);
  call_api (engine, AUTHSIM_API_GET_PHONE_NUMBER);     /* 20000 */
  authsim_engine_set_service_busy (engine, FALSE);
  call_api (engine, AUTHSIM_API_GET_PHONE_NUMBER);     /* 10000 */

  g_assert_true (authsim_engine_open_settings (engine, &error));
  set_setting (engine, "userInfo", FALSE);
  set_setting (engine, "userInfo", TRUE);
  respond (engine, AUTHSIM_DECISION_REJECT);           /* stays off */
  g_assert_true (authsim_engine_close_settings (engine, &error));
  call_api (engine, AUTHSIM_API_GET_SETTING);
  call_api (engine, AUTHSIM_API_GET_OPEN_USER_INFO);   /* 40003 */

  tap (engine, "Settings");                            /* my.openSetting */
  set_setting (engine, "userInfo", TRUE);
  respond (engine, AUTHSIM_DECISION_ALLOW);
  set_setting (engine, "phoneNumber", FALSE);
  g_assert_true (authsim_engine_close_settings (engine, &error));

  call (engine, "{\"scopes\": \"auth_user\"}", AUTHSIM_TRIGGER_TAP,
        AUTHSIM_CONTAINER_MINI_PROGRAM);
  respond (engine, AUTHSIM_DECISION_ALLOW);
  g_assert_true (authsim_engine_open_settings (engine, &error));
  g_assert_true (authsim_engine_revoke_user_info (engine, &error));
  g_assert_true (authsim_engine_close_settings (engine, &error));
  call (engine, "{\"scopes\": \"auth_user\"}", AUTHSIM_TRIGGER_TAP,
        AUTHSIM_CONTAINER_MINI_PROGRAM);                /* asks again */
  respond (engine, AUTHSIM_DECISION_CLOSE);
  tap (engine, "Check authorization settings");
  g_assert_no_error (error);
}

static void
test_record_replay_consent (void)
{
  g_auto(Rig) recorded = { 0 };
  g_auto(Rig) replayed = { 0 };
  g_autoptr(AuthsimSealer) sealer = g_object_new (TEST_TYPE_SEALER, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) expected = NULL;
  g_autoptr(GPtrArray) actual = NULL;
  g_autofree char *json = NULL;
  guint64 start;
  Run run;

  rig_init (&recorded);
  rig_init (&replayed);
  authsim_engine_set_sealer (recorded.engine, sealer);
  authsim_engine_set_sealer (replayed.engine, sealer);
  play_consent_session (&recorded);
  json = authsim_scenario_record (recorded.log, &error);
  g_assert_no_error (error);
  g_test_message ("recorded:\n%s", json);

  /* The new verbs, and my.getPhoneNumber's plaintext rather than its envelope. */
  for (guint i = 0; i < 7; i++)
    {
      const char *needles[] = { "\"tapAuthorize\" : \"auth_user\"", "\"setSetting\"",
                                "\"openSettings\" : true", "\"closeSettings\" : true",
                                "\"revokeUserInfo\" : true", "\"serviceBusy\" : true",
                                "\"plaintext\"" };

      if (strstr (json, needles[i]) == NULL)
        g_error ("the recording has no %s", needles[i]);
    }

  authsim_engine_launch (replayed.engine);
  start = last_seq (replayed.log);
  run_scenario (&replayed, json, NULL, &run);
  dump_lines (&run);
  g_assert_no_error (run.error);
  g_assert_cmpuint (run.n_failed, ==, 0);
  run_clear (&run);

  expected = heard (recorded.log, 0);
  actual = heard (replayed.log, start);
  g_assert_cmpuint (expected->len, >=, 15);
  g_assert_cmpuint (actual->len, ==, expected->len);
  for (guint i = 0; i < expected->len; i++)
    {
      AuthsimEvent *e = g_ptr_array_index (expected, i);
      AuthsimEvent *a = g_ptr_array_index (actual, i);
      g_autoptr(JsonNode) ep = payload_without_code (e);
      JsonNode *ap = json_object_get_member (authsim_event_get_object (a), "payload");
      g_autofree char *path = g_strdup_printf ("callback[%u]", i);

      g_assert_cmpstr (authsim_event_get_callback (a), ==, authsim_event_get_callback (e));
      test_assert_json_equal (ep, ap, path);
    }
}

static void
test_record_empty (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *json = authsim_scenario_record (log, &error);

  g_assert_null (json);
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_NOT_FOUND);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/authsim/scenario/parse-errors", test_parse_errors);
  g_test_add_func ("/authsim/scenario/parse-not-json", test_parse_not_json);
  g_test_add_func ("/authsim/scenario/parse-file", test_parse_file);
  g_test_add_func ("/authsim/scenario/duration", test_duration);
  g_test_add_func ("/authsim/scenario/run-passes", test_run_passes);
  g_test_add_func ("/authsim/scenario/run-failures", test_run_failures);
  g_test_add_func ("/authsim/scenario/run-answers", test_run_answers_and_exchange_without_gateway);
  g_test_add_func ("/authsim/scenario/run-standing-answer", test_run_standing_answer_yields);
  g_test_add_func ("/authsim/scenario/run-cancel", test_run_cancel);
  g_test_add_func ("/authsim/scenario/record-replay", test_record_replay);
  g_test_add_func ("/authsim/scenario/record-replay-consent", test_record_replay_consent);
  g_test_add_func ("/authsim/scenario/record-empty", test_record_empty);

  return g_test_run ();
}
