#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Prints 'N passed, N failed, N skipped' over meson testlog.json files.

TAP programs count each subtest; other tests count once. A program that fails without a
'not ok' line (a crash, a timeout) counts one failure more. Exits 1 on any failure or when
no test ran at all.
"""
import json
import re
import sys

TAP_PLAN = re.compile(r"^1\.\.\d+", re.MULTILINE)
TAP_OK = re.compile(r"^ok \d+")
TAP_NOT_OK = re.compile(r"^not ok \d+")

args = sys.argv[1:]
extra = 0
if args[:1] == ["--extra-failures"]:
    extra = int(args[1])
    args = args[2:]

passed = skipped = 0
failed = extra
failures = ["a build (see above)"] * extra
for path in args:
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.readlines()
    except OSError as e:
        print(f"summary: {path}: {e}", file=sys.stderr)
        failed += 1
        continue
    for line in lines:
        t = json.loads(line)
        result = t.get("result")
        out = t.get("stdout") or ""
        p = f = s = 0
        # meson's log does not say which tests speak TAP: a plan line tells.
        if TAP_PLAN.search(out):
            for l in out.splitlines():
                if TAP_OK.match(l):
                    if "# SKIP" in l:
                        s += 1
                    else:
                        p += 1
                elif TAP_NOT_OK.match(l):
                    if "# TODO" in l:
                        s += 1
                    else:
                        f += 1
            if result not in ("OK", "SKIP", "EXPECTEDFAIL") and f == 0:
                f = 1
        else:
            if result in ("OK", "EXPECTEDFAIL"):
                p = 1
            elif result == "SKIP":
                s = 1
            else:
                f = 1
        if f:
            failures.append(f"{path.split('/')[-3]}: {t.get('name')} ({result})")
        passed += p
        failed += f
        skipped += s

for name in failures:
    print(f"FAILED: {name}")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
