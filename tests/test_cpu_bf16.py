"""bf16 on the CPU (`cpu_bf16`): a smoke run in bf16 stays close to the fp32 run, and on a CPU without bf16 matrix
units the same setting falls back to fp32 bit for bit (forced here by pretending the units are missing)."""
import json, math
import pytest, torch
import synreal.train as T
from synreal.config import RunConfig, get_profile
from synreal.tasks import load_task_data

VOLATILE = ('config', 'train_seconds', 'device', 'processes', 'torch')


@pytest.fixture(scope='module')
def data(): return load_task_data('rhd2h3d', get_profile('smoke'), progress=False)


def run(tmp, data, **profile):
    torch.set_num_threads(1)
    m = T.train_run(RunConfig(profile=get_profile('smoke', **profile)), results_dir=tmp, data=data, progress=False)
    return {k: v for k, v in m.items() if k not in VOLATILE}


def losses(tmp, **profile):
    d = RunConfig(profile=get_profile('smoke', **profile)).run_dir(tmp)
    return [json.loads(l)['loss'] for l in (d / 'log.jsonl').read_text().splitlines()]


def test_fallback_is_fp32_bit_for_bit(tmp_path, data, monkeypatch):
    fp32 = run(tmp_path / 'fp32', data)
    monkeypatch.setattr(T, 'cpu_bf16_supported', lambda: False)
    with pytest.warns(UserWarning, match='fp32'):
        forced = run(tmp_path / 'forced', data, cpu_bf16=True)
    assert forced == fp32


@pytest.mark.skipif(not T.cpu_bf16_supported(), reason='this CPU has no bf16 matrix units')
def test_bf16_stays_close_to_fp32(tmp_path, data):
    "Stated tolerance: each epoch's loss within 5 % of fp32's, target PCK within 5 points (smoke PCK is a few %)."
    fp32, bf16 = run(tmp_path / 'fp32', data), run(tmp_path / 'bf16', data, cpu_bf16=True)
    l32, l16 = losses(tmp_path / 'fp32'), losses(tmp_path / 'bf16', cpu_bf16=True)
    for a, b in zip(l32, l16): assert math.isclose(a, b, rel_tol=0.05), (a, b)
    assert abs(fp32['target_test']['pck_tllib']['All'] - bf16['target_test']['pck_tllib']['All']) <= 5
    assert l16 != l32          # bf16 did run: the losses are close, not equal


def test_old_configs_read_back():
    "A profile without bf16 records no `cpu_bf16` key, so folders written before the field existed still match."
    from synreal.methods import get_method
    d = RunConfig(profile=get_profile('smoke')).to_dict(get_method('source_only').defaults)
    assert 'cpu_bf16' not in d['profile']
    assert RunConfig(profile=get_profile('smoke', cpu_bf16=True)).to_dict({})['profile']['cpu_bf16'] is True


@pytest.mark.skipif(not T.cpu_bf16_supported(), reason='this CPU has no bf16 matrix units')
@pytest.mark.parametrize('method', ['rec', 'pseudo_rec', 'pseudo', 'regda', 'ccssl'])
def test_every_method_trains_in_bf16(tmp_path, data, method):
    "bf16 is the cpu profile's default: each method family must train under it (the reconstruction loss's antialiased "
    "resize once had no bf16 kernel, and every +rec run of Table A failed)."
    from synreal.experiments import smoke_args
    torch.set_num_threads(1)
    cfg = RunConfig(method=method, profile=get_profile('smoke', cpu_bf16=True), method_args=smoke_args([method])[method])
    m = T.train_run(cfg, results_dir=tmp_path, data=data, progress=False)
    assert math.isfinite(m['target_test']['pck_tllib']['All'])
