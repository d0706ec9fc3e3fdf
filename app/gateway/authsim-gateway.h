/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-gateway.h: the mock OpenAPI gateway (SPEC §6) on a libsoup 3 SoupServer. */
#pragma once

#include "authsim-engine.h"
#include "authsim-keys.h"

G_BEGIN_DECLS

#define AUTHSIM_TYPE_GATEWAY (authsim_gateway_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimGateway, authsim_gateway, AUTHSIM, GATEWAY, GObject)

AuthsimGateway *authsim_gateway_new      (AuthsimEngine  *engine,
                                          AuthsimKeys    *keys);
/* Listens on @address:@port (0 picks a free port) and logs the "listening" event. */
gboolean        authsim_gateway_start    (AuthsimGateway *self,
                                          const char     *address,
                                          guint           port,
                                          GError        **error);
void            authsim_gateway_stop     (AuthsimGateway *self);
guint           authsim_gateway_get_port (AuthsimGateway *self);
/* (nullable) e.g. "http://127.0.0.1:8930/gateway.do"; NULL when not listening. */
const char     *authsim_gateway_get_url  (AuthsimGateway *self);

G_END_DECLS
