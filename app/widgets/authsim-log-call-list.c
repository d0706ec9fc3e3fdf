/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "authsim-log-call-list.h"

struct _AuthsimLogCallList
{
  GObject  parent_instance;

  GArray  *calls;   /* guint, sorted, distinct */
};

static void authsim_log_call_list_list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (AuthsimLogCallList, authsim_log_call_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      authsim_log_call_list_list_model_iface_init))

static GType
authsim_log_call_list_get_item_type (GListModel *model)
{
  return GTK_TYPE_STRING_OBJECT;
}

static guint
authsim_log_call_list_get_n_items (GListModel *model)
{
  AuthsimLogCallList *self = AUTHSIM_LOG_CALL_LIST (model);

  return self->calls->len + 1;
}

static gpointer
authsim_log_call_list_get_item (GListModel *model,
                                guint       position)
{
  AuthsimLogCallList *self = AUTHSIM_LOG_CALL_LIST (model);
  g_autofree char *label = NULL;

  if (position > self->calls->len)
    return NULL;
  if (position == 0)
    /* Translators: the first item of the "Filter by call" list. */
    return gtk_string_object_new (_("All calls"));

  /* Translators: an item of the "Filter by call" list; %u is a call id. */
  label = g_strdup_printf (_("Call #%u"), g_array_index (self->calls, guint, position - 1));
  return gtk_string_object_new (label);
}

static void
authsim_log_call_list_list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = authsim_log_call_list_get_item_type;
  iface->get_n_items = authsim_log_call_list_get_n_items;
  iface->get_item = authsim_log_call_list_get_item;
}

guint
authsim_log_call_list_get_call (AuthsimLogCallList *self,
                                guint               position)
{
  g_return_val_if_fail (AUTHSIM_IS_LOG_CALL_LIST (self), 0);

  if (position == 0 || position > self->calls->len)
    return 0;
  return g_array_index (self->calls, guint, position - 1);
}

/* The index of @call in calls, or where it would go. */
static guint
bisect (AuthsimLogCallList *self,
        guint               call,
        gboolean           *found)
{
  guint lo = 0, hi = self->calls->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      guint value = g_array_index (self->calls, guint, mid);

      if (value == call)
        {
          *found = TRUE;
          return mid;
        }
      if (value < call)
        lo = mid + 1;
      else
        hi = mid;
    }
  *found = FALSE;
  return lo;
}

guint
authsim_log_call_list_find (AuthsimLogCallList *self,
                            guint               call)
{
  gboolean found;
  guint index;

  g_return_val_if_fail (AUTHSIM_IS_LOG_CALL_LIST (self), 0);

  index = bisect (self, call, &found);
  return found ? index + 1 : 0;
}

static int
compare_calls (gconstpointer a,
               gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;

  return x < y ? -1 : x > y;
}

/*
 * New calls mostly come after all the others (a new call's events), and are appended as one
 * change; an older call among them (rare: a gateway request redeeming an old code, earlier
 * launches' calls arriving) makes one change of the whole list.
 */
void
authsim_log_call_list_add (AuthsimLogCallList *self,
                           const guint        *calls,
                           gsize               n)
{
  g_autoptr(GArray) fresh = g_array_new (FALSE, FALSE, sizeof (guint));
  guint last = self->calls->len > 0 ? g_array_index (self->calls, guint, self->calls->len - 1)
                                    : 0;
  guint old = self->calls->len;
  gboolean in_order = TRUE;

  g_return_if_fail (AUTHSIM_IS_LOG_CALL_LIST (self));

  for (gsize i = 0; i < n; i++)
    {
      gboolean found;

      if (calls[i] == 0 || calls[i] == last)
        continue;
      if (calls[i] < last)
        {
          bisect (self, calls[i], &found);
          if (found)
            continue;
          in_order = FALSE;
        }
      g_array_append_val (fresh, calls[i]);
      last = MAX (last, calls[i]);
    }
  if (fresh->len == 0)
    return;

  g_array_append_vals (self->calls, fresh->data, fresh->len);
  if (in_order)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), old + 1, 0, fresh->len);
      return;
    }

  g_array_sort (self->calls, compare_calls);
  {
    guint kept = 0;

    for (guint i = 0; i < self->calls->len; i++)
      if (kept == 0 || g_array_index (self->calls, guint, i) !=
                       g_array_index (self->calls, guint, kept - 1))
        g_array_index (self->calls, guint, kept++) = g_array_index (self->calls, guint, i);
    g_array_set_size (self->calls, kept);
  }
  g_list_model_items_changed (G_LIST_MODEL (self), 1, old, self->calls->len);
}

void
authsim_log_call_list_reset (AuthsimLogCallList *self)
{
  guint old;

  g_return_if_fail (AUTHSIM_IS_LOG_CALL_LIST (self));

  old = self->calls->len;
  g_array_set_size (self->calls, 0);
  if (old > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 1, old, 0);
}

static void
authsim_log_call_list_finalize (GObject *object)
{
  AuthsimLogCallList *self = AUTHSIM_LOG_CALL_LIST (object);

  g_clear_pointer (&self->calls, g_array_unref);

  G_OBJECT_CLASS (authsim_log_call_list_parent_class)->finalize (object);
}

static void
authsim_log_call_list_class_init (AuthsimLogCallListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = authsim_log_call_list_finalize;
}

static void
authsim_log_call_list_init (AuthsimLogCallList *self)
{
  self->calls = g_array_new (FALSE, FALSE, sizeof (guint));
}

AuthsimLogCallList *
authsim_log_call_list_new (void)
{
  return g_object_new (AUTHSIM_TYPE_LOG_CALL_LIST, NULL);
}
