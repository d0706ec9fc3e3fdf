/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "authsim-preferences-dialog.h"
#include "authsim-resources.h"
#include "authsim-settings-page.h"
#include "authsim-user-info-label.h"

struct _AuthsimPreferencesDialog
{
  GtkWindow        parent_instance;

  AuthsimEngine   *engine;
  AuthsimStore    *store;
  AuthsimProfile  *profile;
  GPtrArray       *profile_bindings;
  GHashTable      *field_switches;   /* camelCase field → GtkSwitch */
  GHashTable      *product_switches; /* product → GtkSwitch */
  gboolean         syncing_fields;

  /* Template children. */
  GtkToggleButton *rule_enforce;
  GtkToggleButton *rule_warn;
  GtkToggleButton *rule_off;
  GtkSwitch       *network_switch;
  GtkSwitch       *busy_switch;
  GtkAdjustment   *lifetime_adjustment;
  GtkAdjustment   *toast_adjustment;
  GtkLabel        *clock_label;
  GtkSwitch       *jsapi_switch;
  GtkToggleButton *third_none;
  GtkToggleButton *third_with;
  GtkToggleButton *third_without;
  GtkToggleButton *type_personal;
  GtkToggleButton *type_enterprise;
  GtkToggleButton *id_user;
  GtkToggleButton *id_open;
  GtkSwitch       *aes_switch;
  GtkSwitch       *sign_switch;
  GtkListBox      *products_list;
  GtkListBox      *fields_list;
};

G_DEFINE_FINAL_TYPE (AuthsimPreferencesDialog, authsim_preferences_dialog, GTK_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_ENGINE,
  PROP_STORE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Enum property ↔ grouped toggle buttons ---------------------------------------------------- */

static gboolean
enum_to_active (GBinding     *binding,
                const GValue *from_value,
                GValue       *to_value,
                gpointer      user_data)
{
  g_value_set_boolean (to_value, g_value_get_enum (from_value) == GPOINTER_TO_INT (user_data));
  return TRUE;
}

static gboolean
active_to_enum (GBinding     *binding,
                const GValue *from_value,
                GValue       *to_value,
                gpointer      user_data)
{
  /* Only the toggle that becomes active sets the value; the one released says nothing. */
  if (!g_value_get_boolean (from_value))
    return FALSE;

  g_value_set_enum (to_value, GPOINTER_TO_INT (user_data));
  return TRUE;
}

static GBinding *
bind_enum_toggle (gpointer         source,
                  const char      *property,
                  GtkToggleButton *toggle,
                  int              value)
{
  return g_object_bind_property_full (source, property, toggle, "active",
                                      G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE,
                                      enum_to_active, active_to_enum,
                                      GINT_TO_POINTER (value), NULL);
}

/* Virtual clock ----------------------------------------------------------------------------- */

static char *
format_offset (gint64 offset)
{
  g_autoptr(GString) text = g_string_new (NULL);
  guint64 magnitude = offset < 0 ? (guint64) -offset : (guint64) offset;
  guint64 days = magnitude / 86400;
  guint64 hours = magnitude % 86400 / 3600;
  guint64 minutes = magnitude % 3600 / 60;
  guint64 seconds = magnitude % 60;

  if (offset == 0)
    /* Translators: the virtual clock's offset when there is none. */
    return g_strdup (_("Real time (no offset)"));

  g_string_append (text, offset < 0 ? "−" : "+");
  if (days > 0)
    {
      g_autofree char *number = g_strdup_printf ("%" G_GUINT64_FORMAT, days);

      /* Translators: a part of the virtual clock's offset, e.g. "+15 days 2 h 3 min";
       * %s is the number of days. */
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%s day", "%s days",
                                                 (gulong) MIN (days, G_MAXULONG)), number);
    }
  if (hours > 0)
    g_string_append_printf (text, "%s%" G_GUINT64_FORMAT " %s", days > 0 ? " " : "", hours,
                            /* Translators: abbreviation of hours. */
                            _("h"));
  if (minutes > 0)
    g_string_append_printf (text, "%s%" G_GUINT64_FORMAT " %s",
                            days + hours > 0 ? " " : "", minutes,
                            /* Translators: abbreviation of minutes. */
                            _("min"));
  if (seconds > 0)
    g_string_append_printf (text, "%s%" G_GUINT64_FORMAT " %s",
                            days + hours + minutes > 0 ? " " : "", seconds,
                            /* Translators: abbreviation of seconds. */
                            _("s"));

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
update_clock_label (AuthsimPreferencesDialog *self)
{
  g_autofree char *text = NULL;

  text = self->store != NULL ? format_offset (authsim_store_get_clock_offset (self->store))
                             : g_strdup ("");
  gtk_label_set_text (self->clock_label, text);
}

static void
clock_offset_notify_cb (AuthsimStore             *store,
                        GParamSpec               *pspec,
                        AuthsimPreferencesDialog *self)
{
  update_clock_label (self);
}

static void
advance_clock_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  AuthsimPreferencesDialog *self = AUTHSIM_PREFERENCES_DIALOG (widget);

  if (self->store != NULL)
    authsim_store_advance_clock (self->store, g_variant_get_int64 (parameter));
}

static void
reset_clock_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  AuthsimPreferencesDialog *self = AUTHSIM_PREFERENCES_DIALOG (widget);

  if (self->store != NULL)
    authsim_store_set_clock_offset (self->store, 0);
}

/* Lists of names: user info fields and products ----------------------------------------------- */

/* The switches of @switches (name → GtkSwitch) show whether @names holds their name. */
static void
sync_name_switches (AuthsimPreferencesDialog *self,
                    GHashTable               *switches,
                    const char * const       *names)
{
  GHashTableIter iter;
  gpointer key, value;

  self->syncing_fields = TRUE;
  g_hash_table_iter_init (&iter, switches);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      gtk_switch_set_active (GTK_SWITCH (value), names != NULL && g_strv_contains (names, key));
      gtk_widget_set_sensitive (GTK_WIDGET (value), self->profile != NULL);
    }
  self->syncing_fields = FALSE;
}

static void
sync_field_switches (AuthsimPreferencesDialog *self)
{
  sync_name_switches (self, self->field_switches,
                      self->profile != NULL ? authsim_profile_get_user_info_fields (self->profile)
                                            : NULL);
  sync_name_switches (self, self->product_switches,
                      self->profile != NULL ? authsim_profile_get_products (self->profile)
                                            : NULL);
}

/* (transfer full): @names without @name, plus @name last when @on (the profile's order kept). */
static GStrv
names_with (const char * const *names,
            const char         *name,
            gboolean            on)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    if (!g_str_equal (names[i], name))
      g_strv_builder_add (builder, names[i]);
  if (on)
    g_strv_builder_add (builder, name);
  return g_strv_builder_end (builder);
}

static void
field_switch_active_cb (GtkSwitch                *toggle,
                        GParamSpec               *pspec,
                        AuthsimPreferencesDialog *self)
{
  const char *field = g_object_get_data (G_OBJECT (toggle), "authsim-name");
  g_auto(GStrv) result = NULL;

  if (self->syncing_fields || self->profile == NULL)
    return;

  result = names_with (authsim_profile_get_user_info_fields (self->profile), field,
                       gtk_switch_get_active (toggle));
  authsim_profile_set_user_info_fields (self->profile, (const char * const *) result);
}

static void
product_switch_active_cb (GtkSwitch                *toggle,
                          GParamSpec               *pspec,
                          AuthsimPreferencesDialog *self)
{
  const char *product = g_object_get_data (G_OBJECT (toggle), "authsim-name");
  g_auto(GStrv) result = NULL;

  if (self->syncing_fields || self->profile == NULL)
    return;

  result = names_with (authsim_profile_get_products (self->profile), product,
                       gtk_switch_get_active (toggle));
  authsim_profile_set_products (self->profile, (const char * const *) result);
}

/* A row of @list: @title over @name (monospace), and a switch. Scripts find the switch by
 * @name, the JSON name, the same in every language; the visible title is translated. */
static GtkWidget *
add_name_switch (GtkListBox *list,
                 const char *name,
                 const char *title)
{
  GtkWidget *row, *box, *texts, *title_label, *subtitle, *toggle;

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);

  texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_hexpand (texts, TRUE);
  title_label = gtk_label_new (title);
  gtk_label_set_xalign (GTK_LABEL (title_label), 0.0);
  subtitle = gtk_label_new (name);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0.0);
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_widget_add_css_class (subtitle, "monospace");
  gtk_box_append (GTK_BOX (texts), title_label);
  gtk_box_append (GTK_BOX (texts), subtitle);

  toggle = gtk_switch_new ();
  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (toggle),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, title,
                                  -1);
  g_object_set_data_full (G_OBJECT (toggle), "authsim-name", g_strdup (name), g_free);

  gtk_box_append (GTK_BOX (box), texts);
  gtk_box_append (GTK_BOX (box), toggle);

  row = gtk_list_box_row_new ();
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_focusable (row, FALSE);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_append (list, row);
  return toggle;
}

static void
build_name_switches (AuthsimPreferencesDialog *self)
{
  const char * const *fields = authsim_user_info_fields_known ();
  const char * const *products = authsim_products_known ();

  for (guint i = 0; fields[i] != NULL; i++)
    {
      GtkWidget *toggle = add_name_switch (self->fields_list, fields[i],
                                           authsim_user_info_label (fields[i]));

      g_signal_connect (toggle, "notify::active", G_CALLBACK (field_switch_active_cb), self);
      g_hash_table_insert (self->field_switches, g_strdup (fields[i]), toggle);
    }
  for (guint i = 0; products[i] != NULL; i++)
    {
      GtkWidget *toggle = add_name_switch (self->products_list, products[i],
                                           authsim_settings_key_title (products[i]));

      g_signal_connect (toggle, "notify::active", G_CALLBACK (product_switch_active_cb), self);
      g_hash_table_insert (self->product_switches, g_strdup (products[i]), toggle);
    }
}

/* Profile ----------------------------------------------------------------------------------- */

static void
unbind_profile (AuthsimPreferencesDialog *self)
{
  for (guint i = 0; i < self->profile_bindings->len; i++)
    g_binding_unbind (g_ptr_array_index (self->profile_bindings, i));
  g_ptr_array_set_size (self->profile_bindings, 0);

  if (self->profile != NULL)
    g_signal_handlers_disconnect_by_data (self->profile, self);
  g_clear_object (&self->profile);
}

static void
profile_fields_notify_cb (AuthsimProfile           *profile,
                          GParamSpec               *pspec,
                          AuthsimPreferencesDialog *self)
{
  sync_field_switches (self);
}

static void
bind_profile (AuthsimPreferencesDialog *self)
{
  GPtrArray *b = self->profile_bindings;

  unbind_profile (self);

  if (self->engine != NULL)
    g_set_object (&self->profile, authsim_engine_get_profile (self->engine));

  if (self->profile != NULL)
    {
      /* The bindings hold no reference on their objects: unbind_profile releases them. */
      g_ptr_array_add (b, g_object_ref (g_object_bind_property (self->profile,
                                                                "jsapi-base-package",
                                                                self->jsapi_switch, "active",
                                                                G_BINDING_BIDIRECTIONAL |
                                                                G_BINDING_SYNC_CREATE)));
      g_ptr_array_add (b, g_object_ref (bind_enum_toggle (self->profile, "third-party",
                                                          self->third_none,
                                                          AUTHSIM_THIRD_PARTY_NONE)));
      g_ptr_array_add (b, g_object_ref (bind_enum_toggle (self->profile, "third-party",
                                                          self->third_with,
                                                          AUTHSIM_THIRD_PARTY_WITH_PACKAGE)));
      g_ptr_array_add (b, g_object_ref (bind_enum_toggle (self->profile, "third-party",
                                                          self->third_without,
                                                          AUTHSIM_THIRD_PARTY_WITHOUT_PACKAGE)));
      g_ptr_array_add (b, g_object_ref (bind_enum_toggle (self->profile, "app-type",
                                                          self->type_personal,
                                                          AUTHSIM_APP_TYPE_PERSONAL)));
      g_ptr_array_add (b, g_object_ref (bind_enum_toggle (self->profile, "app-type",
                                                          self->type_enterprise,
                                                          AUTHSIM_APP_TYPE_ENTERPRISE)));
      g_ptr_array_add (b, g_object_ref (bind_enum_toggle (self->profile, "id-mode",
                                                          self->id_user,
                                                          AUTHSIM_ID_MODE_USER_ID)));
      g_ptr_array_add (b, g_object_ref (bind_enum_toggle (self->profile, "id-mode",
                                                          self->id_open,
                                                          AUTHSIM_ID_MODE_OPEN_ID)));
      g_ptr_array_add (b, g_object_ref (g_object_bind_property (self->profile, "aes-key",
                                                                self->aes_switch, "active",
                                                                G_BINDING_BIDIRECTIONAL |
                                                                G_BINDING_SYNC_CREATE)));
      g_ptr_array_add (b, g_object_ref (g_object_bind_property (self->profile,
                                                                "sign-responses",
                                                                self->sign_switch, "active",
                                                                G_BINDING_BIDIRECTIONAL |
                                                                G_BINDING_SYNC_CREATE)));
      g_signal_connect_object (self->profile, "notify::user-info-fields",
                               G_CALLBACK (profile_fields_notify_cb), self, 0);
      g_signal_connect_object (self->profile, "notify::products",
                               G_CALLBACK (profile_fields_notify_cb), self, 0);
    }

  sync_field_switches (self);
}

static void
engine_profile_notify_cb (AuthsimEngine            *engine,
                          GParamSpec               *pspec,
                          AuthsimPreferencesDialog *self)
{
  bind_profile (self);
}

/* Binds the controls to the engine and the store handed in at construction. */
static void
bind_engine_and_store (AuthsimPreferencesDialog *self)
{
  bind_enum_toggle (self->engine, "first-screen-rule", self->rule_enforce,
                    AUTHSIM_FIRST_SCREEN_RULE_ENFORCE);
  bind_enum_toggle (self->engine, "first-screen-rule", self->rule_warn,
                    AUTHSIM_FIRST_SCREEN_RULE_WARN);
  bind_enum_toggle (self->engine, "first-screen-rule", self->rule_off,
                    AUTHSIM_FIRST_SCREEN_RULE_OFF);
  g_object_bind_property (self->engine, "network-fault", self->network_switch, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->engine, "service-busy", self->busy_switch, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->engine, "toast-duration", self->toast_adjustment, "value",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->store, "code-lifetime", self->lifetime_adjustment, "value",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);

  g_signal_connect_object (self->store, "notify::clock-offset",
                           G_CALLBACK (clock_offset_notify_cb), self, 0);
  g_signal_connect_object (self->engine, "notify::profile",
                           G_CALLBACK (engine_profile_notify_cb), self, 0);

  update_clock_label (self);
  bind_profile (self);
}

/* GObject ----------------------------------------------------------------------------------- */

static void
authsim_preferences_dialog_constructed (GObject *object)
{
  AuthsimPreferencesDialog *self = AUTHSIM_PREFERENCES_DIALOG (object);

  G_OBJECT_CLASS (authsim_preferences_dialog_parent_class)->constructed (object);

  g_assert (self->engine != NULL && self->store != NULL);
  bind_engine_and_store (self);
}

static void
authsim_preferences_dialog_dispose (GObject *object)
{
  AuthsimPreferencesDialog *self = AUTHSIM_PREFERENCES_DIALOG (object);

  unbind_profile (self);
  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);

  gtk_widget_dispose_template (GTK_WIDGET (self), AUTHSIM_TYPE_PREFERENCES_DIALOG);

  g_clear_object (&self->store);
  g_clear_object (&self->engine);

  G_OBJECT_CLASS (authsim_preferences_dialog_parent_class)->dispose (object);
}

static void
authsim_preferences_dialog_finalize (GObject *object)
{
  AuthsimPreferencesDialog *self = AUTHSIM_PREFERENCES_DIALOG (object);

  g_clear_pointer (&self->profile_bindings, g_ptr_array_unref);
  g_clear_pointer (&self->field_switches, g_hash_table_unref);
  g_clear_pointer (&self->product_switches, g_hash_table_unref);

  G_OBJECT_CLASS (authsim_preferences_dialog_parent_class)->finalize (object);
}

static void
authsim_preferences_dialog_get_property (GObject    *object,
                                         guint       prop_id,
                                         GValue     *value,
                                         GParamSpec *pspec)
{
  AuthsimPreferencesDialog *self = AUTHSIM_PREFERENCES_DIALOG (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_preferences_dialog_set_property (GObject      *object,
                                         guint         prop_id,
                                         const GValue *value,
                                         GParamSpec   *pspec)
{
  AuthsimPreferencesDialog *self = AUTHSIM_PREFERENCES_DIALOG (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      self->engine = g_value_dup_object (value);
      break;
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_preferences_dialog_class_init (AuthsimPreferencesDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = authsim_preferences_dialog_constructed;
  object_class->dispose = authsim_preferences_dialog_dispose;
  object_class->finalize = authsim_preferences_dialog_finalize;
  object_class->get_property = authsim_preferences_dialog_get_property;
  object_class->set_property = authsim_preferences_dialog_set_property;

  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL, AUTHSIM_TYPE_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, AUTHSIM_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The UI resources live in a static library: referencing them links their constructor,
   * which registers them. */
  (void) authsim_get_resource ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               APP_PATH "/authsim-preferences-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreferencesDialog, rule_enforce);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreferencesDialog, rule_warn);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreferencesDialog, rule_off);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreferencesDialog, network_switch);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreferencesDialog, busy_switch);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreferencesDialog,
                                        lifetime_adjustment);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreferencesDialog,
                                        toast_adjustment);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreferencesDialog, clock_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreferencesDialog, jsapi_switch);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreferencesDialog, third_none);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreferencesDialog, third_with);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreferencesDialog, third_without);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreferencesDialog, type_personal);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreferencesDialog,
                                        type_enterprise);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreferencesDialog, id_user);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreferencesDialog, id_open);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreferencesDialog, aes_switch);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreferencesDialog, sign_switch);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreferencesDialog, products_list);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreferencesDialog, fields_list);

  gtk_widget_class_install_action (widget_class, "prefs.advance-clock", "x",
                                   advance_clock_cb);
  gtk_widget_class_install_action (widget_class, "prefs.reset-clock", NULL,
                                   reset_clock_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
authsim_preferences_dialog_init (AuthsimPreferencesDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->profile_bindings = g_ptr_array_new_with_free_func (g_object_unref);
  self->field_switches = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->product_switches = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  build_name_switches (self);
}

GtkWidget *
authsim_preferences_dialog_new (AuthsimEngine *engine,
                                AuthsimStore  *store,
                                GtkWindow     *parent)
{
  g_return_val_if_fail (AUTHSIM_IS_ENGINE (engine), NULL);
  g_return_val_if_fail (AUTHSIM_IS_STORE (store), NULL);
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  return g_object_new (AUTHSIM_TYPE_PREFERENCES_DIALOG,
                       "engine", engine,
                       "store", store,
                       "transient-for", parent,
                       NULL);
}
