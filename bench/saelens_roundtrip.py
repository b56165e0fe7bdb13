"""Check interpkit's SAELens interchange against SAELens itself (run with the interpreter that has interpkit).

1. interpkit -> SAELens: interpkit TopK, JumpReLU and BatchTopK SAEs (with input normalisation, trained a few
   steps so that nothing is at its initial value) are exported with `to_saelens`; SAELens (`SAE.load_from_disk`,
   in its own venv, bench/.envs/sae_lens, created by bench/sae_peers.py) loads them and its `encode`/`decode` on
   the same inputs must match interpkit's codes and reconstructions.
2. SAELens -> interpkit: SAELens TopK and JumpReLU SAEs with random weights are saved by SAELens
   (`save_model`), imported with `from_saelens`, and interpkit's outputs must match SAELens'.

Run:  python bench/saelens_roundtrip.py
"""
import json, subprocess, sys, tempfile, textwrap
from pathlib import Path

import torch

from interpkit.sae import SAEConfig, SparseAutoencoder, from_saelens, planted_sparse_data, to_saelens
from interpkit.sae_training import TrainConfig, train_sae

ENV = Path(__file__).parent/'.envs'/'sae_lens'/'bin'/'python'

SAELENS_SIDE = textwrap.dedent('''
    import json, sys, torch
    from pathlib import Path
    from safetensors.torch import load_file, save_file
    from sae_lens import SAE, TopKSAE, TopKSAEConfig, JumpReLUSAE, JumpReLUSAEConfig
    root = Path(sys.argv[1]); x = load_file(str(root/'inputs.safetensors'))['x']
    out = {}
    for name in json.loads((root/'exported.json').read_text()):
        sae = SAE.load_from_disk(str(root/name))
        z = sae.encode(x); out[f'{name}.z'] = z.detach(); out[f'{name}.xh'] = sae.decode(z).detach()
    torch.manual_seed(0)
    for name, cfg_cls, cls, kw in [('sl_topk', TopKSAEConfig, TopKSAE, dict(k=8)), ('sl_jumprelu', JumpReLUSAEConfig, JumpReLUSAE, {})]:
        sae = cls(cfg_cls(d_in=64, d_sae=256, **kw))
        with torch.no_grad():
            for p in sae.parameters(): p.normal_(std=0.2)
            if hasattr(sae, 'threshold'): sae.threshold.uniform_(0.05, 0.3)
        sae.save_model(str(root/name))
        z = sae.encode(x); out[f'{name}.z'] = z.detach(); out[f'{name}.xh'] = sae.decode(z).detach()
    save_file({k: v.contiguous() for k, v in out.items()}, str(root/'saelens_outputs.safetensors'))
''')


def main():
    if not ENV.exists(): raise SystemExit(f'{ENV} missing: run `python bench/sae_peers.py --setup-only` first')
    from safetensors.torch import load_file, save_file
    x, _ = planted_sparse_data(4096, d=64, n_features=256, k=4, seed=1)
    probe = x[:512]*3 + 0.5
    rows = []
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        save_file({'x': probe.contiguous()}, str(root/'inputs.safetensors'))
        ours = {}
        for v in ('topk', 'jumprelu', 'batchtopk'):
            sae = train_sae(SAEConfig(64, 256, v, k=8, normalization='scale', l0_coefficient=0.5, threshold_init=0.3),
                            x*3 + 0.5, TrainConfig(batch_size=512, lr=1e-3, steps=40), progress=False)
            to_saelens(sae, root/v)
            ours[v] = sae(probe)
        (root/'exported.json').write_text(json.dumps(list(ours)))
        r = subprocess.run([str(ENV), '-c', SAELENS_SIDE, str(root)], capture_output=True, text=True)
        if r.returncode: raise SystemExit(r.stderr)
        theirs = load_file(str(root/'saelens_outputs.safetensors'))
        for v, (z, xh) in ours.items():
            rows.append((f'interpkit {v} -> SAELens', (theirs[f'{v}.z'] - z).abs().max().item(), (theirs[f'{v}.xh'] - xh).abs().max().item(),
                         (z > 0).float().sum(1).mean().item()))
        for name in ('sl_topk', 'sl_jumprelu'):
            sae = from_saelens(root/name, device='cpu')
            z, xh = sae(probe)
            rows.append((f'SAELens {name[3:]} -> interpkit', (theirs[f'{name}.z'] - z).abs().max().item(),
                         (theirs[f'{name}.xh'] - xh).abs().max().item(), (z > 0).float().sum(1).mean().item()))
    print('| direction | max abs diff codes | max abs diff reconstruction | mean L0 |\n|---|---|---|---|')
    ok = True
    for name, dz, dx, l0 in rows:
        print(f'| {name} | {dz:.2e} | {dx:.2e} | {l0:.1f} |')
        ok &= dz < 1e-4 and dx < 1e-3 and l0 > 0
    print('all match' if ok else 'MISMATCH'); sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
