/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "authsim-enums.h"
#include "authsim-request.h"

struct _AuthsimRequest
{
  GObject   parent_instance;

  guint     call;
  char     *app_id;
  char     *app_name;
  char     *app_icon;
  char    **scopes;
  char    **fields;
  char     *scope;
  gboolean  answered;
};

G_DEFINE_FINAL_TYPE (AuthsimRequest, authsim_request, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CALL,
  PROP_APP_ID,
  PROP_APP_NAME,
  PROP_APP_ICON,
  PROP_SCOPES,
  PROP_FIELDS,
  PROP_SCOPE,
  PROP_ANSWERED,
  N_PROPS
};

enum {
  RESPONDED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
authsim_request_finalize (GObject *object)
{
  AuthsimRequest *self = AUTHSIM_REQUEST (object);

  g_clear_pointer (&self->app_id, g_free);
  g_clear_pointer (&self->app_name, g_free);
  g_clear_pointer (&self->app_icon, g_free);
  g_clear_pointer (&self->scopes, g_strfreev);
  g_clear_pointer (&self->fields, g_strfreev);
  g_clear_pointer (&self->scope, g_free);

  G_OBJECT_CLASS (authsim_request_parent_class)->finalize (object);
}

static void
authsim_request_constructed (GObject *object)
{
  AuthsimRequest *self = AUTHSIM_REQUEST (object);

  G_OBJECT_CLASS (authsim_request_parent_class)->constructed (object);

  /* The getters never return NULL lists. */
  if (self->scopes == NULL)
    self->scopes = g_new0 (char *, 1);
  if (self->fields == NULL)
    self->fields = g_new0 (char *, 1);
}

static void
authsim_request_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  AuthsimRequest *self = AUTHSIM_REQUEST (object);

  switch (prop_id)
    {
    case PROP_CALL:
      g_value_set_uint (value, self->call);
      break;
    case PROP_APP_ID:
      g_value_set_string (value, self->app_id);
      break;
    case PROP_APP_NAME:
      g_value_set_string (value, self->app_name);
      break;
    case PROP_APP_ICON:
      g_value_set_string (value, self->app_icon);
      break;
    case PROP_SCOPES:
      g_value_set_boxed (value, self->scopes);
      break;
    case PROP_FIELDS:
      g_value_set_boxed (value, self->fields);
      break;
    case PROP_SCOPE:
      g_value_set_string (value, self->scope);
      break;
    case PROP_ANSWERED:
      g_value_set_boolean (value, self->answered);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_request_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  AuthsimRequest *self = AUTHSIM_REQUEST (object);

  switch (prop_id)
    {
    case PROP_CALL:
      self->call = g_value_get_uint (value);
      break;
    case PROP_APP_ID:
      g_free (self->app_id);
      self->app_id = g_value_dup_string (value);
      break;
    case PROP_APP_NAME:
      g_free (self->app_name);
      self->app_name = g_value_dup_string (value);
      break;
    case PROP_APP_ICON:
      g_free (self->app_icon);
      self->app_icon = g_value_dup_string (value);
      break;
    case PROP_SCOPES:
      g_strfreev (self->scopes);
      self->scopes = g_value_dup_boxed (value);
      break;
    case PROP_FIELDS:
      g_strfreev (self->fields);
      self->fields = g_value_dup_boxed (value);
      break;
    case PROP_SCOPE:
      g_free (self->scope);
      self->scope = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_request_class_init (AuthsimRequestClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags construct_flags = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY
                                      | G_PARAM_STATIC_STRINGS;

  object_class->finalize = authsim_request_finalize;
  object_class->constructed = authsim_request_constructed;
  object_class->get_property = authsim_request_get_property;
  object_class->set_property = authsim_request_set_property;

  properties[PROP_CALL] =
    g_param_spec_uint ("call", NULL, NULL, 0, G_MAXUINT, 0, construct_flags);
  properties[PROP_APP_ID] =
    g_param_spec_string ("app-id", NULL, NULL, NULL, construct_flags);
  properties[PROP_APP_NAME] =
    g_param_spec_string ("app-name", NULL, NULL, NULL, construct_flags);
  properties[PROP_APP_ICON] =
    g_param_spec_string ("app-icon", NULL, NULL, NULL, construct_flags);
  properties[PROP_SCOPES] =
    g_param_spec_boxed ("scopes", NULL, NULL, G_TYPE_STRV, construct_flags);
  properties[PROP_FIELDS] =
    g_param_spec_boxed ("fields", NULL, NULL, G_TYPE_STRV, construct_flags);
  properties[PROP_SCOPE] =
    g_param_spec_string ("scope", NULL, NULL, NULL, construct_flags);
  properties[PROP_ANSWERED] =
    g_param_spec_boolean ("answered", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * AuthsimRequest::responded:
   * @decision: an #AuthsimDecision
   * @source: an #AuthsimAnswerSource: who answered
   *
   * Emitted once, after #AuthsimRequest:answered became TRUE.
   */
  signals[RESPONDED] =
    g_signal_new ("responded",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, AUTHSIM_TYPE_DECISION, AUTHSIM_TYPE_ANSWER_SOURCE);
}

static void
authsim_request_init (AuthsimRequest *self)
{
}

/**
 * authsim_request_new:
 *
 * Creates an unanswered request. @app_icon, @scopes and @fields may be NULL.
 */
AuthsimRequest *
authsim_request_new (guint               call,
                     const char         *app_id,
                     const char         *app_name,
                     const char         *app_icon,
                     const char * const *scopes,
                     const char * const *fields)
{
  return g_object_new (AUTHSIM_TYPE_REQUEST,
                       "call", call,
                       "app-id", app_id,
                       "app-name", app_name,
                       "app-icon", app_icon,
                       "scopes", scopes,
                       "fields", fields,
                       NULL);
}

/**
 * authsim_request_new_for_scope:
 *
 * Creates an unanswered request for one authSetting scope (SPEC §10.4): the popup of a
 * getAuthorize button or a settings switch, asking for @scope ("userInfo" or "phoneNumber")
 * alone. Its scopes are { @scope }, its fields empty.
 */
AuthsimRequest *
authsim_request_new_for_scope (guint       call,
                               const char *app_id,
                               const char *app_name,
                               const char *app_icon,
                               const char *scope)
{
  const char * const scopes[] = { scope, NULL };

  g_return_val_if_fail (scope != NULL, NULL);

  return g_object_new (AUTHSIM_TYPE_REQUEST,
                       "call", call,
                       "app-id", app_id,
                       "app-name", app_name,
                       "app-icon", app_icon,
                       "scopes", scopes,
                       "scope", scope,
                       NULL);
}

guint
authsim_request_get_call (AuthsimRequest *self)
{
  g_return_val_if_fail (AUTHSIM_IS_REQUEST (self), 0);
  return self->call;
}

const char *
authsim_request_get_app_id (AuthsimRequest *self)
{
  g_return_val_if_fail (AUTHSIM_IS_REQUEST (self), NULL);
  return self->app_id;
}

const char *
authsim_request_get_app_name (AuthsimRequest *self)
{
  g_return_val_if_fail (AUTHSIM_IS_REQUEST (self), NULL);
  return self->app_name;
}

const char *
authsim_request_get_app_icon (AuthsimRequest *self)
{
  g_return_val_if_fail (AUTHSIM_IS_REQUEST (self), NULL);
  return self->app_icon;
}

const char * const *
authsim_request_get_scopes (AuthsimRequest *self)
{
  g_return_val_if_fail (AUTHSIM_IS_REQUEST (self), NULL);
  return (const char * const *) self->scopes;
}

const char * const *
authsim_request_get_fields (AuthsimRequest *self)
{
  g_return_val_if_fail (AUTHSIM_IS_REQUEST (self), NULL);
  return (const char * const *) self->fields;
}

const char *
authsim_request_get_scope (AuthsimRequest *self)
{
  g_return_val_if_fail (AUTHSIM_IS_REQUEST (self), NULL);
  return self->scope;
}

gboolean
authsim_request_get_answered (AuthsimRequest *self)
{
  g_return_val_if_fail (AUTHSIM_IS_REQUEST (self), FALSE);
  return self->answered;
}

/**
 * authsim_request_respond:
 *
 * Answers the popup on behalf of @source: sets #AuthsimRequest:answered, then emits
 * #AuthsimRequest::responded with @decision and @source.
 * Returns FALSE with AUTHSIM_ERROR_NO_REQUEST when it was already answered.
 */
gboolean
authsim_request_respond (AuthsimRequest      *self,
                         AuthsimDecision      decision,
                         AuthsimAnswerSource  source,
                         GError             **error)
{
  g_autoptr(AuthsimRequest) hold = NULL;

  g_return_val_if_fail (AUTHSIM_IS_REQUEST (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->answered)
    {
      /* Not translated: this message ends up in the event log and in D-Bus replies. */
      g_set_error_literal (error, AUTHSIM_ERROR, AUTHSIM_ERROR_NO_REQUEST,
                           "the authorization popup was already answered");
      return FALSE;
    }

  /* A handler of either signal may drop the last reference of the caller. */
  hold = g_object_ref (self);
  self->answered = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ANSWERED]);
  g_signal_emit (self, signals[RESPONDED], 0, decision, source);

  return TRUE;
}
