/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-crypto.h: OpenSSL's services that the lower layers are handed rather than link, and
 * the symmetric primitives of OpenAPI content encryption (SPEC §13.4).
 */
#pragma once

#include "authsim-random.h"

G_BEGIN_DECLS

/* An AuthsimRandomFunc over OpenSSL's CSPRNG (RAND_bytes). */
gboolean authsim_crypto_random_bytes (guint8 *buffer,
                                      gsize   length);

/* (transfer full) (nullable): @text decoded as strict base64 (RFC 4648 alphabet, '=' padding
 * optional but only at the end and only as much as the length calls for, no whitespace), with
 * a NUL after the bytes; *@length is their number. NULL for anything else, the empty string
 * included: g_base64_decode() silently skips junk, which would let garbage through. */
guint8  *authsim_crypto_base64_decode_strict (const char *text,
                                              gsize      *length);

/*
 * OpenAPI content encryption, as Alipay and every official SDK do it: AES in CBC mode with an
 * all-zero IV and PKCS#7 padding, the ciphertext in base64. @key is 16, 24 or 32 bytes
 * (AES-128, -192, -256; the app's aes.key is 16).
 */
/* (transfer full): the base64 ciphertext of @length bytes of @plaintext. */
char    *authsim_crypto_aes_encrypt (const guint8 *key,
                                     gsize         key_length,
                                     const void   *plaintext,
                                     gsize         length,
                                     GError      **error);
/* (transfer full) (nullable): the plaintext of the base64 @ciphertext, NUL-terminated (it may
 * hold NULs and any bytes: the caller judges it); *@length is its size. NULL and an
 * AUTHSIM_ERROR_INVALID error when @ciphertext is not strict base64 of whole blocks or its
 * padding is wrong. */
char    *authsim_crypto_aes_decrypt (const guint8 *key,
                                     gsize         key_length,
                                     const char   *ciphertext,
                                     gsize        *length,
                                     GError      **error);

G_END_DECLS
