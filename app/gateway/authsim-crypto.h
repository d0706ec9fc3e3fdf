/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-crypto.h: OpenSSL's services that the lower layers are handed rather than link. */
#pragma once

#include "authsim-random.h"

G_BEGIN_DECLS

/* An AuthsimRandomFunc over OpenSSL's CSPRNG (RAND_bytes). */
gboolean authsim_crypto_random_bytes (guint8 *buffer,
                                      gsize   length);

G_END_DECLS
