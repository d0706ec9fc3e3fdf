#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Simplified Chinese UI (SPEC §9): with LANGUAGE=zh_CN the consent sheet says 允许 and 拒绝,
while the payloads stay as Alipay sends them. Every name is Chinese here, so the call comes from
the demo profile's own page buttons, whose zh_CN labels are read from the profile file."""

import sys

import pyatspi

from atspi_helpers import (Session, check, check_fail, demo_taps_to_auth_user, node_name, poll,
                           role_name, run, walk)


def sheet_in_chinese():
    taps = demo_taps_to_auth_user("zh_CN")
    with Session(language="zh_CN") as app:
        call = app.tap_page_buttons(taps)
        check(call is not None, "tapping %r made a call" % taps)
        # The dialog's name is translated too: find it by role.
        dialog = poll(lambda: next((n for n in walk(app.node)
                                    if role_name(n) == "dialog" and
                                    n.getState().contains(pyatspi.STATE_VISIBLE)), None),
                      "the consent dialog", alive=app.alive)
        names = [node_name(n) for n in walk(dialog) if role_name(n) == "push button"]
        check("允许" in names, "允许 among the sheet's buttons %r" % names)
        check("拒绝" in names, "拒绝 among the sheet's buttons %r" % names)
        app.click_button("拒绝", root=dialog)
        # Payloads are Alipay's, whatever the UI language.
        check_fail(app.wait_complete(call), 11, "用户取消授权")


if __name__ == "__main__":
    sys.exit(run([sheet_in_chinese]))
