/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-headless.h: `authsim --headless`: the engine, the gateway and the D-Bus actions in a
 * plain GApplication (no GTK, no display), for backend CI and scenario runs. */
#pragma once

#include "authsim-options.h"

G_BEGIN_DECLS

/*
 * Runs until SIGTERM, SIGINT or SIGHUP (server mode) or until the --scenario ends. Returns the exit
 * status: 0, 1 when something failed (start-up, a scenario step), 2 for an invalid scenario.
 * Server mode registers io.github.authsim.AuthSim on the session bus and fails when another
 * instance owns it; scenario runs do not register (several can run side by side).
 */
int authsim_headless_run (const AuthsimOptions *options);

G_END_DECLS
