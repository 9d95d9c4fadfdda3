"""Training-step and data-pipeline throughput of synreal against a reference loop written the way the public
baselines (TLlib, UniFrame) do it, and how epoch time and peak memory scale.

    python benchmarks/throughput.py pose     [--size cpu|paper] [--device auto] [--iters 10]
    python benchmarks/throughput.py data     [--size cpu|paper] [--iters 10]
    python benchmarks/throughput.py scaling  [--size cpu] [--sizes 256 512 1024] [--batches 16 32 64]
    python benchmarks/throughput.py all --data smoke   (CI-sized: a few iterations of each on the smoke data)

Each prints figures side by side and the ratio ours / reference, and writes a Markdown table under --out.
The reference step: per-sample NumPy heatmaps (TLlib's per-joint `generate_target` loop), per-sample NumPy/PIL
augmentation, float32, contiguous NCHW. Ours: heatmaps and augmentation computed on the device for the whole
batch, plus bf16 autocast and channels_last on CUDA.
"""
import argparse, json, math, os, resource, subprocess, sys, time
from pathlib import Path
import numpy as np
import torch
from PIL import Image

from synreal.keypoints import HAND21, heatmap_targets
from synreal.model import PosePredictor
from synreal.data import KeypointDataset, normalize_imagenet
from synreal.train import get_profile, joints_mse_loss, load_task_data, pick_device

DATA = 'default'   # embedded benchmark size the figures are measured on ('smoke' in CI)
SIZES = {'cpu': dict(profile='cpu', batch=32), 'paper': dict(profile='paper', batch=32)}


def sync(device):
    if device.type == 'cuda': torch.cuda.synchronize(device)


def peak_memory_mb(device) -> float:
    if device.type == 'cuda': return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # process peak RSS (KiB on Linux)


def reference_heatmaps(kp: np.ndarray, vis: np.ndarray, input_size: int, hm: int, sigma: float) -> np.ndarray:
    "TLlib's `generate_target`: a Python loop over joints for one sample."
    K = len(kp); target = np.zeros((K, hm, hm), np.float32); tmp = int(sigma * 3); stride = input_size / hm
    size = 2 * tmp + 1; x = np.arange(0, size, 1, np.float32); y = x[:, None]
    g = np.exp(-((x - size // 2) ** 2 + (y - size // 2) ** 2) / (2 * sigma ** 2))
    for j in range(K):
        mx, my = int(kp[j, 0] / stride + 0.5), int(kp[j, 1] / stride + 0.5)
        ul, br = (mx - tmp, my - tmp), (mx + tmp + 1, my + tmp + 1)
        if ul[0] >= hm or ul[1] >= hm or br[0] < 0 or br[1] < 0 or vis[j] <= 0: continue
        gx = max(0, -ul[0]), min(br[0], hm) - ul[0]; gy = max(0, -ul[1]), min(br[1], hm) - ul[1]
        ix = max(0, ul[0]), min(br[0], hm); iy = max(0, ul[1]), min(br[1], hm)
        target[j, iy[0]:iy[1], ix[0]:ix[1]] = g[gy[0]:gy[1], gx[0]:gx[1]]
    return target


def reference_batch(ds: KeypointDataset, idx, input_size: int, hm: int, sigma: float, rng: np.random.Generator):
    "Per sample: PIL rotate + resize, NumPy keypoint transform, NumPy heatmaps; then collate."
    mean, std = np.array([0.485, 0.456, 0.406], np.float32), np.array([0.229, 0.224, 0.225], np.float32)
    imgs, hms, ws = [], [], []
    for i in idx:
        img = Image.fromarray(ds.images[i].permute(1, 2, 0).numpy())
        angle = rng.uniform(-180, 180); s = ds.cache_size
        img = img.rotate(angle, resample=Image.BILINEAR).resize((input_size, input_size), Image.BILINEAR)
        c = (s - 1) / 2; a = math.radians(-angle)   # PIL rotates counter-clockwise about the centre
        kp = ds.keypoints[i].numpy() - c
        kp = np.stack([kp[:, 0] * math.cos(a) - kp[:, 1] * math.sin(a),
                       kp[:, 0] * math.sin(a) + kp[:, 1] * math.cos(a)], 1) + c
        kp = kp * input_size / s
        arr = (np.asarray(img, np.float32) / 255 - mean) / std
        imgs.append(torch.from_numpy(arr.transpose(2, 0, 1).copy()))
        hms.append(torch.from_numpy(reference_heatmaps(kp, ds.visible[i].numpy(), input_size, hm, sigma)))
        ws.append(ds.visible[i])
    return torch.stack(imgs), torch.stack(hms), torch.stack(ws)


def make_model(p, device, fast: bool):
    m = PosePredictor(21, p.backbone, None, p.head_width, p.narrow_widths).to(device)
    if fast and device.type == 'cuda': m = m.to(memory_format=torch.channels_last)
    return m


def bench_pose(size: str, device, iters: int, out: Path) -> dict:
    p = get_profile(SIZES[size]['profile'])
    ds = load_task_data('rhd2h3d', get_profile('cpu', cache_size=p.cache_size, benchmark=DATA), progress=False)['source_train']
    B = SIZES[size]['batch'] if device.type == 'cuda' or size == 'cpu' else 4
    sigma = p.sigma or 2 * (p.input_size // 4) / 64
    rows = {}
    for name, fast in (('reference', False), ('synreal', True)):
        torch.manual_seed(0); model = make_model(p, device, fast)
        hm = model.heatmap_size(p.input_size)
        opt = torch.optim.Adam(model.parameters(), 1e-4); rng = np.random.default_rng(0)
        g = torch.Generator(device=device).manual_seed(0) if device.type == 'cuda' else torch.Generator().manual_seed(0)
        amp = fast and device.type == 'cuda'
        if device.type == 'cuda': torch.cuda.reset_peak_memory_stats(device)
        times = []
        for it in range(iters + 2):
            idx = [(it * B + j) % len(ds) for j in range(B)]
            sync(device); t = time.perf_counter()
            if fast:
                b = ds.batch(idx, p.input_size, hm, augment=p.augment(), generator=g, device=device, sigma=sigma)
                x, y, w = b['image'], b['heatmap'], b['weight']
            else:
                x, y, w = (t_.to(device) for t_ in reference_batch(ds, idx, p.input_size, hm, sigma, rng))
            with torch.autocast(device.type, torch.bfloat16, enabled=amp):
                loss = joints_mse_loss(model(x), y, w)
            opt.zero_grad(); loss.backward(); opt.step(); sync(device)
            if it >= 2: times.append(time.perf_counter() - t)   # two warm-up steps
        rows[name] = {'img_per_s': B / np.median(times), 'peak_mb': peak_memory_mb(device)}
    return report(f'pose step ({size} size: {p.backbone}, {p.input_size} px, batch {B}, {device})', rows, out,
                  f'pose_{size}_{device.type}')


def bench_data(size: str, device, iters: int, out: Path) -> dict:
    p = get_profile(SIZES[size]['profile'])
    ds = load_task_data('rhd2h3d', get_profile('cpu', cache_size=p.cache_size, benchmark=DATA), progress=False)['source_train']
    B, hm = SIZES[size]['batch'], p.input_size // (2 if size == 'cpu' else 4)
    sigma = p.sigma or 2 * hm / 64; rng = np.random.default_rng(0); g = torch.Generator().manual_seed(0)
    rows = {}
    for name in ('reference', 'synreal'):
        times = []
        for it in range(iters + 1):
            idx = [(it * B + j) % len(ds) for j in range(B)]
            sync(device); t = time.perf_counter()
            if name == 'synreal':
                ds.batch(idx, p.input_size, hm, augment=p.augment(), generator=g if device.type == 'cpu' else None,
                         device=device, sigma=sigma)
            else:
                x, y, w = reference_batch(ds, idx, p.input_size, hm, sigma, rng)
                x, y = x.pin_memory().to(device) if device.type == 'cuda' else x, y.to(device)
            sync(device)
            if it >= 1: times.append(time.perf_counter() - t)
        rows[name] = {'samples_per_s': B / np.median(times)}
    return report(f'data pipeline ({size} size: {p.input_size} px, batch {B}, to {device})', rows, out,
                  f'data_{size}_{device.type}')


def bench_scaling(size: str, device, sizes, batches, out: Path) -> list:
    "Each point in a fresh process, so that peak memory is its own."
    rows = []
    for n in sizes:
        for b in batches:
            r = subprocess.run([sys.executable, __file__, '_epoch', '--size', size, '--device', str(device), '--data', DATA,
                                '--n', str(n), '--batch', str(b)], capture_output=True, text=True, check=True)
            rows.append(json.loads(r.stdout.strip().splitlines()[-1]))
            print(rows[-1], flush=True)
    lines = ['| samples | batch | epoch s | img/s | peak MB |', '|---|---|---|---|---|']
    lines += [f"| {r['n']} | {r['batch']} | {r['epoch_s']:.2f} | {r['n'] / r['epoch_s']:.0f} | {r['peak_mb']:.0f} |"
              for r in rows]
    text = f'## Scaling of one epoch ({size} size, {device})\n\n' + '\n'.join(lines) + '\n'
    print(text); (out / f'scaling_{size}_{device.type}.md').write_text(text)
    return rows


def one_epoch(size, device, n, batch):
    p = get_profile(SIZES[size]['profile'])
    ds = load_task_data('rhd2h3d', get_profile('cpu', cache_size=p.cache_size, benchmark=DATA), progress=False)['source_train']
    model = make_model(p, device, True); hm = model.heatmap_size(p.input_size)
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
    lines += [f'| {k} | ' + ' | '.join(f'{v[c]:.1f}' for c in keys) + ' |' for k, v in rows.items()]
    ratio = rows['synreal'][keys[0]] / rows['reference'][keys[0]]
    lines += ['', f'ratio synreal / reference ({keys[0]}): **{ratio:.2f}x**', '']
    text = '\n'.join(lines); print(text, flush=True); (out / f'{name}.md').write_text(text)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('what', choices=['pose', 'data', 'scaling', 'all', '_epoch'])
    ap.add_argument('--size', default='cpu', choices=sorted(SIZES))
    ap.add_argument('--device', default='auto')
    ap.add_argument('--iters', type=int, default=10)
    ap.add_argument('--sizes', type=int, nargs='+', default=[256, 512, 1024])
    ap.add_argument('--batches', type=int, nargs='+', default=[16, 32, 64])
    ap.add_argument('--n', type=int, default=256); ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--out', default='benchmarks/results')
    ap.add_argument('--data', default='default', choices=['default', 'smoke'], help='embedded benchmark size')
    a = ap.parse_args(argv)
    global DATA; DATA = a.data
    device = pick_device(a.device); out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    if a.what == '_epoch': return one_epoch(a.size, device, a.n, a.batch)
    if a.what in ('pose', 'all'): bench_pose(a.size, device, a.iters if a.what == 'pose' else 3, out)
    if a.what in ('data', 'all'): bench_data(a.size, device, a.iters if a.what == 'data' else 3, out)
    if a.what in ('scaling', 'all'):
        bench_scaling(a.size, device, a.sizes if a.what == 'scaling' else [32, 64, 128],
                      a.batches if a.what == 'scaling' else [16], out)


if __name__ == '__main__':
    main()
