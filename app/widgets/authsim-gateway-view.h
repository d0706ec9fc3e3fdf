/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-gateway-view.h: the mock gateway panel (SPEC §6, §13): its URL, the app id, the
 * sign mode, copy and save buttons for the key files a backend needs, the AES key, and the
 * certificates of certificate mode with their SNs. */
#pragma once

#include <gtk/gtk.h>

#include "authsim-backend.h"

G_BEGIN_DECLS

#define AUTHSIM_TYPE_GATEWAY_VIEW (authsim_gateway_view_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimGatewayView, authsim_gateway_view, AUTHSIM, GATEWAY_VIEW, GtkWidget)

/*
 * Properties "backend" AuthsimBackend and "log" AuthsimLog (rw, nullable). The keys and the
 * gateway exist once the backend has started: the view refreshes when it is mapped and on the
 * log's first events. Widget actions: gateway-view.copy-url, gateway-view.copy-key
 * (s: file name), gateway-view.save-key (s: file name; the certificates in certificate mode).
 */
GtkWidget      *authsim_gateway_view_new         (AuthsimBackend     *backend,
                                                  AuthsimLog         *log);
void            authsim_gateway_view_set_backend (AuthsimGatewayView *self,
                                                  AuthsimBackend     *backend);
void            authsim_gateway_view_set_log     (AuthsimGatewayView *self,
                                                  AuthsimLog         *log);
/* Re-reads the gateway URL, the app ids and the keys from the backend. */
void            authsim_gateway_view_refresh     (AuthsimGatewayView *self);
/* Writes the text of @file_name ("app-private.pem", …, "aes.key", "app-cert.crt",
 * "gateway-cert.crt", "root-cert.crt") to @file, without blocking. */
void            authsim_gateway_view_save_key_to (AuthsimGatewayView *self,
                                                  const char         *file_name,
                                                  GFile              *file);

G_END_DECLS
