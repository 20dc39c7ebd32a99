"""LPIPS (v0.1, AlexNet) as a function of two numpy images, with the network loaded once per process."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

from evaluator.metrics.box import Box
from evaluator.metrics.checks import pair_check

if TYPE_CHECKING:
    import torch

    from evaluator.metrics.lpips_net import LpipsNet

#: Smallest height/width the AlexNet trunk accepts (two 3x3 stride-2 max-pools after conv1).
MIN_SIDE = 31


def lpips(pred: np.ndarray, target: np.ndarray, *, box: Box | None = None) -> float | None:
    """LPIPS distance (lower is better, 0 for identical images) of two H x W x 3 images in [0, 1].

    Conventions (richzhang/PerceptualSimilarity, `lpips.LPIPS(net="alex", version="0.1")`): images
    as float32, scaled to [-1, 1], shifted/scaled by the LPIPS scaling layer, ImageNet AlexNet trunk
    (the 5 ReLU outputs of torchvision's alexnet.features), channel-normalised features, squared
    differences weighted by the v0.1 linear layers, spatial mean per layer, sum over the 5 layers.
    With `box`, the LPIPS of the crop box.crop(image). Returns None ("n/a") when the image or crop
    is smaller than 31 x 31 pixels, the smallest input the AlexNet trunk accepts.
    """
    pred, target = pair_check(pred, target)
    if box is not None:
        pred, target = box.crop(pred), box.crop(target)
    return lpips_checked(pred, target)


def lpips_checked(pred: np.ndarray, target: np.ndarray) -> float | None:
    """LPIPS of two already checked (and cropped) images; None when smaller than MIN_SIDE."""
    if min(pred.shape[0], pred.shape[1]) < MIN_SIDE:
        return None
    import torch

    from evaluator.metrics import native_ops

    net = lpips_network()
    with torch.inference_mode():
        if native_ops.metrics_native_unavailable_reason() is None:
            batch = native_ops.lpips_input_native(pred, target, shift=net.shift, scale=net.scale)
            return float(net.scaled_pair_distance(batch, passes=native_ops.COMPILED_PASSES)[0])
        return float(net.pair_distance(pair_tensor(pred, target))[0])


@functools.lru_cache(maxsize=1)
def lpips_network() -> LpipsNet:
    """The process-wide LPIPS network (genuine weights, eval mode, channels-last), loaded on first use."""
    import torch

    from evaluator.metrics.lpips_net import lpips_net_load

    return lpips_net_load().to(memory_format=torch.channels_last)


def image_tensor(image: np.ndarray) -> torch.Tensor:
    """1 x 3 x H x W float32 tensor in [-1, 1] (channels-last strides) of an H x W x 3 image in [0, 1]."""
    import torch

    tensor = torch.from_numpy(np.ascontiguousarray(image, dtype=np.dtype(np.float32)))
    return tensor.permute(2, 0, 1).unsqueeze(0).mul(2.0).sub_(1.0)


def pair_tensor(pred: np.ndarray, target: np.ndarray) -> torch.Tensor:
    """2 x 3 x H x W channels-last float32 batch [pred; target] in [-1, 1], values as image_tensor()."""
    import torch

    batch = torch.empty((2, *pred.shape), dtype=torch.float32)
    batch[0].copy_(torch.from_numpy(_native(pred)))
    batch[1].copy_(torch.from_numpy(_native(target)))
    return batch.mul_(2.0).sub_(1.0).permute(0, 3, 1, 2)


def _native(array: np.ndarray) -> np.ndarray:
    """The array itself when torch can wrap it, else a C-contiguous native-byte-order copy."""
    if array.dtype.isnative and all(step >= 0 for step in array.strides):
        return array
    return np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("="))
