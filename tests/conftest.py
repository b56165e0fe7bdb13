import os, textwrap
# No test may wait for the network: huggingface_hub reads this when it is first imported.
os.environ.setdefault('HF_HUB_OFFLINE', '1')

from pathlib import Path
import numpy as np
import pytest
from PIL import Image


@pytest.fixture(scope='session')
def tiny():
    from interpkit.backbones import load_backbone
    return load_backbone('interpkit-tiny-vit', device='cpu')


def write_images(folder: Path, n: int, seed: int = 0, size: int = 32) -> Path:
    "`n` random RGB images as PNG files in `folder`, deterministic from `seed`."
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        Image.fromarray(rng.integers(0, 255, (size, size, 3), dtype=np.uint8)).save(folder/f'{i:04d}.png')
    return folder


def slow_extraction_script(delay: float, shard_size: int, prologue: str = '') -> str:
    """Source of a child process that extracts the images of folder `argv[1]` into store `argv[3]` with the tiny ViT of
    checkpoint `argv[2]`, pausing `delay` s per image so that a test can kill it between shards; `prologue` runs first."""
    head = textwrap.dedent(f'''
        import os, sys, time
        import torch
        from pathlib import Path
        from interpkit.backbones import load_backbone
        from interpkit.data import ImageFolder
        from interpkit.activations import extract_activations
        class SlowFolder(ImageFolder):
            def load(self, i):
                time.sleep({delay})
                return super().load(i)
        images, ckpt, out = sys.argv[1:4]
    ''')
    tail = textwrap.dedent(f'''
        bb = load_backbone('interpkit-tiny-vit', checkpoint=ckpt, device='cpu')
        extract_activations(bb, SlowFolder(images), out, fields=('image', 'patch'), batch_size=3, shard_size={shard_size},
                            progress=False)
    ''')
    return head + textwrap.dedent(prologue) + tail
