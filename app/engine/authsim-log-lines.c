/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-log-lines.c: the log's JSON Lines file read back. The file is append-only and may be
 * large (a million events is ~300 MB), so it is never loaded: lines are found by an index of
 * where each starts, read when shown, and made into events kept in a small cache. A line that
 * is not an event (torn by a crash, edited) is an error row, never an abort.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "authsim-json.h"
#include "authsim-log-private.h"
#include "authsim-types.h"

/* Reads of the index go by this much; reading back a line, by READ_CHUNK. */
#define INDEX_BLOCK (1024 * 1024)
#define READ_CHUNK 4096
/* How far from the end the last seq is looked for. */
#define LAST_SEQ_FIRST_WINDOW (64 * 1024)
#define LAST_SEQ_MAX_WINDOW (16 * 1024 * 1024)
/* The row cache: strong references to the last rows asked. */
#define RING_SIZE 256

/* Lines ------------------------------------------------------------------------------------ */

/* The unsigned integer @text (@length bytes, digits only) if it is at most @max, else 0. */
static guint64
parse_unsigned (const char *text,
                gsize       length,
                guint64     max)
{
  guint64 value = 0;

  if (length == 0 || length > 20)
    return 0;
  for (gsize i = 0; i < length; i++)
    {
      guint digit;

      if (!g_ascii_isdigit (text[i]))
        return 0;
      digit = (guint) (text[i] - '0');
      if (value > (max - digit) / 10)
        return 0;
      value = value * 10 + digit;
    }
  return value;
}

/* Skips "<literal>" at *p; FALSE when it is not there. */
static gboolean
expect (const char **p,
        const char  *end,
        const char  *literal)
{
  gsize length = strlen (literal);

  if ((gsize) (end - *p) < length || memcmp (*p, literal, length) != 0)
    return FALSE;
  *p += length;
  return TRUE;
}

/* Digits at *p, skipped; their value or 0. */
static guint64
take_unsigned (const char **p,
               const char  *end,
               guint64      max)
{
  const char *start = *p;

  while (*p < end && g_ascii_isdigit (**p))
    (*p)++;
  return parse_unsigned (start, *p - start, max);
}

/* The header authsim_log_append() writes: {"seq":N,"time":"…","call":N|null,"kind":"… */
static gboolean
examine_own_header (const char *line,
                    gsize       length,
                    guint64    *seq,
                    guint      *call)
{
  const char *p = line, *end = line + length;

  if (!expect (&p, end, "{\"seq\":"))
    return FALSE;
  *seq = take_unsigned (&p, end, G_MAXUINT64);
  if (!expect (&p, end, ",\"time\":\""))
    return FALSE;
  while (p < end && *p != '"')
    p++;
  if (!expect (&p, end, "\",\"call\":"))
    return FALSE;
  *call = expect (&p, end, "null") ? 0 : (guint) take_unsigned (&p, end, G_MAXUINT);
  return expect (&p, end, ",\"kind\":\"");
}

gboolean
authsim_log_line_examine (const char *line,
                          gsize       length,
                          guint64    *seq,
                          guint      *call)
{
  const char *value;
  gsize value_length;

  *seq = 0;
  *call = 0;
  if (!authsim_json_is_valid (line, length))
    return FALSE;
  if (examine_own_header (line, length, seq, call))
    return TRUE;

  /* Any other object with a string "kind". */
  *seq = 0;
  *call = 0;
  if (!authsim_json_find_member (line, length, "kind", &value, &value_length) ||
      value[0] != '"')
    return FALSE;
  if (authsim_json_find_member (line, length, "seq", &value, &value_length))
    *seq = parse_unsigned (value, value_length, G_MAXUINT64);
  if (authsim_json_find_member (line, length, "call", &value, &value_length))
    *call = (guint) parse_unsigned (value, value_length, G_MAXUINT);
  return TRUE;
}

static void
set_read_error (GError **error,
                int      errsv)
{
  g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO,
               _("Could not read the log file: %s"), g_strerror (errsv));
}

static gssize
pread_retry (int      fd,
             char    *buffer,
             gsize    size,
             guint64  offset)
{
  gssize n;

  do
    n = pread (fd, buffer, size, (off_t) offset);
  while (n < 0 && errno == EINTR);
  return n;
}

gboolean
authsim_log_read_line (int       fd,
                       guint64   offset,
                       GString  *out,
                       GError  **error)
{
  char buffer[READ_CHUNK];

  for (;;)
    {
      gssize n = pread_retry (fd, buffer, sizeof buffer, offset);
      const char *newline;

      if (n < 0)
        {
          set_read_error (error, errno);
          return FALSE;
        }
      newline = memchr (buffer, '\n', n);
      g_string_append_len (out, buffer, newline != NULL ? newline - buffer : n);
      if (newline != NULL || n == 0)
        break;
      offset += n;
    }

  if (out->len > 0 && out->str[out->len - 1] == '\r')
    g_string_truncate (out, out->len - 1);
  return TRUE;
}

/* The seq of the last event among the complete lines of @data (@length bytes, starting at a
 * line's start when @whole), or 0. */
static guint64
last_seq_in (const char *data,
             gsize       length,
             gboolean    whole)
{
  const char *line_end = memrchr (data, '\n', length);

  while (line_end != NULL)
    {
      const char *previous = line_end > data ? memrchr (data, '\n', line_end - data) : NULL;
      const char *line = previous != NULL ? previous + 1 : data;
      guint64 seq;
      guint call;

      if (previous == NULL && !whole)
        break;  /* cut by the window: look again with a larger one */
      if (authsim_log_line_examine (line, line_end - line, &seq, &call) && seq > 0)
        return seq;
      line_end = previous;
    }
  return 0;
}

guint64
authsim_log_find_last_seq (int     fd,
                           guint64 size)
{
  for (guint64 window = LAST_SEQ_FIRST_WINDOW; ; window *= 2)
    {
      guint64 start = size > window ? size - window : 0;
      g_autofree char *data = g_malloc (size - start + 1);
      gssize n = pread_retry (fd, data, size - start, start);
      guint64 seq;

      if (n < 0 || (guint64) n != size - start)
        return 0;
      seq = last_seq_in (data, n, start == 0);
      if (seq > 0 || start == 0 || window >= LAST_SEQ_MAX_WINDOW)
        return seq;
    }
}

void
authsim_log_append_export_line (GString    *out,
                                const char *line,
                                gsize       length,
                                const char *path,
                                guint64     offset)
{
  guint64 seq;
  guint call;

  if (authsim_log_line_examine (line, length, &seq, &call))
    {
      g_string_append_len (out, line, length);
    }
  else
    {
      g_autoptr(AuthsimEvent) row = authsim_event_new_from_line (line, length, path, offset);

      g_string_append (out, authsim_event_get_json (row));
    }
  g_string_append_c (out, '\n');
}

/* The index ---------------------------------------------------------------------------------- */

AuthsimLogIndex *
authsim_log_index_new (void)
{
  AuthsimLogIndex *index = g_new0 (AuthsimLogIndex, 1);

  index->offsets = g_array_new (FALSE, FALSE, sizeof (guint64));
  index->calls = g_array_new (FALSE, FALSE, sizeof (guint));
  return index;
}

void
authsim_log_index_free (AuthsimLogIndex *index)
{
  if (index == NULL)
    return;
  g_array_unref (index->offsets);
  g_array_unref (index->calls);
  g_free (index);
}

static void
index_line (AuthsimLogIndex *index,
            const char      *line,
            gsize            length,
            guint64          offset)
{
  guint64 seq;
  guint call;

  if (length > 0 && line[length - 1] == '\r')
    length--;
  if (length == 0)
    return;
  if (!authsim_log_line_examine (line, length, &seq, &call))
    call = 0;
  g_array_append_val (index->offsets, offset);
  g_array_append_val (index->calls, call);
}

/* Indexes the complete lines of @block (read at @offset) and keeps what follows the last
 * newline in @carry (which held the start of the first line, from @carry_offset). */
static void
index_block (AuthsimLogIndex *index,
             const char      *block,
             gsize            length,
             guint64          offset,
             GString         *carry,
             guint64         *carry_offset)
{
  const char *p = block, *end = block + length;
  const char *newline;

  while ((newline = memchr (p, '\n', end - p)) != NULL)
    {
      if (carry->len > 0)
        {
          g_string_append_len (carry, p, newline - p);
          index_line (index, carry->str, carry->len, *carry_offset);
          g_string_truncate (carry, 0);
        }
      else
        {
          index_line (index, p, newline - p, offset + (p - block));
        }
      p = newline + 1;
      *carry_offset = offset + (p - block);
    }
  g_string_append_len (carry, p, end - p);
}

gboolean
authsim_log_index_file (AuthsimLogIndex         *index,
                        int                      fd,
                        guint64                  start,
                        guint64                  end,
                        GCancellable            *cancellable,
                        AuthsimLogIndexProgress  progress,
                        gpointer                 progress_data,
                        GError                 **error)
{
  g_autofree char *block = g_malloc (INDEX_BLOCK);
  g_autoptr(GString) carry = g_string_new (NULL);
  guint64 carry_offset = start;

  for (guint64 offset = start; offset < end;)
    {
      gssize n = pread_retry (fd, block, MIN (INDEX_BLOCK, end - offset), offset);

      if (n < 0)
        {
          set_read_error (error, errno);
          return FALSE;
        }
      if (n == 0)
        break;  /* the file shrank: index what there was */
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;

      index_block (index, block, n, offset, carry, &carry_offset);
      offset += n;
      if (progress != NULL)
        progress (offset - start, end - start, progress_data);
    }

  index_line (index, carry->str, carry->len, carry_offset);
  return TRUE;
}

static int
compare_calls (gconstpointer a,
               gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;

  return x < y ? -1 : x > y;
}

GArray *
authsim_log_distinct_calls (const guint *calls,
                            gsize        n)
{
  GArray *distinct = g_array_new (FALSE, FALSE, sizeof (guint));
  guint last = 0;
  guint kept = 0;

  /* Calls mostly come in increasing runs: drop repeats before sorting. */
  for (gsize i = 0; i < n; i++)
    if (calls[i] != 0 && calls[i] != last)
      {
        g_array_append_val (distinct, calls[i]);
        last = calls[i];
      }
  g_array_sort (distinct, compare_calls);

  for (guint i = 0; i < distinct->len; i++)
    if (kept == 0 || g_array_index (distinct, guint, i) != g_array_index (distinct, guint,
                                                                           kept - 1))
      g_array_index (distinct, guint, kept++) = g_array_index (distinct, guint, i);
  g_array_set_size (distinct, kept);
  return distinct;
}

/* The row cache ---------------------------------------------------------------------------- */

struct _AuthsimRowCache
{
  GHashTable   *weak;              /* row → GWeakRef* to its event */
  AuthsimEvent *ring[RING_SIZE];   /* the last rows asked, strongly */
  guint         next;
  guint         sweep_at;          /* table size at which dead entries are dropped */
};

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

AuthsimRowCache *
authsim_row_cache_new (void)
{
  AuthsimRowCache *cache = g_new0 (AuthsimRowCache, 1);

  cache->weak = g_hash_table_new_full (NULL, NULL, NULL, weak_ref_free);
  cache->sweep_at = 4 * RING_SIZE;
  return cache;
}

void
authsim_row_cache_clear (AuthsimRowCache *cache)
{
  for (guint i = 0; i < RING_SIZE; i++)
    g_clear_object (&cache->ring[i]);
  g_hash_table_remove_all (cache->weak);
}

void
authsim_row_cache_free (AuthsimRowCache *cache)
{
  if (cache == NULL)
    return;
  authsim_row_cache_clear (cache);
  g_hash_table_unref (cache->weak);
  g_free (cache);
}

static void
ring_push (AuthsimRowCache *cache,
           AuthsimEvent    *event)
{
  g_set_object (&cache->ring[cache->next], event);
  cache->next = (cache->next + 1) % RING_SIZE;
}

static gboolean
weak_ref_is_dead (gpointer key,
                  gpointer value,
                  gpointer user_data)
{
  g_autoptr(GObject) object = g_weak_ref_get (value);

  return object == NULL;
}

AuthsimEvent *
authsim_row_cache_lookup (AuthsimRowCache *cache,
                          guint            row)
{
  GWeakRef *weak = g_hash_table_lookup (cache->weak, GUINT_TO_POINTER (row));
  AuthsimEvent *event;

  if (weak == NULL)
    return NULL;
  event = g_weak_ref_get (weak);
  if (event == NULL)
    {
      g_hash_table_remove (cache->weak, GUINT_TO_POINTER (row));
      return NULL;
    }
  ring_push (cache, event);
  return event;
}

void
authsim_row_cache_insert (AuthsimRowCache *cache,
                          guint            row,
                          AuthsimEvent    *event)
{
  GWeakRef *weak = g_new0 (GWeakRef, 1);

  g_weak_ref_init (weak, event);
  g_hash_table_replace (cache->weak, GUINT_TO_POINTER (row), weak);
  ring_push (cache, event);

  /* Events nobody holds any more leave the table now and then (at twice the live size, so
   * a caller holding thousands of events does not make every insert a sweep). */
  if (g_hash_table_size (cache->weak) >= cache->sweep_at)
    {
      g_hash_table_foreach_remove (cache->weak, weak_ref_is_dead, NULL);
      cache->sweep_at = MAX (4 * RING_SIZE, 2 * g_hash_table_size (cache->weak));
    }
}
