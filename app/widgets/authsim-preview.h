/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-preview.h: the phone preview — the simulated mini program as Alipay shows it:
 * status bar, navigation bar with the capsule, the page and its buttons, the busy toast, the
 * first-screen banner and the consent sheet, plus the container switch and a live status line
 * for scripts. A view over the engine: it decides nothing. */
#pragma once

#include <gtk/gtk.h>

#include "authsim-engine.h"

G_BEGIN_DECLS

#define AUTHSIM_TYPE_PREVIEW (authsim_preview_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimPreview, authsim_preview, AUTHSIM, PREVIEW, GtkWidget)

/* Property "engine" (AuthsimEngine, rw, nullable). */
GtkWidget     *authsim_preview_new        (AuthsimEngine  *engine);
void           authsim_preview_set_engine (AuthsimPreview *self,
                                           AuthsimEngine  *engine);
/* (transfer none): the consent sheet inside the preview. */
GtkWidget     *authsim_preview_get_sheet  (AuthsimPreview *self);

G_END_DECLS
