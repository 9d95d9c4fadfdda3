"""The 3D branch (issue 15, item 2): kinematic constraints fitted on source-like 3D poses, each violated alone by a
hand-made pose; the correction reduces every residual; the 3D label equals the 2D label where no constraint is violated
and differs where one is; the per-epoch label-difference statistics; the earlier `label_3d='reproject'` stays."""
import json
import numpy as np
import pytest
import torch
from synreal.keypoints import HAND21, BODY16
from synreal.methods.pseudo import (KinematicConstraints, constraint_residuals, correct_pose, corrected_labels,
                                    joint_residual)

torch.set_num_threads(1)


def _rot(v, axis, deg):
    "Rodrigues: `v` rotated by `deg` degrees about `axis`."
    k = axis / np.linalg.norm(axis); t = np.deg2rad(deg)
    return v * np.cos(t) + np.cross(k, v) * np.sin(t) + k * np.dot(k, v) * (1 - np.cos(t))

def make_hand(flex=35., abd=0., scale=1.):
    "A right hand, palm in the x-y plane: flexion [5, 3] (MCP, PIP, DIP) about each finger's hinge axis, MCP abduction [5]."
    mcp = np.array([[0.45, 0.35, 0], [0.3, 1, 0], [0.1, 1.05, 0], [-0.1, 1.0, 0], [-0.3, 0.9, 0]])
    flex, abd = np.broadcast_to(flex, (5, 3)), np.broadcast_to(abd, (5,))
    scale = np.broadcast_to(scale, (5, 3)); n = np.array([0, 0, 1.]); kp = np.zeros((21, 3))
    for f in range(5):
        kp[1 + 4 * f] = mcp[f]; h = np.cross(n, mcp[f]); d = _rot(mcp[f] / np.linalg.norm(mcp[f]), n, abd[f])
        for j in range(3):
            d = _rot(d, h, flex[f, j]); kp[2 + 4 * f + j] = kp[1 + 4 * f + j] + (0.4, 0.3, 0.25)[j] * scale[f, j] * d
    return torch.tensor(kp, dtype=torch.float32)

def make_body(knee=20., elbow=40., hip=10., shoulder=20., shin=(1., 1.)):
    "A body (x: left, y: down): knees, elbows, hips and shoulders bent about the left-right axis (degrees, or (r, l))."
    p = np.zeros((16, 3)); x = np.array([1., 0, 0])
    knee, elbow, hip, shoulder = (np.broadcast_to(v, (2,)) for v in (knee, elbow, hip, shoulder))
    p[7], p[8], p[9] = (0, -0.5, 0), (0, -0.62, 0), (0, -0.8, 0)
    for s, (h, k, a, sh, e, w) in enumerate(((2, 1, 0, 12, 11, 10), (3, 4, 5, 13, 14, 15))):
        side = (-1, 1)[s]
        p[h] = (0.12 * side, 0, 0); thigh = _rot(np.array([0, 0.45, 0]), x, hip[s]); p[k] = p[h] + thigh
        p[a] = p[k] + shin[s] * _rot(thigh / 0.45 * 0.45, x, -knee[s])
        p[sh] = (0.2 * side, -0.48, 0); arm = _rot(np.array([0, 0.28, 0]), x, shoulder[s]); p[e] = p[sh] + arm
        p[w] = p[e] + _rot(arm / 0.28 * 0.25, x, elbow[s])
    return torch.tensor(p, dtype=torch.float32)

def random_rotation(rng):
    "A random rotation matrix (QR of a Gaussian matrix)."
    q, r = np.linalg.qr(rng.normal(size=(3, 3))); q = q * np.sign(np.diag(r))
    return torch.tensor(q * np.linalg.det(q), dtype=torch.float32)

def train_hands(n=300, seed=0):
    "Source-like hands: flexion U(10, 60) at every joint, MCP abduction U(-8, 8), bone lengths +-3%, random rotations."
    rng = np.random.default_rng(seed)
    return torch.stack([make_hand(rng.uniform(10, 60, (5, 3)), rng.uniform(-8, 8, 5), 1 + 0.03 * rng.normal(size=(5, 3)))
                        @ random_rotation(rng).T for _ in range(n)])

def train_bodies(n=300, seed=0):
    "Source-like bodies: knees U(5, 90), elbows U(10, 120), hips U(-20, 60), shoulders U(-30, 90), random rotations."
    rng = np.random.default_rng(seed)
    return torch.stack([make_body(rng.uniform(5, 90, 2), rng.uniform(10, 120, 2), rng.uniform(-20, 60, 2),
                                  rng.uniform(-30, 90, 2)) @ random_rotation(rng).T for _ in range(n)])

def tilt_distal(hand, finger=1, deg=30.):
    "The hand with one finger's distal bone tilted out of the finger's plane (towards its hinge axis) by `deg` degrees."
    kp = hand.numpy().copy(); d, t = 3 + 4 * finger, 4 + 4 * finger
    h = np.cross(np.cross(kp[5] - kp[0], kp[17] - kp[0]), kp[1 + 4 * finger] - kp[0])
    v = kp[t] - kp[d]; kp[t] = kp[d] + _rot(v, np.cross(v, h), deg)
    return torch.tensor(kp)


def near(joints, spec):
    "The joints [B, K] and their neighbours along a bone."
    A = torch.zeros(spec.num_keypoints, spec.num_keypoints)
    for a, b in spec.bones: A[a, b] = A[b, a] = 1
    return joints | (joints.float() @ A > 0)


FLEX = np.full((5, 3), 35.)
def with_(a, idx, v): a = a.copy(); a[idx] = v; return a
BAD_HANDS = {'none': lambda: make_hand(), 'length': lambda: make_hand(scale=with_(np.ones((5, 3)), (2, 2), 1.6)),
             'angle': lambda: make_hand(with_(FLEX, (1, 1), 115.)), 'hinge': lambda: make_hand(with_(FLEX, (1, 1), -35.)),
             'plane': lambda: tilt_distal(make_hand())}
BAD_BODIES = {'none': lambda: make_body(), 'symmetry': lambda: make_body(shin=(0.93, 1.07)),
              'hinge': lambda: make_body(knee=(-30, 20)), 'angle': lambda: make_body(elbow=(160, 40))}


@pytest.fixture(scope='module')
def cons():
    return KinematicConstraints.fit(train_hands(), HAND21), KinematicConstraints.fit(train_bodies(), BODY16)


def violated(pose, c):
    return [k for k, r in constraint_residuals(pose[None], c).items() if r.sum() > 0]


@pytest.mark.parametrize('name', list(BAD_HANDS))
def test_each_hand_constraint_alone(cons, name):
    assert violated(BAD_HANDS[name](), cons[0]) == ([] if name == 'none' else [name])


@pytest.mark.parametrize('name', list(BAD_BODIES))
def test_each_body_constraint_alone(cons, name):
    assert violated(BAD_BODIES[name](), cons[1]) == ([] if name == 'none' else [name])


def test_constraints_ignore_rotation_and_scale(cons):
    rng = np.random.default_rng(5)
    for bad, c in ((BAD_HANDS, cons[0]), (BAD_BODIES, cons[1])):
        P = torch.stack([f() for f in bad.values()])
        Q = 2.5 * P @ random_rotation(rng).T + torch.tensor([1., -2., 3.])
        for k, r in constraint_residuals(P, c).items():
            torch.testing.assert_close(constraint_residuals(Q, c)[k], r, atol=2e-4, rtol=1e-3)


def test_fitted_hinges_and_planes(cons):
    ch, cb = cons
    assert ch.hinge.tolist() == [1.] * 15                        # every finger joint bends one way on the source
    assert (cb.hinge != 0).sum() == 4                            # knees and elbows only
    assert len(cb.symmetry_bones) == 6 and len(ch.symmetry_bones) == 0
    assert (ch.angle_lo >= 0).all() and (ch.angle_hi < 80).all()   # both bounds of the flexion range


def test_correction_reduces_every_residual(cons):
    for bad, c in ((BAD_HANDS, cons[0]), (BAD_BODIES, cons[1])):
        P = torch.stack([f() for f in bad.values()]); Q = correct_pose(P, c)
        before = torch.stack([r.sum(-1) for r in constraint_residuals(P, c).values()], -1)
        after = torch.stack([r.sum(-1) for r in constraint_residuals(Q, c).values()], -1)
        assert (after <= before + 1e-3).all()
        assert (after[before > 0] < 0.05 * before[before > 0]).all()      # each violated one nearly vanishes
        assert torch.equal(Q[0], P[0])                                     # a feasible pose is left alone


def test_3d_label_differs_exactly_where_violated(cons):
    ch = cons[0]
    P = torch.stack([f() for f in BAD_HANDS.values()]); kp2 = 100 * P[..., :2] + 50
    out = corrected_labels(P, kp2, ch)
    d = (out['keypoints'] - kp2).norm(dim=-1); involved = out['residual'] > 0
    assert d[0].max() < 1e-3                                              # no constraint violated: the 2D label
    assert d[~near(involved, HAND21)].max() < 1e-3                        # away from the violation: the 2D label
    assert (d[1:].amax(-1) > 1).all()                                     # at the violation: a different label
    assert torch.equal(out['mask'], out['residual'] <= 0.1) and not out['mask'][involved].any()
    # the label does not depend on which pose the lifter returned, only on its depth: a lifted pose with noisy x, y
    noisy = P + torch.cat([0.05 * torch.randn(5, 21, 2, generator=torch.Generator().manual_seed(0)), torch.zeros(5, 21, 1)], -1)
    torch.testing.assert_close(corrected_labels(noisy, kp2, ch, tol=10)['keypoints'][0], kp2[0], atol=1e-3, rtol=0)


def test_joint_residual_charges_the_involved_joints(cons):
    ch = cons[0]
    P = torch.stack([f() for f in BAD_HANDS.values()])
    jr = joint_residual(constraint_residuals(P, ch), ch)
    assert [r.nonzero().flatten().tolist() for r in jr] == [[], [11, 12], [5, 6, 7], [5, 6, 7], [6, 7, 8]]


@pytest.mark.parametrize('label_3d', ['corrected', 'reproject'])
def test_smoke_run_reports_label_difference(tmp_path, label_3d):
    from synreal.config import RunConfig, get_profile
    from synreal.tasks import load_task_data
    from synreal.train import train_run
    prof = get_profile('smoke'); data = load_task_data('rhd2h3d', prof, progress=False)
    cfg = RunConfig('rhd2h3d', 'pseudo', 0, prof, method_args=dict(lifter_iters=20, label_3d=label_3d))
    train_run(cfg, tmp_path, data, progress=False)
    rows = [json.loads(l) for l in (cfg.run_dir(tmp_path) / 'pseudo_stats.jsonl').read_text().splitlines()]
    for r in rows:
        assert 0 <= r['label3d_moved_share'] <= 1 and r['label3d_shift_mean_px'] >= 0
        assert r['n_shift_labels'] >= r['n_labels'] > 0          # every label, visible or not, has a 3D label


def test_unknown_label_3d_refused(tmp_path):
    from synreal.config import RunConfig, get_profile
    from synreal.tasks import load_task_data
    from synreal.train import train_run
    prof = get_profile('smoke')
    cfg = RunConfig('rhd2h3d', 'pseudo', 0, prof, method_args=dict(lifter_iters=5, label_3d='lifted'))
    with pytest.raises(ValueError, match='label_3d must be one of'):
        train_run(cfg, tmp_path, load_task_data('rhd2h3d', prof, progress=False), progress=False)
