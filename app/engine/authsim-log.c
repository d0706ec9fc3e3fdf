/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "authsim-json.h"
#include "authsim-log.h"
#include "authsim-log-private.h"
#include "authsim-types.h"

/* How long events appended by other threads wait for the owner to pick them up. */
#define DRAIN_DELAY_MS 20
/* A drained batch leaves this many of its newest events in the row cache. */
#define CACHED_PER_DRAIN 64

/*
 * Where rows' lines can be read back (source ids, AUTHSIM_LOG_LOCATION_SOURCE): 0 is the
 * memory spool, for events that have no readable file (no file, a pipe or device, a failed
 * write); each regular file the log has written gets the next id and a descriptor to read it.
 */
typedef struct
{
  int         fd;      /* -1 for the spool */
  GByteArray *spool;   /* source 0 only */
  char       *path;    /* for messages */
} Source;

/*
 * Threading: everything under @lock may be touched from any thread (the sequence number, the
 * file, the sources, the pending queue, the drain source; the index is written under it by the
 * owner and read under it by workers). The model, the row cache and @write_error belong to the
 * thread whose thread-default main context was current at construction (@context): events
 * appended elsewhere wait in @pending until that context drains them, in seq order.
 */
struct _AuthsimLog
{
  GObject          parent_instance;

  GMutex           lock;
  guint64          seq;                 /* last seq handed out */
  guint            n_appended;
  int              fd;                  /* writing, -1 when no file */
  char            *path;
  guint            source;              /* where @fd's lines are read back; 0 when nowhere */
  guint64          end;                 /* @fd's size after our last write (source != 0) */
  gboolean         need_newline;        /* the file ends with a torn line */
  GPtrArray       *sources;             /* Source */
  AuthsimLogIndex *index;               /* the rows of the model */
  GPtrArray       *pending;             /* AuthsimEvent, written but not yet in the model */
  GArray          *pending_locations;   /* guint64, theirs */
  GSource         *drain_source;        /* scheduled drain, or NULL */
  char            *pending_write_error; /* a write failure not yet published */
  char            *history_path;
  guint64          history_end;

  /* Owner thread only. */
  GMainContext    *context;
  GThread         *thread;              /* the creating thread (a reference keeps it unique) */
  AuthsimRowCache *cache;
  char            *write_error;
  gboolean         draining;
};

static void authsim_log_list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (AuthsimLog, authsim_log, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      authsim_log_list_model_iface_init))

enum {
  PROP_0,
  PROP_FILE,
  PROP_WRITE_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The first four members of every event; members of @fields with these names are ignored. */
static const char * const reserved_members[] = { "seq", "time", "call", "kind", NULL };

static void
source_free (gpointer data)
{
  Source *source = data;

  if (source->fd >= 0)
    close (source->fd);
  g_clear_pointer (&source->spool, g_byte_array_unref);
  g_free (source->path);
  g_free (source);
}

/* Sources ----------------------------------------------------------------------------------- */

/* The file of @location, for the messages of error rows; NULL for the spool. */
static const char *
location_path (AuthsimLog *self,
               guint64     location)
{
  guint id = AUTHSIM_LOG_LOCATION_SOURCE (location);
  Source *source;
  const char *path;

  g_mutex_lock (&self->lock);
  source = id < self->sources->len ? g_ptr_array_index (self->sources, id) : NULL;
  /* Sources live as long as the log: their path too. */
  path = source != NULL && source->fd >= 0 ? source->path : NULL;
  g_mutex_unlock (&self->lock);
  return path;
}

gboolean
authsim_log_read_location (AuthsimLog  *self,
                           guint64      location,
                           GString     *out,
                           GError     **error)
{
  guint id = AUTHSIM_LOG_LOCATION_SOURCE (location);
  guint64 offset = AUTHSIM_LOG_LOCATION_OFFSET (location);
  Source *source;
  int fd;

  g_return_val_if_fail (AUTHSIM_IS_LOG (self), FALSE);

  g_mutex_lock (&self->lock);
  source = id < self->sources->len ? g_ptr_array_index (self->sources, id) : NULL;
  fd = source != NULL ? source->fd : -1;
  if (source != NULL && source->spool != NULL && offset < source->spool->len)
    {
      const char *start = (const char *) source->spool->data + offset;
      const char *newline = memchr (start, '\n', source->spool->len - offset);

      g_string_append_len (out, start, newline != NULL ? newline - start
                                                       : (gssize) (source->spool->len - offset));
    }
  g_mutex_unlock (&self->lock);

  /* Sources live as long as the log, and pread() needs no lock. */
  return fd < 0 || authsim_log_read_line (fd, offset, out, error);
}

/* Keeps @line (and a newline) in the memory spool; returns its location. Under the lock. */
static guint64
spool_line_locked (AuthsimLog    *self,
                   const GString *line)
{
  Source *spool = g_ptr_array_index (self->sources, 0);
  guint64 offset = spool->spool->len;

  g_byte_array_append (spool->spool, (const guint8 *) line->str, line->len);
  g_byte_array_append (spool->spool, (const guint8 *) "\n", 1);
  return AUTHSIM_LOG_LOCATION (0, offset);
}

/* GListModel -------------------------------------------------------------------------------- */

static GType
authsim_log_get_item_type (GListModel *model)
{
  return AUTHSIM_TYPE_EVENT;
}

static guint
authsim_log_get_n_items (GListModel *model)
{
  AuthsimLog *self = AUTHSIM_LOG (model);

  return self->index->offsets->len;
}

/* Rows are read back from their line when asked for, and cached. */
static gpointer
authsim_log_get_item (GListModel *model,
                      guint       position)
{
  AuthsimLog *self = AUTHSIM_LOG (model);
  g_autoptr(GString) line = NULL;
  g_autoptr(GError) error = NULL;
  const char *path;
  AuthsimEvent *event;
  guint64 location;

  if (position >= self->index->offsets->len)
    return NULL;
  if ((event = authsim_row_cache_lookup (self->cache, position)) != NULL)
    return event;

  location = g_array_index (self->index->offsets, guint64, position);
  line = g_string_sized_new (512);
  if (!authsim_log_read_location (self, location, line, &error))
    {
      /* The file went away under us: say so in the row rather than show nothing. */
      g_string_truncate (line, 0);
      g_string_append (line, error->message);
    }
  path = location_path (self, location);
  event = authsim_event_new_from_line (line->str, line->len, path,
                                       path != NULL ? AUTHSIM_LOG_LOCATION_OFFSET (location)
                                                    : position);
  authsim_row_cache_insert (self->cache, position, event);
  return event;
}

static void
authsim_log_list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = authsim_log_get_item_type;
  iface->get_n_items = authsim_log_get_n_items;
  iface->get_item = authsim_log_get_item;
}

/* Time -------------------------------------------------------------------------------------- */

/* Writes @value (>= 0) as @width decimal digits, zero-padded, at @out. */
static void
put_digits (char *out,
            int   value,
            int   width)
{
  for (int i = width - 1; i >= 0; i--)
    {
      out[i] = (char) ('0' + value % 10);
      value /= 10;
    }
}

/* Local wall-clock time, e.g. 2026-11-25T20:01:02.123+08:00 (never "Z"). */
static char *
format_now (void)
{
  /* Looking the local zone up costs more than the rest of an event: keep it until $TZ
   * changes. */
  static GTimeZone *local_zone = NULL;
  static char *local_zone_tz = NULL;
  G_LOCK_DEFINE_STATIC (local_zone);
  const char *tz = g_getenv ("TZ");
  g_autoptr(GDateTime) now = NULL;

  G_LOCK (local_zone);
  if (local_zone == NULL || g_strcmp0 (tz, local_zone_tz) != 0)
    {
      g_clear_pointer (&local_zone, g_time_zone_unref);
      g_free (local_zone_tz);
      local_zone = g_time_zone_new_local ();
      local_zone_tz = g_strdup (tz);
    }
  now = g_date_time_new_now (local_zone);
  G_UNLOCK (local_zone);
  gint64 offset_min = g_date_time_get_utc_offset (now) / G_TIME_SPAN_MINUTE;
  char sign = offset_min < 0 ? '-' : '+';

  if (offset_min < 0)
    offset_min = -offset_min;

  {
    /* By hand: printf cost more than the rest of this function. */
    char text[] = "YYYY-MM-DDThh:mm:ss.mmm+hh:mm";
    int year = g_date_time_get_year (now);

    if (year < 0 || year > 9999)
      year = 0;
    put_digits (text, year, 4);
    put_digits (text + 5, g_date_time_get_month (now), 2);
    put_digits (text + 8, g_date_time_get_day_of_month (now), 2);
    put_digits (text + 11, g_date_time_get_hour (now), 2);
    put_digits (text + 14, g_date_time_get_minute (now), 2);
    put_digits (text + 17, g_date_time_get_second (now), 2);
    put_digits (text + 20, g_date_time_get_microsecond (now) / 1000, 3);
    text[23] = sign;
    put_digits (text + 24, (int) (offset_min / 60) % 100, 2);
    put_digits (text + 27, (int) (offset_min % 60), 2);
    return g_strdup (text);
  }
}

/* The file ---------------------------------------------------------------------------------- */

/* Writes all of @data to @fd; on failure drops what was written of it and returns FALSE. */
static gboolean
write_all (int          fd,
           const char  *data,
           gsize        len,
           int         *errsv)
{
  gsize done = 0;

  while (done < len)
    {
      gssize n = write (fd, data + done, len - done);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          *errsv = errno;
          break;
        }
      if (n == 0)
        {
          *errsv = ENOSPC;
          break;
        }
      done += n;
    }

  if (done == len)
    return TRUE;

  /* Keep the file valid JSON Lines: cut off the partial line. Best effort (not on pipes,
   * character devices, …). */
  if (done > 0)
    {
      off_t end = lseek (fd, 0, SEEK_END);

      if (end >= (off_t) done && ftruncate (fd, end - (off_t) done) != 0)
        { /* nothing more we can do */ }
    }

  return FALSE;
}

/* Another process appending to the same file (a second launch, headless mode beside the
 * window) takes turns with us: each append holds the file's lock from reading its end to
 * writing the line. Advisory; where locks are not supported, appends go on without. */
static void
lock_file (int  fd,
           int  operation)
{
  while (flock (fd, operation) != 0 && errno == EINTR)
    ;
}

static guint64
file_size (int fd)
{
  struct stat st;

  return fstat (fd, &st) == 0 ? (guint64) st.st_size : 0;
}

/* Whether the first @size bytes of @fd end in the middle of a line (torn by a crash). */
static gboolean
ends_torn (int     fd,
           guint64 size)
{
  char last = '\n';

  return size > 0 && pread (fd, &last, 1, (off_t) (size - 1)) == 1 && last != '\n';
}

/* Catches up with the file when it is not where we left it (the first append after opening
 * it, or another process wrote): seq continues after its last event, and a torn last line gets
 * its newline before ours. Under the lock and the file's lock. */
static void
sync_with_file_locked (AuthsimLog *self,
                       guint64     size)
{
  Source *source = g_ptr_array_index (self->sources, self->source);

  self->seq = MAX (self->seq, authsim_log_find_last_seq (source->fd, size));
  self->need_newline = ends_torn (source->fd, size);
  self->end = size;
}

/* Appends @line and a newline to the file, if any, and returns where it can be read back. A
 * failure is kept for the owner to log, and the line kept in memory. Under the lock. */
static guint64
write_line_locked (AuthsimLog *self,
                   GString    *line)
{
  guint64 location = 0;
  gboolean written;
  int errsv = 0;

  if (self->fd < 0)
    return spool_line_locked (self, line);

  /* The line is in the kernel before anyone sees the event. */
  g_string_append_c (line, '\n');
  if (self->need_newline)
    g_string_prepend_c (line, '\n');
  written = write_all (self->fd, line->str, line->len, &errsv);
  if (self->need_newline)
    g_string_erase (line, 0, 1);
  g_string_truncate (line, line->len - 1);

  if (written && self->source != 0)
    {
      location = AUTHSIM_LOG_LOCATION (self->source, self->end + self->need_newline);
      self->end += line->len + 1 + self->need_newline;
      self->need_newline = FALSE;
      return location;
    }
  if (!written)
    {
      g_free (self->pending_write_error);
      self->pending_write_error =
        g_strdup_printf (_("Could not write to the log file %s: %s"),
                         self->path, g_strerror (errsv));
      self->end = G_MAXUINT64;  /* unknown now: look again next time */
    }
  return spool_line_locked (self, line);
}

/* Opens @path for appending, created 0600 (it holds live codes); an existing file keeps its
 * mode: it may be the user's choice, a device or a pipe. */
static int
open_for_appending (const char  *path,
                    GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int errsv = errno;

      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO,
                   _("Could not create the folder of the log file %s: %s"),
                   path, g_strerror (errsv));
      return -1;
    }

  fd = g_open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int errsv = errno;

      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO,
                   _("Could not open the log file %s: %s"), path, g_strerror (errsv));
    }
  return fd;
}

/* A descriptor to read back what is written to @fd (a regular file), or -1 (then the lines
 * are kept in memory instead). */
static int
open_for_reading (int         fd,
                  const char *path)
{
  struct stat st;

  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    return -1;
  return g_open (path, O_RDONLY | O_CLOEXEC, 0);
}

/* The owner ---------------------------------------------------------------------------------- */

static void
authsim_log_publish_write_error (AuthsimLog *self,
                                 char       *message)
{
  if (g_strcmp0 (self->write_error, message) == 0)
    {
      g_free (message);
      return;
    }

  g_free (self->write_error);
  self->write_error = message;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WRITE_ERROR]);
}

/* Moves the pending events into the model. Owner thread only. */
static void
authsim_log_drain (AuthsimLog *self)
{
  g_autoptr(GPtrArray) batch = NULL;
  g_autoptr(GArray) locations = NULL;
  g_autofree char *error = NULL;
  guint position;

  g_mutex_lock (&self->lock);
  position = self->index->offsets->len;
  if (self->pending->len > 0)
    {
      batch = g_steal_pointer (&self->pending);
      self->pending = g_ptr_array_new_with_free_func (g_object_unref);
      locations = g_steal_pointer (&self->pending_locations);
      self->pending_locations = g_array_new (FALSE, FALSE, sizeof (guint64));

      g_array_append_vals (self->index->offsets, locations->data, locations->len);
      for (guint i = 0; i < batch->len; i++)
        {
          guint call = authsim_event_get_call (g_ptr_array_index (batch, i));

          g_array_append_val (self->index->calls, call);
        }
    }
  error = g_steal_pointer (&self->pending_write_error);
  g_mutex_unlock (&self->lock);

  if (error != NULL)
    authsim_log_publish_write_error (self, g_steal_pointer (&error));

  if (batch == NULL)
    return;

  /* The newest rows are the likeliest to be shown next: keep their events. */
  for (guint i = batch->len > CACHED_PER_DRAIN ? batch->len - CACHED_PER_DRAIN : 0;
       i < batch->len; i++)
    authsim_row_cache_insert (self->cache, position + i, g_ptr_array_index (batch, i));

  self->draining = TRUE;
  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, batch->len);
  self->draining = FALSE;
}

static gboolean
authsim_log_drain_cb (gpointer user_data)
{
  GWeakRef *weak = user_data;
  g_autoptr(AuthsimLog) self = g_weak_ref_get (weak);

  if (self == NULL)
    return G_SOURCE_REMOVE;

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->drain_source, g_source_unref);
  g_mutex_unlock (&self->lock);

  authsim_log_drain (self);

  return G_SOURCE_REMOVE;
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

/* Schedules one drain on the owner context. Called with the lock held. Events from other
 * threads (the gateway's, thousands a second under load) are gathered for DRAIN_DELAY_MS
 * rather than waking the owner for each: one wake-up of the main thread per event cost the
 * gateway more than the rest of its log event, and the window cannot show more than one
 * batch a frame anyway. */
static void
authsim_log_schedule_drain_locked (AuthsimLog *self,
                                   gboolean    gather)
{
  GWeakRef *weak;

  if (self->drain_source != NULL)
    return;

  weak = g_new0 (GWeakRef, 1);
  g_weak_ref_init (weak, self);

  self->drain_source = gather ? g_timeout_source_new (DRAIN_DELAY_MS) : g_idle_source_new ();
  g_source_set_priority (self->drain_source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (self->drain_source, "[authsim] log drain");
  g_source_set_callback (self->drain_source, authsim_log_drain_cb, weak, weak_ref_free);
  g_source_attach (self->drain_source, self->context);
}

/*
 * Whether the calling thread is the one that owns the model: the thread that created the log
 * (and runs its context), or whichever thread is dispatching that context now. Comparing
 * thread-default contexts is not enough: in a thread that pushed none, it is the global default
 * context too.
 */
static gboolean
authsim_log_on_owner_thread (AuthsimLog *self)
{
  return g_thread_self () == self->thread || g_main_context_is_owner (self->context);
}

/* GObject ----------------------------------------------------------------------------------- */

static void
authsim_log_dispose (GObject *object)
{
  AuthsimLog *self = AUTHSIM_LOG (object);

  g_mutex_lock (&self->lock);
  if (self->drain_source != NULL)
    {
      g_source_destroy (self->drain_source);
      g_clear_pointer (&self->drain_source, g_source_unref);
    }
  g_mutex_unlock (&self->lock);

  G_OBJECT_CLASS (authsim_log_parent_class)->dispose (object);
}

static void
authsim_log_finalize (GObject *object)
{
  AuthsimLog *self = AUTHSIM_LOG (object);

  if (self->fd >= 0)
    close (self->fd);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->sources, g_ptr_array_unref);
  g_clear_pointer (&self->index, authsim_log_index_free);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->pending_locations, g_array_unref);
  g_clear_pointer (&self->pending_write_error, g_free);
  g_clear_pointer (&self->history_path, g_free);
  g_clear_pointer (&self->cache, authsim_row_cache_free);
  g_clear_pointer (&self->write_error, g_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->thread, g_thread_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (authsim_log_parent_class)->finalize (object);
}

static void
authsim_log_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  AuthsimLog *self = AUTHSIM_LOG (object);

  switch (prop_id)
    {
    case PROP_FILE:
      g_mutex_lock (&self->lock);
      g_value_set_string (value, self->path);
      g_mutex_unlock (&self->lock);
      break;
    case PROP_WRITE_ERROR:
      g_value_set_string (value, self->write_error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_log_class_init (AuthsimLogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = authsim_log_dispose;
  object_class->finalize = authsim_log_finalize;
  object_class->get_property = authsim_log_get_property;

  /* The JSON Lines file being appended to, or NULL. */
  properties[PROP_FILE] =
    g_param_spec_string ("file", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The last failure to write an event to the file (e.g. disk full), or NULL. It stays set
   * until authsim_log_set_file() is called again: lines have been lost from the file. */
  properties[PROP_WRITE_ERROR] =
    g_param_spec_string ("write-error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
authsim_log_init (AuthsimLog *self)
{
  Source *spool = g_new0 (Source, 1);

  g_mutex_init (&self->lock);
  self->fd = -1;
  spool->fd = -1;
  spool->spool = g_byte_array_new ();
  self->sources = g_ptr_array_new_with_free_func (source_free);
  g_ptr_array_add (self->sources, spool);
  self->index = authsim_log_index_new ();
  self->pending = g_ptr_array_new_with_free_func (g_object_unref);
  self->pending_locations = g_array_new (FALSE, FALSE, sizeof (guint64));
  self->cache = authsim_row_cache_new ();
  self->context = g_main_context_ref_thread_default ();
  self->thread = g_thread_ref (g_thread_self ());
}

/**
 * authsim_log_new:
 *
 * Creates an empty log writing no file. Its model is updated in the thread-default main
 * context of the calling thread, which must be the thread that runs that context.
 */
AuthsimLog *
authsim_log_new (void)
{
  return g_object_new (AUTHSIM_TYPE_LOG, NULL);
}

/* Makes @fd (appending @path) the file; @read_fd (or -1) reads it back. Under the lock. */
static void
use_file_locked (AuthsimLog *self,
                 const char *path,
                 int         fd,
                 int         read_fd)
{
  self->fd = fd;
  self->source = 0;
  self->need_newline = FALSE;
  if (read_fd >= 0 && self->sources->len < AUTHSIM_LOG_MAX_SOURCES)
    {
      Source *source = g_new0 (Source, 1);

      source->fd = read_fd;
      source->path = g_strdup (path);
      self->source = self->sources->len;
      g_ptr_array_add (self->sources, source);

      lock_file (fd, LOCK_EX);
      sync_with_file_locked (self, file_size (fd));
      lock_file (fd, LOCK_UN);
    }
  else if (read_fd >= 0)
    {
      close (read_fd);
    }

  /* Before the first event, what the file holds is the earlier launches' history. */
  if (self->n_appended == 0)
    {
      g_free (self->history_path);
      self->history_path = self->source != 0 ? g_strdup (path) : NULL;
      self->history_end = self->source != 0 ? self->end + self->need_newline : 0;
    }
}

/**
 * authsim_log_set_file:
 *
 * Appends the following events to @path, creating its directory (mode 0700) and the file
 * (mode 0600) as needed; NULL closes the file. Seq continues after the file's last event (a
 * last line without its newline, torn by a crash, is ignored, and the next event starts on a
 * line of its own). On failure the previous file stays in use.
 */
gboolean
authsim_log_set_file (AuthsimLog  *self,
                      const char  *path,
                      GError     **error)
{
  int fd = -1, read_fd = -1;
  int old_fd;
  gboolean path_changed;

  g_return_val_if_fail (AUTHSIM_IS_LOG (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (path != NULL)
    {
      if ((fd = open_for_appending (path, error)) < 0)
        return FALSE;
      read_fd = open_for_reading (fd, path);
    }

  g_mutex_lock (&self->lock);
  old_fd = self->fd;
  use_file_locked (self, path, fd, read_fd);
  path_changed = g_strcmp0 (self->path, path) != 0;
  if (path_changed)
    {
      g_free (self->path);
      self->path = g_strdup (path);
    }
  g_clear_pointer (&self->pending_write_error, g_free);
  g_mutex_unlock (&self->lock);

  if (old_fd >= 0)
    close (old_fd);

  if (authsim_log_on_owner_thread (self))
    authsim_log_publish_write_error (self, NULL);

  if (path_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);

  return TRUE;
}

/**
 * authsim_log_get_file:
 *
 * Returns: (nullable): the file being appended to. Owner thread only.
 */
const char *
authsim_log_get_file (AuthsimLog *self)
{
  g_return_val_if_fail (AUTHSIM_IS_LOG (self), NULL);
  return self->path;
}

/* Appending --------------------------------------------------------------------------------- */

/* @fields without the members the header (and @raw_name) own: @fields itself when it has none
 * of them (the usual case), else a new object sharing its other members' nodes. */
static JsonObject *
without_reserved_members (JsonObject *fields,
                          const char *raw_name)
{
  g_autoptr(GList) members = NULL;
  JsonObject *filtered;
  guint i;

  for (i = 0; reserved_members[i] != NULL; i++)
    if (json_object_has_member (fields, reserved_members[i]))
      break;
  if (reserved_members[i] == NULL &&
      (raw_name == NULL || !json_object_has_member (fields, raw_name)))
    return json_object_ref (fields);

  filtered = json_object_new ();
  members = json_object_get_members (fields);
  for (const GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (reserved_members, l->data) && g_strcmp0 (l->data, raw_name) != 0)
      json_object_set_member (filtered, l->data,
                              json_node_ref (json_object_get_member (fields, l->data)));
  return filtered;
}

/* The body of a line: what follows the header, each member with its comma first. */
static GString *
format_body (const char *raw_name,
             const char *raw_json,
             JsonObject *fields)
{
  GString *body = g_string_sized_new (256);

  if (raw_name != NULL)
    {
      g_string_append_c (body, ',');
      authsim_json_append_string (body, raw_name);
      g_string_append_c (body, ':');
      if (raw_json != NULL && authsim_json_is_valid (raw_json, strlen (raw_json)))
        g_string_append (body, raw_json);
      else if (raw_json != NULL)
        authsim_json_append_string (body, raw_json);
      else
        g_string_append (body, "null");
    }

  if (fields != NULL)
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init_ordered (&iter, fields);
      while (json_object_iter_next_ordered (&iter, &name, &member))
        {
          g_string_append_c (body, ',');
          authsim_json_append_string (body, name);
          g_string_append_c (body, ':');
          authsim_json_append_node (body, member);
        }
    }
  return body;
}

/* The event's JSON line, without a newline: the header by hand, then @body. */
static GString *
format_line (guint64        seq,
             const char    *time,
             guint          call,
             const char    *kind,
             const GString *body)
{
  GString *line = g_string_sized_new (64 + body->len);

  g_string_append (line, "{\"seq\":");
  authsim_json_append_int (line, (gint64) seq);
  g_string_append (line, ",\"time\":\"");
  g_string_append (line, time);
  g_string_append (line, "\",\"call\":");
  if (call != 0)
    authsim_json_append_int (line, call);
  else
    g_string_append (line, "null");
  g_string_append (line, ",\"kind\":");
  authsim_json_append_string (line, kind);
  g_string_append_len (line, body->str, body->len);
  g_string_append_c (line, '}');
  return line;
}

/* "success"/"fail"/"complete" of a callback event, from its fields. */
static const char *
callback_of (const char *kind,
             JsonObject *fields)
{
  JsonNode *node;

  if (fields == NULL || !g_str_equal (kind, "callback"))
    return NULL;
  node = json_object_get_member (fields, "callback");
  return node != NULL && authsim_json_is_string (node) ? json_node_get_string (node) : NULL;
}

/* Writes the event's line and queues the event for the model, under the lock; the drain (now
 * or later) is up to the caller. */
static AuthsimEvent *
append_locked (AuthsimLog    *self,
               guint          call,
               const char    *kind,
               const char    *callback,
               const GString *body)
{
  g_autoptr(GString) line = NULL;
  AuthsimEvent *event;
  char *time = format_now ();
  guint64 location;

  if (self->fd >= 0 && self->source != 0)
    {
      guint64 size;

      lock_file (self->fd, LOCK_EX);
      if ((size = file_size (self->fd)) != self->end)
        sync_with_file_locked (self, size);
    }

  line = format_line (++self->seq, time, call, kind, body);
  location = write_line_locked (self, line);

  if (self->fd >= 0 && self->source != 0)
    lock_file (self->fd, LOCK_UN);

  event = authsim_event_new_written (self->seq, time, call, kind, callback,
                                     g_strndup (line->str, line->len));
  self->n_appended++;
  g_ptr_array_add (self->pending, event);
  g_array_append_val (self->pending_locations, location);
  return event;
}

/**
 * authsim_log_append_raw:
 *
 * See the header. The line is built, written to the file and queued under the lock, so the
 * file and the model both hold events in seq order whichever threads append. It is written
 * straight from @fields after a header made by hand; the event keeps only the text, and its
 * object is parsed back if someone asks for it (building an object for every event, a deep
 * copy of each member, cost a gateway request more than its parsing and its JSON answer).
 */
guint64
authsim_log_append_raw (AuthsimLog *self,
                        guint       call,
                        const char *kind,
                        const char *raw_name,
                        const char *raw_json,
                        JsonObject *fields)
{
  g_autoptr(JsonObject) owned_fields = fields;
  g_autoptr(JsonObject) body_fields = NULL;
  g_autoptr(GString) body = NULL;
  AuthsimEvent *event;
  guint64 seq;
  gboolean other_thread;

  g_return_val_if_fail (AUTHSIM_IS_LOG (self), 0);
  g_return_val_if_fail (kind != NULL, 0);

  if (owned_fields != NULL)
    body_fields = without_reserved_members (owned_fields, raw_name);
  body = format_body (raw_name, raw_json, body_fields);

  g_mutex_lock (&self->lock);
  event = append_locked (self, call, kind, callback_of (kind, body_fields), body);
  seq = authsim_event_get_seq (event);

  other_thread = !authsim_log_on_owner_thread (self);
  if (other_thread || self->draining)
    {
      /* Another thread, or an items-changed handler that logs: let the owner drain later, so
       * the model's signals stay in order and never nest. */
      authsim_log_schedule_drain_locked (self, other_thread);
      g_mutex_unlock (&self->lock);
      return seq;
    }

  g_mutex_unlock (&self->lock);

  authsim_log_drain (self);

  return seq;
}

guint64
authsim_log_append (AuthsimLog *self,
                    guint       call,
                    const char *kind,
                    JsonObject *fields)
{
  return authsim_log_append_raw (self, call, kind, NULL, NULL, fields);
}

void
authsim_log_flush (AuthsimLog *self)
{
  g_return_if_fail (AUTHSIM_IS_LOG (self));
  g_return_if_fail (authsim_log_on_owner_thread (self));

  authsim_log_drain (self);
}

/* For the file model ------------------------------------------------------------------------ */

guint
authsim_log_get_n_appended (AuthsimLog *self)
{
  guint n;

  g_return_val_if_fail (AUTHSIM_IS_LOG (self), 0);

  g_mutex_lock (&self->lock);
  n = self->n_appended;
  g_mutex_unlock (&self->lock);
  return n;
}

const char *
authsim_log_get_history (AuthsimLog *self,
                         guint64    *end)
{
  g_return_val_if_fail (AUTHSIM_IS_LOG (self), NULL);

  *end = self->history_path != NULL ? self->history_end : 0;
  return self->history_path;
}

guint
authsim_log_get_call_at (AuthsimLog *self,
                         guint       position)
{
  g_return_val_if_fail (AUTHSIM_IS_LOG (self), 0);
  g_return_val_if_fail (position < self->index->calls->len, 0);

  return g_array_index (self->index->calls, guint, position);
}

static GArray *
dup_range (GMutex *lock,
           GArray *array,
           guint   first,
           guint   n)
{
  GArray *copy;
  guint element_size = g_array_get_element_size (array);

  g_mutex_lock (lock);
  first = MIN (first, array->len);
  n = MIN (n, array->len - first);
  copy = g_array_sized_new (FALSE, FALSE, element_size, n);
  g_array_append_vals (copy, array->data + (gsize) first * element_size, n);
  g_mutex_unlock (lock);
  return copy;
}

GArray *
authsim_log_dup_calls (AuthsimLog *self,
                       guint       first,
                       guint       n)
{
  g_return_val_if_fail (AUTHSIM_IS_LOG (self), NULL);
  return dup_range (&self->lock, self->index->calls, first, n);
}

GArray *
authsim_log_dup_locations (AuthsimLog *self,
                           guint       first,
                           guint       n)
{
  g_return_val_if_fail (AUTHSIM_IS_LOG (self), NULL);
  return dup_range (&self->lock, self->index->offsets, first, n);
}
