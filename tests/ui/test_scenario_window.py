#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""authsim --scenario FILE in the window (issue 5): the steps play in the preview and the
window shows each one, then the result; the payloads are those of a headless run."""

import os
import sys

from atspi_helpers import Session, check, check_equal, run, source_root


def scenario_plays_in_the_window():
    scenario = os.path.join(source_root(), "tests", "scenarios", "allow.json")
    with Session(args=["--scenario", scenario, "--speed", "10"]) as app:
        status = app.find("status bar", "Scenario “Allow” finished", deadline=60)
        check(status is not None, "the scenario bar says the scenario finished")
        count = app.find("label", "6 passed, 0 failed")
        check(count is not None, "the scenario bar counts the steps")
        successes = [e for e in app.events()
                     if e.get("kind") == "callback" and e.get("callback") == "success"
                     and e["payload"].get("authSuccessScopes") == ["auth_user"]]
        check_equal(len(successes), 1, "auth_user successes in the log")
        exchanges = [e for e in app.events() if e.get("kind") == "gateway"
                     and e.get("event") == "request"]
        check_equal([e.get("code") for e in exchanges], ["10000"], "gateway outcome codes")
        check_equal(exchanges[0].get("call"), successes[0].get("call"),
                    "the exchange is linked to the call whose code it used")


if __name__ == "__main__":
    sys.exit(run([scenario_plays_in_the_window]))
