"""A tiny video DiT: 3-D patches, 3-D RoPE, adaLN-Zero on timestep + class, an attention hook per layer."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .rope import rope_angles, rope_apply

#: attend(layer, q, k, v) -> out, with q, k, v of shape (batch, heads, tokens, head_dim).
Attend = Callable[[int, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


def attend_dense(layer: int, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Dense softmax attention (the default hook)."""
    return F.scaled_dot_product_attention(q, k, v)


@dataclass(frozen=True)
class DiTConfig:
    """Model shape: video geometry, 3-D patch, width, depth, heads and number of classes."""

    frames: int = 8
    size: int = 32
    channels: int = 3
    patch: tuple[int, int, int] = (1, 2, 2)
    dim: int = 128
    depth: int = 4
    heads: int = 4
    classes: int = 4
    mlp_ratio: int = 4

    def __post_init__(self) -> None:
        pt, ph, pw = self.patch
        if self.frames % pt or self.size % ph or self.size % pw:
            raise ValueError(f"DiTConfig.patch {self.patch} must divide (frames, size, size)")
        if self.dim % self.heads:
            raise ValueError(f"DiTConfig.dim {self.dim} must be a multiple of heads {self.heads}")

    @property
    def grid(self) -> tuple[int, int, int]:
        """Token grid (frames, rows, cols)."""
        pt, ph, pw = self.patch
        return self.frames // pt, self.size // ph, self.size // pw

    @property
    def tokens(self) -> int:
        """Tokens per video."""
        return math.prod(self.grid)

    @property
    def head_dim(self) -> int:
        """Channels per head."""
        return self.dim // self.heads

    def to_json(self) -> dict:
        """Plain JSON form (stored in the weights' metadata)."""
        return {**asdict(self), "patch": list(self.patch)}

    @classmethod
    def from_json(cls, data: dict) -> DiTConfig:
        """Inverse of to_json."""
        return cls(**{**data, "patch": tuple(data["patch"])})


def patchify(*, video: torch.Tensor, patch: tuple[int, int, int]) -> torch.Tensor:
    """(B, C, F, H, W) -> frame-major tokens (B, F/pt * H/ph * W/pw, C * pt * ph * pw)."""
    b, c, f, h, w = video.shape
    pt, ph, pw = patch
    x = video.reshape(b, c, f // pt, pt, h // ph, ph, w // pw, pw)
    return x.permute(0, 2, 4, 6, 1, 3, 5, 7).reshape(b, (f // pt) * (h // ph) * (w // pw), c * pt * ph * pw)


def unpatchify(
    *, tokens: torch.Tensor, patch: tuple[int, int, int], grid: tuple[int, int, int], channels: int
) -> torch.Tensor:
    """Inverse of patchify."""
    b = tokens.shape[0]
    (pt, ph, pw), (gf, gh, gw) = patch, grid
    x = tokens.reshape(b, gf, gh, gw, channels, pt, ph, pw)
    return x.permute(0, 4, 1, 5, 2, 6, 3, 7).reshape(b, channels, gf * pt, gh * ph, gw * pw)


def timestep_embedding(*, t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding (B, dim) of times t in [0, 1]."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    angles = 1000.0 * t.float()[:, None] * freqs[None, :]
    return torch.cat([angles.cos(), angles.sin()], dim=1)


def _modulate(x: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """adaLN modulation of normalised tokens."""
    return x * (1 + scale[:, None]) + shift[:, None]


class Block(nn.Module):
    """One transformer block: adaLN-Zero, attention through the hook, MLP."""

    def __init__(self, config: DiTConfig) -> None:
        super().__init__()
        d = config.dim
        self.heads = config.heads
        self.norm1 = nn.LayerNorm(d, elementwise_affine=False, eps=1e-6)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.norm2 = nn.LayerNorm(d, elementwise_affine=False, eps=1e-6)
        self.mlp = nn.Sequential(
            nn.Linear(d, config.mlp_ratio * d),
            nn.GELU(approximate="tanh"),
            nn.Linear(config.mlp_ratio * d, d),
        )
        self.ada = nn.Linear(d, 6 * d)
        nn.init.zeros_(self.ada.weight)
        nn.init.zeros_(self.ada.bias)

    def forward(
        self, x: torch.Tensor, c: torch.Tensor, angles: torch.Tensor, layer: int, attend: Attend
    ) -> torch.Tensor:
        """Tokens (B, N, dim) conditioned on c (B, dim)."""
        shift_a, scale_a, gate_a, shift_m, scale_m, gate_m = self.ada(F.silu(c)).chunk(6, dim=1)
        h = _modulate(self.norm1(x), shift_a, scale_a)
        q, k, v = self.qkv(h).unflatten(-1, (3, self.heads, -1)).permute(2, 0, 3, 1, 4)
        q, k = rope_apply(x=q, angles=angles), rope_apply(x=k, angles=angles)
        out = attend(layer, q, k, v)
        x = x + gate_a[:, None] * self.proj(out.transpose(1, 2).flatten(2))
        return x + gate_m[:, None] * self.mlp(_modulate(self.norm2(x), shift_m, scale_m))


class VideoDiT(nn.Module):
    """The model: predicts the flow velocity (noise - data) of a noisy video at time t for a class."""

    def __init__(self, config: DiTConfig) -> None:
        super().__init__()
        self.config = config
        d, patch_dim = config.dim, config.channels * math.prod(config.patch)
        self.embed = nn.Linear(patch_dim, d)
        self.time_mlp = nn.Sequential(nn.Linear(d, d), nn.SiLU(), nn.Linear(d, d))
        self.class_embed = nn.Embedding(config.classes, d)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.depth))
        self.final_norm = nn.LayerNorm(d, elementwise_affine=False, eps=1e-6)
        self.final_ada = nn.Linear(d, 2 * d)
        self.out = nn.Linear(d, patch_dim)
        for layer in (self.final_ada, self.out):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)
        self.register_buffer(
            "angles", rope_angles(grid=config.grid, head_dim=config.head_dim), persistent=False
        )

    def forward(
        self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor, attend: Attend = attend_dense
    ) -> torch.Tensor:
        """Velocity (B, C, F, H, W) for videos x at times t (B,) of classes labels (B,)."""
        cfg = self.config
        if x.shape[1:] != (cfg.channels, cfg.frames, cfg.size, cfg.size):
            raise ValueError(
                f"video shape {tuple(x.shape[1:])} does not match the config "
                f"{(cfg.channels, cfg.frames, cfg.size, cfg.size)}"
            )
        h = self.embed(patchify(video=x, patch=cfg.patch))
        c = self.time_mlp(timestep_embedding(t=t, dim=cfg.dim)) + self.class_embed(labels)
        for i, block in enumerate(self.blocks):
            h = block(h, c, self.angles, i, attend)
        shift, scale = self.final_ada(F.silu(c)).chunk(2, dim=1)
        h = self.out(_modulate(self.final_norm(h), shift, scale))
        return unpatchify(tokens=h, patch=cfg.patch, grid=cfg.grid, channels=cfg.channels)
