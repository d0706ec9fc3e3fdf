/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-user-info-label.h: the translated names of the user-info fields of auth_user, as
 * the consent popup lists them and Preferences offers them. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The translated name of a user-info field (camelCase, e.g. "nickName"), as the popup lists
 * it; @field itself when it is unknown. */
const char *authsim_user_info_label (const char *field);

G_END_DECLS
