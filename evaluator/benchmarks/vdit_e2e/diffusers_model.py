"""A diffusers video transformer on local disk: the setting naming it, its checks, and loading it offline."""

from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path

from kernels.harness import VideoGeometry

MODEL_ENV = "SPARSEBENCH_VDIT_DIFFUSERS_MODEL"
#: The transformer classes whose self-attention the adapter routes (diffusers' Wan processor layout).
SUPPORTED_CLASSES = ("WanTransformer3DModel",)
#: The pinned diffusers version of the `video` extra (pyproject.toml).
DIFFUSERS_VERSION = "0.42.1"


class ModelSettingError(ValueError):
    """A configured model that cannot be used; the message names the variable or the file and field."""


@dataclass(frozen=True)
class LocalModel:
    """A checked model directory: the transformer's folder, its class, and the pipeline's VAE folder
    (None when the directory holds the transformer alone)."""

    transformer_dir: Path
    class_name: str
    vae_dir: Path | None = None


@dataclass(frozen=True)
class ModelChoice:
    """The configured model, or None with the reason it is unavailable (shown as n/a)."""

    model: LocalModel | None
    reason: str = ""


def diffusers_unavailable_reason() -> str | None:
    """Why the adapter cannot run here (the diffusers package missing), or None."""
    if importlib.util.find_spec("diffusers") is None:
        return (
            f"the diffusers package is not installed (pip install 'sparsebench[video]', "
            f"diffusers=={DIFFUSERS_VERSION})"
        )
    return None


def local_model_check(path: Path) -> LocalModel:
    """The model at ``path``: a diffusers transformer folder (config.json) or a pipeline folder
    (model_index.json with transformer/ and, for decoded videos, vae/); ModelSettingError otherwise."""
    path = Path(path)
    if not path.is_dir():
        raise ModelSettingError(f"{MODEL_ENV}={path}: not a directory")
    transformer_dir = path / "transformer" if (path / "transformer" / "config.json").is_file() else path
    config_file = transformer_dir / "config.json"
    if not config_file.is_file():
        raise ModelSettingError(
            f"{MODEL_ENV}={path}: no config.json here nor in transformer/ (a diffusers model folder)"
        )
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelSettingError(f"{config_file}: not readable JSON ({exc})") from exc
    class_name = config.get("_class_name") if isinstance(config, dict) else None
    if class_name not in SUPPORTED_CLASSES:
        raise ModelSettingError(
            f"{config_file}: _class_name {class_name!r} unsupported (supported: {list(SUPPORTED_CLASSES)})"
        )
    vae_dir = path / "vae" if transformer_dir != path and (path / "vae" / "config.json").is_file() else None
    return LocalModel(transformer_dir=transformer_dir, class_name=class_name, vae_dir=vae_dir)


def configured_model(environ: dict[str, str] | None = None) -> ModelChoice:
    """The model ``$SPARSEBENCH_VDIT_DIFFUSERS_MODEL`` names, or why there is none (unset, or diffusers
    missing). A set but unusable value raises ModelSettingError: a misconfigured worker fails closed."""
    environ = os.environ if environ is None else environ
    value = environ.get(MODEL_ENV, "").strip()
    if not value:
        return ModelChoice(None, f"no local video model configured (set {MODEL_ENV} to a diffusers folder)")
    model = local_model_check(Path(value))
    missing = diffusers_unavailable_reason()
    if missing is not None:
        return ModelChoice(None, missing)
    return ModelChoice(model)


def _read(cls, folder: Path, *, dtype):
    """``cls`` read from ``folder``: local files only, safetensors only (no pickle); ModelSettingError
    naming the folder when it cannot be read."""
    try:
        return cls.from_pretrained(folder, local_files_only=True, use_safetensors=True, torch_dtype=dtype)
    except (OSError, ValueError) as exc:
        raise ModelSettingError(f"{folder}: cannot be read as {cls.__name__} ({exc})") from exc


def transformer_load(model: LocalModel, *, device, dtype):
    """The transformer read from its folder with nothing fetched, in eval mode on ``device``."""
    import diffusers

    transformer = _read(getattr(diffusers, model.class_name), model.transformer_dir, dtype=dtype)
    return transformer.to(device).eval().requires_grad_(False)


def vae_load(model: LocalModel, *, device, dtype):
    """The pipeline's Wan VAE read offline, or None when the folder has none."""
    if model.vae_dir is None:
        return None
    from diffusers import AutoencoderKLWan

    return _read(AutoencoderKLWan, model.vae_dir, dtype=dtype).to(device).eval().requires_grad_(False)


def latent_geometry(transformer, *, frames: int, height: int, width: int) -> VideoGeometry:
    """The token grid the methods see for a latent of (frames, height, width): the patch grid, frame-major,
    no text tokens (Wan's self-attention holds the video tokens alone); ValueError if a side does not
    divide by the patch."""
    p_t, p_h, p_w = transformer.config.patch_size
    for name, size, patch in (("frames", frames, p_t), ("height", height, p_h), ("width", width, p_w)):
        if size < patch or size % patch:
            raise ValueError(f"latent {name} {size} is not a positive multiple of the patch's {patch}")
    return VideoGeometry(frames=frames // p_t, height=height // p_h, width=width // p_w, text_tokens=0)
