/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>

#include "authsim-resources.h"
#include "authsim-actions.h"
#include "authsim-application.h"
#include "authsim-enums.h"
#include "authsim-preferences-dialog.h"
#include "authsim-scenario.h"
#include "authsim-window.h"

struct _AuthsimApplication
{
  GtkApplication  parent_instance;

  AuthsimOptions *options;
  AuthsimBackend *backend;
  GSettings      *settings;
  GCancellable   *cancellable;
  AuthsimScenario *scenario;
  /* Set when startup failed: handle_local_options makes g_application_run return it. */
  int             exit_status;
  gboolean        started;
  guint           signal_sources[3]; /* SIGTERM, SIGINT, SIGHUP */
};

G_DEFINE_FINAL_TYPE (AuthsimApplication, authsim_application, GTK_TYPE_APPLICATION)

/* Settings: enum keys are strings (their nicks) in GSettings, enums in the engine. */

static gboolean
enum_get_mapping (GValue   *value,
                  GVariant *variant,
                  gpointer  user_data)
{
  GType enum_type = GPOINTER_TO_SIZE (user_data);
  int v;

  if (!authsim_enum_from_nick (enum_type, g_variant_get_string (variant, NULL), &v))
    return FALSE;
  g_value_set_enum (value, v);
  return TRUE;
}

static GVariant *
enum_set_mapping (const GValue       *value,
                  const GVariantType *expected_type,
                  gpointer            user_data)
{
  GType enum_type = GPOINTER_TO_SIZE (user_data);
  const char *nick = authsim_enum_to_nick (enum_type, g_value_get_enum (value));

  return nick != NULL ? g_variant_new_string (nick) : NULL;
}

static void
bind_enum (AuthsimApplication *self,
           const char         *key,
           gpointer            object,
           const char         *property,
           GType               enum_type)
{
  g_settings_bind_with_mapping (self->settings, key, object, property, G_SETTINGS_BIND_DEFAULT,
                                enum_get_mapping, enum_set_mapping,
                                GSIZE_TO_POINTER (enum_type), NULL);
}

static void
active_user_changed_cb (AuthsimApplication *self)
{
  AuthsimEngine *engine = authsim_backend_get_engine (self->backend);
  AuthsimUser *user = authsim_engine_get_active_user (engine);

  if (user != NULL)
    g_settings_set_string (self->settings, "active-user", authsim_user_get_user_id (user));
}

static void
load_settings (AuthsimApplication *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    {
      /* Running from a build tree without GSETTINGS_SCHEMA_DIR: defaults only. */
      g_debug ("GSettings schema %s not found: settings are not kept", APP_ID);
      return;
    }
  self->settings = g_settings_new_full (schema, NULL, NULL);

  /* The gateway: the command line wins, then the settings. */
  if (self->options->gateway_port < 0)
    self->options->gateway_port = g_settings_get_int (self->settings, "gateway-port");
  if (self->options->sign_mode < 0)
    self->options->sign_mode = g_settings_get_enum (self->settings, "sign-mode");
  if (!self->options->gateway_address_given)
    {
      g_autofree char *address = g_settings_get_string (self->settings, "gateway-address");

      if (*address != '\0')
        {
          g_free (self->options->gateway_address);
          self->options->gateway_address = g_steal_pointer (&address);
        }
    }
}

static void
bind_settings (AuthsimApplication *self)
{
  AuthsimEngine *engine = authsim_backend_get_engine (self->backend);
  g_autofree char *user_id = NULL;

  if (self->settings == NULL)
    return;

  /* --first-screen-rule wins for this run: the setting is neither applied nor overwritten. */
  if (self->options->first_screen_rule < 0)
    bind_enum (self, "first-screen-rule", engine, "first-screen-rule",
               AUTHSIM_TYPE_FIRST_SCREEN_RULE);
  bind_enum (self, "container", engine, "container", AUTHSIM_TYPE_CONTAINER);
  g_settings_bind (self->settings, "network-fault", engine, "network-fault",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "toast-duration", engine, "toast-duration",
                   G_SETTINGS_BIND_DEFAULT);
  /* The code lifetime and the clock live in the store's state.json, shared with headless
   * mode, so they are not GSettings keys. */

  user_id = g_settings_get_string (self->settings, "active-user");
  if (*user_id != '\0' && !authsim_engine_set_active_user_id (engine, user_id, NULL))
    g_settings_reset (self->settings, "active-user");
  g_signal_connect_object (engine, "notify::active-user",
                           G_CALLBACK (active_user_changed_cb), self, G_CONNECT_SWAPPED);
}

/* App actions (the scripting ones come from authsim_actions_install). */

static void
preferences_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  AuthsimApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWidget *dialog;

  if (self->backend == NULL)
    return;
  dialog = authsim_preferences_dialog_new (authsim_backend_get_engine (self->backend),
                                           authsim_backend_get_store (self->backend), parent);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
about_cb (GSimpleAction *action,
          GVariant      *parameter,
          gpointer       user_data)
{
  AuthsimApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  static const char *developers[] = { "The AuthSim contributors", NULL };

  gtk_show_about_dialog (parent,
                         "program-name", "AuthSim",
                         "logo-icon-name", APP_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Simulates Alipay’s my.getAuthCode consent flow and a "
                                       "mock OpenAPI gateway, for QA, demos and backend tests"),
                         "website", "https://github.com/authsim/authsim",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "authors", developers,
                         /* Translators: your names, one per line */
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
quit_cb (GSimpleAction *action,
         GVariant      *parameter,
         gpointer       user_data)
{
  AuthsimApplication *self = user_data;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

  /* Closing the windows lets each save its state; the application then ends. */
  for (GList *l = windows; l != NULL;)
    {
      GtkWindow *window = l->data;

      l = l->next;
      gtk_window_close (window);
    }
  g_application_quit (G_APPLICATION (self));
}

static const GActionEntry app_entries[] = {
  { .name = "preferences", .activate = preferences_cb },
  { .name = "about", .activate = about_cb },
  { .name = "quit", .activate = quit_cb },
};

static void
scenario_finished_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(AuthsimApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  guint n_passed = 0, n_failed = 0;

  if (!authsim_scenario_run_finish (AUTHSIM_SCENARIO (source), result, &n_passed, &n_failed,
                                    &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_printerr ("authsim: %s\n", error->message);
      return;
    }
  g_printerr ("authsim: %s: %u passed, %u failed\n",
              authsim_scenario_get_name (AUTHSIM_SCENARIO (source)), n_passed, n_failed);
}

static void
backend_started_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(AuthsimApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  AuthsimBackend *backend = AUTHSIM_BACKEND (source);

  /* A gateway that cannot start is a warning in the window (the backend keeps it), not an
   * exit: the preview works without it. */
  if (!authsim_backend_start_finish (backend, result, &error))
    g_debug ("Backend: %s", error->message);

  if (self->scenario != NULL && !g_cancellable_is_cancelled (self->cancellable))
    {
      double speed = self->options->speed > 0 ? self->options->speed : 1.0;

      GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

      if (AUTHSIM_IS_WINDOW (window))
        authsim_window_follow_scenario (AUTHSIM_WINDOW (window), self->scenario);

      /* A demo pace in the window; --speed scales it. */
      authsim_backend_run_scenario_async (backend, self->scenario,
                                          (guint) (800.0 / speed),
                                          self->cancellable,
                                          scenario_finished_cb,
                                          g_object_ref (self));
    }
}

static void
load_css (void)
{
  g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();
  GdkDisplay *display = gdk_display_get_default ();

  if (display == NULL)
    return;
  gtk_css_provider_load_from_resource (provider, APP_PATH "/style.css");
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

/* SIGTERM, SIGINT (Ctrl-C) and SIGHUP end the app as its Quit action does: the windows close
 * and shutdown stops the gateway and closes the store and the log, so the exit status is 0. */
static gboolean
quit_signal_cb (gpointer user_data)
{
  g_action_group_activate_action (G_ACTION_GROUP (user_data), "quit", NULL);
  return G_SOURCE_CONTINUE;
}

static void
watch_quit_signals (AuthsimApplication *self)
{
  const int signals[] = { SIGTERM, SIGINT, SIGHUP };

  G_STATIC_ASSERT (G_N_ELEMENTS (signals) == G_N_ELEMENTS (self->signal_sources));
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    self->signal_sources[i] = g_unix_signal_add (signals[i], quit_signal_cb, self);
}

static void
authsim_application_startup (GApplication *app)
{
  AuthsimApplication *self = AUTHSIM_APPLICATION (app);
  g_autoptr(GError) error = NULL;
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *relaunch_accels[] = { "F5", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  static const char *export_accels[] = { "<Control>e", NULL };

  G_APPLICATION_CLASS (authsim_application_parent_class)->startup (app);

  watch_quit_signals (self);
  load_css ();

  if (self->options->scenario != NULL)
    {
      self->scenario = authsim_scenario_new_from_file (self->options->scenario, &error);
      if (self->scenario == NULL)
        {
          g_printerr ("authsim: %s\n", error->message);
          self->exit_status = 2;
          return;
        }
      authsim_scenario_apply_options (self->scenario, self->options);
    }

  load_settings (self);

  self->backend = authsim_backend_new (self->options, &error);
  if (self->backend == NULL)
    {
      g_printerr ("authsim: %s\n", error->message);
      self->exit_status = 2;
      return;
    }

  authsim_actions_install (G_ACTION_MAP (app), authsim_backend_get_engine (self->backend),
                           authsim_backend_get_store (self->backend),
                           authsim_backend_get_responder (self->backend));
  g_action_map_add_action_entries (G_ACTION_MAP (app), app_entries,
                                   G_N_ELEMENTS (app_entries), app);

  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.relaunch", relaunch_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.preferences",
                                         preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.export-log", export_accels);

  bind_settings (self);
}

static int
authsim_application_handle_local_options (GApplication *app,
                                          GVariantDict *options)
{
  AuthsimApplication *self = AUTHSIM_APPLICATION (app);

  /* Startup runs when main() registers the application, before g_application_run(): a
   * backend that could not be built ends the run here, with its status. */
  if (self->exit_status != 0)
    return self->exit_status;
  return -1;
}

static void
authsim_application_activate (GApplication *app)
{
  AuthsimApplication *self = AUTHSIM_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (self->backend == NULL)
    {
      g_application_quit (app);
      return;
    }

  if (window == NULL)
    window = GTK_WINDOW (authsim_window_new (GTK_APPLICATION (self), self->backend,
                                             self->settings));
  gtk_window_present (window);

  if (!self->started)
    {
      /* The gateway's "listening" event comes first in the log, then the mini program
       * launches (SPEC §6). */
      self->started = TRUE;
      authsim_backend_start_async (self->backend, self->cancellable,
                                   backend_started_cb, g_object_ref (self));
    }
}

static void
authsim_application_shutdown (GApplication *app)
{
  AuthsimApplication *self = AUTHSIM_APPLICATION (app);

  for (guint i = 0; i < G_N_ELEMENTS (self->signal_sources); i++)
    g_clear_handle_id (&self->signal_sources[i], g_source_remove);
  g_cancellable_cancel (self->cancellable);
  if (self->backend != NULL)
    authsim_backend_shutdown (self->backend);
  if (self->settings != NULL)
    g_settings_sync ();

  G_APPLICATION_CLASS (authsim_application_parent_class)->shutdown (app);
}

static void
authsim_application_dispose (GObject *object)
{
  AuthsimApplication *self = AUTHSIM_APPLICATION (object);

  g_clear_object (&self->scenario);
  g_clear_object (&self->backend);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (authsim_application_parent_class)->dispose (object);
}

static void
authsim_application_finalize (GObject *object)
{
  AuthsimApplication *self = AUTHSIM_APPLICATION (object);

  g_clear_pointer (&self->options, authsim_options_free);

  G_OBJECT_CLASS (authsim_application_parent_class)->finalize (object);
}

static void
authsim_application_class_init (AuthsimApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = authsim_application_dispose;
  object_class->finalize = authsim_application_finalize;
  app_class->startup = authsim_application_startup;
  app_class->activate = authsim_application_activate;
  app_class->shutdown = authsim_application_shutdown;
  app_class->handle_local_options = authsim_application_handle_local_options;
}

static void
authsim_application_init (AuthsimApplication *self)
{
  self->cancellable = g_cancellable_new ();
}

AuthsimApplication *
authsim_application_new (AuthsimOptions *options)
{
  AuthsimApplication *self;

  g_return_val_if_fail (options != NULL, NULL);

  self = g_object_new (AUTHSIM_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
  self->options = options;
  return self;
}

AuthsimBackend *
authsim_application_get_backend (AuthsimApplication *self)
{
  g_return_val_if_fail (AUTHSIM_IS_APPLICATION (self), NULL);
  return self->backend;
}
