/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-grants-view.h: the grants inspector (SPEC §5): per user, the apps, scopes and
 * times of their grants, with Revoke and "Clear authorization data". */
#pragma once

#include <gtk/gtk.h>

#include "authsim-engine.h"

G_BEGIN_DECLS

#define AUTHSIM_TYPE_GRANTS_VIEW (authsim_grants_view_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimGrantsView, authsim_grants_view, AUTHSIM, GRANTS_VIEW, GtkWidget)

/* Properties: "store" AuthsimStore (rw, nullable): whose grants are listed; "engine"
 * AuthsimEngine (rw, nullable): names users and apps, and revokes (logged). */
GtkWidget     *authsim_grants_view_new        (AuthsimEngine     *engine,
                                               AuthsimStore      *store);
void           authsim_grants_view_set_engine (AuthsimGrantsView *self,
                                               AuthsimEngine     *engine);
void           authsim_grants_view_set_store  (AuthsimGrantsView *self,
                                               AuthsimStore      *store);
/* The number of grant rows shown. */
guint          authsim_grants_view_get_n_rows (AuthsimGrantsView *self);

G_END_DECLS
