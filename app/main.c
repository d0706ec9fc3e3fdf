/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "authsim-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AuthsimApplication) app = NULL;
  const char *localedir = g_getenv ("AUTHSIM_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* The AT-SPI application name is the program name: SPEC §7 makes it "authsim". */
  g_set_prgname ("authsim");

  app = authsim_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
