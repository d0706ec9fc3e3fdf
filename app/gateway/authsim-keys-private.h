/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-keys-private.h: what the gateway layer's other OpenSSL users (authsim-certs.c) share
 * with AuthsimKeys: its keys as OpenSSL objects, and the one way keys are read, written and
 * generated. Nothing above the gateway layer sees OpenSSL types.
 */
#pragma once

#include <openssl/types.h>

#include "authsim-keys.h"

G_BEGIN_DECLS

/* (transfer none): the public key requests are verified against (app-public.pem or the
 * --app-public-key key), and gateway-public.pem. */
EVP_PKEY *authsim_keys_peek_app_public      (AuthsimKeys *self);
EVP_PKEY *authsim_keys_peek_gateway_public  (AuthsimKeys *self);

/* (transfer full): the reason of the last OpenSSL error (clearing the thread's queue). */
char     *authsim_keys_take_openssl_reason  (void);
/* (transfer full): a new RSA-2048 key. */
EVP_PKEY *authsim_keys_generate_rsa         (GError    **error);
/* (transfer full): PEM text of @pkey: PKCS#8 "PRIVATE KEY" or SPKI "PUBLIC KEY". */
char     *authsim_keys_encode_pem           (EVP_PKEY   *pkey,
                                             gboolean    private_key,
                                             GError    **error);
/* (transfer full): the RSA key of the PEM file @path; only the kind of block asked for. */
EVP_PKEY *authsim_keys_read_key_file        (const char *path,
                                             gboolean    private_key,
                                             GError    **error);
/* Writes @contents to @path atomically, mode 0600. */
gboolean  authsim_keys_write_private_file   (const char *path,
                                             const char *contents,
                                             GError    **error);

G_END_DECLS
