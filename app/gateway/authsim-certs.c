/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "authsim-certs.h"
#include "authsim-keys-private.h"
#include "authsim-types.h"

/*
 * The local CA of certificate mode (SPEC §13.1). Its names mirror Alipay's: three roots of the
 * organisation "AuthSim" and unit "Certification Authority" (R1 with RSA-SHA256, E1 with ECDSA,
 * G3 with RSA-SHA1, in the file order of Alipay's bundle once its SM2 root is left out), and two
 * end-entity certificates of the unit "Alipay" issued by R1. Every DN is ASCII with one value per
 * RDN, so that every SDK's way of writing it (Java's X500Principal.getName(), @fidm/x509's
 * attributes reversed, OpenSSL's RFC 2253 printer) gives the same string and so the same SN.
 */

#define ORGANIZATION    "AuthSim"
#define ROOT_UNIT       "Certification Authority"
#define LEAF_UNIT       "Alipay"
#define ROOT_DAYS       (20 * 365)
#define LEAF_DAYS       (10 * 365)
#define ROOT_SERIAL_BITS 63   /* like Alipay's R1: 2292228364100439313 */
#define LEAF_SERIAL_BITS 127  /* like Alipay's end-entity certificates */
#define RSA_OID_PREFIX  "1.2.840.113549.1.1"

struct _AuthsimCerts
{
  GObject  parent_instance;

  char    *root_pem;
  char    *app_pem;
  char    *gateway_pem;
  char    *root_sn;
  char    *app_sn;
  char    *gateway_sn;
};

G_DEFINE_FINAL_TYPE (AuthsimCerts, authsim_certs, G_TYPE_OBJECT)

static void
authsim_certs_finalize (GObject *object)
{
  AuthsimCerts *self = AUTHSIM_CERTS (object);

  g_free (self->root_pem);
  g_free (self->app_pem);
  g_free (self->gateway_pem);
  g_free (self->root_sn);
  g_free (self->app_sn);
  g_free (self->gateway_sn);

  G_OBJECT_CLASS (authsim_certs_parent_class)->finalize (object);
}

static void
authsim_certs_class_init (AuthsimCertsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = authsim_certs_finalize;
}

static void
authsim_certs_init (AuthsimCerts *self)
{
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509, X509_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free)

/* ------------------------------------------------------------------------------------------ */
/* Serial numbers                                                                             */

/* The issuer DN as RFC 2253 writes it, UTF-8 left as is (as Java's getName() does). */
static char *
issuer_dn (X509 *cert)
{
  g_autoptr(BIO) bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  long length;

  if (bio == NULL ||
      X509_NAME_print_ex (bio, X509_get_issuer_name (cert), 0,
                          XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
    return NULL;
  length = BIO_get_mem_data (bio, &data);
  return g_strndup (data, (gsize) length);
}

static char *
serial_decimal (X509 *cert)
{
  BIGNUM *bn = ASN1_INTEGER_to_BN (X509_get0_serialNumber (cert), NULL);
  char *openssl_text = bn != NULL ? BN_bn2dec (bn) : NULL;
  char *text = g_strdup (openssl_text);

  OPENSSL_free (openssl_text);
  BN_free (bn);
  return text;
}

/* md5_hex (issuerDN + decimal (serial)). */
static char *
sn_of (X509 *cert)
{
  g_autofree char *dn = issuer_dn (cert);
  g_autofree char *serial = serial_decimal (cert);
  g_autofree char *joined = NULL;

  if (dn == NULL || serial == NULL)
    return NULL;
  joined = g_strconcat (dn, serial, NULL);
  return g_compute_checksum_for_string (G_CHECKSUM_MD5, joined, -1);
}

/* Whether @cert is signed with RSA (its signature algorithm OID under 1.2.840.113549.1.1), the
 * test both SDKs make (a string prefix, as theirs). */
static gboolean
signed_with_rsa (X509 *cert)
{
  const X509_ALGOR *alg = NULL;
  const ASN1_OBJECT *oid = NULL;
  char text[128];

  X509_get0_signature (NULL, &alg, cert);
  if (alg == NULL)
    return FALSE;
  X509_ALGOR_get0 (&oid, NULL, NULL, alg);
  if (oid == NULL || OBJ_obj2txt (text, sizeof text, oid, 1) <= 0)
    return FALSE;
  return g_str_has_prefix (text, RSA_OID_PREFIX);
}

/* (transfer full): the certificates of a PEM text, in order; an empty array when none parse. */
static GPtrArray *
read_certificates (const char *pem,
                   gssize      length)
{
  GPtrArray *certs = g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free);
  g_autoptr(BIO) bio = NULL;
  X509 *cert;

  if (length < 0)
    length = (gssize) strlen (pem);
  if (length > G_MAXINT)
    return certs;
  bio = BIO_new_mem_buf (pem, (int) length);
  while (bio != NULL && (cert = PEM_read_bio_X509 (bio, NULL, NULL, NULL)) != NULL)
    g_ptr_array_add (certs, cert);
  ERR_clear_error ();
  return certs;
}

char *
authsim_certs_compute_sn (const char  *pem,
                          gssize       length,
                          GError     **error)
{
  g_autoptr(GPtrArray) certs = NULL;
  char *sn = NULL;

  g_return_val_if_fail (pem != NULL, NULL);

  certs = read_certificates (pem, length);
  if (certs->len > 0)
    sn = sn_of (certs->pdata[0]);
  if (sn == NULL)
    g_set_error_literal (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID,
                         _("No PEM certificate"));
  return sn;
}

char *
authsim_certs_compute_root_sn (const char  *pem,
                               gssize       length,
                               GError     **error)
{
  g_autoptr(GPtrArray) certs = NULL;
  GString *root_sn;

  g_return_val_if_fail (pem != NULL, NULL);

  certs = read_certificates (pem, length);
  if (certs->len == 0)
    {
      g_set_error_literal (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID,
                           _("No PEM certificate"));
      return NULL;
    }
  root_sn = g_string_new (NULL);
  for (guint i = 0; i < certs->len; i++)
    {
      g_autofree char *sn = NULL;

      if (!signed_with_rsa (certs->pdata[i]) || (sn = sn_of (certs->pdata[i])) == NULL)
        continue;
      if (root_sn->len > 0)
        g_string_append_c (root_sn, '_');
      g_string_append (root_sn, sn);
    }
  return g_string_free (root_sn, FALSE);
}

/* ------------------------------------------------------------------------------------------ */
/* Making certificates                                                                        */

static X509_NAME *
new_name (const char *unit,
          const char *common_name)
{
  X509_NAME *name = X509_NAME_new ();
  const struct { const char *field; const char *value; } rdns[] = {
    { "C", "CN" }, { "O", ORGANIZATION }, { "OU", unit }, { "CN", common_name },
  };

  for (gsize i = 0; name != NULL && i < G_N_ELEMENTS (rdns); i++)
    if (!X509_NAME_add_entry_by_txt (name, rdns[i].field, MBSTRING_ASC,
                                     (const unsigned char *) rdns[i].value, -1, -1, 0))
      g_clear_pointer (&name, X509_NAME_free);
  return name;
}

/* A random positive serial of at most @bits bits, never 0. */
static gboolean
set_random_serial (X509 *cert,
                   int   bits)
{
  BIGNUM *bn = BN_new ();
  gboolean ok = bn != NULL &&
                BN_rand (bn, bits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) == 1 &&
                BN_to_ASN1_INTEGER (bn, X509_get_serialNumber (cert)) != NULL;

  BN_free (bn);
  return ok;
}

static gboolean
add_extension (X509       *cert,
               X509V3_CTX *ctx,
               int         nid,
               const char *value)
{
  X509_EXTENSION *ext = X509V3_EXT_conf_nid (NULL, ctx, nid, value);
  gboolean ok = ext != NULL && X509_add_ext (cert, ext, -1) == 1;

  X509_EXTENSION_free (ext);
  return ok;
}

/* The extensions of a root (@issuer NULL, so self-signed) or of an end-entity certificate. */
static gboolean
add_extensions (X509 *cert,
                X509 *issuer)
{
  X509V3_CTX ctx;

  X509V3_set_ctx (&ctx, issuer != NULL ? issuer : cert, cert, NULL, NULL, 0);
  if (issuer == NULL)
    return add_extension (cert, &ctx, NID_basic_constraints, "critical,CA:TRUE") &&
           add_extension (cert, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign") &&
           add_extension (cert, &ctx, NID_subject_key_identifier, "hash");
  return add_extension (cert, &ctx, NID_basic_constraints, "critical,CA:FALSE") &&
         add_extension (cert, &ctx, NID_key_usage, "critical,digitalSignature,nonRepudiation") &&
         add_extension (cert, &ctx, NID_subject_key_identifier, "hash") &&
         add_extension (cert, &ctx, NID_authority_key_identifier, "keyid:always");
}

/*
 * A certificate for @subject_key named @unit/@common_name, signed with @signer_key and @digest:
 * a root when @issuer is NULL (issuer = subject, signed with its own key), else issued by
 * @issuer. NULL with @error set when OpenSSL fails.
 */
static X509 *
make_certificate (EVP_PKEY     *subject_key,
                  const char   *unit,
                  const char   *common_name,
                  X509         *issuer,
                  EVP_PKEY     *signer_key,
                  const EVP_MD *digest,
                  GError      **error)
{
  g_autoptr(X509) cert = X509_new ();
  X509_NAME *subject = new_name (unit, common_name);
  long days = issuer == NULL ? ROOT_DAYS : LEAF_DAYS;
  gboolean ok;

  ok = cert != NULL && subject != NULL &&
       X509_set_version (cert, X509_VERSION_3) &&
       set_random_serial (cert, issuer == NULL ? ROOT_SERIAL_BITS : LEAF_SERIAL_BITS) &&
       X509_set_subject_name (cert, subject) &&
       X509_set_issuer_name (cert, issuer != NULL ? X509_get_subject_name (issuer) : subject) &&
       X509_gmtime_adj (X509_getm_notBefore (cert), -24 * 3600) != NULL &&
       X509_time_adj_ex (X509_getm_notAfter (cert), (int) days, 0, NULL) != NULL &&
       X509_set_pubkey (cert, subject_key) &&
       add_extensions (cert, issuer) &&
       X509_sign (cert, signer_key, digest) > 0;
  X509_NAME_free (subject);
  if (!ok)
    {
      g_autofree char *reason = authsim_keys_take_openssl_reason ();

      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_FAILED,
                   _("Cannot make the certificate “%s”: %s"), common_name, reason);
      return NULL;
    }
  return g_steal_pointer (&cert);
}

/* Appends @cert's PEM text to @out. */
static gboolean
append_pem (GString *out,
            X509    *cert)
{
  g_autoptr(BIO) bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  long length;

  if (bio == NULL || !PEM_write_bio_X509 (bio, cert))
    return FALSE;
  length = BIO_get_mem_data (bio, &data);
  g_string_append_len (out, data, length);
  return TRUE;
}

/* (transfer full): root-cert.crt's text: R1 (the CA key, RSA-SHA256), E1 (a P-384 key of its
 * own, ECDSA-SHA384) and G3 (an RSA key of its own, RSA-SHA1). The keys of E1 and G3 sign
 * nothing else and are not kept. */
static char *
make_root_bundle (EVP_PKEY  *ca_key,
                  GError   **error)
{
  g_autoptr(EVP_PKEY) ec_key = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-384");
  g_autoptr(EVP_PKEY) sha1_key = NULL;
  g_autoptr(X509) r1 = NULL;
  g_autoptr(X509) e1 = NULL;
  g_autoptr(X509) g3 = NULL;
  GString *bundle;

  if (ec_key == NULL)
    {
      g_autofree char *reason = authsim_keys_take_openssl_reason ();

      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_FAILED,
                   _("Cannot generate an EC key: %s"), reason);
      return NULL;
    }
  if ((sha1_key = authsim_keys_generate_rsa (error)) == NULL ||
      (r1 = make_certificate (ca_key, ROOT_UNIT, "AuthSim Local Root R1", NULL, ca_key,
                              EVP_sha256 (), error)) == NULL ||
      (e1 = make_certificate (ec_key, ROOT_UNIT, "AuthSim Local Root E1", NULL, ec_key,
                              EVP_sha384 (), error)) == NULL ||
      (g3 = make_certificate (sha1_key, ROOT_UNIT, "AuthSim Local Root G3", NULL, sha1_key,
                              EVP_sha1 (), error)) == NULL)
    return NULL;

  bundle = g_string_new (NULL);
  if (!append_pem (bundle, r1) || !append_pem (bundle, e1) || !append_pem (bundle, g3))
    {
      g_string_free (bundle, TRUE);
      g_set_error_literal (error, AUTHSIM_ERROR, AUTHSIM_ERROR_FAILED,
                           _("Cannot write the root certificates"));
      return NULL;
    }
  return g_string_free (bundle, FALSE);
}

/* ------------------------------------------------------------------------------------------ */
/* Loading                                                                                    */

static gboolean
write_public_file (const char  *path,
                   const char  *contents,
                   GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644,
                                 &local_error))
    {
      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO, "%s", local_error->message);
      return FALSE;
    }
  return TRUE;
}

static char *
read_text_file (const char  *path,
                GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, &local_error))
    g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO, "%s", local_error->message);
  return contents;
}

/* The CA: its key and R1, the first certificate of root-cert.crt, made when missing. */
typedef struct
{
  EVP_PKEY *key;
  X509     *root;
  char     *bundle;  /* root-cert.crt's text */
  gboolean  new_ca;  /* made now: the end-entity certificates must be issued again */
} Ca;

static void
ca_clear (Ca *ca)
{
  g_clear_pointer (&ca->key, EVP_PKEY_free);
  g_clear_pointer (&ca->root, X509_free);
  g_clear_pointer (&ca->bundle, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Ca, ca_clear)

/* Makes the CA key (0600) when missing, then root-cert.crt when missing. */
static gboolean
make_missing_ca (Ca          *ca,
                 const char  *key_path,
                 const char  *bundle_path,
                 GError     **error)
{
  if (ca->key == NULL)
    {
      g_autofree char *pem = NULL;

      if ((ca->key = authsim_keys_generate_rsa (error)) == NULL ||
          (pem = authsim_keys_encode_pem (ca->key, TRUE, error)) == NULL)
        return FALSE;
      if (!authsim_keys_write_private_file (key_path, pem, error))
        {
          explicit_bzero (pem, strlen (pem));
          return FALSE;
        }
      explicit_bzero (pem, strlen (pem));
    }
  ca->bundle = make_root_bundle (ca->key, error);
  ca->new_ca = TRUE;
  return ca->bundle != NULL && write_public_file (bundle_path, ca->bundle, error);
}

static gboolean
load_ca (const char  *dir,
         Ca          *ca,
         GError     **error)
{
  g_autofree char *key_path = g_build_filename (dir, AUTHSIM_CERTS_CA_FILE, NULL);
  g_autofree char *bundle_path = g_build_filename (dir, AUTHSIM_CERTS_ROOT_FILE, NULL);
  gboolean have_key = g_file_test (key_path, G_FILE_TEST_EXISTS);
  gboolean have_bundle = g_file_test (bundle_path, G_FILE_TEST_EXISTS);
  g_autoptr(GPtrArray) certs = NULL;

  if (!have_key && have_bundle)
    {
      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID,
                   _("%s is missing but %s exists; restore it or remove both to make a new local CA"),
                   key_path, bundle_path);
      return FALSE;
    }
  if (have_key && (ca->key = authsim_keys_read_key_file (key_path, TRUE, error)) == NULL)
    return FALSE;
  if (!have_bundle)
    {
      if (!make_missing_ca (ca, key_path, bundle_path, error))
        return FALSE;
    }
  else if ((ca->bundle = read_text_file (bundle_path, error)) == NULL)
    return FALSE;

  certs = read_certificates (ca->bundle, -1);
  if (certs->len == 0 || X509_check_issued (certs->pdata[0], certs->pdata[0]) != X509_V_OK ||
      EVP_PKEY_eq (X509_get0_pubkey (certs->pdata[0]), ca->key) != 1)
    {
      ERR_clear_error ();
      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID,
                   _("%s was not made with %s; remove both to make a new local CA"),
                   bundle_path, key_path);
      return FALSE;
    }
  ca->root = X509_dup (certs->pdata[0]);
  return ca->root != NULL;
}

/* Whether @pem is a certificate for @key issued by the CA. */
static gboolean
leaf_is_current (const char *pem,
                 EVP_PKEY   *key,
                 const Ca   *ca)
{
  g_autoptr(GPtrArray) certs = read_certificates (pem, -1);
  gboolean current;

  current = certs->len > 0 &&
            EVP_PKEY_eq (X509_get0_pubkey (certs->pdata[0]), key) == 1 &&
            X509_NAME_cmp (X509_get_issuer_name (certs->pdata[0]),
                           X509_get_subject_name (ca->root)) == 0 &&
            X509_verify (certs->pdata[0], ca->key) == 1;
  ERR_clear_error ();
  return current;
}

/* (transfer full): the text of the end-entity certificate @file_name for @key, issued (and
 * written) again unless it is current. */
static char *
load_leaf (const char  *dir,
           const char  *file_name,
           const char  *common_name,
           EVP_PKEY    *key,
           const Ca    *ca,
           GError     **error)
{
  g_autofree char *path = g_build_filename (dir, file_name, NULL);
  g_autofree char *pem = NULL;
  g_autoptr(X509) cert = NULL;
  GString *text;

  if (!ca->new_ca && g_file_test (path, G_FILE_TEST_EXISTS))
    {
      pem = read_text_file (path, error);
      if (pem == NULL)
        return NULL;
      if (leaf_is_current (pem, key, ca))
        return g_steal_pointer (&pem);
    }

  cert = make_certificate (key, LEAF_UNIT, common_name, ca->root, ca->key, EVP_sha256 (), error);
  if (cert == NULL)
    return NULL;
  text = g_string_new (NULL);
  if (!append_pem (text, cert))
    {
      g_string_free (text, TRUE);
      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_FAILED,
                   _("Cannot write the certificate “%s”"), common_name);
      return NULL;
    }
  if (!write_public_file (path, text->str, error))
    {
      g_string_free (text, TRUE);
      return NULL;
    }
  return g_string_free (text, FALSE);
}

/* The three SNs of the loaded texts. */
static gboolean
compute_sns (AuthsimCerts  *self,
             GError       **error)
{
  return (self->root_sn = authsim_certs_compute_root_sn (self->root_pem, -1, error)) != NULL &&
         (self->app_sn = authsim_certs_compute_sn (self->app_pem, -1, error)) != NULL &&
         (self->gateway_sn = authsim_certs_compute_sn (self->gateway_pem, -1, error)) != NULL;
}

AuthsimCerts *
authsim_certs_load (AuthsimKeys   *keys,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(AuthsimCerts) self = NULL;
  g_auto(Ca) ca = { NULL, };
  const char *dir;

  g_return_val_if_fail (AUTHSIM_IS_KEYS (keys), NULL);

  dir = authsim_keys_get_dir (keys);
  if (g_cancellable_set_error_if_cancelled (cancellable, error) ||
      !load_ca (dir, &ca, error))
    return NULL;

  self = g_object_new (AUTHSIM_TYPE_CERTS, NULL);
  self->root_pem = g_steal_pointer (&ca.bundle);
  if (g_cancellable_set_error_if_cancelled (cancellable, error) ||
      (self->app_pem = load_leaf (dir, AUTHSIM_CERTS_APP_FILE, "AuthSim App",
                                  authsim_keys_peek_app_public (keys), &ca, error)) == NULL ||
      (self->gateway_pem = load_leaf (dir, AUTHSIM_CERTS_GATEWAY_FILE, "AuthSim Gateway",
                                      authsim_keys_peek_gateway_public (keys), &ca,
                                      error)) == NULL ||
      !compute_sns (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  AuthsimCerts *certs = authsim_certs_load (task_data, cancellable, &error);

  if (certs == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, certs, g_object_unref);
}

void
authsim_certs_load_async (AuthsimKeys         *keys,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (AUTHSIM_IS_KEYS (keys));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, authsim_certs_load_async);
  /* The keys are immutable once loaded: safe to read from the worker. */
  g_task_set_task_data (task, g_object_ref (keys), g_object_unref);
  g_task_run_in_thread (task, load_thread);
}

AuthsimCerts *
authsim_certs_load_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == authsim_certs_load_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------------------------------ */
/* Accessors                                                                                  */

const char *
authsim_certs_get_app_cert_sn (AuthsimCerts *self)
{
  g_return_val_if_fail (AUTHSIM_IS_CERTS (self), NULL);

  return self->app_sn;
}

const char *
authsim_certs_get_gateway_cert_sn (AuthsimCerts *self)
{
  g_return_val_if_fail (AUTHSIM_IS_CERTS (self), NULL);

  return self->gateway_sn;
}

const char *
authsim_certs_get_root_cert_sn (AuthsimCerts *self)
{
  g_return_val_if_fail (AUTHSIM_IS_CERTS (self), NULL);

  return self->root_sn;
}

char *
authsim_certs_dup_pem (AuthsimCerts  *self,
                       const char    *file_name,
                       GError       **error)
{
  g_return_val_if_fail (AUTHSIM_IS_CERTS (self), NULL);

  if (g_strcmp0 (file_name, AUTHSIM_CERTS_ROOT_FILE) == 0)
    return g_strdup (self->root_pem);
  if (g_strcmp0 (file_name, AUTHSIM_CERTS_APP_FILE) == 0)
    return g_strdup (self->app_pem);
  if (g_strcmp0 (file_name, AUTHSIM_CERTS_GATEWAY_FILE) == 0)
    return g_strdup (self->gateway_pem);
  g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_NOT_FOUND,
               _("No certificate file named %s"), file_name != NULL ? file_name : "(null)");
  return NULL;
}
