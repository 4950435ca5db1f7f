#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Where the guest instructions of onlining go: make bench-profile's report.

Usage:
  bench/profile.py [--csv OUT.csv] [--meta OUT.meta] [--markdown]
                   [--markdown-out OUT.md] RAW...

Each RAW file is one kernel's boot of guest/rig-profile.sh (rig/bench-profile.sh
adds @meta lines).  Read are:

  @prof kernel=K op=O pass=P func=F parent=Q calls=N usecs=U pages=N
      P "-": nothing traced, F "cmd" the whole command (nstime; for the
      virtio-mem plug the work function, traced alone); P FUNC: FUNC traced
      alone (and, for vmem, the work function around it); P "+": every
      function traced at once, read for Q only, the nearest traced caller.
  @prof-untraceable kernel=K func=F
  @meta key=value

Per kernel and operation, in guest instructions (QEMU -icount shift=0:
1 guest ns = 1 instruction) per page:
  inclusive(F) = F's durations in its own pass (no traced callee inside);
  own(F)       = inclusive(F) - the inclusive time of the functions F calls,
                 each taken in the share of its time the "+" pass found
                 under F;
  the rest     = the whole operation, untraced, - the traced functions that
                 no other traced function calls;
  own nested   = the same from the "+" pass alone: no run-to-run variation
                 between F and its callees, but with their tracing inside F
                 (a cross-check, in the CSV);
  trace cost   = the whole operation in F's pass - untraced: what tracing F
                 cost (at most that much of it is inside F's own figure).
A function's pass sets tracing_thresh (1 us): no entry event is written
inside its calls, and a call shorter than that is not recorded: where its
pass has fewer calls than the "+" pass, the table says so.

Exit status: 0 ok, 2 bad input.
"""

import argparse
import collections
import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402  (bench/report.py: @meta parsing and writing)

OPS = (("online", "online: daxctl reconfigure-device -m system-ram"),
       ("offline", "offline: daxctl reconfigure-device -f -m devdax"),
       ("vmem", "virtio-mem plug"))
WORK = "virtio_mem_run_wq"
# Rows: a label and the functions it sums (an operation calls one of each
# pair).
ROWS = (("memmap_init_range()", ("memmap_init_range",)),
        ("__free_pages_core()", ("__free_pages_core",)),
        ("__free_pages_ok()", ("__free_pages_ok",)),
        ("online_pages()", ("online_pages",)),
        ("offline_pages()", ("offline_pages",)),
        ("set_zone_contiguous()", ("set_zone_contiguous",)),
        ("memory block device: device_on/offline(), memory_subsys_on/offline()",
         ("device_online", "device_offline", "memory_subsys_online",
          "memory_subsys_offline")),
        ("create/remove_memory_block_devices()",
         ("create_memory_block_devices", "remove_memory_block_devices")),
        ("arch_add/remove_memory(): sections, vmemmap",
         ("arch_add_memory", "arch_remove_memory")),
        ("dax kmem: dev_dax_kmem_probe/remove()",
         ("dev_dax_kmem_probe", "dev_dax_kmem_remove")),
        ("device_dax: dev_dax_probe(), memunmap_pages()",
         ("dev_dax_probe", "memunmap_pages")),
        ("memmap_init_zone_device()", ("memmap_init_zone_device",)))
KERNEL_LABEL = {"patched": "series"}
PROF_FIELDS = ("kernel", "op", "pass", "func", "parent", "calls", "usecs",
               "pages")
CSV_FIELDS = ("kernel", "op", "func", "pages", "calls", "callers",
              "inclusive_instr_per_page", "own_instr_per_page",
              "own_nested_instr_per_page", "trace_cost_instr_per_page")
UNITS = ("guest instructions per page under QEMU -icount shift=0 (1 guest ns "
         "= 1 instruction), not time on hardware")
NOTE = ("own = the function's time less its traced callees', each from a "
        "pass that traces it alone; the rest = the whole operation, "
        "untraced, less the traced functions; whole = untraced")


InputError = report.InputError  # bad input: one line, exit status 2


def parse_raw(filename):
    """([@prof dicts], {kernel: {untraceable funcs}}, [(meta key, value)])."""
    recs, untraceable, meta = [], collections.defaultdict(set), []
    for where, kind, rest in report.raw_lines(filename):
        if kind == "@meta":
            meta += report.parse_meta(rest)
        elif kind == "@prof-untraceable":
            rec = report.parse_fields(rest, where, kind)
            untraceable[rec.get("kernel", "?")].add(rec.get("func", "?"))
        elif kind == "@prof":
            rec = report.parse_fields(rest, where, kind, PROF_FIELDS,
                                      ("calls", "pages"), ("usecs",))
            if rec["pages"] <= 0 or rec["calls"] < 0 or rec["usecs"] < 0:
                raise InputError(f"{where}: @prof record out of range")
            rec["where"] = where
            recs.append(rec)
    if not recs:
        raise InputError(f"{filename}: no @prof records found")
    return recs, untraceable, meta


def whole(recs, op):
    """The whole operation in a pass's records: the command, or the work
    function for the virtio-mem plug."""
    name = WORK if op == "vmem" else "cmd"
    found = [r for r in recs if r["func"] == name]
    return sum(r["usecs"] for r in found) if found else None


def split(recs, funcs):
    """From the "+" pass: {func: {caller: share of func's time}}; a caller
    that is not one of funcs (the work function, none) is "-"."""
    spent = collections.defaultdict(lambda: collections.defaultdict(float))
    for r in recs:
        if r["func"] not in funcs:
            continue
        if r["parent"] == "?":
            raise InputError(f"{r['where']}: {r['func']} returned without its "
                             "entry in the trace")
        caller = r["parent"] if r["parent"] in funcs else "-"
        spent[r["func"]][caller] += r["usecs"]
    shares = {}
    for f, callers in spent.items():
        total = sum(callers.values())
        shares[f] = {c: (u / total if total else 1.0 / len(callers))
                     for c, u in callers.items()}
    return shares


def profile(recs):
    """Rows {kernel, op, func, pages, calls, callers, inclusive, own,
    trace_cost} in usecs, "rest" and "whole" included, per (kernel, op)."""
    by = collections.defaultdict(list)
    for r in recs:
        by[(r["kernel"], r["op"], r["pass"])].append(r)
    out = []
    for kernel in dict.fromkeys(r["kernel"] for r in recs):
        for op in dict.fromkeys(r["op"] for r in recs if r["kernel"] == kernel):
            untraced = by.get((kernel, op, "-"), [])
            total = whole(untraced, op)
            if total is None:
                raise InputError(f"{kernel} {op}: no untraced pass (pass=-)")
            pages = untraced[0]["pages"]
            funcs = [p for (k, o, p) in by if (k, o) == (kernel, op)
                     and p not in ("-", "+")]
            incl, calls, cost = {}, {}, {}
            for f in funcs:
                mine = [r for r in by[(kernel, op, f)] if r["func"] == f]
                incl[f] = sum(r["usecs"] for r in mine)
                calls[f] = sum(r["calls"] for r in mine)
                t = whole(by[(kernel, op, f)], op)
                cost[f] = None if t is None else t - total
                for r in by[(kernel, op, f)]:
                    if r["pages"] != pages:
                        raise InputError(f"{r['where']}: pages={r['pages']}, "
                                         f"the untraced pass has {pages}")
            shares = split(by.get((kernel, op, "+"), []), set(funcs))
            for f in funcs:
                if calls[f] and f not in shares:
                    raise InputError(f"{kernel} {op}: {f} ran in its own pass "
                                     "but not in the nesting pass (+)")
            nested = collections.defaultdict(float)
            nested_calls = collections.Counter()
            for r in by.get((kernel, op, "+"), []):
                if r["func"] in incl:
                    nested_calls[r["func"]] += r["calls"]
                    nested[r["func"]] += r["usecs"]
                    if r["parent"] in incl:
                        nested[r["parent"]] -= r["usecs"]
            rows = []
            for f in funcs:
                callees = sum(shares[g].get(f, 0) * incl[g] for g in funcs
                              if g in shares)
                rows.append({"func": f, "calls": calls[f],
                             "callers": "+".join(sorted(shares.get(f, {}))) or "-",
                             "inclusive": incl[f], "own": incl[f] - callees,
                             "own_nested": nested[f] if f in shares else None,
                             "calls_nested": nested_calls[f],
                             "trace_cost": cost[f]})
            top = sum(shares[f].get("-", 0) * incl[f] for f in funcs if f in shares)
            rows.append({"func": "rest", "calls": None, "callers": "-",
                         "inclusive": total - top, "own": total - top,
                         "own_nested": None, "trace_cost": None})
            rows.append({"func": "whole", "calls": None, "callers": "-",
                         "inclusive": total, "own": total, "own_nested": None,
                         "trace_cost": None})
            for row in rows:
                row.update(kernel=kernel, op=op, pages=pages)
            out += rows
    return out


def per_page(usecs, pages):
    return None if usecs is None else usecs * 1000 / pages


def write_csv(rows, filename):
    with open(filename, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(CSV_FIELDS)
        for r in rows:
            w.writerow([r["kernel"], r["op"], r["func"], r["pages"],
                        "" if r["calls"] is None else r["calls"], r["callers"]]
                       + ["" if r[k] is None else f"{per_page(r[k], r['pages']):.3f}"
                          for k in ("inclusive", "own", "own_nested", "trace_cost")])


def table(rows, untraceable, markdown=False):
    """One row per function (ROWS order, others after), the rest and the
    whole; one column per operation and kernel."""
    kernels = list(dict.fromkeys(r["kernel"] for r in rows))
    ops = [o for o, _ in OPS if any(r["op"] == o for r in rows)]
    ops += [o for o in dict.fromkeys(r["op"] for r in rows) if o not in ops]
    cell = {(r["kernel"], r["op"], r["func"]): r for r in rows}
    known = {f for _, fs in ROWS for f in fs}
    labels = [(lab, fs) for lab, fs in ROWS]
    labels += [(f + "()", (f,)) for f in dict.fromkeys(r["func"] for r in rows)
               if f not in known and f not in ("rest", "whole")]
    labels += [("the rest", ("rest",)), ("whole operation (untraced)", ("whole",))]
    body = []
    for lab, fs in labels:
        line = [lab]
        for op in ops:
            for k in kernels:
                got = [cell[(k, op, f)] for f in fs if (k, op, f) in cell]
                if any(f in untraceable.get(k, ()) for f in fs) and not got:
                    line.append("untraceable")
                elif not got or all(g["calls"] == 0 for g in got):
                    line.append("-")
                else:
                    line.append(f"{sum(per_page(g['own'], g['pages']) for g in got):.2f}")
        if any(c != "-" for c in line[1:]):
            body.append(line)
    names = dict(OPS)
    head1 = [""] + [names.get(op, op).split(":")[0] + " " + KERNEL_LABEL.get(k, k)
                    for op in ops for k in kernels]
    out = [f"accel=tcg-icount: {UNITS}", NOTE, ""]
    if markdown:
        out = [f"**{UNITS}**", "", NOTE, "",
               "| function | " + " | ".join(head1[1:]) + " |",
               "|---|" + "---:|" * (len(head1) - 1)]
        out += ["| " + " | ".join(c.replace("|", "\\|") for c in line) + " |"
                for line in body]
    else:
        width = [max(len(x) for x in col) for col in zip(head1, *body)]
        fmt = lambda c: "  ".join(x.ljust(w) if i == 0 else x.rjust(w) for i, (x, w)
                                  in enumerate(zip(c, width))).rstrip()
        out.append(fmt(head1))
        out += [fmt(line) for line in body]
    out += [""] + [f"{names.get(op, op)}: {next(r['pages'] for r in rows if r['op'] == op)} pages"
                   for op in ops]
    out += [f"warning: {r['kernel']} {r['op']}: {r['func']}() traced alone "
            f"recorded {r['calls']} calls, the nesting pass {r['calls_nested']}: "
            "its figure misses calls (shorter than tracing_thresh, 1 us?)"
            for r in rows if r.get("calls_nested", 0) > (r["calls"] or 0)]
    return "\n".join(out) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(prog="profile.py",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("raw", nargs="+", metavar="RAW")
    ap.add_argument("--csv", metavar="OUT.csv")
    ap.add_argument("--meta", metavar="OUT.meta")
    ap.add_argument("--markdown", action="store_true",
                    help="print the table as Markdown")
    ap.add_argument("--markdown-out", metavar="OUT.md",
                    help="also write the Markdown table there")
    args = ap.parse_args(argv)
    try:
        recs, untraceable, metas = [], {}, []
        for raw in args.raw:
            r, u, m = parse_raw(raw)
            recs += r
            for k, fs in u.items():
                untraceable.setdefault(k, set()).update(fs)
            metas.append((raw, m))
        rows = profile(recs)
        sys.stdout.write(table(rows, untraceable, args.markdown))
        if args.markdown_out:
            with open(args.markdown_out, "w", encoding="utf-8") as f:
                f.write(table(rows, untraceable, True))
        if args.csv:
            write_csv(rows, args.csv)
        if args.meta:
            report.write_meta(metas, args.meta)
            with open(args.meta, encoding="utf-8") as f:
                text = f.read()
            with open(args.meta, "w", encoding="utf-8") as f:
                f.write(text.replace("generated_by: bench/report.py",
                                     "generated_by: bench/profile.py", 1))
    except (InputError, OSError) as e:
        print(f"profile.py: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
