/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-gateway-snapshot.c: what requests read of the profile and the users.
 *
 * The profile and the users are main-thread objects that the window edits, so the server thread
 * never touches them: it reads an AuthsimGatewaySnapshot, an immutable copy of what it needs
 * (app ids, id mode, the user-info fields and each user's values for them), which the main
 * thread rebuilds whenever one of them changes and swaps in under `snapshot_lock`. A request
 * keeps the snapshot it started with. The sign mode and its certificates (SPEC §13) travel in
 * the snapshot too, so that a request is checked and answered in one mode from start to end
 * even when the mode changes meanwhile.
 */
#include "config.h"

#include "authsim-gateway-private.h"

static void
snapshot_clear (gpointer data)
{
  AuthsimGatewaySnapshot *snapshot = data;

  g_free (snapshot->app_id);
  g_free (snapshot->host_app_id);
  g_ptr_array_unref (snapshot->info_keys);
  g_hash_table_unref (snapshot->values);
  g_clear_object (&snapshot->certs);
}

void
authsim_gateway_snapshot_unref (AuthsimGatewaySnapshot *snapshot)
{
  g_atomic_rc_box_release_full (snapshot, snapshot_clear);
}

/* The user.info.share keys of the profile's fields, in its order, each once. */
static GPtrArray *
info_keys_of (AuthsimProfile *profile)
{
  const char * const *fields = authsim_profile_get_user_info_fields (profile);
  GPtrArray *info_keys = g_ptr_array_new ();

  for (; fields != NULL && *fields != NULL; fields++)
    {
      const char *key = authsim_user_info_field_to_key (*fields);
      guint i;

      if (key != NULL && !g_ptr_array_find_with_equal_func (info_keys, key, g_str_equal, &i))
        g_ptr_array_add (info_keys, (gpointer) key);
    }
  return info_keys;
}

/* Whether the app has an AES key configured (接口内容加密方式, SPEC §11.1: the profile's `aesKey`,
 * default true). */
static gboolean
profile_has_aes_key (AuthsimProfile *profile)
{
  return authsim_profile_get_aes_key (profile);
}

/* Main thread: a snapshot of @profile, @users (nullable) and @certs (nullable: key mode) as
 * they are now. */
static AuthsimGatewaySnapshot *
snapshot_new (AuthsimProfile *profile,
              GListModel     *users,
              AuthsimCerts   *certs)
{
  AuthsimGatewaySnapshot *snapshot = g_atomic_rc_box_new0 (AuthsimGatewaySnapshot);

  snapshot->app_id = g_strdup (authsim_profile_get_app_id (profile));
  snapshot->host_app_id = g_strdup (authsim_profile_get_host_app_id (profile));
  snapshot->id_mode = authsim_profile_get_id_mode (profile);
  snapshot->aes_key = profile_has_aes_key (profile);
  snapshot->certs = certs != NULL ? g_object_ref (certs) : NULL;
  snapshot->info_keys = info_keys_of (profile);
  snapshot->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) g_ptr_array_unref);

  for (guint u = 0; users != NULL && u < g_list_model_get_n_items (users); u++)
    {
      g_autoptr(AuthsimUser) user = g_list_model_get_item (users, u);
      GPtrArray *values = g_ptr_array_new_full (snapshot->info_keys->len, g_free);

      for (guint i = 0; i < snapshot->info_keys->len; i++)
        g_ptr_array_add (values, g_strdup (authsim_user_get_info_value (
                                             user, g_ptr_array_index (snapshot->info_keys, i))));
      g_hash_table_replace (snapshot->values, g_strdup (authsim_user_get_user_id (user)), values);
    }

  return snapshot;
}

AuthsimSignMode
authsim_gateway_snapshot_sign_mode (const AuthsimGatewaySnapshot *snapshot)
{
  return snapshot->certs != NULL ? AUTHSIM_SIGN_MODE_CERT : AUTHSIM_SIGN_MODE_KEY;
}

gboolean
authsim_gateway_snapshot_knows_app (const AuthsimGatewaySnapshot *snapshot,
                                    const char                   *app_id)
{
  return g_strcmp0 (app_id, snapshot->app_id) == 0 ||
         g_strcmp0 (app_id, snapshot->host_app_id) == 0;
}

AuthsimGatewaySnapshot *
authsim_gateway_dup_snapshot (AuthsimGateway *self)
{
  AuthsimGatewaySnapshot *snapshot;

  g_mutex_lock (&self->snapshot_lock);
  snapshot = g_atomic_rc_box_acquire (self->snapshot);
  g_mutex_unlock (&self->snapshot_lock);
  return snapshot;
}

void
authsim_gateway_refresh_snapshot (AuthsimGateway *self)
{
  AuthsimGatewaySnapshot *fresh = snapshot_new (authsim_engine_get_profile (self->engine),
                                                authsim_engine_get_users (self->engine),
                                                self->certs);
  AuthsimGatewaySnapshot *old;

  g_mutex_lock (&self->snapshot_lock);
  old = self->snapshot;
  self->snapshot = fresh;
  g_mutex_unlock (&self->snapshot_lock);
  if (old != NULL)
    authsim_gateway_snapshot_unref (old);
}

static void
profile_notify_cb (AuthsimProfile *profile,
                   GParamSpec     *pspec,
                   AuthsimGateway *self)
{
  authsim_gateway_refresh_snapshot (self);
}

static void
user_changed_cb (AuthsimUser    *user,
                 AuthsimGateway *self)
{
  authsim_gateway_refresh_snapshot (self);
}

static void
users_items_changed_cb (GListModel     *users,
                        guint           position,
                        guint           removed,
                        guint           added,
                        AuthsimGateway *self)
{
  authsim_gateway_watch_profile_and_users (self);
}

void
authsim_gateway_unwatch_profile_and_users (AuthsimGateway *self)
{
  if (self->watched_profile != NULL)
    g_signal_handlers_disconnect_by_data (self->watched_profile, self);
  g_clear_object (&self->watched_profile);
  if (self->watched_users != NULL)
    g_signal_handlers_disconnect_by_data (self->watched_users, self);
  g_clear_object (&self->watched_users);
  for (guint i = 0; i < self->watched_user_objects->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->watched_user_objects, i),
                                          self);
  g_ptr_array_set_size (self->watched_user_objects, 0);
}

/* Follows the engine's current profile, its users and each user, and refreshes the snapshot
 * on any change of them (a profile property, a user's info). Called again when the engine's
 * profile or users, or the list of users, change. */
void
authsim_gateway_watch_profile_and_users (AuthsimGateway *self)
{
  GListModel *users = authsim_engine_get_users (self->engine);

  authsim_gateway_unwatch_profile_and_users (self);

  self->watched_profile = g_object_ref (authsim_engine_get_profile (self->engine));
  g_signal_connect (self->watched_profile, "notify", G_CALLBACK (profile_notify_cb), self);

  if (users != NULL)
    {
      self->watched_users = g_object_ref (users);
      g_signal_connect (users, "items-changed", G_CALLBACK (users_items_changed_cb), self);
    }
  for (guint i = 0; users != NULL && i < g_list_model_get_n_items (users); i++)
    {
      AuthsimUser *user = g_list_model_get_item (users, i);

      g_signal_connect (user, "changed", G_CALLBACK (user_changed_cb), self);
      g_ptr_array_add (self->watched_user_objects, user);
    }

  authsim_gateway_refresh_snapshot (self);
}
