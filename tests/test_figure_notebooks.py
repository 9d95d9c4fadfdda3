"The figure notebooks run end to end through papermill at the smoke profile and write their files."
import json
import pandas as pd
from test_reproduce_notebooks import SMOKE, check_provenance, metrics, papermill, read_csv, shared_results, written
from synreal.methods import get_method


def test_figure_b_smoke(tmp_path, shared_results):
    out = tmp_path / 'figB'
    papermill('reproduce_figureB.ipynb', tmp_path / 'figB.ipynb', *SMOKE, ('out_dir', out), ('results_dir', shared_results),
              ('n_images', 3), ('methods', '["source_only", "baseline", "oracle"]'))
    written(out, 'figureB_surreal2h36m', exts=('png', 'pdf'))
    written(out, 'convention_offsets_surreal2h36m', 'gap_pck_surreal2h36m')
    assert (out / 'figureB_surreal2h36m.pdf').read_bytes()[:4] == b'%PDF'
    offsets = read_csv(out / 'convention_offsets_surreal2h36m.csv').astype(float)
    assert (offsets.loc[['head', 'r_shoulder', 'l_shoulder', 'r_hip', 'l_hip'], 'offset px'] > 0.5).all()
    assert (offsets.loc[['r_ankle', 'l_knee', 'r_wrist', 'l_elbow'], 'offset px'] < 0.05).all()   # limbs agree
    assert offsets.loc['head', 'dy px'] < 0                                                         # head top is above
    gap = read_csv(out / 'gap_pck_surreal2h36m.csv')
    assert list(gap.index) == ['Source-only', 'Baseline (UniFrame, ours: pixel StyleNet, no stylised pre-training)', 'Oracle'] and (gap.seeds == '1').all()
    assert all('±' in v for v in gap.drop(columns='seeds').values.ravel())   # every score, against both conventions
    head = metrics(shared_results, 'surreal2h36m', 'oracle')['target_test']['pck_tllib']['Head']
    assert gap.loc['Oracle', 'Head (table A)'] == f'{head:.1f} ± 0.0'
    prov = check_provenance(out, shared_results)
    assert sorted(c['method'] for c in prov['runs']) == ['baseline', 'oracle', 'source_only']
    assert prov['offsets_measured_on']['surreal2h36m'].endswith('bodies-smoke-seed0')


def test_figure_b_uses_finished_runs_only(tmp_path, shared_results):
    "With train_missing=False a method without finished runs is 'not yet' and nothing is trained."
    out = tmp_path / 'figB'
    papermill('reproduce_figureB.ipynb', tmp_path / 'figB.ipynb', *SMOKE, ('out_dir', out), ('results_dir', shared_results),
              ('n_images', 2), ('methods', '["regda"]'), ('train_missing', 'false'))
    gap = read_csv(out / 'gap_pck_surreal2h36m.csv')
    title = get_method('regda').title
    assert list(gap.index) == [title] and gap.loc[title, 'seeds'] == '0'
    assert set(gap.drop(columns='seeds').values.ravel()) == {'not yet'}
    assert not (shared_results / 'smoke' / 'surreal2h36m' / 'regda').exists()


def test_figure_a_smoke(tmp_path, shared_results):
    out = tmp_path / 'figA'
    methods = ['source_only', 'uniframe', 'pseudo_rec']
    # every column shows the source-only run: the methods themselves are tested in their notebooks
    papermill('reproduce_figureA.ipynb', tmp_path / 'figA.ipynb', ('tasks', 'surreal2h36m'), *SMOKE,
              ('out_dir', out), ('results_dir', shared_results), ('n_rows', 1),
              ('methods', json.dumps(methods)), ('run_as', json.dumps({m: 'source_only' for m in methods})))
    written(out, 'figureA_surreal2h36m', exts=('png', 'pdf'))
    written(out, 'figureA_pck_surreal2h36m')
    table = read_csv(out / 'figureA_pck_surreal2h36m.csv')
    assert list(table.index) == ['Source-only', 'UniFrame', 'Ours'] and (table.seeds == '1').all()
    sld = metrics(shared_results, 'surreal2h36m', 'source_only')['target_test']['pck_tllib']['Sld']
    assert set(table['Sld ours']) == {f'{sld:.1f}'}           # three columns, all the source-only run
    prov = check_provenance(out, shared_results)
    assert prov['methods'] == methods and {c['method'] for c in prov['runs']} == {'source_only'}
    assert prov['occlusion_radius'] == 0.03 and prov['figure_seed'] == 0
