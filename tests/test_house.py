"""The house rules of the code base, checked on the exported package and its notebooks.

- no method attached after its class by assignment (`Class.attr = _func`): nbdev and IDEs cannot see those;
- no Shapes World logic in the general modules: they take tensors, stores and callables;
- every public name (and every public method) has a rendered API entry: an exported top-level definition or a
  `@patch` (nbdev documents both) or an explicit `show_doc` cell;
- the layers are one-way: a module imports only modules of notebooks numbered below its own, so there is no cycle;
- commit subjects are short enough for `git log --oneline`.
"""
from __future__ import annotations
import ast, json, re, subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG, NBS = ROOT/'interpkit', ROOT/'nbs'
MODULES = sorted(p for p in PKG.glob('*.py') if p.name not in ('__init__.py', '_modidx.py'))
# the check, `grep -n "shapes\|ShapesWorld"`, on the four modules it names; on the other general modules
# (where "shapes" can mean tensor shapes) the Shapes World names themselves
GREP = {m: r'shapes|ShapesWorld' for m in ('naming', 'retrieval', 'spatial', 'widgets')}
GREP |= {m: r'ShapesWorld|Shapes World|shapes_world|shapes-world|\bshapes_\w+|\.shapes\b|interpkit\.shapes'
         for m in ('naming_evaluation', 'concept_bottleneck', 'tevi', 'sae', 'sae_training', 'sae_metrics',
                   'activations', 'data', 'core', 'bcos', 'attribution', 'attribution_eval', 'bcos_lm', 'guidance', 'distillation',
                   'patches')}


def _notebooks():
    return sorted(p for p in NBS.glob('[0-9]*.ipynb'))


def _cells(nb: Path):
    return [(c['cell_type'], ''.join(c['source'])) for c in json.loads(nb.read_text())['cells']]


def _exported(nb: Path) -> list[str]:
    return [s for t, s in _cells(nb) if t == 'code' and re.match(r'\s*#\|\s*export\b', s)]


def _default_exp(nb: Path) -> str | None:
    for t, s in _cells(nb):
        m = re.search(r'#\|\s*default_exp\s+(\S+)', s) if t == 'code' else None
        if m: return m.group(1)
    return None


def test_no_method_assignment():
    pat = re.compile(r'^\s*[A-Z]\w*\.\w+(\s*,\s*[A-Z]\w*\.\w+)*\s*=[^=]')
    bad = [f'{p.name}:{i}: {l.strip()}' for p in MODULES for i, l in enumerate(p.read_text().splitlines(), 1) if pat.match(l)]
    assert not bad, 'attach methods with @patch (fastcore) or in the class body, not by assignment:\n' + '\n'.join(bad)


@pytest.mark.parametrize('module', sorted(GREP))
def test_general_modules_have_no_shapes_world(module):
    lines = (PKG/f'{module}.py').read_text().splitlines()
    bad = [f'{module}.py:{i}: {l.strip()}' for i, l in enumerate(lines, 1) if re.search(GREP[module], l)]
    assert not bad, 'Shapes World code belongs in the shapes* modules:\n' + '\n'.join(bad)


def _documented(nb: Path) -> tuple[set[str], set[str]]:
    "Names nbdev renders for `nb` (top-level exports, @patch methods, explicit show_doc) and public class-body methods."
    shown, methods, bases = set(), set(), {}
    for t, s in _cells(nb):
        if t != 'code': continue
        shown |= set(re.findall(r'show_doc\(\s*([\w.]+)', s))
    for src in _exported(nb):
        tree = ast.parse('\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('#|', '%', '!'))))
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                patched = any('patch' in ast.unparse(d) for d in node.decorator_list)
                if patched and node.args.args and node.args.args[0].annotation is not None:
                    for cls in re.findall(r'\w+', ast.unparse(node.args.args[0].annotation)): shown.add(f'{cls}.{node.name}')
                else: shown.add(node.name)
            elif isinstance(node, ast.ClassDef):
                shown.add(node.name)
                for b in (node.body if not node.name.startswith('_') else []):
                    if (isinstance(b, (ast.FunctionDef, ast.AsyncFunctionDef)) and not b.name.startswith('_')
                            and b.name not in ('extra_repr',)
                            and not any(ast.unparse(d).endswith(('property', 'setter')) for d in b.decorator_list)):
                        methods.add(f'{node.name}.{b.name}')
                bases[node.name] = [ast.unparse(x) for x in node.bases]
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                for tgt in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                    for n in ast.walk(tgt):
                        if isinstance(n, ast.Name): shown.add(n.id)   # constants: nbdev lists them in __all__
    # an override shares the entry of the method it overrides (`ImageFolder.load` is `ImageDataset.load`)
    def inherited(m):
        cls, name = m.rsplit('.', 1)
        return any(f'{b}.{name}' in shown or inherited(f'{b}.{name}') for b in bases.get(cls, []))
    shown |= {m for m in methods if inherited(m)}
    return shown, methods


@pytest.mark.parametrize('nb', _notebooks(), ids=lambda p: p.stem)
def test_every_public_name_has_a_doc_entry(nb):
    mod = _default_exp(nb)
    if mod is None: pytest.skip('exports nothing')
    shown, methods = _documented(nb)
    all_ = ast.literal_eval(re.search(r'__all__ = (\[.*?\])', (PKG/f'{mod}.py').read_text(), re.S).group(1))
    missing = sorted(set(all_) - shown) + sorted(methods - shown)
    assert not missing, f'{nb.name}: no rendered API entry (add a show_doc cell or use @patch): {missing}'


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.ImportFrom):
            if n.level == 1 and n.module: out.add(n.module.split('.')[0])
            elif n.level == 0 and n.module and n.module.startswith('interpkit.'): out.add(n.module.split('.')[1])
        elif isinstance(n, ast.Import):
            out |= {a.name.split('.')[1] for a in n.names if a.name.startswith('interpkit.')}
    return out - {'_modidx'}


def test_layers_are_one_way():
    number = {}
    for nb in _notebooks():
        mod = _default_exp(nb)
        if mod: number[mod] = int(re.match(r'(\d+)', nb.stem).group(1))
    bad = [f'{p.stem} ({number[p.stem]}) imports {m} ({number.get(m)})' for p in MODULES if p.stem in number
           for m in _imports(p) if m in number and number[m] >= number[p.stem]]
    assert not bad, 'a module may only import modules of lower-numbered notebooks:\n' + '\n'.join(bad)


def test_commit_subjects_are_short():
    base = '2c33cc5'   # the last commit before the rule: older subjects are history
    try:
        subjects = subprocess.run(['git', 'log', '--format=%s', f'{base}..HEAD'], cwd=ROOT, capture_output=True,
                                  text=True, check=True).stdout.splitlines()
    except (subprocess.CalledProcessError, FileNotFoundError): pytest.skip('no git history here')
    long = [s for s in subjects if len(s) >= 72]
    assert not long, 'commit subjects must stay under 72 characters (figures go in the body):\n' + '\n'.join(long)
