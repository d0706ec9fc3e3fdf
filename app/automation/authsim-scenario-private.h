/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-scenario-private.h: the step model of a scenario and what its files share.
 *
 * AuthsimScenario spans several files:
 *   authsim-scenario.c           the object: construction, accessors, signals
 *   authsim-scenario-parser.c    JSON → steps, with the scenario's error messages
 *   authsim-scenario-expect.c    judging an expect step against the log; JSON comparisons
 *   authsim-scenario-runner.c    running the steps on an engine, event-driven
 *   authsim-scenario-exchange.c  the OpenAPI client of exchange steps (signing included)
 *   authsim-scenario-recorder.c  a session's log → scenario JSON
 * Scenario output (step descriptions, failure details) is not translated: it is read by
 * scripts, like the log.
 */
#pragma once

#include "authsim-json.h"
#include "authsim-scenario.h"

G_BEGIN_DECLS

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
  STEP_TAP_AUTHORIZE,
  STEP_SET_SETTING,
  STEP_OPEN_SETTINGS,
  STEP_CLOSE_SETTINGS,
  STEP_REVOKE_USER_INFO,
  STEP_SERVICE_BUSY,
} StepKind;

/* What an expect step checks of one kind of event: -1 nothing, 0 none of it since the last
 * action step, 1 the next one. */
typedef enum
{
  EXPECT_UNCHECKED = -1,
  EXPECT_NONE = 0,
  EXPECT_ONE = 1,
} ExpectCount;

/* The callback an expect step waits for. */
typedef enum
{
  EXPECT_CALLBACK_NONE = -1,
  EXPECT_CALLBACK_SUCCESS = 0,
  EXPECT_CALLBACK_FAIL = 1,
  EXPECT_CALLBACK_ANY = 2,   /* only the payload is checked */
  EXPECT_CALLBACK_ON_GET_AUTHORIZE = 3,  /* a getAuthorize button's callbacks (SPEC §10.2) */
  EXPECT_CALLBACK_ON_ERROR = 4,
} ExpectCallback;

/* Whether @callback is a getAuthorize button's, not a JSAPI's success/fail. */
#define EXPECT_CALLBACK_IS_BUTTON(callback) \
  ((callback) == EXPECT_CALLBACK_ON_GET_AUTHORIZE || (callback) == EXPECT_CALLBACK_ON_ERROR)

/* One parsed step. Which members apply depends on @kind. */
typedef struct
{
  StepKind        kind;
  char           *description;  /* one line: the verb and its value */
  guint           timeout_ms;

  char           *text;         /* navigate path, setUser/revoke/grant userId, tap label,
                                 * relaunch page, exchange code, setSetting scope */
  char           *app_id;       /* revoke, grant, exchange */
  GStrv           scopes;       /* grant */
  JsonNode       *params;       /* call: the parameter value as written; tapAuthorize: the
                                 * scope as written (NULL: missing) */
  char           *params_json;  /* call: its text as written (minified), NULL if unknown */
  int             api;          /* call: AuthsimApi */
  int             trigger;      /* call: AuthsimTrigger */
  int             container;    /* call: AuthsimContainer, -1 for the engine's current one */
  int             value;        /* answer: decision; firstScreenRule: rule; networkFault,
                                 * serviceBusy, setSetting: bool */
  gint64          seconds;      /* advanceClock */

  /* expect */
  ExpectCallback  callback;
  gboolean        has_error;
  gint64          error;
  JsonObject     *payload;      /* expect payload / exchange expect (a subset) */
  JsonObject     *plaintext;    /* expect: getPhoneNumber's content before encryption (a subset) */
  JsonObject     *popup_fields; /* expect popup: fields of the popup event (a subset) */
  ExpectCount     toast;
  ExpectCount     popup;
  ExpectCount     violation;
  char           *rule;         /* the violation rule when violation is EXPECT_ONE */
} Step;

void      authsim_scenario_step_free        (Step            *step);

struct _AuthsimScenario
{
  GObject    parent_instance;

  char      *name;
  char      *description;
  char      *profile;
  char      *users;
  int        first_screen_rule;
  GPtrArray *steps;      /* Step */
  gboolean   running;
};

/* Parser: fills @self from the document (authsim-scenario-parser.c). */
gboolean  authsim_scenario_parse            (AuthsimScenario          *self,
                                             const AuthsimJsonLoader  *loader,
                                             const char               *data,
                                             gssize                    length,
                                             GError                  **error);

/* Signals, emitted by the runner (authsim-scenario.c). */
void      authsim_scenario_emit_step_started  (AuthsimScenario *self,
                                               guint            index);
void      authsim_scenario_emit_step_finished (AuthsimScenario *self,
                                               guint            index,
                                               gboolean         ok,
                                               const char      *detail);

/* JSON values in scenario output (authsim-scenario-expect.c). */

/* (nullable) @node: a number of either representation. */
gboolean  authsim_scenario_is_number        (JsonNode   *node);
/* (nullable) @node as compact JSON, "null" for NULL. */
char     *authsim_scenario_to_compact       (JsonNode   *node);
/* (nullable) @node as an error message quotes it: compact JSON shortened to 60 characters. */
char     *authsim_scenario_describe_value   (JsonNode   *node);
/* Parsed-JSON equality; numbers compare by value whatever their representation. */
gboolean  authsim_scenario_values_equal     (JsonNode   *a,
                                             JsonNode   *b);
/* Whether @actual (nullable) holds every member of @expected with an equal value. "*" means
 * "present" (for authCode: present and 32 characters [0-9a-zA-Z]). An expected object matches
 * a JSON string by its parsed content, as a subset at every level (my.getOpenUserInfo's
 * {"response": "{\"response\":{…}}"}). On a mismatch FALSE with a one-line @reason naming the
 * member after @prefix. */
gboolean  authsim_scenario_object_matches   (JsonObject  *expected,
                                             JsonObject  *actual,
                                             const char  *prefix,
                                             char       **reason);

/* The log as expectations and the recorder read it (authsim-scenario-expect.c). */

typedef gboolean (*AuthsimEventMatch) (JsonObject *event,
                                       gpointer    data);

/* (transfer full) (nullable): the first event after the seq @after that @match accepts. */
AuthsimEvent *authsim_scenario_find_event   (AuthsimLog        *log,
                                             guint64            after,
                                             AuthsimEventMatch  match,
                                             gpointer           data);
/* The seq of the last event, 0 for an empty log. */
guint64   authsim_scenario_log_last_seq     (AuthsimLog  *log);
/* @data is the kind. */
gboolean  authsim_scenario_match_kind       (JsonObject  *event,
                                             gpointer     data);
gboolean  authsim_scenario_match_popup_open (JsonObject  *event,
                                             gpointer     data);
/* A success or fail callback. */
gboolean  authsim_scenario_match_outcome    (JsonObject  *event,
                                             gpointer     data);
/* A getAuthorize button's onGetAuthorize or onError callback. */
gboolean  authsim_scenario_match_button     (JsonObject  *event,
                                             gpointer     data);
/* The event's call id, 0 when it has none. */
gint64    authsim_scenario_event_call       (JsonObject  *event);
/* (nullable): the event's payload object. */
JsonObject *authsim_scenario_event_payload  (AuthsimEvent *event);

/* Where an expect step has got to: the seq of the last event each expectation consumed,
 * and the last authCode seen (for exchange steps). Owned by the runner. */
typedef struct
{
  guint64  start;      /* the log's end when the run started */
  guint64  action;     /* the log's end when the last action step ran */
  guint64  callback;
  guint64  toast;
  guint64  violation;
  guint64  popup;
  guint64  button;     /* button callbacks (onGetAuthorize, onError) */
  char    *last_code;
} ExpectCursors;

typedef enum
{
  CHECK_PENDING,
  CHECK_OK,
  CHECK_FAIL,
} Check;

/*
 * Evaluates an expect step against @log (and @engine's open popup), consuming what it matched
 * only when it holds. CHECK_PENDING sets @pending to what it still waits for (static);
 * CHECK_FAIL sets @detail (transfer full) to why it failed.
 */
Check     authsim_scenario_check_expect     (const Step     *step,
                                             AuthsimLog     *log,
                                             AuthsimEngine  *engine,
                                             ExpectCursors  *cursors,
                                             const char    **pending,
                                             char          **detail);

/* The exchange client (authsim-scenario-exchange.c): alipay.system.oauth.token, signed as the
 * app with @keys, against the gateway at a URL; with @certs (nullable), as an SDK configured in
 * certificate mode does (SPEC §13.2). */
typedef struct _AuthsimScenarioExchange AuthsimScenarioExchange;

AuthsimScenarioExchange *
          authsim_scenario_exchange_new     (AuthsimKeys             *keys,
                                             AuthsimCerts            *certs);
void      authsim_scenario_exchange_free    (AuthsimScenarioExchange *exchange);
/* Sends the request for @code of @app_id to @url; @callback gets the exchange's session as
 * source. FALSE with @detail (transfer full) when it cannot be sent: @callback is not called. */
gboolean  authsim_scenario_exchange_send    (AuthsimScenarioExchange  *exchange,
                                             const char               *url,
                                             const char               *app_id,
                                             const char               *code,
                                             GCancellable             *cancellable,
                                             GAsyncReadyCallback       callback,
                                             gpointer                  user_data,
                                             char                    **detail);
/* Judges the gateway's answer: TRUE when it is signed by the gateway and matches @expect
 * (nullable: then it must be a success); else FALSE with @detail (transfer full). */
gboolean  authsim_scenario_exchange_finish  (AuthsimScenarioExchange  *exchange,
                                             GAsyncResult             *result,
                                             JsonObject               *expect,
                                             char                    **detail);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AuthsimScenarioExchange, authsim_scenario_exchange_free)

G_END_DECLS
