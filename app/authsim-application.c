/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "authsim-application.h"
#include "authsim-window.h"

struct _AuthsimApplication
{
  GtkApplication parent_instance;
  AuthsimEngine *engine;
};

G_DEFINE_FINAL_TYPE (AuthsimApplication, authsim_application, GTK_TYPE_APPLICATION)

static void
authsim_application_startup (GApplication *app)
{
  AuthsimApplication *self = AUTHSIM_APPLICATION (app);
  g_autoptr(AuthsimProfile) profile = NULL;
  g_autoptr(GListModel) users = NULL;
  g_autoptr(AuthsimStore) store = NULL;
  g_autoptr(AuthsimLog) log = NULL;

  G_APPLICATION_CLASS (authsim_application_parent_class)->startup (app);

  profile = authsim_profile_new_default ();
  users = authsim_users_new_default ();
  store = authsim_store_new (NULL);
  log = authsim_log_new ();
  self->engine = authsim_engine_new (profile, users, store, log);
}

static void
authsim_application_activate (GApplication *app)
{
  AuthsimApplication *self = AUTHSIM_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    {
      window = GTK_WINDOW (authsim_window_new (self));
      authsim_engine_launch (self->engine);
    }
  gtk_window_present (window);
}

static void
authsim_application_dispose (GObject *object)
{
  AuthsimApplication *self = AUTHSIM_APPLICATION (object);

  g_clear_object (&self->engine);

  G_OBJECT_CLASS (authsim_application_parent_class)->dispose (object);
}

static void
authsim_application_class_init (AuthsimApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = authsim_application_dispose;
  app_class->startup = authsim_application_startup;
  app_class->activate = authsim_application_activate;
}

static void
authsim_application_init (AuthsimApplication *self)
{
}

AuthsimApplication *
authsim_application_new (void)
{
  return g_object_new (AUTHSIM_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}

AuthsimEngine *
authsim_application_get_engine (AuthsimApplication *self)
{
  g_return_val_if_fail (AUTHSIM_IS_APPLICATION (self), NULL);
  return self->engine;
}
