/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-profile-private.h: the profile and users loaders with an explicit language list,
 * for tests. Not for the views. */
#pragma once

#include <json-glib/json-glib.h>

#include "authsim-profile.h"

G_BEGIN_DECLS

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
