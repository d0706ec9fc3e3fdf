/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "authsim-resources.h"
#include "authsim-composer.h"
#include "authsim-gateway-view.h"
#include "authsim-grants-view.h"
#include "authsim-log-view.h"
#include "authsim-preview.h"
#include "authsim-scenario.h"
#include "authsim-users-view.h"
#include "authsim-window.h"

struct _AuthsimWindow
{
  GtkApplicationWindow parent_instance;

  AuthsimEngine      *engine;
  AuthsimLog         *log;
  AuthsimBackend     *backend;
  GSettings          *settings;     /* nullable: the window's size is kept there */
  GtkFileChooserNative *chooser;
  GCancellable       *cancellable;
  /* Notices of this session (e.g. a failed save) shown with the backend's warnings. */
  GPtrArray          *notices;
  gboolean            syncing_user;

  GtkMenuButton      *menu_button;
  GtkDropDown        *user_dropdown;
  GtkRevealer        *warnings_revealer;
  GtkLabel           *warnings_label;
  GtkRevealer        *scenario_revealer;
  GtkLabel           *scenario_label;
  GtkLabel           *scenario_count;
  AuthsimScenario    *scenario;
  guint               scenario_passed;
  guint               scenario_failed;
  GtkWidget          *preview;
  GtkWidget          *composer;
  GtkWidget          *log_view;
  GtkWidget          *grants_view;
  GtkWidget          *users_view;
  GtkWidget          *gateway_view;
};

G_DEFINE_FINAL_TYPE (AuthsimWindow, authsim_window, GTK_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_BACKEND,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Warnings: the backend's (corrupt state moved aside, bad profile file) and our own. */

static void
update_warnings (AuthsimWindow *self)
{
  g_autoptr(GString) text = g_string_new (NULL);
  const char * const *warnings = NULL;

  if (self->backend != NULL)
    warnings = authsim_backend_get_warnings (self->backend);

  for (guint i = 0; warnings != NULL && warnings[i] != NULL; i++)
    g_string_append_printf (text, "%s%s", text->len > 0 ? "\n" : "", warnings[i]);
  for (guint i = 0; i < self->notices->len; i++)
    g_string_append_printf (text, "%s%s", text->len > 0 ? "\n" : "",
                            (const char *) g_ptr_array_index (self->notices, i));

  gtk_label_set_text (self->warnings_label, text->str);
  gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_widget_get_parent (GTK_WIDGET (self->warnings_label))),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text->str,
                                  -1);
  gtk_revealer_set_reveal_child (self->warnings_revealer, text->len > 0);
}

static void
add_notice (AuthsimWindow *self,
            const char    *message)
{
  g_ptr_array_add (self->notices, g_strdup (message));
  update_warnings (self);
}

static void
hide_warnings_cb (AuthsimWindow *self)
{
  g_ptr_array_set_size (self->notices, 0);
  gtk_revealer_set_reveal_child (self->warnings_revealer, FALSE);
}

/* The test user switch follows the engine's "active-user" and sets it. */

static void
sync_user_from_engine (AuthsimWindow *self)
{
  GListModel *users;
  AuthsimUser *active;
  guint n;

  if (self->engine == NULL)
    return;

  users = authsim_engine_get_users (self->engine);
  active = authsim_engine_get_active_user (self->engine);
  n = g_list_model_get_n_items (users);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AuthsimUser) user = g_list_model_get_item (users, i);

      if (user == active)
        {
          self->syncing_user = TRUE;
          gtk_drop_down_set_selected (self->user_dropdown, i);
          self->syncing_user = FALSE;
          return;
        }
    }
}

static void
user_selected_cb (AuthsimWindow *self)
{
  g_autoptr(GError) error = NULL;
  AuthsimUser *user;

  if (self->syncing_user || self->engine == NULL)
    return;

  user = gtk_drop_down_get_selected_item (self->user_dropdown);
  if (user == NULL || user == authsim_engine_get_active_user (self->engine))
    return;

  if (!authsim_engine_set_active_user_id (self->engine, authsim_user_get_user_id (user), &error))
    {
      add_notice (self, error->message);
      sync_user_from_engine (self);
    }
}

/* win.export-log */

static void
export_log_cb (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  AuthsimWindow *self = AUTHSIM_WINDOW (user_data);

  authsim_log_view_export (AUTHSIM_LOG_VIEW (self->log_view));
}

/* win.save-scenario: the session's log turned into a scenario file. */

static void
scenario_written_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(AuthsimWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = g_strdup_printf (_("Could not save the scenario: %s"), error->message);
      add_notice (self, message);
    }
}

static void
scenario_chooser_response_cb (GtkNativeDialog *chooser,
                              int              response,
                              AuthsimWindow   *self)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_clear_object (&self->chooser);

  if (file == NULL || self->engine == NULL)
    return;

  /* Recorded now, so whatever happened while the chooser was open is in it. */
  json = authsim_scenario_record (self->log, &error);
  if (json == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not record a scenario: %s"),
                                                  error->message);
      add_notice (self, message);
      return;
    }

  bytes = g_bytes_new_take (json, strlen (json));
  json = NULL;
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                       self->cancellable, scenario_written_cb,
                                       g_object_ref (self));
}

static void
save_scenario_cb (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  AuthsimWindow *self = AUTHSIM_WINDOW (user_data);
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;

  if (self->engine == NULL || self->chooser != NULL)
    return;

  /* Fail early (nothing to record) rather than after the file was chosen. */
  json = authsim_scenario_record (self->log, &error);
  if (json == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not record a scenario: %s"),
                                                  error->message);
      add_notice (self, message);
      return;
    }

  self->chooser = gtk_file_chooser_native_new (_("Save Session as Scenario"),
                                               GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE,
                                               _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), "session-scenario.json");
  g_signal_connect (self->chooser, "response", G_CALLBACK (scenario_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* Window state */

static void
restore_size (AuthsimWindow *self)
{
  int width, height;

  if (self->settings == NULL)
    return;

  width = g_settings_get_int (self->settings, "window-width");
  height = g_settings_get_int (self->settings, "window-height");
  if (width > 0 && height > 0)
    gtk_window_set_default_size (GTK_WINDOW (self), width, height);
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static gboolean
authsim_window_close_request (GtkWindow *window)
{
  AuthsimWindow *self = AUTHSIM_WINDOW (window);

  if (self->settings != NULL)
    {
      int width, height;

      gtk_window_get_default_size (window, &width, &height);
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
      g_settings_set_boolean (self->settings, "window-maximized",
                              gtk_window_is_maximized (window));
    }

  g_cancellable_cancel (self->cancellable);

  return GTK_WINDOW_CLASS (authsim_window_parent_class)->close_request (window);
}

static void
authsim_window_constructed (GObject *object)
{
  AuthsimWindow *self = AUTHSIM_WINDOW (object);

  G_OBJECT_CLASS (authsim_window_parent_class)->constructed (object);

  if (self->backend == NULL)
    return;
  self->engine = g_object_ref (authsim_backend_get_engine (self->backend));
  self->log = g_object_ref (authsim_backend_get_log (self->backend));

  /* The views get what they show from here, not from each other. */
  authsim_preview_set_engine (AUTHSIM_PREVIEW (self->preview), self->engine);
  authsim_composer_set_engine (AUTHSIM_COMPOSER (self->composer), self->engine);
  authsim_log_view_set_log (AUTHSIM_LOG_VIEW (self->log_view), self->log);
  authsim_grants_view_set_engine (AUTHSIM_GRANTS_VIEW (self->grants_view), self->engine);
  authsim_grants_view_set_store (AUTHSIM_GRANTS_VIEW (self->grants_view),
                                 authsim_backend_get_store (self->backend));
  authsim_users_view_set_engine (AUTHSIM_USERS_VIEW (self->users_view), self->engine);
  authsim_gateway_view_set_backend (AUTHSIM_GATEWAY_VIEW (self->gateway_view), self->backend);
  authsim_gateway_view_set_log (AUTHSIM_GATEWAY_VIEW (self->gateway_view), self->log);

  /* Setting the model selects its first item: that is not a user's choice. */
  self->syncing_user = TRUE;
  gtk_drop_down_set_model (self->user_dropdown, authsim_engine_get_users (self->engine));
  self->syncing_user = FALSE;
  sync_user_from_engine (self);
  g_signal_connect_object (self->engine, "notify::active-user",
                           G_CALLBACK (sync_user_from_engine), self, G_CONNECT_SWAPPED);

  g_signal_connect_object (self->backend, "notify::warnings",
                           G_CALLBACK (update_warnings), self, G_CONNECT_SWAPPED);
  update_warnings (self);
}

static void
authsim_window_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  AuthsimWindow *self = AUTHSIM_WINDOW (object);

  switch (prop_id)
    {
    case PROP_BACKEND:
      self->backend = g_value_dup_object (value);
      break;
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_window_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  AuthsimWindow *self = AUTHSIM_WINDOW (object);

  switch (prop_id)
    {
    case PROP_BACKEND:
      g_value_set_object (value, self->backend);
      break;
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_window_dispose (GObject *object)
{
  AuthsimWindow *self = AUTHSIM_WINDOW (object);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->scenario != NULL)
    g_signal_handlers_disconnect_by_data (self->scenario, self);
  g_clear_object (&self->scenario);
  g_clear_object (&self->log);
  g_clear_object (&self->engine);
  g_clear_object (&self->backend);
  g_clear_object (&self->settings);

  gtk_widget_dispose_template (GTK_WIDGET (self), AUTHSIM_TYPE_WINDOW);

  G_OBJECT_CLASS (authsim_window_parent_class)->dispose (object);
}

static void
authsim_window_finalize (GObject *object)
{
  AuthsimWindow *self = AUTHSIM_WINDOW (object);

  g_ptr_array_unref (self->notices);

  G_OBJECT_CLASS (authsim_window_parent_class)->finalize (object);
}

static void
authsim_window_class_init (AuthsimWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = authsim_window_constructed;
  object_class->get_property = authsim_window_get_property;
  object_class->set_property = authsim_window_set_property;
  object_class->dispose = authsim_window_dispose;
  object_class->finalize = authsim_window_finalize;
  window_class->close_request = authsim_window_close_request;

  properties[PROP_BACKEND] =
    g_param_spec_object ("backend", NULL, NULL, AUTHSIM_TYPE_BACKEND,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (AUTHSIM_TYPE_USER);
  g_type_ensure (AUTHSIM_TYPE_PREVIEW);
  g_type_ensure (AUTHSIM_TYPE_COMPOSER);
  g_type_ensure (AUTHSIM_TYPE_LOG_VIEW);
  g_type_ensure (AUTHSIM_TYPE_GRANTS_VIEW);
  g_type_ensure (AUTHSIM_TYPE_USERS_VIEW);
  g_type_ensure (AUTHSIM_TYPE_GATEWAY_VIEW);

  /* Links (and so registers) the UI resources of the static library. */
  (void) authsim_get_resource ();
  gtk_widget_class_set_template_from_resource (widget_class, APP_PATH "/authsim-window.ui");
  gtk_widget_class_bind_template_child (widget_class, AuthsimWindow, menu_button);
  gtk_widget_class_bind_template_child (widget_class, AuthsimWindow, user_dropdown);
  gtk_widget_class_bind_template_child (widget_class, AuthsimWindow, warnings_revealer);
  gtk_widget_class_bind_template_child (widget_class, AuthsimWindow, warnings_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimWindow, scenario_revealer);
  gtk_widget_class_bind_template_child (widget_class, AuthsimWindow, scenario_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimWindow, scenario_count);
  gtk_widget_class_bind_template_child (widget_class, AuthsimWindow, preview);
  gtk_widget_class_bind_template_child (widget_class, AuthsimWindow, composer);
  gtk_widget_class_bind_template_child (widget_class, AuthsimWindow, log_view);
  gtk_widget_class_bind_template_child (widget_class, AuthsimWindow, grants_view);
  gtk_widget_class_bind_template_child (widget_class, AuthsimWindow, users_view);
  gtk_widget_class_bind_template_child (widget_class, AuthsimWindow, gateway_view);
  gtk_widget_class_bind_template_callback (widget_class, user_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, hide_warnings_cb);

}

static const GActionEntry win_entries[] = {
  { .name = "export-log", .activate = export_log_cb },
  { .name = "save-scenario", .activate = save_scenario_cb },
};

static void
authsim_window_init (AuthsimWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries, G_N_ELEMENTS (win_entries),
                                   self);

  self->cancellable = g_cancellable_new ();
  self->notices = g_ptr_array_new_with_free_func (g_free);
}

AuthsimWindow *
authsim_window_new (GtkApplication *application,
                    AuthsimBackend *backend,
                    GSettings      *settings)
{
  AuthsimWindow *self;

  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (AUTHSIM_IS_BACKEND (backend), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  self = g_object_new (AUTHSIM_TYPE_WINDOW,
                       "application", application,
                       "backend", backend,
                       "settings", settings,
                       NULL);
  restore_size (self);
  return self;
}

/* A scenario played in the window (--scenario): each step shows as it runs. */

static void
update_scenario_count (AuthsimWindow *self)
{
  g_autofree char *count = NULL;

  /* Translators: the progress of a scenario in the window: steps that held and failed. */
  count = g_strdup_printf (_("%u passed, %u failed"), self->scenario_passed,
                           self->scenario_failed);
  gtk_label_set_text (self->scenario_count, count);
}

static void
scenario_step_started_cb (AuthsimWindow   *self,
                          guint            index,
                          const char      *description,
                          AuthsimScenario *scenario)
{
  g_autofree char *text = NULL;

  /* Translators: "Scenario “Allow”, step 3 of 6: tap “Log in to order”". */
  text = g_strdup_printf (_("Scenario “%s”, step %u of %u: %s"),
                          authsim_scenario_get_name (scenario), index + 1,
                          authsim_scenario_get_n_steps (scenario), description);
  gtk_label_set_text (self->scenario_label, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->scenario_label),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

static void
scenario_step_finished_cb (AuthsimWindow   *self,
                           guint            index,
                           const char      *description,
                           gboolean         ok,
                           const char      *message,
                           AuthsimScenario *scenario)
{
  if (ok)
    self->scenario_passed++;
  else
    self->scenario_failed++;
  update_scenario_count (self);

  if (!ok || index + 1 == authsim_scenario_get_n_steps (scenario))
    {
      g_autofree char *text = NULL;

      if (!ok)
        /* Translators: a scenario step that did not hold, and why. */
        text = g_strdup_printf (_("Scenario “%s”, step %u failed: %s"),
                                authsim_scenario_get_name (scenario), index + 1,
                                message != NULL ? message : description);
      else
        text = g_strdup_printf (_("Scenario “%s” finished"),
                                authsim_scenario_get_name (scenario));
      gtk_label_set_text (self->scenario_label, text);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->scenario_label),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
    }
}

void
authsim_window_follow_scenario (AuthsimWindow   *self,
                                AuthsimScenario *scenario)
{
  g_return_if_fail (AUTHSIM_IS_WINDOW (self));
  g_return_if_fail (AUTHSIM_IS_SCENARIO (scenario));

  if (self->scenario != NULL)
    g_signal_handlers_disconnect_by_data (self->scenario, self);
  g_set_object (&self->scenario, scenario);
  self->scenario_passed = self->scenario_failed = 0;

  g_signal_connect_object (scenario, "step-started", G_CALLBACK (scenario_step_started_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (scenario, "step-finished", G_CALLBACK (scenario_step_finished_cb),
                           self, G_CONNECT_SWAPPED);
  update_scenario_count (self);
  gtk_revealer_set_reveal_child (self->scenario_revealer, TRUE);
}
