"""The model zoo: one open_clip model per family, random weights, offline, walked through the whole pipeline.

Families (9): OpenAI-style ViT, ModifiedResNet (RN50), timm ConvNeXt, timm EVA, SigLIP (timm ViT with a MAP head and
a Hugging Face tokenizer, given as a local folder), CoCa, a Hugging Face text tower (XLM-RoBERTa, config and
tokenizer from a local folder), Perception Encoder (timm Eva with a MAP head) and ViTamin (timm hybrid conv/ViT).
MobileCLIP (timm FastViT) and Swin load and give patch tokens too, but build and run too slowly for this file.
Every model is built at 64x64 pixels with a 16-token context (`force_image_size`, `force_context_length`) so that
the file runs in about a minute on 2 CPU cores.
"""
import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from interpkit.activations import extract_activations
from interpkit.backbones import load_backbone, toy_tokenizer
from interpkit.concept_bottleneck import explain, train_concept_bottleneck
from interpkit.core import WeightsUnavailableError
from interpkit.data import ImageList
from interpkit.naming import Vocabulary, name_concepts
from interpkit.retrieval import retrieval_recall
from interpkit.sae import SAEConfig
from interpkit.sae_training import TrainConfig, train_sae

WORDS = 'a the red blue square circle dog cat'.split()
CAPTIONS = ['a red square', 'a blue circle', 'a red circle', 'a dog', 'a cat', 'the blue square', 'the circle',
            'the blue dog']


def hf_text_folder(folder):
    "A tiny XLM-RoBERTa config and a word-level tokenizer: what `save_pretrained` of both would leave in `folder`."
    from transformers import XLMRobertaConfig
    toy_tokenizer(folder, WORDS)
    XLMRobertaConfig(vocab_size=len(WORDS) + 2, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=80, pad_token_id=0).save_pretrained(folder)
    return folder


# family -> (model name, extra load_backbone arguments given the tmp folder, patch readouts expected)
FAMILIES = {
    'vit': ('ViT-B-32', lambda d: {}, ('tokens', 'value', 'attention', 'window')),
    'resnet': ('RN50', lambda d: {}, ('tokens', 'value')),
    'timm-convnext': ('convnext_tiny', lambda d: {}, ('tokens',)),
    'timm-eva': ('EVA02-B-16', lambda d: {}, ('tokens',)),
    'siglip': ('ViT-B-16-SigLIP', lambda d: dict(tokenizer=toy_tokenizer(d/'tok', WORDS)), ('tokens',)),
    'coca': ('coca_ViT-B-32', lambda d: {}, ()),
    'hf-text-tower': ('xlm-roberta-base-ViT-B-32', lambda d: dict(text_model=hf_text_folder(d/'xlmr')),
                      ('tokens', 'value', 'attention', 'window')),
    'perception-encoder': ('PE-Core-T-16-384', lambda d: {}, ('tokens',)),
    'timm-vitamin': ('ViTamin-S', lambda d: {}, ('tokens',)),
}


def images(n=8, size=64, seed=0):
    rng = np.random.default_rng(seed)
    return [Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)) for _ in range(n)]


@pytest.mark.parametrize('family', list(FAMILIES))
def test_family_walks_the_pipeline(family, tmp_path):
    name, extra, readouts = FAMILIES[family]
    torch.manual_seed(0)
    bb = load_backbone(name, device='cpu', force_image_size=64, force_context_length=16, **extra(tmp_path))
    assert bb.readouts == readouts
    ims = images()
    # image and text embeddings; the pooled embedding is open_clip's own call, bit for bit
    x = torch.stack([bb.preprocess(im) for im in ims[:2]])
    with torch.no_grad(): ref = bb.model.encode_image(x).float()
    if readouts:
        z, patches = bb.encode_image_and_patches(x)
        assert torch.equal(z, ref) and patches.shape == (2, bb.num_patches, bb.embed_dim)
        assert not torch.allclose(patches[:, 0], patches[:, -1])          # locations differ
    else: assert torch.equal(bb.encode_image(x), ref) and bb.num_patches is None
    # extract -> SAE -> names -> CBM -> retrieval
    fields = ('image', 'patch', 'text') if readouts else ('image', 'text')
    store = extract_activations(bb, ImageList(ims, captions=CAPTIONS), tmp_path/'store', fields=fields, batch_size=8,
                                progress=False)
    emb = store.load('image').float()
    assert emb.shape == (8, bb.embed_dim)
    torch.testing.assert_close(emb[:2], ref, rtol=2e-3, atol=2e-3 * ref.abs().max().item())   # stored as float16
    if readouts: assert store.load('patch').shape == (8, bb.num_patches, bb.embed_dim)
    text = store.load('text')
    assert text.shape == (8, bb.embed_dim) and torch.isfinite(text).all() and text.std(0).mean() > 0
    sae = train_sae(SAEConfig(bb.embed_dim, 32, 'topk', k=4, source=dict(model=name, field='image')), emb,
                    TrainConfig(batch_size=8, epochs=2), progress=False)
    names = name_concepts(sae, Vocabulary(WORDS, 'zoo'), bb, 'dncbm', image_emb=emb, cache_dir=tmp_path, progress=False)
    assert len(names) == 32 and all(w is None or w in WORDS for w in names.names)
    codes = sae.encode(emb).detach()
    labels = torch.tensor([0, 1] * 4)
    cbm = train_concept_bottleneck(codes, labels, n_classes=2, epochs=3, concept_names=names.names, progress=False)
    assert len(explain(cbm, codes[:2])) == 2
    r = retrieval_recall(F.normalize(emb, dim=-1), F.normalize(text, dim=-1), list(range(8)), ks=(1, 5))
    assert all(0 <= v <= 1 for v in r.values())
    assert r['image_retrieval_recall@5'] >= r['image_retrieval_recall@1']


@pytest.mark.parametrize('name,part', [('ViT-B-16-SigLIP', 'tokenizer'), ('xlm-roberta-base-ViT-B-32', 'text_model')])
def test_hub_only_text_side_offline_fails_fast_and_says_what_to_pass(name, part, monkeypatch):
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    t = time.time()
    with pytest.raises(WeightsUnavailableError, match=f"{part}='") as e: load_backbone(name, device='cpu')
    assert time.time() - t < 5                      # no half minute of retries; the model is not even built
    assert 'save_pretrained' in str(e.value) and 'HF_HUB_OFFLINE=1' in str(e.value)
