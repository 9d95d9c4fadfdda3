"""The `gpu` profile's code path on the CPU at a tiny size: the `large` embedded benchmark (images at the real
datasets' resolution) read back through the loaders, and source-only and a reconstruction method trained with the
profile's ResNet trunk, schedule and settings, shrunk so that it runs in seconds. No GPU is needed or used."""
import json
import numpy as np
from PIL import Image
from synreal.config import RunConfig, get_profile
from synreal.embedded.build import sized_config
from synreal.embedded.hands import HandBenchmarkConfig, make_hand_benchmark
from synreal.tasks import load_task_data
from synreal.train import train_run

TINY = dict(backbone='resnet18', head_width=32, input_size=64, cache_size=72, batch_size=4, eval_batch_size=8,
            epochs=1, adapt_epochs=1, iters_per_epoch=2, device='cpu')
FEW = dict(src_train=8, src_test=4, src_subjects=2, tgt_images=12, tgt_subjects=2, tgt_group_size=3, batch=8)


def test_large_benchmark_renders_at_the_real_sizes(tmp_path):
    cfg = sized_config(HandBenchmarkConfig, 'large', 0)
    assert (cfg.src_size, cfg.tgt_size) == (320, 256) and cfg.src_train == HandBenchmarkConfig().src_train
    root = tmp_path
    make_hand_benchmark(root, HandBenchmarkConfig.large(**FEW), progress=False)
    rhd = next(root.rglob('training/color/*.png'))
    assert Image.open(rhd).size == (320, 320)
    h3d = next(p for p in root.rglob('*.jpg'))
    assert Image.open(h3d).size == (256, 256)


def test_gpu_profile_trains_on_the_cpu_at_a_tiny_size(tmp_path):
    data_root = tmp_path / 'data'
    make_hand_benchmark(data_root, HandBenchmarkConfig.large(**FEW), progress=False)
    p = get_profile('gpu', **TINY)
    assert p.name == 'gpu' and p.amp and p.channels_last and p.benchmark == 'large'
    data = load_task_data('rhd2h3d', p, str(data_root), progress=False)
    rec = dict(size='tiny', pretrain_iters=2, pretrain_batch=2, rec_batch=2, adapt_iters=2)
    for method, args in (('source_only', {}), ('rec', rec)):
        cfg = RunConfig('rhd2h3d', method, 0, p, str(data_root), args)
        m = train_run(cfg, tmp_path / 'results', data=data, progress=False)
        assert np.isfinite(m['target_test']['pck_tllib']['All'])
        saved = json.loads((cfg.run_dir(tmp_path / 'results') / 'config.json').read_text())
        assert saved['profile']['name'] == 'gpu' and saved['profile']['backbone'] == 'resnet18'
