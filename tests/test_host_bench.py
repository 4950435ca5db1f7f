# SPDX-License-Identifier: GPL-2.0
"""Tests of the host bench (bench/host/bench.sh) without a kernel: its
refusals and --help, the page counts and the namespaces in use that
guest/lib.sh finds from sysfs and /proc, report.py's ratios on the raw files
that make check's host-bench stage recorded, and that make check runs the
README's procedure word for word."""

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
BENCH = TOP / "bench" / "host" / "bench.sh"
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

    def test_only_region_names(self):
        # ndctl takes "all" (every region) and a bare number: neither is a
        # region the operator named.
        for destroy in ("1", "all", "region0 all", "0", "region0,1"):
            self.refused({"BENCH_DESTROY": destroy},
                         ["fsdax-dev", "3", "1G", "region0"],
                         "which is not a region name")
        for region in ("all", "0", "region", "region0x"):
            self.refused({"BENCH_DESTROY": region},
                         ["fsdax-dev", "3", "1G", region],
                         f"REGION '{region}' is not a region name: want regionN")
        self.refused({"BENCH_DESTROY": "region0 all", "VREGION": "all"},
                     ["fsdax-dev+virtio-fsdax-dev", "3", "1G", "region0"],
                     "VREGION 'all' is not a region name")

    def test_unnamed_region_refused(self):
        for destroy in (None, "", "region1", "region00"):
            env = {} if destroy is None else {"BENCH_DESTROY": destroy}
            self.refused(env, ["fsdax-dev", "3", "1G", "region0"],
                         "does not name region0")

    def test_help_prints_the_usage(self):
        for arg in ("--help", "-h"):
            r = self.bench({}, arg)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("bench/host/bench.sh CONFIG[+CONFIG...]", r.stdout)
            self.assertIn("BENCH_DESTROY=regionN", r.stdout)
            self.assertIn("BENCH_TEST_KILL_AT", r.stdout)
            self.assertNotIn("SPDX", r.stdout)

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
        self.refused({"BENCH_DESTROY": "region0"}, ["fsdax-dev", "3", "1G"],
                     "fsdax-dev needs REGION, the last argument")
        self.refused({}, [], "usage:")
        self.refused({}, [], "(--help)")

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


class InUseTest(unittest.TestCase):
    """guest/lib.sh's region_namespaces and dev_users, which bench.sh runs
    before it destroys anything, on a fake sysfs and /proc."""

    def lib(self, script, d):
        out = []
        for shell in shells():
            r = subprocess.run(
                [*shell, "-c", f". '{LIB}'\nND={d}/nd DAXBUS={d}/dax "
                 f"PROC={d}/proc SYSBLOCK={d}/block\n{script}"],
                capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            out.append(r.stdout)
        self.assertEqual(len(set(out)), 1, out)
        return out[0]

    def host(self, d):
        def put(path, text=""):
            p = Path(d, path)
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
        # region0: raw namespace0.0 (pmem0), fsdax namespace0.1 (pfn0.1,
        # pmem0.1), devdax namespace0.2 (dax0.2 under the nd dax0.2), an
        # idle namespace0.3; region1: namespace1.0, raw.
        for ns, size, holder in (("namespace0.0", "1073741824", ""),
                                 ("namespace0.1", "536870912", "pfn0.1"),
                                 ("namespace0.2", "268435456", "dax0.2"),
                                 ("namespace0.3", "0", ""),
                                 ("namespace1.0", "1048576", "")):
            put(f"nd/devices/{ns}/size", size + "\n")
            put(f"nd/devices/{ns}/holder", holder + "\n")
        put("nd/devices/namespace0.0/block/pmem0/dev", "259:0\n")
        put("nd/devices/pfn0.1/block/pmem0.1/dev", "259:1\n")
        os.makedirs(Path(d, "nd/devices/dax0.2/dax0.2"))
        for b, dev in (("pmem0", "259:0"), ("pmem0.1", "259:1"), ("pmem1", "259:2")):
            put(f"block/{b}/dev", dev + "\n")
            os.makedirs(Path(d, f"block/{b}/holders"))
        os.makedirs(Path(d, "dax/devices/dax0.2"))
        os.makedirs(Path(d, "proc/self"))
        put("proc/self/mountinfo", "")
        put("proc/swaps", "Filename Type Size Used Priority\n")
        put("proc/4242/comm", "app\n")
        put("proc/4242/maps", "")
        os.makedirs(Path(d, "proc/4242/fd"))

    def test_region_namespaces(self):
        with tempfile.TemporaryDirectory() as d:
            self.host(d)
            self.assertEqual(self.lib("region_namespaces region0", d),
                             "namespace0.0 raw 1073741824 pmem0\n"
                             "namespace0.1 fsdax 536870912 pmem0.1\n"
                             "namespace0.2 devdax 268435456 dax0.2\n")
            self.assertEqual(self.lib("region_namespaces region1", d),
                             "namespace1.0 raw 1048576 -\n")
            self.assertEqual(self.lib("region_namespaces region7", d), "")

    def test_not_destroyed(self):
        # What a destroy left: everything but the raw namespace of a
        # label-less region (namespace_io), which never goes away.
        with tempfile.TemporaryDirectory() as d:
            self.host(d)
            Path(d, "nd/devices/namespace1.0/uevent").write_text(
                "DEVTYPE=nd_namespace_io\nDRIVER=nd_pmem\n")
            Path(d, "nd/devices/namespace0.0/uevent").write_text(
                "DEVTYPE=nd_namespace_pmem\n")
            self.assertEqual(self.lib("not_destroyed region1", d), "")
            self.assertEqual(self.lib("not_destroyed region0", d),
                             "namespace0.0\nnamespace0.1\nnamespace0.2\n")
            Path(d, "nd/devices/namespace1.0/holder").write_text("pfn1.0\n")
            self.assertEqual(self.lib("not_destroyed region1", d), "namespace1.0\n")

    def test_nothing_in_use(self):
        with tempfile.TemporaryDirectory() as d:
            self.host(d)
            for dev in ("pmem0", "pmem0.1", "dax0.2"):
                self.assertEqual(self.lib(f"dev_users {dev}", d), "", dev)

    def test_each_use_is_named(self):
        with tempfile.TemporaryDirectory() as d:
            self.host(d)
            Path(d, "proc/self/mountinfo").write_text(
                "36 25 259:1 / /mnt/pmem rw,relatime - ext4 /dev/pmem0.1 rw,dax\n")
            os.makedirs(Path(d, "block/pmem0/holders/dm-0"))
            Path(d, "proc/swaps").write_text(
                "Filename Type Size Used Priority\n/dev/pmem1 partition 1 0 -2\n")
            Path(d, "proc/4242/maps").write_text(
                "7f0000000000-7f0040000000 rw-s 00000000 00:06 12 /dev/dax0.2\n")
            os.symlink("/dev/pmem0", Path(d, "proc/4242/fd/3"))
            self.assertEqual(self.lib("dev_users pmem0.1", d),
                             "/dev/pmem0.1 is mounted on /mnt/pmem\n")
            self.assertEqual(self.lib("dev_users pmem0", d),
                             "/dev/pmem0 is held by dm-0\n"
                             "/dev/pmem0 is open or mapped by process 4242 (app)\n")
            self.assertEqual(self.lib("dev_users pmem1", d),
                             "/dev/pmem1 is swap\n")
            self.assertEqual(self.lib("dev_users dax0.2", d),
                             "/dev/dax0.2 is open or mapped by process 4242 (app)\n")
            os.symlink("../../../drivers/kmem", Path(d, "dax/devices/dax0.2/driver"))
            self.assertIn("dax0.2 is online as System RAM", self.lib("dev_users dax0.2", d))


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
                if re.search(r"^\s*(BENCH_\S+ )+bench/host/bench\.sh |"
                             r"^\s*bench/report\.py base\.raw", line)]
        return [re.sub(r" \d+ \d+[MG] ", " REBINDS SIZE ", c) for c in cmds]

    def test_readme_commands_are_make_checks(self):
        readme = (TOP / "README.md").read_text()
        self.assertIn("BENCH_KERNEL=base", readme)
        check = self.commands(HOST_BENCH.read_text())
        self.assertEqual(len(check), 2)
        check.append("bench/report.py base.raw patched.raw")
        self.assertEqual(self.commands(readme), check)

    def test_no_document_gives_consent(self):
        # Every destructive example names a placeholder (regionN,
        # /dev/daxX.Y), never a region or device that may exist: only make
        # check's own scripts fill one in.
        docs = [TOP / "README.md", TOP / "TESTING.md", TOP / "bench" / "README.md",
                TOP / "Makefile", BENCH, TOP / "bench" / "native" / "run.sh"]
        filled = re.compile(r"(BENCH_DESTROY|VREGION|MEMMAP_STREAMING_TEST_REGION)="
                            r"['\"]?region\d|(DEST|BENCH_NATIVE_OVERWRITE)=/dev/[a-z]+\d")
        for doc in docs:
            bad = [line for line in doc.read_text().splitlines() if filled.search(line)]
            self.assertEqual(bad, [], doc)
        self.assertIn("REGION=regionN", (TOP / "README.md").read_text())


if __name__ == "__main__":
    unittest.main()
