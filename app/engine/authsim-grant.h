/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-grant.h: a grant, the scopes a user granted an app and when (SPEC §5); the items of
 * the store's grants model. Immutable: a new grant replaces an old one. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define AUTHSIM_TYPE_GRANT (authsim_grant_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimGrant, authsim_grant, AUTHSIM, GRANT, GObject)

/* @scopes (nullable): copied; NULL is no scope. @granted_at: virtual unix seconds. */
AuthsimGrant       *authsim_grant_new            (const char         *user_id,
                                                  const char         *app_id,
                                                  const char * const *scopes,
                                                  gint64              granted_at);

const char         *authsim_grant_get_user_id    (AuthsimGrant *self);
const char         *authsim_grant_get_app_id     (AuthsimGrant *self);
const char * const *authsim_grant_get_scopes     (AuthsimGrant *self);
gint64              authsim_grant_get_granted_at (AuthsimGrant *self);  /* virtual unix seconds */
/* Whether the grant is for (@user_id, @app_id). */
gboolean            authsim_grant_is_for         (AuthsimGrant *self,
                                                  const char   *user_id,
                                                  const char   *app_id);

G_END_DECLS
