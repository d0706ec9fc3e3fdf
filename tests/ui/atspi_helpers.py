# SPDX-License-Identifier: GPL-3.0-or-later
"""Drive AuthSim through AT-SPI, by accessible role and name only (SPEC §7), and read its
JSON Lines log (SPEC §8). Used by the tests in this directory, which run inside
run-under-xvfb (Xvfb + a private session bus that activates the AT-SPI bus).

Everything waits by polling state with a deadline; nothing sleeps a fixed time."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

import pyatspi

DEADLINE = float(os.environ.get("AUTHSIM_UI_DEADLINE", "15"))
POLL = 0.05


class TestFailure(AssertionError):
    pass


def check(condition, message):
    if not condition:
        raise TestFailure(message)


def check_equal(actual, expected, what):
    if actual != expected:
        raise TestFailure("%s: expected %r, got %r" % (what, expected, actual))


def build_root():
    root = os.environ.get("AUTHSIM_BUILD_ROOT")
    if not root:
        here = os.path.dirname(os.path.abspath(__file__))
        root = os.path.join(here, "..", "..", "build")
    return os.path.abspath(root)


def source_root():
    root = os.environ.get("AUTHSIM_SOURCE_ROOT")
    if not root:
        root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    return os.path.abspath(root)


def poll(predicate, what, deadline=DEADLINE, alive=None):
    """Calls predicate() until it returns something truthy; D-Bus errors count as "not yet".
    Fails after the deadline, or at once when alive() says the app died."""
    end = time.monotonic() + deadline
    last_error = None
    while True:
        try:
            result = predicate()
            if result:
                return result
        except TestFailure:
            raise
        except Exception as error:  # noqa: BLE001 - D-Bus hiccups and vanished nodes
            last_error = error
        if alive is not None and not alive():
            raise TestFailure("the app died while waiting for %s" % what)
        if time.monotonic() > end:
            detail = " (last error: %s)" % last_error if last_error else ""
            raise TestFailure("timed out after %.0f s waiting for %s%s" % (deadline, what, detail))
        time.sleep(POLL)


def role_name(node):
    try:
        return node.getRoleName()
    except Exception:
        return None


def node_name(node):
    try:
        return node.name
    except Exception:
        return None


def walk(node, depth=0, max_depth=60):
    """Depth-first over the accessible tree (children that vanish mid-walk are skipped)."""
    if node is None or depth > max_depth:
        return
    yield node
    try:
        count = node.childCount
    except Exception:
        return
    for i in range(count):
        try:
            child = node.getChildAtIndex(i)
        except Exception:
            continue
        yield from walk(child, depth + 1, max_depth)


def has_state(node, state):
    try:
        return node.getState().contains(state)
    except Exception:
        return False


def is_showing(node):
    """GTK 4.8 sets "showing" on toplevels only, and leaves hidden widgets out of the tree:
    a node that is in the tree and "visible" is on screen (or in an open popover)."""
    return has_state(node, pyatspi.STATE_VISIBLE)


# GtkToggleButton is a "push button" with the "pressed" state in GTK 4.8, and a
# "toggle button" from GTK 4.10 on: scripts accept both.
TOGGLE = ("toggle button", "push button")


# GtkSwitch (Preferences) is a "check box" with the "checked" state under GTK 4.8 and
# at-spi2-core 2.46 (measured); newer stacks may say "switch".
SWITCH = ("check box", "switch")


def is_pressed(node):
    return has_state(node, pyatspi.STATE_PRESSED) or has_state(node, pyatspi.STATE_CHECKED)


def dump(node, depth=0, out=sys.stderr):
    """Prints the tree under @node (for debugging a failing test: AUTHSIM_UI_DUMP=1)."""
    def rec(n, d):
        try:
            out.write("%s%s %r%s\n" % ("  " * d, role_name(n), node_name(n),
                                       "" if is_showing(n) else " (hidden)"))
            for i in range(n.childCount):
                rec(n.getChildAtIndex(i), d + 1)
        except Exception:
            pass
    rec(node, depth)


class App:
    """One authsim process with its own HOME and XDG directories and its own log file."""

    def __init__(self, args=(), language=None, settings=None):
        """@settings (dict, optional): GSettings values for this run (a keyfile backend);
        without it settings live in memory and start at their defaults."""
        self.tmp = tempfile.mkdtemp(prefix="authsim-ui-")
        self.log_path = os.path.join(self.tmp, "log.jsonl")
        root = build_root()
        env = dict(os.environ)
        for key in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME",
                    "XDG_CACHE_HOME"):
            path = os.path.join(self.tmp, key.lower())
            os.makedirs(path, exist_ok=True)
            env[key] = path
        env["GSETTINGS_SCHEMA_DIR"] = env.get("GSETTINGS_SCHEMA_DIR", os.path.join(root, "data"))
        env["GSETTINGS_BACKEND"] = "memory"
        if settings:
            keyfile_dir = os.path.join(env["XDG_CONFIG_HOME"], "glib-2.0", "settings")
            os.makedirs(keyfile_dir, exist_ok=True)
            with open(os.path.join(keyfile_dir, "keyfile"), "w", encoding="utf-8") as f:
                f.write("[io/github/authsim/AuthSim]\n")
                for key, value in settings.items():
                    f.write("%s=%s\n" % (key, value))
            env["GSETTINGS_BACKEND"] = "keyfile"
        env["AUTHSIM_LOCALEDIR"] = env.get("AUTHSIM_LOCALEDIR", os.path.join(root, "po"))
        env.pop("G_DEBUG", None)  # GTK/AT-SPI noise must not abort the app under test
        if language is None:
            env["LANGUAGE"] = "C"
            env["LC_ALL"] = "C.UTF-8"
        else:
            env["LANGUAGE"] = language
            env["LC_ALL"] = "C.UTF-8"
        self.stderr_path = os.path.join(self.tmp, "stderr.txt")
        self._stderr = open(self.stderr_path, "w")
        argv = [os.path.join(root, "app", "authsim"), "--gateway-port", "0",
                "--log", self.log_path] + list(args)
        self.proc = subprocess.Popen(argv, env=env, stdout=self._stderr, stderr=self._stderr)
        try:
            self.node = poll(self._find_app, "the AT-SPI application 'authsim'", alive=self.alive)
            self.window = self.find("frame", "AuthSim")
            # The backend starts after the window shows: wait for the launch to reach the log.
            self.wait_event(lambda e: e["kind"] == "lifecycle" and e.get("event") == "onShow",
                            "the mini program's first onShow")
        except Exception:
            for line in self.stderr().splitlines()[-30:]:
                print("# app: " + line, flush=True)
            self.close()
            raise

    # Process

    def alive(self):
        if self.proc.poll() is not None:
            return False
        try:
            with open("/proc/%d/stat" % self.proc.pid) as stat:
                return stat.read().split(")")[-1].split()[0] != "Z"
        except OSError:
            return False

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._stderr.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def stderr(self):
        try:
            with open(self.stderr_path) as f:
                return f.read()
        except OSError:
            return ""

    def _find_app(self):
        desktop = pyatspi.Registry.getDesktop(0)
        for i in range(desktop.childCount):
            app = desktop.getChildAtIndex(i)
            if app is None or node_name(app) != "authsim":
                continue
            try:
                if app.get_process_id() == self.proc.pid:
                    return app
            except Exception:
                continue
        return None

    # Finding

    def find_now(self, role, name, root=None, showing=True, prefix=False):
        """The first node with this role and name (or name prefix), or None."""
        roles = (role,) if isinstance(role, str) else tuple(role)
        for node in walk(root or self.node):
            if role_name(node) not in roles:
                continue
            n = node_name(node) or ""
            if (n.startswith(name) if prefix else n == name):
                if not showing or is_showing(node):
                    return node
        return None

    def find(self, role, name, root=None, showing=True, prefix=False, deadline=DEADLINE):
        return poll(lambda: self.find_now(role, name, root, showing, prefix),
                    "%s %r" % (role, name), deadline=deadline, alive=self.alive)

    def wait_gone(self, role, name, root=None, prefix=False, deadline=DEADLINE):
        poll(lambda: self.find_now(role, name, root, True, prefix) is None,
             "%s %r to go away" % (role, name), deadline=deadline, alive=self.alive)

    def dialog(self):
        return self.find("dialog", "Authorization request")

    def dialog_now(self):
        return self.find_now("dialog", "Authorization request")

    # Acting

    def click(self, node):
        """Clicks a button; on a GtkSwitch, whose one action is "toggle" under GTK 4.8, toggles."""
        action = node.queryAction()
        names = [action.getName(i) for i in range(action.nActions)]
        wanted = "click" if "click" in names else "toggle"
        for i in range(action.nActions):
            if action.getName(i) == wanted:
                check(action.doAction(i), "click on %s %r failed" % (role_name(node), node_name(node)))
                return
        raise TestFailure("%s %r has no click action" % (role_name(node), node_name(node)))

    def click_button(self, name, root=None, role="push button"):
        """Clicks the button (or, with role=TOGGLE, the toggle button) called @name."""
        self.click(self.find(role, name, root))

    def set_text(self, node, text):
        editable = node.queryEditableText()
        check(editable.setTextContents(text), "setting the text of %r failed" % node_name(node))

    def text_of(self, node):
        t = node.queryText()
        return t.getText(0, t.characterCount)

    def type_text(self, text):
        """Types @text through XTest into the focused widget."""
        pyatspi.Registry.generateKeyboardEvent(0, text, pyatspi.KEY_STRING)

    def press_escape(self):
        pyatspi.Registry.generateKeyboardEvent(0xff1b, None, pyatspi.KEY_SYM)  # XK_Escape

    def pointer_to(self, node):
        """Moves the pointer over @node: without a window manager X gives the keyboard to the
        window under the pointer. GTK 4 knows no screen coordinates; with no window manager its
        window sits at (0, 0), so window coordinates are screen coordinates."""
        ext = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        pyatspi.Registry.generateMouseEvent(ext.x + ext.width // 2, ext.y + ext.height // 2, "abs")

    def tap_page_buttons(self, labels):
        """Taps the preview's page buttons in turn (each on the page the previous one opened);
        returns the call id of the last tap if it made a call, else None."""
        mark = self.last_seq()
        for label in labels:
            self.click_button(label)
        # A tap's call has trigger "tap" (page lifecycle calls do not).
        try:
            return self.wait_event(lambda e: e["kind"] == "call" and e["seq"] > mark and
                                   e.get("trigger") == "tap",
                                   "the call of %r" % labels[-1], deadline=5)["call"]
        except TestFailure:
            return None

    def menu_item(self, name):
        """Opens the primary menu and activates the item called @name."""
        menu_button = self.find("push button", "Main menu", root=self.window)
        inner = None
        for node in walk(menu_button):
            if node is not menu_button and role_name(node) in ("push button", "toggle button"):
                inner = node
                break
        self.click(inner or menu_button)
        item = self.find("menu item", name, showing=False)
        self.click(item)

    # The capsule's ··· menu, the settings page and the composer's API choice (SPEC §13.5)

    def open_settings_from_capsule(self):
        """The capsule's "···" (named More) → Settings: returns the settings page dialog."""
        more = self.find("push button", "More")
        inner = next((n for n in walk(more) if n is not more and
                      role_name(n) in ("push button", "toggle button")), more)
        self.click(inner)
        # Popover contents may not report "visible" (ATSPI.md pitfall 8).
        item = poll(lambda: next((n for n in walk(more) if role_name(n) == "push button" and
                                  node_name(n) == "Settings"), None),
                    "Settings in the capsule's menu", alive=self.alive)
        self.click(item)
        return self.settings_page()

    def settings_page(self):
        return self.find("dialog", "Mini program settings")

    def choose_api(self, name):
        """Chooses @name ("my.getOpenUserInfo", …) in the composer's "API" combo box: GTK 4.8's
        drop-down exposes no action for its items, so open it and pick with the keyboard."""
        combo = self.find("combo box", "API")
        inner = next(n for n in walk(combo) if n is not combo and role_name(n) in TOGGLE)
        items = ["my.getAuthCode", "my.getOpenUserInfo", "my.getPhoneNumber", "my.getSetting",
                 "my.openSetting"]
        self.pointer_to(inner)
        self.click(inner)
        # The open list shows every item (closed, the combo box shows only the chosen one).
        poll(lambda: self.find_now("label", items[-1]) and self.find_now("label", items[0]),
             "the API list to open", alive=self.alive)
        pyatspi.Registry.generateKeyboardEvent(0xff50, None, pyatspi.KEY_SYM)  # XK_Home
        for _ in range(items.index(name)):
            pyatspi.Registry.generateKeyboardEvent(0xff54, None, pyatspi.KEY_SYM)  # XK_Down
        pyatspi.Registry.generateKeyboardEvent(0xff0d, None, pyatspi.KEY_SYM)  # XK_Return
        self.find("push button", "Call " + name)

    def call_api(self, name, trigger="User tap"):
        """Chooses @name in the composer and calls it (no parameters); returns the call id."""
        self.choose_api(name)
        mark = self.last_seq()
        self.click_button("Call " + name)
        api = name[len("my."):]
        return self.wait_event(lambda e: e["kind"] == "call" and e["seq"] > mark and
                               e.get("api") == api, "the call of %s" % name)["call"]

    # Composer (UI part B's widget; names from SPEC §7)

    def compose_call(self, params, trigger="User tap"):
        """Sets the parameter text, the trigger, clicks "Call my.getAuthCode"; returns the
        call id the engine gave it (from the log)."""
        mark = self.last_seq()
        field = self.find("text", "Call parameters", showing=False)
        self.set_text(field, params if isinstance(params, str) else json.dumps(params))
        toggle = self.find(TOGGLE, trigger)
        if not is_pressed(toggle):
            self.click(toggle)
            poll(lambda: is_pressed(toggle), "%r to be pressed" % trigger, alive=self.alive)
        self.click_button("Call my.getAuthCode")
        # The launch page's own lifecycle calls may still be logging: match this call's
        # parameters and trigger, not just "the next call".
        expected = params if not isinstance(params, str) else json.loads(params)
        expected_trigger = "lifecycle" if trigger == "Page load" else "tap"
        event = self.wait_event(lambda e: e["kind"] == "call" and e["seq"] > mark and
                                e.get("params") == expected and
                                e.get("trigger") == expected_trigger,
                                "the call event of %s" % params)
        return event["call"]

    # The log

    def events(self):
        try:
            with open(self.log_path, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except OSError:
            return []
        events = []
        for line in lines:
            if line.strip():
                try:
                    events.append(json.loads(line))
                except ValueError:
                    break  # a line being written
        return events

    def last_seq(self):
        events = self.events()
        return events[-1]["seq"] if events else 0

    def wait_event(self, predicate, what, deadline=DEADLINE):
        def find():
            for event in self.events():
                if predicate(event):
                    return event
            return None
        return poll(find, what, deadline=deadline, alive=self.alive)

    def callback(self, call, kind, deadline=DEADLINE):
        return self.wait_event(lambda e: e["kind"] == "callback" and e["call"] == call and
                               e.get("callback") == kind,
                               "callback %s of call %s" % (kind, call), deadline=deadline)

    def callbacks(self, call):
        return [e for e in self.events() if e["kind"] == "callback" and e["call"] == call]

    def wait_complete(self, call):
        """Waits for complete; returns the callbacks of the call in log order."""
        self.callback(call, "complete")
        return self.callbacks(call)

    def kinds(self, call, kind):
        return [e for e in self.events() if e["call"] == call and e["kind"] == kind]


# The demo profile (data/demo-profile.json): page button labels are accessible names.

def demo_profile():
    with open(os.path.join(source_root(), "data", "demo-profile.json"), encoding="utf-8") as f:
        return json.load(f)


def localised(value, language="en"):
    if isinstance(value, dict):
        return value.get(language, value.get("en", next(iter(value.values()))))
    return value


def demo_taps_to_auth_user(language="en"):
    """The labels to tap, from the launch page, to reach and press a page button that calls
    auth_user alone in the current container (breadth first over navigateTo buttons)."""
    profile = demo_profile()
    pages = {p["path"]: p for p in profile["pages"]}
    queue = [(profile["pages"][0]["path"], [])]
    seen = set()
    while queue:
        path, taps = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        for button in pages[path].get("buttons", []):
            label = localised(button["label"], language)
            params = button.get("params")
            if isinstance(params, dict) and params.get("scopes") in ("auth_user", ["auth_user"]) \
                    and "container" not in button:
                return taps + [label]
            if "navigateTo" in button:
                queue.append((button["navigateTo"], taps + [label]))
    raise TestFailure("the demo profile has no page button calling auth_user")


# Payload checks, key by key (SPEC §2.2)

def is_auth_code(value):
    return isinstance(value, str) and len(value) == 32 and value.isascii() and value.isalnum()


def check_fail(callbacks, error, message, extra=None):
    """fail then complete, both with exactly {"error": error, "errorMessage": message, …}."""
    check_equal([c["callback"] for c in callbacks], ["fail", "complete"], "callbacks")
    expected = {"error": error, "errorMessage": message}
    expected.update(extra or {})
    for c in callbacks:
        payload = c["payload"]
        check_equal(sorted(payload.keys()), sorted(expected.keys()), "payload keys of %s" % c["callback"])
        for key, value in expected.items():
            check_equal(payload[key], value, "%s.payload.%s" % (c["callback"], key))


def check_success(callbacks, scopes, error_scopes=None):
    check_equal([c["callback"] for c in callbacks], ["success", "complete"], "callbacks")
    first = callbacks[0]["payload"]
    for c in callbacks:
        payload = c["payload"]
        check_equal(sorted(payload.keys()), ["authCode", "authErrorScopes", "authSuccessScopes"],
                    "payload keys of %s" % c["callback"])
        check(is_auth_code(payload["authCode"]), "authCode %r is not 32 [0-9a-zA-Z]" % payload["authCode"])
        check_equal(payload["authCode"], first["authCode"], "complete's authCode")
        check_equal(payload["authSuccessScopes"], scopes, "authSuccessScopes")
        check_equal(payload["authErrorScopes"], error_scopes or {}, "authErrorScopes")


# A tiny TAP runner: each case gets a fresh app unless it manages its own.

def run(cases):
    print("1..%d" % len(cases), flush=True)
    failed = 0
    for number, case in enumerate(cases, 1):
        name = case.__name__
        try:
            case()
            print("ok %d - %s" % (number, name), flush=True)
        except Exception:  # noqa: BLE001 - report every failure as TAP
            failed += 1
            print("not ok %d - %s" % (number, name), flush=True)
            for line in traceback.format_exc().splitlines():
                print("# " + line, flush=True)
    return 1 if failed else 0


class Session:
    """with Session(args) as app: … — closes the app and prints its stderr on failure."""

    def __init__(self, args=(), language=None, settings=None):
        self.args = args
        self.language = language
        self.settings = settings
        self.app = None

    def __enter__(self):
        self.app = App(self.args, self.language, self.settings)
        return self.app

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and self.app is not None:
            for line in self.app.stderr().splitlines()[-30:]:
                print("# app: " + line, flush=True)
            if os.environ.get("AUTHSIM_UI_DUMP"):
                try:
                    dump(self.app.node)
                except Exception:
                    pass
        if self.app is not None:
            self.app.close()
        return False
