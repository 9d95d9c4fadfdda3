"""`synreal data info|verify|prepare` and the LSP / FreiHAND loaders on tiny fixtures in the real formats.

The fixtures are written here, independently of `synreal.data.formats`, from the datasets' own descriptions
(FreiHAND's README, LSP's joints.mat layout, TLlib's freihand.py and lsp.py): the same keys, shapes, dtypes, file
names and folders as the real releases, with synthetic values and only a few images."""
import json, os, signal, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
import scipy.io
from PIL import Image
from conftest import synreal_cmd, ROOT


def write_lsp(root: Path, sizes=((120, 160), (150, 100), (90, 90), (200, 140)), seed=0) -> np.ndarray:
    "Original LSP: lsp/joints.mat with `joints` float64 3x14xN (x, y, 1 = occluded), lsp/images/im%04d.jpg."
    rng = np.random.default_rng(seed)
    d = root / 'lsp'
    (d / 'images').mkdir(parents=True)
    joints = np.zeros((3, 14, len(sizes)))
    for n, (w, h) in enumerate(sizes):
        joints[0, :, n], joints[1, :, n] = rng.uniform(2, w - 2, 14), rng.uniform(2, h - 2, 14)
        joints[2, :, n] = rng.random(14) < 0.25
        Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(d / 'images' / f'im{n + 1:04d}.jpg')
    scipy.io.savemat(d / 'joints.mat', {'joints': joints})
    return joints


def write_freihand(root: Path, n=4, size=224, seed=0) -> tuple:
    "FreiHAND v2: training_{xyz,K,mano}.json lists, training/rgb/%08d.jpg for 4 versions, training/mask, evaluation/rgb."
    rng = np.random.default_rng(seed)
    d = root / 'FreiHAND'
    for sub in ('training/rgb', 'training/mask', 'evaluation/rgb'): (d / sub).mkdir(parents=True)
    xyz = np.concatenate([rng.uniform(-0.04, 0.04, (n, 21, 2)), rng.uniform(0.45, 0.6, (n, 21, 1))], -1)
    K = np.stack([[[480. + i, 0, 112], [0, 480. + i, 112], [0, 0, 1]] for i in range(n)])
    (d / 'training_xyz.json').write_text(json.dumps(xyz.tolist()))
    (d / 'training_K.json').write_text(json.dumps(K.tolist()))
    (d / 'training_mano.json').write_text(json.dumps(rng.normal(size=(n, 1, 61)).tolist()))
    for i in range(4 * n):
        Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(d / f'training/rgb/{i:08d}.jpg')
    for i in range(n):
        Image.fromarray(rng.integers(0, 2, (size, size), dtype=np.uint8) * 255).save(d / f'training/mask/{i:08d}.jpg')
    Image.fromarray(np.zeros((size, size, 3), np.uint8)).save(d / 'evaluation/rgb/00000000.jpg')
    return xyz, K


def stamps(folder: Path) -> dict:
    "(inode, mtime) of every crop: a rewritten crop gets a new inode (written to a temp name, then renamed)."
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in sorted(folder.glob('*.jpg'))}


def test_lsp_loader_maps_joints_and_pads():
    from synreal.data.formats.lsp import lsp_samples
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        joints = write_lsp(Path(d))
        s = lsp_samples(d, 'all')
        assert len(s) == 4 and s[0]['image'] == 'images/im0001.jpg'
        kp = np.stack([x['keypoint2d'] for x in s])
        vis = np.stack([x['visible'] for x in s])
        np.testing.assert_allclose(kp[:, 9], joints[:2, 13].T, atol=1e-4)        # head top
        np.testing.assert_allclose(kp[:, 12], joints[:2, 8].T, atol=1e-4)        # r_shoulder
        np.testing.assert_array_equal(vis[:, 12], 1 - joints[2, 8])              # flag 1 = occluded
        assert (vis[:, 6:8] == 0).all()                                          # pelvis, thorax unlabelled
        assert s[3]['box'] == (0, -30, 200, 170)                                 # 200x140 padded to 200x200


def test_freihand_loader_projects_and_splits():
    from synreal.data.formats.freihand import freihand_samples
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        xyz, K = write_freihand(Path(d), n=5)
        train, test = freihand_samples(d, 'train'), freihand_samples(d, 'test')
        assert (len(train), len(test)) == (16, 4)
        assert sorted(s['source_id'] for s in train + test) == list(range(20))
        s = next(s for s in test + train if s['source_id'] == 13)               # version 2 ('sample') of id 3
        assert s['image'] == 'training/rgb/00000013.jpg' and s['flipped']
        uv = xyz[3] @ K[3].T
        np.testing.assert_allclose(s['keypoint2d'], uv[:, :2] / uv[:, 2:], atol=1e-3)


def test_cli_info_all_eight_and_alias():
    out = synreal_cmd('data', 'info').stdout
    for title in ('RHD', 'H3D', 'MVHand', 'SURREAL', 'Human3.6M', '3DPW', 'LSP', 'FreiHAND', 'FreiHAND_pub_v2.zip'):
        assert title in out
    assert synreal_cmd('info', 'lsp').stdout.strip() in out            # the alias prints the LSP entry
    r = subprocess.run([sys.executable, 'data_scripts/datasets.py', 'info', 'rhd'], cwd=ROOT, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.strip() in out                # the script earlier notes named


def test_info_and_readme_name_the_pickles_and_ask_for_trust():
    out = {n: synreal_cmd('data', 'info', n).stdout for n in ('rhd', 'mvhand', 'pw3d', 'lsp')}
    readme = (ROOT / 'data_scripts/README.md').read_text()
    pickles = {'rhd': 'RHD_published_v2/{training,evaluation}/anno_*.pickle', 'mvhand': 'MVHand/<date>/calib.pkl',
               'pw3d': '3DPW/sequenceFiles/{train,validation,test}/<seq>.pkl'}
    for name, path in pickles.items():
        assert f'pickle:   <data_root>/{path}' in out[name] and f'`{path}`' in readme
        assert 'trust:' in out[name] and 'pass only a --data-root you trust' in out[name]
    assert 'MVHand/<date>/<date>manoParam.pkl (never opened)' in out['mvhand']
    assert 'pickle:' not in out['lsp'] and 'no pickles' in out['lsp']
    assert '## Pickles: only use a `DIR` you trust' in readme and 'safe_unpickle' in readme


def test_verify_and_manifest_detect_a_changed_file(tmp_path):
    from synreal.data.prepare import verify
    write_freihand(tmp_path)
    r = synreal_cmd('data', 'verify', 'freihand', '--data-root', tmp_path, '--quiet')
    assert 'manifest: written' in r.stdout and r.stdout.rstrip().endswith('OK')
    manifest = json.loads((tmp_path / '.synreal_manifest/freihand.json').read_text())['files']
    assert set(manifest) == {'FreiHAND/training_xyz.json', 'FreiHAND/training_K.json', 'FreiHAND/training_mano.json'}
    again = verify('freihand', tmp_path)
    assert again.ok and again.manifest['status'] == 'checked'
    # a changed but still valid annotation file is reported by path, and the command fails
    k = tmp_path / 'FreiHAND/training_K.json'
    K = json.loads(k.read_text()); K[0][0][0] += 1; k.write_text(json.dumps(K))
    r = synreal_cmd('data', 'verify', 'freihand', '--data-root', tmp_path, '--quiet', check=False)
    assert r.returncode == 2 and f'changed since the manifest was written: {k}' in r.stdout
    assert '--update-manifest' in r.stdout and 'problem(s)' in r.stderr
    assert verify('freihand', tmp_path, update_manifest=True).ok and verify('freihand', tmp_path).ok


def test_errors_name_the_problem(tmp_path):
    from synreal.data.prepare import verify, prepare
    from synreal.data.catalogue import DatasetError
    write_lsp(tmp_path / 'a'); write_freihand(tmp_path / 'a')
    # wrong data_root (CLI: exit 2, the path and the fix)
    r = synreal_cmd('data', 'prepare', 'lsp', '--data-root', tmp_path / 'nowhere', '--out', tmp_path / 'o', check=False)
    assert r.returncode == 2 and str(tmp_path / 'nowhere') in r.stderr and 'data_scripts/README.md' in r.stderr
    r = synreal_cmd('data', 'verify', 'lsp', check=False)
    assert r.returncode == 2 and '--data-root is missing' in r.stderr
    # a corrupted annotation file
    (tmp_path / 'a/FreiHAND/training_xyz.json').write_text('[[[0.1, 0.2, 0.5]')
    with pytest.raises(DatasetError, match='cannot parse the FreiHAND xyz file.*training_xyz.json'):
        prepare('freihand', tmp_path / 'a', tmp_path / 'o', progress=False)
    assert 'cannot parse the FreiHAND xyz file' in verify('freihand', tmp_path / 'a').problems[0]
    scipy.io.savemat(tmp_path / 'a/lsp/joints.mat', {'joints': np.zeros((2, 14, 4))})
    with pytest.raises(DatasetError, match=r"LSP 'joints' has shape \(2, 14, 4\)"):
        prepare('lsp', tmp_path / 'a', tmp_path / 'o', progress=False)


def test_missing_image_stops_or_is_listed(tmp_path):
    from synreal.data.prepare import verify, prepare
    from synreal.data.catalogue import DatasetError
    write_lsp(tmp_path)
    missing = tmp_path / 'lsp/images/im0002.jpg'
    missing.unlink()
    assert any(str(missing) in p and 'not found' in p for p in verify('lsp', tmp_path).problems)
    with pytest.raises(DatasetError, match=f'image not found: {missing}'):
        prepare('lsp', tmp_path, tmp_path / 'o', progress=False)
    r = synreal_cmd('data', 'prepare', 'lsp', '--data-root', tmp_path, '--out', tmp_path / 'o', '--on-error', 'skip',
                    '--crop-size', '32', '--quiet')
    assert '3 samples, 1 skipped' in r.stdout
    index = json.loads((tmp_path / 'o/lsp/all/index.json').read_text())
    assert [s['path'] for s in index['skipped']] == [str(missing)] and index['skipped'][0]['source_id'] == 2
    assert [s['source_id'] for s in index['samples']] == [1, 3, 4]


def test_prepare_max_items_then_resume_keeps_crops(tmp_path):
    write_freihand(tmp_path, n=5)
    args = ('data', 'prepare', 'freihand', '--data-root', tmp_path, '--out', tmp_path / 'o', '--splits', 'train',
            '--crop-size', '48', '--quiet')
    r = synreal_cmd(*args, '--max-items', '6')
    assert 'stopped after --max-items' in r.stdout
    crops = tmp_path / 'o/freihand/train/crops'
    first = stamps(crops)
    assert len(first) == 6 and not (crops.parent / 'index.json').exists()
    assert '16 samples, 0 skipped' in synreal_cmd(*args).stdout
    after = stamps(crops)
    assert len(after) == 16 and all(after[k] == v for k, v in first.items())
    index = json.loads((crops.parent / 'index.json').read_text())
    assert index['meta']['spec'] == 'hand21' and index['meta']['params']['crop_size'] == 48
    e = index['samples'][0]
    assert set(e) >= {'image', 'keypoint2d', 'visible', 'crop_box', 'flipped', 'source_id', 'source_image'}
    assert np.shape(e['keypoint2d']) == (21, 2) and e['flipped'] is True


KILLER = """
import os, signal, sys
import synreal.data.prepare as D
calls = 0
real_replace = os.replace
def replace(a, b):
    global calls
    real_replace(a, b); calls += 1
    if calls == int(sys.argv[4]): os.kill(os.getpid(), signal.SIGKILL)   # the crop is on disk, its record is not
D.os.replace = replace
D.prepare('lsp', sys.argv[1], sys.argv[2], crop_size=int(sys.argv[3]), progress=False)
"""


def test_prepare_killed_mid_run_resumes(tmp_path):
    write_lsp(tmp_path, sizes=[(60 + 7 * i, 80) for i in range(10)])
    out = tmp_path / 'o'
    r = subprocess.run([sys.executable, '-c', KILLER, str(tmp_path), str(out), '40', '5'], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == -signal.SIGKILL, r.stderr
    folder = out / 'lsp/all'
    lines = (folder / 'progress.jsonl').read_text().splitlines()
    assert len(lines) == 1 + 4                                  # header + the 4 crops recorded before the kill
    before = stamps(folder / 'crops')
    assert len(before) == 5 and not (folder / 'index.json').exists()
    synreal_cmd('data', 'prepare', 'lsp', '--data-root', tmp_path, '--out', out, '--crop-size', '40', '--quiet')
    after = stamps(folder / 'crops')
    assert len(after) == 10
    assert all(after[k] == before[k] for k in sorted(before)[:4])   # recorded crops kept, not rewritten
    index = json.loads((folder / 'index.json').read_text())
    assert [s['source_id'] for s in index['samples']] == list(range(1, 11)) and index['skipped'] == []
