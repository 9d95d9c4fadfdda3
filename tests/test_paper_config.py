"""The `paper` profile against its table of reference values (`synreal.config.PAPER_TABLE`, nbs/29_config.ipynb),
method by method, and its refusal to start without ImageNet weights unless from-scratch is asked for explicitly.

Nothing here downloads: the torch hub cache is pointed at an empty (or hand-filled) temporary folder."""
import dataclasses, json, os
import pytest
import torch
import torchvision
from conftest import synreal_cmd
from synreal.config import (NOT_IMPLEMENTED, OUR_CHOICE, PAPER_TABLE, PROFILES, REFERENCE, Profile, RunConfig,
                            get_profile)
from synreal.methods import METHODS
from synreal.models.pose import PosePredictor

# the fields that are not settings of what a run computes, or that name the table itself
NOT_SETTINGS = {'name', 'device', 'method_table'}


def rows_for(method: str) -> list:
    return [r for r in PAPER_TABLE if r.methods != 'profile' and r.applies(method)]


def test_the_paper_profile_fields_are_the_tables():
    paper = get_profile('paper')
    rows = {r.arg: r for r in PAPER_TABLE if r.methods == 'profile'}
    for f in dataclasses.fields(Profile):   # every field has a row, and a reference row is the profile's value
        assert f.name in NOT_SETTINGS or f.name in rows, f'profile field {f.name} has no row in PAPER_TABLE'
    for r in rows.values():
        if r.status == REFERENCE: assert getattr(paper, r.arg) == r.value, r
        if r.status == NOT_IMPLEMENTED and hasattr(paper, r.arg): assert getattr(paper, r.arg) != r.value, r
    assert paper.weights == 'IMAGENET1K_V1' and paper.backbone == 'resnet101'


@pytest.mark.parametrize('method', sorted(METHODS))
def test_the_paper_profile_resolves_each_method_as_the_table_says(method):
    defaults = METHODS[method].defaults
    cfg = RunConfig('rhd2h3d', method, 0, get_profile('paper'))
    full, source = cfg.method_args_full(defaults), cfg.method_args_source(defaults)
    rows = rows_for(method)
    for arg in defaults:   # every argument has exactly one row: the table is complete
        assert [r.arg for r in rows].count(arg) == 1, f'{method}.{arg}: {[r for r in rows if r.arg == arg]}'
    for r in rows:
        if r.status == REFERENCE:
            assert r.arg in defaults, f'{method} has no argument {r.arg} (row {r})'
            assert full[r.arg] == r.value and source[r.arg] == f'paper table: {r.source}', (method, r)
        elif r.status == OUR_CHOICE:
            assert r.arg in defaults and full[r.arg] == defaults[r.arg] and source[r.arg] == 'method default', (method, r)
        else:   # not implemented: never set by the table, never claimed as the reference's
            assert r.status == NOT_IMPLEMENTED and r.note, r
            assert r.arg not in defaults or not source[r.arg].startswith('paper table'), (method, r)
    recorded = cfg.to_dict(defaults)   # config.json: every resolved value with its source
    assert recorded['method_args'] == json.loads(json.dumps(full)) and recorded['method_args_source'] == source
    assert recorded['profile']['method_table'] == 'paper'


def test_reference_values_that_differ_from_the_old_defaults():
    "The values the table changes under `paper`, by hand (a table that silently stopped applying would fail here)."
    args = lambda m: RunConfig('rhd2h3d', m, 0, get_profile('paper')).method_args_full(METHODS[m].defaults)
    assert {k: args('baseline')[k] for k in ('ema_decay', 'teacher_augment', 'epoch_fraction')} == \
        {'ema_decay': 0.999, 'teacher_augment': 'strong', 'epoch_fraction': 1.0}
    assert {k: args('pseudo_rec')[k] for k in ('ema_decay', 'size', 'rec_loss')} == \
        {'ema_decay': 0.999, 'size': 'paper', 'rec_loss': 'vgg'}
    assert (args('regda')['gl_max_iters'], args('regda')['epoch_fraction'], args('ccssl')['epoch_fraction']) == (1000, 1.0, 1.0)
    assert args('baseline')['stylenet'] == args('pretrain')['stylenet'] == 'vgg'   # UniFrame's AdaIN, in both phases
    assert {k: args('pretrain')[k] for k in ('stylenet_iters', 'stylenet_lr', 'stylenet_batch', 'stylenet_pool')} == \
        {'stylenet_iters': 500000, 'stylenet_lr': 1e-5, 'stylenet_batch': 4, 'stylenet_pool': None}   # UniFrame's AdaIN decoder
    assert (args('rec')['pretrain_iters'], args('regda')['source_start']) == ('fomm', 'regda_source')


def test_run_overrides_win_and_unknown_arguments_stay_an_error():
    paper = get_profile('paper')
    cfg = RunConfig('rhd2h3d', 'baseline', 0, paper, method_args={'ema_decay': 0.9})
    d = METHODS['baseline'].defaults
    assert cfg.method_args_full(d)['ema_decay'] == 0.9 and cfg.method_args_source(d)['ema_decay'] == 'run override'
    with pytest.raises(ValueError, match='model_selection'):   # a not-implemented reference value cannot be set either
        RunConfig('rhd2h3d', 'baseline', 0, paper, method_args={'model_selection': 'best'}).method_args_full(d)


@pytest.mark.parametrize('profile', [p for p in PROFILES if p != 'paper'])
def test_other_profiles_keep_the_methods_defaults(profile):
    for method, m in METHODS.items():
        cfg = RunConfig('rhd2h3d', method, 0, get_profile(profile))
        assert cfg.method_args_full(m.defaults) == m.defaults
        assert set(cfg.method_args_source(m.defaults).values()) <= {'method default'}
        assert 'method_table' not in cfg.to_dict(m.defaults)['profile']


TINY = ['--set', 'backbone=resnet18', 'benchmark=smoke', 'head_width=16', 'input_size=64', 'cache_size=64',
        'batch_size=4', 'eval_batch_size=4', 'epochs=1', 'pretrain_epochs=None', 'iters_per_epoch=1', 'lr_milestones=[0.5]', 'amp=false',
        'channels_last=false']


def test_paper_refuses_to_start_without_imagenet_weights(tmp_path):
    env = dict(os.environ, TORCH_HOME=str(tmp_path / 'torch'))   # an empty hub cache: nothing may be downloaded
    results = tmp_path / 'results'
    r = synreal_cmd('train', '--profile', 'paper', '--device', 'cpu', '--quiet', '--results-dir', results, *TINY,
                    check=False, env=env)
    cached = tmp_path / 'torch' / 'hub' / 'checkpoints' / torchvision.models.ResNet18_Weights.IMAGENET1K_V1.url.rsplit('/', 1)[-1]
    assert r.returncode == 2 and str(cached) in r.stderr, r.stderr
    assert torchvision.models.ResNet18_Weights.IMAGENET1K_V1.url in r.stderr and "weights='scratch'" in r.stderr
    assert not results.exists() and not cached.exists()   # nothing written, nothing fetched
    out = synreal_cmd('train', '--profile', 'paper', '--device', 'cpu', '--quiet', '--results-dir', results, *TINY,
                      'weights=scratch', env=env).stdout   # from scratch, asked for explicitly
    run = json.loads(out)['run_dir']
    config = json.loads(open(f'{run}/config.json').read())
    assert config['profile']['weights'] == 'scratch' and config['profile']['method_table'] == 'paper'


def test_weights_in_the_hub_cache_are_loaded_without_a_download(tmp_path, monkeypatch):
    hub = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path))
    try:
        r18 = torchvision.models.resnet18(weights=None)
        url = torchvision.models.ResNet18_Weights.IMAGENET1K_V1.url
        (tmp_path / 'checkpoints').mkdir()
        torch.save(r18.state_dict(), tmp_path / 'checkpoints' / url.rsplit('/', 1)[-1])
        monkeypatch.setattr(torch.hub, 'load_state_dict_from_url', lambda *a, **k: pytest.fail('a download was tried'))
        m = PosePredictor(21, 'resnet18', weights='IMAGENET1K_V1', head_width=16)
        assert torch.equal(m.trunk[0].weight, r18.conv1.weight)
    finally: torch.hub.set_dir(hub)
