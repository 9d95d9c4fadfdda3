"""Cost of one `+rec` training step relative to one plain pose step on the same batch.

The plain step is what `source_only` does: forward, `joints_mse_loss`, backward, Adam. The `+rec` step is what
`synreal.reconstruction.Rec.loss` does: the same source step plus `rec_batch` target pairs through the pose
predictor (both frames), W and G (frozen), the reconstruction loss, and the backward into the predictor.
Random tensors stand in for images, so no dataset is needed. Example:

    python benchmarks/reconstruction_step.py --device cpu --input-size 64
    python benchmarks/reconstruction_step.py --device cuda --input-size 256 --backbone resnet101 --size paper
"""
import argparse, time
import torch

from synreal.model import PosePredictor
from synreal.train import joints_mse_loss
from synreal.reconstruction import Reconstructor, reconstruct, make_rec_loss


def timed(step, device, repeats: int, warmup: int = 2) -> float:
    for _ in range(warmup): step()
    if device.type == 'cuda': torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(repeats): step()
    if device.type == 'cuda': torch.cuda.synchronize()
    return (time.perf_counter() - t0) / repeats


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--input-size', type=int, default=64)
    ap.add_argument('--batch-size', type=int, default=32, help='source batch (the plain step)')
    ap.add_argument('--rec-batch', type=int, default=16, help='target pairs per +rec step')
    ap.add_argument('--keypoints', type=int, default=21)
    ap.add_argument('--backbone', default='narrow')
    ap.add_argument('--head-width', type=int, default=64)
    ap.add_argument('--size', default='small', help="reconstructor size: 'paper', 'small' or 'tiny'")
    ap.add_argument('--rec-loss', default='l1')
    ap.add_argument('--vgg-weights', default=None)
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--threads', type=int, default=0, help='torch threads on CPU (0: torch default)')
    a = ap.parse_args(argv)
    if a.threads: torch.set_num_threads(a.threads)
    device = torch.device(a.device)
    torch.manual_seed(0)
    model = PosePredictor(a.keypoints, a.backbone, head_width=a.head_width).to(device).train()
    rec = Reconstructor(a.keypoints, a.size).to(device).eval().requires_grad_(False)
    loss_fn = make_rec_loss(a.rec_loss, a.vgg_weights).to(device)
    opt = torch.optim.Adam(model.parameters(), 1e-4)
    s = a.input_size
    hm = model.heatmap_size(s)
    x = torch.randn(a.batch_size, 3, s, s, device=device)
    y = torch.rand(a.batch_size, a.keypoints, hm, hm, device=device)
    xb, xd = torch.randn(2, a.rec_batch, 3, s, s, device=device)

    def pose_step():
        loss = joints_mse_loss(model(x), y)
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()

    def rec_step():
        loss = joints_mse_loss(model(x), y)
        out = reconstruct(model, rec, xb, xd)
        loss = loss + loss_fn(out['prediction'], out['driving'])
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()

    t_pose = timed(pose_step, device, a.repeats)
    t_rec = timed(rec_step, device, a.repeats)
    n_rec = sum(p.numel() for p in rec.parameters())
    print(f"device {device}, input {s} px, backbone {a.backbone}, reconstructor {a.size} ({n_rec / 1e6:.2f} M), "
          f"source batch {a.batch_size}, rec batch {a.rec_batch} pairs, threads {torch.get_num_threads()}")
    print(f"pose step: {t_pose * 1e3:.1f} ms")
    print(f"+rec step: {t_rec * 1e3:.1f} ms")
    print(f"ratio: {t_rec / t_pose:.2f}")


if __name__ == '__main__':
    main()
