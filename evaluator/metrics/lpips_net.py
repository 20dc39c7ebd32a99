"""LPIPS network in plain torch: scaling layer, AlexNet trunk (5 ReLU taps), v0.1 linear heads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from evaluator.metrics.lpips_weights import linear_weights, trunk_weights

#: LPIPS input scaling: x' = (x - SHIFT) / SCALE, x in [-1, 1].
SHIFT = (-0.030, -0.088, -0.188)
SCALE = (0.458, 0.448, 0.450)
EPS = 1e-10


@dataclass(frozen=True)
class CompiledPasses:
    """Faster equivalents of two steps of ``LpipsNet.scaled_pair_distance`` (see native_ops)."""

    #: (2 x C x h x w features of one pair, eps=) -> float64 (C,) spatial sums of the squared
    #: difference of the unit-normalised features
    layer_sums: Callable[..., torch.Tensor]
    #: (input, a 3x3 stride-1 padding-1 nn.Conv2d) -> ReLU(conv(input)), channels-last
    conv3x3_relu: Callable[[torch.Tensor, nn.Conv2d], torch.Tensor]


class AlexTrunk(nn.Module):
    """torchvision alexnet.features up to the 5th ReLU; forward returns the 5 ReLU outputs."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2)
        self.conv2 = nn.Conv2d(64, 192, kernel_size=5, padding=2)
        self.conv3 = nn.Conv2d(192, 384, kernel_size=3, padding=1)
        self.conv4 = nn.Conv2d(384, 256, kernel_size=3, padding=1)
        self.conv5 = nn.Conv2d(256, 256, kernel_size=3, padding=1)

    def convs(self) -> list[nn.Conv2d]:
        """The 5 convolutions in order."""
        return [self.conv1, self.conv2, self.conv3, self.conv4, self.conv5]

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        relu1 = F.relu(self.conv1(x))
        relu2 = F.relu(self.conv2(F.max_pool2d(relu1, kernel_size=3, stride=2)))
        relu3 = F.relu(self.conv3(F.max_pool2d(relu2, kernel_size=3, stride=2)))
        relu4 = F.relu(self.conv4(relu3))
        relu5 = F.relu(self.conv5(relu4))
        return [relu1, relu2, relu3, relu4, relu5]


class LpipsNet(nn.Module):
    """LPIPS(v0.1, AlexNet) between image batches in [-1, 1] (N x 3 x H x W float32)."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("shift", torch.tensor(SHIFT, dtype=torch.float32).view(1, 3, 1, 1))
        self.register_buffer("scale", torch.tensor(SCALE, dtype=torch.float32).view(1, 3, 1, 1))
        self.trunk = AlexTrunk()
        self.lins = nn.ModuleList(
            nn.Conv2d(c, 1, kernel_size=1, bias=False) for c in (64, 192, 384, 256, 256)
        )

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Channel-normalised ReLU taps of the scaled input."""
        return [_unit_normalise(f) for f in self.trunk((x - self.shift) / self.scale)]

    def layer_maps(self, a: torch.Tensor, b: torch.Tensor) -> list[torch.Tensor]:
        """Per-layer LPIPS maps (N x 1 x h_l x w_l): linear head of the squared feature differences."""
        if a.shape[0] == b.shape[0]:
            feats = self.features(torch.cat([a, b]))
            pairs = [f.chunk(2) for f in feats]
        else:
            pairs = list(zip(self.features(a), self.features(b), strict=True))
        return [lin((fa - fb) ** 2) for lin, (fa, fb) in zip(self.lins, pairs, strict=True)]

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """LPIPS per pair (N,): spatial mean of each layer map, summed over the 5 layers."""
        return sum(m.mean(dim=(2, 3)) for m in self.layer_maps(a, b)).view(-1)

    def distance(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """LPIPS per pair (N,), float64: the forward() value computed with fewer, in-place passes."""
        return self.pair_distance(torch.cat([a, b]).contiguous(memory_format=torch.channels_last))

    def pair_distance(self, pairs: torch.Tensor) -> torch.Tensor:
        """LPIPS of the batch [a; b] (2N x 3 x H x W in [-1, 1]; channels-last is fastest), (N,) float64."""
        return self.scaled_pair_distance(pairs.sub(self.shift).div_(self.scale))

    def scaled_pair_distance(self, x: torch.Tensor, *, passes: CompiledPasses | None = None) -> torch.Tensor:
        """LPIPS of the already scaled batch [a; b], (N,) float64.

        One batched trunk pass, the normalisation in place, and the linear head applied after the
        spatial mean (they commute); the sum over layers is accumulated in float64. ``passes``, for
        a single pair, replace the 3x3 convolutions and each layer's normalise-difference-square-sum.
        """
        count = x.shape[0] // 2
        total = torch.zeros(count, dtype=torch.float64, device=x.device)
        for index, (conv, lin) in enumerate(zip(self.trunk.convs(), self.lins, strict=True)):
            if index in (1, 2):
                x = F.max_pool2d(x, kernel_size=3, stride=2)
            if passes is not None and conv.kernel_size == (3, 3):
                x = passes.conv3x3_relu(x, conv)
            else:
                x = conv(x).relu_()
            if passes is not None and count == 1:
                sums = passes.layer_sums(x, eps=EPS).view(1, -1)
            else:
                norm = torch.linalg.vector_norm(x, dim=1, keepdim=True).add_(EPS)
                diff = x[:count] / norm[:count]
                diff.sub_(x[count:] / norm[count:]).square_()
                sums = diff.sum(dim=(2, 3)).to(torch.float64)
            total += (sums / (x.shape[2] * x.shape[3])) @ lin.weight.view(-1).to(torch.float64)
        return total

    def spatial(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """LPIPS map (N x 1 x H x W): layer maps upsampled bilinearly to the input size and summed."""
        size = a.shape[2:]
        maps = self.layer_maps(a, b)
        return sum(F.interpolate(m, size=size, mode="bilinear", align_corners=False) for m in maps)


def _unit_normalise(feat: torch.Tensor) -> torch.Tensor:
    """Divide each feature vector by its L2 norm over channels (+1e-10), as LPIPS does."""
    return feat / (torch.sqrt(torch.sum(feat**2, dim=1, keepdim=True)) + EPS)


def lpips_net_load() -> LpipsNet:
    """An LpipsNet in eval mode with the genuine weights, gradients off."""
    net = LpipsNet()
    with torch.no_grad():
        for conv, (weight, bias) in zip(net.trunk.convs(), trunk_weights(), strict=True):
            _copy_checked(conv.weight, weight, name="trunk weight")
            _copy_checked(conv.bias, bias, name="trunk bias")
        for lin, weight in zip(net.lins, linear_weights(), strict=True):
            _copy_checked(lin.weight, weight, name="linear weight")
    net.eval()
    net.requires_grad_(False)
    return net


def _copy_checked(param: torch.Tensor, value: np.ndarray, *, name: str) -> None:
    """Copy value into param after checking the shape."""
    if tuple(param.shape) != value.shape:
        raise ValueError(f"{name} has shape {value.shape}, expected {tuple(param.shape)}")
    param.copy_(torch.from_numpy(value))
