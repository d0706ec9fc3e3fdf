/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "authsim-json.h"
#include "authsim-log.h"
#include "authsim-types.h"

/* How long events appended by other threads wait for the owner to pick them up. */
#define DRAIN_DELAY_MS 20

/* AuthsimEvent ------------------------------------------------------------------------------ */

struct _AuthsimEvent
{
  GObject     parent_instance;

  guint64     seq;
  char       *time;
  guint       call;
  char       *kind;
  char       *callback;
  JsonObject *object;
  char       *json;
};

G_DEFINE_FINAL_TYPE (AuthsimEvent, authsim_event, G_TYPE_OBJECT)

enum {
  EVENT_PROP_0,
  EVENT_PROP_SEQ,
  EVENT_PROP_TIME,
  EVENT_PROP_CALL,
  EVENT_PROP_KIND,
  EVENT_PROP_CALLBACK,
  EVENT_PROP_OBJECT,
  EVENT_PROP_JSON,
  EVENT_N_PROPS
};

static GParamSpec *event_properties[EVENT_N_PROPS];

static void
authsim_event_finalize (GObject *object)
{
  AuthsimEvent *self = AUTHSIM_EVENT (object);

  g_clear_pointer (&self->time, g_free);
  g_clear_pointer (&self->kind, g_free);
  g_clear_pointer (&self->callback, g_free);
  g_clear_pointer (&self->object, json_object_unref);
  g_clear_pointer (&self->json, g_free);

  G_OBJECT_CLASS (authsim_event_parent_class)->finalize (object);
}

static void
authsim_event_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  AuthsimEvent *self = AUTHSIM_EVENT (object);

  switch (prop_id)
    {
    case EVENT_PROP_SEQ:
      g_value_set_uint64 (value, self->seq);
      break;
    case EVENT_PROP_TIME:
      g_value_set_string (value, self->time);
      break;
    case EVENT_PROP_CALL:
      g_value_set_uint (value, self->call);
      break;
    case EVENT_PROP_KIND:
      g_value_set_string (value, self->kind);
      break;
    case EVENT_PROP_CALLBACK:
      g_value_set_string (value, self->callback);
      break;
    case EVENT_PROP_OBJECT:
      g_value_set_boxed (value, authsim_event_get_object (self));
      break;
    case EVENT_PROP_JSON:
      g_value_set_string (value, self->json);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authsim_event_class_init (AuthsimEventClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = authsim_event_finalize;
  object_class->get_property = authsim_event_get_property;

  event_properties[EVENT_PROP_SEQ] =
    g_param_spec_uint64 ("seq", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  event_properties[EVENT_PROP_TIME] =
    g_param_spec_string ("time", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  event_properties[EVENT_PROP_CALL] =
    g_param_spec_uint ("call", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  event_properties[EVENT_PROP_KIND] =
    g_param_spec_string ("kind", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  event_properties[EVENT_PROP_CALLBACK] =
    g_param_spec_string ("callback", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  event_properties[EVENT_PROP_OBJECT] =
    g_param_spec_boxed ("object", NULL, NULL, JSON_TYPE_OBJECT,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  event_properties[EVENT_PROP_JSON] =
    g_param_spec_string ("json", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, EVENT_N_PROPS, event_properties);
}

static void
authsim_event_init (AuthsimEvent *self)
{
}

guint64
authsim_event_get_seq (AuthsimEvent *self)
{
  g_return_val_if_fail (AUTHSIM_IS_EVENT (self), 0);
  return self->seq;
}

const char *
authsim_event_get_time (AuthsimEvent *self)
{
  g_return_val_if_fail (AUTHSIM_IS_EVENT (self), NULL);
  return self->time;
}

guint
authsim_event_get_call (AuthsimEvent *self)
{
  g_return_val_if_fail (AUTHSIM_IS_EVENT (self), 0);
  return self->call;
}

const char *
authsim_event_get_kind (AuthsimEvent *self)
{
  g_return_val_if_fail (AUTHSIM_IS_EVENT (self), NULL);
  return self->kind;
}

const char *
authsim_event_get_callback (AuthsimEvent *self)
{
  g_return_val_if_fail (AUTHSIM_IS_EVENT (self), NULL);
  return self->callback;
}

/* Most events are only ever written and shown as text: their object is parsed from the line
 * the first time someone asks for it (any thread; the first parse to finish wins). */
JsonObject *
authsim_event_get_object (AuthsimEvent *self)
{
  JsonObject *object;

  g_return_val_if_fail (AUTHSIM_IS_EVENT (self), NULL);

  object = g_atomic_pointer_get (&self->object);
  if (object == NULL)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      JsonNode *root;

      /* The line is what authsim_log_append() generated: one JSON object. */
      if (!json_parser_load_from_data (parser, self->json, -1, &error) ||
          (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
        g_error ("authsim: event %" G_GUINT64_FORMAT " has a broken line: %s", self->seq,
                 error != NULL ? error->message : "not an object");

      object = json_object_ref (json_node_get_object (root));
      if (!g_atomic_pointer_compare_and_exchange (&self->object, NULL, object))
        {
          json_object_unref (object);
          object = g_atomic_pointer_get (&self->object);
        }
    }
  return object;
}

const char *
authsim_event_get_json (AuthsimEvent *self)
{
  g_return_val_if_fail (AUTHSIM_IS_EVENT (self), NULL);
  return self->json;
}

/* AuthsimLog -------------------------------------------------------------------------------- */

/*
 * Threading: everything under @lock may be touched from any thread (the sequence number, the
 * file, the pending queue, the drain source). @items, and therefore the GListModel, belong to
 * the thread whose thread-default main context was current at construction (@context): events
 * appended elsewhere wait in @pending until that context drains them, in seq order.
 */
struct _AuthsimLog
{
  GObject        parent_instance;

  GMutex         lock;
  guint64        seq;                 /* last seq handed out */
  int            fd;                  /* -1 when no file */
  char          *path;
  JsonGenerator *generator;           /* compact, reused for every line */
  GPtrArray     *pending;             /* AuthsimEvent, written but not yet in the model */
  GSource       *drain_source;        /* scheduled drain, or NULL */
  char          *pending_write_error; /* a write failure not yet published */

  /* Owner thread only. */
  GMainContext  *context;
  GThread       *thread;              /* the creating thread (a reference keeps it unique) */
  GPtrArray     *items;               /* AuthsimEvent, the newest model_limit of them */
  guint          model_limit;
  char          *write_error;
  gboolean       draining;
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

static GType
authsim_log_get_item_type (GListModel *model)
{
  return AUTHSIM_TYPE_EVENT;
}

static guint
authsim_log_get_n_items (GListModel *model)
{
  AuthsimLog *self = AUTHSIM_LOG (model);

  return self->items->len;
}

static gpointer
authsim_log_get_item (GListModel *model,
                      guint       position)
{
  AuthsimLog *self = AUTHSIM_LOG (model);

  if (position >= self->items->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
authsim_log_list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = authsim_log_get_item_type;
  iface->get_n_items = authsim_log_get_n_items;
  iface->get_item = authsim_log_get_item;
}

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
  g_autofree char *error = NULL;
  guint position;

  g_mutex_lock (&self->lock);
  if (self->pending->len > 0)
    {
      batch = g_steal_pointer (&self->pending);
      self->pending = g_ptr_array_new_with_free_func (g_object_unref);
    }
  error = g_steal_pointer (&self->pending_write_error);
  g_mutex_unlock (&self->lock);

  if (error != NULL)
    authsim_log_publish_write_error (self, g_steal_pointer (&error));

  if (batch == NULL)
    return;

  self->draining = TRUE;

  /* Memory stays bounded however long the app serves: the oldest events leave the model
   * (one removal at the head, before the append) and live on in the file. They leave in
   * chunks of half the limit: each removal at the head costs GTK 4.8's list view a time that
   * grows with the list (~300 ms at 20,000 rows), whatever the number removed; trimming at
   * every drain of a busy gateway took 40 % of a core, trimming by halves costs one such
   * frame per 10,000 events. */
  if (batch->len > self->model_limit)
    g_ptr_array_remove_range (batch, 0, batch->len - self->model_limit);
  if (self->items->len + batch->len > self->model_limit + self->model_limit / 2)
    {
      guint excess = MIN (self->items->len + batch->len - self->model_limit, self->items->len);

      g_ptr_array_remove_range (self->items, 0, excess);
      g_list_model_items_changed (G_LIST_MODEL (self), 0, excess, 0);
    }

  position = self->items->len;
  /* The batch's free function is g_object_unref: move the references over. */
  g_ptr_array_set_free_func (batch, NULL);
  g_ptr_array_extend_and_steal (self->items, g_steal_pointer (&batch));

  g_list_model_items_changed (G_LIST_MODEL (self), position, 0,
                              self->items->len - position);
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
  g_clear_object (&self->generator);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->pending_write_error, g_free);
  g_clear_pointer (&self->items, g_ptr_array_unref);
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
  g_mutex_init (&self->lock);
  self->fd = -1;
  self->generator = json_generator_new ();
  self->pending = g_ptr_array_new_with_free_func (g_object_unref);
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->model_limit = AUTHSIM_LOG_MODEL_LIMIT;
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

/**
 * authsim_log_set_file:
 *
 * Appends the following events to @path, creating its directory (mode 0700) and the file
 * (mode 0644) as needed; NULL closes the file. On failure the previous file stays in use.
 */
gboolean
authsim_log_set_file (AuthsimLog  *self,
                      const char  *path,
                      GError     **error)
{
  int fd = -1;
  int old_fd;
  gboolean path_changed;

  g_return_val_if_fail (AUTHSIM_IS_LOG (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (path != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (path);

      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          int errsv = errno;

          g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO,
                       _("Could not create the folder of the log file %s: %s"),
                       path, g_strerror (errsv));
          return FALSE;
        }

      fd = g_open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
      if (fd < 0)
        {
          int errsv = errno;

          g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO,
                       _("Could not open the log file %s: %s"),
                       path, g_strerror (errsv));
          return FALSE;
        }
    }

  g_mutex_lock (&self->lock);
  old_fd = self->fd;
  self->fd = fd;
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

/* @fields without the members the header owns: @fields itself when it has none of them (the
 * usual case), else a new object sharing its other members' nodes. */
static JsonObject *
without_reserved_members (JsonObject *fields)
{
  g_autoptr(GList) members = NULL;
  JsonObject *filtered;
  guint i;

  for (i = 0; reserved_members[i] != NULL; i++)
    if (json_object_has_member (fields, reserved_members[i]))
      break;
  if (reserved_members[i] == NULL)
    return json_object_ref (fields);

  filtered = json_object_new ();
  members = json_object_get_members (fields);
  for (const GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (reserved_members, l->data))
      json_object_set_member (filtered, l->data,
                              json_node_ref (json_object_get_member (fields, l->data)));
  return filtered;
}

/* A new event of @kind for @call, without its seq, time and line; @body_out gets what the
 * line says after the header (NULL when nothing: an empty body is left out too). */
static AuthsimEvent *
event_new (guint        call,
           const char  *kind,
           JsonObject  *fields,
           JsonNode   **body_out)
{
  AuthsimEvent *event = g_object_new (AUTHSIM_TYPE_EVENT, NULL);
  g_autoptr(JsonObject) body = NULL;

  event->call = call;
  event->kind = g_strdup (kind);

  if (fields != NULL)
    body = without_reserved_members (fields);
  if (g_str_equal (kind, "callback") && body != NULL)
    {
      JsonNode *node = json_object_get_member (body, "callback");

      if (node != NULL && JSON_NODE_HOLDS_VALUE (node)
          && json_node_get_value_type (node) == G_TYPE_STRING)
        event->callback = g_strdup (json_node_get_string (node));
    }
  *body_out = NULL;
  if (body != NULL && json_object_get_size (body) > 0)
    {
      *body_out = json_node_new (JSON_NODE_OBJECT);
      json_node_set_object (*body_out, body);
    }
  return event;
}

/* The event's JSON line, without a newline: the header by hand, then @body's members. */
static GString *
format_line_locked (AuthsimLog   *self,
                    AuthsimEvent *event,
                    JsonNode     *body)
{
  GString *line = g_string_sized_new (256);

  g_string_append_printf (line, "{\"seq\":%" G_GUINT64_FORMAT ",\"time\":\"%s\",\"call\":",
                          event->seq, event->time);
  if (event->call != 0)
    g_string_append_printf (line, "%u", event->call);
  else
    g_string_append (line, "null");
  g_string_append (line, ",\"kind\":");
  authsim_json_append_string (line, event->kind);
  if (body != NULL)
    {
      gsize brace = line->len;

      /* {"a":…} becomes ,"a":… after the header. */
      json_generator_set_root (self->generator, body);
      json_generator_to_gstring (self->generator, line);
      json_generator_set_root (self->generator, NULL);
      line->str[brace] = ',';
    }
  else
    g_string_append_c (line, '}');
  return line;
}

/* Appends @line and a newline to the file, if any; a failure is kept for the owner to log. */
static void
write_line_locked (AuthsimLog *self,
                   GString    *line)
{
  int errsv = 0;

  if (self->fd < 0)
    return;

  /* The line is in the kernel before anyone sees the event. */
  g_string_append_c (line, '\n');
  if (!write_all (self->fd, line->str, line->len, &errsv))
    {
      g_free (self->pending_write_error);
      self->pending_write_error =
        g_strdup_printf (_("Could not write to the log file %s: %s"),
                         self->path, g_strerror (errsv));
    }
  g_string_truncate (line, line->len - 1);
}

/**
 * authsim_log_append:
 *
 * See the header. The line is built, written to the file and queued under the lock, so the
 * file and the model both hold events in seq order whichever threads append. It is written
 * straight from @fields after a header made by hand; the event keeps only the text, and its
 * object is parsed back if someone asks for it (building an object for every event, a deep
 * copy of each member, cost a gateway request more than its parsing and its JSON answer).
 */
guint64
authsim_log_append (AuthsimLog *self,
                    guint       call,
                    const char *kind,
                    JsonObject *fields)
{
  g_autoptr(JsonObject) owned_fields = fields;
  g_autoptr(JsonNode) body = NULL;
  GString *line;
  AuthsimEvent *event;
  guint64 seq;
  gboolean other_thread;

  g_return_val_if_fail (AUTHSIM_IS_LOG (self), 0);
  g_return_val_if_fail (kind != NULL, 0);

  event = event_new (call, kind, owned_fields, &body);

  g_mutex_lock (&self->lock);

  event->seq = ++self->seq;
  event->time = format_now ();
  line = format_line_locked (self, event, body);
  write_line_locked (self, line);
  event->json = g_string_free (line, FALSE);
  seq = event->seq;

  g_ptr_array_add (self->pending, event);

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

/**
 * authsim_log_set_model_limit:
 *
 * How many of the newest events the model keeps (AUTHSIM_LOG_MODEL_LIMIT unless set; at
 * least 1). Lowering it drops the oldest at once. The file is not affected. Owner thread only.
 */
void
authsim_log_set_model_limit (AuthsimLog *self,
                             guint       limit)
{
  g_return_if_fail (AUTHSIM_IS_LOG (self));
  g_return_if_fail (limit > 0);
  g_return_if_fail (authsim_log_on_owner_thread (self));

  self->model_limit = limit;
  if (self->items->len > limit)
    {
      guint excess = self->items->len - limit;

      g_ptr_array_remove_range (self->items, 0, excess);
      g_list_model_items_changed (G_LIST_MODEL (self), 0, excess, 0);
    }
}

void
authsim_log_flush (AuthsimLog *self)
{
  g_return_if_fail (AUTHSIM_IS_LOG (self));
  g_return_if_fail (authsim_log_on_owner_thread (self));

  authsim_log_drain (self);
}

/**
 * authsim_log_clear_view:
 *
 * Empties the model with one items-changed, including events other threads appended that it
 * has not shown yet. The file and the sequence numbers are untouched. Owner thread only.
 */
void
authsim_log_clear_view (AuthsimLog *self)
{
  g_autoptr(GPtrArray) old_items = NULL;
  g_autoptr(GPtrArray) old_pending = NULL;
  guint removed;

  g_return_if_fail (AUTHSIM_IS_LOG (self));

  g_mutex_lock (&self->lock);
  old_pending = g_steal_pointer (&self->pending);
  self->pending = g_ptr_array_new_with_free_func (g_object_unref);
  g_mutex_unlock (&self->lock);

  removed = self->items->len;
  if (removed == 0)
    return;

  old_items = g_steal_pointer (&self->items);
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);
}

static void
authsim_log_export_thread (GTask        *task,
                           gpointer      source_object,
                           gpointer      task_data,
                           GCancellable *cancellable)
{
  GPtrArray *events = task_data;
  GFile *file = g_object_get_data (G_OBJECT (task), "authsim-export-file");
  g_autoptr(GString) contents = NULL;
  g_autoptr(GError) error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;

  contents = g_string_new (NULL);
  for (guint i = 0; i < events->len; i++)
    {
      AuthsimEvent *event = g_ptr_array_index (events, i);

      g_string_append (contents, event->json);
      g_string_append_c (contents, '\n');
    }

  if (!g_file_replace_contents (file, contents->str, contents->len, NULL, FALSE,
                                G_FILE_CREATE_NONE, NULL, cancellable, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_task_return_error (task, g_steal_pointer (&error));
        }
      else
        {
          g_autofree char *name = g_file_get_parse_name (file);

          g_task_return_new_error (task, AUTHSIM_ERROR, AUTHSIM_ERROR_IO,
                                   _("Could not export the log to %s: %s"),
                                   name, error->message);
        }
      return;
    }

  g_task_return_boolean (task, TRUE);
}

/**
 * authsim_log_export_async:
 *
 * Writes the events the model holds now, as JSON Lines, to @file (replacing it) in a worker
 * thread. Cancelling gives G_IO_ERROR_CANCELLED; other failures AUTHSIM_ERROR_IO.
 */
void
authsim_log_export_async (AuthsimLog         *self,
                          GFile              *file,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  GPtrArray *snapshot;

  g_return_if_fail (AUTHSIM_IS_LOG (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  /* Events are immutable: a snapshot of references is enough, the text is joined later. */
  snapshot = g_ptr_array_new_full (self->items->len, g_object_unref);
  for (guint i = 0; i < self->items->len; i++)
    g_ptr_array_add (snapshot, g_object_ref (g_ptr_array_index (self->items, i)));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, authsim_log_export_async);
  g_task_set_task_data (task, snapshot, (GDestroyNotify) g_ptr_array_unref);
  g_object_set_data_full (G_OBJECT (task), "authsim-export-file",
                          g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, authsim_log_export_thread);
}

gboolean
authsim_log_export_finish (AuthsimLog    *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (AUTHSIM_IS_LOG (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == authsim_log_export_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
