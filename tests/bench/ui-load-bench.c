/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ui-load-bench.c: the window's frame times and click latency while the gateway is loaded
 * (issue 4, Bench: "the UI keeps repainting and answering clicks when the gateway is at full
 * speed"). Driven by tests/bench/run-ui-under-load; run by hand.
 *
 * This is the real application, exactly as `authsim` runs it (same options, same
 * AuthsimApplication, window, backend and gateway on the main context), plus probes:
 *
 * - frames: a tick callback on the window keeps the frame clock running at the display's rate
 *   whether or not anything changed, so a main loop that is late shows as a long interval.
 *   What gets painted is what the application changes (under load: the log view, which follows
 *   the newest of thousands of rows a second). Each frame's interval (after-paint to
 *   after-paint) and work (update to after-paint, wall clock: it includes any time the thread
 *   was preempted) are recorded with g_get_monotonic_time(); "dropped" counts the refresh
 *   periods (16.67 ms) that passed without a frame.
 * - clicks: real X clicks on the composer's "Call my.getAuthCode" button, sent from outside
 *   (xdotool, by the runner). The latency of a click runs from the X server's timestamp of the
 *   button release (milliseconds of CLOCK_MONOTONIC, which Xvfb uses, as is
 *   g_get_monotonic_time()) to the end of the first frame painted after the click's `call` event
 *   reached the log model. "dispatch" is the part until GTK handed the release to the window.
 *
 * Protocol: once the window is shown it prints "window XID X Y" (the X window and the button's
 * centre in it) on stdout. Then it reads commands from stdin, one a line:
 *
 *   phase NAME   prints the statistics of the current phase (if any), starts phase NAME
 *   scroll-top   scrolls the callback log to its first row, as a user would (the log view then
 *                stops following the newest row)
 *   quit         prints the statistics of the current phase, quits the application
 *
 * Usage: ui-load-bench AUTHSIM-OPTIONS…   (e.g. --gateway-port 0 --data-dir D --log F)
 */
#include "config.h"

#include <gdk/x11/gdkx.h>
#include <gio/gunixinputstream.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authsim-application.h"
#include "authsim-options.h"

typedef struct
{
  AuthsimApplication *app;
  GtkWidget          *window;
  GtkWidget          *button;
  GdkFrameClock      *clock;
  GDataInputStream   *input;
  gboolean            announced;

  char               *phase;
  gint64              phase_start;
  gint64              thread_cpu_start;   /* µs of CPU: the main thread */
  gint64              process_cpu_start;  /* µs of CPU: every thread of the process */
  gint64              frame_start;
  gint64              last_frame;
  GArray             *intervals;   /* gint64 µs between frames */
  GArray             *work;        /* gint64 µs update → after-paint */
  GArray             *latency;     /* gint64 µs click release (X time) → painted */
  GArray             *dispatch;    /* gint64 µs click release (X time) → seen by the window */
  guint               log_events;  /* events the log model gained during the phase */
  guint               clicks;
  guint               unanswered;  /* releases with no call event before the next one */

  gint64              click_usec;  /* the pending click's release, 0 when none */
  gboolean            click_seen;  /* its call event is in the model: the next paint ends it */
} Bench;

static Bench bench;

#define REFRESH_USEC 16667  /* the frame clock's period on Xvfb (60 Hz) */

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static gint64
percentile (GArray *sorted,
            guint   p)
{
  return g_array_index (sorted, gint64, MIN (sorted->len - 1, (guint64) sorted->len * p / 100));
}

static void
print_stats (const char *name,
             GArray     *values)
{
  if (values->len == 0)
    {
      g_print ("  %-15s n 0\n", name);
      return;
    }
  g_array_sort (values, compare_int64);
  g_print ("  %-15s n %5u  p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms\n", name, values->len,
           percentile (values, 50) / 1000.0, percentile (values, 99) / 1000.0,
           g_array_index (values, gint64, values->len - 1) / 1000.0);
}

static double
share_over (GArray *values,
            gint64  limit)
{
  guint over = 0;

  for (guint i = 0; i < values->len; i++)
    if (g_array_index (values, gint64, i) > limit)
      over++;
  return values->len > 0 ? 100.0 * over / values->len : 0;
}

/* Refresh periods that passed without a frame. */
static guint
dropped_frames (GArray *values)
{
  guint dropped = 0;

  for (guint i = 0; i < values->len; i++)
    {
      gint64 periods = (g_array_index (values, gint64, i) + REFRESH_USEC / 2) / REFRESH_USEC;

      if (periods > 1)
        dropped += (guint) (periods - 1);
    }
  return dropped;
}

static gint64
cpu_usec (clockid_t clock)
{
  struct timespec ts;

  clock_gettime (clock, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static void
end_phase (void)
{
  double seconds;
  guint dropped;

  if (bench.phase == NULL)
    return;

  seconds = (g_get_monotonic_time () - bench.phase_start) / 1e6;
  g_print ("phase %s: %.2f s, %u log events (%.0f/s), %u frames (%.1f/s)\n", bench.phase,
           seconds, bench.log_events, bench.log_events / seconds, bench.intervals->len,
           bench.intervals->len / seconds);
  g_print ("  CPU: main thread %.0f %%, whole process %.0f %% (of one core)\n",
           (cpu_usec (CLOCK_THREAD_CPUTIME_ID) - bench.thread_cpu_start) / (seconds * 1e4),
           (cpu_usec (CLOCK_PROCESS_CPUTIME_ID) - bench.process_cpu_start) / (seconds * 1e4));
  dropped = dropped_frames (bench.intervals);
  print_stats ("frame interval", bench.intervals);
  g_print ("  %-15s > 16.7 ms %.2f %%  > 33.3 ms %.2f %%  dropped %u (%.1f/s)\n", "",
           share_over (bench.intervals, 16700), share_over (bench.intervals, 33300),
           dropped, dropped / seconds);
  print_stats ("frame work", bench.work);
  g_print ("  clicks %u, unanswered %u\n", bench.clicks, bench.unanswered);
  print_stats ("click→painted", bench.latency);
  print_stats ("click dispatch", bench.dispatch);
  fflush (stdout);

  g_clear_pointer (&bench.phase, g_free);
}

static void
start_phase (const char *name)
{
  end_phase ();
  bench.phase = g_strdup (name);
  bench.phase_start = g_get_monotonic_time ();
  bench.thread_cpu_start = cpu_usec (CLOCK_THREAD_CPUTIME_ID);
  bench.process_cpu_start = cpu_usec (CLOCK_PROCESS_CPUTIME_ID);
  bench.last_frame = 0;
  bench.frame_start = 0;
  bench.log_events = 0;
  bench.clicks = 0;
  bench.unanswered = 0;
  bench.click_usec = 0;
  bench.click_seen = FALSE;
  g_array_set_size (bench.intervals, 0);
  g_array_set_size (bench.work, 0);
  g_array_set_size (bench.latency, 0);
  g_array_set_size (bench.dispatch, 0);
}

static void
on_update (GdkFrameClock *clock,
           gpointer       user_data)
{
  bench.frame_start = g_get_monotonic_time ();
}

static void
on_after_paint (GdkFrameClock *clock,
                gpointer       user_data)
{
  gint64 now = g_get_monotonic_time ();

  if (bench.phase == NULL)
    return;

  if (bench.frame_start != 0)
    {
      gint64 work = now - bench.frame_start;

      g_array_append_val (bench.work, work);
    }
  if (bench.last_frame != 0)
    {
      gint64 interval = now - bench.last_frame;

      g_array_append_val (bench.intervals, interval);
    }
  bench.last_frame = now;

  if (bench.click_usec != 0 && bench.click_seen)
    {
      gint64 latency = now - bench.click_usec;

      g_array_append_val (bench.latency, latency);
      bench.click_usec = 0;
      bench.click_seen = FALSE;
    }
}

/* The X server's timestamp (ms, 32 bits of CLOCK_MONOTONIC) as g_get_monotonic_time() µs. */
static gint64
x_time_to_usec (guint32 x_time,
                gint64  now)
{
  gint64 now_ms = now / 1000;
  guint32 ago = (guint32) now_ms - x_time;

  return (now_ms - ago) * 1000;
}

static gboolean
on_window_event (GtkEventControllerLegacy *controller,
                 GdkEvent                 *event,
                 gpointer                  user_data)
{
  gint64 now, release, dispatch;

  if (bench.phase == NULL || gdk_event_get_event_type (event) != GDK_BUTTON_RELEASE)
    return GDK_EVENT_PROPAGATE;

  now = g_get_monotonic_time ();
  release = x_time_to_usec (gdk_event_get_time (event), now);
  dispatch = now - release;
  if (bench.click_usec != 0)
    bench.unanswered++;
  bench.clicks++;
  bench.click_usec = release;
  bench.click_seen = FALSE;
  g_array_append_val (bench.dispatch, dispatch);

  return GDK_EVENT_PROPAGATE;
}

static void
on_log_items_changed (GListModel *model,
                      guint       position,
                      guint       removed,
                      guint       added,
                      gpointer    user_data)
{
  bench.log_events += added;
  if (bench.click_usec == 0 || bench.click_seen)
    return;

  /* The gateway adds "gateway" events by the thousand; a click adds a "call" event. */
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (model, i);

      if (g_strcmp0 (authsim_event_get_kind (event), "call") == 0)
        {
          bench.click_seen = TRUE;
          break;
        }
    }
}

static GtkWidget *
find_call_button (GtkWidget *widget)
{
  if (GTK_IS_BUTTON (widget) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), "composer.call") == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_call_button (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The callback log's scrolled window: the one around a GtkColumnView. */
static GtkWidget *
find_log_scroller (GtkWidget *widget)
{
  if (GTK_IS_SCROLLED_WINDOW (widget) &&
      GTK_IS_COLUMN_VIEW (gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (widget))))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_log_scroller (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
scroll_log_to_top (void)
{
  GtkWidget *scroller = bench.window != NULL ? find_log_scroller (bench.window) : NULL;

  if (scroller == NULL)
    {
      g_printerr ("ui-load-bench: no callback log in the window\n");
      return;
    }
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller)),
                            0);
}

/* Says where the button is, once the window is on screen and laid out. */
static void
announce (void)
{
  graphene_point_t centre, point;
  double sx, sy;
  GdkSurface *surface;

  if (bench.announced || !gtk_widget_get_mapped (bench.button) ||
      gtk_widget_get_width (bench.button) == 0)
    return;

  centre = GRAPHENE_POINT_INIT (gtk_widget_get_width (bench.button) / 2.0,
                                gtk_widget_get_height (bench.button) / 2.0);
  if (!gtk_widget_compute_point (bench.button, bench.window, &centre, &point))
    return;
  gtk_native_get_surface_transform (GTK_NATIVE (bench.window), &sx, &sy);
  surface = gtk_native_get_surface (GTK_NATIVE (bench.window));
  if (!GDK_IS_X11_SURFACE (surface))
    g_error ("ui-load-bench needs the X11 backend (GDK_BACKEND=x11)");

  g_print ("window %lu %d %d\n", (unsigned long) gdk_x11_surface_get_xid (surface),
           (int) (point.x + sx), (int) (point.y + sy));
  fflush (stdout);
  bench.announced = TRUE;
}

static gboolean
tick (GtkWidget     *widget,
      GdkFrameClock *clock,
      gpointer       user_data)
{
  if (bench.clock == NULL)
    {
      bench.clock = clock;
      g_signal_connect (clock, "update", G_CALLBACK (on_update), NULL);
      g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), NULL);
    }
  announce ();
  return G_SOURCE_CONTINUE;
}

static void
on_window_added (GtkApplication *app,
                 GtkWindow      *window,
                 gpointer        user_data)
{
  GtkEventController *controller;

  if (bench.window != NULL)
    return;

  bench.window = GTK_WIDGET (window);
  bench.button = find_call_button (bench.window);
  if (bench.button == NULL)
    g_error ("no button with the action composer.call in the window");

  controller = gtk_event_controller_legacy_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect (controller, "event", G_CALLBACK (on_window_event), NULL);
  gtk_widget_add_controller (bench.window, controller);

  gtk_widget_add_tick_callback (bench.window, tick, NULL, NULL);
}

static void line_read (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data);

static void
read_next (void)
{
  g_data_input_stream_read_line_async (bench.input, G_PRIORITY_DEFAULT, NULL, line_read, NULL);
}

static void
quit (void)
{
  end_phase ();
  g_application_quit (G_APPLICATION (bench.app));
}

static void
line_read (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                                      result, NULL, &error);

  if (line == NULL)
    {
      if (error != NULL)
        g_printerr ("ui-load-bench: %s\n", error->message);
      quit ();
      return;
    }

  g_strstrip (line);
  if (g_str_has_prefix (line, "phase ") && line[6] != '\0')
    start_phase (line + 6);
  else if (strcmp (line, "scroll-top") == 0)
    scroll_log_to_top ();
  else if (strcmp (line, "quit") == 0)
    {
      quit ();
      return;
    }
  else if (*line != '\0')
    g_printerr ("ui-load-bench: unknown command: %s\n", line);
  read_next ();
}

static void
on_startup (GApplication *app,
            gpointer      user_data)
{
  AuthsimBackend *backend = authsim_application_get_backend (AUTHSIM_APPLICATION (app));
  g_autoptr(GInputStream) in = NULL;

  if (backend != NULL)
    g_signal_connect (authsim_backend_get_log (backend), "items-changed",
                      G_CALLBACK (on_log_items_changed), NULL);

  in = g_unix_input_stream_new (0, FALSE);
  bench.input = g_data_input_stream_new (in);
  read_next ();
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AuthsimOptions) options = NULL;
  g_autoptr(AuthsimApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  const char *localedir = g_getenv ("AUTHSIM_LOCALEDIR");
  int status;

  /* As app/main.c does. */
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("authsim");

  options = authsim_options_new ();
  if (!authsim_options_parse (options, &argc, &argv, &error))
    {
      g_printerr ("ui-load-bench: %s\n", error->message);
      return 2;
    }
  if (options->headless)
    {
      g_printerr ("ui-load-bench: the window is what is measured: no --headless\n");
      return 2;
    }

  bench.intervals = g_array_new (FALSE, FALSE, sizeof (gint64));
  bench.work = g_array_new (FALSE, FALSE, sizeof (gint64));
  bench.latency = g_array_new (FALSE, FALSE, sizeof (gint64));
  bench.dispatch = g_array_new (FALSE, FALSE, sizeof (gint64));

  app = authsim_application_new (g_steal_pointer (&options));
  bench.app = app;
  /* Connected before registration, which runs startup (see app/main.c). */
  g_signal_connect_after (app, "startup", G_CALLBACK (on_startup), NULL);
  g_signal_connect (app, "window-added", G_CALLBACK (on_window_added), NULL);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    {
      g_printerr ("ui-load-bench: %s\n", error->message);
      return 1;
    }
  if (g_application_get_is_remote (G_APPLICATION (app)))
    {
      g_printerr ("ui-load-bench: AuthSim already runs on this session bus\n");
      return 1;
    }

  status = g_application_run (G_APPLICATION (app), argc, argv);

  g_clear_object (&bench.input);
  g_free (bench.phase);
  g_array_unref (bench.intervals);
  g_array_unref (bench.work);
  g_array_unref (bench.latency);
  g_array_unref (bench.dispatch);
  return status;
}
