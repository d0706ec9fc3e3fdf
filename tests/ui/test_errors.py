#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Error branches through AT-SPI (issue 3): an invalid scope (toast, then fail 3), a wrong type
(fail 2), web-view (fail 1) and no permission (fail 4)."""

import json
import os
import sys
import tempfile

from atspi_helpers import (TOGGLE, Session, check, check_equal, check_fail, is_pressed, poll,
                           run, source_root)


def invalid_scope_shows_toast():
    with Session() as app:
        mark = app.last_seq()
        call = app.compose_call({"scopes": "no_such_scope"})
        # The toast is on screen (an alert) before the call fails.
        toast = app.find("alert", "Service busy, please try again later")
        check(toast is not None, "the toast")
        callbacks = app.wait_complete(call)
        check_fail(callbacks, 3, "未找到授权结果")
        toasts = app.kinds(call, "toast")
        check_equal(len(toasts), 1, "toast events")
        check_equal(toasts[0]["message"], "服务正忙，请稍后再试", "toast message")
        fail_seq = callbacks[0]["seq"]
        check(toasts[0]["seq"] < fail_seq, "the toast comes before fail")
        app.wait_gone("alert", "Service busy, please try again later")
        check(app.dialog_now() is None, "no dialog for an unknown scope")
        check(mark < fail_seq, "events are new")


def wrong_type_fails_2():
    with Session() as app:
        call = app.compose_call({"scopes": 42})
        check_fail(app.wait_complete(call), 2, "invalid parameter!")
        check_equal(app.kinds(call, "toast"), [], "toast events")
        check(app.dialog_now() is None, "no dialog for a wrong type")


def web_view_fails_1():
    with Session() as app:
        toggle = app.find(TOGGLE, "Web-view")
        app.click(toggle)
        poll(lambda: is_pressed(toggle), "Web-view to be pressed", alive=app.alive)
        call = app.compose_call({"scopes": "auth_user"})
        check_fail(app.wait_complete(call), 1, "接口不存在")
        check_equal(app.kinds(call, "call")[0]["container"], "web-view", "container")
        check(app.dialog_now() is None, "no dialog in web-view")


def no_permission_fails_4():
    # The demo profile with the JSAPI base package switched off.
    with open(os.path.join(source_root(), "data", "demo-profile.json"), encoding="utf-8") as f:
        profile = json.load(f)
    profile["jsapiBasePackage"] = False
    for key in ("icon",):
        profile.pop(key, None)
    if "host" in profile:
        profile["host"].pop("icon", None)
    fd, path = tempfile.mkstemp(suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(profile, f)
    try:
        with Session(["--profile", path]) as app:
            call = app.compose_call({"scopes": "auth_user"})
            check_fail(app.wait_complete(call), 4, "无权调用",
                       {"message": "无权调用", "signature": "N22104"})
            check(app.dialog_now() is None, "no dialog without permission")
    finally:
        os.unlink(path)


if __name__ == "__main__":
    sys.exit(run([
        invalid_scope_shows_toast,
        wrong_type_fails_2,
        web_view_fails_1,
        no_permission_fails_4,
    ]))
