/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "authsim-json.h"
#include "authsim-profile-private.h"
#include "authsim-user.h"
#include "data/authsim-data-resources.h"

#define DEFAULT_USERS_PATH "/io/github/authsim/AuthSim/data/demo-users.json"

struct _AuthsimUser
{
  GObject parent_instance;

  char       *user_id;
  char       *display_name;
  char       *avatar_image; /* nullable: a picture of the avatar the preview can draw */
  JsonObject *info; /* mutable: string members only */
};

G_DEFINE_FINAL_TYPE (AuthsimUser, authsim_user, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_USER_ID,
  PROP_DISPLAY_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
authsim_user_finalize (GObject *object)
{
  AuthsimUser *self = AUTHSIM_USER (object);

  g_free (self->user_id);
  g_free (self->display_name);
  g_free (self->avatar_image);
  g_clear_pointer (&self->info, json_object_unref);

  G_OBJECT_CLASS (authsim_user_parent_class)->finalize (object);
}

static void
authsim_user_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  AuthsimUser *self = AUTHSIM_USER (object);

  switch (prop_id)
    {
    case PROP_USER_ID:
      g_value_set_string (value, self->user_id);
      break;
    case PROP_DISPLAY_NAME:
      g_value_set_string (value, self->display_name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_user_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  AuthsimUser *self = AUTHSIM_USER (object);

  switch (prop_id)
    {
    case PROP_USER_ID:
      g_free (self->user_id);
      self->user_id = g_value_dup_string (value);
      break;
    case PROP_DISPLAY_NAME:
      g_free (self->display_name);
      self->display_name = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_user_class_init (AuthsimUserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = authsim_user_finalize;
  object_class->get_property = authsim_user_get_property;
  object_class->set_property = authsim_user_set_property;

  properties[PROP_USER_ID] =
    g_param_spec_string ("user-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DISPLAY_NAME] =
    g_param_spec_string ("display-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * AuthsimUser::changed:
   * A user.info.share value changed (authsim_user_set_info_value).
   */
  signals[CHANGED] =
    g_signal_new ("changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
authsim_user_init (AuthsimUser *self)
{
  self->info = json_object_new ();
}

/**
 * authsim_user_new:
 * @info: (nullable): user.info.share values, string members keyed in snake_case; copied.
 * Returns: (transfer full): a new user.
 */
AuthsimUser *
authsim_user_new (const char *user_id,
                  const char *display_name,
                  JsonObject *info)
{
  AuthsimUser *self;

  g_return_val_if_fail (user_id != NULL, NULL);
  g_return_val_if_fail (display_name != NULL, NULL);

  self = g_object_new (AUTHSIM_TYPE_USER,
                       "user-id", user_id,
                       "display-name", display_name,
                       NULL);

  /* A copy of our own: the caller's object may be sealed (parsed immutably) or shared. */
  if (info != NULL)
    {
      JsonObjectIter iter;
      const char *key;
      JsonNode *value;

      json_object_iter_init (&iter, info);
      while (json_object_iter_next (&iter, &key, &value))
        {
          g_return_val_if_fail (JSON_NODE_HOLDS_VALUE (value) &&
                                json_node_get_value_type (value) == G_TYPE_STRING, self);
          json_object_set_string_member (self->info, key, json_node_get_string (value));
        }
    }

  return self;
}

const char *
authsim_user_get_user_id (AuthsimUser *self)
{
  g_return_val_if_fail (AUTHSIM_IS_USER (self), NULL);
  return self->user_id;
}

const char *
authsim_user_get_display_name (AuthsimUser *self)
{
  g_return_val_if_fail (AUTHSIM_IS_USER (self), NULL);
  return self->display_name;
}

const char *
authsim_user_get_avatar_image (AuthsimUser *self)
{
  g_return_val_if_fail (AUTHSIM_IS_USER (self), NULL);
  return self->avatar_image;
}

void
authsim_user_set_avatar_image (AuthsimUser *self,
                               const char  *image)
{
  g_return_if_fail (AUTHSIM_IS_USER (self));

  if (g_strcmp0 (self->avatar_image, image) == 0)
    return;
  g_free (self->avatar_image);
  self->avatar_image = g_strdup (image);
  g_signal_emit (self, signals[CHANGED], 0);
}

JsonObject *
authsim_user_get_info (AuthsimUser *self)
{
  g_return_val_if_fail (AUTHSIM_IS_USER (self), NULL);
  return self->info;
}

const char *
authsim_user_get_info_value (AuthsimUser *self,
                             const char  *key)
{
  JsonNode *node;

  g_return_val_if_fail (AUTHSIM_IS_USER (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  node = json_object_get_member (self->info, key);
  return node != NULL ? json_node_get_string (node) : NULL;
}

/* Sets (or, with a NULL @value, removes) one value; emits "changed" on a real change. */
void
authsim_user_set_info_value (AuthsimUser *self,
                             const char  *key,
                             const char  *value)
{
  g_return_if_fail (AUTHSIM_IS_USER (self));
  g_return_if_fail (key != NULL);

  if (g_strcmp0 (authsim_user_get_info_value (self, key), value) == 0)
    return;

  if (value != NULL)
    json_object_set_string_member (self->info, key, value);
  else
    json_object_remove_member (self->info, key);

  g_signal_emit (self, signals[CHANGED], 0);
}

/* ------------------------------------------------------------------------------------------
 * The users file
 * ------------------------------------------------------------------------------------------ */

static gboolean
is_user_id (const char *s)
{
  gsize i;

  if (!g_str_has_prefix (s, "2088"))
    return FALSE;
  for (i = 0; s[i] != '\0'; i++)
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
  return i == 16;
}

static gboolean
is_known_key (const char *key)
{
  const char * const *fields = authsim_user_info_fields_known ();

  for (guint i = 0; fields[i] != NULL; i++)
    if (g_str_equal (authsim_user_info_field_to_key (fields[i]), key))
      return TRUE;
  return FALSE;
}

/* "info": only the snake_case keys of known fields (a typo would silently hide a value),
 * string values, gender F or M. */
static gboolean
read_info (const AuthsimJsonLoader  *loader,
           JsonObject               *object,
           const char               *path,
           JsonObject              **out,
           GError                  **error)
{
  g_autofree char *info_path = g_strdup_printf ("%s.info", path);
  JsonNode *node = json_object_get_member (object, "info");
  JsonObjectIter iter;
  JsonObject *info;
  const char *key;
  JsonNode *value;

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (!authsim_json_expect_object (loader, node, info_path, error))
    return FALSE;

  info = json_node_get_object (node);
  json_object_iter_init (&iter, info);
  while (json_object_iter_next (&iter, &key, &value))
    {
      g_autofree char *value_path = g_strdup_printf ("%s.%s", info_path, key);

      if (!is_known_key (key))
        {
          const char *suggestion = authsim_user_info_field_to_key (key);

          /* The profile's camelCase spelling ("nickName") is the likeliest mistake. */
          if (suggestion != NULL)
            return authsim_json_fail (loader, error, info_path,
                                      "unknown key \"%s\" (did you mean \"%s\"?)",
                                      key, suggestion);
          return authsim_json_fail (loader, error, info_path, "unknown key \"%s\"", key);
        }

      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
        return authsim_json_fail (loader, error, value_path, "expected a string, got %s",
                                  authsim_json_describe (value));

      if (g_str_equal (key, "gender") &&
          !g_str_equal (json_node_get_string (value), "F") &&
          !g_str_equal (json_node_get_string (value), "M"))
        return authsim_json_fail (loader, error, value_path,
                                  "expected \"F\" or \"M\", got \"%s\"",
                                  json_node_get_string (value));
    }

  *out = info;
  return TRUE;
}

/* "avatarImage": "resource:///…" as is, a file: URI or a path relative to the users file. */
static gboolean
read_avatar_image (const AuthsimJsonLoader  *loader,
                   JsonObject               *object,
                   const char               *path,
                   char                    **out,
                   GError                  **error)
{
  const char *value;

  if (!authsim_json_get_string (loader, object, path, "avatarImage", FALSE, TRUE, &value, error))
    return FALSE;
  if (value == NULL)
    return TRUE;

  if (g_str_has_prefix (value, "resource:///"))
    *out = g_strdup (value);
  else if (g_str_has_prefix (value, "file:"))
    {
      *out = g_filename_from_uri (value, NULL, NULL);
      if (*out == NULL)
        {
          g_autofree char *member_path = g_strdup_printf ("%s.avatarImage", path);
          return authsim_json_fail (loader, error, member_path,
                                    "expected a resource:/// URI, a file: URI or a path, "
                                    "got \"%s\"", value);
        }
    }
  else if (loader->base_dir != NULL)
    *out = g_canonicalize_filename (value, loader->base_dir);
  else
    *out = g_strdup (value);
  return TRUE;
}

static AuthsimUser *
read_user (const AuthsimJsonLoader  *loader,
           JsonNode                 *node,
           const char               *path,
           GError                  **error)
{
  static const char * const keys[] = { "userId", "displayName", "avatarImage", "info", NULL };
  g_autofree char *display_name = NULL;
  g_autofree char *avatar_image = NULL;
  AuthsimUser *user;
  JsonObject *object;
  JsonObject *info;
  const char *user_id;

  if (!authsim_json_expect_object (loader, node, path, error))
    return NULL;
  object = json_node_get_object (node);

  if (!authsim_json_check_keys (loader, object, path, keys, error) ||
      !authsim_json_get_string (loader, object, path, "userId", TRUE, FALSE, &user_id, error))
    return NULL;

  if (!is_user_id (user_id))
    {
      g_autofree char *member_path = g_strdup_printf ("%s.userId", path);
      authsim_json_fail (loader, error, member_path,
                         "expected \"2088\" followed by 12 digits, got \"%s\"", user_id);
      return NULL;
    }

  if (!authsim_json_get_localised (loader, object, path, "displayName", TRUE,
                                   &display_name, error) ||
      !read_avatar_image (loader, object, path, &avatar_image, error) ||
      !read_info (loader, object, path, &info, error))
    return NULL;

  user = authsim_user_new (user_id, display_name, info);
  user->avatar_image = g_steal_pointer (&avatar_image);
  return user;
}

static GListModel *
load_users (const char          *data,
            gssize               length,
            const char          *source,
            const char          *base_dir,
            const char * const  *languages,
            GError             **error)
{
  static const char * const keys[] = { "users", NULL };
  g_autoptr(GListStore) store = g_list_store_new (AUTHSIM_TYPE_USER);
  g_autoptr(JsonNode) root = NULL;
  AuthsimJsonLoader loader = { source, base_dir, languages };
  JsonObject *object;
  JsonNode *node;
  JsonArray *array;

  root = authsim_json_parse (&loader, data, length, error);
  if (root == NULL)
    return NULL;
  object = json_node_get_object (root);

  if (!authsim_json_check_keys (&loader, object, "$", keys, error))
    return NULL;

  node = json_object_get_member (object, "users");
  if (node == NULL)
    {
      authsim_json_fail (&loader, error, "$.users", "required, but missing");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      authsim_json_fail (&loader, error, "$.users", "expected an array, got %s",
                         authsim_json_describe (node));
      return NULL;
    }

  array = json_node_get_array (node);
  if (json_array_get_length (array) == 0)
    {
      authsim_json_fail (&loader, error, "$.users",
                         "expected at least one user, got an empty array");
      return NULL;
    }

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *user_path = g_strdup_printf ("$.users[%u]", i);
      g_autoptr(AuthsimUser) user = read_user (&loader, json_array_get_element (array, i),
                                               user_path, error);

      if (user == NULL)
        return NULL;

      for (guint j = 0; j < i; j++)
        {
          g_autoptr(AuthsimUser) other = g_list_model_get_item (G_LIST_MODEL (store), j);

          if (g_str_equal (other->user_id, user->user_id))
            {
              g_autofree char *member_path = g_strdup_printf ("%s.userId", user_path);
              authsim_json_fail (&loader, error, member_path,
                                 "duplicate userId \"%s\" (also at $.users[%u].userId)",
                                 user->user_id, j);
              return NULL;
            }
        }

      g_list_store_append (store, user);
    }

  return G_LIST_MODEL (g_steal_pointer (&store));
}

/**
 * authsim_users_new_from_file:
 * Returns: (transfer full) (nullable): a GListModel of AuthsimUser, or NULL with an
 *   AUTHSIM_ERROR whose message names the file's basename.
 */
GListModel *
authsim_users_new_from_file (const char  *path,
                             GError     **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *basename = NULL;
  g_autofree char *absolute = NULL;
  g_autofree char *base_dir = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);

  contents = authsim_json_read_file (path, &length, error);
  if (contents == NULL)
    return NULL;

  basename = g_path_get_basename (path);
  absolute = g_canonicalize_filename (path, NULL);
  base_dir = g_path_get_dirname (absolute);
  return load_users (contents, length, basename, base_dir, g_get_language_names (), error);
}

/**
 * authsim_users_new_from_data:
 * Returns: (transfer full) (nullable): a GListModel of AuthsimUser, or NULL with an
 *   AUTHSIM_ERROR whose message names @source_name.
 */
GListModel *
authsim_users_new_from_data (const char  *data,
                             gssize       length,
                             const char  *source_name,
                             GError     **error)
{
  return authsim_users_new_from_data_for_languages (data, length, source_name,
                                                    g_get_language_names (), error);
}

GListModel *
authsim_users_new_from_data_for_languages (const char          *data,
                                           gssize               length,
                                           const char          *source_name,
                                           const char * const  *languages,
                                           GError             **error)
{
  g_return_val_if_fail (data != NULL, NULL);

  return load_users (data, length, source_name != NULL ? source_name : "<data>", NULL,
                     languages, error);
}

/**
 * authsim_users_new_default:
 * The built-in test users. Invalid ones are a build bug, so it aborts.
 * Returns: (transfer full): a GListModel of AuthsimUser.
 */
GListModel *
authsim_users_new_default (void)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  GListModel *users;
  const char *data;
  gsize length;

  bytes = g_resource_lookup_data (authsim_data_get_resource (), DEFAULT_USERS_PATH,
                                  G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  if (bytes == NULL)
    g_error ("The built-in users are missing: %s", error->message);

  data = g_bytes_get_data (bytes, &length);
  users = load_users (data, length, "demo-users.json", NULL, g_get_language_names (), &error);
  if (users == NULL)
    g_error ("The built-in users are invalid: %s", error->message);

  return users;
}

AuthsimUser *
authsim_users_find (GListModel *users,
                    const char *user_id)
{
  g_return_val_if_fail (G_IS_LIST_MODEL (users), NULL);

  for (guint i = 0; user_id != NULL && i < g_list_model_get_n_items (users); i++)
    {
      g_autoptr(AuthsimUser) user = g_list_model_get_item (users, i);

      /* The model keeps its reference: transfer none. */
      if (g_str_equal (user->user_id, user_id))
        return user;
    }

  return NULL;
}
