/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "authsim-app-icon.h"

gboolean
authsim_app_icon_load (GtkImage   *image,
                       const char *icon)
{
  g_return_val_if_fail (GTK_IS_IMAGE (image), FALSE);

  gtk_image_clear (image);
  if (icon == NULL || *icon == '\0')
    return FALSE;

  if (g_str_has_prefix (icon, "resource://"))
    {
      const char *path = icon + strlen ("resource://");

      if (!g_resources_get_info (path, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL, NULL, NULL))
        return FALSE;
      gtk_image_set_from_resource (image, path);
      return TRUE;
    }
  else
    {
      g_autofree char *path = NULL;

      if (g_str_has_prefix (icon, "file:"))
        path = g_filename_from_uri (icon, NULL, NULL);
      else
        path = g_strdup (icon);

      if (path == NULL || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return FALSE;
      gtk_image_set_from_file (image, path);
      return TRUE;
    }
}

char *
authsim_app_icon_letter (const char *name)
{
  gunichar c;
  char buf[8] = { 0 };

  if (name == NULL || *name == '\0' || !g_utf8_validate (name, -1, NULL))
    return g_strdup ("?");

  c = g_unichar_toupper (g_utf8_get_char (name));
  g_unichar_to_utf8 (c, buf);
  return g_strdup (buf);
}
