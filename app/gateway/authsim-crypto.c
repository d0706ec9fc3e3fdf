/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <openssl/rand.h>

#include "authsim-crypto.h"

gboolean
authsim_crypto_random_bytes (guint8 *buffer,
                             gsize   length)
{
  while (length > 0)
    {
      int chunk = (int) MIN (length, (gsize) G_MAXINT);

      if (RAND_bytes (buffer, chunk) != 1)
        return FALSE;
      buffer += chunk;
      length -= (gsize) chunk;
    }
  return TRUE;
}
