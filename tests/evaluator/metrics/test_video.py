"""Video metrics: Sparse-VideoGen's SSIM against torch's avg_pool2d formula, frames, per-frame scores."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from evaluator.metrics.video import ssim_svg, video_frames, video_quality


def _pair(shape: tuple[int, int], seed: int, noise: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    target = rng.random((*shape, 3))
    return np.clip(target + noise * rng.standard_normal(target.shape), 0.0, 1.0), target


def _svg_torch(pred: np.ndarray, target: np.ndarray) -> float:
    """Independent: the released formula with torch's avg_pool2d (zero padding counted), float64."""
    a = torch.from_numpy(pred).permute(2, 0, 1)[None].double()
    b = torch.from_numpy(target).permute(2, 0, 1)[None].double()

    def pool(x: torch.Tensor) -> torch.Tensor:
        return F.avg_pool2d(x, kernel_size=11, stride=1, padding=5)

    mu1, mu2 = pool(a), pool(b)
    s1, s2, s12 = pool(a * a) - mu1**2, pool(b * b) - mu2**2, pool(a * b) - mu1 * mu2
    c1, c2 = 0.01**2, 0.03**2
    smap = ((2 * mu1 * mu2 + c1) * (2 * s12 + c2)) / ((mu1**2 + mu2**2 + c1) * (s1 + s2 + c2))
    return float(smap.mean())


@pytest.mark.parametrize("shape, seed, noise", [((32, 32), 0, 0.1), ((11, 11), 1, 0.3), ((45, 70), 2, 0.02)])
def test_ssim_svg_matches_the_avg_pool_formula(shape, seed, noise) -> None:
    pred, target = _pair(shape, seed, noise)
    assert ssim_svg(pred, target) == pytest.approx(_svg_torch(pred, target), abs=1e-12)


def test_ssim_svg_differs_from_the_cropped_reflect_convention() -> None:
    pred, target = _pair((32, 32), 3)
    cropped = structural_similarity(pred, target, win_size=11, data_range=1.0, channel_axis=-1,
                                    use_sample_covariance=False)  # fmt: skip
    assert abs(ssim_svg(pred, target) - cropped) > 1e-3
    assert ssim_svg(target, target) == pytest.approx(1.0)


def test_ssim_svg_refuses_small_images() -> None:
    with pytest.raises(ValueError, match="11 x 11"):
        ssim_svg(np.zeros((10, 12, 3)), np.zeros((10, 12, 3)))


def test_video_frames_maps_to_8_bit_unit_frames() -> None:
    video = np.linspace(-1.2, 1.2, 3 * 2 * 4 * 5).reshape(3, 2, 4, 5)
    frames = video_frames(video)
    assert frames.shape == (2, 4, 5, 3)
    expected = np.round(np.clip((video[:, 1, 2, 3] + 1) / 2, 0, 1) * 255) / 255
    np.testing.assert_allclose(frames[1, 2, 3], expected)
    assert frames.min() == 0.0 and frames.max() == 1.0
    with pytest.raises(ValueError, match="shaped"):
        video_frames(np.zeros((2, 2, 4, 4)))


def test_video_quality_scores_each_frame_against_skimage() -> None:
    rng = np.random.default_rng(5)
    target = rng.random((3, 32, 32, 3))
    pred = np.clip(target + 0.05 * rng.standard_normal(target.shape), 0, 1)
    pred[1] = target[1]  # an identical frame: PSNR capped at 100 dB, LPIPS 0
    q = video_quality(pred, target)
    for i in (0, 2):
        assert q.psnr[i] == pytest.approx(peak_signal_noise_ratio(target[i], pred[i], data_range=1.0))
        wang = structural_similarity(
            pred[i], target[i], gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
            data_range=1.0, channel_axis=-1,
        )  # fmt: skip
        assert q.ssim[i] == pytest.approx(wang, abs=1e-9)
        assert q.ssim_svg[i] == pytest.approx(_svg_torch(pred[i], target[i]), abs=1e-12)
    assert q.psnr[1] == 100.0 and q.ssim[1] == pytest.approx(1.0)
    assert q.lpips[1] == pytest.approx(0.0, abs=1e-6)
    assert q.lpips[0] > 0
    means = q.means()
    assert means["psnr"] == pytest.approx(np.mean(q.psnr))


def test_video_quality_lpips_is_na_for_small_frames() -> None:
    frames = np.full((2, 16, 16, 3), 0.5)
    assert video_quality(frames, frames).lpips is None
