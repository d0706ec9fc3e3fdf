/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-store-import.c: the one-time import of state.json, the snapshot file AuthSim wrote
 * before its state moved to SQLite (see authsim_store_db_import_json in authsim-store-db.h).
 *
 * The format (version 1): {"version": 1, "clockOffset": N, "codeLifetime": N,
 * "grants": [{"userId", "appId", "scopes", "grantedAt"}],
 * "codes": [{"code", "appId", "userId", "scopes", "call", "issuedAt", "expiresAt"}],
 * "tokens": [{"accessToken", "refreshToken", "appId", "userId", "scopes", "call", "authStart",
 * "expiresAt", "reExpiresAt"}]}; every member but "version" optional, unknown members ignored.
 * The whole file is taken or none of it (one transaction). Importing the same file twice gives
 * the same state, so a crash between the commit and the rename is harmless.
 */
#include "config.h"

#include <errno.h>

#include <glib/gstdio.h>

#include "authsim-json.h"
#include "authsim-store-db.h"
#include "authsim-types.h"

#define STATE_JSON_VERSION 1

/* What an import wrote besides the rows: the highest call id seen, for the call counter. */
typedef struct
{
  const AuthsimJsonLoader *loader;
  AuthsimStoreDb          *db;
  guint                    max_call;
} Import;

/* The integer member @key of @object; *present (nullable) says whether it was there. */
static gboolean
get_int (Import      *import,
         JsonObject  *object,
         const char  *path,
         const char  *key,
         gboolean     required,
         gboolean    *present,
         gint64      *out,
         GError     **error)
{
  g_autofree char *member_path = g_strdup_printf ("%s.%s", path, key);
  JsonNode *node = json_object_get_member (object, key);

  if (present != NULL)
    *present = node != NULL;
  if (node == NULL)
    return !required ||
           authsim_json_fail (import->loader, error, member_path, "required, but missing");
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return authsim_json_fail (import->loader, error, member_path, "expected an integer, got %s",
                              authsim_json_describe (node));
  *out = json_node_get_int (node);
  return TRUE;
}

/* A call id: an integer in [0, G_MAXUINT]. */
static gboolean
get_call (Import      *import,
          JsonObject  *object,
          const char  *path,
          guint       *out,
          GError     **error)
{
  gint64 value;

  if (!get_int (import, object, path, "call", TRUE, NULL, &value, error))
    return FALSE;
  if (value < 0 || value > G_MAXUINT)
    {
      g_autofree char *member_path = g_strconcat (path, ".call", NULL);

      return authsim_json_fail (import->loader, error, member_path, "out of range");
    }
  *out = (guint) value;
  import->max_call = MAX (import->max_call, *out);
  return TRUE;
}

/* A required non-empty string member. */
static gboolean
get_string (Import      *import,
            JsonObject  *object,
            const char  *path,
            const char  *key,
            const char **out,
            GError     **error)
{
  return authsim_json_get_string (import->loader, object, path, key, TRUE, TRUE, out, error);
}

/* A required array of strings. */
static gboolean
get_strv (Import      *import,
          JsonObject  *object,
          const char  *path,
          const char  *key,
          GStrv       *out,
          GError     **error)
{
  g_autofree char *member_path = g_strdup_printf ("%s.%s", path, key);
  JsonNode *node = json_object_get_member (object, key);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *array;

  if (node == NULL)
    return authsim_json_fail (import->loader, error, member_path, "required, but missing");
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return authsim_json_fail (import->loader, error, member_path, "expected an array, got %s",
                              authsim_json_describe (node));
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!authsim_json_is_string (element))
        {
          g_autofree char *element_path = g_strdup_printf ("%s[%u]", member_path, i);

          return authsim_json_fail (import->loader, error, element_path,
                                    "expected a string, got %s", authsim_json_describe (element));
        }
      g_strv_builder_add (builder, json_node_get_string (element));
    }
  *out = g_strv_builder_end (builder);
  return TRUE;
}

/* The optional array member @key; *out is NULL when absent. */
static gboolean
get_array (Import      *import,
           JsonObject  *root,
           const char  *key,
           JsonArray  **out,
           GError     **error)
{
  g_autofree char *member_path = g_strconcat ("$.", key, NULL);
  JsonNode *node = json_object_get_member (root, key);

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return authsim_json_fail (import->loader, error, member_path, "expected an array, got %s",
                              authsim_json_describe (node));
  *out = json_node_get_array (node);
  return TRUE;
}

/* Element @i of @array, which must be an object. */
static JsonObject *
get_element (Import      *import,
             JsonArray   *array,
             guint        i,
             const char  *path,
             GError     **error)
{
  JsonNode *node = json_array_get_element (array, i);

  if (!authsim_json_expect_object (import->loader, node, path, error))
    return NULL;
  return json_node_get_object (node);
}

/* A database write failed (a g_warning said why): not the file's fault. */
static gboolean
write_failed (GError **error)
{
  g_set_error_literal (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO,
                       "could not write the imported state to the database");
  return FALSE;
}

static gboolean
import_grant (Import      *import,
              JsonObject  *object,
              const char  *path,
              GError     **error)
{
  const char *user_id, *app_id;
  g_auto(GStrv) scopes = NULL;
  g_autoptr(AuthsimGrant) grant = NULL;
  gint64 granted_at;

  if (!get_string (import, object, path, "userId", &user_id, error) ||
      !get_string (import, object, path, "appId", &app_id, error) ||
      !get_strv (import, object, path, "scopes", &scopes, error) ||
      !get_int (import, object, path, "grantedAt", TRUE, NULL, &granted_at, error))
    return FALSE;

  grant = authsim_grant_new (user_id, app_id, (const char * const *) scopes, granted_at);
  if (!authsim_store_db_put_grant (import->db, grant))
    return write_failed (error);
  /* Granted scopes are decided scopes (state.json kept no refusals). */
  for (guint i = 0; scopes[i] != NULL; i++)
    if (!authsim_store_db_add_decision (import->db, user_id, app_id, scopes[i]))
      return write_failed (error);
  return TRUE;
}

static gboolean
import_code (Import      *import,
             JsonObject  *object,
             const char  *path,
             GError     **error)
{
  AuthsimCode code = { NULL, };
  g_auto(GStrv) scopes = NULL;

  if (!get_string (import, object, path, "code", (const char **) &code.code, error) ||
      !get_string (import, object, path, "appId", (const char **) &code.app_id, error) ||
      !get_string (import, object, path, "userId", (const char **) &code.user_id, error) ||
      !get_strv (import, object, path, "scopes", &scopes, error) ||
      !get_call (import, object, path, &code.call, error) ||
      !get_int (import, object, path, "issuedAt", TRUE, NULL, &code.issued_at, error) ||
      !get_int (import, object, path, "expiresAt", TRUE, NULL, &code.expires_at, error))
    return FALSE;

  code.scopes = scopes;
  /* A duplicate is the same code imported before. */
  if (authsim_store_db_insert_code (import->db, &code) == AUTHSIM_STORE_DB_FAILED)
    return write_failed (error);
  return TRUE;
}

static gboolean
import_token (Import      *import,
              JsonObject  *object,
              const char  *path,
              GError     **error)
{
  AuthsimToken token = { NULL, };
  g_auto(GStrv) scopes = NULL;

  if (!get_string (import, object, path, "accessToken", (const char **) &token.access_token,
                   error) ||
      !get_string (import, object, path, "refreshToken", (const char **) &token.refresh_token,
                   error) ||
      !get_string (import, object, path, "appId", (const char **) &token.app_id, error) ||
      !get_string (import, object, path, "userId", (const char **) &token.user_id, error) ||
      !get_strv (import, object, path, "scopes", &scopes, error) ||
      !get_call (import, object, path, &token.call, error) ||
      !get_int (import, object, path, "authStart", TRUE, NULL, &token.auth_start, error) ||
      !get_int (import, object, path, "expiresAt", TRUE, NULL, &token.expires_at, error) ||
      !get_int (import, object, path, "reExpiresAt", TRUE, NULL, &token.re_expires_at, error))
    return FALSE;

  token.scopes = scopes;
  if (authsim_store_db_insert_token (import->db, &token) == AUTHSIM_STORE_DB_FAILED)
    return write_failed (error);
  return TRUE;
}

typedef gboolean (*ImportElement) (Import      *import,
                                   JsonObject  *object,
                                   const char  *path,
                                   GError     **error);

/* Every element of the optional array member @key, through @import_element. */
static gboolean
import_array (Import         *import,
              JsonObject     *root,
              const char     *key,
              ImportElement   import_element,
              GError        **error)
{
  JsonArray *array;

  if (!get_array (import, root, key, &array, error))
    return FALSE;
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      g_autofree char *path = g_strdup_printf ("$.%s[%u]", key, i);
      JsonObject *object = get_element (import, array, i, path, error);

      if (object == NULL || !import_element (import, object, path, error))
        return FALSE;
    }
  return TRUE;
}

/* The clock offset and the code lifetime, when the file has them. */
static gboolean
import_settings (Import      *import,
                 JsonObject  *root,
                 GError     **error)
{
  gboolean has_offset, has_lifetime;
  gint64 offset = 0, lifetime = 0;

  if (!get_int (import, root, "$", "clockOffset", FALSE, &has_offset, &offset, error) ||
      !get_int (import, root, "$", "codeLifetime", FALSE, &has_lifetime, &lifetime, error))
    return FALSE;
  if (has_offset &&
      !authsim_store_db_set_meta (import->db, AUTHSIM_STORE_META_CLOCK_OFFSET, offset))
    return write_failed (error);
  lifetime = CLAMP (lifetime, AUTHSIM_CODE_LIFETIME_MIN, AUTHSIM_CODE_LIFETIME_MAX);
  if (has_lifetime &&
      !authsim_store_db_set_meta (import->db, AUTHSIM_STORE_META_CODE_LIFETIME, lifetime))
    return write_failed (error);
  return TRUE;
}

/* Call ids of the imported codes and tokens are never handed out again. */
static gboolean
import_call_counter (Import  *import,
                     GError **error)
{
  gint64 last_call = 0;

  if (!authsim_store_db_get_meta (import->db, AUTHSIM_STORE_META_LAST_CALL, &last_call))
    return write_failed (error);
  if (import->max_call > last_call &&
      !authsim_store_db_set_meta (import->db, AUTHSIM_STORE_META_LAST_CALL, import->max_call))
    return write_failed (error);
  return TRUE;
}

/* Checks and writes the whole document; the caller's transaction makes it all or nothing. */
static gboolean
import_document (Import      *import,
                 const char  *data,
                 gsize        length,
                 GError     **error)
{
  g_autoptr(JsonNode) root_node = NULL;
  JsonObject *root;
  gint64 version;

  root_node = authsim_json_parse (import->loader, data, (gssize) length, error);
  if (root_node == NULL)
    return FALSE;
  root = json_node_get_object (root_node);

  if (!get_int (import, root, "$", "version", TRUE, NULL, &version, error))
    return FALSE;
  if (version != STATE_JSON_VERSION)
    return authsim_json_fail (import->loader, error, "$.version",
                              "unsupported version %" G_GINT64_FORMAT, version);

  return import_settings (import, root, error) &&
         import_array (import, root, "grants", import_grant, error) &&
         import_array (import, root, "codes", import_code, error) &&
         import_array (import, root, "tokens", import_token, error) &&
         import_call_counter (import, error);
}

/* Reads and imports @path in one transaction. FALSE with an AUTHSIM_ERROR_IO error for a
 * database failure, with another for a bad file. */
static gboolean
import_file (AuthsimStoreDb  *db,
             const char      *path,
             GError         **error)
{
  const AuthsimJsonLoader loader = { AUTHSIM_STORE_JSON_FILE_NAME, NULL, NULL };
  Import import = { &loader, db, 0 };
  g_autoptr(GError) read_error = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;

  data = authsim_json_read_file (path, &length, &read_error);
  if (data == NULL)
    {
      /* Unreadable: a bad file, moved aside like a corrupt one. */
      g_set_error_literal (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID, read_error->message);
      return FALSE;
    }
  if (!authsim_store_db_begin (db))
    return write_failed (error);
  if (!import_document (&import, data, length, error))
    {
      authsim_store_db_rollback (db);
      return FALSE;
    }
  return authsim_store_db_commit (db) || write_failed (error);
}

gboolean
authsim_store_db_import_json (AuthsimStoreDb  *db,
                              const char      *dir,
                              GString         *warnings,
                              GError         **error)
{
  g_autofree char *path = g_build_filename (dir, AUTHSIM_STORE_JSON_FILE_NAME, NULL);
  g_autofree char *imported = g_strconcat (path, ".imported", NULL);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *moved = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;

  if (import_file (db, path, &local_error))
    {
      if (g_rename (path, imported) == 0)
        return TRUE;
      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO, "Could not rename %s to %s: %s",
                   path, imported, g_strerror (errno));
      return FALSE;
    }
  if (g_error_matches (local_error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if ((moved = authsim_store_move_aside (path, error)) == NULL)
    return FALSE;
  g_string_append_printf (warnings, "%s%s was corrupt (%s); moved aside to %s; nothing was "
                          "imported from it", warnings->len > 0 ? "\n" : "",
                          AUTHSIM_STORE_JSON_FILE_NAME, local_error->message, moved);
  return TRUE;
}
