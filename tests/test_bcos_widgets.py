"""ExplanationViewer headless: small B-cos models with random weights, class and prompt targets, bad input."""
import ipywidgets as W
import numpy as np
import pytest
import torch
import torch.nn as nn

from interpkit.bcos import add_inverse, bcosify, explain, exactness
from interpkit.core import BadInputError, MismatchError
from interpkit.widgets import ExplanationViewer


@pytest.fixture(scope='module')
def tower():
    "A B-cosified conv net whose output is a 5-dimensional 'image embedding'."
    torch.manual_seed(0)
    std = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(8, 5, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten()).eval()
    return bcosify(std, mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25))


def test_prompt_targets_match_explain_and_redraws_make_no_widgets(tower):
    torch.manual_seed(1)
    images = torch.rand(5, 3, 16, 16)
    emb = {'a red circle': torch.randn(5), 'a blue square': torch.randn(5), 'a green star': torch.randn(5)}
    v = ExplanationViewer(tower, images, emb, thumb=64)
    made, previous = [], W.Widget._widget_construction_callback
    W.Widget.on_widget_constructed(made.append)
    try:
        v.picker.value = 3
        v.target_box.value = 2
    finally: W.Widget.on_widget_constructed(previous)
    assert made == [] and (v.image, v.target) == (3, 2)
    ref = explain(tower, add_inverse(images[3:4]), emb['a green star'])
    assert abs(v.output - float(ref.output[0])) < 1e-5 and exactness(v.explanation) < 1e-4
    assert abs(v.output - float(v.scores[3, 2])) < 1e-4          # the explained output is the cosine
    assert v.view.value.count('<img') == 3 and [p.shape for p in v.panels] == [(16, 16, 3)] * 3
    before = v.explanation.contributions.clone()
    v.show(target='a red circle')
    assert v.target_box.value == 0 and not torch.allclose(before, v.explanation.contributions)
    # the same targets as prompts with encode_text, and the images as uint8 pixels
    pixels = (images.permute(0, 2, 3, 1) * 255).round().to(torch.uint8).numpy()
    v2 = ExplanationViewer(tower, pixels, list(emb), encode_text=lambda ps: torch.stack([emb[p] for p in ps]), image=3, target=2)
    assert abs(v2.output - v.explanation_of(3, 2).output.item()) < 1e-2   # the pixels are images rounded to 8 bits


def test_class_targets_and_the_prediction_line():
    from bcos.models.resnet import resnet18
    torch.manual_seed(0)
    net = resnet18(num_classes=3)
    pixels = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    v = ExplanationViewer(net, pixels, ['circle', 'square', 'star'], image=1, target='star')
    assert net.training, 'the viewer restores the training mode it found'
    ref = explain(net, add_inverse(torch.as_tensor(pixels[1:2]).permute(0, 3, 1, 2) / 255), 2)
    assert abs(v.output - float(ref.output[0])) < 1e-5 and f'{v.output:.4f}' in v.header.value
    assert f"prediction: {v.labels[int(v.scores[1].argmax())]}" in v.header.value
    v._safely(v.show, None, 7)
    assert 'target must be' in v.message and (v.image, v.target) == (1, 2)


def test_bad_input_is_refused_at_construction(tower):
    images = torch.rand(2, 3, 16, 16)
    plain = nn.Sequential(nn.Conv2d(6, 4, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten())
    with pytest.raises(BadInputError, match='bcosify'): ExplanationViewer(plain, images, ['a', 'b', 'c', 'd'])
    with pytest.raises(MismatchError, match='2 class names'): ExplanationViewer(tower, images, ['a', 'b'])
    with pytest.raises(BadInputError, match='dimension'): ExplanationViewer(tower, images, {'a': torch.randn(7)})
    with pytest.raises(BadInputError, match='add_inverse'): ExplanationViewer(tower, add_inverse(images), {'a': torch.randn(5)})
    with pytest.raises(BadInputError, match='one string'): ExplanationViewer(tower, images, 'a red circle')
    with pytest.raises(BadInputError, match='no targets'): ExplanationViewer(tower, images, [])
    with pytest.raises(BadInputError, match=r'\[n, H, W, 3\]'): ExplanationViewer(tower, np.zeros((2, 16, 16), np.uint8), {'a': torch.randn(5)})
