"Plumbing: the whole discover-then-name path on an open_clip ViT-B-32 with random weights (no download)."
import pytest, torch
from interpkit.backbones import load_backbone
from interpkit.shapes import ShapesWorld, ATTRIBUTES, class_prompts
from interpkit.activations import extract_activations
from interpkit.sae import SAEConfig, SparseAutoencoder
from interpkit.sae_training import TrainConfig, train_sae
from interpkit.naming import NAMING_METHODS, name_concepts, wordfreq_vocabulary, vocabulary_embeddings
from interpkit.shapes_naming import evaluate_shapes_naming, shapes_vocabulary
from interpkit.concept_bottleneck import concept_bottleneck_report, explain, intervene
from interpkit.core import MismatchError


def test_discover_then_name_on_random_vit_b_32(tmp_path):
    bb = load_backbone('ViT-B-32', device='cpu')   # random weights: plumbing, not meaning
    train, test = ShapesWorld(96, 'train', seed=2), ShapesWorld(48, 'test', seed=2)
    tr = extract_activations(bb, train, tmp_path/'train', fields=('image',), progress=False).load('image')
    te = extract_activations(bb, test, tmp_path/'test', fields=('image',), progress=False).load('image')
    assert tr.shape == (96, 512)
    sae = train_sae(SAEConfig(512, 256, 'topk', k=8, source=dict(model='ViT-B-32', field='image')), tr,
                    TrainConfig(batch_size=32, epochs=2), progress=False)
    vocab = wordfreq_vocabulary(300) | shapes_vocabulary()
    names = {m: name_concepts(sae, vocab, bb, m, image_emb=tr, cache_dir=tmp_path, progress=False) for m in NAMING_METHODS}
    for n in names.values():
        assert len(n) == 256 and all(w is None or w in vocab for w in n.names)
        assert (n.confidence >= 0).all()
    # the cache is per backbone weights: a second random ViT-B-32 gets its own entry
    other = load_backbone('ViT-B-32', device='cpu')
    vocabulary_embeddings(other, shapes_vocabulary(), cache_dir=tmp_path, progress=False)
    assert len({p.parent for p in (tmp_path/'text_embeddings').rglob('*.safetensors')}) == 2
    train_r = evaluate_shapes_naming(sae.encode(tr).detach(), train, names)
    r = evaluate_shapes_naming(sae.encode(te).detach(), test, names, choose_on=train_r)
    assert set(r['accuracy']) == set(NAMING_METHODS) and 0 <= r['coverage'] <= 1
    assert r['best_method'] == train_r['best_method']   # chosen on the training images
    assert r['best_accuracy'] is r['accuracy'][r['best_method']] and r['choice_accuracy'] is train_r['accuracy'][r['best_method']]
    y_tr, y_te = torch.as_tensor(train.largest_object('colour')), torch.as_tensor(test.largest_object('colour'))
    m_tr, m_te = y_tr >= 0, y_te >= 0
    rep, cbm = concept_bottleneck_report(sae.encode(tr[m_tr]).detach(), tr[m_tr], y_tr[m_tr], sae.encode(te[m_te]).detach(),
                                         te[m_te], y_te[m_te], class_emb=bb.encode_text(class_prompts('colour')),
                                         concept_names=names['dncbm'].names, budgets=(1, 5), epochs=5, progress=False)
    assert {'accuracy', 'dense_probe_accuracy', 'accuracy_gap', 'concepts_per_decision', 'zero_shot_accuracy', 'curve'} <= set(rep)
    ex = explain(cbm, sae.encode(te[m_te][:3]).detach())
    assert len(ex) == 3 and all(c[1] in vocab for e in ex for c in e['concepts'])
    assert intervene(cbm, sae.encode(te[m_te][:3]).detach(), off=list(range(256))).shape == (3,)


def test_sae_of_another_backbone_is_refused():
    bb = load_backbone('ViT-B-32', device='cpu')
    shapes_sae = SparseAutoencoder(SAEConfig(128, 64, 'topk', k=4, source=dict(model='interpkit-shapes-clip')))
    with pytest.raises(MismatchError, match='use the backbone the SAE was trained on'):
        name_concepts(shapes_sae, shapes_vocabulary(), bb)
