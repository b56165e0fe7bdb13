"""Distributed extraction: 2 gloo CPU processes write disjoint shards of one store, equal to the 1-process store;
a rank that fails makes both ranks raise, and a 1-process rerun finishes the store."""
import json, os, shutil, socket
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from conftest import write_images

from interpkit.activations import ActivationStore, extract_activations
from interpkit.backbones import load_backbone
from interpkit.data import ImageFolder

FIELDS, BATCH, SHARD = ('image', 'patch'), 3, 4   # 32 images: 8 shards of 4, in batches of 3 + 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


def _worker(rank: int, world: int, port: int, images: str, ckpts: list, out: str, log: str):
    "One rank: extract into `out`, noting in `log.<rank>` the shards it wrote and any error it raised."
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group('gloo', rank=rank, world_size=world)
    import interpkit.activations as A
    save, written = A.save_tensors, []
    def logged(tensors, path, metadata=None):
        written.append(Path(path).name); return save(tensors, path, metadata)
    A.save_tensors = logged
    error = None
    try:
        bb = load_backbone('interpkit-tiny-vit', checkpoint=ckpts[rank], device='cpu')
        extract_activations(bb, ImageFolder(images), out, fields=FIELDS, batch_size=BATCH, shard_size=SHARD, progress=False)
    except Exception as e: error = f'{type(e).__name__}: {e}'
    finally:
        Path(f'{log}.{rank}').write_text(json.dumps(dict(written=written, error=error)))
        dist.destroy_process_group()


def _launch(images, ckpt, out, log, world=2):
    ckpts = [str(c) for c in ckpt] if isinstance(ckpt, list) else [str(ckpt)]*world
    mp.start_processes(_worker, args=(world, _free_port(), str(images), ckpts, str(out), str(log)), nprocs=world,
                       join=True, start_method='spawn')
    return [json.loads(Path(f'{log}.{r}').read_text()) for r in range(world)]


@pytest.fixture
def setup(tmp_path, tiny):
    from safetensors.torch import save_file
    images = write_images(tmp_path/'images', 32, seed=2, size=24)
    ckpt = tmp_path/'tiny.safetensors'
    save_file({k: v.contiguous() for k, v in tiny.model.state_dict().items()}, ckpt)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)   # as in the workers, so that the two runs do the same arithmetic
    bb = load_backbone('interpkit-tiny-vit', checkpoint=ckpt, device='cpu')
    single = extract_activations(bb, ImageFolder(images), tmp_path/'single', fields=FIELDS, batch_size=BATCH,
                                 shard_size=SHARD, progress=False)
    yield images, ckpt, bb, single
    torch.set_num_threads(threads)


def _assert_same_store(a: ActivationStore, b: ActivationStore):
    assert a.complete and b.complete
    assert a.keys == b.keys
    for k in ('backbone', 'dataset', 'fields', 'readout', 'dtype', 'shard_size', 'count', 'num_shards'):
        assert a.meta[k] == b.meta[k], k
    for f in ('index',) + FIELDS: assert torch.equal(a.load(f), b.load(f)), f


def test_two_processes_match_one(tmp_path, setup):
    images, ckpt, bb, single = setup
    logs = _launch(images, ckpt, tmp_path/'ddp', tmp_path/'log')
    assert [l['error'] for l in logs] == [None, None]
    written = [set(l['written']) for l in logs]
    assert written == [{f'{i:05d}.safetensors' for i in range(r, 8, 2)} for r in (0, 1)]   # disjoint, both busy
    _assert_same_store(ActivationStore(tmp_path/'ddp'), single)
    assert not list((tmp_path/'ddp'/'shards').glob('.*.tmp'))


def test_failed_rank_stops_both_and_a_rerun_finishes(tmp_path, setup):
    images, ckpt, bb, single = setup
    good = (images/'0013.png').read_bytes()                      # item 13: shard 3, rank 1's second shard
    (images/'0013.png').write_bytes(b'\x89PNG\r\n\x1a\n truncated')
    logs = _launch(images, ckpt, tmp_path/'ddp', tmp_path/'log')
    assert logs[1]['error'].startswith('ImageDecodeError') and '0013.png could not be decoded' in logs[1]['error']
    assert logs[0]['error'].startswith('ImageDecodeError: rank 1 of 2 failed'), logs[0]['error']   # no hang on rank 0
    partial = ActivationStore(tmp_path/'ddp')
    assert not partial.complete
    assert sorted(p.name for p in (tmp_path/'ddp'/'shards').glob('*.safetensors')) == \
        [f'{i:05d}.safetensors' for i in (0, 1, 2, 4, 6)]
    (images/'0013.png').write_bytes(good)
    import interpkit.activations as A
    save, written = A.save_tensors, []
    A.save_tensors = lambda t, p, metadata=None: (written.append(Path(p).name), save(t, p, metadata))[1]
    try:   # another world size: 1 process writes what is missing, and only that
        resumed = extract_activations(bb, ImageFolder(images), tmp_path/'ddp', fields=FIELDS, batch_size=BATCH,
                                      shard_size=SHARD, progress=False)
    finally: A.save_tensors = save
    assert written == [f'{i:05d}.safetensors' for i in (3, 5, 7)]
    _assert_same_store(resumed, single)


def test_ranks_with_other_weights_are_refused(tmp_path, setup, tiny):
    from safetensors.torch import save_file
    images, ckpt, bb, single = setup
    other = {k: v.clone().contiguous() for k, v in tiny.model.state_dict().items()}
    next(v for v in other.values() if v.is_floating_point()).add_(1e-3)   # as if drawn from another seed
    save_file(other, tmp_path/'other.safetensors')
    logs = _launch(images, [ckpt, tmp_path/'other.safetensors'], tmp_path/'ddp', tmp_path/'log')
    for l in logs: assert l['error'].startswith('MismatchError: the ranks hold different weights'), l['error']
    assert [l['written'] for l in logs] == [[], []]
