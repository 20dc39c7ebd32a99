"""Plane-induced homography between two cameras and the bilinear warp of an image by it."""

from __future__ import annotations

import numpy as np

from .cameras import Camera


def plane_homography(*, src: Camera, dst: Camera, plane: tuple[float, float, float, float]) -> np.ndarray:
    """3x3 H mapping a dst pixel (homogeneous) to the src pixel seeing the same point of the plane.

    The plane is n . X + e = 0 (world units). A dst pixel p has the ray X = C + s M p with
    M = R^T K^-1; its plane point in homogeneous form is A p with A = [C n^T M - (n.C + e) M ; n^T M],
    so H = P_src A.
    """
    n, e = np.asarray(plane[:3], dtype=np.float64), float(plane[3])
    M = dst.R.T @ np.linalg.inv(dst.K)
    C = dst.centre
    A = np.vstack([np.outer(C, n @ M) - (n @ C + e) * M, (n @ M)[None, :]])
    return src.P @ A


def plane_warp(
    *,
    image: np.ndarray,
    src: Camera,
    dst: Camera,
    plane: tuple[float, float, float, float],
    width: int,
    height: int,
) -> np.ndarray:
    """Render the dst view of `image` (src view) assuming every pixel lies on the plane; black elsewhere."""
    H = plane_homography(src=src, dst=dst, plane=plane)
    n, e = np.asarray(plane[:3], dtype=np.float64), float(plane[3])
    M = dst.R.T @ np.linalg.inv(dst.K)
    u, v = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    p = np.stack([u.ravel(), v.ravel(), np.ones(u.size)])
    ndotd = n @ (M @ p)
    with np.errstate(divide="ignore", invalid="ignore"):
        along = -(n @ dst.centre + e) / ndotd
        q = H @ p
        depth = q[2] / ndotd
        x, y = q[0] / q[2] - 0.5, q[1] / q[2] - 0.5
    valid = np.isfinite(along) & (along > 0) & (depth > 0) & np.isfinite(x) & np.isfinite(y)
    src_h, src_w = image.shape[:2]
    tol = 1e-6  # pixel centres on the border map there up to rounding
    valid &= (x >= -tol) & (x <= src_w - 1 + tol) & (y >= -tol) & (y <= src_h - 1 + tol)
    out = np.zeros((u.size, image.shape[2]), dtype=np.float64)
    xs, ys = np.clip(x[valid], 0, src_w - 1), np.clip(y[valid], 0, src_h - 1)
    x0 = np.minimum(np.floor(xs).astype(int), src_w - 2)
    y0 = np.minimum(np.floor(ys).astype(int), src_h - 2)
    fx, fy = (xs - x0)[:, None], (ys - y0)[:, None]
    img = image.astype(np.float64)
    out[valid] = (
        img[y0, x0] * (1 - fx) * (1 - fy)
        + img[y0, x0 + 1] * fx * (1 - fy)
        + img[y0 + 1, x0] * (1 - fx) * fy
        + img[y0 + 1, x0 + 1] * fx * fy
    )
    return out.reshape(height, width, image.shape[2])


def plane_from_cameras(*, cameras: list[Camera]) -> tuple[float, float, float, float]:
    """A stand-in scene plane when none is known: through the point nearest every optical axis,
    facing the mean viewing direction."""
    lhs, rhs, views = np.zeros((3, 3)), np.zeros(3), []
    for camera in cameras:
        axis = camera.R[2] / np.linalg.norm(camera.R[2])
        proj = np.eye(3) - np.outer(axis, axis)
        lhs += proj
        rhs += proj @ camera.centre
        views.append(axis)
    point = np.linalg.lstsq(lhs, rhs, rcond=None)[0]
    normal = -np.mean(views, axis=0)
    normal /= np.linalg.norm(normal)
    return (*(float(v) for v in normal), float(-normal @ point))
