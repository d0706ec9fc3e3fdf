/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <stdlib.h>
#include <string.h>

#include "authsim-gateway.h"

/*
 * The mock OpenAPI gateway of SPEC §6.
 *
 * Threads: the SoupServer lives in a thread of its own, with its own GMainContext (the server
 * thread), and serves each request there from start to end: parsing, the request signature
 * check (an RSA public-key operation, ~15 µs), the business logic, the log event and the
 * response signature (a private-key operation, ~0.27 ms), synchronously. The main loop never
 * sees a request, so the window repaints and answers clicks at any load, and no request pays
 * for a hand-off between threads (measured on one core: pausing each message, signing in a
 * pool and resuming it from the main loop cost 10–15 µs of CPU per request).
 *
 * What a request reads is safe from that thread:
 * - the store's codes and tokens sit under the store's own mutex (see authsim-store.c), and
 *   the store writes state.json on its own;
 * - the log is thread-safe and hands events to its model on the main thread;
 * - the keys are immutable after loading;
 * - the profile and the users are main-thread objects that the window edits, so the server
 *   thread never touches them: it reads a View, an immutable snapshot of what it needs (app
 *   ids, id mode, the user-info fields and each user's values for them), which the main thread
 *   rebuilds whenever one of them changes and swaps in under `view_lock`. A request keeps the
 *   View it started with.
 *
 * Limits: request bodies are capped at 64 KiB. A larger Content-Length is refused as soon as
 * the headers arrive, a chunked body as soon as it grows past the cap; in both cases the
 * connection is taken from libsoup, answered 413 with a JSON body and closed, so nothing is
 * buffered without bound and the client is not left waiting.
 */

#define MAX_BODY_SIZE   (64 * 1024)
#define GATEWAY_PATH    "/gateway.do"
#define V3_PREFIX       "/v3/"
#define V3_TOKEN_PATH   "/v3/alipay/system/oauth/token"
#define V3_SHARE_PATH   "/v3/alipay/user/info/share"
#define METHOD_TOKEN    "alipay.system.oauth.token"
#define METHOD_SHARE    "alipay.user.info.share"
#define V3_AUTH_SCHEME  "ALIPAY-SHA256withRSA"
#define JSON_TYPE       "application/json;charset=utf-8"
#define LINGER_USEC     (2 * G_USEC_PER_SEC)
#define LINGER_MAX      (1024 * 1024)

#define SUB_MSG_INVALID_SIGNATURE \
  "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为："

typedef struct _View View;

struct _AuthsimGateway
{
  GObject         parent_instance;

  /* Main thread; read-only while the server thread runs. */
  AuthsimEngine  *engine;     /* only observed, for its "profile" and "users" */
  AuthsimStore   *store;      /* thread-safe */
  AuthsimLog     *log;        /* thread-safe */
  AuthsimKeys    *keys;       /* immutable */
  char           *url;
  guint           port;

  /* The server thread. */
  GThread        *thread;
  GMainContext   *context;    /* the server thread's */
  GMainLoop      *loop;
  SoupServer     *server;     /* made, used and dropped in the server thread only */
  GPtrArray      *lingers;    /* server thread only: connections answered early */

  /* The snapshot of the profile and users (see View). */
  GMutex          view_lock;
  View           *view;       /* under view_lock */
  AuthsimProfile *watched_profile;
  GListModel     *watched_users;
  GPtrArray      *watched_user_objects;  /* AuthsimUser whose "changed" we follow */
};


G_DEFINE_FINAL_TYPE (AuthsimGateway, authsim_gateway, G_TYPE_OBJECT)

/* ------------------------------------------------------------------------------------------ */
/* Outcomes                                                                                   */

/* What a request came to, in OpenAPI v2 terms; v3 maps it to an HTTP status and {code,message}. */
typedef struct
{
  const char *code;            /* "10000" on success */
  const char *sub_code;        /* NULL on success */
  char       *sub_msg;
  gboolean    error_response;  /* v2: answered in "error_response", not the method's node */
  guint       v3_status;       /* v3: HTTP status of an error; 0 picks one from sub_code */
  JsonObject *data;            /* success: the members, in order */
  guint       call;            /* the call whose code or token was used, 0 when unknown */
} Outcome;

static void
outcome_clear (Outcome *o)
{
  g_clear_pointer (&o->sub_msg, g_free);
  g_clear_pointer (&o->data, json_object_unref);
}

static const char *
code_msg (const char *code)
{
  static const struct { const char *code; const char *msg; } table[] = {
    { "10000", "Success" },
    { "20000", "Service Currently Unavailable" },
    { "20001", "Insufficient Token Permissions" },
    { "40001", "Missing Required Arguments" },
    { "40002", "Invalid Arguments" },
    { "40006", "Insufficient Permissions" },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (table); i++)
    if (strcmp (table[i].code, code) == 0)
      return table[i].msg;
  return "Unknown";
}

static void outcome_fail (Outcome    *o,
                          const char *code,
                          const char *sub_code,
                          const char *format,
                          ...) G_GNUC_PRINTF (4, 5);

static void
outcome_fail (Outcome    *o,
              const char *code,
              const char *sub_code,
              const char *format,
              ...)
{
  va_list args;

  g_clear_pointer (&o->data, json_object_unref);
  g_free (o->sub_msg);
  o->code = code;
  o->sub_code = sub_code;
  va_start (args, format);
  o->sub_msg = g_strdup_vprintf (format, args);
  va_end (args);
}

static gboolean
outcome_failed (const Outcome *o)
{
  return o->sub_code != NULL;
}

/* {"code","msg","sub_code","sub_msg"} as production sends them. */
static JsonObject *
error_object (const Outcome *o)
{
  JsonObject *obj = json_object_new ();

  json_object_set_string_member (obj, "code", o->code);
  json_object_set_string_member (obj, "msg", code_msg (o->code));
  json_object_set_string_member (obj, "sub_code", o->sub_code);
  json_object_set_string_member (obj, "sub_msg", o->sub_msg != NULL ? o->sub_msg : "");
  return obj;
}

/* Compact JSON of @obj. One generator per thread, kept: json_to_string() makes (and
 * finalizes) a GObject for every call, several times a request. */
static char *
object_to_string (JsonObject *obj)
{
  static GPrivate generator_key = G_PRIVATE_INIT (g_object_unref);
  JsonGenerator *generator = g_private_get (&generator_key);
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  char *text;

  if (generator == NULL)
    {
      generator = json_generator_new ();
      g_private_set (&generator_key, generator);
    }
  json_node_set_object (node, obj);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  /* Nothing of the request stays referenced by a thread's generator. */
  json_generator_set_root (generator, NULL);
  return text;
}

/* Shortens untrusted text for a message or the log, on a character boundary. */
static char *
clip (const char *text,
      glong       max_chars)
{
  if (g_utf8_strlen (text, -1) <= max_chars)
    return g_strdup (text);
  {
    g_autofree char *head = g_utf8_substring (text, 0, max_chars);

    return g_strconcat (head, "…", NULL);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Logging                                                                                    */

static void
log_request (AuthsimGateway *self,
             const char     *version,
             const char     *method,
             const char     *code,
             const char     *sub_code,
             guint           status,
             guint           call)
{
  JsonObject *fields = json_object_new ();

  json_object_set_string_member (fields, "event", "request");
  if (method != NULL)
    json_object_set_string_member (fields, "method", method);
  else
    json_object_set_null_member (fields, "method");
  if (version != NULL)
    json_object_set_string_member (fields, "version", version);
  else
    json_object_set_null_member (fields, "version");
  if (code != NULL)
    json_object_set_string_member (fields, "code", code);
  else
    json_object_set_null_member (fields, "code");
  if (sub_code != NULL)
    json_object_set_string_member (fields, "sub_code", sub_code);
  else
    json_object_set_null_member (fields, "sub_code");
  json_object_set_int_member (fields, "status", status);

  authsim_log_append (self->log, call, "gateway", fields);
}

/* ------------------------------------------------------------------------------------------ */
/* Transport-level answers (not signed): 404, 405, 413, 500                                   */

static char *
transport_error_body (const char *code,
                      const char *message)
{
  g_autoptr(JsonObject) obj = json_object_new ();

  json_object_set_string_member (obj, "code", code);
  json_object_set_string_member (obj, "message", message);
  return object_to_string (obj);
}

static void
reply_transport_error (AuthsimGateway    *self,
                       SoupServerMessage *msg,
                       const char        *version,
                       guint              status,
                       const char        *code,
                       const char        *message)
{
  g_autofree char *body = transport_error_body (code, message);
  gsize length = strlen (body);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, JSON_TYPE, SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&body), length);
  log_request (self, version, NULL, code, NULL, status, 0);
}

/* A connection taken from libsoup to answer 413 at once: write, drain a little, close. */
typedef struct
{
  GPtrArray    *lingers;  /* the gateway's list of them, which holds this one */
  GIOStream    *stream;
  GCancellable *cancellable;
  GSource      *timeout;
  char         *response;
  gsize         drained;
  char          buffer[8192];
} Linger;

static void
linger_free (Linger *linger)
{
  if (linger->timeout != NULL)
    {
      g_source_destroy (linger->timeout);
      g_source_unref (linger->timeout);
    }
  g_clear_object (&linger->cancellable);
  g_clear_object (&linger->stream);
  g_free (linger->response);
  if (linger->lingers != NULL)
    g_ptr_array_remove_fast (linger->lingers, linger);
  g_free (linger);
}

static void
linger_closed (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
  linger_free (user_data);
}

static void
linger_close (Linger *linger)
{
  g_io_stream_close_async (linger->stream, G_PRIORITY_DEFAULT, NULL, linger_closed, linger);
}

static gboolean
linger_timeout (gpointer user_data)
{
  Linger *linger = user_data;

  g_cancellable_cancel (linger->cancellable);
  g_clear_pointer (&linger->timeout, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void linger_read (Linger *linger);

static void
linger_read_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Linger *linger = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n <= 0 || linger->drained + (gsize) n > LINGER_MAX ||
      g_cancellable_is_cancelled (linger->cancellable))
    {
      linger_close (linger);
      return;
    }
  linger->drained += (gsize) n;
  linger_read (linger);
}

/* Reads (and drops) what the client still sends, so closing does not turn into a reset that
 * would destroy the 413 response before the client has read it. */
static void
linger_read (Linger *linger)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (linger->stream),
                             linger->buffer, sizeof linger->buffer, G_PRIORITY_DEFAULT,
                             linger->cancellable, linger_read_done, linger);
}

static void
linger_written (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Linger *linger = user_data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL))
    {
      linger_close (linger);
      return;
    }
  g_output_stream_flush (G_OUTPUT_STREAM (source), NULL, NULL);
  linger_read (linger);
}

/* Answers at once on a connection taken from libsoup, before any body is read. */
static void
reject_early (AuthsimGateway    *self,
              SoupServerMessage *msg,
              guint              status,
              const char        *code,
              const char        *message)
{
  GUri *uri = soup_server_message_get_uri (msg);
  const char *path = uri != NULL ? g_uri_get_path (uri) : NULL;
  const char *version = path == NULL ? NULL
                        : g_str_has_prefix (path, V3_PREFIX) ? "v3"
                        : strcmp (path, GATEWAY_PATH) == 0 ? "v2" : NULL;
  g_autofree char *body = transport_error_body (code, message);
  GIOStream *stream;
  Linger *linger;

  log_request (self, version, NULL, code, NULL, status, 0);

  /* After this @msg is no longer served by libsoup (and may be gone). */
  stream = soup_server_message_steal_connection (msg);
  if (stream == NULL)
    return;

  linger = g_new0 (Linger, 1);
  linger->lingers = self->lingers;
  g_ptr_array_add (self->lingers, linger);
  linger->stream = stream;
  linger->cancellable = g_cancellable_new ();
  linger->response = g_strdup_printf ("HTTP/1.1 %u %s\r\n"
                                      "Content-Type: " JSON_TYPE "\r\n"
                                      "Content-Length: %zu\r\n"
                                      "Connection: close\r\n"
                                      "\r\n"
                                      "%s", status, soup_status_get_phrase (status),
                                      strlen (body), body);
  linger->timeout = g_timeout_source_new (LINGER_USEC / 1000);
  g_source_set_callback (linger->timeout, linger_timeout, linger, NULL);
  g_source_attach (linger->timeout, g_main_context_get_thread_default ());

  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream),
                                   linger->response, strlen (linger->response),
                                   G_PRIORITY_DEFAULT, linger->cancellable,
                                   linger_written, linger);
}

static void
reject_oversized (AuthsimGateway    *self,
                  SoupServerMessage *msg)
{
  g_autofree char *message = g_strdup_printf ("request body larger than %d bytes",
                                              MAX_BODY_SIZE);

  reject_early (self, msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "request-too-large", message);
}

static void got_chunk (SoupServerMessage *msg,
                       GBytes            *chunk,
                       AuthsimGateway    *self);

static void
got_headers (SoupServerMessage *msg,
             AuthsimGateway    *self)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupEncoding encoding = soup_message_headers_get_encoding (headers);
  goffset length;

  /* Only a chunked body can grow past the limit unannounced: count its chunks. */
  if (encoding == SOUP_ENCODING_CHUNKED)
    g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk), self);
  if (encoding != SOUP_ENCODING_CONTENT_LENGTH)
    return;

  length = soup_message_headers_get_content_length (headers);
  /* libsoup reads "Content-Length: -5" as a negative length and would warn about it. */
  if (length < 0)
    reject_early (self, msg, SOUP_STATUS_BAD_REQUEST, "bad-request", "invalid Content-Length");
  else if (length > MAX_BODY_SIZE)
    reject_oversized (self, msg);
}

static void
got_chunk (SoupServerMessage *msg,
           GBytes            *chunk,
           AuthsimGateway    *self)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  if (body->length > MAX_BODY_SIZE)
    reject_oversized (self, msg);
}

/* Messages only live while the server does, and the gateway owns the server: plain
 * connections are enough (and cheaper than g_signal_connect_object(), per request). */
static void
request_started (SoupServer        *server,
                 SoupServerMessage *msg,
                 AuthsimGateway    *self)
{
  g_signal_connect (msg, "got-headers", G_CALLBACK (got_headers), self);
}

/* ------------------------------------------------------------------------------------------ */
/* Signed answers                                                                             */

/* Signs @payload (v2: the node; v3: timestamp, nonce and body) and answers. Takes @payload. */
static void
reply_signed (AuthsimGateway    *self,
              SoupServerMessage *msg,
              gboolean           v3,
              guint              status,
              const char        *key,
              char              *payload,
              gint64             started)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *signature = NULL;
  g_autofree char *timestamp = NULL;
  g_autofree char *nonce = NULL;
  gint64 signing;
  char *body;

  if (v3)
    {
      g_autofree char *uuid = g_uuid_string_random ();
      g_autofree char *content = NULL;
      GString *nonce_string = g_string_sized_new (32);
      const char *p;

      for (p = uuid; *p != '\0'; p++)
        if (*p != '-')
          g_string_append_c (nonce_string, *p);
      nonce = g_string_free (nonce_string, FALSE);
      timestamp = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time () / 1000);
      content = g_strdup_printf ("%s\n%s\n%s\n", timestamp, nonce, payload);
      signing = g_get_monotonic_time ();
      signature = authsim_keys_sign (self->keys, content, strlen (content), &error);
    }
  else
    {
      signing = g_get_monotonic_time ();
      signature = authsim_keys_sign (self->keys, payload, strlen (payload), &error);
    }

  /* G_MESSAGES_DEBUG=authsim-gateway shows where each request spent its time. */
  if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    g_debug ("%s %s: %" G_GINT64_FORMAT " us before signing, %" G_GINT64_FORMAT
             " us signing", v3 ? "v3" : "v2", key != NULL ? key : "",
             signing - started, g_get_monotonic_time () - signing);

  if (signature == NULL)
    {
      body = transport_error_body ("isp.unknow-error", error->message);
      soup_server_message_set_status (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
      g_free (payload);
    }
  else if (v3)
    {
      SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

      soup_message_headers_replace (headers, "alipay-timestamp", timestamp);
      soup_message_headers_replace (headers, "alipay-nonce", nonce);
      soup_message_headers_replace (headers, "alipay-signature", signature);
      body = payload;
      soup_server_message_set_status (msg, status, NULL);
    }
  else
    {
      /* The node exactly as signed, then the signature: what SDKs cut out and verify. */
      body = g_strconcat ("{\"", key, "\":", payload, ",\"sign\":\"", signature, "\"}", NULL);
      soup_server_message_set_status (msg, status, NULL);
      g_free (payload);
    }

  soup_server_message_set_response (msg, JSON_TYPE, SOUP_MEMORY_TAKE, body, strlen (body));
}

/* ------------------------------------------------------------------------------------------ */
/* Parameters                                                                                 */

/* The merged v2 parameters: insertion order kept, each key once. */
typedef struct
{
  GPtrArray  *keys;
  GHashTable *values;
} Params;

static Params *
params_new (void)
{
  Params *params = g_new0 (Params, 1);

  params->keys = g_ptr_array_new ();
  params->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return params;
}

static void
params_free (Params *params)
{
  g_ptr_array_unref (params->keys);
  g_hash_table_unref (params->values);
  g_free (params);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Params, params_free)

/* (nullable): the value, NULL when absent or empty (empty values count as absent, as in
 * production: they are also left out of the signed string). */
static const char *
params_get (Params     *params,
            const char *key)
{
  const char *value = g_hash_table_lookup (params->values, key);

  return value != NULL && *value != '\0' ? value : NULL;
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* application/x-www-form-urlencoded decoding: '+' is a space, %XX a byte. */
static gboolean
form_decode (const char *text,
             gsize       length,
             GString    *out)
{
  gsize i;

  g_string_truncate (out, 0);
  for (i = 0; i < length; i++)
    {
      char c = text[i];
      gsize run;

      /* Most of a value needs no decoding (a base64 signature is 344 characters of it):
       * copy such runs at once. */
      for (run = 0; i + run < length && text[i + run] != '+' && text[i + run] != '%'; run++)
        ;
      if (run > 0)
        {
          g_string_append_len (out, text + i, (gssize) run);
          i += run - 1;
          continue;
        }

      if (c == '+')
        g_string_append_c (out, ' ');
      else  /* '%' */
        {
          int hi, lo;

          if (i + 2 >= length)
            return FALSE;
          hi = hex_value (text[i + 1]);
          lo = hex_value (text[i + 2]);
          if (hi < 0 || lo < 0)
            return FALSE;
          g_string_append_c (out, (char) (hi * 16 + lo));
          i += 2;
        }
    }
  return TRUE;
}

static gboolean
valid_text (const GString *s)
{
  return g_utf8_validate_len (s->str, s->len, NULL);
}

/* Adds the pairs of a form-encoded @text (query string or body) to @params. */
static gboolean
params_add_form (Params     *params,
                 const char *text,
                 gsize       length,
                 const char *where,
                 Outcome    *o)
{
  g_autoptr(GString) key = g_string_new (NULL);
  g_autoptr(GString) value = g_string_new (NULL);
  gsize start = 0;

  while (start < length)
    {
      const char *pair = text + start;
      const char *amp = memchr (pair, '&', length - start);
      gsize pair_len = amp != NULL ? (gsize) (amp - pair) : length - start;
      const char *eq = memchr (pair, '=', pair_len);
      gsize key_len = eq != NULL ? (gsize) (eq - pair) : pair_len;

      start += pair_len + 1;
      if (pair_len == 0)
        continue;

      if (!form_decode (pair, key_len, key) ||
          !form_decode (eq != NULL ? eq + 1 : "", eq != NULL ? pair_len - key_len - 1 : 0, value))
        {
          outcome_fail (o, "40002", "isv.invalid-parameter",
                        "参数编码错误：%s 中有不合法的百分号编码 (malformed percent-encoding in the %s)",
                        where, where);
          return FALSE;
        }
      if (!valid_text (key) || !valid_text (value))
        {
          outcome_fail (o, "40002", "isv.invalid-charset",
                        "字符集错误：%s 中的参数不是合法的 UTF-8 (a parameter in the %s is not valid UTF-8)",
                        where, where);
          return FALSE;
        }
      if (key->len == 0)
        continue;
      if (g_hash_table_contains (params->values, key->str))
        {
          g_autofree char *name = clip (key->str, 40);

          outcome_fail (o, "40002", "isv.duplicate-parameter",
                        "参数重复：%s (parameter %s appears more than once)", name, name);
          return FALSE;
        }

      {
        char *k = g_strdup (key->str);

        g_ptr_array_add (params->keys, k);
        g_hash_table_insert (params->values, k, g_strdup (value->str));
      }
    }
  return TRUE;
}

static int
compare_keys (gconstpointer a,
              gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The string production verifies: every parameter but sign, without empty values, sorted by
 * key, "k=v" joined with '&', nothing encoded. */
static char *
params_sign_content (Params *params)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_copy (params->keys, NULL, NULL);
  GString *content = g_string_new (NULL);
  guint i;

  g_ptr_array_sort (keys, compare_keys);
  for (i = 0; i < keys->len; i++)
    {
      const char *key = keys->pdata[i];
      const char *value = g_hash_table_lookup (params->values, key);

      if (strcmp (key, "sign") == 0 || *value == '\0')
        continue;
      if (content->len > 0)
        g_string_append_c (content, '&');
      g_string_append (content, key);
      g_string_append_c (content, '=');
      g_string_append (content, value);
    }
  return g_string_free (content, FALSE);
}

/* Media type and charset of the request body; FALSE when there is a body of another type. */
static gboolean
check_body_type (SoupServerMessage *msg,
                 gsize              body_length,
                 const char        *wanted,
                 gboolean           missing_ok,
                 Outcome           *o)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autoptr(GHashTable) type_params = NULL;
  const char *type;
  const char *charset;

  if (body_length == 0)
    return TRUE;

  type = soup_message_headers_get_content_type (headers, &type_params);
  if (type == NULL)
    {
      if (missing_ok)
        return TRUE;
      outcome_fail (o, "40002", "isv.invalid-content-type",
                    "请求体的 Content-Type 必须是 %s (the request body must be %s)",
                    wanted, wanted);
      return FALSE;
    }
  if (g_ascii_strcasecmp (type, wanted) != 0)
    {
      outcome_fail (o, "40002", "isv.invalid-content-type",
                    "不支持的 Content-Type，请使用 %s (unsupported Content-Type, use %s)",
                    wanted, wanted);
      return FALSE;
    }
  charset = type_params != NULL ? g_hash_table_lookup (type_params, "charset") : NULL;
  if (charset != NULL && g_ascii_strcasecmp (charset, "utf-8") != 0 &&
      g_ascii_strcasecmp (charset, "utf8") != 0)
    {
      outcome_fail (o, "40002", "isv.invalid-charset",
                    "字符集错误：AuthSim 只支持 utf-8 (only utf-8 is supported)");
      return FALSE;
    }
  return TRUE;
}

/* "yyyy-MM-dd HH:mm:ss" naming a real date and time. */
static gboolean
valid_v2_timestamp (const char *ts)
{
  static const char pattern[] = "dddd-dd-dd dd:dd:dd";
  int y, mo, d, h, mi, s;
  GDateTime *dt;
  gsize i;

  if (strlen (ts) != sizeof pattern - 1)
    return FALSE;
  for (i = 0; i < sizeof pattern - 1; i++)
    {
      if (pattern[i] == 'd' ? !g_ascii_isdigit (ts[i]) : ts[i] != pattern[i])
        return FALSE;
    }
  y = atoi (ts);
  mo = atoi (ts + 5);
  d = atoi (ts + 8);
  h = atoi (ts + 11);
  mi = atoi (ts + 14);
  s = atoi (ts + 17);
  if (y < 1 || h > 23 || mi > 59 || s > 59)
    return FALSE;
  dt = g_date_time_new_utc (y, mo, d, h, mi, s);
  if (dt == NULL)
    return FALSE;
  g_date_time_unref (dt);
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* The View: what requests read of the profile and the users (see the top of the file)        */

struct _View
{
  char          *app_id;
  char          *host_app_id;
  AuthsimIdMode  id_mode;
  GPtrArray     *info_keys;  /* of char*: user.info.share keys, the profile's order, once each */
  GHashTable    *values;     /* user id → GPtrArray of char* (NULL when unset), as info_keys */
};

static void
view_clear (gpointer data)
{
  View *view = data;

  g_free (view->app_id);
  g_free (view->host_app_id);
  g_ptr_array_unref (view->info_keys);
  g_hash_table_unref (view->values);
}

static View *
view_ref (View *view)
{
  return g_atomic_rc_box_acquire (view);
}

static void
view_unref (View *view)
{
  g_atomic_rc_box_release_full (view, view_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (View, view_unref)

/* Main thread. */
static View *
view_new (AuthsimEngine *engine)
{
  AuthsimProfile *profile = authsim_engine_get_profile (engine);
  GListModel *users = authsim_engine_get_users (engine);
  const char * const *fields = authsim_profile_get_user_info_fields (profile);
  View *view = g_atomic_rc_box_new0 (View);

  view->app_id = g_strdup (authsim_profile_get_app_id (profile));
  view->host_app_id = g_strdup (authsim_profile_get_host_app_id (profile));
  view->id_mode = authsim_profile_get_id_mode (profile);
  view->info_keys = g_ptr_array_new ();
  view->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_ptr_array_unref);

  for (; fields != NULL && *fields != NULL; fields++)
    {
      const char *key = authsim_user_info_field_to_key (*fields);
      guint i;

      if (key != NULL && !g_ptr_array_find_with_equal_func (view->info_keys, key, g_str_equal, &i))
        g_ptr_array_add (view->info_keys, (gpointer) key);
    }

  for (guint u = 0; users != NULL && u < g_list_model_get_n_items (users); u++)
    {
      g_autoptr(AuthsimUser) user = g_list_model_get_item (users, u);
      GPtrArray *values = g_ptr_array_new_full (view->info_keys->len, g_free);

      for (guint i = 0; i < view->info_keys->len; i++)
        g_ptr_array_add (values, g_strdup (authsim_user_get_info_value (
                                             user, g_ptr_array_index (view->info_keys, i))));
      g_hash_table_replace (view->values, g_strdup (authsim_user_get_user_id (user)), values);
    }

  return view;
}

/* Server thread: the View to serve the next request with. */
static View *
dup_view (AuthsimGateway *self)
{
  View *view;

  g_mutex_lock (&self->view_lock);
  view = view_ref (self->view);
  g_mutex_unlock (&self->view_lock);
  return view;
}

/* Main thread: a new View from the engine's profile and users as they are now. */
static void
refresh_view (AuthsimGateway *self)
{
  View *fresh = view_new (self->engine);
  View *old;

  g_mutex_lock (&self->view_lock);
  old = self->view;
  self->view = fresh;
  g_mutex_unlock (&self->view_lock);
  if (old != NULL)
    view_unref (old);
}

static void
unwatch_profile_and_users (AuthsimGateway *self)
{
  if (self->watched_profile != NULL)
    g_signal_handlers_disconnect_by_data (self->watched_profile, self);
  g_clear_object (&self->watched_profile);
  if (self->watched_users != NULL)
    g_signal_handlers_disconnect_by_data (self->watched_users, self);
  g_clear_object (&self->watched_users);
  for (guint i = 0; i < self->watched_user_objects->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->watched_user_objects, i),
                                          self);
  g_ptr_array_set_size (self->watched_user_objects, 0);
}

/* Main thread: follows the engine's current profile, its users and each user, and refreshes
 * the View on any change of them (a profile property, a user's info). Called again when the
 * engine's profile or users, or the list of users, change. */
static void
watch_profile_and_users (AuthsimGateway *self)
{
  GListModel *users = authsim_engine_get_users (self->engine);

  unwatch_profile_and_users (self);

  self->watched_profile = g_object_ref (authsim_engine_get_profile (self->engine));
  g_signal_connect_swapped (self->watched_profile, "notify", G_CALLBACK (refresh_view), self);

  if (users != NULL)
    {
      self->watched_users = g_object_ref (users);
      g_signal_connect_swapped (users, "items-changed",
                                G_CALLBACK (watch_profile_and_users), self);
    }
  for (guint i = 0; users != NULL && i < g_list_model_get_n_items (users); i++)
    {
      AuthsimUser *user = g_list_model_get_item (users, i);

      g_signal_connect_swapped (user, "changed", G_CALLBACK (refresh_view), self);
      g_ptr_array_add (self->watched_user_objects, user);
    }

  refresh_view (self);
}

static gboolean
app_id_known (const View *view,
              const char *app_id)
{
  return g_strcmp0 (app_id, view->app_id) == 0 || g_strcmp0 (app_id, view->host_app_id) == 0;
}

static gboolean
method_known (const char *method)
{
  return g_strcmp0 (method, METHOD_TOKEN) == 0 || g_strcmp0 (method, METHOD_SHARE) == 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The two OpenAPI methods                                                                    */

static char *
format_shanghai (gint64 unix_seconds)
{
  static GTimeZone *tz;
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (unix_seconds);
  g_autoptr(GDateTime) local = NULL;

  if (g_once_init_enter (&tz))
    {
      GTimeZone *zone = g_time_zone_new_identifier ("Asia/Shanghai");

      /* No tzdata: China has had no DST since 1991, a fixed +08:00 is right. */
      if (zone == NULL)
        zone = g_time_zone_new_offset (8 * 3600);
      g_once_init_leave (&tz, zone);
    }

  if (utc == NULL)
    return g_strdup ("1970-01-01 08:00:00");
  local = g_date_time_to_timezone (utc, tz);
  return g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
}

/* user_id or open_id, per the profile's idMode. */
static void
add_user_identity (const View *view,
                   JsonObject *data,
                   const char *app_id,
                   const char *user_id)
{
  if (view->id_mode == AUTHSIM_ID_MODE_OPEN_ID)
    {
      g_autofree char *open_id = authsim_open_id (app_id, user_id);

      json_object_set_string_member (data, "open_id", open_id);
    }
  else
    json_object_set_string_member (data, "user_id", user_id);
}

static void
fail_from_store_error (Outcome      *o,
                       const GError *error)
{
  if (error->domain != AUTHSIM_STORE_ERROR)
    {
      outcome_fail (o, "20000", "isp.unknow-error", "服务暂不可用 (%s)", error->message);
      return;
    }

  switch ((AuthsimStoreError) error->code)
    {
    case AUTHSIM_STORE_ERROR_CODE_INVALID:
      outcome_fail (o, "40002", "isv.code-invalid", "授权码code无效");
      break;
    case AUTHSIM_STORE_ERROR_UNMATCHED_APP_ID:
      outcome_fail (o, "40002", "isv.unmatched-app-id", "授权码code与应用不匹配");
      break;
    case AUTHSIM_STORE_ERROR_REFRESH_INVALID:
      outcome_fail (o, "40002", "isv.refresh-token-invalid", "刷新令牌refresh_token无效");
      break;
    case AUTHSIM_STORE_ERROR_REFRESH_TIME_OUT:
      outcome_fail (o, "40002", "isv.refresh-token-time-out", "刷新令牌refresh_token已过期");
      break;
    case AUTHSIM_STORE_ERROR_TOKEN_INVALID:
      outcome_fail (o, "20001", "aop.invalid-auth-token", "无效的访问令牌");
      break;
    case AUTHSIM_STORE_ERROR_TOKEN_TIME_OUT:
      outcome_fail (o, "20001", "aop.auth-token-time-out", "访问令牌已过期");
      break;
    default:
      outcome_fail (o, "20000", "isp.unknow-error", "服务暂不可用 (%s)", error->message);
      break;
    }
}

/* alipay.system.oauth.token. Business errors go in error_response (production does so). */
static void
oauth_token (AuthsimGateway *self,
             const View     *view,
             const char     *app_id,
             const char     *grant_type,
             const char     *code,
             const char     *refresh_token,
             Outcome        *o)
{
  AuthsimStore *store = self->store;
  g_autoptr(AuthsimToken) token = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *auth_start = NULL;

  o->error_response = TRUE;

  if (grant_type == NULL)
    {
      outcome_fail (o, "40001", "isv.missing-grant-type", "缺少grant_type参数");
      return;
    }

  if (strcmp (grant_type, "authorization_code") == 0)
    {
      g_autoptr(AuthsimCode) redeemed = NULL;

      if (code == NULL)
        {
          outcome_fail (o, "40001", "isv.missing-code", "缺少授权码code参数");
          return;
        }
      /* Before redeeming, so that even a failing exchange is linked to its call. */
      o->call = authsim_store_get_code_call (store, code);
      redeemed = authsim_store_redeem_code (store, code, app_id, &error);
      if (redeemed == NULL)
        {
          fail_from_store_error (o, error);
          return;
        }
      token = authsim_store_issue_token (store, redeemed);
    }
  else if (strcmp (grant_type, "refresh_token") == 0)
    {
      if (refresh_token == NULL)
        {
          outcome_fail (o, "40001", "isv.missing-refresh-token", "缺少刷新令牌refresh_token参数");
          return;
        }
      token = authsim_store_refresh (store, refresh_token, app_id, &error);
      if (token == NULL)
        {
          fail_from_store_error (o, error);
          return;
        }
    }
  else
    {
      g_autofree char *shown = clip (grant_type, 40);

      outcome_fail (o, "40002", "isv.grant-type-invalid", "不支持的grant_type：%s", shown);
      return;
    }

  o->call = token->call;
  o->code = "10000";
  o->data = json_object_new ();
  add_user_identity (view, o->data, token->app_id, token->user_id);
  json_object_set_string_member (o->data, "access_token", token->access_token);
  json_object_set_int_member (o->data, "expires_in", token->expires_at - token->auth_start);
  json_object_set_string_member (o->data, "refresh_token", token->refresh_token);
  json_object_set_int_member (o->data, "re_expires_in", token->re_expires_at - token->auth_start);
  auth_start = format_shanghai (token->auth_start);
  json_object_set_string_member (o->data, "auth_start", auth_start);
}

/* alipay.user.info.share. Errors go in the method's node (production does so). */
static void
user_info_share (AuthsimGateway *self,
                 const View     *view,
                 const char     *app_id,
                 const char     *auth_token,
                 Outcome        *o)
{
  AuthsimStore *store = self->store;
  g_autoptr(AuthsimToken) token = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *values;

  if (auth_token == NULL)
    {
      outcome_fail (o, "40001", "isv.missing-auth-token", "缺少auth_token参数");
      return;
    }

  token = authsim_store_lookup_access_token (store, auth_token, &error);
  if (token == NULL)
    {
      fail_from_store_error (o, error);
      return;
    }
  o->call = token->call;

  /* A token only works for the app it was issued to. */
  if (g_strcmp0 (token->app_id, app_id) != 0)
    {
      outcome_fail (o, "20001", "aop.invalid-auth-token", "无效的访问令牌");
      return;
    }

  if (token->scopes == NULL || !g_strv_contains ((const char * const *) token->scopes, "auth_user"))
    {
      outcome_fail (o, "40006", "isv.insufficient-isv-permissions",
                    "ISV权限不足，建议在开发者中心检查对应功能是否已经添加");
      return;
    }

  o->code = "10000";
  o->data = json_object_new ();
  add_user_identity (view, o->data, token->app_id, token->user_id);

  values = g_hash_table_lookup (view->values, token->user_id);
  for (guint i = 0; values != NULL && i < values->len; i++)
    {
      const char *key = g_ptr_array_index (view->info_keys, i);
      const char *value = g_ptr_array_index (values, i);

      /* The identity added above comes from the token, never from the user's info. */
      if (value != NULL && !json_object_has_member (o->data, key))
        json_object_set_string_member (o->data, key, value);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* v2: /gateway.do                                                                            */

static gboolean
collect_v2_params (SoupServerMessage *msg,
                   Params            *params,
                   Outcome           *o)
{
  GUri *uri = soup_server_message_get_uri (msg);
  const char *query = g_uri_get_query (uri);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  gsize length = 0;
  const char *data = g_bytes_get_data (bytes, &length);

  if (query != NULL && !params_add_form (params, query, strlen (query), "query string", o))
    return FALSE;
  if (!check_body_type (msg, length, "application/x-www-form-urlencoded", TRUE, o))
    return FALSE;
  if (length > 0 && !params_add_form (params, data, length, "request body", o))
    return FALSE;
  return TRUE;
}

static void
check_v2_request (AuthsimGateway *self,
                  const View     *view,
                  Params         *params,
                  Outcome        *o)
{
  const char *app_id = params_get (params, "app_id");
  const char *method = params_get (params, "method");
  const char *sign_type = params_get (params, "sign_type");
  const char *sign = params_get (params, "sign");
  const char *timestamp = params_get (params, "timestamp");
  const char *charset = params_get (params, "charset");
  const char *format = params_get (params, "format");
  g_autofree char *content = NULL;
  g_autoptr(GError) error = NULL;

  if (app_id == NULL)
    outcome_fail (o, "40001", "isv.missing-app-id", "缺少appId参数");
  else if (method == NULL)
    outcome_fail (o, "40001", "isv.missing-method", "缺少方法名参数");
  else if (sign_type == NULL)
    outcome_fail (o, "40001", "isv.missing-signature-type", "缺少签名类型参数");
  else if (sign == NULL)
    outcome_fail (o, "40001", "isv.missing-signature", "缺少签名参数");
  else if (timestamp == NULL)
    outcome_fail (o, "40001", "isv.missing-timestamp", "缺少时间戳参数");
  else if (!app_id_known (view, app_id))
    outcome_fail (o, "40002", "isv.invalid-app-id", "无效的AppID参数");
  else if (!method_known (method))
    outcome_fail (o, "40002", "isv.invalid-method", "不存在的方法名");
  else if (!valid_v2_timestamp (timestamp))
    outcome_fail (o, "40002", "isv.invalid-timestamp",
                  "非法的时间戳参数，格式应为 yyyy-MM-dd HH:mm:ss");
  else if (strcmp (sign_type, "RSA2") != 0)
    outcome_fail (o, "40002", "isv.invalid-signature-type",
                  "无效的签名类型参数，AuthSim 只支持 RSA2");
  else if (charset != NULL && g_ascii_strcasecmp (charset, "utf-8") != 0 &&
           g_ascii_strcasecmp (charset, "utf8") != 0)
    outcome_fail (o, "40002", "isv.invalid-charset",
                  "字符集错误：AuthSim 只支持 utf-8 (only utf-8 is supported)");
  else if (format != NULL && g_ascii_strcasecmp (format, "json") != 0)
    outcome_fail (o, "40002", "isv.invalid-format", "无效的数据格式参数，只支持 JSON");

  if (outcome_failed (o))
    return;

  content = params_sign_content (params);
  if (!authsim_keys_verify_app (self->keys, content, strlen (content), sign, &error))
    outcome_fail (o, "40002", "isv.invalid-signature", SUB_MSG_INVALID_SIGNATURE "%s", content);
}

static void
handle_v2 (AuthsimGateway    *self,
           const View        *view,
           SoupServerMessage *msg)
{
  gint64 started = g_get_monotonic_time ();
  g_autoptr(Params) params = params_new ();
  Outcome o = { NULL, };
  const char *method = NULL;
  g_autofree char *log_method = NULL;
  g_autofree char *key = NULL;
  char *payload;

  /* On a parse error, the parameters read so far still name the method, when they do. */
  if (collect_v2_params (msg, params, &o))
    check_v2_request (self, view, params, &o);
  method = params_get (params, "method");

  if (!outcome_failed (&o))
    {
      const char *app_id = params_get (params, "app_id");

      if (strcmp (method, METHOD_TOKEN) == 0)
        oauth_token (self, view, app_id,
                     params_get (params, "grant_type"),
                     params_get (params, "code"),
                     params_get (params, "refresh_token"), &o);
      else
        user_info_share (self, view, app_id, params_get (params, "auth_token"), &o);
    }

  if (method_known (method) && !(outcome_failed (&o) && o.error_response))
    {
      char *p;

      key = g_strconcat (method, "_response", NULL);
      for (p = key; *p != '\0'; p++)
        if (*p == '.')
          *p = '_';
    }
  else
    key = g_strdup ("error_response");

  if (outcome_failed (&o))
    {
      g_autoptr(JsonObject) error = error_object (&o);

      payload = object_to_string (error);
    }
  else
    {
      /* user.info.share carries code/msg on success, first; oauth.token does not (as
       * production). Spliced in front of the data's own text rather than copied into a new
       * object member by member. */
      payload = object_to_string (o.data);
      if (strcmp (method, METHOD_SHARE) == 0)
        {
          char *prefixed = g_strconcat ("{\"code\":\"10000\",\"msg\":\"Success\"",
                                        payload[1] == '}' ? "" : ",", payload + 1, NULL);

          g_free (payload);
          payload = prefixed;
        }
    }

  if (method != NULL)
    log_method = clip (method, 64);
  log_request (self, "v2", log_method, o.code, o.sub_code, SOUP_STATUS_OK, o.call);

  reply_signed (self, msg, FALSE, SOUP_STATUS_OK, key, payload, started);
  outcome_clear (&o);
}

/* ------------------------------------------------------------------------------------------ */
/* v3: /v3/alipay/…                                                                           */

static guint
v3_status_for (const Outcome *o)
{
  if (o->v3_status != 0)
    return o->v3_status;
  if (g_strcmp0 (o->sub_code, "aop.invalid-auth-token") == 0 ||
      g_strcmp0 (o->sub_code, "aop.auth-token-time-out") == 0 ||
      g_strcmp0 (o->sub_code, "isv.invalid-signature") == 0 ||
      g_strcmp0 (o->sub_code, "isv.invalid-app-id") == 0)
    return SOUP_STATUS_UNAUTHORIZED;
  if (g_strcmp0 (o->sub_code, "isv.insufficient-isv-permissions") == 0)
    return SOUP_STATUS_FORBIDDEN;
  if (g_strcmp0 (o->sub_code, "isp.unknow-error") == 0)
    return SOUP_STATUS_INTERNAL_SERVER_ERROR;
  return SOUP_STATUS_BAD_REQUEST;
}

/* v3 error codes are the v2 sub_codes without their "isv."/"aop."/"isp." prefix
 * (production: "invalid-auth-token", "invalid-method" …). */
static const char *
v3_code_for (const char *sub_code)
{
  const char *dot = strchr (sub_code, '.');

  return dot != NULL ? dot + 1 : sub_code;
}

/* Parses "ALIPAY-SHA256withRSA app_id=…,nonce=…,timestamp=…,sign=…" and checks it against
 * the request exactly as alipay-sdk 4.x builds it: the signed string is
 * "{auth string}\n{METHOD}\n{path?query}\n{body}\n" plus "{app auth token}\n" when given. */
static void
check_v3_authorization (AuthsimGateway    *self,
                        const View        *view,
                        SoupServerMessage *msg,
                        const char        *body,
                        gsize              body_length,
                        char             **app_id_out,
                        Outcome           *o)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *authorization = soup_message_headers_get_one (headers, "Authorization");
  const char *app_auth_token = soup_message_headers_get_one (headers, "alipay-app-auth-token");
  GUri *uri = soup_server_message_get_uri (msg);
  const char *query = g_uri_get_query (uri);
  g_autofree char *auth_string = NULL;
  g_auto(GStrv) items = NULL;
  const char *sign_at;
  const char *app_id = NULL, *nonce = NULL, *timestamp = NULL;
  const char *p;
  GString *content;
  g_autofree char *content_str = NULL;
  gsize scheme_len = strlen (V3_AUTH_SCHEME);
  guint i;

  o->v3_status = SOUP_STATUS_UNAUTHORIZED;

  if (authorization == NULL || *authorization == '\0')
    {
      outcome_fail (o, "40001", "isv.missing-signature",
                    "缺少签名参数：请求头 authorization 不存在");
      return;
    }
  if (!g_utf8_validate (authorization, -1, NULL))
    {
      outcome_fail (o, "40002", "isv.invalid-charset", "authorization 请求头不是合法的 UTF-8");
      return;
    }
  if (g_ascii_strncasecmp (authorization, V3_AUTH_SCHEME, scheme_len) != 0 ||
      authorization[scheme_len] != ' ')
    {
      outcome_fail (o, "40002", "isv.invalid-signature-type",
                    "无效的签名类型，authorization 应以 " V3_AUTH_SCHEME " 开头");
      return;
    }
  p = authorization + scheme_len + 1;
  sign_at = g_strrstr (p, ",sign=");
  if (sign_at == NULL || sign_at[6] == '\0')
    {
      outcome_fail (o, "40001", "isv.missing-signature", "缺少签名参数：authorization 中没有 sign");
      return;
    }
  auth_string = g_strndup (p, sign_at - p);
  items = g_strsplit (auth_string, ",", -1);
  for (i = 0; items[i] != NULL; i++)
    {
      const char *item = items[i];

      if (g_str_has_prefix (item, "app_id="))
        app_id = item + 7;
      else if (g_str_has_prefix (item, "nonce="))
        nonce = item + 6;
      else if (g_str_has_prefix (item, "timestamp="))
        timestamp = item + 10;
    }

  if (app_id == NULL || *app_id == '\0')
    outcome_fail (o, "40001", "isv.missing-app-id", "缺少appId参数");
  else if (nonce == NULL || *nonce == '\0')
    outcome_fail (o, "40001", "isv.missing-nonce", "缺少nonce参数");
  else if (timestamp == NULL || *timestamp == '\0')
    outcome_fail (o, "40001", "isv.missing-timestamp", "缺少时间戳参数");
  else if (!app_id_known (view, app_id))
    outcome_fail (o, "40002", "isv.invalid-app-id", "无效的AppID参数");
  if (outcome_failed (o))
    return;

  for (p = timestamp; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      break;
  if (*p != '\0' || p - timestamp > 16)
    {
      outcome_fail (o, "40002", "isv.invalid-timestamp", "非法的时间戳参数，应为毫秒数");
      return;
    }

  content = g_string_new (auth_string);
  g_string_append_printf (content, "\n%s\n%s", soup_server_message_get_method (msg),
                          g_uri_get_path (uri));
  if (query != NULL)
    g_string_append_printf (content, "?%s", query);
  g_string_append_c (content, '\n');
  g_string_append_len (content, body, body_length);
  g_string_append_c (content, '\n');
  if (app_auth_token != NULL)
    g_string_append_printf (content, "%s\n", app_auth_token);
  content_str = g_string_free (content, FALSE);

  if (!authsim_keys_verify_app (self->keys, content_str, strlen (content_str),
                                sign_at + 6, NULL))
    {
      if (g_utf8_validate (content_str, -1, NULL))
        outcome_fail (o, "40002", "isv.invalid-signature", SUB_MSG_INVALID_SIGNATURE "%s",
                      content_str);
      else
        outcome_fail (o, "40002", "isv.invalid-signature", SUB_MSG_INVALID_SIGNATURE
                      "(请求不是合法的 UTF-8)");
      return;
    }

  o->v3_status = 0;
  *app_id_out = g_strdup (app_id);
}

/* A string member of the JSON body; FALSE (and @o set) when present with another type. */
static gboolean
v3_string_member (JsonObject  *obj,
                  const char  *name,
                  const char **out,
                  Outcome     *o)
{
  JsonNode *node = obj != NULL ? json_object_get_member (obj, name) : NULL;

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      outcome_fail (o, "40002", "isv.invalid-parameter", "参数 %s 必须是字符串", name);
      return FALSE;
    }
  *out = json_node_get_string (node);
  if (**out == '\0')
    *out = NULL;
  return TRUE;
}

static void
handle_v3 (AuthsimGateway    *self,
           const View        *view,
           SoupServerMessage *msg,
           const char        *path)
{
  gint64 started = g_get_monotonic_time ();
  SoupMessageBody *request_body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (request_body);
  gsize length = 0;
  const char *data = g_bytes_get_data (bytes, &length);
  const char *method = NULL;
  g_autofree char *app_id = NULL;
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *obj = NULL;
  Outcome o = { NULL, };
  guint status;
  char *payload;

  if (strcmp (path, V3_TOKEN_PATH) == 0)
    method = METHOD_TOKEN;
  else if (strcmp (path, V3_SHARE_PATH) == 0)
    method = METHOD_SHARE;

  if (method == NULL)
    outcome_fail (&o, "40002", "isv.invalid-method", "不存在的方法名");
  else if (soup_server_message_get_method (msg) != SOUP_METHOD_POST)
    {
      o.v3_status = SOUP_STATUS_METHOD_NOT_ALLOWED;
      outcome_fail (&o, "40002", "isv.invalid-http-method", "只支持 POST 请求");
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Allow", "POST");
    }
  else
    check_v3_authorization (self, view, msg, data != NULL ? data : "", length, &app_id, &o);

  if (!outcome_failed (&o))
    check_body_type (msg, length, "application/json", FALSE, &o);

  if (!outcome_failed (&o) && length > 0)
    {
      g_autoptr(GError) error = NULL;

      parser = json_parser_new_immutable ();
      if (!g_utf8_validate_len (data, length, NULL))
        outcome_fail (&o, "40002", "isv.invalid-charset", "请求体不是合法的 UTF-8");
      else if (!json_parser_load_from_data (parser, data, (gssize) length, &error))
        outcome_fail (&o, "40002", "isv.invalid-parameter", "请求体不是合法的 JSON：%s",
                      error->message);
      else if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        outcome_fail (&o, "40002", "isv.invalid-parameter", "请求体必须是 JSON 对象");
      else
        obj = json_node_get_object (json_parser_get_root (parser));
    }

  if (!outcome_failed (&o))
    {
      if (strcmp (method, METHOD_TOKEN) == 0)
        {
          const char *grant_type, *code, *refresh_token;

          if (v3_string_member (obj, "grant_type", &grant_type, &o) &&
              v3_string_member (obj, "code", &code, &o) &&
              v3_string_member (obj, "refresh_token", &refresh_token, &o))
            oauth_token (self, view, app_id, grant_type, code, refresh_token, &o);
        }
      else
        {
          const char *auth_token = NULL;
          GUri *uri = soup_server_message_get_uri (msg);
          g_autoptr(Params) query = params_new ();
          const char *raw_query = g_uri_get_query (uri);
          gboolean ok = TRUE;

          /* auth_token in the query string (SPEC) or in the JSON body (what the SDK's
           * own tests send). */
          if (raw_query != NULL)
            ok = params_add_form (query, raw_query, strlen (raw_query), "query string", &o);
          if (ok)
            auth_token = params_get (query, "auth_token");
          if (ok && auth_token == NULL)
            ok = v3_string_member (obj, "auth_token", &auth_token, &o);
          if (ok)
            user_info_share (self, view, app_id, auth_token, &o);
        }
    }

  if (outcome_failed (&o))
    {
      g_autoptr(JsonObject) err = json_object_new ();

      status = v3_status_for (&o);
      json_object_set_string_member (err, "code", v3_code_for (o.sub_code));
      json_object_set_string_member (err, "message", o.sub_msg);
      payload = object_to_string (err);
    }
  else
    {
      status = SOUP_STATUS_OK;
      payload = object_to_string (o.data);
    }

  log_request (self, "v3", method, o.code, o.sub_code, status, o.call);
  reply_signed (self, msg, TRUE, status, NULL, payload, started);
  outcome_clear (&o);
}

/* ------------------------------------------------------------------------------------------ */
/* Routing                                                                                    */

static void
server_callback (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  AuthsimGateway *self = user_data;
  const char *http_method = soup_server_message_get_method (msg);
  g_autoptr(View) view = dup_view (self);

  if (g_strcmp0 (path, GATEWAY_PATH) == 0)
    {
      if (http_method != SOUP_METHOD_POST && http_method != SOUP_METHOD_GET)
        {
          soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                        "Allow", "GET, POST");
          reply_transport_error (self, msg, "v2", SOUP_STATUS_METHOD_NOT_ALLOWED,
                                 "method-not-allowed", "use POST or GET for /gateway.do");
          return;
        }
      handle_v2 (self, view, msg);
    }
  else if (path != NULL && g_str_has_prefix (path, V3_PREFIX))
    handle_v3 (self, view, msg, path);
  else
    reply_transport_error (self, msg, NULL, SOUP_STATUS_NOT_FOUND, "not-found",
                           "no such endpoint; the gateway serves /gateway.do and /v3/alipay/…");
}

/* ------------------------------------------------------------------------------------------ */
/* The server thread                                                                          */

typedef struct
{
  AuthsimGateway *self;
  GSocketAddress *address;
  GMutex          lock;
  GCond           cond;
  gboolean        done;
  GError         *error;  /* listening failed */
  guint           port;   /* the port listened on */
} Start;

static void
report_start (Start  *start,
              GError *error,
              guint   port)
{
  g_mutex_lock (&start->lock);
  start->error = error;
  start->port = port;
  start->done = TRUE;
  g_cond_signal (&start->cond);
  g_mutex_unlock (&start->lock);
}

/* Everything the server does happens here, on self->context, until the loop quits. */
static gpointer
server_thread (gpointer data)
{
  Start *start = data;
  AuthsimGateway *self = start->self;
  g_autofree char *server_header = g_strdup_printf ("AuthSim/%s ", PACKAGE_VERSION);
  GError *error = NULL;
  GSList *listeners;
  guint port = 0;

  g_main_context_push_thread_default (self->context);

  self->server = soup_server_new ("server-header", server_header,
                                  "raw-paths", TRUE,
                                  NULL);
  g_signal_connect (self->server, "request-started", G_CALLBACK (request_started), self);
  soup_server_add_handler (self->server, NULL, server_callback, self, NULL);

  if (!soup_server_listen (self->server, start->address, 0, &error))
    {
      g_clear_object (&self->server);
      g_main_context_pop_thread_default (self->context);
      report_start (start, error, 0);
      return NULL;
    }

  listeners = soup_server_get_listeners (self->server);
  if (listeners != NULL)
    {
      g_autoptr(GSocketAddress) local = g_socket_get_local_address (listeners->data, NULL);

      if (local != NULL && G_IS_INET_SOCKET_ADDRESS (local))
        port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
    }
  g_slist_free (listeners);

  /* From here on @start belongs to the caller again. */
  report_start (start, NULL, port);

  g_main_loop_run (self->loop);

  /* Stopping: close every connection, cut lingering ones short, and let their callbacks
   * run so that nothing is left pending on a context nobody will iterate again. */
  soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  for (guint i = 0; i < self->lingers->len; i++)
    g_cancellable_cancel (((Linger *) g_ptr_array_index (self->lingers, i))->cancellable);
  while (self->lingers->len > 0)
    g_main_context_iteration (self->context, TRUE);
  while (g_main_context_iteration (self->context, FALSE))
    ;

  g_main_context_pop_thread_default (self->context);
  return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* The object                                                                                 */

static void
authsim_gateway_dispose (GObject *object)
{
  AuthsimGateway *self = AUTHSIM_GATEWAY (object);

  /* The server thread uses the store, the log and the keys: it goes first. */
  authsim_gateway_stop (self);
  unwatch_profile_and_users (self);
  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_clear_object (&self->engine);
  g_clear_object (&self->store);
  g_clear_object (&self->log);
  g_clear_object (&self->keys);

  G_OBJECT_CLASS (authsim_gateway_parent_class)->dispose (object);
}

static void
authsim_gateway_finalize (GObject *object)
{
  AuthsimGateway *self = AUTHSIM_GATEWAY (object);

  g_clear_pointer (&self->url, g_free);
  g_clear_pointer (&self->view, view_unref);
  g_mutex_clear (&self->view_lock);
  g_ptr_array_unref (self->watched_user_objects);
  g_ptr_array_unref (self->lingers);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (authsim_gateway_parent_class)->finalize (object);
}

static void
authsim_gateway_class_init (AuthsimGatewayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = authsim_gateway_dispose;
  object_class->finalize = authsim_gateway_finalize;
}

static void
authsim_gateway_init (AuthsimGateway *self)
{
  g_mutex_init (&self->view_lock);
  self->watched_user_objects = g_ptr_array_new_with_free_func (g_object_unref);
  self->lingers = g_ptr_array_new ();
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
}

AuthsimGateway *
authsim_gateway_new (AuthsimEngine *engine,
                     AuthsimStore  *store,
                     AuthsimLog    *log,
                     AuthsimKeys   *keys)
{
  AuthsimGateway *self;

  g_return_val_if_fail (AUTHSIM_IS_ENGINE (engine), NULL);
  g_return_val_if_fail (AUTHSIM_IS_STORE (store), NULL);
  g_return_val_if_fail (AUTHSIM_IS_LOG (log), NULL);
  g_return_val_if_fail (AUTHSIM_IS_KEYS (keys), NULL);

  self = g_object_new (AUTHSIM_TYPE_GATEWAY, NULL);
  self->engine = g_object_ref (engine);
  self->store = g_object_ref (store);
  self->log = g_object_ref (log);
  self->keys = g_object_ref (keys);
  g_signal_connect_swapped (engine, "notify::profile", G_CALLBACK (watch_profile_and_users), self);
  g_signal_connect_swapped (engine, "notify::users", G_CALLBACK (watch_profile_and_users), self);
  watch_profile_and_users (self);
  return self;
}

gboolean
authsim_gateway_start (AuthsimGateway *self,
                       const char     *address,
                       guint           port,
                       GError        **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autofree char *host = NULL;
  Start start = { NULL, };
  JsonObject *fields;

  g_return_val_if_fail (AUTHSIM_IS_GATEWAY (self), FALSE);

  if (address == NULL || *address == '\0' || g_ascii_strcasecmp (address, "localhost") == 0)
    address = AUTHSIM_GATEWAY_DEFAULT_ADDRESS;
  if (port > 65535)
    {
      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID,
                   _("Invalid gateway port %u"), port);
      return FALSE;
    }
  inet = g_inet_address_new_from_string (address);
  if (inet == NULL)
    {
      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID,
                   _("Invalid gateway address “%s”: an IP address is expected"), address);
      return FALSE;
    }

  authsim_gateway_stop (self);

  /* The thread listens and reports; listening takes well under a millisecond. */
  socket_address = g_inet_socket_address_new (inet, (guint16) port);
  start.self = self;
  start.address = socket_address;
  g_mutex_init (&start.lock);
  g_cond_init (&start.cond);
  self->thread = g_thread_new ("authsim-gateway", server_thread, &start);
  g_mutex_lock (&start.lock);
  while (!start.done)
    g_cond_wait (&start.cond, &start.lock);
  g_mutex_unlock (&start.lock);
  g_mutex_clear (&start.lock);
  g_cond_clear (&start.cond);

  if (start.error != NULL)
    {
      g_thread_join (g_steal_pointer (&self->thread));
      /* Callers say which address and port; the reason is enough here. */
      g_set_error_literal (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO, start.error->message);
      g_error_free (start.error);
      return FALSE;
    }

  self->port = start.port != 0 ? start.port : port;
  host = g_inet_address_to_string (inet);
  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    self->url = g_strdup_printf ("http://[%s]:%u" GATEWAY_PATH, host, self->port);
  else
    self->url = g_strdup_printf ("http://%s:%u" GATEWAY_PATH, host, self->port);

  fields = json_object_new ();
  json_object_set_string_member (fields, "event", "listening");
  json_object_set_string_member (fields, "url", self->url);
  authsim_log_append (self->log, 0, "gateway", fields);

  return TRUE;
}

static gboolean
quit_server_loop (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

void
authsim_gateway_stop (AuthsimGateway *self)
{
  g_return_if_fail (AUTHSIM_IS_GATEWAY (self));

  if (self->thread != NULL)
    {
      /* An idle on the server's context, not g_main_loop_quit() from here: that would be
       * lost if the thread has not entered g_main_loop_run() yet. */
      g_autoptr(GSource) quit = g_idle_source_new ();

      g_source_set_callback (quit, quit_server_loop, self->loop, NULL);
      g_source_attach (quit, self->context);
      g_thread_join (g_steal_pointer (&self->thread));
    }
  g_clear_pointer (&self->url, g_free);
  self->port = 0;
}

guint
authsim_gateway_get_port (AuthsimGateway *self)
{
  g_return_val_if_fail (AUTHSIM_IS_GATEWAY (self), 0);

  return self->port;
}

const char *
authsim_gateway_get_url (AuthsimGateway *self)
{
  g_return_val_if_fail (AUTHSIM_IS_GATEWAY (self), NULL);

  return self->url;
}
