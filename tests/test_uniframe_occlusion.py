"""UniFrame's adaptive occlusion and teacher evaluation in the Baseline and every pseudo-labelling method
(`synreal.methods.pseudo`, nbs/31_pseudo.ipynb), as UniFrame's `train_human.py` does them
(github.com/VisionLearningGroup/UDA_PoseEstimation): the occlusion pastes only over confident keypoints of the
student's view, at the seeded rate and the given size; the reported PCK is the teacher's (EMA weights)."""
import dataclasses
import pytest
import torch
from synreal.config import RunConfig, get_profile
from synreal.data.augment import resize_matrices
from synreal.keypoints import HAND21, heatmap_targets
from synreal.methods import METHODS
from synreal.methods.pseudo import DEFAULTS, _occlude_student, ema_update, occlude_keypoints, pseudo_labels
from synreal.tasks import load_task_data
from synreal.train import build_model, evaluate, train_run

torch.set_num_threads(1)


def distinct_images(b, s, c=3):
    "Images whose every pixel value is distinct, so that a pasted patch is seen wherever it lands."
    return torch.arange(b * c * s * s, dtype=torch.float).reshape(b, c, s, s)


def changed_box(new, old):
    "(min, max) of the (row, col) of the pixels that differ, None when none does."
    rc = (new != old).any(0).nonzero()
    return None if len(rc) == 0 else (rc.min(0).values.tolist(), rc.max(0).values.tolist())


def test_only_the_confident_keypoints_square_in_the_students_view_changes():
    # teacher heatmaps (unaugmented 64-px view, 16-px heatmaps): joint 0 confident at (20, 8), joint 1 not at (40, 44)
    hm = heatmap_targets(torch.tensor([[[20., 8.], [40., 44.]]]), torch.ones(1, 2), 64, 16)[0]
    hm = hm * torch.tensor([0.95, 0.6])[:, None, None]
    shift = torch.tensor([[[1., 0., 10.], [0., 1., 20.]]])          # the student's view: shifted by (10, 20)
    pl = pseudo_labels(hm, resize_matrices(1, 64, 64), shift, 64)
    x = distinct_images(1, 64)
    a = dict(occlude_rate=1.0, occlude_thresh=0.9, occlude_size=10)  # 10 px at 256 -> 2.5 px at 64
    for seed in range(20):
        out, done = _occlude_student(a, x, pl, shift, 64, torch.Generator().manual_seed(seed))
        assert done.tolist() == [True]
        # joint 0 lands at (30, 28) in the student's view: rows 28 -+ 2.5, columns 30 -+ 2.5, and nowhere else
        assert changed_box(out[0], x[0]) == ([26, 28], [30, 32])
    # raising the threshold above the teacher's maxima: nothing is occluded
    out, done = _occlude_student({**a, 'occlude_thresh': 0.99}, x, pl, shift, 64, torch.Generator().manual_seed(0))
    assert done.tolist() == [False] and torch.equal(out, x)


def test_the_pasted_square_comes_from_the_same_image_and_has_the_given_size():
    x = distinct_images(1, 40)
    for size, side in ((2, 4), (2.5, 5), (5, 10)):
        out, _ = occlude_keypoints(x, torch.tensor([[[20., 20.]]]), torch.ones(1, 1), 1.0, 0.9, size,
                                   torch.Generator().manual_seed(0))
        lo, hi = changed_box(out[0], x[0])
        assert [h - l + 1 for l, h in zip(lo, hi)] == [side, side]
        patch = out[0, :, lo[0]:hi[0] + 1, lo[1]:hi[1] + 1]
        assert any(torch.equal(x[0, :, r:r + side, c:c + side], patch) for r in range(41 - side) for c in range(41 - side))
    assert torch.equal(x, distinct_images(1, 40))                      # the input is not changed


def test_the_rate_is_the_share_of_occluded_images_and_is_seeded():
    x = distinct_images(1000, 16, 1)
    kp, conf = torch.full((1000, 2, 2), 8.), torch.tensor([[0.95, 0.2]]).expand(1000, 2)
    run = lambda rate, seed: occlude_keypoints(x, kp, conf, rate, 0.9, 2, torch.Generator().manual_seed(seed))
    for rate in (0.0, 0.25, 0.5, 1.0):
        assert abs(run(rate, 0)[1].float().mean().item() - rate) < 0.05
    a, b, c = run(0.5, 7), run(0.5, 7), run(0.5, 8)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]) and not torch.equal(a[1], c[1])
    none = occlude_keypoints(x, kp, conf * 0.5, 1.0, 0.9, 2, torch.Generator().manual_seed(0))   # nothing confident
    assert not none[1].any() and torch.equal(none[0], x)


def test_uniframes_values_are_the_defaults_and_the_paper_tables():
    for m in ('baseline', 'pseudo', 'pseudo_m2d'):
        d = METHODS[m].defaults
        assert (d['occlude_rate'], d['occlude_thresh'], d['occlude_size'], d['evaluate']) == (0.5, 0.9, 10, 'teacher')
        src = RunConfig('rhd2h3d', m, 0, get_profile('paper')).method_args_source(d)
        assert all(src[k].startswith('paper table: VisionLearningGroup/UDA_PoseEstimation')
                   for k in ('occlude_rate', 'occlude_thresh', 'occlude_size', 'evaluate'))


@pytest.fixture(scope='module')
def smoke():
    p = get_profile('smoke')
    return p, load_task_data('rhd2h3d', p, progress=False)


def test_a_smoke_run_reports_the_teachers_pck(smoke, tmp_path):
    prof, data = smoke
    cfg = RunConfig('rhd2h3d', 'baseline', 0, prof, method_args=dict(ema_decay=0.9))   # a teacher far from the student
    m = train_run(cfg, tmp_path / 'teacher', data, progress=False)
    ck = torch.load(cfg.run_dir(tmp_path / 'teacher') / 'checkpoint.pt', weights_only=True)
    stu, tea = build_model('rhd2h3d', prof), build_model('rhd2h3d', prof)
    stu.load_state_dict(ck['model']); tea.load_state_dict(ck['state']['teacher'])
    ema_update(tea, stu, 0.9)                    # the last step's update, which the loss applies only on the next step
    splits = ('source_test', 'target_test')
    pck = lambda model: [evaluate(model, data[s], HAND21, prof.input_size)['pck_per_joint'] for s in splits]
    assert [m[s]['pck_per_joint'] for s in splits] == pck(tea)
    assert pck(stu) != pck(tea)                  # the student scores otherwise (on one tiny smoke split at least)
    cfg_s = dataclasses.replace(cfg, method_args=dict(ema_decay=0.9, evaluate='student'))
    m_s = train_run(cfg_s, tmp_path / 'student', data, progress=False)
    assert [m_s[s]['pck_per_joint'] for s in splits] == pck(stu)


def test_occlusion_changes_only_the_students_input(smoke, tmp_path):
    "One Baseline step with every keypoint confident: the teacher's labels are those without occlusion."
    from pathlib import Path
    from synreal.methods import get_method
    from synreal.methods.base import RunContext
    from synreal.tasks import get_task
    prof, data = smoke
    out = {}
    for rate in (0.0, 1.0):
        cfg = RunConfig('rhd2h3d', 'baseline', 0, prof, method_args=dict(occlude_rate=rate, occlude_thresh=-1.0))
        torch.manual_seed(0); model = build_model('rhd2h3d', prof)
        method = get_method('baseline')
        ctx = RunContext(cfg, get_task('rhd2h3d'), data, model, torch.device('cpu'), model.heatmap_size(prof.input_size),
                         Path(tmp_path), method)
        method.setup(ctx)
        loss, logs = method.loss(ctx, list(range(8)), torch.Generator().manual_seed(1), 0)
        out[rate] = (loss.item(), logs)
    assert out[0.0][1]['occluded'] == 0.0 and out[1.0][1]['occluded'] == 1.0
    assert out[0.0][1]['m2d'] == out[1.0][1]['m2d'] and out[0.0][1]['loss_pretrain'] == out[1.0][1]['loss_pretrain']
    assert out[0.0][1]['loss_2d'] != out[1.0][1]['loss_2d']


def test_figures_load_the_weights_the_run_reports(smoke, tmp_path):
    "Figures A and B rebuild a run's model from its checkpoint: for a mean teacher that is the teacher, as in metrics.json."
    from synreal.report.figure_b import checkpoint_pck
    prof, data = smoke
    for evaluate in ('teacher', 'student'):
        cfg = RunConfig('rhd2h3d', 'baseline', 0, prof, method_args=dict(ema_decay=0.9, evaluate=evaluate))
        m = train_run(cfg, tmp_path / evaluate, data, progress=False)
        got = checkpoint_pck(cfg, {'target_test': data['target_test']}, tmp_path / evaluate)['target_test']
        assert got == m['target_test']['pck_tllib'], evaluate
