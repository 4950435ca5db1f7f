# SPDX-License-Identifier: GPL-2.0
"""Tests of udev/memmap-streaming-policy, the site policy lookup, and of
rig/install-udev.sh into a staging directory."""

import os
import re
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
POLICY = os.path.join(HERE, "..", "udev", "memmap-streaming-policy")
EXAMPLE = os.path.join(HERE, "..", "udev", "memmap-streaming.conf.example")
INSTALL = os.path.join(HERE, "..", "rig", "install-udev.sh")

CONF = """\
# comment
nd   pfn0.*  off
dax  dax1.*  bogus
nd   dax*    on
*    *       auto
"""
GOOD = CONF.replace("bogus", "off")


class PolicyTest(unittest.TestCase):
    def run_policy(self, *args, conf=None):
        with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
            f.write(GOOD if conf is None else conf)
            f.flush()
            env = dict(os.environ, MEMMAP_STREAMING_CONF=f.name)
            return subprocess.run(["sh", POLICY, *args], env=env,
                                  capture_output=True, text=True)

    def test_first_match_wins(self):
        r = self.run_policy("nd", "pfn0.3")
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stdout, "MEMMAP_STREAMING=off\n")

    def test_subsystem_must_match(self):
        self.assertEqual(self.run_policy("nd", "dax0.1").stdout,
                         "MEMMAP_STREAMING=on\n")
        self.assertEqual(self.run_policy("dax", "dax0.1").stdout,
                         "MEMMAP_STREAMING=auto\n")

    def test_a_malformed_line_anywhere_sets_nothing(self):
        # Line 3 does not match nd/pfn0.3, yet it voids the whole file.
        r = self.run_policy("nd", "pfn0.3", conf=CONF)
        self.assertEqual((r.returncode, r.stdout), (1, ""))
        self.assertIn(":3: 'bogus' is not auto, on or off", r.stderr)
        self.assertIn("nothing applied", r.stderr)

    def test_malformed_lines_are_named(self):
        conf = "nd pfn0.*\nndd pfn0.* on\nnd pfn0.* on off\nnd pfn0.* on # ok\n"
        r = self.run_policy("nd", "pfn0.0", conf=conf)
        self.assertEqual((r.returncode, r.stdout), (1, ""))
        self.assertIn(":1: '' is not auto, on or off", r.stderr)
        self.assertIn(":2: unknown subsystem 'ndd'", r.stderr)
        self.assertIn(":3: unexpected 'off' after the value", r.stderr)
        self.assertNotIn(":4:", r.stderr)

    def test_trailing_comment_is_allowed(self):
        r = self.run_policy("nd", "pfn0.0", conf="nd pfn0.* on  # fsdax\n")
        self.assertEqual((r.returncode, r.stdout), (0, "MEMMAP_STREAMING=on\n"))

    def test_unreadable_config_sets_nothing(self):
        with tempfile.TemporaryDirectory() as d:   # a directory cannot be read as one
            env = dict(os.environ, MEMMAP_STREAMING_CONF=d)
            r = subprocess.run(["sh", POLICY, "nd", "pfn0.0"], env=env,
                               capture_output=True, text=True)
        self.assertEqual((r.returncode, r.stdout), (1, ""))
        self.assertIn("cannot read", r.stderr)

    def test_unknown_subsystem_argument(self):
        r = self.run_policy("block", "pmem0")
        self.assertEqual((r.returncode, r.stdout), (2, ""))
        self.assertIn("unknown subsystem 'block'", r.stderr)

    def test_no_match_sets_nothing(self):
        r = self.run_policy("nd", "pfn1.0", conf="nd pfn0.* on\n")
        self.assertEqual((r.returncode, r.stdout), (0, ""))

    def test_missing_config_sets_nothing(self):
        env = dict(os.environ, MEMMAP_STREAMING_CONF="/nonexistent/conf")
        r = subprocess.run(["sh", POLICY, "nd", "pfn0.0"], env=env,
                           capture_output=True, text=True)
        self.assertEqual((r.returncode, r.stdout), (0, ""))

    def test_usage_error(self):
        r = self.run_policy("nd")
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage", r.stderr)

    def test_rules_call_the_helper_on_add_and_change(self):
        with open(os.path.join(HERE, "..", "udev",
                               "70-memmap-streaming.rules")) as f:
            rules = f.read()
        self.assertIn('ACTION!="add|change", GOTO="memmap_streaming_end"', rules)
        self.assertIn('IMPORT{program}="/usr/lib/udev/memmap-streaming-policy',
                      rules)
        self.assertIn('ATTR{memmap_streaming}="$env{MEMMAP_STREAMING}"', rules)
        # The nd daxX.Y attribute is gone: only pfn devices on the nd bus.
        self.assertIn('SUBSYSTEM=="nd", KERNEL=="pfn[0-9]*.[0-9]*", GOTO', rules)
        self.assertNotIn('SUBSYSTEM=="nd", KERNEL=="pfn[0-9]*.[0-9]*|dax', rules)

    def test_the_example_sets_nothing(self):
        # Every policy line is commented out: no device gets a value, the
        # kernel's own (auto unless the command line says) stays.
        env = dict(os.environ, MEMMAP_STREAMING_CONF=EXAMPLE)
        for subsys, dev in [("nd", "pfn0.0"), ("dax", "dax1.0"), ("nd", "pfn9.9")]:
            r = subprocess.run(["sh", POLICY, subsys, dev], env=env,
                               capture_output=True, text=True)
            self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""))

    def test_the_example_offers_each_value_with_its_verdict(self):
        # Uncommenting a line gives a valid policy with the value that
        # bench-native's verdict suggests.
        with open(EXAMPLE) as f:
            lines = [l for l in f.read().splitlines()
                     if re.match(r"^#\s*(nd|dax)\s+\S+\s+(on|off|auto)\b", l)]
        self.assertTrue(any("off" in l and "streaming costs" in l for l in lines), lines)
        self.assertTrue(any(" on " in l and "streaming pays" in l for l in lines), lines)
        for line in lines:
            r = self.run_policy(line.split()[1], "pfn0.0" if line.split()[1] == "nd" else "dax0.0",
                                conf=line.lstrip("# ") + "\n")
            self.assertEqual(r.returncode, 0, (line, r.stderr))
            self.assertEqual(r.stdout, f"MEMMAP_STREAMING={line.split()[3]}\n", line)


class InstallTest(unittest.TestCase):
    """rig/install-udev.sh into a DESTDIR (guest/udev.sh covers a live udev)."""

    @staticmethod
    def put(destdir, path, text):
        """Write TEXT to DESTDIR/PATH; return that path."""
        full = os.path.join(destdir, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
        return full

    def install(self, destdir, *args):
        env = dict(os.environ, DESTDIR=destdir)
        return subprocess.run(["sh", INSTALL, *args], env=env,
                              capture_output=True, text=True)

    def test_install_and_uninstall(self):
        with tempfile.TemporaryDirectory() as d:
            r = self.install(d)
            self.assertEqual(r.returncode, 0, r.stderr)
            rules = os.path.join(d, "usr/lib/udev/rules.d/70-memmap-streaming.rules")
            helper = os.path.join(d, "usr/lib/udev/memmap-streaming-policy")
            conf = os.path.join(d, "etc/memmap-streaming.conf")
            self.assertEqual(os.stat(rules).st_mode & 0o777, 0o644)
            self.assertEqual(os.stat(helper).st_mode & 0o777, 0o755)
            with open(conf) as f, open(EXAMPLE) as e:
                self.assertEqual(f.read(), e.read())
            r = self.install(d, "--uninstall")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(os.listdir(os.path.join(d, "usr/lib/udev/rules.d")), [])
            self.assertFalse(os.path.exists(helper))
            self.assertFalse(os.path.exists(conf))   # the unmodified example

    def test_an_existing_configuration_is_never_overwritten(self):
        with tempfile.TemporaryDirectory() as d:
            conf = self.put(d, "etc/memmap-streaming.conf", "nd pfn1.* on\n")
            r = self.install(d)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("kept the existing", r.stdout)
            r = self.install(d, "--uninstall")
            self.assertIn("kept", r.stdout)
            with open(conf) as f:
                self.assertEqual(f.read(), "nd pfn1.* on\n")

    def test_a_shadowing_rule_is_warned_about(self):
        for where in ("etc", "run"):
            with tempfile.TemporaryDirectory() as d:
                shadow = self.put(d, f"{where}/udev/rules.d/70-memmap-streaming.rules",
                                  "# an old copy\n")
                r = self.install(d)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn(f"WARNING: {shadow} shadows {d}/usr/lib/udev/rules.d/"
                              "70-memmap-streaming.rules: udev reads that one instead", r.stderr)
                r = self.install(d, "--uninstall")
                self.assertIn(f"left {shadow}, which is not this installer's", r.stdout)
                self.assertTrue(os.path.exists(shadow))
        with tempfile.TemporaryDirectory() as d:
            r = self.install(d)
            self.assertNotIn("WARNING", r.stderr)

    def test_a_malformed_configuration_is_warned_about(self):
        with tempfile.TemporaryDirectory() as d:
            self.put(d, "etc/memmap-streaming.conf", "nd pfn* of\n")
            r = self.install(d)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("has malformed lines, so the helper applies nothing", r.stderr)
            self.assertIn(":1: 'of' is not auto, on or off", r.stderr)

    def test_bad_option(self):
        with tempfile.TemporaryDirectory() as d:
            r = self.install(d, "--bogus")
            self.assertEqual(r.returncode, 1)
            self.assertIn("unknown option", r.stderr)
            self.assertEqual(os.listdir(d), [])


if __name__ == "__main__":
    unittest.main()
