"""Visual hull of the input views' object masks on a voxel grid, and depth maps ray-cast through it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.ndimage

from .cameras import Camera

#: At most this many voxels along the longest side of the reconstruction box (reached at 192 px and up).
GRID_CELLS = 128
#: Image pixels per voxel side, about, below that cap.
PIXELS_PER_VOXEL = 1.5
#: Rays cast per chunk (bounds the memory of the march: rays x samples x 3 floats).
RAY_CHUNK = 2048
#: A mask is grown by this many pixels before carving, so a voxel whose centre projects just outside a
#: silhouette edge (discretisation) is not carved away.
MASK_GROW_PX = 1


@dataclass(frozen=True)
class VoxelGrid:
    """Occupancy on a regular grid: voxel (i, j, k) has its centre at origin + ((i, j, k) + 0.5) * step."""

    origin: np.ndarray
    step: float
    occupied: np.ndarray

    @property
    def upper(self) -> np.ndarray:
        """The far corner of the grid (world units)."""
        return self.origin + self.step * np.asarray(self.occupied.shape, dtype=np.float64)


def pixel_rays(*, camera: Camera, width: int, height: int) -> np.ndarray:
    """World directions (H*W x 3) of the pixel centres, scaled so that camera-z depth 1 is one unit along."""
    u, v = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    pixels = np.stack([u.ravel(), v.ravel(), np.ones(u.size)])
    return (camera.R.T @ np.linalg.inv(camera.K) @ pixels).T


def scaled_camera(*, camera: Camera, factor: float) -> Camera:
    """The same camera on an image `factor` times as large (pixel coordinates scaled about the corner)."""
    scale = np.diag([factor, factor, 1.0])
    return Camera(K=scale @ camera.K, R=camera.R, t=camera.t)


def project(*, camera: Camera, points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, depth) of world points (N x 3): continuous pixel coordinates (pixel centres at i + 0.5)
    and camera-z depth (<= 0 behind the camera)."""
    cam = points @ camera.R.T + camera.t
    depth = cam[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        pix = cam @ camera.K.T
        return pix[:, 0] / depth, pix[:, 1] / depth, depth


def hull_bounds(*, cameras: list[Camera], width: int) -> tuple[np.ndarray, np.ndarray]:
    """An axis-aligned box around what every camera looks at: centred on the point nearest all optical
    axes, half side the horizontal half-width of the nearest camera's view at that point."""
    lhs, rhs = np.zeros((3, 3)), np.zeros(3)
    for camera in cameras:
        axis = camera.R[2] / np.linalg.norm(camera.R[2])
        proj = np.eye(3) - np.outer(axis, axis)
        lhs += proj
        rhs += proj @ camera.centre
    centre = np.linalg.lstsq(lhs, rhs, rcond=None)[0]
    half = min(np.linalg.norm(c.centre - centre) * (width / 2) / c.K[0, 0] for c in cameras)
    return centre - half, centre + half


def grid_cells(*, width: int, height: int) -> int:
    """Voxels along the box's longest side: about one per PIXELS_PER_VOXEL image pixels, 16 to GRID_CELLS."""
    return int(min(GRID_CELLS, max(16, np.ceil(max(width, height) / PIXELS_PER_VOXEL))))


def hull_carve(
    *,
    masks: dict[int, np.ndarray],
    cameras: list[Camera],
    bounds: tuple[np.ndarray, np.ndarray],
    plane: tuple[float, float, float, float] | None,
    cells: int = GRID_CELLS,
) -> VoxelGrid:
    """Keep the voxels whose centre projects inside every given mask (and lies above the plane, if any).

    As for any silhouette hull, the object is taken to be in every input view's frame: a voxel outside
    a view's frame is carved. A view with no mask is not given (the caller passes the masked views)."""
    lower, upper = (np.asarray(b, dtype=np.float64) for b in bounds)
    step = float(np.max(upper - lower)) / cells
    shape = tuple(int(np.ceil((upper[a] - lower[a]) / step)) for a in range(3))
    survivors = np.arange(int(np.prod(shape)))
    if plane is not None:
        survivors = survivors[_centres(lower, step, shape, survivors) @ np.asarray(plane[:3]) + plane[3] > 0]
    for index, mask in masks.items():  # each view carves what the previous ones left
        grown = scipy.ndimage.binary_dilation(mask, iterations=MASK_GROW_PX) if MASK_GROW_PX else mask
        x, y, depth = project(camera=cameras[index], points=_centres(lower, step, shape, survivors))
        col, row = np.floor(x), np.floor(y)
        inside = (depth > 0) & (col >= 0) & (col < mask.shape[1]) & (row >= 0) & (row < mask.shape[0])
        seen = np.zeros(len(survivors), dtype=bool)
        seen[inside] = grown[row[inside].astype(int), col[inside].astype(int)]
        survivors = survivors[seen]
    occupied = np.zeros(shape, dtype=bool)
    occupied.ravel()[survivors] = True
    return VoxelGrid(origin=lower, step=step, occupied=occupied)


def _centres(lower: np.ndarray, step: float, shape: tuple[int, ...], flat: np.ndarray) -> np.ndarray:
    """World centres (N x 3) of voxels given by flat indices."""
    return lower + (np.stack(np.unravel_index(flat, shape), axis=1) + 0.5) * step


def _box_span(*, origin: np.ndarray, rays: np.ndarray, lower: np.ndarray, upper: np.ndarray):
    """Entry and exit ray parameters of the box (slab method); entry > exit where a ray misses it."""
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / rays
        t0 = (lower - origin) * inv
        t1 = (upper - origin) * inv
    near = np.nanmax(np.minimum(t0, t1), axis=1)
    far = np.nanmin(np.maximum(t0, t1), axis=1)
    return np.maximum(near, 1e-6), far


def hull_march(*, grid: VoxelGrid, camera: Camera, width: int, height: int):
    """March every pixel's ray through the occupied part of the grid (its tight box) at half-voxel steps, a
    chunk of rays at a time: yields (ray ids (R,), camera-z depths (R x S), occupied (R x S))."""
    filled_cells = np.argwhere(grid.occupied)
    if filled_cells.size == 0:
        return
    lower = grid.origin + filled_cells.min(axis=0) * grid.step
    upper = grid.origin + (filled_cells.max(axis=0) + 1) * grid.step
    rays = pixel_rays(camera=camera, width=width, height=height)
    origin = camera.centre
    near, far = _box_span(origin=origin, rays=rays, lower=lower, upper=upper)
    h = 0.5 * grid.step / np.linalg.norm(rays, axis=1)  # half a voxel along each ray, in depth units
    shape = np.asarray(grid.occupied.shape)
    hits = np.flatnonzero(far > near)
    samples = int(np.ceil(np.max((far[hits] - near[hits]) / h[hits]))) + 1 if hits.size else 0
    steps = np.arange(samples, dtype=np.float64)
    for begin in range(0, hits.size, RAY_CHUNK):
        chosen = hits[begin : begin + RAY_CHUNK]
        s = near[chosen, None] + steps[None, :] * h[chosen, None]
        points = origin + s[..., None] * rays[chosen, None, :]
        cell = np.floor((points - grid.origin) / grid.step).astype(np.int64)
        valid = np.all((cell >= 0) & (cell < shape), axis=-1) & (s <= far[chosen, None])
        cell = np.where(valid[..., None], cell, 0)
        yield chosen, s, valid & grid.occupied[cell[..., 0], cell[..., 1], cell[..., 2]]


def hull_depth(*, grid: VoxelGrid, camera: Camera, width: int, height: int) -> np.ndarray:
    """Camera-z depth (H x W) of the first occupied voxel along each pixel's ray; inf where none."""
    depth = np.full(width * height, np.inf)
    for chosen, s, filled in hull_march(grid=grid, camera=camera, width=width, height=height):
        first = np.argmax(filled, axis=1)
        found = filled[np.arange(len(chosen)), first]
        depth[chosen[found]] = s[found, first[found]]
    return depth.reshape(height, width)


def plane_depth(
    *, plane: tuple[float, float, float, float], camera: Camera, width: int, height: int
) -> np.ndarray:
    """Camera-z depth (H x W) where each pixel's ray meets the plane; inf where it does not (behind)."""
    rays = pixel_rays(camera=camera, width=width, height=height)
    normal, offset = np.asarray(plane[:3], dtype=np.float64), float(plane[3])
    with np.errstate(divide="ignore", invalid="ignore"):
        s = -(normal @ camera.centre + offset) / (rays @ normal)
    s = np.where(np.isfinite(s) & (s > 0), s, np.inf)
    return s.reshape(height, width)
