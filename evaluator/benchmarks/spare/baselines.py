"""Baseline submissions built from the public data only: three trivial references (grey, input mean, nearest
view), the platform-plane warp and a sparse-view reconstruction (visual hull and plane sweep)."""

from __future__ import annotations

import functools
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from evaluator.contract import Baseline, Payload

from .cameras import Camera, cameras_read
from .config import PHASES
from .layout import image_name, manifest_read, mask_name, split_read, submission_name
from .reproject import SceneModel, reproject_render, scene_model
from .views import image_read, mask_read
from .warp import plane_from_cameras, plane_warp


@dataclass(frozen=True)
class SceneInputs:
    """The public inputs of one scene: input images (float, [0, 1]), their object masks where published,
    every camera, the scene plane (the platform, or a stand-in) and the platform when it is known."""

    images: dict[int, np.ndarray]
    cameras: list[Camera]
    width: int
    height: int
    plane: tuple[float, float, float, float]
    masks: dict[int, np.ndarray] = field(default_factory=dict)
    floor: tuple[float, float, float, float] | None = None
    #: Per-scene work a method reuses across the scene's test views (e.g. its reconstruction).
    cache: dict[str, object] = field(default_factory=dict, compare=False)


def _nearest(inputs: SceneInputs, index: int) -> int:
    """The input view whose camera centre is nearest the centre of view `index`."""
    target = inputs.cameras[index].centre
    return min(inputs.images, key=lambda i: (np.linalg.norm(inputs.cameras[i].centre - target), i))


def render_grey(inputs: SceneInputs, index: int) -> np.ndarray:
    """Constant mid-grey."""
    return np.full((inputs.height, inputs.width, 3), 0.5)


def render_mean(inputs: SceneInputs, index: int) -> np.ndarray:
    """Per-pixel mean of the input views."""
    return np.mean(np.stack(list(inputs.images.values())), axis=0)


def render_nearest(inputs: SceneInputs, index: int) -> np.ndarray:
    """The input view nearest by camera centre, unchanged."""
    return inputs.images[_nearest(inputs, index)]


def render_plane_warp(inputs: SceneInputs, index: int) -> np.ndarray:
    """The nearest input view warped to the test camera by the homography of the platform plane."""
    src = _nearest(inputs, index)
    return plane_warp(
        image=inputs.images[src],
        src=inputs.cameras[src],
        dst=inputs.cameras[index],
        plane=inputs.plane,
        width=inputs.width,
        height=inputs.height,
    )


def _model(inputs: SceneInputs) -> SceneModel:
    """The scene's reconstruction, made once and reused for each of its test views."""
    if "model" not in inputs.cache:
        inputs.cache["model"] = scene_model(
            images=inputs.images,
            masks=inputs.masks,
            cameras=inputs.cameras,
            plane=inputs.plane,
            floor=inputs.floor,
            width=inputs.width,
            height=inputs.height,
        )
    return inputs.cache["model"]  # type: ignore[return-value]


def render_hull_sweep(inputs: SceneInputs, index: int) -> np.ndarray:
    """Visual hull of the input masks, plane sweep inside it, the platform reprojected (reproject.py)."""
    return reproject_render(model=_model(inputs), camera=inputs.cameras[index])


#: name -> (description, render, reference): a reference is a trivial entry, listed unranked.
METHODS: dict[str, tuple[str, Callable[[SceneInputs, int], np.ndarray], bool]] = {
    "grey": ("Constant mid-grey image (RGB 128); a trivial reference.", render_grey, True),
    "input-mean": ("Per-pixel mean of the input views; a trivial reference.", render_mean, True),
    "nearest-view": (
        "The input view whose camera centre is nearest the test camera; a trivial reference.",
        render_nearest,
        True,
    ),
    "plane-warp": (
        "The nearest input view warped to the test camera by the homography of the platform plane"
        " (black where the plane is not seen).",
        render_plane_warp,
        False,
    ),
    "hull-sweep": (
        "Sparse-view reconstruction on the CPU: the visual hull of the input views' object masks (128^3"
        " voxels, above the platform), a plane sweep inside it along each test ray that averages the input"
        " views' colours weighted by their photo-consistency, the platform and background reprojected from"
        " the input views with z-buffer visibility and view-angle blending, and holes filled from their"
        " surroundings (no learning, no training scenes used).",
        render_hull_sweep,
        False,
    ),
}


def png_bytes(*, image: np.ndarray) -> bytes:
    """8-bit RGB PNG encoding of a float image in [0, 1]."""
    buffer = io.BytesIO()
    Image.fromarray(np.round(np.clip(image, 0, 1) * 255).astype(np.uint8), mode="RGB").save(
        buffer, format="PNG"
    )
    return buffer.getvalue()


def baseline_write(*, method: str, public_dir: Path, phase: str, work_dir: Path) -> Payload:
    """Write the submission ZIP of a baseline method for a phase; one scene in memory at a time."""
    _, render, _ = METHODS[method]
    manifest = manifest_read(public_dir=public_dir)
    splits = split_read(public_dir=public_dir, phase=phase)
    work_dir.mkdir(parents=True, exist_ok=True)
    path = work_dir / f"spare-{phase}-{method}.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for scene in sorted(splits):
            folder = public_dir / phase / scene
            cameras = cameras_read(folder=folder / "cameras")
            dataset = splits[scene].dataset
            images = {
                i: image_read(path=folder / "images" / image_name(index=i, dataset=dataset))
                for i in splits[scene].input_views
            }
            masks = {
                i: mask_read(path=folder / "masks" / mask_name(index=i))
                for i in splits[scene].input_views
                if (folder / "masks" / mask_name(index=i)).is_file()
            }
            plane = manifest.platform_plane or plane_from_cameras(cameras=cameras)
            inputs = SceneInputs(
                images=images,
                cameras=cameras,
                width=manifest.width,
                height=manifest.height,
                plane=plane,
                masks=masks,
                floor=manifest.platform_plane,
            )
            for index in splits[scene].test_views:
                archive.writestr(
                    submission_name(scene=scene, index=index, dataset=dataset),
                    png_bytes(image=render(inputs, index)),
                )
    return Payload(phase=phase, public_dir=public_dir, file=path)


def spare_baselines() -> list[Baseline]:
    """The baseline entries, each for every phase (grey, input-mean and nearest-view as references)."""
    phases = tuple(slug for slug, _, _ in PHASES)
    return [
        Baseline(
            name=method,
            description=description,
            phases=phases,
            make_payload=functools.partial(_make, method),
            reference=reference,
        )
        for method, (description, _, reference) in METHODS.items()
    ]


def _make(method: str, public_dir: Path, phase: str, work_dir: Path) -> Payload:
    """Positional adapter for Baseline.make_payload."""
    return baseline_write(method=method, public_dir=public_dir, phase=phase, work_dir=work_dir)
