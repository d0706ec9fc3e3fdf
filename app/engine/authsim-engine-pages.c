/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-engine-pages.c: the preview's page stack of AuthsimEngine (launch, navigation, back,
 * button taps), its lifecycle events and the first screen of SPEC §4. The calls that page
 * hooks and buttons make go through the pipeline in authsim-engine.c; getAuthorize buttons
 * through authsim-engine-consent.c. */
#include "config.h"

#include "authsim-engine-private.h"

void
authsim_engine_set_banner (AuthsimEngine *self,
                           const char    *banner)
{
  if (g_strcmp0 (self->banner, banner) == 0)
    return;
  g_free (self->banner);
  self->banner = g_strdup (banner);
  authsim_engine_notify (self, PROP_BANNER);
}

static void
show_page (AuthsimEngine     *self,
           const AuthsimPage *page)
{
  const char *path = authsim_page_get_path (page);

  log_lifecycle (self, "onLoad", path);
  log_lifecycle (self, "onShow", path);
  authsim_engine_notify (self, PROP_PAGE_PATH);
  authsim_engine_notify (self, PROP_CAN_GO_BACK);
  authsim_engine_notify_page_info (self);
  fire_lifecycle_call (self, page, "onLoad");
  fire_lifecycle_call (self, page, "onShow");
}

static void
launch_at (AuthsimEngine     *self,
           const AuthsimPage *page)
{
  authsim_engine_abandon_calls (self, "the mini program was relaunched");
  authsim_engine_set_banner (self, NULL);

  g_ptr_array_set_size (self->stack, 0);
  authsim_engine_trim_page_info (self);
  g_ptr_array_add (self->stack, (gpointer) page);
  set_first_screen (self, TRUE);

  log_lifecycle (self, "onLaunch", authsim_page_get_path (page));
  show_page (self, page);
}

void
authsim_engine_launch (AuthsimEngine *self)
{
  g_return_if_fail (AUTHSIM_IS_ENGINE (self));

  launch_at (self, authsim_profile_get_page (self->profile, 0));
}

void
authsim_engine_set_profile (AuthsimEngine  *self,
                            AuthsimProfile *profile)
{
  g_return_if_fail (AUTHSIM_IS_ENGINE (self));
  g_return_if_fail (AUTHSIM_IS_PROFILE (profile));

  if (self->profile == profile)
    return;

  /* The page stack points into the old profile: drop it before the profile goes. */
  authsim_engine_abandon_calls (self, "the profile was replaced");
  g_ptr_array_set_size (self->stack, 0);
  authsim_engine_trim_page_info (self);
  g_set_object (&self->profile, profile);
  authsim_engine_reset_device_settings (self);
  authsim_engine_notify (self, PROP_PROFILE);
  authsim_engine_refresh_settings (self);
  authsim_engine_launch (self);
}

static const AuthsimPage *
find_page (AuthsimEngine  *self,
           const char     *path,
           GError        **error)
{
  const AuthsimPage *page = path != NULL ? authsim_profile_find_page (self->profile, path) : NULL;

  if (page == NULL)
    g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_NOT_FOUND,
                 "no page has path \"%s\"", path != NULL ? path : "");
  return page;
}

gboolean
authsim_engine_navigate (AuthsimEngine  *self,
                         const char     *path,
                         GError        **error)
{
  const AuthsimPage *page;
  const AuthsimPage *previous;

  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), FALSE);

  if ((page = find_page (self, path, error)) == NULL)
    return FALSE;

  set_first_screen (self, FALSE);
  authsim_engine_set_banner (self, NULL);
  previous = current_page (self);
  if (previous != NULL)
    log_lifecycle (self, "onHide", authsim_page_get_path (previous));
  g_ptr_array_add (self->stack, (gpointer) page);
  show_page (self, page);
  return TRUE;
}

gboolean
authsim_engine_navigate_back (AuthsimEngine  *self,
                              GError        **error)
{
  const AuthsimPage *page;

  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), FALSE);

  if (self->stack->len < 2)
    {
      g_set_error_literal (error, AUTHSIM_ERROR, AUTHSIM_ERROR_NOT_FOUND,
                           "the launch page has nothing to go back to");
      return FALSE;
    }

  set_first_screen (self, FALSE);
  authsim_engine_set_banner (self, NULL);
  log_lifecycle (self, "onUnload", authsim_page_get_path (current_page (self)));
  g_ptr_array_remove_index (self->stack, self->stack->len - 1);
  authsim_engine_trim_page_info (self);
  page = current_page (self);
  log_lifecycle (self, "onShow", authsim_page_get_path (page));
  authsim_engine_notify (self, PROP_PAGE_PATH);
  authsim_engine_notify (self, PROP_CAN_GO_BACK);
  authsim_engine_notify_page_info (self);
  fire_lifecycle_call (self, page, "onShow");
  return TRUE;
}

/* What button @i of @page does when tapped: a call, a navigation, a relaunch, a getAuthorize
 * tap, or nothing. */
static gboolean
press_button (AuthsimEngine      *self,
              const AuthsimPage  *page,
              guint               i,
              GError            **error)
{
  JsonNode *params = NULL;
  const char *target;
  AuthsimContainer container = self->container;
  AuthsimApi api;

  set_first_screen (self, FALSE);
  if (authsim_page_get_button_call (page, i, &api, &params))
    {
      authsim_page_get_button_container (page, i, &container);
      authsim_engine_make_call (self, api, params, AUTHSIM_TRIGGER_TAP, container, NULL);
      return TRUE;
    }
  if (authsim_page_get_button_authorize (page, i, NULL))
    {
      authsim_engine_press_authorize (self, page, i);
      return TRUE;
    }
  if ((target = authsim_page_get_button_navigate_to (page, i)) != NULL)
    return authsim_engine_navigate (self, target, error);
  if ((target = authsim_page_get_button_relaunch (page, i)) != NULL)
    {
      const AuthsimPage *root = find_page (self, target, error);

      if (root == NULL)
        return FALSE;
      launch_at (self, root);
      return TRUE;
    }
  return TRUE;
}

gboolean
authsim_engine_tap (AuthsimEngine  *self,
                    const char     *label,
                    GError        **error)
{
  const AuthsimPage *page;

  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), FALSE);

  page = current_page (self);
  for (guint i = 0; page != NULL && i < authsim_page_get_n_buttons (page); i++)
    {
      if (g_strcmp0 (authsim_page_get_button_label (page, i), label) == 0)
        return press_button (self, page, i, error);
    }

  g_set_error (error, AUTHSIM_ERROR, AUTHSIM_ERROR_NOT_FOUND,
               "page \"%s\" has no button labelled \"%s\"",
               page != NULL ? authsim_page_get_path (page) : "", label != NULL ? label : "");
  return FALSE;
}

void
authsim_engine_dismiss_banner (AuthsimEngine *self)
{
  g_return_if_fail (AUTHSIM_IS_ENGINE (self));

  authsim_engine_set_banner (self, NULL);
}

const AuthsimPage *
authsim_engine_get_page (AuthsimEngine *self)
{
  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), NULL);

  return current_page (self);
}

const char *
authsim_engine_get_page_path (AuthsimEngine *self)
{
  const AuthsimPage *page;

  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), NULL);

  page = current_page (self);
  return page != NULL ? authsim_page_get_path (page) : NULL;
}

gboolean
authsim_engine_get_can_go_back (AuthsimEngine *self)
{
  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), FALSE);

  return self->stack->len > 1;
}

gboolean
authsim_engine_get_first_screen (AuthsimEngine *self)
{
  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), FALSE);

  return self->first_screen;
}

const char *
authsim_engine_get_banner (AuthsimEngine *self)
{
  g_return_val_if_fail (AUTHSIM_IS_ENGINE (self), NULL);

  return self->banner;
}
