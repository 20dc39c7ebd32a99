"""LPIPS reproduces the published reference values with the genuine offline weights."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from evaluator.metrics import Box, lpips
from evaluator.metrics.lpips import image_tensor, lpips_network
from evaluator.metrics.lpips_weights import array_pickle_load

REFERENCE = Path(__file__).resolve().parent / "data" / "lpips"  # the LPIPS authors' images (README there)


def _reference_image(name: str) -> np.ndarray:
    from PIL import Image

    with Image.open(REFERENCE / f"{name}.png") as img:
        return np.asarray(img.convert("RGB"), dtype=np.float64) / 255.0


def _spatial_mean(pred: np.ndarray, target: np.ndarray) -> float:
    import torch

    with torch.inference_mode():
        return float(lpips_network().spatial(image_tensor(target), image_tensor(pred)).mean())


@pytest.mark.parametrize(("name", "published"), [("ex_p0", 0.722), ("ex_p1", 0.138)])
def test_lpips_spatial_mean_reproduces_published_values(name: str, published: float) -> None:
    ref, other = _reference_image("ex_ref"), _reference_image(name)
    assert round(_spatial_mean(other, ref), 3) == published


@pytest.mark.parametrize(("name", "published"), [("ex_p0", 0.722), ("ex_p1", 0.138)])
def test_lpips_reproduces_published_values(name: str, published: float) -> None:
    ref, other = _reference_image("ex_ref"), _reference_image(name)
    assert round(lpips(other, ref), 3) == published


def test_lpips_non_spatial_value_matches_five_digit_reference() -> None:
    ref, p0 = _reference_image("ex_ref"), _reference_image("ex_p0")
    assert lpips(p0, ref) == pytest.approx(0.72188, abs=5e-6)


def test_lpips_fast_distance_equals_plain_forward() -> None:
    import torch

    rng = np.random.default_rng(0)
    target = rng.random((70, 90, 3))
    pred = np.clip(target + 0.2 * rng.standard_normal(target.shape), 0, 1)
    with torch.inference_mode():
        plain = float(lpips_network()(image_tensor(pred), image_tensor(target)))
    assert lpips(pred, target) == pytest.approx(plain, abs=1e-6)


def test_lpips_of_identical_images_is_zero() -> None:
    ref = _reference_image("ex_ref")
    assert lpips(ref, ref) == 0.0


def test_lpips_is_symmetric() -> None:
    ref, p1 = _reference_image("ex_ref"), _reference_image("ex_p1")
    assert lpips(ref, p1) == pytest.approx(lpips(p1, ref), abs=1e-7)


def test_lpips_with_box_equals_lpips_of_the_crop() -> None:
    ref, p0 = _reference_image("ex_ref"), _reference_image("ex_p0")
    box = Box(top=8, left=4, bottom=56, right=60)
    assert lpips(p0, ref, box=box) == pytest.approx(lpips(box.crop(p0), box.crop(ref)), abs=1e-9)
    assert lpips(p0, ref, box=box) != pytest.approx(lpips(p0, ref), abs=1e-3)


def test_lpips_is_none_below_the_network_minimum_size() -> None:
    image = np.full((40, 40, 3), 0.5)
    assert lpips(image, image * 0.5, box=Box(top=0, left=0, bottom=30, right=40)) is None
    assert lpips(image[:31, :31], image[:31, :31] * 0.5) is not None


def test_lpips_rejects_out_of_range_input() -> None:
    with pytest.raises(ValueError, match="target values must lie in"):
        lpips(np.zeros((40, 40, 3)), np.full((40, 40, 3), 255.0))


def test_array_pickle_load_reads_arrays_and_refuses_other_globals(tmp_path: Path) -> None:
    good = tmp_path / "good.pkl"
    good.write_bytes(pickle.dumps({"layer": {"kernel": np.arange(6, dtype=np.float32).reshape(2, 3)}}))
    loaded = array_pickle_load(good)
    assert np.array_equal(loaded["layer"]["kernel"], np.arange(6, dtype=np.float32).reshape(2, 3))
    bad = tmp_path / "bad.pkl"
    bad.write_bytes(b"cos\nsystem\n(S'echo owned'\ntR.")
    with pytest.raises(pickle.UnpicklingError, match="refusing to load global os.system"):
        array_pickle_load(bad)
