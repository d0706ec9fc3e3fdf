/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-random.h: the cryptographic random source the engine is handed. The engine links no
 * crypto library (ARCHITECTURE.md): the app passes OpenSSL's RAND_bytes through
 * authsim_crypto_random_bytes() of the gateway layer, tests may pass getrandom(2). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Fills @buffer with @length bytes from a cryptographically secure source; FALSE when the
 * source fails (the caller then has nothing sound to hand out). */
typedef gboolean (*AuthsimRandomFunc) (guint8 *buffer,
                                       gsize   length);

G_END_DECLS
