import os
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
