/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-keys.h: the gateway's PEM files and SHA256withRSA contexts, for the stand-alone bench
 * programs (each is compiled on its own by run-gateway-bench with cc; this header is all they
 * share). */
#pragma once

#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

/* DIR/NAME as a private (PKCS#8) or public (SPKI) key; exits with a message on failure. */
static EVP_PKEY *
read_key (const char *dir,
          const char *name,
          int         private_key)
{
  char path[4096];
  FILE *f;
  EVP_PKEY *pkey;

  snprintf (path, sizeof path, "%s/%s", dir, name);
  f = fopen (path, "r");
  if (f == NULL)
    {
      perror (path);
      exit (1);
    }
  pkey = private_key ? PEM_read_PrivateKey (f, NULL, NULL, NULL)
                     : PEM_read_PUBKEY (f, NULL, NULL, NULL);
  fclose (f);
  if (pkey == NULL)
    {
      fprintf (stderr, "%s: not a key\n", path);
      exit (1);
    }
  return pkey;
}

/* A context initialised once for SHA256withRSA signing (or verification) with @pkey, to be
 * copied for each operation as AuthsimKeys does; exits on failure. */
static EVP_MD_CTX *
template (EVP_PKEY *pkey,
          int       signing)
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new ();

  if ((signing ? EVP_DigestSignInit_ex (ctx, NULL, "SHA256", NULL, NULL, pkey, NULL)
               : EVP_DigestVerifyInit_ex (ctx, NULL, "SHA256", NULL, NULL, pkey, NULL)) != 1)
    {
      fprintf (stderr, "init failed\n");
      exit (1);
    }
  return ctx;
}
