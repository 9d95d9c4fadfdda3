"""The library notebooks keep the house style: each export cell defines at most one public function or class and is at
most 60 lines long; every exported public definition is used by a non-exported cell of its own notebook (its example or
test); every notebook's summary is one line."""
import ast, json
from pathlib import Path

NBS = sorted((Path(__file__).resolve().parents[1] / 'nbs').glob('[0-9][0-9]_*.ipynb'))
MAX_LINES = 60


def cells(nb: Path) -> list[tuple[str, str]]:
    return [(c['cell_type'], ''.join(c['source'])) for c in json.loads(nb.read_text())['cells']]


def is_export(kind: str, src: str) -> bool: return kind == 'code' and src.lstrip().startswith('#| export')


def body(src: str) -> ast.Module:
    return ast.parse('\n'.join(l for l in src.split('\n') if not l.lstrip().startswith('#|')))


def public_defs(tree: ast.Module) -> list[str]:
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not n.name.startswith('_')]


def test_one_public_definition_per_export_cell_of_at_most_60_lines():
    bad = []
    for nb in NBS:
        for kind, src in cells(nb):
            if not is_export(kind, src): continue
            defs = public_defs(body(src))
            if len(defs) > 1 or len(src.splitlines()) > MAX_LINES: bad.append((nb.name, defs, len(src.splitlines())))
    assert not bad, f'export cells with more than one public definition or over {MAX_LINES} lines: {bad}'


def untested(nb: Path) -> list[str]:
    "Public exported definitions of `nb` that no non-exported code cell of `nb` names."
    cs = cells(nb)
    used = ' '.join(src for kind, src in cs if kind == 'code' and not is_export(kind, src))
    names = [n for kind, src in cs if is_export(kind, src) for n in public_defs(body(src))]
    return [n for n in names if n not in used]


def test_every_exported_definition_is_exercised_in_its_notebook():
    missing = {nb.name: untested(nb) for nb in NBS if untested(nb)}
    assert not missing, f'exported definitions with no example or test in their notebook: {missing}'


def test_one_line_summaries():
    for nb in NBS:
        kind, src = cells(nb)[0]
        summary = [l for l in src.splitlines() if l.startswith('> ')]
        assert kind == 'markdown' and src.startswith('# ') and len(summary) == 1, nb.name
        assert summary[0].endswith('.') and len(summary[0]) < 160, (nb.name, summary[0])


def test_the_style_check_sees_a_two_definition_cell():
    assert public_defs(body('#| export\ndef a(): pass\ndef b(): pass')) == ['a', 'b']
