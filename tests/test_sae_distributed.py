"""Data-parallel SAE training: 2 CPU processes with gloo end at the weights of 1 process with the same global batch."""
import os, socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from interpkit.sae import SAEConfig, planted_sparse_data
from interpkit.sae_training import TrainConfig, train_sae


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


def _worker(rank: int, world: int, port: int, variant: str, out: str):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group('gloo', rank=rank, world_size=world)
    try:
        x, _ = planted_sparse_data(4096, d=32, n_features=128, k=4, seed=3)
        sae = train_sae(SAEConfig(32, 128, variant, k=4, dead_after=256), x,
                        TrainConfig(batch_size=256, lr=1e-3, steps=24, resample_every=8 if variant == 'relu' else None),
                        progress=False)
        if rank == 0: torch.save({k: v.clone() for k, v in sae.state_dict().items()}, out)
    finally:
        dist.destroy_process_group()


@pytest.mark.parametrize('variant', ['topk', 'relu', 'jumprelu'])
def test_two_processes_match_one(tmp_path, variant):
    torch.set_num_threads(1)
    x, _ = planted_sparse_data(4096, d=32, n_features=128, k=4, seed=3)
    single = train_sae(SAEConfig(32, 128, variant, k=4, dead_after=256), x,
                       TrainConfig(batch_size=256, lr=1e-3, steps=24, resample_every=8 if variant == 'relu' else None),
                       progress=False)
    out = tmp_path/'ddp.pt'
    mp.start_processes(_worker, args=(2, _free_port(), variant, str(out)), nprocs=2, join=True, start_method='spawn')
    ddp = torch.load(out)
    for k, v in single.state_dict().items():
        torch.testing.assert_close(ddp[k], v, rtol=1e-4, atol=1e-5, msg=lambda m: f'{variant} {k}: {m}')
    # and the run moved far from its initialisation, so agreement is not trivial
    init = train_sae(SAEConfig(32, 128, variant, k=4), x, TrainConfig(batch_size=256, steps=0), progress=False)
    assert (init.W_dec - single.W_dec).abs().max() > 1e-2
