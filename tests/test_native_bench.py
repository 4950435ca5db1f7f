# SPDX-License-Identifier: GPL-2.0
"""Tests of bench/native: memmap-replay's loops, its argument errors and the
report; host compiler only, no kernel.

Run from the top of the tree:
  python3 -m unittest discover -s tests -p 'test_*.py'
"""

import csv
import re
import subprocess
import tempfile
import unittest
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent
NATIVE = TOP / "bench" / "native"
REPORT = NATIVE / "report.py"
MODES = ["cached", "stream", "memset", "stosb"]
# Three sections (the drain points) and three struct pages more, so that the
# last chunk is partial and two threads split it unevenly.
SIZE = str(3 * 32768 * 64 + 3 * 64)


def build(outdir, extra=""):
    subprocess.run(["make", "-s", "-C", str(NATIVE), f"O={outdir}",
                    f"EXTRA_CFLAGS={extra}"], check=True)
    return Path(outdir) / "memmap-replay"


def run(binary, *args):
    return subprocess.run([str(binary), *args], capture_output=True, text=True)


class ReplayTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.bin = build(cls.tmp.name + "/ok")
        cls.mutant = build(cls.tmp.name + "/mutant", "-DREPLAY_MUTANT=1")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_every_mode_writes_the_template(self):
        for dest in ["anon", self.tmp.name]:
            r = run(self.bin, "--size", SIZE, "--runs", "2", "--threads", "1,2",
                    "--verify", "--dest", dest)
            self.assertEqual(r.returncode, 0, r.stderr)
            seen = set(re.findall(r"^run dest=\S+ threads=(\d) mode=(\w+)", r.stdout, re.M))
            self.assertEqual(seen, {(t, m) for t in "12" for m in MODES}, dest)

    def test_a_wrong_loop_fails_verification(self):
        for mode in ["cached", "stream"]:
            r = run(self.mutant, "--size", SIZE, "--runs", "1", "--modes", mode, "--verify")
            self.assertEqual(r.returncode, 1, mode)
            self.assertIn("words wrong", r.stderr)

    def disassembly(self, function):
        out = subprocess.run(["objdump", "-d", "--no-show-raw-insn",
                              str(self.bin.parent / "loops.o")],
                             capture_output=True, text=True, check=True).stdout
        body = re.search(rf"<{function}>:\n(.*?)(?:\n\n|\Z)", out, re.S)
        self.assertIsNotNone(body, function)
        return body.group(1)

    def test_loops_are_scalar_8_byte_stores(self):
        for function, store in [("replay_cached", "mov "), ("replay_stream", "movnti ")]:
            asm = self.disassembly(function)
            self.assertNotRegex(asm, r"%[xyz]mm|\bcall", function)
            stores = re.findall(rf"\t{store}\s*%r\w+,-?(?:0x[0-9a-f]+)?\(%r\w+\)", asm)
            self.assertEqual(len(stores), 8, f"{function}: {stores}")
        self.assertEqual(self.disassembly("replay_stream").count("sfence"), 1)
        self.assertNotIn("sfence", self.disassembly("replay_cached"))

    def test_bad_arguments_fail_clearly(self):
        cases = [
            (["--size", "100"], "multiple of 64"),
            (["--size", "1X"], "unknown suffix"),
            (["--threads", "0"], "thread count"),
            (["--runs", "0"], "--runs"),
            (["--modes", "fast"], "--modes"),
            (["--dest", "/dev/null", "--size", "64K"], "cannot be mapped"),
            (["--dest", "/nonexistent/x"], "no such file"),
            (["--dest", "/proc/version"], "smaller than --size"),
            (["--frobnicate", "1"], "unknown option"),
        ]
        for args, message in cases:
            r = run(self.bin, *args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(message, r.stderr, args)
            self.assertNotIn("run ", r.stdout, args)


class NativeReportTest(unittest.TestCase):
    RAW = """meta cpu=Test CPU
meta cpus=2
meta kernel=1.0
meta bytes=6400
meta dest_path=anon
meta dest=anon
touch dest=anon bytes=6400 ns=6400
meta huge_pages=100%
run dest=anon threads=1 mode=cached run=0 bytes=6400 ns=400
run dest=anon threads=1 mode=stream run=0 bytes=6400 ns=200
run dest=anon threads=1 mode=memset run=0 bytes=6400 ns=100
run dest=anon threads=1 mode=stosb run=0 bytes=6400 ns=160
run dest=anon threads=1 mode=cached run=1 bytes=6400 ns=400
run dest=anon threads=1 mode=stream run=1 bytes=6400 ns=200
run dest=anon threads=1 mode=memset run=1 bytes=6400 ns=100
run dest=anon threads=1 mode=stosb run=1 bytes=6400 ns=160
"""

    def report(self, raw):
        with tempfile.TemporaryDirectory() as d:
            Path(d, "a.raw").write_text(raw)
            r = subprocess.run([str(REPORT), "--csv", d + "/n.csv", d + "/a.raw"],
                               capture_output=True, text=True)
            rows = []
            if r.returncode == 0:
                with open(d + "/n.csv") as f:
                    rows = list(csv.DictReader(l for l in f if l[0] != "#"))
        return r, {row["mode"]: row for row in rows}

    def test_ratios_and_floor(self):
        r, rows = self.report(self.RAW)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("not the kernel", r.stdout)
        self.assertAlmostEqual(float(rows["cached"]["gbps_median"]), 16.0)
        self.assertAlmostEqual(float(rows["stream"]["stream_over_cached"]), 2.0)
        # The floor is the better fill, memset at 64 GB/s.
        self.assertAlmostEqual(float(rows["stream"]["fraction_of_floor"]), 0.5)
        self.assertAlmostEqual(float(rows["stosb"]["fraction_of_floor"]), 0.625)
        self.assertAlmostEqual(float(rows["cached"]["ns_per_struct_page"]), 4.0)
        # 100 GiB of 4 KiB pages is 1600 MiB of memmap; at 16 GB/s, 104.9 ms.
        self.assertAlmostEqual(float(rows["cached"]["ms_per_100gib_namespace"]),
                               1677721600 / 16 / 1e6)
        self.assertEqual(rows["cached"]["cpu"], "Test CPU")

    def test_compare_prints_committed_runs_beside_this_one(self):
        with tempfile.TemporaryDirectory() as d:
            Path(d, "a.raw").write_text(self.RAW)
            committed = Path(d, "results")
            committed.mkdir()
            subprocess.run([str(REPORT), "--csv", str(committed / "old_1.0.csv"),
                            d + "/a.raw"], capture_output=True, check=True)
            r = subprocess.run([str(REPORT), "--compare", str(committed), d + "/a.raw"],
                               capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("[1] old_1.0: CPU Test CPU, kernel 1.0", r.stdout)
        self.assertIn("[2] this run: CPU Test CPU, kernel 1.0", r.stdout)
        self.assertRegex(r.stdout, r"\nanon +1 +2\.00 +2\.00\n")

    def test_committed_results_name_their_cpu_and_kernel(self):
        # bench/native/results/<cpu>_<kernel>.csv: what a run wrote, as it is.
        files = sorted((NATIVE / "results").glob("*.csv"))
        self.assertTrue(files)
        for path in files:
            with open(path) as f:
                rows = list(csv.DictReader(l for l in f if l[0] != "#"))
            self.assertTrue(rows, path)
            cpu, kernel = rows[0]["cpu"], rows[0]["kernel"]
            slug = re.sub(r"[^a-z0-9._-]", "-", f"{cpu}_{kernel}".lower())
            self.assertEqual(path.stem, slug)
            self.assertTrue(path.with_suffix(".txt").exists(), path)
            self.assertIn(f"CPU {cpu} ", path.with_suffix(".txt").read_text())

    def test_malformed_input_is_refused(self):
        for raw in ["", "run dest=anon threads=1 mode=cached bytes=64 ns=x\n",
                    "run dest=anon threads=1 mode=cached bytes=64 ns=0\n",
                    "run dest=anon mode=cached bytes=64 ns=10\n"]:
            r, _ = self.report(raw)
            self.assertEqual(r.returncode, 2, raw)
            self.assertIn("report.py:", r.stderr)


if __name__ == "__main__":
    unittest.main()
