"Integration tests of the embedded default: Shapes World and the shipped CLIP, loaded with no network."
import numpy as np
import pytest

from interpkit.backbones import SHIPPED_WEIGHTS, load_backbone
from interpkit.core import BadInputError, UnknownModelError
from interpkit.shapes import ShapesWorld, class_prompts, generate, sample_scene
from interpkit.backbones import embed_pixels
from interpkit.shapes_clip import SHAPES_CLIP, SHAPES_CLIP_TAG, evaluate_shapes_clip


@pytest.fixture(scope='module')
def shapes_clip():
    return load_backbone(SHAPES_CLIP, SHAPES_CLIP_TAG, device='cpu')


def test_shipped_weights_are_small_safetensors():
    path = SHIPPED_WEIGHTS[SHAPES_CLIP, SHAPES_CLIP_TAG]
    assert path.suffix == '.safetensors' and path.stat().st_size <= 20e6
    assert (path.parent/'shapes_clip.md').exists()


def test_shipped_clip_loads_by_name_and_understands_shapes_world(shapes_clip):
    assert shapes_clip.pretrained == SHAPES_CLIP_TAG and shapes_clip.grid_size == (8, 8)
    ds = ShapesWorld(200, 'test', seed=11, n_objects=1)
    img = embed_pixels(shapes_clip, ds.pixels())
    table = ds.attribute_table()
    for attr in ('colour', 'background_colour', 'shape'):
        txt = shapes_clip.encode_text(class_prompts(attr), normalize=True)
        acc = ((img @ txt.T).argmax(1).numpy() == table[attr]).mean()
        assert acc >= 0.8, (attr, acc)   # chance is 1/8 or 1/4


def test_evaluation_on_a_small_split(shapes_clip):
    m = evaluate_shapes_clip(shapes_clip, seed=4, n=100)
    assert m['retrieval_full']['t2i_R@5'] >= m['retrieval_full']['t2i_R@1'] >= 0.8
    assert m['retrieval_partial']['t2i_consistent@1'] > 0.7
    # pointing: a random patch hits a single object as often as the share of patches the object covers
    ds = ShapesWorld(100, 'test', 4, n_objects=1)
    chance = np.mean([ds.masks(i)[0].reshape(8, 8, 8, 8).any((1, 3)).mean() for i in range(100)])
    assert m['grounding']['pointing_game'] > 2*chance


def test_bad_input(shapes_clip):
    with pytest.raises(BadInputError, match="unknown attribute 'texture'"):
        sample_scene(np.random.default_rng(0), texture='furry')
    with pytest.raises(BadInputError, match="unknown shape 'blob'"):
        ShapesWorld(3, shape='blob')
    with pytest.raises(BadInputError, match='n_objects must be'):
        generate(4, n_objects=0)
    with pytest.raises(BadInputError, match='class_prompts|unknown attribute'):
        class_prompts('mood')
    big, _ = generate(2, size=96)                       # an image size the model was not trained for
    with pytest.raises(BadInputError, match='takes 64x64 images, got 96x96'):
        embed_pixels(shapes_clip, big)
    with pytest.raises(UnknownModelError, match="unknown pretrained tag 'shapes-wrld'.*shapes-world"):
        load_backbone(SHAPES_CLIP, 'shapes-wrld')
