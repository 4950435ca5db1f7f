#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host-side report of memmap_init_zone_device() timings, base vs the series.

Usage:
  bench/report.py [--csv OUT.csv] [--meta OUT.meta] [--plot OUT.png|OUT.svg]
                  [--markdown] [--regress-threshold PCT]
                  [--no-fail-on-regression] RAW...
  bench/report.py --from-csv IN.csv [--plot OUT.png|OUT.svg] [--markdown]

Each RAW file holds what the guest bench runner printed.  Only two kinds of
line are read, everything else is ignored:

  @bind config=C kernel=K policy=P accel=A bind=N pages=N usecs=F path=S
        [threads=T used=U]
      one bind; key=value pairs in any order, values without spaces.
      bind=0 is the first bind, bind>=1 are rebinds.  threads: the
      memremap.memmap_threads the bind ran with (1 serial, N at most N, 0
      automatic, shown as "auto"), used: the threads it used (the tasks
      that ran its chunks, from a function trace; 0 on the slow path);
      "-" (the default) where no thread count applies.
  @meta key=value [key=value ...]
      metadata.  A value runs to the end of the line as soon as it is
      followed by a word that is not key=value, or when it contains '='
      itself; so "@meta host_cpu=Intel Xeon Gold" and
      "@meta cmdline=console=ttyS0 root=/dev/vda" are each one key.

Rows are (accel, config, kernel, policy, threads).  Rebind statistics use
binds >= 1 only; the first bind is reported on its own.  ratio = base median
rebind / this row's median rebind, against the base row of the same config
and accel.  Kernels "part1" (the series without its streaming part) and
"patched" are also compared with the part1 row: vs_part1 = part1 median /
row median; rows of any other thread count (auto or N > 1) with the serial
row (threads=1) instead: vs_serial.

Only -icount rows, deterministic, are checked for regressions: slower than
base or part1 by more than --regress-threshold, or, with threads, than
serial by more than --threads-budget (they cannot be faster there: one host
thread runs every vCPU).  In the table, the plot and the REGRESSION lines
threads=0 is shown as "auto"; the CSV keeps 0.

Exit status: 0 ok; 2 bad usage, bad input, or gnuplot missing/failing;
3 a row regressed (unless --no-fail-on-regression).
"""

import argparse
import csv
import datetime
import math
import re
import shutil
import statistics
import subprocess
import sys

REQUIRED = ("config", "kernel", "policy", "accel", "bind", "pages", "usecs",
            "path")
CONFIG_ORDER = ("fsdax-dev", "devdax-2m", "fsdax-mem", "private",
                "virtio-fsdax-dev", "online-memmap", "online-cmd",
                "offline-cmd", "vmem-memmap", "vmem-plug")
ACCEL_ORDER = ("tcg-icount", "tcg", "kvm", "host")
KERNEL_ORDER = ("base", "part1", "patched")
POLICY_ORDER = ("-", "auto", "on", "off")
SERIAL = "1"
AUTO = "0"  # memremap.memmap_threads=0: the kernel's automatic count

UNITS = {
    "tcg-icount": "guest time under QEMU -icount shift=0: 1 ns = 1 guest "
                  "instruction; not wall-clock time on hardware",
    "tcg": "QEMU TCG emulation time: noisy, not hardware time",
    "kvm": "wall-clock time",
    "host": "wall-clock time",
}
YLABEL = {
    "tcg-icount": "guest ms (-icount: 1 ms = 1M guest instructions)",
    "tcg": "TCG emulated ms (noisy, not hardware time)",
    "kvm": "wall-clock ms (KVM guest)",
    "host": "wall-clock ms (bare metal)",
}

CSV_FIELDS = ("config", "kernel", "policy", "accel", "pages", "rebinds",
              "first_bind_ms", "median_rebind_ms",
              "mean_rebind_ms", "min_rebind_ms", "max_rebind_ms",
              "instr_per_page", "ratio_vs_base", "ratio_vs_part1", "path",
              "regression", "threads", "used", "ratio_vs_serial")

META_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*=")


class InputError(Exception):
    """Bad input or environment: reported as one line, exit status 2."""


def rank(value, order):
    """Sort key: known values in their fixed order, unknown ones after, by name."""
    return (order.index(value) if value in order else len(order), value)


def parse_meta(text):
    """'k1=v1 k2=free text' -> [(k1, v1), (k2, 'free text')], or [] if no key."""
    pairs = []
    for word in re.finditer(r"\S+", text):
        if pairs and "=" in pairs[-1][1] or not META_KEY.match(word.group()):
            if not pairs:
                return []
            key, start = pairs[-1][0], pairs[-1][2]
            pairs[-1] = (key, text[start:].strip(), start)
            break
        key, value = word.group().split("=", 1)
        pairs.append((key, value, word.start() + len(key) + 1))
    return [(key, value) for key, value, _ in pairs]


def raw_lines(filename):
    """[(FILE:LINE, first word, the rest), ...] of a raw file's lines."""
    try:
        with open(filename, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise InputError(f"{filename}: {e.strerror}") from e
    return [(f"{filename}:{n}",) + line.strip().partition(" ")[::2]
            for n, line in enumerate(lines, 1)]


def parse_fields(text, where, kind="@bind", required=(), ints=(), floats=()):
    """'key=value key=value' -> dict, with each of REQUIRED, INTS made int
    and FLOATS float; InputError naming file:line."""
    rec = {}
    for word in text.split():
        key, eq, value = word.partition("=")
        if not eq or not key:
            raise InputError(f"{where}: malformed {kind} field '{word}' "
                             "(want key=value)")
        rec[key] = value
    missing = [key for key in required if key not in rec]
    if missing:
        raise InputError(f"{where}: {kind} record lacks {', '.join(missing)}")
    try:
        rec.update({k: int(rec[k]) for k in ints})
        rec.update({k: float(rec[k]) for k in floats})
    except ValueError as e:
        raise InputError(f"{where}: {kind} record has a bad number: {e}") from e
    return rec


def parse_raw(filename):
    """Read one raw file: ([record dict, ...], [(meta key, value), ...])."""
    records, meta = [], []
    for where, kind, rest in raw_lines(filename):
        if kind == "@meta":
            pairs = parse_meta(rest)
            if not pairs:
                print(f"report.py: warning: {where}: @meta without key=value, "
                      "ignored", file=sys.stderr)
            meta += pairs
        elif kind == "@bind":
            records.append(parse_record(rest, where))
    if not records:
        raise InputError(f"{filename}: no @bind records found")
    return records, meta


def parse_record(text, where):
    """'config=... usecs=...' -> record dict; InputError naming file:line."""
    rec = parse_fields(text, where, "@bind", REQUIRED, ("bind", "pages"),
                       ("usecs",))
    if rec["bind"] < 0 or rec["pages"] <= 0 or not (
            math.isfinite(rec["usecs"]) and rec["usecs"] >= 0):
        raise InputError(f"{where}: @bind record out of range "
                         "(want bind >= 0, pages > 0, finite usecs >= 0)")
    for key in ("threads", "used"):
        rec.setdefault(key, "-")
        if rec[key] != "-" and not rec[key].isdigit():
            raise InputError(f"{where}: @bind {key}={rec[key]} (want a number "
                             "or -)")
    rec["where"] = where
    return rec


def threads_rank(threads):
    """Sort key: "-", then 1, 2, ..., then automatic (0) last."""
    if threads == "-":
        return -1
    return math.inf if threads == AUTO else int(threads)


def threads_label(threads):
    """How a threads value is shown: 0 is "auto"."""
    return "auto" if threads == AUTO else threads


def aggregate(records):
    """Group records into rows per (accel, config, kernel, policy, threads),
    with stats."""
    groups = {}
    for rec in records:
        key = (rec["accel"], rec["config"], rec["kernel"], rec["policy"],
               rec["threads"])
        binds = groups.setdefault(key, {})
        if rec["bind"] in binds:
            raise InputError(f"{rec['where']}: duplicate bind={rec['bind']} for "
                             f"{' '.join(key)} (first at "
                             f"{binds[rec['bind']]['where']})")
        first = next(iter(binds.values()), rec)
        if rec["pages"] != first["pages"]:
            raise InputError(f"{rec['where']}: pages={rec['pages']} differs from "
                             f"pages={first['pages']} at {first['where']}")
        binds[rec["bind"]] = rec
    rows = []
    for key in sorted(groups, key=lambda k: (
            rank(k[0], ACCEL_ORDER), rank(k[1], CONFIG_ORDER),
            rank(k[2], KERNEL_ORDER), rank(k[3], POLICY_ORDER),
            threads_rank(k[4]))):
        binds = groups[key]
        accel, config, kernel, policy, threads = key
        pages = next(iter(binds.values()))["pages"]
        rebinds = [binds[b]["usecs"] / 1000 for b in sorted(binds) if b >= 1]
        paths = dict.fromkeys(binds[b]["path"] for b in sorted(binds))
        median = statistics.median(rebinds) if rebinds else None
        rows.append({
            "accel": accel, "config": config, "kernel": kernel,
            "policy": policy, "pages": pages, "rebinds": len(rebinds),
            "first_bind_ms": binds[0]["usecs"] / 1000 if 0 in binds else None,
            "median_rebind_ms": median,
            "mean_rebind_ms": statistics.fmean(rebinds) if rebinds else None,
            "min_rebind_ms": min(rebinds, default=None),
            "max_rebind_ms": max(rebinds, default=None),
            # -icount shift=0: 1 guest ns == 1 guest instruction
            "instr_per_page": median * 1e6 / pages
            if accel == "tcg-icount" and median is not None else None,
            "path": ",".join(paths),
            "threads": threads,
            "used": ",".join(sorted(dict.fromkeys(
                binds[b]["used"] for b in binds), key=threads_rank)),
            "series": [(b, binds[b]["usecs"] / 1000) for b in sorted(binds)],
            "ratio_vs_base": None, "ratio_vs_part1": None,
            "ratio_vs_serial": None, "regression": "no",
        })
    return rows


def references(row, medians, threshold_pct, budget_pct):
    """(name, ratio field, reference median, threshold) of what ROW compares
    with: base; part 1 of the series, which the streaming part must not
    make slower, or, for a row of another thread count (auto or N > 1), the
    same kernel and policy in one thread."""
    key = (row["accel"], row["config"])
    refs = [("base", "ratio_vs_base", medians.get(key + ("base",)),
             threshold_pct)]
    if row["threads"] not in ("-", SERIAL):
        refs.append(("serial", "ratio_vs_serial", medians.get(
            key + (row["kernel"], row["policy"], SERIAL)), budget_pct))
    elif row["kernel"] in ("part1", "patched"):
        refs.append(("part1", "ratio_vs_part1",
                     medians.get(key + ("part1",)), threshold_pct))
    return [r for r in refs if r[2] is not None]


def compare(rows, threshold_pct, budget_pct):
    """Fill the ratio fields and regression; return the regression messages."""
    medians = {}
    for row in rows:
        m = row["median_rebind_ms"]
        if m:
            key = (row["accel"], row["config"])
            medians.setdefault(key + (row["kernel"],), m)
            medians[key + (row["kernel"], row["policy"], row["threads"])] = m
    messages = []
    for row in rows:
        m = row["median_rebind_ms"]
        if m is None:
            continue
        for name, field, ref, pct in references(row, medians, threshold_pct,
                                                budget_pct):
            row[field] = ref / m if m else math.inf
            if row["accel"] == "tcg-icount" and row["kernel"] != name and \
                    m > ref * (1 + pct / 100):
                row["regression"] = "yes"
                threads = "" if row["threads"] == "-" else \
                    f" {threads_label(row['threads'])} threads"
                messages.append(
                    f"REGRESSION: {row['config']} {row['policy']}{threads}: "
                    f"{row['kernel']} {m:.3f} ms vs {name} {ref:.3f} ms "
                    f"(+{(m / ref - 1) * 100:.2f}%) [accel={row['accel']}]")
    return messages


def fmt(value, spec, none="n/a"):
    return none if value is None else format(value, spec)


def fmt_ratio(value, none="n/a"):
    return none if value is None else f"{value:.2f}x"


def table_cells(row):
    """The displayed cells of one row, in TABLE_HEAD order."""
    return [row["config"], row["kernel"], row["policy"],
            threads_label(row["threads"]), str(row["pages"]),
            fmt(row["first_bind_ms"], ".3f"), fmt(row["mean_rebind_ms"], ".3f"),
            fmt(row["median_rebind_ms"], ".3f"), fmt(row["min_rebind_ms"], ".3f"),
            fmt(row["max_rebind_ms"], ".3f"), str(row["rebinds"]), row["path"],
            row["used"], fmt(row["instr_per_page"], ".2f", "-"),
            fmt_ratio(row["ratio_vs_base"]), fmt_ratio(row["ratio_vs_part1"], "-"),
            fmt_ratio(row["ratio_vs_serial"], "-")]


TABLE_HEAD = ["config", "kernel", "policy", "threads", "pages", "first_ms",
              "mean_ms", "median_ms", "min_ms", "max_ms", "rebinds", "path",
              "used", "instr/page", "ratio", "vs_part1", "vs_serial"]
THREAD_COLUMNS = ("threads", "used", "vs_serial")
# Wall-clock rows need this many rebinds within this min-max spread (of the
# median) before their ratio says more than the noise.
STEADY_REBINDS, STEADY_SPREAD = 5, 0.10


def spread_notes(rows):
    """A line per wall-clock row too noisy, or too short, to compare."""
    notes = []
    for row in rows:
        med = row["median_rebind_ms"]
        if row["accel"] == "tcg-icount" or not med:
            continue
        spread = (row["max_rebind_ms"] - row["min_rebind_ms"]) / med
        if row["rebinds"] < STEADY_REBINDS or spread > STEADY_SPREAD:
            notes.append(
                f"noisy: {row['config']} {row['kernel']} {row['policy']}: "
                f"{row['rebinds']} rebinds, min-max {spread:.0%} of the "
                f"median; its ratio is not a measurement until "
                f">= {STEADY_REBINDS} rebinds agree within "
                f"{STEADY_SPREAD:.0%} (rerun on an idle machine, more "
                f"rebinds)")
    return notes


def accel_header(accel, threads):
    units = UNITS.get(accel, "unknown accel: units unknown")
    note = ("times in ms; first_ms = bind 0; mean/median/min/max over rebinds "
            "(bind >= 1); ratio = base median / row median (>1.00x: faster); "
            "vs_part1, where part 1 ran: the same against part 1 of the "
            "series (no streaming)")
    if accel == "tcg-icount":
        note += "; instr/page = median rebind guest instructions per page"
    if threads:
        note += ("; threads = memremap.memmap_threads (auto: 0, the "
                 "kernel's automatic count), used = the threads the binds "
                 "used (tasks that ran memmap_init_zone_device_chunk(), "
                 "traced); vs_serial = the same against 1 thread")
    return [f"accel={accel}: {units}", note]


def format_table(rows, markdown=False):
    """The report: per accel a header and one table, rows grouped by config."""
    out = []
    for accel in dict.fromkeys(row["accel"] for row in rows):
        sect = [row for row in rows if row["accel"] == accel]
        head, cells = list(TABLE_HEAD), [table_cells(row) for row in sect]
        threads = any(row["threads"] != "-" for row in sect)
        drop = () if threads else THREAD_COLUMNS
        if all(row["ratio_vs_part1"] is None for row in sect):
            drop += ("vs_part1",)
        if accel != "tcg-icount":
            drop += ("instr/page",)
        for name in drop:
            col = head.index(name)
            head.pop(col)
            for c in cells:
                c.pop(col)
        if out:
            out.append("")
        if markdown:
            units, note = accel_header(accel, threads)
            out += [f"**{units}**", "", note, ""]
            cells = [[x.replace("|", "\\|") for x in c] for c in cells]
            out.append("| " + " | ".join(head) + " |")
            out.append("|" + "|".join("---" if i < 3 or h == "path" else "---:"
                                      for i, h in enumerate(head)) + "|")
            out += ["| " + " | ".join(c) + " |" for c in cells]
            notes = spread_notes(sect)
            out += [""] + notes if notes else []
            continue
        out += accel_header(accel, threads) + [""]
        width = [max(len(x) for x in col) for col in zip(head, *cells)]
        line = lambda c: "  ".join(x.ljust(w) for x, w in zip(c, width)).rstrip()
        out.append(line(head))
        for i, c in enumerate(cells):
            if i and sect[i]["config"] != sect[i - 1]["config"]:
                out.append("")
            out.append(line(c))
        notes = spread_notes(sect)
        out += [""] + notes if notes else []
    return "\n".join(out) + "\n"


def write_csv(rows, filename):
    with open(filename, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(CSV_FIELDS)
        for row in rows:
            w.writerow(["" if row[k] is None
                        else f"{row[k]:.4f}" if isinstance(row[k], float)
                        else row[k] for k in CSV_FIELDS])


def write_meta(meta_by_file, filename):
    """'key: value' per line, values from several files merged."""
    merged = {}
    for raw, pairs in meta_by_file:
        for key, value in pairs:
            merged.setdefault(key, {}).setdefault(value, []).append(raw)
    now = datetime.datetime.now(datetime.timezone.utc)
    lines = [f"generated: {now.isoformat(timespec='seconds')}",
             "generated_by: bench/report.py",
             "raw_files: " + " ".join(raw for raw, _ in meta_by_file)]
    for key, values in merged.items():
        if len(values) == 1:
            lines.append(f"{key}: {next(iter(values))}")
        else:
            lines.append(f"{key}: " + " | ".join(
                f"{v} ({', '.join(dict.fromkeys(f))})" for v, f in values.items()))
    with open(filename, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def gp_str(s):
    """A gnuplot single-quoted string literal."""
    return "'" + str(s).replace("'", "''") + "'"


THREAD_DEFAULTS = {"threads": "-", "used": "-", "ratio_vs_serial": ""}


def read_csv(filename):
    """The rows of a CSV that --csv wrote (e.g. bench/latest/bench.csv)."""
    with open(filename, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        # CSVs written before the thread columns existed have none of them.
        missing = set(CSV_FIELDS) - set(reader.fieldnames or ()) - set(THREAD_DEFAULTS)
        if missing:
            raise InputError(f"{filename}: not a report CSV (no "
                             f"{', '.join(sorted(missing))})")
        rows = []
        for n, rec in enumerate(reader, 2):
            row = {"series": []}
            for k in CSV_FIELDS:
                v = rec.get(k, THREAD_DEFAULTS.get(k))
                if k in ("pages", "rebinds"):
                    v = int(v)
                elif k.endswith(("_ms", "_page")) or k.startswith("ratio_"):
                    try:
                        v = float(v) if v != "" else None
                    except ValueError:
                        raise InputError(f"{filename}:{n}: {k}={v!r} is "
                                         "not a number") from None
                row[k] = v
            rows.append(row)
    if not rows:
        raise InputError(f"{filename}: no rows")
    return rows


# Bar colours: base dark grey, part 1 blue, the series by policy.
BAR_COLOUR = {("base", "-"): 0x404040, ("part1", "-"): 0x3b6fb6,
              ("patched", "auto"): 0xe08020, ("patched", "on"): 0xc04040,
              ("patched", "off"): 0x40a060}


def bar_label(row):
    label = row["kernel"] if row["policy"] == "-" else row["policy"]
    if row["threads"] == "-":
        return label
    if row["threads"] == AUTO:
        return f"{label} auto"
    return f"{label} {row['threads']}t"


def plot(rows, filename, gnuplot):
    """One bar chart per (config, accel): the median rebind of base, part 1
    and the series with each policy (and thread count), min-max whiskers."""
    panels = list(dict.fromkeys((row["config"], row["accel"]) for row in rows
                                if row["median_rebind_ms"] is not None))
    cols = min(len(panels), 3)
    nrows = -(-len(panels) // cols)
    if filename.endswith(".svg"):
        term = "svg dynamic"
    else:
        terms = subprocess.run([gnuplot, "-e", "set terminal"], text=True,
                               capture_output=True).stdout
        term = "pngcairo" if re.search(r"^\s*pngcairo\s", terms, re.M) else "png"
    script = [f"set terminal {term} noenhanced size {cols * 560},{nrows * 400}",
              f"set output {gp_str(filename)}"]
    for p, (config, accel) in enumerate(panels):
        script.append(f"$p{p} << EOD")
        bars = [r for r in rows if (r["config"], r["accel"]) == (config, accel)
                and r["median_rebind_ms"] is not None]
        for x, r in enumerate(bars):
            med = r["median_rebind_ms"]
            lo = r["min_rebind_ms"] if r["min_rebind_ms"] is not None else med
            hi = r["max_rebind_ms"] if r["max_rebind_ms"] is not None else med
            colour = BAR_COLOUR.get((r["kernel"], r["policy"]), 0x808080)
            text = f"{med:.1f}" if med >= 10 else f"{med:.2f}"
            script.append(f'{x} {med} {lo} {hi} {colour} "{bar_label(r)}" "{text}"')
        script.append("EOD")
    script += [f"set multiplot layout {nrows},{cols} title "
               + gp_str("median time per rebind (bars; whiskers: min-max) by "
                        "configuration: base, part 1 (patches 1-6), the series "
                        "with memmap_streaming auto/on/off"),
               "unset key", "set grid ytics", "set yrange [0:*]",
               "set style fill solid 0.85 border -1", "set boxwidth 0.7",
               "set xtics nomirror scale 0"]
    for p, (config, accel) in enumerate(panels):
        n = sum(1 for r in rows if (r["config"], r["accel"]) == (config, accel)
                and r["median_rebind_ms"] is not None)
        script += [f"set title {gp_str(f'{config} ({accel})')}",
                   f"set ylabel {gp_str(YLABEL.get(accel, f'ms ({accel})'))}",
                   f"set xrange [-0.6:{n - 0.4}]",
                   f"plot $p{p} using 1:2:5:xtic(6) with boxes lc rgb variable, "
                   f"'' using 1:2:3:4 with yerrorbars lc rgb 'black' pt -1, "
                   f"'' using 1:2:7 with labels offset 0,0.8 font ',9'"]
    script += ["unset multiplot", "set output"]
    try:
        res = subprocess.run([gnuplot], input="\n".join(script) + "\n",
                             text=True, capture_output=True, timeout=120)
    except subprocess.TimeoutExpired as e:
        raise InputError("gnuplot timed out") from e
    if res.returncode:
        raise InputError(f"gnuplot failed ({res.returncode}): "
                         f"{res.stderr.strip()[-500:]}")


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="report.py", description=__doc__.split("\n\n")[0],
        epilog="exit status: 0 ok, 2 bad input/usage, 3 regression")
    ap.add_argument("raw", nargs="*", metavar="RAW", help="raw bench output")
    ap.add_argument("--from-csv", metavar="IN.csv",
                    help="read the rows from a CSV that --csv wrote instead "
                    "of RAW files (to redraw a committed run's plot)")
    ap.add_argument("--csv", metavar="OUT.csv", help="write the rows as CSV")
    ap.add_argument("--meta", metavar="OUT.meta", help="write merged @meta")
    ap.add_argument("--plot", metavar="OUT.png|OUT.svg",
                    help="bar chart of the median rebind per configuration "
                    "(gnuplot)")
    ap.add_argument("--markdown", action="store_true",
                    help="print the table as Markdown")
    ap.add_argument("--regress-threshold", type=float, default=0.5,
                    metavar="PCT", help="a median slower than base (or, for "
                    "patched, than part1) by more than PCT%% is a regression "
                    "(default: %(default)s)")
    ap.add_argument("--threads-budget", type=float, default=2.0,
                    metavar="PCT", help="an -icount row of auto or several "
                    "threads slower than serial by more than PCT%% is a "
                    "regression (default: %(default)s)")
    ap.add_argument("--no-fail-on-regression", action="store_true",
                    help="report regressions but exit 0")
    args = ap.parse_args(argv)
    if bool(args.raw) == bool(args.from_csv):
        ap.error("give RAW files or --from-csv IN.csv, not both")
    try:
        gnuplot = None
        if args.plot:
            if not args.plot.endswith((".png", ".svg")):
                raise InputError(f"--plot {args.plot}: name must end in "
                                 ".png or .svg")
            gnuplot = shutil.which("gnuplot")
            if not gnuplot:
                raise InputError("--plot needs gnuplot, not found in PATH; "
                                 "install the package gnuplot-nox")
        records, meta_by_file = [], []
        for raw in args.raw:
            recs, meta = parse_raw(raw)
            records += recs
            meta_by_file.append((raw, meta))
        if args.from_csv:
            rows, regressions = read_csv(args.from_csv), []
        else:
            rows = aggregate(records)
            regressions = compare(rows, args.regress_threshold,
                                  args.threads_budget)
        sys.stdout.write(format_table(rows, args.markdown))
        if args.csv:
            write_csv(rows, args.csv)
        if args.meta:
            write_meta(meta_by_file, args.meta)
        if args.plot:
            plot(rows, args.plot, gnuplot)
    except (InputError, OSError) as e:
        print(f"report.py: error: {e}", file=sys.stderr)
        return 2
    if regressions:
        sys.stdout.flush()
        bang = "!" * max(len(m) for m in regressions)
        print("\n".join(["", bang, f"!!! {len(regressions)} REGRESSION(S): "
                         "median rebind slower than its reference by more "
                         "than the limit", bang]
                        + regressions + [bang]), file=sys.stderr)
        return 0 if args.no_fail_on_regression else 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
