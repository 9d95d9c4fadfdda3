"""Bad input to `synreal train`, `synreal embedded` and the reproduce notebooks never costs a finished result.

Each case feeds the bad input, asserts the exit status and the key words of the message, and that a folder holding one
finished smoke run (trained once for the module) is byte-identical afterwards. The last test checks the heatmap target
rule against an independent NumPy re-implementation of TLlib's `generate_target`
(thuml/Transfer-Learning-Library, tllib/vision/datasets/keypoint_detection/util.py)."""
import hashlib, json, os, stat, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RUN = ('smoke', 'rhd2h3d', 'source_only', 'seed0')   # the run folder under a results dir
PURE = {'test_tllib_reference_by_hand', 'test_heatmap_targets_follow_tllib'}   # no CLI: no finished results to guard


def env() -> dict:
    "The environment of every subprocess: one OpenMP thread, and no IN_TEST switch from an outer nbdev run."
    return {**{k: v for k, v in os.environ.items() if k != 'IN_TEST'}, 'OMP_NUM_THREADS': '1'}


def synreal(*args, timeout=300) -> subprocess.CompletedProcess:
    "`python -m synreal.cli ARGS` in a subprocess: (returncode, stdout, stderr) as text."
    return subprocess.run([sys.executable, '-m', 'synreal.cli', *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env=env())


def train(results_dir, *extra, timeout=300) -> subprocess.CompletedProcess:
    "The fixture's training command (smoke, rhd2h3d, source_only, seed 0) into `results_dir`, plus `extra`."
    return synreal('train', '--task', 'rhd2h3d', '--method', 'source_only', '--seed', '0', '--profile', 'smoke',
                   '--device', 'cpu', '--results-dir', results_dir, *extra, timeout=timeout)


def tree(root: Path) -> dict:
    "{relative path: sha256} of every file under `root`."
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob('*')) if p.is_file()}


def said(r: subprocess.CompletedProcess) -> str: return r.stdout + r.stderr


def strict_json(text: str):
    "json.loads that refuses NaN and Infinity (which Python's json accepts by default)."
    def refuse(name): raise ValueError(f'non-standard JSON constant {name}')
    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope='module')
def finished(tmp_path_factory):
    "One finished smoke run (results folder, hashes of all its files), trained once for the module."
    results = tmp_path_factory.mktemp('finished') / 'results'
    r = train(results, '--quiet')
    assert r.returncode == 0, f'the fixture run failed ({r.returncode}):\n{said(r)[-3000:]}'
    run = results.joinpath(*RUN)
    assert {'config.json', 'metrics.json', 'checkpoint.pt', 'log.jsonl'} <= {p.name for p in run.iterdir()}
    return results, tree(results)


@pytest.fixture(autouse=True)
def results_untouched(request):
    "Every test but the pure-function ones: the finished results are byte-identical afterwards."
    if request.node.originalname in PURE: yield; return
    results, before = request.getfixturevalue('finished')
    yield
    assert tree(results) == before, 'a finished result changed'


# 1. divergence --------------------------------------------------------------------------------------------------------

def test_diverged_run_writes_no_metrics_and_its_folder_is_reused(tmp_path):
    results = tmp_path / 'results'; run = results.joinpath(*RUN)
    r = train(results, '--set', 'lr=1e30')
    assert r.returncode == 2, said(r)
    assert 'diverged' in r.stderr and 'lr' in r.stderr, r.stderr
    assert not (run / 'metrics.json').exists()
    assert (run / 'diverged.json').exists()
    assert 'diverged' in strict_json((run / 'diverged.json').read_text())['reason']
    if (run / 'log.jsonl').exists():
        for line in (run / 'log.jsonl').read_text().splitlines(): strict_json(line)
    r = train(results, '--set', 'lr=0.001', '--quiet')
    assert r.returncode == 0, said(r)
    assert (run / 'metrics.json').exists() and not (run / 'diverged.json').exists()
    assert strict_json((run / 'config.json').read_text())['profile']['lr'] == 0.001
    for line in (run / 'log.jsonl').read_text().splitlines(): strict_json(line)


# 2. types -------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('field,kind', [('lr', 'float'), ('batch_size', 'int')])
def test_wrong_type_names_the_field(tmp_path, field, kind):
    results = tmp_path / 'results'
    r = train(results, '--set', f'{field}=abc')
    assert r.returncode == 2, said(r)
    assert field in r.stderr and 'expected' in r.stderr and kind in r.stderr, r.stderr
    assert not (results.joinpath(*RUN) / 'config.json').exists()


def test_zero_epochs_must_be_positive(tmp_path):
    results = tmp_path / 'results'
    r = train(results, '--set', 'epochs=0')
    assert r.returncode == 2, said(r)
    assert 'epochs' in r.stderr and 'must be positive' in r.stderr, r.stderr
    assert not (results.joinpath(*RUN) / 'config.json').exists()


# 3. repeated --set ----------------------------------------------------------------------------------------------------

def test_repeated_set_accumulates(tmp_path):
    results = tmp_path / 'results'
    r = train(results, '--set', 'epochs=1', '--set', 'iters_per_epoch=1', '--set', 'batch_size=4')
    assert r.returncode == 0, said(r)
    profile = json.loads((results.joinpath(*RUN) / 'config.json').read_text())['profile']
    assert (profile['epochs'], profile['iters_per_epoch'], profile['batch_size']) == (1, 1, 4)
    line = next((l for l in r.stdout.splitlines() if 'differ from profile' in l), '')
    assert "'smoke'" in line, r.stdout
    for setting in ('epochs=1', 'iters_per_epoch=1', 'batch_size=4'): assert setting in line, line


# 4. papermill typos ---------------------------------------------------------------------------------------------------

def papermill(tmp_path, *params, timeout=300) -> subprocess.CompletedProcess:
    "reproduce_tableA on the smoke profile with out_dir and results_dir in `tmp_path`, plus (name, value) params."
    args = [str(BIN / 'papermill'), str(ROOT / 'nbs' / 'reproduce_tableA.ipynb'), str(tmp_path / 'out.ipynb'),
            '--cwd', str(ROOT), '-p', 'profile', 'smoke', '-p', 'out_dir', str(tmp_path / 'out'),
            '-p', 'results_dir', str(tmp_path / 'results')]
    for k, v in params: args += ['-p', k, v]
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env())


def test_papermill_unknown_task(tmp_path):
    r = papermill(tmp_path, ('tasks', '["rhd2h3d", "rhd2h3x"]'), ('seeds', '[0]'))
    assert r.returncode != 0, said(r)[-3000:]
    out = said(r)
    assert 'rhd2h3x' in out, out[-3000:]
    assert 'rhd2h3d' in out and 'surreal2h36m' in out and 'choose' in out, out[-3000:]   # the choices
    assert not list((tmp_path / 'results').rglob('seed*'))


def test_papermill_seed_not_a_number(tmp_path):
    r = papermill(tmp_path, ('tasks', 'rhd2h3d'), ('seeds', 'abc'))
    assert r.returncode != 0, said(r)[-3000:]
    assert 'seeds' in said(r), said(r)[-3000:]
    assert not [p for p in tmp_path.rglob('seedabc')], 'a folder seedabc was written'
    assert not list((tmp_path / 'results').rglob('seed*'))


# 5. config mismatch with finished results -----------------------------------------------------------------------------

def test_other_settings_keep_the_finished_run(finished):
    results, _ = finished
    r = train(results, '--set', 'lr=0.001')
    assert r.returncode == 2, said(r)
    for word in ('lr', 'there', 'here', 'results_dir'): assert word in r.stderr, (word, r.stderr)
    assert 'Delete' not in said(r) and 'delete' not in said(r), said(r)


# 6. damaged embedded benchmark ----------------------------------------------------------------------------------------

def test_damaged_embedded_png_then_force(tmp_path):
    from PIL import Image
    bench = tmp_path / 'bench'
    r = synreal('embedded', '--root', bench, '--size', 'smoke')
    assert r.returncode == 0, said(r)
    from synreal.data.formats import dataset_loader
    used = {Path(s['path']) for s in dataset_loader('rhd', bench)(bench, 'train')}   # not every image has a sample
    png = next(p for p in sorted((bench / 'RHD_published_v2' / 'training' / 'color').glob('*.png')) if p in used)
    whole = png.read_bytes()
    png.write_bytes(whole[:len(whole) // 2])
    r = train(tmp_path / 'results', '--data-root', bench, '--quiet')
    assert r.returncode == 2, said(r)
    assert str(png) in r.stderr, r.stderr
    assert not (tmp_path / 'results').joinpath(*RUN, 'metrics.json').exists()
    message = r.stderr
    r = synreal('embedded', '--root', bench, '--size', 'smoke', '--force')
    assert r.returncode == 0, said(r)
    with Image.open(png) as im: im.load()
    assert png.read_bytes() == whole, 'the regenerated PNG differs from the first one (same seed)'
    assert '--force' in message, ('the message for a damaged embedded image does not suggest '
                                  f'`synreal embedded ... --force` (being added); it said:\n{message}')


# 7. read-only results folder ------------------------------------------------------------------------------------------

def test_read_only_results_dir(tmp_path):
    results = tmp_path / 'results'; results.mkdir()
    results.chmod(0o555)
    try:
        if os.access(results, os.W_OK):
            pytest.skip('chmod 0o555 has no effect here (running as root, which ignores permissions)')
        r = train(results, '--quiet')
        assert r.returncode == 2, said(r)
        assert str(results) in r.stderr and 'not writable' in r.stderr, r.stderr
        assert not any(results.iterdir())
    finally:
        results.chmod(stat.S_IRWXU)


def test_unwritable_or_full_disk_names_the_path(tmp_path, monkeypatch, capsys):
    "The same handler where permissions cannot be taken away (root): the first write fails as a read-only or full disk does."
    import errno
    from synreal import cli, utils
    for code, words in ((errno.EACCES, 'not writable'), (errno.ENOSPC, 'disk is full')):
        def refuse(path, write_fn, code=code): raise OSError(code, os.strerror(code), str(path))
        monkeypatch.setattr(utils, 'atomic_write', refuse)
        monkeypatch.setattr('synreal.train.write_json', lambda path, obj: refuse(path, None))
        rc = cli.main(['train', '--profile', 'smoke', '--results-dir', str(tmp_path / 'r'), '--quiet'])
        err = capsys.readouterr().err
        assert rc == 2 and words in err and str(tmp_path / 'r') in err and 'results-dir' in err, err


# 8. TLlib's target rule -----------------------------------------------------------------------------------------------

def tllib_generate_target(joints, joints_vis, heatmap_size: int, sigma, image_size: int):
    """TLlib's `generate_target` on a square map, in NumPy, written out independently of synreal: `joints` [K, 2] input
    px, `joints_vis` [K]; returns target [K, h, h] and weights [K]. A joint whose rounded centre is off the map gets
    weight 0 and an empty map, even where its Gaussian window would reach into the map."""
    k = len(joints)
    weight = np.asarray(joints_vis, np.float32).copy()
    target = np.zeros((k, heatmap_size, heatmap_size), np.float32)
    tmp = int(sigma * 3)
    stride = image_size / heatmap_size
    for j in range(k):
        mu_x, mu_y = int(joints[j][0] / stride + 0.5), int(joints[j][1] / stride + 0.5)   # int(): toward zero
        ul, br = (mu_x - tmp, mu_y - tmp), (mu_x + tmp + 1, mu_y + tmp + 1)
        if mu_x >= heatmap_size or mu_y >= heatmap_size or mu_x < 0 or mu_y < 0:
            weight[j] = 0; continue
        size = 2 * tmp + 1
        x = np.arange(size, dtype=np.float32); y = x[:, None]
        g = np.exp(-((x - size // 2) ** 2 + (y - size // 2) ** 2) / (2 * sigma ** 2))
        gx = max(0, -ul[0]), min(br[0], heatmap_size) - ul[0]
        gy = max(0, -ul[1]), min(br[1], heatmap_size) - ul[1]
        ix = max(0, ul[0]), min(br[0], heatmap_size)
        iy = max(0, ul[1]), min(br[1], heatmap_size)
        if weight[j] > 0.5: target[j, iy[0]:iy[1], ix[0]:ix[1]] = g[gy[0]:gy[1], gx[0]:gx[1]]
    return target, weight


def test_tllib_reference_by_hand():
    "The re-implementation itself, checked on values worked out by hand (64 px input, 16 px map: stride 4)."
    t, w = tllib_generate_target(np.array([[20., 24.], [-12., 8.], [-2.5, 8.], [66., 8.]]), [1, 1, 1, 1], 16, 2, 64)
    assert list(w) == [1, 0, 1, 0]                 # x=-12 -> mu -2 (off); x=-2.5 -> int(-0.125) = 0 (on); x=66 -> 17
    assert t[0, 6, 5] == 1 and np.isclose(t[0, 6, 7], np.exp(-4 / 8)) and t[0, 6, 12] == 0   # radius 6: 5 + 6 = 11
    assert t[1].sum() == 0 and t[3].sum() == 0 and t[2, 2, 0] == 1


@pytest.mark.parametrize('input_size,heatmap_size,sigma', [(64, 16, 2), (256, 64, 2), (64, 32, 1)])
def test_heatmap_targets_follow_tllib(input_size, heatmap_size, sigma):
    from synreal.keypoints import heatmap_targets
    W, s = heatmap_size, input_size / heatmap_size
    # in heatmap px: inside, on the border, just off it (x = -3 and x = W + 1, both within the window), far off,
    # window clipped by the border while the centre is on the map, and -0.9 (int() gives 0, floor -1)
    hm = [(5, 6), (0, 0), (W - 1, W - 1), (0, W - 1), (W - 1, 3), (-3, 4), (W + 1, 4), (4, -3), (4, W + 1),
          (-2, -2), (W + 2, W + 2), (-30, 5), (W + 40, 5), (1, 2), (W - 2, W - 3), (-0.9, 5), (5, W - 0.6), (2.3, 7.7)]
    kp = np.array(hm, np.float64) * s
    vis = np.ones(len(kp)); vis[3] = 0                 # an invisible joint on the map: weight 0, no Gaussian
    want_t, want_w = tllib_generate_target(kp, vis, W, sigma, input_size)
    got_t, got_w = heatmap_targets(torch.tensor(kp[None], dtype=torch.float64), torch.tensor(vis[None]),
                                   input_size, heatmap_size, sigma)
    assert tuple(got_t.shape) == (1, len(kp), W, W) and tuple(got_w.shape) == (1, len(kp))
    bad = [f'joint {j} at {hm[j]} heatmap px: weight {got_w[0, j].item():g} (TLlib {want_w[j]:g}), '
           f'max |map diff| {np.abs(got_t[0, j].numpy() - want_t[j]).max():.3g}'
           for j in range(len(kp)) if not (np.isclose(got_w[0, j].item(), want_w[j], atol=1e-6)
                                          and np.allclose(got_t[0, j].numpy(), want_t[j], atol=1e-6))]
    assert not bad, 'heatmap_targets differs from TLlib generate_target:\n' + '\n'.join(bad)
