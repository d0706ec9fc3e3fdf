/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-gateway.h: the mock OpenAPI gateway (SPEC §6) on a libsoup 3 SoupServer. */
#pragma once

#include "authsim-certs.h"
#include "authsim-engine.h"
#include "authsim-keys.h"
#include "authsim-log.h"
#include "authsim-store.h"

G_BEGIN_DECLS

/* Where the gateway listens unless told otherwise (--gateway-address, --gateway-port). */
#define AUTHSIM_GATEWAY_DEFAULT_ADDRESS "127.0.0.1"
#define AUTHSIM_GATEWAY_DEFAULT_PORT    8930

#define AUTHSIM_TYPE_GATEWAY (authsim_gateway_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimGateway, authsim_gateway, AUTHSIM, GATEWAY, GObject)

/*
 * A gateway that redeems codes and tokens in @store, logs each request to @log and signs
 * with @keys. @engine is only observed: its "profile" and "users" change at run time, and the
 * gateway follows them (app ids, id mode, user info); it calls nothing else of the engine.
 */
AuthsimGateway *authsim_gateway_new      (AuthsimEngine  *engine,
                                          AuthsimStore   *store,
                                          AuthsimLog     *log,
                                          AuthsimKeys    *keys);
/* Listens on @address:@port (NULL or "localhost": AUTHSIM_GATEWAY_DEFAULT_ADDRESS; port 0
 * picks a free port) and logs the "listening" event. */
gboolean        authsim_gateway_start    (AuthsimGateway *self,
                                          const char     *address,
                                          guint           port,
                                          GError        **error);
void            authsim_gateway_stop     (AuthsimGateway *self);
/*
 * Certificate mode (SPEC §13): with @certs (nullable) the gateway checks app_cert_sn and
 * alipay_root_cert_sn and names its certificate in every signed answer; without, key mode
 * (§6), which ignores the certificate parameters. Takes effect for the next request, also
 * while listening (then logged as a "sign-mode" event). The "certs" property; "sign-mode"
 * (AuthsimSignMode) follows it.
 */
void            authsim_gateway_set_certs     (AuthsimGateway *self,
                                               AuthsimCerts   *certs);
/* (nullable) (transfer none) */
AuthsimCerts   *authsim_gateway_get_certs     (AuthsimGateway *self);
AuthsimSignMode authsim_gateway_get_sign_mode (AuthsimGateway *self);
/* The port listened on, 0 when not listening. */
guint           authsim_gateway_get_port (AuthsimGateway *self);
/* (nullable) e.g. "http://127.0.0.1:8930/gateway.do"; NULL when not listening. */
const char     *authsim_gateway_get_url  (AuthsimGateway *self);

G_END_DECLS
