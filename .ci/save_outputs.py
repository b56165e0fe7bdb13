"""Execute the API notebooks and save their outputs, so that every rendered API page shows results.

    python .ci/save_outputs.py [nbs/NN_name.ipynb ...]    # default: every numbered notebook in nbs/

Cells run as `nbdev_test` runs them (cells flagged notest/slow/cuda, `eval: false` and the export call are skipped)
in the notebook's folder. Progress bars are switched off (they only add noise to a page), and an output larger than
MAX_BYTES is replaced by a one-line note, so the notebooks stay small in git. Run `nbdev_clean` afterwards.
"""
from __future__ import annotations
import json, os, sys, time
from pathlib import Path

from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell
from fastcore.xtras import working_directory

ROOT = Path(__file__).resolve().parents[1]
SKIP = {'notest', 'slow', 'cuda'}
MAX_BYTES = 150_000


def _no_eval(cell) -> bool:
    if cell.cell_type != 'code' or 'nbdev_export' + '(' in cell.source: return True
    d = getattr(cell, 'directives_', {}) or {}
    if d.get('eval:', [''])[0].lower() == 'false': return True
    return bool(set(d) & SKIP)


def _shrink(nb) -> int:
    n = 0
    for c in nb.cells:
        if c.cell_type != 'code' or not c.get('outputs'): continue
        keep = []
        for o in c.outputs:
            if o.get('output_type') == 'execute_result' and not o.get('data'): continue   # a figure already displayed
            if len(json.dumps(o)) > MAX_BYTES:
                n += 1
                o = dict(output_type='stream', name='stdout', text=['(output too large to keep in the notebook: run the cell to see it)\n'])
            keep.append(o)
        c.outputs = keep
    return n


def save_outputs(path: Path) -> None:
    t = time.time()
    nb = read_nb(path)
    for c in nb.cells:
        if c.cell_type == 'code': c.outputs = []
    os.environ['TQDM_DISABLE'] = '1'
    with working_directory(path.parent):
        CaptureShell(path).run_all(nb, exc_stop=True, preproc=_no_eval)
    dropped = _shrink(nb)
    write_nb(nb, path)
    print(f'{path.name}: outputs saved in {time.time() - t:.0f}s' + (f' ({dropped} too large, noted)' if dropped else ''))


if __name__ == '__main__':
    paths = [Path(p).resolve() for p in sys.argv[1:]] or sorted((ROOT/'nbs').glob('[0-9]*.ipynb'))
    for p in paths: save_outputs(p)
