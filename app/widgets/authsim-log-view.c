/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "authsim-json.h"
#include "authsim-log-call-list.h"
#include "authsim-log-filter.h"
#include "authsim-log-model.h"
#include "authsim-log-view.h"
#include "authsim-resources.h"

/* The compact payload column never needs more than this: the label ellipsizes anyway. */
#define SUMMARY_MAX_CHARS 400

/* Under a steady stream of events (a gateway at full load logs thousands a second), new rows
 * join the view at most this often: each join re-lays out every visible row, which costs
 * about 13 ms a frame when it happens every frame. A quiet log still shows each event at
 * once. */
#define FLUSH_INTERVAL_USEC (100 * G_TIME_SPAN_MILLISECOND)

/*
 * The rows: the whole log file (AuthsimLogModel: the earlier launches' lines, then this
 * session's, read back from the file when shown), the call filter over it (a scan of the
 * model's compact array of calls), a slice that lets new rows join at most every
 * FLUSH_INTERVAL_USEC, the selection, the column view.
 */
struct _AuthsimLogView
{
  GtkWidget           parent_instance;

  AuthsimLog         *log;
  AuthsimLogModel    *model;
  AuthsimLogFilter   *filter;

  GtkSliceListModel  *slice;
  guint               flush_source;
  gint64              last_flush;     /* monotonic time of the last join of new rows */
  GtkSingleSelection *selection;
  guint               call_filter;

  /* The calls of the model's rows [0, calls_scanned), as the filter's choices. */
  AuthsimLogCallList *calls;
  guint               calls_scanned;
  gboolean            updating_dropdown;

  GCancellable       *export_cancellable;
  GtkNativeDialog    *chooser;
  char               *status;

  gboolean            follow;
  gboolean            scrolling;
  gboolean            relayout;
  double              relayout_value;
  guint               scroll_tick;

  /* Template children. */
  GtkScrolledWindow  *scrolled_window;
  GtkColumnView      *column_view;
  GtkLabel           *empty_label;
  GtkDropDown        *filter_dropdown;
  GtkProgressBar     *progress_bar;
  GtkTextView        *detail_view;
  GtkTextBuffer      *detail_buffer;
  GtkLabel           *status_label;
};

G_DEFINE_FINAL_TYPE (AuthsimLogView, authsim_log_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_LOG,
  PROP_CALL_FILTER,
  PROP_STATUS,
  PROP_PROGRESS_TEXT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_EXPORT_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef enum
{
  COLUMN_TIME,
  COLUMN_CALL,
  COLUMN_KIND,
  COLUMN_CALLBACK,
  COLUMN_PAYLOAD,
} Column;

static void flush_appended (AuthsimLogView *self);
static void update_actions (AuthsimLogView *self);

/* Text helpers ------------------------------------------------------------------------------ */

/* For callback events, the payload as written in the line; for others "key: value" pairs of
 * their own fields. */
static char *
dup_payload_text (AuthsimEvent *event)
{
  JsonObject *object;
  g_autoptr(GList) members = NULL;
  g_autoptr(GString) text = NULL;
  char *payload;

  if (g_strcmp0 (authsim_event_get_kind (event), "callback") == 0 &&
      (payload = authsim_event_dup_member_json (event, "payload")) != NULL)
    return payload;

  object = authsim_event_get_object (event);
  text = g_string_new (NULL);
  members = json_object_get_members (object);
  for (const GList *l = members; l != NULL && text->len < SUMMARY_MAX_CHARS; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node;

      if (g_str_equal (name, "seq") || g_str_equal (name, "time") ||
          g_str_equal (name, "call") || g_str_equal (name, "kind"))
        continue;

      node = json_object_get_member (object, name);
      if (text->len > 0)
        g_string_append (text, ", ");
      g_string_append (text, name);
      g_string_append (text, ": ");
      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        {
          g_string_append (text, json_node_get_string (node));
        }
      else
        {
          /* As written: a number json-glib cannot hold shows as it is, not "inf". */
          g_autofree char *json = authsim_event_dup_member_json (event, name);

          if (json != NULL)
            g_string_append (text, json);
          else
            authsim_json_append_node (text, node);
        }
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

char *
authsim_log_view_dup_row_name (AuthsimEvent *event)
{
  const char *kind;
  const char *callback;

  g_return_val_if_fail (AUTHSIM_IS_EVENT (event), NULL);

  kind = authsim_event_get_kind (event);
  callback = authsim_event_get_callback (event);

  if (callback != NULL)
    {
      g_autofree char *json = authsim_event_dup_member_json (event, "payload");

      return g_strdup_printf ("%s %s %s", kind, callback, json != NULL ? json : "null");
    }

  /* Not a callback: the kind, then the whole event line, so scripts can read everything. */
  return g_strdup_printf ("%s %s", kind, authsim_event_get_json (event));
}

/* "2026-11-25T20:01:02.123+08:00" → "20:01:02.123" */
static char *
dup_time_text (AuthsimEvent *event)
{
  const char *time = authsim_event_get_time (event);

  if (time != NULL && strlen (time) >= 23 && time[10] == 'T')
    return g_strndup (time + 11, 12);

  return g_strdup (time != NULL ? time : "");
}

/* Column view ------------------------------------------------------------------------------- */

/*
 * GTK 4.8 has no API to name a column view row (gtk_list_item_set_accessible_label is 4.12).
 * The row is the cell's parent: a widget with the ROW role, which AT-SPI shows as a "table
 * row" whose name scripts read (SPEC §7: the callback kind and the payload JSON). When the
 * widget tree is not what 4.8 builds, the first cell's label carries the name instead.
 */
static GtkAccessible *
find_row_accessible (GtkWidget *cell_child)
{
  GtkWidget *cell = gtk_widget_get_parent (cell_child);
  GtkWidget *row = cell != NULL ? gtk_widget_get_parent (cell) : NULL;

  if (row != NULL &&
      gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (row)) == GTK_ACCESSIBLE_ROLE_ROW)
    return GTK_ACCESSIBLE (row);

  return GTK_ACCESSIBLE (cell_child);
}

static void
setup_cell_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  Column column = GPOINTER_TO_INT (user_data);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);

  switch (column)
    {
    case COLUMN_TIME:
    case COLUMN_CALL:
      gtk_widget_add_css_class (label, "numeric");
      break;
    case COLUMN_PAYLOAD:
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_widget_add_css_class (label, "monospace");
      break;
    case COLUMN_KIND:
    case COLUMN_CALLBACK:
    default:
      break;
    }

  gtk_list_item_set_child (item, label);
}

static void
bind_cell_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  Column column = GPOINTER_TO_INT (user_data);
  AuthsimEvent *event = gtk_list_item_get_item (item);
  GtkWidget *label = gtk_list_item_get_child (item);
  g_autofree char *text = NULL;

  switch (column)
    {
    case COLUMN_TIME:
      {
        g_autofree char *name = authsim_log_view_dup_row_name (event);

        text = dup_time_text (event);
        gtk_accessible_update_property (find_row_accessible (label),
                                        GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                        -1);
      }
      break;
    case COLUMN_CALL:
      if (authsim_event_get_call (event) != 0)
        text = g_strdup_printf ("#%u", authsim_event_get_call (event));
      break;
    case COLUMN_KIND:
      text = g_strdup (authsim_event_get_kind (event));
      break;
    case COLUMN_CALLBACK:
      text = g_strdup (authsim_event_get_callback (event));
      break;
    case COLUMN_PAYLOAD:
      text = dup_payload_text (event);
      break;
    default:
      g_assert_not_reached ();
    }

  gtk_label_set_text (GTK_LABEL (label), text != NULL ? text : "");
}

static void
unbind_cell_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                gpointer                  user_data)
{
  Column column = GPOINTER_TO_INT (user_data);
  GtkWidget *label = gtk_list_item_get_child (item);

  gtk_label_set_text (GTK_LABEL (label), "");
  if (column == COLUMN_TIME)
    gtk_accessible_reset_property (find_row_accessible (label),
                                   GTK_ACCESSIBLE_PROPERTY_LABEL);
}

static void
add_column (AuthsimLogView *self,
            const char     *title,
            Column          column,
            gboolean        expand,
            int             fixed_width)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkColumnViewColumn) view_column = NULL;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell_cb), GINT_TO_POINTER (column));
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell_cb), GINT_TO_POINTER (column));
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cell_cb), GINT_TO_POINTER (column));

  view_column = gtk_column_view_column_new (title, g_steal_pointer (&factory));
  gtk_column_view_column_set_expand (view_column, expand);
  gtk_column_view_column_set_resizable (view_column, TRUE);
  if (fixed_width > 0)
    gtk_column_view_column_set_fixed_width (view_column, fixed_width);
  gtk_column_view_append_column (self->column_view, view_column);
}

/* Filter by call ---------------------------------------------------------------------------- */

static void
sync_dropdown (AuthsimLogView *self)
{
  guint position = 0;

  if (self->call_filter != 0)
    {
      position = authsim_log_call_list_find (self->calls, self->call_filter);
      if (position == 0)
        {
          authsim_log_call_list_add (self->calls, &self->call_filter, 1);
          position = authsim_log_call_list_find (self->calls, self->call_filter);
        }
    }

  self->updating_dropdown = TRUE;
  gtk_drop_down_set_selected (self->filter_dropdown, position);
  self->updating_dropdown = FALSE;
}

static void
dropdown_selected_cb (GtkDropDown    *dropdown,
                      GParamSpec     *pspec,
                      AuthsimLogView *self)
{
  guint position = gtk_drop_down_get_selected (dropdown);

  if (self->updating_dropdown || position == GTK_INVALID_LIST_POSITION)
    return;

  authsim_log_view_set_call_filter (self, authsim_log_call_list_get_call (self->calls,
                                                                          position));
}

guint
authsim_log_view_get_call_filter (AuthsimLogView *self)
{
  g_return_val_if_fail (AUTHSIM_IS_LOG_VIEW (self), 0);
  return self->call_filter;
}

/* Every row of the whole file is a candidate: the filter scans the model's calls, in a worker
 * for a long log (the view shows its progress). */
void
authsim_log_view_set_call_filter (AuthsimLogView *self,
                                  guint           call)
{
  g_return_if_fail (AUTHSIM_IS_LOG_VIEW (self));

  if (self->call_filter == call)
    return;

  self->call_filter = call;
  flush_appended (self);
  if (self->filter != NULL)
    authsim_log_filter_set_call (self->filter, call);
  /* The rows found (a short log's at once) show at once, not at the next join. */
  flush_appended (self);
  sync_dropdown (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CALL_FILTER]);
}

/* Progress ---------------------------------------------------------------------------------- */

/* What a worker is doing for the view, if anything: an export, a call filter's scan, or the
 * indexing of the earlier launches' lines (the window shows at once, the rows follow). */
static void
update_progress (AuthsimLogView *self)
{
  const char *text = NULL;
  double fraction = 0.0;

  if (self->export_cancellable != NULL && self->model != NULL)
    {
      /* Translators: the progress bar of the log while "Export log…" runs. */
      text = _("Exporting the log…");
      g_object_get (self->model, "export-progress", &fraction, NULL);
    }
  else if (self->filter != NULL && authsim_log_filter_get_busy (self->filter))
    {
      /* Translators: the progress bar of the log while it finds the events of one call. */
      text = _("Finding the call’s events…");
      g_object_get (self->filter, "progress", &fraction, NULL);
    }
  else if (self->model != NULL && authsim_log_model_get_indexing (self->model))
    {
      /* Translators: the progress bar of the log while it reads a large log file. */
      text = _("Reading earlier events…");
      fraction = authsim_log_model_get_progress (self->model);
    }

  gtk_progress_bar_set_fraction (self->progress_bar, fraction);
  if (g_strcmp0 (gtk_progress_bar_get_text (self->progress_bar), text) != 0)
    {
      gtk_progress_bar_set_text (self->progress_bar, text);
      gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), text != NULL);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS_TEXT]);
    }
}

static void
progress_changed_cb (GObject        *object,
                     GParamSpec     *pspec,
                     AuthsimLogView *self)
{
  update_progress (self);
}

const char *
authsim_log_view_get_progress_text (AuthsimLogView *self)
{
  g_return_val_if_fail (AUTHSIM_IS_LOG_VIEW (self), NULL);
  return gtk_progress_bar_get_text (self->progress_bar);
}

/*
 * Auto-scroll: while the view is at the bottom it follows the newest row. Rows are laid out
 * after they are added, so the view re-scrolls when the adjustment changes (its upper bound
 * grows), and only the user's own scrolling (a value change the view did not make) decides
 * whether it keeps following.
 */

static gboolean
adjustment_at_bottom (GtkAdjustment *adjustment)
{
  return gtk_adjustment_get_value (adjustment) + gtk_adjustment_get_page_size (adjustment)
         >= gtk_adjustment_get_upper (adjustment) - 1.0;
}

static gboolean
scroll_to_bottom_cb (GtkWidget     *widget,
                     GdkFrameClock *frame_clock,
                     gpointer       user_data)
{
  AuthsimLogView *self = AUTHSIM_LOG_VIEW (widget);
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scrolled_window);

  self->scroll_tick = 0;
  if (self->follow && !adjustment_at_bottom (adjustment))
    {
      self->scrolling = TRUE;
      gtk_adjustment_set_value (adjustment,
                                gtk_adjustment_get_upper (adjustment)
                                - gtk_adjustment_get_page_size (adjustment));
      self->scrolling = FALSE;
    }
  return G_SOURCE_REMOVE;
}

static void
vadjustment_changed_cb (GtkAdjustment  *adjustment,
                        AuthsimLogView *self)
{
  /* gtk_adjustment_configure () emits "changed" with the new value in place, then
   * "value-changed": that value change is the list's layout, not the user scrolling. */
  self->relayout = TRUE;
  self->relayout_value = gtk_adjustment_get_value (adjustment);

  /* "changed" comes from the list's size allocation, where a new value would not be laid
   * out (GTK 4.8): scroll at the start of the next frame instead. */
  if (self->follow && !adjustment_at_bottom (adjustment) && self->scroll_tick == 0)
    self->scroll_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), scroll_to_bottom_cb,
                                                      NULL, NULL);
}

static void
vadjustment_value_changed_cb (GtkAdjustment  *adjustment,
                              AuthsimLogView *self)
{
  gboolean relayout = self->relayout &&
                      gtk_adjustment_get_value (adjustment) == self->relayout_value;

  self->relayout = FALSE;
  if (!self->scrolling && !relayout)
    self->follow = adjustment_at_bottom (adjustment);
}


/* Rows -------------------------------------------------------------------------------------- */

/* The filter's choices gain the calls of the model's rows not looked at yet. */
static void
add_new_calls (AuthsimLogView *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  g_autoptr(GArray) calls = NULL;

  if (n <= self->calls_scanned)
    return;
  calls = g_array_sized_new (FALSE, FALSE, sizeof (guint), n - self->calls_scanned);
  for (guint i = self->calls_scanned; i < n; i++)
    {
      guint call = authsim_log_model_get_call (self->model, i);

      g_array_append_val (calls, call);
    }
  authsim_log_call_list_add (self->calls, (const guint *) calls->data, calls->len);
  self->calls_scanned = n;
}

/*
 * GTK 4.8's list views pay for every items-changed they have seen: each one leaves a node in
 * the view's tree that later changes walk. The log appends one event at a time, so the view
 * sees the rows through a slice whose size grows once per main-loop turn (before the frame is
 * laid out): a burst of events is one change, and a million rows stay smooth.
 */
static void
flush_appended (AuthsimLogView *self)
{
  guint available;

  g_clear_handle_id (&self->flush_source, g_source_remove);

  if (self->filter == NULL)
    return;

  add_new_calls (self);
  available = g_list_model_get_n_items (G_LIST_MODEL (self->filter));
  if (gtk_slice_list_model_get_size (self->slice) != available)
    gtk_slice_list_model_set_size (self->slice, available);
}

static gboolean
flush_appended_cb (gpointer user_data)
{
  AuthsimLogView *self = user_data;

  self->flush_source = 0;
  self->last_flush = g_get_monotonic_time ();
  flush_appended (self);
  return G_SOURCE_REMOVE;
}

/* The model changed other than at its end: Clear view (nothing left), or the earlier
 * launches' rows have arrived in front of this session's. */
static void
model_items_changed_cb (GListModel     *model,
                        guint           position,
                        guint           removed,
                        guint           added,
                        AuthsimLogView *self)
{
  GArray *history;

  if (removed == 0 && position >= self->calls_scanned)
    return;  /* appended: its calls join at the next flush */

  if (g_list_model_get_n_items (model) == 0)
    {
      /* Cleared: forget the calls and the filter. */
      self->calls_scanned = 0;
      authsim_log_view_set_call_filter (self, 0);
      authsim_log_call_list_reset (self->calls);
      return;
    }

  history = authsim_log_model_get_history_calls (self->model);
  if (position == 0 && removed == 0 && history != NULL)
    {
      authsim_log_call_list_add (self->calls, (const guint *) history->data, history->len);
      self->calls_scanned += added;
      return;
    }

  self->calls_scanned = 0;
  authsim_log_call_list_reset (self->calls);
  add_new_calls (self);
  sync_dropdown (self);
}

static void
filter_items_changed_cb (GListModel     *model,
                         guint           position,
                         guint           removed,
                         guint           added,
                         AuthsimLogView *self)
{
  guint shown = gtk_slice_list_model_get_size (self->slice);

  if (removed > 0 || position < shown)
    {
      /* Not an append (a clear, a new filter, the earlier rows arriving): the slice has
       * passed it on; show the rest at once. */
      flush_appended (self);
      return;
    }

  /* Before GTK lays out the next frame (GDK_PRIORITY_REDRAW is G_PRIORITY_HIGH_IDLE + 20). */
  if (added > 0 && self->flush_source == 0)
    {
      gint64 wait = self->last_flush + FLUSH_INTERVAL_USEC - g_get_monotonic_time ();

      if (wait <= 0)
        self->flush_source = g_idle_add_full (G_PRIORITY_HIGH_IDLE + 5, flush_appended_cb,
                                              self, NULL);
      else
        self->flush_source = g_timeout_add_full (G_PRIORITY_HIGH_IDLE + 5,
                                                 (guint) ((wait + 999) / 1000),
                                                 flush_appended_cb, self, NULL);
      g_source_set_static_name (g_main_context_find_source_by_id (NULL, self->flush_source),
                                "[authsim] log view flush");
    }
}

static void
shown_items_changed_cb (GListModel     *model,
                        guint           position,
                        guint           removed,
                        guint           added,
                        AuthsimLogView *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->empty_label),
                          g_list_model_get_n_items (model) == 0);
}

/* Selection and detail ---------------------------------------------------------------------- */

AuthsimEvent *
authsim_log_view_get_selected (AuthsimLogView *self)
{
  g_return_val_if_fail (AUTHSIM_IS_LOG_VIEW (self), NULL);
  return gtk_single_selection_get_selected_item (self->selection);
}

static gboolean
has_payload (AuthsimEvent *event)
{
  g_autofree char *payload = NULL;

  if (g_strcmp0 (authsim_event_get_kind (event), "callback") != 0)
    return FALSE;
  payload = authsim_event_dup_member_json (event, "payload");
  return payload != NULL;
}

static void
update_actions (AuthsimLogView *self)
{
  AuthsimEvent *event = authsim_log_view_get_selected (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "log-view.copy-row", event != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "log-view.copy-payload",
                                 event != NULL && has_payload (event));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "log-view.filter-selected",
                                 event != NULL && authsim_event_get_call (event) != 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "log-view.clear", self->log != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "log-view.export", self->log != NULL);
}

static void
selected_item_changed_cb (GtkSingleSelection *selection,
                          GParamSpec         *pspec,
                          AuthsimLogView     *self)
{
  AuthsimEvent *event = gtk_single_selection_get_selected_item (selection);

  if (event != NULL)
    {
      const char *json = authsim_event_get_json (event);
      g_autoptr(GString) pretty = g_string_new (NULL);

      /* The line re-indented, every value as written. */
      authsim_json_append_pretty (pretty, json, strlen (json));
      gtk_text_buffer_set_text (self->detail_buffer, pretty->str, pretty->len);
    }
  else
    {
      gtk_text_buffer_set_text (self->detail_buffer, "", -1);
    }

  update_actions (self);
}

gboolean
authsim_log_view_copy_row (AuthsimLogView *self)
{
  AuthsimEvent *event;

  g_return_val_if_fail (AUTHSIM_IS_LOG_VIEW (self), FALSE);

  event = authsim_log_view_get_selected (self);
  if (event == NULL)
    return FALSE;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)),
                          authsim_event_get_json (event));
  return TRUE;
}

gboolean
authsim_log_view_copy_payload (AuthsimLogView *self)
{
  AuthsimEvent *event;
  g_autofree char *json = NULL;

  g_return_val_if_fail (AUTHSIM_IS_LOG_VIEW (self), FALSE);

  event = authsim_log_view_get_selected (self);
  if (event == NULL || g_strcmp0 (authsim_event_get_kind (event), "callback") != 0)
    return FALSE;

  json = authsim_event_dup_member_json (event, "payload");
  if (json == NULL)
    return FALSE;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), json);
  return TRUE;
}

/* Export ------------------------------------------------------------------------------------ */

static void
set_status (AuthsimLogView *self,
            const char     *status)
{
  if (g_strcmp0 (self->status, status) == 0)
    return;

  g_free (self->status);
  self->status = g_strdup (status);
  gtk_label_set_text (self->status_label, status != NULL ? status : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), status != NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}

const char *
authsim_log_view_get_status (AuthsimLogView *self)
{
  g_return_val_if_fail (AUTHSIM_IS_LOG_VIEW (self), NULL);
  return self->status;
}

typedef struct
{
  AuthsimLogView *self;   /* a reference */
  GFile          *file;
  GCancellable   *cancellable;
} ExportData;

static void
export_data_free (ExportData *data)
{
  g_clear_object (&data->self);
  g_clear_object (&data->file);
  g_clear_object (&data->cancellable);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExportData, export_data_free)

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ExportData) data = user_data;
  AuthsimLogView *self = data->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autofree char *name = NULL;
  guint n_events = 0;
  gboolean success;

  success = authsim_log_model_export_finish (AUTHSIM_LOG_MODEL (source), result, &n_events,
                                             &error);
  if (self->export_cancellable == data->cancellable)
    {
      g_clear_object (&self->export_cancellable);
      update_progress (self);
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (success)
    {
      name = g_file_get_parse_name (data->file);
      /* Translators: shown under the log after "Export log…"; %u events, %s a file name. */
      message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                              "Exported %u event to %s",
                                              "Exported %u events to %s",
                                              n_events),
                                 n_events, name);
    }
  else
    {
      message = g_strdup (error->message);
    }

  set_status (self, message);
  g_signal_emit (self, signals[SIGNAL_EXPORT_FINISHED], 0, data->file, success, message);
}

/* The rows shown (Clear view taken into account, the call filter not), from the file. */
void
authsim_log_view_export_to_file (AuthsimLogView *self,
                                 GFile          *file)
{
  ExportData *data;

  g_return_if_fail (AUTHSIM_IS_LOG_VIEW (self));
  g_return_if_fail (G_IS_FILE (file));

  if (self->model == NULL)
    return;

  /* A new export replaces one still running. */
  g_cancellable_cancel (self->export_cancellable);
  g_clear_object (&self->export_cancellable);
  self->export_cancellable = g_cancellable_new ();

  data = g_new0 (ExportData, 1);
  data->self = g_object_ref (self);
  data->file = g_object_ref (file);
  data->cancellable = g_object_ref (self->export_cancellable);

  /* Translators: shown under the log while an export runs. */
  set_status (self, _("Exporting…"));
  update_progress (self);
  authsim_log_model_export_async (self->model, file, self->export_cancellable, export_done_cb,
                                  data);
}

static void
chooser_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     AuthsimLogView  *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (file != NULL)
        authsim_log_view_export_to_file (self, file);
    }

  gtk_native_dialog_destroy (chooser);
  if (self->chooser == chooser)
    g_clear_object (&self->chooser);
}

void
authsim_log_view_export (AuthsimLogView *self)
{
  GtkFileChooserNative *chooser;
  GtkRoot *root;
  g_autoptr(GtkFileFilter) filter = NULL;

  g_return_if_fail (AUTHSIM_IS_LOG_VIEW (self));

  if (self->log == NULL)
    return;

  if (self->chooser != NULL)
    {
      gtk_native_dialog_show (self->chooser);
      return;
    }

  root = gtk_widget_get_root (GTK_WIDGET (self));
  chooser = gtk_file_chooser_native_new (_("Export Log"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "authsim-log.jsonl");

  filter = gtk_file_filter_new ();
  /* Translators: a file type in the export dialog. */
  gtk_file_filter_set_name (filter, _("JSON Lines"));
  gtk_file_filter_add_pattern (filter, "*.jsonl");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);

  g_signal_connect (chooser, "response", G_CALLBACK (chooser_response_cb), self);
  self->chooser = GTK_NATIVE_DIALOG (chooser);
  gtk_native_dialog_show (self->chooser);
}


/* Actions ----------------------------------------------------------------------------------- */

static void
copy_row_cb (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  authsim_log_view_copy_row (AUTHSIM_LOG_VIEW (widget));
}

static void
copy_payload_cb (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  authsim_log_view_copy_payload (AUTHSIM_LOG_VIEW (widget));
}

/* The view starts after what is there now; the file keeps everything. */
static void
clear_cb (GtkWidget  *widget,
          const char *action_name,
          GVariant   *parameter)
{
  AuthsimLogView *self = AUTHSIM_LOG_VIEW (widget);

  if (self->model != NULL)
    authsim_log_model_clear (self->model);
}

static void
export_cb (GtkWidget  *widget,
           const char *action_name,
           GVariant   *parameter)
{
  authsim_log_view_export (AUTHSIM_LOG_VIEW (widget));
}

static void
filter_selected_cb (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  AuthsimLogView *self = AUTHSIM_LOG_VIEW (widget);
  AuthsimEvent *event = authsim_log_view_get_selected (self);

  if (event != NULL && authsim_event_get_call (event) != 0)
    authsim_log_view_set_call_filter (self, authsim_event_get_call (event));
}

/* Log --------------------------------------------------------------------------------------- */

static void
drop_model (AuthsimLogView *self)
{
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  if (self->filter != NULL)
    g_signal_handlers_disconnect_by_data (self->filter, self);
  if (self->slice != NULL)
    gtk_slice_list_model_set_model (self->slice, NULL);
  g_clear_object (&self->filter);
  g_clear_object (&self->model);
}

void
authsim_log_view_set_log (AuthsimLogView *self,
                          AuthsimLog     *log)
{
  g_return_if_fail (AUTHSIM_IS_LOG_VIEW (self));
  g_return_if_fail (log == NULL || AUTHSIM_IS_LOG (log));

  if (self->log == log)
    return;

  g_cancellable_cancel (self->export_cancellable);
  g_clear_object (&self->export_cancellable);
  authsim_log_view_set_call_filter (self, 0);
  authsim_log_call_list_reset (self->calls);
  self->calls_scanned = 0;
  g_clear_handle_id (&self->flush_source, g_source_remove);
  drop_model (self);
  gtk_slice_list_model_set_size (self->slice, 0);

  g_set_object (&self->log, log);
  if (self->log != NULL)
    {
      /* The whole file: the earlier launches' lines are indexed in a worker meanwhile. */
      self->model = authsim_log_model_new (log);
      self->filter = authsim_log_filter_new (self->model);
      g_signal_connect_object (self->model, "items-changed",
                               G_CALLBACK (model_items_changed_cb), self, 0);
      g_signal_connect_object (self->model, "notify::indexing",
                               G_CALLBACK (progress_changed_cb), self, 0);
      g_signal_connect_object (self->model, "notify::progress",
                               G_CALLBACK (progress_changed_cb), self, 0);
      g_signal_connect_object (self->model, "notify::export-progress",
                               G_CALLBACK (progress_changed_cb), self, 0);
      g_signal_connect_object (self->filter, "notify::busy",
                               G_CALLBACK (progress_changed_cb), self, 0);
      g_signal_connect_object (self->filter, "notify::progress",
                               G_CALLBACK (progress_changed_cb), self, 0);
      gtk_slice_list_model_set_model (self->slice, G_LIST_MODEL (self->filter));
      /* Connected after the slice's own handler: it has seen the change by then. */
      g_signal_connect_object (self->filter, "items-changed",
                               G_CALLBACK (filter_items_changed_cb), self, 0);
      flush_appended (self);
    }

  update_progress (self);
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOG]);
}

GtkSelectionModel *
authsim_log_view_get_model (AuthsimLogView *self)
{
  g_return_val_if_fail (AUTHSIM_IS_LOG_VIEW (self), NULL);
  return GTK_SELECTION_MODEL (self->selection);
}

/* GObject ----------------------------------------------------------------------------------- */

static void
authsim_log_view_dispose (GObject *object)
{
  AuthsimLogView *self = AUTHSIM_LOG_VIEW (object);
  GtkWidget *child;

  g_cancellable_cancel (self->export_cancellable);
  g_clear_object (&self->export_cancellable);
  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (self->chooser);
      g_clear_object (&self->chooser);
    }

  drop_model (self);
  g_clear_handle_id (&self->flush_source, g_source_remove);
  if (self->scroll_tick != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->scroll_tick);
      self->scroll_tick = 0;
    }

  gtk_widget_dispose_template (GTK_WIDGET (self), AUTHSIM_TYPE_LOG_VIEW);
  /* The template's root box is not a bound child: unparent it too. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  if (self->slice != NULL)
    g_signal_handlers_disconnect_by_data (self->slice, self);
  g_clear_object (&self->selection);
  g_clear_object (&self->slice);
  g_clear_object (&self->calls);
  g_clear_object (&self->log);

  G_OBJECT_CLASS (authsim_log_view_parent_class)->dispose (object);
}

static void
authsim_log_view_finalize (GObject *object)
{
  AuthsimLogView *self = AUTHSIM_LOG_VIEW (object);

  g_clear_pointer (&self->status, g_free);

  G_OBJECT_CLASS (authsim_log_view_parent_class)->finalize (object);
}

static void
authsim_log_view_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  AuthsimLogView *self = AUTHSIM_LOG_VIEW (object);

  switch (prop_id)
    {
    case PROP_LOG:
      g_value_set_object (value, self->log);
      break;
    case PROP_CALL_FILTER:
      g_value_set_uint (value, self->call_filter);
      break;
    case PROP_STATUS:
      g_value_set_string (value, self->status);
      break;
    case PROP_PROGRESS_TEXT:
      g_value_set_string (value, gtk_progress_bar_get_text (self->progress_bar));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_log_view_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  AuthsimLogView *self = AUTHSIM_LOG_VIEW (object);

  switch (prop_id)
    {
    case PROP_LOG:
      authsim_log_view_set_log (self, g_value_get_object (value));
      break;
    case PROP_CALL_FILTER:
      authsim_log_view_set_call_filter (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_log_view_class_init (AuthsimLogViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = authsim_log_view_dispose;
  object_class->finalize = authsim_log_view_finalize;
  object_class->get_property = authsim_log_view_get_property;
  object_class->set_property = authsim_log_view_set_property;

  properties[PROP_LOG] =
    g_param_spec_object ("log", NULL, NULL, AUTHSIM_TYPE_LOG,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS);
  properties[PROP_CALL_FILTER] =
    g_param_spec_uint ("call-filter", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATUS] =
    g_param_spec_string ("status", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROGRESS_TEXT] =
    g_param_spec_string ("progress-text", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_EXPORT_FINISHED] =
    g_signal_new ("export-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_FILE, G_TYPE_BOOLEAN, G_TYPE_STRING);

  /* The UI resources live in a static library: referencing them links their constructor,
   * which registers them. */
  (void) authsim_get_resource ();
  gtk_widget_class_set_template_from_resource (widget_class, APP_PATH "/authsim-log-view.ui");
  gtk_widget_class_bind_template_child (widget_class, AuthsimLogView, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, AuthsimLogView, column_view);
  gtk_widget_class_bind_template_child (widget_class, AuthsimLogView, empty_label);
  gtk_widget_class_bind_template_child (widget_class, AuthsimLogView, filter_dropdown);
  gtk_widget_class_bind_template_child (widget_class, AuthsimLogView, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, AuthsimLogView, detail_view);
  gtk_widget_class_bind_template_child (widget_class, AuthsimLogView, detail_buffer);
  gtk_widget_class_bind_template_child (widget_class, AuthsimLogView, status_label);

  gtk_widget_class_install_action (widget_class, "log-view.copy-row", NULL, copy_row_cb);
  gtk_widget_class_install_action (widget_class, "log-view.copy-payload", NULL,
                                   copy_payload_cb);
  gtk_widget_class_install_action (widget_class, "log-view.clear", NULL, clear_cb);
  gtk_widget_class_install_action (widget_class, "log-view.export", NULL, export_cb);
  gtk_widget_class_install_action (widget_class, "log-view.filter-selected", NULL,
                                   filter_selected_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK,
                                       "log-view.copy-row", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "log-view.copy-payload", NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "logview");
}

static void
authsim_log_view_init (AuthsimLogView *self)
{
  GtkAdjustment *vadjustment;
  g_autoptr(GtkExpression) expression = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->calls = authsim_log_call_list_new ();
  self->slice = gtk_slice_list_model_new (NULL, 0, 0);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->slice)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect (self->selection, "notify::selected-item",
                    G_CALLBACK (selected_item_changed_cb), self);
  g_signal_connect (self->slice, "items-changed", G_CALLBACK (shown_items_changed_cb), self);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));

  /* Translators: log column headings. */
  add_column (self, C_("log column", "Time"), COLUMN_TIME, FALSE, -1);
  add_column (self, C_("log column", "Call"), COLUMN_CALL, FALSE, -1);
  add_column (self, C_("log column", "Kind"), COLUMN_KIND, FALSE, -1);
  add_column (self, C_("log column", "Callback"), COLUMN_CALLBACK, FALSE, -1);
  add_column (self, C_("log column", "Payload"), COLUMN_PAYLOAD, TRUE, -1);

  gtk_drop_down_set_model (self->filter_dropdown, G_LIST_MODEL (self->calls));
  /* Many calls: typing "#12" in the list finds call 12. */
  expression = gtk_property_expression_new (GTK_TYPE_STRING_OBJECT, NULL, "string");
  gtk_drop_down_set_expression (self->filter_dropdown, expression);
  gtk_drop_down_set_enable_search (self->filter_dropdown, TRUE);
  gtk_drop_down_set_selected (self->filter_dropdown, 0);
  g_signal_connect (self->filter_dropdown, "notify::selected",
                    G_CALLBACK (dropdown_selected_cb), self);

  vadjustment = gtk_scrolled_window_get_vadjustment (self->scrolled_window);
  self->follow = TRUE;
  g_signal_connect_object (vadjustment, "value-changed",
                           G_CALLBACK (vadjustment_value_changed_cb), self, 0);
  g_signal_connect_object (vadjustment, "changed",
                           G_CALLBACK (vadjustment_changed_cb), self, 0);

  update_actions (self);
}

GtkWidget *
authsim_log_view_new (AuthsimLog *log)
{
  g_return_val_if_fail (log == NULL || AUTHSIM_IS_LOG (log), NULL);

  return g_object_new (AUTHSIM_TYPE_LOG_VIEW, "log", log, NULL);
}
