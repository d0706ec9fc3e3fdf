#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The consent popup through AT-SPI (issue 3): silent auth_base, Allow, Reject, Close, Escape,
a remembered grant, and Clear authorization data. Payloads are read from the JSON Lines log."""

import sys

from atspi_helpers import (TOGGLE, Session, check, check_equal, check_fail, check_success,
                           node_name, poll, role_name, run, walk)


def spec_names_present():
    """The window's part of the SPEC §7 table, in the C locale."""
    with Session() as app:
        check_equal(role_name(app.window), "frame", "main window role")
        app.find("combo box", "Test user")
        app.find("push button", "Relaunch mini program")
        for name in ("Mini program", "Plugin", "Web-view"):
            app.find(TOGGLE, name)
        app.find("status bar", "Status: idle")
        # The primary menu's items (popover contents may not report "visible").
        menu_button = app.find("push button", "Main menu")
        inner = next(n for n in walk(menu_button)
                     if n is not menu_button and role_name(n) == "push button")
        app.click(inner)
        for name in ("Relaunch mini program", "Clear authorization data", "Export log…",
                     "Preferences"):
            app.find("menu item", name, showing=False)
        # Preferences opens its own window.
        app.click(app.find("menu item", "Preferences", showing=False))
        poll(lambda: any(node_name(c) not in (None, "", "AuthSim") for c in app.node),
             "the Preferences window", alive=app.alive)

def auth_base_is_silent():
    with Session() as app:
        call = app.compose_call({"scopes": "auth_base"})
        callbacks = app.wait_complete(call)
        check_success(callbacks, ["auth_base"])
        check_equal(app.kinds(call, "popup"), [], "popup events of a silent call")
        check(app.dialog_now() is None, "no dialog for auth_base")


def auth_user_allow():
    with Session() as app:
        call = app.compose_call({"scopes": "auth_user"})
        dialog = app.dialog()
        app.click_button("Allow", root=dialog)
        callbacks = app.wait_complete(call)
        check_success(callbacks, ["auth_user"])
        app.wait_gone("dialog", "Authorization request")
        decisions = app.kinds(call, "decision")
        check_equal([d["decision"] for d in decisions], ["allow"], "decision")
        check_equal(decisions[0]["source"], "ui", "decision source")


def auth_user_reject():
    with Session() as app:
        call = app.compose_call({"scopes": "auth_user"})
        app.click_button("Reject", root=app.dialog())
        callbacks = app.wait_complete(call)
        check_fail(callbacks, 11, "用户取消授权")
        app.wait_gone("dialog", "Authorization request")


def auth_user_close():
    with Session() as app:
        call = app.compose_call({"scopes": "auth_user"})
        app.click_button("Close", root=app.dialog())
        callbacks = app.wait_complete(call)
        check_fail(callbacks, 3, "未找到授权结果")
        app.wait_gone("dialog", "Authorization request")


def auth_user_escape():
    with Session() as app:
        call = app.compose_call({"scopes": "auth_user"})
        dialog = app.dialog()
        allow = app.find("push button", "Allow", root=dialog)
        # Focus moves into the sheet when it opens (Component.grabFocus raises on GTK 4.8);
        # without a window manager X routes keys to the window under the pointer.
        app.pointer_to(allow)
        app.press_escape()
        callbacks = app.wait_complete(call)
        check_fail(callbacks, 3, "未找到授权结果")
        check_equal([d["decision"] for d in app.kinds(call, "decision")], ["close"], "decision")
        app.wait_gone("dialog", "Authorization request")


def remembered_grant_then_clear():
    with Session() as app:
        first = app.compose_call({"scopes": "auth_user"})
        app.click_button("Allow", root=app.dialog())
        check_success(app.wait_complete(first), ["auth_user"])
        app.wait_gone("dialog", "Authorization request")

        # Granted: the second call skips the popup (SPEC §2.2 step 7).
        second = app.compose_call({"scopes": "auth_user"})
        check_success(app.wait_complete(second), ["auth_user"])
        check_equal(app.kinds(second, "popup"), [], "popup events of the remembered call")
        check(app.dialog_now() is None, "no dialog for a remembered grant")

        # Clear authorization data (primary menu): the popup asks again.
        mark = app.last_seq()
        app.menu_item("Clear authorization data")
        app.wait_event(lambda e: e["seq"] > mark and e["kind"] == "grant" and
                       e.get("event") == "cleared", "the grants to be cleared")
        third = app.compose_call({"scopes": "auth_user"})
        app.click_button("Reject", root=app.dialog())
        check_fail(app.wait_complete(third), 11, "用户取消授权")


if __name__ == "__main__":
    sys.exit(run([
        spec_names_present,
        auth_base_is_silent,
        auth_user_allow,
        auth_user_reject,
        auth_user_close,
        auth_user_escape,
        remembered_grant_then_clear,
    ]))
