"""Shared harness for the SAE peer runners (`bench/sae_peers/run_<peer>.py`).

Imported by every runner from its own virtual environment, so it needs only torch, safetensors and numpy.
A runner supplies an *adapter* (the peer library's own SAE and training step); this module does everything
that has to be identical across peers: loading the data, the batch order, warm-up, the epoch clock, firing
counts, held-out FVU, the time-to-FVU loop and the result JSON.

Protocol (per runner process, one at a time):
  1. `torch.manual_seed(0)`, build the adapter (library SAE d=512, 4096 latents, k=32; Adam lr 4e-4).
  2. Warm-up: `WARMUP_STEPS` (2) training steps on the first batches of the epoch-0 order. Not timed for
     samples/s, and firing counts are reset after it (they do count towards time-to-FVU, see 5).
  3. Epoch 1: all `n_train // BATCH` batches (64 for 262,144 rows) of a fixed permutation
     (`torch.randperm(n, generator=seed 0)`), timed from a fresh timer (CUDA synchronised at both ends);
     samples/s = n_train / seconds. Gathering each batch from the training tensor is inside the clock.
  4. After epoch 1: held-out FVU = sum((x - x_hat)^2) / sum((x - mean_heldout(x))^2) over all held-out rows
     (x_hat from the library's own encode/decode, no grad, chunks of 4096, sums in float64), and dead fraction =
     share of latents whose code was > 0 for no training row of epoch 1 (counted from the codes each training
     step produced).
  5. Time to FVU 0.3: training goes on (epoch e uses `randperm(seed=e)`); held-out FVU is evaluated after
     every `EVAL_EVERY` (8) steps, evaluation excluded from the clock. The clock holds all training time
     including the 2 warm-up steps and epoch 1 (whose only evaluation is the one at its end). Reported: training
     seconds at the first evaluation with FVU <= 0.3, or null once `cap_seconds` of training pass.
"""
import argparse, json, os, platform, sys, time
from typing import Iterable

import torch
from safetensors import safe_open

D, N_LATENTS, K, BATCH, LR = 512, 4096, 32, 4096, 4e-4
WARMUP_STEPS, EVAL_EVERY, FVU_TARGET = 2, 8, 0.3
EVAL_CHUNK = 4096


def parse_args(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument('--data', required=True, help='safetensors file with `train` and `heldout` float32 tensors')
    p.add_argument('--device', default='cpu')
    p.add_argument('--cap-seconds', type=float, default=600.0, help='training-time cap for the time-to-FVU run')
    p.add_argument('--train-rows', type=int, default=0, help='use only the first N training rows (0: all)')
    p.add_argument('--out', required=True, help='result JSON path')
    return p.parse_args(argv)


def load_data(path, device, train_rows=0):
    with safe_open(path, framework='pt', device='cpu') as f:
        meta = f.metadata() or {}
        train, held = f.get_tensor('train'), f.get_tensor('heldout')
    if train_rows: train = train[:train_rows]
    return train.to(device).contiguous(), held.to(device).contiguous(), meta


def sync(device):
    if torch.device(device).type == 'cuda': torch.cuda.synchronize()


class FiringCounter:
    "Per-latent count of training rows whose code was > 0. Updates never force a device sync."
    def __init__(self, n_latents, device):
        self.counts = torch.zeros(n_latents, dtype=torch.int64, device=device)
        self.active = True

    def reset(self): self.counts.zero_()

    @torch.no_grad()
    def mark_topk(self, values, indices):
        "From top-k values [B, k] and their latent indices [B, k]."
        if not self.active: return
        self.counts.index_add_(0, indices.reshape(-1), (values.detach().reshape(-1) > 0).to(torch.int64))

    @torch.no_grad()
    def mark_dense(self, codes):
        "From dense codes [B, n_latents]."
        if not self.active: return
        if codes.is_sparse: codes = codes.to_dense()
        self.counts += (codes.detach() > 0).sum(0)

    def dead_fraction(self): return float((self.counts == 0).float().mean())


class Adapter:
    """What a runner provides. `step(x)` does one training step of the library on batch `x` and calls
    `self.firing.mark_*` with the codes it produced; `reconstruct(x)` returns x_hat from the library's own
    encode/decode (called under `torch.no_grad()`). `train_steps` may be overridden to hand the library
    several batches at once (e.g. a library training function that takes a data loader)."""
    peer = '?'
    package = None  # distribution name whose version is reported
    notes: list = []
    overrides: dict = {}

    def __init__(self, device):
        self.device = device
        self.firing = FiringCounter(N_LATENTS, device)

    def step(self, x): raise NotImplementedError
    def reconstruct(self, x): raise NotImplementedError

    def train_steps(self, batches: Iterable[torch.Tensor]):
        for x in batches: self.step(x)


@torch.no_grad()
def heldout_fvu(adapter, held):
    mean = held.mean(0, dtype=torch.float64)
    num = torch.zeros((), dtype=torch.float64, device=held.device)
    den = torch.zeros((), dtype=torch.float64, device=held.device)
    for i in range(0, len(held), EVAL_CHUNK):
        x = held[i:i + EVAL_CHUNK]
        xh = adapter.reconstruct(x)
        xh = (xh.to_dense() if xh.is_sparse else xh).to(torch.float64)
        num += (x.to(torch.float64) - xh).pow(2).sum()
        den += (x.to(torch.float64) - mean).pow(2).sum()
    return float(num / den)


def batches(train, perm, start, stop):
    "Batches `start..stop-1` of the permutation `perm` (gathered lazily, so inside whoever's clock)."
    for b in range(start, stop): yield train[perm[b * BATCH:(b + 1) * BATCH]]


def epoch_perm(n, epoch, device):
    g = torch.Generator().manual_seed(epoch)
    return torch.randperm(n, generator=g).to(device)


def version_of(dist):
    if dist is None: return None
    try:
        from importlib.metadata import version
        return version(dist)
    except Exception as e: return f'unknown ({e!r})'


def run(adapter_factory, args=None):
    "Run the whole protocol for one peer and write the result JSON. `adapter_factory(device) -> Adapter`."
    args = args or parse_args()
    device = args.device
    result = dict(peer='?', ok=False)
    try:
        train, held, meta = load_data(args.data, device, args.train_rows)
        n = len(train); steps_per_epoch = n // BATCH
        assert steps_per_epoch >= WARMUP_STEPS, f'need at least {WARMUP_STEPS} batches of {BATCH}'
        torch.manual_seed(0)
        if torch.device(device).type == 'cuda': torch.cuda.manual_seed_all(0)
        adapter = adapter_factory(device)
        result.update(peer=adapter.peer, package=adapter.package, version=version_of(adapter.package),
                      overrides=adapter.overrides, notes=adapter.notes)
        result.update(torch_version=torch.__version__, device=device, threads=torch.get_num_threads(),
                      python=platform.python_version(), n_train=n, n_heldout=len(held), batch=BATCH, d=D,
                      n_latents=N_LATENTS, k=K, lr=LR, steps_per_epoch=steps_per_epoch, data_meta=meta,
                      float32_matmul_precision=torch.get_float32_matmul_precision(),
                      cuda_matmul_allow_tf32=torch.backends.cuda.matmul.allow_tf32,
                      gpu=torch.cuda.get_device_name() if torch.device(device).type == 'cuda' else None)
        train_clock = 0.0  # all training seconds so far (warm-up + epoch 1 + later), evaluation excluded

        # 2. warm-up
        perm = epoch_perm(n, 0, device)
        sync(device); t0 = time.perf_counter()
        adapter.train_steps(batches(train, perm, 0, WARMUP_STEPS))
        sync(device); t_warm = time.perf_counter() - t0
        train_clock += t_warm
        adapter.firing.reset()

        # 3. epoch 1
        sync(device); t0 = time.perf_counter()
        adapter.train_steps(batches(train, perm, 0, steps_per_epoch))
        sync(device); t_epoch = time.perf_counter() - t0
        train_clock += t_epoch
        adapter.firing.active = False
        dead = adapter.firing.dead_fraction()

        # 4. held-out FVU after epoch 1
        fvu1 = heldout_fvu(adapter, held)
        trace = [dict(steps=WARMUP_STEPS + steps_per_epoch, train_seconds=train_clock, fvu=fvu1)]
        result.update(seconds_warmup=t_warm, seconds_epoch=t_epoch, samples_per_s=n / t_epoch,
                      dense_gflops_per_s=12 * BATCH * D * N_LATENTS * steps_per_epoch / t_epoch / 1e9,
                      fvu_epoch1=fvu1, dead_fraction_epoch1=dead,
                      firing_rows_per_latent_epoch1=dict(
                          min=int(adapter.firing.counts.min()), median=float(adapter.firing.counts.float().median()),
                          max=int(adapter.firing.counts.max())))
        print(f'[{adapter.peer}] epoch 1: {t_epoch:.2f}s, {n / t_epoch:,.0f} samples/s, FVU {fvu1:.4f}, '
              f'dead {dead:.3f}', flush=True)

        # 5. time to FVU target
        reached = train_clock if fvu1 <= FVU_TARGET else None
        epoch, pos, steps = 1, 0, WARMUP_STEPS + steps_per_epoch
        wall0 = time.perf_counter()
        while reached is None and train_clock < args.cap_seconds:
            if pos >= steps_per_epoch: epoch, pos = epoch + 1, 0
            if pos == 0: perm = epoch_perm(n, epoch, device)
            stop = min(pos + EVAL_EVERY, steps_per_epoch)
            sync(device); t0 = time.perf_counter()
            adapter.train_steps(batches(train, perm, pos, stop))
            sync(device); train_clock += time.perf_counter() - t0
            steps += stop - pos; pos = stop
            fvu = heldout_fvu(adapter, held)
            trace.append(dict(steps=steps, train_seconds=train_clock, fvu=fvu))
            if fvu <= FVU_TARGET: reached = train_clock
        result.update(seconds_to_fvu_0_3=reached, fvu_target=FVU_TARGET, cap_seconds=args.cap_seconds,
                      steps_total=steps, train_seconds_total=train_clock,
                      wall_seconds_time_to_fvu_loop=time.perf_counter() - wall0,
                      fvu_final=trace[-1]['fvu'], trace=trace,
                      reached_at_epoch1_eval=reached is not None and len(trace) == 1)
        print(f'[{adapter.peer}] time to FVU {FVU_TARGET}: '
              f'{"%.1fs" % reached if reached is not None else ">cap"} ({steps} steps, last FVU {trace[-1]["fvu"]:.4f})',
              flush=True)
        result.update(ok=True)
    except Exception as e:
        import traceback
        result.update(ok=False, error=f'{type(e).__name__}: {e}', traceback=traceback.format_exc())
        print(result['traceback'], file=sys.stderr, flush=True)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f: json.dump(result, f, indent=1, default=str)
    return 0 if result['ok'] else 1
