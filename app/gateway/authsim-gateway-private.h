/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-gateway-private.h: what the files of AuthsimGateway share.
 *
 *   authsim-gateway.c           the object, start and stop, the server thread, routing
 *   authsim-gateway-limits.c    the size limits: answers given before a request is read (414,
 *                               431, 413, 400)
 *   authsim-gateway-reply.c     outcomes, the log events, transport-level and signed answers
 *   authsim-gateway-snapshot.c  the snapshot of the profile and users that requests read
 *   authsim-gateway-params.c    reading a request: form parameters, the body's media type
 *   authsim-gateway-methods.c   alipay.system.oauth.token and alipay.user.info.share
 *   authsim-gateway-modes.c     certificate mode's checks and content encryption (SPEC §13)
 *   authsim-gateway-v2.c        /gateway.do
 *   authsim-gateway-v3.c        /v3/alipay/…
 *
 * Which thread runs what is said at the top of authsim-gateway.c.
 */
#pragma once

#include <libsoup/soup.h>

#include "authsim-certs.h"
#include "authsim-gateway.h"
#include "authsim-openapi.h"

G_BEGIN_DECLS

#define AUTHSIM_GATEWAY_PATH      "/gateway.do"
#define AUTHSIM_GATEWAY_V3_PREFIX "/v3/"
#define AUTHSIM_GATEWAY_JSON_TYPE "application/json;charset=utf-8"
/* An encrypted v3 answer: the base64 ciphertext (SPEC §13.4). */
#define AUTHSIM_GATEWAY_TEXT_TYPE "text/plain;charset=utf-8"

typedef struct _AuthsimGatewaySnapshot AuthsimGatewaySnapshot;

struct _AuthsimGateway
{
  GObject                 parent_instance;

  /* Main thread; read-only while the server thread runs. */
  AuthsimEngine          *engine;  /* only observed, for its "profile" and "users" */
  AuthsimStore           *store;   /* thread-safe */
  AuthsimLog             *log;     /* thread-safe */
  AuthsimKeys            *keys;    /* immutable */
  AuthsimCerts           *certs;   /* immutable; NULL in key mode; requests read the snapshot's */
  char                   *url;
  guint                   port;

  /* The server thread. */
  GThread                *thread;
  GMainContext           *context;  /* the server thread's */
  GMainLoop              *loop;
  SoupServer             *server;   /* made, used and dropped in the server thread only */
  GSocketService         *service;  /* server thread: accepts for the server (limits.c) */
  GPtrArray              *lingers;  /* server thread only: connections answered early */

  /* The snapshot of the profile and users (authsim-gateway-snapshot.c). */
  GMutex                  snapshot_lock;
  AuthsimGatewaySnapshot *snapshot;              /* under snapshot_lock */
  AuthsimProfile         *watched_profile;
  GListModel             *watched_users;
  GPtrArray              *watched_user_objects;  /* AuthsimUser whose "changed" we follow */
};

/* ---- authsim-gateway-reply.c: outcomes ---- */

/* What a request came to, in OpenAPI v2 terms; v3 maps it to an HTTP status and {code,message}. */
typedef struct
{
  const char *code;            /* "10000" on success */
  const char *sub_code;        /* NULL on success */
  char       *sub_msg;
  gboolean    error_response;  /* v2: answered in "error_response", not the method's node */
  guint       v3_status;       /* v3: HTTP status of an error; 0 picks one from sub_code */
  JsonObject *data;            /* success: the members, in order */
  guint       call;            /* the call whose code or token was used, 0 when unknown */
} AuthsimGatewayOutcome;

void authsim_gateway_outcome_clear (AuthsimGatewayOutcome *o);
/* Records a failure (and drops any data): @code, @sub_code and a formatted sub_msg. */
void authsim_gateway_outcome_fail (AuthsimGatewayOutcome *o,
                                   const char            *code,
                                   const char            *sub_code,
                                   const char            *format,
                                   ...) G_GNUC_PRINTF (4, 5);
gboolean authsim_gateway_outcome_failed (const AuthsimGatewayOutcome *o);
/* (transfer full): {"code","msg","sub_code","sub_msg"} as production sends them. */
JsonObject *authsim_gateway_outcome_to_error (const AuthsimGatewayOutcome *o);

/* (transfer full): compact JSON of @obj, with a generator kept per thread. */
char *authsim_gateway_object_to_string (JsonObject *obj);
/* (transfer full): untrusted @text cut to @max_chars characters (and "…"), for messages. */
char *authsim_gateway_clip (const char *text,
                            glong       max_chars);

/* ---- authsim-gateway-reply.c: log events and answers ---- */

/* The "listening" event, once the server listens on self->url. */
void authsim_gateway_log_listening (AuthsimGateway *self);
/* The "request" event of a request; @version, @method, @code and @sub_code are nullable.
 * @sign_mode is the mode the request was served in, @encrypted whether it asked for AES. */
void authsim_gateway_log_request (AuthsimGateway  *self,
                                  const char      *version,
                                  const char      *method,
                                  const char      *code,
                                  const char      *sub_code,
                                  guint            status,
                                  guint            call,
                                  AuthsimSignMode  sign_mode,
                                  gboolean         encrypted);
/* The "sign-mode" event, when the mode changes while the gateway listens. */
void authsim_gateway_log_sign_mode (AuthsimGateway *self);
/* (transfer full): the unsigned JSON body {"code","message"} of a transport-level answer. */
char *authsim_gateway_transport_error_body (const char *code,
                                            const char *message);
/* Answers @msg with an unsigned transport-level error (404, 405, 500) and logs it. */
void authsim_gateway_reply_transport_error (AuthsimGateway    *self,
                                            SoupServerMessage *msg,
                                            const char        *version,
                                            guint              status,
                                            const char        *code,
                                            const char        *message,
                                            AuthsimSignMode    sign_mode);
/* How a signed answer is sent. */
typedef struct
{
  gboolean    v3;
  guint       status;
  const char *key;         /* v2: the member holding the node */
  gboolean    ciphertext;  /* v3: the payload is a ciphertext, sent as text/plain */
  gint64      started;     /* when the request began (for the debug timing) */
} AuthsimGatewayAnswer;

/* Signs @payload (v2: the node; v3: timestamp, nonce and body) and answers @msg; in certificate
 * mode (the snapshot's certs) with the gateway certificate's SN (v2 `alipay_cert_sn`, v3 the
 * `alipay-sn` header). Takes @payload. */
void authsim_gateway_reply_signed (AuthsimGateway               *self,
                                   const AuthsimGatewaySnapshot *snapshot,
                                   SoupServerMessage            *msg,
                                   const AuthsimGatewayAnswer   *answer,
                                   char                         *payload);

/* ---- authsim-gateway-limits.c ---- */

/* "incoming" of the gateway's socket service: hands @connection to the server through a
 * header guard. */
gboolean authsim_gateway_incoming_cb (GSocketService    *service,
                                      GSocketConnection *connection,
                                      GObject           *source_object,
                                      AuthsimGateway    *self);
/* "request-finished" of the server: the connection's next header block starts. */
void authsim_gateway_request_finished_cb (SoupServer        *server,
                                          SoupServerMessage *msg,
                                          AuthsimGateway    *self);
/* "request-started" of the server: watches @msg's headers and body against the size cap. */
void authsim_gateway_request_started_cb (SoupServer        *server,
                                         SoupServerMessage *msg,
                                         AuthsimGateway    *self);
/* Server thread, stopping: cuts the connections answered early short and waits for them. */
void authsim_gateway_drop_lingers (AuthsimGateway *self);

/* ---- authsim-gateway-snapshot.c ---- */

/* What requests read of the profile and the users: immutable once made, shared by refcount. */
struct _AuthsimGatewaySnapshot
{
  char          *app_id;
  char          *host_app_id;
  AuthsimIdMode  id_mode;
  gboolean       aes_key;    /* the app has an AES key configured (SPEC §11.1 `aesKey`) */
  AuthsimCerts  *certs;      /* certificate mode's certificates; NULL in key mode */
  GPtrArray     *info_keys;  /* of char*: user.info.share keys, the profile's order, once each */
  GHashTable    *values;     /* user id → GPtrArray of char* (NULL when unset), as info_keys */
};

void authsim_gateway_snapshot_unref (AuthsimGatewaySnapshot *snapshot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AuthsimGatewaySnapshot, authsim_gateway_snapshot_unref)
AuthsimSignMode authsim_gateway_snapshot_sign_mode (const AuthsimGatewaySnapshot *snapshot);
/* Whether @app_id is the profile's app or its host app. */
gboolean authsim_gateway_snapshot_knows_app (const AuthsimGatewaySnapshot *snapshot,
                                             const char                   *app_id);
/* Server thread: (transfer full) the snapshot to serve the next request with. */
AuthsimGatewaySnapshot *authsim_gateway_dup_snapshot (AuthsimGateway *self);
/* Main thread: a new snapshot from the engine's profile and users and self->certs. */
void authsim_gateway_refresh_snapshot (AuthsimGateway *self);
/* Main thread: follows the engine's profile and users, keeping the snapshot current. */
void authsim_gateway_watch_profile_and_users (AuthsimGateway *self);
void authsim_gateway_unwatch_profile_and_users (AuthsimGateway *self);

/* ---- authsim-gateway-params.c ---- */

/* The merged form parameters of a request: insertion order kept, each key once. */
typedef struct
{
  GPtrArray  *keys;
  GHashTable *values;  /* char * → char *, as authsim_openapi_v2_sign_content() takes them */
} AuthsimGatewayParams;

AuthsimGatewayParams *authsim_gateway_params_new (void);
void authsim_gateway_params_free (AuthsimGatewayParams *params);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AuthsimGatewayParams, authsim_gateway_params_free)
/* (nullable): the value, NULL when absent or empty (empty values count as absent, as in
 * production: they are also left out of the signed string). */
const char *authsim_gateway_params_get (AuthsimGatewayParams *params,
                                        const char           *key);
/* Adds the pairs of a form-encoded @text (query string or body, named @where in messages). */
gboolean authsim_gateway_params_add_form (AuthsimGatewayParams  *params,
                                          const char            *text,
                                          gsize                  length,
                                          const char            *where,
                                          AuthsimGatewayOutcome *o);
/* Media type and charset of the request body; FALSE when there is a body of another type. */
gboolean authsim_gateway_check_body_type (SoupServerMessage     *msg,
                                          gsize                  body_length,
                                          const char            *wanted,
                                          gboolean               missing_ok,
                                          AuthsimGatewayOutcome *o);

/* ---- authsim-gateway-methods.c ---- */

gboolean authsim_gateway_method_known (const char *method);
/* alipay.system.oauth.token; the nullable arguments are absent parameters. */
void authsim_gateway_oauth_token (AuthsimGateway               *self,
                                  const AuthsimGatewaySnapshot *snapshot,
                                  const char                   *app_id,
                                  const char                   *grant_type,
                                  const char                   *code,
                                  const char                   *refresh_token,
                                  AuthsimGatewayOutcome        *o);
/* alipay.user.info.share; @auth_token is nullable. */
void authsim_gateway_user_info_share (AuthsimGateway               *self,
                                      const AuthsimGatewaySnapshot *snapshot,
                                      const char                   *app_id,
                                      const char                   *auth_token,
                                      AuthsimGatewayOutcome        *o);

/* ---- authsim-gateway-modes.c ---- */

/* Certificate mode's checks (SPEC §13.2, in its order): @app_cert_sn and @root_cert_sn
 * (nullable: absent) against the snapshot's certificates. FALSE (and @o set, 40002) on the
 * first that fails; TRUE in key mode, which ignores them. */
gboolean authsim_gateway_check_cert_sns (const AuthsimGatewaySnapshot *snapshot,
                                         const char                   *app_cert_sn,
                                         const char                   *root_cert_sn,
                                         AuthsimGatewayOutcome        *o);
/* Whether the request may be decrypted (SPEC §13.4): @encrypt_type must be "AES" and the app
 * must have its AES key; FALSE (and @o set, 40002) otherwise. */
gboolean authsim_gateway_check_encryption (const AuthsimGatewaySnapshot *snapshot,
                                           const char                   *encrypt_type,
                                           AuthsimGatewayOutcome        *o);
/* (transfer full) (nullable): the plaintext of the base64 @ciphertext with the app's AES key,
 * NUL-terminated, its size in *@length. NULL (and @o set: 40003
 * isv.decryption-error-unknown) when it does not decrypt, or not to UTF-8 text. */
char *authsim_gateway_decrypt (AuthsimGateway        *self,
                               const char            *ciphertext,
                               gsize                 *length,
                               AuthsimGatewayOutcome *o);
/* (transfer full): @payload encrypted with the app's AES key, base64; takes @payload. NULL
 * (and @o set, isp.unknow-error) when encryption fails. */
char *authsim_gateway_encrypt (AuthsimGateway        *self,
                               char                  *payload,
                               AuthsimGatewayOutcome *o);

/* ---- authsim-gateway-v2.c, authsim-gateway-v3.c: one request each, start to end ---- */

void authsim_gateway_handle_v2 (AuthsimGateway               *self,
                                const AuthsimGatewaySnapshot *snapshot,
                                SoupServerMessage            *msg);
void authsim_gateway_handle_v3 (AuthsimGateway               *self,
                                const AuthsimGatewaySnapshot *snapshot,
                                SoupServerMessage            *msg,
                                const char                   *path);

G_END_DECLS
