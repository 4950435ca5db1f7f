# SPDX-License-Identifier: GPL-2.0
"""Tests of bench/native: memmap-replay's loops, its argument errors and the
report; host compiler only, no kernel.

Run from the top of the tree:
  python3 -m unittest discover -s tests -p 'test_*.py'
"""

import csv
import os
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
            (["--dest", "/dev/null", "--size", "64K"], "would be overwritten"),
            (["--dest", "/dev/null", "--size", "64K", "--overwrite"], "cannot be mapped"),
            (["--dest", "/nonexistent/x"], "no such file"),
            (["--dest", "/proc/version"], "would be overwritten"),
            (["--dest", "/proc/version", "--overwrite"], "smaller than --size"),
            (["--frobnicate", "1"], "unknown option"),
        ]
        for args, message in cases:
            r = run(self.bin, *args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(message, r.stderr, args)
            self.assertNotIn("run ", r.stdout, args)


class RunDestTest(unittest.TestCase):
    """bench/native/run.sh (make bench-native): a DEST that is a file or a
    device is refused unless BENCH_NATIVE_OVERWRITE names it, one in use
    always; each before anything is built or run."""

    def run_sh(self, *args, env=None):
        with tempfile.TemporaryDirectory() as d:
            e = dict(os.environ, CACHE_DIR=d + "/cache", RESULTS_DIR=d + "/results",
                     **(env or {}))
            if "BENCH_NATIVE_OVERWRITE" not in (env or {}):
                e.pop("BENCH_NATIVE_OVERWRITE", None)
            r = subprocess.run(["bash", str(NATIVE / "run.sh"), "--size", "64K", "--runs", "1",
                                "--threads", "1", *args], env=e, capture_output=True, text=True,
                               timeout=120)
            r.built = Path(d, "results", "native", "memmap-replay").exists()
        return r

    def test_an_existing_file_needs_its_name(self):
        with tempfile.NamedTemporaryFile("wb") as f:
            f.write(b"keep" * 32768)
            f.flush()
            r = self.run_sh("--dest", f.name)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("is an existing file: bench-native would overwrite", r.stderr)
            self.assertIn(f"BENCH_NATIVE_OVERWRITE={f.name}", r.stderr)
            self.assertFalse(r.built)
            self.assertEqual(Path(f.name).read_bytes(), b"keep" * 32768)
            r = self.run_sh("--dest", f.name, env={"BENCH_NATIVE_OVERWRITE": "/elsewhere"})
            self.assertIn("is an existing file: bench-native would overwrite", r.stderr)
            r = self.run_sh("--dest", f.name, env={"BENCH_NATIVE_OVERWRITE": f.name})
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("is overwritten (BENCH_NATIVE_OVERWRITE names it)", r.stderr)
            self.assertIn("Verdicts from paired runs", r.stdout)

    def test_a_device_needs_its_name(self):
        # No process has it open (an empty /proc for guest/lib.sh's dev_users).
        with tempfile.TemporaryDirectory() as proc:
            os.makedirs(proc + "/self")
            r = self.run_sh("--dest", "/dev/null", env={"PROC": proc})
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("DEST /dev/null is a character device: bench-native would overwrite",
                      r.stderr)
        self.assertFalse(r.built)

    def test_a_device_in_use_is_refused_always(self):
        fd = os.open("/dev/null", os.O_RDONLY)
        try:
            r = self.run_sh("--dest", "/dev/null", env={"BENCH_NATIVE_OVERWRITE": "/dev/null"})
        finally:
            os.close(fd)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("DEST /dev/null is in use, refused whatever BENCH_NATIVE_OVERWRITE says",
                      r.stderr)
        self.assertIn(f"open or mapped by process {os.getpid()} ", r.stderr)
        self.assertFalse(r.built)

    def test_a_missing_dest_is_refused_first(self):
        r = self.run_sh("--dest", "/nonexistent/x")
        self.assertIn("DEST /nonexistent/x: no such file", r.stderr)
        self.assertFalse(r.built)


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
        self.assertIn("[1] old_1.0: CPU Test CPU, kernel 1.0: no per-run data", r.stdout)
        self.assertRegex(r.stdout, r"\nanon +1 +2\.00 +2\.00 - +\n")

    def test_committed_runs_with_per_run_data_show_their_verdicts(self):
        raw = self.rounds({"cached": [10.0] * 10, "stream": [12.0] * 10})
        with tempfile.TemporaryDirectory() as d:
            Path(d, "a.raw").write_text(raw)
            committed = Path(d, "results")
            committed.mkdir()
            subprocess.run([str(REPORT), "--csv", str(committed / "old_1.0.csv"),
                            d + "/a.raw"], capture_output=True, check=True)
            Path(committed, "old_1.0.raw").write_text(raw)
            r = subprocess.run([str(REPORT), "--compare", str(committed), d + "/a.raw"],
                               capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("[1] old_1.0: CPU Test CPU, kernel 1.0\n", r.stdout)
        self.assertRegex(r.stdout, r"\nanon +1 +1\.20 pays +1\.20 pays +\n")

    @staticmethod
    def rounds(gbps, cpus=2):
        """Raw lines of len(gbps[mode]) rounds: {mode or (mode, threads): [GB/s...]}."""
        lines = [f"meta cpu=Test CPU\nmeta cpus={cpus}\nmeta kernel=1.0\nmeta bytes=6400\n"
                 "meta dest_path=anon\nmeta dest=anon\ntouch dest=anon bytes=6400 ns=6400\n"]
        n = len(next(iter(gbps.values())))
        for r in range(n):
            for key, series in gbps.items():
                mode, threads = key if isinstance(key, tuple) else (key, 1)
                lines.append(f"run dest=anon threads={threads} mode={mode} run={r} "
                             f"bytes=6400 ns={6400 / series[r]:.6f}\n")
        return "".join(lines)

    def verdict_lines(self, gbps, cpus=2):
        with tempfile.TemporaryDirectory() as d:
            Path(d, "a.raw").write_text(self.rounds(gbps, cpus))
            r = subprocess.run([str(REPORT), "--txt", d + "/t.txt", d + "/a.raw"],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(Path(d, "t.txt").read_text().strip(), r.stdout.strip())
        return r.stdout

    def test_streaming_verdicts(self):
        c = [10.0] * 10
        cases = [
            ([12.0] * 10, "streaming pays", "on"),
            ([10.6] * 9 + [9.0], "streaming pays", "on"),          # 9 of 10, median 1.06
            ([10.6] * 8 + [9.0] * 2, "no verdict: the runs disagree", "leave auto"),
            ([10.3] * 10, "no verdict: the runs disagree", "leave auto"),   # median 1.03
            ([8.0] * 10, "streaming costs", "off"),
            ([9.4] * 9 + [11.0], "streaming costs", "off"),         # 9 of 10, median 0.94
            ([9.4] * 8 + [11.0] * 2, "no verdict: the runs disagree", "leave auto"),
            ([9.6] * 10, "no verdict: the runs disagree", "leave auto"),    # 0.96 > 1/1.05
        ]
        for stream, verdict, knob in cases:
            out = self.verdict_lines({"cached": c, "stream": stream})
            self.assertRegex(out, rf"\nanon +1 +10 +\d+/10 +[\d.]+  {verdict} +{knob}\n",
                             stream)

    def test_fewer_than_ten_pairs_give_no_verdict(self):
        out = self.verdict_lines({"cached": [10.0] * 9, "stream": [20.0] * 9})
        self.assertIn("no verdict: 9 pairs, fewer than 10", out)

    def test_threads_verdicts(self):
        one = [10.0] * 10
        for many, verdict, knob in [([19.0] * 10, "threads pay", "0 \\(automatic"),
                                    ([8.0] * 10, "threads cost", "1 \\(serial\\)"),
                                    ([10.0] * 10, "no verdict: the runs disagree", "leave 0")]:
            out = self.verdict_lines({("cached", 1): one, ("stream", 1): one,
                                      ("cached", 2): many, ("stream", 2): many})
            self.assertIn("automatic count (2 here", out)
            self.assertRegex(out, rf"\nanon +cached +10 +\d+/10 +[\d.]+  {verdict} +{knob}")
        out = self.verdict_lines({("cached", 1): one, ("stream", 1): one}, cpus=1)
        self.assertIn("no verdict: the automatic count is 1 here", out)
        out = self.verdict_lines({("cached", 1): one, ("stream", 1): one}, cpus=12)
        self.assertIn("automatic count (8 here", out)
        self.assertIn("no verdict: no run in 8 threads", out)

    def test_committed_results_say_whether_they_have_verdicts(self):
        # Each committed run either carries its per-run data (.raw), from
        # which its verdicts are computed and shown in its .txt, or is
        # listed as having none.
        with tempfile.TemporaryDirectory() as d:
            Path(d, "a.raw").write_text(self.RAW)
            r = subprocess.run([str(REPORT), "--compare", str(NATIVE / "results"),
                                d + "/a.raw"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        for path in sorted((NATIVE / "results").glob("*.csv")):
            if path.with_suffix(".raw").exists():
                self.assertIn("Verdicts from paired runs",
                              path.with_suffix(".txt").read_text(), path)
                self.assertRegex(r.stdout, rf"\] {re.escape(path.stem)}: CPU [^\n]*\n")
                self.assertNotRegex(r.stdout, rf"{re.escape(path.stem)}: CPU [^\n]*no per-run data")
            else:
                self.assertRegex(r.stdout, rf"{re.escape(path.stem)}: CPU [^\n]*no per-run data")

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
