/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "authsim-user-info-label.h"

/* What the popup lists for a user-info field of auth_user (SPEC §3: one line per field). */
static const struct
{
  const char *field;
  const char *label;
} field_labels[] = {
  { "nickName", N_("Nickname") },
  { "avatar", N_("Avatar") },
  { "gender", N_("Gender") },
  { "province", N_("Province/region") },
  { "city", N_("City") },
  { "mobile", N_("Mobile number") },
  { "userName", N_("Real name") },
  { "certNo", N_("ID number") },
  { "birthday", N_("Birthday") },
  { "email", N_("Email") },
};

const char *
authsim_user_info_label (const char *field)
{
  for (guint i = 0; i < G_N_ELEMENTS (field_labels); i++)
    if (g_str_equal (field_labels[i].field, field))
      return _(field_labels[i].label);
  return field;
}
