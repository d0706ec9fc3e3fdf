/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * soup-floor: the cost of HTTP alone, for the gateway benchmark. A libsoup 3 SoupServer on
 * 127.0.0.1:PORT answering every request with a fixed body the size of a signed
 * user.info.share response, without parsing, crypto or logging. Prints "url URL" when ready.
 *
 * Usage: soup-floor [PORT]
 */
#include <libsoup/soup.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char body[700];

static void
handler (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json;charset=utf-8", SOUP_MEMORY_STATIC,
                                    body, strlen (body));
}

int
main (int   argc,
      char *argv[])
{
  SoupServer *server = soup_server_new ("raw-paths", TRUE, NULL);
  GInetAddress *address = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *socket_address = g_inet_socket_address_new (address, argc > 1 ? atoi (argv[1]) : 0);
  GError *error = NULL;
  GSList *uris;
  char *uri;

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
