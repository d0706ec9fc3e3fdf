/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-gateway-limits.c: the body cap. Request bodies are capped at 64 KiB. A larger
 * Content-Length is refused as soon as the headers arrive, a chunked body as soon as it grows
 * past the cap; in both cases the connection is taken from libsoup, answered 413 with a JSON
 * body and closed, so nothing is buffered without bound and the client is not left waiting.
 * A negative Content-Length is answered 400 the same way.
 */
#include "config.h"

#include <string.h>

#include "authsim-gateway-private.h"

#define MAX_BODY_SIZE (64 * 1024)
#define LINGER_USEC   (2 * G_USEC_PER_SEC)
#define LINGER_MAX    (1024 * 1024)

/* A connection taken from libsoup to answer at once: write, drain a little, close. */
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
linger_closed_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
  linger_free (user_data);
}

static void
linger_close (Linger *linger)
{
  g_io_stream_close_async (linger->stream, G_PRIORITY_DEFAULT, NULL, linger_closed_cb, linger);
}

static gboolean
linger_timeout_cb (gpointer user_data)
{
  Linger *linger = user_data;

  g_cancellable_cancel (linger->cancellable);
  g_clear_pointer (&linger->timeout, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void linger_read (Linger *linger);

static void
linger_read_cb (GObject      *source,
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
                             linger->cancellable, linger_read_cb, linger);
}

static void
linger_written_cb (GObject      *source,
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

/* Starts answering on @stream with @status and @body: the whole HTTP response, then closing. */
static void
linger_start (AuthsimGateway *self,
              GIOStream      *stream,
              guint           status,
              const char     *body)
{
  Linger *linger = g_new0 (Linger, 1);

  linger->lingers = self->lingers;
  g_ptr_array_add (self->lingers, linger);
  linger->stream = stream;
  linger->cancellable = g_cancellable_new ();
  linger->response = g_strdup_printf ("HTTP/1.1 %u %s\r\n"
                                      "Content-Type: " AUTHSIM_GATEWAY_JSON_TYPE "\r\n"
                                      "Content-Length: %zu\r\n"
                                      "Connection: close\r\n"
                                      "\r\n"
                                      "%s", status, soup_status_get_phrase (status),
                                      strlen (body), body);
  linger->timeout = g_timeout_source_new (LINGER_USEC / 1000);
  g_source_set_callback (linger->timeout, linger_timeout_cb, linger, NULL);
  g_source_attach (linger->timeout, g_main_context_get_thread_default ());

  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream),
                                   linger->response, strlen (linger->response),
                                   G_PRIORITY_DEFAULT, linger->cancellable,
                                   linger_written_cb, linger);
}

void
authsim_gateway_drop_lingers (AuthsimGateway *self)
{
  for (guint i = 0; i < self->lingers->len; i++)
    g_cancellable_cancel (((Linger *) g_ptr_array_index (self->lingers, i))->cancellable);
  while (self->lingers->len > 0)
    g_main_context_iteration (self->context, TRUE);
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
                        : g_str_has_prefix (path, AUTHSIM_GATEWAY_V3_PREFIX) ? "v3"
                        : strcmp (path, AUTHSIM_GATEWAY_PATH) == 0 ? "v2" : NULL;
  g_autofree char *body = authsim_gateway_transport_error_body (code, message);
  GIOStream *stream;
  g_autoptr(AuthsimGatewaySnapshot) snapshot = authsim_gateway_dup_snapshot (self);

  authsim_gateway_log_request (self, version, NULL, code, NULL, status, 0,
                               authsim_gateway_snapshot_sign_mode (snapshot), FALSE);

  /* After this @msg is no longer served by libsoup (and may be gone). */
  stream = soup_server_message_steal_connection (msg);
  if (stream != NULL)
    linger_start (self, stream, status, body);
}

static void
reject_oversized (AuthsimGateway    *self,
                  SoupServerMessage *msg)
{
  g_autofree char *message = g_strdup_printf ("request body larger than %d bytes",
                                              MAX_BODY_SIZE);

  reject_early (self, msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "request-too-large", message);
}

static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              AuthsimGateway    *self)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  if (body->length > MAX_BODY_SIZE)
    reject_oversized (self, msg);
}

static void
got_headers_cb (SoupServerMessage *msg,
                AuthsimGateway    *self)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupEncoding encoding = soup_message_headers_get_encoding (headers);
  goffset length;

  /* Only a chunked body can grow past the limit unannounced: count its chunks. */
  if (encoding == SOUP_ENCODING_CHUNKED)
    g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk_cb), self);
  if (encoding != SOUP_ENCODING_CONTENT_LENGTH)
    return;

  length = soup_message_headers_get_content_length (headers);
  /* libsoup reads "Content-Length: -5" as a negative length and would warn about it. */
  if (length < 0)
    reject_early (self, msg, SOUP_STATUS_BAD_REQUEST, "bad-request", "invalid Content-Length");
  else if (length > MAX_BODY_SIZE)
    reject_oversized (self, msg);
}

/* Messages only live while the server does, and the gateway owns the server: plain
 * connections are enough (and cheaper than g_signal_connect_object(), per request). */
void
authsim_gateway_request_started_cb (SoupServer        *server,
                                    SoupServerMessage *msg,
                                    AuthsimGateway    *self)
{
  g_signal_connect (msg, "got-headers", G_CALLBACK (got_headers_cb), self);
}
