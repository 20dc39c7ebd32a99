"""Per-head attention pattern statistics: band, temporal multi-diagonal, stripes, rest."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .model import VideoDiT
from .sampler import SamplerConfig, noise_draw, sample_video

#: A head is labelled by its largest category when that category holds at least this share of the mass.
STRUCTURED_SHARE = 0.3


@dataclass(frozen=True)
class PatternGeometry:
    """The band (frame distance <= band_frames, row/column <= band_radius), stripe count."""

    band_frames: int = 1
    band_radius: int = 2
    stripes: int = 8


DEFAULT_GEOMETRY = PatternGeometry()
DEFAULT_SAMPLER = SamplerConfig()


@dataclass(frozen=True)
class HeadStats:
    """Mean shares of one head's attention mass per category (they sum to 1) and its label."""

    layer: int
    head: int
    band: float
    temporal: float
    stripes: float
    rest: float
    label: str


def token_coords(*, grid: tuple[int, int, int]) -> torch.Tensor:
    """(tokens, 3) frame, row and column of each frame-major token."""
    f, h, w = grid
    ff, hh, ww = torch.meshgrid(torch.arange(f), torch.arange(h), torch.arange(w), indexing="ij")
    return torch.stack([ff.flatten(), hh.flatten(), ww.flatten()], dim=1)


def pattern_masks(
    *, grid: tuple[int, int, int], geometry: PatternGeometry
) -> tuple[torch.Tensor, torch.Tensor]:
    """Boolean (tokens, tokens) masks of the band and of the temporal multi-diagonal (outside the band)."""
    c = token_coords(grid=grid)
    d = (c[:, None, :] - c[None, :, :]).abs()
    band = (
        (d[..., 0] <= geometry.band_frames)
        & (d[..., 1] <= geometry.band_radius)
        & (d[..., 2] <= geometry.band_radius)
    )
    temporal = (d[..., 1] == 0) & (d[..., 2] == 0) & ~band
    return band, temporal


def pattern_shares(
    *, probs: torch.Tensor, band: torch.Tensor, temporal: torch.Tensor, stripes: int
) -> torch.Tensor:
    """Shares (heads, 4) of probs (heads, q, k): band, temporal, stripes (top remaining columns), rest."""
    q = probs.shape[-2]
    band_share = (probs * band).sum((-2, -1)) / q
    temporal_share = (probs * temporal).sum((-2, -1)) / q
    remaining = probs * ~(band | temporal)
    columns = remaining.sum(-2) / q
    stripe_share = columns.topk(min(stripes, columns.shape[-1]), dim=-1).values.sum(-1)
    rest = columns.sum(-1) - stripe_share
    return torch.stack([band_share, temporal_share, stripe_share, rest], dim=-1)


def uniform_shares(
    *, grid: tuple[int, int, int], geometry: PatternGeometry
) -> tuple[float, float, float, float]:
    """The shares a uniform (fully diffuse) head would get: the baseline that structure is judged against."""
    n = grid[0] * grid[1] * grid[2]
    band, temporal = pattern_masks(grid=grid, geometry=geometry)
    shares = pattern_shares(
        probs=torch.full((1, n, n), 1.0 / n), band=band, temporal=temporal, stripes=geometry.stripes
    )
    return tuple(float(x) for x in shares[0])


def head_label(*, band: float, temporal: float, stripes: float) -> str:
    """The dominant structured category, or "diffuse" when none holds STRUCTURED_SHARE of the mass."""
    name, share = max((("band", band), ("temporal", temporal), ("stripes", stripes)), key=lambda kv: kv[1])
    return name if share >= STRUCTURED_SHARE else "diffuse"


class ShareRecorder:
    """An attention hook that accumulates each (layer, head)'s pattern shares and returns dense attention."""

    def __init__(self, *, model: VideoDiT, geometry: PatternGeometry = PatternGeometry()) -> None:
        cfg = model.config
        self.geometry = geometry
        self.band, self.temporal = pattern_masks(grid=cfg.grid, geometry=geometry)
        self.sums = torch.zeros(cfg.depth, cfg.heads, 4, dtype=torch.float64)
        self.counts = torch.zeros(cfg.depth, dtype=torch.int64)

    def __call__(
        self, step: int, layer: int, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor
    ) -> torch.Tensor:
        """Dense attention; records the shares of every video of the batch."""
        probs = torch.softmax((q @ k.transpose(-2, -1)) * q.shape[-1] ** -0.5, dim=-1)
        for b in range(q.shape[0]):
            self.sums[layer] += pattern_shares(
                probs=probs[b], band=self.band, temporal=self.temporal, stripes=self.geometry.stripes
            ).double()
            self.counts[layer] += 1
        return probs @ v

    def stats(self) -> list[HeadStats]:
        """Mean shares per head over every recorded call."""
        out = []
        for layer in range(self.sums.shape[0]):
            if not self.counts[layer]:
                raise ValueError(f"no attention call recorded for layer {layer}")
            for head in range(self.sums.shape[1]):
                band, temporal, stripes, rest = (
                    float(x) for x in self.sums[layer, head] / self.counts[layer]
                )
                out.append(
                    HeadStats(
                        layer=layer,
                        head=head,
                        band=band,
                        temporal=temporal,
                        stripes=stripes,
                        rest=rest,
                        label=head_label(band=band, temporal=temporal, stripes=stripes),
                    )
                )
        return out


def heads_measure(
    *,
    model: VideoDiT,
    seeds: list[int],
    sampler: SamplerConfig = DEFAULT_SAMPLER,
    geometry: PatternGeometry = DEFAULT_GEOMETRY,
) -> list[HeadStats]:
    """Each head's mean shares over every step of sampling one video per seed (class = seed mod classes)."""
    recorder = ShareRecorder(model=model, geometry=geometry)
    for seed in seeds:
        noise = noise_draw(seed=seed, batch=1, model=model)
        labels = torch.tensor([seed % model.config.classes])
        sample_video(model=model, noise=noise, labels=labels, config=sampler, attend=recorder)
    return recorder.stats()
