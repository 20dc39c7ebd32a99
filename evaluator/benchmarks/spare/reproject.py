"""Depth-based reprojection: the input views' colours carried to a new camera through a reconstructed
surface (visual hull of the input masks plus the platform plane), with visibility tests and view-angle
blending; pixels no input view sees are filled from their surroundings."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.ndimage

from .cameras import Camera
from .hull import (
    VoxelGrid,
    grid_cells,
    hull_bounds,
    hull_carve,
    hull_depth,
    pixel_rays,
    plane_depth,
    project,
    scaled_camera,
)
from .sweep import CONSISTENCY, sweep_colours

#: The longest image side the hull is ray-cast at (depth maps are upsampled from it): bounds the time at
#: 1600x1200 (real data) while generated 200x150 scenes are cast at full size.
WORK_SIDE = 400
#: Sharpness of the view-angle weight ((1 + cos angle) / 2) ** ANGLE_POWER between the target ray and an
#: input ray through the same surface point; chosen on the public training scenes (bench/spare_hull.py).
ANGLE_POWER = 8.0
#: A surface point counts as seen by an input view when its depth there is within this many voxels of the
#: input view's own surface depth.
VISIBILITY_VOXELS = 2.0
#: Weight of an input view that has the point in its frame but sees something nearer (an occluder): the
#: colour of last resort before the hole fill.
OCCLUDED_WEIGHT = 1e-4


@dataclass(frozen=True)
class SceneModel:
    """What a scene's inputs reconstruct: the hull (None without masks), the plane, each input's depth."""

    images: dict[int, np.ndarray]
    cameras: list[Camera]
    width: int
    height: int
    grid: VoxelGrid | None
    plane: tuple[float, float, float, float]
    depths: dict[int, np.ndarray]


def work_lookup(*, width: int, height: int) -> tuple[int, int, np.ndarray]:
    """(width, height) of the working image (longest side WORK_SIDE at most) and, per full-size pixel
    (H x W), the flat index of the working pixel it lies in."""
    factor = min(1.0, WORK_SIDE / max(width, height))
    small_w, small_h = max(1, round(width * factor)), max(1, round(height * factor))
    rows = np.minimum((np.arange(height) + 0.5) * small_h / height, small_h - 1).astype(int)
    cols = np.minimum((np.arange(width) + 0.5) * small_w / width, small_w - 1).astype(int)
    return small_w, small_h, rows[:, None] * small_w + cols[None, :]


def surface_depth(
    *,
    grid: VoxelGrid | None,
    plane: tuple[float, float, float, float],
    camera: Camera,
    width: int,
    height: int,
) -> np.ndarray:
    """Camera-z depth (H x W) of the nearest surface: the hull (cast at WORK_SIDE at most) or the plane."""
    depth = plane_depth(plane=plane, camera=camera, width=width, height=height)
    if grid is None:
        return depth
    small_w, small_h, lookup = work_lookup(width=width, height=height)
    small = hull_depth(
        grid=grid, camera=scaled_camera(camera=camera, factor=small_w / width), width=small_w, height=small_h
    )
    return np.minimum(depth, small.ravel()[lookup])


def scene_model(
    *,
    images: dict[int, np.ndarray],
    masks: dict[int, np.ndarray],
    cameras: list[Camera],
    plane: tuple[float, float, float, float],
    floor: tuple[float, float, float, float] | None,
    width: int,
    height: int,
) -> SceneModel:
    """Carve the hull from the input masks (at least two needed; above `floor` when it is known), then
    ray-cast each input view's surface depth."""
    grid = None
    if len(masks) >= 2:
        bounds = hull_bounds(cameras=[cameras[i] for i in images], width=width)
        cells = grid_cells(width=width, height=height)
        grid = hull_carve(masks=masks, cameras=cameras, bounds=bounds, plane=floor, cells=cells)
        if not grid.occupied.any():
            grid = None
    depths = {
        i: surface_depth(grid=grid, plane=plane, camera=cameras[i], width=width, height=height)
        for i in images
    }
    return SceneModel(
        images=images, cameras=cameras, width=width, height=height, grid=grid, plane=plane, depths=depths
    )


def bilinear(*, image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Colours (N x C) of `image` at continuous pixel coordinates (pixel centres at i + 0.5), clamped."""
    h, w = image.shape[:2]
    xs, ys = np.clip(x - 0.5, 0, w - 1), np.clip(y - 0.5, 0, h - 1)
    x0, y0 = (
        np.minimum(np.floor(xs).astype(int), max(w - 2, 0)),
        np.minimum(np.floor(ys).astype(int), max(h - 2, 0)),
    )
    x1, y1 = np.minimum(x0 + 1, w - 1), np.minimum(y0 + 1, h - 1)
    fx, fy = (xs - x0)[:, None], (ys - y0)[:, None]
    return (
        image[y0, x0] * (1 - fx) * (1 - fy)
        + image[y0, x1] * fx * (1 - fy)
        + image[y1, x0] * (1 - fx) * fy
        + image[y1, x1] * fx * fy
    )


def holes_fill(*, image: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Unknown pixels from their known surroundings: normalised Gaussian blurs of growing width."""
    if known.all() or not known.any():
        return image if known.any() else np.zeros_like(image)
    out, filled, sigma = image.copy(), known.copy(), 1.0
    weight = known.astype(np.float64)
    while not filled.all():
        den = scipy.ndimage.gaussian_filter(weight, sigma, mode="nearest")
        fresh = (den > 1e-3) & ~filled
        for channel in range(image.shape[2]):
            num = scipy.ndimage.gaussian_filter(image[..., channel] * weight, sigma, mode="nearest")
            out[..., channel][fresh] = num[fresh] / den[fresh]
        filled |= fresh
        sigma *= 2
    return out


def reproject_render(*, model: SceneModel, camera: Camera, consistency: float = CONSISTENCY) -> np.ndarray:
    """The view of `camera`: each pixel's surface point coloured by the input views that see it, weighted
    by how close their viewing direction is to the target's; unseen pixels filled (holes_fill)."""
    width, height = model.width, model.height
    depth = surface_depth(
        grid=model.grid, plane=model.plane, camera=camera, width=width, height=height
    ).ravel()
    rays = pixel_rays(camera=camera, width=width, height=height)
    finite = np.isfinite(depth)
    points = camera.centre + depth[finite, None] * rays[finite]
    towards = points - camera.centre
    towards /= np.linalg.norm(towards, axis=1, keepdims=True)
    tolerance = VISIBILITY_VOXELS * (model.grid.step if model.grid is not None else 0.02)
    colour = np.zeros((len(points), 3))
    weight = np.zeros(len(points))
    for index, image in model.images.items():
        source = model.cameras[index]
        x, y, z = project(camera=source, points=points)
        h, w = image.shape[:2]
        inside = (z > 0) & (x >= 0) & (x < w) & (y >= 0) & (y < h)
        seen_depth = np.full(len(points), -np.inf)
        seen_depth[inside] = model.depths[index][y[inside].astype(int), x[inside].astype(int)]
        visible = inside & (z <= seen_depth + tolerance)
        ray = points - source.centre
        ray /= np.linalg.norm(ray, axis=1, keepdims=True)
        closeness = ((1 + np.sum(ray * towards, axis=1)) / 2) ** ANGLE_POWER
        w_view = np.where(
            visible, np.maximum(closeness, 1e-12), np.where(inside, OCCLUDED_WEIGHT * closeness, 0)
        )
        if not inside.any():
            continue
        colour[inside] += w_view[inside, None] * bilinear(image=image, x=x[inside], y=y[inside])
        weight += w_view
    out = np.zeros((height * width, 3))
    known = np.zeros(height * width, dtype=bool)
    seen = weight > 0
    out[np.flatnonzero(finite)[seen]] = colour[seen] / weight[seen, None]
    known[np.flatnonzero(finite)[seen]] = True
    if model.grid is not None:  # swept at the working size (the full size up to WORK_SIDE)
        small_w, small_h, lookup = work_lookup(width=width, height=height)
        swept, crossed = sweep_colours(
            grid=model.grid,
            images=model.images,
            cameras=model.cameras,
            camera=scaled_camera(camera=camera, factor=small_w / width),
            width=small_w,
            height=small_h,
            consistency=consistency,
        )
        crossed_full = crossed[lookup.ravel()]
        out[crossed_full] = swept[lookup.ravel()[crossed_full]]
        known |= crossed_full
    return _fill(image=out.reshape(height, width, 3), known=known.reshape(height, width))


def _fill(*, image: np.ndarray, known: np.ndarray) -> np.ndarray:
    """holes_fill at the working size: above it, the known pixels are averaged into working pixels, filled
    there, and each unknown full-size pixel takes its working pixel's colour."""
    height, width = known.shape
    small_w, small_h, lookup = work_lookup(width=width, height=height)
    if (small_w, small_h) == (width, height):
        return holes_fill(image=image, known=known)
    labels, weight = lookup.ravel(), known.ravel().astype(np.float64)
    count = np.bincount(labels, weights=weight, minlength=small_w * small_h)
    sums = np.stack(
        [
            np.bincount(labels, weights=weight * image[..., c].ravel(), minlength=small_w * small_h)
            for c in range(3)
        ],
        axis=1,
    )
    small = np.zeros((small_w * small_h, 3))
    some = count > 0
    small[some] = sums[some] / count[some, None]
    filled = holes_fill(image=small.reshape(small_h, small_w, 3), known=some.reshape(small_h, small_w))
    out = image.copy()
    out[~known] = filled.reshape(-1, 3)[lookup[~known]]
    return out
