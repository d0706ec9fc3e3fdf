/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-users-view.h: the test users (SPEC §1): switch the active one, and edit the values
 * alipay.user.info.share returns for a user. */
#pragma once

#include <gtk/gtk.h>

#include "authsim-engine.h"

G_BEGIN_DECLS

#define AUTHSIM_TYPE_USERS_VIEW (authsim_users_view_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimUsersView, authsim_users_view, AUTHSIM, USERS_VIEW, GtkWidget)

/* Properties: "engine" AuthsimEngine (rw, nullable), "edited-user" AuthsimUser (rw, nullable):
 * the user whose info the fields edit (follows the active user until another is chosen). */
GtkWidget     *authsim_users_view_new             (AuthsimEngine    *engine);
void           authsim_users_view_set_engine      (AuthsimUsersView *self,
                                                   AuthsimEngine    *engine);
AuthsimUser   *authsim_users_view_get_edited_user (AuthsimUsersView *self);
void           authsim_users_view_set_edited_user (AuthsimUsersView *self,
                                                   AuthsimUser      *user);

G_END_DECLS
