/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gunixsocketaddress.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "authsim-gateway-enums.h"
#include "authsim-gateway-private.h"

/*
 * The mock OpenAPI gateway of SPEC §6: the object, starting and stopping it, the server thread
 * and the routing of requests. The rest of the class is in the files listed in
 * authsim-gateway-private.h.
 *
 * Threads: the SoupServer lives in a thread of its own, with its own GMainContext (the server
 * thread), and serves each request there from start to end: parsing, the request signature
 * check (an RSA public-key operation, ~15 µs), the business logic, the log event and the
 * response signature (a private-key operation, ~0.27 ms), synchronously. The main loop never
 * sees a request, so the window repaints and answers clicks at any load, and no request pays
 * for a hand-off between threads (measured on one core: pausing each message, signing in a
 * pool and resuming it from the main loop cost 10–15 µs of CPU per request).
 *
 * What a request reads is safe from that thread:
 * - the store's codes and tokens sit under the store's own mutex (see authsim-store.c), and
 *   the store writes state.json on its own;
 * - the log is thread-safe and hands events to its model on the main thread;
 * - the keys are immutable after loading;
 * - the profile and the users are main-thread objects that the window edits, so the server
 *   thread never touches them, nor the engine: it reads an AuthsimGatewaySnapshot instead,
 *   an immutable copy of what it needs (authsim-gateway-snapshot.c).
 *
 * Request bodies are capped at 64 KiB (authsim-gateway-limits.c).
 */

G_DEFINE_FINAL_TYPE (AuthsimGateway, authsim_gateway, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_CERTS,
  PROP_SIGN_MODE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ------------------------------------------------------------------------------------------ */
/* Routing                                                                                    */

/* The server's one handler: every request, whatever its path. */
static void
server_request_cb (SoupServer        *server,
                   SoupServerMessage *msg,
                   const char        *path,
                   GHashTable        *query,
                   gpointer           user_data)
{
  AuthsimGateway *self = user_data;
  const char *http_method = soup_server_message_get_method (msg);
  g_autoptr(AuthsimGatewaySnapshot) snapshot = authsim_gateway_dup_snapshot (self);

  if (g_strcmp0 (path, AUTHSIM_GATEWAY_PATH) == 0)
    {
      if (http_method != SOUP_METHOD_POST && http_method != SOUP_METHOD_GET)
        {
          soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                        "Allow", "GET, POST");
          authsim_gateway_reply_transport_error (self, msg, "v2", SOUP_STATUS_METHOD_NOT_ALLOWED,
                                                 "method-not-allowed",
                                                 "use POST or GET for /gateway.do",
                                                 authsim_gateway_snapshot_sign_mode (snapshot));
          return;
        }
      authsim_gateway_handle_v2 (self, snapshot, msg);
    }
  else if (path != NULL && g_str_has_prefix (path, AUTHSIM_GATEWAY_V3_PREFIX))
    authsim_gateway_handle_v3 (self, snapshot, msg, path);
  else
    authsim_gateway_reply_transport_error (self, msg, NULL, SOUP_STATUS_NOT_FOUND, "not-found",
                                           "no such endpoint; the gateway serves /gateway.do "
                                           "and /v3/alipay/…",
                                           authsim_gateway_snapshot_sign_mode (snapshot));
}

/* ------------------------------------------------------------------------------------------ */
/* The server thread                                                                          */

typedef struct
{
  AuthsimGateway *self;
  GSocketAddress *address;
  GMutex          lock;
  GCond           cond;
  gboolean        done;
  GError         *error;  /* listening failed */
  guint           port;   /* the port listened on */
} Start;

static void
report_start (Start  *start,
              GError *error,
              guint   port)
{
  g_mutex_lock (&start->lock);
  start->error = error;
  start->port = port;
  start->done = TRUE;
  g_cond_signal (&start->cond);
  g_mutex_unlock (&start->lock);
}

/*
 * libsoup 3.2 keeps a connection alive after an answer only while the server has a listener
 * of its own (soup-server.c, request_finished()), and the gateway's connections come through
 * soup_server_accept_iostream() instead (authsim-gateway-limits.c). So the server is given a
 * listener nobody can reach: a Unix socket whose path is removed as soon as it listens.
 */
static gboolean
add_keep_alive_listener (SoupServer  *server,
                         GError     **error)
{
  g_autofree char *dir = g_dir_make_tmp ("authsim-gateway-XXXXXX", error);
  g_autofree char *path = dir != NULL ? g_build_filename (dir, "unreachable", NULL) : NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  gboolean ok;

  if (dir == NULL)
    return FALSE;
  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT,
                         error);
  address = g_unix_socket_address_new (path);
  ok = socket != NULL &&
       g_socket_bind (socket, address, FALSE, error) &&
       g_socket_listen (socket, error) &&
       soup_server_listen_socket (server, socket, 0, error);
  g_unlink (path);
  g_rmdir (dir);
  return ok;
}

/* Listens on @address through a socket service of the gateway's own, whose connections reach
 * the server through authsim_gateway_incoming_cb(); *@port is the port listened on. */
static gboolean
listen_on (AuthsimGateway  *self,
           GSocketAddress  *address,
           guint           *port,
           GError         **error)
{
  g_autoptr(GSocketAddress) effective = NULL;

  self->service = g_socket_service_new ();
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                      &effective, error) ||
      !add_keep_alive_listener (self->server, error))
    {
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
      g_clear_object (&self->service);
      return FALSE;
    }
  g_signal_connect (self->service, "incoming", G_CALLBACK (authsim_gateway_incoming_cb), self);
  g_socket_service_start (self->service);
  *port = G_IS_INET_SOCKET_ADDRESS (effective)
          ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective)) : 0;
  return TRUE;
}

/* Everything the server does happens here, on self->context, until the loop quits. */
static gpointer
server_thread (gpointer data)
{
  Start *start = data;
  AuthsimGateway *self = start->self;
  g_autofree char *server_header = g_strdup_printf ("AuthSim/%s ", PACKAGE_VERSION);
  GError *error = NULL;
  guint port = 0;

  g_main_context_push_thread_default (self->context);

  self->server = soup_server_new ("server-header", server_header,
                                  "raw-paths", TRUE,
                                  NULL);
  g_signal_connect (self->server, "request-started",
                    G_CALLBACK (authsim_gateway_request_started_cb), self);
  g_signal_connect (self->server, "request-finished",
                    G_CALLBACK (authsim_gateway_request_finished_cb), self);
  soup_server_add_handler (self->server, NULL, server_request_cb, self, NULL);

  if (!listen_on (self, start->address, &port, &error))
    {
      soup_server_disconnect (self->server);
      g_clear_object (&self->server);
      g_main_context_pop_thread_default (self->context);
      report_start (start, error, 0);
      return NULL;
    }

  /* From here on @start belongs to the caller again. */
  report_start (start, NULL, port);

  g_main_loop_run (self->loop);

  /* Stopping: accept no more, close every connection, cut lingering ones short, and let their
   * callbacks run so that nothing is left pending on a context nobody will iterate again. */
  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  g_clear_object (&self->service);
  soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  authsim_gateway_drop_lingers (self);
  while (g_main_context_iteration (self->context, FALSE))
    ;

  g_main_context_pop_thread_default (self->context);
  return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* The object                                                                                 */

static void
authsim_gateway_dispose (GObject *object)
{
  AuthsimGateway *self = AUTHSIM_GATEWAY (object);

  /* The server thread uses the store, the log and the keys: it goes first. */
  authsim_gateway_stop (self);
  authsim_gateway_unwatch_profile_and_users (self);
  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_clear_object (&self->engine);
  g_clear_object (&self->store);
  g_clear_object (&self->log);
  g_clear_object (&self->keys);
  g_clear_object (&self->certs);

  G_OBJECT_CLASS (authsim_gateway_parent_class)->dispose (object);
}

static void
authsim_gateway_finalize (GObject *object)
{
  AuthsimGateway *self = AUTHSIM_GATEWAY (object);

  g_clear_pointer (&self->url, g_free);
  g_clear_pointer (&self->snapshot, authsim_gateway_snapshot_unref);
  g_mutex_clear (&self->snapshot_lock);
  g_ptr_array_unref (self->watched_user_objects);
  g_ptr_array_unref (self->lingers);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (authsim_gateway_parent_class)->finalize (object);
}

static void
authsim_gateway_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  AuthsimGateway *self = AUTHSIM_GATEWAY (object);

  switch (prop_id)
    {
    case PROP_CERTS:
      g_value_set_object (value, self->certs);
      break;
    case PROP_SIGN_MODE:
      g_value_set_enum (value, authsim_gateway_get_sign_mode (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_gateway_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  AuthsimGateway *self = AUTHSIM_GATEWAY (object);

  switch (prop_id)
    {
    case PROP_CERTS:
      authsim_gateway_set_certs (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_gateway_class_init (AuthsimGatewayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = authsim_gateway_dispose;
  object_class->finalize = authsim_gateway_finalize;
  object_class->get_property = authsim_gateway_get_property;
  object_class->set_property = authsim_gateway_set_property;

  properties[PROP_CERTS] =
    g_param_spec_object ("certs", NULL, NULL, AUTHSIM_TYPE_CERTS,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SIGN_MODE] =
    g_param_spec_enum ("sign-mode", NULL, NULL, AUTHSIM_TYPE_SIGN_MODE, AUTHSIM_SIGN_MODE_KEY,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
authsim_gateway_init (AuthsimGateway *self)
{
  g_mutex_init (&self->snapshot_lock);
  self->watched_user_objects = g_ptr_array_new_with_free_func (g_object_unref);
  self->lingers = g_ptr_array_new ();
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
}

static void
engine_notify_cb (AuthsimEngine  *engine,
                  GParamSpec     *pspec,
                  AuthsimGateway *self)
{
  authsim_gateway_watch_profile_and_users (self);
}

AuthsimGateway *
authsim_gateway_new (AuthsimEngine *engine,
                     AuthsimStore  *store,
                     AuthsimLog    *log,
                     AuthsimKeys   *keys)
{
  AuthsimGateway *self;

  g_return_val_if_fail (AUTHSIM_IS_ENGINE (engine), NULL);
  g_return_val_if_fail (AUTHSIM_IS_STORE (store), NULL);
  g_return_val_if_fail (AUTHSIM_IS_LOG (log), NULL);
  g_return_val_if_fail (AUTHSIM_IS_KEYS (keys), NULL);

  self = g_object_new (AUTHSIM_TYPE_GATEWAY, NULL);
  self->engine = g_object_ref (engine);
  self->store = g_object_ref (store);
  self->log = g_object_ref (log);
  self->keys = g_object_ref (keys);
  g_signal_connect (engine, "notify::profile", G_CALLBACK (engine_notify_cb), self);
  g_signal_connect (engine, "notify::users", G_CALLBACK (engine_notify_cb), self);
  authsim_gateway_watch_profile_and_users (self);
  return self;
}

/* (nullable): @address as an IP address, "localhost" and none read as the default. */
static GInetAddress *
parse_address (const char  *address,
               guint        port,
               GError     **error)
{
  GInetAddress *inet;

  if (address == NULL || *address == '\0' || g_ascii_strcasecmp (address, "localhost") == 0)
    address = AUTHSIM_GATEWAY_DEFAULT_ADDRESS;
  if (port > 65535)
    {
      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID,
                   _("Invalid gateway port %u"), port);
      return NULL;
    }
  inet = g_inet_address_new_from_string (address);
  if (inet == NULL)
    g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID,
                 _("Invalid gateway address “%s”: an IP address is expected"), address);
  return inet;
}

/* Starts the server thread on @address and waits for it to listen (well under a millisecond).
 * *@port is the port listened on, 0 when it cannot tell; FALSE when listening failed. */
static gboolean
run_server_thread (AuthsimGateway  *self,
                   GSocketAddress  *address,
                   guint           *port,
                   GError         **error)
{
  Start start = { NULL, };

  start.self = self;
  start.address = address;
  g_mutex_init (&start.lock);
  g_cond_init (&start.cond);
  self->thread = g_thread_new ("authsim-gateway", server_thread, &start);
  g_mutex_lock (&start.lock);
  while (!start.done)
    g_cond_wait (&start.cond, &start.lock);
  g_mutex_unlock (&start.lock);
  g_mutex_clear (&start.lock);
  g_cond_clear (&start.cond);

  if (start.error != NULL)
    {
      g_thread_join (g_steal_pointer (&self->thread));
      /* Callers say which address and port; the reason is enough here. */
      g_set_error_literal (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO, start.error->message);
      g_error_free (start.error);
      return FALSE;
    }
  *port = start.port;
  return TRUE;
}

gboolean
authsim_gateway_start (AuthsimGateway *self,
                       const char     *address,
                       guint           port,
                       GError        **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autofree char *host = NULL;
  guint listened = 0;

  g_return_val_if_fail (AUTHSIM_IS_GATEWAY (self), FALSE);

  inet = parse_address (address, port, error);
  if (inet == NULL)
    return FALSE;

  authsim_gateway_stop (self);

  socket_address = g_inet_socket_address_new (inet, (guint16) port);
  if (!run_server_thread (self, socket_address, &listened, error))
    return FALSE;

  self->port = listened != 0 ? listened : port;
  host = g_inet_address_to_string (inet);
  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    self->url = g_strdup_printf ("http://[%s]:%u" AUTHSIM_GATEWAY_PATH, host, self->port);
  else
    self->url = g_strdup_printf ("http://%s:%u" AUTHSIM_GATEWAY_PATH, host, self->port);

  authsim_gateway_log_listening (self);
  return TRUE;
}

static gboolean
quit_server_loop_cb (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

void
authsim_gateway_stop (AuthsimGateway *self)
{
  g_return_if_fail (AUTHSIM_IS_GATEWAY (self));

  if (self->thread != NULL)
    {
      /* An idle on the server's context, not g_main_loop_quit() from here: that would be
       * lost if the thread has not entered g_main_loop_run() yet. */
      g_autoptr(GSource) quit = g_idle_source_new ();

      g_source_set_callback (quit, quit_server_loop_cb, self->loop, NULL);
      g_source_attach (quit, self->context);
      g_thread_join (g_steal_pointer (&self->thread));
    }
  g_clear_pointer (&self->url, g_free);
  self->port = 0;
}

void
authsim_gateway_set_certs (AuthsimGateway *self,
                           AuthsimCerts   *certs)
{
  AuthsimSignMode before;

  g_return_if_fail (AUTHSIM_IS_GATEWAY (self));
  g_return_if_fail (certs == NULL || AUTHSIM_IS_CERTS (certs));

  if (self->certs == certs)
    return;
  before = authsim_gateway_get_sign_mode (self);
  g_set_object (&self->certs, certs);
  authsim_gateway_refresh_snapshot (self);
  if (self->url != NULL)
    authsim_gateway_log_sign_mode (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CERTS]);
  if (authsim_gateway_get_sign_mode (self) != before)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGN_MODE]);
}

AuthsimCerts *
authsim_gateway_get_certs (AuthsimGateway *self)
{
  g_return_val_if_fail (AUTHSIM_IS_GATEWAY (self), NULL);

  return self->certs;
}

AuthsimSignMode
authsim_gateway_get_sign_mode (AuthsimGateway *self)
{
  g_return_val_if_fail (AUTHSIM_IS_GATEWAY (self), AUTHSIM_SIGN_MODE_KEY);

  return self->certs != NULL ? AUTHSIM_SIGN_MODE_CERT : AUTHSIM_SIGN_MODE_KEY;
}

guint
authsim_gateway_get_port (AuthsimGateway *self)
{
  g_return_val_if_fail (AUTHSIM_IS_GATEWAY (self), 0);

  return self->port;
}

const char *
authsim_gateway_get_url (AuthsimGateway *self)
{
  g_return_val_if_fail (AUTHSIM_IS_GATEWAY (self), NULL);

  return self->url;
}
