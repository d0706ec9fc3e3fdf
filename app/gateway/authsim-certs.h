/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-certs.h: certificate mode (公钥证书, SPEC §13.1): the local CA, the three certificate
 * files a backend configures, and their serial numbers (SN) as Alipay and its SDKs compute them.
 */
#pragma once

#include "authsim-keys.h"

G_BEGIN_DECLS

/* How requests and answers name their keys (SPEC §13.1): public keys, or certificates. */
typedef enum /*< prefix=AUTHSIM_SIGN_MODE >*/
{
  AUTHSIM_SIGN_MODE_KEY,  /*< nick=key >*/
  AUTHSIM_SIGN_MODE_CERT, /*< nick=cert >*/
} AuthsimSignMode;

/* The files, in the keys directory. */
#define AUTHSIM_CERTS_ROOT_FILE    "root-cert.crt"     /* the "Alipay root certificate" bundle */
#define AUTHSIM_CERTS_APP_FILE     "app-cert.crt"      /* for the key requests are verified with */
#define AUTHSIM_CERTS_GATEWAY_FILE "gateway-cert.crt"  /* the "Alipay public key certificate" */
#define AUTHSIM_CERTS_CA_FILE      "ca-private.pem"    /* the local CA's key, 0600 */

#define AUTHSIM_TYPE_CERTS (authsim_certs_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimCerts, authsim_certs, AUTHSIM, CERTS, GObject)

/*
 * The certificates of @keys' directory, made there when missing (SPEC §13.1):
 * - ca-private.pem (0600), an RSA key: the local CA;
 * - root-cert.crt: three self-signed roots, in this order: an RSA-SHA256 root (the CA's key,
 *   the issuer of the two others below), an ECDSA root (P-384, SHA-384) and an RSA-SHA1 root,
 *   so that the root SN has two parts as Alipay's has;
 * - app-cert.crt for the app public key @keys verifies requests with (app-public.pem or the
 *   --app-public-key key) and gateway-cert.crt for gateway-public.pem, both issued by the
 *   RSA-SHA256 root. A leaf certificate that is not for that key or not issued by this CA is
 *   issued again (so --app-public-key changes app-cert.crt and its SN).
 * A CA key without its root-cert.crt gets a new bundle; a root-cert.crt without its CA key,
 * or one whose first certificate is not the CA's, is an error (remove both for a new CA).
 * Generating takes about a second: use the async variant from the main thread.
 */
AuthsimCerts *authsim_certs_load        (AuthsimKeys         *keys,
                                         GCancellable        *cancellable,
                                         GError             **error);
void          authsim_certs_load_async  (AuthsimKeys         *keys,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
AuthsimCerts *authsim_certs_load_finish (GAsyncResult        *result,
                                         GError             **error);

/* app_cert_sn: the SN of app-cert.crt. */
const char   *authsim_certs_get_app_cert_sn     (AuthsimCerts *self);
/* alipay_cert_sn: the SN of gateway-cert.crt. */
const char   *authsim_certs_get_gateway_cert_sn (AuthsimCerts *self);
/* alipay_root_cert_sn: the root SN of root-cert.crt. */
const char   *authsim_certs_get_root_cert_sn    (AuthsimCerts *self);
/* (transfer full): the PEM text of one of the three AUTHSIM_CERTS_*_FILE certificate files, as
 * loaded; AUTHSIM_ERROR_NOT_FOUND for any other name (the CA key included). */
char         *authsim_certs_dup_pem             (AuthsimCerts *self,
                                                 const char   *file_name,
                                                 GError      **error);

/*
 * SN of a certificate [SPEC §13.1]: md5_hex(issuerDN + decimal(serialNumber)), lowercase, where
 * issuerDN is RFC 2253 (most specific first, "CN=…,OU=…,O=…,C=…", no spaces after commas). Only
 * the first certificate of @pem counts. NULL (AUTHSIM_ERROR_INVALID) when there is none.
 */
char         *authsim_certs_compute_sn          (const char   *pem,
                                                 gssize        length,
                                                 GError      **error);
/*
 * Root SN: the SNs of @pem's certificates, in file order, whose signature algorithm OID starts
 * with 1.2.840.113549.1.1 (RSA with SHA-1, SHA-256 …), joined with '_'. NULL
 * (AUTHSIM_ERROR_INVALID) when @pem holds no certificate; "" when none is RSA-signed.
 */
char         *authsim_certs_compute_root_sn     (const char   *pem,
                                                 gssize        length,
                                                 GError      **error);

G_END_DECLS
