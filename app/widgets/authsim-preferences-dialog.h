/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-preferences-dialog.h: Preferences: the first-screen rule, code lifetime, virtual
 * clock, network and "service busy" faults and the profile switches (products, aesKey,
 * signResponses, user info fields), bound to the engine's properties. */
#pragma once

#include <gtk/gtk.h>

#include "authsim-engine.h"

G_BEGIN_DECLS

#define AUTHSIM_TYPE_PREFERENCES_DIALOG (authsim_preferences_dialog_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimPreferencesDialog, authsim_preferences_dialog,
                      AUTHSIM, PREFERENCES_DIALOG, GtkWindow)

/* Properties "engine" AuthsimEngine and "store" AuthsimStore (construct-only): the settings
 * shown are theirs. The window is transient for @parent (nullable). */
GtkWidget *authsim_preferences_dialog_new (AuthsimEngine *engine,
                                           AuthsimStore  *store,
                                           GtkWindow     *parent);

G_END_DECLS
