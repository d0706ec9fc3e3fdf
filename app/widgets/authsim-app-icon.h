/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-app-icon.h: a mini program's icon as the consent sheet and the preview's app card
 * show it: the profile's image, or a letter avatar when there is none. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/*
 * Shows a profile icon ("resource:///…", a file: URI or a file path) in @image; FALSE (and
 * the image cleared) when @icon is NULL or cannot be found, so the caller can show a letter
 * avatar instead.
 */
gboolean authsim_app_icon_load   (GtkImage   *image,
                                  const char *icon);
/* The first character of @name, upper-cased, for a letter avatar. (transfer full) */
char    *authsim_app_icon_letter (const char *name);

G_END_DECLS
