/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-backend.c: builds the engine, keys and gateway from the command line. */
#include "config.h"

#include <glib/gi18n.h>

#include "authsim-backend.h"
#include "authsim-crypto.h"
#include "authsim-keys-sealer.h"

struct _AuthsimBackend
{
  GObject         parent_instance;

  AuthsimStore     *store;
  AuthsimLog       *log;
  AuthsimEngine    *engine;
  AuthsimResponder *responder;
  AuthsimKeys      *keys;
  AuthsimGateway   *gateway;

  char           *keys_dir;
  char           *app_public_key;
  char           *gateway_address;
  guint           gateway_port;
  gboolean        no_gateway;
  AuthsimSignMode sign_mode;

  GPtrArray      *warnings;     /* NULL-terminated, for the info bar */
  GPtrArray      *deferred;     /* (source, message) pairs logged after "listening" */
};

G_DEFINE_FINAL_TYPE (AuthsimBackend, authsim_backend, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ENGINE,
  PROP_KEYS,
  PROP_GATEWAY,
  PROP_WARNINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* A problem met while starting: shown in the window, and logged once the gateway's
 * "listening" event is out (SPEC §6 makes that the first event of the log). */
static void
add_warning (AuthsimBackend *self,
             const char     *source,
             const char     *message)
{
  g_ptr_array_insert (self->warnings, self->warnings->len - 1, g_strdup (message));
  g_ptr_array_add (self->deferred, g_strdup (source));
  g_ptr_array_add (self->deferred, g_strdup (message));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WARNINGS]);
}

static void
flush_deferred (AuthsimBackend *self)
{
  for (guint i = 0; i + 1 < self->deferred->len; i += 2)
    authsim_engine_log_error (self->engine, g_ptr_array_index (self->deferred, i),
                              g_ptr_array_index (self->deferred, i + 1));
  g_ptr_array_set_size (self->deferred, 0);
}

/* The log file: --log, or the default in the user's state directory. */
static gboolean
open_log (AuthsimBackend        *self,
          const AuthsimOptions  *options,
          GError               **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *log_path = options->log != NULL
    ? g_strdup (options->log)
    : g_build_filename (g_get_user_state_dir (), "authsim", "log.jsonl", NULL);

  self->log = authsim_log_new ();
  if (!authsim_log_set_file (self->log, log_path, &local_error))
    {
      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO,
                   _("Cannot write the log file %s: %s"), log_path, local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* The grants, codes and tokens of @data_dir; a corrupt state file is only a warning. */
static gboolean
open_store (AuthsimBackend  *self,
            const char      *data_dir,
            GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *warning = NULL;

  self->store = authsim_store_new (data_dir, authsim_crypto_random_bytes);
  if (!authsim_store_load (self->store, &warning, &local_error))
    {
      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO,
                   _("Cannot use the data directory %s: %s"), data_dir, local_error->message);
      return FALSE;
    }
  if (warning != NULL)
    add_warning (self, "state", warning);
  return TRUE;
}

/* (transfer full): --profile, or the built-in demo when it is absent or malformed. */
static AuthsimProfile *
load_profile (AuthsimBackend       *self,
              const AuthsimOptions *options)
{
  g_autoptr(GError) error = NULL;
  AuthsimProfile *profile;

  if (options->profile == NULL)
    return authsim_profile_new_default ();

  profile = authsim_profile_new_from_file (options->profile, &error);
  if (profile == NULL)
    {
      g_autofree char *message =
        g_strdup_printf ("%s (running on the built-in demo profile)", error->message);

      add_warning (self, "profile", message);
      return authsim_profile_new_default ();
    }
  return profile;
}

/* (transfer full): --users, or the built-in test users when absent or malformed. */
static GListModel *
load_users (AuthsimBackend       *self,
            const AuthsimOptions *options)
{
  g_autoptr(GError) error = NULL;
  GListModel *users;

  if (options->users == NULL)
    return authsim_users_new_default ();

  users = authsim_users_new_from_file (options->users, &error);
  if (users == NULL)
    {
      g_autofree char *message =
        g_strdup_printf ("%s (running on the built-in test users)", error->message);

      add_warning (self, "users", message);
      return authsim_users_new_default ();
    }
  return users;
}

AuthsimBackend *
authsim_backend_new (const AuthsimOptions  *options,
                     GError               **error)
{
  g_autoptr(AuthsimBackend) self = g_object_new (AUTHSIM_TYPE_BACKEND, NULL);
  g_autofree char *data_dir = NULL;
  g_autoptr(AuthsimProfile) profile = NULL;
  g_autoptr(GListModel) users = NULL;

  g_return_val_if_fail (options != NULL, NULL);

  data_dir = options->data_dir != NULL
             ? g_strdup (options->data_dir)
             : g_build_filename (g_get_user_data_dir (), "authsim", NULL);
  if (!open_log (self, options, error) || !open_store (self, data_dir, error))
    return NULL;
  profile = load_profile (self, options);
  users = load_users (self, options);

  self->engine = authsim_engine_new (profile, users, self->store, self->log);
  if (options->first_screen_rule >= 0)
    authsim_engine_set_first_screen_rule (self->engine, options->first_screen_rule);
  self->responder = authsim_responder_new (self->engine);
  if (options->answer >= 0)
    authsim_responder_set_standing_answer (self->responder, options->answer);

  self->keys_dir = g_build_filename (data_dir, "keys", NULL);
  self->app_public_key = g_strdup (options->app_public_key);
  self->gateway_address = g_strdup (options->gateway_address != NULL ? options->gateway_address
                                                                     : AUTHSIM_GATEWAY_DEFAULT_ADDRESS);
  self->gateway_port = options->gateway_port >= 0 ? (guint) options->gateway_port
                                                  : AUTHSIM_GATEWAY_DEFAULT_PORT;
  self->no_gateway = options->no_gateway;
  self->sign_mode = options->sign_mode >= 0 ? options->sign_mode : AUTHSIM_SIGN_MODE_KEY;

  return g_steal_pointer (&self);
}

/* Starting */

static void
finish_start (AuthsimBackend *self,
              GTask          *task,
              GError         *error)
{
  /* The mini program runs whatever happened to the gateway: the window stays useful. */
  flush_deferred (self);
  authsim_engine_launch (self->engine);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* Starts the gateway on the loaded keys, in certificate mode with @certs (nullable). */
static void
start_gateway (AuthsimBackend *self,
               GTask          *task,
               AuthsimCerts   *certs)
{
  g_autoptr(AuthsimGateway) gateway = NULL;
  g_autoptr(GError) error = NULL;

  gateway = authsim_gateway_new (self->engine, self->store, self->log, self->keys);
  authsim_gateway_set_certs (gateway, certs);
  if (!authsim_gateway_start (gateway, self->gateway_address, self->gateway_port, &error))
    {
      g_autofree char *message =
        g_strdup_printf (_("The gateway cannot listen on %s:%u: %s"),
                         self->gateway_address, self->gateway_port, error->message);

      add_warning (self, "gateway", message);
      g_clear_error (&error);
      g_set_error_literal (&error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO, message);
      finish_start (self, task, g_steal_pointer (&error));
      return;
    }

  g_set_object (&self->gateway, gateway);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GATEWAY]);
  finish_start (self, task, NULL);
}

static void
certs_loaded_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AuthsimBackend *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimCerts) certs = authsim_certs_load_finish (result, &error);

  /* Certificate mode was asked for: no gateway rather than one that signs otherwise. */
  if (certs == NULL)
    {
      add_warning (self, "gateway", error->message);
      finish_start (self, task, g_steal_pointer (&error));
      return;
    }
  start_gateway (self, task, certs);
}

static void
keys_loaded_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AuthsimBackend *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimKeys) keys = authsim_keys_load_finish (result, &error);
  g_autoptr(AuthsimSealer) sealer = NULL;

  if (keys == NULL)
    {
      add_warning (self, "gateway", error->message);
      finish_start (self, task, g_steal_pointer (&error));
      return;
    }

  g_set_object (&self->keys, keys);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEYS]);
  /* my.getPhoneNumber seals its answers with them (SPEC §11.2). */
  sealer = authsim_keys_sealer_new (keys);
  authsim_engine_set_sealer (self->engine, sealer);

  /* Certificate mode: the local CA and the certificates are made on its first use. */
  if (self->sign_mode == AUTHSIM_SIGN_MODE_CERT)
    {
      GCancellable *cancellable = g_task_get_cancellable (task);

      authsim_certs_load_async (keys, cancellable, certs_loaded_cb, g_steal_pointer (&task));
    }
  else
    start_gateway (self, task, NULL);
}

void
authsim_backend_start_async (AuthsimBackend      *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (AUTHSIM_IS_BACKEND (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, authsim_backend_start_async);

  if (self->no_gateway)
    {
      finish_start (self, task, NULL);
      return;
    }

  authsim_keys_load_async (self->keys_dir, self->app_public_key, cancellable,
                           keys_loaded_cb, g_steal_pointer (&task));
}

gboolean
authsim_backend_start_finish (AuthsimBackend  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
authsim_backend_run_scenario_async (AuthsimBackend      *self,
                                    AuthsimScenario     *scenario,
                                    guint                step_delay_ms,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  AuthsimScenarioTarget target = {
    .engine = self->engine,
    .store = self->store,
    .log = self->log,
    .responder = self->responder,
    .gateway = self->gateway,
    .keys = self->keys,
  };

  g_return_if_fail (AUTHSIM_IS_BACKEND (self));

  authsim_scenario_run_async (scenario, &target, step_delay_ms, cancellable, callback,
                              user_data);
}

void
authsim_backend_shutdown (AuthsimBackend *self)
{
  g_return_if_fail (AUTHSIM_IS_BACKEND (self));

  /* The store has nothing to save: every change was committed when it was made. */
  if (self->gateway != NULL)
    authsim_gateway_stop (self->gateway);
}

AuthsimEngine *
authsim_backend_get_engine (AuthsimBackend *self)
{
  g_return_val_if_fail (AUTHSIM_IS_BACKEND (self), NULL);
  return self->engine;
}

AuthsimStore *
authsim_backend_get_store (AuthsimBackend *self)
{
  g_return_val_if_fail (AUTHSIM_IS_BACKEND (self), NULL);
  return self->store;
}

AuthsimLog *
authsim_backend_get_log (AuthsimBackend *self)
{
  g_return_val_if_fail (AUTHSIM_IS_BACKEND (self), NULL);
  return self->log;
}

AuthsimResponder *
authsim_backend_get_responder (AuthsimBackend *self)
{
  g_return_val_if_fail (AUTHSIM_IS_BACKEND (self), NULL);
  return self->responder;
}

AuthsimGateway *
authsim_backend_get_gateway (AuthsimBackend *self)
{
  g_return_val_if_fail (AUTHSIM_IS_BACKEND (self), NULL);
  return self->gateway;
}

AuthsimKeys *
authsim_backend_get_keys (AuthsimBackend *self)
{
  g_return_val_if_fail (AUTHSIM_IS_BACKEND (self), NULL);
  return self->keys;
}

const char * const *
authsim_backend_get_warnings (AuthsimBackend *self)
{
  g_return_val_if_fail (AUTHSIM_IS_BACKEND (self), NULL);
  return (const char * const *) self->warnings->pdata;
}

static void
authsim_backend_dispose (GObject *object)
{
  AuthsimBackend *self = AUTHSIM_BACKEND (object);

  if (self->gateway != NULL)
    authsim_gateway_stop (self->gateway);
  g_clear_object (&self->gateway);
  g_clear_object (&self->keys);
  g_clear_object (&self->responder);
  g_clear_object (&self->engine);
  g_clear_object (&self->log);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (authsim_backend_parent_class)->dispose (object);
}

static void
authsim_backend_finalize (GObject *object)
{
  AuthsimBackend *self = AUTHSIM_BACKEND (object);

  g_free (self->keys_dir);
  g_free (self->app_public_key);
  g_free (self->gateway_address);
  g_ptr_array_unref (self->warnings);
  g_ptr_array_unref (self->deferred);

  G_OBJECT_CLASS (authsim_backend_parent_class)->finalize (object);
}

static void
authsim_backend_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  AuthsimBackend *self = AUTHSIM_BACKEND (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;
    case PROP_KEYS:
      g_value_set_object (value, self->keys);
      break;
    case PROP_GATEWAY:
      g_value_set_object (value, self->gateway);
      break;
    case PROP_WARNINGS:
      g_value_set_boxed (value, self->warnings->pdata);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_backend_class_init (AuthsimBackendClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->dispose = authsim_backend_dispose;
  object_class->finalize = authsim_backend_finalize;
  object_class->get_property = authsim_backend_get_property;

  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL, AUTHSIM_TYPE_ENGINE, ro);
  properties[PROP_KEYS] =
    g_param_spec_object ("keys", NULL, NULL, AUTHSIM_TYPE_KEYS, ro);
  properties[PROP_GATEWAY] =
    g_param_spec_object ("gateway", NULL, NULL, AUTHSIM_TYPE_GATEWAY, ro);
  properties[PROP_WARNINGS] =
    g_param_spec_boxed ("warnings", NULL, NULL, G_TYPE_STRV, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
authsim_backend_init (AuthsimBackend *self)
{
  self->warnings = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->warnings, NULL);
  self->deferred = g_ptr_array_new_with_free_func (g_free);
}
