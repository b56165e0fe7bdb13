"""Real-browser test of the concept browser: JupyterLab on loopback, headless Chromium driven by Playwright.

It opens the "Browse concepts" tutorial in JupyterLab, runs all cells, types a query into the ConceptBrowser and
checks that the image grid changes in the page; it measures, in the page, the time from the Enter key to the last
redrawn image of the grid, and saves a screenshot to `.ci/artifacts/` (or $INTERPKIT_ARTIFACTS). A second, short test
opens an AttributionExplorer over the shipped Shapes World classifiers, picks another method in its dropdown and checks
that the map and the header change in the page.

Needs Debian's `chromium`, `playwright` and `jupyterlab` (installed by `.ci/setup`). Without them the test is
skipped, unless INTERPKIT_REQUIRE_BROWSER=1 (as `.ci/test` sets), where it fails instead.
"""
import json, os, shutil, socket, statistics, subprocess, sys, time, urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT/'nbs'/'tutorials'/'05_browse_concepts.ipynb'
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
QUERIES = ['a red star', 'a blue circle', 'a green heart', 'a yellow square', 'a purple cross', 'an orange triangle',
           'a pink hexagon', 'a cyan diamond', 'a striped background', 'a dotted background', 'something on the left',
           'a large shape']

def _missing() -> list[str]:
    out = [] if CHROMIUM else ['chromium (apt-get install chromium)']
    for mod in ('playwright', 'jupyterlab'):
        try: __import__(mod)
        except ImportError: out.append(mod)
    return out

EXPLORER_CELLS = ["""from interpkit.shapes import SHAPES
from interpkit.shapes_classifiers import classifier_input, load_shapes_classifier, shapes_classification_set
from interpkit.widgets import AttributionExplorer
models = {k: load_shapes_classifier(k, device='cpu') for k in ('standard', 'bcos')}
pixels, labels = shapes_classification_set(4, 'test', 0)""",
"""explorer = AttributionExplorer(models, pixels, labels, classifier_input, class_names=SHAPES, model='bcos',
                               methods=['input_x_gradient', 'bcos_contributions'], layers=('input', 'blocks.1'))
explorer"""]

def _notebook(cells: list[str]) -> dict:
    return dict(nbformat=4, nbformat_minor=5, metadata=dict(kernelspec=dict(display_name='Python 3', language='python', name='python3')),
                cells=[dict(cell_type='code', id=f'cell{i}', metadata={}, execution_count=None, outputs=[], source=c)
                       for i, c in enumerate(cells)])

@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    missing = _missing()
    if missing:
        msg = f"browser test needs {', '.join(missing)}"
        if os.environ.get('INTERPKIT_REQUIRE_BROWSER') == '1': pytest.fail(msg)
        pytest.skip(msg)
    root = tmp_path_factory.mktemp('lab')
    shutil.copy(TUTORIAL, root/'browse.ipynb')
    (root/'attribution.ipynb').write_text(json.dumps(_notebook(EXPLORER_CELLS)))
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(root/'.jupyter'), JUPYTER_RUNTIME_DIR=str(root/'.runtime'),
               HF_HUB_OFFLINE='1', OMP_NUM_THREADS=os.environ.get('OMP_NUM_THREADS', '2'))
    log = open(root/'lab.log', 'w')
    proc = subprocess.Popen([sys.executable, '-m', 'jupyter', 'lab', '--no-browser', '--ServerApp.ip=127.0.0.1',
                             f'--ServerApp.port={port}', '--IdentityProvider.token=', '--ServerApp.password=',
                             '--ServerApp.disable_check_xsrf=True', f'--ServerApp.root_dir={root}', '--allow-root',
                             '--LabApp.news_url=', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate'],
                            cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f'http://127.0.0.1:{port}'
    for _ in range(120):
        try: urllib.request.urlopen(f'{url}/api/status', timeout=1); break
        except Exception: time.sleep(0.5)
    else:
        proc.kill(); pytest.fail(f"JupyterLab did not start: {(root/'lab.log').read_text()[-2000:]}")
    yield url, root
    proc.terminate()
    try: proc.wait(10)
    except subprocess.TimeoutExpired: proc.kill()

GRID_SRCS = "() => Array.from(document.querySelectorAll('.ik-grid img')).map(e => e.src)"
WATCH = """() => {
  window.__ik = {enter: null, last: null};
  const input = document.querySelector('.ik-query input');
  input.addEventListener('keydown', e => { if (e.key === 'Enter') window.__ik.enter = performance.now(); }, {capture: true});
  new MutationObserver(() => { window.__ik.last = performance.now(); })
    .observe(document.querySelector('.ik-grid'), {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
}"""

def _artifacts() -> Path:
    "The folder for screenshots and timings (`$INTERPKIT_ARTIFACTS`, default .ci/artifacts)."
    out = Path(os.environ.get('INTERPKIT_ARTIFACTS', ROOT/'.ci'/'artifacts')); out.mkdir(parents=True, exist_ok=True)
    return out

def _launch(p):
    "Debian's chromium, headless, launched by its path (Playwright's own browser download does not work here)."
    return p.chromium.launch(executable_path=CHROMIUM, headless=True,
                             args=['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage'])

def test_concept_browser_in_jupyterlab(lab):
    from playwright.sync_api import sync_playwright
    url, root = lab
    artifacts = _artifacts()
    with sync_playwright() as p:
        browser = _launch(p)
        page = browser.new_page(viewport={'width': 1500, 'height': 1200})
        _open_and_run(page, url, 'browse.ipynb')
        try:
            page.wait_for_selector('.ik-query input', timeout=int(os.environ.get('INTERPKIT_BROWSER_TIMEOUT', 600))*1000)
            # the tutorial's last query decides the concept shown when Run All ends; its grid may hold fewer than 16
            page.wait_for_function("document.querySelectorAll('.ik-grid img').length >= 1", timeout=300_000)
            for _ in range(2):   # Run All done: the kernel is idle, and still idle a moment later
                page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=600_000)
                page.wait_for_timeout(2_000)
        except Exception:
            page.screenshot(path=str(artifacts/'concept_browser_failed.png'), full_page=True)
            errors = page.eval_on_selector_all('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]', 'els => els.map(e => e.innerText)')
            raise AssertionError(f"the ConceptBrowser did not appear; stderr outputs: {[e[-800:] for e in errors]}; "
                                 f"screenshot: {artifacts/'concept_browser_failed.png'}")
        page.evaluate(WATCH)
        changed, times = [], []
        for q in QUERIES:
            before = page.evaluate(GRID_SRCS)
            page.fill('.ik-query input', q)
            page.press('.ik-query input', 'Enter')
            # the redraw is done when the grid has been quiet for 0.5 s
            page.wait_for_function("() => window.__ik.enter !== null", timeout=10_000)
            page.wait_for_timeout(300)
            page.wait_for_function("() => window.__ik.last === null || performance.now() - window.__ik.last > 500", timeout=30_000)
            after = page.evaluate(GRID_SRCS)
            ik = page.evaluate("() => window.__ik")
            if after != before:
                changed.append((q, len(after)))
                if len(after) == 16: times.append(ik['last'] - ik['enter'])   # a redrawn grid of 16 images
            page.evaluate("() => { window.__ik.enter = null; window.__ik.last = null; }")
        message = page.inner_text('.ik-message')
        try: page.click('.jp-toast-container button:has-text("No")', timeout=2_000)   # the news question hides the page
        except Exception: pass
        page.screenshot(path=str(artifacts/'concept_browser.png'), full_page=True)
        browser.close()
    assert changed, f"no query changed the image grid (last message: {message!r})"
    assert times, f"no query redrew a full grid of 16 images: {changed}"
    assert (artifacts/'concept_browser.png').stat().st_size > 20_000
    result = dict(queries=len(QUERIES), grid_changed=len(changed), full_grids=len(times), median_ms=round(statistics.median(times), 1),
                  max_ms=round(max(times), 1), times_ms=[round(t, 1) for t in times])
    (artifacts/'concept_browser_timing.json').write_text(json.dumps(result, indent=2))
    print(f"\nconcept browser in JupyterLab: grid redrawn after {len(changed)}/{len(QUERIES)} queries; "
          f"query -> redrawn grid of 16 images: median {result['median_ms']} ms, max {result['max_ms']} ms")


def _open_and_run(page, url: str, name: str):
    "Open notebook `name` in JupyterLab and run all its cells."
    page.goto(f'{url}/lab/tree/{name}?reset', timeout=120_000)   # reset: no tab left open by an earlier test
    page.wait_for_selector('.jp-Notebook .jp-Cell', timeout=120_000)
    try:    # JupyterLab may ask which kernel to start
        page.click('.jp-Dialog button:has-text("Select")', timeout=15_000)
    except Exception: pass
    page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=120_000)
    page.click('.lm-MenuBar-itemLabel:text-is("Run")')
    page.click('.lm-Menu-itemLabel:text-is("Run All Cells")')

MAP_SRC = "() => { const im = document.querySelectorAll('.ik-attribution img'); return im.length > 1 ? im[1].src : null; }"

def test_attribution_explorer_method_dropdown(lab):
    from playwright.sync_api import sync_playwright
    url, root = lab
    artifacts = _artifacts()
    with sync_playwright() as p:
        browser = _launch(p)
        page = browser.new_page(viewport={'width': 1300, 'height': 1000})
        _open_and_run(page, url, 'attribution.ipynb')
        try:
            page.wait_for_selector('.ik-method select', timeout=300_000)
            page.wait_for_function("document.querySelectorAll('.ik-attribution img').length >= 2", timeout=120_000)
            page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=120_000)
        except Exception:
            page.screenshot(path=str(artifacts/'attribution_explorer_failed.png'), full_page=True)
            errors = page.eval_on_selector_all('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]', 'els => els.map(e => e.innerText)')
            raise AssertionError(f"the AttributionExplorer did not appear; stderr outputs: {[e[-800:] for e in errors]}; "
                                 f"screenshot: {artifacts/'attribution_explorer_failed.png'}")
        options = page.eval_on_selector_all('.ik-method select option', 'os => os.map(o => o.textContent.replace(/\\u00a0/g, " "))')
        assert options == ['input_x_gradient (captum)', 'bcos_contributions (bcos)'], options
        before, header = page.evaluate(MAP_SRC), page.inner_text('.ik-header')
        assert 'input_x_gradient' in header and 'bcos' in header, header
        t0 = time.perf_counter()
        page.select_option('.ik-method select', index=1)       # what a user does: pick the B-cos contributions
        page.wait_for_function(f"() => ({MAP_SRC})() !== {json.dumps(before)}", timeout=30_000)
        page.wait_for_function("() => document.querySelector('.ik-header').innerText.includes('bcos_contributions')", timeout=30_000)
        redraw_ms = (time.perf_counter() - t0)*1e3
        message = page.inner_text('.ik-message')
        page.screenshot(path=str(artifacts/'attribution_explorer.png'), full_page=True)
        browser.close()
    assert message.strip() == '', f"the explorer reported: {message!r}"
    print(f"\nattribution explorer in JupyterLab: method dropdown -> redrawn map in {redraw_ms:.0f} ms")
