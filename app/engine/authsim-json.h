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
/* Appends @node as compact JSON, always valid: what json_to_string() writes where that is
 * valid JSON, but a double that is not finite (inf, nan) is null, and one json-glib would write
 * as "1e+30.0" is 1e+30. */
void        authsim_json_append_node    (GString                  *out,
                                         JsonNode                 *node);

/* JSON as text (authsim-json-scan.c) --------------------------------------------------------
 * Text from outside (call parameters, log lines) is checked by a strict RFC 8259 scanner, then
 * kept as written: json-glib alone is lenient ('quotes', 01, raw control characters) and lossy
 * (1e400 becomes inf, integers past int64 wrap). */

/* Objects and arrays nested deeper than this are refused. */
#define AUTHSIM_JSON_MAX_DEPTH 512

/*
 * Whether @text (@length bytes) is exactly one JSON value (RFC 8259; whitespace around it is
 * allowed), with valid UTF-8 and no lone UTF-16 surrogate escape (I-JSON). When @minified is
 * given, the value is appended to it without insignificant whitespace, everything else byte
 * for byte. Failure: AUTHSIM_ERROR_INVALID_JSON "<source>:<line>:<column>: <problem>".
 */
gboolean    authsim_json_scan           (const char               *text,
                                         gsize                     length,
                                         const char               *source,
                                         GString                  *minified,
                                         GError                  **error);
gboolean    authsim_json_is_valid       (const char               *text,
                                         gsize                     length);
/* (transfer full): strict @text (@length -1: NUL-terminated) parsed into a node, and in
 * @minified (nullable, transfer full) its lossless compact text. */
JsonNode   *authsim_json_parse_text     (const char               *text,
                                         gssize                    length,
                                         const char               *source,
                                         char                    **minified,
                                         GError                  **error);
/* In @object, valid JSON text of an object, the text of the value of member @name (the last
 * one if repeated); FALSE when there is none. */
gboolean    authsim_json_find_member    (const char               *object,
                                         gsize                     length,
                                         const char               *name,
                                         const char              **value,
                                         gsize                    *value_length);
/* (transfer full) (nullable): the value at @path ("$", ".member", "[index]", as in messages,
 * e.g. "$.steps[3].call") of @json, minified; NULL when @json is not strict JSON or has no
 * such value. */
char       *authsim_json_dup_at_path    (const char               *json,
                                         gsize                     length,
                                         const char               *path);
/* Appends valid JSON text re-indented by two spaces, its strings and numbers as written. */
void        authsim_json_append_pretty  (GString                  *out,
                                         const char               *json,
                                         gsize                     length);

G_END_DECLS
