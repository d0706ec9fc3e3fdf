/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "authsim-keys-sealer.h"

struct _AuthsimKeysSealer
{
  GObject      parent_instance;

  AuthsimKeys *keys;
};

static void authsim_keys_sealer_iface_init (AuthsimSealerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (AuthsimKeysSealer, authsim_keys_sealer, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (AUTHSIM_TYPE_SEALER,
                                                      authsim_keys_sealer_iface_init))

/* AES-CBC with aes.key, a zero IV and PKCS#7, in base64: authsim_keys_aes_encrypt(). */
static char *
authsim_keys_sealer_encrypt (AuthsimSealer  *sealer,
                             const char     *plaintext,
                             gsize           length,
                             GError        **error)
{
  AuthsimKeysSealer *self = AUTHSIM_KEYS_SEALER (sealer);

  return authsim_keys_aes_encrypt (self->keys, plaintext, (gssize) length, error);
}

/* SHA256withRSA with gateway-private.pem, in base64. */
static char *
authsim_keys_sealer_sign (AuthsimSealer  *sealer,
                          const char     *content,
                          gsize           length,
                          GError        **error)
{
  AuthsimKeysSealer *self = AUTHSIM_KEYS_SEALER (sealer);

  return authsim_keys_sign (self->keys, content, length, error);
}

static void
authsim_keys_sealer_iface_init (AuthsimSealerInterface *iface)
{
  iface->encrypt = authsim_keys_sealer_encrypt;
  iface->sign = authsim_keys_sealer_sign;
}

static void
authsim_keys_sealer_dispose (GObject *object)
{
  AuthsimKeysSealer *self = AUTHSIM_KEYS_SEALER (object);

  g_clear_object (&self->keys);

  G_OBJECT_CLASS (authsim_keys_sealer_parent_class)->dispose (object);
}

static void
authsim_keys_sealer_class_init (AuthsimKeysSealerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = authsim_keys_sealer_dispose;
}

static void
authsim_keys_sealer_init (AuthsimKeysSealer *self)
{
}

AuthsimSealer *
authsim_keys_sealer_new (AuthsimKeys *keys)
{
  AuthsimKeysSealer *self;

  g_return_val_if_fail (AUTHSIM_IS_KEYS (keys), NULL);

  self = g_object_new (AUTHSIM_TYPE_KEYS_SEALER, NULL);
  self->keys = g_object_ref (keys);
  return AUTHSIM_SEALER (self);
}
