/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-gateway-limits.c: the size limits, answered rather than dropped.
 *
 * Header blocks (the request line and the headers) are capped at 48 KiB: the server's
 * connections are read through an AuthsimHeaderGuard (see there why), and a longer block is
 * answered 414 (the request line alone is too long) or 431, with a JSON body, and closed.
 *
 * Request bodies are capped at 64 KiB. A larger Content-Length is refused as soon as the
 * headers arrive, a chunked body as soon as it grows past the cap; in both cases the
 * connection is taken from libsoup, answered 413 with a JSON body and closed, so nothing is
 * buffered without bound and the client is not left waiting. A negative Content-Length is
 * answered 400 the same way.
 */
#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "authsim-gateway-private.h"
#include "authsim-header-guard.h"

#define MAX_HEADER_SIZE (48 * 1024)
#define MAX_BODY_SIZE   (64 * 1024)
#define GUARD_KEY       "authsim-header-guard"
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

/* (transfer full): the whole HTTP response of an early answer. */
static char *
early_response (guint       status,
                const char *body)
{
  /* libsoup has no phrase for 431 (RFC 6585). */
  const char *phrase = status == 431 ? "Request Header Fields Too Large"
                                     : soup_status_get_phrase (status);

  return g_strdup_printf ("HTTP/1.1 %u %s\r\n"
                          "Content-Type: " AUTHSIM_GATEWAY_JSON_TYPE "\r\n"
                          "Content-Length: %zu\r\n"
                          "Connection: close\r\n"
                          "\r\n"
                          "%s", status, phrase, strlen (body), body);
}

/* Takes @stream: writes @response (nullable: sent already), drains and closes. */
static void
linger_begin (AuthsimGateway *self,
              GIOStream      *stream,
              char           *response)
{
  Linger *linger = g_new0 (Linger, 1);

  linger->lingers = self->lingers;
  g_ptr_array_add (self->lingers, linger);
  linger->stream = stream;
  linger->cancellable = g_cancellable_new ();
  linger->response = response;
  linger->timeout = g_timeout_source_new (LINGER_USEC / 1000);
  g_source_set_callback (linger->timeout, linger_timeout_cb, linger, NULL);
  g_source_attach (linger->timeout, g_main_context_get_thread_default ());

  if (response == NULL)
    {
      linger_read (linger);
      return;
    }
  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream),
                                   linger->response, strlen (linger->response),
                                   G_PRIORITY_DEFAULT, linger->cancellable,
                                   linger_written_cb, linger);
}

/* Starts answering on @stream with @status and @body: the whole HTTP response, then closing. */
static void
linger_start (AuthsimGateway *self,
              GIOStream      *stream,
              guint           status,
              const char     *body)
{
  linger_begin (self, stream, early_response (status, body));
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

/* ------------------------------------------------------------------------------------------ */
/* Header blocks                                                                              */

/* A header guard refused a header block and libsoup closed the stream: answer on the
 * connection and close it. */
static void
reject_headers_cb (AuthsimHeaderGuard *guard,
                   GIOStream          *connection,
                   guint               status,
                   gpointer            user_data)
{
  AuthsimGateway *self = user_data;
  g_autoptr(AuthsimGatewaySnapshot) snapshot = authsim_gateway_dup_snapshot (self);
  g_autofree char *message = NULL;
  g_autofree char *body = NULL;
  g_autofree char *response = NULL;
  const char *code;

  if (status == SOUP_STATUS_REQUEST_URI_TOO_LONG)
    {
      code = "request-line-too-long";
      message = g_strdup_printf ("request line longer than %d bytes", MAX_HEADER_SIZE);
    }
  else
    {
      code = "headers-too-large";
      message = g_strdup_printf ("request line and headers larger than %d bytes",
                                 MAX_HEADER_SIZE);
    }
  body = authsim_gateway_transport_error_body (code, message);
  authsim_gateway_log_request (self, NULL, NULL, code, NULL, status, 0,
                               authsim_gateway_snapshot_sign_mode (snapshot), FALSE);

  /* libsoup closed the connection's output stream (an object only: the socket is open) with
   * the stream it read from, so the answer goes to the socket itself: a few hundred bytes,
   * which the send buffer of a connection that has sent nothing yet takes at once. */
  response = early_response (status, body);
  g_socket_send (g_socket_connection_get_socket (G_SOCKET_CONNECTION (connection)),
                 response, strlen (response), NULL, NULL);
  linger_begin (self, connection, NULL);
}

gboolean
authsim_gateway_incoming_cb (GSocketService    *service,
                             GSocketConnection *connection,
                             GObject           *source_object,
                             AuthsimGateway    *self)
{
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  g_autoptr(AuthsimHeaderGuard) guard = NULL;
  g_autoptr(GIOStream) stream = NULL;

  /* Gone already: dropping the connection closes it. */
  if (local == NULL || remote == NULL)
    return TRUE;
  /* As libsoup's own listener does: answers go out at once, not after a delayed ACK. */
  g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP, TCP_NODELAY,
                       TRUE, NULL);
  guard = authsim_header_guard_new (G_IO_STREAM (connection), MAX_HEADER_SIZE,
                                    reject_headers_cb, self);
  stream = g_simple_io_stream_new (G_INPUT_STREAM (guard),
                                   g_io_stream_get_output_stream (G_IO_STREAM (connection)));
  /* The remote address is the one object of the connection that its messages give back. */
  g_object_set_data_full (G_OBJECT (remote), GUARD_KEY, g_object_ref (guard), g_object_unref);
  soup_server_accept_iostream (self->server, stream, local, remote, NULL);
  return TRUE;
}

/* (nullable): the header guard of @msg's connection. */
static AuthsimHeaderGuard *
guard_of (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  return remote != NULL ? g_object_get_data (G_OBJECT (remote), GUARD_KEY) : NULL;
}

void
authsim_gateway_request_finished_cb (SoupServer        *server,
                                     SoupServerMessage *msg,
                                     AuthsimGateway    *self)
{
  AuthsimHeaderGuard *guard = guard_of (msg);

  if (guard != NULL)
    authsim_header_guard_next_request (guard);
}

/* ------------------------------------------------------------------------------------------ */
/* Bodies                                                                                     */

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
  AuthsimHeaderGuard *guard = guard_of (msg);
  goffset length;

  if (guard != NULL)
    authsim_header_guard_headers_done (guard);

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
