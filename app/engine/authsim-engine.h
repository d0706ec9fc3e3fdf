/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-engine.h: what Alipay's client does for each my.getAuthCode call (SPEC §2–§4),
 * the preview's page state and the first screen. No GTK: views observe its properties.
 * One class over two files (see authsim-engine-private.h). */
#pragma once

#include <json-glib/json-glib.h>

#include "authsim-log.h"
#include "authsim-profile.h"
#include "authsim-request.h"
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
 *   "pending" uint (r): calls waiting behind the open popup or toast
 * Signals:
 *   "call-finished" (guint call, gboolean success, JsonObject *payload): after complete.
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

/* (Re)launches the mini program: launch page, first screen, its onLoad/onShow calls. */
void            authsim_engine_launch           (AuthsimEngine  *self);
/* Pushes a page (ends the first screen), firing onHide, then the page's onLoad and onShow. */
gboolean        authsim_engine_navigate         (AuthsimEngine  *self,
                                                 const char     *path,
                                                 GError        **error);
gboolean        authsim_engine_navigate_back    (AuthsimEngine  *self,
                                                 GError        **error);
/* Taps the current page's button with this label: a call (trigger tap) or a navigation. */
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
/*
 * The same from the parameter's JSON text (NULL or blank: no parameter), as the composer and
 * scenarios have it: read strictly (RFC 8259, as the JS bridge's JSON.parse), logged as
 * written. Text that is not JSON is AUTHSIM_ERROR_INVALID_JSON ("params:<line>:<column>:
 * <problem>") and makes no call and no event.
 */
guint           authsim_engine_call_text        (AuthsimEngine  *self,
                                                 const char     *params_json,
                                                 AuthsimTrigger  trigger,
                                                 AuthsimContainer container,
                                                 GError        **error);
/*
 * The D-Bus/scenario form: {"params": {…}, "trigger": "tap"|"lifecycle",
 * "container": "mini-program"|"plugin"|"web-view"}. A malformed string is logged as an error
 * event and returns 0 with @error set; nothing else changes.
 */
guint           authsim_engine_call_json        (AuthsimEngine  *self,
                                                 const char     *json,
                                                 GError        **error);
/* Answers the open popup: the one way to answer it. AUTHSIM_ERROR_NO_REQUEST when none is
 * open. The decision event records @source by its nick ("ui", "dbus", "scenario",
 * "standing", "api"). Answering the popup is a user interaction: it ends the first screen. */
gboolean        authsim_engine_respond          (AuthsimEngine      *self,
                                                 AuthsimDecision     decision,
                                                 AuthsimAnswerSource source,
                                                 GError            **error);
/* Clear authorization data: all grants of all users, logged. */
void            authsim_engine_clear_grants     (AuthsimEngine  *self);
gboolean        authsim_engine_revoke           (AuthsimEngine  *self,
                                                 const char     *user_id,
                                                 const char     *app_id);
/* Logs an "error" event with @source ("dbus", "profile", …) and @message. */
void            authsim_engine_log_error        (AuthsimEngine  *self,
                                                 const char     *source,
                                                 const char     *message);

G_END_DECLS
