"""Input checks name the bad value; mask_box is the tight box, grown (and padded on request) and clipped."""

from __future__ import annotations

import numpy as np
import pytest

from evaluator.metrics import Box, image_scores, lpips, mask_box, psnr, psnr_clamp, ssim


def _image(shape: tuple[int, ...] = (16, 16, 3), dtype: type = np.float64) -> np.ndarray:
    return np.full(shape, 0.5, dtype=dtype)


@pytest.mark.parametrize("metric", [psnr, ssim, lpips])
@pytest.mark.parametrize(
    ("pred", "message"),
    [
        (_image((16, 16)), r"H x W x 3.*\(16, 16\)"),
        (_image((16, 16, 4)), r"H x W x 3.*\(16, 16, 4\)"),
        (np.full((16, 16, 3), 128, dtype=np.uint8), "dtype uint8"),
        (_image() * 3.0, r"\[0, 1\].*range \[1.5, 1.5\]"),
        (_image() - 0.75, r"range \[-0.25, -0.25\]"),
        (np.where(np.eye(16, dtype=bool)[..., None], np.nan, _image()), "NaN"),
        (_image((17, 16, 3)), r"pred shape \(17, 16, 3\) does not match target shape \(16, 16, 3\)"),
        ([[0.5]], "numpy array, got list"),
    ],
)
def test_metric_rejects_bad_pred_naming_the_value(metric, pred, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        metric(pred, _image())


def test_psnr_rejects_mask_of_wrong_dtype_and_shape() -> None:
    with pytest.raises(ValueError, match="boolean.*uint8"):
        psnr(_image(), _image(), mask=np.ones((16, 16), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"mask shape \(8, 16\)"):
        psnr(_image(), _image(), mask=np.ones((8, 16), dtype=bool))


def test_mask_box_is_the_tight_box_by_default_as_spare_crops() -> None:
    mask = np.zeros((100, 120), dtype=bool)
    mask[30:51, 40:71] = True
    mask[40, 35] = True  # one stray pixel widens the box to the left
    assert mask_box(mask) == Box(top=30, left=35, bottom=51, right=71)


def test_mask_box_pads_when_asked() -> None:
    mask = np.zeros((100, 120), dtype=bool)
    mask[30:51, 40:71] = True
    assert mask_box(mask, pad=5) == Box(top=25, left=35, bottom=56, right=76)


def test_mask_box_grows_to_the_lpips_minimum_when_asked() -> None:
    mask = np.zeros((100, 120), dtype=bool)
    mask[30:51, 40:71] = True
    assert mask_box(mask, min_size=31) == Box(top=25, left=40, bottom=56, right=71)


def test_mask_box_grows_a_single_pixel_to_eleven_by_eleven() -> None:
    mask = np.zeros((100, 120), dtype=bool)
    mask[50, 60] = True
    box = mask_box(mask, pad=0)
    assert box == Box(top=45, left=55, bottom=56, right=66)


def test_mask_box_clips_to_the_image_and_keeps_min_size() -> None:
    mask = np.zeros((40, 30), dtype=bool)
    mask[0, 29] = True
    box = mask_box(mask)
    assert box == Box(top=0, left=19, bottom=11, right=30)
    assert (box.height, box.width) == (11, 11)


def test_mask_box_of_image_smaller_than_min_size_is_the_whole_image() -> None:
    mask = np.zeros((6, 30), dtype=bool)
    mask[3, 3] = True
    assert mask_box(mask) == Box(top=0, left=0, bottom=6, right=11)


def test_mask_box_of_empty_mask_is_none() -> None:
    assert mask_box(np.zeros((20, 20), dtype=bool)) is None


def test_mask_box_rejects_non_boolean_mask() -> None:
    with pytest.raises(ValueError, match="float64"):
        mask_box(np.ones((20, 20)))


def test_box_crop_returns_the_rows_and_columns_and_rejects_outside() -> None:
    array = np.arange(200).reshape(10, 20)
    box = Box(top=2, left=3, bottom=5, right=9)
    assert np.array_equal(box.crop(array), array[2:5, 3:9])
    with pytest.raises(ValueError, match="does not fit"):
        Box(top=0, left=0, bottom=11, right=5).crop(array)


def test_box_rejects_empty_extent() -> None:
    with pytest.raises(ValueError, match="top < bottom"):
        Box(top=4, left=0, bottom=4, right=5)


def test_image_scores_rejects_bad_target_before_any_work() -> None:
    with pytest.raises(ValueError, match="target must have shape H x W x 3"):
        image_scores(_image(), _image((16, 16)), mask=np.ones((16, 16), dtype=bool))


def test_psnr_clamp_caps_infinity_and_keeps_none() -> None:
    assert psnr_clamp(float("inf")) == 100.0
    assert psnr_clamp(31.5, ceiling_db=30.0) == 30.0
    assert psnr_clamp(None) is None
