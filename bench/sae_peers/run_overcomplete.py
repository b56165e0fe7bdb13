"""overcomplete (`overcomplete` on PyPI): `TopKSAE` trained by its own `train_sae` with an MSE criterion, as in
its README (`criterion = (x - x_hat).square().mean()`).

`TopKSAE(512, nb_concepts=4096, top_k=32, device=...)` with its defaults: the 'linear' encoder (Linear 512->4096,
no norm layer, ReLU), top-k of the ReLU codes, a `DictionaryLayer` (4096 x 512, xavier init, rows L2-normalised
whenever the dictionary is read in training mode) and no decoder bias. `train_sae` does, per batch: zero grad,
forward, criterion, its dead-code tracker update, backward, `clip_grad_norm_(..., 1.0)` (its default clip_grad),
optimiser step. It is called with `nb_epochs=1` on each slice of batches the protocol asks for (2 warm-up
batches, the 64 batches of epoch 1, then 8 batches at a time) and `monitoring=0`: monitoring=1, its default, adds
`loss.item()`, an R2 and an L0 per step for its log, which no other peer computes. Firing is counted from the
codes the criterion receives. Held-out reconstruction uses `model.eval()` (its fused dictionary), `encode`,
`decode`, then `model.train()`.

Overridden: nothing of the library; it takes the optimiser from the caller (torch.optim.Adam lr 4e-4, no
scheduler, as in its README) and `monitoring=0` instead of 1. overcomplete 0.3.0 needs matplotlib < 3.9 to import
(it calls `plt.cm.get_cmap`, removed in 3.9), so its env pins that.
"""
import torch
from overcomplete.sae import TopKSAE, train_sae

import common as C


class Overcomplete(C.Adapter):
    peer, package = 'overcomplete', 'overcomplete'

    def __init__(self, device):
        super().__init__(device)
        self.sae = TopKSAE(C.D, nb_concepts=C.N_LATENTS, top_k=C.K, device=device)
        self.opt = torch.optim.Adam(self.sae.parameters(), lr=C.LR)
        self.overrides = dict(monitoring='0 (train_sae default 1 logs loss.item(), R2 and L0 every step)')
        self.notes = ['train_sae(model, batches, criterion=MSE mean, optimizer=Adam(lr=4e-4), scheduler=None, '
                      'nb_epochs=1, clip_grad=1.0 (default), monitoring=0) called per slice of batches',
                      'TopKSAE defaults: linear encoder + ReLU, l2-normalised dictionary, no decoder bias',
                      'env pins matplotlib<3.9 (overcomplete 0.3.0 imports plt.cm.get_cmap)']

    def criterion(self, x, x_hat, pre_codes, codes, dictionary):
        self.firing.mark_dense(codes)
        return (x - x_hat).square().mean()

    def train_steps(self, batches):
        train_sae(self.sae, batches, self.criterion, self.opt, scheduler=None, nb_epochs=1, clip_grad=1.0,
                  monitoring=0, device=self.device)

    def step(self, x): self.train_steps([x])

    def reconstruct(self, x):
        self.sae.eval()
        try:
            _, z = self.sae.encode(x)
            return self.sae.decode(z)
        finally: self.sae.train()


if __name__ == '__main__':
    raise SystemExit(C.run(Overcomplete))
