/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rsa-rate: the ceiling for one gateway request on one core, measured with bare OpenSSL 3 EVP:
 * one SHA256withRSA verification with the app public key (the request) plus one SHA256withRSA
 * signature with the gateway private key (the response). Each operation copies a context
 * initialised once per key (EVP_MD_CTX_copy_ex), exactly as AuthsimKeys does; that is also the
 * fastest way OpenSSL 3 offers for one-shot EVP signatures (a fresh EVP_DigestSignInit_ex per
 * operation costs ~10 µs more per pair). Prints "pairs/s" per second of the process's CPU
 * time, so that other load on the machine slows it down but does not skew the figure (on an
 * idle core, CPU time and wall time agree within 1 %).
 *
 * Usage: rsa-rate KEYS-DIR [SECONDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "bench-keys.h"

static size_t
sign (const EVP_MD_CTX    *initialised,
      const unsigned char *data,
      size_t               length,
      unsigned char       *sig)
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
  size_t sig_len = 512;

  if (EVP_MD_CTX_copy_ex (ctx, initialised) != 1 ||
      EVP_DigestSign (ctx, sig, &sig_len, data, length) != 1)
    {
      fprintf (stderr, "sign failed\n");
      exit (1);
    }
  EVP_MD_CTX_free (ctx);
  return sig_len;
}

static int
verify (const EVP_MD_CTX    *initialised,
        const unsigned char *data,
        size_t               length,
        const unsigned char *sig,
        size_t               sig_len)
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
  int ok = EVP_MD_CTX_copy_ex (ctx, initialised) == 1 &&
           EVP_DigestVerify (ctx, sig, sig_len, data, length) == 1;

  EVP_MD_CTX_free (ctx);
  return ok;
}

static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main (int   argc,
      char *argv[])
{
  /* Representative sizes: a signed request string and a user.info.share node. */
  static const char request[] =
    "app_id=2021004112345678&auth_token=authusrB0123456789abcdefghijklmnopqrstuv&charset=utf-8"
    "&method=alipay.user.info.share&sign_type=RSA2&timestamp=2026-11-25 20:00:00&version=1.0";
  static const char node[] =
    "{\"code\":\"10000\",\"msg\":\"Success\",\"user_id\":\"2088102164830201\","
    "\"nick_name\":\"阿伟\",\"avatar\":\"https://example.com/avatars/zhangwei.png\","
    "\"gender\":\"M\",\"province\":\"浙江省\",\"city\":\"杭州市\",\"mobile\":\"13800138000\"}";
  EVP_PKEY *app_private, *app_public, *gateway_private;
  EVP_MD_CTX *sign_as_app, *verify_app, *sign_as_gateway;
  unsigned char request_sig[512], sig[512];
  size_t request_sig_len;
  double seconds = argc > 2 ? atof (argv[2]) : 5.0;
  double start, elapsed;
  long pairs = 0;

  if (argc < 2)
    {
      fprintf (stderr, "usage: %s KEYS-DIR [SECONDS]\n", argv[0]);
      return 2;
    }

  app_private = read_key (argv[1], "app-private.pem", 1);
  app_public = read_key (argv[1], "app-public.pem", 0);
  gateway_private = read_key (argv[1], "gateway-private.pem", 1);
  sign_as_app = template (app_private, 1);
  verify_app = template (app_public, 0);
  sign_as_gateway = template (gateway_private, 1);
  request_sig_len = sign (sign_as_app, (const unsigned char *) request, strlen (request),
                          request_sig);

  start = now ();
  do
    {
      for (int i = 0; i < 50; i++)
        {
          if (!verify (verify_app, (const unsigned char *) request, strlen (request),
                       request_sig, request_sig_len))
            {
              fprintf (stderr, "verify failed\n");
              return 1;
            }
          sign (sign_as_gateway, (const unsigned char *) node, strlen (node), sig);
          pairs++;
        }
      elapsed = now () - start;
    }
  while (elapsed < seconds);

  printf ("%.0f\n", pairs / elapsed);
  EVP_MD_CTX_free (sign_as_app);
  EVP_MD_CTX_free (verify_app);
  EVP_MD_CTX_free (sign_as_gateway);
  EVP_PKEY_free (app_private);
  EVP_PKEY_free (app_public);
  EVP_PKEY_free (gateway_private);
  return 0;
}
