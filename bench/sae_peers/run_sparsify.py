"""EleutherAI sparsify (`eai-sparsify` on PyPI, import name `sparsify`): `SparseCoder` with its fused encoder
(`fused_encoder`: linear + ReLU + top-k with an index_add backward), its sparse decoder (`decoder_impl`: Triton
embedding-bag on CUDA, `embedding_bag` otherwise) and its FVU loss.

sparsify's own `Trainer` only trains on hooked language-model activations, so this runner repeats its per-step
logic for the SAE (autoencoding, `loss_fn='fvu'`) case, in its order (sparsify 1.3.3, `trainer.py`):
  - first step: `b_dec` <- batch mean;
  - `set_decoder_norm_to_unit_norm()`; dead mask from tokens-since-fired only if `auxk_alpha > 0`;
  - `out = sae(x=x, y=x, dead_mask=..., total_variance=sum((x - mean(x))^2))` (its forward runs under bf16
    autocast on CUDA GPUs that support bf16, as the library decorates it);
  - `loss = out.fvu + auxk_alpha * out.auxk_loss + out.multi_topk_fvu / 8`; backward;
  - `remove_gradient_parallel_to_decoder_directions()`; optimiser step; zero grad; tokens-since-fired update.
Config: `SparseCoderConfig(num_latents=4096, k=32)` (activation 'topk', normalize_decoder, no multi-topk, no skip);
`TrainConfig` defaults for the rest: `auxk_alpha=0.0` (AuxK off), `dead_feature_threshold=10_000_000` tokens.

Overridden: the optimiser (TrainConfig default 'signum' = schedule-free SignSGD, lr 5e-3/sqrt(4096/2^14)) by
torch.optim.Adam lr 4e-4 with no warm-up (its 'adam' option would add a 1000-step linear warm-up and try
bitsandbytes 8-bit Adam). On CPU `SPARSIFY_DISABLE_TRITON=1` (the library's switch) selects the eager decoder,
because the Triton kernel cannot run on CPU tensors.
"""
import os

import torch

import common as C

ARGS = C.parse_args()
if torch.device(ARGS.device).type != 'cuda': os.environ['SPARSIFY_DISABLE_TRITON'] = '1'

from sparsify import SparseCoder, SparseCoderConfig, TrainConfig  # noqa: E402
from sparsify.utils import decoder_impl  # noqa: E402


class Sparsify(C.Adapter):
    peer, package = 'sparsify', 'eai-sparsify'

    def __init__(self, device):
        super().__init__(device)
        self.cfg = SparseCoderConfig(num_latents=C.N_LATENTS, k=C.K)
        self.tcfg = TrainConfig(sae=self.cfg)  # only for its defaults (auxk_alpha, dead_feature_threshold)
        self.sae = SparseCoder(C.D, self.cfg, device=device, dtype=torch.float32)
        self.opt = torch.optim.Adam(self.sae.parameters(), lr=C.LR)
        self.num_tokens_since_fired = torch.zeros(C.N_LATENTS, dtype=torch.long, device=device)
        self.first = True
        self.overrides = dict(
            optimizer=f'torch.optim.Adam(lr={C.LR}), no warm-up (TrainConfig default: optimizer={self.tcfg.optimizer!r}, '
                      f'lr=None -> auto; its adam option: lr_warmup_steps={self.tcfg.lr_warmup_steps})')
        if torch.device(device).type != 'cuda':
            self.overrides['SPARSIFY_DISABLE_TRITON'] = '1 (eager embedding_bag decoder; Triton needs CUDA)'
        self.notes = [f'SparseCoderConfig={self.cfg.to_dict()}',
                      f'TrainConfig defaults kept: auxk_alpha={self.tcfg.auxk_alpha}, '
                      f'dead_feature_threshold={self.tcfg.dead_feature_threshold}, loss_fn={self.tcfg.loss_fn!r}',
                      f'decoder_impl={decoder_impl.__name__}',
                      'per-step logic of sparsify.Trainer (which needs a language model) repeated for raw vectors',
                      'forward under the library\'s bf16 autocast on CUDA if bf16 is supported (its decorator)']

    def step(self, x):
        sae, tcfg = self.sae, self.tcfg
        if self.first:
            sae.b_dec.data = x.mean(0).to(sae.dtype)
            self.first = False
        if sae.cfg.normalize_decoder: sae.set_decoder_norm_to_unit_norm()
        dead_mask = (self.num_tokens_since_fired > tcfg.dead_feature_threshold if tcfg.auxk_alpha > 0 else None)
        total_variance = (x - x.mean(0)).pow(2).sum()
        out = sae(x=x, y=x, dead_mask=dead_mask, total_variance=total_variance)
        self.firing.mark_topk(out.latent_acts, out.latent_indices)
        did_fire = torch.zeros(C.N_LATENTS, dtype=torch.bool, device=x.device)
        did_fire[out.latent_indices.flatten()] = True
        loss = out.fvu + tcfg.auxk_alpha * out.auxk_loss + out.multi_topk_fvu / 8
        loss.backward()
        if sae.cfg.normalize_decoder: sae.remove_gradient_parallel_to_decoder_directions()
        self.opt.step()
        self.opt.zero_grad()
        with torch.no_grad():
            self.num_tokens_since_fired += len(x)
            self.num_tokens_since_fired[did_fire] = 0

    def reconstruct(self, x):
        top_acts, top_indices, _ = self.sae.encode(x)
        return self.sae.decode(top_acts, top_indices)


if __name__ == '__main__':
    raise SystemExit(C.run(Sparsify, ARGS))
