"""Save and load the DiT's weights as safetensors, its config in the file's metadata."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, safe_open, save_file

from .model import DiTConfig, VideoDiT

CONFIG_KEY = "dit_config"


def weights_save(*, model: VideoDiT, path: Path, extra: dict[str, str] | None = None) -> None:
    """Write the weights (float32) and the config to a safetensors file."""
    state = {k: v.detach().contiguous().float() for k, v in model.state_dict().items()}
    meta = {CONFIG_KEY: json.dumps(model.config.to_json()), **(extra or {})}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    save_file(state, str(path), metadata=meta)


def weights_config(*, path: Path) -> DiTConfig:
    """The model's shape from the file's metadata alone (no tensor is read)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no weights file")
    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata() or {}
    if CONFIG_KEY not in meta:
        raise ValueError(f"{path}: metadata lacks the field {CONFIG_KEY!r}")
    return DiTConfig.from_json(json.loads(meta[CONFIG_KEY]))


def weights_load(*, path: Path) -> VideoDiT:
    """The model stored at path, in eval mode."""
    model = VideoDiT(weights_config(path=path))
    state = load_file(str(path))
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ValueError(f"{path}: tensors missing {missing} or unexpected {unexpected}")
    return model.eval().requires_grad_(False).to(torch.float32)
