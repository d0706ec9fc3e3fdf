/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "authsim-sealer.h"

G_DEFINE_INTERFACE (AuthsimSealer, authsim_sealer, G_TYPE_OBJECT)

static void
authsim_sealer_default_init (AuthsimSealerInterface *iface)
{
}

char *
authsim_sealer_encrypt (AuthsimSealer  *self,
                        const char     *plaintext,
                        gsize           length,
                        GError        **error)
{
  g_return_val_if_fail (AUTHSIM_IS_SEALER (self), NULL);
  g_return_val_if_fail (plaintext != NULL, NULL);

  return AUTHSIM_SEALER_GET_IFACE (self)->encrypt (self, plaintext, length, error);
}

char *
authsim_sealer_sign (AuthsimSealer  *self,
                     const char     *content,
                     gsize           length,
                     GError        **error)
{
  g_return_val_if_fail (AUTHSIM_IS_SEALER (self), NULL);
  g_return_val_if_fail (content != NULL, NULL);

  return AUTHSIM_SEALER_GET_IFACE (self)->sign (self, content, length, error);
}
