"""SAELens v6 (`sae-lens` on PyPI): `TopKTrainingSAE` trained by its `SAETrainer`, one `SAETrainer.step(batch)`
per batch (the public per-step seam its `fit()` loop and its multi-SAE trainer use), set up as its own
`sae_lens.synthetic.train_toy_sae` does for activations that do not come from a language model.

`TopKTrainingSAEConfig(d_in=512, d_sae=4096, k=32, device=..., dtype='float32')` with its defaults:
`rescale_acts_by_decoder_norm=True`, `aux_loss_coefficient=1.0` (AuxK on), `decoder_init_norm=0.1`,
`apply_b_dec_to_input=True`, `normalize_activations='none'`, dense (not sparse) activations.
`SAETrainerConfig(train_batch_size_samples=4096, lr=4e-4, lr_end=4e-4, lr_scheduler_name='constant',
lr_warm_up_steps=0, adam betas (0.9, 0.999), autocast=False, dead_feature_window=1000,
feature_sampling_window=2000, no checkpoints, no wandb)`. Each `step` runs `training_forward_pass` (MSE summed over
d, averaged over rows, + TopK AuxK on latents dead for `dead_feature_window` steps), its firing statistics,
backward, `clip_grad_norm_(..., 1.0)`, Adam step, zero grad, LR and coefficient schedulers; after it this runner
advances `n_training_steps` and calls `maybe_reset_sparsity()`, as `fit()` does. Firing is counted from the
`feature_acts` the step returns. Held-out reconstruction is `sae.decode(sae.encode(x))`.

Overridden: `lr` 3e-4 (SAETrainerConfig default) -> 4e-4. Everything else is the library's default or
`train_toy_sae`'s setting.
"""
from sae_lens import TopKTrainingSAE, TopKTrainingSAEConfig
from sae_lens.config import LoggingConfig, SAETrainerConfig
from sae_lens.training.sae_trainer import SAETrainer

import common as C


class SAELens(C.Adapter):
    peer, package = 'sae_lens', 'sae-lens'

    def __init__(self, device):
        super().__init__(device)
        self.sae = TopKTrainingSAE(TopKTrainingSAEConfig(d_in=C.D, d_sae=C.N_LATENTS, k=C.K, device=str(device),
                                                         dtype='float32'))
        self.cfg = SAETrainerConfig(
            total_training_samples=2 ** 62, train_batch_size_samples=C.BATCH, device=str(device), autocast=False,
            lr=C.LR, lr_end=C.LR, lr_scheduler_name='constant', lr_warm_up_steps=0, lr_decay_steps=0,
            n_restart_cycles=1, adam_beta1=0.9, adam_beta2=0.999, dead_feature_window=1000,
            feature_sampling_window=2000, n_checkpoints=0, checkpoint_path=None, save_final_checkpoint=False,
            logger=LoggingConfig(log_to_wandb=False), n_batches_for_norm_estimate=1000)
        self.trainer = SAETrainer(cfg=self.cfg, sae=self.sae, data_provider=iter(()))
        self.sae.to(str(device))
        c = self.sae.cfg
        self.overrides = dict(lr=f'{C.LR} (SAETrainerConfig default 3e-4)')
        self.notes = [f'TopKTrainingSAEConfig defaults kept: rescale_acts_by_decoder_norm={c.rescale_acts_by_decoder_norm}, '
                      f'aux_loss_coefficient={c.aux_loss_coefficient}, decoder_init_norm={c.decoder_init_norm}, '
                      f'apply_b_dec_to_input={c.apply_b_dec_to_input}, use_sparse_activations={c.use_sparse_activations}',
                      'SAETrainer.step per batch (+ n_training_steps += 1, maybe_reset_sparsity()), as fit() does; '
                      'clip_grad_norm 1.0 inside the library step',
                      'trainer config as sae_lens.synthetic.train_toy_sae sets it (constant LR, no autocast)']

    def step(self, x):
        out = self.trainer.step(x)
        self.firing.mark_dense(out.feature_acts)
        self.trainer.n_training_steps += 1
        self.trainer.maybe_reset_sparsity()

    def reconstruct(self, x): return self.sae.decode(self.sae.encode(x))


if __name__ == '__main__':
    raise SystemExit(C.run(SAELens))
