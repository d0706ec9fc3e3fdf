/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-log-private.h: what the log (authsim-log.c), its file model (authsim-log-model.c)
 * and its call filter share about JSON Lines files (authsim-log-lines.c): reading lines back,
 * an index of where lines start, and a small cache of the events made from them.
 */
#pragma once

#include "authsim-event.h"

G_BEGIN_DECLS

/* Where a row's line is: a byte offset (56 bits) in one of the log's sources (the top 8 bits:
 * 0 its memory spool, then each file it has written). */
#define AUTHSIM_LOG_OFFSET_BITS 56
#define AUTHSIM_LOG_LOCATION(source, offset) \
  (((guint64) (source) << AUTHSIM_LOG_OFFSET_BITS) | (guint64) (offset))
#define AUTHSIM_LOG_LOCATION_SOURCE(location) ((guint) ((location) >> AUTHSIM_LOG_OFFSET_BITS))
#define AUTHSIM_LOG_LOCATION_OFFSET(location) \
  ((location) & ((G_GUINT64_CONSTANT (1) << AUTHSIM_LOG_OFFSET_BITS) - 1))
#define AUTHSIM_LOG_MAX_SOURCES 256

/* (authsim-event.c) An event the log has just written: takes @time and @json. */
AuthsimEvent *authsim_event_new_written   (guint64     seq,
                                           char       *time,
                                           guint       call,
                                           const char *kind,
                                           const char *callback,
                                           char       *json);

/* Lines ------------------------------------------------------------------------------------ */

/* Whether @line is an event (a strict JSON object with a string "kind"); its "seq" and "call"
 * (0 when absent or not a positive integer in range). Our own lines take a fast path. */
gboolean authsim_log_line_examine (const char *line,
                                   gsize       length,
                                   guint64    *seq,
                                   guint      *call);
/* Appends to @out the line that starts at @offset of @fd, without its newline (nor a '\r'
 * before it): up to the end of the file when it has none. */
gboolean authsim_log_read_line    (int          fd,
                                   guint64      offset,
                                   GString     *out,
                                   GError     **error);
/* The seq of the last event among the complete lines of the first @size bytes of @fd (a line
 * not ended by a newline, torn by a crash, does not count), 0 when none is found in the last
 * few megabytes. */
guint64  authsim_log_find_last_seq (int         fd,
                                    guint64     size);
/* Appends @line (at @offset of @path, NULL for this session's events) as one line of an
 * export: as it is when it is an event, else the JSON of its error row (so an export is valid
 * JSON Lines whatever the file holds). */
void     authsim_log_append_export_line (GString    *out,
                                         const char *line,
                                         gsize       length,
                                         const char *path,
                                         guint64     offset);

/* The index ---------------------------------------------------------------------------------- */

/* Where each line starts and its call (0 for none, and for a line that is not an event): 12
 * bytes a line, so a million events cost 12 MB. */
typedef struct
{
  GArray *offsets;   /* guint64 */
  GArray *calls;     /* guint */
} AuthsimLogIndex;

AuthsimLogIndex *authsim_log_index_new  (void);
void             authsim_log_index_free (AuthsimLogIndex *index);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AuthsimLogIndex, authsim_log_index_free)

/* Called from the indexing thread now and then: @done of @total bytes. */
typedef void (*AuthsimLogIndexProgress) (guint64  done,
                                         guint64  total,
                                         gpointer user_data);
/* Indexes the lines of bytes [@start, @end) of @fd (the last one ends at @end or with a
 * newline). Empty lines are skipped. */
gboolean authsim_log_index_file (AuthsimLogIndex         *index,
                                 int                      fd,
                                 guint64                  start,
                                 guint64                  end,
                                 GCancellable            *cancellable,
                                 AuthsimLogIndexProgress  progress,
                                 gpointer                 progress_data,
                                 GError                 **error);
/* (transfer full): the distinct non-zero values of @calls, sorted. */
GArray  *authsim_log_distinct_calls (const guint *calls,
                                     gsize        n);

/* The row cache ---------------------------------------------------------------------------- */

/* The events made from the most recently asked rows, and every row's event still alive
 * elsewhere (weakly), so a row is one object while anyone holds it. One thread only. */
typedef struct _AuthsimRowCache AuthsimRowCache;

AuthsimRowCache *authsim_row_cache_new    (void);
void             authsim_row_cache_free   (AuthsimRowCache *cache);
/* (transfer full) (nullable) */
AuthsimEvent    *authsim_row_cache_lookup (AuthsimRowCache *cache,
                                           guint            row);
void             authsim_row_cache_insert (AuthsimRowCache *cache,
                                           guint            row,
                                           AuthsimEvent    *event);
void             authsim_row_cache_clear  (AuthsimRowCache *cache);

G_END_DECLS
