/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "authsim-types.h"

G_DEFINE_QUARK (authsim-error-quark, authsim_error)

gboolean
authsim_enum_from_nick (GType       enum_type,
                        const char *nick,
                        int        *value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (enum_type);
  GEnumValue *ev;

  if (nick == NULL)
    return FALSE;

  ev = g_enum_get_value_by_nick (klass, nick);
  if (ev == NULL)
    return FALSE;

  if (value != NULL)
    *value = ev->value;
  return TRUE;
}

const char *
authsim_enum_to_nick (GType enum_type,
                      int   value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (enum_type);
  GEnumValue *ev = g_enum_get_value (klass, value);

  /* Nicks are static strings owned by the type system. */
  return ev != NULL ? ev->value_nick : NULL;
}
