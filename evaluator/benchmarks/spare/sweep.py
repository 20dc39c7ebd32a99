"""Soft plane sweep inside the hull: a pixel whose ray crosses the hull takes the input views' mean colour
at every depth the ray spends inside it, weighted by how well the views agree there (photo-consistency)."""

from __future__ import annotations

import numpy as np

from .cameras import Camera
from .hull import VoxelGrid, hull_march, pixel_rays, project

#: Agreement scale: a depth sample's weight is exp(-variance / CONSISTENCY**2), with the variance of the
#: input views' colours summed over RGB; chosen on the public training scenes (bench/spare_hull.py).
CONSISTENCY = 0.1


def sweep_colours(
    *,
    grid: VoxelGrid,
    images: dict[int, np.ndarray],
    cameras: list[Camera],
    camera: Camera,
    width: int,
    height: int,
    consistency: float = CONSISTENCY,
) -> tuple[np.ndarray, np.ndarray]:
    """(colours (H*W x 3), crossed (H*W,)) of the rays of `camera` that cross the hull (see the module
    docstring); the other rays stay 0 and False."""
    from .reproject import bilinear  # one sampler for every render

    rays = pixel_rays(camera=camera, width=width, height=height)
    colour = np.zeros((width * height, 3))
    crossed = np.zeros(width * height, dtype=bool)
    for chosen, s, filled in hull_march(grid=grid, camera=camera, width=width, height=height):
        ray, sample = np.nonzero(filled)
        if ray.size == 0:
            continue
        points = camera.centre + s[ray, sample, None] * rays[chosen[ray]]
        count, total, squares = np.zeros(len(points)), np.zeros((len(points), 3)), np.zeros(len(points))
        for index, image in images.items():
            h, w = image.shape[:2]
            x, y, z = project(camera=cameras[index], points=points)
            inside = (z > 0) & (x >= 0) & (x < w) & (y >= 0) & (y < h)
            seen = bilinear(image=image, x=x[inside], y=y[inside])
            count[inside] += 1
            total[inside] += seen
            squares[inside] += np.sum(seen**2, axis=1)
        ok = count > 0
        mean = np.zeros_like(total)
        mean[ok] = total[ok] / count[ok, None]
        variance = np.where(ok, squares / np.maximum(count, 1) - np.sum(mean**2, axis=1), 0.0)
        weight = np.where(ok, np.exp(-np.maximum(variance, 0) / consistency**2), 0.0)
        sums = np.stack(
            [np.bincount(ray, weights=weight * mean[:, c], minlength=len(chosen)) for c in range(3)], 1
        )
        norm = np.bincount(ray, weights=weight, minlength=len(chosen))
        good = norm > 1e-12
        colour[chosen[good]] = sums[good] / norm[good, None]
        crossed[chosen[good]] = True
    return colour, crossed
