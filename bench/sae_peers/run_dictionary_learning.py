"""dictionary_learning (saprmarks; `dictionary-learning` on PyPI): `AutoEncoderTopK` trained by
`TopKTrainer.update(step, x)`, the step its `trainSAE` loop calls for each activation batch.

`TopKTrainer(steps, activation_dim=512, dict_size=4096, k=32, layer=0, lm_name='planted', lr=4e-4,
warmup_steps=0, seed=0, device=...)`; its other defaults are kept: auxk_alpha=1/32 (AuxK on, with its
dead-feature threshold of 10,000,000 tokens), threshold_beta / threshold_start_step=1000, no decay. `update`
does: on step 0 `b_dec` <- geometric median of the batch; loss (encode with top-k, decode, sum-of-squares per row
averaged, + AuxK); backward; remove the decoder-gradient component parallel to the decoder directions;
`clip_grad_norm_(..., 1.0)`; Adam step; zero grad; scheduler step; renormalise the decoder; `loss.item()`.
Firing is counted from the codes its `encode(..., return_topk=True)` returns during `update` (a thin wrapper on
the instance that only observes). Held-out reconstruction is `ae(x)` (= decode(encode(x)), no threshold).

Overridden: `lr` (its default: 2e-4 / sqrt(4096 / 2^14) = 4e-4, the same value, passed explicitly) and
`warmup_steps` 1000 -> 0 (linear LR warm-up; the benchmark uses a constant LR for every peer). `steps` (the
schedule's length) is set to 10^9, which with no decay and no warm-up leaves the LR constant.

On CPU its `remove_gradient_parallel_to_decoder_directions` einsum ("d_in d_sae, d_in d_sae -> d_sae") runs as a
batched matmul of 4096 strided 1x512 @ 512x1 products (aten::bmm). With 1 thread that takes ~0.1 s; with 2
threads on a machine where another process was busy it took anywhere from 0.1 s to 80 s per call (torch 2.14.1),
so dictionary_learning's CPU numbers are by far the most sensitive to other load on the machine. Measured as
shipped; nothing changed.
"""
from dictionary_learning.trainers.top_k import TopKTrainer

import common as C


class DictionaryLearning(C.Adapter):
    peer, package = 'dictionary_learning', 'dictionary-learning'

    def __init__(self, device):
        super().__init__(device)
        self.trainer = TopKTrainer(steps=10 ** 9, activation_dim=C.D, dict_size=C.N_LATENTS, k=C.K, layer=0,
                                   lm_name='planted', lr=C.LR, warmup_steps=0, seed=0, device=device)
        self.ae = self.trainer.ae
        self.n_steps = 0
        encode = self.ae.encode

        def observed_encode(x, return_topk=False, use_threshold=False):
            out = encode(x, return_topk=return_topk, use_threshold=use_threshold)
            if return_topk: self.firing.mark_topk(out[1], out[2])
            return out
        self.ae.encode = observed_encode
        self.overrides = dict(warmup_steps='0 (default 1000: linear LR warm-up)',
                              lr=f'{C.LR} passed explicitly (its auto value for 4096 latents is the same)')
        self.notes = [f'TopKTrainer defaults kept: auxk_alpha={self.trainer.auxk_alpha}, '
                      f'dead_feature_threshold={self.trainer.dead_feature_threshold}, '
                      f'threshold_start_step={self.trainer.threshold_start_step}',
                      'update() ends with loss.item() (a device sync each step), as in the library',
                      'step 0 (a warm-up step) sets b_dec to the geometric median of the batch',
                      'on CPU its remove_gradient_parallel_to_decoder_directions einsum runs as a strided bmm '
                      'that is very sensitive to other load with >1 thread (0.1 s to 80 s per call seen on 2 '
                      'contended cores; ~0.1 s with 1 thread)']

    def step(self, x):
        self.trainer.update(self.n_steps, x)
        self.n_steps += 1

    def reconstruct(self, x): return self.ae(x)


if __name__ == '__main__':
    raise SystemExit(C.run(DictionaryLearning))
