"""B-cosification plumbing on open_clip's own towers with random weights: ViT-B-32 and RN50 (ModifiedResNet)."""
import pytest, torch, open_clip
from interpkit.bcos import add_inverse, bcosify, explain, exactness, is_bcos, recalibrate_norms
from interpkit.core import BadInputError


@pytest.mark.parametrize('name', ['ViT-B-32', 'RN50'])
def test_bcosified_open_clip_tower_is_exact(name):
    torch.manual_seed(0)
    model = open_clip.create_model(name, pretrained=None, force_image_size=64 if name == 'ViT-B-32' else None)
    visual = model.visual.eval()
    for n, p in visual.named_parameters():     # open_clip zero-initialises each residual branch's last BN (bn3):
        if n.endswith('bn3.weight'): p.data.fill_(1.0)   # a trained model's are not, and zeros would explain nothing
    size = visual.image_size if isinstance(visual.image_size, (tuple, list)) else (visual.image_size,) * 2
    mean, std = open_clip.OPENAI_DATASET_MEAN, open_clip.OPENAI_DATASET_STD
    tower = bcosify(visual, mean=mean, std=std)
    recalibrate_norms(tower, add_inverse(torch.rand(8, 3, *size)))     # RN50: BN statistics for the B-cos activations
    assert is_bcos(tower) and not is_bcos(visual)
    assert not [n for n, p in tower.named_parameters() if n.endswith('bias')]
    images = torch.rand(2, 3, *size)
    with torch.no_grad(): emb = tower(add_inverse(images))
    assert emb.shape == (2, model.visual.output_dim)
    # the raw embedding's first unit and the cosine with a text embedding: contributions sum to the output
    for target in (lambda out: out[:, 0], torch.randn(model.visual.output_dim)):
        e = explain(tower, add_inverse(images), target)
        assert e.weights.shape == (2, 6, *size)
        assert exactness(e) <= 1e-4, (name, exactness(e))
    with pytest.raises(BadInputError, match='add_inverse'):
        explain(tower, images, torch.randn(model.visual.output_dim))


def test_bcosify_with_b1_keeps_the_vit_function_up_to_biases():
    "With B = 1 and every bias and LayerNorm shift zeroed in the original, the B-cosified ViT is the same function."
    torch.manual_seed(0)
    visual = open_clip.create_model('ViT-B-32', pretrained=None, force_image_size=64).visual.eval()
    for n, p in visual.named_parameters():
        if n.endswith('bias'): p.data.zero_()
    mean, std = open_clip.OPENAI_DATASET_MEAN, open_clip.OPENAI_DATASET_STD
    tower = bcosify(visual, b=1, mean=mean, std=std)
    x = torch.rand(2, 3, 64, 64)
    z = (x - torch.tensor(mean)[:, None, None]) / torch.tensor(std)[:, None, None]
    with torch.no_grad():
        torch.testing.assert_close(tower(add_inverse(x)), visual(z), rtol=1e-4, atol=1e-4)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA GPU')
def test_explanations_on_cuda_equal_cpu():
    "The same B-cos model explains the same images on CUDA as on the CPU, and returns its tensors on CUDA."
    from bcos.models.resnet import resnet18
    torch.manual_seed(0)
    net = resnet18(num_classes=8).eval()
    x = add_inverse(torch.rand(16, 3, 64, 64))
    cpu = explain(net, x, torch.arange(16) % 8)
    gpu = explain(net.cuda(), x, torch.arange(16) % 8)
    assert gpu.weights.is_cuda and exactness(gpu) <= 1e-4
    torch.testing.assert_close(gpu.weights.cpu(), cpu.weights, rtol=1e-3, atol=1e-5)


def test_compiled_explanations_equal_eager():
    "explain(compile=True) runs a torch.compile'd copy of the model: the same W(x), exact, and the model is unchanged."
    import torch.nn as nn
    torch.manual_seed(0)
    net = bcosify(nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, 4, 1),
                                nn.AdaptiveAvgPool2d(1), nn.Flatten()).eval())
    x = add_inverse(torch.rand(4, 3, 16, 16))
    eager, compiled = explain(net, x, torch.arange(4)), explain(net, x, torch.arange(4), compile=True)
    torch.testing.assert_close(compiled.weights, eager.weights, rtol=1e-4, atol=1e-6)
    assert exactness(compiled) <= 1e-4 and all(p.requires_grad for p in net.parameters())
