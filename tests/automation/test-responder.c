/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-responder.c: the one owner of automatic answers: scripted answers before the standing
 * answer, in order, one per popup; clearing; the D-Bus respond; the source each decision
 * event records. */
#include "config.h"

#include "authsim-responder.h"
#include "test-utils.h"

typedef struct
{
  AuthsimLog       *log;
  AuthsimEngine    *engine;
  AuthsimResponder *responder;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(AuthsimProfile) profile = authsim_profile_new_default ();
  g_autoptr(GListModel) users = authsim_users_new_default ();
  g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);

  f->log = authsim_log_new ();
  f->engine = authsim_engine_new (profile, users, store, f->log);
  f->responder = authsim_responder_new (f->engine);
  authsim_engine_launch (f->engine);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->responder);
  g_clear_object (&f->engine);
  g_clear_object (&f->log);
}

/* Makes a tap call asking for @scopes (a JSON value). */
static void
call (Fixture    *f,
      const char *scopes)
{
  g_autofree char *json = g_strdup_printf ("{\"scopes\": %s}", scopes);
  g_autoptr(JsonNode) params = test_parse (json);

  authsim_engine_call (f->engine, params, AUTHSIM_TRIGGER_TAP, AUTHSIM_CONTAINER_MINI_PROGRAM);
}

static gboolean
popup_open (Fixture *f)
{
  AuthsimRequest *request = authsim_engine_get_request (f->engine);

  return request != NULL && !authsim_request_get_answered (request);
}

/* Runs the main loop until nothing is pending (a few iterations more than needed). */
static void
settle (void)
{
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
}

/* The decision events of the log, as "decision/source", in order (transfer full). */
static GStrv
decisions (Fixture *f)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (f->log)); i++)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (G_LIST_MODEL (f->log), i);
      JsonObject *object = authsim_event_get_object (event);

      g_autofree char *text = NULL;

      if (g_strcmp0 (authsim_event_get_kind (event), "decision") != 0)
        continue;
      text = g_strdup_printf ("%s/%s", json_object_get_string_member (object, "decision"),
                              json_object_get_string_member (object, "source"));
      g_strv_builder_add (builder, text);
    }
  return g_strv_builder_end (builder);
}

static void
assert_decisions (Fixture            *f,
                  const char * const *expected)
{
  g_auto(GStrv) got = decisions (f);
  g_autofree char *got_text = g_strjoinv (", ", got);
  g_autofree char *expected_text = g_strjoinv (", ", (char **) expected);

  g_assert_cmpstr (got_text, ==, expected_text);
}

/* A scripted answer wins over the standing answer; the standing one answers the next popup. */
static void
test_scripted_before_standing (Fixture       *f,
                               gconstpointer  data)
{
  const char * const expected[] = { "allow/scenario", "reject/standing", NULL };

  authsim_responder_set_standing_answer (f->responder, AUTHSIM_DECISION_REJECT);
  authsim_responder_push_scripted (f->responder, AUTHSIM_DECISION_ALLOW);

  call (f, "\"auth_user\"");
  test_wait_until (!popup_open (f) && authsim_engine_get_pending (f->engine) == 0);
  call (f, "\"order_service\"");
  test_wait_until (!popup_open (f) && authsim_engine_get_pending (f->engine) == 0);
  settle ();

  assert_decisions (f, expected);
}

/* Scripted answers go one per popup, in the order they were queued, to popups that open one
 * after the other (the second call waits behind the first popup). */
static void
test_scripted_in_order (Fixture       *f,
                        gconstpointer  data)
{
  const char * const expected[] = { "reject/scenario", "close/scenario", NULL };

  authsim_responder_push_scripted (f->responder, AUTHSIM_DECISION_REJECT);
  authsim_responder_push_scripted (f->responder, AUTHSIM_DECISION_CLOSE);
  call (f, "\"auth_user\"");
  call (f, "\"auth_user\"");
  g_assert_cmpuint (authsim_engine_get_pending (f->engine), ==, 1);

  test_wait_until (!popup_open (f) && authsim_engine_get_pending (f->engine) == 0);
  settle ();
  assert_decisions (f, expected);

  /* The queue is empty now: the next popup waits for someone. */
  call (f, "\"auth_user\"");
  settle ();
  g_assert_true (popup_open (f));
}

/* The standing answer applies to a popup already open, and clearing it leaves popups open. */
static void
test_standing_set_and_clear (Fixture       *f,
                             gconstpointer  data)
{
  const char * const expected[] = { "close/standing", NULL };

  call (f, "\"auth_user\"");
  settle ();
  g_assert_true (popup_open (f));

  authsim_responder_set_standing_answer (f->responder, AUTHSIM_DECISION_CLOSE);
  test_wait_until (!popup_open (f));

  authsim_responder_set_standing_answer (f->responder, -1);
  call (f, "\"auth_user\"");
  settle ();
  g_assert_true (popup_open (f));
  assert_decisions (f, expected);

  /* Cleared before its idle ran: nothing is answered either. */
  authsim_responder_set_standing_answer (f->responder, AUTHSIM_DECISION_ALLOW);
  authsim_responder_set_standing_answer (f->responder, -1);
  settle ();
  g_assert_true (popup_open (f));
  assert_decisions (f, expected);
}

/* Dropped scripted answers answer nothing; the standing answer takes over. */
static void
test_clear_scripted (Fixture       *f,
                     gconstpointer  data)
{
  const char * const expected[] = { "reject/standing", NULL };

  authsim_responder_push_scripted (f->responder, AUTHSIM_DECISION_ALLOW);
  authsim_responder_clear_scripted (f->responder);
  call (f, "\"auth_user\"");
  settle ();
  g_assert_true (popup_open (f));

  authsim_responder_push_scripted (f->responder, AUTHSIM_DECISION_ALLOW);
  authsim_responder_set_standing_answer (f->responder, AUTHSIM_DECISION_REJECT);
  authsim_responder_clear_scripted (f->responder);
  test_wait_until (!popup_open (f));
  settle ();
  assert_decisions (f, expected);
}

/* Whoever answers first wins: a scripted answer whose popup a person answered first waits
 * for the next popup. */
static void
test_person_first (Fixture       *f,
                   gconstpointer  data)
{
  const char * const first[] = { "reject/ui", NULL };
  const char * const expected[] = { "reject/ui", "close/scenario", NULL };
  g_autoptr(GError) error = NULL;

  call (f, "\"auth_user\"");
  authsim_responder_push_scripted (f->responder, AUTHSIM_DECISION_CLOSE);
  g_assert_true (authsim_engine_respond (f->engine, AUTHSIM_DECISION_REJECT,
                                         AUTHSIM_ANSWER_SOURCE_UI, &error));
  g_assert_no_error (error);
  settle ();
  assert_decisions (f, first);

  call (f, "\"auth_user\"");
  test_wait_until (!popup_open (f));
  settle ();
  assert_decisions (f, expected);
}

/* The D-Bus respond answers now, with source "dbus"; with no popup it fails and logs
 * nothing. */
static void
test_respond (Fixture       *f,
              gconstpointer  data)
{
  const char * const expected[] = { "allow/dbus", NULL };
  g_autoptr(GError) error = NULL;

  g_assert_false (authsim_responder_respond (f->responder, AUTHSIM_DECISION_ALLOW, &error));
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_NO_REQUEST);
  g_clear_error (&error);

  call (f, "\"auth_user\"");
  g_assert_true (authsim_responder_respond (f->responder, AUTHSIM_DECISION_ALLOW, &error));
  g_assert_no_error (error);
  g_assert_false (popup_open (f));
  assert_decisions (f, expected);
}

/* An automatic answer comes after the popup's own events: open, then onHide, then the
 * decision. */
static void
test_answer_after_open (Fixture       *f,
                        gconstpointer  data)
{
  const char *kinds[3] = { NULL };
  guint n = 0;
  gboolean seen_open = FALSE;

  authsim_responder_set_standing_answer (f->responder, AUTHSIM_DECISION_REJECT);
  call (f, "\"auth_user\"");
  g_assert_true (popup_open (f));   /* not inside the engine's notify */
  test_wait_until (!popup_open (f));

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (f->log)) && n < 3; i++)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (G_LIST_MODEL (f->log), i);
      JsonObject *object = authsim_event_get_object (event);

      if (g_strcmp0 (authsim_event_get_kind (event), "popup") == 0 &&
          g_strcmp0 (json_object_get_string_member (object, "event"), "open") == 0)
        seen_open = TRUE;
      if (seen_open)
        kinds[n++] = g_intern_string (authsim_event_get_kind (event));
    }
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpstr (kinds[0], ==, "popup");
  g_assert_cmpstr (kinds[1], ==, "lifecycle");
  g_assert_cmpstr (kinds[2], ==, "decision");
}

/* Every kind of popup goes the one way: a getAuthorize button's, a settings switch's, and
 * getAuthCode's behind them, in order; the decisions carry the scope of theirs. */
static void
test_every_popup (Fixture       *f,
                  gconstpointer  data)
{
  const char * const expected[] = {
    "allow/scenario", "allow/standing", "reject/standing", "allow/dbus", NULL
  };
  g_autoptr(JsonNode) scope = test_parse ("\"userInfo\"");
  g_autoptr(GError) error = NULL;

  authsim_responder_push_scripted (f->responder, AUTHSIM_DECISION_ALLOW);
  authsim_responder_set_standing_answer (f->responder, AUTHSIM_DECISION_ALLOW);
  authsim_engine_tap_authorize (f->engine, scope);
  call (f, "\"auth_user\"");
  test_wait_until (!popup_open (f) && authsim_engine_get_pending (f->engine) == 0);

  /* A switch turned on asks again; the standing answer answers it too. */
  authsim_responder_set_standing_answer (f->responder, AUTHSIM_DECISION_REJECT);
  g_assert_true (authsim_engine_open_settings (f->engine, &error));
  g_assert_true (authsim_engine_set_setting (f->engine, "userInfo", FALSE, &error));
  g_assert_true (authsim_engine_set_setting (f->engine, "userInfo", TRUE, &error));
  g_assert_no_error (error);
  test_wait_until (!popup_open (f));
  authsim_responder_set_standing_answer (f->responder, -1);
  g_assert_true (authsim_engine_set_setting (f->engine, "userInfo", TRUE, &error));
  settle ();
  g_assert_true (popup_open (f));
  g_assert_cmpstr (authsim_request_get_scope (authsim_engine_get_request (f->engine)), ==,
                   "userInfo");
  g_assert_true (authsim_responder_respond (f->responder, AUTHSIM_DECISION_ALLOW, &error));
  g_assert_no_error (error);
  settle ();

  assert_decisions (f, expected);
  g_assert_true (json_object_get_boolean_member (authsim_engine_get_auth_setting (f->engine),
                                                 "userInfo"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add ("/authsim/responder/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("scripted-before-standing", test_scripted_before_standing);
  ADD ("scripted-in-order", test_scripted_in_order);
  ADD ("standing-set-and-clear", test_standing_set_and_clear);
  ADD ("clear-scripted", test_clear_scripted);
  ADD ("person-first", test_person_first);
  ADD ("respond", test_respond);
  ADD ("answer-after-open", test_answer_after_open);
  ADD ("every-popup", test_every_popup);

#undef ADD

  return g_test_run ();
}
