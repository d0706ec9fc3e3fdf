/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-backend.h: everything but the widgets, built from the command line: profile, users,
 * store, log, engine, the responder (automatic answers, --answer), keys and gateway. The
 * composition root: both the window and the headless mode run on it, and hand its parts to
 * what needs them. */
#pragma once

#include "authsim-engine.h"
#include "authsim-gateway.h"
#include "authsim-keys.h"
#include "authsim-options.h"
#include "authsim-responder.h"
#include "authsim-scenario.h"

G_BEGIN_DECLS

#define AUTHSIM_TYPE_BACKEND (authsim_backend_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimBackend, authsim_backend, AUTHSIM, BACKEND, GObject)

/*
 * Builds the engine from @options. A malformed --profile/--users file does not fail: the
 * built-in one is used, the problem is logged as an "error" event and kept in "warnings".
 * Fails (AUTHSIM_ERROR_IO) only when the log file or the data directory cannot be used.
 */
AuthsimBackend *authsim_backend_new          (const AuthsimOptions *options,
                                              GError              **error);
/*
 * Loads or creates the keys off the main loop, starts the gateway (unless --no-gateway),
 * which logs its "listening" event first, then launches the mini program.
 */
void            authsim_backend_start_async  (AuthsimBackend      *self,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean        authsim_backend_start_finish (AuthsimBackend      *self,
                                              GAsyncResult        *result,
                                              GError             **error);
/* Runs @scenario (see authsim_scenario_run_async()) on this backend's engine, store, log,
 * responder, gateway and keys; finish with authsim_scenario_run_finish(). */
void            authsim_backend_run_scenario_async (AuthsimBackend      *self,
                                                    AuthsimScenario     *scenario,
                                                    guint                step_delay_ms,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
/* Stops the gateway and writes pending state. */
void            authsim_backend_shutdown     (AuthsimBackend      *self);

/* The store and the log the engine was built on, for the views that show them. */
AuthsimStore   *authsim_backend_get_store    (AuthsimBackend      *self);
AuthsimLog     *authsim_backend_get_log      (AuthsimBackend      *self);
AuthsimEngine  *authsim_backend_get_engine   (AuthsimBackend      *self);
/* The one owner of automatic answers, with --answer as its standing answer. */
AuthsimResponder *authsim_backend_get_responder (AuthsimBackend   *self);
/* (nullable): NULL before start, or with --no-gateway. */
AuthsimGateway *authsim_backend_get_gateway  (AuthsimBackend      *self);
/* (nullable): NULL before start. */
AuthsimKeys    *authsim_backend_get_keys     (AuthsimBackend      *self);
/* Problems met while starting (corrupt state moved aside, bad profile file), for an info bar.
 * (transfer none) NULL-terminated, possibly empty. Property "warnings" notifies. */
const char * const *authsim_backend_get_warnings (AuthsimBackend  *self);

G_END_DECLS
