"""UniFrame's single schedule (`pretrain_epochs`): the mean-teacher methods start from a stylised pre-training run
stopped after `pretrain_epochs`, and train the remaining epochs of the same schedule on the same Adam and
MultiStepLR; interrupted, such a run resumes to the same result."""
import json
import pytest
import torch
from synreal.config import RunConfig, get_profile
from synreal.tasks import load_task_data
from synreal.train import train_run

SINGLE = dict(schedule='multistep', lr_milestones=(2,), epochs=3, pretrain_epochs=1, iters_per_epoch=3)


@pytest.fixture(scope='module')
def data():
    return load_task_data('rhd2h3d', get_profile('smoke'), progress=False)


def log(run_dir):
    return [json.loads(l) for l in (run_dir / 'log.jsonl').read_text().splitlines()]


def test_baseline_continues_the_pretraining_runs_optimiser_and_schedule(tmp_path, data):
    p = get_profile('smoke', **SINGLE)
    cfg = RunConfig('rhd2h3d', 'baseline', 0, p)
    m = train_run(cfg, tmp_path, data, progress=False)
    pre = RunConfig('rhd2h3d', 'pretrain', 0, p).run_dir(tmp_path)
    assert [r['epoch'] for r in log(pre)] == [1] and (pre / 'metrics.json').exists()
    assert not RunConfig('rhd2h3d', 'source_only', 0, p).run_dir(tmp_path).exists()
    rows = log(cfg.run_dir(tmp_path))
    assert [r['epoch'] for r in rows] == [2, 3]                 # epochs 2 and 3 of the one 3-epoch schedule
    assert log(pre)[0]['lr'] == pytest.approx(p.lr) and rows[0]['lr'] == pytest.approx(p.lr * 0.1)   # milestone 2
    ck = torch.load(cfg.run_dir(tmp_path) / 'checkpoint.pt', weights_only=True)
    assert ck['scheduler']['last_epoch'] == 3
    assert int(ck['optimizer']['state'][0]['step']) == 3 * 3     # Adam's steps: the pre-training's and its own
    saved = json.loads((cfg.run_dir(tmp_path) / 'config.json').read_text())
    assert saved['profile']['pretrain_epochs'] == 1 and 'target_test' in m


def test_interrupted_continuation_resumes_to_the_same_result(tmp_path, data):
    p = get_profile('smoke', **SINGLE)
    cfg = RunConfig('rhd2h3d', 'baseline', 0, p)
    whole = train_run(cfg, tmp_path / 'a', data, progress=False)
    assert train_run(cfg, tmp_path / 'b', data, progress=False, max_epochs=2) == {'stopped_after_epoch': 2}
    resumed = train_run(cfg, tmp_path / 'b', data, progress=False)
    assert resumed['target_test']['pck_tllib'] == whole['target_test']['pck_tllib']


def test_profiles_without_pretrain_epochs_record_no_such_field(tmp_path, data):
    cfg = RunConfig('rhd2h3d', 'baseline', 0, get_profile('smoke'))
    assert 'pretrain_epochs' not in cfg.to_dict({})['profile']   # runs from before the field read back
