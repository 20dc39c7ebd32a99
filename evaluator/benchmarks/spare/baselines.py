"""Reference submissions built from the public data only: grey, input mean, nearest view, plane warp."""

from __future__ import annotations

import functools
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from evaluator.contract import Baseline, Payload

from .cameras import Camera, cameras_read
from .config import PHASES
from .layout import image_name, manifest_read, split_read, submission_name
from .views import image_read
from .warp import plane_from_cameras, plane_warp


@dataclass(frozen=True)
class SceneInputs:
    """The public inputs of one scene: input images (float, [0, 1]) and every camera."""

    images: dict[int, np.ndarray]
    cameras: list[Camera]
    width: int
    height: int
    plane: tuple[float, float, float, float]


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


METHODS: dict[str, tuple[str, Callable[[SceneInputs, int], np.ndarray]]] = {
    "grey": ("Constant mid-grey image (RGB 128).", render_grey),
    "input-mean": ("Per-pixel mean of the input views.", render_mean),
    "nearest-view": ("The input view whose camera centre is nearest the test camera.", render_nearest),
    "plane-warp": (
        "The nearest input view warped to the test camera by the homography of the platform plane"
        " (black where the plane is not seen).",
        render_plane_warp,
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
    _, render = METHODS[method]
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
            plane = manifest.platform_plane or plane_from_cameras(cameras=cameras)
            inputs = SceneInputs(
                images=images, cameras=cameras, width=manifest.width, height=manifest.height, plane=plane
            )
            for index in splits[scene].test_views:
                archive.writestr(
                    submission_name(scene=scene, index=index, dataset=dataset),
                    png_bytes(image=render(inputs, index)),
                )
    return Payload(phase=phase, public_dir=public_dir, file=path)


def spare_baselines() -> list[Baseline]:
    """The four reference entries, each for every phase."""
    phases = tuple(slug for slug, _, _ in PHASES)
    return [
        Baseline(
            name=method, description=description, phases=phases, make_payload=functools.partial(_make, method)
        )
        for method, (description, _) in METHODS.items()
    ]


def _make(method: str, public_dir: Path, phase: str, work_dir: Path) -> Payload:
    """Positional adapter for Baseline.make_payload."""
    return baseline_write(method=method, public_dir=public_dir, phase=phase, work_dir=work_dir)
