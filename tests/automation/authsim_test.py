# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers for the automation tests: a TAP runner that runs every case in its own
dbus-run-session with private HOME and XDG directories, a headless AuthSim driven through
`gapplication action`, and its JSON Lines log read back key by key.

A test script defines cases with @case and ends with `main()`. Run without arguments it
prints TAP; `--case NAME` runs one case (this is what each private session runs).
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

APP_ID = "io.github.authsim.AuthSim"
DEADLINE = 15.0  # seconds any wait may take before the case fails
CASE_TIMEOUT = 90

_cases = []


def case(function):
    """Registers a test case (its name is the function's, with - for _)."""
    _cases.append(function)
    return function


class Failure(Exception):
    pass


class Skip(Exception):
    """Raised by a case that cannot run here; reported as a TAP skip."""


def check(condition, message):
    if not condition:
        raise Failure(message)


def check_equal(actual, expected, what):
    if actual != expected:
        raise Failure(f"{what}: expected {json.dumps(expected, ensure_ascii=False)}, "
                      f"got {json.dumps(actual, ensure_ascii=False)}")


def binary():
    path = os.environ.get("AUTHSIM_BIN")
    if path:
        return path
    root = os.environ.get("AUTHSIM_BUILD_ROOT")
    check(root, "AUTHSIM_BUILD_ROOT is not set (run through meson test)")
    return os.path.join(root, "app", "authsim")


def source_root():
    return os.environ.get("AUTHSIM_SOURCE_ROOT",
                          os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))


def scratch():
    """The case's private directory (created by the runner)."""
    return os.environ["AUTHSIM_TEST_DIR"]


def wait_until(predicate, what, deadline=DEADLINE):
    """Polls @predicate until it returns a true value, which is returned."""
    end = time.monotonic() + deadline
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            raise Failure(f"timed out after {deadline:g} s waiting for {what}")
        time.sleep(0.02)


def run(args, env=None, timeout=60, stdin=None):
    """Runs AuthSim to its end; returns (status, stdout, stderr)."""
    proc = subprocess.run([binary()] + args, capture_output=True, text=True, timeout=timeout,
                          env=env, stdin=subprocess.DEVNULL if stdin is None else stdin)
    return proc.returncode, proc.stdout, proc.stderr


def read_events(path):
    """The complete lines of a JSON Lines log, parsed (a line still being written is skipped)."""
    events = []
    try:
        with open(path, encoding="utf-8") as f:
            data = f.read()
    except FileNotFoundError:
        return events
    lines = data.split("\n")
    lines.pop()  # "" after the last newline, or a line still being written
    for line in lines:
        if line.strip():
            events.append(json.loads(line))
    return events


class Headless:
    """`authsim --headless` in server mode on the case's private session bus."""

    def __init__(self, *extra, log=None, wait=True, default_log=False):
        if default_log:
            self.log = os.path.join(os.environ["XDG_STATE_HOME"], "authsim", "log.jsonl")
            self.args = ["--headless", "--gateway-port", "0"] + list(extra)
        else:
            self.log = log or os.path.join(scratch(), "log.jsonl")
            self.args = ["--headless", "--gateway-port", "0", "--log", self.log] + list(extra)
        self.stdout_path = os.path.join(scratch(), "authsim.out")
        self.stderr_path = os.path.join(scratch(), "authsim.err")
        self.proc = subprocess.Popen([binary()] + self.args,
                                     stdout=open(self.stdout_path, "w"),
                                     stderr=open(self.stderr_path, "w"),
                                     stdin=subprocess.DEVNULL)
        if wait:
            self.wait_ready()

    def wait_ready(self):
        # The name appears once the gateway listens and the mini program has launched.
        status = subprocess.run(["gdbus", "wait", "--session", "--timeout", str(int(DEADLINE)),
                                 APP_ID], capture_output=True, text=True)
        if status.returncode != 0 or self.proc.poll() is not None:
            raise Failure(f"AuthSim did not appear on the bus: {status.stderr.strip()} "
                          f"{self.stderr()}")

    def stderr(self):
        with open(self.stderr_path, encoding="utf-8") as f:
            return f.read()

    def stdout(self):
        with open(self.stdout_path, encoding="utf-8") as f:
            return f.read()

    def action(self, name, parameter=None, expect_ok=True):
        """`gapplication action APP_ID name [parameter]`; @parameter is GVariant text."""
        args = ["gapplication", "action", APP_ID, name]
        if parameter is not None:
            args.append(parameter)
        proc = subprocess.run(args, capture_output=True, text=True, timeout=DEADLINE)
        if expect_ok:
            check(proc.returncode == 0,
                  f"gapplication action {name} failed: {proc.stderr.strip()}")
        return proc

    def string_action(self, name, text, expect_ok=True):
        """An action whose parameter is a string (GVariant text form, quoted)."""
        return self.action(name, gvariant_string(text), expect_ok)

    def events(self):
        return read_events(self.log)

    def last_seq(self):
        events = self.events()
        return events[-1]["seq"] if events else 0

    def wait_event(self, what, after=0, **fields):
        """The first event after seq @after whose fields equal @fields."""
        def find():
            for event in self.events():
                if event["seq"] > after and all(event.get(k) == v for k, v in fields.items()):
                    return event
            return None
        return wait_until(find, f"{what} ({json.dumps(fields, ensure_ascii=False)})")

    def events_after(self, after):
        return [e for e in self.events() if e["seq"] > after]

    def sync(self):
        """Returns once AuthSim has handled every action sent before: a marker call that
        fails at once (web-view) and whose callbacks are waited for. Returns its call id."""
        before = self.last_seq()
        self.string_action("call", json.dumps({"params": {"scopes": "auth_base", "sync": True},
                                               "container": "web-view"}))
        event = self.wait_event("the sync call's complete", before, kind="callback",
                                callback="complete")
        return event["call"]

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            status = self.proc.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise Failure("AuthSim did not stop on a signal")
        return status

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        if kind is not None:
            self.close()
            return False
        # A clean shutdown on SIGTERM, with no GLib warning on the way.
        status = self.stop()
        check_equal(status, 0, "exit status after SIGTERM")
        check("-WARNING" not in self.stderr() and "-CRITICAL" not in self.stderr(),
              f"warnings on stderr: {self.stderr()}")
        return False

    def listening_url(self):
        return self.wait_event("the gateway's listening event", kind="gateway",
                               event="listening")["url"]


def gvariant_string(text):
    """GVariant text for a string: single-quoted, with backslash escapes."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def events_of(events, call):
    return [e for e in events if e.get("call") == call]


def _run_case(name):
    function = next(f for f in _cases if f.__name__ == name)
    try:
        function()
    except Skip as e:
        print(f"SKIP: {e}")
        return 77
    except Failure as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1
    except Exception:
        traceback.print_exc()
        return 1
    return 0


def _private_env(directory):
    env = dict(os.environ)
    for var in ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY", "AT_SPI_BUS_ADDRESS"):
        env.pop(var, None)
    for sub in ("home", "data", "state", "config", "cache", "run"):
        os.makedirs(os.path.join(directory, sub), mode=0o700, exist_ok=True)
    env.update({
        "HOME": os.path.join(directory, "home"),
        "XDG_DATA_HOME": os.path.join(directory, "data"),
        "XDG_STATE_HOME": os.path.join(directory, "state"),
        "XDG_CONFIG_HOME": os.path.join(directory, "config"),
        "XDG_CACHE_HOME": os.path.join(directory, "cache"),
        "XDG_RUNTIME_DIR": os.path.join(directory, "run"),
        "AUTHSIM_TEST_DIR": directory,
        "GSETTINGS_BACKEND": "memory",
        # Page labels in scenarios and checks are the English ones.
        "LANGUAGE": "en",
        "LC_ALL": "C.UTF-8",
    })
    return env


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--case":
        sys.exit(_run_case(sys.argv[2]))

    for tool in ("dbus-run-session", "gapplication", "gdbus"):
        if shutil.which(tool) is None:
            print(f"1..0 # SKIP {tool} is missing")
            sys.exit(77 if not os.environ.get("CI") else 1)

    print(f"1..{len(_cases)}", flush=True)
    failed = 0
    for number, function in enumerate(_cases, 1):
        name = function.__name__.replace("_", "-")
        directory = tempfile.mkdtemp(prefix=f"authsim-{name}.")
        env = _private_env(directory)
        try:
            proc = subprocess.run(["dbus-run-session", "--", sys.executable,
                                   os.path.abspath(sys.argv[0]), "--case", function.__name__],
                                  env=env, capture_output=True, text=True, timeout=CASE_TIMEOUT)
            status, output = proc.returncode, proc.stdout + proc.stderr
        except subprocess.TimeoutExpired as e:
            status, output = -1, f"timed out after {CASE_TIMEOUT} s\n{e.stdout or ''}{e.stderr or ''}"
        if status == 0:
            print(f"ok {number} - {name}", flush=True)
            shutil.rmtree(directory, ignore_errors=True)
        elif status == 77:
            reason = next((l[6:] for l in output.splitlines() if l.startswith("SKIP: ")), "")
            print(f"ok {number} - {name} # SKIP {reason}", flush=True)
            shutil.rmtree(directory, ignore_errors=True)
        else:
            failed += 1
            print(f"not ok {number} - {name}", flush=True)
            for line in output.splitlines():
                # dbus-daemon's complaint about fd limits in containers is noise.
                if "Failed to set fd limit" not in line:
                    print(f"# {line}", flush=True)
            print(f"# (files kept in {directory})", flush=True)
    sys.exit(1 if failed else 0)


def demo_profile():
    with open(os.path.join(source_root(), "data", "demo-profile.json"), encoding="utf-8") as f:
        return json.load(f)


def demo_users():
    with open(os.path.join(source_root(), "data", "demo-users.json"), encoding="utf-8") as f:
        return [u["userId"] for u in json.load(f)["users"]]


def is_auth_code(value):
    return isinstance(value, str) and len(value) == 32 and value.isascii() and value.isalnum()


def sign_as_app(content, key_path):
    """SHA256withRSA of @content with the PEM private key at @key_path, base64 (openssl)."""
    proc = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key_path],
                          input=content.encode("utf-8"), capture_output=True, check=True)
    import base64
    return base64.b64encode(proc.stdout).decode("ascii")


def exchange(url, app_id, code, key_path):
    """alipay.system.oauth.token as an SDK sends it; returns the response node (dict) and its
    key (alipay_system_oauth_token_response or error_response)."""
    import urllib.parse
    import urllib.request
    from datetime import datetime, timedelta, timezone

    params = {
        "app_id": app_id,
        "method": "alipay.system.oauth.token",
        "charset": "utf-8",
        "sign_type": "RSA2",
        "timestamp": datetime.now(timezone(timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S"),
        "version": "1.0",
        "grant_type": "authorization_code",
        "code": code,
    }
    content = "&".join(f"{k}={params[k]}" for k in sorted(params) if params[k])
    params["sign"] = sign_as_app(content, key_path)
    body = urllib.parse.urlencode(params).encode("ascii")
    request = urllib.request.Request(url, data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded;charset=utf-8"})
    with urllib.request.urlopen(request, timeout=DEADLINE) as response:
        document = json.loads(response.read().decode("utf-8"))
    for key in ("alipay_system_oauth_token_response", "error_response"):
        if key in document:
            return key, document[key]
    raise Failure(f"unexpected gateway response {document}")
