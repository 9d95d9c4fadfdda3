"""CC-SSL's flip and temporal consistency (nbs/35_ccssl.ipynb), on hand-made heatmaps and labels."""
import torch
from synreal.config import RunConfig, get_profile
from synreal.data.augment import resize_matrices
from synreal.keypoints import BODY16, heatmap_targets
from synreal.methods import get_method
from synreal.methods.ccssl import (consistent_labels, flip_back, flip_matrices, sequence_prev,
                                   temporal_consistency, warp_heatmaps)


def test_flip_back_mirrors_and_swaps_left_and_right():
    hm = torch.zeros(2, 16, 16, 16)
    hm[0, 10, 3, 4] = 1.0     # r_wrist at (x 4, y 3) of the mirrored input
    hm[1, 6, 8, 15] = 0.25    # pelvis (no mirror joint) at the right edge
    out = flip_back(hm, BODY16.flip_index, 16)
    expected = torch.zeros_like(hm)
    expected[0, 15, 3, 16 - 1 - 4] = 1.0   # the left wrist, mirrored
    expected[1, 6, 8, 0] = 0.25
    assert torch.allclose(out, expected, atol=1e-5)


def test_flip_back_at_a_stride_is_the_flipped_view_warped_back():
    hm = heatmap_targets(torch.tensor([[[20., 30.], [44., 10.], [33., 50.]]]), torch.ones(1, 3), 64, 32, 1.5)[0]
    swap = torch.tensor([2, 1, 0])
    m0 = resize_matrices(1, 96, 64)
    assert torch.allclose(flip_back(hm, swap, 64), warp_heatmaps(hm[:, swap], flip_matrices(m0, 64), m0, 64), atol=1e-5)


def test_consistency_drops_left_right_confusions_only_with_the_flip():
    S, IN = 64, 64
    kp = torch.tensor([[[16., 20.], [32., 40.], [50., 24.]]])
    yy, xx = torch.meshgrid(torch.arange(S), torch.arange(S), indexing='ij')
    imgs = (255 * sum(torch.exp(-((xx - x) ** 2 + (yy - y) ** 2) / 8.) for x, y in kp[0]).clamp(0, 1)
            ).to(torch.uint8).expand(1, 3, S, S).clone()
    mats = resize_matrices(1, S, IN)[None]   # one plain view
    flipped = flip_matrices(mats[0], IN)
    def confused(x):   # answers the unmirrored joint order in the mirrored view
        from synreal.utils import normalize_imagenet
        from synreal.data.augment import warp_images, warp_keypoints
        is_flip = torch.allclose(normalize_imagenet(warp_images(imgs, flipped, IN)), x)
        return heatmap_targets(warp_keypoints(kp, flipped if is_flip else mats[0]), torch.ones(1, 3), IN, IN // 2, 2.0)[0]
    pair = torch.tensor([2, 1, 0])
    out = consistent_labels(confused, imgs, mats, IN, 0.05, pair)
    assert out['consistent'].tolist() == [[False, True, False]]
    assert (out['confidence'][0, [0, 2]] == 0).all() and out['confidence'][0, 1] > 0.5
    assert consistent_labels(confused, imgs, mats, IN, 0.05)['consistent'].all()


def test_temporal_consistency_on_a_hand_made_sequence():
    names = [f'seq_a/seq_a_{i:06d}.jpg' for i in (3, 1, 2)] + ['seq_b/seq_b_000001.jpg']
    prev = sequence_prev(names)
    assert prev.tolist() == [2, -1, 1, -1]
    kp = torch.tensor([[[5., 5.]], [[0., 0.]], [[1., 0.]], [[1., 1.]]])    # frame order: 1, 2, 3 of seq_a, then seq_b
    conf = torch.tensor([[0.1], [1.0], [0.5], [0.1]])
    out = temporal_consistency(kp, conf, prev, tol=2.0)
    # frame 2 (within 2 px, 0.5 < 0.9) takes frame 1's label; frame 3 is 7 px away: kept; seq_b has no previous frame
    assert out['replaced'].flatten().tolist() == [False, False, True, False]
    assert out['keypoint'][2].tolist() == [[0., 0.]] and abs(out['confidence'][2, 0].item() - 0.9) < 1e-6
    assert out['keypoint'][0].tolist() == [[5., 5.]] and out['confidence'][0, 0].item() == conf[0, 0].item()


def test_the_authors_optimiser_under_the_paper_profile():
    method = get_method('ccssl')
    assert method.defaults['optimizer'] == 'rmsprop' and method.defaults['flip'] and method.defaults['temporal'] == 15 / 256
    assert method.defaults['lr'] == 2.5e-4   # train_options.py --learning-rate, whatever the profile's lr
    assert method.title == 'CC-SSL' and method.defaults['flow'] == 'lk'   # the authors' Lucas-Kanade flow
