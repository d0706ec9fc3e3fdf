/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "authsim-application.h"
#include "authsim-headless.h"
#include "authsim-options.h"

/*
 * Every option is ours (SPEC §8): they are parsed and validated here, before any application
 * object exists, so a bad value exits with status 2 and GApplication never sees our options.
 * The window mode registers on the session bus; a second `authsim` started while one runs
 * only raises the first window (GApplication's remote activation) and says so.
 */
int
main (int   argc,
      char *argv[])
{
  g_autoptr(AuthsimOptions) options = NULL;
  g_autoptr(AuthsimApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  const char *localedir = g_getenv ("AUTHSIM_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* The AT-SPI application name is the program name: SPEC §7 makes it "authsim". */
  g_set_prgname ("authsim");

  options = authsim_options_new ();
  if (!authsim_options_parse (options, &argc, &argv, &error))
    {
      g_printerr ("authsim: %s\n", error->message);
      return 2;
    }

  if (options->version)
    {
      g_print ("authsim %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (options->headless)
    return authsim_headless_run (options);

  app = authsim_application_new (g_steal_pointer (&options));
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    {
      g_printerr ("authsim: %s\n", error->message);
      return 1;
    }
  if (g_application_get_is_remote (G_APPLICATION (app)))
    g_printerr ("authsim: %s\n",
                _("AuthSim is already running in this session: showing its window "
                  "(the options given here are ignored)"));

  return g_application_run (G_APPLICATION (app), argc, argv);
}
