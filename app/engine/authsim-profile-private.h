/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-profile-private.h: the JSON loading helpers shared by the profile and users files
 * (authsim-profile.c, authsim-user.c), and the loaders with an explicit language list, for
 * tests. Not for the views.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "authsim-profile.h"

G_BEGIN_DECLS

/* How a document is being read: where from and for which languages. */
typedef struct
{
  const char         *source;    /* the name in messages: a file's basename, or source_name */
  const char         *base_dir;  /* (nullable): the file's directory, for relative icon paths */
  const char * const *languages; /* preferred locale names, best first (g_get_language_names) */
} AuthsimLoader;

/* Sets an AUTHSIM_ERROR_INVALID "<source>: <path>: <problem>" error; always returns FALSE. */
gboolean    authsim_loader_fail          (const AuthsimLoader  *loader,
                                          GError              **error,
                                          const char           *path,
                                          const char           *format,
                                          ...) G_GNUC_PRINTF (4, 5);
/* "a string", "a number", "a boolean", "an object", "an array" or "null". */
const char *authsim_loader_describe      (JsonNode             *node);
/* Reads a whole file; AUTHSIM_ERROR_IO naming it on failure. */
char       *authsim_loader_read_file     (const char           *path,
                                          gsize                *length,
                                          GError              **error);
/* (transfer full): the root of @data, which must be an object. */
JsonNode   *authsim_loader_parse         (const AuthsimLoader  *loader,
                                          const char           *data,
                                          gssize                length,
                                          GError              **error);
/* Fails on the first member of @object that is not in @allowed ("unknown key"). */
gboolean    authsim_loader_check_keys    (const AuthsimLoader  *loader,
                                          JsonObject           *object,
                                          const char           *path,
                                          const char * const   *allowed,
                                          GError              **error);
/* @node (the member at @path) must be an object. */
gboolean    authsim_loader_expect_object (const AuthsimLoader  *loader,
                                          JsonNode             *node,
                                          const char           *path,
                                          GError              **error);
/* The string member @key of @object: *out is NULL when it is absent and not @required.
 * @non_empty rejects "". */
gboolean    authsim_loader_get_string    (const AuthsimLoader  *loader,
                                          JsonObject           *object,
                                          const char           *path,
                                          const char           *key,
                                          gboolean              required,
                                          gboolean              non_empty,
                                          const char          **out,
                                          GError              **error);
/* A display string: a non-empty string, or a non-empty object of locale → non-empty string,
 * resolved for the loader's languages, then "en", then the first member. */
gboolean    authsim_loader_get_localised (const AuthsimLoader  *loader,
                                          JsonObject           *object,
                                          const char           *path,
                                          const char           *key,
                                          gboolean              required,
                                          char                **out,
                                          GError              **error);

/* The loaders with an explicit list of languages, best first (for tests). */
AuthsimProfile *authsim_profile_new_from_data_for_languages (const char          *data,
                                                             gssize               length,
                                                             const char          *source_name,
                                                             const char * const  *languages,
                                                             GError             **error);
GListModel     *authsim_users_new_from_data_for_languages   (const char          *data,
                                                             gssize               length,
                                                             const char          *source_name,
                                                             const char * const  *languages,
                                                             GError             **error);

G_END_DECLS
