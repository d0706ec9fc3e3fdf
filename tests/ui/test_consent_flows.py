#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The other consent flows through AT-SPI (issue 12, SPEC §10–§12, §13.5): the getAuthorize
buttons and their popup (Allow, Reject), my.getOpenUserInfo's answer on the page, the settings
page (switch off → 40003, switch on → the popup again, back and Escape), the phone number's
encrypted envelope (verified and decrypted with the keys the app wrote), the composer's API
choice, the new Preferences, and every new control found by role and name."""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile

from atspi_helpers import (SWITCH, TOGGLE, Session, check, check_equal, demo_profile,
                           is_pressed, localised, node_name, poll, role_name, run,
                           source_root, walk)


def demo_user(index=0):
    with open(os.path.join(source_root(), "data", "demo-users.json"), encoding="utf-8") as f:
        return json.load(f)["users"][index]


def account_labels(language="en"):
    """The labels of the launch page's "My account" button and of that page's buttons."""
    pages = {p["path"]: p for p in demo_profile()["pages"]}
    launch = demo_profile()["pages"][0]
    to_account = next(localised(b["label"], language) for b in launch["buttons"]
                      if b.get("navigateTo") == "pages/account/account")
    buttons = {}
    for b in pages["pages/account/account"]["buttons"]:
        if b.get("openType") == "getAuthorize":
            buttons[b["scope"]] = localised(b["label"], language)
        elif b.get("api") == "openSetting":
            buttons["openSetting"] = localised(b["label"], language)
    return to_account, buttons


def tap(app, label):
    """Taps a page button; returns the id of the call (the getAuthorize tap) it made."""
    mark = app.last_seq()
    app.click_button(label)
    return app.wait_event(lambda e: e["kind"] == "call" and e["seq"] > mark,
                          "the call of %r" % label)["call"]


def button_callback(app, call):
    """The onGetAuthorize or onError event of a getAuthorize tap."""
    return app.wait_event(lambda e: e["kind"] == "callback" and e["call"] == call and
                          e.get("callback") in ("onGetAuthorize", "onError"),
                          "the button callback of call %s" % call)


def api_call_after(app, seq, api):
    """The call id of the first call of @api logged after @seq (an onGetAuthorize's call)."""
    return app.wait_event(lambda e: e["kind"] == "call" and e["seq"] > seq and
                          e.get("api") == api, "a call of %s" % api)["call"]


def success_response(app, call):
    """success then complete; returns the success payload's "response" parsed (a JSON string
    as the mini program receives it)."""
    callbacks = app.wait_complete(call)
    check_equal([c["callback"] for c in callbacks], ["success", "complete"], "callbacks")
    payload = callbacks[0]["payload"]
    check_equal(sorted(payload.keys()), ["response"], "success payload keys")
    check(isinstance(payload["response"], str), "response is a JSON string: %r" % payload)
    return json.loads(payload["response"])


def label_in(app, root, text):
    return app.find("label", text, root=root)


def allow_avatar(app):
    """My account → Show my avatar → Allow; returns (tap call, getOpenUserInfo call)."""
    to_account, buttons = account_labels()
    app.click_button(to_account)
    call = tap(app, buttons["userInfo"])
    dialog = app.dialog()
    label_in(app, dialog, "Member basic info (avatar, nickname)")
    app.click_button("Allow", root=dialog)
    event = button_callback(app, call)
    check_equal(event["callback"], "onGetAuthorize", "button callback")
    check_equal(event["payload"], {"type": "getAuthorize", "detail": {}}, "onGetAuthorize event")
    app.wait_gone("dialog", "Authorization request")
    return call, api_call_after(app, event["seq"], "getOpenUserInfo")


# Cases


def new_controls_by_role_and_name():
    with Session() as app:
        # The composer's API choice: a combo box named API; the call button's name follows.
        app.find("combo box", "API")
        app.find("push button", "Call my.getAuthCode")
        for name in ("my.getOpenUserInfo", "my.getPhoneNumber", "my.getSetting", "my.openSetting",
                     "my.getAuthCode"):
            app.choose_api(name)
        # The capsule's ··· → Settings: the settings page, its Back.
        page = app.open_settings_from_capsule()
        app.find("status bar", "Status: settings page open")
        check(app.find_now("push button", "Revoke user info authorization", root=page) is None,
              "no 用户信息 row without an auth_user grant")
        app.click_button("Back", root=page)
        app.wait_gone("dialog", "Mini program settings")
        app.find("status bar", "Status: idle")
        # Preferences: the new switches.
        app.menu_item("Preferences")
        for name in ("Service busy", "AES key", "Sign responses", "userInfo", "phoneNumber"):
            app.find(SWITCH, name, showing=False)


def user_info_allow():
    with Session() as app:
        call, info_call = allow_avatar(app)
        check_equal(app.kinds(call, "call")[0]["api"], "getAuthorize", "the tap's api")
        check_equal(app.kinds(call, "call")[0]["scope"], "userInfo", "the tap's scope")
        popups = app.kinds(call, "popup")
        check(popups and all(p.get("scope") == "userInfo" for p in popups), "popup scope")
        response = success_response(app, info_call)["response"]
        user = demo_user()
        check_equal(response["code"], "10000", "code")
        check_equal(response["nickName"], user["info"]["nick_name"], "nickName")
        check_equal(response["avatar"], user["info"]["avatar"], "avatar")
        for key in ("city", "countryCode", "gender", "province"):
            check_equal(response[key], "", key)
        # The page shows the nickname it got.
        app.find("label", user["info"]["nick_name"])
        # Granted: the next tap gives onGetAuthorize at once, no popup.
        _, buttons = account_labels()
        again = tap(app, buttons["userInfo"])
        check_equal(button_callback(app, again)["callback"], "onGetAuthorize", "second tap")
        check_equal(app.kinds(again, "popup"), [], "popup events of a granted scope")


def user_info_reject():
    with Session() as app:
        to_account, buttons = account_labels()
        app.click_button(to_account)
        call = tap(app, buttons["userInfo"])
        app.click_button("Reject", root=app.dialog())
        event = button_callback(app, call)
        check_equal(event["callback"], "onError", "button callback")
        check_equal(event["payload"]["detail"]["errorMessage"], "用户取消授权", "errorMessage")
        app.wait_gone("dialog", "Authorization request")
        # No my.getOpenUserInfo follows a refusal; my.getSetting reports it as false.
        setting = app.call_api("my.getSetting")
        callbacks = app.wait_complete(setting)
        check_equal(callbacks[0]["payload"], {"authSetting": {"userInfo": False}}, "authSetting")


def settings_switch_off_then_on():
    with Session() as app:
        allow_avatar(app)
        # Switch off in the settings page (capsule ··· → Settings): revoked at once.
        page = app.open_settings_from_capsule()
        switch = app.find(TOGGLE, "Member basic info", root=page)
        check(is_pressed(switch), "Member basic info is on")
        app.click(switch)
        poll(lambda: not is_pressed(switch), "the switch to go off", alive=app.alive)
        app.wait_event(lambda e: e["kind"] == "grant" and e.get("event") == "refused",
                       "the refusal in the log")
        app.click_button("Back", root=page)
        app.wait_gone("dialog", "Mini program settings")
        # The next my.getOpenUserInfo gives 40003.
        response = success_response(app, app.call_api("my.getOpenUserInfo"))["response"]
        check_equal(response["code"], "40003", "code after switching off")
        check_equal(response["subCode"], "isv.invalid-auth-relations", "subCode")

        # my.openSetting (the page's Settings button) opens it; on → the popup again, over it.
        _, buttons = account_labels()
        open_call = tap(app, buttons["openSetting"])
        page = app.settings_page()
        switch = app.find(TOGGLE, "Member basic info", root=page)
        app.click(switch)
        dialog = app.dialog()
        label_in(app, dialog, "Member basic info (avatar, nickname)")
        check(not is_pressed(switch), "the switch stays off until Allow")
        app.click_button("Allow", root=dialog)
        app.wait_gone("dialog", "Authorization request")
        poll(lambda: is_pressed(switch), "the switch to go on", alive=app.alive)
        # Escape (the phone's back key) leaves it: my.openSetting's success.
        app.pointer_to(app.find("push button", "Back", root=page))
        app.press_escape()
        app.wait_gone("dialog", "Mini program settings")
        callbacks = app.wait_complete(open_call)
        check_equal([c["callback"] for c in callbacks], ["success", "complete"], "openSetting")
        check_equal(callbacks[0]["payload"], {"authSetting": {"userInfo": True}}, "authSetting")


def openssl(*args, data=None):
    return subprocess.run(["openssl"] + list(args), input=data, capture_output=True,
                          check=True).stdout


def phone_number_envelope():
    with Session() as app:
        to_account, buttons = account_labels()
        app.click_button(to_account)
        call = tap(app, buttons["phoneNumber"])
        dialog = app.dialog()
        label_in(app, dialog, "Your mobile number")
        app.click_button("Allow", root=dialog)
        event = button_callback(app, call)
        check_equal(event["callback"], "onGetAuthorize", "button callback")
        phone_call = api_call_after(app, event["seq"], "getPhoneNumber")
        envelope = success_response(app, phone_call)
        check_equal(sorted(envelope.keys()),
                    ["charset", "encrypt_type", "response", "sign", "sign_type"], "envelope keys")
        check_equal([envelope["sign_type"], envelope["encrypt_type"], envelope["charset"]],
                    ["RSA2", "AES", "UTF-8"], "envelope fields")
        cipher = envelope["response"]
        check(isinstance(cipher, str) and base64.b64decode(cipher, validate=True),
              "the ciphertext is base64")
        if shutil.which("openssl") is None:
            print("# openssl is missing: the envelope is not verified nor decrypted", flush=True)
            return
        # As a backend does (SPEC §11.2): verify the sign over the quoted ciphertext with the
        # gateway public key, decrypt with aes.key (AES-128-CBC, zero IV).
        keys = os.path.join(app.tmp, "xdg_data_home", "authsim", "keys")
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "data")
            sig = os.path.join(tmp, "sig")
            with open(data, "w", encoding="utf-8") as f:
                f.write('"' + cipher + '"')
            with open(sig, "wb") as f:
                f.write(base64.b64decode(envelope["sign"]))
            openssl("dgst", "-sha256", "-verify", os.path.join(keys, "gateway-public.pem"),
                    "-signature", sig, data)
        with open(os.path.join(keys, "aes.key"), encoding="ascii") as f:
            key = base64.b64decode(f.read().strip()).hex()

        def decrypt(envelope):
            return json.loads(openssl("enc", "-d", "-aes-128-cbc", "-K", key, "-iv", "0" * 32,
                                      data=base64.b64decode(envelope["response"])))
        check_equal(decrypt(envelope), {"code": "10000", "msg": "Success",
                                        "mobile": demo_user()["info"]["mobile"]}, "plaintext")

        # Preferences → Service busy: the next answer is an encrypted 20000. The API is chosen
        # first: Preferences then covers the window (no window manager), so the keyboard
        # would go to it. It stays open: GTK 4.8 can crash when an AT-SPI client walks the
        # tree while a toplevel is destroyed (measured: SIGSEGV in its D-Bus reply).
        app.choose_api("my.getPhoneNumber")
        app.menu_item("Preferences")
        busy = app.find(SWITCH, "Service busy", showing=False)
        app.click(busy)
        poll(lambda: is_pressed(busy), "Service busy to be on", alive=app.alive)
        mark = app.last_seq()
        app.click_button("Call my.getPhoneNumber")
        busy_call = app.wait_event(lambda e: e["kind"] == "call" and e["seq"] > mark and
                                   e.get("api") == "getPhoneNumber", "the busy call")["call"]
        envelope = success_response(app, busy_call)
        check_equal(decrypt(envelope)["code"], "20000", "code with the service busy")
        check_equal(decrypt(envelope)["subCode"], "aop.unknow-error", "subCode")


def popups_in_chinese():
    to_account, buttons = account_labels("zh_CN")
    with Session(language="zh_CN") as app:
        app.click_button(to_account)

        def open_dialog():
            return poll(lambda: next((n for n in walk(app.node) if role_name(n) == "dialog" and
                                      node_name(n) == "授权请求"), None),
                        "the consent dialog", alive=app.alive)

        call = tap(app, buttons["userInfo"])
        dialog = open_dialog()
        label_in(app, dialog, "会员基础信息（头像、昵称）")
        names = [node_name(n) for n in walk(dialog) if role_name(n) == "push button"]
        check("允许" in names and "拒绝" in names, "允许 and 拒绝 among %r" % names)
        app.click_button("拒绝", root=dialog)
        check_equal(button_callback(app, call)["payload"]["detail"]["errorMessage"],
                    "用户取消授权", "errorMessage")
        poll(lambda: app.find_now("dialog", "授权请求") is None, "the popup to close",
             alive=app.alive)

        call = tap(app, buttons["phoneNumber"])
        dialog = open_dialog()
        label_in(app, dialog, "你的手机号码")
        app.click_button("允许", root=dialog)
        check_equal(button_callback(app, call)["callback"], "onGetAuthorize", "phone")

        # The settings page in Chinese.
        tap(app, buttons["openSetting"])
        page = app.find("dialog", "小程序设置")
        app.find(TOGGLE, "会员基础信息", root=page)
        check(is_pressed(app.find(TOGGLE, "手机号码", root=page)), "手机号码 is on")


if __name__ == "__main__":
    sys.exit(run([
        new_controls_by_role_and_name,
        user_info_allow,
        user_info_reject,
        settings_switch_off_then_on,
        phone_number_envelope,
        popups_in_chinese,
    ]))
