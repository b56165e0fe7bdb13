"End-to-end: the README's main job, run as a user runs it."
import json, shutil, subprocess, sys
from pathlib import Path


def test_demo_command_writes_report_and_metrics(tmp_path):
    exe = shutil.which('interpkit', path=str(Path(sys.executable).parent)) or 'interpkit'
    r = subprocess.run([exe, 'demo', '--out', str(tmp_path/'demo'), '--seed', '3', '--n-images', '48'],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    m = json.loads((tmp_path/'demo'/'metrics.json').read_text())
    assert m['seed'] == 3 and m['store']['count'] == 48
    assert m['store']['fields'] == {'image': [128], 'patch': [64, 128], 'text': [128]}
    assert m['backbone'] == {'model': 'interpkit-shapes-clip', 'pretrained': 'shapes-world', 'embed_dim': 128}
    keys = {'zeroshot', 'zeroshot_two_objects', 'retrieval_full', 'retrieval_partial', 'grounding', 'test_split'}
    assert keys <= set(m['shapes'])
    assert set(m['shapes']['zeroshot']) == {'shape', 'colour', 'size', 'position', 'background', 'background_colour'}
    assert all(0 <= v <= 1 for v in m['shapes']['zeroshot'].values())
    page = (tmp_path/'demo'/'report.html').read_text()
    assert 'Plotly.newPlot' in page and '<script src=' not in page   # self-contained: plotly.js inline
    # the same seed gives the same data and the same numbers
    r2 = subprocess.run([exe, 'demo', '--out', str(tmp_path/'again'), '--seed', '3', '--n-images', '48'],
                        capture_output=True, text=True, timeout=600)
    assert r2.returncode == 0, r2.stderr
    m2 = json.loads((tmp_path/'again'/'metrics.json').read_text())
    assert m2['shapes'] == m['shapes']


def test_demo_rejects_bad_arguments(tmp_path):
    exe = shutil.which('interpkit', path=str(Path(sys.executable).parent)) or 'interpkit'
    r = subprocess.run([exe, 'demo'], capture_output=True, text=True)
    assert r.returncode == 2 and '--out' in r.stderr
