#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Table and CSV of memmap-replay runs (bench/native/memmap-replay.c).

Usage: bench/native/report.py [--csv OUT.csv] [--compare DIR] RAW...

Each RAW file is what one memmap-replay run printed: "meta KEY=VALUE" lines,
"touch ..." (first touch) and one "run dest=D threads=T mode=M run=R
bytes=B ns=N" line per timed run.  Rows are (dest, threads, mode), with the
GB/s of their runs as min/median/max.  The floor of a (dest, threads) pair
is its best median plain fill (memset or rep stosb); "stream/cached" is the
median throughput of streaming over cached stores.  --compare DIR prints
this run's stream/cached beside that of each CSV in DIR (the committed runs
of bench/native/results/, one per CPU and kernel).

Exit status: 0 ok; 2 bad input.
"""

import argparse
import csv
import glob
import os
import statistics
import sys

STRUCT_PAGE = 64
NAMESPACE_MEMMAP = 100 * 2**30 // 4096 * STRUCT_PAGE   # 100 GiB of 4 KiB pages
FILLS = ('memset', 'stosb')
LABEL = "host CPU, user space: the store pattern of the series, not the kernel"


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
                        runs.setdefault(key, []).append(size / ns)   # GB/s
        if 'dest' in dest_meta:
            meta[dest_meta['dest']] = dest_meta
    if not runs:
        die("no run lines in " + ' '.join(paths))
    return meta, touch, runs


def rows(meta, touch, runs):
    out = []
    for (dest, threads, mode), gbps in sorted(runs.items(),
                                              key=lambda kv: (kv[0][0], kv[0][1])):
        med = statistics.median(gbps)
        floor = max((statistics.median(runs[(dest, threads, f)])
                     for f in FILLS if (dest, threads, f) in runs), default=None)
        cached = runs.get((dest, threads, 'cached'))
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


def compare(table, directory):
    """This run's stream/cached beside each committed run's, by dest and threads."""
    runs = []
    for path in sorted(glob.glob(os.path.join(directory, '*.csv'))):
        try:
            runs.append((os.path.basename(path)[:-4],) + read_csv(path))
        except (OSError, KeyError, ValueError) as e:
            print(f"report.py: skipping {path}: {e}", file=sys.stderr)
    mine = {(r['dest'], r['threads']): r['stream_over_cached']
            for r in table if r['mode'] == 'stream'}
    first = table[0]
    runs.append(('this run', (first['cpu'], first['kernel']), mine))
    keys = sorted(set(k for _, _, ratios in runs for k in ratios))
    print()
    print(f"stream/cached (below 1: streaming stores lose) of this run and of the "
          f"committed runs in {os.path.relpath(directory)}:")
    for n, (name, (cpu, kernel), _) in enumerate(runs):
        print(f"  [{n + 1}] {name}: CPU {cpu}, kernel {kernel}")
    print(f"{'dest':<9} {'thr':>3} " + " ".join(f"{f'[{n + 1}]':>6}" for n in range(len(runs))))
    for dest, threads in keys:
        print(f"{dest:<9} {threads:>3} "
              + " ".join(fmt(ratios.get((dest, threads)), '6.2f') for _, _, ratios in runs))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--csv')
    ap.add_argument('--compare', metavar='DIR')
    ap.add_argument('raw', nargs='+')
    args = ap.parse_args()
    try:
        meta, touch, runs = read(args.raw)
    except OSError as e:
        die(e)
    table = rows(meta, touch, runs)

    first = next(iter(meta.values()), {})
    print(f"memmap store pattern: {LABEL}")
    print(f"CPU {first.get('cpu', '?')} ({first.get('cpus', '?')} usable), "
          f"kernel {first.get('kernel', '?')}, "
          f"{int(first.get('bytes', 0)) / 2**20:.0f} MiB of memmap, "
          f"GB/s median [min-max] of {table[0]['runs']} runs")
    print(f"{'dest':<9} {'thr':>3} {'mode':<7} {'GB/s':>6} {'[min-max]':<13} "
          f"{'ns/page':>7} {'ms/100GiB':>9} {'stream/cached':>13} {'of floor':>8}")
    for r in table:
        print(f"{r['dest']:<9} {r['threads']:>3} {r['mode']:<7} {r['gbps_median']:6.2f} "
              f"[{r['gbps_min']:.2f}-{r['gbps_max']:.2f}]".ljust(44)
              + f"{r['ns_per_struct_page']:7.2f} {r['ms_per_100gib_namespace']:9.1f} "
              f"{fmt(r['stream_over_cached'], '13.2f')} {fmt(r['fraction_of_floor'], '8.2f')}")
    for dest, m in meta.items():
        print(f"{dest}: {m.get('dest_path')}, {m.get('huge_pages', '?')} in huge pages, "
              f"first touch {fmt(touch.get(dest), '.2f')} GB/s (one thread, untimed above)")
    if args.csv:
        with open(args.csv, 'w', newline='') as f:
            f.write(f"# {LABEL}\n")
            w = csv.DictWriter(f, fieldnames=list(table[0]))
            w.writeheader()
            w.writerows(table)
    if args.compare:
        compare(table, args.compare)
    return 0


if __name__ == '__main__':
    sys.exit(main())
