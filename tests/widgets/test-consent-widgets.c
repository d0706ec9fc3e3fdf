/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-consent-widgets.c: the window's part of the other consent flows (SPEC §10–§12, §13.5):
 * the consent sheet for userInfo and phoneNumber, the page's member card, the capsule's 设置,
 * the settings page and its switches, the composer's API choice, the new Preferences and the
 * Grants tab. Accessible roles and names, and that every control goes through the engine.
 * Runs under Xvfb (tests/ui/run-under-xvfb). */
#include "config.h"

#include <gtk/gtk.h>

#include "authsim-composer.h"
#include "authsim-consent-sheet.h"
#include "authsim-grants-view.h"
#include "authsim-preferences-dialog.h"
#include "authsim-preview.h"
#include "authsim-settings-page.h"
#include "test-utils.h"

/* Widget lookup --------------------------------------------------------------------------- */

typedef gboolean (*Match) (GtkWidget *widget, gconstpointer data);

static GtkWidget *
find_widget (GtkWidget     *root,
             Match          match,
             gconstpointer  data)
{
  if (match (root, data))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, match, data);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
match_css_class (GtkWidget     *widget,
                 gconstpointer  data)
{
  return gtk_widget_has_css_class (widget, data);
}

static gboolean
match_button_label (GtkWidget     *widget,
                    gconstpointer  data)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), data) == 0;
}

static gboolean
match_label_text (GtkWidget     *widget,
                  gconstpointer  data)
{
  return GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), data) == 0;
}

static gboolean
match_type (GtkWidget     *widget,
            gconstpointer  data)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (widget, GPOINTER_TO_SIZE (data));
}

/* Not a GtkLabel, with the accessible LABEL property @data: what AT-SPI names it. */
static gboolean
match_accessible_label (GtkWidget     *widget,
                        gconstpointer  data)
{
  g_autofree char *error = NULL;

  if (GTK_IS_LABEL (widget) ||
      !gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL))
    return FALSE;
  error = gtk_test_accessible_check_property (GTK_ACCESSIBLE (widget),
                                              GTK_ACCESSIBLE_PROPERTY_LABEL, data);
  return error == NULL;
}

static GtkWidget *
find_labelled (GtkWidget  *root,
               const char *label)
{
  GtkWidget *widget = find_widget (root, match_accessible_label, label);

  if (widget == NULL)
    g_error ("no widget with the accessible label \"%s\"", label);
  return widget;
}

static gboolean
is_showing (GtkWidget *widget)
{
  return widget != NULL && gtk_widget_is_visible (widget) && gtk_widget_get_mapped (widget);
}

/* A click as the user makes it. */
static void
click (GtkWidget *button)
{
  g_assert_true (GTK_IS_BUTTON (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

/* The preview over an engine on the demo profile ------------------------------------------ */

typedef struct
{
  AuthsimStore   *store;
  AuthsimLog     *log;
  AuthsimEngine  *engine;
  GtkWindow      *window;
  AuthsimPreview *preview;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(AuthsimProfile) profile = authsim_profile_new_default ();
  g_autoptr(GListModel) users = authsim_users_new_default ();

  f->store = test_store_new ();
  f->log = authsim_log_new ();
  f->engine = authsim_engine_new (profile, users, f->store, f->log);
  authsim_engine_set_toast_duration (f->engine, 100);

  f->window = GTK_WINDOW (gtk_window_new ());
  f->preview = AUTHSIM_PREVIEW (authsim_preview_new (f->engine));
  gtk_window_set_child (f->window, GTK_WIDGET (f->preview));
  gtk_window_present (f->window);

  authsim_engine_launch (f->engine);
  test_wait_until (gtk_widget_get_mapped (GTK_WIDGET (f->preview)));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (f->window);
  /* No view may keep the engine alive. */
  g_assert_finalize_object (f->engine);
  g_clear_object (&f->log);
  g_clear_object (&f->store);
}

static GtkWidget *
preview_find (Fixture       *f,
              Match          match,
              gconstpointer  data)
{
  return find_widget (GTK_WIDGET (f->preview), match, data);
}

static GtkWidget *
sheet_of (Fixture *f)
{
  return authsim_preview_get_sheet (f->preview);
}

static AuthsimSettingsPage *
settings_page_of (Fixture *f)
{
  GtkWidget *page = preview_find (f, match_type, GSIZE_TO_POINTER (AUTHSIM_TYPE_SETTINGS_PAGE));

  g_assert_nonnull (page);
  return AUTHSIM_SETTINGS_PAGE (page);
}

static void
go_to_account_page (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (authsim_engine_navigate (f->engine, "pages/account/account", &error));
  g_assert_no_error (error);
}

/* The callback @name ("success", "onGetAuthorize", …) of @call, or NULL. */
static JsonObject *
callback_of (Fixture    *f,
             guint       call,
             const char *name)
{
  GListModel *log = G_LIST_MODEL (f->log);

  for (guint i = 0; i < g_list_model_get_n_items (log); i++)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (log, i);

      if (authsim_event_get_call (event) == call &&
          g_strcmp0 (authsim_event_get_kind (event), "callback") == 0 &&
          g_strcmp0 (authsim_event_get_callback (event), name) == 0)
        return authsim_event_get_object (event);
    }
  return NULL;
}

static guint
tap_authorize (Fixture    *f,
               const char *scope)
{
  g_autoptr(JsonNode) node = json_node_init_string (json_node_alloc (), scope);

  return authsim_engine_tap_authorize (f->engine, node);
}

/* my.getOpenUserInfo's inner code: "10000", "40003", … */
static char *
open_user_info_code (Fixture *f)
{
  guint call = authsim_engine_call_api (f->engine, AUTHSIM_API_GET_OPEN_USER_INFO, NULL,
                                        AUTHSIM_TRIGGER_TAP, AUTHSIM_CONTAINER_MINI_PROGRAM);
  JsonObject *success;
  g_autoptr(JsonNode) inner = NULL;

  test_wait_until (callback_of (f, call, "complete") != NULL);
  success = callback_of (f, call, "success");
  g_assert_nonnull (success);
  inner = test_parse (json_object_get_string_member (json_object_get_object_member (success,
                                                                                    "payload"),
                                                     "response"));
  return g_strdup (json_object_get_string_member (
                     json_object_get_object_member (json_node_get_object (inner), "response"),
                     "code"));
}

/* The rows of the open sheet's requested information. */
static guint
n_info_rows (Fixture *f)
{
  GtkWidget *info = find_widget (sheet_of (f), match_css_class, "consent-info");
  guint n = 0;

  for (GtkWidget *row = gtk_widget_get_first_child (info); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    n++;
  return n;
}

/* Tests: the sheet ------------------------------------------------------------------------ */

static void
test_sheet_user_info (Fixture       *f,
                      gconstpointer  data)
{
  GtkWidget *sheet = sheet_of (f);
  guint tap = tap_authorize (f, "userInfo");

  test_wait_until (is_showing (sheet));
  g_assert_cmpstr (authsim_request_get_scope (authsim_engine_get_request (f->engine)), ==,
                   "userInfo");
  /* The same sheet and names as getAuthCode's (SPEC §10.4), one requested item. */
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (sheet), GTK_ACCESSIBLE_ROLE_DIALOG);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (sheet), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Authorization request");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (find_widget (sheet, match_css_class,
                                                                    "consent-allow")),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Allow");
  g_assert_cmpuint (n_info_rows (f), ==, 1);
  g_assert_nonnull (find_widget (sheet, match_label_text, "Member basic info (avatar, nickname)"));
  g_assert_null (find_widget (sheet, match_css_class, "consent-info-detail"));

  click (find_widget (sheet, match_css_class, "consent-allow"));
  test_wait_until (callback_of (f, tap, "onGetAuthorize") != NULL);
  g_assert_null (callback_of (f, tap, "onError"));
  test_wait_until (!gtk_widget_get_visible (sheet));
}

static void
test_sheet_phone_number (Fixture       *f,
                         gconstpointer  data)
{
  GtkWidget *sheet = sheet_of (f);
  AuthsimUser *user = authsim_engine_get_active_user (f->engine);
  const char *mobile = authsim_user_get_info_value (user, "mobile");
  g_autofree char *masked = NULL;
  g_autofree char *detail = NULL;
  guint tap;

  /* The demo's first user has a mainland number: 11 digits, shown as Alipay masks it. */
  g_assert_nonnull (mobile);
  g_assert_cmpuint (strlen (mobile), ==, 11);
  masked = g_strdup_printf ("%.3s****%s", mobile, mobile + 7);
  detail = g_strdup_printf ("Bound to Alipay: %s", masked);

  tap = tap_authorize (f, "phoneNumber");
  test_wait_until (is_showing (sheet));
  g_assert_cmpuint (n_info_rows (f), ==, 1);
  g_assert_nonnull (find_widget (sheet, match_label_text, "Your mobile number"));
  g_assert_nonnull (find_widget (sheet, match_label_text, detail));
  g_assert_null (find_widget (sheet, match_label_text, mobile));

  /* Reject: onError 用户取消授权, the sheet goes. */
  click (find_widget (sheet, match_css_class, "consent-reject"));
  test_wait_until (callback_of (f, tap, "onError") != NULL);
  g_assert_cmpstr (json_object_get_string_member (
                     json_object_get_object_member (
                       json_object_get_object_member (callback_of (f, tap, "onError"), "payload"),
                       "detail"),
                     "errorMessage"), ==, "用户取消授权");
  test_wait_until (!gtk_widget_get_visible (sheet));
}

/* Tests: the page's member card --------------------------------------------------------- */

static void
test_member_card (Fixture       *f,
                  gconstpointer  data)
{
  GtkWidget *card = preview_find (f, match_css_class, "mp-member-card");
  AuthsimUser *user = authsim_engine_get_active_user (f->engine);
  const char *nickname = authsim_user_get_info_value (user, "nick_name");
  GtkWidget *avatar_stack;

  g_assert_nonnull (card);
  g_assert_false (gtk_widget_get_visible (card));

  /* "Show my avatar" is a page button named by its label; its onGetAuthorize calls
   * my.getOpenUserInfo, and the page shows what it got. */
  go_to_account_page (f);
  click (preview_find (f, match_button_label, "Show my avatar"));
  test_wait_until (is_showing (sheet_of (f)));
  g_assert_true (authsim_consent_sheet_respond (AUTHSIM_CONSENT_SHEET (sheet_of (f)),
                                                AUTHSIM_DECISION_ALLOW));
  test_wait_until (authsim_engine_get_page_nickname (f->engine) != NULL);
  g_assert_cmpstr (authsim_engine_get_page_nickname (f->engine), ==, nickname);
  test_wait_until (is_showing (card));
  g_assert_nonnull (find_widget (card, match_label_text, nickname));
  /* The demo users have a picture of their avatar: the page draws it. */
  g_assert_nonnull (authsim_engine_get_page_avatar_image (f->engine));
  avatar_stack = find_widget (card, match_css_class, "mp-avatar");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (avatar_stack)), ==, "image");

  /* Another page has not called it. */
  g_assert_true (authsim_engine_navigate_back (f->engine, NULL));
  test_wait_until (!gtk_widget_get_visible (card));
}

/* Tests: the settings page -------------------------------------------------------------- */

static void
test_capsule_settings (Fixture       *f,
                       gconstpointer  data)
{
  GtkWidget *item = find_labelled (GTK_WIDGET (f->preview), "Settings");
  AuthsimSettingsPage *page = settings_page_of (f);

  /* The capsule's ··· menu → 设置 (a button of its popover, through an action). */
  g_assert_true (GTK_IS_BUTTON (item));
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (item), GTK_ACCESSIBLE_ROLE_BUTTON);
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (item)), ==,
                   "preview.open-settings");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (page)));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->preview), "preview.open-settings",
                                             NULL));
  g_assert_true (authsim_engine_get_settings_open (f->engine));
  test_wait_until (is_showing (GTK_WIDGET (page)));
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (page), GTK_ACCESSIBLE_ROLE_DIALOG);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (page), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Mini program settings");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (preview_find (f, match_css_class,
                                                                "preview-status"))),
                   ==, "Status: settings page open");
  /* The page under it is out of reach, and the capsule cannot open it twice. */
  g_assert_false (gtk_widget_is_sensitive (preview_find (f, match_css_class, "mp-page")));
  gtk_widget_activate_action (GTK_WIDGET (f->preview), "preview.open-settings", NULL);
  g_assert_true (authsim_engine_get_settings_open (f->engine));

  /* Nothing asked yet: no switch, and no 用户信息 row. */
  g_assert_null (authsim_settings_page_get_switch (page, "userInfo"));
  g_assert_true (is_showing (find_widget (GTK_WIDGET (page), match_css_class, "settings-empty")));
  g_assert_false (gtk_widget_is_visible (find_labelled (GTK_WIDGET (page),
                                                        "Revoke user info authorization")));

  /* Back leaves it. */
  click (find_labelled (GTK_WIDGET (page), "Back"));
  g_assert_false (authsim_engine_get_settings_open (f->engine));
  test_wait_until (!gtk_widget_get_visible (GTK_WIDGET (page)));
  g_assert_true (gtk_widget_is_sensitive (preview_find (f, match_css_class, "mp-page")));
}

static void
test_settings_switches (Fixture       *f,
                        gconstpointer  data)
{
  AuthsimSettingsPage *page = settings_page_of (f);
  GtkWidget *member, *phone;
  g_autofree char *code = NULL;
  guint tap;

  /* Granted by a button: the page shows a switch per key asked for, on. */
  tap = tap_authorize (f, "userInfo");
  test_wait_until (is_showing (sheet_of (f)));
  authsim_consent_sheet_respond (AUTHSIM_CONSENT_SHEET (sheet_of (f)), AUTHSIM_DECISION_ALLOW);
  test_wait_until (callback_of (f, tap, "onGetAuthorize") != NULL);
  tap = tap_authorize (f, "phoneNumber");
  test_wait_until (is_showing (sheet_of (f)));
  authsim_consent_sheet_respond (AUTHSIM_CONSENT_SHEET (sheet_of (f)), AUTHSIM_DECISION_REJECT);
  test_wait_until (callback_of (f, tap, "onError") != NULL);
  test_wait_until (!gtk_widget_get_visible (sheet_of (f)));

  g_assert_true (authsim_engine_open_settings (f->engine, NULL));
  test_wait_until (is_showing (GTK_WIDGET (page)));
  member = find_labelled (GTK_WIDGET (page), "Member basic info");
  phone = find_labelled (GTK_WIDGET (page), "Phone number");
  g_assert_true (member == authsim_settings_page_get_switch (page, "userInfo"));
  g_assert_true (phone == authsim_settings_page_get_switch (page, "phoneNumber"));
  /* Toggle buttons: a button with "pressed" on GTK 4.8 (SPEC §13.5). */
  g_assert_true (GTK_IS_TOGGLE_BUTTON (member));
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (member), GTK_ACCESSIBLE_ROLE_BUTTON);
  gtk_test_accessible_assert_state (GTK_ACCESSIBLE (member), GTK_ACCESSIBLE_STATE_PRESSED,
                                    GTK_ACCESSIBLE_TRISTATE_TRUE);
  gtk_test_accessible_assert_state (GTK_ACCESSIBLE (phone), GTK_ACCESSIBLE_STATE_PRESSED,
                                    GTK_ACCESSIBLE_TRISTATE_FALSE);

  /* Off revokes at once: the next my.getOpenUserInfo gives 40003. */
  click (member);
  g_assert_false (json_object_get_boolean_member (authsim_engine_get_auth_setting (f->engine),
                                                  "userInfo"));
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (member)));
  g_assert_true (authsim_settings_page_get_switch (page, "userInfo") == member);
  /* (Calls wait while the page is open: leave it, call, come back.) */
  g_assert_true (authsim_engine_close_settings (f->engine, NULL));
  code = open_user_info_code (f);
  g_assert_cmpstr (code, ==, "40003");
  g_assert_true (authsim_engine_open_settings (f->engine, NULL));
  test_wait_until (is_showing (GTK_WIDGET (page)));
  g_assert_true (authsim_settings_page_get_switch (page, "userInfo") == member);
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (member)));

  /* On opens the popup over the page, and the switch stays off until Allow. */
  click (member);
  test_wait_until (is_showing (sheet_of (f)));
  g_assert_cmpstr (authsim_request_get_scope (authsim_engine_get_request (f->engine)), ==,
                   "userInfo");
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (member)));
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (page)));
  authsim_consent_sheet_respond (AUTHSIM_CONSENT_SHEET (sheet_of (f)), AUTHSIM_DECISION_REJECT);
  test_wait_until (!gtk_widget_get_visible (sheet_of (f)));
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (member)));
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (page)));

  click (member);
  test_wait_until (is_showing (sheet_of (f)));
  authsim_consent_sheet_respond (AUTHSIM_CONSENT_SHEET (sheet_of (f)), AUTHSIM_DECISION_ALLOW);
  test_wait_until (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (member)));
  gtk_test_accessible_assert_state (GTK_ACCESSIBLE (member), GTK_ACCESSIBLE_STATE_PRESSED,
                                    GTK_ACCESSIBLE_TRISTATE_TRUE);
  g_clear_pointer (&code, g_free);
  authsim_engine_close_settings (f->engine, NULL);
  code = open_user_info_code (f);
  g_assert_cmpstr (code, ==, "10000");
}

static void
test_settings_user_info_row (Fixture       *f,
                             gconstpointer  data)
{
  AuthsimSettingsPage *page = settings_page_of (f);
  g_autoptr(JsonNode) params = test_parse ("{\"scopes\": \"auth_user\"}");
  GtkWidget *revoke = find_labelled (GTK_WIDGET (page), "Revoke user info authorization");
  guint call;

  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (revoke), GTK_ACCESSIBLE_ROLE_BUTTON);
  g_assert_true (authsim_engine_open_settings (f->engine, NULL));
  test_wait_until (is_showing (GTK_WIDGET (page)));
  g_assert_false (gtk_widget_is_visible (revoke));
  g_assert_true (authsim_engine_close_settings (f->engine, NULL));

  /* An auth_user grant (getAuthCode's popup) shows the 用户信息 row. */
  call = authsim_engine_call (f->engine, params, AUTHSIM_TRIGGER_TAP,
                              AUTHSIM_CONTAINER_MINI_PROGRAM);
  test_wait_until (is_showing (sheet_of (f)));
  authsim_consent_sheet_respond (AUTHSIM_CONSENT_SHEET (sheet_of (f)), AUTHSIM_DECISION_ALLOW);
  test_wait_until (callback_of (f, call, "complete") != NULL);
  test_wait_until (!gtk_widget_get_visible (sheet_of (f)));

  g_assert_true (authsim_engine_open_settings (f->engine, NULL));
  test_wait_until (is_showing (revoke));
  g_assert_false (is_showing (find_widget (GTK_WIDGET (page), match_css_class, "settings-empty")));

  /* 解除授权 revokes it (the grant goes, and the row with it). */
  click (revoke);
  g_assert_false (authsim_engine_get_user_info_authorized (f->engine));
  g_assert_false (gtk_widget_is_visible (revoke));
  g_assert_cmpuint (g_list_model_get_n_items (authsim_store_get_grants (f->store)), ==, 0);
}

static void
test_open_setting_call (Fixture       *f,
                        gconstpointer  data)
{
  AuthsimSettingsPage *page = settings_page_of (f);
  guint call = authsim_engine_call_api (f->engine, AUTHSIM_API_OPEN_SETTING, NULL,
                                        AUTHSIM_TRIGGER_TAP, AUTHSIM_CONTAINER_MINI_PROGRAM);
  JsonObject *success;

  /* my.openSetting opens the page; leaving it answers success with authSetting. */
  test_wait_until (is_showing (GTK_WIDGET (page)));
  g_assert_null (callback_of (f, call, "success"));
  click (find_labelled (GTK_WIDGET (page), "Back"));
  test_wait_until (callback_of (f, call, "complete") != NULL);
  success = callback_of (f, call, "success");
  g_assert_nonnull (success);
  test_assert_json_equal_str ("{\"authSetting\": {}}",
                              json_object_get_member (success, "payload"), "$");
  test_wait_until (!gtk_widget_get_visible (GTK_WIDGET (page)));
}

/* Tests: the composer, Preferences, Grants ---------------------------------------------- */

static void
test_composer_api (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimStore) store = test_store_new ();
  g_autoptr(AuthsimProfile) profile = authsim_profile_new_default ();
  g_autoptr(GListModel) users = authsim_users_new_default ();
  g_autoptr(AuthsimEngine) engine = authsim_engine_new (profile, users, store, log);
  GtkWidget *composer = g_object_ref_sink (authsim_composer_new (engine));
  GtkWidget *choice = find_labelled (composer, "API");
  GtkWidget *editor = find_labelled (composer, "Call parameters");
  GListModel *items;
  GtkWidget *button;
  guint call;
  static const char * const names[] = {
    "my.getAuthCode", "my.getOpenUserInfo", "my.getPhoneNumber", "my.getSetting",
    "my.openSetting",
  };

  /* A combo box named "API" with the five my.* names (SPEC §13.5). */
  g_assert_true (GTK_IS_DROP_DOWN (choice));
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (choice), GTK_ACCESSIBLE_ROLE_COMBO_BOX);
  items = gtk_drop_down_get_model (GTK_DROP_DOWN (choice));
  g_assert_cmpuint (g_list_model_get_n_items (items), ==, G_N_ELEMENTS (names));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (items), i), ==, names[i]);
  g_assert_cmpint (authsim_composer_get_api (AUTHSIM_COMPOSER (composer)), ==,
                   AUTHSIM_API_GET_AUTH_CODE);

  /* The call button's name follows; getAuthCode's stays SPEC §7's. */
  button = find_widget (composer, match_button_label, "Call my.getAuthCode");
  g_assert_nonnull (button);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (choice), AUTHSIM_API_GET_OPEN_USER_INFO);
  g_assert_cmpint (authsim_composer_get_api (AUTHSIM_COMPOSER (composer)), ==,
                   AUTHSIM_API_GET_OPEN_USER_INFO);
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (button)), ==, "Call my.getOpenUserInfo");
  /* No parameter object: the editor is not used, even when it is not JSON. */
  g_assert_false (gtk_widget_is_sensitive (editor));
  authsim_composer_set_text (AUTHSIM_COMPOSER (composer), "not json");
  call = authsim_composer_call (AUTHSIM_COMPOSER (composer));
  g_assert_cmpuint (call, >, 0);
  g_assert_null (authsim_composer_get_error (AUTHSIM_COMPOSER (composer)));
  test_wait_until (test_count_kind (log, "call") == 1);
  {
    g_autoptr(GPtrArray) events = test_events_of_call (log, call);
    JsonObject *first = authsim_event_get_object (g_ptr_array_index (events, 0));

    g_assert_cmpstr (json_object_get_string_member (first, "kind"), ==, "call");
    g_assert_cmpstr (json_object_get_string_member (first, "api"), ==, "getOpenUserInfo");
  }

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *label = g_strdup_printf ("Call %s", names[i]);

      authsim_composer_set_api (AUTHSIM_COMPOSER (composer), i);
      g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (choice)), ==, i);
      g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (button)), ==, label);
      g_assert_true (gtk_widget_is_sensitive (editor) == (i == AUTHSIM_API_GET_AUTH_CODE));
    }

  /* Back on getAuthCode, invalid JSON is an error again. */
  authsim_composer_set_api (AUTHSIM_COMPOSER (composer), AUTHSIM_API_GET_AUTH_CODE);
  g_assert_cmpuint (authsim_composer_call (AUTHSIM_COMPOSER (composer)), ==, 0);
  g_assert_nonnull (authsim_composer_get_error (AUTHSIM_COMPOSER (composer)));

  g_assert_finalize_object (composer);
}

static void
test_preferences_switches (void)
{
  g_autoptr(AuthsimStore) store = test_store_new ();
  g_autoptr(AuthsimProfile) profile = authsim_profile_new_default ();
  g_autoptr(GListModel) users = authsim_users_new_default ();
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = authsim_engine_new (profile, users, store, log);
  GtkWidget *dialog = authsim_preferences_dialog_new (engine, store, NULL);
  GtkWidget *busy, *aes, *sign, *user_info, *phone;

  /* The "service busy" fault (my.getPhoneNumber's 20000), both ways. */
  busy = find_labelled (dialog, "Service busy");
  g_assert_true (GTK_IS_SWITCH (busy));
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (busy), GTK_ACCESSIBLE_ROLE_SWITCH);
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (busy)));
  gtk_switch_set_active (GTK_SWITCH (busy), TRUE);
  g_assert_true (authsim_engine_get_service_busy (engine));
  authsim_engine_set_service_busy (engine, FALSE);
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (busy)));

  /* aesKey and signResponses: profile switches. */
  aes = find_labelled (dialog, "AES key");
  sign = find_labelled (dialog, "Sign responses");
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (aes), GTK_ACCESSIBLE_ROLE_SWITCH);
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (sign), GTK_ACCESSIBLE_ROLE_SWITCH);
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (aes)));
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (sign)));
  gtk_switch_set_active (GTK_SWITCH (aes), FALSE);
  g_assert_false (authsim_profile_get_aes_key (profile));
  gtk_switch_set_active (GTK_SWITCH (sign), FALSE);
  g_assert_false (authsim_profile_get_sign_responses (profile));
  authsim_profile_set_aes_key (profile, TRUE);
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (aes)));

  /* products: one switch per product, named by its JSON name. */
  user_info = find_labelled (dialog, "userInfo");
  phone = find_labelled (dialog, "phoneNumber");
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (user_info), GTK_ACCESSIBLE_ROLE_SWITCH);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (phone),
                                       GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, "Phone number");
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (user_info)));
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (phone)));
  gtk_switch_set_active (GTK_SWITCH (user_info), FALSE);
  g_assert_false (authsim_profile_has_product (profile, "userInfo"));
  g_assert_true (authsim_profile_has_product (profile, "phoneNumber"));
  gtk_switch_set_active (GTK_SWITCH (user_info), TRUE);
  g_assert_true (authsim_profile_has_product (profile, "userInfo"));
  {
    const char * const none[] = { NULL };

    authsim_profile_set_products (profile, none);
    g_assert_false (gtk_switch_get_active (GTK_SWITCH (user_info)));
    g_assert_false (gtk_switch_get_active (GTK_SWITCH (phone)));
  }

  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
test_grants_every_scope (Fixture       *f,
                         gconstpointer  data)
{
  GtkWidget *view = g_object_ref_sink (authsim_grants_view_new (f->engine, f->store));
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  g_autoptr(JsonNode) params = test_parse ("{\"scopes\": \"auth_user\"}");
  const char *labels[] = { "userInfo", "phoneNumber", "auth_user" };
  GtkWidget *subtitle;
  guint call;

  gtk_window_set_child (window, view);
  gtk_window_present (window);

  for (guint i = 0; i < 2; i++)
    {
      guint tap = tap_authorize (f, labels[i]);

      test_wait_until (authsim_engine_get_request (f->engine) != NULL);
      authsim_engine_respond (f->engine, AUTHSIM_DECISION_ALLOW, AUTHSIM_ANSWER_SOURCE_API, NULL);
      test_wait_until (callback_of (f, tap, "onGetAuthorize") != NULL);
    }
  call = authsim_engine_call (f->engine, params, AUTHSIM_TRIGGER_TAP,
                              AUTHSIM_CONTAINER_MINI_PROGRAM);
  test_wait_until (authsim_engine_get_request (f->engine) != NULL);
  authsim_engine_respond (f->engine, AUTHSIM_DECISION_ALLOW, AUTHSIM_ANSWER_SOURCE_API, NULL);
  test_wait_until (callback_of (f, call, "complete") != NULL);

  /* One grant of the app, listing the getAuthorize scopes beside getAuthCode's. */
  g_assert_cmpuint (authsim_grants_view_get_n_rows (AUTHSIM_GRANTS_VIEW (view)), ==, 1);
  subtitle = find_widget (view, match_css_class, "caption");
  g_assert_nonnull (subtitle);
  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (subtitle)), labels[i]));

  gtk_window_destroy (window);
  g_assert_finalize_object (view);
}

int
main (int   argc,
      char *argv[])
{
  /* The accessible names of SPEC §7 and §13.5 are API in the C locale. */
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  gtk_init ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/authsim/consent/sheet-user-info", test_sheet_user_info);
  ADD ("/authsim/consent/sheet-phone-number", test_sheet_phone_number);
  ADD ("/authsim/consent/member-card", test_member_card);
  ADD ("/authsim/consent/capsule-settings", test_capsule_settings);
  ADD ("/authsim/consent/settings-switches", test_settings_switches);
  ADD ("/authsim/consent/settings-user-info-row", test_settings_user_info_row);
  ADD ("/authsim/consent/open-setting-call", test_open_setting_call);
  ADD ("/authsim/consent/grants-every-scope", test_grants_every_scope);
  g_test_add_func ("/authsim/consent/composer-api", test_composer_api);
  g_test_add_func ("/authsim/consent/preferences-switches", test_preferences_switches);

  return g_test_run ();
}
