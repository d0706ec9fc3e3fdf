/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-scopes.h: the scopes parameter of my.getAuthCode (SPEC §2.1). */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  AUTHSIM_SCOPES_OK,           /* *out_scopes holds the normalised list */
  AUTHSIM_SCOPES_INVALID_TYPE, /* wrong JSON type: error 2 */
  AUTHSIM_SCOPES_UNKNOWN,      /* unknown name, empty string or empty array: toast, error 3 */
} AuthsimScopesResult;

/*
 * Normalises the "scopes" member. @scopes is NULL when the member is absent.
 * Absent or null → {"auth_base"}; a string → split on "," and trimmed; an array of strings →
 * those, duplicates dropped, order kept. On failure *out_reason (nullable) explains why, in
 * English, for the log.
 */
AuthsimScopesResult  authsim_scopes_parse       (JsonNode   *scopes,
                                                 GStrv      *out_scopes,
                                                 char      **out_reason);
/* Every scope name AuthSim knows, auth_base first. */
const char * const  *authsim_scopes_known       (void);
gboolean             authsim_scope_is_known     (const char *scope);
/* auth_base is the only silent scope: it never needs consent. */
gboolean             authsim_scope_is_silent    (const char *scope);

G_END_DECLS
