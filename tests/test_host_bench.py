# SPDX-License-Identifier: GPL-2.0
"""Tests of the host bench (guest/bench.sh on a real host) without a kernel:
its refusals, the page counts guest/lib.sh computes from sysfs and
/proc/iomem, report.py's ratios on the raw files that make check's
host-bench stage recorded, and that make check runs the README's procedure
word for word."""

import csv
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent
BENCH = TOP / "guest" / "bench.sh"
LIB = TOP / "guest" / "lib.sh"
HOST_BENCH = TOP / "guest" / "host-bench.sh"
REPORT = TOP / "bench" / "report.py"
DATA = TOP / "tests" / "data"
RAWS = [DATA / "host-base.raw", DATA / "host-patched.raw"]


def shells():
    return [("sh",)] + ([("busybox", "sh")] if shutil.which("busybox") else [])


class RefusalTest(unittest.TestCase):
    """Refusals come before any prerequisite is checked or anything runs:
    safe on any machine."""

    def bench(self, env, *args, shell=("sh",)):
        e = {k: v for k, v in os.environ.items()
             if not k.startswith("BENCH_") and k != "VREGION"}
        e.update(env)
        return subprocess.run([*shell, str(BENCH), *args], env=e, text=True,
                              capture_output=True, timeout=60)

    def refused(self, env, args, want):
        for shell in shells():
            r = self.bench(env, *args, shell=shell)
            self.assertEqual(r.returncode, 2, (shell, r.stderr))
            self.assertIn(want, r.stderr, shell)
            self.assertEqual(r.stdout, "", shell)

    def test_old_form_refused(self):
        self.refused({"BENCH_DESTROY": "1"}, ["fsdax-dev", "3", "1G", "region0"],
                     'BENCH_DESTROY=1 no longer agrees to anything: name the '
                     'regions whose namespaces it may destroy '
                     '(BENCH_DESTROY="region0")')

    def test_unnamed_region_refused(self):
        for destroy in (None, "", "region1", "region00", "region"):
            env = {} if destroy is None else {"BENCH_DESTROY": destroy}
            self.refused(env, ["fsdax-dev", "3", "1G", "region0"],
                         "does not name region0")

    def test_virtio_needs_its_region_named(self):
        self.refused({"BENCH_DESTROY": "region0"},
                     ["fsdax-dev+virtio-fsdax-dev", "3", "1G", "region0"],
                     "virtio-fsdax-dev needs VREGION=regionN")
        self.refused({"BENCH_DESTROY": "region0", "VREGION": "region1"},
                     ["fsdax-dev+virtio-fsdax-dev", "3", "1G", "region0"],
                     'does not name region1: set BENCH_DESTROY="region0 '
                     'region1" to agree')

    def test_not_root_refused(self):
        with tempfile.TemporaryDirectory() as d:
            Path(d, "id").write_text("#!/bin/sh\necho 1000\n")
            os.chmod(Path(d, "id"), 0o755)
            r = self.bench({"BENCH_DESTROY": "region0",
                            "PATH": f"{d}:{os.environ['PATH']}"},
                           "fsdax-dev", "3", "1G", "region0")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("bench.sh: run it as root", r.stderr)

    def test_bad_arguments(self):
        self.refused({"BENCH_DESTROY": "region0"}, ["fsdax-dev", "x"],
                     "REBINDS 'x' is not a number")
        self.refused({"BENCH_DESTROY": "region0"}, ["fsdax-dev", "3", "1T"],
                     "SIZE '1T'")
        self.refused({"BENCH_DESTROY": "region0"}, ["fsdax-nope"],
                     "unknown configuration 'fsdax-nope'")
        self.refused({}, [], "usage:")

    def test_named_lists_pass_to_the_prerequisites(self):
        # Past the region check, the prerequisites name what is missing
        # and it stops there. Fakes first on PATH (id says root, modprobe
        # loads nothing, ndctl lists no region): it only reads until it
        # has named what it misses, so nothing on this machine is loaded
        # or changed, root or not; not under
        # busybox sh, which runs its own id and modprobe whatever PATH says.
        with tempfile.TemporaryDirectory() as d:
            for name, body in (("id", "echo 0"), ("modprobe", "exit 1"),
                               ("ndctl", "exit 0")):
                Path(d, name).write_text(f"#!/bin/sh\n{body}\n")
                os.chmod(Path(d, name), 0o755)
            path = f"{d}:{os.environ['PATH']}"
            for destroy in ("region0", "region1,region0", "region1 region0"):
                for shell in [("sh",)]:
                    r = self.bench({"BENCH_DESTROY": destroy, "PATH": path},
                                   "fsdax-dev", "3", "1G", "region0",
                                   shell=shell)
                    self.assertEqual(r.returncode, 2, r.stderr)
                    self.assertNotIn("does not name", r.stderr)
                    self.assertIn("bench.sh: missing the region region0: "
                                  "ndctl list -R lists", r.stderr)
                    self.assertEqual(r.stdout, "")


class PagesTest(unittest.TestCase):
    """guest/lib.sh's page counts: what memmap_init_zone_device() writes."""

    def lib(self, script, **env):
        e = dict(os.environ, **env)
        out = []
        for shell in shells():
            r = subprocess.run([*shell, "-c", f". '{LIB}'\n{script}"], env=e,
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            out.append(r.stdout.strip())
        self.assertEqual(len(set(out)), 1, out)
        return out[0]

    def test_nd_pfn_pages(self):
        # A 16 GiB namespace at 4 GiB, its data from 258 MiB on (map=dev:
        # the memmap in front of it) or 2 MiB on (map=mem), 2 MiB truncated
        # at the end: map=dev writes the data area, map=mem all but the end.
        with tempfile.TemporaryDirectory() as d:
            def attr(dev, name, value):
                os.makedirs(f"{d}/devices/{dev}", exist_ok=True)
                Path(f"{d}/devices/{dev}/{name}").write_text(value + "\n")
            ns, mib = 4 << 30, 1 << 20
            attr("namespace0.0", "resource", hex(ns))
            for pfn, off in (("pfn0.0", 258 * mib), ("pfn0.1", 2 * mib)):
                attr(pfn, "resource", hex(ns + off))
                attr(pfn, "size", str((16 << 30) - off - 2 * mib))
            run = lambda a: int(self.lib(f"ND={d}\nnd_pfn_pages {a}"))
            self.assertEqual(run("pfn0.0 namespace0.0 dev"),
                             4194304 - 66048 - 512)
            self.assertEqual(run("pfn0.1 namespace0.0 mem"), 4194304 - 512)

    def test_iomem_pages(self):
        iomem = """\
00000000-00000fff : Reserved
100000000-17fffffff : System RAM
  140000000-14fffffff : hmm_dmirror_not
180000000-1bfffffff : Persistent Memory
  180000000-1bfffffff : namespace0.0
440000000-44fffffff : hmm_dmirror
  450000000-45fffffff : hmm_dmirror
"""
        with tempfile.NamedTemporaryFile("w", suffix=".iomem") as f:
            f.write(iomem)
            f.flush()
            run = lambda name: self.lib(f"IOMEM={f.name} iomem_pages {name}")
            self.assertEqual(run("hmm_dmirror"), "131072")
            self.assertEqual(run("namespace0.0"), "262144")
            self.assertEqual(run("nothing"), "0")

    def test_logged_lines(self):
        log = ("[ 1.0] memmap_init_zone_device initialised 8 pages in 1ms, "
               "slow path\n[ 1.1] other\n"
               "[ 1.2] memmap_init_zone_device initialised 9 pages in 1ms, "
               "template path\n")
        fake = "dmesg() { cat <<'EOT'\n" + log + "EOT\n}\n"
        self.assertEqual(self.lib(fake + "memmap_init_logged 2 | log_path"),
                         "slow\ntemplate")
        self.assertEqual(self.lib(fake + "memmap_init_logged 1"),
                         log.splitlines()[2])


def raw_records(path):
    recs = []
    for line in path.read_text().splitlines():
        if line.startswith("@bind "):
            recs.append(dict(w.split("=", 1) for w in line.split()[1:]))
    return recs


class HostRatioTest(unittest.TestCase):
    """report.py on the raw files of make check's host-bench stage: the
    README's two runs (labels base and patched, one kernel) with
    BENCH_ACCEL left at host."""

    def test_raws_are_labelled_recordings(self):
        for raw in RAWS:
            first = raw.read_text().splitlines()[0]
            self.assertIn("recorded by make check's host-bench stage", first)

    def test_ratios(self):
        with tempfile.TemporaryDirectory() as d:
            out = Path(d) / "out.csv"
            r = subprocess.run([sys.executable, str(REPORT), "--csv", str(out),
                                *map(str, RAWS)], capture_output=True,
                               text=True, timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("accel=host: wall-clock time", r.stdout)
            self.assertNotIn("instr/page", r.stdout)
            with open(out, newline="") as f:
                rows = {(row["config"], row["kernel"]): row
                        for row in csv.DictReader(f)}
        recs = [rec for raw in RAWS for rec in raw_records(raw)]
        configs = sorted({rec["config"] for rec in recs})
        self.assertEqual(configs, ["devdax-2m", "fsdax-dev"])
        self.assertEqual(len(rows), 4)
        for config in configs:
            median = {}
            for kernel in ("base", "patched"):
                ms = [float(rec["usecs"]) / 1000 for rec in recs
                      if rec["config"] == config and rec["kernel"] == kernel
                      and int(rec["bind"]) >= 1]
                self.assertEqual(len(ms), 3)
                median[kernel] = statistics.median(ms)
                row = rows[(config, kernel)]
                self.assertEqual(row["accel"], "host")
                self.assertEqual(row["instr_per_page"], "")
                self.assertAlmostEqual(float(row["median_rebind_ms"]),
                                       median[kernel], places=4)
            self.assertEqual(rows[(config, "base")]["ratio_vs_base"], "1.0000")
            self.assertAlmostEqual(
                float(rows[(config, "patched")]["ratio_vs_base"]),
                median["base"] / median["patched"], places=4)
            self.assertEqual(rows[(config, "patched")]["regression"], "no")


class ReadmeProcedureTest(unittest.TestCase):
    """make check (guest/host-bench.sh) runs the README's procedure word for
    word, but for its size: REBINDS and SIZE are 3 and 1G there."""

    @staticmethod
    def commands(text):
        cmds = [line.strip() for line in text.splitlines()
                if re.search(r"^\s*(BENCH_\S+ )+guest/bench\.sh |"
                             r"^\s*bench/report\.py base\.raw", line)]
        return [re.sub(r" \d+ \d+[MG] ", " REBINDS SIZE ", c) for c in cmds]

    def test_readme_commands_are_make_checks(self):
        readme = (TOP / "README.md").read_text()
        if "BENCH_KERNEL=base" not in readme:
            self.skipTest("the README has no base-vs-patched procedure yet")
        check = self.commands(HOST_BENCH.read_text())
        self.assertEqual(len(check), 2)
        check.append("bench/report.py base.raw patched.raw")
        self.assertEqual(self.commands(readme), check)


if __name__ == "__main__":
    unittest.main()
