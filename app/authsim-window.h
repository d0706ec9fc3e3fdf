/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "authsim-application.h"

G_BEGIN_DECLS

#define AUTHSIM_TYPE_WINDOW (authsim_window_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimWindow, authsim_window, AUTHSIM, WINDOW, GtkApplicationWindow)

AuthsimWindow *authsim_window_new (AuthsimApplication *application);

G_END_DECLS
