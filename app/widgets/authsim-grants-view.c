/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "authsim-grants-view.h"
#include "authsim-resources.h"

struct _AuthsimGrantsView
{
  GtkWidget          parent_instance;

  AuthsimEngine     *engine;
  AuthsimStore      *store;
  GtkSortListModel  *sorted;

  /* Template children. */
  GtkStack          *stack;
  GtkListBox        *list_box;
};

G_DEFINE_FINAL_TYPE (AuthsimGrantsView, authsim_grants_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ENGINE,
  PROP_STORE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Grouped per user: sorted by user, then app. */
static int
compare_grants (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  AuthsimGrant *ga = (AuthsimGrant *) a;
  AuthsimGrant *gb = (AuthsimGrant *) b;
  int cmp;

  cmp = g_strcmp0 (authsim_grant_get_user_id (ga), authsim_grant_get_user_id (gb));
  if (cmp == 0)
    cmp = g_strcmp0 (authsim_grant_get_app_id (ga), authsim_grant_get_app_id (gb));
  return cmp;
}

static char *
dup_user_name (AuthsimGrantsView *self,
               const char        *user_id)
{
  AuthsimUser *user = NULL;

  if (self->engine != NULL)
    user = authsim_users_find (authsim_engine_get_users (self->engine), user_id);

  if (user != NULL)
    /* Translators: a user in the grants list: display name, then the 2088… user id. */
    return g_strdup_printf (_("%s · %s"), authsim_user_get_display_name (user), user_id);

  return g_strdup (user_id);
}

static char *
dup_app_name (AuthsimGrantsView *self,
              const char        *app_id)
{
  AuthsimProfile *profile = self->engine != NULL ? authsim_engine_get_profile (self->engine)
                                                 : NULL;
  const char *name = NULL;

  if (profile != NULL)
    {
      if (g_strcmp0 (authsim_profile_get_app_id (profile), app_id) == 0)
        name = authsim_profile_get_name (profile);
      else if (g_strcmp0 (authsim_profile_get_host_app_id (profile), app_id) == 0)
        name = authsim_profile_get_host_name (profile);
    }

  if (name != NULL)
    /* Translators: an app in the grants list: its name, then its 16-digit appId. */
    return g_strdup_printf (_("%s (%s)"), name, app_id);

  return g_strdup (app_id);
}

static void
revoke_clicked_cb (GtkButton         *button,
                   AuthsimGrantsView *self)
{
  AuthsimGrant *grant = g_object_get_data (G_OBJECT (button), "authsim-grant");

  if (self->engine != NULL && grant != NULL)
    authsim_engine_revoke (self->engine,
                           authsim_grant_get_user_id (grant),
                           authsim_grant_get_app_id (grant));
}

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  AuthsimGrantsView *self = user_data;
  AuthsimGrant *grant = item;
  g_autofree char *app = dup_app_name (self, authsim_grant_get_app_id (grant));
  g_autofree char *user = dup_user_name (self, authsim_grant_get_user_id (grant));
  g_autofree char *scopes = g_strjoinv (", ", (char **) authsim_grant_get_scopes (grant));
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (
                                authsim_grant_get_granted_at (grant));
  g_autofree char *when_text = when != NULL ? g_date_time_format (when, "%Y-%m-%d %H:%M:%S")
                                            : g_strdup ("");
  g_autofree char *subtitle = NULL;
  g_autofree char *description = NULL;
  GtkWidget *row, *box, *texts, *title, *sub, *button;

  /* Translators: under an app in the grants list: the scopes, then when they were granted
   * (virtual clock). */
  subtitle = g_strdup_printf (_("%s · granted %s"), scopes, when_text);
  /* Translators: the accessible description of a grant's Revoke button. */
  description = g_strdup_printf (_("Revoke %s of %s for %s"), scopes, app, user);

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);

  texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_hexpand (texts, TRUE);
  gtk_widget_set_valign (texts, GTK_ALIGN_CENTER);
  title = gtk_label_new (app);
  gtk_label_set_xalign (GTK_LABEL (title), 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_label_set_selectable (GTK_LABEL (title), TRUE);
  sub = gtk_label_new (subtitle);
  gtk_label_set_xalign (GTK_LABEL (sub), 0.0);
  gtk_label_set_wrap (GTK_LABEL (sub), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (sub), PANGO_WRAP_WORD_CHAR);
  gtk_widget_add_css_class (sub, "dim-label");
  gtk_widget_add_css_class (sub, "caption");
  gtk_box_append (GTK_BOX (texts), title);
  gtk_box_append (GTK_BOX (texts), sub);

  /* Translators: revokes one grant (Alipay's wording: 解除授权). */
  button = gtk_button_new_with_label (_("Revoke"));
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, description);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
  g_object_set_data_full (G_OBJECT (button), "authsim-grant",
                          g_object_ref (grant), g_object_unref);
  g_signal_connect_object (button, "clicked", G_CALLBACK (revoke_clicked_cb), self, 0);

  gtk_box_append (GTK_BOX (box), texts);
  gtk_box_append (GTK_BOX (box), button);

  row = gtk_list_box_row_new ();
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_focusable (row, FALSE);
  g_object_set_data_full (G_OBJECT (row), "authsim-user-id",
                          g_strdup (authsim_grant_get_user_id (grant)), g_free);
  return row;
}

/* One header per user, above that user's first grant. */
static void
update_header (GtkListBoxRow *row,
               GtkListBoxRow *before,
               gpointer       user_data)
{
  AuthsimGrantsView *self = user_data;
  const char *user_id = g_object_get_data (G_OBJECT (row), "authsim-user-id");
  const char *before_id = before != NULL ? g_object_get_data (G_OBJECT (before),
                                                              "authsim-user-id")
                                         : NULL;
  g_autofree char *name = NULL;
  GtkWidget *header;

  if (before != NULL && g_strcmp0 (user_id, before_id) == 0)
    {
      gtk_list_box_row_set_header (row, NULL);
      return;
    }

  name = dup_user_name (self, user_id);
  header = gtk_label_new (name);
  gtk_label_set_xalign (GTK_LABEL (header), 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (header), PANGO_ELLIPSIZE_END);
  gtk_widget_set_margin_top (header, 8);
  gtk_widget_set_margin_bottom (header, 4);
  gtk_widget_set_margin_start (header, 12);
  gtk_widget_set_margin_end (header, 12);
  gtk_widget_add_css_class (header, "heading");
  gtk_list_box_row_set_header (row, header);
}

static void
update_stack (AuthsimGrantsView *self)
{
  gboolean empty = self->sorted == NULL ||
                   g_list_model_get_n_items (G_LIST_MODEL (self->sorted)) == 0;

  gtk_stack_set_visible_child_name (self->stack, empty ? "empty" : "list");
}

static void
sorted_items_changed_cb (GListModel        *model,
                         guint              position,
                         guint              removed,
                         guint              added,
                         AuthsimGrantsView *self)
{
  update_stack (self);
}

static void
rebind (AuthsimGrantsView *self)
{
  gtk_list_box_bind_model (self->list_box, G_LIST_MODEL (self->sorted),
                           self->sorted != NULL ? create_row : NULL, self, NULL);
  update_stack (self);
}

static void
engine_names_changed_cb (AuthsimEngine     *engine,
                         GParamSpec        *pspec,
                         AuthsimGrantsView *self)
{
  /* Names of users and apps come from the engine's users and profile: rebuild the rows. */
  rebind (self);
}

void
authsim_grants_view_set_engine (AuthsimGrantsView *self,
                                AuthsimEngine     *engine)
{
  g_return_if_fail (AUTHSIM_IS_GRANTS_VIEW (self));
  g_return_if_fail (engine == NULL || AUTHSIM_IS_ENGINE (engine));

  if (self->engine == engine)
    return;

  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_set_object (&self->engine, engine);
  if (self->engine != NULL)
    {
      g_signal_connect_object (self->engine, "notify::users",
                               G_CALLBACK (engine_names_changed_cb), self, 0);
      g_signal_connect_object (self->engine, "notify::profile",
                               G_CALLBACK (engine_names_changed_cb), self, 0);
    }

  rebind (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINE]);
}

void
authsim_grants_view_set_store (AuthsimGrantsView *self,
                               AuthsimStore      *store)
{
  g_return_if_fail (AUTHSIM_IS_GRANTS_VIEW (self));
  g_return_if_fail (store == NULL || AUTHSIM_IS_STORE (store));

  if (self->store == store)
    return;

  if (self->sorted != NULL)
    g_signal_handlers_disconnect_by_data (self->sorted, self);
  g_clear_object (&self->sorted);
  g_set_object (&self->store, store);
  if (self->store != NULL)
    {
      GtkCustomSorter *sorter = gtk_custom_sorter_new (compare_grants, NULL, NULL);
      GListModel *grants = authsim_store_get_grants (self->store);

      self->sorted = gtk_sort_list_model_new (g_object_ref (grants), GTK_SORTER (sorter));
      g_signal_connect (self->sorted, "items-changed",
                        G_CALLBACK (sorted_items_changed_cb), self);
    }

  rebind (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
}

guint
authsim_grants_view_get_n_rows (AuthsimGrantsView *self)
{
  g_return_val_if_fail (AUTHSIM_IS_GRANTS_VIEW (self), 0);

  return self->sorted != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->sorted)) : 0;
}

static void
authsim_grants_view_dispose (GObject *object)
{
  AuthsimGrantsView *self = AUTHSIM_GRANTS_VIEW (object);
  GtkWidget *child;

  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  if (self->sorted != NULL)
    g_signal_handlers_disconnect_by_data (self->sorted, self);

  if (self->list_box != NULL)
    gtk_list_box_bind_model (self->list_box, NULL, NULL, NULL, NULL);

  gtk_widget_dispose_template (GTK_WIDGET (self), AUTHSIM_TYPE_GRANTS_VIEW);
  /* The template's root box is not a bound child: unparent it too. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  g_clear_object (&self->sorted);
  g_clear_object (&self->store);
  g_clear_object (&self->engine);

  G_OBJECT_CLASS (authsim_grants_view_parent_class)->dispose (object);
}

static void
authsim_grants_view_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  AuthsimGrantsView *self = AUTHSIM_GRANTS_VIEW (object);

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
authsim_grants_view_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  AuthsimGrantsView *self = AUTHSIM_GRANTS_VIEW (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      authsim_grants_view_set_engine (self, g_value_get_object (value));
      break;
    case PROP_STORE:
      authsim_grants_view_set_store (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_grants_view_class_init (AuthsimGrantsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = authsim_grants_view_dispose;
  object_class->get_property = authsim_grants_view_get_property;
  object_class->set_property = authsim_grants_view_set_property;

  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL, AUTHSIM_TYPE_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS);
  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, AUTHSIM_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The UI resources live in a static library: referencing them links their constructor,
   * which registers them. */
  (void) authsim_get_resource ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               APP_PATH "/authsim-grants-view.ui");
  gtk_widget_class_bind_template_child (widget_class, AuthsimGrantsView, stack);
  gtk_widget_class_bind_template_child (widget_class, AuthsimGrantsView, list_box);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "grantsview");
}

static void
authsim_grants_view_init (AuthsimGrantsView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_list_box_set_header_func (self->list_box, update_header, self, NULL);
  update_stack (self);
}

GtkWidget *
authsim_grants_view_new (AuthsimEngine *engine,
                         AuthsimStore  *store)
{
  g_return_val_if_fail (engine == NULL || AUTHSIM_IS_ENGINE (engine), NULL);
  g_return_val_if_fail (store == NULL || AUTHSIM_IS_STORE (store), NULL);

  return g_object_new (AUTHSIM_TYPE_GRANTS_VIEW, "engine", engine, "store", store, NULL);
}
