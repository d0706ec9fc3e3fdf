/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "authsim-enums.h"
#include "authsim-json.h"
#include "authsim-profile-private.h"
#include "authsim-scopes.h"
#include "data/authsim-data-resources.h"

#define DEFAULT_PROFILE_PATH "/io/github/authsim/AuthSim/data/demo-profile.json"

/* ------------------------------------------------------------------------------------------
 * Pages and buttons
 * ------------------------------------------------------------------------------------------ */

/* A call as a page writes it: the API and its parameter object (nullable). */
typedef struct
{
  gboolean    set;
  AuthsimApi  api;
  JsonNode   *params;
} PageCall;

typedef struct
{
  char             *label;
  PageCall          call;         /* a call button ("params" and/or "api") */
  char             *navigate_to;  /* or a my.navigateTo button */
  char             *relaunch;     /* or a my.reLaunch button */
  gboolean          authorize;    /* or a <button open-type="getAuthorize"> */
  JsonNode         *scope;        /* its scope attribute as written (nullable: missing) */
  PageCall          on_authorize; /* what its onGetAuthorize does */
  gboolean          has_container;
  AuthsimContainer  container;
} AuthsimButton;

struct _AuthsimPage
{
  char          *path;
  char          *title;
  char          *body;
  PageCall       on_load;
  PageCall       on_show;
  AuthsimButton *buttons;
  guint          n_buttons;
};

static void
page_call_clear (PageCall *call)
{
  g_clear_pointer (&call->params, json_node_unref);
  call->set = FALSE;
}

static void
authsim_page_free (AuthsimPage *page)
{
  for (guint i = 0; i < page->n_buttons; i++)
    {
      AuthsimButton *button = &page->buttons[i];

      g_free (button->label);
      page_call_clear (&button->call);
      g_free (button->navigate_to);
      g_free (button->relaunch);
      g_clear_pointer (&button->scope, json_node_unref);
      page_call_clear (&button->on_authorize);
    }

  g_free (page->buttons);
  g_free (page->path);
  g_free (page->title);
  g_free (page->body);
  page_call_clear (&page->on_load);
  page_call_clear (&page->on_show);
  g_free (page);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AuthsimPage, authsim_page_free)

const char *
authsim_page_get_path (const AuthsimPage *page)
{
  g_return_val_if_fail (page != NULL, NULL);
  return page->path;
}

const char *
authsim_page_get_title (const AuthsimPage *page)
{
  g_return_val_if_fail (page != NULL, NULL);
  return page->title;
}

const char *
authsim_page_get_body (const AuthsimPage *page)
{
  g_return_val_if_fail (page != NULL, NULL);
  return page->body;
}

JsonNode *
authsim_page_get_on_load (const AuthsimPage *page)
{
  g_return_val_if_fail (page != NULL, NULL);
  return page->on_load.params;
}

JsonNode *
authsim_page_get_on_show (const AuthsimPage *page)
{
  g_return_val_if_fail (page != NULL, NULL);
  return page->on_show.params;
}

static gboolean
get_page_call (const PageCall  *call,
               AuthsimApi      *api,
               JsonNode       **params)
{
  if (!call->set)
    return FALSE;
  if (api != NULL)
    *api = call->api;
  if (params != NULL)
    *params = call->params;
  return TRUE;
}

gboolean
authsim_page_get_hook (const AuthsimPage  *page,
                       const char         *hook,
                       AuthsimApi         *api,
                       JsonNode          **params)
{
  g_return_val_if_fail (page != NULL, FALSE);

  if (g_strcmp0 (hook, "onLoad") == 0)
    return get_page_call (&page->on_load, api, params);
  g_return_val_if_fail (g_strcmp0 (hook, "onShow") == 0, FALSE);
  return get_page_call (&page->on_show, api, params);
}

guint
authsim_page_get_n_buttons (const AuthsimPage *page)
{
  g_return_val_if_fail (page != NULL, 0);
  return page->n_buttons;
}

const char *
authsim_page_get_button_label (const AuthsimPage *page,
                               guint              index)
{
  g_return_val_if_fail (page != NULL, NULL);
  g_return_val_if_fail (index < page->n_buttons, NULL);
  return page->buttons[index].label;
}

JsonNode *
authsim_page_get_button_params (const AuthsimPage *page,
                                guint              index)
{
  g_return_val_if_fail (page != NULL, NULL);
  g_return_val_if_fail (index < page->n_buttons, NULL);
  return page->buttons[index].call.params;
}

gboolean
authsim_page_get_button_call (const AuthsimPage  *page,
                              guint               index,
                              AuthsimApi         *api,
                              JsonNode          **params)
{
  g_return_val_if_fail (page != NULL, FALSE);
  g_return_val_if_fail (index < page->n_buttons, FALSE);
  return get_page_call (&page->buttons[index].call, api, params);
}

gboolean
authsim_page_get_button_authorize (const AuthsimPage  *page,
                                   guint               index,
                                   JsonNode          **scope)
{
  g_return_val_if_fail (page != NULL, FALSE);
  g_return_val_if_fail (index < page->n_buttons, FALSE);

  if (!page->buttons[index].authorize)
    return FALSE;
  if (scope != NULL)
    *scope = page->buttons[index].scope;
  return TRUE;
}

gboolean
authsim_page_get_button_on_authorize (const AuthsimPage  *page,
                                      guint               index,
                                      AuthsimApi         *api,
                                      JsonNode          **params)
{
  g_return_val_if_fail (page != NULL, FALSE);
  g_return_val_if_fail (index < page->n_buttons, FALSE);
  return get_page_call (&page->buttons[index].on_authorize, api, params);
}

const char *
authsim_page_get_button_navigate_to (const AuthsimPage *page,
                                     guint              index)
{
  g_return_val_if_fail (page != NULL, NULL);
  g_return_val_if_fail (index < page->n_buttons, NULL);
  return page->buttons[index].navigate_to;
}

const char *
authsim_page_get_button_relaunch (const AuthsimPage *page,
                                  guint              index)
{
  g_return_val_if_fail (page != NULL, NULL);
  g_return_val_if_fail (index < page->n_buttons, NULL);
  return page->buttons[index].relaunch;
}

gboolean
authsim_page_get_button_container (const AuthsimPage *page,
                                   guint              index,
                                   AuthsimContainer  *container)
{
  g_return_val_if_fail (page != NULL, FALSE);
  g_return_val_if_fail (index < page->n_buttons, FALSE);

  if (!page->buttons[index].has_container)
    return FALSE;
  if (container != NULL)
    *container = page->buttons[index].container;
  return TRUE;
}

/* ------------------------------------------------------------------------------------------
 * The profile
 * ------------------------------------------------------------------------------------------ */

struct _AuthsimProfile
{
  GObject parent_instance;

  char              *source;
  char              *app_id;
  char              *name;
  char              *icon;
  char              *host_app_id;
  char              *host_name;
  char              *host_icon;
  AuthsimAppType     app_type;
  gboolean           jsapi_base_package;
  AuthsimThirdParty  third_party;
  AuthsimIdMode      id_mode;
  GStrv              user_info_fields;
  GStrv              entitled_scopes;
  GStrv              products;
  gboolean           aes_key;
  gboolean           sign_responses;
  JsonObject        *device_settings; /* key → boolean, in profile order */
  GPtrArray         *pages; /* of AuthsimPage, the launch page first */
};

G_DEFINE_FINAL_TYPE (AuthsimProfile, authsim_profile, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_APP_ID,
  PROP_NAME,
  PROP_APP_TYPE,
  PROP_JSAPI_BASE_PACKAGE,
  PROP_THIRD_PARTY,
  PROP_ID_MODE,
  PROP_USER_INFO_FIELDS,
  PROP_PRODUCTS,
  PROP_AES_KEY,
  PROP_SIGN_RESPONSES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* camelCase field → its user.info.share key, in the order the consent popup lists them. */
static const char * const known_fields[] = {
  "nickName", "avatar", "gender", "province", "city",
  "mobile", "userName", "certNo", "birthday", "email",
  NULL
};

static const char * const known_field_keys[] = {
  "nick_name", "avatar", "gender", "province", "city",
  "mobile", "user_name", "cert_no", "birthday", "email",
  NULL
};

static const char * const default_user_info_fields[] = {
  "nickName", "avatar", "gender", "province", "city", NULL
};

static const char * const default_entitled_scopes[] = {
  "auth_base", "auth_user", NULL
};

/* The products a console binds that AuthSim simulates (SPEC §10.1): the authSetting keys of
 * my.getOpenUserInfo and my.getPhoneNumber. */
static const char * const known_products[] = { "userInfo", "phoneNumber", NULL };

/* The device permissions my.getSetting may also report (SPEC §12), when the profile lists
 * them under deviceSettings. */
static const char * const known_device_settings[] = {
  "album", "audioRecord", "bluetooth", "camera", "location", NULL
};

const char * const *
authsim_products_known (void)
{
  return known_products;
}

gboolean
authsim_product_is_known (const char *product)
{
  return product != NULL && g_strv_contains (known_products, product);
}

const char * const *
authsim_device_settings_known (void)
{
  return known_device_settings;
}

const char * const *
authsim_user_info_fields_known (void)
{
  return known_fields;
}

const char *
authsim_user_info_field_to_key (const char *field)
{
  for (guint i = 0; field != NULL && known_fields[i] != NULL; i++)
    if (g_str_equal (known_fields[i], field))
      return known_field_keys[i];
  return NULL;
}

static void
authsim_profile_finalize (GObject *object)
{
  AuthsimProfile *self = AUTHSIM_PROFILE (object);

  g_free (self->source);
  g_free (self->app_id);
  g_free (self->name);
  g_free (self->icon);
  g_free (self->host_app_id);
  g_free (self->host_name);
  g_free (self->host_icon);
  g_strfreev (self->user_info_fields);
  g_strfreev (self->entitled_scopes);
  g_strfreev (self->products);
  g_clear_pointer (&self->device_settings, json_object_unref);
  g_clear_pointer (&self->pages, g_ptr_array_unref);

  G_OBJECT_CLASS (authsim_profile_parent_class)->finalize (object);
}

static void
authsim_profile_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  AuthsimProfile *self = AUTHSIM_PROFILE (object);

  switch (prop_id)
    {
    case PROP_APP_ID:
      g_value_set_string (value, self->app_id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_APP_TYPE:
      g_value_set_enum (value, self->app_type);
      break;
    case PROP_JSAPI_BASE_PACKAGE:
      g_value_set_boolean (value, self->jsapi_base_package);
      break;
    case PROP_THIRD_PARTY:
      g_value_set_enum (value, self->third_party);
      break;
    case PROP_ID_MODE:
      g_value_set_enum (value, self->id_mode);
      break;
    case PROP_USER_INFO_FIELDS:
      g_value_set_boxed (value, self->user_info_fields);
      break;
    case PROP_PRODUCTS:
      g_value_set_boxed (value, self->products);
      break;
    case PROP_AES_KEY:
      g_value_set_boolean (value, self->aes_key);
      break;
    case PROP_SIGN_RESPONSES:
      g_value_set_boolean (value, self->sign_responses);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_profile_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  AuthsimProfile *self = AUTHSIM_PROFILE (object);

  switch (prop_id)
    {
    case PROP_APP_TYPE:
      authsim_profile_set_app_type (self, g_value_get_enum (value));
      break;
    case PROP_JSAPI_BASE_PACKAGE:
      authsim_profile_set_jsapi_base_package (self, g_value_get_boolean (value));
      break;
    case PROP_THIRD_PARTY:
      authsim_profile_set_third_party (self, g_value_get_enum (value));
      break;
    case PROP_ID_MODE:
      authsim_profile_set_id_mode (self, g_value_get_enum (value));
      break;
    case PROP_USER_INFO_FIELDS:
      authsim_profile_set_user_info_fields (self, g_value_get_boxed (value));
      break;
    case PROP_PRODUCTS:
      authsim_profile_set_products (self, g_value_get_boxed (value));
      break;
    case PROP_AES_KEY:
      authsim_profile_set_aes_key (self, g_value_get_boolean (value));
      break;
    case PROP_SIGN_RESPONSES:
      authsim_profile_set_sign_responses (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_profile_class_init (AuthsimProfileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = authsim_profile_finalize;
  object_class->get_property = authsim_profile_get_property;
  object_class->set_property = authsim_profile_set_property;

  properties[PROP_APP_ID] =
    g_param_spec_string ("app-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_APP_TYPE] =
    g_param_spec_enum ("app-type", NULL, NULL,
                       AUTHSIM_TYPE_APP_TYPE, AUTHSIM_APP_TYPE_PERSONAL,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_JSAPI_BASE_PACKAGE] =
    g_param_spec_boolean ("jsapi-base-package", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_THIRD_PARTY] =
    g_param_spec_enum ("third-party", NULL, NULL,
                       AUTHSIM_TYPE_THIRD_PARTY, AUTHSIM_THIRD_PARTY_NONE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ID_MODE] =
    g_param_spec_enum ("id-mode", NULL, NULL,
                       AUTHSIM_TYPE_ID_MODE, AUTHSIM_ID_MODE_USER_ID,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_USER_INFO_FIELDS] =
    g_param_spec_boxed ("user-info-fields", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PRODUCTS] =
    g_param_spec_boxed ("products", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_AES_KEY] =
    g_param_spec_boolean ("aes-key", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SIGN_RESPONSES] =
    g_param_spec_boolean ("sign-responses", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
authsim_profile_init (AuthsimProfile *self)
{
  self->app_type = AUTHSIM_APP_TYPE_PERSONAL;
  self->jsapi_base_package = TRUE;
  self->third_party = AUTHSIM_THIRD_PARTY_NONE;
  self->id_mode = AUTHSIM_ID_MODE_USER_ID;
  self->aes_key = TRUE;
  self->sign_responses = TRUE;
  self->device_settings = json_object_new ();
  self->pages = g_ptr_array_new_with_free_func ((GDestroyNotify) authsim_page_free);
}

/* ------------------------------------------------------------------------------------------
 * Reading a profile
 * ------------------------------------------------------------------------------------------ */

static gboolean
is_digits (const char *s,
           gsize       n)
{
  gsize i;

  for (i = 0; s[i] != '\0'; i++)
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
  return i == n;
}

static gboolean
read_app_id (const AuthsimJsonLoader  *loader,
             JsonObject               *object,
             const char               *path,
             char                    **out,
             GError                  **error)
{
  const char *value;

  if (!authsim_json_get_string (loader, object, path, "appId", TRUE, FALSE, &value, error))
    return FALSE;

  if (!is_digits (value, 16))
    {
      g_autofree char *member_path = g_strdup_printf ("%s.appId", path);
      return authsim_json_fail (loader, error, member_path,
                                "expected 16 digits, got \"%s\"", value);
    }

  *out = g_strdup (value);
  return TRUE;
}

/* An icon: "resource:///…" as is, a file: URI or a path, relative to the profile's directory
 * (kept as is for data that has no file). */
static gboolean
read_icon (const AuthsimJsonLoader  *loader,
           JsonObject               *object,
           const char               *path,
           char                    **out,
           GError                  **error)
{
  const char *value;

  if (!authsim_json_get_string (loader, object, path, "icon", FALSE, TRUE, &value, error))
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
          g_autofree char *member_path = g_strdup_printf ("%s.icon", path);
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

static gboolean
read_enum (const AuthsimJsonLoader  *loader,
           JsonObject               *object,
           const char               *path,
           const char               *key,
           GType                     enum_type,
           int                      *out,
           GError                  **error)
{
  const char *value;

  if (!authsim_json_get_string (loader, object, path, key, FALSE, FALSE, &value, error))
    return FALSE;
  if (value == NULL)
    return TRUE; /* *out keeps its default */

  if (!authsim_enum_from_nick (enum_type, value, out))
    {
      g_autoptr(GEnumClass) klass = g_type_class_ref (enum_type);
      g_autoptr(GString) expected = g_string_new (NULL);
      g_autofree char *member_path = g_strdup_printf ("%s.%s", path, key);

      for (guint i = 0; i < klass->n_values; i++)
        g_string_append_printf (expected, "%s\"%s\"", i > 0 ? ", " : "",
                                klass->values[i].value_nick);
      return authsim_json_fail (loader, error, member_path, "expected one of %s, got \"%s\"",
                                expected->str, value);
    }

  return TRUE;
}

static gboolean
read_boolean (const AuthsimJsonLoader  *loader,
              JsonObject               *object,
              const char               *path,
              const char               *key,
              gboolean                 *out,
              GError                  **error)
{
  JsonNode *node = json_object_get_member (object, key);

  if (node == NULL)
    return TRUE; /* *out keeps its default */

  if (!authsim_json_is_boolean (node))
    {
      g_autofree char *member_path = g_strdup_printf ("%s.%s", path, key);
      return authsim_json_fail (loader, error, member_path, "expected a boolean, got %s",
                                authsim_json_describe (node));
    }

  *out = json_node_get_boolean (node);
  return TRUE;
}

/* An array of distinct strings, each accepted by @is_valid; @what names one in messages. */
static gboolean
read_name_list (const AuthsimJsonLoader  *loader,
                JsonObject           *object,
                const char           *path,
                const char           *key,
                gboolean            (*is_valid) (const char *name),
                const char           *what,
                const char * const   *fallback,
                GStrv                *out,
                GError              **error)
{
  g_autofree char *member_path = g_strdup_printf ("%s.%s", path, key);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonNode *node = json_object_get_member (object, key);
  JsonArray *array;

  if (node == NULL)
    {
      *out = g_strdupv ((GStrv) fallback);
      return TRUE;
    }

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return authsim_json_fail (loader, error, member_path, "expected an array, got %s",
                              authsim_json_describe (node));

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      g_autofree char *element_path = g_strdup_printf ("%s[%u]", member_path, i);
      const char *name;

      if (!authsim_json_is_string (element))
        return authsim_json_fail (loader, error, element_path, "expected a string, got %s",
                                  authsim_json_describe (element));

      name = json_node_get_string (element);
      if (!is_valid (name))
        return authsim_json_fail (loader, error, element_path, "unknown %s \"%s\"",
                                  what, name);

      for (guint j = 0; j < i; j++)
        if (g_str_equal (json_array_get_string_element (array, j), name))
          return authsim_json_fail (loader, error, element_path,
                                    "duplicate %s \"%s\" (also at %s[%u])",
                                    what, name, member_path, j);
    }

  for (guint i = 0; i < json_array_get_length (array); i++)
    g_strv_builder_add (builder, json_array_get_string_element (array, i));
  *out = g_strv_builder_end (builder);
  return TRUE;
}

static gboolean
is_known_field (const char *name)
{
  return authsim_user_info_field_to_key (name) != NULL;
}

/* "params": a parameter object, kept as written (absent: *out stays NULL). Only the shape is
 * checked: invalid scopes and the like are what demos are for. */
static gboolean
read_params (const AuthsimJsonLoader  *loader,
             JsonObject               *object,
             const char               *path,
             JsonNode                **out,
             GError                  **error)
{
  JsonNode *params = json_object_get_member (object, "params");

  if (params == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (params))
    {
      g_autofree char *member_path = g_strdup_printf ("%s.params", path);
      return authsim_json_fail (loader, error, member_path,
                                "expected a parameter object, got %s",
                                authsim_json_describe (params));
    }
  *out = json_node_copy (params);
  return TRUE;
}

/* "api": one of the APIs a call can name (SPEC §13.5); *out keeps getAuthCode when absent. */
static gboolean
read_api (const AuthsimJsonLoader  *loader,
          JsonObject               *object,
          const char               *path,
          gboolean                  required,
          AuthsimApi               *out,
          GError                  **error)
{
  const char *value;
  int api;

  if (!authsim_json_get_string (loader, object, path, "api", required, FALSE, &value, error))
    return FALSE;
  if (value == NULL)
    return TRUE;

  if (!authsim_enum_from_nick (AUTHSIM_TYPE_API, value, &api) || api >= AUTHSIM_API_N_CALLABLE)
    {
      g_autofree char *member_path = g_strdup_printf ("%s.api", path);
      return authsim_json_fail (loader, error, member_path,
                                "expected one of \"getAuthCode\", \"getOpenUserInfo\", "
                                "\"getPhoneNumber\", \"getSetting\", \"openSetting\", got \"%s\"",
                                value);
    }
  *out = api;
  return TRUE;
}

/* A call written as {"api": …, "params": {…}} (onGetAuthorize, and the hooks that name an
 * API). */
static gboolean
read_call_object (const AuthsimJsonLoader  *loader,
                  JsonNode                 *node,
                  const char               *path,
                  PageCall                 *out,
                  GError                  **error)
{
  static const char * const keys[] = { "api", "params", NULL };
  JsonObject *object;

  if (!authsim_json_expect_object (loader, node, path, error))
    return FALSE;
  object = json_node_get_object (node);

  out->api = AUTHSIM_API_GET_AUTH_CODE;
  if (!authsim_json_check_keys (loader, object, path, keys, error) ||
      !read_api (loader, object, path, TRUE, &out->api, error) ||
      !read_params (loader, object, path, &out->params, error))
    return FALSE;
  out->set = TRUE;
  return TRUE;
}

/* onLoad / onShow: a getAuthCode parameter object, a call {"api": …, "params": {…}}, or null
 * for none. Stored as-is. */
static gboolean
read_hook (const AuthsimJsonLoader  *loader,
           JsonObject               *object,
           const char               *path,
           const char               *key,
           PageCall                 *out,
           GError                  **error)
{
  JsonNode *node = json_object_get_member (object, key);
  g_autofree char *member_path = g_strdup_printf ("%s.%s", path, key);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return authsim_json_fail (loader, error, member_path,
                              "expected a parameter object, a call {\"api\", \"params\"} or "
                              "null, got %s", authsim_json_describe (node));

  if (json_object_has_member (json_node_get_object (node), "api"))
    return read_call_object (loader, node, member_path, out, error);

  out->api = AUTHSIM_API_GET_AUTH_CODE;
  out->params = json_node_copy (node);
  out->set = TRUE;
  return TRUE;
}

/* A getAuthorize button: "openType": "getAuthorize", "scope" as written (any JSON: a missing
 * or wrong one is what its onError demonstrates), "onGetAuthorize" a call. */
static gboolean
read_authorize_button (const AuthsimJsonLoader  *loader,
                       JsonObject               *object,
                       const char               *path,
                       AuthsimButton            *button,
                       GError                  **error)
{
  const char *open_type = NULL;
  JsonNode *node;

  if (!authsim_json_get_string (loader, object, path, "openType", TRUE, FALSE, &open_type,
                                error))
    return FALSE;
  if (!g_str_equal (open_type, "getAuthorize"))
    {
      g_autofree char *member_path = g_strdup_printf ("%s.openType", path);
      return authsim_json_fail (loader, error, member_path,
                                "expected \"getAuthorize\", got \"%s\"", open_type);
    }

  button->authorize = TRUE;
  if ((node = json_object_get_member (object, "scope")) != NULL)
    button->scope = json_node_copy (node);
  if ((node = json_object_get_member (object, "onGetAuthorize")) != NULL)
    {
      g_autofree char *member_path = g_strdup_printf ("%s.onGetAuthorize", path);

      return read_call_object (loader, node, member_path, &button->on_authorize, error);
    }
  return TRUE;
}

/* The members that only some kinds of button may have. */
static gboolean
check_button_members (const AuthsimJsonLoader  *loader,
                      JsonObject               *object,
                      const char               *path,
                      const AuthsimButton      *button,
                      GError                  **error)
{
  static const char * const authorize_only[] = { "scope", "onGetAuthorize", NULL };

  for (guint i = 0; authorize_only[i] != NULL; i++)
    if (!button->authorize && json_object_has_member (object, authorize_only[i]))
      {
        g_autofree char *member_path = g_strdup_printf ("%s.%s", path, authorize_only[i]);
        return authsim_json_fail (loader, error, member_path,
                                  "only a button with \"openType\": \"getAuthorize\" may set "
                                  "\"%s\"", authorize_only[i]);
      }

  if (json_object_has_member (object, "container") && !button->call.set)
    {
      g_autofree char *member_path = g_strdup_printf ("%s.container", path);
      return authsim_json_fail (loader, error, member_path,
                                "only a button with \"params\" or \"api\" may set a container");
    }
  return TRUE;
}

static gboolean
read_button (const AuthsimJsonLoader  *loader,
             JsonObject               *object,
             const char               *path,
             AuthsimButton            *button,
             GError                  **error)
{
  static const char * const keys[] = {
    "label", "params", "api", "navigateTo", "reLaunch", "container", "openType", "scope",
    "onGetAuthorize", NULL
  };
  const char *value = NULL;
  gboolean is_call = json_object_has_member (object, "params") ||
                     json_object_has_member (object, "api");
  guint n_actions = is_call;
  int container;

  if (!authsim_json_check_keys (loader, object, path, keys, error) ||
      !authsim_json_get_localised (loader, object, path, "label", TRUE, &button->label, error))
    return FALSE;

  n_actions += json_object_has_member (object, "navigateTo") +
               json_object_has_member (object, "reLaunch") +
               json_object_has_member (object, "openType");
  if (n_actions != 1)
    return authsim_json_fail (loader, error, path,
                              "expected exactly one of \"params\" or \"api\", \"navigateTo\", "
                              "\"reLaunch\" or \"openType\", got %u", n_actions);

  if (is_call)
    {
      button->call.api = AUTHSIM_API_GET_AUTH_CODE;
      if (!read_api (loader, object, path, FALSE, &button->call.api, error) ||
          !read_params (loader, object, path, &button->call.params, error))
        return FALSE;
      button->call.set = TRUE;
    }
  else if (json_object_has_member (object, "navigateTo"))
    {
      if (!authsim_json_get_string (loader, object, path, "navigateTo", TRUE, TRUE,
                                    &value, error))
        return FALSE;
      button->navigate_to = g_strdup (value);
    }
  else if (json_object_has_member (object, "reLaunch"))
    {
      if (!authsim_json_get_string (loader, object, path, "reLaunch", TRUE, TRUE,
                                    &value, error))
        return FALSE;
      button->relaunch = g_strdup (value);
    }
  else if (!read_authorize_button (loader, object, path, button, error))
    return FALSE;

  if (!check_button_members (loader, object, path, button, error))
    return FALSE;

  if (json_object_has_member (object, "container"))
    {
      container = AUTHSIM_CONTAINER_MINI_PROGRAM;
      if (!read_enum (loader, object, path, "container", AUTHSIM_TYPE_CONTAINER,
                      &container, error))
        return FALSE;
      button->has_container = TRUE;
      button->container = container;
    }

  return TRUE;
}

static AuthsimPage *
read_page (const AuthsimJsonLoader  *loader,
           JsonNode                 *node,
           const char               *path,
           GError                  **error)
{
  static const char * const keys[] = {
    "path", "title", "body", "onLoad", "onShow", "buttons", NULL
  };
  g_autoptr(AuthsimPage) page = g_new0 (AuthsimPage, 1);
  JsonObject *object;
  JsonNode *buttons;
  const char *value;

  if (!authsim_json_expect_object (loader, node, path, error))
    return NULL;
  object = json_node_get_object (node);

  if (!authsim_json_check_keys (loader, object, path, keys, error) ||
      !authsim_json_get_string (loader, object, path, "path", TRUE, TRUE, &value, error))
    return NULL;
  page->path = g_strdup (value);

  if (!authsim_json_get_localised (loader, object, path, "title", TRUE, &page->title, error) ||
      !authsim_json_get_localised (loader, object, path, "body", FALSE, &page->body, error) ||
      !read_hook (loader, object, path, "onLoad", &page->on_load, error) ||
      !read_hook (loader, object, path, "onShow", &page->on_show, error))
    return NULL;

  buttons = json_object_get_member (object, "buttons");
  if (buttons != NULL)
    {
      g_autofree char *buttons_path = g_strdup_printf ("%s.buttons", path);
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (buttons))
        {
          authsim_json_fail (loader, error, buttons_path, "expected an array, got %s",
                             authsim_json_describe (buttons));
          return NULL;
        }

      array = json_node_get_array (buttons);
      page->buttons = g_new0 (AuthsimButton, json_array_get_length (array));
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          g_autofree char *button_path = g_strdup_printf ("%s[%u]", buttons_path, i);

          /* Counted first, so that a half-read button is freed with the page. */
          page->n_buttons++;
          if (!authsim_json_expect_object (loader, element, button_path, error) ||
              !read_button (loader, json_node_get_object (element), button_path,
                            &page->buttons[i], error))
            return NULL;
        }
    }

  return g_steal_pointer (&page);
}

/* "deviceSettings": {"location": true, …}: the device permissions my.getSetting reports beside
 * userInfo and phoneNumber, with their initial state. */
static gboolean
read_device_settings (const AuthsimJsonLoader  *loader,
                      JsonObject               *object,
                      AuthsimProfile           *self,
                      GError                  **error)
{
  JsonNode *node = json_object_get_member (object, "deviceSettings");
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  if (node == NULL)
    return TRUE;
  if (!authsim_json_expect_object (loader, node, "$.deviceSettings", error))
    return FALSE;

  json_object_iter_init_ordered (&iter, json_node_get_object (node));
  while (json_object_iter_next_ordered (&iter, &key, &value))
    {
      g_autofree char *member_path = g_strdup_printf ("$.deviceSettings.%s", key);

      if (authsim_product_is_known (key))
        return authsim_json_fail (loader, error, "$.deviceSettings",
                                  "\"%s\" is simulated by AuthSim, not a device setting", key);
      if (!g_strv_contains (known_device_settings, key))
        return authsim_json_fail (loader, error, "$.deviceSettings",
                                  "unknown setting \"%s\" (expected album, audioRecord, "
                                  "bluetooth, camera or location)", key);
      if (!authsim_json_is_boolean (value))
        return authsim_json_fail (loader, error, member_path, "expected a boolean, got %s",
                                  authsim_json_describe (value));
      json_object_set_boolean_member (self->device_settings, key, json_node_get_boolean (value));
    }
  return TRUE;
}

static gboolean
read_host (const AuthsimJsonLoader  *loader,
           JsonObject               *object,
           AuthsimProfile           *self,
           GError                  **error)
{
  static const char * const keys[] = { "appId", "name", "icon", NULL };
  JsonNode *node = json_object_get_member (object, "host");
  JsonObject *host;

  if (node == NULL)
    return TRUE;

  if (!authsim_json_expect_object (loader, node, "$.host", error))
    return FALSE;
  host = json_node_get_object (node);

  return authsim_json_check_keys (loader, host, "$.host", keys, error) &&
         read_app_id (loader, host, "$.host", &self->host_app_id, error) &&
         authsim_json_get_localised (loader, host, "$.host", "name", TRUE,
                                     &self->host_name, error) &&
         read_icon (loader, host, "$.host", &self->host_icon, error);
}

static gboolean
read_pages (const AuthsimJsonLoader  *loader,
            JsonObject               *object,
            AuthsimProfile           *self,
            GError                  **error)
{
  JsonNode *node = json_object_get_member (object, "pages");
  JsonArray *array;

  if (node == NULL)
    return authsim_json_fail (loader, error, "$.pages", "required, but missing");
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return authsim_json_fail (loader, error, "$.pages", "expected an array, got %s",
                              authsim_json_describe (node));

  array = json_node_get_array (node);
  if (json_array_get_length (array) == 0)
    return authsim_json_fail (loader, error, "$.pages",
                              "expected at least one page, got an empty array");

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *page_path = g_strdup_printf ("$.pages[%u]", i);
      AuthsimPage *page = read_page (loader, json_array_get_element (array, i), page_path, error);

      if (page == NULL)
        return FALSE;
      g_ptr_array_add (self->pages, page);

      for (guint j = 0; j < i; j++)
        if (g_str_equal (authsim_page_get_path (g_ptr_array_index (self->pages, j)), page->path))
          {
            g_autofree char *member_path = g_strdup_printf ("%s.path", page_path);
            return authsim_json_fail (loader, error, member_path,
                                      "duplicate path \"%s\" (also at $.pages[%u].path)",
                                      page->path, j);
          }
    }

  /* Now that every path is known: targets must exist, plugins need a host. */
  for (guint i = 0; i < self->pages->len; i++)
    {
      const AuthsimPage *page = g_ptr_array_index (self->pages, i);

      for (guint j = 0; j < page->n_buttons; j++)
        {
          const AuthsimButton *button = &page->buttons[j];
          const char *target = button->navigate_to != NULL ? button->navigate_to
                                                           : button->relaunch;

          if (target != NULL && authsim_profile_find_page (self, target) == NULL)
            {
              g_autofree char *member_path =
                g_strdup_printf ("$.pages[%u].buttons[%u].%s", i, j,
                                 button->navigate_to != NULL ? "navigateTo" : "reLaunch");
              return authsim_json_fail (loader, error, member_path,
                                        "no page has path \"%s\"", target);
            }

          if (button->has_container && button->container == AUTHSIM_CONTAINER_PLUGIN &&
              self->host_app_id == NULL)
            {
              g_autofree char *member_path =
                g_strdup_printf ("$.pages[%u].buttons[%u].container", i, j);
              return authsim_json_fail (loader, error, member_path,
                                        "a plugin container needs a \"host\" in the profile");
            }
        }
    }

  return TRUE;
}

static gboolean
read_profile (const AuthsimJsonLoader  *loader,
              JsonObject               *object,
              AuthsimProfile           *self,
              GError                  **error)
{
  static const char * const keys[] = {
    "appId", "name", "icon", "type", "host", "jsapiBasePackage", "thirdParty", "idMode",
    "userInfoFields", "entitledScopes", "products", "aesKey", "signResponses", "deviceSettings",
    "pages", NULL
  };
  int app_type = AUTHSIM_APP_TYPE_PERSONAL;
  int third_party = AUTHSIM_THIRD_PARTY_NONE;
  int id_mode = AUTHSIM_ID_MODE_USER_ID;

  if (!authsim_json_check_keys (loader, object, "$", keys, error) ||
      !read_app_id (loader, object, "$", &self->app_id, error) ||
      !authsim_json_get_localised (loader, object, "$", "name", TRUE, &self->name, error) ||
      !read_icon (loader, object, "$", &self->icon, error) ||
      !read_enum (loader, object, "$", "type", AUTHSIM_TYPE_APP_TYPE, &app_type, error) ||
      !read_host (loader, object, self, error) ||
      !read_boolean (loader, object, "$", "jsapiBasePackage", &self->jsapi_base_package,
                     error) ||
      !read_enum (loader, object, "$", "thirdParty", AUTHSIM_TYPE_THIRD_PARTY, &third_party,
                  error) ||
      !read_enum (loader, object, "$", "idMode", AUTHSIM_TYPE_ID_MODE, &id_mode, error) ||
      !read_name_list (loader, object, "$", "userInfoFields", is_known_field,
                       "user-info field", default_user_info_fields,
                       &self->user_info_fields, error) ||
      !read_name_list (loader, object, "$", "entitledScopes", authsim_scope_is_known,
                       "scope", default_entitled_scopes, &self->entitled_scopes, error) ||
      !read_name_list (loader, object, "$", "products", authsim_product_is_known, "product",
                       known_products, &self->products, error) ||
      !read_boolean (loader, object, "$", "aesKey", &self->aes_key, error) ||
      !read_boolean (loader, object, "$", "signResponses", &self->sign_responses, error) ||
      !read_device_settings (loader, object, self, error) ||
      !read_pages (loader, object, self, error))
    return FALSE;

  self->app_type = app_type;
  self->third_party = third_party;
  self->id_mode = id_mode;
  return TRUE;
}

static AuthsimProfile *
load_profile (const char          *data,
              gssize               length,
              const char          *source,
              const char          *message_source,
              const char          *base_dir,
              const char * const  *languages,
              GError             **error)
{
  g_autoptr(AuthsimProfile) self = NULL;
  g_autoptr(JsonNode) root = NULL;
  AuthsimJsonLoader loader = { message_source, base_dir, languages };

  root = authsim_json_parse (&loader, data, length, error);
  if (root == NULL)
    return NULL;

  self = g_object_new (AUTHSIM_TYPE_PROFILE, NULL);
  self->source = g_strdup (source);
  if (!read_profile (&loader, json_node_get_object (root), self, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * authsim_profile_new_from_file:
 * Loads a profile file; relative icon paths resolve against the file's directory.
 * Returns: (transfer full) (nullable): the profile, or NULL with an AUTHSIM_ERROR.
 */
AuthsimProfile *
authsim_profile_new_from_file (const char  *path,
                               GError     **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *absolute = NULL;
  g_autofree char *base_dir = NULL;
  g_autofree char *basename = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);

  contents = authsim_json_read_file (path, &length, error);
  if (contents == NULL)
    return NULL;

  absolute = g_canonicalize_filename (path, NULL);
  base_dir = g_path_get_dirname (absolute);
  basename = g_path_get_basename (path);

  return load_profile (contents, length, path, basename, base_dir,
                       g_get_language_names (), error);
}

/**
 * authsim_profile_new_from_data:
 * Loads a profile from memory; @source_name names it in messages and in get_source().
 * Relative icon paths are kept as they are.
 * Returns: (transfer full) (nullable): the profile, or NULL with an AUTHSIM_ERROR.
 */
AuthsimProfile *
authsim_profile_new_from_data (const char  *data,
                               gssize       length,
                               const char  *source_name,
                               GError     **error)
{
  return authsim_profile_new_from_data_for_languages (data, length, source_name,
                                                      g_get_language_names (), error);
}

AuthsimProfile *
authsim_profile_new_from_data_for_languages (const char          *data,
                                             gssize               length,
                                             const char          *source_name,
                                             const char * const  *languages,
                                             GError             **error)
{
  g_return_val_if_fail (data != NULL, NULL);

  if (source_name == NULL)
    source_name = "<data>";

  return load_profile (data, length, source_name, source_name, NULL, languages, error);
}

/**
 * authsim_profile_new_default:
 * The built-in demo profile. An invalid one is a build bug, so it aborts.
 * Returns: (transfer full): the profile.
 */
AuthsimProfile *
authsim_profile_new_default (void)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  AuthsimProfile *self;
  gsize length;
  const char *data;

  /* Referencing the resource also links its constructor (it lives in a static library),
   * which registers it globally for the "resource:///" icons. */
  bytes = g_resource_lookup_data (authsim_data_get_resource (), DEFAULT_PROFILE_PATH,
                                  G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  if (bytes == NULL)
    g_error ("The built-in profile is missing: %s", error->message);

  data = g_bytes_get_data (bytes, &length);
  self = load_profile (data, length, "resource://" DEFAULT_PROFILE_PATH, "demo-profile.json",
                       NULL, g_get_language_names (), &error);
  if (self == NULL)
    g_error ("The built-in profile is invalid: %s", error->message);

  return self;
}

/* ------------------------------------------------------------------------------------------
 * Accessors
 * ------------------------------------------------------------------------------------------ */

/* The file path, the source_name given with the data, or the resource URI of the default. */
const char *
authsim_profile_get_source (AuthsimProfile *self)
{
  g_return_val_if_fail (AUTHSIM_IS_PROFILE (self), NULL);
  return self->source;
}

const char *
authsim_profile_get_app_id (AuthsimProfile *self)
{
  g_return_val_if_fail (AUTHSIM_IS_PROFILE (self), NULL);
  return self->app_id;
}

const char *
authsim_profile_get_name (AuthsimProfile *self)
{
  g_return_val_if_fail (AUTHSIM_IS_PROFILE (self), NULL);
  return self->name;
}

const char *
authsim_profile_get_icon (AuthsimProfile *self)
{
  g_return_val_if_fail (AUTHSIM_IS_PROFILE (self), NULL);
  return self->icon;
}

const char *
authsim_profile_get_host_app_id (AuthsimProfile *self)
{
  g_return_val_if_fail (AUTHSIM_IS_PROFILE (self), NULL);
  return self->host_app_id;
}

const char *
authsim_profile_get_host_name (AuthsimProfile *self)
{
  g_return_val_if_fail (AUTHSIM_IS_PROFILE (self), NULL);
  return self->host_name;
}

const char *
authsim_profile_get_host_icon (AuthsimProfile *self)
{
  g_return_val_if_fail (AUTHSIM_IS_PROFILE (self), NULL);
  return self->host_icon;
}

AuthsimAppType
authsim_profile_get_app_type (AuthsimProfile *self)
{
  g_return_val_if_fail (AUTHSIM_IS_PROFILE (self), AUTHSIM_APP_TYPE_PERSONAL);
  return self->app_type;
}

void
authsim_profile_set_app_type (AuthsimProfile *self,
                              AuthsimAppType  app_type)
{
  g_return_if_fail (AUTHSIM_IS_PROFILE (self));

  if (self->app_type == app_type)
    return;
  self->app_type = app_type;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_APP_TYPE]);
}

gboolean
authsim_profile_get_jsapi_base_package (AuthsimProfile *self)
{
  g_return_val_if_fail (AUTHSIM_IS_PROFILE (self), FALSE);
  return self->jsapi_base_package;
}

void
authsim_profile_set_jsapi_base_package (AuthsimProfile *self,
                                        gboolean        value)
{
  g_return_if_fail (AUTHSIM_IS_PROFILE (self));

  value = !!value;
  if (self->jsapi_base_package == value)
    return;
  self->jsapi_base_package = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_JSAPI_BASE_PACKAGE]);
}

AuthsimThirdParty
authsim_profile_get_third_party (AuthsimProfile *self)
{
  g_return_val_if_fail (AUTHSIM_IS_PROFILE (self), AUTHSIM_THIRD_PARTY_NONE);
  return self->third_party;
}

void
authsim_profile_set_third_party (AuthsimProfile    *self,
                                 AuthsimThirdParty  value)
{
  g_return_if_fail (AUTHSIM_IS_PROFILE (self));

  if (self->third_party == value)
    return;
  self->third_party = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THIRD_PARTY]);
}

AuthsimIdMode
authsim_profile_get_id_mode (AuthsimProfile *self)
{
  g_return_val_if_fail (AUTHSIM_IS_PROFILE (self), AUTHSIM_ID_MODE_USER_ID);
  return self->id_mode;
}

void
authsim_profile_set_id_mode (AuthsimProfile *self,
                             AuthsimIdMode   id_mode)
{
  g_return_if_fail (AUTHSIM_IS_PROFILE (self));

  if (self->id_mode == id_mode)
    return;
  self->id_mode = id_mode;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ID_MODE]);
}

const char * const *
authsim_profile_get_user_info_fields (AuthsimProfile *self)
{
  g_return_val_if_fail (AUTHSIM_IS_PROFILE (self), NULL);
  return (const char * const *) self->user_info_fields;
}

/* @fields: known camelCase fields, in the order to show them; NULL means none. */
void
authsim_profile_set_user_info_fields (AuthsimProfile     *self,
                                      const char * const *fields)
{
  static const char * const none[] = { NULL };

  g_return_if_fail (AUTHSIM_IS_PROFILE (self));

  if (fields == NULL)
    fields = none;
  for (guint i = 0; fields[i] != NULL; i++)
    g_return_if_fail (is_known_field (fields[i]));

  if (g_strv_equal ((const char * const *) self->user_info_fields, fields))
    return;

  g_strfreev (self->user_info_fields);
  self->user_info_fields = g_strdupv ((GStrv) fields);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USER_INFO_FIELDS]);
}

const char * const *
authsim_profile_get_entitled_scopes (AuthsimProfile *self)
{
  g_return_val_if_fail (AUTHSIM_IS_PROFILE (self), NULL);
  return (const char * const *) self->entitled_scopes;
}

gboolean
authsim_profile_is_entitled (AuthsimProfile *self,
                             const char     *scope)
{
  g_return_val_if_fail (AUTHSIM_IS_PROFILE (self), FALSE);
  return scope != NULL && g_strv_contains ((const char * const *) self->entitled_scopes, scope);
}

const char * const *
authsim_profile_get_products (AuthsimProfile *self)
{
  g_return_val_if_fail (AUTHSIM_IS_PROFILE (self), NULL);
  return (const char * const *) self->products;
}

gboolean
authsim_profile_has_product (AuthsimProfile *self,
                             const char     *product)
{
  g_return_val_if_fail (AUTHSIM_IS_PROFILE (self), FALSE);
  return product != NULL && g_strv_contains ((const char * const *) self->products, product);
}

/* @products: known products (authsim_products_known()); NULL means none. */
void
authsim_profile_set_products (AuthsimProfile     *self,
                              const char * const *products)
{
  static const char * const none[] = { NULL };

  g_return_if_fail (AUTHSIM_IS_PROFILE (self));

  if (products == NULL)
    products = none;
  for (guint i = 0; products[i] != NULL; i++)
    g_return_if_fail (authsim_product_is_known (products[i]));

  if (g_strv_equal ((const char * const *) self->products, products))
    return;

  g_strfreev (self->products);
  self->products = g_strdupv ((GStrv) products);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRODUCTS]);
}

gboolean
authsim_profile_get_aes_key (AuthsimProfile *self)
{
  g_return_val_if_fail (AUTHSIM_IS_PROFILE (self), FALSE);
  return self->aes_key;
}

void
authsim_profile_set_aes_key (AuthsimProfile *self,
                             gboolean        value)
{
  g_return_if_fail (AUTHSIM_IS_PROFILE (self));

  value = !!value;
  if (self->aes_key == value)
    return;
  self->aes_key = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AES_KEY]);
}

gboolean
authsim_profile_get_sign_responses (AuthsimProfile *self)
{
  g_return_val_if_fail (AUTHSIM_IS_PROFILE (self), FALSE);
  return self->sign_responses;
}

void
authsim_profile_set_sign_responses (AuthsimProfile *self,
                                    gboolean        value)
{
  g_return_if_fail (AUTHSIM_IS_PROFILE (self));

  value = !!value;
  if (self->sign_responses == value)
    return;
  self->sign_responses = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGN_RESPONSES]);
}

JsonObject *
authsim_profile_get_device_settings (AuthsimProfile *self)
{
  g_return_val_if_fail (AUTHSIM_IS_PROFILE (self), NULL);
  return self->device_settings;
}

guint
authsim_profile_get_n_pages (AuthsimProfile *self)
{
  g_return_val_if_fail (AUTHSIM_IS_PROFILE (self), 0);
  return self->pages->len;
}

const AuthsimPage *
authsim_profile_get_page (AuthsimProfile *self,
                          guint           index)
{
  g_return_val_if_fail (AUTHSIM_IS_PROFILE (self), NULL);
  g_return_val_if_fail (index < self->pages->len, NULL);
  return g_ptr_array_index (self->pages, index);
}

/* (nullable) */
const AuthsimPage *
authsim_profile_find_page (AuthsimProfile *self,
                           const char     *path)
{
  g_return_val_if_fail (AUTHSIM_IS_PROFILE (self), NULL);

  for (guint i = 0; path != NULL && i < self->pages->len; i++)
    {
      const AuthsimPage *page = g_ptr_array_index (self->pages, i);

      if (g_str_equal (page->path, path))
        return page;
    }

  return NULL;
}
