/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "authsim-composer.h"
#include "authsim-resources.h"
#include "authsim-enums.h"

struct _AuthsimComposer
{
  GtkWidget       parent_instance;

  AuthsimEngine  *engine;
  char           *error;

  /* Template children. */
  GtkDropDown    *api_dropdown;
  GtkWidget      *presets_grid;
  GtkLabel       *api_note_label;
  GtkButton      *call_button;
  GtkTextView    *editor;
  GtkTextBuffer  *buffer;
  GtkLabel       *error_label;
  GtkToggleButton *tap_toggle;
  GtkToggleButton *lifecycle_toggle;
  GtkLabel       *container_label;
};

G_DEFINE_FINAL_TYPE (AuthsimComposer, authsim_composer, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ENGINE,
  PROP_TRIGGER,
  PROP_API,
  PROP_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The presets: what each fills the editor with. The labels are in the template. */
static const struct
{
  const char *name;
  const char *json;
} presets[] = {
  { "auth-base", "{\"scopes\": \"auth_base\"}" },
  { "auth-user", "{\"scopes\": \"auth_user\"}" },
  { "array", "{\"scopes\": [\"auth_user\", \"auth_base\"]}" },
  { "invalid-scope", "{\"scopes\": \"auth_userinfo\"}" },
  { "wrong-type", "{\"scopes\": 42}" },
  { "no-params", "{}" },
};

/*
 * The call button's label for each API of the "API" choice, in AuthsimApi order: also its
 * accessible name. "Call my.getAuthCode" is SPEC §7's; the others follow its pattern.
 */
static const char * const call_labels[AUTHSIM_API_N_CALLABLE] = {
  /* Translators: my.getAuthCode is an API name: keep it */
  N_("Call my.getAuthCode"),
  /* Translators: my.getOpenUserInfo is an API name: keep it */
  N_("Call my.getOpenUserInfo"),
  /* Translators: my.getPhoneNumber is an API name: keep it */
  N_("Call my.getPhoneNumber"),
  /* Translators: my.getSetting is an API name: keep it */
  N_("Call my.getSetting"),
  /* Translators: my.openSetting is an API name: keep it */
  N_("Call my.openSetting"),
};

static const char *
container_display_name (AuthsimContainer container)
{
  switch (container)
    {
    case AUTHSIM_CONTAINER_MINI_PROGRAM:
      return C_("container", "Mini program");
    case AUTHSIM_CONTAINER_PLUGIN:
      return C_("container", "Plugin");
    case AUTHSIM_CONTAINER_WEB_VIEW:
      return C_("container", "Web-view");
    default:
      return "";
    }
}

static void
authsim_composer_update_container (AuthsimComposer *self)
{
  g_autofree char *text = NULL;

  if (self->engine == NULL)
    {
      gtk_label_set_text (self->container_label, "");
      return;
    }

  /* Translators: a caption under the call composer; %s is "Mini program", "Plugin" or
   * "Web-view", chosen in the phone preview. */
  text = g_strdup_printf (_("Container: %s"),
                          container_display_name (authsim_engine_get_container (self->engine)));
  gtk_label_set_text (self->container_label, text);
}

static void
engine_container_notify_cb (AuthsimEngine   *engine,
                            GParamSpec      *pspec,
                            AuthsimComposer *self)
{
  authsim_composer_update_container (self);
}

static void
authsim_composer_set_error (AuthsimComposer *self,
                            const char      *error)
{
  if (g_strcmp0 (self->error, error) == 0)
    return;

  g_free (self->error);
  self->error = g_strdup (error);

  gtk_label_set_text (self->error_label, error != NULL ? error : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), error != NULL);
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->editor),
                               GTK_ACCESSIBLE_STATE_INVALID,
                               error != NULL ? GTK_ACCESSIBLE_INVALID_TRUE
                                             : GTK_ACCESSIBLE_INVALID_FALSE,
                               -1);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

/*
 * json-glib reports "<data>:LINE:COLUMN: Parse error: …"; the composer shows it as
 * "Line LINE, column COLUMN: Parse error: …" so users need not know json-glib's format.
 */
static char *
format_parse_error (const GError *error)
{
  g_autoptr(GRegex) regex = NULL;
  g_autoptr(GMatchInfo) match = NULL;

  regex = g_regex_new ("^[^:]*:([0-9]+):([0-9]+): *(?:Parse error: *)?(.*)$", G_REGEX_DOTALL, 0,
                       NULL);
  if (regex != NULL && g_regex_match (regex, error->message, 0, &match))
    {
      g_autofree char *line = g_match_info_fetch (match, 1);
      g_autofree char *column = g_match_info_fetch (match, 2);
      g_autofree char *reason = g_match_info_fetch (match, 3);

      /* Translators: an error under the JSON editor; the last %s is json-glib's message. */
      return g_strdup_printf (_("Line %s, column %s: %s"), line, column, reason);
    }

  /* Translators: an error under the JSON editor, when json-glib gives no position. */
  return g_strdup_printf (_("Invalid JSON: %s"), error->message);
}

static void
update_api (AuthsimComposer *self)
{
  AuthsimApi api = authsim_composer_get_api (self);
  const char *nick = authsim_enum_to_nick (AUTHSIM_TYPE_API, api);
  gboolean takes_params = api == AUTHSIM_API_GET_AUTH_CODE;
  g_autofree char *note = NULL;

  gtk_button_set_label (self->call_button, _(call_labels[api]));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->call_button),
                               takes_params ? _("Call my.getAuthCode with these parameters "
                                                "(Ctrl+Enter)")
                                            : NULL);

  /* Only my.getAuthCode takes a parameter object; the others only take callbacks. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->editor), takes_params);
  gtk_widget_set_sensitive (self->presets_grid, takes_params);
  if (!takes_params)
    /* Translators: under the composer's JSON editor when the API chosen takes no parameter
     * object; %s is an API name such as my.getSetting */
    note = g_strdup_printf (_("my.%s takes no parameter object: the editor is not used."), nick);
  gtk_label_set_text (self->api_note_label, note != NULL ? note : "");
  gtk_widget_set_visible (GTK_WIDGET (self->api_note_label), note != NULL);
  if (!takes_params)
    authsim_composer_set_error (self, NULL);
}

static void
api_selected_cb (AuthsimComposer *self)
{
  update_api (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_API]);
}

guint
authsim_composer_call (AuthsimComposer *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint call;

  g_return_val_if_fail (AUTHSIM_IS_COMPOSER (self), 0);

  if (self->engine == NULL)
    return 0;

  if (authsim_composer_get_api (self) != AUTHSIM_API_GET_AUTH_CODE)
    return authsim_engine_call_api (self->engine, authsim_composer_get_api (self), NULL,
                                    authsim_composer_get_trigger (self),
                                    authsim_engine_get_container (self->engine));

  text = authsim_composer_dup_text (self);

  /* An empty editor means "no parameter object" (scopes absent: auth_base). Any valid JSON
   * (strict, as the JS bridge reads it) goes to the engine, which decides (a non-object gives
   * error 2) and logs it as written. */
  call = authsim_engine_call_text (self->engine, AUTHSIM_API_GET_AUTH_CODE, text,
                                   authsim_composer_get_trigger (self),
                                   authsim_engine_get_container (self->engine), &error);
  if (call == 0)
    {
      g_autofree char *message = format_parse_error (error);

      authsim_composer_set_error (self, message);
      return 0;
    }

  authsim_composer_set_error (self, NULL);
  return call;
}

static void
call_cb (GtkWidget  *widget,
         const char *action_name,
         GVariant   *parameter)
{
  authsim_composer_call (AUTHSIM_COMPOSER (widget));
}

static void
preset_cb (GtkWidget  *widget,
           const char *action_name,
           GVariant   *parameter)
{
  AuthsimComposer *self = AUTHSIM_COMPOSER (widget);
  const char *name = g_variant_get_string (parameter, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    if (g_str_equal (presets[i].name, name))
      {
        authsim_composer_set_text (self, presets[i].json);
        gtk_widget_grab_focus (GTK_WIDGET (self->editor));
        return;
      }
}

static void
buffer_changed_cb (GtkTextBuffer   *buffer,
                   AuthsimComposer *self)
{
  /* The error described the old text: drop it as soon as the user edits. */
  authsim_composer_set_error (self, NULL);
}

static void
trigger_toggled_cb (GtkToggleButton *button,
                    AuthsimComposer *self)
{
  if (gtk_toggle_button_get_active (button))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRIGGER]);
}

void
authsim_composer_set_engine (AuthsimComposer *self,
                             AuthsimEngine   *engine)
{
  g_return_if_fail (AUTHSIM_IS_COMPOSER (self));
  g_return_if_fail (engine == NULL || AUTHSIM_IS_ENGINE (engine));

  if (self->engine == engine)
    return;

  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_set_object (&self->engine, engine);
  if (self->engine != NULL)
    g_signal_connect_object (self->engine, "notify::container",
                             G_CALLBACK (engine_container_notify_cb), self, 0);

  authsim_composer_update_container (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.call", self->engine != NULL);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINE]);
}

char *
authsim_composer_dup_text (AuthsimComposer *self)
{
  GtkTextIter start, end;

  g_return_val_if_fail (AUTHSIM_IS_COMPOSER (self), NULL);

  gtk_text_buffer_get_bounds (self->buffer, &start, &end);
  return gtk_text_buffer_get_text (self->buffer, &start, &end, FALSE);
}

void
authsim_composer_set_text (AuthsimComposer *self,
                           const char      *text)
{
  g_return_if_fail (AUTHSIM_IS_COMPOSER (self));

  gtk_text_buffer_set_text (self->buffer, text != NULL ? text : "", -1);
}

AuthsimTrigger
authsim_composer_get_trigger (AuthsimComposer *self)
{
  g_return_val_if_fail (AUTHSIM_IS_COMPOSER (self), AUTHSIM_TRIGGER_TAP);

  return gtk_toggle_button_get_active (self->lifecycle_toggle) ? AUTHSIM_TRIGGER_LIFECYCLE
                                                                : AUTHSIM_TRIGGER_TAP;
}

void
authsim_composer_set_trigger (AuthsimComposer *self,
                              AuthsimTrigger   trigger)
{
  g_return_if_fail (AUTHSIM_IS_COMPOSER (self));

  /* The toggles are grouped: activating one releases the other, and notifies. */
  if (trigger == AUTHSIM_TRIGGER_LIFECYCLE)
    gtk_toggle_button_set_active (self->lifecycle_toggle, TRUE);
  else
    gtk_toggle_button_set_active (self->tap_toggle, TRUE);
}

AuthsimApi
authsim_composer_get_api (AuthsimComposer *self)
{
  guint selected;

  g_return_val_if_fail (AUTHSIM_IS_COMPOSER (self), AUTHSIM_API_GET_AUTH_CODE);

  selected = gtk_drop_down_get_selected (self->api_dropdown);
  return selected < AUTHSIM_API_N_CALLABLE ? (AuthsimApi) selected : AUTHSIM_API_GET_AUTH_CODE;
}

void
authsim_composer_set_api (AuthsimComposer *self,
                          AuthsimApi       api)
{
  g_return_if_fail (AUTHSIM_IS_COMPOSER (self));
  g_return_if_fail ((guint) api < AUTHSIM_API_N_CALLABLE);

  /* The drop-down notifies "selected", which updates the rest and notifies "api". */
  gtk_drop_down_set_selected (self->api_dropdown, api);
}

const char *
authsim_composer_get_error (AuthsimComposer *self)
{
  g_return_val_if_fail (AUTHSIM_IS_COMPOSER (self), NULL);
  return self->error;
}

static void
authsim_composer_dispose (GObject *object)
{
  AuthsimComposer *self = AUTHSIM_COMPOSER (object);
  GtkWidget *child;

  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_clear_object (&self->engine);

  gtk_widget_dispose_template (GTK_WIDGET (self), AUTHSIM_TYPE_COMPOSER);
  /* The template's root box is not a bound child: unparent it too. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (authsim_composer_parent_class)->dispose (object);
}

static void
authsim_composer_finalize (GObject *object)
{
  AuthsimComposer *self = AUTHSIM_COMPOSER (object);

  g_clear_pointer (&self->error, g_free);

  G_OBJECT_CLASS (authsim_composer_parent_class)->finalize (object);
}

static void
authsim_composer_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  AuthsimComposer *self = AUTHSIM_COMPOSER (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;
    case PROP_TRIGGER:
      g_value_set_enum (value, authsim_composer_get_trigger (self));
      break;
    case PROP_API:
      g_value_set_enum (value, authsim_composer_get_api (self));
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_composer_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  AuthsimComposer *self = AUTHSIM_COMPOSER (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      authsim_composer_set_engine (self, g_value_get_object (value));
      break;
    case PROP_TRIGGER:
      authsim_composer_set_trigger (self, g_value_get_enum (value));
      break;
    case PROP_API:
      authsim_composer_set_api (self, g_value_get_enum (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_composer_class_init (AuthsimComposerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = authsim_composer_dispose;
  object_class->finalize = authsim_composer_finalize;
  object_class->get_property = authsim_composer_get_property;
  object_class->set_property = authsim_composer_set_property;

  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL, AUTHSIM_TYPE_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS);
  properties[PROP_TRIGGER] =
    g_param_spec_enum ("trigger", NULL, NULL, AUTHSIM_TYPE_TRIGGER, AUTHSIM_TRIGGER_TAP,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_API] =
    g_param_spec_enum ("api", NULL, NULL, AUTHSIM_TYPE_API, AUTHSIM_API_GET_AUTH_CODE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR] =
    g_param_spec_string ("error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The UI resources live in a static library: referencing them links their constructor,
   * which registers them. */
  (void) authsim_get_resource ();
  gtk_widget_class_set_template_from_resource (widget_class, APP_PATH "/authsim-composer.ui");
  gtk_widget_class_bind_template_child (widget_class, AuthsimComposer, api_dropdown);
  gtk_widget_class_bind_template_child (widget_class, AuthsimComposer, presets_grid);
  gtk_widget_class_bind_template_child (widget_class, AuthsimComposer, api_note_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimComposer, call_button);
  gtk_widget_class_bind_template_child (widget_class, AuthsimComposer, editor);
  gtk_widget_class_bind_template_child (widget_class, AuthsimComposer, buffer);
  gtk_widget_class_bind_template_child (widget_class, AuthsimComposer, error_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimComposer, tap_toggle);
  gtk_widget_class_bind_template_child (widget_class, AuthsimComposer, lifecycle_toggle);
  gtk_widget_class_bind_template_child (widget_class, AuthsimComposer, container_label);
  gtk_widget_class_bind_template_callback (widget_class, buffer_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, trigger_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, api_selected_cb);

  gtk_widget_class_install_action (widget_class, "composer.call", NULL, call_cb);
  gtk_widget_class_install_action (widget_class, "composer.preset", "s", preset_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "composer");
}

static void
authsim_composer_init (AuthsimComposer *self)
{
  GtkEventController *controller;
  GtkShortcutTrigger *trigger;

  g_autoptr(GtkStringList) apis = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  /* The API choice lists the callable APIs by their names, in AuthsimApi order. */
  for (guint i = 0; i < AUTHSIM_API_N_CALLABLE; i++)
    {
      g_autofree char *name = g_strdup_printf ("my.%s", authsim_enum_to_nick (AUTHSIM_TYPE_API, i));

      gtk_string_list_append (apis, name);
    }
  gtk_drop_down_set_model (self->api_dropdown, G_LIST_MODEL (apis));
  gtk_drop_down_set_selected (self->api_dropdown, AUTHSIM_API_GET_AUTH_CODE);
  update_api (self);

  /* Ctrl+Enter calls from the editor. Capture phase: the text view would insert a newline. */
  controller = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  trigger = gtk_alternative_trigger_new (gtk_keyval_trigger_new (GDK_KEY_Return,
                                                                 GDK_CONTROL_MASK),
                                         gtk_keyval_trigger_new (GDK_KEY_KP_Enter,
                                                                 GDK_CONTROL_MASK));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                        gtk_shortcut_new (trigger,
                                                          gtk_named_action_new ("composer.call")));
  gtk_widget_add_controller (GTK_WIDGET (self->editor), controller);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.call", FALSE);
}

GtkWidget *
authsim_composer_new (AuthsimEngine *engine)
{
  g_return_val_if_fail (engine == NULL || AUTHSIM_IS_ENGINE (engine), NULL);

  return g_object_new (AUTHSIM_TYPE_COMPOSER, "engine", engine, NULL);
}
