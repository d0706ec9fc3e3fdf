#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The command line of SPEC §8, every option exercised: --version, a translated --help,
exit status 2 with a one-line error for each invalid value, and what each option does in the
headless mode (scenarios, log, gateway, keys, profile, users, first-screen rule, signals).
Each case runs in its own dbus-run-session with private XDG directories."""
import json
import os
import re
import signal
import socket
import subprocess
import tempfile

from authsim_test import (APP_ID, Headless, Skip, case, check, check_equal, demo_profile,
                          demo_users, main, read_events, run, scratch, source_root,
                          wait_until)

PROFILE = demo_profile()
USERS = demo_users()
SCENARIOS = os.path.join(source_root(), "tests", "scenarios")


def write(name, content):
    path = os.path.join(scratch(), name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(content if isinstance(content, str) else json.dumps(content, ensure_ascii=False))
    return path


def run_scenario(steps, *extra, name="flow.json", **header):
    """Runs a scenario headless, with fresh state (no grants from an earlier run); returns
    (status, stdout lines, stderr)."""
    path = write(name, dict(header, steps=steps))
    data = tempfile.mkdtemp(prefix="data.", dir=scratch())
    status, out, err = run(["--headless", "--gateway-port", "0", "--scenario", path,
                            "--data-dir", data, "--log", os.path.join(data, "log.jsonl")] +
                           list(extra))
    return status, out.splitlines(), err


def one_line_error(err, *needles):
    lines = [l for l in err.splitlines() if l.strip()]
    check_equal(len(lines), 1, f"stderr lines in {err!r}")
    check(lines[0].startswith("authsim: "), f"prefix of {lines[0]!r}")
    for needle in needles:
        check(needle in lines[0], f"{needle!r} not in {lines[0]!r}")
    return lines[0]


def project_version():
    with open(os.path.join(source_root(), "meson.build"), encoding="utf-8") as f:
        return re.search(r"version:\s*'([^']+)'", f.read()).group(1)


OPTIONS = ["--profile", "--users", "--log", "--gateway-port", "--gateway-address",
           "--no-gateway", "--app-public-key", "--sign-mode", "--first-screen-rule", "--headless",
           "--scenario", "--answer", "--speed", "--data-dir", "--version", "--help"]


@case
def version():
    status, out, err = run(["--version"])
    check_equal(status, 0, "exit status")
    check_equal(out, f"authsim {project_version()}\n", "stdout")
    check_equal(err, "", "stderr")


@case
def help_lists_every_option():
    status, out, err = run(["--help"])
    check_equal(status, 0, "exit status")
    for option in OPTIONS:
        check(option in out, f"{option} missing from --help")


def po_translations(path):
    """msgid → msgstr of a .po file (msgcat --no-wrap puts each string on one line)."""
    entries, msgid = {}, None
    text = subprocess.run(["msgcat", "--no-wrap", path], check=True, capture_output=True,
                          text=True).stdout
    for line in text.splitlines():
        m = re.match(r'msgid "(.*)"$', line)
        if m:
            msgid = m.group(1)
            continue
        m = re.match(r'msgstr "(.*)"$', line)
        if m and msgid:
            entries[msgid] = m.group(1).replace('\\"', '"')
            msgid = None
    return entries


@case
def help_translated():
    po = po_translations(os.path.join(source_root(), "po", "zh_CN.po"))
    # The description of --headless, as written in authsim-options.c.
    msgid = "Run without a window: the engine, the gateway and the D-Bus actions only"
    check(po.get(msgid), "po/zh_CN.po translates the --help strings")
    env = dict(os.environ, LANGUAGE="zh_CN", LANG="zh_CN.UTF-8", LC_ALL="C.UTF-8")
    status, out, err = run(["--help"], env=env)
    check_equal(status, 0, "exit status")
    check(po[msgid] in out, f"{po[msgid]!r} not in --help output:\n{out}")
    check(msgid not in out, "the English description is still shown")


INVALID = [
    (["--gateway-port", "abc"], ["--gateway-port", '"abc"']),
    (["--gateway-port", "65536"], ["--gateway-port", '"65536"']),
    (["--gateway-port", "-1"], ["--gateway-port"]),
    (["--gateway-port"], ["--gateway-port"]),
    (["--gateway-address", "localhost"], ["--gateway-address", '"localhost"']),
    (["--first-screen-rule", "strict"], ["--first-screen-rule", '"strict"']),
    (["--headless", "--answer", "yes"], ["--answer", '"yes"']),
    (["--answer", "allow"], ["--answer", "--headless"]),
    (["--speed", "0"], ["--speed", '"0"']),
    (["--speed", "11"], ["--speed", '"11"']),
    (["--speed", "fast"], ["--speed", '"fast"']),
    (["--profile", "/nonexistent/profile.json"], ["--profile", "/nonexistent/profile.json"]),
    (["--users", "/nonexistent/users.json"], ["--users", "/nonexistent/users.json"]),
    (["--scenario", "/nonexistent/s.json"], ["--scenario", "/nonexistent/s.json"]),
    (["--app-public-key", "/nonexistent/k.pem"], ["--app-public-key", "/nonexistent/k.pem"]),
    (["--sign-mode", "certificate"], ["--sign-mode", '"certificate"']),
    (["--headless", "--sign-mode", "KEY"], ["--sign-mode", '"KEY"']),
    (["--sign-mode"], ["--sign-mode"]),
    (["--profile", "/"], ["--profile"]),
    (["--log", "/"], ["--log"]),
    (["--data-dir", "/etc/hostname"], ["--data-dir"]),
    (["--bogus"], ["--bogus"]),
    (["stray"], ["stray"]),
]


@case
def invalid_values_exit_2():
    for args, needles in INVALID:
        status, out, err = run(args)
        check_equal(status, 2, f"exit status of {args}")
        check_equal(out, "", f"stdout of {args}")
        one_line_error(err, *needles)


@case
def scenario_passes():
    status, lines, err = run_scenario([
        {"relaunch": True},
        {"expect": {"callback": "success", "payload": {"authSuccessScopes": ["auth_base"]}}},
    ])
    check_equal(status, 0, f"exit status ({err})")
    check_equal(lines, ["ok 1 - relaunch",
                        'ok 2 - expect {"callback":"success","payload":'
                        '{"authSuccessScopes":["auth_base"]}}',
                        "2 passed, 0 failed"], "stdout")


@case
def scenario_fails():
    status, lines, err = run_scenario([
        {"call": {"scopes": "auth_base"}},
        {"expect": {"callback": "fail", "error": 11}},
        {"expect": {"toast": True}, "timeout": 0.3},
        {"navigate": "pages/nowhere"},
        {"call": {"scopes": "auth_base"}},
        {"expect": {"callback": "success"}},
    ])
    check_equal(status, 1, f"exit status ({err})")
    check_equal(len(lines), 7, f"lines {lines}")
    check_equal([l.split(" - ")[0] for l in lines[:6]],
                ["ok 1", "not ok 2", "not ok 3", "not ok 4", "ok 5", "ok 6"], "step results")
    check("expected fail, got success" in lines[1], lines[1])
    check("timed out after 0.3 s" in lines[2], lines[2])
    check_equal(lines[6], "3 passed, 3 failed", "summary")


@case
def scenario_invalid_exit_2():
    path = write("bad.json", {"steps": [{"relaunch": True}, {"answer": "yes"}]})
    status, out, err = run(["--headless", "--scenario", path])
    check_equal(status, 2, "exit status")
    check_equal(out, "", "stdout")
    check_equal(one_line_error(err),
                'authsim: bad.json: $.steps[1].answer: expected allow, reject or close, '
                'got "yes"', "message")

    path = write("broken.json", '{"steps": [\n  {"relaunch": tru}\n]}')
    status, out, err = run(["--headless", "--scenario", path])
    check_equal(status, 2, "exit status for broken JSON")
    one_line_error(err, "broken.json:2:")


@case
def log_option():
    custom = os.path.join(scratch(), "logs", "custom.jsonl")
    with Headless(log=custom) as app:
        url = app.listening_url()
    events = read_events(custom)
    check_equal(events[0]["kind"], "gateway", "first event")
    check_equal(events[0]["url"], url, "first event url")
    check(not os.path.exists(os.path.join(os.environ["XDG_STATE_HOME"], "authsim", "log.jsonl")),
          "the default log was written too")


@case
def default_log_location():
    with Headless(default_log=True) as app:
        check_equal(app.events()[0]["event"], "listening", "first event of the default log")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@case
def gateway_port_and_address_options():
    port = free_port()
    with Headless("--gateway-port", str(port), "--gateway-address", "127.0.0.1") as app:
        url = app.listening_url()
        check_equal(url, f"http://127.0.0.1:{port}/gateway.do", "url")
        wait_until(lambda: url in app.stdout(), "the url on stdout")
        check_equal(app.stdout(), f"authsim: gateway listening on {url}\n", "stdout")
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass


@case
def gateway_port_zero_picks_a_free_port():
    with Headless() as app:
        port = int(re.match(r"http://127\.0\.0\.1:(\d+)/", app.listening_url()).group(1))
        check(port > 0, "port")
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass


@case
def no_gateway_option():
    with Headless("--no-gateway") as app:
        app.wait_event("the launch", kind="lifecycle", event="onLaunch")
        check_equal([e for e in app.events() if e["kind"] == "gateway"], [], "gateway events")
        wait_until(lambda: app.stdout(), "stdout")
        check_equal(app.stdout(), "authsim: running without a gateway\n", "stdout")
    status, lines, err = run_scenario([{"call": {}}, {"expect": {"callback": "success"}},
                                       {"exchange": True}], "--no-gateway")
    check_equal(status, 1, "exit status")
    check("gateway is not running" in lines[2], lines[2])


@case
def data_dir_option():
    data = os.path.join(scratch(), "elsewhere")
    with Headless("--data-dir", data) as app:
        app.listening_url()
    for name in ("app-private.pem", "app-public.pem", "gateway-private.pem",
                 "gateway-public.pem"):
        check(os.path.isfile(os.path.join(data, "keys", name)), f"{name} in --data-dir")
    check(not os.path.exists(os.path.join(os.environ["XDG_DATA_HOME"], "authsim", "keys")),
          "keys written to XDG_DATA_HOME too")


@case
def app_public_key_option():
    # The gateway trusts another key: requests signed with AuthSim's own app key fail.
    private = os.path.join(scratch(), "mine.pem")
    public = os.path.join(scratch(), "mine.pub.pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                    "-out", private], check=True, capture_output=True)
    subprocess.run(["openssl", "pkey", "-in", private, "-pubout", "-out", public], check=True,
                   capture_output=True)
    steps = [{"call": {}}, {"expect": {"callback": "success"}},
             {"exchange": {"expect": {"code": "40002", "sub_code": "isv.invalid-signature"}}}]
    status, lines, err = run_scenario(steps, "--app-public-key", public)
    check_equal(status, 0, f"exit status: {lines} {err}")
    # Without the option the same request is accepted.
    status, lines, err = run_scenario(steps)
    check_equal(status, 1, f"exit status without the option: {lines}")


def openssl_public_key(name, *genpkey):
    """A public key made with the openssl command line: `openssl genpkey GENPKEY`."""
    private = os.path.join(scratch(), name + ".key")
    public = os.path.join(scratch(), name + ".pem")
    subprocess.run(["openssl", "genpkey"] + list(genpkey) + ["-out", private], check=True,
                   capture_output=True)
    subprocess.run(["openssl", "pkey", "-in", private, "-pubout", "-out", public], check=True,
                   capture_output=True)
    return public


@case
def app_public_key_checked_at_parse_time():
    # Not a PEM RSA public key, or one under 2048 bits: one line and exit 2, window and headless.
    short = openssl_public_key("short", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024")
    ec = openssl_public_key("ec", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")
    text = write("not-a-key.pem", "hello\n")
    private = os.path.join(scratch(), "short.key")
    for path, needles in [(short, ["1024", "2048"]), (ec, []), (text, ["not a PEM public key"]),
                          (private, ["not a PEM public key"])]:
        for mode in ([], ["--headless"]):
            args = mode + ["--app-public-key", path]
            status, out, err = run(args)
            check_equal(status, 2, f"exit status of {args}: {err}")
            check_equal(out, "", f"stdout of {args}")
            one_line_error(err, "--app-public-key", path, *needles)


@case
def sign_mode_option():
    data = os.path.join(scratch(), "cert-data")
    with Headless("--sign-mode", "cert", "--data-dir", data) as app:
        app.listening_url()
        listening = app.events()[0]
        check_equal(listening["sign_mode"], "cert", "sign_mode of the listening event")
        for name in ("app_cert_sn", "alipay_cert_sn"):
            check(re.fullmatch(r"[0-9a-f]{32}", listening[name]), f"{name}: {listening}")
        check(re.fullmatch(r"[0-9a-f]{32}_[0-9a-f]{32}", listening["alipay_root_cert_sn"]),
              f"alipay_root_cert_sn: {listening}")
    for name in ("root-cert.crt", "app-cert.crt", "gateway-cert.crt", "ca-private.pem"):
        check(os.path.isfile(os.path.join(data, "keys", name)), f"{name} made in the keys directory")
    check_equal(os.stat(os.path.join(data, "keys", "ca-private.pem")).st_mode & 0o777, 0o600,
                "mode of ca-private.pem")
    # The scenario's exchange signs as an SDK in certificate mode and checks the answer.
    steps = [{"call": {}}, {"expect": {"callback": "success"}}, {"exchange": True}]
    status, lines, err = run_scenario(steps, "--sign-mode", "cert")
    check_equal(status, 0, f"exit status: {lines} {err}")
    with Headless("--sign-mode", "key", log=os.path.join(scratch(), "key-mode.jsonl")) as app:
        app.listening_url()
        check_equal(app.events()[0]["sign_mode"], "key", "sign_mode in key mode")
        check("app_cert_sn" not in app.events()[0], "no SNs in key mode")


@case
def first_screen_rule_option():
    steps = [{"relaunch": True},
             {"expect": {"callback": "success"}},
             {"call": {"scopes": "auth_user"}, "trigger": "lifecycle"},
             {"expect": {"violation": "first-screen", "popup": True}, "timeout": 2},
             {"answer": "allow"},
             {"expect": {"callback": "success", "payload": {"authSuccessScopes": ["auth_user"]}},
              "timeout": 2}]
    status, lines, err = run_scenario(steps, "--first-screen-rule", "warn")
    check_equal(status, 0, f"exit status with warn: {lines} {err}")
    # enforce (the default) blocks the popup: the same steps fail.
    status, lines, err = run_scenario(steps)
    check_equal(status, 1, f"exit status with the default rule: {lines}")
    # A scenario's own rule wins over the command line.
    status, lines, err = run_scenario(steps, "--first-screen-rule", "enforce",
                                      firstScreenRule="warn")
    check_equal(status, 0, f"exit status with the scenario's rule: {lines} {err}")


@case
def profile_option():
    profile = os.path.join(SCENARIOS, "no-permission-profile.json")
    steps = [{"call": {"scopes": "auth_base"}},
             {"expect": {"callback": "fail", "error": 4}}]
    status, lines, err = run_scenario(steps, "--profile", profile)
    check_equal(status, 0, f"exit status: {lines} {err}")
    status, lines, err = run_scenario(steps)
    check_equal(status, 1, f"exit status with the demo profile: {lines}")


@case
def malformed_profile_keeps_running():
    bad = write("bad-profile.json", {"appId": "123", "pages": []})
    with Headless("--profile", bad) as app:
        error = app.wait_event("the profile error", kind="error", source="profile")
        check("bad-profile.json" in error["message"], error["message"])
        # The built-in profile runs instead.
        launch = app.wait_event("the launch", kind="lifecycle", event="onLaunch")
        check_equal(launch["page"], PROFILE["pages"][0]["path"], "launch page")
        check("bad-profile.json" in app.stderr(), f"stderr: {app.stderr()}")


@case
def users_option():
    users = write("users.json", {"users": [
        {"userId": "2088000000000077", "displayName": "Tester", "info": {"nick_name": "T"}}]})
    steps = [{"setUser": "2088000000000077"},
             {"call": {"scopes": "auth_base"}},
             {"expect": {"callback": "success"}},
             {"exchange": {"expect": {"user_id": "2088000000000077"}}}]
    status, lines, err = run_scenario(steps, "--users", users)
    check_equal(status, 0, f"exit status: {lines} {err}")
    status, lines, err = run_scenario(steps)
    check_equal(status, 1, f"exit status with the demo users: {lines}")


@case
def speed_option_accepted():
    status, lines, err = run_scenario([{"relaunch": True}], "--speed", "2")
    check_equal(status, 0, f"exit status: {err}")


@case
def sigint_sigterm_and_sighup_stop_cleanly():
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        app = Headless()
        status = app.stop(sig)
        check_equal(status, 0, f"exit status after {sig.name}")
        check_equal(app.stderr(), "", f"stderr after {sig.name}")
        os.unlink(app.log)


@case
def second_instance_refused():
    with Headless() as first:
        status, out, err = run(["--headless", "--gateway-port", "0", "--log",
                                os.path.join(scratch(), "second.jsonl")])
        check_equal(status, 1, "exit status of the second instance")
        one_line_error(err, APP_ID)
        # A scenario run needs no bus name: it runs beside the server.
        status, lines, err = run_scenario([{"relaunch": True}])
        check_equal(status, 0, f"scenario beside a server: {err}")
        # The first instance still answers.
        first.action("relaunch")


if __name__ == "__main__":
    main()
