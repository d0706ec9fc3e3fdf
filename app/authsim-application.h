/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "authsim-engine.h"

G_BEGIN_DECLS

#define AUTHSIM_TYPE_APPLICATION (authsim_application_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimApplication, authsim_application, AUTHSIM, APPLICATION, GtkApplication)

AuthsimApplication *authsim_application_new        (void);
AuthsimEngine      *authsim_application_get_engine (AuthsimApplication *self);

G_END_DECLS
