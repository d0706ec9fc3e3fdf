/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "authsim-certs.h"
#include "authsim-gateway-enums.h"
#include "authsim-types.h"

/*
 * Certificate mode (SPEC §13.1): the SN algorithm against Alipay's published values, with
 * certificates made here with OpenSSL directly; AuthSim's own files against an independent
 * computation (the openssl command line); and the rules for making and keeping the files.
 */

#define R1_DN     "CN=Ant Financial Certification Authority R1,OU=Certification Authority,O=Ant Financial,C=CN"
#define R1_SERIAL "2292228364100439313"
#define R1_SN     "687b59193f3f462dd5336e5abf83c5d8"
/* The second RSA root of Alipay's bundle; its DN and serial give the SPEC's second SN part. */
#define G3_DN     "CN=iTrusChina Class 2 Root CA - G3,OU=China Trust Network,O=iTrusChina,C=CN"
#define G3_SERIAL "95790491425698859646659490580052089075020051350"
#define G3_SN     "02941eef3187dddf3d3b83462e1dfcf6"
#define ALIPAY_ROOT_SN R1_SN "_" G3_SN

G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509, X509_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)

static EVP_PKEY *rsa_key;  /* made once: RSA generation is slow */
static EVP_PKEY *ec_key;

/* ------------------------------------------------------------------------------------------ */
/* Certificates made here                                                                     */

/* A self-signed certificate whose subject and issuer are @rfc2253_dn (most specific first, as
 * the constants above are written) with the decimal @serial, signed with @key and @digest. */
static X509 *
make_root (const char   *rfc2253_dn,
           const char   *serial,
           EVP_PKEY     *key,
           const EVP_MD *digest)
{
  X509 *cert = X509_new ();
  X509_NAME *name = X509_NAME_new ();
  g_auto(GStrv) rdns = g_strsplit (rfc2253_dn, ",", -1);
  BIGNUM *bn = NULL;

  /* An X509_NAME is stored most general first: add the RDNs in reverse. */
  for (int i = (int) g_strv_length (rdns) - 1; i >= 0; i--)
    {
      g_auto(GStrv) pair = g_strsplit (rdns[i], "=", 2);

      g_assert_cmpint (X509_NAME_add_entry_by_txt (name, pair[0], MBSTRING_ASC,
                                                   (const unsigned char *) pair[1], -1, -1, 0),
                       ==, 1);
    }
  g_assert_cmpint (BN_dec2bn (&bn, serial), >, 0);
  g_assert_nonnull (BN_to_ASN1_INTEGER (bn, X509_get_serialNumber (cert)));
  BN_free (bn);
  X509_set_version (cert, X509_VERSION_3);
  X509_set_subject_name (cert, name);
  X509_set_issuer_name (cert, name);
  X509_gmtime_adj (X509_getm_notBefore (cert), 0);
  X509_gmtime_adj (X509_getm_notAfter (cert), 3600);
  X509_set_pubkey (cert, key);
  g_assert_cmpint (X509_sign (cert, key, digest), >, 0);
  X509_NAME_free (name);
  return cert;
}

static void
append_pem (GString *out,
            X509    *cert)
{
  BIO *bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  long length;

  g_assert_cmpint (PEM_write_bio_X509 (bio, cert), ==, 1);
  length = BIO_get_mem_data (bio, &data);
  g_string_append_len (out, data, length);
  BIO_free (bio);
}

static char *
pem_of (X509 *first,
        ...)
{
  GString *out = g_string_new (NULL);
  va_list args;

  va_start (args, first);
  for (X509 *cert = first; cert != NULL; cert = va_arg (args, X509 *))
    append_pem (out, cert);
  va_end (args);
  return g_string_free (out, FALSE);
}

static char *
compute_sn_ok (const char *pem)
{
  g_autoptr(GError) error = NULL;
  char *sn = authsim_certs_compute_sn (pem, -1, &error);

  g_assert_no_error (error);
  return sn;
}

static char *
compute_root_sn_ok (const char *pem)
{
  g_autoptr(GError) error = NULL;
  char *sn = authsim_certs_compute_root_sn (pem, -1, &error);

  g_assert_no_error (error);
  return sn;
}

/* ------------------------------------------------------------------------------------------ */
/* The SN algorithm                                                                           */

static void
test_sn_vector (void)
{
  g_autoptr(X509) r1 = make_root (R1_DN, R1_SERIAL, rsa_key, EVP_sha256 ());
  g_autofree char *pem = pem_of (r1, NULL);
  g_autofree char *sn = compute_sn_ok (pem);
  g_autofree char *literal = g_compute_checksum_for_string (G_CHECKSUM_MD5,
                                                             R1_DN R1_SERIAL, -1);
  g_autofree char *with_trailer = NULL;

  /* The SPEC's vector, and a certificate that carries that issuer and serial. */
  g_assert_cmpstr (literal, ==, R1_SN);
  g_assert_cmpstr (sn, ==, R1_SN);

  /* Explicit lengths are honoured; text after the certificate is ignored. */
  with_trailer = g_strconcat (pem, "trailing junk\n", NULL);
  g_clear_pointer (&sn, g_free);
  sn = authsim_certs_compute_sn (with_trailer, (gssize) strlen (with_trailer), NULL);
  g_assert_cmpstr (sn, ==, R1_SN);
}

/* A facsimile of Alipay's root bundle: its ECDSA root (a non-RSA certificate, which the SN
 * skips), R1 (RSA-SHA256) and G3 (RSA-SHA1) with their real issuers and serials. */
static void
test_root_sn_alipay_bundle (void)
{
  g_autoptr(X509) e1 = make_root ("CN=Ant Financial Certification Authority E1,"
                                  "OU=Certification Authority,O=Ant Financial,C=CN",
                                  "1234567890", ec_key, EVP_sha384 ());
  g_autoptr(X509) r1 = make_root (R1_DN, R1_SERIAL, rsa_key, EVP_sha256 ());
  g_autoptr(X509) g3 = make_root (G3_DN, G3_SERIAL, rsa_key, EVP_sha1 ());
  g_autofree char *bundle = pem_of (e1, r1, g3, NULL);
  g_autofree char *middle = pem_of (r1, e1, g3, NULL);
  g_autofree char *reversed = pem_of (g3, r1, e1, NULL);
  g_autofree char *only_ec = pem_of (e1, NULL);
  g_autofree char *root_sn = compute_root_sn_ok (bundle);
  g_autofree char *middle_sn = compute_root_sn_ok (middle);
  g_autofree char *reversed_sn = compute_root_sn_ok (reversed);
  g_autofree char *only_ec_sn = compute_root_sn_ok (only_ec);
  g_autofree char *first_sn = compute_sn_ok (bundle);
  g_autofree char *g3_sn = NULL;
  g_autofree char *g3_pem = pem_of (g3, NULL);

  g_assert_cmpstr (root_sn, ==, ALIPAY_ROOT_SN);
  g_assert_cmpstr (middle_sn, ==, ALIPAY_ROOT_SN);
  g_assert_cmpstr (reversed_sn, ==, G3_SN "_" R1_SN);
  g_assert_cmpstr (only_ec_sn, ==, "");
  g_assert_cmpstr (g3_sn = compute_sn_ok (g3_pem), ==, G3_SN);

  /* A certificate's SN is that of the file's first certificate, whatever its algorithm. */
  g_assert_cmpuint (strlen (first_sn), ==, 32);
  g_assert_cmpstr (first_sn, !=, R1_SN);
}

static void
test_sn_no_certificate (void)
{
  static const char * const bad[] = {
    "", "hello", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) root_error = NULL;
      char *sn = authsim_certs_compute_sn (bad[i], -1, &error);
      char *root_sn = authsim_certs_compute_root_sn (bad[i], -1, &root_error);

      g_assert_null (sn);
      g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID);
      g_assert_null (root_sn);
      g_assert_error (root_error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* AuthSim's files                                                                            */

static char *
new_keys_dir (void)
{
  static guint counter;

  return g_strdup_printf ("%s/authsim/keys-%u", g_get_user_data_dir (), ++counter);
}

static AuthsimKeys *
keys_ok (const char *dir,
         const char *override)
{
  g_autoptr(GError) error = NULL;
  AuthsimKeys *keys = authsim_keys_load (dir, override, NULL, &error);

  g_assert_no_error (error);
  return keys;
}

static AuthsimCerts *
certs_ok (AuthsimKeys *keys)
{
  g_autoptr(GError) error = NULL;
  AuthsimCerts *certs = authsim_certs_load (keys, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (certs);
  return certs;
}

static char *
read_file (const char *dir,
           const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

static void
write_file (const char *dir,
            const char *name,
            const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static GPtrArray *
read_certificates (const char *pem)
{
  GPtrArray *certs = g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free);
  BIO *bio = BIO_new_mem_buf (pem, -1);
  X509 *cert;

  while ((cert = PEM_read_bio_X509 (bio, NULL, NULL, NULL)) != NULL)
    g_ptr_array_add (certs, cert);
  BIO_free (bio);
  return certs;
}

static EVP_PKEY *
read_public_key (const char *path)
{
  g_autofree char *pem = NULL;
  g_autoptr(GError) error = NULL;
  BIO *bio;
  EVP_PKEY *key;

  g_file_get_contents (path, &pem, NULL, &error);
  g_assert_no_error (error);
  bio = BIO_new_mem_buf (pem, -1);
  key = PEM_read_bio_PUBKEY (bio, NULL, NULL, NULL);

  BIO_free (bio);
  g_assert_nonnull (key);
  return key;
}

static gboolean
is_sn (const char *sn)
{
  if (strlen (sn) != 32)
    return FALSE;
  for (const char *p = sn; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p) && !(*p >= 'a' && *p <= 'f'))
      return FALSE;
  return TRUE;
}

/* ASCII values, one per RDN, C, O, OU and CN in that order. */
static void
assert_simple_name (X509_NAME *name)
{
  static const int nids[] = { NID_countryName, NID_organizationName,
                              NID_organizationalUnitName, NID_commonName };

  g_assert_cmpint (X509_NAME_entry_count (name), ==, G_N_ELEMENTS (nids));
  for (int i = 0; i < X509_NAME_entry_count (name); i++)
    {
      const X509_NAME_ENTRY *entry = X509_NAME_get_entry (name, i);
      const ASN1_STRING *value = X509_NAME_ENTRY_get_data (entry);

      g_assert_cmpint (OBJ_obj2nid (X509_NAME_ENTRY_get_object (entry)), ==, nids[i]);
      g_assert_cmpint (X509_NAME_ENTRY_set (entry), ==, i);
      for (int j = 0; j < ASN1_STRING_length (value); j++)
        g_assert_cmpint (ASN1_STRING_get0_data (value)[j], <, 0x80);
    }
}

/* An end-entity certificate of @dir: for the key in @public_file (in @key_dir), issued by
 * @root. */
static void
assert_leaf (const char *dir,
             const char *file,
             const char *key_dir,
             const char *public_file,
             X509       *root)
{
  g_autofree char *pem = read_file (dir, file);
  g_autoptr(GPtrArray) certs = read_certificates (pem);
  g_autofree char *key_path = g_build_filename (key_dir, public_file, NULL);
  g_autoptr(EVP_PKEY) key = read_public_key (key_path);
  X509 *cert;

  g_assert_cmpuint (certs->len, ==, 1);
  cert = certs->pdata[0];
  g_assert_cmpint (EVP_PKEY_eq (X509_get0_pubkey (cert), key), ==, 1);
  g_assert_cmpint (X509_NAME_cmp (X509_get_issuer_name (cert), X509_get_subject_name (root)), ==, 0);
  g_assert_cmpint (X509_verify (cert, X509_get0_pubkey (root)), ==, 1);
  g_assert_cmpint (X509_get_signature_nid (cert), ==, NID_sha256WithRSAEncryption);
  assert_simple_name (X509_get_subject_name (cert));
}

static void
test_files (void)
{
  g_autofree char *dir = new_keys_dir ();
  g_autoptr(AuthsimKeys) keys = keys_ok (dir, NULL);
  g_autoptr(AuthsimCerts) certs = certs_ok (keys);
  g_autofree char *ca_path = g_build_filename (dir, AUTHSIM_CERTS_CA_FILE, NULL);
  g_autofree char *root_pem = read_file (dir, AUTHSIM_CERTS_ROOT_FILE);
  g_autoptr(GPtrArray) roots = read_certificates (root_pem);
  g_auto(GStrv) parts = NULL;
  struct stat st;

  /* The CA key is private; the bundle holds R1 (RSA-SHA256), E1 (ECDSA), G3 (RSA-SHA1). */
  g_assert_cmpint (g_stat (ca_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpuint (roots->len, ==, 3);
  g_assert_cmpint (X509_get_signature_nid (roots->pdata[0]), ==, NID_sha256WithRSAEncryption);
  g_assert_cmpint (X509_get_signature_nid (roots->pdata[1]), ==, NID_ecdsa_with_SHA384);
  g_assert_cmpint (X509_get_signature_nid (roots->pdata[2]), ==, NID_sha1WithRSAEncryption);
  for (guint i = 0; i < roots->len; i++)
    {
      assert_simple_name (X509_get_subject_name (roots->pdata[i]));
      g_assert_cmpint (X509_verify (roots->pdata[i], X509_get0_pubkey (roots->pdata[i])), ==, 1);
      g_assert_cmpint (X509_check_ca (roots->pdata[i]), !=, 0);
    }

  assert_leaf (dir, AUTHSIM_CERTS_APP_FILE, dir, "app-public.pem", roots->pdata[0]);
  assert_leaf (dir, AUTHSIM_CERTS_GATEWAY_FILE, dir, "gateway-public.pem", roots->pdata[0]);

  /* Three SNs: a root SN of two parts (R1's and G3's), two distinct leaf SNs. */
  parts = g_strsplit (authsim_certs_get_root_cert_sn (certs), "_", -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  g_assert_true (is_sn (parts[0]) && is_sn (parts[1]));
  g_assert_true (is_sn (authsim_certs_get_app_cert_sn (certs)));
  g_assert_true (is_sn (authsim_certs_get_gateway_cert_sn (certs)));
  g_assert_cmpstr (authsim_certs_get_app_cert_sn (certs), !=,
                   authsim_certs_get_gateway_cert_sn (certs));

  /* What the object serves is what is on disk; the CA key is not served. */
  {
    const char *names[] = { AUTHSIM_CERTS_ROOT_FILE, AUTHSIM_CERTS_APP_FILE,
                            AUTHSIM_CERTS_GATEWAY_FILE };
    g_autoptr(GError) error = NULL;
    char *pem;

    for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autofree char *on_disk = read_file (dir, names[i]);
        g_autofree char *served = authsim_certs_dup_pem (certs, names[i], &error);

        g_assert_no_error (error);
        g_assert_cmpstr (served, ==, on_disk);
      }
    pem = authsim_certs_dup_pem (certs, AUTHSIM_CERTS_CA_FILE, &error);
    g_assert_null (pem);
    g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_NOT_FOUND);
  }
}

/* The text after "@label=" in the output of the openssl command line. */
static char *
cli_field (const char *output,
           const char *label)
{
  g_autofree char *marker = g_strconcat (label, "=", NULL);
  const char *start = strstr (output, marker);
  const char *end;

  g_assert_nonnull (start);
  start += strlen (marker);
  end = strchr (start, '\n');
  return g_strndup (start, end != NULL ? (gsize) (end - start) : strlen (start));
}

/* The SN of one PEM certificate computed with `openssl x509` (RFC 2253 issuer, hex serial made
 * decimal here), and whether it is RSA-signed: independent of the code under test. */
static char *
cli_sn (const char *pem,
        gboolean   *rsa_signed)
{
  g_autofree char *path = g_build_filename (g_get_user_cache_dir (), "one.pem", NULL);
  const char *argv[] = { "openssl", "x509", "-in", path, "-noout", "-issuer", "-serial",
                         "-nameopt", "RFC2253", "-text", NULL };
  g_autofree char *out = NULL;
  g_autofree char *issuer = NULL;
  g_autofree char *serial_hex = NULL;
  g_autofree char *joined = NULL;
  g_autoptr(GError) error = NULL;
  BIGNUM *bn = NULL;
  char *decimal;
  int status = 0;

  g_mkdir_with_parents (g_get_user_cache_dir (), 0700);
  g_file_set_contents (path, pem, -1, &error);
  g_assert_no_error (error);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  issuer = cli_field (out, "issuer");
  serial_hex = cli_field (out, "serial");
  g_assert_cmpint (BN_hex2bn (&bn, serial_hex), >, 0);
  decimal = BN_bn2dec (bn);
  joined = g_strconcat (issuer, decimal, NULL);
  OPENSSL_free (decimal);
  BN_free (bn);
  *rsa_signed = strstr (out, "Signature Algorithm: sha256WithRSAEncryption") != NULL ||
                strstr (out, "Signature Algorithm: sha1WithRSAEncryption") != NULL;
  return g_compute_checksum_for_string (G_CHECKSUM_MD5, joined, -1);
}

static void
test_files_match_openssl_cli (void)
{
  g_autofree char *dir = new_keys_dir ();
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autoptr(AuthsimKeys) keys = NULL;
  g_autoptr(AuthsimCerts) certs = NULL;
  g_autofree char *root_pem = NULL;
  g_autoptr(GPtrArray) roots = NULL;
  g_autoptr(GString) root_sn = g_string_new (NULL);
  gboolean rsa;

  if (openssl == NULL)
    {
      g_test_skip ("no openssl command line");
      return;
    }
  keys = keys_ok (dir, NULL);
  certs = certs_ok (keys);

  for (gsize i = 0; i < 2; i++)
    {
      const char *file = i == 0 ? AUTHSIM_CERTS_APP_FILE : AUTHSIM_CERTS_GATEWAY_FILE;
      g_autofree char *pem = read_file (dir, file);
      g_autofree char *sn = cli_sn (pem, &rsa);

      g_assert_true (rsa);
      g_assert_cmpstr (sn, ==, i == 0 ? authsim_certs_get_app_cert_sn (certs)
                                      : authsim_certs_get_gateway_cert_sn (certs));
    }

  root_pem = read_file (dir, AUTHSIM_CERTS_ROOT_FILE);
  roots = read_certificates (root_pem);
  for (guint i = 0; i < roots->len; i++)
    {
      g_autofree char *pem = pem_of (roots->pdata[i], NULL);
      g_autofree char *sn = cli_sn (pem, &rsa);

      if (!rsa)
        continue;
      g_string_append_printf (root_sn, "%s%s", root_sn->len > 0 ? "_" : "", sn);
    }
  g_assert_cmpstr (root_sn->str, ==, authsim_certs_get_root_cert_sn (certs));
}

static void
test_reload_keeps_files (void)
{
  g_autofree char *dir = new_keys_dir ();
  g_autoptr(AuthsimKeys) keys = keys_ok (dir, NULL);
  g_autoptr(AuthsimCerts) first = certs_ok (keys);
  g_autoptr(AuthsimCerts) second = NULL;
  const char *names[] = { AUTHSIM_CERTS_CA_FILE, AUTHSIM_CERTS_ROOT_FILE,
                          AUTHSIM_CERTS_APP_FILE, AUTHSIM_CERTS_GATEWAY_FILE };
  char *before[G_N_ELEMENTS (names)];

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    before[i] = read_file (dir, names[i]);
  second = certs_ok (keys);
  g_assert_cmpstr (authsim_certs_get_root_cert_sn (second), ==,
                   authsim_certs_get_root_cert_sn (first));
  g_assert_cmpstr (authsim_certs_get_app_cert_sn (second), ==,
                   authsim_certs_get_app_cert_sn (first));
  g_assert_cmpstr (authsim_certs_get_gateway_cert_sn (second), ==,
                   authsim_certs_get_gateway_cert_sn (first));
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *after = read_file (dir, names[i]);

      g_assert_cmpstr (after, ==, before[i]);
      g_free (before[i]);
    }
}

/* app-cert.crt follows the key requests are verified with. */
static void
test_app_public_key_override (void)
{
  g_autofree char *dir = new_keys_dir ();
  g_autofree char *override_dir = new_keys_dir ();
  g_autoptr(AuthsimKeys) other = keys_ok (override_dir, NULL);
  g_autofree char *override = g_build_filename (override_dir, "app-public.pem", NULL);
  g_autoptr(AuthsimKeys) plain = keys_ok (dir, NULL);
  g_autoptr(AuthsimKeys) overridden = keys_ok (dir, override);
  g_autoptr(AuthsimCerts) a = certs_ok (plain);
  g_autoptr(AuthsimCerts) b = certs_ok (overridden);
  g_autoptr(AuthsimCerts) c = NULL;
  g_autofree char *root_pem = read_file (dir, AUTHSIM_CERTS_ROOT_FILE);
  g_autoptr(GPtrArray) roots = read_certificates (root_pem);
  g_autofree char *gateway_pem = read_file (dir, AUTHSIM_CERTS_GATEWAY_FILE);

  assert_leaf (dir, AUTHSIM_CERTS_APP_FILE, override_dir, "app-public.pem", roots->pdata[0]);
  g_assert_cmpstr (authsim_certs_get_app_cert_sn (b), !=, authsim_certs_get_app_cert_sn (a));
  g_assert_cmpstr (authsim_certs_get_root_cert_sn (b), ==, authsim_certs_get_root_cert_sn (a));
  g_assert_cmpstr (authsim_certs_get_gateway_cert_sn (b), ==,
                   authsim_certs_get_gateway_cert_sn (a));

  /* Back to app-public.pem: a certificate for it again. */
  c = certs_ok (plain);
  assert_leaf (dir, AUTHSIM_CERTS_APP_FILE, dir, "app-public.pem", roots->pdata[0]);
  g_assert_cmpstr (authsim_certs_get_app_cert_sn (c), !=, authsim_certs_get_app_cert_sn (b));
  {
    g_autofree char *gateway_after = read_file (dir, AUTHSIM_CERTS_GATEWAY_FILE);

    g_assert_cmpstr (gateway_after, ==, gateway_pem);
  }
}

static void
remove_file (const char *dir,
             const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_cmpint (g_remove (path), ==, 0);
}

static void
assert_load_fails (AuthsimKeys *keys,
                   const char  *mention)
{
  g_autoptr(GError) error = NULL;
  AuthsimCerts *certs = authsim_certs_load (keys, NULL, &error);

  g_assert_null (certs);
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, mention));
}

static void
test_rules (void)
{
  g_autofree char *dir = new_keys_dir ();
  g_autofree char *foreign_dir = new_keys_dir ();
  g_autoptr(AuthsimKeys) keys = keys_ok (dir, NULL);
  g_autoptr(AuthsimKeys) foreign_keys = keys_ok (foreign_dir, NULL);
  g_autoptr(AuthsimCerts) first = certs_ok (keys);
  g_autoptr(AuthsimCerts) foreign = certs_ok (foreign_keys);
  g_autofree char *ca = read_file (dir, AUTHSIM_CERTS_CA_FILE);
  g_autofree char *root = read_file (dir, AUTHSIM_CERTS_ROOT_FILE);
  g_autofree char *foreign_root = read_file (foreign_dir, AUTHSIM_CERTS_ROOT_FILE);

  /* A bundle without its CA key, or of another CA: refused, left alone. */
  remove_file (dir, AUTHSIM_CERTS_CA_FILE);
  assert_load_fails (keys, AUTHSIM_CERTS_CA_FILE);
  write_file (dir, AUTHSIM_CERTS_CA_FILE, ca);
  write_file (dir, AUTHSIM_CERTS_ROOT_FILE, foreign_root);
  assert_load_fails (keys, AUTHSIM_CERTS_ROOT_FILE);
  write_file (dir, AUTHSIM_CERTS_ROOT_FILE, "not a certificate\n");
  assert_load_fails (keys, AUTHSIM_CERTS_ROOT_FILE);
  write_file (dir, AUTHSIM_CERTS_ROOT_FILE, root);

  /* A damaged or foreign end-entity certificate is issued again. */
  write_file (dir, AUTHSIM_CERTS_APP_FILE, "garbage");
  {
    g_autoptr(AuthsimCerts) certs = certs_ok (keys);

    g_assert_true (is_sn (authsim_certs_get_app_cert_sn (certs)));
    g_assert_cmpstr (authsim_certs_get_app_cert_sn (certs), !=,
                     authsim_certs_get_app_cert_sn (first));
    g_assert_cmpstr (authsim_certs_get_gateway_cert_sn (certs), ==,
                     authsim_certs_get_gateway_cert_sn (first));
  }
  {
    g_autofree char *foreign_gateway = read_file (foreign_dir, AUTHSIM_CERTS_GATEWAY_FILE);
    g_autoptr(AuthsimCerts) certs = NULL;

    write_file (dir, AUTHSIM_CERTS_GATEWAY_FILE, foreign_gateway);
    certs = certs_ok (keys);
    g_assert_cmpstr (authsim_certs_get_gateway_cert_sn (certs), !=,
                     authsim_certs_get_gateway_cert_sn (foreign));
    g_assert_cmpstr (authsim_certs_get_gateway_cert_sn (certs), !=,
                     authsim_certs_get_gateway_cert_sn (first));
  }

  /* The CA key alone: a new bundle (a new root SN) and new end-entity certificates. */
  remove_file (dir, AUTHSIM_CERTS_ROOT_FILE);
  {
    g_autoptr(AuthsimCerts) certs = certs_ok (keys);
    g_autofree char *ca_after = read_file (dir, AUTHSIM_CERTS_CA_FILE);

    g_assert_cmpstr (ca_after, ==, ca);
    g_assert_cmpstr (authsim_certs_get_root_cert_sn (certs), !=,
                     authsim_certs_get_root_cert_sn (first));
  }
}

static void
load_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AuthsimCerts **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = authsim_certs_load_finish (result, &error);
  g_assert_no_error (error);
}

static void
test_async (void)
{
  g_autofree char *dir = new_keys_dir ();
  g_autoptr(AuthsimKeys) keys = keys_ok (dir, NULL);
  AuthsimCerts *certs = NULL;

  authsim_certs_load_async (keys, NULL, load_done_cb, &certs);
  while (certs == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (is_sn (authsim_certs_get_app_cert_sn (certs)));
  g_object_unref (certs);
}

static void
test_sign_mode_nicks (void)
{
  int value = -1;

  g_assert_true (authsim_enum_from_nick (AUTHSIM_TYPE_SIGN_MODE, "key", &value));
  g_assert_cmpint (value, ==, AUTHSIM_SIGN_MODE_KEY);
  g_assert_true (authsim_enum_from_nick (AUTHSIM_TYPE_SIGN_MODE, "cert", &value));
  g_assert_cmpint (value, ==, AUTHSIM_SIGN_MODE_CERT);
  g_assert_false (authsim_enum_from_nick (AUTHSIM_TYPE_SIGN_MODE, "certificate", &value));
  g_assert_cmpstr (authsim_enum_to_nick (AUTHSIM_TYPE_SIGN_MODE, AUTHSIM_SIGN_MODE_CERT), ==,
                   "cert");
}

int
main (int   argc,
      char *argv[])
{
  int result;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  rsa_key = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t) 2048);
  ec_key = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-384");
  g_assert_nonnull (rsa_key);
  g_assert_nonnull (ec_key);

  g_test_add_func ("/authsim/certs/sn/test-vector", test_sn_vector);
  g_test_add_func ("/authsim/certs/sn/alipay-root-bundle", test_root_sn_alipay_bundle);
  g_test_add_func ("/authsim/certs/sn/no-certificate", test_sn_no_certificate);
  g_test_add_func ("/authsim/certs/files", test_files);
  g_test_add_func ("/authsim/certs/files-match-openssl-cli", test_files_match_openssl_cli);
  g_test_add_func ("/authsim/certs/reload-keeps-files", test_reload_keeps_files);
  g_test_add_func ("/authsim/certs/app-public-key-override", test_app_public_key_override);
  g_test_add_func ("/authsim/certs/rules", test_rules);
  g_test_add_func ("/authsim/certs/async", test_async);
  g_test_add_func ("/authsim/certs/sign-mode-nicks", test_sign_mode_nicks);

  result = g_test_run ();
  EVP_PKEY_free (rsa_key);
  EVP_PKEY_free (ec_key);
  return result;
}
