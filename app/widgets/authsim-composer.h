/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-composer.h: the call composer (SPEC §2, §7): a JSON editor for the parameter
 * object, the trigger, presets and the "Call my.getAuthCode" button. */
#pragma once

#include <gtk/gtk.h>

#include "authsim-engine.h"

G_BEGIN_DECLS

#define AUTHSIM_TYPE_COMPOSER (authsim_composer_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimComposer, authsim_composer, AUTHSIM, COMPOSER, GtkWidget)

/* Properties: "engine" AuthsimEngine (rw, nullable), "trigger" AuthsimTrigger (rw),
 * "error" string (r, nullable): the parse error shown under the editor. */
GtkWidget      *authsim_composer_new         (AuthsimEngine   *engine);
void            authsim_composer_set_engine  (AuthsimComposer *self,
                                              AuthsimEngine   *engine);
/* (transfer full): the editor's text. */
char           *authsim_composer_dup_text    (AuthsimComposer *self);
void            authsim_composer_set_text    (AuthsimComposer *self,
                                              const char      *text);
AuthsimTrigger  authsim_composer_get_trigger (AuthsimComposer *self);
void            authsim_composer_set_trigger (AuthsimComposer *self,
                                              AuthsimTrigger   trigger);
/* (nullable): "Line 1, column 12: …" while the last attempt was invalid JSON. */
const char     *authsim_composer_get_error   (AuthsimComposer *self);
/*
 * Parses the editor and calls my.getAuthCode with the trigger and the engine's container.
 * Returns the call id, or 0 (no call made) when the JSON is invalid or there is no engine.
 */
guint           authsim_composer_call        (AuthsimComposer *self);

G_END_DECLS
