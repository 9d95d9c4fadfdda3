"""The package's imports point down one chain of layers, written once here, and never form a cycle."""
import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / 'synreal'
# lowest first (the empty package folders too); modules of one layer may import each other (no cycle), never a later layer
LAYERS = [
    ['keypoints', 'data', 'embedded', 'models', 'report'], ['utils'], ['geometry'], ['data.catalogue'], ['data.formats.common'],
    ['data.formats.rhd', 'data.formats.h3d', 'data.formats.mvhand', 'data.formats.surreal', 'data.formats.h36m',
     'data.formats.pw3d', 'data.formats.lsp', 'data.formats.freihand', 'data.formats.prepared'],
    ['data.formats'], ['data.augment'], ['data.dataset'], ['data.prepare'],
    ['embedded.build'], ['embedded.render'], ['embedded.hands'], ['embedded.bodies'], ['embedded.targets'],
    ['tasks'], ['models.pose', 'models.stylenet', 'models.lifter', 'models.reconstruction'], ['losses'], ['config'],
    ['methods.base'], ['methods.pseudo', 'methods.rec', 'methods.regda', 'methods.ccssl'], ['methods.full'],
    ['methods'], ['train'], ['experiments'], ['report.tables', 'report.figures'], ['report.findings', 'report.curves', 'report.figure_a', 'report.figure_b'], ['cli'],
]
RANK = {m: i for i, layer in enumerate(LAYERS) for m in layer}


def module_name(path: Path) -> str:
    rel = path.relative_to(PKG).with_suffix('')
    parts = rel.parts[:-1] if rel.name == '__init__' else rel.parts
    return '.'.join(parts)


def imports(path: Path) -> set[str]:
    "The synreal modules `path` imports (relative imports resolved), as dotted names below `synreal`."
    me = module_name(path).split('.') if module_name(path) else []
    pkg = me if path.name == '__init__.py' else me[:-1]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg[:len(pkg) - node.level + 1]
                mod = '.'.join(base + ([node.module] if node.module else []))
                names = [mod] if node.module else ['.'.join(base + [a.name]) for a in node.names]
            elif (node.module or '').startswith('synreal'):
                names = [node.module[len('synreal.'):] if node.module != 'synreal' else '']
            else: continue
            out.update(n for n in names if n)
        elif isinstance(node, ast.Import):
            out.update(a.name[len('synreal.'):] for a in node.names if a.name.startswith('synreal.'))
    return out


def graph() -> dict:
    return {module_name(p): imports(p) for p in PKG.rglob('*.py') if p.name != '_modidx.py' and module_name(p)}


def test_every_module_has_a_layer():
    assert not set(graph()) - set(RANK), f'modules missing from LAYERS: {sorted(set(graph()) - set(RANK))}'


def test_imports_point_down():
    bad = [(m, i) for m, deps in graph().items() for i in deps if i in RANK and RANK[i] > RANK[m]]
    assert not bad, f'imports of a higher layer (module -> import): {bad}'


def test_no_cycle():
    g, state = graph(), {}
    def visit(m, path):
        if state.get(m) == 1: raise AssertionError(f'import cycle: {" -> ".join(path + [m])}')
        if state.get(m) == 2: return
        state[m] = 1
        for d in g.get(m, ()): visit(d, path + [m])
        state[m] = 2
    for m in g: visit(m, [])


def test_the_check_sees_an_upward_import(tmp_path):
    "The walker resolves relative imports, so an upward one cannot hide."
    f = PKG / 'data' / 'formats' / 'rhd.py'
    assert 'data.catalogue' in imports(f) or 'data.formats.common' in imports(f)
