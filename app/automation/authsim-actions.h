/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authsim-actions.h: the scripting actions of SPEC §8, shared by the window's GtkApplication
 * and the headless GApplication, so D-Bus (`gapplication action …`), menus and tests all reach
 * the same code. GIO only. */
#pragma once

#include <gio/gio.h>

#include "authsim-engine.h"
#include "authsim-responder.h"

G_BEGIN_DECLS

/*
 * Adds these actions to @map, acting on @engine, @store (the clock) and @responder (the
 * automatic answers); the actions keep references to them:
 *   call (s)          JSON {"api": "getAuthCode" (default)|"getOpenUserInfo"|"getPhoneNumber"|
 *                     "getSetting"|"openSetting", "params": …, "trigger": "tap"|"lifecycle",
 *                     "container": …}
 *   respond (s)       allow | reject | close: answers the open popup, whatever asked for it
 *                     (source "dbus")
 *   tap-authorize (s) a scope: taps the current page's getAuthorize button with that scope, or a
 *                     virtual one (SPEC §10.2)
 *   set-setting (s)   JSON {"scope": "userInfo", "enabled": false}: flips a settings switch
 *   open-settings     opens the settings page (the capsule's "…" → 设置)
 *   close-settings    leaves it (back): answers the my.openSetting that opened it
 *   navigate (s)      a page path
 *   relaunch          back to the launch page, first screen again
 *   clear-grants      Clear authorization data
 *   set-user (s)      a test user's userId
 *   advance-clock (s) "+3m", "+15d", "+90s", "+2h" (units s, m, h, d)
 *   answer (s)        allow | reject | close: a standing answer for every popup; none clears it
 * A malformed parameter is logged as an "error" event (source "dbus", message
 * "<action>: <reason>") and changes nothing else.
 */
void authsim_actions_install (GActionMap       *map,
                              AuthsimEngine    *engine,
                              AuthsimStore     *store,
                              AuthsimResponder *responder);

G_END_DECLS
