"""Overhead of the activation store over raw open_clip image encoding.

Measures images/s of `extract_activations(..., fields=('image',))` (decode, preprocess, encode, fp16 cast,
checks, safetensors shard + JSON writes) against a plain loop over the same inputs: the same
`DataLoader(Preprocessed(ImageList(ims), bb.preprocess))` feeding `bb.model.encode_image` under `torch.no_grad()`
at the same precision (interpkit's autocast: bf16/fp16 on CUDA, none on CPU). Both use the same batch size,
`num_workers` and default torch threads; after a one-batch warm-up of each, the methods alternate for `--repeats`
rounds and the medians (and the best runs, which other load on the machine disturbs least) are compared. The goal is store/raw >= 0.95. With `--patches` it also measures
`fields=('image', 'patch')` (patch tokens captured in the same forward pass) against the same raw loop.

Inputs are `--n` random-noise 224x224 PIL images from a fixed NumPy seed; weights are random (no download).
`--model` takes several names: by default a ViT (ViT-B-32), a ResNet (RN50: patch tokens through the attention
pool's value path) and a timm tower (convnext_tiny: patch tokens through the head per location), one table row per
model and method, then one ratio line per model.

Run:  python bench/extraction_overhead.py [--model ViT-B-32 RN50 convnext_tiny] [--n 256] [--batch-size 64]
                                          [--repeats 3] [--patches] [--device cuda]
"""
import argparse, os, statistics, tempfile, time

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader

from interpkit.activations import extract_activations
from interpkit.backbones import load_backbone
from interpkit.core import autocast, get_device
from interpkit.data import ImageList, Preprocessed


def make_images(n: int, size: int = 224, seed: int = 0) -> list[Image.Image]:
    rng = np.random.default_rng(seed)
    return [Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)) for _ in range(n)]


def raw(bb, ims, batch_size, num_workers, tmp):
    "Plain open_clip: decode + preprocess through a DataLoader, then `model.encode_image`."
    loader = DataLoader(Preprocessed(ImageList(ims), bb.preprocess), batch_size=batch_size,
                        num_workers=num_workers, pin_memory=bb.device.type == 'cuda')
    with torch.no_grad(), autocast(bb.device, bb.amp):
        for x, _ in loader: bb.model.encode_image(x.to(bb.device, non_blocking=True))


def store(fields):
    def run(bb, ims, batch_size, num_workers, tmp):
        extract_activations(bb, ImageList(ims), tmp, fields=fields, batch_size=batch_size,
                            num_workers=num_workers, overwrite=True, progress=False)
    return run


def images_per_s(fn, bb, ims, *args) -> float:
    if bb.device.type == 'cuda': torch.cuda.synchronize()
    t = time.perf_counter()
    fn(bb, ims, *args)
    if bb.device.type == 'cuda': torch.cuda.synchronize()
    return len(ims)/(time.perf_counter() - t)


def bench_model(model, args) -> dict[str, list[float]]:
    "images/s per method for one model, `--repeats` interleaved rounds after a one-batch warm-up of each."
    bb = load_backbone(model, device=get_device(args.device))
    ims = make_images(args.n)
    methods = {'raw open_clip': raw, 'store image': store(('image',))}
    if args.patches: methods['store image+patch'] = store(('image', 'patch'))
    print(f'model {model} (random weights, {bb.kind} tower), device {bb.device}, {args.n} images, batch {args.batch_size}, '
          f'num_workers {args.num_workers}, torch threads {torch.get_num_threads()}, amp {bb.amp and bb.device.type == "cuda"}',
          flush=True)
    runs = {name: [] for name in methods}
    with tempfile.TemporaryDirectory(prefix='interpkit-bench-') as tmp:
        setup = (args.batch_size, args.num_workers, f'{tmp}/store')
        for fn in methods.values(): images_per_s(fn, bb, ims[:args.batch_size], *setup)  # warm-up
        for _ in range(args.repeats):
            for name, fn in methods.items(): runs[name].append(images_per_s(fn, bb, ims, *setup))
    return runs


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--model', nargs='+', default=['ViT-B-32', 'RN50', 'convnext_tiny'])
    p.add_argument('--device', default=None, help='default: cuda if available, else cpu')
    p.add_argument('--n', type=int, default=256, help='number of images per run')
    p.add_argument('--batch-size', type=int, default=64)
    p.add_argument('--num-workers', type=int, default=0)
    p.add_argument('--repeats', type=int, default=3, help='interleaved rounds per method')
    p.add_argument('--patches', action='store_true', help="also time fields=('image', 'patch')")
    args = p.parse_args()

    results = {model: bench_model(model, args) for model in args.model}
    print(f'load average at the end (1/5 min): {os.getloadavg()[0]:.2f} / {os.getloadavg()[1]:.2f}; '
          'other processes on the machine distort the timings')
    print(f'\n{"model":<16}{"method":<20}{"median img/s":>14}{"best img/s":>12}   runs (img/s)')
    for model, runs in results.items():
        for name, r in runs.items():
            print(f'{model:<16}{name:<20}{statistics.median(r):>14.2f}{max(r):>12.2f}   ' + ' '.join(f'{v:.2f}' for v in r))
    print()
    for model, runs in results.items():
        med = {name: statistics.median(r) for name, r in runs.items()}
        best = {name: max(r) for name, r in runs.items()}
        def ratio(name): return f'{med[name]/med["raw open_clip"]:.3f} (best runs: {best[name]/best["raw open_clip"]:.3f})'
        line = f'{model}: ratio store/raw (image): {ratio("store image")}  (goal >= 0.95)'
        if args.patches: line += f'; (image+patch): {ratio("store image+patch")}'
        print(line)


if __name__ == '__main__':
    main()
