"""interpkit's TopK SAE under the shared protocol of bench/sae_peers/common.py.

`SparseAutoencoder(SAEConfig(512, 4096, 'topk', k=32))` trained by `SAETrainer` (the per-step engine behind
`train_sae`), Adam lr 4e-4, batch 4096, with its defaults: tied initialisation, `b_dec` started at the first
batch's mean, unit-norm atoms with the parallel gradient component removed, AuxK for latents dead for
65,536 samples, the sparse TopK path (encoder backward and decoder touch only the k active latents).
`INTERPKIT_MATMUL=bfloat16` runs the encoder's dense matmul in bf16 (AMX on recent CPUs, tensor cores on GPUs);
everything else stays fp32.
"""
import os

import torch

import common as C
from interpkit.sae import SAEConfig, SparseAutoencoder
from interpkit.sae_training import SAETrainer, TrainConfig

MATMUL = os.environ.get('INTERPKIT_MATMUL', 'float32')


class InterpkitTopK(C.Adapter):
    peer, package = ('interpkit' if MATMUL == 'float32' else 'interpkit_bf16'), 'interpkit'

    def __init__(self, device):
        super().__init__(device)
        self.sae = SparseAutoencoder(SAEConfig(C.D, C.N_LATENTS, 'topk', k=C.K), seed=0)
        self.trainer = SAETrainer(self.sae, TrainConfig(batch_size=C.BATCH, lr=C.LR, matmul_dtype=MATMUL), device=device)
        self.overrides = {}
        self.notes = [f'encoder matmul in {MATMUL}', 'library defaults otherwise (AuxK on, tied init, unit-norm atoms)']

    def step(self, x):
        _, stats = self.trainer.step(x)
        if self.firing.active: self.firing.counts += stats['fired'].to(self.firing.counts)

    def reconstruct(self, x):
        self.sae.eval()
        try: return self.sae(x)[1]
        finally: self.sae.train()


if __name__ == '__main__':
    raise SystemExit(C.run(InterpkitTopK))
