#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The app icons (scalable and symbolic) load through GdkPixbuf/librsvg as GTK loads them, at
the sizes GNOME uses, and the symbolic icon uses one colour only (GTK recolours it)."""

import os
import re
import sys

import gi

gi.require_version("GdkPixbuf", "2.0")
from gi.repository import GdkPixbuf  # noqa: E402

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
icons = os.path.join(root, "data", "icons", "hicolor")
app_id = "io.github.authsim.AuthSim"
cases = [
    (os.path.join(icons, "scalable", "apps", app_id + ".svg"), (16, 48, 128, 256)),
    (os.path.join(icons, "symbolic", "apps", app_id + "-symbolic.svg"), (16, 32)),
]

results = []
for path, sizes in cases:
    for size in sizes:
        try:
            pixbuf = GdkPixbuf.Pixbuf.new_from_file_at_size(path, size, size)
            ok = pixbuf.get_width() == size and pixbuf.get_height() == size
            detail = "%dx%d" % (pixbuf.get_width(), pixbuf.get_height())
        except Exception as e:  # noqa: BLE001 - any failure to load is the finding
            ok, detail = False, str(e)
        results.append((ok, "%s loads at %dx%d (%s)" % (os.path.basename(path), size, size,
                                                        detail)))

with open(cases[1][0], encoding="utf-8") as f:
    svg = f.read()
colours = set(c.lower() for c in re.findall(r"#[0-9a-fA-F]{6}\b", svg))
results.append((len(colours) <= 1, "the symbolic icon uses one colour (%s)" %
                (", ".join(sorted(colours)) or "none")))

print("1..%d" % len(results))
for number, (ok, what) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if ok else "not ok", number, what))
sys.exit(0 if all(ok for ok, _ in results) else 1)
