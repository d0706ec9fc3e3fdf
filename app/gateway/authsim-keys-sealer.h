/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-keys-sealer.h: the engine's AuthsimSealer over AuthsimKeys: my.getPhoneNumber's
 * answer encrypted with the app's aes.key and signed with the gateway's private key, as Alipay
 * seals it (SPEC §11.2). The backend hands one to the engine once the keys are loaded. */
#pragma once

#include "authsim-keys.h"
#include "authsim-sealer.h"

G_BEGIN_DECLS

#define AUTHSIM_TYPE_KEYS_SEALER (authsim_keys_sealer_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimKeysSealer, authsim_keys_sealer, AUTHSIM, KEYS_SEALER, GObject)

/* (transfer full): a sealer holding a reference to @keys. */
AuthsimSealer *authsim_keys_sealer_new (AuthsimKeys *keys);

G_END_DECLS
