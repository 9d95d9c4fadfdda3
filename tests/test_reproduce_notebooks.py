"""The table notebooks (Table A, Table B, the C.2 analysis) run end to end through papermill on the smoke profile and
write their tables, figures and provenance. The smoke overrides that the notebooks once applied themselves under
IN_TEST are passed here as papermill parameters; nbdev_test does not run these notebooks (run.sh skips them).

All the reproduce-notebook tests (here and in test_figure_notebooks.py) share one results folder per pytest session,
so a run trained by one notebook (e.g. Table A's source-only on SURREAL -> Human3.6M) is read back by the others."""
import json, os, subprocess, sys
from pathlib import Path
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SMOKE = (('profile', 'smoke'), ('seeds', '[0]'))


def papermill(nb, out_nb, *params, timeout=300):
    "Run `nbs/<nb>` with papermill, each (name, value) of `params` passed with -p; fail with the notebook's output."
    args = [str(BIN / 'papermill'), str(ROOT / 'nbs' / nb), str(out_nb), '--cwd', str(ROOT)]
    for k, v in params: args += ['-p', k, str(v)]
    env = {k: v for k, v in os.environ.items() if k != 'IN_TEST'}
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)
    assert r.returncode == 0, f'{nb} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}'


@pytest.fixture(scope='module')
def shared_results(tmp_path_factory) -> Path:
    "One results folder for every reproduce-notebook test of the session (the same path from either test module)."
    path = tmp_path_factory.getbasetemp() / 'reproduce_results'
    path.mkdir(exist_ok=True)
    return path


def read_csv(path, index_col=0) -> pd.DataFrame:
    "A written table as strings, as it shows them (an empty cell stays '')."
    return pd.read_csv(path, index_col=index_col, keep_default_na=False, dtype=str)


def check_provenance(out, results, profile='smoke'):
    "The provenance lists the runs, each of them finished under `results`; returns its content."
    prov = json.loads((out / 'provenance.json').read_text())
    assert prov['profile'] == profile and prov['runs']
    for c in prov['runs']:
        assert (results / profile / c['task'] / c['method'] / f"seed{c['seed']}" / 'metrics.json').exists(), c
    return prov


def metrics(results, task, method, seed=0, profile='smoke') -> dict:
    return json.loads((results / profile / task / method / f'seed{seed}' / 'metrics.json').read_text())


def written(out, *stems, exts=('md', 'csv', 'tex')):
    for stem in stems:
        for ext in exts: assert (out / f'{stem}.{ext}').stat().st_size > 0, f'{stem}.{ext}'


TABLE_A_ROWS = ['Source-only', 'Baseline (ours: pixel StyleNet, no stylised pre-training)', '+pseudo', '+rec', '+pseudo+rec', 'Source-only + rec (ablation)',
                'UniFrame (published)', 'Oracle']
TABLE_A_METHODS = ['source_only', 'baseline', 'pseudo', 'baseline_rec', 'pseudo_rec', 'rec', 'oracle']


def test_table_a_smoke(tmp_path, shared_results):
    out, tasks = tmp_path / 'tableA', ['rhd2h3d', 'surreal2h36m']
    papermill('reproduce_tableA.ipynb', tmp_path / 'tableA.ipynb', *SMOKE, ('workers', 1), ('out_dir', out),
              ('results_dir', shared_results))
    written(out, *[f'tableA_{t}' for t in tasks], *[f'domain_gap_{t}' for t in tasks], 'tableA_findings')
    for task in tasks:
        table = read_csv(out / f'tableA_{task}.csv')
        assert list(table.index) == TABLE_A_ROWS
        computed = table.drop('UniFrame (published)')
        assert (computed.seeds == '1').all() and not computed.isin(['not yet']).any().any()
        assert table.loc['UniFrame (published)', 'All ours'] == '—'
        # the table shows the runs' own numbers (one seed: no spread)
        for m, row in zip(TABLE_A_METHODS, [r for r in TABLE_A_ROWS if r != 'UniFrame (published)']):
            assert table.loc[row, 'All ours'] == f"{metrics(shared_results, task, m)['target_test']['pck_tllib']['All']:.1f}"
        gap = read_csv(out / f'domain_gap_{task}.csv', [0, 1, 2])
        assert len(gap) == 8 and set(gap.index.get_level_values(0)) == {'Source-only', 'Oracle'}
    findings = read_csv(out / 'tableA_findings.csv', [0, 1])
    assert len(findings) == 10 and set(findings.index.get_level_values(0)) == set(tasks)
    assert set(findings.verdict) <= {'holds (1 seed)', 'reversed (1 seed)'}
    prov = check_provenance(out, shared_results)
    assert sorted((c['task'], c['method']) for c in prov['runs']) == sorted((t, m) for t in tasks for m in TABLE_A_METHODS)


TABLE_B_ROWS = ['M2D', 'M3D', 'M2D ∪ M3D', '(M2D, M3D)', 'Ours (integrated)']


def test_table_b_smoke(tmp_path, shared_results):
    out, tasks = tmp_path / 'tableB', ['rhd2h3d', 'rhd2mvhand']
    papermill('reproduce_tableB.ipynb', tmp_path / 'tableB.ipynb', *SMOKE, ('workers', 1), ('out_dir', out),
              ('results_dir', shared_results), ('switch_sensitivity', [0.0]))
    written(out, *[f'tableB_a_{t}' for t in tasks], 'tableB_a_all', 'tableB_b_first_last')
    written(out, 'tableB_b', exts=('png', 'pdf'))
    for task in tasks:
        table = read_csv(out / f'tableB_a_{task}.csv')
        assert list(table.index) == TABLE_B_ROWS and (table.seeds == '1').all()
        assert all(c.endswith(' ours') or c in ('All paper', 'seeds') for c in table.columns)
    paper = read_csv(out / 'tableB_a_rhd2mvhand.csv')['All paper']
    assert paper.loc['(M2D, M3D)'] == '67.3'     # the supplement's Table B(a), beside ours
    means = pd.read_csv(out / 'tableB_a_all.csv', index_col=0)
    assert list(means.columns) == tasks and list(means.index) == TABLE_B_ROWS
    ours = metrics(shared_results, 'rhd2h3d', 'pseudo')['target_test']['pck_tllib']['All']
    assert means.loc['Ours (integrated)', 'rhd2h3d'] == round(ours, 1)
    stats = pd.read_csv(out / 'tableB_b_stats.csv')
    assert set(stats.strategy) == set(TABLE_B_ROWS) and set(stats.task) == set(tasks)
    assert len(stats) == 2 * 5 * 2                 # two epochs of five strategies on two tasks
    first_last = pd.read_csv(out / 'tableB_b_first_last.csv', index_col=[0, 1], header=[0, 1])
    assert len(first_last) == 10
    # the exploratory rerun of ours at threshold 0 switches after its first epoch; the pre-registered one is reported beside it
    switch = pd.read_csv(out / 'tableB_switch_epochs.csv', index_col=[0, 1])
    assert switch.loc[('rhd2h3d', 'Ours, switch at 0 (exploratory)'), '0'] <= 2
    assert set(switch.index.get_level_values(1)) == {'Ours (integrated)', 'Ours, switch at 0 (exploratory)'}
    sens = pd.read_csv(out / 'tableB_a_switch_sensitivity.csv', index_col=0)
    assert list(sens.index) == TABLE_B_ROWS + ['Ours, switch at 0 (exploratory)']
    assert (shared_results / 'switch-0' / 'smoke' / 'rhd2h3d' / 'source_only').is_symlink()
    prov = check_provenance(out, shared_results)
    assert len(prov['runs']) == 10 + 2


def test_pseudo_label_analysis_smoke(tmp_path, shared_results):
    out = tmp_path / 'c2'
    papermill('reproduce_pseudo_label_analysis.ipynb', tmp_path / 'c2.ipynb', *SMOKE, ('workers', 1), ('out_dir', out),
              ('results_dir', shared_results))
    written(out, 'pseudo_label_analysis')
    written(out, 'pseudo_label_analysis', exts=('png', 'pdf'))
    summary = pd.read_csv(out / 'pseudo_label_analysis.csv', index_col=[0, 1])
    assert sorted(summary.index) == sorted((t, m) for t in ('rhd2mvhand', 'rhd2h3d') for m in ('ours (integrated)', 'UniFrame (2D)'))
    assert ((summary['coverage last epoch'] >= summary['coverage first epoch']) & (summary['chance coincidence'] > 0)).all()
    stats = pd.read_csv(out / 'pseudo_label_stats.csv')
    assert list(stats.columns[-3:]) == ['task', 'n_wrong', 'chance_coincidence']
    assert (stats.n_wrong == stats.n_selected - stats.n_correct).all()
    assert stats[stats.epoch == 1].chance_coincidence.isna().all() and stats[stats.epoch > 1].chance_coincidence.notna().all()
    prov = check_provenance(out, shared_results)
    assert prov['methods'] == ['pseudo', 'baseline'] and len(prov['runs']) == 4
