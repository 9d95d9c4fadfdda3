"""`run_grid` with several worker processes trains the same runs as one process does, each once, and a second
call only reads them back."""
import json, time
import torch
from synreal.experiments import run_grid
from synreal.config import get_profile


def _grid(results, workers):
    prof = get_profile('smoke', device='cpu')
    return run_grid(['rhd2h3d'], ['source_only', 'oracle'], [0, 1], prof, results_dir=results, progress=False,
                    workers=workers, threads=1)


def test_workers_train_what_one_process_trains(tmp_path):
    torch.set_num_threads(1)              # one thread here and in each worker: the same arithmetic
    one, two = _grid(tmp_path / 'one', 1), _grid(tmp_path / 'two', 2)
    for m in ('source_only', 'oracle'):
        for a, b in zip(one['rhd2h3d'][m], two['rhd2h3d'][m]):
            assert a['config'] == b['config']
            assert a['target_test']['pck_tllib'] == b['target_test']['pck_tllib'], m
    logs = sorted((tmp_path / 'two').rglob('log.jsonl'))
    assert len(logs) == 4 and all(len(p.read_text().splitlines()) == 2 for p in logs)   # each run trained once
    stamps = [p.stat().st_mtime for p in logs]
    t0 = time.time(); again = _grid(tmp_path / 'two', 2)
    assert time.time() - t0 < 10 and [p.stat().st_mtime for p in logs] == stamps      # read back, not retrained
    assert again == two
