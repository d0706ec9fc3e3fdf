/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-engine-private.h: the state of the one AuthsimEngine class, shared by its two files:
 * authsim-engine.c (the call pipeline of SPEC §2.2, the popup, the toast, grants, the GObject)
 * and authsim-engine-pages.c (the preview's page stack and the first screen of SPEC §4).
 *
 * authsim-engine-consent.c (the getAuthorize button, my.getOpenUserInfo, my.getPhoneNumber
 * and my.getSetting of SPEC §10–§12) and authsim-engine-settings.c (the settings page,
 * my.openSetting, authSetting).
 *
 * One class over several files rather than several objects: a navigation drops or fires calls,
 * a call or an answered popup ends the first screen, and closing the popup or the settings page
 * fires the page's onShow. The order of those log events and property notifications is the
 * contract (SPEC §6), and one state machine keeps it without signals going both ways between
 * objects. Not for other classes. */
#pragma once

#include "authsim-engine.h"

G_BEGIN_DECLS

/* How many popups an onShow call may reopen in a row before the engine stops the loop. */
#define ONSHOW_LOOP_LIMIT 3

/* Payload texts are Alipay's own, whatever the UI language (SPEC §9). */
#define MSG_NO_API       "接口不存在"
#define MSG_NO_RESULT    "未找到授权结果"
#define MSG_NO_RIGHT     "无权调用"
#define MSG_CANCELLED    "用户取消授权"
#define MSG_BAD_PARAM    "invalid parameter!"
#define MSG_NETWORK      "Network Error"
#define MSG_BUSY_TOAST   "服务正忙，请稍后再试"
#define MSG_BAD_SCOPE    "请输入合法的scope"

/* One call of a mini-program API, or one tap of a getAuthorize button, from make to finish. */
typedef struct _AuthsimEngineCall Call;

struct _AuthsimEngineCall
{
  guint             id;
  AuthsimApi        api;          /* AUTHSIM_API_GET_AUTHORIZE: a button tap */
  JsonNode         *params;       /* nullable: the parameter object, as json-glib reads it */
  char             *params_json;  /* nullable: the parameter as written, for the log */
  AuthsimTrigger    trigger;
  AuthsimContainer  container;
  char             *page;
  char             *user_id;
  char             *app_id;       /* the authorising app: the host's in plugin context */
  char             *app_name;
  char             *app_icon;
  gboolean          first_screen;
  gboolean          loop_risk;
  /* getAuthCode, decided while processing. */
  GPtrArray        *ok_scopes;    /* requested scopes that can succeed, in order */
  JsonObject       *error_scopes; /* requested scopes not entitled → "40006" */
  /* A getAuthorize tap (authsim-engine-consent.c). */
  JsonNode         *scope;        /* nullable: the button's scope attribute as written */
  char             *label;        /* nullable: the page button tapped (NULL: a virtual one) */
  gboolean          from_settings;/* a settings switch turned on: no button callbacks */
  GStrv             asking;       /* the scopes still to ask for, one popup each */
  guint             asked;        /* how many of them were allowed */
  gboolean          has_then;     /* what onGetAuthorize does */
  AuthsimApi        then_api;
  JsonNode         *then_params;
};

struct _AuthsimEngine
{
  GObject                 parent_instance;

  AuthsimProfile         *profile;
  GListModel             *users;
  AuthsimUser            *active_user;
  AuthsimStore           *store;
  AuthsimLog             *log;

  AuthsimSealer          *sealer;

  AuthsimFirstScreenRule  rule;
  gboolean                network_fault;
  gboolean                service_busy;
  AuthsimContainer        container;
  guint                   toast_duration;

  /* Preview state (authsim-engine-pages.c). Pages are owned by the profile; the stack is
   * reset when it changes. */
  GPtrArray              *stack;
  gboolean                first_screen;
  char                   *toast;
  char                   *banner;

  GQueue                  pending;        /* Call*, waiting behind the active one */
  Call                   *active;         /* the call that owns the popup or the toast */
  AuthsimRequest         *request;
  Call                   *popup_call;     /* whose popup is open: active, or switch_call */
  Call                   *switch_call;    /* a settings switch turned on, asking (owned) */
  guint                   toast_source;
  guint                   onshow_chain;
  gboolean                draining;

  /* The settings page (authsim-engine-settings.c). While it is open, queued calls wait. */
  gboolean                settings_open;
  Call                   *settings_call;  /* the my.openSetting that opened it (owned) */
  JsonObject             *device_settings;/* the profile's deviceSettings, as switched */
  JsonObject             *auth_setting;   /* what "auth-setting" last announced */
  gboolean                user_info_authorized;
  GListModel             *grants;         /* the store's, watched for outside changes */

  /* What the current page shows after my.getOpenUserInfo (authsim-engine-consent.c): kept
   * for the page at stack depth page_info_depth (0: none). */
  char                   *page_nickname;
  char                   *page_avatar;
  char                   *page_avatar_image;
  guint                   page_info_depth;
};

enum {
  PROP_0,
  PROP_PROFILE,
  PROP_USERS,
  PROP_ACTIVE_USER,
  PROP_STORE,
  PROP_LOG,
  PROP_PAGE_PATH,
  PROP_CAN_GO_BACK,
  PROP_FIRST_SCREEN,
  PROP_FIRST_SCREEN_RULE,
  PROP_NETWORK_FAULT,
  PROP_CONTAINER,
  PROP_REQUEST,
  PROP_TOAST,
  PROP_BANNER,
  PROP_TOAST_DURATION,
  PROP_PENDING,
  PROP_SEALER,
  PROP_SERVICE_BUSY,
  PROP_SETTINGS_OPEN,
  PROP_AUTH_SETTING,
  PROP_USER_INFO_AUTHORIZED,
  PROP_PAGE_NICKNAME,
  PROP_PAGE_AVATAR,
  PROP_PAGE_AVATAR_IMAGE,
  N_PROPS
};

/* authsim-engine.c */

/* Notifies the engine property @prop (one of PROP_*). */
void  authsim_engine_notify          (AuthsimEngine    *self,
                                      guint             prop);
/* A new call of @api on the current page by the active user, not yet logged nor queued. */
Call *authsim_engine_new_call        (AuthsimEngine    *self,
                                      AuthsimApi        api,
                                      JsonNode         *params,
                                      AuthsimTrigger    trigger,
                                      AuthsimContainer  container,
                                      gboolean          loop_risk);
void  authsim_engine_call_free       (Call             *call);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Call, authsim_engine_call_free)
/* Logs @call's "call" event and queues it; @hook (nullable): "onLoad"/"onShow" when a page
 * hook fires it, "onGetAuthorize" when a button's handler does. Takes @call. Returns its id;
 * the call may have finished (and be gone) on return. */
guint authsim_engine_queue_call      (AuthsimEngine    *self,
                                      Call             *call,
                                      const char       *hook);
/* Logs @call's "call" event (@hook as for authsim_engine_queue_call(); @queued: it waits). */
void  authsim_engine_log_call        (AuthsimEngine    *self,
                                      Call             *call,
                                      const char       *hook,
                                      gboolean          queued);
/* authsim_engine_new_call() then authsim_engine_queue_call(). */
guint authsim_engine_make_call       (AuthsimEngine    *self,
                                      AuthsimApi        api,
                                      JsonNode         *params,
                                      AuthsimTrigger    trigger,
                                      AuthsimContainer  container,
                                      const char       *hook);
/* Logs success or fail, then complete, with @payload (transfer full), tells listeners, and
 * frees @call (releasing the engine when it was the active one). @note (nullable) explains. */
void  authsim_engine_finish_call     (AuthsimEngine    *self,
                                      Call             *call,
                                      gboolean          success,
                                      JsonObject       *payload,
                                      const char       *note);
/* The same, adding the members of @extra (transfer full, nullable) to the success/fail event. */
void  authsim_engine_finish_call_with (AuthsimEngine   *self,
                                       Call            *call,
                                       gboolean         success,
                                       JsonObject      *payload,
                                       JsonObject      *extra);
/* Logs a tap's button callback (@callback "onGetAuthorize" or "onError", with @event, transfer
 * none, as its payload), releases the engine if @call was active and tells listeners. Does not
 * free @call. */
void  authsim_engine_log_button_callback (AuthsimEngine *self,
                                          Call          *call,
                                          const char    *callback,
                                          JsonObject    *event,
                                          const char    *note);
/* The fail payloads of SPEC §2.2 (transfer full). */
JsonObject *authsim_engine_error_payload         (int         code,
                                                  const char *message);
JsonObject *authsim_engine_no_permission_payload (void);
/* The checks every API shares (SPEC §2.2 steps 1–2, §10.3 rows 1–2): TRUE when @call goes
 * on, FALSE when it failed (and was freed). */
gboolean authsim_engine_check_container  (AuthsimEngine *self,
                                          Call          *call);
gboolean authsim_engine_check_permission (AuthsimEngine *self,
                                          Call          *call);
/* The network fault (SPEC §2.2 step 4, §10.3 row 3): the same, with error 12. */
gboolean authsim_engine_check_network    (AuthsimEngine *self,
                                          Call          *call);
/* Shows the busy toast for @call, which becomes the active one; when the toast goes, the
 * call ends as "no authorization result" (fail 3, or onError for a tap). */
void  authsim_engine_show_toast      (AuthsimEngine    *self,
                                      Call             *call,
                                      const char       *reason);
/* Opens @request (transfer full) as the popup of @call, which must be the active one or the
 * settings switch. Logs "open" (with @fields, transfer full, added) and, over the page, its
 * onHide. */
void  authsim_engine_open_request    (AuthsimEngine    *self,
                                      Call             *call,
                                      AuthsimRequest   *request,
                                      JsonObject       *fields);
/* Handles the queue again (after the settings page closed, for one). */
void  authsim_engine_drain           (AuthsimEngine    *self);
/* Logs a "grant" event (@event: "granted", "refused", "revoked", …) for @scopes of (user,
 * app); @source (nullable): "settings" when the settings page caused it. */
void  authsim_engine_log_grant       (AuthsimEngine      *self,
                                      guint               call,
                                      const char         *event,
                                      const char         *user_id,
                                      const char         *app_id,
                                      const char * const *scopes,
                                      const char         *source);
/* The same with the parameter's text as written (nullable), logged instead of @params. */
guint authsim_engine_make_call_full  (AuthsimEngine    *self,
                                      AuthsimApi        api,
                                      JsonNode         *params,
                                      const char       *params_json,
                                      AuthsimTrigger    trigger,
                                      AuthsimContainer  container,
                                      const char       *hook);
/* Drops the popup, the toast, the settings page and every queued call, each logged with @why:
 * the mini program is gone (relaunched, or its profile replaced). */
void  authsim_engine_abandon_calls   (AuthsimEngine    *self,
                                      const char       *why);

/* authsim-engine-consent.c */

/* Processes a call of getOpenUserInfo, getPhoneNumber or getSetting, or a getAuthorize tap:
 * finishes it, or makes it the active one (the toast, the popup). */
void  authsim_engine_process_member_call (AuthsimEngine   *self,
                                          Call            *call);
/* The popup of a getAuthorize tap or a settings switch was answered (the popup is closed);
 * frees @call or asks its next scope. */
void  authsim_engine_answer_authorize    (AuthsimEngine   *self,
                                          Call            *call,
                                          AuthsimDecision  decision);
/* Taps getAuthorize button @index of @page (its scope and onGetAuthorize). */
void  authsim_engine_press_authorize     (AuthsimEngine     *self,
                                          const AuthsimPage *page,
                                          guint              index);
/* The toast of a tap went: onError "未找到授权结果". */
void  authsim_engine_tap_not_found       (AuthsimEngine   *self,
                                          Call            *call);
/* Forgets what pages showed after my.getOpenUserInfo when their page left the stack. */
void  authsim_engine_trim_page_info      (AuthsimEngine   *self);
/* Announces the page-* properties (the current page changed). */
void  authsim_engine_notify_page_info    (AuthsimEngine   *self);

/* authsim-engine-settings.c */

/* The app the settings page and authSetting are about: the host's in plugin context. */
const char *authsim_engine_settings_app_id  (AuthsimEngine *self);
/* (transfer full): authSetting of (user, app) (SPEC §12). */
JsonObject *authsim_engine_dup_auth_setting (AuthsimEngine *self,
                                             const char    *user_id,
                                             const char    *app_id);
/* Watches the store's grants (changed by the Grants tab, scenarios, …) for authSetting. */
void  authsim_engine_watch_grants        (AuthsimEngine   *self);
/* Recomputes "auth-setting" and "user-info-authorized", notifying real changes. */
void  authsim_engine_refresh_settings    (AuthsimEngine   *self);
/* Opens the settings page for @call (a my.openSetting that passed its checks). */
void  authsim_engine_open_settings_for   (AuthsimEngine   *self,
                                          Call            *call);
/* Takes the profile's deviceSettings afresh (a new profile). */
void  authsim_engine_reset_device_settings (AuthsimEngine *self);
/* Closes the settings page without answering (the mini program is gone): its openSetting is
 * dropped with @why. */
void  authsim_engine_abandon_settings    (AuthsimEngine   *self,
                                          const char      *why);

/* authsim-engine-pages.c */

/* Shows or hides the first-screen banner (@banner: a rule id, or NULL). */
void  authsim_engine_set_banner      (AuthsimEngine    *self,
                                      const char       *banner);

/* Small helpers both files use, under the names the pipeline has always used. */

static inline const AuthsimPage *
current_page (AuthsimEngine *self)
{
  if (self->stack == NULL || self->stack->len == 0)
    return NULL;
  return g_ptr_array_index (self->stack, self->stack->len - 1);
}

/* The first screen lasts from launch until the user's first tap, navigation or answer. */
static inline void
set_first_screen (AuthsimEngine *self,
                  gboolean       first_screen)
{
  if (self->first_screen == first_screen)
    return;
  self->first_screen = first_screen;
  authsim_engine_notify (self, PROP_FIRST_SCREEN);
}

static inline void
log_event (AuthsimEngine *self,
           guint          call,
           const char    *kind,
           JsonObject    *fields)
{
  authsim_log_append (self->log, call, kind, fields);
}

static inline void
log_lifecycle (AuthsimEngine *self,
               const char    *event,
               const char    *page)
{
  JsonObject *fields = json_object_new ();

  json_object_set_string_member (fields, "event", event);
  json_object_set_string_member (fields, "page", page);
  log_event (self, 0, "lifecycle", fields);
}

/* The call of @page's @hook ("onLoad" or "onShow"), if it has one. */
static inline void
fire_lifecycle_call (AuthsimEngine     *self,
                     const AuthsimPage *page,
                     const char        *hook)
{
  AuthsimApi api;
  JsonNode *params = NULL;

  if (page == NULL || !authsim_page_get_hook (page, hook, &api, &params))
    return;
  authsim_engine_make_call (self, api, params, AUTHSIM_TRIGGER_LIFECYCLE, self->container, hook);
}

G_END_DECLS
