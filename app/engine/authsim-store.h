/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-store.h: grants, auth codes, tokens, the call ids, the virtual clock and their
 * persistence in SQLite (SPEC §5, §6, §8). Thread-safe: the gateway may call it from its own
 * thread. The grants model is only changed from the thread that created the store.
 * Every change is committed to the database before the call that makes it returns, so what a
 * caller announces afterwards (a log event, a callback, a gateway response) survives a crash. */
#pragma once

#include <gio/gio.h>

#include "authsim-grant.h"
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

#define AUTHSIM_TYPE_STORE (authsim_store_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimStore, authsim_store, AUTHSIM, STORE, GObject)

/*
 * @state_dir (nullable): where state.sqlite3 lives (authsim_store_load opens it); NULL keeps
 * everything in a database in memory. Until it is loaded, a store works in memory.
 * @random_bytes: the cryptographic source codes and tokens are drawn from (the engine links no
 * crypto library: the app hands in OpenSSL's, see authsim-crypto.h).
 * Properties: "code-lifetime" (uint seconds), "clock-offset" (int64 seconds), both persisted.
 * Expired codes and tokens are purged at load and then every minute, on the GMainContext that
 * was thread-default at creation (see authsim_store_purge).
 */
AuthsimStore *authsim_store_new                 (const char       *state_dir,
                                                 AuthsimRandomFunc random_bytes);
/*
 * Opens <state_dir>/state.sqlite3 (created 0600 when missing) and reads it; what the store held
 * in memory before is dropped. An existing state.json (the format of earlier versions) is
 * imported once and renamed state.json.imported. A corrupt or unreadable database or
 * state.json is renamed to NAME.corrupt-YYYYMMDD-HHMMSS, *warning (nullable) says so and where,
 * and the store starts without it: TRUE. FALSE (the store stays in memory) when the directory
 * cannot be used, another process holds the database locked for seconds, the disk is full, or
 * the database was written by a newer AuthSim. Called once, before the store is shared with
 * other threads. Two processes may use one directory at once: codes, tokens and call ids are
 * shared through the file, but each keeps the grants and settings it read (or changed).
 */
gboolean      authsim_store_load                (AuthsimStore  *self,
                                                 char         **warning,
                                                 GError       **error);
/* Deletes the codes past their expiry and the tokens past their refresh expiry (plus a grace
 * of 30 virtual days, so that an expired token still answers "expired" for a while); returns
 * how many went. The store also does so by itself (see authsim_store_new). */
guint         authsim_store_purge               (AuthsimStore  *self);

/* A new call id (SPEC §8): 1, 2, … never handed out twice by the stores of one directory,
 * one after the other or at once; committed before it is returned. */
guint         authsim_store_next_call_id        (AuthsimStore  *self);

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
/* Removes the grant and the decisions of (user, app), and invalidates that user's tokens and
 * unredeemed codes for that app (SPEC §5), also when there was no grant (auth_base chains make
 * none). FALSE if there was no grant. */
gboolean      authsim_store_revoke              (AuthsimStore  *self,
                                                 const char    *user_id,
                                                 const char    *app_id);
/* Removes every grant and every decision of every user, and invalidates every token and every
 * unredeemed code (auth_base-only chains included). */
void          authsim_store_clear_grants        (AuthsimStore  *self);

/* Auth codes: 32 characters [0-9a-zA-Z] from OpenSSL's RAND_bytes, never repeated. */
char         *authsim_store_issue_code          (AuthsimStore  *self,
                                                 const char    *app_id,
                                                 const char    *user_id,
                                                 const char * const *scopes,
                                                 guint          call);
/* (transfer full): a peek that does not spend the code; NULL if unknown or spent (for
 * logging). */
AuthsimCode  *authsim_store_lookup_code         (AuthsimStore  *self,
                                                 const char    *code);
/* The call that produced @code, live or spent (a spent code is remembered until it expires
 * and is purged); 0 when unknown. Links even a failing or replayed exchange to its call. */
guint         authsim_store_get_code_call       (AuthsimStore  *self,
                                                 const char    *code);
/*
 * Spends @code (its first exchange spends it, successful or not) and returns it.
 * Errors: CODE_INVALID (unknown, used, revoked or expired), UNMATCHED_APP_ID (issued to another
 * app).
 */
AuthsimCode  *authsim_store_redeem_code         (AuthsimStore  *self,
                                                 const char    *code,
                                                 const char    *app_id,
                                                 GError       **error);

/* Tokens. */
AuthsimToken *authsim_store_issue_token         (AuthsimStore      *self,
                                                 const AuthsimCode *code);
/*
 * alipay.system.oauth.token with grant_type=authorization_code, in one transaction: spends
 * @code as authsim_store_redeem_code does (same errors) and issues its token. *call (nullable)
 * gets the call that produced the code, live or spent, 0 when unknown, even when the exchange
 * fails, so that a failing or replayed exchange is still linked to its call.
 */
AuthsimToken *authsim_store_exchange_code       (AuthsimStore  *self,
                                                 const char    *code,
                                                 const char    *app_id,
                                                 guint         *call,
                                                 GError       **error);
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
