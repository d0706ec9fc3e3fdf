/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-scenario.c: the scenario object: construction from a file or data, accessors and
 * the step signals. The parser, runner, recorder and exchange client are beside it
 * (authsim-scenario-private.h). */
#include "config.h"

#include "authsim-scenario-private.h"

void
authsim_scenario_step_free (Step *step)
{
  g_free (step->description);
  g_free (step->text);
  g_free (step->app_id);
  g_strfreev (step->scopes);
  g_clear_pointer (&step->params, json_node_unref);
  g_free (step->params_json);
  g_clear_pointer (&step->payload, json_object_unref);
  g_clear_pointer (&step->plaintext, json_object_unref);
  g_clear_pointer (&step->popup_fields, json_object_unref);
  g_free (step->rule);
  g_free (step);
}

G_DEFINE_FINAL_TYPE (AuthsimScenario, authsim_scenario, G_TYPE_OBJECT)

enum
{
  SIGNAL_STEP_STARTED,
  SIGNAL_STEP_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
authsim_scenario_finalize (GObject *object)
{
  AuthsimScenario *self = AUTHSIM_SCENARIO (object);

  g_free (self->name);
  g_free (self->description);
  g_free (self->profile);
  g_free (self->users);
  g_clear_pointer (&self->steps, g_ptr_array_unref);

  G_OBJECT_CLASS (authsim_scenario_parent_class)->finalize (object);
}

static void
authsim_scenario_class_init (AuthsimScenarioClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = authsim_scenario_finalize;

  signals[SIGNAL_STEP_STARTED] =
    g_signal_new ("step-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
  signals[SIGNAL_STEP_FINISHED] =
    g_signal_new ("step-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_UINT, G_TYPE_STRING, G_TYPE_BOOLEAN, G_TYPE_STRING);
}

static void
authsim_scenario_init (AuthsimScenario *self)
{
  self->first_screen_rule = -1;
  self->steps = g_ptr_array_new_with_free_func ((GDestroyNotify) authsim_scenario_step_free);
}

void
authsim_scenario_emit_step_started (AuthsimScenario *self,
                                    guint            index)
{
  g_signal_emit (self, signals[SIGNAL_STEP_STARTED], 0, index,
                 authsim_scenario_get_step_description (self, index));
}

void
authsim_scenario_emit_step_finished (AuthsimScenario *self,
                                     guint            index,
                                     gboolean         ok,
                                     const char      *detail)
{
  g_signal_emit (self, signals[SIGNAL_STEP_FINISHED], 0, index,
                 authsim_scenario_get_step_description (self, index), ok, detail);
}

AuthsimScenario *
authsim_scenario_new_from_data (const char  *data,
                                gssize       length,
                                const char  *source_name,
                                const char  *base_dir,
                                GError     **error)
{
  g_autoptr(AuthsimScenario) self = NULL;
  g_autofree char *cwd = NULL;
  AuthsimJsonLoader loader = { 0 };

  g_return_val_if_fail (data != NULL, NULL);

  loader.source = source_name != NULL ? source_name : "scenario";
  loader.base_dir = base_dir != NULL ? base_dir : (cwd = g_get_current_dir ());

  self = g_object_new (AUTHSIM_TYPE_SCENARIO, NULL);
  if (!authsim_scenario_parse (self, &loader, data, length, error))
    return NULL;

  return g_steal_pointer (&self);
}

AuthsimScenario *
authsim_scenario_new_from_file (const char  *path,
                                GError     **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *base = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *absolute = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);

  base = g_path_get_basename (path);
  contents = authsim_json_read_file (path, &length, error);
  if (contents == NULL)
    {
      g_prefix_error (error, "%s: ", base);
      return NULL;
    }

  absolute = g_canonicalize_filename (path, NULL);
  dir = g_path_get_dirname (absolute);
  return authsim_scenario_new_from_data (contents, length, base, dir, error);
}

const char *
authsim_scenario_get_name (AuthsimScenario *self)
{
  g_return_val_if_fail (AUTHSIM_IS_SCENARIO (self), NULL);
  return self->name;
}

const char *
authsim_scenario_get_description (AuthsimScenario *self)
{
  g_return_val_if_fail (AUTHSIM_IS_SCENARIO (self), NULL);
  return self->description;
}

const char *
authsim_scenario_get_profile (AuthsimScenario *self)
{
  g_return_val_if_fail (AUTHSIM_IS_SCENARIO (self), NULL);
  return self->profile;
}

const char *
authsim_scenario_get_users (AuthsimScenario *self)
{
  g_return_val_if_fail (AUTHSIM_IS_SCENARIO (self), NULL);
  return self->users;
}

int
authsim_scenario_get_first_screen_rule (AuthsimScenario *self)
{
  g_return_val_if_fail (AUTHSIM_IS_SCENARIO (self), -1);
  return self->first_screen_rule;
}

guint
authsim_scenario_get_n_steps (AuthsimScenario *self)
{
  g_return_val_if_fail (AUTHSIM_IS_SCENARIO (self), 0);
  return self->steps->len;
}

const char *
authsim_scenario_get_step_description (AuthsimScenario *self,
                                       guint            index)
{
  g_return_val_if_fail (AUTHSIM_IS_SCENARIO (self), NULL);
  g_return_val_if_fail (index < self->steps->len, NULL);
  return ((Step *) g_ptr_array_index (self->steps, index))->description;
}

void
authsim_scenario_apply_options (AuthsimScenario *self,
                                AuthsimOptions  *options)
{
  g_return_if_fail (AUTHSIM_IS_SCENARIO (self));
  g_return_if_fail (options != NULL);

  if (self->profile != NULL)
    {
      g_free (options->profile);
      options->profile = g_strdup (self->profile);
    }
  if (self->users != NULL)
    {
      g_free (options->users);
      options->users = g_strdup (self->users);
    }
  if (self->first_screen_rule >= 0)
    options->first_screen_rule = self->first_screen_rule;
}
