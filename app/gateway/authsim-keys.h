/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-keys.h: the RSA-2048 key pairs of the mock gateway (SPEC §6), parsed once. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define AUTHSIM_TYPE_KEYS (authsim_keys_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimKeys, authsim_keys, AUTHSIM, KEYS, GObject)

/*
 * Loads the pairs from @dir (app-private.pem PKCS#8, app-public.pem SPKI, gateway-private.pem,
 * gateway-public.pem), generating missing ones (mode 0600) in a worker thread.
 * @app_public_key_path (nullable): trust this app public key instead of app-public.pem.
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

const char  *authsim_keys_get_dir                 (AuthsimKeys *self);
/* (transfer full) PEM text of app-private.pem, app-public.pem, gateway-public.pem … */
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

G_END_DECLS
