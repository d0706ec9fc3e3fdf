#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The window's command line against its settings, and its shutdown on signals (reliability
issue): an explicit --gateway-address wins over a saved setting even when it names the default,
the sign-mode setting applies unless --sign-mode is given,
and SIGTERM, SIGINT and SIGHUP quit cleanly (exit status 0)."""

import re
import signal
import sys

from atspi_helpers import App, check, check_equal, run


def listening_url(app):
    event = app.wait_event(lambda e: e["kind"] == "gateway" and e.get("event") == "listening",
                           "the gateway's listening event")
    return event["url"]


def explicit_loopback_wins_over_settings():
    app = App(["--gateway-address", "127.0.0.1"], settings={"gateway-address": "'0.0.0.0'"})
    try:
        url = listening_url(app)
        check(url.startswith("http://127.0.0.1:"), f"listening on loopback, got {url}")
    finally:
        app.close()


def settings_apply_without_the_option():
    app = App(settings={"gateway-address": "'0.0.0.0'"})
    try:
        url = listening_url(app)
        check(url.startswith("http://0.0.0.0:"), f"listening where the settings say, got {url}")
    finally:
        app.close()


def sign_mode_setting_applies():
    """The sign-mode setting applies as gateway-port does; --sign-mode wins over it."""
    app = App(settings={"sign-mode": "'cert'"})
    try:
        listening_url(app)
        event = app.wait_event(lambda e: e["kind"] == "gateway" and e.get("event") == "listening",
                               "the gateway's listening event")
        check_equal(event.get("sign_mode"), "cert", "the sign mode from the settings")
        check(re.fullmatch(r"[0-9a-f]{32}", event.get("app_cert_sn", "")),
              f"app_cert_sn in {event}")
    finally:
        app.close()
    app = App(["--sign-mode", "key"], settings={"sign-mode": "'cert'"})
    try:
        listening_url(app)
        event = app.wait_event(lambda e: e["kind"] == "gateway" and e.get("event") == "listening",
                               "the gateway's listening event")
        check_equal(event.get("sign_mode"), "key", "the sign mode from the command line")
    finally:
        app.close()


def signals_quit_cleanly():
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        app = App()
        try:
            app.proc.send_signal(sig)
            status = app.proc.wait(timeout=10)
            check_equal(status, 0, f"exit status after {sig.name}: {app.stderr()[-2000:]}")
        finally:
            app.close()


if __name__ == "__main__":
    sys.exit(run([
        explicit_loopback_wins_over_settings,
        settings_apply_without_the_option,
        sign_mode_setting_applies,
        signals_quit_cleanly,
    ]))
