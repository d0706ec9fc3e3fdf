/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-sealer.h: what the engine is handed to seal my.getPhoneNumber's answer (SPEC §11.2):
 * AES-128-CBC with the app's AES key (keys/aes.key) and SHA256withRSA with the gateway's
 * private key. The engine links no crypto library (ARCHITECTURE.md): the gateway layer
 * implements this interface over its keys and the backend hands it to the engine; tests may
 * hand in their own.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define AUTHSIM_TYPE_SEALER (authsim_sealer_get_type ())
G_DECLARE_INTERFACE (AuthsimSealer, authsim_sealer, AUTHSIM, SEALER, GObject)

struct _AuthsimSealerInterface
{
  GTypeInterface parent_iface;

  char *(*encrypt) (AuthsimSealer  *self,
                    const char     *plaintext,
                    gsize           length,
                    GError        **error);
  char *(*sign)    (AuthsimSealer  *self,
                    const char     *content,
                    gsize           length,
                    GError        **error);
};

/* (transfer full): base64 of AES-128-CBC(@plaintext) with the app's AES key, a zero IV and
 * PKCS#7 padding; NULL with @error when there is no usable key. */
char *authsim_sealer_encrypt (AuthsimSealer  *self,
                              const char     *plaintext,
                              gsize           length,
                              GError        **error);
/* (transfer full): base64 of SHA256withRSA(@content) with the gateway's private key; NULL with
 * @error when it cannot sign. */
char *authsim_sealer_sign    (AuthsimSealer  *self,
                              const char     *content,
                              gsize           length,
                              GError        **error);

G_END_DECLS
