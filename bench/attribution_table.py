"""The whole attribution comparison, timed: GridPG, DiFull and DiPart x methods x layers x models on Shapes World grids.

One run of `interpkit.shapes_attribution.shapes_attribution_table` on `--grids` 2 x 2 grids of the `--seed` test split:
the shipped standard, B-cos and B-cosified classifiers, every method of `ATTRIBUTION_METHODS` (B-cos contributions on
the two B-cos models only) at the input, middle (`blocks.1`) and final (`blocks.2`) layers, in the three settings,
scored by GridPG with and without smoothing. It prints the wall time of the whole table, the cost of each method
(seconds per map, averaged over models, layers and settings), the grids' report (candidates dropped and why, cells
excluded), and the GridPG means; `--out` writes them as JSON (with the quartiles and the AggAtt maps' bin scores).

The issue's budget: the whole table for the demo's grid count in under 10 minutes on 2 CPU cores.

    python bench/attribution_table.py --grids 4 --seed 5             # the demo's grid count
    python bench/attribution_table.py --grids 500 --seed 5 --out attribution_500.json
"""
from __future__ import annotations
import argparse, json, os, time

import torch


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--grids', type=int, default=4)
    ap.add_argument('--seed', type=int, default=5)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--methods', nargs='*', default=None)
    ap.add_argument('--out', default=None)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    from interpkit.shapes_attribution import shapes_attribution_table, shapes_grids, shipped_classifiers
    models = shipped_classifiers('cpu')
    t0 = time.perf_counter()
    grids = shapes_grids(models, args.grids, seed=args.seed)
    t1 = time.perf_counter()
    tab = shapes_attribution_table(grids, models, args.methods)
    t2 = time.perf_counter()
    print(f'{args.grids} grids (seed {args.seed}, {args.threads} threads): grids made in {t1 - t0:.1f} s, '
          f'the whole table in {t2 - t1:.1f} s ({len(tab.rows) // 2} maps sets)')
    print('grid report:', json.dumps(grids.report), '| excluded targets:', json.dumps(tab.excluded))
    print('\ncost per map (s, mean over models, layers and settings):')
    for m, s in sorted(tab.seconds.items(), key=lambda kv: -kv[1]): print(f'  {m:22s} {s * 1000:8.1f} ms')
    df = tab.frame()
    for smoothed in (False, True):
        print(f"\nGridPG/DiFull/DiPart mean {'with' if smoothed else 'without'} smoothing:")
        print(df[df.smoothed == smoothed].pivot_table(index=['setting', 'method'], columns=['model', 'layer'],
                                                      values='mean').round(3).to_string())
    if args.out:
        out = dict(grids=args.grids, seed=args.seed, threads=args.threads, seconds_total=t2 - t1,
                   seconds_per_map=tab.seconds, grid_report=grids.report, excluded=tab.excluded, table=tab.metrics(),
                   aggatt_bin_scores={'|'.join(k): a.scores.tolist() for k, a in tab.aggatt.items()})
        tmp = args.out + '.tmp'
        with open(tmp, 'w') as f: json.dump(out, f, indent=1)
        os.replace(tmp, args.out)
        print('wrote', args.out)


if __name__ == '__main__':
    main()
