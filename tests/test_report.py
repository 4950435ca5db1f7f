# SPDX-License-Identifier: GPL-2.0
"""Tests of bench/report.py on recorded and hand-made raw files; no kernel.

Run from the top of the tree:
  python3 -m unittest discover -s tests -p 'test_*.py'
"""

import csv
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent
REPORT = TOP / "bench" / "report.py"
DATA = TOP / "tests" / "data"
SAMPLES = [str(DATA / "sample-base.raw"), str(DATA / "sample-patched.raw")]
CONFIGS = ["fsdax-dev", "devdax-2m", "fsdax-mem", "private", "virtio-fsdax-dev"]
CSV_HEAD = ["config", "kernel", "policy", "accel", "pages", "rebinds",
            "first_bind_ms", "median_rebind_ms", "mean_rebind_ms",
            "min_rebind_ms", "max_rebind_ms", "instr_per_page",
            "ratio_vs_base", "ratio_vs_part1", "path", "regression",
            "threads", "used", "ratio_vs_serial"]


def bind(config="fsdax-dev", kernel="base", policy="-", accel="tcg-icount",
         n=0, pages=1000, usecs=100.0, path="slow", threads=None, used=None):
    extra = "" if threads is None else f" threads={threads} used={used}"
    return (f"@bind config={config} kernel={kernel} policy={policy} "
            f"accel={accel} bind={n} pages={pages} usecs={usecs} path={path}"
            + extra)


def series(usecs_list, **kw):
    """One @bind line per value, bind index = position (0 = first bind)."""
    return [bind(n=i, usecs=u, **kw) for i, u in enumerate(usecs_list)]


class ReportTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def raw(self, name, lines):
        path = self.dir / name
        path.write_text("\n".join(lines) + "\n")
        return str(path)

    def run_report(self, *args, env=None):
        return subprocess.run([sys.executable, str(REPORT), *args], text=True,
                              capture_output=True, env=env, timeout=120)

    def rows(self, *raws, extra=()):
        """Run with --csv; return (process, header, {(config, kernel, policy,
        accel[, threads]): row})."""
        out = self.dir / "out.csv"
        proc = self.run_report("--csv", str(out), *extra, *raws)
        with open(out, newline="") as f:
            table = list(csv.reader(f))
        rows = {}
        for r in table[1:]:
            row = dict(zip(table[0], r))
            extra = () if row["threads"] == "-" else (row["threads"],)
            rows[tuple(r[:4]) + extra] = row
        return proc, table[0], rows


class SampleTest(ReportTest):
    def test_sample_is_labeled_synthetic(self):
        for raw in SAMPLES:
            self.assertIn("# synthetic sample for tests; not a measurement",
                          Path(raw).read_text().splitlines()[0])

    def test_sample_csv(self):
        proc, head, rows = self.rows(*SAMPLES)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(head, CSV_HEAD)
        self.assertEqual(len(rows), 20)
        for config in CONFIGS:
            base = rows[(config, "base", "-", "tcg-icount")]
            self.assertEqual(base["ratio_vs_base"], "1.0000")
            self.assertEqual(base["path"], "slow")
            self.assertEqual(base["rebinds"], "5")
            for policy in ("auto", "on", "off"):
                row = rows[(config, "patched", policy, "tcg-icount")]
                self.assertGreater(float(row["ratio_vs_base"]), 1.0)
                self.assertEqual(row["regression"], "no")
        row = rows[("fsdax-dev", "base", "-", "tcg-icount")]
        self.assertEqual(row["pages"], "4128256")
        self.assertEqual(row["first_bind_ms"], "251.8300")

    def test_sample_table(self):
        proc = self.run_report(*SAMPLES)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertNotIn("REGRESSION", proc.stdout + proc.stderr)
        for config in CONFIGS:
            self.assertIn(config, proc.stdout)
        self.assertIn("instr/page", proc.stdout)
        self.assertIn("1.00x", proc.stdout)

    def test_markdown(self):
        proc = self.run_report("--markdown", *SAMPLES)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        table = [l for l in proc.stdout.splitlines() if l.startswith("|")]
        self.assertEqual(len(table), 2 + 20)
        self.assertTrue(table[0].startswith("| config | kernel | policy |"))
        self.assertRegex(table[1], r"^\|(-{3}:?\|)+$")
        cols = {l.count("|") for l in table}
        self.assertEqual(len(cols), 1, "every row has the same column count")

    def test_meta(self):
        out = self.dir / "out.meta"
        proc = self.run_report("--meta", str(out), *SAMPLES)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        meta = out.read_text()
        self.assertRegex(meta, r"(?m)^generated: \d{4}-\d\d-\d\dT")
        self.assertIn("\nqemu: 7.2.22\n", meta)
        self.assertIn("\nhost_cpu: Synthetic CPU Model 0 @ 0.00GHz\n", meta)
        self.assertRegex(meta, r"(?m)^kernel_release: 7\.3\.4 \(.*\) \| "
                         r"7\.3\.4-memmap-fast \(.*\)$")


class StatsTest(ReportTest):
    def test_median_odd_even_first_bind_excluded_ratio(self):
        raw = self.raw("a.raw", [
            "noise line", "@bindx config=zzz", "# comment",
            # first bind 1000 us must not enter any rebind statistic
            *series([1000.0, 100.0, 300.0, 200.0]),          # odd: 3 rebinds
            *series([900.0, 100.0, 50.0, 80.0, 60.0],        # even: 4 rebinds
                    kernel="patched", policy="on", path="template"),
        ])
        proc, _, rows = self.rows(raw)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(len(rows), 2)
        base = rows[("fsdax-dev", "base", "-", "tcg-icount")]
        self.assertEqual(base["rebinds"], "3")
        self.assertEqual(base["first_bind_ms"], "1.0000")
        self.assertEqual(base["median_rebind_ms"], "0.2000")
        self.assertEqual(base["mean_rebind_ms"], "0.2000")
        self.assertEqual(base["min_rebind_ms"], "0.1000")
        self.assertEqual(base["max_rebind_ms"], "0.3000")
        # 200 us = 200000 guest instructions over 1000 pages
        self.assertEqual(base["instr_per_page"], "200.0000")
        self.assertEqual(base["ratio_vs_base"], "1.0000")
        pat = rows[("fsdax-dev", "patched", "on", "tcg-icount")]
        self.assertEqual(pat["rebinds"], "4")
        self.assertEqual(pat["first_bind_ms"], "0.9000")
        self.assertEqual(pat["median_rebind_ms"], "0.0700")  # (60 + 80) / 2
        self.assertEqual(pat["mean_rebind_ms"], "0.0725")
        self.assertEqual(pat["max_rebind_ms"], "0.1000")
        self.assertEqual(pat["ratio_vs_base"], f"{0.2 / 0.07:.4f}")
        self.assertEqual(pat["path"], "template")
        self.assertEqual(pat["regression"], "no")

    def test_order_of_keys_and_lines_does_not_matter(self):
        raw = self.raw("a.raw", [
            "@bind usecs=300 path=slow bind=2 pages=10 accel=kvm policy=- "
            "kernel=base config=fsdax-dev",
            bind(accel="kvm", n=1, pages=10, usecs=100),
            bind(accel="kvm", n=0, pages=10, usecs=5000),
        ])
        proc, _, rows = self.rows(raw)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        row = rows[("fsdax-dev", "base", "-", "kvm")]
        self.assertEqual(row["first_bind_ms"], "5.0000")
        self.assertEqual(row["median_rebind_ms"], "0.2000")
        self.assertEqual(row["instr_per_page"], "", "only for tcg-icount")

    def test_unknown_config_and_missing_base(self):
        raw = self.raw("a.raw", series([100, 90, 95], config="new-thing",
                                       kernel="patched", policy="auto"))
        proc, _, rows = self.rows(raw)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        row = rows[("new-thing", "patched", "auto", "tcg-icount")]
        self.assertEqual(row["ratio_vs_base"], "")
        self.assertEqual(row["regression"], "no")
        self.assertIn("new-thing", proc.stdout)
        self.assertRegex(proc.stdout, r"(?m)^new-thing\s+patched\s+auto\s.*n/a$")

    def test_offline_row_after_online_and_held_to_base(self):
        """bench/host/bench.sh's offline-cmd: ordered after online-cmd, in
        the CSV with its instructions per page, and a regression where the
        series is slower than base."""
        lines = []
        for config, base, patched in (("vmem-plug", 120, 100),
                                      ("offline-cmd", 200, 210),
                                      ("online-cmd", 120, 98)):
            lines += series([base] * 3, config=config, pages=1000, path="-")
            lines += series([patched] * 3, config=config, kernel="patched",
                            policy="auto", pages=1000, path="-")
        out = self.dir / "out.csv"
        proc = self.run_report("--csv", str(out), self.raw("a.raw", lines))
        self.assertEqual(proc.returncode, 3, proc.stderr)
        self.assertIn("REGRESSION: offline-cmd auto: patched 0.210 ms vs "
                      "base 0.200 ms", proc.stderr)
        with open(out, newline="") as f:
            table = list(csv.DictReader(f))
        self.assertEqual([r["config"] for r in table],
                         ["online-cmd"] * 2 + ["offline-cmd"] * 2 +
                         ["vmem-plug"] * 2)
        self.assertEqual(table[3]["instr_per_page"], "210.0000")
        self.assertEqual(table[3]["regression"], "yes")
        configs = [line.split()[0] for line in proc.stdout.splitlines()
                   if line.startswith(("online", "offline", "vmem"))]
        self.assertEqual(configs, ["online-cmd"] * 2 + ["offline-cmd"] * 2
                         + ["vmem-plug"] * 2)

    def test_crlf_and_prefix_whitespace(self):
        raw = self.dir / "a.raw"
        raw.write_bytes(b"\r\n".join(
            ("  " + l).encode() for l in series([10, 20, 40])) + b"\r\n")
        proc, _, rows = self.rows(str(raw))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(rows[("fsdax-dev", "base", "-", "tcg-icount")]
                         ["median_rebind_ms"], "0.0300")


class RegressionTest(ReportTest):
    def files(self, patched_median, accel="tcg-icount"):
        base = self.raw("base.raw", series([300.0, 199.0, 200.0, 201.0]))
        pat = self.raw("patched.raw", series(
            [300.0, patched_median - 1, patched_median, patched_median + 1],
            kernel="patched", policy="off", accel=accel))
        return base, pat

    def test_regression_exit_3(self):
        base, pat = self.files(202.0)                 # +1.0% > 0.5%
        proc, _, rows = self.rows(base, pat)
        self.assertEqual(proc.returncode, 3)
        self.assertIn("REGRESSION: fsdax-dev off: patched 0.202 ms vs base "
                      "0.200 ms (+1.00%)", proc.stderr)
        self.assertRegex(proc.stderr, r"(?m)^!{20,}$")
        self.assertEqual(rows[("fsdax-dev", "patched", "off", "tcg-icount")]
                         ["regression"], "yes")
        self.assertEqual(rows[("fsdax-dev", "base", "-", "tcg-icount")]
                         ["regression"], "no")

    def test_regression_block_comes_last(self):
        base, pat = self.files(202.0)
        proc = subprocess.run(f"'{sys.executable}' '{REPORT}' '{base}' "
                              f"'{pat}' 2>&1", shell=True, text=True,
                              capture_output=True)
        self.assertEqual(proc.returncode, 3)
        tail = proc.stdout.rstrip().splitlines()[-3:]
        self.assertTrue(tail[1].startswith("REGRESSION: fsdax-dev off"), tail)
        self.assertEqual(set(tail[0]), {"!"})
        self.assertEqual(set(tail[2]), {"!"})

    def test_no_fail_on_regression(self):
        base, pat = self.files(202.0)
        proc = self.run_report("--no-fail-on-regression", base, pat)
        self.assertEqual(proc.returncode, 0)
        self.assertIn("REGRESSION: fsdax-dev off", proc.stderr)

    def test_within_threshold(self):
        base, pat = self.files(200.8)                 # +0.4% <= 0.5%
        proc, _, rows = self.rows(base, pat)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertNotIn("REGRESSION", proc.stdout + proc.stderr)
        self.assertEqual(rows[("fsdax-dev", "patched", "off", "tcg-icount")]
                         ["regression"], "no")

    def part1_files(self, patched_median):
        """base at 200 us, part 1 at 100 us, patched at PATCHED_MEDIAN."""
        base, _ = self.files(100.0)
        part1 = self.raw("part1.raw", series([150.0, 99.0, 100.0, 101.0],
                                             kernel="part1", path="template"))
        pat = self.raw("patched.raw", series(
            [150.0, patched_median - 1, patched_median, patched_median + 1],
            kernel="patched", policy="auto", path="template+streaming"))
        return base, part1, pat

    def test_part1_ratio(self):
        proc, _, rows = self.rows(*self.part1_files(80.0))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        part1 = rows[("fsdax-dev", "part1", "-", "tcg-icount")]
        pat = rows[("fsdax-dev", "patched", "auto", "tcg-icount")]
        base = rows[("fsdax-dev", "base", "-", "tcg-icount")]
        self.assertEqual(part1["ratio_vs_base"], "2.0000")
        self.assertEqual(part1["ratio_vs_part1"], "1.0000")
        self.assertEqual(pat["ratio_vs_base"], "2.5000")
        self.assertEqual(pat["ratio_vs_part1"], "1.2500")
        self.assertEqual(base["ratio_vs_part1"], "", "base is not compared")
        self.assertRegex(proc.stdout, r"(?m)^\s*fsdax-dev\s+part1\s+-\s.*2\.00x\s+1\.00x$")
        self.assertRegex(proc.stdout, r"(?m)^\s*fsdax-dev\s+patched\s+auto\s.*2\.50x\s+1\.25x$")

    def test_patched_slower_than_part1_is_a_regression(self):
        # faster than base (0.101 < 0.200 ms), but 1% slower than part 1
        proc, _, rows = self.rows(*self.part1_files(101.0))
        self.assertEqual(proc.returncode, 3)
        self.assertIn("REGRESSION: fsdax-dev auto: patched 0.101 ms vs part1 "
                      "0.100 ms (+1.00%)", proc.stderr)
        self.assertNotIn("vs base", proc.stderr)
        self.assertEqual(rows[("fsdax-dev", "patched", "auto", "tcg-icount")]
                         ["regression"], "yes")
        self.assertEqual(rows[("fsdax-dev", "part1", "-", "tcg-icount")]
                         ["regression"], "no")

    def test_threshold_option(self):
        base, pat = self.files(202.0)
        self.assertEqual(self.run_report("--regress-threshold", "2",
                                         base, pat).returncode, 0)
        base, pat = self.files(200.8)
        self.assertEqual(self.run_report("--regress-threshold", "0.1",
                                         base, pat).returncode, 3)

    def test_other_accel_is_not_compared(self):
        base, pat = self.files(400.0, accel="kvm")
        proc, _, rows = self.rows(base, pat)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(rows[("fsdax-dev", "patched", "off", "kvm")]
                         ["ratio_vs_base"], "")


class ThreadsTest(ReportTest):
    """Rows of several threads against the serial row of the same kernel."""

    def files(self, two_median, accel="tcg-icount", used="2"):
        base = self.raw("base.raw", series([300.0, 199.0, 200.0, 201.0],
                                           accel=accel))
        lines = []
        for threads, median in (("1", 100.0), ("2", two_median)):
            lines += series([150.0, median - 1, median, median + 1],
                            kernel="patched", policy="auto", accel=accel,
                            path="template", threads=threads,
                            used=used if threads == "2" else "1")
        return base, self.raw("patched.raw", lines)

    def test_rows_per_thread_count(self):
        proc, _, rows = self.rows(*self.files(60.0, used="1"))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        two = [r for r in rows.values() if r["threads"] == "2"][0]
        one = [r for r in rows.values() if r["threads"] == "1"][0]
        self.assertEqual(two["ratio_vs_serial"], "1.6667")
        self.assertEqual(two["used"], "1")
        self.assertEqual(one["ratio_vs_serial"], "")
        self.assertEqual(one["ratio_vs_base"], "2.0000")
        self.assertRegex(proc.stdout, r"vs_serial")
        self.assertRegex(proc.stdout, r"(?m)^fsdax-dev\s+patched\s+auto\s+2\s.*\s1\.67x$")

    def test_icount_budget(self):
        proc, _, _ = self.rows(*self.files(101.9))       # +1.9% <= 2%
        self.assertEqual(proc.returncode, 0, proc.stderr)
        proc, _, _ = self.rows(*self.files(102.1))       # +2.1% > 2%
        self.assertEqual(proc.returncode, 3)
        self.assertIn("REGRESSION: fsdax-dev auto 2 threads: patched 0.102 ms "
                      "vs serial 0.100 ms (+2.10%)", proc.stderr)
        proc = self.run_report("--threads-budget", "3", *self.files(102.1))
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_emulated_wall_clock_never_regresses(self):
        proc, _, rows = self.rows(*self.files(150.0, accel="tcg"))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        two = [r for r in rows.values() if r["threads"] == "2"][0]
        self.assertEqual(two["ratio_vs_serial"], "0.6667")
        self.assertEqual(two["regression"], "no")

    def auto_files(self, auto_median, accel="tcg-icount"):
        """Serial (1) and automatic (0), as make bench compares them."""
        lines = []
        for threads, median in (("0", auto_median), ("1", 100.0)):
            lines += series([150.0, median - 1, median, median + 1],
                            kernel="patched", policy="auto", accel=accel,
                            path="template", threads=threads,
                            used="2" if threads == "0" else "1")
        return self.raw("patched.raw", lines)

    def test_auto_against_serial(self):
        proc, _, rows = self.rows(self.auto_files(60.0, accel="tcg"))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        auto = rows[("fsdax-dev", "patched", "auto", "tcg", "0")]
        self.assertEqual(auto["ratio_vs_serial"], "1.6667")
        self.assertEqual(auto["used"], "2")
        # Shown as "auto", after the serial row.
        self.assertRegex(proc.stdout, r"(?m)^fsdax-dev\s+patched\s+auto\s+1\s.*\n"
                         r"fsdax-dev\s+patched\s+auto\s+auto\s.*\s1\.67x$")
        self.assertIn("auto: 0, the kernel's automatic count", proc.stdout)

    def test_auto_icount_budget(self):
        proc, _, _ = self.rows(self.auto_files(101.9))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        proc, _, _ = self.rows(self.auto_files(102.1))
        self.assertEqual(proc.returncode, 3)
        self.assertIn("REGRESSION: fsdax-dev auto auto threads: patched "
                      "0.102 ms vs serial 0.100 ms (+2.10%)", proc.stderr)

    def test_no_thread_columns_without_threads(self):
        base, _ = self.files(60.0)
        proc = self.run_report(base)
        self.assertNotIn("vs_serial", proc.stdout)
        self.assertNotIn("threads", proc.stdout)

    def test_bad_thread_count(self):
        raw = self.raw("bad.raw", [bind(threads="two", used="1")])
        proc = self.run_report(raw)
        self.assertEqual(proc.returncode, 2)
        self.assertIn(f"{raw}:1: @bind threads=two", proc.stderr)


class InputErrorTest(ReportTest):
    def check_error(self, proc, *needles):
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertEqual(proc.stdout, "")
        for needle in needles:
            self.assertIn(needle, proc.stderr)

    def test_missing_key(self):
        line = bind().replace(" usecs=100.0", "")
        raw = self.raw("bad.raw", ["hello", bind(n=0), line])
        self.check_error(self.run_report(raw), f"{raw}:3:", "usecs")

    def test_non_numeric(self):
        raw = self.raw("bad.raw", [bind(n=0), bind(n=1).replace(
            "usecs=100.0", "usecs=12ms")])
        self.check_error(self.run_report(raw), f"{raw}:2:")
        raw = self.raw("bad2.raw", [bind(n=0).replace("pages=1000", "pages=x")])
        self.check_error(self.run_report(raw), f"{raw}:1:")

    def test_field_without_equals(self):
        raw = self.raw("bad.raw", [bind(n=0) + " stray"])
        self.check_error(self.run_report(raw), f"{raw}:1:", "stray")

    def test_bad_file_among_good(self):
        raw = self.raw("bad.raw", ["", bind(n=0).replace("bind=0", "bind=")])
        self.check_error(self.run_report(SAMPLES[0], raw), f"{raw}:2:")

    def test_no_records(self):
        raw = self.raw("empty.raw", ["@meta qemu=7.2.22", "booting", "# bind"])
        self.check_error(self.run_report(raw), raw, "no @bind records")
        empty = self.dir / "zero.raw"
        empty.write_text("")
        self.check_error(self.run_report(SAMPLES[0], str(empty)), str(empty))

    def test_missing_file(self):
        self.check_error(self.run_report(str(self.dir / "nope.raw")),
                         "nope.raw")

    def test_duplicate_bind(self):
        raw = self.raw("dup.raw", [bind(n=0), bind(n=1), bind(n=1)])
        self.check_error(self.run_report(raw), f"{raw}:3:", "duplicate")


class AccelHeaderTest(ReportTest):
    HEADERS = {
        "tcg-icount": "guest time under QEMU -icount shift=0: 1 ns = 1 guest "
                      "instruction; not wall-clock time on hardware",
        "tcg": "QEMU TCG emulation time: noisy, not hardware time",
        "kvm": "wall-clock time",
        "host": "wall-clock time",
    }

    def test_header_per_accel(self):
        for accel, text in self.HEADERS.items():
            with self.subTest(accel=accel):
                raw = self.raw(f"{accel}.raw", series([10, 20], accel=accel))
                proc = self.run_report(raw)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                first = proc.stdout.splitlines()[0]
                self.assertEqual(first, f"accel={accel}: {text}")
                self.assertEqual(proc.stdout.count("accel="), 1)
                self.assertEqual("instr/page" in proc.stdout,
                                 accel == "tcg-icount")

    def test_mixed_accels_get_one_header_each(self):
        raw = self.raw("mix.raw", series([10, 20], accel="tcg")
                       + series([1, 2], accel="kvm"))
        proc = self.run_report(raw)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("accel=tcg: " + self.HEADERS["tcg"], proc.stdout)
        self.assertIn("accel=kvm: " + self.HEADERS["kvm"], proc.stdout)


class SpreadTest(ReportTest):
    """Wall-clock rows too few or too spread to compare get a note."""

    def test_noisy_host_rows_are_named(self):
        raw = self.raw("host.raw", series([9, 10, 14, 10], accel="host"))
        proc = self.run_report(raw)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("noisy: fsdax-dev base -: 3 rebinds, min-max 40% of "
                      "the median", proc.stdout)

    def test_steady_host_rows_have_no_note(self):
        raw = self.raw("host.raw", series([9, 100, 104, 101, 100, 102],
                                          accel="host"))
        proc = self.run_report(raw)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertNotIn("noisy", proc.stdout)

    def test_icount_rows_have_no_note(self):
        proc = self.run_report(self.raw("i.raw", series([9, 10, 14])))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertNotIn("noisy", proc.stdout)

    def test_no_vs_part1_column_without_part1(self):
        proc = self.run_report(*SAMPLES)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertNotRegex(proc.stdout, r"(?m)^config .*vs_part1")


class PlotTest(ReportTest):
    @unittest.skipUnless(shutil.which("gnuplot"), "gnuplot is not installed")
    def test_png(self):
        out = self.dir / "plot.png"
        proc = self.run_report("--plot", str(out), *SAMPLES)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(out.read_bytes()[:8], b"\x89PNG\r\n\x1a\n")

    @unittest.skipUnless(shutil.which("gnuplot"), "gnuplot is not installed")
    def test_svg_has_unit_label(self):
        out = self.dir / "plot.svg"
        proc = self.run_report("--plot", str(out), *SAMPLES)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        svg = out.read_text()
        self.assertIn("<svg", svg)
        self.assertIn("1 ms = 1M guest instructions", svg)
        self.assertIn("virtio-fsdax-dev", svg)

    @unittest.skipUnless(shutil.which("gnuplot"), "gnuplot is not installed")
    def test_bars_from_csv(self):
        # A committed run's CSV redraws as one bar per kernel and policy.
        csv_out, svg = self.dir / "rows.csv", self.dir / "bars.svg"
        proc = self.run_report("--csv", str(csv_out), *SAMPLES)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        proc = self.run_report("--from-csv", str(csv_out), "--plot", str(svg))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        text = svg.read_text()
        for label in ("<text>base<", "<text>auto<", "median time per rebind"):
            self.assertTrue(label in text, label)

    def test_from_csv_table_matches_raw(self):
        csv_out = self.dir / "rows.csv"
        raw_table = self.run_report("--csv", str(csv_out), *SAMPLES).stdout
        proc = self.run_report("--from-csv", str(csv_out))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.split("\n")[3].split()[:3],
                         raw_table.split("\n")[3].split()[:3])

    def test_from_csv_and_raw_are_exclusive(self):
        proc = self.run_report("--from-csv", "x.csv", *SAMPLES)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("not both", proc.stderr)

    def test_from_csv_rejects_other_csv(self):
        bad = self.dir / "other.csv"
        bad.write_text("a,b\n1,2\n")
        proc = self.run_report("--from-csv", str(bad))
        self.assertEqual(proc.returncode, 2)
        self.assertIn("not a report CSV", proc.stderr)

    def test_gnuplot_missing(self):
        out = self.dir / "plot.png"
        empty = self.dir / "bin"
        empty.mkdir()
        proc = self.run_report("--plot", str(out), *SAMPLES,
                               env={**os.environ, "PATH": str(empty)})
        self.assertEqual(proc.returncode, 2)
        self.assertIn("gnuplot-nox", proc.stderr)
        self.assertFalse(out.exists())

    def test_bad_plot_suffix(self):
        proc = self.run_report("--plot", str(self.dir / "plot.pdf"), *SAMPLES)
        self.assertEqual(proc.returncode, 2)
        self.assertIn(".png or .svg", proc.stderr)


if __name__ == "__main__":
    unittest.main()
