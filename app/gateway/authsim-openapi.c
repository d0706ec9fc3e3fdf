/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "authsim-openapi.h"

/* ------------------------------------------------------------------------------------------ */
/* application/x-www-form-urlencoded                                                          */

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

gboolean
authsim_openapi_form_decode (const char *text,
                             gsize       length,
                             GString    *out)
{
  gsize i;

  g_string_truncate (out, 0);
  for (i = 0; i < length; i++)
    {
      char c = text[i];
      gsize run;

      /* Most of a value needs no decoding (a base64 signature is 344 characters of it):
       * copy such runs at once. */
      for (run = 0; i + run < length && text[i + run] != '+' && text[i + run] != '%'; run++)
        ;
      if (run > 0)
        {
          g_string_append_len (out, text + i, (gssize) run);
          i += run - 1;
          continue;
        }

      if (c == '+')
        g_string_append_c (out, ' ');
      else  /* '%' */
        {
          int hi, lo;

          if (i + 2 >= length)
            return FALSE;
          hi = hex_value (text[i + 1]);
          lo = hex_value (text[i + 2]);
          if (hi < 0 || lo < 0)
            return FALSE;
          g_string_append_c (out, (char) (hi * 16 + lo));
          i += 2;
        }
    }
  return TRUE;
}

void
authsim_openapi_form_append (GString    *form,
                             const char *key,
                             const char *value)
{
  if (form->len > 0)
    g_string_append_c (form, '&');
  g_string_append_uri_escaped (form, key, NULL, FALSE);
  g_string_append_c (form, '=');
  g_string_append_uri_escaped (form, value, NULL, FALSE);
}

/* ------------------------------------------------------------------------------------------ */
/* v2                                                                                         */

static int
compare_keys (const void *a,
              const void *b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* (transfer container): the keys of @params in byte order; *@n_keys their number. */
static const char **
sorted_keys (GHashTable *params,
             guint      *n_keys)
{
  const char **keys = (const char **) g_hash_table_get_keys_as_array (params, n_keys);

  qsort (keys, *n_keys, sizeof *keys, compare_keys);
  return keys;
}

char *
authsim_openapi_v2_sign_content (GHashTable *params)
{
  guint n_keys = 0;
  g_autofree const char **keys = sorted_keys (params, &n_keys);
  GString *content = g_string_new (NULL);

  for (guint i = 0; i < n_keys; i++)
    {
      const char *value = g_hash_table_lookup (params, keys[i]);

      if (strcmp (keys[i], "sign") == 0 || value == NULL || *value == '\0')
        continue;
      if (content->len > 0)
        g_string_append_c (content, '&');
      g_string_append (content, keys[i]);
      g_string_append_c (content, '=');
      g_string_append (content, value);
    }
  return g_string_free (content, FALSE);
}

char *
authsim_openapi_v2_form_body (GHashTable *params,
                              const char *sign)
{
  guint n_keys = 0;
  g_autofree const char **keys = sorted_keys (params, &n_keys);
  GString *form = g_string_new (NULL);

  for (guint i = 0; i < n_keys; i++)
    authsim_openapi_form_append (form, keys[i], g_hash_table_lookup (params, keys[i]));
  if (sign != NULL)
    authsim_openapi_form_append (form, "sign", sign);
  return g_string_free (form, FALSE);
}

char *
authsim_openapi_v2_sign_form (AuthsimKeys *keys,
                              GHashTable  *params,
                              GError     **error)
{
  g_autofree char *content = authsim_openapi_v2_sign_content (params);
  g_autofree char *sign = authsim_keys_sign_as_app (keys, content, strlen (content), error);

  if (sign == NULL)
    return NULL;
  return authsim_openapi_v2_form_body (params, sign);
}

char *
authsim_openapi_v2_response_key (const char *method)
{
  char *key = g_strconcat (method, "_response", NULL);

  for (char *p = key; *p != '\0'; p++)
    if (*p == '.')
      *p = '_';
  return key;
}

char *
authsim_openapi_v2_response_body (const char *response_key,
                                  const char *node,
                                  const char *cert_sn,
                                  const char *sign)
{
  if (cert_sn != NULL)
    return g_strconcat ("{\"", response_key, "\":", node,
                        ",\"" AUTHSIM_OPENAPI_V2_CERT_SN "\":\"", cert_sn,
                        "\",\"sign\":\"", sign, "\"}", NULL);
  return g_strconcat ("{\"", response_key, "\":", node, ",\"sign\":\"", sign, "\"}", NULL);
}

/* Where a trailing `,"alipay_cert_sn":"<hex>"` starts in the @length bytes at @text, or NULL. */
static const char *
find_cert_sn_member (const char *text,
                     gsize       length)
{
  static const char marker[] = ",\"" AUTHSIM_OPENAPI_V2_CERT_SN "\":\"";
  const char *at = g_strrstr_len (text, (gssize) length, marker);
  const char *end = text + length;

  if (at == NULL || end - at < (gssize) sizeof marker || end[-1] != '"')
    return NULL;
  for (const char *p = at + sizeof marker - 1; p < end - 1; p++)
    if (!g_ascii_isxdigit (*p))
      return NULL;
  return at;
}

const char *
authsim_openapi_v2_find_node (const char *body,
                              const char *response_key,
                              gsize      *length)
{
  g_autofree char *marker = g_strdup_printf ("\"%s\":", response_key);
  const char *start = strstr (body, marker);
  const char *end = g_strrstr (body, ",\"sign\"");

  *length = 0;
  if (start == NULL || end == NULL)
    return NULL;
  start += strlen (marker);
  if (end <= start)
    return NULL;
  {
    const char *cert_sn = find_cert_sn_member (start, (gsize) (end - start));

    if (cert_sn != NULL)
      end = cert_sn;
  }
  if (end <= start)
    return NULL;
  *length = (gsize) (end - start);
  return start;
}

gboolean
authsim_openapi_v2_verify_response (AuthsimKeys *keys,
                                    const char  *body,
                                    const char  *response_key,
                                    const char  *sign)
{
  gsize length;
  const char *node = authsim_openapi_v2_find_node (body, response_key, &length);

  return node != NULL && authsim_keys_verify_gateway (keys, node, length, sign, NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Content encryption                                                                         */

char *
authsim_openapi_encrypted_node (const char *ciphertext)
{
  return g_strconcat ("\"", ciphertext, "\"", NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* v3                                                                                         */

char *
authsim_openapi_v3_request_content (const char *auth_string,
                                    const char *http_method,
                                    const char *path,
                                    const char *query,
                                    const char *body,
                                    gsize       body_length,
                                    const char *app_auth_token)
{
  GString *content = g_string_new (auth_string);

  g_string_append_printf (content, "\n%s\n%s", http_method, path);
  if (query != NULL)
    g_string_append_printf (content, "?%s", query);
  g_string_append_c (content, '\n');
  g_string_append_len (content, body, (gssize) body_length);
  g_string_append_c (content, '\n');
  if (app_auth_token != NULL)
    g_string_append_printf (content, "%s\n", app_auth_token);
  return g_string_free (content, FALSE);
}

char *
authsim_openapi_v3_response_content (const char *timestamp,
                                     const char *nonce,
                                     const char *body)
{
  return g_strdup_printf ("%s\n%s\n%s\n", timestamp, nonce, body);
}

/* ------------------------------------------------------------------------------------------ */
/* Time                                                                                       */

static GTimeZone *
shanghai (void)
{
  static GTimeZone *tz;

  if (g_once_init_enter (&tz))
    {
      GTimeZone *zone = g_time_zone_new_identifier ("Asia/Shanghai");

      /* No tzdata: China has had no DST since 1991, a fixed +08:00 is right. */
      if (zone == NULL)
        zone = g_time_zone_new_offset (8 * 3600);
      g_once_init_leave (&tz, zone);
    }
  return tz;
}

char *
authsim_openapi_format_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (unix_seconds);
  g_autoptr(GDateTime) local = NULL;

  if (utc == NULL)
    return g_strdup ("1970-01-01 08:00:00");
  local = g_date_time_to_timezone (utc, shanghai ());
  return g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
}

gboolean
authsim_openapi_time_is_valid (const char *text)
{
  static const char pattern[] = "dddd-dd-dd dd:dd:dd";
  int y, mo, d, h, mi, s;
  GDateTime *dt;
  gsize i;

  if (strlen (text) != sizeof pattern - 1)
    return FALSE;
  for (i = 0; i < sizeof pattern - 1; i++)
    {
      if (pattern[i] == 'd' ? !g_ascii_isdigit (text[i]) : text[i] != pattern[i])
        return FALSE;
    }
  y = atoi (text);
  mo = atoi (text + 5);
  d = atoi (text + 8);
  h = atoi (text + 11);
  mi = atoi (text + 14);
  s = atoi (text + 17);
  if (y < 1 || h > 23 || mi > 59 || s > 59)
    return FALSE;
  dt = g_date_time_new_utc (y, mo, d, h, mi, s);
  if (dt == NULL)
    return FALSE;
  g_date_time_unref (dt);
  return TRUE;
}
