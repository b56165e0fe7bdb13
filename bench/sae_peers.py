"""SAE peer benchmark: the same TopK SAE trained by interpkit and by other SAE libraries.

What it measures
----------------
Each peer trains its own TopK sparse autoencoder with the same shape and optimiser: d=512 inputs,
a dictionary of 4096 latents, k=32, batch 4096, Adam lr 4e-4 (constant, default betas), float32 weights and
data, on 262,144 training vectors with planted sparse structure (each the sum of about 8 of 4096 random unit
features with power-law frequencies, feature i active with probability ~ (i+1)^-alpha, magnitudes in [0.5, 1.5],
plus Gaussian noise; seed 0), with 16,384 further vectors held out. The data come from one call
`interpkit.sae.planted_sparse_data(278_528, d=512, n_features=4096, seed=0)` (k, alpha, noise: its defaults, which
are recorded in the results): the first 262,144 rows train, the next 16,384 are held out. If interpkit lacks
the function, a stand-in in this file drawing from the same distribution is used. The data are written once to
`bench/results/planted.safetensors` and regenerated only if the generator or its parameters change.

Peers, each in its own virtual environment under `bench/.envs/<peer>` (interpkit and the plain-PyTorch
reference run in the interpreter that runs this driver), one process at a time:
  - sae_lens            `sae-lens`            TopKTrainingSAE stepped by its SAETrainer.step
  - overcomplete        `overcomplete`        TopKSAE trained by its train_sae with an MSE criterion
  - dictionary_learning `dictionary-learning` AutoEncoderTopK stepped by TopKTrainer.update
  - sparsify            `eai-sparsify`        SparseCoder (fused encoder, sparse decoder, FVU loss) in a copy of
                                              its Trainer's per-step logic (its Trainer needs a language model)
  - torch                                     a plain-PyTorch TopK loop (bench/sae_peers/run_torch.py)
  - interpkit                                 bench/sae_peers/run_interpkit.py
Each runner's docstring says what of the library's defaults had to be overridden; the result JSON repeats it.

For every peer it reports:
  - samples/s over one epoch (64 steps), timed after 2 warm-up steps that are not counted;
  - the dense-equivalent GFLOP/s, 12 * batch * d * dict FLOPs per step (forward and backward of a dense encoder
    and decoder), and its share of the machine's float32 matmul peak, measured in the same run (best of several
    4096x4096 @ 4096x4096 float32 matmuls on the device; on CUDA with TF32 off, torch's default);
  - held-out FVU after that epoch, sum((x - x_hat)^2) / sum((x - mean(x))^2) over the held-out rows, and the
    dead fraction, the share of latents whose code was > 0 for no training row during the epoch, both computed by
    the same code (bench/sae_peers/common.py) from each library's own encode/decode outputs;
  - the training wall time to reach held-out FVU <= 0.3 (evaluated every 8 steps, evaluation time excluded,
    warm-up and the first epoch included), or '>cap' after 600 s of training;
and for interpkit its ratio to the fastest other peer in samples/s and in time to FVU 0.3.
The full protocol is in the docstring of bench/sae_peers/common.py.

Run
---
    python bench/sae_peers.py                       # all peers, CPU, 10-minute cap each
    python bench/sae_peers.py --device cuda         # on a GPU machine
    python bench/sae_peers.py --peers torch,sparsify --cap-seconds 120
    python bench/sae_peers.py --setup-only          # create the peer venvs and the data, run nothing
    python bench/sae_peers.py --quick               # development: 16,384 training rows, 30 s cap

Run it with the interpreter that has interpkit installed. The first run creates the venvs
(`python -m venv`, then `pip install torch==2.14.1 <peer package> safetensors numpy`, falling back to letting pip
choose torch if the peer excludes 2.14.1) and the data file. Results: a table on stdout,
`bench/results/sae_peers.json` (`sae_peers_quick.json` with --quick) and one JSON per peer in
`bench/results/sae_peers/`. Expect about 10-13 minutes per peer on a CPU when a peer does not reach the target;
dictionary_learning can take far longer on a CPU shared with other work (see bench/sae_peers/run_dictionary_learning.py).
A runner that fails or times out (2 x cap + 1 h) is reported as FAILED with its error, and the others still run.

Results
-------
2026-11-22, this project's 2-core CPU machine (Intel, AVX-512 + AMX), nothing else running, one run of
`python bench/sae_peers.py` (peers one after another); float32 matmul peak measured in the run: 255.0 GFLOP/s.
`interpkit_bf16` is interpkit with `TrainConfig(matmul_dtype='bfloat16')` (encoder matmul and its top-k in bf16,
everything else fp32); its FVU equals the fp32 run's, so the comparison is fair.

    peer                 version  samples/s  GFLOP/s  % fp32 peak  FVU@1ep  dead@1ep  s to FVU 0.3
    sae_lens             6.54.12      4,000    100.7         39.5   0.7162     0.000  >600 (FVU 0.430 at 600 s)
    overcomplete         0.3.0        4,945    124.4         48.8   0.9029     0.000  >600 (FVU 0.425)
    dictionary_learning  0.1.0        4,340    109.2         42.8   0.6512     0.000  >600 (FVU 0.355)
    sparsify             1.3.3        5,892    148.3         58.1   0.6276     0.000  365.3
    torch (plain loop)   2.14.1       5,112    128.7         50.5   0.1254     0.000  53.1
    interpkit            0.0.1       15,448    388.8        152.5   0.1243     0.000  17.5
    interpkit_bf16       0.0.1       20,146    507.0        198.8   0.1243     0.000  13.5

interpkit (fp32) vs the fastest peer (sparsify): samples/s x2.62 at FVU 0.124 vs 0.628; time to FVU 0.3 x0.33 of
the fastest peer to get there (the plain torch loop, 53.1 s) and x0.05 of the fastest library (sparsify, 365 s).
interpkit_bf16: x3.42 samples/s, time to FVU 0.3 x0.25 / x0.04. Shares above 100% of the dense fp32 peak are
possible because interpkit's TopK backward and decoder touch only the k active latents (sparse products), so it
does far fewer than the dense-equivalent FLOPs it is credited with. No GPU was lent: the CUDA path is untested.

A second run later the same day, `--peers sparsify,torch,interpkit,interpkit_bf16` (the three libraries that never
reach FVU 0.3 left out), fp32 peak 221.5 GFLOP/s. sparsify was faster than in the first run, which shared the
machine with other work while sparsify ran:

    peer                 samples/s  GFLOP/s  % fp32 peak  FVU@1ep  dead@1ep  s to FVU 0.3
    sparsify                 9,289    233.8        105.5   0.6276     0.000  273.7
    torch (plain loop)       4,972    125.1         56.5   0.1254     0.000  54.2
    interpkit               16,817    423.2        191.1   0.1243     0.000  16.1
    interpkit_bf16          20,035    504.2        227.6   0.1243     0.000  13.6

interpkit vs sparsify: samples/s x1.81 (bf16 x2.16) at FVU 0.124 vs 0.628; time to FVU 0.3 x0.30 of the fastest
peer (torch, 54.2 s) and x0.06 of sparsify.
"""
import argparse, json, os, platform, subprocess, sys, time
from collections import deque
from pathlib import Path

import torch

BENCH = Path(__file__).resolve().parent
RUNNERS, ENVS, RESULTS = BENCH / 'sae_peers', BENCH / '.envs', BENCH / 'results'
TORCH_PIN = 'torch==2.14.1'
N_TRAIN, N_HELDOUT, D, N_LATENTS, BATCH = 262_144, 16_384, 512, 4096, 4096
QUICK_TRAIN, QUICK_CAP = 16_384, 30.0

# peer -> pip distribution installed into its venv (None: runs in the driver's own interpreter)
PEERS = {
    'sae_lens': 'sae-lens',
    'overcomplete': 'overcomplete',
    'dictionary_learning': 'dictionary-learning',
    'sparsify': 'eai-sparsify',
    'torch': None,
    'interpkit': None,
    'interpkit_bf16': None,
}
# extra requirements a peer needs to import at all, with the reason
EXTRA = {
    'overcomplete': (['matplotlib<3.9'], 'overcomplete 0.3.0 calls plt.cm.get_cmap, removed in matplotlib 3.9'),
}
VERSION_OF = {'torch': 'torch', 'interpkit': 'interpkit', 'interpkit_bf16': 'interpkit'}  # distribution reported for the in-driver peers


# ---------------------------------------------------------------------------------------------------- data
try:
    from interpkit.sae import planted_sparse_data
    DATA_SOURCE = 'interpkit.sae.planted_sparse_data'
except ImportError:
    DATA_SOURCE = 'bench/sae_peers.py stand-in'

    def planted_sparse_data(n, d=512, n_features=4096, k=8, alpha=0.5, noise=0.05, seed=0, chunk=65_536):
        """Stand-in for `interpkit.sae.planted_sparse_data` (same distribution, not bit-identical rows), used only
        when the installed interpkit lacks it:
        `n` vectors, each a sum of about `k` of `n_features` random unit features; feature i is active with
        probability proportional to (i+1)^-alpha, scaled so that `k` are active on average; magnitudes uniform in
        [0.5, 1.5]; Gaussian noise of total norm about `noise`. Returns (x [n, d], features [n_features, d])."""
        g = torch.Generator().manual_seed(seed)
        features = torch.nn.functional.normalize(torch.randn(n_features, d, generator=g), dim=1)
        p = (torch.arange(n_features) + 1.0) ** -alpha
        p = (p * k / p.sum()).clamp(max=1.0)
        x = torch.empty(n, d)
        for s in range(0, n, chunk):
            m = min(chunk, n - s)
            active = torch.rand(m, n_features, generator=g) < p
            mag = (torch.rand(m, n_features, generator=g) + 0.5) * active
            x[s:s + m] = mag @ features + torch.randn(m, d, generator=g) * (noise / d ** 0.5)
        return x, features


def data_params():
    "The generator's parameters as called here: n and seed set, the rest the generator's own defaults."
    import inspect
    ps = {k: v.default for k, v in inspect.signature(planted_sparse_data).parameters.items()
          if v.default is not inspect.Parameter.empty}
    ps.update(n=N_TRAIN + N_HELDOUT, d=D, n_features=N_LATENTS, seed=0)
    return ps


def ensure_data(path: Path) -> dict:
    "Write train/heldout once; regenerate only if the file is missing or was made by another generator."
    from safetensors import safe_open
    from safetensors.torch import save_file
    params = data_params()
    meta = dict(source=DATA_SOURCE, n_train=str(N_TRAIN), n_heldout=str(N_HELDOUT),
                **{k: str(v) for k, v in params.items()})
    if path.exists():
        with safe_open(str(path), framework='pt') as f:
            if (f.metadata() or {}) == meta: return meta
        print(f'{path} was made with other settings; regenerating')
    print(f'generating planted data with {DATA_SOURCE} (n={N_TRAIN + N_HELDOUT}) ...', flush=True)
    t0 = time.perf_counter()
    x, features = planted_sparse_data(params['n'], d=D, n_features=N_LATENTS, seed=0)
    x = x.float().cpu()
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(dict(train=x[:N_TRAIN].contiguous(), heldout=x[N_TRAIN:].contiguous(),
                   features=features.float().cpu().contiguous()), str(path), metadata=meta)
    print(f'  done in {time.perf_counter() - t0:.1f}s -> {path}', flush=True)
    return meta


# ---------------------------------------------------------------------------------------------------- envs
def env_python(peer):
    return Path(sys.executable) if PEERS[peer] is None else ENVS / peer / 'bin' / 'python'


def pip_install(py, args, log):
    with open(log, 'a') as f:
        f.write(f'\n$ {py} -m pip install {" ".join(args)}\n'); f.flush()
        return subprocess.run([str(py), '-m', 'pip', 'install', *args], stdout=f, stderr=subprocess.STDOUT).returncode


def env_versions(peer):
    "Installed versions of the peer's distribution and torch in its interpreter (None where missing)."
    dist = PEERS[peer] or VERSION_OF[peer]
    code = ('import json, importlib.metadata as m\n'
            'def v(d):\n'
            '    try: return m.version(d)\n'
            '    except Exception: return None\n'
            f'print(json.dumps(dict(package={dist!r}, version=v({dist!r}), torch=v("torch"))))')
    try:
        out = subprocess.run([str(env_python(peer)), '-c', code], capture_output=True, text=True, timeout=120)
        return json.loads(out.stdout.strip().splitlines()[-1])
    except Exception as e:
        return dict(package=dist, version=None, torch=None, error=repr(e))


def ensure_env(peer) -> dict:
    "Create bench/.envs/<peer> and install the peer there if that has not been done; return install info."
    dist = PEERS[peer]
    if dist is None: return dict(env=sys.prefix, **env_versions(peer))
    env, py = ENVS / peer, env_python(peer)
    log, marker = ENVS / f'{peer}.install.log', env / '.bench-installed.json'
    if marker.exists() and py.exists():
        info = json.loads(marker.read_text())
        info.update(env_versions(peer))
        return info
    ENVS.mkdir(parents=True, exist_ok=True)
    info = dict(env=str(env), install_log=str(log))
    if not py.exists():
        print(f'[{peer}] creating venv {env}', flush=True)
        subprocess.run([sys.executable, '-m', 'venv', str(env)], check=True)
    extra, why = EXTRA.get(peer, ([], None))
    if why: info['extra_requirements'] = dict(requirements=extra, why=why)
    cmd = [TORCH_PIN, dist, 'safetensors', 'numpy', *extra]
    print(f'[{peer}] pip install {" ".join(cmd)}  (log: {log})', flush=True)
    rc = pip_install(py, cmd, log)
    info.update(install_cmd=f'pip install {" ".join(cmd)}', torch_pinned=True)
    if rc != 0:
        cmd = [dist, 'safetensors', 'numpy', *extra]
        print(f'[{peer}] pinned install failed (rc={rc}); letting pip choose torch: pip install {" ".join(cmd)}',
              flush=True)
        rc = pip_install(py, cmd, log)
        info.update(install_cmd=f'pip install {" ".join(cmd)}', torch_pinned=False)
    info.update(install_rc=rc, **env_versions(peer))
    if rc == 0 and info.get('version'):
        marker.write_text(json.dumps(info, indent=1))
    else:
        info['error'] = f'pip install failed (rc={rc}); see {log}'
        print(f'[{peer}] {info["error"]}', flush=True)
    return info


# ---------------------------------------------------------------------------------------------------- peak
def fp32_matmul_peak(device, n=4096, reps=6):
    "Best-of-`reps` GFLOP/s of an n x n @ n x n float32 matmul on `device` (after one untimed warm-up)."
    dev = torch.device(device)
    a, b = torch.randn(n, n, device=dev), torch.randn(n, n, device=dev)
    sync = torch.cuda.synchronize if dev.type == 'cuda' else (lambda: None)
    inner = 10 if dev.type == 'cuda' else 1
    (a @ b); sync()
    best = float('inf')
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner): c = a @ b
        sync(); best = min(best, (time.perf_counter() - t0) / inner)
    del c
    return 2 * n ** 3 / best / 1e9


# ---------------------------------------------------------------------------------------------------- run
def run_peer(peer, data, device, cap, train_rows, out: Path, timeout):
    py, runner = env_python(peer), RUNNERS / f'run_{peer}.py'
    cmd = [str(py), str(runner), '--data', str(data), '--device', device, '--cap-seconds', str(cap),
           '--out', str(out)] + (['--train-rows', str(train_rows)] if train_rows else [])
    if out.exists(): out.unlink()
    print(f'\n=== {peer}: {" ".join(cmd)}', flush=True)
    tail = deque(maxlen=40)
    t0 = time.perf_counter()
    env = dict(os.environ, PYTHONUNBUFFERED='1', WANDB_MODE='disabled', TOKENIZERS_PARALLELISM='false')
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                cwd=str(BENCH.parent))
        for line in proc.stdout:
            print(f'  | {line}', end='', flush=True); tail.append(line)
            if time.perf_counter() - t0 > timeout:
                proc.kill(); tail.append(f'killed after {timeout:.0f}s\n'); break
        rc = proc.wait()
    except Exception as e:
        rc, tail = -1, deque([repr(e)])
    res = {}
    if out.exists():
        try: res = json.loads(out.read_text())
        except Exception as e: res = dict(error=f'unreadable result JSON: {e!r}')
    res.setdefault('peer', peer)
    res['runner_rc'], res['runner_wall_seconds'] = rc, time.perf_counter() - t0
    if rc != 0 or not res.get('ok'):
        res['ok'] = False
        res.setdefault('error', f'runner exited {rc} without a result')
        res['output_tail'] = ''.join(tail)[-4000:]
        print(f'[{peer}] FAILED: {res["error"]}', flush=True)
    return res


def fmt(v, spec):
    return '-' if v is None else format(v, spec)


def table(rows, peak):
    hdr = ['peer', 'version', 'torch', 'samples/s', 'GFLOP/s', '% fp32 peak', 'FVU@1ep', 'dead@1ep', 's to FVU 0.3']
    body, failed = [], []
    for r in rows:
        if not r.get('ok'):
            failed.append(f"{r['peer']}: FAILED: {(r.get('error') or '?').splitlines()[0][:160]}")
            continue
        gf, t = r['dense_gflops_per_s'], r['seconds_to_fvu_0_3']
        body.append([r['peer'], str(r['version']), r['torch_version'], fmt(r['samples_per_s'], ',.0f'),
                     fmt(gf, '.1f'), fmt(100 * gf / peak, '.1f'), fmt(r['fvu_epoch1'], '.4f'),
                     fmt(r['dead_fraction_epoch1'], '.3f'), fmt(t, '.1f') if t is not None else f'>{r["cap_seconds"]:.0f}'])
    w = [max([len(h)] + [len(l[i]) for l in body]) for i, h in enumerate(hdr)]
    out = ['  '.join(c.ljust(w[i]) for i, c in enumerate(l)).rstrip() for l in [hdr, ['-' * x for x in w], *body]]
    return '\n'.join(out + failed)


def is_interpkit(peer): return peer.startswith('interpkit')


def ratios(rows):
    """For each interpkit row (`interpkit`, or e.g. `interpkit_bfloat16` when its runner reports a variant): its
    samples/s and time-to-FVU ratios to the fastest other peer, and to the fastest library (the torch reference
    loop left out). A time ratio is None when interpkit or every peer in the pool missed the target."""
    ok = {r['peer']: r for r in rows if r.get('ok')}
    res = {}
    for name, ik in ok.items():
        if not is_interpkit(name): continue
        res[name] = {}
        for label, pool in [('fastest_peer', [p for p in ok if not is_interpkit(p)]),
                            ('fastest_library', [p for p in ok if not is_interpkit(p) and p != 'torch'])]:
            if not pool: continue
            best = max(pool, key=lambda p: ok[p]['samples_per_s'])
            d = dict(samples_per_s_peer=best, samples_per_s_ratio=ik['samples_per_s'] / ok[best]['samples_per_s'],
                     interpkit_seconds_to_fvu=ik['seconds_to_fvu_0_3'], time_to_fvu_peer=None,
                     time_to_fvu_ratio=None)
            timed = [p for p in pool if ok[p]['seconds_to_fvu_0_3'] is not None]
            if timed:
                bt = min(timed, key=lambda p: ok[p]['seconds_to_fvu_0_3'])
                d.update(time_to_fvu_peer=bt, peer_seconds_to_fvu=ok[bt]['seconds_to_fvu_0_3'])
                if ik['seconds_to_fvu_0_3'] is not None:
                    d['time_to_fvu_ratio'] = ik['seconds_to_fvu_0_3'] / ok[bt]['seconds_to_fvu_0_3']
            res[name][label] = d
    return res or None


def ratio_lines(r, cap):
    out = []
    for name, labels in (r or {}).items():
        for label, d in labels.items():
            line = (f'{name} vs {label.replace("_", " ")}: samples/s x{d["samples_per_s_ratio"]:.2f} '
                    f'({d["samples_per_s_peer"]}); time to FVU 0.3 ')
            if d['time_to_fvu_ratio'] is not None:
                line += f'x{d["time_to_fvu_ratio"]:.2f} ({d["time_to_fvu_peer"]})'
            elif d['time_to_fvu_peer'] is None:
                line += ('n/a: no peer in this pool reached it within the cap'
                         + (f' ({name}: {d["interpkit_seconds_to_fvu"]:.1f}s, so < x{d["interpkit_seconds_to_fvu"] / cap:.2f})'
                            if d['interpkit_seconds_to_fvu'] is not None else f'; nor did {name}'))
            else:
                line += (f'n/a: {name} did not reach it within the cap '
                         f'({d["time_to_fvu_peer"]}: {d["peer_seconds_to_fvu"]:.1f}s)')
            out.append(line)
    if out: out.append('(samples/s ratio > 1 and time ratio < 1 favour interpkit)')
    return out


def machine_info(device):
    info = dict(platform=platform.platform(), python=platform.python_version(), cpu_count=os.cpu_count(),
                torch=torch.__version__, torch_threads=torch.get_num_threads(), device=device)
    try:
        info['cpu'] = next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except Exception: pass
    if torch.device(device).type == 'cuda': info['gpu'] = torch.cuda.get_device_name()
    try: info['loadavg_at_start'] = os.getloadavg()
    except Exception: pass
    return info


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--peers', default=','.join(PEERS), help=f'comma-separated, from {",".join(PEERS)}')
    p.add_argument('--device', default='cpu', help='cpu or cuda')
    p.add_argument('--cap-seconds', type=float, default=None,
                   help=f'training-time cap for the time-to-FVU run (default 600, {QUICK_CAP:.0f} with --quick)')
    p.add_argument('--setup-only', action='store_true', help='create the venvs and the data, then stop')
    p.add_argument('--quick', action='store_true',
                   help=f'development: first {QUICK_TRAIN} training rows, {QUICK_CAP:.0f}s cap unless --cap-seconds')
    p.add_argument('--data', default=str(RESULTS / 'planted.safetensors'))
    a = p.parse_args(argv)
    peers = [s.strip() for s in a.peers.split(',') if s.strip()]
    bad = [s for s in peers if s not in PEERS]
    if bad: p.error(f'unknown peers {bad}; choose from {list(PEERS)}')
    cap = a.cap_seconds if a.cap_seconds is not None else QUICK_CAP if a.quick else 600.0
    train_rows = QUICK_TRAIN if a.quick else 0

    data = Path(a.data)
    data_meta = ensure_data(data)
    envs = {}
    for peer in peers:
        try: envs[peer] = ensure_env(peer)
        except Exception as e: envs[peer] = dict(error=repr(e)); print(f'[{peer}] env setup failed: {e!r}')
    if a.setup_only:
        print(json.dumps(envs, indent=1)); return 0

    print(f'\nmeasuring float32 matmul peak on {a.device} ...', flush=True)
    peak = fp32_matmul_peak(a.device, reps=3 if a.quick else 6)
    print(f'  {peak:.1f} GFLOP/s (best 4096^3 float32 matmul)', flush=True)

    out_dir = RESULTS / ('sae_peers_quick' if a.quick else 'sae_peers')
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for peer in peers:
        if envs[peer].get('error') and not envs[peer].get('version'):
            rows.append(dict(peer=peer, ok=False, error=envs[peer]['error'], version=None))
            print(f'[{peer}] skipped: {envs[peer]["error"]}'); continue
        res = run_peer(peer, data, a.device, cap, train_rows, out_dir / f'{peer}.json',
                       timeout=2 * cap + 3600)
        res.setdefault('version', envs[peer].get('version'))
        res['env'] = envs[peer]
        if res.get('ok'): res['pct_fp32_peak'] = 100 * res['dense_gflops_per_s'] / peak
        rows.append(res)

    print(f'\nSAE peers: d={D}, dict={N_LATENTS}, k=32, batch={BATCH}, Adam lr 4e-4, '
          f'{train_rows or N_TRAIN} training rows, device {a.device}, float32 matmul peak {peak:.1f} GFLOP/s, '
          f'cap {cap:.0f}s' + (' [QUICK]' if a.quick else ''))
    print(table(rows, peak))
    r = ratios(rows)
    for line in ratio_lines(r, cap): print(line)
    summary = dict(config=dict(d=D, n_latents=N_LATENTS, k=32, batch=BATCH, lr=4e-4, optimizer='Adam',
                               n_train=train_rows or N_TRAIN, n_heldout=N_HELDOUT, cap_seconds=cap, quick=a.quick,
                               flops_per_step=12 * BATCH * D * N_LATENTS, fvu_target=0.3, eval_every_steps=8,
                               warmup_steps=2),
                   machine=machine_info(a.device), fp32_matmul_peak_gflops=peak,
                   data=dict(path=str(data), **data_meta), envs=envs, results=rows, interpkit_ratios=r,
                   finished=time.strftime('%Y-%m-%d %H:%M:%S'))
    path = RESULTS / ('sae_peers_quick.json' if a.quick else 'sae_peers.json')
    path.write_text(json.dumps(summary, indent=1, default=str))
    print(f'\nwrote {path}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
