#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The first-screen rule through AT-SPI (SPEC §4): after Relaunch, a "Page load" call asking for
auth_user is a violation. enforce: banner, no dialog, fail 3. warn: dialog and banner."""

import sys

from atspi_helpers import Session, check, check_equal, check_fail, check_success, run


def relaunch(app):
    mark = app.last_seq()
    app.click_button("Relaunch mini program")
    app.wait_event(lambda e: e["seq"] > mark and e["kind"] == "lifecycle" and
                   e.get("event") == "onShow", "the relaunch")


def check_violation(app, call, mode):
    violations = app.kinds(call, "violation")
    check_equal(len(violations), 1, "violation events")
    check_equal(violations[0]["rule"], "first-screen", "violation rule")
    check_equal(violations[0]["mode"], mode, "violation mode")
    check_equal(app.kinds(call, "call")[0]["firstScreen"], True, "call.firstScreen")
    check_equal(app.kinds(call, "call")[0]["trigger"], "lifecycle", "call.trigger")


def enforce_blocks_the_popup():
    with Session(["--first-screen-rule", "enforce"]) as app:
        relaunch(app)
        call = app.compose_call({"scopes": "auth_user"}, trigger="Page load")
        banner = app.find("alert", "First-screen rule", prefix=True)
        check_fail(app.wait_complete(call), 3, "未找到授权结果")
        check_violation(app, call, "enforce")
        check(app.dialog_now() is None, "no dialog in enforce mode")
        check_equal(app.kinds(call, "popup"), [], "popup events")
        # The banner can be dismissed.
        app.click_button("Dismiss", root=banner)
        app.wait_gone("alert", "First-screen rule", prefix=True)


def warn_shows_popup_and_banner():
    with Session(["--first-screen-rule", "warn"]) as app:
        relaunch(app)
        call = app.compose_call({"scopes": "auth_user"}, trigger="Page load")
        dialog = app.dialog()
        app.find("alert", "First-screen rule", prefix=True)
        check_violation(app, call, "warn")
        app.click_button("Allow", root=dialog)
        check_success(app.wait_complete(call), ["auth_user"])


def auth_base_on_first_screen_is_fine():
    with Session(["--first-screen-rule", "enforce"]) as app:
        relaunch(app)
        call = app.compose_call({"scopes": "auth_base"}, trigger="Page load")
        check_success(app.wait_complete(call), ["auth_base"])
        check_equal(app.kinds(call, "violation"), [], "violation events")
        check(app.find_now("alert", "First-screen rule", prefix=True) is None, "no banner")


if __name__ == "__main__":
    sys.exit(run([
        enforce_blocks_the_popup,
        warn_shows_popup_and_banner,
        auth_base_on_first_screen_is_fine,
    ]))
