/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-preview-widgets.c: the phone preview and the consent sheet as GTK widgets: accessible
 * roles and names (SPEC §7), and that they are views over the engine (state in, calls out). */
#include "config.h"

#include <gtk/gtk.h>

#include "authsim-consent-sheet.h"
#include "authsim-preview.h"
#include "test-utils.h"

typedef struct
{
  AuthsimEngine  *engine;
  AuthsimLog     *log;
  GtkWindow      *window;
  AuthsimPreview *preview;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(AuthsimProfile) profile = authsim_profile_new_default ();
  g_autoptr(GListModel) users = authsim_users_new_default ();
  g_autoptr(AuthsimStore) store = authsim_store_new (NULL, test_random_bytes);
  g_autoptr(AuthsimLog) log = authsim_log_new ();

  f->engine = authsim_engine_new (profile, users, store, log);
  f->log = g_object_ref (log);
  /* Short toasts keep the tests fast; the engine's own tests check the default. */
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
  /* The preview and the sheet must not keep the engine alive. */
  g_assert_finalize_object (f->engine);
  g_clear_object (&f->log);
}

/* Widget lookup in the preview's tree, by what the user and AT-SPI see. */

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
match_button_label (GtkWidget     *widget,
                    gconstpointer  data)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), data) == 0;
}

static gboolean
match_css_class (GtkWidget     *widget,
                 gconstpointer  data)
{
  return gtk_widget_has_css_class (widget, data);
}

static gboolean
match_label (GtkWidget     *widget,
             gconstpointer  data)
{
  return GTK_IS_LABEL (widget);
}

static GtkWidget *
find_button (Fixture    *f,
             const char *label)
{
  return find_widget (GTK_WIDGET (f->preview), match_button_label, label);
}

static GtkWidget *
find_class (Fixture    *f,
            const char *css_class)
{
  return find_widget (GTK_WIDGET (f->preview), match_css_class, css_class);
}

/* A click as the user makes it ("clicked" at once: gtk_widget_activate() on a realized button
 * waits for its pressed animation). */
static void
click (GtkWidget *button)
{
  g_assert_true (GTK_IS_BUTTON (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

static gboolean
is_showing (GtkWidget *widget)
{
  return widget != NULL && gtk_widget_is_visible (widget) && gtk_widget_get_mapped (widget);
}

/* The callback events of @call in the log, as JSON objects (transfer container). */
static GPtrArray *
callbacks_of (Fixture *f,
              guint    call)
{
  GListModel *log = G_LIST_MODEL (f->log);
  GPtrArray *found = g_ptr_array_new ();
  guint n = g_list_model_get_n_items (log);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (log, i);

      if (authsim_event_get_call (event) == call &&
          g_strcmp0 (authsim_event_get_kind (event), "callback") == 0)
        g_ptr_array_add (found, authsim_event_get_object (event));
    }
  return found;
}

static gboolean
call_completed (Fixture *f,
                guint    call)
{
  g_autoptr(GPtrArray) callbacks = callbacks_of (f, call);

  for (guint i = 0; i < callbacks->len; i++)
    if (g_strcmp0 (json_object_get_string_member (g_ptr_array_index (callbacks, i), "callback"),
                   "complete") == 0)
      return TRUE;
  return FALSE;
}

/* The "fail" payload's error code of @call, -1 when it had none. */
static gint64
fail_error (Fixture *f,
            guint    call)
{
  g_autoptr(GPtrArray) callbacks = callbacks_of (f, call);

  for (guint i = 0; i < callbacks->len; i++)
    {
      JsonObject *event = g_ptr_array_index (callbacks, i);

      if (g_strcmp0 (json_object_get_string_member (event, "callback"), "fail") == 0)
        return json_object_get_int_member (json_object_get_object_member (event, "payload"),
                                           "error");
    }
  return -1;
}

static guint
call_scopes (Fixture         *f,
             const char      *params_json,
             AuthsimTrigger   trigger)
{
  g_autoptr(JsonNode) params = test_parse (params_json);

  return authsim_engine_call (f->engine, params, trigger, authsim_engine_get_container (f->engine));
}

/* Tests */

static void
test_sheet_roles (Fixture       *f,
                  gconstpointer  data)
{
  GtkWidget *sheet = authsim_preview_get_sheet (f->preview);

  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (sheet), GTK_ACCESSIBLE_ROLE_DIALOG);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (sheet), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Authorization request");
  /* Closed: not shown, so not in the accessibility tree. */
  g_assert_false (gtk_widget_get_visible (sheet));

  for (guint i = 0; i < 3; i++)
    {
      static const char * const classes[] = { "consent-allow", "consent-reject", "consent-close" };
      static const char * const names[] = { "Allow", "Reject", "Close" };
      GtkWidget *button = find_widget (sheet, match_css_class, classes[i]);

      g_assert_nonnull (button);
      gtk_test_accessible_assert_role (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_ROLE_BUTTON);
      gtk_test_accessible_assert_property (GTK_ACCESSIBLE (button),
                                           GTK_ACCESSIBLE_PROPERTY_LABEL, names[i]);
    }
}

static void
test_sheet_allow_reject (Fixture       *f,
                         gconstpointer  data)
{
  GtkWidget *sheet = authsim_preview_get_sheet (f->preview);
  GtkWidget *status = find_class (f, "preview-status");
  GtkWidget *before = find_widget (GTK_WIDGET (f->preview), match_css_class, "mp-button");
  GtkWidget *reject, *allow;
  AuthsimRequest *request;
  guint call;

  g_assert_nonnull (before);
  gtk_widget_grab_focus (before);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (status)), ==, "Status: idle");

  call = call_scopes (f, "{\"scopes\": \"auth_user\"}", AUTHSIM_TRIGGER_TAP);
  test_wait_until (authsim_engine_get_request (f->engine) != NULL);
  request = authsim_engine_get_request (f->engine);
  g_assert_cmpuint (authsim_request_get_call (request), ==, call);

  /* The sheet shows that request, takes the focus, and the status line says so. */
  test_wait_until (is_showing (sheet));
  g_assert_true (authsim_consent_sheet_get_request (AUTHSIM_CONSENT_SHEET (sheet)) == request);
  allow = find_widget (sheet, match_css_class, "consent-allow");
  reject = find_widget (sheet, match_css_class, "consent-reject");
  g_assert_true (gtk_widget_has_focus (allow));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (status)), ==,
                   "Status: authorization popup open");
  /* The page under the scrim is blocked. */
  g_assert_false (gtk_widget_is_sensitive (before));

  /* Reject goes to the engine: fail 11, then complete. */
  click (reject);
  test_wait_until (call_completed (f, call));
  g_assert_cmpint (fail_error (f, call), ==, 11);
  g_assert_null (authsim_engine_get_request (f->engine));
  test_wait_until (!gtk_widget_get_visible (sheet));

  /* Focus is back where it was; the page works again. */
  g_assert_true (gtk_widget_is_sensitive (before));
  g_assert_true (gtk_widget_has_focus (before));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (status)), ==, "Status: idle");

  /* Allow: success, no fail. */
  call = call_scopes (f, "{\"scopes\": \"auth_user\"}", AUTHSIM_TRIGGER_TAP);
  test_wait_until (is_showing (sheet));
  click (allow);
  test_wait_until (call_completed (f, call));
  g_assert_cmpint (fail_error (f, call), ==, -1);
}

static void
test_sheet_close (Fixture       *f,
                  gconstpointer  data)
{
  GtkWidget *sheet = authsim_preview_get_sheet (f->preview);
  guint call = call_scopes (f, "{\"scopes\": [\"auth_user\"]}", AUTHSIM_TRIGGER_TAP);

  test_wait_until (is_showing (sheet));
  click (find_widget (sheet, match_css_class, "consent-close"));
  test_wait_until (call_completed (f, call));
  g_assert_cmpint (fail_error (f, call), ==, 3);
}

static void
test_sheet_contents (Fixture       *f,
                     gconstpointer  data)
{
  GtkWidget *sheet = authsim_preview_get_sheet (f->preview);
  AuthsimProfile *profile = authsim_engine_get_profile (f->engine);
  const char * const *fields = authsim_profile_get_user_info_fields (profile);
  GtkWidget *info;
  guint n_rows = 0;
  g_autofree char *title = NULL;

  call_scopes (f, "{\"scopes\": \"auth_user\"}", AUTHSIM_TRIGGER_TAP);
  test_wait_until (is_showing (sheet));

  /* One line per approved field of auth_user (SPEC §3). */
  info = find_widget (sheet, match_css_class, "consent-info");
  for (GtkWidget *row = gtk_widget_get_first_child (info); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    n_rows++;
  g_assert_cmpuint (n_rows, ==, g_strv_length ((char **) fields));

  /* The title names the app. */
  title = g_strdup (gtk_label_get_text (GTK_LABEL (find_widget (sheet, match_css_class,
                                                                     "consent-title"))));
  g_assert_nonnull (strstr (title, authsim_profile_get_name (profile)));
  g_assert_true (g_str_has_prefix (title, "Authorize "));

  g_assert_true (authsim_consent_sheet_respond (AUTHSIM_CONSENT_SHEET (sheet),
                                                AUTHSIM_DECISION_CLOSE));
  /* Answered: nothing more to answer. */
  g_assert_false (authsim_consent_sheet_respond (AUTHSIM_CONSENT_SHEET (sheet),
                                                 AUTHSIM_DECISION_ALLOW));
}

static void
test_toast (Fixture       *f,
            gconstpointer  data)
{
  GtkWidget *toast = find_class (f, "mp-toast");
  GtkWidget *status = find_class (f, "preview-status");
  guint call;

  g_assert_nonnull (toast);
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (toast), GTK_ACCESSIBLE_ROLE_ALERT);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (toast), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Service busy, please try again later");
  g_assert_false (gtk_widget_get_visible (toast));

  /* An unknown scope: the toast shows while the engine holds it, then fail 3. */
  call = call_scopes (f, "{\"scopes\": \"no_such_scope\"}", AUTHSIM_TRIGGER_TAP);
  test_wait_until (authsim_engine_get_toast (f->engine) != NULL || call_completed (f, call));
  g_assert_nonnull (authsim_engine_get_toast (f->engine));
  g_assert_true (is_showing (toast));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (toast)), ==,
                   "Service busy, please try again later");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (status)), ==, "Status: toast");

  test_wait_until (call_completed (f, call));
  g_assert_null (authsim_engine_get_toast (f->engine));
  g_assert_false (gtk_widget_get_visible (toast));
  g_assert_cmpint (fail_error (f, call), ==, 3);
}

static void
test_banner (Fixture       *f,
             gconstpointer  data)
{
  GtkWidget *banner = find_class (f, "fs-banner");
  GtkWidget *label;
  GtkWidget *dismiss;
  GtkWidget *indicator = find_class (f, "first-screen-pill");
  guint call;

  g_assert_nonnull (banner);
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (banner), GTK_ACCESSIBLE_ROLE_ALERT);
  g_assert_false (gtk_widget_get_visible (banner));

  /* The first-screen indicator shows from launch. */
  g_assert_true (authsim_engine_get_first_screen (f->engine));
  g_assert_true (is_showing (indicator));

  /* A lifecycle call with a consent scope on the first screen: enforce → banner, no popup. */
  authsim_engine_set_first_screen_rule (f->engine, AUTHSIM_FIRST_SCREEN_RULE_ENFORCE);
  call = call_scopes (f, "{\"scopes\": \"auth_user\"}", AUTHSIM_TRIGGER_LIFECYCLE);
  test_wait_until (call_completed (f, call));
  g_assert_cmpint (fail_error (f, call), ==, 3);
  g_assert_nonnull (authsim_engine_get_banner (f->engine));
  g_assert_true (is_showing (banner));
  g_assert_false (gtk_widget_get_visible (authsim_preview_get_sheet (f->preview)));

  label = find_widget (banner, match_label, NULL);
  g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (label)), "First-screen rule"));
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (banner), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       gtk_label_get_text (GTK_LABEL (label)));

  dismiss = find_widget (banner, match_css_class, "fs-banner-dismiss");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (dismiss), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Dismiss");
  click (dismiss);
  g_assert_null (authsim_engine_get_banner (f->engine));
  g_assert_false (gtk_widget_get_visible (banner));
}

static void
test_container_toggles (Fixture       *f,
                        gconstpointer  data)
{
  static const char * const names[] = { "Mini program", "Plugin", "Web-view" };
  static const AuthsimContainer containers[] = {
    AUTHSIM_CONTAINER_MINI_PROGRAM, AUTHSIM_CONTAINER_PLUGIN, AUTHSIM_CONTAINER_WEB_VIEW,
  };
  GtkWidget *context = find_class (f, "mp-context");
  const char *host = authsim_profile_get_host_name (authsim_engine_get_profile (f->engine));

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      GtkWidget *toggle = find_button (f, names[i]);

      g_assert_nonnull (toggle);
      g_assert_true (GTK_IS_TOGGLE_BUTTON (toggle));
      /* GTK 4.8: a button with a "pressed" state, which AT-SPI shows as a toggle button. */
      gtk_test_accessible_assert_role (GTK_ACCESSIBLE (toggle), GTK_ACCESSIBLE_ROLE_BUTTON);

      /* Widget → engine. */
      click (toggle);
      g_assert_cmpint (authsim_engine_get_container (f->engine), ==, containers[i]);
      g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (toggle)));
      gtk_test_accessible_assert_state (GTK_ACCESSIBLE (toggle), GTK_ACCESSIBLE_STATE_PRESSED,
                                        GTK_ACCESSIBLE_TRISTATE_TRUE);
      if (containers[i] == AUTHSIM_CONTAINER_PLUGIN && host != NULL)
        {
          g_assert_true (is_showing (context));
          g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (context)), host));
        }
    }

  /* Engine → widget. */
  authsim_engine_set_container (f->engine, AUTHSIM_CONTAINER_MINI_PROGRAM);
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (find_button (f, "Mini program"))));
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (find_button (f, "Web-view"))));
  g_assert_false (gtk_widget_get_visible (context));
}

static void
test_page_buttons (Fixture       *f,
                   gconstpointer  data)
{
  const AuthsimPage *page = authsim_engine_get_page (f->engine);
  GtkWidget *title = find_class (f, "mp-title");
  GtkWidget *back = find_class (f, "mp-back");
  g_autofree char *first_path = g_strdup (authsim_engine_get_page_path (f->engine));
  const char *target = NULL;
  const char *target_label = NULL;

  g_assert_nonnull (page);
  g_assert_cmpuint (authsim_page_get_n_buttons (page), >, 0);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (title)), ==, authsim_page_get_title (page));
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (back), GTK_ACCESSIBLE_PROPERTY_LABEL, "Back");
  g_assert_false (gtk_widget_is_sensitive (back));

  /* Each page button is a push button named by its profile label. */
  for (guint i = 0; i < authsim_page_get_n_buttons (page); i++)
    {
      const char *label = authsim_page_get_button_label (page, i);
      GtkWidget *button = find_button (f, label);

      g_assert_nonnull (button);
      gtk_test_accessible_assert_role (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_ROLE_BUTTON);
      if (target == NULL && authsim_page_get_button_navigate_to (page, i) != NULL)
        {
          target = authsim_page_get_button_navigate_to (page, i);
          target_label = label;
        }
    }

  /* Tapping a navigation button goes through the engine; the preview follows. */
  g_assert_nonnull (target);
  click (find_button (f, target_label));
  g_assert_cmpstr (authsim_engine_get_page_path (f->engine), ==, target);
  page = authsim_engine_get_page (f->engine);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (title)), ==, authsim_page_get_title (page));
  g_assert_false (authsim_engine_get_first_screen (f->engine));
  g_assert_false (gtk_widget_get_visible (find_class (f, "first-screen-pill")));
  g_assert_true (gtk_widget_is_sensitive (back));
  for (guint i = 0; i < authsim_page_get_n_buttons (page); i++)
    g_assert_nonnull (find_button (f, authsim_page_get_button_label (page, i)));

  click (back);
  g_assert_cmpstr (authsim_engine_get_page_path (f->engine), ==, first_path);
}

static void
test_status_queue (Fixture       *f,
                   gconstpointer  data)
{
  GtkWidget *status = find_class (f, "preview-status");
  guint first, second;

  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (status), GTK_ACCESSIBLE_ROLE_STATUS);

  first = call_scopes (f, "{\"scopes\": \"auth_user\"}", AUTHSIM_TRIGGER_TAP);
  test_wait_until (authsim_engine_get_request (f->engine) != NULL);
  second = call_scopes (f, "{\"scopes\": \"auth_base\"}", AUTHSIM_TRIGGER_TAP);
  test_wait_until (authsim_engine_get_pending (f->engine) == 1);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (status)), ==,
                   "Status: authorization popup open, 1 call queued");

  g_assert_true (authsim_consent_sheet_respond (AUTHSIM_CONSENT_SHEET (authsim_preview_get_sheet (f->preview)),
                                                AUTHSIM_DECISION_REJECT));
  test_wait_until (call_completed (f, first) && call_completed (f, second));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (status)), ==, "Status: idle");
}

int
main (int   argc,
      char *argv[])
{
  /* The accessible names of SPEC §7 are API in the C locale. */
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  gtk_init ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/authsim/preview/sheet-roles", test_sheet_roles);
  ADD ("/authsim/preview/sheet-allow-reject-focus", test_sheet_allow_reject);
  ADD ("/authsim/preview/sheet-close", test_sheet_close);
  ADD ("/authsim/preview/sheet-contents", test_sheet_contents);
  ADD ("/authsim/preview/toast", test_toast);
  ADD ("/authsim/preview/first-screen-banner", test_banner);
  ADD ("/authsim/preview/container-toggles", test_container_toggles);
  ADD ("/authsim/preview/page-buttons", test_page_buttons);
  ADD ("/authsim/preview/status-queue", test_status_queue);

  return g_test_run ();
}
