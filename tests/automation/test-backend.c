/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-backend.c: start-up from the command line: the gateway's URL is the first event,
 * bad files fall back to the built-ins with a warning, a corrupt state is moved aside. */
#include "config.h"

#include <glib/gstdio.h>

#include "authsim-backend.h"
#include "test-utils.h"

typedef struct
{
  char           *dir;
  AuthsimOptions *options;
  AuthsimBackend *backend;
  gboolean        started;
  GError         *error;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = g_build_filename (g_get_user_data_dir (), "backend-test", NULL);
  g_mkdir_with_parents (f->dir, 0700);
  f->options = authsim_options_new ();
  f->options->data_dir = g_build_filename (f->dir, "data", NULL);
  f->options->log = g_build_filename (f->dir, "log.jsonl", NULL);
  f->options->gateway_port = 0;
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->backend != NULL)
    {
      authsim_backend_shutdown (f->backend);
      g_assert_finalize_object (f->backend);
    }
  g_clear_error (&f->error);
  authsim_options_free (f->options);
  g_free (f->dir);
}

static void
started_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fixture *f = user_data;

  authsim_backend_start_finish (AUTHSIM_BACKEND (source), result, &f->error);
  f->started = TRUE;
}

static void
start (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->backend = authsim_backend_new (f->options, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->backend);
  authsim_backend_start_async (f->backend, NULL, started_cb, f);
  test_wait_until (f->started);
}

/* The lines of the JSON Lines log file, parsed. */
static GPtrArray *
read_log_file (Fixture *f)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);

  g_assert_true (g_file_get_contents (f->options->log, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      g_ptr_array_add (events, test_parse (lines[i]));
  return events;
}

static JsonObject *
event_at (GPtrArray *events,
          guint      i)
{
  g_assert_cmpuint (i, <, events->len);
  return json_node_get_object (g_ptr_array_index (events, i));
}

static void
test_listening_first (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GPtrArray) events = NULL;
  AuthsimGateway *gateway;
  JsonObject *first;
  g_autofree char *expected_url = NULL;
  g_autofree char *private_key = NULL;

  start (f);
  g_assert_no_error (f->error);
  gateway = authsim_backend_get_gateway (f->backend);
  g_assert_nonnull (gateway);
  g_assert_nonnull (authsim_backend_get_keys (f->backend));
  g_assert_cmpuint (authsim_gateway_get_port (gateway), >, 0);
  expected_url = g_strdup_printf ("http://127.0.0.1:%u/gateway.do",
                                  authsim_gateway_get_port (gateway));
  g_assert_cmpstr (authsim_gateway_get_url (gateway), ==, expected_url);

  /* SPEC §6: the URL is the first event of the log; the launch follows. */
  events = read_log_file (f);
  first = event_at (events, 0);
  g_assert_cmpstr (json_object_get_string_member (first, "kind"), ==, "gateway");
  g_assert_cmpstr (json_object_get_string_member (first, "event"), ==, "listening");
  g_assert_cmpstr (json_object_get_string_member (first, "url"), ==, expected_url);
  g_assert_cmpstr (json_object_get_string_member (event_at (events, 1), "kind"), ==, "lifecycle");
  g_assert_cmpstr (json_object_get_string_member (event_at (events, 1), "event"), ==, "onLaunch");
  g_assert_null (authsim_backend_get_warnings (f->backend)[0]);

  /* Keys were made in the data directory. */
  private_key = g_build_filename (f->options->data_dir, "keys", "app-private.pem", NULL);
  g_assert_true (g_file_test (private_key, G_FILE_TEST_IS_REGULAR));
}

static void
test_bad_files_fall_back (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *profile = g_build_filename (f->dir, "broken.json", NULL);
  g_autofree char *users = g_build_filename (f->dir, "users.json", NULL);
  g_autoptr(GPtrArray) events = NULL;
  const char * const *warnings;
  AuthsimEngine *engine;
  gboolean saw_profile = FALSE, saw_users = FALSE;

  g_assert_true (g_file_set_contents (profile, "{\"appId\": \"123\", \"name\": \"x\", "
                                               "\"pages\": []}", -1, NULL));
  g_assert_true (g_file_set_contents (users, "{\"users\": 5}", -1, NULL));
  f->options->profile = g_strdup (profile);
  f->options->users = g_strdup (users);
  f->options->no_gateway = TRUE;
  start (f);

  engine = authsim_backend_get_engine (f->backend);
  g_assert_cmpuint (g_list_model_get_n_items (authsim_engine_get_users (engine)), >=, 3);
  g_assert_cmpstr (authsim_engine_get_page_path (engine), ==,
                   authsim_page_get_path (authsim_profile_get_page (
                     authsim_engine_get_profile (engine), 0)));

  warnings = authsim_backend_get_warnings (f->backend);
  g_assert_cmpuint (g_strv_length ((char **) warnings), ==, 2);
  g_assert_nonnull (strstr (warnings[0], "broken.json"));
  g_assert_nonnull (strstr (warnings[0], "$.appId"));
  g_assert_nonnull (strstr (warnings[1], "users.json"));

  events = read_log_file (f);
  for (guint i = 0; i < events->len; i++)
    {
      JsonObject *event = event_at (events, i);

      if (g_strcmp0 (json_object_get_string_member (event, "kind"), "error") != 0)
        continue;
      saw_profile |= g_str_equal (json_object_get_string_member (event, "source"), "profile");
      saw_users |= g_str_equal (json_object_get_string_member (event, "source"), "users");
    }
  g_assert_true (saw_profile && saw_users);
  g_assert_null (authsim_backend_get_gateway (f->backend));
}

static void
test_corrupt_state (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *state = g_build_filename (f->options->data_dir, "state.json", NULL);
  g_autoptr(GPtrArray) events = NULL;
  const char * const *warnings;
  JsonObject *event;

  g_mkdir_with_parents (f->options->data_dir, 0700);
  g_assert_true (g_file_set_contents (state, "{\"version\": 1, \"grants\": tru", -1, NULL));
  start (f);

  warnings = authsim_backend_get_warnings (f->backend);
  g_assert_nonnull (warnings[0]);
  g_assert_nonnull (strstr (warnings[0], "corrupt"));

  /* Logged, but only after the gateway's URL. */
  events = read_log_file (f);
  g_assert_cmpstr (json_object_get_string_member (event_at (events, 0), "event"), ==,
                   "listening");
  event = event_at (events, 1);
  g_assert_cmpstr (json_object_get_string_member (event, "kind"), ==, "error");
  g_assert_cmpstr (json_object_get_string_member (event, "source"), ==, "state");
}

static void
test_unwritable_log (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *file = g_build_filename (f->dir, "plain-file", NULL);
  g_autoptr(GError) error = NULL;
  AuthsimBackend *backend;

  /* A log path below a regular file cannot be created. */
  g_assert_true (g_file_set_contents (file, "x", -1, NULL));
  g_free (f->options->log);
  f->options->log = g_build_filename (file, "log.jsonl", NULL);

  backend = authsim_backend_new (f->options, &error);
  g_assert_null (backend);
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "log.jsonl"));
}

static void
test_port_in_use (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;
  AuthsimEngine *engine;

  g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error);
  g_assert_no_error (error);
  f->options->gateway_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));

  start (f);
  /* The start reports the failure, but the mini program runs anyway. */
  g_assert_error (f->error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO);
  g_assert_null (authsim_backend_get_gateway (f->backend));
  engine = authsim_backend_get_engine (f->backend);
  g_assert_nonnull (authsim_engine_get_page_path (engine));
  g_assert_nonnull (authsim_backend_get_warnings (f->backend)[0]);
  g_socket_service_stop (service);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/authsim/backend/listening-first", Fixture, NULL,
              fixture_set_up, test_listening_first, fixture_tear_down);
  g_test_add ("/authsim/backend/bad-files-fall-back", Fixture, NULL,
              fixture_set_up, test_bad_files_fall_back, fixture_tear_down);
  g_test_add ("/authsim/backend/corrupt-state", Fixture, NULL,
              fixture_set_up, test_corrupt_state, fixture_tear_down);
  g_test_add ("/authsim/backend/unwritable-log", Fixture, NULL,
              fixture_set_up, test_unwritable_log, fixture_tear_down);
  g_test_add ("/authsim/backend/port-in-use", Fixture, NULL,
              fixture_set_up, test_port_in_use, fixture_tear_down);

  return g_test_run ();
}
