"""SURREAL and Human3.6M loaders on tiny hand-written structures in the real formats: TLlib's joint mappings,
the thorax rule, and errors that name the problem (wrong data root, corrupt annotation, missing image)."""
import json
from pathlib import Path
import numpy as np
import pytest
import scipy.io
from PIL import Image
from synreal.data.formats.surreal import surreal_samples, surreal_extrinsics, SURREAL_K, SURREAL_TO_BODY16
from synreal.data.formats.h36m import h36m_samples, H36M_TO_BODY16, H36M_SUBJECTS
from synreal.data.catalogue import DatasetError, DatasetNotFoundError, DatasetFormatError
from synreal.data.dataset import KeypointDataset
from synreal.keypoints import BODY16

T = 3

def _smpl_world(T, rng):
    "Distinct SMPL-24 world joints (T,24,3) that project inside SURREAL's 320x240 frame."
    X = np.zeros((T, 24, 3))
    X[..., 1] = np.linspace(-0.8, 0.8, 24)          # image-up is world -y
    X[..., 2] = np.linspace(-0.3, 0.3, 24)[::-1]
    return X + rng.uniform(-0.02, 0.02, X.shape)


@pytest.fixture
def surreal_root(tmp_path):
    "A SURREAL tree with one train and one test clip of T frames: `_info.mat` (MATLAB 5) and frame PNGs."
    rng = np.random.default_rng(0)
    for split in ('train', 'test'):
        clip = f'01_0{1 if split == "train" else 2}_c0001'
        d = tmp_path / 'SURREAL/data/cmu' / split / 'run0' / clip[:5]
        (d / f'{clip}_frames').mkdir(parents=True)
        cam = np.array([7.0, 0.0, 0.0])
        X = _smpl_world(T, rng)
        R, t = surreal_extrinsics(cam)
        p = (X @ R.T + t) @ SURREAL_K.T
        uv = np.rint(p[..., :2] / p[..., 2:])
        scipy.io.savemat(d / f'{clip}_info.mat', dict(
            joints2D=uv.transpose(2, 1, 0).astype(np.float32), joints3D=X.transpose(2, 1, 0).astype(np.float32),
            camLoc=cam[:, None].astype(np.float32), camDist=np.float32([[7.0]]), pose=np.zeros((72, T), np.float32),
            shape=np.zeros((10, T), np.float32), gender=np.ones((T, 1), np.uint8), sequence=clip, source='cmu'))
        for k in range(T):
            Image.fromarray(np.full((240, 320, 3), 40 * k, np.uint8)).save(d / f'{clip}_frames' / f'{k:04d}.png')
    return tmp_path


def _h36m_name(s, cam, frame):
    seq = f's_{s:02d}_act_02_subact_01_ca_{cam:02d}'
    return f'{seq}/{seq}_{frame + 1:06d}.jpg'


@pytest.fixture
def h36m_root(tmp_path):
    "A Human3.6M tree: every subject with one action, one camera and two 64x64 frames; H36M-17 joint j at depth 4 m."
    base = tmp_path / 'Human36M'
    (base / 'annotations').mkdir(parents=True)
    for s in H36M_SUBJECTS['train'] + H36M_SUBJECTS['test']:
        images = [dict(id=f, file_name=_h36m_name(s, 1, f), width=64, height=64, subject=s, action_name='Directions',
                       action_idx=2, subaction_idx=1, cam_idx=1, frame_idx=f) for f in range(2)]
        annos = [dict(id=f, image_id=f, keypoints_vis=[True] * 17, bbox=[0, 0, 64, 64]) for f in range(2)]
        joints = {'2': {'1': {str(f): [[100.0 * j - 800, 50.0 * (j % 5) + 10 * f, 0.0] for j in range(17)]
                              for f in range(2)}}}
        cams = {'1': dict(R=np.eye(3).tolist(), t=[0.0, 0.0, 4000.0], f=[30.0, 30.0], c=[32.0, 32.0])}
        pre = base / 'annotations' / f'Human36M_subject{s}'
        Path(f'{pre}_data.json').write_text(json.dumps(dict(images=images, annotations=annos)))
        Path(f'{pre}_camera.json').write_text(json.dumps(cams))
        Path(f'{pre}_joint_3d.json').write_text(json.dumps(joints))
        for im in images:
            (base / 'images' / im['file_name']).parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(base / 'images' / im['file_name'])
    return tmp_path


def _error(fn, cls=DatasetError):
    with pytest.raises(cls) as e: fn()
    msg = str(e.value)
    assert 'How to fix' in msg
    return msg


def test_surreal_mapping_and_split(surreal_root):
    train, test = surreal_samples(surreal_root, 'train'), surreal_samples(surreal_root, 'test')
    assert len(train) == T - int(0.2 * T) and len(test) == int(0.2 * T)
    s = train[0]
    info = scipy.io.loadmat(Path(s['path']).parents[1] / f"{s['sequence']}_info.mat")
    frame = int(Path(s['path']).stem)
    np.testing.assert_array_equal(s['keypoint2d'], info['joints2D'][:, SURREAL_TO_BODY16, frame].T)
    # TLlib's mirrored mapping: Body16 r_ankle is SMPL's L_Ankle (7), r_shoulder the L_Collar (13)
    np.testing.assert_array_equal(s['keypoint2d'][[0, 12, 9]], info['joints2D'][:, [7, 13, 15], frame].T)
    assert s['box'][2] - s['box'][0] == s['box'][3] - s['box'][1]
    ds = KeypointDataset(train, 32, spec=BODY16, progress=False)
    assert ds.images.shape == (len(train), 3, 32, 32) and ds.keypoints.shape == (len(train), 16, 2)


def test_h36m_mapping_thorax_and_split(h36m_root):
    train = h36m_samples(h36m_root, 'train')
    assert len(train) == 2 * len(H36M_SUBJECTS['train'])
    assert len(h36m_samples(h36m_root, 'test')) == 3200                # random.choices, with replacement
    assert len(h36m_samples(h36m_root, 'test', test_k=None)) == 4
    s = train[0]
    j = np.array([[100.0 * j - 800, 0.0 + 50.0 * (j % 5), 4000.0] for j in range(17)])
    uv = 30 * j[:, :2] / j[:, 2:] + 32
    expect = uv[H36M_TO_BODY16]
    expect[7] = (uv[14] + uv[11]) / 2                                    # thorax: the mean of the shoulders
    np.testing.assert_allclose(s['keypoint2d'], expect, atol=1e-4)
    assert s['sequence'] == 's_01_act_02_subact_01_ca_01'


def test_wrong_data_root(tmp_path):
    msg = _error(lambda: surreal_samples(tmp_path / 'nowhere'), DatasetNotFoundError)
    assert 'data root not found' in msg and str(tmp_path / 'nowhere') in msg
    msg = _error(lambda: h36m_samples(tmp_path), DatasetNotFoundError)
    assert 'Human3.6M folder not found' in msg and 'Human36M' in msg
    msg = _error(lambda: surreal_samples(tmp_path), DatasetNotFoundError)
    assert 'SURREAL folder not found' in msg


def test_corrupt_surreal_annotation(surreal_root):
    info = next((surreal_root / 'SURREAL/data/cmu/train').glob('run0/*/*_info.mat'))
    info.write_bytes(b'\x00garbage')
    msg = _error(lambda: surreal_samples(surreal_root, 'train'), DatasetFormatError)
    assert 'cannot read the SURREAL info file' in msg and str(info) in msg
    scipy.io.savemat(info, dict(joints3D=np.zeros((3, 24, T), np.float32), camLoc=np.zeros((3, 1), np.float32)))
    msg = _error(lambda: surreal_samples(surreal_root, 'train'), DatasetFormatError)
    assert "no 'joints2D'" in msg
    scipy.io.savemat(info, dict(joints2D=np.zeros((2, 14, T), np.float32), joints3D=np.zeros((3, 24, T), np.float32),
                                camLoc=np.zeros((3, 1), np.float32)))
    assert "'joints2D' has shape (2, 14, 3)" in _error(lambda: surreal_samples(surreal_root, 'train'))


def test_missing_surreal_frame(surreal_root):
    frame = next((surreal_root / 'SURREAL/data/cmu/test').glob('run0/*/*_frames/0001.png'))
    frame.unlink()
    msg = _error(lambda: surreal_samples(surreal_root, 'test'), DatasetNotFoundError)
    assert 'SURREAL frame not found' in msg and str(frame) in msg


def test_corrupt_h36m_annotation(h36m_root):
    data = h36m_root / 'Human36M/annotations/Human36M_subject9_data.json'
    data.write_text('{"images": [')
    msg = _error(lambda: h36m_samples(h36m_root, 'test'), DatasetFormatError)
    assert 'cannot parse the Human3.6M data file' in msg and str(data) in msg
    joints = h36m_root / 'Human36M/annotations/Human36M_subject1_joint_3d.json'
    joints.write_text(json.dumps({'2': {'1': {}}}))
    msg = _error(lambda: h36m_samples(h36m_root, 'train'), DatasetFormatError)
    assert 'malformed Human3.6M annotation, image 0 (KeyError' in msg and 'subject1_data.json' in msg
    (h36m_root / 'Human36M/annotations/Human36M_subject5_camera.json').unlink()
    joints.unlink()
    msg = _error(lambda: h36m_samples(h36m_root, 'train'), DatasetNotFoundError)
    assert 'Human3.6M joint_3d file not found' in msg


def test_missing_h36m_image(h36m_root):
    img = h36m_root / 'Human36M/images' / _h36m_name(11, 1, 1)
    img.unlink()
    msg = _error(lambda: h36m_samples(h36m_root, 'test'), DatasetNotFoundError)
    assert 'Human3.6M image not found' in msg and str(img) in msg
