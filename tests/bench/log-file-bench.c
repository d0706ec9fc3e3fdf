/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * log-file-bench.c: the window over a log file of a million events (performance issue, "A
 * file-backed log model"). One command, under a display and a session bus:
 *
 *   ninja -C build tests/bench/log-file-bench
 *   tests/ui/run-under-xvfb build/tests/bench/log-file-bench [EVENTS] [RUNS]
 *
 * (`log-file-bench --generate FILE [EVENTS]` only writes the file; `log-file-bench --probe
 * AUTHSIM-OPTIONS…` is one measured run, e.g. under perf.)
 *
 * It writes a JSON Lines file of EVENTS events (default 1,000,000: calls with their popup,
 * decision, callbacks and gateway requests, as the app logs them) with AuthsimLog, then starts
 * the real application (this program again, with --probe: AuthsimApplication, window, backend
 * and gateway exactly as `authsim` runs them, plus probes) RUNS times (default 5) on an empty
 * log and on that file, alternately, in the same display, session bus and data directory (keys
 * made by a first, unmeasured run). Each run reports:
 *
 * - first-frame: exec → the end of the window's first frame (the parent's clock before
 *   spawning, the child's after its first after-paint; CLOCK_MONOTONIC both);
 * - indexed: exec → the end of the background indexing of the file (the view's progress gone);
 * - rss: VmRSS once indexed and idle (1 s), and again after the scroll phases;
 * - on the file only: "jump" (300 frames, each showing rows at a random place of the whole
 *   list) and "scroll" (300 frames of ~100 px, like a mouse wheel), the frame work (frame
 *   clock update → after-paint, wall clock), the main thread's CPU time in it (the same
 *   without the time other processes took: the test machine is shared) and the intervals; "filter": Filter by call, for the
 *   call of the middle row, from the call to the rows being in the view, then back to all.
 *
 * Then it prints each figure beside its target: RSS above the empty window <= 40 MB; first frame
 * on the file <= 1.3x the empty one; frame work p99 <= 16.7 ms; filter <= 200 ms. (Keeping up with
 * the gateway at full speed: tests/bench/run-ui-under-load.)
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authsim-application.h"
#include "authsim-log-view.h"
#include "authsim-options.h"

#define JUMP_FRAMES 300
#define SCROLL_FRAMES 300
#define SETTLE_USEC (1 * G_USEC_PER_SEC)

/* Statistics ---------------------------------------------------------------------------------- */

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* The @percent percentile of @values (sorted in place), in ms. */
static double
percentile_ms (GArray *values,
               guint   percent)
{
  if (values->len == 0)
    return 0.0;
  g_array_sort (values, compare_int64);
  return g_array_index (values, gint64, MIN (values->len - 1, values->len * percent / 100))
         / 1000.0;
}

static long
resident_kib (void)
{
  FILE *f = fopen ("/proc/self/status", "r");
  char line[256];
  long kib = 0;

  while (f != NULL && fgets (line, sizeof line, f) != NULL)
    if (strncmp (line, "VmRSS:", 6) == 0)
      sscanf (line + 6, "%ld", &kib);
  if (f != NULL)
    fclose (f);
  return kib;
}

/* The probe: the application with measurements ------------------------------------------------ */

typedef enum
{
  STEP_FIRST_FRAME,
  STEP_INDEXING,
  STEP_SETTLE,
  STEP_JUMP,
  STEP_SCROLL,
  STEP_FILTER,
  STEP_UNFILTER,
  STEP_DONE,
} Step;

typedef struct
{
  AuthsimApplication *app;
  GtkWidget          *window;
  AuthsimLogView     *view;
  GtkAdjustment      *vadjustment;
  gint64              exec_usec;
  Step                step;
  gint64              step_start;
  guint               frames;
  gint64              frame_start;
  gint64              frame_cpu_start;
  gint64              last_frame;
  GArray             *work;
  GArray             *cpu;       /* the main thread's CPU time per frame (update → after-paint) */
  GArray             *intervals;
  GRand              *rand;
} Probe;

static Probe probe;

/* µs of CPU the calling thread has used: frame work without the time other processes took
 * the core (the machine this runs on is shared). */
static gint64
thread_cpu_usec (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static void
print_frames (const char *name)
{
  g_print ("%s-work-p50 %.2f\n%s-work-p99 %.2f\n", name, percentile_ms (probe.work, 50), name,
           percentile_ms (probe.work, 99));
  g_print ("%s-cpu-p50 %.2f\n%s-cpu-p99 %.2f\n", name, percentile_ms (probe.cpu, 50), name,
           percentile_ms (probe.cpu, 99));
  g_print ("%s-interval-p99 %.2f\n", name, percentile_ms (probe.intervals, 99));
  g_array_set_size (probe.work, 0);
  g_array_set_size (probe.cpu, 0);
  g_array_set_size (probe.intervals, 0);
}

static void
next_step (Step step)
{
  probe.step = step;
  probe.step_start = g_get_monotonic_time ();
  probe.frames = 0;
  g_array_set_size (probe.work, 0);
  g_array_set_size (probe.cpu, 0);
  g_array_set_size (probe.intervals, 0);
}

static GtkWidget *
find_log_view (GtkWidget *widget)
{
  if (AUTHSIM_IS_LOG_VIEW (widget))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_log_view (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkAdjustment *
find_vadjustment (GtkWidget *widget)
{
  if (GTK_IS_SCROLLED_WINDOW (widget) &&
      GTK_IS_COLUMN_VIEW (gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (widget))))
    return gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (widget));
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkAdjustment *found = find_vadjustment (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static guint
n_rows (void)
{
  return g_list_model_get_n_items (G_LIST_MODEL (authsim_log_view_get_model (probe.view)));
}

static gboolean
launched (void)
{
  AuthsimBackend *backend = authsim_application_get_backend (probe.app);

  return backend != NULL &&
         g_list_model_get_n_items (G_LIST_MODEL (authsim_backend_get_log (backend))) > 0;
}

/* Filter by the call of the middle row; the step ends when its rows are in the view. */
static void
start_filter (void)
{
  g_autoptr(AuthsimEvent) middle = NULL;
  guint n = n_rows ();

  for (guint i = n / 2; i < n && middle == NULL; i++)
    {
      g_autoptr(AuthsimEvent) event =
        g_list_model_get_item (G_LIST_MODEL (authsim_log_view_get_model (probe.view)), i);

      if (authsim_event_get_call (event) != 0)
        middle = g_steal_pointer (&event);
    }
  next_step (STEP_FILTER);
  authsim_log_view_set_call_filter (probe.view, middle != NULL ? authsim_event_get_call (middle)
                                                                : 1);
}

static void
on_update (GdkFrameClock *clock,
           gpointer       user_data)
{
  probe.frame_start = g_get_monotonic_time ();
  probe.frame_cpu_start = thread_cpu_usec ();
}

/* What each step does in a frame; called after it is painted. */
static void
step_frame (gint64 now)
{
  switch (probe.step)
    {
    case STEP_FIRST_FRAME:
      g_print ("first-frame %.2f\n", (now - probe.exec_usec) / 1000.0);
      next_step (STEP_INDEXING);
      break;
    case STEP_INDEXING:
      if (authsim_log_view_get_progress_text (probe.view) == NULL)
        {
          g_print ("indexed %.2f\nrows %u\n", (now - probe.exec_usec) / 1000.0, n_rows ());
          next_step (STEP_SETTLE);
        }
      break;
    case STEP_SETTLE:
      /* Idle for a second after the launch reached the log (the backend is up: keys made,
       * the mini program launched), as a user would find the window. */
      if (now - probe.step_start >= SETTLE_USEC && launched ())
        {
          g_print ("rss-idle-kib %ld\n", resident_kib ());
          next_step (n_rows () > 1000 ? STEP_JUMP : STEP_DONE);
        }
      break;
    case STEP_JUMP:
    case STEP_SCROLL:
      {
        double upper = gtk_adjustment_get_upper (probe.vadjustment);
        double page = gtk_adjustment_get_page_size (probe.vadjustment);
        double value = gtk_adjustment_get_value (probe.vadjustment);

        if (++probe.frames > (probe.step == STEP_JUMP ? JUMP_FRAMES : SCROLL_FRAMES))
          {
            print_frames (probe.step == STEP_JUMP ? "jump" : "scroll");
            if (probe.step == STEP_JUMP)
              {
                next_step (STEP_SCROLL);
                gtk_adjustment_set_value (probe.vadjustment, (upper - page) / 2);
              }
            else
              {
                g_print ("rss-scrolled-kib %ld\n", resident_kib ());
                start_filter ();
              }
          }
        else if (probe.step == STEP_JUMP)
          gtk_adjustment_set_value (probe.vadjustment,
                                    g_rand_double_range (probe.rand, 0, upper - page));
        else
          gtk_adjustment_set_value (probe.vadjustment, value + 100);
      }
      break;
    case STEP_FILTER:
    case STEP_UNFILTER:
      if (authsim_log_view_get_progress_text (probe.view) == NULL && n_rows () > 0)
        {
          g_print ("%s %.2f\n%s-rows %u\n", probe.step == STEP_FILTER ? "filter" : "unfilter",
                   (now - probe.step_start) / 1000.0,
                   probe.step == STEP_FILTER ? "filter" : "unfilter", n_rows ());
          if (probe.step == STEP_FILTER)
            {
              next_step (STEP_UNFILTER);
              authsim_log_view_set_call_filter (probe.view, 0);
            }
          else
            next_step (STEP_DONE);
        }
      break;
    case STEP_DONE:
    default:
      fflush (stdout);
      g_application_quit (G_APPLICATION (probe.app));
      break;
    }
}

static void
on_after_paint (GdkFrameClock *clock,
                gpointer       user_data)
{
  gint64 now = g_get_monotonic_time ();

  if (probe.frame_start != 0)
    {
      gint64 work = now - probe.frame_start;
      gint64 cpu = thread_cpu_usec () - probe.frame_cpu_start;

      g_array_append_val (probe.work, work);
      g_array_append_val (probe.cpu, cpu);
    }
  if (probe.last_frame != 0)
    {
      gint64 interval = now - probe.last_frame;

      g_array_append_val (probe.intervals, interval);
    }
  probe.last_frame = now;
  step_frame (now);
}

/* Keeps the frame clock running, so that each step gets one call per frame. */
static gboolean
tick (GtkWidget     *widget,
      GdkFrameClock *clock,
      gpointer       user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
on_realize (GtkWidget *window,
            gpointer   user_data)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);

  g_signal_connect (clock, "update", G_CALLBACK (on_update), NULL);
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), NULL);
}

static void
on_window_added (GtkApplication *app,
                 GtkWindow      *window,
                 gpointer        user_data)
{
  if (probe.window != NULL)
    return;

  probe.window = GTK_WIDGET (window);
  probe.view = AUTHSIM_LOG_VIEW (find_log_view (probe.window));
  probe.vadjustment = find_vadjustment (probe.window);
  g_assert (probe.view != NULL && probe.vadjustment != NULL);
  if (gtk_widget_get_realized (probe.window))
    on_realize (probe.window, NULL);
  else
    g_signal_connect (probe.window, "realize", G_CALLBACK (on_realize), NULL);
  gtk_widget_add_tick_callback (probe.window, tick, NULL, NULL);
}

static int
run_probe (int   argc,
           char *argv[])
{
  g_autoptr(AuthsimOptions) options = authsim_options_new ();
  g_autoptr(AuthsimApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  const char *exec = g_getenv ("AUTHSIM_LOG_BENCH_EXEC_USEC");
  int status;

  probe.exec_usec = exec != NULL ? g_ascii_strtoll (exec, NULL, 10) : g_get_monotonic_time ();
  probe.work = g_array_new (FALSE, FALSE, sizeof (gint64));
  probe.cpu = g_array_new (FALSE, FALSE, sizeof (gint64));
  probe.intervals = g_array_new (FALSE, FALSE, sizeof (gint64));
  probe.rand = g_rand_new_with_seed (42);

  /* As app/main.c does. */
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("authsim");
  if (!authsim_options_parse (options, &argc, &argv, &error))
    {
      g_printerr ("log-file-bench: %s\n", error->message);
      return 2;
    }

  app = authsim_application_new (g_steal_pointer (&options));
  probe.app = app;
  g_signal_connect (app, "window-added", G_CALLBACK (on_window_added), NULL);
  if (!g_application_register (G_APPLICATION (app), NULL, &error) ||
      g_application_get_is_remote (G_APPLICATION (app)))
    {
      g_printerr ("log-file-bench: cannot register: %s\n",
                  error != NULL ? error->message : "AuthSim already runs on this bus");
      return 1;
    }
  status = g_application_run (G_APPLICATION (app), argc, argv);
  g_array_unref (probe.work);
  g_array_unref (probe.cpu);
  g_array_unref (probe.intervals);
  g_rand_free (probe.rand);
  return status;
}

/* The driver ---------------------------------------------------------------------------------- */

/* The events of one call, with the fields the app logs (SPEC §8), and its gateway request. */
static void
append_call (AuthsimLog *log,
             guint       call)
{
  JsonObject *fields = json_object_new ();
  JsonObject *payload;

  json_object_set_member (fields, "params", json_from_string ("{\"scopes\":\"auth_user\"}", NULL));
  json_object_set_string_member (fields, "trigger", "tap");
  json_object_set_string_member (fields, "container", "mini-program");
  json_object_set_string_member (fields, "page", "pages/index/index");
  json_object_set_string_member (fields, "appId", "2021000000000001");
  json_object_set_string_member (fields, "userId", "2088102164830201");
  json_object_set_boolean_member (fields, "firstScreen", FALSE);
  authsim_log_append (log, call, "call", fields);

  fields = json_object_new ();
  json_object_set_string_member (fields, "event", "open");
  json_object_set_string_member (fields, "scopes", "auth_user");
  authsim_log_append (log, call, "popup", fields);

  fields = json_object_new ();
  json_object_set_string_member (fields, "decision", "allow");
  json_object_set_string_member (fields, "source", "ui");
  authsim_log_append (log, call, "decision", fields);

  for (guint i = 0; i < 2; i++)
    {
      fields = json_object_new ();
      payload = json_object_new ();
      json_object_set_string_member (payload, "authCode", "d5e7f3c2a1b04e8f9c6d2b1a0e3f4c5d");
      json_object_set_array_member (payload, "authSuccessScopes",
                                    json_array_sized_new (0));
      json_object_set_object_member (payload, "authErrorScopes", json_object_new ());
      json_object_set_string_member (fields, "callback", i == 0 ? "success" : "complete");
      json_object_set_object_member (fields, "payload", payload);
      authsim_log_append (log, call, "callback", fields);
    }

  fields = json_object_new ();
  json_object_set_string_member (fields, "event", "request");
  json_object_set_string_member (fields, "method", "alipay.system.oauth.token");
  json_object_set_string_member (fields, "version", "v2");
  json_object_set_string_member (fields, "code", "10000");
  json_object_set_null_member (fields, "sub_code");
  json_object_set_int_member (fields, "status", 200);
  authsim_log_append (log, call, "gateway", fields);
}

static void
generate (const char *path,
          guint       n_events)
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  GStatBuf st;

  if (!authsim_log_set_file (log, path, &error))
    g_error ("%s", error->message);
  for (guint call = 1; authsim_log_get_n_appended (log) < n_events; call++)
    append_call (log, call);
  g_stat (path, &st);
  g_print ("generated %u events (%.0f MB) in %.1f s\n", authsim_log_get_n_appended (log),
           st.st_size / 1e6, (g_get_monotonic_time () - start) / 1e6);
}

/* Runs the probe on @log_path; its "key value" lines into @figures (a GHashTable). */
static GHashTable *
run_child (const char *self,
           const char *data_dir,
           const char *log_path)
{
  g_autofree char *exec = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_monotonic_time ());
  const char *argv[] = { self, "--probe", "--log", log_path, "--data-dir", data_dir,
                         "--gateway-port", "0", NULL };
  g_auto(GStrv) env = g_environ_setenv (g_get_environ (), "AUTHSIM_LOG_BENCH_EXEC_USEC", exec,
                                        TRUE);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *figures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  int status;

  if (!g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                     &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    g_error ("the probe failed: %s\n%s", error->message, err != NULL ? err : "");

  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *space = strchr (lines[i], ' ');

      if (space != NULL)
        g_hash_table_insert (figures, g_strndup (lines[i], space - lines[i]),
                             g_strdup (space + 1));
    }
  return figures;
}

static double
figure (GHashTable *figures,
        const char *key)
{
  const char *value = g_hash_table_lookup (figures, key);

  return value != NULL ? g_ascii_strtod (value, NULL) : -1.0;
}

static double
median (GArray *values)
{
  g_array_sort (values, compare_int64);
  return values->len > 0 ? g_array_index (values, gint64, values->len / 2) / 1000.0 : 0.0;
}

static void
add_ms (GArray *values,
        double  ms)
{
  gint64 usec = (gint64) (ms * 1000.0);

  g_array_append_val (values, usec);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static int
run_driver (const char *self,
            guint       n_events,
            guint       runs)
{
  g_autofree char *dir = g_dir_make_tmp ("authsim-log-bench-XXXXXX", NULL);
  g_autofree char *data_dir = g_build_filename (dir, "data", NULL);
  g_autofree char *big = g_build_filename (dir, "big.jsonl", NULL);
  g_autofree char *empty = g_build_filename (dir, "empty.jsonl", NULL);
  g_autoptr(GArray) empty_first = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) big_first = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) indexed = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) empty_rss = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GHashTable) last = NULL;
  double rss_above, ratio;

  generate (big, n_events);
  g_hash_table_unref (run_child (self, data_dir, empty));  /* keys, store: made once */

  for (guint i = 0; i < runs; i++)
    {
      g_autoptr(GHashTable) e = NULL;

      g_unlink (empty);
      e = run_child (self, data_dir, empty);
      add_ms (empty_first, figure (e, "first-frame"));
      add_ms (empty_rss, figure (e, "rss-idle-kib"));
      g_clear_pointer (&last, g_hash_table_unref);
      last = run_child (self, data_dir, big);
      add_ms (big_first, figure (last, "first-frame"));
      add_ms (indexed, figure (last, "indexed"));
      g_print ("run %u: first frame %.1f ms empty, %.1f ms on the file (indexed at %.0f ms)\n",
               i + 1, figure (e, "first-frame"), figure (last, "first-frame"),
               figure (last, "indexed"));
    }

  rss_above = (MAX (figure (last, "rss-idle-kib"), figure (last, "rss-scrolled-kib")) -
               median (empty_rss)) / 1024.0;
  ratio = median (big_first) / MAX (median (empty_first), 0.001);
  g_print ("\nlog-file-bench: %.0f rows (a file of %u events and this launch's), "
           "medians of %u runs\n", figure (last, "rows"), n_events, runs);
  g_print ("  %-46s %-26s %s\n", "", "figure", "target");
  g_print ("  %-46s %6.1f MB (idle %.1f, scrolled %.1f) %s\n", "RSS above the empty window",
           rss_above, (figure (last, "rss-idle-kib") - median (empty_rss)) / 1024.0,
           (figure (last, "rss-scrolled-kib") - median (empty_rss)) / 1024.0, "<= 40 MB");
  g_print ("  %-46s %6.2fx (%.0f / %.0f ms)        <= 1.3x\n", "first frame, the file / empty log",
           ratio, median (big_first), median (empty_first));
  g_print ("  %-46s %6.0f ms                  (progress shown meanwhile)\n",
           "all rows indexed (exec ->)", median (indexed));
  g_print ("  %-46s %6.2f ms (p50 %.2f)         <= 16.7 ms\n", "jump to any row: frame work p99",
           figure (last, "jump-work-p99"), figure (last, "jump-work-p50"));
  g_print ("  %-46s %6.2f ms (p50 %.2f)         <= 16.7 ms\n", "scroll: frame work p99",
           figure (last, "scroll-work-p99"), figure (last, "scroll-work-p50"));
  g_print ("  %-46s %6.2f / %.2f ms (p50 %.2f / %.2f)\n",
           "main thread CPU per frame p99, jump / scroll", figure (last, "jump-cpu-p99"),
           figure (last, "scroll-cpu-p99"), figure (last, "jump-cpu-p50"),
           figure (last, "scroll-cpu-p50"));
  g_print ("  %-46s %6.2f / %.2f ms\n", "frame interval p99, jump / scroll",
           figure (last, "jump-interval-p99"), figure (last, "scroll-interval-p99"));
  g_print ("  %-46s %6.1f ms (%.0f rows)            <= 200 ms\n",
           "filter by call over the whole file", figure (last, "filter"),
           figure (last, "filter-rows"));
  g_print ("  %-46s %6.1f ms\n", "back to all rows", figure (last, "unfilter"));

  remove_tree (dir);
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);

  if (argc > 1 && strcmp (argv[1], "--probe") == 0)
    {
      argv[1] = argv[0];
      return run_probe (argc - 1, argv + 1);
    }
  if (argc > 2 && strcmp (argv[1], "--generate") == 0)
    {
      generate (argv[2], argc > 3 ? (guint) atoi (argv[3]) : 1000000);
      return 0;
    }
  return run_driver (self, argc > 1 ? (guint) atoi (argv[1]) : 1000000,
                     argc > 2 ? (guint) atoi (argv[2]) : 5);
}
