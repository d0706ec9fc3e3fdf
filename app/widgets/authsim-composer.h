/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-composer.h: the call composer (SPEC §2, §7): a JSON editor for the parameter
 * object, the API (my.getAuthCode and the other four of SPEC §10–§12), the trigger, presets and
 * the "Call my.getAuthCode" button (its name follows the API). */
#pragma once

#include <gtk/gtk.h>

#include "authsim-engine.h"

G_BEGIN_DECLS

#define AUTHSIM_TYPE_COMPOSER (authsim_composer_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimComposer, authsim_composer, AUTHSIM, COMPOSER, GtkWidget)

/* Properties: "engine" AuthsimEngine (rw, nullable), "trigger" AuthsimTrigger (rw),
 * "api" AuthsimApi (rw; one of the first AUTHSIM_API_N_CALLABLE), "error" string (r,
 * nullable): the parse error shown under the editor. */
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
/* The API the call button calls ("API" choice): my.getAuthCode by default. Only getAuthCode
 * takes the editor's parameter object; the others are called without one. */
AuthsimApi      authsim_composer_get_api     (AuthsimComposer *self);
void            authsim_composer_set_api     (AuthsimComposer *self,
                                              AuthsimApi       api);
/* (nullable): "Line 1, column 12: …" while the last attempt was invalid JSON. */
const char     *authsim_composer_get_error   (AuthsimComposer *self);
/*
 * Calls the API chosen with the trigger and the engine's container: my.getAuthCode with the
 * editor's JSON, the others without parameters. Returns the call id, or 0 (no call made) when
 * the JSON is invalid or there is no engine.
 */
guint           authsim_composer_call        (AuthsimComposer *self);

G_END_DECLS
