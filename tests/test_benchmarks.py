"The throughput benchmark runs end to end on the CPU in CI-sized settings and prints its ratios."
import subprocess, sys
from conftest import ROOT


def test_benchmark_all_smoke(tmp_path):
    r = subprocess.run([sys.executable, 'benchmarks/throughput.py', 'all', '--data', 'smoke', '--device', 'cpu',
                        '--out', str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count('ratio synreal / reference') == 2
    assert {p.name for p in tmp_path.iterdir()} == {'pose_cpu_cpu.md', 'data_cpu_cpu.md', 'scaling_cpu_cpu.md'}
