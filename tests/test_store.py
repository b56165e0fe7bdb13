"Integration tests of the activation store: a real interrupt, resuming, bad input on the way in."
import signal, subprocess, sys, time

import pytest, torch
from conftest import slow_extraction_script, write_images
from interpkit.activations import ActivationStore, extract_activations
from interpkit.backbones import load_backbone
from interpkit.core import MismatchError
from interpkit.data import ImageDecodeError, ImageFolder

FIELDS = ('image', 'patch')

# The child extracts slowly (a pause per image) so that the parent can kill it between shards.
CHILD = slow_extraction_script(0.05, shard_size=6)


@pytest.fixture
def setup(tmp_path, tiny):
    from safetensors.torch import save_file
    images = write_images(tmp_path/'images', 60, seed=1)
    ckpt = tmp_path/'tiny.safetensors'
    save_file({k: v.contiguous() for k, v in tiny.model.state_dict().items()}, ckpt)
    return images, ckpt


def test_killed_extraction_resumes_to_the_same_store(tmp_path, setup):
    images, ckpt = setup
    out = tmp_path/'store'
    child = subprocess.Popen([sys.executable, '-c', CHILD, str(images), str(ckpt), str(out)])
    try:
        deadline = time.time() + 120
        while time.time() < deadline and len(list((out/'shards').glob('*.safetensors'))) < 3:
            assert child.poll() is None, 'the extraction ended before it could be interrupted'
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)   # a real interrupt: no cleanup, no finally blocks
        child.wait()
    finally:
        if child.poll() is None: child.kill()
    assert child.returncode == -signal.SIGKILL
    partial = ActivationStore(out)
    assert not partial.complete
    done = partial.shards_done()
    assert 3 <= done < partial.num_shards == 10, done

    bb = load_backbone('interpkit-tiny-vit', checkpoint=ckpt, device='cpu')
    resumed = extract_activations(bb, ImageFolder(images), out, fields=FIELDS, batch_size=3, shard_size=6, progress=False)
    fresh = extract_activations(bb, ImageFolder(images), tmp_path/'fresh', fields=FIELDS, batch_size=3, shard_size=6,
                                progress=False)
    assert resumed.complete
    assert torch.equal(resumed.load('index'), torch.arange(60))        # every image once, in order
    for f in FIELDS: assert torch.equal(resumed.load(f), fresh.load(f))  # equal to an uninterrupted run
    assert not list((out/'shards').glob('.*.tmp'))                     # no half-written file left


def test_undecodable_image_names_the_file(tmp_path, tiny):
    images = write_images(tmp_path/'images', 5)
    (images/'0003.png').write_bytes(b'\x89PNG\r\n\x1a\n truncated')
    with pytest.raises(ImageDecodeError, match='0003.png could not be decoded'):
        extract_activations(tiny, ImageFolder(images), tmp_path/'store', progress=False)


def test_store_opened_with_another_model(tmp_path, tiny):
    store = extract_activations(tiny, ImageFolder(write_images(tmp_path/'images', 4)), tmp_path/'store', progress=False)
    with pytest.raises(MismatchError, match="model 'interpkit-tiny-vit' \\(not 'ViT-B-32'\\)"):
        ActivationStore(tmp_path/'store').check_compatible(load_backbone('ViT-B-32'))
    with pytest.raises(MismatchError, match='a different activation store already exists'):
        extract_activations(load_backbone('ViT-B-32'), ImageFolder(tmp_path/'images'), tmp_path/'store', progress=False)
    assert store.check_compatible(tiny) is not None


def test_corrupt_metadata_is_a_clear_error(tmp_path, tiny):
    extract_activations(tiny, ImageFolder(write_images(tmp_path/'images', 4)), tmp_path/'store', progress=False)
    (tmp_path/'store'/'meta.json').write_text('{"format": "interpkit-activation-store", "count": ')
    with pytest.raises(ValueError, match='not valid JSON'):
        ActivationStore(tmp_path/'store')
    with pytest.raises(FileNotFoundError, match='no activation store'):
        ActivationStore(tmp_path/'nothing')
