/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-keys.h: the RSA-2048 key pairs of the mock gateway (SPEC §6) and the app's AES key
 * (SPEC §11.1, §13.4), parsed once. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define AUTHSIM_TYPE_KEYS (authsim_keys_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimKeys, authsim_keys, AUTHSIM, KEYS, GObject)

/*
 * Loads the pairs from @dir (app-private.pem PKCS#8, app-public.pem SPKI, gateway-private.pem,
 * gateway-public.pem) and the app's AES key (aes.key: 16 bytes in base64), generating missing
 * ones (mode 0600) in a worker thread.
 * @app_public_key_path (nullable): trust this app public key instead of app-public.pem; it must
 * pass authsim_keys_check_app_public_key().
 */
void         authsim_keys_load_async  (const char          *dir,
                                       const char          *app_public_key_path,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
AuthsimKeys *authsim_keys_load_finish (GAsyncResult        *result,
                                       GError             **error);
AuthsimKeys *authsim_keys_load        (const char          *dir,
                                       const char          *app_public_key_path,
                                       GCancellable        *cancellable,
                                       GError             **error);

/* Whether @path holds what --app-public-key takes: a PEM RSA public key (SPKI or PKCS#1) of at
 * least 2048 bits. The one-line @error names the file and the problem. */
gboolean     authsim_keys_check_app_public_key    (const char  *path,
                                                   GError     **error);

const char  *authsim_keys_get_dir                 (AuthsimKeys *self);
/* (transfer full) text of app-private.pem, app-public.pem, gateway-public.pem …, aes.key */
char        *authsim_keys_dup_pem                 (AuthsimKeys *self,
                                                   const char  *file_name,
                                                   GError     **error);
/* SHA256withRSA with the gateway private key, base64. */
char        *authsim_keys_sign                    (AuthsimKeys *self,
                                                   const char  *data,
                                                   gsize        length,
                                                   GError     **error);
/* SHA256withRSA check against the trusted app public key; @signature is base64. */
gboolean     authsim_keys_verify_app              (AuthsimKeys *self,
                                                   const char  *data,
                                                   gsize        length,
                                                   const char  *signature,
                                                   GError     **error);

/* SHA256withRSA with the app private key, base64: what a backend does (scenario client, tests). */
char        *authsim_keys_sign_as_app             (AuthsimKeys *self,
                                                   const char  *data,
                                                   gsize        length,
                                                   GError     **error);
/* Checks a response signature against the gateway public key, as a backend would. */
gboolean     authsim_keys_verify_gateway          (AuthsimKeys *self,
                                                   const char  *data,
                                                   gsize        length,
                                                   const char  *signature,
                                                   GError     **error);

/*
 * The app's AES key (接口内容加密方式): what a backend configures as its encryptKey. Content is
 * encrypted as every official SDK does (AES-CBC, zero IV, PKCS#7, base64; authsim-crypto.h).
 * An encrypted answer is then signed as usual with authsim_keys_sign(), over the JSON string
 * of the ciphertext (authsim_openapi_encrypted_sign_content()).
 */
/* The key as aes.key holds it: base64, 24 characters. */
const char   *authsim_keys_get_aes_key_text       (AuthsimKeys *self);
/* The key's 16 bytes; *@length (nullable) is set to 16. */
const guint8 *authsim_keys_get_aes_key            (AuthsimKeys *self,
                                                   gsize       *length);
/* (transfer full): the base64 ciphertext of @plaintext (@length bytes, or up to its NUL when
 * negative). */
char         *authsim_keys_aes_encrypt            (AuthsimKeys *self,
                                                   const char  *plaintext,
                                                   gssize       length,
                                                   GError     **error);
/* (transfer full) (nullable): the plaintext of the base64 @ciphertext, NUL-terminated, its size
 * in *@length (nullable); NULL and AUTHSIM_ERROR_INVALID when it does not decrypt. */
char         *authsim_keys_aes_decrypt            (AuthsimKeys *self,
                                                   const char  *ciphertext,
                                                   gsize       *length,
                                                   GError     **error);

G_END_DECLS
