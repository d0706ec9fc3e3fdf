/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "authsim-json.h"
#include "authsim-scopes.h"

/* In the order the popup lists them; auth_base first. */
static const char * const known_scopes[] = {
  "auth_base",
  "auth_user",
  "auth_zhima",
  "order_service",
  "auth_ecard",
  "auth_invoice_info",
  "auth_life_msg",
  "auth_campus",
  NULL
};

const char * const *
authsim_scopes_known (void)
{
  return known_scopes;
}

gboolean
authsim_scope_is_known (const char *scope)
{
  return scope != NULL && g_strv_contains (known_scopes, scope);
}

gboolean
authsim_scope_is_silent (const char *scope)
{
  return g_strcmp0 (scope, "auth_base") == 0;
}

static gboolean
is_string_node (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

static AuthsimScopesResult
fail (AuthsimScopesResult   result,
      char                **out_reason,
      const char           *format,
      ...) G_GNUC_PRINTF (3, 4);

static AuthsimScopesResult
fail (AuthsimScopesResult   result,
      char                **out_reason,
      const char           *format,
      ...)
{
  va_list args;

  if (out_reason != NULL)
    {
      va_start (args, format);
      *out_reason = g_strdup_vprintf (format, args);
      va_end (args);
    }

  return result;
}

/* Adds @name to @names unless it is there already (duplicates dropped, order kept). */
static void
add_unique (GPtrArray  *names,
            const char *name)
{
  for (guint i = 0; i < names->len; i++)
    if (g_str_equal (g_ptr_array_index (names, i), name))
      return;

  g_ptr_array_add (names, g_strdup (name));
}

static AuthsimScopesResult
check_names (GPtrArray  *names,
             GStrv      *out_scopes,
             char      **out_reason)
{
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);

      if (*name == '\0')
        return fail (AUTHSIM_SCOPES_UNKNOWN, out_reason, "empty scope name");
      if (!authsim_scope_is_known (name))
        return fail (AUTHSIM_SCOPES_UNKNOWN, out_reason, "unknown scope \"%s\"", name);
    }

  if (out_scopes != NULL)
    {
      g_ptr_array_add (names, NULL);
      *out_scopes = (GStrv) g_ptr_array_steal (names, NULL);
    }

  return AUTHSIM_SCOPES_OK;
}

/*
 * Choices where the documents are silent:
 * - a string is split on "," and every piece trimmed; an empty piece ("auth_base,", ",")
 *   counts as an unknown scope, like the empty string itself;
 * - duplicates are dropped from a split string too, as from an array;
 * - array elements are taken literally: neither split on "," nor trimmed, so
 *   ["auth_user,auth_base"] or [" auth_user"] name an unknown scope;
 * - the element types of an array are checked before any name, so ["auth_foo", 1] is a
 *   wrong type (error 2), not an unknown scope (error 3).
 */
AuthsimScopesResult
authsim_scopes_parse (JsonNode   *scopes,
                      GStrv      *out_scopes,
                      char      **out_reason)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  if (out_scopes != NULL)
    *out_scopes = NULL;
  if (out_reason != NULL)
    *out_reason = NULL;

  if (scopes == NULL || JSON_NODE_HOLDS_NULL (scopes))
    {
      /* Source: the default scope is auth_base. */
      g_ptr_array_add (names, g_strdup ("auth_base"));
    }
  else if (is_string_node (scopes))
    {
      const char *value = json_node_get_string (scopes);
      g_auto(GStrv) pieces = NULL;

      if (*value == '\0')
        return fail (AUTHSIM_SCOPES_UNKNOWN, out_reason, "empty scopes string");

      pieces = g_strsplit (value, ",", -1);
      for (guint i = 0; pieces[i] != NULL; i++)
        add_unique (names, g_strstrip (pieces[i]));
    }
  else if (JSON_NODE_HOLDS_ARRAY (scopes))
    {
      JsonArray *array = json_node_get_array (scopes);
      guint n = json_array_get_length (array);

      if (n == 0)
        return fail (AUTHSIM_SCOPES_UNKNOWN, out_reason, "empty scopes array");

      for (guint i = 0; i < n; i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (!is_string_node (element))
            return fail (AUTHSIM_SCOPES_INVALID_TYPE, out_reason,
                         "scopes[%u] must be a string, got %s", i, authsim_json_describe (element));
        }

      for (guint i = 0; i < n; i++)
        add_unique (names, json_array_get_string_element (array, i));
    }
  else
    {
      return fail (AUTHSIM_SCOPES_INVALID_TYPE, out_reason,
                   "scopes must be a string or an array of strings, got %s",
                   authsim_json_describe (scopes));
    }

  return check_names (names, out_scopes, out_reason);
}
