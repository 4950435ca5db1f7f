# SPDX-License-Identifier: GPL-2.0
"""Tests of rig/lib.sh's series helpers, which pick the patches of the
patched kernel and of part 1 (the first PART1_PATCHES)."""

import os
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
RIG = os.path.join(HERE, "..", "rig")


class SeriesFilesTest(unittest.TestCase):
    def setUp(self):
        # lib.sh finds patches/ next to its own directory: a copy of it in
        # a scratch tree works on that tree's patches/.
        self.tmp = tempfile.TemporaryDirectory()
        top = self.tmp.name
        os.mkdir(os.path.join(top, "rig"))
        for f in ("lib.sh", "base.pin"):
            shutil.copy(os.path.join(RIG, f), os.path.join(top, "rig", f))
        self.patches = os.path.join(top, "patches")
        os.mkdir(self.patches)
        self.names = ["0001-a.patch", "0002-b.patch", "0003-c.patch"]
        for name in self.names:
            with open(os.path.join(self.patches, name), "w") as f:
                f.write(name + "\n")
        self.write_series("# a comment\n\n" + "\n".join(self.names) + "\n")
        self.lib = os.path.join(top, "rig", "lib.sh")

    def tearDown(self):
        self.tmp.cleanup()

    def write_series(self, text):
        with open(os.path.join(self.patches, "series"), "w") as f:
            f.write(text)

    def bash(self, script):
        env = dict(os.environ, CACHE_DIR=os.path.join(self.tmp.name, "cache"))
        return subprocess.run(["bash", "-c", f". '{self.lib}'; {script}"],
                              env=env, capture_output=True, text=True)

    def files(self, *args):
        r = self.bash("series_files " + " ".join(args))
        self.assertEqual(r.returncode, 0, r.stderr)
        return [os.path.basename(line) for line in r.stdout.splitlines()]

    def test_all_in_order_without_comments(self):
        self.assertEqual(self.files(), self.names)

    def test_first_n(self):
        self.assertEqual(self.files("2"), self.names[:2])
        self.assertEqual(self.files("1"), self.names[:1])

    def test_n_beyond_the_series_is_all(self):
        self.assertEqual(self.files("7"), self.names)

    def test_missing_patch_fails(self):
        self.write_series("0001-a.patch\n0009-gone.patch\n")
        r = self.bash("series_files")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("0009-gone.patch, which does not exist", r.stderr)

    def test_only_files(self, *names):
        d = os.path.join(self.patches, "test-only")
        os.makedirs(d, exist_ok=True)
        for name in names:
            with open(os.path.join(d, name), "w") as f:
                f.write(name + "\n")

    def stamp(self, *args):
        # series_stamp needs the base tag of BASE_SRC: a tiny repository.
        base = os.path.join(self.tmp.name, "cache", "src", "base")
        if not os.path.isdir(base):
            os.makedirs(base)
            for cmd in (["init", "-q"],
                        ["-c", "user.name=t", "-c", "user.email=t@t", "commit",
                         "-q", "--allow-empty", "-m", "base"],
                        ["tag", "base"]):
                subprocess.run(["git", "-C", base, *cmd], check=True)
        r = self.bash("series_stamp " + " ".join(args))
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    def test_test_only_files_in_name_order(self):
        self.test_only_files("0002-y.patch", "0001-x.patch", "notes.txt")
        r = self.bash("test_only_files")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([os.path.basename(line) for line in r.stdout.splitlines()],
                         ["0001-x.patch", "0002-y.patch"])

    def test_no_test_only_patches_is_empty(self):
        r = self.bash("test_only_files")
        self.assertEqual((r.returncode, r.stdout), (0, ""))

    def test_stamp_covers_test_only_patches_for_check_only(self):
        plain, check = self.stamp(), self.stamp("''", "test-only")
        self.assertNotEqual(plain, check)
        self.test_only_files("0001-x.patch")
        self.assertEqual(self.stamp(), plain)
        self.assertNotEqual(self.stamp("''", "test-only"), check)
        self.assertNotEqual(self.stamp("2"), plain)

    def test_part1_is_part_of_the_real_series(self):
        r = subprocess.run(["bash", "-c", f". '{RIG}/lib.sh'; "
                            "echo $PART1_PATCHES; series_files | wc -l"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        part1, total = map(int, r.stdout.split())
        self.assertGreater(part1, 0)
        self.assertLess(part1, total)


if __name__ == "__main__":
    unittest.main()
