/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-settings-page.h: the mini program's settings page (SPEC §12), drawn as Alipay's 设置
 * page: one switch per authSetting key the app has asked for, and the 用户信息 row with
 * 解除授权. A view over the engine's "auth-setting" and "user-info-authorized": its switches
 * and buttons ask the engine, which decides (a switch turned on stays off until Allow). */
#pragma once

#include <gtk/gtk.h>

#include "authsim-engine.h"

G_BEGIN_DECLS

#define AUTHSIM_TYPE_SETTINGS_PAGE (authsim_settings_page_get_type ())
G_DECLARE_FINAL_TYPE (AuthsimSettingsPage, authsim_settings_page, AUTHSIM, SETTINGS_PAGE, GtkWidget)

/* Property "engine" (AuthsimEngine, rw, nullable). Accessible role dialog, named
 * "Mini program settings" (SPEC §13.5); its switches are toggle buttons named "Member basic
 * info", "Phone number" (and the device settings' names). Back and Escape leave it. */
GtkWidget *authsim_settings_page_new        (AuthsimEngine       *engine);
void       authsim_settings_page_set_engine (AuthsimSettingsPage *self,
                                             AuthsimEngine       *engine);
/* (transfer none) (nullable): the switch of @key ("userInfo", "phoneNumber", "location", …),
 * NULL when the page shows none. */
GtkWidget *authsim_settings_page_get_switch (AuthsimSettingsPage *self,
                                             const char          *key);
/* The title of @key's row, translated; also its switch's accessible name ("Member basic info"
 * in the C locale). An unknown key is its own title. */
const char *authsim_settings_key_title      (const char          *key);

G_END_DECLS
