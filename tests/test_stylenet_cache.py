"""A learned StyleNet is trained once per task, as UniFrame trains its AdaIN decoder offline: kept beside the task's
runs, read back by every later run and seed; the 'vgg' kind never downloads its VGG-19."""
import json
import pytest
import torch
from synreal.config import RunConfig, get_profile
from synreal.tasks import load_task_data
from synreal.train import train_run

SMALL_NET = dict(stylenet='small', stylenet_width=8, stylenet_iters=5, lifter_iters=5)


def test_a_learned_stylenet_is_trained_once_and_shared_by_seeds_and_methods(tmp_path):
    p = get_profile('smoke')
    data = load_task_data('rhd2h3d', p, progress=False)
    train_run(RunConfig('rhd2h3d', 'baseline', 0, p, method_args=SMALL_NET), tmp_path, data, progress=False)
    folder = tmp_path / 'smoke' / 'rhd2h3d'
    nets = sorted(folder.glob('stylenet_*.pt'))
    assert len(nets) == 1
    record = nets[0].with_suffix('.json')
    first = record.stat().st_mtime_ns
    assert json.loads(record.read_text())['settings']['stylenet'] == 'small'
    train_run(RunConfig('rhd2h3d', 'baseline', 1, p, method_args=SMALL_NET), tmp_path, data, progress=False)
    train_run(RunConfig('rhd2h3d', 'pseudo', 0, p, method_args=SMALL_NET), tmp_path, data, progress=False)
    assert sorted(folder.glob('stylenet_*.pt')) == nets and record.stat().st_mtime_ns == first   # read back, not retrained
    kept = torch.load(nets[0], weights_only=True)
    for method, seed in (('baseline', 0), ('baseline', 1), ('pseudo', 0)):
        ck = torch.load(folder / method / f'seed{seed}' / 'checkpoint.pt', weights_only=True)
        for k, v in kept.items(): assert torch.equal(ck['state']['stylenet'][k], v), (method, seed, k)
    # other settings, another StyleNet
    train_run(RunConfig('rhd2h3d', 'baseline', 0, p, method_args=dict(SMALL_NET, stylenet_iters=6)),
              tmp_path / 'other', data, progress=False)
    assert next((tmp_path / 'other' / 'smoke' / 'rhd2h3d').glob('stylenet_*.pt')).name != nets[0].name


def test_the_vgg_stylenet_never_downloads(tmp_path):
    hub = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path / 'hub'))   # an empty cache
    try:
        p = get_profile('smoke')
        cfg = RunConfig('rhd2h3d', 'baseline', 0, p, method_args=dict(stylenet='vgg'))
        with pytest.raises(FileNotFoundError, match='vgg19'):
            train_run(cfg, tmp_path / 'r', load_task_data('rhd2h3d', p, progress=False), progress=False)
        assert not (tmp_path / 'hub' / 'checkpoints').exists()
    finally: torch.hub.set_dir(hub)


def test_a_missing_vgg19_stops_the_run_before_anything_is_written(tmp_path):
    hub = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path / 'hub'))
    try:
        cfg = RunConfig('rhd2h3d', 'baseline', 0, get_profile('smoke'), method_args=dict(stylenet='vgg'))
        with pytest.raises(FileNotFoundError, match='vgg19'):
            train_run(cfg, tmp_path / 'r', progress=False)
        assert not (tmp_path / 'r').exists()     # not even the source-only run it starts from
    finally: torch.hub.set_dir(hub)


def test_uniframes_fresh_batches_train_the_stylenet_on_new_images_each_step(tmp_path, monkeypatch):
    "stylenet_pool=None (the paper table's): every step draws a new source and a new target batch, as UniFrame's loop."
    import synreal.methods.pseudo as pseudo
    seen = []
    def spy(net, images, iters, batch, lr, generator, domains, **kw):
        assert callable(images) and domains is None and (iters, batch, lr) == (3, 2, 1e-4)
        for _ in range(iters): seen.append(images(batch, generator))
        return [0.0] * iters
    monkeypatch.setattr(pseudo, 'train_stylenet', spy)
    p = get_profile('smoke')
    args = dict(SMALL_NET, stylenet_iters=3, stylenet_batch=2, stylenet_lr=1e-4, stylenet_pool=None)
    train_run(RunConfig('rhd2h3d', 'baseline', 0, p, method_args=args), tmp_path, load_task_data('rhd2h3d', p, progress=False),
              progress=False)
    assert len(seen) == 3 and all(c.shape == s.shape == (2, 3, p.input_size, p.input_size) for c, s in seen)
    assert not torch.equal(seen[0][0], seen[1][0])      # new images each step
    folder = tmp_path / 'smoke' / 'rhd2h3d'
    assert len(list(folder.glob('stylenet_*.pt'))) == 1 and not list(folder.glob('*.partial.pt'))
