"The figure notebooks run end to end through papermill at the smoke profile and write their files."
import json, os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def papermill(nb, out_nb, *params, timeout=300):
    args = [str(BIN / 'papermill'), str(ROOT / 'nbs' / nb), str(out_nb), '--cwd', str(ROOT)]
    for k, v in params: args += ['-p', k, str(v)]
    env = {k: v for k, v in os.environ.items() if k != 'IN_TEST'}   # IN_TEST would override the folders passed
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)
    assert r.returncode == 0, f'{nb} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}'


def test_figure_b_smoke(tmp_path):
    out, results = tmp_path / 'figB', tmp_path / 'results'
    papermill('reproduce_figureB.ipynb', tmp_path / 'figB.ipynb', ('profile', 'smoke'), ('seeds', '[0]'),
              ('out_dir', out), ('results_dir', results), ('n_images', 3),
              ('methods', '["source_only", "baseline", "oracle"]'))
    for name in ('figureB_surreal2h36m.png', 'figureB_surreal2h36m.pdf', 'convention_offsets_surreal2h36m.csv',
                 'gap_pck_surreal2h36m.md', 'provenance.json'):
        assert (out / name).stat().st_size > 0, name
    assert (out / 'figureB_surreal2h36m.pdf').read_bytes()[:4] == b'%PDF'
    prov = json.loads((out / 'provenance.json').read_text())
    assert prov['profile'] == 'smoke' and len(prov['runs']) == 3       # source-only, baseline, oracle; seed 0
    # the runs were trained under the temporary results folder, not the project's
    assert sorted(p.name for p in (results / 'smoke' / 'surreal2h36m').iterdir()) == ['baseline', 'oracle', 'source_only']


def test_figure_a_smoke(tmp_path):
    out, results = tmp_path / 'figA', tmp_path / 'results'
    methods = ['source_only', 'uniframe', 'pseudo_rec']
    # every column shows the source-only run, as in the notebook's own test: the methods are tested in their notebooks
    papermill('reproduce_figureA.ipynb', tmp_path / 'figA.ipynb', ('tasks', 'surreal2h36m'), ('profile', 'smoke'),
              ('seeds', '[0]'), ('out_dir', out), ('results_dir', results), ('n_rows', 1),
              ('methods', json.dumps(methods)), ('run_as', json.dumps({m: 'source_only' for m in methods})))
    for name in ('figureA_surreal2h36m.png', 'figureA_surreal2h36m.pdf', 'figureA_pck_surreal2h36m.md', 'provenance.json'):
        assert (out / name).stat().st_size > 0, name
    prov = json.loads((out / 'provenance.json').read_text())
    assert prov['profile'] == 'smoke' and prov['methods'] == methods
    assert sorted(p.name for p in (results / 'smoke' / 'surreal2h36m').iterdir()) == ['source_only']
