/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-consent-sheet.h: the consent popup of SPEC §3, drawn as Alipay's bottom sheet.
 * A view over an AuthsimRequest: its buttons answer the engine, which decides everything. */
#pragma once

#include <gtk/gtk.h>

#include "authsim-engine.h"

G_BEGIN_DECLS

#define AUTHSIM_TYPE_CONSENT_SHEET (authsim_consent_sheet_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimConsentSheet, authsim_consent_sheet, AUTHSIM, CONSENT_SHEET, GtkWidget)

/*
 * Properties: "engine" (AuthsimEngine, rw, nullable) answers through the engine;
 * "request" (AuthsimRequest, rw, nullable) is what the sheet shows. The sheet keeps showing a
 * request after it was answered (while it slides away) with its buttons insensitive.
 */
void            authsim_consent_sheet_set_engine  (AuthsimConsentSheet *self,
                                                   AuthsimEngine       *engine);
/* (nullable) (transfer none) */
AuthsimRequest *authsim_consent_sheet_get_request (AuthsimConsentSheet *self);
void            authsim_consent_sheet_set_request (AuthsimConsentSheet *self,
                                                   AuthsimRequest      *request);
/* Answers the request shown, as a click on Allow, Reject or Close would ("ui" source).
 * FALSE when there is nothing open to answer. */
gboolean        authsim_consent_sheet_respond     (AuthsimConsentSheet *self,
                                                   AuthsimDecision      decision);

G_END_DECLS
