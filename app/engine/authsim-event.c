/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "authsim-event.h"
#include "authsim-json.h"
#include "authsim-log-private.h"

/* An error row quotes at most this much of the line it stands for. */
#define QUOTE_MAX_BYTES 1024

struct _AuthsimEvent
{
  GObject     parent_instance;

  guint64     seq;
  char       *time;
  guint       call;
  char       *kind;
  char       *callback;
  JsonObject *object;   /* parsed on demand (atomic), or at construction */
  char       *json;
};

G_DEFINE_FINAL_TYPE (AuthsimEvent, authsim_event, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SEQ,
  PROP_TIME,
  PROP_CALL,
  PROP_KIND,
  PROP_CALLBACK,
  PROP_OBJECT,
  PROP_JSON,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

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
    case PROP_SEQ:
      g_value_set_uint64 (value, self->seq);
      break;
    case PROP_TIME:
      g_value_set_string (value, self->time);
      break;
    case PROP_CALL:
      g_value_set_uint (value, self->call);
      break;
    case PROP_KIND:
      g_value_set_string (value, self->kind);
      break;
    case PROP_CALLBACK:
      g_value_set_string (value, self->callback);
      break;
    case PROP_OBJECT:
      g_value_set_boxed (value, authsim_event_get_object (self));
      break;
    case PROP_JSON:
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

  properties[PROP_SEQ] =
    g_param_spec_uint64 ("seq", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TIME] =
    g_param_spec_string ("time", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CALL] =
    g_param_spec_uint ("call", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_KIND] =
    g_param_spec_string ("kind", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CALLBACK] =
    g_param_spec_string ("callback", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_OBJECT] =
    g_param_spec_boxed ("object", NULL, NULL, JSON_TYPE_OBJECT,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_JSON] =
    g_param_spec_string ("json", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
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

/* (transfer full) (nullable): the object of a line, if it is a strict JSON object. */
static JsonObject *
parse_object (const char *line,
              gsize       length,
              GError    **error)
{
  g_autoptr(JsonNode) root = authsim_json_parse_text (line, length, "line", NULL, error);

  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID,
                   "line: expected an object, got %s", authsim_json_describe (root));
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

/*
 * Events the log writes are only ever written and shown as text by most: their object is
 * parsed from the line the first time someone asks for it (any thread; the first parse to
 * finish wins). The log writes valid lines only; should one not parse anyway, the object is
 * the header alone rather than an abort.
 */
JsonObject *
authsim_event_get_object (AuthsimEvent *self)
{
  JsonObject *object;

  g_return_val_if_fail (AUTHSIM_IS_EVENT (self), NULL);

  object = g_atomic_pointer_get (&self->object);
  if (object == NULL)
    {
      object = parse_object (self->json, strlen (self->json), NULL);
      if (object == NULL)
        {
          object = json_object_new ();
          json_object_set_int_member (object, "seq", (gint64) self->seq);
          json_object_set_string_member (object, "time", self->time);
          json_object_set_int_member (object, "call", self->call);
          json_object_set_string_member (object, "kind", self->kind);
        }
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

char *
authsim_event_dup_member_json (AuthsimEvent *self,
                               const char   *name)
{
  const char *value;
  gsize length;

  g_return_val_if_fail (AUTHSIM_IS_EVENT (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (!authsim_json_find_member (self->json, strlen (self->json), name, &value, &length))
    return NULL;
  return g_strndup (value, length);
}

/* Private constructor (authsim-log-private.h): an event the log has just written. */
AuthsimEvent *
authsim_event_new_written (guint64     seq,
                           char       *time,
                           guint       call,
                           const char *kind,
                           const char *callback,
                           char       *json)
{
  AuthsimEvent *self = g_object_new (AUTHSIM_TYPE_EVENT, NULL);

  self->seq = seq;
  self->time = time;
  self->call = call;
  self->kind = g_strdup (kind);
  self->callback = g_strdup (callback);
  self->json = json;
  return self;
}

/* The first @length bytes of @line, made valid UTF-8 and cut to QUOTE_MAX_BYTES. */
static char *
quote_line (const char *line,
            gsize       length)
{
  g_autofree char *valid = g_utf8_make_valid (line, (gssize) length);
  const char *end;

  if (strlen (valid) <= QUOTE_MAX_BYTES)
    return g_steal_pointer (&valid);

  end = g_utf8_find_prev_char (valid, valid + QUOTE_MAX_BYTES + 1);
  valid[end - valid] = '\0';
  return g_strconcat (valid, "…", NULL);
}

/* The error row standing for a line that is not an event. */
static AuthsimEvent *
event_new_bad_line (const char *line,
                    gsize       length,
                    const char *path,
                    guint64     offset,
                    const char *problem)
{
  g_autoptr(GString) json = g_string_new ("{\"seq\":null,\"time\":null,\"call\":null,"
                                          "\"kind\":\"error\",\"source\":\"log\",\"message\":");
  g_autofree char *message =
    path != NULL ? g_strdup_printf ("the line at byte %" G_GUINT64_FORMAT " of %s is not a "
                                    "JSON event: %s", offset, path, problem)
                 : g_strdup_printf ("event %" G_GUINT64_FORMAT " of this session is not a "
                                    "JSON event: %s", offset + 1, problem);
  g_autofree char *quote = quote_line (line, length);

  authsim_json_append_string (json, message);
  g_string_append (json, ",\"line\":");
  authsim_json_append_string (json, quote);
  g_string_append_c (json, '}');

  return authsim_event_new_written (0, NULL, 0, "error", NULL,
                                    g_string_free (g_steal_pointer (&json), FALSE));
}

/* (nullable) (transfer none) */
static const char *
get_string_member (JsonObject *object,
                   const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && authsim_json_is_string (node) ? json_node_get_string (node) : NULL;
}

static guint64
get_unsigned_member (JsonObject *object,
                     const char *name,
                     guint64     max)
{
  JsonNode *node = json_object_get_member (object, name);
  gint64 value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return 0;
  value = json_node_get_int (node);
  return value > 0 && (guint64) value <= max ? (guint64) value : 0;
}

/* The string member @name of the valid object @line, when it is written without escapes
 * (*@plain FALSE otherwise: a string with escapes, or not a string, needs the parser). NULL
 * for absent or null. */
static char *
dup_plain_string (const char *line,
                  gsize       length,
                  const char *name,
                  gboolean   *plain)
{
  const char *value;
  gsize value_length;

  if (!authsim_json_find_member (line, length, name, &value, &value_length) ||
      (value_length == 4 && memcmp (value, "null", 4) == 0))
    return NULL;
  if (value[0] != '"' || memchr (value, '\\', value_length) != NULL)
    {
      *plain = FALSE;
      return NULL;
    }
  return g_strndup (value + 1, value_length - 2);
}

/* The event of a valid line, from its text alone (its object is parsed when asked for): what
 * the log writes always takes this path, and reading a row back costs a scan, not a parse.
 * NULL when a member needs the parser. */
static AuthsimEvent *
event_new_from_text (const char *line,
                     gsize       length,
                     guint64     seq,
                     guint       call)
{
  gboolean plain = TRUE;
  g_autofree char *kind = dup_plain_string (line, length, "kind", &plain);
  g_autofree char *time = dup_plain_string (line, length, "time", &plain);
  g_autofree char *callback = NULL;

  if (kind != NULL && g_str_equal (kind, "callback"))
    callback = dup_plain_string (line, length, "callback", &plain);
  if (!plain || kind == NULL)
    return NULL;
  return authsim_event_new_written (seq, g_steal_pointer (&time), call, kind, callback,
                                    g_strndup (line, length));
}

AuthsimEvent *
authsim_event_new_from_line (const char *line,
                             gsize       length,
                             const char *path,
                             guint64     offset)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = NULL;
  AuthsimEvent *self;
  const char *kind;
  const char *callback;
  guint64 seq;
  guint call;

  if (authsim_log_line_examine (line, length, &seq, &call) &&
      (self = event_new_from_text (line, length, seq, call)) != NULL)
    return self;

  object = parse_object (line, length, &error);
  if (object == NULL)
    return event_new_bad_line (line, length, path, offset, error->message);

  kind = get_string_member (object, "kind");
  if (kind == NULL)
    return event_new_bad_line (line, length, path, offset, "no string \"kind\"");

  callback = g_str_equal (kind, "callback") ? get_string_member (object, "callback") : NULL;
  self = authsim_event_new_written (get_unsigned_member (object, "seq", G_MAXUINT64),
                                    g_strdup (get_string_member (object, "time")),
                                    (guint) get_unsigned_member (object, "call", G_MAXUINT),
                                    kind, callback, g_strndup (line, length));
  self->object = g_steal_pointer (&object);
  return self;
}
