/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-header-guard.h: the input side of a gateway connection, which counts the bytes of
 * each request's header block so that an over-long one is answered (414 or 431) instead of
 * being dropped by libsoup without a word.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define AUTHSIM_TYPE_HEADER_GUARD (authsim_header_guard_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimHeaderGuard, authsim_header_guard, AUTHSIM, HEADER_GUARD,
                      GInputStream)

/* Called when a guard that refused a header block is closed: @connection is the connection,
 * given to the callee, which must answer @status (414 or 431) and close it. */
typedef void (*AuthsimHeaderGuardRejectFunc) (AuthsimHeaderGuard *guard,
                                              GIOStream          *connection,
                                              guint               status,
                                              gpointer            user_data);

/*
 * (transfer full): a pollable input stream over @connection's, for libsoup to read a request
 * from. Counting starts at once. While it counts, more than @limit bytes make every read fail
 * (G_IO_ERROR_MESSAGE_TOO_LARGE), which makes libsoup close the stream; closing it then hands
 * @connection to @reject_func instead of closing it.
 */
AuthsimHeaderGuard *authsim_header_guard_new  (GIOStream                    *connection,
                                               gsize                         limit,
                                               AuthsimHeaderGuardRejectFunc  reject_func,
                                               gpointer                      user_data);
/* The request's headers are complete: what follows is its body, not counted. */
void authsim_header_guard_headers_done        (AuthsimHeaderGuard *self);
/* The request is answered: what follows is the next request's header block, counted from 0. */
void authsim_header_guard_next_request        (AuthsimHeaderGuard *self);

G_END_DECLS
