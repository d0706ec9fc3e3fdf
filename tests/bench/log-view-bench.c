/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * log-view-bench.c: the callback log at 100,000 events (SPEC §8, issue 3: "it stays smooth").
 *
 * Appends N events (default 100000) to the event log in bursts of B per main-loop turn
 * (default 1000) while the log view follows the newest row; then jumps from the top to the
 * bottom in 500 frames (every visible row is new each frame); then scrolls up like a mouse
 * wheel for 300 frames. Prints the append rate and, per phase, the frame work (update →
 * after-paint) and the frame intervals: p50, p99 and max. Run by hand, under a display:
 *
 *   tests/ui/run-under-xvfb build/tests/bench/log-view-bench [N] [B]
 */
#include "config.h"

#include <stdlib.h>

#include <gtk/gtk.h>

#include "authsim-log-view.h"

typedef struct
{
  AuthsimLog    *log;
  GtkWidget     *view;
  GtkAdjustment *vadjustment;
  guint          n_events;
  guint          burst;
  guint          appended;
  gint64         append_usec;
  gint64         phase_start;
  gint64         frame_start;
  gint64         last_frame;
  GArray        *work;       /* gint64 µs per frame: update → after-paint */
  GArray        *intervals;  /* gint64 µs between frames */
  int            phase;      /* 0 append, 1 settle, 2 jump, 3 wheel, 4 done */
  guint          settle;
  guint          wheel_frames;
  gboolean       done;
} Bench;

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
print_stats (const char *name,
             GArray     *values)
{
  gint64 p50, p99, max;

  if (values->len == 0)
    {
      g_print ("  %-16s no frames\n", name);
      return;
    }
  g_array_sort (values, compare_int64);
  p50 = g_array_index (values, gint64, values->len / 2);
  p99 = g_array_index (values, gint64, MIN (values->len - 1, values->len * 99 / 100));
  max = g_array_index (values, gint64, values->len - 1);
  g_print ("  %-16s frames %5u  p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms\n", name,
           values->len, p50 / 1000.0, p99 / 1000.0, max / 1000.0);
}

static void
end_phase (Bench      *bench,
           const char *title)
{
  g_print ("%s (%.2f s)\n", title, (g_get_monotonic_time () - bench->phase_start) / 1e6);
  print_stats ("frame work", bench->work);
  print_stats ("frame interval", bench->intervals);
  g_array_set_size (bench->work, 0);
  g_array_set_size (bench->intervals, 0);
  bench->last_frame = 0;
  bench->phase_start = g_get_monotonic_time ();
}

static void
on_update (GdkFrameClock *clock,
           Bench         *bench)
{
  bench->frame_start = g_get_monotonic_time ();
}

static void
on_after_paint (GdkFrameClock *clock,
                Bench         *bench)
{
  gint64 now = g_get_monotonic_time ();
  gint64 work = now - bench->frame_start;

  if (bench->frame_start != 0)
    g_array_append_val (bench->work, work);
  if (bench->last_frame != 0)
    {
      gint64 interval = now - bench->last_frame;

      g_array_append_val (bench->intervals, interval);
    }
  bench->last_frame = now;
}

static gboolean
tick (GtkWidget     *widget,
      GdkFrameClock *clock,
      gpointer       user_data)
{
  Bench *bench = user_data;
  AuthsimLog *log = bench->log;

  if (bench->phase == 0)
    {
      gint64 start = g_get_monotonic_time ();

      for (guint i = 0; i < bench->burst && bench->appended < bench->n_events; i++)
        {
          JsonObject *fields = json_object_new ();
          JsonObject *payload = json_object_new ();

          json_object_set_int_member (payload, "error", 11);
          json_object_set_string_member (payload, "errorMessage", "用户取消授权");
          json_object_set_string_member (fields, "callback", i % 2 ? "fail" : "complete");
          json_object_set_object_member (fields, "payload", payload);
          authsim_log_append (log, bench->appended / 6 + 1, "callback", fields);
          bench->appended++;
        }
      bench->append_usec += g_get_monotonic_time () - start;

      if (bench->appended >= bench->n_events)
        {
          g_print ("appended %u events in bursts of %u: %.0f events/s (append calls only)\n",
                   bench->appended, bench->burst,
                   bench->appended / (bench->append_usec / 1e6));
          end_phase (bench, "phase 1: appending, following the newest row");
          bench->phase = 1;
        }
      return G_SOURCE_CONTINUE;
    }

  if (bench->phase == 1)
    {
      /* Let the last rows be laid out, then go to the top (the list keeps its anchor when
       * the value changes in the frame that lays out new rows). */
      if (++bench->settle == 3)
        gtk_adjustment_set_value (bench->vadjustment, 0);
      else if (bench->settle > 3 && gtk_adjustment_get_value (bench->vadjustment) == 0)
        {
          g_array_set_size (bench->work, 0);
          g_array_set_size (bench->intervals, 0);
          bench->phase_start = g_get_monotonic_time ();
          bench->phase = 2;
        }
      return G_SOURCE_CONTINUE;
    }

  if (bench->phase == 2)
    {
      double value = gtk_adjustment_get_value (bench->vadjustment);
      double page = gtk_adjustment_get_page_size (bench->vadjustment);
      double upper = gtk_adjustment_get_upper (bench->vadjustment);

      if (value + page >= upper - 1)
        {
          end_phase (bench, "phase 2: jumping top to bottom, 1/500 of the list per frame");
          bench->phase = 3;
          return G_SOURCE_CONTINUE;
        }
      /* Big steps: a page per frame would take minutes; 1/500 of the list per frame. */
      gtk_adjustment_set_value (bench->vadjustment, value + MAX (page, upper / 500));
      return G_SOURCE_CONTINUE;
    }

  if (bench->phase == 3)
    {
      /* Like a mouse wheel: about three rows up per frame. */
      if (++bench->wheel_frames > 300)
        {
          end_phase (bench, "phase 3: wheel-like scrolling up, ~100 px per frame");
          bench->phase = 4;
          bench->done = TRUE;
          return G_SOURCE_REMOVE;
        }
      gtk_adjustment_set_value (bench->vadjustment,
                                gtk_adjustment_get_value (bench->vadjustment) - 100);
    }

  return G_SOURCE_CONTINUE;
}

static GtkWidget *
find_scrolled_window (GtkWidget *widget)
{
  if (GTK_IS_SCROLLED_WINDOW (widget) &&
      GTK_IS_COLUMN_VIEW (gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (widget))))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_scrolled_window (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AuthsimLog) log = NULL;
  Bench bench = { 0 };
  GtkWindow *window;
  GtkWidget *scrolled;
  GdkFrameClock *clock;

  gtk_init ();

  log = authsim_log_new ();
  bench.log = log;
  bench.n_events = argc > 1 ? (guint) atoi (argv[1]) : 100000;
  bench.burst = argc > 2 ? (guint) atoi (argv[2]) : 1000;
  bench.work = g_array_new (FALSE, FALSE, sizeof (gint64));
  bench.intervals = g_array_new (FALSE, FALSE, sizeof (gint64));

  window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (window, 1000, 700);
  bench.view = authsim_log_view_new (bench.log);
  gtk_window_set_child (window, bench.view);
  gtk_window_present (window);

  /* The scrolled window of the column view. */
  scrolled = find_scrolled_window (bench.view);
  g_assert (scrolled != NULL);
  bench.vadjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));

  while (!gtk_widget_get_mapped (GTK_WIDGET (window)))
    g_main_context_iteration (NULL, TRUE);
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  g_signal_connect (clock, "update", G_CALLBACK (on_update), &bench);
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &bench);

  bench.phase_start = g_get_monotonic_time ();
  gtk_widget_add_tick_callback (bench.view, tick, &bench, NULL);

  while (!bench.done)
    g_main_context_iteration (NULL, TRUE);

  g_signal_handlers_disconnect_by_data (clock, &bench);
  gtk_window_destroy (window);
  g_array_unref (bench.work);
  g_array_unref (bench.intervals);
  return 0;
}
