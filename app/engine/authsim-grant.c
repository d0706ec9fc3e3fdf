/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-grant.c: an immutable (user, app, scopes, time) record, an item of the grants model. */
#include "config.h"

#include "authsim-grant.h"

struct _AuthsimGrant
{
  GObject  parent_instance;
  char    *user_id;
  char    *app_id;
  GStrv    scopes;
  gint64   granted_at;
};

G_DEFINE_FINAL_TYPE (AuthsimGrant, authsim_grant, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_USER_ID,
  PROP_APP_ID,
  PROP_SCOPES,
  PROP_GRANTED_AT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
authsim_grant_finalize (GObject *object)
{
  AuthsimGrant *self = AUTHSIM_GRANT (object);

  g_clear_pointer (&self->user_id, g_free);
  g_clear_pointer (&self->app_id, g_free);
  g_clear_pointer (&self->scopes, g_strfreev);

  G_OBJECT_CLASS (authsim_grant_parent_class)->finalize (object);
}

static void
authsim_grant_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  AuthsimGrant *self = AUTHSIM_GRANT (object);

  switch (prop_id)
    {
    case PROP_USER_ID:
      g_value_set_string (value, self->user_id);
      break;
    case PROP_APP_ID:
      g_value_set_string (value, self->app_id);
      break;
    case PROP_SCOPES:
      g_value_set_boxed (value, self->scopes);
      break;
    case PROP_GRANTED_AT:
      g_value_set_int64 (value, self->granted_at);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_grant_class_init (AuthsimGrantClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = authsim_grant_finalize;
  object_class->get_property = authsim_grant_get_property;

  properties[PROP_USER_ID] =
    g_param_spec_string ("user-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_APP_ID] =
    g_param_spec_string ("app-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SCOPES] =
    g_param_spec_boxed ("scopes", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_GRANTED_AT] =
    g_param_spec_int64 ("granted-at", NULL, NULL, G_MININT64, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
authsim_grant_init (AuthsimGrant *self)
{
}

AuthsimGrant *
authsim_grant_new (const char         *user_id,
                   const char         *app_id,
                   const char * const *scopes,
                   gint64              granted_at)
{
  AuthsimGrant *self;

  g_return_val_if_fail (user_id != NULL, NULL);
  g_return_val_if_fail (app_id != NULL, NULL);

  self = g_object_new (AUTHSIM_TYPE_GRANT, NULL);
  self->user_id = g_strdup (user_id);
  self->app_id = g_strdup (app_id);
  self->scopes = scopes != NULL ? g_strdupv ((char **) scopes) : g_new0 (char *, 1);
  self->granted_at = granted_at;
  return self;
}

const char *
authsim_grant_get_user_id (AuthsimGrant *self)
{
  g_return_val_if_fail (AUTHSIM_IS_GRANT (self), NULL);
  return self->user_id;
}

const char *
authsim_grant_get_app_id (AuthsimGrant *self)
{
  g_return_val_if_fail (AUTHSIM_IS_GRANT (self), NULL);
  return self->app_id;
}

const char * const *
authsim_grant_get_scopes (AuthsimGrant *self)
{
  g_return_val_if_fail (AUTHSIM_IS_GRANT (self), NULL);
  return (const char * const *) self->scopes;
}

gint64
authsim_grant_get_granted_at (AuthsimGrant *self)
{
  g_return_val_if_fail (AUTHSIM_IS_GRANT (self), 0);
  return self->granted_at;
}

gboolean
authsim_grant_is_for (AuthsimGrant *self,
                      const char   *user_id,
                      const char   *app_id)
{
  g_return_val_if_fail (AUTHSIM_IS_GRANT (self), FALSE);
  return g_strcmp0 (self->user_id, user_id) == 0 && g_strcmp0 (self->app_id, app_id) == 0;
}
