/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gateway-harness: the engine, the keys and the gateway of AuthSim without any UI or D-Bus, for
 * tests/bench/run-gateway-bench (the SDK test drives the real `authsim --headless` instead). It
 * prints
 *
 *   url http://127.0.0.1:PORT/gateway.do
 *   keys DIR
 *   app_id APPID
 *
 * then reads commands, one a line, from stdin:
 *
 *   code SCOPES     makes a my.getAuthCode call (SCOPES comma-separated, e.g. auth_user) the way
 *                   a tap in the mini program would, allows the consent popup if one opens, and
 *                   prints "code AUTHCODE CALL" (or "error PAYLOAD")
 *   token SCOPES    the same, then exchanges the code through the store: "token ACCESS REFRESH"
 *   codes N SCOPES  makes N such calls, one after the other, and prints "codes N" followed by N
 *                   lines "AUTHCODE CALL" once all have succeeded (or only "error PAYLOAD", for
 *                   the first call that failed), for benchmarks that spend one code per request
 *   sign-mode MODE  switches the gateway to MODE, key or cert (SPEC §13; the certificates are
 *                   made in the key directory on first use) and prints "sign-mode key", or
 *                   "sign-mode cert APP_CERT_SN ALIPAY_ROOT_CERT_SN ALIPAY_CERT_SN"
 *   quit            exits
 *
 * Usage: gateway-harness --keys-dir DIR [--state-dir DIR] [--port N] [--address A] [--log FILE]
 *
 * Without --state-dir the store lives in a database in memory; with it, the store keeps
 * state.sqlite3 there as the app does in its data directory (every change committed at once).
 */
#include "config.h"

#include "authsim-crypto.h"

#include <gio/gunixinputstream.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authsim-engine.h"
#include "authsim-gateway.h"
#include "authsim-keys.h"

typedef enum
{
  COMMAND_CODE,
  COMMAND_TOKEN,
  COMMAND_CODES,
} CommandKind;

typedef struct
{
  GMainLoop        *loop;
  AuthsimEngine    *engine;
  AuthsimStore     *store;     /* the engine's, which the gateway is given too */
  AuthsimGateway   *gateway;
  AuthsimKeys      *keys;      /* main owns it */
  GDataInputStream *input;
  GQueue            commands;  /* of char*: waiting while a call is in flight */
  GHashTable       *finished;  /* call → "0"/"1": outcomes seen before the call id was known */
  GHashTable       *payloads;  /* call → JsonObject */
  char             *current;   /* the command being served */
  CommandKind       kind;
  JsonNode         *params;    /* the my.getAuthCode parameter of the current command */
  guint             wanted;    /* codes the current command makes */
  GString          *minted;    /* "AUTHCODE CALL\n" per code made so far (codes N) */
  guint             n_minted;
  guint             call;
  gboolean          calling;   /* make_calls() is running */
  int               status;
} Harness;

static void next_command (Harness *h);

static void
reply (const char *format,
       ...) G_GNUC_PRINTF (1, 2);

static void
reply (const char *format,
       ...)
{
  va_list args;

  va_start (args, format);
  vprintf (format, args);
  va_end (args);
  putchar ('\n');
  fflush (stdout);
}

static void call_done (Harness    *h,
                       guint       call,
                       gboolean    success,
                       JsonObject *payload);
static void make_calls (Harness *h);

static void
call_finished_cb (AuthsimEngine *engine,
                  guint          call,
                  gboolean       success,
                  JsonObject    *payload,
                  Harness       *h)
{
  if (h->current == NULL)
    return;

  /* A call can finish inside authsim_engine_call() (silent scopes, or the popup answered at
   * once): keep the outcome until the call id is known. */
  if (h->call == 0)
    {
      g_hash_table_insert (h->finished, GUINT_TO_POINTER (call),
                           g_strdup_printf ("%d", success));
      g_hash_table_insert (h->payloads, GUINT_TO_POINTER (call), json_object_ref (payload));
      return;
    }
  if (call == h->call)
    call_done (h, call, success, payload);
}

static void
end_command (Harness *h)
{
  g_clear_pointer (&h->current, g_free);
  g_clear_pointer (&h->params, json_node_unref);
  g_string_truncate (h->minted, 0);
  h->call = 0;
  next_command (h);
}

/* The outcome of one of the current command's calls: replies, or (codes N) keeps the code and
 * lets make_calls() make the next call. */
static void
call_done (Harness    *h,
           guint       call,
           gboolean    success,
           JsonObject *payload)
{
  const char *code;

  code = success && json_object_has_member (payload, "authCode")
         ? json_object_get_string_member (payload, "authCode") : NULL;
  if (code == NULL)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      g_autofree char *text = NULL;

      json_node_set_object (node, payload);
      text = json_to_string (node, FALSE);
      reply ("error %s", text);
    }
  else if (h->kind == COMMAND_CODES)
    {
      g_string_append_printf (h->minted, "%s %u\n", code, call);
      h->call = 0;
      if (++h->n_minted < h->wanted)
        {
          make_calls (h);
          return;
        }
      /* All at once: the reader never sees a partial list. */
      printf ("codes %u\n", h->n_minted);
      fwrite (h->minted->str, 1, h->minted->len, stdout);
      fflush (stdout);
    }
  else if (h->kind == COMMAND_TOKEN)
    {
      AuthsimStore *store = h->store;
      g_autoptr(AuthsimCode) redeemed = NULL;
      g_autoptr(AuthsimToken) token = NULL;
      g_autoptr(GError) error = NULL;
      AuthsimProfile *profile = authsim_engine_get_profile (h->engine);
      g_autoptr(AuthsimCode) peek = authsim_store_lookup_code (store, code);

      redeemed = authsim_store_redeem_code (store, code,
                                            peek != NULL ? peek->app_id
                                                         : authsim_profile_get_app_id (profile),
                                            &error);
      if (redeemed == NULL)
        reply ("error %s", error->message);
      else
        {
          token = authsim_store_issue_token (store, redeemed);
          reply ("token %s %s", token->access_token, token->refresh_token);
        }
    }
  else
    reply ("code %s %u", code, call);

  end_command (h);
}

/* Answers the consent popup as soon as one opens. */
static void
request_changed_cb (AuthsimEngine *engine,
                    GParamSpec    *pspec,
                    Harness       *h)
{
  g_autoptr(GError) error = NULL;

  if (authsim_engine_get_request (engine) == NULL)
    return;
  if (!authsim_engine_respond (engine, AUTHSIM_DECISION_ALLOW, AUTHSIM_ANSWER_SOURCE_API, &error))
    g_printerr ("harness: cannot allow: %s\n", error->message);
}

/* Makes the current command's my.getAuthCode calls, a tap each, until one has to wait (its
 * outcome then comes through call_finished_cb()) or no command is left. Calls that finish inside
 * authsim_engine_call() — every one once auth_user is granted — are handled in this loop, so
 * that "codes 40000" does not recurse; call_done() only re-enters it after a wait. */
static void
make_calls (Harness *h)
{
  if (h->calling)
    return;

  h->calling = TRUE;
  while (h->current != NULL && h->params != NULL && h->call == 0)
    {
      guint call;

      g_hash_table_remove_all (h->finished);
      g_hash_table_remove_all (h->payloads);
      call = authsim_engine_call (h->engine, h->params, AUTHSIM_TRIGGER_TAP,
                                  AUTHSIM_CONTAINER_MINI_PROGRAM);
      if (g_hash_table_contains (h->finished, GUINT_TO_POINTER (call)))
        {
          const char *success = g_hash_table_lookup (h->finished, GUINT_TO_POINTER (call));
          g_autoptr(JsonObject) payload =
            json_object_ref (g_hash_table_lookup (h->payloads, GUINT_TO_POINTER (call)));

          call_done (h, call, strcmp (success, "1") == 0, payload);
          continue;
        }
      h->call = call;
      /* The popup may already be open. */
      request_changed_cb (h->engine, NULL, h);
    }
  h->calling = FALSE;
}

/* {"scopes": [...]} from "a, b,c". */
static JsonNode *
scopes_params (const char *scopes)
{
  g_auto(GStrv) list = g_strsplit (scopes, ",", -1);
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "scopes");
  json_builder_begin_array (b);
  for (guint i = 0; list[i] != NULL; i++)
    json_builder_add_string_value (b, g_strstrip (list[i]));
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
set_sign_mode (Harness    *h,
               const char *mode)
{
  g_autoptr(AuthsimCerts) certs = NULL;
  g_autoptr(GError) error = NULL;

  if (strcmp (mode, "key") == 0)
    {
      authsim_gateway_set_certs (h->gateway, NULL);
      reply ("sign-mode key");
      return;
    }
  if (strcmp (mode, "cert") != 0)
    {
      reply ("error sign-mode is key or cert");
      return;
    }
  certs = authsim_certs_load (h->keys, NULL, &error);
  if (certs == NULL)
    {
      reply ("error %s", error->message);
      return;
    }
  authsim_gateway_set_certs (h->gateway, certs);
  reply ("sign-mode cert %s %s %s", authsim_certs_get_app_cert_sn (certs),
         authsim_certs_get_root_cert_sn (certs), authsim_certs_get_gateway_cert_sn (certs));
}

static void
run_command (Harness *h,
             char    *line)
{
  const char *scopes = NULL;
  guint64 wanted = 1;

  g_strstrip (line);

  if (*line == '\0')
    {
      g_free (line);
      next_command (h);
      return;
    }
  if (strcmp (line, "quit") == 0)
    {
      g_free (line);
      g_main_loop_quit (h->loop);
      return;
    }
  if (g_str_has_prefix (line, "sign-mode "))
    {
      set_sign_mode (h, line + strlen ("sign-mode "));
      g_free (line);
      next_command (h);
      return;
    }

  if (g_str_has_prefix (line, "code "))
    {
      h->kind = COMMAND_CODE;
      scopes = line + strlen ("code ");
    }
  else if (g_str_has_prefix (line, "token "))
    {
      h->kind = COMMAND_TOKEN;
      scopes = line + strlen ("token ");
    }
  else if (g_str_has_prefix (line, "codes "))
    {
      g_auto(GStrv) words = g_strsplit (line + strlen ("codes "), " ", 2);
      g_autoptr(GError) error = NULL;

      if (words[0] == NULL || words[1] == NULL ||
          !g_ascii_string_to_unsigned (words[0], 10, 1, 10000000, &wanted, &error))
        {
          reply ("error codes N SCOPES: N is 1..10000000%s%s",
                 error != NULL ? ": " : "", error != NULL ? error->message : "");
          g_free (line);
          next_command (h);
          return;
        }
      h->kind = COMMAND_CODES;
      scopes = line + strlen ("codes ") + strlen (words[0]) + 1;
    }

  if (scopes == NULL)
    {
      reply ("error unknown command: %s", line);
      g_free (line);
      next_command (h);
      return;
    }

  h->current = line;
  h->params = scopes_params (scopes);
  h->wanted = (guint) wanted;
  h->n_minted = 0;
  h->call = 0;
  make_calls (h);
}

static void
line_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Harness *h = user_data;
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                           NULL, &error);

  if (line == NULL)
    {
      /* End of input (or an error): done. */
      if (error != NULL)
        g_printerr ("harness: %s\n", error->message);
      g_main_loop_quit (h->loop);
      return;
    }

  g_queue_push_tail (&h->commands, line);
  if (h->current == NULL)
    next_command (h);
  g_data_input_stream_read_line_async (h->input, G_PRIORITY_DEFAULT, NULL, line_read_cb, h);
}

static void
next_command (Harness *h)
{
  char *line;

  if (h->current != NULL)
    return;
  line = g_queue_pop_head (&h->commands);
  if (line != NULL)
    run_command (h, line);
}

/* The store, in memory only, or keeping state.sqlite3 in @state_dir (nullable) as the app does. */
static AuthsimStore *
open_store (const char  *state_dir,
            GError     **error)
{
  g_autoptr(AuthsimStore) store = authsim_store_new (state_dir, authsim_crypto_random_bytes);
  g_autofree char *warning = NULL;

  if (state_dir == NULL)
    return g_steal_pointer (&store);
  if (!authsim_store_load (store, &warning, error))
    return NULL;
  if (warning != NULL)
    g_printerr ("gateway-harness: %s\n", warning);
  return g_steal_pointer (&store);
}

/* Serves the commands of stdin until "quit" or the end of the input. */
static void
serve (Harness *h)
{
  g_autoptr(GInputStream) stdin_stream = g_unix_input_stream_new (0, FALSE);

  h->loop = g_main_loop_new (NULL, FALSE);
  g_queue_init (&h->commands);
  h->finished = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  h->payloads = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) json_object_unref);
  h->minted = g_string_new (NULL);
  h->input = g_data_input_stream_new (stdin_stream);
  g_data_input_stream_read_line_async (h->input, G_PRIORITY_DEFAULT, NULL, line_read_cb, h);

  g_main_loop_run (h->loop);

  g_queue_clear_full (&h->commands, g_free);
  g_hash_table_unref (h->finished);
  g_hash_table_unref (h->payloads);
  g_free (h->current);
  g_clear_pointer (&h->params, json_node_unref);
  g_string_free (h->minted, TRUE);
  g_clear_object (&h->input);
  g_main_loop_unref (h->loop);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *keys_dir = NULL;
  g_autofree char *address = NULL;
  g_autofree char *log_file = NULL;
  g_autofree char *state_dir = NULL;
  int port = 0;
  GOptionEntry entries[] = {
    { "keys-dir", 0, 0, G_OPTION_ARG_FILENAME, &keys_dir, "Key directory (created)", "DIR" },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir,
      "Keep state.sqlite3 there, as the app does (default: no persistence)", "DIR" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "Gateway port (0: any free port)", "N" },
    { "address", 0, 0, G_OPTION_ARG_STRING, &address,
      "Gateway address (" AUTHSIM_GATEWAY_DEFAULT_ADDRESS ")", "A" },
    { "log", 0, 0, G_OPTION_ARG_FILENAME, &log_file, "Event log (JSON Lines)", "FILE" },
    { NULL },
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimProfile) profile = authsim_profile_new_default ();
  g_autoptr(GListModel) users = authsim_users_new_default ();
  g_autoptr(AuthsimStore) store = NULL;
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimKeys) keys = NULL;
  Harness h = { NULL, };

  /* stdout is the command channel: debug messages (G_MESSAGES_DEBUG) go to stderr. */
  g_log_writer_default_set_use_stderr (TRUE);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("gateway-harness: %s\n", error->message);
      return 2;
    }
  if (keys_dir == NULL || port < 0 || port > 65535)
    {
      g_printerr ("gateway-harness: --keys-dir DIR is required; --port is 0..65535\n");
      return 2;
    }

  if ((keys = authsim_keys_load (keys_dir, NULL, NULL, &error)) == NULL ||
      (store = open_store (state_dir, &error)) == NULL ||
      (log_file != NULL && !authsim_log_set_file (log, log_file, &error)))
    {
      g_printerr ("gateway-harness: %s\n", error->message);
      return 1;
    }
  h.engine = authsim_engine_new (profile, users, store, log);
  /* Calls come from "taps": the first-screen rule never applies, but say so explicitly. */
  authsim_engine_set_first_screen_rule (h.engine, AUTHSIM_FIRST_SCREEN_RULE_OFF);
  authsim_engine_launch (h.engine);

  h.store = store;
  h.keys = keys;
  h.gateway = authsim_gateway_new (h.engine, store, log, keys);
  if (!authsim_gateway_start (h.gateway, address, (guint) port, &error))
    {
      g_printerr ("gateway-harness: cannot listen: %s\n", error->message);
      g_clear_object (&h.gateway);
      g_clear_object (&h.engine);
      return 1;
    }

  g_signal_connect (h.engine, "call-finished", G_CALLBACK (call_finished_cb), &h);
  g_signal_connect (h.engine, "notify::request", G_CALLBACK (request_changed_cb), &h);

  reply ("url %s", authsim_gateway_get_url (h.gateway));
  reply ("keys %s", authsim_keys_get_dir (keys));
  reply ("app_id %s", authsim_profile_get_app_id (profile));

  serve (&h);

  authsim_gateway_stop (h.gateway);
  g_signal_handlers_disconnect_by_data (h.engine, &h);
  g_clear_object (&h.gateway);
  g_clear_object (&h.engine);
  return h.status;
}
