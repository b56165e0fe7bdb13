"""Reference: a plain-PyTorch TopK SAE loop (no library), the floor every peer is compared with.

x_hat = TopK(ReLU((x - b_dec) @ W_enc + b_enc)) @ W_dec + b_dec, dense scatter of the top-k codes, loss
sum-of-squares per row averaged over the batch, Adam lr 4e-4, decoder rows renormalised to unit norm after
each step; W_dec rows random unit vectors, W_enc = W_dec^T, biases zero, b_dec set to the first batch's mean.
No AuxK, no gradient clipping.
"""
import torch

import common as C


class TorchTopK(C.Adapter):
    peer, package = 'torch', 'torch'

    def __init__(self, device):
        super().__init__(device)
        W_dec = torch.randn(C.N_LATENTS, C.D, device=device)
        W_dec /= W_dec.norm(dim=1, keepdim=True)
        self.W_dec = torch.nn.Parameter(W_dec)
        self.W_enc = torch.nn.Parameter(W_dec.T.clone().contiguous())
        self.b_enc = torch.nn.Parameter(torch.zeros(C.N_LATENTS, device=device))
        self.b_dec = torch.nn.Parameter(torch.zeros(C.D, device=device))
        self.params = [self.W_enc, self.b_enc, self.W_dec, self.b_dec]
        self.opt = torch.optim.Adam(self.params, lr=C.LR)
        self.first = True
        self.overrides = {}
        self.notes = ['reference loop written for this benchmark: dense scatter + dense decoder matmul, '
                      'b_dec initialised to the first batch mean, decoder renormalised after each step']

    def encode(self, x):
        pre = (x - self.b_dec) @ self.W_enc + self.b_enc
        vals, idx = pre.topk(C.K, dim=-1, sorted=False)
        vals = vals.relu()
        return vals, idx

    def decode(self, vals, idx):
        z = torch.zeros(len(vals), C.N_LATENTS, device=vals.device, dtype=vals.dtype).scatter(-1, idx, vals)
        return z @ self.W_dec + self.b_dec

    def step(self, x):
        if self.first:
            with torch.no_grad(): self.b_dec.copy_(x.mean(0))
            self.first = False
        vals, idx = self.encode(x)
        self.firing.mark_topk(vals, idx)
        loss = (self.decode(vals, idx) - x).pow(2).sum(-1).mean()
        loss.backward()
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        with torch.no_grad(): self.W_dec /= self.W_dec.norm(dim=1, keepdim=True)

    def reconstruct(self, x): return self.decode(*self.encode(x))


if __name__ == '__main__':
    raise SystemExit(C.run(TorchTopK))
