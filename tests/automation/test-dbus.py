#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every D-Bus action of SPEC §8 and §13.5 (and advance-clock, answer, open-settings,
close-settings), driven with `gapplication action` on a headless AuthSim, each case in its own
dbus-run-session; malformed parameters become one error event and change nothing else."""
import json
import os

from authsim_test import (Headless, case, check, check_equal, demo_profile, demo_users,
                          events_of, exchange, is_auth_code, main, wait_until)

PROFILE = demo_profile()
APP_ID = PROFILE["appId"]
HOST_ID = PROFILE["host"]["appId"]
LAUNCH_PAGE = PROFILE["pages"][0]["path"]
USERS = demo_users()

FAIL_1 = {"error": 1, "errorMessage": "接口不存在"}
FAIL_3 = {"error": 3, "errorMessage": "未找到授权结果"}
FAIL_11 = {"error": 11, "errorMessage": "用户取消授权"}
ON_GET_AUTHORIZE = {"type": "getAuthorize", "detail": {}}
ACCOUNT_PAGE = "pages/account/account"


def on_error(message):
    return {"type": "error", "detail": {"type": "getAuthorize", "errorMessage": message}}


def call(app, params, **context):
    """Sends the call action; returns the call event."""
    before = app.last_seq()
    app.string_action("call", json.dumps(dict(params=params, **context)))
    return app.wait_event("the call event", before, kind="call")


def outcome(app, call_id):
    """Waits for the call's complete; returns (kind, payload) of its success/fail callback."""
    app.wait_event("the complete callback", kind="callback", callback="complete", call=call_id)
    callbacks = [e for e in events_of(app.events(), call_id) if e["kind"] == "callback"]
    check_equal([c["callback"] for c in callbacks][1:], ["complete"], "callbacks after the first")
    check_equal(callbacks[1]["payload"], callbacks[0]["payload"], "complete payload")
    return callbacks[0]["callback"], callbacks[0]["payload"]


def check_success(app, call_id, scopes):
    kind, payload = outcome(app, call_id)
    check_equal(kind, "success", "callback")
    check_equal(sorted(payload), ["authCode", "authErrorScopes", "authSuccessScopes"],
                "payload keys")
    check(is_auth_code(payload["authCode"]), f"authCode {payload['authCode']!r}")
    check_equal(payload["authSuccessScopes"], scopes, "authSuccessScopes")
    check_equal(payload["authErrorScopes"], {}, "authErrorScopes")
    return payload["authCode"]


def check_fail(app, call_id, expected):
    kind, payload = outcome(app, call_id)
    check_equal(kind, "fail", "callback")
    check_equal(payload, expected, "fail payload")


def tap(app, scope):
    """Sends tap-authorize; returns the tap's call event."""
    before = app.last_seq()
    app.string_action("tap-authorize", scope)
    return app.wait_event("the tap", before, kind="call", api="getAuthorize")


def button_callback(app, call_id):
    """Waits for the tap's one callback; returns (callback, payload)."""
    def find():
        for event in events_of(app.events(), call_id):
            if event["kind"] == "callback":
                return event
        return None
    event = wait_until(find, f"the button callback of call {call_id}")
    return event["callback"], event["payload"]


def set_setting(app, scope, enabled):
    app.string_action("set-setting", json.dumps({"scope": scope, "enabled": enabled}))


def popup_of(app, call_id):
    return app.wait_event("the popup", kind="popup", event="open", call=call_id)


def decision_of(app, call_id):
    return app.wait_event("the decision", kind="decision", call=call_id)


@case
def call_action():
    with Headless() as app:
        event = call(app, {"scopes": "auth_base"})
        check_equal(event["params"], {"scopes": "auth_base"}, "params")
        # Defaults: a tap, in the current container, on the current page, by the active user.
        check_equal(event["trigger"], "tap", "trigger")
        check_equal(event["container"], "mini-program", "container")
        check_equal(event["page"], LAUNCH_PAGE, "page")
        check_equal(event["appId"], APP_ID, "appId")
        check_equal(event["userId"], USERS[0], "userId")
        check_success(app, event["call"], ["auth_base"])

        # trigger and container apply to this call only.
        event = call(app, {"scopes": "auth_user"}, trigger="lifecycle", container="web-view")
        check_equal(event["trigger"], "lifecycle", "trigger")
        check_equal(event["container"], "web-view", "container")
        check_fail(app, event["call"], FAIL_1)

        event = call(app, {"scopes": "auth_base"}, container="plugin")
        check_equal(event["appId"], HOST_ID, "appId in plugin context")
        check_success(app, event["call"], ["auth_base"])

        event = call(app, {"scopes": "auth_base"})
        check_equal((event["trigger"], event["container"]), ("tap", "mini-program"),
                    "trigger and container after one-off values")


@case
def respond_action():
    with Headless() as app:
        event = call(app, {"scopes": "auth_user"})
        popup = popup_of(app, event["call"])
        check_equal(popup["scopes"], ["auth_user"], "popup scopes")
        app.string_action("respond", "allow")
        decision = decision_of(app, event["call"])
        check_equal((decision["decision"], decision["source"]), ("allow", "dbus"), "decision")
        check_success(app, event["call"], ["auth_user"])

        event = call(app, {"scopes": "order_service"})
        popup_of(app, event["call"])
        app.string_action("respond", "reject")
        check_equal(decision_of(app, event["call"])["decision"], "reject", "decision")
        check_fail(app, event["call"], FAIL_11)

        event = call(app, {"scopes": "order_service"})
        popup_of(app, event["call"])
        app.string_action("respond", "close")
        check_equal(decision_of(app, event["call"])["decision"], "close", "decision")
        check_fail(app, event["call"], FAIL_3)

        # No popup open: an error event, nothing else.
        before = app.last_seq()
        app.string_action("respond", "allow")
        error = app.wait_event("the error", before, kind="error")
        check_equal(error["source"], "dbus", "error source")
        check(error["message"].startswith("respond: "), f"message {error['message']!r}")
        sync = app.sync()
        check_equal([e["kind"] for e in app.events_after(before) if e.get("call") != sync],
                    ["error"], "events after respond with no popup")


@case
def navigate_action():
    with Headless() as app:
        target = PROFILE["pages"][1]["path"]
        before = app.last_seq()
        app.string_action("navigate", target)
        app.wait_event("onShow", before, kind="lifecycle", event="onShow", page=target)
        lifecycle = [(e["event"], e["page"]) for e in app.events_after(before)
                     if e["kind"] == "lifecycle"]
        check_equal(lifecycle, [("onHide", LAUNCH_PAGE), ("onLoad", target), ("onShow", target)],
                    "lifecycle events")
        check_equal(call(app, {"scopes": "auth_base"})["page"], target, "page of the next call")


@case
def relaunch_action():
    with Headless() as app:
        app.string_action("navigate", PROFILE["pages"][1]["path"])
        before = app.last_seq()
        app.action("relaunch")
        app.wait_event("onShow", before, kind="lifecycle", event="onShow", page=LAUNCH_PAGE)
        lifecycle = [(e["event"], e["page"]) for e in app.events_after(before)
                     if e["kind"] == "lifecycle"]
        check_equal(lifecycle[:3], [("onLaunch", LAUNCH_PAGE), ("onLoad", LAUNCH_PAGE),
                                    ("onShow", LAUNCH_PAGE)], "lifecycle events")
        # The launch page's onLoad call runs again, on the first screen.
        onload = app.wait_event("the onLoad call", before, kind="call")
        check_equal(onload["params"], PROFILE["pages"][0]["onLoad"], "onLoad params")
        check_equal((onload["trigger"], onload["firstScreen"]), ("lifecycle", True),
                    "onLoad call context")
        # First screen again: a lifecycle consent call is a violation (enforce, the default).
        event = call(app, {"scopes": "auth_user"}, trigger="lifecycle")
        check_equal(event["firstScreen"], True, "firstScreen")
        violation = app.wait_event("the violation", kind="violation", call=event["call"])
        check_equal(violation["rule"], "first-screen", "rule")
        check_fail(app, event["call"], FAIL_3)


@case
def clear_grants_action():
    with Headless() as app:
        event = call(app, {"scopes": "auth_user"})
        popup_of(app, event["call"])
        app.string_action("respond", "allow")
        app.wait_event("the grant", kind="grant", event="granted", call=event["call"])
        check_success(app, event["call"], ["auth_user"])

        # Granted: no popup the second time.
        event = call(app, {"scopes": "auth_user"})
        check_success(app, event["call"], ["auth_user"])
        check_equal([e for e in events_of(app.events(), event["call"]) if e["kind"] == "popup"],
                    [], "popups of a granted call")

        before = app.last_seq()
        app.action("clear-grants")
        app.wait_event("the cleared grant event", before, kind="grant", event="cleared")
        event = call(app, {"scopes": "auth_user"})
        popup_of(app, event["call"])
        app.string_action("respond", "close")
        check_fail(app, event["call"], FAIL_3)


@case
def set_user_action():
    with Headless() as app:
        app.string_action("set-user", USERS[1])
        check_equal(call(app, {"scopes": "auth_base"})["userId"], USERS[1], "userId")
        for bad in ("2088000000000000", "abc", ""):
            before = app.last_seq()
            app.string_action("set-user", bad)
            error = app.wait_event("the error", before, kind="error")
            check(error["message"].startswith("set-user: "), f"message {error['message']!r}")
        check_equal(call(app, {"scopes": "auth_base"})["userId"], USERS[1],
                    "userId after bad set-user")


@case
def advance_clock_action():
    with Headless() as app:
        url = app.listening_url()
        key = os.path.join(os.environ["XDG_DATA_HOME"], "authsim", "keys", "app-private.pem")

        # Codes live 3 minutes (SPEC §2.2): +90 s leaves it valid, +2 m more expires it.
        event = call(app, {"scopes": "auth_base"})
        code = check_success(app, event["call"], ["auth_base"])
        app.string_action("advance-clock", "+90s")
        node_key, node = exchange(url, APP_ID, code, key)
        check_equal(node_key, "alipay_system_oauth_token_response", "response after +90s")
        check_equal(node["user_id"], USERS[0], "user_id")

        event = call(app, {"scopes": "auth_base"})
        code = check_success(app, event["call"], ["auth_base"])
        app.string_action("advance-clock", "+90s")
        app.string_action("advance-clock", "+2m")
        node_key, node = exchange(url, APP_ID, code, key)
        check_equal(node_key, "error_response", "response after +3m30s")
        check_equal(node.get("sub_code"), "isv.code-invalid", "sub_code")


@case
def answer_action():
    with Headless() as app:
        app.string_action("answer", "allow")
        event = call(app, {"scopes": "auth_user"})
        decision = decision_of(app, event["call"])
        check_equal((decision["decision"], decision["source"]), ("allow", "standing"), "decision")
        check_success(app, event["call"], ["auth_user"])

        app.string_action("answer", "reject")
        event = call(app, {"scopes": "order_service"})
        decision = decision_of(app, event["call"])
        check_equal((decision["decision"], decision["source"]), ("reject", "standing"), "decision")
        check_fail(app, event["call"], FAIL_11)

        # none: the popup stays open for someone else to answer.
        app.string_action("answer", "none")
        event = call(app, {"scopes": "order_service"})
        popup_of(app, event["call"])
        app.string_action("respond", "close")
        decision = decision_of(app, event["call"])
        check_equal((decision["decision"], decision["source"]), ("close", "dbus"), "decision")
        check_fail(app, event["call"], FAIL_3)


@case
def answer_option():
    with Headless("--answer", "reject") as app:
        event = call(app, {"scopes": "auth_user"})
        decision = decision_of(app, event["call"])
        check_equal((decision["decision"], decision["source"]), ("reject", "standing"), "decision")
        check_fail(app, event["call"], FAIL_11)


@case
def tap_authorize_action():
    with Headless() as app:
        # The launch page has no getAuthorize button: a virtual one, with the scope given.
        event = tap(app, "userInfo")
        check_equal((event["scope"], event["trigger"], event["firstScreen"]),
                    ("userInfo", "tap", False), "tap event")
        check("button" not in event, "a virtual button has no label")
        check_equal(popup_of(app, event["call"])["scope"], "userInfo", "popup scope")
        app.string_action("respond", "allow")
        check_equal(decision_of(app, event["call"])["scope"], "userInfo", "decision scope")
        check_equal(button_callback(app, event["call"]), ("onGetAuthorize", ON_GET_AUTHORIZE),
                    "callback")
        grant = app.wait_event("the grant", kind="grant", event="granted", call=event["call"])
        check_equal(grant["scopes"], ["userInfo"], "granted scopes")

        # Granted: at once, without a popup.
        event = tap(app, "userInfo")
        check_equal(button_callback(app, event["call"]), ("onGetAuthorize", ON_GET_AUTHORIZE),
                    "callback when granted")
        check_equal([e for e in events_of(app.events(), event["call"]) if e["kind"] == "popup"],
                    [], "popups of a granted tap")

        event = tap(app, "phoneNumber")
        popup_of(app, event["call"])
        app.string_action("respond", "reject")
        check_equal(button_callback(app, event["call"]), ("onError", on_error("用户取消授权")),
                    "callback after reject")

        # An unknown scope: the busy toast, then onError.
        event = tap(app, "auth_user")
        app.wait_event("the toast", kind="toast", call=event["call"])
        check_equal(button_callback(app, event["call"]), ("onError", on_error("未找到授权结果")),
                    "callback after the toast")


@case
def tap_authorize_page_button():
    with Headless() as app:
        before = app.last_seq()
        app.string_action("navigate", ACCOUNT_PAGE)
        app.wait_event("onShow", before, kind="lifecycle", event="onShow", page=ACCOUNT_PAGE)
        # The page's "Show my avatar" button: its onGetAuthorize calls my.getOpenUserInfo.
        event = tap(app, "userInfo")
        check_equal(event["button"], "Show my avatar", "button")
        popup_of(app, event["call"])
        app.string_action("respond", "allow")
        then = app.wait_event("the onGetAuthorize call", kind="call", hook="onGetAuthorize")
        check_equal((then["api"], then["trigger"]), ("getOpenUserInfo", "tap"), "the call")
        kind, payload = outcome(app, then["call"])
        check_equal(kind, "success", "getOpenUserInfo callback")
        check_equal(list(payload), ["response"], "payload keys")
        check(isinstance(payload["response"], str), "the response is a JSON string")
        check_equal(json.loads(payload["response"]),
                    {"response": {"code": "10000", "msg": "Success",
                                  "avatar": "https://example.com/avatars/zhangwei.png",
                                  "city": "", "countryCode": "", "gender": "",
                                  "nickName": "阿伟", "province": ""}}, "response")


@case
def call_api_action():
    with Headless() as app:
        event = call(app, None, api="getOpenUserInfo")
        check_equal((event["api"], event["params"]), ("getOpenUserInfo", None), "call event")
        kind, payload = outcome(app, event["call"])
        check_equal(json.loads(payload["response"])["response"]["code"], "40003",
                    "getOpenUserInfo without a grant")

        event = call(app, {}, api="getSetting")
        check_equal(outcome(app, event["call"]), ("success", {"authSetting": {}}), "getSetting")

        event = call(app, None, api="getPhoneNumber")
        kind, payload = outcome(app, event["call"])
        envelope = json.loads(payload["response"])
        check_equal((envelope["sign_type"], envelope["encrypt_type"], envelope["charset"]),
                    ("RSA2", "AES", "UTF-8"), "envelope")
        check(isinstance(envelope["response"], str), "the ciphertext is a string")
        plaintext = app.wait_event("the success", kind="callback", callback="success",
                                   call=event["call"])["plaintext"]
        check_equal(json.loads(plaintext)["code"], "40003", "getPhoneNumber without a grant")

        event = call(app, {"scopes": "auth_base"}, api="getAuthCode")
        check_equal(event["api"], "getAuthCode", "api")
        check_success(app, event["call"], ["auth_base"])

        # In web-view none of them exists.
        for api in ("getOpenUserInfo", "getPhoneNumber", "getSetting", "openSetting"):
            event = call(app, None, api=api, container="web-view")
            check_fail(app, event["call"], FAIL_1)


@case
def set_setting_action():
    with Headless() as app:
        for scope in ("userInfo", "phoneNumber"):
            event = tap(app, scope)
            popup_of(app, event["call"])
            app.string_action("respond", "allow")
            button_callback(app, event["call"])

        before = app.last_seq()
        app.action("open-settings")
        app.wait_event("the settings page", before, kind="lifecycle", event="settingsOpen")

        # Off at once.
        before = app.last_seq()
        set_setting(app, "userInfo", False)
        refused = app.wait_event("the refusal", before, kind="grant", event="refused")
        check_equal((refused["scopes"], refused["source"]), (["userInfo"], "settings"), "refused")
        set_setting(app, "phoneNumber", False)
        app.wait_event("the refusal", refused["seq"], kind="grant", event="refused")

        # On: the popup; only Allow turns it on.
        before = app.last_seq()
        set_setting(app, "userInfo", True)
        event = app.wait_event("the switch", before, kind="call", api="getAuthorize")
        check_equal((event["scope"], event["source"]), ("userInfo", "settings"), "switch call")
        popup_of(app, event["call"])
        app.string_action("respond", "allow")
        granted = app.wait_event("the grant", before, kind="grant", event="granted")
        check_equal(granted["source"], "settings", "grant source")
        check_equal([e for e in events_of(app.events(), event["call"]) if e["kind"] == "callback"],
                    [], "a switch has no button callbacks")

        # A switch the page does not show: an error event.
        before = app.last_seq()
        set_setting(app, "location", True)
        error = app.wait_event("the error", before, kind="error")
        check(error["message"].startswith("set-setting: "), f"message {error['message']!r}")

        before = app.last_seq()
        app.action("close-settings")
        app.wait_event("the page left", before, kind="lifecycle", event="settingsClose")
        event = call(app, None, api="getSetting")
        check_equal(outcome(app, event["call"]),
                    ("success", {"authSetting": {"userInfo": True, "phoneNumber": False}}),
                    "getSetting after the switches")

        # my.openSetting answers when the page is left, with the state after the changes.
        event = call(app, None, api="openSetting")
        app.wait_event("the settings page", event["seq"], kind="lifecycle", event="settingsOpen",
                       call=event["call"])
        set_setting(app, "userInfo", False)
        app.action("close-settings")
        check_equal(outcome(app, event["call"]),
                    ("success", {"authSetting": {"userInfo": False, "phoneNumber": False}}),
                    "openSetting")

        # Leaving a page that is not open: an error event.
        before = app.last_seq()
        app.action("close-settings")
        error = app.wait_event("the error", before, kind="error")
        check(error["message"].startswith("close-settings: "), f"message {error['message']!r}")


MALFORMED = [
    ("call", "not json"),
    ("call", "[1]"),
    ("call", json.dumps({"params": {"scopes": "auth_user"}, "trigger": "click"})),
    ("call", json.dumps({"params": {"scopes": "auth_user"}, "container": "iframe"})),
    ("respond", "yes"),
    ("respond", ""),
    ("navigate", "pages/nowhere"),
    ("navigate", ""),
    ("set-user", "2088000000000000"),
    ("advance-clock", "3 minutes"),
    ("advance-clock", "+3x"),
    ("advance-clock", ""),
    ("answer", "maybe"),
    ("answer", ""),
    ("call", json.dumps({"api": "getAuthorize"})),
    ("call", json.dumps({"api": "getUserInfo"})),
    ("set-setting", "not json"),
    ("set-setting", json.dumps({"scope": "userInfo"})),
    ("set-setting", json.dumps({"scope": "userInfo", "enabled": "no"})),
    ("set-setting", json.dumps({"scope": 1, "enabled": True})),
    ("set-setting", json.dumps({"scope": "userInfo", "enabled": True, "x": 1})),
    ("set-setting", json.dumps({"scope": "userInfo", "enabled": False})),
]


@case
def malformed_parameters():
    with Headless() as app:
        for action, text in MALFORMED:
            before = app.last_seq()
            app.string_action(action, text)
            error = app.wait_event(f"the error of {action} {text!r}", before, kind="error")
            check_equal(error["source"], "dbus", f"{action} {text!r}: source")
            check(error["message"].startswith(action + ": "),
                  f"{action} {text!r}: message {error['message']!r}")
            sync = app.sync()
            check_equal([e["kind"] for e in app.events_after(before) if e.get("call") != sync],
                        ["error"], f"events after {action} {text!r}")

        # Parameters of the wrong D-Bus type never reach AuthSim: the bus call fails.
        for action, parameter in (("respond", "42"), ("navigate", "true"), ("call", None),
                                  ("set-user", "['a']"), ("relaunch", "'now'"),
                                  ("tap-authorize", "1"), ("set-setting", None),
                                  ("open-settings", "'now'")):
            before = app.last_seq()
            proc = app.action(action, parameter, expect_ok=False)
            check(proc.returncode != 0, f"{action} {parameter}: accepted")
            sync = app.sync()
            check_equal([e for e in app.events_after(before) if e.get("call") != sync], [],
                        f"events after {action} {parameter}")

        # Nothing changed: same page, same user, no standing answer, popups still open.
        event = call(app, {"scopes": "auth_user"})
        check_equal((event["page"], event["userId"]), (LAUNCH_PAGE, USERS[0]), "state")
        popup_of(app, event["call"])
        app.string_action("respond", "allow")
        check_equal(decision_of(app, event["call"])["source"], "dbus", "decision source")


if __name__ == "__main__":
    main()
