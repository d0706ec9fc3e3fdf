/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "authsim-users-view.h"
#include "authsim-resources.h"

struct _AuthsimUsersView
{
  GtkWidget      parent_instance;

  AuthsimEngine *engine;
  GListModel    *users;
  AuthsimUser   *edited_user;
  gboolean       syncing;

  /* Field key (snake_case) → GtkEntry, for the known user-info fields. */
  GHashTable    *entries;

  /* Template children. */
  GtkListBox    *list_box;
  GtkLabel      *info_title;
  GtkGrid       *info_grid;
};

G_DEFINE_FINAL_TYPE (AuthsimUsersView, authsim_users_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ENGINE,
  PROP_EDITED_USER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Labels of the known user-info fields (camelCase names from the profile). */
static const char *
field_label (const char *field)
{
  static const struct { const char *field; const char *label; } labels[] = {
    /* Translators: user-info fields returned by alipay.user.info.share; the underscore
     * marks the mnemonic. */
    { "nickName", N_("_Nickname") },
    { "avatar", N_("_Avatar URL") },
    { "gender", N_("_Gender (F or M)") },
    { "province", N_("_Province") },
    { "city", N_("C_ity") },
    { "mobile", N_("_Mobile") },
    { "userName", N_("_Real name") },
    { "certNo", N_("I_D number") },
    { "birthday", N_("_Birthday") },
    { "email", N_("_Email") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    if (g_str_equal (labels[i].field, field))
      return _(labels[i].label);

  return NULL;
}

/* Users list -------------------------------------------------------------------------------- */

static void
use_clicked_cb (GtkButton        *button,
                AuthsimUsersView *self)
{
  AuthsimUser *user = g_object_get_data (G_OBJECT (button), "authsim-user");
  g_autoptr(GError) error = NULL;

  if (self->engine == NULL || user == NULL)
    return;

  if (!authsim_engine_set_active_user_id (self->engine, authsim_user_get_user_id (user), &error))
    g_warning ("Could not switch the active user: %s", error->message);
}

static GtkWidget *
create_user_row (gpointer item,
                 gpointer user_data)
{
  AuthsimUsersView *self = user_data;
  AuthsimUser *user = item;
  g_autofree char *description = NULL;
  GtkWidget *row, *box, *texts, *name, *id, *active, *button;

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);

  texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_hexpand (texts, TRUE);
  name = gtk_label_new (authsim_user_get_display_name (user));
  gtk_label_set_xalign (GTK_LABEL (name), 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  id = gtk_label_new (authsim_user_get_user_id (user));
  gtk_label_set_xalign (GTK_LABEL (id), 0.0);
  gtk_label_set_selectable (GTK_LABEL (id), TRUE);
  gtk_widget_add_css_class (id, "dim-label");
  gtk_widget_add_css_class (id, "caption");
  gtk_widget_add_css_class (id, "numeric");
  gtk_box_append (GTK_BOX (texts), name);
  gtk_box_append (GTK_BOX (texts), id);

  /* Translators: marks the active test user in the users list. */
  active = gtk_label_new (_("Active"));
  gtk_widget_set_valign (active, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (active, "success");

  /* Translators: makes this test user the active one. */
  button = gtk_button_new_with_label (_("Use this user"));
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  /* Translators: the accessible description of "Use this user"; %s is a display name. */
  description = g_strdup_printf (_("Make %s the active test user"),
                                 authsim_user_get_display_name (user));
  gtk_widget_set_tooltip_text (button, description);
  g_object_set_data_full (G_OBJECT (button), "authsim-user", g_object_ref (user),
                          g_object_unref);
  g_signal_connect_object (button, "clicked", G_CALLBACK (use_clicked_cb), self, 0);

  gtk_box_append (GTK_BOX (box), texts);
  gtk_box_append (GTK_BOX (box), active);
  gtk_box_append (GTK_BOX (box), button);

  row = gtk_list_box_row_new ();
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  authsim_user_get_display_name (user),
                                  -1);
  g_object_set_data_full (G_OBJECT (row), "authsim-user", g_object_ref (user), g_object_unref);
  g_object_set_data (G_OBJECT (row), "authsim-active", active);
  g_object_set_data (G_OBJECT (row), "authsim-use", button);
  return row;
}

static void
update_rows (AuthsimUsersView *self)
{
  AuthsimUser *active = self->engine != NULL ? authsim_engine_get_active_user (self->engine)
                                             : NULL;
  GtkListBoxRow *row;

  for (int i = 0; (row = gtk_list_box_get_row_at_index (self->list_box, i)) != NULL; i++)
    {
      AuthsimUser *user = g_object_get_data (G_OBJECT (row), "authsim-user");
      gboolean is_active = user == active;

      gtk_widget_set_visible (g_object_get_data (G_OBJECT (row), "authsim-active"), is_active);
      gtk_widget_set_visible (g_object_get_data (G_OBJECT (row), "authsim-use"), !is_active);
      gtk_accessible_update_state (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_STATE_CHECKED,
                                   is_active ? GTK_ACCESSIBLE_TRISTATE_TRUE
                                             : GTK_ACCESSIBLE_TRISTATE_FALSE,
                                   -1);

      if (user == self->edited_user && gtk_list_box_get_selected_row (self->list_box) != row)
        gtk_list_box_select_row (self->list_box, row);
    }
}

static void
row_selected_cb (GtkListBox       *list_box,
                 GtkListBoxRow    *row,
                 AuthsimUsersView *self)
{
  if (row != NULL)
    authsim_users_view_set_edited_user (self,
                                        g_object_get_data (G_OBJECT (row), "authsim-user"));
}

/* User info --------------------------------------------------------------------------------- */

static void
sync_entries (AuthsimUsersView *self)
{
  GHashTableIter iter;
  gpointer key, value;
  g_autofree char *title = NULL;

  self->syncing = TRUE;
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GtkEditable *entry = value;
      const char *text = NULL;

      if (self->edited_user != NULL)
        text = authsim_user_get_info_value (self->edited_user, key);
      if (text == NULL)
        text = "";
      /* Only real changes: the user may be typing in this entry. */
      if (g_strcmp0 (gtk_editable_get_text (entry), text) != 0)
        gtk_editable_set_text (entry, text);
      gtk_widget_set_sensitive (GTK_WIDGET (entry), self->edited_user != NULL);
    }
  self->syncing = FALSE;

  if (self->edited_user != NULL)
    /* Translators: the heading of the user-info editor; %s is a user's display name. */
    title = g_strdup_printf (_("What alipay.user.info.share returns for %s"),
                             authsim_user_get_display_name (self->edited_user));
  else
    title = g_strdup (_("What alipay.user.info.share returns"));
  gtk_label_set_text (self->info_title, title);
}

static void
entry_changed_cb (GtkEditable      *entry,
                  AuthsimUsersView *self)
{
  const char *key = g_object_get_data (G_OBJECT (entry), "authsim-key");
  const char *text;

  if (self->syncing || self->edited_user == NULL)
    return;

  text = gtk_editable_get_text (entry);
  /* An emptied field is removed: user.info.share leaves it out. */
  authsim_user_set_info_value (self->edited_user, key, text[0] != '\0' ? text : NULL);
}

static void
user_changed_cb (AuthsimUser      *user,
                 AuthsimUsersView *self)
{
  sync_entries (self);
}

static void
build_entries (AuthsimUsersView *self)
{
  const char * const *fields = authsim_user_info_fields_known ();

  for (guint i = 0; fields[i] != NULL; i++)
    {
      const char *key = authsim_user_info_field_to_key (fields[i]);
      const char *text = field_label (fields[i]);
      GtkWidget *label, *entry;

      if (key == NULL)
        continue;

      label = gtk_label_new_with_mnemonic (text != NULL ? text : key);
      gtk_label_set_xalign (GTK_LABEL (label), 0.0);
      gtk_widget_add_css_class (label, "dim-label");

      entry = gtk_entry_new ();
      gtk_widget_set_hexpand (entry, TRUE);
      /* Translators: the placeholder of an empty user-info field. */
      gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("Not set"));
      /* The label names the entry (labelled-by); the key is what the gateway returns. */
      gtk_label_set_mnemonic_widget (GTK_LABEL (label), entry);
      gtk_widget_set_tooltip_text (entry, key);
      g_object_set_data_full (G_OBJECT (entry), "authsim-key", g_strdup (key), g_free);
      g_signal_connect (entry, "changed", G_CALLBACK (entry_changed_cb), self);

      gtk_grid_attach (self->info_grid, label, 0, (int) i, 1, 1);
      gtk_grid_attach (self->info_grid, entry, 1, (int) i, 1, 1);
      g_hash_table_insert (self->entries, g_strdup (key), entry);
    }
}

AuthsimUser *
authsim_users_view_get_edited_user (AuthsimUsersView *self)
{
  g_return_val_if_fail (AUTHSIM_IS_USERS_VIEW (self), NULL);
  return self->edited_user;
}

void
authsim_users_view_set_edited_user (AuthsimUsersView *self,
                                    AuthsimUser      *user)
{
  g_return_if_fail (AUTHSIM_IS_USERS_VIEW (self));
  g_return_if_fail (user == NULL || AUTHSIM_IS_USER (user));

  if (self->edited_user == user)
    return;

  if (self->edited_user != NULL)
    g_signal_handlers_disconnect_by_data (self->edited_user, self);
  g_set_object (&self->edited_user, user);
  if (self->edited_user != NULL)
    g_signal_connect_object (self->edited_user, "changed",
                             G_CALLBACK (user_changed_cb), self, 0);

  sync_entries (self);
  update_rows (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EDITED_USER]);
}

/* Engine ------------------------------------------------------------------------------------ */

static void
active_user_notify_cb (AuthsimEngine    *engine,
                       GParamSpec       *pspec,
                       AuthsimUsersView *self)
{
  /* The editor follows the active user; another row can be picked afterwards. */
  authsim_users_view_set_edited_user (self, authsim_engine_get_active_user (engine));
  update_rows (self);
}

static void
bind_users (AuthsimUsersView *self)
{
  GListModel *users = self->engine != NULL ? authsim_engine_get_users (self->engine) : NULL;

  g_set_object (&self->users, users);
  gtk_list_box_bind_model (self->list_box, users,
                           users != NULL ? create_user_row : NULL, self, NULL);
  authsim_users_view_set_edited_user (self, self->engine != NULL
                                            ? authsim_engine_get_active_user (self->engine)
                                            : NULL);
  update_rows (self);
}

static void
users_notify_cb (AuthsimEngine    *engine,
                 GParamSpec       *pspec,
                 AuthsimUsersView *self)
{
  bind_users (self);
}

void
authsim_users_view_set_engine (AuthsimUsersView *self,
                               AuthsimEngine    *engine)
{
  g_return_if_fail (AUTHSIM_IS_USERS_VIEW (self));
  g_return_if_fail (engine == NULL || AUTHSIM_IS_ENGINE (engine));

  if (self->engine == engine)
    return;

  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_set_object (&self->engine, engine);
  if (self->engine != NULL)
    {
      g_signal_connect_object (self->engine, "notify::active-user",
                               G_CALLBACK (active_user_notify_cb), self, 0);
      g_signal_connect_object (self->engine, "notify::users",
                               G_CALLBACK (users_notify_cb), self, 0);
    }

  bind_users (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINE]);
}

/* GObject ----------------------------------------------------------------------------------- */

static void
authsim_users_view_dispose (GObject *object)
{
  AuthsimUsersView *self = AUTHSIM_USERS_VIEW (object);
  GtkWidget *child;

  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  if (self->edited_user != NULL)
    g_signal_handlers_disconnect_by_data (self->edited_user, self);
  if (self->list_box != NULL)
    gtk_list_box_bind_model (self->list_box, NULL, NULL, NULL, NULL);

  g_clear_pointer (&self->entries, g_hash_table_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), AUTHSIM_TYPE_USERS_VIEW);
  /* The template's root box is not a bound child: unparent it too. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  g_clear_object (&self->edited_user);
  g_clear_object (&self->users);
  g_clear_object (&self->engine);

  G_OBJECT_CLASS (authsim_users_view_parent_class)->dispose (object);
}

static void
authsim_users_view_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  AuthsimUsersView *self = AUTHSIM_USERS_VIEW (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;
    case PROP_EDITED_USER:
      g_value_set_object (value, self->edited_user);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_users_view_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  AuthsimUsersView *self = AUTHSIM_USERS_VIEW (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      authsim_users_view_set_engine (self, g_value_get_object (value));
      break;
    case PROP_EDITED_USER:
      authsim_users_view_set_edited_user (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_users_view_class_init (AuthsimUsersViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = authsim_users_view_dispose;
  object_class->get_property = authsim_users_view_get_property;
  object_class->set_property = authsim_users_view_set_property;

  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL, AUTHSIM_TYPE_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS);
  properties[PROP_EDITED_USER] =
    g_param_spec_object ("edited-user", NULL, NULL, AUTHSIM_TYPE_USER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The UI resources live in a static library: referencing them links their constructor,
   * which registers them. */
  (void) authsim_get_resource ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               APP_PATH "/authsim-users-view.ui");
  gtk_widget_class_bind_template_child (widget_class, AuthsimUsersView, list_box);
  gtk_widget_class_bind_template_child (widget_class, AuthsimUsersView, info_title);
  gtk_widget_class_bind_template_child (widget_class, AuthsimUsersView, info_grid);
  gtk_widget_class_bind_template_callback (widget_class, row_selected_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "usersview");
}

static void
authsim_users_view_init (AuthsimUsersView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  build_entries (self);
  sync_entries (self);
}

GtkWidget *
authsim_users_view_new (AuthsimEngine *engine)
{
  g_return_val_if_fail (engine == NULL || AUTHSIM_IS_ENGINE (engine), NULL);

  return g_object_new (AUTHSIM_TYPE_USERS_VIEW, "engine", engine, NULL);
}
