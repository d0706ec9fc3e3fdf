/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * log-memory: what one log event costs in memory. Appends N gateway "request" events (the
 * fields the gateway logs) to a log, then asks each event for its object, and prints the
 * resident memory each step added, per event. With FILE the log is backed by that file (what
 * the app does: the model keeps where each line starts, rows are read back when asked for);
 * without, every line is kept in memory (a log without a file).
 *
 * Usage: log-memory [N [FILE]]   (default 100000, no file)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authsim-log.h"

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

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AuthsimLog) log = authsim_log_new ();
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 100000;
  long before, as_text, with_objects;

  if (argc > 2 && !authsim_log_set_file (log, argv[2], NULL))
    return 1;
  before = resident_kib ();
  for (guint i = 0; i < n; i++)
    {
      JsonObject *fields = json_object_new ();

      json_object_set_string_member (fields, "event", "request");
      json_object_set_string_member (fields, "method", "alipay.system.oauth.token");
      json_object_set_string_member (fields, "version", "v2");
      json_object_set_string_member (fields, "code", "10000");
      json_object_set_null_member (fields, "sub_code");
      json_object_set_int_member (fields, "status", 200);
      authsim_log_append (log, i + 1, "gateway", fields);
    }
  as_text = resident_kib ();

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AuthsimEvent) event = g_list_model_get_item (G_LIST_MODEL (log), i);

      authsim_event_get_object (event);
    }
  with_objects = resident_kib ();

  printf ("%u events: %.0f bytes each as appended, %.0f bytes each once their objects are "
          "parsed\n", n, (as_text - before) * 1024.0 / MAX (n, 1),
          (with_objects - before) * 1024.0 / MAX (n, 1));
  return 0;
}
