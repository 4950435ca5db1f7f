# SPDX-License-Identifier: GPL-2.0
"""Tests of guest/lib.sh's parsing of memmap_init_zone_device()'s pr_debug
line, with dmesg replaced by a shell function printing a sample log, and of
its trace readers, on recorded trace text."""

import os
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
LIB = os.path.join(HERE, "..", "guest", "lib.sh")

SERIES_LOG = """\
[    3.100000] nd_pmem namespace0.0: unable to guarantee persistence of writes
[    3.200000] memmap_init_zone_device initialised 262144 pages in 12ms, template+streaming path
[    3.300000] memmap_init_zone_device initialised 512 pages in 0ms, slow path
[    3.400000] memmap_init_zone_device initialised 4128256 pages in 46ms, template path
[    3.500000] dax_pmem dax0.1: something else
"""

# The threads patch's line of v5, which reported a thread count.
V5_LOG = """\
[    3.200000] memmap_init_zone_device initialised 262144 pages in 12ms (threads: 2), template+streaming path
"""

# The function tracer in memmap_chunks_setup's instance (irq-info on, as
# by default): a bind in 2 threads (the caller sh-201 and a kworker), a
# slow-path bind, a serial one, one whose chunks all went to kworkers (two
# of them), and a task name with a space in it.
CHUNK_TRACE = """\
# tracer: function
#
# entries-in-buffer/entries-written: 15/15   #P:2
#
#                                _-----=> irqs-off/BH-disabled
#                               / _----=> need-resched
#                              | / _---=> hardirq/softirq
#                              || / _--=> preempt-depth
#                              ||| / _-=> migrate-disable
#                              |||| /     delay
#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION
#              | |         |   |||||     |         |
    kworker/u8:1-40      [001] .....    10.000001: memmap_init_zone_device_chunk <-padata_mt_helper
              sh-201     [000] .....    12.000000: memmap_init_zone_device <-memremap_pages
              sh-201     [000] .....    12.000100: memmap_init_zone_device_chunk <-padata_mt_helper
    kworker/u8:1-40      [001] .....    12.000110: memmap_init_zone_device_chunk <-padata_mt_helper
              sh-201     [000] .....    12.000300: memmap_init_zone_device_chunk <-padata_mt_helper
    kworker/u8:1-40      [001] .....    12.000310: memmap_init_zone_device_chunk <-padata_mt_helper
              sh-201     [000] .....    13.000000: memmap_init_zone_device <-memremap_pages
           ndctl-230     [001] .....    14.000000: memmap_init_zone_device <-memremap_pages
           ndctl-230     [001] .....    14.000100: memmap_init_zone_device_chunk <-memmap_init_zone_device
              sh-201     [000] .....    15.000000: memmap_init_zone_device <-memremap_pages
    kworker/u8:1-40      [001] .....    15.000100: memmap_init_zone_device_chunk <-padata_mt_helper
    kworker/u8:3-77      [000] .....    15.000110: memmap_init_zone_device_chunk <-padata_mt_helper
     my tool-300     [001] d..1.    16.000000: memmap_init_zone_device <-memremap_pages
     my tool-300     [001] d..1.    16.000100: memmap_init_zone_device_chunk <-padata_mt_helper
    kworker/u8:3-77      [000] .....    16.000110: memmap_init_zone_device_chunk <-padata_mt_helper
"""

# memmap_spans_setup's function graph (abstime, proc, tail): a call that
# slept (open and close lines, a context switch in between), a leaf call
# that overlaps it, and a later one of more than a second.
SPANS_TRACE = """\
# tracer: function_graph
#
#     TIME        CPU  TASK/PID         DURATION                  FUNCTION CALLS
#      |          |    |    |            |   |                     |   |   |   |
   20.000000 |   0)    sh-201     |               |  memmap_init_zone_device() {
 ------------------------------------------
   0)    sh-201     =>  ndctl-230
 ------------------------------------------

   20.100000 |   1)  ndctl-230    | ! 200.000 us  |  memmap_init_zone_device();
   20.500000 |   1)    sh-201     | @ 500000.0 us |  } /* memmap_init_zone_device */
   30.000000 |   0)  ndctl-230    | $ 1500000 us  |  } /* memmap_init_zone_device */
"""

# function_graph with funcgraph-tail: from 1 s on, the duration has no
# decimals.
TRACE = """\
 0)               |  memmap_init_zone_device() {
 0) $ 1234567 us  |  } /* memmap_init_zone_device */
 1) @ 228009.1 us |  } /* memmap_init_zone_device */
 1)   12.345 us   |  memmap_init_zone_device();
 0) + 61.250 us   |  } /* memmap_init_range */
 1) ! 131.260 us  |  } /* virtio_mem_run_wq [virtio_mem] */
"""

BASE_LOG = """\
[    3.200000] memmap_init_zone_device initialised 262144 pages in 228ms
[    3.300000] memmap_init_zone_device initialised 131072 pages in 7ms
"""


class GuestLibTest(unittest.TestCase):
    _bin = None

    @classmethod
    def busybox_bin(cls):
        """A directory of busybox applet links, as the guest's /bin."""
        if cls._bin is None:
            cls._tmp = tempfile.TemporaryDirectory()
            cls._bin = cls._tmp.name
            bb = shutil.which("busybox")
            for a in ("sh", "sed", "awk", "sort", "cut", "grep", "cat",
                      "tail", "head", "uniq", "wc", "tr"):
                os.symlink(bb, os.path.join(cls._bin, a))
        return cls._bin

    @classmethod
    def tearDownClass(cls):
        if cls._bin is not None:
            cls._tmp.cleanup()
            cls._bin = None

    def run_lib(self, log, script, shell=("sh",)):
        fake = "dmesg() { cat <<'EOT'\n" + log + "EOT\n}\n"
        env = None
        if shell[0] == "busybox":
            # The guest's tools are busybox applets: sed, awk, sort, cut...
            env = dict(os.environ, PATH=self.busybox_bin())
            shell = (shutil.which("busybox"), *shell[1:])
        r = subprocess.run([*shell, "-c", f". '{LIB}'\n{fake}{script}"],
                           capture_output=True, text=True, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    def test_series_line(self):
        self.assertEqual(self.run_lib(SERIES_LOG, "memmap_init_count"), "3")
        self.assertEqual(self.run_lib(SERIES_LOG, "memmap_init_pages 1"), "262144")
        self.assertEqual(self.run_lib(SERIES_LOG, "memmap_init_pages 3"), "4128256")
        self.assertEqual(self.run_lib(SERIES_LOG, "last_path"), "template")

    def test_each_path(self):
        for path in ("slow", "template", "template+streaming"):
            log = ("[ 1.0] memmap_init_zone_device initialised 8 pages in 1ms, "
                   f"{path} path\n")
            self.assertEqual(self.run_lib(log, "last_path"), path)

    def test_base_reports_no_path(self):
        self.assertEqual(self.run_lib(BASE_LOG, "memmap_init_count"), "2")
        self.assertEqual(self.run_lib(BASE_LOG, "memmap_init_pages 2"), "131072")
        self.assertEqual(self.run_lib(BASE_LOG, "last_path"), "-")

    def test_last_line_decides(self):
        # A path-less last line is "-", whatever an earlier line said.
        self.assertEqual(self.run_lib(SERIES_LOG + BASE_LOG, "last_path"), "-")
        self.assertEqual(self.run_lib("", "last_path"), "-")

    def test_v5_line(self):
        # The old line with "(threads: T)" still gives its path.
        self.assertEqual(self.run_lib(V5_LOG, "last_path"),
                         "template+streaming")

    def run_trace(self, text, script, shell=("sh",)):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "trace"), "w") as f:
                f.write(text)
            return self.run_lib("", f"CHUNK_TRACE={d}\n{script}", shell)

    def test_chunks(self):
        self.assertEqual(self.run_trace(CHUNK_TRACE, "memmap_init_chunks"),
                         "2 4 2\n0 0 0\n1 1 1\n2 2 0\n2 2 1")
        self.assertEqual(self.run_trace(CHUNK_TRACE, "memmap_init_threads"),
                         "2\n0\n1\n2\n2")
        self.assertEqual(self.run_trace("", "memmap_init_threads"), "")
        # Chunks with no traced call before them count for nothing.
        self.assertEqual(self.run_trace(CHUNK_TRACE.splitlines()[12] + "\n",
                                        "memmap_init_chunks"), "")

    def test_spans(self):
        with tempfile.TemporaryDirectory() as d:
            f = os.path.join(d, "trace")
            with open(f, "w") as out:
                out.write(SPANS_TRACE)
            spans = self.run_lib("", f"memmap_init_spans {f}")
            self.assertEqual(spans, "20.000000 20.500000 sh-201\n"
                             "20.100000 20.100200 ndctl-230\n"
                             "28.500000 30.000000 ndctl-230")
            self.assertEqual(self.run_lib(
                "", f"memmap_init_spans {f} | spans_overlapping"), "1")
            self.assertEqual(self.run_lib(
                "", f"memmap_init_spans {f} | tail -n1 | spans_overlapping"),
                "0")

    def test_traced_durations(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "trace"), "w") as f:
                f.write(TRACE)
            run = lambda func: self.run_lib(
                "", f"TRACEFS={d}\ntraced_durations {func}")
            self.assertEqual(run("memmap_init_zone_device"),
                             "1234567\n228009.1\n12.345")
            self.assertEqual(run("memmap_init_range"), "61.250")
            self.assertEqual(run("virtio_mem_run_wq"), "131.260")

    @unittest.skipUnless(shutil.which("busybox"), "no busybox")
    def test_busybox_sh(self):
        bb = ("busybox", "sh")
        self.assertEqual(self.run_lib(SERIES_LOG, "last_path", shell=bb),
                         "template")
        self.assertEqual(self.run_trace(CHUNK_TRACE, "memmap_init_chunks",
                                        shell=bb),
                         "2 4 2\n0 0 0\n1 1 1\n2 2 0\n2 2 1")
        with tempfile.TemporaryDirectory() as d:
            f = os.path.join(d, "trace")
            with open(f, "w") as out:
                out.write(SPANS_TRACE)
            self.assertEqual(self.run_lib(
                "", f"memmap_init_spans {f} | spans_overlapping", bb), "1")



class RigGuestOnlyTest(unittest.TestCase):
    """The guest scripts that destroy what they did not create (every
    namespace, every label) run only where the rig's guest/init left its
    mark; on any other machine they stop before their first command, saying
    why. Run here with an ndctl on PATH that logs its calls."""

    GUEST = os.path.join(HERE, "..", "guest")
    DESTRUCTIVE = ("init_nfit_labels", "destroy-namespace", "init-labels",
                   "disable-region")

    def scripts(self):
        for name in sorted(os.listdir(self.GUEST)):
            path = os.path.join(self.GUEST, name)
            if name.endswith(".sh") and name != "lib.sh":
                with open(path) as f:
                    yield name, f.read()

    def test_destructive_scripts_check_the_mark_first(self):
        found = 0
        for name, text in self.scripts():
            if not any(w in text for w in self.DESTRUCTIVE):
                continue
            found += 1
            # Sourcing (guest/lib.sh first, then others) and nothing else
            # before the check.
            lines = [l for l in text.splitlines() if l and not l.startswith("#")]
            self.assertEqual(lines[0], '. "$(dirname "$0")/lib.sh"', name)
            self.assertIn("rig_guest_only", lines, name)
            before = lines[:lines.index("rig_guest_only")]
            self.assertTrue(all(l.startswith(". ") for l in before), (name, before))
        self.assertGreaterEqual(found, 9)

    def test_they_refuse_outside_the_rig_guest(self):
        if os.path.exists("/run/memmap-fast-rig-guest"):
            self.skipTest("this machine carries the rig guest's mark")
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, "calls")
            for tool in ("ndctl", "daxctl", "modprobe"):
                with open(os.path.join(d, tool), "w") as f:
                    f.write(f"#!/bin/sh\necho {tool} \"$@\" >>{log}\n")
                os.chmod(os.path.join(d, tool), 0o755)
            env = dict(os.environ, PATH=d + ":" + os.environ["PATH"])
            for name, text in self.scripts():
                if "rig_guest_only" not in text:
                    continue
                r = subprocess.run(["sh", os.path.join(self.GUEST, name)], env=env,
                                   capture_output=True, text=True, timeout=60)
                self.assertEqual(r.returncode, 2, (name, r.stderr))
                self.assertIn(f"{name}: runs only in the rig's QEMU guest", r.stderr)
                self.assertIn("On a host, use bench/host/bench.sh", r.stderr)
                self.assertEqual(r.stdout, "", name)
            self.assertFalse(os.path.exists(log), "a guest script ran a tool")

    def test_init_nfit_labels_checks_too(self):
        if os.path.exists("/run/memmap-fast-rig-guest"):
            self.skipTest("this machine carries the rig guest's mark")
        r = subprocess.run(["sh", "-c", f". '{LIB}'; ndctl() {{ echo called; }}; init_nfit_labels"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertNotIn("called", r.stdout)

if __name__ == "__main__":
    unittest.main()
