"""Table B(a)'s strategies end to end on the smoke profile (supplement C.1): the M2D row trains exactly what the Baseline
trains, and ours switches to the combined mask when, and only when, the overlap it reads reaches its threshold."""
import json
import torch
import pytest
from synreal.config import RunConfig, get_profile
from synreal.experiments import smoke_args
from synreal.tasks import load_task_data
from synreal.train import train_run


@pytest.fixture(scope='module')
def smoke(tmp_path_factory):
    torch.set_num_threads(1)
    prof = get_profile('smoke')
    return prof, load_task_data('rhd2h3d', prof, progress=False), tmp_path_factory.mktemp('strategies')


def run(smoke, method, folder, **args):
    "A smoke run of `method` with `args`, in its own results folder (a run folder holds one config)."
    prof, data, root = smoke
    results = root / folder
    cfg = RunConfig('rhd2h3d', method, 0, prof, method_args={**smoke_args([method])[method], **args})
    metrics = train_run(cfg, results, data, progress=False)
    rows = [json.loads(l) for l in (cfg.run_dir(results) / 'pseudo_stats.jsonl').read_text().splitlines()]
    return metrics, rows


def test_the_m2d_row_is_the_baseline(smoke):
    base, base_rows = run(smoke, 'baseline', 'base')
    m2d, m2d_rows = run(smoke, 'pseudo_m2d', 'base')
    assert m2d['target_test'] == base['target_test'] and m2d['source_test'] == base['source_test']
    assert all(r['overlap_m2d'] is None for r in base_rows)           # the Baseline has no 3D branch ...
    assert all(r['overlap_m2d'] is not None for r in m2d_rows)        # ... the M2D row runs it beside, unused


def test_ours_switches_at_its_threshold(smoke):
    _, never = run(smoke, 'pseudo', 'never', overlap_switch=1.01)
    assert [r['combined'] for r in never] == [False, False]
    first = never[0]['overlap_m2d']
    _, at = run(smoke, 'pseudo', 'at', overlap_switch=first)              # reached after the first epoch (>=)
    assert at[0]['overlap_m2d'] == first and [r['combined'] for r in at] == [True, True]
    _, iou = run(smoke, 'pseudo', 'iou', overlap_switch=first, switch_on='overlap_iou')
    assert iou[0]['overlap_iou'] < first and not iou[0]['combined']  # the IoU is the stricter overlap
