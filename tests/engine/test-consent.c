/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-consent.c: every row of SPEC §10.2 (the getAuthorize button), §10.3
 * (my.getOpenUserInfo), §11.2 (my.getPhoneNumber, sealed by a test sealer whose "encryption"
 * the test undoes) and §12 (my.getSetting, my.openSetting, the settings page), payloads
 * compared key by key, nested strings and plaintexts included. The real AES and RSA are
 * tested in tests/automation/test-phone-number.c. */
#include "config.h"

#include "authsim-enums.h"
#include "test-utils.h"

#define TEST_APP_ID "2021000000000001"
#define HOST_ID     "2021000000000002"
#define USER_1      "2088102164830201"  /* the first default user: 阿伟, 13800138000 */
#define NO_MOBILE   "2088506608274845"
#define OVERSEAS    "2088607719385956"

#define PROFILE_WITH(extra) \
  "{\"appId\": \"" TEST_APP_ID "\", \"name\": \"Test Shop\", \"type\": \"enterprise\"," \
  " \"host\": {\"appId\": \"" HOST_ID "\", \"name\": \"Host App\"}," extra \
  " \"pages\": [{\"path\": \"pages/a\", \"title\": \"A\", \"buttons\": [" \
  "   {\"label\": \"Avatar\", \"openType\": \"getAuthorize\", \"scope\": \"userInfo\"," \
  "    \"onGetAuthorize\": {\"api\": \"getOpenUserInfo\"}}," \
  "   {\"label\": \"Phone\", \"openType\": \"getAuthorize\", \"scope\": \"phoneNumber\"," \
  "    \"onGetAuthorize\": {\"api\": \"getPhoneNumber\"}}," \
  "   {\"label\": \"No scope\", \"openType\": \"getAuthorize\"}," \
  "   {\"label\": \"Next\", \"navigateTo\": \"pages/b\"}]}," \
  "  {\"path\": \"pages/b\", \"title\": \"B\"}]}"

static const char *base_profile = PROFILE_WITH ("");

static const char *
profile_for (const char *name)
{
  static const struct
  {
    const char *name;
    const char *json;
  } profiles[] = {
    { "no-package", PROFILE_WITH (" \"jsapiBasePackage\": false,") },
    { "third-party", PROFILE_WITH (" \"thirdParty\": \"without-package\",") },
    { "no-products", PROFILE_WITH (" \"products\": [],") },
    { "user-info-only", PROFILE_WITH (" \"products\": [\"userInfo\"],") },
    { "no-aes-key", PROFILE_WITH (" \"aesKey\": false,") },
    { "no-aes-key-personal", PROFILE_WITH (" \"aesKey\": false, \"type\": \"personal\",") },
    { "unsigned", PROFILE_WITH (" \"signResponses\": false,") },
    { "unsigned-no-aes-key", PROFILE_WITH (" \"signResponses\": false, \"aesKey\": false,") },
    { "personal", PROFILE_WITH (" \"type\": \"personal\",") },
    { "devices", PROFILE_WITH (" \"deviceSettings\": {\"location\": true, \"camera\": false},") },
  };

  if (name == NULL)
    return base_profile;
  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
    if (g_str_equal (profiles[i].name, name))
      return profiles[i].json;
  g_assert_not_reached ();
}

/* ------------------------------------------------------------------------------------------
 * A sealer the test can undo: "encryption" is base64 behind a marker, the "signature" the
 * SHA-256 of what it signs. What the engine hands it, and how it wraps the results, is what
 * these tests look at.
 * ------------------------------------------------------------------------------------------ */

#define TEST_TYPE_SEALER (test_sealer_get_type ())
G_DECLARE_FINAL_TYPE (TestSealer, test_sealer, TEST, SEALER, GObject)

struct _TestSealer
{
  GObject  parent_instance;
  gboolean fail_encrypt;
  gboolean fail_sign;
};

static char *
test_sealer_encrypt (AuthsimSealer  *sealer,
                     const char     *plaintext,
                     gsize           length,
                     GError        **error)
{
  g_autofree char *encoded = NULL;

  if (TEST_SEALER (sealer)->fail_encrypt)
    {
      g_set_error_literal (error, AUTHSIM_ERROR, AUTHSIM_ERROR_FAILED, "aes.key is unreadable");
      return NULL;
    }
  encoded = g_base64_encode ((const guchar *) plaintext, length);
  return g_strconcat ("AES:", encoded, NULL);
}

static char *
test_sealer_sign (AuthsimSealer  *sealer,
                  const char     *content,
                  gsize           length,
                  GError        **error)
{
  if (TEST_SEALER (sealer)->fail_sign)
    {
      g_set_error_literal (error, AUTHSIM_ERROR, AUTHSIM_ERROR_FAILED, "no private key");
      return NULL;
    }
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

static char *
unseal_text (const char *ciphertext)
{
  gsize length;
  guchar *data;
  char *text;

  g_assert_true (g_str_has_prefix (ciphertext, "AES:"));
  data = g_base64_decode (ciphertext + 4, &length);
  text = g_strndup ((const char *) data, length);
  g_free (data);
  return text;
}

/* ------------------------------------------------------------------------------------------
 * The rig
 * ------------------------------------------------------------------------------------------ */

typedef struct
{
  AuthsimLog    *log;
  AuthsimStore  *store;
  AuthsimEngine *engine;
  TestSealer    *sealer;
} Rig;

static void
rig_init (Rig        *rig,
          const char *profile)
{
  rig->log = authsim_log_new ();
  rig->store = test_store_new ();
  rig->engine = test_engine_new_with (profile_for (profile), rig->store, rig->log);
  rig->sealer = g_object_new (TEST_TYPE_SEALER, NULL);
  authsim_engine_set_sealer (rig->engine, AUTHSIM_SEALER (rig->sealer));
  authsim_engine_launch (rig->engine);
}

static void
rig_clear (Rig *rig)
{
  g_clear_object (&rig->engine);
  g_clear_object (&rig->sealer);
  g_clear_object (&rig->store);
  g_clear_object (&rig->log);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Rig, rig_clear)

static const char *
active_user (Rig *rig)
{
  return authsim_user_get_user_id (authsim_engine_get_active_user (rig->engine));
}

/* Grants (or, with a leading "-", refuses) each comma-separated scope for the active user. */
static void
pregrant (Rig        *rig,
          const char *list)
{
  g_auto(GStrv) scopes = list != NULL ? g_strsplit (list, ",", -1) : NULL;

  for (guint i = 0; scopes != NULL && scopes[i] != NULL; i++)
    {
      const char *one[] = { scopes[i], NULL };

      if (scopes[i][0] == '-')
        authsim_store_refuse (rig->store, active_user (rig), TEST_APP_ID, scopes[i] + 1);
      else
        authsim_store_grant (rig->store, active_user (rig), TEST_APP_ID, one);
    }
}

static AuthsimDecision
decision_from (const char *word)
{
  int value;

  g_assert_true (authsim_enum_from_nick (AUTHSIM_TYPE_DECISION, word, &value));
  return value;
}

/* Answers popups as @answers says ("allow reject …"), checking each asks for the scope in
 * @popup_scopes (same length); asserts no popup is left. */
static void
answer_popups (Rig        *rig,
               const char *answers,
               const char *popup_scopes)
{
  g_auto(GStrv) words = g_strsplit (answers != NULL ? answers : "", " ", -1);
  g_auto(GStrv) scopes = g_strsplit (popup_scopes != NULL ? popup_scopes : "", " ", -1);

  for (guint i = 0; words[i] != NULL && words[i][0] != '\0'; i++)
    {
      AuthsimRequest *request = authsim_engine_get_request (rig->engine);
      const char * const want[] = { scopes[i], NULL };
      g_autoptr(GError) error = NULL;

      g_assert_nonnull (request);
      g_assert_cmpstr (authsim_request_get_scope (request), ==, scopes[i]);
      g_assert_cmpstrv (authsim_request_get_scopes (request), want);
      g_assert_cmpstrv (authsim_request_get_fields (request), ((const char * const[]) { NULL }));
      g_assert_true (authsim_engine_respond (rig->engine, decision_from (words[i]),
                                             AUTHSIM_ANSWER_SOURCE_API, &error));
      g_assert_no_error (error);
    }
  g_assert_null (authsim_engine_get_request (rig->engine));
}

/* The last event of @call of @kind (and @callback, nullable), or NULL. */
static AuthsimEvent *
find_event (Rig        *rig,
            guint       call,
            const char *kind,
            const char *callback)
{
  g_autoptr(GPtrArray) events = test_events_of_call (rig->log, call);

  for (guint i = events->len; i > 0; i--)
    {
      AuthsimEvent *event = g_ptr_array_index (events, i - 1);

      if (g_str_equal (authsim_event_get_kind (event), kind) &&
          (callback == NULL || g_strcmp0 (authsim_event_get_callback (event), callback) == 0))
        return g_object_ref (event);
    }
  return NULL;
}

static guint
count_events (Rig        *rig,
              guint       call,
              const char *kind)
{
  g_autoptr(GPtrArray) events = test_events_of_call (rig->log, call);
  guint n = 0;

  for (guint i = 0; i < events->len; i++)
    n += g_str_equal (authsim_event_get_kind (g_ptr_array_index (events, i)), kind);
  return n;
}

static gboolean
has_event (Rig        *rig,
           guint       call,
           const char *kind,
           const char *callback)
{
  g_autoptr(AuthsimEvent) event = find_event (rig, call, kind, callback);

  return event != NULL;
}

/* (transfer full) the events from position @first of the log, as objects. */
static GPtrArray *
events_since (Rig   *rig,
              guint  first)
{
  GPtrArray *objects = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  for (guint i = first; i < g_list_model_get_n_items (G_LIST_MODEL (rig->log)); i++)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (G_LIST_MODEL (rig->log), i);

      g_ptr_array_add (objects, json_object_ref (authsim_event_get_object (event)));
    }
  return objects;
}

static const char *
member (JsonObject *object,
        const char *name)
{
  return json_object_get_string_member_with_default (object, name, "");
}

/* A lifecycle event @what of @call, then the page's @then right after it. */
static gboolean
has_lifecycle_after (Rig        *rig,
                     guint       call,
                     const char *what,
                     const char *then)
{
  g_autoptr(GPtrArray) events = events_since (rig, 0);

  for (guint i = 0; i + 1 < events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (events, i);
      JsonObject *next = g_ptr_array_index (events, i + 1);

      if (g_str_equal (member (event, "kind"), "lifecycle") &&
          g_str_equal (member (event, "event"), what) &&
          json_object_get_int_member_with_default (event, "call", 0) == call &&
          g_str_equal (member (next, "kind"), "lifecycle") &&
          g_str_equal (member (next, "event"), then))
        return TRUE;
    }
  return FALSE;
}

static gboolean
has_lifecycle_since (Rig        *rig,
                     guint       first,
                     const char *what)
{
  g_autoptr(GPtrArray) events = events_since (rig, first);

  for (guint i = 0; i < events->len; i++)
    if (g_str_equal (member (g_ptr_array_index (events, i), "kind"), "lifecycle") &&
        g_str_equal (member (g_ptr_array_index (events, i), "event"), what))
      return TRUE;
  return FALSE;
}

/* A grant event @what naming @scope, from @source. */
static gboolean
has_grant_event (Rig        *rig,
                 const char *what,
                 const char *scope,
                 const char *source)
{
  g_autoptr(GPtrArray) events = events_since (rig, 0);

  for (guint i = 0; i < events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (events, i);
      JsonArray *scopes;

      if (!g_str_equal (member (event, "kind"), "grant") ||
          !g_str_equal (member (event, "event"), what) ||
          !g_str_equal (member (event, "source"), source))
        continue;
      scopes = json_object_get_array_member (event, "scopes");
      for (guint j = 0; j < json_array_get_length (scopes); j++)
        if (g_str_equal (json_array_get_string_element (scopes, j), scope))
          return TRUE;
    }
  return FALSE;
}

static gboolean
has_error_event (Rig        *rig,
                 const char *text)
{
  g_autoptr(GPtrArray) events = events_since (rig, 0);

  for (guint i = 0; i < events->len; i++)
    if (g_str_equal (member (g_ptr_array_index (events, i), "kind"), "error") &&
        strstr (member (g_ptr_array_index (events, i), "message"), text) != NULL)
      return TRUE;
  return FALSE;
}

/* (transfer full): the response string of @call's success. */
static char *
success_response (Rig   *rig,
                  guint  call)
{
  g_autoptr(AuthsimEvent) event = find_event (rig, call, "callback", "success");
  JsonObject *payload;

  g_assert_nonnull (event);
  payload = json_object_get_object_member (authsim_event_get_object (event), "payload");
  return g_strdup (json_object_get_string_member (payload, "response"));
}

/* (transfer full): the plaintext my.getPhoneNumber's success logged. */
static char *
success_plaintext (Rig   *rig,
                   guint  call)
{
  g_autoptr(AuthsimEvent) event = find_event (rig, call, "callback", "success");

  g_assert_nonnull (event);
  return g_strdup (json_object_get_string_member (authsim_event_get_object (event),
                                                  "plaintext"));
}

/* Whether a success since position @first carries a response containing @text. */
static gboolean
response_since_contains (Rig        *rig,
                         guint       first,
                         const char *text)
{
  g_autoptr(GPtrArray) events = events_since (rig, first);

  for (guint i = 0; i < events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (events, i);

      if (g_str_equal (member (event, "callback"), "success") &&
          strstr (member (json_object_get_object_member (event, "payload"), "response"),
                  text) != NULL)
        return TRUE;
    }
  return FALSE;
}

static void
count_cb (guint *count)
{
  (*count)++;
}

static void
assert_auth_setting (Rig        *rig,
                     const char *expected)
{
  JsonObject *setting = NULL;
  g_autoptr(JsonNode) node = NULL;

  g_object_get (rig->engine, "auth-setting", &setting, NULL);
  node = json_node_init_object (json_node_alloc (), setting);
  test_assert_json_equal_str (expected, node, "authSetting");
  /* Same order as written: the settings page shows the rows in it. */
  {
    g_autofree char *got = json_to_string (node, FALSE);
    g_autoptr(JsonNode) want = test_parse (expected);
    g_autofree char *want_text = json_to_string (want, FALSE);

    g_assert_cmpstr (got, ==, want_text);
  }
  json_object_unref (setting);
}

/* ------------------------------------------------------------------------------------------
 * §10.2: tapping a getAuthorize button
 * ------------------------------------------------------------------------------------------ */

#define ON_ERROR(message) \
  "{\"type\": \"error\", \"detail\": {\"type\": \"getAuthorize\", \"errorMessage\": \"" message "\"}}"
#define ON_GET_AUTHORIZE "{\"type\": \"getAuthorize\", \"detail\": {}}"

typedef struct
{
  const char *name;
  const char *scope;          /* the attribute as JSON; NULL: missing */
  const char *pregrant;       /* "userInfo,-phoneNumber": granted, refused */
  gboolean    network_fault;
  gboolean    toast;
  const char *answers;        /* "allow reject": one popup each; NULL: no popup */
  const char *popup_scopes;   /* the scope each popup asks for */
  const char *callback;       /* onGetAuthorize or onError */
  const char *event;          /* its event object */
  const char *auth_setting;   /* afterwards */
} TapCase;

static const TapCase tap_cases[] = {
  /* 1. missing or not a string */
  { "missing", NULL, NULL, FALSE, FALSE, NULL, NULL, "onError",
    ON_ERROR ("请输入合法的scope"), "{}" },
  { "number", "42", NULL, FALSE, FALSE, NULL, NULL, "onError", ON_ERROR ("请输入合法的scope"),
    "{}" },
  { "array", "[\"userInfo\"]", NULL, FALSE, FALSE, NULL, NULL, "onError",
    ON_ERROR ("请输入合法的scope"), "{}" },
  { "null", "null", NULL, FALSE, FALSE, NULL, NULL, "onError", ON_ERROR ("请输入合法的scope"),
    "{}" },
  { "not-string-before-network", "true", NULL, TRUE, FALSE, NULL, NULL, "onError",
    ON_ERROR ("请输入合法的scope"), "{}" },
  /* 2. unknown: the toast, then "no result" */
  { "unknown", "\"auth_user\"", NULL, FALSE, TRUE, NULL, NULL, "onError",
    ON_ERROR ("未找到授权结果"), "{}" },
  { "empty", "\"\"", NULL, FALSE, TRUE, NULL, NULL, "onError", ON_ERROR ("未找到授权结果"), "{}" },
  { "one-unknown", "\"userInfo,mobile\"", NULL, FALSE, TRUE, NULL, NULL, "onError",
    ON_ERROR ("未找到授权结果"), "{}" },
  { "trailing-comma", "\"userInfo,\"", NULL, FALSE, TRUE, NULL, NULL, "onError",
    ON_ERROR ("未找到授权结果"), "{}" },
  { "case-matters", "\"userinfo\"", NULL, FALSE, TRUE, NULL, NULL, "onError",
    ON_ERROR ("未找到授权结果"), "{}" },
  { "unknown-before-network", "\"location\"", NULL, TRUE, TRUE, NULL, NULL, "onError",
    ON_ERROR ("未找到授权结果"), "{}" },
  /* 3. network */
  { "network", "\"userInfo\"", NULL, TRUE, FALSE, NULL, NULL, "onError",
    ON_ERROR ("Network Error"), "{}" },
  { "network-before-granted", "\"userInfo\"", "userInfo", TRUE, FALSE, NULL, NULL, "onError",
    ON_ERROR ("Network Error"), "{\"userInfo\": true}" },
  /* 4. granted already */
  { "granted", "\"userInfo\"", "userInfo", FALSE, FALSE, NULL, NULL, "onGetAuthorize",
    ON_GET_AUTHORIZE, "{\"userInfo\": true}" },
  { "granted-both", "\"phoneNumber,userInfo\"", "userInfo,phoneNumber", FALSE, FALSE, NULL,
    NULL, "onGetAuthorize", ON_GET_AUTHORIZE, "{\"userInfo\": true, \"phoneNumber\": true}" },
  /* 5. the popup */
  { "allow", "\"userInfo\"", NULL, FALSE, FALSE, "allow", "userInfo", "onGetAuthorize",
    ON_GET_AUTHORIZE, "{\"userInfo\": true}" },
  { "reject", "\"userInfo\"", NULL, FALSE, FALSE, "reject", "userInfo", "onError",
    ON_ERROR ("用户取消授权"), "{\"userInfo\": false}" },
  { "close", "\"userInfo\"", NULL, FALSE, FALSE, "close", "userInfo", "onError",
    ON_ERROR ("未找到授权结果"), "{}" },
  { "allow-phone", "\"phoneNumber\"", NULL, FALSE, FALSE, "allow", "phoneNumber",
    "onGetAuthorize", ON_GET_AUTHORIZE, "{\"phoneNumber\": true}" },
  { "reject-phone", "\"phoneNumber\"", NULL, FALSE, FALSE, "reject", "phoneNumber", "onError",
    ON_ERROR ("用户取消授权"), "{\"phoneNumber\": false}" },
  { "refused-asks-again", "\"userInfo\"", "-userInfo", FALSE, FALSE, "allow", "userInfo",
    "onGetAuthorize", ON_GET_AUTHORIZE, "{\"userInfo\": true}" },
  { "spaces-and-duplicates", "\" user Info , userInfo \"", NULL, FALSE, FALSE, "allow",
    "userInfo", "onGetAuthorize", ON_GET_AUTHORIZE, "{\"userInfo\": true}" },
  /* never one popup for both: one after the other, stopping at the first no */
  { "both-allowed", "\"userInfo,phoneNumber\"", NULL, FALSE, FALSE, "allow allow",
    "userInfo phoneNumber", "onGetAuthorize", ON_GET_AUTHORIZE,
    "{\"userInfo\": true, \"phoneNumber\": true}" },
  { "both-second-rejected", "\"userInfo,phoneNumber\"", NULL, FALSE, FALSE, "allow reject",
    "userInfo phoneNumber", "onError", ON_ERROR ("用户取消授权"),
    "{\"userInfo\": true, \"phoneNumber\": false}" },
  { "both-first-closed", "\"userInfo,phoneNumber\"", NULL, FALSE, FALSE, "close", "userInfo",
    "onError", ON_ERROR ("未找到授权结果"), "{}" },
  { "both-one-granted", "\"userInfo,phoneNumber\"", "userInfo", FALSE, FALSE, "allow",
    "phoneNumber", "onGetAuthorize", ON_GET_AUTHORIZE,
    "{\"userInfo\": true, \"phoneNumber\": true}" },
  /* independent of getAuthCode's auth_user (SPEC §10.1) */
  { "auth-user-is-not-user-info", "\"userInfo\"", "auth_user", FALSE, FALSE, "allow",
    "userInfo", "onGetAuthorize", ON_GET_AUTHORIZE, "{\"userInfo\": true}" },
};

typedef struct
{
  guint     call;
  gboolean  finished;
  gboolean  success;
  JsonNode *payload;
} Finished;

static void
call_finished_cb (AuthsimEngine *engine,
                  guint          call,
                  gboolean       success,
                  JsonObject    *payload,
                  Finished      *finished)
{
  if (finished->finished || (finished->call != 0 && call != finished->call))
    return;
  finished->call = call;
  finished->finished = TRUE;
  finished->success = success;
  finished->payload = json_node_init_object (json_node_alloc (), payload);
}

/* The tap's log: call (api getAuthorize, scope as written, not on the first screen), the toast,
 * the popups (each event with its scope), the button callback last. */
static void
assert_tap_log (Rig           *rig,
                guint          call,
                const TapCase *c)
{
  g_autoptr(GPtrArray) events = test_events_of_call (rig->log, call);
  JsonObject *first = authsim_event_get_object (g_ptr_array_index (events, 0));
  AuthsimEvent *last = g_ptr_array_index (events, events->len - 1);
  guint n_answers = 0;

  g_assert_cmpstr (authsim_event_get_kind (g_ptr_array_index (events, 0)), ==, "call");
  g_assert_cmpstr (json_object_get_string_member (first, "api"), ==, "getAuthorize");
  g_assert_false (json_object_has_member (first, "params"));
  g_assert_cmpstr (json_object_get_string_member (first, "trigger"), ==, "tap");
  g_assert_false (json_object_get_boolean_member (first, "firstScreen"));
  if (c->scope == NULL)
    g_assert_false (json_object_has_member (first, "scope"));
  else
    test_assert_json_equal_str (c->scope, json_object_get_member (first, "scope"), "scope");

  g_assert_cmpstr (authsim_event_get_kind (last), ==, "callback");
  g_assert_cmpstr (authsim_event_get_callback (last), ==, c->callback);
  test_assert_json_equal_str (c->event, json_object_get_member (authsim_event_get_object (last),
                                                                "payload"), "$.payload");
  /* No success/fail/complete for a button. */
  g_assert_cmpuint (count_events (rig, call, "callback"), ==, 1);

  for (guint i = 0; i < events->len; i++)
    {
      AuthsimEvent *event = g_ptr_array_index (events, i);
      JsonObject *object = authsim_event_get_object (event);

      if (g_str_equal (authsim_event_get_kind (event), "popup") ||
          g_str_equal (authsim_event_get_kind (event), "decision"))
        g_assert_true (json_object_has_member (object, "scope"));
      n_answers += g_str_equal (authsim_event_get_kind (event), "decision");
    }
  g_assert_cmpuint (count_events (rig, call, "toast"), ==, c->toast ? 1 : 0);
  g_assert_cmpuint (count_events (rig, call, "popup"), ==, 2 * n_answers);
}

static void
test_tap_case (gconstpointer data)
{
  const TapCase *c = data;
  g_auto(Rig) rig = { 0 };
  g_autoptr(JsonNode) scope = test_parse (c->scope);
  Finished finished = { 0 };
  guint call;

  rig_init (&rig, NULL);
  pregrant (&rig, c->pregrant);
  authsim_engine_set_network_fault (rig.engine, c->network_fault);
  g_assert_true (authsim_engine_get_first_screen (rig.engine));
  g_signal_connect (rig.engine, "call-finished", G_CALLBACK (call_finished_cb), &finished);

  /* A virtual button: the page has none with these scopes. */
  call = authsim_engine_tap_authorize (rig.engine, scope);
  g_assert_cmpuint (call, >, 0);
  g_assert_false (authsim_engine_get_first_screen (rig.engine));

  if (c->toast)
    {
      g_assert_false (finished.finished);
      g_assert_cmpstr (authsim_engine_get_toast (rig.engine), ==, "服务正忙，请稍后再试");
      g_assert_null (authsim_engine_get_request (rig.engine));
      test_wait_until (finished.finished);
    }
  answer_popups (&rig, c->answers, c->popup_scopes);

  g_assert_true (finished.finished);
  g_assert_cmpuint (finished.call, ==, call);
  g_assert_true (finished.success == g_str_equal (c->callback, "onGetAuthorize"));
  test_assert_json_equal_str (c->event, finished.payload, "$");
  assert_tap_log (&rig, call, c);
  assert_auth_setting (&rig, c->auth_setting);
  g_clear_pointer (&finished.payload, json_node_unref);
}

/* A page's getAuthorize button: its scope, then the call its onGetAuthorize makes (a tap, with
 * the hook named) after the callback; the same through authsim_engine_tap() by label and
 * authsim_engine_tap_authorize() by scope. */
static void
test_tap_page_button (void)
{
  g_auto(Rig) rig = { 0 };
  g_autoptr(JsonNode) scope = test_parse ("\"userInfo\"");
  g_autoptr(AuthsimEvent) tap = NULL;
  g_autoptr(AuthsimEvent) then = NULL;
  g_autoptr(AuthsimEvent) callback = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *object;
  guint call;

  rig_init (&rig, NULL);
  g_assert_true (authsim_engine_tap (rig.engine, "Avatar", &error));
  g_assert_no_error (error);
  call = authsim_request_get_call (authsim_engine_get_request (rig.engine));
  answer_popups (&rig, "allow", "userInfo");

  tap = find_event (&rig, call, "call", NULL);
  g_assert_cmpstr (json_object_get_string_member (authsim_event_get_object (tap), "button"), ==,
                   "Avatar");
  callback = find_event (&rig, call, "callback", "onGetAuthorize");
  g_assert_nonnull (callback);

  then = find_event (&rig, call + 1, "call", NULL);
  g_assert_nonnull (then);
  object = authsim_event_get_object (then);
  g_assert_cmpstr (json_object_get_string_member (object, "api"), ==, "getOpenUserInfo");
  g_assert_cmpstr (json_object_get_string_member (object, "hook"), ==, "onGetAuthorize");
  g_assert_cmpstr (json_object_get_string_member (object, "trigger"), ==, "tap");
  g_assert_true (authsim_event_get_seq (then) > authsim_event_get_seq (callback));
  g_assert_true (has_event (&rig, call + 1, "callback", "complete"));

  /* Granted now: the same button by scope calls getOpenUserInfo again, without a popup. */
  call = authsim_engine_tap_authorize (rig.engine, scope);
  g_assert_null (authsim_engine_get_request (rig.engine));
  g_assert_true (has_event (&rig, call, "callback", "onGetAuthorize"));
  g_assert_true (has_event (&rig, call + 1, "callback", "success"));

  /* A button without scope: onError, and its onGetAuthorize (none) does nothing. */
  g_assert_true (authsim_engine_tap (rig.engine, "No scope", NULL));
  call = call + 2;
  g_assert_true (has_event (&rig, call, "callback", "onError"));
  g_assert_false (has_event (&rig, call + 1, "call", NULL));
}

/* The popup covers the page: its open and close fire onHide and onShow around the answer. */
static void
test_tap_lifecycle (void)
{
  g_auto(Rig) rig = { 0 };
  g_autoptr(JsonNode) scope = test_parse ("\"phoneNumber\"");
  guint n;
  const char *expected[] = { "call", "popup", "lifecycle", "decision", "popup", "lifecycle",
                             "grant", "callback" };
  guint first;

  rig_init (&rig, NULL);
  n = g_list_model_get_n_items (G_LIST_MODEL (rig.log));
  authsim_engine_tap_authorize (rig.engine, scope);
  answer_popups (&rig, "allow", "phoneNumber");

  first = n;
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (G_LIST_MODEL (rig.log), first + i);

      g_assert_cmpstr (authsim_event_get_kind (event), ==, expected[i]);
    }
}

/* ------------------------------------------------------------------------------------------
 * §10.3: my.getOpenUserInfo
 * ------------------------------------------------------------------------------------------ */

#define FAIL_1  "{\"error\": 1, \"errorMessage\": \"接口不存在\"}"
#define FAIL_4  "{\"error\": 4, \"errorMessage\": \"无权调用\", \"message\": \"无权调用\"," \
                " \"signature\": \"N22104\"}"
#define FAIL_12 "{\"error\": 12, \"errorMessage\": \"Network Error\"}"

#define USER_INFO_10000 \
  "{\"response\": {\"code\": \"10000\", \"msg\": \"Success\"," \
  " \"avatar\": \"https://example.com/avatars/zhangwei.png\", \"city\": \"\"," \
  " \"countryCode\": \"\", \"gender\": \"\", \"nickName\": \"阿伟\", \"province\": \"\"}}"
#define USER_INFO_40003 \
  "{\"response\": {\"code\": \"40003\", \"msg\": \"Insufficient Conditions\"," \
  " \"subCode\": \"isv.invalid-auth-relations\", \"subMsg\": \"无效的授权关系\"}}"
#define SUB_MSG_40006 \
  "ISV权限不足，建议在开发者中心检查对应功能是否已经添加，解决办法详见：" \
  "https://docs.open.alipay.com/common/isverror"
#define USER_INFO_40006 \
  "{\"response\": {\"code\": \"40006\", \"msg\": \"Insufficient Permissions\"," \
  " \"subCode\": \"isv.insufficient-isv-permissions\", \"subMsg\": \"" SUB_MSG_40006 "\"}}"

typedef struct
{
  const char      *name;
  const char      *profile;
  AuthsimContainer container;
  gboolean         network_fault;
  const char      *pregrant;
  gboolean         success;
  const char      *expected;   /* fail: the payload; success: the response string's content */
} UserInfoCase;

static const UserInfoCase user_info_cases[] = {
  { "web-view", NULL, AUTHSIM_CONTAINER_WEB_VIEW, FALSE, "userInfo", FALSE, FAIL_1 },
  { "web-view-before-permission", "no-package", AUTHSIM_CONTAINER_WEB_VIEW, FALSE, NULL, FALSE,
    FAIL_1 },
  { "no-jsapi-package", "no-package", 0, FALSE, "userInfo", FALSE, FAIL_4 },
  { "third-party-without-package", "third-party", 0, FALSE, NULL, FALSE, FAIL_4 },
  { "permission-before-network", "no-package", 0, TRUE, NULL, FALSE, FAIL_4 },
  { "network", NULL, 0, TRUE, "userInfo", FALSE, FAIL_12 },
  { "network-before-products", "no-products", 0, TRUE, NULL, FALSE, FAIL_12 },
  { "not-a-product", "no-products", 0, FALSE, "userInfo", TRUE, USER_INFO_40006 },
  { "no-grant", NULL, 0, FALSE, NULL, TRUE, USER_INFO_40003 },
  { "refused", NULL, 0, FALSE, "-userInfo", TRUE, USER_INFO_40003 },
  { "auth-user-is-not-user-info", NULL, 0, FALSE, "auth_user", TRUE, USER_INFO_40003 },
  { "phone-number-is-not-user-info", NULL, 0, FALSE, "phoneNumber", TRUE, USER_INFO_40003 },
  { "granted", NULL, 0, FALSE, "userInfo", TRUE, USER_INFO_10000 },
  { "granted-user-info-only", "user-info-only", 0, FALSE, "userInfo", TRUE, USER_INFO_10000 },
  /* a personal app may call it (only getPhoneNumber is for enterprises) */
  { "personal", "personal", 0, FALSE, "userInfo", TRUE, USER_INFO_10000 },
};

/* Asserts the call's success/fail and complete carry @payload; returns the success/fail. */
static AuthsimEvent *
assert_outcome (Rig        *rig,
                guint       call,
                gboolean    success,
                JsonNode   *payload)
{
  AuthsimEvent *outcome = find_event (rig, call, "callback", success ? "success" : "fail");
  g_autoptr(AuthsimEvent) complete = find_event (rig, call, "callback", "complete");

  g_assert_nonnull (outcome);
  g_assert_nonnull (complete);
  g_assert_null (find_event (rig, call, "callback", success ? "fail" : "success"));
  g_assert_true (authsim_event_get_seq (complete) > authsim_event_get_seq (outcome));
  test_assert_json_equal (json_object_get_member (authsim_event_get_object (outcome), "payload"),
                          payload, "$.payload");
  test_assert_json_equal (json_object_get_member (authsim_event_get_object (complete),
                                                  "payload"), payload, "$.payload");
  g_assert_cmpuint (count_events (rig, call, "popup"), ==, 0);
  return outcome;
}

/* The call event: api, params, trigger. */
static void
assert_call_event (Rig        *rig,
                   guint       call,
                   const char *api)
{
  g_autoptr(AuthsimEvent) event = find_event (rig, call, "call", NULL);
  JsonObject *object = authsim_event_get_object (event);

  g_assert_cmpstr (json_object_get_string_member (object, "api"), ==, api);
  g_assert_true (json_object_has_member (object, "params"));
}

static void
test_user_info_case (gconstpointer data)
{
  const UserInfoCase *c = data;
  g_auto(Rig) rig = { 0 };
  Finished finished = { 0 };
  g_autoptr(JsonNode) response = NULL;
  g_autoptr(AuthsimEvent) outcome = NULL;
  guint call;

  rig_init (&rig, c->profile);
  pregrant (&rig, c->pregrant);
  authsim_engine_set_network_fault (rig.engine, c->network_fault);
  g_signal_connect (rig.engine, "call-finished", G_CALLBACK (call_finished_cb), &finished);

  call = authsim_engine_call_api (rig.engine, AUTHSIM_API_GET_OPEN_USER_INFO, NULL,
                                  AUTHSIM_TRIGGER_TAP, c->container);
  g_assert_true (finished.finished);
  g_assert_cmpuint (finished.call, ==, call);
  g_assert_true (finished.success == c->success);
  assert_call_event (&rig, call, "getOpenUserInfo");
  outcome = assert_outcome (&rig, call, c->success, finished.payload);

  if (!c->success)
    test_assert_json_equal_str (c->expected, finished.payload, "$");
  else
    {
      /* One member, a JSON string: {"response": "{\"response\":{…}}"}. */
      JsonObject *payload = json_node_get_object (finished.payload);

      g_assert_cmpuint (json_object_get_size (payload), ==, 1);
      response = test_parse (json_object_get_string_member (payload, "response"));
      test_assert_json_equal_str (c->expected, response, "$.response");
    }
  g_clear_pointer (&finished.payload, json_node_unref);
}

/* The strings byte for byte, as Alipay writes them (SPEC §10.3). */
static void
test_user_info_exact_text (void)
{
  g_auto(Rig) rig = { 0 };
  Finished finished = { 0 };

  rig_init (&rig, NULL);
  pregrant (&rig, "userInfo");
  g_signal_connect (rig.engine, "call-finished", G_CALLBACK (call_finished_cb), &finished);
  authsim_engine_call_api (rig.engine, AUTHSIM_API_GET_OPEN_USER_INFO, NULL,
                           AUTHSIM_TRIGGER_TAP, AUTHSIM_CONTAINER_MINI_PROGRAM);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (finished.payload),
                                                  "response"), ==,
                   "{\"response\":{\"code\":\"10000\",\"msg\":\"Success\","
                   "\"avatar\":\"https://example.com/avatars/zhangwei.png\",\"city\":\"\","
                   "\"countryCode\":\"\",\"gender\":\"\",\"nickName\":\"阿伟\","
                   "\"province\":\"\"}}");
  g_clear_pointer (&finished.payload, json_node_unref);

  authsim_profile_set_products (authsim_engine_get_profile (rig.engine), NULL);
  finished.finished = FALSE;
  finished.call = 0;
  authsim_engine_call_api (rig.engine, AUTHSIM_API_GET_OPEN_USER_INFO, NULL,
                           AUTHSIM_TRIGGER_LIFECYCLE, AUTHSIM_CONTAINER_MINI_PROGRAM);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (finished.payload),
                                                  "response"), ==,
                   "{\"response\":{\"code\":\"40006\",\"msg\":\"Insufficient Permissions\","
                   "\"subCode\":\"isv.insufficient-isv-permissions\",\"subMsg\":\""
                   SUB_MSG_40006 "\"}}");
  g_clear_pointer (&finished.payload, json_node_unref);
}

/* A user without a nickname or avatar: the key is omitted; the others stay "". */
static void
test_user_info_missing_values (void)
{
  g_auto(Rig) rig = { 0 };
  Finished finished = { 0 };
  AuthsimUser *user;
  g_autoptr(JsonNode) response = NULL;

  rig_init (&rig, NULL);
  pregrant (&rig, "userInfo");
  user = authsim_engine_get_active_user (rig.engine);
  authsim_user_set_info_value (user, "nick_name", NULL);
  authsim_user_set_info_value (user, "avatar", "");
  g_signal_connect (rig.engine, "call-finished", G_CALLBACK (call_finished_cb), &finished);
  authsim_engine_call_api (rig.engine, AUTHSIM_API_GET_OPEN_USER_INFO, NULL,
                           AUTHSIM_TRIGGER_TAP, AUTHSIM_CONTAINER_MINI_PROGRAM);
  response = test_parse (json_object_get_string_member (json_node_get_object (finished.payload),
                                                        "response"));
  test_assert_json_equal_str ("{\"response\": {\"code\": \"10000\", \"msg\": \"Success\","
                              " \"city\": \"\", \"countryCode\": \"\", \"gender\": \"\","
                              " \"province\": \"\"}}", response, "$.response");
  g_clear_pointer (&finished.payload, json_node_unref);
}

static void
assert_user_info_code (Rig        *rig,
                       guint       call,
                       const char *code)
{
  g_autofree char *response = success_response (rig, call);
  g_autofree char *needle = g_strdup_printf ("\"code\":\"%s\"", code);

  g_assert_nonnull (strstr (response, needle));
}

/* Once granted it succeeds without a tap, for that user and app only, until revoked. */
static void
test_user_info_grant_scope (void)
{
  g_auto(Rig) rig = { 0 };
  g_autoptr(JsonNode) scope = test_parse ("\"userInfo\"");
  guint call;

  rig_init (&rig, NULL);
  authsim_engine_tap_authorize (rig.engine, scope);
  answer_popups (&rig, "allow", "userInfo");

  /* After a relaunch too. */
  authsim_engine_launch (rig.engine);
  call = authsim_engine_call_api (rig.engine, AUTHSIM_API_GET_OPEN_USER_INFO, NULL,
                                  AUTHSIM_TRIGGER_LIFECYCLE, AUTHSIM_CONTAINER_MINI_PROGRAM);
  assert_user_info_code (&rig, call, "10000");

  /* Another user has no grant. */
  g_assert_true (authsim_engine_set_active_user_id (rig.engine, NO_MOBILE, NULL));
  call = authsim_engine_call_api (rig.engine, AUTHSIM_API_GET_OPEN_USER_INFO, NULL,
                                  AUTHSIM_TRIGGER_TAP, AUTHSIM_CONTAINER_MINI_PROGRAM);
  assert_user_info_code (&rig, call, "40003");

  /* In a plugin the subject is the host: no grant there either. */
  g_assert_true (authsim_engine_set_active_user_id (rig.engine, USER_1, NULL));
  call = authsim_engine_call_api (rig.engine, AUTHSIM_API_GET_OPEN_USER_INFO, NULL,
                                  AUTHSIM_TRIGGER_TAP, AUTHSIM_CONTAINER_PLUGIN);
  assert_user_info_code (&rig, call, "40003");

  /* Clear authorization data clears it (SPEC §12). */
  authsim_engine_clear_grants (rig.engine);
  call = authsim_engine_call_api (rig.engine, AUTHSIM_API_GET_OPEN_USER_INFO, NULL,
                                  AUTHSIM_TRIGGER_TAP, AUTHSIM_CONTAINER_MINI_PROGRAM);
  assert_user_info_code (&rig, call, "40003");
  assert_auth_setting (&rig, "{}");
}

/* ------------------------------------------------------------------------------------------
 * §11.2: my.getPhoneNumber
 * ------------------------------------------------------------------------------------------ */

#define PHONE_40003 \
  "{\"code\":\"40003\",\"msg\":\"Insufficient Conditions\"," \
  "\"subCode\":\"isv.invalid-auth-relations\",\"subMsg\":\"无效的授权关系\"}"
#define PHONE_40006 \
  "{\"code\":\"40006\",\"msg\":\"Insufficient Permissions\"," \
  "\"subCode\":\"isv.insufficient-isv-permissions\",\"subMsg\":\"ISV权限不足，" \
  "建议在开发者中心检查对应功能是否已经添加，解决办法详见：" \
  "https:\\/\\/docs.open.alipay.com\\/common\\/isverror\"}"
#define PHONE_20000 \
  "{\"code\":\"20000\",\"msg\":\"Service Currently Unavailable\"," \
  "\"subCode\":\"aop.unknow-error\",\"subMsg\":\"系统繁忙\"}"
#define PHONE_40001 \
  "{\"code\":\"40001\",\"msg\":\"Missing Required Arguments\"," \
  "\"subCode\":\"isv.missing-encrypt-key\",\"subMsg\":\"缺少加密配置\"}"
#define PHONE_10000(mobile) "{\"code\":\"10000\",\"msg\":\"Success\",\"mobile\":\"" mobile "\"}"

typedef enum
{
  SEALER_OK,
  SEALER_NONE,
  SEALER_CANNOT_ENCRYPT,
  SEALER_CANNOT_SIGN,
} SealerMode;

typedef struct
{
  const char      *name;
  const char      *profile;
  const char      *user;          /* NULL: the first */
  AuthsimContainer container;
  gboolean         network_fault;
  gboolean         busy;
  const char      *pregrant;
  SealerMode       sealer;
  const char      *fail;          /* a fail payload, or NULL for success: */
  gboolean         encrypted;     /* the envelope's response is a ciphertext */
  gboolean         signed_;       /* it carries a sign */
  const char      *plaintext;     /* the exact text the backend reads */
} PhoneCase;

static const PhoneCase phone_cases[] = {
  /* 1. web-view, no permission, network */
  { "web-view", NULL, NULL, AUTHSIM_CONTAINER_WEB_VIEW, FALSE, FALSE, "phoneNumber", SEALER_OK,
    FAIL_1 },
  { "no-jsapi-package", "no-package", NULL, 0, FALSE, FALSE, "phoneNumber", SEALER_OK, FAIL_4 },
  { "third-party-without-package", "third-party", NULL, 0, FALSE, FALSE, NULL, SEALER_OK,
    FAIL_4 },
  { "network", NULL, NULL, 0, TRUE, FALSE, "phoneNumber", SEALER_OK, FAIL_12 },
  { "network-before-aes-key", "no-aes-key", NULL, 0, TRUE, FALSE, NULL, SEALER_OK, FAIL_12 },
  /* 2. no AES key: plain 40001, signed over the object's text */
  { "no-aes-key", "no-aes-key", NULL, 0, FALSE, FALSE, "phoneNumber", SEALER_OK, NULL, FALSE,
    TRUE, PHONE_40001 },
  { "no-aes-key-before-personal", "no-aes-key-personal", NULL, 0, FALSE, FALSE, NULL, SEALER_OK,
    NULL, FALSE, TRUE, PHONE_40001 },
  { "no-aes-key-unsigned", "unsigned-no-aes-key", NULL, 0, FALSE, FALSE, NULL, SEALER_OK, NULL,
    FALSE, FALSE, PHONE_40001 },
  /* 3. personal, or not a product: encrypted 40006 */
  { "personal", "personal", NULL, 0, FALSE, FALSE, "phoneNumber", SEALER_OK, NULL, TRUE, TRUE,
    PHONE_40006 },
  { "not-a-product", "user-info-only", NULL, 0, FALSE, FALSE, "phoneNumber", SEALER_OK, NULL,
    TRUE, TRUE, PHONE_40006 },
  { "no-products-before-busy", "no-products", NULL, 0, FALSE, TRUE, NULL, SEALER_OK, NULL, TRUE,
    TRUE, PHONE_40006 },
  /* 4. no grant: encrypted 40003 */
  { "no-grant", NULL, NULL, 0, FALSE, FALSE, NULL, SEALER_OK, NULL, TRUE, TRUE, PHONE_40003 },
  { "refused", NULL, NULL, 0, FALSE, FALSE, "-phoneNumber", SEALER_OK, NULL, TRUE, TRUE,
    PHONE_40003 },
  { "user-info-is-not-phone-number", NULL, NULL, 0, FALSE, FALSE, "userInfo,auth_user",
    SEALER_OK, NULL, TRUE, TRUE, PHONE_40003 },
  { "no-grant-before-busy", NULL, NULL, 0, FALSE, TRUE, NULL, SEALER_OK, NULL, TRUE, TRUE,
    PHONE_40003 },
  /* 5. service busy: encrypted 20000 */
  { "busy", NULL, NULL, 0, FALSE, TRUE, "phoneNumber", SEALER_OK, NULL, TRUE, TRUE,
    PHONE_20000 },
  /* 6. encrypted 10000 with the user's mobile */
  { "granted", NULL, NULL, 0, FALSE, FALSE, "phoneNumber", SEALER_OK, NULL, TRUE, TRUE,
    PHONE_10000 ("13800138000") },
  { "granted-no-mobile", NULL, NO_MOBILE, 0, FALSE, FALSE, "phoneNumber", SEALER_OK, NULL, TRUE,
    TRUE, PHONE_10000 ("") },
  { "granted-overseas", NULL, OVERSEAS, 0, FALSE, FALSE, "phoneNumber", SEALER_OK, NULL, TRUE,
    TRUE, PHONE_10000 ("1-1234432112") },
  { "granted-unsigned", "unsigned", NULL, 0, FALSE, FALSE, "phoneNumber", SEALER_OK, NULL, TRUE,
    FALSE, PHONE_10000 ("13800138000") },
  /* Choices: without keys (--no-gateway) or a readable AES key, as without an AES key; a sign
   * that cannot be made is left out. */
  { "no-sealer", NULL, NULL, 0, FALSE, FALSE, "phoneNumber", SEALER_NONE, NULL, FALSE, FALSE,
    PHONE_40001 },
  { "cannot-encrypt", NULL, NULL, 0, FALSE, FALSE, "phoneNumber", SEALER_CANNOT_ENCRYPT, NULL,
    FALSE, TRUE, PHONE_40001 },
  { "cannot-sign", NULL, NULL, 0, FALSE, FALSE, "phoneNumber", SEALER_CANNOT_SIGN, NULL, TRUE,
    FALSE, PHONE_10000 ("13800138000") },
};

/* The envelope's exact text and members: response, sign (over the ciphertext in quotes, or
 * over the plain object's text), sign_type, encrypt_type, charset, in that order. */
static void
assert_envelope (const PhoneCase *c,
                 const char      *envelope)
{
  g_autoptr(JsonNode) node = test_parse (envelope);
  JsonObject *object = json_node_get_object (node);
  g_autoptr(GString) expected = g_string_new ("{\"response\":");
  g_autofree char *content = NULL;
  g_autofree char *signed_text = NULL;
  g_autofree char *sign = NULL;

  if (c->encrypted)
    {
      const char *ciphertext = json_object_get_string_member (object, "response");
      g_autofree char *plaintext = unseal_text (ciphertext);

      g_autoptr(JsonNode) parsed = json_from_string (plaintext, NULL);

      /* Decrypted, it is the plaintext, byte for byte and key by key. */
      g_assert_cmpstr (plaintext, ==, c->plaintext);
      test_assert_json_equal_str (c->plaintext, parsed, "plain");
      content = g_strdup_printf ("\"%s\"", ciphertext);
      signed_text = g_strdup (content);
    }
  else
    {
      test_assert_json_equal_str (c->plaintext, json_object_get_member (object, "response"),
                                  "$.response");
      content = g_strdup (c->plaintext);
      signed_text = g_strdup (c->plaintext);
    }

  g_string_append (expected, content);
  if (c->signed_)
    {
      sign = g_compute_checksum_for_string (G_CHECKSUM_SHA256, signed_text, -1);
      g_string_append_printf (expected, ",\"sign\":\"%s\"", sign);
    }
  g_string_append (expected, ",\"sign_type\":\"RSA2\"");
  if (c->encrypted)
    g_string_append (expected, ",\"encrypt_type\":\"AES\"");
  g_string_append (expected, ",\"charset\":\"UTF-8\"}");
  g_assert_cmpstr (envelope, ==, expected->str);
}

static void
test_phone_case (gconstpointer data)
{
  const PhoneCase *c = data;
  g_auto(Rig) rig = { 0 };
  Finished finished = { 0 };
  g_autoptr(AuthsimEvent) outcome = NULL;
  const char *envelope;
  guint call;

  rig_init (&rig, c->profile);
  if (c->user != NULL)
    g_assert_true (authsim_engine_set_active_user_id (rig.engine, c->user, NULL));
  pregrant (&rig, c->pregrant);
  authsim_engine_set_network_fault (rig.engine, c->network_fault);
  authsim_engine_set_service_busy (rig.engine, c->busy);
  if (c->sealer == SEALER_NONE)
    authsim_engine_set_sealer (rig.engine, NULL);
  rig.sealer->fail_encrypt = c->sealer == SEALER_CANNOT_ENCRYPT;
  rig.sealer->fail_sign = c->sealer == SEALER_CANNOT_SIGN;
  g_signal_connect (rig.engine, "call-finished", G_CALLBACK (call_finished_cb), &finished);

  call = authsim_engine_call_api (rig.engine, AUTHSIM_API_GET_PHONE_NUMBER, NULL,
                                  AUTHSIM_TRIGGER_TAP, c->container);
  g_assert_true (finished.finished);
  g_assert_true (finished.success == (c->fail == NULL));
  assert_call_event (&rig, call, "getPhoneNumber");
  outcome = assert_outcome (&rig, call, c->fail == NULL, finished.payload);

  if (c->fail != NULL)
    {
      test_assert_json_equal_str (c->fail, finished.payload, "$");
      g_clear_pointer (&finished.payload, json_node_unref);
      return;
    }

  g_assert_cmpuint (json_object_get_size (json_node_get_object (finished.payload)), ==, 1);
  envelope = json_object_get_string_member (json_node_get_object (finished.payload), "response");
  assert_envelope (c, envelope);
  /* The log shows what the backend will read. */
  g_assert_cmpstr (json_object_get_string_member (authsim_event_get_object (outcome),
                                                  "plaintext"), ==, c->plaintext);
  g_clear_pointer (&finished.payload, json_node_unref);
}

/* ------------------------------------------------------------------------------------------
 * §12: my.getSetting, my.openSetting, the settings page
 * ------------------------------------------------------------------------------------------ */

typedef struct
{
  const char      *name;
  const char      *profile;
  AuthsimContainer container;
  gboolean         network_fault;
  const char      *taps;       /* "userInfo:allow phoneNumber:reject …" before the call */
  const char      *settings;   /* "userInfo:off …" switched before the call */
  const char      *auth_code;  /* a getAuthCode scope allowed first (NULL: none) */
  const char      *expected;   /* success {"authSetting": …} or a fail payload */
  gboolean         success;
} SettingCase;

static const SettingCase setting_cases[] = {
  { "nothing-asked", NULL, 0, FALSE, NULL, NULL, NULL, "{\"authSetting\": {}}", TRUE },
  { "allowed", NULL, 0, FALSE, "userInfo:allow", NULL, NULL,
    "{\"authSetting\": {\"userInfo\": true}}", TRUE },
  { "rejected", NULL, 0, FALSE, "phoneNumber:reject", NULL, NULL,
    "{\"authSetting\": {\"phoneNumber\": false}}", TRUE },
  { "closed-is-not-asked", NULL, 0, FALSE, "userInfo:close", NULL, NULL,
    "{\"authSetting\": {}}", TRUE },
  { "order-first-decided", NULL, 0, FALSE, "phoneNumber:reject userInfo:allow", NULL, NULL,
    "{\"authSetting\": {\"phoneNumber\": false, \"userInfo\": true}}", TRUE },
  { "rejected-then-allowed", NULL, 0, FALSE, "userInfo:reject userInfo:allow", NULL, NULL,
    "{\"authSetting\": {\"userInfo\": true}}", TRUE },
  { "switched-off", NULL, 0, FALSE, "userInfo:allow phoneNumber:allow", "userInfo:off", NULL,
    "{\"authSetting\": {\"userInfo\": false, \"phoneNumber\": true}}", TRUE },
  { "auth-code-scopes-never-appear", NULL, 0, FALSE, NULL, NULL, "auth_user",
    "{\"authSetting\": {}}", TRUE },
  { "auth-code-beside", NULL, 0, FALSE, "userInfo:allow", NULL, "auth_user",
    "{\"authSetting\": {\"userInfo\": true}}", TRUE },
  { "device-settings", "devices", 0, FALSE, "userInfo:allow", NULL, NULL,
    "{\"authSetting\": {\"userInfo\": true, \"location\": true, \"camera\": false}}", TRUE },
  { "device-settings-switched", "devices", 0, FALSE, NULL, "location:off camera:on", NULL,
    "{\"authSetting\": {\"location\": false, \"camera\": true}}", TRUE },
  { "network-does-not-matter", NULL, 0, TRUE, NULL, NULL, NULL, "{\"authSetting\": {}}", TRUE },
  { "web-view", NULL, AUTHSIM_CONTAINER_WEB_VIEW, FALSE, NULL, NULL, NULL, FAIL_1, FALSE },
  { "no-jsapi-package", "no-package", 0, FALSE, NULL, NULL, NULL, FAIL_4, FALSE },
  { "third-party-without-package", "third-party", 0, FALSE, NULL, NULL, NULL, FAIL_4, FALSE },
};

/* "scope:answer …" through virtual buttons. */
static void
run_taps (Rig        *rig,
          const char *taps)
{
  g_auto(GStrv) items = g_strsplit (taps != NULL ? taps : "", " ", -1);

  for (guint i = 0; items[i] != NULL && items[i][0] != '\0'; i++)
    {
      g_auto(GStrv) parts = g_strsplit (items[i], ":", 2);
      g_autoptr(JsonNode) scope = json_node_init_string (json_node_alloc (), parts[0]);
      gboolean granted = authsim_store_get_scope_state (rig->store, active_user (rig),
                                                        TEST_APP_ID, parts[0]) ==
                         AUTHSIM_SCOPE_STATE_GRANTED;

      authsim_engine_tap_authorize (rig->engine, scope);
      if (!granted)
        answer_popups (rig, parts[1], parts[0]);
    }
}

static void
run_switches (Rig        *rig,
              const char *settings)
{
  g_auto(GStrv) items = g_strsplit (settings != NULL ? settings : "", " ", -1);

  for (guint i = 0; items[i] != NULL && items[i][0] != '\0'; i++)
    {
      g_auto(GStrv) parts = g_strsplit (items[i], ":", 2);
      g_autoptr(GError) error = NULL;

      g_assert_true (authsim_engine_set_setting (rig->engine, parts[0],
                                                 g_str_equal (parts[1], "on"), &error));
      g_assert_no_error (error);
    }
}

/* getSetting, and openSetting left at once: both answer authSetting (SPEC §12). */
static void
test_setting_case (gconstpointer data)
{
  const SettingCase *c = data;
  const AuthsimApi apis[] = { AUTHSIM_API_GET_SETTING, AUTHSIM_API_OPEN_SETTING };

  for (guint a = 0; a < G_N_ELEMENTS (apis); a++)
    {
      g_auto(Rig) rig = { 0 };
      Finished finished = { 0 };
      g_autoptr(AuthsimEvent) outcome = NULL;
      guint call;

      rig_init (&rig, c->profile);
      run_taps (&rig, c->taps);
      run_switches (&rig, c->settings);
      if (c->auth_code != NULL)
        {
          g_autoptr(JsonNode) params = test_parse ("{\"scopes\": \"auth_user\"}");

          authsim_engine_call (rig.engine, params, AUTHSIM_TRIGGER_TAP, 0);
          g_assert_true (authsim_engine_respond (rig.engine, AUTHSIM_DECISION_ALLOW,
                                                 AUTHSIM_ANSWER_SOURCE_API, NULL));
        }
      authsim_engine_set_network_fault (rig.engine, c->network_fault);
      g_signal_connect (rig.engine, "call-finished", G_CALLBACK (call_finished_cb), &finished);

      call = authsim_engine_call_api (rig.engine, apis[a], NULL, AUTHSIM_TRIGGER_TAP,
                                      c->container);
      if (apis[a] == AUTHSIM_API_OPEN_SETTING && c->success)
        {
          g_assert_false (finished.finished);
          g_assert_true (authsim_engine_close_settings (rig.engine, NULL));
        }
      g_assert_true (finished.finished);
      g_assert_true (finished.success == c->success);
      assert_call_event (&rig, call, apis[a] == AUTHSIM_API_GET_SETTING ? "getSetting"
                                                                       : "openSetting");
      outcome = assert_outcome (&rig, call, c->success, finished.payload);
      test_assert_json_equal_str (c->expected, finished.payload, "$");
      if (c->success && c->container == 0)
        {
          g_autoptr(JsonNode) expected = test_parse (c->expected);
          g_autofree char *setting =
            json_to_string (json_object_get_member (json_node_get_object (expected),
                                                    "authSetting"), FALSE);

          assert_auth_setting (&rig, setting);
        }
      g_clear_pointer (&finished.payload, json_node_unref);
    }
}

/* my.openSetting: the page opens over the preview (onHide), calls wait meanwhile, switching a
 * key off revokes it at once, leaving (onShow) answers with the state after the changes, and
 * the waiting call runs. */
static void
test_open_setting (void)
{
  g_auto(Rig) rig = { 0 };
  g_autoptr(JsonNode) params = test_parse ("{\"scopes\": \"auth_base\"}");
  g_autoptr(GError) error = NULL;
  Finished finished = { 0 };
  guint call, waiting;

  rig_init (&rig, NULL);
  run_taps (&rig, "userInfo:allow phoneNumber:allow");
  g_signal_connect (rig.engine, "call-finished", G_CALLBACK (call_finished_cb), &finished);

  call = authsim_engine_call_api (rig.engine, AUTHSIM_API_OPEN_SETTING, NULL,
                                  AUTHSIM_TRIGGER_TAP, 0);
  g_assert_true (authsim_engine_get_settings_open (rig.engine));
  g_assert_true (has_lifecycle_after (&rig, call, "settingsOpen", "onHide"));
  g_assert_false (finished.finished);

  /* A call made meanwhile waits behind the page. */
  waiting = authsim_engine_call (rig.engine, params, AUTHSIM_TRIGGER_TAP, 0);
  g_assert_cmpuint (authsim_engine_get_pending (rig.engine), ==, 1);
  g_assert_false (has_event (&rig, waiting, "callback", "success"));

  /* Off at once; the page cannot be opened twice. */
  g_assert_true (authsim_engine_set_setting (rig.engine, "userInfo", FALSE, &error));
  g_assert_no_error (error);
  assert_auth_setting (&rig, "{\"userInfo\": false, \"phoneNumber\": true}");
  g_assert_false (authsim_engine_open_settings (rig.engine, &error));
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_FAILED);
  g_clear_error (&error);

  g_assert_true (authsim_engine_close_settings (rig.engine, &error));
  g_assert_no_error (error);
  g_assert_false (authsim_engine_get_settings_open (rig.engine));
  g_assert_true (finished.finished);
  test_assert_json_equal_str ("{\"authSetting\": {\"userInfo\": false, \"phoneNumber\": true}}",
                              finished.payload, "$");
  g_assert_true (has_lifecycle_after (&rig, call, "settingsClose", "onShow"));
  g_assert_true (has_event (&rig, waiting, "callback", "success"));
  g_assert_cmpuint (authsim_engine_get_pending (rig.engine), ==, 0);

  g_assert_false (authsim_engine_close_settings (rig.engine, &error));
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_FAILED);
  g_clear_pointer (&finished.payload, json_node_unref);
}

/* Switched off: the next getOpenUserInfo gives 40003, getPhoneNumber an encrypted 40003, the
 * next button tap shows the popup again. On: the popup, and only Allow turns it on. */
static void
test_switches (void)
{
  g_auto(Rig) rig = { 0 };
  g_autoptr(JsonNode) scope = test_parse ("\"userInfo\"");
  g_autoptr(GError) error = NULL;
  g_autofree char *info = NULL;
  g_autofree char *phone = NULL;
  guint call;

  rig_init (&rig, NULL);
  run_taps (&rig, "userInfo:allow phoneNumber:allow");
  g_assert_true (authsim_engine_open_settings (rig.engine, &error));

  /* Only the keys asked for have switches. */
  g_assert_false (authsim_engine_set_setting (rig.engine, "location", FALSE, &error));
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (authsim_engine_set_setting (rig.engine, "userInfo", FALSE, NULL));
  g_assert_true (authsim_engine_set_setting (rig.engine, "phoneNumber", FALSE, NULL));
  g_assert_true (has_grant_event (&rig, "refused", "userInfo", "settings"));
  g_assert_null (authsim_engine_get_request (rig.engine));
  g_assert_true (authsim_engine_close_settings (rig.engine, NULL));

  call = authsim_engine_call_api (rig.engine, AUTHSIM_API_GET_OPEN_USER_INFO, NULL,
                                  AUTHSIM_TRIGGER_TAP, 0);
  info = success_response (&rig, call);
  g_assert_nonnull (strstr (info, "\"code\":\"40003\""));
  call = authsim_engine_call_api (rig.engine, AUTHSIM_API_GET_PHONE_NUMBER, NULL,
                                  AUTHSIM_TRIGGER_TAP, 0);
  phone = success_plaintext (&rig, call);
  g_assert_cmpstr (phone, ==, PHONE_40003);
  authsim_engine_tap_authorize (rig.engine, scope);
  g_assert_nonnull (authsim_engine_get_request (rig.engine));
  answer_popups (&rig, "close", "userInfo");

  /* On again, from the page: Reject and Close leave it off, Allow turns it on. */
  g_assert_true (authsim_engine_open_settings (rig.engine, NULL));
  for (guint i = 0; i < 3; i++)
    {
      const char *answers[] = { "reject", "close", "allow" };
      guint n_before = g_list_model_get_n_items (G_LIST_MODEL (rig.log));

      g_assert_true (authsim_engine_set_setting (rig.engine, "userInfo", TRUE, &error));
      g_assert_no_error (error);
      /* One popup at a time. */
      g_assert_false (authsim_engine_set_setting (rig.engine, "phoneNumber", TRUE, &error));
      g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_FAILED);
      g_clear_error (&error);
      /* The popup covers the settings page, not the mini program's: no onHide/onShow. */
      answer_popups (&rig, answers[i], "userInfo");
      g_assert_false (has_lifecycle_since (&rig, n_before, "onHide"));
      g_assert_true (authsim_engine_get_settings_open (rig.engine));
      assert_auth_setting (&rig, i < 2 ? "{\"userInfo\": false, \"phoneNumber\": false}"
                                       : "{\"userInfo\": true, \"phoneNumber\": false}");
    }
  g_assert_true (has_grant_event (&rig, "granted", "userInfo", "settings"));
  /* Already on: nothing to do. */
  g_assert_true (authsim_engine_set_setting (rig.engine, "userInfo", TRUE, NULL));
  g_assert_null (authsim_engine_get_request (rig.engine));
  g_assert_true (authsim_engine_close_settings (rig.engine, NULL));
}

/* The 用户信息 row revokes the auth_user grant as §5 does (its tokens too), and leaves the
 * userInfo and phoneNumber switches as they were. */
static void
test_revoke_user_info (void)
{
  g_auto(Rig) rig = { 0 };
  g_autoptr(JsonNode) params = test_parse ("{\"scopes\": \"auth_user\"}");
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimToken) token = NULL;
  g_autoptr(AuthsimToken) gone = NULL;
  g_autoptr(AuthsimCode) code = NULL;
  g_autofree char *issued = NULL;
  Finished finished = { 0 };

  rig_init (&rig, NULL);
  authsim_profile_set_user_info_fields (authsim_engine_get_profile (rig.engine), NULL);
  g_assert_false (authsim_engine_revoke_user_info (rig.engine, &error));
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (authsim_engine_get_user_info_authorized (rig.engine));

  run_taps (&rig, "phoneNumber:reject userInfo:allow");
  g_signal_connect (rig.engine, "call-finished", G_CALLBACK (call_finished_cb), &finished);
  authsim_store_grant (rig.store, active_user (&rig), TEST_APP_ID,
                       (const char *[]) { "auth_user", NULL });
  authsim_engine_call (rig.engine, params, AUTHSIM_TRIGGER_TAP, 0);
  issued = g_strdup (json_object_get_string_member (json_node_get_object (finished.payload),
                                                    "authCode"));
  code = authsim_store_redeem_code (rig.store, issued, TEST_APP_ID, &error);
  g_assert_no_error (error);
  token = authsim_store_issue_token (rig.store, code);
  g_assert_true (authsim_engine_get_user_info_authorized (rig.engine));

  g_assert_true (authsim_engine_revoke_user_info (rig.engine, &error));
  g_assert_no_error (error);
  g_assert_false (authsim_engine_get_user_info_authorized (rig.engine));
  gone = authsim_store_lookup_access_token (rig.store, token->access_token, &error);
  g_assert_null (gone);
  g_assert_error (error, AUTHSIM_STORE_ERROR, AUTHSIM_STORE_ERROR_TOKEN_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (authsim_store_get_scope_state (rig.store, active_user (&rig), TEST_APP_ID,
                                                  "auth_user"), ==, AUTHSIM_SCOPE_STATE_NONE);
  assert_auth_setting (&rig, "{\"phoneNumber\": false, \"userInfo\": true}");
  g_assert_true (has_grant_event (&rig, "revoked", "auth_user", "settings"));
  g_clear_pointer (&finished.payload, json_node_unref);
}

/* "auth-setting" and "user-info-authorized" follow the store, whoever changes it (the Grants
 * tab, a scenario, another user), notifying real changes only. */
static void
test_auth_setting_property (void)
{
  g_auto(Rig) rig = { 0 };
  guint notified = 0;

  rig_init (&rig, NULL);
  g_signal_connect_swapped (rig.engine, "notify::auth-setting", G_CALLBACK (count_cb),
                            &notified);
  assert_auth_setting (&rig, "{}");

  authsim_store_grant (rig.store, active_user (&rig), TEST_APP_ID,
                       (const char *[]) { "userInfo", NULL });
  assert_auth_setting (&rig, "{\"userInfo\": true}");
  g_assert_cmpuint (notified, ==, 1);
  authsim_store_grant (rig.store, active_user (&rig), TEST_APP_ID,
                       (const char *[]) { "auth_user", NULL });
  g_assert_cmpuint (notified, ==, 1);
  g_assert_true (authsim_engine_get_user_info_authorized (rig.engine));

  g_assert_true (authsim_engine_set_active_user_id (rig.engine, NO_MOBILE, NULL));
  assert_auth_setting (&rig, "{}");
  g_assert_false (authsim_engine_get_user_info_authorized (rig.engine));
  g_assert_true (authsim_engine_set_active_user_id (rig.engine, USER_1, NULL));
  assert_auth_setting (&rig, "{\"userInfo\": true}");

  /* The host's in plugin context. */
  authsim_engine_set_container (rig.engine, AUTHSIM_CONTAINER_PLUGIN);
  assert_auth_setting (&rig, "{}");
  authsim_engine_set_container (rig.engine, AUTHSIM_CONTAINER_MINI_PROGRAM);

  g_assert_true (authsim_engine_revoke (rig.engine, USER_1, TEST_APP_ID));
  assert_auth_setting (&rig, "{}");
}

/* The relaunch drops a waiting my.openSetting with the page; the page does not open under a
 * popup. */
static void
test_settings_relaunch (void)
{
  g_auto(Rig) rig = { 0 };
  g_autoptr(JsonNode) scope = test_parse ("\"userInfo\"");
  g_autoptr(GError) error = NULL;
  guint call;

  rig_init (&rig, NULL);
  /* Not under a popup: it is modal for the preview. */
  authsim_engine_tap_authorize (rig.engine, scope);
  g_assert_false (authsim_engine_open_settings (rig.engine, &error));
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_FAILED);
  answer_popups (&rig, "close", "userInfo");

  call = authsim_engine_call_api (rig.engine, AUTHSIM_API_OPEN_SETTING, NULL,
                                  AUTHSIM_TRIGGER_TAP, 0);
  g_assert_true (authsim_engine_get_settings_open (rig.engine));
  authsim_engine_launch (rig.engine);
  g_assert_false (authsim_engine_get_settings_open (rig.engine));
  g_assert_false (has_event (&rig, call, "callback", "complete"));
  g_assert_true (has_error_event (&rig, "dropped"));
}

/* ------------------------------------------------------------------------------------------
 * The page after my.getOpenUserInfo, and the D-Bus form
 * ------------------------------------------------------------------------------------------ */

static void
test_page_info (void)
{
  g_auto(Rig) rig = { 0 };
  g_autoptr(GError) error = NULL;

  rig_init (&rig, NULL);
  g_assert_null (authsim_engine_get_page_nickname (rig.engine));

  g_assert_true (authsim_engine_tap (rig.engine, "Avatar", &error));
  answer_popups (&rig, "allow", "userInfo");
  g_assert_cmpstr (authsim_engine_get_page_nickname (rig.engine), ==, "阿伟");
  g_assert_cmpstr (authsim_engine_get_page_avatar (rig.engine), ==,
                   "https://example.com/avatars/zhangwei.png");
  g_assert_cmpstr (authsim_engine_get_page_avatar_image (rig.engine), ==,
                   "resource:///io/github/authsim/AuthSim/data/avatars/zhangwei.svg");

  /* Another page does not show it; back again, it does; a relaunch forgets it. */
  g_assert_true (authsim_engine_navigate (rig.engine, "pages/b", NULL));
  g_assert_null (authsim_engine_get_page_nickname (rig.engine));
  g_assert_true (authsim_engine_navigate_back (rig.engine, NULL));
  g_assert_cmpstr (authsim_engine_get_page_nickname (rig.engine), ==, "阿伟");
  authsim_engine_launch (rig.engine);
  g_assert_null (authsim_engine_get_page_nickname (rig.engine));
  g_assert_null (authsim_engine_get_page_avatar (rig.engine));
  g_assert_null (authsim_engine_get_page_avatar_image (rig.engine));
}

static void
test_call_json_api (void)
{
  g_auto(Rig) rig = { 0 };
  g_autoptr(GError) error = NULL;
  guint call;

  rig_init (&rig, NULL);
  call = authsim_engine_call_json (rig.engine, "{\"api\": \"getSetting\"}", &error);
  g_assert_no_error (error);
  g_assert_true (has_event (&rig, call, "callback", "success"));
  assert_call_event (&rig, call, "getSetting");

  call = authsim_engine_call_json (rig.engine, "{\"params\": {}}", &error);
  g_assert_no_error (error);
  assert_call_event (&rig, call, "getAuthCode");

  g_assert_cmpuint (authsim_engine_call_json (rig.engine, "{\"api\": \"getAuthorize\"}", &error),
                    ==, 0);
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "$.api: expected \"getAuthCode\", \"getOpenUserInfo\", "
                   "\"getPhoneNumber\", \"getSetting\" or \"openSetting\", got getAuthorize");
  g_clear_error (&error);
  g_assert_cmpuint (authsim_engine_call_json (rig.engine, "{\"api\": 1}", &error), ==, 0);
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID);
}

/* The demo: "Show my avatar" → getOpenUserInfo 10000; "Welcome back" calls it on load, 40003
 * until granted. */
static void
test_demo_profile (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = NULL;
  g_autoptr(GError) error = NULL;
  Rig rig = { log, NULL, NULL, NULL };
  guint first;

  g_setenv ("LANGUAGE", "en", TRUE);
  engine = test_engine_new_with (NULL, NULL, log);
  g_unsetenv ("LANGUAGE");
  rig.engine = engine;
  authsim_engine_launch (engine);

  g_assert_true (authsim_engine_navigate (engine, "pages/account/account", NULL));
  first = g_list_model_get_n_items (G_LIST_MODEL (log));
  g_assert_true (authsim_engine_navigate (engine, "pages/welcome/welcome", NULL));
  g_assert_true (response_since_contains (&rig, first, "\"code\":\"40003\""));
  g_assert_true (authsim_engine_navigate_back (engine, NULL));

  g_assert_true (authsim_engine_tap (engine, "Show my avatar", &error));
  g_assert_no_error (error);
  g_assert_true (authsim_engine_respond (engine, AUTHSIM_DECISION_ALLOW,
                                         AUTHSIM_ANSWER_SOURCE_API, NULL));
  g_assert_cmpstr (authsim_engine_get_page_nickname (engine), ==, "阿伟");

  first = g_list_model_get_n_items (G_LIST_MODEL (log));
  g_assert_true (authsim_engine_navigate (engine, "pages/welcome/welcome", NULL));
  g_assert_true (response_since_contains (&rig, first, "\"code\":\"10000\""));
  g_assert_cmpstr (authsim_engine_get_page_nickname (engine), ==, "阿伟");
  rig.engine = NULL;
  rig.log = NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (tap_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/authsim/consent/tap/%s", tap_cases[i].name);
      g_test_add_data_func (path, &tap_cases[i], test_tap_case);
    }
  g_test_add_func ("/authsim/consent/tap/page-button", test_tap_page_button);
  g_test_add_func ("/authsim/consent/tap/lifecycle", test_tap_lifecycle);

  for (guint i = 0; i < G_N_ELEMENTS (user_info_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/authsim/consent/user-info/%s",
                                               user_info_cases[i].name);
      g_test_add_data_func (path, &user_info_cases[i], test_user_info_case);
    }
  g_test_add_func ("/authsim/consent/user-info/exact-text", test_user_info_exact_text);
  g_test_add_func ("/authsim/consent/user-info/missing-values", test_user_info_missing_values);
  g_test_add_func ("/authsim/consent/user-info/grant-scope", test_user_info_grant_scope);

  for (guint i = 0; i < G_N_ELEMENTS (phone_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/authsim/consent/phone-number/%s",
                                               phone_cases[i].name);
      g_test_add_data_func (path, &phone_cases[i], test_phone_case);
    }

  for (guint i = 0; i < G_N_ELEMENTS (setting_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/authsim/consent/setting/%s",
                                               setting_cases[i].name);
      g_test_add_data_func (path, &setting_cases[i], test_setting_case);
    }
  g_test_add_func ("/authsim/consent/settings/open-setting", test_open_setting);
  g_test_add_func ("/authsim/consent/settings/switches", test_switches);
  g_test_add_func ("/authsim/consent/settings/revoke-user-info", test_revoke_user_info);
  g_test_add_func ("/authsim/consent/settings/auth-setting-property", test_auth_setting_property);
  g_test_add_func ("/authsim/consent/settings/relaunch", test_settings_relaunch);

  g_test_add_func ("/authsim/consent/page-info", test_page_info);
  g_test_add_func ("/authsim/consent/call-json-api", test_call_json_api);
  g_test_add_func ("/authsim/consent/demo-profile", test_demo_profile);

  return g_test_run ();
}
