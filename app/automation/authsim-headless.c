/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <stdio.h>

#include "authsim-actions.h"
#include "authsim-backend.h"
#include "authsim-headless.h"
#include "authsim-scenario.h"

typedef struct
{
  GApplication    *app;
  AuthsimBackend  *backend;
  AuthsimScenario *scenario;
  GCancellable    *cancellable;
  guint            pending;   /* async operations still to come back */
  int              status;
  gboolean         quitting;
} Headless;

static void
headless_quit (Headless *self,
               int       status)
{
  if (self->quitting)
    return;

  self->quitting = TRUE;
  self->status = status;
  g_cancellable_cancel (self->cancellable);
  g_application_quit (self->app);
}

static gboolean
signal_cb (gpointer user_data)
{
  Headless *self = user_data;

  /* A clean shutdown: a server stopped on purpose succeeded; an interrupted scenario did not. */
  headless_quit (self, self->scenario != NULL ? 1 : 0);
  return G_SOURCE_CONTINUE;
}

static void
activate_cb (GApplication *app,
             gpointer      user_data)
{
  /* Nothing to show: the work starts from authsim_headless_run(). */
}

static void
step_finished_cb (AuthsimScenario *scenario,
                  guint            index,
                  const char      *description,
                  gboolean         ok,
                  const char      *detail,
                  Headless        *self)
{
  if (ok)
    g_print ("ok %u - %s\n", index + 1, description);
  else if (detail != NULL)
    g_print ("not ok %u - %s # %s\n", index + 1, description, detail);
  else
    g_print ("not ok %u - %s\n", index + 1, description);
  fflush (stdout);
}

static void
scenario_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Headless *self = user_data;
  g_autoptr(GError) error = NULL;
  guint n_passed = 0, n_failed = 0;

  self->pending--;

  if (!authsim_scenario_run_finish (AUTHSIM_SCENARIO (source), result,
                                    &n_passed, &n_failed, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_printerr ("authsim: %s\n", error->message);
      headless_quit (self, 1);
      return;
    }

  g_print ("%u passed, %u failed\n", n_passed, n_failed);
  fflush (stdout);
  headless_quit (self, n_failed == 0 ? 0 : 1);
}

static void
started_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Headless *self = user_data;
  g_autoptr(GError) error = NULL;
  const char * const *warnings;

  self->pending--;

  if (!authsim_backend_start_finish (self->backend, result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_printerr ("authsim: %s\n", error->message);
      headless_quit (self, 1);
      return;
    }

  warnings = authsim_backend_get_warnings (self->backend);
  for (guint i = 0; warnings != NULL && warnings[i] != NULL; i++)
    g_printerr ("authsim: %s\n", warnings[i]);
}

/* Registers on the bus (exporting the actions), then runs the scenario or serves. */
static void
run_application (Headless *self)
{
  g_autoptr(GError) error = NULL;
  AuthsimGateway *gateway = authsim_backend_get_gateway (self->backend);

  if (!g_application_register (self->app, NULL, &error))
    {
      g_printerr ("authsim: %s\n", error->message);
      self->status = 1;
      return;
    }
  if (g_application_get_is_remote (self->app))
    {
      g_printerr ("authsim: %s\n",
                  _("another AuthSim already owns io.github.authsim.AuthSim on this session bus"));
      self->status = 1;
      return;
    }

  if (self->scenario != NULL)
    {
      g_signal_connect (self->scenario, "step-finished", G_CALLBACK (step_finished_cb), self);
      self->pending++;
      authsim_backend_run_scenario_async (self->backend, self->scenario, 0, self->cancellable,
                                          scenario_done_cb, self);
    }
  else
    {
      if (g_application_get_dbus_connection (self->app) == NULL)
        g_printerr ("authsim: %s\n",
                    _("no session bus: the D-Bus actions are not available"));

      /* Server mode: say where things are, once, for the scripts that started us. */
      if (gateway != NULL && authsim_gateway_get_url (gateway) != NULL)
        g_print ("authsim: gateway listening on %s\n", authsim_gateway_get_url (gateway));
      else
        g_print ("authsim: running without a gateway\n");
      fflush (stdout);
    }

  g_application_hold (self->app);
  g_application_run (self->app, 0, NULL);
  g_application_release (self->app);
}

static AuthsimOptions *
options_copy (const AuthsimOptions *options)
{
  AuthsimOptions *copy = authsim_options_new ();

  g_free (copy->gateway_address);
  *copy = *options;
  copy->profile = g_strdup (options->profile);
  copy->users = g_strdup (options->users);
  copy->log = g_strdup (options->log);
  copy->gateway_address = g_strdup (options->gateway_address);
  copy->app_public_key = g_strdup (options->app_public_key);
  copy->scenario = g_strdup (options->scenario);
  copy->data_dir = g_strdup (options->data_dir);

  return copy;
}

int
authsim_headless_run (const AuthsimOptions *options)
{
  Headless self = { 0 };
  g_autoptr(AuthsimOptions) effective = NULL;
  g_autoptr(GError) error = NULL;
  guint sigterm_id, sigint_id, sighup_id;

  g_return_val_if_fail (options != NULL, 1);

  effective = options_copy (options);

  if (options->scenario != NULL)
    {
      self.scenario = authsim_scenario_new_from_file (options->scenario, &error);
      if (self.scenario == NULL)
        {
          g_printerr ("authsim: %s\n", error->message);
          return 2;
        }
      authsim_scenario_apply_options (self.scenario, effective);
    }

  self.backend = authsim_backend_new (effective, &error);
  if (self.backend == NULL)
    {
      g_printerr ("authsim: %s\n", error->message);
      g_clear_object (&self.scenario);
      return 1;
    }

  /* A scenario run needs no bus name: several may run at once, beside a running AuthSim. */
  self.app = g_application_new (APP_ID, self.scenario != NULL ? G_APPLICATION_NON_UNIQUE
                                                               : G_APPLICATION_DEFAULT_FLAGS);
  authsim_actions_install (G_ACTION_MAP (self.app), authsim_backend_get_engine (self.backend),
                           authsim_backend_get_store (self.backend),
                           authsim_backend_get_responder (self.backend));
  g_signal_connect (self.app, "activate", G_CALLBACK (activate_cb), &self);

  self.cancellable = g_cancellable_new ();
  sigterm_id = g_unix_signal_add (SIGTERM, signal_cb, &self);
  sigint_id = g_unix_signal_add (SIGINT, signal_cb, &self);
  sighup_id = g_unix_signal_add (SIGHUP, signal_cb, &self);

  /* Start first, register second: when the bus name appears, the gateway listens and the mini
   * program has launched, so a script that waits for the name finds everything ready. */
  self.pending++;
  authsim_backend_start_async (self.backend, self.cancellable, started_cb, &self);
  while (self.pending > 0)
    g_main_context_iteration (NULL, TRUE);

  if (!self.quitting)
    run_application (&self);

  /* Let cancelled operations come back before their data goes away. */
  g_cancellable_cancel (self.cancellable);
  while (self.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_source_remove (sigterm_id);
  g_source_remove (sigint_id);
  g_source_remove (sighup_id);

  authsim_backend_shutdown (self.backend);
  if (self.scenario != NULL)
    g_signal_handlers_disconnect_by_data (self.scenario, &self);
  g_clear_object (&self.scenario);
  g_clear_object (&self.cancellable);
  g_clear_object (&self.app);
  g_clear_object (&self.backend);

  return self.status;
}
