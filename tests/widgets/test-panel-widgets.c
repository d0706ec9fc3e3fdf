/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-panel-widgets.c: the developer panel's widgets (composer, callback log, grants, users,
 * gateway panel, preferences): accessible roles and names of SPEC §7, and their behaviour
 * over a real engine. Runs under Xvfb (tests/ui/run-under-xvfb). */
#include "config.h"

#include <sys/stat.h>

#include <glib/gstdio.h>

#include <gtk/gtk.h>

#include "authsim-backend.h"
#include "authsim-composer.h"
#include "authsim-gateway-view.h"
#include "authsim-grants-view.h"
#include "authsim-log-view.h"
#include "authsim-preferences-dialog.h"
#include "authsim-users-view.h"
#include "test-utils.h"

/* Widget lookup ----------------------------------------------------------------------------- */

typedef gboolean (*WidgetMatch) (GtkWidget *widget, gconstpointer data);

static GtkWidget *
find_widget (GtkWidget    *root,
             WidgetMatch   match,
             gconstpointer data)
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

static guint
count_widgets (GtkWidget    *root,
               WidgetMatch   match,
               gconstpointer data)
{
  guint n = match (root, data) ? 1 : 0;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_widgets (child, match, data);
  return n;
}

/* The accessible LABEL property equals @data (GtkLabel, whose label is its text, aside). */
static gboolean
match_accessible_label (GtkWidget    *widget,
                        gconstpointer data)
{
  g_autofree char *error = NULL;

  if (GTK_IS_LABEL (widget))
    return FALSE;
  if (!gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL))
    return FALSE;
  error = gtk_test_accessible_check_property (GTK_ACCESSIBLE (widget),
                                              GTK_ACCESSIBLE_PROPERTY_LABEL, data);
  return error == NULL;
}

/* A button (or toggle button) whose label is @data: its accessible name. */
static gboolean
match_button_label (GtkWidget    *widget,
                    gconstpointer data)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)),
                                              data) == 0;
}

static gboolean
match_type (GtkWidget    *widget,
            gconstpointer data)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (widget, GPOINTER_TO_SIZE (data));
}

static gboolean
match_label_prefix (GtkWidget    *widget,
                    gconstpointer data)
{
  return GTK_IS_LABEL (widget) && g_str_has_prefix (gtk_label_get_text (GTK_LABEL (widget)),
                                                    data);
}

static gboolean
match_row_role (GtkWidget    *widget,
                gconstpointer data)
{
  return gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (widget)) == GTK_ACCESSIBLE_ROLE_ROW;
}

static GtkWidget *
find_button (GtkWidget  *root,
             const char *label)
{
  GtkWidget *button = find_widget (root, match_button_label, label);

  if (button == NULL)
    g_error ("no button labelled \"%s\"", label);
  return button;
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

/* Fixtures ---------------------------------------------------------------------------------- */

/* An engine over the default profile and users, on @store and @log (NULL: fresh ones): the
 * test hands the same store and log to the views, as the window does. */
static AuthsimEngine *
new_engine (AuthsimStore *store,
            AuthsimLog   *log)
{
  g_autoptr(AuthsimProfile) profile = authsim_profile_new_default ();
  g_autoptr(GListModel) users = authsim_users_new_default ();
  g_autoptr(AuthsimStore) own_store = store == NULL ? test_store_new () : NULL;
  g_autoptr(AuthsimLog) own_log = log == NULL ? authsim_log_new () : NULL;

  return authsim_engine_new (profile, users, store != NULL ? store : own_store,
                             log != NULL ? log : own_log);
}

/* Takes a floating widget; the caller releases it with g_assert_finalize_object. */
static GtkWidget *
sink (GtkWidget *widget)
{
  return g_object_ref_sink (widget);
}

/* A window showing @child, so that list rows get created. */
static GtkWindow *
show_in_window (GtkWidget *child)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());

  gtk_window_set_default_size (window, 900, 700);
  gtk_window_set_child (window, child);
  gtk_window_present (window);
  return window;
}

static AuthsimEvent *
find_event (AuthsimLog *log,
            guint       call,
            const char *kind,
            const char *callback)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (log)); i++)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (G_LIST_MODEL (log), i);

      if ((call == 0 || authsim_event_get_call (event) == call) &&
          g_strcmp0 (authsim_event_get_kind (event), kind) == 0 &&
          (callback == NULL || g_strcmp0 (authsim_event_get_callback (event), callback) == 0))
        return event;  /* the log keeps its reference */
    }
  return NULL;
}

static guint
make_call (AuthsimEngine *engine,
           AuthsimLog    *log,
           const char    *params)
{
  g_autoptr(JsonNode) node = test_parse (params);
  guint call;

  call = authsim_engine_call (engine, node, AUTHSIM_TRIGGER_TAP,
                              AUTHSIM_CONTAINER_MINI_PROGRAM);
  g_assert_cmpuint (call, >, 0);
  test_wait_until (find_event (log, call, "callback", "complete") != NULL);
  return call;
}

/* The log view shows appended events on the next main-loop turn: wait until it shows all. */
static void
wait_view_synced (GtkWidget  *view,
                  AuthsimLog *log)
{
  GListModel *model = G_LIST_MODEL (authsim_log_view_get_model (AUTHSIM_LOG_VIEW (view)));

  g_assert_cmpuint (authsim_log_view_get_call_filter (AUTHSIM_LOG_VIEW (view)), ==, 0);
  test_wait_until (g_list_model_get_n_items (model) ==
                   g_list_model_get_n_items (G_LIST_MODEL (log)));
}

/* The string of item @position of a list of GtkStringObject (transfer full). */
static char *
dup_string_item (GListModel *list,
                 guint       position)
{
  g_autoptr(GtkStringObject) item = g_list_model_get_item (list, position);

  g_assert_nonnull (item);
  return g_strdup (gtk_string_object_get_string (item));
}

/* Runs what is pending now (the log view's flush among it). */
static void
drain_main_context (void)
{
  gint64 deadline = g_get_monotonic_time () + TEST_DEADLINE_USEC;

  while (g_main_context_pending (NULL) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
}

typedef struct
{
  gboolean done;
  char    *text;
} ClipboardRead;

static void
clipboard_read_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  ClipboardRead *read = user_data;
  g_autoptr(GError) error = NULL;

  read->text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, &error);
  g_assert_no_error (error);
  read->done = TRUE;
}

static char *
read_clipboard (GtkWidget *widget)
{
  ClipboardRead read = { FALSE, NULL };

  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (widget), NULL,
                                 clipboard_read_cb, &read);
  test_wait_until (read.done);
  return read.text;
}

/* Composer ---------------------------------------------------------------------------------- */

static void
test_composer_accessible (void)
{
  g_autoptr(AuthsimEngine) engine = new_engine (NULL, NULL);
  GtkWidget *composer = sink (authsim_composer_new (engine));
  GtkWindow *window = show_in_window (composer);
  GtkWidget *editor, *tap, *load, *call;
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) params = NULL;

  editor = find_labelled (composer, "Call parameters");
  g_assert_true (GTK_IS_TEXT_VIEW (editor));
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (editor), GTK_ACCESSIBLE_ROLE_TEXT_BOX);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (editor),
                                       GTK_ACCESSIBLE_PROPERTY_MULTI_LINE, TRUE);

  /* The default content is an auth_user call. */
  text = authsim_composer_dup_text (AUTHSIM_COMPOSER (composer));
  params = test_parse (text);
  test_assert_json_equal_str ("{\"scopes\": \"auth_user\"}", params, "$");

  tap = find_button (composer, "User tap");
  load = find_button (composer, "Page load");
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (tap), GTK_ACCESSIBLE_ROLE_BUTTON);
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (load), GTK_ACCESSIBLE_ROLE_BUTTON);
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (tap)));
  gtk_test_accessible_assert_state (GTK_ACCESSIBLE (tap), GTK_ACCESSIBLE_STATE_PRESSED,
                                    GTK_ACCESSIBLE_TRISTATE_TRUE);
  g_assert_cmpint (authsim_composer_get_trigger (AUTHSIM_COMPOSER (composer)), ==,
                   AUTHSIM_TRIGGER_TAP);

  /* The toggles are one group: pressing Page load releases User tap. */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (load), TRUE);
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (tap)));
  g_assert_cmpint (authsim_composer_get_trigger (AUTHSIM_COMPOSER (composer)), ==,
                   AUTHSIM_TRIGGER_LIFECYCLE);

  call = find_button (composer, "Call my.getAuthCode");
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (call), GTK_ACCESSIBLE_ROLE_BUTTON);
  g_assert_true (gtk_widget_has_css_class (call, "suggested-action"));
  g_assert_true (gtk_widget_is_sensitive (call));

  /* Names that belong to the preview must not appear twice. */
  g_assert_null (find_widget (composer, match_button_label, "Mini program"));
  g_assert_null (find_widget (composer, match_button_label, "Test user"));

  gtk_window_destroy (window);
  g_assert_finalize_object (composer);
}

static void
test_composer_invalid_json (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = new_engine (NULL, log);
  GtkWidget *composer = sink (authsim_composer_new (engine));
  GtkWidget *editor = find_labelled (composer, "Call parameters");
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor));
  guint n_before = g_list_model_get_n_items (G_LIST_MODEL (log));
  const char *error;
  GtkWidget *alert;

  /* What a script does through EditableText: replace the text. The error is on line 3. */
  gtk_text_buffer_set_text (buffer, "{\n  \"scopes\":\n    ]\n}", -1);
  g_assert_true (gtk_widget_activate_action (composer, "composer.call", NULL));

  error = authsim_composer_get_error (AUTHSIM_COMPOSER (composer));
  g_assert_nonnull (error);
  g_assert_true (g_str_has_prefix (error, "Line 3, column "));
  g_assert_true (g_ascii_isdigit (error[strlen ("Line 3, column ")]));

  /* Shown inline as an alert, and no call reached the engine. */
  alert = find_widget (composer, match_label_prefix, error);
  g_assert_nonnull (alert);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (alert)), ==, error);
  g_assert_true (gtk_widget_get_visible (alert));
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (alert), GTK_ACCESSIBLE_ROLE_ALERT);
  gtk_test_accessible_assert_state (GTK_ACCESSIBLE (editor), GTK_ACCESSIBLE_STATE_INVALID,
                                    GTK_ACCESSIBLE_INVALID_TRUE);

  g_assert_cmpuint (test_count_kind (log, "call"), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, n_before);

  /* Editing clears the error. */
  gtk_text_buffer_set_text (buffer, "{\"scopes\": \"auth_base\"}", -1);
  g_assert_null (authsim_composer_get_error (AUTHSIM_COMPOSER (composer)));
  g_assert_false (gtk_widget_get_visible (alert));

  g_assert_finalize_object (composer);
}

static void
test_composer_call (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = new_engine (NULL, log);
  GtkWidget *composer = sink (authsim_composer_new (engine));
  GtkWidget *editor = find_labelled (composer, "Call parameters");
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor));
  AuthsimEvent *event;
  JsonObject *object;
  guint call;

  /* A preset fills the editor; the call uses the trigger and the engine's container. */
  g_assert_true (gtk_widget_activate_action (composer, "composer.preset", "s", "auth-base"));
  authsim_engine_set_container (engine, AUTHSIM_CONTAINER_PLUGIN);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (find_button (composer, "Page load")), TRUE);

  call = authsim_composer_call (AUTHSIM_COMPOSER (composer));
  g_assert_cmpuint (call, >, 0);
  test_wait_until (find_event (log, call, "callback", "complete") != NULL);

  event = find_event (log, call, "call", NULL);
  g_assert_nonnull (event);
  object = authsim_event_get_object (event);
  test_assert_json_equal_str ("{\"scopes\": \"auth_base\"}",
                              json_object_get_member (object, "params"), "$.params");
  g_assert_cmpstr (json_object_get_string_member (object, "trigger"), ==, "lifecycle");
  g_assert_cmpstr (json_object_get_string_member (object, "container"), ==, "plugin");

  event = find_event (log, call, "callback", "success");
  g_assert_nonnull (event);
  test_assert_json_equal_str ("{\"authCode\": \"<authCode>\", \"authSuccessScopes\": "
                              "[\"auth_base\"], \"authErrorScopes\": {}}",
                              json_object_get_member (authsim_event_get_object (event),
                                                      "payload"), "$.payload");

  /* Valid JSON that is not an object still goes to the engine, which fails it with 2. */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (find_button (composer, "User tap")), TRUE);
  gtk_text_buffer_set_text (buffer, "{\"scopes\": 42}", -1);
  g_assert_true (gtk_widget_activate_action (composer, "composer.call", NULL));
  test_wait_until (test_count_kind (log, "call") == 2);
  event = find_event (log, call + 1, "callback", "fail");
  test_wait_until ((event = find_event (log, call + 1, "callback", "fail")) != NULL);
  test_assert_json_equal_str ("{\"error\": 2, \"errorMessage\": \"invalid parameter!\"}",
                              json_object_get_member (authsim_event_get_object (event),
                                                      "payload"), "$.payload");
  g_assert_cmpstr (json_object_get_string_member (authsim_event_get_object (
                     find_event (log, call + 1, "call", NULL)), "trigger"), ==, "tap");

  g_assert_finalize_object (composer);
}

static void
test_composer_engine_later (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = new_engine (NULL, log);
  GtkWidget *composer = sink (authsim_composer_new (NULL));
  GtkWindow *window = show_in_window (composer);
  GtkWidget *call = find_button (composer, "Call my.getAuthCode");
  guint id;

  /* As the window's template does: the widget first, the engine afterwards. */
  g_assert_false (gtk_widget_is_sensitive (call));
  g_assert_cmpuint (authsim_composer_call (AUTHSIM_COMPOSER (composer)), ==, 0);

  g_object_set (composer, "engine", engine, NULL);
  g_assert_true (gtk_widget_is_sensitive (call));
  gtk_widget_activate_action (composer, "composer.preset", "s", "auth-base");
  id = authsim_composer_call (AUTHSIM_COMPOSER (composer));
  g_assert_cmpuint (id, >, 0);
  test_wait_until (find_event (log, id, "callback", "complete"));

  g_object_set (composer, "engine", NULL, NULL);
  g_assert_false (gtk_widget_is_sensitive (call));

  gtk_window_destroy (window);
  g_assert_finalize_object (composer);
}

/* Log view ---------------------------------------------------------------------------------- */

static void
test_log_accessible (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = new_engine (NULL, log);
  GtkWidget *view = sink (authsim_log_view_new (log));
  GtkWidget *list = find_labelled (view, "Callback log");

  g_assert_true (GTK_IS_COLUMN_VIEW (list));
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_ROLE_TREE_GRID);
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (find_button (view, "Export log…")),
                                   GTK_ACCESSIBLE_ROLE_BUTTON);
  find_button (view, "Copy row");
  find_button (view, "Copy payload");
  find_button (view, "Clear view");
  g_assert_true (GTK_IS_DROP_DOWN (find_labelled (view, "Filter by call")));
  g_assert_true (GTK_IS_TEXT_VIEW (find_labelled (view, "Event details")));

  /* Nothing selected: nothing to copy. */
  g_assert_false (gtk_widget_is_sensitive (find_button (view, "Copy row")));

  g_assert_finalize_object (view);
}

static void
test_log_row_name (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = new_engine (NULL, log);
  GtkWidget *view = authsim_log_view_new (log);
  GtkWindow *window = show_in_window (view);
  GtkWidget *list = find_labelled (view, "Callback log");
  g_autoptr(JsonNode) line = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *expected = NULL;
  AuthsimEvent *event;
  guint call;

  call = make_call (engine, log, "{\"scopes\": \"auth_base\"}");
  event = find_event (log, call, "callback", "success");

  /* The row's name: the kind, the callback and the payload, from the event's own JSON line. */
  line = test_parse (authsim_event_get_json (event));
  payload = json_to_string (json_object_get_member (json_node_get_object (line), "payload"),
                            FALSE);
  expected = g_strdup_printf ("callback success %s", payload);
  test_wait_until (find_widget (list, match_accessible_label, expected) != NULL);
  g_assert_true (match_row_role (find_widget (list, match_accessible_label, expected), NULL));

  /* Every event of the call has a row. */
  test_wait_until (count_widgets (list, match_row_role, NULL) >=
                   g_list_model_get_n_items (G_LIST_MODEL (log)));

  gtk_window_destroy (window);
}

static void
test_log_select_and_copy (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = new_engine (NULL, log);
  GtkWidget *view = authsim_log_view_new (log);
  GtkWindow *window = show_in_window (view);
  GtkSelectionModel *model = authsim_log_view_get_model (AUTHSIM_LOG_VIEW (view));
  GtkWidget *details = find_labelled (view, "Event details");
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (details));
  GtkTextIter start, end;
  g_autofree char *copied = NULL;
  g_autofree char *copied_payload = NULL;
  g_autofree char *detail_text = NULL;
  g_autoptr(JsonNode) copied_node = NULL;
  g_autoptr(JsonNode) payload_node = NULL;
  g_autoptr(JsonNode) detail_node = NULL;
  g_autoptr(JsonNode) expected = NULL;
  AuthsimEvent *event;
  guint call, position = G_MAXUINT;

  call = make_call (engine, log, "{\"scopes\": \"auth_base\"}");
  wait_view_synced (view, log);
  event = find_event (log, call, "callback", "success");
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (model)); i++)
    {
      g_autoptr(AuthsimEvent) item = g_list_model_get_item (G_LIST_MODEL (model), i);

      if (item == event)
        position = i;
    }
  g_assert_cmpuint (position, !=, G_MAXUINT);

  g_assert_true (gtk_selection_model_select_item (model, position, TRUE));
  g_assert_true (authsim_log_view_get_selected (AUTHSIM_LOG_VIEW (view)) == event);

  /* The detail pane shows the event pretty-printed: several lines, the same JSON. */
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  detail_text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  g_assert_nonnull (strchr (detail_text, '\n'));
  detail_node = test_parse (detail_text);
  expected = test_parse (authsim_event_get_json (event));
  test_assert_json_equal (expected, detail_node, "$");

  /* Copy row: the compact line. */
  g_assert_true (gtk_widget_is_sensitive (find_button (view, "Copy row")));
  g_assert_true (gtk_widget_activate_action (view, "log-view.copy-row", NULL));
  copied = read_clipboard (view);
  g_assert_null (strchr (copied, '\n'));
  copied_node = test_parse (copied);
  test_assert_json_equal (expected, copied_node, "$");

  /* Copy payload: what the mini program received. */
  g_assert_true (gtk_widget_activate_action (view, "log-view.copy-payload", NULL));
  copied_payload = read_clipboard (view);
  payload_node = test_parse (copied_payload);
  test_assert_json_equal (json_object_get_member (json_node_get_object (expected), "payload"),
                          payload_node, "$.payload");

  /* A call event has no payload to copy. */
  event = find_event (log, call, "call", NULL);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (model)); i++)
    {
      g_autoptr(AuthsimEvent) item = g_list_model_get_item (G_LIST_MODEL (model), i);

      if (item == event)
        gtk_selection_model_select_item (model, i, TRUE);
    }
  g_assert_false (gtk_widget_is_sensitive (find_button (view, "Copy payload")));
  g_assert_false (authsim_log_view_copy_payload (AUTHSIM_LOG_VIEW (view)));

  gtk_window_destroy (window);
}

static void
test_log_filter (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = new_engine (NULL, log);
  GtkWidget *view = sink (authsim_log_view_new (log));
  GListModel *model = G_LIST_MODEL (authsim_log_view_get_model (AUTHSIM_LOG_VIEW (view)));
  GtkDropDown *dropdown = GTK_DROP_DOWN (find_labelled (view, "Filter by call"));
  g_autoptr(GPtrArray) first_events = NULL;
  guint first, second;

  first = make_call (engine, log, "{\"scopes\": \"auth_base\"}");
  second = make_call (engine, log, "{\"scopes\": 42}");
  first_events = test_events_of_call (log, first);
  g_assert_cmpuint (first_events->len, >, 0);
  wait_view_synced (view, log);

  /* One item per call after "All calls". */
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (dropdown)), ==, 3);

  authsim_log_view_set_call_filter (AUTHSIM_LOG_VIEW (view), first);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, first_events->len);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (model, i);

      g_assert_cmpuint (authsim_event_get_call (event), ==, first);
    }
  g_assert_cmpuint (gtk_drop_down_get_selected (dropdown), ==, 1);

  /* New events of other calls stay hidden; the filtered call's show. */
  make_call (engine, log, "{\"scopes\": \"auth_base\"}");
  drain_main_context ();
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, first_events->len);

  /* The dropdown drives the filter too. */
  gtk_drop_down_set_selected (dropdown, 2);
  g_assert_cmpuint (authsim_log_view_get_call_filter (AUTHSIM_LOG_VIEW (view)), ==, second);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (model, i);

      g_assert_cmpuint (authsim_event_get_call (event), ==, second);
    }

  /* "Show only this call" filters to the selected row's call. */
  gtk_drop_down_set_selected (dropdown, 0);
  g_assert_cmpuint (authsim_log_view_get_call_filter (AUTHSIM_LOG_VIEW (view)), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==,
                    g_list_model_get_n_items (G_LIST_MODEL (log)));
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (model, i);

      if (authsim_event_get_call (event) == second)
        {
          gtk_selection_model_select_item (GTK_SELECTION_MODEL (model), i, TRUE);
          break;
        }
    }
  g_assert_true (gtk_widget_activate_action (view, "log-view.filter-selected", NULL));
  g_assert_cmpuint (authsim_log_view_get_call_filter (AUTHSIM_LOG_VIEW (view)), ==, second);

  g_assert_finalize_object (view);
}

static void
test_log_clear_view (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = new_engine (NULL, log);
  g_autofree char *dir = g_dir_make_tmp ("authsim-panel-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "log.jsonl", NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  GtkWidget *view = sink (authsim_log_view_new (log));
  GListModel *model = G_LIST_MODEL (authsim_log_view_get_model (AUTHSIM_LOG_VIEW (view)));
  guint n_events;

  g_assert_true (authsim_log_set_file (log, path, NULL));
  make_call (engine, log, "{\"scopes\": \"auth_base\"}");
  n_events = g_list_model_get_n_items (G_LIST_MODEL (log));
  wait_view_synced (view, log);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n_events);

  g_assert_true (gtk_widget_activate_action (view, "log-view.clear", NULL));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  /* Only the view starts again: the session's log keeps its events (the scenario runner and
   * "Save session as scenario…" read them). */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, n_events);

  /* Later events show again. */
  make_call (engine, log, "{\"scopes\": \"auth_base\"}");
  test_wait_until (g_list_model_get_n_items (model) ==
                   g_list_model_get_n_items (G_LIST_MODEL (log)) - n_events);
  g_assert_cmpuint (g_list_model_get_n_items (model), >, 0);

  /* The file keeps every line. */
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  lines = g_strsplit (g_strchomp (contents), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, n_events + g_list_model_get_n_items (model));

  g_assert_finalize_object (view);
  g_assert_true (authsim_log_set_file (log, NULL, NULL));
  g_unlink (path);
  g_rmdir (dir);
}

/* The view shows every event of the log, the first one too (the model used to keep only the
 * newest 20,000–30,000: it is now read back from the file, untrimmed), in order, as the log's
 * own objects, and keeps following what comes next. */
static void
test_log_view_all_rows (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = new_engine (NULL, log);
  GtkWidget *view = sink (authsim_log_view_new (log));
  GListModel *model = G_LIST_MODEL (authsim_log_view_get_model (AUTHSIM_LOG_VIEW (view)));
  guint64 last_seq = 0;
  guint n;

  for (guint i = 0; i < 3; i++)
    make_call (engine, log, "{\"scopes\": \"auth_base\"}");
  n = g_list_model_get_n_items (G_LIST_MODEL (log));
  {
    g_autoptr(AuthsimEvent) oldest = g_list_model_get_item (G_LIST_MODEL (log), 0);

    g_assert_cmpuint (authsim_event_get_seq (oldest), ==, 1);
  }
  wait_view_synced (view, log);
  drain_main_context ();

  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AuthsimEvent) shown = g_list_model_get_item (model, i);
      g_autoptr(AuthsimEvent) kept = g_list_model_get_item (G_LIST_MODEL (log), i);

      g_assert_true (shown == kept);
      g_assert_cmpuint (authsim_event_get_seq (shown), >, last_seq);
      last_seq = authsim_event_get_seq (shown);
    }

  /* The newest event of the log is the view's last row. */
  make_call (engine, log, "{\"scopes\": \"auth_base\"}");
  wait_view_synced (view, log);
  drain_main_context ();
  n = g_list_model_get_n_items (G_LIST_MODEL (log));
  {
    g_autoptr(AuthsimEvent) shown = g_list_model_get_item (model, n - 1);
    g_autoptr(AuthsimEvent) newest = g_list_model_get_item (G_LIST_MODEL (log), n - 1);

    g_assert_true (shown == newest);
    g_assert_cmpuint (authsim_event_get_seq (shown), >, last_seq);
  }

  g_assert_finalize_object (view);
}

static void
on_export_finished (AuthsimLogView *view,
                    GFile          *file,
                    gboolean        success,
                    const char     *message,
                    gpointer        user_data)
{
  int *result = user_data;

  *result = success ? 1 : -1;
}

static void
test_log_export (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = new_engine (NULL, log);
  g_autofree char *dir = g_dir_make_tmp ("authsim-panel-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "export.jsonl", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  GtkWidget *view = sink (authsim_log_view_new (log));
  guint n_events;
  int result = 0;

  make_call (engine, log, "{\"scopes\": \"auth_base\"}");
  make_call (engine, log, "{\"scopes\": 42}");
  n_events = g_list_model_get_n_items (G_LIST_MODEL (log));

  g_signal_connect (view, "export-finished", G_CALLBACK (on_export_finished), &result);
  authsim_log_view_export_to_file (AUTHSIM_LOG_VIEW (view), file);
  test_wait_until (result != 0);
  g_assert_cmpint (result, ==, 1);
  g_assert_nonnull (authsim_log_view_get_status (AUTHSIM_LOG_VIEW (view)));

  /* Exactly the model's events, one JSON line each, in order. */
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_true (g_str_has_suffix (contents, "\n"));
  lines = g_strsplit (g_strchomp (contents), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, n_events);
  for (guint i = 0; i < n_events; i++)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (G_LIST_MODEL (log), i);
      g_autoptr(JsonNode) expected = test_parse (authsim_event_get_json (event));
      g_autoptr(JsonNode) actual = test_parse (lines[i]);

      test_assert_json_equal (expected, actual, "$");
    }

  /* A file that cannot be written gives a message, not a crash. */
  {
    g_autofree char *bad_path = g_build_filename (dir, "missing", "export.jsonl", NULL);
    g_autoptr(GFile) bad = g_file_new_for_path (bad_path);

    result = 0;
    authsim_log_view_export_to_file (AUTHSIM_LOG_VIEW (view), bad);
    test_wait_until (result != 0);
    g_assert_cmpint (result, ==, -1);
  }

  g_assert_finalize_object (view);
  g_unlink (path);
  g_rmdir (dir);
}

/* Parameters no double holds, from the composer: logged as written (the window used to read
 * the event back and abort on "inf.0"), the call failing with 2 as the JS bridge answers, the
 * rows named from the lines as written. */
static void
test_log_lossless_params (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = new_engine (NULL, log);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *composer = authsim_composer_new (engine);
  GtkWidget *view = authsim_log_view_new (log);
  GtkWindow *window = NULL;
  GtkWidget *editor = find_labelled (composer, "Call parameters");
  GtkWidget *list = find_labelled (view, "Callback log");
  AuthsimEvent *call_event;
  g_autofree char *call_name = NULL;
  g_autofree char *expected_name = NULL;
  const char *fail_name =
    "callback fail {\"error\":2,\"errorMessage\":\"invalid parameter!\"}";
  guint call;

  gtk_box_append (GTK_BOX (box), composer);
  gtk_widget_set_vexpand (view, TRUE);
  gtk_box_append (GTK_BOX (box), view);
  window = show_in_window (box);

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor)),
                            "{\"scopes\": 1e400, \"id\": 123456789012345678901234567890}", -1);
  call = authsim_composer_call (AUTHSIM_COMPOSER (composer));
  g_assert_cmpuint (call, >, 0);
  test_wait_until (find_event (log, call, "callback", "complete") != NULL);

  call_event = find_event (log, call, "call", NULL);
  g_assert_nonnull (strstr (authsim_event_get_json (call_event),
                            "\"params\":{\"scopes\":1e400,\"id\":123456789012345678901234567890}"));
  call_name = authsim_log_view_dup_row_name (call_event);
  expected_name = g_strconcat ("call ", authsim_event_get_json (call_event), NULL);
  g_assert_cmpstr (call_name, ==, expected_name);

  wait_view_synced (view, log);
  test_wait_until (find_widget (list, match_accessible_label, fail_name) != NULL);
  test_wait_until (find_widget (list, match_accessible_label, call_name) != NULL);

  gtk_window_destroy (window);
}

#define HISTORY_LINE \
  "{\"seq\":%u,\"time\":\"2026-11-25T20:01:02.123+08:00\",\"call\":%u,\"kind\":\"gateway\"," \
  "\"method\":\"alipay.system.oauth.token\",\"code\":\"10000\"}\n"

/* A log file with earlier launches' events (and a torn line): the view shows at once, reads
 * them in the background with its progress shown, then shows the whole file. Clear view and
 * the filter work over all of it. */
static void
test_log_view_history (void)
{
  g_autofree char *dir = g_dir_make_tmp ("authsim-panel-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "log.jsonl", NULL);
  g_autofree char *export_path = g_build_filename (dir, "export.jsonl", NULL);
  g_autoptr(GFile) export_file = g_file_new_for_path (export_path);
  g_autoptr(GString) contents = g_string_new (NULL);
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = new_engine (NULL, log);
  g_autofree char *exported = NULL;
  gsize length;
  GtkWidget *view;
  GtkWindow *window;
  GListModel *model;
  GListModel *calls;
  const guint n_history = 100000;
  guint first_call, n;
  int result = 0;

  for (guint i = 0; i < n_history; i++)
    g_string_append_printf (contents, HISTORY_LINE, i + 1, i / 2 + 1);
  g_string_append (contents, "{\"seq\":100001,\"time\":\"2026-11");  /* torn by a crash */
  g_assert_true (g_file_set_contents (path, contents->str, contents->len, NULL));
  g_assert_true (authsim_log_set_file (log, path, NULL));

  view = authsim_log_view_new (log);
  window = show_in_window (view);
  model = G_LIST_MODEL (authsim_log_view_get_model (AUTHSIM_LOG_VIEW (view)));
  calls = gtk_drop_down_get_model (GTK_DROP_DOWN (find_labelled (view, "Filter by call")));
  g_assert_cmpstr (authsim_log_view_get_progress_text (AUTHSIM_LOG_VIEW (view)), ==,
                   "Reading earlier events…");

  first_call = make_call (engine, log, "{\"scopes\": \"auth_base\"}");
  g_assert_cmpuint (first_call, >, 0);
  test_wait_until (authsim_log_view_get_progress_text (AUTHSIM_LOG_VIEW (view)) == NULL);
  n = g_list_model_get_n_items (G_LIST_MODEL (log));
  test_wait_until (g_list_model_get_n_items (model) == n_history + 1 + n);
  {
    g_autoptr(AuthsimEvent) first = g_list_model_get_item (model, 0);
    g_autoptr(AuthsimEvent) torn = g_list_model_get_item (model, n_history);
    g_autoptr(AuthsimEvent) ours = g_list_model_get_item (model, n_history + 1);

    g_assert_cmpuint (authsim_event_get_seq (first), ==, 1);
    g_assert_cmpstr (authsim_event_get_kind (torn), ==, "error");
    /* seq went on after the last complete line. */
    g_assert_cmpuint (authsim_event_get_seq (ours), ==, n_history + 1);
  }
  /* Every call of the file is a choice of the filter (this session's call may have the id of
   * an earlier one: call ids are the store's). */
  g_assert_cmpuint (g_list_model_get_n_items (calls), ==,
                    1 + n_history / 2 + (first_call > n_history / 2));
  g_assert_cmpuint (first_call, !=, 4321);

  /* Filter by an earlier launch's call: its rows, read from the file. */
  authsim_log_view_set_call_filter (AUTHSIM_LOG_VIEW (view), 4321);
  test_wait_until (g_list_model_get_n_items (model) == 2);
  {
    g_autoptr(AuthsimEvent) row = g_list_model_get_item (model, 1);

    g_assert_cmpuint (authsim_event_get_call (row), ==, 4321);
    g_assert_cmpuint (authsim_event_get_seq (row), ==, 8642);
  }
  authsim_log_view_set_call_filter (AUTHSIM_LOG_VIEW (view), 0);
  test_wait_until (g_list_model_get_n_items (model) == n_history + 1 + n);

  /* Export: the whole file, from the file. */
  g_signal_connect (view, "export-finished", G_CALLBACK (on_export_finished), &result);
  authsim_log_view_export_to_file (AUTHSIM_LOG_VIEW (view), export_file);
  test_wait_until (result != 0);
  g_assert_cmpint (result, ==, 1);
  g_assert_true (g_file_get_contents (export_path, &exported, &length, NULL));
  {
    /* Counted with memchr: ASan makes g_strsplit quadratic. */
    guint n_lines = 0;

    for (const char *p = exported; (p = memchr (p, '\n', exported + length - p)) != NULL; p++)
      n_lines++;
    g_assert_cmpuint (n_lines, ==, n_history + 1 + n);
  }

  /* Clear view: an offset; the next call's events alone show. */
  g_assert_true (gtk_widget_activate_action (view, "log-view.clear", NULL));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (calls), ==, 1);
  make_call (engine, log, "{\"scopes\": \"auth_base\"}");
  test_wait_until (g_list_model_get_n_items (model) ==
                   g_list_model_get_n_items (G_LIST_MODEL (log)) - n);

  g_signal_handlers_disconnect_by_data (view, &result);
  gtk_window_destroy (window);
  g_assert_true (authsim_log_set_file (log, NULL, NULL));
  g_unlink (path);
  g_unlink (export_path);
  g_rmdir (dir);
}

static void
test_log_engine_later (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = new_engine (NULL, log);
  GtkWidget *view = sink (authsim_log_view_new (NULL));
  GListModel *model = G_LIST_MODEL (authsim_log_view_get_model (AUTHSIM_LOG_VIEW (view)));

  make_call (engine, log, "{\"scopes\": \"auth_base\"}");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);

  g_object_set (view, "log", log, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==,
                    g_list_model_get_n_items (G_LIST_MODEL (log)));
  g_assert_cmpuint (g_list_model_get_n_items (model), >, 0);

  g_assert_finalize_object (view);
}

static void
count_changes (GListModel *model,
               guint       position,
               guint       removed,
               guint       added,
               gpointer    user_data)
{
  guint *n_changes = user_data;

  (*n_changes)++;
}

static void
test_log_burst (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = new_engine (NULL, log);
  GtkWidget *view = sink (authsim_log_view_new (log));
  GListModel *model = G_LIST_MODEL (authsim_log_view_get_model (AUTHSIM_LOG_VIEW (view)));
  GListModel *calls = gtk_drop_down_get_model (GTK_DROP_DOWN (find_labelled (view,
                                                                             "Filter by call")));
  guint n_changes = 0;

  /* A burst of events reaches the list as one change (GTK 4.8's list views pay for each). */
  g_signal_connect (model, "items-changed", G_CALLBACK (count_changes), &n_changes);
  for (guint i = 0; i < 5000; i++)
    {
      JsonObject *fields = json_object_new ();

      json_object_set_string_member (fields, "callback", "complete");
      json_object_set_object_member (fields, "payload", json_object_new ());
      authsim_log_append (log, i / 5 + 1, "callback", fields);
    }
  wait_view_synced (view, log);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 5000);
  g_assert_cmpuint (n_changes, <=, 2);

  /* Every call is in the filter list, in order, after "All calls". */
  g_assert_cmpuint (g_list_model_get_n_items (calls), ==, 1000 + 1);
  {
    g_autofree char *first = dup_string_item (calls, 1);
    g_autofree char *last = dup_string_item (calls, 1000);

    g_assert_cmpstr (first, ==, "Call #1");
    g_assert_cmpstr (last, ==, "Call #1000");
  }

  /* An event of an older call (a gateway request redeeming its code) does not add a call. */
  authsim_log_append (log, 7, "gateway", NULL);
  wait_view_synced (view, log);
  g_assert_cmpuint (g_list_model_get_n_items (calls), ==, 1000 + 1);

  g_signal_handlers_disconnect_by_data (model, &n_changes);
  g_assert_finalize_object (view);
}

static GtkAdjustment *
log_vadjustment (GtkWidget *view)
{
  GtkWidget *list = find_labelled (view, "Callback log");

  return gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (list));
}

static gboolean
at_bottom (GtkAdjustment *adjustment)
{
  return gtk_adjustment_get_upper (adjustment) > gtk_adjustment_get_page_size (adjustment) &&
         gtk_adjustment_get_value (adjustment) + gtk_adjustment_get_page_size (adjustment) >=
         gtk_adjustment_get_upper (adjustment) - 1.0;
}

static void
append_events (AuthsimLog *log,
               guint       n)
{
  for (guint i = 0; i < n; i++)
    {
      JsonObject *fields = json_object_new ();

      json_object_set_string_member (fields, "callback", "complete");
      json_object_set_object_member (fields, "payload", json_object_new ());
      authsim_log_append (log, i / 3 + 1, "callback", fields);
    }
}

static void
test_log_follows_newest (void)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(AuthsimEngine) engine = new_engine (NULL, log);
  GtkWidget *view = authsim_log_view_new (log);
  GtkWindow *window = show_in_window (view);
  GtkAdjustment *vadjustment = log_vadjustment (view);

  /* More rows than fit: the view follows the newest one. */
  append_events (log, 200);
  test_wait_until (at_bottom (vadjustment));
  append_events (log, 50);
  wait_view_synced (view, log);
  test_wait_until (at_bottom (vadjustment));

  /* Scrolled up by the user: it stays where it is. */
  gtk_adjustment_set_value (vadjustment, 0);
  drain_main_context ();
  append_events (log, 50);
  wait_view_synced (view, log);
  drain_main_context ();
  g_assert_cmpfloat (gtk_adjustment_get_value (vadjustment), ==, 0);

  gtk_window_destroy (window);
}

/* Grants ------------------------------------------------------------------------------------ */

static void
test_grants_view (void)
{
  g_autoptr(AuthsimStore) store = test_store_new ();
  g_autoptr(AuthsimEngine) engine = new_engine (store, NULL);
  AuthsimUser *user = authsim_engine_get_active_user (engine);
  const char *app_id = authsim_profile_get_app_id (authsim_engine_get_profile (engine));
  const char *scopes[] = { "auth_user", NULL };
  GtkWidget *view = sink (authsim_grants_view_new (engine, store));
  GtkWidget *clear, *revoke;
  GtkListBox *list;

  clear = find_button (view, "Clear authorization data");
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (clear), GTK_ACCESSIBLE_ROLE_BUTTON);
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (clear)), ==,
                   "app.clear-grants");

  g_assert_cmpuint (authsim_grants_view_get_n_rows (AUTHSIM_GRANTS_VIEW (view)), ==, 0);
  list = GTK_LIST_BOX (find_widget (view, match_type, GSIZE_TO_POINTER (GTK_TYPE_LIST_BOX)));
  g_assert_null (gtk_list_box_get_row_at_index (list, 0));
  g_assert_null (find_widget (view, match_button_label, "Revoke"));

  authsim_store_grant (store, authsim_user_get_user_id (user), app_id, scopes);
  g_assert_cmpuint (authsim_grants_view_get_n_rows (AUTHSIM_GRANTS_VIEW (view)), ==, 1);
  g_assert_nonnull (gtk_list_box_get_row_at_index (list, 0));
  g_assert_null (gtk_list_box_get_row_at_index (list, 1));

  /* The row's Revoke button revokes that grant through the engine. */
  revoke = find_button (view, "Revoke");
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (revoke), GTK_ACCESSIBLE_ROLE_BUTTON);
  g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (revoke),
                                                   GTK_ACCESSIBLE_PROPERTY_DESCRIPTION));
  g_signal_emit_by_name (revoke, "clicked");
  g_assert_cmpuint (g_list_model_get_n_items (authsim_store_get_grants (store)), ==, 0);
  g_assert_cmpuint (authsim_grants_view_get_n_rows (AUTHSIM_GRANTS_VIEW (view)), ==, 0);
  g_assert_null (gtk_list_box_get_row_at_index (list, 0));

  /* Two users' grants, then Clear authorization data (what app.clear-grants does). */
  authsim_store_grant (store, authsim_user_get_user_id (user), app_id, scopes);
  {
    GListModel *users = authsim_engine_get_users (engine);
    g_autoptr(AuthsimUser) other = g_list_model_get_item (users,
                                                          g_list_model_get_n_items (users) - 1);

    authsim_store_grant (store, authsim_user_get_user_id (other), app_id, scopes);
  }
  g_assert_cmpuint (authsim_grants_view_get_n_rows (AUTHSIM_GRANTS_VIEW (view)), >=, 1);
  g_assert_cmpuint (count_widgets (view, match_button_label, "Revoke"), ==,
                    g_list_model_get_n_items (authsim_store_get_grants (store)));
  authsim_engine_clear_grants (engine);
  g_assert_cmpuint (authsim_grants_view_get_n_rows (AUTHSIM_GRANTS_VIEW (view)), ==, 0);
  g_assert_null (gtk_list_box_get_row_at_index (list, 0));

  g_assert_finalize_object (view);
}

/* Users ------------------------------------------------------------------------------------- */

static void
test_users_view (void)
{
  g_autoptr(AuthsimEngine) engine = new_engine (NULL, NULL);
  GListModel *users = authsim_engine_get_users (engine);
  AuthsimUser *active = authsim_engine_get_active_user (engine);
  GtkWidget *view = sink (authsim_users_view_new (engine));
  GtkWidget *use, *entry;
  g_autoptr(AuthsimUser) other = NULL;
  const char *known_key;

  g_assert_cmpuint (g_list_model_get_n_items (users), >=, 2);
  g_assert_true (authsim_users_view_get_edited_user (AUTHSIM_USERS_VIEW (view)) == active);

  /* The active user has no "Use this user" button; the others do. */
  g_assert_cmpuint (count_widgets (view, match_button_label, "Use this user"), ==,
                    g_list_model_get_n_items (users));
  for (guint i = 0; i < g_list_model_get_n_items (users); i++)
    {
      g_autoptr(AuthsimUser) user = g_list_model_get_item (users, i);

      if (user != active && other == NULL)
        other = g_object_ref (user);
    }

  /* An entry per user.info.share field, named by its label. */
  entry = find_widget (view, match_type, GSIZE_TO_POINTER (GTK_TYPE_ENTRY));
  g_assert_nonnull (entry);
  g_assert_cmpuint (count_widgets (view, match_type, GSIZE_TO_POINTER (GTK_TYPE_ENTRY)), ==,
                    g_strv_length ((char **) authsim_user_info_fields_known ()));
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_ROLE_TEXT_BOX);
  g_assert_true (gtk_test_accessible_has_relation (GTK_ACCESSIBLE (entry),
                                                   GTK_ACCESSIBLE_RELATION_LABELLED_BY));

  /* The first entry edits the first known field of the edited (active) user. */
  known_key = authsim_user_info_field_to_key (authsim_user_info_fields_known ()[0]);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==,
                   authsim_user_get_info_value (active, known_key) != NULL
                   ? authsim_user_get_info_value (active, known_key) : "");
  gtk_editable_set_text (GTK_EDITABLE (entry), "Edited name");
  g_assert_cmpstr (authsim_user_get_info_value (active, known_key), ==, "Edited name");
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  g_assert_null (authsim_user_get_info_value (active, known_key));

  /* A change made elsewhere shows in the entry. */
  authsim_user_set_info_value (active, known_key, "From the engine");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "From the engine");

  /* Use this user, in the other user's row: that user becomes active, the editor follows. */
  {
    /* The row is named by the user's display name. */
    GtkWidget *row = find_labelled (view, authsim_user_get_display_name (other));

    g_assert_true (GTK_IS_LIST_BOX_ROW (row));
    use = find_widget (row, match_button_label, "Use this user");
    g_assert_nonnull (use);
  }
  g_assert_true (gtk_widget_get_visible (use));
  g_signal_emit_by_name (use, "clicked");
  g_assert_true (authsim_engine_get_active_user (engine) == other);
  g_assert_true (authsim_users_view_get_edited_user (AUTHSIM_USERS_VIEW (view)) == other);
  g_assert_false (gtk_widget_get_visible (use));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==,
                   authsim_user_get_info_value (other, known_key) != NULL
                   ? authsim_user_get_info_value (other, known_key) : "");

  /* Nothing here is named like the header bar's user switch. */
  g_assert_null (find_widget (view, match_accessible_label, "Test user"));

  g_assert_finalize_object (view);
}

/* Preferences ------------------------------------------------------------------------------- */

static void
test_preferences (void)
{
  g_autoptr(AuthsimStore) store = test_store_new ();
  g_autoptr(AuthsimEngine) engine = new_engine (store, NULL);
  AuthsimProfile *profile = authsim_engine_get_profile (engine);
  GtkWidget *dialog = authsim_preferences_dialog_new (engine, store, NULL);
  GtkWidget *warn, *enforce, *network, *jsapi, *without, *open_id, *field;
  const char *first_field;
  gint64 offset;

  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (dialog)), ==, "Preferences");
  g_assert_true (GTK_IS_HEADER_BAR (gtk_window_get_titlebar (GTK_WINDOW (dialog))));

  /* First-screen rule: toggles both ways. */
  enforce = find_button (dialog, "Enforce");
  warn = find_button (dialog, "Warn");
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (warn), GTK_ACCESSIBLE_ROLE_BUTTON);
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (enforce)) ==
                 (authsim_engine_get_first_screen_rule (engine) ==
                  AUTHSIM_FIRST_SCREEN_RULE_ENFORCE));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (warn), TRUE);
  g_assert_cmpint (authsim_engine_get_first_screen_rule (engine), ==,
                   AUTHSIM_FIRST_SCREEN_RULE_WARN);
  authsim_engine_set_first_screen_rule (engine, AUTHSIM_FIRST_SCREEN_RULE_OFF);
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (find_button (dialog, "Off"))));
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (warn)));

  /* Network fault: a switch. */
  network = find_labelled (dialog, "Network fault");
  g_assert_true (GTK_IS_SWITCH (network));
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (network), GTK_ACCESSIBLE_ROLE_SWITCH);
  gtk_switch_set_active (GTK_SWITCH (network), TRUE);
  g_assert_true (authsim_engine_get_network_fault (engine));
  authsim_engine_set_network_fault (engine, FALSE);
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (network)));

  /* Code lifetime. */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find_labelled (dialog, "Code lifetime")), 600);
  g_assert_cmpuint (authsim_store_get_code_lifetime (store), ==, 600);

  /* Virtual clock. */
  offset = authsim_store_get_clock_offset (store);
  g_assert_true (gtk_widget_activate_action (dialog, "prefs.advance-clock", "x",
                                             (gint64) 180));
  g_assert_cmpint (authsim_store_get_clock_offset (store), ==, offset + 180);
  find_button (dialog, "+3 min");
  find_button (dialog, "+15 days");
  g_signal_emit_by_name (find_button (dialog, "+1 day"), "clicked");
  g_assert_cmpint (authsim_store_get_clock_offset (store), ==, offset + 180 + 86400);
  g_signal_emit_by_name (find_button (dialog, "Reset clock"), "clicked");
  g_assert_cmpint (authsim_store_get_clock_offset (store), ==, 0);

  /* Profile switches. */
  jsapi = find_labelled (dialog, "JSAPI base package");
  gtk_switch_set_active (GTK_SWITCH (jsapi), FALSE);
  g_assert_false (authsim_profile_get_jsapi_base_package (profile));
  without = find_button (dialog, "Without package");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (without), TRUE);
  g_assert_cmpint (authsim_profile_get_third_party (profile), ==,
                   AUTHSIM_THIRD_PARTY_WITHOUT_PACKAGE);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (find_button (dialog, "Enterprise")), TRUE);
  g_assert_cmpint (authsim_profile_get_app_type (profile), ==, AUTHSIM_APP_TYPE_ENTERPRISE);
  open_id = find_button (dialog, "open_id");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (open_id), TRUE);
  g_assert_cmpint (authsim_profile_get_id_mode (profile), ==, AUTHSIM_ID_MODE_OPEN_ID);
  authsim_profile_set_id_mode (profile, AUTHSIM_ID_MODE_USER_ID);
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (open_id)));

  /* User info fields: one switch per known field, named by the field. */
  first_field = authsim_profile_get_user_info_fields (profile)[0];
  g_assert_nonnull (first_field);
  field = find_labelled (dialog, first_field);
  g_assert_true (GTK_IS_SWITCH (field));
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (field)));
  {
    g_autofree char *name = g_strdup (first_field);

    gtk_switch_set_active (GTK_SWITCH (field), FALSE);
    g_assert_false (g_strv_contains (authsim_profile_get_user_info_fields (profile), name));
    gtk_switch_set_active (GTK_SWITCH (field), TRUE);
    g_assert_true (g_strv_contains (authsim_profile_get_user_info_fields (profile), name));
  }
  for (const char * const *f = authsim_user_info_fields_known (); *f != NULL; f++)
    g_assert_true (GTK_IS_SWITCH (find_labelled (dialog, *f)));

  /* Controls are buttons, toggles or switches: no check buttons (ATSPI.md pitfall 5). */
  g_assert_null (find_widget (dialog, match_type, GSIZE_TO_POINTER (GTK_TYPE_CHECK_BUTTON)));

  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* Gateway panel ----------------------------------------------------------------------------- */

static void
backend_started_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (authsim_backend_start_finish (AUTHSIM_BACKEND (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

/* Key mode: the AES key shows and copies; the certificates are off, their buttons too. */
static void
assert_gateway_view_key_mode (GtkWidget      *view,
                              AuthsimBackend *backend)
{
  const char *aes = authsim_keys_get_aes_key_text (authsim_backend_get_keys (backend));
  g_autofree char *copied = NULL;

  g_assert_nonnull (find_widget (view, match_label_prefix, "Public keys (key)"));
  g_assert_nonnull (find_widget (view, match_label_prefix, aes));
  g_assert_true (gtk_widget_activate_action (view, "gateway-view.copy-key", "s", "aes.key"));
  copied = read_clipboard (view);
  g_assert_cmpstr (copied, ==, aes);
  g_assert_nonnull (find_widget (view, match_label_prefix, "Certificate mode is off"));
  g_assert_false (gtk_widget_is_sensitive (find_labelled (view,
                                                          "Save the Alipay root certificate…")));
}

static void
test_gateway_view (void)
{
  g_autoptr(AuthsimOptions) options = authsim_options_new ();
  g_autoptr(AuthsimBackend) backend = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("authsim-panel-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "saved-private.pem", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *pem = NULL;
  g_autofree char *saved = NULL;
  GtkWidget *view;
  GtkWindow *window;
  GtkWidget *copy_url;
  struct stat st;
  gboolean started = FALSE;

  options->gateway_port = 0;
  backend = authsim_backend_new (options, &error);
  g_assert_no_error (error);

  /* Rooted: GTK 4.8 updates a button's sensitivity from its action only then. */
  view = sink (authsim_gateway_view_new (NULL, NULL));
  window = show_in_window (view);
  g_object_set (view, "backend", backend, "log", authsim_backend_get_log (backend), NULL);
  copy_url = find_button (view, "Copy URL");
  g_assert_false (gtk_widget_is_sensitive (copy_url));
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (find_labelled (view,
                                                                  "Copy the app private key")),
                                   GTK_ACCESSIBLE_ROLE_BUTTON);
  find_labelled (view, "Save the app private key…");
  find_labelled (view, "Copy the Alipay public key");
  find_labelled (view, "Save the Alipay public key…");
  find_labelled (view, "Copy the AES key");
  find_labelled (view, "Save the app public key certificate…");
  find_labelled (view, "Save the Alipay public key certificate…");
  find_labelled (view, "Save the Alipay root certificate…");

  authsim_backend_start_async (backend, NULL, backend_started_cb, &started);
  test_wait_until (started);
  test_wait_until (gtk_widget_is_sensitive (copy_url));

  /* The URL shows as is, and Copy URL copies it. */
  {
    const char *url = authsim_gateway_get_url (authsim_backend_get_gateway (backend));
    g_autofree char *copied = NULL;

    g_assert_nonnull (url);
    g_assert_nonnull (find_widget (view, match_label_prefix, url));
    g_signal_emit_by_name (copy_url, "clicked");
    copied = read_clipboard (view);
    g_assert_cmpstr (copied, ==, url);
  }

  /* Copy a key: its PEM; save it: the same bytes, private (0600). */
  g_assert_true (gtk_widget_activate_action (view, "gateway-view.copy-key", "s",
                                             "gateway-public.pem"));
  {
    g_autofree char *copied = read_clipboard (view);
    g_autofree char *expected = authsim_keys_dup_pem (authsim_backend_get_keys (backend),
                                                      "gateway-public.pem", NULL);

    g_assert_true (g_str_has_prefix (copied, "-----BEGIN PUBLIC KEY-----"));
    g_assert_cmpstr (copied, ==, expected);
  }

  authsim_gateway_view_save_key_to (AUTHSIM_GATEWAY_VIEW (view), "app-private.pem", file);
  test_wait_until (find_widget (view, match_label_prefix, "Saved ") != NULL);
  g_assert_true (g_file_get_contents (path, &saved, NULL, NULL));
  pem = authsim_keys_dup_pem (authsim_backend_get_keys (backend), "app-private.pem", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (saved, ==, pem);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  assert_gateway_view_key_mode (view, backend);

  gtk_window_destroy (window);
  g_assert_finalize_object (view);
  authsim_backend_shutdown (backend);
  g_unlink (path);
  g_rmdir (dir);
}

/* Certificate mode: the mode, the three SNs, and the certificates saved as they are. */
static void
test_gateway_view_cert_mode (void)
{
  g_autoptr(AuthsimOptions) options = authsim_options_new ();
  g_autoptr(AuthsimBackend) backend = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("authsim-panel-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "root.crt", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *saved = NULL;
  g_autofree char *expected = NULL;
  AuthsimCerts *certs;
  GtkWidget *view;
  GtkWindow *window;
  GtkWidget *save_root;
  gboolean started = FALSE;

  options->gateway_port = 0;
  options->sign_mode = AUTHSIM_SIGN_MODE_CERT;
  backend = authsim_backend_new (options, &error);
  g_assert_no_error (error);
  view = sink (authsim_gateway_view_new (backend, authsim_backend_get_log (backend)));
  window = show_in_window (view);
  save_root = find_labelled (view, "Save the Alipay root certificate…");
  g_assert_false (gtk_widget_is_sensitive (save_root));

  authsim_backend_start_async (backend, NULL, backend_started_cb, &started);
  test_wait_until (started);
  test_wait_until (gtk_widget_is_sensitive (save_root));
  certs = authsim_gateway_get_certs (authsim_backend_get_gateway (backend));
  g_assert_nonnull (certs);
  g_assert_nonnull (find_widget (view, match_label_prefix, "Public-key certificates (cert)"));
  g_assert_nonnull (find_widget (view, match_label_prefix, authsim_certs_get_app_cert_sn (certs)));
  g_assert_nonnull (find_widget (view, match_label_prefix,
                                 authsim_certs_get_gateway_cert_sn (certs)));
  g_assert_nonnull (find_widget (view, match_label_prefix,
                                 authsim_certs_get_root_cert_sn (certs)));
  g_assert_false (gtk_widget_get_visible (find_widget (view, match_label_prefix,
                                                       "Certificate mode is off")));

  authsim_gateway_view_save_key_to (AUTHSIM_GATEWAY_VIEW (view), "root-cert.crt", file);
  test_wait_until (find_widget (view, match_label_prefix, "Saved ") != NULL);
  g_assert_true (g_file_get_contents (path, &saved, NULL, NULL));
  expected = authsim_certs_dup_pem (certs, "root-cert.crt", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (saved, ==, expected);

  gtk_window_destroy (window);
  g_assert_finalize_object (view);
  authsim_backend_shutdown (backend);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  gtk_init ();

  g_test_add_func ("/authsim/panel/composer/accessible", test_composer_accessible);
  g_test_add_func ("/authsim/panel/composer/invalid-json", test_composer_invalid_json);
  g_test_add_func ("/authsim/panel/composer/call", test_composer_call);
  g_test_add_func ("/authsim/panel/composer/engine-later", test_composer_engine_later);
  g_test_add_func ("/authsim/panel/log/accessible", test_log_accessible);
  g_test_add_func ("/authsim/panel/log/row-name", test_log_row_name);
  g_test_add_func ("/authsim/panel/log/select-and-copy", test_log_select_and_copy);
  g_test_add_func ("/authsim/panel/log/filter-by-call", test_log_filter);
  g_test_add_func ("/authsim/panel/log/clear-view", test_log_clear_view);
  g_test_add_func ("/authsim/panel/log/all-rows", test_log_view_all_rows);
  g_test_add_func ("/authsim/panel/log/export", test_log_export);
  g_test_add_func ("/authsim/panel/log/lossless-params", test_log_lossless_params);
  g_test_add_func ("/authsim/panel/log/history", test_log_view_history);
  g_test_add_func ("/authsim/panel/log/engine-later", test_log_engine_later);
  g_test_add_func ("/authsim/panel/log/burst", test_log_burst);
  g_test_add_func ("/authsim/panel/log/follows-newest", test_log_follows_newest);
  g_test_add_func ("/authsim/panel/grants", test_grants_view);
  g_test_add_func ("/authsim/panel/users", test_users_view);
  g_test_add_func ("/authsim/panel/preferences", test_preferences);
  g_test_add_func ("/authsim/panel/gateway", test_gateway_view);
  g_test_add_func ("/authsim/panel/gateway-cert-mode", test_gateway_view_cert_mode);

  return g_test_run ();
}
