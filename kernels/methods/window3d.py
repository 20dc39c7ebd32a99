"""A sliding 3-D window over the video grid, as a tiled block layout (a baseline, not a paper's method).

The video tokens are reordered tile by tile (tiles of ``tile`` = (frames, rows, columns) tokens, one
kernel block each), and each query tile attends to the key tiles whose tile coordinates lie within
``window`` (tiles per axis, centred, clipped at the grid's edges): the 3-D neighbourhood of its
tile. Text tokens, after the video, attend and are attended in full. It is the tile-granular form
of a sliding window (tiles at a tile's distance are kept whole, so each query sees its tile's
neighbourhood and a little more, never less).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from kernels.layout import BlockLayout


@dataclass(frozen=True)
class Window3dParams:
    """Tile and window sizes; ``grid`` (frames, height, width) is set by the harness from the inputs."""

    tile: tuple[int, int, int] = (2, 8, 8)
    window: tuple[int, int, int] = (3, 3, 3)
    grid: tuple[int, int, int] | None = None

    def __post_init__(self):
        """Check sizes: positive tiles, odd positive windows."""
        if min(self.tile) < 1 or len(self.tile) != 3:
            raise ValueError(f"tile must be three positive sizes, got {self.tile}")
        if len(self.window) != 3 or min(self.window) < 1 or any(w % 2 == 0 for w in self.window):
            raise ValueError(f"window must be three odd positive tile counts, got {self.window}")

    @property
    def block(self) -> int:
        """Tokens per tile: the kernel block size."""
        return math.prod(self.tile)


def tile_order(
    *, grid: tuple[int, int, int], tile: tuple[int, int, int], extra_tokens: int = 0
) -> torch.Tensor:
    """Permutation of frame-major (f, y, x) tokens into tile-major order (tiles in (f, y, x) order, tokens
    within a tile in (f, y, x) order); extra tokens stay at the end: new[i] = old[perm[i]]."""
    (f, h, w), (tf, th, tw) = grid, tile
    if f % tf or h % th or w % tw:
        raise ValueError(f"grid {grid} is not a whole number of tiles {tile}")
    idx = torch.arange(f * h * w).view(f // tf, tf, h // th, th, w // tw, tw)
    video = idx.permute(0, 2, 4, 1, 3, 5).reshape(-1)
    return torch.cat([video, torch.arange(f * h * w, f * h * w + extra_tokens)])


def window3d_build_layout(q: torch.Tensor, k: torch.Tensor, params: Window3dParams) -> BlockLayout:
    """The tiled window layout for every head of q, k ``[B, H, N, d]``."""
    if params.grid is None:
        raise ValueError("window_3d needs the video grid (frames, height, width)")
    bsz, heads, n, _ = q.shape
    video = math.prod(params.grid)
    text = n - video
    b = params.block
    if text < 0 or text % b:
        raise ValueError(f"{n} tokens: the grid {params.grid} plus text tokens must be whole tiles of {b}")
    counts = [g // t for g, t in zip(params.grid, params.tile, strict=True)]
    perm = tile_order(grid=params.grid, tile=params.tile, extra_tokens=text)
    coords = torch.stack(torch.meshgrid(*(torch.arange(c) for c in counts), indexing="ij"), dim=-1).view(
        -1, 3
    )
    reach = torch.tensor([w // 2 for w in params.window])
    near = ((coords[:, None, :] - coords[None, :, :]).abs() <= reach).all(-1)
    n_vb, n_b = len(coords), n // b
    mask = torch.ones(n_b, n_b, dtype=torch.bool)
    mask[:n_vb, :n_vb] = near
    return BlockLayout.from_block_mask(
        mask.expand(bsz, heads, n_b, n_b).contiguous(), block_size=(b, b), token_perm=perm
    )
