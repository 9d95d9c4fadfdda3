"""The reproduce notebooks are committed executed, and their last output records the config of every run they used
(`synreal.experiments.show_runs`). These tests rebuild each config from today's code and fail, naming the notebook and
the command that regenerates it, when the committed results no longer match the code."""
import json
import shutil
from pathlib import Path

import pytest

from synreal.experiments import RECORDS_MIME, stale_runs
from synreal.methods import get_method

NBS = Path(__file__).resolve().parents[1] / 'nbs'
REPRODUCE = sorted(p.stem for p in NBS.glob('reproduce_*.ipynb'))   # a new reproduce notebook is checked too


def run_records(path: Path) -> dict | None:
    "The records `show_runs` left in the executed notebook at `path`, or None when it has none."
    nb = json.loads(path.read_text())
    found = [o['data'][RECORDS_MIME] for c in nb['cells'] if c['cell_type'] == 'code'
             for o in c.get('outputs', []) if RECORDS_MIME in o.get('data', {})]
    return found[-1] if found else None


def problems(path: Path) -> list[str]:
    "What is wrong with the committed results of the notebook at `path`, each line naming it and the fix."
    rec, name = run_records(path), path.stem
    if rec is None:
        return [f'{path.name} is committed without the records of its runs (not executed): run '
                f'`bash run.sh regenerate {name}` and commit the notebook.']
    return [f'{path.name}: {line}; its results no longer match the code: run `{rec["command"]}` and commit it.'
            for line in stale_runs(rec['runs'])]


@pytest.mark.parametrize('name', REPRODUCE)
def test_committed_results_match_the_code(name):
    found = problems(NBS / f'{name}.ipynb')
    assert not found, '\n'.join(found[:5] + ([f'... and {len(found) - 5} more'] if len(found) > 5 else []))


def test_records_cover_every_run_of_table_a():
    rec = run_records(NBS / 'reproduce_tableA.ipynb')
    assert rec is not None and rec['notebook'] == 'reproduce_tableA'
    # 2 tasks x 7 rows x 3 seeds, each run once
    assert len({(r['task'], r['method'], r['seed']) for r in rec['runs']}) == len(rec['runs']) == 42


def test_a_changed_method_default_is_caught(tmp_path, monkeypatch):
    "On a copy of the committed Table A notebook: change one default of the Baseline and the check names the notebook."
    copy = tmp_path / 'reproduce_tableA.ipynb'
    shutil.copy(NBS / 'reproduce_tableA.ipynb', copy)
    assert problems(copy) == []
    m = get_method('baseline')
    monkeypatch.setattr(m, 'defaults', {**m.defaults, 'mask_ratio': m.defaults['mask_ratio'] / 2})
    found = problems(copy)
    assert len(found) == 3 * 2   # the Baseline's three seeds on both tasks, and no other run
    assert all(f.startswith('reproduce_tableA.ipynb: cpu/') and '/baseline/seed' in f for f in found)
    assert all('bash run.sh regenerate reproduce_tableA' in f for f in found)


def test_an_unexecuted_notebook_is_caught(tmp_path):
    nb = json.loads((NBS / 'reproduce_tableA.ipynb').read_text())
    for c in nb['cells']:
        if c['cell_type'] == 'code': c['outputs'] = []
    copy = tmp_path / 'reproduce_tableA.ipynb'
    copy.write_text(json.dumps(nb))
    assert problems(copy) == ['reproduce_tableA.ipynb is committed without the records of its runs (not executed): '
                              'run `bash run.sh regenerate reproduce_tableA` and commit the notebook.']
