# SPDX-License-Identifier: GPL-2.0
"""Tests of what guest/online-stress.sh decides with: guest/lib.sh's
kpageflags_bits on a recorded /proc/kpageflags (long runs of one value,
which od prints once), and no_page_reports on kernel log lines, each under
the host's sh and under busybox, the guest's tools."""

import os
import shutil
import struct
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
LIB = os.path.join(HERE, "..", "guest", "lib.sh")

# pfns 0-4095 of a fake kpageflags: two onlined 2048-page "blocks" with
# one page in each of the states the stage refuses, and free buddy blocks.
FLAGS = [0] * 4096
for p in range(0, 2048, 512):
    FLAGS[p] = 1 << 10            # buddy head (1024 is overwritten below)
for p in range(100, 200):
    FLAGS[p] = 1 << 20            # nopage: a run od collapses
FLAGS[1024] = (1 << 32) | (1 << 23)   # reserved and PageOffline
FLAGS[1500] = 1 << 7              # slab
FLAGS[2560] = 1 << 26             # page table, in the second block
FLAGS[3000] = 1 << 19             # hwpoison, in the second block
# 4096-8191 offline: all 0.
FLAGS += [0] * 4096

REPORTS = [
    "[   12.000000] BUG: Bad page state in process sh  pfn:140000",
    "[   12.000000] page dumped because: nonzero mapcount",
    "[   12.000000] kernel BUG at mm/page_alloc.c:1234!",
    "[   12.000000] Oops: invalid opcode: 0000 [#1] SMP NOPTI",
    "[   12.000000] ==================================================================",
    "[   12.000000] BUG: KASAN: use-after-free in __free_pages_core+0x1/0x2",
    "[   12.000000] INFO: lockdep is turned off.",
    "[   12.000000] Bad page map in process sh  pte:8000000",
]

# Boot lines of the check and KASAN kernels that are not reports.
BENIGN = """\
[    0.000000] Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar
[    0.000000] ... MAX_LOCKDEP_SUBCLASSES:  8
[    0.000000] ... MAX_LOCKDEP_KEYS:        8192
[    0.000000] kasan: KernelAddressSanitizer initialized
[    0.100000] kmemleak: Kernel memory leak detector initialized (mem pool available: 15732)
[    1.000000] x86/mm: Memory block size: 128MB
[    9.000000] Soft offline: 0x140123: page migration succeeded
"""


class KpageflagsTest(unittest.TestCase):
    _bin = None

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory()
        cls.file = os.path.join(cls._tmp.name, "kpageflags")
        with open(cls.file, "wb") as f:
            f.write(b"".join(struct.pack("<Q", v) for v in FLAGS))
        bb = shutil.which("busybox")
        cls.bin = None
        if bb:
            cls.bin = os.path.join(cls._tmp.name, "bin")
            os.mkdir(cls.bin)
            for a in ("sh", "dd", "od", "awk", "grep", "sed", "head"):
                os.symlink(bb, os.path.join(cls.bin, a))

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def shells(self):
        yield ("sh",), None
        if self.bin:
            yield (os.path.join(self.bin, "sh"),), dict(os.environ, PATH=self.bin)

    def run_lib(self, script, shell, env, log=""):
        fake = "dmesg() { cat <<'EOT'\n" + log + "EOT\n}\n"
        r = subprocess.run([*shell, "-c", f". '{LIB}'\n{fake}{script}"],
                           capture_output=True, text=True, env=env, timeout=60)
        return r.returncode, r.stdout.strip()

    def bits(self, pfn, count, bits, shell, env):
        rc, out = self.run_lib(
            f"KPAGEFLAGS={self.file} kpageflags_bits {pfn} {count} {bits}",
            shell, env)
        self.assertEqual(rc, 0)
        return out

    def test_counts_each_bit(self):
        for shell, env in self.shells():
            self.assertEqual(
                self.bits(0, 4096, "7 19 20 23 26 32 10 any", shell, env),
                "7=1 19=1 20=100 23=1 26=1 32=1 10=3 any=107", shell)

    def test_range(self):
        for shell, env in self.shells():
            # The second block alone: page table and hwpoison.
            self.assertEqual(self.bits(2048, 2048, "7 19 20 23 26 32", shell, env),
                             "19=1 26=1", shell)
            self.assertEqual(self.bits(512, 512, "any", shell, env), "any=1", shell)

    def test_offline_range_reads_clean(self):
        for shell, env in self.shells():
            self.assertEqual(self.bits(4096, 4096, "any", shell, env), "", shell)
            self.assertEqual(self.bits(2048, 512, "any 20", shell, env), "", shell)

    def test_reports_found(self):
        for shell, env in self.shells():
            for line in REPORTS:
                if set(line.split("] ", 1)[1]) == {"="}:
                    continue
                rc, out = self.run_lib("no_page_reports", shell, env,
                                       BENIGN + line + "\n")
                self.assertEqual(rc, 1, (shell, line))
                self.assertEqual(out, "# " + line, shell)

    def test_boot_lines_are_no_reports(self):
        for shell, env in self.shells():
            self.assertEqual(self.run_lib("no_page_reports", shell, env, BENIGN),
                             (0, ""), shell)


if __name__ == "__main__":
    unittest.main()
