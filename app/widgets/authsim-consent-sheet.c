/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "authsim-app-icon.h"
#include "authsim-consent-sheet.h"
#include "authsim-resources.h"
#include "authsim-user-info-label.h"

struct _AuthsimConsentSheet
{
  GtkWidget       parent_instance;

  AuthsimEngine  *engine;
  AuthsimRequest *request;
  gulong          answered_handler;

  GtkWidget      *sheet_box;
  GtkStack       *icon_stack;
  GtkImage       *icon_image;
  GtkLabel       *icon_letter;
  GtkLabel       *app_name_label;
  GtkLabel       *title_label;
  GtkBox         *info_box;
  GtkLabel       *agreement_label;
  GtkButton      *close_button;
  GtkButton      *reject_button;
  GtkButton      *allow_button;
};

G_DEFINE_FINAL_TYPE (AuthsimConsentSheet, authsim_consent_sheet, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ENGINE,
  PROP_REQUEST,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* What the popup lists for a consent scope other than auth_user. */
static const struct
{
  const char *scope;
  const char *label;
} scope_labels[] = {
  { "auth_user", N_("Your public information (nickname, avatar)") },
  { "auth_zhima", N_("Your Zhima credit score") },
  { "order_service", N_("Your order information") },
  { "auth_ecard", N_("Your electronic cards and certificates") },
  { "auth_invoice_info", N_("Your invoice titles") },
  { "auth_life_msg", N_("Sending you service messages") },
  { "auth_campus", N_("Your campus identity") },
};

static const char *
scope_label (const char *scope)
{
  for (guint i = 0; i < G_N_ELEMENTS (scope_labels); i++)
    if (g_str_equal (scope_labels[i].scope, scope))
      return _(scope_labels[i].label);
  return scope;
}

static void
clear_info (AuthsimConsentSheet *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->info_box))) != NULL)
    gtk_box_remove (self->info_box, child);
}

/* A bullet line of the requested information; @detail (nullable) goes under it, in the same
 * row (the popup still asks for one thing). */
static void
add_info_line (AuthsimConsentSheet *self,
               const char          *text,
               const char          *detail)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
  GtkWidget *dot = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (row, "consent-info-row");
  gtk_widget_add_css_class (dot, "consent-bullet");
  /* Level with the first line (style.css gives the offset), also over a detail line. */
  gtk_widget_set_valign (dot, GTK_ALIGN_START);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_widget_set_hexpand (texts, TRUE);
  gtk_box_append (GTK_BOX (texts), label);
  if (detail != NULL)
    {
      GtkWidget *under = gtk_label_new (detail);

      gtk_label_set_xalign (GTK_LABEL (under), 0);
      gtk_widget_add_css_class (under, "consent-info-detail");
      gtk_box_append (GTK_BOX (texts), under);
    }
  gtk_box_append (GTK_BOX (row), dot);
  gtk_box_append (GTK_BOX (row), texts);
  gtk_box_append (self->info_box, row);
}

/* The one item the popup of a getAuthorize button or a settings switch asks for (SPEC §10.4). */
static const char *
authorize_scope_label (const char *scope)
{
  if (g_str_equal (scope, "userInfo"))
    /* Translators: the one item of the member basic info popup; Alipay says
     * 会员基础信息（头像、昵称） */
    return _("Member basic info (avatar, nickname)");
  if (g_str_equal (scope, "phoneNumber"))
    /* Translators: the one item of the phone number popup; Alipay says 你的手机号码 */
    return _("Your mobile number");
  return scope;
}

/* "138****8000", as Alipay shows the number it will hand out; NULL when there is none. */
static char *
masked_mobile (AuthsimConsentSheet *self)
{
  AuthsimUser *user = self->engine != NULL ? authsim_engine_get_active_user (self->engine) : NULL;
  const char *mobile = user != NULL ? authsim_user_get_info_value (user, "mobile") : NULL;
  gsize length = mobile != NULL ? strlen (mobile) : 0;

  if (length == 0 || !g_str_is_ascii (mobile))
    return NULL;
  if (length < 8)
    return g_strdup (mobile);
  return g_strdup_printf ("%.3s****%s", mobile, mobile + length - 4);
}

static void
add_scope_info (AuthsimConsentSheet *self,
                const char          *scope)
{
  g_autofree char *mobile = NULL;
  g_autofree char *detail = NULL;

  if (g_str_equal (scope, "phoneNumber") && (mobile = masked_mobile (self)) != NULL)
    /* Translators: under "Your mobile number" in the phone number popup; %s is the masked
     * number, e.g. 138****8000. Alipay says 支付宝绑定号码 %s */
    detail = g_strdup_printf (_("Bound to Alipay: %s"), mobile);
  add_info_line (self, authorize_scope_label (scope), detail);
}

static void
update_sensitivity (AuthsimConsentSheet *self)
{
  gboolean open = self->request != NULL && !authsim_request_get_answered (self->request);

  gtk_widget_set_sensitive (GTK_WIDGET (self->allow_button), open);
  gtk_widget_set_sensitive (GTK_WIDGET (self->reject_button), open);
  gtk_widget_set_sensitive (GTK_WIDGET (self->close_button), open);
}

static void
update_contents (AuthsimConsentSheet *self)
{
  const char *name;
  const char * const *scopes;
  const char * const *fields;
  g_autofree char *title = NULL;
  g_autofree char *letter = NULL;
  g_autofree char *link = NULL;
  g_autofree char *agreement = NULL;

  clear_info (self);
  update_sensitivity (self);
  if (self->request == NULL)
    return;

  name = authsim_request_get_app_name (self->request);
  gtk_label_set_text (self->app_name_label, name);

  letter = authsim_app_icon_letter (name);
  gtk_label_set_text (self->icon_letter, letter);
  if (authsim_app_icon_load (self->icon_image, authsim_request_get_app_icon (self->request)))
    gtk_stack_set_visible_child_name (self->icon_stack, "image");
  else
    gtk_stack_set_visible_child_name (self->icon_stack, "letter");

  /* Translators: the consent popup's title; %s is the mini program's name.
   * Alipay says 授权 %s 获取以下信息为你服务 */
  title = g_strdup_printf (_("Authorize %s to use the following information"), name);
  gtk_label_set_text (self->title_label, title);

  /* auth_user lists the approved user-info fields, one line each (aggregated in one popup);
   * every other consent scope gets a line of its own. */
  scopes = authsim_request_get_scopes (self->request);
  fields = authsim_request_get_fields (self->request);
  if (authsim_request_get_scope (self->request) != NULL)
    add_scope_info (self, authsim_request_get_scope (self->request));
  else for (guint i = 0; scopes[i] != NULL; i++)
    {
      if (g_str_equal (scopes[i], "auth_user") && fields[0] != NULL)
        {
          for (guint j = 0; fields[j] != NULL; j++)
            add_info_line (self, authsim_user_info_label (fields[j]), NULL);
        }
      else
        add_info_line (self, scope_label (scopes[i]), NULL);
    }

  link = g_markup_printf_escaped ("<span foreground=\"#1677FF\">%s</span>",
                                  _("User Authorization Agreement"));
  /* Translators: %s is "User Authorization Agreement" (用户授权协议), shown as a link */
  agreement = g_strdup_printf (_("By allowing you agree to the %s"), link);
  gtk_label_set_markup (self->agreement_label, agreement);
}

static void
answered_cb (AuthsimConsentSheet *self)
{
  update_sensitivity (self);
}

gboolean
authsim_consent_sheet_respond (AuthsimConsentSheet *self,
                               AuthsimDecision      decision)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_return_val_if_fail (AUTHSIM_IS_CONSENT_SHEET (self), FALSE);

  if (self->request == NULL || authsim_request_get_answered (self->request))
    return FALSE;

  /* The engine decides: it answers the request it holds open (the one shown here). */
  if (self->engine != NULL && authsim_engine_get_request (self->engine) == self->request)
    ok = authsim_engine_respond (self->engine, decision, AUTHSIM_ANSWER_SOURCE_UI, &error);
  else
    ok = authsim_request_respond (self->request, decision, AUTHSIM_ANSWER_SOURCE_UI, &error);

  if (!ok)
    g_debug ("Consent sheet: %s", error->message);
  return ok;
}

static void
allow_clicked_cb (AuthsimConsentSheet *self)
{
  authsim_consent_sheet_respond (self, AUTHSIM_DECISION_ALLOW);
}

static void
reject_clicked_cb (AuthsimConsentSheet *self)
{
  authsim_consent_sheet_respond (self, AUTHSIM_DECISION_REJECT);
}

static void
close_clicked_cb (AuthsimConsentSheet *self)
{
  authsim_consent_sheet_respond (self, AUTHSIM_DECISION_CLOSE);
}

/* Escape is the Android back key: it closes the popup (error 3) while one is open, and is
 * left alone otherwise. */
static gboolean
escape_cb (GtkWidget *widget,
           GVariant  *args,
           gpointer   user_data)
{
  AuthsimConsentSheet *self = AUTHSIM_CONSENT_SHEET (widget);

  if (!gtk_widget_get_visible (widget))
    return FALSE;
  return authsim_consent_sheet_respond (self, AUTHSIM_DECISION_CLOSE);
}

static gboolean
authsim_consent_sheet_grab_focus (GtkWidget *widget)
{
  AuthsimConsentSheet *self = AUTHSIM_CONSENT_SHEET (widget);

  /* Focus lands on the primary button, as on the phone. */
  return gtk_widget_grab_focus (GTK_WIDGET (self->allow_button));
}

static void
authsim_consent_sheet_dispose (GObject *object)
{
  AuthsimConsentSheet *self = AUTHSIM_CONSENT_SHEET (object);

  if (self->request != NULL)
    g_clear_signal_handler (&self->answered_handler, self->request);
  g_clear_object (&self->request);
  g_clear_object (&self->engine);

  gtk_widget_dispose_template (GTK_WIDGET (self), AUTHSIM_TYPE_CONSENT_SHEET);

  G_OBJECT_CLASS (authsim_consent_sheet_parent_class)->dispose (object);
}

static void
authsim_consent_sheet_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  AuthsimConsentSheet *self = AUTHSIM_CONSENT_SHEET (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;
    case PROP_REQUEST:
      g_value_set_object (value, self->request);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_consent_sheet_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  AuthsimConsentSheet *self = AUTHSIM_CONSENT_SHEET (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      authsim_consent_sheet_set_engine (self, g_value_get_object (value));
      break;
    case PROP_REQUEST:
      authsim_consent_sheet_set_request (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_consent_sheet_class_init (AuthsimConsentSheetClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = authsim_consent_sheet_dispose;
  object_class->get_property = authsim_consent_sheet_get_property;
  object_class->set_property = authsim_consent_sheet_set_property;
  widget_class->grab_focus = authsim_consent_sheet_grab_focus;

  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL, AUTHSIM_TYPE_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_REQUEST] =
    g_param_spec_object ("request", NULL, NULL, AUTHSIM_TYPE_REQUEST,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The UI resources live in a static library: referencing them links their constructor,
   * which registers them. */
  (void) authsim_get_resource ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               APP_PATH "/authsim-consent-sheet.ui");
  gtk_widget_class_bind_template_child (widget_class, AuthsimConsentSheet, sheet_box);
  gtk_widget_class_bind_template_child (widget_class, AuthsimConsentSheet, icon_stack);
  gtk_widget_class_bind_template_child (widget_class, AuthsimConsentSheet, icon_image);
  gtk_widget_class_bind_template_child (widget_class, AuthsimConsentSheet, icon_letter);
  gtk_widget_class_bind_template_child (widget_class, AuthsimConsentSheet, app_name_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimConsentSheet, title_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimConsentSheet, info_box);
  gtk_widget_class_bind_template_child (widget_class, AuthsimConsentSheet, agreement_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimConsentSheet, close_button);
  gtk_widget_class_bind_template_child (widget_class, AuthsimConsentSheet, reject_button);
  gtk_widget_class_bind_template_child (widget_class, AuthsimConsentSheet, allow_button);
  gtk_widget_class_bind_template_callback (widget_class, allow_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, reject_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, close_clicked_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "consentsheet");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_DIALOG);
}

static void
authsim_consent_sheet_init (AuthsimConsentSheet *self)
{
  GtkEventController *shortcuts;

  gtk_widget_init_template (GTK_WIDGET (self));

  /* Managed scope: Escape reaches the sheet from anywhere in the window while it is open,
   * even when the tester has clicked elsewhere; escape_cb lets it through otherwise. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                     GTK_SHORTCUT_SCOPE_MANAGED);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                                                          gtk_callback_action_new (escape_cb, NULL, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);

  update_contents (self);
}

void
authsim_consent_sheet_set_engine (AuthsimConsentSheet *self,
                                  AuthsimEngine       *engine)
{
  g_return_if_fail (AUTHSIM_IS_CONSENT_SHEET (self));
  g_return_if_fail (engine == NULL || AUTHSIM_IS_ENGINE (engine));

  if (g_set_object (&self->engine, engine))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINE]);
}

AuthsimRequest *
authsim_consent_sheet_get_request (AuthsimConsentSheet *self)
{
  g_return_val_if_fail (AUTHSIM_IS_CONSENT_SHEET (self), NULL);
  return self->request;
}

void
authsim_consent_sheet_set_request (AuthsimConsentSheet *self,
                                   AuthsimRequest      *request)
{
  g_return_if_fail (AUTHSIM_IS_CONSENT_SHEET (self));
  g_return_if_fail (request == NULL || AUTHSIM_IS_REQUEST (request));

  if (self->request == request)
    return;

  if (self->request != NULL)
    g_clear_signal_handler (&self->answered_handler, self->request);
  g_set_object (&self->request, request);
  if (request != NULL)
    self->answered_handler = g_signal_connect_swapped (request, "notify::answered",
                                                       G_CALLBACK (answered_cb), self);
  update_contents (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REQUEST]);
}
