/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-json.c: the one way AuthSim reads JSON documents it is given (profile, users,
 * scenarios, state) and the one way it writes JSON text by hand (the log, the store). */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "authsim-json.h"

/* ------------------------------------------------------------------------------------------
 * Reading: every problem is an AUTHSIM_ERROR naming the source and the JSON path
 * ------------------------------------------------------------------------------------------ */

gboolean
authsim_json_fail (const AuthsimJsonLoader  *loader,
                   GError                  **error,
                   const char               *path,
                   const char               *format,
                   ...)
{
  g_autofree char *problem = NULL;
  va_list args;

  va_start (args, format);
  problem = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID,
               "%s: %s: %s", loader->source, path, problem);
  return FALSE;
}

const char *
authsim_json_describe (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      return "an object";
    case JSON_NODE_ARRAY:
      return "an array";
    case JSON_NODE_NULL:
      return "null";
    case JSON_NODE_VALUE:
    default:
      break;
    }

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return "a string";
    case G_TYPE_BOOLEAN:
      return "a boolean";
    default:
      return "a number";
    }
}

gboolean
authsim_json_is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

gboolean
authsim_json_is_boolean (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN;
}

char *
authsim_json_read_file (const char  *path,
                        gsize       *length,
                        GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, length, &local_error))
    {
      /* GLib's message already names the file, with its full path. */
      g_set_error_literal (error, AUTHSIM_ERROR, AUTHSIM_ERROR_IO, local_error->message);
      return NULL;
    }

  return contents;
}

JsonNode *
authsim_json_parse (const AuthsimJsonLoader  *loader,
                    const char               *data,
                    gssize                    length,
                    GError                  **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      const char *message = local_error->message;

      /* json-glib names in-memory data "<data>"; name the source instead, keeping the
       * ":line:column: problem" that follows. */
      if (g_str_has_prefix (message, "<data>:"))
        g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID_JSON,
                     "%s%s", loader->source, message + strlen ("<data>"));
      else
        g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID_JSON,
                     "%s: %s", loader->source, message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID_JSON,
                   "%s: empty document, expected a JSON object", loader->source);
      return NULL;
    }

  if (!authsim_json_expect_object (loader, root, "$", error))
    return NULL;

  return json_node_copy (root);
}

gboolean
authsim_json_check_keys (const AuthsimJsonLoader  *loader,
                         JsonObject               *object,
                         const char               *path,
                         const char * const       *allowed,
                         GError                  **error)
{
  g_autoptr(GList) members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;

      if (g_strv_contains (allowed, key))
        continue;

      /* A typo such as "onload" or "appid": suggest the spelling that would work. */
      for (guint i = 0; allowed[i] != NULL; i++)
        if (g_ascii_strcasecmp (allowed[i], key) == 0)
          return authsim_json_fail (loader, error, path,
                                    "unknown key \"%s\" (did you mean \"%s\"?)",
                                    key, allowed[i]);

      return authsim_json_fail (loader, error, path, "unknown key \"%s\"", key);
    }

  return TRUE;
}

gboolean
authsim_json_expect_object (const AuthsimJsonLoader  *loader,
                            JsonNode                 *node,
                            const char               *path,
                            GError                  **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return authsim_json_fail (loader, error, path, "expected an object, got %s",
                              authsim_json_describe (node));
  return TRUE;
}

static gboolean
require_member (const AuthsimJsonLoader  *loader,
                JsonObject               *object,
                const char               *member_path,
                const char               *key,
                gboolean                  required,
                JsonNode                **out,
                GError                  **error)
{
  *out = json_object_get_member (object, key);
  if (*out == NULL && required)
    return authsim_json_fail (loader, error, member_path, "required, but missing");
  return TRUE;
}

gboolean
authsim_json_get_string (const AuthsimJsonLoader  *loader,
                         JsonObject               *object,
                         const char               *path,
                         const char               *key,
                         gboolean                  required,
                         gboolean                  non_empty,
                         const char              **out,
                         GError                  **error)
{
  g_autofree char *member_path = g_strdup_printf ("%s.%s", path, key);
  JsonNode *node;

  *out = NULL;
  if (!require_member (loader, object, member_path, key, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;

  if (!authsim_json_is_string (node))
    return authsim_json_fail (loader, error, member_path, "expected a string, got %s",
                              authsim_json_describe (node));
  if (non_empty && *json_node_get_string (node) == '\0')
    return authsim_json_fail (loader, error, member_path, "expected a non-empty string");

  *out = json_node_get_string (node);
  return TRUE;
}

/* Locale names match with "-" or "_" ("zh-CN" and "zh_CN" alike). */
static gboolean
locale_equal (const char *a,
              const char *b)
{
  for (; *a != '\0' && *b != '\0'; a++, b++)
    {
      char ca = *a == '-' ? '_' : *a;
      char cb = *b == '-' ? '_' : *b;

      if (ca != cb)
        return FALSE;
    }

  return *a == *b;
}

static const char *
find_locale (JsonObject *object,
             GList      *members,
             const char *locale)
{
  for (GList *l = members; l != NULL; l = l->next)
    if (locale_equal (l->data, locale))
      return json_object_get_string_member (object, l->data);
  return NULL;
}

gboolean
authsim_json_get_localised (const AuthsimJsonLoader  *loader,
                            JsonObject               *object,
                            const char               *path,
                            const char               *key,
                            gboolean                  required,
                            char                    **out,
                            GError                  **error)
{
  g_autofree char *member_path = g_strdup_printf ("%s.%s", path, key);
  g_autoptr(GList) members = NULL;
  JsonObject *translations;
  const char *value = NULL;
  JsonNode *node;

  *out = NULL;
  if (!require_member (loader, object, member_path, key, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;

  if (authsim_json_is_string (node))
    {
      if (*json_node_get_string (node) == '\0')
        return authsim_json_fail (loader, error, member_path, "expected a non-empty string");
      *out = g_strdup (json_node_get_string (node));
      return TRUE;
    }

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return authsim_json_fail (loader, error, member_path,
                              "expected a string or an object of translations, got %s",
                              authsim_json_describe (node));

  translations = json_node_get_object (node);
  members = json_object_get_members (translations);
  if (members == NULL)
    return authsim_json_fail (loader, error, member_path,
                              "expected at least one translation, got an empty object");

  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *member = json_object_get_member (translations, l->data);

      if (!authsim_json_is_string (member) || *json_node_get_string (member) == '\0')
        {
          g_autofree char *locale_path = g_strdup_printf ("%s.%s", member_path,
                                                          (const char *) l->data);

          if (!authsim_json_is_string (member))
            return authsim_json_fail (loader, error, locale_path, "expected a string, got %s",
                                      authsim_json_describe (member));
          return authsim_json_fail (loader, error, locale_path, "expected a non-empty string");
        }
    }

  for (guint i = 0; loader->languages != NULL && loader->languages[i] != NULL; i++)
    if ((value = find_locale (translations, members, loader->languages[i])) != NULL)
      break;
  if (value == NULL)
    value = find_locale (translations, members, "en");
  if (value == NULL)
    value = json_object_get_string_member (translations, members->data);

  *out = g_strdup (value);
  return TRUE;
}

char *
authsim_json_to_compact (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);
  return json_generator_to_data (generator, NULL);
}

/* ------------------------------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------------------------------ */

#define append_literal(out, literal) g_string_append_len ((out), "" literal, sizeof (literal) - 1)

void
authsim_json_append_int (GString *out,
                         gint64   value)
{
  char buf[24];
  char *p = buf + sizeof buf;
  /* Unsigned negation: well-defined for G_MININT64 too. */
  guint64 magnitude = value < 0 ? -(guint64) value : (guint64) value;

  do
    *--p = (char) ('0' + magnitude % 10);
  while ((magnitude /= 10) != 0);
  if (value < 0)
    *--p = '-';
  g_string_append_len (out, p, (gsize) (buf + sizeof buf - p));
}

/* The general case of authsim_json_append_string: escapes, non-ASCII, maybe invalid UTF-8. */
static void
append_string_escaped (GString    *out,
                       const char *value)
{
  g_autofree char *valid = NULL;
  const char *run, *p;

  if (!g_utf8_validate (value, -1, NULL))
    value = valid = g_utf8_make_valid (value, -1);

  g_string_append_c (out, '"');
  for (run = p = value; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;
      char escape[7];

      if (c >= 0x20 && c != '"' && c != '\\')
        continue;  /* copied as is, UTF-8 sequences included */

      g_string_append_len (out, run, (gsize) (p - run));
      switch (c)
        {
        case '"':
          append_literal (out, "\\\"");
          break;
        case '\\':
          append_literal (out, "\\\\");
          break;
        case '\b':
          append_literal (out, "\\b");
          break;
        case '\f':
          append_literal (out, "\\f");
          break;
        case '\n':
          append_literal (out, "\\n");
          break;
        case '\r':
          append_literal (out, "\\r");
          break;
        case '\t':
          append_literal (out, "\\t");
          break;
        default:
          g_snprintf (escape, sizeof escape, "\\u%04x", c);
          g_string_append_len (out, escape, 6);
        }
      run = p + 1;
    }
  g_string_append_len (out, run, (gsize) (p - run));
  g_string_append_c (out, '"');
}

/* A JSON string (RFC 8259 §7): quotes, backslashes and control characters escaped, the rest
 * copied as UTF-8. Invalid UTF-8 (ids come from users) is repaired with U+FFFD rather than
 * making the whole file unreadable. Codes, tokens and ids are printable ASCII: one pass. */
void
authsim_json_append_string (GString    *out,
                            const char *value)
{
  const char *p = value;

  /* Printable ASCII but '"' and '\\' (one unsigned compare for 0x20 ... 0x7f). Control
   * characters, the NUL at the end and UTF-8 sequences leave the loop. */
  while ((guint) (guchar) *p - 0x20u < 0x60u && *p != '"' && *p != '\\')
    p++;
  if (*p != '\0')
    {
      append_string_escaped (out, value);
      return;
    }

  g_string_append_c (out, '"');
  g_string_append_len (out, value, p - value);
  g_string_append_c (out, '"');
}

/* A double as json-glib writes it (g_ascii_dtostr, ".0" added to an integral value), except
 * where that is not JSON: 1e+30 stays as it is (json-glib: "1e+30.0"), inf and nan are null
 * (as JavaScript's JSON.stringify writes them). */
static void
append_double (GString *out,
               double   value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (value))
    {
      append_literal (out, "null");
      return;
    }
  g_ascii_dtostr (buffer, sizeof buffer, value);
  g_string_append (out, buffer);
  if (strpbrk (buffer, ".eE") == NULL)
    append_literal (out, ".0");
}

void
authsim_json_append_node (GString  *out,
                          JsonNode *node)
{
  switch (node != NULL ? JSON_NODE_TYPE (node) : JSON_NODE_NULL)
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;
        gboolean first = TRUE;

        g_string_append_c (out, '{');
        json_object_iter_init_ordered (&iter, object);
        while (json_object_iter_next_ordered (&iter, &name, &member))
          {
            if (!first)
              g_string_append_c (out, ',');
            first = FALSE;
            authsim_json_append_string (out, name);
            g_string_append_c (out, ':');
            authsim_json_append_node (out, member);
          }
        g_string_append_c (out, '}');
      }
      break;
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint n = json_array_get_length (array);

        g_string_append_c (out, '[');
        for (guint i = 0; i < n; i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            authsim_json_append_node (out, json_array_get_element (array, i));
          }
        g_string_append_c (out, ']');
      }
      break;
    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_STRING:
          if (json_node_get_string (node) != NULL)
            authsim_json_append_string (out, json_node_get_string (node));
          else
            append_literal (out, "null");
          break;
        case G_TYPE_BOOLEAN:
          if (json_node_get_boolean (node))
            append_literal (out, "true");
          else
            append_literal (out, "false");
          break;
        case G_TYPE_DOUBLE:
          append_double (out, json_node_get_double (node));
          break;
        default:
          authsim_json_append_int (out, json_node_get_int (node));
        }
      break;
    case JSON_NODE_NULL:
    default:
      append_literal (out, "null");
    }
}
