/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "authsim-header-guard.h"

/*
 * Why a stream: libsoup 3.2 reads a request's header block into a buffer of at most 64 KiB and,
 * past that, closes the connection without an answer (soup-message-io-data.c, "Header too big";
 * a 100 KB request line was answered with a reset). Nothing of libsoup's is told before that
 * happens, so the gateway reads its connections through this stream, which sees every byte
 * libsoup reads and refuses more than `limit` of one header block before libsoup's own limit is
 * reached: libsoup's reads run ahead of the header block by at most one 8 KiB chunk, which
 * the counting may miss at the start of a kept-alive connection's next request, so a limit of
 * 48 KiB always trips first. The header block counts from the end of the previous request
 * (authsim_header_guard_next_request()) to the end of its headers
 * (authsim_header_guard_headers_done()). A request line that does not end within the limit is
 * answered 414, a longer block 431; a request pipelined behind another (sent before the answer
 * to the first) may have its request line read ahead, uncounted, and then get 414 for 431.
 */

struct _AuthsimHeaderGuard
{
  GInputStream                  parent_instance;

  GIOStream                    *connection;
  GInputStream                 *base;
  gsize                         limit;
  AuthsimHeaderGuardRejectFunc  reject_func;
  gpointer                      user_data;

  gboolean                      counting;
  gsize                         count;         /* bytes of the header block so far */
  gssize                        line_end;      /* where its first line ends; -1: not yet */
  guint                         status;        /* 414 or 431 once refused, else 0 */
};

static void authsim_header_guard_pollable_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (AuthsimHeaderGuard, authsim_header_guard, G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      authsim_header_guard_pollable_init))

/* Counts @n bytes just read into @buffer; -1 (and @error) once the header block is too long. */
static gssize
count_read (AuthsimHeaderGuard  *self,
            const void          *buffer,
            gssize               n,
            GError             **error)
{
  if (self->status != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                           "request header block too large");
      return -1;
    }
  if (n <= 0 || !self->counting)
    return n;

  if (self->line_end < 0)
    {
      const char *newline = memchr (buffer, '\n', (gsize) n);

      if (newline != NULL)
        self->line_end = (gssize) (self->count + (gsize) (newline - (const char *) buffer));
    }
  self->count += (gsize) n;
  if (self->count <= self->limit)
    return n;

  /* 414 URI Too Long when the request line alone is past the limit, else 431. */
  self->status = self->line_end < 0 || (gsize) self->line_end > self->limit ? 414 : 431;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                       "request header block too large");
  return -1;
}

static gssize
guard_read (GInputStream  *stream,
            void          *buffer,
            gsize          count,
            GCancellable  *cancellable,
            GError       **error)
{
  AuthsimHeaderGuard *self = AUTHSIM_HEADER_GUARD (stream);
  gssize n;

  if (self->status != 0)
    return count_read (self, buffer, 0, error);
  n = g_input_stream_read (self->base, buffer, count, cancellable, error);
  return count_read (self, buffer, n, error);
}

static gssize
guard_read_nonblocking (GPollableInputStream  *stream,
                        void                  *buffer,
                        gsize                  count,
                        GError               **error)
{
  AuthsimHeaderGuard *self = AUTHSIM_HEADER_GUARD (stream);
  gssize n;

  if (self->status != 0)
    return count_read (self, buffer, 0, error);
  n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (self->base), buffer,
                                                count, NULL, error);
  return count_read (self, buffer, n, error);
}

static gboolean
guard_can_poll (GPollableInputStream *stream)
{
  AuthsimHeaderGuard *self = AUTHSIM_HEADER_GUARD (stream);

  return G_IS_POLLABLE_INPUT_STREAM (self->base) &&
         g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (self->base));
}

static gboolean
guard_is_readable (GPollableInputStream *stream)
{
  AuthsimHeaderGuard *self = AUTHSIM_HEADER_GUARD (stream);

  return self->status != 0 ||
         g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (self->base));
}

static GSource *
guard_create_source (GPollableInputStream *stream,
                     GCancellable         *cancellable)
{
  AuthsimHeaderGuard *self = AUTHSIM_HEADER_GUARD (stream);
  g_autoptr(GSource) base_source =
    g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (self->base), NULL);

  return g_pollable_source_new_full (self, base_source, cancellable);
}

/* libsoup closes the stream it read from: the connection goes with it, or, after a refusal,
 * to whoever answers it. */
static gboolean
guard_close (GInputStream  *stream,
             GCancellable  *cancellable,
             GError       **error)
{
  AuthsimHeaderGuard *self = AUTHSIM_HEADER_GUARD (stream);
  g_autoptr(GIOStream) connection = g_steal_pointer (&self->connection);

  if (connection == NULL)
    return TRUE;
  if (self->status != 0 && self->reject_func != NULL)
    {
      self->reject_func (self, g_steal_pointer (&connection), self->status, self->user_data);
      return TRUE;
    }
  return g_io_stream_close (connection, cancellable, error);
}

static void
authsim_header_guard_finalize (GObject *object)
{
  AuthsimHeaderGuard *self = AUTHSIM_HEADER_GUARD (object);

  g_clear_object (&self->base);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (authsim_header_guard_parent_class)->finalize (object);
}

static void
authsim_header_guard_class_init (AuthsimHeaderGuardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = authsim_header_guard_finalize;
  stream_class->read_fn = guard_read;
  stream_class->close_fn = guard_close;
}

static void
authsim_header_guard_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = guard_can_poll;
  iface->is_readable = guard_is_readable;
  iface->create_source = guard_create_source;
  iface->read_nonblocking = guard_read_nonblocking;
}

static void
authsim_header_guard_init (AuthsimHeaderGuard *self)
{
  self->counting = TRUE;
  self->line_end = -1;
}

AuthsimHeaderGuard *
authsim_header_guard_new (GIOStream                    *connection,
                          gsize                         limit,
                          AuthsimHeaderGuardRejectFunc  reject_func,
                          gpointer                      user_data)
{
  AuthsimHeaderGuard *self;

  g_return_val_if_fail (G_IS_IO_STREAM (connection), NULL);

  self = g_object_new (AUTHSIM_TYPE_HEADER_GUARD, NULL);
  self->connection = g_object_ref (connection);
  self->base = g_object_ref (g_io_stream_get_input_stream (connection));
  self->limit = limit;
  self->reject_func = reject_func;
  self->user_data = user_data;
  return self;
}

void
authsim_header_guard_headers_done (AuthsimHeaderGuard *self)
{
  g_return_if_fail (AUTHSIM_IS_HEADER_GUARD (self));

  self->counting = FALSE;
}

void
authsim_header_guard_next_request (AuthsimHeaderGuard *self)
{
  g_return_if_fail (AUTHSIM_IS_HEADER_GUARD (self));

  self->counting = TRUE;
  self->count = 0;
  self->line_end = -1;
}
