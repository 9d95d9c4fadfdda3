"The `synreal` console script: info, training a run end to end, reading it back, and bad input."
import json, time
from conftest import synreal_cmd


def test_info_names_archive_and_layout():
    out = synreal_cmd('info', 'h3d').stdout
    assert 'H3D_crop/annotation.json' in out and 'DEAD' in out


def test_train_smoke_then_read_back(results):
    args = ('train', '--profile', 'smoke', '--seed', '3', '--results-dir', results, '--quiet', '--device', 'cpu')
    first = json.loads(synreal_cmd(*args).stdout)
    run = results / 'smoke' / 'rhd2h3d' / 'source_only' / 'seed3'
    assert first['run_dir'] == str(run)
    assert {'config.json', 'metrics.json', 'checkpoint.pt', 'log.jsonl'} <= {p.name for p in run.iterdir()}
    assert set(first['target_test']) == {'MCP', 'PIP', 'DIP', 'Fin', 'All'}
    mtime = (run / 'metrics.json').stat().st_mtime
    second = json.loads(synreal_cmd(*args).stdout)
    assert second == first and (run / 'metrics.json').stat().st_mtime == mtime   # not recomputed


def test_wrong_data_root_names_the_problem(tmp_path):
    r = synreal_cmd('train', '--profile', 'smoke', '--data-root', tmp_path / 'nowhere', '--results-dir',
                    tmp_path / 'r', '--quiet', check=False)
    assert r.returncode != 0
    assert str(tmp_path / 'nowhere') in r.stderr and 'data_scripts' in r.stderr


def test_unknown_profile_field_is_refused(tmp_path):
    r = synreal_cmd('train', '--profile', 'smoke', '--set', 'epoch=3', '--results-dir', tmp_path, check=False)
    assert r.returncode != 0 and "Unknown profile field(s) ['epoch']" in r.stderr
