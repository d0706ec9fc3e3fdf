/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-json.h: the one way AuthSim reads the JSON documents it is given (profile, users,
 * scenarios, state) and writes JSON text by hand (the log, the store).
 *
 * Reading: a document is parsed into an object, then walked with these helpers, each taking
 * the JSON path of what it looks at. Every problem is an AUTHSIM_ERROR_INVALID with one message
 * style, "<source>: <JSON path>: <problem>", e.g.
 * `profile.json: $.pages[2].buttons[0].params: expected an object, got a string`; text that is
 * not JSON at all is AUTHSIM_ERROR_INVALID_JSON with "<source>:<line>:<column>: <problem>".
 */
#pragma once

#include <json-glib/json-glib.h>

#include "authsim-types.h"

G_BEGIN_DECLS

/* How a document is being read: where from and for which languages. */
typedef struct
{
  const char         *source;    /* the name in messages: a file's basename, or source_name */
  const char         *base_dir;  /* (nullable): the file's directory, for relative paths */
  const char * const *languages; /* (nullable): preferred locale names, best first */
} AuthsimJsonLoader;

/* Sets an AUTHSIM_ERROR_INVALID "<source>: <path>: <problem>" error; always returns FALSE. */
gboolean    authsim_json_fail           (const AuthsimJsonLoader  *loader,
                                         GError                  **error,
                                         const char               *path,
                                         const char               *format,
                                         ...) G_GNUC_PRINTF (4, 5);
/* "a string", "a number", "a boolean", "an object", "an array" or "null". */
const char *authsim_json_describe       (JsonNode                 *node);
gboolean    authsim_json_is_string      (JsonNode                 *node);
gboolean    authsim_json_is_boolean     (JsonNode                 *node);
/* Reads a whole file; AUTHSIM_ERROR_IO naming it on failure. */
char       *authsim_json_read_file      (const char               *path,
                                         gsize                    *length,
                                         GError                  **error);
/* (transfer full): the root of @data, which must be an object. */
JsonNode   *authsim_json_parse          (const AuthsimJsonLoader  *loader,
                                         const char               *data,
                                         gssize                    length,
                                         GError                  **error);
/* Fails on the first member of @object that is not in @allowed ("unknown key", with a
 * "did you mean" for a case-only difference). */
gboolean    authsim_json_check_keys     (const AuthsimJsonLoader  *loader,
                                         JsonObject               *object,
                                         const char               *path,
                                         const char * const       *allowed,
                                         GError                  **error);
/* @node (the member at @path) must be an object. */
gboolean    authsim_json_expect_object  (const AuthsimJsonLoader  *loader,
                                         JsonNode                 *node,
                                         const char               *path,
                                         GError                  **error);
/* The string member @key of @object: *out is NULL when it is absent and not @required.
 * @non_empty rejects "". */
gboolean    authsim_json_get_string     (const AuthsimJsonLoader  *loader,
                                         JsonObject               *object,
                                         const char               *path,
                                         const char               *key,
                                         gboolean                  required,
                                         gboolean                  non_empty,
                                         const char              **out,
                                         GError                  **error);
/* A display string: a non-empty string, or a non-empty object of locale → non-empty string,
 * resolved for the loader's languages, then "en", then the first member. */
gboolean    authsim_json_get_localised  (const AuthsimJsonLoader  *loader,
                                         JsonObject               *object,
                                         const char               *path,
                                         const char               *key,
                                         gboolean                  required,
                                         char                    **out,
                                         GError                  **error);

/* (transfer full): @node as compact JSON text. */
char       *authsim_json_to_compact     (JsonNode                 *node);

/* Appends @value as a JSON string (RFC 8259 §7): quotes, backslashes and control characters
 * escaped, the rest copied as UTF-8; invalid UTF-8 is repaired with U+FFFD. */
void        authsim_json_append_string  (GString                  *out,
                                         const char               *value);
/* Appends @value as a JSON number, without printf. */
void        authsim_json_append_int     (GString                  *out,
                                         gint64                    value);

G_END_DECLS
