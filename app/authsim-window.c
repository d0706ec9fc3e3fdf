/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "authsim-window.h"

struct _AuthsimWindow
{
  GtkApplicationWindow parent_instance;
};

G_DEFINE_FINAL_TYPE (AuthsimWindow, authsim_window, GTK_TYPE_APPLICATION_WINDOW)

static void
authsim_window_class_init (AuthsimWindowClass *klass)
{
}

static void
authsim_window_init (AuthsimWindow *self)
{
  gtk_window_set_title (GTK_WINDOW (self), "AuthSim");
  gtk_window_set_titlebar (GTK_WINDOW (self), gtk_header_bar_new ());
}

AuthsimWindow *
authsim_window_new (AuthsimApplication *application)
{
  return g_object_new (AUTHSIM_TYPE_WINDOW, "application", application, NULL);
}
