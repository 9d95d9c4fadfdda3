"""Training-step and data-pipeline throughput of synreal against a reference loop written the way the public
baselines (TLlib, UniFrame, FOMM) do it, and how epoch time and peak memory scale.

    python benchmarks/throughput.py pose     [--size cpu|paper] [--device auto] [--iters 10] [--batch B] [--repeats 3]
    python benchmarks/throughput.py pseudo   [--size cpu|paper] [--device auto] [--iters 10] [--batch B]
    python benchmarks/throughput.py rec      [--size cpu|paper] [--device auto] [--iters 10] [--batch B]
    python benchmarks/throughput.py data     [--size cpu|paper] [--iters 10]
    python benchmarks/throughput.py scaling  [--size cpu] [--sizes 256 512 1024] [--batches 16 32 64]
    python benchmarks/throughput.py pseudo rec --data smoke --iters 2 --batch 4 --threads 1   (CI-sized)
    python benchmarks/throughput.py all      (all five)

Each prints figures side by side and the ratio ours / reference, and writes a Markdown table under --out.
`paper` size is ResNet-101 at 256 px (batch 32 on CUDA, 4 on the CPU unless --batch says otherwise).

The training steps (pose, pseudo, rec) time one optimiser step of a method, median over --iters after two
warm-up steps, each loop in a fresh process so that its peak memory (peak RSS on the CPU,
`torch.cuda.max_memory_allocated` on CUDA) is its own; step_mb is that peak less the memory in use before the
first step (the model, the data and the libraries). img/s is the method's batch size (source images for
`pose` and `rec`, target images for `pseudo`) over the step time.
- synreal: the library's own `Method.loss` of `source_only`, `pseudo` or `rec` (what `train_run` calls), with
  augmentation and heatmaps computed for the whole batch on the device, plus bf16 autocast and channels_last
  on CUDA.
- reference: the same models and losses fed the baseline way: per-sample PIL augmentation (affine warp, colour
  jitter, blur), per-sample NumPy heatmaps (TLlib's per-joint `generate_target` loop), float32, contiguous NCHW;
  for `pseudo` the teacher's heatmaps go to the CPU and are decoded, moved into the student's view and
  re-rendered per sample (UniFrame); for `rec` the target frames are resized and normalised one by one (FOMM).
`rec` also reports each loop's step time relative to its own plain pose step (the cost of adding L_rec).
"""
import argparse, json, os, resource, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np
import torch
from PIL import Image, ImageFilter
from torchvision.transforms import ColorJitter

from synreal.keypoints import default_sigma
from synreal.data.dataset import KeypointDataset
from synreal.data.augment import augment_matrices, invert_matrices, resize_matrices
from synreal.config import RunConfig, get_profile
from synreal.tasks import get_task, load_task_data
from synreal.losses import joints_mse_loss, masked_mse
from synreal.models.stylenet import stylize
from synreal.methods.base import RunContext
from synreal.methods.pseudo import (confidence_mask, ema_update, kinematic_mask, pretrain_loss, reproject,
                                    strategy_masks, _views_augments)
from synreal.methods import get_method
from synreal.train import build_model, pick_device
from synreal.methods.rec import reconstruct

DATA = 'default'   # embedded benchmark size the figures are measured on ('smoke' in CI)
THREADS = 0        # torch threads on the CPU, passed on to child processes (0: torch's default)
TASK = 'rhd2h3d'
# step speed does not depend on the starting weights, so `paper` starts from scratch here (no ImageNet file needed)
SIZES = {'cpu': dict(profile='cpu', batch=32), 'paper': dict(profile='paper', batch=32, set=dict(weights='scratch'))}
METHOD = {'pose': 'source_only', 'pseudo': 'pseudo', 'rec': 'rec'}
MEAN, STD = np.array([0.485, 0.456, 0.406], np.float32), np.array([0.229, 0.224, 0.225], np.float32)


def sync(device):
    if device.type == 'cuda': torch.cuda.synchronize(device)


def _status_mb(key: str) -> float | None:
    "A memory line of /proc/self/status in MiB (Linux), None elsewhere."
    try: line = next(l for l in Path('/proc/self/status').read_text().splitlines() if l.startswith(key + ':'))
    except (OSError, StopIteration): return None
    return int(line.split()[1]) / 1024


def reset_peak_memory(device) -> float:
    "Restart the peak-memory count; returns the memory in use now (MiB)."
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device); return torch.cuda.memory_allocated(device) / 2**20
    try: Path('/proc/self/clear_refs').write_text('5')   # Linux: the peak RSS restarts from the current RSS
    except OSError: pass
    return _status_mb('VmRSS') or 0.0


def peak_memory_mb(device) -> float:
    if device.type == 'cuda': return torch.cuda.max_memory_allocated(device) / 2**20
    # this process's own peak (ru_maxrss of an exec'd child also counts its parent's memory at fork)
    return _status_mb('VmHWM') or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load() -> str:
    "The machine's load when a figure was taken (these CPUs may be shared)."
    return f', load average {os.getloadavg()[0]:.1f}' if hasattr(os, 'getloadavg') else ''


def default_batch(size: str, device) -> int:
    return SIZES[size]['batch'] if device.type == 'cuda' or size == 'cpu' else 4


# ---------------------------------------------------------------------------------------------------------------
# The reference data path: one sample at a time, NumPy and PIL, as TLlib's datasets and UniFrame's loop do it.

def reference_heatmaps(kp: np.ndarray, vis: np.ndarray, input_size: int, hm: int, sigma: float):
    "TLlib's `generate_target`: a Python loop over joints for one sample -> (heatmaps [K, hm, hm], weights [K])."
    K = len(kp); target = np.zeros((K, hm, hm), np.float32); weight = np.asarray(vis, np.float32).copy()
    tmp = int(sigma * 3); stride = input_size / hm
    size = 2 * tmp + 1; x = np.arange(0, size, 1, np.float32); y = x[:, None]
    g = np.exp(-((x - size // 2) ** 2 + (y - size // 2) ** 2) / (2 * sigma ** 2))
    for j in range(K):
        mx, my = int(kp[j, 0] / stride + 0.5), int(kp[j, 1] / stride + 0.5)
        ul, br = (mx - tmp, my - tmp), (mx + tmp + 1, my + tmp + 1)
        if mx >= hm or my >= hm or mx < 0 or my < 0: weight[j] = 0     # TLlib: the centre must lie on the map
        if weight[j] <= 0: continue
        gx = max(0, -ul[0]), min(br[0], hm) - ul[0]; gy = max(0, -ul[1]), min(br[1], hm) - ul[1]
        ix = max(0, ul[0]), min(br[0], hm); iy = max(0, ul[1]), min(br[1], hm)
        target[j, iy[0]:iy[1], ix[0]:ix[1]] = g[gy[0]:gy[1], gx[0]:gx[1]]
    return target, weight


def reference_render(kp: np.ndarray, vis: np.ndarray, input_size: int, hm: int, sigma: float):
    "Per-sample heatmaps of keypoints [B, K, 2] (input px), collated -> (heatmaps, weights) tensors on the CPU."
    out = [reference_heatmaps(k, v, input_size, hm, sigma) for k, v in zip(kp, vis)]
    return torch.from_numpy(np.stack([o[0] for o in out])), torch.from_numpy(np.stack([o[1] for o in out]))


def warp_np(kp: np.ndarray, m: np.ndarray) -> np.ndarray:
    "Keypoints [K, 2] through one affine map [2, 3]."
    return kp @ m[:, :2].T + m[:, 2]


def reference_view(ds: KeypointDataset, i: int, input_size: int, cfg, g: torch.Generator):
    """One sample, TLlib-style: PIL affine warp (rotation + random resized crop, or a plain resize if `cfg` is None),
    PIL colour jitter and blur, NumPy normalisation -> (image [3, S, S] float32, map cache px -> input px [2, 3])."""
    s = ds.cache_size
    m = resize_matrices(1, s, input_size) if cfg is None else augment_matrices(1, s, input_size, cfg, g)
    inv = invert_matrices(m)[0].double().numpy()
    a, c = inv[:, :2], inv[:, 2] + 0.5 - inv[:, :2].sum(1) * 0.5   # PIL puts pixel centres at i + 0.5
    img = Image.fromarray(ds.images[i].permute(1, 2, 0).numpy())
    img = img.transform((input_size, input_size), Image.AFFINE, (a[0, 0], a[0, 1], c[0], a[1, 0], a[1, 1], c[1]),
                        Image.BILINEAR)
    if cfg is not None and cfg.color: img = ColorJitter(cfg.color, cfg.color, cfg.color)(img)
    if cfg is not None and cfg.blur:
        img = img.filter(ImageFilter.GaussianBlur(float(torch.rand((), generator=g)) * cfg.blur))
    arr = (np.asarray(img, np.float32) / 255 - MEAN) / STD
    return np.ascontiguousarray(arr.transpose(2, 0, 1)), m[0].double().numpy()   # NCHW, as TLlib's ToTensor


def reference_views(ds: KeypointDataset, idx, input_size: int, cfg, g):
    "Per-sample views, collated: images [B, 3, S, S] float32 NCHW and maps [B, 2, 3] (NumPy)."
    views = [reference_view(ds, i, input_size, cfg, g) for i in idx]
    return torch.from_numpy(np.stack([v[0] for v in views])), np.stack([v[1] for v in views])


def reference_batch(ds: KeypointDataset, idx, input_size: int, hm: int, sigma: float, cfg, g):
    "A labelled batch the TLlib way: per-sample views, NumPy keypoint transform and heatmaps -> x, y, w, maps."
    x, mats = reference_views(ds, idx, input_size, cfg, g)
    kp = np.stack([warp_np(ds.keypoints[i].numpy().astype(np.float64), m) for i, m in zip(idx, mats)])
    y, w = reference_render(kp, ds.visible[idx].numpy(), input_size, hm, sigma)
    return x, y, w, mats


def reference_pseudo_labels(h_tea: np.ndarray, m_tea: np.ndarray, m_stu: np.ndarray, input_size: int, sigma: float):
    """UniFrame's re-rendering, per sample on the CPU: argmax of the teacher's heatmaps, keypoints moved from the
    teacher's view to the student's, heatmaps drawn again -> (heatmaps, weights, confidence, keypoints in cache px)."""
    B, K, h, _ = h_tea.shape
    flat = h_tea.reshape(B, K, -1)
    labels, caches = [], []
    for b in range(B):
        j, conf = flat[b].argmax(1), flat[b].max(1)
        kp = np.stack([j % h, j // h], 1) * (conf > 0)[:, None] * (input_size / h)
        inv = np.linalg.inv(np.vstack([m_tea[b], [0, 0, 1]]))[:2]
        caches.append(warp_np(kp, inv))
        labels.append(warp_np(caches[-1], m_stu[b]))
    hm, w = reference_render(np.stack(labels), np.ones((B, K)), input_size, h, sigma)
    return hm, w, torch.from_numpy(flat.max(2)), np.stack(caches)


# ---------------------------------------------------------------------------------------------------------------
# One training step of each method, the reference way. Models, losses and method state come from the library
# (the same `ctx` the synreal loop uses); only the data path, dtype and memory format differ.

def _sigma(ctx) -> float: return ctx.profile.sigma or default_sigma(ctx.heatmap_size)


def _source(ctx, idx, g) -> dict:
    p, dev = ctx.profile, ctx.device
    x, y, w, _ = reference_batch(ctx.data['source_train'], idx, p.input_size, ctx.heatmap_size, _sigma(ctx),
                                 p.augment(ctx.task.rotation), g)
    return dict(image=x.to(dev), heatmap=y.to(dev), weight=w.to(dev))


def reference_pose_loss(ctx, method, idx, g):
    b = _source(ctx, idx, g)
    return joints_mse_loss(ctx.model(b['image']), b['heatmap'], b['weight'])


def reference_pseudo_loss(ctx, method, idx, g):
    "The `pseudo` step (3D labels, integrated masks) as UniFrame's loop would compute it."
    a, p, dev, st = ctx.args(), ctx.profile, ctx.device, ctx.state['stats']
    model, teacher, net, lifter = ctx.model, ctx.state['teacher'], ctx.state['stylenet'], ctx.state['lifter']
    tgt, hm, sigma = ctx.data['target_train'], ctx.heatmap_size, _sigma(ctx)
    ema_update(teacher, model, a['ema_decay'])
    strong, weak = _views_augments(ctx, a)
    x_stu, m_stu = reference_views(tgt, idx, p.input_size, strong, g)
    x_tea, m_tea = reference_views(tgt, idx, p.input_size, weak, g)
    x_stu, x_tea = x_stu.to(dev), x_tea.to(dev)
    src = _source(ctx, torch.randint(len(ctx.data['source_train']), (len(idx),), generator=g).tolist(), g)
    loss_s = pretrain_loss(model, net, src, x_tea, a['s2t_freq'], a['alpha'], g)
    x_tea = stylize(net, x_tea, src['image'], a['t2s_freq'], a['alpha'], g)
    teacher.train()
    with torch.no_grad(): h_tea = teacher(x_tea).float().cpu().numpy()
    label2, w2, conf, cache = reference_pseudo_labels(h_tea, m_tea, m_stu, p.input_size, sigma)
    m2d = confidence_mask(conf, a['mask_ratio'], a['conf_threshold'])
    h_stu = model(x_stu)
    cache_t = torch.from_numpy(cache).float().to(dev)
    with torch.no_grad(): pose_t = lifter(cache_t)
    m3d = kinematic_mask(pose_t, ctx.state['limits']).cpu()
    mask2, mask3 = strategy_masks(a['strategy'], m2d, m3d, st.combined)
    kp3 = reproject(pose_t, cache_t, lifter.root).cpu().double().numpy()
    label3, w3 = reference_render(np.stack([warp_np(k, m) for k, m in zip(kp3, m_stu)]), np.ones(conf.shape),
                                  p.input_size, hm, sigma)
    loss_2d = masked_mse(h_stu, label2.to(dev), (mask2.float() * w2).to(dev))
    loss_3d = masked_mse(h_stu, label3.to(dev), (mask3.float() * w3).to(dev))
    return loss_s + a['lambda_2d'] * loss_2d + a['lambda_3d'] * loss_3d


def reference_rec_loss(ctx, method, idx, g):
    "The `rec` step with FOMM-style frames: each target frame resized and normalised on its own."
    a, p, dev = ctx.args(), ctx.profile, ctx.device
    l_src = reference_pose_loss(ctx, method, torch.randint(len(ctx.data['source_train']), (len(idx),),
                                                           generator=g).tolist(), g)
    base, drv = ctx.parts['sampler'].sample(a['rec_batch'], g)
    xb, xd = (reference_views(ctx.data['target_train'], i.tolist(), p.input_size, None, g)[0].to(dev)
              for i in (base, drv))
    out = reconstruct(ctx.model, ctx.state['reconstructor'], xb, xd, a['beta'])
    return l_src + a['lambda_rec'] * ctx.parts['loss'](out['prediction'], out['driving'])


REFERENCE = {'pose': reference_pose_loss, 'pseudo': reference_pseudo_loss, 'rec': reference_rec_loss}


# ---------------------------------------------------------------------------------------------------------------
# Running and timing one loop (in its own process) and comparing the two.

def method_args(kind: str, size: str, batch: int) -> dict:
    "Setup kept short (a benchmark times steps, not the lifter or W/G pre-training); the step itself is the method's."
    if kind == 'pseudo': return dict(lifter_iters=20)
    if kind == 'rec': return dict(pretrain_iters=1, pretrain_batch=min(16, batch), rec_batch=max(1, batch // 2),
                                  size='paper' if size == 'paper' else 'small', rec_loss='l1')   # no VGG file needed
    return {}


def make_context(kind: str, size: str, device, batch: int, fast: bool, results_dir: str):
    "The `RunContext` `train_run` would build for this method (random weights), set up in `results_dir`."
    p = get_profile(SIZES[size]['profile'], **SIZES[size].get('set', {}), benchmark=DATA, batch_size=batch, device=str(device),
                    amp=fast, channels_last=fast)
    cfg = RunConfig(TASK, METHOD[kind], 0, p, None, method_args(kind, size, batch))
    data = load_task_data(TASK, p, progress=False)
    torch.manual_seed(0)
    model = build_model(TASK, p).to(device)
    if fast and device.type == 'cuda': model = model.to(memory_format=torch.channels_last)
    method = get_method(cfg.method)
    ctx = RunContext(cfg, get_task(TASK), data, model, device, model.heatmap_size(p.input_size), Path(results_dir), method)
    method.setup(ctx)
    return ctx, method


def timed(step, device, iters: int, warmup: int = 2) -> float:
    "Median seconds of `step(it)`, synchronised around each call."
    times = []
    for it in range(warmup + iters):
        sync(device); t = time.perf_counter()
        step(it)
        sync(device)
        if it >= warmup: times.append(time.perf_counter() - t)
    return float(np.median(times))


def run_loop(kind: str, loop: str, size: str, device, iters: int, batch: int) -> dict:
    "Time one loop's training step; for `rec`, also its plain pose step (the cost ratio)."
    fast = loop == 'synreal'
    with tempfile.TemporaryDirectory() as tmp:
        ctx, method = make_context(kind, size, device, batch, fast, tmp)
        opt = torch.optim.Adam(method.parameters(ctx), lr=ctx.profile.lr)
        g = torch.Generator().manual_seed(0)

        def step_of(kind_):
            ref, meth = REFERENCE[kind_], get_method(METHOD[kind_])
            n = meth.epoch_size(ctx)
            def step(it):
                idx = [(it * batch + j) % n for j in range(batch)]
                with torch.autocast(device.type, torch.bfloat16, enabled=fast and device.type == 'cuda'):
                    loss = meth.loss(ctx, idx, g, 0)[0] if fast else ref(ctx, meth, idx, g)
                opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
            return step

        before = reset_peak_memory(device)
        t = timed(step_of(kind), device, iters)
        peak = peak_memory_mb(device)
        out = {'img_per_s': batch / t, 'peak_mb': peak, 'step_mb': peak - before}
        # the plain pose step after the measured one, so that it does not count in the memory figures
        if kind == 'rec': out['rec_over_pose_step'] = t / timed(step_of('pose'), device, iters)
    return out


def compare(kind: str, size: str, device, iters: int, batch: int | None, out: Path, repeats: int = 1) -> dict:
    """Both loops, each in a fresh process, alternated `repeats` times (a shared machine's load drifts) with the
    median of each figure kept; prints them side by side and writes the table."""
    batch = batch or default_batch(size, device)
    runs = {'reference': [], 'synreal': []}
    for _ in range(repeats):
        for loop in runs:
            r = subprocess.run([sys.executable, __file__, '_loop', '--kind', kind, '--loop', loop, '--size', size,
                                '--device', str(device), '--data', DATA, '--iters', str(iters),
                                '--batch', str(batch), '--threads', str(THREADS)], capture_output=True, text=True)
            if r.returncode: raise RuntimeError(f'{kind} {loop} loop failed:\n{r.stdout}\n{r.stderr}')
            runs[loop].append(json.loads(r.stdout.strip().splitlines()[-1]))
    rows = {loop: {k: float(np.median([r[k] for r in rs])) for k in rs[0]} for loop, rs in runs.items()}
    p = get_profile(SIZES[size]['profile'], **SIZES[size].get('set', {}))
    what = {'pose': 'pose step', 'pseudo': "pseudo-label step (method 'pseudo')",
            'rec': "+rec step (method 'rec')"}[kind]
    text = report(f'{what} ({size} size: {p.backbone}, {p.input_size} px, batch {batch}, {device}, '
                  f'{DATA} data, {torch.get_num_threads()} CPU threads, median of {iters} steps x {repeats} runs{load()})', rows, out, f'{kind}_{size}_{device.type}')
    if kind == 'rec':
        extra = (f"+rec step / plain pose step: synreal **{rows['synreal']['rec_over_pose_step']:.2f}x**, "
                 f"reference {rows['reference']['rec_over_pose_step']:.2f}x\n")
        print(extra, flush=True)
        with open(out / f'{kind}_{size}_{device.type}.md', 'a') as f: f.write(extra)
    return rows


# ---------------------------------------------------------------------------------------------------------------
# The data pipeline alone, and how an epoch scales.

def bench_data(size: str, device, iters: int, out: Path) -> dict:
    p = get_profile(SIZES[size]['profile'], **SIZES[size].get('set', {}))
    ds = load_task_data(TASK, get_profile('cpu', cache_size=p.cache_size, benchmark=DATA), progress=False)['source_train']
    B, hm = SIZES[size]['batch'], p.input_size // (2 if size == 'cpu' else 4)
    sigma = p.sigma or default_sigma(hm); g = torch.Generator().manual_seed(0)
    rows = {}
    for name in ('reference', 'synreal'):
        times = []
        for it in range(iters + 1):
            idx = [(it * B + j) % len(ds) for j in range(B)]
            sync(device); t = time.perf_counter()
            if name == 'synreal':
                ds.batch(idx, p.input_size, hm, augment=p.augment(), generator=g, device=device, sigma=sigma)
            else:
                x, y, w, _ = reference_batch(ds, idx, p.input_size, hm, sigma, p.augment(), g)
                x, y = x.pin_memory().to(device) if device.type == 'cuda' else x, y.to(device)
            sync(device)
            if it >= 1: times.append(time.perf_counter() - t)
        rows[name] = {'samples_per_s': B / np.median(times)}
    return report(f'data pipeline ({size} size: {p.input_size} px, batch {B}, to {device}{load()})', rows, out,
                  f'data_{size}_{device.type}')


def bench_scaling(size: str, device, sizes, batches, out: Path) -> list:
    "Each point in a fresh process, so that peak memory is its own."
    rows = []
    for n in sizes:
        for b in batches:
            r = subprocess.run([sys.executable, __file__, '_epoch', '--size', size, '--device', str(device), '--data', DATA,
                                '--n', str(n), '--batch', str(b), '--threads', str(THREADS)],
                               capture_output=True, text=True, check=True)
            rows.append(json.loads(r.stdout.strip().splitlines()[-1]))
            print(rows[-1], flush=True)
    lines = ['| samples | batch | epoch s | img/s | peak MB |', '|---|---|---|---|---|']
    lines += [f"| {r['n']} | {r['batch']} | {r['epoch_s']:.2f} | {r['n'] / r['epoch_s']:.0f} | {r['peak_mb']:.0f} |"
              for r in rows]
    text = f'## Scaling of one epoch ({size} size, {device}, {torch.get_num_threads()} CPU threads{load()})\n\n' + '\n'.join(lines) + '\n'
    print(text); (out / f'scaling_{size}_{device.type}.md').write_text(text)
    return rows


def one_epoch(size, device, n, batch):
    p = get_profile(SIZES[size]['profile'], **SIZES[size].get('set', {}))
    ds = load_task_data(TASK, get_profile('cpu', cache_size=p.cache_size, benchmark=DATA), progress=False)['source_train']
    model = build_model(TASK, p).to(device)
    if device.type == 'cuda': model = model.to(memory_format=torch.channels_last)
    hm = model.heatmap_size(p.input_size)
    opt = torch.optim.Adam(model.parameters(), 1e-4); g = torch.Generator().manual_seed(0)
    order = torch.arange(n) % len(ds)
    sync(device); t = time.perf_counter()
    for i in range(0, n, batch):
        b = ds.batch(order[i:i + batch].tolist(), p.input_size, hm, augment=p.augment(), generator=g,
                     device=device, sigma=p.sigma)
        with torch.autocast(device.type, torch.bfloat16, enabled=device.type == 'cuda'):
            loss = joints_mse_loss(model(b['image']), b['heatmap'], b['weight'])
        opt.zero_grad(); loss.backward(); opt.step()
    sync(device)
    print(json.dumps({'n': n, 'batch': batch, 'epoch_s': time.perf_counter() - t, 'peak_mb': peak_memory_mb(device)}))


def report(title: str, rows: dict, out: Path, name: str) -> dict:
    keys = list(next(iter(rows.values())))
    lines = [f'## {title}', '', '| loop | ' + ' | '.join(keys) + ' |', '|---|' + '---|' * len(keys)]
    lines += [f'| {k} | ' + ' | '.join(f'{v[c]:.1f}' if v[c] >= 10 else f'{v[c]:.2f}' for c in keys) + ' |'
              for k, v in rows.items()]
    ratio = rows['synreal'][keys[0]] / rows['reference'][keys[0]]
    lines += ['', f'ratio synreal / reference ({keys[0]}): **{ratio:.2f}x**', '']
    text = '\n'.join(lines); print(text, flush=True); (out / f'{name}.md').write_text(text)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('what', nargs='+', choices=['pose', 'pseudo', 'rec', 'data', 'scaling', 'all', '_epoch', '_loop'])
    ap.add_argument('--size', default='cpu', choices=sorted(SIZES))
    ap.add_argument('--device', default='auto')
    ap.add_argument('--iters', type=int, default=10, help='timed steps (after two warm-up steps)')
    ap.add_argument('--repeats', type=int, default=1, help='alternated runs of the two loops (median kept)')
    ap.add_argument('--batch', type=int, default=None, help='batch size (default: 32; 4 at paper size on the CPU)')
    ap.add_argument('--sizes', type=int, nargs='+', default=[256, 512, 1024])
    ap.add_argument('--batches', type=int, nargs='+', default=[16, 32, 64])
    ap.add_argument('--n', type=int, default=256)
    ap.add_argument('--threads', type=int, default=0, help='torch CPU threads (0: default; 1 is steadier on a busy machine)')
    ap.add_argument('--out', default='benchmarks/results')
    ap.add_argument('--data', default='default', choices=['default', 'smoke', 'large'], help='embedded benchmark size')
    ap.add_argument('--kind', choices=sorted(REFERENCE)); ap.add_argument('--loop', choices=['reference', 'synreal'])
    a = ap.parse_args(argv)
    global DATA, THREADS; DATA, THREADS = a.data, a.threads
    if a.threads: torch.set_num_threads(a.threads)
    device = pick_device(a.device)
    if '_epoch' in a.what: return one_epoch(a.size, device, a.n, a.batch or 32)
    if '_loop' in a.what: return print(json.dumps(run_loop(a.kind, a.loop, a.size, device, a.iters, a.batch)))
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    what = ['pose', 'pseudo', 'rec', 'data', 'scaling'] if 'all' in a.what else a.what
    for kind in ('pose', 'pseudo', 'rec'):
        if kind in what: compare(kind, a.size, device, a.iters, a.batch, out, a.repeats)
    if 'data' in what: bench_data(a.size, device, a.iters, out)
    if 'scaling' in what:
        bench_scaling(a.size, device, a.sizes, a.batches, out)


if __name__ == '__main__':
    main()
