/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * soup-floor: what HTTP alone costs, for the gateway benchmark. A libsoup 3 SoupServer on
 * 127.0.0.1:PORT answering every request with a fixed body the size of a signed
 * user.info.share response, without parsing, logging or any state. Prints "url URL" when
 * ready.
 *
 * With --rsa KEYS-DIR it also does, per request, exactly the two RSA operations of a gateway
 * request (the SHA256withRSA verification of a fixed request string with the app public key,
 * the SHA256withRSA signature of the fixed body with the gateway private key, each copying a
 * context initialised once, as AuthsimKeys does) and nothing else: the best any gateway built
 * on libsoup can do on this machine. The answer carries the signature, so the work cannot be
 * skipped.
 *
 * Usage: soup-floor [--rsa KEYS-DIR] [PORT]
 */
#include <libsoup/soup.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-keys.h"

static char body[700];

/* --rsa */
static EVP_MD_CTX *verify_app, *sign_as_gateway;
static unsigned char request_sig[512];
static size_t request_sig_len;
static const char request[] =
  "app_id=2021004112345678&auth_token=authusrB0123456789abcdefghijklmnopqrstuv&charset=utf-8"
  "&method=alipay.user.info.share&sign_type=RSA2&timestamp=2026-11-25 20:00:00&version=1.0";

static void
setup_rsa (const char *dir)
{
  EVP_PKEY *app_private = read_key (dir, "app-private.pem", 1);
  EVP_PKEY *app_public = read_key (dir, "app-public.pem", 0);
  EVP_PKEY *gateway_private = read_key (dir, "gateway-private.pem", 1);
  EVP_MD_CTX *sign_as_app = template (app_private, 1);

  request_sig_len = sizeof request_sig;
  if (EVP_DigestSign (sign_as_app, request_sig, &request_sig_len,
                      (const unsigned char *) request, strlen (request)) != 1)
    exit (1);
  EVP_MD_CTX_free (sign_as_app);

  verify_app = template (app_public, 0);
  sign_as_gateway = template (gateway_private, 1);
  EVP_PKEY_free (app_private);
  EVP_PKEY_free (app_public);
  EVP_PKEY_free (gateway_private);
}

/* The two operations; the signature's first bytes go into the body. */
static void
do_rsa (void)
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
  unsigned char sig[512];
  size_t sig_len = sizeof sig;

  if (EVP_MD_CTX_copy_ex (ctx, verify_app) != 1 ||
      EVP_DigestVerify (ctx, request_sig, request_sig_len, (const unsigned char *) request,
                        strlen (request)) != 1)
    exit (1);
  EVP_MD_CTX_free (ctx);

  ctx = EVP_MD_CTX_new ();
  if (EVP_MD_CTX_copy_ex (ctx, sign_as_gateway) != 1 ||
      EVP_DigestSign (ctx, sig, &sig_len, (const unsigned char *) body, strlen (body)) != 1)
    exit (1);
  EVP_MD_CTX_free (ctx);
  for (size_t i = 0; i < 8; i++)
    body[22 + i] = "0123456789abcdef"[sig[i] & 15];
}

static void
handler (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  if (sign_as_gateway != NULL)
    do_rsa ();
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json;charset=utf-8", SOUP_MEMORY_COPY,
                                    body, strlen (body));
}

int
main (int   argc,
      char *argv[])
{
  SoupServer *server = soup_server_new ("raw-paths", TRUE, NULL);
  GInetAddress *address = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *socket_address;
  GError *error = NULL;
  GSList *uris;
  char *uri;
  int arg = 1;

  if (argc > 2 && strcmp (argv[1], "--rsa") == 0)
    {
      setup_rsa (argv[2]);
      arg = 3;
    }
  socket_address = g_inet_socket_address_new (address, argc > arg ? atoi (argv[arg]) : 0);

  memset (body, 'A', sizeof body - 1);
  memcpy (body, "{\"code\":\"10000\",\"x\":\"", 21);
  body[sizeof body - 3] = '"';
  body[sizeof body - 2] = '}';

  soup_server_add_handler (server, NULL, handler, NULL, NULL);
  if (!soup_server_listen (server, socket_address, 0, &error))
    {
      fprintf (stderr, "soup-floor: %s\n", error->message);
      return 1;
    }
  uris = soup_server_get_uris (server);
  uri = g_uri_to_string (uris->data);
  printf ("url %sgateway.do\n", uri);
  fflush (stdout);
  g_main_loop_run (g_main_loop_new (NULL, FALSE));
  return 0;
}
