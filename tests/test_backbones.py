"Integration tests of the backbone layer on real open_clip architectures (random weights: no download)."
import pytest, torch
import open_clip
from PIL import Image
from interpkit.backbones import load_backbone
from interpkit.core import CorruptFileError, MismatchError, UnknownModelError, WeightsUnavailableError


@pytest.mark.parametrize('name,grid', [('ViT-B-32', (7, 7)), ('ViT-B-16', (14, 14))])
def test_patch_tokens_share_the_image_forward_pass(name, grid):
    torch.manual_seed(0)
    bb = load_backbone(name, device='cpu')
    ims = [Image.new('RGB', (300, 260), c) for c in ('red', 'navy')]
    x = torch.stack([bb.preprocess(im) for im in ims])
    x = x + 0.1*torch.randn_like(x)
    z, patches = bb.encode_image_and_patches(x)
    assert bb.grid_size == grid
    assert patches.shape == (2, grid[0]*grid[1], 512)
    with torch.no_grad(): ref = bb.model.encode_image(x)   # open_clip's own call, a separate forward pass
    torch.testing.assert_close(z, ref, rtol=1e-5, atol=1e-5)
    # the patch tokens are the last layer's tokens through ln_post and proj, as open_clip's intermediates API gives them
    with torch.no_grad():
        inter = bb.model.visual.forward_intermediates(x, indices=1, normalize_intermediates=True, output_fmt='NLC',
                                                      intermediates_only=True)['image_intermediates'][-1]
    torch.testing.assert_close(patches, inter @ bb.model.visual.proj, rtol=1e-4, atol=1e-4)
    # patches differ between images and between positions
    assert not torch.allclose(patches[0], patches[1])
    assert patches[0].std(0).mean() > 0


def test_value_readout_has_patch_shape():
    bb = load_backbone('ViT-B-32', device='cpu')
    x = torch.randn(1, 3, 224, 224)
    z, v = bb.encode_image_and_patches(x, readout='value')
    assert v.shape == (1, 49, 512)
    torch.testing.assert_close(z, bb.encode_image(x))


def test_unknown_model_name():
    with pytest.raises(UnknownModelError, match="unknown model 'ViT-B-31'.*Did you mean"):
        load_backbone('ViT-B-31')


def test_unreachable_pretrained_tag_says_how_to_use_a_local_checkpoint():
    # 'openai' is a real tag; with no network (HF_HUB_OFFLINE, as on this machine) its weights cannot be fetched.
    assert 'openai' in open_clip.list_pretrained_tags_by_model('ViT-B-32')
    with pytest.raises(WeightsUnavailableError) as e:
        load_backbone('ViT-B-32', 'openai', device='cpu')
    msg = str(e.value)
    assert "'ViT-B-32'" in msg and "'openai'" in msg and 'checkpoint=' in msg


def test_unknown_pretrained_tag_lists_the_known_ones():
    with pytest.raises(UnknownModelError, match='known tags: openai, laion400m_e31'):
        load_backbone('ViT-B-32', 'not-a-tag')


def test_checkpoint_for_another_architecture(tmp_path):
    from safetensors.torch import save_file
    tiny = load_backbone('interpkit-tiny-vit')
    save_file({k: v.contiguous() for k, v in tiny.model.state_dict().items()}, tmp_path/'tiny.safetensors')
    with pytest.raises(MismatchError, match="does not fit model 'ViT-B-32'"):
        load_backbone('ViT-B-32', checkpoint=tmp_path/'tiny.safetensors')


@pytest.mark.parametrize('suffix', ['.pt', '.safetensors', '.bin'])
def test_corrupt_checkpoint(tmp_path, suffix):
    tiny = load_backbone('interpkit-tiny-vit')
    good = tmp_path/f'good{suffix}'
    if suffix == '.safetensors':
        from safetensors.torch import save_file
        save_file({k: v.contiguous() for k, v in tiny.model.state_dict().items()}, good)
    else: torch.save(tiny.model.state_dict(), good)
    load_backbone('interpkit-tiny-vit', checkpoint=good)  # the intact file loads
    bad = tmp_path/f'bad{suffix}'
    bad.write_bytes(good.read_bytes()[:good.stat().st_size//2])
    with pytest.raises(CorruptFileError, match=f'bad{suffix}'):
        load_backbone('interpkit-tiny-vit', checkpoint=bad)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA GPU')
def test_cuda_autocast_matches_cpu():
    cpu = load_backbone('ViT-B-32', device='cpu')
    gpu = load_backbone('ViT-B-32', device='cuda')
    gpu.model.load_state_dict(cpu.model.state_dict())
    x = torch.randn(4, 3, 224, 224)
    z_cpu, p_cpu = cpu.encode_image_and_patches(x)
    z_gpu, p_gpu = gpu.encode_image_and_patches(x)
    assert z_gpu.device.type == 'cuda' and z_gpu.dtype == torch.float32
    cos = torch.nn.functional.cosine_similarity(z_gpu.cpu(), z_cpu, dim=-1)
    assert cos.min() > 0.999
