# SPDX-License-Identifier: GPL-2.0
"""Tests of guest/lib.sh's parsing of memmap_init_zone_device()'s pr_debug
line, with dmesg replaced by a shell function printing a sample log."""

import os
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
LIB = os.path.join(HERE, "..", "guest", "lib.sh")

SERIES_LOG = """\
[    3.100000] nd_pmem namespace0.0: unable to guarantee persistence of writes
[    3.200000] memmap_init_zone_device initialised 262144 pages in 12ms (threads: 2), template+streaming path
[    3.300000] memmap_init_zone_device initialised 512 pages in 0ms (threads: 1), slow path
[    3.400000] memmap_init_zone_device initialised 4128256 pages in 46ms (threads: 12), template path
[    3.500000] dax_pmem dax0.1: something else
"""

# Before the series' threads patch.
V3_LOG = """\
[    3.200000] memmap_init_zone_device initialised 262144 pages in 12ms, template+streaming path
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
    def run_lib(self, log, script, shell=("sh",)):
        fake = "dmesg() { cat <<'EOT'\n" + log + "EOT\n}\n"
        r = subprocess.run([*shell, "-c", f". '{LIB}'\n{fake}{script}"],
                           capture_output=True, text=True)
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

    def test_threads(self):
        self.assertEqual(self.run_lib(SERIES_LOG, "memmap_init_threads"),
                         "2\n1\n12")
        self.assertEqual(self.run_lib(V3_LOG + BASE_LOG,
                                      "memmap_init_threads"), "")
        self.assertEqual(self.run_lib(V3_LOG, "last_path"),
                         "template+streaming")

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
        self.assertEqual(self.run_lib(SERIES_LOG, "last_path",
                                      shell=("busybox", "sh")), "template")


if __name__ == "__main__":
    unittest.main()
