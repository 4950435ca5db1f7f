# SPDX-License-Identifier: GPL-2.0
"""Tests of udev/memmap-streaming-policy, the site policy lookup."""

import os
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
POLICY = os.path.join(HERE, "..", "udev", "memmap-streaming-policy")

CONF = """\
# comment
nd   pfn0.*  off
dax  dax1.*  bogus
nd   dax*    on
*    *       auto
"""


class PolicyTest(unittest.TestCase):
    def run_policy(self, *args, conf=CONF):
        with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
            f.write(conf)
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

    def test_invalid_value_sets_nothing(self):
        r = self.run_policy("dax", "dax1.0")
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stdout, "")
        self.assertIn(":3: 'bogus' is not auto, on or off", r.stderr)

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

    def test_rules_call_the_helper_on_add_only(self):
        with open(os.path.join(HERE, "..", "udev",
                               "70-memmap-streaming.rules")) as f:
            rules = f.read()
        self.assertIn('ACTION!="add", GOTO="memmap_streaming_end"', rules)
        self.assertIn('IMPORT{program}="/usr/lib/udev/memmap-streaming-policy',
                      rules)
        self.assertIn('ATTR{memmap_streaming}="$env{MEMMAP_STREAMING}"', rules)


if __name__ == "__main__":
    unittest.main()
