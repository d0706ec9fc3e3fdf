#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Durability with the real binary (SPEC §5, §8): what a callback reported survives kill -9.
A headless AuthSim allows a consent popup; as soon as the success callback is in the log it is
killed with SIGKILL and started again on the same data directory: the grant is remembered (the
next auth_user call opens no popup), the code handed out before the kill exchanges exactly once
through the gateway, its gateway event names the call of the first launch, and the second
launch's call ids are new ones."""
import json
import os
import signal

from authsim_test import (Headless, case, check, check_equal, demo_profile, events_of,
                          exchange, is_auth_code, main, scratch)

APP_ID = demo_profile()["appId"]


def call(app, params):
    """Sends the call action; returns the call event."""
    before = app.last_seq()
    app.string_action("call", json.dumps({"params": params}))
    return app.wait_event("the call event", before, kind="call")


def success_payload(app, call_id):
    callback = app.wait_event("the success callback", kind="callback", callback="success",
                              call=call_id)
    return callback["payload"]


def app_key():
    return os.path.join(os.environ["XDG_DATA_HOME"], "authsim", "keys", "app-private.pem")


def allow_then_kill():
    """First launch: a call allowed by the user; killed once its success is logged. Returns
    (call id, auth code)."""
    first = Headless(log=os.path.join(scratch(), "first.jsonl"))
    try:
        event = call(first, {"scopes": "auth_user"})
        first.wait_event("the popup", kind="popup", event="open", call=event["call"])
        first.string_action("respond", "allow")
        payload = success_payload(first, event["call"])
        # Not a moment later: whatever the callback reported must already be on disk.
        first.proc.send_signal(signal.SIGKILL)
        check_equal(first.proc.wait(timeout=15), -signal.SIGKILL, "status after SIGKILL")
    finally:
        first.close()
    check(is_auth_code(payload["authCode"]), f"authCode {payload['authCode']!r}")
    return event["call"], payload["authCode"]


@case
def sigkill_after_success():
    first_call, code = allow_then_kill()

    with Headless(log=os.path.join(scratch(), "second.jsonl")) as second:
        url = second.listening_url()

        # The grant is remembered: no popup, the callback comes at once.
        event = call(second, {"scopes": "auth_user"})
        check(event["call"] > first_call,
              f"call id {event['call']} of the second launch after {first_call}")
        payload = success_payload(second, event["call"])
        check(is_auth_code(payload["authCode"]), "a new code")
        kinds = [e["kind"] for e in events_of(second.events(), event["call"])]
        check("popup" not in kinds, f"events of the remembered call: {kinds}")

        # The code from before the kill exchanges once, linked to the first launch's call.
        key, node = exchange(url, APP_ID, code, app_key())
        check_equal(key, "alipay_system_oauth_token_response", f"first exchange: {node}")
        check(node.get("access_token", "").startswith("authusrB"), f"token in {node}")
        request = second.wait_event("the gateway request", kind="gateway", event="request",
                                    code="10000")
        check_equal(request["call"], first_call, "call of the exchange")
        key, node = exchange(url, APP_ID, code, app_key())
        check_equal(key, "error_response", f"second exchange: {node}")
        check_equal(node.get("sub_code"), "isv.code-invalid", "second exchange")


if __name__ == "__main__":
    main()
