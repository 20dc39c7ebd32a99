"""Argument checks shared by the image metrics: ValueError naming the bad value."""

from __future__ import annotations

import numpy as np


def image_check(image: object, *, name: str) -> np.ndarray:
    """Return `image` if it is a finite H x W x 3 float array in [0, 1]; ValueError naming the problem."""
    if not isinstance(image, np.ndarray):
        raise ValueError(f"{name} must be a numpy array, got {type(image).__name__}")
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"{name} must have shape H x W x 3, got shape {image.shape}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"{name} must not be empty, got shape {image.shape}")
    if not np.issubdtype(image.dtype, np.floating):
        raise ValueError(f"{name} must be a float array with values in [0, 1], got dtype {image.dtype}")
    low, high = float(np.min(image)), float(np.max(image))
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError(f"{name} contains NaN or infinite values")
    if low < 0.0 or high > 1.0:
        raise ValueError(f"{name} values must lie in [0, 1], got range [{low:.6g}, {high:.6g}]")
    return image


def pair_check(pred: object, target: object) -> tuple[np.ndarray, np.ndarray]:
    """Check both images and that their shapes match; return them."""
    pred_arr = image_check(pred, name="pred")
    target_arr = image_check(target, name="target")
    if pred_arr.shape != target_arr.shape:
        raise ValueError(f"pred shape {pred_arr.shape} does not match target shape {target_arr.shape}")
    return pred_arr, target_arr


def mask_check(mask: object, *, shape: tuple[int, ...]) -> np.ndarray:
    """Return `mask` if it is a boolean array of the given H x W shape; ValueError naming the problem."""
    if not isinstance(mask, np.ndarray):
        raise ValueError(f"mask must be a numpy array, got {type(mask).__name__}")
    if mask.dtype != np.bool_:
        raise ValueError(f"mask must be a boolean array, got dtype {mask.dtype}")
    if mask.shape != tuple(shape):
        raise ValueError(f"mask shape {mask.shape} does not match image shape {tuple(shape)}")
    return mask
