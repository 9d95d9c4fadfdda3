"The benchmarks run end to end on the CPU in CI-sized settings and print their ratios; the reference loops compute what the library does."
import re, subprocess, sys
import torch
from conftest import ROOT

sys.path.insert(0, str(ROOT / 'benchmarks'))
import throughput   # noqa: E402


def bench(tmp_path, *args):
    r = subprocess.run([sys.executable, 'benchmarks/throughput.py', *args, '--data', 'smoke', '--device', 'cpu',
                        '--threads', '1', '--out', str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def ratios(stdout: str) -> list[float]:
    return [float(x) for x in re.findall(r'ratio synreal / reference \(\w+\): \*\*([0-9.]+)x\*\*', stdout)]


def test_benchmark_pose_data_scaling_smoke(tmp_path):
    out = bench(tmp_path, 'pose', 'data', 'scaling', '--iters', '3', '--sizes', '32', '64', '128', '--batches', '16')
    assert len(ratios(out)) == 2 and all(r > 0 for r in ratios(out))
    assert {p.name for p in tmp_path.iterdir()} == {'pose_cpu_cpu.md', 'data_cpu_cpu.md', 'scaling_cpu_cpu.md'}


def test_benchmark_pseudo_rec_smoke(tmp_path):
    out = bench(tmp_path, 'pseudo', 'rec', '--iters', '2', '--batch', '4')
    assert len(ratios(out)) == 2 and all(r > 0 for r in ratios(out))
    assert re.search(r'\+rec step / plain pose step: synreal \*\*[0-9.]+x\*\*, reference [0-9.]+x', out)
    assert {p.name for p in tmp_path.iterdir()} == {'pseudo_cpu_cpu.md', 'rec_cpu_cpu.md'}
    for name in ('pseudo_cpu_cpu.md', 'rec_cpu_cpu.md'):
        text = (tmp_path / name).read_text()
        assert '| reference |' in text and '| synreal |' in text and 'peak_mb' in text


def test_reference_pseudo_labels_match_library():
    "The per-sample NumPy re-rendering of the reference loop gives the library's batched pseudo-labels."
    from synreal.data.augment import AugmentConfig, augment_matrices
    from synreal.methods.pseudo import pseudo_labels
    g = torch.Generator().manual_seed(0)
    cfg = AugmentConfig(rotation=60, scale=(0.6, 1.0))
    m_tea, m_stu = (augment_matrices(4, 96, 64, cfg, g) for _ in range(2))
    h = torch.rand(4, 21, 32, 32, generator=g) ** 8
    lib = pseudo_labels(h, m_tea, m_stu, 64, 2.0)
    hm, w, conf, cache = throughput.reference_pseudo_labels(h.numpy(), m_tea.double().numpy(), m_stu.double().numpy(),
                                                            64, 2.0)
    assert torch.allclose(lib['cache'], torch.from_numpy(cache).float(), atol=1e-3)
    assert torch.allclose(lib['heatmap'], hm, atol=1e-5) and torch.equal(lib['weight'], w)
    assert torch.equal(lib['confidence'], conf)


def test_reference_batch_matches_library():
    "Un-augmented, the TLlib-style per-sample batch has the library's heatmaps and weights and nearly its images."
    from synreal.config import get_profile
    from synreal.tasks import load_task_data
    ds = load_task_data('rhd2h3d', get_profile('smoke'), progress=False)['source_train']
    idx = [0, 1, 2, 3]
    x, y, w, _ = throughput.reference_batch(ds, idx, 64, 32, 2.0, None, torch.Generator().manual_seed(0))
    b = ds.batch(idx, 64, 32, sigma=2.0)
    assert x.is_contiguous() and x.dtype == torch.float32   # plain NCHW float32, as the baselines feed it
    assert torch.allclose(y, b['heatmap'], atol=1e-5) and torch.equal(w, b['weight'])
    assert (x - b['image']).abs().mean() < 0.05
