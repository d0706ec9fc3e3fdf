/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-engine.c: every line of SPEC §2.1 and §2.2, the queue, and complete-after-callback. */
#include "config.h"

#include "authsim-enums.h"
#include "test-utils.h"

#define TEST_APP_ID  "2021000000000001"
#define HOST_ID "2021000000000002"

static const char *base_profile =
  "{\"appId\": \"" TEST_APP_ID "\", \"name\": \"Test Shop\","
  " \"host\": {\"appId\": \"" HOST_ID "\", \"name\": \"Host App\"},"
  " \"entitledScopes\": [\"auth_base\", \"auth_user\", \"order_service\"],"
  " \"userInfoFields\": [\"nickName\", \"avatar\"],"
  " \"pages\": [{\"path\": \"pages/a\", \"title\": \"A\"}]}";

static const char *no_package_profile =
  "{\"appId\": \"" TEST_APP_ID "\", \"name\": \"Test Shop\", \"jsapiBasePackage\": false,"
  " \"pages\": [{\"path\": \"pages/a\", \"title\": \"A\"}]}";

static const char *third_party_profile =
  "{\"appId\": \"" TEST_APP_ID "\", \"name\": \"Test Shop\", \"thirdParty\": \"without-package\","
  " \"pages\": [{\"path\": \"pages/a\", \"title\": \"A\"}]}";

static const char *third_party_ok_profile =
  "{\"appId\": \"" TEST_APP_ID "\", \"name\": \"Test Shop\", \"thirdParty\": \"with-package\","
  " \"pages\": [{\"path\": \"pages/a\", \"title\": \"A\"}]}";

#define FAIL_2  "{\"error\": 2, \"errorMessage\": \"invalid parameter!\"}"
#define FAIL_3  "{\"error\": 3, \"errorMessage\": \"未找到授权结果\"}"
#define FAIL_1  "{\"error\": 1, \"errorMessage\": \"接口不存在\"}"
#define FAIL_4  "{\"error\": 4, \"errorMessage\": \"无权调用\", \"message\": \"无权调用\"," \
                " \"signature\": \"N22104\"}"
#define FAIL_11 "{\"error\": 11, \"errorMessage\": \"用户取消授权\"}"
#define FAIL_12 "{\"error\": 12, \"errorMessage\": \"Network Error\"}"
#define OK(scopes, errors) \
  "{\"authCode\": \"<authCode>\", \"authSuccessScopes\": " scopes ", \"authErrorScopes\": " errors "}"

typedef enum
{
  NO_POPUP,
  ALLOW,
  REJECT,
  CLOSE,
} Answer;

typedef struct
{
  const char      *name;
  const char      *profile;        /* NULL: base_profile */
  const char      *params;         /* the parameter object as JSON; NULL: no parameter at all */
  AuthsimContainer container;
  gboolean         network_fault;
  const char      *pregrant;       /* a comma-separated grant made before the call */
  Answer           answer;         /* NO_POPUP: asserts no popup opens */
  gboolean         toast;          /* the busy toast shows first */
  const char      *expected;       /* the payload of success/fail and complete */
  const char      *popup_scopes;   /* the scopes the popup asks for, as a JSON array */
  const char      *popup_app;      /* the app the popup names */
} CallCase;

static const CallCase cases[] = {
  /* §2.1 scopes */
  { "absent-params", NULL, NULL, 0, FALSE, NULL, NO_POPUP, FALSE,
    OK ("[\"auth_base\"]", "{}") },
  { "absent-scopes", NULL, "{}", 0, FALSE, NULL, NO_POPUP, FALSE,
    OK ("[\"auth_base\"]", "{}") },
  { "null-scopes", NULL, "{\"scopes\": null}", 0, FALSE, NULL, NO_POPUP, FALSE,
    OK ("[\"auth_base\"]", "{}") },
  { "null-params", NULL, "null", 0, FALSE, NULL, NO_POPUP, FALSE,
    OK ("[\"auth_base\"]", "{}") },
  { "string-auth-base", NULL, "{\"scopes\": \"auth_base\"}", 0, FALSE, NULL, NO_POPUP, FALSE,
    OK ("[\"auth_base\"]", "{}") },
  { "string-auth-user", NULL, "{\"scopes\": \"auth_user\"}", 0, FALSE, NULL, ALLOW, FALSE,
    OK ("[\"auth_user\"]", "{}"), "[\"auth_user\"]", "Test Shop" },
  { "comma-string", NULL, "{\"scopes\": \"auth_base,auth_user\"}", 0, FALSE, NULL, ALLOW, FALSE,
    OK ("[\"auth_base\", \"auth_user\"]", "{}"), "[\"auth_user\"]", "Test Shop" },
  { "comma-string-trimmed", NULL, "{\"scopes\": \" auth_user , auth_base \"}", 0, FALSE, NULL,
    ALLOW, FALSE, OK ("[\"auth_user\", \"auth_base\"]", "{}"), "[\"auth_user\"]", NULL },
  { "array-dedup", NULL, "{\"scopes\": [\"auth_user\", \"auth_user\", \"auth_base\"]}", 0, FALSE,
    NULL, ALLOW, FALSE, OK ("[\"auth_user\", \"auth_base\"]", "{}"), "[\"auth_user\"]", NULL },
  { "array-auth-base", NULL, "{\"scopes\": [\"auth_base\"]}", 0, FALSE, NULL, NO_POPUP, FALSE,
    OK ("[\"auth_base\"]", "{}") },
  { "type-number", NULL, "{\"scopes\": 42}", 0, FALSE, NULL, NO_POPUP, FALSE, FAIL_2 },
  { "type-object", NULL, "{\"scopes\": {\"a\": 1}}", 0, FALSE, NULL, NO_POPUP, FALSE, FAIL_2 },
  { "type-boolean", NULL, "{\"scopes\": true}", 0, FALSE, NULL, NO_POPUP, FALSE, FAIL_2 },
  { "type-array-non-string", NULL, "{\"scopes\": [\"auth_user\", 1]}", 0, FALSE, NULL, NO_POPUP,
    FALSE, FAIL_2 },
  { "params-not-object", NULL, "\"auth_user\"", 0, FALSE, NULL, NO_POPUP, FALSE, FAIL_2 },
  { "unknown-scope", NULL, "{\"scopes\": \"auth_userinfo\"}", 0, FALSE, NULL, NO_POPUP, TRUE,
    FAIL_3 },
  { "unknown-in-array", NULL, "{\"scopes\": [\"auth_user\", \"auth_foo\"]}", 0, FALSE, NULL,
    NO_POPUP, TRUE, FAIL_3 },
  { "empty-string", NULL, "{\"scopes\": \"\"}", 0, FALSE, NULL, NO_POPUP, TRUE, FAIL_3 },
  { "empty-array", NULL, "{\"scopes\": []}", 0, FALSE, NULL, NO_POPUP, TRUE, FAIL_3 },
  { "not-entitled-with-success", NULL, "{\"scopes\": [\"auth_user\", \"auth_zhima\"]}", 0, FALSE,
    NULL, ALLOW, FALSE, OK ("[\"auth_user\"]", "{\"auth_zhima\": \"40006\"}"), "[\"auth_user\"]",
    NULL },
  { "not-entitled-silent", NULL, "{\"scopes\": [\"auth_base\", \"auth_zhima\"]}", 0, FALSE, NULL,
    NO_POPUP, FALSE, OK ("[\"auth_base\"]", "{\"auth_zhima\": \"40006\"}") },
  { "not-entitled-only", NULL, "{\"scopes\": [\"auth_zhima\"]}", 0, FALSE, NULL, NO_POPUP, FALSE,
    FAIL_4 },
  { "entitled-industry-scope", NULL, "{\"scopes\": [\"auth_user\", \"order_service\"]}", 0, FALSE,
    NULL, ALLOW, FALSE, OK ("[\"auth_user\", \"order_service\"]", "{}"),
    "[\"auth_user\", \"order_service\"]", NULL },

  /* §2.2 the ordered checks */
  { "web-view", NULL, "{\"scopes\": \"auth_user\"}", AUTHSIM_CONTAINER_WEB_VIEW, FALSE, NULL,
    NO_POPUP, FALSE, FAIL_1 },
  { "web-view-before-permission", "no-package", "{\"scopes\": \"auth_user\"}",
    AUTHSIM_CONTAINER_WEB_VIEW, FALSE, NULL, NO_POPUP, FALSE, FAIL_1 },
  { "no-jsapi-package", "no-package", "{\"scopes\": \"auth_base\"}", 0, FALSE, NULL, NO_POPUP,
    FALSE, FAIL_4 },
  { "permission-before-scopes", "no-package", "{\"scopes\": 42}", 0, FALSE, NULL, NO_POPUP, FALSE,
    FAIL_4 },
  { "third-party-without-package", "third-party", "{}", 0, FALSE, NULL, NO_POPUP, FALSE, FAIL_4 },
  { "third-party-with-package", "third-party-ok", "{}", 0, FALSE, NULL, NO_POPUP, FALSE,
    OK ("[\"auth_base\"]", "{}") },
  { "scopes-before-network", NULL, "{\"scopes\": 42}", 0, TRUE, NULL, NO_POPUP, FALSE, FAIL_2 },
  { "unknown-before-network", NULL, "{\"scopes\": \"nope\"}", 0, TRUE, NULL, NO_POPUP, TRUE,
    FAIL_3 },
  { "network-fault", NULL, "{\"scopes\": \"auth_base\"}", 0, TRUE, NULL, NO_POPUP, FALSE,
    FAIL_12 },
  { "network-fault-consent", NULL, "{\"scopes\": \"auth_user\"}", 0, TRUE, NULL, NO_POPUP, FALSE,
    FAIL_12 },
  { "remembered-grant", NULL, "{\"scopes\": \"auth_user\"}", 0, FALSE, "auth_user", NO_POPUP,
    FALSE, OK ("[\"auth_user\"]", "{}") },
  { "remembered-partly", NULL, "{\"scopes\": [\"auth_user\", \"order_service\"]}", 0, FALSE,
    "auth_user", ALLOW, FALSE, OK ("[\"auth_user\", \"order_service\"]", "{}"),
    "[\"order_service\"]", NULL },
  { "reject", NULL, "{\"scopes\": \"auth_user\"}", 0, FALSE, NULL, REJECT, FALSE, FAIL_11,
    "[\"auth_user\"]", NULL },
  { "close", NULL, "{\"scopes\": \"auth_user\"}", 0, FALSE, NULL, CLOSE, FALSE, FAIL_3,
    "[\"auth_user\"]", NULL },
  { "plugin-names-host", NULL, "{\"scopes\": \"auth_user\"}", AUTHSIM_CONTAINER_PLUGIN, FALSE,
    NULL, ALLOW, FALSE, OK ("[\"auth_user\"]", "{}"), "[\"auth_user\"]", "Host App" },
};

typedef struct
{
  guint     call;
  gboolean  finished;
  gboolean  success;
  JsonNode *payload;
} Finished;

static void
on_call_finished (AuthsimEngine *engine,
                  guint          call,
                  gboolean       success,
                  JsonObject    *payload,
                  Finished      *finished)
{
  /* Silent calls finish inside authsim_engine_call (): take the first one that comes. */
  if (finished->call != 0 && call != finished->call)
    return;
  if (finished->finished)
    return;
  finished->call = call;
  finished->finished = TRUE;
  finished->success = success;
  finished->payload = json_node_init_object (json_node_alloc (), payload);
}

static const char *
profile_for (const char *name)
{
  if (name == NULL)
    return base_profile;
  if (g_str_equal (name, "no-package"))
    return no_package_profile;
  if (g_str_equal (name, "third-party"))
    return third_party_profile;
  if (g_str_equal (name, "third-party-ok"))
    return third_party_ok_profile;
  g_assert_not_reached ();
}

/* The log of one call must read: call, (toast), (popup open … decision … close), callback
 * success|fail, callback complete — complete last, with the same payload. */
static void
assert_call_log (AuthsimLog     *log,
                 guint           call,
                 const CallCase *c,
                 JsonNode       *payload)
{
  g_autoptr(GPtrArray) events = test_events_of_call (log, call);
  AuthsimEvent *first = g_ptr_array_index (events, 0);
  AuthsimEvent *last = g_ptr_array_index (events, events->len - 1);
  AuthsimEvent *before_last = g_ptr_array_index (events, events->len - 2);
  guint toasts = 0, popups = 0;

  g_assert_cmpuint (events->len, >=, 3);
  g_assert_cmpstr (authsim_event_get_kind (first), ==, "call");
  g_assert_cmpstr (authsim_event_get_kind (last), ==, "callback");
  g_assert_cmpstr (authsim_event_get_callback (last), ==, "complete");
  g_assert_cmpstr (authsim_event_get_kind (before_last), ==, "callback");
  g_assert_cmpstr (authsim_event_get_callback (before_last), ==,
                   g_str_has_prefix (c->expected, "{\"authCode\"") ? "success" : "fail");

  test_assert_json_equal (json_object_get_member (authsim_event_get_object (before_last),
                                                  "payload"), payload, "$.payload");
  test_assert_json_equal (json_object_get_member (authsim_event_get_object (last), "payload"),
                          payload, "$.payload");

  for (guint i = 0; i < events->len; i++)
    {
      const char *kind = authsim_event_get_kind (g_ptr_array_index (events, i));

      toasts += g_str_equal (kind, "toast");
      popups += g_str_equal (kind, "popup");
    }
  g_assert_cmpuint (toasts, ==, c->toast ? 1 : 0);
  g_assert_cmpuint (popups, ==, c->answer == NO_POPUP ? 0 : 2);
}

static void
test_call_case (gconstpointer data)
{
  const CallCase *c = data;
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimStore) store = test_store_new ();
  g_autoptr(AuthsimEngine) engine = test_engine_new_with (profile_for (c->profile), store, log);
  g_autoptr(JsonNode) params = test_parse (c->params);
  g_autoptr(JsonNode) expected = test_parse (c->expected);
  Finished finished = { 0, };
  gboolean saw_toast = FALSE;

  authsim_engine_launch (engine);
  authsim_engine_set_network_fault (engine, c->network_fault);
  if (c->pregrant != NULL)
    {
      g_auto(GStrv) scopes = g_strsplit (c->pregrant, ",", -1);
      const char *user = authsim_user_get_user_id (authsim_engine_get_active_user (engine));

      authsim_store_grant (store, user, TEST_APP_ID, (const char * const *) scopes);
    }

  g_signal_connect (engine, "call-finished", G_CALLBACK (on_call_finished), &finished);
  {
    guint id = authsim_engine_call (engine, params, AUTHSIM_TRIGGER_TAP, c->container);

    g_assert_cmpuint (id, >, 0);
    if (finished.finished)
      g_assert_cmpuint (finished.call, ==, id);
    finished.call = id;
  }

  if (c->toast)
    {
      /* The toast shows first; the fail comes only after it. */
      g_assert_false (finished.finished);
      g_assert_cmpstr (authsim_engine_get_toast (engine), ==, "服务正忙，请稍后再试");
      saw_toast = TRUE;
      test_wait_until (finished.finished);
      g_assert_null (authsim_engine_get_toast (engine));
    }

  if (c->answer == NO_POPUP)
    {
      g_assert_true (finished.finished || saw_toast);
      g_assert_null (authsim_engine_get_request (engine));
    }
  else
    {
      AuthsimRequest *request = authsim_engine_get_request (engine);
      AuthsimDecision decision = c->answer == ALLOW ? AUTHSIM_DECISION_ALLOW
                                 : c->answer == REJECT ? AUTHSIM_DECISION_REJECT
                                 : AUTHSIM_DECISION_CLOSE;
      g_autoptr(GError) error = NULL;

      g_assert_false (finished.finished);
      g_assert_nonnull (request);
      if (c->popup_scopes != NULL)
        {
          g_autoptr(JsonNode) want = test_parse (c->popup_scopes);
          JsonArray *array = json_array_new ();
          g_autoptr(JsonNode) got = json_node_init_array (json_node_alloc (), array);
          const char * const *scopes = authsim_request_get_scopes (request);

          for (guint i = 0; scopes[i] != NULL; i++)
            json_array_add_string_element (array, scopes[i]);
          json_array_unref (array);
          test_assert_json_equal (want, got, "popup scopes");
        }
      if (c->popup_app != NULL)
        g_assert_cmpstr (authsim_request_get_app_name (request), ==, c->popup_app);

      g_assert_true (authsim_engine_respond (engine, decision, AUTHSIM_ANSWER_SOURCE_API, &error));
      g_assert_no_error (error);
      g_assert_true (finished.finished);
      g_assert_null (authsim_engine_get_request (engine));
    }

  test_assert_json_equal (expected, finished.payload, "$");
  assert_call_log (log, finished.call, c, finished.payload);

  /* In plugin context the code belongs to the host. */
  if (finished.success)
    {
      JsonObject *payload = json_node_get_object (finished.payload);
      g_autoptr(AuthsimCode) code =
        authsim_store_lookup_code (store, json_object_get_string_member (payload, "authCode"));

      g_assert_nonnull (code);
      g_assert_cmpstr (code->app_id, ==,
                       c->container == AUTHSIM_CONTAINER_PLUGIN ? HOST_ID : TEST_APP_ID);
      g_assert_cmpuint (code->call, ==, finished.call);
    }

  g_clear_pointer (&finished.payload, json_node_unref);
}

/* Allow stores the grant: the same call is silent afterwards, with a new code each time. */
static void
test_grant_remembered (void)
{
  g_autoptr(AuthsimEngine) engine = test_engine_new (base_profile);
  g_autoptr(JsonNode) params = test_parse ("{\"scopes\": \"auth_user\"}");
  Finished first = { 0, }, second = { 0, }, third = { 0, };
  const char *code1, *code2;

  authsim_engine_launch (engine);
  g_signal_connect (engine, "call-finished", G_CALLBACK (on_call_finished), &first);
  first.call = authsim_engine_call (engine, params, AUTHSIM_TRIGGER_TAP, 0);
  g_assert_nonnull (authsim_engine_get_request (engine));
  g_assert_true (authsim_engine_respond (engine, AUTHSIM_DECISION_ALLOW,
                                         AUTHSIM_ANSWER_SOURCE_API, NULL));

  g_signal_connect (engine, "call-finished", G_CALLBACK (on_call_finished), &second);
  g_assert_cmpuint (authsim_engine_call (engine, params, AUTHSIM_TRIGGER_TAP, 0), ==,
                    first.call + 1);
  g_assert_null (authsim_engine_get_request (engine));
  g_assert_true (second.finished && second.success);

  code1 = json_object_get_string_member (json_node_get_object (first.payload), "authCode");
  code2 = json_object_get_string_member (json_node_get_object (second.payload), "authCode");
  g_assert_cmpstr (code1, !=, code2);

  /* Clear authorization data: the popup comes back. */
  authsim_engine_clear_grants (engine);
  g_signal_connect (engine, "call-finished", G_CALLBACK (on_call_finished), &third);
  third.call = authsim_engine_call (engine, params, AUTHSIM_TRIGGER_TAP, 0);
  g_assert_cmpuint (third.call, ==, first.call + 2);
  g_assert_nonnull (authsim_engine_get_request (engine));
  g_assert_false (third.finished);
  g_assert_true (authsim_engine_respond (engine, AUTHSIM_DECISION_REJECT,
                                         AUTHSIM_ANSWER_SOURCE_API, NULL));
  g_assert_true (third.finished && !third.success);

  g_clear_pointer (&first.payload, json_node_unref);
  g_clear_pointer (&second.payload, json_node_unref);
  g_clear_pointer (&third.payload, json_node_unref);
}

/* Grants are per user: another user sees the popup again; revoking brings it back too. */
static void
test_grant_per_user_and_revoke (void)
{
  g_autoptr(AuthsimEngine) engine = test_engine_new (base_profile);
  g_autoptr(JsonNode) params = test_parse ("{\"scopes\": \"auth_user\"}");
  GListModel *users = authsim_engine_get_users (engine);
  g_autoptr(AuthsimUser) other = g_list_model_get_item (users, 1);
  const char *first_user;

  authsim_engine_launch (engine);
  first_user = authsim_user_get_user_id (authsim_engine_get_active_user (engine));
  authsim_engine_call (engine, params, AUTHSIM_TRIGGER_TAP, 0);
  g_assert_true (authsim_engine_respond (engine, AUTHSIM_DECISION_ALLOW,
                                         AUTHSIM_ANSWER_SOURCE_API, NULL));

  g_assert_true (authsim_engine_set_active_user_id (engine, authsim_user_get_user_id (other),
                                                    NULL));
  authsim_engine_call (engine, params, AUTHSIM_TRIGGER_TAP, 0);
  g_assert_nonnull (authsim_engine_get_request (engine));
  g_assert_true (authsim_engine_respond (engine, AUTHSIM_DECISION_CLOSE,
                                         AUTHSIM_ANSWER_SOURCE_API, NULL));

  g_assert_true (authsim_engine_set_active_user_id (engine, first_user, NULL));
  authsim_engine_call (engine, params, AUTHSIM_TRIGGER_TAP, 0);
  g_assert_null (authsim_engine_get_request (engine));

  g_assert_true (authsim_engine_revoke (engine, first_user, TEST_APP_ID));
  g_assert_false (authsim_engine_revoke (engine, first_user, TEST_APP_ID));
  authsim_engine_call (engine, params, AUTHSIM_TRIGGER_TAP, 0);
  g_assert_nonnull (authsim_engine_get_request (engine));
  g_assert_true (authsim_engine_respond (engine, AUTHSIM_DECISION_CLOSE,
                                         AUTHSIM_ANSWER_SOURCE_API, NULL));

  g_assert_false (authsim_engine_set_active_user_id (engine, "2088000000000000", NULL));
}

typedef struct
{
  GArray *order;    /* call ids in finishing order */
  GArray *success;
} Order;

static void
on_finished_record (AuthsimEngine *engine,
                    guint          call,
                    gboolean       success,
                    JsonObject    *payload,
                    Order         *order)
{
  g_array_append_val (order->order, call);
  g_array_append_val (order->success, success);
}

/* Calls made while the popup is open wait and are handled in order. */
static void
test_queue_order (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = test_engine_new_with (base_profile, NULL, log);
  g_autoptr(JsonNode) user = test_parse ("{\"scopes\": \"auth_user\"}");
  g_autoptr(JsonNode) base = test_parse ("{\"scopes\": \"auth_base\"}");
  g_autoptr(JsonNode) bad = test_parse ("{\"scopes\": \"nope\"}");
  Order order = { g_array_new (FALSE, FALSE, sizeof (guint)),
                  g_array_new (FALSE, FALSE, sizeof (gboolean)) };
  guint c1, c2, c3, c4, c5;
  guint last_complete_seq = 0;

  authsim_engine_launch (engine);
  g_signal_connect (engine, "call-finished", G_CALLBACK (on_finished_record), &order);

  c1 = authsim_engine_call (engine, user, AUTHSIM_TRIGGER_TAP, 0);     /* popup */
  c2 = authsim_engine_call (engine, base, AUTHSIM_TRIGGER_TAP, 0);     /* queued, silent */
  c3 = authsim_engine_call (engine, bad, AUTHSIM_TRIGGER_TAP, 0);      /* queued, toast */
  c4 = authsim_engine_call (engine, user, AUTHSIM_TRIGGER_TAP, 0);     /* queued: granted by c1 */
  c5 = authsim_engine_call (engine, base, AUTHSIM_TRIGGER_TAP, 0);     /* behind the toast */

  g_assert_cmpuint (order.order->len, ==, 0);
  g_assert_cmpuint (authsim_engine_get_pending (engine), ==, 4);
  g_assert_cmpuint (authsim_request_get_call (authsim_engine_get_request (engine)), ==, c1);

  g_assert_true (authsim_engine_respond (engine, AUTHSIM_DECISION_ALLOW,
                                         AUTHSIM_ANSWER_SOURCE_API, NULL));
  /* c1 and c2 finish at once; c3 holds the toast, c4 and c5 wait behind it. */
  g_assert_cmpuint (order.order->len, ==, 2);
  g_assert_nonnull (authsim_engine_get_toast (engine));
  g_assert_cmpuint (authsim_engine_get_pending (engine), ==, 2);

  test_wait_until (order.order->len == 5);
  g_assert_cmpuint (g_array_index (order.order, guint, 0), ==, c1);
  g_assert_cmpuint (g_array_index (order.order, guint, 1), ==, c2);
  g_assert_cmpuint (g_array_index (order.order, guint, 2), ==, c3);
  g_assert_cmpuint (g_array_index (order.order, guint, 3), ==, c4);
  g_assert_cmpuint (g_array_index (order.order, guint, 4), ==, c5);
  g_assert_false (g_array_index (order.success, gboolean, 2));
  g_assert_true (g_array_index (order.success, gboolean, 3));
  g_assert_null (authsim_engine_get_request (engine));
  g_assert_cmpuint (authsim_engine_get_pending (engine), ==, 0);

  /* Queued calls are marked, and each call's complete comes after its success/fail. */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (log)); i++)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (G_LIST_MODEL (log), i);
      JsonObject *object = authsim_event_get_object (event);

      if (g_str_equal (authsim_event_get_kind (event), "call"))
        g_assert_cmpint (json_object_get_boolean_member_with_default (object, "queued", FALSE),
                         ==, authsim_event_get_call (event) != c1);
      if (g_strcmp0 (authsim_event_get_callback (event), "complete") == 0)
        {
          g_assert_cmpuint (authsim_event_get_seq (event), >, last_complete_seq);
          last_complete_seq = authsim_event_get_seq (event);
        }
    }

  g_array_unref (order.order);
  g_array_unref (order.success);
}

/* The popup's request is a plain object: answering it twice is refused, no popup → error. */
static void
test_respond_errors (void)
{
  g_autoptr(AuthsimEngine) engine = test_engine_new (base_profile);
  g_autoptr(JsonNode) user = test_parse ("{\"scopes\": \"auth_user\"}");
  g_autoptr(GError) error = NULL;
  AuthsimRequest *request;

  authsim_engine_launch (engine);
  g_assert_false (authsim_engine_respond (engine, AUTHSIM_DECISION_ALLOW,
                                          AUTHSIM_ANSWER_SOURCE_API, &error));
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_NO_REQUEST);
  g_clear_error (&error);

  authsim_engine_call (engine, user, AUTHSIM_TRIGGER_TAP, 0);
  request = g_object_ref (authsim_engine_get_request (engine));
  g_assert_true (authsim_request_respond (request, AUTHSIM_DECISION_REJECT,
                                          AUTHSIM_ANSWER_SOURCE_UI, &error));
  g_assert_no_error (error);
  g_assert_true (authsim_request_get_answered (request));
  g_assert_false (authsim_request_respond (request, AUTHSIM_DECISION_ALLOW,
                                           AUTHSIM_ANSWER_SOURCE_UI, &error));
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_NO_REQUEST);
  g_assert_null (authsim_engine_get_request (engine));
  g_object_unref (request);
}

/* The popup lists the profile's userInfoFields for auth_user, and its opening and closing
 * fire onHide and onShow in the log. */
static void
test_popup_fields_and_lifecycle (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = test_engine_new_with (base_profile, NULL, log);
  g_autoptr(JsonNode) user = test_parse ("{\"scopes\": \"auth_user\"}");
  const char * const *fields;
  guint n_before, n;
  const char *expected[] = { "popup", "lifecycle", "decision", "popup", "lifecycle" };

  authsim_engine_launch (engine);
  n_before = g_list_model_get_n_items (G_LIST_MODEL (log));
  authsim_engine_call (engine, user, AUTHSIM_TRIGGER_TAP, 0);
  fields = authsim_request_get_fields (authsim_engine_get_request (engine));
  g_assert_cmpuint (g_strv_length ((char **) fields), ==, 2);
  g_assert_cmpstr (fields[0], ==, "nickName");
  g_assert_cmpstr (fields[1], ==, "avatar");
  authsim_engine_respond (engine, AUTHSIM_DECISION_CLOSE, AUTHSIM_ANSWER_SOURCE_SCENARIO, NULL);

  n = g_list_model_get_n_items (G_LIST_MODEL (log));
  for (guint i = n_before + 1, j = 0; j < G_N_ELEMENTS (expected); i++, j++)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (G_LIST_MODEL (log), i);
      JsonObject *object = authsim_event_get_object (event);

      g_assert_cmpuint (i, <, n);
      g_assert_cmpstr (authsim_event_get_kind (event), ==, expected[j]);
      if (j == 1)
        g_assert_cmpstr (json_object_get_string_member (object, "event"), ==, "onHide");
      if (j == 2)
        g_assert_cmpstr (json_object_get_string_member (object, "source"), ==, "scenario");
      if (j == 4)
        g_assert_cmpstr (json_object_get_string_member (object, "event"), ==, "onShow");
    }
}

/* The D-Bus/scenario form of a call, and its malformed variants. */
static void
test_call_json (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = test_engine_new_with (base_profile, NULL, log);
  const char *bad[] = {
    "not json",
    "[1, 2]",
    "{\"params\": {}, \"trigger\": \"swipe\"}",
    "{\"params\": {}, \"container\": \"iframe\"}",
    "{\"params\": {}, \"trigger\": 1}",
    "{\"parms\": {}}",
  };
  guint calls_before, errors_before;
  guint id;
  g_autoptr(GPtrArray) events = NULL;
  JsonObject *call_event;

  authsim_engine_launch (engine);
  calls_before = test_count_kind (log, "call");
  errors_before = test_count_kind (log, "error");

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_cmpuint (authsim_engine_call_json (engine, bad[i], &error), ==, 0);
      g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID);
    }
  g_assert_cmpuint (test_count_kind (log, "call"), ==, calls_before);
  g_assert_cmpuint (test_count_kind (log, "error"), ==, errors_before + G_N_ELEMENTS (bad));

  id = authsim_engine_call_json (engine,
                                 "{\"params\": {\"scopes\": \"auth_base\"},"
                                 " \"trigger\": \"lifecycle\", \"container\": \"plugin\"}", NULL);
  g_assert_cmpuint (id, >, 0);
  events = test_events_of_call (log, id);
  call_event = authsim_event_get_object (g_ptr_array_index (events, 0));
  g_assert_cmpstr (json_object_get_string_member (call_event, "trigger"), ==, "lifecycle");
  g_assert_cmpstr (json_object_get_string_member (call_event, "container"), ==, "plugin");
  g_assert_cmpstr (json_object_get_string_member (call_event, "appId"), ==, HOST_ID);
  g_assert_cmpstr (json_object_get_string_member (call_event, "page"), ==, "pages/a");
  test_assert_json_equal_str ("{\"scopes\": \"auth_base\"}",
                              json_object_get_member (call_event, "params"), "$.params");
  g_assert_true (json_object_has_member (call_event, "userId"));
  g_assert_true (json_object_has_member (call_event, "firstScreen"));

  /* The defaults: tap, and the engine's current container. */
  authsim_engine_set_container (engine, AUTHSIM_CONTAINER_WEB_VIEW);
  id = authsim_engine_call_json (engine, "{}", NULL);
  g_ptr_array_unref (events);
  events = test_events_of_call (log, id);
  call_event = authsim_event_get_object (g_ptr_array_index (events, 0));
  g_assert_cmpstr (json_object_get_string_member (call_event, "trigger"), ==, "tap");
  g_assert_cmpstr (json_object_get_string_member (call_event, "container"), ==, "web-view");
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (call_event, "params")));
}

/* Relaunch drops an open popup and queued calls; the log says so. */
static void
test_relaunch_abandons (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = test_engine_new_with (base_profile, NULL, log);
  g_autoptr(JsonNode) user = test_parse ("{\"scopes\": \"auth_user\"}");
  guint errors;

  authsim_engine_launch (engine);
  authsim_engine_call (engine, user, AUTHSIM_TRIGGER_TAP, 0);
  authsim_engine_call (engine, user, AUTHSIM_TRIGGER_TAP, 0);
  g_assert_nonnull (authsim_engine_get_request (engine));
  errors = test_count_kind (log, "error");

  authsim_engine_launch (engine);
  g_assert_null (authsim_engine_get_request (engine));
  g_assert_cmpuint (authsim_engine_get_pending (engine), ==, 0);
  g_assert_cmpuint (test_count_kind (log, "error"), ==, errors + 2);
  g_assert_true (authsim_engine_get_first_screen (engine));

  /* And the engine works afterwards. */
  authsim_engine_call (engine, user, AUTHSIM_TRIGGER_TAP, 0);
  g_assert_nonnull (authsim_engine_get_request (engine));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/authsim/engine/call/%s", cases[i].name);

      g_test_add_data_func (path, &cases[i], test_call_case);
    }
  g_test_add_func ("/authsim/engine/grant-remembered", test_grant_remembered);
  g_test_add_func ("/authsim/engine/grant-per-user-and-revoke", test_grant_per_user_and_revoke);
  g_test_add_func ("/authsim/engine/queue-order", test_queue_order);
  g_test_add_func ("/authsim/engine/respond-errors", test_respond_errors);
  g_test_add_func ("/authsim/engine/popup-fields-and-lifecycle", test_popup_fields_and_lifecycle);
  g_test_add_func ("/authsim/engine/call-json", test_call_json);
  g_test_add_func ("/authsim/engine/relaunch-abandons", test_relaunch_abandons);

  return g_test_run ();
}
