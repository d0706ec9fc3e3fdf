/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-engine.h: what Alipay's client does for each my.getAuthCode call (SPEC §2–§4), for
 * the getAuthorize button, my.getOpenUserInfo, my.getPhoneNumber, my.getSetting and
 * my.openSetting (§10–§12), the preview's page state, the first screen and the settings page.
 * No GTK: views observe its properties. One class over several files (see
 * authsim-engine-private.h). */
#pragma once

#include <json-glib/json-glib.h>

#include "authsim-log.h"
#include "authsim-profile.h"
#include "authsim-request.h"
#include "authsim-sealer.h"
#include "authsim-store.h"
#include "authsim-types.h"
#include "authsim-user.h"

G_BEGIN_DECLS

#define AUTHSIM_TYPE_ENGINE (authsim_engine_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimEngine, authsim_engine, AUTHSIM, ENGINE, GObject)

/*
 * Properties (all notify on change):
 *   "profile" AuthsimProfile (rw)         "users" GListModel (r)
 *   "active-user" AuthsimUser (rw)         "store" / "log" (construct-only, write-only)
 *   "page-path" string (r)                 "can-go-back" bool (r)
 *   "first-screen" bool (r)                "first-screen-rule" AuthsimFirstScreenRule (rw)
 *   "network-fault" bool (rw)              "container" AuthsimContainer (rw): the default
 *   "request" AuthsimRequest (r, nullable): the open popup
 *   "toast" string (r, nullable): the busy toast on screen
 *   "banner" string (r, nullable): the first-screen banner on screen
 *   "toast-duration" uint ms (rw, default 2000)
 *   "pending" uint (r): calls waiting behind the open popup, toast or settings page
 *   "sealer" AuthsimSealer (rw, nullable): seals my.getPhoneNumber's answer; without one
 *       (no keys: --no-gateway) it answers the plain 40001 "no encryption key"
 *   "service-busy" bool (rw): the "service busy" fault (my.getPhoneNumber's 20000, §11.2)
 *   "settings-open" bool (r): the settings page is over the preview
 *   "auth-setting" JsonObject (r): what the settings page shows and my.getSetting answers for
 *       the active user and the app (the host in plugin context): key → boolean, in the order
 *       first decided, userInfo/phoneNumber then the profile's deviceSettings. Do not modify.
 *   "user-info-authorized" bool (r): an auth_user grant exists (the settings page's 用户信息 row)
 *   "page-nickname", "page-avatar", "page-avatar-image" string (r, nullable): what the current
 *       page shows after its my.getOpenUserInfo succeeded: the nickName and avatar URL it got,
 *       and a picture of that avatar to draw (the test user's avatarImage, when known)
 * Signals:
 *   "call-finished" (guint call, gboolean success, JsonObject *payload): after complete; for a
 *       getAuthorize tap after its button callback (success: onGetAuthorize; payload: the
 *       event object). Not for a settings switch (the mini program hears nothing).
 */
AuthsimEngine  *authsim_engine_new              (AuthsimProfile *profile,
                                                 GListModel     *users,
                                                 AuthsimStore   *store,
                                                 AuthsimLog     *log);

AuthsimProfile *authsim_engine_get_profile      (AuthsimEngine  *self);
void            authsim_engine_set_profile      (AuthsimEngine  *self,
                                                 AuthsimProfile *profile);
GListModel     *authsim_engine_get_users        (AuthsimEngine  *self);
AuthsimUser    *authsim_engine_get_active_user  (AuthsimEngine  *self);
gboolean        authsim_engine_set_active_user_id (AuthsimEngine *self,
                                                   const char    *user_id,
                                                   GError       **error);

AuthsimFirstScreenRule authsim_engine_get_first_screen_rule (AuthsimEngine *self);
void            authsim_engine_set_first_screen_rule (AuthsimEngine        *self,
                                                      AuthsimFirstScreenRule rule);
gboolean        authsim_engine_get_network_fault (AuthsimEngine *self);
void            authsim_engine_set_network_fault (AuthsimEngine *self,
                                                  gboolean       fault);
AuthsimContainer authsim_engine_get_container   (AuthsimEngine  *self);
void            authsim_engine_set_container    (AuthsimEngine  *self,
                                                 AuthsimContainer container);
guint           authsim_engine_get_toast_duration (AuthsimEngine *self);
void            authsim_engine_set_toast_duration (AuthsimEngine *self,
                                                   guint          msec);
/* (nullable) (transfer none) */
AuthsimSealer  *authsim_engine_get_sealer       (AuthsimEngine  *self);
void            authsim_engine_set_sealer       (AuthsimEngine  *self,
                                                 AuthsimSealer  *sealer);
gboolean        authsim_engine_get_service_busy (AuthsimEngine  *self);
void            authsim_engine_set_service_busy (AuthsimEngine  *self,
                                                 gboolean        busy);

/* Preview state. */
const AuthsimPage *authsim_engine_get_page      (AuthsimEngine  *self);
const char     *authsim_engine_get_page_path    (AuthsimEngine  *self);
gboolean        authsim_engine_get_can_go_back  (AuthsimEngine  *self);
gboolean        authsim_engine_get_first_screen (AuthsimEngine  *self);
/* (nullable) (transfer none) */
AuthsimRequest *authsim_engine_get_request      (AuthsimEngine  *self);
const char     *authsim_engine_get_toast        (AuthsimEngine  *self);
const char     *authsim_engine_get_banner       (AuthsimEngine  *self);
guint           authsim_engine_get_pending      (AuthsimEngine  *self);
gboolean        authsim_engine_get_settings_open (AuthsimEngine *self);
/* (transfer none): see "auth-setting". */
JsonObject     *authsim_engine_get_auth_setting  (AuthsimEngine *self);
gboolean        authsim_engine_get_user_info_authorized (AuthsimEngine *self);
/* (nullable) */
const char     *authsim_engine_get_page_nickname     (AuthsimEngine *self);
const char     *authsim_engine_get_page_avatar       (AuthsimEngine *self);
const char     *authsim_engine_get_page_avatar_image (AuthsimEngine *self);

/* (Re)launches the mini program: launch page, first screen, its onLoad/onShow calls. */
void            authsim_engine_launch           (AuthsimEngine  *self);
/* Pushes a page (ends the first screen), firing onHide, then the page's onLoad and onShow. */
gboolean        authsim_engine_navigate         (AuthsimEngine  *self,
                                                 const char     *path,
                                                 GError        **error);
gboolean        authsim_engine_navigate_back    (AuthsimEngine  *self,
                                                 GError        **error);
/* Taps the current page's button with this label: a call (trigger tap), a navigation, or a
 * getAuthorize button (as authsim_engine_tap_authorize() with its scope and onGetAuthorize). */
gboolean        authsim_engine_tap              (AuthsimEngine  *self,
                                                 const char     *label,
                                                 GError        **error);
void            authsim_engine_dismiss_banner   (AuthsimEngine  *self);

/*
 * Makes a call on the current page. @params (nullable, transfer none) is the parameter object.
 * Returns the call id (≥ 1). The outcome arrives in the log and through "call-finished": at
 * once, after the toast, or when the popup is answered; queued behind an open popup or toast.
 */
guint           authsim_engine_call             (AuthsimEngine  *self,
                                                 JsonNode       *params,
                                                 AuthsimTrigger  trigger,
                                                 AuthsimContainer container);
/* A call of @api (any but AUTHSIM_API_GET_AUTHORIZE), as authsim_engine_call() for
 * getAuthCode. getOpenUserInfo, getPhoneNumber and getSetting ignore @params. */
guint           authsim_engine_call_api         (AuthsimEngine  *self,
                                                 AuthsimApi      api,
                                                 JsonNode       *params,
                                                 AuthsimTrigger  trigger,
                                                 AuthsimContainer container);
/*
 * The same from the parameter's JSON text (NULL or blank: no parameter), as the composer and
 * scenarios have it, for @api (one of the first AUTHSIM_API_N_CALLABLE): read strictly
 * (RFC 8259, as the JS bridge's JSON.parse), logged as written. Text that is not JSON is
 * AUTHSIM_ERROR_INVALID_JSON ("params:<line>:<column>: <problem>") and makes no call and no
 * event.
 */
guint           authsim_engine_call_text        (AuthsimEngine  *self,
                                                 AuthsimApi      api,
                                                 const char     *params_json,
                                                 AuthsimTrigger  trigger,
                                                 AuthsimContainer container,
                                                 GError        **error);
/*
 * The D-Bus/scenario form: {"api": "getAuthCode" (default)|"getOpenUserInfo"|
 * "getPhoneNumber"|"getSetting"|"openSetting", "params": {…}, "trigger": "tap"|"lifecycle",
 * "container": "mini-program"|"plugin"|"web-view"}. A malformed string is logged as an error
 * event and returns 0 with @error set; nothing else changes.
 */
guint           authsim_engine_call_json        (AuthsimEngine  *self,
                                                 const char     *json,
                                                 GError        **error);
/*
 * Taps a <button open-type="getAuthorize"> (SPEC §10.2): the current page's one whose scope
 * attribute equals @scope (its onGetAuthorize then makes its call), or, if the page has none,
 * a virtual one. @scope (nullable: the attribute is missing) is the attribute as written, any
 * JSON value. The outcome is an onGetAuthorize or onError callback event, at once, after the
 * toast, or when its popup is answered. Returns the tap's call id.
 */
guint           authsim_engine_tap_authorize    (AuthsimEngine  *self,
                                                 JsonNode       *scope);

/* The settings page (SPEC §12). Opening it (the capsule's "…" → 设置) fires the page's onHide;
 * leaving it (back, Escape) fires onShow and answers the my.openSetting that opened it. Calls
 * made meanwhile wait. AUTHSIM_ERROR_FAILED when it is already open (or a popup covers the
 * preview) / not open (or its switch's popup is open over it). */
gboolean        authsim_engine_open_settings    (AuthsimEngine  *self,
                                                 GError        **error);
gboolean        authsim_engine_close_settings   (AuthsimEngine  *self,
                                                 GError        **error);
/*
 * Flips the switch of @scope (a key of "auth-setting") for the active user, whether the page
 * is open or not. Off: a userInfo/phoneNumber grant is revoked at once. On: the consent popup
 * opens, and only Allow turns it on (AUTHSIM_ERROR_FAILED when another popup is open). Device
 * settings flip at once. AUTHSIM_ERROR_NOT_FOUND when the page shows no such switch.
 */
gboolean        authsim_engine_set_setting      (AuthsimEngine  *self,
                                                 const char     *scope,
                                                 gboolean        enabled,
                                                 GError        **error);
/* The settings page's 用户信息 → 解除授权: revokes the active user's auth_user grant as
 * authsim_engine_revoke() does (tokens and unredeemed codes included), keeping the userInfo and
 * phoneNumber switches as they are. AUTHSIM_ERROR_NOT_FOUND when there is none. */
gboolean        authsim_engine_revoke_user_info (AuthsimEngine  *self,
                                                 GError        **error);

/* Answers the open popup: the one way to answer it. AUTHSIM_ERROR_NO_REQUEST when none is
 * open. The decision event records @source by its nick ("ui", "dbus", "scenario",
 * "standing", "api"). Answering the popup is a user interaction: it ends the first screen. */
gboolean        authsim_engine_respond          (AuthsimEngine      *self,
                                                 AuthsimDecision     decision,
                                                 AuthsimAnswerSource source,
                                                 GError            **error);
/* Clear authorization data: all grants (userInfo and phoneNumber too) of all users, logged. */
void            authsim_engine_clear_grants     (AuthsimEngine  *self);
gboolean        authsim_engine_revoke           (AuthsimEngine  *self,
                                                 const char     *user_id,
                                                 const char     *app_id);
/* Logs an "error" event with @source ("dbus", "profile", …) and @message. */
void            authsim_engine_log_error        (AuthsimEngine  *self,
                                                 const char     *source,
                                                 const char     *message);

G_END_DECLS
