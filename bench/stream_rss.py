"""Peak memory and throughput of streaming an activation store larger than 1 GB.

Writes a synthetic store (random fp16 'image' [D] and 'patch' [P, D] fields, no model run) in the format that
`extract_activations` writes: `meta.json` (complete only after the last shard, as extraction does), `keys.json`
and `shards/NNNNN.safetensors` via `interpkit.core.save_tensors`. Then a fresh subprocess, so that writing does
not count, streams the whole 'patch' field with `store.iter_batches('patch', batch_size, flatten=True)`, once in
order and once with `shuffle=True`, moving each batch to the device. It reports the subprocess's RSS after
imports (baseline), its peak RSS (psutil after every batch, and the kernel's high-water mark VmHWM), rows/s and
GB/s (fp16 bytes read). The store was just written, so reads come from a warm page cache.

`ru_maxrss` is printed too but is not the child's own peak: Linux carries the parent's peak RSS across
fork/exec into it, so VmHWM from /proc/self/status (per address space, reset by exec) is the number to use.

Run:  python bench/stream_rss.py [--items 24000] [--dim 512] [--patches 49] [--batch-size 256] [--device cpu] [--keep]
"""
import argparse, json, resource, shutil, subprocess, sys, tempfile, time
from pathlib import Path

import psutil
import torch

from interpkit.activations import STORE_FORMAT, STORE_VERSION, ActivationStore, _keys_hash
from interpkit.core import get_device, save_tensors, write_json

MB = 2**20


def write_store(path: Path, items: int, dim: int, patches: int, shard_size: int, seed: int = 0) -> ActivationStore:
    keys = [str(i) for i in range(items)]
    num_shards = (items + shard_size - 1)//shard_size
    meta = dict(format=STORE_FORMAT, version=STORE_VERSION,
                backbone=dict(model='synthetic', pretrained=None, embed_dim=dim, image_size=[224, 224],
                              grid_size=[7, 7], preprocess=''),
                dataset=dict(kind='synthetic', count=items, has_captions=False, has_labels=False,
                             keys_sha1=_keys_hash(keys)),
                fields={'image': [dim], 'patch': [patches, dim]}, readout='tokens', dtype='float16',
                shard_size=shard_size, count=items, num_shards=num_shards, complete=False)
    (path/'shards').mkdir(parents=True)
    write_json(keys, path/'keys.json', indent=None)
    write_json(meta, path/'meta.json')
    store, g = ActivationStore(path), torch.Generator().manual_seed(seed)
    for i in range(num_shards):
        lo, hi = store.shard_range(i)
        save_tensors({'index': torch.arange(lo, hi),
                      'image': torch.randn(hi - lo, dim, generator=g).half(),
                      'patch': torch.randn(hi - lo, patches, dim, generator=g).half()},
                     store.shard_path(i), metadata={'shard': str(i)})
    write_json(dict(meta, complete=True), path/'meta.json')
    return ActivationStore(path)


def check_store(store: ActivationStore, items: int, dim: int, patches: int):
    "The store opens and reads back like an extracted one."
    assert store.complete and len(store) == items and store.shards_done() == store.num_shards
    assert torch.equal(store.load('index'), torch.arange(items))
    assert store.load('image').shape == (items, dim)
    assert store.read_shard(store.num_shards - 1, 'patch').shape[1:] == (patches, dim)


def vm_hwm() -> int:
    "Peak RSS of this process's address space, in bytes (Linux)."
    line = next(l for l in Path('/proc/self/status').read_text().splitlines() if l.startswith('VmHWM:'))
    return int(line.split()[1])*1024


def stream(path: str, batch_size: int, device: str) -> dict:
    "Run in the fresh subprocess: stream 'patch' in order and shuffled, tracking RSS."
    proc, device = psutil.Process(), torch.device(device)
    store = ActivationStore(path)
    torch.zeros(1, device=device)  # a CUDA context belongs in the baseline
    out = dict(baseline=proc.memory_info().rss, passes=[])
    for shuffle in (False, True):
        rows, peak = 0, 0
        t = time.perf_counter()
        for x in store.iter_batches('patch', batch_size=batch_size, shuffle=shuffle, flatten=True):
            x = x.to(device, non_blocking=True)
            rows += len(x)
            peak = max(peak, proc.memory_info().rss)
        if device.type == 'cuda': torch.cuda.synchronize()
        out['passes'].append(dict(shuffle=shuffle, rows=rows, seconds=time.perf_counter() - t, peak=peak))
    out['ru_maxrss'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss*1024  # KiB on Linux
    out['vm_hwm'] = vm_hwm()
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--items', type=int, default=24000)
    p.add_argument('--dim', type=int, default=512)
    p.add_argument('--patches', type=int, default=49)
    p.add_argument('--shard-size', type=int, default=1024)
    p.add_argument('--batch-size', type=int, default=256)
    p.add_argument('--device', default=None, help='where batches go; default: cuda if available, else cpu')
    p.add_argument('--dir', default=None, help='parent folder of the temporary store (default: system temp)')
    p.add_argument('--keep', action='store_true', help='keep the store instead of deleting it')
    p.add_argument('--child', default=None, help=argparse.SUPPRESS)  # store path, in the streaming subprocess
    args = p.parse_args()
    if args.child:
        print(json.dumps(stream(args.child, args.batch_size, args.device))); return

    device = str(get_device(args.device))
    root = Path(tempfile.mkdtemp(prefix='interpkit-stream-', dir=args.dir))
    try:
        t = time.perf_counter()
        store = write_store(root/'store', args.items, args.dim, args.patches, args.shard_size)
        check_store(store, args.items, args.dim, args.patches)
        size = sum(f.stat().st_size for f in (root/'store').rglob('*') if f.is_file())
        patch_bytes = args.items*args.patches*args.dim*2
        print(f'store {store.path}: {args.items} items, {store.num_shards} shards, {size/1e9:.3f} GB on disk '
              f'({size/MB:.0f} MiB; patch field {patch_bytes/1e9:.3f} GB), written in {time.perf_counter() - t:.1f} s')
        print(f'streaming field patch [{args.patches}, {args.dim}] fp16, flatten=True, batch {args.batch_size}, '
              f'shard {args.shard_size}, device {device}, fresh subprocess')

        cmd = [sys.executable, __file__, '--child', str(store.path), '--batch-size', str(args.batch_size), '--device', device]
        res = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()[-1])
    finally:
        if args.keep: print(f'kept {root}')
        else: shutil.rmtree(root)

    base = res['baseline']
    print(f'\n{"pass":<12}{"rows":>10}{"seconds":>9}{"rows/s":>11}{"GB/s":>7}{"peak RSS MiB":>14}{"over base MiB":>15}')
    for r in res['passes']:
        print(f'{"shuffled" if r["shuffle"] else "sequential":<12}{r["rows"]:>10}{r["seconds"]:>9.2f}'
              f'{r["rows"]/r["seconds"]:>11.0f}{patch_bytes/r["seconds"]/1e9:>7.2f}{r["peak"]/MB:>14.0f}{(r["peak"] - base)/MB:>15.0f}')
    assert all(r['rows'] == args.items*args.patches for r in res['passes'])
    peak = max(res['vm_hwm'], *(r['peak'] for r in res['passes']))
    print(f'\nstore size on disk: {size/MB:.0f} MiB')
    print(f'subprocess RSS after imports (baseline): {base/MB:.0f} MiB')
    print(f'peak RSS (VmHWM): {peak/MB:.0f} MiB, +{(peak - base)/MB:.0f} MiB over baseline '
          f'(ru_maxrss {res["ru_maxrss"]/MB:.0f} MiB includes the parent\'s peak)')
    print(f'peak RSS / store size: {peak/size:.3f}  (increment over baseline / store size: {(peak - base)/size:.3f})')


if __name__ == '__main__':
    main()
