#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks the translations (SPEC §9), printing TAP:

- every language of LINGUAS compiles with msgfmt --check (formats, header, domain) with no
  warning, no fuzzy and no untranslated message, and keeps no obsolete (#~) entry;
- POTFILES.in and LINGUAS are sorted (LC_ALL=C) and every POTFILES.in entry exists;
- every source file with a translatable string is listed in POTFILES.in, so a new file cannot
  be forgotten;
- a template extracted from the current sources, the way meson's `authsim-pot` does it, leaves
  no message untranslated or fuzzy once merged into each .po, and no translation obsolete;
- zh_CN uses Alipay's wording for the strings SPEC §9 names.

Usage: test_po.py [SOURCE_ROOT]   (default: the parent of this file's directory)"""

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                       os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
PO = os.path.join(ROOT, "po")
PACKAGE = "authsim"

# meson's i18n.gettext(preset: 'glib') arguments for xgettext (mesonbuild/modules/i18n.py).
GLIB_PRESET = [
    "--from-code=UTF-8", "--add-comments",
    "--keyword=_", "--keyword=N_", "--keyword=C_:1c,2", "--keyword=NC_:1c,2",
    "--keyword=g_dcgettext:2", "--keyword=g_dngettext:2,3", "--keyword=g_dpgettext2:2c,3",
    "--flag=N_:1:pass-c-format", "--flag=C_:2:pass-c-format", "--flag=NC_:2:pass-c-format",
    "--flag=g_dngettext:2:pass-c-format", "--flag=g_strdup_printf:1:c-format",
    "--flag=g_string_printf:2:c-format", "--flag=g_string_append_printf:2:c-format",
    "--flag=g_error_new:3:c-format", "--flag=g_set_error:4:c-format",
    "--flag=g_markup_printf_escaped:1:c-format", "--flag=g_log:3:c-format",
    "--flag=g_print:1:c-format", "--flag=g_printerr:1:c-format", "--flag=g_printf:1:c-format",
    "--flag=g_fprintf:2:c-format", "--flag=g_sprintf:2:c-format",
    "--flag=g_snprintf:3:c-format",
]

# A gettext call in C: _(), N_(), C_(), NC_() and GLib's domain variants.
C_GETTEXT = re.compile(r"(?<![A-Za-z0-9_])(?:N?C?_|g_d[cnp]?gettext2?)\s*\(")
UI_TRANSLATABLE = re.compile(r"""translatable\s*=\s*["'](?:yes|true|1)["']""", re.I)

# SPEC §9 and issue 3: Alipay's own words.
ALIPAY_WORDING = {
    (None, "Allow"): "允许",
    (None, "Reject"): "拒绝",
    (None, "Close"): "关闭",
    (None, "Authorization request"): "授权请求",
    (None, "Service busy, please try again later"): "服务正忙，请稍后再试",
    (None, "Authorize %s to use the following information"): "授权 %s 获取以下信息为你服务",
    (None, "User Authorization Agreement"): "《用户授权协议》",
    (None, "First-screen rule"): "首屏规则",
    (None, "Clear authorization data"): "清除授权数据",
    (None, "Revoke"): "解除授权",
}

results = []


def check(ok, name, diag=None):
    results.append((bool(ok), name, diag))


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, **kw)


def read_list(path):
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f
                if line.strip() and not line.lstrip().startswith("#")]


def unquote(s):
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)),
                  s.strip()[1:-1])


def parse_po(path):
    """{(msgctxt, msgid): [msgstr, …]} of the live (not obsolete) messages, header excluded."""
    entries, fields, cur = {}, {}, None

    def flush():
        if "msgid" in fields and fields["msgid"] != "":
            strs = [v for k, v in sorted(fields.items()) if k.startswith("msgstr")]
            entries[(fields.get("msgctxt"), fields["msgid"])] = strs
        fields.clear()

    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                flush()
                cur = None
                continue
            if line.startswith("#"):
                continue
            m = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$', line)
            if m:
                if m.group(1) in ("msgctxt", "msgid") and m.group(1) in fields:
                    flush()
                cur = m.group(1)
                fields[cur] = unquote(m.group(2))
            elif line.startswith('"') and cur is not None:
                fields[cur] += unquote(line)
    flush()
    return entries


def statistics(stderr):
    """msgfmt --statistics: (translated, fuzzy, untranslated)."""
    def count(word):
        m = re.search(r"(\d+) %s" % word, stderr)
        return int(m.group(1)) if m else 0
    return count("translated"), count("fuzzy"), count("untranslated")


def main():
    for tool in ("msgfmt", "msgmerge", "xgettext"):
        if shutil.which(tool) is None:
            print("1..0 # SKIP %s is not installed" % tool)
            return 0

    potfiles_path = os.path.join(PO, "POTFILES.in")
    linguas_path = os.path.join(PO, "LINGUAS")
    potfiles = read_list(potfiles_path)
    linguas = [w for line in read_list(linguas_path) for w in line.split()]
    c_env = dict(os.environ, LC_ALL="C")

    # Lists: sorted, existing, complete.
    for path in (potfiles_path, linguas_path):
        p = run(["sort", "-c", path], env=c_env)
        check(p.returncode == 0, "%s is sorted (LC_ALL=C sort -c)" % os.path.relpath(path, ROOT),
              p.stderr.strip())
    check(len(set(potfiles)) == len(potfiles), "POTFILES.in lists no file twice")
    missing = [f for f in potfiles if not os.path.isfile(os.path.join(ROOT, f))]
    check(not missing, "every POTFILES.in entry exists", "missing: %s" % missing)

    sources = []
    for path in sorted(glob.glob(os.path.join(ROOT, "app", "**", "*.[ch]"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            if C_GETTEXT.search(f.read()):
                sources.append(os.path.relpath(path, ROOT))
    for path in sorted(glob.glob(os.path.join(ROOT, "ui", "**", "*.ui"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            if UI_TRANSLATABLE.search(f.read()):
                sources.append(os.path.relpath(path, ROOT))
    for pattern in ("*.desktop.in", "*.metainfo.xml.in", "*.gschema.xml"):
        sources += [os.path.relpath(p, ROOT)
                    for p in sorted(glob.glob(os.path.join(ROOT, "data", pattern)))]
    unlisted = [s for s in sources if s not in potfiles]
    check(sources and not unlisted,
          "every source file with translatable strings is in POTFILES.in (%d files)" % len(sources),
          "not listed: %s" % unlisted)

    check(linguas, "LINGUAS names at least one language")

    with tempfile.TemporaryDirectory(prefix="authsim-po-") as tmp:
        # The template, extracted the way meson's authsim-pot target does it.
        pot = os.path.join(tmp, PACKAGE + ".pot")
        p = run(["xgettext", "--package-name=" + PACKAGE, "-p", tmp, "-f", potfiles_path,
                 "-D", ROOT, "-k_", "-o", pot] + GLIB_PRESET)
        check(p.returncode == 0 and os.path.isfile(pot),
              "xgettext extracts a template from POTFILES.in", p.stderr.strip())
        # e.g. a msgid built with a macro ("%" G_GUINT64_FORMAT " day") is cut at the macro:
        # the catalog would hold "%" and the running program would never find its message.
        check("warning" not in p.stderr, "xgettext has no warning about the sources",
              p.stderr.strip())
        template = parse_po(pot) if os.path.isfile(pot) else {}
        check(len(template) > 0, "the template holds messages (%d)" % len(template))

        for lang in linguas:
            po = os.path.join(PO, lang + ".po")
            if not os.path.isfile(po):
                check(False, "%s.po exists" % lang)
                continue

            p = run(["msgfmt", "--check", "--check-accelerators=_", "--statistics",
                     "-o", os.path.join(tmp, lang + ".mo"), po], env=c_env)
            translated, fuzzy, untranslated = statistics(p.stderr)
            check(p.returncode == 0, "%s.po compiles with msgfmt --check" % lang, p.stderr.strip())
            check(re.fullmatch(r"\d+ translated messages?\.", p.stderr.strip()) is not None,
                  "%s.po: msgfmt prints only the count of translated messages" % lang,
                  p.stderr.strip())
            check(fuzzy == 0 and untranslated == 0 and translated > 0,
                  "%s.po: %d translated, %d fuzzy, %d untranslated"
                  % (lang, translated, fuzzy, untranslated))

            with open(po, encoding="utf-8") as f:
                obsolete = [line for line in f if line.startswith("#~")]
            check(not obsolete, "%s.po keeps no obsolete (#~) entry" % lang,
                  "%d obsolete lines" % len(obsolete))

            # Merge the fresh template into a copy: nothing may be new, fuzzy or stale.
            merged = os.path.join(tmp, lang + ".merged.po")
            p = run(["msgmerge", "--quiet", "--no-fuzzy-matching", "-o", merged, po, pot])
            check(p.returncode == 0, "msgmerge %s.po with the current template" % lang,
                  p.stderr.strip())
            if p.returncode == 0:
                p = run(["msgfmt", "--statistics", "-o", "/dev/null", merged], env=c_env)
                translated, fuzzy, untranslated = statistics(p.stderr)
                new = sorted(k[1] for k, strs in parse_po(merged).items()
                             if not all(strs))
                check(untranslated == 0 and fuzzy == 0,
                      "%s.po translates every message of the current sources" % lang,
                      "%d untranslated, %d fuzzy; untranslated: %s" % (untranslated, fuzzy, new))
                with open(merged, encoding="utf-8") as f:
                    stale = [line for line in f if line.startswith("#~ msgid")]
                check(not stale, "%s.po holds no message the sources dropped" % lang,
                      "".join(stale))

        zh = os.path.join(PO, "zh_CN.po")
        if "zh_CN" in linguas and os.path.isfile(zh):
            entries = parse_po(zh)
            for key, want in ALIPAY_WORDING.items():
                got = entries.get(key, [None])[0]
                check(key not in template or got == want,
                      "zh_CN: %r is Alipay's %s" % (key[1], want), "got %r" % got)

    print("1..%d" % len(results))
    for i, (ok, name, diag) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
        if not ok and diag:
            for line in str(diag).splitlines():
                print("# " + line)
    return 0 if all(ok for ok, _, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
