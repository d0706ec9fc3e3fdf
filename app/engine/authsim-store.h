/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-store.h: grants, auth codes, tokens, the virtual clock and their persistence
 * (SPEC §5, §6). Thread-safe: the gateway may call it from its own thread. The grants model
 * is only changed from the thread that created the store. */
#pragma once

#include <gio/gio.h>

#include "authsim-random.h"

G_BEGIN_DECLS

#define AUTHSIM_STORE_ERROR (authsim_store_error_quark ())

/* Outcomes the gateway turns into OpenAPI sub_codes. */
typedef enum
{
  AUTHSIM_STORE_ERROR_CODE_INVALID,      /* isv.code-invalid: unknown, used or expired code */
  AUTHSIM_STORE_ERROR_UNMATCHED_APP_ID,  /* isv.unmatched-app-id */
  AUTHSIM_STORE_ERROR_REFRESH_INVALID,   /* isv.refresh-token-invalid */
  AUTHSIM_STORE_ERROR_REFRESH_TIME_OUT,  /* isv.refresh-token-time-out */
  AUTHSIM_STORE_ERROR_TOKEN_INVALID,     /* aop.invalid-auth-token */
  AUTHSIM_STORE_ERROR_TOKEN_TIME_OUT,    /* aop.auth-token-time-out */
} AuthsimStoreError;

GQuark authsim_store_error_quark (void);

#define AUTHSIM_CODE_LIFETIME_DEFAULT 180     /* seconds: 3 minutes */
#define AUTHSIM_CODE_LIFETIME_MIN     60
#define AUTHSIM_CODE_LIFETIME_MAX     86400   /* 24 hours */

/* A code handed out by a successful getAuthCode. */
typedef struct
{
  char   *code;
  char   *app_id;      /* the authorising app: the host's in plugin context */
  char   *user_id;
  GStrv   scopes;      /* authSuccessScopes */
  guint   call;        /* the call that produced it */
  gint64  issued_at;   /* virtual unix seconds */
  gint64  expires_at;
} AuthsimCode;

/* An access/refresh token pair. */
typedef struct
{
  char   *access_token;  /* authusrB… (auth_user among scopes) or authbseB… */
  char   *refresh_token;
  char   *app_id;
  char   *user_id;
  GStrv   scopes;
  guint   call;          /* the call whose code started this chain */
  gint64  auth_start;    /* virtual unix seconds */
  gint64  expires_at;
  gint64  re_expires_at;
} AuthsimToken;

AuthsimCode  *authsim_code_copy  (const AuthsimCode  *code);
void          authsim_code_free  (AuthsimCode        *code);
AuthsimToken *authsim_token_copy (const AuthsimToken *token);
void          authsim_token_free (AuthsimToken       *token);
/* expires_in / re_expires_in in seconds for a token with these scopes (SPEC §6). */
gint64        authsim_token_lifetime         (const char * const *scopes);
gint64        authsim_token_refresh_lifetime (const char * const *scopes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AuthsimCode, authsim_code_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AuthsimToken, authsim_token_free)

/* A grant: the scopes a user granted an app, and when (an item of the grants model). */
#define AUTHSIM_TYPE_GRANT (authsim_grant_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimGrant, authsim_grant, AUTHSIM, GRANT, GObject)

const char         *authsim_grant_get_user_id    (AuthsimGrant *self);
const char         *authsim_grant_get_app_id     (AuthsimGrant *self);
const char * const *authsim_grant_get_scopes     (AuthsimGrant *self);
gint64              authsim_grant_get_granted_at (AuthsimGrant *self);  /* virtual unix seconds */

#define AUTHSIM_TYPE_STORE (authsim_store_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimStore, authsim_store, AUTHSIM, STORE, GObject)

/*
 * @state_dir (nullable): where state.json lives; NULL keeps everything in memory.
 * @random_bytes: the cryptographic source codes and tokens are drawn from (the engine links no
 * crypto library: the app hands in OpenSSL's, see authsim-crypto.h).
 * Properties: "code-lifetime" (uint seconds), "clock-offset" (int64 seconds), both persisted.
 * Signal: "saved" (no arguments), emitted on the GMainContext that was thread-default at
 * creation after a background save wrote state.json; several saves may give one emission.
 * Every mutation schedules a background save: 200 ms after it at the soonest, and no sooner
 * than 50 × the last save's duration after that save (see authsim-store.c).
 */
AuthsimStore *authsim_store_new                 (const char       *state_dir,
                                                 AuthsimRandomFunc random_bytes);
/*
 * Reads state.json. A missing file is an empty state. A corrupt one is renamed to
 * state.json.corrupt-YYYYMMDD-HHMMSS, *warning (nullable) says so and where, and the store
 * starts empty: TRUE. FALSE only when the directory cannot be used at all.
 */
gboolean      authsim_store_load                (AuthsimStore  *self,
                                                 char         **warning,
                                                 GError       **error);
/* Writes state.json now, on the calling thread (atomically: temp file + rename), after any
 * background write in progress. Mutations also schedule a write in the background. */
gboolean      authsim_store_save                (AuthsimStore  *self,
                                                 GError       **error);
/* Blocks until every change made before the call is on disk: waits for a background write in
 * progress, then writes on the calling thread only if something is still pending. TRUE when
 * nothing was pending or the write succeeded (a failed write stays pending). */
gboolean      authsim_store_flush               (AuthsimStore  *self,
                                                 GError       **error);

/* The virtual clock: real time plus an offset every lifetime reads. */
gint64        authsim_store_now                 (AuthsimStore  *self);   /* unix seconds */
gint64        authsim_store_get_clock_offset    (AuthsimStore  *self);
void          authsim_store_set_clock_offset    (AuthsimStore  *self,
                                                 gint64         seconds);
void          authsim_store_advance_clock       (AuthsimStore  *self,
                                                 gint64         seconds);

guint         authsim_store_get_code_lifetime   (AuthsimStore  *self);
/* Clamped to [AUTHSIM_CODE_LIFETIME_MIN, AUTHSIM_CODE_LIFETIME_MAX]. */
void          authsim_store_set_code_lifetime   (AuthsimStore  *self,
                                                 guint          seconds);

/* Grants, per (user, app). */
GListModel   *authsim_store_get_grants          (AuthsimStore  *self);   /* of AuthsimGrant */
/* (transfer full): the scopes granted, empty when none. */
GStrv         authsim_store_dup_granted_scopes  (AuthsimStore  *self,
                                                 const char    *user_id,
                                                 const char    *app_id);
/* Adds @scopes to the grant (creating it), and sets its time to now. */
void          authsim_store_grant               (AuthsimStore  *self,
                                                 const char    *user_id,
                                                 const char    *app_id,
                                                 const char * const *scopes);
/*
 * The consent state of one (user, app, scope): what my.getSetting reports as authSetting
 * (SPEC §12). GRANTED: in the grant. REFUSED: the user rejected the popup or switched the
 * scope off in the settings page. NONE: never decided (or cleared).
 */
typedef enum
{
  AUTHSIM_SCOPE_STATE_NONE,
  AUTHSIM_SCOPE_STATE_GRANTED,
  AUTHSIM_SCOPE_STATE_REFUSED,
} AuthsimScopeState;

AuthsimScopeState authsim_store_get_scope_state (AuthsimStore *self,
                                                 const char   *user_id,
                                                 const char   *app_id,
                                                 const char   *scope);
/* (transfer full): every scope of (user, app) granted or refused, in the order each was first
 * decided; empty when none. */
GStrv         authsim_store_dup_decided_scopes  (AuthsimStore  *self,
                                                 const char    *user_id,
                                                 const char    *app_id);
/* Records a refusal of @scope: it leaves the grant (the grant goes when it was its last scope)
 * and its state becomes REFUSED. Tokens and codes are not touched (the authSetting scopes
 * userInfo and phoneNumber never issue any). */
void          authsim_store_refuse              (AuthsimStore  *self,
                                                 const char    *user_id,
                                                 const char    *app_id,
                                                 const char    *scope);
/* Removes the grant and invalidates that user's tokens for that app. FALSE if there was none. */
gboolean      authsim_store_revoke              (AuthsimStore  *self,
                                                 const char    *user_id,
                                                 const char    *app_id);
/* Removes every grant and every refusal of every user, and every token. */
void          authsim_store_clear_grants        (AuthsimStore  *self);

/* Auth codes: 32 characters [0-9a-zA-Z] from OpenSSL's RAND_bytes, never repeated. */
char         *authsim_store_issue_code          (AuthsimStore  *self,
                                                 const char    *app_id,
                                                 const char    *user_id,
                                                 const char * const *scopes,
                                                 guint          call);
/* (transfer full): a peek that does not spend the code; NULL if unknown (for logging). */
AuthsimCode  *authsim_store_lookup_code         (AuthsimStore  *self,
                                                 const char    *code);
/* The call that produced @code, live or recently spent (the last 4096 spent codes, in
 * memory); 0 when unknown. Links even a failing or replayed exchange to its call. */
guint         authsim_store_get_code_call       (AuthsimStore  *self,
                                                 const char    *code);
/*
 * Spends @code (its first exchange spends it, successful or not) and returns it.
 * Errors: CODE_INVALID (unknown, used or expired), UNMATCHED_APP_ID (issued to another app).
 */
AuthsimCode  *authsim_store_redeem_code         (AuthsimStore  *self,
                                                 const char    *code,
                                                 const char    *app_id,
                                                 GError       **error);

/* Tokens. */
AuthsimToken *authsim_store_issue_token         (AuthsimStore      *self,
                                                 const AuthsimCode *code);
/* Rotates the pair: the old access and refresh tokens stop working.
 * Errors: REFRESH_INVALID (unknown, rotated, revoked, other app), REFRESH_TIME_OUT. */
AuthsimToken *authsim_store_refresh             (AuthsimStore  *self,
                                                 const char    *refresh_token,
                                                 const char    *app_id,
                                                 GError       **error);
/* Errors: TOKEN_INVALID (unknown, revoked, rotated), TOKEN_TIME_OUT. */
AuthsimToken *authsim_store_lookup_access_token (AuthsimStore  *self,
                                                 const char    *access_token,
                                                 GError       **error);

/* open_id: stable per (app, user), 47 characters [0-9A-Za-z_-], different across apps. */
char         *authsim_open_id                   (const char    *app_id,
                                                 const char    *user_id);

G_END_DECLS
