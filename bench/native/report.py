#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Table, verdicts and CSV of memmap-replay runs (bench/native/memmap-replay.c).

Usage: bench/native/report.py [--csv OUT.csv] [--txt OUT.txt] [--compare DIR] RAW...

Each RAW file is what one memmap-replay run printed: "meta KEY=VALUE" lines,
"touch ..." (first touch) and one "run dest=D threads=T mode=M run=R
bytes=B ns=N" line per timed run.  Rows are (dest, threads, mode), with the
GB/s of their runs as min/median/max.  The floor of a (dest, threads) pair
is its best median plain fill (memset or rep stosb); "stream/cached" is the
median throughput of streaming over cached stores.

Verdicts come from pairs: the cached and the streaming run of one round
(memmap-replay runs them back to back), and, for threads, the runs of one
round in 1 thread and in the automatic count (min(usable CPUs, 8), the
kernel's cap; the kernel counts the memory's node's CPUs only).  Of at
least PAIRS pairs, "pays" where at least 9 in 10 favour it and their median
ratio is at least 1.05, "costs" the mirror image (9 in 10 against, median
at most 1/1.05), otherwise "no verdict: the runs disagree".  Each verdict
names the knob value that follows: memmap_streaming on, off, or auto left
as it is; memremap.memmap_threads 0 (automatic, the default) or 1.

--txt writes the table and verdicts.  --compare DIR prints this run's
stream/cached and verdicts beside those of each committed run in DIR
(bench/native/results/: <cpu>_<kernel>.csv, and .raw where the run saved its
per-run data, without which no verdict can be computed).

Exit status: 0 ok; 2 bad input.
"""

import argparse
import contextlib
import csv
import glob
import io
import math
import os
import statistics
import sys

STRUCT_PAGE = 64
NAMESPACE_MEMMAP = 100 * 2**30 // 4096 * STRUCT_PAGE   # 100 GiB of 4 KiB pages
FILLS = ('memset', 'stosb')
LABEL = "host CPU, user space: the store pattern of the series, not the kernel"
PAIRS = 10          # the fewest pairs a verdict is drawn from
AGREE = 0.9         # the share of pairs that must favour one side
MARGIN = 1.05       # the median ratio that side must reach
AUTO_CAP = 8        # the kernel's most threads per memmap
STREAM_KNOB = {'pays': 'on', 'costs': 'off', None: 'leave auto'}
THREADS_KNOB = {'pays': '0 (automatic, the default)', 'costs': '1 (serial)',
                None: 'leave 0 (automatic, the default)'}


def die(msg):
    print(f"report.py: {msg}", file=sys.stderr)
    sys.exit(2)


def fields(line):
    return dict(kv.split('=', 1) for kv in line.split()[1:] if '=' in kv)


def read(paths):
    meta, touch, runs = {}, {}, {}
    for path in paths:
        dest_meta = {}
        with open(path) as f:
            for n, line in enumerate(f, 1):
                word = line.split(' ', 1)[0]
                if word == 'meta':
                    key, _, value = line[5:].rstrip('\n').partition('=')
                    dest_meta[key] = value
                elif word in ('touch', 'run'):
                    kv = fields(line)
                    try:
                        ns, size = float(kv['ns']), int(kv['bytes'])
                        if word == 'run':
                            key = (kv['dest'], int(kv['threads']), kv['mode'])
                    except (KeyError, ValueError):
                        die(f"{path}:{n}: malformed line: {line.strip()}")
                    if ns <= 0 or size <= 0:
                        die(f"{path}:{n}: ns and bytes must be positive")
                    if word == 'touch':
                        touch[kv['dest']] = size / ns
                    else:
                        # GB/s by round: pairs are runs of one round.
                        by_round = runs.setdefault(key, {})
                        by_round[kv.get('run', str(len(by_round)))] = size / ns
        if 'dest' in dest_meta:
            meta[dest_meta['dest']] = dest_meta
    if not runs:
        die("no run lines in " + ' '.join(paths))
    return meta, touch, runs


def rows(meta, touch, runs):
    out = []
    for (dest, threads, mode), by_round in sorted(runs.items(),
                                                  key=lambda kv: (kv[0][0], kv[0][1])):
        gbps = list(by_round.values())
        med = statistics.median(gbps)
        floor = max((statistics.median(runs[(dest, threads, f)].values())
                     for f in FILLS if (dest, threads, f) in runs), default=None)
        cached = runs.get((dest, threads, 'cached'))
        cached = list(cached.values()) if cached else None
        m = meta.get(dest, {})
        out.append({
            'cpu': m.get('cpu', ''), 'kernel': m.get('kernel', ''),
            'dest': dest, 'dest_path': m.get('dest_path', ''),
            'huge_pages': m.get('huge_pages', ''), 'threads': threads, 'mode': mode,
            'runs': len(gbps), 'gbps_min': min(gbps), 'gbps_median': med,
            'gbps_max': max(gbps),
            'ns_per_struct_page': STRUCT_PAGE / med,
            'ms_per_100gib_namespace': NAMESPACE_MEMMAP / med / 1e6,
            'stream_over_cached': (med / statistics.median(cached)
                                   if mode == 'stream' and cached else None),
            'fraction_of_floor': med / floor if floor else None,
            'first_touch_gbps': touch.get(dest),
        })
    return out


def judge(a, b):
    """(verdict, pairs, favouring, median ratio) of B over A, paired by round:
    verdict 'pays' (B wins), 'costs' (B loses) or None (no verdict)."""
    ratios = [b[r] / a[r] for r in a if r in b]
    if not ratios:
        return None, 0, 0, None
    n, med = len(ratios), statistics.median(ratios)
    wins = sum(r > 1 for r in ratios)
    need = math.ceil(AGREE * n)
    verdict = None
    if n >= PAIRS and wins >= need and med >= MARGIN:
        verdict = 'pays'
    elif n >= PAIRS and n - sum(r >= 1 for r in ratios) >= need and med <= 1 / MARGIN:
        verdict = 'costs'
    return verdict, n, wins, med


def auto_threads(meta):
    """The automatic thread count here: min(usable CPUs, the kernel's cap)."""
    try:
        cpus = int(next(iter(meta.values()), {}).get('cpus', ''))
    except ValueError:
        return None
    return min(cpus, AUTO_CAP)


def why_none(n):
    return (f"no verdict: {n} pairs, fewer than {PAIRS}" if n < PAIRS
            else "no verdict: the runs disagree")


def verdicts(meta, runs):
    """Lines of the streaming verdicts, per dest and thread count, and of the
    threads verdicts, per dest and mode."""
    out = [f"Verdicts from paired runs (at least {PAIRS} pairs; \"pays\" where "
           f"at least {AGREE * 10:.0f} in 10 favour it and the median ratio is "
           f">= {MARGIN}, \"costs\" the mirror image):",
           f"{'dest':<9} {'thr':>3} {'pairs':>5} {'stream wins':>11} "
           f"{'median':>6}  {'verdict':<32} memmap_streaming"]
    for (dest, threads, mode) in sorted(runs):
        if mode != 'stream' or (dest, threads, 'cached') not in runs:
            continue
        v, n, wins, med = judge(runs[(dest, threads, 'cached')],
                                runs[(dest, threads, 'stream')])
        text = f"streaming {v}" if v else why_none(n)
        out.append(f"{dest:<9} {threads:>3} {n:>5} {f'{wins}/{n}':>11} "
                   f"{fmt(med, '6.2f')}  {text:<32} {STREAM_KNOB[v]}")
    auto = auto_threads(meta)
    out.append("")
    out.append(f"1 thread against the automatic count ({auto} here: min(usable "
               f"CPUs, {AUTO_CAP}); the kernel counts the memory's node's CPUs):")
    out.append(f"{'dest':<9} {'mode':<7} {'pairs':>5} {'N wins':>6} "
               f"{'median':>6}  {'verdict':<32} memremap.memmap_threads")
    for dest in sorted({k[0] for k in runs}):
        for mode in ('cached', 'stream'):
            one, many = runs.get((dest, 1, mode)), runs.get((dest, auto, mode))
            if one is None:
                continue
            if auto is None or auto < 2:
                v, n, wins, med, text = None, 0, 0, None, "no verdict: the automatic count is 1 here"
            elif many is None:
                v, n, wins, med, text = None, 0, 0, None, f"no verdict: no run in {auto} threads"
            else:
                v, n, wins, med = judge(one, many)
                text = {'pays': "threads pay", 'costs': "threads cost"}.get(v) or why_none(n)
            out.append(f"{dest:<9} {mode:<7} {n:>5} {f'{wins}/{n}':>6} "
                       f"{fmt(med, '6.2f')}  {text:<32} {THREADS_KNOB[v]}")
    return out


def fmt(v, spec):
    """format(v, spec), or '-' as wide as spec."""
    return format('-', '>' + spec.split('.')[0]) if v is None else format(v, spec)


def read_csv(path):
    """{(dest, threads): stream/cached} and (cpu, kernel) of a --csv file."""
    ratios, who = {}, ('?', '?')
    with open(path, newline='') as f:
        for r in csv.DictReader(line for line in f if not line.startswith('#')):
            who = (r.get('cpu') or '?', r.get('kernel') or '?')
            if r.get('mode') == 'stream' and r.get('stream_over_cached'):
                ratios[(r['dest'], int(r['threads']))] = float(r['stream_over_cached'])
    return who, ratios


def stream_verdicts(runs):
    """{(dest, threads): 'pays'|'costs'|'-'} of per-run data."""
    return {(d, t): judge(runs[(d, t, 'cached')], runs[(d, t, 'stream')])[0] or '-'
            for (d, t, m) in runs if m == 'stream' and (d, t, 'cached') in runs}


def compare(table, directory, mine_runs):
    """This run's stream/cached and verdicts beside each committed run's, by
    dest and threads; a committed run without per-run data (.raw) has none."""
    runs, verdict = [], {}
    for path in sorted(glob.glob(os.path.join(directory, '*.csv'))):
        name = os.path.basename(path)[:-4]
        try:
            runs.append((name,) + read_csv(path))
        except (OSError, KeyError, ValueError) as e:
            print(f"report.py: skipping {path}: {e}", file=sys.stderr)
            continue
        raw = path[:-4] + '.raw'
        if os.path.exists(raw):
            try:
                with contextlib.redirect_stderr(io.StringIO()):
                    verdict[name] = stream_verdicts(read([raw])[2])
            except SystemExit:
                print(f"report.py: {raw}: malformed, no verdicts", file=sys.stderr)
    mine = {(r['dest'], r['threads']): r['stream_over_cached']
            for r in table if r['mode'] == 'stream'}
    first = table[0]
    runs.append(('this run', (first['cpu'], first['kernel']), mine))
    verdict['this run'] = stream_verdicts(mine_runs)
    keys = sorted(set(k for _, _, ratios in runs for k in ratios))
    print()
    print(f"stream/cached (below 1: streaming stores lose) of this run and of the "
          f"committed runs in {os.path.relpath(directory)}:")
    for n, (name, (cpu, kernel), _) in enumerate(runs):
        note = ("" if name in verdict else
                ": no per-run data (an aggregate CSV, no .raw), so no verdict")
        print(f"  [{n + 1}] {name}: CPU {cpu}, kernel {kernel}{note}")
    print("ratio, then the streaming verdict (pays, costs, - none; blank: no per-run data):")
    print(f"{'dest':<9} {'thr':>3} " + " ".join(f"{f'[{n + 1}]':>12}" for n in range(len(runs))))
    for dest, threads in keys:
        cells = []
        for name, _, ratios in runs:
            v = verdict.get(name, {}).get((dest, threads), '')
            cells.append(f"{fmt(ratios.get((dest, threads)), '6.2f')} {v:<5}")
        print(f"{dest:<9} {threads:>3} " + " ".join(cells))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--csv')
    ap.add_argument('--txt')
    ap.add_argument('--compare', metavar='DIR')
    ap.add_argument('raw', nargs='+')
    args = ap.parse_args()
    try:
        meta, touch, runs = read(args.raw)
    except OSError as e:
        die(e)
    table = rows(meta, touch, runs)

    first = next(iter(meta.values()), {})
    lines = [f"memmap store pattern: {LABEL}",
             f"CPU {first.get('cpu', '?')} ({first.get('cpus', '?')} usable), "
             f"kernel {first.get('kernel', '?')}, "
             f"{int(first.get('bytes', 0)) / 2**20:.0f} MiB of memmap, "
             f"GB/s median [min-max] of {table[0]['runs']} runs",
             f"{'dest':<9} {'thr':>3} {'mode':<7} {'GB/s':>6} {'[min-max]':<13} "
             f"{'ns/page':>7} {'ms/100GiB':>9} {'stream/cached':>13} {'of floor':>8}"]
    for r in table:
        lines.append(f"{r['dest']:<9} {r['threads']:>3} {r['mode']:<7} {r['gbps_median']:6.2f} "
                     f"[{r['gbps_min']:.2f}-{r['gbps_max']:.2f}]".ljust(44)
                     + f"{r['ns_per_struct_page']:7.2f} {r['ms_per_100gib_namespace']:9.1f} "
                     f"{fmt(r['stream_over_cached'], '13.2f')} {fmt(r['fraction_of_floor'], '8.2f')}")
    for dest, m in meta.items():
        lines.append(f"{dest}: {m.get('dest_path')}, {m.get('huge_pages', '?')} in huge pages, "
                     f"first touch {fmt(touch.get(dest), '.2f')} GB/s (one thread, untimed above)")
    lines += [""] + verdicts(meta, runs)
    print("\n".join(lines))
    if args.txt:
        with open(args.txt, 'w') as f:
            f.write("\n".join(lines) + "\n")
    if args.csv:
        with open(args.csv, 'w', newline='') as f:
            f.write(f"# {LABEL}\n")
            w = csv.DictWriter(f, fieldnames=list(table[0]))
            w.writeheader()
            w.writerows(table)
    if args.compare:
        compare(table, args.compare, runs)
    return 0


if __name__ == '__main__':
    sys.exit(main())
