# SPDX-License-Identifier: GPL-2.0
"""Tests of make bench-profile's readers: guest/profile-lib.sh graph_calls on
recorded function_graph text, and bench/profile.py on hand-made records; no
kernel."""

import csv
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from test_report import ReportTest

TOP = Path(__file__).resolve().parent.parent
LIB = TOP / "guest" / "profile-lib.sh"
PROFILE = TOP / "bench" / "profile.py"

# funcgraph-proc and funcgraph-tail on: one onlined block (a traced callee
# with its own callee), a kworker's call in between on the same CPU, a
# module's function, a call of 1 s or more (no decimals), an irq marker and
# a return whose entry was cleared away.
TRACE = """\
# tracer: function_graph
#
# CPU  TASK/PID         DURATION                  FUNCTION CALLS
# |     |    |           |   |                     |   |   |   |
 0)   daxctl-201    | + 41.000 us   |  } /* memory_subsys_online */
 0)   daxctl-201    |               |  memory_subsys_online() {
 0)   daxctl-201    |               |    online_pages() {
 0)   daxctl-201    | ! 338.539 us  |      memmap_init_range();
 0)   daxctl-201    |               |      __free_pages_core() {
 0)   daxctl-201    |   9.100 us    |        __free_pages_ok();
 0)   daxctl-201    | + 17.000 us   |      } /* __free_pages_core */
 ------------------------------------------
 0)   daxctl-201    =>  kworker-45
 ------------------------------------------

 0)  kworker-45     |   2.500 us    |  __free_pages_ok();
 0)  kworker-45     |   ==========> |
 ------------------------------------------
 0)  kworker-45     =>   daxctl-201
 ------------------------------------------

 0)   daxctl-201    |               |      __free_pages_core() {
 0)   daxctl-201    |   8.900 us    |        __free_pages_ok();
 0)   daxctl-201    | + 16.000 us   |      } /* __free_pages_core */
 0)   daxctl-201    | # 5000.000 us |    } /* online_pages */
 0)   daxctl-201    | $ 1234567 us  |  } /* memory_subsys_online */
 0)  kworker-46     |               |  virtio_mem_run_wq [virtio_mem]() {
 0)  kworker-46     | ! 120.000 us  |    memmap_init_range();
 0)  kworker-46     | # 9000.000 us |  } /* virtio_mem_run_wq [virtio_mem] */
"""


def graph_calls(text):
    with tempfile.NamedTemporaryFile("w", suffix=".trace") as f:
        f.write(text)
        f.flush()
        proc = subprocess.run(["sh", "-c", f'. "{LIB}"; graph_calls "$1"', "sh",
                               f.name], text=True, capture_output=True,
                              timeout=60)
    if proc.returncode:
        raise AssertionError(proc.stderr)
    return proc.stdout


class GraphCallsTest(unittest.TestCase):
    def test_nesting_per_task(self):
        self.assertEqual(graph_calls(TRACE).splitlines(), [
            "__free_pages_core online_pages 2 33.000",
            "__free_pages_ok - 1 2.500",
            "__free_pages_ok __free_pages_core 2 18.000",
            "memmap_init_range online_pages 1 338.539",
            "memmap_init_range virtio_mem_run_wq 1 120.000",
            "memory_subsys_online - 1 1234567.000",
            "memory_subsys_online ? 1 41.000",
            "online_pages memory_subsys_online 1 5000.000",
            "virtio_mem_run_wq - 1 9000.000",
        ])

    def test_empty_trace(self):
        self.assertEqual(graph_calls("# tracer: function_graph\n#\n"), "")


def prof(kernel, op, pas, func, usecs, parent="-", calls=1, pages=1000):
    return (f"@prof kernel={kernel} op={op} pass={pas} func={func} "
            f"parent={parent} calls={calls} usecs={usecs} pages={pages}")


def online_records(kernel, scale=1.0):
    """One online operation: the command 1000 us untraced; memory_subsys_online
    (one block) calls online_pages, which calls memmap_init_range and
    __free_pages_core, which calls __free_pages_ok; __free_pages_ok also runs
    once outside (a quarter of its time)."""
    s = scale
    return [
        prof(kernel, "online", "-", "cmd", 1000 * s),
        prof(kernel, "online", "memory_subsys_online", "cmd", 1001 * s),
        prof(kernel, "online", "memory_subsys_online", "memory_subsys_online", 700 * s),
        prof(kernel, "online", "online_pages", "cmd", 1001 * s),
        prof(kernel, "online", "online_pages", "online_pages", 600 * s),
        prof(kernel, "online", "memmap_init_range", "cmd", 1001 * s),
        prof(kernel, "online", "memmap_init_range", "memmap_init_range", 200 * s),
        prof(kernel, "online", "__free_pages_core", "cmd", 1010 * s),
        prof(kernel, "online", "__free_pages_core", "__free_pages_core", 250 * s,
             calls=8),
        prof(kernel, "online", "__free_pages_ok", "cmd", 1020 * s),
        prof(kernel, "online", "__free_pages_ok", "__free_pages_ok", 120 * s,
             calls=9),
        # offline_pages is traced too, and never called when onlining.
        prof(kernel, "online", "offline_pages", "cmd", 1000 * s),
        prof(kernel, "online", "+", "cmd", 1100 * s),
        prof(kernel, "online", "+", "memory_subsys_online", 750, parent="-"),
        prof(kernel, "online", "+", "online_pages", 650, "memory_subsys_online"),
        prof(kernel, "online", "+", "memmap_init_range", 210, "online_pages"),
        prof(kernel, "online", "+", "__free_pages_core", 280, "online_pages", 8),
        prof(kernel, "online", "+", "__free_pages_ok", 90, "__free_pages_core", 8),
        prof(kernel, "online", "+", "__free_pages_ok", 30, "-"),
    ]


class ProfileTest(ReportTest):
    """ReportTest's temporary directory and raw files."""

    def run_profile(self, *args):
        return subprocess.run([sys.executable, str(PROFILE), *args], text=True,
                              capture_output=True, timeout=60)

    def rows(self, *raws):
        out = self.dir / "out.csv"
        proc = self.run_profile("--csv", str(out), "--meta",
                                str(self.dir / "out.meta"), *raws)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(out, newline="") as f:
            rows = {(r["kernel"], r["op"], r["func"]): r for r in csv.DictReader(f)}
        return proc, rows

    def test_own_time_and_rest(self):
        proc, rows = self.rows(self.raw("base.raw", online_records("base")))

        def own(func):
            return float(rows[("base", "online", func)]["own_instr_per_page"])
        # usecs * 1000 / 1000 pages: instructions per page = usecs.
        self.assertAlmostEqual(own("memmap_init_range"), 200)
        self.assertAlmostEqual(own("__free_pages_ok"), 120)
        # 250 less three quarters of __free_pages_ok's 120
        self.assertAlmostEqual(own("__free_pages_core"), 160)
        self.assertAlmostEqual(own("online_pages"), 600 - 200 - 250)
        self.assertAlmostEqual(own("memory_subsys_online"), 100)
        # 1000 less memory_subsys_online's 700 and a quarter of 120
        self.assertAlmostEqual(own("rest"), 270)
        self.assertAlmostEqual(own("whole"), 1000)
        total = sum(float(r["own_instr_per_page"]) for k, r in rows.items()
                    if k[2] != "whole")
        self.assertAlmostEqual(total, 1000)
        fpo = rows[("base", "online", "__free_pages_ok")]
        self.assertEqual(fpo["calls"], "9")
        self.assertEqual(fpo["callers"], "-+__free_pages_core")
        self.assertEqual(fpo["trace_cost_instr_per_page"], "20.000")
        # From the "+" pass alone: 650 - 210 - 280, 280 - 90.
        self.assertEqual(rows[("base", "online", "online_pages")]
                         ["own_nested_instr_per_page"], "160.000")
        self.assertEqual(rows[("base", "online", "__free_pages_core")]
                         ["own_nested_instr_per_page"], "190.000")
        self.assertEqual(fpo["own_nested_instr_per_page"], "120.000")
        self.assertEqual(rows[("base", "online", "offline_pages")]
                         ["own_nested_instr_per_page"], "")
        self.assertEqual(rows[("base", "online", "offline_pages")]["calls"], "0")
        self.assertIn("guest instructions per page under QEMU -icount",
                      proc.stdout)

    def test_table_base_against_series(self):
        raws = [self.raw("base.raw", online_records("base")),
                self.raw("patched.raw", online_records("patched", 0.5))]
        proc = self.run_profile("--markdown", *raws)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        lines = proc.stdout.splitlines()
        self.assertIn("| function | online base | online series |", lines)
        self.assertIn("| memmap_init_range() | 200.00 | 100.00 |", lines)
        self.assertIn("| the rest | 270.00 | 135.00 |", lines)
        self.assertIn("| whole operation (untraced) | 1000.00 | 500.00 |", lines)
        # Never called: no row.
        self.assertFalse([x for x in lines if x.startswith("| offline_pages()")])
        text = self.run_profile(*raws).stdout
        self.assertRegex(text, r"(?m)^memmap_init_range\(\)\s+200\.00\s+100\.00$")

    def test_calls_under_the_threshold_are_named(self):
        lines = online_records("base") + [
            prof("base", "online", "+", "__free_pages_ok", 1, "-", calls=3)]
        proc = self.run_profile(self.raw("base.raw", lines))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("warning: base online: __free_pages_ok() traced alone "
                      "recorded 9 calls, the nesting pass 12", proc.stdout)
        self.assertNotIn("warning", self.run_profile(
            self.raw("b.raw", online_records("base"))).stdout)

    def test_untraceable_function_is_named(self):
        lines = online_records("base") + [
            "@prof-untraceable kernel=base func=set_zone_contiguous"]
        proc = self.run_profile(self.raw("base.raw", lines))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertRegex(proc.stdout, r"(?m)^set_zone_contiguous\(\)\s+untraceable$")

    def test_meta_is_merged(self):
        lines = online_records("base") + ["@meta base_release=7.3.4"]
        self.rows(self.raw("base.raw", lines))
        meta = (self.dir / "out.meta").read_text()
        self.assertIn("base_release: 7.3.4", meta)
        self.assertIn("generated_by: bench/profile.py", meta)

    def test_no_untraced_pass(self):
        lines = [x for x in online_records("base") if "pass=- " not in x]
        proc = self.run_profile(self.raw("base.raw", lines))
        self.assertEqual(proc.returncode, 2)
        self.assertIn("base online: no untraced pass", proc.stderr)

    def test_function_missing_from_nesting_pass(self):
        lines = [x for x in online_records("base")
                 if not ("pass=+ " in x and "func=memmap_init_range" in x)]
        proc = self.run_profile(self.raw("base.raw", lines))
        self.assertEqual(proc.returncode, 2)
        self.assertIn("memmap_init_range ran in its own pass but not in the "
                      "nesting pass", proc.stderr)

    def test_return_without_entry_in_nesting_pass(self):
        lines = online_records("base") + [
            prof("base", "online", "+", "online_pages", 5, parent="?")]
        proc = self.run_profile(self.raw("base.raw", lines))
        self.assertEqual(proc.returncode, 2)
        self.assertIn("online_pages returned without its entry", proc.stderr)

    def test_bad_records(self):
        proc = self.run_profile(self.raw("a.raw", ["@prof kernel=base op=online"]))
        self.assertEqual(proc.returncode, 2)
        self.assertIn("lacks pass, func, parent, calls, usecs, pages", proc.stderr)
        proc = self.run_profile(self.raw("b.raw", [prof("base", "online", "-",
                                                        "cmd", "x")]))
        self.assertEqual(proc.returncode, 2)
        self.assertIn("bad number", proc.stderr)
        proc = self.run_profile(self.raw("c.raw", ["@meta a=b"]))
        self.assertEqual(proc.returncode, 2)
        self.assertIn("no @prof records", proc.stderr)


if __name__ == "__main__":
    unittest.main()
