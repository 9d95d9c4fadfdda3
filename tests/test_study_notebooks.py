"""The study notebooks (what caps PCK on the embedded benchmark; the anatomy of its domain gap) run end to end on
the smoke profile, each with one task and one generator switch, and write the tables they promise."""
import json
from pathlib import Path
import pandas as pd
from test_reproduce_notebooks import papermill


def test_ceiling_notebook(tmp_path):
    out = tmp_path / 'out'
    papermill('study_ceiling.ipynb', tmp_path / 'ceiling.ipynb', ('tasks', 'rhd2h3d'), ('variants', '["base", "no_object", "no_occluder"]'),
              ('profile', 'smoke'), ('epochs', 1), ('results_dir', str(tmp_path / 'results')), ('data_dir', str(tmp_path / 'data')),
              ('out_dir', str(out)))
    table = pd.read_csv(out / 'ceiling.csv')
    assert table.variant.tolist() == ['base', 'no_object']          # no_occluder is a body switch: skipped for hands
    marker = json.loads((tmp_path / 'data' / 'rhd2h3d-no_object-smoke' / 'embedded_hands.json').read_text())
    assert marker['config']['tgt_object'] == 0.0
    assert (table['source-only, source test'] >= 0).all() and (table['oracle, target test'] >= 0).all()


def test_anatomy_notebook(tmp_path):
    out = tmp_path / 'out'
    papermill('study_anatomy.ipynb', tmp_path / 'anatomy.ipynb', ('tasks', 'rhd2h3d'), ('factors', 'annotation'),
              ('profile', 'smoke'), ('results_dir', str(tmp_path / 'results')), ('data_dir', str(tmp_path / 'data')),
              ('out_dir', str(out)))
    summary = pd.read_csv(out / 'anatomy_summary.csv')
    assert summary['factor removed'].tolist() == ['none', 'annotation']
    assert summary['source-only gain'].iloc[0] == 0
    marker = json.loads((tmp_path / 'data' / 'rhd2h3d-annotation-smoke' / 'embedded_hands.json').read_text())
    assert marker['config']['annotation_gap'] == 0.0
    # one source-only run, scored on both targets; an oracle per target
    assert len(list((tmp_path / 'results').rglob('source_only/seed0/metrics.json'))) == 1
    assert len(list((tmp_path / 'results').rglob('oracle/seed0/metrics.json'))) == 2


def test_stage_a_notebook(tmp_path):
    out = tmp_path / 'out'
    papermill('study_stage_a.ipynb', tmp_path / 'stage_a.ipynb', ('profile', 'smoke'), ('iters', 4), ('eval_every', 2),
              ('eval_pairs', 4), ('results_dir', str(tmp_path / 'results')), ('out_dir', str(out)))
    table = pd.read_csv(out / 'stage_a_rhd2h3d.csv', index_col=0)
    assert table.index.tolist() == [0, 2, 4]                        # before training, every eval_every, and the last
    assert (table['copy the base'] < table['grey']).all()           # on frames of one sequence, copying beats grey
    saved = json.loads((out / 'stage_a_rhd2h3d_losses.json').read_text())
    assert len(saved['train']) == 4 and (out / 'stage_a_rhd2h3d.png').stat().st_size > 0
