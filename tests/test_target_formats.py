"""MVHand and 3DPW loaders on tiny hand-written structures in the real formats (the MVHand toolkit, ShichengChen/multiviewDataset, and the 3DPW release): joint order
(MVHand's thumb last; 3DPW unmirrored), projection, Python-2 pickles, filters, and errors that name the problem
(wrong data root, corrupt annotation, missing image)."""
import pickle, struct
import numpy as np
import pytest
from PIL import Image
from synreal.data.catalogue import DatasetError, DatasetNotFoundError, DatasetFormatError
from synreal.geometry import project
from synreal.data.formats.mvhand import mvhand_samples, mvhand_intrinsics, MVHAND_SERIALS, MVHAND_TO_HAND21
from synreal.data.formats.pw3d import pw3d_samples
from synreal.data.formats.surreal import SMPL_TO_BODY16
from synreal.methods.rec import pair_groups

DATE, N_FRAMES = '7-14-1-2', 2


def _mvhand_joints(n):
    "MVHand-order joints (n,21,3) in mm, root camera frame: row j at a distinct spot 450 mm in front of the rig."
    j = np.arange(21)
    X = np.stack([(j % 5 - 2) * 15.0, (j // 5 - 2) * 15.0, 450.0 + j], -1)
    return X[None] + np.arange(n)[:, None, None] * [2.0, 0, 0]


@pytest.fixture
def mvhand_root(tmp_path):
    "One recording `7-14-1-2/`: calib.pkl (4 serials), mlresults/<date>-joints.npy (N, 84), rgb/%05d_%d.jpg at 320x240."
    d = tmp_path / 'MVHand' / DATE
    (d / 'mlresults').mkdir(parents=True); (d / 'rgb').mkdir()
    calib = {}
    for v, s in enumerate(MVHAND_SERIALS):
        T = np.eye(4)                                          # camera to root camera; translation in mm
        if v == 2: T[:3, 3] = [50.0, 0.0, 0.0]                 # camera 2 sits 5 cm to the right of the root camera
        calib[s] = T
    (d / 'calib.pkl').write_bytes(pickle.dumps(calib, protocol=2))
    X = _mvhand_joints(N_FRAMES)
    np.save(d / 'mlresults' / f'{DATE}-joints.npy', np.concatenate([X, np.ones((N_FRAMES, 21, 1))], -1).reshape(N_FRAMES, 84))
    (d / f'{DATE}manoParam.pkl').write_bytes(pickle.dumps([dict(pose_aa=np.zeros(48), shape=np.zeros(10), scale=1.0,
                                                                transition=np.zeros(3))] * N_FRAMES, protocol=2))
    for f in range(N_FRAMES):
        for v in range(4):
            Image.fromarray(np.full((240, 320, 3), 30 * v, np.uint8)).save(d / 'rgb' / f'{f:05d}_{v}.jpg')
    return tmp_path


def _py2_pickle(obj: dict, name: str) -> bytes:
    "Pickle `obj` as Python 2 would write its `sequence` string: an 8-bit SHORT_BINSTRING (readable only with latin1)."
    raw = pickle.dumps({**obj, 'sequence': 'SEQUENCE_PLACEHOLDER'}, protocol=2)
    old = b'X' + struct.pack('<I', len('SEQUENCE_PLACEHOLDER')) + b'SEQUENCE_PLACEHOLDER'
    new_value = name.encode('latin1') + b'\xe9'                 # a non-ASCII byte, as in a py2 str
    assert raw.count(old) == 1
    return raw.replace(old, b'U' + bytes([len(new_value)]) + new_value)


def _smpl(n, shift=0.0):
    "SMPL-24 world joints (n,24,3): joint j at a distinct spot, person 4 m in front of a camera at the origin."
    j = np.arange(24)
    X = np.stack([(j % 6 - 2.5) * 0.1 + shift, (j // 6 - 1.5) * 0.2, np.full(24, 4.0)], -1)
    return np.repeat(X[None], n, 0) + np.arange(n)[:, None, None] * [0.01, 0, 0]


@pytest.fixture
def pw3d_root(tmp_path):
    "3DPW: train sequence `outdoors_walking_00` (2 actors, 3 frames, frame 1 invalid for actor 1) and test `downtown_bus_00`."
    base = tmp_path / '3DPW'
    K = np.array([[100.0, 0, 50], [0, 100.0, 80], [0, 0, 1]])
    for split, seq, actors in (('train', 'outdoors_walking_00', 2), ('test', 'downtown_bus_00', 1)):
        n = 3
        (base / 'sequenceFiles' / split).mkdir(parents=True)
        (base / 'imageFiles' / seq).mkdir(parents=True)
        joints = [_smpl(n, shift=0.3 * a) for a in range(actors)]
        valid = [np.ones(n, bool)] + [np.array([True, False, True])] * (actors - 1)
        obj = dict(genders=['m'] * actors, betas=[np.zeros(10)] * actors, poses=[np.zeros((n, 72))] * actors,
                   trans=[np.zeros((n, 3))] * actors, poses_60Hz=[np.zeros((2 * n, 72))] * actors,
                   trans_60Hz=[np.zeros((2 * n, 3))] * actors, jointPositions=[J.reshape(n, 72) for J in joints],
                   poses2d=[np.zeros((n, 3, 18))] * actors, img_frame_ids=2 * np.arange(n),
                   cam_poses=np.repeat(np.eye(4)[None], n, 0), campose_valid=valid, cam_intrinsics=K)
        (base / 'sequenceFiles' / split / f'{seq}.pkl').write_bytes(_py2_pickle(obj, seq))
        for f in range(n):
            Image.fromarray(np.zeros((160, 100, 3), np.uint8)).save(base / 'imageFiles' / seq / f'image_{f:05d}.jpg')
    return tmp_path


def _error(fn, cls=DatasetError):
    with pytest.raises(cls) as e: fn()
    msg = str(e.value)
    assert 'How to fix' in msg and 'data_scripts/README.md' in msg
    return msg


def test_mvhand_order_projection_and_views(mvhand_root):
    s = mvhand_samples(mvhand_root, 'all', canonical_side=None)
    assert len(s) == N_FRAMES * 4
    X = _mvhand_joints(N_FRAMES) / 1000
    K = mvhand_intrinsics(320, 240)
    for x in s:
        f, v = map(int, x['source_id'].split('/')[1].split('_'))
        Xv = X[f][MVHAND_TO_HAND21] - ([0.05, 0, 0] if v == 2 else 0)      # camera 2 is 5 cm to the right
        np.testing.assert_allclose(x['keypoint3d'], Xv, atol=1e-6)
        np.testing.assert_allclose(x['keypoint2d'], project(Xv, K[v]), atol=1e-3)
        np.testing.assert_allclose(x['intrinsic_matrix'], K[v], atol=1e-4)
        assert x['path'].endswith(f'{DATE}/rgb/{f:05d}_{v}.jpg') and x['hand'] == 'right' and not x['flipped']
        l, t, r, b = x['box']; assert r - l == b - t and 0 <= l and r < 320 and 0 <= t and b < 240
    # Hand21 row 1 (thumb MCP) is MVHand row 17; row 5 (index MCP) is MVHand row 1
    x = next(x for x in s if x['source_id'].endswith('00000_0'))
    np.testing.assert_allclose(x['keypoint3d'][[0, 1, 4, 5, 20]], X[0][[0, 17, 20, 1, 16]], atol=1e-6)
    # 640x480 intrinsics at full size are the toolkit's
    np.testing.assert_allclose(mvhand_intrinsics()[0][[0, 1, 0, 1], [0, 1, 2, 2]], [619.598, 619.116, 325.345, 245.441])


def test_mvhand_split_flip_and_pairs(mvhand_root):
    all_ = mvhand_samples(mvhand_root, 'all')
    tr, te = mvhand_samples(mvhand_root, 'train'), mvhand_samples(mvhand_root, 'test')
    assert len(te) == int(0.2 * len(all_)) and len(tr) + len(te) == len(all_)
    assert [x['source_id'] for x in tr] == [x['source_id'] for x in mvhand_samples(mvhand_root, 'train')]
    assert all(x['flipped'] for x in all_)                       # right hands, flipped to the canonical left
    g = pair_groups([x['image'] for x in all_])                 # all frames of the recording fall in one window
    assert g.unique().numel() == 1
    g = pair_groups([x['image'] for x in mvhand_samples(mvhand_root, 'all', pair_window=1)])
    assert g.unique().numel() == N_FRAMES


def test_mvhand_errors(mvhand_root, tmp_path):
    assert 'data root not found' in _error(lambda: mvhand_samples(tmp_path / 'nowhere'), DatasetNotFoundError)
    (tmp_path / 'empty' / 'MVHand').mkdir(parents=True)
    assert 'no recording folders' in _error(lambda: mvhand_samples(tmp_path / 'empty'), DatasetNotFoundError)
    m = _error(lambda: mvhand_samples(mvhand_root / 'MVHand'), DatasetNotFoundError)   # one level too deep
    assert 'MVHand folder not found' in m and 'multiviewDataset' in m
    d = mvhand_root / 'MVHand' / DATE
    img = d / 'rgb' / '00001_2.jpg'; img.unlink()
    m = _error(lambda: mvhand_samples(mvhand_root), DatasetNotFoundError)
    assert 'MVHand image not found' in m and str(img) in m
    Image.fromarray(np.zeros((240, 320, 3), np.uint8)).save(img)
    jp = d / 'mlresults' / f'{DATE}-joints.npy'
    good = np.load(jp)
    bad = good.copy(); bad[1, 7] = np.nan
    np.save(jp, bad)
    m = _error(lambda: mvhand_samples(mvhand_root), DatasetFormatError)
    assert 'non-finite' in m and str(jp) in m
    np.save(jp, good.reshape(-1)[:-4].reshape(1, -1))
    assert 'expected 84 values' in _error(lambda: mvhand_samples(mvhand_root), DatasetFormatError)
    np.save(jp, good)
    calib = pickle.loads((d / 'calib.pkl').read_bytes()); calib.pop(MVHAND_SERIALS[3])
    (d / 'calib.pkl').write_bytes(pickle.dumps(calib))
    m = _error(lambda: mvhand_samples(mvhand_root), DatasetFormatError)
    assert '4 camera serials' in m and 'calib.pkl' in m
    (d / 'calib.pkl').unlink()
    m = _error(lambda: mvhand_samples(mvhand_root), DatasetNotFoundError)
    assert 'MVHand calibration file not found' in m and str(d / 'calib.pkl') in m
    (d / 'calib.pkl').write_bytes(b'not a pickle')
    assert 'cannot unpickle the MVHand calibration file' in _error(lambda: mvhand_samples(mvhand_root), DatasetFormatError)


def test_pw3d_latin1_mapping_and_filters(pw3d_root):
    seq = pw3d_root / '3DPW/sequenceFiles/train/outdoors_walking_00.pkl'
    with pytest.raises(UnicodeDecodeError): pickle.loads(seq.read_bytes())        # a Python 2 pickle
    s = pw3d_samples(pw3d_root, 'train')
    ids = [x['source_id'] for x in s]
    assert ids == ['outdoors_walking_00/0/0', 'outdoors_walking_00/0/1', 'outdoors_walking_00/0/2',
                   'outdoors_walking_00/1/0', 'outdoors_walking_00/1/2']              # actor 1's frame 1 is invalid
    K = np.array([[100.0, 0, 50], [0, 100.0, 80], [0, 0, 1]])
    for x in s:
        _, a, f = x['source_id'].split('/')
        X = _smpl(3, shift=0.3 * int(a))[int(f)]
        np.testing.assert_allclose(x['keypoint3d'], X[SMPL_TO_BODY16], atol=1e-6)
        np.testing.assert_allclose(x['keypoint2d'], project(X[SMPL_TO_BODY16], K), atol=1e-3)
        assert not x['flipped'] and x['path'].endswith(f'imageFiles/outdoors_walking_00/image_{int(f):05d}.jpg')
    # not mirrored: Body16's right hip/ankle/wrist are SMPL's R_Hip (2), R_Ankle (8), R_Wrist (21)
    X = _smpl(3)[0]
    np.testing.assert_allclose(s[0]['keypoint3d'][[2, 0, 10, 3]], X[[2, 8, 21, 1]], atol=1e-6)
    assert [x['source_id'] for x in pw3d_samples(pw3d_root, 'test')] == [f'downtown_bus_00/0/{f}' for f in range(3)]
    assert len(pw3d_samples(pw3d_root, 'train', stride=2)) == 2 + 2
    g = pair_groups([x['image'] for x in s])                    # one group per actor
    assert g.tolist() == [0, 0, 0, 1, 1]


def test_pw3d_errors(pw3d_root, tmp_path):
    assert 'data root not found' in _error(lambda: pw3d_samples(tmp_path / 'nowhere'), DatasetNotFoundError)
    m = _error(lambda: pw3d_samples(pw3d_root / '3DPW'), DatasetNotFoundError)
    assert '3DPW folder not found' in m and 'virtualhumans' in m
    m = _error(lambda: pw3d_samples(pw3d_root, 'validation'), DatasetNotFoundError)
    assert '3DPW validation sequence folder not found' in m
    with pytest.raises(ValueError): pw3d_samples(pw3d_root, 'dev')
    img = pw3d_root / '3DPW/imageFiles/outdoors_walking_00/image_00002.jpg'; img.unlink()
    m = _error(lambda: pw3d_samples(pw3d_root, 'train'), DatasetNotFoundError)
    assert '3DPW image not found' in m and str(img) in m
    pkl = pw3d_root / '3DPW/sequenceFiles/test/downtown_bus_00.pkl'
    seq = pickle.loads(pkl.read_bytes(), encoding='latin1')
    (pw3d_root / '3DPW/imageFiles/downtown_bus_00/image_00001.jpg').unlink()
    seq['campose_valid'] = [np.array([True, False, True])]       # a missing image of an invalid frame is not needed
    pkl.write_bytes(pickle.dumps(seq, protocol=2))
    assert len(pw3d_samples(pw3d_root, 'test')) == 2
    seq['jointPositions'] = [np.zeros((3, 69))]
    pkl.write_bytes(pickle.dumps(seq, protocol=2))
    m = _error(lambda: pw3d_samples(pw3d_root, 'test'), DatasetFormatError)
    assert "'jointPositions'[0] has shape (3, 69), expected (3, 72)" in m and str(pkl) in m
    del seq['cam_poses']; pkl.write_bytes(pickle.dumps(seq, protocol=2))
    assert "lacks keys ['cam_poses']" in _error(lambda: pw3d_samples(pw3d_root, 'test'), DatasetFormatError)
    pkl.write_bytes(b'\x80\x02garbage')
    assert 'cannot unpickle the 3DPW sequence file' in _error(lambda: pw3d_samples(pw3d_root, 'test'), DatasetFormatError)
