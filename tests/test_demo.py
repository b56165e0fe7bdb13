"End-to-end: the README's main job, run as a user runs it."
import json, shutil, subprocess, sys
from pathlib import Path


def test_demo_command_writes_report_and_metrics(tmp_path):
    exe = shutil.which('interpkit', path=str(Path(sys.executable).parent)) or 'interpkit'
    r = subprocess.run([exe, 'demo', '--out', str(tmp_path/'demo'), '--seed', '3', '--n-images', '48', '--sae-train-images', '2048', '--patch-train-images', '1024',
                        '--attribution-grids', '4'], capture_output=True, text=True, timeout=1500)
    assert r.returncode == 0, r.stderr
    m = json.loads((tmp_path/'demo'/'metrics.json').read_text())
    assert m['seed'] == 3 and m['store']['count'] == 48
    assert m['store']['fields'] == {'image': [128], 'patch': [64, 128], 'text': [128]}
    assert m['backbone'] == {'model': 'interpkit-shapes-clip', 'pretrained': 'shapes-world', 'embed_dim': 128}
    keys = {'zeroshot', 'zeroshot_two_objects', 'retrieval_full', 'retrieval_partial', 'grounding', 'test_split'}
    assert keys <= set(m['shapes'])
    assert set(m['shapes']['zeroshot']) == {'shape', 'colour', 'size', 'position', 'background', 'background_colour'}
    assert all(0 <= v <= 1 for v in m['shapes']['zeroshot'].values())
    assert {'coverage', 'accuracy', 'method'} <= set(m['naming']) and 0 <= m['naming']['coverage'] <= 1
    # the naming method is chosen on the train split and reported on the test split
    nm, same = m['naming'], lambda a, b: a == b or (a != a and b != b)   # NaN: no confident latents
    assert nm['method_chosen_on'] == 'train' and same(nm['accuracy'], nm['accuracy_by_method'][nm['method']])
    assert nm['method'] == max(nm['train_accuracy_by_method'], key=nm['train_accuracy_by_method'].get)
    assert nm['patch_flat_method'] == max(nm['patch_train_accuracy_by_method'], key=nm['patch_train_accuracy_by_method'].get)
    assert same(nm['patch_flat_accuracy'], nm['patch_accuracy_by_method'][nm['patch_flat_method']])
    assert 0 <= m['naming']['probe_coverage'] <= 1 and len(m['naming']['value_auroc']) == m['naming']['n_values']
    assert {f'colour={c}' for c in ('red', 'blue')} <= set(m['naming']['value_auroc'])
    for key in ('accuracy', 'dense_probe_accuracy', 'accuracy_gap', 'concepts_per_decision'):
        assert set(m['cbm'][key]) == {'shape', 'colour'}
    for t in ('shape', 'colour'):
        assert abs(m['cbm']['accuracy_gap'][t] - (m['cbm']['dense_probe_accuracy'][t] - m['cbm']['accuracy'][t])) < 1e-3
    tevi = m['tevi']
    assert {'partial_consistent@1_raw', 'partial_consistent@1_tevi', 'partial_error_reduction', 'full_t2i_R@1_raw',
            'full_t2i_R@1_tevi', 'full_t2i_R@1_drop'} <= set(tevi)
    assert abs(tevi['full_t2i_R@1_drop'] - (tevi['full_t2i_R@1_raw'] - tevi['full_t2i_R@1_tevi'])) < 1e-9
    err_raw, err_tevi = 1 - tevi['partial_consistent@1_raw'], 1 - tevi['partial_consistent@1_tevi']
    assert err_raw == 0 or abs(tevi['partial_error_reduction'] - (err_raw - err_tevi)/err_raw) < 1e-6
    for scorer in ('raw', 'tevi'):   # failure kinds add up to the misses consistent@1 counts
        f = tevi['partial_failures'][scorer]
        assert f['queries'] == 48 and f['binding'] + f['missing'] == f['errors']
        assert abs(f['errors'] - round((1 - tevi[f'partial_consistent@1_{scorer}'])*48)) <= 1
    for scorer in ('raw', 'sae', 'tevi'):
        assert {f'{d}_retrieval_recall@{k}' for d in ('image', 'text') for k in (1, 5, 10)} <= set(tevi['by_scorer'][scorer]['full'])
        assert {'consistent@1', 'consistent@5', 'any@1', 'any@5'} == set(tevi['by_scorer'][scorer]['partial'])
    cb = json.loads((tmp_path/'demo'/'retrieval.json').read_text())   # CLIP_benchmark's result format
    assert cb['task'] == 'zeroshot_retrieval' and cb['model'] == 'interpkit-shapes-clip' and cb['pretrained'] == 'shapes-world'
    assert cb['metrics']['image_retrieval_recall@1'] == tevi['full_t2i_R@1_raw']
    assert (tmp_path/'demo'/'tevi'/'tevi.safetensors').exists()
    g = m['grounding']      # patch concepts: grounding on held-out images and relation-aware naming
    assert {'concept_pointing_game', 'concept_mean_iou', 'concepts', 'pairs', 'readout'} <= set(g) and g['readout'] == 'window'
    assert g['concepts'] == 0 or (0 <= g['concept_pointing_game'] <= 1 and 0 <= g['concept_mean_iou'] <= 1 and 0 <= g['bilinear_mean_iou'] <= 1)
    assert g['segmentation'] == 'regions' and g['regions']['sigma'] == 0   # region-pooled maps, Shapes World's regions
    assert 0 <= m['naming']['relation_aware_accuracy'] <= 1 or m['naming']['relation_aware_accuracy'] != m['naming']['relation_aware_accuracy']
    assert (tmp_path/'demo'/'patch_sae').exists()
    b = m['bcos']   # the shipped classifiers and the B-cosified CLIP on the held-out seed
    assert {'standard', 'scratch', 'bcosified', 'clip', 'exactness', 'test_split'} <= set(b) and b['test_split']['seed'] == 3
    assert all(0.9 <= b[k]['accuracy'] <= 1 for k in ('standard', 'scratch', 'bcosified'))
    assert b['exactness'] <= 1e-4 and b['exactness'] == max(b['scratch']['exactness'], b['bcosified']['exactness'], b['clip']['exactness'])
    assert abs(b['bcosified']['speedup'] - b['bcosified']['scratch_steps'] / b['bcosified']['steps']) < 1e-9
    assert set(b['clip']['zeroshot']) == set(m['shapes']['zeroshot']) and 0 <= b['clip']['pointing_game_two_objects'] <= 1
    a = m['attribution']   # every method x layer x model x setting on 4 grids of the seed's test scenes
    assert a['grids']['grids'] == 4 and a['grids']['seed'] == 3
    assert {'gridpg', 'difull', 'dipart', 'table', 'mask_pointing', 'seconds_per_map', 'excluded'} <= set(a)
    assert set(a['table']) == {'gridpg', 'difull', 'dipart'} and len(a['seconds_per_map']) >= 10
    for meth in ('gradient', 'input_x_gradient', 'integrated_gradients', 'guided_backprop'):
        assert abs(a['difull'][meth]['input'] - 1) < 1e-6      # provably exact, on every model
    assert 0 <= a['gridpg']['bcos_contributions'] <= 1 and a['gridpg']['best_posthoc_standard']['method'] in a['seconds_per_map']
    assert {'standard', 'bcos', 'bcosified', 'clip', 'bcos_clip'} == set(a['mask_pointing']['gradient'])
    gd, kd, pt = m['guidance'], m['e2kd'], m['patches']   # the guidance part: shipped models on the seed's test split
    assert gd['test_split'] == {'split': 'test', 'seed': 3, 'n': 48} and kd['test_split'] == gd['test_split']
    assert abs(gd['worst_group_gain'] - (gd['guided']['worst_group'] - gd['unguided']['worst_group'])) < 1e-9
    assert 0 <= gd['guided']['epg'] <= 1 and len(gd['sweep']['rows']) >= 10
    assert {'teacher', 'kd', 'e2kd', 'e2kd_precomputed', 'worst_group_gain', 'agreement_gain'} <= set(kd)
    assert abs(kd['worst_group_gain'] - (kd['e2kd']['worst_group'] - kd['kd']['worst_group'])) < 1e-9
    assert pt['attack']['size'] == 16 and pt['attack']['iterations'] == 100 and pt['normal']['n'] == 48
    assert abs(pt['robust_ratio'] - pt['full_lo']['robust_accuracy'] / max(pt['normal']['robust_accuracy'], 1 / 48)) < 1e-9
    assert pt['full_lo']['robust_accuracy'] <= pt['full_lo']['clean_accuracy']
    bl = m['bcos_lm']   # the shipped conventional and B-cos text classifiers on the seed's test captions
    assert bl['test_split'] == {'split': 'test', 'seed': 3, 'n': 48} and set(bl['tasks']) == {'shape', 'colour', 'red'}
    assert bl['exactness'] <= 1e-4 and bl['exactness'] == max(r['exactness'] for r in bl['tasks'].values())
    assert abs(bl['accuracy_gap'] - max(r['accuracy']['conventional'] - r['accuracy']['bcos'] for r in bl['tasks'].values())) < 1e-9
    assert all(set(r['methods']) == {'bcos', 'ixg', 'ig', 'attention', 'occlusion'} for r in bl['tasks'].values())
    assert bl['pointing_game'] == min(bl['tasks'][t]['methods']['bcos']['pointing_game'] for t in ('shape', 'colour'))
    assert 'pointing_game' not in bl['tasks']['red']['methods']['bcos'] and 0 < bl['tasks']['red']['n_explained'] < 48
    page = (tmp_path/'demo'/'report.html').read_text()
    assert 'B-cos text explanations' in page and 'interpkit-tokens' in page   # the token views
    assert 'Plotly.newPlot' in page and '<script src=' not in page   # self-contained: plotly.js inline
    assert page.index('Headline numbers') < page.index('<h2>The image SAE</h2>') < page.index('<details>')   # full table last
    # the same seed gives the same data and the same numbers
    r2 = subprocess.run([exe, 'demo', '--out', str(tmp_path/'again'), '--seed', '3', '--n-images', '48', '--sae-train-images', '2048', '--patch-train-images', '1024',
                         '--attribution-grids', '4'], capture_output=True, text=True, timeout=1500)
    assert r2.returncode == 0, r2.stderr
    m2 = json.loads((tmp_path/'again'/'metrics.json').read_text())
    assert m2['shapes'] == m['shapes']
    assert m2['sae'] == m['sae']   # SAE training is deterministic too
    assert m2['naming'] == m['naming'] and m2['cbm'] == m['cbm'] and m2['grounding'] == m['grounding'] and m2['bcos'] == m['bcos']
    assert m2['guidance'] == m['guidance'] and m2['e2kd'] == m['e2kd'] and m2['patches'] == m['patches']
    assert m2['bcos_lm'] == m['bcos_lm']
    untimed = lambda a: {k: v for k, v in a.items() if k not in ('seconds_per_map', 'table_seconds')}
    assert untimed(m2['attribution']) == untimed(m['attribution'])
    timing = ('train_seconds', 'scoring')
    strip = lambda t: {k: v for k, v in t.items() if k not in timing and k != 'by_scorer'}
    assert strip(m2['tevi']) == strip(m['tevi'])   # TEVI training is deterministic


def test_demo_sae_on_shapes_world(tmp_path):
    "The demo's SAE with its default training set: the acceptance figures of the SAE issue, on held-out images."
    exe = shutil.which('interpkit', path=str(Path(sys.executable).parent)) or 'interpkit'
    r = subprocess.run([exe, 'demo', '--out', str(tmp_path/'demo'), '--n-images', '1000', '--patch-train-images', '512',
                        '--only', 'naming'],
                       capture_output=True, text=True, timeout=1500)
    assert r.returncode == 0, r.stderr
    m = json.loads((tmp_path/'demo'/'metrics.json').read_text())
    sae = m['sae']
    assert sae['variant'] == 'topk' and sae['n'] == 1000
    assert sae['fvu'] <= 0.05 and sae['dead_fraction'] <= 0.1 and abs(sae['l0'] - 32) < 1e-6
    assert sae['zeroshot_accuracy_reconstructed'] >= sae['zeroshot_accuracy'] - 0.05
    # the shipped CLIP carries the attribute values linearly: a supervised probe detects nearly all of them, so low
    # concept coverage is the SAE's doing; only shapes sit near the 0.95 bar
    naming = m['naming']
    assert naming['probe_coverage'] >= 0.9 and naming['probe_coverage'] >= naming['coverage']
    assert all(v.startswith('shape=') for v in naming['probe_missed_values']), naming['probe_missed_values']
    from interpkit.sae import SparseAutoencoder
    loaded = SparseAutoencoder.load(tmp_path/'demo'/'sae')
    assert loaded.config.source['model'] == 'interpkit-shapes-clip' and loaded.config.normalization == 'none'


def test_demo_rejects_bad_arguments(tmp_path):
    exe = shutil.which('interpkit', path=str(Path(sys.executable).parent)) or 'interpkit'
    r = subprocess.run([exe, 'demo'], capture_output=True, text=True)
    assert r.returncode == 2 and '--out' in r.stderr


def test_demo_only_runs_one_part_and_what_it_needs(tmp_path):
    exe = shutil.which('interpkit', path=str(Path(sys.executable).parent)) or 'interpkit'
    r = subprocess.run([exe, 'demo', '--out', str(tmp_path/'demo'), '--seed', '3', '--n-images', '48', '--sae-train-images', '2048',
                        '--only', 'sae'], capture_output=True, text=True, timeout=1500)
    assert r.returncode == 0, r.stderr
    m = json.loads((tmp_path/'demo'/'metrics.json').read_text())
    assert {'store', 'sae'} <= set(m) and not {'shapes', 'naming', 'cbm', 'tevi', 'grounding', 'bcos'} & set(m)
    assert m['store']['count'] == 48 and m['sae']['train_images'] == 2048 and (tmp_path/'demo'/'sae').exists()
    assert not (tmp_path/'demo'/'patch_sae').exists() and (tmp_path/'demo'/'report.html').exists()


def test_demo_stages_take_only_the_context():
    "No stage takes train and test data positionally: each reads its named splits from one `DemoContext`."
    import inspect
    from interpkit.demo import DEMO_PARTS, DemoContext, StageResult, demo_plan
    stages = [s for p in DEMO_PARTS.values() for s in p.stages]
    assert len(stages) >= 7
    for s in stages:
        sig = inspect.signature(s, eval_str=True)
        assert list(sig.parameters) == ['ctx'] and sig.parameters['ctx'].annotation is DemoContext, s.__name__
        assert sig.return_annotation is StageResult, s.__name__
    assert demo_plan(['cbm']) == ['store', 'sae', 'naming', 'cbm'] and demo_plan(['spatial']) == ['store', 'spatial']
