/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-request.h: an open consent popup (SPEC §3, §10.4) as an object that a view, a script
 * or a test answers. It decides nothing: the engine listens to "responded". */
#pragma once

#include "authsim-types.h"

G_BEGIN_DECLS

#define AUTHSIM_TYPE_REQUEST (authsim_request_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimRequest, authsim_request, AUTHSIM, REQUEST, GObject)

AuthsimRequest     *authsim_request_new            (guint               call,
                                                    const char         *app_id,
                                                    const char         *app_name,
                                                    const char         *app_icon,
                                                    const char * const *scopes,
                                                    const char * const *fields);
/* The popup of a getAuthorize button or a settings switch: one authSetting scope. */
AuthsimRequest     *authsim_request_new_for_scope  (guint               call,
                                                    const char         *app_id,
                                                    const char         *app_name,
                                                    const char         *app_icon,
                                                    const char         *scope);
guint               authsim_request_get_call       (AuthsimRequest *self);
/* The authorising app: the host in plugin context. */
const char         *authsim_request_get_app_id     (AuthsimRequest *self);
const char         *authsim_request_get_app_name   (AuthsimRequest *self);
/* (nullable) */
const char         *authsim_request_get_app_icon   (AuthsimRequest *self);
/* The consent scopes the popup asks for (not yet granted). */
const char * const *authsim_request_get_scopes     (AuthsimRequest *self);
/* The user-info fields listed for auth_user (camelCase), empty without auth_user. */
const char * const *authsim_request_get_fields     (AuthsimRequest *self);
/* (nullable): "userInfo" or "phoneNumber" for the popup of a getAuthorize button or a settings
 * switch (SPEC §10.4: "会员基础信息（头像、昵称）" / "你的手机号码"); NULL for getAuthCode's. */
const char         *authsim_request_get_scope      (AuthsimRequest *self);
/* Whether it has been answered ("answered" property). */
gboolean            authsim_request_get_answered   (AuthsimRequest *self);
/* Answers once, on behalf of @source; AUTHSIM_ERROR_NO_REQUEST when already answered.
 * Emits "responded" (AuthsimDecision decision, AuthsimAnswerSource source). */
gboolean            authsim_request_respond        (AuthsimRequest     *self,
                                                    AuthsimDecision     decision,
                                                    AuthsimAnswerSource source,
                                                    GError            **error);

G_END_DECLS
