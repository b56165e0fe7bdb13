"""Batched B-cos explanations: interpkit.bcos.explain against the bcos package's own one-image explain.

Both run in one process on the same B-cos model and the same images, explaining one class per image (image i:
class i mod n_classes):

- `interpkit explain`: `interpkit.bcos.explain(model, x, classes, batch_size=--batch-size)`, one forward and one
  backward pass per batch; it returns W(x), the contribution maps and the outputs;
- `interpkit explain+rgba`: the same plus `explanation_rgba(expl, smooth=15)`, the colour explanations, so that it
  does everything the package's `explain` does (that one always renders the colour image, smoothing 15);
- `bcos model.explain`: the package's `BcosUtilMixin.explain(img[None], idx=c)`, one image and one class per
  call, as its documentation shows (it returns `dynamic_linear_weights`, `contribution_map`, `explanation`).

The maps must agree: max |W_interpkit - W_bcos| over all images, relative to max |W|, <= 1e-5, and the same for the
contribution maps. After a warm-up of each method, the methods alternate for `--repeats` rounds; the table gives
median and best images/s (the best runs are the ones other load on the machine disturbed least) and the median
images per CPU-second of this process (time.process_time: what load on the machine disturbs least, though OpenMP
threads that spin while waiting count too). The acceptance figure is interpkit explain / bcos model.explain >= 10 on 2 CPU threads (`--threads 2`, the default).

The model (`--model`): `shapes` is the shipped B-cos Shapes World classifier (`interpkit.shapes_classifiers`, the
default when it is importable; on Shapes World test images, and wrapped in the package's `BcosUtilMixin` if it does
not mix it in), `shapes-random` the same architecture with random weights (the same work; for before the weights
are shipped), `resnet18` the package's B-cos ResNet-18 with random weights and 8 classes on `--size` pixel
uniform-noise images from a fixed seed (the default otherwise).

Measured (2026-12-02, this 2-CPU machine, idle: load average 1.0; torch 2 threads; shipped B-cos Shapes classifier,
256 images, batch 128, 3 rounds, median; interpkit's explain runs with the parameters' gradients off):

    method                 img/s    ratio to bcos   per CPU-s   max rel |dW| vs bcos
    interpkit explain       1122        7.1x           7.1x         8.0e-07
    interpkit compiled      1929       12.2x          12.3x         1.2e-06   (torch.compile: 24 s once, first call)
    bcos model.explain       158

(Earlier, batch 64 and 256 eager: 7.7x and 7.5x. Under load, with two trainings on the same 2 CPUs, eager was 4.4-5.1x.)

Eager, the goal of 10x is not reached; compiled, it is. Batching removes the per-call work of the one-image path (about 950 aten ops per
image for the Shapes classifier, among them the weight normalisation of every `NormedConv2d`, `gradient_to_image`,
and PyTorch's slow native convolution, which it picks for one-image batches): about 3/4 of the one-image time here.
What remains is the per-image arithmetic, the same in both paths (conv forward and input gradient, the B-cos norms
and scalings), so the ratio levels off near 7-8x on an idle 2-core CPU. In a batch-128 profile (2 threads) conv
backward takes ~40%, conv forward ~20%, the B-cos layers' elementwise ops (mul, div, pow, abs) ~25%, layout copies
inside oneDNN ~9%. Turning the parameters' gradients off (explain does) saves ~10%; the input checks were made cheap
(`core.check_tensor` now tests `isfinite(x.sum())` first). What would change the ratio: fusing the B-cos scaling into
the convolution, or a GPU, where a batch uses the device far better than one image does.

Run:  python bench/bcos_explain.py [--model shapes|shapes-random|resnet18] [--n 128] [--batch-size 64] [--repeats 3]
                                   [--threads 2] [--device cpu] [--out results.json]
"""
import argparse, os, statistics, time

import torch
import torch.nn as nn
from bcos.common import BcosUtilMixin

from interpkit.bcos import add_inverse, explain, explanation_rgba
from interpkit.core import write_json


def shapes_available() -> bool:
    "Whether the shipped B-cos Shapes World classifier is there (module and weights)."
    try: from interpkit.shapes_classifiers import SHIPPED_CLASSIFIERS
    except ImportError: return False
    return SHIPPED_CLASSIFIERS['bcos'].exists()


class _PackageExplain(BcosUtilMixin, nn.Module):
    "`model` behind the package's `BcosUtilMixin`, for a B-cos model that does not mix it in: its `explain` is the package's."
    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor: return self.model(x)


def load_model(name: str, size: int, device: str):
    "(B-cos model in eval mode with the package's `explain`, B-cos-encoded test images [n, 6, size, size] maker, n_classes)."
    if name in ('shapes', 'shapes-random'):
        from interpkit.shapes import ShapesWorld
        from interpkit.shapes_classifiers import ClassifierConfig, build_shapes_classifier, load_shapes_classifier
        torch.manual_seed(0)
        model = (load_shapes_classifier('bcos', device=device) if name == 'shapes' else
                 build_shapes_classifier(ClassifierConfig(kind='bcos')).to(device))
        size = 64
        def images(n):
            return add_inverse(torch.as_tensor(ShapesWorld(n, 'test', 0).pixels()).permute(0, 3, 1, 2).float().div(255).contiguous())
    elif name == 'resnet18':
        from bcos.models.resnet import resnet18
        torch.manual_seed(0)
        model = resnet18(num_classes=8).to(device)
        def images(n): return add_inverse(torch.rand(n, 3, size, size, generator=torch.Generator().manual_seed(0)))
    else: raise SystemExit(f'unknown --model {name!r}: shapes, shapes-random or resnet18')
    if not hasattr(model, 'explain'): model = _PackageExplain(model)
    model.eval()
    with torch.no_grad(): n_classes = model(images(1).to(device)).shape[1]
    return model, images, n_classes


def run_interpkit(model, x, classes, batch_size, rgba=False, compile=False):
    e = explain(model, x, classes, batch_size=batch_size, compile=compile)
    if rgba: explanation_rgba(e, smooth=15)
    return e.weights, e.contributions


def run_interpkit_compiled(model, x, classes, batch_size, rgba=False):
    return run_interpkit(model, x, classes, batch_size, rgba, compile=True)


def run_bcos(model, x, classes, batch_size=None, rgba=None):
    weights, contributions = [], []
    for img, c in zip(x, classes.tolist()):
        out = model.explain(img[None].clone().requires_grad_(True), idx=c)
        weights.append(out['dynamic_linear_weights'].detach()); contributions.append(out['contribution_map'].detach())
    return torch.cat(weights), torch.cat(contributions)


def images_per_s(fn, model, x, *args) -> tuple[float, float]:
    "(images per wall-clock second, images per CPU second of this process: less sensitive to other load)."
    if x.device.type == 'cuda': torch.cuda.synchronize()
    t, c = time.perf_counter(), time.process_time()
    fn(model, x, *args)
    if x.device.type == 'cuda': torch.cuda.synchronize()
    return len(x) / (time.perf_counter() - t), len(x) / (time.process_time() - c)


def rel_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max() / b.abs().max().clamp_min(1e-12))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--model', default='shapes' if shapes_available() else 'resnet18', choices=['shapes', 'shapes-random', 'resnet18'])
    p.add_argument('--size', type=int, default=64, help='image size for --model resnet18')
    p.add_argument('--n', type=int, default=128, help='images per run')
    p.add_argument('--batch-size', type=int, default=64)
    p.add_argument('--repeats', type=int, default=3, help='interleaved rounds per method')
    p.add_argument('--threads', type=int, default=2, help='torch.set_num_threads')
    p.add_argument('--device', default='cpu')
    p.add_argument('--out', default=None, help='also write the figures as JSON here')
    args = p.parse_args()
    torch.set_num_threads(args.threads)

    model, images, n_classes = load_model(args.model, args.size, args.device)
    x = images(args.n).to(args.device)
    size = x.shape[-1]
    classes = torch.arange(args.n) % n_classes
    name = type(model.model if isinstance(model, _PackageExplain) else model).__name__
    print(f'model {args.model} ({name}, {sum(p.numel() for p in model.parameters())/1e6:.2f} M parameters, '
          f'{n_classes} classes), {args.n} images {size}x{size}, batch {args.batch_size}, device {args.device}, '
          f'torch threads {torch.get_num_threads()}', flush=True)

    # the maps agree (this is also the warm-up)
    w_ik, c_ik = run_interpkit(model, x, classes, args.batch_size)
    w_b, c_b = run_bcos(model, x, classes)
    diff_w, diff_c = rel_diff(w_ik, w_b), rel_diff(c_ik, c_b)
    print(f'max |W_interpkit - W_bcos| / max |W| = {diff_w:.2e}; contribution maps: {diff_c:.2e}  (goal <= 1e-5)', flush=True)
    t = time.perf_counter()
    w_cc, c_cc = run_interpkit_compiled(model, x, classes, args.batch_size)     # compiles on first use
    compile_s = time.perf_counter() - t
    diff_wc, diff_cc = rel_diff(w_cc, w_b), rel_diff(c_cc, c_b)
    print(f'compiled (torch.compile, first call {compile_s:.0f} s): max |W - W_bcos| / max |W| = {diff_wc:.2e}; '
          f'contribution maps: {diff_cc:.2e}', flush=True)

    methods = {'interpkit explain': (run_interpkit, False), 'interpkit explain+rgba': (run_interpkit, True),
               'interpkit compiled': (run_interpkit_compiled, False),
               'bcos model.explain': (run_bcos, None)}
    runs, cpu_runs = {name: [] for name in methods}, {name: [] for name in methods}
    load_start = os.getloadavg()[0]
    for _ in range(args.repeats):
        for name, (fn, rgba) in methods.items():
            wall, cpu = images_per_s(fn, model, x, classes, args.batch_size, rgba)
            runs[name].append(wall); cpu_runs[name].append(cpu)
    load_end = os.getloadavg()
    print(f'load average (1 min) at the start {load_start:.2f}, at the end {load_end[0]:.2f} (5 min {load_end[1]:.2f}) on '
          f'{os.cpu_count()} CPUs; other processes distort the timings')

    med = {k: statistics.median(r) for k, r in runs.items()}
    best = {k: max(r) for k, r in runs.items()}
    cpu_med = {k: statistics.median(r) for k, r in cpu_runs.items()}
    print(f'\n{"method":<26}{"median img/s":>14}{"best img/s":>12}{"img/CPU-s":>11}   runs (img/s)')
    for name, r in runs.items():
        print(f'{name:<26}{med[name]:>14.2f}{best[name]:>12.2f}{cpu_med[name]:>11.2f}   ' + ' '.join(f'{v:.2f}' for v in r))
    ratio = med['interpkit explain'] / med['bcos model.explain']
    ratio_rgba = med['interpkit explain+rgba'] / med['bcos model.explain']
    print(f'\nratio interpkit/bcos: {ratio:.1f}x (best runs {best["interpkit explain"]/best["bcos model.explain"]:.1f}x), '
          f'with colour images {ratio_rgba:.1f}x; per CPU-second {cpu_med["interpkit explain"]/cpu_med["bcos model.explain"]:.1f}x  '
          '(goal >= 10x)')
    ratio_c = med['interpkit compiled'] / med['bcos model.explain']
    print(f'ratio interpkit compiled/bcos: {ratio_c:.1f}x (best runs {best["interpkit compiled"]/best["bcos model.explain"]:.1f}x); '
          f'per CPU-second {cpu_med["interpkit compiled"]/cpu_med["bcos model.explain"]:.1f}x; compiling took {compile_s:.0f} s once')
    if args.out:
        write_json(dict(model=args.model, model_class=name, n=args.n, size=size, n_classes=n_classes,
                        batch_size=args.batch_size, threads=torch.get_num_threads(), device=args.device,
                        max_rel_diff_weights=diff_w, max_rel_diff_contributions=diff_c, images_per_s=runs,
                        max_rel_diff_weights_compiled=diff_wc, compile_seconds=compile_s, ratio_compiled=ratio_c,
                        median_images_per_s=med, images_per_cpu_s=cpu_runs, median_images_per_cpu_s=cpu_med, ratio=ratio, ratio_with_rgba=ratio_rgba,
                        load_average_start=load_start, load_average_end=list(load_end[:2])), args.out)
        print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
