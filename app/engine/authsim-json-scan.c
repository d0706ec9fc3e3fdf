/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * authsim-json-scan.c: JSON as text. A strict RFC 8259 scanner (json-glib is lenient: it takes
 * 'single quotes', 01 and raw control characters, and lossy: 1e400 becomes inf, integers past
 * int64 wrap), so that text from outside can be checked once and then kept, and embedded,
 * exactly as it was written; and the few walks over checked text that the log needs (a
 * member's value, pretty printing).
 */
#include "config.h"

#include <string.h>

#include "authsim-json.h"

/* ------------------------------------------------------------------------------------------
 * The scanner
 * ------------------------------------------------------------------------------------------ */

typedef struct
{
  const char *start;
  const char *p;
  const char *end;
  GString    *out;      /* nullable: the minified text */
  guint       depth;
  const char *problem;  /* static: what went wrong, at @p */
} Scanner;

static gboolean scan_value (Scanner *s);

static gboolean
scan_fail (Scanner    *s,
           const char *problem)
{
  s->problem = problem;
  return FALSE;
}

static void
skip_whitespace (Scanner *s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

static void
emit (Scanner    *s,
      const char *from)
{
  if (s->out != NULL)
    g_string_append_len (s->out, from, s->p - from);
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* \uXXXX at s->p (after the backslash and the u): its code unit, or -1. */
static int
scan_hex4 (Scanner *s)
{
  int value = 0;

  if (s->end - s->p < 4)
    return -1;
  for (int i = 0; i < 4; i++)
    {
      int digit = hex_value (s->p[i]);

      if (digit < 0)
        return -1;
      value = value * 16 + digit;
    }
  s->p += 4;
  return value;
}

/* An escape, s->p after the backslash. A UTF-16 surrogate must come in a pair (I-JSON,
 * RFC 7493 §2.1; json-glib rejects a lone one, so a line holding one could not be read back). */
static gboolean
scan_escape (Scanner *s)
{
  int unit;

  if (s->p >= s->end)
    return scan_fail (s, "unfinished escape");
  if (strchr ("\"\\/bfnrt", *s->p) != NULL && *s->p != '\0')
    {
      s->p++;
      return TRUE;
    }
  if (*s->p != 'u')
    return scan_fail (s, "invalid escape");
  s->p++;
  if ((unit = scan_hex4 (s)) < 0)
    return scan_fail (s, "invalid \\u escape: expected four hexadecimal digits");
  if (unit >= 0xdc00 && unit <= 0xdfff)
    return scan_fail (s, "lone low surrogate in a \\u escape");
  if (unit >= 0xd800 && unit <= 0xdbff)
    {
      if (s->end - s->p < 2 || s->p[0] != '\\' || s->p[1] != 'u')
        return scan_fail (s, "lone high surrogate in a \\u escape");
      s->p += 2;
      unit = scan_hex4 (s);
      if (unit < 0xdc00 || unit > 0xdfff)
        return scan_fail (s, "lone high surrogate in a \\u escape");
    }
  return TRUE;
}

static gboolean
scan_string (Scanner *s)
{
  const char *from = s->p;

  s->p++;  /* the opening quote */
  while (s->p < s->end)
    {
      guchar c = (guchar) *s->p;

      if (c == '"')
        {
          s->p++;
          emit (s, from);
          return TRUE;
        }
      if (c < 0x20)
        return scan_fail (s, "control character in a string (escape it)");
      if (c == '\\')
        {
          s->p++;
          if (!scan_escape (s))
            return FALSE;
        }
      else if (c < 0x80)
        {
          s->p++;
        }
      else
        {
          gunichar ch = g_utf8_get_char_validated (s->p, s->end - s->p);
          if (ch == (gunichar) -1 || ch == (gunichar) -2)
            return scan_fail (s, "invalid UTF-8 in a string");
          s->p = g_utf8_next_char (s->p);
        }
    }
  return scan_fail (s, "unterminated string");
}

static gboolean
scan_digits (Scanner *s)
{
  const char *from = s->p;

  while (s->p < s->end && g_ascii_isdigit (*s->p))
    s->p++;
  return s->p > from;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, copied as written: its text is the only
 * lossless form of a number that a double or an int64 cannot hold. */
static gboolean
scan_number (Scanner *s)
{
  const char *from = s->p;

  if (*s->p == '-')
    s->p++;
  if (s->p < s->end && *s->p == '0')
    {
      s->p++;
      if (s->p < s->end && g_ascii_isdigit (*s->p))
        return scan_fail (s, "leading zero in a number");
    }
  else if (!scan_digits (s))
    return scan_fail (s, "invalid number");
  if (s->p < s->end && *s->p == '.')
    {
      s->p++;
      if (!scan_digits (s))
        return scan_fail (s, "expected a digit after the decimal point");
    }
  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E'))
    {
      s->p++;
      if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
        s->p++;
      if (!scan_digits (s))
        return scan_fail (s, "expected a digit in the exponent");
    }
  emit (s, from);
  return TRUE;
}

static gboolean
scan_literal (Scanner    *s,
              const char *literal)
{
  gsize length = strlen (literal);
  const char *from = s->p;

  if ((gsize) (s->end - s->p) < length || memcmp (s->p, literal, length) != 0)
    return scan_fail (s, "unexpected character: expected a value");
  s->p += length;
  emit (s, from);
  return TRUE;
}

/* An object or an array, s->p at its opening bracket. */
static gboolean
scan_container (Scanner *s,
                gboolean object)
{
  char close = object ? '}' : ']';
  const char *from = s->p;

  if (++s->depth > AUTHSIM_JSON_MAX_DEPTH)
    return scan_fail (s, "nested too deeply");
  s->p++;
  emit (s, from);
  skip_whitespace (s);
  if (s->p < s->end && *s->p == close)
    goto done;

  for (;;)
    {
      if (object)
        {
          if (s->p >= s->end || *s->p != '"')
            return scan_fail (s, "expected a member name (a string)");
          if (!scan_string (s))
            return FALSE;
          skip_whitespace (s);
          if (s->p >= s->end || *s->p != ':')
            return scan_fail (s, "expected ':' after a member name");
          from = s->p++;
          emit (s, from);
          skip_whitespace (s);
        }
      if (!scan_value (s))
        return FALSE;
      skip_whitespace (s);
      if (s->p < s->end && *s->p == close)
        break;
      if (s->p >= s->end || *s->p != ',')
        return scan_fail (s, object ? "expected ',' or '}'" : "expected ',' or ']'");
      from = s->p++;
      emit (s, from);
      skip_whitespace (s);
      if (s->p < s->end && *s->p == close)
        return scan_fail (s, "trailing comma");
    }

done:
  from = s->p++;
  emit (s, from);
  s->depth--;
  return TRUE;
}

static gboolean
scan_value (Scanner *s)
{
  if (s->p >= s->end)
    return scan_fail (s, "unexpected end: expected a value");

  switch (*s->p)
    {
    case '{':
      return scan_container (s, TRUE);
    case '[':
      return scan_container (s, FALSE);
    case '"':
      return scan_string (s);
    case 't':
      return scan_literal (s, "true");
    case 'f':
      return scan_literal (s, "false");
    case 'n':
      return scan_literal (s, "null");
    default:
      if (*s->p == '-' || g_ascii_isdigit (*s->p))
        return scan_number (s);
      return scan_fail (s, "unexpected character: expected a value");
    }
}

/* "<line>:<column>" of @at (both from 1; the column counts characters, not bytes). */
static char *
describe_position (const char *start,
                   const char *at)
{
  guint line = 1, column = 1;

  for (const char *p = start; p < at; p++)
    {
      if (*p == '\n')
        {
          line++;
          column = 1;
        }
      else if (((guchar) *p & 0xc0) != 0x80)
        {
          column++;
        }
    }
  return g_strdup_printf ("%u:%u", line, column);
}

/**
 * authsim_json_scan:
 *
 * See the header. The whole of @text must be one value; on failure @minified may hold a part.
 */
gboolean
authsim_json_scan (const char  *text,
                   gsize        length,
                   const char  *source,
                   GString     *minified,
                   GError     **error)
{
  Scanner s = { text, text, text + length, minified, 0, NULL };

  g_return_val_if_fail (text != NULL || length == 0, FALSE);

  skip_whitespace (&s);
  if (scan_value (&s))
    {
      skip_whitespace (&s);
      if (s.p == s.end)
        return TRUE;
      s.problem = "unexpected text after the value";
    }

  if (error != NULL)
    {
      g_autofree char *position = describe_position (text, s.p);

      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID_JSON, "%s:%s: %s",
                   source != NULL ? source : "<data>", position, s.problem);
    }
  return FALSE;
}

gboolean
authsim_json_is_valid (const char *text,
                       gsize       length)
{
  return authsim_json_scan (text, length, NULL, NULL, NULL);
}

/**
 * authsim_json_parse_text:
 *
 * See the header: the scanner first, so json-glib only ever sees strict JSON.
 */
JsonNode *
authsim_json_parse_text (const char  *text,
                         gssize       length,
                         const char  *source,
                         char       **minified,
                         GError     **error)
{
  g_autoptr(GString) compact = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (text != NULL, NULL);

  if (length < 0)
    length = (gssize) strlen (text);
  compact = g_string_sized_new (length);
  if (!authsim_json_scan (text, length, source, compact, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, compact->str, compact->len, &local_error))
    {
      /* Not expected: everything the scanner passes, json-glib reads. */
      g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_INVALID_JSON, "%s: %s",
                   source != NULL ? source : "<data>", local_error->message);
      return NULL;
    }

  if (minified != NULL)
    *minified = g_string_free (g_steal_pointer (&compact), FALSE);
  return json_node_copy (json_parser_get_root (parser));
}

/* ------------------------------------------------------------------------------------------
 * Walking checked text
 * ------------------------------------------------------------------------------------------ */

static const char *
skip_ws (const char *p,
         const char *end)
{
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
    p++;
  return p;
}

/* The end of the string starting at @p (its opening quote). */
static const char *
skip_string (const char *p,
             const char *end)
{
  for (p++; p < end; p++)
    {
      if (*p == '\\')
        p++;
      else if (*p == '"')
        return p + 1;
    }
  return end;
}

/* The end of the valid value at @p. */
static const char *
skip_value (const char *p,
            const char *end)
{
  guint depth = 0;

  do
    {
      if (p >= end)
        return end;
      switch (*p)
        {
        case '"':
          p = skip_string (p, end);
          continue;
        case '{':
        case '[':
          depth++;
          break;
        case '}':
        case ']':
          depth--;
          break;
        default:
          if (depth == 0)
            {
              /* A number or a literal: up to the next delimiter. */
              while (p < end && strchr (",}] \t\r\n", *p) == NULL)
                p++;
              return p;
            }
        }
      p++;
    }
  while (depth > 0);
  return p;
}

/**
 * authsim_json_find_member:
 *
 * See the header. A name written with escapes is not recognised (AuthSim never writes one).
 */
gboolean
authsim_json_find_member (const char  *object,
                          gsize        length,
                          const char  *name,
                          const char **value,
                          gsize       *value_length)
{
  const char *end = object + length;
  const char *p = skip_ws (object, end);
  gsize name_length = strlen (name);
  gboolean found = FALSE;

  if (p >= end || *p != '{')
    return FALSE;
  p = skip_ws (p + 1, end);

  while (p < end && *p == '"')
    {
      const char *key = p + 1;
      const char *key_end = skip_string (p, end) - 1;
      const char *value_start, *value_end;

      p = skip_ws (key_end + 1, end);
      if (p >= end || *p != ':')
        return found;
      value_start = skip_ws (p + 1, end);
      value_end = skip_value (value_start, end);
      /* The last of duplicate members wins, as in json-glib. */
      if ((gsize) (key_end - key) == name_length && memcmp (key, name, name_length) == 0)
        {
          *value = value_start;
          *value_length = value_end - value_start;
          found = TRUE;
        }
      p = skip_ws (value_end, end);
      if (p >= end || *p != ',')
        break;
      p = skip_ws (p + 1, end);
    }
  return found;
}

static void
append_newline_indent (GString *out,
                       guint    depth)
{
  g_string_append_c (out, '\n');
  for (guint i = 0; i < depth; i++)
    g_string_append (out, "  ");
}

/**
 * authsim_json_append_pretty:
 *
 * See the header: checked text re-indented, its strings and numbers as written.
 */
void
authsim_json_append_pretty (GString    *out,
                            const char *json,
                            gsize       length)
{
  const char *end = json + length;
  guint depth = 0;

  for (const char *p = json; p < end;)
    {
      const char *next;

      switch (*p)
        {
        case '"':
          next = skip_string (p, end);
          g_string_append_len (out, p, next - p);
          p = next;
          continue;
        case '{':
        case '[':
          g_string_append_c (out, *p);
          next = skip_ws (p + 1, end);
          if (next < end && (*next == '}' || *next == ']'))
            {
              g_string_append_c (out, *next);
              p = next + 1;
              continue;
            }
          append_newline_indent (out, ++depth);
          break;
        case '}':
        case ']':
          append_newline_indent (out, depth > 0 ? --depth : 0);
          g_string_append_c (out, *p);
          break;
        case ',':
          g_string_append_c (out, ',');
          append_newline_indent (out, depth);
          break;
        case ':':
          g_string_append (out, " : ");
          break;
        case ' ':
        case '\t':
        case '\n':
        case '\r':
          break;
        default:
          g_string_append_c (out, *p);
        }
      p++;
    }
}

/* In valid @array text, element @index: its text. */
static gboolean
find_element (const char  *array,
              gsize        length,
              guint        index,
              const char **value,
              gsize       *value_length)
{
  const char *end = array + length;
  const char *p = skip_ws (array, end);

  if (p >= end || *p != '[')
    return FALSE;
  p = skip_ws (p + 1, end);
  for (guint i = 0; p < end && *p != ']'; i++)
    {
      const char *value_end = skip_value (p, end);

      if (i == index)
        {
          *value = p;
          *value_length = value_end - p;
          return TRUE;
        }
      p = skip_ws (value_end, end);
      if (p >= end || *p != ',')
        return FALSE;
      p = skip_ws (p + 1, end);
    }
  return FALSE;
}

/**
 * authsim_json_dup_at_path:
 *
 * See the header. Each step narrows [value, value + length) to a member or an element.
 */
char *
authsim_json_dup_at_path (const char *json,
                          gsize       length,
                          const char *path)
{
  g_autoptr(GString) minified = NULL;
  const char *value = json;
  gsize value_length = length;
  const char *p = path;

  if (path[0] != '$' || !authsim_json_is_valid (json, length))
    return NULL;

  for (p = path + 1; *p != '\0';)
    {
      if (*p == '.')
        {
          gsize n = strcspn (p + 1, ".[");
          g_autofree char *name = g_strndup (p + 1, n);

          if (!authsim_json_find_member (value, value_length, name, &value, &value_length))
            return NULL;
          p += 1 + n;
        }
      else if (*p == '[')
        {
          char *end = NULL;
          guint64 index = g_ascii_strtoull (p + 1, &end, 10);

          if (end == p + 1 || *end != ']' || index > G_MAXUINT ||
              !find_element (value, value_length, (guint) index, &value, &value_length))
            return NULL;
          p = end + 1;
        }
      else
        {
          return NULL;
        }
    }

  minified = g_string_sized_new (value_length);
  if (!authsim_json_scan (value, value_length, NULL, minified, NULL))
    return NULL;
  return g_string_free (g_steal_pointer (&minified), FALSE);
}
