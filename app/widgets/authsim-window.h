/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-window.h: the main window: the phone preview beside the developer panel (composer,
 * log, grants, users, gateway), the test-user switch and the primary menu. */
#pragma once

#include <gtk/gtk.h>

#include "authsim-backend.h"
#include "authsim-scenario.h"

G_BEGIN_DECLS

#define AUTHSIM_TYPE_WINDOW (authsim_window_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimWindow, authsim_window, AUTHSIM, WINDOW, GtkApplicationWindow)

/* A window of @application showing @backend; @settings (nullable) keeps its size. */
AuthsimWindow *authsim_window_new             (GtkApplication  *application,
                                               AuthsimBackend  *backend,
                                               GSettings       *settings);
/* Shows the steps of @scenario in the window as they run. */
void           authsim_window_follow_scenario (AuthsimWindow   *self,
                                               AuthsimScenario *scenario);

G_END_DECLS
