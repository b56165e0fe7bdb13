"""Killed mid-run, resumed to the same result: a 2-process torchrun extraction whose rank 1 is killed, finished by a
1-process rerun, equals an uninterrupted store; a killed `train_sae(out=...)` resumes to the same SAE bit for bit."""
import json, os, signal, subprocess, sys, textwrap, time
from pathlib import Path

import pytest
import torch
from conftest import slow_extraction_script, write_images

from interpkit.activations import ActivationStore, extract_activations
from interpkit.backbones import load_backbone
from interpkit.data import ImageFolder

FIELDS = ('image', 'patch')

# Each rank notes its pid, then extracts slowly (a pause per image) so that the test can kill rank 1 between shards.
EXTRACT = slow_extraction_script(0.08, shard_size=4, prologue='''
    pids = sys.argv[4]
    torch.set_num_threads(1)
    (Path(pids)/os.environ['RANK']).write_text(str(os.getpid()))
''')


def _wait_for(cond, child, what, timeout=90):
    deadline = time.time() + timeout
    while not cond():
        assert child.poll() is None, f'the run ended before {what}'
        assert time.time() < deadline, f'timed out waiting for {what}'
        time.sleep(0.02)


@pytest.fixture
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)   # as in the children, so that every run does the same arithmetic
    yield
    torch.set_num_threads(threads)


def test_killed_rank_resumes_to_the_same_store(tmp_path, tiny, one_thread, monkeypatch):
    from safetensors.torch import save_file
    images = write_images(tmp_path/'images', 32, seed=4, size=24)
    ckpt = tmp_path/'tiny.safetensors'
    save_file({k: v.contiguous() for k, v in tiny.model.state_dict().items()}, ckpt)
    (tmp_path/'script.py').write_text(EXTRACT)
    out, pids = tmp_path/'store', tmp_path/'pids'; pids.mkdir()
    child = subprocess.Popen([sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', '2', '--master_port',
                              str(_free_port()), '--monitor-interval', '0.1', str(tmp_path/'script.py'),
                              str(images), str(ckpt), str(out), str(pids)],
                             start_new_session=True, stdout=subprocess.DEVNULL, stderr=(tmp_path/'torchrun.log').open('w'))
    try:
        _wait_for(lambda: len(list((out/'shards').glob('*.safetensors'))) >= 2 if (out/'shards').exists() else False,
                  child, 'two shards were written')
        os.kill(int((pids/'1').read_text()), signal.SIGKILL)   # rank 1 dies: no cleanup, no finally blocks
        child.wait(timeout=60)                                  # torchrun stops rank 0 and gives up
    finally:
        if child.poll() is None: os.killpg(child.pid, signal.SIGKILL); child.wait()
    assert child.returncode != 0
    partial = ActivationStore(out)
    assert not partial.complete
    assert 2 <= partial.shards_done() < partial.num_shards == 8, partial.shards_done()
    missing = [f'{i:05d}.safetensors' for i in range(8) if not partial.shard_path(i).exists()]

    import interpkit.activations as A
    written, save = [], A.save_tensors
    monkeypatch.setattr(A, 'save_tensors', lambda t, p, metadata=None: (written.append(Path(p).name), save(t, p, metadata))[1])
    bb = load_backbone('interpkit-tiny-vit', checkpoint=ckpt, device='cpu')
    resumed = extract_activations(bb, ImageFolder(images), out, fields=FIELDS, batch_size=3, shard_size=4, progress=False)
    assert written == missing                  # one process (another world size) writes what is missing, and only that
    monkeypatch.undo()
    fresh = extract_activations(bb, ImageFolder(images), tmp_path/'fresh', fields=FIELDS, batch_size=3, shard_size=4,
                                progress=False)
    assert resumed.complete and resumed.keys == fresh.keys
    assert torch.equal(resumed.load('index'), torch.arange(32))
    for f in FIELDS: assert torch.equal(resumed.load(f), fresh.load(f)), f
    assert not list((out/'shards').glob('.*.tmp'))


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


# The child trains slowly (a pause per step) so that the test can kill it after its first checkpoint.
TRAIN = textwrap.dedent('''
    import sys, time
    import torch
    import interpkit.sae_training as T
    from interpkit.sae import SAEConfig, planted_sparse_data
    step = T.SAETrainer.step
    def slow(self, x):
        time.sleep(0.1)
        return step(self, x)
    T.SAETrainer.step = slow
    torch.set_num_threads(1)
    x, _ = planted_sparse_data(2048, d=32, n_features=128, k=4, seed=5)
    T.train_sae(SAEConfig(32, 128, 'topk', k=4, dead_after=256), x,
                T.TrainConfig(batch_size=128, lr=1e-3, steps=40, checkpoint_every=4), out=sys.argv[1], progress=False)
''')


def test_killed_sae_training_resumes_bit_for_bit(tmp_path, one_thread, monkeypatch):
    from interpkit.sae import SAEConfig, planted_sparse_data
    import interpkit.sae_training as T
    from interpkit.sae_training import TrainConfig, train_sae
    out = tmp_path/'run'
    child = subprocess.Popen([sys.executable, '-c', TRAIN, str(out)])
    try:
        ckpt = out/'checkpoint.json'
        _wait_for(lambda: ckpt.exists() and json.loads(ckpt.read_text())['step'] >= 8, child, 'the second checkpoint')
        child.send_signal(signal.SIGKILL)
        child.wait()
    finally:
        if child.poll() is None: child.kill()
    assert child.returncode == -signal.SIGKILL
    step = json.loads((out/'checkpoint.json').read_text())['step']
    assert 8 <= step < 40, step

    x, _ = planted_sparse_data(2048, d=32, n_features=128, k=4, seed=5)
    cfg, tc = SAEConfig(32, 128, 'topk', k=4, dead_after=256), TrainConfig(batch_size=128, lr=1e-3, steps=40, checkpoint_every=4)
    steps, step_fn = [], T.SAETrainer.step
    monkeypatch.setattr(T.SAETrainer, 'step', lambda self, x: (steps.append(1), step_fn(self, x))[1])
    resumed = train_sae(cfg, x, tc, out=out, progress=False)
    assert len(steps) == 40 - step               # it continued from the checkpoint
    monkeypatch.undo()
    full = train_sae(cfg, x, tc, progress=False)
    for (k, a), b in zip(full.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), k
    start = train_sae(cfg, x, TrainConfig(batch_size=128, steps=0), progress=False)
    assert not torch.equal(start.W_dec, full.W_dec)   # the run went somewhere, so agreement is not trivial
