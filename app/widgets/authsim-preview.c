/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "authsim-app-icon.h"
#include "authsim-consent-sheet.h"
#include "authsim-enums.h"
#include "authsim-preview.h"
#include "authsim-resources.h"
#include "authsim-settings-page.h"

struct _AuthsimPreview
{
  GtkWidget       parent_instance;

  AuthsimEngine  *engine;
  AuthsimProfile *profile;      /* the engine's, watched for name and host */
  GSignalGroup   *engine_signals;
  char           *status;
  /* Where focus was before the sheet / the settings page took it; given back when it closes. */
  GWeakRef        focus_before_sheet;
  GWeakRef        focus_before_settings;
  gboolean        updating_container;

  GtkWidget      *preview_box;
  GtkToggleButton *mini_program_toggle;
  GtkToggleButton *plugin_toggle;
  GtkToggleButton *web_view_toggle;
  GtkWidget      *screen_overlay;
  GtkWidget      *content_box;
  GtkRevealer    *settings_revealer;
  AuthsimSettingsPage *settings_page;
  GtkButton      *back_button;
  GtkLabel       *title_label;
  GtkLabel       *context_label;
  GtkScrolledWindow *page_scroller;
  GtkWidget      *page_box;
  GtkWidget      *app_card;
  GtkStack       *card_icon_stack;
  GtkImage       *card_icon_image;
  GtkLabel       *card_icon_letter;
  GtkLabel       *card_name_label;
  GtkLabel       *card_detail_label;
  GtkWidget      *member_card;
  GtkStack       *avatar_stack;
  GtkImage       *avatar_image;
  GtkLabel       *avatar_letter;
  GtkLabel       *nickname_label;
  GtkLabel       *body_label;
  GtkBox         *buttons_box;
  GtkRevealer    *scrim_revealer;
  GtkRevealer    *sheet_revealer;
  AuthsimConsentSheet *sheet;
  GtkWidget      *banner_box;
  GtkLabel       *banner_label;
  GtkWidget      *toast_label;
  GtkWidget      *first_screen_label;
  GtkLabel       *status_label;
  GtkPopover     *more_popover;
  GtkWidget      *settings_button;
  GtkLabel       *more_name_label;
  GtkLabel       *more_detail_label;
};

G_DEFINE_FINAL_TYPE (AuthsimPreview, authsim_preview, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ENGINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The button's profile label: the name authsim_engine_tap() knows it by. */
#define BUTTON_LABEL_KEY "authsim-button-label"

static void
button_clicked_cb (GtkButton      *button,
                   AuthsimPreview *self)
{
  const char *label = g_object_get_data (G_OBJECT (button), BUTTON_LABEL_KEY);
  g_autoptr(GError) error = NULL;

  if (self->engine == NULL || label == NULL)
    return;
  if (!authsim_engine_tap (self->engine, label, &error))
    g_debug ("Tapping “%s”: %s", label, error->message);
}

static void
clear_buttons (AuthsimPreview *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->buttons_box))) != NULL)
    gtk_box_remove (self->buttons_box, child);
}

static gboolean
is_launch_page (AuthsimPreview    *self,
                const AuthsimPage *page)
{
  return self->profile != NULL &&
         authsim_profile_get_n_pages (self->profile) > 0 &&
         authsim_profile_get_page (self->profile, 0) == page;
}

static void
update_app_card (AuthsimPreview *self)
{
  const char *name;
  const char *app_id;
  g_autofree char *letter = NULL;
  g_autofree char *detail = NULL;

  if (self->profile == NULL)
    return;

  name = authsim_profile_get_name (self->profile);
  app_id = authsim_profile_get_app_id (self->profile);
  letter = authsim_app_icon_letter (name);

  gtk_label_set_text (self->card_name_label, name);
  gtk_label_set_text (self->card_icon_letter, letter);
  if (authsim_app_icon_load (self->card_icon_image, authsim_profile_get_icon (self->profile)))
    gtk_stack_set_visible_child_name (self->card_icon_stack, "image");
  else
    gtk_stack_set_visible_child_name (self->card_icon_stack, "letter");

  /* Translators: under the mini program's name on its launch page; %s is its 16-digit appId */
  detail = g_strdup_printf (_("Mini program · %s"), app_id);
  gtk_label_set_text (self->card_detail_label, detail);

  gtk_label_set_text (self->more_name_label, name);
  /* Translators: in the capsule's ··· popover; %s is the 16-digit appId */
  g_clear_pointer (&detail, g_free);
  detail = g_strdup_printf (_("App ID %s"), app_id);
  gtk_label_set_text (self->more_detail_label, detail);
}

static void
rebuild_page (AuthsimPreview *self)
{
  const AuthsimPage *page;
  const char *body;
  guint n_buttons;

  clear_buttons (self);

  page = self->engine != NULL ? authsim_engine_get_page (self->engine) : NULL;
  if (page == NULL)
    {
      gtk_label_set_text (self->title_label, "");
      gtk_widget_set_visible (GTK_WIDGET (self->body_label), FALSE);
      gtk_widget_set_visible (self->app_card, FALSE);
      return;
    }

  gtk_label_set_text (self->title_label, authsim_page_get_title (page));

  body = authsim_page_get_body (page);
  gtk_label_set_text (self->body_label, body != NULL ? body : "");
  gtk_widget_set_visible (GTK_WIDGET (self->body_label), body != NULL && *body != '\0');

  update_app_card (self);
  gtk_widget_set_visible (self->app_card, is_launch_page (self, page));

  n_buttons = authsim_page_get_n_buttons (page);
  for (guint i = 0; i < n_buttons; i++)
    {
      const char *label = authsim_page_get_button_label (page, i);
      GtkWidget *button = gtk_button_new_with_label (label);

      g_object_set_data_full (G_OBJECT (button), BUTTON_LABEL_KEY, g_strdup (label), g_free);
      gtk_widget_add_css_class (button, "mp-button");
      /* One primary action per screen, as Alipay's design asks: the first button is filled
       * blue, the others outlined. */
      gtk_widget_add_css_class (button, i == 0 ? "mp-primary" : "mp-secondary");
      g_signal_connect (button, "clicked", G_CALLBACK (button_clicked_cb), self);
      gtk_box_append (self->buttons_box, button);
    }

  /* A new page starts at its top. */
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->page_scroller), 0);
}

static void
update_back (AuthsimPreview *self)
{
  /* Not while the popup blocks the page. */
  gboolean can = self->engine != NULL && authsim_engine_get_can_go_back (self->engine) &&
                 authsim_engine_get_request (self->engine) == NULL;

  gtk_widget_set_sensitive (GTK_WIDGET (self->back_button), can);
}

static void
update_context (AuthsimPreview *self)
{
  AuthsimContainer container;
  GtkToggleButton *toggle;

  if (self->engine == NULL)
    return;

  container = authsim_engine_get_container (self->engine);
  switch (container)
    {
    case AUTHSIM_CONTAINER_PLUGIN:
      toggle = self->plugin_toggle;
      break;
    case AUTHSIM_CONTAINER_WEB_VIEW:
      toggle = self->web_view_toggle;
      break;
    case AUTHSIM_CONTAINER_MINI_PROGRAM:
    default:
      toggle = self->mini_program_toggle;
      break;
    }

  self->updating_container = TRUE;
  gtk_toggle_button_set_active (toggle, TRUE);
  self->updating_container = FALSE;

  gtk_widget_remove_css_class (self->screen_overlay, "plugin");
  gtk_widget_remove_css_class (self->screen_overlay, "web-view");

  if (container == AUTHSIM_CONTAINER_PLUGIN)
    {
      const char *host = self->profile != NULL ? authsim_profile_get_host_name (self->profile) : NULL;
      g_autofree char *text = NULL;

      if (host != NULL)
        /* Translators: under the page title in plugin context; %s is the host mini program */
        text = g_strdup_printf (_("in %s"), host);
      else
        text = g_strdup (_("Plugin without a host mini program"));
      gtk_label_set_text (self->context_label, text);
      gtk_widget_set_visible (GTK_WIDGET (self->context_label), TRUE);
      gtk_widget_add_css_class (self->screen_overlay, "plugin");
    }
  else if (container == AUTHSIM_CONTAINER_WEB_VIEW)
    {
      gtk_label_set_text (self->context_label, _("web-view page: my.getAuthCode does not exist here"));
      gtk_widget_set_visible (GTK_WIDGET (self->context_label), TRUE);
      gtk_widget_add_css_class (self->screen_overlay, "web-view");
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->context_label), FALSE);
}

static void
container_toggled_cb (AuthsimPreview  *self,
                      GtkToggleButton *toggle)
{
  AuthsimContainer container;

  if (self->updating_container || self->engine == NULL || !gtk_toggle_button_get_active (toggle))
    return;

  if (toggle == self->plugin_toggle)
    container = AUTHSIM_CONTAINER_PLUGIN;
  else if (toggle == self->web_view_toggle)
    container = AUTHSIM_CONTAINER_WEB_VIEW;
  else
    container = AUTHSIM_CONTAINER_MINI_PROGRAM;

  authsim_engine_set_container (self->engine, container);
}

static void
update_status (AuthsimPreview *self)
{
  AuthsimRequest *request = NULL;
  const char *state;
  guint pending = 0;
  g_autofree char *text = NULL;

  if (self->engine != NULL)
    {
      request = authsim_engine_get_request (self->engine);
      pending = authsim_engine_get_pending (self->engine);
    }

  /* Scripts wait on this line (it is also the accessible name of a status object). */
  if (request != NULL)
    /* Translators: a state of the preview, shown as "Status: authorization popup open" */
    state = _("authorization popup open");
  else if (self->engine != NULL && authsim_engine_get_toast (self->engine) != NULL)
    /* Translators: a state of the preview (the busy toast is on screen): "Status: toast" */
    state = _("toast");
  else if (self->engine != NULL && authsim_engine_get_settings_open (self->engine))
    /* Translators: a state of the preview (the mini program's settings page is over it):
     * "Status: settings page open" */
    state = _("settings page open");
  else
    /* Translators: a state of the preview (nothing on screen, no call waiting): "Status: idle" */
    state = _("idle");

  if (pending > 0)
    {
      g_autofree char *queued =
        /* Translators: part of the preview's status line, e.g. "Status: toast, 2 calls queued" */
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u call queued", "%u calls queued", pending),
                         pending);
      /* Translators: the preview's status line with queued calls: "Status: <state>, <queued>" */
      text = g_strdup_printf (_("Status: %s, %s"), state, queued);
    }
  else
    /* Translators: the preview's status line, e.g. "Status: idle" */
    text = g_strdup_printf (_("Status: %s"), state);

  if (g_strcmp0 (text, self->status) == 0)
    return;

  g_free (self->status);
  self->status = g_steal_pointer (&text);
  gtk_label_set_text (self->status_label, self->status);
}

static void
update_toast (AuthsimPreview *self)
{
  gboolean shown = self->engine != NULL && authsim_engine_get_toast (self->engine) != NULL;

  /* The engine holds Alipay's Chinese payload text; the preview shows it in the UI language. */
  gtk_widget_set_visible (self->toast_label, shown);
  update_status (self);
}

static void
update_banner (AuthsimPreview *self)
{
  gboolean shown = self->engine != NULL && authsim_engine_get_banner (self->engine) != NULL;

  if (shown)
    {
      const char *heading = _("First-screen rule");
      const char *body;
      g_autofree char *markup = NULL;
      g_autofree char *text = NULL;

      if (authsim_engine_get_first_screen_rule (self->engine) == AUTHSIM_FIRST_SCREEN_RULE_ENFORCE)
        body = _("my.getAuthCode asked for consent before the user interacted. Alipay review "
                 "rejects this: the popup was blocked and the call failed with error 3.");
      else
        body = _("my.getAuthCode asked for consent before the user interacted. Alipay review "
                 "rejects this.");

      /* Translators: the first-screen banner: "<heading>: <explanation>" */
      markup = g_markup_printf_escaped (_("<b>%s:</b> %s"), heading, body);
      text = g_strdup_printf (_("%s: %s"), heading, body);
      gtk_label_set_markup (self->banner_label, markup);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->banner_box),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, text,
                                      -1);
    }
  gtk_widget_set_visible (self->banner_box, shown);
}

static void
update_first_screen (AuthsimPreview *self)
{
  gboolean first = self->engine != NULL && authsim_engine_get_first_screen (self->engine);

  gtk_widget_set_visible (self->first_screen_label, first);
}

static void
restore_focus (AuthsimPreview *self)
{
  g_autoptr(GtkWidget) previous = g_weak_ref_get (&self->focus_before_sheet);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  g_weak_ref_set (&self->focus_before_sheet, NULL);
  if (previous == NULL || root == NULL || gtk_widget_get_root (previous) != root)
    return;
  if (gtk_widget_get_mapped (previous) && gtk_widget_is_sensitive (previous))
    gtk_widget_grab_focus (previous);
}

static void
sheet_child_revealed_cb (AuthsimPreview *self)
{
  /* Once the sheet has slid away it leaves the accessibility tree as well. */
  if (!gtk_revealer_get_child_revealed (self->sheet_revealer) &&
      !gtk_revealer_get_reveal_child (self->sheet_revealer))
    gtk_widget_set_visible (GTK_WIDGET (self->sheet), FALSE);
}

static void
update_actions (AuthsimPreview *self)
{
  /* The capsule cannot be reached under the popup, and the page is open already. */
  gboolean can_open = self->engine != NULL &&
                      !authsim_engine_get_settings_open (self->engine) &&
                      authsim_engine_get_request (self->engine) == NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "preview.open-settings", can_open);
}

static void
update_request (AuthsimPreview *self)
{
  AuthsimRequest *request = self->engine != NULL ? authsim_engine_get_request (self->engine) : NULL;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  gboolean was_open = gtk_revealer_get_reveal_child (self->sheet_revealer);

  if (request != NULL)
    {
      /* Remember the focus before blocking the page takes it away. */
      if (!was_open && root != NULL)
        {
          GtkWidget *focus = gtk_root_get_focus (root);

          if (focus != NULL && !gtk_widget_is_ancestor (focus, GTK_WIDGET (self->sheet)))
            g_weak_ref_set (&self->focus_before_sheet, focus);
        }

      authsim_consent_sheet_set_request (self->sheet, request);
      /* The page under the scrim cannot be operated: the popup is modal for the phone. */
      gtk_widget_set_sensitive (self->page_box, FALSE);
      gtk_widget_set_sensitive (GTK_WIDGET (self->settings_page), FALSE);
      update_back (self);
      gtk_widget_add_css_class (self->screen_overlay, "blocked");
      gtk_widget_set_visible (GTK_WIDGET (self->sheet), TRUE);
      gtk_revealer_set_reveal_child (self->scrim_revealer, TRUE);
      gtk_revealer_set_reveal_child (self->sheet_revealer, TRUE);

      gtk_widget_grab_focus (GTK_WIDGET (self->sheet));
    }
  else
    {
      GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
      /* Give focus back unless the user moved it out of the sheet meanwhile (answering makes
       * the sheet's buttons insensitive, which drops their focus: NULL counts as "in"). */
      gboolean sheet_had_focus = focus == NULL ||
                                 focus == GTK_WIDGET (self->sheet) ||
                                 gtk_widget_is_ancestor (focus, GTK_WIDGET (self->sheet));

      gtk_widget_set_sensitive (self->page_box, TRUE);
      gtk_widget_set_sensitive (GTK_WIDGET (self->settings_page), TRUE);
      gtk_widget_remove_css_class (self->screen_overlay, "blocked");
      update_back (self);
      gtk_revealer_set_reveal_child (self->scrim_revealer, FALSE);
      gtk_revealer_set_reveal_child (self->sheet_revealer, FALSE);
      /* Without animations the revealer is done at once. */
      sheet_child_revealed_cb (self);

      if (was_open && sheet_had_focus)
        restore_focus (self);
      else
        g_weak_ref_set (&self->focus_before_sheet, NULL);
    }

  update_actions (self);
  update_status (self);
}

/* The nickname and avatar the page got from my.getOpenUserInfo (SPEC §10.3): a real mini
 * program shows them once its call succeeded. */
static void
update_member (AuthsimPreview *self)
{
  const char *nickname = NULL;
  const char *avatar = NULL;
  const char *image = NULL;
  g_autofree char *letter = NULL;

  if (self->engine != NULL)
    {
      nickname = authsim_engine_get_page_nickname (self->engine);
      avatar = authsim_engine_get_page_avatar (self->engine);
      image = authsim_engine_get_page_avatar_image (self->engine);
    }

  gtk_widget_set_visible (self->member_card, nickname != NULL || avatar != NULL);
  if (nickname == NULL && avatar == NULL)
    return;

  /* A user without a nickname gets none in the answer (the key is omitted). */
  gtk_label_set_text (self->nickname_label,
                      nickname != NULL ? nickname
                                       /* Translators: on the page, when my.getOpenUserInfo
                                        * gave an avatar but no nickname */
                                       : _("No nickname"));
  letter = authsim_app_icon_letter (nickname);
  gtk_label_set_text (self->avatar_letter, letter);
  if (avatar != NULL && authsim_app_icon_load (self->avatar_image, image))
    gtk_stack_set_visible_child_name (self->avatar_stack, "image");
  else
    gtk_stack_set_visible_child_name (self->avatar_stack, "letter");
}

static void
settings_child_revealed_cb (AuthsimPreview *self)
{
  /* Once the page has slid away it leaves the accessibility tree as well. */
  if (!gtk_revealer_get_child_revealed (self->settings_revealer) &&
      !gtk_revealer_get_reveal_child (self->settings_revealer))
    gtk_widget_set_visible (GTK_WIDGET (self->settings_page), FALSE);
}

static gboolean
focus_is_in (GtkWidget *focus,
             GtkWidget *widget)
{
  return focus != NULL && (focus == widget || gtk_widget_is_ancestor (focus, widget));
}

/* The settings page slides in over the mini program's page (its own navigation bar replaces
 * the page's, as in Alipay); the page under it is out of reach, for AT-SPI too. */
static void
update_settings (AuthsimPreview *self)
{
  gboolean open = self->engine != NULL && authsim_engine_get_settings_open (self->engine);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  GtkWidget *page = GTK_WIDGET (self->settings_page);

  if (open != gtk_revealer_get_reveal_child (self->settings_revealer))
    {
      if (open)
        {
          if (focus != NULL && !focus_is_in (focus, page))
            g_weak_ref_set (&self->focus_before_settings, focus);
          gtk_widget_set_visible (page, TRUE);
          gtk_revealer_set_reveal_child (self->settings_revealer, TRUE);
          gtk_widget_set_sensitive (self->content_box, FALSE);
          gtk_accessible_update_state (GTK_ACCESSIBLE (self->content_box),
                                       GTK_ACCESSIBLE_STATE_HIDDEN, TRUE,
                                       -1);
          if (self->engine != NULL && authsim_engine_get_request (self->engine) == NULL)
            gtk_widget_grab_focus (page);
        }
      else
        {
          g_autoptr(GtkWidget) previous = g_weak_ref_get (&self->focus_before_settings);
          gboolean page_had_focus = focus == NULL || focus_is_in (focus, page);

          g_weak_ref_set (&self->focus_before_settings, NULL);
          gtk_widget_set_sensitive (self->content_box, TRUE);
          gtk_accessible_update_state (GTK_ACCESSIBLE (self->content_box),
                                       GTK_ACCESSIBLE_STATE_HIDDEN, FALSE,
                                       -1);
          gtk_revealer_set_reveal_child (self->settings_revealer, FALSE);
          /* Without animations the revealer is done at once. */
          settings_child_revealed_cb (self);
          if (page_had_focus && previous != NULL && gtk_widget_get_root (previous) == root &&
              gtk_widget_get_mapped (previous) && gtk_widget_is_sensitive (previous))
            gtk_widget_grab_focus (previous);
        }
    }

  update_actions (self);
  update_status (self);
}

/* The ··· menu opens on its action (设置), not on the selectable name, which would show
 * selected. */
static void
more_popover_show_cb (AuthsimPreview *self)
{
  gtk_widget_grab_focus (self->settings_button);
  gtk_label_select_region (self->more_name_label, 0, 0);
}

static void
open_settings_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  AuthsimPreview *self = AUTHSIM_PREVIEW (widget);
  g_autoptr(GError) error = NULL;

  gtk_popover_popdown (self->more_popover);
  if (self->engine != NULL && !authsim_engine_open_settings (self->engine, &error))
    g_debug ("Settings: %s", error->message);
}

static void
update_profile (AuthsimPreview *self)
{
  AuthsimProfile *profile = self->engine != NULL ? authsim_engine_get_profile (self->engine) : NULL;

  if (self->profile != NULL)
    g_signal_handlers_disconnect_by_data (self->profile, self);
  g_set_object (&self->profile, profile);
  if (profile != NULL)
    g_signal_connect_swapped (profile, "notify", G_CALLBACK (update_app_card), self);

  rebuild_page (self);
  update_context (self);
}

static void
update_all (AuthsimPreview *self)
{
  update_profile (self);
  update_back (self);
  update_toast (self);
  update_banner (self);
  update_first_screen (self);
  update_request (self);
  update_settings (self);
  update_member (self);
  update_status (self);
}

static void
back_clicked_cb (AuthsimPreview *self)
{
  g_autoptr(GError) error = NULL;

  if (self->engine != NULL && !authsim_engine_navigate_back (self->engine, &error))
    g_debug ("Back: %s", error->message);
}

static void
dismiss_clicked_cb (AuthsimPreview *self)
{
  if (self->engine != NULL)
    authsim_engine_dismiss_banner (self->engine);
}

static void
authsim_preview_dispose (GObject *object)
{
  AuthsimPreview *self = AUTHSIM_PREVIEW (object);

  if (self->profile != NULL)
    g_signal_handlers_disconnect_by_data (self->profile, self);
  g_clear_object (&self->profile);
  if (self->engine_signals != NULL)
    g_signal_group_set_target (self->engine_signals, NULL);
  g_clear_object (&self->engine_signals);
  g_clear_object (&self->engine);
  g_weak_ref_set (&self->focus_before_sheet, NULL);
  g_weak_ref_set (&self->focus_before_settings, NULL);

  gtk_widget_dispose_template (GTK_WIDGET (self), AUTHSIM_TYPE_PREVIEW);

  G_OBJECT_CLASS (authsim_preview_parent_class)->dispose (object);
}

static void
authsim_preview_finalize (GObject *object)
{
  AuthsimPreview *self = AUTHSIM_PREVIEW (object);

  g_weak_ref_clear (&self->focus_before_sheet);
  g_weak_ref_clear (&self->focus_before_settings);
  g_free (self->status);

  G_OBJECT_CLASS (authsim_preview_parent_class)->finalize (object);
}

static void
authsim_preview_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  AuthsimPreview *self = AUTHSIM_PREVIEW (object);

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
authsim_preview_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  AuthsimPreview *self = AUTHSIM_PREVIEW (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      authsim_preview_set_engine (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_preview_class_init (AuthsimPreviewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = authsim_preview_dispose;
  object_class->finalize = authsim_preview_finalize;
  object_class->get_property = authsim_preview_get_property;
  object_class->set_property = authsim_preview_set_property;

  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL, AUTHSIM_TYPE_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (AUTHSIM_TYPE_CONSENT_SHEET);
  g_type_ensure (AUTHSIM_TYPE_SETTINGS_PAGE);

  /* Links (and so registers) the UI resources of the static library. */
  (void) authsim_get_resource ();
  gtk_widget_class_set_template_from_resource (widget_class, APP_PATH "/authsim-preview.ui");
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, preview_box);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, mini_program_toggle);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, plugin_toggle);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, web_view_toggle);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, screen_overlay);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, content_box);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, settings_revealer);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, settings_page);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, back_button);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, title_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, context_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, page_scroller);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, page_box);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, app_card);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, card_icon_stack);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, card_icon_image);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, card_icon_letter);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, card_name_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, card_detail_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, member_card);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, avatar_stack);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, avatar_image);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, avatar_letter);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, nickname_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, body_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, buttons_box);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, scrim_revealer);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, sheet_revealer);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, sheet);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, banner_box);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, banner_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, toast_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, first_screen_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, status_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, more_popover);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, settings_button);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, more_name_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimPreview, more_detail_label);
  gtk_widget_class_bind_template_callback (widget_class, container_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, dismiss_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, sheet_child_revealed_cb);
  gtk_widget_class_bind_template_callback (widget_class, settings_child_revealed_cb);
  gtk_widget_class_bind_template_callback (widget_class, more_popover_show_cb);

  gtk_widget_class_install_action (widget_class, "preview.open-settings", NULL,
                                   open_settings_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "phonepreview");
}

static void
authsim_preview_init (AuthsimPreview *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_weak_ref_init (&self->focus_before_sheet, NULL);
  g_weak_ref_init (&self->focus_before_settings, NULL);

  self->engine_signals = g_signal_group_new (AUTHSIM_TYPE_ENGINE);
  g_signal_group_connect_swapped (self->engine_signals, "notify::profile",
                                  G_CALLBACK (update_profile), self);
  g_signal_group_connect_swapped (self->engine_signals, "notify::page-path",
                                  G_CALLBACK (rebuild_page), self);
  g_signal_group_connect_swapped (self->engine_signals, "notify::can-go-back",
                                  G_CALLBACK (update_back), self);
  g_signal_group_connect_swapped (self->engine_signals, "notify::container",
                                  G_CALLBACK (update_context), self);
  g_signal_group_connect_swapped (self->engine_signals, "notify::toast",
                                  G_CALLBACK (update_toast), self);
  g_signal_group_connect_swapped (self->engine_signals, "notify::banner",
                                  G_CALLBACK (update_banner), self);
  g_signal_group_connect_swapped (self->engine_signals, "notify::first-screen-rule",
                                  G_CALLBACK (update_banner), self);
  g_signal_group_connect_swapped (self->engine_signals, "notify::first-screen",
                                  G_CALLBACK (update_first_screen), self);
  g_signal_group_connect_swapped (self->engine_signals, "notify::request",
                                  G_CALLBACK (update_request), self);
  g_signal_group_connect_swapped (self->engine_signals, "notify::pending",
                                  G_CALLBACK (update_status), self);
  g_signal_group_connect_swapped (self->engine_signals, "notify::settings-open",
                                  G_CALLBACK (update_settings), self);
  g_signal_group_connect_swapped (self->engine_signals, "notify::page-nickname",
                                  G_CALLBACK (update_member), self);
  g_signal_group_connect_swapped (self->engine_signals, "notify::page-avatar",
                                  G_CALLBACK (update_member), self);
  g_signal_group_connect_swapped (self->engine_signals, "notify::page-avatar-image",
                                  G_CALLBACK (update_member), self);

  update_all (self);
}

GtkWidget *
authsim_preview_new (AuthsimEngine *engine)
{
  return g_object_new (AUTHSIM_TYPE_PREVIEW, "engine", engine, NULL);
}

void
authsim_preview_set_engine (AuthsimPreview *self,
                            AuthsimEngine  *engine)
{
  g_return_if_fail (AUTHSIM_IS_PREVIEW (self));
  g_return_if_fail (engine == NULL || AUTHSIM_IS_ENGINE (engine));

  if (!g_set_object (&self->engine, engine))
    return;

  authsim_consent_sheet_set_engine (self->sheet, engine);
  authsim_settings_page_set_engine (self->settings_page, engine);
  g_signal_group_set_target (self->engine_signals, engine);
  update_all (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINE]);
}

GtkWidget *
authsim_preview_get_sheet (AuthsimPreview *self)
{
  g_return_val_if_fail (AUTHSIM_IS_PREVIEW (self), NULL);
  return GTK_WIDGET (self->sheet);
}
