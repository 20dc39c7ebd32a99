"""The DiT at another video length: same weights, the 3-D RoPE and patch grid rebuilt for more frames."""

from __future__ import annotations

import dataclasses

from .model import DiTConfig, VideoDiT
from .placement import model_device


def config_for_frames(config: DiTConfig, *, frames: int) -> DiTConfig:
    """``config`` sampling ``frames`` frames; ValueError says why a length is impossible.

    Only the token grid depends on the length: no weight is positional (RoPE's angles are computed from
    the grid), so any whole number of temporal patches works."""
    if isinstance(frames, bool) or not isinstance(frames, int) or frames < 1:
        raise ValueError(f"frames must be a positive integer, got {frames!r}")
    pt = config.patch[0]
    if frames % pt:
        raise ValueError(f"frames {frames} is not a whole number of temporal patches of {pt} frames")
    return dataclasses.replace(config, frames=frames)


def model_for_frames(model: VideoDiT, *, frames: int) -> VideoDiT:
    """A model sampling ``frames`` frames with ``model``'s weights (shared tensors, not copies) on its
    device; ``model`` itself at its own length."""
    if frames == model.config.frames:
        return model
    longer = VideoDiT(config_for_frames(model.config, frames=frames))
    longer.load_state_dict(model.state_dict(), strict=True, assign=True)
    return longer.eval().requires_grad_(False).to(model_device(model))
