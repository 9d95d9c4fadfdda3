"""RegDA as TLlib runs it (nbs/34_regda.ipynb): each of the three steps moves only its own parameters, the three steps
equal TLlib's training loop written out literally (thuml/Transfer-Learning-Library,
examples/domain_adaptation/keypoint_detection/regda.py L314-345), and both heads start as fresh two-layer heads."""
import copy
import pytest
import torch
import torch.nn as nn
from synreal.losses import joints_kl_loss
from synreal.methods.regda import (RegDA, RegDAHead, ground_truth_false, peak_heatmaps, regda_lr_factor,
                                   regda_optimisers, regda_step_a, regda_step_b, regda_step_c, scale_grad,
                                   warm_start_coeff)


class TinyPose(nn.Module):
    "features f: a 1x1 convolution + BN; final: a two-layer main head h."
    def __init__(self, c=16, k=4):
        super().__init__()
        self.body, self.final = nn.Sequential(nn.Conv2d(c, c, 1), nn.BatchNorm2d(c)), RegDAHead(c, k)
    def features(self, x): return self.body(x)
    def forward(self, x): return self.final(self.features(x))


def tiny_setup(seed=0):
    torch.manual_seed(seed)
    tiny, adv = TinyPose(), RegDAHead(16, 4)
    for m in (tiny.final.net[-1], adv.net[-1]): nn.init.normal_(m.weight, std=0.1)
    src = dict(image=torch.randn(2, 16, 16, 16), heatmap=peak_heatmaps(torch.randn(2, 4, 16, 16), 1.0),
               weight=torch.ones(2, 4))
    return tiny.train(), adv.train(), src, torch.randn(2, 16, 16, 16)


def snapshot(tiny, adv) -> dict:
    return {'f': [q.detach().clone() for q in tiny.body.parameters()],
            'h': [q.detach().clone() for q in tiny.final.parameters()],
            'h_adv': [q.detach().clone() for q in adv.parameters()]}


def changed(before, after) -> set:
    return {k for k in before if any(not torch.equal(a, b) for a, b in zip(before[k], after[k]))}


def test_each_step_touches_only_its_parameters():
    tiny, adv, src, x_t = tiny_setup()
    opts = regda_optimisers(tiny, adv)
    steps = [('A', lambda: regda_step_a(tiny, adv, opts, src, 0.1, 1.0), {'f', 'h', 'h_adv'}),
             ('B', lambda: regda_step_b(tiny, adv, opts, x_t, 1.0), {'h_adv'}),
             ('C', lambda: regda_step_c(tiny, adv, opts, x_t, 0.1, 1.0), {'f'})]
    for _ in range(2):   # the second round with momentum buffers filled
        for name, step, expected in steps:
            before = snapshot(tiny, adv); step()
            assert changed(before, snapshot(tiny, adv)) == expected, name


class TLlibPose(nn.Module):
    "tllib/alignment/regda.py PoseResNet2d.forward on the tiny parts: (h(f(x)), h'(GL(f(x))))."
    def __init__(self, tiny, adv): super().__init__(); self.tiny, self.adv, self.coeff = tiny, adv, 0.
    def forward(self, x): f = self.tiny.features(x); return self.tiny.final(f), self.adv(scale_grad(f, self.coeff))


def set_lr(opts, i):
    for o in opts.values():
        for grp in o.param_groups: grp['lr'] = grp['initial_lr'] * regda_lr_factor(i, 0.1)


def test_three_steps_equal_tllibs_loop():
    tiny, adv, src, x_t = tiny_setup(3)
    t2, a2 = copy.deepcopy(tiny), copy.deepcopy(adv)
    m, o = TLlibPose(tiny, adv).train(), regda_optimisers(tiny, adv)
    ours = regda_optimisers(t2, a2)
    gt = lambda y: ground_truth_false(y, 1.0)
    for i in range(3):
        m.coeff = coeff = warm_start_coeff(i, max_iters=1); set_lr(o, i); set_lr(ours, i)
        # TLlib, line by line: step A (L314-325), B (L327-332), C (L334-339)
        for opt in o.values(): opt.zero_grad()
        y_s, y_s_adv = m(src['image'])
        loss_s = joints_kl_loss(y_s, src['heatmap'], src['weight']) + 4.0 * joints_kl_loss(y_s_adv, gt(y_s)[0], src['weight'])
        loss_s.backward(); o['f'].step(); o['h'].step(); o['h_adv'].step()
        o['h_adv'].zero_grad()
        y_t, y_t_adv = m(x_t); joints_kl_loss(y_t_adv, gt(y_t)[1]).backward(); o['h_adv'].step()
        o['f'].zero_grad()
        y_t, y_t_adv = m(x_t); joints_kl_loss(y_t_adv, gt(y_t)[0]).backward(); o['f'].step()
        # ours
        regda_step_a(t2, a2, ours, src, coeff, 1.0); regda_step_b(t2, a2, ours, x_t, 1.0)
        regda_step_c(t2, a2, ours, x_t, coeff, 1.0)
    ref, got = snapshot(tiny, adv), snapshot(t2, a2)
    for k in ref:
        for a, b in zip(ref[k], got[k]): torch.testing.assert_close(a, b, rtol=0, atol=1e-6)
    for a, b in zip([*tiny.buffers(), *adv.buffers()], [*t2.buffers(), *a2.buffers()]):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)   # batch-norm statistics: the same forwards


@pytest.fixture(scope='module')
def regda_ctx():
    from pathlib import Path
    import tempfile
    from synreal.config import RunConfig, get_profile
    from synreal.methods.base import RunContext
    from synreal.tasks import get_task, load_task_data
    from synreal.train import build_model
    smoke = get_profile('smoke', device='cpu')
    data = load_task_data('rhd2h3d', smoke, progress=False)
    def make(**args):
        torch.manual_seed(0); model = build_model('rhd2h3d', smoke)
        return RunContext(RunConfig('rhd2h3d', 'regda', 0, smoke, method_args=args), get_task('rhd2h3d'), data, model,
                          torch.device('cpu'), model.heatmap_size(smoke.input_size), Path(tempfile.mkdtemp()), RegDA())
    return make


def test_heads_are_fresh_two_layer_heads(regda_ctx):
    ctx = regda_ctx()
    old = ctx.model.final
    ctx.method.setup(ctx)
    for head in (ctx.model.final, ctx.state['head_adv']):   # TLlib PoseResNet2d._make_head(2, 256, K)
        assert isinstance(head, RegDAHead) and head is not old
        assert [type(m).__name__ for m in head.net] == ['Conv2d', 'BatchNorm2d', 'ReLU', 'Conv2d']
        assert head.net[0].kernel_size == (3, 3) and head.net[3].kernel_size == (1, 1)
        assert all(m.bias.abs().sum() == 0 for m in (head.net[0], head.net[3]))
        assert 0.0008 < head.net[0].weight.std().item() < 0.0012
    assert not torch.equal(ctx.model.final.net[0].weight, ctx.state['head_adv'].net[0].weight)   # two draws
    kept = regda_ctx(fresh_head=False); kept.method.setup(kept)
    assert isinstance(kept.model.final, nn.Conv2d)


def test_the_runs_own_optimiser_moves_nothing(regda_ctx):
    ctx = regda_ctx(); ctx.method.setup(ctx); ctx.model.train()
    params = [*ctx.model.parameters(), *ctx.state['head_adv'].parameters()]
    assert [q.numel() for q in ctx.method.parameters(ctx)] == [0]
    before = [q.detach().clone() for q in params]
    loss, logs = ctx.method.loss(ctx, list(range(4)), torch.Generator().manual_seed(1), 0)
    assert sum(not torch.equal(a, b) for a, b in zip(before, params)) > 0          # the three steps moved the model
    assert all(g is None for g in torch.autograd.grad(loss, params, allow_unused=True))
    assert (logs['lr_f'], logs['lr_head'], ctx.state['iteration'].n) == (0.01, 0.1, 1)
