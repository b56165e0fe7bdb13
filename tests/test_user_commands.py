"""The user's commands end to end: `interpkit extract` -> `train-sae` -> `name` -> `report` on a folder of generated
PNGs with the random-weight test ViT, through `interpkit.cli.main` as a shell would call it; a killed SAE training
resumes to the result of an uninterrupted one; bad input gives a one-line error and exit status 1."""
from __future__ import annotations
import json, re

import numpy as np
import pytest
import torch
from PIL import Image

from interpkit.activations import ActivationStore
from interpkit.cli import main
from interpkit.report import read_names
from interpkit.sae import SparseAutoencoder

N = 24
WORDS = ['red', 'green', 'blue', 'stripes', 'dots', 'square', 'circle', 'sky', 'grass', 'sea']


def cli(*args) -> int:
    return main([str(a) for a in args])


@pytest.fixture(scope='module')
def images(tmp_path_factory):
    "24 PNGs in a folder, a captions table naming them, and a word list."
    root = tmp_path_factory.mktemp('user')
    (root/'pngs').mkdir()
    rng = np.random.default_rng(0)
    rows = ['image,caption']
    for i in range(N):
        a = np.full((32, 32, 3), 20, np.uint8)
        c = rng.integers(80, 255, 3).astype(np.uint8)
        if i % 3 == 0: a[::4] = c
        elif i % 3 == 1: a[:, ::4] = c
        else: a[8:24, 8:24] = c
        Image.fromarray(a).save(root/'pngs'/f'img_{i:02d}.png')
        rows.append(f"pngs/img_{i:02d}.png,{['horizontal stripes', 'vertical stripes', 'a square'][i % 3]}")
    (root/'captions.csv').write_text('\n'.join(rows) + '\n')
    (root/'words.txt').write_text('\n'.join(WORDS) + '\n')
    return root


@pytest.fixture(scope='module')
def run(images, tmp_path_factory):
    "The four commands, in order, as the README gives them."
    import os
    os.environ['INTERPKIT_CACHE'] = str(tmp_path_factory.mktemp('cache'))
    out = images/'run'
    codes = [cli('extract', '--model', 'interpkit-tiny-vit', '--images', images/'captions.csv', '--fields', 'image,patch,text',
                 '--out', out/'store', '--batch-size', 8, '--num-workers', 0, '--device', 'cpu'),
             cli('train-sae', '--store', out/'store', '--latents', 64, '--k', 4, '--epochs', 3, '--batch-size', 8,
                 '--out', out/'sae', '--device', 'cpu'),
             cli('name', '--sae', out/'sae', '--vocabulary', images/'words.txt', '--out', out/'names.csv', '--device', 'cpu'),
             cli('report', '--store', out/'store', '--sae', out/'sae', '--names', out/'names.csv', '--out', out/'report',
                 '--device', 'cpu')]
    return out, codes


def test_commands_succeed(run):
    assert run[1] == [0, 0, 0, 0]


def test_extract_writes_a_complete_store(run, images):
    store = ActivationStore(run[0]/'store')
    assert store.complete and store.count == N and list(store.fields) == ['image', 'patch', 'text']
    assert store.load('patch').shape == (N, 16, 64)
    assert store.keys == [f'pngs/img_{i:02d}.png' for i in range(N)]


def test_random_weights_are_the_same_in_every_run(run, images, tmp_path):
    "A model with random weights is the same model in every command and process (extraction resumed elsewhere, naming)."
    assert cli('extract', '--model', 'interpkit-tiny-vit', '--images', images/'captions.csv', '--out', tmp_path/'again',
               '--num-workers', 0, '--device', 'cpu') == 0
    assert torch.equal(ActivationStore(tmp_path/'again').load('image'), ActivationStore(run[0]/'store').load('image'))


def test_train_sae_saves_the_sae(run):
    sae = SparseAutoencoder.load(run[0]/'sae', device='cpu')
    assert (sae.n_latents, sae.d_in, sae.config.k) == (64, 64, 4)
    assert sae.config.source == dict(model='interpkit-tiny-vit', pretrained=None, field='image')
    ckpt = json.loads((run[0]/'sae'/'checkpoint.json').read_text())
    assert ckpt['step'] == 3*N//8


def test_name_writes_one_row_per_latent(run):
    names = read_names(run[0]/'names.csv', n_latents=64)
    assert len(names) == 64 and set(names['name'].dropna()) <= set(WORDS)
    assert names['name'].notna().sum() > 0


def test_report_has_every_section(run):
    page = (run[0]/'report'/'report.html').read_text()
    heads = re.findall(r'<h2>(.*?)</h2>', page)
    assert heads == ['Headline numbers', 'Extraction', 'Sparse autoencoder', 'Concepts', 'Names', 'Image-text retrieval']
    assert page.index('<h2>Image-text retrieval</h2>') < page.index('<details><summary>All metrics')
    assert len(re.findall(r'data:image(?:/|\\u002f)png;base64,', page)) >= 12    # the concepts' top images, embedded
    m = json.loads((run[0]/'report'/'metrics.json').read_text())
    assert m['store']['images'] == N and m['sae']['n_latents'] == 64 and m['concepts']['images_found'] == N
    assert 0 <= m['retrieval']['image_retrieval_recall@1'] <= m['retrieval']['image_retrieval_recall@10'] <= 1


def test_rerun_is_a_no_op(run, capsys):
    out = run[0]
    assert cli('train-sae', '--store', out/'store', '--latents', 64, '--k', 4, '--epochs', 3, '--batch-size', 8,
               '--out', out/'sae', '--device', 'cpu') == 0
    assert f'SAE: {out/"sae"} (step 9,' in capsys.readouterr().out


def test_killed_training_resumes_to_the_same_sae(run, tmp_path):
    store = run[0]/'store'
    args = ['train-sae', '--store', store, '--latents', 64, '--k', 4, '--epochs', 3, '--batch-size', 8, '--device', 'cpu',
            '--checkpoint-every', 2]
    assert cli(*args, '--out', tmp_path/'a', '--stop-after', 5) == 0     # killed in step 6: checkpoint of step 4
    assert json.loads((tmp_path/'a'/'checkpoint.json').read_text())['step'] == 4
    assert not (tmp_path/'a'/'sae.json').exists()
    assert cli(*args, '--out', tmp_path/'a') == 0
    resumed, whole = SparseAutoencoder.load(tmp_path/'a', device='cpu'), SparseAutoencoder.load(run[0]/'sae', device='cpu')
    for k, v in whole.state_dict().items(): assert torch.equal(resumed.state_dict()[k], v), k


def _error(capsys, *args) -> str:
    assert cli(*args) == 1
    err = capsys.readouterr().err
    assert err.startswith(f'interpkit {args[0]}: error: ') and err.count('\n') == 1
    return err


def test_unknown_model_suggests_names(images, capsys):
    err = _error(capsys, 'extract', '--model', 'ViT-B-23', '--images', images/'pngs', '--out', images/'x')
    assert "unknown model 'ViT-B-23'" in err and "'ViT-B-32'" in err


def test_another_models_store_is_refused(run, images, capsys):
    err = _error(capsys, 'extract', '--model', 'interpkit-shapes-clip', '--images', images/'captions.csv', '--out',
                 run[0]/'store', '--num-workers', 0, '--device', 'cpu')
    assert 'interpkit-tiny-vit' in err and '--overwrite' in err
    assert ActivationStore(run[0]/'store').meta['backbone']['model'] == 'interpkit-tiny-vit'    # left as it was


@pytest.mark.parametrize('name,text,line', [('bad.jsonl', '{"image": "pngs/img_00.png"}\n{"image": pngs/img_01.png}\n', 2),
                                            ('bad.json', '{"images": [\n  {"id": 1, "file_name": "a.png"},\n  oops\n]}', 3)])
def test_annotation_that_does_not_parse_names_the_line(images, capsys, name, text, line):
    (images/name).write_text(text)
    err = _error(capsys, 'extract', '--model', 'interpkit-tiny-vit', '--images', images/name, '--out', images/'y')
    assert f'line {line}' in err
