"""Rendering an embedded benchmark in several processes gives the same files, byte for byte, as rendering it in one:
each batch draws from its own random streams (`synreal.embedded.build.render_batches`)."""
import hashlib
import pytest
from synreal.embedded.hands import HandBenchmarkConfig, make_hand_benchmark
from synreal.embedded.bodies import BodyBenchmarkConfig, make_body_benchmark
from synreal.embedded.targets import MVHandBenchmarkConfig, PW3DBenchmarkConfig, make_mvhand_benchmark, make_pw3d_benchmark


def digest(root):
    "Every file's hash, but MATLAB files, whose header holds the time they were written."
    return {str(p.relative_to(root)): hashlib.sha1(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob('*')) if p.is_file() and not p.is_symlink() and p.suffix != '.mat'}


def build(kind, root):
    if kind == 'hands': make_hand_benchmark(root, HandBenchmarkConfig.smoke(batch=4), progress=False)
    elif kind == 'bodies': make_body_benchmark(root, BodyBenchmarkConfig.smoke(batch=8), progress=False)
    elif kind == 'mvhand': make_mvhand_benchmark(root, MVHandBenchmarkConfig.smoke(batch=4), None, progress=False)
    else: make_pw3d_benchmark(root, PW3DBenchmarkConfig.smoke(batch=2), None, progress=False)
    return digest(root)


@pytest.mark.parametrize('kind', ['hands', 'bodies', 'mvhand', 'pw3d'])
def test_processes_render_the_same_bytes(tmp_path, monkeypatch, kind):
    monkeypatch.setenv('SYNREAL_GENERATE_WORKERS', '1')
    one = build(kind, tmp_path / 'one')
    monkeypatch.setenv('SYNREAL_GENERATE_WORKERS', '2')
    two = build(kind, tmp_path / 'two')
    assert len(one) > 10 and one == two
