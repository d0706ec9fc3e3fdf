/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-application.h: the windowed application: builds the backend from the command line,
 * installs the scripting actions of SPEC §8 on itself, binds the settings and shows the window. */
#pragma once

#include <gtk/gtk.h>

#include "authsim-backend.h"
#include "authsim-options.h"

G_BEGIN_DECLS

#define AUTHSIM_TYPE_APPLICATION (authsim_application_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimApplication, authsim_application, AUTHSIM, APPLICATION, GtkApplication)

/* @options (transfer full): the parsed command line. Application id io.github.authsim.AuthSim. */
AuthsimApplication *authsim_application_new         (AuthsimOptions     *options);
/* (nullable) (transfer none): NULL before startup or when the backend could not be built. */
AuthsimBackend     *authsim_application_get_backend (AuthsimApplication *self);

G_END_DECLS
