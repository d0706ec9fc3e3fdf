/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-store-db.h: the store's SQLite database, private to the store (authsim-store.c is its
 * only user). One connection, used by one thread at a time: the store calls it with its mutex
 * held. Every function that changes something has committed when it returns (alone, or inside
 * an authsim_store_db_begin/commit pair).
 *
 * authsim-store-db.c: the connection, its file, the schema and its migrations, the statements;
 * authsim-store-import.c: the one-time import of the state.json of earlier versions.
 */
#pragma once

#include "authsim-store.h"

G_BEGIN_DECLS

#define AUTHSIM_STORE_DB_FILE_NAME   "state.sqlite3"
#define AUTHSIM_STORE_JSON_FILE_NAME "state.json"

typedef struct _AuthsimStoreDb AuthsimStoreDb;

/* The schema version this build writes (PRAGMA user_version). */
int             authsim_store_db_schema_version (void);

/* A database in memory, for a store without a directory; aborts if SQLite cannot make one. */
AuthsimStoreDb *authsim_store_db_open_memory    (void);
/*
 * <@dir>/state.sqlite3, created (mode 0600) and migrated to the current schema. A file that is
 * not a database, is corrupt or cannot be opened is moved aside to
 * state.sqlite3.corrupt-YYYYMMDD-HHMMSS (its -wal too), a sentence saying so is appended to
 * @warnings, and a new database is made. NULL with @error: the directory cannot be used, the
 * database is locked by another process, or it was written by a newer AuthSim (left alone).
 */
AuthsimStoreDb *authsim_store_db_open           (const char      *dir,
                                                 GString         *warnings,
                                                 GError         **error);
/* Closes the connection (checkpointing the WAL into the database file). */
void            authsim_store_db_free           (AuthsimStoreDb  *db);

/* Renames @path to @path.corrupt-YYYYMMDD-HHMMSS[-N]; returns the new path. */
char           *authsim_store_move_aside        (const char      *path,
                                                 GError         **error);

/* A transaction around several changes; a failed step is a g_warning and a rollback. */
gboolean        authsim_store_db_begin          (AuthsimStoreDb  *db);
gboolean        authsim_store_db_commit         (AuthsimStoreDb  *db);
void            authsim_store_db_rollback       (AuthsimStoreDb  *db);

/* Settings and counters (table meta); absent keys keep *value. */
#define AUTHSIM_STORE_META_CLOCK_OFFSET  "clock_offset"
#define AUTHSIM_STORE_META_CODE_LIFETIME "code_lifetime"
#define AUTHSIM_STORE_META_LAST_CALL     "last_call"

gboolean        authsim_store_db_get_meta       (AuthsimStoreDb  *db,
                                                 const char      *key,
                                                 gint64          *value);
gboolean        authsim_store_db_set_meta       (AuthsimStoreDb  *db,
                                                 const char      *key,
                                                 gint64           value);

/* Counts a call in the database (atomically, whichever process asks): 1, 2, …, never 0
 * (after 4294967295 comes 1); 0 when the database failed (a g_warning said why). */
guint           authsim_store_db_next_call      (AuthsimStoreDb  *db);

/* Grants, in the order of the grants model (a grant replaced keeps its place). */
GPtrArray      *authsim_store_db_read_grants    (AuthsimStoreDb  *db);   /* of AuthsimGrant */
gboolean        authsim_store_db_put_grant      (AuthsimStoreDb  *db,
                                                 AuthsimGrant    *grant);
/* @user_id and @app_id both NULL: every grant. */
gboolean        authsim_store_db_delete_grants  (AuthsimStoreDb  *db,
                                                 const char      *user_id,
                                                 const char      *app_id);

/* Decided scopes: "user\x1fapp" → GPtrArray of scopes, first decision first. */
GHashTable     *authsim_store_db_read_decisions (AuthsimStoreDb  *db);
gboolean        authsim_store_db_add_decision   (AuthsimStoreDb  *db,
                                                 const char      *user_id,
                                                 const char      *app_id,
                                                 const char      *scope);
/* @user_id and @app_id both NULL: every decision. */
gboolean        authsim_store_db_delete_decisions (AuthsimStoreDb *db,
                                                   const char     *user_id,
                                                   const char     *app_id);

typedef enum
{
  AUTHSIM_STORE_DB_INSERTED,
  AUTHSIM_STORE_DB_DUPLICATE,  /* the code or a token string exists already: draw again */
  AUTHSIM_STORE_DB_FAILED,     /* a g_warning said why */
} AuthsimStoreDbInsert;

/* Codes. A spent code (exchanged, or revoked) stays until it expires, for its call. */
AuthsimStoreDbInsert authsim_store_db_insert_code (AuthsimStoreDb    *db,
                                                   const AuthsimCode *code);
/* (transfer full) (nullable): the code, spent or not; *spent (nullable) says which. */
AuthsimCode    *authsim_store_db_find_code      (AuthsimStoreDb  *db,
                                                 const char      *code,
                                                 gboolean        *spent);
/* The call of @code, spent or not; 0 when unknown. */
guint           authsim_store_db_get_code_call  (AuthsimStoreDb  *db,
                                                 const char      *code);
/* Spends @code: (transfer full) the code, NULL if it is unknown or was spent already. */
AuthsimCode    *authsim_store_db_spend_code     (AuthsimStoreDb  *db,
                                                 const char      *code);
/* Spends the unspent codes of (@user_id, @app_id); both NULL: every unspent code. */
gboolean        authsim_store_db_spend_codes    (AuthsimStoreDb  *db,
                                                 const char      *user_id,
                                                 const char      *app_id);

/* Tokens. */
AuthsimStoreDbInsert authsim_store_db_insert_token (AuthsimStoreDb     *db,
                                                    const AuthsimToken *token);
/* (transfer full) (nullable) */
AuthsimToken   *authsim_store_db_find_token     (AuthsimStoreDb  *db,
                                                 const char      *access_token);
AuthsimToken   *authsim_store_db_find_refresh   (AuthsimStoreDb  *db,
                                                 const char      *refresh_token);
gboolean        authsim_store_db_delete_token   (AuthsimStoreDb  *db,
                                                 const char      *access_token);
/* @user_id and @app_id both NULL: every token. */
gboolean        authsim_store_db_delete_tokens  (AuthsimStoreDb  *db,
                                                 const char      *user_id,
                                                 const char      *app_id);

/* Deletes at most @limit codes that expired at or before @codes_before and @limit tokens whose
 * refresh token expired at or before @tokens_before; returns how many rows went (G_MAXUINT on
 * failure). */
guint           authsim_store_db_purge          (AuthsimStoreDb  *db,
                                                 gint64           codes_before,
                                                 gint64           tokens_before,
                                                 guint            limit);

/*
 * Imports <@dir>/state.json, the snapshot file of AuthSim before the database, in one
 * transaction, then renames it state.json.imported. Nothing to do without one. A corrupt or
 * unreadable one is moved aside to state.json.corrupt-YYYYMMDD-HHMMSS with a sentence in
 * @warnings, and nothing of it is taken. FALSE only when it could not be moved or renamed.
 */
gboolean        authsim_store_db_import_json    (AuthsimStoreDb  *db,
                                                 const char      *dir,
                                                 GString         *warnings,
                                                 GError         **error);

/* Scopes as the database keeps them: a JSON array of strings. */
char           *authsim_store_db_scopes_to_text (const char * const *scopes);

G_END_DECLS
