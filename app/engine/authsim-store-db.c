/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-store-db.c: the store's SQLite database: its file, the schema and its migrations, and
 * the statements the store runs (see authsim-store-db.h for the contract).
 *
 * How the connection is set up, and why:
 * - journal_mode=WAL, normal (shared) locking: readers never wait for the writer, and a
 *   second AuthSim process on the same data directory (a second instance that is about to
 *   exit because the bus name is taken, a scenario run given the same --data-dir) can open it;
 *   writes from both are serialised by SQLite (busy_timeout), and call ids are counted in the
 *   database itself, so two processes never hand out the same one.
 * - synchronous=NORMAL: a commit is written into the WAL, which the kernel holds, without an
 *   fsync; the WAL is fsynced at each checkpoint (see WAL_CHECKPOINT_PAGES). A crash of the
 *   process (abort, kill -9) loses nothing committed: the WAL is replayed at the next start. A
 *   power cut or a kernel crash may lose the commits since the last checkpoint (the WAL not yet
 *   on the disk), never the consistency of the file. FULL would fsync on every commit, once per
 *   oauth.token, and each call of my.getAuthCode.
 * - The file, its WAL and its -shm are 0600 (they hold live codes and tokens): the file is
 *   created with that mode before SQLite opens it, and SQLite gives the others its mode.
 * - Every statement is prepared once (SQLITE_PREPARE_PERSISTENT) and reset after each use.
 * - Schema changes are migrations: migrations[N] takes a database at user_version N to N + 1,
 *   in one transaction with the version bump. Version 2 will be one more function.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "authsim-json.h"
#include "authsim-store-db.h"
#include "authsim-types.h"

typedef enum
{
  STMT_BEGIN,
  STMT_COMMIT,
  STMT_ROLLBACK,
  STMT_META_GET,
  STMT_META_SET,
  STMT_NEXT_CALL,
  STMT_GRANTS_READ,
  STMT_GRANT_PUT,
  STMT_GRANT_DELETE,
  STMT_GRANTS_CLEAR,
  STMT_DECISIONS_READ,
  STMT_DECISION_ADD,
  STMT_DECISIONS_DELETE,
  STMT_DECISIONS_CLEAR,
  STMT_CODE_INSERT,
  STMT_CODE_FIND,
  STMT_CODE_CALL,
  STMT_CODE_SPEND,
  STMT_CODES_SPEND_OF,
  STMT_CODES_SPEND_ALL,
  STMT_CODES_PURGE,
  STMT_TOKEN_INSERT,
  STMT_TOKEN_FIND,
  STMT_TOKEN_FIND_REFRESH,
  STMT_TOKEN_DELETE,
  STMT_TOKENS_DELETE_OF,
  STMT_TOKENS_CLEAR,
  STMT_TOKENS_PURGE,
  N_STMTS
} Stmt;

#define CODE_COLUMNS  "code, app_id, user_id, scopes, call_id, issued_at, expires_at, spent"
#define TOKEN_COLUMNS "access_token, refresh_token, app_id, user_id, scopes, call_id, " \
                      "auth_start, expires_at, re_expires_at"

static const char * const statement_sql[N_STMTS] = {
  [STMT_BEGIN] = "BEGIN IMMEDIATE",
  [STMT_COMMIT] = "COMMIT",
  [STMT_ROLLBACK] = "ROLLBACK",
  [STMT_META_GET] = "SELECT value FROM meta WHERE key = ?1",
  [STMT_META_SET] = "INSERT INTO meta (key, value) VALUES (?1, ?2) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  [STMT_NEXT_CALL] = "UPDATE meta SET value = (value % 4294967295) + 1 WHERE key = 'last_call' "
                     "RETURNING value",
  [STMT_GRANTS_READ] = "SELECT user_id, app_id, scopes, granted_at FROM grants ORDER BY id",
  [STMT_GRANT_PUT] = "INSERT INTO grants (user_id, app_id, scopes, granted_at) "
                     "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (user_id, app_id) "
                     "DO UPDATE SET scopes = excluded.scopes, granted_at = excluded.granted_at",
  [STMT_GRANT_DELETE] = "DELETE FROM grants WHERE user_id = ?1 AND app_id = ?2",
  [STMT_GRANTS_CLEAR] = "DELETE FROM grants",
  [STMT_DECISIONS_READ] = "SELECT user_id, app_id, scope FROM decisions ORDER BY id",
  [STMT_DECISION_ADD] = "INSERT OR IGNORE INTO decisions (user_id, app_id, scope) "
                        "VALUES (?1, ?2, ?3)",
  [STMT_DECISIONS_DELETE] = "DELETE FROM decisions WHERE user_id = ?1 AND app_id = ?2",
  [STMT_DECISIONS_CLEAR] = "DELETE FROM decisions",
  [STMT_CODE_INSERT] = "INSERT INTO codes (code, app_id, user_id, scopes, call_id, issued_at, "
                       "expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
  [STMT_CODE_FIND] = "SELECT " CODE_COLUMNS " FROM codes WHERE code = ?1",
  [STMT_CODE_CALL] = "SELECT call_id FROM codes WHERE code = ?1",
  /* Not UPDATE … RETURNING: SQLite runs that through a temporary table, which made it cost
   * as much as the SELECT and the UPDATE together twice over (callgrind). */
  [STMT_CODE_SPEND] = "UPDATE codes SET spent = 1 WHERE code = ?1 AND spent = 0",
  [STMT_CODES_SPEND_OF] = "UPDATE codes SET spent = 1 "
                          "WHERE user_id = ?1 AND app_id = ?2 AND spent = 0",
  [STMT_CODES_SPEND_ALL] = "UPDATE codes SET spent = 1 WHERE spent = 0",
  [STMT_CODES_PURGE] = "DELETE FROM codes WHERE code IN "
                       "(SELECT code FROM codes WHERE expires_at <= ?1 LIMIT ?2)",
  [STMT_TOKEN_INSERT] = "INSERT INTO tokens (" TOKEN_COLUMNS ") "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
  [STMT_TOKEN_FIND] = "SELECT " TOKEN_COLUMNS " FROM tokens WHERE access_token = ?1",
  [STMT_TOKEN_FIND_REFRESH] = "SELECT " TOKEN_COLUMNS " FROM tokens WHERE refresh_token = ?1",
  [STMT_TOKEN_DELETE] = "DELETE FROM tokens WHERE access_token = ?1",
  [STMT_TOKENS_DELETE_OF] = "DELETE FROM tokens WHERE user_id = ?1 AND app_id = ?2",
  [STMT_TOKENS_CLEAR] = "DELETE FROM tokens",
  [STMT_TOKENS_PURGE] = "DELETE FROM tokens WHERE access_token IN "
                        "(SELECT access_token FROM tokens WHERE re_expires_at <= ?1 LIMIT ?2)",
};

struct _AuthsimStoreDb
{
  sqlite3      *handle;
  char         *path;                  /* NULL: in memory */
  sqlite3_stmt *statements[N_STMTS];   /* prepared on first use */
  GHashTable   *scopes;                /* scopes text → GStrv, parsed (see column_scopes) */
};

/* The WAL is copied back into the database (a checkpoint, with its two fsyncs) once it holds
 * this many pages: a page rewritten several times in between is copied once. SQLite's default,
 * 1000 pages, made checkpoints half of the store's cost per oauth.token in the gateway bench
 * (a checkpoint every ~250 requests, each page read back from the WAL and written once more);
 * 10000 (a WAL of up to 40 MiB, deleted at a clean exit) cut the store's CPU time by about a
 * quarter. */
#define WAL_CHECKPOINT_PAGES 10000

/* The scopes texts seen are a handful (combinations of the known scopes); more than this and
 * the cache starts again. */
#define SCOPES_CACHE_MAX 256

/* ---------------------------------------------------------------------------------------- */
/* Schema */

/*
 * Version 1. Times are virtual unix seconds (the store's clock); scopes are JSON arrays of
 * strings; the ids give grants and decisions their order. Codes and tokens are looked up by
 * their string (WITHOUT ROWID: one b-tree each) and purged by expiry (the indexes).
 */
static const char schema_v1[] =
  "CREATE TABLE meta ("
  "  key   TEXT PRIMARY KEY NOT NULL,"
  "  value INTEGER NOT NULL"
  ") WITHOUT ROWID;"
  "INSERT INTO meta (key, value) VALUES ('clock_offset', 0), ('code_lifetime', 180),"
  "  ('last_call', 0);"
  "CREATE TABLE grants ("
  "  id         INTEGER PRIMARY KEY,"
  "  user_id    TEXT NOT NULL,"
  "  app_id     TEXT NOT NULL,"
  "  scopes     TEXT NOT NULL,"
  "  granted_at INTEGER NOT NULL,"
  "  UNIQUE (user_id, app_id)"
  ");"
  "CREATE TABLE decisions ("
  "  id      INTEGER PRIMARY KEY,"
  "  user_id TEXT NOT NULL,"
  "  app_id  TEXT NOT NULL,"
  "  scope   TEXT NOT NULL,"
  "  UNIQUE (user_id, app_id, scope)"
  ");"
  "CREATE TABLE codes ("
  "  code       TEXT PRIMARY KEY NOT NULL,"
  "  app_id     TEXT NOT NULL,"
  "  user_id    TEXT NOT NULL,"
  "  scopes     TEXT NOT NULL,"
  "  call_id    INTEGER NOT NULL,"
  "  issued_at  INTEGER NOT NULL,"
  "  expires_at INTEGER NOT NULL,"
  "  spent      INTEGER NOT NULL DEFAULT 0"
  ") WITHOUT ROWID;"
  "CREATE INDEX codes_by_expiry ON codes (expires_at);"
  "CREATE TABLE tokens ("
  "  access_token  TEXT PRIMARY KEY NOT NULL,"
  "  refresh_token TEXT NOT NULL UNIQUE,"
  "  app_id        TEXT NOT NULL,"
  "  user_id       TEXT NOT NULL,"
  "  scopes        TEXT NOT NULL,"
  "  call_id       INTEGER NOT NULL,"
  "  auth_start    INTEGER NOT NULL,"
  "  expires_at    INTEGER NOT NULL,"
  "  re_expires_at INTEGER NOT NULL"
  ") WITHOUT ROWID;"
  "CREATE INDEX tokens_by_refresh_expiry ON tokens (re_expires_at);";

static int
migrate_to_1 (sqlite3 *handle)
{
  return sqlite3_exec (handle, schema_v1, NULL, NULL, NULL);
}

/* migrations[N] takes the schema from user_version N to N + 1; it runs in a transaction. */
static int (* const migrations[]) (sqlite3 *handle) = {
  migrate_to_1,
};

int
authsim_store_db_schema_version (void)
{
  return (int) G_N_ELEMENTS (migrations);
}

/* ---------------------------------------------------------------------------------------- */
/* Statements */

static const char *
db_name (AuthsimStoreDb *db)
{
  return db->path != NULL ? db->path : "(in memory)";
}

static void
db_warn (AuthsimStoreDb *db,
         const char     *what)
{
  g_warning ("AuthSim state database %s: %s: %s", db_name (db), what,
             sqlite3_errmsg (db->handle));
}

static sqlite3_stmt *
db_statement (AuthsimStoreDb *db,
              Stmt            id)
{
  if (db->statements[id] == NULL &&
      sqlite3_prepare_v3 (db->handle, statement_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                          &db->statements[id], NULL) != SQLITE_OK)
    {
      db_warn (db, statement_sql[id]);
      return NULL;
    }
  return db->statements[id];
}

/* Binds @value without a copy: it must live until the statement is reset. */
static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *value)
{
  sqlite3_bind_text (stmt, index, value, -1, SQLITE_STATIC);
}

/* Ends a use of @stmt: reset, and no binding left pointing at the caller's strings. */
static void
statement_done (sqlite3_stmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

/* Steps @stmt, already bound, to its end; FALSE (and a warning) on failure. */
static gboolean
run_bound (AuthsimStoreDb *db,
           Stmt            id,
           sqlite3_stmt   *stmt)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE)
    db_warn (db, statement_sql[id]);
  statement_done (stmt);
  return rc == SQLITE_DONE;
}

/* Runs statement @id with up to three text parameters (as many as it has). */
static gboolean
run_text (AuthsimStoreDb *db,
          Stmt            id,
          const char     *a,
          const char     *b,
          const char     *c)
{
  const char *values[] = { a, b, c };
  sqlite3_stmt *stmt = db_statement (db, id);

  if (stmt == NULL)
    return FALSE;
  for (int i = 0; i < sqlite3_bind_parameter_count (stmt) && i < 3; i++)
    bind_text (stmt, i + 1, values[i]);
  return run_bound (db, id, stmt);
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

static guint
column_call (sqlite3_stmt *stmt,
             int           column)
{
  return (guint) CLAMP (sqlite3_column_int64 (stmt, column), 0, G_MAXUINT);
}

char *
authsim_store_db_scopes_to_text (const char * const *scopes)
{
  GString *text = g_string_new ("[");

  for (gsize i = 0; scopes != NULL && scopes[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append (text, ", ");
      authsim_json_append_string (text, scopes[i]);
    }
  g_string_append_c (text, ']');
  return g_string_free (text, FALSE);
}

/* A scopes text: a JSON array of strings (anything else, which only a hand-edited database
 * holds, reads as no scope, with a warning). */
static GStrv
parse_scopes (AuthsimStoreDb *db,
              const char     *text)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonNode *root;
  JsonArray *array;

  if (!json_parser_load_from_data (parser, text, -1, NULL) ||
      !JSON_NODE_HOLDS_ARRAY (root = json_parser_get_root (parser)))
    {
      g_warning ("AuthSim state database %s: scopes %s are not a JSON array", db_name (db), text);
      return g_strv_builder_end (builder);
    }
  array = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (authsim_json_is_string (element))
        g_strv_builder_add (builder, json_node_get_string (element));
    }
  return g_strv_builder_end (builder);
}

/* (transfer full): the scopes column. Parsed once per distinct text: a JSON parser costs more
 * than the SELECT that read the row (callgrind). */
static GStrv
column_scopes (AuthsimStoreDb *db,
               sqlite3_stmt   *stmt,
               int             column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);
  GStrv scopes;

  if (text == NULL)
    text = "";
  scopes = g_hash_table_lookup (db->scopes, text);
  if (scopes == NULL)
    {
      if (g_hash_table_size (db->scopes) >= SCOPES_CACHE_MAX)
        g_hash_table_remove_all (db->scopes);
      scopes = parse_scopes (db, text);
      g_hash_table_insert (db->scopes, g_strdup (text), scopes);
    }
  return g_strdupv (scopes);
}

/* ---------------------------------------------------------------------------------------- */
/* Opening */

/* SQLite's global settings, before its first use in the process: no memory statistics (they
 * take a global mutex on every allocation, and nothing reads them). Refused, harmlessly, if
 * something else in the process started SQLite first. */
static void
configure_sqlite_once (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      sqlite3_config (SQLITE_CONFIG_MEMSTATUS, 0);
      g_once_init_leave (&done, 1);
    }
}

static AuthsimStoreDb *
db_new (const char *path)
{
  AuthsimStoreDb *db = g_new0 (AuthsimStoreDb, 1);

  configure_sqlite_once ();
  db->scopes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) g_strfreev);
  db->path = g_strdup (path);
  return db;
}

void
authsim_store_db_free (AuthsimStoreDb *db)
{
  if (db == NULL)
    return;
  for (guint i = 0; i < N_STMTS; i++)
    sqlite3_finalize (db->statements[i]);
  if (db->handle != NULL && sqlite3_close (db->handle) != SQLITE_OK)
    g_warning ("AuthSim state database %s: cannot close: %s", db_name (db),
               sqlite3_errmsg (db->handle));
  g_clear_pointer (&db->scopes, g_hash_table_unref);
  g_free (db->path);
  g_free (db);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AuthsimStoreDb, authsim_store_db_free)

/* How a failure to open the file is handled. */
typedef enum
{
  OPEN_OK,
  OPEN_UNUSABLE,  /* not a database, corrupt, unreadable: moved aside, and a new one made */
  OPEN_FAILED,    /* locked, disk full, too new, …: the file is left alone, loading fails */
} OpenResult;

static OpenResult
classify (int rc)
{
  switch (rc & 0xff)
    {
    case SQLITE_OK:
      return OPEN_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_NOMEM:
    case SQLITE_FULL:
    case SQLITE_INTERRUPT:
      return OPEN_FAILED;
    default:
      return OPEN_UNUSABLE;
    }
}

/* Sets *reason to SQLite's message for @rc, returns how it is handled. */
static OpenResult
sqlite_failure (AuthsimStoreDb  *db,
                int              rc,
                char           **reason)
{
  *reason = g_strdup (db->handle != NULL ? sqlite3_errmsg (db->handle) : sqlite3_errstr (rc));
  return classify (rc);
}

/* Creates the file 0600 if needed, and makes it (and a WAL left behind) 0600 if it is not. */
static OpenResult
prepare_file (const char  *path,
              char       **reason)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  int fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0 || fchmod (fd, 0600) != 0)
    {
      int saved_errno = errno;

      if (fd >= 0)
        close (fd);
      *reason = g_strdup (g_strerror (saved_errno));
      return saved_errno == ENOSPC || saved_errno == EDQUOT ? OPEN_FAILED : OPEN_UNUSABLE;
    }
  close (fd);
  if (g_chmod (wal, 0600) != 0 && errno != ENOENT)
    g_debug ("cannot make %s private: %s", wal, g_strerror (errno));
  return OPEN_OK;
}

/* A one-row, one-column pragma as text (NULL when it gives none); *rc gets the outcome. */
static char *
pragma_text (AuthsimStoreDb *db,
             const char     *sql,
             int            *rc)
{
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  *rc = sqlite3_prepare_v2 (db->handle, sql, -1, &stmt, NULL);
  if (*rc != SQLITE_OK)
    return NULL;
  *rc = sqlite3_step (stmt);
  if (*rc == SQLITE_ROW)
    {
      value = column_dup (stmt, 0);
      *rc = SQLITE_OK;
    }
  else if (*rc == SQLITE_DONE)
    *rc = SQLITE_OK;
  sqlite3_finalize (stmt);
  return value;
}

/* The connection's settings (see the top of this file); memory databases have no journal file
 * and keep "memory". */
static int
configure (AuthsimStoreDb *db)
{
  g_autofree char *mode = NULL;
  int rc;

  sqlite3_extended_result_codes (db->handle, TRUE);
  /* Another process writing: wait for it (a transaction takes microseconds); a process that
   * holds the file for longer makes loading fail rather than the file be moved aside. */
  sqlite3_busy_timeout (db->handle, 5000);
  mode = pragma_text (db, "PRAGMA journal_mode = WAL", &rc);
  if (rc != SQLITE_OK)
    return rc;
  if (db->path != NULL && g_strcmp0 (mode, "wal") != 0)
    g_debug ("%s: journal mode %s, not wal", db->path, mode);
  return sqlite3_exec (db->handle, "PRAGMA synchronous = NORMAL; "
                       "PRAGMA wal_autocheckpoint = " G_STRINGIFY (WAL_CHECKPOINT_PAGES),
                       NULL, NULL, NULL);
}

/* SQLITE_OK when the b-trees are sound; otherwise an error code and *reason. */
static int
check_integrity (AuthsimStoreDb  *db,
                 char           **reason)
{
  int rc;
  g_autofree char *result = pragma_text (db, "PRAGMA quick_check(1)", &rc);

  if (rc != SQLITE_OK)
    return rc;
  if (g_strcmp0 (result, "ok") != 0)
    {
      *reason = g_strdup_printf ("integrity check: %s", result != NULL ? result : "no answer");
      g_strdelimit (*reason, "\n", ' ');
      return SQLITE_CORRUPT;
    }
  return SQLITE_OK;
}

/* Brings the schema to the current version, one migration (and one transaction) at a time. */
static OpenResult
migrate (AuthsimStoreDb  *db,
         char           **reason,
         GError         **error)
{
  int rc, version;
  g_autofree char *text = pragma_text (db, "PRAGMA user_version", &rc);

  if (rc != SQLITE_OK)
    return sqlite_failure (db, rc, reason);
  version = text != NULL ? atoi (text) : 0;
  if (version > authsim_store_db_schema_version ())
    {
      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO,
                   "%s has schema version %d, newer than this AuthSim's (%d): it was written "
                   "by a newer AuthSim", db->path, version, authsim_store_db_schema_version ());
      return OPEN_FAILED;
    }

  for (; version < authsim_store_db_schema_version (); version++)
    {
      g_autofree char *bump = g_strdup_printf ("PRAGMA user_version = %d", version + 1);

      if ((rc = sqlite3_exec (db->handle, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK ||
          (rc = migrations[version] (db->handle)) != SQLITE_OK ||
          (rc = sqlite3_exec (db->handle, bump, NULL, NULL, NULL)) != SQLITE_OK ||
          (rc = sqlite3_exec (db->handle, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
        {
          OpenResult result = sqlite_failure (db, rc, reason);

          sqlite3_exec (db->handle, "ROLLBACK", NULL, NULL, NULL);
          return result;
        }
    }
  return OPEN_OK;
}

/* Opens, configures, checks and migrates @db (its path, or memory). */
static OpenResult
open_connection (AuthsimStoreDb  *db,
                 char           **reason,
                 GError         **error)
{
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
                    SQLITE_OPEN_EXRESCODE;
  OpenResult result;
  int rc;

  if (db->path != NULL && (result = prepare_file (db->path, reason)) != OPEN_OK)
    return result;
  rc = sqlite3_open_v2 (db->path != NULL ? db->path : ":memory:", &db->handle, flags, NULL);
  if (rc == SQLITE_OK)
    rc = configure (db);
  if (rc == SQLITE_OK && db->path != NULL)
    rc = check_integrity (db, reason);
  if (rc != SQLITE_OK)
    return *reason != NULL ? classify (rc) : sqlite_failure (db, rc, reason);
  return migrate (db, reason, error);
}

AuthsimStoreDb *
authsim_store_db_open_memory (void)
{
  g_autoptr(AuthsimStoreDb) db = db_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;

  if (open_connection (db, &reason, &error) != OPEN_OK)
    g_error ("SQLite cannot make a database in memory: %s",
             error != NULL ? error->message : reason);
  return g_steal_pointer (&db);
}

char *
authsim_store_move_aside (const char  *path,
                          GError     **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *base = g_strdup_printf ("%s.corrupt-%s", path, stamp);
  g_autofree char *target = g_strdup (base);

  for (guint n = 2; g_file_test (target, G_FILE_TEST_EXISTS); n++)
    {
      g_free (target);
      target = g_strdup_printf ("%s-%u", base, n);
    }

  if (g_rename (path, target) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO,
                   "%s is corrupt and could not be moved aside to %s: %s",
                   path, target, g_strerror (saved_errno));
      return NULL;
    }
  return g_steal_pointer (&target);
}

/* Moves the database and the journal files beside it aside, keeping their names together
 * (X.corrupt-… and X.corrupt-…-wal open as one database). */
static char *
move_database_aside (const char  *path,
                     GError     **error)
{
  g_autofree char *target = authsim_store_move_aside (path, error);
  const char *suffixes[] = { "-wal", "-shm", "-journal" };

  for (guint i = 0; target != NULL && i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *from = g_strconcat (path, suffixes[i], NULL);
      g_autofree char *to = g_strconcat (target, suffixes[i], NULL);

      if (g_rename (from, to) != 0 && errno != ENOENT)
        g_debug ("cannot move %s aside: %s", from, g_strerror (errno));
    }
  return g_steal_pointer (&target);
}

static gboolean
ensure_dir (const char  *dir,
            GError     **error)
{
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO,
                   "Could not create the state directory %s: %s", dir, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

AuthsimStoreDb *
authsim_store_db_open (const char  *dir,
                       GString     *warnings,
                       GError     **error)
{
  g_autofree char *path = g_build_filename (dir, AUTHSIM_STORE_DB_FILE_NAME, NULL);

  if (!ensure_dir (dir, error))
    return NULL;

  /* A second attempt only after the first file was moved aside. */
  for (guint attempt = 0; attempt < 2; attempt++)
    {
      g_autoptr(AuthsimStoreDb) db = db_new (path);
      g_autofree char *reason = NULL;
      g_autofree char *moved = NULL;
      OpenResult result = open_connection (db, &reason, error);

      if (result == OPEN_OK)
        return g_steal_pointer (&db);
      g_clear_pointer (&db, authsim_store_db_free);
      if (result == OPEN_FAILED || attempt > 0)
        {
          if (error != NULL && *error == NULL)
            g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO, "Could not open %s: %s",
                         path, reason);
          return NULL;
        }
      if ((moved = move_database_aside (path, error)) == NULL)
        return NULL;
      g_string_append_printf (warnings, "%s%s was corrupt or unreadable (%s); moved aside to %s; "
                              "starting with no grants", warnings->len > 0 ? "\n" : "",
                              AUTHSIM_STORE_DB_FILE_NAME, reason, moved);
    }
  g_assert_not_reached ();
}

/* ---------------------------------------------------------------------------------------- */
/* Transactions and settings */

gboolean
authsim_store_db_begin (AuthsimStoreDb *db)
{
  return run_text (db, STMT_BEGIN, NULL, NULL, NULL);
}

gboolean
authsim_store_db_commit (AuthsimStoreDb *db)
{
  if (run_text (db, STMT_COMMIT, NULL, NULL, NULL))
    return TRUE;
  authsim_store_db_rollback (db);
  return FALSE;
}

void
authsim_store_db_rollback (AuthsimStoreDb *db)
{
  if (!sqlite3_get_autocommit (db->handle))
    run_text (db, STMT_ROLLBACK, NULL, NULL, NULL);
}

gboolean
authsim_store_db_get_meta (AuthsimStoreDb *db,
                           const char     *key,
                           gint64         *value)
{
  sqlite3_stmt *stmt = db_statement (db, STMT_META_GET);
  int rc;

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, key);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *value = sqlite3_column_int64 (stmt, 0);
  else if (rc != SQLITE_DONE)
    db_warn (db, statement_sql[STMT_META_GET]);
  statement_done (stmt);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

gboolean
authsim_store_db_set_meta (AuthsimStoreDb *db,
                           const char     *key,
                           gint64          value)
{
  sqlite3_stmt *stmt = db_statement (db, STMT_META_SET);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, key);
  sqlite3_bind_int64 (stmt, 2, value);
  return run_bound (db, STMT_META_SET, stmt);
}

guint
authsim_store_db_next_call (AuthsimStoreDb *db)
{
  sqlite3_stmt *stmt = db_statement (db, STMT_NEXT_CALL);
  guint call = 0;
  int rc;

  if (stmt == NULL)
    return 0;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      call = column_call (stmt, 0);
      rc = sqlite3_step (stmt);
    }
  if (rc != SQLITE_DONE)
    {
      db_warn (db, statement_sql[STMT_NEXT_CALL]);
      call = 0;
    }
  statement_done (stmt);
  return call;
}

/* ---------------------------------------------------------------------------------------- */
/* Grants and decisions */

GPtrArray *
authsim_store_db_read_grants (AuthsimStoreDb *db)
{
  GPtrArray *grants = g_ptr_array_new_with_free_func (g_object_unref);
  sqlite3_stmt *stmt = db_statement (db, STMT_GRANTS_READ);
  int rc;

  if (stmt == NULL)
    return grants;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_auto(GStrv) scopes = column_scopes (db, stmt, 2);

      g_ptr_array_add (grants,
                       authsim_grant_new ((const char *) sqlite3_column_text (stmt, 0),
                                          (const char *) sqlite3_column_text (stmt, 1),
                                          (const char * const *) scopes,
                                          sqlite3_column_int64 (stmt, 3)));
    }
  if (rc != SQLITE_DONE)
    db_warn (db, statement_sql[STMT_GRANTS_READ]);
  statement_done (stmt);
  return grants;
}

gboolean
authsim_store_db_put_grant (AuthsimStoreDb *db,
                            AuthsimGrant   *grant)
{
  g_autofree char *scopes = authsim_store_db_scopes_to_text (authsim_grant_get_scopes (grant));
  sqlite3_stmt *stmt = db_statement (db, STMT_GRANT_PUT);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, authsim_grant_get_user_id (grant));
  bind_text (stmt, 2, authsim_grant_get_app_id (grant));
  bind_text (stmt, 3, scopes);
  sqlite3_bind_int64 (stmt, 4, authsim_grant_get_granted_at (grant));
  return run_bound (db, STMT_GRANT_PUT, stmt);
}

gboolean
authsim_store_db_delete_grants (AuthsimStoreDb *db,
                                const char     *user_id,
                                const char     *app_id)
{
  if (user_id == NULL && app_id == NULL)
    return run_text (db, STMT_GRANTS_CLEAR, NULL, NULL, NULL);
  return run_text (db, STMT_GRANT_DELETE, user_id, app_id, NULL);
}

GHashTable *
authsim_store_db_read_decisions (AuthsimStoreDb *db)
{
  GHashTable *decided = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                               (GDestroyNotify) g_ptr_array_unref);
  sqlite3_stmt *stmt = db_statement (db, STMT_DECISIONS_READ);
  int rc;

  if (stmt == NULL)
    return decided;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      /* \x1f (unit separator) does not occur in user or app ids. */
      g_autofree char *key = g_strconcat ((const char *) sqlite3_column_text (stmt, 0), "\x1f",
                                          (const char *) sqlite3_column_text (stmt, 1), NULL);
      GPtrArray *scopes = g_hash_table_lookup (decided, key);

      if (scopes == NULL)
        {
          scopes = g_ptr_array_new_with_free_func (g_free);
          g_hash_table_insert (decided, g_steal_pointer (&key), scopes);
        }
      g_ptr_array_add (scopes, column_dup (stmt, 2));
    }
  if (rc != SQLITE_DONE)
    db_warn (db, statement_sql[STMT_DECISIONS_READ]);
  statement_done (stmt);
  return decided;
}

gboolean
authsim_store_db_add_decision (AuthsimStoreDb *db,
                               const char     *user_id,
                               const char     *app_id,
                               const char     *scope)
{
  return run_text (db, STMT_DECISION_ADD, user_id, app_id, scope);
}

gboolean
authsim_store_db_delete_decisions (AuthsimStoreDb *db,
                                   const char     *user_id,
                                   const char     *app_id)
{
  if (user_id == NULL && app_id == NULL)
    return run_text (db, STMT_DECISIONS_CLEAR, NULL, NULL, NULL);
  return run_text (db, STMT_DECISIONS_DELETE, user_id, app_id, NULL);
}

/* ---------------------------------------------------------------------------------------- */
/* Codes */

/* Steps an INSERT: a taken primary key or unique string is DUPLICATE, not a failure. */
static AuthsimStoreDbInsert
run_insert (AuthsimStoreDb *db,
            Stmt            id,
            sqlite3_stmt   *stmt)
{
  int rc = sqlite3_step (stmt);
  AuthsimStoreDbInsert result = AUTHSIM_STORE_DB_INSERTED;

  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
    result = AUTHSIM_STORE_DB_DUPLICATE;
  else if (rc != SQLITE_DONE)
    {
      db_warn (db, statement_sql[id]);
      result = AUTHSIM_STORE_DB_FAILED;
    }
  statement_done (stmt);
  return result;
}

AuthsimStoreDbInsert
authsim_store_db_insert_code (AuthsimStoreDb    *db,
                              const AuthsimCode *code)
{
  g_autofree char *scopes = authsim_store_db_scopes_to_text ((const char * const *) code->scopes);
  sqlite3_stmt *stmt = db_statement (db, STMT_CODE_INSERT);

  if (stmt == NULL)
    return AUTHSIM_STORE_DB_FAILED;
  bind_text (stmt, 1, code->code);
  bind_text (stmt, 2, code->app_id);
  bind_text (stmt, 3, code->user_id);
  bind_text (stmt, 4, scopes);
  sqlite3_bind_int64 (stmt, 5, code->call);
  sqlite3_bind_int64 (stmt, 6, code->issued_at);
  sqlite3_bind_int64 (stmt, 7, code->expires_at);
  return run_insert (db, STMT_CODE_INSERT, stmt);
}

/* A row of CODE_COLUMNS. */
static AuthsimCode *
code_from_row (AuthsimStoreDb *db,
               sqlite3_stmt   *stmt,
               gboolean       *spent)
{
  AuthsimCode *code = g_new0 (AuthsimCode, 1);

  code->code = column_dup (stmt, 0);
  code->app_id = column_dup (stmt, 1);
  code->user_id = column_dup (stmt, 2);
  code->scopes = column_scopes (db, stmt, 3);
  code->call = column_call (stmt, 4);
  code->issued_at = sqlite3_column_int64 (stmt, 5);
  code->expires_at = sqlite3_column_int64 (stmt, 6);
  if (spent != NULL)
    *spent = sqlite3_column_int (stmt, 7) != 0;
  return code;
}

/* Runs a SELECT by one text parameter that returns at most one row of CODE_COLUMNS. */
static AuthsimCode *
code_query (AuthsimStoreDb *db,
            Stmt            id,
            const char     *value,
            gboolean       *spent)
{
  sqlite3_stmt *stmt = db_statement (db, id);
  AuthsimCode *code = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, value);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      code = code_from_row (db, stmt, spent);
      rc = sqlite3_step (stmt);
    }
  if (rc != SQLITE_DONE)
    {
      db_warn (db, statement_sql[id]);
      g_clear_pointer (&code, authsim_code_free);
    }
  statement_done (stmt);
  return code;
}

AuthsimCode *
authsim_store_db_find_code (AuthsimStoreDb *db,
                            const char     *code,
                            gboolean       *spent)
{
  return code_query (db, STMT_CODE_FIND, code, spent);
}

guint
authsim_store_db_get_code_call (AuthsimStoreDb *db,
                                const char     *code)
{
  sqlite3_stmt *stmt = db_statement (db, STMT_CODE_CALL);
  guint call = 0;
  int rc;

  if (stmt == NULL)
    return 0;
  bind_text (stmt, 1, code);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    call = column_call (stmt, 0);
  else if (rc != SQLITE_DONE)
    db_warn (db, statement_sql[STMT_CODE_CALL]);
  statement_done (stmt);
  return call;
}

AuthsimCode *
authsim_store_db_spend_code (AuthsimStoreDb *db,
                             const char     *code)
{
  g_autoptr(AuthsimCode) found = NULL;
  gboolean spent = TRUE;

  found = code_query (db, STMT_CODE_FIND, code, &spent);
  if (found == NULL || spent || !run_text (db, STMT_CODE_SPEND, code, NULL, NULL))
    return NULL;
  /* Another process may have spent it in between: only one UPDATE changes the row. */
  if (sqlite3_changes (db->handle) != 1)
    return NULL;
  return g_steal_pointer (&found);
}

gboolean
authsim_store_db_spend_codes (AuthsimStoreDb *db,
                              const char     *user_id,
                              const char     *app_id)
{
  if (user_id == NULL && app_id == NULL)
    return run_text (db, STMT_CODES_SPEND_ALL, NULL, NULL, NULL);
  return run_text (db, STMT_CODES_SPEND_OF, user_id, app_id, NULL);
}

/* ---------------------------------------------------------------------------------------- */
/* Tokens */

AuthsimStoreDbInsert
authsim_store_db_insert_token (AuthsimStoreDb     *db,
                               const AuthsimToken *token)
{
  g_autofree char *scopes = authsim_store_db_scopes_to_text ((const char * const *) token->scopes);
  sqlite3_stmt *stmt = db_statement (db, STMT_TOKEN_INSERT);

  if (stmt == NULL)
    return AUTHSIM_STORE_DB_FAILED;
  bind_text (stmt, 1, token->access_token);
  bind_text (stmt, 2, token->refresh_token);
  bind_text (stmt, 3, token->app_id);
  bind_text (stmt, 4, token->user_id);
  bind_text (stmt, 5, scopes);
  sqlite3_bind_int64 (stmt, 6, token->call);
  sqlite3_bind_int64 (stmt, 7, token->auth_start);
  sqlite3_bind_int64 (stmt, 8, token->expires_at);
  sqlite3_bind_int64 (stmt, 9, token->re_expires_at);
  return run_insert (db, STMT_TOKEN_INSERT, stmt);
}

/* A SELECT of TOKEN_COLUMNS by one string. */
static AuthsimToken *
token_query (AuthsimStoreDb *db,
             Stmt            id,
             const char     *value)
{
  sqlite3_stmt *stmt = db_statement (db, id);
  AuthsimToken *token = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, value);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      token = g_new0 (AuthsimToken, 1);
      token->access_token = column_dup (stmt, 0);
      token->refresh_token = column_dup (stmt, 1);
      token->app_id = column_dup (stmt, 2);
      token->user_id = column_dup (stmt, 3);
      token->scopes = column_scopes (db, stmt, 4);
      token->call = column_call (stmt, 5);
      token->auth_start = sqlite3_column_int64 (stmt, 6);
      token->expires_at = sqlite3_column_int64 (stmt, 7);
      token->re_expires_at = sqlite3_column_int64 (stmt, 8);
    }
  else if (rc != SQLITE_DONE)
    db_warn (db, statement_sql[id]);
  statement_done (stmt);
  return token;
}

AuthsimToken *
authsim_store_db_find_token (AuthsimStoreDb *db,
                             const char     *access_token)
{
  return token_query (db, STMT_TOKEN_FIND, access_token);
}

AuthsimToken *
authsim_store_db_find_refresh (AuthsimStoreDb *db,
                               const char     *refresh_token)
{
  return token_query (db, STMT_TOKEN_FIND_REFRESH, refresh_token);
}

gboolean
authsim_store_db_delete_token (AuthsimStoreDb *db,
                               const char     *access_token)
{
  return run_text (db, STMT_TOKEN_DELETE, access_token, NULL, NULL);
}

gboolean
authsim_store_db_delete_tokens (AuthsimStoreDb *db,
                                const char     *user_id,
                                const char     *app_id)
{
  if (user_id == NULL && app_id == NULL)
    return run_text (db, STMT_TOKENS_CLEAR, NULL, NULL, NULL);
  return run_text (db, STMT_TOKENS_DELETE_OF, user_id, app_id, NULL);
}

/* ---------------------------------------------------------------------------------------- */
/* Purging */

/* Runs a purge statement (?1 time, ?2 limit); returns the rows deleted, or -1. */
static gint64
run_purge (AuthsimStoreDb *db,
           Stmt            id,
           gint64          before,
           guint           limit)
{
  sqlite3_stmt *stmt = db_statement (db, id);

  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, before);
  sqlite3_bind_int64 (stmt, 2, limit);
  if (!run_bound (db, id, stmt))
    return -1;
  return sqlite3_changes64 (db->handle);
}

guint
authsim_store_db_purge (AuthsimStoreDb *db,
                        gint64          codes_before,
                        gint64          tokens_before,
                        guint           limit)
{
  gint64 codes, tokens = -1;

  if (!authsim_store_db_begin (db))
    return G_MAXUINT;
  codes = run_purge (db, STMT_CODES_PURGE, codes_before, limit);
  if (codes >= 0)
    tokens = run_purge (db, STMT_TOKENS_PURGE, tokens_before, limit);
  if (tokens < 0 || !authsim_store_db_commit (db))
    {
      authsim_store_db_rollback (db);
      return G_MAXUINT;
    }
  return (guint) (codes + tokens);
}
