/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "authsim-app-icon.h"
#include "authsim-resources.h"
#include "authsim-settings-page.h"

struct _AuthsimSettingsPage
{
  GtkWidget       parent_instance;

  AuthsimEngine  *engine;
  GSignalGroup   *engine_signals;
  AuthsimProfile *profile;      /* the engine's, watched for its name and icon */
  GHashTable     *switches;     /* key → GtkToggleButton (owned by switch_box) */
  char          **keys;         /* the keys of the rows shown, in order */
  gboolean        syncing;

  GtkWidget      *page_box;
  GtkButton      *back_button;
  GtkStack       *icon_stack;
  GtkImage       *icon_image;
  GtkLabel       *icon_letter;
  GtkLabel       *app_name_label;
  GtkLabel       *allow_label;
  GtkBox         *switch_box;
  GtkWidget      *empty_label;
  GtkWidget      *user_info_group;
  GtkButton      *revoke_button;
};

G_DEFINE_FINAL_TYPE (AuthsimSettingsPage, authsim_settings_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ENGINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define SWITCH_KEY "authsim-setting-key"

/* The rows' titles: Alipay's wording in zh_CN (会员基础信息, 手机号码, 地理位置, …). */
static const struct
{
  const char *key;
  const char *title;
} key_titles[] = {
  { "userInfo", N_("Member basic info") },
  { "phoneNumber", N_("Phone number") },
  { "location", N_("Location") },
  { "camera", N_("Camera") },
  { "album", N_("Photo album") },
  { "audioRecord", N_("Microphone") },
  { "bluetooth", N_("Bluetooth") },
};

const char *
authsim_settings_key_title (const char *key)
{
  g_return_val_if_fail (key != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (key_titles); i++)
    if (g_str_equal (key_titles[i].key, key))
      return _(key_titles[i].title);
  return key;
}

/* Switches ------------------------------------------------------------------------------------ */

static JsonObject *
auth_setting (AuthsimSettingsPage *self)
{
  return self->engine != NULL ? authsim_engine_get_auth_setting (self->engine) : NULL;
}

/* Each switch shows what the engine says, whatever was clicked. */
static void
sync_switches (AuthsimSettingsPage *self)
{
  JsonObject *setting = auth_setting (self);
  GHashTableIter iter;
  gpointer key, toggle;

  self->syncing = TRUE;
  g_hash_table_iter_init (&iter, self->switches);
  while (g_hash_table_iter_next (&iter, &key, &toggle))
    {
      gboolean on = setting != NULL && json_object_has_member (setting, key) &&
                    json_object_get_boolean_member (setting, key);

      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (toggle), on);
      /* A new toggle button has no "pressed" state until it is first toggled: a switch that
       * starts off must say so. */
      gtk_accessible_update_state (GTK_ACCESSIBLE (toggle),
                                   GTK_ACCESSIBLE_STATE_PRESSED, on,
                                   -1);
    }
  self->syncing = FALSE;
}

/*
 * A click flips the toggle at once; the engine decides what it becomes: off revokes at once,
 * on opens the consent popup and stays off until Allow. So ask the engine, then show its state.
 */
static void
switch_toggled_cb (GtkToggleButton     *toggle,
                   AuthsimSettingsPage *self)
{
  const char *key = g_object_get_data (G_OBJECT (toggle), SWITCH_KEY);
  gboolean wanted = gtk_toggle_button_get_active (toggle);
  g_autoptr(GError) error = NULL;

  if (self->syncing || self->engine == NULL)
    return;

  if (!authsim_engine_set_setting (self->engine, key, wanted, &error))
    g_debug ("Settings switch “%s”: %s", key, error->message);
  sync_switches (self);
}

static GtkWidget *
create_switch_row (AuthsimSettingsPage *self,
                   const char          *key)
{
  const char *title = authsim_settings_key_title (key);
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *label = gtk_label_new (title);
  GtkWidget *toggle = gtk_toggle_button_new ();
  GtkWidget *knob = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);

  gtk_widget_add_css_class (row, "settings-row");
  gtk_widget_add_css_class (label, "settings-row-title");
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, TRUE);

  /* A toggle button drawn as the phone's switch: AT-SPI sees a button with "pressed" (GTK 4.8)
   * that scripts can click, which a GtkSwitch would also offer, but this one stays off until
   * the engine says otherwise (SPEC §12: only Allow turns it on). */
  gtk_widget_add_css_class (toggle, "mp-switch");
  gtk_widget_add_css_class (knob, "mp-switch-knob");
  gtk_widget_set_halign (knob, GTK_ALIGN_START);
  gtk_widget_set_valign (knob, GTK_ALIGN_CENTER);
  gtk_widget_set_can_target (knob, FALSE);
  gtk_button_set_child (GTK_BUTTON (toggle), knob);
  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  gtk_widget_set_halign (toggle, GTK_ALIGN_END);
  gtk_accessible_update_property (GTK_ACCESSIBLE (toggle),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  -1);
  g_object_set_data_full (G_OBJECT (toggle), SWITCH_KEY, g_strdup (key), g_free);
  g_signal_connect (toggle, "toggled", G_CALLBACK (switch_toggled_cb), self);

  gtk_box_append (GTK_BOX (row), label);
  gtk_box_append (GTK_BOX (row), toggle);
  g_hash_table_insert (self->switches, g_strdup (key), toggle);
  return row;
}

/* The keys of @setting in order (transfer full). */
static GStrv
setting_keys (JsonObject *setting)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  if (setting != NULL)
    {
      json_object_iter_init_ordered (&iter, setting);
      while (json_object_iter_next_ordered (&iter, &key, &value))
        g_strv_builder_add (builder, key);
    }
  return g_strv_builder_end (builder);
}

/* Nothing to show: no switch and no 用户信息 row. */
static void
update_empty (AuthsimSettingsPage *self)
{
  gboolean empty = (self->keys == NULL || self->keys[0] == NULL) &&
                   !gtk_widget_get_visible (self->user_info_group);

  gtk_widget_set_visible (self->empty_label, empty);
}

/* Rows are rebuilt only when the keys change, so a click that only flips a switch keeps its
 * focus (a rebuilt row would drop it). */
static void
update_switches (AuthsimSettingsPage *self)
{
  g_auto(GStrv) keys = setting_keys (auth_setting (self));
  GtkWidget *child;

  if (self->keys == NULL || !g_strv_equal ((const char * const *) keys,
                                           (const char * const *) self->keys))
    {
      g_hash_table_remove_all (self->switches);
      while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->switch_box))) != NULL)
        gtk_box_remove (self->switch_box, child);
      for (guint i = 0; keys[i] != NULL; i++)
        gtk_box_append (self->switch_box, create_switch_row (self, keys[i]));

      g_strfreev (self->keys);
      self->keys = g_steal_pointer (&keys);
    }

  gtk_widget_set_visible (GTK_WIDGET (self->switch_box), self->keys[0] != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->allow_label), self->keys[0] != NULL);
  update_empty (self);
  sync_switches (self);
}

static void
update_user_info (AuthsimSettingsPage *self)
{
  gboolean shown = self->engine != NULL &&
                   authsim_engine_get_user_info_authorized (self->engine);

  gtk_widget_set_visible (self->user_info_group, shown);
  update_empty (self);
}

/* The app ------------------------------------------------------------------------------------- */

/* The app whose settings these are: the host in plugin context, as the engine's
 * authSetting is the host's there. */
static void
update_app (AuthsimSettingsPage *self)
{
  const char *name = self->profile != NULL ? authsim_profile_get_name (self->profile) : "";
  const char *icon = self->profile != NULL ? authsim_profile_get_icon (self->profile) : NULL;
  g_autofree char *letter = NULL;
  g_autofree char *allow = NULL;

  if (self->profile != NULL && self->engine != NULL &&
      authsim_engine_get_container (self->engine) == AUTHSIM_CONTAINER_PLUGIN &&
      authsim_profile_get_host_app_id (self->profile) != NULL)
    {
      name = authsim_profile_get_host_name (self->profile);
      icon = authsim_profile_get_host_icon (self->profile);
    }
  if (name == NULL)
    name = "";

  letter = authsim_app_icon_letter (name);
  gtk_label_set_text (self->app_name_label, name);
  gtk_label_set_text (self->icon_letter, letter);
  gtk_stack_set_visible_child_name (self->icon_stack,
                                    authsim_app_icon_load (self->icon_image, icon) ? "image"
                                                                                   : "letter");
  /* Translators: the caption above the settings page's switches; %s is the mini program's
   * name. Alipay says 允许“%s”使用 */
  allow = g_strdup_printf (_("Allow %s to use"), name);
  gtk_label_set_text (self->allow_label, allow);
}

static void
update_profile (AuthsimSettingsPage *self)
{
  AuthsimProfile *profile = self->engine != NULL ? authsim_engine_get_profile (self->engine)
                                                 : NULL;

  if (self->profile != NULL)
    g_signal_handlers_disconnect_by_data (self->profile, self);
  g_set_object (&self->profile, profile);
  if (profile != NULL)
    g_signal_connect_swapped (profile, "notify::name", G_CALLBACK (update_app), self);
  update_app (self);
}

static void
update_all (AuthsimSettingsPage *self)
{
  update_profile (self);
  update_user_info (self);
  update_switches (self);
}

/* Leaving and revoking ------------------------------------------------------------------------ */

static void
back_clicked_cb (AuthsimSettingsPage *self)
{
  g_autoptr(GError) error = NULL;

  if (self->engine != NULL && !authsim_engine_close_settings (self->engine, &error))
    g_debug ("Settings page: %s", error->message);
}

static void
revoke_clicked_cb (AuthsimSettingsPage *self)
{
  g_autoptr(GError) error = NULL;

  if (self->engine != NULL && !authsim_engine_revoke_user_info (self->engine, &error))
    g_debug ("Settings page: %s", error->message);
}

/* Escape is the phone's back key. It is the popup's while one is open over the page (the sheet
 * closes it), and is left alone while the page is not open. */
static gboolean
escape_cb (GtkWidget *widget,
           GVariant  *args,
           gpointer   user_data)
{
  AuthsimSettingsPage *self = AUTHSIM_SETTINGS_PAGE (widget);

  if (self->engine == NULL || !gtk_widget_get_visible (widget) ||
      !authsim_engine_get_settings_open (self->engine) ||
      authsim_engine_get_request (self->engine) != NULL)
    return FALSE;
  return authsim_engine_close_settings (self->engine, NULL);
}

/* GObject ------------------------------------------------------------------------------------- */

static gboolean
authsim_settings_page_grab_focus (GtkWidget *widget)
{
  AuthsimSettingsPage *self = AUTHSIM_SETTINGS_PAGE (widget);

  return gtk_widget_grab_focus (GTK_WIDGET (self->back_button));
}

static void
authsim_settings_page_dispose (GObject *object)
{
  AuthsimSettingsPage *self = AUTHSIM_SETTINGS_PAGE (object);

  if (self->profile != NULL)
    g_signal_handlers_disconnect_by_data (self->profile, self);
  g_clear_object (&self->profile);
  if (self->engine_signals != NULL)
    g_signal_group_set_target (self->engine_signals, NULL);
  g_clear_object (&self->engine_signals);
  g_clear_object (&self->engine);
  if (self->switches != NULL)
    g_hash_table_remove_all (self->switches);

  gtk_widget_dispose_template (GTK_WIDGET (self), AUTHSIM_TYPE_SETTINGS_PAGE);

  G_OBJECT_CLASS (authsim_settings_page_parent_class)->dispose (object);
}

static void
authsim_settings_page_finalize (GObject *object)
{
  AuthsimSettingsPage *self = AUTHSIM_SETTINGS_PAGE (object);

  g_clear_pointer (&self->switches, g_hash_table_unref);
  g_clear_pointer (&self->keys, g_strfreev);

  G_OBJECT_CLASS (authsim_settings_page_parent_class)->finalize (object);
}

static void
authsim_settings_page_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  AuthsimSettingsPage *self = AUTHSIM_SETTINGS_PAGE (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_settings_page_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  AuthsimSettingsPage *self = AUTHSIM_SETTINGS_PAGE (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      authsim_settings_page_set_engine (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_settings_page_class_init (AuthsimSettingsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = authsim_settings_page_dispose;
  object_class->finalize = authsim_settings_page_finalize;
  object_class->get_property = authsim_settings_page_get_property;
  object_class->set_property = authsim_settings_page_set_property;
  widget_class->grab_focus = authsim_settings_page_grab_focus;

  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL, AUTHSIM_TYPE_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Links (and so registers) the UI resources of the static library. */
  (void) authsim_get_resource ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               APP_PATH "/authsim-settings-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AuthsimSettingsPage, page_box);
  gtk_widget_class_bind_template_child (widget_class, AuthsimSettingsPage, back_button);
  gtk_widget_class_bind_template_child (widget_class, AuthsimSettingsPage, icon_stack);
  gtk_widget_class_bind_template_child (widget_class, AuthsimSettingsPage, icon_image);
  gtk_widget_class_bind_template_child (widget_class, AuthsimSettingsPage, icon_letter);
  gtk_widget_class_bind_template_child (widget_class, AuthsimSettingsPage, app_name_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimSettingsPage, allow_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimSettingsPage, switch_box);
  gtk_widget_class_bind_template_child (widget_class, AuthsimSettingsPage, empty_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimSettingsPage, user_info_group);
  gtk_widget_class_bind_template_child (widget_class, AuthsimSettingsPage, revoke_button);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, revoke_clicked_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "settingspage");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_DIALOG);
}

static void
authsim_settings_page_init (AuthsimSettingsPage *self)
{
  GtkEventController *shortcuts;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->switches = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  /* Managed scope: Escape reaches the page from anywhere in the window while it is open;
   * escape_cb lets it through otherwise. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                     GTK_SHORTCUT_SCOPE_MANAGED);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                                                          gtk_callback_action_new (escape_cb, NULL, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);

  self->engine_signals = g_signal_group_new (AUTHSIM_TYPE_ENGINE);
  g_signal_group_connect_swapped (self->engine_signals, "notify::profile",
                                  G_CALLBACK (update_profile), self);
  g_signal_group_connect_swapped (self->engine_signals, "notify::container",
                                  G_CALLBACK (update_app), self);
  g_signal_group_connect_swapped (self->engine_signals, "notify::auth-setting",
                                  G_CALLBACK (update_switches), self);
  g_signal_group_connect_swapped (self->engine_signals, "notify::user-info-authorized",
                                  G_CALLBACK (update_user_info), self);

  update_all (self);
}

GtkWidget *
authsim_settings_page_new (AuthsimEngine *engine)
{
  g_return_val_if_fail (engine == NULL || AUTHSIM_IS_ENGINE (engine), NULL);

  return g_object_new (AUTHSIM_TYPE_SETTINGS_PAGE, "engine", engine, NULL);
}

void
authsim_settings_page_set_engine (AuthsimSettingsPage *self,
                                  AuthsimEngine       *engine)
{
  g_return_if_fail (AUTHSIM_IS_SETTINGS_PAGE (self));
  g_return_if_fail (engine == NULL || AUTHSIM_IS_ENGINE (engine));

  if (!g_set_object (&self->engine, engine))
    return;

  g_signal_group_set_target (self->engine_signals, engine);
  update_all (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINE]);
}

GtkWidget *
authsim_settings_page_get_switch (AuthsimSettingsPage *self,
                                  const char          *key)
{
  g_return_val_if_fail (AUTHSIM_IS_SETTINGS_PAGE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  return g_hash_table_lookup (self->switches, key);
}
