/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "authsim-duration.h"

gboolean
authsim_parse_duration (const char *text,
                        gint64     *seconds)
{
  const char *p = text;
  gint64 sign = 1, unit;
  guint64 value;
  g_autofree char *digits = NULL;
  gsize n;

  if (text == NULL)
    return FALSE;

  if (*p == '+' || *p == '-')
    {
      sign = *p == '-' ? -1 : 1;
      p++;
    }

  n = strspn (p, "0123456789");
  if (n == 0 || n > 9)
    return FALSE;

  switch (p[n])
    {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: return FALSE;
    }
  if (p[n + 1] != '\0')
    return FALSE;

  digits = g_strndup (p, n);
  if (!g_ascii_string_to_unsigned (digits, 10, 0, G_MAXUINT32, &value, NULL))
    return FALSE;

  if (seconds != NULL)
    *seconds = sign * (gint64) value * unit;
  return TRUE;
}
