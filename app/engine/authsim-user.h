/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-user.h: a test user (SPEC §1) and the users file. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define AUTHSIM_TYPE_USER (authsim_user_get_type ())

G_DECLARE_FINAL_TYPE (AuthsimUser, authsim_user, AUTHSIM, USER, GObject)

/* Properties: "user-id" (2088 + 12 digits), "display-name"; signal "changed" when info changes. */
AuthsimUser *authsim_user_new              (const char  *user_id,
                                            const char  *display_name,
                                            JsonObject  *info);
const char  *authsim_user_get_user_id      (AuthsimUser *self);
const char  *authsim_user_get_display_name (AuthsimUser *self);
/* (nullable): a picture of the user's avatar for the preview to draw ("resource:///…" or a
 * file path): the avatar values are URLs of Alipay's CDN, which AuthSim does not fetch. */
const char  *authsim_user_get_avatar_image (AuthsimUser *self);
void         authsim_user_set_avatar_image (AuthsimUser *self,
                                            const char  *image);
/* (transfer none): user.info.share values keyed in snake_case (nick_name, avatar, gender, …). */
JsonObject  *authsim_user_get_info         (AuthsimUser *self);
/* (nullable) */
const char  *authsim_user_get_info_value   (AuthsimUser *self,
                                            const char  *key);
void         authsim_user_set_info_value   (AuthsimUser *self,
                                            const char  *key,
                                            const char  *value);

/*
 * A users file: {"users": [{"userId": "2088…", "displayName": "…", "avatarImage": "…",
 * "info": {"nick_name": …}}]}; "avatarImage" (optional) is resolved against the file's folder.
 * Returns a GListModel of AuthsimUser (at least one), or NULL with an AUTHSIM_ERROR naming the
 * file, the JSON path and the problem. Duplicate userIds are an error.
 */
GListModel  *authsim_users_new_from_file   (const char  *path,
                                            GError     **error);
GListModel  *authsim_users_new_from_data   (const char  *data,
                                            gssize       length,
                                            const char  *source_name,
                                            GError     **error);
/* The built-in test users (a resource compiled into the engine). */
GListModel  *authsim_users_new_default     (void);
/* (nullable) (transfer none) */
AuthsimUser *authsim_users_find            (GListModel  *users,
                                            const char  *user_id);

G_END_DECLS
