/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "authsim-enums.h"
#include "authsim-profile-private.h"
#include "authsim-profile.h"

#define RESOURCE_DATA "resource:///io/github/authsim/AuthSim/data/"

/* The smallest valid profile: every other key takes its default. */
#define MINIMAL \
  "{'appId': '2021000000000001', 'name': 'T', 'pages': [{'path': 'p/a', 'title': 'A'}]}"

/* Test JSON is written with ' for " to stay readable; no test string needs a real '. */
static char *
quote (const char *json)
{
  return g_strdelimit (g_strdup (json), "'", '"');
}

static AuthsimProfile *
load (const char          *json,
      const char * const  *languages,
      GError             **error)
{
  g_autofree char *data = quote (json);

  if (languages == NULL)
    return authsim_profile_new_from_data (data, -1, "test.json", error);
  return authsim_profile_new_from_data_for_languages (data, -1, "test.json", languages, error);
}

static JsonNode *
parse (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *data = quote (json);
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, data, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

/* Asserts @node is the JSON @json (parsed, so member order and spacing do not matter). */
static void
assert_json (JsonNode   *node,
             const char *json)
{
  g_autoptr(JsonNode) expected = parse (json);

  g_assert_nonnull (node);
  if (!json_node_equal (node, expected))
    {
      g_autofree char *got = json_to_string (node, FALSE);
      g_error ("expected %s, got %s", json, got);
    }
}

static void
assert_finalize_profile (AuthsimProfile *profile)
{
  g_assert_finalize_object (profile);
}

/* ------------------------------------------------------------------------------------------
 * The built-in demo profile
 * ------------------------------------------------------------------------------------------ */

static void
assert_button_navigates (const AuthsimPage *page,
                         guint              index,
                         const char        *label,
                         const char        *target)
{
  g_assert_cmpstr (authsim_page_get_button_label (page, index), ==, label);
  g_assert_cmpstr (authsim_page_get_button_navigate_to (page, index), ==, target);
  g_assert_null (authsim_page_get_button_relaunch (page, index));
  g_assert_null (authsim_page_get_button_params (page, index));
  g_assert_false (authsim_page_get_button_container (page, index, NULL));
}

static void
assert_button_calls (const AuthsimPage *page,
                     guint              index,
                     const char        *label,
                     const char        *params)
{
  g_assert_cmpstr (authsim_page_get_button_label (page, index), ==, label);
  assert_json (authsim_page_get_button_params (page, index), params);
  g_assert_null (authsim_page_get_button_navigate_to (page, index));
  g_assert_null (authsim_page_get_button_relaunch (page, index));
}

/* A getAuthorize button with @scope (JSON) whose onGetAuthorize calls @api. */
static void
assert_button_authorizes (const AuthsimPage *page,
                          guint              index,
                          const char        *label,
                          const char        *scope,
                          AuthsimApi         api)
{
  JsonNode *node = NULL;
  JsonNode *params = NULL;
  AuthsimApi then = AUTHSIM_API_GET_AUTH_CODE;

  g_assert_cmpstr (authsim_page_get_button_label (page, index), ==, label);
  g_assert_true (authsim_page_get_button_authorize (page, index, &node));
  assert_json (node, scope);
  g_assert_true (authsim_page_get_button_on_authorize (page, index, &then, &params));
  g_assert_cmpint (then, ==, api);
  g_assert_null (params);
  g_assert_false (authsim_page_get_button_call (page, index, NULL, NULL));
  g_assert_null (authsim_page_get_button_params (page, index));
  g_assert_null (authsim_page_get_button_navigate_to (page, index));
  g_assert_false (authsim_page_get_button_container (page, index, NULL));
}

static void
assert_resource_exists (const char *uri)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  g_assert_true (g_str_has_prefix (uri, "resource://"));
  bytes = g_resources_lookup_data (uri + strlen ("resource://"), 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (bytes), >, 0);
}

static void
test_default (void)
{
  const char * const fields[] = {
    "nickName", "avatar", "gender", "province", "city", "mobile", NULL
  };
  const char * const scopes[] = { "auth_base", "auth_user", "order_service", NULL };
  const char * const products[] = { "userInfo", "phoneNumber", NULL };
  g_autoptr(AuthsimProfile) profile = NULL;
  const AuthsimPage *page;
  AuthsimContainer container;
  AuthsimApi api;
  JsonNode *node;

  g_setenv ("LANGUAGE", "en", TRUE);
  profile = authsim_profile_new_default ();

  g_assert_cmpstr (authsim_profile_get_app_id (profile), ==, "2021004112345678");
  g_assert_cmpstr (authsim_profile_get_name (profile), ==, "Lucky Bean Coffee");
  g_assert_cmpstr (authsim_profile_get_icon (profile), ==, RESOURCE_DATA "demo-icon.svg");
  g_assert_cmpint (authsim_profile_get_app_type (profile), ==, AUTHSIM_APP_TYPE_ENTERPRISE);
  g_assert_true (authsim_profile_get_jsapi_base_package (profile));
  g_assert_cmpint (authsim_profile_get_third_party (profile), ==, AUTHSIM_THIRD_PARTY_NONE);
  g_assert_cmpint (authsim_profile_get_id_mode (profile), ==, AUTHSIM_ID_MODE_USER_ID);
  g_assert_cmpstr (authsim_profile_get_host_app_id (profile), ==, "2021004187654321");
  g_assert_cmpstr (authsim_profile_get_host_name (profile), ==, "City Life Services");
  g_assert_cmpstr (authsim_profile_get_host_icon (profile), ==,
                   RESOURCE_DATA "demo-host-icon.svg");
  g_assert_cmpstrv (authsim_profile_get_user_info_fields (profile), fields);
  g_assert_cmpstrv (authsim_profile_get_entitled_scopes (profile), scopes);
  g_assert_true (authsim_profile_is_entitled (profile, "order_service"));
  g_assert_false (authsim_profile_is_entitled (profile, "auth_zhima"));
  g_assert_true (g_str_has_suffix (authsim_profile_get_source (profile), "demo-profile.json"));

  /* The icons it names are compiled in. */
  assert_resource_exists (authsim_profile_get_icon (profile));
  assert_resource_exists (authsim_profile_get_host_icon (profile));

  /* SPEC §10–§11: both products bound, an AES key, signed responses, no device settings. */
  g_assert_cmpstrv (authsim_profile_get_products (profile), products);
  g_assert_true (authsim_profile_get_aes_key (profile));
  g_assert_true (authsim_profile_get_sign_responses (profile));
  g_assert_cmpuint (json_object_get_size (authsim_profile_get_device_settings (profile)), ==, 0);

  g_assert_cmpuint (authsim_profile_get_n_pages (profile), ==, 7);

  /* 1. The launch page: silent auth_base on load, allowed on the first screen. */
  page = authsim_profile_get_page (profile, 0);
  g_assert_true (page == authsim_profile_find_page (profile, "pages/index/index"));
  g_assert_cmpstr (authsim_page_get_title (page), ==, "Home");
  g_assert_nonnull (authsim_page_get_body (page));
  assert_json (authsim_page_get_on_load (page), "{'scopes': 'auth_base'}");
  g_assert_null (authsim_page_get_on_show (page));
  g_assert_cmpuint (authsim_page_get_n_buttons (page), ==, 4);
  assert_button_navigates (page, 0, "Order coffee", "pages/menu/menu");
  assert_button_navigates (page, 1, "Member center", "pages/member/member");
  assert_button_navigates (page, 2, "More examples", "pages/more/more");
  assert_button_navigates (page, 3, "My account", "pages/account/account");

  /* 2. The menu: consent, an entitled extra scope, a not entitled one. */
  page = authsim_profile_find_page (profile, "pages/menu/menu");
  g_assert_nonnull (page);
  g_assert_cmpstr (authsim_page_get_title (page), ==, "Menu");
  g_assert_nonnull (strstr (authsim_page_get_body (page), "¥"));
  g_assert_null (authsim_page_get_on_load (page));
  g_assert_cmpuint (authsim_page_get_n_buttons (page), ==, 3);
  assert_button_calls (page, 0, "Log in to order", "{'scopes': 'auth_user'}");
  assert_button_calls (page, 1, "Check out with order service",
                       "{'scopes': ['auth_user', 'order_service']}");
  assert_button_calls (page, 2, "Zhima credit deposit-free",
                       "{'scopes': ['auth_user', 'auth_zhima']}");
  for (guint i = 0; i < 3; i++)
    g_assert_false (authsim_page_get_button_container (page, i, NULL));

  /* 3. The member center: the onShow loop. */
  page = authsim_profile_find_page (profile, "pages/member/member");
  g_assert_nonnull (page);
  g_assert_cmpstr (authsim_page_get_title (page), ==, "Member center");
  g_assert_null (authsim_page_get_on_load (page));
  assert_json (authsim_page_get_on_show (page), "{'scopes': 'auth_user'}");
  g_assert_nonnull (strstr (authsim_page_get_body (page), "onShow"));

  /* 4. More examples: containers, the first-screen rule, invalid parameters kept as-is. */
  page = authsim_profile_find_page (profile, "pages/more/more");
  g_assert_nonnull (page);
  g_assert_cmpuint (authsim_page_get_n_buttons (page), ==, 5);
  assert_button_calls (page, 0, "Coupon plugin (plugin)", "{'scopes': 'auth_user'}");
  g_assert_true (authsim_page_get_button_container (page, 0, &container));
  g_assert_cmpint (container, ==, AUTHSIM_CONTAINER_PLUGIN);
  assert_button_calls (page, 1, "Web-view login (web-view)", "{'scopes': 'auth_user'}");
  g_assert_true (authsim_page_get_button_container (page, 1, &container));
  g_assert_cmpint (container, ==, AUTHSIM_CONTAINER_WEB_VIEW);
  g_assert_cmpstr (authsim_page_get_button_label (page, 2), ==,
                   "Bad practice: ask on first screen");
  g_assert_cmpstr (authsim_page_get_button_relaunch (page, 2), ==, "pages/bad/bad");
  g_assert_null (authsim_page_get_button_params (page, 2));
  assert_button_calls (page, 3, "Invalid scope", "{'scopes': 'auth_userinfo'}");
  assert_button_calls (page, 4, "Wrong type", "{'scopes': 42}");

  /* 5. Bad practice: auth_user on load. */
  page = authsim_profile_find_page (profile, "pages/bad/bad");
  g_assert_nonnull (page);
  g_assert_cmpstr (authsim_page_get_title (page), ==, "Bad practice");
  assert_json (authsim_page_get_on_load (page), "{'scopes': 'auth_user'}");
  g_assert_nonnull (authsim_page_get_body (page));

  /* 6. My account: the getAuthorize buttons, the settings entry, my.getSetting. */
  page = authsim_profile_find_page (profile, "pages/account/account");
  g_assert_nonnull (page);
  g_assert_cmpstr (authsim_page_get_title (page), ==, "My account");
  g_assert_cmpuint (authsim_page_get_n_buttons (page), ==, 5);
  assert_button_authorizes (page, 0, "Show my avatar", "'userInfo'",
                            AUTHSIM_API_GET_OPEN_USER_INFO);
  assert_button_authorizes (page, 1, "Log in with phone number", "'phoneNumber'",
                            AUTHSIM_API_GET_PHONE_NUMBER);
  g_assert_cmpstr (authsim_page_get_button_label (page, 2), ==, "Settings");
  g_assert_true (authsim_page_get_button_call (page, 2, &api, &node));
  g_assert_cmpint (api, ==, AUTHSIM_API_OPEN_SETTING);
  g_assert_null (node);
  g_assert_cmpstr (authsim_page_get_button_label (page, 3), ==, "Check authorization settings");
  g_assert_true (authsim_page_get_button_call (page, 3, &api, NULL));
  g_assert_cmpint (api, ==, AUTHSIM_API_GET_SETTING);
  assert_button_navigates (page, 4, "Welcome back (no tap)", "pages/welcome/welcome");

  /* 7. Welcome back: my.getOpenUserInfo in onLoad, without a tap. */
  page = authsim_profile_find_page (profile, "pages/welcome/welcome");
  g_assert_nonnull (page);
  g_assert_true (authsim_page_get_hook (page, "onLoad", &api, &node));
  g_assert_cmpint (api, ==, AUTHSIM_API_GET_OPEN_USER_INFO);
  g_assert_null (node);
  g_assert_false (authsim_page_get_hook (page, "onShow", NULL, NULL));
  g_assert_null (authsim_page_get_on_load (page));

  g_assert_null (authsim_profile_find_page (profile, "pages/x"));
  g_assert_null (authsim_profile_find_page (profile, NULL));

  g_unsetenv ("LANGUAGE");
  assert_finalize_profile (g_steal_pointer (&profile));
}

/* Every display string of the demo has a Simplified Chinese version. */
static void
test_default_zh_cn (void)
{
  g_autoptr(AuthsimProfile) profile = NULL;
  const AuthsimPage *page;

  g_setenv ("LANGUAGE", "zh_CN", TRUE);
  profile = authsim_profile_new_default ();
  g_unsetenv ("LANGUAGE");

  g_assert_cmpstr (authsim_profile_get_name (profile), ==, "幸运豆咖啡");
  g_assert_cmpstr (authsim_profile_get_host_name (profile), ==, "城市生活服务");

  g_setenv ("LANGUAGE", "en", TRUE);
  {
    g_autoptr(AuthsimProfile) english = authsim_profile_new_default ();

    g_unsetenv ("LANGUAGE");
    g_assert_cmpuint (authsim_profile_get_n_pages (profile), ==,
                      authsim_profile_get_n_pages (english));
    for (guint i = 0; i < authsim_profile_get_n_pages (profile); i++)
      {
        const AuthsimPage *en = authsim_profile_get_page (english, i);

        page = authsim_profile_get_page (profile, i);
        g_assert_cmpstr (authsim_page_get_path (page), ==, authsim_page_get_path (en));
        g_assert_cmpstr (authsim_page_get_title (page), !=, authsim_page_get_title (en));
        g_assert_cmpstr (authsim_page_get_body (page), !=, authsim_page_get_body (en));
        for (guint j = 0; j < authsim_page_get_n_buttons (page); j++)
          g_assert_cmpstr (authsim_page_get_button_label (page, j), !=,
                           authsim_page_get_button_label (en, j));
      }
  }

  page = authsim_profile_get_page (profile, 0);
  g_assert_cmpstr (authsim_page_get_title (page), ==, "首页");
  g_assert_cmpstr (authsim_page_get_button_label (page, 0), ==, "点咖啡");
}

/* ------------------------------------------------------------------------------------------
 * Defaults, and what is kept as-is
 * ------------------------------------------------------------------------------------------ */

static void
test_minimal_defaults (void)
{
  const char * const fields[] = { "nickName", "avatar", "gender", "province", "city", NULL };
  const char * const scopes[] = { "auth_base", "auth_user", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimProfile) profile = load (MINIMAL, NULL, &error);
  const AuthsimPage *page;

  g_assert_no_error (error);
  g_assert_cmpstr (authsim_profile_get_source (profile), ==, "test.json");
  g_assert_cmpstr (authsim_profile_get_app_id (profile), ==, "2021000000000001");
  g_assert_cmpstr (authsim_profile_get_name (profile), ==, "T");
  g_assert_null (authsim_profile_get_icon (profile));
  g_assert_cmpint (authsim_profile_get_app_type (profile), ==, AUTHSIM_APP_TYPE_PERSONAL);
  g_assert_true (authsim_profile_get_jsapi_base_package (profile));
  g_assert_cmpint (authsim_profile_get_third_party (profile), ==, AUTHSIM_THIRD_PARTY_NONE);
  g_assert_cmpint (authsim_profile_get_id_mode (profile), ==, AUTHSIM_ID_MODE_USER_ID);
  g_assert_null (authsim_profile_get_host_app_id (profile));
  g_assert_null (authsim_profile_get_host_name (profile));
  g_assert_null (authsim_profile_get_host_icon (profile));
  g_assert_cmpstrv (authsim_profile_get_user_info_fields (profile), fields);
  g_assert_cmpstrv (authsim_profile_get_entitled_scopes (profile), scopes);
  g_assert_cmpuint (authsim_profile_get_n_pages (profile), ==, 1);

  page = authsim_profile_get_page (profile, 0);
  g_assert_cmpstr (authsim_page_get_path (page), ==, "p/a");
  g_assert_cmpstr (authsim_page_get_title (page), ==, "A");
  g_assert_null (authsim_page_get_body (page));
  g_assert_null (authsim_page_get_on_load (page));
  g_assert_null (authsim_page_get_on_show (page));
  g_assert_cmpuint (authsim_page_get_n_buttons (page), ==, 0);

  assert_finalize_profile (g_steal_pointer (&profile));
}

static void
test_every_key (void)
{
  const char * const fields[] = { "mobile", "email", "certNo", NULL };
  const char * const scopes[] = { "auth_zhima", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimProfile) profile = NULL;
  const AuthsimPage *page;
  AuthsimContainer container;

  profile = load ("{'appId': '2021000000000001', 'name': 'T', 'icon': '/abs/icon.png',"
                  " 'type': 'enterprise', 'jsapiBasePackage': false,"
                  " 'thirdParty': 'without-package', 'idMode': 'open_id',"
                  " 'userInfoFields': ['mobile', 'email', 'certNo'],"
                  " 'entitledScopes': ['auth_zhima'],"
                  " 'host': {'appId': '2021000000000002', 'name': 'H'},"
                  " 'pages': [{'path': 'p/a', 'title': 'A', 'body': 'B',"
                  "   'onLoad': null, 'onShow': {'scopes': ['x', 1], 'extra': true},"
                  "   'buttons': ["
                  "     {'label': 'one', 'params': {}, 'container': 'mini-program'},"
                  "     {'label': 'two', 'params': {'scopes': 'auth_user'}, 'container': 'plugin'},"
                  "     {'label': 'three', 'reLaunch': 'p/a'}]}]}",
                  NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (authsim_profile_get_icon (profile), ==, "/abs/icon.png");
  g_assert_cmpint (authsim_profile_get_app_type (profile), ==, AUTHSIM_APP_TYPE_ENTERPRISE);
  g_assert_false (authsim_profile_get_jsapi_base_package (profile));
  g_assert_cmpint (authsim_profile_get_third_party (profile), ==,
                   AUTHSIM_THIRD_PARTY_WITHOUT_PACKAGE);
  g_assert_cmpint (authsim_profile_get_id_mode (profile), ==, AUTHSIM_ID_MODE_OPEN_ID);
  g_assert_cmpstrv (authsim_profile_get_user_info_fields (profile), fields);
  g_assert_cmpstrv (authsim_profile_get_entitled_scopes (profile), scopes);
  g_assert_false (authsim_profile_is_entitled (profile, "auth_base"));
  g_assert_cmpstr (authsim_profile_get_host_app_id (profile), ==, "2021000000000002");
  g_assert_cmpstr (authsim_profile_get_host_name (profile), ==, "H");
  g_assert_null (authsim_profile_get_host_icon (profile));

  page = authsim_profile_get_page (profile, 0);
  g_assert_cmpstr (authsim_page_get_body (page), ==, "B");
  g_assert_null (authsim_page_get_on_load (page));
  /* Call parameters are stored as-is, invalid scopes and unknown members included. */
  assert_json (authsim_page_get_on_show (page), "{'scopes': ['x', 1], 'extra': true}");
  g_assert_cmpuint (authsim_page_get_n_buttons (page), ==, 3);
  assert_json (authsim_page_get_button_params (page, 0), "{}");
  g_assert_true (authsim_page_get_button_container (page, 0, &container));
  g_assert_cmpint (container, ==, AUTHSIM_CONTAINER_MINI_PROGRAM);
  g_assert_true (authsim_page_get_button_container (page, 1, &container));
  g_assert_cmpint (container, ==, AUTHSIM_CONTAINER_PLUGIN);
  g_assert_cmpstr (authsim_page_get_button_relaunch (page, 2), ==, "p/a");
  g_assert_false (authsim_page_get_button_container (page, 2, &container));

  assert_finalize_profile (g_steal_pointer (&profile));
}

/* SPEC §10–§12: products, the AES key and signing switches, device settings, calls that name
 * an API, getAuthorize buttons with their scope as written. */
static void
test_consent_keys (void)
{
  const char * const products[] = { "phoneNumber", NULL };
  const char * const both[] = { "userInfo", "phoneNumber", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimProfile) profile = NULL;
  g_autoptr(AuthsimProfile) minimal = NULL;
  g_autoptr(GList) keys = NULL;
  const AuthsimPage *page;
  JsonNode *node = NULL;
  AuthsimApi api;

  profile = load ("{'appId': '2021000000000001', 'name': 'T', 'products': ['phoneNumber'], 'aesKey': false,"
                  " 'signResponses': false, 'deviceSettings': {'location': true, 'album': false},"
                  " 'pages': [{'path': 'p/a', 'title': 'A',"
                  "   'onLoad': {'api': 'getOpenUserInfo'},"
                  "   'onShow': {'api': 'getAuthCode', 'params': {'scopes': 'auth_base'}},"
                  "   'buttons': ["
                  "     {'label': 'one', 'api': 'getPhoneNumber'},"
                  "     {'label': 'two', 'api': 'getSetting', 'params': {'x': 1},"
                  "      'container': 'web-view'},"
                  "     {'label': 'three', 'openType': 'getAuthorize', 'scope': 'userInfo',"
                  "      'onGetAuthorize': {'api': 'getOpenUserInfo', 'params': {}}},"
                  "     {'label': 'four', 'openType': 'getAuthorize', 'scope': 7},"
                  "     {'label': 'five', 'openType': 'getAuthorize'}]}]}", NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpstrv (authsim_profile_get_products (profile), products);
  g_assert_true (authsim_profile_has_product (profile, "phoneNumber"));
  g_assert_false (authsim_profile_has_product (profile, "userInfo"));
  g_assert_false (authsim_profile_get_aes_key (profile));
  g_assert_false (authsim_profile_get_sign_responses (profile));
  keys = json_object_get_members (authsim_profile_get_device_settings (profile));
  g_assert_cmpuint (g_list_length (keys), ==, 2);
  g_assert_cmpstr (keys->data, ==, "location");
  g_assert_true (json_object_get_boolean_member (authsim_profile_get_device_settings (profile),
                                                 "location"));

  page = authsim_profile_get_page (profile, 0);
  g_assert_true (authsim_page_get_hook (page, "onLoad", &api, &node));
  g_assert_cmpint (api, ==, AUTHSIM_API_GET_OPEN_USER_INFO);
  g_assert_null (node);
  g_assert_true (authsim_page_get_hook (page, "onShow", &api, &node));
  g_assert_cmpint (api, ==, AUTHSIM_API_GET_AUTH_CODE);
  assert_json (node, "{'scopes': 'auth_base'}");
  assert_json (authsim_page_get_on_show (page), "{'scopes': 'auth_base'}");

  g_assert_true (authsim_page_get_button_call (page, 0, &api, &node));
  g_assert_cmpint (api, ==, AUTHSIM_API_GET_PHONE_NUMBER);
  g_assert_null (node);
  g_assert_true (authsim_page_get_button_call (page, 1, &api, &node));
  g_assert_cmpint (api, ==, AUTHSIM_API_GET_SETTING);
  assert_json (node, "{'x': 1}");
  g_assert_true (authsim_page_get_button_container (page, 1, NULL));
  g_assert_false (authsim_page_get_button_authorize (page, 1, NULL));

  g_assert_true (authsim_page_get_button_authorize (page, 2, &node));
  assert_json (node, "'userInfo'");
  g_assert_true (authsim_page_get_button_on_authorize (page, 2, &api, &node));
  g_assert_cmpint (api, ==, AUTHSIM_API_GET_OPEN_USER_INFO);
  assert_json (node, "{}");
  g_assert_false (authsim_page_get_button_call (page, 2, NULL, NULL));
  g_assert_true (authsim_page_get_button_authorize (page, 3, &node));
  assert_json (node, "7");
  g_assert_false (authsim_page_get_button_on_authorize (page, 3, NULL, NULL));
  g_assert_true (authsim_page_get_button_authorize (page, 4, &node));
  g_assert_null (node);

  /* The defaults: both products, an AES key, signed, no device settings. */
  minimal = load ("{'appId': '2021000000000001', 'name': 'T', 'pages': [" "{'path': 'p/a', 'title': 'A'}" "]}", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (authsim_profile_get_products (minimal), both);
  g_assert_true (authsim_profile_get_aes_key (minimal));
  g_assert_true (authsim_profile_get_sign_responses (minimal));
  g_assert_cmpuint (json_object_get_size (authsim_profile_get_device_settings (minimal)), ==, 0);
  g_assert_false (authsim_page_get_hook (authsim_profile_get_page (minimal, 0), "onLoad", NULL,
                                         NULL));

  /* Preferences switch them, notifying. */
  authsim_profile_set_products (minimal, products);
  g_assert_cmpstrv (authsim_profile_get_products (minimal), products);
  authsim_profile_set_products (minimal, NULL);
  g_assert_false (authsim_profile_has_product (minimal, "phoneNumber"));
  authsim_profile_set_aes_key (minimal, FALSE);
  authsim_profile_set_sign_responses (minimal, FALSE);
  g_assert_false (authsim_profile_get_aes_key (minimal));
  g_assert_false (authsim_profile_get_sign_responses (minimal));
}

/* Empty lists are allowed: an app approved for nothing is a valid demo of error 4. */
static void
test_empty_lists (void)
{
  const char * const none[] = { NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimProfile) profile = NULL;

  profile = load ("{'appId': '2021000000000001', 'name': 'T', 'userInfoFields': [],"
                  " 'entitledScopes': [], 'pages': [{'path': 'p/a', 'title': 'A',"
                  " 'buttons': []}]}", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (authsim_profile_get_user_info_fields (profile), none);
  g_assert_cmpstrv (authsim_profile_get_entitled_scopes (profile), none);
  g_assert_false (authsim_profile_is_entitled (profile, "auth_base"));
}

/* ------------------------------------------------------------------------------------------
 * Malformed profiles
 * ------------------------------------------------------------------------------------------ */

typedef struct
{
  const char *test_path;
  const char *json;
  const char *message; /* the exact message, for source "test.json" */
} BadCase;

#define PAGE "{'path': 'p/a', 'title': 'A'}"
#define HEAD "'appId': '2021000000000001', 'name': 'T'"
#define WITH_PAGES(pages) "{" HEAD ", 'pages': [" pages "]}"
#define WITH_BUTTON(button) WITH_PAGES ("{'path': 'p/a', 'title': 'A', 'buttons': [" button "]}")
#define WITH_KEY(key_value) "{" HEAD ", " key_value ", 'pages': [" PAGE "]}"

static const BadCase bad_cases[] = {
  { "/authsim/profile/bad/root-array", "[]",
    "test.json: $: expected an object, got an array" },
  { "/authsim/profile/bad/root-string", "'profile'",
    "test.json: $: expected an object, got a string" },
  { "/authsim/profile/bad/unknown-key", WITH_KEY ("'colour': 'red'"),
    "test.json: $: unknown key \"colour\"" },
  { "/authsim/profile/bad/unknown-key-case", WITH_KEY ("'appid': '2021000000000001'"),
    "test.json: $: unknown key \"appid\" (did you mean \"appId\"?)" },
  { "/authsim/profile/bad/app-id-missing", "{'name': 'T', 'pages': [" PAGE "]}",
    "test.json: $.appId: required, but missing" },
  { "/authsim/profile/bad/app-id-short",
    "{'appId': '12345', 'name': 'T', 'pages': [" PAGE "]}",
    "test.json: $.appId: expected 16 digits, got \"12345\"" },
  { "/authsim/profile/bad/app-id-long",
    "{'appId': '20210000000000012', 'name': 'T', 'pages': [" PAGE "]}",
    "test.json: $.appId: expected 16 digits, got \"20210000000000012\"" },
  { "/authsim/profile/bad/app-id-letters",
    "{'appId': '202100000000000a', 'name': 'T', 'pages': [" PAGE "]}",
    "test.json: $.appId: expected 16 digits, got \"202100000000000a\"" },
  { "/authsim/profile/bad/app-id-number",
    "{'appId': 2021000000000001, 'name': 'T', 'pages': [" PAGE "]}",
    "test.json: $.appId: expected a string, got a number" },
  { "/authsim/profile/bad/name-missing", "{'appId': '2021000000000001', 'pages': [" PAGE "]}",
    "test.json: $.name: required, but missing" },
  { "/authsim/profile/bad/name-empty",
    "{'appId': '2021000000000001', 'name': '', 'pages': [" PAGE "]}",
    "test.json: $.name: expected a non-empty string" },
  { "/authsim/profile/bad/name-array",
    "{'appId': '2021000000000001', 'name': ['T'], 'pages': [" PAGE "]}",
    "test.json: $.name: expected a string or an object of translations, got an array" },
  { "/authsim/profile/bad/name-no-translations",
    "{'appId': '2021000000000001', 'name': {}, 'pages': [" PAGE "]}",
    "test.json: $.name: expected at least one translation, got an empty object" },
  { "/authsim/profile/bad/name-translation-number",
    "{'appId': '2021000000000001', 'name': {'en': 'T', 'zh_CN': 1}, 'pages': [" PAGE "]}",
    "test.json: $.name.zh_CN: expected a string, got a number" },
  { "/authsim/profile/bad/name-translation-empty",
    "{'appId': '2021000000000001', 'name': {'en': ''}, 'pages': [" PAGE "]}",
    "test.json: $.name.en: expected a non-empty string" },
  { "/authsim/profile/bad/icon-number", WITH_KEY ("'icon': 3"),
    "test.json: $.icon: expected a string, got a number" },
  { "/authsim/profile/bad/icon-empty", WITH_KEY ("'icon': ''"),
    "test.json: $.icon: expected a non-empty string" },
  { "/authsim/profile/bad/type", WITH_KEY ("'type': 'company'"),
    "test.json: $.type: expected one of \"personal\", \"enterprise\", got \"company\"" },
  { "/authsim/profile/bad/type-number", WITH_KEY ("'type': 1"),
    "test.json: $.type: expected a string, got a number" },
  { "/authsim/profile/bad/third-party", WITH_KEY ("'thirdParty': 'yes'"),
    "test.json: $.thirdParty: expected one of \"none\", \"with-package\", "
    "\"without-package\", got \"yes\"" },
  { "/authsim/profile/bad/id-mode", WITH_KEY ("'idMode': 'openid'"),
    "test.json: $.idMode: expected one of \"user_id\", \"open_id\", got \"openid\"" },
  { "/authsim/profile/bad/jsapi-base-package", WITH_KEY ("'jsapiBasePackage': 'yes'"),
    "test.json: $.jsapiBasePackage: expected a boolean, got a string" },
  { "/authsim/profile/bad/jsapi-base-package-null", WITH_KEY ("'jsapiBasePackage': null"),
    "test.json: $.jsapiBasePackage: expected a boolean, got null" },
  { "/authsim/profile/bad/fields-not-array", WITH_KEY ("'userInfoFields': 'nickName'"),
    "test.json: $.userInfoFields: expected an array, got a string" },
  { "/authsim/profile/bad/fields-unknown", WITH_KEY ("'userInfoFields': ['nickName', 'nick_name']"),
    "test.json: $.userInfoFields[1]: unknown user-info field \"nick_name\"" },
  { "/authsim/profile/bad/fields-duplicate",
    WITH_KEY ("'userInfoFields': ['nickName', 'avatar', 'avatar']"),
    "test.json: $.userInfoFields[2]: duplicate user-info field \"avatar\" "
    "(also at $.userInfoFields[1])" },
  { "/authsim/profile/bad/fields-number", WITH_KEY ("'userInfoFields': [1]"),
    "test.json: $.userInfoFields[0]: expected a string, got a number" },
  { "/authsim/profile/bad/scopes-unknown", WITH_KEY ("'entitledScopes': ['auth_base', 'auth_foo']"),
    "test.json: $.entitledScopes[1]: unknown scope \"auth_foo\"" },
  { "/authsim/profile/bad/scopes-duplicate",
    WITH_KEY ("'entitledScopes': ['auth_user', 'auth_user']"),
    "test.json: $.entitledScopes[1]: duplicate scope \"auth_user\" (also at $.entitledScopes[0])" },
  { "/authsim/profile/bad/scopes-comma-string", WITH_KEY ("'entitledScopes': 'auth_base,auth_user'"),
    "test.json: $.entitledScopes: expected an array, got a string" },
  { "/authsim/profile/bad/host-not-object", WITH_KEY ("'host': '2021000000000002'"),
    "test.json: $.host: expected an object, got a string" },
  { "/authsim/profile/bad/host-app-id", WITH_KEY ("'host': {'appId': '1', 'name': 'H'}"),
    "test.json: $.host.appId: expected 16 digits, got \"1\"" },
  { "/authsim/profile/bad/host-name-missing", WITH_KEY ("'host': {'appId': '2021000000000002'}"),
    "test.json: $.host.name: required, but missing" },
  { "/authsim/profile/bad/host-unknown-key",
    WITH_KEY ("'host': {'appid': '2021000000000002', 'name': 'H'}"),
    "test.json: $.host: unknown key \"appid\" (did you mean \"appId\"?)" },
  { "/authsim/profile/bad/pages-missing", "{" HEAD "}",
    "test.json: $.pages: required, but missing" },
  { "/authsim/profile/bad/pages-empty", WITH_PAGES (""),
    "test.json: $.pages: expected at least one page, got an empty array" },
  { "/authsim/profile/bad/pages-object", "{" HEAD ", 'pages': {}}",
    "test.json: $.pages: expected an array, got an object" },
  { "/authsim/profile/bad/page-not-object", WITH_PAGES (PAGE ", 'p/b'"),
    "test.json: $.pages[1]: expected an object, got a string" },
  { "/authsim/profile/bad/page-unknown-key",
    WITH_PAGES ("{'path': 'p/a', 'title': 'A', 'onload': {}}"),
    "test.json: $.pages[0]: unknown key \"onload\" (did you mean \"onLoad\"?)" },
  { "/authsim/profile/bad/page-path-missing", WITH_PAGES ("{'title': 'A'}"),
    "test.json: $.pages[0].path: required, but missing" },
  { "/authsim/profile/bad/page-path-empty", WITH_PAGES ("{'path': '', 'title': 'A'}"),
    "test.json: $.pages[0].path: expected a non-empty string" },
  { "/authsim/profile/bad/page-path-duplicate",
    WITH_PAGES (PAGE ", {'path': 'p/b', 'title': 'B'}, {'path': 'p/a', 'title': 'C'}"),
    "test.json: $.pages[2].path: duplicate path \"p/a\" (also at $.pages[0].path)" },
  { "/authsim/profile/bad/page-title-missing", WITH_PAGES (PAGE ", {'path': 'p/b'}"),
    "test.json: $.pages[1].title: required, but missing" },
  { "/authsim/profile/bad/page-title-number", WITH_PAGES ("{'path': 'p/a', 'title': 7}"),
    "test.json: $.pages[0].title: expected a string or an object of translations, got a number" },
  { "/authsim/profile/bad/page-body-bool",
    WITH_PAGES ("{'path': 'p/a', 'title': 'A', 'body': false}"),
    "test.json: $.pages[0].body: expected a string or an object of translations, got a boolean" },
  { "/authsim/profile/bad/on-load-string",
    WITH_PAGES ("{'path': 'p/a', 'title': 'A', 'onLoad': 'auth_base'}"),
    "test.json: $.pages[0].onLoad: expected a parameter object, a call {\"api\", "
    "\"params\"} or null, got a string" },
  { "/authsim/profile/bad/on-show-array",
    WITH_PAGES ("{'path': 'p/a', 'title': 'A', 'onShow': []}"),
    "test.json: $.pages[0].onShow: expected a parameter object, a call {\"api\", "
    "\"params\"} or null, got an array" },
  { "/authsim/profile/bad/buttons-object",
    WITH_PAGES ("{'path': 'p/a', 'title': 'A', 'buttons': {}}"),
    "test.json: $.pages[0].buttons: expected an array, got an object" },
  { "/authsim/profile/bad/button-not-object", WITH_BUTTON ("'Log in'"),
    "test.json: $.pages[0].buttons[0]: expected an object, got a string" },
  { "/authsim/profile/bad/button-unknown-key",
    WITH_BUTTON ("{'label': 'L', 'params': {}, 'navigate_to': 'p/a'}"),
    "test.json: $.pages[0].buttons[0]: unknown key \"navigate_to\"" },
  { "/authsim/profile/bad/button-unknown-key-case",
    WITH_BUTTON ("{'label': 'L', 'relaunch': 'p/a'}"),
    "test.json: $.pages[0].buttons[0]: unknown key \"relaunch\" (did you mean \"reLaunch\"?)" },
  { "/authsim/profile/bad/button-label-missing", WITH_BUTTON ("{'params': {}}"),
    "test.json: $.pages[0].buttons[0].label: required, but missing" },
  { "/authsim/profile/bad/button-label-translation",
    WITH_BUTTON ("{'label': {'en': 'L', 'zh_CN': null}, 'params': {}}"),
    "test.json: $.pages[0].buttons[0].label.zh_CN: expected a string, got null" },
  { "/authsim/profile/bad/button-no-action", WITH_BUTTON ("{'label': 'L'}"),
    "test.json: $.pages[0].buttons[0]: expected exactly one of \"params\" or \"api\", "
    "\"navigateTo\", \"reLaunch\" or \"openType\", got 0" },
  { "/authsim/profile/bad/button-two-actions",
    WITH_BUTTON ("{'label': 'L', 'params': {}, 'navigateTo': 'p/a'}"),
    "test.json: $.pages[0].buttons[0]: expected exactly one of \"params\" or \"api\", "
    "\"navigateTo\", \"reLaunch\" or \"openType\", got 2" },
  { "/authsim/profile/bad/button-params-string",
    WITH_BUTTON ("{'label': 'L', 'params': 'auth_user'}"),
    "test.json: $.pages[0].buttons[0].params: expected a parameter object, got a string" },
  { "/authsim/profile/bad/button-params-null", WITH_BUTTON ("{'label': 'L', 'params': null}"),
    "test.json: $.pages[0].buttons[0].params: expected a parameter object, got null" },
  { "/authsim/profile/bad/button-navigate-number", WITH_BUTTON ("{'label': 'L', 'navigateTo': 1}"),
    "test.json: $.pages[0].buttons[0].navigateTo: expected a string, got a number" },
  { "/authsim/profile/bad/button-navigate-missing-page",
    WITH_PAGES (PAGE ", {'path': 'p/b', 'title': 'B', 'buttons': ["
                "{'label': 'ok', 'navigateTo': 'p/a'}, {'label': 'L', 'navigateTo': 'pages/x'}]}"),
    "test.json: $.pages[1].buttons[1].navigateTo: no page has path \"pages/x\"" },
  { "/authsim/profile/bad/button-relaunch-missing-page",
    WITH_BUTTON ("{'label': 'L', 'reLaunch': 'p/A'}"),
    "test.json: $.pages[0].buttons[0].reLaunch: no page has path \"p/A\"" },
  { "/authsim/profile/bad/button-container-without-params",
    WITH_BUTTON ("{'label': 'L', 'navigateTo': 'p/a', 'container': 'web-view'}"),
    "test.json: $.pages[0].buttons[0].container: only a button with \"params\" or \"api\" "
    "may set a container" },
  { "/authsim/profile/bad/button-container-unknown",
    WITH_BUTTON ("{'label': 'L', 'params': {}, 'container': 'iframe'}"),
    "test.json: $.pages[0].buttons[0].container: expected one of \"mini-program\", "
    "\"plugin\", \"web-view\", got \"iframe\"" },
  { "/authsim/profile/bad/products-unknown", WITH_KEY ("'products': ['userInfo', 'mobile']"),
    "test.json: $.products[1]: unknown product \"mobile\"" },
  { "/authsim/profile/bad/products-duplicate",
    WITH_KEY ("'products': ['phoneNumber', 'phoneNumber']"),
    "test.json: $.products[1]: duplicate product \"phoneNumber\" (also at $.products[0])" },
  { "/authsim/profile/bad/products-string", WITH_KEY ("'products': 'userInfo'"),
    "test.json: $.products: expected an array, got a string" },
  { "/authsim/profile/bad/aes-key-string", WITH_KEY ("'aesKey': 'yes'"),
    "test.json: $.aesKey: expected a boolean, got a string" },
  { "/authsim/profile/bad/sign-responses-number", WITH_KEY ("'signResponses': 1"),
    "test.json: $.signResponses: expected a boolean, got a number" },
  { "/authsim/profile/bad/device-settings-array", WITH_KEY ("'deviceSettings': ['location']"),
    "test.json: $.deviceSettings: expected an object, got an array" },
  { "/authsim/profile/bad/device-settings-unknown", WITH_KEY ("'deviceSettings': {'gps': true}"),
    "test.json: $.deviceSettings: unknown setting \"gps\" (expected album, audioRecord, "
    "bluetooth, camera or location)" },
  { "/authsim/profile/bad/device-settings-simulated",
    WITH_KEY ("'deviceSettings': {'userInfo': true}"),
    "test.json: $.deviceSettings: \"userInfo\" is simulated by AuthSim, not a device setting" },
  { "/authsim/profile/bad/device-settings-value", WITH_KEY ("'deviceSettings': {'camera': 1}"),
    "test.json: $.deviceSettings.camera: expected a boolean, got a number" },
  { "/authsim/profile/bad/hook-api-unknown",
    WITH_PAGES ("{'path': 'p/a', 'title': 'A', 'onLoad': {'api': 'getUserInfo'}}"),
    "test.json: $.pages[0].onLoad.api: expected one of \"getAuthCode\", \"getOpenUserInfo\", "
    "\"getPhoneNumber\", \"getSetting\", \"openSetting\", got \"getUserInfo\"" },
  { "/authsim/profile/bad/hook-api-extra-key",
    WITH_PAGES ("{'path': 'p/a', 'title': 'A', 'onShow': {'api': 'getSetting', 'scopes': 1}}"),
    "test.json: $.pages[0].onShow: unknown key \"scopes\"" },
  { "/authsim/profile/bad/button-api-authorize",
    WITH_BUTTON ("{'label': 'L', 'api': 'getAuthorize'}"),
    "test.json: $.pages[0].buttons[0].api: expected one of \"getAuthCode\", "
    "\"getOpenUserInfo\", \"getPhoneNumber\", \"getSetting\", \"openSetting\", "
    "got \"getAuthorize\"" },
  { "/authsim/profile/bad/button-api-and-navigate",
    WITH_BUTTON ("{'label': 'L', 'api': 'getSetting', 'navigateTo': 'p/a'}"),
    "test.json: $.pages[0].buttons[0]: expected exactly one of \"params\" or \"api\", "
    "\"navigateTo\", \"reLaunch\" or \"openType\", got 2" },
  { "/authsim/profile/bad/button-open-type-and-params",
    WITH_BUTTON ("{'label': 'L', 'openType': 'getAuthorize', 'params': {}}"),
    "test.json: $.pages[0].buttons[0]: expected exactly one of \"params\" or \"api\", "
    "\"navigateTo\", \"reLaunch\" or \"openType\", got 2" },
  { "/authsim/profile/bad/button-open-type-unknown",
    WITH_BUTTON ("{'label': 'L', 'openType': 'getPhoneNumber'}"),
    "test.json: $.pages[0].buttons[0].openType: expected \"getAuthorize\", "
    "got \"getPhoneNumber\"" },
  { "/authsim/profile/bad/button-scope-without-open-type",
    WITH_BUTTON ("{'label': 'L', 'api': 'getSetting', 'scope': 'userInfo'}"),
    "test.json: $.pages[0].buttons[0].scope: only a button with \"openType\": "
    "\"getAuthorize\" may set \"scope\"" },
  { "/authsim/profile/bad/button-on-get-authorize-without-api",
    WITH_BUTTON ("{'label': 'L', 'openType': 'getAuthorize', 'scope': 'userInfo',"
                 " 'onGetAuthorize': {'params': {}}}"),
    "test.json: $.pages[0].buttons[0].onGetAuthorize.api: required, but missing" },
  { "/authsim/profile/bad/button-authorize-container",
    WITH_BUTTON ("{'label': 'L', 'openType': 'getAuthorize', 'container': 'plugin'}"),
    "test.json: $.pages[0].buttons[0].container: only a button with \"params\" or \"api\" "
    "may set a container" },
  { "/authsim/profile/bad/button-plugin-without-host",
    WITH_BUTTON ("{'label': 'L', 'params': {}, 'container': 'plugin'}"),
    "test.json: $.pages[0].buttons[0].container: a plugin container needs a \"host\" "
    "in the profile" },
};

static void
test_bad (gconstpointer data)
{
  const BadCase *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimProfile) profile = load (c->json, NULL, &error);

  g_assert_null (profile);
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, c->message);
}

/* Not JSON at all: INVALID_JSON, with the source and line:column. */
static void
test_bad_syntax (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimProfile) profile = NULL;

  profile = authsim_profile_new_from_data ("{\n  \"appId\": \n}", -1, "demo.json", &error);
  g_assert_null (profile);
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID_JSON);
  g_assert_true (g_str_has_prefix (error->message, "demo.json:3:"));
  g_assert_null (strstr (error->message, "<data>"));
  g_clear_error (&error);

  profile = authsim_profile_new_from_data ("", 0, "demo.json", &error);
  g_assert_null (profile);
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID_JSON);
  g_assert_cmpstr (error->message, ==, "demo.json: empty document, expected a JSON object");
  g_clear_error (&error);

  /* Without a source name the data is "<data>". */
  profile = authsim_profile_new_from_data ("[]", -1, NULL, &error);
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "<data>: $: expected an object, got an array");
}

/* ------------------------------------------------------------------------------------------
 * Files
 * ------------------------------------------------------------------------------------------ */

static void
test_file_icon_paths (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "profile-good.json", NULL);
  g_autofree char *absolute = g_canonicalize_filename (path, NULL);
  g_autofree char *dir = g_path_get_dirname (absolute);
  g_autofree char *parent = g_path_get_dirname (dir);
  g_autofree char *icon = g_build_filename (dir, "icons", "app.svg", NULL);
  g_autofree char *host_icon = g_build_filename (parent, "shared", "host.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimProfile) profile = NULL;
  AuthsimContainer container;

  profile = authsim_profile_new_from_file (path, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (authsim_profile_get_source (profile), ==, path);
  g_assert_cmpstr (authsim_profile_get_icon (profile), ==, icon);
  g_assert_cmpstr (authsim_profile_get_host_icon (profile), ==, host_icon);
  g_assert_cmpstr (authsim_profile_get_host_name (profile), ==, "Fixture Host");
  g_assert_true (authsim_page_get_button_container (authsim_profile_get_page (profile, 0), 0,
                                                    &container));
  g_assert_cmpint (container, ==, AUTHSIM_CONTAINER_PLUGIN);

  assert_finalize_profile (g_steal_pointer (&profile));
}

/* A relative path given on the command line resolves against the working directory. */
static void
test_file_relative_path (void)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "data", NULL);
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *data_dir = NULL;
  g_autofree char *icon = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimProfile) profile = NULL;

  g_assert_cmpint (g_chdir (dir), ==, 0);
  data_dir = g_get_current_dir ();
  profile = authsim_profile_new_from_file ("profile-good.json", &error);
  g_assert_cmpint (g_chdir (cwd), ==, 0);

  g_assert_no_error (error);
  g_assert_cmpstr (authsim_profile_get_source (profile), ==, "profile-good.json");
  icon = g_build_filename (data_dir, "icons", "app.svg", NULL);
  g_assert_cmpstr (authsim_profile_get_icon (profile), ==, icon);
}

/* In-memory data has no directory: icons stay as written; URIs are understood. */
static void
test_data_icon_paths (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimProfile) profile = NULL;

  profile = load (WITH_KEY ("'icon': 'icons/app.svg'"), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (authsim_profile_get_icon (profile), ==, "icons/app.svg");
  g_clear_object (&profile);

  profile = load (WITH_KEY ("'icon': 'resource:///x/y.svg'"), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (authsim_profile_get_icon (profile), ==, "resource:///x/y.svg");
  g_clear_object (&profile);

  profile = load (WITH_KEY ("'icon': 'file:///tmp/a%20b.png'"), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (authsim_profile_get_icon (profile), ==, "/tmp/a b.png");
}

static void
test_file_bad (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data",
                                                 "profile-bad-navigate.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimProfile) profile = NULL;

  /* Messages name the file by its basename. */
  profile = authsim_profile_new_from_file (path, &error);
  g_assert_null (profile);
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "profile-bad-navigate.json: "
                   "$.pages[1].buttons[1].navigateTo: no page has path \"pages/x\"");
  g_clear_error (&error);
  g_free (path);

  path = g_test_build_filename (G_TEST_DIST, "data", "profile-bad-syntax.json", NULL);
  profile = authsim_profile_new_from_file (path, &error);
  g_assert_null (profile);
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID_JSON);
  g_assert_true (g_str_has_prefix (error->message, "profile-bad-syntax.json:3:"));
  g_clear_error (&error);
  g_free (path);

  path = g_test_build_filename (G_TEST_DIST, "data", "no-such-profile.json", NULL);
  profile = authsim_profile_new_from_file (path, &error);
  g_assert_null (profile);
  g_assert_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "no-such-profile.json"));
}

/* ------------------------------------------------------------------------------------------
 * Localised strings
 * ------------------------------------------------------------------------------------------ */

#define LOCALISED \
  "{'appId': '2021000000000001', 'name': %s, 'pages': [{'path': 'p/a', 'title': 'A'}]}"

typedef struct
{
  const char *test_path;
  const char *name;      /* the "name" member */
  const char *languages; /* ":"-separated, best first, as g_get_language_names() */
  const char *expected;
} LocaleCase;

static const LocaleCase locale_cases[] = {
  { "/authsim/profile/locale/plain-string", "'Coffee'", "zh_CN:zh:C", "Coffee" },
  { "/authsim/profile/locale/exact", "{'en': 'Coffee', 'zh_CN': '咖啡'}", "zh_CN:zh:C", "咖啡" },
  { "/authsim/profile/locale/first-preference-wins",
    "{'zh_CN': '咖啡', 'fr': 'Café', 'en': 'Coffee'}", "fr:zh_CN:C", "Café" },
  { "/authsim/profile/locale/language-only",
    "{'en': 'Coffee', 'zh': '咖啡'}", "zh_TW:zh:C", "咖啡" },
  { "/authsim/profile/locale/dash-matches-underscore",
    "{'en': 'Coffee', 'zh-CN': '咖啡'}", "zh_CN:zh:C", "咖啡" },
  { "/authsim/profile/locale/fallback-en",
    "{'zh_CN': '咖啡', 'en': 'Coffee'}", "fr_FR:fr:C", "Coffee" },
  { "/authsim/profile/locale/fallback-first",
    "{'zh_CN': '咖啡', 'fr': 'Café'}", "de:C", "咖啡" },
  { "/authsim/profile/locale/c-locale", "{'fr': 'Café', 'en': 'Coffee'}", "C", "Coffee" },
  { "/authsim/profile/locale/no-languages", "{'fr': 'Café', 'en': 'Coffee'}", "", "Coffee" },
};

static void
test_locale (gconstpointer data)
{
  const LocaleCase *c = data;
  g_auto(GStrv) languages = g_strsplit (c->languages, ":", -1);
  g_autofree char *json = g_strdup_printf (LOCALISED, c->name);
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimProfile) profile = NULL;

  /* g_strsplit ("") gives an empty list: no preference at all. */
  profile = load (json, (const char * const *) languages, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (authsim_profile_get_name (profile), ==, c->expected);
}

/* Every display string is localised: title, body, button label, host name. */
static void
test_locale_everywhere (void)
{
  const char * const zh[] = { "zh_CN", "zh", "C", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimProfile) profile = NULL;
  const AuthsimPage *page;

  profile = load ("{'appId': '2021000000000001', 'name': {'en': 'N', 'zh_CN': '名'},"
                  " 'host': {'appId': '2021000000000002', 'name': {'en': 'H', 'zh_CN': '宿'}},"
                  " 'pages': [{'path': 'p/a', 'title': {'en': 'T', 'zh_CN': '题'},"
                  "   'body': {'en': 'B', 'zh_CN': '文'},"
                  "   'buttons': [{'label': {'en': 'L', 'zh_CN': '钮'}, 'params': {}}]}]}",
                  zh, &error);
  g_assert_no_error (error);

  page = authsim_profile_get_page (profile, 0);
  g_assert_cmpstr (authsim_profile_get_name (profile), ==, "名");
  g_assert_cmpstr (authsim_profile_get_host_name (profile), ==, "宿");
  g_assert_cmpstr (authsim_page_get_title (page), ==, "题");
  g_assert_cmpstr (authsim_page_get_body (page), ==, "文");
  g_assert_cmpstr (authsim_page_get_button_label (page, 0), ==, "钮");
}

/* The public loader follows the environment (LANGUAGE first, as gettext does). */
static void
test_locale_environment (void)
{
  const char *json = "{\"appId\": \"2021000000000001\", \"name\": {\"en\": \"Coffee\", "
                     "\"zh_CN\": \"咖啡\"}, \"pages\": [{\"path\": \"p\", \"title\": \"P\"}]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimProfile) zh = NULL;
  g_autoptr(AuthsimProfile) en = NULL;

  g_setenv ("LANGUAGE", "zh_CN", TRUE);
  zh = authsim_profile_new_from_data (json, -1, "test.json", &error);
  g_assert_no_error (error);

  g_setenv ("LANGUAGE", "en_US", TRUE);
  en = authsim_profile_new_from_data (json, -1, "test.json", &error);
  g_assert_no_error (error);
  g_unsetenv ("LANGUAGE");

  g_assert_cmpstr (authsim_profile_get_name (zh), ==, "咖啡");
  g_assert_cmpstr (authsim_profile_get_name (en), ==, "Coffee");
}

/* ------------------------------------------------------------------------------------------
 * Setters and properties
 * ------------------------------------------------------------------------------------------ */

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              GHashTable *counts)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, pspec->name));

  g_hash_table_insert (counts, (gpointer) pspec->name, GUINT_TO_POINTER (n + 1));
}

static guint
take_count (GHashTable *counts,
            const char *name)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, name));

  g_hash_table_remove (counts, name);
  return n;
}

static void
test_setters_notify (void)
{
  const char * const same[] = { "nickName", "avatar", "gender", "province", "city", NULL };
  const char * const other[] = { "mobile", "nickName", NULL };
  const char * const reordered[] = { "nickName", "mobile", NULL };
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimProfile) profile = load (MINIMAL, NULL, &error);

  g_assert_no_error (error);
  g_signal_connect (profile, "notify", G_CALLBACK (count_notify), counts);

  /* Same values: nothing. */
  authsim_profile_set_app_type (profile, AUTHSIM_APP_TYPE_PERSONAL);
  authsim_profile_set_jsapi_base_package (profile, TRUE);
  authsim_profile_set_third_party (profile, AUTHSIM_THIRD_PARTY_NONE);
  authsim_profile_set_id_mode (profile, AUTHSIM_ID_MODE_USER_ID);
  authsim_profile_set_user_info_fields (profile, same);
  g_assert_cmpuint (g_hash_table_size (counts), ==, 0);

  /* Each real change: one notification of its own property, and the new value. */
  authsim_profile_set_app_type (profile, AUTHSIM_APP_TYPE_ENTERPRISE);
  g_assert_cmpuint (take_count (counts, "app-type"), ==, 1);
  g_assert_cmpint (authsim_profile_get_app_type (profile), ==, AUTHSIM_APP_TYPE_ENTERPRISE);

  authsim_profile_set_jsapi_base_package (profile, FALSE);
  g_assert_cmpuint (take_count (counts, "jsapi-base-package"), ==, 1);
  g_assert_false (authsim_profile_get_jsapi_base_package (profile));

  authsim_profile_set_third_party (profile, AUTHSIM_THIRD_PARTY_WITH_PACKAGE);
  g_assert_cmpuint (take_count (counts, "third-party"), ==, 1);
  g_assert_cmpint (authsim_profile_get_third_party (profile), ==,
                   AUTHSIM_THIRD_PARTY_WITH_PACKAGE);

  authsim_profile_set_id_mode (profile, AUTHSIM_ID_MODE_OPEN_ID);
  g_assert_cmpuint (take_count (counts, "id-mode"), ==, 1);
  g_assert_cmpint (authsim_profile_get_id_mode (profile), ==, AUTHSIM_ID_MODE_OPEN_ID);

  authsim_profile_set_user_info_fields (profile, other);
  g_assert_cmpuint (take_count (counts, "user-info-fields"), ==, 1);
  g_assert_cmpstrv (authsim_profile_get_user_info_fields (profile), other);

  /* Order matters (it is the popup's order). */
  authsim_profile_set_user_info_fields (profile, reordered);
  g_assert_cmpuint (take_count (counts, "user-info-fields"), ==, 1);
  g_assert_cmpstrv (authsim_profile_get_user_info_fields (profile), reordered);

  g_assert_cmpuint (g_hash_table_size (counts), ==, 0);

  /* Setting the new values again: nothing. */
  authsim_profile_set_app_type (profile, AUTHSIM_APP_TYPE_ENTERPRISE);
  authsim_profile_set_jsapi_base_package (profile, FALSE);
  authsim_profile_set_third_party (profile, AUTHSIM_THIRD_PARTY_WITH_PACKAGE);
  authsim_profile_set_id_mode (profile, AUTHSIM_ID_MODE_OPEN_ID);
  authsim_profile_set_user_info_fields (profile, reordered);
  g_assert_cmpuint (g_hash_table_size (counts), ==, 0);

  /* No fields at all (NULL means none). */
  authsim_profile_set_user_info_fields (profile, NULL);
  g_assert_cmpuint (take_count (counts, "user-info-fields"), ==, 1);
  g_assert_cmpuint (g_strv_length ((GStrv) authsim_profile_get_user_info_fields (profile)),
                    ==, 0);

  g_signal_handlers_disconnect_by_data (profile, counts);
  assert_finalize_profile (g_steal_pointer (&profile));
}

static void
test_properties (void)
{
  const char * const fields[] = { "email", NULL };
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthsimProfile) profile = load (MINIMAL, NULL, &error);
  g_autofree char *app_id = NULL;
  g_autofree char *name = NULL;
  g_auto(GStrv) got_fields = NULL;
  AuthsimAppType app_type;
  AuthsimThirdParty third_party;
  AuthsimIdMode id_mode;
  gboolean jsapi;
  GParamSpec *pspec;

  g_assert_no_error (error);

  /* app-id and name are read-only. */
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (profile), "app-id");
  g_assert_nonnull (pspec);
  g_assert_false (pspec->flags & G_PARAM_WRITABLE);
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (profile), "name");
  g_assert_nonnull (pspec);
  g_assert_false (pspec->flags & G_PARAM_WRITABLE);

  g_signal_connect (profile, "notify", G_CALLBACK (count_notify), counts);
  g_object_set (profile,
                "app-type", AUTHSIM_APP_TYPE_ENTERPRISE,
                "jsapi-base-package", FALSE,
                "third-party", AUTHSIM_THIRD_PARTY_WITHOUT_PACKAGE,
                "id-mode", AUTHSIM_ID_MODE_OPEN_ID,
                "user-info-fields", fields,
                NULL);
  g_assert_cmpuint (take_count (counts, "app-type"), ==, 1);
  g_assert_cmpuint (take_count (counts, "jsapi-base-package"), ==, 1);
  g_assert_cmpuint (take_count (counts, "third-party"), ==, 1);
  g_assert_cmpuint (take_count (counts, "id-mode"), ==, 1);
  g_assert_cmpuint (take_count (counts, "user-info-fields"), ==, 1);
  g_assert_cmpuint (g_hash_table_size (counts), ==, 0);

  /* The same values through properties: explicit notify, so nothing. */
  g_object_set (profile, "app-type", AUTHSIM_APP_TYPE_ENTERPRISE,
                "user-info-fields", fields, NULL);
  g_assert_cmpuint (g_hash_table_size (counts), ==, 0);

  g_object_get (profile,
                "app-id", &app_id,
                "name", &name,
                "app-type", &app_type,
                "jsapi-base-package", &jsapi,
                "third-party", &third_party,
                "id-mode", &id_mode,
                "user-info-fields", &got_fields,
                NULL);
  g_assert_cmpstr (app_id, ==, "2021000000000001");
  g_assert_cmpstr (name, ==, "T");
  g_assert_cmpint (app_type, ==, AUTHSIM_APP_TYPE_ENTERPRISE);
  g_assert_false (jsapi);
  g_assert_cmpint (third_party, ==, AUTHSIM_THIRD_PARTY_WITHOUT_PACKAGE);
  g_assert_cmpint (id_mode, ==, AUTHSIM_ID_MODE_OPEN_ID);
  g_assert_cmpstrv (got_fields, fields);

  g_signal_handlers_disconnect_by_data (profile, counts);
}

/* ------------------------------------------------------------------------------------------
 * User-info fields
 * ------------------------------------------------------------------------------------------ */

static void
test_fields_known (void)
{
  const char * const fields[] = {
    "nickName", "avatar", "gender", "province", "city",
    "mobile", "userName", "certNo", "birthday", "email", NULL
  };
  const char * const keys[] = {
    "nick_name", "avatar", "gender", "province", "city",
    "mobile", "user_name", "cert_no", "birthday", "email", NULL
  };

  g_assert_cmpstrv (authsim_user_info_fields_known (), fields);
  for (guint i = 0; fields[i] != NULL; i++)
    g_assert_cmpstr (authsim_user_info_field_to_key (fields[i]), ==, keys[i]);

  g_assert_null (authsim_user_info_field_to_key ("nick_name"));
  g_assert_null (authsim_user_info_field_to_key ("nickname"));
  g_assert_null (authsim_user_info_field_to_key (NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/authsim/profile/default", test_default);
  g_test_add_func ("/authsim/profile/default-zh-cn", test_default_zh_cn);
  g_test_add_func ("/authsim/profile/minimal-defaults", test_minimal_defaults);
  g_test_add_func ("/authsim/profile/every-key", test_every_key);
  g_test_add_func ("/authsim/profile/empty-lists", test_empty_lists);
  g_test_add_func ("/authsim/profile/consent-keys", test_consent_keys);

  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    g_test_add_data_func (bad_cases[i].test_path, &bad_cases[i], test_bad);
  g_test_add_func ("/authsim/profile/bad/syntax", test_bad_syntax);

  g_test_add_func ("/authsim/profile/file/icon-paths", test_file_icon_paths);
  g_test_add_func ("/authsim/profile/file/relative-path", test_file_relative_path);
  g_test_add_func ("/authsim/profile/file/bad", test_file_bad);
  g_test_add_func ("/authsim/profile/data-icon-paths", test_data_icon_paths);

  for (guint i = 0; i < G_N_ELEMENTS (locale_cases); i++)
    g_test_add_data_func (locale_cases[i].test_path, &locale_cases[i], test_locale);
  g_test_add_func ("/authsim/profile/locale/everywhere", test_locale_everywhere);
  g_test_add_func ("/authsim/profile/locale/environment", test_locale_environment);

  g_test_add_func ("/authsim/profile/setters-notify", test_setters_notify);
  g_test_add_func ("/authsim/profile/properties", test_properties);
  g_test_add_func ("/authsim/profile/fields-known", test_fields_known);

  return g_test_run ();
}
