"""Execute every tutorial notebook and render it to a self-contained HTML page.

The docs site is built by Quarto (`nbdev_docs`), which cannot be installed here; this is the part of the docs
build that can be checked without it. For each `nbs/tutorials/*.ipynb` it:
  1. executes the notebook with nbclient (any cell error fails the run),
  2. renders it to `_docs/tutorials/<name>.html` with nbconvert (images embedded, plotly.js inline, no CDN),
  3. drops saved widget state (the tutorials follow each live widget with a static picture), checks that every code cell ran, that every figure the notebook produced is in the page, and that the
     page loads no external script or stylesheet.
Usage: python .ci/render_tutorials.py [NOTEBOOK ...]
"""
import os, re, sys, time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parents[1]
FIGURE_MIMES = ('image/png', 'image/svg+xml', 'image/jpeg')

def figures_in(nb) -> int:
    "Number of figure outputs: images, and plotly figures rendered as HTML."
    n = 0
    for cell in nb.cells:
        for out in cell.get('outputs', []):
            data = out.get('data', {})
            if any(m in data for m in FIGURE_MIMES): n += 1
            elif 'plotly' in data.get('text/html', '') and 'Plotly.newPlot' in data.get('text/html', ''): n += 1
    return n

MATHJAX_TAG = re.compile(r'<script src="https://cdnjs\.cloudflare\.com/ajax/libs/mathjax/[^"]*"></script>')

def drop_plotly_mathjax(nb):
    "plotly's HTML outputs load MathJax from a CDN for LaTeX labels; the tutorials use none, and the page must work offline."
    for cell in nb.cells:
        for out in cell.get('outputs', []):
            html = out.get('data', {}).get('text/html')
            if html: out['data']['text/html'] = MATHJAX_TAG.sub('', html)

def render(path: Path, out_dir: Path) -> Path:
    nb = nbformat.read(path, as_version=4)
    os.environ.setdefault('PLOTLY_RENDERER', 'notebook')  # plotly.js inline in the output, no CDN
    t = time.time()
    NotebookClient(nb, timeout=900, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}}).execute()
    code = [c for c in nb.cells if c.cell_type == 'code' and c.source.strip()]
    missing = [i for i, c in enumerate(code) if c.get('execution_count') is None]
    assert not missing, f'{path.name}: code cells {missing} did not run'
    drop_plotly_mathjax(nb)
    # live widgets need a kernel; the page shows the static pictures the tutorials draw after each widget, so the
    # saved widget state (megabytes of PNGs and the plotly bundle) is left out of the page
    nb.metadata.pop('widgets', None)
    exporter = HTMLExporter(template_name='offline', extra_template_basedirs=[str(ROOT/'.ci'/'nbconvert')],
                            embed_images=True)
    page, _ = exporter.from_notebook_node(nb, resources={'metadata': {'name': path.stem}})
    external = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', page)
    assert not external, f'{path.name}: the page loads external resources {external}'
    n_fig = figures_in(nb)
    n_in_page = page.count('Plotly.newPlot') + len(re.findall(r'<img[^>]+src="data:image/', page))
    assert n_in_page >= n_fig, f'{path.name}: {n_fig} figures in the notebook but {n_in_page} in the page'
    assert n_fig > 0, f'{path.name}: a tutorial should show at least one figure'
    out = out_dir/f'{path.stem}.html'
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page)
    print(f'rendered {path.relative_to(ROOT)} -> {out.relative_to(ROOT)} ({len(page)/1e6:.1f} MB, '
          f'{len(code)} code cells, {n_fig} figures, {time.time() - t:.0f}s)')
    return out

if __name__ == '__main__':
    nbs = [Path(p).resolve() for p in sys.argv[1:]] or sorted((ROOT/'nbs'/'tutorials').glob('*.ipynb'))
    assert nbs, 'no tutorials found in nbs/tutorials'
    for p in nbs: render(p, ROOT/'_docs'/'tutorials')
    print(f'{len(nbs)} tutorials rendered')
